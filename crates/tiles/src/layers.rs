//! What goes into a tile: the tile layers a URL can name, the MVT layers each holds, the zoom at
//! which each kind of feature appears, the properties every feature carries, and the TileJSON
//! description of all that.
//!
//! The names here are a contract with the web front end's map style: change one only together with
//! `web/`.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::str::FromStr;

use fast_mvt::{MvtCoord, MvtFeatureBuilder, MvtGeomType, MvtLayerBuilder, MvtResult, MvtValueRef};
use geo::{BoundingRect, Intersects, MultiPolygon, Rect};
use serde::Serialize;
use wangge_core::{Atlas, ChiefLevel, DutyKind, Id, Layer, StreetClass, Tier, chief_level};

use crate::chiefs::ChiefMap;
use crate::label::Labeller;
use crate::mvt::{BUFFER, EXTENT, Shaper};
use crate::project::{lat_of, lon_of};
use crate::tile_id::tiles_per_side;
use crate::{MAX_ZOOM, MIN_ZOOM, Result, TileError, TileId};

/// Compound outlines appear from this zoom; below it compounds are points.
pub const COMPOUNDS_MIN_ZOOM: u8 = 12;
/// Buildings appear from this zoom.
pub const BUILDINGS_MIN_ZOOM: u8 = 14;
/// Zones below the community level (the grids) appear from this zoom; the community level and
/// those above it appear at every zoom.
pub const GRIDS_MIN_ZOOM: u8 = 13;
/// The most points one tile's `compound_points` layer holds. Beyond it, points falling in the same
/// small square of the tile are merged into one (see [`encode`](crate::encode)), so that a
/// low-zoom tile over a megacity stays small; a sub-district or a district never gets near it.
pub const POINT_BUDGET: usize = 2048;

/// A zone gets a label point only where it spans at least this many tile pixels (two screen
/// pixels on a 512-pixel tile), so that low-zoom tiles over a city do not carry thousands of
/// labels for communities smaller than a dot.
pub const LABEL_MIN_SIZE: f64 = 16.0;

/// Chiefs' areas appear from this zoom (an area is a few compounds: nothing to see further out).
pub const CHIEFS_MIN_ZOOM: u8 = 12;

/// The zoom from which streets of a class appear.
pub fn street_min_zoom(class: StreetClass) -> u8 {
    match class {
        StreetClass::Arterial => 10,
        StreetClass::Collector => 12,
        StreetClass::Local => 13,
        StreetClass::Lane | StreetClass::Footway => 14,
    }
}

/// A set of MVT layers served under one URL name.
///
/// # Examples
///
/// ```
/// use wangge_tiles::TileLayer;
///
/// let layer = TileLayer::parse("compounds")?;
/// assert_eq!(layer, TileLayer::Compounds);
/// assert_eq!(layer.mvt_layers(), &["compounds", "compound_points"]);
/// assert!(TileLayer::parse("rivers").is_err());
/// # Ok::<(), wangge_tiles::TileError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TileLayer {
    /// `compounds` and `compound_points`.
    Compounds,
    /// `buildings`.
    Buildings,
    /// `streets`.
    Streets,
    /// `zones` and `zone_labels`.
    Zones,
    /// All six MVT layers above.
    All,
    /// `chiefs` and `chief_labels`: every street chief's area (needs a [`ChiefMap`]).
    Chiefs,
    /// `patrol_area`, `patrol_compounds`, `patrol_buildings` and `patrol_streets`: one chief's
    /// area and what they answer for (needs a [`ChiefMap`] and the chief).
    Patrol,
}

impl TileLayer {
    /// Every tile layer, in the order of their URL names below.
    pub const ALL: [TileLayer; 7] = [
        TileLayer::Compounds,
        TileLayer::Buildings,
        TileLayer::Streets,
        TileLayer::Zones,
        TileLayer::All,
        TileLayer::Chiefs,
        TileLayer::Patrol,
    ];

