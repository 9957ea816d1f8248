//! Planning units: the pieces every grid is a union of, tiling each community exactly.
//!
//! How a community is cut, all in a local metric projection:
//! 1. Compounds are units whole. A compound belongs to the community holding its interior point;
//!    one that reaches outside it, or overlaps an earlier compound, is reported as a [`Problem`]
//!    and its unit is cut to the part that is free, so the units still tile.
//! 2. The rest of the community is land, cut into street blocks by every street centre line that
//!    crosses it (i_overlay's line slicing). A block with no building outside compounds is a
//!    [`UnitKind::Block`].
//! 3. A block holding buildings outside compounds is cut into [`UnitKind::Cell`]s, one per
//!    building (buildings sharing an interior point share a cell): the building's Voronoi cell
//!    within the block. So a building outside a compound is grouped with the land around it
//!    rather than being a unit of its own: every unit has land, no unit sits as an island inside
//!    another, and moving a building between grids moves its ground with it.
//!
//! 4. At the lowest level only, a compound with more households than a grid may hold is cut into
//!    [`UnitKind::Part`]s, one per building, the same way (see [`UnitOptions`]): the one place a
//!    compound is split, by buildings.
//!
//! Membership of buildings is by interior point, the same rule as zone totals.

use std::collections::{HashMap, HashSet};

use geo::{
    Area, BooleanOps, BoundingRect, Coord, InteriorPoint, Intersects, LineString, MultiPolygon,
    Point, Polygon, Rect, unary_union,
};
use i_overlay::core::fill_rule::FillRule;
use i_overlay::float::slice::FloatSlice;
use rstar::primitives::GeomWithData;
use rstar::{AABB, RTree};
use serde::{Deserialize, Serialize};
use wangge_core::{Dataset, Id, Zone};

use wangge_core::area_m2;

use crate::cells::cut_block;
use crate::noding::node;
use crate::project::LocalProjection;
use crate::shared::{despike, segments, shared_length};
use crate::{PartitionError, Problem, Result};

/// Areas below this many square metres are the noise of boolean operations, not land.
const NOISE_M2: f64 = 0.01;

/// A piece of land smaller than this, m², is a sliver (see [`is_sliver`]).
pub const SLIVER_AREA_M2: f64 = 1.0;

/// A piece of land thinner on average than this, m, is a sliver (see [`is_sliver`]).
pub const SLIVER_WIDTH_M: f64 = 0.5;

/// The index of a unit in [`UnitSet::units`].
pub type UnitId = usize;

/// What a planning unit is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitKind {
    /// A whole compound (小区), with the buildings in it.
    Compound,
    /// A street block, or the part of one outside compounds, holding no building.
    Block,
    /// The land around one building outside compounds: its Voronoi cell within the street block.
    Cell,
    /// The land around one building of a compound too large for one grid: its Voronoi cell within
    /// the compound. Only at the lowest level (micro-grids), and only when asked for (see
    /// [`UnitOptions::split_compounds_above`]).
    Part,
}

impl UnitKind {
    /// The canonical key, e.g. `compound`.
    pub fn as_str(self) -> &'static str {
        match self {
            UnitKind::Compound => "compound",
            UnitKind::Block => "block",
            UnitKind::Cell => "cell",
            UnitKind::Part => "part",
        }
    }
}

/// One planning unit. Serialises without its geometry (a summary for reports).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Unit {
    /// Its index in [`UnitSet::units`].
    pub id: UnitId,
    /// The community (zone id) it lies in.
    pub community: Id,
    /// Compound, block or cell.
    pub kind: UnitKind,
    /// Outline, longitude/latitude.
    #[serde(skip)]
    pub geometry: MultiPolygon<f64>,
    /// Geodesic area, m².
    pub area_m2: f64,
    /// The compound it is (compound units) or is part of (part units).
    pub compound: Option<Id>,
    /// The street block it was cut from, for blocks and cells (an index counting blocks across
    /// the whole set); cells of one block share it.
    pub block: Option<usize>,
    /// The buildings whose interior points lie in it.
    pub buildings: Vec<Id>,
    /// Households of those buildings.
    pub households: u64,
    /// Residents of those buildings.
    pub population: u64,
}

