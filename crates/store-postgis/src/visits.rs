//! Visit targets and visits: the `key_sites`, `vulnerable_households` and `visits` tables of
//! schema 8, as in the GeoPackage.

use std::collections::{HashMap, HashSet};

use deadpool_postgres::{GenericClient, Transaction};
use tokio_postgres::Row;
use wangge_core::{
    Id, KeyPlace, KeySite, Targets, Visit, VisitTarget, VulnerableCategory, VulnerableHousehold,
};
use wangge_store::{Result, visits};

use crate::connect::pg_error;
use crate::queries;
use crate::rows::{self, Pending, corrupt, get, query};

async fn exists(tx: &Transaction<'_>, location: &str, sql: &str, id: Id) -> Result<bool> {
    let rows = query(tx, location, "looking up a reference", sql, &[&id]).await?;
    Ok(rows
        .first()
        .and_then(|r| r.try_get(0).ok())
        .unwrap_or(false))
}

/// The key sites and the vulnerable households.
pub(crate) async fn targets<C: GenericClient>(client: &C, location: &str) -> Result<Targets> {
    let rows = query(
        client,
        location,
        "reading key sites",
        queries::SELECT_KEY_SITES,
        &[],
    )
    .await?;
    let key_sites = rows
        .iter()
        .map(|row| {
            let read = || -> Result<KeySite, (i64, String)> {
                let id: i64 = get(row, 0, 0)?;
                let compound: Option<i64> = get(row, 1, id)?;
                let building: Option<i64> = get(row, 2, id)?;
                let place = match (compound, building) {
                    (Some(c), None) => KeyPlace::Compound(c),
                    (None, Some(b)) => KeyPlace::Building(b),
                    _ => return Err((id, "not one place".into())),
                };
                Ok(KeySite {
                    place,
                    reason: get(row, 3, id)?,
                })
            };
            read().map_err(|(id, p)| corrupt(location, "key_sites", id, p))
        })
        .collect::<Result<Vec<_>>>()?;
    let rows = query(
        client,
        location,
        "reading vulnerable households",
        queries::SELECT_VULNERABLE,
        &[],
    )
    .await?;
    let vulnerable = rows
        .iter()
        .map(|row| {
            let read = || -> Result<VulnerableHousehold, (i64, String)> {
                let id: i64 = get(row, 0, 0)?;
                let category: String = get(row, 3, id)?;
                Ok(VulnerableHousehold {
                    id,
                    building: get(row, 1, id)?,
                    door: get(row, 2, id)?,
                    category: VulnerableCategory::parse(&category)
                        .map_err(|e| (id, e.to_string()))?,
                    contact: get(row, 4, id)?,
                })
            };
            read().map_err(|(id, p)| corrupt(location, "vulnerable_households", id, p))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Targets {
        key_sites,
        vulnerable,
    })
}

/// Replaces the key-site list.
pub(crate) async fn replace_key_sites(
    tx: &Transaction<'_>,
    location: &str,
    sites: &[KeySite],
) -> Result<()> {
    visits::check_key_sites(sites)?;
    for site in sites {
        let found = match site.place {
            KeyPlace::Compound(id) => exists(tx, location, queries::COMPOUND_EXISTS, id).await?,
            KeyPlace::Building(id) => exists(tx, location, queries::BUILDING_EXISTS, id).await?,
        };
        if !found {
            return Err(visits::no_such_place(
                "a key site",
                visits::place(site.place),
            ));
        }
    }
    tx.execute(queries::DELETE_KEY_SITES, &[])
        .await
        .map_err(pg_error(location, "clearing key sites"))?;
    for (i, site) in sites.iter().enumerate() {
        let (compound, building) = match site.place {
            KeyPlace::Compound(id) => (Some(id), None),
            KeyPlace::Building(id) => (None, Some(id)),
        };
        tx.execute(
            queries::INSERT_KEY_SITE,
            &[&(i as i64 + 1), &compound, &building, &site.reason],
        )
        .await
        .map_err(pg_error(
            location,
            format!("writing the key site {}", visits::place(site.place)),
        ))?;
    }
    Ok(())
}

/// Replaces the vulnerable-household list, keeping the ids of the (building, door) pairs that stay.
pub(crate) async fn replace_vulnerable(
    tx: &Transaction<'_>,
    location: &str,
    households: &[VulnerableHousehold],
) -> Result<Vec<VulnerableHousehold>> {
    visits::check_vulnerable(households)?;
    let existing: HashMap<(Id, String), Id> = targets(tx, location)
        .await?
        .vulnerable
        .into_iter()
        .map(|h| ((h.building, h.door), h.id))
        .collect();
    let mut kept = HashSet::new();
    for h in households {
        if !exists(tx, location, queries::BUILDING_EXISTS, h.building).await? {
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
                    queries::UPDATE_VULNERABLE,
                    &[&id, &h.category.as_str(), &h.contact],
                )
                .await
                .map_err(pg_error(location, format!("writing {what}")))?;
            }
            None => {
                let row = tx
                    .query_one(
                        queries::INSERT_VULNERABLE,
                        &[&h.building, &h.door, &h.category.as_str(), &h.contact],
                    )
                    .await
                    .map_err(pg_error(location, format!("writing {what}")))?;
                let id: i64 = row
                    .try_get(0)
                    .map_err(pg_error(location, "reading the new household's id"))?;
                kept.insert(id);
            }
        }
    }
    for id in existing.values().filter(|id| !kept.contains(id)) {
        tx.execute(queries::DELETE_VULNERABLE, &[id])
            .await
            .map_err(pg_error(location, format!("removing household {id}")))?;
    }
    Ok(targets(tx, location).await?.vulnerable)
}

