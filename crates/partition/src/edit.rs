//! The planner's edits: move units between grids, split, merge, rebalance, lock, redraw.
//!
//! An edit works on one *family*: the grids of one level under one parent zone, and the planning
//! units of that parent (cut at the parent's level, so every grid is a union of them). It changes
//! which grid each unit belongs to, redraws the outlines of the grids it changed as unions of
//! their units, and redraws everything below those grids with the automatic splitter (locked
//! zones below stop the edit instead). So every edit keeps the invariants [`check`](crate::check())
//! verifies: grids tile their parent, every grid is one piece, inside one parent. An edit that
//! would break one is refused with an [`EditError`] saying what to do; households outside the
//! target range are not an error but show in the [`FamilyReport`].
//!
//! Codes stay stable: a grid that carries on keeps its code (see
//! [`assign_zone_codes_stable`]); new grids are numbered after the family's last.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use geo::{
    Area, Contains, Coord, InteriorPoint, Intersects, LineString, MultiPolygon, Point, Polygon,
};
use i_overlay::core::fill_rule::FillRule;
use i_overlay::float::slice::FloatSlice;
use serde::{Deserialize, Serialize};
use wangge_core::{
    Dataset, Id, Totals as ZoneTotals, Zone, assign_zone_codes_stable, recompute_totals,
    with_descendants,
};

use crate::graph::UnitGraph;
use crate::report::GridReport;
use crate::score::{Bounds, polsby_popper};
use crate::shared::segments;
use crate::split::{UnitGeometry, grid_outline, split_into};
use crate::units::{UnitId, UnitOptions, UnitSet, planning_units_with};
use crate::{PartitionError, PartitionRequest, SplitOptions, partition_keeping};

/// The household range of each grid level; levels without one copy their parent (one zone per
/// parent, its outline), as the primary grid copies the community by default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Targets {
    /// Level key → household range.
    pub levels: BTreeMap<String, Bounds>,
}

impl Default for Targets {
    /// The targets of the default levels: secondary grids 300–500 households, micro-grids 30–80
    /// (common practice; see DOMAIN.md).
    fn default() -> Self {
        Self::from(&wangge_core::LevelConfig::default())
    }
}

impl From<&wangge_core::LevelConfig> for Targets {
    /// The household targets the level configuration gives its grid levels.
    fn from(levels: &wangge_core::LevelConfig) -> Self {
        Self {
            levels: levels
                .levels
                .iter()
                .filter_map(|l| {
                    l.households.map(|h| {
                        (
                            l.key.clone(),
                            Bounds {
                                min: h.min,
                                max: h.max,
                            },
                        )
                    })
                })
                .collect(),
        }
    }
}

impl Targets {
    /// The range of a level, if it is split by households.
    pub fn of(&self, level: &str) -> Option<Bounds> {
        self.levels.get(level).copied()
    }

    /// Reads `level=min..max` (e.g. `secondary=300..500`), replacing that level's range.
    pub fn set(&mut self, spec: &str) -> Result<(), String> {
        let (level, range) = spec
            .split_once('=')
            .ok_or_else(|| format!("`{spec}`: write LEVEL=MIN..MAX, e.g. secondary=300..500"))?;
        let bounds = parse_range(range).ok_or_else(|| {
            format!("`{spec}`: the range must be MIN..MAX with MIN ≤ MAX, e.g. 300..500")
        })?;
        self.levels.insert(level.trim().to_string(), bounds);
        Ok(())
    }
}

/// Reads `MIN..MAX`.
pub fn parse_range(range: &str) -> Option<Bounds> {
    let (min, max) = range.split_once("..")?;
    let min: u64 = min.trim().parse().ok()?;
    let max: u64 = max.trim().parse().ok()?;
    (min <= max && max > 0).then_some(Bounds { min, max })
}

/// One edit, as the planner's view and scripts send it (JSON, tagged by `op`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
pub enum Edit {
    /// Paint units into grid `to`: the compounds, buildings and places (lon/lat points) named
    /// are moved with the land of their planning units. They must lie under `to`'s parent.
    Move {
        /// The grid that receives them.
        to: String,
        /// Compound codes.
        #[serde(default)]
        compounds: Vec<String>,
        /// Building ids.
        #[serde(default)]
        buildings: Vec<Id>,
        /// Points; the unit holding each is moved.
        #[serde(default)]
        points: Vec<[f64; 2]>,
    },
    /// Split a grid in two automatically, or along a line (lon/lat) snapped to unit boundaries:
    /// each unit goes to the side of the line its interior lies on.
    Split {
        /// The grid.
        grid: String,
        /// The line, drawn across the grid from edge to edge.
        #[serde(default)]
        line: Option<Vec<[f64; 2]>>,
        /// Seed of the automatic split.
        #[serde(default)]
        seed: Option<u64>,
    },
    /// Merge neighbouring grids of one parent into the first one named.
    Merge {
        /// The grids; the first keeps its code.
        grids: Vec<String>,
    },
    /// One ReCom step: two neighbouring grids merged and split again along the best cut.
    Rebalance {
        /// The two grids.
        grids: [String; 2],
        /// Seed.
        #[serde(default)]
        seed: Option<u64>,
    },
    /// Lock or unlock a grid: the automatic tools leave a locked grid untouched.
    Lock {
        /// The grid.
        grid: String,
        /// Locked or not.
        locked: bool,
    },
    /// Redraw the grids under a zone automatically (locked grids stay), e.g. after a community
    /// grew. `level`: the level to redraw (default: the level below the zone); the levels below
    /// it are redrawn too.
    Redraw {
        /// The zone whose grids are redrawn.
        zone: String,
        /// The level to redraw.
        #[serde(default)]
        level: Option<String>,
        /// Seed.
        #[serde(default)]
        seed: Option<u64>,
    },
}

