//! The feature model every reader produces, and the [`Builder`] that turns features into domain
//! records: which layer a feature belongs to, which properties mean what, and what is estimated.
//!
//! Readers (GeoJSON, OSM, GeoPackage) know their format; the builder knows the domain. A reader
//! hands over a [`SourceFeature`]: a label for messages, an identifier, properties as JSON values
//! and raw coordinates. The builder classifies it, checks its geometry
//! ([`crate::validate`]), maps its properties and allocates identifiers after the existing ones.

use std::collections::{HashMap, HashSet};

use geo::{LineString, MultiPolygon};
use wangge_core::dataset::NextIds;
use wangge_core::{
    Building, Compound, CompoundKind, Dataset, Layer, LevelConfig, Management, StreetSegment, Tier,
    Totals, Zone,
};

use crate::error::{FeatureProblem, ImportError, Result};
use crate::estimate::{self, DEFAULT_FLOORS, estimate_households};
use crate::fields::{Fields, Props};
use crate::tags::{
    ZoneLevels, has_foreign_class, is_admin_boundary, is_boundary_line, is_building,
    is_building_part, is_residential, land_use, not_a_street, street_class, tag,
};
use crate::validate::{self, Checks, Path};
use crate::{ImportOptions, ImportReport, InputLayer, LayerCounts, Skip, Warning};

/// A feature's geometry as read, before any check.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Shape {
    /// Polygons, each a list of rings (exterior first).
    Polygons(Vec<Vec<Path>>),
    /// Lines.
    Lines(Vec<Path>),
    /// Points or multi-points, which no layer takes.
    Points,
    /// No geometry at all.
    Empty,
    /// Another geometry type (a collection), by name.
    Other(&'static str),
}

impl Shape {
    fn name(&self) -> &'static str {
        match self {
            Shape::Polygons(p) if p.len() == 1 => "Polygon",
            Shape::Polygons(_) => "MultiPolygon",
            Shape::Lines(l) if l.len() == 1 => "LineString",
            Shape::Lines(_) => "MultiLineString",
            Shape::Points => "Point",
            Shape::Empty => "feature without geometry",
            Shape::Other(name) => name,
        }
    }
}

/// One feature as a reader hands it over.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SourceFeature {
    /// How messages name it, e.g. `feature #12 (id 4711)` or `way 123`.
    pub label: String,
    /// The identifier the format gives it outside its properties (a GeoJSON feature id, an OSM id,
    /// a GeoPackage fid), used when no id property is present.
    pub id: Option<String>,
    /// Properties.
    pub props: Props,
    /// Geometry.
    pub shape: Shape,
}

/// The label of the `index`-th feature: `feature #12 (id 4711)`, counting from 0 as a JSON array
/// does.
pub(crate) fn label(index: usize, id: Option<&str>) -> String {
    match id {
        Some(id) => format!("feature #{index} (id {id})"),
        None => format!("feature #{index}"),
    }
}

/// Which record a feature becomes.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Target {
    Building,
    Street,
    Compound,
    Zone(String),
    Skip(String),
    /// Not of the chosen layer, in a file that holds every layer (OSM): left out without a count.
    Ignore,
}

const BUILDING_PART: &str = "building_part features (parts of other buildings; importing them would count footprints twice)";
const NOT_RESIDENTIAL: &str = "land-use and land-cover features that are not residential";
const POINTS: &str = "point features (no layer takes points)";
const NO_GEOMETRY: &str = "features without geometry";
const COLLECTIONS: &str = "geometry collections (split them into single geometries to import them)";
const BOUNDARY_LINES: &str = "boundary lines (zones need polygons)";
const OPEN_OUTLINES: &str = "lines tagged as buildings or land use (outlines that are not closed)";
const ALREADY_IMPORTED: &str = "features already in the data (a record of the same layer has the same source id; delete it first to import it anew)";
const OTHER_LINES: &str = "lines whose kind is not a street class";
const OTHER_POLYGONS: &str =
    "polygons that are neither buildings, residential land nor administrative boundaries";

/// Records made by a builder.
#[derive(Debug, Clone, Default)]
pub(crate) struct Additions {
    pub zones: Vec<Zone>,
    pub compounds: Vec<Compound>,
    pub buildings: Vec<Building>,
    pub streets: Vec<StreetSegment>,
}

