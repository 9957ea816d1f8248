//! The checks and refusals every backend gives for visit targets and visits, worded once so that
//! both say the same.

use std::collections::HashSet;

use wangge_core::{KeyPlace, KeySite, VisitTarget, VulnerableHousehold};

use crate::{Error, Result};

fn refused(message: String) -> Error {
    Error::Refused(wangge_core::Error::Invalid(message))
}

/// Refuses a key-site list naming a place twice.
pub fn check_key_sites(sites: &[KeySite]) -> Result<()> {
    let mut seen = HashSet::new();
    for site in sites {
        if !seen.insert(site.place) {
            return Err(refused(format!(
                "{} is a key site twice",
                place(site.place)
            )));
        }
    }
    Ok(())
}

/// Refuses a household list naming a door of a building twice, or a door left empty.
pub fn check_vulnerable(households: &[VulnerableHousehold]) -> Result<()> {
    let mut seen = HashSet::new();
    for h in households {
        if h.door.trim().is_empty() {
            return Err(refused(format!(
                "a vulnerable household in building {} has no door",
                h.building
            )));
        }
        if !seen.insert((h.building, h.door.as_str())) {
            return Err(refused(format!(
                "building {} door {} is listed twice",
                h.building, h.door
            )));
        }
    }
    Ok(())
}

/// A place in words.
pub fn place(place: KeyPlace) -> String {
    match place {
        KeyPlace::Compound(id) => format!("compound {id}"),
        KeyPlace::Building(id) => format!("building {id}"),
    }
}

/// A key site or household whose place does not exist.
pub fn no_such_place(what: &str, place: String) -> Error {
    Error::Refused(wangge_core::Error::DanglingReference {
        from: what.to_string(),
        to: place,
    })
}

/// A visit of a target that is not on the lists (or a building without households).
pub fn no_such_target(target: VisitTarget) -> Error {
    refused(format!(
        "a visit names {} {}, which is not a key site, a vulnerable household or a building with households",
        target.kind_key(),
        target.id()
    ))
}

/// A visit by a chief who is not on the roster.
pub fn no_such_chief(chief: wangge_core::Id) -> Error {
    Error::Refused(wangge_core::Error::DanglingReference {
        from: "a visit".into(),
        to: format!("street chief {chief}"),
    })
}