    /// The URL name: `compounds`, `buildings`, `streets`, `zones`, `all`, `chiefs` or `patrol`.
    pub fn as_str(self) -> &'static str {
        match self {
            TileLayer::Compounds => "compounds",
            TileLayer::Buildings => "buildings",
            TileLayer::Streets => "streets",
            TileLayer::Zones => "zones",
            TileLayer::All => "all",
            TileLayer::Chiefs => "chiefs",
            TileLayer::Patrol => "patrol",
        }
    }

    /// Parses a URL name.
    pub fn parse(name: &str) -> Result<TileLayer> {
        TileLayer::ALL
            .into_iter()
            .find(|l| l.as_str() == name)
            .ok_or_else(|| TileError::UnknownLayer {
                name: name.to_string(),
            })
    }

    /// The names of the MVT layers in a tile of this layer, in the order they are written.
    pub fn mvt_layers(self) -> &'static [&'static str] {
        match self {
            TileLayer::Compounds => &["compounds", "compound_points"],
            TileLayer::Buildings => &["buildings"],
            TileLayer::Streets => &["streets"],
            TileLayer::Zones => &["zones", "zone_labels"],
            TileLayer::All => &[
                "zones",
                "compounds",
                "buildings",
                "streets",
                "compound_points",
                "zone_labels",
            ],
            TileLayer::Chiefs => &["chiefs", "chief_labels"],
            TileLayer::Patrol => &[
                "patrol_area",
                "patrol_streets",
                "patrol_compounds",
                "patrol_buildings",
            ],
        }
    }

    /// Whether tiles of this layer are drawn from a [`ChiefMap`] (see
    /// [`encode_with`](crate::encode_with)).
    pub fn needs_chiefs(self) -> bool {
        matches!(self, TileLayer::Chiefs | TileLayer::Patrol)
    }

    /// The MVT layers of a tile of this layer, in the order of [`Self::mvt_layers`].
    pub(crate) fn contents(self) -> &'static [MvtLayer] {
        use MvtLayer::*;
        match self {
            TileLayer::Compounds => &[Compounds, CompoundPoints],
            TileLayer::Buildings => &[Buildings],
            TileLayer::Streets => &[Streets],
            TileLayer::Zones => &[Zones, ZoneLabels],
            TileLayer::All => &[
                Zones,
                Compounds,
                Buildings,
                Streets,
                CompoundPoints,
                ZoneLabels,
            ],
            TileLayer::Chiefs => &[Chiefs, ChiefLabels],
            TileLayer::Patrol => &[PatrolArea, PatrolStreets, PatrolCompounds, PatrolBuildings],
        }
    }

    /// The data layers a change must touch for tiles of this layer to go stale.
    pub fn sources(self) -> &'static [Layer] {
        match self {
            // Compound households are sums over their buildings.
            TileLayer::Compounds => &[Layer::Compounds, Layer::Buildings],
            TileLayer::Buildings => &[Layer::Buildings, Layer::Compounds],
            TileLayer::Streets => &[Layer::Streets],
            TileLayer::Zones => &[Layer::Zones],
            // Areas are drawn from every layer and from the duties; the server also compares
            // chief maps (`ChiefMap::changed_since`).
            TileLayer::All | TileLayer::Chiefs | TileLayer::Patrol => &Layer::ALL,
        }
    }
}

impl fmt::Display for TileLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for TileLayer {
    type Err = TileError;
    fn from_str(s: &str) -> Result<Self> {
        TileLayer::parse(s)
    }
}

/// One MVT layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MvtLayer {
    Zones,
    Compounds,
    Buildings,
    Streets,
    CompoundPoints,
    ZoneLabels,
    Chiefs,
    ChiefLabels,
    PatrolArea,
    PatrolCompounds,
    PatrolBuildings,
    PatrolStreets,
}

impl MvtLayer {
    /// The layer's name in the tile.
    pub(crate) fn name(self) -> &'static str {
        match self {
            MvtLayer::Zones => "zones",
            MvtLayer::Compounds => "compounds",
            MvtLayer::Buildings => "buildings",
            MvtLayer::Streets => "streets",
            MvtLayer::CompoundPoints => "compound_points",
            MvtLayer::ZoneLabels => "zone_labels",
            MvtLayer::Chiefs => "chiefs",
            MvtLayer::ChiefLabels => "chief_labels",
            MvtLayer::PatrolArea => "patrol_area",
            MvtLayer::PatrolCompounds => "patrol_compounds",
            MvtLayer::PatrolBuildings => "patrol_buildings",
            MvtLayer::PatrolStreets => "patrol_streets",
        }
    }
}

/// One entry of TileJSON 3.0's `vector_layers`: an MVT layer, the zooms at which it has features,
/// and its fields with their types and meaning.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VectorLayer {
    /// The MVT layer name.
    pub id: String,
    /// What the layer shows.
    pub description: String,
    /// The lowest zoom with features.
    pub minzoom: u8,
    /// The highest zoom served.
    pub maxzoom: u8,
    /// Property name → type and meaning.
    pub fields: BTreeMap<String, String>,
}

/// The `vector_layers` of a tile layer, for its TileJSON.
///
/// # Examples
///
/// ```
/// use wangge_tiles::{TileLayer, vector_layers};
///
/// let layers = vector_layers(TileLayer::Compounds);
/// let ids: Vec<&str> = layers.iter().map(|l| l.id.as_str()).collect();
/// assert_eq!(ids, ["compounds", "compound_points"]);
/// assert_eq!(layers[0].minzoom, 12);
/// assert!(layers[0].fields["tier"].contains("green"));
/// ```
pub fn vector_layers(layer: TileLayer) -> Vec<VectorLayer> {
    layer.contents().iter().map(|&l| describe(l)).collect()
}

