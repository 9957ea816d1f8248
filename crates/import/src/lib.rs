//! Importers: GeoJSON, OpenStreetMap PBF, GeoPackage, CSV household registers, CSV street-chief
//! rosters and CSV lists of partner departments into a [`Dataset`]; 12345 hotline work orders
//! (CSV) into routed problems ([`read_hotline`]).
//!
//! [`import_path`] reads one file and returns the existing dataset plus everything the file adds,
//! with derived data refreshed (buildings linked to compounds, zone parents, codes and totals), and
//! an [`ImportReport`] of what was added, skipped and repaired. Any problem that would put bad data
//! into the store is an [`ImportError`] naming the file, the feature or line, and what to do; then
//! nothing is returned, so nothing is written.
//!
//! The crate reads files and returns values: no HTTP, no async runtime, no store. Every geometry
//! comes out as WGS-84 longitude/latitude; GCJ-02 and BD-09 input is converted with coordtransform's
//! refined inverses ([`Crs`]) and Web Mercator GeoPackages are unprojected.
//!
//! # Examples
//!
//! ```
//! use wangge_core::{Dataset, LevelConfig};
//! use wangge_import::{import_path, ImportOptions, NoProgress};
//!
//! let dir = tempfile::tempdir().expect("temporary directory");
//! let path = dir.path().join("one.geojson");
//! std::fs::write(&path, r#"{"type": "FeatureCollection", "features": [{"type": "Feature",
//!   "properties": {"building": "residential", "building:levels": 6, "osm_id": 7},
//!   "geometry": {"type": "Polygon", "coordinates": [[[121.5, 31.2], [121.5003, 31.2],
//!   [121.5003, 31.2002], [121.5, 31.2002], [121.5, 31.2]]]}}]}"#).expect("write");
//! let existing = Dataset::new(LevelConfig::default());
//! let imported = import_path(&path, &existing, &ImportOptions::default(), &NoProgress).expect("import");
//! assert_eq!(imported.report.added.buildings, 1);
//! let building = &imported.data.buildings[0];
//! assert_eq!((building.floors, building.source_id.as_deref()), (6, Some("7")));
//! assert!(building.estimated && building.households > 0);
//! ```

mod csvfile;
mod derive;
mod error;
mod features;
mod fields;
mod geojson;
mod gpkg;
mod osm;
mod partners;
mod register;
mod roster;
mod tags;
mod validate;
mod visits;

pub mod crs;
pub mod estimate;
pub mod hotline;

use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use wangge_core::Dataset;

pub use crs::Crs;
pub use error::{At, FeatureProblem, ImportError, Result};
pub use estimate::estimate_households;
pub use hotline::{HotlineImport, HotlineOptions, Unlocated, read_hotline, read_hotline_from};
pub use visits::{read_key_sites, read_key_sites_from, read_vulnerable, read_vulnerable_from};

/// What a file holds, as chosen with the command line's `--layer`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InputLayer {
    /// Building footprints (楼栋).
    Buildings,
    /// Street centre lines (街巷).
    Streets,
    /// Residential compounds (小区).
    Compounds,
    /// Community or other zone boundaries (社区); the level comes from
    /// [`ImportOptions::zone_level`].
    Communities,
    /// A household register (CSV) joined to existing buildings.
    Households,
    /// The street-chief roster (CSV, 小巷管家 / 街长名册), which replaces the chiefs; also spelled
    /// `roster`.
    Chiefs,
    /// The partner departments of named streets (CSV, 联动部门), which replace those in the data.
    Partners,
}

impl InputLayer {
    /// Every layer, in the order the command line lists them.
    pub const ALL: [InputLayer; 7] = [
        InputLayer::Buildings,
        InputLayer::Streets,
        InputLayer::Compounds,
        InputLayer::Communities,
        InputLayer::Households,
        InputLayer::Chiefs,
        InputLayer::Partners,
    ];