/// The planning units of every community, and what was wrong with the data.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnitSet {
    /// The level whose zones were cut, e.g. `community`.
    pub community_level: String,
    /// The units, community by community.
    pub units: Vec<Unit>,
    /// Problems found on the way; the units tile their communities regardless.
    pub problems: Vec<Problem>,
    /// The local metric projection the units were computed in.
    pub projection: LocalProjection,
}

impl UnitSet {
    /// The units of one community.
    pub fn of_community(&self, community: Id) -> impl Iterator<Item = &Unit> {
        self.units.iter().filter(move |u| u.community == community)
    }

    /// Which unit holds each building.
    pub fn unit_of_building(&self) -> HashMap<Id, UnitId> {
        self.units
            .iter()
            .flat_map(|u| u.buildings.iter().map(move |b| (*b, u.id)))
            .collect()
    }

    /// How many units there are of a kind.
    pub fn count(&self, kind: UnitKind) -> usize {
        self.units.iter().filter(|u| u.kind == kind).count()
    }
}

/// How [`planning_units_with`] cuts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UnitOptions {
    /// Compounds with more households than this are cut into one [`UnitKind::Part`] per
    /// building instead of staying whole: the rule for the lowest level, where a compound larger
    /// than a micro-grid is split by buildings. `None`: compounds stay whole.
    pub split_compounds_above: Option<u64>,
    /// Cut only these zones of the level (all when `None`): an editor working on one grid need
    /// not cut the whole sub-district.
    pub only: Option<HashSet<Id>>,
}

/// Cuts every zone on `community_level` into planning units that tile it exactly, with
/// compounds whole (see [`planning_units_with`]).
pub fn planning_units(data: &Dataset, community_level: &str) -> Result<UnitSet> {
    planning_units_with(data, community_level, &UnitOptions::default())
}

