//! Checking that a decoded geometry has the shape a column holds, the same way in every backend.

use geo::{Geometry, LineString, MultiPolygon};

/// A polygonal geometry as a multipolygon (a single polygon is accepted too).
pub fn into_multipolygon(geometry: Geometry<f64>) -> Result<MultiPolygon<f64>, String> {
    match geometry {
        Geometry::MultiPolygon(mp) => Ok(mp),
        Geometry::Polygon(p) => Ok(MultiPolygon(vec![p])),
        other => Err(format!("expected a polygon, found {}", kind(&other))),
    }
}

/// A line geometry as a line string (a multi-line of one part is accepted too).
pub fn into_linestring(geometry: Geometry<f64>) -> Result<LineString<f64>, String> {
    match geometry {
        Geometry::LineString(l) => Ok(l),
        Geometry::MultiLineString(mut m) if m.0.len() == 1 => Ok(m.0.remove(0)),
        other => Err(format!("expected a line string, found {}", kind(&other))),
    }
}

/// What a geometry is, in words for an error message.
fn kind(g: &Geometry<f64>) -> &'static str {
    match g {
        Geometry::Point(_) => "a point",
        Geometry::Line(_) | Geometry::LineString(_) => "a line",
        Geometry::Polygon(_) => "a polygon",
        Geometry::MultiPoint(_) => "several points",
        Geometry::MultiLineString(_) => "several lines",
        Geometry::MultiPolygon(_) => "several polygons",
        Geometry::GeometryCollection(_) => "a geometry collection",
        Geometry::Rect(_) => "a rectangle",
        Geometry::Triangle(_) => "a triangle",
    }
}
