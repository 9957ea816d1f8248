//! GeoPackage-specific tests; the shared contract runs in `tests/contract.rs`.

use std::collections::BTreeSet;

use super::*;
use crate::contract::{normalised, sample};
use wangge_core::Plan;

#[tokio::test]
async fn reopening_keeps_data_and_a_newer_schema_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("w.gpkg");
    let store = GpkgStore::with_sample(&path).await;
    drop(store);
    let store = GpkgStore::open_existing(&path).expect("reopen");
    assert_eq!(
        normalised(store.load().await.expect("load")),
        normalised(sample())
    );
    drop(store);
    let conn = Connection::open(&path).expect("raw");
    conn.execute(
        "UPDATE wangge_meta SET value = '99' WHERE key = 'schema_version'",
        [],
    )
    .expect("bump");
    drop(conn);
    let error = GpkgStore::open(&path).expect_err("newer schema");
    let message = error.to_string();
    assert!(
        message.contains("schema version 99") && message.contains("w.gpkg"),
        "{message}"
    );
}

#[tokio::test]
async fn foreign_files_are_refused_with_a_reason() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = dir.path().join("notes.gpkg");
    std::fs::write(
        &text,
        "hello, this is not a database at all, just some text padding it out",
    )
    .expect("write");
    let message = GpkgStore::open(&text).expect_err("text").to_string();
    assert!(
        message.contains("notes.gpkg") && message.contains("not"),
        "{message}"
    );
    let other = dir.path().join("other.sqlite");
    Connection::open(&other)
        .and_then(|c| c.execute_batch("CREATE TABLE t (x)"))
        .expect("other db");
    let message = GpkgStore::open(&other).expect_err("other").to_string();
    assert!(message.contains("application_id"), "{message}");
    let missing = GpkgStore::open_existing(dir.path().join("missing.gpkg"))
        .expect_err("missing")
        .to_string();
    assert!(missing.contains("does not exist"), "{missing}");
}

#[tokio::test]
async fn the_file_is_a_geopackage_with_a_spatial_index() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("w.gpkg");
    let _store = GpkgStore::with_sample(&path).await;
    let conn = Connection::open(&path).expect("raw");
    let app: i64 = conn
        .pragma_query_value(None, "application_id", |r| r.get(0))
        .expect("app id");
    let user: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .expect("user version");
    assert_eq!((app, user), (GPKG_APPLICATION_ID, GPKG_USER_VERSION));
    let indexed: i64 = conn
        .query_row("SELECT count(*) FROM rtree_buildings_geom", [], |r| {
            r.get(0)
        })
        .expect("rtree rows");
    assert_eq!(indexed, 24);
    let extensions: i64 = conn
        .query_row(
            "SELECT count(*) FROM gpkg_extensions WHERE extension_name = 'gpkg_rtree_index'",
            [],
            |r| r.get(0),
        )
        .expect("extensions");
    assert_eq!(extensions, 4);
    let (min_x, max_x): (f64, f64) = conn
        .query_row(
            "SELECT min_x, max_x FROM gpkg_contents WHERE table_name = 'zones'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("extent");
    assert!((min_x - 102.70).abs() < 1e-9 && (max_x - 102.72).abs() < 1e-9);
}

#[tokio::test]
async fn inspections_cannot_be_edited_or_deleted() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("w.gpkg");
    let store = GpkgStore::with_sample(&path).await;
    store
        .apply(&ChangeSet {
            inspections: vec![crate::contract::sample_inspection(100, 0)],
            ..ChangeSet::default()
        })
        .await
        .expect("inspection");
    drop(store);
    let conn = Connection::open(&path).expect("raw");
    let edit = conn
        .execute("UPDATE inspections SET inspector = 'x'", [])
        .expect_err("append-only");
    assert!(edit.to_string().contains("cannot be edited"), "{edit}");
    let delete = conn
        .execute("DELETE FROM inspections", [])
        .expect_err("append-only");
    assert!(delete.to_string().contains("cannot be deleted"), "{delete}");
    let listed: String = conn
        .query_row(
            "SELECT data_type FROM gpkg_contents WHERE table_name = 'inspections'",
            [],
            |r| r.get(0),
        )
        .expect("registered");
    assert_eq!(listed, "attributes");
}

