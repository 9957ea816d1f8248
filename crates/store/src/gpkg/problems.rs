//! Problems and their steps in the GeoPackage: the `problems` and `problem_steps` tables (not
//! GeoPackage feature tables; see `sql/008_problems.sql`).

use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, Row, Transaction, params, params_from_iter};
use wangge_core::problems::ZoneProblemCounts;
use wangge_core::{
    EscalationLevel, Id, Problem, ProblemAction, ProblemCategory, ProblemCounts, ProblemSource,
    ProblemState, ProblemStep, Routing,
};

use super::sql_error;
use crate::problems::{duplicate_order, parse, stale};
use crate::{ProblemFilter, Result};

/// The columns a [`Problem`] is read from, in the order [`raw_problem`] expects.
const COLUMNS: &str = "id, lon, lat, address, category, description, source, order_no, \
                       reported_at_ms, reporter, compound_id, building_id, street_id, chief_id, \
                       grid_code, community_code, subdistrict_code, state, level, deadline_ms";

/// The columns a [`ProblemStep`] is read from.
const STEP_COLUMNS: &str = "problem_id, at_ms, by_name, action, from_state, to_state, \
                            from_level, to_level, deadline_ms, note";

/// A problem row with its vocabulary keys still text: (category, source, state, level).
type RawProblem = (Problem, [String; 4]);

fn raw_problem(r: &Row<'_>) -> rusqlite::Result<RawProblem> {
    let problem = Problem {
        id: r.get(0)?,
        lon: r.get(1)?,
        lat: r.get(2)?,
        address: r.get(3)?,
        category: ProblemCategory::Other,
        description: r.get(5)?,
        source: ProblemSource::Patrol,
        order_no: r.get(7)?,
        reported_at_ms: r.get(8)?,
        reporter: r.get(9)?,
        routing: Routing {
            compound: r.get(10)?,
            building: r.get(11)?,
            street: r.get(12)?,
            chief: r.get(13)?,
            grid: r.get(14)?,
            community: r.get(15)?,
            subdistrict: r.get(16)?,
        },
        state: ProblemState::Reported,
        level: EscalationLevel::Chief,
        deadline_ms: r.get(19)?,
    };
    Ok((problem, [r.get(4)?, r.get(6)?, r.get(17)?, r.get(18)?]))
}

fn finish(
    location: &str,
    (mut p, [category, source, state, level]): RawProblem,
) -> Result<Problem> {
    let id = p.id;
    p.category = parse(location, "problems", id, &category, ProblemCategory::parse)?;
    p.source = parse(location, "problems", id, &source, ProblemSource::parse)?;
    p.state = parse(location, "problems", id, &state, ProblemState::parse)?;
    p.level = parse(location, "problems", id, &level, EscalationLevel::parse)?;
    Ok(p)
}

/// A step row with its keys still text: (action, from_state, to_state, from_level, to_level).
type RawStep = (
    ProblemStep,
    (String, Option<String>, String, Option<String>, String),
);

fn raw_step(r: &Row<'_>) -> rusqlite::Result<RawStep> {
    let step = ProblemStep {
        problem: r.get(0)?,
        at_ms: r.get(1)?,
        by: r.get(2)?,
        action: ProblemAction::Report,
        from_state: None,
        to_state: ProblemState::Reported,
        from_level: None,
        to_level: EscalationLevel::Chief,
        deadline_ms: r.get(8)?,
        note: r.get(9)?,
    };
    Ok((
        step,
        (r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?),
    ))
}

fn finish_step(location: &str, row_id: Id, (mut s, keys): RawStep) -> Result<ProblemStep> {
    let (action, from_state, to_state, from_level, to_level) = keys;
    let table = "problem_steps";
    s.action = parse(location, table, row_id, &action, ProblemAction::parse)?;
    s.from_state = from_state
        .map(|k| parse(location, table, row_id, &k, ProblemState::parse))
        .transpose()?;
    s.to_state = parse(location, table, row_id, &to_state, ProblemState::parse)?;
    s.from_level = from_level
        .map(|k| parse(location, table, row_id, &k, EscalationLevel::parse))
        .transpose()?;
    s.to_level = parse(location, table, row_id, &to_level, EscalationLevel::parse)?;
    Ok(s)
}

