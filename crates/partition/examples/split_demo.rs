//! Splits the demo sub-district into secondary grids and prints the figures of the plan, measured
//! on the written grid outlines: `cargo run --release -p wangge-partition --example split_demo`.

use std::time::Instant;

use geo::{Area, Euclidean, Length};
use wangge_demo::{DemoSettings, generate};
use wangge_partition::{
    PartitionRequest, SplitOptions, UnitGraph, check, partition, planning_units, polsby_popper,
};

fn main() {
    let data = generate(&DemoSettings::builtin());

    let started = Instant::now();
    let units = planning_units(&data, "community").expect("the demo has communities");
    let graph = UnitGraph::build(&units, &data.streets);
    let units_ms = started.elapsed().as_secs_f64() * 1000.0;
    let mut worst: f64 = 0.0;
    for unit in &units.units {
        let metric = units.projection.polygons_to_metres(&unit.geometry);
        let perimeter: f64 = metric
            .0
            .iter()
            .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
            .map(|r| Euclidean.length(r))
            .sum();
        let shared: f64 = graph.neighbours(unit.id).map(|(_, e)| e.shared_m).sum();
        worst = worst.max(shared / perimeter);
    }
    println!(
        "units: {} units, {} edges in {units_ms:.0} ms; the most any unit shares is {:.3} of its perimeter",
        units.units.len(),
        graph.edges.len(),
        worst
    );

    for seed in [1, 2, 7] {
        let request = PartitionRequest {
            level: "secondary".into(),
            scope: None,
            options: SplitOptions {
                seed,
                ..SplitOptions::default()
            },
        };
        let started = Instant::now();
        let result = partition(&data, &request).expect("the demo has the levels");
        let split_ms = started.elapsed().as_secs_f64() * 1000.0;
        let t = &result.report.totals;
        // Polsby-Popper recomputed here from the written outlines, independently of the report.
        let projection = units.projection;
        let grids: Vec<_> = result
            .data
            .zones
            .iter()
            .filter(|z| z.level == "secondary")
            .collect();
        let pieces = grids.iter().filter(|z| z.geometry.0.len() != 1).count();
        let pp: f64 = grids
            .iter()
            .map(|z| {
                let m = projection.polygons_to_metres(&z.geometry);
                let perimeter: f64 =
                    m.0.iter()
                        .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
                        .map(|r| Euclidean.length(r))
                        .sum();
                polsby_popper(m.unsigned_area(), perimeter)
            })
            .sum::<f64>()
            / grids.len() as f64;
        let least_street = result
            .report
            .grids
            .iter()
            .map(|g| g.street_share)
            .fold(f64::INFINITY, f64::min);
        let checked = check(&result.data);
        println!(
            "seed {seed}: {} grids ({} within bounds, {} not one polygon), households {}–{}, mean Polsby-Popper {:.3} (report {:.3}), mean street share {:.4} (least {:.4}); units+graph+split {split_ms:.0} ms (report {:.0} ms); check: {}",
            t.grids,
            t.within_bounds,
            pieces,
            t.households_min,
            t.households_max,
            pp,
            t.mean_polsby_popper,
            t.mean_street_share,
            least_street,
            t.elapsed_ms,
            if checked.is_ok() {
                "ok".to_string()
            } else {
                format!("{} violations", checked.violations.len())
            }
        );
    }
}
