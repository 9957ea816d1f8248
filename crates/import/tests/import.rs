//! The importers against real data (read in place from `shared/data` beside the checkout) and
//! against small broken files written to a temporary directory.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use geo::{BoundingRect, CoordsIter};
use wangge_core::{ChangeSet, CompoundKind, Dataset, LevelConfig, Management, StreetClass, Tier};
use wangge_import::{
    Crs, ImportError, ImportOptions, Imported, InputLayer, NoProgress, Skip, import_path,
    import_reader,
};

/// A file of the shared real data.
fn data(relative: &str) -> PathBuf {
    std::path::PathBuf::from(
        std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"),
    )
    .join("../../../shared/data")
    .join(relative)
}

fn empty() -> Dataset {
    Dataset::new(LevelConfig::default())
}

fn options(layer: Option<InputLayer>) -> ImportOptions {
    ImportOptions {
        layer,
        ..ImportOptions::default()
    }
}

fn import(path: &Path, existing: &Dataset, options: &ImportOptions) -> Imported {
    import_path(path, existing, options, &NoProgress)
        .unwrap_or_else(|e| panic!("import of {} failed: {e}", path.display()))
}

fn refuse(path: &Path, existing: &Dataset, options: &ImportOptions) -> String {
    match import_path(path, existing, options, &NoProgress) {
        Ok(imported) => panic!("{} was accepted: {}", path.display(), imported.report),
        Err(e) => e.to_string(),
    }
}

fn skip(reason: &str, count: usize) -> Skip {
    Skip {
        reason: reason.into(),
        count,
    }
}

/// Writes `text` to `name` in a fresh temporary directory.
fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, text).expect("write a test file");
    path
}

fn collection(features: &[String]) -> String {
    format!(
        r#"{{"type": "FeatureCollection", "features": [{}]}}"#,
        features.join(",\n")
    )
}

fn polygon_feature(props: &str, ring: &str) -> String {
    format!(
        r#"{{"type": "Feature", "properties": {props}, "geometry": {{"type": "Polygon", "coordinates": [{ring}]}}}}"#
    )
}

const SQUARE: &str =
    "[[121.5, 31.2], [121.5004, 31.2], [121.5004, 31.2003], [121.5, 31.2003], [121.5, 31.2]]";

#[test]
fn lujiazui_buildings_skip_parts_and_estimate_households() {
    let imported = import(
        &data("shanghai-lujiazui/buildings.geojson"),
        &empty(),
        &options(Some(InputLayer::Buildings)),
    );
    let report = &imported.report;
    assert_eq!(report.added.buildings, 1321);
    assert_eq!(report.added.total(), 1321);
    assert_eq!(report.skipped.len(), 1);
    assert_eq!(report.skipped[0].count, 129);
    assert!(
        report.skipped[0]
            .reason
            .starts_with("building_part features")
    );
    assert!(report.warnings.is_empty(), "{:?}", report.warnings.first());
    assert_eq!(report.estimated_buildings, 1321);

    let buildings = &imported.data.buildings;
    assert_eq!(
        buildings.iter().map(|b| b.id).collect::<Vec<_>>(),
        (1..=1321).collect::<Vec<_>>()
    );
    for b in buildings {
        let rect = b.geometry.bounding_rect().expect("a footprint");
        assert!(rect.min().x > 121.47 && rect.max().x < 121.53, "{}", b.id);
        assert!(rect.min().y > 31.22 && rect.max().y < 31.26, "{}", b.id);
    }
    let by_source = |id: &str| {
        buildings
            .iter()
            .find(|b| b.source_id.as_deref() == Some(id))
            .unwrap_or_else(|| panic!("no building {id}"))
    };
    let centre = by_source("40778072");
    assert_eq!(centre.name.as_deref(), Some("上海国际会议中心"));
    assert_eq!(centre.address.as_deref(), Some("滨江大道2727号"));
    assert_eq!((centre.height_m, centre.floors), (Some(20.0), 7));
    assert!(centre.households > 0 && centre.estimated);
    // Tilezen `kind_detail=commercial`: an office tower houses nobody.
    let tower = by_source("164971461");
    assert_eq!((tower.households, tower.population), (0, 0));
    assert_eq!(tower.address.as_deref(), Some("银城中路68号"));
    // The house number already ends in 号.
    assert_eq!(
        by_source("164901932").address.as_deref(),
        Some("浦东南路100号")
    );
    let named = buildings.iter().filter(|b| b.name.is_some()).count();
    assert_eq!(named, 219);
}

