//! The planner's edits on generated sub-districts (the demo and a second city), split into secondary grids and micro-grids:
//! each edit does what it says, refuses what would break an invariant, and after any sequence of
//! random edits the invariants still hold.

use std::collections::{BTreeSet, HashSet};
use std::sync::OnceLock;

use geo::{InteriorPoint, Intersects};
use proptest::prelude::*;
use wangge_core::{Dataset, Id, Zone};
use wangge_demo::{DemoSettings, generate};
use wangge_partition::{
    Bounds, Edit, EditError, PartitionRequest, SplitOptions, Targets, apply_edit, check,
    family_report, partition,
};

/// The demo with secondary grids and micro-grids, made once.
fn planned() -> &'static Dataset {
    static PLANNED: OnceLock<Dataset> = OnceLock::new();
    PLANNED.get_or_init(|| plan_city(&DemoSettings::builtin()))
}

/// A second generated city for the property test: another seed, another shape, fewer
/// communities, so that the edits meet other streets and compounds than the demo's.
fn other_city() -> &'static Dataset {
    static PLANNED: OnceLock<Dataset> = OnceLock::new();
    PLANNED.get_or_init(|| {
        let mut settings = DemoSettings::builtin();
        settings.seed = 20_261_121;
        settings.place.communities = 6;
        settings.place.area_km2 = 2.4;
        settings.people.residents = 36_000;
        plan_city(&settings)
    })
}

/// A generated city split into secondary grids and micro-grids.
fn plan_city(settings: &DemoSettings) -> Dataset {
    let data = generate(settings);
    let mut data = partition(
        &data,
        &PartitionRequest {
            level: "secondary".into(),
            scope: None,
            options: SplitOptions::default(),
        },
    )
    .expect("secondary")
    .data;
    data = partition(
        &data,
        &PartitionRequest {
            level: "micro".into(),
            scope: None,
            options: SplitOptions {
                bounds: Bounds { min: 30, max: 80 },
                ..SplitOptions::default()
            },
        },
    )
    .expect("micro")
    .data;
    data
}

fn with_zones(data: &Dataset, zones: Vec<Zone>) -> Dataset {
    Dataset {
        zones,
        ..data.clone()
    }
}

fn zone<'a>(zones: &'a [Zone], code: &str) -> &'a Zone {
    zones
        .iter()
        .find(|z| z.code == code)
        .unwrap_or_else(|| panic!("no zone {code}"))
}

/// A place in `a` half a metre from a boundary it shares with `b`, if they share one.
fn border_place(a: &Zone, b: &Zone) -> Option<[f64; 2]> {
    use geo::{Distance, Euclidean, Point};
    for polygon in &a.geometry.0 {
        for pair in polygon.exterior().0.windows(2) {
            let (p, q) = (Point(pair[0]), Point(pair[1]));
            let near = |x: &Point<f64>| Euclidean.distance(x, &b.geometry) < 1e-8;
            let length = Euclidean.distance(&p, &q);
            if !near(&p) || !near(&q) || length < 1e-4 {
                continue;
            }
            let mid = [(p.x() + q.x()) / 2.0, (p.y() + q.y()) / 2.0];
            let (nx, ny) = (-(q.y() - p.y()) / length, (q.x() - p.x()) / length);
            for side in [1.0, -1.0] {
                let place = [mid[0] + side * nx * 5e-6, mid[1] + side * ny * 5e-6];
                let point = Point::new(place[0], place[1]);
                if a.geometry.intersects(&point) && !b.geometry.intersects(&point) {
                    return Some(place);
                }
            }
        }
    }
    None
}

/// Two secondary grids of one parent that share a boundary, a place in the first half a metre
/// from that boundary, and a compound of the first grid.
fn neighbours_and_border_place(data: &Dataset) -> (String, String, [f64; 2], String) {
    border_places(data)
        .into_iter()
        .next()
        .expect("the demo has neighbouring grids")
}

