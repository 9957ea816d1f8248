//! What tags mean: which features are buildings, building parts, residential land, boundaries or
//! streets, the street class of a line, and the zone level of a boundary.

use serde_json::Value;
use wangge_core::{LevelConfig, StreetClass};

use crate::error::{FeatureProblem, ImportError, Result};
use crate::features::Target;
use crate::fields::{Fields, Props, bad, text_of};

/// A tag's value, trimmed, when it is a string.
pub(crate) fn tag<'p>(props: &'p Props, key: &str) -> Option<&'p str> {
    props.get(key).and_then(Value::as_str).map(str::trim)
}

/// True when a tag has this value, ignoring ASCII case.
pub(crate) fn tag_is(props: &Props, key: &str, value: &str) -> bool {
    tag(props, key).is_some_and(|v| v.eq_ignore_ascii_case(value))
}

/// A feature is a building part (OSM `building:part`, Tilezen `kind=building_part`).
pub(crate) fn is_building_part(props: &Props) -> bool {
    tag_is(props, "kind", "building_part")
        || (tag(props, "building:part").is_some_and(|v| v != "no")
            && tag(props, "building").is_none())
}

/// A feature is tagged as a building (OSM `building=*` other than `no`, Tilezen `kind=building`).
pub(crate) fn is_building(props: &Props) -> bool {
    tag_is(props, "kind", "building") || tag(props, "building").is_some_and(|v| v != "no")
}

/// The land-use class a feature carries, from OSM `landuse`, Tilezen `kind` or Geofabrik
/// `fclass`. Land-use classes are English keywords, so a Chinese value (a user's `kind=商开`) is
/// not one, and neither is a property the user mapped to an attribute.
pub(crate) fn land_use<'p>(props: &'p Props, fields: &Fields) -> Option<&'p str> {
    ["landuse", "kind", "fclass"]
        .iter()
        .filter(|key| !fields.is_mapped_source(key))
        .filter_map(|key| tag(props, key))
        .find(|v| !v.is_empty() && v.is_ascii())
}

/// Residential land use: OSM `landuse`, Tilezen `kind` or Geofabrik `fclass` = `residential`.
pub(crate) fn is_residential(props: &Props) -> bool {
    ["landuse", "kind", "fclass"]
        .iter()
        .any(|key| tag_is(props, key, "residential"))
}

/// An OSM `boundary=administrative` feature.
pub(crate) fn is_admin_boundary(props: &Props) -> bool {
    tag_is(props, "boundary", "administrative")
}

/// Tilezen's kinds for boundary lines, and the OSM `boundary` key.
pub(crate) fn is_boundary_line(props: &Props) -> bool {
    const BOUNDARY_KINDS: &[&str] = &[
        "country",
        "region",
        "county",
        "locality",
        "macroregion",
        "disputed",
        "boundary",
        "administrative",
    ];
    tag(props, "boundary").is_some()
        || tag(props, "kind").is_some_and(|k| BOUNDARY_KINDS.contains(&k))
}

/// Why a line is not a street, as a skip reason, or `None` when it is one.
pub(crate) fn not_a_street(props: &Props, fields: &Fields) -> Option<&'static str> {
    const CATEGORIES: &[(&[&str], &str)] = &[
        (
            &[
                "rail",
                "railway",
                "subway",
                "tram",
                "light_rail",
                "funicular",
                "monorail",
                "narrow_gauge",
                "preserved",
                "miniature",
            ],
            "rail features (railways are not streets)",
        ),
        (&["ferry"], "ferry features (ferry routes are not streets)"),
        (
            &[
                "aerialway",
                "cable_car",
                "gondola",
                "chair_lift",
                "drag_lift",
            ],
            "aerialway features (aerial lifts are not streets)",
        ),
        (
            &[
                "waterway",
                "river",
                "stream",
                "canal",
                "ditch",
                "drain",
                "water",
                "riverbank",
                "swimming_pool",
                "coastline",
                "ocean",
                "dock",
                "lake",
                "basin",
                "reservoir",
            ],
            "waterway features (waterways are not streets)",
        ),
        (
            &[
                "construction",
                "proposed",
                "planned",
                "abandoned",
                "disused",
                "razed",
            ],
            "road features under construction, planned or abandoned",
        ),
        (
            &[
                "platform",
                "bus_stop",
                "elevator",
                "raceway",
                "runway",
                "taxiway",
                "bus_guideway",
            ],
            "platforms, runways and other lines that are not streets",
        ),
    ];
    let mut values: Vec<String> = Vec::new();
    if let Some(mapped) = fields.mapped("class") {
        values.extend(tag(props, mapped).map(str::to_lowercase));
    } else if let Some(highway) = tag(props, "highway") {
        // An OSM highway is a street whatever other keys say (a road on a railway bridge), unless
        // its own value says otherwise (`construction`, `platform`).
        values.push(highway.to_lowercase());
    } else {
        for key in [
            "railway",
            "route",
            "waterway",
            "aerialway",
            "kind",
            "kind_detail",
            "fclass",
        ] {
            if let Some(v) = tag(props, key) {
                // OSM's `railway=*`, `waterway=*`, `aerialway=*` name the thing by their key.
                let category = match key {
                    "railway" => "rail",
                    "waterway" => "waterway",
                    "aerialway" => "aerialway",
                    _ => v,
                };
                values.push(category.to_lowercase());
            }
        }
    }
    values.iter().find_map(|v| {
        CATEGORIES
            .iter()
            .find(|(names, _)| names.contains(&v.as_str()))
            .map(|(_, reason)| *reason)
    })
}

