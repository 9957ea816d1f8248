//! Problems over HTTP: reporting one at a point (routed on the live atlas), listing them by
//! filter, one with its history, acting on one (a stale state is a 409), the dashboard's counts,
//! and the escalation clock the server runs in the background.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};
use wangge_core::problems::{
    ProblemAction, ProblemCategory, ProblemError, ProblemSource, ProblemState, Report, by_week,
    check_step_time, escalations, report, transition,
};
use wangge_core::{EscalationLevel, Id};
use wangge_store::ProblemFilter;

use crate::access::Caller;
use crate::api::{Args, Params};
use crate::views::now_ms;
use crate::{ApiError, AppState, wire};

/// The body of `POST /api/problems`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ReportRequest {
    lon: f64,
    lat: f64,
    category: String,
    description: String,
    reporter: String,
    address: Option<String>,
    /// `patrol` (default) or `web`; hotline work orders are imported.
    source: Option<String>,
}

/// The body of `POST /api/problems/{id}/steps`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct StepRequest {
    action: String,
    /// Accepted from older clients and ignored: the author is the signed-in user.
    #[serde(default, rename = "by")]
    _by: serde::de::IgnoredAny,
    #[serde(default)]
    note: String,
    /// The state the caller saw; a problem no longer in it is a 409.
    state: Option<String>,
    /// The level the caller saw; likewise.
    level: Option<String>,
}

fn refused(e: ProblemError) -> ApiError {
    match e {
        ProblemError::Illegal { .. } | ProblemError::AtTop(_) => ApiError::Refused(e.to_string()),
        other => ApiError::BadRequest(other.to_string()),
    }
}

fn parse_id(text: &str) -> Result<Id, ApiError> {
    text.parse()
        .map_err(|_| ApiError::BadRequest(format!("`{text}` is not a problem id (a number)")))
}

/// `POST /api/problems` with `{"lon", "lat", "category", "description", "reporter",
/// "address"?, "source"?}`: routes the problem on the live map, stores it and answers with it and
/// its routing (201).
pub(crate) async fn report_problem(
    State(state): State<AppState>,
    caller: Caller,
    body: Result<Json<ReportRequest>, JsonRejection>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let Json(request) = body.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let category = ProblemCategory::parse(&request.category)
        .map_err(|e| ApiError::BadRequest(e.to_string()))?;
    let source = match request.source.as_deref() {
        None => ProblemSource::Patrol,
        Some(text) => match ProblemSource::parse(text) {
            Ok(ProblemSource::Hotline) => {
                return Err(ApiError::BadRequest(
                    "hotline work orders are imported with `wangge import --layer hotline`, \
                     not reported here; use patrol or web"
                        .into(),
                ));
            }
            Ok(source) => source,
            Err(e) => return Err(ApiError::BadRequest(e.to_string())),
        },
    };
    let now = now_ms();
    let atlas = state.snapshot().atlas;
    let mut problem = report(
        &atlas,
        Report {
            lon: request.lon,
            lat: request.lat,
            address: request.address,
            category,
            description: request.description,
            source,
            order_no: None,
            at_ms: now,
            reporter: request.reporter,
        },
        now,
        &state.options().problem_limits,
    )
    .map_err(refused)?;
    // A street chief reports in their own area: the problem goes to them, or lies in one of
    // their compounds.
    if let Some(scope) = caller.scope(&atlas) {
        let theirs = problem.routing.chief == Some(scope.chief)
            || problem
                .routing
                .compound
                .is_some_and(|c| scope.compounds.contains(&c));
        if !theirs {
            return Err(ApiError::Forbidden(format!(
                "the point ({}, {}) is outside your area (street chief {}): report problems in \
                 your own area, or call the hotline",
                problem.lon, problem.lat, scope.chief
            )));
        }
    }
    let ids = state
        .store()
        .add_problems(
            std::slice::from_ref(&problem),
            &[crate::audit::problem_reported(
                caller.audit(wangge_core::AuditAction::Problem, ""),
                &atlas,
                &problem,
                now,
            )],
        )
        .await?;
    problem.id = ids
        .first()
        .copied()
        .ok_or_else(|| ApiError::Internal("the store gave the new problem no id".into()))?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "problem": wire::problem(&atlas, &problem, now) })),
    ))
}