/// Turns source features into records, counting what it skips and noting what it repairs.
#[derive(Debug)]
pub(crate) struct Builder {
    file: String,
    layer: Option<InputLayer>,
    /// True for files that hold every layer (OSM): a chosen layer filters instead of forcing.
    filter: bool,
    checks: Checks,
    fields: Fields,
    levels: LevelConfig,
    zone_levels: ZoneLevels,
    next: NextIds,
    added: Additions,
    skipped: Vec<Skip>,
    warnings: Vec<Warning>,
    estimated: usize,
    /// Source ids already in the dataset, per layer, so that importing a file twice does not
    /// duplicate its records.
    known: HashMap<Layer, HashSet<String>>,
}

impl Builder {
    /// A builder adding to `existing` under `options`.
    pub(crate) fn new(file: &str, existing: &Dataset, options: &ImportOptions) -> Result<Builder> {
        let fields = Fields::new(&options.fields, file)?;
        let zone_levels = match (options.layer, options.zone_level.as_deref()) {
            // Boundaries imported as communities are communities unless told otherwise.
            (Some(InputLayer::Communities), None) => {
                ZoneLevels::new(Some("community"), &existing.levels, file)?
            }
            (_, option) => ZoneLevels::new(option, &existing.levels, file)?,
        };
        Ok(Builder {
            file: file.to_string(),
            layer: options.layer,
            filter: false,
            checks: Checks {
                repair: options.repair,
                crs: options.crs,
            },
            fields,
            levels: existing.levels.clone(),
            zone_levels,
            next: existing.next_ids(),
            added: Additions::default(),
            skipped: Vec::new(),
            warnings: Vec::new(),
            estimated: 0,
            known: known_source_ids(existing),
        })
    }

    /// Makes a chosen layer pick features out of a file that holds every layer, instead of
    /// forcing every feature into it.
    pub(crate) fn filter_by_layer(&mut self) {
        self.filter = true;
    }

    /// Sets the layer when the reader learns it from the file itself (a GeoPackage table named
    /// `buildings`); `None` keeps inferring per feature.
    pub(crate) fn set_layer(&mut self, layer: Option<InputLayer>) {
        self.layer = layer;
    }

    /// The file name for messages.
    pub(crate) fn file(&self) -> &str {
        &self.file
    }

    /// Counts a feature left out on purpose.
    pub(crate) fn skip(&mut self, reason: &str) {
        match self.skipped.iter_mut().find(|s| s.reason == reason) {
            Some(skip) => skip.count += 1,
            None => self.skipped.push(Skip {
                reason: reason.to_string(),
                count: 1,
            }),
        }
    }

    /// Notes something a reader repaired or assumed for a feature.
    pub(crate) fn warn(&mut self, feature: &str, message: String) {
        self.warnings.push(Warning {
            file: self.file.clone(),
            feature: feature.to_string(),
            message,
        });
    }

    /// Adds one feature, or counts it as skipped.
    pub(crate) fn add(&mut self, feature: SourceFeature) -> Result<()> {
        let target = self
            .classify(&feature)
            .map_err(|p| self.fail(&feature, p))?;
        let layer = match &target {
            Target::Building => Some(Layer::Buildings),
            Target::Street => Some(Layer::Streets),
            Target::Compound => Some(Layer::Compounds),
            _ => None,
        };
        if let Some(layer) = layer
            && let Some(id) = self.source_id(&feature)
            && self.known.get(&layer).is_some_and(|ids| ids.contains(&id))
        {
            self.skip(ALREADY_IMPORTED);
            return Ok(());
        }
        let mut notes = Vec::new();
        let result = match target {
            Target::Ignore => Ok(()),
            Target::Skip(reason) => {
                self.skip(&reason);
                Ok(())
            }
            Target::Building => self.building(&feature, &mut notes),
            Target::Street => self.street(&feature, &mut notes),
            Target::Compound => self.compound(&feature, &mut notes),
            Target::Zone(level) => self.zone(&feature, level, &mut notes),
        };
        result.map_err(|p| self.fail(&feature, p))?;
        for message in notes {
            self.warnings.push(Warning {
                file: self.file.clone(),
                feature: feature.label.clone(),
                message,
            });
        }
        Ok(())
    }

