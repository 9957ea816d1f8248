//! A chief's area: the union of what they answer for, drawn as a zone on the map.
//!
//! Buildings and street centre lines do not tile the ground, so the area is made of planning
//! units (wangge-partition: whole compounds, street blocks, the cells around buildings outside
//! compounds), which tile every community exactly. A unit goes to the chief who answers for most
//! of its households (then most of its buildings); a unit without buildings — a street block —
//! to the chief it shares most boundary with (spreading out from the units with buildings), or,
//! when no neighbour has a chief, to the chief of the nearest building or street segment. The areas of one level therefore
//! never overlap and leave no gap within the communities.

use std::collections::{BTreeMap, HashMap};

use geo::{Area, InteriorPoint, LineString, MultiPolygon, Polygon, unary_union};
use rstar::RTree;
use rstar::primitives::GeomWithData;
use serde::Serialize;
use wangge_core::{Assignment, ChiefLevel, Dataset, DutyKind, Id, area_m2, responsible};
use wangge_partition::{UnitGraph, UnitSet, is_sliver, planning_units, polsby_popper};

use crate::error::{AssignError, Result};
use crate::items::Items;

/// One chief's area at one level.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChiefArea {
    /// The chief's id.
    pub chief: Id,
    /// The level of the duties drawn.
    pub level: ChiefLevel,
    /// The area's outline, longitude/latitude (not serialised: export it as GeoJSON).
    #[serde(skip)]
    pub geometry: MultiPolygon<f64>,
    /// How many planning units make it up.
    pub units: usize,
    /// How many separate polygons it has (1 = one connected area).
    pub parts: usize,
    /// Geodesic area, m².
    pub area_m2: f64,
    /// Length of its outline (holes included), m.
    pub perimeter_m: f64,
    /// Polsby-Popper compactness 4πA/P² (1 for a circle).
    pub polsby_popper: f64,
}

/// The area of every chief of `level` who answers for anything under `assignments`, by chief id.
///
/// Fails when the dataset's levels have no community level (planning units are cut per
/// community).
///
/// # Examples
///
/// ```
/// use wangge_assign::{AssignOptions, assign, chief_areas};
/// use wangge_core::ChiefLevel;
/// let data = wangge_demo::generate(&wangge_demo::DemoSettings::builtin());
/// let done = assign(&data, &[], &AssignOptions::default()).expect("assigned");
/// let areas = chief_areas(&data, &done.assignments, ChiefLevel::Community).expect("areas");
/// assert_eq!(areas.len(), 10);
/// assert!(areas.iter().all(|a| a.area_m2 > 0.0));
/// ```
pub fn chief_areas(
    data: &Dataset,
    assignments: &[Assignment],
    level: ChiefLevel,
) -> Result<Vec<ChiefArea>> {
    chief_areas_on(data, assignments, &[level])
}

/// The areas of every chief on each of `levels`, in the order of `levels` and by chief id
/// within a level: [`chief_areas`] for several levels at once, cutting the planning units (the
/// costly part) only once.
///
/// # Examples
///
/// ```
/// use wangge_assign::{AssignOptions, assign, chief_areas_on};
/// use wangge_core::ChiefLevel;
/// let data = wangge_demo::generate(&wangge_demo::DemoSettings::builtin());
/// let done = assign(&data, &[], &AssignOptions::default()).expect("assigned");
/// let areas = chief_areas_on(&data, &done.assignments, ChiefLevel::ALL).expect("areas");
/// let community = areas.iter().filter(|a| a.level == ChiefLevel::Community).count();
/// assert_eq!(community, 10);
/// ```
pub fn chief_areas_on(
    data: &Dataset,
    assignments: &[Assignment],
    levels: &[ChiefLevel],
) -> Result<Vec<ChiefArea>> {
    let key = data.levels.community_key().ok_or_else(|| {
        AssignError::Areas(
            "the level configuration has no `community` level to cut planning units on".into(),
        )
    })?;
    let units = planning_units(data, key).map_err(|e| AssignError::Areas(e.to_string()))?;
    let items = Items::new(data);
    let graph = UnitGraph::build(&units, &data.streets);
    let households: HashMap<Id, u32> = data
        .buildings
        .iter()
        .map(|b| (b.id, b.households))
        .collect();
    let mut out = Vec::new();
    for &level in levels {
        out.extend(areas_of_level(
            &units,
            &graph,
            &items,
            &households,
            assignments,
            level,
        ));
    }
    Ok(out)
}

