//! Visit targets and visits in the GeoPackage: the `key_sites`, `vulnerable_households` and
//! `visits` tables (see `sql/009_visits.sql`).

use std::collections::{HashMap, HashSet};

use rusqlite::{Connection, Row, Transaction, params};
use wangge_core::{
    Id, KeyPlace, KeySite, Targets, Visit, VisitTarget, VulnerableCategory, VulnerableHousehold,
};

use super::sql_error;
use crate::{Error, Result, visits};

fn corrupt(location: &str, table: &str, id: i64, problem: impl ToString) -> Error {
    Error::Corrupt {
        location: location.into(),
        table: table.into(),
        id,
        problem: problem.to_string(),
    }
}

fn count(tx: &Connection, location: &str, sql: &str, id: Id) -> Result<bool> {
    let n: i64 = tx
        .query_row(sql, [id], |r| r.get(0))
        .map_err(sql_error(location, "looking up a reference"))?;
    Ok(n > 0)
}

/// The key sites and the vulnerable households.
pub(crate) fn targets(conn: &Connection, location: &str) -> Result<Targets> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT id, compound_id, building_id, reason FROM key_sites \
             ORDER BY compound_id IS NULL, compound_id, building_id",
        )
        .map_err(sql_error(location, "reading key sites"))?;
    let rows = stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, Option<i64>>(1)?,
                r.get::<_, Option<i64>>(2)?,
                r.get::<_, String>(3)?,
            ))
        })
        .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>())
        .map_err(sql_error(location, "reading key sites"))?;
    let key_sites = rows
        .into_iter()
        .map(|(id, compound, building, reason)| {
            let place = match (compound, building) {
                (Some(c), None) => KeyPlace::Compound(c),
                (None, Some(b)) => KeyPlace::Building(b),
                _ => return Err(corrupt(location, "key_sites", id, "not one place")),
            };
            Ok(KeySite { place, reason })
        })
        .collect::<Result<Vec<_>>>()?;
    let mut stmt = conn
        .prepare_cached(
            "SELECT id, building_id, door, category, contact FROM vulnerable_households ORDER BY id",
        )
        .map_err(sql_error(location, "reading vulnerable households"))?;
    let rows = stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, Option<String>>(4)?,
            ))
        })
        .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>())
        .map_err(sql_error(location, "reading vulnerable households"))?;
    let vulnerable = rows
        .into_iter()
        .map(|(id, building, door, category, contact)| {
            Ok(VulnerableHousehold {
                id,
                building,
                door,
                category: VulnerableCategory::parse(&category)
                    .map_err(|e| corrupt(location, "vulnerable_households", id, e))?,
                contact,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Targets {
        key_sites,
        vulnerable,
    })
}

/// Replaces the key-site list.
pub(crate) fn replace_key_sites(
    tx: &Transaction<'_>,
    location: &str,
    sites: &[KeySite],
) -> Result<()> {
    visits::check_key_sites(sites)?;
    for site in sites {
        let exists = match site.place {
            KeyPlace::Compound(id) => count(
                tx,
                location,
                "SELECT count(*) FROM compounds WHERE id = ?1",
                id,
            )?,
            KeyPlace::Building(id) => count(
                tx,
                location,
                "SELECT count(*) FROM buildings WHERE id = ?1",
                id,
            )?,
        };
        if !exists {
            return Err(visits::no_such_place(
                "a key site",
                visits::place(site.place),
            ));
        }
    }
    tx.execute("DELETE FROM key_sites", [])
        .map_err(sql_error(location, "clearing key sites"))?;
    let mut insert = tx
        .prepare_cached(
            "INSERT INTO key_sites (id, compound_id, building_id, reason) VALUES (?1, ?2, ?3, ?4)",
        )
        .map_err(sql_error(location, "writing key sites"))?;
    for (i, site) in sites.iter().enumerate() {
        let (compound, building) = match site.place {
            KeyPlace::Compound(id) => (Some(id), None),
            KeyPlace::Building(id) => (None, Some(id)),
        };
        insert
            .execute(params![i as i64 + 1, compound, building, site.reason])
            .map_err(sql_error(
                location,
                format!("writing the key site {}", visits::place(site.place)),
            ))?;
    }
    Ok(())
}

/// Replaces the vulnerable-household list, keeping the ids of the (building, door) pairs that stay.
pub(crate) fn replace_vulnerable(
    tx: &Transaction<'_>,
    location: &str,
    households: &[VulnerableHousehold],
) -> Result<Vec<VulnerableHousehold>> {
    visits::check_vulnerable(households)?;
    let existing: HashMap<(Id, String), Id> = {
        let mut stmt = tx
            .prepare_cached("SELECT id, building_id, door FROM vulnerable_households")
            .map_err(sql_error(location, "reading vulnerable households"))?;
        stmt.query_map([], |r| Ok(((r.get(1)?, r.get(2)?), r.get(0)?)))
            .and_then(|rows| rows.collect::<rusqlite::Result<HashMap<_, _>>>())
            .map_err(sql_error(location, "reading vulnerable households"))?
    };
    let mut kept = HashSet::new();
    for h in households {
        if !count(
            tx,
            location,
            "SELECT count(*) FROM buildings WHERE id = ?1",
            h.building,
        )? {
            return Err(visits::no_such_place(
                &format!("vulnerable household {}", h.door),
                format!("building {}", h.building),
            ));
        }
        let what = format!("the household of building {} door {}", h.building, h.door);
        match existing.get(&(h.building, h.door.clone())) {
            Some(&id) => {
                kept.insert(id);
                tx.execute(
                    "UPDATE vulnerable_households SET category = ?2, contact = ?3 WHERE id = ?1",
                    params![id, h.category.as_str(), h.contact],
                )
                .map_err(sql_error(location, format!("writing {what}")))?;
            }
            None => {
                tx.execute(
                    "INSERT INTO vulnerable_households (building_id, door, category, contact) \
                     VALUES (?1, ?2, ?3, ?4)",
                    params![h.building, h.door, h.category.as_str(), h.contact],
                )
                .map_err(sql_error(location, format!("writing {what}")))?;
                kept.insert(tx.last_insert_rowid());
            }
        }
    }
    for id in existing.values().filter(|id| !kept.contains(id)) {
        tx.execute("DELETE FROM vulnerable_households WHERE id = ?1", [id])
            .map_err(sql_error(location, format!("removing household {id}")))?;
    }
    Ok(targets(tx, location)?.vulnerable)
}

/// Records a visit after checking its chief and target exist.
pub(crate) fn record(tx: &Transaction<'_>, location: &str, visit: &Visit) -> Result<Id> {
    if !count(
        tx,
        location,
        "SELECT count(*) FROM chiefs WHERE id = ?1",
        visit.chief,
    )? {
        return Err(visits::no_such_chief(visit.chief));
    }
    let sql = match visit.target {
        VisitTarget::KeyCompound(_) => "SELECT count(*) FROM key_sites WHERE compound_id = ?1",
        VisitTarget::KeyBuilding(_) => "SELECT count(*) FROM key_sites WHERE building_id = ?1",
        VisitTarget::Household(_) => "SELECT count(*) FROM vulnerable_households WHERE id = ?1",
        VisitTarget::Building(_) => {
            "SELECT count(*) FROM buildings WHERE id = ?1 AND households > 0"
        }
    };
    if !count(tx, location, sql, visit.target.id())? {
        return Err(visits::no_such_target(visit.target));
    }
    tx.execute(
        "INSERT INTO visits (target_kind, target_id, chief_id, at_ms, visited_by, note, \
         households_seen) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            visit.target.kind_key(),
            visit.target.id(),
            visit.chief,
            visit.at_ms,
            visit.by,
            visit.note,
            visit.households_seen.map(i64::from)
        ],
    )
    .map_err(sql_error(location, "recording a visit"))?;
    Ok(tx.last_insert_rowid())
}

const COLUMNS: &str =
    "id, target_kind, target_id, chief_id, at_ms, visited_by, note, households_seen";

type RawVisit = (Id, String, Id, Id, i64, String, String, Option<i64>);

fn raw(r: &Row<'_>) -> rusqlite::Result<RawVisit> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
        r.get(7)?,
    ))
}

