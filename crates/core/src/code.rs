//! Codes and numbering: zones are numbered west→east, north→south under their parent, and their
//! code is the parent's code followed by that sequence, zero-padded to the level's digit count.

use std::collections::HashMap;

use geo::{BoundingRect, InteriorPoint, Point};

use crate::{Dataset, Id, Result, Zone};

/// Orders places the way a reader scans a map: rows from north to south, and west to east within
/// a row. `places` are (representative point, height of the place in degrees); a place joins the
/// current row when its point lies within half a typical height of the row's first point.
///
/// Returns indices into `places`.
///
/// # Examples
///
/// ```
/// use geo::Point;
/// // Two rows: (0,1) (1,1.02) in the north, (0.5,0) in the south.
/// let places = [(Point::new(1.0, 1.02), 1.0), (Point::new(0.5, 0.0), 1.0), (Point::new(0.0, 1.0), 1.0)];
/// assert_eq!(wangge_core::reading_order(&places), vec![2, 0, 1]);
/// ```
pub fn reading_order(places: &[(Point<f64>, f64)]) -> Vec<usize> {
    let mut heights: Vec<f64> = places
        .iter()
        .map(|(_, h)| *h)
        .filter(|h| *h > 0.0)
        .collect();
    heights.sort_by(f64::total_cmp);
    let band = heights.get(heights.len() / 2).copied().unwrap_or(0.0) / 2.0;
    let mut order: Vec<usize> = (0..places.len()).collect();
    order.sort_by(|&a, &b| {
        places[b]
            .0
            .y()
            .total_cmp(&places[a].0.y())
            .then(places[a].0.x().total_cmp(&places[b].0.x()))
    });
    let mut result = Vec::with_capacity(order.len());
    let mut row: Vec<usize> = Vec::new();
    let mut row_top = f64::NAN;
    for i in order {
        let y = places[i].0.y();
        if !row.is_empty() && row_top - y > band {
            row.sort_by(|&a, &b| places[a].0.x().total_cmp(&places[b].0.x()));
            result.append(&mut row);
        }
        if row.is_empty() {
            row_top = y;
        }
        row.push(i);
    }
    row.sort_by(|&a, &b| places[a].0.x().total_cmp(&places[b].0.x()));
    result.append(&mut row);
    result
}

/// Numbers every zone under its parent and rewrites its code as parent code + sequence.
///
/// Top-level zones (no parent) keep their codes: they are administrative codes given from outside.
/// Zones are processed level by level so that a child always sees its parent's new code.
pub fn assign_zone_codes(data: &mut Dataset) -> Result<()> {
    data.levels.validate()?;
    let mut level_of = Vec::with_capacity(data.zones.len());
    for z in &data.zones {
        level_of.push(data.levels.index_of(&z.level)?);
    }
    let max_level = level_of.iter().copied().max().unwrap_or(0);
    for level in 0..=max_level {
        let digits = usize::from(data.levels.levels[level].code_digits);
        let codes: HashMap<Id, String> =
            data.zones.iter().map(|z| (z.id, z.code.clone())).collect();
        let mut families: HashMap<Option<Id>, Vec<usize>> = HashMap::new();
        for (i, z) in data.zones.iter().enumerate() {
            if level_of[i] == level {
                families.entry(z.parent).or_default().push(i);
            }
        }
        for (parent, members) in families {
            let Some(parent) = parent else { continue };
            let prefix = codes.get(&parent).cloned().unwrap_or_default();
            let places: Vec<(Point<f64>, f64)> = members
                .iter()
                .map(|&i| place_of(&data.zones[i].geometry))
                .collect();
            for (seq, k) in reading_order(&places).into_iter().enumerate() {
                data.zones[members[k]].code = format!("{prefix}{:0digits$}", seq + 1);
            }
        }
    }
    Ok(())
}

