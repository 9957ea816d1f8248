//! The audit log over HTTP (`GET /api/audit`, administrators and leaders), its wire shapes (JSON
//! and CSV, shared with `wangge audit`), and the entries that problems write, shared by the
//! server and the command line so that both describe a report or a step the same way.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use wangge_core::{Atlas, AuditAction, AuditEntry, Problem, ProblemAction, ProblemStep};
use wangge_store::{AuditFilter, NEW_ID};

use crate::api::{Args, Params};
use crate::{ApiError, AppState};

/// The most entries one CSV export carries (a page of the JSON answer is at most
/// [`AuditFilter::DEFAULT_LIMIT`]).
const MAX_EXPORT: usize = 100_000;

/// A time as people in the jurisdiction read it: RFC 3339 with the Asia/Shanghai offset, to the
/// millisecond.
pub fn local_instant(at_ms: i64) -> String {
    jiff::Timestamp::from_millisecond(at_ms).map_or_else(
        |_| at_ms.to_string(),
        |t| {
            let offset = wangge_core::inspections::shanghai().to_offset(t);
            format!("{:.3}", t.display_with_offset(offset))
        },
    )
}

/// One entry as the API and `wangge audit --format json` give it.
pub fn entry_json(e: &AuditEntry) -> Value {
    json!({
        "id": e.id,
        "at": local_instant(e.at_ms),
        "at_ms": e.at_ms,
        "actor": e.actor,
        "action": e.action.as_str(),
        "action_zh": e.action.name_zh(),
        "target": e.target,
        "summary": e.summary,
        "before": e.before,
        "after": e.after,
    })
}

/// The columns of the CSV export.
pub const CSV_COLUMNS: [&str; 10] = [
    "id",
    "at",
    "at_ms",
    "actor",
    "action",
    "action_zh",
    "target",
    "summary",
    "before",
    "after",
];

/// The entries as CSV (RFC 4180) with a header row; before and after as JSON text (empty when
/// there is none).
pub fn csv(entries: &[AuditEntry]) -> Result<Vec<u8>, csv::Error> {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(CSV_COLUMNS)?;
    let json = |v: &Option<Value>| v.as_ref().map(Value::to_string).unwrap_or_default();
    for e in entries {
        out.write_record([
            e.id.to_string(),
            local_instant(e.at_ms),
            e.at_ms.to_string(),
            e.actor.clone(),
            e.action.as_str().to_string(),
            e.action.name_zh().to_string(),
            e.target.clone(),
            e.summary.clone(),
            json(&e.before),
            json(&e.after),
        ])?;
    }
    out.into_inner().map_err(|e| e.into_error().into())
}

/// The entry of a problem just reported (`problem:{id}` until the store gives it its id).
pub fn problem_reported(
    entry: AuditEntry,
    atlas: &Atlas,
    problem: &Problem,
    now: i64,
) -> AuditEntry {
    let mut record = crate::wire::problem(atlas, problem, now);
    if let Some(map) = record.as_object_mut() {
        // The record, not what a view of it offers now.
        for key in ["id", "actions", "overdue"] {
            map.remove(key);
        }
    }
    AuditEntry {
        action: AuditAction::Problem,
        target: format!("problem:{NEW_ID}"),
        ..entry
    }
    .summary(format!(
        "problem {NEW_ID}: {} — {}",
        problem.category.name_zh(),
        problem.description
    ))
    .after(record)
}

/// The entry of a step someone took on a problem.
pub fn problem_stepped(
    entry: AuditEntry,
    problem: &Problem,
    action: ProblemAction,
    step: &ProblemStep,
) -> AuditEntry {
    AuditEntry {
        action: AuditAction::ProblemStep,
        target: format!("problem:{}", problem.id),
        ..entry
    }
    .summary(format!(
        "{} ({}) by {}: {} → {}",
        action.as_str(),
        action.name_zh(),
        step.by,
        problem.state.name_zh(),
        step.to_state.name_zh()
    ))
    .before(json!({ "state": problem.state.as_str(), "level": problem.level.as_str() }))
    .after(crate::wire::problem_step(step))
}

/// The entry of the escalation steps one problem was owed (one problem's, in order; not empty).
pub fn problem_escalated(entry: AuditEntry, steps: &[ProblemStep]) -> AuditEntry {
    let (first, last) = (&steps[0], &steps[steps.len() - 1]);
    AuditEntry {
        action: AuditAction::ProblemStep,
        target: format!("problem:{}", first.problem),
        ..entry
    }
    .summary(format!(
        "escalated {} → {} (missed its deadline, {} step(s))",
        first.from_level.map_or("-", |l| l.name_zh()),
        last.to_level.name_zh(),
        steps.len()
    ))
    .before(json!({
        "state": first.from_state.map(|s| s.as_str()),
        "level": first.from_level.map(|l| l.as_str()),
    }))
    .after(json!({ "steps": steps.iter().map(crate::wire::problem_step).collect::<Vec<_>>() }))
}

