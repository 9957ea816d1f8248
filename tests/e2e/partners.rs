//! Partner departments (联动部门) from the command line: the demo ships with them on its key
//! streets, a list with one bad line is refused naming the line and writes nothing, a good list
//! replaces them and comes back out of `export --layer partners` and on the streets' features.

use serde_json::Value;
use wangge_e2e::{demo_db, text, wangge};

fn export(db: &str, layer: &str) -> String {
    let out = wangge(&["export", "--db", db, "--layer", layer, "-"]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "export {layer}: {stderr}");
    stdout
}

#[test]
fn partner_departments_are_imported_refused_and_exported() {
    let (dir, db) = demo_db("partners.gpkg");
    let db = db.as_str();

    // The demo's key streets have partner departments, and their segments show them.
    let shipped = export(db, "partners");
    assert!(
        shipped.starts_with("street,department,department_name_zh,department_name,contact,phone"),
        "{shipped}"
    );
    assert_eq!(shipped.lines().count(), 1 + 11 * 4, "{shipped}");
    let streets: Value = serde_json::from_str(&export(db, "streets")).expect("GeoJSON");
    let streets = streets["features"].as_array().expect("features").clone();
    let with_partners = streets
        .iter()
        .find(|s| {
            s["properties"]["partners"]
                .as_array()
                .is_some_and(|p| !p.is_empty())
        })
        .expect("a key street");
    assert_eq!(
        with_partners["properties"]["partners"][0]["department_name_zh"],
        "市场监管"
    );
    let street = with_partners["properties"]["name"]
        .as_str()
        .expect("named")
        .to_string();
    let other = streets
        .iter()
        .filter_map(|s| s["properties"]["name"].as_str())
        .find(|n| *n != street)
        .expect("another street")
        .to_string();

    // One bad line (a street no segment carries): refused, named, nothing written.
    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        format!(
            "街道名称,部门,联系人,电话,备注\n{street},市场监管,刘所长,0835-2220001,\n\
             不存在的路,公安,赵警官,0835-2220110,\n"
        ),
    )
    .expect("bad list");
    let out = wangge(&[
        "import",
        "--db",
        db,
        "--layer",
        "partners",
        bad.to_str().expect("path"),
    ]);
    let (_, stderr) = text(&out);
    assert!(!out.status.success(), "{stderr}");
    assert!(
        stderr.contains("bad.csv: line 3") && stderr.contains("不存在的路"),
        "{stderr}"
    );
    assert!(stderr.contains("nothing was imported"), "{stderr}");
    assert_eq!(export(db, "partners"), shipped);

    // A good list, English headers and a department given by its full name: it is the whole list.
    let good = dir.path().join("good.csv");
    std::fs::write(
        &good,
        format!(
            "street,department,contact,phone,note\n{street},雨城区市场监督管理局,刘所长,0835-2220001,每周二巡查\n\
             {other},police,赵警官,0835-2220110,\n"
        ),
    )
    .expect("good list");
    let out = wangge(&[
        "import",
        "--db",
        db,
        "--layer",
        "partners",
        good.to_str().expect("path"),
    ]);
    let (_, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("2 partner departments"), "{stderr}");
    let csv = export(db, "partners");
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 3, "{csv}");
    assert!(
        csv.contains(&format!(
            "{street},market_supervision,市场监管,雨城区市场监督管理局,刘所长,0835-2220001,每周二巡查,"
        )),
        "{csv}"
    );
    assert!(
        csv.contains(&format!("{other},police,公安,,赵警官,0835-2220110,,")),
        "{csv}"
    );
    // The streets' features carry them.
    let streets: Value = serde_json::from_str(&export(db, "streets")).expect("GeoJSON");
    let of = |name: &str| -> Vec<Value> {
        streets["features"]
            .as_array()
            .expect("features")
            .iter()
            .find(|s| s["properties"]["name"] == name)
            .and_then(|s| s["properties"]["partners"].as_array().cloned())
            .expect("partners")
    };
    assert_eq!(of(&other)[0]["department"], "police");
    assert_eq!(of(&other)[0]["contact"], "赵警官");
    assert_eq!(of(&street).len(), 1);
    assert_eq!(of(&street)[0]["name"], "雨城区市场监督管理局");
}
