//! The problem rules: the state machine, the escalation clock, deadlines in Shanghai time,
//! routing on a small hand-made jurisdiction, and the dashboard's counts.

use geo::{LineString, MultiPolygon, polygon};

use super::*;
use crate::{
    Assignment, Building, Chief, ChiefRole, Compound, CompoundKind, Dataset, LevelConfig,
    Management, StreetClass, StreetSegment, Tier, Totals, Zone,
};

const HOUR: i64 = 3_600_000;

/// Milliseconds of an instant written in RFC 3339.
fn ms(text: &str) -> i64 {
    text.parse::<Timestamp>().expect("a time").as_millisecond()
}

fn problem(id: Id, reported_at_ms: i64) -> Problem {
    let limits = ProblemLimits::default();
    Problem {
        id,
        lon: 102.71,
        lat: 25.04,
        address: None,
        category: ProblemCategory::Sanitation,
        description: "垃圾堆放".into(),
        source: ProblemSource::Patrol,
        order_no: None,
        reported_at_ms,
        reporter: "王芳".into(),
        routing: Routing::default(),
        state: ProblemState::Reported,
        level: EscalationLevel::Chief,
        deadline_ms: limits.deadline(EscalationLevel::Chief, reported_at_ms),
    }
}

fn step(p: &Problem, action: ProblemAction, at_ms: i64) -> Result<ProblemStep, ProblemError> {
    transition(p, action, "李网格", at_ms, "", &ProblemLimits::default())
}

#[test]
fn a_problem_goes_from_reported_to_closed_and_back() {
    let mut p = problem(1, 0);
    for (action, state) in [
        (ProblemAction::Accept, ProblemState::Accepted),
        (ProblemAction::Start, ProblemState::InProgress),
        (ProblemAction::Resolve, ProblemState::Resolved),
        (ProblemAction::Close, ProblemState::Closed),
        (ProblemAction::Reopen, ProblemState::Reported),
    ] {
        let s = step(&p, action, 10 * HOUR).expect("allowed");
        assert_eq!(s.from_state, Some(p.state));
        assert_eq!(s.to_state, state);
        assert_eq!((s.from_level, s.to_level), (Some(p.level), p.level));
        assert_eq!(s.by, "李网格");
        p = p.after(&s);
    }
    // Reopening gives the level its full limit again, from the time of reopening.
    assert_eq!(p.deadline_ms, 34 * HOUR);
    // A problem can be started without being accepted, and resolved from any open state.
    let fresh = problem(2, 0);
    assert!(step(&fresh, ProblemAction::Start, 1).is_ok());
    assert!(step(&fresh, ProblemAction::Resolve, 1).is_ok());
    // Accepting and starting do not move the deadline.
    let s = step(&fresh, ProblemAction::Accept, 5 * HOUR).expect("accept");
    assert_eq!(s.deadline_ms, fresh.deadline_ms);
}

#[test]
fn illegal_moves_are_refused_saying_what_is_allowed() {
    let p = problem(3, 0);
    let error = step(&p, ProblemAction::Close, 1).expect_err("close a reported problem");
    assert_eq!(
        error.to_string(),
        "problem 3 is reported (已上报); it cannot be closed: it can be accepted or started or \
         resolved or escalated"
    );
    assert!(matches!(
        step(&p, ProblemAction::Report, 1),
        Err(ProblemError::Illegal { .. })
    ));
    assert!(matches!(
        step(&p, ProblemAction::Reopen, 1),
        Err(ProblemError::Illegal { .. })
    ));
    let accepted = p.after(&step(&p, ProblemAction::Accept, 1).expect("accept"));
    assert!(step(&accepted, ProblemAction::Accept, 2).is_err(), "twice");
    let resolved = accepted.after(&step(&accepted, ProblemAction::Resolve, 2).expect("resolve"));
    let error = step(&resolved, ProblemAction::Escalate, 3).expect_err("escalate resolved");
    assert!(error.to_string().contains("closed or reopened"), "{error}");
    assert!(step(&resolved, ProblemAction::Start, 3).is_err());
    // The top cannot escalate, and nobody acts without a name.
    let mut top = problem(4, 0);
    top.level = EscalationLevel::Subdistrict;
    assert_eq!(
        step(&top, ProblemAction::Escalate, 1),
        Err(ProblemError::AtTop(4))
    );
    assert_eq!(
        transition(
            &p,
            ProblemAction::Accept,
            "  ",
            1,
            "",
            &ProblemLimits::default()
        ),
        Err(ProblemError::Required("the name of whoever acts"))
    );
    assert_eq!(
        allowed_actions(ProblemState::Closed),
        vec![ProblemAction::Reopen]
    );
}

