//! Inspections over HTTP: recording one, a compound's inspections, and the due list (every
//! compound with its next due date in the Asia/Shanghai calendar, filtered by zone and overdue).

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use wangge_core::inspections::{local_date, shanghai};
use wangge_core::{
    Atlas, Compound, Dataset, Due, Finding, Findings, Id, Inspection, InspectionError,
    InspectorRole, MAX_PHOTO_BYTES, Photo, PhotoError, PhotoType, Tier, Topic, due_list,
    record_inspection,
};

use crate::access::{Caller, check_compound};
use crate::api::{Args, Params};
use crate::views::{compounds_in, now_ms};
use crate::{ApiError, AppState, wire};

/// What an inspector found on one topic, as sent.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FindingBody {
    ok: bool,
    #[serde(default)]
    note: String,
}

/// Findings per topic, as sent; a topic left out was not looked at.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FindingsBody {
    rentals: Option<FindingBody>,
    sanitation: Option<FindingBody>,
    public_order: Option<FindingBody>,
    fire_safety: Option<FindingBody>,
    epidemic: Option<FindingBody>,
}

/// The body of `POST /api/compounds/{code}/inspections`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct InspectionRequest {
    inspector: String,
    role: String,
    /// RFC 3339; now when absent.
    at: Option<String>,
    #[serde(default)]
    findings: FindingsBody,
    suggested_tier: Option<String>,
    /// An optional photo.
    photo: Option<PhotoBody>,
}

/// A photo as sent: its declared type and its bytes in base64 (standard alphabet; a
/// `data:…;base64,` prefix is allowed). The type recorded is the one the bytes are.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PhotoBody {
    mime: Option<String>,
    data: String,
}

impl PhotoBody {
    /// The photo, its type read from its bytes; a declared type that is not JPEG, PNG or WebP, or
    /// that its bytes contradict, is refused, as are bytes that are not such an image or larger
    /// than 5 MiB.
    fn into_photo(self) -> Result<Photo, ApiError> {
        use base64::Engine as _;
        let declared = match self.mime.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(mime) => Some(PhotoType::from_mime(mime).ok_or_else(|| {
                ApiError::Refused(format!(
                    "the photo's type `{mime}` is not accepted: send a JPEG, PNG or WebP image"
                ))
            })?),
        };
        let text = self.data.trim();
        let text = match text.split_once("base64,") {
            Some((prefix, rest)) if prefix.starts_with("data:") => rest,
            _ => text,
        };
        // Refuse by length before decoding, so an oversized upload is not decoded at all.
        if text.len() / 4 * 3 > MAX_PHOTO_BYTES + 3 {
            return Err(ApiError::Refused(
                PhotoError::TooLarge(text.len() / 4 * 3).to_string(),
            ));
        }
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(text)
            .map_err(|e| ApiError::BadRequest(format!("the photo's `data` is not base64: {e}")))?;
        let photo = Photo::from_bytes(bytes).map_err(|e| ApiError::Refused(e.to_string()))?;
        match declared {
            Some(declared) if declared != photo.mime => Err(ApiError::Refused(
                PhotoError::WrongType {
                    declared,
                    found: photo.mime,
                }
                .to_string(),
            )),
            _ => Ok(photo),
        }
    }
}

impl FindingsBody {
    fn into_findings(self) -> Findings {
        let mut findings = Findings::default();
        for (topic, body) in [
            (Topic::Rentals, self.rentals),
            (Topic::Sanitation, self.sanitation),
            (Topic::PublicOrder, self.public_order),
            (Topic::FireSafety, self.fire_safety),
            (Topic::Epidemic, self.epidemic),
        ] {
            findings.set(
                topic,
                body.map(|b| Finding {
                    ok: b.ok,
                    note: b.note.trim().to_string(),
                }),
            );
        }
        findings
    }
}

/// The schedule entry of one compound, from its inspections.
fn due_of(
    compound: &Compound,
    inspections: &[Inspection],
    state: &AppState,
    now: i64,
) -> Result<Due, ApiError> {
    let one = Dataset {
        compounds: vec![compound.clone()],
        ..Dataset::default()
    };
    due_list(
        &one,
        inspections,
        &state.snapshot().atlas.data().cadences,
        now,
    )
    .map_err(|e| ApiError::Internal(format!("due date of {}: {e}", compound.code)))?
    .pop()
    .ok_or_else(|| ApiError::Internal(format!("no due date for {}", compound.code)))
}