/// Why an edit was refused. Nothing was changed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EditError {
    /// No zone has the code.
    #[error("there is no zone {code} in this plan")]
    UnknownZone {
        /// The code.
        code: String,
    },
    /// No compound, building or unit matched.
    #[error("{what} was not found in the plan's area")]
    NotFound {
        /// What was looked for.
        what: String,
    },
    /// A zone is locked.
    #[error("{code} is locked; unlock it first")]
    Locked {
        /// The locked zone.
        code: String,
    },
    /// The units lie under another parent than the target grid.
    #[error(
        "{what} lies in {found}, not under {parent} like {grid}; grids can only trade land with grids of the same parent (change {found}'s boundary at its own level)"
    )]
    OtherParent {
        /// The unit.
        what: String,
        /// The grid it lies in.
        found: String,
        /// The target's parent.
        parent: String,
        /// The target grid.
        grid: String,
    },
    /// Nothing would change.
    #[error("nothing to do: {0}")]
    Nothing(String),
    /// The edit would leave a grid in several pieces.
    #[error(
        "this would leave {code} in {pieces} pieces; move the units in between too, or pick units that touch it"
    )]
    WouldDisconnect {
        /// The grid.
        code: String,
        /// Into how many pieces.
        pieces: usize,
    },
    /// Grids that must be one level and parent are not.
    #[error("{a} and {b} are not grids of the same level under the same parent")]
    NotSiblings {
        /// One grid.
        a: String,
        /// The other.
        b: String,
    },
    /// The line misses the grid.
    #[error(
        "the line does not cut {code} in two; draw it across the grid from one edge to the other"
    )]
    LineMisses {
        /// The grid.
        code: String,
    },
    /// The grid is a single unit.
    #[error("{code} is a single planning unit (one compound or building) and cannot be split")]
    Indivisible {
        /// The grid.
        code: String,
    },
    /// The level cannot be edited this way.
    #[error("{0}")]
    Level(String),
    /// The splitter failed.
    #[error("{0}")]
    Partition(String),
}

impl From<PartitionError> for EditError {
    fn from(e: PartitionError) -> Self {
        EditError::Partition(e.to_string())
    }
}

impl From<wangge_core::Error> for EditError {
    fn from(e: wangge_core::Error) -> Self {
        EditError::Partition(e.to_string())
    }
}

/// The result of an edit: the plan's new zones and locks, and what happened in words.
#[derive(Debug, Clone, PartialEq)]
pub struct Edited {
    /// Every zone of the plan after the edit.
    pub zones: Vec<Zone>,
    /// The locked zones after the edit.
    pub locked: BTreeSet<Id>,
    /// What was done (zh-CN).
    pub summary: String,
    /// Codes of the grids the edit changed (after the edit).
    pub changed: Vec<String>,
}

/// Applies one edit to a plan's zones. `data` supplies the compounds, buildings, streets and
/// levels (its zones are ignored); `zones` and `locked` are the plan's.
pub fn apply_edit(
    data: &Dataset,
    zones: &[Zone],
    locked: &BTreeSet<Id>,
    edit: &Edit,
    targets: &Targets,
) -> Result<Edited, EditError> {
    let plan = Dataset {
        zones: zones.to_vec(),
        ..data.clone()
    };
    let mut locked = locked.clone();
    let (mut plan, summary, changed_ids) = match edit {
        Edit::Lock { grid, locked: on } => {
            let zone = by_code(&plan, grid)?;
            let id = zone.id;
            let changed = if *on {
                locked.insert(id)
            } else {
                locked.remove(&id)
            };
            if !changed {
                return Err(EditError::Nothing(format!(
                    "{grid} is already {}",
                    if *on { "locked" } else { "unlocked" }
                )));
            }
            let summary = format!("{}{grid}", if *on { "锁定 " } else { "解锁 " });
            (plan, summary, vec![id])
        }
        Edit::Move {
            to,
            compounds,
            buildings,
            points,
        } => move_units(plan, &locked, to, compounds, buildings, points, targets)?,
        Edit::Merge { grids } => merge(plan, &locked, grids)?,
        Edit::Split { grid, line, seed } => split(
            plan,
            &locked,
            grid,
            line.as_deref(),
            seed.unwrap_or(1),
            targets,
        )?,
        Edit::Rebalance { grids, seed } => {
            rebalance(plan, &locked, grids, seed.unwrap_or(1), targets)?
        }
        Edit::Redraw { zone, level, seed } => {
            let z = by_code(&plan, zone)?.clone();
            let level = match level {
                Some(l) => l.clone(),
                None => plan
                    .levels
                    .child_of(&z.level)
                    .map(|l| l.key.clone())
                    .ok_or_else(|| EditError::Level(format!("{zone} is on the lowest level")))?,
            };
            let plan = redraw(plan, &locked, z.id, &level, seed.unwrap_or(1), targets)?;
            let name = plan
                .levels
                .get(&level)
                .map_or_else(|_| level.clone(), |l| l.name_zh.clone());
            (plan, format!("自动重划 {zone} 下的{name}"), vec![z.id])
        }
    };
    recompute_totals(&mut plan);
    assign_zone_codes_stable(&mut plan, zones)?;
    name_new_grids(&mut plan, zones);
    let ids: HashSet<Id> = plan.zones.iter().map(|z| z.id).collect();
    locked.retain(|id| ids.contains(id));
    refuse_new_pieces(&plan, zones)?;
    let codes: HashMap<Id, &str> = plan.zones.iter().map(|z| (z.id, z.code.as_str())).collect();
    let mut changed: Vec<String> = changed_ids
        .iter()
        .filter_map(|id| codes.get(id).map(|c| c.to_string()))
        .collect();
    changed.sort();
    changed.dedup();
    let mut zones = plan.zones;
    zones.sort_by_key(|z| z.id);
    Ok(Edited {
        zones,
        locked,
        summary,
        changed,
    })
}

