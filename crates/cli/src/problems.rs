//! `wangge problem …`, `wangge escalate` and `wangge import --layer hotline`: problems from the
//! command line, through the store like every other write.

use std::collections::HashSet;
use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result, anyhow, bail};
use serde_json::json;
use wangge_core::problems::{
    Problem, ProblemAction, ProblemCategory, ProblemLimits, ProblemSource, ProblemState, Report,
    check_step_time, escalations, report, transition,
};
use wangge_core::{Atlas, AuditAction, Id};
use wangge_import::{Crs, HotlineOptions, read_hotline};
use wangge_store::{ProblemFilter, Store};

use crate::args::{Limits, ProblemCommand};
use crate::audit::entry;
use crate::commands::{Location, iso};

/// The time limits from `--limits FILE.json`, or the defaults.
fn limits(given: &Limits) -> Result<ProblemLimits> {
    let Some(path) = &given.limits else {
        return Ok(ProblemLimits::default());
    };
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the time limits {}", path.display()))?;
    let limits: ProblemLimits = serde_json::from_str(&text).with_context(|| {
        format!(
            "{}: not time limits such as {{\"chief_hours\": 24, \"grid_hours\": 48, \
             \"community_hours\": 72, \"subdistrict_hours\": 120}}",
            path.display()
        )
    })?;
    limits.validate()?;
    Ok(limits)
}

/// Who acts: `--by`, else $USER.
fn who(by: Option<String>) -> Result<String> {
    by.or_else(|| std::env::var("USER").ok())
        .filter(|b| !b.trim().is_empty())
        .ok_or_else(|| anyhow!("say who acts with --by NAME"))
}

fn now_ms() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}

/// A time as Asia/Shanghai wall-clock text.
fn local(at_ms: i64) -> String {
    jiff::Timestamp::from_millisecond(at_ms).map_or_else(
        |_| at_ms.to_string(),
        |t| {
            t.to_zoned(wangge_core::inspections::shanghai())
                .strftime("%Y-%m-%d %H:%M")
                .to_string()
        },
    )
}

/// Imports 12345 work orders: every file read and routed before anything is written, orders
/// already stored left out, the rest added in one transaction.
pub(crate) async fn import_hotline(
    location: &Location,
    crs: Crs,
    skip_unlocated: bool,
    inputs: &[PathBuf],
) -> Result<()> {
    let store = location.open(false).await?;
    let data = store.load().await?;
    if data.buildings.is_empty() && data.streets.is_empty() && data.zones.is_empty() {
        bail!(
            "{location} holds no zones, buildings or streets, so work orders cannot be routed; \
             import the map first"
        );
    }
    let started = Instant::now();
    let atlas = Atlas::new(data);
    let known: HashSet<String> = store
        .problems(&ProblemFilter {
            source: Some(ProblemSource::Hotline),
            ..ProblemFilter::default()
        })
        .await?
        .into_iter()
        .filter_map(|p| p.order_no)
        .collect();
    let options = HotlineOptions {
        crs,
        skip_unlocated,
        limits: ProblemLimits::default(),
        now_ms: now_ms(),
    };
    let mut fresh: Vec<Problem> = Vec::new();
    let (mut already, mut by_address, mut skipped) = (0usize, 0usize, 0usize);
    for input in inputs {
        let read = tokio::task::block_in_place(|| read_hotline(input, &atlas, &options))
            .map_err(|e| anyhow!("{e}\nnothing was imported"))?;
        for line in &read.skipped {
            eprintln!("{}: skipped {line}", input.display());
        }
        skipped += read.skipped.len();
        by_address += read.by_address;
        for p in read.problems {
            if p.order_no.as_ref().is_some_and(|no| known.contains(no)) {
                already += 1;
            } else {
                fresh.push(p);
            }
        }
    }
    let read_in = started.elapsed();
    let files: Vec<String> = inputs.iter().map(|p| p.display().to_string()).collect();
    let imported = entry(AuditAction::Import, "layer:hotline")
        .summary(format!(
            "12345 work orders from {}: {} added, {already} already imported, {skipped} skipped",
            files.join(", "),
            fresh.len()
        ))
        .after(json!({
            "files": files,
            "added": fresh.len(),
            "already_imported": already,
            "located_by_address": by_address,
            "skipped": skipped,
        }));
    let ids = store
        .add_problems(&fresh, &[imported])
        .await
        .context("writing the work orders; nothing was imported")?;
    eprintln!(
        "imported {} work order(s) from {} file(s) into {location} in {:.2} s (read and routed in \
         {:.2} s): {by_address} located by address, {already} already imported, {skipped} \
         skipped as unlocated",
        ids.len(),
        inputs.len(),
        started.elapsed().as_secs_f64(),
        read_in.as_secs_f64(),
    );
    Ok(())
}

