//! Automatic assignment on the demo sub-district (2,039 buildings, 1,229 street segments, 143
//! chiefs: 3 sub-district, 10 community, 130 resident): coverage, balance, walkability,
//! determinism, and how little moves when the roster or a boundary changes.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use geo::{BooleanOps, Distance, Euclidean, InteriorPoint, Intersects};
use wangge_assign::{
    AssignError, AssignOptions, Assigned, MoveReason, assign, chief_areas, reassign, workloads,
};
use wangge_core::{
    Assignment, ChiefLevel, Dataset, DutyKind, Id, area_m2, chief_level, responsible,
    validate_assignments,
};
use wangge_demo::{DemoSettings, generate};

fn demo() -> Dataset {
    generate(&DemoSettings::builtin())
}

fn run(data: &Dataset, previous: &[Assignment]) -> Assigned {
    assign(data, previous, &AssignOptions::default()).expect("assigned")
}

/// The home community of each chief.
fn homes(data: &Dataset) -> HashMap<Id, Option<Id>> {
    data.chiefs.iter().map(|c| (c.id, c.community)).collect()
}

/// The community zone holding the most resident chiefs, and those chiefs by id.
fn busiest_community(data: &Dataset) -> (Id, Vec<Id>) {
    let mut by: BTreeMap<Id, Vec<Id>> = BTreeMap::new();
    for c in &data.chiefs {
        if chief_level(c) == ChiefLevel::Resident
            && let Some(home) = c.community
        {
            by.entry(home).or_default().push(c.id);
        }
    }
    by.into_iter()
        .max_by_key(|(id, chiefs)| (chiefs.len(), -id))
        .expect("the demo has resident chiefs")
}

fn code(data: &Dataset, zone: Id) -> String {
    data.zones
        .iter()
        .find(|z| z.id == zone)
        .map(|z| z.code.clone())
        .expect("zone exists")
}