/// Refuses a plan in which a zone the edit redrew is in more pieces than before, as
/// [`check`](crate::check()) counts them. The unit graph links units whose boundaries run within
/// a few centimetres of each other; where such a link carries a grid across a unit that now belongs
/// elsewhere, the union of the grid's units can touch only at a point. The check is the judge.
fn refuse_new_pieces(plan: &Dataset, before: &[Zone]) -> Result<(), EditError> {
    let old: HashMap<Id, &Zone> = before.iter().map(|z| (z.id, z)).collect();
    let projection = crate::check::projection_of(plan);
    let pieces = |g: &MultiPolygon<f64>| -> usize {
        let metric = projection.polygons_to_metres(g);
        crate::check::zone_parts(&metric).unwrap_or(metric.0.len().min(1))
    };
    for zone in &plan.zones {
        let was = old.get(&zone.id);
        if was.is_some_and(|w| w.geometry == zone.geometry) {
            continue;
        }
        let now = pieces(&zone.geometry);
        let then = was.map_or(1, |w| pieces(&w.geometry).max(1));
        if now > then {
            return Err(EditError::WouldDisconnect {
                code: zone.code.clone(),
                pieces: now,
            });
        }
    }
    Ok(())
}

/// The zone with a code.
fn by_code<'a>(plan: &'a Dataset, code: &str) -> Result<&'a Zone, EditError> {
    plan.zones
        .iter()
        .find(|z| z.code == code)
        .ok_or_else(|| EditError::UnknownZone {
            code: code.to_string(),
        })
}

/// The grids of one level under one parent, and the parent's planning units.
struct Family {
    parent: Zone,
    level: String,
    units: UnitSet,
    graph: UnitGraph,
    geometry: UnitGeometry,
    /// The family's grids (zone ids), in a fixed order.
    grids: Vec<Id>,
    /// For each unit, the index in `grids` of the grid holding it.
    member: Vec<Option<usize>>,
}

impl Family {
    fn of(plan: &Dataset, parent: Id, level: &str, targets: &Targets) -> Result<Family, EditError> {
        let parent = plan
            .zones
            .iter()
            .find(|z| z.id == parent)
            .cloned()
            .ok_or_else(|| EditError::NotFound {
                what: format!("zone {parent}"),
            })?;
        let lowest = plan.levels.levels.last().is_some_and(|l| l.key == level);
        let options = UnitOptions {
            split_compounds_above: if lowest {
                targets.of(level).map(|b| b.max)
            } else {
                None
            },
            only: Some(HashSet::from([parent.id])),
        };
        let units = planning_units_with(plan, &parent.level, &options)?;
        let graph = UnitGraph::build(&units, &plan.streets);
        let geometry = UnitGeometry::of(&units);
        let children: Vec<&Zone> = plan
            .zones
            .iter()
            .filter(|z| z.parent == Some(parent.id) && z.level == level)
            .collect();
        let grids: Vec<Id> = children.iter().map(|z| z.id).collect();
        let member = units
            .units
            .iter()
            .map(|u| {
                let point = u.geometry.interior_point()?;
                children
                    .iter()
                    .position(|z| z.geometry.intersects(&point))
                    .or_else(|| {
                        // Float noise on a shared boundary: the grid overlapping it most.
                        children
                            .iter()
                            .enumerate()
                            .map(|(i, z)| {
                                use geo::BooleanOps;
                                (i, z.geometry.intersection(&u.geometry).unsigned_area())
                            })
                            .max_by(|a, b| a.1.total_cmp(&b.1))
                            .filter(|(_, a)| *a > 0.0)
                            .map(|(i, _)| i)
                    })
            })
            .collect();
        Ok(Family {
            parent,
            level: level.to_string(),
            units,
            graph,
            geometry,
            grids,
            member,
        })
    }

    /// The units of grid `g`.
    fn units_of(&self, g: usize) -> Vec<UnitId> {
        (0..self.member.len())
            .filter(|&u| self.member[u] == Some(g))
            .collect()
    }

    /// How many connected pieces `members` form in the unit graph.
    fn pieces(&self, members: &[UnitId]) -> Vec<Vec<UnitId>> {
        let inside: HashSet<UnitId> = members.iter().copied().collect();
        let mut seen: HashSet<UnitId> = HashSet::new();
        let mut pieces = Vec::new();
        for &start in members {
            if !seen.insert(start) {
                continue;
            }
            let mut piece = vec![start];
            let mut i = 0;
            while i < piece.len() {
                let u = piece[i];
                i += 1;
                for (n, _) in self.graph.neighbours(u) {
                    if inside.contains(&n) && seen.insert(n) {
                        piece.push(n);
                    }
                }
            }
            piece.sort_unstable();
            pieces.push(piece);
        }
        pieces
    }