fn describe(layer: MvtLayer) -> VectorLayer {
    let fields = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    };
    const TIER: &str =
        "String: colour tier, green (绿色·宽管级) | yellow (黄色·关注级) | red (红色·禁止级)";
    const CODE: &str = "String: compound code (community code + sequence)";
    const HOUSEHOLDS: &str = "Number: households (户), summed over the compound's buildings";
    let (description, minzoom, fields) = match layer {
        MvtLayer::Compounds => (
            "Residential compounds (小区 / 楼院) as outlines, coloured by tier; feature id = compound id",
            COMPOUNDS_MIN_ZOOM,
            fields(&[
                ("code", CODE),
                ("name", "String: compound name"),
                ("tier", TIER),
                ("households", HOUSEHOLDS),
                (
                    "kind",
                    "String: commercial | resettlement | work_unit | mixed",
                ),
                (
                    "management",
                    "String: property management, full | partial | none",
                ),
                (
                    "stars",
                    "Number: party-branch star rating 1–5, absent when unrated",
                ),
            ]),
        ),
        MvtLayer::CompoundPoints => (
            "One point per compound, inside it, for low zooms, labels and heat maps; where a \
             tile would hold more than 2048 points, nearby points are merged into one",
            MIN_ZOOM,
            fields(&[
                ("code", CODE),
                ("name", "String: compound name"),
                ("tier", TIER),
                ("households", HOUSEHOLDS),
                (
                    "count",
                    "Number: compounds this point stands for: 1, or more where points were merged \
                     (then code and name are the largest one's, tier the worst, households the sum)",
                ),
            ]),
        ),
        MvtLayer::Buildings => (
            "Buildings (楼栋); feature id = building id",
            BUILDINGS_MIN_ZOOM,
            fields(&[
                ("id", "Number: building id"),
                ("floors", "Number: floors above ground"),
                ("households", "Number: households (户)"),
                (
                    "compound",
                    "String: code of the compound it stands in, absent if none",
                ),
            ]),
        ),
        MvtLayer::Streets => (
            "Street segments (街巷): arterials from z10, collectors from z12, local streets from \
             z13, lanes and footways from z14; feature id = street id",
            street_min_zoom(StreetClass::Arterial),
            fields(&[
                ("name", "String: street name, absent if unnamed"),
                (
                    "class",
                    "String: arterial | collector | local | lane | footway",
                ),
            ]),
        ),
        MvtLayer::Zones => (
            "Zones of every level (district … micro-grid): the community level and above at every \
             zoom, grids from z13; feature id = zone id",
            MIN_ZOOM,
            fields(&[
                ("level", "String: level key, e.g. community or secondary"),
                ("level_index", "Number: position of the level, 0 = top"),
                ("code", "String: zone code"),
                ("name", "String: zone name"),
                ("households", "Number: households (户) in the zone"),
                ("population", "Number: residents in the zone"),
            ]),
        ),
        MvtLayer::Chiefs => (
            "Street chiefs' areas (小巷管家 / 街长 责任区): the union of what each chief answers for, \
             one feature per chief and chief level; feature id = chief id",
            CHIEFS_MIN_ZOOM,
            fields(&[
                ("chief", "Number: chief id"),
                ("name", "String: chief's name"),
                ("role", "String: role key, e.g. grid_worker or volunteer"),
                (
                    "level",
                    "String: chief level, resident | community | subdistrict",
                ),
                (
                    "community",
                    "String: code of the chief's home community, absent if none",
                ),
                (
                    "workload",
                    "Number: households plus weighted street length (the assignment's measure)",
                ),
                (
                    "households",
                    "Number: households (户) in the chief's buildings",
                ),
                ("street_m", "Number: metres of street the chief answers for"),
                ("buildings", "Number: buildings the chief answers for"),
                ("streets", "Number: street segments the chief answers for"),
                (
                    "within_band",
                    "Boolean: whether the workload lies within the balance band",
                ),
                (
                    "colour",
                    "Number: 0–7, different from every touching area on the same level",
                ),
            ]),
        ),
        MvtLayer::ChiefLabels => (
            "One point per chief's area, inside it, for the chief's name and workload; only where \
             the area is at least 16 tile pixels across",
            CHIEFS_MIN_ZOOM,
            fields(&[
                ("chief", "Number: chief id"),
                ("name", "String: chief's name"),
                ("level", "String: chief level"),
                ("workload", "Number: workload"),
            ]),
        ),
        MvtLayer::PatrolArea => (
            "The area of the one chief the tile is for (the patrol view)",
            MIN_ZOOM,
            fields(&[
                ("chief", "Number: chief id"),
                ("name", "String: chief's name"),
                ("level", "String: chief level"),
                ("workload", "Number: workload"),
            ]),
        ),
        MvtLayer::PatrolCompounds => (
            "Compounds in which the chief answers for at least one building, coloured by tier; \
             feature id = compound id",
            COMPOUNDS_MIN_ZOOM,
            fields(&[
                ("code", CODE),
                ("name", "String: compound name"),
                ("tier", TIER),
                (
                    "households",
                    "Number: households (户) in the chief's buildings of the compound",
                ),
                ("buildings", "Number: the chief's buildings in the compound"),
            ]),
        ),
        MvtLayer::PatrolBuildings => (
            "Buildings the chief answers for; feature id = building id",
            BUILDINGS_MIN_ZOOM,
            fields(&[
                ("id", "Number: building id"),
                ("households", "Number: households (户)"),
                (
                    "compound",
                    "String: code of the compound it stands in, absent if none",
                ),
            ]),
        ),
        MvtLayer::PatrolStreets => (
            "Street segments the chief answers for; feature id = street id",
            CHIEFS_MIN_ZOOM,
            fields(&[
                ("id", "Number: street id"),
                ("name", "String: street name, absent if unnamed"),
                (
                    "class",
                    "String: arterial | collector | local | lane | footway",
                ),
            ]),
        ),
        MvtLayer::ZoneLabels => (
            "One point per zone, inside it, for its name; same zoom rules as zones, and only where \
             the zone is at least 16 tile pixels (2 screen pixels) across",
            MIN_ZOOM,
            fields(&[
                ("level", "String: level key"),
                ("level_index", "Number: position of the level, 0 = top"),
                ("code", "String: zone code"),
                ("name", "String: zone name"),
            ]),
        ),
    };
    VectorLayer {
        id: layer.name().to_string(),
        description: description.to_string(),
        minzoom,
        maxzoom: MAX_ZOOM,
        fields,
    }
}

