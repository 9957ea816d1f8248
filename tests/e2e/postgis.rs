//! PostGIS in production: an embedded database migrated into PostGIS losing nothing, and two
//! `wangge serve` processes on one database that agree — a tier changed through one shows in the
//! other's next tiles, through LISTEN/NOTIFY.

use std::time::{Duration, Instant};

use serde_json::Value;
use wangge_e2e::{Server, text, wangge};

fn unique_schema(tag: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!("e2e_{tag}_{}_{nanos}", std::process::id())
}

fn stats(args: &[&str]) -> Value {
    let mut all = vec!["stats", "--json"];
    all.extend_from_slice(args);
    let out = wangge(&all);
    assert!(out.status.success(), "{:?}", text(&out));
    serde_json::from_slice(&out.stdout).expect("stats JSON")
}

/// The XYZ tile at zoom `z` holding a lon/lat point.
fn tile_of(lon: f64, lat: f64, z: u32) -> (u32, u32) {
    let n = f64::from(1u32 << z);
    let x = ((lon + 180.0) / 360.0 * n) as u32;
    let y = ((1.0 - lat.to_radians().tan().asinh() / std::f64::consts::PI) / 2.0 * n) as u32;
    (x, y)
}

/// A fresh demo GeoPackage in `dir`, copied into `schema` of the database at `url`; returns the
/// GeoPackage's path.
fn demo_in_postgis(dir: &tempfile::TempDir, url: &str, schema: &str) -> String {
    let gpkg = dir
        .path()
        .join("demo.gpkg")
        .to_str()
        .expect("utf-8")
        .to_string();
    assert!(
        wangge(&["demo", "--db", &gpkg, "--no-serve"])
            .status
            .success()
    );
    let out = wangge(&[
        "migrate",
        "--from",
        &gpkg,
        "--database-url",
        url,
        "--schema",
        schema,
    ]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(
        stderr.contains("every layer's count and checksum match"),
        "{stderr}"
    );
    gpkg
}

#[test]
fn migrate_loses_nothing_and_two_servers_agree() {
    let url = wangge_store_postgis::testing::database_url();
    let schema = unique_schema("two");
    let dir = tempfile::tempdir().expect("tempdir");
    let gpkg = demo_in_postgis(&dir, &url, &schema);
    let gpkg = gpkg.as_str();
    assert_eq!(
        stats(&["--db", gpkg]),
        stats(&["--database-url", &url, "--schema", &schema])
    );
    // Imports go straight into PostGIS too, all or nothing.
    let landuse = wangge_e2e::shared_data("shanghai-lujiazui/landuse.geojson")
        .display()
        .to_string();
    let imported = wangge(&[
        "import",
        "--database-url",
        &url,
        "--schema",
        &schema,
        "--layer",
        "compounds",
        &landuse,
    ]);
    assert!(imported.status.success(), "{:?}", text(&imported));
    let after = stats(&["--database-url", &url, "--schema", &schema]);
    assert_eq!(
        after["layers"]["compounds"].as_u64(),
        stats(&["--db", gpkg])["layers"]["compounds"]
            .as_u64()
            .map(|n| n + 18)
    );
    // A second copy into a database that holds data is refused.
    let again = wangge(&[
        "migrate",
        "--from",
        gpkg,
        "--database-url",
        &url,
        "--schema",
        &schema,
    ]);
    assert!(!again.status.success());

    let a = Server::start(&["serve", "--database-url", &url, "--schema", &schema]);
    let b = Server::start(&["serve", "--database-url", &url, "--schema", &schema]);
    // A green compound, and B's tile over it, read (and cached) before the change.
    let (_, body) = b.get("/api/compounds?tier=green&limit=1");
    let page: Value = serde_json::from_str(&body).expect("page");
    let compound = &page["features"][0];
    let code = compound["properties"]["code"]
        .as_str()
        .expect("code")
        .to_string();
    let first = &compound["geometry"]["coordinates"][0][0][0];
    let (lon, lat) = (
        first[0].as_f64().expect("lon"),
        first[1].as_f64().expect("lat"),
    );
    let (x, y) = tile_of(lon, lat, 16);
    let tile = format!("/tiles/compounds/16/{x}/{y}.mvt");
    let before = b.get_bytes(&tile);
    assert!(!before.is_empty(), "B serves the tile");
    assert_eq!(
        b.get_bytes(&tile),
        before,
        "B's tile is stable while nothing changes"
    );

    let (status, body) = a.post(
        &format!("/api/compounds/{code}/tier"),
        r#"{"tier": "red", "reason": "多台服务器测试", "by": "e2e"}"#,
    );
    assert_eq!(status, 200, "{body}");
    let version: u64 = serde_json::from_str::<Value>(&body).expect("json")["data_version"]
        .as_u64()
        .expect("version");

    // B hears of it through NOTIFY, catches up, and drops its cached tile.
    let started = Instant::now();
    loop {
        let (_, health) = b.get("/health");
        let health: Value = serde_json::from_str(&health).expect("health");
        if health["data_version"].as_u64() == Some(version) {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "B did not catch up: {health}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let (_, body) = b.get(&format!("/api/compounds/{code}"));
    let seen: Value = serde_json::from_str(&body).expect("compound");
    assert_eq!(seen["properties"]["tier"], "red");
    let after = b.get_bytes(&tile);
    assert_ne!(after, before, "B's next tile shows the change");
    let (_, history) = b.get(&format!("/api/compounds/{code}/history"));
    assert!(history.contains("多台服务器测试"), "{history}");
    eprintln!("B caught up in {:?}", started.elapsed());
}

#[test]
fn a_database_that_is_down_is_named_with_the_password_hidden() {
    let port = wangge_e2e::free_port();
    let url = format!("postgres://wangge:s3cret@127.0.0.1:{port}/nowhere");
    let started = Instant::now();
    let out = std::process::Command::new(wangge_e2e::binary())
        .args(["stats", "--database-url", &url])
        .output()
        .expect("run");
    let (_, stderr) = text(&out);
    assert!(!out.status.success());
    assert!(stderr.contains(&format!("127.0.0.1:{port}")), "{stderr}");
    assert!(!stderr.contains("s3cret"), "the password leaked: {stderr}");
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "gave up in {:?}",
        started.elapsed()
    );
}

#[test]
fn postgresql_down_under_load_gives_503_on_writes_and_the_server_recovers() {
    let cluster = wangge_store_postgis::testing::TestCluster::start().expect("a private cluster");
    let url = cluster.url();
    let dir = tempfile::tempdir().expect("tempdir");
    demo_in_postgis(&dir, &url, "wangge");
    let server = Server::start(&["serve", "--database-url", &url]);
    let (_, body) = server.get("/api/compounds?tier=green&limit=2");
    let page: Value = serde_json::from_str(&body).expect("page");
    let codes: Vec<String> = page["features"]
        .as_array()
        .expect("features")
        .iter()
        .map(|f| f["properties"]["code"].as_str().expect("code").to_string())
        .collect();

    cluster.stop().expect("stop PostgreSQL");
    // Reads are answered from memory; a write cannot be made durable, so it is refused with 503.
    let (status, _) = server.get("/api/stats");
    assert_eq!(status, 200);
    let (status, body) = server.post(
        &format!("/api/compounds/{}/tier", codes[0]),
        r#"{"tier": "yellow", "reason": "断库测试"}"#,
    );
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("unavailable"), "{body}");

    cluster.resume().expect("start PostgreSQL again");
    let started = Instant::now();
    let acknowledged = loop {
        let (status, body) = server.post(
            &format!("/api/compounds/{}/tier", codes[1]),
            r#"{"tier": "yellow", "reason": "恢复后"}"#,
        );
        if status == 200 {
            break body;
        }
        assert_eq!(status, 503, "{body}");
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the server did not recover: {body}"
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    assert!(acknowledged.contains("\"yellow\""), "{acknowledged}");
    drop(server);
    // What was acknowledged is in the database; what was refused is not.
    let out = wangge(&[
        "export",
        "--database-url",
        &url,
        "--layer",
        "compounds",
        "-",
    ]);
    let all: Value = serde_json::from_slice(&out.stdout).expect("geojson");
    let tier = |code: &str| {
        all["features"]
            .as_array()
            .expect("features")
            .iter()
            .find(|f| f["properties"]["code"] == code)
            .map(|f| f["properties"]["tier"].as_str().expect("tier").to_string())
    };
    assert_eq!(tier(&codes[1]).as_deref(), Some("yellow"));
    assert_eq!(tier(&codes[0]).as_deref(), Some("green"));
}
