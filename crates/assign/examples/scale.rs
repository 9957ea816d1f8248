//! Scale benchmark: generates a district of `--compounds N` compounds with wangge-demo (the builtin
//! Huashan-shaped settings scaled in code, as `wangge-partition`'s scale example does: ~11
//! compounds per community, chiefs × N / 267) and times `assign` on it, then a re-run with the
//! result as previous, then a re-run after one resident chief of the busiest community left.
//!
//! ```text
//! cargo run --release -p wangge-assign --example scale -- [--compounds 1100] [--per-community 11]
//!     [--chiefs C] [--seed S]
//! ```
//!
//! Lanshan (Linyi) is the reference: 102 communities, 1,105 compounds.

use std::time::Instant;

use wangge_assign::{AssignOptions, assign};
use wangge_core::ChiefLevel;
use wangge_demo::{DemoSettings, generate};

fn main() {
    let mut compounds: usize = 1100;
    let mut per_community: f64 = 11.0;
    let mut chiefs: Option<usize> = None;
    let mut options = AssignOptions::default();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || {
            args.next()
                .unwrap_or_else(|| fail(&format!("{arg} needs a value")))
        };
        match arg.as_str() {
            "--compounds" => compounds = number(&value()),
            "--per-community" => per_community = number(&value()),
            "--chiefs" => chiefs = Some(number(&value())),
            "--seed" => options.seed = number(&value()),
            "-h" | "--help" => {
                println!(
                    "usage: scale [--compounds 1100] [--per-community 11] [--chiefs C] [--seed S]"
                );
                return;
            }
            other => fail(&format!("unknown argument `{other}`")),
        }
    }
    let communities = ((compounds as f64 / per_community).round() as usize).max(1);
    let settings = scaled(compounds, communities, chiefs);
    let started = Instant::now();
    let mut data = generate(&settings);
    let households: u64 = data.buildings.iter().map(|b| u64::from(b.households)).sum();
    println!(
        "generate: {:.2} s — {} communities, {} compounds, {} buildings, {} street segments, {households} households, {} chiefs",
        started.elapsed().as_secs_f64(),
        data.zones.iter().filter(|z| z.level == "community").count(),
        data.compounds.len(),
        data.buildings.len(),
        data.streets.len(),
        data.chiefs.len()
    );

    let started = Instant::now();
    let first = assign(&data, &[], &options).unwrap_or_else(|e| fail(&e.to_string()));
    let first_s = started.elapsed().as_secs_f64();
    for l in &first.report.levels {
        println!(
            "  {:<12} {:>5} chiefs in {:>4} territories: {} within ±{:.0} % ({} oversized), max |dev| {:.1} %, worst max/min {}, {} in one piece ({} pieces more than the territories force), mean compactness {:.2}",
            l.level.as_str(),
            l.chiefs,
            l.territories,
            l.within_band,
            options.spread * 100.0,
            l.oversized,
            l.max_abs_deviation * 100.0,
            l.worst_spread
                .map_or("∞".to_string(), |s| format!("{s:.2}")),
            l.one_piece,
            l.extra_pieces,
            l.mean_compactness
        );
    }
    println!(
        "assign (fresh): {first_s:.3} s — {} assignments",
        first.assignments.len()
    );

    let started = Instant::now();
    let again =
        assign(&data, &first.assignments, &options).unwrap_or_else(|e| fail(&e.to_string()));
    println!(
        "assign (re-run, nothing changed): {:.3} s — {} moves",
        started.elapsed().as_secs_f64(),
        again.report.move_counts.total()
    );

    // One resident chief of the busiest territory leaves.
    let busiest = first
        .report
        .territories
        .iter()
        .filter(|t| t.level == ChiefLevel::Resident)
        .max_by_key(|t| t.chiefs)
        .map(|t| t.code.clone())
        .unwrap_or_default();
    let leaving = first
        .report
        .chiefs
        .iter()
        .find(|c| c.load.level == ChiefLevel::Resident && c.load.territory == busiest)
        .map(|c| c.load.chief);
    if let Some(id) = leaving {
        data.chiefs.retain(|c| c.id != id);
        let started = Instant::now();
        let after =
            assign(&data, &first.assignments, &options).unwrap_or_else(|e| fail(&e.to_string()));
        let m = &after.report.move_counts;
        println!(
            "assign (chief {id} of {busiest} left): {:.3} s — {} moves ({} chief left, {} rebalance)",
            started.elapsed().as_secs_f64(),
            m.total(),
            m.chief_left,
            m.rebalance
        );
    }
    let peak = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .map(|v| v.trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into());
    println!("peak RSS (VmHWM): {peak}");
}

/// The builtin settings scaled to `compounds` compounds in `communities` communities (as
/// wangge-partition's scale example scales them).
fn scaled(compounds: usize, communities: usize, chiefs: Option<usize>) -> DemoSettings {
    let mut s = DemoSettings::builtin();
    let f = compounds as f64 / s.compounds.count as f64;
    let scale = |x: usize| ((x as f64 * f).round() as usize).max(1);
    s.place.communities = communities;
    s.place.area_km2 *= f;
    s.people.residents = (f64::from(s.people.residents) * f).round() as u32;
    let c = &mut s.compounds;
    let full = ((c.full as f64 * f).round() as usize).min(compounds);
    let partial = ((c.partial as f64 * f).round() as usize).min(compounds - full);
    c.count = compounds;
    c.full = full;
    c.partial = partial;
    c.none = compounds - full - partial;
    s.chiefs.count = chiefs
        .unwrap_or_else(|| scale(s.chiefs.count))
        .max(communities + s.chiefs.subdistrict_level)
        .min(5_000);
    s.land.schools = scale(s.land.schools);
    s.land.markets = scale(s.land.markets);
    s.land.parks = scale(s.land.parks);
    s.land.hospitals = scale(s.land.hospitals);
    s
}

fn number<T: std::str::FromStr>(text: &str) -> T {
    text.parse()
        .unwrap_or_else(|_| fail(&format!("`{text}` is not a number")))
}

fn fail(message: &str) -> ! {
    eprintln!("scale: {message}");
    std::process::exit(2);
}
