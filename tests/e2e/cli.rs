//! The command line: demo, import of every real data set, stats, export, and bad input.

use serde_json::Value;
use wangge_e2e::{demo_db, shared_data, temp_db, text, wangge};

fn stats(db: &str) -> Value {
    let out = wangge(&["stats", "--db", db, "--json"]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "stats failed: {stderr}");
    serde_json::from_str(&stdout).expect("stats JSON")
}

fn import(db: &str, args: &[&str]) -> (String, String) {
    let mut all = vec!["import", "--db", db];
    all.extend_from_slice(args);
    let out = wangge(&all);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "import {args:?} failed: {stderr}");
    (stdout, stderr)
}

#[test]
fn demo_creates_a_huashan_shaped_sub_district() {
    let (dir, db) = temp_db("demo.gpkg");
    let db = db.as_str();
    let out = wangge(&["demo", "--db", db, "--no-serve"]);
    assert!(out.status.success(), "{:?}", text(&out));
    let s = stats(db);
    assert_eq!(s["zones_by_level"]["community"], 10);
    assert_eq!(s["zones_by_level"]["subdistrict"], 1);
    let compounds = s["layers"]["compounds"].as_u64().expect("compounds");
    assert!((254..=280).contains(&compounds), "{compounds}");
    assert_eq!(s["compounds_by_management"]["full"], 66);
    assert_eq!(s["compounds_by_management"]["partial"], 123);
    assert_eq!(s["compounds_by_management"]["none"], 78);
    for tier in ["green", "yellow", "red"] {
        assert!(
            s["compounds_by_tier"][tier].as_u64().expect("tier") > 0,
            "no {tier} compounds"
        );
    }
    let population = s["population"].as_u64().expect("population");
    assert!((54_000..=66_000).contains(&population), "{population}");
    assert_eq!(s["layers"]["chiefs"], 143);
    // A second run reuses the file instead of generating again.
    let again = wangge(&["demo", "--db", db, "--no-serve"]);
    assert!(text(&again).1.contains("existing"), "{:?}", text(&again));
    assert_eq!(stats(db), s);

    // Export: zones carry level, code, parent_code, name, households, population.
    let out_path = dir.path().join("zones.geojson");
    let out = wangge(&[
        "export",
        "--db",
        db,
        "--layer",
        "zones",
        out_path.to_str().expect("utf-8"),
    ]);
    assert!(out.status.success(), "{:?}", text(&out));
    let zones: Value =
        serde_json::from_str(&std::fs::read_to_string(&out_path).expect("read")).expect("geojson");
    let features = zones["features"].as_array().expect("features");
    let count = |level: &str| {
        features
            .iter()
            .filter(|f| f["properties"]["level"] == level)
            .count()
    };
    // The demo ships with its grids: one primary grid per community, secondary and micro-grids.
    assert_eq!(count("community"), 10);
    assert_eq!(count("primary"), 10);
    assert!(
        (50..=90).contains(&count("secondary")),
        "{}",
        count("secondary")
    );
    assert!(count("micro") > 300, "{}", count("micro"));
    let community = features
        .iter()
        .find(|f| f["properties"]["level"] == "community")
        .expect("a community");
    let p = &community["properties"];
    for key in ["code", "parent_code", "name", "households", "population"] {
        assert!(!p[key].is_null(), "zones export lacks {key}: {p}");
    }
    assert_eq!(p["code"].as_str().expect("code").len(), 12);
    assert!(
        p["code"]
            .as_str()
            .expect("code")
            .starts_with(p["parent_code"].as_str().expect("parent"))
    );
    let sum: u64 = features
        .iter()
        .filter(|f| f["properties"]["level"] == "community")
        .map(|f| f["properties"]["population"].as_u64().expect("population"))
        .sum();
    assert_eq!(
        sum, population,
        "communities' populations add up to the sub-district's"
    );
}

