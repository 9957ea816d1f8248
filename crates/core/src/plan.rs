//! Plans: drafts of the zone hierarchy that planners edit, and the published plans kept as history.
//!
//! A [`Plan`] holds a complete copy of the zones (every level). A draft is copied from the
//! published plan (or from the live zones, the first time); edits change the draft only, so patrol
//! staff and leaders keep seeing the published zones until the planner publishes. Every edit is
//! kept as a [`PlanEdit`] with the zones it replaced and the zones it put in their place, which is
//! what undo and redo need, and what a second planner is shown when their edit conflicts (the
//! plan's [`version`](PlanInfo::version) grows by one with every edit, undo and redo).
//!
//! This module is pure bookkeeping: what an edit *does* to the zones is computed elsewhere (the
//! partition crate's editor); here it is recorded, undone, redone and turned into the
//! [`ChangeSet`] that publishes it.
//!
//! # Examples
//!
//! ```
//! use wangge_core::{Dataset, Plan};
//! let data = Dataset::default();
//! let mut plan = Plan::draft_of(&data, "2027 plan", "planner Li", 1_700_000_000_000, None);
//! assert_eq!(plan.info.version, 0);
//! assert!(plan.undo("planner Li", 1).is_err()); // nothing to undo yet
//! let zones = plan.zones.clone();
//! plan.record("{\"op\":\"noop\"}", "nothing", "planner Li", 2, zones, plan.locked.clone());
//! assert_eq!(plan.info.version, 1);
//! assert_eq!(plan.publish_changes(&data).zones.len(), 0);
//! ```

use std::collections::{BTreeSet, HashMap, HashSet};

use serde::{Deserialize, Serialize};

use crate::{ChangeSet, Dataset, Id, Zone};

/// Where a plan is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlanStatus {
    /// Being edited; not visible outside the planner's view.
    Draft,
    /// Published: it was (or still is, if it is the newest) what everyone sees.
    Published,
    /// Given up without publishing.
    Discarded,
}

impl PlanStatus {
    /// The canonical key: `draft`, `published`, `discarded`.
    pub fn as_str(self) -> &'static str {
        match self {
            PlanStatus::Draft => "draft",
            PlanStatus::Published => "published",
            PlanStatus::Discarded => "discarded",
        }
    }

    /// Reads a canonical key.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "draft" => Some(PlanStatus::Draft),
            "published" => Some(PlanStatus::Published),
            "discarded" => Some(PlanStatus::Discarded),
            _ => None,
        }
    }

    /// The Chinese name, e.g. `草稿`.
    pub fn name_zh(self) -> &'static str {
        match self {
            PlanStatus::Draft => "草稿",
            PlanStatus::Published => "已发布",
            PlanStatus::Discarded => "已放弃",
        }
    }
}

/// A plan without its zones and history: what a list of plans shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanInfo {
    /// Identifier (given by the store).
    pub id: Id,
    /// The planner's name for it, e.g. `2027年网格调整`.
    pub name: String,
    /// Draft, published or discarded.
    pub status: PlanStatus,
    /// Grows by one with every edit, undo and redo: the optimistic-concurrency token.
    pub version: u64,
    /// The published plan this draft was copied from (`None` for the first plan, copied from the
    /// live zones).
    pub based_on: Option<Id>,
    /// Who created it.
    pub created_by: String,
    /// When, ms since the Unix epoch (UTC).
    pub created_at_ms: i64,
    /// Who published it.
    pub published_by: Option<String>,
    /// When it was published, ms since the Unix epoch (UTC).
    pub published_at_ms: Option<i64>,
}

