//! Problems (问题 / 事件) reported at a place — on patrol, through the 12345 hotline or on the web —
//! routed to whoever answers for that place, and escalated up the hierarchy while they stay
//! unresolved: "the grid discovers, the community calls, response by level" (网格发现、社区呼叫、
//! 分级响应).
//!
//! # The rules
//!
//! - **Routing** ([`route`]): the street chief (resident level) of the building containing the
//!   point; else of the nearest building or street segment within [`ROUTE_DISTANCE_M`], whichever
//!   is nearer (a candidate nobody answers for is passed over). The compound is the one containing
//!   the point, else the routed building's. The grid is the lowest zone (at or below the
//!   community level) containing the point, else — for a point on a boundary road — the nearest
//!   within that distance; the community and sub-district are the grid's ancestors.
//! - **States** ([`ProblemState`]): reported → accepted → in progress → resolved → closed. A
//!   problem can be started without being accepted first and resolved from any open state; a
//!   resolved or closed problem can be reopened (it is reported again, at the level it had).
//!   Every other move is refused by [`transition`] with an error that says what is allowed.
//! - **Levels** ([`EscalationLevel`]): chief → grid → community → sub-district. Each level has a
//!   time limit ([`ProblemLimits`], hours; configuration). A problem enters the chief level when
//!   it is reported, and its deadline is the time it entered its level plus that level's limit.
//! - **The escalation clock** ([`escalations`]): an open problem past its deadline goes up one
//!   level, and again for every further limit it has missed, each step recorded at the deadline
//!   it missed (not at the time the clock ran), so a clock that was stopped for a day writes the
//!   same history as one that never stopped. Resolved and closed problems never escalate; the
//!   sub-district is the top. A problem exactly at its deadline is still on time.
//! - **Times** are instants in milliseconds since the Unix epoch (UTC), as inspections store
//!   them; limits are hours of elapsed time, so a deadline crosses midnight like any other hour.
//!   Where a *date* is shown or counted ([`by_week`]), it is the Asia/Shanghai date.

use std::collections::BTreeMap;

use geo::{BoundingRect, Coord, Point, Rect};
use jiff::Timestamp;
use jiff::civil::{Date, Weekday};
use serde::{Deserialize, Serialize};

use crate::duty::DutyKind;
use crate::index::Atlas;
use crate::inspections::{local_date, shanghai};
use crate::model::{ChiefLevel, Id, vocabulary};
use crate::{Error, Result};

vocabulary! {
    /// What a problem is about: the categories 12345 hotlines and patrols use most, and `other`.
    ProblemCategory, "problem category" {
        /// 环境卫生: litter, rubbish, dirty public spaces.
        Sanitation => "sanitation", "环境卫生", "sanitation", ["卫生", "环卫", "市容环境", "垃圾"];
        /// 治安: public order and safety.
        PublicOrder => "public_order", "治安", "public order", ["public-order", "社会治安", "治安秩序"];
        /// 消防安全: fire hazards, blocked fire lanes.
        FireSafety => "fire_safety", "消防安全", "fire safety", ["fire-safety", "fire", "消防"];
        /// 设施维修: broken public facilities (lights, pipes, lifts, roads).
        Facilities => "facilities", "设施维修", "facilities", ["设施", "公共设施", "市政设施", "维修"];
        /// 违章搭建: illegal construction.
        IllegalConstruction => "illegal_construction", "违章搭建", "illegal construction", ["illegal-construction", "违建", "违法建设"];
        /// 噪声扰民: noise.
        Noise => "noise", "噪声扰民", "noise", ["噪音", "噪声", "扰民"];
        /// 交通停车: traffic and parking.
        Traffic => "traffic", "交通停车", "traffic and parking", ["parking", "交通", "停车", "乱停车"];
        /// 物业管理: disputes with property management.
        Property => "property", "物业管理", "property management", ["物业", "property_management"];
        /// 邻里纠纷: disputes between neighbours.
        Dispute => "dispute", "邻里纠纷", "dispute", ["纠纷", "矛盾纠纷"];
        /// 其他: anything else.
        Other => "other", "其他", "other", ["其它"];
    }
}

vocabulary! {
    /// Where a problem came from.
    ProblemSource, "problem source" {
        /// 巡查上报: reported by a chief or grid worker on patrol.
        Patrol => "patrol", "巡查上报", "patrol", ["巡查"];
        /// 12345热线: a hotline work order (工单).
        Hotline => "hotline", "12345热线", "12345 hotline", ["12345", "热线"];
        /// 网上: reported on the web.
        Web => "web", "网上", "web", ["网络", "网站"];
    }
}