fn insert_step(tx: &Transaction<'_>, location: &str, step: &ProblemStep) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO problem_steps (problem_id, at_ms, by_name, action, from_state, to_state, \
         from_level, to_level, deadline_ms, note) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )
    .and_then(|mut stmt| {
        stmt.execute(params![
            step.problem,
            step.at_ms,
            step.by,
            step.action.as_str(),
            step.from_state.map(|s| s.as_str()),
            step.to_state.as_str(),
            step.from_level.map(|l| l.as_str()),
            step.to_level.as_str(),
            step.deadline_ms,
            step.note
        ])
    })
    .map_err(sql_error(
        location,
        format!("recording a step of problem {}", step.problem),
    ))?;
    Ok(())
}

/// Adds problems with their report steps; returns their ids.
pub(crate) fn add(tx: &Transaction<'_>, location: &str, problems: &[Problem]) -> Result<Vec<Id>> {
    let mut ids = Vec::with_capacity(problems.len());
    for p in problems {
        if let Some(no) = &p.order_no {
            let holder: Option<Id> = tx
                .prepare_cached("SELECT id FROM problems WHERE order_no = ?1")
                .and_then(|mut stmt| stmt.query_row([no], |r| r.get(0)).optional())
                .map_err(sql_error(location, "looking up a work order number"))?;
            if holder.is_some() {
                return Err(duplicate_order(no, holder));
            }
        }
        tx.prepare_cached(
            "INSERT INTO problems (lon, lat, address, category, description, source, order_no, \
             reported_at_ms, reporter, compound_id, building_id, street_id, chief_id, grid_code, \
             community_code, subdistrict_code, state, level, deadline_ms) VALUES (?1, ?2, ?3, \
             ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)",
        )
        .and_then(|mut stmt| {
            stmt.execute(params![
                p.lon,
                p.lat,
                p.address,
                p.category.as_str(),
                p.description,
                p.source.as_str(),
                p.order_no,
                p.reported_at_ms,
                p.reporter,
                p.routing.compound,
                p.routing.building,
                p.routing.street,
                p.routing.chief,
                p.routing.grid,
                p.routing.community,
                p.routing.subdistrict,
                p.state.as_str(),
                p.level.as_str(),
                p.deadline_ms
            ])
        })
        .map_err(sql_error(location, "writing a problem"))?;
        let id = tx.last_insert_rowid();
        let stored = Problem { id, ..p.clone() };
        insert_step(tx, location, &wangge_core::problems::report_step(&stored))?;
        ids.push(id);
    }
    Ok(ids)
}

/// The state and level a problem is in, if it exists.
fn current(
    tx: &Transaction<'_>,
    location: &str,
    id: Id,
) -> Result<Option<(ProblemState, EscalationLevel)>> {
    let found: Option<(String, String)> = tx
        .prepare_cached("SELECT state, level FROM problems WHERE id = ?1")
        .and_then(|mut stmt| {
            stmt.query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()
        })
        .map_err(sql_error(location, format!("reading problem {id}")))?;
    found
        .map(|(state, level)| {
            Ok((
                parse(location, "problems", id, &state, ProblemState::parse)?,
                parse(location, "problems", id, &level, EscalationLevel::parse)?,
            ))
        })
        .transpose()
}

/// Records steps, each with a compare-and-swap on its problem's state and level.
pub(crate) fn record_steps(
    tx: &Transaction<'_>,
    location: &str,
    steps: &[ProblemStep],
) -> Result<()> {
    for step in steps {
        let (state, level) = crate::problems::check_step(step)?;
        let changed = tx
            .prepare_cached(
                "UPDATE problems SET state = ?2, level = ?3, deadline_ms = ?4 \
                 WHERE id = ?1 AND state = ?5 AND level = ?6",
            )
            .and_then(|mut stmt| {
                stmt.execute(params![
                    step.problem,
                    step.to_state.as_str(),
                    step.to_level.as_str(),
                    step.deadline_ms,
                    state.as_str(),
                    level.as_str()
                ])
            })
            .map_err(sql_error(
                location,
                format!("updating problem {}", step.problem),
            ))?;
        if changed == 0 {
            return Err(match current(tx, location, step.problem)? {
                None => crate::Error::NoProblem(step.problem),
                Some(found) => stale(step, found),
            });
        }
        insert_step(tx, location, step)?;
    }
    Ok(())
}