#[test]
fn imports_lujiazui_buildings_roads_and_compounds() {
    let (_dir, db) = temp_db("lujiazui.gpkg");
    let db = db.as_str();
    let data = |f: &str| {
        shared_data(&format!("shanghai-lujiazui/{f}"))
            .display()
            .to_string()
    };
    let (_, report) = import(db, &["--layer", "buildings", &data("buildings.geojson")]);
    assert!(report.contains("129 building_part"), "{report}");
    import(db, &["--layer", "compounds", &data("landuse.geojson")]);
    let (_, report) = import(db, &["--layer", "streets", &data("roads.geojson")]);
    assert!(report.contains("rail"), "{report}");
    let s = stats(db);
    assert_eq!(s["layers"]["buildings"], 1321);
    assert_eq!(s["layers"]["compounds"], 18);
    assert_eq!(s["layers"]["streets"], 1090);
    assert_eq!(s["estimated_buildings"], 1321);
}

#[test]
fn imports_hangzhou_kouvola_and_bubenec() {
    let (dir, db) = temp_db("mixed.gpkg");
    let db = db.as_str();
    import(
        db,
        &[
            "--layer",
            "compounds",
            &shared_data("hangzhou/residential-compounds.geojson")
                .display()
                .to_string(),
        ],
    );
    assert_eq!(stats(db)["layers"]["compounds"], 2112);

    let db2 = dir.path().join("kouvola.gpkg");
    let db2 = db2.to_str().expect("utf-8");
    import(
        db2,
        &[&shared_data("osm-pbf/kouvola.osm.pbf").display().to_string()],
    );
    let s = stats(db2);
    // 2219 building ways and 343 highways, less those with nodes outside the extract (checked
    // independently with pyosmium); 17 residential compounds.
    assert_eq!(s["layers"]["buildings"], 2171, "{s}");
    assert_eq!(s["layers"]["streets"], 288, "{s}");
    assert_eq!(s["layers"]["compounds"], 17, "{s}");

    let db3 = dir.path().join("bubenec.gpkg");
    let db3 = db3.to_str().expect("utf-8");
    import(
        db3,
        &[
            "--layer",
            "buildings",
            &shared_data("gpkg/bubenec.gpkg").display().to_string(),
        ],
    );
    assert_eq!(stats(db3)["layers"]["buildings"], 144);
    let out = wangge(&["export", "--db", db3, "--layer", "buildings", "-"]);
    let fc: Value = serde_json::from_slice(&out.stdout).expect("geojson");
    let x = fc["features"][0]["geometry"]["coordinates"][0][0][0][0]
        .as_f64()
        .expect("x");
    let y = fc["features"][0]["geometry"]["coordinates"][0][0][0][1]
        .as_f64()
        .expect("y");
    assert!(
        (14.3..14.5).contains(&x) && (50.0..50.2).contains(&y),
        "Bubeneč is in Prague, got ({x}, {y})"
    );
}

#[test]
fn a_household_register_sets_households() {
    let (dir, db) = temp_db("reg.gpkg");
    let db = db.as_str();
    let buildings = shared_data("shanghai-lujiazui/buildings.geojson")
        .display()
        .to_string();
    import(db, &["--layer", "buildings", &buildings]);
    let before = stats(db);
    // Two buildings of the Lujiazui file, by OSM id.
    let source: Value =
        serde_json::from_str(&std::fs::read_to_string(&buildings).expect("read")).expect("json");
    let ids: Vec<String> = source["features"]
        .as_array()
        .expect("features")
        .iter()
        .filter(|f| f["properties"]["kind"] == "building")
        .take(2)
        .map(|f| {
            f["properties"]["id"]
                .to_string()
                .trim_matches('"')
                .to_string()
        })
        .collect();
    let csv = dir.path().join("register.csv");
    std::fs::write(
        &csv,
        format!(
            "building_id,households,population\n{},120,276\n{},80,190\n",
            ids[0], ids[1]
        ),
    )
    .expect("csv");
    import(db, &["--layer", "households", csv.to_str().expect("utf-8")]);
    let after = stats(db);
    assert_eq!(
        after["estimated_buildings"].as_u64(),
        before["estimated_buildings"].as_u64().map(|n| n - 2)
    );
}

