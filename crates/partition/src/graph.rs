//! The unit graph: which planning units share a boundary, how long, and how much of it runs along
//! a street. The splitter scores "boundary not on streets" with it.

use std::collections::HashMap;

use geo::Coord;
use rstar::primitives::{GeomWithData, Line};
use rstar::{AABB, RTree, RTreeObject};
use serde::{Deserialize, Serialize};
use wangge_core::{Id, StreetSegment};

use crate::shared::{Seg, TOUCH_M, covered, overlap, segments};
use crate::units::{UnitId, UnitSet};

/// How near a street centre line a shared boundary must run to count as "along the street", m.
/// Blocks are cut on the centre lines themselves; the tolerance admits boundaries a few metres
/// off, such as a compound fence on a narrow lane.
pub const STREET_TOLERANCE_M: f64 = 3.0;

/// Two units sharing less boundary than this, m, are not neighbours: they touch at a point, or
/// along a stretch too short to walk or to draw.
pub const MIN_SHARED_M: f64 = 0.5;

/// A pair of neighbouring units.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Edge {
    /// The unit with the smaller id.
    pub a: UnitId,
    /// The unit with the larger id.
    pub b: UnitId,
    /// The length of boundary they share, m.
    pub shared_m: f64,
    /// The part of it within [`STREET_TOLERANCE_M`] of a street centre line, m.
    pub on_street_m: f64,
}

impl Edge {
    /// The share of the boundary that runs along streets, 0–1.
    pub fn street_share(&self) -> f64 {
        if self.shared_m > 0.0 {
            (self.on_street_m / self.shared_m).min(1.0)
        } else {
            0.0
        }
    }
}

/// Units as nodes, shared boundaries of positive length as edges.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnitGraph {
    /// The edges, sorted by `(a, b)`.
    pub edges: Vec<Edge>,
    /// For each unit, the indices into `edges` of the edges it is on.
    adjacency: Vec<Vec<usize>>,
    /// The community of each unit, for walks that must stay inside one.
    communities: Vec<Id>,
}

type SegmentTree = RTree<GeomWithData<Line<[f64; 2]>, UnitId>>;

