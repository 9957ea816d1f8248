//! The read-only JSON API: health, statistics, levels, point lookup, and paged GeoJSON lists of
//! every layer with a bounding-box filter.

use std::collections::HashMap;

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::Uri;
use axum::response::Html;
use geo::{Point, Rect, coord};
use serde_json::{Value, json};
use wangge_core::{Atlas, Layer, Stats, Tier};

use crate::access::{Caller, check_compound};
use crate::{ApiError, AppState, wire};

pub(crate) type Params = Result<Query<HashMap<String, String>>, QueryRejection>;

/// The default and largest page sizes.
const DEFAULT_LIMIT: usize = 100;
const MAX_LIMIT: usize = 1000;

/// Query parameters, checked: unknown names and malformed values are refused with a message.
pub(crate) struct Args {
    map: HashMap<String, String>,
}

impl Args {
    pub(crate) fn new(params: Params, allowed: &[&str]) -> Result<Self, ApiError> {
        let Query(map) = params.map_err(|e| ApiError::BadRequest(e.body_text()))?;
        if let Some(unknown) = map.keys().find(|k| !allowed.contains(&k.as_str())) {
            return Err(ApiError::BadRequest(format!(
                "unknown parameter `{unknown}`; this endpoint takes {}",
                allowed.join(", ")
            )));
        }
        Ok(Self { map })
    }

    pub(crate) fn text(&self, name: &str) -> Option<&str> {
        self.map.get(name).map(String::as_str)
    }

    fn number<T: std::str::FromStr>(&self, name: &str) -> Result<Option<T>, ApiError> {
        self.text(name)
            .map(|v| {
                v.trim().parse().map_err(|_| {
                    ApiError::BadRequest(format!("`{name}` must be a number, not `{v}`"))
                })
            })
            .transpose()
    }

    pub(crate) fn page(&self) -> Result<(usize, usize), ApiError> {
        let offset = self.number::<usize>("offset")?.unwrap_or(0);
        let limit = self.number::<usize>("limit")?.unwrap_or(DEFAULT_LIMIT);
        if limit == 0 || limit > MAX_LIMIT {
            return Err(ApiError::BadRequest(format!(
                "`limit` must be between 1 and {MAX_LIMIT}, not {limit}"
            )));
        }
        Ok((offset, limit))
    }

    /// `bbox=min_lon,min_lat,max_lon,max_lat`.
    fn bbox(&self) -> Result<Option<Rect<f64>>, ApiError> {
        let Some(text) = self.text("bbox") else {
            return Ok(None);
        };
        let bad = |why: &str| {
            ApiError::BadRequest(format!(
                "`bbox={text}` {why}; write bbox=min_lon,min_lat,max_lon,max_lat in degrees"
            ))
        };
        let numbers: Vec<f64> = text
            .split(',')
            .map(|p| p.trim().parse::<f64>())
            .collect::<Result<_, _>>()
            .map_err(|_| bad("has a part that is not a number"))?;
        let [x0, y0, x1, y1] = numbers[..] else {
            return Err(bad("must have four numbers"));
        };
        if numbers.iter().any(|v| !v.is_finite()) {
            return Err(bad("has a value that is not finite"));
        }
        if !(-180.0..=180.0).contains(&x0)
            || !(-180.0..=180.0).contains(&x1)
            || !(-90.0..=90.0).contains(&y0)
            || !(-90.0..=90.0).contains(&y1)
        {
            return Err(bad("is outside longitude -180..180 / latitude -90..90"));
        }
        if x0 > x1 || y0 > y1 {
            return Err(bad("has its minimum above its maximum"));
        }
        Ok(Some(Rect::new(
            coord! { x: x0, y: y0 },
            coord! { x: x1, y: y1 },
        )))
    }
}

/// A page of features as a FeatureCollection with paging members.
fn collection(features: Vec<Value>, total: usize, offset: usize, limit: usize) -> Json<Value> {
    let next = (offset + features.len() < total).then_some(offset + features.len());
    Json(json!({
        "type": "FeatureCollection",
        "features": features,
        "total": total,
        "offset": offset,
        "limit": limit,
        "next": next,
    }))
}

fn everything() -> Rect<f64> {
    Rect::new(coord! { x: -180.0, y: -90.0 }, coord! { x: 180.0, y: 90.0 })
}