#[test]
fn escalating_by_hand_gives_the_next_level_its_full_limit() {
    let p = problem(5, 0);
    let s = step(&p, ProblemAction::Escalate, 3 * HOUR).expect("escalate");
    assert_eq!((s.to_state, s.to_level), (p.state, EscalationLevel::Grid));
    assert_eq!(s.deadline_ms, 3 * HOUR + 48 * HOUR);
}

#[test]
fn the_clock_escalates_several_levels_at_once_each_at_the_deadline_it_missed() {
    let limits = ProblemLimits::default();
    let p = problem(6, 0);
    // On time at the deadline itself.
    assert!(escalations(std::slice::from_ref(&p), 24 * HOUR, &limits).is_empty());
    let steps = escalations(std::slice::from_ref(&p), 24 * HOUR + 1, &limits);
    assert_eq!(steps.len(), 1);
    assert_eq!(
        (steps[0].at_ms, steps[0].to_level, steps[0].deadline_ms),
        (24 * HOUR, EscalationLevel::Grid, 72 * HOUR)
    );
    assert_eq!(steps[0].by, CLOCK);
    assert_eq!(steps[0].action, ProblemAction::Escalate);
    // Ten days late: chief (24 h) → grid (missed at 72 h) → community (missed at 144 h) →
    // sub-district, where it stays.
    let steps = escalations(std::slice::from_ref(&p), 240 * HOUR, &limits);
    let view: Vec<(i64, Option<EscalationLevel>, EscalationLevel)> = steps
        .iter()
        .map(|s| (s.at_ms / HOUR, s.from_level, s.to_level))
        .collect();
    assert_eq!(
        view,
        vec![
            (24, Some(EscalationLevel::Chief), EscalationLevel::Grid),
            (72, Some(EscalationLevel::Grid), EscalationLevel::Community),
            (
                144,
                Some(EscalationLevel::Community),
                EscalationLevel::Subdistrict
            ),
        ]
    );
    // Once the steps are applied, the clock owes nothing more, however late it gets.
    let after = steps.iter().fold(p.clone(), |p, s| p.after(s));
    assert_eq!(after.level, EscalationLevel::Subdistrict);
    assert!(escalations(std::slice::from_ref(&after), 10_000 * HOUR, &limits).is_empty());
    assert!(after.is_overdue(264 * HOUR + 1), "overdue at the top");
}

#[test]
fn a_stopped_clock_writes_the_same_history_as_one_that_ran_every_hour() {
    let limits = ProblemLimits {
        chief_hours: 5,
        grid_hours: 7,
        community_hours: 11,
        subdistrict_hours: 13,
    };
    let start = problem(7, 0);
    let mut ticking = start.clone();
    let mut ticked = Vec::new();
    for hour in 0..100 {
        for s in escalations(std::slice::from_ref(&ticking), hour * HOUR, &limits) {
            ticking = ticking.after(&s);
            ticked.push(s);
        }
    }
    let at_once = escalations(std::slice::from_ref(&start), 99 * HOUR, &limits);
    assert_eq!(ticked, at_once);
    assert_eq!(at_once.len(), 3);
}

#[test]
fn resolved_and_closed_problems_never_escalate() {
    let limits = ProblemLimits::default();
    let mut resolved = problem(8, 0);
    resolved.state = ProblemState::Resolved;
    let mut closed = problem(9, 0);
    closed.state = ProblemState::Closed;
    let mut working = problem(10, 0);
    working.state = ProblemState::InProgress;
    let steps = escalations(&[resolved, closed, working], 1_000 * HOUR, &limits);
    assert!(steps.iter().all(|s| s.problem == 10), "{steps:?}");
    assert_eq!(steps.len(), 3);
    // An in-progress problem keeps its state while it goes up.
    assert!(steps.iter().all(|s| s.to_state == ProblemState::InProgress));
}

