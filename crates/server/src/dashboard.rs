//! The leaders' dashboard: `GET /api/dashboard?zone=CODE&weeks=N` — compounds by tier in a zone
//! and in each of its children (for drill-down), overdue inspections per child zone and per
//! street chief, the tier counts and the inspections week by week, and the tier changes that
//! inspectors suggested and nobody has confirmed yet.

use std::collections::{BTreeMap, HashMap};

use axum::Json;
use axum::extract::{Query, State};
use geo::{Covers, InteriorPoint, Point};
use jiff::ToSpan;
use jiff::civil::Date;
use serde::Deserialize;
use serde_json::{Value, json};
use wangge_core::inspections::{latest_inspections, local_date, shanghai};
use wangge_core::{
    Atlas, Compound, Dataset, Due, EscalationLevel, Id, Inspection, Problem, ProblemSource, Tier,
    TierChange, Zone, due_list, prohibited_rental, tier_at,
};

use crate::board::compound_chief;
use crate::views::{compounds_in, now_ms, summary_of};
use crate::{ApiError, AppState};

/// The most weeks a trend goes back.
pub const MAX_WEEKS: u32 = 104;

/// How many compounds the hotline ranking lists.
pub const RANKED: usize = 20;

/// `?zone=&weeks=`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct DashboardQuery {
    zone: Option<String>,
    weeks: Option<u32>,
}

/// One week of the trend.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Week {
    /// Its Monday (Asia/Shanghai).
    pub start: Date,
    /// Its start and end (exclusive; now for this week), ms.
    pub span: (i64, i64),
    /// Compounds in each tier at the end of the week (or now, for this week): green, yellow, red.
    pub tiers: [usize; 3],
    /// Tier changes made during the week.
    pub changes: usize,
    /// Inspections made during the week.
    pub inspections: usize,
}

fn slot(tier: Tier) -> usize {
    match tier {
        Tier::Green => 0,
        Tier::Yellow => 1,
        Tier::Red => 2,
    }
}

/// Milliseconds at the start of `date` in Asia/Shanghai.
fn start_ms(date: Date) -> Result<i64, ApiError> {
    date.to_zoned(shanghai())
        .map(|z| z.timestamp().as_millisecond())
        .map_err(|e| ApiError::Internal(format!("the start of {date}: {e}")))
}

/// The last `weeks` weeks (Monday to Sunday, Asia/Shanghai) up to the one holding `now_ms`: how
/// many of `compounds` were in each tier at each week's end, as their tier changes tell (a
/// compound's tier at a time is the `to` of its last change before it, else the `from` of its
/// first change after it, else its tier now), and how many tier changes and inspections fell in
/// each week. Oldest week first.
pub fn weekly_trend(
    compounds: &[&Compound],
    history: &[TierChange],
    inspections: &[Inspection],
    weeks: u32,
    now_ms: i64,
) -> Result<Vec<Week>, ApiError> {
    let tz = shanghai();
    let today = local_date(now_ms, &tz).map_err(|e| ApiError::Internal(e.to_string()))?;
    let monday = today
        .checked_sub(i64::from(today.weekday().to_monday_zero_offset()).days())
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    let mut by_compound: HashMap<Id, Vec<&TierChange>> = HashMap::new();
    for change in history {
        by_compound.entry(change.compound).or_default().push(change);
    }
    for changes in by_compound.values_mut() {
        changes.sort_by_key(|c| c.at_ms);
    }
    let ids: std::collections::HashSet<Id> = compounds.iter().map(|c| c.id).collect();
    let mut out = Vec::with_capacity(weeks as usize);
    for back in (0..i64::from(weeks.max(1))).rev() {
        let start = monday
            .checked_sub((7 * back).days())
            .map_err(|e| ApiError::Internal(e.to_string()))?;
        let end = start
            .checked_add(7.days())
            .map_err(|e| ApiError::Internal(e.to_string()))?;
        let (from, to) = (start_ms(start)?, start_ms(end)?.min(now_ms));
        let mut tiers = [0usize; 3];
        for c in compounds {
            let tier = match by_compound.get(&c.id) {
                Some(changes) => match changes.iter().rev().find(|ch| ch.at_ms < to) {
                    Some(last) => last.to,
                    None => changes.first().map_or(c.tier, |first| first.from),
                },
                None => c.tier,
            };
            tiers[slot(tier)] += 1;
        }
        let changes = history
            .iter()
            .filter(|ch| ids.contains(&ch.compound) && ch.at_ms >= from && ch.at_ms < to)
            .count();
        let inspected = inspections
            .iter()
            .filter(|i| ids.contains(&i.compound) && i.at_ms >= from && i.at_ms < to)
            .count();
        out.push(Week {
            start,
            span: (from, to),
            tiers,
            changes,
            inspections: inspected,
        });
    }
    Ok(out)
}

