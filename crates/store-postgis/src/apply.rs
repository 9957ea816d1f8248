//! Applying a change set inside one transaction, exactly as the GeoPackage backend does:
//! deletions, then upserts, then the attribution, the new data version, the tier history and
//! inspections, the record of the change and its notification; references are checked last and
//! a dangling one is refused with the table and row that hold it.

use deadpool_postgres::{GenericClient, Transaction};
use geo::{BoundingRect, Rect, coord};
use tokio_postgres::error::SqlState;
use wangge_core::{ChangeSet, Id, Layer};
use wangge_store::{Applied, Error, Result};

use crate::connect::pg_error;
use crate::{queries, rows};

/// Takes the writers' lock and reads the data version under it.
pub(crate) async fn lock_version(tx: &Transaction<'_>, location: &str) -> Result<u64> {
    let rows = rows::query(
        tx,
        location,
        "locking the data version",
        queries::LOCK_VERSION,
        &[],
    )
    .await?;
    let text = rows
        .first()
        .map(|r| r.try_get::<_, String>(0))
        .transpose()
        .map_err(pg_error(location, "reading the data version"))?;
    rows::parse_version(location, text)
}

/// The box covering the current geometries of some rows of a table.
async fn old_extent(
    tx: &Transaction<'_>,
    location: &str,
    table: &str,
    ids: &[Id],
) -> Result<Option<Rect<f64>>> {
    if ids.is_empty() {
        return Ok(None);
    }
    let sql = queries::OLD_EXTENT.replace("{table}", table);
    let rows = rows::query(
        tx,
        location,
        &format!("reading the old extent in {table}"),
        &sql,
        &[&ids],
    )
    .await?;
    let Some(row) = rows.first() else {
        return Ok(None);
    };
    let value = |i| row.try_get::<_, Option<f64>>(i);
    let read = || -> std::result::Result<_, tokio_postgres::Error> {
        Ok((value(0)?, value(1)?, value(2)?, value(3)?))
    };
    Ok(
        match read().map_err(pg_error(
            location,
            format!("reading the old extent in {table}"),
        ))? {
            (Some(x0), Some(y0), Some(x1), Some(y1)) => {
                Some(Rect::new(coord! { x: x0, y: y0 }, coord! { x: x1, y: y1 }))
            }
            _ => None,
        },
    )
}

/// One spatial layer's part of a change set: its table, the ids deleted, and the ids written
/// with their new boxes.
struct LayerChange<'a> {
    layer: Layer,
    deletes: &'a [Id],
    upserts: Vec<(Id, Option<Rect<f64>>)>,
}

