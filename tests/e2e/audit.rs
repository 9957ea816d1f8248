//! The audit log from the command line: the demo, `user add`, an import and `cadences --set`
//! each leave an entry by `cli:<account>`; `wangge audit` lists them as a table and exports them
//! as CSV (which a CSV reader reads back) and JSON lines, filtered by action, target and day; a
//! refused command leaves none, and a password never appears. On PostGIS, `wangge migrate` copies
//! the log and adds its own entry.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use serde_json::Value;
use wangge_e2e::{binary, demo_db, text, wangge};

/// Runs `wangge ARGS…` with `input` on standard input.
fn wangge_with_stdin(args: &[&str], input: &str) -> Output {
    let mut child = Command::new(binary())
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run wangge");
    let _ = child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes());
    child.wait_with_output().expect("wait for wangge")
}

fn ok(out: &Output) -> String {
    let (stdout, stderr) = text(out);
    assert!(out.status.success(), "failed: {stdout}\n{stderr}");
    stdout
}

/// `wangge audit ARGS… --format json` as one value per line.
fn json_lines(args: &[&str]) -> Vec<Value> {
    let mut all = vec!["audit"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--format", "json"]);
    ok(&wangge(&all))
        .lines()
        .map(|line| serde_json::from_str(line).expect("one JSON object per line"))
        .collect()
}

/// The Asia/Shanghai day of an exported entry (its `at` is RFC 3339 with +08:00).
fn day_of(entry: &Value) -> String {
    let at = entry["at"].as_str().expect("at");
    assert!(at.ends_with("+08:00"), "{at}");
    at[..10].to_string()
}

#[test]
fn the_command_line_records_its_changes_and_exports_them() {
    let (dir, db) = demo_db("audit.gpkg");
    let db = db.as_str();
    const PASSWORD: &str = "correct horse battery";
    ok(&wangge_with_stdin(
        &[
            "user",
            "add",
            "--db",
            db,
            "--name",
            "auditor",
            "--role",
            "admin",
            "--password-stdin",
        ],
        &format!("{PASSWORD}\n"),
    ));
    let landuse = wangge_e2e::shared_data("shanghai-lujiazui/landuse.geojson")
        .display()
        .to_string();
    ok(&wangge(&[
        "import",
        "--db",
        db,
        "--layer",
        "compounds",
        &landuse,
    ]));
    ok(&wangge(&["cadences", "--db", db, "--set", "red=3d"]));
    ok(&wangge_with_stdin(
        &[
            "user",
            "passwd",
            "--db",
            db,
            "--name",
            "auditor",
            "--password-stdin",
        ],
        &format!("{PASSWORD} 2\n"),
    ));
    // Refused commands leave no entry.
    let broken = dir.path().join("broken.geojson");
    std::fs::write(&broken, "{\"type\": \"FeatureCollection\", \"features\": [").expect("write");
    let refused = wangge(&[
        "import",
        "--db",
        db,
        "--layer",
        "compounds",
        broken.to_str().expect("utf-8"),
    ]);
    assert!(!refused.status.success());
    let refused = wangge_with_stdin(
        &[
            "user",
            "add",
            "--db",
            db,
            "--name",
            "auditor",
            "--role",
            "viewer",
            "--password-stdin",
        ],
        &format!("{PASSWORD}\n"),
    );
    assert!(!refused.status.success());

    let entries = json_lines(&["--db", db]);
    let summary: Vec<(String, String)> = entries
        .iter()
        .map(|e| {
            (
                e["action"].as_str().expect("action").to_string(),
                e["target"].as_str().expect("target").to_string(),
            )
        })
        .collect();
    let pairs: Vec<(&str, &str)> = summary
        .iter()
        .map(|(a, t)| (a.as_str(), t.as_str()))
        .collect();
    assert_eq!(
        pairs,
        [
            ("import", "dataset:demo"),
            ("import", "layer:key_sites"),
            ("import", "layer:vulnerable"),
            ("user", "user:auditor"),
            ("import", "layer:compounds"),
            ("change", "setting:cadences"),
            ("password", "user:auditor"),
        ]
    );
    for e in &entries {
        let actor = e["actor"].as_str().expect("actor");
        assert!(actor.starts_with("cli:"), "{e}");
        assert!(e["id"].as_i64().expect("id") > 0);
        assert!(e["at"].as_str().expect("at").ends_with("+08:00"), "{e}");
    }
    let ids: Vec<i64> = entries
        .iter()
        .map(|e| e["id"].as_i64().unwrap_or(0))
        .collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
    let user = &entries[3];
    assert_eq!(user["after"]["role"], "admin");
    assert_eq!(user["action_zh"], "用户");
    let import = &entries[4];
    assert_eq!(import["after"]["changes"]["compounds"]["added"], 18);
    assert_eq!(import["after"]["changes"]["compounds"]["deleted"], 0);
    assert!(
        import["after"]["files"][0]
            .as_str()
            .is_some_and(|f| f.ends_with("landuse.geojson")),
        "{import}"
    );
    let cadences = &entries[5];
    assert_eq!(
        cadences["before"]["inspections"]["red"],
        serde_json::json!({ "weeks": 1 })
    );
    assert_eq!(
        cadences["after"]["inspections"]["red"],
        serde_json::json!({ "days": 3 })
    );
    assert_eq!(entries[6]["before"], Value::Null);
    assert_eq!(entries[6]["after"], Value::Null);

    // CSV: a header row, one record per entry, the JSON columns parse; no password anywhere.
    let csv_text = ok(&wangge(&["audit", "--db", db, "--format", "csv"]));
    for secret in [PASSWORD, "$argon2"] {
        assert!(!csv_text.contains(secret), "{secret} in the export");
    }
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .expect("a header row")
        .iter()
        .map(str::to_string)
        .collect();
    assert_eq!(
        header,
        [
            "id",
            "at",
            "at_ms",
            "actor",
            "action",
            "action_zh",
            "target",
            "summary",
            "before",
            "after"
        ]
    );
    let records: Vec<csv::StringRecord> = reader
        .records()
        .collect::<Result<_, _>>()
        .expect("the CSV parses");
    assert_eq!(records.len(), entries.len());
    for (record, entry) in records.iter().zip(&entries) {
        assert_eq!(record[0], entry["id"].to_string());
        assert_eq!(&record[3], entry["actor"].as_str().expect("actor"));
        assert_eq!(&record[7], entry["summary"].as_str().expect("summary"));
        let after: Value = if record[9].is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&record[9]).expect("after is JSON")
        };
        assert_eq!(after, entry["after"]);
    }

    // Filters and limits.
    let imports = json_lines(&["--db", db, "--action", "import", "--target", "layer:"]);
    assert_eq!(imports.len(), 3);
    // Days are Shanghai days, --until included (the first and last entry's days, in case the
    // test ran across midnight).
    let (first, last) = (day_of(&entries[0]), day_of(&entries[entries.len() - 1]));
    assert_eq!(
        json_lines(&["--db", db, "--since", &first, "--until", &last]).len(),
        entries.len()
    );
    assert!(json_lines(&["--db", db, "--until", "2020-01-01"]).is_empty());
    let latest = json_lines(&["--db", db, "--newest-first", "--limit", "2"]);
    assert_eq!(latest.len(), 2);
    assert_eq!(latest[0]["target"], "user:auditor");
    assert_eq!(latest[1]["target"], "setting:cadences");
    let actor = entries[0]["actor"].as_str().expect("actor");
    assert_eq!(
        json_lines(&["--db", db, "--actor", actor]).len(),
        entries.len()
    );
    assert!(json_lines(&["--db", db, "--actor", "nobody"]).is_empty());

    // The table, for people: Chinese action names; and a file export.
    let table = ok(&wangge(&["audit", "--db", db]));
    assert!(
        table.contains("修改密码") && table.contains("导入"),
        "{table}"
    );
    assert!(
        table
            .trim_end()
            .ends_with(&format!("{} entries", entries.len())),
        "{table}"
    );
    let out = dir.path().join("audit.csv");
    let written = wangge(&[
        "audit",
        "--db",
        db,
        "--format",
        "csv",
        "--out",
        out.to_str().expect("utf-8"),
    ]);
    assert!(written.status.success(), "{:?}", text(&written));
    assert_eq!(std::fs::read_to_string(&out).expect("written"), csv_text);

    // Bad requests say what is wrong.
    let bad = wangge(&["audit", "--db", db, "--action", "delete_everything"]);
    assert!(!bad.status.success());
    assert!(text(&bad).1.contains("sign_in_failed"), "{:?}", text(&bad));
    let bad = wangge(&["audit", "--db", db, "--since", "10/04/2026"]);
    assert!(!bad.status.success());
    assert!(text(&bad).1.contains("YYYY-MM-DD"), "{:?}", text(&bad));
}