/// `wangge problem …`.
pub(crate) async fn problem(action: ProblemCommand) -> Result<()> {
    match action {
        ProblemCommand::Report {
            database,
            lon,
            lat,
            category,
            text,
            address,
            by,
            limits: given,
            json,
        } => {
            let category = ProblemCategory::parse(&category)?;
            let reporter = who(by)?;
            let limits = limits(&given)?;
            let store = Location::of(database)?.open(false).await?;
            let atlas = Atlas::new(store.load().await?);
            let now = now_ms();
            let mut problem = report(
                &atlas,
                Report {
                    lon,
                    lat,
                    address,
                    category,
                    description: text,
                    source: ProblemSource::Patrol,
                    order_no: None,
                    at_ms: now,
                    reporter,
                },
                now,
                &limits,
            )?;
            let reported = wangge_server::audit::problem_reported(
                entry(AuditAction::Problem, ""),
                &atlas,
                &problem,
                now,
            );
            problem.id = store
                .add_problems(std::slice::from_ref(&problem), &[reported])
                .await?[0];
            let mut out = std::io::stdout().lock();
            if json {
                serde_json::to_writer_pretty(
                    &mut out,
                    &wangge_server::wire::problem(&atlas, &problem, now),
                )?;
                writeln!(out)?;
            } else {
                print_problem(&mut out, &atlas, &problem, now)?;
            }
            Ok(())
        }
        ProblemCommand::Step {
            database,
            id,
            action,
            by,
            note,
            limits: given,
        } => {
            let action = ProblemAction::parse(&action)?;
            if action == ProblemAction::Report {
                bail!("--action report: a problem is reported with `wangge problem report`");
            }
            let by = who(by)?;
            let limits = limits(&given)?;
            let store = Location::of(database)?.open(false).await?;
            let (problem, steps) = find(store.as_ref(), id).await?;
            let now = now_ms();
            let step = transition(&problem, action, &by, now, &note, &limits)?;
            check_step_time(&step, steps.last().map_or(i64::MIN, |s| s.at_ms), now)?;
            let stepped = wangge_server::audit::problem_stepped(
                entry(AuditAction::ProblemStep, ""),
                &problem,
                action,
                &step,
            );
            store
                .record_steps(std::slice::from_ref(&step), &[stepped])
                .await?;
            eprintln!(
                "problem {id}: {} ({}) by {by}; now {} ({}) with the {} ({}), due {}",
                action.as_str(),
                action.name_zh(),
                step.to_state.as_str(),
                step.to_state.name_zh(),
                step.to_level.name_en(),
                step.to_level.name_zh(),
                local(step.deadline_ms)
            );
            Ok(())
        }
        ProblemCommand::List {
            database,
            state,
            zone,
            chief,
            json,
        } => {
            let (state, open) = match state.as_deref() {
                None => (None, false),
                Some("open" | "未办结") => (None, true),
                Some(text) => (Some(ProblemState::parse(text)?), false),
            };
            let store = Location::of(database)?.open(false).await?;
            let filter = ProblemFilter {
                state,
                open,
                zone,
                chief,
                ..ProblemFilter::default()
            };
            let problems = store.problems(&filter).await?;
            let atlas = Atlas::new(store.load().await?);
            let now = now_ms();
            let mut out = std::io::stdout().lock();
            if json {
                let body = serde_json::json!({
                    "total": problems.len(),
                    "problems": problems
                        .iter()
                        .map(|p| wangge_server::wire::problem(&atlas, p, now))
                        .collect::<Vec<_>>(),
                });
                serde_json::to_writer_pretty(&mut out, &body)?;
                writeln!(out)?;
                return Ok(());
            }
            let overdue = problems.iter().filter(|p| p.is_overdue(now)).count();
            writeln!(out, "{} problems, {overdue} overdue", problems.len())?;
            writeln!(
                out,
                "{:>6} {:<11} {:<11} {:<20} {:<20} {:<16} {:<16} chief",
                "id", "state", "level", "category", "zone", "reported", "due"
            )?;
            for p in &problems {
                let chief = p
                    .routing
                    .chief
                    .and_then(|c| atlas.chief(c))
                    .map_or("-", |c| c.name.as_str());
                writeln!(
                    out,
                    "{:>6} {:<11} {:<11} {:<20} {:<20} {:<16} {:<16} {chief}{}",
                    p.id,
                    p.state.as_str(),
                    p.level.as_str(),
                    p.category.as_str(),
                    p.routing
                        .grid
                        .as_deref()
                        .or(p.routing.community.as_deref())
                        .unwrap_or("-"),
                    local(p.reported_at_ms),
                    local(p.deadline_ms),
                    if p.is_overdue(now) { " (overdue)" } else { "" }
                )?;
            }
            Ok(())
        }
        ProblemCommand::Show { database, id, json } => {
            let store = Location::of(database)?.open(false).await?;
            let (problem, steps) = find(store.as_ref(), id).await?;
            let atlas = Atlas::new(store.load().await?);
            let now = now_ms();
            let mut out = std::io::stdout().lock();
            if json {
                let mut body = wangge_server::wire::problem(&atlas, &problem, now);
                body["steps"] = steps
                    .iter()
                    .map(wangge_server::wire::problem_step)
                    .collect();
                serde_json::to_writer_pretty(&mut out, &body)?;
                writeln!(out)?;
                return Ok(());
            }
            print_problem(&mut out, &atlas, &problem, now)?;
            writeln!(out, "history:")?;
            for s in &steps {
                writeln!(
                    out,
                    "  {}  {:<8} {:<10} {} → {} / {} → {}  {}",
                    local(s.at_ms),
                    s.action.name_zh(),
                    s.by,
                    s.from_state.map_or("-", |x| x.name_zh()),
                    s.to_state.name_zh(),
                    s.from_level.map_or("-", |x| x.name_zh()),
                    s.to_level.name_zh(),
                    s.note
                )?;
            }
            Ok(())
        }
    }
}

