//! What the leader view needs beyond plain lists: the jurisdiction's metadata, tier summaries per
//! zone for drill-down, tier changes with their history, map styles, and printable PNG maps.

use axum::Json;
use axum::body::Body;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use geo::{BoundingRect, Covers, InteriorPoint};
use serde::Deserialize;
use serde_json::{Value, json};
use wangge_core::{Atlas, Tier, TierChange, TierChangeError, Zone, tier_change};

use crate::tiles::base_url;
use crate::{ApiError, AppState, wire};

/// `GET /api/meta`: name, extent and credits of the jurisdiction.
pub(crate) async fn meta(State(state): State<AppState>) -> Json<Value> {
    let snapshot = state.snapshot();
    let data = snapshot.atlas.data();
    let top = data.main_zone();
    // The map opens on the main zone; everything else is context around it.
    let extent = top
        .and_then(|z| z.geometry.bounding_rect())
        .or_else(|| snapshot.atlas.extent());
    Json(json!({
        "name": top.map(|z| z.name.as_str()),
        "code": top.map(|z| z.code.as_str()),
        "bbox": extent.map(|r| [r.min().x, r.min().y, r.max().x, r.max().y]),
        "center": extent.map(|r| [r.center().x, r.center().y]),
        "attribution": data.attribution,
        "levels": data.levels.levels,
        "data_version": snapshot.version,
    }))
}

/// The compounds whose interior point lies in `zone` (all when `None`): how a compound straddling
/// a boundary is counted in exactly one zone.
pub(crate) fn compounds_in<'a>(
    atlas: &'a Atlas,
    zone: Option<&Zone>,
) -> Vec<&'a wangge_core::Compound> {
    match zone {
        Some(z) => match z.geometry.bounding_rect() {
            Some(rect) => atlas
                .compounds_in(rect)
                .filter(|c| {
                    c.geometry
                        .interior_point()
                        .is_some_and(|p| z.geometry.covers(&p))
                })
                .collect(),
            None => Vec::new(),
        },
        None => atlas.data().compounds.iter().collect(),
    }
}

/// Counts of compounds by tier among those whose interior point lies in `zone` (all when `None`).
fn tiers_in(atlas: &Atlas, zone: Option<&Zone>) -> Value {
    let mut counts = [0usize; 3];
    for c in compounds_in(atlas, zone) {
        counts[Tier::ALL.iter().position(|t| *t == c.tier).unwrap_or(0)] += 1;
    }
    json!({ "green": counts[0], "yellow": counts[1], "red": counts[2] })
}

fn zone_brief(atlas: &Atlas, z: &Zone) -> Value {
    let level = atlas.data().levels.get(&z.level).ok();
    json!({
        "code": z.code,
        "name": z.name,
        "level": z.level,
        "level_name": level.map(|l| l.name_zh.as_str()),
        "level_name_en": level.map(|l| l.name_en.as_str()),
        "households": z.totals.households,
        "population": z.totals.population,
        "compounds": z.totals.compounds,
        "bbox": z.geometry.bounding_rect().map(|r| [r.min().x, r.min().y, r.max().x, r.max().y]),
    })
}

pub(crate) fn summary_of(atlas: &Atlas, zone: Option<&Zone>) -> Value {
    let data = atlas.data();
    let children: Vec<&Zone> = match zone {
        Some(z) => data
            .zones
            .iter()
            .filter(|c| c.parent == Some(z.id))
            .collect(),
        None => data.zones.iter().filter(|c| c.parent.is_none()).collect(),
    };
    let mut children: Vec<Value> = children
        .into_iter()
        .map(|c| {
            let mut brief = zone_brief(atlas, c);
            brief["tiers"] = tiers_in(atlas, Some(c));
            brief
        })
        .collect();
    children.sort_by(|a, b| a["code"].as_str().cmp(&b["code"].as_str()));
    let zone_value = match zone {
        Some(z) => zone_brief(atlas, z),
        None => {
            json!({ "code": null, "name": "全部", "level": null, "households": data.buildings.iter().map(|b| u64::from(b.households)).sum::<u64>() })
        }
    };
    json!({ "zone": zone_value, "tiers": tiers_in(atlas, zone), "children": children })
}

