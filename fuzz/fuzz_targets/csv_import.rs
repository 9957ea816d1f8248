//! Arbitrary bytes through each CSV importer over the sample dataset. The first byte chooses the
//! importer: `h` household register, `r` street-chief roster, `p` partner departments, `w` 12345
//! work orders, `k` key sites, `v` vulnerable households (any other byte: its value modulo 6, in
//! that order); the rest is the file. A refusal must name the file; what is read must be what a
//! store accepts.

#![no_main]

use std::collections::HashSet;
use std::path::Path;

use libfuzzer_sys::fuzz_target;
use wangge_core::KeyPlace;
use wangge_import::{
    HotlineOptions, ImportOptions, InputLayer, NoProgress, import_reader, read_hotline_from,
    read_key_sites_from, read_vulnerable_from,
};

/// "Now" for work orders: 2026-09-21 (UTC), a fixed instant so that a run repeats.
const NOW_MS: i64 = 1_790_000_000_000;
const DAY_MS: i64 = 24 * 3600 * 1000;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, file)) = data.split_first() else {
        return;
    };
    let kind = match selector {
        b'h' => 0,
        b'r' => 1,
        b'p' => 2,
        b'w' => 3,
        b'k' => 4,
        b'v' => 5,
        other => other % 6,
    };
    let existing = wangge_fuzz::sample();
    let name = "fuzz.csv";
    let path = Path::new(name);
    let layer = match kind {
        0 => InputLayer::Households,
        1 => InputLayer::Chiefs,
        2 => InputLayer::Partners,
        3 => {
            let options = HotlineOptions {
                skip_unlocated: selector & 0x80 != 0,
                now_ms: NOW_MS,
                ..HotlineOptions::default()
            };
            match read_hotline_from(path, file, wangge_fuzz::sample_atlas(), &options) {
                Ok(read) => {
                    let mut orders = HashSet::new();
                    for p in &read.problems {
                        assert!(
                            p.lon.is_finite() && p.lat.is_finite(),
                            "a work order at no place: {p:?}"
                        );
                        assert!(
                            p.reported_at_ms <= NOW_MS + DAY_MS,
                            "a work order from the future: {p:?}"
                        );
                        assert!(p.deadline_ms > p.reported_at_ms, "no time to act: {p:?}");
                        let order = p.order_no.as_deref().expect("a work order has its number");
                        assert!(orders.insert(order), "work order {order} read twice");
                    }
                }
                Err(e) => wangge_fuzz::check_refusal(name, &e.to_string()),
            }
            return;
        }
        4 => {
            match read_key_sites_from(path, file, existing) {
                Ok(sites) => {
                    for site in &sites {
                        let known = match site.place {
                            KeyPlace::Compound(id) => existing.compounds.iter().any(|c| c.id == id),
                            KeyPlace::Building(id) => existing.buildings.iter().any(|b| b.id == id),
                        };
                        assert!(known, "a key site that is not in the data: {site:?}");
                    }
                }
                Err(e) => wangge_fuzz::check_refusal(name, &e.to_string()),
            }
            return;
        }
        _ => {
            match read_vulnerable_from(path, file, existing) {
                Ok(households) => {
                    for h in &households {
                        assert!(
                            existing.buildings.iter().any(|b| b.id == h.building),
                            "a household in building {} that is not in the data",
                            h.building
                        );
                    }
                }
                Err(e) => wangge_fuzz::check_refusal(name, &e.to_string()),
            }
            return;
        }
    };
    let options = ImportOptions {
        layer: Some(layer),
        ..ImportOptions::default()
    };
    match import_reader(path, file, existing, &options, &NoProgress) {
        Ok(imported) => wangge_fuzz::check_imported(existing, &imported.data, layer.as_str()),
        Err(e) => wangge_fuzz::check_refusal(name, &e.to_string()),
    }
});
