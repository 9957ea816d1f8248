//! The crate's error type: a caller's mistake fails with a message that says what is wrong and
//! what to do; imperfect data (a community without chiefs, a building too heavy for the band)
//! yields a result and says so in the report instead.

use wangge_core::{ChiefLevel, DutyKind, Id};

/// What can make a call into this crate fail outright.
#[derive(Debug, thiserror::Error)]
pub enum AssignError {
    /// An option is out of range (a negative weight, a spread outside 0–1, …).
    #[error("invalid option `{option}` = {value}: {expected}")]
    InvalidOption {
        /// The option's name, e.g. `spread`.
        option: &'static str,
        /// The value given, as text.
        value: String,
        /// What a valid value looks like.
        expected: &'static str,
    },
    /// The scope names a zone that is not in the data.
    #[error(
        "the scope zone {0} is not in the data; pass the id of an existing zone, or no scope to \
         assign everything"
    )]
    UnknownScope(Id),
    /// A chief's home community is not a zone of the data.
    #[error(
        "chief {name} ({chief}) has home community zone {zone}, which is not in the data; fix the \
         roster (set an existing community, or none for a chief who floats over the whole area)"
    )]
    UnknownHome {
        /// The chief's id.
        chief: Id,
        /// The chief's name.
        name: String,
        /// The zone id the roster gives.
        zone: Id,
    },
    /// No chief on the roster has this id.
    #[error("no chief on the roster has id {0}; pick a chief from the roster")]
    UnknownChief(Id),
    /// The chief asked for works at another level than the duty.
    #[error(
        "{name} ({chief}) is a {actual} chief ({actual_zh}) and cannot take a {wanted} duty \
         ({wanted_zh}); pick a {wanted} chief, or reassign the {actual} duties instead"
    )]
    WrongLevel {
        /// The chief's id.
        chief: Id,
        /// The chief's name.
        name: String,
        /// The chief's own level, in English.
        actual: &'static str,
        /// The chief's own level in Chinese.
        actual_zh: &'static str,
        /// The level of the duty, in English.
        wanted: &'static str,
        /// The level of the duty in Chinese.
        wanted_zh: &'static str,
    },
    /// A building or street segment to reassign does not exist.
    #[error("there is no {} with id {id}; check the ids (a deleted item cannot be reassigned)", kind.key())]
    UnknownTarget {
        /// Building or street.
        kind: DutyKind,
        /// The id asked for.
        id: Id,
    },
    /// Nothing to reassign.
    #[error("no targets given to reassign; name at least one building or street segment")]
    NoTargets,
    /// Chief areas need the community level to cut planning units.
    #[error("cannot draw chief areas: {0}")]
    Areas(String),
}

impl AssignError {
    pub(crate) fn wrong_level(chief: &wangge_core::Chief, wanted: ChiefLevel) -> Self {
        let actual = wangge_core::chief_level(chief);
        AssignError::WrongLevel {
            chief: chief.id,
            name: chief.name.clone(),
            actual: actual.name_en(),
            actual_zh: actual.name_zh(),
            wanted: wanted.name_en(),
            wanted_zh: wanted.name_zh(),
        }
    }
}

/// The crate's result type.
pub type Result<T> = std::result::Result<T, AssignError>;