/// Every pair of [`neighbours_and_border_place`].
fn border_places(data: &Dataset) -> Vec<(String, String, [f64; 2], String)> {
    let mut out = Vec::new();
    let grids: Vec<&Zone> = data
        .zones
        .iter()
        .filter(|z| z.level == "secondary")
        .collect();
    for a in &grids {
        for b in &grids {
            if a.id == b.id || a.parent != b.parent || !a.geometry.intersects(&b.geometry) {
                continue;
            }
            let Some(place) = border_place(a, b) else {
                continue;
            };
            // A compound well inside a, touching nothing of b.
            let compound = data
                .compounds
                .iter()
                .find(|c| {
                    c.geometry
                        .interior_point()
                        .is_some_and(|i| a.geometry.intersects(&i))
                        && !c.geometry.intersects(&b.geometry)
                })
                .map(|c| c.code.clone())
                .unwrap_or_default();
            out.push((a.code.clone(), b.code.clone(), place, compound));
        }
    }
    out
}

#[test]
fn painting_a_place_into_the_neighbouring_grid_moves_its_households_only() {
    let data = planned();
    let targets = Targets::default();
    // The first border unit whose move leaves both grids in one piece (taking a unit from a
    // may cut a in two: that is refused, and the next pair is tried).
    let mut refused = 0;
    let (a, b, edited) = border_places(data)
        .into_iter()
        .take(20)
        .find_map(|(a, b, place, _)| {
            let edit = Edit::Move {
                to: b.clone(),
                compounds: vec![],
                buildings: vec![],
                points: vec![place],
            };
            match apply_edit(data, &data.zones, &BTreeSet::new(), &edit, &targets) {
                Ok(edited) => Some((a, b, edited)),
                Err(EditError::WouldDisconnect { .. }) => {
                    refused += 1;
                    None
                }
                Err(e) => panic!("{e}"),
            }
        })
        .expect("one of 20 border units can move");
    eprintln!("{refused} border moves refused before one was possible");
    let after = with_zones(data, edited.zones.clone());
    let checked = check(&after);
    assert!(checked.is_ok(), "{checked}");
    let before_a = zone(&data.zones, &a).totals.households;
    let before_b = zone(&data.zones, &b).totals.households;
    // Both grids keep their codes; what a lost, b gained.
    let after_a = zone(&edited.zones, &a).totals.households;
    let after_b = zone(&edited.zones, &b).totals.households;
    assert_eq!(after_a + after_b, before_a + before_b);
    assert!(after_b >= before_b);
    assert_ne!(
        zone(&edited.zones, &a).geometry,
        zone(&data.zones, &a).geometry
    );
    assert!(edited.changed.contains(&a) && edited.changed.contains(&b));
    assert!(edited.summary.contains(&b), "{}", edited.summary);
    // Grids elsewhere are untouched, with their codes.
    let untouched = data
        .zones
        .iter()
        .filter(|z| z.level == "secondary" && z.code != a && z.code != b)
        .all(|z| edited.zones.iter().any(|e| e == z));
    assert!(untouched);
    // The micro-grids under the two changed grids were redrawn to fit them.
    let micro_under = |zones: &[Zone], code: &str| -> u64 {
        let parent = zone(zones, code).id;
        zones
            .iter()
            .filter(|z| z.parent == Some(parent))
            .map(|z| z.totals.households)
            .sum()
    };
    assert_eq!(
        micro_under(&edited.zones, &b),
        zone(&edited.zones, &b).totals.households
    );
}

