//! Exports the planning units and unit graph of the community level as JSON for the Python
//! side-by-side benchmark (`tests/bench/partition-vs-gerrychain.py`), and in the same run times
//! wangge's own `partition` on the same data and targets and writes its plan (the grid of every
//! unit) and its report next to them, so the comparison reads everything from one file.
//!
//! ```text
//! cargo run --release -p wangge-partition --example export_units -- \
//!     [--out tests/artifacts/partition-units.json] [--seed 1] [--min 300] [--max 500] \
//!     [--settings data/demo.toml] [--repeat 5]
//! ```
//!
//! Areas, perimeters and centroids are taken in the units' local metric projection
//! (`units.projection.polygons_to_metres`); the perimeter is the length of every ring, the same
//! figure the splitter scores with. Wangge's plan is read back from the grid outlines it wrote:
//! each unit goes to the grid of its community that holds the unit's interior point (grids are
//! unions of units, so exactly one does); the households and unit counts per grid are checked
//! against wangge's report. `partition` is run `--repeat` times (same seed, same plan) and the
//! median wall time is the figure; every time is written too.

use std::collections::HashMap;
use std::time::Instant;

use geo::{Area, Centroid, Contains, Distance, Euclidean, InteriorPoint, MultiPolygon, Point};
use serde_json::json;
use wangge_core::Id;
use wangge_demo::{DemoSettings, generate};
use wangge_partition::{
    Bounds, PartitionRequest, SplitOptions, UnitGraph, partition, planning_units,
};

