//! The planner's API: drafts, edits with undo and redo, the balance table, compare, publish.
//!
//! A draft lives in the store (so it outlives the server and several servers share it); every
//! edit is computed by `wangge_partition::apply_edit` on the draft's zones against the live
//! compounds, buildings and streets, recorded with `Plan::record`, and written with the version
//! it started from: a stale version is a 409 listing the edits the caller missed. Publishing
//! checks the invariants and replaces the live zones in one transaction with the plan's.

use std::collections::{HashMap, HashSet};

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use geojson::GeometryValue;
use serde::Deserialize;
use serde_json::{Value, json};
use wangge_core::{Dataset, Id, Plan, PlanEdit, PlanInfo, PlanStatus, Zone, with_descendants};
use wangge_partition::{Edit, EditError, apply_edit, check, compare, family_report};

use crate::access::Caller;
use crate::api::{Args, Params};
use crate::views::now_ms;
use crate::{ApiError, AppState};
use wangge_core::{AuditAction, AuditEntry};
use wangge_store::NEW_ID;

/// `{"name", "by"}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewPlan {
    name: String,
    /// Accepted from older clients and ignored: the author is the signed-in user.
    #[serde(default, rename = "by")]
    _by: serde::de::IgnoredAny,
}

/// `{"version", "by", "edit"}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct EditRequest {
    version: u64,
    /// Accepted from older clients and ignored: the author is the signed-in user.
    #[serde(default, rename = "by")]
    _by: serde::de::IgnoredAny,
    edit: Value,
}

/// `{"version", "by"}`: undo, redo, publish, discard.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct VersionRequest {
    version: u64,
    /// Accepted from older clients and ignored: the author is the signed-in user.
    #[serde(default, rename = "by")]
    _by: serde::de::IgnoredAny,
}

fn body<T>(body: Result<Json<T>, JsonRejection>) -> Result<T, ApiError> {
    body.map(|Json(b)| b)
        .map_err(|e| ApiError::BadRequest(e.body_text()))
}

/// Who makes a change: the signed-in user, by the name the interface shows.
fn author(caller: &Caller) -> Result<String, ApiError> {
    let by = caller.author()?;
    if by.chars().count() > 100 {
        return Err(ApiError::BadRequest(
            "the author's name is longer than 100 characters".into(),
        ));
    }
    Ok(by)
}

pub(crate) fn info_json(info: &PlanInfo) -> Value {
    json!({
        "id": info.id,
        "name": info.name,
        "status": info.status.as_str(),
        "status_name": info.status.name_zh(),
        "version": info.version,
        "based_on": info.based_on,
        "created_by": info.created_by,
        "created_at_ms": info.created_at_ms,
        "published_by": info.published_by,
        "published_at_ms": info.published_at_ms,
    })
}

fn edit_json(e: &PlanEdit) -> Value {
    json!({
        "seq": e.seq,
        "op": serde_json::from_str::<Value>(&e.op).unwrap_or(Value::Null),
        "summary": e.summary,
        "by": e.by,
        "at_ms": e.at_ms,
        "undone": e.undone,
        "version": e.version,
    })
}

async fn load_plan(state: &AppState, id: Id) -> Result<Plan, ApiError> {
    state
        .store()
        .plan(id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("there is no plan {id}")))
}

/// The 409 for a caller whose version is stale.
fn conflict(plan: &Plan, expected: u64) -> ApiError {
    let missed: Vec<Value> = plan
        .edits_since(expected)
        .into_iter()
        .map(|e| json!({"seq": e.seq, "summary": e.summary, "by": e.by, "at_ms": e.at_ms, "undone": e.undone}))
        .collect();
    ApiError::Conflict(json!({
        "error": format!(
            "plan {} is at version {}, not {expected}: someone else changed it; reload it and redo your change",
            plan.info.id, plan.info.version
        ),
        "current_version": plan.info.version,
        "missed": missed,
    }))
}