/// The areas of one level's chiefs over planning units already cut.
fn areas_of_level(
    units: &UnitSet,
    graph: &UnitGraph,
    items: &Items,
    households: &HashMap<Id, u32>,
    assignments: &[Assignment],
    level: ChiefLevel,
) -> Vec<ChiefArea> {
    let projection = units.projection;
    let buildings = responsible(assignments, DutyKind::Building, level);
    let streets = responsible(assignments, DutyKind::Street, level);
    let chief_of = |i: usize| match items.kind[i] {
        DutyKind::Building => buildings.get(&items.id[i]).copied(),
        DutyKind::Street => streets.get(&items.id[i]).copied(),
    };
    // Assigned items by point, in the units' projection.
    let tree: RTree<GeomWithData<[f64; 2], Id>> = RTree::bulk_load(
        (0..items.len())
            .filter_map(|i| {
                chief_of(i).map(|c| {
                    let m = projection.to_metres(items.lonlat[i].0);
                    GeomWithData::new([m.x, m.y], c)
                })
            })
            .collect(),
    );
    // Units with buildings: the chief of most of their households.
    let mut chief: Vec<Option<Id>> = units
        .units
        .iter()
        .map(|unit| {
            let mut votes: BTreeMap<Id, (u64, usize)> = BTreeMap::new();
            for b in &unit.buildings {
                if let Some(&c) = buildings.get(b) {
                    let v = votes.entry(c).or_default();
                    v.0 += u64::from(households.get(b).copied().unwrap_or(0));
                    v.1 += 1;
                }
            }
            votes
                .iter()
                .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
                .map(|(c, _)| *c)
        })
        .collect();
    // Units without: the chief they share most boundary with, spreading outwards from the
    // units with buildings; what no neighbour reaches goes to the chief of the nearest item.
    loop {
        let mut changed = Vec::new();
        for (u, c) in chief.iter().enumerate() {
            if c.is_some() {
                continue;
            }
            let mut votes: BTreeMap<Id, f64> = BTreeMap::new();
            for (v, edge) in graph.neighbours(u) {
                if let Some(c) = chief[v] {
                    *votes.entry(c).or_default() += edge.shared_m;
                }
            }
            if let Some((&c, _)) = votes
                .iter()
                .max_by(|a, b| a.1.total_cmp(b.1).then(b.0.cmp(a.0)))
            {
                changed.push((u, c));
            }
        }
        if changed.is_empty() {
            break;
        }
        for (u, c) in changed {
            chief[u] = Some(c);
        }
    }
    let mut by_chief: BTreeMap<Id, Vec<MultiPolygon<f64>>> = BTreeMap::new();
    for (unit, c) in units.units.iter().zip(chief) {
        let c = c.or_else(|| {
            let p = unit.geometry.interior_point()?;
            let m = projection.to_metres(p.0);
            tree.nearest_neighbor(&[m.x, m.y]).map(|o| o.data)
        });
        if let Some(c) = c {
            by_chief
                .entry(c)
                .or_default()
                .push(projection.polygons_to_metres(&unit.geometry));
        }
    }
    by_chief
        .into_iter()
        .map(|(chief, pieces)| {
            let metres = without_slivers(unary_union(pieces.iter()));
            let perimeter_m: f64 = metres
                .0
                .iter()
                .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
                .flat_map(|ring| ring.lines())
                .map(|l| (l.end.x - l.start.x).hypot(l.end.y - l.start.y))
                .sum();
            let geometry = projection.polygons_to_degrees(&metres);
            let area = area_m2(&geometry);
            ChiefArea {
                chief,
                level,
                units: pieces.len(),
                parts: geometry.0.len(),
                area_m2: area,
                perimeter_m,
                polsby_popper: polsby_popper(area, perimeter_m),
                geometry,
            }
        })
        .collect()
}

/// Drops the noise of the union (metres): sliver holes where neighbouring units' outlines do not
/// quite meet, and sliver parts.
fn without_slivers(shape: MultiPolygon<f64>) -> MultiPolygon<f64> {
    let sliver = |ring: &LineString<f64>| {
        let area = Polygon::new(ring.clone(), vec![]).unsigned_area();
        let perimeter: f64 = ring
            .lines()
            .map(|l| (l.end.x - l.start.x).hypot(l.end.y - l.start.y))
            .sum();
        is_sliver(area, perimeter)
    };
    MultiPolygon(
        shape
            .0
            .into_iter()
            .filter(|p| !sliver(p.exterior()))
            .map(|p| {
                let (exterior, holes) = p.into_inner();
                let holes = holes.into_iter().filter(|r| !sliver(r)).collect();
                Polygon::new(exterior, holes)
            })
            .collect(),
    )
}