    fn households(&self, members: &[UnitId]) -> u64 {
        members
            .iter()
            .map(|&u| self.units.units[u].households)
            .sum()
    }

    /// Writes grid `g`'s outline from its units (or removes it, with everything below, if it
    /// has none).
    fn rewrite(&self, plan: &mut Dataset, g: usize) {
        let id = self.grids[g];
        let members = self.units_of(g);
        if members.is_empty() {
            remove_with_descendants(plan, id);
            return;
        }
        let outline = if members.len() == self.units.units.len() {
            self.parent.geometry.clone()
        } else {
            grid_outline(&self.units, &self.geometry, &members)
        };
        if let Some(zone) = plan.zones.iter_mut().find(|z| z.id == id) {
            zone.geometry = outline;
        }
    }
}

/// Removes a zone and all zones below it.
fn remove_with_descendants(plan: &mut Dataset, id: Id) {
    let gone = descendants(plan, id, true);
    plan.zones.retain(|z| !gone.contains(&z.id));
}

/// The zones below `id` (and `id` itself when `with_self`).
fn descendants(plan: &Dataset, id: Id, with_self: bool) -> HashSet<Id> {
    let mut out = with_descendants(&plan.zones, [id]);
    if !with_self {
        out.remove(&id);
    }
    out
}

/// Refuses when a zone in `ids` is locked.
fn refuse_locked(plan: &Dataset, locked: &BTreeSet<Id>, ids: &[Id]) -> Result<(), EditError> {
    for id in ids {
        if locked.contains(id) {
            let code = plan
                .zones
                .iter()
                .find(|z| z.id == *id)
                .map_or_else(|| id.to_string(), |z| z.code.clone());
            return Err(EditError::Locked { code });
        }
    }
    Ok(())
}

/// Redraws every level below the grids `ids` (after their outlines changed). Locked zones below
/// them stop the edit.
fn redraw_below(
    mut plan: Dataset,
    locked: &BTreeSet<Id>,
    ids: &[Id],
    targets: &Targets,
) -> Result<Dataset, EditError> {
    for &id in ids {
        let Some(level) = plan
            .zones
            .iter()
            .find(|z| z.id == id)
            .map(|z| z.level.clone())
        else {
            continue;
        };
        let Some(child) = plan.levels.child_of(&level).map(|l| l.key.clone()) else {
            continue;
        };
        // A zone with nothing below is drawn down too when the plan draws its child level
        // elsewhere: the new half of a split has no children yet, and must get them.
        let below: Vec<Id> = descendants(&plan, id, false).into_iter().collect();
        if below.is_empty() && !plan.zones.iter().any(|z| z.level == child) {
            continue;
        }
        refuse_locked(&plan, locked, &below)?;
        plan = redraw(plan, locked, id, &child, 1, targets)?;
    }
    Ok(plan)
}

/// Redraws the zones of `level` under `zone`, and every level below them, with the automatic
/// splitter; locked zones of `level` stay as they are.
fn redraw(
    mut plan: Dataset,
    locked: &BTreeSet<Id>,
    zone: Id,
    level: &str,
    seed: u64,
    targets: &Targets,
) -> Result<Dataset, EditError> {
    let code = plan
        .zones
        .iter()
        .find(|z| z.id == zone)
        .map(|z| z.code.clone())
        .unwrap_or_default();
    let start = plan
        .levels
        .index_of(level)
        .map_err(|e| EditError::Level(e.to_string()))?;
    let keep: HashSet<Id> = locked.iter().copied().collect();
    // Locked zones deeper down than `level` would be redrawn: refuse.
    let kept_below: HashSet<Id> = keep
        .iter()
        .flat_map(|&k| descendants(&plan, k, true))
        .collect();
    let under: Vec<Id> = descendants(&plan, zone, false)
        .into_iter()
        .filter(|id| !kept_below.contains(id))
        .collect();
    let deeper_locked: Vec<Id> = under
        .iter()
        .copied()
        .filter(|id| {
            keep.contains(id) && plan.zones.iter().any(|z| z.id == *id && z.level != level)
        })
        .collect();
    refuse_locked(&plan, locked, &deeper_locked)?;
    let mut any = false;
    for l in &plan.levels.levels.clone()[start..] {
        let Some(bounds) = targets.of(&l.key) else {
            continue;
        };
        any = true;
        let request = PartitionRequest {
            level: l.key.clone(),
            scope: Some(code.clone()),
            options: SplitOptions {
                bounds,
                seed,
                ..SplitOptions::default()
            },
        };
        let previous = plan.zones.clone();
        plan = partition_keeping(&plan, &request, &keep)?.data;
        // The splitter numbers afresh; codes are made stable by the caller, against the plan
        // before the edit, so restore the codes of zones that carried on for now.
        let codes: HashMap<Id, String> = previous.into_iter().map(|z| (z.id, z.code)).collect();
        for z in &mut plan.zones {
            if let Some(c) = codes.get(&z.id) {
                z.code = c.clone();
            }
        }
    }
    if !any {
        return Err(EditError::Level(format!(
            "no level at or below {level} has a household target to split by"
        )));
    }
    Ok(plan)
}

