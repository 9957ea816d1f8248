//! The zone invariants behind `wangge check`: each level tiles its parent, every building lies in
//! exactly one zone per level, every zone is one connected piece, and every grid lies inside one
//! community.
//!
//! Coverage is judged by how far down the hierarchy a level is. From the community level down
//! (communities in their sub-district, grids in their community) children must cover their parent:
//! a gap is a violation. Above it, a dataset may legitimately hold only part of a parent — a
//! district with one of its sub-districts, as in the demo — so a gap there is reported as a note,
//! not a violation. Overlaps, children reaching outside their parent and disconnected zones are
//! violations on every level.
//!
//! Areas are planar, in a local metric projection around the data (within a fraction of a
//! percent of geodesic areas over a district); the tolerances are shares, so that is plenty.

use std::collections::HashMap;

use geo::{Area, BooleanOps, BoundingRect, InteriorPoint, Intersects, MultiPolygon, unary_union};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, RTree};
use serde::{Deserialize, Serialize};
use wangge_core::{Dataset, Id, Zone};

use crate::graph::MIN_SHARED_M;
use crate::project::LocalProjection;
use crate::shared::{TOUCH_M, shared_length};

/// Zone outlines in metres, by zone id.
type Metric = HashMap<Id, MultiPolygon<f64>>;

/// The tolerance for "covers" and "lies inside": 0.01 % of the area concerned.
pub const AREA_TOLERANCE: f64 = 1e-4;

/// Overlaps smaller than this, m², are the noise of boolean operations.
const NOISE_M2: f64 = 0.01;

/// One broken invariant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Violation {
    /// The children on `level` leave part of their parent uncovered.
    Gap {
        /// The children's level.
        level: String,
        /// The parent's code.
        parent: String,
        /// The uncovered area, m².
        gap_m2: f64,
        /// The uncovered share of the parent, 0–1.
        share: f64,
    },
    /// Two sibling zones overlap.
    Overlap {
        /// Their level.
        level: String,
        /// One zone's code.
        zone: String,
        /// The other's.
        other: String,
        /// The overlap, m².
        overlap_m2: f64,
    },
    /// A zone reaches outside its parent.
    OutsideParent {
        /// Its level.
        level: String,
        /// Its code.
        zone: String,
        /// The parent's code.
        parent: String,
        /// The area outside, m².
        outside_m2: f64,
    },
    /// A zone below the top level has no parent, or a parent on the wrong level.
    BadParent {
        /// Its level.
        level: String,
        /// Its code.
        zone: String,
        /// What is wrong.
        reason: String,
    },
    /// A zone is not one connected piece (parts touching only at points count as apart).
    Disconnected {
        /// Its level.
        level: String,
        /// Its code.
        zone: String,
        /// How many pieces it is in.
        parts: usize,
    },
    /// A building's interior point lies in more than one zone of a level.
    BuildingInSeveralZones {
        /// The level.
        level: String,
        /// The building.
        building: Id,
        /// The zones' codes.
        zones: Vec<String>,
    },
    /// A building lies inside a parent whose children on `level` are drawn, but in none of them.
    BuildingInNoZone {
        /// The level.
        level: String,
        /// The building.
        building: Id,
        /// The parent's code.
        parent: String,
    },
    /// A zone below the community level does not lie inside one community.
    NotInOneCommunity {
        /// Its level.
        level: String,
        /// Its code.
        zone: String,
        /// The codes of the communities it overlaps.
        communities: Vec<String>,
    },
}

/// Something worth knowing that breaks no invariant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Note {
    /// Above the community level, the data holds only part of a parent's children.
    PartialCoverage {
        /// The children's level.
        level: String,
        /// The parent's code.
        parent: String,
        /// The covered share of the parent, 0–1.
        covered: f64,
    },
    /// Buildings outside every zone of a level, where that is no violation (outside the data's
    /// parents, or above the community level).
    BuildingsOutside {
        /// The level.
        level: String,
        /// How many.
        count: usize,
    },
    /// A zone in several pieces because a compound in it is drawn in several pieces in the source
    /// data (compounds are never cut, so the grid holding one cannot be one piece).
    MultiPartCompound {
        /// The level.
        level: String,
        /// The zone's code.
        zone: String,
        /// How many pieces it is in.
        parts: usize,
    },
}

