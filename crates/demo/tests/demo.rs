//! The demo sub-district's promises, checked on the generated dataset: determinism, the Huashan
//! counts, exact tiling of communities, buildings inside their compounds and apart, compounds
//! inside one community each, named streets, valid references and codes.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use geo::{BooleanOps, BoundingRect, Contains, Intersects, MultiPolygon, Rect};
use proptest::prelude::*;
use wangge_core::{ChiefLevel, Dataset, Department, Management, StreetClass, Tier, Zone, area_m2};
use wangge_demo::{DemoSettings, generate};

/// The default demo, generated once for all tests.
fn demo() -> &'static Dataset {
    static DEMO: OnceLock<Dataset> = OnceLock::new();
    DEMO.get_or_init(|| generate(&DemoSettings::builtin()))
}

fn zones<'a>(data: &'a Dataset, level: &str) -> Vec<&'a Zone> {
    data.zones.iter().filter(|z| z.level == level).collect()
}

fn subdistrict(data: &Dataset) -> &Zone {
    let found = zones(data, "subdistrict");
    assert_eq!(found.len(), 1, "one sub-district");
    found[0]
}

/// Communities tile the sub-district: their areas add up to its area and no two overlap, both
/// within 0.01 %.
fn assert_communities_tile(data: &Dataset) {
    let sub = subdistrict(data);
    let total = area_m2(&sub.geometry);
    let communities = zones(data, "community");
    let sum: f64 = communities.iter().map(|c| area_m2(&c.geometry)).sum();
    assert!(
        ((sum - total) / total).abs() < 1e-4,
        "communities cover {sum} m² of {total} m²"
    );
    for (i, a) in communities.iter().enumerate() {
        assert_eq!(a.parent, Some(sub.id));
        for b in &communities[i + 1..] {
            let overlap = area_m2(&a.geometry.intersection(&b.geometry));
            assert!(
                overlap / total < 1e-4,
                "{} and {} overlap by {overlap} m²",
                a.name,
                b.name
            );
        }
    }
}

/// Every building with a compound lies inside it, and no two buildings touch.
fn assert_buildings_fit(data: &Dataset) {
    let compounds: std::collections::HashMap<_, _> =
        data.compounds.iter().map(|c| (c.id, c)).collect();
    for b in &data.buildings {
        if let Some(id) = b.compound {
            let c = compounds.get(&id).expect("the compound exists");
            assert!(
                c.geometry.contains(&b.geometry),
                "building {} is not inside compound {}",
                b.id,
                c.name
            );
        }
    }
    // Sweep over the buildings' boxes from west to east; only boxes that overlap need the exact
    // test.
    let mut boxes: Vec<(Rect<f64>, &MultiPolygon<f64>, i64)> = data
        .buildings
        .iter()
        .map(|b| {
            (
                b.geometry.bounding_rect().expect("not empty"),
                &b.geometry,
                b.id,
            )
        })
        .collect();
    boxes.sort_by(|a, b| a.0.min().x.total_cmp(&b.0.min().x));
    for (i, (ra, ga, ia)) in boxes.iter().enumerate() {
        for (rb, gb, ib) in &boxes[i + 1..] {
            if rb.min().x > ra.max().x {
                break;
            }
            if rb.min().y > ra.max().y || rb.max().y < ra.min().y {
                continue;
            }
            assert!(!ga.intersects(*gb), "buildings {ia} and {ib} overlap");
        }
    }
}

/// Every compound lies inside exactly one community.
fn assert_compounds_in_one_community(data: &Dataset) {
    let communities = zones(data, "community");
    for c in &data.compounds {
        let holders: Vec<_> = communities
            .iter()
            .filter(|z| z.geometry.contains(&c.geometry))
            .collect();
        assert_eq!(
            holders.len(),
            1,
            "compound {} lies in {} communities",
            c.name,
            holders.len()
        );
        assert!(
            c.code.starts_with(&holders[0].code) && c.code.len() == holders[0].code.len() + 4,
            "compound code {} under community {}",
            c.code,
            holders[0].code
        );
    }
}