#[test]
fn lujiazui_roads_skip_rail_and_ferries_and_split_multilines() {
    let imported = import(
        &data("shanghai-lujiazui/roads.geojson"),
        &empty(),
        &options(Some(InputLayer::Streets)),
    );
    let report = &imported.report;
    // 1094 features − 11 rail − 5 ferry = 1078, of which 11 MultiLineStrings add 12 parts.
    assert_eq!(report.added.streets, 1090);
    assert_eq!(
        report.skipped,
        vec![
            skip("rail features (railways are not streets)", 11),
            skip("ferry features (ferry routes are not streets)", 5),
        ]
    );
    let streets = &imported.data.streets;
    let count = |class: StreetClass| streets.iter().filter(|s| s.class == class).count();
    // Segments by Tilezen `kind_detail`: primary 99, trunk 2, trunk_link 8, primary_link 6 are
    // arterial; service 257 (one MultiLineString among them) are lanes.
    assert_eq!(count(StreetClass::Arterial), 99 + 2 + 8 + 6);
    assert_eq!(count(StreetClass::Lane), 257);
    assert!(streets.iter().all(|s| s.geometry.0.len() >= 2));
    let sources: HashSet<_> = streets.iter().map(|s| s.source_id.clone()).collect();
    assert_eq!(sources.len(), 1078);
    // The same file with the layer inferred gives the same streets.
    let inferred = import(
        &data("shanghai-lujiazui/roads.geojson"),
        &empty(),
        &options(None),
    );
    assert_eq!(inferred.report.added, report.added);
}

#[test]
fn lujiazui_landuse_yields_its_residential_compounds() {
    let imported = import(
        &data("shanghai-lujiazui/landuse.geojson"),
        &empty(),
        &options(Some(InputLayer::Compounds)),
    );
    assert_eq!(imported.report.added.compounds, 18);
    assert_eq!(
        imported.report.skipped,
        vec![skip(
            "land-use and land-cover features that are not residential",
            157
        )]
    );
    let compounds = &imported.data.compounds;
    let names: HashSet<&str> = compounds.iter().map(|c| c.name.as_str()).collect();
    for name in ["崂山二村", "乳山三村", "上港小区", "三航小区"] {
        assert!(names.contains(name), "{name} missing from {names:?}");
    }
    // Tilezen's numeric `tier` is a rendering rank, not a colour tier.
    assert!(compounds.iter().all(|c| c.tier == Tier::Green
        && c.kind == CompoundKind::Mixed
        && c.management == Management::None));
    // Outside every community the codes are X00001, X00002 … in reading order.
    let codes: HashSet<&str> = compounds.iter().map(|c| c.code.as_str()).collect();
    assert_eq!(codes.len(), 18);
    assert!(codes.contains("X00001") && codes.contains("X00018"));

    // Importing the same file again adds nothing and changes nothing.
    let again = import(
        &data("shanghai-lujiazui/landuse.geojson"),
        &imported.data,
        &options(Some(InputLayer::Compounds)),
    );
    assert_eq!(again.report.added.total(), 0);
    let already = again
        .report
        .skipped
        .iter()
        .find(|s| s.reason.starts_with("features already in the data"))
        .expect("a skip for what is already there");
    assert_eq!(already.count, 18);
    assert!(ChangeSet::diff(&imported.data, &again.data).is_empty());
}

#[test]
fn buildings_imported_after_compounds_are_linked_and_diffed() {
    let compounds = import(
        &data("shanghai-lujiazui/landuse.geojson"),
        &empty(),
        &options(Some(InputLayer::Compounds)),
    )
    .data;
    let both = import(
        &data("shanghai-lujiazui/buildings.geojson"),
        &compounds,
        &options(None),
    );
    let data = &both.data;
    assert_eq!((data.compounds.len(), data.buildings.len()), (18, 1321));
    let linked = data
        .buildings
        .iter()
        .filter(|b| b.compound.is_some())
        .count();
    assert!(linked > 50, "only {linked} buildings stand in a compound");
    data.check_references().expect("consistent references");
    let changes = ChangeSet::diff(&compounds, data);
    assert_eq!(changes.buildings.len(), 1321);
    assert!(changes.compounds.is_empty() && changes.delete_compounds.is_empty());
}

