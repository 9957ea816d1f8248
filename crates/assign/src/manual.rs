//! Live workloads and manual reassignment.

use std::collections::{BTreeMap, HashMap, HashSet};

use wangge_core::{Assignment, ChiefLevel, Dataset, DutyKind, Id, chief_level, length_m};

use crate::Weights;
use crate::error::{AssignError, Result};
use crate::report::ChiefLoad;
use crate::solve::target_mean;
use crate::territory::home_territory;

/// One duty's contribution to a chief's workload.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Duty {
    /// Index of the chief in `data.chiefs`.
    pub chief: usize,
    /// Building or street.
    pub kind: DutyKind,
    /// Households (buildings).
    pub households: u32,
    /// Length, m (streets).
    pub street_m: f64,
}

/// Adds up the duties per chief of `level` (every chief of the level, with or without duties)
/// and compares each with the mean of their territory. Chiefs come by territory code (the
/// floating territory `*` last), then id.
pub(crate) fn chief_loads(
    data: &Dataset,
    level: ChiefLevel,
    weights: &Weights,
    spread: f64,
    zone_index: &HashMap<Id, usize>,
    duties: impl IntoIterator<Item = Duty>,
) -> Vec<ChiefLoad> {
    let mut loads: BTreeMap<usize, ChiefLoad> = BTreeMap::new();
    for (i, c) in data.chiefs.iter().enumerate() {
        if chief_level(c) != level {
            continue;
        }
        // An unknown home zone is an error for `assign`; here the chief simply floats.
        let territory = home_territory(data, zone_index, i).ok().flatten();
        loads.insert(
            i,
            ChiefLoad {
                chief: c.id,
                name: c.name.clone(),
                level,
                community: c
                    .community
                    .and_then(|z| zone_index.get(&z))
                    .map(|&z| data.zones[z].code.clone()),
                territory: territory.map_or("*".into(), |z| data.zones[z].code.clone()),
                buildings: 0,
                streets: 0,
                households: 0,
                street_m: 0.0,
                workload: 0.0,
                mean: 0.0,
                deviation: 0.0,
                within_band: false,
                oversized: false,
            },
        );
    }
    // The heaviest duty of each chief and every duty's workload per territory, for the target
    // mean.
    let mut heaviest: HashMap<usize, f64> = HashMap::new();
    let mut items: HashMap<String, Vec<f64>> = HashMap::new();
    for d in duties {
        if let Some(l) = loads.get_mut(&d.chief) {
            let w = f64::from(d.households) * weights.per_household
                + d.street_m / 1000.0 * weights.per_street_km;
            let h = heaviest.entry(d.chief).or_insert(0.0);
            *h = h.max(w);
            items.entry(l.territory.clone()).or_default().push(w);
            match d.kind {
                DutyKind::Building => {
                    l.buildings += 1;
                    l.households += u64::from(d.households);
                }
                DutyKind::Street => {
                    l.streets += 1;
                    l.street_m += d.street_m;
                }
            }
        }
    }
    let mut chiefs_in: HashMap<String, usize> = HashMap::new();
    for l in loads.values_mut() {
        l.workload = l.households as f64 * weights.per_household
            + l.street_m / 1000.0 * weights.per_street_km;
        *chiefs_in.entry(l.territory.clone()).or_default() += 1;
    }
    let means: HashMap<&String, f64> = chiefs_in
        .iter()
        .map(|(t, &k)| {
            let weights = items.get(t).map_or(&[][..], Vec::as_slice);
            (t, target_mean(weights, k, spread))
        })
        .collect();
    let mut out: Vec<ChiefLoad> = Vec::with_capacity(loads.len());
    for (c, mut l) in loads {
        l.mean = means.get(&l.territory).copied().unwrap_or(0.0);
        l.deviation = if l.mean > 0.0 {
            (l.workload - l.mean) / l.mean
        } else {
            0.0
        };
        l.within_band = l.deviation.abs() <= spread + 1e-9;
        l.oversized = heaviest.get(&c).is_some_and(|&h| {
            chiefs_in.get(&l.territory).is_some_and(|&k| k > 1)
                && h > (1.0 + spread) * l.mean + 1e-9
        });
        out.push(l);
    }
    out.sort_by(|a, b| {
        (a.territory == "*", &a.territory, a.chief).cmp(&(
            b.territory == "*",
            &b.territory,
            b.chief,
        ))
    });
    out
}

/// The zone index by id (the first zone with an id wins).
pub(crate) fn zone_index(data: &Dataset) -> HashMap<Id, usize> {
    let mut index = HashMap::with_capacity(data.zones.len());
    for (i, z) in data.zones.iter().enumerate() {
        index.entry(z.id).or_insert(i);
    }
    index
}

