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
}

/// The ordered list of levels, from the largest (district) to the smallest (micro-grid).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LevelConfig {
    /// Levels from top to bottom.
    pub levels: Vec<Level>,
}

impl Default for LevelConfig {
    /// 区 › 街道 › 社区 › 一级网格 › 二级网格 › 微网格, giving 6+3+3+2+3+3 = 20-digit codes at the
    /// bottom, the length CJ/T 349-2010 uses.
    fn default() -> Self {
        let level = |key: &str, zh: &str, en: &str, digits: u8| Level {
            key: key.into(),
            name_zh: zh.into(),
            name_en: en.into(),
            code_digits: digits,
        };
        Self {
            levels: vec![
                level("district", "区", "district", 6),
                level("subdistrict", "街道", "sub-district", 3),
                level("community", "社区", "community", 3),
                level("primary", "一级网格", "primary grid", 2),
                level("secondary", "二级网格", "secondary grid", 3),
                level("micro", "微网格", "micro-grid", 3),
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
