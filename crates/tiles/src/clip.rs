//! Clipping in tile pixels: polygon rings against a square (Sutherland–Hodgman) and lines against
//! the same square (Liang–Barsky, one segment at a time), into caller-owned buffers so that
//! clipping a whole tile allocates nothing once the buffers have grown.

/// The square a tile's geometry is clipped to: the tile's extent plus its buffer on every side.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClipBox {
    /// Smallest coordinate kept, on both axes (−buffer).
    pub min: f64,
    /// Largest coordinate kept, on both axes (extent + buffer).
    pub max: f64,
}

impl ClipBox {
    /// The box of a tile with `extent` pixels and `buffer` pixels around it.
    pub fn new(extent: u32, buffer: u32) -> Self {
        Self {
            min: -f64::from(buffer),
            max: f64::from(extent) + f64::from(buffer),
        }
    }

    /// Whether a point lies in the box, edges included.
    #[inline]
    pub fn contains(&self, p: [f64; 2]) -> bool {
        p[0] >= self.min && p[0] <= self.max && p[1] >= self.min && p[1] <= self.max
    }

    /// Whether a box given by its corners lies wholly inside.
    #[inline]
    fn contains_box(&self, lo: [f64; 2], hi: [f64; 2]) -> bool {
        self.contains(lo) && self.contains(hi)
    }

    /// Whether a box given by its corners lies wholly outside.
    #[inline]
    fn misses_box(&self, lo: [f64; 2], hi: [f64; 2]) -> bool {
        hi[0] < self.min || hi[1] < self.min || lo[0] > self.max || lo[1] > self.max
    }
}

/// The bounding box of some points, as (low corner, high corner).
pub fn bounds(points: &[[f64; 2]]) -> ([f64; 2], [f64; 2]) {
    let mut lo = [f64::INFINITY; 2];
    let mut hi = [f64::NEG_INFINITY; 2];
    for p in points {
        lo[0] = lo[0].min(p[0]);
        lo[1] = lo[1].min(p[1]);
        hi[0] = hi[0].max(p[0]);
        hi[1] = hi[1].max(p[1]);
    }
    (lo, hi)
}

/// One side of the clip square, for Sutherland–Hodgman.
#[derive(Debug, Clone, Copy)]
enum Edge {
    Left(f64),
    Right(f64),
    Top(f64),
    Bottom(f64),
}

impl Edge {
    #[inline]
    fn inside(self, p: [f64; 2]) -> bool {
        match self {
            Edge::Left(v) => p[0] >= v,
            Edge::Right(v) => p[0] <= v,
            Edge::Top(v) => p[1] >= v,
            Edge::Bottom(v) => p[1] <= v,
        }
    }

    /// Where the segment a→b crosses this edge's line; only called when it does.
    #[inline]
    fn crossing(self, a: [f64; 2], b: [f64; 2]) -> [f64; 2] {
        match self {
            Edge::Left(v) | Edge::Right(v) => {
                let t = (v - a[0]) / (b[0] - a[0]);
                [v, a[1] + t * (b[1] - a[1])]
            }
            Edge::Top(v) | Edge::Bottom(v) => {
                let t = (v - a[1]) / (b[1] - a[1]);
                [a[0] + t * (b[0] - a[0]), v]
            }
        }
    }
}

/// Clips an open ring (no repeated closing point) to the box, writing the result, also open, to
/// `out`. An empty `out` means nothing of the ring is inside. `scratch` is working space.
///
/// Sutherland–Hodgman keeps one ring per input ring: where a concave polygon leaves the box and
/// comes back, the pieces stay joined by edges running along the box's side, outside the tile's
/// visible extent when the buffer is non-zero. That is the usual behaviour of tile encoders.
pub fn clip_ring(
    ring: &[[f64; 2]],
    clip: ClipBox,
    out: &mut Vec<[f64; 2]>,
    scratch: &mut Vec<[f64; 2]>,
) {
    out.clear();
    if ring.len() < 3 {
        return;
    }
    let (lo, hi) = bounds(ring);
    if clip.misses_box(lo, hi) {
        return;
    }
    out.extend_from_slice(ring);
    if clip.contains_box(lo, hi) {
        return;
    }
    let edges = [
        Edge::Left(clip.min),
        Edge::Right(clip.max),
        Edge::Top(clip.min),
        Edge::Bottom(clip.max),
    ];
    for edge in edges {
        if out.is_empty() {
            return;
        }
        std::mem::swap(out, scratch);
        out.clear();
        let input = scratch.as_slice();
        let mut prev = input[input.len() - 1];
        let mut prev_in = edge.inside(prev);
        for &cur in input {
            let cur_in = edge.inside(cur);
            if cur_in {
                if !prev_in {
                    out.push(edge.crossing(prev, cur));
                }
                out.push(cur);
            } else if prev_in {
                out.push(edge.crossing(prev, cur));
            }
            prev = cur;
            prev_in = cur_in;
        }
    }
}

