//! Visits (走访) and the task lists they produce: key sites every day (日走访), vulnerable households
//! every week (周入户), every household every month (月遍访), each chief seeing the targets they
//! answer for, soonest due first.
//!
//! # The targets
//!
//! - A **key site** (重点场所 / 重点区域) is a compound or a building marked as key, with a reason.
//!   It is identified by its place, so that replacing the list keeps the visits of the sites that
//!   stay on it.
//! - A **vulnerable household** (重点户 / 困难户) is a door in a building with a category (elderly
//!   living alone, disabled, low income, left-behind children, other) and an optional contact. Its
//!   id is kept while its building and door stay the same (the stores match on them).
//! - **Every household**: each building with households is visited once a month, building by
//!   building (a building visit may say how many households were seen).
//!
//! # Who visits
//!
//! A chief's targets are those of the buildings they answer for on their own level
//! ([`crate::chief_level`]): a key building, a vulnerable household in a building, a building with
//! households; a key compound belongs to every chief answering for one of its buildings.
//!
//! # The due-date rules
//!
//! The inspection rules ([`crate::inspections`]), with a target's kind setting the cadence: the
//! Asia/Shanghai date of the latest visit plus the kind's [`Every`]. A daily target visited
//! yesterday is due today, one visited today is due tomorrow. A target never visited is due today
//! and not overdue. A visit counts for its target whoever made it (a chief who took over a
//! building inherits its last visit).

use std::collections::{HashMap, HashSet};

use geo::{Distance, Haversine, InteriorPoint, Point};
use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::inspections::{DueError, Every, MAX_FUTURE_MS, MAX_NOTE_CHARS, local_date, shanghai};
use crate::{Atlas, Building, Chief, ChiefLevel, DutyKind, Id, VulnerableCategory, chief_level};

/// What a task is about, in the order a task list gives them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskKind {
    /// 重点场所: a key compound or building, daily by default.
    KeySite,
    /// 重点户: a vulnerable household, weekly by default.
    Vulnerable,
    /// 遍访: the households of a building, monthly by default.
    Households,
}

impl TaskKind {
    /// Every kind, in task-list order.
    pub const ALL: [TaskKind; 3] = [
        TaskKind::KeySite,
        TaskKind::Vulnerable,
        TaskKind::Households,
    ];

    /// The stable key.
    pub fn as_str(self) -> &'static str {
        match self {
            TaskKind::KeySite => "key_site",
            TaskKind::Vulnerable => "vulnerable",
            TaskKind::Households => "households",
        }
    }

    /// The Chinese label.
    pub fn name_zh(self) -> &'static str {
        match self {
            TaskKind::KeySite => "重点场所",
            TaskKind::Vulnerable => "重点户",
            TaskKind::Households => "入户遍访",
        }
    }

    /// The English label.
    pub fn name_en(self) -> &'static str {
        match self {
            TaskKind::KeySite => "key site",
            TaskKind::Vulnerable => "vulnerable household",
            TaskKind::Households => "every household",
        }
    }
}

/// Where a key site is: a whole compound or one building.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyPlace {
    /// A compound, by id.
    Compound(Id),
    /// A building, by id.
    Building(Id),
}

/// A key site (重点场所 / 重点区域): a place visited every day, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeySite {
    /// The compound or building.
    pub place: KeyPlace,
    /// Why it is key (a rental cluster, a construction site, a market …).
    pub reason: String,
}

/// A vulnerable household (重点户 / 困难户). Personal data: its contact is shown to the chief who
/// visits it and never written to a log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VulnerableHousehold {
    /// Identifier, given by the store (kept while building and door stay the same).
    pub id: Id,
    /// The building it lives in.
    pub building: Id,
    /// Door or room label (单元/室), unique within the building.
    pub door: String,
    /// Why it is visited weekly.
    pub category: VulnerableCategory,
    /// A contact (a name, a phone), if one is kept.
    pub contact: Option<String>,
}

/// What a visit was a visit of. The key in storage and the text form (`wangge visit --target`)
/// are given by [`VisitTarget::kind_key`] and [`VisitTarget::parse`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VisitTarget {
    /// A key compound, by compound id (text form `compound:CODE`).
    KeyCompound(Id),
    /// A key building, by building id (text form `site:ID`).
    KeyBuilding(Id),
    /// A vulnerable household, by its id (text form `household:ID`).
    Household(Id),
    /// The monthly round of a building's households, by building id (text form `building:ID`).
    Building(Id),
}