/// One recorded edit of a plan.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanEdit {
    /// 1, 2, 3 … within the plan.
    pub seq: u64,
    /// The operation as requested (JSON), for the record and for replaying.
    pub op: String,
    /// What it did, in words (zh-CN), e.g. `将 3 个单元从 …01 移到 …02`.
    pub summary: String,
    /// Who made it.
    pub by: String,
    /// When, ms since the Unix epoch (UTC).
    pub at_ms: i64,
    /// The zones as they were before the edit, for every zone it changed or removed.
    pub before: Vec<Zone>,
    /// The zones as they are after the edit, for every zone it changed or added.
    pub after: Vec<Zone>,
    /// The locked zone ids before the edit.
    pub locked_before: Vec<Id>,
    /// The locked zone ids after the edit.
    pub locked_after: Vec<Id>,
    /// Undone (and not redone). A new edit drops every undone edit: there is one line of history.
    pub undone: bool,
    /// The plan version this edit (or its latest undo/redo) produced.
    pub version: u64,
}

/// A plan: a complete set of zones, the locked ones, and the edits that made it.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// The plan's identity and state.
    pub info: PlanInfo,
    /// Every zone of the plan, every level.
    pub zones: Vec<Zone>,
    /// Zones the automatic tools must leave untouched.
    pub locked: BTreeSet<Id>,
    /// The edits, oldest first.
    pub history: Vec<PlanEdit>,
}

/// Why undo or redo could not be done.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    /// Nothing left to undo.
    #[error("nothing to undo")]
    NothingToUndo,
    /// Nothing to redo.
    #[error("nothing to redo")]
    NothingToRedo,
    /// The plan is not a draft.
    #[error("plan {id} is {status}, not a draft: only drafts are edited")]
    NotDraft {
        /// The plan.
        id: Id,
        /// Its status key.
        status: &'static str,
    },
}

impl Plan {
    /// A new draft holding a copy of `data`'s zones (id 0 until the store gives one).
    pub fn draft_of(
        data: &Dataset,
        name: &str,
        by: &str,
        at_ms: i64,
        based_on: Option<&Plan>,
    ) -> Plan {
        let (zones, locked) = match based_on {
            Some(p) => (p.zones.clone(), p.locked.clone()),
            None => (data.zones.clone(), BTreeSet::new()),
        };
        Plan {
            info: PlanInfo {
                id: 0,
                name: name.to_string(),
                status: PlanStatus::Draft,
                version: 0,
                based_on: based_on.map(|p| p.info.id),
                created_by: by.to_string(),
                created_at_ms: at_ms,
                published_by: None,
                published_at_ms: None,
            },
            zones,
            locked,
            history: Vec::new(),
        }
    }

    /// Fails unless the plan is a draft.
    pub fn ensure_draft(&self) -> Result<(), PlanError> {
        if self.info.status == PlanStatus::Draft {
            Ok(())
        } else {
            Err(PlanError::NotDraft {
                id: self.info.id,
                status: self.info.status.as_str(),
            })
        }
    }

    /// Records an edit that turned the plan's zones into `zones` and its locks into `locked`:
    /// keeps only the zones that changed (before and after), drops any undone edits, and bumps
    /// the version. Returns the new version.
    pub fn record(
        &mut self,
        op: &str,
        summary: &str,
        by: &str,
        at_ms: i64,
        zones: Vec<Zone>,
        locked: BTreeSet<Id>,
    ) -> u64 {
        let (before, after) = zone_diff(&self.zones, &zones);
        self.history.retain(|e| !e.undone);
        self.info.version += 1;
        let seq = self.history.last().map_or(1, |e| e.seq + 1);
        self.history.push(PlanEdit {
            seq,
            op: op.to_string(),
            summary: summary.to_string(),
            by: by.to_string(),
            at_ms,
            before,
            after,
            locked_before: self.locked.iter().copied().collect(),
            locked_after: locked.iter().copied().collect(),
            undone: false,
            version: self.info.version,
        });
        self.zones = zones;
        self.locked = locked;
        self.info.version
    }

    /// Undoes the newest edit that is not undone. Returns it.
    pub fn undo(&mut self, _by: &str, _at_ms: i64) -> Result<&PlanEdit, PlanError> {
        let i = self
            .history
            .iter()
            .rposition(|e| !e.undone)
            .ok_or(PlanError::NothingToUndo)?;
        let edit = &self.history[i];
        self.zones = replace_zones(&self.zones, &edit.after, &edit.before);
        self.locked = edit.locked_before.iter().copied().collect();
        self.info.version += 1;
        let edit = &mut self.history[i];
        edit.undone = true;
        edit.version = self.info.version;
        Ok(edit)
    }