/// What was checked on one level.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LevelSummary {
    /// The level key.
    pub level: String,
    /// Zones on it.
    pub zones: usize,
    /// Parents whose children on this level were checked for tiling.
    pub parents: usize,
}

/// The result of [`check`]: every violation, with zone codes, levels and numbers.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CheckReport {
    /// Levels that hold zones, top down.
    pub levels: Vec<LevelSummary>,
    /// Buildings checked.
    pub buildings: usize,
    /// Broken invariants.
    pub violations: Vec<Violation>,
    /// Information that breaks nothing.
    pub notes: Vec<Note>,
}

impl CheckReport {
    /// True when no invariant is broken.
    pub fn is_ok(&self) -> bool {
        self.violations.is_empty()
    }
}

/// Checks every zone invariant of `data`. Never fails: what is wrong is in the report.
///
/// # Examples
///
/// ```
/// let data = wangge_demo::generate(&wangge_demo::DemoSettings::builtin());
/// let report = wangge_partition::check(&data);
/// assert!(report.is_ok(), "{report}");
/// ```
pub fn check(data: &Dataset) -> CheckReport {
    let mut report = CheckReport {
        buildings: data.buildings.len(),
        ..CheckReport::default()
    };
    let levels = &data.levels.levels;
    let community = data
        .levels
        .community_key()
        .and_then(|k| data.levels.index_of(k).ok());
    let by_id: HashMap<Id, &Zone> = data.zones.iter().map(|z| (z.id, z)).collect();
    let projection = projection_of(data);
    let metric: Metric = data
        .zones
        .iter()
        .map(|z| (z.id, projection.polygons_to_metres(&z.geometry)))
        .collect();
    let areas: HashMap<Id, f64> = metric
        .iter()
        .map(|(id, g)| (*id, g.unsigned_area()))
        .collect();
    let points: Vec<Option<geo::Point<f64>>> = data
        .buildings
        .iter()
        .map(|b| b.geometry.interior_point())
        .collect();

    // Compounds drawn in several pieces (a source polygon in two parts): units never cut a
    // compound, so a grid holding one is in as many pieces, and that is no fault of the grid.
    let multi_part: Vec<(geo::Point<f64>, usize)> = data
        .compounds
        .iter()
        .filter(|c| c.geometry.0.len() > 1)
        .filter_map(|c| {
            let parts = zone_parts(&projection.polygons_to_metres(&c.geometry))?;
            let at = c.geometry.interior_point()?;
            (parts > 1).then_some((at, parts - 1))
        })
        .collect();

    for (index, level) in levels.iter().enumerate() {
        let zones: Vec<&Zone> = data.zones.iter().filter(|z| z.level == level.key).collect();
        if zones.is_empty() {
            continue;
        }
        // At and below the community level, children must cover their parent.
        let must_cover = community.is_none_or(|c| index >= c);
        let mut children: HashMap<Id, Vec<&Zone>> = HashMap::new();
        for zone in &zones {
            if let Some(parts) = zone_parts(&metric[&zone.id]).filter(|&p| p > 1) {
                let explained: usize = multi_part
                    .iter()
                    .filter(|(at, _)| zone.geometry.intersects(at))
                    .map(|(_, extra)| extra)
                    .sum();
                if parts - 1 <= explained {
                    report.notes.push(Note::MultiPartCompound {
                        level: level.key.clone(),
                        zone: zone.code.clone(),
                        parts,
                    });
                } else {
                    report.violations.push(Violation::Disconnected {
                        level: level.key.clone(),
                        zone: zone.code.clone(),
                        parts,
                    });
                }
            }
            match (index, zone.parent.and_then(|p| by_id.get(&p))) {
                (0, None) => {}
                (0, Some(_)) => report.violations.push(Violation::BadParent {
                    level: level.key.clone(),
                    zone: zone.code.clone(),
                    reason: "a zone on the top level has a parent".into(),
                }),
                // A zone without a parent is fine when the data holds nothing on the level
                // above (communities imported without their sub-district), not otherwise.
                (_, None) => {
                    let above = &levels[index - 1].key;
                    if data.zones.iter().any(|z| &z.level == above) {
                        report.violations.push(Violation::BadParent {
                            level: level.key.clone(),
                            zone: zone.code.clone(),
                            reason: format!("no parent, though the data has `{above}` zones"),
                        });
                    }
                }
                (_, Some(parent)) if parent.level != levels[index - 1].key => {
                    report.violations.push(Violation::BadParent {
                        level: level.key.clone(),
                        zone: zone.code.clone(),
                        reason: format!(
                            "its parent {} is on level `{}`, not `{}`",
                            parent.code,
                            parent.level,
                            levels[index - 1].key
                        ),
                    })
                }
                (_, Some(parent)) => children.entry(parent.id).or_default().push(zone),
            }
        }
        let mut parent_ids: Vec<Id> = children.keys().copied().collect();
        parent_ids.sort_unstable();
        for parent_id in &parent_ids {
            let parent = by_id[parent_id];
            tiling(
                &mut report,
                &level.key,
                parent,
                &children[parent_id],
                must_cover,
                &metric,
                &areas,
            );
        }
        report.levels.push(LevelSummary {
            level: level.key.clone(),
            zones: zones.len(),
            parents: parent_ids.len(),
        });
        buildings(
            &mut report,
            &level.key,
            &zones,
            &points,
            data,
            &children,
            must_cover,
        );
        if let Some(c) = community.filter(|&c| index > c + 1) {
            inside_one_community(
                &mut report,
                &level.key,
                &zones,
                &levels[c].key,
                data,
                &by_id,
                &metric,
            );
        }
    }
    report
}

