//! Visits (走访) over HTTP: a chief's task list (key sites daily, vulnerable households weekly,
//! every household monthly, in the Asia/Shanghai calendar), the signed-in chief's own list, and
//! recording a visit. A household's contact is personal data: it goes to the chief who visits it
//! (and to staff reading that chief's list), and is never logged.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use jiff::civil::Date;
use serde::Deserialize;
use serde_json::{Value, json};
use wangge_core::inspections::{local_date, shanghai};
use wangge_core::{Atlas, Id, Role, Task, Visit, VisitError, VisitTarget, check_visit, task_list};

use crate::access::Caller;
use crate::api::{Args, Params};
use crate::views::now_ms;
use crate::{ApiError, AppState, wire};

/// The Shanghai date of `?date=YYYY-MM-DD`, or today's.
fn date_of(args: &Args) -> Result<Date, ApiError> {
    match args.text("date") {
        Some(text) => text.parse::<Date>().map_err(|_| {
            ApiError::BadRequest(format!(
                "`date` must be a date such as 2026-04-10, not `{text}`"
            ))
        }),
        None => today(),
    }
}

fn today() -> Result<Date, ApiError> {
    local_date(now_ms(), &shanghai()).map_err(|e| ApiError::Internal(e.to_string()))
}

fn visit_error(e: VisitError) -> ApiError {
    match e {
        VisitError::UnknownChief(_) | VisitError::UnknownTarget(_) => {
            ApiError::NotFound(e.to_string())
        }
        VisitError::Due(_) => ApiError::Internal(e.to_string()),
        other => ApiError::BadRequest(other.to_string()),
    }
}

/// A chief's tasks on `date`, from the store's targets and latest visits.
async fn tasks_of(
    state: &AppState,
    atlas: &Atlas,
    chief: Id,
    date: Date,
) -> Result<Vec<Task>, ApiError> {
    let targets = state.store().visit_targets().await?;
    let latest = state.store().latest_visits().await?;
    task_list(
        atlas,
        &targets,
        &latest,
        &atlas.data().visit_schedules,
        chief,
        date,
    )
    .map_err(visit_error)
}

async fn list_json(state: &AppState, chief: Id, date: Date) -> Result<Value, ApiError> {
    let atlas = state.snapshot().atlas;
    let who = atlas
        .chief(chief)
        .cloned()
        .ok_or_else(|| ApiError::NotFound(format!("there is no chief {chief}")))?;
    let tasks = tasks_of(state, &atlas, chief, date).await?;
    Ok(wire::task_list(&atlas, &who, date, &tasks))
}

/// `GET /api/chiefs/{id}/tasks?date=YYYY-MM-DD`: the chief's task list on that Shanghai date
/// (today by default): overdue first, then due today, then later. The list names vulnerable
/// households: a street chief sees only their own (403 for another's); staff other than
/// administrators see it without contacts (household details are for the chief who visits).
pub(crate) async fn chief_tasks(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    params: Params,
) -> Result<Json<Value>, ApiError> {
    let args = Args::new(params, &["date"])?;
    let chief: Id = id
        .parse()
        .map_err(|_| ApiError::BadRequest(format!("chief id `{id}` is not a number")))?;
    let user = caller.signed_in()?;
    if user.role == Role::Patrol && user.chief != Some(chief) {
        return Err(ApiError::Forbidden(format!(
            "{} may see their own tasks only",
            user.username
        )));
    }
    let date = date_of(&args)?;
    let mut body = list_json(&state, chief, date).await?;
    if !matches!(user.role, Role::Admin | Role::Patrol)
        && let Some(tasks) = body["tasks"].as_array_mut()
    {
        for task in tasks {
            task["contact"] = Value::Null;
        }
    }
    Ok(Json(body))
}

/// The signed-in user's chief: 401 when nobody is signed in, 403 for a user who is not a street
/// chief.
fn my_chief(caller: &Caller) -> Result<(Id, String), ApiError> {
    let user = caller.signed_in()?;
    let chief = user
        .chief
        .filter(|_| user.role == Role::Patrol)
        .ok_or_else(|| {
            ApiError::Forbidden(format!(
                "{} is a {} user, not a street chief: there are no own tasks",
                user.username,
                user.role.as_str()
            ))
        })?;
    Ok((chief, user.display_name.clone()))
}

/// `GET /api/me/tasks?date=YYYY-MM-DD`: the signed-in street chief's own task list.
pub(crate) async fn my_tasks(
    State(state): State<AppState>,
    caller: Caller,
    params: Params,
) -> Result<Json<Value>, ApiError> {
    let args = Args::new(params, &["date"])?;
    let (chief, _) = my_chief(&caller)?;
    let date = date_of(&args)?;
    Ok(Json(list_json(&state, chief, date).await?))
}

/// The body of `POST /api/visits`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct VisitRequest {
    /// `compound:CODE`, `site:ID`, `household:ID` or `building:ID`, as a task's `target`.
    target: String,
    /// Who went, if not the chief.
    #[serde(default)]
    by: String,
    #[serde(default)]
    note: String,
    households_seen: Option<u32>,
    /// RFC 3339; now when absent.
    at: Option<String>,
}

/// `POST /api/visits` with `{"target", "note"?, "by"?, "households_seen"?, "at"?}`: the signed-in
/// street chief records a visit of one of their own tasks; answers (201) with the visit and the
/// task as it now stands (its new due date).
pub(crate) async fn record(
    State(state): State<AppState>,
    caller: Caller,
    body: Result<Json<VisitRequest>, JsonRejection>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let (chief, display_name) = my_chief(&caller)?;
    let Json(request) = body.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let now = now_ms();
    let at_ms = match request.at.as_deref() {
        None => now,
        Some(text) => text
            .parse::<jiff::Timestamp>()
            .map_err(|e| {
                ApiError::BadRequest(format!(
                    "`at` must be an RFC 3339 time such as 2026-04-10T09:30:00+08:00, not `{text}`: {e}"
                ))
            })?
            .as_millisecond(),
    };
    let atlas = state.snapshot().atlas;
    let targets = state.store().visit_targets().await?;
    let target = VisitTarget::parse(&atlas, &targets, &request.target).map_err(visit_error)?;
    let date = today()?;
    let own = tasks_of(&state, &atlas, chief, date).await?;
    if !own.iter().any(|t| t.target == target) {
        return Err(ApiError::Forbidden(format!(
            "{} is not one of your tasks; visits are recorded by the chief who answers for the place",
            request.target
        )));
    }
    let by = if request.by.trim().is_empty() {
        display_name
    } else {
        request.by
    };
    let visit = check_visit(
        &atlas,
        &targets,
        Visit {
            id: 0,
            target,
            chief,
            at_ms,
            by,
            note: request.note.trim().to_string(),
            households_seen: request.households_seen,
        },
        now,
    )
    .map_err(visit_error)?;
    let mut stored = visit.clone();
    // The visit, never a household's contact.
    let entry = caller
        .audit(wangge_core::AuditAction::Visit, format!("visit:{}", request.target))
        .summary(format!("visited {}", request.target))
        .after(json!({ "target": request.target, "at_ms": visit.at_ms, "households_seen": visit.households_seen }));
    stored.id = state.store().record_visit(&visit, &[entry]).await?;
    let task = tasks_of(&state, &atlas, chief, date)
        .await?
        .into_iter()
        .find(|t| t.target == target)
        .map(|t| wire::task(&atlas, &t));
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "visit": wire::visit(&atlas, &stored),
            "task": task,
            "date": date.to_string(),
        })),
    ))
}
