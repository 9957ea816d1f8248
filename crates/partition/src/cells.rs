//! Voronoi cells of building points, computed by half-plane clipping and cut to their street block.
//!
//! geo has a Voronoi diagram, but its polygon clip has a known bug, and a block holds at most a few
//! hundred sites, so each cell is built directly: the block's box cut by the bisector of the site
//! and each nearer neighbour, stopping as soon as no farther site can reach the cell.

use geo::{BooleanOps, Coord, Intersects, LineString, MultiPolygon, Point, Polygon, Rect};
use rstar::RTree;
use rstar::primitives::GeomWithData;

use crate::shared::shared_length;

/// One convex Voronoi cell per site, each clipped to `rect`. Sites must be distinct.
pub(crate) fn voronoi_cells(sites: &[Coord<f64>], rect: Rect<f64>) -> Vec<Vec<Coord<f64>>> {
    let tree = RTree::bulk_load(
        sites
            .iter()
            .enumerate()
            .map(|(i, c)| GeomWithData::new([c.x, c.y], i))
            .collect(),
    );
    let (lo, hi) = (rect.min(), rect.max());
    sites
        .iter()
        .enumerate()
        .map(|(i, &s)| {
            let mut cell = vec![
                lo,
                Coord { x: hi.x, y: lo.y },
                hi,
                Coord { x: lo.x, y: hi.y },
            ];
            for other in tree.nearest_neighbor_iter(&[s.x, s.y]) {
                if other.data == i {
                    continue;
                }
                let o = Coord {
                    x: other.geom()[0],
                    y: other.geom()[1],
                };
                // A site more than twice as far as the cell's farthest corner cannot cut the
                // cell, nor can any site after it, since they come nearest first.
                let reach = cell
                    .iter()
                    .map(|c| (c.x - s.x).hypot(c.y - s.y))
                    .fold(0.0, f64::max);
                if (o.x - s.x).hypot(o.y - s.y) > 2.0 * reach {
                    break;
                }
                cell = clip_half_plane(&cell, s, o);
                if cell.len() < 3 {
                    break;
                }
            }
            cell
        })
        .collect()
}

/// The part of the convex polygon `cell` nearer to `s` than to `o` (Sutherland–Hodgman).
fn clip_half_plane(cell: &[Coord<f64>], s: Coord<f64>, o: Coord<f64>) -> Vec<Coord<f64>> {
    let n = Coord {
        x: o.x - s.x,
        y: o.y - s.y,
    };
    let m = Coord {
        x: (s.x + o.x) / 2.0,
        y: (s.y + o.y) / 2.0,
    };
    let side = |p: Coord<f64>| (p.x - m.x) * n.x + (p.y - m.y) * n.y;
    let mut out = Vec::with_capacity(cell.len() + 1);
    for k in 0..cell.len() {
        let (a, b) = (cell[k], cell[(k + 1) % cell.len()]);
        let (fa, fb) = (side(a), side(b));
        if fa <= 0.0 {
            out.push(a);
        }
        if (fa < 0.0 && fb > 0.0) || (fa > 0.0 && fb < 0.0) {
            let t = fa / (fa - fb);
            out.push(Coord {
                x: a.x + t * (b.x - a.x),
                y: a.y + t * (b.y - a.y),
            });
        }
    }
    out
}

/// Cuts `block` into one piece per site: the site's Voronoi cell within the block. A cell that
/// falls apart where the block is concave keeps the part holding its site; every other part goes
/// to the neighbouring piece it shares the longest boundary with, so that every piece is one
/// connected polygon and the pieces still tile the block.
pub(crate) fn cut_block(block: &Polygon<f64>, sites: &[Coord<f64>]) -> Vec<MultiPolygon<f64>> {
    let Some(rect) = geo::BoundingRect::bounding_rect(block.exterior()) else {
        return vec![MultiPolygon(vec![block.clone()]); sites.len().min(1)];
    };
    // A margin keeps sites on the block's edge strictly inside the box.
    let rect = Rect::new(
        Coord {
            x: rect.min().x - 1.0,
            y: rect.min().y - 1.0,
        },
        Coord {
            x: rect.max().x + 1.0,
            y: rect.max().y + 1.0,
        },
    );
    let mut pieces: Vec<MultiPolygon<f64>> = Vec::with_capacity(sites.len());
    let mut orphans: Vec<Polygon<f64>> = Vec::new();
    for (cell, site) in voronoi_cells(sites, rect).into_iter().zip(sites) {
        if cell.len() < 3 {
            pieces.push(MultiPolygon(Vec::new()));
            continue;
        }
        let cell = Polygon::new(LineString::from(cell), Vec::new());
        let clipped = cell.intersection(block);
        let mut parts = clipped.0;
        let keep = parts
            .iter()
            .position(|p| p.intersects(&Point(*site)))
            .or_else(|| largest(&parts));
        match keep {
            Some(k) => {
                let kept = parts.swap_remove(k);
                orphans.extend(parts);
                pieces.push(MultiPolygon(vec![kept]));
            }
            None => pieces.push(MultiPolygon(Vec::new())),
        }
    }
    for orphan in orphans {
        let orphan = MultiPolygon(vec![orphan]);
        let best = pieces
            .iter()
            .enumerate()
            .map(|(i, p)| (i, shared_length(&orphan, p)))
            .filter(|(_, l)| *l > 0.0)
            .max_by(|a, b| a.1.total_cmp(&b.1));
        match best {
            Some((i, _)) => pieces[i] = pieces[i].union(&orphan),
            // Touching no cell along a line cannot happen inside one connected block; should
            // it, the part stays with the first cell so that nothing is lost.
            None => {
                if let Some(first) = pieces.first_mut() {
                    first.0.extend(orphan.0);
                }
            }
        }
    }
    pieces
}

fn largest(parts: &[Polygon<f64>]) -> Option<usize> {
    use geo::Area;
    parts
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.unsigned_area().total_cmp(&b.1.unsigned_area()))
        .map(|(i, _)| i)
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{Area, polygon};

    #[test]
    fn cells_tile_a_concave_block_and_hold_their_sites() {
        // An L-shaped block, 100 m arms.
        let block: Polygon<f64> = polygon![
            (x: 0.0, y: 0.0), (x: 100.0, y: 0.0), (x: 100.0, y: 20.0),
            (x: 20.0, y: 20.0), (x: 20.0, y: 100.0), (x: 0.0, y: 100.0)
        ];
        let sites = [
            Coord { x: 10.0, y: 10.0 },
            Coord { x: 90.0, y: 10.0 },
            Coord { x: 10.0, y: 90.0 },
            Coord { x: 50.0, y: 12.0 },
            Coord { x: 12.0, y: 55.0 },
        ];
        let pieces = cut_block(&block, &sites);
        assert_eq!(pieces.len(), sites.len());
        let total: f64 = pieces.iter().map(|p| p.unsigned_area()).sum();
        assert!((total - block.unsigned_area()).abs() < 1e-6, "{total}");
        for (piece, site) in pieces.iter().zip(&sites) {
            assert_eq!(piece.0.len(), 1, "one connected polygon");
            assert!(piece.intersects(&Point(*site)));
        }
    }
}