/// How many connected pieces a zone is in, when it has more than one polygon.
/// The metric projection the check runs its boolean operations in: around the extent of all
/// zones. In degrees, i_overlay's integer grid is about a centimetre, coarse enough to show up as
/// overlaps along every shared boundary; and whether two polygons touching at a point come out of
/// a union as one or two depends on the projection, so everything that must agree with the check
/// uses this one.
pub(crate) fn projection_of(data: &Dataset) -> LocalProjection {
    data.zones
        .iter()
        .filter_map(|z| z.geometry.bounding_rect())
        .reduce(|a, b| {
            geo::Rect::new(
                geo::coord! { x: a.min().x.min(b.min().x), y: a.min().y.min(b.min().y) },
                geo::coord! { x: a.max().x.max(b.max().x), y: a.max().y.max(b.max().y) },
            )
        })
        .map_or(LocalProjection::new(0.0, 0.0), LocalProjection::around)
}

pub(crate) fn zone_parts(geometry: &MultiPolygon<f64>) -> Option<usize> {
    if geometry.0.len() <= 1 {
        return None;
    }
    // The union merges parts that share a boundary exactly. Parts that come out of it apart are
    // still one piece if they run along each other for a walkable stretch within a centimetre —
    // the rule of the unit graph: units from separate boolean operations can meet a fraction of a
    // millimetre apart along a boundary, and the union then keeps them as two polygons touching
    // at a corner. Parts that meet only at a point, or not at all, are separate pieces.
    let merged = unary_union(geometry.0.iter());
    let parts: Vec<MultiPolygon<f64>> = merged
        .0
        .into_iter()
        .map(|p| MultiPolygon(vec![p]))
        .collect();
    if parts.len() <= 1 {
        return Some(parts.len());
    }
    let boxes: Vec<Option<geo::Rect<f64>>> = parts.iter().map(|p| p.bounding_rect()).collect();
    let near = |i: usize, j: usize| match (boxes[i], boxes[j]) {
        (Some(a), Some(b)) => {
            a.min().x - TOUCH_M <= b.max().x
                && b.min().x - TOUCH_M <= a.max().x
                && a.min().y - TOUCH_M <= b.max().y
                && b.min().y - TOUCH_M <= a.max().y
        }
        _ => false,
    };
    let mut root: Vec<usize> = (0..parts.len()).collect();
    fn find(root: &mut [usize], i: usize) -> usize {
        let mut i = i;
        while root[i] != i {
            root[i] = root[root[i]];
            i = root[i];
        }
        i
    }
    for i in 0..parts.len() {
        for j in i + 1..parts.len() {
            if near(i, j) && shared_length(&parts[i], &parts[j]) >= MIN_SHARED_M {
                let (a, b) = (find(&mut root, i), find(&mut root, j));
                root[a] = b;
            }
        }
    }
    let pieces = (0..parts.len())
        .filter(|&i| find(&mut root, i) == i)
        .count();
    Some(pieces)
}