/// Checks a write can start: the plan is a draft and the caller's version is current.
fn ready(plan: &Plan, version: u64) -> Result<(), ApiError> {
    if plan.info.status != PlanStatus::Draft {
        return Err(ApiError::Refused(format!(
            "plan {} is {}, not a draft: only drafts are edited; create a new draft",
            plan.info.id,
            plan.info.status.as_str()
        )));
    }
    if plan.info.version != version {
        return Err(conflict(plan, version));
    }
    Ok(())
}

/// Saves, turning a lost race into the same 409 as a stale request.
async fn save(
    state: &AppState,
    plan: &Plan,
    expected: u64,
    audit: AuditEntry,
) -> Result<(), ApiError> {
    match state.store().save_plan(plan, expected, &[audit]).await {
        Ok(()) => Ok(()),
        Err(wangge_store::Error::Conflict { .. }) => {
            let current = load_plan(state, plan.info.id).await?;
            Err(conflict(&current, expected))
        }
        Err(e) => Err(e.into()),
    }
}

/// The newest published plan, if any.
async fn newest_published(state: &AppState) -> Result<Option<PlanInfo>, ApiError> {
    Ok(state
        .store()
        .plans()
        .await?
        .into_iter()
        .filter(|p| p.status == PlanStatus::Published)
        .max_by_key(|p| (p.published_at_ms, p.id)))
}

/// `GET /api/plans`.
pub(crate) async fn list(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    let plans = state.store().plans().await?;
    Ok(Json(Value::Array(plans.iter().map(info_json).collect())))
}

/// `POST /api/plans` with `{"name", "by"}`: a new draft, copied from the newest published plan.
/// The first time, the live zones are first kept as a published plan of their own, so that every
/// plan that was ever in force stays viewable.
pub(crate) async fn create(
    State(state): State<AppState>,
    caller: Caller,
    request: Result<Json<NewPlan>, JsonRejection>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let request = body(request)?;
    let by = author(&caller)?;
    let name = request.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(ApiError::BadRequest(
            "give the plan a name of 1 to 100 characters".into(),
        ));
    }
    let _plans = state.plan_lock().await;
    let live = state.snapshot().atlas;
    let base = match newest_published(&state).await? {
        Some(info) => load_plan(&state, info.id).await?,
        None => {
            let now = now_ms();
            let mut baseline = Plan::draft_of(live.data(), "现行网格", "wangge", now, None);
            baseline.info.status = PlanStatus::Published;
            baseline.info.published_by = Some("wangge".into());
            baseline.info.published_at_ms = Some(now);
            let entry = caller
                .audit(AuditAction::PlanCreate, format!("plan:{NEW_ID}"))
                .summary("kept the live grids as the first published plan")
                .after(json!({ "name": baseline.info.name, "status": "published", "zones": baseline.zones.len() }));
            baseline.info.id = state.store().create_plan(&baseline, &[entry]).await?;
            baseline
        }
    };
    let mut draft = Plan::draft_of(live.data(), name, &by, now_ms(), Some(&base));
    let entry = caller
        .audit(AuditAction::PlanCreate, format!("plan:{NEW_ID}"))
        .summary(format!(
            "new draft \"{}\" from plan {}",
            draft.info.name, base.info.id
        ))
        .after(json!({ "name": draft.info.name, "status": "draft", "base": base.info.id }));
    draft.info.id = state.store().create_plan(&draft, &[entry]).await?;
    tracing::info!(plan = draft.info.id, %by, "draft created");
    Ok((StatusCode::CREATED, Json(info_json(&draft.info))))
}

fn plan_json(plan: &Plan) -> Value {
    let codes: HashMap<Id, &str> = plan.zones.iter().map(|z| (z.id, z.code.as_str())).collect();
    let locked: Vec<&str> = plan
        .locked
        .iter()
        .filter_map(|id| codes.get(id).copied())
        .collect();
    json!({
        "info": info_json(&plan.info),
        "locked": locked,
        "history": plan.history.iter().map(edit_json).collect::<Vec<_>>(),
        "can_undo": plan.info.status == PlanStatus::Draft && plan.history.iter().any(|e| !e.undone),
        "can_redo": plan.info.status == PlanStatus::Draft && plan.history.iter().any(|e| e.undone),
    })
}

