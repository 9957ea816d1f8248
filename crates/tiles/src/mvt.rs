//! The geometry pipeline of one tile: longitude/latitude → tile pixels (Web Mercator) → clipped to
//! the extent plus buffer → simplified → quantised to integers, without repeated points or
//! degenerate rings → wound as MVT 2.1 requires → written into a fast-mvt feature.
//!
//! A [`Shaper`] owns every working buffer and is reused for all the features of a tile, so that
//! shaping a feature allocates nothing once the buffers have grown.

use fast_mvt::{MvtCoord, MvtFeatureBuilder, MvtResult};
use geo::{Coord, LineString, MultiPolygon};

use crate::TileId;
use crate::clip::{ClipBox, clip_line, clip_ring};
use crate::project::TileProjection;
use crate::simplify::Simplifier;

/// Pixels along each side of a tile, as MVT 2.1 suggests.
pub const EXTENT: u32 = 4096;

/// Pixels kept beyond each side of a tile, so that strokes and labels near an edge join up with
/// the neighbouring tile.
pub const BUFFER: u32 = 64;

/// The Douglas–Peucker tolerance, in tile pixels, at zoom `z`. One pixel of a 4096 extent is an
/// eighth of a screen pixel on a 512-pixel tile; at the deepest zooms, where people look at single
/// buildings, half of that keeps corners crisp.
pub fn tolerance(z: u8) -> f64 {
    if z >= 14 { 0.5 } else { 1.0 }
}

/// One ring or line in [`Shaper::coords`]: where it ends, and for rings whether it is an exterior
/// ring (a hole otherwise).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Part {
    /// Index one past the part's last coordinate.
    pub end: usize,
    /// True for an exterior ring; false for a hole (and for line pieces).
    pub exterior: bool,
}

/// Turns longitude/latitude geometry into the integer geometry of one tile.
#[derive(Debug)]
pub struct Shaper {
    projection: TileProjection,
    clip: ClipBox,
    tolerance: f64,
    projected: Vec<[f64; 2]>,
    clipped: Vec<[f64; 2]>,
    scratch: Vec<[f64; 2]>,
    ends: Vec<usize>,
    simplifier: Simplifier,
    /// The shaped geometry: every ring or line piece, one after the other.
    coords: Vec<MvtCoord>,
    /// Where each ring or line piece in `coords` ends.
    parts: Vec<Part>,
}

impl Shaper {
    /// A shaper for `tile`, with the tile's extent, buffer and zoom's tolerance.
    pub fn new(tile: TileId) -> Self {
        Self::with(tile, EXTENT, BUFFER, tolerance(tile.z))
    }

    /// A shaper with an explicit extent, buffer and simplification tolerance in pixels.
    pub fn with(tile: TileId, extent: u32, buffer: u32, tolerance: f64) -> Self {
        Self {
            projection: TileProjection::new(tile.z, tile.x, tile.y, extent),
            clip: ClipBox::new(extent, buffer),
            tolerance,
            projected: Vec::new(),
            clipped: Vec::new(),
            scratch: Vec::new(),
            ends: Vec::new(),
            simplifier: Simplifier::default(),
            coords: Vec::new(),
            parts: Vec::new(),
        }
    }

    /// The square geometry is clipped to, in tile pixels.
    pub fn clip_box(&self) -> ClipBox {
        self.clip
    }

    /// The shaped coordinates of the last geometry.
    pub fn coords(&self) -> &[MvtCoord] {
        &self.coords
    }

    /// The rings or line pieces of the last geometry, as ends into [`Self::coords`].
    pub fn parts(&self) -> &[Part] {
        &self.parts
    }

    /// The pixel of a longitude/latitude in this tile, unclipped and unrounded.
    pub fn pixel(&self, c: Coord<f64>) -> [f64; 2] {
        self.projection.pixel(c)
    }

    /// Shapes a point: its integer pixel, or `None` when it lies outside the extent plus buffer.
    pub fn point(&self, c: Coord<f64>) -> Option<MvtCoord> {
        let p = self.projection.pixel(c);
        self.clip.contains(p).then(|| quantise(p))
    }

    /// Shapes a (multi)polygon into exterior rings, each followed by its holes. Returns whether
    /// anything is left inside the tile.
    pub fn polygon(&mut self, geometry: &MultiPolygon<f64>) -> bool {
        self.coords.clear();
        self.parts.clear();
        for polygon in &geometry.0 {
            if !self.ring(polygon.exterior(), true) {
                continue;
            }
            for hole in polygon.interiors() {
                self.ring(hole, false);
            }
        }
        !self.parts.is_empty()
    }

    /// Shapes a line into the pieces of it inside the tile. Returns whether any piece is left.
    pub fn line(&mut self, line: &LineString<f64>) -> bool {
        self.coords.clear();
        self.parts.clear();
        self.projected.clear();
        let projection = self.projection;
        self.projected
            .extend(line.0.iter().map(|&c| projection.pixel(c)));
        clip_line(
            &self.projected,
            self.clip,
            &mut self.clipped,
            &mut self.ends,
        );
        let mut start = 0;
        for i in 0..self.ends.len() {
            let end = self.ends[i];
            self.scratch.clear();
            self.scratch.extend_from_slice(&self.clipped[start..end]);
            start = end;
            self.simplifier
                .simplify(&mut self.scratch, self.tolerance, false);
            let begin = self.coords.len();
            push_quantised(&mut self.coords, &self.scratch, begin);
            if self.coords.len() - begin >= 2 {
                self.parts.push(Part {
                    end: self.coords.len(),
                    exterior: false,
                });
            } else {
                self.coords.truncate(begin);
            }
        }
        !self.parts.is_empty()
    }

