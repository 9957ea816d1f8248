//! Geometries on the wire: EWKB (through geozero) in EPSG:4326, bit for bit.
//!
//! Writes send hex EWKB as text, which PostGIS parses without its validity checks, so that a
//! degenerate ring or a one-point line is stored as the GeoPackage backend stores it instead of
//! being refused; reads take PostGIS's binary output, which is EWKB. Coordinates are 64-bit floats
//! all the way, so what is written is read back unchanged.

use std::fmt::Write as _;

use geo::{Geometry, LineString, MultiPolygon};
use geozero::wkb::Decode;
use geozero::{CoordDimensions, ToWkb};

/// The SRID of every geometry wangge stores: WGS-84 longitude/latitude.
pub(crate) const SRID: i32 = 4326;

/// A geometry column's value as it comes off the wire.
pub(crate) type Column = Decode<Geometry<f64>>;

/// Encodes a geometry as hex EWKB with SRID 4326.
pub(crate) fn encode(geometry: Geometry<f64>) -> Result<String, String> {
    let bytes = geometry
        .to_ewkb(CoordDimensions::xy(), Some(SRID))
        .map_err(|e| e.to_string())?;
    let mut hex = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        // Writing to a String cannot fail.
        let _ = write!(hex, "{byte:02X}");
    }
    Ok(hex)
}

/// Encodes a multipolygon.
pub(crate) fn encode_multipolygon(geometry: &MultiPolygon<f64>) -> Result<String, String> {
    encode(Geometry::MultiPolygon(geometry.clone()))
}

/// Encodes a line string.
pub(crate) fn encode_linestring(geometry: &LineString<f64>) -> Result<String, String> {
    encode(Geometry::LineString(geometry.clone()))
}

/// The geometry of a column that must not be NULL.
fn present(column: Column) -> Result<Geometry<f64>, String> {
    column
        .geometry
        .ok_or_else(|| "the geometry is NULL".to_string())
}

/// Decodes a polygonal geometry, accepting a single polygon too.
pub(crate) fn decode_multipolygon(column: Column) -> Result<MultiPolygon<f64>, String> {
    wangge_store::shape::into_multipolygon(present(column)?)
}

/// Decodes a line geometry.
pub(crate) fn decode_linestring(column: Column) -> Result<LineString<f64>, String> {
    wangge_store::shape::into_linestring(present(column)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::polygon;

    #[test]
    fn ewkb_carries_the_srid_and_every_bit_of_each_coordinate() {
        let x = 102.700_000_000_000_01_f64;
        let p = polygon![(x: x, y: 25.0), (x: 102.8, y: 25.0), (x: 102.8, y: 0.1 + 0.2), (x: x, y: 25.0)];
        let hex = encode_multipolygon(&MultiPolygon(vec![p])).expect("encode");
        // Little endian, type 6 (multipolygon) with the SRID flag, then SRID 4326 (0x10E6).
        assert!(hex.starts_with("0106000020E6100000"), "{hex}");
        let x_bits: String = x.to_le_bytes().iter().map(|b| format!("{b:02X}")).collect();
        assert!(hex.contains(&x_bits));
    }
}
