//! The [`Atlas`]: a dataset with R-tree indexes over every layer.
//!
//! Each layer has an R-tree of bounding boxes pointing into the dataset's vectors. Box queries
//! return what the boxes intersect (like PostGIS `&&`); point queries then test the exact geometry.

use std::collections::HashMap;

use geo::coordinate_position::CoordPos;
use geo::{BoundingRect, CoordinatePosition, InteriorPoint, Intersects, MultiPolygon, Point, Rect};
use rstar::{AABB, Envelope, PointDistance, RTree, RTreeObject};

use crate::measure::{LocalScale, distance_m};
use crate::{
    Building, Chief, ChiefLevel, Compound, Dataset, DutyKey, DutyKind, Id, Layer, StreetPartner,
    StreetSegment, Zone,
};

/// A bounding box in an R-tree, pointing at the record at `index` in its layer's vector.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Boxed {
    envelope: AABB<[f64; 2]>,
    index: usize,
}

impl RTreeObject for Boxed {
    type Envelope = AABB<[f64; 2]>;
    fn envelope(&self) -> Self::Envelope {
        self.envelope
    }
}

/// One straight piece of a street in the local metric plane, for nearest-street queries.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Piece {
    a: [f64; 2],
    b: [f64; 2],
    street: usize,
}

impl Piece {
    fn closest(&self, p: &[f64; 2]) -> [f64; 2] {
        let (dx, dy) = (self.b[0] - self.a[0], self.b[1] - self.a[1]);
        let len2 = dx * dx + dy * dy;
        let t = if len2 == 0.0 {
            0.0
        } else {
            (((p[0] - self.a[0]) * dx + (p[1] - self.a[1]) * dy) / len2).clamp(0.0, 1.0)
        };
        [self.a[0] + t * dx, self.a[1] + t * dy]
    }
}

impl RTreeObject for Piece {
    type Envelope = AABB<[f64; 2]>;
    fn envelope(&self) -> Self::Envelope {
        AABB::from_corners(self.a, self.b)
    }
}

impl PointDistance for Piece {
    fn distance_2(&self, p: &[f64; 2]) -> f64 {
        let c = self.closest(p);
        (c[0] - p[0]).powi(2) + (c[1] - p[1]).powi(2)
    }
}

/// The answer to a nearest-street query.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NearestStreet<'a> {
    /// The street segment.
    pub street: &'a StreetSegment,
    /// The closest point on it.
    pub point: Point<f64>,
    /// Distance from the query point in metres.
    pub distance_m: f64,
}

fn aabb(rect: Rect<f64>) -> AABB<[f64; 2]> {
    AABB::from_corners([rect.min().x, rect.min().y], [rect.max().x, rect.max().y])
}

fn boxes<T>(items: &[T], rect: impl Fn(&T) -> Option<Rect<f64>>) -> RTree<Boxed> {
    RTree::bulk_load(
        items
            .iter()
            .enumerate()
            .filter_map(|(index, item)| {
                rect(item).map(|r| Boxed {
                    envelope: aabb(r),
                    index,
                })
            })
            .collect(),
    )
}

/// A dataset and its spatial indexes. Build it once after loading; rebuild (or use
/// [`Atlas::replace`]) after changes.
#[derive(Debug)]
pub struct Atlas {
    data: Dataset,
    /// One tree per configured level, in level order.
    zones_by_level: Vec<RTree<Boxed>>,
    zones: RTree<Boxed>,
    compounds: RTree<Boxed>,
    buildings: RTree<Boxed>,
    streets: RTree<Boxed>,
    pieces: RTree<Piece>,
    scale: LocalScale,
    buildings_of_compound: HashMap<Id, Vec<usize>>,
    zone_by_id: HashMap<Id, usize>,
    zone_by_code: HashMap<String, usize>,
    compound_by_id: HashMap<Id, usize>,
    building_by_id: HashMap<Id, usize>,
    compound_by_code: HashMap<String, usize>,
    duty_by_key: HashMap<DutyKey, usize>,
    chief_by_id: HashMap<Id, usize>,
    /// Partner departments by street name, in the order [`crate::partners_of`] gives them.
    partners_by_street: HashMap<String, Vec<usize>>,
}