#[test]
fn bad_input_is_named_and_nothing_is_imported() {
    let (dir, db) = temp_db("bad.gpkg");
    let db = db.as_str();
    import(
        db,
        &[
            "--layer",
            "compounds",
            &shared_data("shanghai-lujiazui/landuse.geojson")
                .display()
                .to_string(),
        ],
    );
    let before = stats(db);

    let good = dir.path().join("good.geojson");
    std::fs::write(&good, r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"甲"},"geometry":{"type":"Polygon","coordinates":[[[121.5,31.23],[121.501,31.23],[121.501,31.231],[121.5,31.231],[121.5,31.23]]]}}]}"#).expect("write");
    let broken = dir.path().join("broken.geojson");
    std::fs::write(
        &broken,
        "{\"type\":\"FeatureCollection\",\n\"features\": [ oops ]}",
    )
    .expect("write");
    let bowtie = dir.path().join("bowtie.geojson");
    std::fs::write(&bowtie, r#"{"type":"FeatureCollection","features":[{"type":"Feature","id":"x1","properties":{},"geometry":{"type":"Polygon","coordinates":[[[121.5,31.23],[121.501,31.231],[121.501,31.23],[121.5,31.231],[121.5,31.23]]]}}]}"#).expect("write");
    let projected = dir.path().join("projected.geojson");
    std::fs::write(&projected, r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[13524000,3662000],[13524100,3662000],[13524100,3662100],[13524000,3662000]]]}}]}"#).expect("write");

    for (file, expect) in [
        (&broken, "line 2"),
        (&bowtie, "x1"),
        (&projected, "projected"),
    ] {
        // The good file first: it must not be kept when a later file fails.
        let out = wangge(&[
            "import",
            "--db",
            db,
            "--layer",
            "compounds",
            good.to_str().expect("utf-8"),
            file.to_str().expect("utf-8"),
        ]);
        let (_, stderr) = text(&out);
        assert!(!out.status.success(), "{} was accepted", file.display());
        let name = file.file_name().and_then(|n| n.to_str()).expect("name");
        assert!(stderr.contains(name) && stderr.contains(expect), "{stderr}");
        assert!(stderr.contains("nothing was imported"), "{stderr}");
        assert_eq!(
            stats(db),
            before,
            "{} left something behind",
            file.display()
        );
    }
    // With --repair the self-intersecting polygon is repaired and reported.
    let (_, report) = import(
        db,
        &[
            "--layer",
            "compounds",
            "--repair",
            bowtie.to_str().expect("utf-8"),
        ],
    );
    assert!(report.contains("warning"), "{report}");

    let out = wangge(&[
        "stats",
        "--db",
        dir.path().join("missing.gpkg").to_str().expect("utf-8"),
    ]);
    assert!(!out.status.success());
    assert!(text(&out).1.contains("does not exist"), "{:?}", text(&out));
    let out = wangge(&[
        "import",
        "--db",
        db,
        "--crs",
        "utm",
        good.to_str().expect("utf-8"),
    ]);
    assert!(!out.status.success());
    assert!(text(&out).1.contains("utm"), "{:?}", text(&out));
    // A failed import into a new file leaves no file behind.
    let fresh = dir.path().join("fresh.gpkg");
    let out = wangge(&[
        "import",
        "--db",
        fresh.to_str().expect("utf-8"),
        broken.to_str().expect("utf-8"),
    ]);
    assert!(!out.status.success());
    assert!(
        !fresh.exists(),
        "a failed import created {}",
        fresh.display()
    );
}

