//! Notice boards for compounds' gates: `GET /boards/{code}.html` (printable A4 page) and
//! `GET /boards/{code}.png`, `?lang=en` for English. [`board_of`] gathers the facts, also for
//! `wangge board`.

use std::collections::BTreeMap;

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::Response;
use serde::Deserialize;
use wangge_core::inspections::{local_date, shanghai};
use wangge_core::{
    Atlas, Cadences, Chief, ChiefLevel, Compound, Dataset, DueError, DutyKind, Id, Inspection,
    due_list, representative_point,
};
use wangge_tiles::board::BOARD_TOPICS;
use wangge_tiles::{Board, BoardInspection, Lang};

use crate::views::now_ms;
use crate::{ApiError, AppState};

/// The facts on `compound`'s board at `now_ms`: its community, the resident street chief who
/// answers for most of its buildings, its latest inspection among `inspections` (any compound's:
/// only its own are looked at) and its next due date under `cadences`.
pub fn board_of(
    atlas: &Atlas,
    compound: &Compound,
    inspections: &[Inspection],
    cadences: &Cadences,
    now_ms: i64,
) -> Result<Board, DueError> {
    let data = atlas.data();
    let own: Vec<Inspection> = inspections
        .iter()
        .filter(|i| i.compound == compound.id)
        .cloned()
        .collect();
    let one = Dataset {
        compounds: vec![compound.clone()],
        ..Dataset::default()
    };
    let due = due_list(&one, &own, cadences, now_ms)?
        .pop()
        .ok_or_else(|| DueError::OutOfRange(format!("no due date for {}", compound.code)))?;
    let community = data.levels.community_key().and_then(|key| {
        representative_point(&compound.geometry)
            .and_then(|p| atlas.zone_at(key, p))
            .map(|z| z.name.clone())
    });
    let chief = compound_chief(atlas, compound.id).map(|c| (c.name.clone(), c.phone.clone()));
    let tz = shanghai();
    let inspection = match &due.last {
        Some(i) => Some(BoardInspection {
            date: local_date(i.at_ms, &tz)?.to_string(),
            inspector: i.inspector.clone(),
            findings: BOARD_TOPICS.map(|t| i.findings.get(t).cloned()),
        }),
        None => None,
    };
    Ok(Board {
        name: compound.name.clone(),
        code: compound.code.clone(),
        community,
        tier: compound.tier,
        cadence: cadences.of(compound.tier),
        chief,
        inspection,
        next_due: due.next_due.to_string(),
        days_overdue: due.days_overdue,
        printed: local_date(now_ms, &tz)?.to_string(),
    })
}

/// The resident street chief answering for most of a compound's buildings (the lower id on a
/// tie): the compound's chief on its board and in the dashboard.
pub(crate) fn compound_chief(atlas: &Atlas, compound: Id) -> Option<&Chief> {
    let mut counts: BTreeMap<Id, usize> = BTreeMap::new();
    for b in atlas.buildings_of(compound) {
        if let Some(c) = atlas.responsible(DutyKind::Building, b.id, ChiefLevel::Resident) {
            *counts.entry(c.id).or_default() += 1;
        }
    }
    counts
        .iter()
        .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
        .and_then(|(id, _)| atlas.chief(*id))
}

/// `?lang=` of a board.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct BoardQuery {
    lang: Option<String>,
}

pub(crate) fn parse_lang(lang: Option<&str>) -> Result<Lang, ApiError> {
    match lang {
        None | Some("zh") | Some("zh-CN") => Ok(Lang::Zh),
        Some("en") => Ok(Lang::En),
        Some(other) => Err(ApiError::BadRequest(format!(
            "`lang` is zh or en, not {other}"
        ))),
    }
}

/// `GET /boards/{code}.html` or `.png`.
pub(crate) async fn board(
    State(state): State<AppState>,
    caller: crate::access::Caller,
    Path(file): Path<String>,
    query: Result<Query<BoardQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(query) = query.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let lang = parse_lang(query.lang.as_deref())?;
    let (code, png) = if let Some(code) = file.strip_suffix(".html") {
        (code, false)
    } else if let Some(code) = file.strip_suffix(".png") {
        (code, true)
    } else {
        return Err(ApiError::NotFound(format!(
            "boards are /boards/{{code}}.html or /boards/{{code}}.png, not /boards/{file}"
        )));
    };
    let atlas = state.snapshot().atlas;
    let compound = atlas
        .compound_by_code(code)
        .cloned()
        .ok_or_else(|| ApiError::NotFound(format!("no compound has code {code}")))?;
    crate::access::check_compound(&caller, &atlas, &compound)?;
    let inspections = state.store().inspections(Some(compound.id)).await?;
    let board = board_of(
        &atlas,
        &compound,
        &inspections,
        &atlas.data().cadences,
        now_ms(),
    )
    .map_err(|e| ApiError::Internal(format!("board of {code}: {e}")))?;
    let (body, content_type) = if png {
        let font = state.options().font.clone();
        let bytes = tokio::task::spawn_blocking(move || {
            wangge_tiles::board_png(&board, font.as_deref().map(Vec::as_slice), lang)
        })
        .await
        .map_err(|e| ApiError::Internal(format!("drawing the board of {code}: {e}")))?
        .map_err(|e| ApiError::Internal(format!("drawing the board of {code}: {e}")))?;
        (bytes, "image/png")
    } else {
        (
            wangge_tiles::board_html(&board, lang).into_bytes(),
            "text/html; charset=utf-8",
        )
    };
    let mut response = Response::new(Body::from(body));
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    Ok(response)
}
