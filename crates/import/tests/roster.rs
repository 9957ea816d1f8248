//! The street-chief roster (`--layer chiefs`) against the demo sub-district: rosters are written
//! from the demo's own chiefs to a temporary directory and imported back.

use std::path::{Path, PathBuf};

use wangge_core::{
    Assignment, ChangeSet, Chief, ChiefLevel, Dataset, DutyKind, Zone, chief_level,
    validate_assignments,
};
use wangge_import::{ImportOptions, Imported, InputLayer, NoProgress, RosterCounts, import_path};

fn demo() -> Dataset {
    wangge_demo::generate(&wangge_demo::DemoSettings::builtin())
}

fn chiefs_layer() -> ImportOptions {
    ImportOptions {
        layer: Some(InputLayer::Chiefs),
        ..ImportOptions::default()
    }
}

fn import(path: &Path, existing: &Dataset) -> Imported {
    import_path(path, existing, &chiefs_layer(), &NoProgress)
        .unwrap_or_else(|e| panic!("import of {} failed: {e}", path.display()))
}

fn refuse(path: &Path, existing: &Dataset, options: &ImportOptions) -> String {
    match import_path(path, existing, options, &NoProgress) {
        Ok(imported) => panic!("{} was accepted: {}", path.display(), imported.report),
        Err(e) => e.to_string(),
    }
}

/// Writes `text` to `name` in the temporary directory.
fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, text).expect("write a test file");
    path
}

/// A roster of `chiefs` as a street office would keep it: Chinese headers and Chinese values,
/// communities by name on even lines and by code on odd ones, and every seventh chief written in
/// English; with a byte-order mark, as Excel saves "CSV UTF-8", and an empty line.
fn roster(data: &Dataset, chiefs: &[Chief]) -> String {
    let zone = |id| -> &Zone {
        data.zones
            .iter()
            .find(|z| Some(z.id) == id)
            .expect("the chief's community")
    };
    let mut text = String::from("\u{feff}姓名,联系电话,身份,所属社区,街长层级\n");
    for (k, c) in chiefs.iter().enumerate() {
        let community = if k % 2 == 0 {
            zone(c.community).name.clone()
        } else {
            zone(c.community).code.clone()
        };
        let level = c.level.expect("demo chiefs have levels");
        let (role, level) = if k % 7 == 3 {
            (c.role.name_en(), level.as_str())
        } else {
            (c.role.name_zh(), level.name_zh())
        };
        text.push_str(&format!(
            "{},{},{role},{community},{level}\n",
            c.name, c.phone
        ));
        if k == 10 {
            text.push('\n');
        }
    }
    text
}

/// The demo with duties: every building to a resident chief and every street segment to a
/// community chief, in turn.
fn demo_with_duties() -> Dataset {
    let mut data = demo();
    let of_level = |level: ChiefLevel| -> Vec<i64> {
        data.chiefs
            .iter()
            .filter(|c| chief_level(c) == level)
            .map(|c| c.id)
            .collect()
    };
    let residents = of_level(ChiefLevel::Resident);
    let communities = of_level(ChiefLevel::Community);
    let mut duties: Vec<Assignment> = Vec::new();
    for (i, b) in data.buildings.iter().enumerate() {
        duties.push(Assignment {
            kind: DutyKind::Building,
            target: b.id,
            level: ChiefLevel::Resident,
            chief: residents[i % residents.len()],
            fixed: false,
        });
    }
    for (i, s) in data.streets.iter().enumerate() {
        duties.push(Assignment {
            kind: DutyKind::Street,
            target: s.id,
            level: ChiefLevel::Community,
            chief: communities[i % communities.len()],
            fixed: i % 5 == 0,
        });
    }
    data.duties = duties;
    validate_assignments(&data, &data.duties).expect("valid duties");
    data
}

#[test]
fn a_chinese_roster_imports_and_reimports_unchanged() {
    let demo = demo();
    assert!(demo.chiefs.len() > 100, "the demo has its 143 chiefs");
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = write(&dir, "名册.csv", &roster(&demo, &demo.chiefs));

    // Into the demo without chiefs: everyone is new and gets ids 1, 2, … in file order, which
    // are the demo's own ids, so the result is the demo itself.
    let without = Dataset {
        chiefs: Vec::new(),
        ..demo.clone()
    };
    let imported = import(&path, &without);
    assert_eq!(
        imported.report.roster,
        Some(RosterCounts {
            added: demo.chiefs.len(),
            ..RosterCounts::default()
        })
    );
    assert_eq!(imported.data.chiefs, demo.chiefs);
    assert_eq!(imported.data, demo);
    let levels = |l: ChiefLevel| {
        imported
            .data
            .chiefs
            .iter()
            .filter(|c| c.level == Some(l))
            .count()
    };
    assert!(levels(ChiefLevel::SubDistrict) > 0 && levels(ChiefLevel::Community) > 0);

    // The same file again changes nothing.
    let again = import(&path, &imported.data);
    assert_eq!(again.data, imported.data);
    assert!(ChangeSet::diff(&imported.data, &again.data).is_empty());
    let text = again.report.to_string();
    assert_eq!(
        text,
        format!(
            "{}: roster of {n} chiefs: 0 added, 0 updated, {n} unchanged, 0 removed",
            path.display(),
            n = demo.chiefs.len()
        )
    );
}