    /// Redoes the oldest undone edit. Returns it.
    pub fn redo(&mut self, _by: &str, _at_ms: i64) -> Result<&PlanEdit, PlanError> {
        let i = self
            .history
            .iter()
            .position(|e| e.undone)
            .ok_or(PlanError::NothingToRedo)?;
        let edit = &self.history[i];
        self.zones = replace_zones(&self.zones, &edit.before, &edit.after);
        self.locked = edit.locked_after.iter().copied().collect();
        self.info.version += 1;
        let edit = &mut self.history[i];
        edit.undone = false;
        edit.version = self.info.version;
        Ok(edit)
    }

    /// The edits (and undos/redos) made after `version`, oldest first: what a planner whose
    /// request was based on `version` missed.
    pub fn edits_since(&self, version: u64) -> Vec<&PlanEdit> {
        let mut edits: Vec<&PlanEdit> = self
            .history
            .iter()
            .filter(|e| e.version > version)
            .collect();
        edits.sort_by_key(|e| e.version);
        edits
    }

    /// The change set that makes `live`'s zones equal to this plan's: zones added or changed
    /// are upserted, zones the plan no longer has are deleted.
    pub fn publish_changes(&self, live: &Dataset) -> ChangeSet {
        let (before, after) = zone_diff(&live.zones, &self.zones);
        let kept: BTreeSet<Id> = after.iter().map(|z| z.id).collect();
        ChangeSet {
            zones: after,
            delete_zones: before
                .iter()
                .map(|z| z.id)
                .filter(|id| !kept.contains(id))
                .collect(),
            ..ChangeSet::default()
        }
    }

    /// The smallest zone id not used by this plan nor by `live`.
    pub fn next_zone_id(&self, live: &Dataset) -> Id {
        self.zones
            .iter()
            .chain(&live.zones)
            .map(|z| z.id)
            .max()
            .map_or(1, |m| m + 1)
    }
}

/// The zones of `old` that `new` changes or drops (as they were), and the zones of `new` that
/// are added or changed (as they are), each sorted by id.
pub fn zone_diff(old: &[Zone], new: &[Zone]) -> (Vec<Zone>, Vec<Zone>) {
    let old_by_id: HashMap<Id, &Zone> = old.iter().map(|z| (z.id, z)).collect();
    let new_by_id: HashMap<Id, &Zone> = new.iter().map(|z| (z.id, z)).collect();
    let mut before: Vec<Zone> = old
        .iter()
        .filter(|z| new_by_id.get(&z.id).is_none_or(|n| *n != *z))
        .cloned()
        .collect();
    let mut after: Vec<Zone> = new
        .iter()
        .filter(|z| old_by_id.get(&z.id).is_none_or(|o| *o != *z))
        .cloned()
        .collect();
    before.sort_by_key(|z| z.id);
    after.sort_by_key(|z| z.id);
    (before, after)
}

/// The ids of `roots` and of every zone below them (children, their children, …).
///
/// # Examples
///
/// ```
/// use geo::MultiPolygon;
/// use wangge_core::{Zone, with_descendants};
/// let zone = |id, parent| Zone { id, code: String::new(), name: String::new(), level: String::new(), parent, geometry: MultiPolygon(vec![]), totals: Default::default() };
/// let zones = [zone(1, None), zone(2, Some(1)), zone(3, Some(2)), zone(4, None)];
/// let below = with_descendants(&zones, [2]);
/// assert!(below.contains(&2) && below.contains(&3) && below.len() == 2);
/// ```
pub fn with_descendants(zones: &[Zone], roots: impl IntoIterator<Item = Id>) -> HashSet<Id> {
    let mut out: HashSet<Id> = roots.into_iter().collect();
    loop {
        let before = out.len();
        for z in zones {
            if z.parent.is_some_and(|p| out.contains(&p)) {
                out.insert(z.id);
            }
        }
        if out.len() == before {
            return out;
        }
    }
}

