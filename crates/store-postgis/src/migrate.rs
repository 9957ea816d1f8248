//! Versioned schema migrations, applied on start in one transaction under an advisory lock, so
//! that two servers starting at once do not both migrate; a schema from a newer wangge is
//! refused before anything is changed.

use deadpool_postgres::{GenericClient, Object};
use wangge_store::{Error, Result};

use crate::connect::{pg_error, quote_ident};
use crate::{queries, rows};

/// Schema migrations: entry `i` takes the schema from version `i` to `i + 1`.
const MIGRATIONS: &[&str] = &[
    include_str!("../sql/001_init.sql"),
    include_str!("../sql/002_inspections.sql"),
    include_str!("../sql/003_plans.sql"),
    include_str!("../sql/004_targets_and_duties.sql"),
    include_str!("../sql/005_users.sql"),
    include_str!("../sql/006_street_partners.sql"),
    include_str!("../sql/007_problems.sql"),
    include_str!("../sql/008_visits.sql"),
    include_str!("../sql/009_inspection_photos.sql"),
    include_str!("../sql/010_audit.sql"),
];

/// The schema version this build reads and writes. A schema with a newer one is refused.
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

/// Brings `schema` up to date, creating it (and PostGIS, where missing and allowed) when needed.
/// Returns the schema PostGIS is installed in, which belongs on the search path.
pub(crate) async fn migrate(client: &mut Object, location: &str, schema: &str) -> Result<String> {
    let tx = client
        .transaction()
        .await
        .map_err(pg_error(location, "starting the migration"))?;
    tx.execute(queries::MIGRATION_LOCK, &[&schema])
        .await
        .map_err(pg_error(location, "waiting for the migration lock"))?;

    let mut postgis = postgis_schema(&tx, location).await?;
    if postgis.is_none() {
        tx.execute(queries::EXTENSION_LOCK, &[])
            .await
            .map_err(pg_error(location, "waiting for the extension lock"))?;
        tx.batch_execute(queries::CREATE_POSTGIS).await.map_err(|e| {
            let error = pg_error(location, "installing PostGIS")(e);
            match error {
                Error::Task(message) => Error::Task(format!(
                    "{message}; PostGIS 3 must be installed on the server, and `CREATE EXTENSION postgis` run once in the database by a user allowed to"
                )),
                other => other,
            }
        })?;
        postgis = postgis_schema(&tx, location).await?;
    }
    let postgis = postgis.unwrap_or_else(|| "public".into());

    tx.batch_execute(
        &queries::CREATE_SCHEMA
            .replace("{schema}", &quote_ident(schema))
            .replace("{postgis}", &quote_ident(&postgis)),
    )
    .await
    .map_err(pg_error(location, format!("creating schema {schema}")))?;

    let state = tx
        .query_one(queries::SCHEMA_STATE, &[&schema])
        .await
        .map_err(pg_error(location, "reading the schema"))?;
    let has_meta: bool = state
        .try_get(0)
        .map_err(pg_error(location, "reading the schema"))?;
    let tables: i64 = state
        .try_get(1)
        .map_err(pg_error(location, "reading the schema"))?;
    let current: u32 = if has_meta {
        let found = rows::meta(&tx, location, "schema_version")
            .await?
            .unwrap_or_default();
        found.parse().map_err(|_| {
            rows::corrupt(
                location,
                "wangge_meta",
                0,
                format!("schema_version `{found}` is not a number"),
            )
        })?
    } else if tables > 0 {
        return Err(Error::Task(format!(
            "{location}: schema {schema} holds {tables} tables but no wangge_meta, so it is not a wangge store; choose another schema (nothing was changed)"
        )));
    } else {
        0
    };
    if current > SCHEMA_VERSION {
        return Err(Error::SchemaTooNew {
            location: format!("{location} (schema {schema})"),
            found: current,
            supported: SCHEMA_VERSION,
        });
    }
    for (i, script) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        tx.batch_execute(script).await.map_err(pg_error(
            location,
            format!("migrating {schema} to schema {}", i + 1),
        ))?;
        tracing::info!(url = location, schema, version = i + 1, "migrated");
    }
    if current < SCHEMA_VERSION {
        tx.execute(
            queries::META_SET,
            &[&"schema_version", &SCHEMA_VERSION.to_string()],
        )
        .await
        .map_err(pg_error(location, "recording the schema version"))?;
    }
    tx.commit()
        .await
        .map_err(pg_error(location, "committing the migration"))?;
    Ok(postgis)
}

/// The schema PostGIS is installed in, if it is.
async fn postgis_schema<C: GenericClient>(client: &C, location: &str) -> Result<Option<String>> {
    let rows = client
        .query(queries::POSTGIS_SCHEMA, &[])
        .await
        .map_err(pg_error(location, "looking for PostGIS"))?;
    rows.first()
        .map(|r| r.try_get::<_, String>(0))
        .transpose()
        .map_err(pg_error(location, "looking for PostGIS"))
}
