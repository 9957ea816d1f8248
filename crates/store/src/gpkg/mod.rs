//! The embedded store: one SQLite file laid out as a GeoPackage 1.3, so that GDAL and QGIS open its
//! layers directly. WAL journal, schema migrations, one transaction per change set, and the
//! GeoPackage R-tree extension kept up to date by triggers. Plans live in tables of wangge's own
//! beside the layers (not registered as GeoPackage contents; see `sql/004_plans.sql`).

mod audit;
mod geom;
mod plans;
mod problems;
mod rows;
mod users;
mod visits;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use geo::{BoundingRect, Geometry, Point, Rect, coord};
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use wangge_core::{
    AuditEntry, ChangeSet, Dataset, Id, Inspection, KeySite, Layer, LevelConfig, Photo, Plan,
    PlanInfo, Problem, ProblemCounts, ProblemStep, Targets, TierChange, User, Visit,
    VulnerableHousehold, Zone,
};

use crate::{
    Applied, AuditFilter, ChangeRecord, Error, Page, ProblemFilter, Record, Result, SCHEMA_VERSION,
    Store,
};

/// The GeoPackage application id, "GPKG" in ASCII.
const GPKG_APPLICATION_ID: i64 = 0x4750_4B47;
/// GeoPackage version 1.3.0, as the spec asks `user_version` to hold it.
const GPKG_USER_VERSION: i64 = 10300;

/// Schema migrations: entry `i` takes the schema from version `i` to `i + 1`.
const MIGRATIONS: &[&str] = &[
    include_str!("sql/001_init.sql"),
    include_str!("sql/002_tier_history.sql"),
    include_str!("sql/003_inspections.sql"),
    include_str!("sql/004_plans.sql"),
    include_str!("sql/005_targets_and_duties.sql"),
    include_str!("sql/006_users.sql"),
    include_str!("sql/007_street_partners.sql"),
    include_str!("sql/008_problems.sql"),
    include_str!("sql/009_visits.sql"),
    include_str!("sql/010_inspection_photos.sql"),
    include_str!("sql/011_audit.sql"),
];
// Every schema version has its migration.
const _: () = assert!(MIGRATIONS.len() == SCHEMA_VERSION as usize);
const RTREE: &str = include_str!("sql/rtree.sql");
const SPATIAL_TABLES: [&str; 4] = ["zones", "compounds", "buildings", "streets"];

/// A wangge database in one GeoPackage file.
#[derive(Debug, Clone)]
pub struct GpkgStore {
    path: PathBuf,
    conn: Arc<Mutex<Connection>>,
}