#[test]
fn edits_that_would_break_an_invariant_are_refused_with_the_reason() {
    let data = planned();
    let targets = Targets::default();
    let (a, b, place, compound) = neighbours_and_border_place(data);
    // A locked grid is not changed.
    let locked = BTreeSet::from([zone(&data.zones, &a).id]);
    let edit = Edit::Move {
        to: b.clone(),
        compounds: vec![],
        buildings: vec![],
        points: vec![place],
    };
    let err = apply_edit(data, &data.zones, &locked, &edit, &targets).expect_err("refused");
    assert_eq!(err, EditError::Locked { code: a.clone() });
    assert!(err.to_string().contains("unlock"));
    // A compound in the middle of a, not touching b, would leave b in two pieces.
    let edit = Edit::Move {
        to: b.clone(),
        compounds: vec![compound.clone()],
        buildings: vec![],
        points: vec![],
    };
    let err =
        apply_edit(data, &data.zones, &BTreeSet::new(), &edit, &targets).expect_err("refused");
    assert!(matches!(&err, EditError::WouldDisconnect { .. }), "{err:?}");
    let edit = Edit::Move {
        to: b.clone(),
        compounds: vec![compound.clone()],
        buildings: vec![],
        points: vec![],
    };
    let err = apply_edit(data, &data.zones, &locked, &edit, &targets).expect_err("refused");
    assert_eq!(err, EditError::Locked { code: a.clone() });

    // A compound far away (another community) cannot be painted into b.
    let b_parent = zone(&data.zones, &b).parent;
    let far = data
        .compounds
        .iter()
        .find(|c| {
            let p = c.geometry.interior_point().expect("outline");
            !data
                .zones
                .iter()
                .any(|z| Some(z.id) == b_parent && z.geometry.intersects(&p))
        })
        .expect("a compound elsewhere");
    let edit = Edit::Move {
        to: b.clone(),
        compounds: vec![far.code.clone()],
        buildings: vec![],
        points: vec![],
    };
    let err =
        apply_edit(data, &data.zones, &BTreeSet::new(), &edit, &targets).expect_err("refused");
    assert!(
        matches!(err, EditError::OtherParent { .. }),
        "{err:?} for {}",
        far.code
    );

    // A line that misses the grid, and unknown codes.
    let edit = Edit::Split {
        grid: a.clone(),
        line: Some(vec![[0.0, 0.0], [0.001, 0.001]]),
        seed: None,
    };
    let err =
        apply_edit(data, &data.zones, &BTreeSet::new(), &edit, &targets).expect_err("refused");
    assert_eq!(err, EditError::LineMisses { code: a.clone() });
    let edit = Edit::Merge {
        grids: vec![a.clone(), "nope".into()],
    };
    let err =
        apply_edit(data, &data.zones, &BTreeSet::new(), &edit, &targets).expect_err("refused");
    assert_eq!(
        err,
        EditError::UnknownZone {
            code: "nope".into()
        }
    );
}

#[test]
fn split_merge_rebalance_and_redraw_keep_the_invariants() {
    let data = planned();
    let targets = Targets::default();
    let (a, b, _, _) = neighbours_and_border_place(data);
    let none = BTreeSet::new();
    let count = |zones: &[Zone], level: &str| zones.iter().filter(|z| z.level == level).count();
    let secondary = count(&data.zones, "secondary");

    // Split along a line through the middle of a, west to east.
    let outline = &zone(&data.zones, &a).geometry;
    let rect = geo::BoundingRect::bounding_rect(outline).expect("outline");
    let mid = (rect.min().y + rect.max().y) / 2.0;
    let line = vec![[rect.min().x - 0.001, mid], [rect.max().x + 0.001, mid]];
    let split = apply_edit(
        data,
        &data.zones,
        &none,
        &Edit::Split {
            grid: a.clone(),
            line: Some(line),
            seed: None,
        },
        &targets,
    )
    .expect("the line crosses a");
    assert!(count(&split.zones, "secondary") > secondary);
    assert!(split.zones.iter().any(|z| z.code == a), "a keeps its code");
    let checked = check(&with_zones(data, split.zones.clone()));
    assert!(checked.is_ok(), "split: {checked}");

    // Merge a and b, then split automatically: back to two grids.
    let merged = apply_edit(
        data,
        &data.zones,
        &none,
        &Edit::Merge {
            grids: vec![a.clone(), b.clone()],
        },
        &targets,
    )
    .expect("neighbours merge");
    assert_eq!(count(&merged.zones, "secondary"), secondary - 1);
    assert!(!merged.zones.iter().any(|z| z.code == b));
    assert_eq!(
        zone(&merged.zones, &a).totals.households,
        zone(&data.zones, &a).totals.households + zone(&data.zones, &b).totals.households
    );
    let checked = check(&with_zones(data, merged.zones.clone()));
    assert!(checked.is_ok(), "merge: {checked}");
    let resplit = apply_edit(
        data,
        &merged.zones,
        &none,
        &Edit::Split {
            grid: a.clone(),
            line: None,
            seed: Some(3),
        },
        &targets,
    )
    .expect("automatic split");
    assert_eq!(count(&resplit.zones, "secondary"), secondary);
    let checked = check(&with_zones(data, resplit.zones.clone()));
    assert!(checked.is_ok(), "auto split: {checked}");

    // Rebalance two neighbours: their households add up as before; others unchanged.
    let rebalanced = apply_edit(
        data,
        &data.zones,
        &none,
        &Edit::Rebalance {
            grids: [a.clone(), b.clone()],
            seed: Some(2),
        },
        &targets,
    )
    .expect("rebalance");
    let sum =
        |zones: &[Zone]| zone(zones, &a).totals.households + zone(zones, &b).totals.households;
    assert_eq!(sum(&rebalanced.zones), sum(&data.zones));
    let checked = check(&with_zones(data, rebalanced.zones.clone()));
    assert!(checked.is_ok(), "rebalance: {checked}");

    // Redraw a community with one grid locked: the locked grid is exactly as it was.
    let community = zone(&data.zones, &a)
        .parent
        .and_then(|p| data.zones.iter().find(|z| z.id == p))
        .expect("a has a parent");
    let locked = BTreeSet::from([zone(&data.zones, &a).id]);
    let redrawn = apply_edit(
        data,
        &data.zones,
        &locked,
        &Edit::Redraw {
            zone: community.code.clone(),
            level: Some("secondary".into()),
            seed: Some(9),
        },
        &targets,
    )
    .expect("redraw");
    assert_eq!(zone(&redrawn.zones, &a), zone(&data.zones, &a));
    let checked = check(&with_zones(data, redrawn.zones.clone()));
    assert!(checked.is_ok(), "redraw: {checked}");
    let report = family_report(data, &redrawn.zones, &community.code, "secondary", &targets)
        .expect("report");
    assert!(report.grids.iter().all(|g| g.connected));
    assert_eq!(
        report.grids.iter().map(|g| g.households).sum::<u64>(),
        community.totals.households
    );
}

