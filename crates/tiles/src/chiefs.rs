//! Street chiefs' areas, the input of the `chiefs` and `patrol` tile layers.
//!
//! A chief's area is the union of what they answer for (drawn by `wangge-assign` from planning
//! units, which this crate does not depend on): the caller computes the areas and their workloads
//! and hands them in as a [`ChiefMap`]. The map indexes them, gives neighbouring areas different
//! colours, and knows which of its areas differ from an older map's — the tiles a change of duties
//! makes stale.

use std::collections::hash_map::DefaultHasher;
use std::collections::{BTreeMap, HashMap};
use std::hash::{Hash, Hasher};

use geo::{BoundingRect, Distance, Euclidean, MultiPolygon, Rect};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, RTree};
use wangge_core::{Atlas, ChiefLevel, DutyKind, Id, merge_boxes};

/// How many colours the `chiefs` layer's `colour` property takes (0 to `COLOURS - 1`).
pub const COLOURS: u8 = 8;

/// One chief's area on one chief level, with the figures the map shows.
#[derive(Debug, Clone, PartialEq)]
pub struct ChiefShape {
    /// The chief's id.
    pub chief: Id,
    /// The chief level of the duties drawn.
    pub level: ChiefLevel,
    /// The area, longitude/latitude.
    pub geometry: MultiPolygon<f64>,
    /// Workload: households plus weighted street length, as the assignment counts it.
    pub workload: f64,
    /// Households in the chief's buildings.
    pub households: u64,
    /// Metres of street the chief answers for.
    pub street_m: f64,
    /// Buildings the chief answers for.
    pub buildings: usize,
    /// Street segments the chief answers for.
    pub streets: usize,
    /// Whether the workload lies within the configured band around the mean.
    pub within_band: bool,
}

/// One area as the map holds it.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub(crate) shape: ChiefShape,
    /// Colour index, different from every touching area's on the same level where eight suffice.
    pub(crate) colour: u8,
    /// The area's box grown by the boxes of everything the chief answers for: every tile of the
    /// `chiefs` or `patrol` layer that shows anything of this chief lies within it.
    reach: Option<Rect<f64>>,
    /// A digest of all the entry shows: a tile of it is stale when the digest changes.
    digest: u64,
}

/// The box of what a chief answers for on one level, and the duties themselves.
type Duties = (Option<Rect<f64>>, Vec<(DutyKind, Id)>);

/// Every chief's area, indexed for tiles.
///
/// # Examples
///
/// ```
/// use geo::{MultiPolygon, polygon};
/// use wangge_core::{Atlas, ChiefLevel, Dataset, LevelConfig};
/// use wangge_tiles::{ChiefMap, ChiefShape};
///
/// let atlas = Atlas::new(Dataset::new(LevelConfig::default()));
/// let square = |x: f64| MultiPolygon(vec![polygon![
///     (x: x, y: 25.0), (x: x + 0.01, y: 25.0), (x: x + 0.01, y: 25.01), (x: x, y: 25.01),
/// ]]);
/// let shape = |chief, x| ChiefShape {
///     chief, level: ChiefLevel::Resident, geometry: square(x), workload: 100.0,
///     households: 100, street_m: 0.0, buildings: 3, streets: 0, within_band: true,
/// };
/// let before = ChiefMap::new(&atlas, vec![shape(1, 102.70), shape(2, 102.71)]);
/// // Neighbours get different colours.
/// assert_ne!(before.colour(1, ChiefLevel::Resident), before.colour(2, ChiefLevel::Resident));
/// // Only the area that changed is stale.
/// let mut moved = shape(2, 102.71);
/// moved.workload = 120.0;
/// let after = ChiefMap::new(&atlas, vec![shape(1, 102.70), moved]);
/// let stale = after.changed_since(&before).expect("chief 2 changed");
/// assert!(stale.min().x > 102.705);
/// assert_eq!(after.changed_since(&after.clone()), None);
/// ```
#[derive(Debug, Clone, Default)]
pub struct ChiefMap {
    entries: Vec<Entry>,
    by_key: HashMap<(Id, ChiefLevel), usize>,
}