/// `POST /api/compounds/{code}/inspections` with `{"inspector", "role", "at"?, "findings"?,
/// "suggested_tier"?, "photo"?: {"mime", "data"}}`: records the inspection (and its photo, in the
/// same transaction) and answers with it, `has_photo`, and the compound's new place in the
/// schedule (201). A photo that is not a JPEG, PNG or WebP image of at most 5 MiB is a 422.
pub(crate) async fn record(
    State(state): State<AppState>,
    caller: Caller,
    Path(code): Path<String>,
    body: Result<Json<InspectionRequest>, JsonRejection>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    // A street chief records in their own area only: checked before the body, so that the answer
    // says so whatever the body holds.
    {
        let atlas = state.snapshot().atlas;
        if let Some(c) = atlas.compound_by_code(&code) {
            check_compound(&caller, &atlas, c)?;
        }
    }
    let Json(request) = body.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let role =
        InspectorRole::parse(&request.role).map_err(|e| ApiError::BadRequest(e.to_string()))?;
    let suggested_tier = request
        .suggested_tier
        .as_deref()
        .map(Tier::parse)
        .transpose()
        .map_err(|e| ApiError::BadRequest(e.to_string()))?;
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
    let photo = request.photo.map(PhotoBody::into_photo).transpose()?;
    let draft = Inspection {
        id: 0,
        compound: 0,
        inspector: request.inspector,
        role,
        at_ms,
        findings: request.findings.into_findings(),
        suggested_tier,
        photo: None,
    };
    let (changes, compound) = {
        let atlas = state.snapshot().atlas;
        let changes =
            record_inspection(atlas.data(), &code, draft, photo, now).map_err(|e| match e {
                InspectionError::UnknownCompound(_) => ApiError::NotFound(e.to_string()),
                InspectionError::Photo(e) => ApiError::Refused(e.to_string()),
                other => ApiError::BadRequest(other.to_string()),
            })?;
        let compound = atlas
            .compound_by_code(&code)
            .cloned()
            .ok_or_else(|| ApiError::NotFound(format!("no compound has code {code}")))?;
        (changes, compound)
    };
    let mut stored = changes.inspections[0].clone();
    let changes = changes.audited(
        caller
            .audit(
                wangge_core::AuditAction::Inspection,
                format!("compound:{code}"),
            )
            .summary(format!(
                "inspected by {} ({})",
                stored.inspector,
                stored.role.name_zh()
            ))
            .after(wire::inspection(&stored)),
    );
    let applied = state.apply(changes).await?;
    stored.id = applied.inspections.first().copied().unwrap_or_default();
    let inspections = state.store().inspections(Some(compound.id)).await?;
    let due = due_of(&compound, &inspections, &state, now)?;
    // A rental found in a compound that was red at the time is prohibited: flagged.
    let history = state.store().tier_history(compound.id).await?;
    let tier_then = wangge_core::tier_at(compound.id, compound.tier, &history, stored.at_ms);
    let prohibited = wangge_core::prohibited_rental(tier_then, &stored.findings);
    if prohibited {
        tracing::warn!(compound = %code, "a rental was found in a red compound");
    }
    let atlas = state.snapshot().atlas;
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "code": code,
            "prohibited_rental": prohibited,
            "inspection": wire::inspection(&stored),
            "has_photo": stored.photo.is_some(),
            "due": wire::due(&atlas, &due),
            "next_due": due.next_due.to_string(),
            "data_version": applied.version,
        })),
    ))
}

