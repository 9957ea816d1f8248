//! JSON and GeoJSON wire types: how zones, compounds, buildings and streets look to the outside,
//! in the API and in `wangge export`.

use geojson::GeometryValue;
use serde_json::{Map, Value, json};
use wangge_core::{Atlas, Building, Compound, Layer, StreetSegment, Zone, area_m2, length_m};

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

/// A compound as a GeoJSON feature, with its tier and the households of its buildings.
pub fn compound(atlas: &Atlas, c: &Compound) -> Value {
    let (mut households, mut population, mut buildings) = (0u64, 0u64, 0usize);
    for b in atlas.buildings_of(c.id) {
        households += u64::from(b.households);
        population += u64::from(b.population);
        buildings += 1;
    }
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
            // Filled in by the street-chief and inspection work; null until then.
            "chief": Value::Null,
            "last_inspection": Value::Null,
        }),
    )
}

/// A building as a GeoJSON feature.
pub fn building(atlas: &Atlas, b: &Building) -> Value {
    feature(
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
    )
}

/// A street segment as a GeoJSON feature.
pub fn street(s: &StreetSegment) -> Value {
    feature(
        s.id,
        GeometryValue::from(&s.geometry),
        json!({
            "source_id": s.source_id,
            "name": s.name,
            "class": s.class.as_str(),
            "class_name": s.class.name_zh(),
            "length_m": (length_m(&s.geometry) * 10.0).round() / 10.0,
        }),
    )
}

/// The feature of record `index` of `layer`.
pub fn feature_of(atlas: &Atlas, layer: Layer, index: usize) -> Value {
    let data = atlas.data();
    match layer {
        Layer::Zones => zone(atlas, &data.zones[index]),
        Layer::Compounds => compound(atlas, &data.compounds[index]),
        Layer::Buildings => building(atlas, &data.buildings[index]),
        Layer::Streets => street(&data.streets[index]),
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
