//! Street chiefs over HTTP: the roster with live workloads, one chief's area (what the patrol view
//! shows), and manual reassignment (what the planner's drag does).

use std::collections::{BTreeMap, HashMap};

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use geo::{BoundingRect, Centroid, InteriorPoint, Point};
use serde::Deserialize;
use serde_json::{Value, json};
use wangge_assign::{ChiefLoad, Weights, chief_areas_on, reassign, workloads};
use wangge_core::{Atlas, Chief, ChiefLevel, Dataset, DutyKind, Id, chief_level, length_m};
use wangge_tiles::{ChiefMap, ChiefShape};

use crate::{ApiError, AppState};

/// The band `workloads` marks chiefs against, as `wangge assign` balances by default.
const SPREAD: f64 = 0.25;

/// `?level=` and `?community=` of the roster.
#[derive(Debug, Deserialize)]
pub(crate) struct RosterQuery {
    level: Option<String>,
    community: Option<String>,
}

fn chief_json(atlas: &Atlas, c: &Chief) -> Value {
    json!({
        "id": c.id,
        "name": c.name,
        "phone": c.phone,
        "role": c.role.as_str(),
        "role_name": c.role.name_zh(),
        "level": chief_level(c).as_str(),
        "level_name": chief_level(c).name_zh(),
        "community": c.community.and_then(|z| atlas.zone(z)).map(|z| z.code.as_str()),
        "community_name": c.community.and_then(|z| atlas.zone(z)).map(|z| z.name.as_str()),
    })
}

fn load_json(load: &ChiefLoad) -> Value {
    json!({
        "buildings": load.buildings,
        "streets": load.streets,
        "households": load.households,
        "street_m": load.street_m.round(),
        "workload": (load.workload * 10.0).round() / 10.0,
        "mean": (load.mean * 10.0).round() / 10.0,
        "deviation": (load.deviation * 1000.0).round() / 1000.0,
        "within_band": load.within_band,
    })
}

fn parse_level(text: &str) -> Result<ChiefLevel, ApiError> {
    ChiefLevel::parse(text).map_err(|e| ApiError::BadRequest(e.to_string()))
}

/// The live workloads of every chief on `level`, by chief id.
fn loads(data: &Dataset, level: ChiefLevel) -> HashMap<Id, ChiefLoad> {
    workloads(data, &data.duties, level, &Weights::default(), SPREAD)
        .into_iter()
        .map(|l| (l.chief, l))
        .collect()
}

/// Every chief's area on every chief level that has duties, with live workloads: what the
/// `chiefs` and `patrol` tiles are drawn from. Areas need a community level; without one (or
/// when drawing fails) the map is empty and the failure logged, so tiles stay empty rather than
/// failing.
pub(crate) fn chief_map(atlas: &Atlas) -> ChiefMap {
    let data = atlas.data();
    let mut levels: Vec<ChiefLevel> = data.duties.iter().map(|d| d.level).collect();
    levels.sort_unstable();
    levels.dedup();
    if levels.is_empty() {
        return ChiefMap::default();
    }
    let areas = match chief_areas_on(data, &data.duties, &levels) {
        Ok(areas) => areas,
        Err(e) => {
            tracing::warn!(%e, "cannot draw the chiefs' areas");
            return ChiefMap::default();
        }
    };
    let loads: HashMap<ChiefLevel, HashMap<Id, ChiefLoad>> =
        levels.iter().map(|&l| (l, loads(data, l))).collect();
    let shapes = areas
        .into_iter()
        .map(|a| {
            let load = loads.get(&a.level).and_then(|l| l.get(&a.chief));
            ChiefShape {
                chief: a.chief,
                level: a.level,
                geometry: a.geometry,
                workload: load.map_or(0.0, |l| l.workload),
                households: load.map_or(0, |l| l.households),
                street_m: load.map_or(0.0, |l| l.street_m),
                buildings: load.map_or(0, |l| l.buildings),
                streets: load.map_or(0, |l| l.streets),
                within_band: load.is_some_and(|l| l.within_band),
            }
        })
        .collect();
    ChiefMap::new(atlas, shapes)
}

