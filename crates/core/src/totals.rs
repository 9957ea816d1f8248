//! Derived figures: which compound a building stands in, and each zone's totals.

use std::collections::HashMap;

use geo::InteriorPoint;

use crate::index::covers;
use crate::{Atlas, Dataset, Id, Layer, Totals};

/// Links every building that has no compound to the compound containing its interior point.
/// Returns how many buildings were linked.
pub fn link_buildings_to_compounds(data: &mut Dataset) -> usize {
    let compounds = Dataset {
        compounds: data.compounds.clone(),
        ..Dataset::default()
    };
    let atlas = Atlas::new(compounds);
    let mut linked = 0;
    for building in data.buildings.iter_mut().filter(|b| b.compound.is_none()) {
        let Some(point) = building.geometry.interior_point() else {
            continue;
        };
        let rect = geo::Rect::new(point.0, point.0);
        let found = atlas
            .in_box(Layer::Compounds, rect)
            .into_iter()
            .map(|i| &atlas.data().compounds[i])
            .find(|c| covers(&c.geometry, point));
        if let Some(compound) = found {
            building.compound = Some(compound.id);
            linked += 1;
        }
    }
    linked
}

/// Recomputes every zone's totals from the buildings and compounds whose interior points it
/// contains.
pub fn recompute_totals(data: &mut Dataset) {
    let zones_only = Dataset {
        levels: data.levels.clone(),
        zones: data.zones.clone(),
        ..Dataset::default()
    };
    let atlas = Atlas::new(zones_only);
    let mut totals: HashMap<Id, Totals> = HashMap::new();
    for building in &data.buildings {
        let Some(point) = building.geometry.interior_point() else {
            continue;
        };
        for zone in atlas.zones_containing(point) {
            let t = totals.entry(zone.id).or_default();
            t.households += u64::from(building.households);
            t.population += u64::from(building.population);
            t.buildings += 1;
        }
    }
    for compound in &data.compounds {
        let Some(point) = compound.geometry.interior_point() else {
            continue;
        };
        for zone in atlas.zones_containing(point) {
            totals.entry(zone.id).or_default().compounds += 1;
        }
    }
    for zone in &mut data.zones {
        zone.totals = totals.get(&zone.id).copied().unwrap_or_default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Building, Compound, CompoundKind, LevelConfig, Management, Tier, Zone};
    use geo::{MultiPolygon, Polygon, polygon};

    fn square(x: f64, y: f64, s: f64) -> MultiPolygon<f64> {
        let p: Polygon<f64> =
            polygon![(x: x, y: y), (x: x + s, y: y), (x: x + s, y: y + s), (x: x, y: y + s)];
        MultiPolygon(vec![p])
    }

    #[test]
    fn totals_count_what_each_zone_holds() {
        let mut data = Dataset::new(LevelConfig::default());
        data.zones.push(Zone {
            id: 1,
            code: "1".into(),
            name: "c".into(),
            level: "community".into(),
            parent: None,
            geometry: square(0.0, 0.0, 1.0),
            totals: Totals::default(),
        });
        data.compounds.push(Compound {
            id: 5,
            code: String::new(),
            name: "x".into(),
            kind: CompoundKind::Mixed,
            management: Management::None,
            tier: Tier::Green,
            stars: None,
            source_id: None,
            geometry: square(0.1, 0.1, 0.3),
        });
        for (id, x) in [(1, 0.2), (2, 0.6), (3, 5.0)] {
            data.buildings.push(Building {
                id,
                source_id: None,
                name: None,
                address: None,
                compound: None,
                floors: 6,
                units: 2,
                households: 10,
                population: 23,
                height_m: None,
                estimated: false,
                geometry: square(x, 0.2, 0.05),
            });
        }
        assert_eq!(link_buildings_to_compounds(&mut data), 1);
        assert_eq!(data.buildings[0].compound, Some(5));
        recompute_totals(&mut data);
        assert_eq!(
            data.zones[0].totals,
            Totals {
                households: 20,
                population: 46,
                buildings: 2,
                compounds: 1
            }
        );
    }
}
