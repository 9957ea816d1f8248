//! Comparing two plans: which buildings and households change grid, and where the land moved.

use std::collections::{BTreeMap, HashMap};

use geo::{Area, BooleanOps, InteriorPoint, MultiPolygon};
use serde::Serialize;
use wangge_core::{Atlas, Dataset, Id, Zone};

/// A building whose grid differs between the two plans.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MovedBuilding {
    /// The building.
    pub building: Id,
    /// Its compound's code, if it is in one.
    pub compound: Option<String>,
    /// Its households.
    pub households: u32,
    /// Its grid in the first plan.
    pub from: Option<String>,
    /// Its grid in the second plan.
    pub to: Option<String>,
    /// The resident-level chief who answers for it, if one does.
    pub chief: Option<Id>,
}

/// A chief some of whose buildings change grid.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChiefChange {
    /// The chief's id.
    pub chief: Id,
    /// The chief's name.
    pub name: String,
    /// How many of their buildings change grid.
    pub buildings: usize,
    /// The households in those buildings.
    pub households: u64,
    /// The grids those buildings leave and join, by code.
    pub from: Vec<String>,
    /// The grids they join.
    pub to: Vec<String>,
}

/// A grid's households in both plans.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GridChange {
    /// The code (in either plan).
    pub code: String,
    /// Households in the first plan (0 when it is new).
    pub before: u64,
    /// Households in the second plan (0 when it is gone).
    pub after: u64,
}

/// Land that belongs to another grid in the second plan.
#[derive(Debug, Clone, PartialEq)]
pub struct ChangedArea {
    /// The land, longitude/latitude.
    pub geometry: MultiPolygon<f64>,
    /// Its grid in the first plan, if any.
    pub from: Option<String>,
    /// Its grid in the second plan.
    pub to: String,
}

/// The differences between two plans on one level.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// The level compared.
    pub level: String,
    /// Buildings that change grid, by id.
    pub buildings: Vec<MovedBuilding>,
    /// Grids whose households differ (or that exist in one plan only), by code.
    pub grids: Vec<GridChange>,
    /// Land that changes grid.
    pub changed: Vec<ChangedArea>,
    /// Households in the buildings that change grid.
    pub households: u64,
    /// Chiefs (resident level) some of whose buildings change grid, by id.
    pub chiefs: Vec<ChiefChange>,
}

/// Land pieces smaller than this, m², are the noise of the boolean operations.
const NOISE_M2: f64 = 1.0;

/// Compares the zones of `level` in two plans over `data`'s buildings and compounds.
///
/// # Examples
///
/// ```
/// use wangge_partition::compare;
/// let data = wangge_demo::generate(&wangge_demo::DemoSettings::builtin());
/// let same = compare(&data, &data.zones, &data.zones, "community");
/// assert!(same.buildings.is_empty() && same.changed.is_empty() && same.grids.is_empty());
/// ```
pub fn compare(data: &Dataset, a: &[Zone], b: &[Zone], level: &str) -> Comparison {
    let atlas = |zones: &[Zone]| {
        Atlas::new(Dataset {
            levels: data.levels.clone(),
            zones: zones.iter().filter(|z| z.level == level).cloned().collect(),
            ..Dataset::default()
        })
    };
    let (atlas_a, atlas_b) = (atlas(a), atlas(b));
    let compound_code: HashMap<Id, &str> = data
        .compounds
        .iter()
        .map(|c| (c.id, c.code.as_str()))
        .collect();
    let mut households: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    for z in a.iter().filter(|z| z.level == level) {
        households.entry(z.code.clone()).or_default();
    }
    for z in b.iter().filter(|z| z.level == level) {
        households.entry(z.code.clone()).or_default();
    }
    let chief_of = wangge_core::responsible(
        &data.duties,
        wangge_core::DutyKind::Building,
        wangge_core::ChiefLevel::Resident,
    );
    let mut chiefs: BTreeMap<Id, ChiefChange> = BTreeMap::new();
    let mut buildings = Vec::new();
    let mut moved_households = 0;
    for building in &data.buildings {
        let Some(point) = building.geometry.interior_point() else {
            continue;
        };
        let from = atlas_a.zone_at(level, point).map(|z| z.code.clone());
        let to = atlas_b.zone_at(level, point).map(|z| z.code.clone());
        if let Some(f) = &from {
            households.entry(f.clone()).or_default().0 += u64::from(building.households);
        }
        if let Some(t) = &to {
            households.entry(t.clone()).or_default().1 += u64::from(building.households);
        }
        if from != to {
            moved_households += u64::from(building.households);
            let chief = chief_of.get(&building.id).copied();
            if let Some(id) = chief {
                let entry = chiefs.entry(id).or_insert_with(|| ChiefChange {
                    chief: id,
                    name: data
                        .chiefs
                        .iter()
                        .find(|c| c.id == id)
                        .map(|c| c.name.clone())
                        .unwrap_or_default(),
                    buildings: 0,
                    households: 0,
                    from: Vec::new(),
                    to: Vec::new(),
                });
                entry.buildings += 1;
                entry.households += u64::from(building.households);
                for (list, code) in [(&mut entry.from, &from), (&mut entry.to, &to)] {
                    if let Some(code) = code.as_ref().filter(|c| !list.contains(c)) {
                        list.push(code.clone());
                    }
                }
            }
            buildings.push(MovedBuilding {
                building: building.id,
                compound: building
                    .compound
                    .and_then(|c| compound_code.get(&c))
                    .map(|c| c.to_string()),
                households: building.households,
                from,
                to,
                chief,
            });
        }
    }
    let a_by_code: HashMap<&str, &Zone> = a
        .iter()
        .filter(|z| z.level == level)
        .map(|z| (z.code.as_str(), z))
        .collect();
    let mut changed = Vec::new();
    for zone in b.iter().filter(|z| z.level == level) {
        let gained = match a_by_code.get(zone.code.as_str()) {
            Some(old) if old.geometry == zone.geometry => continue,
            Some(old) => zone.geometry.difference(&old.geometry),
            None => zone.geometry.clone(),
        };
        for piece in gained.0 {
            let piece = MultiPolygon(vec![piece]);
            if wangge_core::area_m2(&piece) < NOISE_M2 {
                continue;
            }
            let from = piece
                .interior_point()
                .and_then(|p| atlas_a.zone_at(level, p))
                .map(|z| z.code.clone());
            if piece.unsigned_area() > 0.0 {
                changed.push(ChangedArea {
                    geometry: piece,
                    from,
                    to: zone.code.clone(),
                });
            }
        }
    }
    let grids = households
        .into_iter()
        .filter(|(code, (before, after))| {
            before != after
                || a_by_code.contains_key(code.as_str())
                    != b.iter().any(|z| z.level == level && &z.code == code)
        })
        .map(|(code, (before, after))| GridChange {
            code,
            before,
            after,
        })
        .collect();
    Comparison {
        level: level.to_string(),
        buildings,
        grids,
        changed,
        households: moved_households,
        chiefs: chiefs.into_values().collect(),
    }
}
