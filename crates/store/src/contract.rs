//! The store contract: one suite of checks that every backend must pass, written once.
//!
//! Each check takes a fresh, empty store. [`contract_tests!`](crate::contract_tests) expands into
//! one `#[tokio::test]` per check for a backend, so the GeoPackage and PostGIS backends run the
//! very same code.

use std::sync::Arc;

use geo::{
    BoundingRect, Contains, Intersects, MultiPolygon, Point, Polygon, Rect, coord, line_string,
    polygon,
};
use wangge_core::{
    Building, ChangeSet, Chief, ChiefRole, Compound, CompoundKind, Dataset, Finding, Findings, Id,
    Inspection, InspectorRole, Layer, LevelConfig, Management, StreetClass, StreetSegment, Tier,
    TierChange, Totals, Zone,
};

use crate::{Page, Record, Store};

fn square(x: f64, y: f64, size: f64) -> MultiPolygon<f64> {
    let p: Polygon<f64> = polygon![(x: x, y: y), (x: x + size, y: y), (x: x + size, y: y + size), (x: x, y: y + size), (x: x, y: y)];
    MultiPolygon(vec![p])
}

/// A small but complete jurisdiction: a sub-district of 2 × 2 communities, 8 compounds with 3
/// buildings each, a street per row, and two chiefs.
pub fn sample() -> Dataset {
    let mut data = Dataset::new(LevelConfig::default());
    let (x0, y0) = (102.70, 25.03);
    data.zones.push(Zone {
        id: 1,
        code: "530102001".into(),
        name: "演示街道".into(),
        level: "subdistrict".into(),
        parent: None,
        geometry: square(x0, y0, 0.02),
        totals: Totals {
            households: 1,
            population: 2,
            buildings: 3,
            compounds: 4,
        },
    });
    for (i, (cx, cy)) in [(0.0, 0.01), (0.01, 0.01), (0.0, 0.0), (0.01, 0.0)]
        .into_iter()
        .enumerate()
    {
        data.zones.push(Zone {
            id: 10 + i as Id,
            code: format!("530102001{:03}", i + 1),
            name: format!("社区{}", i + 1),
            level: "community".into(),
            parent: Some(1),
            geometry: square(x0 + cx, y0 + cy, 0.01),
            totals: Totals::default(),
        });
    }
    let tiers = [Tier::Green, Tier::Yellow, Tier::Red];
    for i in 0..8 {
        let (cx, cy) = (x0 + 0.001 + 0.0025 * f64::from(i % 8), y0 + 0.004);
        data.compounds.push(Compound {
            id: 100 + Id::from(i),
            code: format!("C{i}"),
            name: format!("小区{i}"),
            kind: CompoundKind::ALL[i as usize % 4],
            management: Management::ALL[i as usize % 3],
            tier: tiers[i as usize % 3],
            stars: (i % 2 == 0).then_some((i % 5 + 1) as u8),
            source_id: Some(format!("osm-{i}")),
            geometry: square(cx, cy, 0.002),
        });
        for j in 0..3 {
            data.buildings.push(Building {
                id: 1000 + Id::from(i * 3 + j),
                source_id: Some(format!("b-{i}-{j}")),
                name: (j == 0).then(|| format!("{i}号楼")),
                address: None,
                compound: Some(100 + Id::from(i)),
                floors: 6 + j as u16,
                units: 2,
                households: 24,
                population: 55,
                height_m: (j == 1).then_some(18.5),
                estimated: j == 2,
                geometry: square(cx + 0.0002 + 0.0006 * f64::from(j), cy + 0.0005, 0.0004),
            });
        }
    }
    for i in 0..3 {
        let y = y0 + 0.003 + 0.007 * f64::from(i);
        data.streets.push(StreetSegment {
            id: 500 + Id::from(i),
            source_id: None,
            name: Some(format!("{i}号路")),
            class: StreetClass::ALL[i as usize],
            geometry: line_string![(x: x0, y: y), (x: x0 + 0.01, y: y + 0.0001), (x: x0 + 0.02, y: y)],
        });
    }
    for i in 0..2 {
        data.chiefs.push(Chief {
            id: 1 + Id::from(i),
            name: format!("街长{i}"),
            role: ChiefRole::ALL[i as usize],
            phone: format!("1380000000{i}"),
            community: Some(10),
            level: None,
        });
    }
    data
}

