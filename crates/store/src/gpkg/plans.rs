//! Plans in the GeoPackage: `plans`, `plan_zones`, `plan_locks`, `plan_edits` and
//! `plan_edit_zones` (schema 4). A save checks the stored version, then writes only the rows that
//! [`plan_sync::writes`] lists.

use std::collections::{BTreeSet, HashMap};

use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};
use wangge_core::{Id, Plan, PlanEdit, PlanInfo, PlanStatus};

use super::rows::{self, ZONE_COLUMNS, corrupt, zone_from};
use super::sql_error;
use crate::plan_sync::{self, Digest, StoredEdit, StoredPlan};
use crate::{Error, Result};

/// The columns [`info_from`] reads, in order.
const INFO_COLUMNS: &str =
    "id, name, status, version, based_on, created_by, created_at_ms, published_by, published_at_ms";

type Problem = (i64, String);

/// A stored count or version, which SQLite holds signed.
fn unsigned(id: i64, what: &str, value: i64) -> std::result::Result<u64, Problem> {
    u64::try_from(value).map_err(|_| (id, format!("negative {what} {value}")))
}

/// A version or sequence number as SQLite stores it, refusing what does not fit.
fn signed(location: &str, table: &str, id: i64, what: &str, value: u64) -> Result<i64> {
    i64::try_from(value).map_err(|_| {
        corrupt(
            location,
            table,
            id,
            format!("{what} {value} is too large to store"),
        )
    })
}

fn info_from(r: &Row<'_>) -> rusqlite::Result<std::result::Result<PlanInfo, Problem>> {
    let id: i64 = r.get(0)?;
    let build = || -> std::result::Result<PlanInfo, Problem> {
        let e = |e: rusqlite::Error| (id, e.to_string());
        let status: String = r.get(2).map_err(e)?;
        Ok(PlanInfo {
            id,
            name: r.get(1).map_err(e)?,
            status: PlanStatus::parse(&status)
                .ok_or_else(|| (id, format!("unknown status `{status}`")))?,
            version: unsigned(id, "version", r.get(3).map_err(e)?)?,
            based_on: r.get(4).map_err(e)?,
            created_by: r.get(5).map_err(e)?,
            created_at_ms: r.get(6).map_err(e)?,
            published_by: r.get(7).map_err(e)?,
            published_at_ms: r.get(8).map_err(e)?,
        })
    };
    Ok(build())
}

/// Zone ids as `plan_edits` keeps them: comma-separated, in their order.
fn encode_ids(ids: &[Id]) -> String {
    let texts: Vec<String> = ids.iter().map(Id::to_string).collect();
    texts.join(",")
}

fn decode_ids(seq: i64, text: &str) -> std::result::Result<Vec<Id>, Problem> {
    if text.is_empty() {
        return Ok(Vec::new());
    }
    text.split(',')
        .map(|t| {
            t.parse()
                .map_err(|_| (seq, format!("`{t}` in a lock list is not a zone id")))
        })
        .collect()
}

fn digest_of(blob: Vec<u8>) -> Digest {
    // A digest of another length matches nothing, so the row is rewritten.
    Digest::try_from(blob.as_slice()).unwrap_or_default()
}

/// Every plan, newest first.
pub(crate) fn list(conn: &Connection, location: &str) -> Result<Vec<PlanInfo>> {
    rows::read(
        conn,
        location,
        "plans",
        INFO_COLUMNS,
        "ORDER BY id DESC",
        [],
        info_from,
    )
}