/// 403 unless a street chief asks about a problem routed to them (other callers pass).
fn check_problem(caller: &Caller, problem: &wangge_core::Problem) -> Result<(), ApiError> {
    match caller.patrol_chief() {
        Some(own) if problem.routing.chief != Some(own) => Err(ApiError::Forbidden(format!(
            "problem {} is not routed to you (street chief {own})",
            problem.id
        ))),
        _ => Ok(()),
    }
}

/// A problem as the caller may see it: leaders and viewers see problems in aggregate, without
/// who reported them.
fn problem_for(
    caller: &Caller,
    atlas: &wangge_core::Atlas,
    p: &wangge_core::Problem,
    now: i64,
) -> Value {
    let mut value = wire::problem(atlas, p, now);
    if caller.is(&[wangge_core::Role::Leader, wangge_core::Role::Viewer]) {
        value["reporter"] = Value::Null;
    }
    value
}

/// `GET /api/problems/heat`: every open problem as a GeoJSON point, for the leader map's heat
/// layer: its escalation level (`level_rank` 1 = chief … 4 = sub-district, the heat's weight),
/// whether it is past its time limit, and its category. No personal data: no reporter, no text.
pub(crate) async fn heat(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    let open = state
        .store()
        .problems(&ProblemFilter {
            open: true,
            ..ProblemFilter::default()
        })
        .await?;
    let now = now_ms();
    let features: Vec<Value> = open
        .iter()
        .map(|p| {
            json!({
                "type": "Feature",
                "id": p.id,
                "geometry": { "type": "Point", "coordinates": [p.lon, p.lat] },
                "properties": {
                    "level": p.level.as_str(),
                    "level_rank": EscalationLevel::ALL.iter().position(|l| *l == p.level).unwrap_or(0) + 1,
                    "overdue": p.is_overdue(now),
                    "category": p.category.as_str(),
                },
            })
        })
        .collect();
    Ok(Json(
        json!({ "type": "FeatureCollection", "features": features }),
    ))
}

/// `GET /api/problems?state=&open=&zone=&chief=&source=&since=&offset=&limit=`: the problems
/// passing the filters, in id order, a page at a time, with the total.
pub(crate) async fn list(
    State(state): State<AppState>,
    caller: Caller,
    params: Params,
) -> Result<Json<Value>, ApiError> {
    let args = Args::new(
        params,
        &[
            "state", "open", "zone", "chief", "source", "since", "offset", "limit",
        ],
    )?;
    let (offset, limit) = args.page()?;
    let bad = |name: &str, e: String| ApiError::BadRequest(format!("`{name}`: {e}"));
    let filter = ProblemFilter {
        state: args
            .text("state")
            .map(ProblemState::parse)
            .transpose()
            .map_err(|e| bad("state", e.to_string()))?,
        open: match args.text("open") {
            None | Some("false") | Some("0") => false,
            Some("true") | Some("1") => true,
            Some(other) => return Err(bad("open", format!("true or false, not `{other}`"))),
        },
        zone: args.text("zone").map(str::to_string),
        chief: args
            .text("chief")
            .map(|c| c.parse::<Id>())
            .transpose()
            .map_err(|_| bad("chief", "a chief id is a number".into()))?,
        since_ms: args
            .text("since")
            .map(|t| t.parse::<jiff::Timestamp>())
            .transpose()
            .map_err(|e| bad("since", format!("an RFC 3339 time: {e}")))?
            .map(|t| t.as_millisecond()),
        source: args
            .text("source")
            .map(ProblemSource::parse)
            .transpose()
            .map_err(|e| bad("source", e.to_string()))?,
    };
    let mut filter = filter;
    // A street chief lists the problems routed to them, whatever else they ask.
    if let Some(own) = caller.patrol_chief() {
        if filter.chief.is_some_and(|c| c != own) {
            return Err(ApiError::Forbidden(format!(
                "a street chief sees only the problems routed to them (chief {own})"
            )));
        }
        filter.chief = Some(own);
    }
    let problems = state.store().problems(&filter).await?;
    let atlas = state.snapshot().atlas;
    let now = now_ms();
    let page: Vec<Value> = problems
        .iter()
        .skip(offset)
        .take(limit)
        .map(|p| problem_for(&caller, &atlas, p, now))
        .collect();
    Ok(Json(json!({
        "total": problems.len(),
        "overdue": problems.iter().filter(|p| p.is_overdue(now)).count(),
        "offset": offset,
        "problems": page,
    })))
}