fn finish(location: &str, raw: RawVisit) -> Result<Visit> {
    let (id, kind, target, chief, at_ms, by, note, seen) = raw;
    Ok(Visit {
        id,
        target: VisitTarget::from_key(&kind, target)
            .ok_or_else(|| corrupt(location, "visits", id, format!("target kind `{kind}`")))?,
        chief,
        at_ms,
        by,
        note,
        households_seen: seen.map(|n| u32::try_from(n).unwrap_or(u32::MAX)),
    })
}

fn read(
    conn: &Connection,
    location: &str,
    sql: &str,
    params: impl rusqlite::Params,
) -> Result<Vec<Visit>> {
    let mut stmt = conn
        .prepare_cached(sql)
        .map_err(sql_error(location, "reading visits"))?;
    let rows = stmt
        .query_map(params, raw)
        .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>())
        .map_err(sql_error(location, "reading visits"))?;
    rows.into_iter().map(|r| finish(location, r)).collect()
}

/// Visits by a chief since a time, oldest first.
pub(crate) fn list(
    conn: &Connection,
    location: &str,
    chief: Option<Id>,
    since_ms: Option<i64>,
) -> Result<Vec<Visit>> {
    read(
        conn,
        location,
        &format!(
            "SELECT {COLUMNS} FROM visits WHERE (?1 IS NULL OR chief_id = ?1) \
             AND (?2 IS NULL OR at_ms >= ?2) ORDER BY at_ms, id"
        ),
        params![chief, since_ms],
    )
}

/// The latest visit of each target.
pub(crate) fn latest(conn: &Connection, location: &str) -> Result<Vec<Visit>> {
    let mut list = read(
        conn,
        location,
        &format!(
            "SELECT {COLUMNS} FROM visits v WHERE NOT EXISTS (SELECT 1 FROM visits w \
             WHERE w.target_kind = v.target_kind AND w.target_id = v.target_id \
             AND (w.at_ms > v.at_ms OR (w.at_ms = v.at_ms AND w.id > v.id)))"
        ),
        [],
    )?;
    list.sort_by_key(|v| v.target);
    Ok(list)
}