/// Sorts every layer by id, so that datasets from different backends compare equal.
pub fn normalised(mut data: Dataset) -> Dataset {
    data.zones.sort_by_key(|z| z.id);
    data.compounds.sort_by_key(|c| c.id);
    data.buildings.sort_by_key(|b| b.id);
    data.streets.sort_by_key(|s| s.id);
    data.chiefs.sort_by_key(|c| c.id);
    data
}

/// What is written is read back unchanged, and the data version counts changes.
pub async fn create_and_read(store: Arc<dyn Store>) {
    assert_eq!(store.data_version().await.expect("version"), 0);
    let empty = store.load().await.expect("load empty");
    assert!(empty.zones.is_empty() && empty.buildings.is_empty());
    let data = sample();
    let applied = store
        .apply(&ChangeSet::insert_all(&data))
        .await
        .expect("insert");
    assert_eq!(applied.version, 1);
    let touched = applied.touched.expect("a box");
    assert!(
        touched.min().x <= 102.70 && touched.max().x >= 102.72,
        "{touched:?}"
    );
    assert_eq!(
        normalised(store.load().await.expect("load")),
        normalised(data.clone())
    );
    // An update replaces the record; an empty change does not bump the version.
    let mut changed = data.clone();
    changed.compounds[0].tier = Tier::Red;
    changed.compounds[0].name = "新名字".into();
    changed.chiefs.remove(1);
    let applied = store
        .apply(&ChangeSet::diff(&data, &changed))
        .await
        .expect("update");
    assert_eq!(applied.version, 2);
    assert_eq!(applied.layers, vec![Layer::Compounds]);
    assert_eq!(
        normalised(store.load().await.expect("load")),
        normalised(changed.clone())
    );
    let applied = store.apply(&ChangeSet::default()).await.expect("nothing");
    assert_eq!(applied.version, 2);
}

/// Box queries return exactly the records whose boxes intersect, in id order, paged.
pub async fn bounding_box_queries(store: Arc<dyn Store>) {
    let data = sample();
    store
        .apply(&ChangeSet::insert_all(&data))
        .await
        .expect("insert");
    let boxes = [
        Rect::new(
            coord! { x: 102.700, y: 25.030 },
            coord! { x: 102.706, y: 25.036 },
        ),
        Rect::new(
            coord! { x: 102.7105, y: 25.0345 },
            coord! { x: 102.7110, y: 25.0350 },
        ),
        Rect::new(coord! { x: 0.0, y: 0.0 }, coord! { x: 1.0, y: 1.0 }),
        Rect::new(coord! { x: 102.0, y: 25.0 }, coord! { x: 103.0, y: 26.0 }),
    ];
    for rect in boxes {
        let brute = |rects: Vec<(Id, Option<Rect<f64>>)>| -> Vec<Id> {
            let mut ids: Vec<Id> = rects
                .into_iter()
                .filter(|(_, r)| r.is_some_and(|r| r.intersects(&rect)))
                .map(|(id, _)| id)
                .collect();
            ids.sort_unstable();
            ids
        };
        let expected = [
            (
                Layer::Zones,
                brute(
                    data.zones
                        .iter()
                        .map(|z| (z.id, z.geometry.bounding_rect()))
                        .collect(),
                ),
            ),
            (
                Layer::Compounds,
                brute(
                    data.compounds
                        .iter()
                        .map(|c| (c.id, c.geometry.bounding_rect()))
                        .collect(),
                ),
            ),
            (
                Layer::Buildings,
                brute(
                    data.buildings
                        .iter()
                        .map(|b| (b.id, b.geometry.bounding_rect()))
                        .collect(),
                ),
            ),
            (
                Layer::Streets,
                brute(
                    data.streets
                        .iter()
                        .map(|s| (s.id, s.geometry.bounding_rect()))
                        .collect(),
                ),
            ),
        ];
        for (layer, want) in expected {
            let got: Vec<Id> = store
                .in_bbox(
                    layer,
                    rect,
                    Page {
                        offset: 0,
                        limit: 10_000,
                    },
                )
                .await
                .expect("query")
                .iter()
                .map(Record::id)
                .collect();
            assert_eq!(got, want, "{layer} in {rect:?}");
        }
    }
    let all = Rect::new(coord! { x: 102.0, y: 25.0 }, coord! { x: 103.0, y: 26.0 });
    let page = store
        .in_bbox(
            Layer::Buildings,
            all,
            Page {
                offset: 5,
                limit: 4,
            },
        )
        .await
        .expect("page");
    let ids: Vec<Id> = page.iter().map(Record::id).collect();
    assert_eq!(ids, vec![1005, 1006, 1007, 1008]);
    match &page[0] {
        Record::Building(b) => assert_eq!(b, &data.buildings[5]),
        other => panic!("expected a building, got {other:?}"),
    }
}

