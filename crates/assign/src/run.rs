//! The assignment run: keep what is still valid, find the orphans, solve each territory, report.

use std::collections::HashMap;
use std::time::Instant;

use geo::{Area, ConvexHull, Distance, Euclidean, MultiPoint, MultiPolygon, Point};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use wangge_core::{Assignment, ChiefLevel, Dataset, Id, chief_level};

use crate::error::{AssignError, Result};
use crate::graph::ItemGraph;
use crate::items::{Items, zone_covers};
use crate::manual::{Duty, chief_loads, zone_index};
use crate::report::{
    AssignReport, ChiefReport, LevelSummary, Move, MoveCounts, MoveReason, TerritoryReport,
    Unassigned,
};
use crate::solve::{Local, target_mean};
use crate::territory::{LevelTerritories, Memberships, territories};
use crate::{AssignOptions, Assigned};

/// The chief levels, in the order they are assigned and reported.
const LEVELS: [ChiefLevel; 3] = [
    ChiefLevel::Resident,
    ChiefLevel::Community,
    ChiefLevel::SubDistrict,
];

/// A point this close to a zone, m, is on its boundary: a previous assignment to that zone's
/// chief stays valid.
const ON_BOUNDARY_M: f64 = 0.05;

fn level_slot(level: ChiefLevel) -> usize {
    match level {
        ChiefLevel::Resident => 0,
        ChiefLevel::Community => 1,
        ChiefLevel::SubDistrict => 2,
    }
}

/// A previous assignment as read: the chief and whether it was fixed.
#[derive(Debug, Clone, Copy)]
struct Previous {
    chief: Id,
    fixed: bool,
}

pub(crate) fn run(
    data: &Dataset,
    previous: &[Assignment],
    options: &AssignOptions,
) -> Result<Assigned> {
    let started = Instant::now();
    options.validate()?;
    let items = Items::new(data);
    let n = items.len();
    let zones = zone_index(data);
    let scope = options
        .scope
        .map(|id| zones.get(&id).copied().ok_or(AssignError::UnknownScope(id)))
        .transpose()?;
    let in_scope: Vec<bool> = match scope {
        Some(z) => items
            .lonlat
            .iter()
            .map(|p| zone_covers(&data.zones[z], *p))
            .collect(),
        None => vec![true; n],
    };
    let mut memberships = Memberships::default();
    let community: Option<Vec<Option<usize>>> = data
        .levels
        .community_key()
        .map(|k| memberships.of(data, &items, k).to_vec());
    let graph = ItemGraph::build(data, &items, community.as_deref());
    let chief_by_id: HashMap<Id, usize> = data
        .chiefs
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id, i))
        .collect();

    // The previous assignments per level and item: the first one wins, a fixed one over any.
    let mut dropped = 0;
    let mut prev: Vec<Vec<Option<Previous>>> = vec![vec![None; n]; LEVELS.len()];
    for a in previous {
        let Some(i) = items.find(a.kind, a.target) else {
            dropped += 1;
            continue;
        };
        let slot = &mut prev[level_slot(a.level)][i];
        match slot {
            None => {
                *slot = Some(Previous {
                    chief: a.chief,
                    fixed: a.fixed,
                })
            }
            Some(p) if !p.fixed && a.fixed => {
                *slot = Some(Previous {
                    chief: a.chief,
                    fixed: true,
                })
            }
            Some(_) => {}
        }
    }

    let mut out = Output::default();
    let mut skipped = Vec::new();
    for level in LEVELS {
        let Some(lt) = territories(data, &items, &graph, level, &zones, &mut memberships)? else {
            skipped.push(level);
            dropped += prev[level_slot(level)].iter().flatten().count();
            continue;
        };
        let solved = solve_level(
            data,
            &items,
            &graph,
            &lt,
            &prev[level_slot(level)],
            &in_scope,
            &chief_by_id,
            options,
        );
        report_level(
            data, &items, &graph, &lt, &solved, &zones, options, &mut out,
        );
    }

    let mut move_counts = MoveCounts::default();
    for m in &out.moves {
        move_counts.count(m.reason);
    }
    let report = AssignReport {
        weights: options.weights,
        spread: options.spread,
        seed: options.seed,
        scope: scope.map(|z| data.zones[z].code.clone()),
        buildings: data.buildings.len(),
        streets: data.streets.len(),
        levels: out.levels,
        skipped_levels: skipped,
        chiefs: out.chiefs,
        territories: out.territories,
        moves: out.moves,
        move_counts,
        unassigned: out.unassigned,
        dropped,
        elapsed_ms: started.elapsed().as_secs_f64() * 1000.0,
    };
    Ok(Assigned {
        assignments: out.assignments,
        report,
    })
}