    /// Shapes one ring and appends it, wound for its role, unless it is degenerate. Returns
    /// whether it was kept.
    fn ring(&mut self, ring: &LineString<f64>, exterior: bool) -> bool {
        let mut coords = ring.0.as_slice();
        if coords.len() >= 2 && coords.first() == coords.last() {
            coords = &coords[..coords.len() - 1];
        }
        if coords.len() < 3 {
            return false;
        }
        self.projected.clear();
        let projection = self.projection;
        self.projected
            .extend(coords.iter().map(|&c| projection.pixel(c)));
        clip_ring(
            &self.projected,
            self.clip,
            &mut self.clipped,
            &mut self.scratch,
        );
        if self.clipped.len() < 3 {
            return false;
        }
        self.simplifier
            .simplify(&mut self.clipped, self.tolerance, true);
        let begin = self.coords.len();
        push_quantised(&mut self.coords, &self.clipped, begin);
        // An open ring: drop a last point equal to the first.
        if self.coords.len() - begin >= 2 && self.coords.last() == self.coords.get(begin) {
            self.coords.pop();
        }
        let area = signed_area2(&self.coords[begin..]);
        if self.coords.len() - begin < 3 || area == 0 {
            self.coords.truncate(begin);
            return false;
        }
        // MVT 2.1: exterior rings have a positive area with y pointing down (clockwise on screen),
        // holes a negative one.
        if (area > 0) != exterior {
            self.coords[begin..].reverse();
        }
        self.parts.push(Part {
            end: self.coords.len(),
            exterior,
        });
        true
    }

    /// Writes the shaped polygon rings into a polygon feature.
    pub fn write_rings(&self, feature: &mut MvtFeatureBuilder) -> MvtResult<()> {
        let mut start = 0;
        for part in &self.parts {
            feature.ring(self.coords[start..part.end].iter().copied(), part.exterior)?;
            start = part.end;
        }
        Ok(())
    }

    /// Writes the shaped line pieces into a line feature.
    pub fn write_lines(&self, feature: &mut MvtFeatureBuilder) -> MvtResult<()> {
        let mut start = 0;
        for part in &self.parts {
            feature.line(self.coords[start..part.end].iter().copied())?;
            start = part.end;
        }
        Ok(())
    }
}

/// Rounds a pixel to the integer grid.
#[inline]
fn quantise(p: [f64; 2]) -> MvtCoord {
    // The clip box bounds every value to a few thousand, far inside i32.
    MvtCoord {
        x: p[0].round() as i32,
        y: p[1].round() as i32,
    }
}

/// Appends the rounded points to `out`, skipping any equal to the one before (within the part
/// that started at `begin`).
fn push_quantised(out: &mut Vec<MvtCoord>, points: &[[f64; 2]], begin: usize) {
    for &p in points {
        let q = quantise(p);
        if out.len() > begin && out.last() == Some(&q) {
            continue;
        }
        out.push(q);
    }
}

/// Twice the signed area of an open ring (shoelace formula); positive when the ring runs
/// clockwise on screen, with y pointing down.
pub fn signed_area2(ring: &[MvtCoord]) -> i64 {
    let n = ring.len();
    if n < 3 {
        return 0;
    }
    let mut sum = 0i64;
    let mut prev = ring[n - 1];
    for &c in ring {
        sum += i64::from(prev.x) * i64::from(c.y) - i64::from(c.x) * i64::from(prev.y);
        prev = c;
    }
    sum
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::polygon;

    fn tile() -> TileId {
        TileId::new(0, 0, 0).expect("exists")
    }

    #[test]
    fn rings_are_wound_for_their_role() {
        // Counter-clockwise on the map (y up) is clockwise on screen (y down).
        let poly = polygon!(
            exterior: [(x: -90.0, y: -45.0), (x: 90.0, y: -45.0), (x: 90.0, y: 45.0), (x: -90.0, y: 45.0)],
            interiors: [[(x: -10.0, y: -10.0), (x: 10.0, y: -10.0), (x: 10.0, y: 10.0), (x: -10.0, y: 10.0)]],
        );
        let mut shaper = Shaper::new(tile());
        assert!(shaper.polygon(&MultiPolygon(vec![poly])));
        let parts = shaper.parts().to_vec();
        assert_eq!(parts.len(), 2);
        let exterior = &shaper.coords()[..parts[0].end];
        let hole = &shaper.coords()[parts[0].end..parts[1].end];
        assert!(parts[0].exterior && !parts[1].exterior);
        assert!(signed_area2(exterior) > 0);
        assert!(signed_area2(hole) < 0);
    }

    #[test]
    fn slivers_disappear() {
        // A degree-wide square at zoom 0 is 11 pixels; a thousandth of a degree is nothing.
        let tiny = polygon![(x: 10.0, y: 10.0), (x: 10.001, y: 10.0), (x: 10.001, y: 10.001), (x: 10.0, y: 10.001)];
        let mut shaper = Shaper::new(tile());
        assert!(!shaper.polygon(&MultiPolygon(vec![tiny])));
        assert!(shaper.coords().is_empty());
    }
}
