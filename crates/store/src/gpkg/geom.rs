//! GeoPackage geometry binary: encoding wangge's geometries, decoding them, and the `ST_*` SQL
//! functions that the R-tree triggers call.

use geo::{BoundingRect, Geometry, LineString, MultiPolygon};
use geozero::wkb::GpkgWkb;
use geozero::{CoordDimensions, ToGeo, ToWkb};
use rusqlite::Connection;
use rusqlite::functions::{Context, FunctionFlags};
use rusqlite::types::ValueRef;

/// Encodes a geometry as GeoPackage binary in EPSG:4326 with an xy envelope.
pub(crate) fn encode(geometry: Geometry<f64>) -> Result<Vec<u8>, String> {
    let envelope = geometry
        .bounding_rect()
        .map(|r| vec![r.min().x, r.max().x, r.min().y, r.max().y])
        .unwrap_or_default();
    geometry
        .to_gpkg_wkb(CoordDimensions::xy(), Some(4326), envelope)
        .map_err(|e| e.to_string())
}

/// Decodes GeoPackage binary into a geometry.
pub(crate) fn decode(blob: &[u8]) -> Result<Geometry<f64>, String> {
    GpkgWkb(blob).to_geo().map_err(|e| e.to_string())
}

/// Decodes a polygonal geometry, accepting a single polygon too.
pub(crate) fn decode_multipolygon(blob: &[u8]) -> Result<MultiPolygon<f64>, String> {
    crate::shape::into_multipolygon(decode(blob)?)
}

/// Decodes a line geometry.
pub(crate) fn decode_linestring(blob: &[u8]) -> Result<LineString<f64>, String> {
    crate::shape::into_linestring(decode(blob)?)
}

/// The envelope [min x, max x, min y, max y] of a GeoPackage geometry blob: read from its header
/// when present, otherwise computed from the geometry. `None` for an empty geometry.
pub(crate) fn envelope(blob: &[u8]) -> Option<[f64; 4]> {
    if blob.len() < 8 || &blob[0..2] != b"GP" {
        return None;
    }
    let flags = blob[3];
    if flags & 0b0001_0000 != 0 {
        return None; // the empty flag
    }
    let little = flags & 1 == 1;
    let has_envelope = (flags >> 1) & 0b111 != 0;
    if has_envelope && blob.len() >= 8 + 32 {
        let mut out = [0.0; 4];
        for (i, v) in out.iter_mut().enumerate() {
            let mut b = [0u8; 8];
            b.copy_from_slice(&blob[8 + i * 8..16 + i * 8]);
            *v = if little {
                f64::from_le_bytes(b)
            } else {
                f64::from_be_bytes(b)
            };
        }
        return Some(out);
    }
    let rect = decode(blob).ok()?.bounding_rect()?;
    Some([rect.min().x, rect.max().x, rect.min().y, rect.max().y])
}

/// Registers `ST_MinX`, `ST_MaxX`, `ST_MinY`, `ST_MaxY` and `ST_IsEmpty` on a connection, the
/// functions the GeoPackage R-tree triggers need.
pub(crate) fn register_functions(conn: &Connection) -> rusqlite::Result<()> {
    let flags = FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC;
    for (name, index) in [
        ("ST_MinX", 0),
        ("ST_MaxX", 1),
        ("ST_MinY", 2),
        ("ST_MaxY", 3),
    ] {
        conn.create_scalar_function(name, 1, flags, move |ctx: &Context<'_>| {
            Ok(blob_arg(ctx).and_then(envelope).map(|e| e[index]))
        })?;
    }
    conn.create_scalar_function("ST_IsEmpty", 1, flags, |ctx: &Context<'_>| {
        Ok(blob_arg(ctx).map(|b| envelope(b).is_none()))
    })?;
    Ok(())
}

fn blob_arg<'a>(ctx: &'a Context<'_>) -> Option<&'a [u8]> {
    match ctx.get_raw(0) {
        ValueRef::Blob(b) => Some(b),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{line_string, polygon};

    #[test]
    fn encode_decode_round_trips_and_carries_an_envelope() {
        let p = polygon![(x: 102.7, y: 25.0), (x: 102.8, y: 25.0), (x: 102.8, y: 25.1), (x: 102.7, y: 25.0)];
        let mp = MultiPolygon(vec![p]);
        let blob = encode(Geometry::MultiPolygon(mp.clone())).expect("encode");
        assert_eq!(&blob[0..2], b"GP");
        assert_eq!(
            i32::from_le_bytes([blob[4], blob[5], blob[6], blob[7]]),
            4326
        );
        assert_eq!(envelope(&blob), Some([102.7, 102.8, 25.0, 25.1]));
        assert_eq!(decode_multipolygon(&blob).expect("decode"), mp);
        let l = line_string![(x: 1.0, y: 2.0), (x: 3.0, y: 4.0)];
        let blob = encode(Geometry::LineString(l.clone())).expect("encode");
        assert_eq!(decode_linestring(&blob).expect("decode"), l);
        assert!(decode_linestring(&encode(Geometry::MultiPolygon(mp)).expect("encode")).is_err());
    }
}