#[test]
fn hangzhou_compounds_all_arrive() {
    let imported = import(
        &data("hangzhou/residential-compounds.geojson"),
        &empty(),
        &options(None),
    );
    assert_eq!(imported.report.added.compounds, 2112);
    assert!(imported.report.skipped.is_empty());
    let compounds = &imported.data.compounds;
    assert_eq!(
        compounds.iter().filter(|c| !c.name.is_empty()).count(),
        1406
    );
    let cuiyuan = compounds
        .iter()
        .find(|c| c.source_id.as_deref() == Some("8841492"))
        .expect("the one MultiPolygon");
    assert_eq!(cuiyuan.name, "翠苑四区");
    assert!(cuiyuan.geometry.0.len() > 1, "a MultiPolygon stays one");
    let codes: HashSet<&str> = compounds.iter().map(|c| c.code.as_str()).collect();
    assert_eq!(codes.len(), 2112);
}

#[test]
fn kouvola_pbf_gives_buildings_highways_and_compounds() {
    // Counted independently with pyosmium: 2219 building ways, 48 of them with nodes outside the
    // extract; 343 highway ways, 55 cut off (the one highway=construction among them); 26
    // landuse=residential ways, 9 cut off. No relation is a multipolygon or boundary.
    let imported = import(&data("osm-pbf/kouvola.osm.pbf"), &empty(), &options(None));
    let report = &imported.report;
    assert_eq!(report.added.buildings, 2171);
    assert_eq!(report.added.streets, 288);
    assert_eq!(report.added.compounds, 17);
    assert_eq!(report.added.zones, 0);
    assert_eq!(
        report.skipped,
        vec![skip(
            "ways with nodes outside the extract (cut at its edge)",
            48 + 55 + 9
        )]
    );
    let kouvola = &imported.data;
    for b in &kouvola.buildings {
        let rect = b.geometry.bounding_rect().expect("footprint");
        // The extract's nodes span 26.930–26.970°E, 60.520–60.540°N.
        assert!(rect.min().x >= 26.93 && rect.max().x <= 26.97, "{rect:?}");
        assert!(rect.min().y >= 60.52 && rect.max().y <= 60.54, "{rect:?}");
    }
    // building=industrial (28 ways, some cut off) houses nobody; building=residential does.
    assert!(
        kouvola
            .buildings
            .iter()
            .filter(|b| b.households == 0)
            .count()
            >= 20
    );
    let residential = kouvola
        .buildings
        .iter()
        .filter(|b| b.households > 0)
        .count();
    assert!(residential > 2000, "{residential}");
    assert!(
        kouvola
            .streets
            .iter()
            .any(|s| s.class == StreetClass::Arterial)
    );
    assert!(kouvola.buildings.iter().any(|b| b.compound.is_some()));

    // A chosen layer picks from the file instead of forcing everything into it.
    let only = import(
        &data("osm-pbf/kouvola.osm.pbf"),
        &empty(),
        &options(Some(InputLayer::Buildings)),
    );
    assert_eq!(only.report.added.total(), 2171);
    assert_eq!(only.report.skipped_total(), 48);

    let shifted = ImportOptions {
        crs: Crs::Gcj02,
        ..ImportOptions::default()
    };
    let message = refuse(&data("osm-pbf/kouvola.osm.pbf"), &empty(), &shifted);
    assert!(
        message.contains("WGS-84") && message.contains("drop --crs"),
        "{message}"
    );
}

#[test]
fn bubenec_geopackage_buildings_land_in_prague() {
    let imported = import(
        &data("gpkg/bubenec.gpkg"),
        &empty(),
        &options(Some(InputLayer::Buildings)),
    );
    assert_eq!(imported.report.added.buildings, 144);
    for b in &imported.data.buildings {
        for c in b.geometry.coords_iter() {
            assert!(
                (14.38..14.43).contains(&c.x) && (50.09..50.11).contains(&c.y),
                "{c:?}"
            );
        }
    }
    // The table named `streets` is read as streets when asked for by name.
    let streets = ImportOptions {
        source_layer: Some("streets".into()),
        ..ImportOptions::default()
    };
    assert_eq!(
        import(&data("gpkg/bubenec.gpkg"), &empty(), &streets)
            .report
            .added
            .streets,
        35
    );
    let message = refuse(&data("gpkg/bubenec.gpkg"), &empty(), &options(None));
    assert!(
        message.contains("--source-layer") && message.contains("tessellation"),
        "{message}"
    );
}