/// The live workload of every chief of `level` under `assignments` (for instance after a manual
/// reassignment), with each chief's deviation from the mean of their territory and whether it
/// lies within ±`spread` of it.
///
/// Assignments of other levels, of chiefs not on the roster and of items that no longer exist
/// are ignored; a chief whose home zone is unknown counts as floating (territory `*`).
///
/// # Examples
///
/// ```
/// use wangge_assign::{AssignOptions, assign, workloads};
/// use wangge_core::ChiefLevel;
/// let data = wangge_demo::generate(&wangge_demo::DemoSettings::builtin());
/// let done = assign(&data, &[], &AssignOptions::default()).expect("assigned");
/// let loads = workloads(&data, &done.assignments, ChiefLevel::Resident, &Default::default(), 0.25);
/// assert_eq!(loads.len(), 130);
/// assert!(loads.iter().all(|l| l.within_band && l.deviation.abs() <= 0.25));
/// ```
pub fn workloads(
    data: &Dataset,
    assignments: &[Assignment],
    level: ChiefLevel,
    weights: &Weights,
    spread: f64,
) -> Vec<ChiefLoad> {
    let zones = zone_index(data);
    let chiefs: HashMap<Id, usize> = data
        .chiefs
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id, i))
        .collect();
    let buildings: HashMap<Id, u32> = data
        .buildings
        .iter()
        .map(|b| (b.id, b.households))
        .collect();
    let streets: HashMap<Id, usize> = data
        .streets
        .iter()
        .enumerate()
        .map(|(i, s)| (s.id, i))
        .collect();
    let mut seen: HashSet<(DutyKind, Id)> = HashSet::new();
    let duties = assignments
        .iter()
        .filter(|a| a.level == level && seen.insert((a.kind, a.target)))
        .filter_map(|a| {
            let chief = *chiefs.get(&a.chief)?;
            match a.kind {
                DutyKind::Building => buildings.get(&a.target).map(|&households| Duty {
                    chief,
                    kind: a.kind,
                    households,
                    street_m: 0.0,
                }),
                DutyKind::Street => streets.get(&a.target).map(|&s| Duty {
                    chief,
                    kind: a.kind,
                    households: 0,
                    street_m: length_m(&data.streets[s].geometry),
                }),
            }
        })
        .collect::<Vec<_>>();
    chief_loads(data, level, weights, spread, &zones, duties)
}

/// Hands `targets` (buildings or street segments) to `to_chief` at `level` by hand: every
/// existing assignment of those targets at that level is replaced by one to `to_chief` with
/// `fixed = true`, so that automatic assignment never moves them back; targets without an
/// assignment get one. Everything else is returned unchanged, in order, the new assignments last.
///
/// Refuses, with a message that says what to do, an unknown chief, a chief of another level, an
/// empty or unknown target.
///
/// # Examples
///
/// ```
/// use wangge_assign::reassign;
/// use wangge_core::{ChiefLevel, DutyKind};
/// let data = wangge_demo::generate(&wangge_demo::DemoSettings::builtin());
/// let building = data.buildings[0].id;
/// // Chief 1 of the demo is a sub-district chief: refused for a resident duty.
/// let refused = reassign(&data, &[], DutyKind::Building, &[building], ChiefLevel::Resident, 1);
/// assert!(refused.unwrap_err().to_string().contains("sub-district"));
/// let done = reassign(&data, &[], DutyKind::Building, &[building], ChiefLevel::SubDistrict, 1)
///     .expect("a sub-district chief takes a sub-district duty");
/// assert!(done[0].fixed && done[0].chief == 1);
/// ```
pub fn reassign(
    data: &Dataset,
    assignments: &[Assignment],
    kind: DutyKind,
    targets: &[Id],
    level: ChiefLevel,
    to_chief: Id,
) -> Result<Vec<Assignment>> {
    if targets.is_empty() {
        return Err(AssignError::NoTargets);
    }
    let chief = data
        .chiefs
        .iter()
        .find(|c| c.id == to_chief)
        .ok_or(AssignError::UnknownChief(to_chief))?;
    if chief_level(chief) != level {
        return Err(AssignError::wrong_level(chief, level));
    }
    let exists: HashSet<Id> = match kind {
        DutyKind::Building => data.buildings.iter().map(|b| b.id).collect(),
        DutyKind::Street => data.streets.iter().map(|s| s.id).collect(),
    };
    if let Some(&id) = targets.iter().find(|t| !exists.contains(t)) {
        return Err(AssignError::UnknownTarget { kind, id });
    }
    let wanted: HashSet<Id> = targets.iter().copied().collect();
    let mut done: HashSet<Id> = HashSet::new();
    let mut out: Vec<Assignment> = Vec::with_capacity(assignments.len() + targets.len());
    for a in assignments {
        if a.kind == kind && a.level == level && wanted.contains(&a.target) {
            if done.insert(a.target) {
                out.push(Assignment {
                    chief: to_chief,
                    fixed: true,
                    ..*a
                });
            }
        } else {
            out.push(*a);
        }
    }
    for &target in targets {
        if done.insert(target) {
            out.push(Assignment {
                kind,
                target,
                level,
                chief: to_chief,
                fixed: true,
            });
        }
    }
    Ok(out)
}
