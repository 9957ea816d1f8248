//! Tile coordinates in the XYZ scheme (Web Mercator, rows counted down from the north edge): which
//! tiles exist, where each one lies, and which tiles cover a box.

use std::fmt;

use geo::{Rect, coord};

use crate::project::{lat_of, lon_of, world_x, world_y};
use crate::{MAX_ZOOM, Result, TileError};

/// One tile: zoom `z`, column `x` (west→east) and row `y` (north→south), both below 2^z.
///
/// # Examples
///
/// ```
/// use wangge_tiles::TileId;
///
/// let tile = TileId::new(14, 12_876, 7_014)?;
/// let bounds = tile.bounds();
/// assert!(bounds.min().x < 102.93 && 102.93 < bounds.max().x);
/// assert!(bounds.min().y < 25.04 && 25.04 < bounds.max().y);
/// assert_eq!(tile.to_string(), "14/12876/7014");
///
/// let error = TileId::new(3, 8, 0).expect_err("a zoom-3 tile column is below 8");
/// assert_eq!(error.to_string(), "tile column x = 8 is out of range at zoom 3; use 0 to 7");
/// # Ok::<(), wangge_tiles::TileError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TileId {
    /// Zoom level, 0 to [`MAX_ZOOM`].
    pub z: u8,
    /// Column, 0 at 180° W.
    pub x: u32,
    /// Row, 0 at the north edge of the Web Mercator square.
    pub y: u32,
}

impl TileId {
    /// A checked tile id: `z` at most [`MAX_ZOOM`], `x` and `y` below 2^`z`. Takes `z` as a `u32`
    /// so that a value parsed from a URL is checked here, not truncated on the way.
    pub fn new(z: u32, x: u32, y: u32) -> Result<TileId> {
        let z = u8::try_from(z)
            .ok()
            .filter(|&z| z <= MAX_ZOOM)
            .ok_or(TileError::InvalidZoom { z })?;
        let max = tiles_per_side(z) - 1;
        if x > max {
            return Err(TileError::InvalidColumn { z, x, max });
        }
        if y > max {
            return Err(TileError::InvalidRow { z, y, max });
        }
        Ok(TileId { z, x, y })
    }

    /// The tile's box in longitude/latitude: west and east edges are exact multiples of
    /// 360° / 2^z; north and south edges follow Web Mercator.
    pub fn bounds(&self) -> Rect<f64> {
        let n = f64::from(tiles_per_side(self.z));
        Rect::new(
            coord! { x: west(self.x, n), y: north(self.y + 1, n) },
            coord! { x: west(self.x + 1, n), y: north(self.y, n) },
        )
    }

    /// Every tile at zoom `z` whose [`bounds`](Self::bounds) intersect `rect` (edges touching
    /// count, as for [`geo::Intersects`]), row by row from north-west to south-east. A box beyond
    /// the Web Mercator square, one with a NaN corner, or a zoom above [`MAX_ZOOM`] yields nothing.
    ///
    /// The server uses this to drop the cached tiles a change touched; benchmarks use it to list
    /// the tiles of an area.
    ///
    /// # Examples
    ///
    /// ```
    /// use geo::{Rect, coord};
    /// use wangge_tiles::TileId;
    ///
    /// // A box around Kunming's old town lies in one zoom-10 tile and in four zoom-14 tiles.
    /// let old_town = Rect::new(coord! { x: 102.69, y: 25.03 }, coord! { x: 102.72, y: 25.06 });
    /// assert_eq!(TileId::covering(old_town, 10).count(), 1);
    /// let tiles: Vec<TileId> = TileId::covering(old_town, 14).collect();
    /// assert!(tiles.iter().all(|t| t.z == 14));
    /// assert_eq!(tiles.len(), 4);
    /// ```
    pub fn covering(rect: Rect<f64>, z: u8) -> impl Iterator<Item = TileId> {
        let (columns, rows) = covering_ranges(rect, z).unwrap_or(((1, 0), (1, 0)));
        (rows.0..=rows.1)
            .flat_map(move |y| (columns.0..=columns.1).map(move |x| TileId { z, x, y }))
    }
}

impl fmt::Display for TileId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}/{}", self.z, self.x, self.y)
    }
}

/// 2^z, the number of tiles along each side of the world at zoom `z` (z ≤ [`MAX_ZOOM`]).
pub(crate) fn tiles_per_side(z: u8) -> u32 {
    1u32 << z.min(MAX_ZOOM)
}

/// Longitude of the west edge of column `x` (and so of the east edge of column `x − 1`).
fn west(x: u32, n: f64) -> f64 {
    lon_of(f64::from(x) / n)
}

/// Latitude of the north edge of row `y` (and so of the south edge of row `y − 1`).
fn north(y: u32, n: f64) -> f64 {
    lat_of(f64::from(y) / n)
}

