//! Arbitrary bytes through the GeoJSON importer over the sample dataset. The first byte chooses
//! the layer, repair and coordinate system ([`wangge_fuzz::geo_options`]); the rest is the file.
//! A refusal must name the file; an import must return data a store accepts.

#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use wangge_import::{NoProgress, import_reader};

fuzz_target!(|data: &[u8]| {
    let Some((&selector, file)) = data.split_first() else {
        return;
    };
    let options = wangge_fuzz::geo_options(selector);
    let existing = wangge_fuzz::sample();
    let name = "fuzz.geojson";
    match import_reader(Path::new(name), file, existing, &options, &NoProgress) {
        Ok(imported) => wangge_fuzz::check_imported(existing, &imported.data, "GeoJSON"),
        Err(e) => wangge_fuzz::check_refusal(name, &e.to_string()),
    }
});
