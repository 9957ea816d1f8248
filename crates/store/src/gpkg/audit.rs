//! The audit log in the GeoPackage (`wangge_audit`, schema 11): entries appended inside the
//! transaction of the change they describe, read back through a filter. Triggers refuse any
//! UPDATE or DELETE of the table.

use rusqlite::{Connection, Transaction, params_from_iter, types::Value as SqlValue};
use wangge_core::{AuditAction, AuditEntry};

use super::sql_error;
use crate::{AuditFilter, Error, Result};

/// Appends `entries` (their ids ignored) inside `tx`.
pub(super) fn append(tx: &Transaction<'_>, location: &str, entries: &[AuditEntry]) -> Result<()> {
    if entries.is_empty() {
        return Ok(());
    }
    crate::check_audit(entries)?;
    let mut insert = tx
        .prepare_cached(
            "INSERT INTO wangge_audit (at_ms, actor, action, target, summary, before, after) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )
        .map_err(sql_error(location, "writing the audit log"))?;
    for e in entries {
        insert
            .execute(rusqlite::params![
                e.at_ms,
                e.actor,
                e.action.as_str(),
                e.target,
                e.summary,
                crate::audit_json(e.before.as_ref()),
                crate::audit_json(e.after.as_ref()),
            ])
            .map_err(sql_error(
                location,
                format!("writing the audit entry for {}", e.target),
            ))?;
    }
    Ok(())
}

/// Appends entries given with a record the store just created, [`NEW_ID`](crate::NEW_ID) replaced
/// by its id.
pub(super) fn append_for(
    tx: &Transaction<'_>,
    location: &str,
    entries: &[AuditEntry],
    id: i64,
) -> Result<()> {
    let entries: Vec<AuditEntry> = entries
        .iter()
        .cloned()
        .map(|e| crate::with_new_id(e, id))
        .collect();
    append(tx, location, &entries)
}

/// The entries passing `filter`, by id.
pub(super) fn list(
    conn: &Connection,
    location: &str,
    filter: &AuditFilter,
) -> Result<Vec<AuditEntry>> {
    // Each condition names its argument as `{}`, numbered here in order.
    let mut conditions: Vec<String> = Vec::new();
    let mut args: Vec<SqlValue> = Vec::new();
    let mut add = |condition: &str, value: SqlValue| {
        args.push(value);
        conditions.push(condition.replace("{}", &format!("?{}", args.len())));
    };
    if let Some(since) = filter.since_ms {
        add("at_ms >= {}", since.into());
    }
    if let Some(until) = filter.until_ms {
        add("at_ms < {}", until.into());
    }
    if let Some(actor) = &filter.actor {
        add("actor = {}", actor.clone().into());
    }
    if let Some(action) = filter.action {
        add("action = {}", action.as_str().to_string().into());
    }
    if let Some(prefix) = &filter.target_prefix {
        // substr, not LIKE: `%` and `_` in a prefix are plain characters.
        add("substr(target, 1, length({})) = {}", prefix.clone().into());
    }
    if let Some(before) = filter.before_id {
        add("id < {}", before.into());
    }
    if let Some(after) = filter.after_id {
        add("id > {}", after.into());
    }
    args.push(i64::try_from(filter.limit).unwrap_or(i64::MAX).into());
    let mut sql = String::from(
        "SELECT id, at_ms, actor, action, target, summary, before, after FROM wangge_audit",
    );
    if !conditions.is_empty() {
        sql.push_str(" WHERE ");
        sql.push_str(&conditions.join(" AND "));
    }
    sql.push_str(if filter.newest_first {
        " ORDER BY id DESC"
    } else {
        " ORDER BY id"
    });
    sql.push_str(&format!(" LIMIT ?{}", args.len()));
    let mut stmt = conn
        .prepare_cached(&sql)
        .map_err(sql_error(location, "reading the audit log"))?;
    let rows = stmt
        .query_map(params_from_iter(args), |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, Option<String>>(6)?,
                r.get::<_, Option<String>>(7)?,
            ))
        })
        .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>())
        .map_err(sql_error(location, "reading the audit log"))?;
    rows.into_iter()
        .map(
            |(id, at_ms, actor, action, target, summary, before, after)| {
                let corrupt = |problem: String| Error::Corrupt {
                    location: location.to_string(),
                    table: "wangge_audit".into(),
                    id,
                    problem,
                };
                let json = |text: Option<String>, column: &str| {
                    text.map(|t| {
                        serde_json::from_str(&t)
                            .map_err(|e| corrupt(format!("its {column} is not JSON: {e}")))
                    })
                    .transpose()
                };
                Ok(AuditEntry {
                    id,
                    at_ms,
                    actor,
                    action: AuditAction::parse(&action)
                        .map_err(|e| corrupt(format!("its action: {e}")))?,
                    target,
                    summary,
                    before: json(before, "before")?,
                    after: json(after, "after")?,
                })
            },
        )
        .collect()
}