/// Cuts the zones on `community_level` into planning units that tile each exactly.
///
/// Fails only when the level is not configured; broken data (compounds crossing communities,
/// overlapping compounds, buildings outside every community) yields units plus
/// [`UnitSet::problems`].
///
/// # Examples
///
/// ```
/// use wangge_partition::{UnitKind, planning_units};
/// let data = wangge_demo::generate(&wangge_demo::DemoSettings::builtin());
/// let units = planning_units(&data, "community").expect("the level exists");
/// assert_eq!(units.count(UnitKind::Compound), data.compounds.len());
/// assert!(units.problems.is_empty());
/// let held: usize = units.units.iter().map(|u| u.buildings.len()).sum();
/// assert_eq!(held, data.buildings.len());
/// ```
pub fn planning_units_with(
    data: &Dataset,
    community_level: &str,
    options: &UnitOptions,
) -> Result<UnitSet> {
    if data.levels.index_of(community_level).is_err() {
        return Err(PartitionError::UnknownLevel {
            level: community_level.to_string(),
            known: data.levels.keys(),
        });
    }
    let communities: Vec<&Zone> = data
        .zones
        .iter()
        .filter(|z| z.level == community_level)
        .filter(|z| {
            options
                .only
                .as_ref()
                .is_none_or(|only| only.contains(&z.id))
        })
        .collect();
    let mut problems = Vec::new();
    if communities.is_empty() {
        problems.push(Problem::NoCommunities {
            level: community_level.to_string(),
        });
    }
    // The projection is the same whichever zones are cut: an editor cutting one grid must get
    // the very units the splitter cut there, float noise and all, or the grids it redraws will
    // not fit the ones it leaves.
    let extent = data
        .zones
        .iter()
        .filter(|z| z.level == community_level)
        .filter_map(|z| z.geometry.bounding_rect())
        .reduce(join)
        .unwrap_or(Rect::new(
            Coord { x: 0.0, y: 0.0 },
            Coord { x: 0.0, y: 0.0 },
        ));
    let projection = LocalProjection::around(extent);

    let sites: Vec<Option<Coord<f64>>> = data
        .buildings
        .iter()
        .map(|b| {
            b.geometry
                .interior_point()
                .map(|p| projection.to_metres(p.0))
        })
        .collect();
    let building_tree: RTree<GeomWithData<[f64; 2], usize>> = RTree::bulk_load(
        sites
            .iter()
            .enumerate()
            .filter_map(|(i, s)| s.map(|c| GeomWithData::new([c.x, c.y], i)))
            .collect(),
    );

    // Each compound goes to the first community holding its interior point.
    let mut compounds_of: Vec<Vec<usize>> = vec![Vec::new(); communities.len()];
    for (k, compound) in data.compounds.iter().enumerate() {
        let home = compound
            .geometry
            .interior_point()
            .and_then(|p| communities.iter().position(|c| c.geometry.intersects(&p)));
        match home {
            Some(c) => compounds_of[c].push(k),
            None => problems.push(Problem::CompoundOutsideCommunities {
                compound: compound.id,
                code: compound.code.clone(),
            }),
        }
    }

    let mut work = Work {
        data,
        projection,
        sites: &sites,
        building_tree: &building_tree,
        claimed: vec![false; data.buildings.len()],
        split_compounds_above: options.split_compounds_above,
        units: Vec::new(),
        problems,
        blocks: 0,
    };
    for (c, community) in communities.iter().enumerate() {
        work.community(community, &compounds_of[c]);
    }

    for (i, building) in data.buildings.iter().enumerate() {
        if work.claimed[i] {
            continue;
        }
        // Outside the zones asked for: not a problem of this cut.
        if options.only.is_some() {
            continue;
        }
        work.problems.push(if sites[i].is_some() {
            Problem::BuildingOutsideUnits {
                building: building.id,
            }
        } else {
            Problem::BuildingWithoutFootprint {
                building: building.id,
            }
        });
    }
    // Neighbouring land units made to meet vertex for vertex, so that a union of units merges
    // wherever the graph calls them neighbours.
    let mut units = work.units;
    let mut metric: Vec<MultiPolygon<f64>> = units
        .iter()
        .map(|u| projection.polygons_to_metres(&u.geometry))
        .collect();
    let fixed: Vec<bool> = units.iter().map(|u| u.kind == UnitKind::Compound).collect();
    node(&mut metric, &fixed);
    for (unit, g) in units.iter_mut().zip(metric) {
        if unit.kind != UnitKind::Compound {
            unit.geometry = projection.polygons_to_degrees(&g);
            unit.area_m2 = area_m2(&unit.geometry);
        }
    }
    Ok(UnitSet {
        community_level: community_level.to_string(),
        units,
        problems: work.problems,
        projection,
    })
}

/// The state shared while communities are cut one after another.
struct Work<'a> {
    data: &'a Dataset,
    projection: LocalProjection,
    sites: &'a [Option<Coord<f64>>],
    building_tree: &'a RTree<GeomWithData<[f64; 2], usize>>,
    /// Whether a building already lies in a unit, so none is counted twice.
    claimed: Vec<bool>,
    split_compounds_above: Option<u64>,
    units: Vec<Unit>,
    problems: Vec<Problem>,
    blocks: usize,
}