#[tokio::test]
async fn problem_steps_cannot_be_edited_or_deleted() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("w.gpkg");
    let store = GpkgStore::with_sample(&path).await;
    let atlas = wangge_core::Atlas::new(sample());
    let problem = wangge_core::problems::report(
        &atlas,
        wangge_core::problems::Report {
            lon: 102.7014,
            lat: 25.0347,
            address: None,
            category: wangge_core::ProblemCategory::Noise,
            description: "夜间施工".into(),
            source: wangge_core::ProblemSource::Web,
            order_no: None,
            at_ms: 0,
            reporter: "居民".into(),
        },
        0,
        &wangge_core::ProblemLimits::default(),
    )
    .expect("report");
    store.add_problems(&[problem], &[]).await.expect("added");
    drop(store);
    let conn = Connection::open(&path).expect("raw");
    let edit = conn
        .execute("UPDATE problem_steps SET by_name = 'x'", [])
        .expect_err("append-only");
    assert!(edit.to_string().contains("cannot be edited"), "{edit}");
    let delete = conn
        .execute("DELETE FROM problem_steps", [])
        .expect_err("append-only");
    assert!(delete.to_string().contains("cannot be deleted"), "{delete}");
    let kinds: Vec<String> = conn
        .prepare("SELECT data_type FROM gpkg_contents WHERE table_name LIKE 'problem%'")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .expect("registered");
    assert_eq!(kinds, ["attributes", "attributes"]);
}

#[tokio::test]
async fn the_audit_log_cannot_be_edited_or_deleted() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("w.gpkg");
    let store = GpkgStore::with_sample(&path).await;
    let entry = wangge_core::AuditEntry::new(
        1_775_779_200_000,
        "wang",
        wangge_core::AuditAction::Tier,
        "compound:CM-001",
    )
    .summary("绿 → 黄")
    .before(serde_json::json!({ "tier": "green" }));
    store.append_audit(&[entry]).await.expect("appended");
    drop(store);
    let conn = Connection::open(&path).expect("raw");
    let edit = conn
        .execute("UPDATE wangge_audit SET actor = 'someone else'", [])
        .expect_err("append-only");
    assert!(
        edit.to_string()
            .contains("the audit log is append-only: its entries cannot be edited"),
        "{edit}"
    );
    let delete = conn
        .execute("DELETE FROM wangge_audit", [])
        .expect_err("append-only");
    assert!(
        delete
            .to_string()
            .contains("the audit log is append-only: its entries cannot be deleted"),
        "{delete}"
    );
    // Malformed JSON cannot get in behind wangge's back either.
    let bad = conn
        .execute(
            "INSERT INTO wangge_audit (at_ms, actor, action, target, after) \
             VALUES (0, 'x', 'change', 'setting:x', '{not json')",
            [],
        )
        .expect_err("not JSON");
    assert!(bad.to_string().contains("CHECK"), "{bad}");
    let (count, actor): (i64, String) = conn
        .query_row("SELECT count(*), max(actor) FROM wangge_audit", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .expect("count");
    assert_eq!((count, actor.as_str()), (1, "wang"));
    let kind: String = conn
        .query_row(
            "SELECT data_type FROM gpkg_contents WHERE table_name = 'wangge_audit'",
            [],
            |r| r.get(0),
        )
        .expect("registered");
    assert_eq!(kind, "attributes");
}