/// The zones covering a point, top level first; none outside.
pub async fn zone_containing_point(store: Arc<dyn Store>) {
    let data = sample();
    store
        .apply(&ChangeSet::insert_all(&data))
        .await
        .expect("insert");
    let probes = [
        (102.715, 25.045),
        (102.705, 25.035),
        (102.70001, 25.04999),
        (102.80, 25.04),
    ];
    for (lon, lat) in probes {
        let got: Vec<Id> = store
            .zones_containing(lon, lat)
            .await
            .expect("query")
            .iter()
            .map(|z| z.id)
            .collect();
        let point = Point::new(lon, lat);
        let mut want: Vec<(usize, Id)> = data
            .zones
            .iter()
            .filter(|z| z.geometry.contains(&point) || z.geometry.intersects(&point))
            .map(|z| (data.levels.index_of(&z.level).expect("level"), z.id))
            .collect();
        want.sort_unstable();
        let want: Vec<Id> = want.into_iter().map(|(_, id)| id).collect();
        assert_eq!(got, want, "zones at ({lon}, {lat})");
    }
    let at = store
        .zones_containing(102.715, 25.045)
        .await
        .expect("query");
    assert_eq!(at.len(), 2);
    assert_eq!(at[0].level, "subdistrict");
    assert_eq!(at[1].code, "530102001002");
}

/// A change that breaks a reference fails as a whole: nothing of it is kept.
pub async fn failed_change_rolls_back(store: Arc<dyn Store>) {
    let data = sample();
    store
        .apply(&ChangeSet::insert_all(&data))
        .await
        .expect("insert");
    let before = normalised(store.load().await.expect("load"));
    let mut bad = ChangeSet::default();
    let mut ok = data.buildings[0].clone();
    ok.id = 9000;
    let mut dangling = data.buildings[1].clone();
    dangling.id = 9001;
    dangling.compound = Some(4242);
    bad.buildings = vec![ok, dangling];
    bad.compounds = vec![Compound {
        name: "改名".into(),
        ..data.compounds[0].clone()
    }];
    let error = store
        .apply(&bad)
        .await
        .expect_err("a dangling compound must be refused");
    let message = error.to_string();
    assert!(
        message.contains("buildings") && message.contains("9001"),
        "{message}"
    );
    assert_eq!(normalised(store.load().await.expect("load")), before);
    assert_eq!(store.data_version().await.expect("version"), 1);
    // Deleting a compound that buildings still stand in is refused too.
    let bad = ChangeSet {
        delete_compounds: vec![100],
        ..ChangeSet::default()
    };
    assert!(store.apply(&bad).await.is_err());
    assert_eq!(normalised(store.load().await.expect("load")), before);
}

/// Many writers at once: every change lands, each in its own version.
pub async fn concurrent_writers(store: Arc<dyn Store>) {
    let data = sample();
    store
        .apply(&ChangeSet::insert_all(&data))
        .await
        .expect("insert");
    let writers = 8;
    let mut tasks = Vec::new();
    for w in 0..writers {
        let store = Arc::clone(&store);
        let template = data.buildings[0].clone();
        tasks.push(tokio::spawn(async move {
            for k in 0..5 {
                let building = Building {
                    id: 20_000 + w * 100 + k,
                    ..template.clone()
                };
                store
                    .apply(&ChangeSet {
                        buildings: vec![building],
                        ..ChangeSet::default()
                    })
                    .await
                    .expect("concurrent write");
            }
        }));
    }
    for task in tasks {
        task.await.expect("writer task");
    }
    let loaded = store.load().await.expect("load");
    assert_eq!(
        loaded.buildings.len(),
        data.buildings.len() + (writers as usize) * 5
    );
    assert_eq!(
        store.data_version().await.expect("version"),
        1 + writers as u64 * 5
    );
}

