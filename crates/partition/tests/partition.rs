//! Planning units, the unit graph and the checks on the demo, on real Lujiazui data and on
//! hand-made broken datasets.

use std::collections::HashMap;

use geo::{
    Area, BooleanOps, BoundingRect, Coord, InteriorPoint, Intersects, Length, MultiPolygon, Rect,
    polygon, unary_union,
};
use proptest::prelude::*;
use wangge_core::area_m2;
use wangge_core::{Building, Dataset, Id, LevelConfig, Totals, Zone};
use wangge_demo::{DemoSettings, generate};
use wangge_partition::{UnitGraph, UnitKind, UnitSet, Violation, check, is_sliver, planning_units};

/// What a tiling measured, for the report.
#[derive(Debug, Default)]
struct Figures {
    /// The largest |union of units − community| / community over the communities.
    worst_share: f64,
    /// The largest pairwise overlap between units, m².
    worst_overlap_m2: f64,
}

/// Asserts every exactness invariant of `units` and returns the measured figures.
fn assert_tiles(data: &Dataset, units: &UnitSet) -> Figures {
    // Boolean operations run in the units' metric projection: in degrees, i_overlay's integer
    // grid is about a centimetre, which would itself look like overlaps.
    let p = units.projection;
    let metric: Vec<MultiPolygon<f64>> = units
        .units
        .iter()
        .map(|u| p.polygons_to_metres(&u.geometry))
        .collect();
    let mut figures = Figures::default();
    for community in data
        .zones
        .iter()
        .filter(|z| z.level == units.community_level)
    {
        let mine: Vec<&MultiPolygon<f64>> = units
            .of_community(community.id)
            .map(|u| &metric[u.id])
            .collect();
        assert!(!mine.is_empty(), "community {} has units", community.code);
        let union = unary_union(mine.iter().copied());
        let whole = p.polygons_to_metres(&community.geometry);
        let area = whole.unsigned_area();
        let gap = whole.difference(&union).unsigned_area();
        let outside = union.difference(&whole).unsigned_area();
        let share = (gap + outside) / area;
        assert!(
            share < 1e-4,
            "community {}: gap {gap} m², outside {outside} m²",
            community.code
        );
        let geodesic = area_m2(&community.geometry);
        let sum: f64 = units.of_community(community.id).map(|u| u.area_m2).sum();
        assert!(
            ((sum - geodesic) / geodesic).abs() < 1e-4,
            "community {}: units add up to {sum} of {geodesic} m²",
            community.code
        );
        figures.worst_share = figures
            .worst_share
            .max(share)
            .max(((sum - geodesic) / geodesic).abs());
    }
    // No two units overlap: every pair whose boxes meet.
    let boxes: Vec<Option<Rect<f64>>> = metric.iter().map(|g| g.bounding_rect()).collect();
    for i in 0..metric.len() {
        for j in i + 1..metric.len() {
            let (Some(ra), Some(rb)) = (boxes[i], boxes[j]) else {
                continue;
            };
            if !ra.intersects(&rb) {
                continue;
            }
            let overlap = metric[i].intersection(&metric[j]).unsigned_area();
            assert!(overlap < 0.01, "units {i} and {j} overlap by {overlap} m²");
            figures.worst_overlap_m2 = figures.worst_overlap_m2.max(overlap);
        }
    }
    // Every building in a community lies in exactly one unit, one holding its interior point.
    let mut seen: HashMap<Id, usize> = HashMap::new();
    for unit in &units.units {
        for b in &unit.buildings {
            *seen.entry(*b).or_default() += 1;
        }
    }
    let in_community = |b: &Building| {
        let p = b.geometry.interior_point();
        data.zones.iter().any(|z| {
            z.level == units.community_level && p.is_some_and(|p| z.geometry.intersects(&p))
        })
    };
    let by_id: HashMap<Id, &Building> = data.buildings.iter().map(|b| (b.id, b)).collect();
    for building in data.buildings.iter().filter(|b| in_community(b)) {
        assert_eq!(
            seen.get(&building.id),
            Some(&1),
            "building {} in exactly one unit",
            building.id
        );
    }
    for unit in &units.units {
        for b in &unit.buildings {
            let p = by_id[b].geometry.interior_point().expect("footprint");
            assert!(
                unit.geometry.intersects(&p),
                "building {b} lies in its unit {}",
                unit.id
            );
        }
        let households: u64 = unit
            .buildings
            .iter()
            .map(|b| u64::from(by_id[b].households))
            .sum();
        assert_eq!(unit.households, households);
    }
    figures
}