    /// What was made, and the report so far (without the file path, which the caller knows).
    pub(crate) fn finish(self) -> (Additions, ImportReport) {
        let report = ImportReport {
            added: LayerCounts {
                zones: self.added.zones.len(),
                compounds: self.added.compounds.len(),
                buildings: self.added.buildings.len(),
                streets: self.added.streets.len(),
            },
            estimated_buildings: self.estimated,
            skipped: self.skipped,
            warnings: self.warnings,
            ..ImportReport::default()
        };
        (self.added, report)
    }

    fn fail(&self, feature: &SourceFeature, problem: FeatureProblem) -> ImportError {
        ImportError::Feature {
            file: self.file.clone(),
            feature: feature.label.clone(),
            problem: Box::new(problem),
        }
    }

    fn classify(&self, feature: &SourceFeature) -> std::result::Result<Target, FeatureProblem> {
        let props = &feature.props;
        let shape = &feature.shape;
        match shape {
            Shape::Empty => return Ok(Target::Skip(NO_GEOMETRY.into())),
            Shape::Points if self.layer.is_none() || self.filter => {
                return Ok(Target::Skip(POINTS.into()));
            }
            Shape::Other(_) if self.layer.is_none() || self.filter => {
                return Ok(Target::Skip(COLLECTIONS.into()));
            }
            _ => {}
        }
        let inferred = self.infer(feature);
        let Some(layer) = self.layer else {
            return Ok(inferred);
        };
        if self.filter {
            let wanted = match (&inferred, layer) {
                (Target::Building, InputLayer::Buildings)
                | (Target::Street, InputLayer::Streets)
                | (Target::Compound, InputLayer::Compounds)
                | (Target::Zone(_), InputLayer::Communities) => true,
                // Skips that belong to the chosen layer are still counted.
                (Target::Skip(reason), InputLayer::Buildings) => reason == BUILDING_PART,
                (Target::Skip(reason), InputLayer::Streets) => {
                    matches!(shape, Shape::Lines(_))
                        && reason != BOUNDARY_LINES
                        && reason != OPEN_OUTLINES
                }
                _ => false,
            };
            return Ok(if wanted { inferred } else { Target::Ignore });
        }
        let polygonal = matches!(shape, Shape::Polygons(_));
        let linear = matches!(shape, Shape::Lines(_));
        let wrong = |layer: &'static str, expected: &'static str| FeatureProblem::WrongGeometry {
            found: shape.name().to_string(),
            layer,
            expected,
        };
        match layer {
            InputLayer::Buildings => {
                if !polygonal {
                    return Err(wrong("buildings", "Polygon or MultiPolygon geometries"));
                }
                if is_building_part(props) {
                    return Ok(Target::Skip(BUILDING_PART.into()));
                }
                Ok(Target::Building)
            }
            InputLayer::Streets => {
                if !linear {
                    return Err(wrong("streets", "LineString or MultiLineString geometries"));
                }
                Ok(match not_a_street(props, &self.fields) {
                    Some(reason) => Target::Skip(reason.into()),
                    None => Target::Street,
                })
            }
            InputLayer::Compounds => {
                if !polygonal {
                    return Err(wrong("compounds", "Polygon or MultiPolygon geometries"));
                }
                if land_use(props, &self.fields).is_some() && !is_residential(props) {
                    return Ok(Target::Skip(NOT_RESIDENTIAL.into()));
                }
                Ok(Target::Compound)
            }
            InputLayer::Communities
            | InputLayer::Households
            | InputLayer::Chiefs
            | InputLayer::Partners => {
                if !polygonal {
                    return Err(wrong("zones", "Polygon or MultiPolygon geometries"));
                }
                Ok(self
                    .zone_levels
                    .resolve(self.fields.text(props, "admin_level"), &self.levels))
            }
        }
    }