/// A random edit on the plan: painting a building into a touching sibling grid, splitting,
/// merging two touching siblings, rebalancing them, or locking a grid.
fn random_edit(zones: &[Zone], data: &Dataset, pick: &[u64; 4]) -> Option<Edit> {
    let level = if pick[0].is_multiple_of(2) {
        "secondary"
    } else {
        "micro"
    };
    let grids: Vec<&Zone> = zones.iter().filter(|z| z.level == level).collect();
    let a = grids[(pick[1] as usize) % grids.len()];
    let touching: Vec<&Zone> = grids
        .iter()
        .copied()
        .filter(|z| z.id != a.id && z.parent == a.parent && z.geometry.intersects(&a.geometry))
        .collect();
    let b = touching
        .get((pick[2] as usize) % touching.len().max(1))
        .copied();
    match pick[3] % 5 {
        0 => {
            let b = b?;
            Some(Edit::Move {
                to: b.code.clone(),
                compounds: vec![],
                buildings: vec![],
                points: vec![border_place(a, b)?],
            })
        }
        1 => {
            let b = b?;
            let building = data.buildings.iter().filter(|bld| {
                bld.geometry
                    .interior_point()
                    .is_some_and(|p| a.geometry.intersects(&p))
            });
            let ids: Vec<Id> = building.map(|bld| bld.id).collect();
            let id = *ids.get((pick[2] as usize) % ids.len().max(1))?;
            Some(Edit::Move {
                to: b.code.clone(),
                compounds: vec![],
                buildings: vec![id],
                points: vec![],
            })
        }
        2 => Some(Edit::Split {
            grid: a.code.clone(),
            line: None,
            seed: Some(pick[2]),
        }),
        3 => Some(Edit::Merge {
            grids: vec![a.code.clone(), b?.code.clone()],
        }),
        _ => Some(Edit::Rebalance {
            grids: [a.code.clone(), b?.code.clone()],
            seed: Some(pick[1]),
        }),
    }
}

/// The community-level-and-below zones with nothing below them, though their level has a
/// child level: the demo draws every level down to micro-grids everywhere.
fn childless(zones: &[Zone]) -> Vec<String> {
    let parents: HashSet<Id> = zones.iter().filter_map(|z| z.parent).collect();
    zones
        .iter()
        .filter(|z| matches!(z.level.as_str(), "community" | "primary" | "secondary"))
        .filter(|z| !parents.contains(&z.id))
        .map(|z| z.code.clone())
        .collect()
}

