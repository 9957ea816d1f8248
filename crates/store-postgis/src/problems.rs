//! Problems and their steps: the `problems` and `problem_steps` tables, as in the GeoPackage.

use std::future::Future;
use std::pin::Pin;

use deadpool_postgres::{GenericClient, Transaction};
use futures_util::future::try_join_all;
use tokio_postgres::Row;
use tokio_postgres::error::SqlState;
use wangge_core::problems::ZoneProblemCounts;
use wangge_core::{
    EscalationLevel, Id, Problem, ProblemAction, ProblemCategory, ProblemCounts, ProblemSource,
    ProblemState, ProblemStep, Routing,
};
use wangge_store::problems::{check_step, duplicate_order, parse, stale};
use wangge_store::{Error, ProblemFilter, Result};

use crate::connect::pg_error;
use crate::queries;
use crate::rows::{self, Pending, corrupt, get, query};

/// How many problems are sent ahead of their answers when adding many.
const PIPELINE_DEPTH: usize = 256;

fn problem_from_row(location: &str, row: &Row) -> Result<Problem> {
    let id: i64 = get(row, 0, 0).map_err(|(id, p)| corrupt(location, "problems", id, p))?;
    let read = || -> Result<(Problem, [String; 4]), (i64, String)> {
        Ok((
            Problem {
                id,
                lon: get(row, 1, id)?,
                lat: get(row, 2, id)?,
                address: get(row, 3, id)?,
                category: ProblemCategory::Other,
                description: get(row, 5, id)?,
                source: ProblemSource::Patrol,
                order_no: get(row, 7, id)?,
                reported_at_ms: get(row, 8, id)?,
                reporter: get(row, 9, id)?,
                routing: Routing {
                    compound: get(row, 10, id)?,
                    building: get(row, 11, id)?,
                    street: get(row, 12, id)?,
                    chief: get(row, 13, id)?,
                    grid: get(row, 14, id)?,
                    community: get(row, 15, id)?,
                    subdistrict: get(row, 16, id)?,
                },
                state: ProblemState::Reported,
                level: EscalationLevel::Chief,
                deadline_ms: get(row, 19, id)?,
            },
            [
                get(row, 4, id)?,
                get(row, 6, id)?,
                get(row, 17, id)?,
                get(row, 18, id)?,
            ],
        ))
    };
    let (mut p, [category, source, state, level]) =
        read().map_err(|(id, p)| corrupt(location, "problems", id, p))?;
    p.category = parse(location, "problems", id, &category, ProblemCategory::parse)?;
    p.source = parse(location, "problems", id, &source, ProblemSource::parse)?;
    p.state = parse(location, "problems", id, &state, ProblemState::parse)?;
    p.level = parse(location, "problems", id, &level, EscalationLevel::parse)?;
    Ok(p)
}

fn step_from_row(location: &str, row: &Row) -> Result<ProblemStep> {
    let table = "problem_steps";
    let id: i64 = get(row, 10, 0).map_err(|(id, p)| corrupt(location, table, id, p))?;
    type Keys = (String, Option<String>, String, Option<String>, String);
    let read = || -> Result<(ProblemStep, Keys), (i64, String)> {
        Ok((
            ProblemStep {
                problem: get(row, 0, id)?,
                at_ms: get(row, 1, id)?,
                by: get(row, 2, id)?,
                action: ProblemAction::Report,
                from_state: None,
                to_state: ProblemState::Reported,
                from_level: None,
                to_level: EscalationLevel::Chief,
                deadline_ms: get(row, 8, id)?,
                note: get(row, 9, id)?,
            },
            (
                get(row, 3, id)?,
                get(row, 4, id)?,
                get(row, 5, id)?,
                get(row, 6, id)?,
                get(row, 7, id)?,
            ),
        ))
    };
    let (mut s, (action, from_state, to_state, from_level, to_level)) =
        read().map_err(|(id, p)| corrupt(location, table, id, p))?;
    s.action = parse(location, table, id, &action, ProblemAction::parse)?;
    s.from_state = from_state
        .map(|k| parse(location, table, id, &k, ProblemState::parse))
        .transpose()?;
    s.to_state = parse(location, table, id, &to_state, ProblemState::parse)?;
    s.from_level = from_level
        .map(|k| parse(location, table, id, &k, EscalationLevel::parse))
        .transpose()?;
    s.to_level = parse(location, table, id, &to_level, EscalationLevel::parse)?;
    Ok(s)
}

/// One pipelined insert, boxed so that no closure type is held across an await.
type PendingId<'a> = Pin<Box<dyn Future<Output = Result<Id>> + Send + 'a>>;