impl Work<'_> {
    fn community(&mut self, community: &Zone, compounds: &[usize]) {
        let p = self.projection;
        let area = p.polygons_to_metres(&community.geometry);

        // Compounds whole, unless broken data forces a cut (reported).
        let mut placed: Vec<(MultiPolygon<f64>, Option<Rect<f64>>, Id)> = Vec::new();
        for &k in compounds {
            let compound = &self.data.compounds[k];
            let mut g = p.polygons_to_metres(&compound.geometry);
            let mut cut = false;
            let outside = g.difference(&area).unsigned_area();
            if outside > NOISE_M2 {
                self.problems.push(Problem::CompoundCrossesCommunity {
                    compound: compound.id,
                    code: compound.code.clone(),
                    community: community.id,
                    outside_m2: outside,
                });
                g = g.intersection(&area);
                cut = true;
            }
            let rect = g.bounding_rect();
            for (other, other_rect, other_id) in &placed {
                let near = match (rect, other_rect) {
                    (Some(a), Some(b)) => a.intersects(b),
                    _ => false,
                };
                if !near {
                    continue;
                }
                let overlap = g.intersection(other).unsigned_area();
                if overlap > NOISE_M2 {
                    self.problems.push(Problem::CompoundsOverlap {
                        compound: compound.id,
                        other: *other_id,
                        overlap_m2: overlap,
                    });
                    g = g.difference(other);
                    cut = true;
                }
            }
            if g.unsigned_area() <= NOISE_M2 {
                self.problems.push(Problem::CompoundSwallowed {
                    compound: compound.id,
                });
                continue;
            }
            let buildings = self.claim(&g);
            let households: u64 = buildings
                .iter()
                .map(|&i| u64::from(self.data.buildings[i].households))
                .sum();
            if self
                .split_compounds_above
                .is_some_and(|limit| households > limit)
                && buildings.len() > 1
            {
                for polygon in &g.0 {
                    let inside: Vec<usize> = buildings
                        .iter()
                        .copied()
                        .filter(|&b| self.sites[b].is_some_and(|c| polygon.intersects(&Point(c))))
                        .collect();
                    self.cut_around_buildings(
                        community.id,
                        UnitKind::Part,
                        polygon,
                        Some(compound.id),
                        None,
                        inside,
                    );
                }
                placed.push((g, rect, compound.id));
                continue;
            }
            // An uncut compound keeps its own outline to the last bit.
            let geometry = if cut {
                p.polygons_to_degrees(&g)
            } else {
                compound.geometry.clone()
            };
            self.push(
                community.id,
                UnitKind::Compound,
                geometry,
                Some(compound.id),
                None,
                buildings,
            );
            placed.push((g, rect, compound.id));
        }

        // The land left over, cut into street blocks by the centre lines that cross it.
        let land = if placed.is_empty() {
            area.clone()
        } else {
            area.difference(&unary_union(placed.iter().map(|(g, _, _)| g)))
        };
        for block in self.blocks_of(&land, community) {
            let block_geometry = MultiPolygon(vec![block.clone()]);
            let buildings = self.claim(&block_geometry);
            let index = self.blocks;
            self.blocks += 1;
            if buildings.is_empty() {
                self.push(
                    community.id,
                    UnitKind::Block,
                    p.polygons_to_degrees(&block_geometry),
                    None,
                    Some(index),
                    Vec::new(),
                );
                continue;
            }
            self.cut_around_buildings(
                community.id,
                UnitKind::Cell,
                &block,
                None,
                Some(index),
                buildings,
            );
        }
    }

    /// Cuts `land` (metres) into one unit of `kind` per distinct building point: the building's
    /// Voronoi cell within it. Land without buildings becomes one unit holding none.
    fn cut_around_buildings(
        &mut self,
        community: Id,
        kind: UnitKind,
        land: &Polygon<f64>,
        compound: Option<Id>,
        block: Option<usize>,
        buildings: Vec<usize>,
    ) {
        let p = self.projection;
        let mut groups: Vec<(Coord<f64>, Vec<usize>)> = Vec::new();
        let mut by_point: HashMap<(u64, u64), usize> = HashMap::new();
        for b in buildings {
            let Some(s) = self.sites[b] else { continue };
            let key = (s.x.to_bits(), s.y.to_bits());
            let g = *by_point.entry(key).or_insert_with(|| {
                groups.push((s, Vec::new()));
                groups.len() - 1
            });
            groups[g].1.push(b);
        }
        let whole = MultiPolygon(vec![land.clone()]);
        if groups.len() <= 1 {
            let members = groups.pop().map(|(_, m)| m).unwrap_or_default();
            self.push(
                community,
                kind,
                p.polygons_to_degrees(&whole),
                compound,
                block,
                members,
            );
            return;
        }
        let points: Vec<Coord<f64>> = groups.iter().map(|(s, _)| *s).collect();
        for (piece, (_, members)) in cut_block(land, &points).into_iter().zip(groups) {
            // Clipping to land with near-parallel edges can leave needles on a cell.
            let piece = despike(&piece);
            self.push(
                community,
                kind,
                p.polygons_to_degrees(&piece),
                compound,
                block,
                members,
            );
        }
    }

    /// The land cut by the street centre lines crossing it, one polygon per block.
    fn blocks_of(&self, land: &MultiPolygon<f64>, community: &Zone) -> Vec<Polygon<f64>> {
        let Some(bounds) = community.geometry.bounding_rect() else {
            return Vec::new();
        };
        let paths: Vec<Vec<[f64; 2]>> = self
            .data
            .streets
            .iter()
            .filter(|s| {
                s.geometry
                    .bounding_rect()
                    .is_some_and(|r| r.intersects(&bounds))
            })
            .map(|s| {
                self.projection
                    .line_to_metres(&s.geometry)
                    .coords()
                    .map(|c| [c.x, c.y])
                    .collect()
            })
            .collect();
        let shapes: Vec<Vec<Vec<[f64; 2]>>> = land
            .0
            .iter()
            .map(|polygon| {
                std::iter::once(polygon.exterior())
                    .chain(polygon.interiors())
                    .map(open_ring)
                    .collect()
            })
            .collect();
        let pieces = if paths.is_empty() {
            shapes
        } else {
            shapes.slice_by(&paths, FillRule::EvenOdd)
        };
        let pieces: Vec<Polygon<f64>> = pieces
            .into_iter()
            .filter_map(|shape| {
                let mut rings = shape.into_iter().map(|ring| {
                    LineString::from(
                        ring.into_iter()
                            .map(|[x, y]| Coord { x, y })
                            .collect::<Vec<_>>(),
                    )
                });
                let exterior = rings.next()?;
                Some(Polygon::new(exterior, rings.collect()))
            })
            .collect();
        absorb_slivers(pieces)
    }

    /// The buildings not yet in a unit whose points lie in `g` (metres); claims them.
    fn claim(&mut self, g: &MultiPolygon<f64>) -> Vec<usize> {
        let Some(rect) = g.bounding_rect() else {
            return Vec::new();
        };
        let envelope =
            AABB::from_corners([rect.min().x, rect.min().y], [rect.max().x, rect.max().y]);
        let mut found: Vec<usize> = self
            .building_tree
            .locate_in_envelope_intersecting(&envelope)
            .map(|s| s.data)
            .filter(|&i| !self.claimed[i])
            .filter(|&i| self.sites[i].is_some_and(|c| g.intersects(&Point(c))))
            .collect();
        found.sort_unstable();
        for &i in &found {
            self.claimed[i] = true;
        }
        found
    }

    fn push(
        &mut self,
        community: Id,
        kind: UnitKind,
        geometry: MultiPolygon<f64>,
        compound: Option<Id>,
        block: Option<usize>,
        buildings: Vec<usize>,
    ) {
        let held = buildings.iter().map(|&i| &self.data.buildings[i]);
        let households = held.clone().map(|b| u64::from(b.households)).sum();
        let population = held.clone().map(|b| u64::from(b.population)).sum();
        self.units.push(Unit {
            id: self.units.len(),
            community,
            kind,
            area_m2: area_m2(&geometry),
            geometry,
            compound,
            block,
            buildings: held.map(|b| b.id).collect(),
            households,
            population,
        });
    }
}

