//! Geodesic measures in metres, and a local metric projection for nearest-neighbour work.

use geo::{Distance, Geodesic, GeodesicArea, Haversine, Length, LineString, MultiPolygon, Point};

/// The geodesic area of a (multi)polygon in square metres, on the WGS-84 ellipsoid, whatever the
/// winding. Every polygon wangge handles is far smaller than half the Earth, so the magnitude of
/// the signed area is right; the "unsigned" variant would read a clockwise sliver as the rest of
/// the planet.
///
/// # Examples
///
/// ```
/// use geo::{polygon, MultiPolygon};
/// // About 1.1 km × 1.0 km near Kunming.
/// let p = polygon![(x: 102.70, y: 25.03), (x: 102.71, y: 25.03), (x: 102.71, y: 25.04), (x: 102.70, y: 25.04)];
/// let a = wangge_core::area_m2(&MultiPolygon(vec![p]));
/// assert!((a - 1_122_000.0).abs() < 10_000.0, "{a}");
/// ```
pub fn area_m2(geometry: &MultiPolygon<f64>) -> f64 {
    geometry
        .0
        .iter()
        .map(|p| p.geodesic_area_signed().abs())
        .sum()
}

/// The geodesic length of a line in metres.
///
/// # Examples
///
/// ```
/// use geo::line_string;
/// let l = line_string![(x: 102.70, y: 25.0), (x: 102.70, y: 25.01)];
/// assert!((wangge_core::length_m(&l) - 1108.0).abs() < 2.0);
/// ```
pub fn length_m(line: &LineString<f64>) -> f64 {
    Geodesic.length(line)
}

/// Great-circle distance between two lon/lat points in metres (haversine; accurate to 0.5 %).
pub fn distance_m(a: Point<f64>, b: Point<f64>) -> f64 {
    Haversine.distance(a, b)
}

/// An equirectangular projection around a reference latitude: longitude is scaled by the cosine of
/// that latitude so that, over a city, distances in the projected plane are proportional to metres.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LocalScale {
    /// Factor applied to longitude.
    pub x_scale: f64,
}

impl LocalScale {
    /// The projection for data around `lat` degrees.
    pub fn at_latitude(lat: f64) -> Self {
        Self {
            x_scale: lat.to_radians().cos().max(1e-6),
        }
    }

    /// Projects a lon/lat pair.
    pub fn project(&self, lon: f64, lat: f64) -> [f64; 2] {
        [lon * self.x_scale, lat]
    }

    /// Undoes [`project`](Self::project).
    pub fn unproject(&self, p: [f64; 2]) -> Point<f64> {
        Point::new(p[0] / self.x_scale, p[1])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::polygon;

    #[test]
    fn winding_does_not_matter_and_slivers_have_no_area() {
        let ccw = polygon![(x: 102.70, y: 25.03), (x: 102.71, y: 25.03), (x: 102.71, y: 25.04), (x: 102.70, y: 25.04)];
        let cw = polygon![(x: 102.70, y: 25.03), (x: 102.70, y: 25.04), (x: 102.71, y: 25.04), (x: 102.71, y: 25.03)];
        let a = area_m2(&MultiPolygon(vec![ccw]));
        assert!((a - area_m2(&MultiPolygon(vec![cw]))).abs() < 1e-6);
        // Three nearly collinear points, wound clockwise.
        let sliver =
            polygon![(x: 121.5, y: 31.2), (x: 121.5000000001, y: 31.21), (x: 121.5, y: 31.21)];
        assert!(area_m2(&MultiPolygon(vec![sliver])) < 1.0);
    }
}