#[test]
fn a_household_register_joins_by_id_and_address() {
    let buildings = import(
        &data("shanghai-lujiazui/buildings.geojson"),
        &empty(),
        &options(None),
    )
    .data;
    let dir = tempfile::tempdir().expect("temporary directory");
    let register = write(
        &dir,
        "register.csv",
        "楼栋编号,地址,户数,人口\n40778072,,120,260\n,银城中路 68号,4,\n",
    );
    let joined = import(
        &register,
        &buildings,
        &options(Some(InputLayer::Households)),
    );
    assert_eq!(joined.report.households_joined, 2);
    let by_source = |id: &str| {
        joined
            .data
            .buildings
            .iter()
            .find(|b| b.source_id.as_deref() == Some(id))
            .expect("building")
    };
    let centre = by_source("40778072");
    assert_eq!(
        (centre.households, centre.population, centre.estimated),
        (120, 260, false)
    );
    let tower = by_source("164971461");
    assert_eq!(
        (tower.households, tower.population, tower.estimated),
        (4, 9, false)
    );
    let changes = ChangeSet::diff(&buildings, &joined.data);
    assert_eq!(changes.buildings.len(), 2);

    let unknown = write(
        &dir,
        "unknown.csv",
        "building_id,households\n40778072,10\n999999999,5\n",
    );
    let message = refuse(&unknown, &buildings, &options(None));
    assert!(
        message.starts_with(&format!(
            "{}: line 3: building id `999999999` matches no building",
            unknown.display()
        )),
        "{message}"
    );
    let bad_number = write(&dir, "bad.csv", "id,households\n40778072,many\n");
    let message = refuse(&bad_number, &buildings, &options(None));
    assert!(
        message.contains("line 2: column 2 (`households`): `many`"),
        "{message}"
    );
}

#[test]
fn bytes_import_like_their_file_and_formats_that_need_a_file_are_refused() {
    let path = data("shanghai-lujiazui/buildings.geojson");
    let from_file = import(&path, &empty(), &options(None));
    let bytes = std::fs::read(&path).expect("read the buildings");
    let from_bytes = import_reader(&path, &bytes[..], &empty(), &options(None), &NoProgress)
        .expect("import the bytes");
    assert_eq!(from_bytes.data, from_file.data);
    assert_eq!(from_bytes.report, from_file.report);
    // OpenStreetMap's credit is found in the bytes as in the file.
    assert!(
        from_bytes
            .data
            .attribution
            .iter()
            .any(|a| a.contains("OpenStreetMap"))
    );

    let register = "楼栋编号,户数\n40778072,120\n";
    let dir = tempfile::tempdir().expect("temporary directory");
    let file = write(&dir, "register.csv", register);
    let households = options(Some(InputLayer::Households));
    let from_file = import(&file, &from_bytes.data, &households);
    let from_bytes = import_reader(
        &file,
        register.as_bytes(),
        &from_bytes.data,
        &households,
        &NoProgress,
    )
    .expect("import the register's bytes");
    assert_eq!(from_bytes.data, from_file.data);
    assert_eq!(from_bytes.report.households_joined, 1);

    // The path only names the bytes: nothing is read from it.
    let message = import_reader(
        Path::new("/nowhere/named.csv"),
        "楼栋编号,户数\n999,1\n".as_bytes(),
        &empty(),
        &households,
        &NoProgress,
    )
    .expect_err("no such building")
    .to_string();
    assert!(
        message.starts_with("/nowhere/named.csv: line 2"),
        "{message}"
    );
    for name in ["x.gpkg", "x.osm.pbf"] {
        let message = import_reader(
            Path::new(name),
            &b""[..],
            &empty(),
            &options(None),
            &NoProgress,
        )
        .expect_err("needs a file")
        .to_string();
        assert!(
            message.starts_with(name) && message.contains("read from a file"),
            "{message}"
        );
    }
}