/// The zone a compound belongs to among `zones`: the one its interior point lies in.
fn zone_of<'a>(zones: &[&'a Zone], compound: &Compound) -> Option<&'a Zone> {
    let p = compound.geometry.interior_point()?;
    zones.iter().copied().find(|z| z.geometry.covers(&p))
}

/// `GET /api/dashboard?zone=CODE&weeks=N` (the main zone and 12 weeks by default).
pub(crate) async fn dashboard(
    State(state): State<AppState>,
    query: Result<Query<DashboardQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let Query(query) = query.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let weeks = query.weeks.unwrap_or(12);
    if !(1..=MAX_WEEKS).contains(&weeks) {
        return Err(ApiError::BadRequest(format!(
            "`weeks` must be 1 to {MAX_WEEKS}, not {weeks}"
        )));
    }
    let atlas = state.snapshot().atlas;
    if let Some(code) = query.zone.as_deref()
        && atlas.zone_by_code(code).is_none()
    {
        return Err(ApiError::NotFound(format!("no zone has code {code}")));
    }
    let inspections = state.store().inspections(None).await?;
    let history = state.store().all_tier_history().await?;
    let problems = state
        .store()
        .problems(&wangge_store::ProblemFilter::default())
        .await?;
    let now = now_ms();
    let body = tokio::task::spawn_blocking(move || {
        let zone = match query.zone.as_deref() {
            Some(code) => atlas.zone_by_code(code),
            None => atlas.data().main_zone(),
        };
        let facts = Facts {
            inspections: &inspections,
            history: &history,
            problems: &problems,
        };
        dashboard_of(&atlas, zone, &facts, weeks, now)
    })
    .await
    .map_err(|e| ApiError::Internal(format!("the dashboard: {e}")))??;
    Ok(Json(body))
}

/// What the store holds beside the atlas, for the dashboard.
struct Facts<'a> {
    inspections: &'a [Inspection],
    history: &'a [TierChange],
    problems: &'a [Problem],
}

