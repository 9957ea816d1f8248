//! What the fuzz targets share: the small dataset they run against, the options a leading byte
//! chooses, and the promises an importer's result must keep.
//!
//! A target fails (libFuzzer reports a crash and saves the input under `fuzz/artifacts/`) when
//! the code under test panics or when one of these checks does.

use std::sync::OnceLock;

use geo::CoordsIter;
use wangge_core::{Atlas, ChangeSet, Dataset};
use wangge_import::{Crs, ImportOptions, InputLayer};

/// The contract suite's sample: a sub-district, four communities, eight compounds (`C0`…`C7`)
/// with three buildings each (ids from 1000), three streets (`0号路`…`2号路`, ids from 500), two
/// chiefs (ids 1 and 2) with duties, and three partner departments.
pub fn sample() -> &'static Dataset {
    static SAMPLE: OnceLock<Dataset> = OnceLock::new();
    SAMPLE.get_or_init(wangge_store::contract::sample)
}

/// The sample, indexed.
pub fn sample_atlas() -> &'static Atlas {
    static ATLAS: OnceLock<Atlas> = OnceLock::new();
    ATLAS.get_or_init(|| Atlas::new(sample().clone()))
}

/// Import options from one byte: bits 0–2 the layer (0 and 5–7 inferred, 1 buildings, 2 streets,
/// 3 compounds, 4 communities), bit 3 repair, bits 4–5 the coordinate system (1 GCJ-02, 2 BD-09,
/// else WGS-84). So the digits `0`…`4` are the layers in WGS-84, `8` and `9` the same with repair.
pub fn geo_options(selector: u8) -> ImportOptions {
    let layer = match selector & 7 {
        1 => Some(InputLayer::Buildings),
        2 => Some(InputLayer::Streets),
        3 => Some(InputLayer::Compounds),
        4 => Some(InputLayer::Communities),
        _ => None,
    };
    let crs = match (selector >> 4) & 3 {
        1 => Crs::Gcj02,
        2 => Crs::Bd09,
        _ => Crs::Wgs84,
    };
    ImportOptions {
        layer,
        crs,
        repair: selector & 8 != 0,
        ..ImportOptions::default()
    }
}

/// Panics unless `data`, an importer's result over `before`, is what a store accepts: the
/// references hold (zone parents and levels, compounds, chiefs' communities, duties, partner
/// departments' streets, unique ids), every coordinate is a finite longitude/latitude, and the
/// diff to write and the atlas to serve can be made from it.
pub fn check_imported(before: &Dataset, data: &Dataset, what: &str) {
    if let Err(e) = data.check_references() {
        panic!("{what}: the import returned data a store refuses: {e}");
    }
    let coordinates = data
        .zones
        .iter()
        .flat_map(|z| z.geometry.coords_iter())
        .chain(data.compounds.iter().flat_map(|c| c.geometry.coords_iter()))
        .chain(data.buildings.iter().flat_map(|b| b.geometry.coords_iter()))
        .chain(data.streets.iter().flat_map(|s| s.geometry.coords_iter()));
    for c in coordinates {
        assert!(
            c.x.is_finite() && c.y.is_finite() && c.x.abs() <= 180.0 && c.y.abs() <= 90.0,
            "{what}: the import returned a coordinate outside longitude/latitude: {c:?}"
        );
    }
    let changes = ChangeSet::diff(before, data);
    let mut applied = before.clone();
    applied.apply(&changes);
    let _atlas = Atlas::new(applied);
}

/// Panics unless an importer's refusal names the file it was given, as every message must.
pub fn check_refusal(file: &str, message: &str) {
    assert!(
        message.starts_with(&format!("{file}: ")) && message.len() > file.len() + 2,
        "the refusal does not start with the file's name: {message}"
    );
}