async fn find(store: &dyn Store, id: Id) -> Result<(Problem, Vec<wangge_core::ProblemStep>)> {
    store
        .problem(id)
        .await?
        .ok_or_else(|| anyhow!("there is no problem {id}; `wangge problem list` lists them"))
}

fn print_problem(out: &mut dyn Write, atlas: &Atlas, p: &Problem, now: i64) -> Result<()> {
    let zone = |code: &Option<String>| {
        code.as_deref().map_or_else(
            || "-".to_string(),
            |c| {
                atlas
                    .zone_by_code(c)
                    .map_or_else(|| c.to_string(), |z| format!("{} {}", z.code, z.name))
            },
        )
    };
    let chief = p.routing.chief.and_then(|c| atlas.chief(c));
    writeln!(
        out,
        "problem {}: {} ({}) — {}",
        p.id,
        p.category.name_zh(),
        p.category.as_str(),
        p.description
    )?;
    writeln!(
        out,
        "  at ({:.6}, {:.6}){}, reported {} by {} ({})",
        p.lon,
        p.lat,
        p.address
            .as_deref()
            .map_or_else(String::new, |a| format!(" {a}")),
        local(p.reported_at_ms),
        p.reporter,
        p.source.name_zh()
    )?;
    writeln!(
        out,
        "  chief {}; grid {}; community {}; sub-district {}",
        chief.map_or_else(
            || "none (nobody answers for this place)".to_string(),
            |c| format!("{} ({}, {})", c.name, c.id, c.phone)
        ),
        zone(&p.routing.grid),
        zone(&p.routing.community),
        zone(&p.routing.subdistrict)
    )?;
    writeln!(
        out,
        "  {} ({}), with the {} ({}), due {} Asia/Shanghai{}",
        p.state.name_zh(),
        p.state.as_str(),
        p.level.name_zh(),
        p.level.as_str(),
        local(p.deadline_ms),
        if p.is_overdue(now) { ", overdue" } else { "" }
    )?;
    Ok(())
}

/// Runs the escalation clock once at `now` (default: the current time) and records its steps,
/// problem by problem; a problem someone else moved meanwhile is left for the next run.
pub(crate) async fn escalate(
    location: &Location,
    now: Option<&str>,
    given: &Limits,
    json: bool,
) -> Result<()> {
    let limits = limits(given)?;
    let now = match now {
        None => now_ms(),
        Some(text) => text
            .parse::<jiff::Timestamp>()
            .with_context(|| {
                format!("--now `{text}` is not an RFC 3339 time such as 2026-04-12T09:00:00+08:00")
            })?
            .as_millisecond(),
    };
    let store = location.open(false).await?;
    let open = store
        .problems(&ProblemFilter {
            open: true,
            ..ProblemFilter::default()
        })
        .await?;
    let steps = escalations(&open, now, &limits);
    let mut recorded = Vec::new();
    let mut stale = 0;
    for chunk in steps.chunk_by(|a, b| a.problem == b.problem) {
        let escalated =
            wangge_server::audit::problem_escalated(entry(AuditAction::ProblemStep, ""), chunk);
        match store.record_steps(chunk, &[escalated]).await {
            Ok(()) => recorded.extend_from_slice(chunk),
            Err(wangge_store::Error::StaleProblem { .. }) => stale += 1,
            Err(e) => return Err(e.into()),
        }
    }
    let problems = recorded.chunk_by(|a, b| a.problem == b.problem).count();
    let mut out = std::io::stdout().lock();
    if json {
        let body = serde_json::json!({
            "now": iso(now),
            "open": open.len(),
            "escalated": problems,
            "stale": stale,
            "steps": recorded
                .iter()
                .map(|s| {
                    let mut v = wangge_server::wire::problem_step(s);
                    v["problem"] = serde_json::json!(s.problem);
                    v
                })
                .collect::<Vec<_>>(),
        });
        serde_json::to_writer_pretty(&mut out, &body)?;
        writeln!(out)?;
        return Ok(());
    }
    for s in &recorded {
        writeln!(
            out,
            "problem {}: {} → {} at {} (missed its deadline)",
            s.problem,
            s.from_level.map_or("-", |l| l.name_zh()),
            s.to_level.name_zh(),
            local(s.at_ms)
        )?;
    }
    eprintln!(
        "escalation clock at {}: {} open problem(s), {problems} escalated in {} step(s){}",
        local(now),
        open.len(),
        recorded.len(),
        if stale > 0 {
            format!(", {stale} changed meanwhile (left for the next run)")
        } else {
            String::new()
        }
    );
    Ok(())
}