/// Everything gathered over the levels.
#[derive(Debug, Default)]
struct Output {
    assignments: Vec<Assignment>,
    chiefs: Vec<ChiefReport>,
    territories: Vec<TerritoryReport>,
    levels: Vec<LevelSummary>,
    moves: Vec<Move>,
    unassigned: Vec<Unassigned>,
}

/// One level solved.
#[derive(Debug)]
struct Solved {
    /// The chief (index into `data.chiefs`) of each item; `None` when unassigned.
    owner: Vec<Option<usize>>,
    /// The territory each item was solved in.
    territory: Vec<usize>,
    /// Items held by a fixed assignment.
    fixed: Vec<bool>,
    /// Items on the boundary of their chief's territory, kept there.
    on_boundary: Vec<bool>,
    /// Why each orphan needed a chief.
    reason: Vec<Option<MoveReason>>,
    /// The chief each item had before.
    before: Vec<Option<Id>>,
    /// Items left without a chief, and why.
    unassigned: Vec<(usize, String)>,
}

#[allow(clippy::too_many_arguments)]
fn solve_level(
    data: &Dataset,
    items: &Items,
    graph: &ItemGraph,
    lt: &LevelTerritories,
    prev: &[Option<Previous>],
    in_scope: &[bool],
    chief_by_id: &HashMap<Id, usize>,
    options: &AssignOptions,
) -> Solved {
    let n = items.len();
    let level = lt.level;
    let mut s = Solved {
        owner: vec![None; n],
        territory: lt.of_item.clone(),
        fixed: vec![false; n],
        on_boundary: vec![false; n],
        reason: vec![None; n],
        before: prev.iter().map(|p| p.map(|p| p.chief)).collect(),
        unassigned: Vec::new(),
    };
    let mut locked = vec![false; n];
    let mut excluded = vec![false; n];
    let mut projected: HashMap<usize, MultiPolygon<f64>> = HashMap::new();
    for i in 0..n {
        let reason = match prev[i] {
            None => MoveReason::NewItem,
            Some(p) => match chief_by_id
                .get(&p.chief)
                .copied()
                .filter(|&c| chief_level(&data.chiefs[c]) == level)
            {
                None => MoveReason::ChiefLeft,
                Some(c) => {
                    let home = lt.of_chief.get(&c).copied().unwrap_or(lt.of_item[i]);
                    if p.fixed || !in_scope[i] {
                        s.owner[i] = Some(c);
                        s.territory[i] = home;
                        s.fixed[i] = p.fixed;
                        locked[i] = true;
                        continue;
                    }
                    if home == lt.of_item[i] {
                        s.owner[i] = Some(c);
                        continue;
                    }
                    // A point on the boundary (a street along it) belongs to whichever zone
                    // comes first; a chief whose zone still reaches it keeps it, so that
                    // re-drawing a boundary elsewhere does not shuffle the streets along this one.
                    if lt.territories[home].zone.is_some_and(|z| {
                        let shape = projected.entry(z).or_insert_with(|| {
                            items.projection.polygons_to_metres(&data.zones[z].geometry)
                        });
                        let p = Point::new(items.xy[i][0], items.xy[i][1]);
                        Euclidean.distance(&*shape, &p) <= ON_BOUNDARY_M
                    }) {
                        s.owner[i] = Some(c);
                        s.territory[i] = home;
                        s.on_boundary[i] = true;
                        continue;
                    }
                    MoveReason::TerritoryChanged
                }
            },
        };
        if in_scope[i] {
            s.reason[i] = Some(reason);
        } else {
            excluded[i] = true;
            let why = match reason {
                MoveReason::NewItem => "outside the scope and never assigned",
                MoveReason::ChiefLeft => "outside the scope and its chief left",
                _ => "outside the scope",
            };
            s.unassigned.push((
                i,
                format!("{why}; run without a scope (or with a wider one) to assign it"),
            ));
        }
    }
    // Solve each territory.
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); lt.territories.len()];
    for i in 0..n {
        if !excluded[i] {
            members[s.territory[i]].push(i);
        }
    }
    let mut local_of = vec![usize::MAX; n];
    for (t, terr) in lt.territories.iter().enumerate() {
        let list = &members[t];
        if list.is_empty() {
            continue;
        }
        for (l, &i) in list.iter().enumerate() {
            local_of[i] = l;
        }
        let slot: HashMap<usize, usize> = terr
            .chiefs
            .iter()
            .enumerate()
            .map(|(k, &c)| (c, k))
            .collect();
        let weight: Vec<f64> = list
            .iter()
            .map(|&i| items.weight(i, &options.weights))
            .collect();
        let mean = target_mean(&weight, terr.chiefs.len(), options.spread);
        let top = (1.0 + options.spread) * mean;
        let mut local = Local {
            oversized: weight
                .iter()
                .map(|&w| terr.chiefs.len() > 1 && w > top + 1e-9)
                .collect(),
            mean,
            weight,
            scratch: Default::default(),
            xy: list.iter().map(|&i| items.xy[i]).collect(),
            adj: list
                .iter()
                .map(|&i| {
                    graph.adj[i]
                        .iter()
                        .filter(|(j, _)| local_of[*j] != usize::MAX)
                        .map(|&(j, d)| (local_of[j], d))
                        .collect()
                })
                .collect(),
            owner: list
                .iter()
                .map(|&i| s.owner[i].and_then(|c| slot.get(&c).copied()))
                .collect(),
            locked: list.iter().map(|&i| locked[i]).collect(),
            k: terr.chiefs.len(),
            spread: options.spread,
        };
        let fresh = list.iter().all(|&i| s.owner[i].is_none() || locked[i]);
        let zone_id = terr.zone.map_or(0, |z| data.zones[z].id);
        let mut rng = ChaCha8Rng::seed_from_u64(mix(options.seed, level, zone_id));
        local.solve(fresh, &mut rng);
        for (l, &i) in list.iter().enumerate() {
            s.owner[i] = local.owner[l].map(|k| terr.chiefs[k]);
            local_of[i] = usize::MAX;
        }
    }
    s
}

