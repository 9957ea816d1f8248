//! Which property means what: the attributes a user can map, their default property names in
//! the schemas this importer meets (OSM, Tilezen, Geofabrik, Chinese survey data), and reading
//! values leniently from defaults but strictly from the user's own mapping.

use std::collections::HashMap;

use serde_json::Value;

use crate::error::{FeatureProblem, ImportError, Result};

/// A feature's properties, as JSON values (OSM tags become strings).
pub(crate) type Props = serde_json::Map<String, Value>;

/// The attributes a user can map, each with its default property names (tried in order).
pub(crate) const TARGETS: &[(&str, &[&str])] = &[
    (
        "id",
        &["id", "osm_id", "@id", "ID", "OSM_ID", "source_id", "编号"],
    ),
    (
        "name",
        &[
            "name", "name:zh", "name_zh", "NAME", "Name", "名称", "名字", "XZQMC",
        ],
    ),
    ("address", &["address", "addr:full", "ADDRESS", "地址"]),
    ("street", &["addr:street", "addr_street"]),
    ("housenumber", &["addr:housenumber", "addr_housenumber"]),
    ("height", &["height", "building:height", "HEIGHT", "高度"]),
    (
        "floors",
        &[
            "building:levels",
            "building_levels",
            "levels",
            "floors",
            "FLOORS",
            "层数",
            "楼层数",
        ],
    ),
    (
        "households",
        &["households", "building:flats", "HOUSEHOLDS", "户数"],
    ),
    ("population", &["population", "POPULATION", "人口", "人数"]),
    ("units", &["units", "单元数"]),
    (
        "use",
        &["building", "kind_detail", "building:use", "type", "用途"],
    ),
    ("kind", &["compound_type", "type", "类型", "小区类型"]),
    (
        "management",
        &["management", "property_management", "物业", "物业类型"],
    ),
    ("tier", &["tier", "分色", "颜色等级"]),
    ("stars", &["stars", "星级"]),
    // XZQDM/XZQMC are the code and name columns of Chinese administrative-division data.
    (
        "code",
        &["code", "adcode", "ref:adcode", "区划代码", "XZQDM", "PAC"],
    ),
    (
        "class",
        &[
            "highway",
            "kind_detail",
            "kind",
            "fclass",
            "class",
            "道路等级",
        ],
    ),
    ("admin_level", &["admin_level"]),
    // Read by the street-chief roster only.
    ("phone", crate::roster::PHONE_COLUMNS),
    ("role", crate::roster::ROLE_COLUMNS),
    ("community", crate::roster::COMMUNITY_COLUMNS),
    ("chief_level", crate::roster::LEVEL_COLUMNS),
    // Read by the list of partner departments only (which reads `street` and `phone` too).
    ("department", crate::partners::DEPARTMENT_COLUMNS),
    ("department_name", crate::partners::DEPARTMENT_NAME_COLUMNS),
    ("contact", crate::partners::CONTACT_COLUMNS),
    ("note", crate::partners::NOTE_COLUMNS),
];

/// Spellings of targets that mean the same attribute.
pub(crate) const TARGET_ALIASES: &[(&str, &str)] = &[
    ("source_id", "id"),
    ("levels", "floors"),
    ("type", "kind"),
    ("compound_type", "kind"),
    ("level", "admin_level"),
    ("highway", "class"),
    ("chief-level", "chief_level"),
];

/// A property found for a target.
pub(crate) struct Found<'p> {
    pub(crate) property: &'p str,
    pub(crate) value: &'p Value,
    /// True when the user named the property: then a value that cannot be read is an error.
    pub(crate) mapped: bool,
}

/// The property names to read for each target: the user's mapping, else the defaults.
#[derive(Debug, Clone, Default)]
pub(crate) struct Fields {
    mapped: HashMap<&'static str, String>,
}

impl Fields {
    /// Checks the user's mapping: every target must be one this importer knows.
    pub(crate) fn new(fields: &[(String, String)], file: &str) -> Result<Fields> {
        let mut mapped = HashMap::new();
        for (target, source) in fields {
            let wanted = target.trim().to_lowercase();
            let wanted = TARGET_ALIASES
                .iter()
                .find(|(alias, _)| *alias == wanted)
                .map_or(wanted.as_str(), |(_, t)| t);
            let Some((key, _)) = TARGETS.iter().find(|(t, _)| *t == wanted) else {
                let known: Vec<&str> = TARGETS.iter().map(|(t, _)| *t).collect();
                return Err(ImportError::WrongLayer {
                    file: file.to_string(),
                    message: format!(
                        "unknown field target `{target}`; map one of {}",
                        known.join(", ")
                    ),
                });
            };
            mapped.insert(*key, source.clone());
        }
        Ok(Fields { mapped })
    }

    /// True when the user mapped this source property to some attribute.
    pub(crate) fn is_mapped_source(&self, property: &str) -> bool {
        self.mapped.values().any(|source| source == property)
    }

    /// The user's source property for a target, if mapped.
    pub(crate) fn mapped(&self, target: &str) -> Option<&str> {
        self.mapped.get(target).map(String::as_str)
    }

