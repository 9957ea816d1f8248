//! The walking graph of the items: how a chief gets from one duty to the next.
//!
//! - Street segments are joined where one touches another: a vertex of one within
//!   [`JOIN_M`] of the other's centre line (junctions, shared OSM nodes, T-junctions).
//! - A building is joined to its nearest street segment, to the others about as near (a corner
//!   building faces two), and, when none of those lies in its own community, to the nearest
//!   street segment that does.
//! - Buildings facing the same street segment are joined to their nearest neighbours along it
//!   (within 60 m): the street is walked to reach them, whoever answers for it.
//! - Buildings of one compound are joined to each other (a spanning tree of the shortest links
//!   and each one's nearest neighbours): the compound is walked inside its gates.
//! - A building left with no link at all (no street near, alone in its compound) is joined to
//!   its nearest buildings; without streets every building is.
//!
//! Edges carry the straight distance between the items' points in metres.

use std::collections::BTreeMap;

use rstar::RTree;
use rstar::primitives::{GeomWithData, Line};
use wangge_core::Dataset;

use crate::items::Items;

/// Street segments closer than this, m, are joined.
pub(crate) const JOIN_M: f64 = 1.5;

/// A building is joined to every street segment within this many metres of its nearest one.
const ALSO_NEAR_M: f64 = 15.0;

/// Buildings on the same street segment this close, m, are joined.
const ALONG_STREET_M: f64 = 60.0;

/// How far, m, beyond the nearest street segment to look for one in the building's community.
const OWN_COMMUNITY_M: f64 = 150.0;

/// The item graph: adjacency lists with edge lengths in metres.
#[derive(Debug, Clone, Default)]
pub(crate) struct ItemGraph {
    /// Neighbours of each item and the distance to them.
    pub adj: Vec<Vec<(usize, f64)>>,
}

type Piece = GeomWithData<Line<[f64; 2]>, usize>;

impl ItemGraph {
    /// Builds the graph; `community` gives each item's community zone, if known.
    pub fn build(data: &Dataset, items: &Items, community: Option<&[Option<usize>]>) -> ItemGraph {
        let n = items.len();
        let nb = items.buildings;
        let mut edges: Vec<(usize, usize)> = Vec::new();
        let project = |c: &geo::Coord<f64>| {
            let m = items.projection.to_metres(*c);
            [m.x, m.y]
        };
        // Street pieces.
        let pieces: Vec<Piece> = items
            .record
            .iter()
            .enumerate()
            .skip(nb)
            .flat_map(|(item, &record)| {
                data.streets[record]
                    .geometry
                    .lines()
                    .map(move |l| {
                        GeomWithData::new(Line::new(project(&l.start), project(&l.end)), item)
                    })
                    .collect::<Vec<_>>()
            })
            .collect();
        let tree = RTree::bulk_load(pieces);
        for item in nb..n {
            for c in &data.streets[items.record[item]].geometry.0 {
                let p = project(c);
                for piece in tree.locate_within_distance(p, JOIN_M * JOIN_M) {
                    if piece.data != item {
                        edges.push((item.min(piece.data), item.max(piece.data)));
                    }
                }
            }
        }
        // Buildings to streets.
        let mut linked = vec![false; n];
        let mut on_street: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        if tree.size() > 0 {
            for b in 0..nb {
                let p = items.xy[b];
                let mut chosen: Vec<usize> = Vec::new();
                let mut nearest = None;
                let mut own = community.is_none_or(|c| c[b].is_none());
                for (checked, (piece, d2)) in
                    tree.nearest_neighbor_iter_with_distance_2(&p).enumerate()
                {
                    let d = d2.sqrt();
                    let d0 = *nearest.get_or_insert(d);
                    let street = piece.data;
                    let same = community.is_some_and(|c| c[street] == c[b]);
                    if d <= d0 + ALSO_NEAR_M && chosen.len() < 3 {
                        if !chosen.contains(&street) {
                            chosen.push(street);
                            own |= same;
                        }
                    } else if own || d > d0 + OWN_COMMUNITY_M || checked > 400 {
                        break;
                    } else if same {
                        chosen.push(street);
                        break;
                    }
                }
                if let Some(&first) = chosen.first() {
                    on_street.entry(first).or_default().push(b);
                }
                for s in chosen {
                    edges.push((b, s));
                    linked[b] = true;
                }
            }
        }
        // Neighbours along one street: buildings whose nearest street is the same segment are
        // joined to the nearest of each other, a few doors apart (the street is walked to reach
        // them whoever answers for it).
        for members in on_street.values() {
            for &b in members {
                let mut near: Vec<(f64, usize)> = members
                    .iter()
                    .filter(|&&o| o != b)
                    .map(|&o| (distance(items, b, o), o))
                    .filter(|&(d, _)| d <= ALONG_STREET_M)
                    .collect();
                near.sort_by(|x, y| x.0.total_cmp(&y.0).then(x.1.cmp(&y.1)));
                for &(_, o) in near.iter().take(2) {
                    edges.push((b.min(o), b.max(o)));
                }
            }
        }
        // Buildings of one compound.
        let mut compounds: BTreeMap<wangge_core::Id, Vec<usize>> = BTreeMap::new();
        for b in 0..nb {
            if let Some(c) = items.compound[b] {
                compounds.entry(c).or_default().push(b);
            }
        }
        for members in compounds.values() {
            if members.len() > 1 {
                for &b in members {
                    linked[b] = true;
                }
                compound_links(items, members, &mut edges);
            }
        }
        // Lone buildings to their nearest buildings.
        let lone: Vec<usize> = (0..nb).filter(|&b| !linked[b]).collect();
        if !lone.is_empty() {
            let points: RTree<GeomWithData<[f64; 2], usize>> =
                RTree::bulk_load((0..nb).map(|b| GeomWithData::new(items.xy[b], b)).collect());
            let k = if tree.size() == 0 { 3 } else { 2 };
            for b in lone {
                for other in points
                    .nearest_neighbor_iter(&items.xy[b])
                    .filter(|o| o.data != b)
                    .take(k)
                {
                    edges.push((b.min(other.data), b.max(other.data)));
                }
            }
        }
        edges.sort_unstable();
        edges.dedup();
        let mut adj: Vec<Vec<(usize, f64)>> = vec![Vec::new(); n];
        for (a, b) in edges {
            let d = distance(items, a, b).max(1.0);
            adj[a].push((b, d));
            adj[b].push((a, d));
        }
        ItemGraph { adj }
    }
}

