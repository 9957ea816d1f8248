//! GeoPackage input: one feature table, its geometries decoded from GeoPackage binary (the `GP`
//! header, then WKB) and unprojected from Web Mercator where the table says so.
//!
//! The file is opened read-only. Supported spatial reference systems: EPSG:4326 (WGS-84) and
//! EPSG:4490 (CGCS2000), read as they are, and EPSG:3857 (Web Mercator), unprojected with the
//! spherical formula. Anything else is refused with the SRS named.

use std::path::Path;

use geo::{Geometry, LineString, Polygon};
use geozero::ToGeo;
use geozero::wkb::GpkgWkb;
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags, OptionalExtension};
use serde_json::Value;

use crate::crs::web_mercator_to_wgs84;
use crate::error::{FeatureProblem, ImportError, Result};
use crate::features::{Builder, Shape, SourceFeature};
use crate::fields::Props;
use crate::validate;
use crate::{ImportOptions, InputLayer, Progress};

/// How a table's coordinates become longitude/latitude.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Projection {
    LonLat,
    WebMercator,
}

/// Reads one feature table of a GeoPackage into the builder.
pub(crate) fn read(
    path: &Path,
    builder: &mut Builder,
    options: &ImportOptions,
    progress: &dyn Progress,
) -> Result<()> {
    let file = builder.file().to_string();
    let fail = |message: String| ImportError::GeoPackage {
        file: file.clone(),
        message,
    };
    std::fs::metadata(path).map_err(|source| ImportError::Io {
        file: file.clone(),
        source,
    })?;
    let db = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| fail(format!("cannot open the GeoPackage: {e}")))?;
    let sql = |e: rusqlite::Error| {
        fail(format!(
            "not a readable GeoPackage ({e}); check that it is a GeoPackage 1.x file"
        ))
    };

    let tables: Vec<String> = db
        .prepare(
            "SELECT table_name FROM gpkg_contents WHERE data_type = 'features' ORDER BY table_name",
        )
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .map_err(sql)?;
    let table = choose_table(&tables, options).map_err(fail)?;

    let (column, srs_id): (String, i64) = db
        .query_row(
            "SELECT column_name, srs_id FROM gpkg_geometry_columns WHERE table_name = ?1",
            [&table],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()
        .map_err(sql)?
        .ok_or_else(|| {
            fail(format!(
                "layer `{table}` has no entry in gpkg_geometry_columns; re-export the layer"
            ))
        })?;
    let srs: Option<(String, i64, String)> = db
        .query_row(
            "SELECT organization, organization_coordsys_id, srs_name FROM gpkg_spatial_ref_sys \
             WHERE srs_id = ?1",
            [srs_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()
        .map_err(sql)?;
    let projection = match &srs {
        Some((org, code, _)) if org.eq_ignore_ascii_case("EPSG") => match code {
            4326 | 4490 => Some(Projection::LonLat),
            3857 | 900_913 | 3785 => Some(Projection::WebMercator),
            _ => None,
        },
        _ => None,
    }
    .ok_or_else(|| ImportError::UnsupportedSrs {
        file: file.clone(),
        table: table.clone(),
        srs: match &srs {
            Some((org, code, name)) => format!("{org}:{code} ({name})"),
            None => format!("{srs_id} (not described in gpkg_spatial_ref_sys)"),
        },
    })?;

    // The table's own name says what it holds when no layer was chosen (`buildings`, `streets`).
    if options.layer.is_none() {
        builder.set_layer(layer_named(&table));
    }

    let total: i64 = db
        .query_row(
            &format!("SELECT count(*) FROM {}", quote(&table)),
            [],
            |r| r.get(0),
        )
        .map_err(sql)?;
    progress.begin(
        &format!("{file}: {table}"),
        Some(u64::try_from(total).unwrap_or(0)),
    );
    let mut statement = db
        .prepare(&format!("SELECT * FROM {}", quote(&table)))
        .map_err(sql)?;
    let names: Vec<String> = statement.column_names().map(str::to_string).collect();
    let primary_key: Option<String> = db
        .prepare(&format!("PRAGMA table_info({})", quote(&table)))
        .and_then(|mut s| {
            let rows: Vec<(String, i64)> = s
                .query_map([], |r| Ok((r.get(1)?, r.get(5)?)))?
                .collect::<rusqlite::Result<_>>()?;
            Ok(rows.into_iter().find(|(_, pk)| *pk == 1).map(|(n, _)| n))
        })
        .map_err(sql)?;
    let mut rows = statement.query([]).map_err(sql)?;
    let mut index = 0usize;
    while let Some(row) = rows.next().map_err(sql)? {
        let mut props = Props::new();
        let mut fid = None;
        let mut blob: Option<Vec<u8>> = None;
        for (i, name) in names.iter().enumerate() {
            let value = row.get_ref(i).map_err(sql)?;
            if *name == column {
                if let ValueRef::Blob(b) = value {
                    blob = Some(b.to_vec());
                }
                continue;
            }
            let json = match value {
                ValueRef::Integer(n) => Value::from(n),
                ValueRef::Real(x) => {
                    serde_json::Number::from_f64(x).map_or(Value::Null, Value::Number)
                }
                ValueRef::Text(t) => Value::String(String::from_utf8_lossy(t).into_owned()),
                ValueRef::Null | ValueRef::Blob(_) => Value::Null,
            };
            if Some(name) == primary_key.as_ref() {
                fid = crate::fields::text_of(&json);
            }
            props.insert(name.clone(), json);
        }
        let label = match &fid {
            Some(fid) => format!("row {index} (fid {fid})"),
            None => format!("row {index}"),
        };
        let shape = match blob {
            None => Shape::Empty,
            Some(blob) => shape_of(&blob, projection).map_err(|problem| ImportError::Feature {
                file: file.clone(),
                feature: label.clone(),
                problem: Box::new(problem),
            })?,
        };
        builder.add(SourceFeature {
            label,
            id: fid,
            props,
            shape,
        })?;
        index += 1;
        progress.advance(1);
    }
    progress.finish();
    Ok(())
}

/// The table to read: the one asked for, else the one named like the layer, else the only one.
fn choose_table(tables: &[String], options: &ImportOptions) -> std::result::Result<String, String> {
    let list = tables.join(", ");
    if let Some(wanted) = &options.source_layer {
        return tables
            .iter()
            .find(|t| t.eq_ignore_ascii_case(wanted))
            .cloned()
            .ok_or_else(|| {
                format!("has no feature table `{wanted}`; its feature tables are: {list}")
            });
    }
    if let Some(layer) = options.layer
        && let Some(table) = tables.iter().find(|t| layer_named(t) == Some(layer))
    {
        return Ok(table.clone());
    }
    match tables {
        [only] => Ok(only.clone()),
        [] => Err(
            "has no feature tables (gpkg_contents lists none); export the layer as features".into(),
        ),
        _ => Err(format!(
            "has several feature tables ({list}); choose one with --source-layer"
        )),
    }
}

/// The layer a table's name stands for.
fn layer_named(table: &str) -> Option<InputLayer> {
    match table.to_lowercase().as_str() {
        "buildings" | "building" | "楼栋" => Some(InputLayer::Buildings),
        "streets" | "street" | "roads" | "road" | "街巷" | "道路" => Some(InputLayer::Streets),
        "compounds" | "compound" | "小区" => Some(InputLayer::Compounds),
        "communities" | "community" | "zones" | "社区" => Some(InputLayer::Communities),
        _ => None,
    }
}

/// An SQL identifier in double quotes.
fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Decodes a GeoPackage geometry blob into raw longitude/latitude rings and lines.
fn shape_of(blob: &[u8], projection: Projection) -> std::result::Result<Shape, FeatureProblem> {
    // Byte 3 holds the flags; bit 4 marks an empty geometry, whose WKB may be anything.
    if blob.len() >= 4 && blob[3] & 0b0001_0000 != 0 {
        return Ok(Shape::Empty);
    }
    let geometry = GpkgWkb(blob)
        .to_geo()
        .map_err(|e| FeatureProblem::BadValue {
            property: "geometry".into(),
            value: format!("{} bytes", blob.len()),
            target: "a GeoPackage geometry".into(),
            reason: format!("it cannot be decoded ({e}); re-export the layer"),
        })?;
    let path = |line: &LineString<f64>| -> validate::Path {
        line.0
            .iter()
            .map(|c| match projection {
                Projection::LonLat => [c.x, c.y],
                Projection::WebMercator => {
                    let (x, y) = web_mercator_to_wgs84(c.x, c.y);
                    [x, y]
                }
            })
            .collect()
    };
    let rings = |p: &Polygon<f64>| -> Vec<validate::Path> {
        std::iter::once(p.exterior())
            .chain(p.interiors())
            .map(path)
            .collect()
    };
    Ok(match &geometry {
        Geometry::Polygon(p) => Shape::Polygons(vec![rings(p)]),
        Geometry::MultiPolygon(mp) => Shape::Polygons(mp.0.iter().map(rings).collect()),
        Geometry::LineString(l) => Shape::Lines(vec![path(l)]),
        Geometry::MultiLineString(ml) => Shape::Lines(ml.0.iter().map(path).collect()),
        Geometry::Point(_) | Geometry::MultiPoint(_) => Shape::Points,
        Geometry::Line(l) => Shape::Lines(vec![path(&LineString::from(*l))]),
        Geometry::Rect(r) => Shape::Polygons(vec![rings(&r.to_polygon())]),
        Geometry::Triangle(t) => Shape::Polygons(vec![rings(&t.to_polygon())]),
        Geometry::GeometryCollection(_) => Shape::Other("GeometryCollection"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(layer: Option<InputLayer>, source: Option<&str>) -> ImportOptions {
        ImportOptions {
            layer,
            source_layer: source.map(str::to_string),
            ..ImportOptions::default()
        }
    }

    #[test]
    fn the_table_follows_the_option_the_layer_or_is_the_only_one() {
        let tables: Vec<String> = ["buildings", "plots", "streets"].map(String::from).to_vec();
        assert_eq!(
            choose_table(&tables, &options(None, Some("Plots"))),
            Ok("plots".into())
        );
        assert_eq!(
            choose_table(&tables, &options(Some(InputLayer::Streets), None)),
            Ok("streets".into())
        );
        let message = choose_table(&tables, &options(None, None)).expect_err("ambiguous");
        assert!(
            message.contains("--source-layer") && message.contains("plots"),
            "{message}"
        );
        let message = choose_table(&tables, &options(None, Some("x"))).expect_err("missing");
        assert!(message.contains("`x`"), "{message}");
        assert_eq!(
            choose_table(&["only".to_string()], &options(None, None)),
            Ok("only".into())
        );
    }

    #[test]
    fn geometry_blobs_decode_and_unproject() {
        // "GP", version 0, flags 0b0000_0001 (little endian, no envelope), srs 3857, then WKB
        // LINESTRING (0 0, 111319.49 0).
        let mut blob = vec![b'G', b'P', 0, 1];
        blob.extend_from_slice(&3857i32.to_le_bytes());
        blob.push(1);
        blob.extend_from_slice(&2u32.to_le_bytes());
        blob.extend_from_slice(&2u32.to_le_bytes());
        for v in [0.0f64, 0.0, 111_319.490_793, 0.0] {
            blob.extend_from_slice(&v.to_le_bytes());
        }
        let Shape::Lines(lines) = shape_of(&blob, Projection::WebMercator).expect("decode") else {
            panic!("not a line");
        };
        assert!((lines[0][1][0] - 1.0).abs() < 1e-6, "{:?}", lines[0]);
        let mut empty = blob.clone();
        empty[3] |= 0b0001_0000;
        assert_eq!(shape_of(&empty, Projection::LonLat), Ok(Shape::Empty));
        let problem = shape_of(b"GP\0\x01junk", Projection::LonLat).expect_err("junk");
        assert!(problem.to_string().contains("re-export"), "{problem}");
    }
}