/// A seed per (run seed, level, territory).
fn mix(seed: u64, level: ChiefLevel, zone: Id) -> u64 {
    let mut x = seed ^ 0x9E37_79B9_7F4A_7C15;
    for v in [level_slot(level) as u64 + 1, zone as u64] {
        x = (x ^ v).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        x ^= x >> 31;
    }
    x
}

#[allow(clippy::too_many_arguments)]
fn report_level(
    data: &Dataset,
    items: &Items,
    graph: &ItemGraph,
    lt: &LevelTerritories,
    s: &Solved,
    zones: &HashMap<Id, usize>,
    options: &AssignOptions,
    out: &mut Output,
) {
    let n = items.len();
    let level = lt.level;
    let weights = &options.weights;
    for i in 0..n {
        if let Some(c) = s.owner[i] {
            out.assignments.push(Assignment {
                kind: items.kind[i],
                target: items.id[i],
                level,
                chief: data.chiefs[c].id,
                fixed: s.fixed[i],
            });
        }
    }
    for (i, why) in &s.unassigned {
        out.unassigned.push(Unassigned {
            kind: items.kind[*i],
            target: items.id[*i],
            level,
            reason: why.clone(),
        });
    }
    // Moves.
    let mut moves_in = vec![0usize; lt.territories.len()];
    for i in 0..n {
        let Some(c) = s.owner[i] else { continue };
        let to = data.chiefs[c].id;
        if s.before[i] == Some(to) {
            continue;
        }
        moves_in[s.territory[i]] += 1;
        out.moves.push(Move {
            kind: items.kind[i],
            target: items.id[i],
            level,
            from: s.before[i],
            to,
            reason: s.reason[i].unwrap_or(MoveReason::Rebalance),
            territory: lt.territories[s.territory[i]].code(data),
        });
    }
    // Per chief.
    let duties = (0..n).filter_map(|i| {
        s.owner[i].map(|chief| Duty {
            chief,
            kind: items.kind[i],
            households: items.households[i],
            street_m: items.street_m[i],
        })
    });
    let loads = chief_loads(data, level, weights, options.spread, zones, duties);
    let mut of_chief: HashMap<usize, Vec<usize>> = HashMap::new();
    for i in 0..n {
        if let Some(c) = s.owner[i] {
            of_chief.entry(c).or_default().push(i);
        }
    }
    let pieces = pieces_per_owner(graph, &s.owner);
    let chief_index: HashMap<Id, usize> = data
        .chiefs
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id, i))
        .collect();
    let no_items: Vec<usize> = Vec::new();
    let mut chiefs: Vec<ChiefReport> = Vec::with_capacity(loads.len());
    for load in loads {
        let Some(&c) = chief_index.get(&load.chief) else {
            continue;
        };
        let mine = of_chief.get(&c).unwrap_or(&no_items);
        let (compactness, mean_distance_m) = compactness(items, mine);
        let lo = load.mean * (1.0 - options.spread);
        let hi = load.mean * (1.0 + options.spread);
        let fixed_load: f64 = mine
            .iter()
            .filter(|&&i| s.fixed[i])
            .map(|&i| items.weight(i, weights))
            .sum();
        let note = (!load.within_band).then(|| {
            let heaviest = mine.iter().copied().max_by(|&a, &b| {
                items
                    .weight(a, weights)
                    .total_cmp(&items.weight(b, weights))
            });
            why_outside(
                items,
                weights,
                &load,
                lo,
                hi,
                fixed_load,
                heaviest,
                mine.len(),
            )
        });
        chiefs.push(ChiefReport {
            pieces: pieces.get(&c).copied().unwrap_or(0),
            compactness,
            mean_distance_m,
            outside_home: mine
                .iter()
                .filter(|&&i| {
                    !s.on_boundary[i] && (lt.outside_home[i] || s.territory[i] != lt.of_item[i])
                })
                .count(),
            fixed: mine.iter().filter(|&&i| s.fixed[i]).count(),
            note,
            load,
        });
    }
    // Per territory: its own pieces in the walking graph, which no assignment can join.
    let by_territory: Vec<Option<usize>> =
        (0..n).map(|i| s.owner[i].map(|_| s.territory[i])).collect();
    let territory_pieces = pieces_per_owner(graph, &by_territory);
    let mut held_in = vec![0usize; lt.territories.len()];
    for t in by_territory.iter().flatten() {
        held_in[*t] += 1;
    }
    for (t, terr) in lt.territories.iter().enumerate() {
        let code = terr.code(data);
        let rows: Vec<&ChiefReport> = chiefs.iter().filter(|c| c.load.territory == code).collect();
        let loads: Vec<f64> = rows.iter().map(|c| c.load.workload).collect();
        let workload: f64 = loads.iter().sum();
        let min = loads.iter().copied().fold(f64::INFINITY, f64::min);
        let max = loads.iter().copied().fold(0.0, f64::max);
        out.territories.push(TerritoryReport {
            level,
            name: terr.name(data),
            chiefs: rows.len(),
            items: held_in[t],
            workload,
            mean: rows.first().map_or(0.0, |c| c.load.mean),
            min: if min.is_finite() { min } else { 0.0 },
            max,
            spread: (min > 0.0 && min.is_finite()).then(|| max / min),
            within_band: rows.iter().filter(|c| c.load.within_band).count(),
            oversized: rows.iter().filter(|c| c.load.oversized).count(),
            outside_home: rows.iter().map(|c| c.outside_home).sum(),
            pieces: territory_pieces.get(&t).copied().unwrap_or(0),
            moves: moves_in[t],
            code,
        });
    }
    let level_territories: Vec<&TerritoryReport> = out
        .territories
        .iter()
        .filter(|t| t.level == level)
        .collect();
    let worst_spread = level_territories
        .iter()
        .filter(|t| t.chiefs > 1)
        .try_fold(1.0f64, |w, t| t.spread.map(|s| w.max(s)));
    out.levels.push(LevelSummary {
        level,
        chiefs: chiefs.len(),
        territories: lt.territories.len(),
        within_band: chiefs.iter().filter(|c| c.load.within_band).count(),
        oversized: chiefs.iter().filter(|c| c.load.oversized).count(),
        one_piece: chiefs.iter().filter(|c| c.pieces == 1).count(),
        extra_pieces: chiefs
            .iter()
            .map(|c| c.pieces.saturating_sub(1))
            .sum::<usize>()
            .saturating_sub(
                level_territories
                    .iter()
                    .map(|t| t.pieces.saturating_sub(1))
                    .sum(),
            ),
        max_abs_deviation: chiefs
            .iter()
            .map(|c| c.load.deviation.abs())
            .fold(0.0, f64::max),
        worst_spread,
        mean_compactness: chiefs.iter().map(|c| c.compactness).sum::<f64>()
            / chiefs.len().max(1) as f64,
    });
    out.chiefs.extend(chiefs);
}