/// Adds problems with their report steps, pipelined; returns their ids in order.
pub(crate) async fn add(
    tx: &Transaction<'_>,
    location: &str,
    problems: &[Problem],
) -> Result<Vec<Id>> {
    let orders: Vec<&str> = problems
        .iter()
        .filter_map(|p| p.order_no.as_deref())
        .collect();
    if !orders.is_empty() {
        let held = query(
            tx,
            location,
            "looking up work order numbers",
            queries::PROBLEMS_BY_ORDER,
            &[&orders],
        )
        .await?;
        if let Some(row) = held.first() {
            let no: String = row
                .try_get(0)
                .map_err(pg_error(location, "reading a work order number"))?;
            let id: Id = row
                .try_get(1)
                .map_err(pg_error(location, "reading a work order number"))?;
            return Err(duplicate_order(&no, Some(id)));
        }
    }
    let statement = tx
        .prepare_cached(queries::INSERT_PROBLEM)
        .await
        .map_err(pg_error(location, "writing problems"))?;
    let statement = &statement;
    let mut ids = Vec::with_capacity(problems.len());
    for chunk in problems.chunks(PIPELINE_DEPTH) {
        let pending: Vec<PendingId<'_>> = chunk
            .iter()
            .map(|p| -> PendingId<'_> {
                Box::pin(async move {
                    let row = tx
                        .query_one(
                            statement,
                            &[
                                &p.lon,
                                &p.lat,
                                &p.address,
                                &p.category.as_str(),
                                &p.description,
                                &p.source.as_str(),
                                &p.order_no,
                                &p.reported_at_ms,
                                &p.reporter,
                                &p.routing.compound,
                                &p.routing.building,
                                &p.routing.street,
                                &p.routing.chief,
                                &p.routing.grid,
                                &p.routing.community,
                                &p.routing.subdistrict,
                                &p.state.as_str(),
                                &p.level.as_str(),
                                &p.deadline_ms,
                            ],
                        )
                        .await
                        .map_err(|e| {
                            // Another writer took the number since it was looked up.
                            if e.code() == Some(&SqlState::UNIQUE_VIOLATION)
                                && let Some(no) = &p.order_no
                            {
                                duplicate_order(no, None)
                            } else {
                                pg_error(location, "writing a problem")(e)
                            }
                        })?;
                    row.try_get(0)
                        .map_err(pg_error(location, "reading a new problem's id"))
                })
            })
            .collect();
        ids.extend(try_join_all(pending).await?);
    }
    Ok(ids)
}

/// Stores problems under their own ids with their steps as given (when migrating a store): no
/// checks, no report step made up. Steps are numbered in the order given, problem after problem,
/// so that each problem's steps read back in the same order; the caller renumbers the sequences
/// afterwards ([`queries::RESET_COPIED_IDS`]).
pub(crate) async fn insert_with_ids(
    tx: &Transaction<'_>,
    location: &str,
    problems: &[(Problem, Vec<ProblemStep>)],
) -> Result<()> {
    let insert_problem = tx
        .prepare_cached(queries::INSERT_PROBLEM_WITH_ID)
        .await
        .map_err(pg_error(location, "copying problems"))?;
    let insert_step = tx
        .prepare_cached(queries::INSERT_PROBLEM_STEP_WITH_ID)
        .await
        .map_err(pg_error(location, "copying problem steps"))?;
    let (insert_problem, insert_step) = (&insert_problem, &insert_step);
    let mut pending: Vec<Pending<'_>> = Vec::with_capacity(problems.len());
    for (p, _) in problems {
        pending.push(Box::pin(async move {
            tx.execute(
                insert_problem,
                &[
                    &p.id,
                    &p.lon,
                    &p.lat,
                    &p.address,
                    &p.category.as_str(),
                    &p.description,
                    &p.source.as_str(),
                    &p.order_no,
                    &p.reported_at_ms,
                    &p.reporter,
                    &p.routing.compound,
                    &p.routing.building,
                    &p.routing.street,
                    &p.routing.chief,
                    &p.routing.grid,
                    &p.routing.community,
                    &p.routing.subdistrict,
                    &p.state.as_str(),
                    &p.level.as_str(),
                    &p.deadline_ms,
                ],
            )
            .await
            .map_err(pg_error(location, format!("copying problem {}", p.id)))
        }));
    }
    rows::pipelined(pending).await?;
    let numbered: Vec<(Id, &ProblemStep)> = problems
        .iter()
        .flat_map(|(_, steps)| steps)
        .zip(1..)
        .map(|(step, n)| (n, step))
        .collect();
    let mut pending: Vec<Pending<'_>> = Vec::with_capacity(numbered.len());
    for (n, step) in &numbered {
        pending.push(Box::pin(async move {
            tx.execute(
                insert_step,
                &[
                    n,
                    &step.problem,
                    &step.at_ms,
                    &step.by,
                    &step.action.as_str(),
                    &step.from_state.map(ProblemState::as_str),
                    &step.to_state.as_str(),
                    &step.from_level.map(EscalationLevel::as_str),
                    &step.to_level.as_str(),
                    &step.deadline_ms,
                    &step.note,
                ],
            )
            .await
            .map_err(pg_error(
                location,
                format!("copying a step of problem {}", step.problem),
            ))
        }));
    }
    rows::pipelined(pending).await
}

