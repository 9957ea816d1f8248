//! Street chiefs: fictional people with common Chinese names, the roles the reports list, fake
//! phone numbers and a home community; and the partner departments (联动部门) of the key streets,
//! each with a fictional contact.

use std::collections::BTreeSet;

use rand::Rng;
use wangge_core::{
    Chief, ChiefLevel, ChiefRole, Department, Id, StreetClass, StreetPartner, StreetSegment,
};

use crate::compounds::pick;

/// Common surnames, most frequent first, with rough weights from their share of the population.
const SURNAMES: &[(&str, f64)] = &[
    ("王", 7.1),
    ("李", 7.0),
    ("张", 6.7),
    ("刘", 5.4),
    ("陈", 4.5),
    ("杨", 3.1),
    ("黄", 2.2),
    ("赵", 2.0),
    ("吴", 1.9),
    ("周", 1.9),
    ("徐", 1.4),
    ("孙", 1.4),
    ("马", 1.3),
    ("朱", 1.2),
    ("胡", 1.1),
    ("郭", 1.1),
    ("何", 1.1),
    ("高", 1.0),
    ("林", 1.0),
    ("罗", 0.9),
    ("郑", 0.9),
    ("梁", 0.8),
    ("谢", 0.7),
    ("宋", 0.7),
    ("唐", 0.7),
    ("许", 0.6),
    ("韩", 0.6),
    ("冯", 0.6),
    ("邓", 0.6),
    ("曹", 0.6),
    ("彭", 0.5),
    ("曾", 0.5),
    ("肖", 0.5),
    ("田", 0.5),
    ("董", 0.5),
    ("袁", 0.5),
    ("潘", 0.4),
    ("于", 0.4),
    ("蒋", 0.4),
    ("蔡", 0.4),
    ("余", 0.4),
    ("杜", 0.4),
    ("叶", 0.4),
    ("程", 0.4),
    ("苏", 0.4),
    ("魏", 0.4),
    ("吕", 0.4),
    ("丁", 0.4),
    ("任", 0.3),
    ("沈", 0.3),
    ("姚", 0.3),
    ("卢", 0.3),
    ("姜", 0.3),
    ("崔", 0.3),
    ("钟", 0.3),
    ("谭", 0.3),
    ("陆", 0.3),
    ("汪", 0.3),
    ("范", 0.3),
    ("金", 0.3),
    ("石", 0.3),
    ("廖", 0.3),
    ("段", 0.3),
    ("普", 0.1),
    ("杞", 0.05),
    ("者", 0.05),
];

/// Characters common in given names.
const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明",
    "超", "霞", "平", "刚", "桂", "英", "华", "红", "玉", "兰", "建", "国", "文", "辉", "琳", "燕",
    "斌", "云", "鹏", "海", "波", "萍", "雪", "梅", "林", "宇", "晨", "欣", "怡", "浩", "嘉", "婷",
    "春", "秀", "志", "荣", "丹", "莉", "颖", "俊", "峰", "凤", "亮", "琴", "成", "德", "昆", "蓉",
];

/// Roles of resident street chiefs, with weights.
const RESIDENT_ROLES: &[(ChiefRole, f64)] = &[
    (ChiefRole::GridWorker, 0.22),
    (ChiefRole::BuildingHead, 0.22),
    (ChiefRole::Volunteer, 0.2),
    (ChiefRole::PropertyManager, 0.12),
    (ChiefRole::SecurityChief, 0.1),
    (ChiefRole::PartySecretary, 0.08),
    (ChiefRole::UrbanManagement, 0.04),
    (ChiefRole::Police, 0.02),
];

/// Generates `count` chiefs: `subdistrict_level` at the sub-district level, one per community at
/// the community level, and the rest resident chiefs spread over communities by `weights` (their
/// compound counts). `communities` are the community zone ids; ids start at 1.
pub(crate) fn chiefs(
    count: usize,
    subdistrict_level: usize,
    communities: &[Id],
    weights: &[f64],
    rng: &mut impl Rng,
) -> Vec<Chief> {
    let mut names = BTreeSet::new();
    let mut phones = BTreeSet::new();
    let mut out = Vec::with_capacity(count);
    let residents = count.saturating_sub(subdistrict_level + communities.len());
    let mut plan: Vec<(ChiefLevel, usize)> = Vec::with_capacity(count);
    for i in 0..subdistrict_level {
        plan.push((ChiefLevel::SubDistrict, i % communities.len().max(1)));
    }
    for c in 0..communities.len() {
        plan.push((ChiefLevel::Community, c));
    }
    for (c, n) in apportion(residents, weights).into_iter().enumerate() {
        plan.extend(std::iter::repeat_n((ChiefLevel::Resident, c), n));
    }
    for (k, (level, c)) in plan.into_iter().enumerate() {
        let role = match level {
            ChiefLevel::SubDistrict => [
                ChiefRole::PartySecretary,
                ChiefRole::UrbanManagement,
                ChiefRole::Police,
            ][k % 3],
            ChiefLevel::Community => {
                if rng.random_bool(0.6) {
                    ChiefRole::PartySecretary
                } else {
                    ChiefRole::GridWorker
                }
            }
            ChiefLevel::Resident => {
                let w: Vec<f64> = RESIDENT_ROLES.iter().map(|(_, w)| *w).collect();
                RESIDENT_ROLES[pick(&w, rng)].0
            }
        };
        out.push(Chief {
            id: k as Id + 1,
            name: unique(&mut names, || name(rng)),
            role,
            phone: unique(&mut phones, || phone(rng)),
            community: communities.get(c).copied(),
            level: Some(level),
        });
    }
    out
}

/// How many key streets (重点街道) get partner departments: Yucheng ran 街长制 on 11.
const KEY_STREETS: usize = 11;