    /// The name used on the command line, e.g. `buildings`.
    pub fn as_str(self) -> &'static str {
        match self {
            InputLayer::Buildings => "buildings",
            InputLayer::Streets => "streets",
            InputLayer::Compounds => "compounds",
            InputLayer::Communities => "communities",
            InputLayer::Households => "households",
            InputLayer::Chiefs => "chiefs",
            InputLayer::Partners => "partners",
        }
    }

    /// Parses a layer name (or `roster` for [`InputLayer::Chiefs`]), ignoring case and
    /// surrounding white space.
    pub fn parse(text: &str) -> Option<InputLayer> {
        let text = text.trim().to_lowercase();
        if text == "roster" {
            return Some(InputLayer::Chiefs);
        }
        InputLayer::ALL.into_iter().find(|l| l.as_str() == text)
    }
}

impl fmt::Display for InputLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for InputLayer {
    type Err = String;

    fn from_str(text: &str) -> std::result::Result<Self, Self::Err> {
        InputLayer::parse(text).ok_or_else(|| {
            format!(
                "unknown layer `{text}`; use buildings, streets, compounds, communities, \
                 households, chiefs or partners"
            )
        })
    }
}

/// How to read a file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ImportOptions {
    /// What the file holds; `None` infers it per feature: lines are streets, polygons tagged as
    /// buildings are buildings, residential land use is compounds, administrative boundaries are
    /// zones. For an OSM PBF file, which holds everything, a layer picks what to take.
    pub layer: Option<InputLayer>,
    /// The coordinate system of longitude/latitude input.
    pub crs: Crs,
    /// The user's field mapping: (target attribute, source property), e.g. `("households",
    /// "HH_CNT")`. Targets: `id`, `name`, `address`, `street`, `housenumber`, `height`, `floors`,
    /// `households`, `population`, `units`, `use`, `kind`, `management`, `tier`, `stars`, `code`,
    /// `class`, `admin_level`, and for a street-chief roster `phone`, `role`, `community` and
    /// `chief_level` (or `level`), for partner departments `street`, `department`,
    /// `department_name`, `contact`, `phone` and `note`. A mapped property that is present but cannot be read is an
    /// error; the default names are read leniently.
    pub fields: Vec<(String, String)>,
    /// Repair self-intersecting polygons (geo's `MakeValid`) with a warning instead of refusing.
    pub repair: bool,
    /// For GeoPackage input: the feature table to read; by default the table named like the layer,
    /// else the only feature table.
    pub source_layer: Option<String>,
    /// For boundaries: the level key the zones get (default `community`), or a mapping from OSM
    /// `admin_level` to level keys such as `6=district,8=subdistrict,10=community` (the default
    /// when the layer is inferred).
    pub zone_level: Option<String>,
    /// Credits to record with the data and show wherever it is shown (`--attribution`);
    /// OpenStreetMap's is added by itself for OSM files and OSM-derived GeoJSON.
    pub attribution: Vec<String>,
}

/// Progress of a long import, for a progress bar. Implementations must be cheap to call.
pub trait Progress: Sync {
    /// A new stage begins; `total` is the number of steps when known.
    fn begin(&self, label: &str, total: Option<u64>);
    /// `n` more steps are done.
    fn advance(&self, n: u64);
    /// The stage is over.
    fn finish(&self);
}

/// Progress that goes nowhere.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn begin(&self, _label: &str, _total: Option<u64>) {}
    fn advance(&self, _n: u64) {}
    fn finish(&self) {}
}

/// The result of an import: the whole new dataset and what happened.
#[derive(Debug, Clone)]
pub struct Imported {
    /// The existing dataset plus everything the file adds, with derived data refreshed.
    pub data: Dataset,
    /// What was added, skipped and repaired.
    pub report: ImportReport,
}

/// Records added per layer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LayerCounts {
    /// Zones.
    pub zones: usize,
    /// Compounds.
    pub compounds: usize,
    /// Buildings.
    pub buildings: usize,
    /// Street segments.
    pub streets: usize,
}

impl LayerCounts {
    /// All records together.
    pub fn total(&self) -> usize {
        self.zones + self.compounds + self.buildings + self.streets
    }
}