#[test]
fn deadlines_cross_midnight_in_shanghai() {
    let limits = ProblemLimits::default();
    // 23:30 on 1 March in Shanghai is 15:30 UTC.
    let reported = ms("2026-03-01T23:30:00+08:00");
    let p = problem(11, reported);
    assert_eq!(p.deadline_ms, ms("2026-03-02T23:30:00+08:00"));
    let tz = shanghai();
    assert_eq!(
        local_date(p.deadline_ms, &tz),
        Ok(jiff::civil::date(2026, 3, 2))
    );
    // 00:10 on 3 March in Shanghai is still 2 March in UTC, and past the deadline.
    let steps = escalations(&[p], ms("2026-03-03T00:10:00+08:00"), &limits);
    assert_eq!(steps.len(), 1);
    assert_eq!(steps[0].at_ms, ms("2026-03-02T15:30:00Z"));
    // The grid's 48 hours run to 23:30 on 4 March, Shanghai time.
    assert_eq!(steps[0].deadline_ms, ms("2026-03-04T23:30:00+08:00"));
}

#[test]
fn weeks_are_shanghai_weeks_starting_on_monday() {
    // Sunday 8 March 2026, 23:59 in Shanghai, and Monday 9 March, 00:01 — the same UTC day.
    let sunday = ms("2026-03-08T23:59:00+08:00");
    let monday = ms("2026-03-09T00:01:00+08:00");
    assert_eq!(
        week_of(sunday).expect("week"),
        jiff::civil::date(2026, 3, 2)
    );
    assert_eq!(
        week_of(monday).expect("week"),
        jiff::civil::date(2026, 3, 9)
    );
    let mut hotline = problem(13, monday);
    hotline.source = ProblemSource::Hotline;
    let weeks =
        by_week(&[problem(12, sunday), hotline, problem(14, monday + HOUR)]).expect("weeks");
    assert_eq!(
        weeks,
        vec![
            WeekCounts {
                week: jiff::civil::date(2026, 3, 2),
                reported: 1,
                hotline: 0
            },
            WeekCounts {
                week: jiff::civil::date(2026, 3, 9),
                reported: 2,
                hotline: 1
            },
        ]
    );
}