    /// The layer a feature belongs to by its geometry and tags alone.
    fn infer(&self, feature: &SourceFeature) -> Target {
        let props = &feature.props;
        match &feature.shape {
            Shape::Lines(_) => {
                if is_building(props) || is_building_part(props) || tag(props, "landuse").is_some()
                {
                    Target::Skip(OPEN_OUTLINES.into())
                } else if let Some(reason) = not_a_street(props, &self.fields) {
                    Target::Skip(reason.into())
                } else if is_boundary_line(props) {
                    Target::Skip(BOUNDARY_LINES.into())
                } else if has_foreign_class(props, &self.fields) {
                    Target::Skip(OTHER_LINES.into())
                } else {
                    Target::Street
                }
            }
            Shape::Polygons(_) => {
                if is_building_part(props) {
                    Target::Skip(BUILDING_PART.into())
                } else if is_building(props) {
                    Target::Building
                } else if is_residential(props) {
                    Target::Compound
                } else if is_admin_boundary(props) {
                    self.zone_levels
                        .resolve(self.fields.text(props, "admin_level"), &self.levels)
                } else if land_use(props, &self.fields).is_some() {
                    Target::Skip(NOT_RESIDENTIAL.into())
                } else {
                    Target::Skip(OTHER_POLYGONS.into())
                }
            }
            Shape::Points => Target::Skip(POINTS.into()),
            Shape::Empty => Target::Skip(NO_GEOMETRY.into()),
            Shape::Other(_) => Target::Skip(COLLECTIONS.into()),
        }
    }

    fn polygons(
        &self,
        feature: &SourceFeature,
        notes: &mut Vec<String>,
    ) -> std::result::Result<MultiPolygon<f64>, FeatureProblem> {
        match &feature.shape {
            Shape::Polygons(parts) => validate::polygons(parts.clone(), self.checks, notes),
            other => Err(FeatureProblem::WrongGeometry {
                found: other.name().to_string(),
                layer: "this layer",
                expected: "polygons",
            }),
        }
    }

    fn lines(
        &self,
        feature: &SourceFeature,
        notes: &mut Vec<String>,
    ) -> std::result::Result<Vec<LineString<f64>>, FeatureProblem> {
        match &feature.shape {
            Shape::Lines(parts) => validate::lines(parts.clone(), self.checks, notes),
            other => Err(FeatureProblem::WrongGeometry {
                found: other.name().to_string(),
                layer: "streets",
                expected: "LineString or MultiLineString geometries",
            }),
        }
    }

    fn source_id(&self, feature: &SourceFeature) -> Option<String> {
        self.fields
            .text(&feature.props, "id")
            .or_else(|| feature.id.clone())
    }

    /// A street address from a full-address property, or from street and house number. Chinese
    /// addresses read 滨江大道2727号; others `Kauppalankatu 5`.
    fn address(&self, props: &Props) -> Option<String> {
        if let Some(address) = self.fields.text(props, "address") {
            return Some(address);
        }
        let street = self.fields.text(props, "street")?;
        let Some(number) = self.fields.text(props, "housenumber") else {
            return Some(street);
        };
        let chinese = street
            .chars()
            .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
        Some(if chinese {
            let suffix = if number.ends_with('号') { "" } else { "号" };
            format!("{street}{number}{suffix}")
        } else {
            format!("{street} {number}")
        })
    }

    fn building(
        &mut self,
        feature: &SourceFeature,
        notes: &mut Vec<String>,
    ) -> std::result::Result<(), FeatureProblem> {
        let geometry = self.polygons(feature, notes)?;
        let props = &feature.props;
        let fields = &self.fields;
        let height_m = fields.number(props, "height")?.filter(|h| *h > 0.0);
        let levels = fields.number(props, "floors")?.filter(|f| *f >= 0.5);
        let floors = match (levels, height_m) {
            (Some(levels), _) => levels.round().min(f64::from(u16::MAX)) as u16,
            (None, Some(height)) => estimate::floors_from_height(height),
            (None, None) => DEFAULT_FLOORS,
        };
        let given_households = fields.number(props, "households")?.map(to_u32);
        let given_population = fields.number(props, "population")?.map(to_u32);
        let residential = !fields
            .text(props, "use")
            .is_some_and(|u| estimate::is_non_residential(&u));
        let (households, population, estimated) = match (given_households, given_population) {
            (Some(h), Some(p)) => (h, p, false),
            (Some(h), None) => (h, estimate::residents_of(h), false),
            (None, Some(p)) => (estimate::households_of(p), p, false),
            (None, None) if residential => {
                let (h, p) = estimate_households(wangge_core::area_m2(&geometry), floors);
                (h, p, true)
            }
            (None, None) => (0, 0, true),
        };
        let units = match fields.number(props, "units")? {
            Some(units) => units.round().clamp(0.0, f64::from(u16::MAX)) as u16,
            None => estimate::units_of(households, floors),
        };
        if estimated {
            self.estimated += 1;
        }
        let building = Building {
            id: self.next.building,
            source_id: self.source_id(feature),
            name: self.fields.text(props, "name"),
            address: self.address(props),
            compound: None,
            floors,
            units,
            households,
            population,
            height_m,
            estimated,
            geometry,
        };
        self.next.building += 1;
        self.added.buildings.push(building);
        Ok(())
    }