/// Tier changes are recorded with the compound, read back oldest first, and refused for a
/// compound that does not exist; attribution is stored with the data.
pub async fn tier_history_and_attribution(store: Arc<dyn Store>) {
    let data = sample();
    store
        .apply(&ChangeSet::insert_all(&data))
        .await
        .expect("insert");
    assert!(store.tier_history(100).await.expect("history").is_empty());
    let mut changed = data.clone();
    let mut steps = Vec::new();
    for (i, to) in [Tier::Yellow, Tier::Red].into_iter().enumerate() {
        let before = changed.clone();
        let from = changed.compounds[0].tier;
        changed.compounds[0].tier = to;
        let change = TierChange {
            compound: 100,
            from,
            to,
            reason: format!("巡查发现问题 {i}"),
            by: "王主任".into(),
            at_ms: 1_790_000_000_000 + i as i64 * 60_000,
        };
        let mut set = ChangeSet::diff(&before, &changed);
        set.tier_changes.push(change.clone());
        store.apply(&set).await.expect("tier change");
        steps.push(change);
    }
    assert_eq!(store.tier_history(100).await.expect("history"), steps);
    assert!(store.tier_history(101).await.expect("history").is_empty());
    let dangling = ChangeSet {
        tier_changes: vec![TierChange {
            compound: 4242,
            ..steps[0].clone()
        }],
        ..ChangeSet::default()
    };
    assert!(
        store.apply(&dangling).await.is_err(),
        "a change to a missing compound must be refused"
    );
    assert_eq!(store.tier_history(100).await.expect("history").len(), 2);

    let mut credited = store.load().await.expect("load");
    assert!(credited.attribution.is_empty());
    let before = credited.clone();
    credited.attribution = vec!["© OpenStreetMap contributors".into(), "区规划局".into()];
    store
        .apply(&ChangeSet::diff(&before, &credited))
        .await
        .expect("attribution");
    assert_eq!(
        store.load().await.expect("load").attribution,
        credited.attribution
    );
}

/// An inspection of compound `compound` at `at_ms` with every kind of finding: in order, a
/// problem with a note, and topics not looked at.
pub fn sample_inspection(compound: Id, at_ms: i64) -> Inspection {
    Inspection {
        id: 0,
        compound,
        inspector: "李网格".into(),
        role: InspectorRole::GridWorker,
        at_ms,
        findings: Findings {
            rentals: Some(Finding {
                ok: false,
                note: "3 户群租，未登记".into(),
            }),
            sanitation: Some(Finding {
                ok: true,
                note: String::new(),
            }),
            public_order: None,
            fire_safety: Some(Finding {
                ok: true,
                note: "灭火器已更换".into(),
            }),
            epidemic: None,
        },
        suggested_tier: Some(Tier::Yellow),
    }
}

/// Inspections are appended in the change's transaction with ids from the store, read back oldest
/// first per compound or all together, count as a change without touching any layer, and are
/// refused as a whole for a compound that does not exist.
pub async fn inspections_are_kept(store: Arc<dyn Store>) {
    let data = sample();
    store
        .apply(&ChangeSet::insert_all(&data))
        .await
        .expect("insert");
    assert!(store.inspections(None).await.expect("none yet").is_empty());
    let base = 1_790_000_000_000;
    let later = sample_inspection(100, base + 3_600_000);
    let earlier = Inspection {
        role: InspectorRole::CommunityPolice,
        inspector: "王警官".into(),
        findings: Findings::default(),
        suggested_tier: None,
        ..sample_inspection(100, base)
    };
    let other = Inspection {
        role: InspectorRole::FloatingPopulationOfficer,
        ..sample_inspection(101, base + 60_000)
    };
    // Recorded out of time order, to show that reading orders them.
    let applied = store
        .apply(&ChangeSet {
            inspections: vec![later.clone(), earlier.clone(), other.clone()],
            ..ChangeSet::default()
        })
        .await
        .expect("inspections");
    assert_eq!(applied.version, 2);
    assert!(applied.layers.is_empty() && applied.touched.is_none());
    assert_eq!(applied.inspections.len(), 3);
    let with_id = |i: &Inspection, id: Id| Inspection { id, ..i.clone() };
    let (later, earlier, other) = (
        with_id(&later, applied.inspections[0]),
        with_id(&earlier, applied.inspections[1]),
        with_id(&other, applied.inspections[2]),
    );
    assert!(later.id != earlier.id && earlier.id != other.id && later.id != other.id);
    assert_eq!(
        store.inspections(Some(100)).await.expect("of 100"),
        vec![earlier.clone(), later.clone()]
    );
    assert_eq!(
        store.inspections(Some(101)).await.expect("of 101"),
        vec![other.clone()]
    );
    assert!(
        store
            .inspections(Some(102))
            .await
            .expect("of 102")
            .is_empty()
    );
    assert_eq!(
        store.inspections(None).await.expect("all"),
        vec![earlier.clone(), other.clone(), later.clone()]
    );
    // The dataset itself is untouched, and the change is on record for other servers.
    assert_eq!(
        normalised(store.load().await.expect("load")),
        normalised(data.clone())
    );
    let recorded = store.changes_since(1).await.expect("changes");
    assert_eq!(recorded.len(), 1);
    assert!(recorded[0].layers.is_empty() && recorded[0].touched.is_none());

    // A dangling compound is refused, and the good inspection beside it is not kept either.
    let error = store
        .apply(&ChangeSet {
            inspections: vec![sample_inspection(102, base), sample_inspection(4242, base)],
            ..ChangeSet::default()
        })
        .await
        .expect_err("an inspection of a missing compound must be refused");
    assert!(error.to_string().contains("inspections"), "{error}");
    assert_eq!(store.inspections(None).await.expect("all").len(), 3);
    assert_eq!(store.data_version().await.expect("version"), 2);
    // Inspections ride along with other changes in one transaction.
    let mut changed = data.clone();
    changed.compounds[2].tier = Tier::Green;
    let mut set = ChangeSet::diff(&data, &changed);
    set.inspections
        .push(sample_inspection(102, base + 7_200_000));
    let applied = store.apply(&set).await.expect("tier and inspection");
    assert_eq!(applied.version, 3);
    assert_eq!(applied.layers, vec![Layer::Compounds]);
    assert_eq!(store.inspections(Some(102)).await.expect("of 102").len(), 1);
}

