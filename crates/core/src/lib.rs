//! The grid-governance domain and its spatial core.
//!
//! `wangge-core` holds the nouns of the system — zones on configurable levels, compounds, buildings,
//! street segments, street chiefs, colour tiers — and the [`Atlas`]: a dataset together with the R-trees
//! (rstar) that answer "which zone contains this point", "what lies in this box", "which street is
//! nearest" and "which buildings belong to this compound".
//!
//! It is pure: no I/O, no SQL, no HTTP, no async runtime. Every geometry is WGS-84 / CGCS2000
//! longitude/latitude; areas and lengths are geodesic metres.
//!
//! # Examples
//!
//! ```
//! use wangge_core::{Atlas, Dataset, LevelConfig, Zone, Totals};
//! use geo::{polygon, MultiPolygon, Point};
//!
//! let square = polygon![(x: 102.70, y: 25.03), (x: 102.72, y: 25.03), (x: 102.72, y: 25.05), (x: 102.70, y: 25.05)];
//! let mut data = Dataset::new(LevelConfig::default());
//! data.zones.push(Zone {
//!     id: 1,
//!     code: "530102001".into(),
//!     name: "演示街道".into(),
//!     level: "subdistrict".into(),
//!     parent: None,
//!     geometry: MultiPolygon(vec![square]),
//!     totals: Totals::default(),
//! });
//! let atlas = Atlas::new(data);
//! let found = atlas.zones_containing(Point::new(102.71, 25.04));
//! assert_eq!(found.len(), 1);
//! assert_eq!(found[0].name, "演示街道");
//! ```

pub mod audit;
pub mod bbox;
pub mod code;
pub mod dataset;
pub mod duty;
pub mod error;
pub mod index;
pub mod inspections;
pub mod levels;
pub mod measure;
pub mod model;
pub mod partners;
pub mod photos;
pub mod plan;
pub mod problems;
pub mod stats;
pub mod tiers;
pub mod totals;
pub mod users;
pub mod visits;

pub use audit::{AuditAction, AuditEntry, cli_actor};
pub use bbox::{merge_boxes, union_boxes};
pub use code::{assign_compound_codes, assign_zone_codes, assign_zone_codes_stable, reading_order};
pub use dataset::{ChangeSet, Dataset, Layer};
pub use duty::{Assignment, DutyKey, DutyKind, chief_level, responsible, validate_assignments};
pub use error::{Error, Result};
pub use index::{Atlas, NearestStreet, representative_point};
pub use inspections::{
    Cadences, Due, DueError, Every, Finding, Findings, Inspection, InspectionError, due_list,
    next_due, record_inspection,
};
pub use levels::{HouseholdRange, Level, LevelConfig};
pub use measure::{area_m2, length_m};
pub use model::{
    Building, Chief, ChiefLevel, ChiefRole, Compound, CompoundKind, Department, Id, InspectorRole,
    Management, StreetClass, StreetSegment, Tier, TierChange, Topic, Totals, VulnerableCategory,
    Zone,
};
pub use partners::{PartnerKey, StreetPartner, check_partners, partners_of, validate_partners};
pub use photos::{MAX_PHOTO_BYTES, Photo, PhotoError, PhotoInfo, PhotoType};
pub use plan::{Plan, PlanEdit, PlanError, PlanInfo, PlanStatus, with_descendants, zone_diff};
pub use problems::{
    EscalationLevel, Problem, ProblemAction, ProblemCategory, ProblemCounts, ProblemError,
    ProblemLimits, ProblemSource, ProblemState, ProblemStep, Routing,
};
pub use stats::Stats;
pub use tiers::{MAX_REASON_CHARS, TierChangeError, prohibited_rental, tier_at, tier_change};
pub use totals::{link_buildings_to_compounds, recompute_totals};
pub use users::{
    LockoutRule, Role, SignInError, User, check_password, check_role_chief, check_username,
    hash_password, token_hash, verify_password,
};
pub use visits::{
    KeyPlace, KeySite, Targets, Task, TaskKind, TaskSummary, Visit, VisitError, VisitSchedules,
    VisitTarget, VulnerableHousehold, check_visit, task_list, task_summaries,
};
