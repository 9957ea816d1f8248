//! The core's error type: problems a caller can act on, each naming the thing at fault.

/// Everything the core can refuse.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A level key that the level configuration does not define.
    #[error("unknown zone level `{0}`; the configured levels are {1}")]
    UnknownLevel(String, String),
    /// A level configuration that cannot work (empty, duplicate keys, bad digit counts).
    #[error("invalid level configuration: {0}")]
    InvalidLevels(String),
    /// A value of an enumerated attribute that is not one of its known spellings.
    #[error("unknown {what} `{value}`; expected one of {expected}")]
    UnknownValue {
        /// Which attribute (tier, compound type, …).
        what: &'static str,
        /// The spelling that was given.
        value: String,
        /// The accepted spellings.
        expected: &'static str,
    },
    /// A reference from one record to another that does not exist.
    #[error("{from} refers to {to}, which does not exist")]
    DanglingReference {
        /// The record holding the reference.
        from: String,
        /// The missing target.
        to: String,
    },
    /// Records that break a rule of the domain (a building assigned twice on one level, …).
    #[error("{0}")]
    Invalid(String),
}

/// The core's result alias.
pub type Result<T, E = Error> = std::result::Result<T, E>;