/// One plan with its zones (by id), locks and history (by sequence number).
pub(crate) fn read(conn: &Connection, location: &str, id: Id) -> Result<Option<Plan>> {
    let Some(info) = rows::read(
        conn,
        location,
        "plans",
        INFO_COLUMNS,
        "WHERE id = ?1",
        [id],
        info_from,
    )?
    .pop() else {
        return Ok(None);
    };
    let zones = rows::read(
        conn,
        location,
        "plan_zones",
        ZONE_COLUMNS,
        "WHERE plan_id = ?1 ORDER BY id",
        [id],
        |r| zone_from(r, 0),
    )?;
    let locked: BTreeSet<Id> = rows::read(
        conn,
        location,
        "plan_locks",
        "zone_id",
        "WHERE plan_id = ?1 ORDER BY zone_id",
        [id],
        |r| Ok(Ok(r.get::<_, i64>(0)?)),
    )?
    .into_iter()
    .collect();
    let mut history = rows::read(
        conn,
        location,
        "plan_edits",
        "seq, op, summary, edited_by, at_ms, locked_before, locked_after, undone, version",
        "WHERE plan_id = ?1 ORDER BY seq",
        [id],
        |r| {
            let seq: i64 = r.get(0)?;
            let build = || -> std::result::Result<PlanEdit, Problem> {
                let e = |e: rusqlite::Error| (seq, e.to_string());
                let before: String = r.get(5).map_err(e)?;
                let after: String = r.get(6).map_err(e)?;
                Ok(PlanEdit {
                    seq: unsigned(seq, "sequence number", seq)?,
                    op: r.get(1).map_err(e)?,
                    summary: r.get(2).map_err(e)?,
                    by: r.get(3).map_err(e)?,
                    at_ms: r.get(4).map_err(e)?,
                    before: Vec::new(),
                    after: Vec::new(),
                    locked_before: decode_ids(seq, &before)?,
                    locked_after: decode_ids(seq, &after)?,
                    undone: r.get(7).map_err(e)?,
                    version: unsigned(seq, "version", r.get(8).map_err(e)?)?,
                })
            };
            Ok(build())
        },
    )?;
    let by_seq: HashMap<u64, usize> = history
        .iter()
        .enumerate()
        .map(|(i, e)| (e.seq, i))
        .collect();
    let edit_zones = rows::read(
        conn,
        location,
        "plan_edit_zones",
        &format!("seq, side, {ZONE_COLUMNS}"),
        "WHERE plan_id = ?1 ORDER BY seq, side, position",
        [id],
        |r| {
            let seq: i64 = r.get(0)?;
            let side: String = r.get(1)?;
            Ok(zone_from(r, 2)?.map(|z| (seq, side, z)))
        },
    )?;
    for (seq, side, zone) in edit_zones {
        let edit = u64::try_from(seq)
            .ok()
            .and_then(|s| by_seq.get(&s))
            .map(|&i| &mut history[i])
            .ok_or_else(|| corrupt(location, "plan_edit_zones", seq, "no such edit"))?;
        match side.as_str() {
            "before" => edit.before.push(zone),
            "after" => edit.after.push(zone),
            other => {
                return Err(corrupt(
                    location,
                    "plan_edit_zones",
                    seq,
                    format!("unknown side `{other}`"),
                ));
            }
        }
    }
    Ok(Some(Plan {
        info,
        zones,
        locked,
        history,
    }))
}

/// Fails with [`Error::NoPlan`] or [`Error::Conflict`] unless plan `id` is stored at version
/// `expected`.
pub(crate) fn check_version(
    tx: &Transaction<'_>,
    location: &str,
    id: Id,
    expected: u64,
) -> Result<()> {
    let found: Option<i64> = tx
        .query_row("SELECT version FROM plans WHERE id = ?1", [id], |r| {
            r.get(0)
        })
        .optional()
        .map_err(sql_error(
            location,
            format!("reading the version of plan {id}"),
        ))?;
    let found = found.ok_or(Error::NoPlan(id))?;
    let found = unsigned(id, "version", found)
        .map_err(|(id, problem)| corrupt(location, "plans", id, problem))?;
    if found == expected {
        Ok(())
    } else {
        Err(Error::Conflict {
            plan: id,
            expected,
            found,
        })
    }
}

/// Stores a new plan and returns its id.
pub(crate) fn create(tx: &Transaction<'_>, location: &str, plan: &Plan) -> Result<Id> {
    let i = &plan.info;
    tx.execute(
        "INSERT INTO plans (name, status, version, based_on, created_by, created_at_ms, published_by, published_at_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            i.name,
            i.status.as_str(),
            signed(location, "plans", 0, "version", i.version)?,
            i.based_on,
            i.created_by,
            i.created_at_ms,
            i.published_by,
            i.published_at_ms
        ],
    )
    .map_err(sql_error(location, format!("creating plan {}", i.name)))?;
    let id = tx.last_insert_rowid();
    write_contents(tx, location, id, plan, &StoredPlan::default())?;
    Ok(id)
}