#[test]
fn a_fresh_run_gives_every_item_one_chief_per_level_balanced_and_walkable() {
    let data = demo();
    let done = run(&data, &[]);
    validate_assignments(&data, &done.assignments).expect("valid assignments");
    let (nb, ns) = (data.buildings.len(), data.streets.len());
    assert_eq!(done.assignments.len(), 3 * (nb + ns));
    for level in ChiefLevel::ALL {
        assert_eq!(
            responsible(&done.assignments, DutyKind::Building, *level).len(),
            nb,
            "{level}"
        );
        assert_eq!(
            responsible(&done.assignments, DutyKind::Street, *level).len(),
            ns,
            "{level}"
        );
    }
    let report = &done.report;
    assert!(report.unassigned.is_empty());
    assert!(report.skipped_levels.is_empty());
    assert_eq!(report.move_counts.new_item, 3 * (nb + ns));
    assert_eq!(report.move_counts.total(), 3 * (nb + ns));

    // Territories: a community each for resident and community chiefs; the three sub-district
    // chiefs, whose homes are communities, share the sub-district.
    let count = |level| {
        report
            .territories
            .iter()
            .filter(|t| t.level == level)
            .count()
    };
    assert_eq!(count(ChiefLevel::Resident), 10);
    assert_eq!(count(ChiefLevel::Community), 10);
    let sub: Vec<_> = report
        .territories
        .iter()
        .filter(|t| t.level == ChiefLevel::SubDistrict)
        .collect();
    assert_eq!(sub.len(), 1);
    assert_eq!(sub[0].chiefs, 3);
    assert_eq!(sub[0].items, nb + ns);
    assert!(
        data.chiefs
            .iter()
            .filter(|c| chief_level(c) == ChiefLevel::SubDistrict)
            .all(|c| c.community.is_some())
    );

    // Balance, recomputed independently of the report: every resident chief within ±25 % of the
    // mean of their community (the plain mean: no demo building outweighs the band).
    let loads = workloads(
        &data,
        &done.assignments,
        ChiefLevel::Resident,
        &Default::default(),
        0.25,
    );
    assert_eq!(loads.len(), 130);
    let mut per_territory: HashMap<&str, (f64, usize)> = HashMap::new();
    for l in &loads {
        let t = per_territory.entry(l.territory.as_str()).or_default();
        t.0 += l.workload;
        t.1 += 1;
    }
    for l in &loads {
        let (sum, n) = per_territory[l.territory.as_str()];
        let mean = sum / n as f64;
        assert!((l.mean - mean).abs() < 1e-6 * mean, "{l:?}");
        let deviation = (l.workload - mean) / mean;
        assert!(
            deviation.abs() <= 0.25,
            "{} is {:.1} % off",
            l.name,
            deviation * 100.0
        );
        assert!(l.within_band && !l.oversized);
    }
    // What is achieved: no resident chief more than 20 % off, the whole report in the band.
    let resident = report
        .levels
        .iter()
        .find(|l| l.level == ChiefLevel::Resident)
        .expect("resident level");
    assert!(resident.max_abs_deviation <= 0.20, "{resident:?}");
    assert!(report.chiefs.iter().all(|c| c.load.within_band));
    assert!(report.levels.iter().all(|l| l.within_band == l.chiefs));

    // Walkable: the assignment cuts no chief into more pieces than their territory is in
    // (4 communities hold small islands reachable only over another community's streets), and
    // at least 95 % of the chiefs are in one piece.
    for l in &report.levels {
        assert_eq!(l.extra_pieces, 0, "{l:?}");
    }
    let one_piece = report.chiefs.iter().filter(|c| c.pieces == 1).count();
    assert!(
        one_piece * 100 >= 95 * report.chiefs.len(),
        "{one_piece} of {}",
        report.chiefs.len()
    );
    let inherent: usize = report
        .territories
        .iter()
        .map(|t| t.pieces.saturating_sub(1))
        .sum();
    let extra: usize = report
        .chiefs
        .iter()
        .map(|c| c.pieces.saturating_sub(1))
        .sum();
    assert!(extra <= inherent, "{extra} > {inherent}");
    assert!(resident.mean_compactness >= 0.75, "{resident:?}");

    // The text and JSON forms.
    let text = report.to_string();
    assert!(text.contains("Territories") && text.contains("Chiefs"));
    assert!(text.contains(&data.chiefs[20].name));
    let json = serde_json::to_value(report).expect("serialises");
    assert_eq!(json["chiefs"].as_array().map(Vec::len), Some(143));
    assert_eq!(json["move_counts"]["new_item"], 3 * (nb + ns));
    assert!(json["chiefs"][0]["within_band"].is_boolean());
}

#[test]
fn the_same_seed_gives_the_same_result_and_another_seed_may_differ() {
    let data = demo();
    let a = run(&data, &[]);
    let b = run(&data, &[]);
    assert_eq!(a.assignments, b.assignments);
    assert_eq!(a.report.moves, b.report.moves);
    assert_eq!(a.report.chiefs, b.report.chiefs);
    let other = assign(
        &data,
        &[],
        &AssignOptions {
            seed: 7,
            ..AssignOptions::default()
        },
    )
    .expect("assigned");
    assert_ne!(a.assignments, other.assignments);
    assert!(other.report.chiefs.iter().all(|c| c.load.within_band));
}

#[test]
fn a_rerun_on_its_own_result_moves_nothing() {
    let data = demo();
    let first = run(&data, &[]);
    let again = run(&data, &first.assignments);
    assert_eq!(
        again.report.move_counts.total(),
        0,
        "{:?}",
        again.report.moves
    );
    assert!(again.report.moves.is_empty());
    assert_eq!(again.assignments, first.assignments);
}