fn assert_graph(data: &Dataset, units: &UnitSet) -> UnitGraph {
    let graph = UnitGraph::build(units, &data.streets);
    for community in data
        .zones
        .iter()
        .filter(|z| z.level == units.community_level)
    {
        assert_eq!(
            graph.components_in(units, community.id),
            1,
            "community {} is connected",
            community.code
        );
    }
    for e in &graph.edges {
        assert!(
            e.a < e.b && e.shared_m > 0.0 && e.on_street_m <= e.shared_m + 1e-9,
            "{e:?}"
        );
    }
    graph
}

#[test]
fn demo_units_tile_each_community_and_the_graph_follows_streets() {
    let data = generate(&DemoSettings::builtin());
    let units = planning_units(&data, "community").expect("level");
    assert!(units.problems.is_empty(), "{:?}", units.problems);
    let figures = assert_tiles(&data, &units);
    // Every compound is exactly one unit, and its outline is the compound's own.
    for compound in &data.compounds {
        let mine: Vec<_> = units
            .units
            .iter()
            .filter(|u| u.compound == Some(compound.id))
            .collect();
        assert_eq!(mine.len(), 1, "compound {}", compound.code);
        assert_eq!(mine[0].kind, UnitKind::Compound);
        assert_eq!(mine[0].geometry, compound.geometry);
    }
    let graph = assert_graph(&data, &units);
    // Land units of different street blocks are separated by street centre lines, so nearly all
    // of their shared boundary runs along streets; cells of one block are not.
    let (mut between, mut between_on) = (0.0, 0.0);
    let (mut within, mut within_on) = (0.0, 0.0);
    for e in &graph.edges {
        let (a, b) = (&units.units[e.a], &units.units[e.b]);
        if a.community != b.community || a.block.is_none() || b.block.is_none() {
            continue;
        }
        if a.block == b.block {
            within += e.shared_m;
            within_on += e.on_street_m;
        } else {
            between += e.shared_m;
            between_on += e.on_street_m;
        }
    }
    assert!(
        between > 0.0 && between_on / between > 0.95,
        "between blocks {between_on}/{between}"
    );
    assert!(
        within > 0.0 && within_on / within < 0.5,
        "within blocks {within_on}/{within}"
    );
    println!(
        "demo: {} units ({} compounds, {} blocks, {} cells), {} edges; worst area difference {:.2e}, worst overlap {:.2e} m²; street share between blocks {:.3}, within {:.3}",
        units.units.len(),
        units.count(UnitKind::Compound),
        units.count(UnitKind::Block),
        units.count(UnitKind::Cell),
        graph.edges.len(),
        figures.worst_share,
        figures.worst_overlap_m2,
        between_on / between,
        within_on / within
    );
}

/// No demo unit is a sliver (under 1 m², or under 0.5 m wide on average: see `is_sliver`), and no
/// unit shares more boundary with its neighbours than its own perimeter (within 1 %).
#[test]
fn demo_units_are_no_slivers_and_share_at_most_their_perimeter() {
    let data = generate(&DemoSettings::builtin());
    let units = planning_units(&data, "community").expect("the level exists");
    let graph = UnitGraph::build(&units, &data.streets);
    let mut over = Vec::new();
    for unit in &units.units {
        let metric = units.projection.polygons_to_metres(&unit.geometry);
        let perimeter: f64 = metric
            .0
            .iter()
            .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
            .map(|r| geo::Euclidean.length(r))
            .sum();
        let area = metric.unsigned_area();
        assert!(
            !is_sliver(area, perimeter),
            "unit {} is a sliver: {area} m², {perimeter} m around",
            unit.id
        );
        let shared: f64 = graph.neighbours(unit.id).map(|(_, e)| e.shared_m).sum();
        if shared > perimeter * 1.01 {
            over.push((unit.id, shared, perimeter));
        }
    }
    assert!(
        over.is_empty(),
        "{} units share more than their perimeter, e.g. {:?}",
        over.len(),
        &over[..over.len().min(5)]
    );
}