#[test]
fn check_passes_on_the_demo_and_names_an_overlap() {
    let (dir, db) = demo_db("check.gpkg");
    let db = db.as_str();
    let out = wangge(&["check", "--db", db, "--json"]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    let report: Value = serde_json::from_str(&stdout).expect("check JSON");
    assert_eq!(
        report["violations"].as_array().map(Vec::len),
        Some(0),
        "{report}"
    );

    // A community drawn over the existing ones breaks "communities tile their sub-district".
    let extra = dir.path().join("extra.geojson");
    std::fs::write(
        &extra,
        r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"重叠社区"},"geometry":{"type":"Polygon","coordinates":[[[102.700,25.035],[102.712,25.035],[102.712,25.045],[102.700,25.045],[102.700,25.035]]]}}]}"#,
    )
    .expect("write");
    let out = wangge(&[
        "import",
        "--db",
        db,
        "--layer",
        "communities",
        extra.to_str().expect("utf-8"),
    ]);
    assert!(out.status.success(), "{:?}", text(&out));
    let out = wangge(&["check", "--db", db]);
    let (stdout, stderr) = text(&out);
    assert!(
        !out.status.success(),
        "an overlap must fail the check:\n{stdout}"
    );
    assert!(
        format!("{stdout}{stderr}")
            .to_lowercase()
            .contains("overlap"),
        "{stdout}\n{stderr}"
    );
}

#[test]
fn tier_changes_from_the_command_line_keep_their_history() {
    let (_dir, db) = demo_db("tiers.gpkg");
    let db = db.as_str();
    let out = wangge(&["export", "--db", db, "--layer", "compounds", "-"]);
    let all: Value = serde_json::from_slice(&out.stdout).expect("geojson");
    let green = all["features"]
        .as_array()
        .expect("features")
        .iter()
        .find(|f| f["properties"]["tier"] == "green")
        .expect("a green compound");
    let code = green["properties"]["code"]
        .as_str()
        .expect("code")
        .to_string();
    let red_before = stats(db)["compounds_by_tier"]["red"].as_u64().expect("red");

    let out = wangge(&[
        "tier",
        "--db",
        db,
        "--compound",
        &code,
        "--set",
        "红色",
        "--reason",
        "出租屋消防隐患",
        "--by",
        "李书记",
    ]);
    assert!(out.status.success(), "{:?}", text(&out));
    assert_eq!(
        stats(db)["compounds_by_tier"]["red"].as_u64(),
        Some(red_before + 1)
    );
    // Refusals change nothing: no reason, the same tier again, an unknown compound or tier.
    for args in [
        vec![
            "--compound",
            code.as_str(),
            "--set",
            "yellow",
            "--reason",
            "  ",
        ],
        vec![
            "--compound",
            code.as_str(),
            "--set",
            "red",
            "--reason",
            "again",
        ],
        vec!["--compound", "NOPE", "--set", "red", "--reason", "x"],
        vec![
            "--compound",
            code.as_str(),
            "--set",
            "purple",
            "--reason",
            "x",
        ],
    ] {
        let mut all = vec!["tier", "--db", db];
        all.extend(args.iter().copied());
        let out = wangge(&all);
        assert!(!out.status.success(), "{args:?} was accepted");
    }
    let out = wangge(&["history", "--db", db, "--compound", &code, "--json"]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    let history: Value = serde_json::from_str(&stdout).expect("history JSON");
    let steps = history["history"].as_array().expect("history");
    assert_eq!(steps.len(), 1, "{history}");
    assert_eq!(steps[0]["from"], "green");
    assert_eq!(steps[0]["to"], "red");
    assert_eq!(steps[0]["reason"], "出租屋消防隐患");
    assert_eq!(steps[0]["by"], "李书记");
    assert!(
        steps[0]["at"].as_str().expect("at").ends_with('Z'),
        "{history}"
    );
}

/// A one-pixel PNG.
const ONE_PIXEL_PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x02, 0x00, 0x00, 0x00, 0x90, 0x77, 0x53,
    0xDE, 0x00, 0x00, 0x00, 0x0C, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0xF8, 0xFF, 0xFF, 0x3F,
    0x00, 0x05, 0xFE, 0x02, 0xFE, 0x0D, 0xEF, 0x46, 0xB8, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E,
    0x44, 0xAE, 0x42, 0x60, 0x82,
];