impl Atlas {
    /// Indexes a dataset.
    pub fn new(data: Dataset) -> Self {
        let zones_by_level = data
            .levels
            .levels
            .iter()
            .map(|level| {
                RTree::bulk_load(
                    data.zones
                        .iter()
                        .enumerate()
                        .filter(|(_, z)| z.level == level.key)
                        .filter_map(|(index, z)| {
                            z.geometry.bounding_rect().map(|r| Boxed {
                                envelope: aabb(r),
                                index,
                            })
                        })
                        .collect(),
                )
            })
            .collect();
        let zones = boxes(&data.zones, |z| z.geometry.bounding_rect());
        let compounds = boxes(&data.compounds, |c| c.geometry.bounding_rect());
        let buildings = boxes(&data.buildings, |b| b.geometry.bounding_rect());
        let streets = boxes(&data.streets, |s| s.geometry.bounding_rect());
        let scale = LocalScale::at_latitude(reference_latitude(&data));
        let pieces = RTree::bulk_load(
            data.streets
                .iter()
                .enumerate()
                .flat_map(|(street, s)| {
                    s.geometry.lines().map(move |l| Piece {
                        a: scale.project(l.start.x, l.start.y),
                        b: scale.project(l.end.x, l.end.y),
                        street,
                    })
                })
                .collect(),
        );
        let mut buildings_of_compound: HashMap<Id, Vec<usize>> = HashMap::new();
        for (i, b) in data.buildings.iter().enumerate() {
            if let Some(c) = b.compound {
                buildings_of_compound.entry(c).or_default().push(i);
            }
        }
        let zone_by_id = data
            .zones
            .iter()
            .enumerate()
            .map(|(i, z)| (z.id, i))
            .collect();
        let zone_by_code = data
            .zones
            .iter()
            .enumerate()
            .map(|(i, z)| (z.code.clone(), i))
            .collect();
        let compound_by_id = data
            .compounds
            .iter()
            .enumerate()
            .map(|(i, c)| (c.id, i))
            .collect();
        let building_by_id = data
            .buildings
            .iter()
            .enumerate()
            .map(|(i, b)| (b.id, i))
            .collect();
        let compound_by_code = data
            .compounds
            .iter()
            .enumerate()
            .map(|(i, c)| (c.code.clone(), i))
            .collect();
        let duty_by_key = data
            .duties
            .iter()
            .enumerate()
            .map(|(i, d)| (d.key(), i))
            .collect();
        let chief_by_id = data
            .chiefs
            .iter()
            .enumerate()
            .map(|(i, c)| (c.id, i))
            .collect();
        let mut partners_by_street: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, p) in data.partners.iter().enumerate() {
            partners_by_street
                .entry(p.street.clone())
                .or_default()
                .push(i);
        }
        for list in partners_by_street.values_mut() {
            list.sort_by(|&a, &b| {
                let (a, b) = (&data.partners[a], &data.partners[b]);
                (a.department, a.display_name(), a.id).cmp(&(b.department, b.display_name(), b.id))
            });
        }
        Self {
            data,
            zones_by_level,
            zones,
            compounds,
            buildings,
            streets,
            pieces,
            scale,
            buildings_of_compound,
            zone_by_id,
            zone_by_code,
            compound_by_id,
            building_by_id,
            compound_by_code,
            duty_by_key,
            chief_by_id,
            partners_by_street,
        }
    }

    /// The partner departments of a named street, by department in vocabulary order.
    pub fn partners_of(&self, street: &str) -> Vec<&StreetPartner> {
        self.partners_by_street
            .get(street)
            .map(|list| list.iter().map(|&i| &self.data.partners[i]).collect())
            .unwrap_or_default()
    }

    /// A chief by id.
    pub fn chief(&self, id: Id) -> Option<&Chief> {
        self.chief_by_id.get(&id).map(|&i| &self.data.chiefs[i])
    }

    /// The chief who answers for a building or street on a chief level, if one does.
    pub fn responsible(&self, kind: DutyKind, target: Id, level: ChiefLevel) -> Option<&Chief> {
        self.duty_by_key
            .get(&(kind, target, level))
            .and_then(|&i| self.chief(self.data.duties[i].chief))
    }

    /// Replaces the dataset and rebuilds every index.
    pub fn replace(&mut self, data: Dataset) {
        *self = Atlas::new(data);
    }

    /// The indexed dataset.
    pub fn data(&self) -> &Dataset {
        &self.data
    }

    /// Gives the dataset back, dropping the indexes.
    pub fn into_data(self) -> Dataset {
        self.data
    }

    /// The zones that contain `point`, one per level at most, top level first. Points on a shared
    /// boundary belong to the zone whose interior test succeeds first (west/south-most in data order).
    pub fn zones_containing(&self, point: Point<f64>) -> Vec<&Zone> {
        self.zones_by_level
            .iter()
            .filter_map(|tree| self.zone_in_tree(tree, point))
            .collect()
    }

    /// The zone of one level that contains `point`.
    pub fn zone_at(&self, level: &str, point: Point<f64>) -> Option<&Zone> {
        let index = self.data.levels.index_of(level).ok()?;
        self.zone_in_tree(&self.zones_by_level[index], point)
    }

    fn zone_in_tree(&self, tree: &RTree<Boxed>, point: Point<f64>) -> Option<&Zone> {
        // Of the zones covering the point, the first in data order wins, so that a point on a
        // shared boundary gets the same answer every time. Only candidates that could beat the
        // best so far are tested.
        let mut best: Option<usize> = None;
        for b in tree.locate_in_envelope_intersecting(&AABB::from_point([point.x(), point.y()])) {
            if best.is_none_or(|i| b.index < i) && covers(&self.data.zones[b.index].geometry, point)
            {
                best = Some(b.index);
            }
        }
        best.map(|i| &self.data.zones[i])
    }

    /// Indexes into the layer's vector of the records whose bounding boxes intersect `rect`,
    /// in ascending order.
    pub fn in_box(&self, layer: Layer, rect: Rect<f64>) -> Vec<usize> {
        let tree = match layer {
            Layer::Zones => &self.zones,
            Layer::Compounds => &self.compounds,
            Layer::Buildings => &self.buildings,
            Layer::Streets => &self.streets,
        };
        let mut found: Vec<usize> = tree
            .locate_in_envelope_intersecting(&aabb(rect))
            .map(|b| b.index)
            .collect();
        found.sort_unstable();
        found
    }

    /// Compounds whose bounding boxes intersect `rect`.
    pub fn compounds_in(&self, rect: Rect<f64>) -> impl Iterator<Item = &Compound> {
        self.in_box(Layer::Compounds, rect)
            .into_iter()
            .map(|i| &self.data.compounds[i])
    }

    /// Buildings whose bounding boxes intersect `rect`.
    pub fn buildings_in(&self, rect: Rect<f64>) -> impl Iterator<Item = &Building> {
        self.in_box(Layer::Buildings, rect)
            .into_iter()
            .map(|i| &self.data.buildings[i])
    }

    /// Streets whose bounding boxes intersect `rect`.
    pub fn streets_in(&self, rect: Rect<f64>) -> impl Iterator<Item = &StreetSegment> {
        self.in_box(Layer::Streets, rect)
            .into_iter()
            .map(|i| &self.data.streets[i])
    }

    /// Zones (all levels) whose bounding boxes intersect `rect`.
    pub fn zones_in(&self, rect: Rect<f64>) -> impl Iterator<Item = &Zone> {
        self.in_box(Layer::Zones, rect)
            .into_iter()
            .map(|i| &self.data.zones[i])
    }

    /// Records whose geometry truly intersects `rect` (not only their boxes).
    pub fn intersecting(&self, layer: Layer, rect: Rect<f64>) -> Vec<usize> {
        let poly = rect.to_polygon();
        self.in_box(layer, rect)
            .into_iter()
            .filter(|&i| match layer {
                Layer::Zones => self.data.zones[i].geometry.intersects(&poly),
                Layer::Compounds => self.data.compounds[i].geometry.intersects(&poly),
                Layer::Buildings => self.data.buildings[i].geometry.intersects(&poly),
                Layer::Streets => self.data.streets[i].geometry.intersects(&poly),
            })
            .collect()
    }

    /// The street nearest to `point`, measured in metres.
    pub fn nearest_street(&self, point: Point<f64>) -> Option<NearestStreet<'_>> {
        let q = self.scale.project(point.x(), point.y());
        // The local plane is metric to well under 1 % across a city; refine the few nearest pieces
        // on the sphere so that the reported distance is exact and ties are broken correctly.
        self.pieces
            .nearest_neighbor_iter(&q)
            .take(4)
            .map(|piece| {
                let closest = self.scale.unproject(piece.closest(&q));
                (piece, closest, distance_m(point, closest))
            })
            .min_by(|a, b| a.2.total_cmp(&b.2))
            .map(|(piece, closest, d)| NearestStreet {
                street: &self.data.streets[piece.street],
                point: closest,
                distance_m: d,
            })
    }

    /// The buildings recorded as standing in a compound.
    pub fn buildings_of(&self, compound: Id) -> impl Iterator<Item = &Building> {
        self.buildings_of_compound
            .get(&compound)
            .into_iter()
            .flatten()
            .map(|&i| &self.data.buildings[i])
    }

    /// A zone by id.
    pub fn zone(&self, id: Id) -> Option<&Zone> {
        self.zone_by_id.get(&id).map(|&i| &self.data.zones[i])
    }

    /// A zone by code.
    pub fn zone_by_code(&self, code: &str) -> Option<&Zone> {
        self.zone_by_code.get(code).map(|&i| &self.data.zones[i])
    }

    /// A compound by id.
    pub fn compound(&self, id: Id) -> Option<&Compound> {
        self.compound_by_id
            .get(&id)
            .map(|&i| &self.data.compounds[i])
    }

    /// A building by id.
    pub fn building(&self, id: Id) -> Option<&Building> {
        self.building_by_id
            .get(&id)
            .map(|&i| &self.data.buildings[i])
    }

    /// A compound by code.
    pub fn compound_by_code(&self, code: &str) -> Option<&Compound> {
        self.compound_by_code
            .get(code)
            .map(|&i| &self.data.compounds[i])
    }

    /// The bounding box of everything in the dataset.
    pub fn extent(&self) -> Option<Rect<f64>> {
        let trees = [&self.zones, &self.compounds, &self.buildings, &self.streets];
        let envelopes: Vec<AABB<[f64; 2]>> = trees
            .iter()
            .filter(|t| t.size() > 0)
            .map(|t| t.root().envelope())
            .collect();
        let first = envelopes.first()?;
        let all = envelopes.iter().fold(*first, |acc, e| acc.merged(e));
        Some(Rect::new(all.lower(), all.upper()))
    }
}