fn lujiazui() -> Dataset {
    let dir = std::path::PathBuf::from(
        std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"),
    )
    .join("../../../shared/data/shanghai-lujiazui");
    // The real data sits beside the checkout (CI has it too); without it this test must fail,
    // not pass unchecked.
    assert!(
        dir.exists(),
        "{} is missing: the tests read ../shared/data in place",
        dir.display()
    );
    let mut data = Dataset::new(LevelConfig::default());
    for (file, layer) in [
        ("buildings.geojson", wangge_import::InputLayer::Buildings),
        ("landuse.geojson", wangge_import::InputLayer::Compounds),
        ("roads.geojson", wangge_import::InputLayer::Streets),
    ] {
        let options = wangge_import::ImportOptions {
            layer: Some(layer),
            ..wangge_import::ImportOptions::default()
        };
        data = wangge_import::import_path(
            &dir.join(file),
            &data,
            &options,
            &wangge_import::NoProgress,
        )
        .expect("import")
        .data;
    }
    data
}

#[test]
fn lujiazui_units_tile_a_community_over_the_data() {
    let mut data = lujiazui();
    let boxes = data
        .buildings
        .iter()
        .filter_map(|b| b.geometry.bounding_rect())
        .chain(
            data.compounds
                .iter()
                .filter_map(|c| c.geometry.bounding_rect()),
        );
    let extent = boxes
        .reduce(|a, b| {
            Rect::new(
                Coord {
                    x: a.min().x.min(b.min().x),
                    y: a.min().y.min(b.min().y),
                },
                Coord {
                    x: a.max().x.max(b.max().x),
                    y: a.max().y.max(b.max().y),
                },
            )
        })
        .expect("data");
    data.zones.push(Zone {
        id: 1,
        code: "310115001001".into(),
        name: "陆家嘴（测试）".into(),
        level: "community".into(),
        parent: None,
        geometry: MultiPolygon(vec![extent.to_polygon()]),
        totals: Totals::default(),
    });
    let units = planning_units(&data, "community").expect("level");
    let figures = assert_tiles(&data, &units);
    let compound_units = units.count(UnitKind::Compound);
    let swallowed = units
        .problems
        .iter()
        .filter(|p| matches!(p, wangge_partition::Problem::CompoundSwallowed { .. }))
        .count();
    assert_eq!(compound_units + swallowed, data.compounds.len());
    let graph = assert_graph(&data, &units);
    println!(
        "lujiazui: {} buildings, {} compounds, {} streets -> {} units ({} compounds, {} blocks, {} cells), {} edges, {} problems; worst area difference {:.2e}, worst overlap {:.2e} m²",
        data.buildings.len(),
        data.compounds.len(),
        data.streets.len(),
        units.units.len(),
        compound_units,
        units.count(UnitKind::Block),
        units.count(UnitKind::Cell),
        graph.edges.len(),
        units.problems.len(),
        figures.worst_share,
        figures.worst_overlap_m2
    );
    for p in &units.problems {
        println!("  {p}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3, ..ProptestConfig::default() })]
    #[test]
    fn generated_cities_keep_every_invariant(seed in 0_u64..1_000_000) {
        let settings = DemoSettings { seed, ..DemoSettings::builtin() };
        let data = generate(&settings);
        let units = planning_units(&data, "community").expect("level");
        prop_assert!(units.problems.is_empty(), "{:?}", units.problems);
        assert_tiles(&data, &units);
        assert_graph(&data, &units);
        prop_assert_eq!(units.count(UnitKind::Compound), data.compounds.len());
        prop_assert!(check(&data).is_ok());
    }
}

// --- checks ---------------------------------------------------------------------------------

fn rect(x0: f64, y0: f64, x1: f64, y1: f64) -> geo::Polygon<f64> {
    let (x0, y0, x1, y1) = (
        121.5 + x0 * 0.001,
        31.2 + y0 * 0.001,
        121.5 + x1 * 0.001,
        31.2 + y1 * 0.001,
    );
    polygon![(x: x0, y: y0), (x: x1, y: y0), (x: x1, y: y1), (x: x0, y: y1)]
}

fn zone(
    id: Id,
    code: &str,
    level: &str,
    parent: Option<Id>,
    parts: Vec<geo::Polygon<f64>>,
) -> Zone {
    Zone {
        id,
        code: code.into(),
        name: code.into(),
        level: level.into(),
        parent,
        geometry: MultiPolygon(parts),
        totals: Totals::default(),
    }
}

fn building(id: Id, x: f64, y: f64) -> Building {
    Building {
        id,
        source_id: None,
        name: None,
        address: None,
        compound: None,
        floors: 6,
        units: 2,
        households: 20,
        population: 50,
        height_m: None,
        estimated: false,
        geometry: MultiPolygon(vec![rect(x, y, x + 0.1, y + 0.1)]),
    }
}

/// A sub-district of one 10 × 10 community (units of 0.001°) with the given primary grids.
fn with_grids(grids: Vec<Zone>, buildings: Vec<Building>) -> Dataset {
    let mut data = Dataset::new(LevelConfig::default());
    data.zones.push(zone(
        1,
        "310115001",
        "subdistrict",
        None,
        vec![rect(0.0, 0.0, 10.0, 10.0)],
    ));
    data.zones.push(zone(
        2,
        "310115001001",
        "community",
        Some(1),
        vec![rect(0.0, 0.0, 10.0, 10.0)],
    ));
    data.zones.extend(grids);
    data.buildings = buildings;
    data
}

#[test]
fn a_clean_plan_and_the_demo_pass() {
    let data = with_grids(
        vec![
            zone(
                3,
                "31011500100101",
                "primary",
                Some(2),
                vec![rect(0.0, 0.0, 5.0, 10.0)],
            ),
            zone(
                4,
                "31011500100102",
                "primary",
                Some(2),
                vec![rect(5.0, 0.0, 10.0, 10.0)],
            ),
        ],
        vec![building(1, 1.0, 1.0), building(2, 7.0, 7.0)],
    );
    let report = check(&data);
    assert!(report.is_ok(), "{report}");
    let demo = check(&generate(&DemoSettings::builtin()));
    assert!(demo.is_ok(), "{demo}");
    // The demo's district is larger than its one sub-district: information, not a violation.
    assert!(demo.notes.iter().any(|n| matches!(n, wangge_partition::Note::PartialCoverage { level, .. } if level == "subdistrict")), "{demo}");
    println!("{demo}");
}

#[test]
fn a_gap_is_found() {
    let data = with_grids(
        vec![
            zone(
                3,
                "31011500100101",
                "primary",
                Some(2),
                vec![rect(0.0, 0.0, 5.0, 10.0)],
            ),
            zone(
                4,
                "31011500100102",
                "primary",
                Some(2),
                vec![rect(5.0, 0.0, 9.0, 10.0)],
            ),
        ],
        vec![building(1, 9.5, 5.0)],
    );
    let report = check(&data);
    let gap = report.violations.iter().find_map(|v| match v {
        Violation::Gap {
            level,
            parent,
            share,
            ..
        } => Some((level.clone(), parent.clone(), *share)),
        _ => None,
    });
    let (level, parent, share) = gap.expect("a gap");
    assert_eq!(
        (level.as_str(), parent.as_str()),
        ("primary", "310115001001")
    );
    assert!((share - 0.1).abs() < 0.001, "{share}");
    assert!(
        report
            .violations
            .iter()
            .any(|v| matches!(v, Violation::BuildingInNoZone { building: 1, .. })),
        "{report}"
    );
    assert!(!report.to_string().contains("ok: every invariant holds"));
    let json = serde_json::to_value(&report).expect("json");
    assert_eq!(json["violations"][0]["kind"], "gap");
}

#[test]
fn an_overlap_and_a_building_in_two_zones_are_found() {
    let data = with_grids(
        vec![
            zone(
                3,
                "31011500100101",
                "primary",
                Some(2),
                vec![rect(0.0, 0.0, 6.0, 10.0)],
            ),
            zone(
                4,
                "31011500100102",
                "primary",
                Some(2),
                vec![rect(5.0, 0.0, 10.0, 10.0)],
            ),
        ],
        vec![building(7, 5.4, 5.0), building(8, 1.0, 1.0)],
    );
    let report = check(&data);
    assert!(report.violations.iter().any(|v| matches!(v, Violation::Overlap { level, zone, other, overlap_m2 }
        if level == "primary" && zone == "31011500100101" && other == "31011500100102" && *overlap_m2 > 50_000.0)), "{report}");
    let twice: Vec<_> = report
        .violations
        .iter()
        .filter_map(|v| match v {
            Violation::BuildingInSeveralZones {
                building, zones, ..
            } => Some((*building, zones.len())),
            _ => None,
        })
        .collect();
    assert_eq!(twice, vec![(7, 2)]);
}

#[test]
fn a_zone_in_pieces_touching_at_a_corner_is_disconnected() {
    // A chequerboard: each grid is two squares meeting only at the centre point.
    let data = with_grids(
        vec![
            zone(
                3,
                "31011500100101",
                "primary",
                Some(2),
                vec![rect(0.0, 0.0, 5.0, 5.0), rect(5.0, 5.0, 10.0, 10.0)],
            ),
            zone(
                4,
                "31011500100102",
                "primary",
                Some(2),
                vec![rect(5.0, 0.0, 10.0, 5.0), rect(0.0, 5.0, 5.0, 10.0)],
            ),
        ],
        Vec::new(),
    );
    let report = check(&data);
    let pieces: Vec<_> = report
        .violations
        .iter()
        .filter_map(|v| match v {
            Violation::Disconnected { zone, parts, .. } => Some((zone.clone(), *parts)),
            _ => None,
        })
        .collect();
    assert_eq!(
        pieces,
        vec![
            ("31011500100101".to_string(), 2),
            ("31011500100102".to_string(), 2)
        ],
        "{report}"
    );
    // Nothing else is wrong: they tile the community.
    assert_eq!(report.violations.len(), 2, "{report}");
    // Two squares sharing a side are one piece.
    let joined = with_grids(
        vec![zone(
            3,
            "31011500100101",
            "primary",
            Some(2),
            vec![rect(0.0, 0.0, 5.0, 10.0), rect(5.0, 0.0, 10.0, 10.0)],
        )],
        Vec::new(),
    );
    assert!(check(&joined).is_ok(), "{}", check(&joined));
}

#[test]
fn a_micro_grid_across_two_communities_is_found() {
    let mut data = Dataset::new(LevelConfig::default());
    data.zones.push(zone(
        1,
        "310115001",
        "subdistrict",
        None,
        vec![rect(0.0, 0.0, 10.0, 10.0)],
    ));
    data.zones.push(zone(
        2,
        "310115001001",
        "community",
        Some(1),
        vec![rect(0.0, 0.0, 5.0, 10.0)],
    ));
    data.zones.push(zone(
        3,
        "310115001002",
        "community",
        Some(1),
        vec![rect(5.0, 0.0, 10.0, 10.0)],
    ));
    data.zones.push(zone(
        4,
        "31011500100101",
        "primary",
        Some(2),
        vec![rect(0.0, 0.0, 5.0, 10.0)],
    ));
    data.zones.push(zone(
        5,
        "31011500100101001",
        "secondary",
        Some(4),
        vec![rect(0.0, 0.0, 5.0, 10.0)],
    ));
    // This micro-grid's parent is in community 1, but it lies in community 2.
    data.zones.push(zone(
        6,
        "31011500100101001001",
        "micro",
        Some(5),
        vec![rect(5.0, 0.0, 10.0, 10.0)],
    ));
    let report = check(&data);
    assert!(
        report.violations.iter().any(
            |v| matches!(v, Violation::NotInOneCommunity { zone, communities, .. }
        if zone == "31011500100101001001" && communities == &vec!["310115001002".to_string()])
        ),
        "{report}"
    );
    assert!(
        report.violations.iter().any(
            |v| matches!(v, Violation::OutsideParent { zone, .. } if zone == "31011500100101001001")
        ),
        "{report}"
    );
}

#[test]
fn broken_compounds_are_reported_and_the_units_still_tile() {
    let mut data = generate(&DemoSettings::builtin());
    // Stretch one compound far east, across its community's boundary and over its neighbours.
    let k = 0;
    let stretched = data.compounds[k].geometry.union(&MultiPolygon(vec![{
        let r = data.compounds[k].geometry.bounding_rect().expect("box");
        // Symmetric, so that the interior point stays in the compound's own community.
        Rect::new(
            Coord {
                x: r.min().x - 0.004,
                y: r.min().y,
            },
            Coord {
                x: r.max().x + 0.004,
                y: r.max().y,
            },
        )
        .to_polygon()
    }]));
    data.compounds[k].geometry = stretched;
    let units = planning_units(&data, "community").expect("level");
    assert!(units.problems.iter().any(|p| matches!(p, wangge_partition::Problem::CompoundCrossesCommunity { compound, .. } if *compound == data.compounds[k].id)), "{:?}", units.problems);
    assert!(
        units
            .problems
            .iter()
            .any(|p| matches!(p, wangge_partition::Problem::CompoundsOverlap { .. })),
        "{:?}",
        units.problems
    );
    assert_tiles(&data, &units);
    assert!(units.units.iter().all(|u| u.geometry.unsigned_area() > 0.0));
}