#[test]
fn the_same_seed_gives_the_same_dataset_and_another_seed_another_city() {
    let settings = DemoSettings::builtin();
    let again = generate(&settings);
    assert!(again == *demo(), "two runs with one seed differ");
    let mut other = settings.clone();
    other.seed += 1;
    let other = generate(&other);
    assert_ne!(other.streets, demo().streets);
    assert_ne!(subdistrict(&other).geometry, subdistrict(demo()).geometry);
}

#[test]
fn counts_match_huashan() {
    let data = demo();
    let settings = DemoSettings::builtin();
    assert_eq!(zones(data, "district").len(), 1);
    assert_eq!(zones(data, "community").len(), 10);
    let n = data.compounds.len() as f64;
    assert!((n - 267.0).abs() <= 267.0 * 0.05, "{n} compounds");
    let managed = |m: Management| data.compounds.iter().filter(|c| c.management == m).count();
    assert_eq!(
        (
            managed(Management::Full),
            managed(Management::Partial),
            managed(Management::None)
        ),
        (66, 123, 78)
    );
    assert_eq!(data.chiefs.len(), settings.chiefs.count);
    let tiers: Vec<usize> = Tier::ALL
        .iter()
        .map(|t| data.compounds.iter().filter(|c| c.tier == *t).count())
        .collect();
    assert!(tiers.iter().all(|n| *n > 0), "tiers {tiers:?}");
    assert!(
        tiers[0] > tiers[1] && tiers[1] > tiers[2],
        "mostly green, a few red: {tiers:?}"
    );
    let residents: u64 = data.buildings.iter().map(|b| u64::from(b.population)).sum();
    let target = f64::from(settings.people.residents);
    assert!(
        (residents as f64 - target).abs() <= target * 0.1,
        "{residents} residents"
    );
    let buildings = data.buildings.len();
    assert!(
        (1_500..=5_000).contains(&buildings),
        "{buildings} buildings"
    );
    assert!(
        data.compounds
            .iter()
            .all(|c| c.stars.is_some_and(|s| (1..=5).contains(&s)))
    );
}

#[test]
fn unmanaged_compounds_are_more_often_yellow_or_red() {
    let data = demo();
    let share = |m: Management| {
        let of: Vec<_> = data
            .compounds
            .iter()
            .filter(|c| c.management == m)
            .collect();
        of.iter().filter(|c| c.tier != Tier::Green).count() as f64 / of.len() as f64
    };
    assert!(share(Management::None) > share(Management::Full));
}

#[test]
fn communities_tile_the_subdistrict() {
    assert_communities_tile(demo());
}

#[test]
fn the_subdistrict_is_about_four_square_kilometres_near_kunming() {
    let data = demo();
    let sub = subdistrict(data);
    let km2 = area_m2(&sub.geometry) / 1e6;
    assert!((3.5..=4.5).contains(&km2), "{km2} km²");
    let r = sub.geometry.bounding_rect().expect("not empty");
    assert!((102.6..102.8).contains(&r.center().x) && (24.95..25.15).contains(&r.center().y));
    let district = zones(data, "district")[0];
    assert_eq!(sub.parent, Some(district.id));
    assert!(district.geometry.contains(&sub.geometry));
}

#[test]
fn buildings_stand_inside_their_compounds_and_apart() {
    assert_buildings_fit(demo());
}

#[test]
fn every_compound_lies_in_exactly_one_community() {
    assert_compounds_in_one_community(demo());
}

