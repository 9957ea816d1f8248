//! The store's error type: each variant names the file or URL, table and row involved.

/// What can go wrong in a store.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// SQLite failed on a file.
    #[error("{path}: {context}: {source}")]
    Sqlite {
        /// The database file.
        path: String,
        /// What the store was doing.
        context: String,
        /// SQLite's error.
        #[source]
        source: rusqlite::Error,
    },
    /// The file exists but is not a wangge GeoPackage.
    #[error(
        "{path} is not a wangge GeoPackage ({reason}); create a new one with `wangge import` or `wangge demo`"
    )]
    NotOurs {
        /// The file.
        path: String,
        /// What is missing.
        reason: String,
    },
    /// The store was written by a newer wangge.
    #[error(
        "{location} has schema version {found}, newer than the {supported} this wangge understands; upgrade wangge (nothing was changed)"
    )]
    SchemaTooNew {
        /// The file or URL.
        location: String,
        /// The version found.
        found: u32,
        /// The newest version this build knows.
        supported: u32,
    },
    /// A stored value could not be read back.
    #[error("{location}: table {table}, row {id}: {problem}")]
    Corrupt {
        /// The file or URL.
        location: String,
        /// The table.
        table: String,
        /// The row id.
        id: i64,
        /// What is wrong with it.
        problem: String,
    },
    /// A change set broke a rule of the domain (a dangling reference, a duplicate id …).
    #[error("change refused: {0}")]
    Refused(#[from] wangge_core::Error),
    /// The backend cannot be reached right now; the request may succeed later.
    #[error("storage unavailable: {0}")]
    Unavailable(String),
    /// A plan was changed by someone else since the version the writer started from.
    #[error(
        "plan {plan} is at version {found}, not {expected}: someone else changed it; reload it and redo the change"
    )]
    Conflict {
        /// The plan.
        plan: wangge_core::Id,
        /// The version the writer expected.
        expected: u64,
        /// The version stored.
        found: u64,
    },
    /// A problem was moved by someone else since the state the step started from.
    #[error(
        "problem {problem} is {found}, not {expected}: someone else changed it; reload it and redo the step"
    )]
    StaleProblem {
        /// The problem.
        problem: wangge_core::Id,
        /// The state and level the step expected, e.g. `reported at the chief level`.
        expected: String,
        /// The state and level stored.
        found: String,
    },
    /// A problem that does not exist.
    #[error("there is no problem {0}")]
    NoProblem(wangge_core::Id),
    /// A plan that does not exist.
    #[error("there is no plan {0}")]
    NoPlan(wangge_core::Id),
    /// A background task failed.
    #[error("storage task failed: {0}")]
    Task(String),
}

/// The store's result alias.
pub type Result<T, E = Error> = std::result::Result<T, E>;