fn main() {
    let mut out = String::from("tests/artifacts/partition-units.json");
    let mut options = SplitOptions::default();
    let mut settings_path: Option<String> = None;
    let mut repeat: usize = 5;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || {
            args.next()
                .unwrap_or_else(|| fail(&format!("{arg} needs a value")))
        };
        match arg.as_str() {
            "--out" => out = value(),
            "--seed" => options.seed = number(&value()),
            "--min" => options.bounds.min = number(&value()),
            "--max" => options.bounds.max = number(&value()),
            "--settings" => settings_path = Some(value()),
            "--repeat" => repeat = number(&value()),
            "-h" | "--help" => {
                println!(
                    "usage: export_units [--out PATH] [--seed N] [--min N] [--max N] [--settings TOML] [--repeat N]"
                );
                return;
            }
            other => fail(&format!("unknown argument `{other}`")),
        }
    }
    let settings = match &settings_path {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .unwrap_or_else(|e| fail(&format!("cannot read {path}: {e}")));
            DemoSettings::from_toml(&text).unwrap_or_else(|e| fail(&format!("{path}: {e}")))
        }
        None => DemoSettings::builtin(),
    };

    let started = Instant::now();
    let data = generate(&settings);
    let generate_ms = ms(started);

    let started = Instant::now();
    let units = planning_units(&data, "community").expect("the dataset has a community level");
    let units_ms = ms(started);
    let started = Instant::now();
    let graph = UnitGraph::build(&units, &data.streets);
    let graph_ms = ms(started);

    // Wangge's own run on the same data and targets: units, graph, search and outlines.
    let request = PartitionRequest {
        level: "secondary".into(),
        scope: None,
        options,
    };
    // Timed `repeat` times (the plan is the same each time: same seed); the median is the figure.
    let mut times = Vec::with_capacity(repeat);
    let mut result = None;
    for _ in 0..repeat.max(1) {
        let started = Instant::now();
        let run = partition(&data, &request).expect("the dataset has the default levels");
        times.push(ms(started));
        result = Some(run);
    }
    let result = result.expect("partition ran at least once");
    let mut sorted = times.clone();
    sorted.sort_by(f64::total_cmp);
    let partition_ms = sorted[sorted.len() / 2];

    let projection = units.projection;
    let metric: Vec<MultiPolygon<f64>> = units
        .units
        .iter()
        .map(|u| projection.polygons_to_metres(&u.geometry))
        .collect();

    // Communities: id → code and name.
    let communities: Vec<_> = data
        .zones
        .iter()
        .filter(|z| z.level == units.community_level)
        .collect();

    // The grids, each with the community it lies in (grid → primary grid → community).
    let parent_of: HashMap<Id, Option<Id>> =
        result.data.zones.iter().map(|z| (z.id, z.parent)).collect();
    let grids: Vec<_> = result
        .data
        .zones
        .iter()
        .filter(|z| z.level == request.level)
        .collect();
    let community_ids: Vec<Id> = communities.iter().map(|z| z.id).collect();
    let grid_community: Vec<Option<Id>> = grids
        .iter()
        .map(|g| {
            // Walk up until a community is reached.
            let mut at = g.parent;
            for _ in 0..8 {
                match at {
                    Some(id) if community_ids.contains(&id) => return Some(id),
                    Some(id) => at = parent_of.get(&id).copied().flatten(),
                    None => return None,
                }
            }
            None
        })
        .collect();
    let grid_metric: Vec<MultiPolygon<f64>> = grids
        .iter()
        .map(|g| projection.polygons_to_metres(&g.geometry))
        .collect();
    let mut grids_of_community: HashMap<Id, Vec<usize>> = HashMap::new();
    for (g, c) in grid_community.iter().enumerate() {
        if let Some(c) = c {
            grids_of_community.entry(*c).or_default().push(g);
        }
    }

    // Each unit to the grid of its community holding its interior point.
    let mut fallbacks = 0_usize;
    let mut grid_of_unit: Vec<Option<usize>> = Vec::with_capacity(units.units.len());
    for (unit, shape) in units.units.iter().zip(&metric) {
        let candidates = grids_of_community
            .get(&unit.community)
            .map_or(&[][..], Vec::as_slice);
        let Some(point) = shape.interior_point() else {
            grid_of_unit.push(None);
            continue;
        };
        let inside: Vec<usize> = candidates
            .iter()
            .copied()
            .filter(|&g| grid_metric[g].contains(&point))
            .collect();
        if inside.len() == 1 {
            grid_of_unit.push(Some(inside[0]));
            continue;
        }
        // On a boundary or outside every outline (float noise): the nearest grid.
        fallbacks += 1;
        let nearest = candidates.iter().copied().min_by(|&a, &b| {
            distance(&grid_metric[a], point).total_cmp(&distance(&grid_metric[b], point))
        });
        grid_of_unit.push(nearest);
    }

    // Check the read-back plan against the report: households and unit counts per grid.
    let reports: HashMap<&str, _> = result
        .report
        .grids
        .iter()
        .map(|g| (g.code.as_str(), g))
        .collect();
    let mut households = vec![0_u64; grids.len()];
    let mut unit_counts = vec![0_usize; grids.len()];
    for (unit, g) in units.units.iter().zip(&grid_of_unit) {
        if let Some(g) = g {
            households[*g] += unit.households;
            unit_counts[*g] += 1;
        }
    }
    let mut mismatched = Vec::new();
    let grid_json: Vec<_> = grids
        .iter()
        .enumerate()
        .map(|(g, zone)| {
            let report = reports.get(zone.code.as_str());
            if report.is_none_or(|r| r.households != households[g] || r.units != unit_counts[g]) {
                mismatched.push(zone.code.clone());
            }
            let outline = &grid_metric[g];
            let rings = |f: fn(&geo::Polygon<f64>) -> Vec<&geo::LineString<f64>>| -> f64 {
                outline
                    .0
                    .iter()
                    .flat_map(f)
                    .flat_map(|r| r.lines())
                    .map(|l| (l.end.x - l.start.x).hypot(l.end.y - l.start.y))
                    .sum()
            };
            json!({
                "index": g,
                "code": zone.code,
                "outline": {
                    "parts": outline.0.len(),
                    "holes": outline.0.iter().map(|p| p.interiors().len()).sum::<usize>(),
                    "area_m2": outline.unsigned_area(),
                    "exterior_m": rings(|p| vec![p.exterior()]),
                    "holes_m": rings(|p| p.interiors().iter().collect()),
                },
                "community": grid_community[g],
                "households": households[g],
                "units": unit_counts[g],
                "report": report,
            })
        })
        .collect();
    let unassigned = grid_of_unit.iter().filter(|g| g.is_none()).count();

    let unit_json: Vec<_> = units
        .units
        .iter()
        .zip(&metric)
        .map(|(u, m)| {
            let c = m.centroid().unwrap_or(Point::new(0.0, 0.0));
            json!({
                "id": u.id,
                "community": u.community,
                "kind": u.kind.as_str(),
                "households": u.households,
                "area_m2": m.unsigned_area(),
                "perimeter_m": ring_length(m),
                "x": c.x(),
                "y": c.y(),
            })
        })
        .collect();
    let edge_json: Vec<_> = graph
        .edges
        .iter()
        .map(|e| json!({"a": e.a, "b": e.b, "shared_m": e.shared_m, "street_m": e.on_street_m}))
        .collect();
    let community_json: Vec<_> = communities
        .iter()
        .map(|z| json!({"id": z.id, "code": z.code, "name": z.name}))
        .collect();

    let Bounds { min, max } = options.bounds;
    let doc = json!({
        "dataset": settings_path.as_deref().unwrap_or("demo (builtin settings, data/demo.toml)"),
        "community_level": units.community_level,
        "bounds": {"min": min, "max": max},
        "seed": options.seed,
        "options": options,
        "counts": {
            "communities": communities.len(),
            "compounds": data.compounds.len(),
            "buildings": data.buildings.len(),
            "households": units.units.iter().map(|u| u.households).sum::<u64>(),
            "units": units.units.len(),
            "edges": graph.edges.len(),
        },
        "timing_ms": {
            "generate": generate_ms,
            "planning_units": units_ms,
            "unit_graph": graph_ms,
        },
        "communities": community_json,
        "units": unit_json,
        "edges": edge_json,
        "wangge": {
            "elapsed_ms": partition_ms,
            "elapsed_ms_runs": times,
            "report_elapsed_ms": result.report.totals.elapsed_ms,
            "grid_of_unit": grid_of_unit,
            "grids": grid_json,
            "totals": result.report.totals,
            "problems": result.report.problems,
            "read_back": {
                "interior_point_fallbacks": fallbacks,
                "unassigned_units": unassigned,
                "grids_not_matching_report": mismatched,
            },
        },
    });
    if let Some(dir) = std::path::Path::new(&out).parent()
        && !dir.as_os_str().is_empty()
    {
        std::fs::create_dir_all(dir)
            .unwrap_or_else(|e| fail(&format!("cannot create {dir:?}: {e}")));
    }
    let text = serde_json::to_string(&doc).expect("plain JSON values");
    std::fs::write(&out, text).unwrap_or_else(|e| fail(&format!("cannot write {out}: {e}")));

    let t = &result.report.totals;
    println!(
        "exported {} units, {} edges of {} communities to {out}",
        units.units.len(),
        graph.edges.len(),
        communities.len()
    );
    println!(
        "wangge partition: {:.1} ms wall, median of {} run(s) {:?} ({:.1} ms report), of which about {:.1} ms planning units + {:.1} ms graph (measured apart); {} grids, {} within bounds, {} connected, mean PP {:.3} (outlines)",
        partition_ms,
        times.len(),
        times.iter().map(|t| t.round()).collect::<Vec<_>>(),
        t.elapsed_ms,
        units_ms,
        graph_ms,
        t.grids,
        t.within_bounds,
        t.connected,
        t.mean_polsby_popper
    );
    println!(
        "read-back of wangge's plan: {fallbacks} interior-point fallback(s), {unassigned} unassigned unit(s), {} grid(s) not matching the report",
        mismatched.len()
    );
    if unassigned > 0 || !mismatched.is_empty() {
        eprintln!("the read-back plan does not match wangge's report: {mismatched:?}");
        std::process::exit(1);
    }
}

fn distance(shape: &MultiPolygon<f64>, point: Point<f64>) -> f64 {
    Euclidean.distance(shape, &point)
}

/// The length of every ring (exterior and holes), m.
fn ring_length(shape: &MultiPolygon<f64>) -> f64 {
    shape
        .0
        .iter()
        .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
        .flat_map(|ring| ring.lines())
        .map(|l| (l.end.x - l.start.x).hypot(l.end.y - l.start.y))
        .sum()
}

fn ms(started: Instant) -> f64 {
    started.elapsed().as_secs_f64() * 1000.0
}

fn number<T: std::str::FromStr>(text: &str) -> T {
    text.parse()
        .unwrap_or_else(|_| fail(&format!("`{text}` is not a number")))
}

fn fail(message: &str) -> ! {
    eprintln!("export_units: {message}");
    std::process::exit(2);
}
