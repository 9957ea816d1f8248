//! The refusals every backend gives for users, worded once so that both say the same.

use wangge_core::{Id, Role, User};

use crate::{Error, Result};

/// A username that another user already has.
pub fn duplicate_username(username: &str) -> Error {
    Error::Refused(wangge_core::Error::Invalid(format!(
        "a user named `{username}` already exists; choose another username"
    )))
}

/// A user whose chief does not exist.
pub fn no_such_chief(username: &str, chief: Id) -> Error {
    Error::Refused(wangge_core::Error::DanglingReference {
        from: format!("user `{username}`"),
        to: format!("street chief {chief}"),
    })
}

/// An update of a user that is not stored.
pub fn no_such_user(id: Id) -> Error {
    Error::Refused(wangge_core::Error::Invalid(format!(
        "there is no user {id}"
    )))
}

/// A stored role key that this build does not know.
pub fn parse_role(location: &str, id: Id, key: &str) -> Result<Role> {
    Role::parse(key).map_err(|e| Error::Corrupt {
        location: location.to_string(),
        table: "users".into(),
        id,
        problem: e.to_string(),
    })
}

/// Checks a user before it is written: the core's rules, refused as a change is.
pub fn check(user: &User) -> Result<()> {
    user.validate().map_err(Error::Refused)
}
