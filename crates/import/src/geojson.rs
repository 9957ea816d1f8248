//! GeoJSON (RFC 7946) input: a FeatureCollection, a single Feature or a bare Geometry.
//!
//! Coordinates are taken as written (a third value, the height, is dropped) so that the shared
//! checks in [`crate::validate`] see unclosed rings and repeated points before anything closes or
//! cleans them silently.

use geojson::{Feature, GeoJson, GeometryValue, Position, feature::Id};

use crate::Progress;
use crate::error::{ImportError, Result};
use crate::features::{Builder, Shape, SourceFeature, label};
use crate::fields::text_of;
use crate::validate;

/// Reads a GeoJSON file's bytes into the builder.
pub(crate) fn read(bytes: &[u8], builder: &mut Builder, progress: &dyn Progress) -> Result<()> {
    let file = builder.file().to_string();
    let features = parse(bytes, &file)?;
    progress.begin(&format!("reading {file}"), Some(features.len() as u64));
    for (index, feature) in features.into_iter().enumerate() {
        builder.add(source_feature(index, feature))?;
        progress.advance(1);
    }
    progress.finish();
    Ok(())
}

/// Parses the text into features; a syntax error names its line and column.
fn parse(bytes: &[u8], file: &str) -> Result<Vec<Feature>> {
    // Editors on Windows like to start UTF-8 files with a byte-order mark, which JSON forbids.
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let geojson: GeoJson = serde_json::from_slice(bytes).map_err(|e| ImportError::Json {
        file: file.to_string(),
        line: e.line(),
        column: e.column(),
        message: message_of(&e),
    })?;
    Ok(match geojson {
        GeoJson::FeatureCollection(collection) => collection.features,
        GeoJson::Feature(feature) => vec![feature],
        GeoJson::Geometry(geometry) => vec![Feature::from(geometry)],
    })
}

/// serde_json's message without its trailing " at line L column C", which the error repeats.
fn message_of(error: &serde_json::Error) -> String {
    let text = error.to_string();
    match text.rfind(" at line ") {
        Some(at) => text[..at].to_string(),
        None => text,
    }
}

fn source_feature(index: usize, feature: Feature) -> SourceFeature {
    let props = feature.properties.unwrap_or_default();
    let feature_id = feature.id.map(|id| match id {
        Id::String(s) => s,
        Id::Number(n) => n.to_string(),
    });
    // The label shows the id a user would search the file for: an id property, else the feature's.
    let shown = ["id", "osm_id", "@id"]
        .iter()
        .find_map(|k| props.get(*k).and_then(text_of))
        .or_else(|| feature_id.clone());
    let shape = feature.geometry.map_or(Shape::Empty, |g| shape_of(g.value));
    SourceFeature {
        label: label(index, shown.as_deref()),
        id: feature_id,
        props,
        shape,
    }
}

fn shape_of(value: GeometryValue) -> Shape {
    match value {
        GeometryValue::Point { .. } | GeometryValue::MultiPoint { .. } => Shape::Points,
        GeometryValue::LineString { coordinates } => Shape::Lines(vec![path(&coordinates)]),
        GeometryValue::MultiLineString { coordinates } => {
            Shape::Lines(coordinates.iter().map(|l| path(l)).collect())
        }
        GeometryValue::Polygon { coordinates } => Shape::Polygons(vec![rings(&coordinates)]),
        GeometryValue::MultiPolygon { coordinates } => {
            Shape::Polygons(coordinates.iter().map(|p| rings(p)).collect())
        }
        GeometryValue::GeometryCollection { .. } => Shape::Other("GeometryCollection"),
    }
}

fn rings(polygon: &[Vec<Position>]) -> Vec<validate::Path> {
    polygon.iter().map(|ring| path(ring)).collect()
}

fn path(positions: &[Position]) -> validate::Path {
    positions
        .iter()
        .map(|p| {
            let s = p.as_slice();
            // geojson refuses positions with fewer than two values while parsing.
            [
                s.first().copied().unwrap_or(f64::NAN),
                s.get(1).copied().unwrap_or(f64::NAN),
            ]
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syntax_errors_name_line_and_column() {
        let text = b"{\"type\": \"FeatureCollection\",\n \"features\": [\n  {\"type\": \"Feature\",, }\n]}";
        let error = parse(text, "bad.geojson").expect_err("malformed");
        let ImportError::Json { line, .. } = &error else {
            panic!("not a JSON error: {error}");
        };
        assert_eq!(*line, 3);
        let message = error.to_string();
        assert!(
            message.starts_with("bad.geojson: line 3, column"),
            "{message}"
        );
    }

    #[test]
    fn features_keep_raw_rings_and_ids() {
        let text = br#"{"type": "Feature", "id": 99, "properties": {"name": "x"},
            "geometry": {"type": "Polygon", "coordinates": [[[1, 2, 30], [3, 2], [3, 4]]]}}"#;
        let features = parse(text, "one.geojson").expect("parse");
        let f = source_feature(4, features.into_iter().next().expect("one feature"));
        assert_eq!(f.label, "feature #4 (id 99)");
        assert_eq!(f.id.as_deref(), Some("99"));
        assert_eq!(
            f.shape,
            Shape::Polygons(vec![vec![vec![[1.0, 2.0], [3.0, 2.0], [3.0, 4.0]]]])
        );
    }

    #[test]
    fn a_bare_geometry_is_one_feature() {
        let features = parse(
            br#"{"type": "LineString", "coordinates": [[1, 2], [3, 4]]}"#,
            "line.json",
        )
        .expect("parse");
        assert_eq!(features.len(), 1);
        let f = source_feature(0, features.into_iter().next().expect("one"));
        assert_eq!(f.label, "feature #0");
        assert!(matches!(f.shape, Shape::Lines(_)));
    }
}