/// The departments every key street has, as in Yucheng's "3 + 8" model (market supervision, law
/// enforcement, police …), with what they do there.
const EVERY_KEY_STREET: &[(Department, &str)] = &[
    (Department::MarketSupervision, "沿街商铺、流动摊贩"),
    (Department::LawEnforcement, "占道经营、乱停乱放"),
    (Department::Police, "治安巡逻"),
];

/// One more department per key street, in turn.
const IN_TURN: &[(Department, &str)] = &[
    (Department::Sanitation, "道路保洁"),
    (Department::FireRescue, "消防通道"),
    (Department::Housing, "老旧小区改造"),
    (Department::Health, "餐饮卫生"),
    (Department::Emergency, "汛期排涝"),
];

/// Partner departments for the key streets: the named main roads first, then collector streets,
/// up to [`KEY_STREETS`], in the order the segments come (so the same streets for the same
/// plan). Each gets the three departments of every key street and one more in turn, with a
/// fictional contact and a fake phone; ids start at 1.
pub(crate) fn partners(streets: &[StreetSegment], rng: &mut impl Rng) -> Vec<StreetPartner> {
    let mut key: Vec<&str> = Vec::new();
    for class in [StreetClass::Arterial, StreetClass::Collector] {
        for s in streets.iter().filter(|s| s.class == class) {
            if let Some(name) = s.name.as_deref()
                && !key.contains(&name)
                && key.len() < KEY_STREETS
            {
                key.push(name);
            }
        }
    }
    let mut names = BTreeSet::new();
    let mut phones = BTreeSet::new();
    let mut out = Vec::new();
    for (i, street) in key.into_iter().enumerate() {
        for &(department, note) in EVERY_KEY_STREET
            .iter()
            .chain(std::iter::once(&IN_TURN[i % IN_TURN.len()]))
        {
            out.push(StreetPartner {
                id: out.len() as Id + 1,
                street: street.to_string(),
                department,
                department_name: None,
                contact: unique(&mut names, || name(rng)),
                phone: unique(&mut phones, || phone(rng)),
                note: Some(note.to_string()),
            });
        }
    }
    out
}

fn unique(seen: &mut BTreeSet<String>, mut make: impl FnMut() -> String) -> String {
    loop {
        let s = make();
        if seen.insert(s.clone()) {
            return s;
        }
    }
}

/// A full name: a surname and one or two given-name characters (two more often, as among people
/// born since the 1970s).
pub(crate) fn name(rng: &mut impl Rng) -> String {
    let weights: Vec<f64> = SURNAMES.iter().map(|(_, w)| *w).collect();
    let surname = SURNAMES[pick(&weights, rng)].0;
    let first = GIVEN[rng.random_range(0..GIVEN.len())];
    if rng.random_bool(0.3) {
        format!("{surname}{first}")
    } else {
        let second = GIVEN[rng.random_range(0..GIVEN.len())];
        format!("{surname}{first}{second}")
    }
}

/// An eleven-digit number shaped like a mobile number, but beginning `100`, a prefix no carrier
/// uses, followed by Kunming's area code 0871: it cannot reach anybody.
pub(crate) fn phone(rng: &mut impl Rng) -> String {
    format!("1000871{:04}", rng.random_range(0..10_000))
}

/// Splits `total` into parts proportional to `weights` (largest remainder), summing to `total`.
pub(crate) fn apportion(total: usize, weights: &[f64]) -> Vec<usize> {
    let sum: f64 = weights.iter().sum();
    if weights.is_empty() {
        return Vec::new();
    }
    if sum <= 0.0 {
        let mut even = vec![total / weights.len(); weights.len()];
        for part in even.iter_mut().take(total % weights.len()) {
            *part += 1;
        }
        return even;
    }
    let exact: Vec<f64> = weights.iter().map(|w| total as f64 * w / sum).collect();
    let mut parts: Vec<usize> = exact.iter().map(|x| x.floor() as usize).collect();
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by(|&a, &b| {
        (exact[b] - exact[b].floor())
            .total_cmp(&(exact[a] - exact[a].floor()))
            .then(a.cmp(&b))
    });
    let short = total.saturating_sub(parts.iter().sum());
    for &i in order.iter().cycle().take(short) {
        parts[i] += 1;
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn chiefs_have_unique_names_fake_phones_and_homes() {
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let communities: Vec<Id> = (3..13).collect();
        let weights: Vec<f64> = (1..=10).map(f64::from).collect();
        let chiefs = chiefs(143, 3, &communities, &weights, &mut rng);
        assert_eq!(chiefs.len(), 143);
        let names: BTreeSet<_> = chiefs.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names.len(), 143);
        for c in &chiefs {
            let chars = c.name.chars().count();
            assert!((2..=3).contains(&chars), "{}", c.name);
            assert_eq!(c.phone.len(), 11);
            assert!(c.phone.starts_with("1000871"));
            assert!(c.community.is_some_and(|z| communities.contains(&z)));
        }
        let at = |l: ChiefLevel| chiefs.iter().filter(|c| c.level == Some(l)).count();
        assert_eq!(at(ChiefLevel::SubDistrict), 3);
        assert_eq!(at(ChiefLevel::Community), 10);
        assert_eq!(at(ChiefLevel::Resident), 130);
    }

    #[test]
    fn apportion_sums_to_the_total() {
        assert_eq!(apportion(10, &[1.0, 1.0, 1.0]), vec![4, 3, 3]);
        assert_eq!(apportion(7, &[0.0, 0.0]), vec![4, 3]);
        assert_eq!(apportion(130, &[5.0, 20.0, 1.0]).iter().sum::<usize>(), 130);
    }
}
