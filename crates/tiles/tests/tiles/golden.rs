//! Golden tiles: fixed tiles of the demo sub-district decoded into a stable text form and compared
//! with `tests/golden/<layer>_<z>_<x>_<y>.txt`. After an intended change, re-bless them with
//! `BLESS=1 cargo test -p wangge-tiles --test tiles golden` and review the diff.

use std::fmt::Write as _;
use std::path::PathBuf;

use geo::{Coord, Geometry};
use mvt_reader::feature::Value;
use wangge_tiles::{TileId, TileLayer, encode};

use crate::{DecodedLayer, compounds_extent, decode, demo, properties};

/// Compares `actual` with the golden file `name`, or writes it when `BLESS` is set.
fn check(name: &str, actual: &str) {
    let path = PathBuf::from(
        std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"),
    )
    .join("tests/golden")
    .join(format!("{name}.txt"));
    if std::env::var_os("BLESS").is_some() {
        std::fs::write(&path, actual).expect("write the golden file");
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read {}: {e}; run with BLESS=1 to create it",
            path.display()
        )
    });
    if expected != actual {
        let line = expected
            .lines()
            .zip(actual.lines())
            .position(|(e, a)| e != a)
            .unwrap_or_else(|| expected.lines().count().min(actual.lines().count()));
        panic!(
            "{} differs from the encoded tile, first at line {}:\n expected: {}\n   actual: {}\n\
             (expected {} lines, got {}); if the change is intended, re-bless with BLESS=1",
            path.display(),
            line + 1,
            expected.lines().nth(line).unwrap_or("<end>"),
            actual.lines().nth(line).unwrap_or("<end>"),
            expected.lines().count(),
            actual.lines().count(),
        );
    }
}

fn value(v: &Value) -> String {
    match v {
        Value::String(s) => format!("{s:?}"),
        Value::Float(f) => format!("{f}f"),
        Value::Double(d) => format!("{d}d"),
        Value::Int(i) => format!("{i}i"),
        Value::UInt(u) => u.to_string(),
        Value::SInt(s) => format!("{s}s"),
        Value::Bool(b) => b.to_string(),
        Value::Null => "null".into(),
    }
}

fn first(coords: impl Iterator<Item = Coord<i32>>) -> String {
    coords
        .take(3)
        .map(|c| format!("({},{})", c.x, c.y))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The geometry type, its parts, its number of points and its first coordinates.
fn geometry(g: &Geometry<i32>) -> String {
    use geo::CoordsIter;
    let n = g.coords_count();
    match g {
        Geometry::Point(p) => format!("Point {}", first(std::iter::once(p.0))),
        Geometry::MultiPoint(m) => format!("MultiPoint {n} {}", first(m.coords_iter())),
        Geometry::LineString(l) => format!("LineString {n} pts {}", first(l.coords_iter())),
        Geometry::MultiLineString(m) => format!(
            "MultiLineString {} parts {n} pts {}",
            m.0.len(),
            first(m.coords_iter())
        ),
        Geometry::Polygon(p) => format!(
            "Polygon 1+{} rings {n} pts {}",
            p.interiors().len(),
            first(p.exterior().coords_iter())
        ),
        Geometry::MultiPolygon(m) => format!(
            "MultiPolygon {} polys {n} pts {}",
            m.0.len(),
            first(m.coords_iter())
        ),
        other => format!("{other:?}"),
    }
}

/// The stable text form of a tile.
fn describe(layer: TileLayer, tile: TileId, bytes: &[u8]) -> String {
    let layers: Vec<DecodedLayer> = decode(bytes);
    let mut out = format!(
        "{layer} {tile}: {} bytes, {} layers\n",
        bytes.len(),
        layers.len()
    );
    for l in &layers {
        let _ = writeln!(
            out,
            "layer {} (extent {}): {} features",
            l.name,
            l.extent,
            l.features.len()
        );
        for f in &l.features {
            let props: Vec<String> = properties(f)
                .iter()
                .map(|(k, v)| format!("{k}={}", value(v)))
                .collect();
            let id = f.id.map_or("-".to_string(), |id| id.to_string());
            let _ = writeln!(
                out,
                "  #{id} {} | {}",
                geometry(&f.geometry),
                props.join(" ")
            );
        }
    }
    out
}

/// Encodes a tile of the demo, checks that it is one the demo actually covers, and compares its
/// text form with the golden file.
fn golden(layer: TileLayer, z: u32, x: u32, y: u32) {
    let tile = TileId::new(z, x, y).expect("a valid tile");
    let extent = compounds_extent(demo().data());
    assert!(
        TileId::covering(extent, tile.z).any(|t| t == tile),
        "{tile} does not cover the demo's compounds; pick another with TileId::covering"
    );
    let bytes = encode(demo(), layer, tile);
    let text = describe(layer, tile, &bytes);
    for name in layer.mvt_layers() {
        // Every MVT layer of these tiles has features, so each golden file shows them all.
        if !(tile.z < 14 && *name == "buildings") {
            assert!(
                text.contains(&format!("layer {name} ")),
                "{tile} has no {name}"
            );
        }
    }
    check(&format!("{layer}_{z}_{x}_{y}"), &text);
}

#[test]
fn all_layers_at_zoom_12() {
    golden(TileLayer::All, 12, 3216, 1753);
}

#[test]
fn compounds_at_zoom_14() {
    golden(TileLayer::Compounds, 14, 12866, 7014);
}

#[test]
fn zones_at_zoom_14() {
    golden(TileLayer::Zones, 14, 12866, 7014);
}

#[test]
fn streets_at_zoom_14() {
    golden(TileLayer::Streets, 14, 12866, 7014);
}

#[test]
fn all_layers_at_zoom_16() {
    golden(TileLayer::All, 16, 51464, 28056);
}

#[test]
fn buildings_at_zoom_16() {
    golden(TileLayer::Buildings, 16, 51464, 28056);
}

#[test]
fn tiles_are_deterministic() {
    let tile = TileId::new(14, 12866, 7014).expect("valid");
    let again = wangge_core::Atlas::new(crate::demo_data());
    assert_eq!(
        encode(demo(), TileLayer::All, tile),
        encode(&again, TileLayer::All, tile)
    );
}