#[test]
fn malformed_json_names_the_line() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = write(
        &dir,
        "broken.geojson",
        "{\"type\": \"FeatureCollection\",\n \"features\": [\n  {\"type\": \"Feature\" \"properties\": {}}\n]}\n",
    );
    let error = import_path(&path, &empty(), &options(None), &NoProgress).expect_err("broken");
    assert!(
        matches!(error, ImportError::Json { line: 3, .. }),
        "{error}"
    );
    assert!(
        error.to_string().contains("broken.geojson: line 3, column"),
        "{error}"
    );
}

#[test]
fn self_intersecting_polygons_are_refused_or_repaired() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let bowtie =
        "[[121.5, 31.2], [121.5004, 31.2003], [121.5004, 31.2], [121.5, 31.2003], [121.5, 31.2]]";
    let path = write(
        &dir,
        "bowtie.geojson",
        &collection(&[
            polygon_feature(r#"{"building": "yes", "id": 1}"#, SQUARE),
            polygon_feature(r#"{"building": "yes", "id": 4711}"#, bowtie),
        ]),
    );
    let message = refuse(&path, &empty(), &options(None));
    assert!(
        message.ends_with(
            "bowtie.geojson: feature #1 (id 4711): polygon ring 0 crosses itself near \
             (121.50020, 31.20015); fix it or pass --repair"
        ),
        "{message}"
    );
    let repair = ImportOptions {
        repair: true,
        ..ImportOptions::default()
    };
    let imported = import(&path, &empty(), &repair);
    assert_eq!(imported.report.added.buildings, 2);
    let warning = &imported.report.warnings[0];
    assert_eq!(warning.feature, "feature #1 (id 4711)");
    assert!(warning.message.contains("crosses itself") && warning.message.contains("repaired"));
    assert!(
        warning
            .to_string()
            .contains("bowtie.geojson: feature #1 (id 4711): ")
    );
}

#[test]
fn projected_coordinates_are_refused_with_advice() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let ring =
        "[[13526000, 3661000], [13526100, 3661000], [13526100, 3661100], [13526000, 3661000]]";
    let path = write(
        &dir,
        "mercator.geojson",
        &collection(&[polygon_feature(r#"{"building": "yes"}"#, ring)]),
    );
    let message = refuse(&path, &empty(), &options(None));
    assert!(
        message.contains("mercator.geojson: feature #0"),
        "{message}"
    );
    assert!(message.contains("(13526000.0, 3661000.0)"), "{message}");
    assert!(
        message.contains("EPSG:3857") && message.contains("reproject"),
        "{message}"
    );
}

#[test]
fn unclosed_rings_are_closed_with_a_warning() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let open = "[[121.5, 31.2], [121.5004, 31.2], [121.5004, 31.2003], [121.5, 31.2003]]";
    let path = write(
        &dir,
        "open.geojson",
        &collection(&[polygon_feature(
            r#"{"building": "yes", "osm_id": 12345}"#,
            open,
        )]),
    );
    let imported = import(&path, &empty(), &options(None));
    assert_eq!(imported.report.added.buildings, 1);
    let ring = imported.data.buildings[0].geometry.0[0].exterior();
    assert_eq!(ring.0.len(), 5);
    assert_eq!(ring.0.first(), ring.0.last());
    assert_eq!(imported.report.warnings.len(), 1);
    assert_eq!(
        imported.report.warnings[0].to_string(),
        format!(
            "{}: feature #0 (id 12345): polygon ring 0 was not closed; closed it",
            path.display()
        )
    );
}

#[test]
fn degenerate_and_mistyped_geometries_are_refused() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let short = write(
        &dir,
        "short.geojson",
        &collection(&[polygon_feature(
            r#"{"building": "yes"}"#,
            "[[121.5, 31.2], [121.5004, 31.2], [121.5, 31.2]]",
        )]),
    );
    let message = refuse(&short, &empty(), &options(None));
    assert!(message.contains("ring 0 has 3 positions"), "{message}");
    let flat = write(
        &dir,
        "flat.geojson",
        &collection(&[polygon_feature(
            r#"{"building": "yes"}"#,
            "[[121.5, 31.2], [121.501, 31.201], [121.502, 31.202], [121.5, 31.2]]",
        )]),
    );
    let message = refuse(&flat, &empty(), &options(None));
    assert!(message.contains("encloses no area"), "{message}");
    let message = refuse(
        &data("shanghai-lujiazui/roads.geojson"),
        &empty(),
        &options(Some(InputLayer::Buildings)),
    );
    assert!(
        message.contains("feature #0 (id 177931018): a LineString cannot be imported as buildings"),
        "{message}"
    );
    let dot = write(
        &dir,
        "dot.geojson",
        r#"{"type": "Feature", "properties": {"highway": "service"}, "geometry": {"type": "LineString", "coordinates": [[121.5, 31.2], [121.5, 31.2]]}}"#,
    );
    let message = refuse(&dot, &empty(), &options(None));
    assert!(
        message.contains("fewer than 2 distinct points"),
        "{message}"
    );
}

#[test]
fn boundaries_become_zones_under_the_zone_above() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let subdistrict = write(
        &dir,
        "subdistrict.geojson",
        &collection(&[polygon_feature(
            r#"{"boundary": "administrative", "admin_level": "8", "name": "陆家嘴街道", "code": "310115007"}"#,
            "[[121.49, 31.22], [121.53, 31.22], [121.53, 31.26], [121.49, 31.26], [121.49, 31.22]]",
        )]),
    );
    let step1 = import(&subdistrict, &empty(), &options(None));
    assert_eq!(step1.data.zones[0].level, "subdistrict");
    let communities = write(
        &dir,
        "communities.geojson",
        &collection(&[
            polygon_feature(
                r#"{"name": "东社区"}"#,
                "[[121.51, 31.23], [121.52, 31.23], [121.52, 31.24], [121.51, 31.24], [121.51, 31.23]]",
            ),
            polygon_feature(
                r#"{"name": "西社区"}"#,
                "[[121.50, 31.23], [121.51, 31.23], [121.51, 31.24], [121.50, 31.24], [121.50, 31.23]]",
            ),
        ]),
    );
    let step2 = import(
        &communities,
        &step1.data,
        &options(Some(InputLayer::Communities)),
    );
    let zones = &step2.data.zones;
    assert_eq!(zones.len(), 3);
    let east = zones.iter().find(|z| z.name == "东社区").expect("east");
    let west = zones.iter().find(|z| z.name == "西社区").expect("west");
    assert_eq!((east.level.as_str(), east.parent), ("community", Some(1)));
    assert_eq!(
        (west.code.as_str(), east.code.as_str()),
        ("310115007001", "310115007002")
    );
    let unknown = ImportOptions {
        layer: Some(InputLayer::Communities),
        zone_level: Some("ward".into()),
        ..ImportOptions::default()
    };
    let message = refuse(&communities, &step1.data, &unknown);
    assert!(
        message.contains("zone level `ward` is not configured"),
        "{message}"
    );
}

