//! Scale benchmark: generates a sub-district of `--compounds N` compounds with wangge-demo (the
//! builtin settings scaled in code) and times every stage of an end-to-end split into secondary
//! grids: generation, planning units, unit graph, `partition` (default options unless given) and
//! `check`.
//!
//! ```text
//! cargo run --release -p wangge-partition --example scale -- --compounds 1100 [--communities C]
//!     [--per-community 11] [--seed S] [--skip-check] [--split-seed S] [--recom-steps N]
//!     [--tree-tries N]
//! ```
//!
//! `tests/bench/partition-scale.sh` runs it for a Lanshan-sized district (1,100 compounds) and a
//! megacity-sized one under `/usr/bin/time -v` for the peak memory; the example also prints its
//! own peak resident set (VmHWM from /proc/self/status).
//!
//! Scaling from the builtin (Huashan-shaped) settings, factor f = N / 267: communities ≈ N / 11
//! (Lanshan: ~1,100 compounds in ~100 communities), area and residents × f (the demo's densities),
//! management counts in the demo's proportions (adding up to N), chiefs × f (at most 5,000, at
//! least one per community + the sub-district's), schools, markets, parks and hospitals × f. The
//! settings are run through `DemoSettings::validate` and its objection, if any, is printed; the
//! generator itself does not require valid settings, so the run goes on. Its street planner
//! stops after 1,000 collector-street splits, so no run gets more than about 1,004 communities
//! (50,000 compounds ask for 4,545).
//!
//! Besides the times, it says which grids are out of bounds and whether that was forced (a
//! connected piece of a community whose households fit no count of grids within the bounds), and
//! for a grid `check` finds in several pieces, the pieces' areas.

use std::collections::HashMap;
use std::time::Instant;

use geo::{Area, BoundingRect, MultiPolygon};
use wangge_core::Id;
use wangge_demo::{DemoSettings, generate};
use wangge_partition::{
    Bounds, LocalProjection, PartitionRequest, SplitOptions, UnitGraph, UnitKind, Violation, check,
    partition, planning_units,
};

