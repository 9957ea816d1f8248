//! GeoPackage-specific tests; the shared contract runs in `tests/contract.rs`.

use super::*;
use crate::contract::{normalised, sample};

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
