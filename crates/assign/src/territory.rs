//! Territories: where the chiefs of one level work.
//!
//! A resident or community chief works inside their home community; a sub-district chief inside
//! the sub-district holding their home zone; a chief without a home zone floats over everything
//! no zoned territory holds. An item lies in the territory whose zone holds its point; an item in
//! no territory (a community without chiefs of the level) goes to the nearest one and is counted
//! as outside its home community.

use std::collections::{BTreeMap, HashMap};

use geo::{Distance, Euclidean, MultiPolygon, Point};
use wangge_core::{ChiefLevel, Dataset, Id, chief_level};

use crate::error::{AssignError, Result};
use crate::graph::ItemGraph;
use crate::items::{Items, membership};

/// The chiefs of one territory.
#[derive(Debug, Clone)]
pub(crate) struct Territory {
    /// The zone (index into `data.zones`); `None` for the floating territory over everything.
    pub zone: Option<usize>,
    /// The chiefs (indexes into `data.chiefs`), by id.
    pub chiefs: Vec<usize>,
}

impl Territory {
    /// The zone's code, or `*` for the floating territory.
    pub fn code(&self, data: &Dataset) -> String {
        self.zone
            .map_or_else(|| "*".to_string(), |z| data.zones[z].code.clone())
    }

    /// The zone's name, or a label for the floating territory.
    pub fn name(&self, data: &Dataset) -> String {
        self.zone.map_or_else(
            || "(whole area, chiefs without a home)".to_string(),
            |z| data.zones[z].name.clone(),
        )
    }
}

/// The territories of one chief level and where every item falls.
#[derive(Debug, Clone)]
pub(crate) struct LevelTerritories {
    /// The chief level.
    pub level: ChiefLevel,
    /// Zoned territories by zone index, then the floating one.
    pub territories: Vec<Territory>,
    /// The territory of each chief of the level (by index into `data.chiefs`).
    pub of_chief: HashMap<usize, usize>,
    /// The territory of each item.
    pub of_item: Vec<usize>,
    /// True for an item that lies in no territory and was given to the nearest.
    pub outside_home: Vec<bool>,
}

/// Zone memberships per zone level, computed once.
#[derive(Debug, Default)]
pub(crate) struct Memberships {
    by_level: HashMap<String, Vec<Option<usize>>>,
}

impl Memberships {
    /// Which zone of `level` holds each item.
    pub fn of(&mut self, data: &Dataset, items: &Items, level: &str) -> &[Option<usize>] {
        self.by_level
            .entry(level.to_string())
            .or_insert_with(|| membership(data, items, level))
    }
}

/// The zone level the chiefs of `level` work on: the community level for resident and community
/// chiefs, the sub-district level (`subdistrict`, or the level above communities) for sub-district
/// chiefs. `None` when the configuration has no community level.
pub(crate) fn working_level(data: &Dataset, level: ChiefLevel) -> Option<String> {
    let community = data.levels.community_key()?.to_string();
    match level {
        ChiefLevel::Resident | ChiefLevel::Community => Some(community),
        ChiefLevel::SubDistrict => {
            if data.levels.levels.iter().any(|l| l.key == "subdistrict") {
                return Some("subdistrict".into());
            }
            let at = data.levels.index_of(&community).ok()?;
            Some(
                at.checked_sub(1)
                    .map_or(community, |i| data.levels.levels[i].key.clone()),
            )
        }
    }
}

/// The territory zone of a chief: their home zone's ancestor (or itself) on the working level,
/// or the home zone itself when its chain has no zone on that level.
pub(crate) fn home_territory(
    data: &Dataset,
    zone_index: &HashMap<Id, usize>,
    chief: usize,
) -> Result<Option<usize>> {
    let c = &data.chiefs[chief];
    let Some(home) = c.community else {
        return Ok(None);
    };
    let Some(&start) = zone_index.get(&home) else {
        return Err(AssignError::UnknownHome {
            chief: c.id,
            name: c.name.clone(),
            zone: home,
        });
    };
    let Some(target) = working_level(data, chief_level(c)) else {
        return Ok(Some(start));
    };
    let mut at = start;
    for _ in 0..=data.zones.len() {
        if data.zones[at].level == target {
            return Ok(Some(at));
        }
        match data.zones[at].parent.and_then(|p| zone_index.get(&p)) {
            Some(&parent) => at = parent,
            None => break,
        }
    }
    Ok(Some(start))
}