#[test]
fn unsupported_spatial_reference_systems_are_named() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("krovak.gpkg");
    let db = rusqlite::Connection::open(&path).expect("create a GeoPackage");
    db.execute_batch(
        "CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT, srs_id INTEGER PRIMARY KEY,
             organization TEXT, organization_coordsys_id INTEGER, definition TEXT, description TEXT);
         INSERT INTO gpkg_spatial_ref_sys VALUES
             ('S-JTSK / Krovak East North', 5514, 'EPSG', 5514, 'undefined', NULL);
         CREATE TABLE gpkg_contents (table_name TEXT PRIMARY KEY, data_type TEXT, identifier TEXT,
             description TEXT, last_change TEXT, min_x REAL, min_y REAL, max_x REAL, max_y REAL,
             srs_id INTEGER);
         INSERT INTO gpkg_contents VALUES ('plots', 'features', 'plots', '', '', 0, 0, 0, 0, 5514);
         CREATE TABLE gpkg_geometry_columns (table_name TEXT, column_name TEXT,
             geometry_type_name TEXT, srs_id INTEGER, z INTEGER, m INTEGER);
         INSERT INTO gpkg_geometry_columns VALUES ('plots', 'geom', 'POLYGON', 5514, 0, 0);
         CREATE TABLE plots (fid INTEGER PRIMARY KEY, geom BLOB);",
    )
    .expect("GeoPackage tables");
    drop(db);
    let message = refuse(&path, &empty(), &options(None));
    assert!(
        message.contains(
            "layer `plots` uses spatial reference system EPSG:5514 (S-JTSK / Krovak East North)"
        ),
        "{message}"
    );
    assert!(message.contains("EPSG:4326"), "{message}");
}