#[test]
fn inspections_from_the_command_line_move_the_due_date() {
    let (dir, db) = demo_db("inspections.gpkg");
    let db = db.as_str();
    let due = |extra: &[&str]| -> Value {
        let mut args = vec!["due", "--db", db, "--json"];
        args.extend_from_slice(extra);
        let out = wangge(&args);
        assert!(out.status.success(), "{:?}", text(&out));
        serde_json::from_slice(&out.stdout).expect("json")
    };
    let entry = |list: &Value, code: &str| -> Value {
        list["compounds"]
            .as_array()
            .expect("compounds")
            .iter()
            .find(|c| c["code"] == code)
            .cloned()
            .expect("the compound is listed")
    };
    // Nothing inspected yet: every compound is due today, none is overdue.
    let before = due(&[]);
    let today = before["today"].as_str().expect("today").to_string();
    assert_eq!(before["overdue"], 0);
    let first = &before["compounds"][0];
    let code = first["code"].as_str().expect("code").to_string();
    assert_eq!(first["next_due"], today.as_str());
    assert!(first["last_inspection"].is_null());

    // An inspection long ago (16:30 UTC on Jan 14 is Jan 15 in Shanghai) makes it overdue.
    let out = wangge(&[
        "inspect",
        "--db",
        db,
        "--compound",
        &code,
        "--by",
        "李网格",
        "--role",
        "网格员",
        "--at",
        "2025-01-14T16:30:00Z",
        "--rentals",
        "problem:群租 2 户",
        "--sanitation",
        "ok",
    ]);
    assert!(out.status.success(), "{:?}", text(&out));
    let after = due(&[]);
    let old = entry(&after, &code);
    assert_eq!(old["last_inspection"]["date"], "2025-01-15");
    assert_eq!(old["last_inspection"]["result"], "problem");
    assert!(old["next_due"].as_str().expect("date") < today.as_str());
    assert_eq!(old["overdue"], true);
    assert!(old["days_overdue"].as_i64().expect("days") > 0);
    assert_eq!(after["overdue"], 1);
    let overdue_only = due(&["--overdue"]);
    assert_eq!(overdue_only["compounds"].as_array().expect("list").len(), 1);

    // An inspection now, with a photo, moves the due date past today.
    let photo = dir.path().join("photo.png");
    std::fs::write(&photo, ONE_PIXEL_PNG).expect("photo");
    let photo = photo.to_str().expect("utf-8 path");
    let out = wangge(&[
        "inspect",
        "--db",
        db,
        "--compound",
        &code,
        "--by",
        "王警官",
        "--role",
        "community_police",
        "--public-order",
        "ok",
        "--photo",
        photo,
    ]);
    assert!(out.status.success(), "{:?}", text(&out));
    assert!(text(&out).1.contains("with a photo"), "{:?}", text(&out));
    let now = entry(&due(&[]), &code);
    assert!(
        now["last_inspection"]["photo_url"]
            .as_str()
            .is_some_and(|u| u.ends_with("/photo")),
        "{now}"
    );
    assert!(
        now["next_due"].as_str().expect("date") > today.as_str(),
        "{now}"
    );
    assert_eq!(now["overdue"], false);
    assert_eq!(now["last_inspection"]["inspector"], "王警官");

    // Refusals write nothing: an unknown role, a bad finding, a time two days ahead, a missing
    // compound, a photo that is not one.
    let not_a_photo = dir.path().join("notes.txt");
    std::fs::write(&not_a_photo, "not an image").expect("text");
    let not_a_photo = not_a_photo.to_str().expect("utf-8 path");
    for args in [
        vec![
            "--compound",
            code.as_str(),
            "--by",
            "李",
            "--role",
            "janitor",
        ],
        vec![
            "--compound",
            code.as_str(),
            "--by",
            "李",
            "--role",
            "chief",
            "--rentals",
            "meh",
        ],
        vec![
            "--compound",
            code.as_str(),
            "--by",
            "李",
            "--role",
            "chief",
            "--at",
            "2999-01-01T00:00:00Z",
        ],
        vec!["--compound", "NOPE", "--by", "李", "--role", "chief"],
        // A photo that is not an image.
        vec![
            "--compound",
            code.as_str(),
            "--by",
            "李",
            "--role",
            "chief",
            "--photo",
            not_a_photo,
        ],
    ] {
        let mut full = vec!["inspect", "--db", db];
        full.extend(args.iter().copied());
        let out = wangge(&full);
        assert!(!out.status.success(), "{args:?} should fail");
    }
    assert_eq!(entry(&due(&[]), &code), now);
    let table = wangge(&["due", "--db", db]);
    assert!(table.status.success());
    assert!(String::from_utf8_lossy(&table.stdout).contains(&code));
}

