//! The importer's error type: every message names the file, the feature or line at fault, what is
//! wrong and what to do about it.

use std::fmt;

/// Everything an import can refuse. Any error means the whole import is refused and nothing is
/// written.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file could not be opened or read.
    #[error("{file}: cannot read the file: {source}; check the path and its permissions")]
    Io {
        /// The file.
        file: String,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// The file's extension names no format this importer reads.
    #[error(
        "{file}: unknown file type `{extension}`; use .geojson/.json (GeoJSON), .pbf/.osm.pbf \
         (OpenStreetMap), .gpkg (GeoPackage) or .csv (household register, street-chief roster \
         with --layer chiefs, partner departments with --layer partners)"
    )]
    UnsupportedFormat {
        /// The file.
        file: String,
        /// The extension that was found (may be empty).
        extension: String,
    },
    /// An OpenStreetMap PBF file or a GeoPackage was handed over as bytes; they are read from
    /// their path.
    #[error(
        "{file}: OpenStreetMap PBF files and GeoPackages are read from a file, not from a stream; \
         save it to a file and import that"
    )]
    NeedsPath {
        /// The file.
        file: String,
    },
    /// The chosen layer cannot be read from this kind of file.
    #[error("{file}: {message}")]
    WrongLayer {
        /// The file.
        file: String,
        /// What is wrong and what to do.
        message: String,
    },
    /// The file is not valid JSON, or not GeoJSON, at a known place.
    #[error(
        "{file}: line {line}, column {column}: {message}; fix the file (a GeoJSON \
         FeatureCollection is expected)"
    )]
    Json {
        /// The file.
        file: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What the JSON parser said.
        message: String,
    },
    /// The file is valid JSON but not a GeoJSON object this importer reads.
    #[error("{file}: {message}")]
    NotGeoJson {
        /// The file.
        file: String,
        /// What is wrong and what to do.
        message: String,
    },
    /// One feature cannot be imported.
    #[error("{file}: {feature}: {problem}")]
    Feature {
        /// The file.
        file: String,
        /// The feature, e.g. `feature #12 (id 4711)` or `way 123456`.
        feature: String,
        /// What is wrong with it and what to do.
        problem: Box<FeatureProblem>,
    },
    /// The OpenStreetMap PBF file could not be decoded.
    #[error(
        "{file}: not a readable OpenStreetMap PBF file: {message}; check that the download is \
         complete (re-download or re-extract it)"
    )]
    Osm {
        /// The file.
        file: String,
        /// What the decoder said.
        message: String,
    },
    /// The GeoPackage could not be read.
    #[error("{file}: {message}")]
    GeoPackage {
        /// The file.
        file: String,
        /// What is wrong and what to do.
        message: String,
    },
    /// A GeoPackage layer uses a spatial reference system this importer cannot convert.
    #[error(
        "{file}: layer `{table}` uses spatial reference system {srs} which this importer cannot \
         convert; reproject the layer to EPSG:4326 (e.g. `ogr2ogr -t_srs EPSG:4326 out.gpkg \
         {file}`) or to EPSG:3857, EPSG:4490"
    )]
    UnsupportedSrs {
        /// The file.
        file: String,
        /// The feature table.
        table: String,
        /// The SRS as the file describes it, e.g. `5514 (S-JTSK / Krovak East North)`.
        srs: String,
    },
    /// A zone level that the level configuration does not define.
    #[error("{file}: {message}")]
    Level {
        /// The file.
        file: String,
        /// What is wrong and what to do.
        message: String,
    },
    /// The household register is not a readable CSV file or lacks a needed column.
    #[error("{file}: {message}")]
    Register {
        /// The file.
        file: String,
        /// What is wrong and what to do.
        message: String,
    },
    /// A line of the household register cannot be used.
    #[error("{file}: line {line}: {message}")]
    RegisterLine {
        /// The file.
        file: String,
        /// 1-based line number in the file.
        line: u64,
        /// What is wrong and what to do.
        message: String,
    },
    /// The street-chief roster is not a readable CSV file, lacks a needed column or lists nobody.
    #[error("{file}: {message}")]
    Roster {
        /// The file.
        file: String,
        /// What is wrong and what to do.
        message: String,
    },
    /// A line of the street-chief roster cannot be used.
    #[error("{file}: line {line}: {message}")]
    RosterLine {
        /// The file.
        file: String,
        /// 1-based line number in the file.
        line: u64,
        /// What is wrong and what to do.
        message: String,
    },
    /// The list of partner departments is not a readable CSV file, lacks a needed column or lists
    /// nothing.
    #[error("{file}: {message}")]
    Partners {
        /// The file.
        file: String,
        /// What is wrong and what to do.
        message: String,
    },
    /// A line of the list of partner departments cannot be used.
    #[error("{file}: line {line}: {message}")]
    PartnersLine {
        /// The file.
        file: String,
        /// 1-based line number in the file.
        line: u64,
        /// What is wrong and what to do.
        message: String,
    },
    /// The hotline work orders are not a readable CSV file, lack a needed column, or hold work
    /// orders that cannot be located.
    #[error("{file}: {message}")]
    Hotline {
        /// The file.
        file: String,
        /// What is wrong and what to do.
        message: String,
    },
    /// A line of the hotline work orders cannot be used.
    #[error("{file}: line {line}: {message}")]
    HotlineLine {
        /// The file.
        file: String,
        /// 1-based line number in the file.
        line: u64,
        /// What is wrong and what to do.
        message: String,
    },
    /// A list of key sites or vulnerable households is not a readable CSV file, lacks a needed
    /// column or lists nothing.
    #[error("{file}: {message}")]
    Targets {
        /// The file.
        file: String,
        /// What is wrong and what to do.
        message: String,
    },
    /// A line of a list of key sites or vulnerable households cannot be used.
    #[error("{file}: line {line}: {message}")]
    TargetsLine {
        /// The file.
        file: String,
        /// 1-based line number in the file.
        line: u64,
        /// What is wrong and what to do.
        message: String,
    },
    /// The imported data could not be combined with the existing data.
    #[error("{file}: {source}")]
    Core {
        /// The file.
        file: String,
        /// What the domain core refused.
        source: wangge_core::Error,
    },
}