#[test]
fn when_a_chief_leaves_only_their_items_and_rebalancing_in_their_community_move() {
    let data = demo();
    let first = run(&data, &[]);
    let (community, chiefs) = busiest_community(&data);
    let leaving = chiefs[0];
    let theirs: BTreeSet<(DutyKind, Id)> = first
        .assignments
        .iter()
        .filter(|a| a.level == ChiefLevel::Resident && a.chief == leaving)
        .map(|a| (a.kind, a.target))
        .collect();
    assert!(!theirs.is_empty());

    let mut after = data.clone();
    after.chiefs.retain(|c| c.id != leaving);
    let second = run(&after, &first.assignments);
    validate_assignments(&after, &second.assignments).expect("valid");
    assert_eq!(second.assignments.len(), first.assignments.len());
    let here = code(&data, community);
    for m in &second.report.moves {
        assert_eq!(m.level, ChiefLevel::Resident, "{m:?}");
        assert_eq!(m.territory, here, "{m:?}");
        match m.reason {
            MoveReason::ChiefLeft => {
                assert_eq!(m.from, Some(leaving));
                assert!(theirs.contains(&(m.kind, m.target)));
            }
            MoveReason::Rebalance => assert_ne!(m.from, Some(leaving)),
            other => panic!("unexpected move {other}: {m:?}"),
        }
    }
    let counts = second.report.move_counts;
    println!("chief {leaving} left: {counts:?}");
    assert_eq!(counts.chief_left, theirs.len());
    assert_eq!(counts.new_item + counts.territory_changed, 0);
    // Rebalancing stays a fraction of the community.
    let items_here = second
        .report
        .territories
        .iter()
        .find(|t| t.level == ChiefLevel::Resident && t.code == here)
        .map(|t| t.items)
        .expect("territory");
    assert!(counts.rebalance * 2 < items_here, "{counts:?}");
    // Nothing outside the community moved.
    let home = homes(&data);
    let before: HashMap<(DutyKind, Id, ChiefLevel), Id> = first
        .assignments
        .iter()
        .map(|a| ((a.kind, a.target, a.level), a.chief))
        .collect();
    for a in &second.assignments {
        let was = before[&(a.kind, a.target, a.level)];
        if a.level != ChiefLevel::Resident || home[&was] != Some(community) {
            assert_eq!(a.chief, was, "{a:?}");
        }
    }
    assert!(second.report.chiefs.iter().all(|c| c.load.within_band));
    assert!(second.report.levels.iter().all(|l| l.extra_pieces == 0));
}