/// `GET /api/chiefs?level=&community=`: the roster with each chief's live workload.
pub(crate) async fn list(
    State(state): State<AppState>,
    Query(query): Query<RosterQuery>,
) -> Result<Json<Value>, ApiError> {
    let atlas = state.snapshot().atlas;
    let data = atlas.data();
    let level = query.level.as_deref().map(parse_level).transpose()?;
    let community = match query.community.as_deref() {
        Some(code) => Some(
            atlas
                .zone_by_code(code)
                .ok_or_else(|| ApiError::NotFound(format!("no zone has code {code}")))?
                .id,
        ),
        None => None,
    };
    let mut by_level: BTreeMap<&str, HashMap<Id, ChiefLoad>> = BTreeMap::new();
    let chiefs: Vec<Value> = data
        .chiefs
        .iter()
        .filter(|c| level.is_none_or(|l| chief_level(c) == l))
        .filter(|c| community.is_none_or(|z| c.community == Some(z)))
        .map(|c| {
            let l = chief_level(c);
            let loads = by_level.entry(l.as_str()).or_insert_with(|| loads(data, l));
            let mut value = chief_json(&atlas, c);
            value["load"] = loads.get(&c.id).map_or(Value::Null, load_json);
            value
        })
        .collect();
    Ok(Json(json!({ "count": chiefs.len(), "chiefs": chiefs })))
}

/// `GET /api/chiefs/{id}`: one chief, their workload, and their area on their own level: the
/// compounds (with tiers) and streets they answer for, its box, and today's round.
pub(crate) async fn get(
    State(state): State<AppState>,
    caller: crate::access::Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let id = parse_id(&id)?;
    let atlas = state.snapshot().atlas;
    if let Some(scope) = caller.scope(&atlas) {
        scope.chief(id)?;
    }
    Ok(Json(area(&atlas, id)?))
}

fn parse_id(text: &str) -> Result<Id, ApiError> {
    text.parse()
        .map_err(|_| ApiError::BadRequest(format!("`{text}` is not a chief id (a number)")))
}