/// The unit of `family` holding each named compound, building and point.
fn pick_units(
    plan: &Dataset,
    family: &Family,
    compounds: &[String],
    buildings: &[Id],
    points: &[[f64; 2]],
) -> Result<Vec<UnitId>, EditError> {
    let mut picked: BTreeSet<UnitId> = BTreeSet::new();
    for code in compounds {
        let compound = plan
            .compounds
            .iter()
            .find(|c| &c.code == code)
            .ok_or_else(|| EditError::NotFound {
                what: format!("compound {code}"),
            })?;
        let found: Vec<UnitId> = family
            .units
            .units
            .iter()
            .filter(|u| u.compound == Some(compound.id))
            .map(|u| u.id)
            .collect();
        if found.is_empty() {
            return Err(outside(plan, family, &format!("compound {code}"), |z| {
                compound
                    .geometry
                    .interior_point()
                    .is_some_and(|p| z.geometry.intersects(&p))
            }));
        }
        picked.extend(found);
    }
    for id in buildings {
        let found = family
            .units
            .units
            .iter()
            .find(|u| u.buildings.contains(id))
            .map(|u| u.id);
        match found {
            Some(u) => {
                picked.insert(u);
            }
            None => {
                let building = plan.buildings.iter().find(|b| b.id == *id);
                let Some(building) = building else {
                    return Err(EditError::NotFound {
                        what: format!("building {id}"),
                    });
                };
                let point = building.geometry.interior_point();
                return Err(outside(plan, family, &format!("building {id}"), |z| {
                    point.is_some_and(|p| z.geometry.intersects(&p))
                }));
            }
        }
    }
    for &[lon, lat] in points {
        let p = Point::new(lon, lat);
        let found = family
            .units
            .units
            .iter()
            .find(|u| u.geometry.intersects(&p))
            .map(|u| u.id);
        match found {
            Some(u) => {
                picked.insert(u);
            }
            None => {
                return Err(outside(
                    plan,
                    family,
                    &format!("the place {lon:.6},{lat:.6}"),
                    |z| z.geometry.intersects(&p),
                ));
            }
        }
    }
    Ok(picked.into_iter().collect())
}

/// The error for something that lies outside the family's parent.
fn outside(
    plan: &Dataset,
    family: &Family,
    what: &str,
    holds: impl Fn(&Zone) -> bool,
) -> EditError {
    let found = plan
        .zones
        .iter()
        .filter(|z| z.level == family.parent.level && holds(z))
        .map(|z| format!("{} {}", z.code, z.name))
        .next();
    match found {
        Some(found) => EditError::OtherParent {
            what: what.to_string(),
            found,
            parent: format!("{} {}", family.parent.code, family.parent.name),
            grid: family.level.clone(),
        },
        None => EditError::NotFound {
            what: what.to_string(),
        },
    }
}

type Outcome = (Dataset, String, Vec<Id>);

fn move_units(
    mut plan: Dataset,
    locked: &BTreeSet<Id>,
    to: &str,
    compounds: &[String],
    buildings: &[Id],
    points: &[[f64; 2]],
    targets: &Targets,
) -> Result<Outcome, EditError> {
    let target = by_code(&plan, to)?.clone();
    let parent = target.parent.ok_or_else(|| {
        EditError::Level(format!("{to} has no parent zone; it cannot receive land"))
    })?;
    let family = Family::of(&plan, parent, &target.level, targets)?;
    let picked = pick_units(&plan, &family, compounds, buildings, points)?;
    let t = family
        .grids
        .iter()
        .position(|&g| g == target.id)
        .ok_or_else(|| EditError::UnknownZone {
            code: to.to_string(),
        })?;
    let moving: Vec<UnitId> = picked
        .into_iter()
        .filter(|&u| family.member[u] != Some(t))
        .collect();
    if moving.is_empty() {
        return Err(EditError::Nothing(format!(
            "everything named is already in {to}"
        )));
    }
    let sources: BTreeSet<usize> = moving.iter().filter_map(|&u| family.member[u]).collect();
    let mut touched: Vec<Id> = vec![target.id];
    touched.extend(sources.iter().map(|&g| family.grids[g]));
    refuse_locked(&plan, locked, &touched)?;

    let mut next = family;
    let before_households = next.households(&next.units_of(t));
    for &u in &moving {
        next.member[u] = Some(t);
    }
    for &g in std::iter::once(&t).chain(&sources) {
        let members = next.units_of(g);
        let pieces = next.pieces(&members).len();
        if pieces > 1 {
            let code = plan
                .zones
                .iter()
                .find(|z| z.id == next.grids[g])
                .map_or_else(String::new, |z| z.code.clone());
            return Err(EditError::WouldDisconnect { code, pieces });
        }
    }
    let after_households = next.households(&next.units_of(t));
    for &g in std::iter::once(&t).chain(&sources) {
        next.rewrite(&mut plan, g);
    }
    let survivors: Vec<Id> = touched
        .iter()
        .copied()
        .filter(|id| plan.zones.iter().any(|z| z.id == *id))
        .collect();
    let plan = redraw_below(plan, locked, &survivors, targets)?;
    let summary = format!(
        "将 {} 个单元移入 {to}（户数 {before_households} → {after_households}）",
        moving.len()
    );
    Ok((plan, summary, touched))
}

