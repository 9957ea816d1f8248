//! Compound attributes: management (exact counts), type, colour tier, star rating and name.
//!
//! Management follows size, loosely: large estates tend to have a property company and small old
//! courtyards tend to have nobody. Type follows management, tier follows management, and stars
//! follow the tier, each by the weights in the settings.

use rand::Rng;
use wangge_core::{CompoundKind, Management, Tier};

use crate::names::Namer;
use crate::settings::CompoundSettings;

/// What the generator decides about one compound.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Traits {
    pub kind: CompoundKind,
    pub management: Management,
    pub tier: Tier,
    pub stars: u8,
    pub name: String,
}

/// Picks an index by weight.
pub(crate) fn pick(weights: &[f64], rng: &mut impl Rng) -> usize {
    let total: f64 = weights.iter().sum();
    let mut x = rng.random_range(0.0..total.max(f64::MIN_POSITIVE));
    for (i, w) in weights.iter().enumerate() {
        if x < *w {
            return i;
        }
        x -= w;
    }
    weights.len().saturating_sub(1)
}

/// Decides the traits of compounds with these areas (m²), in the same order.
pub(crate) fn traits(
    areas: &[f64],
    settings: &CompoundSettings,
    rng: &mut impl Rng,
    namer: &mut Namer,
) -> Vec<Traits> {
    // Rank by log-area plus noise; the top `full` get full management, the bottom `none` none.
    let mut order: Vec<(f64, usize)> = areas
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let noise: f64 = (0..3).map(|_| rng.random_range(-0.5..0.5)).sum();
            (a.max(1.0).ln() + 1.2 * noise, i)
        })
        .collect();
    order.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut management = vec![Management::Partial; areas.len()];
    for (rank, (_, i)) in order.iter().enumerate() {
        management[*i] = if rank < settings.full {
            Management::Full
        } else if rank < settings.full + settings.partial {
            Management::Partial
        } else {
            Management::None
        };
    }

    let mut out: Vec<Traits> = management
        .into_iter()
        .map(|m| {
            let (kinds, tiers) = match m {
                Management::Full => (&settings.kinds_full, &settings.tiers_full),
                Management::Partial => (&settings.kinds_partial, &settings.tiers_partial),
                Management::None => (&settings.kinds_none, &settings.tiers_none),
            };
            let kind = [
                CompoundKind::Commercial,
                CompoundKind::Resettlement,
                CompoundKind::WorkUnit,
                CompoundKind::Mixed,
            ][pick(kinds, rng)];
            let tier = [Tier::Green, Tier::Yellow, Tier::Red][pick(tiers, rng)];
            Traits {
                kind,
                management: m,
                tier,
                stars: 0,
                name: name(kind, rng, namer),
            }
        })
        .collect();

    // The map is meant to show all three colours: if chance left one out, give it to the
    // least-managed compounds (searching from the end, so the two fixes never collide).
    for tier in [Tier::Red, Tier::Yellow] {
        if !out.iter().any(|t| t.tier == tier) {
            let worst = |m: Management| {
                out.iter()
                    .rposition(|t| t.management == m && t.tier == Tier::Green)
            };
            if let Some(i) = worst(Management::None)
                .or_else(|| worst(Management::Partial))
                .or_else(|| worst(Management::Full))
            {
                out[i].tier = tier;
            }
        }
    }
    for t in &mut out {
        let weights: [f64; 5] = match t.tier {
            Tier::Green => [0.0, 0.04, 0.2, 0.46, 0.3],
            Tier::Yellow => [0.06, 0.26, 0.44, 0.2, 0.04],
            Tier::Red => [0.3, 0.42, 0.24, 0.04, 0.0],
        };
        t.stars = 1 + pick(&weights, rng) as u8;
    }
    out
}

fn name(kind: CompoundKind, rng: &mut impl Rng, namer: &mut Namer) -> String {
    fn one<'a>(words: &[&'a str], rng: &mut impl Rng) -> &'a str {
        words[rng.random_range(0..words.len())]
    }
    match kind {
        CompoundKind::Commercial => {
            let ending = one(
                &[
                    "花园", "苑", "公馆", "雅居", "名苑", "华庭", "嘉园", "小区", "府", "新城",
                ],
                rng,
            );
            namer.with_ending(ending)
        }
        CompoundKind::Resettlement => {
            namer.with_ending(one(&["新村", "家园", "安居小区", "还建小区"], rng))
        }
        CompoundKind::WorkUnit => {
            let ending = one(&["家属院", "宿舍", "职工宿舍", "家属区"], rng);
            while let Some(unit) = namer.work_unit() {
                if let Some(name) = namer.claim(format!("{unit}{ending}")) {
                    return name;
                }
            }
            namer.with_ending("大院")
        }
        CompoundKind::Mixed => namer.with_ending(one(&["小区", "大院", "楼院", "片区"], rng)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::DemoSettings;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn management_counts_are_exact_and_all_tiers_appear() {
        let settings = DemoSettings::builtin().compounds;
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        let mut namer = Namer::new(&mut rng);
        let areas: Vec<f64> = (0..settings.count)
            .map(|i| 2_000.0 + 37.0 * i as f64)
            .collect();
        let t = traits(&areas, &settings, &mut rng, &mut namer);
        let count = |m: Management| t.iter().filter(|x| x.management == m).count();
        assert_eq!(count(Management::Full), settings.full);
        assert_eq!(count(Management::Partial), settings.partial);
        assert_eq!(count(Management::None), settings.none);
        for tier in Tier::ALL {
            assert!(t.iter().any(|x| x.tier == *tier), "{tier} is missing");
        }
        assert!(t.iter().all(|x| (1..=5).contains(&x.stars)));
        let names: std::collections::BTreeSet<_> = t.iter().map(|x| &x.name).collect();
        assert_eq!(names.len(), t.len());
    }

    #[test]
    fn a_missing_tier_is_filled_in() {
        let mut settings = DemoSettings::builtin().compounds;
        settings.tiers_full = [1.0, 0.0, 0.0];
        settings.tiers_partial = [1.0, 0.0, 0.0];
        settings.tiers_none = [1.0, 0.0, 0.0];
        let mut rng = ChaCha8Rng::seed_from_u64(12);
        let mut namer = Namer::new(&mut rng);
        let t = traits(&vec![5_000.0; 267], &settings, &mut rng, &mut namer);
        let red: Vec<_> = t.iter().filter(|x| x.tier == Tier::Red).collect();
        assert_eq!(red.len(), 1);
        assert_eq!(red[0].management, Management::None);
        assert_eq!(t.iter().filter(|x| x.tier == Tier::Yellow).count(), 1);
    }
}
