//! What every backend says and checks about problems, written once so that both say the same.

use std::collections::HashMap;

use wangge_core::{EscalationLevel, Id, Problem, ProblemAction, ProblemState, ProblemStep};

use crate::{Error, Result};

/// A hotline work order number that is already stored (as problem `id`) or given twice in one
/// batch (`id` is `None`).
pub fn duplicate_order(order_no: &str, id: Option<Id>) -> Error {
    let where_ = match id {
        Some(id) => format!("is already recorded as problem {id}"),
        None => "appears twice in the same batch".to_string(),
    };
    Error::Refused(wangge_core::Error::Invalid(format!(
        "hotline work order {order_no} {where_}; a work order is imported once (nothing was written)"
    )))
}

/// Refuses a batch that gives one order number twice.
pub fn check_batch(problems: &[Problem]) -> Result<()> {
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (i, p) in problems.iter().enumerate() {
        if let Some(no) = &p.order_no
            && seen.insert(no.as_str(), i).is_some()
        {
            return Err(duplicate_order(no, None));
        }
    }
    Ok(())
}

/// Refuses a step that cannot be recorded by `record_steps`: a report, or one without the state
/// and level it starts from.
pub fn check_step(step: &ProblemStep) -> Result<(ProblemState, EscalationLevel)> {
    if step.action == ProblemAction::Report {
        return Err(Error::Refused(wangge_core::Error::Invalid(format!(
            "problem {}: a report is recorded when the problem is added, not as a later step",
            step.problem
        ))));
    }
    match (step.from_state, step.from_level) {
        (Some(state), Some(level)) => Ok((state, level)),
        _ => Err(Error::Refused(wangge_core::Error::Invalid(format!(
            "problem {}: a {} step must say the state and level it starts from",
            step.problem, step.action
        )))),
    }
}

/// A state and level in words, for [`Error::StaleProblem`].
pub fn describe(state: ProblemState, level: EscalationLevel) -> String {
    format!("{state} at the {} level", level.as_str())
}

/// The refusal of a stale step.
pub fn stale(step: &ProblemStep, found: (ProblemState, EscalationLevel)) -> Error {
    let (state, level) = check_step(step).unwrap_or((found.0, found.1));
    Error::StaleProblem {
        problem: step.problem,
        expected: describe(state, level),
        found: describe(found.0, found.1),
    }
}

/// Parses a stored vocabulary key, or names the row that holds a key this build does not know.
pub fn parse<T>(
    location: &str,
    table: &str,
    id: Id,
    key: &str,
    parse: impl Fn(&str) -> wangge_core::Result<T>,
) -> Result<T> {
    parse(key).map_err(|e| Error::Corrupt {
        location: location.to_string(),
        table: table.to_string(),
        id,
        problem: e.to_string(),
    })
}