fn tiling(
    report: &mut CheckReport,
    level: &str,
    parent: &Zone,
    children: &[&Zone],
    must_cover: bool,
    metric: &Metric,
    areas: &HashMap<Id, f64>,
) {
    let parent_area = areas[&parent.id].max(f64::MIN_POSITIVE);
    let parent_geometry = &metric[&parent.id];
    let union = unary_union(children.iter().map(|c| &metric[&c.id]));
    let gap = parent_geometry.difference(&union).unsigned_area();
    if gap / parent_area > AREA_TOLERANCE {
        if must_cover {
            report.violations.push(Violation::Gap {
                level: level.to_string(),
                parent: parent.code.clone(),
                gap_m2: gap,
                share: gap / parent_area,
            });
        } else {
            report.notes.push(Note::PartialCoverage {
                level: level.to_string(),
                parent: parent.code.clone(),
                covered: 1.0 - gap / parent_area,
            });
        }
    }
    for child in children {
        let outside = metric[&child.id]
            .difference(parent_geometry)
            .unsigned_area();
        if outside / areas[&child.id].max(f64::MIN_POSITIVE) > AREA_TOLERANCE {
            report.violations.push(Violation::OutsideParent {
                level: level.to_string(),
                zone: child.code.clone(),
                parent: parent.code.clone(),
                outside_m2: outside,
            });
        }
    }
    for (i, a) in children.iter().enumerate() {
        for b in &children[i + 1..] {
            let (ga, gb) = (&metric[&a.id], &metric[&b.id]);
            let near = match (ga.bounding_rect(), gb.bounding_rect()) {
                (Some(x), Some(y)) => x.intersects(&y),
                _ => false,
            };
            if !near {
                continue;
            }
            let overlap = ga.intersection(gb).unsigned_area();
            let smaller = areas[&a.id].min(areas[&b.id]).max(f64::MIN_POSITIVE);
            if overlap > NOISE_M2 && overlap / smaller > AREA_TOLERANCE {
                report.violations.push(Violation::Overlap {
                    level: level.to_string(),
                    zone: a.code.clone(),
                    other: b.code.clone(),
                    overlap_m2: overlap,
                });
            }
        }
    }
}

type ZoneTree = RTree<GeomWithData<Rectangle<[f64; 2]>, usize>>;

fn zone_tree(zones: &[&Zone]) -> ZoneTree {
    RTree::bulk_load(
        zones
            .iter()
            .enumerate()
            .filter_map(|(i, z)| {
                let r = z.geometry.bounding_rect()?;
                Some(GeomWithData::new(
                    Rectangle::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]),
                    i,
                ))
            })
            .collect(),
    )
}

fn containing<'z>(tree: &ZoneTree, zones: &[&'z Zone], p: geo::Point<f64>) -> Vec<&'z Zone> {
    let mut found: Vec<&Zone> = tree
        .locate_in_envelope_intersecting(&AABB::from_point([p.x(), p.y()]))
        .map(|r| zones[r.data])
        .filter(|z| z.geometry.intersects(&p))
        .collect();
    found.sort_by(|a, b| a.code.cmp(&b.code));
    found
}

fn buildings(
    report: &mut CheckReport,
    level: &str,
    zones: &[&Zone],
    points: &[Option<geo::Point<f64>>],
    data: &Dataset,
    children: &HashMap<Id, Vec<&Zone>>,
    must_cover: bool,
) {
    let tree = zone_tree(zones);
    // The parents whose children on this level are drawn: a building in one of them must lie
    // in one of its children.
    let parents: Vec<&Zone> = data
        .zones
        .iter()
        .filter(|z| children.contains_key(&z.id))
        .collect();
    let parent_tree = zone_tree(&parents);
    let mut outside = 0;
    for (building, point) in data.buildings.iter().zip(points) {
        let Some(point) = *point else { continue };
        let found = containing(&tree, zones, point);
        if found.len() > 1 {
            report.violations.push(Violation::BuildingInSeveralZones {
                level: level.to_string(),
                building: building.id,
                zones: found.iter().map(|z| z.code.clone()).collect(),
            });
        } else if found.is_empty() {
            let parent = containing(&parent_tree, &parents, point).into_iter().next();
            match parent {
                Some(parent) if must_cover => report.violations.push(Violation::BuildingInNoZone {
                    level: level.to_string(),
                    building: building.id,
                    parent: parent.code.clone(),
                }),
                _ => outside += 1,
            }
        }
    }
    if outside > 0 {
        report.notes.push(Note::BuildingsOutside {
            level: level.to_string(),
            count: outside,
        });
    }
}