impl VisitTarget {
    /// The kind key as stored: `key_compound`, `key_building`, `household` or `building`.
    pub fn kind_key(self) -> &'static str {
        match self {
            VisitTarget::KeyCompound(_) => "key_compound",
            VisitTarget::KeyBuilding(_) => "key_building",
            VisitTarget::Household(_) => "household",
            VisitTarget::Building(_) => "building",
        }
    }

    /// The id of the compound, building or household.
    pub fn id(self) -> Id {
        match self {
            VisitTarget::KeyCompound(id)
            | VisitTarget::KeyBuilding(id)
            | VisitTarget::Household(id)
            | VisitTarget::Building(id) => id,
        }
    }

    /// Rebuilds a target from its stored kind key and id.
    pub fn from_key(kind: &str, id: Id) -> Option<VisitTarget> {
        Some(match kind {
            "key_compound" => VisitTarget::KeyCompound(id),
            "key_building" => VisitTarget::KeyBuilding(id),
            "household" => VisitTarget::Household(id),
            "building" => VisitTarget::Building(id),
            _ => return None,
        })
    }

    /// The task kind this target is.
    pub fn task_kind(self) -> TaskKind {
        match self {
            VisitTarget::KeyCompound(_) | VisitTarget::KeyBuilding(_) => TaskKind::KeySite,
            VisitTarget::Household(_) => TaskKind::Vulnerable,
            VisitTarget::Building(_) => TaskKind::Households,
        }
    }

    /// The text form: `compound:CODE` (the code from the atlas, the id when the compound is gone),
    /// `site:ID`, `household:ID` or `building:ID`.
    pub fn text(self, atlas: &Atlas) -> String {
        match self {
            VisitTarget::KeyCompound(id) => match atlas.compound(id) {
                Some(c) => format!("compound:{}", c.code),
                None => format!("compound:#{id}"),
            },
            VisitTarget::KeyBuilding(id) => format!("site:{id}"),
            VisitTarget::Household(id) => format!("household:{id}"),
            VisitTarget::Building(id) => format!("building:{id}"),
        }
    }

    /// Reads the text form. A compound is named by its code; a building given as `building:ID`
    /// that is a key site but has no households is taken as the key site.
    pub fn parse(atlas: &Atlas, targets: &Targets, text: &str) -> Result<VisitTarget, VisitError> {
        let bad = || VisitError::BadTarget(text.to_string());
        let (kind, value) = text.trim().split_once(':').ok_or_else(bad)?;
        let value = value.trim();
        let number = || value.parse::<Id>().map_err(|_| bad());
        match kind.trim() {
            "compound" => atlas
                .compound_by_code(value)
                .map(|c| VisitTarget::KeyCompound(c.id))
                .ok_or_else(|| VisitError::UnknownTarget(text.to_string())),
            "site" => Ok(VisitTarget::KeyBuilding(number()?)),
            "household" => Ok(VisitTarget::Household(number()?)),
            "building" => {
                let id = number()?;
                let empty = building(atlas, id).is_some_and(|b| b.households == 0);
                if empty && targets.is_key(KeyPlace::Building(id)) {
                    Ok(VisitTarget::KeyBuilding(id))
                } else {
                    Ok(VisitTarget::Building(id))
                }
            }
            _ => Err(bad()),
        }
    }
}

/// The key sites and vulnerable households, as the store holds them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Targets {
    /// Key sites, by place.
    pub key_sites: Vec<KeySite>,
    /// Vulnerable households, by id.
    pub vulnerable: Vec<VulnerableHousehold>,
}

impl Targets {
    /// True when the place is a key site.
    pub fn is_key(&self, place: KeyPlace) -> bool {
        self.key_sites.iter().any(|k| k.place == place)
    }

    /// True when `target` is a target the data knows: a key site on the list, a household on the
    /// list, or an existing building with households.
    pub fn contains(&self, atlas: &Atlas, target: VisitTarget) -> bool {
        match target {
            VisitTarget::KeyCompound(id) => self.is_key(KeyPlace::Compound(id)),
            VisitTarget::KeyBuilding(id) => self.is_key(KeyPlace::Building(id)),
            VisitTarget::Household(id) => self.vulnerable.iter().any(|h| h.id == id),
            VisitTarget::Building(id) => building(atlas, id).is_some_and(|b| b.households > 0),
        }
    }
}

/// One visit (走访): who went where, when, and what they saw. Visits are kept forever.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Visit {
    /// Identifier, given by the store when the visit is recorded.
    pub id: Id,
    /// What was visited.
    pub target: VisitTarget,
    /// The chief who made (or records) the visit.
    pub chief: Id,
    /// When, in milliseconds since the Unix epoch (UTC).
    pub at_ms: i64,
    /// Who visited, by name (the chief's name unless someone else went).
    pub by: String,
    /// What was seen (may be empty).
    pub note: String,
    /// For a building's monthly round: how many households were seen.
    pub households_seen: Option<u32>,
}