/// Features left out on purpose, with why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skip {
    /// Why, e.g. `building_part features (parts of other buildings)`.
    pub reason: String,
    /// How many.
    pub count: usize,
}

impl fmt::Display for Skip {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.count, self.reason)
    }
}

/// Something repaired or assumed on the way in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// The file.
    pub file: String,
    /// The feature, e.g. `feature #12 (id 12345)`.
    pub feature: String,
    /// What was done, e.g. `polygon ring 0 was not closed; closed it`.
    pub message: String,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: {}", self.file, self.feature, self.message)
    }
}

/// What importing a street-chief roster did to the chiefs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RosterCounts {
    /// Chiefs on the roster who were not in the data: added with fresh ids.
    pub added: usize,
    /// Chiefs matched to one in the data (by id, or by name and phone) whose name, phone, role,
    /// community or level changed; they keep their id.
    pub updated: usize,
    /// Chiefs matched to one in the data and unchanged.
    pub unchanged: usize,
    /// Chiefs in the data whom the roster does not list: removed.
    pub removed: usize,
    /// Duties (buildings and streets answered for) removed with the removed chiefs, or because
    /// their chief's level changed.
    pub duties_dropped: usize,
}

impl RosterCounts {
    /// The chiefs on the roster: added, updated and unchanged.
    pub fn total(&self) -> usize {
        self.added + self.updated + self.unchanged
    }
}

impl fmt::Display for RosterCounts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "roster of {} chiefs: {} added, {} updated, {} unchanged, {} removed",
            self.total(),
            self.added,
            self.updated,
            self.unchanged,
            self.removed
        )?;
        if self.duties_dropped > 0 {
            write!(
                f,
                "; {} duties dropped (their buildings and streets need a chief again)",
                self.duties_dropped
            )?;
        }
        Ok(())
    }
}

/// What importing a list of partner departments did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PartnerCounts {
    /// Departments on the list that were not in the data: added with fresh ids.
    pub added: usize,
    /// Departments matched to one in the data (by street, department and, for `other`, name)
    /// whose contact, phone, name or note changed; they keep their id.
    pub updated: usize,
    /// Departments matched to one in the data and unchanged.
    pub unchanged: usize,
    /// Departments in the data that the list does not name: removed.
    pub removed: usize,
}

impl fmt::Display for PartnerCounts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} partner departments: {} added, {} updated, {} unchanged, {} removed",
            self.added + self.updated + self.unchanged,
            self.added,
            self.updated,
            self.unchanged,
            self.removed
        )
    }
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ImportReport {
    /// The file read.
    pub file: PathBuf,
    /// Records added per layer.
    pub added: LayerCounts,
    /// Buildings whose households were set from a household register.
    pub households_joined: usize,
    /// For a street-chief roster: what happened to the chiefs and their duties.
    pub roster: Option<RosterCounts>,
    /// For a list of partner departments: what happened to them.
    pub partners: Option<PartnerCounts>,
    /// Added buildings whose households were estimated from footprint × floors (or assumed zero
    /// for non-residential uses) rather than given.
    pub estimated_buildings: usize,
    /// Features left out on purpose.
    pub skipped: Vec<Skip>,
    /// Repairs and assumptions, one per feature and problem.
    pub warnings: Vec<Warning>,
}

impl ImportReport {
    /// How many features were skipped in all.
    pub fn skipped_total(&self) -> usize {
        self.skipped.iter().map(|s| s.count).sum()
    }
}