/// `GET /api/inspections/{id}/photo`: the photo's bytes with their type, cacheable privately for a
/// day (a photo never changes: inspections are kept as recorded); 404 when the inspection has
/// none.
pub(crate) async fn photo(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Id>,
) -> Result<Response, ApiError> {
    // A street chief sees the photos of their own compounds' inspections only.
    let scope = caller.scope(&state.snapshot().atlas);
    if let Some(scope) = scope {
        let mut theirs = false;
        for &compound in &scope.compounds {
            if state
                .store()
                .inspections(Some(compound))
                .await?
                .iter()
                .any(|i| i.id == id)
            {
                theirs = true;
                break;
            }
        }
        if !theirs {
            return Err(ApiError::Forbidden(format!(
                "inspection {id} is not of a compound in your area (street chief {})",
                scope.chief
            )));
        }
    }
    let photo = state
        .store()
        .inspection_photo(id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("inspection {id} has no photo")))?;
    Ok((
        [
            (header::CONTENT_TYPE, photo.mime.mime()),
            (header::CACHE_CONTROL, "private, max-age=86400"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        photo.bytes,
    )
        .into_response())
}

/// `GET /api/compounds/{code}/inspections`: the compound's inspections, oldest first, and its
/// place in the schedule.
pub(crate) async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Path(code): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let compound = {
        let atlas = state.snapshot().atlas;
        let c = atlas
            .compound_by_code(&code)
            .ok_or_else(|| ApiError::NotFound(format!("no compound has code {code}")))?;
        check_compound(&caller, &atlas, c)?;
        c.clone()
    };
    let inspections = state.store().inspections(Some(compound.id)).await?;
    let due = due_of(&compound, &inspections, &state, now_ms())?;
    let atlas = state.snapshot().atlas;
    Ok(Json(json!({
        "code": code,
        "name": compound.name,
        "inspections": inspections.iter().map(wire::inspection).collect::<Vec<_>>(),
        "due": wire::due(&atlas, &due),
    })))
}

/// `GET /api/due?zone=CODE&overdue=true`: every compound (whose interior point lies in the zone)
/// with its tier, last inspection, next due date (`YYYY-MM-DD`, Asia/Shanghai) and whether it is
/// overdue; the soonest due first.
pub(crate) async fn due(
    State(state): State<AppState>,
    caller: Caller,
    params: Params,
) -> Result<Json<Value>, ApiError> {
    let args = Args::new(params, &["zone", "overdue"])?;
    let only_overdue = match args.text("overdue") {
        None | Some("false") | Some("0") => false,
        Some("true") | Some("1") => true,
        Some(other) => {
            return Err(ApiError::BadRequest(format!(
                "`overdue` is true or false, not `{other}`"
            )));
        }
    };
    let atlas = state.snapshot().atlas;
    let zone = args
        .text("zone")
        .map(|code| {
            atlas
                .zone_by_code(code)
                .ok_or_else(|| ApiError::NotFound(format!("no zone has code {code}")))
        })
        .transpose()?;
    // Read every inspection after taking the atlas, so that an inspection recorded in between is
    // counted rather than missed; its compound is in the atlas already.
    let inspections = state.store().inspections(None).await?;
    let now = now_ms();
    let mut list = due_in(&atlas, zone, &inspections, now)?;
    // A street chief's list holds their own compounds only.
    if let Some(scope) = caller.scope(&atlas) {
        list.retain(|d| scope.compounds.contains(&d.compound));
    }
    let overdue = list.iter().filter(|d| d.overdue).count();
    let shown: Vec<Value> = list
        .iter()
        .filter(|d| !only_overdue || d.overdue)
        .map(|d| wire::due(&atlas, d))
        .collect();
    let cadences = atlas.data().cadences;
    Ok(Json(json!({
        "zone": zone.map(|z| z.code.as_str()),
        "today": local_date(now, &shanghai()).map(|d| d.to_string()).ok(),
        "time_zone": "Asia/Shanghai",
        "cadences": {
            "green": cadences.green.to_string(),
            "yellow": cadences.yellow.to_string(),
            "red": cadences.red.to_string(),
        },
        "total": list.len(),
        "overdue": overdue,
        "compounds": shown,
    })))
}

/// The due list of the compounds in `zone` (all when `None`).
fn due_in(
    atlas: &Atlas,
    zone: Option<&wangge_core::Zone>,
    inspections: &[Inspection],
    now: i64,
) -> Result<Vec<Due>, ApiError> {
    let compounds = compounds_in(atlas, zone);
    // due_list takes a dataset; the compounds' geometry is not needed for dates, so it is left
    // out rather than copied.
    let data = Dataset {
        compounds: compounds
            .into_iter()
            .map(|c| Compound {
                geometry: geo::MultiPolygon(Vec::new()),
                ..c.clone()
            })
            .collect(),
        ..Dataset::default()
    };
    due_list(&data, inspections, &atlas.data().cadences, now)
        .map_err(|e| ApiError::Internal(format!("due dates: {e}")))
}