#[test]
fn moving_a_compound_to_another_community_moves_only_its_items_and_rebalancing_there() {
    let data = demo();
    let first = run(&data, &[]);
    let community_level = data.levels.community_key().expect("community level");
    let communities: Vec<usize> = data
        .zones
        .iter()
        .enumerate()
        .filter(|(_, z)| z.level == community_level)
        .map(|(i, _)| i)
        .collect();
    // The compound of some community A nearest to another community B.
    let (compound, a, b) = data
        .compounds
        .iter()
        .filter_map(|c| {
            let p = c.geometry.interior_point()?;
            let a = *communities
                .iter()
                .find(|&&z| data.zones[z].geometry.intersects(&p))?;
            communities
                .iter()
                .filter(|&&z| z != a)
                .map(|&z| (Euclidean.distance(&data.zones[z].geometry, &c.geometry), z))
                .min_by(|x, y| x.0.total_cmp(&y.0))
                .map(|(d, b)| (d, c, a, b))
        })
        .min_by(|x, y| x.0.total_cmp(&y.0))
        .map(|(_, c, a, b)| (c, a, b))
        .expect("compounds lie in communities");
    let mut changed = data.clone();
    changed.zones[a].geometry = data.zones[a].geometry.difference(&compound.geometry);
    changed.zones[b].geometry = data.zones[b].geometry.union(&compound.geometry);
    let (a_id, b_id) = (data.zones[a].id, data.zones[b].id);
    let (a_code, b_code) = (data.zones[a].code.clone(), data.zones[b].code.clone());

    let second = run(&changed, &first.assignments);
    validate_assignments(&changed, &second.assignments).expect("valid");
    println!(
        "compound {} moved from {} to {}: {:?}",
        compound.code, data.zones[a].code, data.zones[b].code, second.report.move_counts
    );
    let home = homes(&data);
    // Its buildings now belong to chiefs of B, at both levels that work in communities.
    let buildings: Vec<Id> = data
        .buildings
        .iter()
        .filter(|x| x.compound == Some(compound.id))
        .map(|x| x.id)
        .collect();
    assert!(!buildings.is_empty());
    for level in [ChiefLevel::Resident, ChiefLevel::Community] {
        let now = responsible(&second.assignments, DutyKind::Building, level);
        for x in &buildings {
            assert_eq!(home[&now[x]], Some(b_id), "building {x} at {level}");
        }
    }
    let mut changed_items: BTreeMap<ChiefLevel, BTreeSet<(DutyKind, Id)>> = BTreeMap::new();
    for m in &second.report.moves {
        assert_ne!(m.level, ChiefLevel::SubDistrict, "{m:?}");
        assert!(
            m.territory == a_code || m.territory == b_code,
            "{m:?} A {a_code} B {b_code} moves {:?}",
            second.report.move_counts
        );
        match m.reason {
            MoveReason::TerritoryChanged => {
                assert_eq!(m.from.map(|c| home[&c]), Some(Some(a_id)), "{m:?}");
                assert_eq!(home[&m.to], Some(b_id), "{m:?}");
                changed_items
                    .entry(m.level)
                    .or_default()
                    .insert((m.kind, m.target));
            }
            MoveReason::Rebalance => assert_eq!(m.level, ChiefLevel::Resident, "{m:?}"),
            other => panic!("unexpected move {other}: {m:?}"),
        }
    }
    // The same items changed community at both levels, the compound's buildings among them.
    let resident = changed_items
        .get(&ChiefLevel::Resident)
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        Some(&resident),
        changed_items.get(&ChiefLevel::Community),
        "{changed_items:?}"
    );
    for x in &buildings {
        assert!(resident.contains(&(DutyKind::Building, *x)));
    }
    // Everything outside A and B is untouched.
    let before: HashMap<(DutyKind, Id, ChiefLevel), Id> = first
        .assignments
        .iter()
        .map(|x| ((x.kind, x.target, x.level), x.chief))
        .collect();
    for x in &second.assignments {
        let was = before[&(x.kind, x.target, x.level)];
        let touched = x.level != ChiefLevel::SubDistrict
            && (home[&was] == Some(a_id) || home[&was] == Some(b_id));
        if !touched {
            assert_eq!(x.chief, was, "{x:?}");
        }
    }
    assert!(second.report.chiefs.iter().all(|c| c.load.within_band));
}

#[test]
fn fixed_assignments_survive_even_when_they_unbalance() {
    let data = demo();
    let first = run(&data, &[]);
    let (_, chiefs) = busiest_community(&data);
    let (keeper, others) = (chiefs[0], &chiefs[1..3]);
    let targets: Vec<Id> = first
        .assignments
        .iter()
        .filter(|a| {
            a.level == ChiefLevel::Resident
                && a.kind == DutyKind::Building
                && others.contains(&a.chief)
        })
        .map(|a| a.target)
        .collect();
    let manual = reassign(
        &data,
        &first.assignments,
        DutyKind::Building,
        &targets,
        ChiefLevel::Resident,
        keeper,
    )
    .expect("a resident chief takes resident duties");
    assert_eq!(manual.len(), first.assignments.len());
    validate_assignments(&data, &manual).expect("valid");
    // Live figures show the imbalance at once.
    let live = workloads(
        &data,
        &manual,
        ChiefLevel::Resident,
        &Default::default(),
        0.25,
    );
    let k = live.iter().find(|l| l.chief == keeper).expect("keeper");
    assert!(k.deviation > 0.25 && !k.within_band, "{k:?}");

    let again = run(&data, &manual);
    validate_assignments(&data, &again.assignments).expect("valid");
    for t in &targets {
        let a = again
            .assignments
            .iter()
            .find(|a| {
                a.level == ChiefLevel::Resident && a.kind == DutyKind::Building && a.target == *t
            })
            .expect("assigned");
        assert_eq!((a.chief, a.fixed), (keeper, true));
    }
    assert!(
        again
            .report
            .moves
            .iter()
            .all(|m| !targets.contains(&m.target) || m.kind != DutyKind::Building)
    );
    let report = again.report.chief(keeper).expect("keeper in the report");
    assert!(!report.load.within_band);
    assert_eq!(report.fixed, targets.len());
    let note = report.note.clone().unwrap_or_default();
    assert!(note.contains("fixed"), "{note}");
    // A third run changes nothing.
    let third = run(&data, &again.assignments);
    assert_eq!(third.report.move_counts.total(), 0);
}