/// Point-in-polygon that counts boundary points as inside, so that a point on a zone's edge is
/// still placed in a zone.
pub(crate) fn covers(geometry: &MultiPolygon<f64>, point: Point<f64>) -> bool {
    // One pass over the rings answers both "inside" and "on the boundary".
    geometry.coordinate_position(&point.0) != CoordPos::Outside
}

/// A point guaranteed to lie inside an areal geometry (its interior point), for placing buildings
/// and compounds in zones.
pub fn representative_point(geometry: &MultiPolygon<f64>) -> Option<Point<f64>> {
    geometry.interior_point()
}

fn reference_latitude(data: &Dataset) -> f64 {
    let ys = data
        .streets
        .iter()
        .flat_map(|s| s.geometry.0.first())
        .map(|c| c.y)
        .chain(
            data.zones
                .iter()
                .filter_map(|z| z.geometry.bounding_rect())
                .map(|r| r.center().y),
        );
    let (sum, n) = ys.fold((0.0, 0usize), |(s, n), y| (s + y, n + 1));
    if n == 0 { 0.0 } else { sum / n as f64 }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{LevelConfig, StreetClass, Totals};
    use geo::{Polygon, coord, line_string, polygon};
    use proptest::prelude::*;

    fn square(x: f64, y: f64, size: f64) -> Polygon<f64> {
        polygon![(x: x, y: y), (x: x + size, y: y), (x: x + size, y: y + size), (x: x, y: y + size)]
    }

    fn zone(id: Id, level: &str, parent: Option<Id>, poly: Polygon<f64>) -> Zone {
        Zone {
            id,
            code: format!("Z{id}"),
            name: format!("zone {id}"),
            level: level.into(),
            parent,
            geometry: MultiPolygon(vec![poly]),
            totals: Totals::default(),
        }
    }

    fn building(id: Id, poly: Polygon<f64>) -> Building {
        Building {
            id,
            source_id: None,
            name: None,
            address: None,
            compound: None,
            floors: 6,
            units: 2,
            households: 24,
            population: 55,
            height_m: None,
            estimated: false,
            geometry: MultiPolygon(vec![poly]),
        }
    }

    #[test]
    fn zones_containing_returns_one_zone_per_level() {
        let mut data = Dataset::new(LevelConfig::default());
        data.zones
            .push(zone(1, "subdistrict", None, square(100.0, 25.0, 0.02)));
        data.zones
            .push(zone(2, "community", Some(1), square(100.0, 25.0, 0.01)));
        data.zones
            .push(zone(3, "community", Some(1), square(100.01, 25.0, 0.01)));
        let atlas = Atlas::new(data);
        let hits = atlas.zones_containing(Point::new(100.015, 25.005));
        let ids: Vec<Id> = hits.iter().map(|z| z.id).collect();
        assert_eq!(ids, vec![1, 3]);
        assert!(
            atlas
                .zones_containing(Point::new(100.015, 25.015))
                .iter()
                .all(|z| z.id == 1)
        );
        assert!(atlas.zones_containing(Point::new(99.0, 25.0)).is_empty());
        assert_eq!(
            atlas
                .zone_at("community", Point::new(100.005, 25.005))
                .map(|z| z.id),
            Some(2)
        );
    }

    #[test]
    fn nearest_street_is_measured_in_metres() {
        let mut data = Dataset::new(LevelConfig::default());
        for (id, x) in [(1, 102.700), (2, 102.705)] {
            data.streets.push(StreetSegment {
                id,
                source_id: None,
                name: Some(format!("street {id}")),
                class: StreetClass::Local,
                geometry: line_string![(x: x, y: 25.0), (x: x, y: 25.01)],
            });
        }
        let atlas = Atlas::new(data);
        let near = atlas
            .nearest_street(Point::new(102.7040, 25.005))
            .expect("a street");
        assert_eq!(near.street.id, 2);
        // 0.001° of longitude at 25° N is about 101 m.
        assert!((near.distance_m - 100.9).abs() < 1.0, "{}", near.distance_m);
        assert!((near.point.x() - 102.705).abs() < 1e-9);
    }

    #[test]
    fn buildings_of_a_compound_follow_the_link() {
        let mut data = Dataset::new(LevelConfig::default());
        let mut b1 = building(1, square(0.0, 0.0, 0.001));
        b1.compound = Some(7);
        data.buildings.push(b1);
        data.buildings.push(building(2, square(0.01, 0.0, 0.001)));
        let atlas = Atlas::new(data);
        let ids: Vec<Id> = atlas.buildings_of(7).map(|b| b.id).collect();
        assert_eq!(ids, vec![1]);
        assert_eq!(atlas.buildings_of(8).count(), 0);
    }

    proptest! {
        /// An R-tree box query returns exactly what a brute-force scan over all boxes returns.
        #[test]
        fn box_query_equals_brute_force(
            squares in prop::collection::vec((0.0f64..1.0, 0.0f64..1.0, 0.0001f64..0.1), 0..200),
            q in (0.0f64..1.0, 0.0f64..1.0, 0.0f64..0.5, 0.0f64..0.5),
        ) {
            let mut data = Dataset::new(LevelConfig::default());
            for (i, (x, y, s)) in squares.iter().enumerate() {
                data.buildings.push(building(i as Id, square(*x, *y, *s)));
            }
            let rect = Rect::new(coord! { x: q.0, y: q.1 }, coord! { x: q.0 + q.2, y: q.1 + q.3 });
            let atlas = Atlas::new(data.clone());
            let fast = atlas.in_box(Layer::Buildings, rect);
            let slow: Vec<usize> = data.buildings.iter().enumerate()
                .filter(|(_, b)| b.geometry.bounding_rect().is_some_and(|r| r.intersects(&rect)))
                .map(|(i, _)| i)
                .collect();
            prop_assert_eq!(fast, slow);
        }

        /// The point-in-zone query equals testing every zone of the level.
        #[test]
        fn point_in_zone_equals_brute_force(
            cells in prop::collection::vec((0.0f64..1.0, 0.0f64..1.0, 0.001f64..0.3), 1..60),
            p in (0.0f64..1.2, 0.0f64..1.2),
        ) {
            let mut data = Dataset::new(LevelConfig::default());
            for (i, (x, y, s)) in cells.iter().enumerate() {
                data.zones.push(zone(i as Id, "community", None, square(*x, *y, *s)));
            }
            let point = Point::new(p.0, p.1);
            let atlas = Atlas::new(data.clone());
            let fast = atlas.zone_at("community", point).map(|z| z.id);
            let slow = data.zones.iter().find(|z| covers(&z.geometry, point)).map(|z| z.id);
            prop_assert_eq!(fast, slow);
        }

        /// The nearest street equals the nearest found by scanning every street.
        #[test]
        fn nearest_street_equals_brute_force(
            lines in prop::collection::vec((0.0f64..0.05, 0.0f64..0.05, -0.01f64..0.01, -0.01f64..0.01), 1..50),
            p in (0.0f64..0.05, 0.0f64..0.05),
        ) {
            let mut data = Dataset::new(LevelConfig::default());
            for (i, (x, y, dx, dy)) in lines.iter().enumerate() {
                data.streets.push(StreetSegment {
                    id: i as Id,
                    source_id: None,
                    name: None,
                    class: StreetClass::Lane,
                    geometry: line_string![(x: 120.0 + x, y: 30.0 + y), (x: 120.0 + x + dx, y: 30.0 + y + dy)],
                });
            }
            let point = Point::new(120.0 + p.0, 30.0 + p.1);
            let atlas = Atlas::new(data.clone());
            let fast = atlas.nearest_street(point).expect("streets exist").distance_m;
            let scale = atlas.scale;
            let slow = data.streets.iter().map(|s| {
                let q = scale.project(point.x(), point.y());
                let c = &s.geometry.0;
                let piece = Piece { a: scale.project(c[0].x, c[0].y), b: scale.project(c[1].x, c[1].y), street: 0 };
                distance_m(point, scale.unproject(piece.closest(&q)))
            }).fold(f64::INFINITY, f64::min);
            prop_assert!((fast - slow).abs() < 0.05, "fast {} slow {}", fast, slow);
        }
    }
}