impl GpkgStore {
    /// Opens a wangge GeoPackage, creating it when the file does not exist, and brings its schema
    /// up to date. Refuses files that are not wangge GeoPackages or come from a newer wangge.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref().to_path_buf();
        let location = path.display().to_string();
        let sqlite = |context: &str| {
            let location = location.clone();
            let context = context.to_string();
            move |source| Error::Sqlite {
                path: location,
                context,
                source,
            }
        };
        let mut conn = Connection::open(&path).map_err(sqlite("opening the file"))?;
        conn.busy_timeout(Duration::from_secs(30))
            .map_err(sqlite("setting the busy timeout"))?;
        // Room for every statement the store runs (layers, history, plans), so none is prepared
        // again on each use.
        conn.set_prepared_statement_cache_capacity(64);
        geom::register_functions(&conn).map_err(sqlite("registering ST_ functions"))?;
        conn.pragma_update(None, "foreign_keys", true)
            .map_err(sqlite("enabling foreign keys"))?;
        let tables: i64 = conn
            .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
            .map_err(|source| match source {
                rusqlite::Error::SqliteFailure(e, _)
                    if e.code == rusqlite::ErrorCode::NotADatabase =>
                {
                    Error::NotOurs {
                        path: location.clone(),
                        reason: "it is not an SQLite database".into(),
                    }
                }
                source => Error::Sqlite {
                    path: location.clone(),
                    context: "reading the schema".into(),
                    source,
                },
            })?;
        if tables > 0 {
            let app: i64 = conn
                .pragma_query_value(None, "application_id", |r| r.get(0))
                .map_err(sqlite("reading application_id"))?;
            if app != GPKG_APPLICATION_ID {
                return Err(Error::NotOurs {
                    path: location,
                    reason: format!("its application_id is {app:#x}, not GPKG"),
                });
            }
            let ours: i64 = conn
                .query_row(
                    "SELECT count(*) FROM sqlite_master WHERE name = 'wangge_meta'",
                    [],
                    |r| r.get(0),
                )
                .map_err(sqlite("looking for wangge_meta"))?;
            if ours == 0 {
                return Err(Error::NotOurs {
                    path: location,
                    reason: "it is a GeoPackage from another program (no wangge_meta table); import its layers with `wangge import` instead".into(),
                });
            }
        }
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(sqlite("switching to WAL"))?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(sqlite("setting synchronous"))?;
        migrate(&mut conn, &location, tables == 0)?;
        Ok(Self {
            path,
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    /// Opens an existing wangge GeoPackage; a missing file is an error that says how to make one.
    pub fn open_existing(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        if !path.exists() {
            return Err(Error::NotOurs {
                path: path.display().to_string(),
                reason: "the file does not exist".into(),
            });
        }
        Self::open(path)
    }

    /// A new GeoPackage at `path` holding the contract's sample jurisdiction, for tests.
    #[cfg(any(test, feature = "contract"))]
    pub async fn with_sample(path: impl AsRef<Path>) -> Self {
        let store = GpkgStore::open(path).expect("a new GeoPackage in a temporary folder");
        store
            .apply(&ChangeSet::insert_all(&crate::contract::sample()))
            .await
            .expect("the sample is consistent");
        store
    }

    /// The file this store lives in.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `work` on the connection on tokio's blocking pool.
    async fn run<T, F>(&self, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection, &str) -> Result<T> + Send + 'static,
    {
        let conn = Arc::clone(&self.conn);
        let location = self.path.display().to_string();
        tokio::task::spawn_blocking(move || {
            let mut conn = conn
                .lock()
                .map_err(|_| Error::Task("a previous database task panicked".into()))?;
            work(&mut conn, &location)
        })
        .await
        .map_err(|e| Error::Task(e.to_string()))?
    }

    /// Runs `work` in one immediate write transaction, committed when it succeeds.
    async fn write<T, F>(&self, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Transaction<'_>, &str) -> Result<T> + Send + 'static,
    {
        self.run(move |conn, location| {
            let tx = conn
                .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
                .map_err(sql_error(location, "starting a write"))?;
            let value = work(&tx, location)?;
            commit_write(tx, location)?;
            Ok(value)
        })
        .await
    }
}

fn sql_error(location: &str, context: impl Into<String>) -> impl FnOnce(rusqlite::Error) -> Error {
    let location = location.to_string();
    let context = context.into();
    move |source| Error::Sqlite {
        path: location,
        context,
        source,
    }
}

fn meta(tx: &Connection, location: &str, key: &str) -> Result<Option<String>> {
    tx.query_row("SELECT value FROM wangge_meta WHERE key = ?1", [key], |r| {
        r.get(0)
    })
    .optional()
    .map_err(sql_error(location, format!("reading {key}")))
}

fn migrate(conn: &mut Connection, location: &str, fresh: bool) -> Result<()> {
    let tx = conn
        .transaction()
        .map_err(sql_error(location, "starting the migration"))?;
    let current: u32 = if fresh {
        tx.pragma_update(None, "application_id", GPKG_APPLICATION_ID)
            .map_err(sql_error(location, "setting application_id"))?;
        tx.pragma_update(None, "user_version", GPKG_USER_VERSION)
            .map_err(sql_error(location, "setting user_version"))?;
        0
    } else {
        let found = meta(&tx, location, "schema_version")?.unwrap_or_default();
        found.parse().map_err(|_| Error::NotOurs {
            path: location.to_string(),
            reason: format!("its schema_version `{found}` is not a number"),
        })?
    };
    if current > SCHEMA_VERSION {
        return Err(Error::SchemaTooNew {
            location: location.to_string(),
            found: current,
            supported: SCHEMA_VERSION,
        });
    }
    for (i, script) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        tx.execute_batch(script).map_err(sql_error(
            location,
            format!("migrating to schema {}", i + 1),
        ))?;
        if i == 0 {
            for table in SPATIAL_TABLES {
                tx.execute_batch(&RTREE.replace("{table}", table))
                    .map_err(sql_error(
                        location,
                        format!("creating the R-tree of {table}"),
                    ))?;
            }
        }
        tracing::info!(location, schema = i + 1, "migrated");
    }
    tx.execute(
        "UPDATE wangge_meta SET value = ?1 WHERE key = 'schema_version'",
        [SCHEMA_VERSION.to_string()],
    )
    .map_err(sql_error(location, "recording the schema version"))?;
    tx.commit()
        .map_err(sql_error(location, "committing the migration"))
}

fn data_version(conn: &Connection, location: &str) -> Result<u64> {
    let text = meta(conn, location, "data_version")?.unwrap_or_else(|| "0".into());
    text.parse().map_err(|_| Error::Corrupt {
        location: location.to_string(),
        table: "wangge_meta".into(),
        id: 0,
        problem: format!("data_version `{text}` is not a number"),
    })
}

fn load_levels(conn: &Connection, location: &str) -> Result<LevelConfig> {
    let mut stmt = conn
        .prepare(
            "SELECT key, name_zh, name_en, code_digits, households_min, households_max \
             FROM zone_levels ORDER BY id",
        )
        .map_err(sql_error(location, "reading zone levels"))?;
    let levels = stmt
        .query_map([], |r| {
            Ok(wangge_core::Level {
                key: r.get(0)?,
                name_zh: r.get(1)?,
                name_en: r.get(2)?,
                code_digits: r.get(3)?,
                households: match (r.get::<_, Option<i64>>(4)?, r.get::<_, Option<i64>>(5)?) {
                    (Some(min), Some(max)) => Some(wangge_core::HouseholdRange {
                        min: min.max(0) as u64,
                        max: max.max(0) as u64,
                    }),
                    _ => None,
                },
            })
        })
        .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>())
        .map_err(sql_error(location, "reading zone levels"))?;
    // A store that has never been given levels uses the default hierarchy.
    Ok(if levels.is_empty() {
        LevelConfig::default()
    } else {
        LevelConfig { levels }
    })
}

fn old_box(
    tx: &Transaction<'_>,
    location: &str,
    table: &str,
    id: i64,
) -> Result<Option<Rect<f64>>> {
    tx.query_row(
        &format!("SELECT minx, maxx, miny, maxy FROM rtree_{table}_geom WHERE id = ?1"),
        [id],
        |r| {
            Ok(Rect::new(
                coord! { x: r.get::<_, f64>(0)?, y: r.get::<_, f64>(2)? },
                coord! { x: r.get::<_, f64>(1)?, y: r.get::<_, f64>(3)? },
            ))
        },
    )
    .optional()
    .map_err(sql_error(
        location,
        format!("reading the old extent in {table}"),
    ))
}

/// One spatial layer's part of a change set: its table, the ids deleted, and the ids written with
/// their new boxes.
type LayerChange<'a> = (Layer, &'a str, &'a [i64], Vec<(i64, Option<Rect<f64>>)>);

fn apply_in(tx: &Transaction<'_>, location: &str, changes: &ChangeSet) -> Result<Applied> {
    crate::check_inspection_photos(changes)?;
    let mut touched: Option<Rect<f64>> = None;
    let mut layers = Vec::new();
    let mut layer_boxes: Vec<(Layer, Rect<f64>)> = Vec::new();
    if let Some(levels) = &changes.levels {
        levels.validate()?;
        tx.execute("DELETE FROM zone_levels", [])
            .map_err(sql_error(location, "replacing zone levels"))?;
        for (i, l) in levels.levels.iter().enumerate() {
            tx.execute(
                "INSERT INTO zone_levels (id, key, name_zh, name_en, code_digits, households_min, \
                 households_max) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    i as i64 + 1,
                    l.key,
                    l.name_zh,
                    l.name_en,
                    l.code_digits,
                    l.households.map(|h| h.min as i64),
                    l.households.map(|h| h.max as i64)
                ],
            )
            .map_err(sql_error(location, format!("writing zone level {}", l.key)))?;
        }
    }
    let spatial: [LayerChange<'_>; 4] = [
        (
            Layer::Zones,
            "zones",
            &changes.delete_zones,
            changes
                .zones
                .iter()
                .map(|z| (z.id, z.geometry.bounding_rect()))
                .collect(),
        ),
        (
            Layer::Compounds,
            "compounds",
            &changes.delete_compounds,
            changes
                .compounds
                .iter()
                .map(|c| (c.id, c.geometry.bounding_rect()))
                .collect(),
        ),
        (
            Layer::Buildings,
            "buildings",
            &changes.delete_buildings,
            changes
                .buildings
                .iter()
                .map(|b| (b.id, b.geometry.bounding_rect()))
                .collect(),
        ),
        (
            Layer::Streets,
            "streets",
            &changes.delete_streets,
            changes
                .streets
                .iter()
                .map(|s| (s.id, s.geometry.bounding_rect()))
                .collect(),
        ),
    ];
    for (layer, table, deletes, upserts) in &spatial {
        if deletes.is_empty() && upserts.is_empty() {
            continue;
        }
        layers.push(*layer);
        let mut layer_box: Option<Rect<f64>> = None;
        let mut delete = tx
            .prepare_cached(&format!("DELETE FROM {table} WHERE id = ?1"))
            .map_err(sql_error(location, format!("deleting from {table}")))?;
        for &id in deletes.iter() {
            layer_box = wangge_core::merge_boxes(layer_box, old_box(tx, location, table, id)?);
            delete
                .execute([id])
                .map_err(sql_error(location, format!("deleting {table} row {id}")))?;
        }
        for &(id, new) in upserts {
            layer_box = wangge_core::merge_boxes(
                layer_box,
                wangge_core::merge_boxes(old_box(tx, location, table, id)?, new),
            );
        }
        if let Some(r) = layer_box {
            layer_boxes.push((*layer, r));
        }
        touched = wangge_core::merge_boxes(touched, layer_box);
    }
    rows::write_zones(tx, location, &changes.zones)?;
    rows::write_compounds(tx, location, &changes.compounds)?;
    rows::write_buildings(tx, location, &changes.buildings)?;
    rows::write_streets(tx, location, &changes.streets)?;
    for &id in &changes.delete_chiefs {
        tx.execute("DELETE FROM chiefs WHERE id = ?1", [id])
            .map_err(sql_error(location, format!("deleting chief {id}")))?;
    }
    rows::write_chiefs(tx, location, &changes.chiefs)?;
    rows::write_duties(tx, location, changes)?;
    rows::write_partners(tx, location, changes)?;
    if let Some(cadences) = &changes.cadences {
        tx.execute(
            "INSERT INTO wangge_meta (key, value) VALUES ('cadences', ?1) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [crate::cadences_text(cadences)?],
        )
        .map_err(sql_error(location, "writing the inspection cadences"))?;
    }
    if let Some(schedules) = &changes.visit_schedules {
        tx.execute(
            "INSERT INTO wangge_meta (key, value) VALUES ('visit_schedules', ?1) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [crate::visit_schedules_text(schedules)?],
        )
        .map_err(sql_error(location, "writing the visit schedules"))?;
    }
    if let Some(attribution) = &changes.attribution {
        tx.execute(
            "UPDATE wangge_meta SET value = ?1 WHERE key = 'attribution'",
            [attribution.join("\n")],
        )
        .map_err(sql_error(location, "writing the attribution"))?;
    }
    let mut version = data_version(tx, location)?;
    let mut inspections = Vec::new();
    if !changes.is_empty() {
        version += 1;
        tx.execute(
            "UPDATE wangge_meta SET value = ?1 WHERE key = 'data_version'",
            [version.to_string()],
        )
        .map_err(sql_error(location, "bumping the data version"))?;
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
        rows::write_tier_changes(tx, location, &changes.tier_changes, version)?;
        inspections = rows::write_inspections(tx, location, &changes.inspections, version)?;
        rows::write_inspection_photos(tx, location, &changes.inspection_photos, &inspections)?;
        tx.execute(
            "INSERT INTO wangge_changes (version, layers, min_x, min_y, max_x, max_y) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![version as i64, names.join(","), x0, y0, x1, y1],
        )
        .map_err(sql_error(location, "recording the change"))?;
        for (layer, r) in &layer_boxes {
            {
                tx.execute(
                    "UPDATE gpkg_contents SET last_change = strftime('%Y-%m-%dT%H:%M:%fZ','now'),
                       min_x = min(coalesce(min_x, ?2), ?2), min_y = min(coalesce(min_y, ?3), ?3),
                       max_x = max(coalesce(max_x, ?4), ?4), max_y = max(coalesce(max_y, ?5), ?5)
                     WHERE table_name = ?1",
                    params![layer.as_str(), r.min().x, r.min().y, r.max().x, r.max().y],
                )
                .map_err(sql_error(location, "updating gpkg_contents"))?;
            }
        }
    }
    // The entries that describe the change, in its transaction: with it, or not at all.
    audit::append(tx, location, &changes.audit)?;
    Ok(Applied {
        version,
        touched,
        layers,
        inspections,
    })
}