/// Why a chief ended outside the band.
#[allow(clippy::too_many_arguments)]
fn why_outside(
    items: &Items,
    weights: &crate::Weights,
    load: &crate::ChiefLoad,
    lo: f64,
    hi: f64,
    fixed_load: f64,
    heaviest: Option<usize>,
    count: usize,
) -> String {
    if count == 0 {
        return "nothing could be given to this chief: the territory has no item that is free to \
                move (all fixed, outside the scope, or fewer items than chiefs)"
            .into();
    }
    if load.oversized
        && let Some(h) = heaviest
    {
        return format!(
            "holds {} {} (workload {:.0}), heavier on its own than the band's top {hi:.0}: an \
             item cannot be split between chiefs, so it has a chief of its own and is left out \
             of the mean",
            items.kind[h].key(),
            items.id[h],
            items.weight(h, weights)
        );
    }
    if load.workload > hi {
        if fixed_load > hi {
            return format!(
                "fixed assignments alone weigh {fixed_load:.0}, above the band's top {hi:.0}; \
                 release some by reassigning them by hand"
            );
        }
        if let Some(h) = heaviest {
            let w = items.weight(h, weights);
            if load.workload - w < lo {
                return format!(
                    "its heaviest item, {} {} (workload {w:.0}), is heavier than the band \
                     {lo:.0}–{hi:.0} is wide: no split brings it into the band",
                    items.kind[h].key(),
                    items.id[h]
                );
            }
        }
        return "no boundary move keeps every area walkable in one piece and lowers the imbalance; \
                move items by hand or widen the spread"
            .into();
    }
    "below the band: the items next to this area are too heavy, fixed, or would cut a \
     neighbour's area in two if moved; move items by hand or widen the spread"
        .into()
}