/// `GET /api/plans/{id}`.
pub(crate) async fn get(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let plan = load_plan(&state, plan_id(&id)?).await?;
    Ok(Json(plan_json(&plan)))
}

fn plan_id(text: &str) -> Result<Id, ApiError> {
    text.parse()
        .map_err(|_| ApiError::BadRequest(format!("`{text}` is not a plan id (a whole number)")))
}

/// The ids of `code` and every zone under it.
fn under(zones: &[Zone], code: &str) -> Result<HashSet<Id>, ApiError> {
    let root = zones
        .iter()
        .find(|z| z.code == code)
        .ok_or_else(|| ApiError::NotFound(format!("there is no zone {code} in this plan")))?;
    Ok(with_descendants(zones, [root.id]))
}

/// A plan's zone as a GeoJSON feature.
fn zone_feature(z: &Zone, codes: &HashMap<Id, &str>, locked: bool) -> Value {
    json!({
        "type": "Feature",
        "id": z.id,
        "geometry": serde_json::to_value(geojson::Geometry::new(GeometryValue::from(&z.geometry)))
            .unwrap_or(Value::Null),
        "properties": {
            "code": z.code,
            "name": z.name,
            "level": z.level,
            "parent": z.parent.and_then(|p| codes.get(&p)).copied(),
            "households": z.totals.households,
            "population": z.totals.population,
            "buildings": z.totals.buildings,
            "compounds": z.totals.compounds,
            "locked": locked,
        },
    })
}

/// `GET /api/plans/{id}/zones?level=&zone=`: the plan's zones as GeoJSON.
pub(crate) async fn zones(
    State(state): State<AppState>,
    Path(id): Path<String>,
    params: Params,
) -> Result<Json<Value>, ApiError> {
    let args = Args::new(params, &["level", "zone"])?;
    let plan = load_plan(&state, plan_id(&id)?).await?;
    let scope = match args.text("zone") {
        Some(code) => Some(under(&plan.zones, code)?),
        None => None,
    };
    let level = args.text("level");
    if let Some(level) = level {
        state
            .snapshot()
            .atlas
            .data()
            .levels
            .index_of(level)
            .map_err(|e| ApiError::BadRequest(e.to_string()))?;
    }
    let codes: HashMap<Id, &str> = plan.zones.iter().map(|z| (z.id, z.code.as_str())).collect();
    let features: Vec<Value> = plan
        .zones
        .iter()
        .filter(|z| level.is_none_or(|l| z.level == l))
        .filter(|z| scope.as_ref().is_none_or(|s| s.contains(&z.id)))
        .map(|z| zone_feature(z, &codes, plan.locked.contains(&z.id)))
        .collect();
    Ok(Json(
        json!({ "type": "FeatureCollection", "features": features }),
    ))
}

/// The live data with a plan's zones.
fn with_zones(live: &Dataset, zones: &[Zone]) -> Dataset {
    Dataset {
        zones: zones.to_vec(),
        ..live.clone()
    }
}

