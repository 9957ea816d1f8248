//! The demo crate's error type: settings that cannot be read or cannot work.

/// Everything the demo generator can refuse. Generation itself cannot fail once the settings are
/// valid; only reading and checking the settings can.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// The settings text is not valid TOML, or does not have the expected fields.
    #[error("demo settings are not valid: {0}")]
    Parse(#[from] toml::de::Error),
    /// A setting has a value the generator cannot work with.
    #[error("demo setting `{field}` is not usable: {reason}")]
    Invalid {
        /// The setting, as a TOML path such as `compounds.full`.
        field: &'static str,
        /// What is wrong and what would work.
        reason: String,
    },
}

/// The demo crate's result alias.
pub type Result<T, E = DemoError> = std::result::Result<T, E>;