#[test]
fn every_compound_has_homes_and_public_buildings_have_none() {
    let data = demo();
    for c in &data.compounds {
        let homes = data
            .buildings
            .iter()
            .filter(|b| b.compound == Some(c.id) && b.households > 0)
            .count();
        assert!(homes > 0, "compound {} has no homes", c.name);
    }
    let outside: Vec<_> = data
        .buildings
        .iter()
        .filter(|b| b.compound.is_none())
        .collect();
    assert!(
        outside.len() > 100,
        "{} buildings outside compounds",
        outside.len()
    );
    assert!(
        outside
            .iter()
            .all(|b| b.households == 0 && b.population == 0)
    );
    for b in &data.buildings {
        assert!(!b.estimated);
        assert!(b.floors >= 1 && b.floors <= 33);
        assert_eq!(b.source_id, Some(format!("demo-b-{:06}", b.id)));
        if b.households > 0 {
            assert!(b.units >= 1);
            assert!(b.population >= 1);
        }
    }
    // Towers and walk-ups both appear.
    assert!(
        data.buildings
            .iter()
            .any(|b| b.floors >= 18 && b.households > 0)
    );
    assert!(
        data.buildings
            .iter()
            .any(|b| (5..=7).contains(&b.floors) && b.households > 0)
    );
}

#[test]
fn streets_are_named_lines_of_every_class() {
    let data = demo();
    for s in &data.streets {
        assert!(
            s.name.as_deref().is_some_and(|n| !n.is_empty()),
            "street {} has no name",
            s.id
        );
        assert!(s.geometry.0.len() >= 2);
        let name = s.name.as_deref().unwrap_or_default();
        let ending_fits = match s.class {
            StreetClass::Arterial | StreetClass::Collector => name.ends_with('路'),
            StreetClass::Local => name.ends_with('街'),
            StreetClass::Lane | StreetClass::Footway => name.ends_with('巷'),
        };
        assert!(ending_fits, "{name} is a {}", s.class);
    }
    for class in [
        StreetClass::Arterial,
        StreetClass::Collector,
        StreetClass::Local,
        StreetClass::Lane,
    ] {
        assert!(data.streets.iter().any(|s| s.class == class), "no {class}");
    }
}

#[test]
fn references_codes_and_totals_hold() {
    let data = demo();
    data.check_references().expect("references are valid");
    let sub = subdistrict(data);
    assert_eq!(zones(data, "district")[0].code, "530199");
    assert_eq!(sub.code, "530199003");
    let codes: BTreeSet<_> = zones(data, "community")
        .iter()
        .map(|z| z.code.clone())
        .collect();
    assert_eq!(codes.len(), 10);
    assert!(
        codes
            .iter()
            .all(|c| c.len() == 12 && c.starts_with("530199003"))
    );
    let households: u64 = data.buildings.iter().map(|b| u64::from(b.households)).sum();
    assert_eq!(sub.totals.households, households);
    assert_eq!(sub.totals.buildings, data.buildings.len() as u64);
    assert_eq!(sub.totals.compounds, data.compounds.len() as u64);
    // Every building is counted in exactly one community.
    let in_communities: u64 = zones(data, "community")
        .iter()
        .map(|z| z.totals.buildings)
        .sum();
    assert_eq!(in_communities, data.buildings.len() as u64);
}

#[test]
fn chiefs_are_fictional_people_with_homes() {
    let data = demo();
    let communities: BTreeSet<_> = zones(data, "community").iter().map(|z| z.id).collect();
    let names: BTreeSet<_> = data.chiefs.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names.len(), data.chiefs.len());
    let roles: BTreeSet<_> = data.chiefs.iter().map(|c| c.role).collect();
    assert!(roles.len() >= 5, "{roles:?}");
    for c in &data.chiefs {
        assert!(c.community.is_some_and(|z| communities.contains(&z)));
        assert!(c.phone.starts_with("100") && c.phone.len() == 11);
    }
    let at = |l: ChiefLevel| data.chiefs.iter().filter(|c| c.level == Some(l)).count();
    assert_eq!(at(ChiefLevel::Community), 10);
    assert_eq!(at(ChiefLevel::SubDistrict), 3);
}

