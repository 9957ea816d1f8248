//! Automatic assignment on real data: Shanghai Lujiazui (OSM, read in place from `shared/data`
//! beside the checkout), with its extent as one community and a generated roster.
//!
//! Households are the importer's estimates from footprint and floors, which makes the towers of
//! Lujiazui enormous (one is estimated at 8,312 households): a building heavier than the band
//! gets a chief of its own and is left out of the mean, and every other chief must be within
//! the band.

use std::path::PathBuf;

use geo::{BoundingRect, Coord, MultiPolygon, Rect};
use wangge_assign::{AssignOptions, assign};
use wangge_core::{
    Chief, ChiefLevel, ChiefRole, Dataset, DutyKind, LevelConfig, Totals, Zone, recompute_totals,
    responsible, validate_assignments,
};
use wangge_import::{ImportOptions, InputLayer, NoProgress, import_path};

fn shared(relative: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data")
        .join(relative)
}

/// Lujiazui as one community under one sub-district, with one resident chief per
/// `per_chief` households, one community chief and two sub-district chiefs whose home is the
/// sub-district itself.
fn lujiazui(per_chief: u64) -> Dataset {
    let mut data = Dataset::new(LevelConfig::default());
    for (file, layer) in [
        ("shanghai-lujiazui/buildings.geojson", InputLayer::Buildings),
        ("shanghai-lujiazui/landuse.geojson", InputLayer::Compounds),
        ("shanghai-lujiazui/roads.geojson", InputLayer::Streets),
    ] {
        let options = ImportOptions {
            layer: Some(layer),
            ..ImportOptions::default()
        };
        data = import_path(&shared(file), &data, &options, &NoProgress)
            .unwrap_or_else(|e| panic!("{file}: {e}"))
            .data;
    }
    let extent = data
        .buildings
        .iter()
        .filter_map(|b| b.geometry.bounding_rect())
        .chain(
            data.streets
                .iter()
                .filter_map(|s| s.geometry.bounding_rect()),
        )
        .reduce(|a, b| {
            Rect::new(
                Coord {
                    x: a.min().x.min(b.min().x) - 1e-4,
                    y: a.min().y.min(b.min().y) - 1e-4,
                },
                Coord {
                    x: a.max().x.max(b.max().x) + 1e-4,
                    y: a.max().y.max(b.max().y) + 1e-4,
                },
            )
        })
        .expect("data");
    let outline = MultiPolygon(vec![extent.to_polygon()]);
    for (id, level, parent, code) in [
        (1, "subdistrict", None, "310115001"),
        (2, "community", Some(1), "310115001001"),
    ] {
        data.zones.push(Zone {
            id,
            code: code.into(),
            name: "陆家嘴".into(),
            level: level.into(),
            parent,
            geometry: outline.clone(),
            totals: Totals::default(),
        });
    }
    recompute_totals(&mut data);
    let households: u64 = data.buildings.iter().map(|b| u64::from(b.households)).sum();
    let mut roster = vec![
        (ChiefLevel::SubDistrict, 1),
        (ChiefLevel::SubDistrict, 1),
        (ChiefLevel::Community, 2),
    ];
    roster.extend((0..households.div_ceil(per_chief)).map(|_| (ChiefLevel::Resident, 2)));
    data.chiefs = roster
        .into_iter()
        .enumerate()
        .map(|(i, (level, home))| Chief {
            id: i as i64 + 1,
            name: format!("街长{}", i + 1),
            role: ChiefRole::Volunteer,
            phone: format!("100021{:05}", i + 1),
            community: Some(home),
            level: Some(level),
        })
        .collect();
    data
}

#[test]
fn lujiazui_with_a_chief_per_thousand_households_is_balanced_within_the_band() {
    let data = lujiazui(1000);
    assert!(data.buildings.len() > 1000 && data.streets.len() > 1000);
    let done = assign(&data, &[], &AssignOptions::default()).expect("assigned");
    validate_assignments(&data, &done.assignments).expect("valid");
    for level in ChiefLevel::ALL {
        assert_eq!(
            responsible(&done.assignments, DutyKind::Building, *level).len(),
            data.buildings.len()
        );
        assert_eq!(
            responsible(&done.assignments, DutyKind::Street, *level).len(),
            data.streets.len()
        );
    }
    let report = &done.report;
    let residents: Vec<_> = report
        .chiefs
        .iter()
        .filter(|c| c.load.level == ChiefLevel::Resident)
        .collect();
    assert!(residents.len() > 80, "{}", residents.len());
    // Every chief within ±25 % of the mean, except those holding one building heavier than the
    // band on its own: each such building has a chief of its own, and nothing else but at most
    // a street it could not shed.
    let mean = residents[0].load.mean;
    let top = mean * 1.25;
    let giants = data
        .buildings
        .iter()
        .filter(|b| f64::from(b.households) > top)
        .count();
    assert!(giants > 0);
    for c in &residents {
        let l = &c.load;
        if l.oversized {
            assert!(l.buildings == 1 && l.streets <= 1, "{l:?}");
            assert!(c.note.as_deref().unwrap_or("").contains("heavier"), "{c:?}");
        } else {
            assert!(
                l.within_band,
                "{} is {:.1} % off",
                l.name,
                l.deviation * 100.0
            );
            assert!(l.deviation.abs() <= 0.25);
        }
    }
    let oversized = residents.iter().filter(|c| c.load.oversized).count();
    assert_eq!(oversized, giants);
    // The sub-district chiefs share the sub-district, well balanced.
    let sub: Vec<_> = report
        .chiefs
        .iter()
        .filter(|c| c.load.level == ChiefLevel::SubDistrict)
        .collect();
    assert_eq!(sub.len(), 2);
    assert!(
        sub.iter()
            .all(|c| c.load.within_band && c.load.territory == "310115001")
    );
    // No chief cut into more pieces than the data forces, and most in one piece.
    assert!(report.levels.iter().all(|l| l.extra_pieces == 0));
    let one = residents.iter().filter(|c| c.pieces == 1).count();
    assert!(
        one * 100 >= 80 * residents.len(),
        "{one} of {}",
        residents.len()
    );
    // Stable: a re-run moves nothing.
    let again = assign(&data, &done.assignments, &AssignOptions::default()).expect("assigned");
    assert_eq!(again.report.move_counts.total(), 0);
}