/// `GET /api/summary`: the main zone (see `Dataset::main_zone`), or every top zone.
pub(crate) async fn summary(State(state): State<AppState>) -> Json<Value> {
    let atlas = state.snapshot().atlas;
    let zone = atlas.data().main_zone();
    Json(summary_of(&atlas, zone))
}

/// `GET /api/zones/{code}/summary`.
pub(crate) async fn zone_summary(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let atlas = state.snapshot().atlas;
    let zone = atlas
        .zone_by_code(&code)
        .ok_or_else(|| ApiError::NotFound(format!("no zone has code {code}")))?;
    let mut summary = summary_of(&atlas, Some(zone));
    summary["parent_code"] = json!(
        zone.parent
            .and_then(|p| atlas.zone(p))
            .map(|p| p.code.clone())
    );
    Ok(Json(summary))
}

/// The body of a tier change.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TierRequest {
    tier: String,
    reason: String,
    /// Accepted from older clients and ignored: the author is the signed-in user.
    #[serde(default, rename = "by")]
    _by: serde::de::IgnoredAny,
}

pub(crate) fn now_ms() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}

pub(crate) fn iso(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.to_string())
        .unwrap_or_default()
}

fn change_json(c: &TierChange) -> Value {
    json!({
        "from": c.from.as_str(),
        "to": c.to.as_str(),
        "reason": c.reason,
        "by": c.by,
        "at": iso(c.at_ms),
    })
}

/// `POST /api/compounds/{code}/tier` with `{"tier", "reason"}`: changes the tier, keeps the
/// history (by the signed-in user; `by` in the body is ignored then), and the next tile shows
/// the new colour.
pub(crate) async fn set_tier(
    State(state): State<AppState>,
    caller: crate::access::Caller,
    Path(code): Path<String>,
    body: Result<Json<TierRequest>, JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    let Json(request) = body.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let to = Tier::parse(&request.tier).map_err(|e| ApiError::BadRequest(e.to_string()))?;
    let author = caller.author()?;
    let by = author.as_str();
    let changes = {
        let atlas = state.snapshot().atlas;
        tier_change(atlas.data(), &code, to, &request.reason, by, now_ms()).map_err(
            |e| match e {
                TierChangeError::UnknownCompound(_) => ApiError::NotFound(e.to_string()),
                other => ApiError::BadRequest(other.to_string()),
            },
        )?
    };
    let change = changes.tier_changes[0].clone();
    let changes = changes.audited(
        caller
            .audit(wangge_core::AuditAction::Tier, format!("compound:{code}"))
            .summary(format!(
                "{} → {}: {}",
                change.from.name_zh(),
                change.to.name_zh(),
                change.reason
            ))
            .before(json!({ "tier": change.from.as_str() }))
            .after(json!({ "tier": change.to.as_str(), "reason": change.reason })),
    );
    let applied = state.apply(changes).await?;
    let atlas = state.snapshot().atlas;
    let feature = atlas
        .compound_by_code(&code)
        .map(|c| wire::compound(&atlas, c))
        .unwrap_or(Value::Null);
    Ok(Json(
        json!({ "compound": feature, "change": change_json(&change), "data_version": applied.version }),
    ))
}

/// `GET /api/compounds/{code}/history`: tier changes, oldest first.
pub(crate) async fn tier_history(
    State(state): State<AppState>,
    caller: crate::access::Caller,
    Path(code): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let id = {
        let atlas = state.snapshot().atlas;
        let c = atlas
            .compound_by_code(&code)
            .ok_or_else(|| ApiError::NotFound(format!("no compound has code {code}")))?;
        crate::access::check_compound(&caller, &atlas, c)?;
        c.id
    };
    let history = state.store().tier_history(id).await?;
    Ok(Json(
        json!({ "code": code, "history": history.iter().map(change_json).collect::<Vec<_>>() }),
    ))
}