#[tokio::test]
async fn a_schema_3_file_upgrades_to_plans_targets_duties_and_partners() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("w.gpkg");
    drop(GpkgStore::with_sample(&path).await);
    // Take the file back to what wangge wrote before plans, level targets, duties, users and
    // partner departments existed.
    let conn = Connection::open(&path).expect("raw");
    conn.execute_batch(
        "DROP TABLE wangge_audit;
         DELETE FROM gpkg_contents WHERE table_name = 'wangge_audit';
         DELETE FROM sqlite_sequence WHERE name = 'wangge_audit';
         DROP TABLE inspection_photos;
         DELETE FROM gpkg_contents WHERE table_name = 'inspection_photos';
         DROP TABLE visits; DROP TABLE vulnerable_households; DROP TABLE key_sites;
         DELETE FROM sqlite_sequence WHERE name IN ('visits', 'vulnerable_households');
         DROP TABLE problem_steps; DROP TABLE problems;
         DELETE FROM gpkg_contents WHERE table_name IN ('problems', 'problem_steps');
         DELETE FROM sqlite_sequence WHERE name IN ('problems', 'problem_steps');
         DROP TABLE street_partners; DROP INDEX streets_name;
         DROP TABLE sessions; DROP TABLE users;
         DROP TABLE plan_edit_zones; DROP TABLE plan_edits; DROP TABLE plan_locks;
         DROP TABLE plan_zones; DROP TABLE plans;
         DELETE FROM sqlite_sequence WHERE name = 'plans';
         DROP TABLE duties;
         ALTER TABLE zone_levels DROP COLUMN households_min;
         ALTER TABLE zone_levels DROP COLUMN households_max;
         UPDATE wangge_meta SET value = '3' WHERE key = 'schema_version';",
    )
    .expect("downgrade");
    drop(conn);

    let store = GpkgStore::open_existing(&path).expect("upgrade");
    // Everything but the duties and partners (which schema 3 could not hold) is back, and the
    // levels have the targets that were in code before.
    let without_duties = wangge_core::Dataset {
        duties: Vec::new(),
        partners: Vec::new(),
        ..sample()
    };
    assert_eq!(
        normalised(store.load().await.expect("load")),
        normalised(without_duties)
    );
    assert_eq!(
        store.load().await.expect("load").levels.target("micro"),
        Some(wangge_core::HouseholdRange { min: 30, max: 80 })
    );
    assert!(store.plans().await.expect("plans").is_empty());
    let mut plan = Plan::draft_of(&sample(), "p", "li", 0, None);
    plan.info.id = store.create_plan(&plan, &[]).await.expect("create");
    assert_eq!(store.plan(plan.info.id).await.expect("read"), Some(plan));
    // The upgraded file takes partner departments.
    let before = store.load().await.expect("load");
    let with_partners = wangge_core::Dataset {
        partners: sample().partners,
        ..before.clone()
    };
    store
        .apply(&wangge_core::ChangeSet::diff(&before, &with_partners))
        .await
        .expect("partners");
    assert_eq!(
        store.load().await.expect("load").partners,
        sample().partners
    );
    // And it keeps an audit log, with the partners' change in it.
    let entry = wangge_core::AuditEntry::new(
        1,
        "cli:root",
        wangge_core::AuditAction::Import,
        "layer:partners",
    );
    store
        .apply(&wangge_core::ChangeSet::default().audited(entry.clone()))
        .await
        .expect("an entry");
    let log = store
        .audit_log(&crate::AuditFilter::default())
        .await
        .expect("log");
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].target, entry.target);
    drop(store);
    let conn = Connection::open(&path).expect("raw");
    let version: String = conn
        .query_row(
            "SELECT value FROM wangge_meta WHERE key = 'schema_version'",
            [],
            |r| r.get(0),
        )
        .expect("schema version");
    assert_eq!(version, SCHEMA_VERSION.to_string());
    let registered: i64 = conn
        .query_row(
            "SELECT count(*) FROM gpkg_contents WHERE table_name LIKE 'plan%'",
            [],
            |r| r.get(0),
        )
        .expect("contents");
    assert_eq!(registered, 0, "plan tables are not GeoPackage contents");
    let kind: String = conn
        .query_row(
            "SELECT data_type FROM gpkg_contents WHERE table_name = 'inspection_photos'",
            [],
            |r| r.get(0),
        )
        .expect("inspection photos registered");
    assert_eq!(kind, "attributes");
}