    fn street(
        &mut self,
        feature: &SourceFeature,
        notes: &mut Vec<String>,
    ) -> std::result::Result<(), FeatureProblem> {
        let lines = self.lines(feature, notes)?;
        let class = street_class(&feature.props, &self.fields)?;
        let name = self.fields.text(&feature.props, "name");
        let source_id = self.source_id(feature);
        for geometry in lines {
            self.added.streets.push(StreetSegment {
                id: self.next.street,
                source_id: source_id.clone(),
                name: name.clone(),
                class,
                geometry,
            });
            self.next.street += 1;
        }
        Ok(())
    }

    fn compound(
        &mut self,
        feature: &SourceFeature,
        notes: &mut Vec<String>,
    ) -> std::result::Result<(), FeatureProblem> {
        let geometry = self.polygons(feature, notes)?;
        let props = &feature.props;
        let fields = &self.fields;
        let stars = match fields.number(props, "stars")? {
            Some(s) if (1.0..=5.0).contains(&s.round()) => Some(s.round() as u8),
            Some(s) if fields.mapped("stars").is_some() => {
                return Err(FeatureProblem::BadValue {
                    property: fields.mapped("stars").unwrap_or_default().to_string(),
                    value: s.to_string(),
                    target: "stars".into(),
                    reason: "a star rating is 1 to 5".into(),
                });
            }
            _ => None,
        };
        let compound = Compound {
            id: self.next.compound,
            code: String::new(),
            name: fields.text(props, "name").unwrap_or_default(),
            // Mixed (混合) is the one type that claims nothing about who built the compound.
            kind: fields
                .parsed(props, "kind", CompoundKind::parse)?
                .unwrap_or(CompoundKind::Mixed),
            // Until a register says otherwise nobody is known to manage the compound; treating it
            // as unmanaged keeps it on the patrol lists, the safe side for grid workers.
            management: fields
                .parsed(props, "management", Management::parse)?
                .unwrap_or(Management::None),
            // A compound is in good order until an inspection says otherwise.
            tier: fields
                .parsed(props, "tier", Tier::parse)?
                .unwrap_or(Tier::Green),
            stars,
            source_id: self.source_id(feature),
            geometry,
        };
        self.next.compound += 1;
        self.added.compounds.push(compound);
        Ok(())
    }

    fn zone(
        &mut self,
        feature: &SourceFeature,
        level: String,
        notes: &mut Vec<String>,
    ) -> std::result::Result<(), FeatureProblem> {
        let geometry = self.polygons(feature, notes)?;
        let props = &feature.props;
        let code = self.fields.text(props, "code").unwrap_or_default();
        let name = self.fields.text(props, "name").unwrap_or_default();
        self.added.zones.push(Zone {
            id: self.next.zone,
            code,
            name,
            level,
            parent: None,
            geometry,
            totals: Totals::default(),
        });
        self.next.zone += 1;
        Ok(())
    }
}

/// The source ids of every building, street and compound in a dataset, per layer.
fn known_source_ids(data: &Dataset) -> HashMap<Layer, HashSet<String>> {
    let ids = |ids: Vec<&Option<String>>| -> HashSet<String> {
        ids.into_iter().flatten().cloned().collect()
    };
    HashMap::from([
        (
            Layer::Buildings,
            ids(data.buildings.iter().map(|b| &b.source_id).collect()),
        ),
        (
            Layer::Streets,
            ids(data.streets.iter().map(|s| &s.source_id).collect()),
        ),
        (
            Layer::Compounds,
            ids(data.compounds.iter().map(|c| &c.source_id).collect()),
        ),
    ])
}

