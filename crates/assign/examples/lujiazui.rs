//! Assigns Shanghai Lujiazui (real OSM data in `../shared/data`) to a generated roster and prints
//! the report: `cargo run --release -p wangge-assign --example lujiazui [-- --per-chief 250]`.
//!
//! The data has no community boundaries: its extent stands in as one community under one
//! sub-district (as in wangge-partition's real-data example). Households are the importer's
//! estimates from footprint and floors. The roster: one resident chief per `--per-chief`
//! households (default 250), one community chief, two sub-district chiefs.

use std::path::PathBuf;
use std::time::Instant;

use geo::{BoundingRect, Coord, MultiPolygon, Rect};
use wangge_assign::{AssignOptions, assign};
use wangge_core::{
    Chief, ChiefLevel, ChiefRole, Dataset, LevelConfig, Totals, Zone, recompute_totals,
};
use wangge_import::{ImportOptions, InputLayer, NoProgress, import_path};

fn main() {
    let mut per_chief: u64 = 250;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--per-chief" => {
                per_chief = args
                    .next()
                    .and_then(|s| s.parse().ok())
                    .unwrap_or_else(|| fail("--per-chief needs a number"))
            }
            other => fail(&format!("unknown argument `{other}`")),
        }
    }
    let data = lujiazui(per_chief);
    let started = Instant::now();
    let done =
        assign(&data, &[], &AssignOptions::default()).unwrap_or_else(|e| fail(&e.to_string()));
    print!("{}", done.report);
    println!("assign: {:.0} ms", started.elapsed().as_secs_f64() * 1000.0);
}

fn shared(relative: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data")
        .join(relative)
}

/// Lujiazui as one community with a generated roster.
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
            .unwrap_or_else(|e| fail(&format!("{file}: {e}")))
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
        .unwrap_or_else(|| fail("no data"));
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
    let residents = households.div_ceil(per_chief).max(1);
    let mut chiefs = vec![
        (ChiefLevel::SubDistrict, Some(1)),
        (ChiefLevel::SubDistrict, Some(1)),
        (ChiefLevel::Community, Some(2)),
    ];
    chiefs.extend((0..residents).map(|_| (ChiefLevel::Resident, Some(2))));
    data.chiefs = chiefs
        .into_iter()
        .enumerate()
        .map(|(i, (level, community))| Chief {
            id: i as i64 + 1,
            name: format!("街长{}", i + 1),
            role: ChiefRole::Volunteer,
            phone: format!("100021{:05}", i + 1),
            community,
            level: Some(level),
        })
        .collect();
    data
}

fn fail(message: &str) -> ! {
    eprintln!("lujiazui: {message}");
    std::process::exit(2);
}
