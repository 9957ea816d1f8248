//! Zone levels as configuration: a city with two grid levels and one with three use the same code.

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// One level of the zone hierarchy, e.g. 社区 (community) or 二级网格 (secondary grid).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Level {
    /// Stable machine key, e.g. `community`.
    pub key: String,
    /// The Chinese name shown to users, e.g. `社区`.
    pub name_zh: String,
    /// The English name, e.g. `community`.
    pub name_en: String,
    /// How many digits this level appends to its parent's code.
    pub code_digits: u8,
    /// For a grid level drawn by households: how many each grid should hold. A grid level
    /// without a target copies its parent (one zone per parent, its outline), as the primary
    /// grid copies the community by default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub households: Option<HouseholdRange>,
}

/// How many households a grid should hold, `min..=max`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct HouseholdRange {
    /// The fewest.
    pub min: u64,
    /// The most.
    pub max: u64,
}

impl HouseholdRange {
    /// Reads `MIN..MAX` (e.g. `300..500`).
    pub fn parse(text: &str) -> Option<HouseholdRange> {
        let (min, max) = text.split_once("..")?;
        let min: u64 = min.trim().parse().ok()?;
        let max: u64 = max.trim().parse().ok()?;
        (min <= max && max > 0).then_some(HouseholdRange { min, max })
    }
}

impl std::fmt::Display for HouseholdRange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}..{}", self.min, self.max)
    }
}

/// The ordered list of levels, from the largest (district) to the smallest (micro-grid).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LevelConfig {
    /// Levels from top to bottom.
    pub levels: Vec<Level>,
}

impl Default for LevelConfig {
    /// 区 › 街道 › 社区 › 一级网格 › 二级网格 › 微网格, giving 6+3+3+2+3+3 = 20-digit codes at the
    /// bottom, the length CJ/T 349-2010 uses. The primary grid is the community (no target);
    /// secondary grids hold 300–500 households and micro-grids 30–80, common practice (DOMAIN.md).
    fn default() -> Self {
        let level =
            |key: &str, zh: &str, en: &str, digits: u8, households: Option<(u64, u64)>| Level {
                key: key.into(),
                name_zh: zh.into(),
                name_en: en.into(),
                code_digits: digits,
                households: households.map(|(min, max)| HouseholdRange { min, max }),
            };
        Self {
            levels: vec![
                level("district", "区", "district", 6, None),
                level("subdistrict", "街道", "sub-district", 3, None),
                level("community", "社区", "community", 3, None),
                level("primary", "一级网格", "primary grid", 2, None),
                level(
                    "secondary",
                    "二级网格",
                    "secondary grid",
                    3,
                    Some((300, 500)),
                ),
                level("micro", "微网格", "micro-grid", 3, Some((30, 80))),
            ],
        }
    }
}

impl LevelConfig {
    /// Checks that the configuration can be used: at least one level, unique keys, 1–12 digits each.
    pub fn validate(&self) -> Result<()> {
        if self.levels.is_empty() {
            return Err(Error::InvalidLevels("no levels are configured".into()));
        }
        for (i, level) in self.levels.iter().enumerate() {
            if level.key.trim().is_empty() {
                return Err(Error::InvalidLevels(format!(
                    "level {} has an empty key",
                    i + 1
                )));
            }
            if !(1..=12).contains(&level.code_digits) {
                return Err(Error::InvalidLevels(format!(
                    "level `{}` has code_digits = {}; use 1 to 12",
                    level.key, level.code_digits
                )));
            }
            if let Some(range) = level.households {
                if range.min > range.max || range.max == 0 {
                    return Err(Error::InvalidLevels(format!(
                        "level `{}` has a household target of {range}; write MIN..MAX with \
                         MIN ≤ MAX, e.g. 300..500",
                        level.key
                    )));
                }
                let community = self.levels.iter().position(|l| l.key == "community");
                if community.is_some_and(|c| i <= c) {
                    return Err(Error::InvalidLevels(format!(
                        "level `{}` has a household target, but communities and the levels \
                         above them are drawn by the government, not split by households; give \
                         targets to grid levels below the community",
                        level.key
                    )));
                }
            }
            if self.levels[..i].iter().any(|l| l.key == level.key) {
                return Err(Error::InvalidLevels(format!(
                    "level `{}` is defined twice",
                    level.key
                )));
            }
        }
        Ok(())
    }

    /// The position of a level, 0 being the top.
    pub fn index_of(&self, key: &str) -> Result<usize> {
        self.levels
            .iter()
            .position(|l| l.key == key)
            .ok_or_else(|| Error::UnknownLevel(key.to_string(), self.keys()))
    }

    /// The level with this key.
    pub fn get(&self, key: &str) -> Result<&Level> {
        self.index_of(key).map(|i| &self.levels[i])
    }

    /// The level keys, comma separated, for messages.
    pub fn keys(&self) -> String {
        self.levels
            .iter()
            .map(|l| l.key.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The level directly below `key`, if any.
    pub fn child_of(&self, key: &str) -> Option<&Level> {
        self.index_of(key).ok().and_then(|i| self.levels.get(i + 1))
    }

    /// The household target of a level, if it is drawn by households.
    pub fn target(&self, key: &str) -> Option<HouseholdRange> {
        self.get(key).ok().and_then(|l| l.households)
    }

    /// The level that holds communities, the one every grid must sit inside.
    pub fn community_key(&self) -> Option<&str> {
        self.levels
            .iter()
            .find(|l| l.key == "community")
            .map(|l| l.key.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_codes_are_twenty_digits_at_the_bottom() {
        let levels = LevelConfig::default();
        levels.validate().expect("default is valid");
        let digits: u32 = levels.levels.iter().map(|l| u32::from(l.code_digits)).sum();
        assert_eq!(digits, 20);
        assert_eq!(
            levels.child_of("community").map(|l| l.key.as_str()),
            Some("primary")
        );
        assert_eq!(levels.child_of("micro"), None);
    }

    #[test]
    fn grid_levels_carry_household_targets() {
        let mut levels = LevelConfig::default();
        assert_eq!(
            levels.target("secondary"),
            Some(HouseholdRange { min: 300, max: 500 })
        );
        assert_eq!(levels.target("primary"), None);
        // A city drawing primary grids inside its communities gives the level a target.
        levels.levels[3].households = HouseholdRange::parse("1000..2000");
        levels.validate().expect("a primary target is fine");
        levels.levels[2].households = HouseholdRange::parse("1000..2000");
        let message = levels.validate().expect_err("community target").to_string();
        assert!(message.contains("`community`"), "{message}");
        levels.levels[2].households = Some(HouseholdRange { min: 5, max: 1 });
        assert!(levels.validate().is_err());
        assert_eq!(HouseholdRange::parse("80..30"), None);
        assert_eq!(
            HouseholdRange::parse(" 30 .. 80 ").map(|r| r.to_string()),
            Some("30..80".into())
        );
    }

    #[test]
    fn duplicate_and_unknown_levels_are_named() {
        let mut levels = LevelConfig::default();
        levels.levels.push(levels.levels[0].clone());
        let message = levels.validate().expect_err("duplicate").to_string();
        assert!(message.contains("`district` is defined twice"), "{message}");
        let message = LevelConfig::default()
            .index_of("ward")
            .expect_err("unknown")
            .to_string();
        assert!(
            message.contains("ward") && message.contains("community"),
            "{message}"
        );
    }
}
