//! Douglas–Peucker simplification in tile pixels, in place, with caller-owned working buffers.
//!
//! Simplifying in pixels rather than degrees makes one tolerance right for every zoom: a vertex
//! that moves the outline by less than a fraction of a pixel is not worth its bytes.

/// Working space for [`Simplifier::simplify`], kept between features so that simplifying a tile allocates
/// nothing once the buffers have grown.
#[derive(Debug, Default)]
pub struct Simplifier {
    stack: Vec<(usize, usize)>,
    keep: Vec<bool>,
}

impl Simplifier {
    /// Removes the vertices of `points` that lie within `tolerance` pixels of the simplified
    /// outline. For a line the first and last points stay. For a ring (`closed`, given without a
    /// repeated closing point) the first point stays and the ring is treated as returning to it.
    pub fn simplify(&mut self, points: &mut Vec<[f64; 2]>, tolerance: f64, closed: bool) {
        if points.len() < 3 || tolerance <= 0.0 {
            return;
        }
        if closed {
            let first = points[0];
            points.push(first);
        }
        let n = points.len();
        self.keep.clear();
        self.keep.resize(n, false);
        self.keep[0] = true;
        self.keep[n - 1] = true;
        self.stack.clear();
        self.stack.push((0, n - 1));
        let tolerance2 = tolerance * tolerance;
        while let Some((first, last)) = self.stack.pop() {
            if last <= first + 1 {
                continue;
            }
            let (a, b) = (points[first], points[last]);
            let mut farthest = first;
            let mut max2 = tolerance2;
            for (i, &p) in points.iter().enumerate().take(last).skip(first + 1) {
                let d2 = distance2_to_segment(p, a, b);
                if d2 > max2 {
                    max2 = d2;
                    farthest = i;
                }
            }
            if farthest != first {
                self.keep[farthest] = true;
                self.stack.push((first, farthest));
                self.stack.push((farthest, last));
            }
        }
        let mut i = 0;
        points.retain(|_| {
            let kept = self.keep[i];
            i += 1;
            kept
        });
        if closed {
            points.pop();
        }
    }
}

/// Squared distance from `p` to the segment a–b (to `a` when the segment is a point).
#[inline]
fn distance2_to_segment(p: [f64; 2], a: [f64; 2], b: [f64; 2]) -> f64 {
    let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
    let len2 = dx * dx + dy * dy;
    let t = if len2 == 0.0 {
        0.0
    } else {
        (((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len2).clamp(0.0, 1.0)
    };
    let (ex, ey) = (a[0] + t * dx - p[0], a[1] + t * dy - p[1]);
    ex * ex + ey * ey
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearly_straight_lines_lose_their_middle() {
        let mut line = vec![[0.0, 0.0], [5.0, 0.3], [10.0, 0.0], [10.0, 10.0]];
        Simplifier::default().simplify(&mut line, 0.5, false);
        assert_eq!(line, vec![[0.0, 0.0], [10.0, 0.0], [10.0, 10.0]]);
    }

    #[test]
    fn a_ring_keeps_its_corners() {
        let mut ring = vec![
            [0.0, 0.0],
            [5.0, 0.2],
            [10.0, 0.0],
            [10.0, 10.0],
            [0.0, 10.0],
            [0.1, 5.0],
        ];
        Simplifier::default().simplify(&mut ring, 0.5, true);
        assert_eq!(
            ring,
            vec![[0.0, 0.0], [10.0, 0.0], [10.0, 10.0], [0.0, 10.0]]
        );
    }

    #[test]
    fn a_tiny_ring_collapses() {
        let mut ring = vec![[0.0, 0.0], [0.2, 0.0], [0.2, 0.2], [0.0, 0.2]];
        Simplifier::default().simplify(&mut ring, 1.0, true);
        assert!(ring.len() < 3, "{ring:?}");
    }
}