vocabulary! {
    /// Where a problem stands.
    ProblemState, "problem state" {
        /// 已上报: reported, nobody has taken it on yet.
        Reported => "reported", "已上报", "reported", ["上报"];
        /// 已受理: accepted by whoever answers for it.
        Accepted => "accepted", "已受理", "accepted", ["受理"];
        /// 处置中: being dealt with.
        InProgress => "in_progress", "处置中", "in progress", ["in-progress", "处置", "办理中"];
        /// 已办结: resolved.
        Resolved => "resolved", "已办结", "resolved", ["办结"];
        /// 已关闭: closed (checked and filed).
        Closed => "closed", "已关闭", "closed", ["关闭", "归档"];
    }
}

impl ProblemState {
    /// True while the problem still needs work: reported, accepted or in progress. Only open
    /// problems escalate.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            ProblemState::Reported | ProblemState::Accepted | ProblemState::InProgress
        )
    }
}

vocabulary! {
    /// Who a problem is with: the level of the hierarchy answering for it now.
    EscalationLevel, "escalation level" {
        /// 街长: the street chief of the place.
        Chief => "chief", "街长", "street chief", ["小巷管家", "街长级"];
        /// 网格: the grid (its grid worker).
        Grid => "grid", "网格", "grid", ["网格级"];
        /// 社区: the community.
        Community => "community", "社区", "community", ["社区级"];
        /// 街道: the sub-district, the top.
        Subdistrict => "subdistrict", "街道", "sub-district", ["sub-district", "街道级"];
    }
}

impl EscalationLevel {
    /// The level above, or `None` at the top.
    pub fn next(self) -> Option<EscalationLevel> {
        match self {
            EscalationLevel::Chief => Some(EscalationLevel::Grid),
            EscalationLevel::Grid => Some(EscalationLevel::Community),
            EscalationLevel::Community => Some(EscalationLevel::Subdistrict),
            EscalationLevel::Subdistrict => None,
        }
    }
}

vocabulary! {
    /// What a step of a problem's history did.
    ProblemAction, "problem action" {
        /// 上报: the problem was reported (its first step).
        Report => "report", "上报", "report", [];
        /// 受理: accepted.
        Accept => "accept", "受理", "accept", [];
        /// 处置: work started.
        Start => "start", "处置", "start", ["开始处置"];
        /// 办结: resolved.
        Resolve => "resolve", "办结", "resolve", [];
        /// 关闭: closed.
        Close => "close", "关闭", "close", ["归档"];
        /// 升级: passed one level up.
        Escalate => "escalate", "升级", "escalate", [];
        /// 重新打开: reopened after it was resolved or closed.
        Reopen => "reopen", "重新打开", "reopen", ["重办"];
    }
}

impl ProblemAction {
    /// The action in a sentence's past participle: "it can be accepted".
    pub fn done(self) -> &'static str {
        match self {
            ProblemAction::Report => "reported",
            ProblemAction::Accept => "accepted",
            ProblemAction::Start => "started",
            ProblemAction::Resolve => "resolved",
            ProblemAction::Close => "closed",
            ProblemAction::Escalate => "escalated",
            ProblemAction::Reopen => "reopened",
        }
    }
}

/// Who answers for the place of a problem: computed once when it is reported ([`route`]) and
/// kept, so that later boundary changes do not move old problems between zones.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Routing {
    /// The compound containing the point, else the routed building's compound.
    pub compound: Option<Id>,
    /// The building containing the point, or the nearest one when it was the nearer candidate.
    pub building: Option<Id>,
    /// The street segment routed to, when it was nearer than any building.
    pub street: Option<Id>,
    /// The responsible street chief (resident level) of that building or street.
    pub chief: Option<Id>,
    /// The code of the lowest zone containing the point (the grid or micro-grid).
    pub grid: Option<String>,
    /// The code of the community containing the point.
    pub community: Option<String>,
    /// The code of the sub-district containing the point.
    pub subdistrict: Option<String>,
}

impl Routing {
    /// The code of the zone answering at `level` (the chief level answers with the grid's code,
    /// the grid the chief works in).
    pub fn zone_at(&self, level: EscalationLevel) -> Option<&str> {
        match level {
            EscalationLevel::Chief | EscalationLevel::Grid => self.grid.as_deref(),
            EscalationLevel::Community => self.community.as_deref(),
            EscalationLevel::Subdistrict => self.subdistrict.as_deref(),
        }
    }
}