#[test]
fn limits_come_from_json_and_refuse_zero() {
    let limits: ProblemLimits =
        serde_json::from_str(r#"{"chief_hours": 12, "community_hours": 96}"#).expect("json");
    assert_eq!(
        limits,
        ProblemLimits {
            chief_hours: 12,
            community_hours: 96,
            ..ProblemLimits::default()
        }
    );
    assert!(serde_json::from_str::<ProblemLimits>(r#"{"chef_hours": 1}"#).is_err());
    let zero = ProblemLimits {
        grid_hours: 0,
        ..ProblemLimits::default()
    };
    assert_eq!(
        zero.validate(),
        Err(ProblemError::ZeroLimit(EscalationLevel::Grid))
    );
    assert_eq!(ProblemLimits::default().validate(), Ok(()));
}

#[test]
fn vocabularies_read_chinese_and_english() {
    assert_eq!(
        ProblemCategory::parse("市容环境").ok(),
        Some(ProblemCategory::Sanitation)
    );
    assert_eq!(
        ProblemCategory::parse("Noise").ok(),
        Some(ProblemCategory::Noise)
    );
    assert_eq!(
        ProblemAction::parse("受理").ok(),
        Some(ProblemAction::Accept)
    );
    assert_eq!(
        ProblemState::parse("in-progress").ok(),
        Some(ProblemState::InProgress)
    );
    assert_eq!(
        EscalationLevel::parse("街道").ok(),
        Some(EscalationLevel::Subdistrict)
    );
    assert!(ProblemSource::parse("fax").is_err());
}

fn square(x: f64, y: f64, size: f64) -> MultiPolygon<f64> {
    MultiPolygon(vec![
        polygon![(x: x, y: y), (x: x + size, y: y), (x: x + size, y: y + size), (x: x, y: y + size)],
    ])
}

fn zone(id: Id, code: &str, level: &str, parent: Option<Id>, geometry: MultiPolygon<f64>) -> Zone {
    Zone {
        id,
        code: code.into(),
        name: code.into(),
        level: level.into(),
        parent,
        geometry,
        totals: Totals::default(),
    }
}

fn building(id: Id, compound: Option<Id>, geometry: MultiPolygon<f64>) -> Building {
    Building {
        id,
        source_id: None,
        name: None,
        address: None,
        compound,
        floors: 6,
        units: 2,
        households: 24,
        population: 60,
        height_m: None,
        estimated: false,
        geometry,
    }
}

fn chief(id: Id) -> Chief {
    Chief {
        id,
        name: format!("街长{id}"),
        role: ChiefRole::Volunteer,
        phone: "13800000000".into(),
        community: None,
        level: None,
    }
}

fn duty(kind: DutyKind, target: Id, chief: Id) -> Assignment {
    Assignment {
        kind,
        target,
        level: ChiefLevel::Resident,
        chief,
        fixed: false,
    }
}

/// A sub-district of one community with one grid; a compound with building 1 (chief 1), a
/// loose building 2 (chief 2) and an east–west street (chief 3) 0.003° (~330 m) north of them.
fn atlas() -> Atlas {
    let (x, y) = (102.70, 25.03);
    let mut data = Dataset::new(LevelConfig::default());
    data.zones = vec![
        zone(1, "530102001", "subdistrict", None, square(x, y, 0.01)),
        zone(2, "530102001001", "community", Some(1), square(x, y, 0.01)),
        zone(3, "53010200100101", "primary", Some(2), square(x, y, 0.01)),
    ];
    data.compounds.push(Compound {
        id: 50,
        code: "C1".into(),
        name: "小区".into(),
        kind: CompoundKind::Mixed,
        management: Management::Full,
        tier: Tier::Green,
        stars: None,
        source_id: None,
        geometry: square(x + 0.001, y + 0.001, 0.002),
    });
    data.buildings = vec![
        building(1, Some(50), square(x + 0.0015, y + 0.0015, 0.0005)),
        building(2, None, square(x + 0.005, y + 0.0015, 0.0005)),
    ];
    data.streets.push(StreetSegment {
        id: 7,
        source_id: None,
        name: Some("青云路".into()),
        class: StreetClass::Local,
        geometry: LineString::from(vec![(x, y + 0.005), (x + 0.01, y + 0.005)]),
    });
    data.chiefs = vec![chief(1), chief(2), chief(3)];
    data.duties = vec![
        duty(DutyKind::Building, 1, 1),
        duty(DutyKind::Building, 2, 2),
        duty(DutyKind::Street, 7, 3),
    ];
    Atlas::new(data)
}

#[test]
fn routing_finds_the_building_then_the_nearest_building_or_street() {
    let atlas = atlas();
    let (x, y) = (102.70, 25.03);
    // Inside building 1, in the compound.
    let inside = route(&atlas, Point::new(x + 0.0017, y + 0.0017));
    assert_eq!(
        inside,
        Routing {
            compound: Some(50),
            building: Some(1),
            street: None,
            chief: Some(1),
            grid: Some("53010200100101".into()),
            community: Some("530102001001".into()),
            subdistrict: Some("530102001".into()),
        }
    );
    // In the compound's yard, nearest building 1 (~30 m away).
    let yard = route(&atlas, Point::new(x + 0.0017, y + 0.0023));
    assert_eq!(
        (yard.building, yard.chief, yard.compound),
        (Some(1), Some(1), Some(50))
    );
    // Next to building 2, outside any compound.
    let loose = route(&atlas, Point::new(x + 0.0058, y + 0.0017));
    assert_eq!(
        (loose.building, loose.chief, loose.compound),
        (Some(2), Some(2), None)
    );
    // Close to the street, far from both buildings.
    let street = route(&atlas, Point::new(x + 0.008, y + 0.0049));
    assert_eq!(
        (street.street, street.building, street.chief),
        (Some(7), None, Some(3))
    );
    // On the road just west of the sub-district (~20 m outside): the grid beside it.
    let outside = route(&atlas, Point::new(x - 0.0002, y + 0.005));
    assert_eq!(
        (
            outside.grid.as_deref(),
            outside.community.as_deref(),
            outside.subdistrict.as_deref()
        ),
        (
            Some("53010200100101"),
            Some("530102001001"),
            Some("530102001")
        )
    );
    // Far from everything and outside every zone: nobody.
    assert_eq!(
        route(&atlas, Point::new(x + 0.5, y + 0.5)),
        Routing::default()
    );
}

#[test]
fn a_report_is_checked_routed_and_given_the_chiefs_deadline() {
    let atlas = atlas();
    let now = ms("2026-04-10T12:00:00Z");
    let draft = Report {
        lon: 102.7017,
        lat: 25.0317,
        address: Some("  ".into()),
        category: ProblemCategory::FireSafety,
        description: " 消防通道堵塞 ".into(),
        source: ProblemSource::Patrol,
        order_no: None,
        at_ms: now,
        reporter: "王芳".into(),
    };
    let p = report(&atlas, draft.clone(), now, &ProblemLimits::default()).expect("reported");
    assert_eq!(p.description, "消防通道堵塞");
    assert_eq!(p.address, None);
    assert_eq!(p.routing.chief, Some(1));
    assert_eq!(
        (p.state, p.level),
        (ProblemState::Reported, EscalationLevel::Chief)
    );
    assert_eq!(p.deadline_ms, now + 24 * HOUR);
    let first = report_step(&p);
    assert_eq!(
        (first.action, first.from_state),
        (ProblemAction::Report, None)
    );
    let bad = |change: fn(&mut Report)| {
        let mut d = draft.clone();
        change(&mut d);
        report(&atlas, d, now, &ProblemLimits::default())
    };
    assert!(matches!(
        bad(|d| d.lon = 200.0),
        Err(ProblemError::BadPoint(..))
    ));
    assert!(matches!(
        bad(|d| d.lat = f64::NAN),
        Err(ProblemError::BadPoint(..))
    ));
    assert!(matches!(
        bad(|d| d.description = " ".into()),
        Err(ProblemError::Required(_))
    ));
    assert!(matches!(
        bad(|d| d.reporter = String::new()),
        Err(ProblemError::Required(_))
    ));
    assert!(matches!(
        bad(|d| d.at_ms += 2 * MAX_FUTURE_MS),
        Err(ProblemError::InFuture(_))
    ));
}

#[test]
fn counts_per_zone_and_the_worst_compounds_first() {
    let routed = |grid: &str, compound: Option<Id>| Routing {
        compound,
        grid: Some(grid.into()),
        community: Some(grid[..6].into()),
        subdistrict: Some(grid[..3].into()),
        ..Routing::default()
    };
    let mut problems = Vec::new();
    for (i, (grid, compound, source, state, level)) in [
        (
            "100200301",
            Some(5),
            ProblemSource::Hotline,
            ProblemState::Reported,
            EscalationLevel::Chief,
        ),
        (
            "100200301",
            Some(5),
            ProblemSource::Hotline,
            ProblemState::Accepted,
            EscalationLevel::Grid,
        ),
        (
            "100200302",
            Some(6),
            ProblemSource::Hotline,
            ProblemState::Closed,
            EscalationLevel::Community,
        ),
        (
            "100200302",
            Some(6),
            ProblemSource::Patrol,
            ProblemState::Reported,
            EscalationLevel::Chief,
        ),
        (
            "100201401",
            Some(4),
            ProblemSource::Hotline,
            ProblemState::InProgress,
            EscalationLevel::Subdistrict,
        ),
        (
            "100201401",
            Some(4),
            ProblemSource::Hotline,
            ProblemState::Resolved,
            EscalationLevel::Chief,
        ),
    ]
    .into_iter()
    .enumerate()
    {
        let mut p = problem(i as Id + 1, 0);
        p.routing = routed(grid, compound);
        p.source = source;
        p.state = state;
        p.level = level;
        problems.push(p);
    }
    let counts = count(&problems);
    let zone = |code: &str| counts.by_zone.get(code).copied().unwrap_or_default();
    assert_eq!(
        zone("100200301"),
        ZoneProblemCounts {
            total: 2,
            open: 2,
            escalated: 1
        }
    );
    assert_eq!(
        zone("100200"),
        ZoneProblemCounts {
            total: 4,
            open: 3,
            escalated: 1
        }
    );
    assert_eq!(
        zone("100"),
        ZoneProblemCounts {
            total: 6,
            open: 4,
            escalated: 2
        }
    );
    // Compounds 4 and 5 have two hotline orders each (the lower id first), 6 has one.
    assert_eq!(counts.hotline_by_compound, vec![(4, 2), (5, 2), (6, 1)]);
}