/// Everything one tile's encoding needs, with its buffers reused across features and layers.
pub(crate) struct TileWriter<'a> {
    atlas: &'a Atlas,
    extras: Extras<'a>,
    tile: TileId,
    query: Rect<f64>,
    shaper: Shaper,
    labeller: Labeller,
    /// The encoded layers so far; concatenated framed layers form a tile.
    out: Vec<u8>,
}

impl<'a> TileWriter<'a> {
    pub(crate) fn new(atlas: &'a Atlas, extras: Extras<'a>, tile: TileId) -> Self {
        Self {
            atlas,
            extras,
            tile,
            query: query_box(tile),
            shaper: Shaper::new(tile),
            labeller: Labeller::default(),
            out: Vec::new(),
        }
    }

    pub(crate) fn finish(self) -> Vec<u8> {
        self.out
    }

    /// Writes one MVT layer.
    pub(crate) fn write(&mut self, layer: MvtLayer) -> MvtResult<()> {
        match layer {
            MvtLayer::Compounds => self.compounds(),
            MvtLayer::CompoundPoints => self.compound_points(),
            MvtLayer::Buildings => self.buildings(),
            MvtLayer::Streets => self.streets(),
            MvtLayer::Zones => self.zones(false),
            MvtLayer::ZoneLabels => self.zones(true),
            MvtLayer::Chiefs => self.chiefs(false),
            MvtLayer::ChiefLabels => self.chiefs(true),
            MvtLayer::PatrolArea => self.patrol_area(),
            MvtLayer::PatrolCompounds => self.patrol_compounds(),
            MvtLayer::PatrolBuildings => self.patrol_buildings(),
            MvtLayer::PatrolStreets => self.patrol_streets(),
        }
    }

    /// Appends a layer to the tile unless it has no features: an absent layer reads the same as
    /// an empty one and costs nothing.
    fn keep(&mut self, layer: MvtLayerBuilder) {
        if layer.num_features() > 0 {
            self.out.extend_from_slice(&layer.encode());
        }
    }

    /// Whether an area spans at least [`LABEL_MIN_SIZE`] pixels of this tile across or down: a
    /// label for a zone too small to see would only weigh the tile down.
    fn big_enough_to_label(&self, geometry: &MultiPolygon<f64>) -> bool {
        geometry.bounding_rect().is_some_and(|r| {
            let (a, b) = (self.shaper.pixel(r.min()), self.shaper.pixel(r.max()));
            (b[0] - a[0]).abs().max((b[1] - a[1]).abs()) >= LABEL_MIN_SIZE
        })
    }

    /// Starts the feature of an area in `layer`: with `labels`, its label point (only where the
    /// area is big enough to label), else its outline. `Err` hands the layer back untouched when
    /// nothing of the area shows in this tile.
    fn area_feature(
        &mut self,
        layer: MvtLayerBuilder,
        geometry: &MultiPolygon<f64>,
        labels: bool,
    ) -> MvtResult<std::result::Result<MvtFeatureBuilder, MvtLayerBuilder>> {
        if labels {
            if !self.big_enough_to_label(geometry) {
                return Ok(Err(layer));
            }
            let Some(at) = self
                .labeller
                .point(geometry)
                .and_then(|at| self.shaper.point(at))
            else {
                return Ok(Err(layer));
            };
            let mut f = layer.feature_of(MvtGeomType::Point);
            f.points([at])?;
            Ok(Ok(f))
        } else {
            if !self.shaper.polygon(geometry) {
                return Ok(Err(layer));
            }
            let mut f = layer.feature_of(MvtGeomType::Polygon);
            self.shaper.write_rings(&mut f)?;
            Ok(Ok(f))
        }
    }

    fn households(&self, compound: Id) -> u64 {
        self.atlas
            .buildings_of(compound)
            .map(|b| u64::from(b.households))
            .sum()
    }