/// `GET /api/plans/{id}/balance?zone=CODE&level=secondary`: the live balance table.
pub(crate) async fn balance(
    State(state): State<AppState>,
    Path(id): Path<String>,
    params: Params,
) -> Result<Json<Value>, ApiError> {
    let args = Args::new(params, &["level", "zone"])?;
    let zone = args
        .text("zone")
        .ok_or_else(|| ApiError::BadRequest("say which zone: ?zone=CODE".into()))?
        .to_string();
    let level = args.text("level").unwrap_or("secondary").to_string();
    let plan = load_plan(&state, plan_id(&id)?).await?;
    let live = state.snapshot().atlas;
    let targets = wangge_partition::Targets::from(&live.data().levels);
    // The grids' parents under the zone asked for: the zone itself when it is on the level above
    // `level`, or the zones of that level under it (a community holds one primary grid by default).
    let levels = &live.data().levels;
    let at = levels
        .index_of(&level)
        .map_err(|e| ApiError::BadRequest(e.to_string()))?;
    let parent_level = at
        .checked_sub(1)
        .map(|i| levels.levels[i].key.clone())
        .ok_or_else(|| {
            ApiError::BadRequest(format!(
                "{level} is the top level; it has no grids to balance"
            ))
        })?;
    let scope = under(&plan.zones, &zone)?;
    let mut parents: Vec<String> = plan
        .zones
        .iter()
        .filter(|z| z.level == parent_level && scope.contains(&z.id))
        .map(|z| z.code.clone())
        .collect();
    parents.sort();
    if parents.is_empty() {
        return Err(ApiError::Refused(format!(
            "{zone} is not on or above the {parent_level} level, so it holds no {level} grids"
        )));
    }
    let report = tokio::task::spawn_blocking(move || {
        let mut reports = parents
            .iter()
            .map(|p| family_report(live.data(), &plan.zones, p, &level, &targets));
        let mut all = reports.next().transpose()?;
        for next in reports {
            let next = next?;
            if let Some(all) = all.as_mut() {
                all.grids.extend(next.grids);
                all.warnings.extend(next.warnings);
            }
        }
        if let Some(all) = all.as_mut() {
            all.parent = zone;
        }
        Ok::<_, EditError>(all)
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))?
    .map_err(edit_error)?;
    Ok(Json(serde_json::to_value(report).unwrap_or(Value::Null)))
}

fn edit_error(e: EditError) -> ApiError {
    match e {
        EditError::UnknownZone { .. } | EditError::NotFound { .. } => {
            ApiError::Refused(e.to_string())
        }
        other => ApiError::Refused(other.to_string()),
    }
}

/// `POST /api/plans/{id}/edits` with `{"version", "by", "edit": {"op": …}}`.
pub(crate) async fn edit(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    request: Result<Json<EditRequest>, JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    let request = body(request)?;
    let by = author(&caller)?;
    let edit: Edit = serde_json::from_value(request.edit.clone()).map_err(|e| {
        ApiError::BadRequest(format!(
            "\"edit\" is not an edit ({e}); use one of op = move, split, merge, rebalance, lock, redraw"
        ))
    })?;
    let id = plan_id(&id)?;
    let _plans = state.plan_lock().await;
    let mut plan = load_plan(&state, id).await?;
    ready(&plan, request.version)?;
    let live = state.snapshot().atlas;
    let targets = wangge_partition::Targets::from(&live.data().levels);
    let (zones, locked) = (plan.zones.clone(), plan.locked.clone());
    let op = edit.clone();
    let edited = tokio::task::spawn_blocking(move || {
        apply_edit(live.data(), &zones, &locked, &op, &targets)
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))?
    .map_err(edit_error)?;
    let op = serde_json::to_string(&edit).unwrap_or_default();
    plan.record(
        &op,
        &edited.summary,
        &by,
        now_ms(),
        edited.zones,
        edited.locked,
    );
    let entry = caller
        .audit(AuditAction::PlanEdit, format!("plan:{id}"))
        .summary(edited.summary.clone())
        .before(json!({ "version": request.version }))
        .after(json!({ "version": plan.info.version, "edit": edit, "changed": edited.changed }));
    save(&state, &plan, request.version, entry).await?;
    tracing::info!(plan = id, version = plan.info.version, %by, summary = %edited.summary, "plan edited");
    Ok(Json(json!({
        "info": info_json(&plan.info),
        "summary": edited.summary,
        "changed": edited.changed,
    })))
}

/// `POST /api/plans/{id}/undo` and `/redo` with `{"version", "by"}`.
pub(crate) async fn undo(
    state: State<AppState>,
    caller: Caller,
    id: Path<String>,
    request: Result<Json<VersionRequest>, JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    step(state, caller, id, request, false).await
}