/// Applies the random edits of `picks` one after another; every edit either applies with every
/// invariant holding after it, or is refused with a reason. Returns how many applied.
fn apply_random_edits(data: &Dataset, picks: &[[u64; 4]]) -> Result<usize, TestCaseError> {
    let targets = Targets::default();
    let mut zones = data.zones.clone();
    let mut locked = BTreeSet::new();
    let mut applied = 0;
    for pick in picks {
        let Some(edit) = random_edit(&zones, data, pick) else {
            continue;
        };
        match apply_edit(data, &zones, &locked, &edit, &targets) {
            Ok(edited) => {
                zones = edited.zones;
                locked = edited.locked;
                applied += 1;
                let checked = check(&with_zones(data, zones.clone()));
                prop_assert!(checked.is_ok(), "after {edit:?}: {checked}");
                let codes: HashSet<&str> = zones.iter().map(|z| z.code.as_str()).collect();
                prop_assert_eq!(codes.len(), zones.len(), "codes are unique");
                let bare = childless(&zones);
                prop_assert!(bare.is_empty(), "after {edit:?}: nothing below {bare:?}");
            }
            // A refusal changes nothing and says why.
            Err(e) => prop_assert!(!e.to_string().is_empty()),
        }
    }
    Ok(applied)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 4, ..ProptestConfig::default() })]

    #[test]
    fn after_any_sequence_of_random_edits_the_invariants_hold(
        city in 0..2usize,
        picks in proptest::collection::vec(proptest::array::uniform4(0u64..1000), 5)
    ) {
        let data = if city == 0 { planned() } else { other_city() };
        let applied = apply_random_edits(data, &picks)?;
        // Most random moves are refused (they would cut a grid in two); a case in which every
        // edit was refused tested nothing, and another is drawn in its place.
        prop_assume!(applied > 0, "none of the edits applied");
    }
}

/// Found by the property test in CI: after a merge and a split, painting a thin unit of land
/// into the neighbour left 53019900301001002 as two polygons touching at one corner — connected
/// in the unit graph (whose links tolerate a few centimetres), two pieces to the check. The move
/// is now refused.
#[test]
fn a_move_that_leaves_a_grid_touching_itself_at_a_corner_is_refused() {
    let picks = [
        [0, 172, 781, 760],
        [770, 968, 385, 178],
        [758, 145, 370, 542],
        [372, 922, 143, 540],
        [46, 810, 257, 410],
    ];
    let applied = apply_random_edits(planned(), &picks).map_err(|e| e.to_string());
    assert!(matches!(applied, Ok(n) if n >= 3), "{applied:?}");
}

/// Found by the property test: a micro-grid redrawn by the editor overlapped a sibling it left
/// alone by 55.9 m², because the editor cut its one grid into units in a projection centred on
/// that grid and the splitter had cut all grids in one centred on them all; float noise made a
/// long sliver of land fall to different units. Units are now cut in one projection.
#[test]
fn the_editor_cuts_the_units_the_splitter_cut() {
    let picks = [
        [133, 44, 12, 767],
        [966, 186, 576, 497],
        [19, 932, 378, 300],
        [271, 244, 83, 26],
        [942, 103, 571, 3],
    ];
    let applied = apply_random_edits(planned(), &picks).map_err(|e| e.to_string());
    assert!(matches!(applied, Ok(n) if n >= 3), "{applied:?}");
}

