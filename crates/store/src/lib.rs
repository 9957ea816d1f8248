//! Where wangge keeps its data: the [`Store`] trait, and the embedded GeoPackage backend.
//!
//! A store persists a [`Dataset`] and applies [`ChangeSet`]s atomically. It also keeps
//! [`Plan`]s, the drafts of the zone hierarchy that planners edit: saved with a
//! compare-and-swap on their version, written incrementally ([`plan_sync`]), and published
//! together with the change set that makes them live, in one transaction. Two backends implement
//! it: [`GpkgStore`] here (one SQLite file laid out as a GeoPackage 1.3, the default) and PostGIS
//! (in `wangge-store-postgis`). Both pass the same [`contract`] suite.
//!
//! The trait is async and object safe (`Box<dyn Store>`), because the PostGIS backend talks to its
//! server over the network; the GeoPackage backend runs its SQLite work on tokio's blocking pool.

#[cfg(any(test, feature = "contract"))]
pub mod contract;
mod error;
pub mod gpkg;
pub mod plan_sync;
pub mod problems;
pub mod shape;
pub mod users;
pub mod visits;

use async_trait::async_trait;
use geo::Rect;
use wangge_core::{
    AuditAction, AuditEntry, Building, ChangeSet, Compound, Dataset, Id, Inspection, KeySite,
    Layer, Photo, Plan, PlanInfo, Problem, ProblemCounts, ProblemSource, ProblemState, ProblemStep,
    StreetSegment, Targets, TierChange, User, Visit, VulnerableHousehold, Zone,
};

pub use error::{Error, Result};
pub use gpkg::GpkgStore;

/// The schema version this build reads and writes. A store with a newer schema is refused.
pub const SCHEMA_VERSION: u32 = 11;

/// Checks the photos of a change set's inspections before anything is written, for both
/// backends: each names an inspection of the change set by its index, at most one per
/// inspection, and is a JPEG, PNG or WebP image (by its bytes) of at most 5 MiB.
pub fn check_inspection_photos(changes: &ChangeSet) -> Result<()> {
    let mut seen = std::collections::HashSet::new();
    for (index, photo) in &changes.inspection_photos {
        let Some(inspection) = changes.inspections.get(*index) else {
            return Err(wangge_core::Error::Invalid(format!(
                "a photo belongs to inspection {index} of the change, which has only {}",
                changes.inspections.len()
            ))
            .into());
        };
        let what = || {
            format!(
                "the photo of the inspection of compound {}",
                inspection.compound
            )
        };
        if !seen.insert(*index) {
            return Err(wangge_core::Error::Invalid(format!("{} is given twice", what())).into());
        }
        photo
            .check()
            .map_err(|e| wangge_core::Error::Invalid(format!("{}: {e}", what())))?;
    }
    Ok(())
}

/// A setting kept with the data as JSON in the store's key/value table (`cadences`,
/// `visit_schedules`), the same in both backends.
pub fn setting_text<T: serde::Serialize>(name: &str, value: &T) -> Result<String> {
    serde_json::to_string(value)
        .map_err(|e| Error::Refused(wangge_core::Error::Invalid(format!("{name}: {e}"))))
}

/// Reads what [`setting_text`] wrote; a store that never had the setting has the default.
pub fn setting_of<T: serde::de::DeserializeOwned + Default>(
    location: &str,
    name: &str,
    text: Option<String>,
) -> Result<T> {
    match text {
        None => Ok(T::default()),
        Some(text) => serde_json::from_str(&text).map_err(|e| Error::Corrupt {
            location: location.to_string(),
            table: "wangge_meta".into(),
            id: 0,
            problem: format!("the {name} `{text}` do not read: {e}"),
        }),
    }
}

/// The inspection cadences as both backends keep them (`{"green":{"quarters":1},…}`); a count
/// of 0 is refused.
pub fn cadences_text(cadences: &wangge_core::Cadences) -> Result<String> {
    cadences.validate().map_err(|e| {
        Error::Refused(wangge_core::Error::Invalid(format!(
            "inspection cadences: {e}"
        )))
    })?;
    setting_text("inspection cadences", cadences)
}