/// A problem reported at a point.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// Identifier, given by the store when the problem is added (the value given is ignored).
    pub id: Id,
    /// Longitude (WGS-84).
    pub lon: f64,
    /// Latitude (WGS-84).
    pub lat: f64,
    /// The address as reported, where there is one.
    pub address: Option<String>,
    /// What it is about.
    pub category: ProblemCategory,
    /// What was reported.
    pub description: String,
    /// Where it came from.
    pub source: ProblemSource,
    /// The hotline work order number (工单编号), unique among problems.
    pub order_no: Option<String>,
    /// When it was reported, in milliseconds since the Unix epoch (UTC).
    pub reported_at_ms: i64,
    /// Who reported it (a chief's name, `12345`, a web user).
    pub reporter: String,
    /// Who answers for its place.
    pub routing: Routing,
    /// Where it stands.
    pub state: ProblemState,
    /// The level it is with now.
    pub level: EscalationLevel,
    /// The deadline of the current level, in milliseconds since the Unix epoch (UTC).
    pub deadline_ms: i64,
}

impl Problem {
    /// True when the problem is open and past its deadline at `now_ms`.
    pub fn is_overdue(&self, now_ms: i64) -> bool {
        self.state.is_open() && now_ms > self.deadline_ms
    }

    /// The problem after `step`: its state, level and deadline.
    pub fn after(&self, step: &ProblemStep) -> Problem {
        Problem {
            state: step.to_state,
            level: step.to_level,
            deadline_ms: step.deadline_ms,
            ..self.clone()
        }
    }
}

/// One step of a problem's history: who did what, when. Steps are kept forever.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProblemStep {
    /// The problem.
    pub problem: Id,
    /// When, in milliseconds since the Unix epoch (UTC). An escalation's time is the deadline it
    /// missed.
    pub at_ms: i64,
    /// Who (the escalation clock signs as [`CLOCK`]).
    pub by: String,
    /// What was done.
    pub action: ProblemAction,
    /// The state before; `None` for the report.
    pub from_state: Option<ProblemState>,
    /// The state after.
    pub to_state: ProblemState,
    /// The level before; `None` for the report.
    pub from_level: Option<EscalationLevel>,
    /// The level after.
    pub to_level: EscalationLevel,
    /// The deadline after the step.
    pub deadline_ms: i64,
    /// A note (may be empty).
    pub note: String,
}

/// The name the escalation clock signs its steps with.
pub const CLOCK: &str = "系统";

/// The note on an escalation made by the clock.
pub const OVERDUE_NOTE: &str = "超过办理时限,自动升级 (past its time limit: escalated)";

/// How far a point may lie from the nearest building or street and still be routed to its chief,
/// in metres: about a city block's half-width.
pub const ROUTE_DISTANCE_M: f64 = 150.0;

/// The longest description, address, note or name accepted, in characters.
pub const MAX_TEXT_CHARS: usize = 2000;

/// How far ahead of the clock a report or step may be dated (a day, as for inspections).
pub const MAX_FUTURE_MS: i64 = 86_400_000;

const HOUR_MS: i64 = 3_600_000;

/// The time limit of each level, in hours: configuration (JSON `{"chief_hours": 12}`), with
/// common practice as defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ProblemLimits {
    /// The street chief: 24 hours by default.
    pub chief_hours: u32,
    /// The grid: 48 hours by default.
    pub grid_hours: u32,
    /// The community: 72 hours by default.
    pub community_hours: u32,
    /// The sub-district: 120 hours by default. Nothing is above it, so this limit only marks the
    /// problem overdue.
    pub subdistrict_hours: u32,
}

impl Default for ProblemLimits {
    fn default() -> Self {
        Self {
            chief_hours: 24,
            grid_hours: 48,
            community_hours: 72,
            subdistrict_hours: 120,
        }
    }
}

impl ProblemLimits {
    /// The limit of a level in hours.
    pub fn hours(&self, level: EscalationLevel) -> u32 {
        match level {
            EscalationLevel::Chief => self.chief_hours,
            EscalationLevel::Grid => self.grid_hours,
            EscalationLevel::Community => self.community_hours,
            EscalationLevel::Subdistrict => self.subdistrict_hours,
        }
    }