/// `GET /api/problems/{id}`: one problem with its steps, oldest first.
pub(crate) async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let id = parse_id(&id)?;
    let (problem, steps) = state
        .store()
        .problem(id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("there is no problem {id}")))?;
    check_problem(&caller, &problem)?;
    let atlas = state.snapshot().atlas;
    let mut body = problem_for(&caller, &atlas, &problem, now_ms());
    body["steps"] = steps.iter().map(wire::problem_step).collect();
    Ok(Json(body))
}

/// `POST /api/problems/{id}/steps` with `{"action", "by", "note"?, "state"?, "level"?}`: acts on
/// the problem. An action its state does not allow is a 422 saying what is; a problem that is no
/// longer in the `state`/`level` the caller saw, or that someone else moved meanwhile, is a 409
/// with the problem as it is now.
pub(crate) async fn step(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    body: Result<Json<StepRequest>, JsonRejection>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let id = parse_id(&id)?;
    if caller.patrol_chief().is_some() {
        // Checked before the body, so that the answer says so whatever the body holds.
        if let Some((problem, _)) = state.store().problem(id).await? {
            check_problem(&caller, &problem)?;
        }
    }
    let Json(request) = body.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let action =
        ProblemAction::parse(&request.action).map_err(|e| ApiError::BadRequest(e.to_string()))?;
    if action == ProblemAction::Report {
        return Err(ApiError::BadRequest(
            "a problem is reported with POST /api/problems, not as a step".into(),
        ));
    }
    let seen_state = request
        .state
        .as_deref()
        .map(ProblemState::parse)
        .transpose()
        .map_err(|e| ApiError::BadRequest(e.to_string()))?;
    let seen_level = request
        .level
        .as_deref()
        .map(EscalationLevel::parse)
        .transpose()
        .map_err(|e| ApiError::BadRequest(e.to_string()))?;
    let store = state.store();
    let (problem, steps) = store
        .problem(id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("there is no problem {id}")))?;
    let atlas = state.snapshot().atlas;
    let now = now_ms();
    let conflict = |problem: &wangge_core::Problem, message: String| {
        ApiError::Conflict(json!({
            "error": message,
            "problem": wire::problem(&atlas, problem, now),
        }))
    };
    if seen_state.is_some_and(|s| s != problem.state)
        || seen_level.is_some_and(|l| l != problem.level)
    {
        return Err(conflict(
            &problem,
            format!(
                "problem {id} is {} at the {} level now, not what you saw: someone else \
                 changed it; reload it and redo the step",
                problem.state,
                problem.level.as_str()
            ),
        ));
    }
    let by = caller.author()?;
    let step = transition(
        &problem,
        action,
        &by,
        now,
        &request.note,
        &state.options().problem_limits,
    )
    .map_err(refused)?;
    check_step_time(&step, steps.last().map_or(i64::MIN, |s| s.at_ms), now).map_err(refused)?;
    let entry = crate::audit::problem_stepped(
        caller.audit(wangge_core::AuditAction::ProblemStep, ""),
        &problem,
        action,
        &step,
    );
    match store
        .record_steps(std::slice::from_ref(&step), &[entry])
        .await
    {
        Ok(()) => {}
        Err(e @ wangge_store::Error::StaleProblem { .. }) => {
            let current = store.problem(id).await?.map_or(problem.clone(), |(p, _)| p);
            return Err(conflict(&current, e.to_string()));
        }
        Err(wangge_store::Error::NoProblem(_)) => {
            return Err(ApiError::NotFound(format!("there is no problem {id}")));
        }
        Err(e) => return Err(e.into()),
    }
    let after = problem.after(&step);
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "step": wire::problem_step(&step),
            "problem": wire::problem(&atlas, &after, now),
        })),
    ))
}