/// Records of `layer` in the box (or all), filtered, paged, as features.
fn list(
    atlas: &Atlas,
    layer: Layer,
    args: &Args,
    keep: impl Fn(usize) -> bool,
) -> Result<Json<Value>, ApiError> {
    let (offset, limit) = args.page()?;
    let rect = args.bbox()?.unwrap_or_else(everything);
    let mut found: Vec<usize> = atlas
        .in_box(layer, rect)
        .into_iter()
        .filter(|&i| keep(i))
        .collect();
    let id = |i: usize| -> i64 {
        let d = atlas.data();
        match layer {
            Layer::Zones => d.zones[i].id,
            Layer::Compounds => d.compounds[i].id,
            Layer::Buildings => d.buildings[i].id,
            Layer::Streets => d.streets[i].id,
        }
    };
    found.sort_by_key(|&i| id(i));
    let total = found.len();
    let features = found
        .into_iter()
        .skip(offset)
        .take(limit)
        .map(|i| wire::feature_of(atlas, layer, i))
        .collect();
    Ok(collection(features, total, offset, limit))
}

pub(crate) async fn landing() -> Html<&'static str> {
    Html(include_str!("landing.html"))
}

pub(crate) async fn health(State(state): State<AppState>) -> Json<Value> {
    let snapshot = state.snapshot();
    let cache = state.tiles().stats();
    Json(json!({
        "status": "ok",
        "store": state.store().describe(),
        "data_version": snapshot.version,
        "tile_cache": { "entries": cache.entries, "hits": cache.hits, "misses": cache.misses },
        "version": env!("CARGO_PKG_VERSION"),
    }))
}

/// `GET /api`: every route with the roles that may call it.
pub(crate) async fn index() -> Json<Value> {
    let endpoints: Vec<Value> = crate::routes()
        .into_iter()
        .map(|(method, path, access)| {
            json!({ "method": method.as_str(), "path": path, "roles": access.describe() })
        })
        .collect();
    Json(json!({
        "endpoints": endpoints,
        "sign_in": "POST /api/session with {\"username\", \"password\"}: a session cookie, and a token to send as Authorization: Bearer",
        "bbox": "min_lon,min_lat,max_lon,max_lat (WGS-84 degrees)",
        "paging": format!("offset from 0; limit 1..{MAX_LIMIT}, default {DEFAULT_LIMIT}; `next` is the offset of the next page or null"),
    }))
}

pub(crate) async fn stats(State(state): State<AppState>) -> Json<Stats> {
    Json(Stats::of(state.snapshot().atlas.data()))
}

pub(crate) async fn levels(State(state): State<AppState>) -> Json<Value> {
    Json(json!({ "levels": state.snapshot().atlas.data().levels.levels }))
}

pub(crate) async fn locate(
    State(state): State<AppState>,
    params: Params,
) -> Result<Json<Value>, ApiError> {
    let args = Args::new(params, &["lon", "lat"])?;
    let (Some(lon), Some(lat)) = (args.number::<f64>("lon")?, args.number::<f64>("lat")?) else {
        return Err(ApiError::BadRequest(
            "give both `lon` and `lat` in WGS-84 degrees".into(),
        ));
    };
    if !(-180.0..=180.0).contains(&lon) || !(-90.0..=90.0).contains(&lat) {
        return Err(ApiError::BadRequest(format!(
            "({lon}, {lat}) is not a longitude/latitude"
        )));
    }
    let atlas = state.snapshot().atlas;
    let point = Point::new(lon, lat);
    let zones: Vec<Value> = atlas
        .zones_containing(point)
        .into_iter()
        .map(|z| {
            let mut f = wire::zone(&atlas, z);
            f["geometry"] = Value::Null;
            f
        })
        .collect();
    let street = atlas.nearest_street(point).map(|n| {
        json!({
            "id": n.street.id,
            "name": n.street.name,
            "class": n.street.class.as_str(),
            "distance_m": (n.distance_m * 10.0).round() / 10.0,
            "point": [n.point.x(), n.point.y()],
        })
    });
    Ok(Json(
        json!({ "lon": lon, "lat": lat, "zones": zones, "nearest_street": street }),
    ))
}

pub(crate) async fn zones(
    State(state): State<AppState>,
    params: Params,
) -> Result<Json<Value>, ApiError> {
    let args = Args::new(params, &["level", "parent", "bbox", "offset", "limit"])?;
    let atlas = state.snapshot().atlas;
    let level = args.text("level");
    if let Some(level) = level {
        atlas
            .data()
            .levels
            .index_of(level)
            .map_err(|e| ApiError::BadRequest(e.to_string()))?;
    }
    let parent = match args.text("parent") {
        Some(code) => Some(
            atlas
                .zone_by_code(code)
                .map(|z| z.id)
                .ok_or_else(|| ApiError::NotFound(format!("no zone has code {code}")))?,
        ),
        None => None,
    };
    let data = atlas.data();
    list(&atlas, Layer::Zones, &args, |i| {
        let z = &data.zones[i];
        level.is_none_or(|l| z.level == l) && parent.is_none_or(|p| z.parent == Some(p))
    })
}

