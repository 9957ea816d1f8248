//! Noding: neighbouring units made to meet vertex for vertex.
//!
//! Units come out of separate boolean operations, each snapping to its own integer grid, so two
//! units that share a boundary may not share its vertices: one side's vertex can lie a fraction of
//! a micrometre off the other side's edge. The graph (which matches boundaries within
//! [`TOUCH_M`](crate::shared::TOUCH_M)) calls them neighbours, yet a union of the two leaves a
//! hairline wedge between them and comes out as two polygons. Noding removes the difference:
//! vertices of land units within [`SNAP_M`] of another unit's vertex move onto it, and every
//! vertex of another unit lying within [`SNAP_M`] of a land unit's edge is inserted into that
//! edge. Compounds keep their own outline; land units adapt to them. Nothing moves by more than
//! [`SNAP_M`], so areas change by square millimetres at most.

use geo::{Coord, LineString, MultiPolygon, Polygon};
use rstar::primitives::GeomWithData;
use rstar::{AABB, RTree};

use crate::shared::despike;

/// How far apart two boundaries' vertices and edges may lie and still be made to meet, m.
pub(crate) const SNAP_M: f64 = 1e-3;

type VertexTree = RTree<GeomWithData<[f64; 2], (usize, bool)>>;

fn vertices(g: &MultiPolygon<f64>) -> impl Iterator<Item = Coord<f64>> + '_ {
    g.0.iter()
        .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
        .flat_map(|r| r.0.iter().copied())
}

fn tree(geometries: &[MultiPolygon<f64>], fixed: &[bool]) -> VertexTree {
    RTree::bulk_load(
        geometries
            .iter()
            .enumerate()
            .flat_map(|(u, g)| {
                vertices(g).map(move |c| GeomWithData::new([c.x, c.y], (u, fixed[u])))
            })
            .collect(),
    )
}

fn near(c: Coord<f64>, by: f64) -> AABB<[f64; 2]> {
    AABB::from_corners([c.x - by, c.y - by], [c.x + by, c.y + by])
}

fn map_rings(
    g: &MultiPolygon<f64>,
    mut f: impl FnMut(&[Coord<f64>]) -> Vec<Coord<f64>>,
) -> MultiPolygon<f64> {
    let mut ring = |r: &LineString<f64>| LineString::from(f(&r.0));
    MultiPolygon(
        g.0.iter()
            .map(|p| {
                let exterior = ring(p.exterior());
                let interiors = p.interiors().iter().map(&mut ring).collect();
                Polygon::new(exterior, interiors)
            })
            .collect(),
    )
}

/// Nodes `geometries` (metres) in place; those marked `fixed` are left as they are.
pub(crate) fn node(geometries: &mut [MultiPolygon<f64>], fixed: &[bool]) {
    // 1. Vertex to vertex: a movable vertex goes to the nearest fixed vertex within reach, or
    //    else to the smallest (by x, then y) vertex within reach, so that every unit moving
    //    vertices of one cluster moves them to the same point.
    let vertex_tree = tree(geometries, fixed);
    for u in 0..geometries.len() {
        if fixed[u] {
            continue;
        }
        geometries[u] = map_rings(&geometries[u], |ring| {
            ring.iter()
                .map(|&c| {
                    let close: Vec<&GeomWithData<[f64; 2], (usize, bool)>> = vertex_tree
                        .locate_in_envelope(&near(c, SNAP_M))
                        .filter(|v| (v.geom()[0] - c.x).hypot(v.geom()[1] - c.y) <= SNAP_M)
                        .collect();
                    let pinned = close.iter().filter(|v| v.data.1).min_by(|a, b| {
                        let da = (a.geom()[0] - c.x).hypot(a.geom()[1] - c.y);
                        let db = (b.geom()[0] - c.x).hypot(b.geom()[1] - c.y);
                        da.total_cmp(&db)
                    });
                    let to = pinned.map(|v| *v.geom()).or_else(|| {
                        close
                            .iter()
                            .map(|v| *v.geom())
                            .min_by(|a, b| a[0].total_cmp(&b[0]).then(a[1].total_cmp(&b[1])))
                    });
                    to.map_or(c, |[x, y]| Coord { x, y })
                })
                .collect()
        });
    }
    // 2. Vertices of other units lying on a movable unit's edge are inserted into it.
    let vertex_tree = tree(geometries, fixed);
    for u in 0..geometries.len() {
        if fixed[u] {
            continue;
        }
        let noded = map_rings(&geometries[u], |ring| {
            let mut out = Vec::with_capacity(ring.len());
            for pair in ring.windows(2) {
                let (a, b) = (pair[0], pair[1]);
                out.push(a);
                let d = Coord {
                    x: b.x - a.x,
                    y: b.y - a.y,
                };
                let len2 = d.x * d.x + d.y * d.y;
                if len2 == 0.0 {
                    continue;
                }
                let envelope = AABB::from_corners(
                    [a.x.min(b.x) - SNAP_M, a.y.min(b.y) - SNAP_M],
                    [a.x.max(b.x) + SNAP_M, a.y.max(b.y) + SNAP_M],
                );
                let mut inserted: Vec<(f64, Coord<f64>)> = vertex_tree
                    .locate_in_envelope_intersecting(&envelope)
                    .filter(|v| v.data.0 != u)
                    .filter_map(|v| {
                        let p = Coord {
                            x: v.geom()[0],
                            y: v.geom()[1],
                        };
                        let t = ((p.x - a.x) * d.x + (p.y - a.y) * d.y) / len2;
                        let foot = Coord {
                            x: a.x + t * d.x,
                            y: a.y + t * d.y,
                        };
                        let off = (p.x - foot.x).hypot(p.y - foot.y);
                        let from_ends = (p.x - a.x)
                            .hypot(p.y - a.y)
                            .min((p.x - b.x).hypot(p.y - b.y));
                        (t > 0.0 && t < 1.0 && off <= SNAP_M && from_ends > SNAP_M)
                            .then_some((t, p))
                    })
                    .collect();
                inserted.sort_by(|x, y| x.0.total_cmp(&y.0));
                inserted.dedup_by(|x, y| x.1 == y.1);
                out.extend(inserted.into_iter().map(|(_, p)| p));
            }
            if let Some(&last) = ring.last() {
                out.push(last);
            }
            out
        });
        geometries[u] = despike(&noded);
    }
}
