//! Visits (走访) from the command line: key sites and vulnerable households are imported from CSV
//! (a list with one bad line is refused naming the file and the line, writes nothing and never
//! quotes a contact), a visit is recorded, and the chief's task list moves the visited task's due
//! date.

use serde_json::Value;
use wangge_e2e::{demo_db, text, wangge};

fn run(args: &[&str]) -> (String, String) {
    let out = wangge(args);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{args:?}: {stderr}");
    (stdout, stderr)
}

fn tasks(db: &str, chief: &str) -> Value {
    let (stdout, _) = run(&["tasks", "--db", db, "--chief", chief, "--json"]);
    serde_json::from_str(&stdout).expect("JSON")
}

fn targets(list: &Value) -> Vec<String> {
    list["tasks"]
        .as_array()
        .expect("tasks")
        .iter()
        .map(|t| t["target"].as_str().expect("target").to_string())
        .collect()
}

#[test]
fn key_sites_and_households_are_imported_visited_and_listed() {
    let (dir, db) = demo_db("visits.gpkg");
    let db = db.as_str();

    // A resident chief with a building in a compound, and a building of someone else.
    let (stdout, _) = run(&["export", "--db", db, "--layer", "buildings", "-"]);
    let buildings: Value = serde_json::from_str(&stdout).expect("GeoJSON");
    let buildings = buildings["features"].as_array().expect("features");
    let mine = buildings
        .iter()
        .find(|b| {
            b["properties"]["households"].as_u64().unwrap_or(0) > 0
                && b["properties"]["compound_code"].is_string()
                && b["properties"]["chiefs"]["resident"].is_number()
        })
        .expect("a building with households, a compound and a resident chief");
    let chief_id = mine["properties"]["chiefs"]["resident"].clone();
    let chief = chief_id.to_string();
    let building = mine["id"].to_string();
    let compound = mine["properties"]["compound_code"]
        .as_str()
        .expect("code")
        .to_string();
    let other = buildings
        .iter()
        .find(|b| {
            b["properties"]["households"].as_u64().unwrap_or(0) > 0
                && b["properties"]["chiefs"]["resident"].is_number()
                && b["properties"]["chiefs"]["resident"] != chief_id
        })
        .expect("another chief's building")["id"]
        .to_string();

    // The demo ships with key sites and households; its chiefs have tasks.
    let (stdout, stderr) = run(&["tasks", "--db", db, "--summary", "--json"]);
    let summary: Value = serde_json::from_str(&stdout).expect("JSON");
    let chiefs = summary["chiefs"].as_array().expect("chiefs");
    assert!(!chiefs.is_empty(), "{stderr}");
    assert!(chiefs.iter().any(|c| c["chief"] == chief_id));
    let before = tasks(db, &chief);

    // A key-site list with one bad line: refused, named, nothing written.
    let bad = dir.path().join("key-bad.csv");
    std::fs::write(
        &bad,
        format!(
            "小区编码,楼栋编号,原因\n{compound},,出租屋集中\n,{other},在建工地\n不存在,,治安\n"
        ),
    )
    .expect("write");
    let out = wangge(&[
        "import",
        "--db",
        db,
        "--layer",
        "key-sites",
        bad.to_str().expect("path"),
    ]);
    let (_, stderr) = text(&out);
    assert!(!out.status.success());
    assert!(
        stderr.contains("key-bad.csv: line 4") && stderr.contains("不存在"),
        "{stderr}"
    );
    assert!(stderr.contains("nothing was imported"), "{stderr}");
    assert_eq!(tasks(db, &chief)["tasks"], before["tasks"]);

    let good = dir.path().join("key.csv");
    std::fs::write(
        &good,
        format!("小区编码,楼栋编号,原因\n{compound},,出租屋集中\n,{other},在建工地\n"),
    )
    .expect("write");
    run(&[
        "import",
        "--db",
        db,
        "--layer",
        "key-sites",
        good.to_str().expect("path"),
    ]);

    // A household list with a bad category: refused, named, the contact never shown.
    let bad = dir.path().join("households-bad.csv");
    std::fs::write(
        &bad,
        format!(
            "楼栋编号,门牌,类别,联系方式\n{building},1-101,独居老人,王奶奶 13900000001\n\
             {building},1-102,孤寡,李爷爷 13900000002\n"
        ),
    )
    .expect("write");
    let out = wangge(&[
        "import",
        "--db",
        db,
        "--layer",
        "vulnerable",
        bad.to_str().expect("path"),
    ]);
    let (stdout, stderr) = text(&out);
    assert!(!out.status.success());
    assert!(
        stderr.contains("households-bad.csv: line 3") && stderr.contains("孤寡"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("1390000") && !stdout.contains("1390000"),
        "{stderr}"
    );
    let good = dir.path().join("households.csv");
    std::fs::write(
        &good,
        format!(
            "楼栋编号,门牌,类别,联系方式\n{building},1-101,独居老人,王奶奶 13900000001\n\
             {other},2-201,low income,\n"
        ),
    )
    .expect("write");
    let (stdout, stderr) = run(&[
        "import",
        "--db",
        db,
        "--layer",
        "vulnerable",
        good.to_str().expect("path"),
    ]);
    assert!(
        !stderr.contains("1390000") && !stdout.contains("1390000"),
        "{stderr}"
    );
    assert!(stderr.contains("2 vulnerable household(s)"), "{stderr}");

    // The chief's list: the key compound, the household and the building, none visited.
    let list = tasks(db, &chief);
    let today = list["date"].as_str().expect("date").to_string();
    let all = targets(&list);
    let key = format!("compound:{compound}");
    assert!(all.contains(&key), "{all:?}");
    assert!(all.contains(&format!("building:{building}")), "{all:?}");
    assert!(!all.contains(&format!("site:{other}")), "{all:?}");
    let household = list["tasks"]
        .as_array()
        .expect("tasks")
        .iter()
        .find(|t| t["kind"] == "vulnerable")
        .expect("the household");
    assert_eq!(household["category"], "elderly_alone");
    assert!(
        household["label"]
            .as_str()
            .is_some_and(|l| l.ends_with("1-101"))
    );
    // Key sites come before households, households before buildings; none is overdue yet.
    let kinds: Vec<&str> = list["tasks"]
        .as_array()
        .expect("tasks")
        .iter()
        .map(|t| t["kind"].as_str().expect("kind"))
        .collect();
    let mut sorted = kinds.clone();
    sorted.sort_by_key(|k| {
        ["key_site", "vulnerable", "households"]
            .iter()
            .position(|x| x == k)
    });
    assert_eq!(kinds, sorted);
    let task = |list: &Value, target: &str| {
        list["tasks"]
            .as_array()
            .expect("tasks")
            .iter()
            .find(|t| t["target"] == target)
            .cloned()
            .expect("the task")
    };
    assert_eq!(task(&list, &key)["due"], today.as_str());
    assert!(task(&list, &key)["last_visit"].is_null());

    // A visit of the key compound moves it to tomorrow; an unknown target is refused.
    let (_, stderr) = run(&[
        "visit",
        "--db",
        db,
        "--chief",
        &chief,
        "--target",
        &key,
        "--note",
        "通道已清理",
    ]);
    assert!(stderr.contains("recorded"), "{stderr}");
    let out = wangge(&[
        "visit",
        "--db",
        db,
        "--chief",
        &chief,
        "--target",
        "household:999999",
    ]);
    assert!(!out.status.success());
    assert!(
        text(&out).1.contains("household:999999"),
        "{:?}",
        text(&out)
    );
    let after = tasks(db, &chief);
    let visited = task(&after, &key);
    assert!(
        visited["due"].as_str().expect("due") > today.as_str(),
        "{visited}"
    );
    assert_eq!(visited["last_visit"]["note"], "通道已清理");
    assert_eq!(
        after["due_today"].as_u64(),
        list["due_today"].as_u64().map(|n| n - 1)
    );
    // A week later the key compound is six days overdue and comes first.
    let week = jiff_free_add_days(&today, 7);
    let (stdout, _) = run(&[
        "tasks", "--db", db, "--chief", &chief, "--date", &week, "--json",
    ]);
    let later: Value = serde_json::from_str(&stdout).expect("JSON");
    let first = &later["tasks"][0];
    assert_eq!(first["target"], key.as_str(), "{later}");
    assert_eq!(first["days_overdue"], 6);
}

/// `date` (YYYY-MM-DD) plus `days`, by the proleptic Gregorian calendar, without a date library.
fn jiff_free_add_days(date: &str, days: i64) -> String {
    let parts: Vec<i64> = date
        .split('-')
        .map(|p| p.parse().expect("a number"))
        .collect();
    let (mut y, mut m, mut d) = (parts[0], parts[1], parts[2]);
    let month_days = |y: i64, m: i64| match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    for _ in 0..days {
        d += 1;
        if d > month_days(y, m) {
            d = 1;
            m += 1;
            if m > 12 {
                m = 1;
                y += 1;
            }
        }
    }
    format!("{y:04}-{m:02}-{d:02}")
}