    /// The deadline of a problem entering `level` at `at_ms`. A limit of 0 counts as one hour,
    /// so the clock always moves forward ([`validate`](Self::validate) refuses it).
    pub fn deadline(&self, level: EscalationLevel, at_ms: i64) -> i64 {
        at_ms.saturating_add(i64::from(self.hours(level).max(1)) * HOUR_MS)
    }

    /// Refuses a limit of 0 hours, which configuration can hold but cannot mean.
    pub fn validate(&self) -> Result<(), ProblemError> {
        for level in EscalationLevel::ALL {
            if self.hours(*level) == 0 {
                return Err(ProblemError::ZeroLimit(*level));
            }
        }
        Ok(())
    }
}

/// Why a problem or a step was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProblemError {
    /// The move is not allowed from the problem's state.
    #[error("problem {problem} is {state} ({state_zh}); it cannot be {done}: {allowed}", done = action.done())]
    Illegal {
        /// The problem.
        problem: Id,
        /// Its state.
        state: ProblemState,
        /// Its state in Chinese.
        state_zh: &'static str,
        /// The refused action.
        action: ProblemAction,
        /// What can be done instead.
        allowed: String,
    },
    /// An escalation of a problem already at the top.
    #[error(
        "problem {0} is already with the sub-district (街道), the top level; it cannot escalate"
    )]
    AtTop(Id),
    /// A required text is empty.
    #[error("a problem needs {0}")]
    Required(&'static str),
    /// A text is too long.
    #[error("{0} is longer than {MAX_TEXT_CHARS} characters")]
    TooLong(&'static str),
    /// A coordinate outside longitude/latitude range, or not a number.
    #[error("({0}, {1}) is not a longitude/latitude pair")]
    BadPoint(String, String),
    /// A time too far in the future.
    #[error("the time {0} lies more than a day in the future")]
    InFuture(String),
    /// A step dated before the problem's previous step.
    #[error("a step of problem {problem} cannot be dated {at}, before its last step at {last}")]
    BeforeLast {
        /// The problem.
        problem: Id,
        /// The step's time.
        at: String,
        /// The previous step's time.
        last: String,
    },
    /// A level with a limit of 0 hours.
    #[error("the {0} level's time limit must be at least 1 hour")]
    ZeroLimit(EscalationLevel),
}

fn time_text(at_ms: i64) -> String {
    Timestamp::from_millisecond(at_ms).map_or_else(|_| format!("{at_ms} ms"), |t| t.to_string())
}

fn check_text(text: &str, what: &'static str) -> Result<(), ProblemError> {
    if text.chars().count() > MAX_TEXT_CHARS {
        return Err(ProblemError::TooLong(what));
    }
    Ok(())
}

/// The states an action may start from.
fn allowed_from(action: ProblemAction) -> &'static [ProblemState] {
    use ProblemState::*;
    match action {
        ProblemAction::Report => &[],
        ProblemAction::Accept => &[Reported],
        ProblemAction::Start => &[Reported, Accepted],
        ProblemAction::Resolve => &[Reported, Accepted, InProgress],
        ProblemAction::Close => &[Resolved],
        ProblemAction::Escalate => &[Reported, Accepted, InProgress],
        ProblemAction::Reopen => &[Resolved, Closed],
    }
}

/// What can be done to a problem in `state`.
pub fn allowed_actions(state: ProblemState) -> Vec<ProblemAction> {
    ProblemAction::ALL
        .iter()
        .copied()
        .filter(|a| allowed_from(*a).contains(&state))
        .collect()
}