/// `POST /api/plans/{id}/redo`.
pub(crate) async fn redo(
    state: State<AppState>,
    caller: Caller,
    id: Path<String>,
    request: Result<Json<VersionRequest>, JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    step(state, caller, id, request, true).await
}

async fn step(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    request: Result<Json<VersionRequest>, JsonRejection>,
    forward: bool,
) -> Result<Json<Value>, ApiError> {
    let request = body(request)?;
    let by = author(&caller)?;
    let id = plan_id(&id)?;
    let _plans = state.plan_lock().await;
    let mut plan = load_plan(&state, id).await?;
    ready(&plan, request.version)?;
    let now = now_ms();
    let done = if forward {
        plan.redo(&by, now)
    } else {
        plan.undo(&by, now)
    };
    let summary = match done {
        Ok(edit) => format!(
            "{}：{}",
            if forward { "重做" } else { "撤销" },
            edit.summary
        ),
        Err(e) => return Err(ApiError::Refused(e.to_string())),
    };
    let entry = caller
        .audit(AuditAction::PlanEdit, format!("plan:{id}"))
        .summary(summary.clone())
        .before(json!({ "version": request.version }))
        .after(json!({ "version": plan.info.version }));
    save(&state, &plan, request.version, entry).await?;
    Ok(Json(json!({
        "info": info_json(&plan.info),
        "summary": summary,
        "changed": [],
    })))
}

/// `POST /api/plans/{id}/publish` with `{"version", "by"}`: checks the invariants and makes the
/// plan's zones the live ones, in one transaction.
pub(crate) async fn publish(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    request: Result<Json<VersionRequest>, JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    let request = body(request)?;
    let by = author(&caller)?;
    let id = plan_id(&id)?;
    let _plans = state.plan_lock().await;
    let mut plan = load_plan(&state, id).await?;
    ready(&plan, request.version)?;
    // A draft is published over the plan it was copied from, not over a newer one.
    if let Some(newest) = newest_published(&state).await?
        && plan.info.based_on.is_some_and(|b| b != newest.id)
    {
        return Err(ApiError::Conflict(json!({
            "error": format!(
                "plan {} (\"{}\") was published after this draft was copied; start a new draft from it",
                newest.id, newest.name
            ),
            "current_version": plan.info.version,
            "missed": [],
        })));
    }
    let live = state.snapshot().atlas;
    let zones = plan.zones.clone();
    let checked = {
        let live = live.clone();
        tokio::task::spawn_blocking(move || check(&with_zones(live.data(), &zones)))
            .await
            .map_err(|e| ApiError::Internal(e.to_string()))?
    };
    if !checked.is_ok() {
        let violations: Vec<String> = checked.violations.iter().map(ToString::to_string).collect();
        return Err(ApiError::RefusedWith(json!({
            "error": format!("the plan breaks {} rule(s) of the grid system; fix them before publishing", violations.len()),
            "violations": violations,
        })));
    }
    let changes = plan.publish_changes(live.data());
    let changes = {
        let entry = caller
            .audit(AuditAction::Publish, format!("plan:{id}"))
            .summary(format!("published \"{}\"", plan.info.name))
            .before(json!({ "status": "draft", "version": request.version }))
            .after(json!({
                "status": "published",
                "zones_written": changes.zones.len(),
                "zones_deleted": changes.delete_zones.len(),
            }));
        changes.audited(entry)
    };
    plan.info.status = PlanStatus::Published;
    plan.info.published_by = Some(by.clone());
    plan.info.published_at_ms = Some(now_ms());
    let applied = match state.publish(&plan, request.version, changes).await {
        Ok(applied) => applied,
        Err(wangge_store::Error::Conflict { .. }) => {
            let current = load_plan(&state, id).await?;
            return Err(conflict(&current, request.version));
        }
        Err(e) => return Err(e.into()),
    };
    tracing::info!(plan = id, %by, version = applied.version, "plan published");
    Ok(Json(json!({
        "info": info_json(&plan.info),
        "data_version": applied.version,
    })))
}

