//! Planning units, the unit graph and the zone invariants: the foundation of grid splitting.
//!
//! - [`planning_units`] cuts every community into [`Unit`]s — whole compounds, street blocks and
//!   the cells around buildings outside compounds — that tile it exactly, so any grid made as a
//!   union of units can neither overlap another nor leave a gap.
//! - [`UnitGraph::build`] links units that share a boundary, with the shared length and the part
//!   of it that runs along a street.
//! - [`partition`] splits the zones of one level into connected grids of a household range on
//!   the level below, by a street-aware spanning-tree split improved by ReCom and boundary moves
//!   (see [`split`]), with a quality [`PartitionReport`].
//! - [`check`] verifies the invariants of the zones a dataset already has (`wangge check`).
//!
//! The crate is pure: no I/O, no async. Geometry work happens in a [`LocalProjection`] in metres;
//! every geometry handed out is longitude/latitude.
//!
//! # Examples
//!
//! ```
//! use wangge_partition::{UnitGraph, check, planning_units};
//! let data = wangge_demo::generate(&wangge_demo::DemoSettings::builtin());
//! let units = planning_units(&data, "community").expect("the level exists");
//! let graph = UnitGraph::build(&units, &data.streets);
//! assert!(graph.edges.len() >= units.units.len() - 1);
//! assert!(check(&data).is_ok());
//! ```

mod cells;
pub mod check;
pub mod compare;
pub mod edit;
pub mod error;
pub mod graph;
mod noding;
pub mod problems;
pub mod project;
pub mod report;
pub mod score;
mod shared;
pub mod split;
pub mod units;

pub use check::{CheckReport, LevelSummary, Note, Violation, check};
pub use compare::{ChangedArea, ChiefChange, Comparison, GridChange, MovedBuilding, compare};
pub use edit::{Edit, EditError, Edited, FamilyReport, Targets, apply_edit, family_report};
pub use error::{PartitionError, Result};
pub use graph::{Edge, UnitGraph};
pub use problems::Problem;
pub use project::LocalProjection;
pub use report::{GridReport, PartitionReport};
pub use score::{Bounds, Weights, polsby_popper};
pub use split::{
    Partition, PartitionRequest, SplitOptions, district_count, partition, partition_keeping,
    partition_levels, partition_observed,
};
pub use units::{
    SLIVER_AREA_M2, SLIVER_WIDTH_M, Unit, UnitId, UnitKind, UnitOptions, UnitSet, is_sliver,
    planning_units, planning_units_with,
};