impl fmt::Display for ImportReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(roster) = &self.roster {
            // A roster adds no records to the layers; only the chiefs are news.
            write!(f, "{}: {roster}", self.file.display())?;
        } else if let Some(partners) = &self.partners {
            write!(f, "{}: {partners}", self.file.display())?;
        } else {
            let a = self.added;
            write!(
                f,
                "{}: added {} zones, {} compounds, {} buildings, {} street segments",
                self.file.display(),
                a.zones,
                a.compounds,
                a.buildings,
                a.streets
            )?;
        }
        if self.estimated_buildings > 0 {
            write!(
                f,
                "; households estimated for {} buildings",
                self.estimated_buildings
            )?;
        }
        if self.households_joined > 0 {
            write!(
                f,
                "; households registered for {} buildings",
                self.households_joined
            )?;
        }
        for skip in &self.skipped {
            write!(f, "\n  skipped {skip}")?;
        }
        for warning in &self.warnings {
            write!(f, "\n  warning: {warning}")?;
        }
        Ok(())
    }
}

/// The credit OpenStreetMap's licence (ODbL) requires wherever its data is shown.
pub const OSM_ATTRIBUTION: &str = "© OpenStreetMap contributors";

/// Whether a GeoJSON file comes from OpenStreetMap: its first 64 KiB carry the property names of
/// the common OSM exports (Geofabrik's `osm_id`/`fclass`, Overpass's `@id`, Tilezen's
/// `kind_detail`, osmium's `osm_type`) or name OpenStreetMap.
fn looks_like_osm(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(64 * 1024)];
    let text = String::from_utf8_lossy(head);
    [
        "\"osm_id\"",
        "\"fclass\"",
        "\"@id\"",
        "\"kind_detail\"",
        "\"osm_type\"",
        "openstreetmap",
    ]
    .iter()
    .any(|marker| text.contains(marker))
}

/// Where a file's bytes come from: the file itself, or a reader the caller opened.
pub(crate) enum Input<'a> {
    /// The file at this path, opened when it is read.
    Path(&'a Path),
    /// Bytes from the caller.
    Reader(Box<dyn Read + 'a>),
}

impl<'a> Input<'a> {
    /// The bytes; `file` names the file in the error when it cannot be opened.
    pub(crate) fn open(self, file: &str) -> Result<Box<dyn Read + 'a>> {
        match self {
            Input::Path(path) => match std::fs::File::open(path) {
                Ok(f) => Ok(Box::new(f)),
                Err(source) => Err(ImportError::Io {
                    file: file.to_string(),
                    source,
                }),
            },
            Input::Reader(reader) => Ok(reader),
        }
    }

    /// All the bytes at once.
    fn read_all(self, file: &str) -> Result<Vec<u8>> {
        let mut bytes = Vec::new();
        self.open(file)?
            .read_to_end(&mut bytes)
            .map_err(|source| ImportError::Io {
                file: file.to_string(),
                source,
            })?;
        Ok(bytes)
    }
}

/// The file formats, chosen by extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    GeoJson,
    OsmPbf,
    GeoPackage,
    /// A household register, or with `--layer chiefs` a street-chief roster.
    Csv,
}

impl Format {
    fn of(path: &Path, file: &str) -> Result<Format> {
        let extension = path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or_default()
            .to_lowercase();
        match extension.as_str() {
            "geojson" | "json" => Ok(Format::GeoJson),
            "pbf" => Ok(Format::OsmPbf),
            "gpkg" => Ok(Format::GeoPackage),
            "csv" => Ok(Format::Csv),
            _ => Err(ImportError::UnsupportedFormat {
                file: file.to_string(),
                extension,
            }),
        }
    }
}

/// Reads one file and returns `existing` plus everything it adds.
///
/// New records get identifiers after the existing ones ([`Dataset::next_ids`]). Then derived data
/// is refreshed: buildings are linked to the compounds they stand in, zones without a parent get
/// the zone one level up that contains their interior point, zone and compound codes are
/// reassigned and totals recomputed. The caller diffs the result against `existing`
/// ([`wangge_core::ChangeSet::diff`]) and writes it in one transaction.
///
/// The format follows the extension: `.geojson`/`.json` GeoJSON, `.pbf` OpenStreetMap,
/// `.gpkg` GeoPackage, `.csv` household register — or, with [`InputLayer::Chiefs`], the
/// street-chief roster, and with [`InputLayer::Partners`] the partner departments of named
/// streets (the file is the whole list, like a roster; see the `partners` module).
///
/// A roster is the whole list of chiefs: afterwards the dataset's chiefs are exactly the file's.
/// A line matches a chief already there by its id when it gives one, else by name and phone;
/// matched chiefs keep their id and so their duties, new ones get ids after the existing ones.
/// Chiefs the file does not list are removed with their duties, and so are the duties of a chief
/// whose level changed; [`ImportReport::roster`] counts all this. Nothing else changes.
pub fn import_path(
    path: &Path,
    existing: &Dataset,
    options: &ImportOptions,
    progress: &dyn Progress,
) -> Result<Imported> {
    import(path, Input::Path(path), existing, options, progress)
}