/// `POST /api/plans/{id}/discard` with `{"version", "by"}`.
pub(crate) async fn discard(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    request: Result<Json<VersionRequest>, JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    let request = body(request)?;
    author(&caller)?;
    let id = plan_id(&id)?;
    let _plans = state.plan_lock().await;
    let mut plan = load_plan(&state, id).await?;
    ready(&plan, request.version)?;
    plan.info.status = PlanStatus::Discarded;
    let entry = caller
        .audit(AuditAction::Discard, format!("plan:{}", plan.info.id))
        .summary(format!("discarded \"{}\"", plan.info.name))
        .before(json!({ "status": "draft", "version": request.version }))
        .after(json!({ "status": "discarded" }));
    save(&state, &plan, request.version, entry).await?;
    Ok(Json(info_json(&plan.info)))
}

/// `GET /api/plans/compare?a=ID|live&b=ID|live&level=secondary`.
pub(crate) async fn compare_plans(
    State(state): State<AppState>,
    params: Params,
) -> Result<Json<Value>, ApiError> {
    let args = Args::new(params, &["a", "b", "level"])?;
    let live = state.snapshot().atlas;
    let mut sides = Vec::new();
    for name in ["a", "b"] {
        let which = args.text(name).unwrap_or("live");
        sides.push(if which == "live" {
            live.data().zones.clone()
        } else {
            load_plan(&state, plan_id(which)?).await?.zones
        });
    }
    let level = args.text("level").unwrap_or("secondary").to_string();
    live.data()
        .levels
        .index_of(&level)
        .map_err(|e| ApiError::BadRequest(e.to_string()))?;
    let b = sides.pop().unwrap_or_default();
    let a = sides.pop().unwrap_or_default();
    let diff = tokio::task::spawn_blocking(move || compare(live.data(), &a, &b, &level))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    let changed: Vec<Value> = diff
        .changed
        .iter()
        .map(|c| {
            json!({
                "type": "Feature",
                "geometry": serde_json::to_value(geojson::Geometry::new(GeometryValue::from(&c.geometry))).unwrap_or(Value::Null),
                "properties": { "from": c.from, "to": c.to },
            })
        })
        .collect();
    Ok(Json(json!({
        "level": diff.level,
        "buildings": diff.buildings,
        "grids": diff.grids,
        "chiefs": diff.chiefs,
        "totals": {
            "buildings": diff.buildings.len(),
            "households": diff.households,
            "chiefs": diff.chiefs.len(),
        },
        "changed": { "type": "FeatureCollection", "features": changed },
    })))
}

/// `GET /api/plans/as-of?date=YYYY-MM-DD`: the plan in force at the end of that day (Asia/Shanghai).
pub(crate) async fn as_of(
    State(state): State<AppState>,
    params: Params,
) -> Result<Json<Value>, ApiError> {
    let args = Args::new(params, &["date"])?;
    let date = args
        .text("date")
        .ok_or_else(|| ApiError::BadRequest("say which day: ?date=YYYY-MM-DD".into()))?;
    let day: jiff::civil::Date = date
        .parse()
        .map_err(|_| ApiError::BadRequest(format!("`{date}` is not a date; write YYYY-MM-DD")))?;
    let end = day
        .tomorrow()
        .and_then(|d| d.in_tz("Asia/Shanghai"))
        .map_err(|e| ApiError::BadRequest(e.to_string()))?
        .timestamp()
        .as_millisecond();
    let found = state
        .store()
        .plans()
        .await?
        .into_iter()
        .filter(|p| p.status == PlanStatus::Published)
        .filter(|p| p.published_at_ms.is_some_and(|t| t < end))
        .max_by_key(|p| (p.published_at_ms, p.id));
    match found {
        Some(info) => Ok(Json(info_json(&info))),
        None => Err(ApiError::NotFound(format!(
            "no plan was published by the end of {date}"
        ))),
    }
}
