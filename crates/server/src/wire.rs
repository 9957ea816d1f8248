//! JSON and GeoJSON wire types: how zones, compounds, buildings and streets look to the outside,
//! in the API and in `wangge export`.

use geojson::GeometryValue;
use serde_json::{Map, Value, json};
use wangge_core::inspections::{local_date, shanghai};
use wangge_core::{
    Atlas, Building, ChiefLevel, Compound, Due, DutyKind, Id, Inspection, Layer, StreetSegment,
    Zone, area_m2, length_m,
};

fn feature(id: i64, geometry: GeometryValue, properties: Value) -> Value {
    let properties = match properties {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    json!({
        "type": "Feature",
        "id": id,
        "geometry": geojson::Geometry::new(geometry),
        "properties": properties,
    })
}

/// A zone as a GeoJSON feature: `level`, `code`, `parent_code`, `name`, totals and area.
pub fn zone(atlas: &Atlas, z: &Zone) -> Value {
    let level = atlas.data().levels.get(&z.level).ok();
    feature(
        z.id,
        GeometryValue::from(&z.geometry),
        json!({
            "code": z.code,
            "name": z.name,
            "level": z.level,
            "level_name": level.map(|l| l.name_zh.as_str()),
            "level_name_en": level.map(|l| l.name_en.as_str()),
            "parent_code": z.parent.and_then(|p| atlas.zone(p)).map(|p| p.code.as_str()),
            "households": z.totals.households,
            "population": z.totals.population,
            "buildings": z.totals.buildings,
            "compounds": z.totals.compounds,
            "area_m2": area_m2(&z.geometry).round(),
        }),
    )
}

/// Who answers for a building or street: `chief` (the resident-level chief's id, the one people
/// mean by "its street chief"), `chief_name`, `chief_phone`, and `chiefs`, the id per chief level.
fn duty_properties(atlas: &Atlas, kind: DutyKind, target: Id) -> Map<String, Value> {
    let mut out = Map::new();
    let resident = atlas.responsible(kind, target, ChiefLevel::Resident);
    out.insert("chief".into(), json!(resident.map(|c| c.id)));
    out.insert(
        "chief_name".into(),
        json!(resident.map(|c| c.name.as_str())),
    );
    out.insert(
        "chief_phone".into(),
        json!(resident.map(|c| c.phone.as_str())),
    );
    let levels: Map<String, Value> = ChiefLevel::ALL
        .iter()
        .filter_map(|&l| {
            atlas
                .responsible(kind, target, l)
                .map(|c| (l.as_str().to_string(), json!(c.id)))
        })
        .collect();
    out.insert("chiefs".into(), Value::Object(levels));
    // The same, with names and phones, for cards (街长制: resident, community and sub-district
    // street chiefs of one street).
    let named: Vec<Value> = ChiefLevel::ALL
        .iter()
        .filter_map(|&l| {
            atlas.responsible(kind, target, l).map(|c| {
                json!({
                    "level": l.as_str(),
                    "level_name": l.name_zh(),
                    "id": c.id,
                    "name": c.name,
                    "phone": c.phone,
                })
            })
        })
        .collect();
    out.insert("chief_levels".into(), Value::Array(named));
    out
}

/// Adds `extra` to a feature's properties.
fn with_properties(mut feature: Value, extra: Map<String, Value>) -> Value {
    if let Some(properties) = feature["properties"].as_object_mut() {
        properties.extend(extra);
    }
    feature
}

/// A compound as a GeoJSON feature, with its tier and the households of its buildings.
pub fn compound(atlas: &Atlas, c: &Compound) -> Value {
    let (mut households, mut population, mut buildings) = (0u64, 0u64, 0usize);
    // The resident chiefs answering for its buildings, most buildings first.
    let mut chiefs: Vec<(Id, usize)> = Vec::new();
    for b in atlas.buildings_of(c.id) {
        households += u64::from(b.households);
        population += u64::from(b.population);
        buildings += 1;
        if let Some(chief) = atlas.responsible(DutyKind::Building, b.id, ChiefLevel::Resident) {
            match chiefs.iter_mut().find(|(id, _)| *id == chief.id) {
                Some((_, n)) => *n += 1,
                None => chiefs.push((chief.id, 1)),
            }
        }
    }
    chiefs.sort_by_key(|&(id, n)| (std::cmp::Reverse(n), id));
    let chief_list: Vec<Value> = chiefs
        .iter()
        .filter_map(|&(id, n)| atlas.chief(id).map(|c| (c, n)))
        .map(|(c, n)| json!({ "id": c.id, "name": c.name, "phone": c.phone, "buildings": n }))
        .collect();
    feature(
        c.id,
        GeometryValue::from(&c.geometry),
        json!({
            "code": c.code,
            "name": c.name,
            "tier": c.tier.as_str(),
            "tier_name": c.tier.name_zh(),
            "kind": c.kind.as_str(),
            "kind_name": c.kind.name_zh(),
            "management": c.management.as_str(),
            "management_name": c.management.name_zh(),
            "stars": c.stars,
            "source_id": c.source_id,
            "households": households,
            "population": population,
            "buildings": buildings,
            "area_m2": area_m2(&c.geometry).round(),
            // The chief answering for most of its buildings ({id, name, phone, buildings});
            // `chiefs` lists them all. The compound endpoint fills `last_inspection` in from the
            // store (see `last_inspection`).
            "chief": chief_list.first().cloned(),
            "chiefs": chief_list,
            "last_inspection": Value::Null,
        }),
    )
}

/// A building as a GeoJSON feature, with the chiefs who answer for it.
pub fn building(atlas: &Atlas, b: &Building) -> Value {
    let duties = duty_properties(atlas, DutyKind::Building, b.id);
    let feature = feature(
        b.id,
        GeometryValue::from(&b.geometry),
        json!({
            "source_id": b.source_id,
            "name": b.name,
            "address": b.address,
            "compound_code": b.compound.and_then(|c| atlas.compound(c)).map(|c| c.code.as_str()),
            "floors": b.floors,
            "units": b.units,
            "households": b.households,
            "population": b.population,
            "height_m": b.height_m,
            "estimated": b.estimated,
            "footprint_m2": area_m2(&b.geometry).round(),
        }),
    );
    with_properties(feature, duties)
}

/// A street segment as a GeoJSON feature, with the chiefs who answer for it and `partners`, the
/// partner departments of the street it belongs to (by name): `{department, department_name_zh,
/// name, contact, phone, note}`, where `department_name_zh` is the department's label (市场监管)
/// and `name` the unit's own name, if given.
pub fn street(atlas: &Atlas, s: &StreetSegment) -> Value {
    let mut duties = duty_properties(atlas, DutyKind::Street, s.id);
    let partners: Vec<Value> = s
        .name
        .as_deref()
        .map(|name| atlas.partners_of(name))
        .unwrap_or_default()
        .into_iter()
        .map(|p| {
            json!({
                "department": p.department.as_str(),
                "department_name_zh": p.department.name_zh(),
                "name": p.department_name,
                "contact": p.contact,
                "phone": p.phone,
                "note": p.note,
            })
        })
        .collect();
    duties.insert("partners".into(), Value::Array(partners));
    let feature = feature(
        s.id,
        GeometryValue::from(&s.geometry),
        json!({
            "source_id": s.source_id,
            "name": s.name,
            "class": s.class.as_str(),
            "class_name": s.class.name_zh(),
            "length_m": (length_m(&s.geometry) * 10.0).round() / 10.0,
        }),
    );
    with_properties(feature, duties)
}

/// The feature of record `index` of `layer`.
pub fn feature_of(atlas: &Atlas, layer: Layer, index: usize) -> Value {
    let data = atlas.data();
    match layer {
        Layer::Zones => zone(atlas, &data.zones[index]),
        Layer::Compounds => compound(atlas, &data.compounds[index]),
        Layer::Buildings => building(atlas, &data.buildings[index]),
        Layer::Streets => street(atlas, &data.streets[index]),
    }
}

/// A whole layer as a GeoJSON FeatureCollection, in id order (what `wangge export` writes).
pub fn layer_collection(atlas: &Atlas, layer: Layer) -> Value {
    let data = atlas.data();
    let mut order: Vec<(i64, usize)> = match layer {
        Layer::Zones => data
            .zones
            .iter()
            .map(|z| z.id)
            .enumerate()
            .map(|(i, id)| (id, i))
            .collect(),
        Layer::Compounds => data
            .compounds
            .iter()
            .map(|c| c.id)
            .enumerate()
            .map(|(i, id)| (id, i))
            .collect(),
        Layer::Buildings => data
            .buildings
            .iter()
            .map(|b| b.id)
            .enumerate()
            .map(|(i, id)| (id, i))
            .collect(),
        Layer::Streets => data
            .streets
            .iter()
            .map(|s| s.id)
            .enumerate()
            .map(|(i, id)| (id, i))
            .collect(),
    };
    order.sort_unstable();
    let features: Vec<Value> = order
        .into_iter()
        .map(|(_, i)| feature_of(atlas, layer, i))
        .collect();
    json!({ "type": "FeatureCollection", "name": layer.as_str(), "features": features })
}

/// A time in milliseconds since the epoch as RFC 3339 in UTC.
fn instant(at_ms: i64) -> Value {
    jiff::Timestamp::from_millisecond(at_ms).map_or(Value::Null, |t| json!(t.to_string()))
}

/// The Asia/Shanghai calendar date of a time, `YYYY-MM-DD`: the date every due date is counted
/// from.
fn shanghai_date(at_ms: i64) -> Value {
    local_date(at_ms, &shanghai()).map_or(Value::Null, |d| json!(d.to_string()))
}

/// An inspection: who, when (`at` in UTC and `date` in Shanghai), findings per topic (null for a
/// topic not looked at), whether all recorded findings were in order, and any suggested tier.
pub fn inspection(i: &Inspection) -> Value {
    let findings: Map<String, Value> = i
        .findings
        .iter()
        .map(|(topic, finding)| {
            let value = finding.map_or(
                Value::Null,
                |f| json!({ "ok": f.ok, "note": f.note, "topic_name": topic.name_zh() }),
            );
            (topic.as_str().to_string(), value)
        })
        .collect();
    json!({
        "id": i.id,
        "inspector": i.inspector,
        "role": i.role.as_str(),
        "role_name": i.role.name_zh(),
        "at": instant(i.at_ms),
        "date": shanghai_date(i.at_ms),
        "findings": findings,
        "all_ok": i.findings.all_ok(),
        "suggested_tier": i.suggested_tier.map(|t| t.as_str()),
        "has_photo": i.photo.is_some(),
        "photo_url": i.photo.as_ref().map(|_| photo_url(i.id)),
    })
}

/// Where an inspection's photo is served.
pub fn photo_url(inspection: wangge_core::Id) -> String {
    format!("/api/inspections/{inspection}/photo")
}

/// The `last_inspection` of a compound card: its date and whether everything was in order
/// (`result` is `ok`, `problem`, or null when no finding was recorded), or null when the compound
/// was never inspected.
pub fn last_inspection(i: Option<&Inspection>) -> Value {
    let Some(i) = i else {
        return Value::Null;
    };
    let ok = i.findings.all_ok();
    json!({
        "date": shanghai_date(i.at_ms),
        "at": instant(i.at_ms),
        "all_ok": ok,
        "result": ok.map(|ok| if ok { "ok" } else { "problem" }),
        "result_name": ok.map(|ok| if ok { "正常" } else { "发现问题" }),
        "inspector": i.inspector,
        "role": i.role.as_str(),
        "photo_url": i.photo.as_ref().map(|_| photo_url(i.id)),
    })
}

/// A compound's place in the inspection schedule: tier, last inspection, the next due date as a
/// Shanghai calendar date, and whether (and by how many days) it is overdue.
pub fn due(atlas: &Atlas, d: &Due) -> Value {
    let compound = atlas.compound(d.compound);
    json!({
        "code": d.code,
        "name": compound.map(|c| c.name.as_str()),
        "tier": d.tier.as_str(),
        "tier_name": d.tier.name_zh(),
        "last_inspection": last_inspection(d.last.as_ref()),
        "next_due": d.next_due.to_string(),
        "overdue": d.overdue,
        "days_overdue": d.days_overdue,
    })
}

/// A time as Asia/Shanghai wall-clock text, `YYYY-MM-DD HH:MM`, as people read deadlines.
fn shanghai_time(at_ms: i64) -> Value {
    jiff::Timestamp::from_millisecond(at_ms).map_or(Value::Null, |t| {
        json!(
            t.to_zoned(shanghai())
                .strftime("%Y-%m-%d %H:%M")
                .to_string()
        )
    })
}

/// Where a problem was routed: ids, the chief's name, and the zones' codes and names.
pub fn routing(atlas: &Atlas, r: &wangge_core::Routing) -> Value {
    let zone = |code: &Option<String>| {
        code.as_deref()
            .map(|c| json!({ "code": c, "name": atlas.zone_by_code(c).map(|z| z.name.as_str()) }))
    };
    json!({
        "compound": r.compound.map(|id| json!({
            "id": id,
            "code": atlas.compound(id).map(|c| c.code.as_str()),
            "name": atlas.compound(id).map(|c| c.name.as_str()),
        })),
        "building": r.building,
        "street": r.street,
        "chief": r.chief.map(|id| json!({
            "id": id,
            "name": atlas.chief(id).map(|c| c.name.as_str()),
            "phone": atlas.chief(id).map(|c| c.phone.as_str()),
        })),
        "grid": zone(&r.grid),
        "community": zone(&r.community),
        "subdistrict": zone(&r.subdistrict),
    })
}

/// A problem: what, where, from whom, its routing, state and level (keys and Chinese names),
/// the deadline of its level (UTC and Shanghai time) and whether it is overdue at `now_ms`.
pub fn problem(atlas: &Atlas, p: &wangge_core::Problem, now_ms: i64) -> Value {
    json!({
        "id": p.id,
        "lon": p.lon,
        "lat": p.lat,
        "address": p.address,
        "category": p.category.as_str(),
        "category_name": p.category.name_zh(),
        "description": p.description,
        "source": p.source.as_str(),
        "source_name": p.source.name_zh(),
        "order_no": p.order_no,
        "reported_at": instant(p.reported_at_ms),
        "reported_local": shanghai_time(p.reported_at_ms),
        "reporter": p.reporter,
        "routing": routing(atlas, &p.routing),
        "state": p.state.as_str(),
        "state_name": p.state.name_zh(),
        "level": p.level.as_str(),
        "level_name": p.level.name_zh(),
        "deadline": instant(p.deadline_ms),
        "deadline_local": shanghai_time(p.deadline_ms),
        "overdue": p.is_overdue(now_ms),
        "actions": wangge_core::problems::allowed_actions(p.state)
            .iter()
            .map(|a| a.as_str())
            .collect::<Vec<_>>(),
    })
}

/// One step of a problem's history.
pub fn problem_step(s: &wangge_core::ProblemStep) -> Value {
    json!({
        "at": instant(s.at_ms),
        "at_local": shanghai_time(s.at_ms),
        "by": s.by,
        "action": s.action.as_str(),
        "action_name": s.action.name_zh(),
        "from_state": s.from_state.map(|x| x.as_str()),
        "to_state": s.to_state.as_str(),
        "to_state_name": s.to_state.name_zh(),
        "from_level": s.from_level.map(|x| x.as_str()),
        "to_level": s.to_level.as_str(),
        "to_level_name": s.to_level.name_zh(),
        "deadline": instant(s.deadline_ms),
        "note": s.note,
    })
}

/// A visit: what, by whom, when (UTC milliseconds and the Shanghai date), note and households
/// seen.
pub fn visit(atlas: &Atlas, v: &wangge_core::Visit) -> Value {
    let date = local_date(v.at_ms, &shanghai()).ok().map(|d| d.to_string());
    json!({
        "id": v.id,
        "target": v.target.text(atlas),
        "chief": v.chief,
        "at_ms": v.at_ms,
        "date": date,
        "by": v.by,
        "note": v.note,
        "households_seen": v.households_seen,
    })
}

/// One task of a chief's list: its target (in the text form `wangge visit --target` takes), kind
/// with labels, what and why, where, when due, whether overdue, and the latest visit. A
/// household's contact is there for its chief to call; it is never logged.
pub fn task(atlas: &Atlas, t: &wangge_core::Task) -> Value {
    json!({
        "target": t.target_text,
        "kind": t.kind.as_str(),
        "kind_name": t.kind.name_zh(),
        "kind_name_en": t.kind.name_en(),
        "label": t.label,
        "detail": t.detail,
        "category": t.category.map(|c| c.as_str()),
        "category_name": t.category.map(|c| c.name_zh()),
        "contact": t.contact,
        "place": t.place.map(|p| [p.x(), p.y()]),
        "due": t.due.to_string(),
        "overdue": t.overdue,
        "days_overdue": t.days_overdue,
        "last_visit": t.last.as_ref().map(|v| visit(atlas, v)),
    })
}

/// A chief's task list on a Shanghai date: the counts and every task, soonest due first.
pub fn task_list(
    atlas: &Atlas,
    chief: &wangge_core::Chief,
    today: jiff::civil::Date,
    tasks: &[wangge_core::Task],
) -> Value {
    json!({
        "chief": chief.id,
        "chief_name": chief.name,
        "date": today.to_string(),
        "time_zone": "Asia/Shanghai",
        "total": tasks.len(),
        "due_today": tasks.iter().filter(|t| t.due == today).count(),
        "overdue": tasks.iter().filter(|t| t.overdue).count(),
        "tasks": tasks.iter().map(|t| task(atlas, t)).collect::<Vec<_>>(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Buildings, streets and compounds carry their chiefs, as `wangge export` writes them.
    #[test]
    fn features_name_the_chiefs_who_answer_for_them() {
        let atlas = Atlas::new(wangge_store::contract::sample());
        let data = atlas.data();
        let index = |id: Id| data.buildings.iter().position(|b| b.id == id).expect("b");
        let first = feature_of(&atlas, Layer::Buildings, index(1000));
        assert_eq!(first["properties"]["chief"], 1);
        assert_eq!(first["properties"]["chief_name"], "街长0");
        assert_eq!(first["properties"]["chiefs"]["resident"], 1);
        let fourth = feature_of(&atlas, Layer::Buildings, index(1003));
        assert_eq!(fourth["properties"]["chief"], 2);
        // Nobody answers for building 1005 yet.
        let nobody = feature_of(&atlas, Layer::Buildings, index(1005));
        assert!(nobody["properties"]["chief"].is_null());
        assert_eq!(nobody["properties"]["chiefs"], json!({}));
        let street = data
            .streets
            .iter()
            .position(|s| s.id == 501)
            .expect("street");
        let properties = &feature_of(&atlas, Layer::Streets, street)["properties"];
        assert_eq!(properties["chief"], 2);
        // Street 501 is 1号路, which has market supervision and a school as partners.
        assert_eq!(
            properties["partners"][0]["department"],
            "market_supervision"
        );
        assert_eq!(properties["partners"][0]["department_name_zh"], "市场监管");
        assert_eq!(properties["partners"][0]["contact"], "刘所长");
        assert_eq!(properties["partners"][1]["department"], "other");
        assert_eq!(properties["partners"][1]["name"], "演示中学");
        assert_eq!(properties["partners"].as_array().map(Vec::len), Some(2));
        let first = data
            .streets
            .iter()
            .position(|s| s.id == 500)
            .expect("0号路");
        assert_eq!(
            feature_of(&atlas, Layer::Streets, first)["properties"]["partners"],
            json!([])
        );
        // Compound 101 has buildings 1003–1005: chief 2 answers for two of them.
        let compound = data.compounds.iter().position(|c| c.id == 101).expect("c");
        let properties = &feature_of(&atlas, Layer::Compounds, compound)["properties"];
        assert_eq!(properties["chief"]["id"], 2);
        assert_eq!(properties["chief"]["name"], "街长1");
        assert_eq!(properties["chiefs"][0]["buildings"], 2);
        assert_eq!(properties["chiefs"].as_array().map(Vec::len), Some(1));
    }
}