#[test]
fn a_roster_without_one_chief_removes_only_them_and_their_duties() {
    let before = demo_with_duties();
    let gone = before
        .chiefs
        .iter()
        .find(|c| chief_level(c) == ChiefLevel::Resident)
        .expect("a resident chief")
        .clone();
    let theirs = before.duties.iter().filter(|d| d.chief == gone.id).count();
    assert!(theirs > 0, "the dropped chief answers for something");
    let staying: Vec<Chief> = before
        .chiefs
        .iter()
        .filter(|c| c.id != gone.id)
        .cloned()
        .collect();
    let dir = tempfile::tempdir().expect("temporary directory");
    let mut text = roster(&before, &staying);
    text.push_str("新来的,10008719999,志愿者,,\n");
    let path = write(&dir, "roster.csv", &text);

    let imported = import(&path, &before);
    assert_eq!(
        imported.report.roster,
        Some(RosterCounts {
            added: 1,
            updated: 0,
            unchanged: staying.len(),
            removed: 1,
            duties_dropped: theirs,
        })
    );
    let after = &imported.data;
    // Everyone else keeps their id and all of their record; the newcomer gets the next id.
    assert_eq!(&after.chiefs[..staying.len()], &staying[..]);
    let newcomer = &after.chiefs[staying.len()];
    assert_eq!(
        (newcomer.id, newcomer.name.as_str(), newcomer.community),
        (before.next_ids().chief, "新来的", None)
    );
    let kept: Vec<Assignment> = before
        .duties
        .iter()
        .filter(|d| d.chief != gone.id)
        .copied()
        .collect();
    assert_eq!(after.duties, kept);
    after
        .check_references()
        .expect("consistent after the roster");

    let changes = ChangeSet::diff(&before, after);
    assert_eq!(changes.delete_chiefs, vec![gone.id]);
    assert_eq!(changes.chiefs, vec![newcomer.clone()]);
    assert_eq!(changes.delete_duties.len(), theirs);
    assert!(changes.duties.is_empty());
    assert_eq!(
        (
            changes.zones.len(),
            changes.buildings.len(),
            changes.streets.len()
        ),
        (0, 0, 0)
    );
    let text = imported.report.to_string();
    assert!(
        text.contains("1 added, 0 updated") && text.contains(&format!("{theirs} duties dropped")),
        "{text}"
    );
}

#[test]
fn bad_rosters_name_the_file_and_the_line() {
    let data = demo();
    let dir = tempfile::tempdir().expect("temporary directory");
    let (a, b) = (&data.chiefs[0], &data.chiefs[1]);
    let head = "姓名,电话,身份,社区,层级\n";
    let first = format!("{},{},网格员,,\n", a.name, a.phone);
    let cases = [
        (
            "role.csv",
            format!("{head}{first}{},{},居委会主任,,\n", b.name, b.phone),
            "line 3: column 3 (`身份`): unknown role `居委会主任`; use one of 党支部书记 \
             (party_secretary)",
        ),
        (
            "community.csv",
            format!("{head}{first}{},{},志愿者,东风社区,\n", b.name, b.phone),
            "line 3: column 4 (`社区`): unknown community `东风社区`; give a community's name \
             or code, e.g. ",
        ),
        (
            "phone.csv",
            format!("{head}{first}{},,志愿者,,\n", b.name),
            "line 3: has no phone in column 2 (`电话`); fill it in or delete the line",
        ),
        (
            "twice.csv",
            format!("{head}{first}{},{},楼长,,\n", a.name, a.phone),
            &format!(
                "line 3: {} ({}) is already on line 2; delete one of the two lines",
                a.name, a.phone
            ),
        ),
        (
            "level.csv",
            format!("{head}{first}{},{},志愿者,,组长\n", b.name, b.phone),
            "line 3: column 5 (`层级`): unknown chief level `组长`",
        ),
    ];
    for (name, text, expected) in cases {
        let path = write(&dir, name, &text);
        let message = refuse(&path, &data, &chiefs_layer());
        assert!(
            message.starts_with(&format!("{}: {expected}", path.display())),
            "{message}\nexpected: {expected}"
        );
    }
    // The unknown community's message lists known ones to choose from.
    let path = dir.path().join("community.csv");
    let message = refuse(&path, &data, &chiefs_layer());
    let community = data
        .zones
        .iter()
        .find(|z| z.level == "community")
        .expect("a community");
    assert!(
        message.contains(&format!("{} ({})", community.name, community.code)),
        "{message}"
    );

    // A roster is a CSV file, and a CSV file is no map layer.
    let geojson = write(&dir, "roster.geojson", "{}");
    let message = refuse(&geojson, &data, &chiefs_layer());
    assert!(
        message.contains("a street-chief roster must be a CSV file"),
        "{message}"
    );
    let csv = write(&dir, "buildings.csv", &format!("{head}{first}"));
    let as_buildings = ImportOptions {
        layer: Some(InputLayer::Buildings),
        ..ImportOptions::default()
    };
    let message = refuse(&csv, &data, &as_buildings);
    assert!(message.contains("--layer chiefs"), "{message}");
    // Without --layer a CSV file is a household register, which says what a roster needs.
    let message = refuse(&csv, &data, &ImportOptions::default());
    assert!(message.contains("--layer chiefs"), "{message}");
}