fn siblings<'a>(plan: &'a Dataset, codes: &[String]) -> Result<Vec<&'a Zone>, EditError> {
    let zones: Vec<&Zone> = codes
        .iter()
        .map(|c| by_code(plan, c))
        .collect::<Result<_, _>>()?;
    for pair in zones.windows(2) {
        if pair[0].parent != pair[1].parent
            || pair[0].level != pair[1].level
            || pair[0].parent.is_none()
        {
            return Err(EditError::NotSiblings {
                a: pair[0].code.clone(),
                b: pair[1].code.clone(),
            });
        }
    }
    let distinct: HashSet<Id> = zones.iter().map(|z| z.id).collect();
    if distinct.len() != zones.len() {
        return Err(EditError::Nothing("a grid is named twice".into()));
    }
    Ok(zones)
}

fn merge(mut plan: Dataset, locked: &BTreeSet<Id>, codes: &[String]) -> Result<Outcome, EditError> {
    if codes.len() < 2 {
        return Err(EditError::Nothing(
            "name at least two grids to merge".into(),
        ));
    }
    let zones: Vec<Zone> = siblings(&plan, codes)?.into_iter().cloned().collect();
    let ids: Vec<Id> = zones.iter().map(|z| z.id).collect();
    refuse_locked(&plan, locked, &ids)?;
    // Merged grids must make one piece: their union has as many polygons as the largest
    // connected group allows, judged by shared boundary in the parent's units.
    let union = geo::unary_union(zones.iter().map(|z| &z.geometry));
    let parts = union.0.iter().filter(|p| p.unsigned_area() > 0.0).count();
    if parts > 1 {
        return Err(EditError::WouldDisconnect {
            code: zones[0].code.clone(),
            pieces: parts,
        });
    }
    let keep = ids[0];
    let parent_geometry = zones[0]
        .parent
        .and_then(|p| plan.zones.iter().find(|z| z.id == p))
        .map(|z| z.geometry.clone());
    let households: u64 = zones.iter().map(|z| z.totals.households).sum();
    // The first grid takes the union; the others' children move under it.
    let whole = plan
        .zones
        .iter()
        .filter(|z| z.parent == zones[0].parent && z.level == zones[0].level)
        .count()
        == zones.len();
    for z in &mut plan.zones {
        if z.id == keep {
            z.geometry = match (&parent_geometry, whole) {
                (Some(g), true) => g.clone(),
                _ => union.clone(),
            };
        } else if z.parent.is_some_and(|p| ids[1..].contains(&p)) {
            z.parent = Some(keep);
        }
    }
    plan.zones.retain(|z| !ids[1..].contains(&z.id));
    let summary = format!(
        "合并 {} 为 {}（户数 {households}）",
        codes.join("、"),
        codes[0]
    );
    Ok((plan, summary, ids))
}

fn split(
    mut plan: Dataset,
    locked: &BTreeSet<Id>,
    code: &str,
    line: Option<&[[f64; 2]]>,
    seed: u64,
    targets: &Targets,
) -> Result<Outcome, EditError> {
    let zone = by_code(&plan, code)?.clone();
    refuse_locked(&plan, locked, &[zone.id])?;
    let parent = zone.parent.ok_or_else(|| {
        EditError::Level(format!(
            "{code} has no parent zone; split it in its own system"
        ))
    })?;
    let family = Family::of(&plan, parent, &zone.level, targets)?;
    let g = family
        .grids
        .iter()
        .position(|&id| id == zone.id)
        .ok_or_else(|| EditError::UnknownZone {
            code: code.to_string(),
        })?;
    let members = family.units_of(g);
    if members.len() < 2 {
        return Err(EditError::Indivisible {
            code: code.to_string(),
        });
    }
    let groups: Vec<Vec<UnitId>> = match line {
        Some(line) => {
            let sides = cut_by_line(&family, &zone, line);
            let mut groups: Vec<Vec<UnitId>> = vec![Vec::new(); sides.len()];
            for &u in &members {
                let Some(p) = family.units.units[u].geometry.interior_point() else {
                    continue;
                };
                let metric = family.units.projection.to_metres(p.0);
                let side = sides
                    .iter()
                    .position(|s| s.contains(&Point(metric)))
                    .unwrap_or(0);
                groups[side].push(u);
            }
            groups.retain(|g| !g.is_empty());
            if groups.len() < 2 {
                return Err(EditError::LineMisses {
                    code: code.to_string(),
                });
            }
            // A side in several pieces (the line crossed a grid twice) gives a grid per piece.
            groups.into_iter().flat_map(|g| family.pieces(&g)).collect()
        }
        None => {
            let total = family.households(&members);
            let bounds = Bounds {
                min: total * 35 / 100,
                max: (total * 65).div_ceil(100).max(1),
            };
            let options = SplitOptions {
                bounds,
                seed,
                ..SplitOptions::default()
            };
            split_into(
                &family.units,
                &family.graph,
                &family.geometry,
                &members,
                2,
                &options,
            )
        }
    };
    let (plan2, added) = write_groups(&mut plan, &family, g, groups);
    let mut touched = vec![zone.id];
    touched.extend(&added);
    let plan = redraw_below(plan2, locked, &touched, targets)?;
    let summary = format!("拆分 {code} 为 {} 个网格", added.len() + 1);
    Ok((plan, summary, touched))
}

