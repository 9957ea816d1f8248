//! Who answers for what: every building and every street segment has exactly one responsible
//! street chief per chief level (居民街长 / 社区街长 / 街道街长). A chief's area is the union of what
//! they answer for.
//!
//! A chief with no level (a 小巷管家 where 街长制 levels are not used) works at the resident level.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::{Deserialize, Serialize};

use crate::model::{Chief, ChiefLevel, Id};
use crate::{Dataset, Error, Result};

/// What kind of thing a chief answers for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DutyKind {
    /// A building.
    Building,
    /// A street segment.
    Street,
}

impl DutyKind {
    /// The stable key, as stored and in CSV.
    pub fn key(self) -> &'static str {
        match self {
            DutyKind::Building => "building",
            DutyKind::Street => "street",
        }
    }

    /// Reads a key (`building` / `street`, or 楼栋 / 街巷).
    pub fn parse(text: &str) -> Option<DutyKind> {
        match text.trim() {
            "building" | "buildings" | "楼栋" => Some(DutyKind::Building),
            "street" | "streets" | "街巷" => Some(DutyKind::Street),
            _ => None,
        }
    }
}

/// One duty: chief `chief` answers for building or street `target` at `level`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Assignment {
    /// Building or street.
    pub kind: DutyKind,
    /// The building's or street segment's id.
    pub target: Id,
    /// The chief level the duty is on.
    pub level: ChiefLevel,
    /// The responsible chief.
    pub chief: Id,
    /// Set by a person (a planner's reassignment, or fixed in the roster): automatic assignment
    /// never moves it.
    pub fixed: bool,
}

/// What identifies a duty: there is one per kind, target and level.
pub type DutyKey = (DutyKind, Id, ChiefLevel);

impl Assignment {
    /// The duty's key.
    pub fn key(&self) -> DutyKey {
        (self.kind, self.target, self.level)
    }
}

/// The level a chief works at: their own, or resident when they have none.
pub fn chief_level(chief: &Chief) -> ChiefLevel {
    chief.level.unwrap_or(ChiefLevel::Resident)
}

/// Checks a set of assignments against the data: each names an existing chief of its level and an
/// existing building or street, and nothing is assigned twice on one level.
pub fn validate_assignments(data: &Dataset, assignments: &[Assignment]) -> Result<()> {
    let chiefs: HashMap<Id, &Chief> = data.chiefs.iter().map(|c| (c.id, c)).collect();
    let buildings: HashSet<Id> = data.buildings.iter().map(|b| b.id).collect();
    let streets: HashSet<Id> = data.streets.iter().map(|s| s.id).collect();
    let mut seen: HashSet<(DutyKind, Id, ChiefLevel)> = HashSet::new();
    for a in assignments {
        let what = format!("{} {} ({})", a.kind.key(), a.target, a.level.as_str());
        let Some(chief) = chiefs.get(&a.chief) else {
            return Err(Error::Invalid(format!(
                "{what} is assigned to chief {}, who is not on the roster",
                a.chief
            )));
        };
        if chief_level(chief) != a.level {
            return Err(Error::Invalid(format!(
                "{what} is assigned to {} ({}), who is a {} chief",
                chief.name,
                chief.id,
                chief_level(chief).as_str()
            )));
        }
        let exists = match a.kind {
            DutyKind::Building => buildings.contains(&a.target),
            DutyKind::Street => streets.contains(&a.target),
        };
        if !exists {
            return Err(Error::Invalid(format!("{what} does not exist")));
        }
        if !seen.insert((a.kind, a.target, a.level)) {
            return Err(Error::Invalid(format!("{what} is assigned twice")));
        }
    }
    Ok(())
}

/// The responsible chief of each building or street on one level.
pub fn responsible(
    assignments: &[Assignment],
    kind: DutyKind,
    level: ChiefLevel,
) -> BTreeMap<Id, Id> {
    assignments
        .iter()
        .filter(|a| a.kind == kind && a.level == level)
        .map(|a| (a.target, a.chief))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ChiefRole;
    use crate::{Building, LevelConfig, StreetClass, StreetSegment};
    use geo::{LineString, MultiPolygon, polygon};

    fn data() -> Dataset {
        let mut data = Dataset::new(LevelConfig::default());
        data.chiefs.push(Chief {
            id: 1,
            name: "王芳".into(),
            role: ChiefRole::Volunteer,
            phone: "13800000000".into(),
            community: None,
            level: None,
        });
        data.chiefs.push(Chief {
            id: 2,
            name: "李强".into(),
            role: ChiefRole::GridWorker,
            phone: "13800000001".into(),
            community: None,
            level: Some(ChiefLevel::Community),
        });
        data.buildings.push(Building {
            id: 10,
            source_id: None,
            name: None,
            address: None,
            compound: None,
            floors: 6,
            units: 2,
            households: 24,
            population: 60,
            height_m: None,
            estimated: false,
            geometry: MultiPolygon(vec![
                polygon![(x: 0.0, y: 0.0), (x: 1e-4, y: 0.0), (x: 1e-4, y: 1e-4)],
            ]),
        });
        data.streets.push(StreetSegment {
            id: 20,
            source_id: None,
            name: None,
            class: StreetClass::Lane,
            geometry: LineString::from(vec![(0.0, 0.0), (1e-3, 0.0)]),
        });
        data
    }

    fn duty(kind: DutyKind, target: Id, level: ChiefLevel, chief: Id) -> Assignment {
        Assignment {
            kind,
            target,
            level,
            chief,
            fixed: false,
        }
    }

    #[test]
    fn assignments_name_real_chiefs_of_their_level_once() {
        let data = data();
        let ok = [
            duty(DutyKind::Building, 10, ChiefLevel::Resident, 1),
            duty(DutyKind::Street, 20, ChiefLevel::Resident, 1),
            duty(DutyKind::Building, 10, ChiefLevel::Community, 2),
        ];
        validate_assignments(&data, &ok).expect("valid");
        let twice = [ok[0], duty(DutyKind::Building, 10, ChiefLevel::Resident, 1)];
        assert!(
            validate_assignments(&data, &twice)
                .expect_err("refused")
                .to_string()
                .contains("twice")
        );
        let wrong_level = [duty(DutyKind::Building, 10, ChiefLevel::Community, 1)];
        assert!(
            validate_assignments(&data, &wrong_level)
                .expect_err("refused")
                .to_string()
                .contains("resident chief")
        );
        let nobody = [duty(DutyKind::Street, 20, ChiefLevel::Resident, 9)];
        assert!(validate_assignments(&data, &nobody).is_err());
        let nothing = [duty(DutyKind::Street, 21, ChiefLevel::Resident, 1)];
        assert!(validate_assignments(&data, &nothing).is_err());
        assert_eq!(
            responsible(&ok, DutyKind::Building, ChiefLevel::Community),
            BTreeMap::from([(10, 2)])
        );
    }

    #[test]
    fn kinds_read_their_keys_in_both_languages() {
        assert_eq!(DutyKind::parse("楼栋"), Some(DutyKind::Building));
        assert_eq!(DutyKind::parse(" street "), Some(DutyKind::Street));
        assert_eq!(DutyKind::parse("lane"), None);
        assert_eq!(DutyKind::Street.key(), "street");
    }
}
