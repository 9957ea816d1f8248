//! Automatic assignment of buildings and street segments to street chiefs (小巷管家 / 街长).
//!
//! Every building and every street segment gets exactly one responsible chief per chief level
//! that has chiefs (居民街长 resident, 社区街长 community, 街道街长 sub-district), so that
//!
//! - **territories hold**: a resident or community chief works inside their home community, a
//!   sub-district chief inside the sub-district of their home zone, a chief without a home floats
//!   over whatever no zoned territory holds; an item in a community without chiefs of a level
//!   goes to the nearest territory and is reported as outside its home community;
//! - **workloads balance**: workload = households × [`Weights::per_household`] + street km ×
//!   [`Weights::per_street_km`], every chief within ±[`AssignOptions::spread`] of the mean of
//!   their territory, and the report says who is not and why. A building heavier on its own
//!   than the band's top cannot be balanced: it gets a chief of its own and is left out of the
//!   mean (the chief is reported as oversized);
//! - **areas are walkable**: a chief's items are connected in the walking graph (street segments
//!   joined at junctions, buildings joined to their nearest streets and to the buildings of their
//!   compound), compact, and the report counts the pieces;
//! - **changes stay small**: fixed assignments never move; on a re-run every previous assignment
//!   that is still valid is kept, only orphans (new items, items of chiefs who left, items whose
//!   territory changed) are assigned, and boundary items move only while a chief is outside the
//!   band. Every move is reported with its reason.
//!
//! How: a fresh territory is cut by recursive bisection along the walking graph and polished
//! by boundary moves (balance first, then compactness); a territory with kept assignments gets
//! its orphans grown onto the neighbouring chiefs and is then touched only while a chief is
//! outside the band (single moves, then chains of moves along neighbouring chiefs). Boundary
//! moves always keep every area in one piece. See the `solve` module's source for the details.
//!
//! The run is deterministic for a given [`AssignOptions::seed`]. The crate is pure: no I/O.
//!
//! - [`assign`] runs the automatic assignment and returns the complete new set with its
//!   [`AssignReport`].
//! - [`workloads`] gives live figures for any set of assignments (after a manual change).
//! - [`reassign`] makes a manual change (fixed), refusing chiefs of another level.
//! - [`chief_areas`] draws each chief's area as a zone.
//!
//! # Examples
//!
//! ```
//! use wangge_assign::{AssignOptions, assign};
//! use wangge_core::validate_assignments;
//!
//! let data = wangge_demo::generate(&wangge_demo::DemoSettings::builtin());
//! let first = assign(&data, &[], &AssignOptions::default()).expect("assigned");
//! validate_assignments(&data, &first.assignments).expect("one chief per item and level");
//! assert_eq!(first.report.unassigned.len(), 0);
//! // Nothing changed: a re-run keeps every assignment.
//! let again = assign(&data, &first.assignments, &AssignOptions::default()).expect("assigned");
//! assert_eq!(again.report.move_counts.total(), 0);
//! println!("{}", first.report);
//! ```

mod area;
pub mod error;
mod graph;
mod items;
mod manual;
pub mod report;
mod run;
mod solve;
mod territory;

use serde::{Deserialize, Serialize};
use wangge_core::{Assignment, Dataset, Id};

pub use area::{ChiefArea, chief_areas, chief_areas_on};
pub use error::{AssignError, Result};
pub use manual::{reassign, workloads};
pub use report::{
    AssignReport, ChiefLoad, ChiefReport, LevelSummary, Move, MoveCounts, MoveReason,
    TerritoryReport, Unassigned,
};

/// What a chief's workload is made of.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Weights {
    /// Workload per household (户) of the buildings a chief answers for.
    pub per_household: f64,
    /// Workload per kilometre of street a chief answers for: 100 means a kilometre of street
    /// weighs as much as a hundred households.
    pub per_street_km: f64,
}

impl Default for Weights {
    /// One per household; a kilometre of street weighs like a hundred households (a chief walks a
    /// lane daily, a household is visited monthly).
    fn default() -> Self {
        Self {
            per_household: 1.0,
            per_street_km: 100.0,
        }
    }
}

/// How [`assign`] runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AssignOptions {
    /// What the workload is made of.
    pub weights: Weights,
    /// The balance band: every chief within ±`spread` of the mean workload of their territory
    /// (0.25 = ±25 %). Between 0 (exclusive) and 1.
    pub spread: f64,
    /// Seed of the random choices (the starting centres of a fresh territory, the order of
    /// polishing passes): the same seed gives the same result.
    pub seed: u64,
    /// A zone (id): only buildings and streets whose point lies in it are (re)assigned;
    /// everything else keeps its previous assignment. `None`: everything.
    pub scope: Option<Id>,
}

impl Default for AssignOptions {
    fn default() -> Self {
        Self {
            weights: Weights::default(),
            spread: 0.25,
            seed: 1,
            scope: None,
        }
    }
}

impl AssignOptions {
    /// Checks the options' ranges.
    pub fn validate(&self) -> Result<()> {
        let w = &self.weights;
        for (option, value) in [
            ("weights.per_household", w.per_household),
            ("weights.per_street_km", w.per_street_km),
        ] {
            if !value.is_finite() || value < 0.0 {
                return Err(AssignError::InvalidOption {
                    option,
                    value: value.to_string(),
                    expected: "a finite number, 0 or more",
                });
            }
        }
        if w.per_household == 0.0 && w.per_street_km == 0.0 {
            return Err(AssignError::InvalidOption {
                option: "weights",
                value: "0 per household and 0 per street km".into(),
                expected: "at least one positive weight, or there is no workload to balance",
            });
        }
        if !(self.spread > 0.0 && self.spread < 1.0) {
            return Err(AssignError::InvalidOption {
                option: "spread",
                value: self.spread.to_string(),
                expected: "a fraction between 0 and 1, e.g. 0.25 for ±25 %",
            });
        }
        Ok(())
    }
}

/// The result of [`assign`].
#[derive(Debug, Clone, PartialEq)]
pub struct Assigned {
    /// The complete new set of assignments: one per item and chief level that has chiefs
    /// (except items outside the scope that had no valid assignment; see
    /// [`AssignReport::unassigned`]). Level by level (resident, community, sub-district),
    /// buildings before streets, in data order.
    pub assignments: Vec<Assignment>,
    /// What was done and how good it is.
    pub report: AssignReport,
}

/// Assigns every building and street segment of `data` to one chief per chief level, keeping
/// what is still valid in `previous` (see the crate documentation for the rules).
///
/// Fails only on a caller's mistake: options out of range, an unknown scope zone, a chief whose
/// home community is not in the data.
pub fn assign(
    data: &Dataset,
    previous: &[Assignment],
    options: &AssignOptions,
) -> Result<Assigned> {
    run::run(data, previous, options)
}