/// A demo-sized plan: ~700 zones of ~120 vertices each, and 300 edits of 3 zones each.
fn big_plan() -> (Dataset, Plan) {
    use geo::{LineString, MultiPolygon, Polygon};
    let ring = |i: usize, wobble: f64| -> MultiPolygon<f64> {
        let (cx, cy) = (
            102.6 + (i % 30) as f64 * 0.004,
            25.0 + (i / 30) as f64 * 0.004,
        );
        let mut points: Vec<(f64, f64)> = (0..120)
            .map(|k| {
                let a = k as f64 / 120.0 * std::f64::consts::TAU;
                let r = 0.0018 + 0.0001 * ((k * 7 + i) % 5) as f64 + wobble;
                (cx + r * a.cos(), cy + r * a.sin())
            })
            .collect();
        points.push(points[0]);
        MultiPolygon(vec![Polygon::new(LineString::from(points), vec![])])
    };
    let mut data = Dataset::default();
    for i in 0..700 {
        data.zones.push(Zone {
            id: i as Id + 1,
            code: format!("530102001{i:03}"),
            name: format!("网格{i}"),
            level: if i < 20 { "community" } else { "grid" }.into(),
            parent: (i >= 20).then_some((i % 20) as Id + 1),
            geometry: ring(i, 0.0),
            totals: wangge_core::Totals::default(),
        });
    }
    let mut plan = Plan::draft_of(&data, "大方案", "li", 0, None);
    for e in 0..300 {
        let mut zones = plan.zones.clone();
        for k in 0..3 {
            let i = (e * 7 + k * 101) % 700;
            zones[i].geometry = ring(i, 0.000_01 * (e + 1) as f64);
            zones[i].name = format!("网格{i}（第{e}次）");
        }
        plan.record("{}", "调整", "li", e as i64, zones, plan.locked.clone());
    }
    (data, plan)
}

/// Saving a demo-sized plan after one more edit writes only what changed and stays well under
/// 50 ms in a release build (the bound here is loose, for unoptimised builds on slow machines).
#[tokio::test]
async fn saving_a_big_plan_is_quick() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = GpkgStore::open(dir.path().join("w.gpkg")).expect("open");
    let (_, mut plan) = big_plan();
    let started = std::time::Instant::now();
    plan.info.id = store.create_plan(&plan, &[]).await.expect("create");
    let created = started.elapsed();
    let mut times = Vec::new();
    for round in 0..10 {
        let expected = plan.info.version;
        if round % 3 == 2 {
            plan.undo("li", 0).expect("undo");
        } else {
            let mut zones = plan.zones.clone();
            zones[round * 13].name = format!("再改{round}");
            zones[round * 13 + 1].geometry = zones[round * 13 + 2].geometry.clone();
            plan.record(
                "{}",
                "再调整",
                "li",
                0,
                zones,
                BTreeSet::from([round as Id]),
            );
        }
        let started = std::time::Instant::now();
        store.save_plan(&plan, expected, &[]).await.expect("save");
        times.push(started.elapsed());
    }
    times.sort();
    let median = times[times.len() / 2];
    eprintln!(
        "big plan ({} zones, {} edits): create {created:?}, save median {median:?}, max {:?}",
        plan.zones.len(),
        plan.history.len(),
        times[times.len() - 1]
    );
    assert_eq!(store.plan(plan.info.id).await.expect("read"), Some(plan));
    assert!(median < Duration::from_millis(400), "{median:?}");
}