/// The step that does `action` to `problem`, by `by` at `at_ms`, or why it may not be done.
///
/// Accepting and starting keep the deadline: the limit is for resolving. Escalating (by hand —
/// a chief who cannot handle it passes it up) gives the next level its full limit from `at_ms`;
/// reopening gives the current level its full limit again. Resolving and closing keep the
/// deadline on record; it no longer runs.
///
/// # Examples
///
/// ```
/// use wangge_core::problems::*;
/// # let mut p = Problem { id: 7, lon: 0.0, lat: 0.0, address: None, category: ProblemCategory::Noise,
/// #   description: "夜间施工".into(), source: ProblemSource::Patrol, order_no: None, reported_at_ms: 0,
/// #   reporter: "王芳".into(), routing: Routing::default(), state: ProblemState::Reported,
/// #   level: EscalationLevel::Chief, deadline_ms: 86_400_000 };
/// let limits = ProblemLimits::default();
/// let step = transition(&p, ProblemAction::Accept, "王芳", 1_000, "", &limits).expect("allowed");
/// assert_eq!(step.to_state, ProblemState::Accepted);
/// let p = p.after(&step);
/// let refused = transition(&p, ProblemAction::Close, "王芳", 2_000, "", &limits).unwrap_err();
/// assert!(refused.to_string().contains("cannot be closed"), "{refused}");
/// ```
pub fn transition(
    problem: &Problem,
    action: ProblemAction,
    by: &str,
    at_ms: i64,
    note: &str,
    limits: &ProblemLimits,
) -> Result<ProblemStep, ProblemError> {
    let by = by.trim();
    if by.is_empty() {
        return Err(ProblemError::Required("the name of whoever acts"));
    }
    check_text(by, "the name")?;
    check_text(note, "the note")?;
    if !allowed_from(action).contains(&problem.state) {
        let allowed = allowed_actions(problem.state);
        let allowed = if allowed.is_empty() {
            "nothing more can be done to it".to_string()
        } else {
            format!(
                "it can be {}",
                allowed
                    .iter()
                    .map(|a| a.done())
                    .collect::<Vec<_>>()
                    .join(" or ")
            )
        };
        return Err(ProblemError::Illegal {
            problem: problem.id,
            state: problem.state,
            state_zh: problem.state.name_zh(),
            action,
            allowed,
        });
    }
    let (to_state, to_level, deadline_ms) = match action {
        ProblemAction::Report => unreachable!("report is allowed from no state"),
        ProblemAction::Accept => (ProblemState::Accepted, problem.level, problem.deadline_ms),
        ProblemAction::Start => (ProblemState::InProgress, problem.level, problem.deadline_ms),
        ProblemAction::Resolve => (ProblemState::Resolved, problem.level, problem.deadline_ms),
        ProblemAction::Close => (ProblemState::Closed, problem.level, problem.deadline_ms),
        ProblemAction::Escalate => {
            let next = problem
                .level
                .next()
                .ok_or(ProblemError::AtTop(problem.id))?;
            (problem.state, next, limits.deadline(next, at_ms))
        }
        ProblemAction::Reopen => (
            ProblemState::Reported,
            problem.level,
            limits.deadline(problem.level, at_ms),
        ),
    };
    Ok(ProblemStep {
        problem: problem.id,
        at_ms,
        by: by.to_string(),
        action,
        from_state: Some(problem.state),
        to_state,
        from_level: Some(problem.level),
        to_level,
        deadline_ms,
        note: note.trim().to_string(),
    })
}

/// The escalation clock: for every open problem past its deadline at `now_ms`, the escalations
/// it is owed — one per missed deadline until it is on time again or at the sub-district —, each
/// dated at the deadline it missed and signed by [`CLOCK`]. In problem order, then time order.
///
/// # Examples
///
/// ```
/// use wangge_core::problems::*;
/// # let p = Problem { id: 7, lon: 0.0, lat: 0.0, address: None, category: ProblemCategory::Noise,
/// #   description: "夜间施工".into(), source: ProblemSource::Patrol, order_no: None, reported_at_ms: 0,
/// #   reporter: "王芳".into(), routing: Routing::default(), state: ProblemState::Reported,
/// #   level: EscalationLevel::Chief, deadline_ms: 24 * 3_600_000 };
/// let hour = 3_600_000;
/// // Reported at 0 with the default limits (24 h, 48 h, 72 h): at 80 h it has missed the chief's
/// // deadline (24 h) and the grid's (24 + 48 = 72 h), and is with the community.
/// let steps = escalations(&[p], 80 * hour, &ProblemLimits::default());
/// let levels: Vec<_> = steps.iter().map(|s| (s.to_level, s.at_ms / hour)).collect();
/// assert_eq!(levels, [(EscalationLevel::Grid, 24), (EscalationLevel::Community, 72)]);
/// ```
pub fn escalations(problems: &[Problem], now_ms: i64, limits: &ProblemLimits) -> Vec<ProblemStep> {
    let mut steps = Vec::new();
    for problem in problems {
        if !problem.state.is_open() {
            continue;
        }
        let mut current = problem.clone();
        while current.is_overdue(now_ms) {
            let Some(next) = current.level.next() else {
                break;
            };
            let missed = current.deadline_ms;
            let step = ProblemStep {
                problem: current.id,
                at_ms: missed,
                by: CLOCK.to_string(),
                action: ProblemAction::Escalate,
                from_state: Some(current.state),
                to_state: current.state,
                from_level: Some(current.level),
                to_level: next,
                deadline_ms: limits.deadline(next, missed),
                note: OVERDUE_NOTE.to_string(),
            };
            current = current.after(&step);
            steps.push(step);
        }
    }
    steps
}