/// After a failed commit on deferred foreign keys, names the first row at fault.
fn explain_foreign_key(tx: &Transaction<'_>, location: &str) -> Result<Error> {
    let found = tx
        .query_row("PRAGMA foreign_key_check", [], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
            ))
        })
        .optional()
        .map_err(sql_error(location, "checking references"))?;
    Ok(match found {
        Some((table, id, parent)) => Error::Refused(wangge_core::Error::DanglingReference {
            from: format!("{table} row {id}"),
            to: format!("a row of {parent} that does not exist"),
        }),
        None => Error::Refused(wangge_core::Error::DanglingReference {
            from: "the change".into(),
            to: "rows that do not exist".into(),
        }),
    })
}

/// Commits a write. Commits by hand so that, when deferred foreign keys fail, the transaction is
/// still open and the offending row can be named before rolling back.
fn commit_write(mut tx: Transaction<'_>, location: &str) -> Result<()> {
    tx.set_drop_behavior(rusqlite::DropBehavior::Ignore);
    match tx.execute_batch("COMMIT") {
        Ok(()) => Ok(()),
        Err(rusqlite::Error::SqliteFailure(e, _))
            if e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_FOREIGNKEY =>
        {
            let error = explain_foreign_key(&tx, location)?;
            tx.rollback().map_err(sql_error(location, "rolling back"))?;
            Err(error)
        }
        Err(source) => {
            tx.execute_batch("ROLLBACK")
                .map_err(sql_error(location, "rolling back"))?;
            Err(Error::Sqlite {
                path: location.to_string(),
                context: "committing".into(),
                source,
            })
        }
    }
}