    fn compounds(&mut self) -> MvtResult<()> {
        if self.tile.z < COMPOUNDS_MIN_ZOOM {
            return Ok(());
        }
        let data = self.atlas.data();
        let mut layer = MvtLayerBuilder::new(MvtLayer::Compounds.name())?;
        for i in self.atlas.in_box(Layer::Compounds, self.query) {
            let c = &data.compounds[i];
            if !self.shaper.polygon(&c.geometry) {
                continue;
            }
            let households = self.households(c.id);
            let mut f = layer.feature_of(MvtGeomType::Polygon);
            self.shaper.write_rings(&mut f)?;
            f.id(u64::try_from(c.id).ok());
            f.tag_ref("code", MvtValueRef::String(&c.code))?;
            f.tag_ref("name", MvtValueRef::String(&c.name))?;
            f.tag_ref("tier", MvtValueRef::String(c.tier.as_str()))?;
            f.tag_ref("households", MvtValueRef::UInt(households))?;
            f.tag_ref("kind", MvtValueRef::String(c.kind.as_str()))?;
            f.tag_ref("management", MvtValueRef::String(c.management.as_str()))?;
            if let Some(stars) = c.stars {
                f.tag_ref("stars", MvtValueRef::UInt(u64::from(stars)))?;
            }
            layer = f.end();
        }
        self.keep(layer);
        Ok(())
    }

    fn compound_points(&mut self) -> MvtResult<()> {
        let data = self.atlas.data();
        let mut points: Vec<PointOf> = Vec::new();
        for i in self.atlas.in_box(Layer::Compounds, self.query) {
            let c = &data.compounds[i];
            let Some(at) = self.labeller.point(&c.geometry) else {
                continue;
            };
            let Some(at) = self.shaper.point(at) else {
                continue;
            };
            points.push(PointOf {
                at,
                index: i,
                households: self.households(c.id),
                tier: c.tier,
                count: 1,
            });
        }
        if points.len() > POINT_BUDGET {
            points = merge_points(points, POINT_BUDGET);
        }
        let mut layer = MvtLayerBuilder::new(MvtLayer::CompoundPoints.name())?;
        for p in &points {
            let c = &data.compounds[p.index];
            let mut f = layer.feature_of(MvtGeomType::Point);
            f.points([p.at])?;
            f.id(u64::try_from(c.id).ok());
            f.tag_ref("code", MvtValueRef::String(&c.code))?;
            f.tag_ref("name", MvtValueRef::String(&c.name))?;
            f.tag_ref("tier", MvtValueRef::String(p.tier.as_str()))?;
            f.tag_ref("households", MvtValueRef::UInt(p.households))?;
            f.tag_ref("count", MvtValueRef::UInt(p.count))?;
            layer = f.end();
        }
        self.keep(layer);
        Ok(())
    }

    fn buildings(&mut self) -> MvtResult<()> {
        if self.tile.z < BUILDINGS_MIN_ZOOM {
            return Ok(());
        }
        let data = self.atlas.data();
        let mut layer = MvtLayerBuilder::new(MvtLayer::Buildings.name())?;
        for i in self.atlas.in_box(Layer::Buildings, self.query) {
            let b = &data.buildings[i];
            if !self.shaper.polygon(&b.geometry) {
                continue;
            }
            let mut f = layer.feature_of(MvtGeomType::Polygon);
            self.shaper.write_rings(&mut f)?;
            f.id(u64::try_from(b.id).ok());
            f.tag_ref("id", int(b.id))?;
            f.tag_ref("floors", MvtValueRef::UInt(u64::from(b.floors)))?;
            f.tag_ref("households", MvtValueRef::UInt(u64::from(b.households)))?;
            if let Some(compound) = b.compound.and_then(|id| self.atlas.compound(id)) {
                f.tag_ref("compound", MvtValueRef::String(&compound.code))?;
            }
            layer = f.end();
        }
        self.keep(layer);
        Ok(())
    }

    fn streets(&mut self) -> MvtResult<()> {
        if self.tile.z < street_min_zoom(StreetClass::Arterial) {
            return Ok(());
        }
        let data = self.atlas.data();
        let mut layer = MvtLayerBuilder::new(MvtLayer::Streets.name())?;
        for i in self.atlas.in_box(Layer::Streets, self.query) {
            let s = &data.streets[i];
            if self.tile.z < street_min_zoom(s.class) || !self.shaper.line(&s.geometry) {
                continue;
            }
            let mut f = layer.feature_of(MvtGeomType::LineString);
            self.shaper.write_lines(&mut f)?;
            f.id(u64::try_from(s.id).ok());
            if let Some(name) = s.name.as_deref().filter(|n| !n.is_empty()) {
                f.tag_ref("name", MvtValueRef::String(name))?;
            }
            f.tag_ref("class", MvtValueRef::String(s.class.as_str()))?;
            layer = f.end();
        }
        self.keep(layer);
        Ok(())
    }

