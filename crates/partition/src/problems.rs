//! What was wrong with the data while the planning units were made: reported, never fatal.

use serde::{Deserialize, Serialize};
use wangge_core::Id;

/// One thing in the data that the planning units had to work around.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Problem {
    /// There are no zones on the community level, so there is nothing to cut into units.
    NoCommunities {
        /// The level key asked for.
        level: String,
    },
    /// A compound reaches outside the community holding its interior point. Its unit is the part
    /// inside that community; the rest is land of whichever community it lies in.
    CompoundCrossesCommunity {
        /// The compound.
        compound: Id,
        /// The compound's code.
        code: String,
        /// The community (zone id) holding its interior point.
        community: Id,
        /// The area outside that community, m².
        outside_m2: f64,
    },
    /// A compound's interior point lies in no community; it is no unit.
    CompoundOutsideCommunities {
        /// The compound.
        compound: Id,
        /// The compound's code.
        code: String,
    },
    /// Two compounds overlap; the overlap belongs to the one listed first in the data.
    CompoundsOverlap {
        /// The compound that lost the overlap.
        compound: Id,
        /// The compound that kept it.
        other: Id,
        /// The overlap, m².
        overlap_m2: f64,
    },
    /// A compound lies wholly inside earlier compounds, so it has no land of its own and no unit.
    CompoundSwallowed {
        /// The compound.
        compound: Id,
    },
    /// A building's interior point lies in no unit (outside every community).
    BuildingOutsideUnits {
        /// The building.
        building: Id,
    },
    /// A building has no interior point (an empty footprint); it is in no unit.
    BuildingWithoutFootprint {
        /// The building.
        building: Id,
    },
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Problem::NoCommunities { level } => {
                write!(f, "no zones on level `{level}`: nothing to cut into units")
            }
            Problem::CompoundCrossesCommunity {
                compound,
                code,
                community,
                outside_m2,
            } => write!(
                f,
                "compound {code} ({compound}) reaches {outside_m2:.1} m² outside community zone {community}; its unit is the part inside"
            ),
            Problem::CompoundOutsideCommunities { compound, code } => {
                write!(f, "compound {code} ({compound}) lies in no community")
            }
            Problem::CompoundsOverlap {
                compound,
                other,
                overlap_m2,
            } => write!(
                f,
                "compound {compound} overlaps compound {other} by {overlap_m2:.1} m²; the overlap stays with {other}"
            ),
            Problem::CompoundSwallowed { compound } => {
                write!(f, "compound {compound} lies wholly inside other compounds")
            }
            Problem::BuildingOutsideUnits { building } => {
                write!(f, "building {building} lies in no community")
            }
            Problem::BuildingWithoutFootprint { building } => {
                write!(f, "building {building} has an empty footprint")
            }
        }
    }
}