#[test]
fn migrating_to_postgis_copies_the_log_and_records_the_migration() {
    let url = wangge_store_postgis::testing::database_url();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let schema = format!("e2e_audit_{}_{nanos}", std::process::id());
    let (_dir, db) = demo_db("audit-pg.gpkg");
    ok(&wangge(&["cadences", "--db", &db, "--set", "yellow=2w"]));
    let source = json_lines(&["--db", &db]);
    assert_eq!(source.len(), 4);
    ok(&wangge(&[
        "migrate",
        "--from",
        &db,
        "--database-url",
        &url,
        "--schema",
        &schema,
    ]));
    ok(&wangge(&[
        "cadences",
        "--database-url",
        &url,
        "--schema",
        &schema,
        "--set",
        "green=2m",
    ]));
    let target = json_lines(&["--database-url", &url, "--schema", &schema]);
    assert_eq!(target.len(), source.len() + 2);
    assert_eq!(target[..source.len()], source[..], "copied under their ids");
    let migrated = &target[source.len()];
    assert_eq!(migrated["action"], "change");
    assert_eq!(migrated["target"], format!("store:{schema}"));
    assert!(
        migrated["summary"]
            .as_str()
            .is_some_and(|s| s.contains("audit-pg.gpkg")),
        "{migrated}"
    );
    let last = &target[source.len() + 1];
    assert_eq!(last["target"], "setting:cadences");
    assert!(last["id"].as_i64() > migrated["id"].as_i64());
    assert_eq!(
        last["after"]["inspections"]["green"],
        serde_json::json!({ "months": 2 })
    );
}