/// Gives grid `g` the largest group (by households) and makes new sibling grids of the others.
/// Returns the plan and the new grids' ids.
fn write_groups(
    plan: &mut Dataset,
    family: &Family,
    g: usize,
    mut groups: Vec<Vec<UnitId>>,
) -> (Dataset, Vec<Id>) {
    groups.sort_by_key(|m| std::cmp::Reverse(family.households(m)));
    let id = family.grids[g];
    let template = plan
        .zones
        .iter()
        .find(|z| z.id == id)
        .cloned()
        .unwrap_or_else(|| family.parent.clone());
    // Children of the old grid are redrawn by the caller; drop them now.
    let below = descendants(plan, id, false);
    plan.zones.retain(|z| !below.contains(&z.id));
    let mut next_id = plan.next_ids().zone;
    let mut added = Vec::new();
    for (i, members) in groups.iter().enumerate() {
        let outline = grid_outline(&family.units, &family.geometry, members);
        if i == 0 {
            if let Some(z) = plan.zones.iter_mut().find(|z| z.id == id) {
                z.geometry = outline;
            }
        } else {
            plan.zones.push(Zone {
                id: next_id,
                code: String::new(),
                name: String::new(),
                geometry: outline,
                totals: ZoneTotals::default(),
                ..template.clone()
            });
            added.push(next_id);
            next_id += 1;
        }
    }
    (plan.clone(), added)
}

/// The grid's outline (metres) cut by the line into its sides.
fn cut_by_line(family: &Family, zone: &Zone, line: &[[f64; 2]]) -> Vec<Polygon<f64>> {
    let p = family.units.projection;
    let metric = p.polygons_to_metres(&zone.geometry);
    let path: Vec<[f64; 2]> = line
        .iter()
        .map(|&[x, y]| {
            let c = p.to_metres(Coord { x, y });
            [c.x, c.y]
        })
        .collect();
    let shapes: Vec<Vec<Vec<[f64; 2]>>> = metric
        .0
        .iter()
        .map(|polygon| {
            std::iter::once(polygon.exterior())
                .chain(polygon.interiors())
                .map(|ring| {
                    let mut pts: Vec<[f64; 2]> = ring.coords().map(|c| [c.x, c.y]).collect();
                    if pts.len() > 1 && pts.first() == pts.last() {
                        pts.pop();
                    }
                    pts
                })
                .collect()
        })
        .collect();
    let pieces = shapes.slice_by(&vec![path], FillRule::EvenOdd);
    pieces
        .into_iter()
        .filter_map(|shape| {
            let mut rings = shape.into_iter().map(|ring| {
                LineString::from(
                    ring.into_iter()
                        .map(|[x, y]| Coord { x, y })
                        .collect::<Vec<_>>(),
                )
            });
            let exterior = rings.next()?;
            Some(Polygon::new(exterior, rings.collect()))
        })
        .collect()
}

fn rebalance(
    mut plan: Dataset,
    locked: &BTreeSet<Id>,
    codes: &[String; 2],
    seed: u64,
    targets: &Targets,
) -> Result<Outcome, EditError> {
    let zones: Vec<Zone> = siblings(&plan, codes)?.into_iter().cloned().collect();
    let ids = [zones[0].id, zones[1].id];
    refuse_locked(&plan, locked, &ids)?;
    let parent = zones[0].parent.unwrap_or_default();
    let mut family = Family::of(&plan, parent, &zones[0].level, targets)?;
    let a = family.grids.iter().position(|&g| g == ids[0]);
    let b = family.grids.iter().position(|&g| g == ids[1]);
    let (Some(a), Some(b)) = (a, b) else {
        return Err(EditError::NotSiblings {
            a: codes[0].clone(),
            b: codes[1].clone(),
        });
    };
    let mut members = family.units_of(a);
    let old_a: HashSet<UnitId> = members.iter().copied().collect();
    members.extend(family.units_of(b));
    members.sort_unstable();
    if family.pieces(&members).len() > 1 {
        return Err(EditError::NotSiblings {
            a: format!("{} (not a neighbour of {})", codes[0], codes[1]),
            b: codes[1].clone(),
        });
    }
    let total = family.households(&members);
    let bounds = targets
        .of(&zones[0].level)
        .filter(|b| b.min * 2 <= total && total <= b.max * 2)
        .unwrap_or(Bounds {
            min: total * 35 / 100,
            max: (total * 65).div_ceil(100).max(1),
        });
    let options = SplitOptions {
        bounds,
        seed,
        ..SplitOptions::default()
    };
    let mut halves = split_into(
        &family.units,
        &family.graph,
        &family.geometry,
        &members,
        2,
        &options,
    );
    if halves.len() < 2 {
        return Err(EditError::Indivisible {
            code: codes[0].clone(),
        });
    }
    // The half sharing more of a's old units stays a.
    let shared = |h: &Vec<UnitId>| h.iter().filter(|u| old_a.contains(u)).count();
    if shared(&halves[1]) > shared(&halves[0]) {
        halves.swap(0, 1);
    }
    let before = [
        family.households(&family.units_of(a)),
        family.households(&family.units_of(b)),
    ];
    for (half, g) in halves.iter().zip([a, b]) {
        for &u in half {
            family.member[u] = Some(g);
        }
    }
    let after = [
        family.households(&family.units_of(a)),
        family.households(&family.units_of(b)),
    ];
    family.rewrite(&mut plan, a);
    family.rewrite(&mut plan, b);
    let plan = redraw_below(plan, locked, &ids, targets)?;
    let summary = format!(
        "重新平衡 {} 与 {}（户数 {}/{} → {}/{}）",
        codes[0], codes[1], before[0], before[1], after[0], after[1]
    );
    Ok((plan, summary, ids.to_vec()))
}