/// The connected pieces (by the real walking graph) of each owner's items.
fn pieces_per_owner(graph: &ItemGraph, owner: &[Option<usize>]) -> HashMap<usize, usize> {
    let n = owner.len();
    let mut seen = vec![false; n];
    let mut out: HashMap<usize, usize> = HashMap::new();
    let mut stack = Vec::new();
    for start in 0..n {
        let Some(o) = owner[start] else { continue };
        if seen[start] {
            continue;
        }
        seen[start] = true;
        *out.entry(o).or_default() += 1;
        stack.push(start);
        while let Some(v) = stack.pop() {
            for &(w, _) in &graph.adj[v] {
                if !seen[w] && owner[w] == Some(o) {
                    seen[w] = true;
                    stack.push(w);
                }
            }
        }
    }
    out
}

/// (compactness, mean distance to the centre in m) of a set of items; see
/// [`ChiefReport::compactness`].
fn compactness(items: &Items, members: &[usize]) -> (f64, f64) {
    if members.is_empty() {
        return (0.0, 0.0);
    }
    let k = members.len() as f64;
    let cx = members.iter().map(|&i| items.xy[i][0]).sum::<f64>() / k;
    let cy = members.iter().map(|&i| items.xy[i][1]).sum::<f64>() / k;
    let mean = members
        .iter()
        .map(|&i| (items.xy[i][0] - cx).hypot(items.xy[i][1] - cy))
        .sum::<f64>()
        / k;
    if members.len() < 3 || mean < 1e-6 {
        return (1.0, mean);
    }
    let hull = MultiPoint(
        members
            .iter()
            .map(|&i| Point::new(items.xy[i][0], items.xy[i][1]))
            .collect(),
    )
    .convex_hull();
    let area = hull.unsigned_area();
    let index = (2.0 / 3.0) * (area / std::f64::consts::PI).sqrt() / mean;
    (index.min(1.0), mean)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds_differ_per_level_and_zone() {
        let a = mix(1, ChiefLevel::Resident, 3);
        assert_ne!(a, mix(1, ChiefLevel::Community, 3));
        assert_ne!(a, mix(1, ChiefLevel::Resident, 4));
        assert_ne!(a, mix(2, ChiefLevel::Resident, 3));
        assert_eq!(a, mix(1, ChiefLevel::Resident, 3));
    }
}