    /// The default property names of a target.
    pub(crate) fn defaults(target: &str) -> &'static [&'static str] {
        TARGETS
            .iter()
            .find(|(t, _)| *t == target)
            .map_or(&[], |(_, names)| names)
    }

    /// Every non-null property for a target, mapped one first (and only), else defaults in order.
    pub(crate) fn all<'p>(&self, props: &'p Props, target: &str) -> Vec<Found<'p>> {
        if let Some(source) = self.mapped.get(target) {
            return props
                .get_key_value(source.as_str())
                .filter(|(_, v)| !v.is_null())
                .map(|(property, value)| Found {
                    property,
                    value,
                    mapped: true,
                })
                .into_iter()
                .collect();
        }
        Self::defaults(target)
            .iter()
            .filter_map(|name| props.get_key_value(*name))
            .filter(|(_, v)| !v.is_null() && text_of(v).is_some())
            .map(|(property, value)| Found {
                property,
                value,
                mapped: false,
            })
            .collect()
    }

    /// The first text for a target.
    pub(crate) fn text(&self, props: &Props, target: &str) -> Option<String> {
        self.all(props, target)
            .into_iter()
            .find_map(|f| text_of(f.value))
    }

    /// The first number for a target; a mapped property that is not a number is an error.
    pub(crate) fn number(
        &self,
        props: &Props,
        target: &str,
    ) -> std::result::Result<Option<f64>, FeatureProblem> {
        for found in self.all(props, target) {
            match number_of(found.value) {
                Some(n) => return Ok(Some(n)),
                None if found.mapped => {
                    return Err(bad(
                        &found,
                        target,
                        "it is not a number; fix the value or the mapping",
                    ));
                }
                None => {}
            }
        }
        Ok(None)
    }

    /// The first value for a target that `parse` accepts; a mapped property it refuses is an
    /// error, default-named ones are passed over (Tilezen's numeric `tier`, OSM's
    /// `type=multipolygon` mean other things).
    pub(crate) fn parsed<T, E: std::fmt::Display>(
        &self,
        props: &Props,
        target: &str,
        parse: impl Fn(&str) -> std::result::Result<T, E>,
    ) -> std::result::Result<Option<T>, FeatureProblem> {
        for found in self.all(props, target) {
            let Some(text) = text_of(found.value) else {
                continue;
            };
            match parse(&text) {
                Ok(value) => return Ok(Some(value)),
                Err(e) if found.mapped => return Err(bad(&found, target, &e.to_string())),
                Err(_) => {}
            }
        }
        Ok(None)
    }
}

/// The problem of a property that cannot be read as `target`.
pub(crate) fn bad(found: &Found<'_>, target: &str, reason: &str) -> FeatureProblem {
    FeatureProblem::BadValue {
        property: found.property.to_string(),
        value: text_of(found.value).unwrap_or_else(|| found.value.to_string()),
        target: target.to_string(),
        reason: reason.to_string(),
    }
}

/// A property value as text: strings trimmed (empty ones are absent), numbers as written.
pub(crate) fn text_of(value: &Value) -> Option<String> {
    match value {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A property value as a number: JSON numbers, and strings that start with one (`"20"`, `"20 m"`,
/// `"3;4"` — OSM allows units and lists).
pub(crate) fn number_of(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64().filter(|n| n.is_finite()),
        Value::String(s) => leading_number(s),
        _ => None,
    }
}

/// The number a string starts with, if any.
pub(crate) fn leading_number(text: &str) -> Option<f64> {
    let text = text.trim();
    let end = text
        .char_indices()
        .find(|&(i, c)| !(c.is_ascii_digit() || c == '.' || (i == 0 && (c == '-' || c == '+'))))
        .map_or(text.len(), |(i, _)| i);
    text[..end].parse::<f64>().ok().filter(|n| n.is_finite())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn props(value: Value) -> Props {
        match value {
            Value::Object(map) => map,
            _ => Props::new(),
        }
    }

    #[test]
    fn numbers_are_read_leniently_from_defaults_and_strictly_when_mapped() {
        assert_eq!(leading_number("20 m"), Some(20.0));
        assert_eq!(leading_number("3;4"), Some(3.0));
        assert_eq!(leading_number("-2.5"), Some(-2.5));
        assert_eq!(leading_number("many"), None);
        let fields = Fields::new(&[("households".into(), "HH_CNT".into())], "t").expect("fields");
        let p = props(json!({"HH_CNT": "n/a", "households": 12}));
        let message = fields
            .number(&p, "households")
            .expect_err("mapped and bad")
            .to_string();
        assert!(
            message.contains("HH_CNT") && message.contains("n/a"),
            "{message}"
        );
        let defaults = Fields::default();
        assert_eq!(
            defaults.number(&p, "households").expect("default"),
            Some(12.0)
        );
        let unknown = Fields::new(&[("colour".into(), "X".into())], "t").expect_err("unknown");
        assert!(unknown.to_string().contains("households"), "{unknown}");
    }
}
