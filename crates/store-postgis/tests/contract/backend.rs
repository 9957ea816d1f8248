//! What only the PostGIS backend has to prove: connecting to a server that is down, refusing a
//! newer schema, migrating once when two servers start together, notifications between servers,
//! copying a GeoPackage in exactly (problems, households and visits under their ids), bit-exact geometries and boxes, append-only tier history, and
//! surviving a PostgreSQL restart without being recreated.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use geo::{BoundingRect, LineString, MultiPolygon, Rect, coord, line_string, polygon};
use serde_json::json;
use tokio::sync::mpsc::Receiver;
use wangge_core::problems;
use wangge_core::{
    AuditAction, AuditEntry, ChangeSet, EscalationLevel, KeyPlace, KeySite, Layer, Plan,
    PlanStatus, Problem, ProblemAction, ProblemCategory, ProblemLimits, ProblemSource, Tier,
    TierChange, Visit, VisitTarget, VulnerableCategory, VulnerableHousehold,
};
use wangge_store::contract::{normalised, sample};
use wangge_store::{AuditFilter, Error, GpkgStore, Page, ProblemFilter, Record, Store};
use wangge_store_postgis::testing::{TestCluster, TestSchema, database_url, free_port};
use wangge_store_postgis::{ConnectOptions, PostgisStore, migrate_from, redact};

/// Runs SQL on the database directly, as an administrator would.
async fn raw_sql(url: &str, sql: &str) -> Result<(), tokio_postgres::Error> {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls).await?;
    tokio::spawn(connection);
    client.batch_execute(sql).await
}

/// The next version a subscription delivers, waiting at most 20 s.
async fn next_version(versions: &mut Receiver<u64>) -> u64 {
    tokio::time::timeout(Duration::from_secs(20), versions.recv())
        .await
        .expect("a version within 20 s")
        .expect("the subscription is open")
}