/// The visit schedules as both backends keep them; a count of 0 is refused.
pub fn visit_schedules_text(schedules: &wangge_core::VisitSchedules) -> Result<String> {
    schedules.validate().map_err(|e| {
        Error::Refused(wangge_core::Error::Invalid(format!("visit schedules: {e}")))
    })?;
    setting_text("visit schedules", schedules)
}

/// A page of results: skip `offset` records, return at most `limit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    /// Records to skip.
    pub offset: u64,
    /// Records to return at most.
    pub limit: u64,
}

impl Default for Page {
    fn default() -> Self {
        Self {
            offset: 0,
            limit: 1000,
        }
    }
}

/// Which problems to list; every condition given must hold. Problems come in id order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProblemFilter {
    /// Only problems in this state.
    pub state: Option<ProblemState>,
    /// Only open problems (reported, accepted or in progress).
    pub open: bool,
    /// Only problems whose zone code (the grid's, else the community's, else the
    /// sub-district's) starts with this code: a community's code finds all its grids' problems.
    pub zone: Option<String>,
    /// Only problems routed to this street chief.
    pub chief: Option<Id>,
    /// Only problems reported at or after this time (UTC milliseconds).
    pub since_ms: Option<i64>,
    /// Only problems from this source.
    pub source: Option<ProblemSource>,
}

/// Which audit entries to read; every condition given must hold. Entries come in the order they
/// were written (by id), oldest first unless `newest_first`.
///
/// Paging: ask again with `after_id` (oldest first) or `before_id` (newest first) set to the last
/// id of the previous page. Ids follow the order in which the entries' transactions committed, so
/// a page never misses an entry that commits later.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditFilter {
    /// Only entries at or after this time (UTC milliseconds).
    pub since_ms: Option<i64>,
    /// Only entries before this time (UTC milliseconds, exclusive).
    pub until_ms: Option<i64>,
    /// Only entries by exactly this actor (`wang`, `cli:root`, `system`).
    pub actor: Option<String>,
    /// Only entries of this action.
    pub action: Option<AuditAction>,
    /// Only entries whose target starts with this text: `compound:` finds every compound's
    /// entries (`problem:17` finds problem 170's too; compare the targets to be exact).
    pub target_prefix: Option<String>,
    /// Only entries with a smaller id.
    pub before_id: Option<Id>,
    /// Only entries with a larger id.
    pub after_id: Option<Id>,
    /// The newest entries first.
    pub newest_first: bool,
    /// Entries to return at most.
    pub limit: u64,
}

impl Default for AuditFilter {
    /// Everything, oldest first, at most [`AuditFilter::DEFAULT_LIMIT`] entries.
    fn default() -> Self {
        Self {
            since_ms: None,
            until_ms: None,
            actor: None,
            action: None,
            target_prefix: None,
            before_id: None,
            after_id: None,
            newest_first: false,
            limit: Self::DEFAULT_LIMIT,
        }
    }
}

impl AuditFilter {
    /// The page size of [`AuditFilter::default`].
    pub const DEFAULT_LIMIT: u64 = 1000;
}

/// What stands for the id of a record a store creates, in the `target` and `summary` of the
/// audit entries given with it: [`Store::create_plan`], [`Store::create_user`] and
/// [`Store::record_visit`] replace it with the new record's id, and [`Store::add_problems`]
/// replaces it in entry `i` with the id of problem `i` (entries past the last problem keep it).
/// So a caller can write `plan:{id}` before the id exists.
pub const NEW_ID: &str = "{id}";

/// Puts `id` in the place of [`NEW_ID`] in an entry's target and summary.
pub fn with_new_id(mut entry: AuditEntry, id: Id) -> AuditEntry {
    if entry.target.contains(NEW_ID) {
        entry.target = entry.target.replace(NEW_ID, &id.to_string());
    }
    if entry.summary.contains(NEW_ID) {
        entry.summary = entry.summary.replace(NEW_ID, &id.to_string());
    }
    entry
}