/// A problem as reported, before it is routed: what the patrol view, the hotline importer and the
/// command line hand in.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// Longitude (WGS-84).
    pub lon: f64,
    /// Latitude (WGS-84).
    pub lat: f64,
    /// The address, where known.
    pub address: Option<String>,
    /// What it is about.
    pub category: ProblemCategory,
    /// What was reported.
    pub description: String,
    /// Where it came from.
    pub source: ProblemSource,
    /// The hotline work order number.
    pub order_no: Option<String>,
    /// When it was reported (UTC milliseconds).
    pub at_ms: i64,
    /// Who reported it.
    pub reporter: String,
}

/// Checks a report and makes it a problem: routed on `atlas`, reported, with the chief and the
/// chief's deadline. `now_ms` bounds how far ahead the report may be dated.
pub fn report(
    atlas: &Atlas,
    report: Report,
    now_ms: i64,
    limits: &ProblemLimits,
) -> Result<Problem, ProblemError> {
    let in_range = report.lon.is_finite()
        && report.lat.is_finite()
        && (-180.0..=180.0).contains(&report.lon)
        && (-90.0..=90.0).contains(&report.lat);
    if !in_range {
        return Err(ProblemError::BadPoint(
            report.lon.to_string(),
            report.lat.to_string(),
        ));
    }
    let description = report.description.trim().to_string();
    if description.is_empty() {
        return Err(ProblemError::Required("a description of what is wrong"));
    }
    check_text(&description, "the description")?;
    let reporter = report.reporter.trim().to_string();
    if reporter.is_empty() {
        return Err(ProblemError::Required("the reporter's name"));
    }
    check_text(&reporter, "the reporter's name")?;
    let address = report
        .address
        .map(|a| a.trim().to_string())
        .filter(|a| !a.is_empty());
    if let Some(a) = &address {
        check_text(a, "the address")?;
    }
    let order_no = report
        .order_no
        .map(|o| o.trim().to_string())
        .filter(|o| !o.is_empty());
    if let Some(o) = &order_no {
        check_text(o, "the order number")?;
    }
    if report.at_ms > now_ms.saturating_add(MAX_FUTURE_MS) {
        return Err(ProblemError::InFuture(time_text(report.at_ms)));
    }
    let routing = route(atlas, Point::new(report.lon, report.lat));
    Ok(Problem {
        id: 0,
        lon: report.lon,
        lat: report.lat,
        address,
        category: report.category,
        description,
        source: report.source,
        order_no,
        reported_at_ms: report.at_ms,
        reporter,
        routing,
        state: ProblemState::Reported,
        level: EscalationLevel::Chief,
        deadline_ms: limits.deadline(EscalationLevel::Chief, report.at_ms),
    })
}

/// The first step of a problem's history: its report.
pub fn report_step(problem: &Problem) -> ProblemStep {
    ProblemStep {
        problem: problem.id,
        at_ms: problem.reported_at_ms,
        by: problem.reporter.clone(),
        action: ProblemAction::Report,
        from_state: None,
        to_state: problem.state,
        from_level: None,
        to_level: problem.level,
        deadline_ms: problem.deadline_ms,
        note: String::new(),
    }
}

/// Checks that a step may follow the problem's last step in time and is not dated far ahead.
pub fn check_step_time(step: &ProblemStep, last_ms: i64, now_ms: i64) -> Result<(), ProblemError> {
    if step.at_ms > now_ms.saturating_add(MAX_FUTURE_MS) {
        return Err(ProblemError::InFuture(time_text(step.at_ms)));
    }
    if step.at_ms < last_ms {
        return Err(ProblemError::BeforeLast {
            problem: step.problem,
            at: time_text(step.at_ms),
            last: time_text(last_ms),
        });
    }
    Ok(())
}

/// Metres per degree of latitude (and of longitude at the equator), for short distances.
const METRES_PER_DEGREE: f64 = 111_320.0;