#[test]
fn manual_reassignment_refuses_what_it_cannot_do_and_says_why() {
    let data = demo();
    let community_chief = data
        .chiefs
        .iter()
        .find(|c| chief_level(c) == ChiefLevel::Community)
        .expect("community chief");
    let building = data.buildings[0].id;
    let wrong = reassign(
        &data,
        &[],
        DutyKind::Building,
        &[building],
        ChiefLevel::Resident,
        community_chief.id,
    )
    .expect_err("a community chief cannot take a resident duty");
    assert!(matches!(wrong, AssignError::WrongLevel { .. }));
    let message = wrong.to_string();
    assert!(
        message.contains(&community_chief.name)
            && message.contains("community chief")
            && message.contains("pick a resident chief"),
        "{message}"
    );
    let nobody = reassign(
        &data,
        &[],
        DutyKind::Building,
        &[building],
        ChiefLevel::Resident,
        999_999,
    )
    .expect_err("unknown chief");
    assert!(nobody.to_string().contains("999999"), "{nobody}");
    let resident = data
        .chiefs
        .iter()
        .find(|c| chief_level(c) == ChiefLevel::Resident)
        .expect("resident");
    let missing = reassign(
        &data,
        &[],
        DutyKind::Street,
        &[-5],
        ChiefLevel::Resident,
        resident.id,
    )
    .expect_err("unknown street");
    assert!(
        missing.to_string().contains("no street with id -5"),
        "{missing}"
    );
    assert!(matches!(
        reassign(
            &data,
            &[],
            DutyKind::Street,
            &[],
            ChiefLevel::Resident,
            resident.id
        ),
        Err(AssignError::NoTargets)
    ));
    // Accepted: replaces the existing duty and marks it fixed.
    let existing = [Assignment {
        kind: DutyKind::Building,
        target: building,
        level: ChiefLevel::Resident,
        chief: data.chiefs[20].id,
        fixed: false,
    }];
    let done = reassign(
        &data,
        &existing,
        DutyKind::Building,
        &[building],
        ChiefLevel::Resident,
        resident.id,
    )
    .expect("accepted");
    assert_eq!(
        done,
        vec![Assignment {
            chief: resident.id,
            fixed: true,
            ..existing[0]
        }]
    );
}

#[test]
fn a_community_without_chiefs_is_served_by_its_neighbours_and_reported() {
    let mut data = demo();
    let (community, chiefs) = busiest_community(&data);
    data.chiefs.retain(|c| !chiefs.contains(&c.id));
    let done = run(&data, &[]);
    validate_assignments(&data, &done.assignments).expect("valid");
    let report = &done.report;
    assert_eq!(
        responsible(&done.assignments, DutyKind::Building, ChiefLevel::Resident).len(),
        data.buildings.len()
    );
    let here = code(&data, community);
    assert!(
        !report
            .territories
            .iter()
            .any(|t| t.level == ChiefLevel::Resident && t.code == here)
    );
    // Every item of that community went to a resident chief of another community, and is
    // counted as outside that chief's home.
    let orphaned = report
        .territories
        .iter()
        .find(|t| t.level == ChiefLevel::Community && t.code == here)
        .map(|t| t.items)
        .expect("the community chief's territory");
    let outside: usize = report
        .territories
        .iter()
        .filter(|t| t.level == ChiefLevel::Resident)
        .map(|t| t.outside_home)
        .sum();
    assert!(outside >= orphaned, "{outside} < {orphaned}");
    assert!(
        report
            .chiefs
            .iter()
            .filter(|c| c.load.level == ChiefLevel::Resident)
            .any(|c| c.outside_home > 10)
    );
    assert!(report.chiefs.iter().all(|c| c.load.within_band));
}