/// The dashboard's figures for `zone` (everything when `None`).
fn dashboard_of(
    atlas: &Atlas,
    zone: Option<&Zone>,
    facts: &Facts<'_>,
    weeks: u32,
    now: i64,
) -> Result<Value, ApiError> {
    let (inspections, history) = (facts.inspections, facts.history);
    let data = atlas.data();
    let compounds = compounds_in(atlas, zone);
    let mut summary = summary_of(atlas, zone);
    // Due dates of the zone's compounds (geometry is not needed for dates).
    let subset = Dataset {
        compounds: compounds
            .iter()
            .map(|c| Compound {
                geometry: geo::MultiPolygon(Vec::new()),
                ..(*c).clone()
            })
            .collect(),
        ..Dataset::default()
    };
    let due: Vec<Due> = due_list(&subset, inspections, &data.cadences, now)
        .map_err(|e| ApiError::Internal(format!("due dates: {e}")))?;
    let overdue: HashMap<Id, &Due> = due
        .iter()
        .filter(|d| d.overdue)
        .map(|d| (d.compound, d))
        .collect();
    // Overdue per child zone.
    let children: Vec<&Zone> = match zone {
        Some(z) => data
            .zones
            .iter()
            .filter(|c| c.parent == Some(z.id))
            .collect(),
        None => data.zones.iter().filter(|c| c.parent.is_none()).collect(),
    };
    let mut per_child: HashMap<&str, usize> = HashMap::new();
    let mut per_chief: BTreeMap<Id, (usize, usize, i64)> = BTreeMap::new();
    for c in &compounds {
        let late = overdue.get(&c.id);
        if late.is_some()
            && let Some(child) = zone_of(&children, c)
        {
            *per_child.entry(child.code.as_str()).or_default() += 1;
        }
        if let Some(chief) = compound_chief(atlas, c.id) {
            let entry = per_chief.entry(chief.id).or_default();
            entry.1 += 1;
            if let Some(d) = late {
                entry.0 += 1;
                entry.2 = entry.2.max(d.days_overdue);
            }
        }
    }
    if let Some(list) = summary["children"].as_array_mut() {
        for child in list {
            let n = child["code"]
                .as_str()
                .and_then(|code| per_child.get(code))
                .copied()
                .unwrap_or(0);
            child["overdue"] = json!(n);
        }
    }
    let mut chiefs: Vec<Value> = per_chief
        .iter()
        .filter(|(_, (late, _, _))| *late > 0)
        .filter_map(|(id, (late, total, worst))| {
            let chief = atlas.chief(*id)?;
            Some(json!({
                "id": id,
                "name": chief.name,
                "phone": chief.phone,
                "overdue": late,
                "compounds": total,
                "most_days_overdue": worst,
            }))
        })
        .collect();
    chiefs.sort_by(|a, b| {
        b["overdue"].as_u64().cmp(&a["overdue"].as_u64()).then(
            b["most_days_overdue"]
                .as_i64()
                .cmp(&a["most_days_overdue"].as_i64()),
        )
    });
    // Suggested tier changes nobody has confirmed: the latest inspection of a compound suggests
    // a tier other than its tier now, and no tier change came after it.
    let latest = latest_inspections(inspections);
    let last_change: HashMap<Id, i64> = history.iter().fold(HashMap::new(), |mut m, ch| {
        let at = m.entry(ch.compound).or_insert(ch.at_ms);
        *at = (*at).max(ch.at_ms);
        m
    });
    let tz = shanghai();
    let mut suggestions: Vec<Value> = compounds
        .iter()
        .filter_map(|c| {
            let i = latest.get(&c.id)?;
            let suggested = i.suggested_tier.filter(|t| *t != c.tier)?;
            if last_change.get(&c.id).is_some_and(|at| *at >= i.at_ms) {
                return None;
            }
            Some(json!({
                "code": c.code,
                "name": c.name,
                "tier": c.tier.as_str(),
                "suggested": suggested.as_str(),
                "inspector": i.inspector,
                "inspection": i.id,
                "date": local_date(i.at_ms, &tz).map(|d| d.to_string()).ok(),
            }))
        })
        .collect();
    suggestions.sort_by(|a, b| b["date"].as_str().cmp(&a["date"].as_str()));
    // Rentals found in compounds that were red at the time (禁止级): open while the compound's
    // latest inspection says so.
    let mut rentals: Vec<Value> = compounds
        .iter()
        .filter_map(|c| {
            let i = latest.get(&c.id)?;
            let then = tier_at(c.id, c.tier, history, i.at_ms);
            if !prohibited_rental(then, &i.findings) {
                return None;
            }
            Some(json!({
                "code": c.code,
                "name": c.name,
                "tier": c.tier.as_str(),
                "inspector": i.inspector,
                "date": local_date(i.at_ms, &tz).map(|d| d.to_string()).ok(),
                "note": i.findings.rentals.as_ref().map(|f| f.note.clone()),
            }))
        })
        .collect();
    rentals.sort_by(|a, b| b["date"].as_str().cmp(&a["date"].as_str()));
    // Problems reported inside the zone (by their point), open and escalated in it and in each
    // child, and the compounds with the most hotline work orders.
    let inside = |p: &Problem| zone.is_none_or(|z| z.geometry.covers(&Point::new(p.lon, p.lat)));
    let problems: Vec<&Problem> = facts.problems.iter().filter(|p| inside(p)).collect();
    let open: Vec<&Problem> = problems
        .iter()
        .copied()
        .filter(|p| p.state.is_open())
        .collect();
    let escalated = |p: &Problem| p.level != EscalationLevel::Chief;
    if let Some(list) = summary["children"].as_array_mut() {
        for child in list {
            let Some(z) = child["code"].as_str().and_then(|c| atlas.zone_by_code(c)) else {
                continue;
            };
            let mine: Vec<&Problem> = open
                .iter()
                .copied()
                .filter(|p| z.geometry.covers(&Point::new(p.lon, p.lat)))
                .collect();
            child["problems_open"] = json!(mine.len());
            child["problems_escalated"] = json!(mine.iter().filter(|p| escalated(p)).count());
        }
    }
    let mut orders: HashMap<Id, usize> = HashMap::new();
    for p in &problems {
        if p.source == ProblemSource::Hotline
            && let Some(c) = p.routing.compound
        {
            *orders.entry(c).or_default() += 1;
        }
    }
    let mut ranking: Vec<(Id, usize)> = orders.into_iter().collect();
    ranking.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let ranking: Vec<Value> = ranking
        .iter()
        .take(RANKED)
        .filter_map(|(id, n)| {
            let c = atlas.compound(*id)?;
            Some(json!({
                "code": c.code,
                "name": c.name,
                "tier": c.tier.as_str(),
                "work_orders": n,
            }))
        })
        .collect();
    summary["problems"] = json!({
        "total": problems.len(),
        "open": open.len(),
        "escalated": open.iter().filter(|p| escalated(p)).count(),
        "overdue": open.iter().filter(|p| p.is_overdue(now)).count(),
        "hotline_ranking": ranking,
    });
    let trend: Vec<Value> = weekly_trend(&compounds, history, inspections, weeks, now)?
        .into_iter()
        .map(|w| {
            let (from, to) = w.span;
            let reported: Vec<&Problem> = problems
                .iter()
                .copied()
                .filter(|p| p.reported_at_ms >= from && p.reported_at_ms < to)
                .collect();
            json!({
                "week": w.start.to_string(),
                "green": w.tiers[0],
                "yellow": w.tiers[1],
                "red": w.tiers[2],
                "tier_changes": w.changes,
                "inspections": w.inspections,
                "problems": reported.len(),
                "hotline": reported.iter().filter(|p| p.source == ProblemSource::Hotline).count(),
            })
        })
        .collect();
    summary["today"] = json!(local_date(now, &tz).map(|d| d.to_string()).ok());
    summary["overdue"] = json!({ "total": overdue.len(), "by_chief": chiefs });
    summary["trend"] = Value::Array(trend);
    summary["suggestions"] = Value::Array(suggestions);
    summary["prohibited_rentals"] = Value::Array(rentals);
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{MultiPolygon, polygon};
    use wangge_core::{CompoundKind, Management};

    fn compound(id: Id, tier: Tier) -> Compound {
        Compound {
            id,
            code: format!("C{id}"),
            name: format!("小区{id}"),
            kind: CompoundKind::Commercial,
            management: Management::Full,
            tier,
            stars: None,
            source_id: None,
            geometry: MultiPolygon(vec![polygon![
                (x: 0.0, y: 0.0), (x: 1.0, y: 0.0), (x: 1.0, y: 1.0), (x: 0.0, y: 1.0),
            ]]),
        }
    }

    fn at(date: &str) -> i64 {
        let d: Date = date.parse().expect("date");
        start_ms(d).expect("ms") + 12 * 3600 * 1000
    }

    #[test]
    fn the_trend_replays_tier_changes_week_by_week() {
        // Today is Wednesday 2026-11-18; compound 1 went green → red on Tuesday 2026-11-10 and is
        // red now; compound 2 has always been yellow.
        let now = at("2026-11-18");
        let (a, b) = (compound(1, Tier::Red), compound(2, Tier::Yellow));
        let history = vec![TierChange {
            compound: 1,
            from: Tier::Green,
            to: Tier::Red,
            reason: "群租".into(),
            by: "王主任".into(),
            at_ms: at("2026-11-10"),
        }];
        let weeks = weekly_trend(&[&a, &b], &history, &[], 3, now).expect("trend");
        let starts: Vec<String> = weeks.iter().map(|w| w.start.to_string()).collect();
        assert_eq!(starts, ["2026-11-02", "2026-11-09", "2026-11-16"]);
        assert_eq!(weeks[0].tiers, [1, 1, 0]);
        assert_eq!(weeks[1].tiers, [0, 1, 1]);
        assert_eq!(weeks[2].tiers, [0, 1, 1]);
        assert_eq!(
            weeks.iter().map(|w| w.changes).collect::<Vec<_>>(),
            [0, 1, 0]
        );
    }

    #[test]
    fn weeks_start_on_monday_in_shanghai() {
        // 2026-11-15T17:00Z is Monday 2026-11-16 01:00 in Shanghai: a new week there.
        let now = jiff::Timestamp::from_second(1_794_762_000)
            .expect("ts")
            .as_millisecond();
        let weeks = weekly_trend(&[], &[], &[], 1, now).expect("trend");
        assert_eq!(weeks[0].start.to_string(), "2026-11-16");
        // An hour earlier it is still Sunday there.
        let weeks = weekly_trend(&[], &[], &[], 1, now - 3_600_000 * 2).expect("trend");
        assert_eq!(weeks[0].start.to_string(), "2026-11-09");
    }
}