impl UnitGraph {
    /// Builds the graph of `units`, tagging edges with the streets they run along.
    ///
    /// Every boundary segment goes into one R-tree; each segment then finds the segments of
    /// other units lying along it (within 1 cm, which absorbs the snapping of boolean
    /// operations), and the overlapping stretches are measured against an R-tree of streets.
    ///
    /// # Examples
    ///
    /// ```
    /// use wangge_partition::{UnitGraph, planning_units};
    /// let data = wangge_demo::generate(&wangge_demo::DemoSettings::builtin());
    /// let units = planning_units(&data, "community").expect("the level exists");
    /// let graph = UnitGraph::build(&units, &data.streets);
    /// let community = data.zones.iter().find(|z| z.level == "community").expect("demo has them");
    /// assert_eq!(graph.components_in(&units, community.id), 1);
    /// ```
    pub fn build(units: &UnitSet, streets: &[StreetSegment]) -> UnitGraph {
        let projection = units.projection;
        let mut items = Vec::new();
        for unit in &units.units {
            let metric = projection.polygons_to_metres(&unit.geometry);
            for s in segments(&metric) {
                items.push(GeomWithData::new(Line::new(s[0], s[1]), unit.id));
            }
        }
        let tree: SegmentTree = RTree::bulk_load(items);
        let mut street_items = Vec::new();
        for street in streets {
            let line = projection.line_to_metres(&street.geometry);
            for l in line.lines() {
                if l.start != l.end {
                    street_items.push(Line::new([l.start.x, l.start.y], [l.end.x, l.end.y]));
                }
            }
        }
        let street_tree = RTree::bulk_load(street_items);

        // For each segment, the stretches shared with each neighbour. Each pair is measured from
        // both sides and the smaller total kept: a side whose outline runs over the same stretch
        // twice (a zero-width slit) would otherwise count it twice, and no unit can share more
        // boundary with a neighbour than the neighbour has along it.
        let mut found: HashMap<(UnitId, UnitId), [(f64, f64); 2]> = HashMap::new();
        for item in tree.iter() {
            let a = item.data;
            let s: Seg = [item.geom().from, item.geom().to];
            let len = (s[1][0] - s[0][0]).hypot(s[1][1] - s[0][1]);
            let envelope = grow(item.geom().envelope(), TOUCH_M);
            let mut by_unit: HashMap<UnitId, Vec<(f64, f64)>> = HashMap::new();
            for other in tree.locate_in_envelope_intersecting(&envelope) {
                if other.data == a {
                    continue;
                }
                if let Some(part) = overlap(s, [other.geom().from, other.geom().to]) {
                    by_unit.entry(other.data).or_default().push(part);
                }
            }
            for (b, mut parts) in by_unit {
                parts.sort_by(|x, y| x.0.total_cmp(&y.0));
                let shared = covered(&mut parts) * len;
                let on_street: f64 = merge(&parts)
                    .into_iter()
                    .map(|(lo, hi)| {
                        let piece = [lerp(s, lo), lerp(s, hi)];
                        along_streets(piece, &street_tree)
                    })
                    .sum();
                let side = usize::from(a > b);
                let entry = found.entry((a.min(b), a.max(b))).or_default();
                entry[side].0 += shared;
                entry[side].1 += on_street;
            }
        }
        let mut edges: Vec<Edge> = found
            .into_iter()
            .map(|(pair, sides)| {
                let side = if sides[0].0 <= sides[1].0 { 0 } else { 1 };
                (pair, sides[side])
            })
            .filter(|(_, (shared, _))| *shared >= MIN_SHARED_M)
            .map(|((a, b), (shared_m, on_street_m))| Edge {
                a,
                b,
                shared_m,
                on_street_m: on_street_m.min(shared_m),
            })
            .collect();
        edges.sort_by_key(|e| (e.a, e.b));
        let mut adjacency = vec![Vec::new(); units.units.len()];
        for (i, e) in edges.iter().enumerate() {
            adjacency[e.a].push(i);
            adjacency[e.b].push(i);
        }
        UnitGraph {
            edges,
            adjacency,
            communities: units.units.iter().map(|u| u.community).collect(),
        }
    }

    /// The neighbours of a unit, with the edge to each.
    pub fn neighbours(&self, unit: UnitId) -> impl Iterator<Item = (UnitId, &Edge)> {
        self.adjacency
            .get(unit)
            .into_iter()
            .flatten()
            .map(move |&i| {
                let e = &self.edges[i];
                (if e.a == unit { e.b } else { e.a }, e)
            })
    }

    /// The edge between two units, if they are neighbours.
    pub fn edge(&self, a: UnitId, b: UnitId) -> Option<&Edge> {
        self.neighbours(a).find(|(n, _)| *n == b).map(|(_, e)| e)
    }

    /// How many connected pieces the units of one community form, walking only edges inside it.
    /// A community that is one connected piece gives 1; one without units gives 0.
    pub fn components_in(&self, units: &UnitSet, community: Id) -> usize {
        let members: Vec<UnitId> = units.of_community(community).map(|u| u.id).collect();
        let mut seen = vec![false; self.communities.len()];
        let mut pieces = 0;
        for &start in &members {
            if seen[start] {
                continue;
            }
            pieces += 1;
            seen[start] = true;
            let mut stack = vec![start];
            while let Some(u) = stack.pop() {
                for (n, _) in self.neighbours(u) {
                    if !seen[n] && self.communities[n] == community {
                        seen[n] = true;
                        stack.push(n);
                    }
                }
            }
        }
        pieces
    }
}

fn grow(e: AABB<[f64; 2]>, by: f64) -> AABB<[f64; 2]> {
    let (lo, hi) = (e.lower(), e.upper());
    AABB::from_corners([lo[0] - by, lo[1] - by], [hi[0] + by, hi[1] + by])
}

fn lerp(s: Seg, t: f64) -> [f64; 2] {
    [
        s[0][0] + t * (s[1][0] - s[0][0]),
        s[0][1] + t * (s[1][1] - s[0][1]),
    ]
}