/// The importer's result alias.
pub type Result<T> = std::result::Result<T, ImportError>;

/// A coordinate pair in a message, printed with enough digits to find the place.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct At(pub f64, pub f64);

impl fmt::Display for At {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Five decimals of a degree are about a metre; projected metres need no decimals.
        if self.0.abs() <= 360.0 && self.1.abs() <= 360.0 {
            write!(f, "({:.5}, {:.5})", self.0, self.1)
        } else {
            write!(f, "({:.1}, {:.1})", self.0, self.1)
        }
    }
}

/// What is wrong with one feature; each message ends with what to do.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FeatureProblem {
    /// A coordinate outside longitude/latitude range.
    #[error(
        "coordinate {at} is outside the longitude/latitude range; the data looks projected \
         (e.g. EPSG:3857 Web Mercator metres): reproject it to EPSG:4326, or import a GeoPackage \
         that declares its spatial reference system"
    )]
    OutOfRange {
        /// The coordinate.
        at: At,
    },
    /// A coordinate that is NaN or infinite.
    #[error("{part} has a coordinate that is not a finite number (position {index}); fix the data")]
    NotFinite {
        /// Which ring or line, e.g. `polygon ring 0`.
        part: String,
        /// 0-based position in the ring or line.
        index: usize,
    },
    /// A ring with fewer than four positions.
    #[error(
        "{part} has {count} positions after removing repeats; a ring needs at least 4 (three \
         corners and the first repeated at the end): fix or delete the feature"
    )]
    TooFewPositions {
        /// Which ring.
        part: String,
        /// How many positions it has.
        count: usize,
    },
    /// A ring that encloses no area.
    #[error("{part} encloses no area (its points lie on one line); fix or delete the feature")]
    ZeroArea {
        /// Which ring.
        part: String,
    },
    /// A ring that crosses or touches itself.
    #[error("{part} crosses itself{near}; fix it or pass --repair")]
    SelfIntersection {
        /// Which ring.
        part: String,
        /// ` near (x, y)` where the crossing is known, else empty.
        near: String,
    },
    /// Another polygon invalidity that geo's validation reports (e.g. a hole outside its shell).
    #[error("invalid polygon: {message}; fix it or pass --repair")]
    InvalidPolygon {
        /// What geo's validation says.
        message: String,
    },
    /// Repair was asked for but did not produce a polygon.
    #[error("the polygon could not be repaired ({message}); fix or delete the feature")]
    RepairFailed {
        /// Why.
        message: String,
    },
    /// A line with fewer than two distinct points.
    #[error("{part} has fewer than 2 distinct points; fix or delete the feature")]
    TooFewPoints {
        /// Which line.
        part: String,
    },
    /// A geometry type the layer cannot hold.
    #[error(
        "a {found} cannot be imported as {layer}; {layer} need {expected} (choose another \
         --layer or remove the feature)"
    )]
    WrongGeometry {
        /// The geometry type found.
        found: String,
        /// The layer, e.g. `buildings`.
        layer: &'static str,
        /// What the layer needs, e.g. `Polygon or MultiPolygon`.
        expected: &'static str,
    },
    /// A mapped property whose value cannot be used.
    #[error("property `{property}` = `{value}` cannot be used as {target}: {reason}")]
    BadValue {
        /// The source property.
        property: String,
        /// Its value.
        value: String,
        /// The target attribute, e.g. `floors`.
        target: String,
        /// Why not, and what to do.
        reason: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn feature_errors_name_file_feature_and_remedy() {
        let error = ImportError::Feature {
            file: "buildings.geojson".into(),
            feature: "feature #12 (id 4711)".into(),
            problem: Box::new(FeatureProblem::SelfIntersection {
                part: "polygon ring 0".into(),
                near: format!(" near {}", At(121.503_12, 31.230_11)),
            }),
        };
        assert_eq!(
            error.to_string(),
            "buildings.geojson: feature #12 (id 4711): polygon ring 0 crosses itself near \
             (121.50312, 31.23011); fix it or pass --repair"
        );
    }

    #[test]
    fn projected_coordinates_print_as_metres() {
        assert_eq!(
            At(13_468_932.14, 3_663_542.9).to_string(),
            "(13468932.1, 3663542.9)"
        );
    }
}