/// The street class of a line: the first class property that names a known class.
pub(crate) fn street_class(
    props: &Props,
    fields: &Fields,
) -> std::result::Result<StreetClass, FeatureProblem> {
    let candidates = fields.all(props, "class");
    for found in &candidates {
        let Some(text) = text_of(found.value) else {
            continue;
        };
        match class_of(&text) {
            Some(class) => return Ok(class),
            None if found.mapped => {
                return Err(bad(
                    found,
                    "class",
                    &StreetClass::parse(&text)
                        .err()
                        .map_or_else(String::new, |e| e.to_string()),
                ));
            }
            None => {}
        }
    }
    // A line with no recognisable class is most likely an ordinary local street.
    Ok(StreetClass::Local)
}

/// True when a line carries class properties but none names a street class: when the layer is
/// inferred, such a line is something else (a Tilezen water line, a power line).
pub(crate) fn has_foreign_class(props: &Props, fields: &Fields) -> bool {
    let candidates = fields.all(props, "class");
    !candidates.is_empty()
        && !candidates
            .iter()
            .filter_map(|f| text_of(f.value))
            .any(|t| class_of(&t).is_some())
}

/// Maps an OSM `highway`, Tilezen `kind`/`kind_detail` or Geofabrik `fclass` value to a class;
/// link roads take their road's class.
pub(crate) fn class_of(text: &str) -> Option<StreetClass> {
    let t = text.trim().to_lowercase();
    let t = t.strip_suffix("_link").unwrap_or(&t);
    let t = if t.starts_with("track_grade") {
        "track"
    } else {
        t
    };
    let extra = match t {
        "highway" | "expressway" => Some(StreetClass::Arterial),
        "road" | "unknown" => Some(StreetClass::Local),
        "bridleway" | "corridor" | "footpath" | "sidewalk" | "crossing" => {
            Some(StreetClass::Footway)
        }
        "busway" | "driveway" | "parking_aisle" => Some(StreetClass::Lane),
        _ => None,
    };
    extra.or_else(|| StreetClass::parse(t).ok())
}

/// How boundaries get their zone level.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ZoneLevels {
    /// Every boundary gets this level.
    All(String),
    /// By OSM `admin_level`; boundaries without one get `fallback`.
    ByAdminLevel {
        map: Vec<(String, String)>,
        fallback: String,
        explicit: bool,
    },
}

impl ZoneLevels {
    /// Reads `--zone-level`: a level key, `ADMIN_LEVEL=KEY` pairs, or nothing (6/8/10 →
    /// district/subdistrict/community). Every key named must be configured.
    pub(crate) fn new(
        option: Option<&str>,
        levels: &LevelConfig,
        file: &str,
    ) -> Result<ZoneLevels> {
        let level_error = |key: &str| ImportError::Level {
            file: file.to_string(),
            message: format!(
                "zone level `{key}` is not configured; the configured levels are {}; pass \
                 --zone-level with one of them",
                levels.keys()
            ),
        };
        match option.map(str::trim) {
            None | Some("") => Ok(ZoneLevels::ByAdminLevel {
                map: [("6", "district"), ("8", "subdistrict"), ("10", "community")]
                    .iter()
                    .map(|(a, k)| (a.to_string(), k.to_string()))
                    .collect(),
                fallback: "community".into(),
                explicit: false,
            }),
            Some(text) if text.contains('=') => {
                let mut map = Vec::new();
                for pair in text.split(',') {
                    let Some((admin, key)) = pair.split_once('=') else {
                        return Err(ImportError::Level {
                            file: file.to_string(),
                            message: format!(
                                "cannot read `{pair}` in --zone-level `{text}`; write \
                                 ADMIN_LEVEL=KEY pairs such as 8=subdistrict,10=community"
                            ),
                        });
                    };
                    let key = key.trim();
                    levels.index_of(key).map_err(|_| level_error(key))?;
                    map.push((admin.trim().to_string(), key.to_string()));
                }
                let fallback = map.last().map(|(_, k)| k.clone()).unwrap_or_default();
                Ok(ZoneLevels::ByAdminLevel {
                    map,
                    fallback,
                    explicit: true,
                })
            }
            Some(key) => {
                levels.index_of(key).map_err(|_| level_error(key))?;
                Ok(ZoneLevels::All(key.to_string()))
            }
        }
    }

    /// The level of a boundary, or why it is skipped.
    pub(crate) fn resolve(&self, admin_level: Option<String>, levels: &LevelConfig) -> Target {
        match self {
            ZoneLevels::All(key) => Target::Zone(key.clone()),
            ZoneLevels::ByAdminLevel {
                map,
                fallback,
                explicit,
            } => {
                let key = match &admin_level {
                    Some(a) => map.iter().find(|(m, _)| m == a).map(|(_, k)| k),
                    None => Some(fallback),
                };
                match key {
                    Some(key) if levels.index_of(key).is_ok() => Target::Zone(key.clone()),
                    Some(key) => Target::Skip(format!(
                        "administrative boundaries for level `{key}`, which the level \
                         configuration lacks (pass --zone-level)"
                    )),
                    None => Target::Skip(format!(
                        "administrative boundaries at admin_level {} (not mapped to a zone \
                         level; {})",
                        admin_level.unwrap_or_default(),
                        if *explicit {
                            "add it to --zone-level"
                        } else {
                            "map it with --zone-level ADMIN_LEVEL=KEY"
                        }
                    )),
                }
            }
        }
    }
}