/// `zones` with every zone of `remove` taken out and every zone of `insert` put in (by id),
/// sorted by id.
fn replace_zones(zones: &[Zone], remove: &[Zone], insert: &[Zone]) -> Vec<Zone> {
    let gone: BTreeSet<Id> = remove.iter().chain(insert).map(|z| z.id).collect();
    let mut out: Vec<Zone> = zones
        .iter()
        .filter(|z| !gone.contains(&z.id))
        .cloned()
        .chain(insert.iter().cloned())
        .collect();
    out.sort_by_key(|z| z.id);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{MultiPolygon, polygon};

    fn zone(id: Id, code: &str) -> Zone {
        Zone {
            id,
            code: code.into(),
            name: code.into(),
            level: "secondary".into(),
            parent: None,
            geometry: MultiPolygon(vec![
                polygon![(x: 0.0, y: 0.0), (x: 1.0, y: 0.0), (x: 1.0, y: 1.0)],
            ]),
            totals: Default::default(),
        }
    }

    #[test]
    fn undo_and_redo_restore_zones_and_locks() {
        let data = Dataset {
            zones: vec![zone(1, "a"), zone(2, "b")],
            ..Dataset::default()
        };
        let mut plan = Plan::draft_of(&data, "p", "li", 0, None);
        let original = plan.zones.clone();
        let mut changed = vec![zone(1, "a2"), zone(3, "c")];
        changed.sort_by_key(|z| z.id);
        plan.record("{}", "edit", "li", 1, changed.clone(), BTreeSet::from([3]));
        assert_eq!(plan.history[0].before.len(), 2, "a changed, b removed");
        assert_eq!(plan.history[0].after.len(), 2, "a changed, c added");
        plan.undo("li", 2).expect("one edit to undo");
        assert_eq!(plan.zones, original);
        assert!(plan.locked.is_empty());
        plan.redo("li", 3).expect("one edit to redo");
        assert_eq!(plan.zones, changed);
        assert_eq!(plan.locked, BTreeSet::from([3]));
        assert_eq!(plan.info.version, 3);
        assert_eq!(plan.redo("li", 4), Err(PlanError::NothingToRedo));
    }

    #[test]
    fn a_new_edit_drops_the_redo_line_and_conflicts_see_what_changed() {
        let data = Dataset {
            zones: vec![zone(1, "a")],
            ..Dataset::default()
        };
        let mut plan = Plan::draft_of(&data, "p", "li", 0, None);
        plan.record("{}", "one", "li", 1, vec![zone(1, "x")], BTreeSet::new());
        plan.undo("li", 2).expect("one edit to undo");
        plan.record("{}", "two", "wang", 3, vec![zone(1, "y")], BTreeSet::new());
        assert_eq!(plan.history.len(), 1);
        assert_eq!(plan.history[0].summary, "two");
        assert_eq!(plan.history[0].seq, 1);
        let missed = plan.edits_since(1);
        assert_eq!(missed.len(), 1);
        assert_eq!(missed[0].by, "wang");
        assert!(plan.edits_since(3).is_empty());
    }

    #[test]
    fn publishing_upserts_changed_and_deletes_dropped_zones() {
        let live = Dataset {
            zones: vec![zone(1, "a"), zone(2, "b"), zone(3, "c")],
            ..Dataset::default()
        };
        let mut plan = Plan::draft_of(&live, "p", "li", 0, None);
        plan.record(
            "{}",
            "e",
            "li",
            1,
            vec![zone(1, "a"), zone(2, "b2"), zone(4, "d")],
            BTreeSet::new(),
        );
        let changes = plan.publish_changes(&live);
        let upserted: Vec<Id> = changes.zones.iter().map(|z| z.id).collect();
        assert_eq!(upserted, vec![2, 4]);
        assert_eq!(changes.delete_zones, vec![3]);
        assert_eq!(plan.next_zone_id(&live), 5);
    }
}