/// A change that renames one compound.
fn rename(data: &mut wangge_core::Dataset, name: &str) -> ChangeSet {
    let before = data.clone();
    data.compounds[1].name = name.into();
    ChangeSet::diff(&before, data)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_that_is_down_is_retried_then_named_without_its_password() {
    let port = free_port().expect("a free port");
    let url = format!("postgres://wangge:s3cret@127.0.0.1:{port}/grid");
    let started = Instant::now();
    let error = PostgisStore::connect(
        &url,
        ConnectOptions {
            connect_timeout: Duration::from_secs(2),
            ..ConnectOptions::default()
        },
    )
    .await
    .expect_err("nothing listens there");
    let elapsed = started.elapsed();
    let message = error.to_string();
    assert!(matches!(error, Error::Unavailable(_)), "{error:?}");
    assert!(
        message.contains(&format!("postgres://wangge:***@127.0.0.1:{port}/grid")),
        "{message}"
    );
    assert!(!message.contains("s3cret"), "{message}");
    assert!(message.contains("attempts"), "{message}");
    assert!(
        elapsed >= Duration::from_millis(700) && elapsed <= Duration::from_secs(4),
        "gave up after {elapsed:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_database_is_refused_at_once_without_retrying() {
    let url = database_url();
    let (base, _) = url.rsplit_once('/').expect("a URL with a database");
    let url = format!("{base}/no_such_database");
    let started = Instant::now();
    let error = PostgisStore::connect(&url, ConnectOptions::default())
        .await
        .expect_err("the database does not exist");
    let message = error.to_string();
    assert!(message.contains("no_such_database"), "{message}");
    assert!(message.contains(&redact(&url)), "{message}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "took {:?}: waiting cannot help",
        started.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_url_is_described_and_debugged_without_its_password() {
    let schema = TestSchema::new();
    let store = schema.connect().await;
    assert_eq!(store.describe(), redact(&schema.url));
    assert_eq!(
        redact("postgres://u:pw@127.0.0.1:5432/db"),
        "postgres://u:***@127.0.0.1:5432/db"
    );
    let debug = format!("{store:?}");
    assert!(debug.contains(&schema.name), "{debug}");
    assert!(!debug.contains("password"), "{debug}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_schema_from_a_newer_wangge_is_refused() {
    let schema = TestSchema::new();
    drop(schema.connect().await);
    raw_sql(
        &schema.url,
        &format!(
            "UPDATE {}.wangge_meta SET value = '99' WHERE key = 'schema_version'",
            schema.name
        ),
    )
    .await
    .expect("bump the schema version");
    let error = PostgisStore::connect(&schema.url, schema.options())
        .await
        .expect_err("a newer schema");
    let message = error.to_string();
    assert!(
        matches!(error, Error::SchemaTooNew { found: 99, .. }),
        "{error:?}"
    );
    assert!(
        message.contains("schema version 99") && message.contains(&schema.name),
        "{message}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_starting_at_once_migrate_once() {
    let schema = TestSchema::new();
    let (a, b) = tokio::join!(
        PostgisStore::connect(&schema.url, schema.options()),
        PostgisStore::connect(&schema.url, schema.options()),
    );
    let (a, b) = (a.expect("first server"), b.expect("second server"));
    a.apply(&ChangeSet::insert_all(&sample()))
        .await
        .expect("insert");
    assert_eq!(b.data_version().await.expect("version"), 1);
    assert_eq!(
        normalised(b.load().await.expect("load")),
        normalised(sample())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_through_one_store_reaches_the_other_s_subscription() {
    let schema = TestSchema::new();
    let writer = schema.connect().await;
    let reader = schema.connect().await;
    let other_schema = TestSchema::new();
    let elsewhere = other_schema.connect().await;
    let mut versions = reader.subscribe().await.expect("subscribe");
    let mut unrelated = elsewhere.subscribe().await.expect("subscribe elsewhere");

    let mut data = sample();
    writer
        .apply(&ChangeSet::insert_all(&data))
        .await
        .expect("insert");
    assert_eq!(next_version(&mut versions).await, 1);
    let applied = writer
        .apply(&rename(&mut data, "新名"))
        .await
        .expect("rename");
    assert_eq!(next_version(&mut versions).await, applied.version);

    // The other server catches up from the change log.
    let changes = reader.changes_since(0).await.expect("changes");
    assert_eq!(
        changes.iter().map(|c| c.version).collect::<Vec<_>>(),
        vec![1, 2]
    );
    assert_eq!(changes[0].layers, Layer::ALL.to_vec());
    assert_eq!(changes[1].layers, vec![Layer::Compounds]);
    let touched = changes[1].touched.expect("a box");
    assert_eq!(Some(touched), applied.touched);
    assert!(changes[0].at_ms > 1_600_000_000_000);
    assert!(
        reader
            .changes_since(2)
            .await
            .expect("no changes")
            .is_empty()
    );
    assert_eq!(reader.load().await.expect("load").compounds[1].name, "新名");

    // A store in another schema of the same database hears nothing of it.
    assert!(
        tokio::time::timeout(Duration::from_millis(300), unrelated.recv())
            .await
            .is_err()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrating_from_a_geopackage_copies_everything_exactly() {
    let dir = tempfile::tempdir().expect("tempdir");
    let source = GpkgStore::open(dir.path().join("source.gpkg")).expect("create gpkg");
    let data = sample();
    source
        .apply(&ChangeSet::insert_all(&data))
        .await
        .expect("insert");
    let mut changed = data.clone();
    for (i, to) in [Tier::Red, Tier::Yellow].into_iter().enumerate() {
        let before = changed.clone();
        let from = changed.compounds[2].tier;
        changed.compounds[2].tier = to;
        let mut set = ChangeSet::diff(&before, &changed).audited(
            AuditEntry::new(
                1_790_000_000_000 + i as i64,
                "李网格员",
                AuditAction::Tier,
                "compound:530102001002",
            )
            .summary(format!("{} → {}：复查 {i}", from.name_zh(), to.name_zh()))
            .before(json!({ "tier": from.as_str() }))
            .after(
                json!({ "tier": to.as_str(), "reason": format!("复查 {i}"), "ratio": 0.1 + 0.2 }),
            ),
        );
        set.tier_changes.push(TierChange {
            compound: 102,
            from,
            to,
            reason: format!("复查 {i}"),
            by: "李网格员".into(),
            at_ms: 1_790_000_000_000 + i as i64,
        });
        source.apply(&set).await.expect("tier change");
    }
    let before = changed.clone();
    changed.attribution = vec!["© OpenStreetMap contributors".into()];
    source
        .apply(&ChangeSet::diff(&before, &changed))
        .await
        .expect("attribution");

    let mut inspection = ChangeSet::default();
    inspection.inspections.push(wangge_core::Inspection {
        id: 0,
        compound: 103,
        inspector: "赵民警".into(),
        role: wangge_core::InspectorRole::CommunityPolice,
        at_ms: 1_790_000_100_000,
        findings: wangge_core::Findings::default(),
        suggested_tier: Some(Tier::Yellow),
        photo: None,
    });
    let photo =
        wangge_core::Photo::from_bytes(wangge_store::contract::SAMPLE_PNG.to_vec()).expect("a PNG");
    inspection.inspection_photos.push((0, photo.clone()));
    source.apply(&inspection).await.expect("inspection");

    // A published plan with an edit (one undone), and a draft based on it.
    let live = source.load().await.expect("load source");
    let mut published = Plan::draft_of(&live, "2026年方案", "李规划", 1_790_000_200_000, None);
    published.info.id = source.create_plan(&published, &[]).await.expect("plan");
    let mut zones = published.zones.clone();
    zones[1].name = "调整后".into();
    zones.retain(|z| z.id != 13);
    published.record(
        "{\"op\":\"edit\"}",
        "改名并撤销",
        "李规划",
        1_790_000_210_000,
        zones,
        BTreeSet::from([10]),
    );
    let mut zones = published.zones.clone();
    zones[0].code = "530102009".into();
    published.record(
        "{}",
        "改编码",
        "李规划",
        1_790_000_220_000,
        zones,
        BTreeSet::new(),
    );
    published.undo("李规划", 1_790_000_230_000).expect("undo");
    published.info.status = PlanStatus::Published;
    published.info.published_by = Some("王主任".into());
    published.info.published_at_ms = Some(1_790_000_240_000);
    source
        .save_plan(&published, 0, &[])
        .await
        .expect("save plan");
    let mut draft = Plan::draft_of(
        &live,
        "2027年方案",
        "赵规划",
        1_790_000_300_000,
        Some(&published),
    );
    draft.info.id = source
        .create_plan(
            &draft,
            &[AuditEntry::new(
                1_790_000_300_000,
                "赵规划",
                AuditAction::PlanCreate,
                "plan:{id}",
            )],
        )
        .await
        .expect("draft");
    source
        .append_audit(&[AuditEntry::new(
            1_790_000_400_000,
            "ghost",
            AuditAction::SignInFailed,
            "user:ghost",
        )])
        .await
        .expect("an entry");
    let source_log = source
        .audit_log(&AuditFilter::default())
        .await
        .expect("source log");
    assert_eq!(source_log.len(), 4);

    let schema = TestSchema::new();
    let target = schema.connect().await;
    let migration = AuditEntry::new(
        1_790_000_500_000,
        "cli:root",
        AuditAction::Change,
        "store:wangge",
    )
    .summary("迁移");
    let report = migrate_from(&source, &target, std::slice::from_ref(&migration))
        .await
        .expect("migrate");
    assert!(report.is_exact(), "{report}");
    assert_eq!(report.source_version, 5);
    assert_eq!(report.target_version, 1);
    let count = |name: &str| {
        report
            .layers
            .iter()
            .find(|l| l.name == name)
            .map(|l| l.target_count)
    };
    assert_eq!(count("zones"), Some(5));
    assert_eq!(count("buildings"), Some(24));
    assert_eq!(count("duties"), Some(7));
    assert_eq!(count("partners"), Some(3));
    assert_eq!(count("tier_changes"), Some(2));
    assert_eq!(count("inspections"), Some(1));
    assert_eq!(count("attribution"), Some(1));
    assert_eq!(count("plans"), Some(2));
    assert_eq!(count("plan_zones"), Some(4 + 4));
    assert_eq!(count("plan_edits"), Some(2));
    assert_eq!(count("audit"), Some(4));
    for check in &report.layers {
        assert_eq!(check.source_checksum, check.target_checksum, "{report}");
    }
    assert_eq!(
        normalised(target.load().await.expect("load target")),
        normalised(source.load().await.expect("load source"))
    );
    assert_eq!(
        target.tier_history(102).await.expect("history"),
        source.tier_history(102).await.expect("history")
    );
    assert_eq!(target.data_version().await.expect("version"), 1);
    let copied = target.inspections(None).await.expect("inspections");
    assert_eq!(copied.len(), 1);
    assert_eq!(copied[0].inspector, "赵民警");
    assert_eq!(copied[0].suggested_tier, Some(Tier::Yellow));
    assert_eq!(copied[0].photo, Some(photo.info()));
    assert_eq!(
        target.inspection_photo(copied[0].id).await.expect("photo"),
        Some(photo)
    );
    assert_eq!(
        target.plans().await.expect("plans"),
        source.plans().await.expect("plans")
    );
    for id in [published.info.id, draft.info.id] {
        let copied = target.plan(id).await.expect("plan").expect("copied");
        assert_eq!(Some(copied), source.plan(id).await.expect("plan"));
    }
    // New plans are numbered after the copied ones.
    let next = target.create_plan(&draft, &[]).await.expect("a new plan");
    assert!(next > draft.info.id, "{next}");
    // The audit log keeps its ids, then the migration's own entry, then new ones.
    target
        .append_audit(&[AuditEntry::new(
            1_790_000_600_000,
            "wang",
            AuditAction::SignIn,
            "user:wang",
        )])
        .await
        .expect("a new entry");
    let target_log = target
        .audit_log(&AuditFilter::default())
        .await
        .expect("target log");
    assert_eq!(target_log[..4], source_log[..]);
    assert_eq!(
        target_log[4],
        AuditEntry {
            id: source_log[3].id + 1,
            ..migration
        }
    );
    assert_eq!(target_log[5].id, source_log[3].id + 2);
    assert_eq!(target_log[5].target, "user:wang");
    assert_eq!(target_log.len(), 6);

    let again = migrate_from(&source, &target, &[])
        .await
        .expect_err("the target is no longer empty");
    assert!(again.to_string().contains("not empty"), "{again}");
    assert_eq!(target.data_version().await.expect("version"), 1);
}

/// 2026-04-10T08:00:00+08:00.
const PROBLEM_TIME: i64 = 1_775_779_200_000;

/// A problem reported at the centre of building `1000 + building` of the sample, routed on it.
fn sample_problem(
    atlas: &wangge_core::Atlas,
    building: i64,
    order_no: Option<&str>,
    minutes: i64,
) -> Problem {
    let b = atlas
        .data()
        .buildings
        .iter()
        .find(|b| b.id == 1000 + building)
        .expect("a sample building");
    let centre = b.geometry.bounding_rect().expect("a footprint").center();
    let at = PROBLEM_TIME + minutes * 60_000;
    problems::report(
        atlas,
        problems::Report {
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

fn household(building: i64, door: &str, category: VulnerableCategory) -> VulnerableHousehold {
    VulnerableHousehold {
        id: 0,
        building,
        door: door.into(),
        category,
        contact: Some("王奶奶".into()),
    }
}

fn visit(target: VisitTarget, chief: i64, at_ms: i64) -> Visit {
    Visit {
        id: 0,
        target,
        chief,
        at_ms,
        by: "街长0".into(),
        note: "一切正常".into(),
        households_seen: None,
    }
}

/// A GeoPackage holding the sample, three problems (one accepted, escalated twice by the clock
/// and started; one from the hotline with its work order number), two key sites, vulnerable
/// households (one taken off the list after it was visited) and visits of every kind.
async fn source_with_problems_and_visits(dir: &tempfile::TempDir) -> GpkgStore {
    let source = GpkgStore::open(dir.path().join("source.gpkg")).expect("create gpkg");
    let data = sample();
    source
        .apply(&ChangeSet::insert_all(&data))
        .await
        .expect("insert");
    let atlas = wangge_core::Atlas::new(data);
    let limits = ProblemLimits::default();
    let ids = source
        .add_problems(
            &[
                sample_problem(&atlas, 0, None, 0),
                sample_problem(&atlas, 3, Some("GD-20260410-0001"), 30),
                sample_problem(&atlas, 4, None, 60),
            ],
            &[],
        )
        .await
        .expect("problems");
    let read = |id| {
        let source = &source;
        async move { source.problem(id).await.expect("read").expect("exists").0 }
    };
    let accept = problems::transition(
        &read(ids[0]).await,
        ProblemAction::Accept,
        "街长0",
        PROBLEM_TIME + 60_000,
        "已受理",
        &limits,
    )
    .expect("accept");
    source.record_steps(&[accept], &[]).await.expect("accepted");
    // Past the chief's deadline and the grid's: with the community.
    let hour = 3_600_000;
    let escalations =
        problems::escalations(&[read(ids[0]).await], PROBLEM_TIME + 80 * hour, &limits);
    assert_eq!(
        escalations.iter().map(|s| s.to_level).collect::<Vec<_>>(),
        [EscalationLevel::Grid, EscalationLevel::Community]
    );
    source
        .record_steps(&escalations, &[])
        .await
        .expect("escalated");
    let start = problems::transition(
        &read(ids[0]).await,
        ProblemAction::Start,
        "社区书记",
        PROBLEM_TIME + 81 * hour,
        "开始处置",
        &limits,
    )
    .expect("start");
    source.record_steps(&[start], &[]).await.expect("started");
    let accept = problems::transition(
        &read(ids[1]).await,
        ProblemAction::Accept,
        "街长1",
        PROBLEM_TIME + 40 * 60_000,
        "",
        &limits,
    )
    .expect("accept");
    source.record_steps(&[accept], &[]).await.expect("accepted");

    source
        .replace_key_sites(
            &[
                KeySite {
                    place: KeyPlace::Building(1003),
                    reason: "在建工地".into(),
                },
                KeySite {
                    place: KeyPlace::Compound(100),
                    reason: "出租屋集中".into(),
                },
            ],
            &[],
        )
        .await
        .expect("key sites");
    let listed = source
        .replace_vulnerable(
            &[
                household(1000, "1-101", VulnerableCategory::ElderlyAlone),
                household(1001, "2-202", VulnerableCategory::Disabled),
                household(1004, "3-301", VulnerableCategory::LowIncome),
            ],
            &[],
        )
        .await
        .expect("households");
    let base = PROBLEM_TIME + 86_400_000;
    let kept = listed[0].id;
    let gone = listed.iter().map(|h| h.id).max().expect("households");
    for v in [
        visit(VisitTarget::Household(gone), 2, base),
        visit(VisitTarget::Household(kept), 1, base + 60_000),
        Visit {
            households_seen: Some(20),
            ..visit(VisitTarget::Building(1000), 2, base - 60_000)
        },
        visit(VisitTarget::KeyCompound(100), 1, base),
        visit(VisitTarget::KeyBuilding(1003), 2, base + 120_000),
    ] {
        source.record_visit(&v, &[]).await.expect("a visit");
    }
    // The most recent household leaves the list; its visit stays and still names its id.
    let remaining: Vec<_> = listed.into_iter().filter(|h| h.id != gone).collect();
    source
        .replace_vulnerable(&remaining, &[])
        .await
        .expect("households");
    source
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrating_copies_problems_households_and_visits_under_their_ids() {
    let dir = tempfile::tempdir().expect("tempdir");
    let source = source_with_problems_and_visits(&dir).await;
    let schema = TestSchema::new();
    let target = schema.connect().await;
    let report = migrate_from(&source, &target, &[]).await.expect("migrate");
    assert!(report.is_exact(), "{report}");
    let count = |name: &str| {
        report
            .layers
            .iter()
            .find(|l| l.name == name)
            .map(|l| l.target_count)
    };
    let source_problems = source
        .problems(&ProblemFilter::default())
        .await
        .expect("problems");
    let mut steps = 0;
    for p in &source_problems {
        let (_, s) = source.problem(p.id).await.expect("read").expect("exists");
        steps += s.len();
    }
    assert_eq!(count("problems"), Some(3));
    assert_eq!(count("problem_steps"), Some(steps));
    // Three reports, two accepts, two escalations and a start.
    assert_eq!(steps, 8);
    assert_eq!(count("key_sites"), Some(2));
    assert_eq!(count("vulnerable_households"), Some(2));
    assert_eq!(count("visits"), Some(5));
    // Everything reads back equal, ids included.
    assert_eq!(
        target
            .problems(&ProblemFilter::default())
            .await
            .expect("problems"),
        source_problems
    );
    for p in &source_problems {
        let copied = target.problem(p.id).await.expect("read").expect("copied");
        assert_eq!(Some(copied), source.problem(p.id).await.expect("read"));
    }
    let escalated = target
        .problem(source_problems[0].id)
        .await
        .expect("read")
        .expect("copied");
    assert_eq!(escalated.0.level, EscalationLevel::Community);
    assert_eq!(escalated.1.len(), 5, "{:?}", escalated.1);
    assert_eq!(
        target.problem_counts().await.expect("counts"),
        source.problem_counts().await.expect("counts")
    );
    assert_eq!(
        target.visit_targets().await.expect("targets"),
        source.visit_targets().await.expect("targets")
    );
    let source_visits = source.visits(None, None).await.expect("visits");
    assert_eq!(
        target.visits(None, None).await.expect("visits"),
        source_visits
    );
    assert_eq!(
        target.latest_visits().await.expect("latest"),
        source.latest_visits().await.expect("latest")
    );
    // Problems and visits change no data version.
    assert_eq!(target.data_version().await.expect("version"), 1);

    // New rows are numbered after the copied ones.
    let max_problem = source_problems.iter().map(|p| p.id).max().expect("some");
    let atlas = wangge_core::Atlas::new(target.load().await.expect("load"));
    let new = target
        .add_problems(&[sample_problem(&atlas, 5, None, 90)], &[])
        .await
        .expect("a new problem");
    assert!(new[0] > max_problem, "{new:?} after {max_problem}");
    let (_, new_steps) = target.problem(new[0]).await.expect("read").expect("added");
    assert_eq!(new_steps.len(), 1, "the new problem's report step");
    // The work order number came along, unique as before.
    let again = target
        .add_problems(
            &[sample_problem(&atlas, 3, Some("GD-20260410-0001"), 30)],
            &[],
        )
        .await
        .expect_err("a known work order number");
    assert!(matches!(again, Error::Refused(_)), "{again}");
    let max_visit = source_visits.iter().map(|v| v.id).max().expect("some");
    let kept = target.visit_targets().await.expect("targets").vulnerable[0].clone();
    let visit_id = target
        .record_visit(
            &visit(VisitTarget::Household(kept.id), 1, PROBLEM_TIME),
            &[],
        )
        .await
        .expect("a new visit");
    assert!(visit_id > max_visit, "{visit_id} after {max_visit}");
    // A new household gets no id a visit still names, even one taken off the list.
    let named = source_visits
        .iter()
        .filter_map(|v| match v.target {
            VisitTarget::Household(id) => Some(id),
            _ => None,
        })
        .max()
        .expect("household visits");
    let mut list = target.visit_targets().await.expect("targets").vulnerable;
    list.push(household(1002, "9-909", VulnerableCategory::Other));
    let stored = target
        .replace_vulnerable(&list, &[])
        .await
        .expect("households");
    let added = stored
        .iter()
        .find(|h| h.building == 1002)
        .expect("the new household");
    assert!(added.id > named, "{} after {named}", added.id);
    assert!(stored.iter().any(|h| h.id == kept.id), "kept its id");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrating_into_a_schema_holding_a_problem_is_refused_and_writes_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let source = source_with_problems_and_visits(&dir).await;
    let schema = TestSchema::new();
    let target = schema.connect().await;
    // Problems have no foreign keys: a problem can stand in a schema without any geography.
    let atlas = wangge_core::Atlas::new(sample());
    let held = sample_problem(&atlas, 1, Some("GD-ELSEWHERE"), 0);
    let ids = target
        .add_problems(std::slice::from_ref(&held), &[])
        .await
        .expect("a problem");
    assert_eq!(target.data_version().await.expect("version"), 0);

    let refused = migrate_from(&source, &target, &[])
        .await
        .expect_err("the target holds a problem");
    assert!(refused.to_string().contains("not empty"), "{refused}");
    assert_eq!(target.data_version().await.expect("version"), 0);
    assert!(target.load().await.expect("load").zones.is_empty());
    assert_eq!(
        target
            .problems(&ProblemFilter::default())
            .await
            .expect("problems"),
        vec![Problem { id: ids[0], ..held }]
    );
    assert_eq!(
        target.visit_targets().await.expect("targets"),
        Default::default()
    );
    assert!(target.visits(None, None).await.expect("visits").is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrating_into_a_schema_with_an_audit_log_is_refused_and_writes_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let source = source_with_problems_and_visits(&dir).await;
    let schema = TestSchema::new();
    let target = schema.connect().await;
    let held = AuditEntry::new(1, "cli:root", AuditAction::User, "user:wang");
    target
        .append_audit(std::slice::from_ref(&held))
        .await
        .expect("an entry");
    let refused = migrate_from(&source, &target, &[])
        .await
        .expect_err("the target's audit log is not empty");
    let message = refused.to_string();
    assert!(
        message.contains("1 audit log entries") && message.contains("nothing was changed"),
        "{message}"
    );
    assert_eq!(target.data_version().await.expect("version"), 0);
    assert!(target.load().await.expect("load").zones.is_empty());
    let log = target
        .audit_log(&AuditFilter::default())
        .await
        .expect("log");
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].target, held.target);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_audit_log_cannot_be_edited_behind_wangge_s_back() {
    let schema = TestSchema::new();
    let store = schema.connect().await;
    store
        .append_audit(&[
            AuditEntry::new(1, "wang", AuditAction::Tier, "compound:CM-001")
                .after(json!({ "tier": "red" })),
        ])
        .await
        .expect("an entry");
    for sql in [
        "UPDATE {s}.wangge_audit SET actor = 'someone else'",
        "UPDATE {s}.wangge_audit SET after = NULL",
        "DELETE FROM {s}.wangge_audit",
        "TRUNCATE {s}.wangge_audit",
    ] {
        let error = raw_sql(&schema.url, &sql.replace("{s}", &schema.name))
            .await
            .expect_err("the audit log is append-only");
        let message = error
            .as_db_error()
            .map(|e| e.message().to_string())
            .unwrap_or_default();
        assert!(
            message.contains("the audit log is append-only"),
            "{sql}: {message}"
        );
    }
    let log = store.audit_log(&AuditFilter::default()).await.expect("log");
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].actor, "wang");
    assert_eq!(log[0].after, Some(json!({ "tier": "red" })));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn geometries_round_trip_bit_exactly_and_boxes_are_exact() {
    let schema = TestSchema::new();
    let store = schema.connect().await;
    let mut data = sample();
    // Coordinates that a float32 or a decimal detour would change.
    let x = 102.700_000_000_000_01_f64;
    let y = 0.1_f64 + 0.2 + 25.0;
    data.buildings[0].geometry = MultiPolygon(vec![polygon![
        (x: x, y: y),
        (x: x + 1e-9, y: y),
        (x: x + 1e-9, y: y + 3e-10),
        (x: x, y: y),
    ]]);
    // Degenerate shapes the GeoPackage backend stores as they are: a one-point street and a
    // two-point ring.
    data.streets[0].geometry = line_string![(x: 102.71, y: 25.031)];
    // An empty footprint is kept, and no box query finds it.
    data.buildings[2].geometry = MultiPolygon(vec![]);
    data.buildings[1].geometry = MultiPolygon(vec![
        polygon![(x: 102.705, y: 25.035), (x: 102.705, y: 25.035)],
    ]);
    store
        .apply(&ChangeSet::insert_all(&data))
        .await
        .expect("insert");
    let loaded = normalised(store.load().await.expect("load"));
    assert_eq!(loaded, normalised(data.clone()));
    let bits = |g: &MultiPolygon<f64>| -> Vec<u64> {
        g.0[0]
            .exterior()
            .coords()
            .flat_map(|c| [c.x.to_bits(), c.y.to_bits()])
            .collect()
    };
    assert_eq!(
        bits(&loaded.buildings[0].geometry),
        bits(&data.buildings[0].geometry)
    );
    assert_eq!(
        loaded.streets[0].geometry,
        LineString::from(vec![(102.71, 25.031)])
    );

    // A box ending one ulp before the building starts misses it, though the index's 32-bit boxes
    // overlap; a box ending exactly where it starts finds it.
    let building = |max_x: f64| {
        Rect::new(
            coord! { x: x - 0.001, y: y - 0.001 },
            coord! { x: max_x, y: y + 0.001 },
        )
    };
    let ids = |records: Vec<Record>| records.iter().map(Record::id).collect::<Vec<_>>();
    let page = Page::default();
    let miss = store
        .in_bbox(Layer::Buildings, building(x.next_down()), page)
        .await
        .expect("query");
    assert!(!ids(miss).contains(&1000));
    let hit = store
        .in_bbox(Layer::Buildings, building(x), page)
        .await
        .expect("query");
    assert!(ids(hit).contains(&1000));
    let world = Rect::new(coord! { x: -180.0, y: -90.0 }, coord! { x: 180.0, y: 90.0 });
    let everything = ids(store
        .in_bbox(Layer::Buildings, world, page)
        .await
        .expect("query"));
    assert_eq!(everything.len(), data.buildings.len() - 1);
    assert!(!everything.contains(&1002));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dangling_references_name_the_table_and_both_rows() {
    let schema = TestSchema::new();
    let store = schema.connect().await;
    let data = sample();
    store
        .apply(&ChangeSet::insert_all(&data))
        .await
        .expect("insert");
    let mut chief = data.chiefs[0].clone();
    chief.id = 77;
    chief.community = Some(999);
    let error = store
        .apply(&ChangeSet {
            chiefs: vec![chief],
            ..ChangeSet::default()
        })
        .await
        .expect_err("dangling community");
    assert!(matches!(error, Error::Refused(_)), "{error:?}");
    assert_eq!(
        error.to_string(),
        "change refused: chiefs row 77 refers to zones row 999, which does not exist"
    );
    let error = store
        .apply(&ChangeSet {
            delete_compounds: vec![100],
            ..ChangeSet::default()
        })
        .await
        .expect_err("buildings stand in it");
    assert!(
        error
            .to_string()
            .contains("buildings row 1000 refers to compounds row 100"),
        "{error}"
    );
    assert_eq!(store.data_version().await.expect("version"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tier_history_cannot_be_edited_behind_wangge_s_back() {
    let schema = TestSchema::new();
    let store = schema.connect().await;
    let mut data = sample();
    store
        .apply(&ChangeSet::insert_all(&data))
        .await
        .expect("insert");
    let before = data.clone();
    data.compounds[0].tier = Tier::Red;
    let mut set = ChangeSet::diff(&before, &data);
    set.tier_changes.push(TierChange {
        compound: 100,
        from: Tier::Green,
        to: Tier::Red,
        reason: "群租".into(),
        by: "王主任".into(),
        at_ms: 1_790_000_000_000,
    });
    store.apply(&set).await.expect("tier change");
    for sql in [
        "UPDATE {s}.tier_changes SET reason = 'x'",
        "DELETE FROM {s}.tier_changes",
        "TRUNCATE {s}.tier_changes CASCADE",
    ] {
        let error = raw_sql(&schema.url, &sql.replace("{s}", &schema.name))
            .await
            .expect_err("tier history is append-only");
        let message = error
            .as_db_error()
            .map(|e| e.message().to_string())
            .unwrap_or_default();
        assert!(message.contains("tier history cannot be"), "{message}");
    }
    assert_eq!(store.tier_history(100).await.expect("history").len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgresql_restart_is_survived_without_recreating_the_store() {
    let cluster = TestCluster::start().expect("an own cluster to restart");
    let schema = TestSchema::in_database(&cluster.url());
    let store = schema.connect().await;
    let mut data = sample();
    store
        .apply(&ChangeSet::insert_all(&data))
        .await
        .expect("insert");
    let mut versions = store.subscribe().await.expect("subscribe");

    cluster.stop().expect("stop PostgreSQL");
    let during = store.apply(&rename(&mut data, "停机时")).await;
    match during {
        Err(Error::Unavailable(message)) => {
            assert!(message.contains(&redact(&cluster.url())), "{message}");
        }
        other => panic!("an apply during the outage must be Unavailable: {other:?}"),
    }
    assert!(matches!(store.load().await, Err(Error::Unavailable(_))));
    cluster.resume().expect("start PostgreSQL again");

    // The subscription reconnects and reports the version it may have missed changes up to.
    assert_eq!(next_version(&mut versions).await, 1);
    let applied = store
        .apply(&rename(&mut data, "恢复后"))
        .await
        .expect("an apply after the restart");
    assert_eq!(applied.version, 2);
    assert_eq!(next_version(&mut versions).await, 2);

    cluster.restart().expect("pg_ctl restart");
    let applied = store
        .apply(&rename(&mut data, "重启后"))
        .await
        .expect("an apply after pg_ctl restart");
    assert_eq!(applied.version, 3);
    let mut last = 0;
    while last < 3 {
        let version = next_version(&mut versions).await;
        assert!(version >= last && version <= 3, "{version} after {last}");
        last = version;
    }
    // Every acknowledged write is there.
    let loaded = store.load().await.expect("load");
    assert_eq!(loaded.compounds[1].name, "重启后");
    assert_eq!(store.data_version().await.expect("version"), 3);
}