#[test]
fn a_scoped_run_touches_nothing_outside_its_zone() {
    let data = demo();
    let first = run(&data, &[]);
    let (community, chiefs) = busiest_community(&data);
    let leaving = chiefs[0];
    let mut after = data.clone();
    after.chiefs.retain(|c| c.id != leaving);
    // Scope: another community. The leaving chief's items lie outside it: left unassigned.
    let other = data
        .zones
        .iter()
        .find(|z| z.level == "community" && z.id != community)
        .expect("another community");
    let options = AssignOptions {
        scope: Some(other.id),
        ..AssignOptions::default()
    };
    let scoped = assign(&after, &first.assignments, &options).expect("assigned");
    validate_assignments(&after, &scoped.assignments).expect("valid");
    assert_eq!(scoped.report.move_counts.total(), 0);
    let theirs = first
        .assignments
        .iter()
        .filter(|a| a.chief == leaving)
        .count();
    assert_eq!(scoped.report.unassigned.len(), theirs);
    assert!(
        scoped
            .report
            .unassigned
            .iter()
            .all(|u| u.reason.contains("scope"))
    );
    assert_eq!(scoped.assignments.len(), first.assignments.len() - theirs);
    assert_eq!(scoped.report.scope.as_deref(), Some(other.code.as_str()));
    // Scoped to the right community, everything is assigned again.
    let options = AssignOptions {
        scope: Some(community),
        ..AssignOptions::default()
    };
    let fixed = assign(&after, &first.assignments, &options).expect("assigned");
    assert!(fixed.report.unassigned.is_empty());
    assert_eq!(fixed.report.move_counts.chief_left, theirs);
    // A zone that does not exist is refused.
    let unknown = assign(
        &after,
        &[],
        &AssignOptions {
            scope: Some(-1),
            ..AssignOptions::default()
        },
    )
    .expect_err("unknown scope");
    assert!(unknown.to_string().contains("scope zone -1"), "{unknown}");
}

#[test]
fn options_and_rosters_that_cannot_work_are_refused_with_a_reason() {
    let data = demo();
    let bad = assign(
        &data,
        &[],
        &AssignOptions {
            spread: 0.0,
            ..AssignOptions::default()
        },
    )
    .expect_err("no band");
    assert!(bad.to_string().contains("spread"), "{bad}");
    let mut broken = data.clone();
    broken.chiefs[5].community = Some(123_456);
    let err = assign(&broken, &[], &AssignOptions::default()).expect_err("unknown home");
    assert!(
        err.to_string().contains("123456") && err.to_string().contains(&broken.chiefs[5].name),
        "{err}"
    );
}

#[test]
fn chief_areas_tile_the_communities_without_overlap() {
    let data = demo();
    let done = run(&data, &[]);
    let areas = chief_areas(&data, &done.assignments, ChiefLevel::Resident).expect("areas");
    assert_eq!(areas.len(), 130);
    let communities: f64 = data
        .zones
        .iter()
        .filter(|z| z.level == "community")
        .map(|z| area_m2(&z.geometry))
        .sum();
    let total: f64 = areas.iter().map(|a| a.area_m2).sum();
    assert!(
        (total - communities).abs() < 0.01 * communities,
        "{total} vs {communities}"
    );
    let connected = areas.iter().filter(|a| a.parts == 1).count();
    assert!(connected * 10 >= areas.len() * 8, "{connected} of 130");
    let mean_pp = areas.iter().map(|a| a.polsby_popper).sum::<f64>() / areas.len() as f64;
    assert!(mean_pp > 0.25, "{mean_pp}");
}

