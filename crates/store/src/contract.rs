//! The store contract: one suite of checks that every backend must pass, written once.
//!
//! Each check takes a fresh, empty store. [`contract_tests!`](crate::contract_tests) expands into
//! one `#[tokio::test]` per check for a backend, so the GeoPackage and PostGIS backends run the
//! very same code.

use std::collections::BTreeSet;
use std::sync::Arc;

use geo::{
    BoundingRect, Contains, Intersects, MultiPolygon, Point, Polygon, Rect, coord, line_string,
    polygon,
};
use wangge_core::{
    Assignment, Building, ChangeSet, Chief, ChiefLevel, ChiefRole, Compound, CompoundKind, Dataset,
    Department, DutyKind, Finding, Findings, HouseholdRange, Id, Inspection, InspectorRole, Layer,
    LevelConfig, Management, Plan, PlanStatus, Role, StreetClass, StreetPartner, StreetSegment,
    Tier, TierChange, Totals, User, Zone,
};
use wangge_core::{KeyPlace, KeySite, Visit, VisitTarget, VulnerableCategory, VulnerableHousehold};

use wangge_core::problems::{
    EscalationLevel, Problem, ProblemAction, ProblemCategory, ProblemLimits, ProblemSource,
    ProblemState, Report, count, escalations, report, transition,
};

use serde_json::json;
use wangge_core::{AuditAction, AuditEntry};

use crate::{AuditFilter, Error, Page, ProblemFilter, Record, Store};

fn square(x: f64, y: f64, size: f64) -> MultiPolygon<f64> {
    let p: Polygon<f64> = polygon![(x: x, y: y), (x: x + size, y: y), (x: x + size, y: y + size), (x: x, y: y + size), (x: x, y: y)];
    MultiPolygon(vec![p])
}

/// A small but complete jurisdiction: a sub-district of 2 × 2 communities, 8 compounds with 3
/// buildings each, a street per row, two chiefs with their duties, and three partner departments
/// on the second and third streets.
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
    // Chief 1 answers for the first compound's buildings and the first street, chief 2 for the
    // second compound's; the second street's duty was fixed by hand.
    for (building, chief) in [(1000, 1), (1001, 1), (1002, 1), (1003, 2), (1004, 2)] {
        data.duties.push(Assignment {
            kind: DutyKind::Building,
            target: building,
            level: ChiefLevel::Resident,
            chief,
            fixed: false,
        });
    }
    for (street, chief, fixed) in [(500, 1, false), (501, 2, true)] {
        data.duties.push(Assignment {
            kind: DutyKind::Street,
            target: street,
            level: ChiefLevel::Resident,
            chief,
            fixed,
        });
    }
    data.partners = vec![
        StreetPartner {
            id: 1,
            street: "1号路".into(),
            department: Department::MarketSupervision,
            department_name: Some("演示区市场监督管理局".into()),
            contact: "刘所长".into(),
            phone: "0871-63000001".into(),
            note: None,
        },
        StreetPartner {
            id: 2,
            street: "1号路".into(),
            department: Department::Other,
            department_name: Some("演示中学".into()),
            contact: "陈老师".into(),
            phone: "13900000002".into(),
            note: Some("上学放学时段护学".into()),
        },
        StreetPartner {
            id: 3,
            street: "2号路".into(),
            department: Department::Police,
            department_name: None,
            contact: "赵警官".into(),
            phone: "110".into(),
            note: None,
        },
    ];
    data
}

/// Sorts every layer by id, so that datasets from different backends compare equal.
pub fn normalised(mut data: Dataset) -> Dataset {
    data.zones.sort_by_key(|z| z.id);
    data.compounds.sort_by_key(|c| c.id);
    data.buildings.sort_by_key(|b| b.id);
    data.streets.sort_by_key(|s| s.id);
    data.chiefs.sort_by_key(|c| c.id);
    data.duties.sort_by_key(Assignment::key);
    data.partners.sort_by_key(|p| p.id);
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
    // A chief who leaves takes their duties along.
    changed.duties.retain(|d| d.chief != 2);
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
/// compound that does not exist; attribution and inspection cadences are stored with the data.
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
    assert_eq!(store.all_tier_history().await.expect("all history"), steps);
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

    // Inspection cadences are configuration kept with the data: the defaults until set, then what
    // was set; a count of 0 is refused and leaves them as they were.
    let before = store.load().await.expect("load");
    assert_eq!(before.cadences, wangge_core::Cadences::default());
    let mut faster = before.clone();
    faster.cadences.red = wangge_core::Every::Days(3);
    faster.cadences.green = wangge_core::Every::Months(2);
    let version = store.data_version().await.expect("version");
    store
        .apply(&ChangeSet::diff(&before, &faster))
        .await
        .expect("cadences");
    assert_eq!(store.load().await.expect("load").cadences, faster.cadences);
    assert_eq!(store.data_version().await.expect("version"), version + 1);
    let mut zero = faster.clone();
    zero.cadences.yellow = wangge_core::Every::Weeks(0);
    assert!(
        store.apply(&ChangeSet::diff(&faster, &zero)).await.is_err(),
        "a cadence of 0 weeks must be refused"
    );
    assert_eq!(store.load().await.expect("load").cadences, faster.cadences);

    // So are the visit schedules.
    let before = store.load().await.expect("load");
    assert_eq!(
        before.visit_schedules,
        wangge_core::VisitSchedules::default()
    );
    let mut often = before.clone();
    often.visit_schedules.vulnerable = wangge_core::Every::Days(3);
    store
        .apply(&ChangeSet::diff(&before, &often))
        .await
        .expect("schedules");
    assert_eq!(
        store.load().await.expect("load").visit_schedules,
        often.visit_schedules
    );
    let mut never = often.clone();
    never.visit_schedules.households = wangge_core::Every::Months(0);
    assert!(store.apply(&ChangeSet::diff(&often, &never)).await.is_err());
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
        photo: None,
    }
}

/// A tiny but real PNG: one white pixel.
pub const SAMPLE_PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x02, 0x00, 0x00, 0x00, 0x90, 0x77, 0x53,
    0xDE, 0x00, 0x00, 0x00, 0x0C, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0xF8, 0xFF, 0xFF, 0x3F,
    0x00, 0x05, 0xFE, 0x02, 0xFE, 0x0D, 0xEF, 0x46, 0xB8, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E,
    0x44, 0xAE, 0x42, 0x60, 0x82,
];