/// The problems that pass a filter, in id order.
pub(crate) fn list(
    conn: &Connection,
    location: &str,
    filter: &ProblemFilter,
) -> Result<Vec<Problem>> {
    let mut conditions: Vec<&str> = Vec::new();
    let mut args: Vec<Value> = Vec::new();
    if let Some(state) = filter.state {
        conditions.push("state = ?");
        args.push(Value::Text(state.as_str().into()));
    }
    if filter.open {
        conditions.push("state IN ('reported', 'accepted', 'in_progress')");
    }
    if let Some(zone) = &filter.zone {
        conditions.push(
            "substr(coalesce(grid_code, community_code, subdistrict_code), 1, length(?)) = ?",
        );
        args.push(Value::Text(zone.clone()));
        args.push(Value::Text(zone.clone()));
    }
    if let Some(chief) = filter.chief {
        conditions.push("chief_id = ?");
        args.push(Value::Integer(chief));
    }
    if let Some(since) = filter.since_ms {
        conditions.push("reported_at_ms >= ?");
        args.push(Value::Integer(since));
    }
    if let Some(source) = filter.source {
        conditions.push("source = ?");
        args.push(Value::Text(source.as_str().into()));
    }
    let filter = if conditions.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", conditions.join(" AND "))
    };
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM problems {filter} ORDER BY id"
        ))
        .map_err(sql_error(location, "reading problems"))?;
    let rows = stmt
        .query_map(params_from_iter(args), raw_problem)
        .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>())
        .map_err(sql_error(location, "reading problems"))?;
    rows.into_iter().map(|raw| finish(location, raw)).collect()
}

/// One problem with its steps.
pub(crate) fn one(
    conn: &Connection,
    location: &str,
    id: Id,
) -> Result<Option<(Problem, Vec<ProblemStep>)>> {
    let Some(raw) = conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM problems WHERE id = ?1"),
            [id],
            raw_problem,
        )
        .optional()
        .map_err(sql_error(location, format!("reading problem {id}")))?
    else {
        return Ok(None);
    };
    let problem = finish(location, raw)?;
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT {STEP_COLUMNS}, id FROM problem_steps WHERE problem_id = ?1 ORDER BY id"
        ))
        .map_err(sql_error(location, "reading problem steps"))?;
    let rows = stmt
        .query_map([id], |r| Ok((r.get::<_, Id>(10)?, raw_step(r)?)))
        .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>())
        .map_err(sql_error(location, "reading problem steps"))?;
    let steps = rows
        .into_iter()
        .map(|(row_id, raw)| finish_step(location, row_id, raw))
        .collect::<Result<Vec<_>>>()?;
    Ok(Some((problem, steps)))
}

/// The dashboard's counts.
pub(crate) fn counts(conn: &Connection, location: &str) -> Result<ProblemCounts> {
    let mut counts = ProblemCounts::default();
    let mut stmt = conn
        .prepare_cached(include_str!("sql/problem_counts.sql"))
        .map_err(sql_error(location, "counting problems per zone"))?;
    let rows = stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, i64>(3)?,
            ))
        })
        .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>())
        .map_err(sql_error(location, "counting problems per zone"))?;
    for (code, total, open, escalated) in rows {
        let count = |n: i64| u64::try_from(n).unwrap_or(0);
        counts.by_zone.insert(
            code,
            ZoneProblemCounts {
                total: count(total),
                open: count(open),
                escalated: count(escalated),
            },
        );
    }
    let mut stmt = conn
        .prepare_cached(
            "SELECT compound_id, count(*) FROM problems \
             WHERE source = 'hotline' AND compound_id IS NOT NULL \
             GROUP BY compound_id ORDER BY count(*) DESC, compound_id",
        )
        .map_err(sql_error(location, "ranking compounds by work orders"))?;
    counts.hotline_by_compound = stmt
        .query_map([], |r| {
            Ok((r.get::<_, Id>(0)?, r.get::<_, i64>(1)?.max(0) as u64))
        })
        .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>())
        .map_err(sql_error(location, "ranking compounds by work orders"))?;
    Ok(counts)
}