/// The distance in metres from `p` to the nearest edge of `geometry`, in a plane scaled at the
/// point's latitude: exact enough over the few hundred metres routing looks at.
fn distance_to_outline_m(p: Point<f64>, geometry: &geo::MultiPolygon<f64>) -> f64 {
    let x_scale = p.y().to_radians().cos();
    let project = |c: Coord<f64>| ((c.x - p.x()) * x_scale, c.y - p.y());
    let mut best = f64::INFINITY;
    for polygon in &geometry.0 {
        for ring in std::iter::once(polygon.exterior()).chain(polygon.interiors()) {
            for line in ring.lines() {
                let (ax, ay) = project(line.start);
                let (bx, by) = project(line.end);
                let (dx, dy) = (bx - ax, by - ay);
                let len2 = dx * dx + dy * dy;
                let t = if len2 == 0.0 {
                    0.0
                } else {
                    (-(ax * dx + ay * dy) / len2).clamp(0.0, 1.0)
                };
                let (cx, cy) = (ax + t * dx, ay + t * dy);
                best = best.min((cx * cx + cy * cy).sqrt());
            }
        }
    }
    best * METRES_PER_DEGREE
}

/// A box of `metres` around a point.
fn around(p: Point<f64>, metres: f64) -> Rect<f64> {
    let dy = metres / METRES_PER_DEGREE;
    let dx = dy / p.y().to_radians().cos().max(1e-6);
    Rect::new(
        Coord {
            x: p.x() - dx,
            y: p.y() - dy,
        },
        Coord {
            x: p.x() + dx,
            y: p.y() + dy,
        },
    )
}

/// The codes of the grid, community and sub-district answering for `point`. The grid is the
/// zone of the lowest level (at or below the community) that contains the point, else the nearest
/// one within [`ROUTE_DISTANCE_M`] — a point on a boundary road belongs to the grid beside it, not
/// to nobody. The community and sub-district are the grid's ancestors, so the three always agree.
fn zones_of(atlas: &Atlas, point: Point<f64>) -> (Option<String>, Option<String>, Option<String>) {
    let data = atlas.data();
    let levels = &data.levels.levels;
    let top = levels
        .iter()
        .position(|l| l.key == "community")
        .unwrap_or(0);
    let lowest_first: Vec<&str> = levels[top..].iter().rev().map(|l| l.key.as_str()).collect();
    let contained = lowest_first
        .iter()
        .find_map(|level| atlas.zone_at(level, point));
    let grid = contained.or_else(|| {
        let near: Vec<&crate::Zone> = atlas.zones_in(around(point, ROUTE_DISTANCE_M)).collect();
        lowest_first.iter().find_map(|level| {
            near.iter()
                .filter(|z| z.level == *level)
                .map(|z| (distance_to_outline_m(point, &z.geometry), *z))
                .filter(|(d, _)| *d <= ROUTE_DISTANCE_M)
                .min_by(|a, b| a.0.total_cmp(&b.0).then(a.1.id.cmp(&b.1.id)))
                .map(|(_, z)| z)
        })
    });
    let mut community = None;
    let mut subdistrict = None;
    let mut zone = grid;
    // Parents form a tree; the bound guards against a cycle in broken data.
    for _ in 0..levels.len() {
        let Some(z) = zone else { break };
        if z.level == "community" && community.is_none() {
            community = Some(z.code.clone());
        }
        if z.level == "subdistrict" && subdistrict.is_none() {
            subdistrict = Some(z.code.clone());
        }
        zone = z.parent.and_then(|p| atlas.zone(p));
    }
    if subdistrict.is_none() {
        subdistrict = atlas.zone_at("subdistrict", point).map(|z| z.code.clone());
    }
    (grid.map(|z| z.code.clone()), community, subdistrict)
}

/// Who answers for the place at `point` (see the [module rules](self)).
pub fn route(atlas: &Atlas, point: Point<f64>) -> Routing {
    let resident = |kind: DutyKind, id: Id| {
        atlas
            .responsible(kind, id, ChiefLevel::Resident)
            .map(|c| c.id)
    };
    // Candidates: buildings within the distance (0 m when the point is inside) and the nearest
    // street, nearest first; the first someone answers for wins.
    let mut candidates: Vec<(f64, DutyKind, Id, Option<Id>)> = Vec::new();
    for building in atlas.buildings_in(around(point, ROUTE_DISTANCE_M)) {
        let inside = building
            .geometry
            .bounding_rect()
            .is_some_and(|r| geo::Intersects::intersects(&r, &point))
            && crate::index::covers(&building.geometry, point);
        let d = if inside {
            0.0
        } else {
            distance_to_outline_m(point, &building.geometry)
        };
        if d <= ROUTE_DISTANCE_M {
            candidates.push((d, DutyKind::Building, building.id, building.compound));
        }
    }
    if let Some(street) = atlas.nearest_street(point)
        && street.distance_m <= ROUTE_DISTANCE_M
    {
        candidates.push((street.distance_m, DutyKind::Street, street.street.id, None));
    }
    // Ties go to buildings, then to the lower id, so the answer never depends on index order.
    candidates.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    let mut routing = Routing::default();
    let chosen = candidates
        .iter()
        .find(|(_, kind, id, _)| resident(*kind, *id).is_some())
        .or_else(|| candidates.first());
    if let Some(&(_, kind, id, compound)) = chosen {
        routing.chief = resident(kind, id);
        match kind {
            DutyKind::Building => {
                routing.building = Some(id);
                routing.compound = compound;
            }
            DutyKind::Street => routing.street = Some(id),
        }
    }
    if let Some(c) = atlas
        .compounds_in(around(point, 0.0))
        .find(|c| crate::index::covers(&c.geometry, point))
    {
        routing.compound = Some(c.id);
    }
    let (grid, community, subdistrict) = zones_of(atlas, point);
    routing.grid = grid;
    routing.community = community;
    routing.subdistrict = subdistrict;
    routing
}