/// Sorted intervals merged where they overlap.
fn merge(parts: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let mut out: Vec<(f64, f64)> = Vec::new();
    for &(lo, hi) in parts {
        match out.last_mut() {
            Some(last) if lo <= last.1 => last.1 = last.1.max(hi),
            _ => out.push((lo, hi)),
        }
    }
    out
}

/// The length of `piece` lying within [`STREET_TOLERANCE_M`] of some street centre line.
fn along_streets(piece: Seg, streets: &RTree<Line<[f64; 2]>>) -> f64 {
    let len = (piece[1][0] - piece[0][0]).hypot(piece[1][1] - piece[0][1]);
    if len == 0.0 {
        return 0.0;
    }
    let envelope = grow(AABB::from_corners(piece[0], piece[1]), STREET_TOLERANCE_M);
    let mut parts: Vec<(f64, f64)> = streets
        .locate_in_envelope_intersecting(&envelope)
        .filter_map(|street| near_interval(piece, street, STREET_TOLERANCE_M))
        .collect();
    covered(&mut parts) * len
}

/// The parameters of `piece` within `r` of the segment `street`. The distance from a point moving
/// along a line to a segment is convex, so the set is one interval: find the nearest parameter by
/// ternary search, then each end by bisection.
fn near_interval(piece: Seg, street: &Line<[f64; 2]>, r: f64) -> Option<(f64, f64)> {
    let d = |t: f64| distance_to_segment(lerp(piece, t), street.from, street.to);
    // Both ends near means all of it is near (convexity): the common case of a boundary cut on
    // the centre line itself, answered without searching.
    if d(0.0) <= r && d(1.0) <= r {
        return Some((0.0, 1.0));
    }
    let (mut lo, mut hi) = (0.0_f64, 1.0_f64);
    for _ in 0..60 {
        let m1 = lo + (hi - lo) / 3.0;
        let m2 = hi - (hi - lo) / 3.0;
        if d(m1) <= d(m2) {
            hi = m2;
        } else {
            lo = m1;
        }
    }
    let best = (lo + hi) / 2.0;
    if d(best) > r {
        return None;
    }
    let edge = |mut inside: f64, mut outside: f64| {
        if d(outside) <= r {
            return outside;
        }
        for _ in 0..50 {
            let m = (inside + outside) / 2.0;
            if d(m) <= r {
                inside = m;
            } else {
                outside = m;
            }
        }
        inside
    };
    Some((edge(best, 0.0), edge(best, 1.0)))
}

fn distance_to_segment(p: [f64; 2], a: [f64; 2], b: [f64; 2]) -> f64 {
    let ab = Coord {
        x: b[0] - a[0],
        y: b[1] - a[1],
    };
    let ap = Coord {
        x: p[0] - a[0],
        y: p[1] - a[1],
    };
    let l2 = ab.x * ab.x + ab.y * ab.y;
    let t = if l2 > 0.0 {
        ((ap.x * ab.x + ap.y * ab.y) / l2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    (ap.x - t * ab.x).hypot(ap.y - t * ab.y)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stretch_near_a_street_is_measured() {
        // A 100 m boundary; a street runs 2 m beside its middle 40 m and then turns away.
        let piece: Seg = [[0.0, 0.0], [100.0, 0.0]];
        let street = Line::new([30.0, 2.0], [70.0, 2.0]);
        let (lo, hi) = near_interval(piece, &street, 3.0).expect("near");
        // Within 3 m: x from 30 − √5 to 70 + √5.
        let expected = 40.0 + 2.0 * 5.0_f64.sqrt();
        assert!(((hi - lo) * 100.0 - expected).abs() < 1e-6, "{lo} {hi}");
        let far = Line::new([0.0, 5.0], [100.0, 5.0]);
        assert_eq!(near_interval(piece, &far, 3.0), None);
        let tree = RTree::bulk_load(vec![street, Line::new([60.0, -1.0], [90.0, -1.0])]);
        let both = along_streets(piece, &tree);
        let expected = (90.0 + 8.0_f64.sqrt()) - (30.0 - 5.0_f64.sqrt());
        assert!((both - expected).abs() < 1e-6, "{both}");
    }
}
