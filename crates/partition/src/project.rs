//! A local metric projection: geometry work happens in metres around the data, results go back to
//! longitude/latitude.

use geo::{Coord, LineString, MapCoords, MultiPolygon, Rect};
use serde::{Deserialize, Serialize};

/// Metres per degree of latitude on a sphere of the mean Earth radius.
const METRES_PER_DEGREE: f64 = 6_371_008.8 * std::f64::consts::PI / 180.0;

/// An equirectangular projection centred on the data. Over a city (tens of kilometres) it keeps
/// distances within a fraction of a percent, which is all the tolerances here need; areas that
/// are reported are always measured geodesically on the longitude/latitude result.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LocalProjection {
    /// Longitude of the origin.
    pub lon0: f64,
    /// Latitude of the origin.
    pub lat0: f64,
    kx: f64,
}

impl LocalProjection {
    /// The projection centred on `(lon0, lat0)`.
    pub fn new(lon0: f64, lat0: f64) -> Self {
        Self {
            lon0,
            lat0,
            kx: METRES_PER_DEGREE * lat0.to_radians().cos().max(1e-6),
        }
    }

    /// The projection centred on a box.
    pub fn around(rect: Rect<f64>) -> Self {
        let c = rect.center();
        Self::new(c.x, c.y)
    }

    /// Longitude/latitude to metres east and north of the origin.
    pub fn to_metres(&self, c: Coord<f64>) -> Coord<f64> {
        Coord {
            x: (c.x - self.lon0) * self.kx,
            y: (c.y - self.lat0) * METRES_PER_DEGREE,
        }
    }

    /// Metres back to longitude/latitude.
    pub fn to_degrees(&self, c: Coord<f64>) -> Coord<f64> {
        Coord {
            x: c.x / self.kx + self.lon0,
            y: c.y / METRES_PER_DEGREE + self.lat0,
        }
    }

    /// Projects a (multi)polygon to metres.
    pub fn polygons_to_metres(&self, g: &MultiPolygon<f64>) -> MultiPolygon<f64> {
        g.map_coords(|c| self.to_metres(c))
    }

    /// Projects a (multi)polygon back to longitude/latitude.
    pub fn polygons_to_degrees(&self, g: &MultiPolygon<f64>) -> MultiPolygon<f64> {
        g.map_coords(|c| self.to_degrees(c))
    }

    /// Projects a line to metres.
    pub fn line_to_metres(&self, g: &LineString<f64>) -> LineString<f64> {
        g.map_coords(|c| self.to_metres(c))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_scale() {
        let p = LocalProjection::new(121.5, 31.2);
        let c = Coord {
            x: 121.51,
            y: 31.21,
        };
        let m = p.to_metres(c);
        // 0.01° of latitude is about 1112 m; of longitude at 31.2° about 951 m.
        assert!((m.y - 1111.95).abs() < 0.1, "{m:?}");
        assert!((m.x - 951.0).abs() < 1.0, "{m:?}");
        let back = p.to_degrees(m);
        assert!((back.x - c.x).abs() < 1e-12 && (back.y - c.y).abs() < 1e-12);
    }
}