/// Checks audit entries before anything is written, for both backends: each names an actor and a
/// target. A refused entry refuses the change it came with.
pub fn check_audit(entries: &[AuditEntry]) -> Result<()> {
    for (i, e) in entries.iter().enumerate() {
        let what = |field: &str| {
            Error::Refused(wangge_core::Error::Invalid(format!(
                "audit entry {} ({} of `{}`) has no {field}; name who acted and what changed",
                i + 1,
                e.action.as_str(),
                e.target
            )))
        };
        if e.actor.trim().is_empty() {
            return Err(what("actor"));
        }
        if e.target.trim().is_empty() {
            return Err(what("target"));
        }
    }
    Ok(())
}

/// An audit entry's before or after as the stores keep it: JSON text.
pub fn audit_json(value: Option<&serde_json::Value>) -> Option<String> {
    // Writing a `Value` to a string cannot fail.
    value.map(|v| v.to_string())
}

/// One record of a spatial layer.
#[derive(Debug, Clone, PartialEq)]
pub enum Record {
    /// A zone.
    Zone(Zone),
    /// A compound.
    Compound(Compound),
    /// A building.
    Building(Building),
    /// A street segment.
    Street(StreetSegment),
}

impl Record {
    /// The record's id in its layer.
    pub fn id(&self) -> Id {
        match self {
            Record::Zone(z) => z.id,
            Record::Compound(c) => c.id,
            Record::Building(b) => b.id,
            Record::Street(s) => s.id,
        }
    }
}

/// What an applied change set did.
#[derive(Debug, Clone, PartialEq)]
pub struct Applied {
    /// The store's data version after the change (it grows by one per non-empty change).
    pub version: u64,
    /// The box covering every geometry the change touched, before and after, if any.
    pub touched: Option<Rect<f64>>,
    /// The layers the change touched.
    pub layers: Vec<Layer>,
    /// The ids the store gave the change set's inspections, in their order.
    pub inspections: Vec<Id>,
}

/// One applied change as the store records it: what another server needs to catch up.
#[derive(Debug, Clone, PartialEq)]
pub struct ChangeRecord {
    /// The data version the change produced.
    pub version: u64,
    /// When it was committed, in milliseconds since the Unix epoch (UTC).
    pub at_ms: i64,
    /// The spatial layers it touched.
    pub layers: Vec<Layer>,
    /// The box covering every geometry it touched, before and after, if any.
    pub touched: Option<Rect<f64>>,
}

/// Persistent storage for one jurisdiction.
#[async_trait]
pub trait Store: Send + Sync + std::fmt::Debug {
    /// Where the data lives, for messages: a file path, or a URL with the password hidden.
    fn describe(&self) -> String;

    /// Reads everything, to build the in-memory [`Atlas`](wangge_core::Atlas).
    async fn load(&self) -> Result<Dataset>;

    /// Applies a change set in one transaction: all of it or, on any error, none of it. Its
    /// audit entries ([`ChangeSet::audit`]) are written in that transaction; a change set that
    /// [`is_empty`](ChangeSet::is_empty) but holds entries writes only them, without a new data
    /// version or a notification.
    async fn apply(&self, changes: &ChangeSet) -> Result<Applied>;

    /// The data version: 0 for a new store, one more after each non-empty applied change.
    async fn data_version(&self) -> Result<u64>;

    /// Records of a layer whose bounding boxes intersect `bbox`, ordered by id and paged.
    async fn in_bbox(&self, layer: Layer, bbox: Rect<f64>, page: Page) -> Result<Vec<Record>>;

    /// The changes after `version`, oldest first.
    async fn changes_since(&self, version: u64) -> Result<Vec<ChangeRecord>>;

    /// Data versions committed by anyone, as they happen, for stores that several servers share.
    /// After a lost connection the stream sends the current version again, so a receiver catches
    /// up with [`changes_since`](Store::changes_since). `None`: the store tells nobody (one
    /// process owns it).
    async fn subscribe(&self) -> Result<Option<tokio::sync::mpsc::Receiver<u64>>> {
        Ok(None)
    }

    /// A compound's tier changes, oldest first.
    async fn tier_history(&self, compound: Id) -> Result<Vec<TierChange>>;

    /// Every compound's tier changes, by compound and then oldest first (for trends).
    async fn all_tier_history(&self) -> Result<Vec<TierChange>>;