#[test]
fn partition_splits_the_demo_into_balanced_grids_that_pass_check() {
    let (_dir, db) = demo_db("grids.gpkg");
    let db = db.as_str();
    let out = wangge(&[
        "partition",
        "--db",
        db,
        "--level",
        "secondary",
        "--households",
        "300..500",
        "--seed",
        "3",
        "--json",
    ]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    let report: Value = serde_json::from_str(&stdout).expect("report JSON");
    let grids = report["grids"].as_array().expect("grids");
    assert!(grids.len() >= 50, "{} grids", grids.len());
    for g in grids {
        let households = g["households"].as_u64().expect("households");
        let oversized = g["oversized_unit"].as_bool().unwrap_or(false);
        assert!(oversized || (300..=500).contains(&households), "{g}");
        assert_eq!(g["connected"], true, "{g}");
    }
    let s = stats(db);
    assert_eq!(s["zones_by_level"]["primary"], 10);
    assert_eq!(
        s["zones_by_level"]["secondary"].as_u64(),
        Some(grids.len() as u64)
    );
    assert!(wangge(&["check", "--db", db]).status.success());
    let out = wangge(&[
        "partition",
        "--db",
        db,
        "--level",
        "secondary",
        "--households",
        "9..3",
    ]);
    assert!(!out.status.success());
    // A range without a level would apply one range to every level: refused.
    let out = wangge(&["partition", "--db", db, "--households", "300..500"]);
    assert!(!out.status.success());
    assert!(text(&out).1.contains("--level"), "{:?}", text(&out));
}

/// Levels and targets are configuration: a city that draws primary grids inside its communities
/// gives the primary level a household target, and `partition` then splits communities into
/// primary grids, with secondary grids and micro-grids inside them — no code change.
#[test]
fn a_primary_target_in_the_configuration_draws_primary_grids_inside_communities() {
    let (dir, db) = demo_db("levels.gpkg");
    let db = db.as_str();
    let shown = wangge(&["levels", "--db", db, "--json"]);
    assert!(shown.status.success(), "{:?}", text(&shown));
    let levels: Value = serde_json::from_str(&text(&shown).0).expect("levels JSON");
    assert_eq!(levels[4]["key"], "secondary");
    assert_eq!(levels[4]["households"]["max"], 500);
    assert!(
        levels[3]["households"].is_null(),
        "primary copies the community"
    );

    let set = wangge(&["levels", "--db", db, "--set", "primary=1000..1600"]);
    let (table, stderr) = text(&set);
    assert!(set.status.success(), "{stderr}");
    assert!(table.contains("1000..1600"), "{table}");
    let out = wangge(&["partition", "--db", db, "--seed", "2"]);
    assert!(out.status.success(), "{:?}", text(&out));
    let s = stats(db);
    let primary = s["zones_by_level"]["primary"].as_u64().expect("primary");
    assert!(primary > 10, "{primary} primary grids for 10 communities");
    assert!(s["zones_by_level"]["micro"].as_u64().expect("micro") > primary);
    assert!(wangge(&["check", "--db", db]).status.success());

    // Targets above the grids, unknown levels and bad ranges are refused, naming the fault.
    for (args, says) in [
        (vec!["--set", "community=1..2"], "community"),
        (vec!["--set", "ward=1..2"], "no level `ward`"),
        (vec!["--set", "micro=80..30"], "MIN ≤ MAX"),
        (vec!["--clear", "ward"], "no such level"),
    ] {
        let mut all = vec!["levels", "--db", db];
        all.extend(args.iter().copied());
        let out = wangge(&all);
        assert!(!out.status.success(), "{args:?}");
        assert!(text(&out).1.contains(says), "{args:?}: {:?}", text(&out).1);
    }
    let cleared = wangge(&["levels", "--db", db, "--clear", "primary", "--json"]);
    assert!(cleared.status.success());
    let mut levels: Value = serde_json::from_str(&text(&cleared).0).expect("levels JSON");
    assert!(levels[3]["households"].is_null());

    // A whole configuration from a file: renaming a level is fine, dropping one in use is not.
    let file = dir.path().join("levels.json");
    levels[5]["name_en"] = Value::from("micro grid");
    std::fs::write(&file, levels.to_string()).expect("levels file");
    let path = file.to_str().expect("path");
    let out = wangge(&["levels", "--db", db, "--file", path, "--json"]);
    assert!(out.status.success(), "{:?}", text(&out));
    assert!(text(&out).0.contains("micro grid"));
    levels.as_array_mut().expect("list").pop();
    std::fs::write(&file, levels.to_string()).expect("levels file");
    let out = wangge(&["levels", "--db", db, "--file", path]);
    assert!(!out.status.success());
    assert!(text(&out).1.contains("`micro`"), "{:?}", text(&out).1);
    std::fs::write(&file, "[{\"key\": 1}]").expect("levels file");
    let out = wangge(&["levels", "--db", db, "--file", path]);
    assert!(!out.status.success());
    assert!(text(&out).1.contains("levels.json"), "{:?}", text(&out).1);
}

#[test]
fn boards_print_for_a_compound_and_for_a_whole_community() {
    let (dir, db) = demo_db("boards.gpkg");
    let db = db.as_str();
    let compounds: Value = serde_json::from_slice(
        &wangge(&["export", "--db", db, "--layer", "compounds", "-"]).stdout,
    )
    .expect("compounds");
    let red = compounds["features"]
        .as_array()
        .expect("features")
        .iter()
        .find(|f| f["properties"]["tier"] == "red")
        .expect("the demo has red compounds");
    let code = red["properties"]["code"].as_str().expect("code");
    let name = red["properties"]["name"].as_str().expect("name");
    let chief = red["properties"]["chief"]["name"]
        .as_str()
        .expect("a chief");
    let out = wangge(&[
        "inspect",
        "--db",
        db,
        "--compound",
        code,
        "--by",
        "李网格",
        "--role",
        "网格员",
        "--rentals",
        "problem:群租 2 户",
    ]);
    assert!(out.status.success(), "{:?}", text(&out));

    // One compound, as HTML and as PNG.
    let html = dir.path().join("board.html");
    let out = wangge(&[
        "board",
        "--db",
        db,
        "--compound",
        code,
        "--out",
        html.to_str().expect("path"),
    ]);
    assert!(out.status.success(), "{:?}", text(&out));
    let page = std::fs::read_to_string(&html).expect("html");
    for expected in [
        name,
        chief,
        "红色·禁止级",
        "禁止出租",
        "群租 2 户",
        "李网格",
        "每周一次",
    ] {
        assert!(page.contains(expected), "{expected} missing from the board");
    }
    let png = dir.path().join("board.png");
    let out = wangge(&[
        "board",
        "--db",
        db,
        "--compound",
        code,
        "--out",
        png.to_str().expect("path"),
    ]);
    assert!(out.status.success(), "{:?}", text(&out));
    assert_eq!(&std::fs::read(&png).expect("png")[1..4], b"PNG");

    // Cadences are configuration in the store: red every 3 days moves the red compound's next
    // inspection and shows on its board.
    let due_of = |code: &str| -> Value {
        let out = wangge(&["due", "--db", db, "--json"]);
        let list: Value = serde_json::from_slice(&out.stdout).expect("due json");
        list["compounds"]
            .as_array()
            .expect("compounds")
            .iter()
            .find(|c| c["code"] == code)
            .cloned()
            .expect("listed")
    };
    let weekly = due_of(code)["next_due"].as_str().expect("date").to_string();
    let out = wangge(&["cadences", "--db", db, "--set", "red=3d", "--json"]);
    assert!(out.status.success(), "{:?}", text(&out));
    let set: Value = serde_json::from_slice(&out.stdout).expect("cadences json");
    assert_eq!(set["red"], serde_json::json!({"days": 3}));
    let sooner = due_of(code)["next_due"].as_str().expect("date").to_string();
    assert!(sooner < weekly, "{sooner} is not before {weekly}");
    let out = wangge(&[
        "board",
        "--db",
        db,
        "--compound",
        code,
        "--out",
        html.to_str().expect("path"),
    ]);
    assert!(out.status.success(), "{:?}", text(&out));
    assert!(
        std::fs::read_to_string(&html)
            .expect("html")
            .contains("每3天一次")
    );
    let out = wangge(&["cadences", "--db", db, "--visit", "vulnerable=2w", "--json"]);
    assert!(out.status.success(), "{:?}", text(&out));
    let set: Value = serde_json::from_slice(&out.stdout).expect("cadences json");
    assert_eq!(set["visits"]["vulnerable"], serde_json::json!({"weeks": 2}));
    assert_eq!(set["red"], serde_json::json!({"days": 3}));
    let out = wangge(&["cadences", "--db", db, "--visit", "pets=1d"]);
    assert!(!out.status.success());
    assert!(text(&out).1.contains("pets"), "{:?}", text(&out));
    let out = wangge(&["cadences", "--db", db, "--set", "red=0w"]);
    assert!(!out.status.success());
    assert!(text(&out).1.contains("red=0w"), "{:?}", text(&out));

    // Every compound of the red one's community, one file each.
    let community = &code[..code.find('-').unwrap_or(code.len())];
    let boards = dir.path().join("boards");
    let out = wangge(&[
        "board",
        "--db",
        db,
        "--zone",
        community,
        "--out",
        boards.to_str().expect("path"),
    ]);
    assert!(out.status.success(), "{:?}", text(&out));
    let written: Vec<String> = std::fs::read_dir(&boards)
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert!(written.contains(&format!("{code}.html")), "{written:?}");
    let in_community = compounds["features"]
        .as_array()
        .expect("features")
        .iter()
        .filter(|f| {
            f["properties"]["code"]
                .as_str()
                .is_some_and(|c| c.starts_with(&format!("{community}-")))
        })
        .count();
    assert_eq!(written.len(), in_community);

    // A wrong code or file name is named.
    let out = wangge(&["board", "--db", db, "--compound", "NOPE", "--out", "x.html"]);
    assert!(!out.status.success());
    assert!(text(&out).1.contains("NOPE"), "{:?}", text(&out));
    let out = wangge(&["board", "--db", db, "--compound", code, "--out", "x.pdf"]);
    assert!(!out.status.success());
    assert!(text(&out).1.contains(".png"), "{:?}", text(&out));
}