/// Writes a change set inside `tx` and returns what it did; the caller commits. `channel` is
/// where the new version is announced.
pub(crate) async fn apply_in(
    tx: &Transaction<'_>,
    location: &str,
    channel: &str,
    changes: &ChangeSet,
) -> Result<Applied> {
    wangge_store::check_inspection_photos(changes)?;
    // Writers queue here, so that each gets the next version and reads the extents it replaces
    // after the previous writer committed.
    let current = lock_version(tx, location).await?;
    if changes.is_empty() {
        return Ok(Applied {
            version: current,
            touched: None,
            layers: Vec::new(),
            inspections: Vec::new(),
        });
    }
    if let Some(levels) = &changes.levels {
        levels.validate()?;
        tx.execute(queries::DELETE_LEVELS, &[])
            .await
            .map_err(pg_error(location, "replacing zone levels"))?;
        let statement = tx
            .prepare_cached(queries::INSERT_LEVEL)
            .await
            .map_err(pg_error(location, "writing zone levels"))?;
        for (i, l) in levels.levels.iter().enumerate() {
            let position = i32::try_from(i + 1).unwrap_or(i32::MAX);
            tx.execute(
                &statement,
                &[
                    &position,
                    &l.key,
                    &l.name_zh,
                    &l.name_en,
                    &i16::from(l.code_digits),
                    &l.households
                        .map(|h| i64::try_from(h.min).unwrap_or(i64::MAX)),
                    &l.households
                        .map(|h| i64::try_from(h.max).unwrap_or(i64::MAX)),
                ],
            )
            .await
            .map_err(pg_error(location, format!("writing zone level {}", l.key)))?;
        }
    }

    let spatial = [
        LayerChange {
            layer: Layer::Zones,
            deletes: &changes.delete_zones,
            upserts: changes
                .zones
                .iter()
                .map(|z| (z.id, z.geometry.bounding_rect()))
                .collect(),
        },
        LayerChange {
            layer: Layer::Compounds,
            deletes: &changes.delete_compounds,
            upserts: changes
                .compounds
                .iter()
                .map(|c| (c.id, c.geometry.bounding_rect()))
                .collect(),
        },
        LayerChange {
            layer: Layer::Buildings,
            deletes: &changes.delete_buildings,
            upserts: changes
                .buildings
                .iter()
                .map(|b| (b.id, b.geometry.bounding_rect()))
                .collect(),
        },
        LayerChange {
            layer: Layer::Streets,
            deletes: &changes.delete_streets,
            upserts: changes
                .streets
                .iter()
                .map(|s| (s.id, s.geometry.bounding_rect()))
                .collect(),
        },
    ];
    let mut touched: Option<Rect<f64>> = None;
    let mut layers = Vec::new();
    for change in &spatial {
        if change.deletes.is_empty() && change.upserts.is_empty() {
            continue;
        }
        let table = change.layer.as_str();
        layers.push(change.layer);
        // The box a change touches covers what was there before (deleted or replaced) and what
        // is there after.
        let ids: Vec<Id> = change
            .deletes
            .iter()
            .copied()
            .chain(change.upserts.iter().map(|(id, _)| *id))
            .collect();
        let mut layer_box = old_extent(tx, location, table, &ids).await?;
        for (_, new) in &change.upserts {
            layer_box = wangge_core::merge_boxes(layer_box, *new);
        }
        touched = wangge_core::merge_boxes(touched, layer_box);
        if !change.deletes.is_empty() {
            let sql = queries::DELETE_ROWS.replace("{table}", table);
            tx.execute(&sql, &[&change.deletes])
                .await
                .map_err(pg_error(location, format!("deleting from {table}")))?;
        }
    }
    rows::write_zones(tx, location, &changes.zones).await?;
    rows::write_compounds(tx, location, &changes.compounds).await?;
    rows::write_buildings(tx, location, &changes.buildings).await?;
    rows::write_streets(tx, location, &changes.streets).await?;
    if !changes.delete_chiefs.is_empty() {
        let sql = queries::DELETE_ROWS.replace("{table}", "chiefs");
        tx.execute(&sql, &[&changes.delete_chiefs])
            .await
            .map_err(pg_error(location, "deleting chiefs"))?;
    }
    rows::write_chiefs(tx, location, &changes.chiefs).await?;
    rows::write_duties(tx, location, changes).await?;
    rows::write_partners(tx, location, changes).await?;
    if let Some(cadences) = &changes.cadences {
        tx.execute(
            queries::META_PUT,
            &[&"cadences", &wangge_store::cadences_text(cadences)?],
        )
        .await
        .map_err(pg_error(location, "writing the inspection cadences"))?;
    }
    if let Some(schedules) = &changes.visit_schedules {
        tx.execute(
            queries::META_PUT,
            &[
                &"visit_schedules",
                &wangge_store::visit_schedules_text(schedules)?,
            ],
        )
        .await
        .map_err(pg_error(location, "writing the visit schedules"))?;
    }
    if let Some(attribution) = &changes.attribution {
        tx.execute(
            queries::META_SET,
            &[&"attribution", &attribution.join("\n")],
        )
        .await
        .map_err(pg_error(location, "writing the attribution"))?;
    }

    let version = current + 1;
    let stored_version = i64::try_from(version).map_err(|_| {
        rows::corrupt(
            location,
            "wangge_meta",
            0,
            format!("data version {version} is too large"),
        )
    })?;
    tx.execute(queries::META_SET, &[&"data_version", &version.to_string()])
        .await
        .map_err(pg_error(location, "bumping the data version"))?;
    rows::write_tier_changes(tx, location, &changes.tier_changes, stored_version).await?;
    let inspections =
        rows::write_inspections(tx, location, &changes.inspections, stored_version).await?;
    rows::write_inspection_photos(tx, location, &changes.inspection_photos, &inspections).await?;
    let names: Vec<&str> = layers.iter().map(|l| l.as_str()).collect();
    let (x0, y0, x1, y1) = match touched {
        Some(r) => (
            Some(r.min().x),
            Some(r.min().y),
            Some(r.max().x),
            Some(r.max().y),
        ),
        None => (None, None, None, None),
    };
    tx.execute(
        queries::INSERT_CHANGE,
        &[&stored_version, &names, &x0, &y0, &x1, &y1],
    )
    .await
    .map_err(pg_error(location, "recording the change"))?;
    // PostgreSQL holds the notification until the transaction commits and drops it on rollback,
    // so listeners never hear of a change that did not happen.
    tx.execute(queries::NOTIFY, &[&channel, &version.to_string()])
        .await
        .map_err(pg_error(location, "announcing the change"))?;
    check_references(tx, location).await?;
    Ok(Applied {
        version,
        touched,
        layers,
        inspections,
    })
}