/// Replaces the stored plan `plan.info.id` with `plan`, writing only what changed. The caller
/// has checked the version.
pub(crate) fn save(tx: &Transaction<'_>, location: &str, plan: &Plan) -> Result<()> {
    let id = plan.info.id;
    let i = &plan.info;
    let updated = tx
        .execute(
            "UPDATE plans SET name = ?2, status = ?3, version = ?4, based_on = ?5, created_by = ?6,
               created_at_ms = ?7, published_by = ?8, published_at_ms = ?9
             WHERE id = ?1",
            params![
                id,
                i.name,
                i.status.as_str(),
                signed(location, "plans", id, "version", i.version)?,
                i.based_on,
                i.created_by,
                i.created_at_ms,
                i.published_by,
                i.published_at_ms
            ],
        )
        .map_err(sql_error(location, format!("saving plan {id}")))?;
    if updated == 0 {
        return Err(Error::NoPlan(id));
    }
    let stored = stored(tx, location, id)?;
    write_contents(tx, location, id, plan, &stored)
}

/// The fingerprints and locks of stored plan `id`.
fn stored(tx: &Transaction<'_>, location: &str, id: Id) -> Result<StoredPlan> {
    let zones = rows::read(
        tx,
        location,
        "plan_zones",
        "id, digest",
        "WHERE plan_id = ?1",
        [id],
        |r| Ok(Ok((r.get::<_, i64>(0)?, digest_of(r.get(1)?)))),
    )?;
    let locked = rows::read(
        tx,
        location,
        "plan_locks",
        "zone_id",
        "WHERE plan_id = ?1",
        [id],
        |r| Ok(Ok(r.get::<_, i64>(0)?)),
    )?;
    let edits = rows::read(
        tx,
        location,
        "plan_edits",
        "seq, digest, undone, version",
        "WHERE plan_id = ?1",
        [id],
        |r| {
            let seq: i64 = r.get(0)?;
            let digest = digest_of(r.get(1)?);
            let undone: bool = r.get(2)?;
            let version: i64 = r.get(3)?;
            Ok((|| -> std::result::Result<_, Problem> {
                Ok((
                    unsigned(seq, "sequence number", seq)?,
                    StoredEdit {
                        digest,
                        undone,
                        version: unsigned(seq, "version", version)?,
                    },
                ))
            })())
        },
    )?;
    Ok(StoredPlan {
        zones: zones.into_iter().collect(),
        locked: locked.into_iter().collect(),
        edits: edits.into_iter().collect(),
    })
}