    /// The `chiefs` layer, or with `labels` the `chief_labels` layer.
    fn chiefs(&mut self, labels: bool) -> MvtResult<()> {
        let Some(map) = self.extras.chiefs else {
            return Ok(());
        };
        if self.tile.z < CHIEFS_MIN_ZOOM {
            return Ok(());
        }
        let name = if labels {
            MvtLayer::ChiefLabels
        } else {
            MvtLayer::Chiefs
        };
        let mut layer = MvtLayerBuilder::new(name.name())?;
        for e in map.entries() {
            let a = &e.shape;
            if !a
                .geometry
                .bounding_rect()
                .is_some_and(|r| r.intersects(&self.query))
            {
                continue;
            }
            let chief = self.atlas.chief(a.chief);
            let mut f = match self.area_feature(layer, &a.geometry, labels)? {
                Ok(f) => f,
                Err(unused) => {
                    layer = unused;
                    continue;
                }
            };
            f.id(u64::try_from(a.chief).ok());
            f.tag_ref("chief", int(a.chief))?;
            if let Some(c) = chief {
                f.tag_ref("name", MvtValueRef::String(&c.name))?;
            }
            f.tag_ref("level", MvtValueRef::String(a.level.as_str()))?;
            f.tag_ref("workload", MvtValueRef::Double(round1(a.workload)))?;
            if !labels {
                if let Some(c) = chief {
                    f.tag_ref("role", MvtValueRef::String(c.role.as_str()))?;
                    if let Some(z) = c.community.and_then(|z| self.atlas.zone(z)) {
                        f.tag_ref("community", MvtValueRef::String(&z.code))?;
                    }
                }
                f.tag_ref("households", MvtValueRef::UInt(a.households))?;
                f.tag_ref("street_m", MvtValueRef::Double(a.street_m.round()))?;
                f.tag_ref("buildings", MvtValueRef::UInt(a.buildings as u64))?;
                f.tag_ref("streets", MvtValueRef::UInt(a.streets as u64))?;
                f.tag_ref("within_band", MvtValueRef::Bool(a.within_band))?;
                f.tag_ref("colour", MvtValueRef::UInt(u64::from(e.colour)))?;
            }
            layer = f.end();
        }
        self.keep(layer);
        Ok(())
    }

    /// The chief a `patrol` tile is for, and their level.
    fn patrol_chief(&self) -> Option<(Id, ChiefLevel)> {
        let id = self.extras.patrol?;
        let chief = self.atlas.chief(id)?;
        Some((id, chief_level(chief)))
    }

    /// Whether `chief` (with their level) answers for a building or street.
    fn answers_for(&self, (id, level): (Id, ChiefLevel), kind: DutyKind, target: Id) -> bool {
        self.atlas
            .responsible(kind, target, level)
            .is_some_and(|c| c.id == id)
    }

    fn patrol_area(&mut self) -> MvtResult<()> {
        let (Some(map), Some((id, level))) = (self.extras.chiefs, self.patrol_chief()) else {
            return Ok(());
        };
        let Some(a) = map.get(id, level) else {
            return Ok(());
        };
        if !self.shaper.polygon(&a.geometry) {
            return Ok(());
        }
        let mut layer = MvtLayerBuilder::new(MvtLayer::PatrolArea.name())?;
        let mut f = layer.feature_of(MvtGeomType::Polygon);
        self.shaper.write_rings(&mut f)?;
        f.id(u64::try_from(id).ok());
        f.tag_ref("chief", int(id))?;
        if let Some(c) = self.atlas.chief(id) {
            f.tag_ref("name", MvtValueRef::String(&c.name))?;
        }
        f.tag_ref("level", MvtValueRef::String(level.as_str()))?;
        f.tag_ref("workload", MvtValueRef::Double(round1(a.workload)))?;
        layer = f.end();
        self.keep(layer);
        Ok(())
    }

    fn patrol_compounds(&mut self) -> MvtResult<()> {
        let Some(chief) = self
            .patrol_chief()
            .filter(|_| self.tile.z >= COMPOUNDS_MIN_ZOOM)
        else {
            return Ok(());
        };
        let data = self.atlas.data();
        let mut layer = MvtLayerBuilder::new(MvtLayer::PatrolCompounds.name())?;
        for i in self.atlas.in_box(Layer::Compounds, self.query) {
            let c = &data.compounds[i];
            let (mut households, mut buildings) = (0u64, 0u64);
            for b in self.atlas.buildings_of(c.id) {
                if self.answers_for(chief, DutyKind::Building, b.id) {
                    households += u64::from(b.households);
                    buildings += 1;
                }
            }
            if buildings == 0 || !self.shaper.polygon(&c.geometry) {
                continue;
            }
            let mut f = layer.feature_of(MvtGeomType::Polygon);
            self.shaper.write_rings(&mut f)?;
            f.id(u64::try_from(c.id).ok());
            f.tag_ref("code", MvtValueRef::String(&c.code))?;
            f.tag_ref("name", MvtValueRef::String(&c.name))?;
            f.tag_ref("tier", MvtValueRef::String(c.tier.as_str()))?;
            f.tag_ref("households", MvtValueRef::UInt(households))?;
            f.tag_ref("buildings", MvtValueRef::UInt(buildings))?;
            layer = f.end();
        }
        self.keep(layer);
        Ok(())
    }