/// A chief's area as the patrol view shows it.
pub(crate) fn area(atlas: &Atlas, id: Id) -> Result<Value, ApiError> {
    let data = atlas.data();
    let chief = atlas
        .chief(id)
        .ok_or_else(|| ApiError::NotFound(format!("no chief has id {id}")))?;
    let level = chief_level(chief);
    let mine = data
        .duties
        .iter()
        .filter(|d| d.chief == id && d.level == level);
    let (mut building_ids, mut street_ids) = (Vec::new(), Vec::new());
    for d in mine {
        match d.kind {
            DutyKind::Building => building_ids.push(d.target),
            DutyKind::Street => street_ids.push(d.target),
        }
    }
    let buildings: HashMap<Id, &wangge_core::Building> =
        data.buildings.iter().map(|b| (b.id, b)).collect();
    let streets: HashMap<Id, &wangge_core::StreetSegment> =
        data.streets.iter().map(|s| (s.id, s)).collect();
    // Compounds with the chief's buildings in them; buildings outside compounds stand alone.
    let mut compounds: BTreeMap<Id, (u64, usize, Vec<Point<f64>>)> = BTreeMap::new();
    let mut loose: Vec<Value> = Vec::new();
    let mut stops: Vec<(Point<f64>, Value)> = Vec::new();
    let mut bbox: Option<geo::Rect<f64>> = None;
    let mut grow = |r: Option<geo::Rect<f64>>| {
        bbox = wangge_core::merge_boxes(bbox, r);
    };
    for b in building_ids.iter().filter_map(|id| buildings.get(id)) {
        grow(b.geometry.bounding_rect());
        let Some(point) = b.geometry.interior_point() else {
            continue;
        };
        match b.compound {
            Some(c) => {
                let entry = compounds.entry(c).or_default();
                entry.0 += u64::from(b.households);
                entry.1 += 1;
                entry.2.push(point);
            }
            None => {
                let value = json!({
                    "kind": "building",
                    "id": b.id,
                    "name": b.name.clone().or_else(|| b.address.clone()),
                    "households": b.households,
                    "lon": point.x(),
                    "lat": point.y(),
                });
                loose.push(value.clone());
                stops.push((point, value));
            }
        }
    }
    let mut compound_list = Vec::new();
    for (cid, (households, count, points)) in &compounds {
        let Some(c) = atlas.compound(*cid) else {
            continue;
        };
        let n = points.len().max(1) as f64;
        let at = Point::new(
            points.iter().map(|p| p.x()).sum::<f64>() / n,
            points.iter().map(|p| p.y()).sum::<f64>() / n,
        );
        let value = json!({
            "kind": "compound",
            "code": c.code,
            "name": c.name,
            "tier": c.tier.as_str(),
            "tier_name": c.tier.name_zh(),
            "households": households,
            "buildings": count,
            "lon": at.x(),
            "lat": at.y(),
        });
        compound_list.push(value.clone());
        stops.push((at, value));
    }
    // Red compounds first in the list, then yellow, then green; by code within a tier.
    let rank = |tier: &str| match tier {
        "red" => 0,
        "yellow" => 1,
        _ => 2,
    };
    compound_list.sort_by(|a, b| {
        let key = |v: &Value| {
            (
                rank(v["tier"].as_str().unwrap_or_default()),
                v["code"].as_str().unwrap_or_default().to_string(),
            )
        };
        key(a).cmp(&key(b))
    });
    let mut street_list = Vec::new();
    let mut street_m = 0.0;
    for s in street_ids.iter().filter_map(|id| streets.get(id)) {
        grow(s.geometry.bounding_rect());
        let length = length_m(&s.geometry);
        street_m += length;
        let at = s.geometry.centroid();
        let value = json!({
            "kind": "street",
            "id": s.id,
            "name": s.name,
            "class": s.class.as_str(),
            "class_name": s.class.name_zh(),
            "length_m": length.round(),
            "lon": at.map(|p| p.x()),
            "lat": at.map(|p| p.y()),
        });
        street_list.push(value.clone());
        if let Some(at) = at {
            stops.push((at, value));
        }
    }
    let load = loads(data, level).remove(&id);
    Ok(json!({
        "chief": chief_json(atlas, chief),
        "load": load.as_ref().map_or(Value::Null, load_json),
        "bbox": bbox.map(|r| [r.min().x, r.min().y, r.max().x, r.max().y]),
        "compounds": compound_list,
        "buildings": { "count": building_ids.len(), "outside_compounds": loose },
        "streets": street_list,
        "street_m": street_m.round(),
        "round": round(stops),
    }))
}

/// Today's round: every stop once, walking on from each to the nearest one not yet visited,
/// starting in the north-west corner — a short walk along the streets of a compact area.
fn round(mut stops: Vec<(Point<f64>, Value)>) -> Vec<Value> {
    let mut out = Vec::with_capacity(stops.len());
    let Some(start) = stops
        .iter()
        .enumerate()
        .min_by(|(_, a), (_, b)| (a.0.x() - a.0.y()).total_cmp(&(b.0.x() - b.0.y())))
        .map(|(i, _)| i)
    else {
        return out;
    };
    let (mut at, first) = stops.swap_remove(start);
    out.push(first);
    // Degrees scaled by the cosine of the latitude are close enough to compare distances.
    let k = at.y().to_radians().cos();
    while !stops.is_empty() {
        let next = stops
            .iter()
            .enumerate()
            .min_by(|(_, a), (_, b)| {
                let d = |p: &Point<f64>| ((p.x() - at.x()) * k).hypot(p.y() - at.y());
                d(&a.0).total_cmp(&d(&b.0))
            })
            .map_or(0, |(i, _)| i);
        let (p, value) = stops.swap_remove(next);
        at = p;
        out.push(value);
    }
    for (i, stop) in out.iter_mut().enumerate() {
        stop["order"] = json!(i + 1);
    }
    out
}