/// The territories of `level`; `None` when the level has no chiefs.
pub(crate) fn territories(
    data: &Dataset,
    items: &Items,
    graph: &ItemGraph,
    level: ChiefLevel,
    zone_index: &HashMap<Id, usize>,
    memberships: &mut Memberships,
) -> Result<Option<LevelTerritories>> {
    let mut by_zone: BTreeMap<Option<usize>, Vec<usize>> = BTreeMap::new();
    for (i, c) in data.chiefs.iter().enumerate() {
        if chief_level(c) == level {
            by_zone
                .entry(home_territory(data, zone_index, i)?)
                .or_default()
                .push(i);
        }
    }
    if by_zone.is_empty() {
        return Ok(None);
    }
    // Zoned territories first (by zone index), the floating one last.
    let mut list: Vec<Territory> = by_zone
        .iter()
        .filter(|(z, _)| z.is_some())
        .chain(by_zone.iter().filter(|(z, _)| z.is_none()))
        .map(|(zone, chiefs)| {
            let mut chiefs = chiefs.clone();
            chiefs.sort_by_key(|&c| data.chiefs[c].id);
            Territory {
                zone: *zone,
                chiefs,
            }
        })
        .collect();
    list.shrink_to_fit();
    let of_chief: HashMap<usize, usize> = list
        .iter()
        .enumerate()
        .flat_map(|(t, terr)| terr.chiefs.iter().map(move |&c| (c, t)))
        .collect();
    let floating = list.iter().position(|t| t.zone.is_none());
    let zone_territory: HashMap<usize, usize> = list
        .iter()
        .enumerate()
        .filter_map(|(t, terr)| terr.zone.map(|z| (z, t)))
        .collect();
    // The zone levels of the territories, deepest first, so that a community territory wins
    // over a wider one that also holds the point.
    let mut levels: Vec<(usize, String)> = list
        .iter()
        .filter_map(|t| t.zone)
        .map(|z| {
            let key = data.zones[z].level.clone();
            (data.levels.index_of(&key).unwrap_or(usize::MAX), key)
        })
        .collect();
    levels.sort();
    levels.dedup();
    levels.reverse();
    let mut of_item: Vec<Option<usize>> = vec![None; items.len()];
    for (_, key) in &levels {
        let zones = memberships.of(data, items, key);
        for (slot, zone) in of_item.iter_mut().zip(zones) {
            if slot.is_none() {
                *slot = zone.and_then(|z| zone_territory.get(&z).copied());
            }
        }
    }
    let mut outside_home = vec![false; items.len()];
    if floating.is_none() {
        // An item in no territory joins the territory most of its walking neighbours are in,
        // spreading outwards; what no neighbour reaches goes to the nearest territory.
        loop {
            let mut changed = false;
            for i in 0..items.len() {
                if of_item[i].is_some() {
                    continue;
                }
                let mut votes: BTreeMap<usize, usize> = BTreeMap::new();
                for &(j, _) in &graph.adj[i] {
                    if let Some(t) = of_item[j] {
                        *votes.entry(t).or_default() += 1;
                    }
                }
                if let Some((&t, _)) = votes.iter().max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0))) {
                    of_item[i] = Some(t);
                    outside_home[i] = true;
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
    }
    let mut projected: HashMap<usize, MultiPolygon<f64>> = HashMap::new();
    let of_item: Vec<usize> = of_item
        .into_iter()
        .enumerate()
        .map(|(i, t)| match (t, floating) {
            (Some(t), _) => t,
            (None, Some(f)) => f,
            (None, None) => {
                outside_home[i] = true;
                nearest(data, items, i, &list, &mut projected)
            }
        })
        .collect();
    Ok(Some(LevelTerritories {
        level,
        territories: list,
        of_chief,
        of_item,
        outside_home,
    }))
}

/// The zoned territory nearest to item `i` (by distance to the zone's outline in metres; ties to
/// the first).
fn nearest(
    data: &Dataset,
    items: &Items,
    i: usize,
    list: &[Territory],
    projected: &mut HashMap<usize, MultiPolygon<f64>>,
) -> usize {
    let p = Point::new(items.xy[i][0], items.xy[i][1]);
    let mut best = (f64::INFINITY, 0);
    for (t, terr) in list.iter().enumerate() {
        let Some(z) = terr.zone else { continue };
        let shape = projected
            .entry(z)
            .or_insert_with(|| items.projection.polygons_to_metres(&data.zones[z].geometry));
        let d = Euclidean.distance(&*shape, &p);
        if d < best.0 {
            best = (d, t);
        }
    }
    best.1
}