    fn patrol_buildings(&mut self) -> MvtResult<()> {
        let Some(chief) = self
            .patrol_chief()
            .filter(|_| self.tile.z >= BUILDINGS_MIN_ZOOM)
        else {
            return Ok(());
        };
        let data = self.atlas.data();
        let mut layer = MvtLayerBuilder::new(MvtLayer::PatrolBuildings.name())?;
        for i in self.atlas.in_box(Layer::Buildings, self.query) {
            let b = &data.buildings[i];
            if !self.answers_for(chief, DutyKind::Building, b.id)
                || !self.shaper.polygon(&b.geometry)
            {
                continue;
            }
            let mut f = layer.feature_of(MvtGeomType::Polygon);
            self.shaper.write_rings(&mut f)?;
            f.id(u64::try_from(b.id).ok());
            f.tag_ref("id", int(b.id))?;
            f.tag_ref("households", MvtValueRef::UInt(u64::from(b.households)))?;
            if let Some(compound) = b.compound.and_then(|id| self.atlas.compound(id)) {
                f.tag_ref("compound", MvtValueRef::String(&compound.code))?;
            }
            layer = f.end();
        }
        self.keep(layer);
        Ok(())
    }

    fn patrol_streets(&mut self) -> MvtResult<()> {
        let Some(chief) = self
            .patrol_chief()
            .filter(|_| self.tile.z >= CHIEFS_MIN_ZOOM)
        else {
            return Ok(());
        };
        let data = self.atlas.data();
        let mut layer = MvtLayerBuilder::new(MvtLayer::PatrolStreets.name())?;
        for i in self.atlas.in_box(Layer::Streets, self.query) {
            let s = &data.streets[i];
            if !self.answers_for(chief, DutyKind::Street, s.id) || !self.shaper.line(&s.geometry) {
                continue;
            }
            let mut f = layer.feature_of(MvtGeomType::LineString);
            self.shaper.write_lines(&mut f)?;
            f.id(u64::try_from(s.id).ok());
            f.tag_ref("id", int(s.id))?;
            if let Some(name) = s.name.as_deref().filter(|n| !n.is_empty()) {
                f.tag_ref("name", MvtValueRef::String(name))?;
            }
            f.tag_ref("class", MvtValueRef::String(s.class.as_str()))?;
            layer = f.end();
        }
        self.keep(layer);
        Ok(())
    }

    /// The `zones` layer, or with `labels` the `zone_labels` layer.
    fn zones(&mut self, labels: bool) -> MvtResult<()> {
        let data = self.atlas.data();
        let levels = &data.levels;
        // Levels down to the community show at every zoom; grids only from GRIDS_MIN_ZOOM. With no
        // community level configured, every level shows at every zoom: areas too small to see
        // vanish from low-zoom tiles anyway.
        let deepest = if self.tile.z >= GRIDS_MIN_ZOOM {
            usize::MAX
        } else {
            levels
                .community_key()
                .and_then(|key| levels.index_of(key).ok())
                .unwrap_or(usize::MAX)
        };
        let index_of: HashMap<&str, usize> = levels
            .levels
            .iter()
            .enumerate()
            .map(|(i, l)| (l.key.as_str(), i))
            .collect();
        let name = if labels {
            MvtLayer::ZoneLabels
        } else {
            MvtLayer::Zones
        };
        let mut layer = MvtLayerBuilder::new(name.name())?;
        for i in self.atlas.in_box(Layer::Zones, self.query) {
            let z = &data.zones[i];
            let Some(&level_index) = index_of.get(z.level.as_str()) else {
                continue;
            };
            if level_index > deepest {
                continue;
            }
            let mut f = match self.area_feature(layer, &z.geometry, labels)? {
                Ok(f) => f,
                Err(unused) => {
                    layer = unused;
                    continue;
                }
            };
            f.id(u64::try_from(z.id).ok());
            f.tag_ref("level", MvtValueRef::String(&z.level))?;
            f.tag_ref("level_index", MvtValueRef::UInt(level_index as u64))?;
            f.tag_ref("code", MvtValueRef::String(&z.code))?;
            f.tag_ref("name", MvtValueRef::String(&z.name))?;
            if !labels {
                f.tag_ref("households", MvtValueRef::UInt(z.totals.households))?;
                f.tag_ref("population", MvtValueRef::UInt(z.totals.population))?;
            }
            layer = f.end();
        }
        self.keep(layer);
        Ok(())
    }
}

/// What tiles of the `chiefs` and `patrol` layers are drawn from, beside the atlas.
#[derive(Debug, Clone, Copy, Default)]
pub struct Extras<'a> {
    /// The chiefs' areas; without them those layers are empty.
    pub chiefs: Option<&'a ChiefMap>,
    /// The chief a `patrol` tile is for; without one it is empty.
    pub patrol: Option<Id>,
}

/// An identifier as the smallest MVT integer: unsigned unless negative.
fn int(id: Id) -> MvtValueRef<'static> {
    match u64::try_from(id) {
        Ok(u) => MvtValueRef::UInt(u),
        Err(_) => MvtValueRef::SInt(id),
    }
}

/// A figure rounded to one decimal, so that tiles do not carry float noise.
fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// The box to query the R-trees with: the tile plus its buffer, in longitude/latitude.
pub(crate) fn query_box(tile: TileId) -> Rect<f64> {
    let n = f64::from(tiles_per_side(tile.z));
    let b = f64::from(BUFFER) / f64::from(EXTENT);
    let (x, y) = (f64::from(tile.x), f64::from(tile.y));
    Rect::new(
        geo::coord! { x: lon_of((x - b) / n), y: lat_of((y + 1.0 + b) / n) },
        geo::coord! { x: lon_of((x + 1.0 + b) / n), y: lat_of((y - b) / n) },
    )
}