/// The styles shipped in `tiles/styles/`, compiled in.
const STYLES: &[(&str, &str)] = &[
    ("leader", include_str!("../../../tiles/styles/leader.json")),
    ("patrol", include_str!("../../../tiles/styles/patrol.json")),
];

/// `GET /styles/{name}.json`: a MapLibre style whose `{base}` placeholders become this server's
/// origin, since MapLibre needs absolute source URLs.
pub(crate) async fn style(
    Path(file): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let name = file.strip_suffix(".json").unwrap_or(&file);
    let (_, text) = STYLES.iter().find(|(n, _)| *n == name).ok_or_else(|| {
        ApiError::NotFound(format!(
            "no style `{name}`; the styles are {}",
            STYLES
                .iter()
                .map(|(n, _)| *n)
                .collect::<Vec<_>>()
                .join(", ")
        ))
    })?;
    let body = text.replace("{base}", &base_url(&headers));
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ],
        body,
    )
        .into_response())
}

/// Options of a rendered map.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RenderQuery {
    width: Option<u32>,
    lang: Option<String>,
}

/// `GET /render/{zone}.png` (`all.png` for everything): a printable map in tier colours.
pub(crate) async fn render(
    State(state): State<AppState>,
    Path(file): Path<String>,
    query: Result<Query<RenderQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(query) = query.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let code = file
        .strip_suffix(".png")
        .ok_or_else(|| {
            ApiError::NotFound(format!("maps are PNG: /render/{{zone}}.png, not {file}"))
        })?
        .to_string();
    let width = query.width.unwrap_or(1600);
    if !(200..=6000).contains(&width) {
        return Err(ApiError::BadRequest(format!(
            "`width` must be 200 to 6000 pixels, not {width}"
        )));
    }
    let lang = match query.lang.as_deref() {
        None | Some("zh") | Some("zh-CN") => wangge_tiles::Lang::Zh,
        Some("en") => wangge_tiles::Lang::En,
        Some(other) => {
            return Err(ApiError::BadRequest(format!(
                "`lang` is zh or en, not {other}"
            )));
        }
    };
    let atlas = state.snapshot().atlas;
    let (area, title) = if code == "all" {
        let name = atlas
            .data()
            .main_zone()
            .map_or_else(|| "wangge".to_string(), |z| z.name.clone());
        (None, name)
    } else {
        let zone = atlas
            .zone_by_code(&code)
            .ok_or_else(|| ApiError::NotFound(format!("no zone has code {code}")))?;
        (zone.geometry.bounding_rect(), zone.name.clone())
    };
    let options = wangge_tiles::RenderOptions {
        width,
        font: state.options().font.clone(),
        lang,
        attribution: (!atlas.data().attribution.is_empty())
            .then(|| atlas.data().attribution.join(" · ")),
    };
    let png = tokio::task::spawn_blocking(move || {
        wangge_tiles::render_png(&atlas, area, &title, &options)
    })
    .await
    .map_err(|e| ApiError::Internal(format!("rendering {code}: {e}")))?
    .map_err(|e| match e {
        // What the caller asked for cannot be drawn.
        wangge_tiles::TileError::InvalidWidth { .. }
        | wangge_tiles::TileError::TooTall { .. }
        | wangge_tiles::TileError::EmptyArea { .. } => {
            ApiError::BadRequest(format!("cannot draw {code}: {e}"))
        }
        other => ApiError::Internal(format!("rendering {code}: {other}")),
    })?;
    let mut response = Response::new(Body::from(png));
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("image/png"));
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    Ok(response)
}
