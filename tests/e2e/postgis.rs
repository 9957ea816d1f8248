//! PostGIS in production: an embedded database migrated into PostGIS losing nothing (problems,
//! their steps and visits included, under their ids), and two
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

/// `wangge ARGS…`, which must succeed, with its JSON output.
fn json(args: &[&str]) -> Value {
    let out = wangge(args);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "wangge {args:?}: {stderr}");
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

/// `wangge visit …`, which must succeed; the id the store gave the visit.
fn visit(database: &[&str], chief: &str, target: &str) -> i64 {
    let mut args = vec!["visit"];
    args.extend_from_slice(database);
    args.extend_from_slice(&["--chief", chief, "--target", target, "--note", "迁移测试"]);
    let out = wangge(&args);
    let (_, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    stderr
        .split_whitespace()
        .nth(1)
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("a visit id in {stderr}"))
}

fn ids(list: &Value) -> Vec<i64> {
    list["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .map(|p| p["id"].as_i64().expect("id"))
        .collect()
}

#[test]
fn migrate_carries_problems_households_and_visits_under_their_ids() {
    let url = wangge_store_postgis::testing::database_url();
    let schema = unique_schema("problems");
    let (dir, gpkg) = wangge_e2e::demo_db("problems.gpkg");
    let db = ["--db", gpkg.as_str()];
    let pg = ["--database-url", url.as_str(), "--schema", schema.as_str()];
    let with = |command: &[&str], database: &[&str]| {
        let mut args = command.to_vec();
        args.extend_from_slice(database);
        json(&args)
    };

    // 12345 work orders, taken up to the sub-district by the clock; one then accepted by hand.
    let data = wangge_demo::generate(&wangge_demo::DemoSettings::builtin());
    let csv = dir.path().join("orders.csv");
    std::fs::write(&csv, wangge_demo::hotline::work_orders(&data, 20, 3)).expect("csv");
    let imported = wangge(&[
        "import",
        "--db",
        &gpkg,
        "--layer",
        "hotline",
        csv.to_str().expect("path"),
    ]);
    assert!(imported.status.success(), "{:?}", text(&imported));
    let escalated = json(&[
        "escalate",
        "--db",
        &gpkg,
        "--now",
        "2027-01-01T00:00:00+08:00",
        "--json",
    ]);
    assert_eq!(escalated["escalated"], 20);
    let before = with(&["problem", "list", "--json"], &db);
    let first = ids(&before)[0].to_string();
    let accepted = wangge(&[
        "problem",
        "step",
        "--db",
        &gpkg,
        "--id",
        &first,
        "--action",
        "accept",
        "--by",
        "街道办",
    ]);
    assert!(accepted.status.success(), "{:?}", text(&accepted));

    // A chief with a key site and a vulnerable household visits both.
    let summary = with(&["tasks", "--summary", "--json"], &db);
    let (chief, targets) = summary["chiefs"]
        .as_array()
        .expect("chiefs")
        .iter()
        .find_map(|c| {
            let chief = c["chief"].to_string();
            let list = with(&["tasks", "--chief", &chief, "--json"], &db);
            let of = |kind: &str| {
                list["tasks"]
                    .as_array()
                    .expect("tasks")
                    .iter()
                    .find(|t| t["kind"] == kind)
                    .map(|t| t["target"].as_str().expect("target").to_string())
            };
            Some((chief, [of("key_site")?, of("vulnerable")?]))
        })
        .expect("a chief with a key site and a vulnerable household");
    let mut visits: Vec<i64> = targets
        .iter()
        .map(|target| visit(&db, &chief, target))
        .collect();
    let tasks = ["tasks", "--chief", chief.as_str(), "--json"];

    let out = wangge(&[
        "migrate",
        "--from",
        &gpkg,
        "--database-url",
        &url,
        "--schema",
        &schema,
    ]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    for layer in [
        "problems",
        "problem_steps",
        "key_sites",
        "vulnerable_households",
        "visits",
    ] {
        let line = stdout
            .lines()
            .find(|l| l.split_whitespace().next() == Some(layer))
            .unwrap_or_else(|| panic!("no {layer} in {stdout}"));
        let counts: Vec<u64> = line
            .split_whitespace()
            .skip(1)
            .take(2)
            .map(|n| n.parse().expect("a count"))
            .collect();
        assert!(counts[0] > 0 && counts[0] == counts[1], "{line}");
        assert!(!line.contains("MISMATCH"), "{line}");
    }

    // Both read alike: problems (ids, steps and all), the chief's tasks with their last visits.
    let copied = with(&["problem", "list", "--json"], &pg);
    assert_eq!(copied, with(&["problem", "list", "--json"], &db));
    assert_eq!(copied["total"], 20);
    let shown = with(&["problem", "show", "--id", &first, "--json"], &pg);
    assert_eq!(
        shown,
        with(&["problem", "show", "--id", &first, "--json"], &db)
    );
    assert_eq!(shown["state"], "accepted");
    assert_eq!(shown["steps"].as_array().map(Vec::len), Some(5));
    let copied_tasks = with(&tasks, &pg);
    assert_eq!(copied_tasks, with(&tasks, &db));
    let last_visits: Vec<i64> = copied_tasks["tasks"]
        .as_array()
        .expect("tasks")
        .iter()
        .filter(|t| targets.contains(&t["target"].as_str().unwrap_or("").to_string()))
        .map(|t| t["last_visit"]["id"].as_i64().expect("a last visit"))
        .collect();
    visits.sort_unstable();
    let mut seen = last_visits.clone();
    seen.sort_unstable();
    assert_eq!(seen, visits);

    // New problems and visits are numbered after the copied ones.
    let problem = &copied["problems"][0];
    let (lon, lat) = (problem["lon"].to_string(), problem["lat"].to_string());
    let new = with(
        &[
            "problem",
            "report",
            "--lon",
            &lon,
            "--lat",
            &lat,
            "--category",
            "sanitation",
            "--text",
            "迁移后新报",
            "--by",
            "街长",
            "--json",
        ],
        &pg,
    );
    let max = ids(&copied).into_iter().max().expect("problems");
    assert!(new["id"].as_i64().expect("id") > max, "{new} after {max}");
    let next = visit(&pg, &chief, &targets[1]);
    assert!(next > visits[1], "{next} after {visits:?}");

    // A schema that holds a problem is not empty: the migration is refused and writes nothing.
    let other = unique_schema("held");
    let held = ["--database-url", url.as_str(), "--schema", other.as_str()];
    with(
        &[
            "problem",
            "report",
            "--lon",
            &lon,
            "--lat",
            &lat,
            "--category",
            "noise",
            "--text",
            "已有的问题",
            "--by",
            "街长",
            "--json",
        ],
        &held,
    );
    let refused = wangge(&[
        "migrate",
        "--from",
        &gpkg,
        "--database-url",
        &url,
        "--schema",
        &other,
    ]);
    let (_, stderr) = text(&refused);
    assert!(!refused.status.success());
    assert!(stderr.contains("not empty"), "{stderr}");
    assert_eq!(with(&["problem", "list", "--json"], &held)["total"], 1);
    assert_eq!(stats(&held)["layers"]["compounds"], 0);
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