/// A compound's point in a tile, or several merged.
#[derive(Debug, Clone, Copy)]
struct PointOf {
    at: MvtCoord,
    /// The compound whose code and name the point carries: the one with the most households.
    index: usize,
    households: u64,
    /// The worst tier among the merged compounds.
    tier: Tier,
    count: u64,
}

/// Merges points that fall in the same square cell, doubling the cell from 8 pixels until at most
/// `budget` points remain. A merged point sits at the households-weighted mean of its members (the
/// plain mean when none has households), keeps the largest member's code and name, the worst tier
/// and the sums, so that a heat map of households stays right.
fn merge_points(points: Vec<PointOf>, budget: usize) -> Vec<PointOf> {
    /// A cell being filled: the merged point, the households of the member it is named after, and
    /// the weighted coordinate sums.
    struct Cell {
        point: PointOf,
        largest: u64,
        sx: f64,
        sy: f64,
        sw: f64,
    }
    let mut cell = 8i32;
    loop {
        let mut cells: HashMap<(i32, i32), Cell> = HashMap::new();
        for p in &points {
            let key = (p.at.x.div_euclid(cell), p.at.y.div_euclid(cell));
            let c = cells.entry(key).or_insert(Cell {
                point: PointOf {
                    households: 0,
                    count: 0,
                    ..*p
                },
                largest: p.households,
                sx: 0.0,
                sy: 0.0,
                sw: 0.0,
            });
            if p.households > c.largest {
                c.largest = p.households;
                c.point.index = p.index;
            }
            c.point.households += p.households;
            c.point.count += p.count;
            c.point.tier = c.point.tier.max(p.tier);
            let w = p.households.max(1) as f64;
            c.sx += w * f64::from(p.at.x);
            c.sy += w * f64::from(p.at.y);
            c.sw += w;
        }
        if cells.len() <= budget || cell >= 1 << 16 {
            let mut merged: Vec<PointOf> = cells
                .into_values()
                .map(|c| PointOf {
                    at: MvtCoord {
                        x: (c.sx / c.sw).round() as i32,
                        y: (c.sy / c.sw).round() as i32,
                    },
                    ..c.point
                })
                .collect();
            // Hash order is random; sort so that the same data gives the same tile bytes.
            merged.sort_unstable_by_key(|p| p.index);
            return merged;
        }
        cell *= 2;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layer_names_round_trip() {
        for layer in TileLayer::ALL {
            assert_eq!(TileLayer::parse(layer.as_str()), Ok(layer));
            assert_eq!(layer.to_string().parse::<TileLayer>(), Ok(layer));
            let ids: Vec<String> = vector_layers(layer).into_iter().map(|l| l.id).collect();
            assert_eq!(ids, layer.mvt_layers());
            let names: Vec<&str> = layer.contents().iter().map(|l| l.name()).collect();
            assert_eq!(names, layer.mvt_layers());
        }
        let message = TileLayer::parse("roads").expect_err("unknown").to_string();
        assert!(
            message.contains("`roads`") && message.contains("compounds"),
            "{message}"
        );
        assert_eq!(TileLayer::All.mvt_layers().len(), 6);
    }

    #[test]
    fn every_field_is_described() {
        for layer in vector_layers(TileLayer::All) {
            assert!(!layer.fields.is_empty(), "{}", layer.id);
            assert!(layer.minzoom <= layer.maxzoom);
            for (name, text) in &layer.fields {
                assert!(
                    text.starts_with("String")
                        || text.starts_with("Number")
                        || text.starts_with("Boolean"),
                    "{}.{name}: {text}",
                    layer.id
                );
            }
        }
    }

    #[test]
    fn merged_points_keep_the_sums_and_the_worst_tier() {
        // A 100 × 100 grid of points one pixel apart, every fourth column red.
        let points: Vec<PointOf> = (0..10_000)
            .map(|i| PointOf {
                at: MvtCoord {
                    x: 100 + (i % 100) as i32,
                    y: 100 + (i / 100) as i32,
                },
                index: i,
                households: (i % 7) as u64 * 10,
                tier: if i % 4 == 0 { Tier::Red } else { Tier::Green },
                count: 1,
            })
            .collect();
        let merged = merge_points(points.clone(), 500);
        assert!(merged.len() <= 500, "{}", merged.len());
        assert_eq!(merged.iter().map(|p| p.count).sum::<u64>(), 10_000);
        assert_eq!(
            merged.iter().map(|p| p.households).sum::<u64>(),
            points.iter().map(|p| p.households).sum::<u64>()
        );
        // Every cell is at least four columns wide, so holds a red point.
        assert!(merged.iter().all(|p| p.tier == Tier::Red));
        // Each merged point is named after a member with the most households of its cell, and
        // every cell (at least 4 × 4 points) has one with 60.
        assert!(merged.iter().all(|p| points[p.index].households == 60));
        assert!(
            merged
                .iter()
                .all(|p| (100..200).contains(&p.at.x) && (100..200).contains(&p.at.y))
        );
    }
}