/// Records steps, each with a compare-and-swap on its problem's state and level.
pub(crate) async fn record_steps(
    tx: &Transaction<'_>,
    location: &str,
    steps: &[ProblemStep],
) -> Result<()> {
    for step in steps {
        let (state, level) = check_step(step)?;
        let changed = tx
            .execute(
                queries::SWAP_PROBLEM,
                &[
                    &step.problem,
                    &step.to_state.as_str(),
                    &step.to_level.as_str(),
                    &step.deadline_ms,
                    &state.as_str(),
                    &level.as_str(),
                ],
            )
            .await
            .map_err(pg_error(
                location,
                format!("updating problem {}", step.problem),
            ))?;
        if changed == 0 {
            let found = query(
                tx,
                location,
                "reading a problem's state",
                queries::PROBLEM_STATE,
                &[&step.problem],
            )
            .await?;
            return Err(match found.first() {
                None => Error::NoProblem(step.problem),
                Some(row) => {
                    let state: String = get(row, 0, step.problem)
                        .map_err(|(id, p)| corrupt(location, "problems", id, p))?;
                    let level: String = get(row, 1, step.problem)
                        .map_err(|(id, p)| corrupt(location, "problems", id, p))?;
                    stale(
                        step,
                        (
                            parse(
                                location,
                                "problems",
                                step.problem,
                                &state,
                                ProblemState::parse,
                            )?,
                            parse(
                                location,
                                "problems",
                                step.problem,
                                &level,
                                EscalationLevel::parse,
                            )?,
                        ),
                    )
                }
            });
        }
        tx.execute(
            queries::INSERT_PROBLEM_STEP,
            &[
                &step.problem,
                &step.at_ms,
                &step.by,
                &step.action.as_str(),
                &step.from_state.map(ProblemState::as_str),
                &step.to_state.as_str(),
                &step.from_level.map(EscalationLevel::as_str),
                &step.to_level.as_str(),
                &step.deadline_ms,
                &step.note,
            ],
        )
        .await
        .map_err(pg_error(
            location,
            format!("recording a step of problem {}", step.problem),
        ))?;
    }
    Ok(())
}

/// The problems that pass a filter, in id order.
pub(crate) async fn list<C: GenericClient>(
    client: &C,
    location: &str,
    filter: &ProblemFilter,
) -> Result<Vec<Problem>> {
    let state = filter.state.map(ProblemState::as_str);
    let source = filter.source.map(ProblemSource::as_str);
    query(
        client,
        location,
        "reading problems",
        queries::SELECT_PROBLEMS,
        &[
            &state,
            &filter.open,
            &filter.zone,
            &filter.chief,
            &filter.since_ms,
            &source,
        ],
    )
    .await?
    .iter()
    .map(|row| problem_from_row(location, row))
    .collect()
}

/// One problem with its steps.
pub(crate) async fn one<C: GenericClient>(
    client: &C,
    location: &str,
    id: Id,
) -> Result<Option<(Problem, Vec<ProblemStep>)>> {
    let rows = query(
        client,
        location,
        "reading a problem",
        queries::SELECT_PROBLEM,
        &[&id],
    )
    .await?;
    let Some(row) = rows.first() else {
        return Ok(None);
    };
    let problem = problem_from_row(location, row)?;
    let steps = query(
        client,
        location,
        "reading a problem's steps",
        queries::SELECT_PROBLEM_STEPS,
        &[&id],
    )
    .await?
    .iter()
    .map(|row| step_from_row(location, row))
    .collect::<Result<Vec<_>>>()?;
    Ok(Some((problem, steps)))
}

/// The dashboard's counts.
pub(crate) async fn counts<C: GenericClient>(client: &C, location: &str) -> Result<ProblemCounts> {
    let count = |n: i64| u64::try_from(n).unwrap_or(0);
    let mut by_zone = std::collections::BTreeMap::new();
    for row in query(
        client,
        location,
        "counting problems per zone",
        queries::PROBLEM_COUNTS,
        &[],
    )
    .await?
    {
        let read = || -> Result<(String, i64, i64, i64), tokio_postgres::Error> {
            Ok((
                row.try_get(0)?,
                row.try_get(1)?,
                row.try_get(2)?,
                row.try_get(3)?,
            ))
        };
        let (code, total, open, escalated) =
            read().map_err(pg_error(location, "counting problems per zone"))?;
        by_zone.insert(
            code,
            ZoneProblemCounts {
                total: count(total),
                open: count(open),
                escalated: count(escalated),
            },
        );
    }
    let mut hotline_by_compound = Vec::new();
    for row in query(
        client,
        location,
        "ranking compounds by work orders",
        queries::HOTLINE_BY_COMPOUND,
        &[],
    )
    .await?
    {
        let read = || -> Result<(Id, i64), tokio_postgres::Error> {
            Ok((row.try_get(0)?, row.try_get(1)?))
        };
        let (compound, n) = read().map_err(pg_error(location, "ranking compounds"))?;
        hotline_by_compound.push((compound, count(n)));
    }
    Ok(ProblemCounts {
        by_zone,
        hotline_by_compound,
    })
}
