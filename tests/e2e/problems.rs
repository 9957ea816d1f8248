//! Problems from the command line: 10,000 made-up 12345 work orders imported into the demo (all
//! routed, a second import adding nothing), a file with an unlocatable line refused naming it and
//! accepted with --skip-unlocated, a patrol report routed to the chief of its building, steps,
//! and the escalation clock run at a chosen time.

use std::time::Instant;

use serde_json::Value;
use wangge_e2e::{demo_db, text, wangge};

fn json(args: &[&str]) -> Value {
    let out = wangge(args);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "wangge {args:?}: {stderr}");
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

fn count(db: &str, extra: &[&str]) -> u64 {
    let mut args = vec!["problem", "list", "--db", db, "--json"];
    args.extend_from_slice(extra);
    json(&args)["total"].as_u64().expect("a total")
}

#[test]
fn ten_thousand_work_orders_are_imported_once_and_routed() {
    let (dir, db) = demo_db("hotline.gpkg");
    let db = db.as_str();
    let csv = dir.path().join("orders.csv");
    let data = wangge_demo::generate(&wangge_demo::DemoSettings::builtin());
    std::fs::write(&csv, wangge_demo::hotline::work_orders(&data, 10_000, 1)).expect("csv");
    let csv = csv.to_str().expect("path");

    let started = Instant::now();
    let out = wangge(&["import", "--db", db, "--layer", "hotline", csv]);
    let elapsed = started.elapsed();
    let (_, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    eprintln!("10,000 work orders imported in {elapsed:?} (debug build): {stderr}");
    assert!(stderr.contains("imported 10000 work order(s)"), "{stderr}");
    assert_eq!(count(db, &[]), 10_000);
    assert_eq!(count(db, &["--state", "reported"]), 10_000);

    // Every order was routed: a chief and the demo's zones (micro-grid, community, sub-district).
    let listed = json(&["problem", "list", "--db", db, "--json"]);
    let problems = listed["problems"].as_array().expect("problems");
    let unrouted: Vec<&Value> = problems
        .iter()
        .filter(|p| p["routing"]["chief"].is_null() || p["routing"]["community"].is_null())
        .collect();
    assert!(
        unrouted.is_empty(),
        "{} unrouted, e.g. {:?}",
        unrouted.len(),
        unrouted.first()
    );
    let by_address = problems
        .iter()
        .filter(|p| {
            p["lon"].as_f64().is_some()
                && p["address"]
                    .as_str()
                    .is_some_and(|a| a.starts_with("五华区"))
        })
        .count();
    assert!(by_address > 3_000, "{by_address} located by address");

    // Importing the same file again adds nothing.
    let out = wangge(&["import", "--db", db, "--layer", "hotline", csv]);
    let (_, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("imported 0 work order(s)") && stderr.contains("10000 already imported"),
        "{stderr}"
    );
    assert_eq!(count(db, &[]), 10_000);

    // The clock, run a year later, takes every order to the sub-district in three recorded
    // steps; a second run finds nothing more to do.
    let run = json(&[
        "escalate",
        "--db",
        db,
        "--now",
        "2027-01-01T00:00:00+08:00",
        "--json",
    ]);
    assert_eq!(run["escalated"], 10_000);
    assert_eq!(run["steps"].as_array().map(Vec::len), Some(30_000));
    let again = json(&[
        "escalate",
        "--db",
        db,
        "--now",
        "2027-01-01T00:00:00+08:00",
        "--json",
    ]);
    assert_eq!(again["escalated"], 0);
    let first = problems[0]["id"].as_i64().expect("id").to_string();
    let shown = json(&["problem", "show", "--db", db, "--id", &first, "--json"]);
    assert_eq!(shown["level"], "subdistrict");
    let levels: Vec<&str> = shown["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .map(|s| s["to_level"].as_str().expect("level"))
        .collect();
    assert_eq!(levels, ["chief", "grid", "community", "subdistrict"]);
}

#[test]
fn an_unlocatable_work_order_is_refused_by_line_unless_skipped() {
    let (dir, db) = demo_db("bad-hotline.gpkg");
    let db = db.as_str();
    let data = wangge_demo::generate(&wangge_demo::DemoSettings::builtin());
    let mut csv = wangge_demo::hotline::work_orders(&data, 5, 2);
    // Line 7: an address that names nothing in the demo, and no coordinates.
    csv.push_str("GD-BAD-1,2026-03-01 10:00:00,火星路1号,,,路灯不亮,设施维修\n");
    let path = dir.path().join("bad.csv");
    std::fs::write(&path, &csv).expect("csv");
    let path = path.to_str().expect("path");
    let out = wangge(&["import", "--db", db, "--layer", "hotline", path]);
    let (_, stderr) = text(&out);
    assert!(!out.status.success(), "{stderr}");
    assert!(stderr.contains("line 7"), "{stderr}");
    assert!(
        stderr.contains("GD-BAD-1") && stderr.contains("火星路1号"),
        "{stderr}"
    );
    assert!(stderr.contains("--skip-unlocated"), "{stderr}");
    assert_eq!(count(db, &[]), 0, "nothing was imported");

    let out = wangge(&[
        "import",
        "--db",
        db,
        "--layer",
        "hotline",
        "--skip-unlocated",
        path,
    ]);
    let (_, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("skipped line 7"), "{stderr}");
    assert_eq!(count(db, &[]), 5);

    // A line without a time refuses the file whatever the flag.
    std::fs::write(
        dir.path().join("no-time.csv"),
        "工单编号,受理时间,地址,诉求内容\nX1,,青云路1号,噪音\n",
    )
    .expect("csv");
    let out = wangge(&[
        "import",
        "--db",
        db,
        "--layer",
        "hotline",
        "--skip-unlocated",
        dir.path().join("no-time.csv").to_str().expect("path"),
    ]);
    let (_, stderr) = text(&out);
    assert!(!out.status.success());
    assert!(
        stderr.contains("line 2") && stderr.contains("time"),
        "{stderr}"
    );
}

#[test]
fn a_patrol_report_goes_to_the_chief_of_its_building_and_moves_by_steps() {
    let (_dir, db) = demo_db("patrol.gpkg");
    let db = db.as_str();
    let buildings: Value = serde_json::from_str(
        &text(&wangge(&[
            "export",
            "--db",
            db,
            "--layer",
            "buildings",
            "-",
        ]))
        .0,
    )
    .expect("GeoJSON");
    let building = &buildings["features"][0];
    let geometry = &building["geometry"];
    let ring = match geometry["type"].as_str() {
        Some("MultiPolygon") => &geometry["coordinates"][0][0],
        _ => &geometry["coordinates"][0],
    }
    .as_array()
    .expect("a ring")
    .clone();
    // The mean of a small convex footprint's corners lies inside it.
    let corners = &ring[..ring.len() - 1];
    let mean = |k: usize| {
        corners
            .iter()
            .map(|c| c[k].as_f64().expect("coordinate"))
            .sum::<f64>()
            / corners.len() as f64
    };
    let (lon, lat) = (mean(0).to_string(), mean(1).to_string());
    let reported = json(&[
        "problem",
        "report",
        "--db",
        db,
        "--lon",
        &lon,
        "--lat",
        &lat,
        "--category",
        "消防安全",
        "--text",
        "楼道堆放杂物",
        "--by",
        "王芳",
        "--json",
    ]);
    assert_eq!(reported["routing"]["building"], building["id"]);
    assert_eq!(
        reported["routing"]["chief"]["id"], building["properties"]["chief"],
        "{reported}"
    );
    assert_eq!(reported["state"], "reported");
    let id = reported["id"].as_i64().expect("id").to_string();

    let step = |action: &str| {
        wangge(&[
            "problem", "step", "--db", db, "--id", &id, "--action", action, "--by", "李强",
        ])
    };
    assert!(step("accept").status.success());
    let refused = step("accept");
    assert!(!refused.status.success());
    assert!(
        text(&refused).1.contains("cannot be accepted"),
        "{:?}",
        text(&refused)
    );
    assert!(step("resolve").status.success());
    assert!(step("close").status.success());
    let shown = json(&["problem", "show", "--db", db, "--id", &id, "--json"]);
    assert_eq!(shown["state"], "closed");
    let actions: Vec<&str> = shown["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .map(|s| s["action"].as_str().expect("action"))
        .collect();
    assert_eq!(actions, ["report", "accept", "resolve", "close"]);
    // A closed problem never escalates.
    let run = json(&[
        "escalate",
        "--db",
        db,
        "--now",
        "2099-01-01T00:00:00Z",
        "--json",
    ]);
    assert_eq!(run["escalated"], 0);
}