#[async_trait]
impl Store for GpkgStore {
    fn describe(&self) -> String {
        format!("GeoPackage {}", self.path.display())
    }

    async fn load(&self) -> Result<Dataset> {
        self.run(|conn, location| {
            // One read transaction, so the layers are consistent with each other.
            let tx = conn
                .transaction()
                .map_err(sql_error(location, "starting a read"))?;
            let data = Dataset {
                levels: load_levels(&tx, location)?,
                cadences: crate::setting_of(
                    location,
                    "inspection cadences",
                    meta(&tx, location, "cadences")?,
                )?,
                visit_schedules: crate::setting_of(
                    location,
                    "visit schedules",
                    meta(&tx, location, "visit_schedules")?,
                )?,
                zones: rows::read_zones(&tx, location, "", [])?,
                compounds: rows::read_compounds(&tx, location, "", [])?,
                buildings: rows::read_buildings(&tx, location, "", [])?,
                streets: rows::read_streets(&tx, location, "", [])?,
                chiefs: rows::read_chiefs(&tx, location)?,
                duties: rows::read_duties(&tx, location)?,
                partners: rows::read_partners(&tx, location)?,
                attribution: meta(&tx, location, "attribution")?
                    .map(|text| {
                        text.lines()
                            .map(str::to_owned)
                            .filter(|l| !l.is_empty())
                            .collect()
                    })
                    .unwrap_or_default(),
            };
            tx.finish().map_err(sql_error(location, "ending a read"))?;
            Ok(data)
        })
        .await
    }

