//! The integration tests of `wangge-tiles`, one binary: golden tiles of the demo sub-district,
//! property tests of the geometry pipeline and the tile maths, an edit reaching its tile, tile
//! sizes over small and large datasets, and the static map.

mod edits;
mod golden;
mod properties;
mod render;
mod sizes;

use std::collections::BTreeMap;
use std::sync::OnceLock;

use geo::{BoundingRect, Geometry, Rect, coord};
use mvt_reader::feature::{Feature, Value};
use wangge_core::{Atlas, Dataset};
use wangge_demo::{DemoSettings, generate};

/// The demo sub-district, generated once for all tests (it is deterministic).
pub fn demo() -> &'static Atlas {
    static DEMO: OnceLock<Atlas> = OnceLock::new();
    DEMO.get_or_init(|| Atlas::new(demo_data()))
}

/// The demo dataset itself, for tests that change it.
pub fn demo_data() -> Dataset {
    generate(&DemoSettings::builtin())
}

/// The box around the demo's compounds: the sub-district without the (larger) district outline.
pub fn compounds_extent(data: &Dataset) -> Rect<f64> {
    data.compounds
        .iter()
        .filter_map(|c| c.geometry.bounding_rect())
        .reduce(|a, b| {
            Rect::new(
                coord! { x: a.min().x.min(b.min().x), y: a.min().y.min(b.min().y) },
                coord! { x: a.max().x.max(b.max().x), y: a.max().y.max(b.max().y) },
            )
        })
        .expect("the dataset has compounds")
}

/// One decoded MVT layer: its name and features with integer coordinates.
#[derive(Debug)]
pub struct DecodedLayer {
    pub name: String,
    pub extent: u32,
    pub features: Vec<Feature<i32>>,
}

/// Decodes a tile with mvt-reader, an independent decoder.
pub fn decode(bytes: &[u8]) -> Vec<DecodedLayer> {
    let reader = mvt_reader::Reader::new(bytes.to_vec()).expect("the tile decodes");
    reader
        .get_layer_metadata()
        .expect("layer metadata")
        .into_iter()
        .map(|meta| DecodedLayer {
            features: reader
                .get_features_as::<i32>(meta.layer_index)
                .expect("features decode"),
            name: meta.name,
            extent: meta.extent,
        })
        .collect()
}

/// The layer named `name`, which must be present.
pub fn layer<'a>(layers: &'a [DecodedLayer], name: &str) -> &'a DecodedLayer {
    layers
        .iter()
        .find(|l| l.name == name)
        .unwrap_or_else(|| panic!("the tile has no `{name}` layer"))
}

/// A feature's properties, sorted by key.
pub fn properties(feature: &Feature<i32>) -> BTreeMap<String, Value> {
    feature
        .properties
        .clone()
        .unwrap_or_default()
        .into_iter()
        .collect()
}

/// A string property of a feature.
pub fn string(feature: &Feature<i32>, key: &str) -> Option<String> {
    match feature.properties.as_ref()?.get(key)? {
        Value::String(s) => Some(s.clone()),
        _ => None,
    }
}

/// Every coordinate of a decoded geometry.
pub fn coords(geometry: &Geometry<i32>) -> Vec<geo::Coord<i32>> {
    use geo::CoordsIter;
    geometry.coords_iter().collect()
}