/// Zones two or more levels below the community level (grids right below it are checked against
/// their parent already) must lie inside the community they descend from.
fn inside_one_community(
    report: &mut CheckReport,
    level: &str,
    zones: &[&Zone],
    community_level: &str,
    data: &Dataset,
    by_id: &HashMap<Id, &Zone>,
    metric: &Metric,
) {
    let communities: Vec<&Zone> = data
        .zones
        .iter()
        .filter(|z| z.level == community_level)
        .collect();
    for zone in zones {
        let mut ancestor = zone.parent.and_then(|p| by_id.get(&p).copied());
        while let Some(a) = ancestor.filter(|a| a.level != community_level) {
            ancestor = a.parent.and_then(|p| by_id.get(&p).copied());
        }
        let zone_area = metric[&zone.id].unsigned_area().max(f64::MIN_POSITIVE);
        let inside = ancestor.is_some_and(|c| {
            metric[&zone.id].difference(&metric[&c.id]).unsigned_area() / zone_area
                <= AREA_TOLERANCE
        });
        if inside {
            continue;
        }
        let touching: Vec<String> = communities
            .iter()
            .filter(|c| {
                metric[&zone.id]
                    .intersection(&metric[&c.id])
                    .unsigned_area()
                    > NOISE_M2
            })
            .map(|c| c.code.clone())
            .collect();
        report.violations.push(Violation::NotInOneCommunity {
            level: level.to_string(),
            zone: zone.code.clone(),
            communities: touching,
        });
    }
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Violation::Gap {
                level,
                parent,
                gap_m2,
                share,
            } => write!(
                f,
                "gap: the {level} zones of {parent} leave {gap_m2:.1} m² ({:.4} %) uncovered",
                share * 100.0
            ),
            Violation::Overlap {
                level,
                zone,
                other,
                overlap_m2,
            } => {
                write!(
                    f,
                    "overlap: {level} zones {zone} and {other} overlap by {overlap_m2:.1} m²"
                )
            }
            Violation::OutsideParent {
                level,
                zone,
                parent,
                outside_m2,
            } => write!(
                f,
                "outside parent: {level} zone {zone} reaches {outside_m2:.1} m² outside {parent}"
            ),
            Violation::BadParent {
                level,
                zone,
                reason,
            } => {
                write!(f, "bad parent: {level} zone {zone}: {reason}")
            }
            Violation::Disconnected { level, zone, parts } => {
                write!(f, "disconnected: {level} zone {zone} is in {parts} pieces")
            }
            Violation::BuildingInSeveralZones {
                level,
                building,
                zones,
            } => write!(
                f,
                "building in several zones: building {building} lies in {level} zones {}",
                zones.join(", ")
            ),
            Violation::BuildingInNoZone {
                level,
                building,
                parent,
            } => write!(
                f,
                "building in no zone: building {building} lies in {parent} but in none of its {level} zones"
            ),
            Violation::NotInOneCommunity {
                level,
                zone,
                communities,
            } => write!(
                f,
                "not in one community: {level} zone {zone} overlaps communities [{}]",
                communities.join(", ")
            ),
        }
    }
}

impl std::fmt::Display for Note {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Note::PartialCoverage {
                level,
                parent,
                covered,
            } => write!(
                f,
                "partial coverage: the data holds {level} zones covering {:.2} % of {parent} (allowed above the community level)",
                covered * 100.0
            ),
            Note::BuildingsOutside { level, count } => {
                write!(f, "{count} buildings lie outside every {level} zone")
            }
            Note::MultiPartCompound { level, zone, parts } => write!(
                f,
                "{level} zone {zone} is in {parts} pieces because a compound in it is drawn in \
                 that many in the source data (compounds are never cut)"
            ),
        }
    }
}

