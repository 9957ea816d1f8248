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
}

/// The crate's result type.
pub type Result<T> = std::result::Result<T, PartitionError>;