/// Numbers zones like [`assign_zone_codes`], but keeps the codes of `previous` (the zones as
/// they were before an edit or a new split) wherever a zone carries on: a grid that did not
/// change keeps its code, so do its children, and codes of retired grids are not handed out
/// again in the same family.
///
/// Under each parent, level by level from the top:
/// 1. a zone with the id of a previous zone under the parent's previous self keeps its sequence;
/// 2. a new zone takes the sequence of the unclaimed previous zone it overlaps most, when they
///    share more than half of the larger one's area (a re-split that redrew a grid the same way);
/// 3. the rest are numbered in reading order after the largest sequence the family had.
///
/// # Examples
///
/// ```
/// use geo::{MultiPolygon, polygon};
/// use wangge_core::{Dataset, Level, LevelConfig, Zone, assign_zone_codes, assign_zone_codes_stable};
/// let square = |id, x: f64, parent: Option<i64>| Zone {
///     id,
///     code: if parent.is_none() { "1".into() } else { String::new() },
///     name: String::new(),
///     level: if parent.is_none() { "a".into() } else { "b".into() },
///     parent,
///     geometry: MultiPolygon(vec![polygon![(x: x, y: 0.0), (x: x + 1.0, y: 0.0), (x: x + 1.0, y: 1.0), (x: x, y: 1.0)]]),
///     totals: Default::default(),
/// };
/// let level = |key: &str, digits| Level { key: key.into(), name_zh: key.into(), name_en: key.into(), code_digits: digits, households: None };
/// let levels = LevelConfig { levels: vec![level("a", 1), level("b", 2)] };
/// let mut data = Dataset { levels: levels.clone(), zones: vec![square(1, 0.0, None), square(2, 0.0, Some(1)), square(3, 1.0, Some(1))], ..Dataset::default() };
/// assign_zone_codes(&mut data).unwrap();
/// assert_eq!(data.zones[2].code, "102");
/// // The western grid is retired and a new one appears in the east: the middle keeps 02.
/// let previous = data.zones.clone();
/// data.zones.remove(1);
/// data.zones.push(square(4, 2.0, Some(1)));
/// assign_zone_codes_stable(&mut data, &previous).unwrap();
/// assert_eq!(data.zones[1].code, "102");
/// assert_eq!(data.zones[2].code, "103");
/// ```
pub fn assign_zone_codes_stable(data: &mut Dataset, previous: &[Zone]) -> Result<()> {
    use geo::{Area, BooleanOps, Intersects};
    data.levels.validate()?;
    let mut level_of = Vec::with_capacity(data.zones.len());
    for z in &data.zones {
        level_of.push(data.levels.index_of(&z.level)?);
    }
    let previous_by_id: HashMap<Id, &Zone> = previous.iter().map(|z| (z.id, z)).collect();
    let mut previous_children: HashMap<Id, Vec<&Zone>> = HashMap::new();
    for z in previous {
        if let Some(p) = z.parent {
            previous_children.entry(p).or_default().push(z);
        }
    }
    // New zone id → the previous zone it carries on.
    let mut carries: HashMap<Id, Id> = HashMap::new();
    for z in &data.zones {
        if z.parent.is_none() && previous_by_id.contains_key(&z.id) {
            carries.insert(z.id, z.id);
        }
    }
    let max_level = level_of.iter().copied().max().unwrap_or(0);
    for level in 0..=max_level {
        let digits = usize::from(data.levels.levels[level].code_digits);
        let codes: HashMap<Id, String> =
            data.zones.iter().map(|z| (z.id, z.code.clone())).collect();
        let mut families: HashMap<Id, Vec<usize>> = HashMap::new();
        for (i, z) in data.zones.iter().enumerate() {
            if level_of[i] == level
                && let Some(p) = z.parent
            {
                families.entry(p).or_default().push(i);
            }
        }
        let mut family_keys: Vec<Id> = families.keys().copied().collect();
        family_keys.sort_unstable();
        for parent in family_keys {
            let members = &families[&parent];
            let prefix = codes.get(&parent).cloned().unwrap_or_default();
            let old_family: Vec<&Zone> = carries
                .get(&parent)
                .and_then(|old| previous_children.get(old))
                .map(|v| {
                    v.iter()
                        .copied()
                        .filter(|z| z.level == data.zones[members[0]].level)
                        .collect()
                })
                .unwrap_or_default();
            let sequence_of = |z: &Zone| -> Option<u64> {
                let old_prefix = z
                    .parent
                    .and_then(|p| previous_by_id.get(&p))
                    .map(|p| p.code.as_str())?;
                z.code.strip_prefix(old_prefix)?.parse().ok()
            };
            let mut claimed: HashMap<Id, u64> = HashMap::new();
            let mut sequence: Vec<Option<u64>> = vec![None; members.len()];
            // 1. Same id.
            for (k, &i) in members.iter().enumerate() {
                let id = data.zones[i].id;
                if let Some(old) = old_family.iter().find(|o| o.id == id)
                    && let Some(seq) = sequence_of(old)
                {
                    sequence[k] = Some(seq);
                    claimed.insert(old.id, seq);
                    carries.insert(id, old.id);
                }
            }
            // 2. Largest overlap, more than half of the larger area.
            for (k, &i) in members.iter().enumerate() {
                if sequence[k].is_some() {
                    continue;
                }
                let zone = &data.zones[i];
                let area = zone.geometry.unsigned_area();
                let best = old_family
                    .iter()
                    .filter(|o| !claimed.contains_key(&o.id))
                    .filter(
                        |o| match (o.geometry.bounding_rect(), zone.geometry.bounding_rect()) {
                            (Some(a), Some(b)) => a.intersects(&b),
                            _ => false,
                        },
                    )
                    .map(|o| {
                        let shared = o.geometry.intersection(&zone.geometry).unsigned_area();
                        (o, shared / area.max(o.geometry.unsigned_area()))
                    })
                    .filter(|(_, share)| *share > 0.5)
                    .max_by(|a, b| a.1.total_cmp(&b.1));
                if let Some((old, _)) = best
                    && let Some(seq) = sequence_of(old)
                {
                    sequence[k] = Some(seq);
                    claimed.insert(old.id, seq);
                    carries.insert(zone.id, old.id);
                }
            }
            // 3. The rest after the family's largest sequence, in reading order.
            let next = old_family
                .iter()
                .filter_map(|o| sequence_of(o))
                .chain(sequence.iter().flatten().copied())
                .max()
                .unwrap_or(0)
                + 1;
            let rest: Vec<usize> = (0..members.len())
                .filter(|&k| sequence[k].is_none())
                .collect();
            let places: Vec<(Point<f64>, f64)> = rest
                .iter()
                .map(|&k| place_of(&data.zones[members[k]].geometry))
                .collect();
            for (offset, r) in reading_order(&places).into_iter().enumerate() {
                sequence[rest[r]] = Some(next + offset as u64);
            }
            for (k, &i) in members.iter().enumerate() {
                let seq = sequence[k].unwrap_or(0);
                data.zones[i].code = format!("{prefix}{seq:0digits$}");
            }
        }
    }
    Ok(())
}