impl std::fmt::Display for CheckReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for level in &self.levels {
            writeln!(
                f,
                "level {:<12} {:>5} zones, {:>4} parents checked",
                level.level, level.zones, level.parents
            )?;
        }
        writeln!(f, "buildings {:>10}", self.buildings)?;
        for note in &self.notes {
            writeln!(f, "note: {note}")?;
        }
        for violation in &self.violations {
            writeln!(f, "VIOLATION {violation}")?;
        }
        if self.is_ok() {
            write!(f, "ok: every invariant holds")
        } else {
            write!(f, "{} violations", self.violations.len())
        }
    }
}

#[cfg(test)]
mod tests {
    use geo::{MultiPolygon, Polygon, polygon};

    use super::zone_parts;

    fn square(x: f64, y: f64, side: f64) -> Polygon<f64> {
        polygon![(x: x, y: y), (x: x + side, y: y), (x: x + side, y: y + side), (x: x, y: y + side)]
    }

    #[test]
    fn parts_a_hair_apart_along_a_boundary_are_one_piece() {
        // 0.3 mm apart along 10 m: the gap boolean operations leave between units.
        let near = MultiPolygon(vec![square(0.0, 0.0, 10.0), square(10.0003, 0.0, 10.0)]);
        assert_eq!(zone_parts(&near), Some(1));
        // Sharing the boundary exactly: merged by the union.
        let shared = MultiPolygon(vec![square(0.0, 0.0, 10.0), square(10.0, 0.0, 10.0)]);
        assert_eq!(zone_parts(&shared), Some(1));
    }

    #[test]
    fn a_zone_in_pieces_because_of_a_multi_part_compound_is_a_note_not_a_violation() {
        use wangge_core::{Compound, CompoundKind, Dataset, LevelConfig, Management, Tier, Zone};
        let deg = |x: f64, y: f64, side: f64| polygon![(x: x, y: y), (x: x + side, y: y), (x: x + side, y: y + side), (x: x, y: y + side)];
        let two = MultiPolygon(vec![deg(120.0, 30.0, 0.001), deg(120.01, 30.0, 0.001)]);
        let mut data = Dataset::new(LevelConfig::default());
        data.zones.push(Zone {
            id: 1,
            code: "330102001001".into(),
            name: "社区".into(),
            level: "community".into(),
            parent: None,
            geometry: two.clone(),
            totals: wangge_core::Totals::default(),
        });
        let without = super::check(&data);
        assert_eq!(without.violations.len(), 1, "{without}");
        data.compounds.push(Compound {
            id: 7,
            code: "C7".into(),
            name: "两块地的小区".into(),
            kind: CompoundKind::Commercial,
            management: Management::Full,
            tier: Tier::Green,
            stars: None,
            source_id: None,
            geometry: two,
        });
        let with = super::check(&data);
        assert!(with.is_ok(), "{with}");
        assert!(
            with.to_string()
                .contains("330102001001 is in 2 pieces because a compound"),
            "{with}"
        );
    }

    #[test]
    fn parts_meeting_at_a_corner_or_apart_are_separate_pieces() {
        let corner = MultiPolygon(vec![square(0.0, 0.0, 10.0), square(10.0, 10.0, 10.0)]);
        assert_eq!(zone_parts(&corner), Some(2));
        // 5 cm apart: a real gap, wider than the unit graph's tolerance.
        let apart = MultiPolygon(vec![square(0.0, 0.0, 10.0), square(10.05, 0.0, 10.0)]);
        assert_eq!(zone_parts(&apart), Some(2));
        // A hair apart along 20 cm only: too short to walk or draw.
        let short = MultiPolygon(vec![square(0.0, 0.0, 10.0), square(10.0003, 9.8, 10.0)]);
        assert_eq!(zone_parts(&short), Some(2));
        assert_eq!(zone_parts(&MultiPolygon(vec![square(0.0, 0.0, 1.0)])), None);
    }
}
