//! Counts of a dataset: per layer, per zone level, per tier, and the households behind them.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::Dataset;

/// What `wangge stats` prints and `/api/stats` answers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Stats {
    /// Records per layer: zones, compounds, buildings, streets, chiefs.
    pub layers: BTreeMap<&'static str, usize>,
    /// Zones per level key, for every configured level (zero where none exist).
    pub zones_by_level: BTreeMap<String, usize>,
    /// Compounds per tier key (green, yellow, red), all three always present.
    pub compounds_by_tier: BTreeMap<&'static str, usize>,
    /// Compounds per property-management key.
    pub compounds_by_management: BTreeMap<&'static str, usize>,
    /// Compounds per type key.
    pub compounds_by_kind: BTreeMap<&'static str, usize>,
    /// Households over all buildings.
    pub households: u64,
    /// Residents over all buildings.
    pub population: u64,
    /// Buildings whose households are estimated rather than registered.
    pub estimated_buildings: usize,
}

impl Stats {
    /// Counts a dataset.
    ///
    /// # Examples
    ///
    /// ```
    /// use wangge_core::{Dataset, Stats};
    /// let stats = Stats::of(&Dataset::default());
    /// assert_eq!(stats.compounds_by_tier["red"], 0);
    /// assert_eq!(stats.zones_by_level["community"], 0);
    /// ```
    pub fn of(data: &Dataset) -> Self {
        let mut s = Stats::default();
        s.layers.insert("zones", data.zones.len());
        s.layers.insert("compounds", data.compounds.len());
        s.layers.insert("buildings", data.buildings.len());
        s.layers.insert("streets", data.streets.len());
        s.layers.insert("chiefs", data.chiefs.len());
        for level in &data.levels.levels {
            s.zones_by_level.insert(level.key.clone(), 0);
        }
        for zone in &data.zones {
            *s.zones_by_level.entry(zone.level.clone()).or_default() += 1;
        }
        for tier in crate::Tier::ALL {
            s.compounds_by_tier.insert(tier.as_str(), 0);
        }
        for c in &data.compounds {
            *s.compounds_by_tier.entry(c.tier.as_str()).or_default() += 1;
            *s.compounds_by_management
                .entry(c.management.as_str())
                .or_default() += 1;
            *s.compounds_by_kind.entry(c.kind.as_str()).or_default() += 1;
        }
        for b in &data.buildings {
            s.households += u64::from(b.households);
            s.population += u64::from(b.population);
            s.estimated_buildings += usize::from(b.estimated);
        }
        s
    }
}
