//! Assigns the demo sub-district's buildings and streets to its 143 street chiefs and prints the
//! report, a re-run's moves and the chief areas of each level:
//! `cargo run --release -p wangge-assign --example demo [-- --json] [--seed S] [--spread F]`.

use std::time::Instant;

use wangge_assign::{AssignOptions, assign, chief_areas, chief_areas_on};
use wangge_core::ChiefLevel;

fn main() {
    let mut options = AssignOptions::default();
    let mut json = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--json" => json = true,
            "--seed" => {
                options.seed = args
                    .next()
                    .and_then(|s| s.parse().ok())
                    .unwrap_or_else(|| fail("--seed needs a number"))
            }
            "--spread" => {
                options.spread = args
                    .next()
                    .and_then(|s| s.parse().ok())
                    .unwrap_or_else(|| fail("--spread needs a fraction"))
            }
            other => fail(&format!("unknown argument `{other}`")),
        }
    }
    let data = wangge_demo::generate(&wangge_demo::DemoSettings::builtin());
    let started = Instant::now();
    let done = assign(&data, &[], &options).unwrap_or_else(|e| fail(&e.to_string()));
    let elapsed = started.elapsed().as_secs_f64() * 1000.0;
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&done.report).unwrap_or_else(|e| fail(&e.to_string()))
        );
        return;
    }
    print!("{}", done.report);
    let started = Instant::now();
    let again = assign(&data, &done.assignments, &options).unwrap_or_else(|e| fail(&e.to_string()));
    println!(
        "\nfirst run {elapsed:.0} ms; re-run with the result as previous: {:.0} ms, {} moves",
        started.elapsed().as_secs_f64() * 1000.0,
        again.report.move_counts.total()
    );
    for level in ChiefLevel::ALL {
        let started = Instant::now();
        let areas =
            chief_areas(&data, &done.assignments, *level).unwrap_or_else(|e| fail(&e.to_string()));
        let n = areas.len().max(1) as f64;
        println!(
            "chief areas ({}): {} in {:.0} ms, {} in one part, mean Polsby-Popper {:.2}",
            level.as_str(),
            areas.len(),
            started.elapsed().as_secs_f64() * 1000.0,
            areas.iter().filter(|a| a.parts == 1).count(),
            areas.iter().map(|a| a.polsby_popper).sum::<f64>() / n
        );
    }
    let started = Instant::now();
    let all = chief_areas_on(&data, &done.assignments, ChiefLevel::ALL)
        .unwrap_or_else(|e| fail(&e.to_string()));
    println!(
        "chief areas of every level at once (what the server's chiefs tiles draw): {} in {:.0} ms",
        all.len(),
        started.elapsed().as_secs_f64() * 1000.0
    );
}

fn fail(message: &str) -> ! {
    eprintln!("demo: {message}");
    std::process::exit(2);
}
