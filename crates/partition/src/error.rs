//! The crate's error type: only a caller's mistake fails; broken data yields problems instead.

/// What can make a call into this crate fail outright.
#[derive(Debug, thiserror::Error)]
pub enum PartitionError {
    /// The level key asked for is not in the dataset's level configuration.
    #[error("unknown zone level `{level}`; the levels are: {known}")]
    UnknownLevel {
        /// The key asked for.
        level: String,
        /// The configured keys, comma separated.
        known: String,
    },
    /// The level asked for is the top level: there is nothing to split into it.
    #[error("level `{level}` is the top level; it has no parent level to split")]
    NoParentLevel {
        /// The key asked for.
        level: String,
    },
    /// No zone has the code asked for.
    #[error("no zone has the code `{code}`")]
    UnknownZone {
        /// The code asked for.
        code: String,
    },
    /// The zone asked for lies below the level that is split, so it holds no parent to split.
    #[error("zone `{code}` is on level `{zone_level}`, not on or above `{parent_level}`")]
    ZoneTooLow {
        /// The zone's code.
        code: String,
        /// The zone's level.
        zone_level: String,
        /// The level whose zones would be split.
        parent_level: String,
    },
    /// The household bounds cannot be met by any district (min > max, or max = 0).
    #[error("household bounds {min}..{max} are empty")]
    EmptyBounds {
        /// The lower bound.
        min: u64,
        /// The upper bound.
        max: u64,
    },
    /// Renumbering the zones failed (a level is missing from the configuration).
    #[error("cannot number the new zones: {0}")]
    Codes(#[from] wangge_core::Error),
}

/// The crate's result type.
pub type Result<T> = std::result::Result<T, PartitionError>;
