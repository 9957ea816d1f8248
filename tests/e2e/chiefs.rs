//! Street chiefs from the command line: the demo ships with duties, a roster imported from CSV
//! replaces the chiefs, `assign` gives every building and street one chief per level, a re-run
//! moves nothing, a manual reassignment sticks, and the exports carry the chiefs.

use serde_json::Value;
use wangge_e2e::{demo_db, text, wangge};

fn export(db: &str, layer: &str) -> String {
    let out = wangge(&["export", "--db", db, "--layer", layer, "-"]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "export {layer}: {stderr}");
    stdout
}

fn features(db: &str, layer: &str) -> Vec<Value> {
    let collection: Value = serde_json::from_str(&export(db, layer)).expect("GeoJSON");
    collection["features"].as_array().expect("features").clone()
}

#[test]
fn a_roster_is_imported_assigned_reassigned_and_exported() {
    let (dir, db) = demo_db("chiefs.gpkg");
    let db = db.as_str();
    // The demo ships with every building and street assigned.
    let buildings = features(db, "buildings");
    assert!(buildings.iter().all(|b| b["properties"]["chief"].is_i64()));

    // A roster of three resident chiefs in the first community, Chinese headers.
    let communities: Value =
        serde_json::from_str(&text(&wangge(&["stats", "--db", db, "--json"])).0).expect("stats");
    assert!(communities["zones_by_level"]["community"].as_u64() >= Some(1));
    let zones: Value = serde_json::from_str(&export(db, "zones")).expect("zones");
    let community = zones["features"]
        .as_array()
        .expect("features")
        .iter()
        .find(|z| z["properties"]["level"] == "community")
        .expect("a community")["properties"]["code"]
        .as_str()
        .expect("code")
        .to_string();
    let roster = dir.path().join("roster.csv");
    std::fs::write(
        &roster,
        format!(
            "姓名,电话,身份,社区,层级\n王芳,13800000001,楼长,{community},居民街长\n\
             李强,13800000002,网格员,{community},居民街长\n张伟,13800000003,志愿者,{community},居民街长\n"
        ),
    )
    .expect("roster");
    let import = || {
        wangge(&[
            "import",
            "--db",
            db,
            "--layer",
            "chiefs",
            roster.to_str().expect("path"),
        ])
    };
    // The demo's patrol user is one of the chiefs the roster removes: refused, saying who.
    let out = import();
    assert!(!out.status.success());
    assert!(
        text(&out).1.contains("user `patrol` is street chief"),
        "{:?}",
        text(&out)
    );
    let out = wangge(&[
        "user", "role", "--db", db, "--name", "patrol", "--role", "viewer",
    ]);
    assert!(out.status.success(), "{:?}", text(&out));
    let out = import();
    assert!(out.status.success(), "{:?}", text(&out));
    assert!(text(&out).0.contains("roster of 3 chiefs") || text(&out).1.contains("roster of 3"));

    // Everything is assigned again, to the three chiefs (the only ones left).
    let out = wangge(&["assign", "--db", db, "--json"]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    let report: Value = serde_json::from_str(&stdout).expect("report JSON");
    assert!(report.is_object(), "{report}");
    let buildings = features(db, "buildings");
    let chiefs: std::collections::BTreeSet<i64> = buildings
        .iter()
        .filter_map(|b| b["properties"]["chief"].as_i64())
        .collect();
    assert_eq!(chiefs.len(), 3, "{chiefs:?}");
    assert!(buildings.iter().all(|b| b["properties"]["chief"].is_i64()));
    let streets = features(db, "streets");
    assert!(streets.iter().all(|s| s["properties"]["chief"].is_i64()));

    // A re-run moves nothing.
    let out = wangge(&["assign", "--db", db]);
    assert!(out.status.success());
    let before = export(db, "duties");
    let out = wangge(&["assign", "--db", db]);
    assert!(out.status.success());
    assert_eq!(export(db, "duties"), before);

    // A building given to another chief by hand stays with them through `assign`.
    let first = &buildings[0]["properties"];
    let id = buildings[0]["id"].as_i64().expect("id");
    let other = chiefs
        .iter()
        .find(|&&c| Some(c) != first["chief"].as_i64())
        .expect("another chief");
    let out = wangge(&[
        "reassign",
        "--db",
        db,
        "--chief",
        &other.to_string(),
        "--building",
        &id.to_string(),
    ]);
    assert!(out.status.success(), "{:?}", text(&out));
    assert!(wangge(&["assign", "--db", db]).status.success());
    let csv = export(db, "duties");
    let line = csv
        .lines()
        .find(|l| l.starts_with(&format!("building,{id},")))
        .expect("the building's duty");
    assert!(
        line.contains(&format!(",{other},")) && line.ends_with(",true"),
        "{line}"
    );
    assert!(csv.starts_with("kind,target,name,compound,level,level_name,chief_id"));

    // Bad input is named: an unknown chief, no targets.
    let out = wangge(&[
        "reassign",
        "--db",
        db,
        "--chief",
        "999999",
        "--building",
        "1",
    ]);
    assert!(!out.status.success());
    assert!(text(&out).1.contains("999999"), "{:?}", text(&out));
    let out = wangge(&["reassign", "--db", db, "--chief", &other.to_string()]);
    assert!(!out.status.success());
}