impl ChiefMap {
    /// Indexes `shapes`. `atlas` gives the chiefs' names and roles and the duties, which decide
    /// each area's reach (see [`changed_since`](Self::changed_since)).
    pub fn new(atlas: &Atlas, shapes: Vec<ChiefShape>) -> Self {
        let data = atlas.data();
        // The boxes of what each chief answers for on each level, and a digest of those duties.
        let mut items: HashMap<(Id, ChiefLevel), Duties> = HashMap::new();
        let buildings: HashMap<Id, usize> = data
            .buildings
            .iter()
            .enumerate()
            .map(|(i, b)| (b.id, i))
            .collect();
        let streets: HashMap<Id, usize> = data
            .streets
            .iter()
            .enumerate()
            .map(|(i, s)| (s.id, i))
            .collect();
        for d in &data.duties {
            let bbox = match d.kind {
                DutyKind::Building => buildings
                    .get(&d.target)
                    .and_then(|&i| data.buildings[i].geometry.bounding_rect()),
                DutyKind::Street => streets
                    .get(&d.target)
                    .and_then(|&i| data.streets[i].geometry.bounding_rect()),
            };
            let entry = items.entry((d.chief, d.level)).or_default();
            entry.0 = merge_boxes(entry.0, bbox);
            entry.1.push((d.kind, d.target));
        }
        let mut entries: Vec<Entry> = shapes
            .into_iter()
            .map(|shape| {
                let key = (shape.chief, shape.level);
                let (reach, mut targets) = items.remove(&key).unwrap_or_default();
                targets.sort_unstable();
                let mut h = DefaultHasher::new();
                targets.hash(&mut h);
                if let Some(c) = atlas.chief(shape.chief) {
                    (&c.name, &c.phone, c.role.as_str(), c.community).hash(&mut h);
                }
                hash_shape(&shape, &mut h);
                Entry {
                    reach: merge_boxes(reach, shape.geometry.bounding_rect()),
                    digest: h.finish(),
                    colour: 0,
                    shape,
                }
            })
            .collect();
        entries.sort_by_key(|e| (e.shape.level, e.shape.chief));
        colour(&mut entries);
        // The colour shows in the tiles too.
        for e in &mut entries {
            let mut h = DefaultHasher::new();
            (e.digest, e.colour).hash(&mut h);
            e.digest = h.finish();
        }
        let by_key = entries
            .iter()
            .enumerate()
            .map(|(i, e)| ((e.shape.chief, e.shape.level), i))
            .collect();
        Self { entries, by_key }
    }

    /// How many areas the map holds.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the map holds no area.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// One chief's area on one level.
    pub fn get(&self, chief: Id, level: ChiefLevel) -> Option<&ChiefShape> {
        self.by_key
            .get(&(chief, level))
            .map(|&i| &self.entries[i].shape)
    }

    /// The colour index (0 to [`COLOURS`] − 1) of a chief's area on one level.
    pub fn colour(&self, chief: Id, level: ChiefLevel) -> Option<u8> {
        self.by_key
            .get(&(chief, level))
            .map(|&i| self.entries[i].colour)
    }

    pub(crate) fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The box of everything that differs from `older`: the reach (area plus duties) of every
    /// area that is new, gone or different in shape, figures, colour, name or duties, on either
    /// side. `None` when nothing differs. A cached `chiefs` or `patrol` tile outside the box is
    /// still right.
    pub fn changed_since(&self, older: &ChiefMap) -> Option<Rect<f64>> {
        let mut stale = None;
        for e in &self.entries {
            let key = (e.shape.chief, e.shape.level);
            match older.by_key.get(&key).map(|&i| &older.entries[i]) {
                Some(o) if o.digest == e.digest => {}
                Some(o) => stale = merge_boxes(merge_boxes(stale, o.reach), e.reach),
                None => stale = merge_boxes(stale, e.reach),
            }
        }
        for o in &older.entries {
            if !self.by_key.contains_key(&(o.shape.chief, o.shape.level)) {
                stale = merge_boxes(stale, o.reach);
            }
        }
        stale
    }
}

fn hash_shape(shape: &ChiefShape, h: &mut DefaultHasher) {
    (
        shape.chief,
        shape.level,
        shape.workload.to_bits(),
        shape.households,
        shape.street_m.to_bits(),
        shape.buildings,
        shape.streets,
        shape.within_band,
    )
        .hash(h);
    for polygon in &shape.geometry.0 {
        for ring in std::iter::once(polygon.exterior()).chain(polygon.interiors()) {
            ring.0.len().hash(h);
            for c in &ring.0 {
                (c.x.to_bits(), c.y.to_bits()).hash(h);
            }
        }
    }
}

/// Areas this close (degrees, about 10 cm) touch: neighbouring areas share their outline only up
/// to the rounding of the projection they were drawn in.
const NEAR: f64 = 1e-6;

/// Greedy colouring, per level in chief order: each area takes the smallest colour no touching
/// area of its level has yet (touching = the outlines come within [`NEAR`]). Where all eight are taken (never on
/// a map of compact areas) it takes the least used among its neighbours.
fn colour(entries: &mut [Entry]) {
    let tree: RTree<GeomWithData<Rectangle<[f64; 2]>, usize>> = RTree::bulk_load(
        entries
            .iter()
            .enumerate()
            .filter_map(|(i, e)| {
                let r = e.shape.geometry.bounding_rect()?;
                Some(GeomWithData::new(
                    Rectangle::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]),
                    i,
                ))
            })
            .collect(),
    );
    for i in 0..entries.len() {
        let Some(r) = entries[i].shape.geometry.bounding_rect() else {
            continue;
        };
        let envelope = AABB::from_corners(
            [r.min().x - NEAR, r.min().y - NEAR],
            [r.max().x + NEAR, r.max().y + NEAR],
        );
        let mut used: BTreeMap<u8, usize> = BTreeMap::new();
        for near in tree.locate_in_envelope_intersecting(&envelope) {
            let j = near.data;
            if j < i
                && entries[j].shape.level == entries[i].shape.level
                && Euclidean.distance(&entries[i].shape.geometry, &entries[j].shape.geometry)
                    <= NEAR
            {
                *used.entry(entries[j].colour).or_default() += 1;
            }
        }
        entries[i].colour = (0..COLOURS)
            .find(|c| !used.contains_key(c))
            .or_else(|| used.iter().min_by_key(|(_, n)| **n).map(|(c, _)| *c))
            .unwrap_or(0);
    }
}
