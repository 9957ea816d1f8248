//! Web Mercator (EPSG:3857) as tiles use it: longitude/latitude to "world" coordinates in the unit
//! square (x east, y down from the north edge), and world coordinates to the pixels of one tile.
//!
//! Everything inside wangge is longitude/latitude; Web Mercator exists only here, at the edge where
//! geometry becomes tiles or pictures.

use geo::Coord;

/// The latitude at which Web Mercator's square world ends, north and south, in degrees:
/// atan(sinh(π)).
pub const MAX_LATITUDE: f64 = 85.051_128_779_806_59;

/// Metres along the equator per unit of world x: the WGS-84 equatorial circumference.
pub const EARTH_CIRCUMFERENCE_M: f64 = 40_075_016.685_578_49;

/// World x (0 at 180° W, 1 at 180° E) of a longitude.
#[inline]
pub fn world_x(lon: f64) -> f64 {
    (lon + 180.0) / 360.0
}

/// World y (0 at the north edge, 1 at the south edge) of a latitude. Latitudes beyond
/// [`MAX_LATITUDE`] are clamped, so that the poles map to the edges and not to infinity.
#[inline]
pub fn world_y(lat: f64) -> f64 {
    let sin = lat.clamp(-MAX_LATITUDE, MAX_LATITUDE).to_radians().sin();
    // ln(tan(φ) + sec(φ)) = atanh(sin φ) = ½ ln((1 + sin φ) / (1 − sin φ)): one sine and one
    // logarithm per vertex, about half the cost of tan and asinh, in the encoder's hottest loop.
    0.5 - ((1.0 + sin) / (1.0 - sin)).ln() / (4.0 * std::f64::consts::PI)
}

/// Longitude of a world x.
#[inline]
pub fn lon_of(world_x: f64) -> f64 {
    world_x * 360.0 - 180.0
}

/// Latitude of a world y.
#[inline]
pub fn lat_of(world_y: f64) -> f64 {
    (std::f64::consts::PI * (1.0 - 2.0 * world_y))
        .sinh()
        .atan()
        .to_degrees()
}

/// Maps longitude/latitude to the pixel grid of one tile: (0, 0) is the tile's north-west corner
/// and (`extent`, `extent`) its south-east corner; y grows southward as MVT requires.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TileProjection {
    /// World units to pixels: 2^z × extent.
    scale: f64,
    /// The tile's north-west corner in pixels of the whole world at this zoom.
    origin_x: f64,
    origin_y: f64,
}

impl TileProjection {
    /// The projection onto tile (`z`, `x`, `y`) with `extent` pixels on a side.
    pub fn new(z: u8, x: u32, y: u32, extent: u32) -> Self {
        let extent = f64::from(extent);
        Self {
            scale: f64::from(1u32 << z.min(31)) * extent,
            origin_x: f64::from(x) * extent,
            origin_y: f64::from(y) * extent,
        }
    }

    /// The tile pixel of a longitude/latitude.
    #[inline]
    pub fn pixel(&self, c: Coord<f64>) -> [f64; 2] {
        [
            world_x(c.x) * self.scale - self.origin_x,
            world_y(c.y) * self.scale - self.origin_y,
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn world_coordinates_round_trip() {
        for &(lon, lat) in &[
            (0.0, 0.0),
            (102.705, 25.043),
            (-73.99, 40.75),
            (120.15, 30.27),
        ] {
            let (x, y) = (world_x(lon), world_y(lat));
            assert!((lon_of(x) - lon).abs() < 1e-9);
            assert!((lat_of(y) - lat).abs() < 1e-9);
        }
        assert!((world_y(MAX_LATITUDE)).abs() < 1e-12);
        assert!((world_y(-90.0) - 1.0).abs() < 1e-12);
    }

    #[test]
    fn tile_pixels_start_at_the_north_west_corner() {
        // Tile 1/1/0 is the north-east quarter of the world.
        let p = TileProjection::new(1, 1, 0, 4096);
        let nw = p.pixel(Coord {
            x: 0.0,
            y: MAX_LATITUDE,
        });
        assert!(nw[0].abs() < 1e-6 && nw[1].abs() < 1e-6, "{nw:?}");
        let se = p.pixel(Coord { x: 180.0, y: 0.0 });
        assert!(
            (se[0] - 4096.0).abs() < 1e-6 && (se[1] - 4096.0).abs() < 1e-6,
            "{se:?}"
        );
    }
}