#[test]
fn chiefs_without_a_home_float_over_the_whole_area() {
    let mut data = demo();
    for c in &mut data.chiefs {
        if chief_level(c) == ChiefLevel::Resident {
            c.community = None;
        }
    }
    let done = run(&data, &[]);
    validate_assignments(&data, &done.assignments).expect("valid");
    let resident: Vec<_> = done
        .report
        .territories
        .iter()
        .filter(|t| t.level == ChiefLevel::Resident)
        .collect();
    assert_eq!(resident.len(), 1);
    assert_eq!(resident[0].code, "*");
    assert_eq!(resident[0].chiefs, 130);
    assert_eq!(resident[0].items, data.buildings.len() + data.streets.len());
    assert_eq!(resident[0].outside_home, 0);
    assert!(done.report.chiefs.iter().all(|c| c.load.within_band));
    assert!(done.report.levels.iter().all(|l| l.extra_pieces == 0));
}

#[test]
fn a_new_chief_takes_work_from_their_own_community_only() {
    let data = demo();
    let first = run(&data, &[]);
    let (community, _) = busiest_community(&data);
    let mut after = data.clone();
    let id = after.next_ids().chief;
    let mut newcomer = after
        .chiefs
        .iter()
        .find(|c| c.community == Some(community) && chief_level(c) == ChiefLevel::Resident)
        .cloned()
        .expect("a resident chief there");
    newcomer.id = id;
    newcomer.name = "新街长".into();
    newcomer.phone = "10008719999".into();
    after.chiefs.push(newcomer);
    let second = run(&after, &first.assignments);
    validate_assignments(&after, &second.assignments).expect("valid");
    let here = code(&data, community);
    let counts = second.report.move_counts;
    println!("a chief joined {here}: {counts:?}");
    assert!(counts.rebalance > 0);
    assert_eq!(counts.total(), counts.rebalance);
    assert!(
        second
            .report
            .moves
            .iter()
            .all(|m| m.level == ChiefLevel::Resident && m.territory == here)
    );
    let joined = second.report.chief(id).expect("in the report");
    assert!(joined.load.within_band, "{joined:?}");
    assert!(joined.load.buildings + joined.load.streets > 0);
    assert!(second.report.chiefs.iter().all(|c| c.load.within_band));
}

#[test]
fn a_problem_inside_a_building_goes_to_its_chief_and_the_zones_around_it() {
    use geo::{Contains, Point};
    use wangge_core::Atlas;
    use wangge_core::problems::route;
    let mut data = demo();
    data.duties = run(&data, &[]).assignments;
    let atlas = Atlas::new(data.clone());
    let chiefs = responsible(&data.duties, DutyKind::Building, ChiefLevel::Resident);
    let mut checked = 0;
    for b in data.buildings.iter().step_by(37) {
        let p: Point<f64> = b.geometry.interior_point().expect("a point inside");
        let routing = route(&atlas, p);
        assert_eq!(routing.building, Some(b.id), "building {}", b.id);
        assert_eq!(
            routing.chief,
            chiefs.get(&b.id).copied(),
            "building {}",
            b.id
        );
        assert!(routing.chief.is_some(), "every demo building has a chief");
        let community = data
            .zones
            .iter()
            .find(|z| z.level == "community" && z.geometry.contains(&p))
            .expect("the demo's communities cover its buildings");
        assert_eq!(routing.community.as_deref(), Some(community.code.as_str()));
        // Without grids drawn, the lowest zone containing the point is the community itself.
        assert_eq!(routing.grid, routing.community);
        let subdistrict = data
            .zones
            .iter()
            .find(|z| z.level == "subdistrict")
            .expect("a sub-district");
        assert_eq!(
            routing.subdistrict.as_deref(),
            Some(subdistrict.code.as_str())
        );
        if b.compound.is_some() {
            assert_eq!(routing.compound, b.compound, "building {}", b.id);
        }
        checked += 1;
    }
    assert!(checked > 50, "{checked}");
}
