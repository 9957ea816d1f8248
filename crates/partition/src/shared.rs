//! Boundary matching in metres: which stretches of two outlines run along each other.
//!
//! Units come out of separate boolean operations, each snapping to its own integer grid, so a
//! boundary two units share need not have identical vertices on both sides (one side may be split
//! where a third unit meets it, and coordinates may differ by micrometres). Matching is therefore
//! done segment against segment within a small tolerance, never by comparing vertices.

use geo::{Area, Coord, LineString, MultiPolygon, Polygon};

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

/// Turns narrower than this, m, at a vertex where the outline doubles back are spikes (see
/// [`despike`]).
pub(crate) const SPIKE_M: f64 = 1e-3;

/// Removes zero-width spikes from every ring of `g` (metres): a vertex where the outline turns
/// back on itself (the angle between the two edges at it is acute) and the triangle it makes
/// with its neighbours is a needle, under [`SPIKE_M`] across, is dropped, repeatedly, so a spike
/// running out and back along several vertices goes whole. Boolean operations leave such
/// needles where two boundaries run within float noise of each other; they hold no land (the
/// area changes by micro-square-metres) but lie along a neighbour's edge, where they would count
/// as shared boundary the union of the two units does not have. Rings left with no area go.
pub(crate) fn despike(g: &MultiPolygon<f64>) -> MultiPolygon<f64> {
    let polygons =
        g.0.iter()
            .filter_map(|polygon| {
                let exterior = despike_ring(polygon.exterior())?;
                let interiors = polygon
                    .interiors()
                    .iter()
                    .filter_map(despike_ring)
                    .collect();
                Some(Polygon::new(exterior, interiors))
            })
            .collect();
    MultiPolygon(polygons)
}

fn despike_ring(ring: &LineString<f64>) -> Option<LineString<f64>> {
    let mut points: Vec<Coord<f64>> = ring.0.clone();
    if points.len() > 1 && points.first() == points.last() {
        points.pop();
    }
    points.dedup();
    let mut changed = true;
    while changed && points.len() >= 3 {
        changed = false;
        let mut i = 0;
        while i < points.len() && points.len() >= 3 {
            let n = points.len();
            let (p, v, q) = (points[(i + n - 1) % n], points[i], points[(i + 1) % n]);
            if is_spike(p, v, q) {
                points.remove(i);
                changed = true;
                // The vertex before may now be the tip of what is left of the spike.
                i = i.saturating_sub(1);
            } else {
                i += 1;
            }
        }
    }
    if points.len() < 3 {
        return None;
    }
    let ring = LineString::from(points);
    let closed = Polygon::new(ring, Vec::new());
    (closed.unsigned_area() > 0.0).then(|| closed.exterior().clone())
}

/// Whether `v` is the tip of a needle between `p` and `q`.
fn is_spike(p: Coord<f64>, v: Coord<f64>, q: Coord<f64>) -> bool {
    let a = (v.x - p.x, v.y - p.y);
    let b = (q.x - v.x, q.y - v.y);
    let (la, lb) = (a.0.hypot(a.1), b.0.hypot(b.1));
    if la == 0.0 || lb == 0.0 {
        return true;
    }
    if a.0 * b.0 + a.1 * b.1 >= 0.0 {
        return false;
    }
    let longest = la.max(lb).max((q.x - p.x).hypot(q.y - p.y));
    let twice_area = (a.0 * b.1 - a.1 * b.0).abs();
    twice_area / longest < SPIKE_M
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{Area, MultiPolygon, polygon};

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
    fn spikes_are_removed_and_corners_kept() {
        // A square with a 50 m needle, a micrometre wide, running out of its east side along
        // the x axis and back.
        let spiked: MultiPolygon<f64> = MultiPolygon(vec![polygon![
            (x: 0.0, y: 0.0), (x: 10.0, y: 0.0), (x: 60.0, y: 0.000_001), (x: 30.0, y: 0.0),
            (x: 10.0, y: 0.0), (x: 10.0, y: 10.0), (x: 0.0, y: 10.0)
        ]]);
        let clean = despike(&spiked);
        assert!((clean.unsigned_area() - 100.0).abs() < 1e-3);
        let perimeter: f64 = segments(&clean)
            .iter()
            .map(|s| (s[1][0] - s[0][0]).hypot(s[1][1] - s[0][1]))
            .sum();
        assert!((perimeter - 40.0).abs() < 1e-3, "{perimeter}");
        // A sharp but real corner stays.
        let wedge: MultiPolygon<f64> = MultiPolygon(vec![
            polygon![(x: 0.0, y: 0.0), (x: 100.0, y: 0.0), (x: 0.0, y: 5.0)],
        ]);
        assert_eq!(despike(&wedge), wedge);
    }

    #[test]
    fn intervals_are_merged() {
        let mut parts = vec![(0.5, 0.7), (0.0, 0.2), (0.1, 0.3), (0.6, 0.9)];
        assert!((covered(&mut parts) - 0.7).abs() < 1e-12);
    }
}