#[test]
fn key_streets_have_partner_departments() {
    let data = demo();
    let streets: BTreeSet<&str> = data.partners.iter().map(|p| p.street.as_str()).collect();
    assert_eq!(streets.len(), 11, "{streets:?}");
    // Every key street has market supervision, law enforcement and the police, and one more.
    for street in &streets {
        let on = wangge_core::partners_of(&data.partners, street);
        assert_eq!(on.len(), 4, "{street}");
        assert_eq!(
            &on.iter().map(|p| p.department).collect::<Vec<_>>()[..3],
            &[
                Department::MarketSupervision,
                Department::LawEnforcement,
                Department::Police
            ]
        );
        assert!(
            on.iter()
                .all(|p| !p.contact.is_empty() && p.phone.starts_with("100"))
        );
    }
    // The main roads come first.
    let arterial: BTreeSet<&str> = data
        .streets
        .iter()
        .filter(|s| s.class == StreetClass::Arterial)
        .filter_map(|s| s.name.as_deref())
        .collect();
    assert!(arterial.iter().all(|a| streets.contains(a)), "{arterial:?}");
    wangge_core::validate_partners(data, &data.partners).expect("valid partners");
}

#[test]
fn other_settings_keep_their_promises() {
    // The densest settings accepted, and a small sub-district with a single community.
    for (area_km2, communities, count, full, partial) in
        [(2.0, 5, 300, 80, 120), (0.6, 1, 30, 8, 12)]
    {
        let mut settings = DemoSettings::builtin();
        settings.place.area_km2 = area_km2;
        settings.place.communities = communities;
        settings.compounds.count = count;
        settings.compounds.full = full;
        settings.compounds.partial = partial;
        settings.compounds.none = count - full - partial;
        settings.chiefs.count = 20;
        settings.validate().expect("the settings are valid");
        let data = generate(&settings);
        assert_eq!(zones(&data, "community").len(), communities);
        assert_eq!(data.compounds.len(), count);
        let none = data
            .compounds
            .iter()
            .filter(|c| c.management == Management::None)
            .count();
        assert_eq!(none, count - full - partial);
        assert_eq!(data.chiefs.len(), 20);
        data.check_references().expect("references are valid");
        assert_communities_tile(&data);
        assert_buildings_fit(&data);
        assert_compounds_in_one_community(&data);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 4, ..ProptestConfig::default() })]

    /// The geometric invariants hold for any seed, not just the shipped one.
    #[test]
    fn any_seed_gives_a_valid_subdistrict(seed in any::<u64>()) {
        let mut settings = DemoSettings::builtin();
        settings.seed = seed;
        let data = generate(&settings);
        prop_assert_eq!(data.compounds.len(), 267);
        data.check_references().expect("references are valid");
        assert_communities_tile(&data);
        assert_buildings_fit(&data);
        assert_compounds_in_one_community(&data);
    }
}

#[test]
fn visit_targets_are_the_red_compounds_a_few_buildings_and_a_handful_of_households() {
    let data = demo();
    let settings = DemoSettings::builtin();
    let targets = wangge_demo::visit_targets(data, &settings);
    assert_eq!(targets, wangge_demo::visit_targets(data, &settings));
    let red: Vec<_> = data
        .compounds
        .iter()
        .filter(|c| c.tier == wangge_core::Tier::Red)
        .map(|c| wangge_core::KeyPlace::Compound(c.id))
        .collect();
    let places: Vec<_> = targets.key_sites.iter().map(|k| k.place).collect();
    assert!(!red.is_empty());
    assert_eq!(&places[..red.len()], &red[..]);
    assert_eq!(places.len(), red.len() + 6);
    assert!(targets.key_sites.iter().all(|k| !k.reason.is_empty()));
    let households: u32 = data.buildings.iter().map(|b| b.households).sum();
    assert_eq!(targets.vulnerable.len(), (households / 400) as usize);
    for h in &targets.vulnerable {
        let b = data
            .buildings
            .iter()
            .find(|b| b.id == h.building)
            .expect("the household's building");
        assert!(b.households > 0, "{h:?}");
    }
}