/// Straight distance between two items' points, m.
pub(crate) fn distance(items: &Items, a: usize, b: usize) -> f64 {
    let (p, q) = (items.xy[a], items.xy[b]);
    (p[0] - q[0]).hypot(p[1] - q[1])
}

/// Links the buildings of one compound: a minimum spanning tree over their points (Prim) and each
/// building's two nearest neighbours, or the four nearest for a very large compound.
fn compound_links(items: &Items, members: &[usize], edges: &mut Vec<(usize, usize)>) {
    let m = members.len();
    let d2 = |a: usize, b: usize| {
        let (p, q) = (items.xy[members[a]], items.xy[members[b]]);
        (p[0] - q[0]).powi(2) + (p[1] - q[1]).powi(2)
    };
    let mut push = |a: usize, b: usize| {
        let (a, b) = (members[a], members[b]);
        edges.push((a.min(b), a.max(b)));
    };
    if m > 1500 {
        let tree: RTree<GeomWithData<[f64; 2], usize>> = RTree::bulk_load(
            (0..m)
                .map(|i| GeomWithData::new(items.xy[members[i]], i))
                .collect(),
        );
        for (i, &member) in members.iter().enumerate() {
            for o in tree
                .nearest_neighbor_iter(&items.xy[member])
                .filter(|o| o.data != i)
                .take(4)
            {
                push(i, o.data);
            }
        }
        return;
    }
    // Prim.
    let mut best = vec![(f64::INFINITY, 0usize); m];
    let mut done = vec![false; m];
    let mut at = 0;
    done[0] = true;
    for _ in 1..m {
        for j in 0..m {
            if !done[j] {
                let d = d2(at, j);
                if d < best[j].0 {
                    best[j] = (d, at);
                }
            }
        }
        let mut next = None;
        for j in 0..m {
            if !done[j] && next.is_none_or(|n: usize| best[j].0 < best[n].0) {
                next = Some(j);
            }
        }
        let Some(j) = next else { break };
        done[j] = true;
        push(j, best[j].1);
        at = j;
    }
    // Two nearest neighbours each.
    for i in 0..m {
        let mut near: Vec<(f64, usize)> =
            (0..m).filter(|&j| j != i).map(|j| (d2(i, j), j)).collect();
        near.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        for &(_, j) in near.iter().take(2) {
            push(i, j);
        }
    }
}