/// Gives every compound a code: its community's code, `-`, and a three-digit sequence in reading
/// order; compounds outside every community get `X` and a five-digit sequence.
pub fn assign_compound_codes(data: &mut Dataset) {
    let community_level = data.levels.community_key().map(str::to_owned);
    let communities = Dataset {
        levels: data.levels.clone(),
        zones: data
            .zones
            .iter()
            .filter(|z| Some(&z.level) == community_level.as_ref())
            .cloned()
            .collect(),
        ..Dataset::default()
    };
    let atlas = crate::Atlas::new(communities);
    let mut families: HashMap<Option<String>, Vec<usize>> = HashMap::new();
    for (i, c) in data.compounds.iter().enumerate() {
        let community = c
            .geometry
            .interior_point()
            .and_then(|p| atlas.zones_containing(p).into_iter().next())
            .map(|z| z.code.clone());
        families.entry(community).or_default().push(i);
    }
    for (community, members) in families {
        let places: Vec<(Point<f64>, f64)> = members
            .iter()
            .map(|&i| place_of(&data.compounds[i].geometry))
            .collect();
        for (seq, k) in reading_order(&places).into_iter().enumerate() {
            data.compounds[members[k]].code = match &community {
                Some(code) => format!("{code}-{:03}", seq + 1),
                None => format!("X{:05}", seq + 1),
            };
        }
    }
}

fn place_of(geometry: &geo::MultiPolygon<f64>) -> (Point<f64>, f64) {
    let point = geometry
        .interior_point()
        .unwrap_or_else(|| Point::new(0.0, 0.0));
    let height = geometry.bounding_rect().map(|r| r.height()).unwrap_or(0.0);
    (point, height)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{LevelConfig, Totals, Zone};
    use geo::{MultiPolygon, polygon};

    fn cell(id: Id, level: &str, parent: Option<Id>, x: f64, y: f64, size: f64) -> Zone {
        Zone {
            id,
            code: String::new(),
            name: String::new(),
            level: level.into(),
            parent,
            geometry: MultiPolygon(vec![polygon![
                (x: x, y: y), (x: x + size, y: y), (x: x + size, y: y + size), (x: x, y: y + size)
            ]]),
            totals: Totals::default(),
        }
    }

    #[test]
    fn codes_run_west_to_east_then_north_to_south() {
        let mut data = Dataset::new(LevelConfig::default());
        let mut top = cell(1, "subdistrict", None, 0.0, 0.0, 2.0);
        top.code = "530102001".into();
        data.zones.push(top);
        // A 2 × 2 grid of communities, listed out of order.
        data.zones
            .push(cell(10, "community", Some(1), 1.0, 0.0, 1.0)); // south-east
        data.zones
            .push(cell(11, "community", Some(1), 0.0, 1.0, 1.0)); // north-west
        data.zones
            .push(cell(12, "community", Some(1), 0.0, 0.0, 1.0)); // south-west
        data.zones
            .push(cell(13, "community", Some(1), 1.0, 1.0, 1.0)); // north-east
        data.zones
            .push(cell(20, "primary", Some(11), 0.0, 1.0, 1.0));
        assign_zone_codes(&mut data).expect("codes");
        let code = |id: Id| {
            data.zones
                .iter()
                .find(|z| z.id == id)
                .map(|z| z.code.clone())
        };
        assert_eq!(code(1).as_deref(), Some("530102001"));
        assert_eq!(code(11).as_deref(), Some("530102001001"));
        assert_eq!(code(13).as_deref(), Some("530102001002"));
        assert_eq!(code(12).as_deref(), Some("530102001003"));
        assert_eq!(code(10).as_deref(), Some("530102001004"));
        assert_eq!(code(20).as_deref(), Some("53010200100101"));
    }
}