/// The body of `POST /api/duties`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ReassignRequest {
    /// `building` or `street`.
    kind: String,
    /// Building or street ids.
    targets: Vec<Id>,
    /// The chief who takes them.
    chief: Id,
    /// The chief level (default: the chief's own).
    #[serde(default)]
    level: Option<String>,
}

/// `POST /api/duties`: gives buildings or streets to a chief by hand (fixed, so that `assign`
/// keeps them there), and answers with the live workloads of every chief concerned.
pub(crate) async fn post(
    State(state): State<AppState>,
    caller: crate::access::Caller,
    body: Result<Json<ReassignRequest>, JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    let Json(request) = body.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let kind = wangge_core::DutyKind::parse(&request.kind).ok_or_else(|| {
        ApiError::BadRequest(format!("kind `{}`: say building or street", request.kind))
    })?;
    let (changes, level, concerned) = {
        let atlas = state.snapshot().atlas;
        let data = atlas.data();
        let chief = atlas
            .chief(request.chief)
            .ok_or_else(|| ApiError::NotFound(format!("no chief has id {}", request.chief)))?;
        let level = match request.level.as_deref() {
            Some(text) => parse_level(text)?,
            None => chief_level(chief),
        };
        // The targets' duties before the change: their chiefs are concerned, and the audit log
        // keeps them.
        let previous: Vec<&wangge_core::Assignment> = data
            .duties
            .iter()
            .filter(|d| d.kind == kind && d.level == level && request.targets.contains(&d.target))
            .collect();
        let mut concerned: Vec<Id> = previous.iter().map(|d| d.chief).collect();
        concerned.push(request.chief);
        concerned.sort_unstable();
        concerned.dedup();
        let duties = reassign(
            data,
            &data.duties,
            kind,
            &request.targets,
            level,
            request.chief,
        )
        .map_err(|e| ApiError::Refused(e.to_string()))?;
        let new = Dataset {
            duties,
            ..data.clone()
        };
        let before: Vec<Value> = previous
            .iter()
            .map(|d| json!({ "target": d.target, "chief": d.chief }))
            .collect();
        let entry = caller
            .audit(
                wangge_core::AuditAction::Assign,
                format!("chief:{}", request.chief),
            )
            .summary(format!(
                "{} {}(s) given to {} on the {} level",
                request.targets.len(),
                kind.key(),
                chief.name,
                level.as_str()
            ))
            .before(json!({ "duties": before }))
            .after(json!({ "kind": kind.key(), "targets": request.targets, "chief": request.chief, "level": level.as_str(), "fixed": true }));
        (
            wangge_core::ChangeSet::diff(data, &new).audited(entry),
            level,
            concerned,
        )
    };
    let applied = state.apply(changes).await?;
    let atlas = state.snapshot().atlas;
    let loads = loads(atlas.data(), level);
    let chiefs: Vec<Value> = concerned
        .iter()
        .filter_map(|id| atlas.chief(*id))
        .map(|c| {
            let mut value = chief_json(&atlas, c);
            value["load"] = loads.get(&c.id).map_or(Value::Null, load_json);
            value
        })
        .collect();
    Ok(Json(
        json!({ "data_version": applied.version, "level": level.as_str(), "chiefs": chiefs }),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_round_visits_every_stop_once_walking_to_the_nearest() {
        let stop = |x: f64, y: f64, name: &str| (Point::new(x, y), json!({ "name": name }));
        let round = round(vec![
            stop(102.702, 25.040, "c"),
            stop(102.700, 25.042, "a"),
            stop(102.7005, 25.0418, "b"),
            stop(102.710, 25.030, "d"),
        ]);
        let names: Vec<&str> = round.iter().filter_map(|v| v["name"].as_str()).collect();
        assert_eq!(names, ["a", "b", "c", "d"]);
        assert_eq!(round[3]["order"], 4);
        assert!(super::round(Vec::new()).is_empty());
    }
}