/// How often each kind of target is visited: configuration, with Lanshan's rules as defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct VisitSchedules {
    /// 日走访: key sites, every day by default.
    pub key_sites: Every,
    /// 周入户: vulnerable households, every week by default.
    pub vulnerable: Every,
    /// 月遍访: every household, every month by default.
    pub households: Every,
}

impl Default for VisitSchedules {
    fn default() -> Self {
        Self {
            key_sites: Every::Days(1),
            vulnerable: Every::Weeks(1),
            households: Every::Months(1),
        }
    }
}

impl VisitSchedules {
    /// The cadence of a kind of target.
    pub fn of(&self, kind: TaskKind) -> Every {
        match kind {
            TaskKind::KeySite => self.key_sites,
            TaskKind::Vulnerable => self.vulnerable,
            TaskKind::Households => self.households,
        }
    }

    /// Refuses a schedule with a count of 0.
    pub fn validate(&self) -> Result<(), VisitError> {
        for kind in TaskKind::ALL {
            if matches!(
                self.of(kind),
                Every::Days(0) | Every::Weeks(0) | Every::Months(0) | Every::Quarters(0)
            ) {
                return Err(VisitError::ZeroSchedule(kind.name_en()));
            }
        }
        Ok(())
    }
}

/// Why a visit, a target or a task list was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VisitError {
    /// A target not written as `compound:CODE`, `site:ID`, `household:ID` or `building:ID`.
    #[error(
        "`{0}` is not a visit target; write compound:CODE, site:BUILDING_ID, household:ID or building:ID"
    )]
    BadTarget(String),
    /// A target the data does not know.
    #[error("{0} is not a key site, a vulnerable household or a building with households")]
    UnknownTarget(String),
    /// A chief who is not on the roster.
    #[error("there is no chief {0}")]
    UnknownChief(Id),
    /// The visitor's name is empty.
    #[error("a visit needs the visitor's name")]
    VisitorRequired,
    /// A name or note too long.
    #[error("{0} is longer than {MAX_NOTE_CHARS} characters")]
    TooLong(&'static str),
    /// A time more than a day ahead of the clock.
    #[error("the visit time {0} lies more than a day in the future")]
    InFuture(String),
    /// A schedule with a count of 0.
    #[error("the {0} schedule must be at least 1")]
    ZeroSchedule(&'static str),
    /// A date outside the calendar.
    #[error(transparent)]
    Due(#[from] DueError),
}

fn building(atlas: &Atlas, id: Id) -> Option<&Building> {
    atlas.building(id)
}

/// The date a target is next due, given the time of its latest visit: that visit's Shanghai date
/// plus the kind's cadence; `None` when never visited (due at once).
///
/// # Examples
///
/// ```
/// use jiff::civil::date;
/// use wangge_core::visits::{TaskKind, VisitSchedules, next_visit_due};
/// // 2028-02-28 23:30 in Shanghai (15:30 UTC); 2028 is a leap year.
/// let last = "2028-02-28T15:30:00Z".parse::<jiff::Timestamp>().unwrap().as_millisecond();
/// let s = VisitSchedules::default();
/// assert_eq!(next_visit_due(Some(last), TaskKind::KeySite, &s), Ok(Some(date(2028, 2, 29))));
/// assert_eq!(next_visit_due(Some(last), TaskKind::Vulnerable, &s), Ok(Some(date(2028, 3, 6))));
/// assert_eq!(next_visit_due(Some(last), TaskKind::Households, &s), Ok(Some(date(2028, 3, 28))));
/// ```
pub fn next_visit_due(
    last: Option<i64>,
    kind: TaskKind,
    schedules: &VisitSchedules,
) -> Result<Option<Date>, DueError> {
    let tz = shanghai();
    last.map(|at_ms| schedules.of(kind).after(local_date(at_ms, &tz)?))
        .transpose()
}

/// The latest visit of each target (the later id wins a tie in time).
pub fn latest_visits(visits: &[Visit]) -> HashMap<VisitTarget, &Visit> {
    let mut latest: HashMap<VisitTarget, &Visit> = HashMap::new();
    for v in visits {
        let newer = latest
            .get(&v.target)
            .is_none_or(|seen| (v.at_ms, v.id) > (seen.at_ms, seen.id));
        if newer {
            latest.insert(v.target, v);
        }
    }
    latest
}

/// One entry of a chief's task list.
#[derive(Debug, Clone, PartialEq)]
pub struct Task {
    /// What to visit.
    pub target: VisitTarget,
    /// The target in text form (`compound:CODE`, `site:ID`, `household:ID`, `building:ID`).
    pub target_text: String,
    /// Key site, vulnerable household or every household.
    pub kind: TaskKind,
    /// What to show: a compound's or building's name, a household's building and door.
    pub label: String,
    /// Why: a key site's reason, a household's category label, a building's household count.
    pub detail: String,
    /// A household's category.
    pub category: Option<VulnerableCategory>,
    /// A household's contact (personal data: shown to its chief, never logged).
    pub contact: Option<String>,
    /// Where to go (a point inside the compound or building), longitude/latitude.
    pub place: Option<Point<f64>>,
    /// The Shanghai date by which it must be visited (today when never visited).
    pub due: Date,
    /// True when today is past `due`.
    pub overdue: bool,
    /// Days from `due` to today when overdue, else 0.
    pub days_overdue: i64,
    /// The latest visit, if any.
    pub last: Option<Visit>,
}

impl Task {
    /// True when the task is due on or before `today`: what a chief must do today.
    pub fn is_due(&self, today: Date) -> bool {
        self.due <= today
    }
}

/// The targets a chief answers for, each once, in no particular order.
fn targets_of(atlas: &Atlas, targets: &Targets, chief: &Chief) -> Vec<VisitTarget> {
    let level: ChiefLevel = chief_level(chief);
    let mine = |b: Id| {
        atlas
            .responsible(DutyKind::Building, b, level)
            .is_some_and(|c| c.id == chief.id)
    };
    let mut list = Vec::new();
    for site in &targets.key_sites {
        match site.place {
            KeyPlace::Compound(c) => {
                if atlas.buildings_of(c).any(|b| mine(b.id)) {
                    list.push(VisitTarget::KeyCompound(c));
                }
            }
            KeyPlace::Building(b) => {
                if mine(b) {
                    list.push(VisitTarget::KeyBuilding(b));
                }
            }
        }
    }
    for h in &targets.vulnerable {
        if mine(h.building) {
            list.push(VisitTarget::Household(h.id));
        }
    }
    for b in &atlas.data().buildings {
        if b.households > 0 && mine(b.id) {
            list.push(VisitTarget::Building(b.id));
        }
    }
    let mut seen = HashSet::new();
    list.retain(|t| seen.insert(*t));
    list
}

/// A building as a chief finds it: its compound's name and its own name (`幸福里 3栋`), or its
/// address, or its id.
fn building_label(atlas: &Atlas, b: &Building) -> String {
    let own = b
        .name
        .clone()
        .or_else(|| b.address.clone())
        .unwrap_or_else(|| format!("楼栋 {}", b.id));
    match b.compound.and_then(|c| atlas.compound(c)) {
        Some(c) if !own.contains(&c.name) => format!("{} {own}", c.name),
        _ => own,
    }
}

/// The chief's task list on `today` (a Shanghai date): every target they answer for with its due
/// date and latest visit. Overdue tasks first (the most overdue first), then the ones due today,
/// then the later ones by due date; within each, key sites, then vulnerable households, then
/// buildings; within a kind, a walking order (from the north-westernmost target, always to the
/// nearest one not yet visited).
pub fn task_list(
    atlas: &Atlas,
    targets: &Targets,
    visits: &[Visit],
    schedules: &VisitSchedules,
    chief: Id,
    today: Date,
) -> Result<Vec<Task>, VisitError> {
    let chief = atlas.chief(chief).ok_or(VisitError::UnknownChief(chief))?;
    let latest = latest_visits(visits);
    let households: HashMap<Id, &VulnerableHousehold> =
        targets.vulnerable.iter().map(|h| (h.id, h)).collect();
    let reasons: HashMap<KeyPlace, &str> = targets
        .key_sites
        .iter()
        .map(|k| (k.place, k.reason.as_str()))
        .collect();
    let mut tasks = Vec::new();
    for target in targets_of(atlas, targets, chief) {
        let kind = target.task_kind();
        let (label, detail, category, contact, place) = match target {
            VisitTarget::KeyCompound(id) => {
                let Some(c) = atlas.compound(id) else {
                    continue;
                };
                (
                    c.name.clone(),
                    reasons
                        .get(&KeyPlace::Compound(id))
                        .copied()
                        .unwrap_or_default()
                        .to_string(),
                    None,
                    None,
                    c.geometry.interior_point(),
                )
            }
            VisitTarget::KeyBuilding(id) => {
                let Some(b) = building(atlas, id) else {
                    continue;
                };
                (
                    building_label(atlas, b),
                    reasons
                        .get(&KeyPlace::Building(id))
                        .copied()
                        .unwrap_or_default()
                        .to_string(),
                    None,
                    None,
                    b.geometry.interior_point(),
                )
            }
            VisitTarget::Household(id) => {
                let Some(h) = households.get(&id) else {
                    continue;
                };
                let Some(b) = building(atlas, h.building) else {
                    continue;
                };
                (
                    format!("{} {}", building_label(atlas, b), h.door),
                    h.category.name_zh().to_string(),
                    Some(h.category),
                    h.contact.clone(),
                    b.geometry.interior_point(),
                )
            }
            VisitTarget::Building(id) => {
                let Some(b) = building(atlas, id) else {
                    continue;
                };
                (
                    building_label(atlas, b),
                    format!("{} 户", b.households),
                    None,
                    None,
                    b.geometry.interior_point(),
                )
            }
        };
        let last = latest.get(&target).map(|v| (*v).clone());
        let due = next_visit_due(last.as_ref().map(|v| v.at_ms), kind, schedules)?.unwrap_or(today);
        let days_overdue = if today > due {
            i64::from(
                due.until(today)
                    .map_err(|_| DueError::OutOfRange(format!("{due} to {today}")))?
                    .get_days(),
            )
        } else {
            0
        };
        tasks.push(Task {
            target,
            target_text: target.text(atlas),
            kind,
            label,
            detail,
            category,
            contact,
            place,
            due,
            overdue: days_overdue > 0,
            days_overdue,
            last,
        });
    }
    Ok(walking_order(tasks, today))
}

/// Sorts tasks: overdue (most overdue first), due today, later (by due date); then by kind; then
/// by a nearest-neighbour walk within each group.
fn walking_order(mut tasks: Vec<Task>, today: Date) -> Vec<Task> {
    let bucket = |t: &Task| -> (u8, Date) {
        if t.overdue {
            (0, t.due)
        } else if t.due == today {
            (1, today)
        } else {
            (2, t.due)
        }
    };
    tasks.sort_by_key(|a| (bucket(a), a.kind, a.target));
    let mut ordered = Vec::with_capacity(tasks.len());
    let mut rest = tasks.into_iter().peekable();
    while let Some(first) = rest.next() {
        let key = (bucket(&first), first.kind);
        let mut group = vec![first];
        while let Some(next) = rest.next_if(|t| (bucket(t), t.kind) == key) {
            group.push(next);
        }
        ordered.extend(walk(group));
    }
    ordered
}

/// A greedy walk: start at the north-westernmost task, always go to the nearest one left. Tasks
/// without a place keep their order at the end.
fn walk(group: Vec<Task>) -> Vec<Task> {
    let (mut placed, unplaced): (Vec<Task>, Vec<Task>) =
        group.into_iter().partition(|t| t.place.is_some());
    let mut out = Vec::with_capacity(placed.len() + unplaced.len());
    let point = |t: &Task| t.place.unwrap_or_else(|| Point::new(0.0, 0.0));
    let start = placed
        .iter()
        .enumerate()
        .max_by(|(_, a), (_, b)| {
            let (pa, pb) = (point(a), point(b));
            (pa.y() - pa.x()).total_cmp(&(pb.y() - pb.x()))
        })
        .map(|(i, _)| i);
    let mut current = start.map(|i| placed.swap_remove(i));
    while let Some(here) = current {
        let from = point(&here);
        out.push(here);
        let nearest = placed
            .iter()
            .enumerate()
            .min_by(|(_, a), (_, b)| {
                Haversine
                    .distance(from, point(a))
                    .total_cmp(&Haversine.distance(from, point(b)))
            })
            .map(|(i, _)| i);
        current = nearest.map(|i| placed.remove(i));
    }
    out.extend(unplaced);
    out
}

/// One chief's counts for a day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TaskSummary {
    /// The chief.
    pub chief: Id,
    /// Their name.
    pub name: String,
    /// Targets they answer for.
    pub targets: usize,
    /// Tasks due today and not yet overdue.
    pub due_today: usize,
    /// Tasks past their due date.
    pub overdue: usize,
}

/// The summary of each chief in `chiefs` (in that order) on `today`.
pub fn task_summaries(
    atlas: &Atlas,
    targets: &Targets,
    visits: &[Visit],
    schedules: &VisitSchedules,
    chiefs: &[Id],
    today: Date,
) -> Result<Vec<TaskSummary>, VisitError> {
    chiefs
        .iter()
        .map(|&id| {
            let list = task_list(atlas, targets, visits, schedules, id, today)?;
            let name = atlas.chief(id).map(|c| c.name.clone()).unwrap_or_default();
            Ok(TaskSummary {
                chief: id,
                name,
                targets: list.len(),
                due_today: list.iter().filter(|t| t.due == today).count(),
                overdue: list.iter().filter(|t| t.overdue).count(),
            })
        })
        .collect()
}

/// Checks a visit the same way for every way in (HTTP, command line): the chief exists, the
/// target is known, the visitor is named (the chief's name when `by` is empty), notes are of
/// sane length and the time is at most a day after `now_ms`. The id is cleared for the store.
pub fn check_visit(
    atlas: &Atlas,
    targets: &Targets,
    mut visit: Visit,
    now_ms: i64,
) -> Result<Visit, VisitError> {
    let chief = atlas
        .chief(visit.chief)
        .ok_or(VisitError::UnknownChief(visit.chief))?;
    if !targets.contains(atlas, visit.target) {
        return Err(VisitError::UnknownTarget(visit.target.text(atlas)));
    }
    visit.by = visit.by.trim().to_string();
    if visit.by.is_empty() {
        visit.by = chief.name.clone();
    }
    if visit.by.is_empty() {
        return Err(VisitError::VisitorRequired);
    }
    if visit.by.chars().count() > MAX_NOTE_CHARS {
        return Err(VisitError::TooLong("the visitor's name"));
    }
    if visit.note.chars().count() > MAX_NOTE_CHARS {
        return Err(VisitError::TooLong("the note"));
    }
    if visit.at_ms > now_ms.saturating_add(MAX_FUTURE_MS) {
        let when = Timestamp::from_millisecond(visit.at_ms)
            .map_or_else(|_| format!("{} ms", visit.at_ms), |t| t.to_string());
        return Err(VisitError::InFuture(when));
    }
    visit.id = 0;
    Ok(visit)
}

#[cfg(test)]
mod tests {
    use geo::{MultiPolygon, polygon};
    use jiff::civil::date;

    use super::*;
    use crate::{
        Assignment, ChiefRole, Compound, CompoundKind, Dataset, LevelConfig, Management, Tier,
    };

    fn ms(text: &str) -> i64 {
        text.parse::<Timestamp>().expect("a time").as_millisecond()
    }

    fn due(last: &str, kind: TaskKind) -> Date {
        next_visit_due(Some(ms(last)), kind, &VisitSchedules::default())
            .expect("in range")
            .expect("a date")
    }

    #[test]
    fn daily_targets_turn_at_shanghai_midnight() {
        // 23:59:59 in Shanghai on the 31st is still the 31st: due the 1st.
        assert_eq!(
            due("2026-01-31T15:59:59Z", TaskKind::KeySite),
            date(2026, 2, 1)
        );
        // 00:00 in Shanghai on the 1st is the 1st already: due the 2nd.
        assert_eq!(
            due("2026-01-31T16:00:00Z", TaskKind::KeySite),
            date(2026, 2, 2)
        );
        // Across the end of a year.
        assert_eq!(
            due("2026-12-31T12:00:00Z", TaskKind::KeySite),
            date(2027, 1, 1)
        );
        // Into a leap day and out of it.
        assert_eq!(
            due("2028-02-28T04:00:00Z", TaskKind::KeySite),
            date(2028, 2, 29)
        );
        assert_eq!(
            due("2028-02-29T04:00:00Z", TaskKind::KeySite),
            date(2028, 3, 1)
        );
    }

    #[test]
    fn weekly_targets_add_seven_days_across_month_ends() {
        assert_eq!(
            due("2026-01-28T02:00:00Z", TaskKind::Vulnerable),
            date(2026, 2, 4)
        );
        assert_eq!(
            due("2028-02-25T02:00:00Z", TaskKind::Vulnerable),
            date(2028, 3, 3)
        );
        assert_eq!(
            due("2026-02-25T02:00:00Z", TaskKind::Vulnerable),
            date(2026, 3, 4)
        );
        // 23:30 in Shanghai on March 1 (15:30 UTC): the Shanghai date counts.
        assert_eq!(
            due("2026-03-01T15:30:00Z", TaskKind::Vulnerable),
            date(2026, 3, 8)
        );
    }

    #[test]
    fn monthly_targets_clamp_to_shorter_months_and_leap_days() {
        assert_eq!(
            due("2026-01-31T02:00:00Z", TaskKind::Households),
            date(2026, 2, 28)
        );
        assert_eq!(
            due("2028-01-31T02:00:00Z", TaskKind::Households),
            date(2028, 2, 29)
        );
        assert_eq!(
            due("2028-02-29T02:00:00Z", TaskKind::Households),
            date(2028, 3, 29)
        );
        assert_eq!(
            due("2026-12-31T02:00:00Z", TaskKind::Households),
            date(2027, 1, 31)
        );
        // 2026-03-31 00:30 in Shanghai is still March 30 in UTC: Shanghai's date counts.
        assert_eq!(
            due("2026-03-30T16:30:00Z", TaskKind::Households),
            date(2026, 4, 30)
        );
        assert_eq!(
            next_visit_due(None, TaskKind::Households, &VisitSchedules::default()),
            Ok(None)
        );
    }

    #[test]
    fn schedules_come_from_toml() {
        let s: VisitSchedules = toml::from_str("key_sites = { days = 2 }\n").expect("toml");
        assert_eq!(s.key_sites, Every::Days(2));
        assert_eq!(s.households, Every::Months(1));
        assert!(toml::from_str::<VisitSchedules>("keysites = { days = 2 }\n").is_err());
        let zero = VisitSchedules {
            vulnerable: Every::Weeks(0),
            ..VisitSchedules::default()
        };
        assert_eq!(
            zero.validate(),
            Err(VisitError::ZeroSchedule("vulnerable household"))
        );
    }

    fn square(x: f64, y: f64) -> MultiPolygon<f64> {
        MultiPolygon(vec![
            polygon![(x: x, y: y), (x: x + 0.0004, y: y), (x: x + 0.0004, y: y + 0.0004), (x: x, y: y + 0.0004)],
        ])
    }

    /// Two chiefs; compound 100 with buildings 1 (chief 1), 2 (chief 2) and 3 (chief 1, no
    /// households); building 4 (chief 1) stands alone to the east.
    fn atlas() -> Atlas {
        let mut data = Dataset::new(LevelConfig::default());
        data.compounds.push(Compound {
            id: 100,
            code: "C100".into(),
            name: "红旗小区".into(),
            kind: CompoundKind::Mixed,
            management: Management::None,
            tier: Tier::Red,
            stars: None,
            source_id: None,
            geometry: square(102.70, 25.03),
        });
        for (id, x, compound, households, chief) in [
            (1, 102.7000, Some(100), 24, 1),
            (2, 102.7002, Some(100), 12, 2),
            (3, 102.7001, Some(100), 0, 1),
            (4, 102.7100, None, 8, 1),
        ] {
            data.buildings.push(Building {
                id,
                source_id: None,
                name: Some(format!("{id}号楼")),
                address: None,
                compound,
                floors: 6,
                units: 2,
                households,
                population: households * 2,
                height_m: None,
                estimated: false,
                geometry: square(x, 25.03),
            });
            data.duties.push(Assignment {
                kind: DutyKind::Building,
                target: id,
                level: ChiefLevel::Resident,
                chief,
                fixed: false,
            });
        }
        for id in [1, 2] {
            data.chiefs.push(Chief {
                id,
                name: format!("街长{id}"),
                role: ChiefRole::ALL[0],
                phone: String::new(),
                community: None,
                level: None,
            });
        }
        Atlas::new(data)
    }

    fn targets() -> Targets {
        Targets {
            key_sites: vec![
                KeySite {
                    place: KeyPlace::Compound(100),
                    reason: "出租屋集中".into(),
                },
                KeySite {
                    place: KeyPlace::Building(3),
                    reason: "在建工地".into(),
                },
            ],
            vulnerable: vec![VulnerableHousehold {
                id: 7,
                building: 4,
                door: "1-101".into(),
                category: VulnerableCategory::ElderlyAlone,
                contact: Some("王奶奶 13900000000".into()),
            }],
        }
    }

    fn visit(id: Id, target: VisitTarget, at: &str) -> Visit {
        Visit {
            id,
            target,
            chief: 1,
            at_ms: ms(at),
            by: "街长1".into(),
            note: String::new(),
            households_seen: None,
        }
    }

    #[test]
    fn the_task_list_is_the_chiefs_own_overdue_first() {
        let atlas = atlas();
        let targets = targets();
        let visits = vec![
            // The household was visited 10 days ago: weekly, so 3 days overdue.
            visit(1, VisitTarget::Household(7), "2026-04-01T02:00:00Z"),
            // Building 1 was visited this month: due next month.
            visit(2, VisitTarget::Building(1), "2026-04-05T02:00:00Z"),
            // The key compound was visited yesterday (Shanghai): due today.
            visit(3, VisitTarget::KeyCompound(100), "2026-04-10T15:00:00Z"),
        ];
        let today = date(2026, 4, 11);
        let s = VisitSchedules::default();
        let list = task_list(&atlas, &targets, &visits, &s, 1, today).expect("a list");
        let view: Vec<(String, TaskKind, Date, i64)> = list
            .iter()
            .map(|t| (t.target_text.clone(), t.kind, t.due, t.days_overdue))
            .collect();
        assert_eq!(
            view,
            vec![
                (
                    "household:7".into(),
                    TaskKind::Vulnerable,
                    date(2026, 4, 8),
                    3
                ),
                // Due today: key sites first (the compound is 100, north-west of nothing else:
                // the walk starts at the north-westernmost), then buildings with households.
                ("compound:C100".into(), TaskKind::KeySite, today, 0),
                ("site:3".into(), TaskKind::KeySite, today, 0),
                ("building:4".into(), TaskKind::Households, today, 0),
                (
                    "building:1".into(),
                    TaskKind::Households,
                    date(2026, 5, 5),
                    0
                ),
            ]
        );
        assert!(list[0].overdue);
        assert_eq!(list[0].label, "4号楼 1-101");
        assert_eq!(list[2].label, "红旗小区 3号楼");
        assert_eq!(list[0].detail, "独居老人");
        assert_eq!(list[1].detail, "出租屋集中");
        assert_eq!(list[1].last.as_ref().map(|v| v.id), Some(3));
        assert!(list.iter().all(|t| t.place.is_some()));
        // Chief 2 shares the key compound through building 2, and has nothing else but it.
        let other = task_list(&atlas, &targets, &visits, &s, 2, today).expect("a list");
        let view: Vec<&str> = other.iter().map(|t| t.target_text.as_str()).collect();
        assert_eq!(view, vec!["compound:C100", "building:2"]);
        assert_eq!(
            task_list(&atlas, &targets, &visits, &s, 9, today),
            Err(VisitError::UnknownChief(9))
        );
        let summary =
            task_summaries(&atlas, &targets, &visits, &s, &[1, 2], today).expect("summary");
        assert_eq!(
            (summary[0].targets, summary[0].due_today, summary[0].overdue),
            (5, 3, 1)
        );
        assert_eq!((summary[1].due_today, summary[1].overdue), (2, 0));
    }

    #[test]
    fn a_visit_today_moves_a_daily_task_to_tomorrow() {
        let atlas = atlas();
        let targets = targets();
        let today = date(2026, 4, 11);
        let s = VisitSchedules::default();
        let visits = vec![visit(
            1,
            VisitTarget::KeyBuilding(3),
            "2026-04-11T01:00:00Z",
        )];
        let list = task_list(&atlas, &targets, &visits, &s, 1, today).expect("a list");
        let site = list
            .iter()
            .find(|t| t.target == VisitTarget::KeyBuilding(3))
            .expect("the site");
        assert_eq!(site.due, date(2026, 4, 12));
        assert!(!site.is_due(today));
        // The walking order puts later tasks last.
        assert_eq!(
            list.last().map(|t| t.target),
            Some(VisitTarget::KeyBuilding(3))
        );
    }

    #[test]
    fn visits_are_checked() {
        let atlas = atlas();
        let targets = targets();
        let now = ms("2026-04-11T02:00:00Z");
        let mut v = visit(5, VisitTarget::Household(7), "2026-04-11T01:00:00Z");
        v.by = " ".into();
        let checked = check_visit(&atlas, &targets, v.clone(), now).expect("checked");
        assert_eq!((checked.id, checked.by.as_str()), (0, "街长1"));
        let unknown = Visit {
            target: VisitTarget::Household(8),
            ..v.clone()
        };
        assert_eq!(
            check_visit(&atlas, &targets, unknown, now),
            Err(VisitError::UnknownTarget("household:8".into()))
        );
        let empty = Visit {
            target: VisitTarget::Building(3),
            ..v.clone()
        };
        assert!(check_visit(&atlas, &targets, empty, now).is_err());
        let nobody = Visit {
            chief: 9,
            ..v.clone()
        };
        assert_eq!(
            check_visit(&atlas, &targets, nobody, now),
            Err(VisitError::UnknownChief(9))
        );
        let later = Visit {
            at_ms: now + MAX_FUTURE_MS + 1,
            ..v
        };
        assert!(matches!(
            check_visit(&atlas, &targets, later, now),
            Err(VisitError::InFuture(_))
        ));
    }

    #[test]
    fn targets_are_read_from_text() {
        let atlas = atlas();
        let targets = targets();
        let parse = |t: &str| VisitTarget::parse(&atlas, &targets, t);
        assert_eq!(parse("compound:C100"), Ok(VisitTarget::KeyCompound(100)));
        assert_eq!(parse("building:1"), Ok(VisitTarget::Building(1)));
        // A key building without households is its key site.
        assert_eq!(parse("building:3"), Ok(VisitTarget::KeyBuilding(3)));
        assert_eq!(parse("site:3"), Ok(VisitTarget::KeyBuilding(3)));
        assert_eq!(parse("household:7"), Ok(VisitTarget::Household(7)));
        assert!(matches!(
            parse("compound:X"),
            Err(VisitError::UnknownTarget(_))
        ));
        assert!(matches!(parse("street:1"), Err(VisitError::BadTarget(_))));
        assert!(matches!(parse("building:x"), Err(VisitError::BadTarget(_))));
        for t in [
            VisitTarget::KeyCompound(1),
            VisitTarget::KeyBuilding(2),
            VisitTarget::Household(3),
            VisitTarget::Building(4),
        ] {
            assert_eq!(VisitTarget::from_key(t.kind_key(), t.id()), Some(t));
        }
        assert_eq!(
            VulnerableCategory::parse("独居老人").ok(),
            Some(VulnerableCategory::ElderlyAlone)
        );
        assert_eq!(
            VulnerableCategory::parse("Low income").ok(),
            Some(VulnerableCategory::LowIncome)
        );
    }
}
