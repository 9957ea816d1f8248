//! Derived data after an import: compound links, zone parents, codes and totals.

use geo::InteriorPoint;
use wangge_core::{
    Atlas, Dataset, Id, assign_compound_codes, assign_zone_codes, link_buildings_to_compounds,
    recompute_totals,
};

use crate::error::{ImportError, Result};

/// Refreshes everything derived from the records, in dependency order: zone parents first (codes
/// follow parents), then compound links, zone codes, compound codes (they follow community codes)
/// and totals.
pub(crate) fn refresh(data: &mut Dataset, file: &str) -> Result<()> {
    let core = |source| ImportError::Core {
        file: file.to_string(),
        source,
    };
    find_zone_parents(data).map_err(core)?;
    link_buildings_to_compounds(data);
    assign_zone_codes(data).map_err(core)?;
    assign_compound_codes(data);
    recompute_totals(data);
    Ok(())
}

/// Gives every zone without a parent the zone one level up that contains its interior point, so
/// that boundaries imported top-down or bottom-up end up in one hierarchy. Zones that already have
/// a parent keep it.
fn find_zone_parents(data: &mut Dataset) -> wangge_core::Result<()> {
    let orphans: Vec<usize> = (0..data.zones.len())
        .filter(|&i| data.zones[i].parent.is_none())
        .collect();
    if orphans.is_empty() {
        return Ok(());
    }
    let atlas = Atlas::new(Dataset {
        levels: data.levels.clone(),
        zones: data.zones.clone(),
        ..Dataset::default()
    });
    let mut parents: Vec<(usize, Id)> = Vec::new();
    for i in orphans {
        let zone = &data.zones[i];
        let level = data.levels.index_of(&zone.level)?;
        let Some(above) = level.checked_sub(1).map(|l| &data.levels.levels[l]) else {
            continue;
        };
        let Some(point) = zone.geometry.interior_point() else {
            continue;
        };
        if let Some(parent) = atlas.zone_at(&above.key, point) {
            parents.push((i, parent.id));
        }
    }
    for (i, parent) in parents {
        data.zones[i].parent = Some(parent);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{MultiPolygon, polygon};
    use wangge_core::{LevelConfig, Totals, Zone};

    fn zone(id: Id, level: &str, x: f64, size: f64) -> Zone {
        Zone {
            id,
            code: if level == "subdistrict" {
                "310115007".into()
            } else {
                String::new()
            },
            name: format!("zone {id}"),
            level: level.into(),
            parent: None,
            geometry: MultiPolygon(vec![polygon![
                (x: x, y: 0.0), (x: x + size, y: 0.0), (x: x + size, y: size), (x: x, y: size)
            ]]),
            totals: Totals::default(),
        }
    }

    #[test]
    fn orphan_zones_find_the_zone_above_and_get_codes() {
        let mut data = Dataset::new(LevelConfig::default());
        data.zones.push(zone(1, "community", 0.1, 0.2));
        data.zones.push(zone(2, "community", 0.5, 0.2));
        data.zones.push(zone(3, "subdistrict", 0.0, 1.0));
        data.zones.push(zone(4, "community", 5.0, 0.2));
        refresh(&mut data, "x.geojson").expect("refresh");
        let parent: Vec<Option<Id>> = data.zones.iter().map(|z| z.parent).collect();
        assert_eq!(parent, vec![Some(3), Some(3), None, None]);
        assert_eq!(data.zones[0].code, "310115007001");
        assert_eq!(data.zones[1].code, "310115007002");
    }
}