/// The inclusive column and row ranges covering `rect`, or `None` when no tile does.
///
/// The first guess comes from projecting the corners; it is then corrected with the very edge
/// functions [`TileId::bounds`] uses, so that the answer equals testing every tile's bounds even
/// when a corner falls exactly on a tile edge.
type Range = (u32, u32);
fn covering_ranges(rect: Rect<f64>, z: u8) -> Option<(Range, Range)> {
    if z > MAX_ZOOM {
        return None;
    }
    let (min, max) = (rect.min(), rect.max());
    if [min.x, min.y, max.x, max.y].iter().any(|v| v.is_nan()) {
        return None;
    }
    let side = tiles_per_side(z);
    let n = f64::from(side);
    let last = i64::from(side) - 1;
    let guess = |world: f64| ((world * n).floor().clamp(0.0, last as f64)) as i64;

    // Columns: x intersects when west(x) ≤ max.x and east(x) = west(x + 1) ≥ min.x.
    let mut x0 = guess(world_x(min.x));
    while x0 > 0 && west((x0) as u32, n) >= min.x {
        x0 -= 1;
    }
    while x0 <= last && west((x0 + 1) as u32, n) < min.x {
        x0 += 1;
    }
    let mut x1 = guess(world_x(max.x));
    while x1 < last && west((x1 + 1) as u32, n) <= max.x {
        x1 += 1;
    }
    while x1 >= 0 && west(x1 as u32, n) > max.x {
        x1 -= 1;
    }

    // Rows, counted southward: y intersects when south(y) = north(y + 1) ≤ max.y and
    // north(y) ≥ min.y.
    let mut y0 = guess(world_y(max.y));
    while y0 > 0 && north(y0 as u32, n) <= max.y {
        y0 -= 1;
    }
    while y0 <= last && north((y0 + 1) as u32, n) > max.y {
        y0 += 1;
    }
    let mut y1 = guess(world_y(min.y));
    while y1 < last && north((y1 + 1) as u32, n) >= min.y {
        y1 += 1;
    }
    while y1 >= 0 && north(y1 as u32, n) < min.y {
        y1 -= 1;
    }

    if x0 > x1 || y0 > y1 {
        return None;
    }
    // All four are within 0..=last here: each loop stops at the edge of the grid or earlier.
    Some(((x0 as u32, x1 as u32), (y0 as u32, y1 as u32)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zoom_zero_is_the_whole_world() {
        let b = TileId::new(0, 0, 0).expect("exists").bounds();
        assert_eq!((b.min().x, b.max().x), (-180.0, 180.0));
        assert!((b.max().y - crate::project::MAX_LATITUDE).abs() < 1e-9);
        assert!((b.min().y + crate::project::MAX_LATITUDE).abs() < 1e-9);
    }

    #[test]
    fn errors_name_the_bad_value_and_the_range() {
        let z = TileId::new(23, 0, 0).expect_err("too deep").to_string();
        assert_eq!(z, "zoom 23 is out of range; use 0 to 22");
        let z = TileId::new(300, 0, 0).expect_err("not a u8").to_string();
        assert!(z.contains("zoom 300"), "{z}");
        let y = TileId::new(2, 0, 4).expect_err("row").to_string();
        assert_eq!(y, "tile row y = 4 is out of range at zoom 2; use 0 to 3");
    }

    #[test]
    fn a_box_on_a_tile_edge_touches_both_neighbours() {
        // The meridian 0° is the edge between columns 0 and 1 at zoom 1.
        let rect = Rect::new(coord! { x: 0.0, y: 10.0 }, coord! { x: 0.0, y: 10.0 });
        let tiles: Vec<TileId> = TileId::covering(rect, 1).collect();
        assert_eq!(
            tiles,
            vec![TileId { z: 1, x: 0, y: 0 }, TileId { z: 1, x: 1, y: 0 }]
        );
    }

    #[test]
    fn boxes_off_the_map_cover_nothing() {
        let polar = Rect::new(coord! { x: 0.0, y: 86.0 }, coord! { x: 10.0, y: 89.0 });
        assert_eq!(TileId::covering(polar, 3).count(), 0);
        let nan = Rect::new(coord! { x: f64::NAN, y: 0.0 }, coord! { x: 1.0, y: 1.0 });
        assert_eq!(TileId::covering(nan, 3).count(), 0);
        let east = Rect::new(coord! { x: 181.0, y: 0.0 }, coord! { x: 190.0, y: 1.0 });
        assert_eq!(TileId::covering(east, 3).count(), 0);
        let everything = Rect::new(coord! { x: -500.0, y: -90.0 }, coord! { x: 500.0, y: 90.0 });
        assert_eq!(TileId::covering(everything, 3).count(), 64);
        assert_eq!(TileId::covering(everything, 23).count(), 0);
    }
}
