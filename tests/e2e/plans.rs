//! The planner's API over HTTP on the demo (which ships with its grids): a draft, an edit, a
//! conflicting edit, undo and redo, compare, publish over the live zones, and a stale draft.

use serde_json::{Value, json};
use wangge_e2e::{Server, demo_db, text, wangge};

fn parse(body: &str) -> Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"))
}

fn households_by_code(balance: &Value) -> Vec<(String, u64)> {
    balance["grids"]
        .as_array()
        .expect("grids")
        .iter()
        .map(|g| {
            (
                g["code"].as_str().expect("code").to_string(),
                g["households"].as_u64().expect("households"),
            )
        })
        .collect()
}

#[test]
fn a_draft_is_edited_undone_compared_and_published_over_http() {
    let (_dir, db) = demo_db("plans.gpkg");
    let server = Server::start(&["serve", "--db", &db]);

    // A draft; the live zones were kept as the first published plan.
    let (status, body) = server.post("/api/plans", r#"{"name":"2027年调整","by":"规划员李"}"#);
    assert_eq!(status, 201, "{body}");
    let draft = parse(&body);
    let id = draft["id"].as_i64().expect("id");
    assert_eq!(draft["status"], "draft");
    assert_eq!(draft["version"], 0);
    // Who made it is the signed-in user, whatever the body says.
    assert_eq!(draft["created_by"], wangge_e2e::ADMIN.0, "{body}");
    let (status, body) = server.post("/api/plans", r#"{"name":" "}"#);
    assert_eq!(status, 400, "a name is required: {body}");
    let (_, body) = server.get("/api/plans");
    let plans = parse(&body);
    assert_eq!(plans.as_array().map(Vec::len), Some(2));
    assert_eq!(plans[1]["status"], "published");
    // A second draft from the same base, published later over a newer plan: refused then.
    let (_, body) = server.post("/api/plans", r#"{"name":"另一稿","by":"规划员王"}"#);
    let rival = parse(&body)["id"].as_i64().expect("id");

    // The balance table of one community's secondary grids.
    let (_, body) = server.get("/api/zones?level=community&limit=1");
    let community = parse(&body)["features"][0]["properties"]["code"]
        .as_str()
        .expect("a community")
        .to_string();
    let (status, body) = server.get(&format!(
        "/api/plans/{id}/balance?zone={community}&level=secondary"
    ));
    assert_eq!(status, 200, "{body}");
    let before = households_by_code(&parse(&body));
    assert!(before.len() >= 2, "{body}");

    // Merge the first grid with a neighbour: grids that do not touch are refused with 422.
    let first = &before[0].0;
    let mut merged = None;
    let mut refused = 0;
    for (other, _) in &before[1..] {
        let edit = json!({"version": 0, "by": "规划员李", "edit": {"op": "merge", "grids": [first, other]}});
        let (status, body) = server.post(&format!("/api/plans/{id}/edits"), &edit.to_string());
        match status {
            200 => {
                merged = Some((other.clone(), parse(&body)));
                break;
            }
            422 => {
                assert!(parse(&body)["error"].as_str().is_some(), "{body}");
                refused += 1;
            }
            _ => panic!("{status}: {body}"),
        }
    }
    let (other, answer) = merged.expect("the first grid has a neighbour");
    assert_eq!(answer["info"]["version"], 1);
    assert!(
        answer["summary"]
            .as_str()
            .expect("summary")
            .contains(first.as_str())
    );
    eprintln!("{refused} merges refused (not neighbours) before one was done");
    let sum = |rows: &[(String, u64)], code: &str| {
        rows.iter()
            .find(|(c, _)| c == code)
            .map(|(_, h)| *h)
            .unwrap_or(0)
    };
    let (_, body) = server.get(&format!(
        "/api/plans/{id}/balance?zone={community}&level=secondary"
    ));
    let after = households_by_code(&parse(&body));
    assert_eq!(
        sum(&after, first),
        sum(&before, first) + sum(&before, &other)
    );
    assert_eq!(sum(&after, &other), 0, "{other} is gone");
    // The live zones did not change: nobody outside the planner sees a draft.
    let (status, _) = server.get(&format!("/api/zones/{other}"));
    assert_eq!(status, 200);

    // A second planner still at version 0 gets 409 with what they missed.
    let stale = json!({"version": 0, "by": "规划员王", "edit": {"op": "lock", "grid": first, "locked": true}});
    let (status, body) = server.post(&format!("/api/plans/{id}/edits"), &stale.to_string());
    assert_eq!(status, 409, "{body}");
    let conflict = parse(&body);
    assert_eq!(conflict["current_version"], 1);
    assert_eq!(conflict["missed"][0]["by"], wangge_e2e::ADMIN.0);

    // Undo restores the table; redo brings the merge back.
    let (status, body) = server.post(
        &format!("/api/plans/{id}/undo"),
        r#"{"version":1,"by":"规划员李"}"#,
    );
    assert_eq!(status, 200, "{body}");
    let (_, body) = server.get(&format!(
        "/api/plans/{id}/balance?zone={community}&level=secondary"
    ));
    assert_eq!(households_by_code(&parse(&body)), before);
    let (status, body) = server.post(
        &format!("/api/plans/{id}/redo"),
        r#"{"version":2,"by":"规划员李"}"#,
    );
    assert_eq!(status, 200, "{body}");
    let (status, body) = server.post(
        &format!("/api/plans/{id}/redo"),
        r#"{"version":3,"by":"规划员李"}"#,
    );
    assert_eq!(status, 422, "nothing to redo: {body}");
    let (_, body) = server.get(&format!("/api/plans/{id}"));
    let plan = parse(&body);
    assert_eq!(plan["info"]["version"], 3);
    assert_eq!(plan["can_undo"], true);
    assert_eq!(plan["history"].as_array().map(Vec::len), Some(1));

    // Compare the live plan with the draft: exactly the other grid's households move.
    let (status, body) = server.get(&format!("/api/plans/compare?a=live&b={id}&level=secondary"));
    assert_eq!(status, 200, "{body}");
    let diff = parse(&body);
    assert_eq!(
        diff["totals"]["households"].as_u64(),
        Some(sum(&before, &other))
    );
    assert!(
        diff["changed"]["features"]
            .as_array()
            .is_some_and(|f| !f.is_empty())
    );

    // Publish: stale version refused, then done; the live zones are the plan's.
    let (status, body) = server.post(
        &format!("/api/plans/{id}/publish"),
        r#"{"version":1,"by":"规划员李"}"#,
    );
    assert_eq!(status, 409, "{body}");
    let (status, body) = server.post(
        &format!("/api/plans/{id}/publish"),
        r#"{"version":3,"by":"规划员李"}"#,
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(parse(&body)["info"]["status"], "published");
    let (status, body) = server.get(&format!("/api/zones/{first}"));
    assert_eq!(status, 200, "{body}");
    let zone = parse(&body);
    assert_eq!(
        zone["properties"]["households"].as_u64(),
        Some(sum(&before, first) + sum(&before, &other)),
        "{body}"
    );
    let (status, _) = server.get(&format!("/api/zones/{other}"));
    assert_eq!(status, 404, "{other} was retired");
    // A published plan is not edited; the rival draft is stale now.
    let (status, body) = server.post(
        &format!("/api/plans/{id}/edits"),
        &json!({"version": 3, "by": "x", "edit": {"op": "lock", "grid": first, "locked": true}})
            .to_string(),
    );
    assert_eq!(status, 422, "{body}");
    let (status, body) = server.post(
        &format!("/api/plans/{rival}/publish"),
        r#"{"version":0,"by":"规划员王"}"#,
    );
    assert_eq!(status, 409, "{body}");
    assert!(body.contains("new draft"), "{body}");
    // The plan in force today is this one: today in Asia/Shanghai, as the server counts days
    // (from 16:00 UTC on, the date there is already tomorrow's).
    let today = jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::get("Asia/Shanghai").expect("time zone"))
        .date()
        .to_string();
    let (status, body) = server.get(&format!("/api/plans/as-of?date={today}"));
    assert_eq!(status, 200, "{body}");
    assert_eq!(parse(&body)["id"].as_i64(), Some(id));
    let (status, _) = server.get("/api/plans/as-of?date=2001-01-01");
    assert_eq!(status, 404);
    drop(server);

    // The published grids pass every invariant.
    let out = wangge(&["check", "--db", &db]);
    assert!(out.status.success(), "{:?}", text(&out));
}
