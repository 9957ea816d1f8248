//! The quality report of a partition run: per grid and in total, as text and as JSON (serde).

use std::fmt;

use serde::Serialize;

use crate::score::Bounds;

/// The figures of one new grid.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GridReport {
    /// The grid's code.
    pub code: String,
    /// The grid's name.
    pub name: String,
    /// The code of the zone it was split from.
    pub parent: String,
    /// Households in it.
    pub households: u64,
    /// Households minus the target midpoint (negative: fewer than the target).
    pub deviation: f64,
    /// True when its households lie within the bounds.
    pub within_bounds: bool,
    /// True when it is a single unit above the maximum (a compound too large to share a grid),
    /// with at most some land holding no households around it: out of bounds by necessity, not
    /// by a failure of the search.
    pub oversized_unit: bool,
    /// True when its units form one connected piece in the unit graph.
    pub connected: bool,
    /// Polsby-Popper compactness, 0–1.
    pub polsby_popper: f64,
    /// The share of its boundary with neighbouring land that runs along streets, 0–1.
    pub street_share: f64,
    /// How many planning units it is the union of.
    pub units: usize,
    /// How many buildings it holds.
    pub buildings: usize,
}

/// The whole run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PartitionReport {
    /// The level the grids were created on.
    pub level: String,
    /// The level of the zones that were split.
    pub parent_level: String,
    /// The household bounds.
    pub bounds: Bounds,
    /// The seed of the random search.
    pub seed: u64,
    /// Codes of the zones split.
    pub parents: Vec<String>,
    /// Codes of zones created on intermediate levels because they did not exist (each a copy of
    /// its parent's exact geometry), e.g. one primary grid per community.
    pub created_parents: Vec<String>,
    /// How many zones were removed: the old zones of the level under the split parents and
    /// everything below them.
    pub removed_zones: usize,
    /// The new grids, in code order.
    pub grids: Vec<GridReport>,
    /// Problems met while cutting planning units, as text.
    pub problems: Vec<String>,
    /// Summary figures.
    pub totals: Totals,
}

/// Summary figures over all new grids.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Totals {
    /// New grids.
    pub grids: usize,
    /// Grids within the household bounds.
    pub within_bounds: usize,
    /// Grids that are a single oversized unit.
    pub oversized_units: usize,
    /// Grids that are one connected piece.
    pub connected: usize,
    /// The fewest households in a grid.
    pub households_min: u64,
    /// The most households in a grid.
    pub households_max: u64,
    /// Mean absolute deviation from the target midpoint, households.
    pub mean_abs_deviation: f64,
    /// Mean Polsby-Popper.
    pub mean_polsby_popper: f64,
    /// Mean share of boundary on streets.
    pub mean_street_share: f64,
    /// Wall-clock time of the split, ms (units, graph, search and geometry; not loading or
    /// writing).
    pub elapsed_ms: f64,
}

impl Totals {
    /// Summarises `grids`; `elapsed_ms` is filled in by the caller.
    pub(crate) fn of(grids: &[GridReport]) -> Totals {
        let n = grids.len();
        let mean = |f: fn(&GridReport) -> f64| {
            if n == 0 {
                0.0
            } else {
                grids.iter().map(f).sum::<f64>() / n as f64
            }
        };
        Totals {
            grids: n,
            within_bounds: grids.iter().filter(|g| g.within_bounds).count(),
            oversized_units: grids.iter().filter(|g| g.oversized_unit).count(),
            connected: grids.iter().filter(|g| g.connected).count(),
            households_min: grids.iter().map(|g| g.households).min().unwrap_or(0),
            households_max: grids.iter().map(|g| g.households).max().unwrap_or(0),
            mean_abs_deviation: mean(|g| g.deviation.abs()),
            mean_polsby_popper: mean(|g| g.polsby_popper),
            mean_street_share: mean(|g| g.street_share),
            elapsed_ms: 0.0,
        }
    }
}

impl fmt::Display for PartitionReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "split {} zone(s) of level `{}` into {} grid(s) of level `{}`, {}..{} households (target {}), seed {}",
            self.parents.len(),
            self.parent_level,
            self.totals.grids,
            self.level,
            self.bounds.min,
            self.bounds.max,
            self.bounds.mid(),
            self.seed
        )?;
        if !self.created_parents.is_empty() {
            writeln!(
                f,
                "created {} missing zone(s) above the grids, each with its parent's exact outline: {}",
                self.created_parents.len(),
                self.created_parents.join(", ")
            )?;
        }
        if self.removed_zones > 0 {
            writeln!(f, "replaced {} earlier zone(s)", self.removed_zones)?;
        }
        writeln!(
            f,
            "{:<22} {:>6} {:>7} {:>6} {:>9} {:>6} {:>7}",
            "code", "hh", "dev", "ok", "connected", "PP", "street"
        )?;
        for g in &self.grids {
            let ok = if g.within_bounds {
                "yes"
            } else if g.oversized_unit {
                "big"
            } else {
                "NO"
            };
            writeln!(
                f,
                "{:<22} {:>6} {:>+7.0} {:>6} {:>9} {:>6.3} {:>6.1}%",
                g.code,
                g.households,
                g.deviation,
                ok,
                if g.connected { "yes" } else { "NO" },
                g.polsby_popper,
                g.street_share * 100.0
            )?;
        }
        let t = &self.totals;
        writeln!(
            f,
            "{} grids: {} within bounds, {} single oversized compound(s), {} connected; households {}–{}, mean |dev| {:.1}; mean Polsby-Popper {:.3}; mean street share {:.1}%; {:.0} ms",
            t.grids,
            t.within_bounds,
            t.oversized_units,
            t.connected,
            t.households_min,
            t.households_max,
            t.mean_abs_deviation,
            t.mean_polsby_popper,
            t.mean_street_share * 100.0,
            t.elapsed_ms
        )?;
        for p in &self.problems {
            writeln!(f, "note: {p}")?;
        }
        Ok(())
    }
}
