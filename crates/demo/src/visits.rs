//! The demo's visit targets: key sites (every red compound and a few buildings) and a handful of
//! vulnerable households, drawn from their own random stream so that nothing else in the demo
//! moves.

use rand::Rng;
use rand::seq::SliceRandom;
use wangge_core::{
    Dataset, KeyPlace, KeySite, Targets, Tier, VulnerableCategory, VulnerableHousehold,
};

use crate::people;

/// Why a red compound is key, in turn.
const COMPOUND_REASONS: &[&str] = &[
    "出租屋集中，流动人口多",
    "群租隐患整治中",
    "消防通道长期占用",
    "治安案件多发",
];

/// Why a building is key, drawn at random.
const BUILDING_REASONS: &[&str] = &[
    "底商餐饮集中，油烟与消防隐患",
    "在建加装电梯工地",
    "老旧楼栋，外墙脱落风险",
    "临街小作坊",
];

/// Key buildings besides the red compounds.
const KEY_BUILDINGS: usize = 6;
/// One vulnerable household for about this many households.
const HOUSEHOLDS_PER_VULNERABLE: u32 = 400;

/// The demo's key sites and vulnerable households for `data` (ids of households left at 0).
pub(crate) fn targets(data: &Dataset, rng: &mut impl Rng) -> Targets {
    let mut key_sites: Vec<KeySite> = data
        .compounds
        .iter()
        .filter(|c| c.tier == Tier::Red)
        .enumerate()
        .map(|(i, c)| KeySite {
            place: KeyPlace::Compound(c.id),
            reason: COMPOUND_REASONS[i % COMPOUND_REASONS.len()].to_string(),
        })
        .collect();
    let red: std::collections::HashSet<_> = key_sites.iter().map(|k| k.place).collect();
    let mut lived_in: Vec<_> = data
        .buildings
        .iter()
        .filter(|b| b.households > 0)
        .filter(|b| {
            b.compound
                .is_none_or(|c| !red.contains(&KeyPlace::Compound(c)))
        })
        .collect();
    lived_in.sort_by_key(|b| b.id);
    lived_in.shuffle(rng);
    for b in lived_in.iter().take(KEY_BUILDINGS) {
        key_sites.push(KeySite {
            place: KeyPlace::Building(b.id),
            reason: BUILDING_REASONS[rng.random_range(0..BUILDING_REASONS.len())].to_string(),
        });
    }
    let total: u32 = data.buildings.iter().map(|b| b.households).sum();
    let wanted = (total / HOUSEHOLDS_PER_VULNERABLE).max(1) as usize;
    let mut homes: Vec<_> = data.buildings.iter().filter(|b| b.households > 0).collect();
    homes.sort_by_key(|b| b.id);
    homes.shuffle(rng);
    let categories = VulnerableCategory::ALL;
    let mut vulnerable: Vec<VulnerableHousehold> = homes
        .iter()
        .take(wanted)
        .map(|b| {
            let unit = rng.random_range(1..=b.units.max(1));
            let floor = rng.random_range(1..=b.floors.max(1));
            let room = rng.random_range(1..=2);
            let category = categories[rng.random_range(0..categories.len())];
            let contact = rng
                .random_bool(0.8)
                .then(|| format!("{} {}", people::name(rng), people::phone(rng)));
            VulnerableHousehold {
                id: 0,
                building: b.id,
                door: format!("{unit}-{floor}0{room}"),
                category,
                contact,
            }
        })
        .collect();
    vulnerable.sort_by(|a, b| (a.building, &a.door).cmp(&(b.building, &b.door)));
    Targets {
        key_sites,
        vulnerable,
    }
}