/// Checks the deferred foreign keys now, while the transaction is still open, so that a dangling
/// reference can be named; the savepoint keeps the transaction usable for that.
async fn check_references(tx: &Transaction<'_>, location: &str) -> Result<()> {
    tx.batch_execute("SAVEPOINT wangge_references")
        .await
        .map_err(pg_error(location, "checking references"))?;
    match tx.batch_execute("SET CONSTRAINTS ALL IMMEDIATE").await {
        Ok(()) => tx
            .batch_execute("RELEASE SAVEPOINT wangge_references")
            .await
            .map_err(pg_error(location, "checking references")),
        Err(error) if error.code() == Some(&SqlState::FOREIGN_KEY_VIOLATION) => {
            tx.batch_execute("ROLLBACK TO SAVEPOINT wangge_references")
                .await
                .map_err(pg_error(location, "checking references"))?;
            Err(explain_dangling(tx, location, &error).await?)
        }
        Err(error) => Err(pg_error(location, "checking references")(error)),
    }
}

/// Names the first row that refers to a row that does not exist.
async fn explain_dangling(
    tx: &Transaction<'_>,
    location: &str,
    error: &tokio_postgres::Error,
) -> Result<Error> {
    let rows = rows::query(
        tx,
        location,
        "finding the dangling reference",
        queries::DANGLING,
        &[],
    )
    .await?;
    let found = rows
        .first()
        .map(|r| {
            Ok::<_, tokio_postgres::Error>((
                r.try_get::<_, String>(0)?,
                r.try_get::<_, i64>(1)?,
                r.try_get::<_, String>(2)?,
                r.try_get::<_, String>(3)?,
            ))
        })
        .transpose()
        .map_err(pg_error(location, "finding the dangling reference"))?;
    Ok(Error::Refused(match found {
        Some((table, id, parent, missing)) => wangge_core::Error::DanglingReference {
            from: format!("{table} row {id}"),
            to: format!("{parent} row {missing}"),
        },
        // The check failed but the query found nothing: fall back on PostgreSQL's own words.
        None => wangge_core::Error::DanglingReference {
            from: "the change".into(),
            to: error
                .as_db_error()
                .map_or_else(|| error.to_string(), |db| db.to_string()),
        },
    }))
}
