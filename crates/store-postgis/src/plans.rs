//! Plans in PostGIS: `plans`, `plan_zones`, `plan_locks`, `plan_edits` and `plan_edit_zones`
//! (schema 3), laid out as in the GeoPackage. A save locks the plan's row, checks its version,
//! then writes only the rows that [`plan_sync::writes`] lists, pipelined.

use std::collections::{BTreeSet, HashMap};

use deadpool_postgres::{GenericClient, Transaction};
use tokio_postgres::Row;
use wangge_core::{Id, Plan, PlanEdit, PlanInfo, PlanStatus, Zone};
use wangge_store::plan_sync::{self, Digest, StoredEdit, StoredPlan};
use wangge_store::{Error, Result};

use crate::connect::pg_error;
use crate::rows::{self, Pending, Problem, fits, get, id_of, map_rows};
use crate::{geom, queries};

fn info(r: &Row) -> Result<PlanInfo, Problem> {
    let id = id_of(r)?;
    let status: &str = get(r, 2, id)?;
    Ok(PlanInfo {
        id,
        name: get(r, 1, id)?,
        status: PlanStatus::parse(status)
            .ok_or_else(|| (id, format!("unknown status `{status}`")))?,
        version: fits(id, "version", get(r, 3, id)?)?,
        based_on: get(r, 4, id)?,
        created_by: get(r, 5, id)?,
        created_at_ms: get(r, 6, id)?,
        published_by: get(r, 7, id)?,
        published_at_ms: get(r, 8, id)?,
    })
}

fn edit(r: &Row) -> Result<PlanEdit, Problem> {
    let seq = id_of(r)?;
    Ok(PlanEdit {
        seq: fits(seq, "seq", seq)?,
        op: get(r, 1, seq)?,
        summary: get(r, 2, seq)?,
        by: get(r, 3, seq)?,
        at_ms: get(r, 4, seq)?,
        before: Vec::new(),
        after: Vec::new(),
        locked_before: get(r, 5, seq)?,
        locked_after: get(r, 6, seq)?,
        undone: get(r, 7, seq)?,
        version: fits(seq, "version", get(r, 8, seq)?)?,
    })
}

/// A zone of an edit: the zone, then the edit's sequence number and the side.
fn edit_zone(r: &Row) -> Result<(i64, String, Zone), Problem> {
    let zone = rows::zone(r)?;
    Ok((get(r, 10, zone.id)?, get(r, 11, zone.id)?, zone))
}

fn digest_of(bytes: &[u8]) -> Digest {
    // A digest of another length matches nothing, so the row is rewritten.
    Digest::try_from(bytes).unwrap_or_default()
}

/// Every plan, newest first.
pub(crate) async fn list<C: GenericClient>(client: &C, location: &str) -> Result<Vec<PlanInfo>> {
    let found = rows::query(
        client,
        location,
        "reading plans",
        queries::SELECT_PLANS,
        &[],
    )
    .await?;
    map_rows(location, "plans", &found, info)
}