    async fn apply(&self, changes: &ChangeSet) -> Result<Applied> {
        let changes = changes.clone();
        self.run(move |conn, location| {
            let tx = conn
                .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
                .map_err(sql_error(location, "starting a write"))?;
            let applied = apply_in(&tx, location, &changes)?;
            commit_write(tx, location)?;
            Ok(applied)
        })
        .await
    }

    async fn data_version(&self) -> Result<u64> {
        self.run(|conn, location| data_version(conn, location))
            .await
    }

    async fn in_bbox(&self, layer: Layer, bbox: Rect<f64>, page: Page) -> Result<Vec<Record>> {
        self.run(move |conn, location| {
            let table = layer.as_str();
            let filter = format!(
                // The R-tree holds 32-bit boxes rounded outwards: it finds candidates, and the
                // exact 64-bit envelope from each geometry's header decides.
                "WHERE id IN (SELECT id FROM rtree_{table}_geom WHERE minx <= ?3 AND maxx >= ?1 AND miny <= ?4 AND maxy >= ?2) \
                 AND ST_MinX(geom) <= ?3 AND ST_MaxX(geom) >= ?1 AND ST_MinY(geom) <= ?4 AND ST_MaxY(geom) >= ?2 \
                 ORDER BY id LIMIT ?5 OFFSET ?6"
            );
            let limit = i64::try_from(page.limit).unwrap_or(i64::MAX);
            let offset = i64::try_from(page.offset).unwrap_or(i64::MAX);
            let args = params![bbox.min().x, bbox.min().y, bbox.max().x, bbox.max().y, limit, offset];
            Ok(match layer {
                Layer::Zones => rows::read_zones(conn, location, &filter, args)?.into_iter().map(Record::Zone).collect(),
                Layer::Compounds => rows::read_compounds(conn, location, &filter, args)?.into_iter().map(Record::Compound).collect(),
                Layer::Buildings => rows::read_buildings(conn, location, &filter, args)?.into_iter().map(Record::Building).collect(),
                Layer::Streets => rows::read_streets(conn, location, &filter, args)?.into_iter().map(Record::Street).collect(),
            })
        })
        .await
    }