/// Every change is recorded with its version, layers and box, for other servers to catch up.
pub async fn changes_are_recorded(store: Arc<dyn Store>) {
    assert!(store.changes_since(0).await.expect("changes").is_empty());
    let data = sample();
    store
        .apply(&ChangeSet::insert_all(&data))
        .await
        .expect("insert");
    let mut changed = data.clone();
    changed.streets[0].name = Some("新路".into());
    store
        .apply(&ChangeSet::diff(&data, &changed))
        .await
        .expect("rename");
    let all = store.changes_since(0).await.expect("changes");
    assert_eq!(
        all.iter().map(|c| c.version).collect::<Vec<_>>(),
        vec![1, 2]
    );
    assert_eq!(
        all[0].layers,
        vec![
            Layer::Zones,
            Layer::Compounds,
            Layer::Buildings,
            Layer::Streets
        ]
    );
    assert_eq!(all[1].layers, vec![Layer::Streets]);
    let street = data.streets[0].geometry.bounding_rect().expect("box");
    let touched = all[1].touched.expect("a box");
    assert!(
        touched.min().x <= street.min().x && touched.max().x >= street.max().x,
        "{touched:?}"
    );
    // Recorded within the last day, as a sanity check of the clock conversion.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_millis() as i64;
    assert!(
        (now - all[1].at_ms).abs() < 86_400_000,
        "{} vs {now}",
        all[1].at_ms
    );
    let later = store.changes_since(1).await.expect("changes");
    assert_eq!(later.len(), 1);
    assert_eq!(later[0].version, 2);
}

/// Expands into one test per contract check for a backend. `$make` is an async block that yields
/// `(Arc<dyn Store>, guard)`: a fresh empty store and whatever must live as long as it.
#[macro_export]
macro_rules! contract_tests {
    ($make:expr) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn contract_create_and_read() {
            let (store, _guard) = $make.await;
            $crate::contract::create_and_read(store).await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn contract_bounding_box_queries() {
            let (store, _guard) = $make.await;
            $crate::contract::bounding_box_queries(store).await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn contract_zone_containing_point() {
            let (store, _guard) = $make.await;
            $crate::contract::zone_containing_point(store).await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn contract_failed_change_rolls_back() {
            let (store, _guard) = $make.await;
            $crate::contract::failed_change_rolls_back(store).await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn contract_tier_history_and_attribution() {
            let (store, _guard) = $make.await;
            $crate::contract::tier_history_and_attribution(store).await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn contract_changes_are_recorded() {
            let (store, _guard) = $make.await;
            $crate::contract::changes_are_recorded(store).await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn contract_inspections_are_kept() {
            let (store, _guard) = $make.await;
            $crate::contract::inspections_are_kept(store).await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn contract_concurrent_writers() {
            let (store, _guard) = $make.await;
            $crate::contract::concurrent_writers(store).await;
        }
    };
}