/// An inspection's photo is written in the inspection's transaction and read back whole on
/// demand only (reading inspections gives its type, size and digest); a photo whose bytes are not
/// a known image type is refused with its inspection and nothing is written; an inspection
/// without a photo has none.
pub async fn inspection_photos_round_trip(store: Arc<dyn Store>) {
    use wangge_core::{Photo, PhotoType};
    let data = sample();
    store
        .apply(&ChangeSet::insert_all(&data))
        .await
        .expect("insert");
    let base = 1_790_000_000_000;
    let photo = Photo::from_bytes(SAMPLE_PNG.to_vec()).expect("a PNG");
    let applied = store
        .apply(&ChangeSet {
            inspections: vec![
                sample_inspection(100, base),
                sample_inspection(101, base + 1000),
            ],
            inspection_photos: vec![(1, photo.clone())],
            ..ChangeSet::default()
        })
        .await
        .expect("inspections with a photo");
    let (plain, pictured) = (applied.inspections[0], applied.inspections[1]);
    assert_eq!(
        store.inspection_photo(pictured).await.expect("photo"),
        Some(photo.clone())
    );
    assert_eq!(store.inspection_photo(plain).await.expect("none"), None);
    assert_eq!(store.inspection_photo(4242).await.expect("unknown"), None);
    let read = store.inspections(None).await.expect("all");
    assert_eq!(read.len(), 2);
    assert_eq!(read[0].photo, None);
    let info = read[1].photo.clone().expect("the photo's info");
    assert_eq!(info.mime, PhotoType::Png);
    assert_eq!(info.size, SAMPLE_PNG.len() as u64);
    assert_eq!(info.sha256, wangge_core::photos::sha256_hex(SAMPLE_PNG));
    assert_eq!(info, photo.info());
    // The dataset does not carry photos, and loading is unchanged by them.
    assert_eq!(
        normalised(store.load().await.expect("load")),
        normalised(data.clone())
    );
    let version = store.data_version().await.expect("version");

    // Bytes that are not what the photo says, or no image at all, are refused, and the inspection
    // they came with is not written either.
    for (bytes, declared) in [
        (b"GIF89a\x01\x00\x01\x00".to_vec(), PhotoType::Jpeg),
        (SAMPLE_PNG.to_vec(), PhotoType::Jpeg),
    ] {
        let error = store
            .apply(&ChangeSet {
                inspections: vec![sample_inspection(102, base)],
                inspection_photos: vec![(
                    0,
                    Photo {
                        mime: declared,
                        bytes,
                    },
                )],
                ..ChangeSet::default()
            })
            .await
            .expect_err("a photo that is not what it says must be refused");
        assert!(error.to_string().contains("photo"), "{error}");
        assert!(
            store
                .inspections(Some(102))
                .await
                .expect("of 102")
                .is_empty()
        );
        assert_eq!(store.data_version().await.expect("version"), version);
    }
    // A photo of an inspection the change does not hold is refused too.
    let error = store
        .apply(&ChangeSet {
            inspections: vec![sample_inspection(102, base)],
            inspection_photos: vec![(1, photo.clone())],
            ..ChangeSet::default()
        })
        .await
        .expect_err("a photo of no inspection");
    assert!(error.to_string().contains("photo"), "{error}");
    assert_eq!(store.inspections(None).await.expect("all").len(), 2);
    assert_eq!(store.data_version().await.expect("version"), version);
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

/// The zones of `plan` with `change` applied, sorted by id (as a store returns them).
fn edited(plan: &Plan, change: impl FnOnce(&mut Vec<Zone>)) -> Vec<Zone> {
    let mut zones = plan.zones.clone();
    change(&mut zones);
    zones.sort_by_key(|z| z.id);
    zones
}

/// A new draft of the live zones of `store` (which holds the sample), stored, with its id.
async fn stored_draft(store: &dyn Store, name: &str) -> (Plan, Dataset) {
    let live = normalised(store.load().await.expect("load"));
    let mut plan = Plan::draft_of(&live, name, "规划员李", 1_790_000_000_000, None);
    plan.info.id = store.create_plan(&plan, &[]).await.expect("create plan");
    (plan, live)
}

/// Two edits of a plan (a changed zone, an added zone with a fresh id, a removed zone, locks),
/// one of them undone.
fn two_edits(plan: &mut Plan, live: &Dataset) {
    let fresh = plan.next_zone_id(live);
    let zones = edited(plan, |zones| {
        let z = zones.iter_mut().find(|z| z.id == 10).expect("zone 10");
        z.name = "青云社区（调整）".into();
        // Two parts, one with a hole, and coordinates that a float32 would change.
        z.geometry = MultiPolygon(vec![
            Polygon::new(
                square(102.700_000_000_000_01, 25.04, 0.01).0[0]
                    .exterior()
                    .clone(),
                vec![square(102.702, 25.042, 0.001).0[0].exterior().clone()],
            ),
            square(102.73, 25.04, 0.000_3).0[0].clone(),
        ]);
        z.totals.population = 1234;
        zones.retain(|z| z.id != 13);
        zones.push(Zone {
            id: fresh,
            code: "530102001005".into(),
            name: "新社区".into(),
            level: "community".into(),
            parent: Some(1),
            geometry: square(102.715, 25.035, 0.005),
            totals: Totals::default(),
        });
    });
    plan.record(
        r#"{"op":"reshape","zone":10}"#,
        "调整社区1边界，新增社区5，撤销社区4",
        "规划员李",
        1_790_000_060_000,
        zones,
        BTreeSet::from([11]),
    );
    let zones = edited(plan, |zones| {
        let z = zones.iter_mut().find(|z| z.id == 12).expect("zone 12");
        z.code = "530102001099".into();
        z.parent = None;
    });
    plan.record(
        r#"{"op":"rename"}"#,
        "重新编码社区3",
        "规划员王",
        1_790_000_120_000,
        zones,
        BTreeSet::from([11, 12]),
    );
    plan.undo("规划员王", 1_790_000_180_000).expect("undo");
}

/// A plan is stored and read back exactly: info, zones, locks and every edit with its zones;
/// later saves (a new edit replacing an undone one, undos, a shorter history) too.
pub async fn plans_round_trip(store: Arc<dyn Store>) {
    store
        .apply(&ChangeSet::insert_all(&sample()))
        .await
        .expect("insert");
    assert!(store.plans().await.expect("plans").is_empty());
    let (mut plan, live) = stored_draft(store.as_ref(), "2027年网格调整").await;
    assert_eq!(plan.zones.len(), 5);
    assert_eq!(
        store.plan(plan.info.id).await.expect("read"),
        Some(plan.clone())
    );

    two_edits(&mut plan, &live);
    assert_eq!(plan.info.version, 3);
    assert!(plan.history[1].undone);
    store.save_plan(&plan, 0, &[]).await.expect("save");
    let read = store
        .plan(plan.info.id)
        .await
        .expect("read")
        .expect("stored");
    assert_eq!(read, plan);
    assert_eq!(read.history[0].before.len(), 2);
    assert_eq!(read.history[0].after.len(), 2);

    // A new edit drops the undone one and takes its sequence number with other content.
    let zones = edited(&plan, |zones| zones.retain(|z| z.id != 11));
    plan.record(
        "{}",
        "撤销社区2",
        "规划员赵",
        1_790_000_240_000,
        zones,
        BTreeSet::new(),
    );
    assert_eq!(plan.history.len(), 2);
    assert_eq!(plan.history[1].seq, 2);
    store.save_plan(&plan, 3, &[]).await.expect("save again");
    assert_eq!(
        store.plan(plan.info.id).await.expect("read"),
        Some(plan.clone())
    );
    plan.undo("规划员赵", 1_790_000_300_000).expect("undo");
    plan.undo("规划员赵", 1_790_000_310_000).expect("undo");
    plan.redo("规划员赵", 1_790_000_320_000).expect("redo");
    plan.info.name = "2027年网格调整（二稿）".into();
    store.save_plan(&plan, 4, &[]).await.expect("save undos");
    assert_eq!(
        store.plan(plan.info.id).await.expect("read"),
        Some(plan.clone())
    );
    plan.history.truncate(1);
    plan.info.version += 1;
    store
        .save_plan(&plan, 7, &[])
        .await
        .expect("save a shorter history");
    assert_eq!(
        store.plan(plan.info.id).await.expect("read"),
        Some(plan.clone())
    );

    let (other, _) = stored_draft(store.as_ref(), "另一个方案").await;
    assert_ne!(other.info.id, plan.info.id);
    assert_eq!(
        store.plans().await.expect("plans"),
        vec![other.info.clone(), plan.info.clone()],
        "newest first"
    );
    assert_eq!(store.plan(other.info.id).await.expect("read"), Some(other));
    assert!(store.plan(999_999).await.expect("read").is_none());
}

/// Two planners save from the same version: the second is refused and the first one's plan
/// stays; a plan that does not exist cannot be saved or published.
pub async fn plan_conflicts_are_refused(store: Arc<dyn Store>) {
    store
        .apply(&ChangeSet::insert_all(&sample()))
        .await
        .expect("insert");
    let (plan, _) = stored_draft(store.as_ref(), "方案").await;
    let mut first = store
        .plan(plan.info.id)
        .await
        .expect("read")
        .expect("stored");
    let mut second = first.clone();
    let zones = edited(&first, |zones| zones[0].name = "甲改的".into());
    first.record("{}", "甲", "甲", 1, zones, BTreeSet::from([1]));
    store.save_plan(&first, 0, &[]).await.expect("first save");
    let zones = edited(&second, |zones| zones[1].name = "乙改的".into());
    second.record("{}", "乙", "乙", 2, zones, BTreeSet::new());
    let error = store
        .save_plan(&second, 0, &[])
        .await
        .expect_err("a stale version must be refused");
    match error {
        Error::Conflict {
            plan,
            expected,
            found,
        } => assert_eq!((plan, expected, found), (first.info.id, 0, 1)),
        other => panic!("expected a conflict, got {other:?}"),
    }
    assert_eq!(
        store.plan(first.info.id).await.expect("read"),
        Some(first.clone())
    );

    // Two saves at once from the same version: exactly one is kept.
    let mut tasks = Vec::new();
    for writer in 0..2 {
        let store = Arc::clone(&store);
        let mut mine = first.clone();
        tasks.push(tokio::spawn(async move {
            let zones = edited(&mine, |zones| zones[2].name = format!("并发{writer}"));
            mine.record("{}", "并发", "丙", 3, zones, BTreeSet::new());
            store.save_plan(&mine, 1, &[]).await.map(|()| mine)
        }));
    }
    let mut kept = Vec::new();
    for task in tasks {
        match task.await.expect("writer task") {
            Ok(plan) => kept.push(plan),
            Err(Error::Conflict { found: 2, .. }) => {}
            Err(other) => panic!("expected a conflict, got {other:?}"),
        }
    }
    assert_eq!(
        kept.len(),
        1,
        "exactly one of two concurrent saves succeeds"
    );
    assert_eq!(store.plan(first.info.id).await.expect("read"), kept.pop());

    let mut ghost = first.clone();
    ghost.info.id = 424_242;
    assert!(
        matches!(
            store.save_plan(&ghost, 1, &[]).await,
            Err(Error::NoPlan(424_242))
        ),
        "saving a plan that does not exist"
    );
    assert!(
        matches!(
            store.publish_plan(&ghost, 1, &ChangeSet::default()).await,
            Err(Error::NoPlan(424_242))
        ),
        "publishing a plan that does not exist"
    );
    assert!(store.plan(424_242).await.expect("read").is_none());
}

/// Publishing saves the plan and applies its changes in one transaction: a stale version or a
/// change the store refuses leaves both the plan and the live data as they were.
pub async fn publish_is_atomic(store: Arc<dyn Store>) {
    store
        .apply(&ChangeSet::insert_all(&sample()))
        .await
        .expect("insert");
    let (mut plan, live) = stored_draft(store.as_ref(), "待发布").await;
    two_edits(&mut plan, &live);
    store.save_plan(&plan, 0, &[]).await.expect("save");
    let version = store.data_version().await.expect("version");

    let mut published = plan.clone();
    published.info.status = PlanStatus::Published;
    published.info.published_by = Some("王主任".into());
    published.info.published_at_ms = Some(1_790_000_900_000);
    let changes = published.publish_changes(&live);
    assert!(!changes.zones.is_empty() && !changes.delete_zones.is_empty());
    let unchanged = |store: Arc<dyn Store>, plan: Plan, live: Dataset| async move {
        assert_eq!(store.plan(plan.info.id).await.expect("read"), Some(plan));
        assert_eq!(store.data_version().await.expect("version"), version);
        assert_eq!(normalised(store.load().await.expect("load")), live);
    };

    let error = store
        .publish_plan(&published, 2, &changes)
        .await
        .expect_err("a stale version must be refused");
    assert!(
        matches!(
            error,
            Error::Conflict {
                found: 3,
                expected: 2,
                ..
            }
        ),
        "{error:?}"
    );
    unchanged(Arc::clone(&store), plan.clone(), live.clone()).await;

    let mut refused = changes.clone();
    refused.zones.push(Zone {
        id: 77,
        code: "530102001077".into(),
        name: "无上级".into(),
        level: "community".into(),
        parent: Some(4242),
        geometry: square(102.70, 25.03, 0.001),
        totals: Totals::default(),
    });
    let error = store
        .publish_plan(&published, 3, &refused)
        .await
        .expect_err("a zone under a missing parent must be refused");
    assert!(matches!(error, Error::Refused(_)), "{error:?}");
    unchanged(Arc::clone(&store), plan.clone(), live.clone()).await;

    let applied = store
        .publish_plan(&published, 3, &changes)
        .await
        .expect("publish");
    assert_eq!(applied.version, version + 1);
    assert_eq!(applied.layers, vec![Layer::Zones]);
    assert_eq!(store.data_version().await.expect("version"), version + 1);
    let now = normalised(store.load().await.expect("load"));
    assert_eq!(now.zones, published.zones);
    assert_eq!(now.compounds, live.compounds);
    let read = store
        .plan(plan.info.id)
        .await
        .expect("read")
        .expect("stored");
    assert_eq!(read, published);
    assert_eq!(read.info.status, PlanStatus::Published);
    assert_eq!(read.info.published_by.as_deref(), Some("王主任"));
    assert_eq!(read.info.published_at_ms, Some(1_790_000_900_000));
    let recorded = store.changes_since(version).await.expect("changes");
    assert_eq!(recorded.len(), 1);
    assert_eq!(recorded[0].version, version + 1);
    assert_eq!(recorded[0].layers, vec![Layer::Zones]);
    assert!(recorded[0].touched.is_some());
}

/// Household targets on levels and chief duties are kept; duties go with their chief, building or
/// street; a change of duties alone is a change.
pub async fn targets_and_duties_round_trip(store: Arc<dyn Store>) {
    let mut data = sample();
    // A city drawing primary grids inside its communities.
    data.levels.levels[3].households = Some(HouseholdRange {
        min: 1000,
        max: 2000,
    });
    store
        .apply(&ChangeSet::insert_all(&data))
        .await
        .expect("insert");
    let loaded = normalised(store.load().await.expect("load"));
    assert_eq!(loaded.levels, data.levels);
    assert_eq!(loaded.levels.target("secondary").map(|t| t.max), Some(500));
    assert_eq!(loaded.duties, normalised(data.clone()).duties);

    // Reassigning one building is a change of its own.
    let version = store.data_version().await.expect("version");
    let mut moved = data.clone();
    moved.duties[0].chief = 2;
    moved.duties[0].fixed = true;
    let applied = store
        .apply(&ChangeSet::diff(&data, &moved))
        .await
        .expect("reassign");
    assert_eq!(applied.version, version + 1);
    assert_eq!(
        normalised(store.load().await.expect("load")).duties,
        normalised(moved.clone()).duties
    );

    // Chief 2 leaves, building 1000 and street 500 are demolished: their duties go with them.
    let mut gone = moved.clone();
    gone.chiefs.retain(|c| c.id != 2);
    gone.buildings.retain(|b| b.id != 1000);
    gone.streets.retain(|s| s.id != 500);
    let changes = ChangeSet::diff(&moved, &gone);
    assert!(
        changes.delete_duties.is_empty(),
        "the store drops them itself"
    );
    store.apply(&changes).await.expect("leave");
    let left = normalised(store.load().await.expect("load")).duties;
    let expected: Vec<Assignment> = moved
        .duties
        .iter()
        .filter(|d| d.chief != 2 && !(d.kind == DutyKind::Building && d.target == 1000))
        .filter(|d| !(d.kind == DutyKind::Street && d.target == 500))
        .copied()
        .collect();
    assert_eq!(
        left,
        normalised(Dataset {
            duties: expected,
            ..gone.clone()
        })
        .duties
    );
    assert!(!left.is_empty());
    let mut in_memory = moved.clone();
    in_memory.apply(&changes);
    assert_eq!(normalised(in_memory).duties, left);
}

/// Partner departments are kept, updated and deleted; one on a street that no segment carries, one
/// left behind by its street's last segment, and a department twice on one street are refused,
/// and a refused change writes nothing.
pub async fn street_partners_round_trip(store: Arc<dyn Store>) {
    let data = sample();
    store
        .apply(&ChangeSet::insert_all(&data))
        .await
        .expect("insert");
    let loaded = normalised(store.load().await.expect("load"));
    assert_eq!(loaded.partners, normalised(data.clone()).partners);

    // A new contact, a department leaving, one joining: a change of partners alone is a change.
    let version = store.data_version().await.expect("version");
    let mut changed = data.clone();
    changed.partners[0].contact = "王科长".into();
    changed.partners[0].note = Some("每周二巡查".into());
    changed.partners.retain(|p| p.id != 3);
    changed.partners.push(StreetPartner {
        id: 4,
        street: "0号路".into(),
        department: Department::LawEnforcement,
        department_name: None,
        contact: "孙队长".into(),
        phone: "12345".into(),
        note: None,
    });
    let changes = ChangeSet::diff(&data, &changed);
    assert_eq!(changes.delete_partners, vec![3]);
    let applied = store.apply(&changes).await.expect("update");
    assert_eq!(applied.version, version + 1);
    assert_eq!(
        normalised(store.load().await.expect("load")).partners,
        normalised(changed.clone()).partners
    );

    // Refused, and nothing written: a street no segment carries …
    let version = store.data_version().await.expect("version");
    let refused = |error: Error, words: &[&str]| {
        let message = error.to_string();
        assert!(matches!(error, Error::Refused(_)), "{message}");
        for w in words {
            assert!(message.contains(w), "{message} should mention {w}");
        }
    };
    let mut unknown = changed.clone();
    unknown.partners.push(StreetPartner {
        id: 5,
        street: "无名路".into(),
        department: Department::Police,
        department_name: None,
        contact: "某人".into(),
        phone: "110".into(),
        note: None,
    });
    let error = store
        .apply(&ChangeSet::diff(&changed, &unknown))
        .await
        .expect_err("unknown street");
    refused(error, &["无名路"]);
    // … a street whose last segment goes while its partner stays …
    let mut demolished = changed.clone();
    demolished.streets.retain(|s| s.id != 500);
    let error = store
        .apply(&ChangeSet::diff(&changed, &demolished))
        .await
        .expect_err("orphaned partner");
    refused(error, &["0号路"]);
    // … and one department twice on a street.
    let mut twice = changed.clone();
    twice.partners.push(StreetPartner {
        id: 6,
        ..changed.partners[0].clone()
    });
    let error = store
        .apply(&ChangeSet::diff(&changed, &twice))
        .await
        .expect_err("twice");
    refused(error, &["1号路", "twice"]);
    assert_eq!(store.data_version().await.expect("version"), version);
    assert_eq!(
        normalised(store.load().await.expect("load")),
        normalised(changed.clone())
    );

    // A street and its partner go together (and its duty with it, as always).
    demolished.partners.retain(|p| p.street != "0号路");
    demolished
        .duties
        .retain(|d| !(d.kind == DutyKind::Street && d.target == 500));
    store
        .apply(&ChangeSet::diff(&changed, &demolished))
        .await
        .expect("street and partner");
    let left = normalised(store.load().await.expect("load"));
    assert_eq!(left, normalised(demolished));
    assert_eq!(left.partners.len(), 2);
}

fn user(name: &str, role: Role, chief: Option<Id>) -> User {
    User::new(
        name,
        role,
        chief,
        format!("$argon2id$v=19$m=19456,t=2,p=1$fake${name}"),
    )
}

/// Users are kept apart from the dataset: created, read by name, listed by name and updated.
pub async fn users_round_trip(store: Arc<dyn Store>) {
    store
        .apply(&ChangeSet::insert_all(&sample()))
        .await
        .expect("insert");
    let version = store.data_version().await.expect("version");
    assert!(store.users().await.expect("users").is_empty());
    let mut admin = user("zhang", Role::Admin, None);
    admin.display_name = "张管理".into();
    admin.id = store.create_user(&admin, &[]).await.expect("admin");
    let mut patrol = user("li", Role::Patrol, Some(2));
    patrol.id = store.create_user(&patrol, &[]).await.expect("patrol");
    assert_ne!(admin.id, patrol.id);
    assert_eq!(
        store.users().await.expect("users"),
        vec![patrol.clone(), admin.clone()],
        "by username"
    );
    assert_eq!(
        store.user_by_name("zhang").await.expect("by name"),
        Some(admin.clone())
    );
    assert_eq!(store.user_by_name("Zhang").await.expect("by name"), None);
    // Users are not geography: they change no data version and are not in the dataset.
    assert_eq!(store.data_version().await.expect("version"), version);
    assert_eq!(
        normalised(store.load().await.expect("load")),
        normalised(sample())
    );

    // A patrol user becomes a viewer; lockout state and the disabled flag are kept.
    let mut changed = patrol.clone();
    changed.role = Role::Viewer;
    changed.chief = None;
    changed.username = "li.na".into();
    changed.display_name = "李娜".into();
    changed.password_hash = "$argon2id$other".into();
    changed.failed_attempts = 3;
    changed.locked_until_ms = Some(1_700_000_000_000);
    changed.disabled = true;
    store.update_user(&changed, &[]).await.expect("update");
    assert_eq!(
        store.user_by_name("li.na").await.expect("by name"),
        Some(changed.clone())
    );
    assert_eq!(store.user_by_name("li").await.expect("by name"), None);

    // Broken users are refused before anything is written.
    let mut no_chief = changed.clone();
    no_chief.role = Role::Patrol;
    assert!(matches!(
        store.update_user(&no_chief, &[]).await,
        Err(Error::Refused(_))
    ));
    let mut unknown = changed.clone();
    unknown.id = 999_999;
    unknown.username = "nobody".into();
    assert!(matches!(
        store.update_user(&unknown, &[]).await,
        Err(Error::Refused(_))
    ));
    assert_eq!(store.users().await.expect("users"), vec![changed, admin]);
}

/// A username is unique: a second user of that name, or a rename onto it, is refused clearly.
pub async fn duplicate_usernames_are_refused(store: Arc<dyn Store>) {
    let first = store
        .create_user(&user("wang", Role::Viewer, None), &[])
        .await
        .expect("first");
    let error = store
        .create_user(&user("wang", Role::Leader, None), &[])
        .await
        .expect_err("a second wang");
    assert!(matches!(error, Error::Refused(_)), "{error:?}");
    assert!(error.to_string().contains("already exists"), "{error}");
    let mut other = user("zhao", Role::Planner, None);
    other.id = store.create_user(&other, &[]).await.expect("zhao");
    other.username = "wang".into();
    let error = store
        .update_user(&other, &[])
        .await
        .expect_err("rename onto wang");
    assert!(error.to_string().contains("already exists"), "{error}");
    // Keeping one's own name is no conflict.
    let mut same = user("wang", Role::Admin, None);
    same.id = first;
    store.update_user(&same, &[]).await.expect("same name");
    let names: Vec<String> = store
        .users()
        .await
        .expect("users")
        .into_iter()
        .map(|u| u.username)
        .collect();
    assert_eq!(names, ["wang", "zhao"]);
}

/// A session answers with its user until it expires or is deleted; a disabled user has none.
pub async fn sessions_expire_and_end(store: Arc<dyn Store>) {
    let mut u = user("sun", Role::Viewer, None);
    u.id = store.create_user(&u, &[]).await.expect("user");
    let token = wangge_core::token_hash("the token");
    store
        .create_session(u.id, &token, 2_000, &[])
        .await
        .expect("session");
    store
        .create_session(u.id, &wangge_core::token_hash("another"), 9_000, &[])
        .await
        .expect("second session");
    assert_eq!(
        store.session_user(&token, 1_999).await.expect("live"),
        Some(u.clone())
    );
    assert_eq!(
        store.session_user(&token, 2_000).await.expect("expired"),
        None
    );
    assert_eq!(
        store
            .session_user(&wangge_core::token_hash("unknown"), 0)
            .await
            .expect("unknown"),
        None
    );
    // The same token twice is refused, and a session of a user that does not exist.
    assert!(
        store
            .create_session(u.id, &token, 5_000, &[])
            .await
            .is_err()
    );
    assert!(
        store
            .create_session(u.id + 1_000, &wangge_core::token_hash("x"), 5_000, &[])
            .await
            .is_err()
    );

    store.delete_session(&token, &[]).await.expect("delete");
    assert_eq!(store.session_user(&token, 0).await.expect("deleted"), None);
    store
        .delete_session(&token, &[])
        .await
        .expect("delete again");
    let other = wangge_core::token_hash("another");
    assert_eq!(
        store.session_user(&other, 0).await.expect("other"),
        Some(u.clone()),
        "deleting one session leaves the others"
    );
    u.disabled = true;
    store.update_user(&u, &[]).await.expect("disable");
    assert_eq!(store.session_user(&other, 0).await.expect("disabled"), None);
}

/// A patrol user's chief must exist, and a chief that users name cannot leave under them.
pub async fn a_users_chief_must_exist(store: Arc<dyn Store>) {
    let data = sample();
    store
        .apply(&ChangeSet::insert_all(&data))
        .await
        .expect("insert");
    let error = store
        .create_user(&user("ghost", Role::Patrol, Some(999)), &[])
        .await
        .expect_err("no chief 999");
    assert!(matches!(error, Error::Refused(_)), "{error:?}");
    assert!(error.to_string().contains("999"), "{error}");
    let error = store
        .create_user(&user("loose", Role::Patrol, None), &[])
        .await
        .expect_err("no chief at all");
    assert!(error.to_string().contains("must name"), "{error}");
    assert!(store.users().await.expect("users").is_empty());

    store
        .create_user(&user("zhou", Role::Patrol, Some(1)), &[])
        .await
        .expect("chief 1");
    let mut gone = data.clone();
    gone.chiefs.retain(|c| c.id != 1);
    gone.duties.retain(|d| d.chief != 1);
    let version = store.data_version().await.expect("version");
    assert!(matches!(
        store.apply(&ChangeSet::diff(&data, &gone)).await,
        Err(Error::Refused(_))
    ));
    assert_eq!(store.data_version().await.expect("version"), version);
    assert_eq!(
        store.load().await.expect("load").chiefs.len(),
        data.chiefs.len()
    );
}

/// 2026-04-10T08:00:00+08:00, the time the problem checks report at.
const PROBLEM_TIME: i64 = 1_775_779_200_000;

/// A problem reported at the centre of building `1000 + building` of the sample, routed on it.
fn sample_problem(building: i64, order_no: Option<&str>, minutes: i64) -> Problem {
    let atlas = wangge_core::Atlas::new(sample());
    let b = atlas
        .data()
        .buildings
        .iter()
        .find(|b| b.id == 1000 + building)
        .expect("a sample building");
    let centre = b.geometry.bounding_rect().expect("a footprint").center();
    let at = PROBLEM_TIME + minutes * 60_000;
    report(
        &atlas,
        Report {
            lon: centre.x,
            lat: centre.y,
            address: Some(format!("{building}号楼")),
            category: ProblemCategory::Sanitation,
            description: format!("楼道堆物 {building}"),
            source: if order_no.is_some() {
                ProblemSource::Hotline
            } else {
                ProblemSource::Patrol
            },
            order_no: order_no.map(str::to_string),
            at_ms: at,
            reporter: "王芳".into(),
        },
        at,
        &ProblemLimits::default(),
    )
    .expect("a valid report")
}

/// Problems are added with their report step, read back whole and listed by filter; they are
/// not geography and change no data version.
pub async fn problems_round_trip(store: Arc<dyn Store>) {
    let data = sample();
    store
        .apply(&ChangeSet::insert_all(&data))
        .await
        .expect("insert");
    let version = store.data_version().await.expect("version");
    let first = sample_problem(0, None, 0);
    // Building 1000 stands in compound 100 in the third community; chief 1 answers for it.
    assert_eq!(first.routing.chief, Some(1));
    assert_eq!(first.routing.building, Some(1000));
    assert_eq!(first.routing.compound, Some(100));
    assert_eq!(first.routing.community.as_deref(), Some("530102001003"));
    assert_eq!(first.routing.subdistrict.as_deref(), Some("530102001"));
    let second = sample_problem(3, Some("GD-0001"), 30);
    assert_eq!(second.routing.chief, Some(2));
    let ids = store
        .add_problems(&[first.clone(), second.clone()], &[])
        .await
        .expect("added");
    assert_eq!(ids.len(), 2);
    assert!(ids[0] < ids[1]);
    assert_eq!(store.data_version().await.expect("version"), version);
    assert_eq!(
        normalised(store.load().await.expect("load")),
        normalised(data)
    );

    let (stored, steps) = store
        .problem(ids[1])
        .await
        .expect("read")
        .expect("problem exists");
    assert_eq!(
        stored,
        Problem {
            id: ids[1],
            ..second.clone()
        }
    );
    assert_eq!(
        steps,
        vec![wangge_core::problems::report_step(&stored)],
        "the report is the first step"
    );
    assert_eq!(store.problem(ids[1] + 100).await.expect("read"), None);

    let listed = |filter: ProblemFilter| {
        let store = Arc::clone(&store);
        async move {
            store
                .problems(&filter)
                .await
                .expect("list")
                .into_iter()
                .map(|p| p.id)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(listed(ProblemFilter::default()).await, ids);
    assert_eq!(
        listed(ProblemFilter {
            chief: Some(2),
            ..ProblemFilter::default()
        })
        .await,
        [ids[1]]
    );
    assert_eq!(
        listed(ProblemFilter {
            source: Some(ProblemSource::Hotline),
            ..ProblemFilter::default()
        })
        .await,
        [ids[1]]
    );
    assert_eq!(
        listed(ProblemFilter {
            since_ms: Some(PROBLEM_TIME + 60_000),
            ..ProblemFilter::default()
        })
        .await,
        [ids[1]]
    );
    // A zone code is a prefix: the sub-district's finds both, another community's neither.
    assert_eq!(
        listed(ProblemFilter {
            zone: Some("530102001".into()),
            open: true,
            ..ProblemFilter::default()
        })
        .await,
        ids
    );
    assert!(
        listed(ProblemFilter {
            zone: Some("530102001001".into()),
            ..ProblemFilter::default()
        })
        .await
        .is_empty()
    );
    assert!(
        listed(ProblemFilter {
            state: Some(ProblemState::Resolved),
            ..ProblemFilter::default()
        })
        .await
        .is_empty()
    );
}

/// A work order number is imported once: a number already stored, or twice in one batch, is
/// refused naming it, and nothing of the batch is written.
pub async fn duplicate_work_orders_are_refused(store: Arc<dyn Store>) {
    store
        .apply(&ChangeSet::insert_all(&sample()))
        .await
        .expect("insert");
    store
        .add_problems(&[sample_problem(0, Some("GD-1"), 0)], &[])
        .await
        .expect("first");
    let error = store
        .add_problems(
            &[
                sample_problem(1, Some("GD-2"), 1),
                sample_problem(2, Some("GD-1"), 2),
            ],
            &[],
        )
        .await
        .expect_err("GD-1 again");
    assert!(matches!(error, Error::Refused(_)), "{error:?}");
    assert!(error.to_string().contains("GD-1"), "{error}");
    let error = store
        .add_problems(
            &[
                sample_problem(1, Some("GD-3"), 1),
                sample_problem(2, Some("GD-3"), 2),
            ],
            &[],
        )
        .await
        .expect_err("GD-3 twice");
    assert!(error.to_string().contains("GD-3"), "{error}");
    let orders: Vec<Option<String>> = store
        .problems(&ProblemFilter::default())
        .await
        .expect("list")
        .into_iter()
        .map(|p| p.order_no)
        .collect();
    assert_eq!(
        orders,
        [Some("GD-1".to_string())],
        "nothing else was written"
    );
    // Problems without a number are never duplicates of each other.
    store
        .add_problems(
            &[sample_problem(1, None, 1), sample_problem(2, None, 2)],
            &[],
        )
        .await
        .expect("two patrol reports");
}

/// Steps are recorded with a compare-and-swap on the problem's state and level: a stale step is
/// refused with what was found, and a batch with one stale step writes nothing.
pub async fn problem_steps_are_compared_and_swapped(store: Arc<dyn Store>) {
    store
        .apply(&ChangeSet::insert_all(&sample()))
        .await
        .expect("insert");
    let ids = store
        .add_problems(
            &[sample_problem(0, None, 0), sample_problem(3, None, 0)],
            &[],
        )
        .await
        .expect("added");
    let limits = ProblemLimits::default();
    let read = |id| {
        let store = Arc::clone(&store);
        async move { store.problem(id).await.expect("read").expect("exists") }
    };
    let (p, _) = read(ids[0]).await;
    let accept = transition(
        &p,
        ProblemAction::Accept,
        "街长0",
        PROBLEM_TIME + 60_000,
        "",
        &limits,
    )
    .expect("accept");
    store
        .record_steps(std::slice::from_ref(&accept), &[])
        .await
        .expect("accepted");
    // A second client, still looking at the reported problem, starts it: stale.
    let start = transition(
        &p,
        ProblemAction::Start,
        "街长1",
        PROBLEM_TIME + 90_000,
        "",
        &limits,
    )
    .expect("start from reported");
    let error = store
        .record_steps(std::slice::from_ref(&start), &[])
        .await
        .expect_err("stale");
    match &error {
        Error::StaleProblem {
            problem,
            expected,
            found,
        } => {
            assert_eq!(*problem, ids[0]);
            assert_eq!(expected, "reported at the chief level");
            assert_eq!(found, "accepted at the chief level");
        }
        other => panic!("expected a stale problem, got {other:?}"),
    }
    // A batch whose second step is stale writes nothing, not even its first.
    let (q, _) = read(ids[1]).await;
    let fine = transition(
        &q,
        ProblemAction::Accept,
        "街长1",
        PROBLEM_TIME + 1,
        "",
        &limits,
    )
    .expect("accept");
    assert!(matches!(
        store.record_steps(&[fine, start.clone()], &[]).await,
        Err(Error::StaleProblem { .. })
    ));
    assert_eq!(read(ids[1]).await.0.state, ProblemState::Reported);
    // Unknown problems and report steps are refused.
    let mut ghost = accept.clone();
    ghost.problem = ids[1] + 1_000;
    assert!(matches!(
        store.record_steps(&[ghost], &[]).await,
        Err(Error::NoProblem(_))
    ));
    let (p, steps) = read(ids[0]).await;
    assert!(matches!(
        store.record_steps(&steps[..1], &[]).await,
        Err(Error::Refused(_))
    ));

    // Ten days later the clock owes the accepted problem three escalations; recorded, the
    // problem is with the sub-district and the history has five steps, times in order.
    let now = PROBLEM_TIME + 240 * 3_600_000;
    let (q, _) = read(ids[1]).await;
    let owed = escalations(&[p.clone(), q], now, &limits);
    assert_eq!(owed.len(), 6);
    store.record_steps(&owed, &[]).await.expect("escalated");
    let (p, steps) = read(ids[0]).await;
    assert_eq!(
        (p.state, p.level),
        (ProblemState::Accepted, EscalationLevel::Subdistrict)
    );
    assert_eq!(p.deadline_ms, owed[2].deadline_ms);
    let actions: Vec<ProblemAction> = steps.iter().map(|s| s.action).collect();
    assert_eq!(
        actions,
        [
            ProblemAction::Report,
            ProblemAction::Accept,
            ProblemAction::Escalate,
            ProblemAction::Escalate,
            ProblemAction::Escalate
        ]
    );
    assert!(steps.windows(2).all(|w| w[0].at_ms <= w[1].at_ms));
    assert_eq!(steps[2..].to_vec(), owed[..3].to_vec());
    // The clock's work is done: running it again finds nothing; resolving still works.
    let all = store
        .problems(&ProblemFilter {
            open: true,
            ..ProblemFilter::default()
        })
        .await
        .expect("open problems");
    assert!(escalations(&all, now, &limits).is_empty());
    let resolve =
        transition(&p, ProblemAction::Resolve, "街道", now, "已清理", &limits).expect("resolve");
    store.record_steps(&[resolve], &[]).await.expect("resolved");
    let (p, steps) = read(ids[0]).await;
    assert_eq!(p.state, ProblemState::Resolved);
    assert_eq!(steps.last().map(|s| s.note.as_str()), Some("已清理"));
}

/// The dashboard's counts from the store equal the core's over the same problems.
pub async fn problem_counts_match_the_core(store: Arc<dyn Store>) {
    store
        .apply(&ChangeSet::insert_all(&sample()))
        .await
        .expect("insert");
    assert_eq!(
        store.problem_counts().await.expect("counts"),
        wangge_core::ProblemCounts::default()
    );
    let mut batch = Vec::new();
    for i in 0..24 {
        let building = [0, 3, 5, 9, 13, 20][i % 6];
        let order = (i % 3 != 0).then(|| format!("GD-{i:03}"));
        let mut p = sample_problem(building, order.as_deref(), i as i64);
        if i % 5 == 0 {
            // Where no grids are drawn the grid is the community itself; and one has none.
            p.routing.grid = p.routing.community.clone();
        }
        if i == 7 {
            p.routing = wangge_core::Routing::default();
        }
        batch.push(p);
    }
    let ids = store.add_problems(&batch, &[]).await.expect("added");
    let limits = ProblemLimits::default();
    let mut steps = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        let p = Problem {
            id: *id,
            ..batch[i].clone()
        };
        let at = PROBLEM_TIME + 3_600_000;
        match i % 4 {
            0 => steps.push(
                transition(&p, ProblemAction::Resolve, "街长", at, "", &limits).expect("resolve"),
            ),
            1 => steps.push(
                transition(&p, ProblemAction::Escalate, "街长", at, "", &limits).expect("escalate"),
            ),
            _ => {}
        }
    }
    store.record_steps(&steps, &[]).await.expect("steps");
    let all = store
        .problems(&ProblemFilter::default())
        .await
        .expect("all");
    let stored = store.problem_counts().await.expect("counts");
    assert_eq!(stored, count(&all));
    assert!(stored.by_zone.values().any(|c| c.escalated > 0));
    assert!(!stored.hotline_by_compound.is_empty());
}

/// Key sites and vulnerable households are replaced whole or not at all, households keep their
/// ids by building and door, visits are refused for unknown chiefs and targets, read back by
/// chief and time, and targets go with their building or compound.
pub async fn visit_targets_and_visits(store: Arc<dyn Store>) {
    let data = sample();
    store
        .apply(&ChangeSet::insert_all(&data))
        .await
        .expect("insert");
    assert_eq!(
        store.visit_targets().await.expect("empty"),
        Default::default()
    );
    let sites = vec![
        KeySite {
            place: KeyPlace::Building(1003),
            reason: "在建工地".into(),
        },
        KeySite {
            place: KeyPlace::Compound(100),
            reason: "出租屋集中".into(),
        },
    ];
    store
        .replace_key_sites(&sites, &[])
        .await
        .expect("key sites");
    let read = store.visit_targets().await.expect("targets").key_sites;
    // Compounds first, then buildings.
    assert_eq!(read, vec![sites[1].clone(), sites[0].clone()]);
    for bad in [
        vec![KeySite {
            place: KeyPlace::Compound(999),
            reason: String::new(),
        }],
        vec![sites[0].clone(), sites[0].clone()],
    ] {
        let error = store
            .replace_key_sites(&bad, &[])
            .await
            .expect_err("refused");
        assert!(matches!(error, Error::Refused(_)), "{error}");
    }
    assert_eq!(
        store
            .visit_targets()
            .await
            .expect("targets")
            .key_sites
            .len(),
        2,
        "a refused list changes nothing"
    );
    let household =
        |building: Id, door: &str, category, contact: Option<&str>| VulnerableHousehold {
            id: 0,
            building,
            door: door.into(),
            category,
            contact: contact.map(str::to_string),
        };
    let first = store
        .replace_vulnerable(
            &[
                household(
                    1000,
                    "1-101",
                    VulnerableCategory::ElderlyAlone,
                    Some("王奶奶"),
                ),
                household(1001, "2-202", VulnerableCategory::Disabled, None),
            ],
            &[],
        )
        .await
        .expect("households");
    assert_eq!(first.len(), 2);
    assert_eq!(first[0].contact.as_deref(), Some("王奶奶"));
    let second = store
        .replace_vulnerable(
            &[
                household(1001, "2-202", VulnerableCategory::LowIncome, None),
                household(1004, "3-301", VulnerableCategory::LeftBehindChildren, None),
            ],
            &[],
        )
        .await
        .expect("households");
    let kept = second.iter().find(|h| h.building == 1001).expect("kept");
    assert_eq!(kept.id, first[1].id, "same building and door, same id");
    assert_eq!(kept.category, VulnerableCategory::LowIncome);
    let new = second.iter().find(|h| h.building == 1004).expect("new");
    assert!(
        first.iter().all(|h| h.id != new.id),
        "ids are never given again"
    );
    assert!(second.iter().all(|h| h.building != 1000));
    for bad in [
        vec![household(9999, "1", VulnerableCategory::Other, None)],
        vec![household(1000, " ", VulnerableCategory::Other, None)],
        vec![
            household(1000, "1", VulnerableCategory::Other, None),
            household(1000, "1", VulnerableCategory::Disabled, None),
        ],
    ] {
        let error = store
            .replace_vulnerable(&bad, &[])
            .await
            .expect_err("refused");
        assert!(matches!(error, Error::Refused(_)), "{error}");
    }
    assert_eq!(
        store.visit_targets().await.expect("targets").vulnerable,
        second
    );

    let base = 1_790_000_000_000;
    let visit = |target, chief, at_ms| Visit {
        id: 0,
        target,
        chief,
        at_ms,
        by: "街长0".into(),
        note: "一切正常".into(),
        households_seen: None,
    };
    let a = store
        .record_visit(&visit(VisitTarget::Household(kept.id), 1, base), &[])
        .await
        .expect("a visit");
    let b = store
        .record_visit(
            &Visit {
                households_seen: Some(20),
                ..visit(VisitTarget::Building(1000), 2, base + 60_000)
            },
            &[],
        )
        .await
        .expect("a visit");
    let c = store
        .record_visit(
            &visit(VisitTarget::Household(kept.id), 1, base + 120_000),
            &[],
        )
        .await
        .expect("a visit");
    let d = store
        .record_visit(&visit(VisitTarget::KeyCompound(100), 1, base - 60_000), &[])
        .await
        .expect("a visit");
    let e = store
        .record_visit(&visit(VisitTarget::KeyBuilding(1003), 2, base), &[])
        .await
        .expect("a visit");
    for bad in [
        visit(VisitTarget::Household(kept.id), 9, base),
        visit(VisitTarget::Household(first[0].id), 1, base),
        visit(VisitTarget::KeyCompound(101), 1, base),
        visit(VisitTarget::KeyBuilding(1000), 1, base),
        visit(VisitTarget::Building(9999), 1, base),
    ] {
        let error = store.record_visit(&bad, &[]).await.expect_err("refused");
        assert!(matches!(error, Error::Refused(_)), "{bad:?}: {error}");
    }
    let ids = |list: Vec<Visit>| list.iter().map(|v| v.id).collect::<Vec<_>>();
    assert_eq!(
        ids(store.visits(None, None).await.expect("all")),
        vec![d, a, e, b, c]
    );
    assert_eq!(
        ids(store.visits(Some(1), None).await.expect("mine")),
        vec![d, a, c]
    );
    assert_eq!(
        ids(store
            .visits(None, Some(base + 60_000))
            .await
            .expect("since")),
        vec![b, c]
    );
    let all = store.visits(None, None).await.expect("all");
    let read_b = all.iter().find(|v| v.id == b).expect("b");
    assert_eq!(read_b.households_seen, Some(20));
    assert_eq!(read_b.target, VisitTarget::Building(1000));
    assert_eq!(read_b.note, "一切正常");
    let latest = store.latest_visits().await.expect("latest");
    assert_eq!(
        latest.iter().map(|v| (v.target, v.id)).collect::<Vec<_>>(),
        vec![
            (VisitTarget::KeyCompound(100), d),
            (VisitTarget::KeyBuilding(1003), e),
            (VisitTarget::Household(kept.id), c),
            (VisitTarget::Building(1000), b),
        ]
    );

    // Deleting buildings takes their key sites and households with them; visits stay.
    store
        .apply(&ChangeSet {
            delete_buildings: vec![1003, 1004],
            ..ChangeSet::default()
        })
        .await
        .expect("delete buildings");
    let targets = store.visit_targets().await.expect("targets");
    assert_eq!(targets.key_sites, vec![sites[1].clone()]);
    assert_eq!(targets.vulnerable, vec![kept.clone()]);
    assert_eq!(store.visits(None, None).await.expect("all").len(), 5);
}

/// An audit entry at `at_ms` by `actor`, with a summary, before and after in Chinese.
fn entry(at_ms: i64, actor: &str, action: AuditAction, target: &str) -> AuditEntry {
    AuditEntry::new(at_ms, actor, action, target).summary(format!("{target}：变更"))
}

/// Every entry of the log, oldest first, without the ids the store gave them.
async fn logged(store: &dyn Store) -> Vec<AuditEntry> {
    store
        .audit_log(&AuditFilter::default())
        .await
        .expect("the audit log")
        .into_iter()
        .map(|e| AuditEntry { id: 0, ..e })
        .collect()
}

/// The targets of the log, oldest first.
async fn logged_targets(store: &dyn Store) -> Vec<String> {
    logged(store).await.into_iter().map(|e| e.target).collect()
}

/// A change set's audit entries are written with it, in its transaction: a refused change leaves
/// none; a change set with entries only writes them without a new data version; a plan's
/// creation, saves and publication carry theirs, and a conflicting one writes none.
pub async fn audit_entries_land_with_their_change(store: Arc<dyn Store>) {
    let data = sample();
    assert!(logged(store.as_ref()).await.is_empty(), "a new store");
    let import = entry(1_000, "cli:root", AuditAction::Import, "layer:compounds")
        .after(json!({ "added": 3, "文件": "小区.geojson" }));
    let applied = store
        .apply(&ChangeSet::insert_all(&data).audited(import.clone()))
        .await
        .expect("insert");
    assert_eq!(applied.version, 1);
    assert_eq!(logged(store.as_ref()).await, vec![import.clone()]);
    let first = store.audit_log(&AuditFilter::default()).await.expect("log")[0].id;
    assert!(first > 0, "the store gives ids");

    // Entries only: written, but no new data version and no recorded change.
    let settings = entry(2_000, "wang", AuditAction::Change, "setting:nothing");
    let applied = store
        .apply(&ChangeSet::default().audited(settings.clone()))
        .await
        .expect("entries only");
    assert_eq!(applied.version, 1);
    assert!(applied.layers.is_empty() && applied.touched.is_none());
    assert_eq!(store.data_version().await.expect("version"), 1);
    assert!(store.changes_since(1).await.expect("changes").is_empty());
    assert_eq!(
        logged(store.as_ref()).await,
        vec![import.clone(), settings.clone()]
    );

    // A refused change writes none of its entries.
    let mut dangling = data.buildings[1].clone();
    dangling.id = 9001;
    dangling.compound = Some(4242);
    let refused = ChangeSet {
        buildings: vec![dangling],
        ..ChangeSet::default()
    }
    .audited(entry(3_000, "wang", AuditAction::Change, "building:9001"));
    assert!(store.apply(&refused).await.is_err());
    // An entry without an actor refuses its change.
    let renamed = ChangeSet {
        compounds: vec![Compound {
            name: "改名".into(),
            ..data.compounds[0].clone()
        }],
        ..ChangeSet::default()
    };
    let error = store
        .apply(
            &renamed
                .clone()
                .audited(entry(3_000, " ", AuditAction::Change, "compound:1")),
        )
        .await
        .expect_err("no actor");
    assert!(matches!(error, Error::Refused(_)), "{error:?}");
    assert!(error.to_string().contains("actor"), "{error}");
    assert_eq!(store.data_version().await.expect("version"), 1);
    assert_eq!(logged(store.as_ref()).await.len(), 2);
    assert_eq!(
        normalised(store.load().await.expect("load")),
        normalised(data.clone())
    );

    // Plans: created (the entry names the new id), saved, published; a conflict writes nothing.
    let live = normalised(store.load().await.expect("load"));
    let mut plan = Plan::draft_of(&live, "审计方案", "规划员李", 4_000, None);
    plan.info.id = store
        .create_plan(
            &plan,
            &[entry(4_000, "li", AuditAction::PlanCreate, "plan:{id}")
                .summary("新建方案 {id}：审计方案")],
        )
        .await
        .expect("create plan");
    let created = logged(store.as_ref()).await.pop().expect("an entry");
    assert_eq!(created.target, format!("plan:{}", plan.info.id));
    assert_eq!(
        created.summary,
        format!("新建方案 {}：审计方案", plan.info.id)
    );
    two_edits(&mut plan, &live);
    let saved = entry(
        5_000,
        "li",
        AuditAction::PlanEdit,
        &format!("plan:{}", plan.info.id),
    );
    store
        .save_plan(&plan, 0, std::slice::from_ref(&saved))
        .await
        .expect("save");
    let stale = entry(5_500, "zhao", AuditAction::PlanEdit, "plan:stale");
    assert!(matches!(
        store
            .save_plan(&plan, 0, std::slice::from_ref(&stale))
            .await,
        Err(Error::Conflict { .. })
    ));
    let mut published = plan.clone();
    published.info.status = PlanStatus::Published;
    published.info.published_by = Some("王主任".into());
    published.info.published_at_ms = Some(6_000);
    let publish = entry(6_000, "wang", AuditAction::Publish, "plan:published");
    let changes = published.publish_changes(&live).audited(publish.clone());
    let conflict = entry(6_000, "wang", AuditAction::Publish, "plan:conflict");
    assert!(matches!(
        store
            .publish_plan(&published, 0, &changes.clone().audited(conflict))
            .await,
        Err(Error::Conflict { .. })
    ));
    let applied = store
        .publish_plan(&published, 3, &changes)
        .await
        .expect("publish");
    assert_eq!(applied.version, 2);
    let targets = logged_targets(store.as_ref()).await;
    assert_eq!(
        targets,
        vec![
            "layer:compounds".to_string(),
            "setting:nothing".into(),
            format!("plan:{}", plan.info.id),
            saved.target.clone(),
            "plan:published".into(),
        ]
    );
    // And a publication with its entries only (the plan saved, no zone changed) keeps the
    // data version.
    let mut again = store
        .plan(plan.info.id)
        .await
        .expect("read")
        .expect("stored");
    again.info.name = "审计方案（改名）".into();
    let renamed = entry(7_000, "wang", AuditAction::PlanEdit, "plan:renamed");
    let applied = store
        .publish_plan(
            &again,
            again.info.version,
            &ChangeSet::default().audited(renamed),
        )
        .await
        .expect("entries only");
    assert_eq!(applied.version, 2);
    assert_eq!(store.data_version().await.expect("version"), 2);
    assert_eq!(
        logged_targets(store.as_ref())
            .await
            .last()
            .map(String::as_str),
        Some("plan:renamed")
    );
}

/// Every write method takes audit entries and writes them in its own transaction; a refusal
/// writes none. Entries of records the store numbers name them by their new ids.
pub async fn audit_entries_of_every_method(store: Arc<dyn Store>) {
    let data = sample();
    store
        .apply(&ChangeSet::insert_all(&data))
        .await
        .expect("insert");
    let version = store.data_version().await.expect("version");
    let one = |actor: &str, action, target: &str| vec![entry(1_000, actor, action, target)];

    // Users: created (by new id), a duplicate refused, updated, an unknown one refused.
    let mut wang = user("wang", Role::Leader, None);
    wang.id = store
        .create_user(&wang, &one("cli:root", AuditAction::User, "user:{id}"))
        .await
        .expect("user");
    let wang_target = format!("user:{}", wang.id);
    assert_eq!(
        logged_targets(store.as_ref()).await,
        vec![wang_target.clone()]
    );
    assert!(
        store
            .create_user(&wang, &one("cli:root", AuditAction::User, "user:dup"))
            .await
            .is_err()
    );
    wang.role = Role::Admin;
    store
        .update_user(&wang, &one("cli:root", AuditAction::User, "user:wang"))
        .await
        .expect("update");
    let mut nobody = wang.clone();
    nobody.id = 999_999;
    nobody.username = "nobody".into();
    assert!(
        store
            .update_user(&nobody, &one("cli:root", AuditAction::User, "user:nobody"))
            .await
            .is_err()
    );
    // Sessions: started, a second of the same token refused, ended.
    let token = wangge_core::token_hash("审计");
    store
        .create_session(
            wang.id,
            &token,
            9_000,
            &one("wang", AuditAction::SignIn, "user:wang"),
        )
        .await
        .expect("session");
    assert!(
        store
            .create_session(
                wang.id,
                &token,
                9_000,
                &one("wang", AuditAction::SignIn, "user:again")
            )
            .await
            .is_err()
    );
    store
        .delete_session(&token, &one("wang", AuditAction::SignOut, "user:wang"))
        .await
        .expect("end");
    store
        .append_audit(&one("ghost", AuditAction::SignInFailed, "user:ghost"))
        .await
        .expect("appended");
    let targets = logged_targets(store.as_ref()).await;
    assert_eq!(
        targets,
        vec![
            wang_target.as_str(),
            "user:wang",
            "user:wang",
            "user:wang",
            "user:ghost"
        ]
    );
    let log = logged(store.as_ref()).await;
    assert_eq!(
        log.iter().map(|e| e.action).collect::<Vec<_>>(),
        vec![
            AuditAction::User,
            AuditAction::User,
            AuditAction::SignIn,
            AuditAction::SignOut,
            AuditAction::SignInFailed
        ]
    );
    let before = targets.len();

    // Problems: entry i names problem i; a known work order refuses the batch and its entries.
    let ids = store
        .add_problems(
            &[
                sample_problem(0, Some("GD-审计-1"), 0),
                sample_problem(3, None, 1),
            ],
            &[
                entry(1_000, "wang", AuditAction::Problem, "problem:{id}"),
                entry(1_000, "wang", AuditAction::Problem, "problem:{id}"),
                entry(1_000, "wang", AuditAction::Import, "layer:hotline"),
            ],
        )
        .await
        .expect("problems");
    assert!(
        store
            .add_problems(
                &[sample_problem(4, Some("GD-审计-1"), 2)],
                &one("wang", AuditAction::Problem, "problem:dup"),
            )
            .await
            .is_err()
    );
    // No problems at all, but an entry: the entry is written.
    assert!(
        store
            .add_problems(&[], &one("cli:root", AuditAction::Import, "layer:empty"))
            .await
            .expect("nothing to add")
            .is_empty()
    );
    let (p, _) = store.problem(ids[0]).await.expect("read").expect("exists");
    let limits = ProblemLimits::default();
    let accept = transition(
        &p,
        ProblemAction::Accept,
        "街长0",
        PROBLEM_TIME + 60_000,
        "",
        &limits,
    )
    .expect("accept");
    let step = format!("problem:{}", ids[0]);
    store
        .record_steps(
            std::slice::from_ref(&accept),
            &one("街长0", AuditAction::ProblemStep, &step),
        )
        .await
        .expect("accepted");
    assert!(matches!(
        store
            .record_steps(
                std::slice::from_ref(&accept),
                &one("街长0", AuditAction::ProblemStep, "problem:stale"),
            )
            .await,
        Err(Error::StaleProblem { .. })
    ));
    let targets = logged_targets(store.as_ref()).await;
    assert_eq!(
        targets[before..].to_vec(),
        vec![
            format!("problem:{}", ids[0]),
            format!("problem:{}", ids[1]),
            "layer:hotline".into(),
            "layer:empty".into(),
            step.clone(),
        ]
    );
    let before = targets.len();

    // Visit targets and visits.
    let site = KeySite {
        place: KeyPlace::Compound(100),
        reason: "出租屋集中".into(),
    };
    store
        .replace_key_sites(
            std::slice::from_ref(&site),
            &one("cli:root", AuditAction::Import, "layer:key_sites"),
        )
        .await
        .expect("key sites");
    let missing = KeySite {
        place: KeyPlace::Compound(999),
        reason: String::new(),
    };
    assert!(
        store
            .replace_key_sites(
                &[missing],
                &one("cli:root", AuditAction::Import, "layer:bad_sites")
            )
            .await
            .is_err()
    );
    let household = VulnerableHousehold {
        id: 0,
        building: 1000,
        door: "1-101".into(),
        category: VulnerableCategory::ElderlyAlone,
        contact: None,
    };
    let stored = store
        .replace_vulnerable(
            std::slice::from_ref(&household),
            &one("cli:root", AuditAction::Import, "layer:vulnerable"),
        )
        .await
        .expect("households");
    assert!(
        store
            .replace_vulnerable(
                &[VulnerableHousehold {
                    building: 9999,
                    ..household.clone()
                }],
                &one("cli:root", AuditAction::Import, "layer:bad_households"),
            )
            .await
            .is_err()
    );
    let visit = Visit {
        id: 0,
        target: VisitTarget::Household(stored[0].id),
        chief: 1,
        at_ms: 1_790_000_000_000,
        by: "街长0".into(),
        note: String::new(),
        households_seen: None,
    };
    let visit_id = store
        .record_visit(&visit, &one("街长0", AuditAction::Visit, "visit:{id}"))
        .await
        .expect("visit");
    assert!(
        store
            .record_visit(
                &Visit {
                    chief: 9,
                    ..visit.clone()
                },
                &one("街长0", AuditAction::Visit, "visit:refused"),
            )
            .await
            .is_err()
    );
    let targets = logged_targets(store.as_ref()).await;
    assert_eq!(
        targets[before..].to_vec(),
        vec![
            "layer:key_sites".to_string(),
            "layer:vulnerable".into(),
            format!("visit:{visit_id}"),
        ]
    );
    // None of this is geography: the data version stayed.
    assert_eq!(store.data_version().await.expect("version"), version);
}

/// Writers of data, users and entries alone, all at once and all with entries: every entry lands
/// exactly once, with its own id, and nobody waits on anybody for ever.
pub async fn audit_entries_of_concurrent_writers(store: Arc<dyn Store>) {
    let data = sample();
    store
        .apply(&ChangeSet::insert_all(&data))
        .await
        .expect("insert");
    let rounds = 4;
    let mut tasks = Vec::new();
    for w in 0..6_i64 {
        let store = Arc::clone(&store);
        let data = data.clone();
        tasks.push(tokio::spawn(async move {
            for k in 0..rounds {
                let target = format!("writer:{w}:{k}");
                let e = entry(k, &format!("writer{w}"), AuditAction::Change, &target);
                match w % 3 {
                    // A change of data (a chief renamed) with its entry.
                    0 => {
                        let mut chief = data.chiefs[0].clone();
                        chief.name = format!("街长{w}-{k}");
                        store
                            .apply(
                                &ChangeSet {
                                    chiefs: vec![chief],
                                    ..ChangeSet::default()
                                }
                                .audited(e),
                            )
                            .await
                            .map(|_| ())
                    }
                    // A patrol user naming that chief (a reference checked in the transaction).
                    1 => store
                        .create_user(
                            &user(&format!("u{w}-{k}"), Role::Patrol, Some(data.chiefs[0].id)),
                            &[e],
                        )
                        .await
                        .map(|_| ()),
                    _ => store.append_audit(&[e]).await,
                }
                .expect("a concurrent write");
            }
        }));
    }
    let waited = tokio::time::timeout(std::time::Duration::from_secs(60), async {
        for task in tasks {
            task.await.expect("writer task");
        }
    })
    .await;
    assert!(
        waited.is_ok(),
        "concurrent writers with audit entries never finished"
    );
    let log = store.audit_log(&AuditFilter::default()).await.expect("log");
    assert_eq!(log.len(), 6 * rounds as usize);
    let ids: BTreeSet<Id> = log.iter().map(|e| e.id).collect();
    assert_eq!(ids.len(), log.len(), "one id per entry");
    let targets: BTreeSet<&str> = log.iter().map(|e| e.target.as_str()).collect();
    assert_eq!(targets.len(), log.len(), "every entry once");
    assert_eq!(
        store.data_version().await.expect("version"),
        1 + 2 * rounds as u64
    );
}

/// The log is read through filters (time, actor, action, target prefix) and paged by id either
/// way; before and after come back as they were given, Chinese text and nesting included.
pub async fn audit_log_filters_and_pages(store: Arc<dyn Store>) {
    let day = 86_400_000;
    let base = 1_775_750_400_000; // 2026-04-10T00:00:00+08:00
    let mut written = Vec::new();
    for i in 0..30_i64 {
        let (actor, action, target) = match i % 3 {
            0 => ("王芳", AuditAction::Tier, format!("compound:CM-{:03}", i)),
            1 => ("cli:root", AuditAction::Import, format!("layer:layer_{i}")),
            _ => ("li", AuditAction::ProblemStep, format!("problem:{i}")),
        };
        let mut e = AuditEntry::new(base + i * day / 3, actor, action, target)
            .summary(format!("第{i}条：绿 → 黄，原因「群租」"));
        if i % 3 == 0 {
            e = e
                .before(json!({ "tier": "green", "名称": "青云小区" }))
                .after(json!({
                    "tier": "yellow",
                    "reason": "群租 \"隐患\", 换行\n与制表\t",
                    "count": i,
                    "ratio": 0.1 + 0.2,
                    "nested": { "list": [1, "二", null, true], "empty": {} },
                }));
        }
        written.push(e);
    }
    // Written in three batches through different methods.
    store.append_audit(&written[..10]).await.expect("append");
    store
        .apply(&ChangeSet {
            audit: written[10..20].to_vec(),
            ..ChangeSet::default()
        })
        .await
        .expect("entries only");
    store.append_audit(&written[20..]).await.expect("append");

    let all = store.audit_log(&AuditFilter::default()).await.expect("all");
    assert_eq!(all.len(), 30);
    assert!(all.windows(2).all(|w| w[0].id < w[1].id), "by id");
    assert_eq!(
        all.iter()
            .map(|e| AuditEntry { id: 0, ..e.clone() })
            .collect::<Vec<_>>(),
        written,
        "every field comes back as written"
    );
    assert_eq!(
        all[0].after.as_ref().expect("after")["ratio"],
        json!(0.1 + 0.2)
    );
    let ids = |list: &[AuditEntry]| list.iter().map(|e| e.id).collect::<Vec<_>>();
    let read = |filter: AuditFilter| {
        let store = Arc::clone(&store);
        async move { store.audit_log(&filter).await.expect("filtered") }
    };

    // Time: since inclusive, until exclusive.
    let second_day = read(AuditFilter {
        since_ms: Some(base + day),
        until_ms: Some(base + 2 * day),
        ..AuditFilter::default()
    })
    .await;
    assert_eq!(ids(&second_day), ids(&all[3..6]));
    // Actor, action, target prefix, and all of them together.
    let by_wang = read(AuditFilter {
        actor: Some("王芳".into()),
        ..AuditFilter::default()
    })
    .await;
    assert_eq!(by_wang.len(), 10);
    assert!(by_wang.iter().all(|e| e.action == AuditAction::Tier));
    let imports = read(AuditFilter {
        action: Some(AuditAction::Import),
        ..AuditFilter::default()
    })
    .await;
    assert_eq!(imports.len(), 10);
    assert!(imports.iter().all(|e| e.actor == "cli:root"));
    let problems = read(AuditFilter {
        target_prefix: Some("problem:2".into()),
        ..AuditFilter::default()
    })
    .await;
    assert_eq!(
        problems
            .iter()
            .map(|e| e.target.as_str())
            .collect::<Vec<_>>(),
        [
            "problem:2",
            "problem:20",
            "problem:23",
            "problem:26",
            "problem:29"
        ]
    );
    // A prefix is text, never a pattern.
    for pattern in ["problem:%", "problem:_", "%"] {
        assert!(
            read(AuditFilter {
                target_prefix: Some(pattern.into()),
                ..AuditFilter::default()
            })
            .await
            .is_empty(),
            "{pattern}"
        );
    }
    let combined = read(AuditFilter {
        since_ms: Some(base + 3 * day),
        actor: Some("li".into()),
        action: Some(AuditAction::ProblemStep),
        target_prefix: Some("problem:".into()),
        ..AuditFilter::default()
    })
    .await;
    assert_eq!(
        ids(&combined),
        ids(&[
            all[11].clone(),
            all[14].clone(),
            all[17].clone(),
            all[20].clone(),
            all[23].clone(),
            all[26].clone(),
            all[29].clone()
        ])
    );
    assert!(
        read(AuditFilter {
            actor: Some("nobody".into()),
            ..AuditFilter::default()
        })
        .await
        .is_empty()
    );

    // Paging oldest first with after_id, newest first with before_id.
    let mut pages = Vec::new();
    let mut after = None;
    loop {
        let page = read(AuditFilter {
            after_id: after,
            limit: 7,
            ..AuditFilter::default()
        })
        .await;
        if page.is_empty() {
            break;
        }
        assert!(page.len() <= 7);
        after = page.last().map(|e| e.id);
        pages.push(page);
    }
    assert_eq!(pages.len(), 5);
    assert_eq!(ids(&pages.concat()), ids(&all));
    let newest = read(AuditFilter {
        newest_first: true,
        limit: 4,
        ..AuditFilter::default()
    })
    .await;
    let mut reversed = ids(&all);
    reversed.reverse();
    assert_eq!(ids(&newest), reversed[..4].to_vec());
    let older = read(AuditFilter {
        newest_first: true,
        before_id: newest.last().map(|e| e.id),
        limit: 4,
        ..AuditFilter::default()
    })
    .await;
    assert_eq!(ids(&older), reversed[4..8].to_vec());
    let window = read(AuditFilter {
        after_id: Some(all[4].id),
        before_id: Some(all[9].id),
        ..AuditFilter::default()
    })
    .await;
    assert_eq!(ids(&window), ids(&all[5..9]));
    assert!(
        read(AuditFilter {
            limit: 0,
            ..AuditFilter::default()
        })
        .await
        .is_empty()
    );
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
        async fn contract_inspection_photos_round_trip() {
            let (store, _guard) = $make.await;
            $crate::contract::inspection_photos_round_trip(store).await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn contract_concurrent_writers() {
            let (store, _guard) = $make.await;
            $crate::contract::concurrent_writers(store).await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn contract_plans_round_trip() {
            let (store, _guard) = $make.await;
            $crate::contract::plans_round_trip(store).await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn contract_plan_conflicts_are_refused() {
            let (store, _guard) = $make.await;
            $crate::contract::plan_conflicts_are_refused(store).await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn contract_targets_and_duties_round_trip() {
            let (store, _guard) = $make.await;
            $crate::contract::targets_and_duties_round_trip(store).await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn contract_street_partners_round_trip() {
            let (store, _guard) = $make.await;
            $crate::contract::street_partners_round_trip(store).await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn contract_publish_is_atomic() {
            let (store, _guard) = $make.await;
            $crate::contract::publish_is_atomic(store).await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn contract_users_round_trip() {
            let (store, _guard) = $make.await;
            $crate::contract::users_round_trip(store).await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn contract_duplicate_usernames_are_refused() {
            let (store, _guard) = $make.await;
            $crate::contract::duplicate_usernames_are_refused(store).await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn contract_sessions_expire_and_end() {
            let (store, _guard) = $make.await;
            $crate::contract::sessions_expire_and_end(store).await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn contract_a_users_chief_must_exist() {
            let (store, _guard) = $make.await;
            $crate::contract::a_users_chief_must_exist(store).await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn contract_problems_round_trip() {
            let (store, _guard) = $make.await;
            $crate::contract::problems_round_trip(store).await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn contract_duplicate_work_orders_are_refused() {
            let (store, _guard) = $make.await;
            $crate::contract::duplicate_work_orders_are_refused(store).await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn contract_problem_steps_are_compared_and_swapped() {
            let (store, _guard) = $make.await;
            $crate::contract::problem_steps_are_compared_and_swapped(store).await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn contract_problem_counts_match_the_core() {
            let (store, _guard) = $make.await;
            $crate::contract::problem_counts_match_the_core(store).await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn contract_visit_targets_and_visits() {
            let (store, _guard) = $make.await;
            $crate::contract::visit_targets_and_visits(store).await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn contract_audit_entries_land_with_their_change() {
            let (store, _guard) = $make.await;
            $crate::contract::audit_entries_land_with_their_change(store).await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn contract_audit_entries_of_every_method() {
            let (store, _guard) = $make.await;
            $crate::contract::audit_entries_of_every_method(store).await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn contract_audit_entries_of_concurrent_writers() {
            let (store, _guard) = $make.await;
            $crate::contract::audit_entries_of_concurrent_writers(store).await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn contract_audit_log_filters_and_pages() {
            let (store, _guard) = $make.await;
            $crate::contract::audit_log_filters_and_pages(store).await;
        }
    };
}