    /// Inspections of one compound, or of every compound with `None`, oldest first (by time,
    /// then by id).
    async fn inspections(&self, compound: Option<Id>) -> Result<Vec<Inspection>>;

    /// The photo of an inspection, with its bytes; `None` when the inspection has none (or does
    /// not exist). Photos are read only here, never by [`load`](Store::load) or
    /// [`inspections`](Store::inspections), which give only their type, size and digest.
    async fn inspection_photo(&self, inspection: Id) -> Result<Option<Photo>>;

    /// Every zone whose area covers the point (boundary included), ordered by level (top first)
    /// and then by id.
    async fn zones_containing(&self, lon: f64, lat: f64) -> Result<Vec<Zone>>;

    /// Every plan (drafts, published and discarded), newest first (by id), without zones or
    /// history.
    async fn plans(&self) -> Result<Vec<PlanInfo>>;

    /// One plan with its zones, locks and full edit history; `None` when there is no such plan.
    async fn plan(&self, id: Id) -> Result<Option<Plan>>;

    /// Stores a new plan (its `info.id` is ignored) and returns the id the store gave it. The
    /// audit entries are written in the same transaction ([`NEW_ID`] becomes the plan's id).
    async fn create_plan(&self, plan: &Plan, audit: &[AuditEntry]) -> Result<Id>;

    /// Replaces a stored plan (info, zones, locks, history) with `plan`, in one transaction, if
    /// the stored plan's version is still `expected_version`; otherwise nothing is written and
    /// the answer is [`Error::Conflict`] with the version found. The audit entries are written
    /// in the same transaction, or not at all.
    async fn save_plan(
        &self,
        plan: &Plan,
        expected_version: u64,
        audit: &[AuditEntry],
    ) -> Result<()>;

    /// Publishes: in one transaction, checks the stored plan's version is `expected_version`
    /// ([`Error::Conflict`] otherwise), saves `plan` (whose status the caller set to
    /// published, with who and when) and applies `changes` (which make the live zones the
    /// plan's) with its audit entries. All or nothing.
    async fn publish_plan(
        &self,
        plan: &Plan,
        expected_version: u64,
        changes: &ChangeSet,
    ) -> Result<Applied>;

    /// Every user, by username. Users are not part of the [`Dataset`]: they are kept apart from
    /// the geography and never travel in a change set.
    async fn users(&self) -> Result<Vec<User>>;

    /// The user with this exact username, if any.
    async fn user_by_name(&self, username: &str) -> Result<Option<User>>;

    /// Stores a new user (its `id` is ignored) after checking it ([`User::validate`]) and returns
    /// the id the store gave it. A username that is taken, or a chief that does not exist, is
    /// refused with [`Error::Refused`] and nothing is written. The audit entries are written in
    /// the same transaction ([`NEW_ID`] becomes the user's id).
    async fn create_user(&self, user: &User, audit: &[AuditEntry]) -> Result<Id>;

    /// Replaces the stored user with id `user.id` by `user`, after checking it. An unknown id, a
    /// username taken by another user or a chief that does not exist is refused with
    /// [`Error::Refused`] and nothing is written. The audit entries are written in the same
    /// transaction, or not at all.
    async fn update_user(&self, user: &User, audit: &[AuditEntry]) -> Result<()>;

    /// Starts a session for `user` that lasts until `expires_at_ms` (UTC milliseconds).
    /// `token_hash` is the SHA-256 of the token ([`wangge_core::token_hash`]); the token itself is
    /// never stored. The audit entries are written in the same transaction, or not at all.
    async fn create_session(
        &self,
        user: Id,
        token_hash: &str,
        expires_at_ms: i64,
        audit: &[AuditEntry],
    ) -> Result<()>;

    /// The user a session belongs to, if the session exists, has not expired at `now_ms`
    /// (`now_ms < expires_at_ms`) and its user is not disabled.
    async fn session_user(&self, token_hash: &str, now_ms: i64) -> Result<Option<User>>;

    /// Ends a session; ending one that does not exist is not an error. The audit entries are
    /// written in the same transaction.
    async fn delete_session(&self, token_hash: &str, audit: &[AuditEntry]) -> Result<()>;

