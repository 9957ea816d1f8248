//! Boundary matching in metres: which stretches of two outlines run along each other.
//!
//! Units come out of separate boolean operations, each snapping to its own integer grid, so a
//! boundary two units share need not have identical vertices on both sides (one side may be split
//! where a third unit meets it, and coordinates may differ by micrometres). Matching is therefore
//! done segment against segment within a small tolerance, never by comparing vertices.

use geo::MultiPolygon;

/// A straight piece of an outline, in metres.
pub(crate) type Seg = [[f64; 2]; 2];

/// How far apart two boundaries may lie and still count as one shared boundary: far above the
/// micrometre noise of boolean operations, far below anything a planner could draw.
pub(crate) const TOUCH_M: f64 = 0.01;

/// Every non-degenerate segment of every ring of `g`.
pub(crate) fn segments(g: &MultiPolygon<f64>) -> Vec<Seg> {
    let mut out = Vec::new();
    for polygon in &g.0 {
        for ring in std::iter::once(polygon.exterior()).chain(polygon.interiors()) {
            for line in ring.lines() {
                let s = [[line.start.x, line.start.y], [line.end.x, line.end.y]];
                if s[0] != s[1] {
                    out.push(s);
                }
            }
        }
    }
    out
}

/// The part of `s` along which `t` runs, as parameters `(from, to)` in `0..=1` along `s`, or
/// `None` when they do not run along each other for a positive length.
pub(crate) fn overlap(s: Seg, t: Seg) -> Option<(f64, f64)> {
    let d = [s[1][0] - s[0][0], s[1][1] - s[0][1]];
    let len = d[0].hypot(d[1]);
    if len < 1e-9 {
        return None;
    }
    let u = [d[0] / len, d[1] / len];
    let mut along = [0.0; 2];
    for (i, p) in t.iter().enumerate() {
        let v = [p[0] - s[0][0], p[1] - s[0][1]];
        // Both ends of `t` must lie on the line through `s`, which also makes the two parallel.
        if (u[0] * v[1] - u[1] * v[0]).abs() > TOUCH_M {
            return None;
        }
        along[i] = u[0] * v[0] + u[1] * v[1];
    }
    let lo = along[0].min(along[1]).max(0.0);
    let hi = along[0].max(along[1]).min(len);
    (hi - lo > 1e-9).then(|| (lo / len, hi / len))
}

/// The length in metres of boundary that `a` and `b` share, by brute force; for small pieces.
pub(crate) fn shared_length(a: &MultiPolygon<f64>, b: &MultiPolygon<f64>) -> f64 {
    let tb = segments(b);
    segments(a)
        .into_iter()
        .map(|s| {
            let len = (s[1][0] - s[0][0]).hypot(s[1][1] - s[0][1]);
            let mut parts: Vec<(f64, f64)> = tb.iter().filter_map(|t| overlap(s, *t)).collect();
            covered(&mut parts) * len
        })
        .sum()
}

/// The total length of the union of parameter intervals.
pub(crate) fn covered(parts: &mut [(f64, f64)]) -> f64 {
    parts.sort_by(|x, y| x.0.total_cmp(&y.0));
    let mut total = 0.0;
    let mut current: Option<(f64, f64)> = None;
    for &(lo, hi) in parts.iter() {
        match current {
            Some((clo, chi)) if lo <= chi => current = Some((clo, chi.max(hi))),
            Some((clo, chi)) => {
                total += chi - clo;
                current = Some((lo, hi));
            }
            None => current = Some((lo, hi)),
        }
    }
    if let Some((lo, hi)) = current {
        total += hi - lo;
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{MultiPolygon, polygon};

    fn square(x: f64, y: f64, s: f64) -> MultiPolygon<f64> {
        MultiPolygon(vec![
            polygon![(x: x, y: y), (x: x + s, y: y), (x: x + s, y: y + s), (x: x, y: y + s)],
        ])
    }

    #[test]
    fn neighbours_share_their_common_side_and_corners_share_nothing() {
        let a = square(0.0, 0.0, 10.0);
        // Half of `a`'s east side, micrometres off.
        let b = square(10.000_001, 5.0, 10.0);
        assert!((shared_length(&a, &b) - 5.0).abs() < 1e-6);
        assert!((shared_length(&b, &a) - 5.0).abs() < 1e-6);
        let corner = square(10.0, 10.0, 10.0);
        assert_eq!(shared_length(&a, &corner), 0.0);
        let apart = square(10.5, 0.0, 10.0);
        assert_eq!(shared_length(&a, &apart), 0.0);
    }

    #[test]
    fn intervals_are_merged() {
        let mut parts = vec![(0.5, 0.7), (0.0, 0.2), (0.1, 0.3), (0.6, 0.9)];
        assert!((covered(&mut parts) - 0.7).abs() < 1e-12);
    }
}