/// Like [`import_path`], but reads the file's bytes from `reader`: `path` only names the file in
/// messages and, by its extension, chooses the format. GeoJSON and CSV only: an OpenStreetMap PBF
/// file or a GeoPackage is read from its path ([`import_path`]), and is refused here.
pub fn import_reader(
    path: &Path,
    reader: impl Read,
    existing: &Dataset,
    options: &ImportOptions,
    progress: &dyn Progress,
) -> Result<Imported> {
    import(
        path,
        Input::Reader(Box::new(reader)),
        existing,
        options,
        progress,
    )
}

fn import(
    path: &Path,
    input: Input<'_>,
    existing: &Dataset,
    options: &ImportOptions,
    progress: &dyn Progress,
) -> Result<Imported> {
    let file = path.display().to_string();
    let format = Format::of(path, &file)?;
    match (format, options.layer) {
        (Format::Csv, Some(InputLayer::Chiefs)) => {
            let mut data = existing.clone();
            let counts = roster::import(input, &file, &mut data, options, progress)?;
            let report = ImportReport {
                file: path.to_path_buf(),
                roster: Some(counts),
                ..ImportReport::default()
            };
            return Ok(Imported { data, report });
        }
        (Format::Csv, Some(InputLayer::Partners)) => {
            let mut data = existing.clone();
            let counts = partners::import(input, &file, &mut data, options, progress)?;
            let report = ImportReport {
                file: path.to_path_buf(),
                partners: Some(counts),
                ..ImportReport::default()
            };
            return Ok(Imported { data, report });
        }
        (Format::Csv, None | Some(InputLayer::Households)) => {
            let mut data = existing.clone();
            let joined = register::join(input, &file, &mut data, options, progress)?;
            derive::refresh(&mut data, &file)?;
            let report = ImportReport {
                file: path.to_path_buf(),
                households_joined: joined,
                ..ImportReport::default()
            };
            return Ok(Imported { data, report });
        }
        (Format::Csv, Some(layer)) => {
            return Err(ImportError::WrongLayer {
                file,
                message: format!(
                    "a CSV file is a household register (--layer households), a street-chief \
                     roster (--layer chiefs) or a list of partner departments (--layer \
                     partners) and cannot be imported as {layer}; convert the file to GeoJSON"
                ),
            });
        }
        (_, Some(InputLayer::Households)) => {
            return Err(ImportError::WrongLayer {
                file,
                message: "a household register must be a CSV file; export it as CSV with a \
                          building id or address column and households/population columns"
                    .into(),
            });
        }
        (_, Some(InputLayer::Chiefs)) => {
            return Err(ImportError::WrongLayer {
                file,
                message: "a street-chief roster must be a CSV file; export it as CSV (UTF-8) \
                          with name, phone and role columns (姓名, 电话, 身份) and optionally \
                          community, level and id (所属社区, 街长层级, 编号)"
                    .into(),
            });
        }
        (_, Some(InputLayer::Partners)) => {
            return Err(ImportError::WrongLayer {
                file,
                message: "a list of partner departments must be a CSV file; export it as CSV \
                          (UTF-8) with street, department, contact and phone columns (街道名称, \
                          部门, 联系人, 电话) and optionally 部门名称 and 备注"
                    .into(),
            });
        }
        _ => {}
    }
    let mut builder = features::Builder::new(&file, existing, options)?;
    let mut from_osm = format == Format::OsmPbf;
    match (format, input) {
        (Format::GeoJson, input) => {
            let bytes = input.read_all(&file)?;
            geojson::read(&bytes, &mut builder, progress)?;
            from_osm = looks_like_osm(&bytes);
        }
        (Format::OsmPbf, Input::Path(path)) => osm::read(path, &mut builder, options, progress)?,
        (Format::GeoPackage, Input::Path(path)) => {
            gpkg::read(path, &mut builder, options, progress)?;
        }
        (Format::OsmPbf | Format::GeoPackage, Input::Reader(_)) => {
            return Err(ImportError::NeedsPath { file });
        }
        (Format::Csv, _) => {}
    }
    let (added, mut report) = builder.finish();
    report.file = path.to_path_buf();
    let mut data = existing.clone();
    let mut credits = options.attribution.clone();
    if from_osm {
        credits.push(OSM_ATTRIBUTION.to_string());
    }
    for credit in credits {
        if !data.attribution.contains(&credit) {
            data.attribution.push(credit);
        }
    }
    data.zones.extend(added.zones);
    data.compounds.extend(added.compounds);
    data.buildings.extend(added.buildings);
    data.streets.extend(added.streets);
    derive::refresh(&mut data, &file)?;
    Ok(Imported { data, report })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layers_and_formats_parse() {
        assert_eq!(
            InputLayer::parse(" Buildings "),
            Some(InputLayer::Buildings)
        );
        assert_eq!(
            "households".parse::<InputLayer>(),
            Ok(InputLayer::Households)
        );
        assert_eq!(InputLayer::parse("Roster"), Some(InputLayer::Chiefs));
        assert_eq!("chiefs".parse::<InputLayer>(), Ok(InputLayer::Chiefs));
        assert!("roads".parse::<InputLayer>().is_err());
        let f = |name: &str| Format::of(Path::new(name), name);
        assert_eq!(f("a/kouvola.osm.pbf").ok(), Some(Format::OsmPbf));
        assert_eq!(f("x.GeoJSON").ok(), Some(Format::GeoJson));
        assert_eq!(f("x.json").ok(), Some(Format::GeoJson));
        assert_eq!(f("x.gpkg").ok(), Some(Format::GeoPackage));
        assert_eq!(f("x.csv").ok(), Some(Format::Csv));
        let message = f("x.shp").expect_err("shapefile").to_string();
        assert!(
            message.contains("x.shp") && message.contains(".gpkg"),
            "{message}"
        );
    }

    #[test]
    fn report_display_counts_a_roster() {
        let report = ImportReport {
            file: PathBuf::from("roster.csv"),
            roster: Some(RosterCounts {
                added: 2,
                updated: 1,
                unchanged: 140,
                removed: 3,
                duties_dropped: 17,
            }),
            ..ImportReport::default()
        };
        assert_eq!(
            report.to_string(),
            "roster.csv: roster of 143 chiefs: 2 added, 1 updated, 140 unchanged, 3 removed; 17 \
             duties dropped (their buildings and streets need a chief again)"
        );
    }

    #[test]
    fn report_display_lists_skips_and_warnings() {
        let report = ImportReport {
            file: PathBuf::from("b.geojson"),
            added: LayerCounts {
                buildings: 2,
                ..LayerCounts::default()
            },
            skipped: vec![Skip {
                reason: "building_part features (parts of other buildings)".into(),
                count: 3,
            }],
            warnings: vec![Warning {
                file: "b.geojson".into(),
                feature: "feature #1 (id 9)".into(),
                message: "polygon ring 0 was not closed; closed it".into(),
            }],
            ..ImportReport::default()
        };
        let text = report.to_string();
        assert!(text.contains("2 buildings"), "{text}");
        assert!(text.contains("skipped 3 building_part features"), "{text}");
        assert!(
            text.contains("b.geojson: feature #1 (id 9): polygon ring 0 was not closed; closed it"),
            "{text}"
        );
    }
}