#[test]
fn comparing_plans_names_the_buildings_households_and_land_that_change_grid() {
    let data = planned();
    let targets = Targets::default();
    let (a, b, _, _) = neighbours_and_border_place(data);
    let merged = apply_edit(
        data,
        &data.zones,
        &BTreeSet::new(),
        &Edit::Merge {
            grids: vec![a.clone(), b.clone()],
        },
        &targets,
    )
    .expect("neighbours merge");
    let diff = wangge_partition::compare(data, &data.zones, &merged.zones, "secondary");
    let b_households = zone(&data.zones, &b).totals.households;
    // Every building of b moved to a, nothing else moved.
    assert!(!diff.buildings.is_empty());
    assert!(
        diff.buildings
            .iter()
            .all(|m| m.from.as_deref() == Some(b.as_str()) && m.to.as_deref() == Some(a.as_str()))
    );
    assert_eq!(diff.households, b_households);
    // With one chief answering for every building, that chief is named with b's buildings.
    assert!(diff.chiefs.is_empty(), "the planned demo has no duties");
    let chief = data
        .chiefs
        .iter()
        .find(|c| wangge_core::chief_level(c) == wangge_core::ChiefLevel::Resident)
        .expect("a resident chief");
    let with_duties = Dataset {
        duties: data
            .buildings
            .iter()
            .map(|b| wangge_core::Assignment {
                kind: wangge_core::DutyKind::Building,
                target: b.id,
                level: wangge_core::ChiefLevel::Resident,
                chief: chief.id,
                fixed: false,
            })
            .collect(),
        ..data.clone()
    };
    let diff = wangge_partition::compare(&with_duties, &data.zones, &merged.zones, "secondary");
    assert_eq!(diff.chiefs.len(), 1);
    assert_eq!(diff.chiefs[0].chief, chief.id);
    assert_eq!(diff.chiefs[0].buildings, diff.buildings.len());
    assert_eq!(diff.chiefs[0].households, b_households);
    assert_eq!(
        (diff.chiefs[0].from.clone(), diff.chiefs[0].to.clone()),
        (vec![b.clone()], vec![a.clone()])
    );
    assert!(diff.buildings.iter().all(|m| m.chief == Some(chief.id)));
    let grid = |code: &str| diff.grids.iter().find(|g| g.code == code).expect("listed");
    assert_eq!(grid(&b).after, 0);
    assert_eq!(grid(&a).after, grid(&a).before + b_households);
    // The land of b is now a's.
    assert!(!diff.changed.is_empty());
    assert!(diff.changed.iter().all(|c| c.to == a));
    let area: f64 = diff
        .changed
        .iter()
        .map(|c| wangge_core::area_m2(&c.geometry))
        .sum();
    let b_area = wangge_core::area_m2(&zone(&data.zones, &b).geometry);
    assert!((area - b_area).abs() / b_area < 0.01, "{area} vs {b_area}");
}

/// Splitting an over-large community in two (as Lanshan split 12 of its communities) is the same
/// edit as splitting a grid, one level up: the new community gets a code, and the primary grids,
/// secondary grids and micro-grids of both halves are redrawn inside them. Merging them again
/// retires the new one.
#[test]
fn a_community_splits_in_two_and_merges_back() {
    let data = planned();
    let targets = Targets::default();
    let community = data
        .zones
        .iter()
        .filter(|z| z.level == "community")
        .max_by_key(|z| z.totals.households)
        .expect("the demo has communities");
    let split = apply_edit(
        data,
        &data.zones,
        &BTreeSet::new(),
        &Edit::Split {
            grid: community.code.clone(),
            line: None,
            seed: Some(12),
        },
        &targets,
    )
    .expect("the largest community splits");
    let checked = check(&with_zones(data, split.zones.clone()));
    assert!(checked.is_ok(), "{checked}");
    let communities = |zones: &[Zone]| zones.iter().filter(|z| z.level == "community").count();
    assert_eq!(communities(&split.zones), communities(&data.zones) + 1);
    assert_eq!(split.changed.len(), 2, "{:?}", split.changed);
    let halves: Vec<&Zone> = split
        .changed
        .iter()
        .map(|c| zone(&split.zones, c))
        .collect();
    assert!(
        halves.iter().any(|z| z.code == community.code),
        "the old code stays"
    );
    assert_eq!(
        halves.iter().map(|z| z.totals.households).sum::<u64>(),
        community.totals.households
    );
    for half in &halves {
        assert!(half.totals.households > 0);
        // Each half has its own primary grid, and grids below it.
        let primary: Vec<&Zone> = split
            .zones
            .iter()
            .filter(|z| z.parent == Some(half.id))
            .collect();
        assert_eq!(primary.len(), 1, "{}", half.code);
        assert_eq!(primary[0].level, "primary");
        assert!(split.zones.iter().any(|z| z.parent == Some(primary[0].id)));
    }

    let merged = apply_edit(
        data,
        &split.zones,
        &split.locked,
        &Edit::Merge {
            grids: split.changed.clone(),
        },
        &targets,
    );
    let merged = match merged {
        Ok(m) => m,
        // Merge keeps the first named; name the old code first.
        Err(e) => panic!("{e}"),
    };
    let checked = check(&with_zones(data, merged.zones.clone()));
    assert!(checked.is_ok(), "{checked}");
    assert_eq!(communities(&merged.zones), communities(&data.zones));
}