    /// Adds problems (their `id` is ignored) with their report steps, all in one transaction,
    /// and returns the ids the store gave them, in order. A hotline order number that is already
    /// stored, or given twice, is refused naming it ([`Error::Refused`]) and nothing is written.
    /// Problems are not geography: they change no data version. The audit entries are written
    /// in the same transaction ([`NEW_ID`] in entry `i` becomes problem `i`'s id), or not at all.
    async fn add_problems(&self, problems: &[Problem], audit: &[AuditEntry]) -> Result<Vec<Id>>;

    /// Records steps of problems' histories in one transaction, in order, each with a
    /// compare-and-swap: the problem must still be in the step's `from_state` and `from_level`,
    /// else nothing is written and the answer is [`Error::StaleProblem`] with what was found. The
    /// problem takes the step's state, level and deadline. A report step is refused (reports come
    /// with [`add_problems`](Store::add_problems)), and so is a problem that does not exist
    /// ([`Error::NoProblem`]). The audit entries are written in the same transaction, or not at
    /// all.
    async fn record_steps(&self, steps: &[ProblemStep], audit: &[AuditEntry]) -> Result<()>;

    /// The problems that pass `filter`, in id order.
    async fn problems(&self, filter: &ProblemFilter) -> Result<Vec<Problem>>;

    /// One problem with its steps, oldest first; `None` when there is no such problem.
    async fn problem(&self, id: Id) -> Result<Option<(Problem, Vec<ProblemStep>)>>;

    /// What the leaders' dashboard counts: problems per zone (open, escalated) and compounds by
    /// hotline work orders, the worst first — the same figures as
    /// [`wangge_core::problems::count`] over every stored problem.
    async fn problem_counts(&self) -> Result<ProblemCounts>;

    /// The key sites (by place: compounds first, then buildings, by id) and the vulnerable
    /// households (by id). Like users, they are not part of the [`Dataset`]; they go with their
    /// compound or building when a change set deletes it, in the same transaction.
    async fn visit_targets(&self) -> Result<Targets>;

    /// Replaces the whole key-site list, like an import: all of it or, when a place does not
    /// exist or is named twice ([`Error::Refused`]), none of it, with its audit entries.
    async fn replace_key_sites(&self, sites: &[KeySite], audit: &[AuditEntry]) -> Result<()>;

    /// Replaces the whole vulnerable-household list, all or nothing. A household keeps its id
    /// (and so its visits) while its building and door stay the same; the ids in `households`
    /// are ignored. A building that does not exist, an empty door or a door named twice is
    /// refused. Answers the stored list. The audit entries are written in the same transaction,
    /// or not at all.
    async fn replace_vulnerable(
        &self,
        households: &[VulnerableHousehold],
        audit: &[AuditEntry],
    ) -> Result<Vec<VulnerableHousehold>>;

    /// Records a visit (its id is ignored) and returns the id the store gave it. A chief who is
    /// not on the roster, or a target that is not a listed key site, a listed household or a
    /// building with households, is refused with [`Error::Refused`]. Visits are kept forever.
    /// The audit entries are written in the same transaction ([`NEW_ID`] becomes the visit's
    /// id), or not at all.
    async fn record_visit(&self, visit: &Visit, audit: &[AuditEntry]) -> Result<Id>;

    /// Visits by one chief (or anyone with `None`) at or after `since_ms` (or ever), oldest first
    /// (by time, then id).
    async fn visits(&self, chief: Option<Id>, since_ms: Option<i64>) -> Result<Vec<Visit>>;

    /// The latest visit of each target (the later id wins a tie in time), by target.
    async fn latest_visits(&self) -> Result<Vec<Visit>>;

    /// Appends audit entries that describe no other write (a failed sign-in with an unknown
    /// username, say), in one transaction; their ids are ignored. The log is append-only: no
    /// method edits or deletes an entry, and the database refuses it.
    async fn append_audit(&self, entries: &[AuditEntry]) -> Result<()>;

    /// The audit entries that pass `filter`, by id (oldest or newest first), at most
    /// `filter.limit`.
    async fn audit_log(&self, filter: &AuditFilter) -> Result<Vec<AuditEntry>>;
}
