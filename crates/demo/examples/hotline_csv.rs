//! Writes made-up 12345 hotline work orders over the demo sub-district as CSV, for trying and
//! timing `wangge import --layer hotline`:
//! `cargo run -p wangge-demo --example hotline_csv -- orders.csv [count] [seed]` (10,000 orders
//! with seed 1 by default).

use std::error::Error;

use wangge_demo::{DemoSettings, generate, hotline};

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let out = args
        .next()
        .ok_or("usage: hotline_csv OUT.csv [count] [seed]")?;
    let count: usize = args.next().map_or(Ok(10_000), |a| a.parse())?;
    let seed: u64 = args.next().map_or(Ok(1), |a| a.parse())?;
    let data = generate(&DemoSettings::builtin());
    std::fs::write(&out, hotline::work_orders(&data, count, seed))?;
    eprintln!("wrote {count} work orders to {out}");
    Ok(())
}