pub(crate) async fn zone(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let atlas = state.snapshot().atlas;
    let z = atlas
        .zone_by_code(&code)
        .ok_or_else(|| ApiError::NotFound(format!("no zone has code {code}")))?;
    Ok(Json(wire::zone(&atlas, z)))
}

/// `GET /api/compounds`: the compounds the caller may see (a street chief: their own).
pub(crate) async fn compounds(
    State(state): State<AppState>,
    caller: Caller,
    params: Params,
) -> Result<Json<Value>, ApiError> {
    let args = Args::new(params, &["tier", "bbox", "offset", "limit"])?;
    let tier = args
        .text("tier")
        .map(Tier::parse)
        .transpose()
        .map_err(|e| ApiError::BadRequest(e.to_string()))?;
    let atlas = state.snapshot().atlas;
    let data = atlas.data();
    let scope = caller.scope(&atlas);
    list(&atlas, Layer::Compounds, &args, |i| {
        let c = &data.compounds[i];
        tier.is_none_or(|t| c.tier == t)
            && scope.as_ref().is_none_or(|s| s.compounds.contains(&c.id))
    })
}

/// `GET /api/compounds/{code}`: one compound (a street chief: one of their own).
pub(crate) async fn compound(
    State(state): State<AppState>,
    caller: Caller,
    Path(code): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let atlas = state.snapshot().atlas;
    let c = atlas
        .compound_by_code(&code)
        .ok_or_else(|| ApiError::NotFound(format!("no compound has code {code}")))?;
    check_compound(&caller, &atlas, c)?;
    let mut feature = wire::compound(&atlas, c);
    let inspections = state.store().inspections(Some(c.id)).await?;
    let latest = wangge_core::inspections::latest_inspections(&inspections);
    feature["properties"]["last_inspection"] = wire::last_inspection(latest.get(&c.id).copied());
    Ok(Json(feature))
}

pub(crate) async fn buildings(
    State(state): State<AppState>,
    caller: Caller,
    params: Params,
) -> Result<Json<Value>, ApiError> {
    let args = Args::new(params, &["compound", "bbox", "offset", "limit"])?;
    let atlas = state.snapshot().atlas;
    let compound = match args.text("compound") {
        Some(code) => Some(
            atlas
                .compound_by_code(code)
                .map(|c| c.id)
                .ok_or_else(|| ApiError::NotFound(format!("no compound has code {code}")))?,
        ),
        None => None,
    };
    let data = atlas.data();
    let scope = caller.scope(&atlas);
    list(&atlas, Layer::Buildings, &args, |i| {
        let b = &data.buildings[i];
        compound.is_none_or(|c| b.compound == Some(c))
            && scope.as_ref().is_none_or(|s| s.buildings.contains(&b.id))
    })
}

pub(crate) async fn building(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let id: i64 = id
        .parse()
        .map_err(|_| ApiError::BadRequest(format!("building id `{id}` is not a number")))?;
    let atlas = state.snapshot().atlas;
    let b = atlas
        .building(id)
        .ok_or_else(|| ApiError::NotFound(format!("no building has id {id}")))?;
    if let Some(scope) = caller.scope(&atlas) {
        scope.building(id)?;
    }
    Ok(Json(wire::building(&atlas, b)))
}

pub(crate) async fn streets(
    State(state): State<AppState>,
    caller: Caller,
    params: Params,
) -> Result<Json<Value>, ApiError> {
    let args = Args::new(params, &["bbox", "offset", "limit"])?;
    let atlas = state.snapshot().atlas;
    let scope = caller.scope(&atlas);
    let data = atlas.data();
    list(&atlas, Layer::Streets, &args, |i| {
        scope
            .as_ref()
            .is_none_or(|s| s.streets.contains(&data.streets[i].id))
    })
}

/// `GET /api/streets/{id}`: one street segment, with its chiefs by level and its street's partner
/// departments.
pub(crate) async fn street(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let id: i64 = id
        .parse()
        .map_err(|_| ApiError::BadRequest(format!("street id `{id}` is not a number")))?;
    let atlas = state.snapshot().atlas;
    let s = atlas
        .data()
        .streets
        .iter()
        .find(|s| s.id == id)
        .ok_or_else(|| ApiError::NotFound(format!("no street segment has id {id}")))?;
    if let Some(scope) = caller.scope(&atlas) {
        scope.street(id)?;
    }
    Ok(Json(wire::street(&atlas, s)))
}

pub(crate) async fn not_found(uri: Uri) -> ApiError {
    ApiError::NotFound(format!(
        "nothing at {}; GET /api lists the endpoints",
        uri.path()
    ))
}