fn main() {
    let mut compounds: usize = 1100;
    let mut communities: Option<usize> = None;
    let mut per_community: f64 = 11.0;
    let mut seed: Option<u64> = None;
    let mut run_check = true;
    let mut options = SplitOptions::default();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || {
            args.next()
                .unwrap_or_else(|| fail(&format!("{arg} needs a value")))
        };
        match arg.as_str() {
            "--compounds" => compounds = number(&value()),
            "--communities" => communities = Some(number(&value())),
            "--per-community" => per_community = number(&value()),
            "--seed" => seed = Some(number(&value())),
            "--skip-check" => run_check = false,
            "--split-seed" => options.seed = number(&value()),
            "--recom-steps" => options.recom_steps = number(&value()),
            "--tree-tries" => options.tree_tries = number(&value()),
            "-h" | "--help" => {
                println!(
                    "usage: scale [--compounds N] [--communities C] [--per-community 11] [--seed S] [--skip-check] [--split-seed S] [--recom-steps N] [--tree-tries N]"
                );
                return;
            }
            other => fail(&format!("unknown argument `{other}`")),
        }
    }
    if compounds == 0 {
        fail("--compounds must be positive");
    }
    let communities =
        communities.unwrap_or(((compounds as f64 / per_community).round() as usize).max(1));
    let settings = scaled(compounds, communities, seed);
    let s = &settings;
    println!(
        "settings: {} compounds ({} full, {} partial, {} none), {} communities, {:.1} km², {} residents, {} chiefs, {} schools, {} markets, {} parks, {} hospitals",
        s.compounds.count,
        s.compounds.full,
        s.compounds.partial,
        s.compounds.none,
        s.place.communities,
        s.place.area_km2,
        s.people.residents,
        s.chiefs.count,
        s.land.schools,
        s.land.markets,
        s.land.parks,
        s.land.hospitals
    );
    if let Err(e) = settings.validate() {
        println!("note: DemoSettings::validate rejects these settings ({e}); generating anyway");
    }

    let started = Instant::now();
    let data = generate(&settings);
    let generate_s = secs(started);
    let households: u64 = data.buildings.iter().map(|b| u64::from(b.households)).sum();
    let made_communities = data.zones.iter().filter(|z| z.level == "community").count();
    println!(
        "generate: {generate_s:.2} s — {households} households, {made_communities} communities, {} compounds, {} buildings, {} street segments",
        data.compounds.len(),
        data.buildings.len(),
        data.streets.len()
    );

    let started = Instant::now();
    let units = planning_units(&data, "community").expect("the dataset has a community level");
    let units_s = secs(started);
    println!(
        "planning_units: {units_s:.2} s — {} units ({} compounds, {} blocks, {} cells), {} problem(s)",
        units.units.len(),
        units.count(UnitKind::Compound),
        units.count(UnitKind::Block),
        units.count(UnitKind::Cell),
        units.problems.len()
    );

    let started = Instant::now();
    let graph = UnitGraph::build(&units, &data.streets);
    let graph_s = secs(started);
    println!(
        "UnitGraph::build: {graph_s:.2} s — {} edges",
        graph.edges.len()
    );
    // The connected pieces of each community, as the splitter sees them (units above the maximum
    // are grids of their own; the rest of a community may fall apart into pieces, each split
    // alone): a piece whose households fit no count of grids within the bounds forces a grid
    // out of bounds.
    let bounds = options.bounds;
    let mut piece_totals: HashMap<Id, Vec<u64>> = HashMap::new();
    let mut seen = vec![false; units.units.len()];
    for start in &units.units {
        if seen[start.id] || start.households > bounds.max {
            continue;
        }
        seen[start.id] = true;
        let (mut stack, mut total) = (vec![start.id], 0);
        while let Some(u) = stack.pop() {
            total += units.units[u].households;
            for (v, _) in graph.neighbours(u) {
                let unit = &units.units[v];
                if !seen[v] && unit.community == start.community && unit.households <= bounds.max {
                    seen[v] = true;
                    stack.push(v);
                }
            }
        }
        piece_totals.entry(start.community).or_default().push(total);
    }
    let split = piece_totals.values().filter(|p| p.len() > 1).count();
    let unfit = piece_totals
        .values()
        .filter(|p| p.iter().any(|&t| !fits(t, bounds)))
        .count();
    println!(
        "  {split} of {} communities fall apart into several pieces in the unit graph; {unfit} have a piece whose households fit no count of grids within {}–{}",
        piece_totals.len(),
        bounds.min,
        bounds.max
    );
    drop(graph);
    drop(units);

    let request = PartitionRequest {
        level: "secondary".into(),
        scope: None,
        options,
    };
    let started = Instant::now();
    let result = partition(&data, &request).expect("the dataset has the default levels");
    let partition_s = secs(started);
    let t = &result.report.totals;
    println!(
        "partition: {partition_s:.2} s (its own planning units and graph included; seed {}, {} ReCom steps, {} tree tries) — {} grids, {} within bounds, {} single oversized compound(s), {} connected; households {}–{}, mean |dev| {:.1}; mean Polsby-Popper {:.3}; mean street share {:.1}%",
        request.options.seed,
        request.options.recom_steps,
        request.options.tree_tries,
        t.grids,
        t.within_bounds,
        t.oversized_units,
        t.connected,
        t.households_min,
        t.households_max,
        t.mean_abs_deviation,
        t.mean_polsby_popper,
        t.mean_street_share * 100.0
    );
    let out_of_bounds: Vec<u64> = result
        .report
        .grids
        .iter()
        .filter(|g| !g.within_bounds && !g.oversized_unit)
        .map(|g| g.households)
        .collect();
    if !out_of_bounds.is_empty() {
        // Is it forced? Grid → primary grid (its parent) → community, and that community's
        // pieces: one that fits no count of grids within the bounds forces a grid out of them.
        let zone_by_code: HashMap<&str, &wangge_core::Zone> = result
            .data
            .zones
            .iter()
            .map(|z| (z.code.as_str(), z))
            .collect();
        let community_of = |parent: &str| -> Option<Id> {
            let mut at = zone_by_code.get(parent).copied();
            for _ in 0..8 {
                let zone = at?;
                if zone.level == "community" {
                    return Some(zone.id);
                }
                at = zone
                    .parent
                    .and_then(|p| result.data.zones.iter().find(|z| z.id == p));
            }
            None
        };
        let forced_in = |parent: &str| {
            community_of(parent)
                .and_then(|c| piece_totals.get(&c))
                .is_some_and(|p| p.iter().any(|&t| !fits(t, bounds)))
        };
        let bad: Vec<_> = result
            .report
            .grids
            .iter()
            .filter(|g| !g.within_bounds && !g.oversized_unit)
            .collect();
        let forced = bad.iter().filter(|g| forced_in(&g.parent)).count();
        println!(
            "  grids out of bounds that are not a single oversized compound: {} (households {:?}); {forced} of them lie in a community with a piece whose households fit no count of grids within the bounds",
            out_of_bounds.len(),
            &out_of_bounds[..out_of_bounds.len().min(20)]
        );
        let mut unforced: Vec<&str> = bad
            .iter()
            .map(|g| g.parent.as_str())
            .filter(|p| !forced_in(p))
            .collect();
        unforced.dedup();
        for parent in unforced.iter().take(10) {
            let sizes: Vec<(u64, usize)> = result
                .report
                .grids
                .iter()
                .filter(|g| g.parent == *parent)
                .map(|g| (g.households, g.units))
                .collect();
            let pieces = community_of(parent).and_then(|c| piece_totals.get(&c));
            println!(
                "  not forced: parent {parent}, pieces' households {pieces:?}, grids (households, units): {sizes:?}"
            );
        }
    }

    let (check_s, violations, notes) = if run_check {
        let started = Instant::now();
        let checked = check(&result.data);
        let check_s = secs(started);
        println!(
            "check: {check_s:.2} s — {} violation(s), {} note(s)",
            checked.violations.len(),
            checked.notes.len()
        );
        for v in checked.violations.iter().take(10) {
            println!("  violation: {v}");
            // A grid in several pieces: how large each piece is, and what the report said.
            if let Violation::Disconnected { zone, .. } = v
                && let Some(z) = result.data.zones.iter().find(|z| &z.code == zone)
            {
                let projection = LocalProjection::around(
                    z.geometry.bounding_rect().expect("a zone has an outline"),
                );
                let parts: Vec<String> = z
                    .geometry
                    .0
                    .iter()
                    .map(|p| {
                        let m = projection.polygons_to_metres(&MultiPolygon(vec![p.clone()]));
                        format!("{:.1} m² / {:.1} m", m.unsigned_area(), ring_length(&m))
                    })
                    .collect();
                let report = result.report.grids.iter().find(|g| &g.code == zone);
                println!(
                    "    its outline's parts (area / perimeter): {parts:?}; report: {} units, connected in the unit graph: {:?}",
                    report.map_or(0, |g| g.units),
                    report.map(|g| g.connected)
                );
            }
        }
        (check_s, checked.violations.len(), checked.notes.len())
    } else {
        (f64::NAN, 0, 0)
    };

    let peak = peak_rss_kib();
    println!(
        "peak RSS (VmHWM): {}",
        peak.map_or("unknown".into(), |k| format!(
            "{:.0} MiB",
            k as f64 / 1024.0
        ))
    );
    println!(
        "SUMMARY compounds={} communities={} households={} buildings={} units={} grids={} within_bounds={} oversized={} connected={} mean_pp={:.3} generate_s={generate_s:.3} units_s={units_s:.3} graph_s={graph_s:.3} partition_s={partition_s:.3} check_s={check_s:.3} violations={violations} notes={notes} vmhwm_kib={}",
        data.compounds.len(),
        made_communities,
        households,
        data.buildings.len(),
        result.report.grids.iter().map(|g| g.units).sum::<usize>(),
        t.grids,
        t.within_bounds,
        t.oversized_units,
        t.connected,
        t.mean_polsby_popper,
        peak.unwrap_or(0)
    );
}