/// Clips a line to the box. The pieces inside are appended to `points`, and the index one past
/// the end of each piece to `ends`, so piece *i* is `points[ends[i-1]..ends[i]]`. Both buffers
/// are cleared first.
pub fn clip_line(
    line: &[[f64; 2]],
    clip: ClipBox,
    points: &mut Vec<[f64; 2]>,
    ends: &mut Vec<usize>,
) {
    points.clear();
    ends.clear();
    if line.len() < 2 {
        return;
    }
    let (lo, hi) = bounds(line);
    if clip.misses_box(lo, hi) {
        return;
    }
    if clip.contains_box(lo, hi) {
        points.extend_from_slice(line);
        ends.push(points.len());
        return;
    }
    // Whether the last point written is the unclipped end of the previous segment, so that the
    // next segment continues the same piece.
    let mut open = false;
    for pair in line.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        match clip_segment(a, b, clip) {
            Some((t0, t1)) => {
                let start = lerp(a, b, t0);
                let end = lerp(a, b, t1);
                if !(open && t0 == 0.0) {
                    if open {
                        ends.push(points.len());
                    }
                    points.push(start);
                }
                points.push(end);
                open = t1 == 1.0;
                if !open {
                    ends.push(points.len());
                }
            }
            None => {
                if open {
                    ends.push(points.len());
                }
                open = false;
            }
        }
    }
    if open {
        ends.push(points.len());
    }
}

#[inline]
fn lerp(a: [f64; 2], b: [f64; 2], t: f64) -> [f64; 2] {
    if t == 0.0 {
        a
    } else if t == 1.0 {
        b
    } else {
        [a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])]
    }
}

/// Liang–Barsky: the parameter interval of segment a→b inside the box, if any.
fn clip_segment(a: [f64; 2], b: [f64; 2], clip: ClipBox) -> Option<(f64, f64)> {
    let d = [b[0] - a[0], b[1] - a[1]];
    let mut t0 = 0.0f64;
    let mut t1 = 1.0f64;
    for axis in 0..2 {
        for (p, q) in [
            (-d[axis], a[axis] - clip.min),
            (d[axis], clip.max - a[axis]),
        ] {
            if p == 0.0 {
                if q < 0.0 {
                    return None;
                }
            } else {
                let r = q / p;
                if p < 0.0 {
                    t0 = t0.max(r);
                } else {
                    t1 = t1.min(r);
                }
            }
        }
    }
    (t0 <= t1).then_some((t0, t1))
}

#[cfg(test)]
mod tests {
    use super::*;

    const BOX: ClipBox = ClipBox {
        min: 0.0,
        max: 10.0,
    };

    #[test]
    fn a_square_larger_than_the_box_becomes_the_box() {
        let ring = [[-5.0, -5.0], [15.0, -5.0], [15.0, 15.0], [-5.0, 15.0]];
        let (mut out, mut scratch) = (Vec::new(), Vec::new());
        clip_ring(&ring, BOX, &mut out, &mut scratch);
        let (lo, hi) = bounds(&out);
        assert_eq!((lo, hi), ([0.0, 0.0], [10.0, 10.0]));
        assert_eq!(out.len(), 4);
    }

    #[test]
    fn a_ring_outside_the_box_disappears() {
        let ring = [[20.0, 20.0], [30.0, 20.0], [30.0, 30.0]];
        let (mut out, mut scratch) = (Vec::new(), Vec::new());
        clip_ring(&ring, BOX, &mut out, &mut scratch);
        assert!(out.is_empty());
    }

    #[test]
    fn a_line_leaving_and_reentering_is_cut_in_two() {
        // In at the left, out at the top, back in, and out at the right.
        let line = [
            [-5.0, 5.0],
            [5.0, 5.0],
            [5.0, 15.0],
            [7.0, 15.0],
            [7.0, 5.0],
            [15.0, 5.0],
        ];
        let (mut points, mut ends) = (Vec::new(), Vec::new());
        clip_line(&line, BOX, &mut points, &mut ends);
        assert_eq!(ends, vec![3, 6]);
        assert_eq!(&points[..3], &[[0.0, 5.0], [5.0, 5.0], [5.0, 10.0]]);
        assert_eq!(&points[3..], &[[7.0, 10.0], [7.0, 5.0], [10.0, 5.0]]);
    }

    #[test]
    fn a_line_inside_is_kept_whole() {
        let line = [[1.0, 1.0], [2.0, 3.0], [4.0, 4.0]];
        let (mut points, mut ends) = (Vec::new(), Vec::new());
        clip_line(&line, BOX, &mut points, &mut ends);
        assert_eq!(ends, vec![3]);
        assert_eq!(points, line.to_vec());
    }
}