/// Problems counted for one zone.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ZoneProblemCounts {
    /// Every problem routed into the zone.
    pub total: u64,
    /// Those still open.
    pub open: u64,
    /// Those open and escalated above the chief.
    pub escalated: u64,
}

/// What the leaders' dashboard shows about problems.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProblemCounts {
    /// Per zone code — each problem counts for its grid, its community and its sub-district.
    pub by_zone: BTreeMap<String, ZoneProblemCounts>,
    /// Compounds by their hotline work orders, the most first (ties by compound id).
    pub hotline_by_compound: Vec<(Id, u64)>,
}

/// Counts problems per zone and hotline work orders per compound, as [`ProblemCounts`] says.
pub fn count(problems: &[Problem]) -> ProblemCounts {
    let mut counts = ProblemCounts::default();
    let mut hotline: BTreeMap<Id, u64> = BTreeMap::new();
    for p in problems {
        let codes = [
            &p.routing.grid,
            &p.routing.community,
            &p.routing.subdistrict,
        ];
        let mut seen: Vec<&str> = Vec::new();
        for code in codes.into_iter().flatten() {
            // The grid may be the community itself where no grids are drawn: count once.
            if seen.contains(&code.as_str()) {
                continue;
            }
            seen.push(code);
            let c = counts.by_zone.entry(code.clone()).or_default();
            c.total += 1;
            if p.state.is_open() {
                c.open += 1;
                if p.level != EscalationLevel::Chief {
                    c.escalated += 1;
                }
            }
        }
        if p.source == ProblemSource::Hotline
            && let Some(compound) = p.routing.compound
        {
            *hotline.entry(compound).or_default() += 1;
        }
    }
    let mut ranking: Vec<(Id, u64)> = hotline.into_iter().collect();
    ranking.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    counts.hotline_by_compound = ranking;
    counts
}

/// Problems of one week.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WeekCounts {
    /// The Monday the week starts on, in Asia/Shanghai.
    pub week: Date,
    /// Problems reported in the week.
    pub reported: u64,
    /// Of those, how many came from the hotline.
    pub hotline: u64,
}

/// The Monday (Asia/Shanghai) of the week holding the instant `at_ms`.
pub fn week_of(at_ms: i64) -> Result<Date> {
    let day = local_date(at_ms, &shanghai()).map_err(|e| Error::Invalid(e.to_string()))?;
    let back = i64::from(day.weekday().to_monday_zero_offset());
    day.checked_sub(jiff::Span::new().days(back))
        .map_err(|e| Error::Invalid(format!("the week of {day}: {e}")))
}

/// Problems reported per week (Monday to Sunday, Asia/Shanghai), oldest first; weeks with none
/// are left out.
pub fn by_week(problems: &[Problem]) -> Result<Vec<WeekCounts>> {
    let mut weeks: BTreeMap<Date, WeekCounts> = BTreeMap::new();
    for p in problems {
        let week = week_of(p.reported_at_ms)?;
        let w = weeks.entry(week).or_insert(WeekCounts {
            week,
            reported: 0,
            hotline: 0,
        });
        w.reported += 1;
        if p.source == ProblemSource::Hotline {
            w.hotline += 1;
        }
    }
    debug_assert!(weeks.keys().all(|d| d.weekday() == Weekday::Monday));
    Ok(weeks.into_values().collect())
}

#[cfg(test)]
mod tests;
