//! The audit log in PostgreSQL (`wangge_audit`, `sql/010_audit.sql`): entries appended inside
//! the transaction of the change they describe, under the table's lock so that ids follow the
//! order of commits, and read back through a filter. Triggers refuse any UPDATE, DELETE or
//! TRUNCATE.

use deadpool_postgres::{GenericClient, Transaction};
use tokio_postgres::Row;
use wangge_core::{AuditAction, AuditEntry, Id};
use wangge_store::{AuditFilter, Result};

use crate::connect::pg_error;
use crate::queries;
use crate::rows::{corrupt, query};

/// Appends `entries` (their ids ignored) inside `tx`. Call it last in a transaction: it takes the
/// audit log's lock, held until the transaction ends.
pub(crate) async fn append(
    tx: &Transaction<'_>,
    location: &str,
    entries: &[AuditEntry],
) -> Result<()> {
    if entries.is_empty() {
        return Ok(());
    }
    wangge_store::check_audit(entries)?;
    // Deferred references are checked now, not at commit: a transaction holding the audit log's
    // lock then waits for nothing else (a check at commit could wait on a row that a writer
    // queued behind this lock has locked).
    tx.batch_execute("SET CONSTRAINTS ALL IMMEDIATE")
        .await
        .map_err(pg_error(location, "checking references"))?;
    tx.batch_execute(queries::LOCK_AUDIT)
        .await
        .map_err(pg_error(location, "waiting for the audit log"))?;
    let statement = tx
        .prepare_cached(queries::INSERT_AUDIT)
        .await
        .map_err(pg_error(location, "writing the audit log"))?;
    for e in entries {
        tx.execute(
            &statement,
            &[
                &e.at_ms,
                &e.actor,
                &e.action.as_str(),
                &e.target,
                &e.summary,
                &wangge_store::audit_json(e.before.as_ref()),
                &wangge_store::audit_json(e.after.as_ref()),
            ],
        )
        .await
        .map_err(pg_error(
            location,
            format!("writing the audit entry for {}", e.target),
        ))?;
    }
    Ok(())
}

/// Appends entries given with a record the store just created, with
/// [`NEW_ID`](wangge_store::NEW_ID) replaced by its id.
pub(crate) async fn append_for(
    tx: &Transaction<'_>,
    location: &str,
    entries: &[AuditEntry],
    id: Id,
) -> Result<()> {
    let entries: Vec<AuditEntry> = entries
        .iter()
        .cloned()
        .map(|e| wangge_store::with_new_id(e, id))
        .collect();
    append(tx, location, &entries).await
}

/// Stores entries under the ids they have elsewhere (when migrating a store); the caller numbers
/// new entries after them ([`queries::RESET_COPIED_IDS`]).
pub(crate) async fn insert_with_ids(
    tx: &Transaction<'_>,
    location: &str,
    entries: &[AuditEntry],
) -> Result<()> {
    if entries.is_empty() {
        return Ok(());
    }
    tx.batch_execute(queries::LOCK_AUDIT)
        .await
        .map_err(pg_error(location, "waiting for the audit log"))?;
    let statement = tx
        .prepare_cached(queries::INSERT_AUDIT_WITH_ID)
        .await
        .map_err(pg_error(location, "copying the audit log"))?;
    for e in entries {
        tx.execute(
            &statement,
            &[
                &e.id,
                &e.at_ms,
                &e.actor,
                &e.action.as_str(),
                &e.target,
                &e.summary,
                &wangge_store::audit_json(e.before.as_ref()),
                &wangge_store::audit_json(e.after.as_ref()),
            ],
        )
        .await
        .map_err(pg_error(location, format!("copying audit entry {}", e.id)))?;
    }
    Ok(())
}

/// How many entries the log holds.
pub(crate) async fn count<C: GenericClient>(client: &C, location: &str) -> Result<i64> {
    let rows = query(
        client,
        location,
        "counting the audit log",
        queries::AUDIT_ENTRIES,
        &[],
    )
    .await?;
    rows.first()
        .map(|r| r.try_get::<_, i64>(0))
        .transpose()
        .map_err(pg_error(location, "counting the audit log"))
        .map(Option::unwrap_or_default)
}

/// The entries passing `filter`, by id.
pub(crate) async fn list<C: GenericClient>(
    client: &C,
    location: &str,
    filter: &AuditFilter,
) -> Result<Vec<AuditEntry>> {
    let sql =
        queries::SELECT_AUDIT.replace("{order}", if filter.newest_first { "DESC" } else { "ASC" });
    let action = filter.action.map(AuditAction::as_str);
    let limit = i64::try_from(filter.limit).unwrap_or(i64::MAX);
    let rows = query(
        client,
        location,
        "reading the audit log",
        &sql,
        &[
            &filter.since_ms,
            &filter.until_ms,
            &filter.actor,
            &action,
            &filter.target_prefix,
            &filter.before_id,
            &filter.after_id,
            &limit,
        ],
    )
    .await?;
    rows.iter()
        .map(|row| entry_from_row(location, row))
        .collect()
}

fn entry_from_row(location: &str, row: &Row) -> Result<AuditEntry> {
    let read = || -> std::result::Result<_, tokio_postgres::Error> {
        Ok((
            row.try_get::<_, i64>(0)?,
            row.try_get::<_, i64>(1)?,
            row.try_get::<_, String>(2)?,
            row.try_get::<_, String>(3)?,
            row.try_get::<_, String>(4)?,
            row.try_get::<_, String>(5)?,
            row.try_get::<_, Option<String>>(6)?,
            row.try_get::<_, Option<String>>(7)?,
        ))
    };
    let (id, at_ms, actor, action, target, summary, before, after) =
        read().map_err(pg_error(location, "reading the audit log"))?;
    let json = |text: Option<String>, column: &str| {
        text.map(|t| {
            serde_json::from_str(&t).map_err(|e| {
                corrupt(
                    location,
                    "wangge_audit",
                    id,
                    format!("its {column} is not JSON: {e}"),
                )
            })
        })
        .transpose()
    };
    Ok(AuditEntry {
        id,
        at_ms,
        actor,
        action: AuditAction::parse(&action)
            .map_err(|e| corrupt(location, "wangge_audit", id, format!("its action: {e}")))?,
        target,
        summary,
        before: json(before, "before")?,
        after: json(after, "after")?,
    })
}