/// Names grids that have no name (new ones) `第N网格` after their sequence, or, on levels at or
/// above the community, after the zone they came from.
fn name_new_grids(plan: &mut Dataset, previous: &[Zone]) {
    let codes: HashMap<Id, String> = plan.zones.iter().map(|z| (z.id, z.code.clone())).collect();
    let had: HashSet<Id> = previous.iter().map(|z| z.id).collect();
    let community = plan.levels.community_key().map(str::to_owned);
    let community_index = community
        .as_deref()
        .and_then(|c| plan.levels.index_of(c).ok())
        .unwrap_or(0);
    let level_index: HashMap<String, usize> = plan
        .levels
        .levels
        .iter()
        .enumerate()
        .map(|(i, l)| (l.key.clone(), i))
        .collect();
    for z in &mut plan.zones {
        if had.contains(&z.id) && !z.name.is_empty() {
            continue;
        }
        let parent_code = z
            .parent
            .and_then(|p| codes.get(&p))
            .map_or("", |c| c.as_str());
        let sequence = z
            .code
            .strip_prefix(parent_code)
            .and_then(|s| s.parse::<u64>().ok())
            .unwrap_or(0);
        let at = level_index.get(&z.level).copied().unwrap_or(usize::MAX);
        z.name = if at <= community_index {
            format!(
                "新{}{sequence}",
                plan.levels.levels[at.min(plan.levels.levels.len() - 1)].name_zh
            )
        } else {
            format!("第{sequence}网格")
        };
    }
}

/// The balance table of one family: each grid's households against the target, connectedness,
/// compactness and street share, with warnings.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FamilyReport {
    /// The parent zone's code.
    pub parent: String,
    /// The level of the grids.
    pub level: String,
    /// The household range, when the level has one.
    pub bounds: Option<Bounds>,
    /// One row per grid, by code.
    pub grids: Vec<GridReport>,
    /// Warnings in words (zh-CN): grids out of range, in pieces.
    pub warnings: Vec<String>,
}

/// The balance table of the grids of `level` under zone `parent` (a code) in a plan.
pub fn family_report(
    data: &Dataset,
    zones: &[Zone],
    parent: &str,
    level: &str,
    targets: &Targets,
) -> Result<FamilyReport, EditError> {
    let plan = Dataset {
        zones: zones.to_vec(),
        ..data.clone()
    };
    let zone = by_code(&plan, parent)?;
    plan.levels
        .index_of(level)
        .map_err(|e| EditError::Level(e.to_string()))?;
    let family = Family::of(&plan, zone.id, level, targets)?;
    let bounds = targets.of(level);
    let mut grids = Vec::new();
    let mut warnings = Vec::new();
    for (g, &id) in family.grids.iter().enumerate() {
        let Some(grid) = plan.zones.iter().find(|z| z.id == id) else {
            continue;
        };
        let members = family.units_of(g);
        let households = family.households(&members);
        let pieces = family.pieces(&members).len();
        let metric = family.units.projection.polygons_to_metres(&grid.geometry);
        let perimeter: f64 = segments(&metric)
            .iter()
            .map(|s| (s[1][0] - s[0][0]).hypot(s[1][1] - s[0][1]))
            .sum();
        let (mut boundary, mut on_street) = (0.0, 0.0);
        for &u in &members {
            for (v, e) in family.graph.neighbours(u) {
                if family.member[v] != Some(g) {
                    boundary += e.shared_m;
                    on_street += e.on_street_m;
                }
            }
        }
        let within = bounds.is_none_or(|b| b.contains(households));
        let single_large = members.len() == 1 && bounds.is_some_and(|b| households > b.max);
        if !within && !single_large {
            warnings.push(match bounds {
                Some(b) if households < b.min => {
                    format!("{} 只有 {households} 户，少于 {} 户", grid.code, b.min)
                }
                Some(b) => format!("{} 有 {households} 户，多于 {} 户", grid.code, b.max),
                None => String::new(),
            });
        }
        if pieces > 1 {
            warnings.push(format!("{} 不连通（{pieces} 块）", grid.code));
        }
        grids.push(GridReport {
            code: grid.code.clone(),
            name: grid.name.clone(),
            parent: zone.code.clone(),
            households,
            deviation: bounds.map_or(0.0, |b| households as f64 - b.mid()),
            within_bounds: within,
            oversized_unit: single_large,
            connected: pieces == 1,
            polsby_popper: polsby_popper(metric.unsigned_area(), perimeter),
            street_share: if boundary > 0.0 {
                (on_street / boundary).min(1.0)
            } else {
                0.0
            },
            units: members.len(),
            buildings: members
                .iter()
                .map(|&u| family.units.units[u].buildings.len())
                .sum(),
        });
    }
    let unassigned = family.member.iter().filter(|m| m.is_none()).count();
    if unassigned > 0 && !family.grids.is_empty() {
        warnings.push(format!("{unassigned} 个单元不属于任何网格"));
    }
    grids.sort_by(|a, b| a.code.cmp(&b.code));
    Ok(FamilyReport {
        parent: zone.code.clone(),
        level: level.to_string(),
        bounds,
        grids,
        warnings,
    })
}