/// Whether a piece of land is a sliver rather than a block: under [`SLIVER_AREA_M2`], or thinner on
/// average than [`SLIVER_WIDTH_M`] (mean width taken as 2 × area / perimeter, exact for a long
/// strip). Street slicing makes them where a centre line runs along (within float noise of) the
/// land's edge or another centre line.
pub fn is_sliver(area_m2: f64, perimeter_m: f64) -> bool {
    area_m2 < SLIVER_AREA_M2 || 2.0 * area_m2 < SLIVER_WIDTH_M * perimeter_m
}

/// The length of all rings of `g`, in its own units.
pub(crate) fn perimeter(g: &MultiPolygon<f64>) -> f64 {
    segments(g)
        .iter()
        .map(|s| (s[1][0] - s[0][0]).hypot(s[1][1] - s[0][1]))
        .sum()
}

/// Cleans the pieces of sliced land (metres): zero-width slits along dead-end centre lines are
/// removed (a union of a polygon with nothing drops edges traversed both ways), and every sliver
/// is merged into the piece it shares the most boundary with, so that the pieces still tile the
/// land exactly. A sliver touching no other piece along a line is kept if it has real area, and
/// dropped as noise otherwise.
fn absorb_slivers(pieces: Vec<Polygon<f64>>) -> Vec<Polygon<f64>> {
    let mut solid: Vec<MultiPolygon<f64>> = Vec::new();
    let mut slivers: Vec<MultiPolygon<f64>> = Vec::new();
    for piece in pieces {
        // Cleaning may also split a piece pinched at a point into its parts.
        for part in unary_union([&piece]).0 {
            let part = MultiPolygon(vec![part]);
            if is_sliver(part.unsigned_area(), perimeter(&part)) {
                slivers.push(part);
            } else {
                solid.push(part);
            }
        }
    }
    // Biggest slivers first; a sliver may only touch another sliver, so repeat while merging.
    slivers.sort_by(|a, b| b.unsigned_area().total_cmp(&a.unsigned_area()));
    loop {
        let mut left = Vec::new();
        let before = slivers.len();
        for sliver in slivers {
            let rect = sliver.bounding_rect();
            let best = solid
                .iter()
                .enumerate()
                .filter(|(_, p)| match (rect, p.bounding_rect()) {
                    (Some(a), Some(b)) => grow_rect(a, 0.1).intersects(&b),
                    _ => false,
                })
                .map(|(i, p)| (i, shared_length(&sliver, p)))
                .filter(|(_, l)| *l > 0.0)
                .max_by(|a, b| a.1.total_cmp(&b.1));
            match best {
                Some((i, _)) => {
                    let merged = solid[i].union(&sliver);
                    solid[i] = merged;
                }
                None => left.push(sliver),
            }
        }
        slivers = left;
        if slivers.is_empty() || slivers.len() == before {
            break;
        }
    }
    solid.extend(slivers.into_iter().filter(|s| s.unsigned_area() > NOISE_M2));
    // Slicing and merging leave zero-width needles where a centre line runs within float noise
    // of the land's edge: they hold no land but would lie along a neighbour's edge.
    solid.iter().flat_map(|g| despike(g).0).collect()
}

fn grow_rect(r: Rect<f64>, by: f64) -> Rect<f64> {
    Rect::new(
        Coord {
            x: r.min().x - by,
            y: r.min().y - by,
        },
        Coord {
            x: r.max().x + by,
            y: r.max().y + by,
        },
    )
}

/// A ring's coordinates without the closing repeat, as i_overlay wants them.
fn open_ring(ring: &LineString<f64>) -> Vec<[f64; 2]> {
    let mut points: Vec<[f64; 2]> = ring.coords().map(|c| [c.x, c.y]).collect();
    if points.len() > 1 && points.first() == points.last() {
        points.pop();
    }
    points
}

fn join(a: Rect<f64>, b: Rect<f64>) -> Rect<f64> {
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
}