/// One plan with its zones (by id), locks and history (by sequence number); the reads are
/// pipelined, so run this in one transaction for a consistent plan.
pub(crate) async fn read<C: GenericClient>(
    client: &C,
    location: &str,
    id: Id,
) -> Result<Option<Plan>> {
    let context = format!("reading plan {id}");
    let params: [&(dyn tokio_postgres::types::ToSql + Sync); 1] = [&id];
    let (plan, zones, locks, edits, edit_zones) = tokio::try_join!(
        rows::query(client, location, &context, queries::SELECT_PLAN, &params),
        rows::query(
            client,
            location,
            &context,
            queries::SELECT_PLAN_ZONES,
            &params
        ),
        rows::query(
            client,
            location,
            &context,
            queries::SELECT_PLAN_LOCKS,
            &params
        ),
        rows::query(
            client,
            location,
            &context,
            queries::SELECT_PLAN_EDITS,
            &params
        ),
        rows::query(
            client,
            location,
            &context,
            queries::SELECT_PLAN_EDIT_ZONES,
            &params
        ),
    )?;
    let Some(info) = map_rows(location, "plans", &plan, info)?.pop() else {
        return Ok(None);
    };
    let zones = map_rows(location, "plan_zones", &zones, rows::zone)?;
    let locked: BTreeSet<Id> = map_rows(location, "plan_locks", &locks, id_of)?
        .into_iter()
        .collect();
    let mut history = map_rows(location, "plan_edits", &edits, edit)?;
    let by_seq: HashMap<u64, usize> = history
        .iter()
        .enumerate()
        .map(|(i, e)| (e.seq, i))
        .collect();
    for (seq, side, zone) in map_rows(location, "plan_edit_zones", &edit_zones, edit_zone)? {
        let edit = u64::try_from(seq)
            .ok()
            .and_then(|s| by_seq.get(&s))
            .map(|&i| &mut history[i])
            .ok_or_else(|| rows::corrupt(location, "plan_edit_zones", seq, "no such edit"))?;
        match side.as_str() {
            "before" => edit.before.push(zone),
            "after" => edit.after.push(zone),
            other => {
                return Err(rows::corrupt(
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

/// Locks plan `id`'s row until the transaction ends, and fails with [`Error::NoPlan`] or
/// [`Error::Conflict`] unless it is at version `expected`.
pub(crate) async fn lock_and_check(
    tx: &Transaction<'_>,
    location: &str,
    id: Id,
    expected: u64,
) -> Result<()> {
    let context = format!("locking plan {id}");
    let found = rows::query(tx, location, &context, queries::LOCK_PLAN, &[&id]).await?;
    let found: i64 = found
        .first()
        .ok_or(Error::NoPlan(id))?
        .try_get(0)
        .map_err(pg_error(location, context))?;
    let found = u64::try_from(found)
        .map_err(|_| rows::corrupt(location, "plans", id, format!("negative version {found}")))?;
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

/// A plan's row as bound to INSERT_PLAN (from `name` on) or UPDATE_PLAN (from `$2` on).
struct InfoRow<'a> {
    info: &'a PlanInfo,
    version: i64,
}

impl<'a> InfoRow<'a> {
    fn new(location: &str, info: &'a PlanInfo) -> Result<Self> {
        Ok(Self {
            info,
            version: rows::signed(location, "plans", info.id, "version", info.version)?,
        })
    }
}

/// Stores a new plan and returns its id.
pub(crate) async fn create(tx: &Transaction<'_>, location: &str, plan: &Plan) -> Result<Id> {
    let r = InfoRow::new(location, &plan.info)?;
    let i = r.info;
    let context = format!("creating plan {}", i.name);
    let created = rows::query(
        tx,
        location,
        &context,
        queries::INSERT_PLAN,
        &[
            &i.name,
            &i.status.as_str(),
            &r.version,
            &i.based_on,
            &i.created_by,
            &i.created_at_ms,
            &i.published_by,
            &i.published_at_ms,
        ],
    )
    .await?;
    let id: Id = created
        .first()
        .map(|row| row.try_get(0))
        .transpose()
        .map_err(pg_error(location, &context))?
        .ok_or_else(|| rows::corrupt(location, "plans", 0, "no id was returned"))?;
    write_contents(tx, location, id, plan, &StoredPlan::default()).await?;
    Ok(id)
}

/// Stores a plan under its own id (`plan.info.id`), for copying a store; the caller renumbers
/// the id sequence afterwards with [`queries::RESET_PLAN_IDS`].
pub(crate) async fn insert_with_id(
    tx: &Transaction<'_>,
    location: &str,
    plan: &Plan,
) -> Result<()> {
    let r = InfoRow::new(location, &plan.info)?;
    let i = r.info;
    tx.execute(
        queries::INSERT_PLAN_WITH_ID,
        &[
            &i.id,
            &i.name,
            &i.status.as_str(),
            &r.version,
            &i.based_on,
            &i.created_by,
            &i.created_at_ms,
            &i.published_by,
            &i.published_at_ms,
        ],
    )
    .await
    .map_err(pg_error(location, format!("copying plan {}", i.id)))?;
    write_contents(tx, location, i.id, plan, &StoredPlan::default()).await
}

/// Replaces stored plan `plan.info.id` with `plan`, writing only what changed. The caller has
/// locked the row and checked the version.
pub(crate) async fn save(tx: &Transaction<'_>, location: &str, plan: &Plan) -> Result<()> {
    let r = InfoRow::new(location, &plan.info)?;
    let i = r.info;
    let updated = tx
        .execute(
            queries::UPDATE_PLAN,
            &[
                &i.id,
                &i.name,
                &i.status.as_str(),
                &r.version,
                &i.based_on,
                &i.created_by,
                &i.created_at_ms,
                &i.published_by,
                &i.published_at_ms,
            ],
        )
        .await
        .map_err(pg_error(location, format!("saving plan {}", i.id)))?;
    if updated == 0 {
        return Err(Error::NoPlan(i.id));
    }
    let stored = stored(tx, location, i.id).await?;
    write_contents(tx, location, i.id, plan, &stored).await
}

/// The fingerprints and locks of stored plan `id`.
async fn stored(tx: &Transaction<'_>, location: &str, id: Id) -> Result<StoredPlan> {
    let context = format!("reading what is stored of plan {id}");
    let params: [&(dyn tokio_postgres::types::ToSql + Sync); 1] = [&id];
    let (zones, locks, edits) = tokio::try_join!(
        rows::query(tx, location, &context, queries::PLAN_ZONE_DIGESTS, &params),
        rows::query(tx, location, &context, queries::SELECT_PLAN_LOCKS, &params),
        rows::query(tx, location, &context, queries::PLAN_EDIT_DIGESTS, &params),
    )?;
    let zones = map_rows(location, "plan_zones", &zones, |r| {
        let id = id_of(r)?;
        Ok((id, digest_of(get(r, 1, id)?)))
    })?;
    let locked = map_rows(location, "plan_locks", &locks, id_of)?;
    let edits = map_rows(location, "plan_edits", &edits, |r| {
        let seq = id_of(r)?;
        Ok((
            fits(seq, "seq", seq)?,
            StoredEdit {
                digest: digest_of(get(r, 1, seq)?),
                undone: get(r, 2, seq)?,
                version: fits(seq, "version", get(r, 3, seq)?)?,
            },
        ))
    })?;
    Ok(StoredPlan {
        zones: zones.into_iter().collect(),
        locked: locked.into_iter().collect(),
        edits: edits.into_iter().collect(),
    })
}

/// A zone ready to bind: its totals as bigints and its geometry as hex EWKB.
struct ZoneRow<'a> {
    zone: &'a Zone,
    totals: [i64; 4],
    geometry: String,
}

fn zone_row<'a>(location: &str, table: &str, zone: &'a Zone) -> Result<ZoneRow<'a>> {
    let t = zone.totals;
    let count = |column, value| rows::signed(location, table, zone.id, column, value);
    Ok(ZoneRow {
        zone,
        totals: [
            count("households", t.households)?,
            count("population", t.population)?,
            count("buildings", t.buildings)?,
            count("compounds", t.compounds)?,
        ],
        geometry: rows::encoded(
            location,
            table,
            zone.id,
            geom::encode_multipolygon(&zone.geometry),
        )?,
    })
}

/// An edit ready to bind.
struct EditRow<'a> {
    edit: &'a PlanEdit,
    seq: i64,
    version: i64,
    digest: Vec<u8>,
}

/// A zone of an edit ready to bind.
struct EditZoneRow<'a> {
    seq: i64,
    side: &'static str,
    position: i32,
    zone: ZoneRow<'a>,
}

/// Writes the zones, locks and edits of `plan` as plan `id`, given what is `stored`. The
/// statements are pipelined in an order that respects the keys: an edit's old zones are deleted
/// and the edit written before its new zones.
async fn write_contents(
    tx: &Transaction<'_>,
    location: &str,
    id: Id,
    plan: &Plan,
    stored: &StoredPlan,
) -> Result<()> {
    let w = plan_sync::writes(stored, plan);
    let seq = |table: &str, value: u64| rows::signed(location, table, id, "seq", value);

    let zones = w
        .zones
        .iter()
        .map(|(z, digest)| Ok((zone_row(location, "plan_zones", z)?, digest.to_vec())))
        .collect::<Result<Vec<_>>>()?;
    let delete_edits = w
        .delete_edits
        .iter()
        .map(|&s| seq("plan_edits", s))
        .collect::<Result<Vec<i64>>>()?;
    let edits = w
        .edits
        .iter()
        .map(|(e, digest)| {
            Ok(EditRow {
                edit: e,
                seq: seq("plan_edits", e.seq)?,
                version: rows::signed(location, "plan_edits", id, "version", e.version)?,
                digest: digest.to_vec(),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let replaced: Vec<i64> = edits.iter().map(|e| e.seq).collect();
    let mut edit_zones = Vec::new();
    for e in &edits {
        for (side, zones) in [("before", &e.edit.before), ("after", &e.edit.after)] {
            for (position, z) in zones.iter().enumerate() {
                edit_zones.push(EditZoneRow {
                    seq: e.seq,
                    side,
                    position: i32::try_from(position).unwrap_or(i32::MAX),
                    zone: zone_row(location, "plan_edit_zones", z)?,
                });
            }
        }
    }
    let flags = w
        .edit_flags
        .iter()
        .map(|e| {
            Ok((
                seq("plan_edits", e.seq)?,
                e.undone,
                rows::signed(location, "plan_edits", id, "version", e.version)?,
            ))
        })
        .collect::<Result<Vec<_>>>()?;

    let prepare = |sql| rows::prepare(tx, location, sql, "saving a plan");
    let upsert_zone = prepare(queries::UPSERT_PLAN_ZONE).await?;
    let upsert_edit = prepare(queries::UPSERT_PLAN_EDIT).await?;
    let insert_edit_zone = prepare(queries::INSERT_PLAN_EDIT_ZONE).await?;
    let update_flags = prepare(queries::UPDATE_PLAN_EDIT_FLAGS).await?;
    let mut by_ids = Vec::new();
    for (sql, ids, what) in [
        (queries::DELETE_PLAN_ZONES, &w.delete_zones, "zones"),
        (queries::INSERT_PLAN_LOCKS, &w.lock, "locks"),
        (queries::DELETE_PLAN_LOCKS, &w.unlock, "locks"),
        // Deleting an edit deletes its zones (ON DELETE CASCADE).
        (queries::DELETE_PLAN_EDITS, &delete_edits, "history"),
        // The zones of an edit that is written anew.
        (queries::DELETE_PLAN_EDIT_ZONES, &replaced, "history"),
    ] {
        if !ids.is_empty() {
            by_ids.push((prepare(sql).await?, ids, what));
        }
    }
    let (upsert_zone, upsert_edit, insert_edit_zone, update_flags) =
        (&upsert_zone, &upsert_edit, &insert_edit_zone, &update_flags);

    // Three rounds, each pipelined: the statements of a round do not depend on each other, but
    // an edit's new zones need the edit written, and its old zones gone.
    let mut first: Vec<Pending<'_>> = Vec::new();
    for (r, digest) in &zones {
        first.push(Box::pin(async move {
            let z = r.zone;
            let t = &r.totals;
            tx.execute(
                upsert_zone,
                &[
                    &id,
                    &z.id,
                    &z.code,
                    &z.name,
                    &z.level,
                    &z.parent,
                    &t[0],
                    &t[1],
                    &t[2],
                    &t[3],
                    &r.geometry,
                    digest,
                ],
            )
            .await
            .map_err(pg_error(
                location,
                format!("saving zone {} ({}) of plan {id}", z.code, z.id),
            ))
        }));
    }
    for (statement, ids, what) in &by_ids {
        first.push(Box::pin(async move {
            tx.execute(statement, &[&id, ids]).await.map_err(pg_error(
                location,
                format!("saving the {what} of plan {id}"),
            ))
        }));
    }
    for (seq, undone, version) in &flags {
        first.push(Box::pin(async move {
            tx.execute(update_flags, &[&id, seq, undone, version])
                .await
                .map_err(pg_error(
                    location,
                    format!("saving edit {seq} of plan {id}"),
                ))
        }));
    }
    rows::pipelined(first).await?;

    let mut second: Vec<Pending<'_>> = Vec::new();
    for e in &edits {
        second.push(Box::pin(async move {
            let edit = e.edit;
            tx.execute(
                upsert_edit,
                &[
                    &id,
                    &e.seq,
                    &edit.op,
                    &edit.summary,
                    &edit.by,
                    &edit.at_ms,
                    &edit.locked_before,
                    &edit.locked_after,
                    &edit.undone,
                    &e.version,
                    &e.digest,
                ],
            )
            .await
            .map_err(pg_error(
                location,
                format!("saving edit {} of plan {id}", e.seq),
            ))
        }));
    }
    rows::pipelined(second).await?;

    let mut third: Vec<Pending<'_>> = Vec::new();
    for r in &edit_zones {
        third.push(Box::pin(async move {
            let z = r.zone.zone;
            let t = &r.zone.totals;
            tx.execute(
                insert_edit_zone,
                &[
                    &id,
                    &r.seq,
                    &r.side,
                    &r.position,
                    &z.id,
                    &z.code,
                    &z.name,
                    &z.level,
                    &z.parent,
                    &t[0],
                    &t[1],
                    &t[2],
                    &t[3],
                    &r.zone.geometry,
                ],
            )
            .await
            .map_err(pg_error(
                location,
                format!("saving a zone of edit {} of plan {id}", r.seq),
            ))
        }));
    }
    rows::pipelined(third).await
}
