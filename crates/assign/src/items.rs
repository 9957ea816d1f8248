//! The things chiefs answer for, flattened: every building and every street segment becomes an
//! item with a point (a building's interior point, a street's midpoint), a weight and the zones
//! it lies in.

use std::collections::HashMap;

use geo::coordinate_position::CoordPos;
use geo::{BoundingRect, Coord, CoordinatePosition, InteriorPoint, Point, Rect};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, RTree};
use wangge_core::{Dataset, DutyKind, Id, length_m};
use wangge_partition::LocalProjection;

use crate::Weights;

/// Every building and street segment of a dataset, buildings first.
#[derive(Debug, Clone)]
pub(crate) struct Items {
    /// Building or street.
    pub kind: Vec<DutyKind>,
    /// The record's id.
    pub id: Vec<Id>,
    /// The record's index in `data.buildings` or `data.streets`.
    pub record: Vec<usize>,
    /// The item's point, longitude/latitude.
    pub lonlat: Vec<Point<f64>>,
    /// The item's point in metres (see `projection`).
    pub xy: Vec<[f64; 2]>,
    /// Households (buildings; 0 for streets).
    pub households: Vec<u32>,
    /// Length in metres (streets; 0 for buildings).
    pub street_m: Vec<f64>,
    /// The compound a building stands in.
    pub compound: Vec<Option<Id>>,
    /// How many of the items are buildings (they come first).
    pub buildings: usize,
    /// Item index by (kind, id).
    pub by_key: HashMap<(DutyKind, Id), usize>,
    /// The metric projection the `xy` points are in.
    pub projection: LocalProjection,
}

impl Items {
    /// Flattens the buildings and streets of `data`.
    pub fn new(data: &Dataset) -> Items {
        let extent = data
            .buildings
            .iter()
            .filter_map(|b| b.geometry.bounding_rect())
            .chain(
                data.streets
                    .iter()
                    .filter_map(|s| s.geometry.bounding_rect()),
            )
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
            });
        let projection = extent.map_or(LocalProjection::new(0.0, 0.0), LocalProjection::around);
        let n = data.buildings.len() + data.streets.len();
        let mut items = Items {
            kind: Vec::with_capacity(n),
            id: Vec::with_capacity(n),
            record: Vec::with_capacity(n),
            lonlat: Vec::with_capacity(n),
            xy: Vec::with_capacity(n),
            households: Vec::with_capacity(n),
            street_m: Vec::with_capacity(n),
            compound: Vec::with_capacity(n),
            buildings: data.buildings.len(),
            by_key: HashMap::with_capacity(n),
            projection,
        };
        for (record, b) in data.buildings.iter().enumerate() {
            // The interior point, as zone totals place buildings; a building without a usable
            // outline falls back to its box's centre, then to the projection's origin.
            let point = b
                .geometry
                .interior_point()
                .or_else(|| b.geometry.bounding_rect().map(|r| Point(r.center())))
                .unwrap_or(Point::new(projection.lon0, projection.lat0));
            items.push(DutyKind::Building, b.id, record, point, b.households, 0.0);
            items.compound.push(b.compound);
        }
        for (record, s) in data.streets.iter().enumerate() {
            let point = midpoint(&s.geometry, &projection)
                .unwrap_or(Point::new(projection.lon0, projection.lat0));
            items.push(
                DutyKind::Street,
                s.id,
                record,
                point,
                0,
                length_m(&s.geometry),
            );
            items.compound.push(None);
        }
        items
    }

    fn push(
        &mut self,
        kind: DutyKind,
        id: Id,
        record: usize,
        point: Point<f64>,
        households: u32,
        street_m: f64,
    ) {
        let m = self.projection.to_metres(point.0);
        self.by_key.entry((kind, id)).or_insert(self.kind.len());
        self.kind.push(kind);
        self.id.push(id);
        self.record.push(record);
        self.lonlat.push(point);
        self.xy.push([m.x, m.y]);
        self.households.push(households);
        self.street_m
            .push(if street_m.is_finite() { street_m } else { 0.0 });
    }

    /// How many items there are.
    pub fn len(&self) -> usize {
        self.kind.len()
    }

    /// The workload of one item.
    pub fn weight(&self, item: usize, weights: &Weights) -> f64 {
        f64::from(self.households[item]) * weights.per_household
            + self.street_m[item] / 1000.0 * weights.per_street_km
    }

    /// The item of a building or street id.
    pub fn find(&self, kind: DutyKind, id: Id) -> Option<usize> {
        self.by_key.get(&(kind, id)).copied()
    }
}

/// The point halfway along a line (by length in the projection), longitude/latitude.
fn midpoint(line: &geo::LineString<f64>, projection: &LocalProjection) -> Option<Point<f64>> {
    let pts: Vec<Coord<f64>> = line.0.iter().map(|c| projection.to_metres(*c)).collect();
    let first = *pts.first()?;
    let total: f64 = pts
        .windows(2)
        .map(|w| (w[1].x - w[0].x).hypot(w[1].y - w[0].y))
        .sum();
    if total <= 0.0 {
        return Some(Point(projection.to_degrees(first)));
    }
    let mut left = total / 2.0;
    for w in pts.windows(2) {
        let l = (w[1].x - w[0].x).hypot(w[1].y - w[0].y);
        if l >= left && l > 0.0 {
            let t = left / l;
            let c = Coord {
                x: w[0].x + (w[1].x - w[0].x) * t,
                y: w[0].y + (w[1].y - w[0].y) * t,
            };
            return Some(Point(projection.to_degrees(c)));
        }
        left -= l;
    }
    pts.last().map(|c| Point(projection.to_degrees(*c)))
}

/// Which zone of one level holds each item's point: the first zone in data order that covers it
/// (boundary points included), as the atlas places points; `None` outside every zone.
pub(crate) fn membership(data: &Dataset, items: &Items, level: &str) -> Vec<Option<usize>> {
    let tree: RTree<GeomWithData<Rectangle<[f64; 2]>, usize>> = RTree::bulk_load(
        data.zones
            .iter()
            .enumerate()
            .filter(|(_, z)| z.level == level)
            .filter_map(|(i, z)| {
                z.geometry.bounding_rect().map(|r| {
                    GeomWithData::new(
                        Rectangle::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]),
                        i,
                    )
                })
            })
            .collect(),
    );
    items
        .lonlat
        .iter()
        .map(|p| {
            let mut best: Option<usize> = None;
            for candidate in tree.locate_in_envelope_intersecting(&AABB::from_point([p.x(), p.y()]))
            {
                let z = candidate.data;
                if best.is_none_or(|b| z < b)
                    && data.zones[z].geometry.coordinate_position(&p.0) != CoordPos::Outside
                {
                    best = Some(z);
                }
            }
            best
        })
        .collect()
}

/// True when `point` (longitude/latitude) lies in the zone or on its boundary.
pub(crate) fn zone_covers(zone: &wangge_core::Zone, point: Point<f64>) -> bool {
    zone.geometry.coordinate_position(&point.0) != CoordPos::Outside
}