/// Writes a grid of street lines whose vertices are `shift`ed from a WGS-84 grid over China,
/// imports it as `crs`, and returns the largest error against the original grid, in degrees.
fn round_trip_error(crs: Crs, shift: fn(f64, f64) -> (f64, f64)) -> f64 {
    let mut originals = Vec::new();
    let mut features = Vec::new();
    for i in 0..12 {
        for j in 0..8 {
            // From Kunming to Shanghai, Guangzhou to Beijing.
            let lon = 102.0 + f64::from(i) * 1.7;
            let lat = 23.0 + f64::from(j) * 2.3;
            let a = (lon, lat);
            let b = (lon + 0.01, lat + 0.01);
            let (sa, sb) = (shift(a.0, a.1), shift(b.0, b.1));
            originals.push([a, b]);
            features.push(format!(
                r#"{{"type": "Feature", "properties": {{"highway": "residential"}}, "geometry": {{"type": "LineString", "coordinates": [[{:.12}, {:.12}], [{:.12}, {:.12}]]}}}}"#,
                sa.0, sa.1, sb.0, sb.1
            ));
        }
    }
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = write(&dir, "shifted.geojson", &collection(&features));
    let options = ImportOptions {
        crs,
        ..ImportOptions::default()
    };
    let imported = import(&path, &empty(), &options);
    assert_eq!(imported.data.streets.len(), originals.len());
    let mut worst: f64 = 0.0;
    for (street, original) in imported.data.streets.iter().zip(&originals) {
        for (c, o) in street.geometry.0.iter().zip(original) {
            worst = worst.max((c.x - o.0).abs()).max((c.y - o.1).abs());
        }
    }
    worst
}

#[test]
fn gcj02_and_bd09_input_round_trips_to_wgs84() {
    let gcj = round_trip_error(Crs::Gcj02, coordtransform::wgs84_to_gcj02);
    assert!(gcj < 1e-6, "GCJ-02 error {gcj}");
    let bd = round_trip_error(Crs::Bd09, coordtransform::wgs84_to_bd09);
    assert!(bd < 1e-6, "BD-09 error {bd}");
    // The shift is real: reading GCJ-02 as WGS-84 is off by hundreds of metres.
    let unconverted = round_trip_error(Crs::Wgs84, coordtransform::wgs84_to_gcj02);
    assert!(unconverted > 1e-3, "{unconverted}");
}

#[test]
fn osm_derived_data_carries_its_attribution_and_other_data_does_not() {
    let osm = wangge_import::OSM_ATTRIBUTION;
    let lujiazui = import(
        &data("shanghai-lujiazui/buildings.geojson"),
        &empty(),
        &options(Some(InputLayer::Buildings)),
    );
    assert_eq!(lujiazui.data.attribution, vec![osm.to_string()]);
    let kouvola = import(&data("osm-pbf/kouvola.osm.pbf"), &empty(), &options(None));
    assert_eq!(kouvola.data.attribution, vec![osm.to_string()]);
    // Importing more OSM data does not credit twice.
    let again = import(
        &data("hangzhou/residential-compounds.geojson"),
        &lujiazui.data,
        &options(Some(InputLayer::Compounds)),
    );
    assert_eq!(again.data.attribution, vec![osm.to_string()]);

    let dir = tempfile::tempdir().expect("tempdir");
    let own = write(
        &dir,
        "own.geojson",
        &collection(&[polygon_feature(
            r#"{"name":"甲"}"#,
            "[[121.5,31.23],[121.501,31.23],[121.501,31.231],[121.5,31.23]]",
        )]),
    );
    let surveyed = import(&own, &empty(), &options(Some(InputLayer::Compounds)));
    assert!(surveyed.data.attribution.is_empty());
    let credited = ImportOptions {
        attribution: vec!["区规划局".into()],
        ..options(Some(InputLayer::Compounds))
    };
    assert_eq!(
        import(&own, &empty(), &credited).data.attribution,
        vec!["区规划局".to_string()]
    );
}