/// Records a visit after checking its chief and target exist.
pub(crate) async fn record(tx: &Transaction<'_>, location: &str, visit: &Visit) -> Result<Id> {
    if !exists(tx, location, queries::CHIEF_EXISTS, visit.chief).await? {
        return Err(visits::no_such_chief(visit.chief));
    }
    let found = query(
        tx,
        location,
        "looking up a visit's target",
        queries::VISIT_TARGET_EXISTS,
        &[&visit.target.kind_key(), &visit.target.id()],
    )
    .await?
    .first()
    .and_then(|r| r.try_get(0).ok())
    .unwrap_or(false);
    if !found {
        return Err(visits::no_such_target(visit.target));
    }
    let row = tx
        .query_one(
            queries::INSERT_VISIT,
            &[
                &visit.target.kind_key(),
                &visit.target.id(),
                &visit.chief,
                &visit.at_ms,
                &visit.by,
                &visit.note,
                &visit.households_seen.map(i64::from),
            ],
        )
        .await
        .map_err(pg_error(location, "recording a visit"))?;
    row.try_get(0)
        .map_err(pg_error(location, "reading the new visit's id"))
}

/// Stores vulnerable households and visits under their own ids (when migrating a store), without
/// the checks of a new visit: visits name what they visited, which may since have left the lists
/// or the roster. The caller renumbers the sequences afterwards
/// ([`queries::RESET_COPIED_IDS`]).
pub(crate) async fn insert_with_ids(
    tx: &Transaction<'_>,
    location: &str,
    households: &[VulnerableHousehold],
    visits: &[Visit],
) -> Result<()> {
    let insert_household = tx
        .prepare_cached(queries::INSERT_VULNERABLE_WITH_ID)
        .await
        .map_err(pg_error(location, "copying vulnerable households"))?;
    let insert_visit = tx
        .prepare_cached(queries::INSERT_VISIT_WITH_ID)
        .await
        .map_err(pg_error(location, "copying visits"))?;
    let (insert_household, insert_visit) = (&insert_household, &insert_visit);
    let mut pending: Vec<Pending<'_>> = Vec::with_capacity(households.len() + visits.len());
    for h in households {
        pending.push(Box::pin(async move {
            tx.execute(
                insert_household,
                &[
                    &h.id,
                    &h.building,
                    &h.door,
                    &h.category.as_str(),
                    &h.contact,
                ],
            )
            .await
            .map_err(pg_error(
                location,
                format!("copying vulnerable household {}", h.id),
            ))
        }));
    }
    for v in visits {
        pending.push(Box::pin(async move {
            tx.execute(
                insert_visit,
                &[
                    &v.id,
                    &v.target.kind_key(),
                    &v.target.id(),
                    &v.chief,
                    &v.at_ms,
                    &v.by,
                    &v.note,
                    &v.households_seen.map(i64::from),
                ],
            )
            .await
            .map_err(pg_error(location, format!("copying visit {}", v.id)))
        }));
    }
    rows::pipelined(pending).await
}

fn visit_from_row(location: &str, row: &Row) -> Result<Visit> {
    let read = || -> Result<Visit, (i64, String)> {
        let id: i64 = get(row, 0, 0)?;
        let kind: String = get(row, 1, id)?;
        let target: i64 = get(row, 2, id)?;
        let seen: Option<i64> = get(row, 7, id)?;
        Ok(Visit {
            id,
            target: VisitTarget::from_key(&kind, target)
                .ok_or_else(|| (id, format!("target kind `{kind}`")))?,
            chief: get(row, 3, id)?,
            at_ms: get(row, 4, id)?,
            by: get(row, 5, id)?,
            note: get(row, 6, id)?,
            households_seen: seen.map(|n| u32::try_from(n).unwrap_or(u32::MAX)),
        })
    };
    read().map_err(|(id, p)| corrupt(location, "visits", id, p))
}

/// Visits by a chief since a time, oldest first.
pub(crate) async fn list<C: GenericClient>(
    client: &C,
    location: &str,
    chief: Option<Id>,
    since_ms: Option<i64>,
) -> Result<Vec<Visit>> {
    query(
        client,
        location,
        "reading visits",
        queries::VISITS,
        &[&chief, &since_ms],
    )
    .await?
    .iter()
    .map(|row| visit_from_row(location, row))
    .collect()
}

/// The latest visit of each target, by target.
pub(crate) async fn latest<C: GenericClient>(client: &C, location: &str) -> Result<Vec<Visit>> {
    let mut list = query(
        client,
        location,
        "reading the latest visits",
        queries::LATEST_VISITS,
        &[],
    )
    .await?
    .iter()
    .map(|row| visit_from_row(location, row))
    .collect::<Result<Vec<_>>>()?;
    list.sort_by_key(|v| v.target);
    Ok(list)
}