/// A time parameter: RFC 3339, or a date (YYYY-MM-DD) meaning its start in Asia/Shanghai (`next`:
/// the start of the day after, for an inclusive `until`).
fn time_param(name: &str, text: &str, next: bool) -> Result<i64, ApiError> {
    if let Ok(t) = text.parse::<jiff::Timestamp>() {
        return Ok(t.as_millisecond());
    }
    let bad = || {
        ApiError::BadRequest(format!(
            "`{name}` must be a date such as 2026-04-10 or an RFC 3339 time, not `{text}`"
        ))
    };
    let date = text.parse::<jiff::civil::Date>().map_err(|_| bad())?;
    let date = if next {
        date.tomorrow().map_err(|_| bad())?
    } else {
        date
    };
    date.to_zoned(wangge_core::inspections::shanghai())
        .map(|z| z.timestamp().as_millisecond())
        .map_err(|_| bad())
}

/// `GET /api/audit?since=&until=&actor=&action=&target=&before=&after=&order=&limit=&format=`:
/// the audit log, newest first by default. JSON gives a page (`next` is the id to pass as
/// `before`, or `after` with `order=oldest`); `format=csv` exports every matching entry (up to
/// 100 000) as a file.
pub(crate) async fn log(
    State(state): State<AppState>,
    params: Params,
) -> Result<Response, ApiError> {
    let args = Args::new(
        params,
        &[
            "since", "until", "actor", "action", "target", "before", "after", "order", "limit",
            "format",
        ],
    )?;
    let id = |name: &str| -> Result<Option<i64>, ApiError> {
        args.text(name)
            .map(|t| {
                t.parse::<i64>().map_err(|_| {
                    ApiError::BadRequest(format!("`{name}` is an entry id (a number), not `{t}`"))
                })
            })
            .transpose()
    };
    let newest_first = match args.text("order") {
        None | Some("newest") => true,
        Some("oldest") => false,
        Some(other) => {
            return Err(ApiError::BadRequest(format!(
                "`order` is newest or oldest, not `{other}`"
            )));
        }
    };
    let limit = match args.text("limit") {
        None => 100,
        Some(t) => match t.parse::<u64>() {
            Ok(n) if (1..=AuditFilter::DEFAULT_LIMIT).contains(&n) => n,
            _ => {
                return Err(ApiError::BadRequest(format!(
                    "`limit` is 1 to {}, not `{t}`",
                    AuditFilter::DEFAULT_LIMIT
                )));
            }
        },
    };
    let mut filter = AuditFilter {
        since_ms: args
            .text("since")
            .map(|t| time_param("since", t, false))
            .transpose()?,
        until_ms: args
            .text("until")
            .map(|t| time_param("until", t, true))
            .transpose()?,
        actor: args.text("actor").map(str::to_string),
        action: args
            .text("action")
            .map(AuditAction::parse)
            .transpose()
            .map_err(|e| ApiError::BadRequest(e.to_string()))?,
        target_prefix: args.text("target").map(str::to_string),
        before_id: id("before")?,
        after_id: id("after")?,
        newest_first,
        limit,
    };
    match args.text("format") {
        None | Some("json") => {
            let entries = state.store().audit_log(&filter).await?;
            let next = (entries.len() as u64 == limit).then(|| entries.last().map(|e| e.id));
            Ok(Json(json!({
                "entries": entries.iter().map(entry_json).collect::<Vec<_>>(),
                "next": next.flatten(),
                "order": if newest_first { "newest" } else { "oldest" },
            }))
            .into_response())
        }
        Some("csv") => {
            let mut all: Vec<AuditEntry> = Vec::new();
            filter.limit = AuditFilter::DEFAULT_LIMIT;
            loop {
                let page = state.store().audit_log(&filter).await?;
                let full = page.len() as u64 == filter.limit;
                let Some(last) = page.last().map(|e| e.id) else {
                    break;
                };
                all.extend(page);
                if !full || all.len() >= MAX_EXPORT {
                    break;
                }
                if newest_first {
                    filter.before_id = Some(last);
                } else {
                    filter.after_id = Some(last);
                }
            }
            all.truncate(MAX_EXPORT);
            let bytes = csv(&all).map_err(|e| ApiError::Internal(format!("audit CSV: {e}")))?;
            let mut response = bytes.into_response();
            let headers = response.headers_mut();
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/csv; charset=utf-8"),
            );
            headers.insert(
                header::CONTENT_DISPOSITION,
                HeaderValue::from_static("attachment; filename=\"wangge-audit.csv\""),
            );
            Ok(response)
        }
        Some(other) => Err(ApiError::BadRequest(format!(
            "`format` is json or csv, not `{other}`"
        ))),
    }
}