    async fn changes_since(&self, version: u64) -> Result<Vec<ChangeRecord>> {
        self.run(move |conn, location| {
            let mut stmt = conn
                .prepare_cached(
                    "SELECT version, CAST(round((julianday(at) - 2440587.5) * 86400000) AS INTEGER), layers,
                            min_x, min_y, max_x, max_y
                     FROM wangge_changes WHERE version > ?1 ORDER BY version",
                )
                .map_err(sql_error(location, "reading changes"))?;
            let rows = stmt
                .query_map([i64::try_from(version).unwrap_or(i64::MAX)], |r| {
                    let corners: [Option<f64>; 4] = [r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?];
                    let touched = match corners {
                        [Some(x0), Some(y0), Some(x1), Some(y1)] => {
                            Some(Rect::new(coord! { x: x0, y: y0 }, coord! { x: x1, y: y1 }))
                        }
                        _ => None,
                    };
                    let layers: String = r.get(2)?;
                    Ok(ChangeRecord {
                        version: r.get::<_, i64>(0)?.max(0) as u64,
                        at_ms: r.get(1)?,
                        layers: layers.split(',').filter_map(Layer::parse).collect(),
                        touched,
                    })
                })
                .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>())
                .map_err(sql_error(location, "reading changes"))?;
            Ok(rows)
        })
        .await
    }

    async fn tier_history(&self, compound: Id) -> Result<Vec<TierChange>> {
        self.run(move |conn, location| rows::read_tier_changes(conn, location, Some(compound)))
            .await
    }

    async fn all_tier_history(&self) -> Result<Vec<TierChange>> {
        self.run(move |conn, location| rows::read_tier_changes(conn, location, None))
            .await
    }

    async fn inspections(&self, compound: Option<Id>) -> Result<Vec<Inspection>> {
        self.run(move |conn, location| rows::read_inspections(conn, location, compound))
            .await
    }

    async fn inspection_photo(&self, inspection: Id) -> Result<Option<Photo>> {
        self.run(move |conn, location| rows::read_inspection_photo(conn, location, inspection))
            .await
    }

    async fn zones_containing(&self, lon: f64, lat: f64) -> Result<Vec<Zone>> {
        self.run(move |conn, location| {
            let levels = load_levels(conn, location)?;
            let filter = "WHERE id IN (SELECT id FROM rtree_zones_geom WHERE minx <= ?1 AND maxx >= ?1 AND miny <= ?2 AND maxy >= ?2)";
            let point = Point::new(lon, lat);
            let mut zones: Vec<Zone> = rows::read_zones(conn, location, filter, params![lon, lat])?
                .into_iter()
                .filter(|z| covers(&Geometry::MultiPolygon(z.geometry.clone()), point))
                .collect();
            zones.sort_by_key(|z| (levels.index_of(&z.level).unwrap_or(usize::MAX), z.id));
            Ok(zones)
        })
        .await
    }

    async fn plans(&self) -> Result<Vec<PlanInfo>> {
        self.run(|conn, location| plans::list(conn, location)).await
    }

    async fn plan(&self, id: Id) -> Result<Option<Plan>> {
        self.run(move |conn, location| {
            // One read transaction, so the plan's rows agree with each other.
            let tx = conn
                .transaction()
                .map_err(sql_error(location, "starting a read"))?;
            let plan = plans::read(&tx, location, id)?;
            tx.finish().map_err(sql_error(location, "ending a read"))?;
            Ok(plan)
        })
        .await
    }

    async fn create_plan(&self, plan: &Plan, audit: &[AuditEntry]) -> Result<Id> {
        let plan = plan.clone();
        let audit = audit.to_vec();
        self.write(move |tx, location| {
            let id = plans::create(tx, location, &plan)?;
            audit::append_for(tx, location, &audit, id)?;
            Ok(id)
        })
        .await
    }

    async fn save_plan(
        &self,
        plan: &Plan,
        expected_version: u64,
        audit: &[AuditEntry],
    ) -> Result<()> {
        let plan = plan.clone();
        let audit = audit.to_vec();
        self.write(move |tx, location| {
            plans::check_version(tx, location, plan.info.id, expected_version)?;
            plans::save(tx, location, &plan)?;
            audit::append(tx, location, &audit)
        })
        .await
    }

    async fn publish_plan(
        &self,
        plan: &Plan,
        expected_version: u64,
        changes: &ChangeSet,
    ) -> Result<Applied> {
        let plan = plan.clone();
        let changes = changes.clone();
        self.run(move |conn, location| {
            let tx = conn
                .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
                .map_err(sql_error(location, "starting a write"))?;
            plans::check_version(&tx, location, plan.info.id, expected_version)?;
            let applied = apply_in(&tx, location, &changes)?;
            plans::save(&tx, location, &plan)?;
            commit_write(tx, location)?;
            Ok(applied)
        })
        .await
    }
    async fn users(&self) -> Result<Vec<User>> {
        self.run(|conn, location| users::list(conn, location)).await
    }

    async fn user_by_name(&self, username: &str) -> Result<Option<User>> {
        let username = username.to_string();
        self.run(move |conn, location| users::by_name(conn, location, &username))
            .await
    }

    async fn create_user(&self, user: &User, audit: &[AuditEntry]) -> Result<Id> {
        let user = user.clone();
        let audit = audit.to_vec();
        self.write(move |tx, location| {
            let id = users::create(tx, location, &user)?;
            audit::append_for(tx, location, &audit, id)?;
            Ok(id)
        })
        .await
    }

    async fn update_user(&self, user: &User, audit: &[AuditEntry]) -> Result<()> {
        let user = user.clone();
        let audit = audit.to_vec();
        self.write(move |tx, location| {
            users::update(tx, location, &user)?;
            audit::append(tx, location, &audit)
        })
        .await
    }

    async fn create_session(
        &self,
        user: Id,
        token_hash: &str,
        expires_at_ms: i64,
        audit: &[AuditEntry],
    ) -> Result<()> {
        let token_hash = token_hash.to_string();
        let audit = audit.to_vec();
        self.write(move |tx, location| {
            users::create_session(tx, location, user, &token_hash, expires_at_ms)?;
            audit::append(tx, location, &audit)
        })
        .await
    }

    async fn session_user(&self, token_hash: &str, now_ms: i64) -> Result<Option<User>> {
        let token_hash = token_hash.to_string();
        self.run(move |conn, location| users::session_user(conn, location, &token_hash, now_ms))
            .await
    }

    async fn delete_session(&self, token_hash: &str, audit: &[AuditEntry]) -> Result<()> {
        let token_hash = token_hash.to_string();
        let audit = audit.to_vec();
        self.write(move |tx, location| {
            users::delete_session(tx, location, &token_hash)?;
            audit::append(tx, location, &audit)
        })
        .await
    }

    async fn add_problems(&self, problems: &[Problem], audit: &[AuditEntry]) -> Result<Vec<Id>> {
        crate::problems::check_batch(problems)?;
        let problems = problems.to_vec();
        let audit = audit.to_vec();
        self.write(move |tx, location| {
            let ids = problems::add(tx, location, &problems)?;
            let audit: Vec<AuditEntry> = audit
                .into_iter()
                .enumerate()
                .map(|(i, e)| match ids.get(i) {
                    Some(&id) => crate::with_new_id(e, id),
                    None => e,
                })
                .collect();
            audit::append(tx, location, &audit)?;
            Ok(ids)
        })
        .await
    }

    async fn record_steps(&self, steps: &[ProblemStep], audit: &[AuditEntry]) -> Result<()> {
        let steps = steps.to_vec();
        let audit = audit.to_vec();
        self.write(move |tx, location| {
            problems::record_steps(tx, location, &steps)?;
            audit::append(tx, location, &audit)
        })
        .await
    }

    async fn problems(&self, filter: &ProblemFilter) -> Result<Vec<Problem>> {
        let filter = filter.clone();
        self.run(move |conn, location| problems::list(conn, location, &filter))
            .await
    }

    async fn problem(&self, id: Id) -> Result<Option<(Problem, Vec<ProblemStep>)>> {
        self.run(move |conn, location| {
            let tx = conn
                .transaction()
                .map_err(sql_error(location, "starting a read"))?;
            let found = problems::one(&tx, location, id)?;
            tx.finish().map_err(sql_error(location, "ending a read"))?;
            Ok(found)
        })
        .await
    }

    async fn problem_counts(&self) -> Result<ProblemCounts> {
        self.run(|conn, location| problems::counts(conn, location))
            .await
    }

    async fn visit_targets(&self) -> Result<Targets> {
        self.run(|conn, location| visits::targets(conn, location))
            .await
    }

    async fn replace_key_sites(&self, sites: &[KeySite], audit: &[AuditEntry]) -> Result<()> {
        let sites = sites.to_vec();
        let audit = audit.to_vec();
        self.write(move |tx, location| {
            visits::replace_key_sites(tx, location, &sites)?;
            audit::append(tx, location, &audit)
        })
        .await
    }

    async fn replace_vulnerable(
        &self,
        households: &[VulnerableHousehold],
        audit: &[AuditEntry],
    ) -> Result<Vec<VulnerableHousehold>> {
        let households = households.to_vec();
        let audit = audit.to_vec();
        self.write(move |tx, location| {
            let stored = visits::replace_vulnerable(tx, location, &households)?;
            audit::append(tx, location, &audit)?;
            Ok(stored)
        })
        .await
    }

    async fn record_visit(&self, visit: &Visit, audit: &[AuditEntry]) -> Result<Id> {
        let visit = visit.clone();
        let audit = audit.to_vec();
        self.write(move |tx, location| {
            let id = visits::record(tx, location, &visit)?;
            audit::append_for(tx, location, &audit, id)?;
            Ok(id)
        })
        .await
    }

    async fn visits(&self, chief: Option<Id>, since_ms: Option<i64>) -> Result<Vec<Visit>> {
        self.run(move |conn, location| visits::list(conn, location, chief, since_ms))
            .await
    }

    async fn latest_visits(&self) -> Result<Vec<Visit>> {
        self.run(|conn, location| visits::latest(conn, location))
            .await
    }

    async fn append_audit(&self, entries: &[AuditEntry]) -> Result<()> {
        let entries = entries.to_vec();
        self.write(move |tx, location| audit::append(tx, location, &entries))
            .await
    }

    async fn audit_log(&self, filter: &AuditFilter) -> Result<Vec<AuditEntry>> {
        let filter = filter.clone();
        self.run(move |conn, location| audit::list(conn, location, &filter))
            .await
    }
}

fn covers(geometry: &Geometry<f64>, point: Point<f64>) -> bool {
    use geo::{Contains, Intersects};
    geometry.contains(&point) || geometry.intersects(&point)
}

#[cfg(test)]
mod tests;