/// The builtin settings scaled to `compounds` compounds in `communities` communities.
fn scaled(compounds: usize, communities: usize, seed: Option<u64>) -> DemoSettings {
    let mut s = DemoSettings::builtin();
    let base = s.compounds.count as f64;
    let f = compounds as f64 / base;
    let scale = |x: usize| ((x as f64 * f).round() as usize).max(1);
    if let Some(seed) = seed {
        s.seed = seed;
    }
    s.place.communities = communities;
    s.place.area_km2 *= f;
    s.people.residents = (f64::from(s.people.residents) * f).round() as u32;
    // Management in the demo's proportions, adding up exactly.
    let c = &mut s.compounds;
    let full = ((c.full as f64 * f).round() as usize).min(compounds);
    let partial = ((c.partial as f64 * f).round() as usize).min(compounds - full);
    c.count = compounds;
    c.full = full;
    c.partial = partial;
    c.none = compounds - full - partial;
    let chiefs = scale(s.chiefs.count)
        .max(communities + s.chiefs.subdistrict_level)
        .min(5_000);
    s.chiefs.count = chiefs;
    s.land.schools = scale(s.land.schools);
    s.land.markets = scale(s.land.markets);
    s.land.parks = scale(s.land.parks);
    s.land.hospitals = scale(s.land.hospitals);
    s
}

/// The process's peak resident set in KiB, from /proc/self/status (Linux).
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
}

/// True when `total` households can make some count k of grids within the bounds
/// (k × min ≤ total ≤ k × max).
fn fits(total: u64, bounds: Bounds) -> bool {
    (1..=total / bounds.min.max(1) + 1).any(|k| k * bounds.min <= total && total <= k * bounds.max)
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

fn secs(started: Instant) -> f64 {
    started.elapsed().as_secs_f64()
}

fn number<T: std::str::FromStr>(text: &str) -> T {
    text.parse()
        .unwrap_or_else(|_| fail(&format!("`{text}` is not a number")))
}

fn fail(message: &str) -> ! {
    eprintln!("scale: {message}");
    std::process::exit(2);
}