fn to_u32(n: f64) -> u32 {
    n.round().clamp(0.0, f64::from(u32::MAX)) as u32
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};
    use wangge_core::StreetClass;

    fn props(value: Value) -> Props {
        match value {
            Value::Object(map) => map,
            _ => Props::new(),
        }
    }

    fn square(x: f64, y: f64, size: f64) -> Shape {
        Shape::Polygons(vec![vec![vec![
            [x, y],
            [x + size, y],
            [x + size, y + size],
            [x, y + size],
            [x, y],
        ]]])
    }

    fn feature(p: Value, shape: Shape) -> SourceFeature {
        SourceFeature {
            label: label(0, None),
            id: None,
            props: props(p),
            shape,
        }
    }

    fn builder(options: &ImportOptions) -> Builder {
        Builder::new("t.geojson", &Dataset::new(LevelConfig::default()), options).expect("builder")
    }

    #[test]
    fn layers_are_inferred_from_geometry_and_tags() {
        let b = builder(&ImportOptions::default());
        let line = Shape::Lines(vec![vec![[121.0, 31.0], [121.1, 31.0]]]);
        let cases = [
            (json!({"kind": "building"}), square(121.0, 31.0, 0.001), Target::Building),
            (json!({"building": "yes"}), square(121.0, 31.0, 0.001), Target::Building),
            (json!({"fclass": "residential"}), square(121.0, 31.0, 0.01), Target::Compound),
            (json!({"kind": "building_part"}), square(121.0, 31.0, 0.001), Target::Skip(BUILDING_PART.into())),
            (json!({"boundary": "administrative", "admin_level": "8"}), square(121.0, 31.0, 0.1), Target::Zone("subdistrict".into())),
            (json!({"boundary": "administrative", "admin_level": "2"}), square(121.0, 31.0, 0.1), Target::Skip("administrative boundaries at admin_level 2 (not mapped to a zone level; map it with --zone-level ADMIN_LEVEL=KEY)".into())),
            (json!({"kind": "grass"}), square(121.0, 31.0, 0.01), Target::Skip(NOT_RESIDENTIAL.into())),
            (json!({"kind": "major_road"}), line.clone(), Target::Street),
            (json!({"kind": "rail", "kind_detail": "subway"}), line.clone(), Target::Skip("rail features (railways are not streets)".into())),
            (json!({"kind": "county"}), line.clone(), Target::Skip(BOUNDARY_LINES.into())),
            (json!({"building": "yes"}), line.clone(), Target::Skip(OPEN_OUTLINES.into())),
            (json!({}), Shape::Points, Target::Skip(POINTS.into())),
        ];
        for (p, shape, expected) in cases {
            let f = feature(p.clone(), shape);
            assert_eq!(b.classify(&f).expect("classify"), expected, "{p}");
        }
    }

    #[test]
    fn a_chosen_layer_refuses_the_wrong_geometry() {
        let b = builder(&ImportOptions {
            layer: Some(InputLayer::Buildings),
            ..ImportOptions::default()
        });
        let f = feature(
            json!({}),
            Shape::Lines(vec![vec![[121.0, 31.0], [121.1, 31.0]]]),
        );
        let problem = b.classify(&f).expect_err("line as building");
        assert!(
            problem
                .to_string()
                .contains("a LineString cannot be imported as buildings"),
            "{problem}"
        );
    }

    #[test]
    fn street_classes_come_from_the_first_known_class() {
        let fields = Fields::default();
        let class = |p: Value| street_class(&props(p), &fields).expect("class");
        assert_eq!(
            class(json!({"kind": "major_road", "kind_detail": "trunk_link"})),
            StreetClass::Arterial
        );
        assert_eq!(
            class(json!({"kind": "path", "kind_detail": "pier"})),
            StreetClass::Footway
        );
        assert_eq!(
            class(json!({"fclass": "track_grade3"})),
            StreetClass::Footway
        );
        assert_eq!(class(json!({"highway": "service"})), StreetClass::Lane);
        assert_eq!(class(json!({})), StreetClass::Local);
    }

    #[test]
    fn buildings_get_floors_households_and_addresses() {
        let mut b = builder(&ImportOptions::default());
        b.add(feature(
            json!({"kind": "building", "height": 30, "addr_street": "滨江大道", "addr_housenumber": "2727", "id": 5}),
            square(121.5, 31.2, 0.0003),
        ))
        .expect("tall");
        b.add(feature(
            json!({"building": "office", "building:levels": "4"}),
            square(121.6, 31.2, 0.0003),
        ))
        .expect("office");
        b.add(feature(
            json!({"building": "apartments", "households": 40, "addr:street": "Kauppalankatu", "addr:housenumber": "5"}),
            square(121.7, 31.2, 0.0003),
        ))
        .expect("registered");
        b.add(feature(
            json!({"building": "yes"}),
            square(121.8, 31.2, 0.0003),
        ))
        .expect("plain");
        let (added, report) = b.finish();
        let [tall, office, registered, plain] = &added.buildings[..] else {
            panic!("four buildings expected, got {}", added.buildings.len());
        };
        assert_eq!((tall.floors, tall.height_m), (10, Some(30.0)));
        assert_eq!(tall.address.as_deref(), Some("滨江大道2727号"));
        assert_eq!(tall.source_id.as_deref(), Some("5"));
        // About 28.5 m × 33 m = 940 m², 10 floors: 9,400 m² gross, 78 households.
        assert!((70..90).contains(&tall.households), "{}", tall.households);
        assert!(tall.estimated);
        assert_eq!(
            (office.floors, office.households, office.population),
            (4, 0, 0)
        );
        assert_eq!(
            (
                registered.households,
                registered.population,
                registered.estimated
            ),
            (40, 92, false)
        );
        assert_eq!(registered.address.as_deref(), Some("Kauppalankatu 5"));
        assert_eq!(plain.floors, DEFAULT_FLOORS);
        assert_eq!(report.estimated_buildings, 3);
        assert_eq!(
            added.buildings.iter().map(|b| b.id).collect::<Vec<_>>(),
            vec![1, 2, 3, 4]
        );
    }

    #[test]
    fn compounds_read_their_attributes_in_either_language() {
        let mut b = builder(&ImportOptions {
            layer: Some(InputLayer::Compounds),
            fields: vec![("name".into(), "XQMC".into())],
            ..ImportOptions::default()
        });
        b.add(feature(
            json!({"XQMC": "崂山二村", "type": "还建", "management": "半物业", "tier": "红色", "stars": 4}),
            square(121.5, 31.2, 0.003),
        ))
        .expect("compound");
        b.add(feature(
            json!({"kind": "residential", "tier": 2}),
            square(121.6, 31.2, 0.003),
        ))
        .expect("tilezen");
        b.add(feature(json!({"kind": "park"}), square(121.7, 31.2, 0.003)))
            .expect("park");
        let (added, report) = b.finish();
        let c = &added.compounds[0];
        assert_eq!(c.name, "崂山二村");
        assert_eq!(
            (c.kind, c.management, c.tier, c.stars),
            (
                CompoundKind::Resettlement,
                Management::Partial,
                Tier::Red,
                Some(4)
            )
        );
        let d = &added.compounds[1];
        assert_eq!(
            (d.kind, d.management, d.tier, d.stars),
            (CompoundKind::Mixed, Management::None, Tier::Green, None)
        );
        assert_eq!(
            report.skipped,
            vec![Skip {
                reason: NOT_RESIDENTIAL.into(),
                count: 1
            }]
        );
    }

    #[test]
    fn zone_levels_follow_the_option() {
        let levels = LevelConfig::default();
        let all = ZoneLevels::new(Some("subdistrict"), &levels, "f").expect("key");
        assert_eq!(
            all.resolve(Some("10".into()), &levels),
            Target::Zone("subdistrict".into())
        );
        let map = ZoneLevels::new(Some("9=community"), &levels, "f").expect("map");
        assert_eq!(
            map.resolve(Some("9".into()), &levels),
            Target::Zone("community".into())
        );
        let message = ZoneLevels::new(Some("ward"), &levels, "f")
            .expect_err("unknown")
            .to_string();
        assert!(
            message.contains("ward") && message.contains("subdistrict"),
            "{message}"
        );
    }
}
