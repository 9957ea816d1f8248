//! Splits the real data in `../shared/data` into secondary grids and micro-grids, checks every
//! invariant and prints the quality report:
//! `cargo run --release -p wangge-partition --example real_data`.
//!
//! - Shanghai Lujiazui (OSM): buildings (households estimated by the importer from footprint and
//!   floors), residential land as compounds, roads as streets.
//! - Hangzhou urban core: 2,112 residential compounds, no buildings and no streets. Households
//!   are not in the data; each compound is given one building — its own outline — holding
//!   households at a floor-area ratio of 2.0 with 75 % usable and 90 m² per household (the
//!   importer's estimate rules), i.e. one household per 60 m² of compound land. Say so wherever
//!   these figures are quoted.
//!
//! Neither source has community boundaries: the data's extent stands in as one community.

use std::path::PathBuf;
use std::time::Instant;

use geo::{BoundingRect, Coord, MultiPolygon, Rect};
use wangge_core::{Building, Dataset, LevelConfig, Totals, Zone, area_m2, recompute_totals};
use wangge_import::{ImportOptions, InputLayer, NoProgress, import_path};
use wangge_partition::{Targets, check, partition_levels};

fn shared(relative: &str) -> PathBuf {
    std::path::PathBuf::from(
        std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"),
    )
    .join("../../../shared/data")
    .join(relative)
}

fn import(data: Dataset, file: &str, layer: InputLayer) -> Dataset {
    let options = ImportOptions {
        layer: Some(layer),
        ..ImportOptions::default()
    };
    import_path(&shared(file), &data, &options, &NoProgress)
        .unwrap_or_else(|e| panic!("{file}: {e}"))
        .data
}

/// One community covering everything, with a subdistrict above it.
fn one_community(mut data: Dataset, code: &str, name: &str) -> Dataset {
    let extent = data
        .buildings
        .iter()
        .filter_map(|b| b.geometry.bounding_rect())
        .chain(
            data.compounds
                .iter()
                .filter_map(|c| c.geometry.bounding_rect()),
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
        (1, "subdistrict", None, &code[..9]),
        (2, "community", Some(1), code),
    ] {
        data.zones.push(Zone {
            id,
            code: code.to_string(),
            name: name.to_string(),
            level: level.into(),
            parent,
            geometry: outline.clone(),
            totals: Totals::default(),
        });
    }
    recompute_totals(&mut data);
    data
}

fn run(name: &str, data: &Dataset) {
    let households: u64 = data.buildings.iter().map(|b| u64::from(b.households)).sum();
    println!(
        "== {name}: {} compounds, {} buildings, {} streets, {households} households",
        data.compounds.len(),
        data.buildings.len(),
        data.streets.len()
    );
    let started = Instant::now();
    let (planned, reports) =
        partition_levels(data, &Targets::default(), 1, &mut |_, _, _| {}).expect("split");
    let split_s = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let checked = check(&planned);
    let check_s = started.elapsed().as_secs_f64();
    for report in &reports {
        let t = &report.totals;
        println!(
            "{:>9}: {} grids, {} within {}–{}, {} single oversized units, {} connected; households {}–{}; mean PP {:.3}; mean street share {:.1} %; {:.0} ms",
            report.level,
            t.grids,
            t.within_bounds,
            report.bounds.min,
            report.bounds.max,
            t.oversized_units,
            t.connected,
            t.households_min,
            t.households_max,
            t.mean_polsby_popper,
            t.mean_street_share * 100.0,
            t.elapsed_ms
        );
    }
    println!(
        "split {split_s:.2} s, check {check_s:.2} s: {}",
        if checked.is_ok() {
            "every invariant holds".to_string()
        } else {
            let lines: Vec<String> = checked.violations.iter().map(ToString::to_string).collect();
            format!("{} violations:\n  {}", lines.len(), lines.join("\n  "))
        }
    );
}

fn main() {
    let mut lujiazui = Dataset::new(LevelConfig::default());
    for (file, layer) in [
        ("shanghai-lujiazui/buildings.geojson", InputLayer::Buildings),
        ("shanghai-lujiazui/landuse.geojson", InputLayer::Compounds),
        ("shanghai-lujiazui/roads.geojson", InputLayer::Streets),
    ] {
        lujiazui = import(lujiazui, file, layer);
    }
    let lujiazui = one_community(lujiazui, "310115001001", "陆家嘴");
    run("Shanghai Lujiazui", &lujiazui);

    let mut hangzhou = import(
        Dataset::new(LevelConfig::default()),
        "hangzhou/residential-compounds.geojson",
        InputLayer::Compounds,
    );
    let compounds = hangzhou.compounds.clone();
    for (next, compound) in (1..).zip(compounds.iter()) {
        let households = (area_m2(&compound.geometry) / 60.0).round().max(1.0) as u32;
        hangzhou.buildings.push(Building {
            id: next,
            source_id: None,
            name: None,
            compound: Some(compound.id),
            households,
            population: (f64::from(households) * 2.29).round() as u32,
            address: None,
            floors: 6,
            units: 0,
            height_m: None,
            estimated: true,
            geometry: compound.geometry.clone(),
        });
    }
    let hangzhou = one_community(hangzhou, "330102001001", "杭州城区");
    run("Hangzhou urban core", &hangzhou);
}