/// Writes the zones, locks and edits of `plan` as plan `id`, given what is `stored`.
fn write_contents(
    tx: &Transaction<'_>,
    location: &str,
    id: Id,
    plan: &Plan,
    stored: &StoredPlan,
) -> Result<()> {
    let w = plan_sync::writes(stored, plan);
    let context = |what: &str| format!("saving the {what} of plan {id}");

    let mut upsert = tx
        .prepare_cached(
            "INSERT INTO plan_zones (plan_id, id, code, name, level, parent_id, households, population, buildings, compounds, geom, digest)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
             ON CONFLICT (plan_id, id) DO UPDATE SET code = excluded.code, name = excluded.name,
               level = excluded.level, parent_id = excluded.parent_id, households = excluded.households,
               population = excluded.population, buildings = excluded.buildings,
               compounds = excluded.compounds, geom = excluded.geom, digest = excluded.digest",
        )
        .map_err(sql_error(location, context("zones")))?;
    for (z, digest) in &w.zones {
        let (blob, t) = rows::zone_values(location, "plan_zones", z)?;
        upsert
            .execute(params![
                id,
                z.id,
                z.code,
                z.name,
                z.level,
                z.parent,
                t[0],
                t[1],
                t[2],
                t[3],
                blob,
                digest.as_slice()
            ])
            .map_err(sql_error(
                location,
                format!("saving zone {} ({}) of plan {id}", z.code, z.id),
            ))?;
    }
    let mut delete = tx
        .prepare_cached("DELETE FROM plan_zones WHERE plan_id = ?1 AND id = ?2")
        .map_err(sql_error(location, context("zones")))?;
    for zone in &w.delete_zones {
        delete
            .execute([id, *zone])
            .map_err(sql_error(location, context("zones")))?;
    }

    let mut lock = tx
        .prepare_cached("INSERT INTO plan_locks (plan_id, zone_id) VALUES (?1, ?2)")
        .map_err(sql_error(location, context("locks")))?;
    for zone in &w.lock {
        lock.execute([id, *zone])
            .map_err(sql_error(location, context("locks")))?;
    }
    let mut unlock = tx
        .prepare_cached("DELETE FROM plan_locks WHERE plan_id = ?1 AND zone_id = ?2")
        .map_err(sql_error(location, context("locks")))?;
    for zone in &w.unlock {
        unlock
            .execute([id, *zone])
            .map_err(sql_error(location, context("locks")))?;
    }

    // Deleting an edit deletes its zones (ON DELETE CASCADE).
    let mut delete = tx
        .prepare_cached("DELETE FROM plan_edits WHERE plan_id = ?1 AND seq = ?2")
        .map_err(sql_error(location, context("history")))?;
    for &seq in &w.delete_edits {
        delete
            .execute(params![
                id,
                signed(location, "plan_edits", id, "sequence number", seq)?
            ])
            .map_err(sql_error(location, context("history")))?;
    }
    let mut clear = tx
        .prepare_cached("DELETE FROM plan_edit_zones WHERE plan_id = ?1 AND seq = ?2")
        .map_err(sql_error(location, context("history")))?;
    let mut upsert = tx
        .prepare_cached(
            "INSERT INTO plan_edits (plan_id, seq, op, summary, edited_by, at_ms, locked_before, locked_after, undone, version, digest)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
             ON CONFLICT (plan_id, seq) DO UPDATE SET op = excluded.op, summary = excluded.summary,
               edited_by = excluded.edited_by, at_ms = excluded.at_ms,
               locked_before = excluded.locked_before, locked_after = excluded.locked_after,
               undone = excluded.undone, version = excluded.version, digest = excluded.digest",
        )
        .map_err(sql_error(location, context("history")))?;
    let mut insert_zone = tx
        .prepare_cached(
            "INSERT INTO plan_edit_zones (plan_id, seq, side, position, id, code, name, level, parent_id, households, population, buildings, compounds, geom)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
        )
        .map_err(sql_error(location, context("history")))?;
    for (e, digest) in &w.edits {
        let seq = signed(location, "plan_edits", id, "sequence number", e.seq)?;
        let edit_context = || format!("saving edit {} of plan {id}", e.seq);
        clear
            .execute(params![id, seq])
            .map_err(sql_error(location, edit_context()))?;
        upsert
            .execute(params![
                id,
                seq,
                e.op,
                e.summary,
                e.by,
                e.at_ms,
                encode_ids(&e.locked_before),
                encode_ids(&e.locked_after),
                e.undone,
                signed(location, "plan_edits", seq, "version", e.version)?,
                digest.as_slice()
            ])
            .map_err(sql_error(location, edit_context()))?;
        for (side, zones) in [("before", &e.before), ("after", &e.after)] {
            for (position, z) in zones.iter().enumerate() {
                let (blob, t) = rows::zone_values(location, "plan_edit_zones", z)?;
                insert_zone
                    .execute(params![
                        id,
                        seq,
                        side,
                        position as i64,
                        z.id,
                        z.code,
                        z.name,
                        z.level,
                        z.parent,
                        t[0],
                        t[1],
                        t[2],
                        t[3],
                        blob
                    ])
                    .map_err(sql_error(location, edit_context()))?;
            }
        }
    }
    let mut flags = tx
        .prepare_cached(
            "UPDATE plan_edits SET undone = ?3, version = ?4 WHERE plan_id = ?1 AND seq = ?2",
        )
        .map_err(sql_error(location, context("history")))?;
    for e in &w.edit_flags {
        let seq = signed(location, "plan_edits", id, "sequence number", e.seq)?;
        flags
            .execute(params![
                id,
                seq,
                e.undone,
                signed(location, "plan_edits", seq, "version", e.version)?
            ])
            .map_err(sql_error(
                location,
                format!("saving edit {} of plan {id}", e.seq),
            ))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_lists_round_trip() {
        for ids in [vec![], vec![7], vec![3, -1, 12]] {
            assert_eq!(decode_ids(1, &encode_ids(&ids)), Ok(ids));
        }
        assert!(decode_ids(1, "1,x").is_err());
    }
}