/// `GET /api/problems/summary`: what the leaders' dashboard shows — per zone the problems,
/// open and escalated; compounds by hotline work orders, the worst first; problems per week
/// (Monday to Sunday, Asia/Shanghai).
pub(crate) async fn summary(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    let counts = state.store().problem_counts().await?;
    let problems = state.store().problems(&ProblemFilter::default()).await?;
    let weeks = by_week(&problems).map_err(|e| ApiError::Internal(e.to_string()))?;
    let atlas = state.snapshot().atlas;
    Ok(Json(json!({
        "time_zone": "Asia/Shanghai",
        "by_zone": counts.by_zone.iter().map(|(code, c)| json!({
            "code": code,
            "name": atlas.zone_by_code(code).map(|z| z.name.as_str()),
            "level": atlas.zone_by_code(code).map(|z| z.level.as_str()),
            "total": c.total,
            "open": c.open,
            "escalated": c.escalated,
        })).collect::<Vec<_>>(),
        "hotline_by_compound": counts.hotline_by_compound.iter().map(|(id, n)| json!({
            "id": id,
            "code": atlas.compound(*id).map(|c| c.code.as_str()),
            "name": atlas.compound(*id).map(|c| c.name.as_str()),
            "work_orders": n,
        })).collect::<Vec<_>>(),
        "by_week": weeks.iter().map(|w| json!({
            "week": w.week.to_string(),
            "reported": w.reported,
            "hotline": w.hotline,
        })).collect::<Vec<_>>(),
    })))
}

/// What one run of the escalation clock did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ClockRun {
    /// Open problems looked at.
    pub open: usize,
    /// Problems escalated.
    pub escalated: usize,
    /// Steps recorded.
    pub steps: usize,
    /// Problems someone else moved meanwhile, left for the next run.
    pub stale: usize,
}

impl AppState {
    /// Runs the escalation clock once at `now_ms`: the steps every overdue open problem is owed
    /// are recorded through the store, problem by problem, so that a problem someone acted on
    /// meanwhile is only left for the next run (several servers on one database can all run the
    /// clock; the compare-and-swap lets one of them record each step).
    pub async fn run_escalation_clock(&self, now_ms: i64) -> Result<ClockRun, wangge_store::Error> {
        let store = self.store();
        let open = store
            .problems(&ProblemFilter {
                open: true,
                ..ProblemFilter::default()
            })
            .await?;
        let steps = escalations(&open, now_ms, &self.options().problem_limits);
        let mut run = ClockRun {
            open: open.len(),
            ..ClockRun::default()
        };
        for chunk in steps.chunk_by(|a, b| a.problem == b.problem) {
            let entry = crate::audit::problem_escalated(
                wangge_core::AuditEntry::new(
                    now_ms,
                    "system",
                    wangge_core::AuditAction::ProblemStep,
                    "",
                ),
                chunk,
            );
            match store.record_steps(chunk, &[entry]).await {
                Ok(()) => {
                    run.escalated += 1;
                    run.steps += chunk.len();
                }
                Err(
                    wangge_store::Error::StaleProblem { .. } | wangge_store::Error::NoProblem(_),
                ) => {
                    run.stale += 1;
                }
                Err(e) => return Err(e),
            }
        }
        Ok(run)
    }
}

/// Runs the escalation clock every `every` until the server stops; failures are logged and the
/// next tick tries again.
pub(crate) async fn clock(state: AppState, every: std::time::Duration) {
    let mut ticks = tokio::time::interval(every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        match state.run_escalation_clock(now_ms()).await {
            Ok(run) if run.steps > 0 || run.stale > 0 => tracing::info!(
                escalated = run.escalated,
                steps = run.steps,
                stale = run.stale,
                "escalation clock"
            ),
            Ok(_) => {}
            Err(e) => tracing::warn!(%e, "the escalation clock could not run; trying again"),
        }
    }
}
