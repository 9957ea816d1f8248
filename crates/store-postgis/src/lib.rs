//! The wangge store over PostgreSQL 15 + PostGIS 3: the same [`Store`] trait, with exactly the
//! GeoPackage backend's behaviour, for deployments where several servers share one database.
//!
//! - **Layout**: one schema per store (default `wangge`), tables like the GeoPackage's, geometries
//!   as `geometry(MultiPolygon, 4326)` / `geometry(LineString, 4326)` with GiST indexes, EWKB on
//!   the wire through geozero, bit-exact. Every SQL statement lives in `sql/`.
//! - **Start**: [`PostgisStore::connect`] retries a server that is down with exponential back-off
//!   (bounded by [`ConnectOptions::connect_timeout`]), then applies versioned migrations in one
//!   transaction under an advisory lock, refusing a schema from a newer wangge.
//! - **Writes**: one transaction per change set, writers serialised on the data version's row
//!   lock, deferred foreign keys checked before commit so a dangling reference is refused with the
//!   table and row that hold it; `Ok` only after `COMMIT`.
//! - **Serving**: a pool that recovers by itself when PostgreSQL comes back; a lost connection is
//!   [`Error::Unavailable`](wangge_store::Error::Unavailable) (the server answers 503).
//! - **Other servers**: every change is recorded in `wangge_changes` ([`PostgisStore::changes_since`])
//!   and announced with `NOTIFY` on commit ([`PostgisStore::subscribe`]).
//! - **Plans**: `plans`, `plan_zones`, `plan_locks`, `plan_edits` and `plan_edit_zones`, as in the
//!   GeoPackage; a save locks the plan's row, compares versions and writes only the zones and
//!   edits whose fingerprints changed ([`wangge_store::plan_sync`]); publishing does that and
//!   applies the change set in one transaction.
//! - **Moving in**: [`migrate_from`] copies any store (plans, problems, visit targets and visits
//!   included, under their ids) into an empty schema and proves the copy exact with per-layer
//!   counts and checksums.
//!
//! # Examples
//!
//! ```no_run
//! use wangge_store::Store;
//! use wangge_store_postgis::{ConnectOptions, PostgisStore};
//!
//! # async fn example() -> wangge_store::Result<()> {
//! let store =
//!     PostgisStore::connect("postgres://wangge:secret@db:5432/grid", ConnectOptions::default())
//!         .await?;
//! assert_eq!(store.describe(), "postgres://wangge:***@db:5432/grid");
//! let data = store.load().await?;
//! # let _ = data;
//! # Ok(())
//! # }
//! ```

mod apply;
mod audit;
mod connect;
mod copy;
mod geom;
mod migrate;
mod notify;
mod plans;
mod problems;
mod queries;
mod rows;
#[cfg(feature = "testing")]
pub mod testing;
mod users;
mod visits;

use std::sync::Arc;

use async_trait::async_trait;
use deadpool_postgres::{Object, Pool};
use geo::{Rect, coord};
use tokio::sync::mpsc;
use tokio_postgres::IsolationLevel;
use wangge_core::{
    AuditEntry, ChangeSet, Dataset, Id, Inspection, KeySite, Layer, Photo, Plan, PlanInfo, Problem,
    ProblemCounts, ProblemStep, Targets, TierChange, User, Visit, VulnerableHousehold, Zone,
};
use wangge_store::{Applied, AuditFilter, Page, ProblemFilter, Record, Result, Store};

pub use connect::{ConnectOptions, redact};
pub use copy::{LayerCheck, MigrationReport, migrate_from};
pub use migrate::SCHEMA_VERSION;

use connect::{pg_error, pool_error};

pub use wangge_store::ChangeRecord;

/// A wangge store in a PostgreSQL database with PostGIS. Cheap to clone: clones share the pool.
#[derive(Clone)]
pub struct PostgisStore {
    inner: Arc<Inner>,
}

struct Inner {
    pool: Pool,
    /// The URL with the password hidden.
    location: String,
    schema: String,
    /// The NOTIFY channel: `<schema>_changes`, so `wangge_changes` for the default schema, and
    /// stores in other schemas of the same database do not hear each other.
    channel: String,
    /// Connection settings with the search path, for subscriptions' own connections.
    config: tokio_postgres::Config,
}

impl std::fmt::Debug for PostgisStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The configuration holds the password, so only the redacted URL is shown.
        f.debug_struct("PostgisStore")
            .field("location", &self.inner.location)
            .field("schema", &self.inner.schema)
            .finish_non_exhaustive()
    }
}

impl PostgisStore {
    /// Connects to the database at `url` (`postgres://user:password@host:port/database`, or a
    /// libpq key/value string), waiting for it with exponential back-off for at most
    /// `options.connect_timeout` when it is down or starting, and brings the schema up to date.
    ///
    /// Fails with [`Error::Unavailable`](wangge_store::Error::Unavailable) naming the URL (password
    /// hidden) when the server cannot be reached in time or refuses the credentials, and with
    /// [`Error::SchemaTooNew`](wangge_store::Error::SchemaTooNew) when a newer wangge wrote the
    /// schema.
    pub async fn connect(url: &str, options: ConnectOptions) -> Result<Self> {
        let location = redact(url);
        connect::check_schema(&options.schema)?;
        let config = connect::parse_config(url, &location)?;
        let first_config = connect::with_search_path(&config, &options.schema, "public");
        let pool = connect::pool(first_config.clone(), &options, &location)?;
        let mut client =
            connect::first_connection(&pool, &location, options.connect_timeout).await?;
        let postgis = migrate::migrate(&mut client, &location, &options.schema).await?;
        drop(client);
        // Tables and queries name PostGIS's types and functions unqualified, so its schema must
        // be on the search path; it almost always is `public`, which the first pool assumed.
        let (pool, config) = if postgis == "public" {
            (pool, first_config)
        } else {
            pool.close();
            let config = connect::with_search_path(&config, &options.schema, &postgis);
            (connect::pool(config.clone(), &options, &location)?, config)
        };
        tracing::info!(
            url = location,
            schema = options.schema,
            "opened the PostGIS store"
        );
        Ok(Self {
            inner: Arc::new(Inner {
                pool,
                channel: format!("{}_changes", options.schema),
                schema: options.schema,
                location,
                config,
            }),
        })
    }

    /// The schema that holds the store's tables.
    pub fn schema(&self) -> &str {
        &self.inner.schema
    }

    /// The URL with the password hidden.
    pub fn location(&self) -> &str {
        &self.inner.location
    }

    /// The channel on which committed changes are announced (`<schema>_changes`).
    pub fn channel(&self) -> &str {
        &self.inner.channel
    }

    /// A pooled connection, or `Unavailable` when PostgreSQL cannot be reached.
    async fn client(&self) -> Result<Object> {
        self.inner
            .pool
            .get()
            .await
            .map_err(|e| pool_error(&self.inner.location, e))
    }

    /// The changes applied after `version`, oldest first: what a server that has seen `version`
    /// must catch up on (reload, and drop cached tiles meeting each touched box).
    pub async fn changes_since(&self, version: u64) -> Result<Vec<ChangeRecord>> {
        let location = self.location();
        let after = i64::try_from(version).unwrap_or(i64::MAX);
        let client = self.client().await?;
        let rows = rows::query(
            &client,
            location,
            "reading the changes",
            queries::CHANGES_SINCE,
            &[&after],
        )
        .await?;
        rows.iter()
            .map(|row| {
                let read = || -> std::result::Result<_, tokio_postgres::Error> {
                    Ok((
                        row.try_get::<_, i64>(0)?,
                        row.try_get::<_, i64>(1)?,
                        row.try_get::<_, Vec<String>>(2)?,
                        [
                            row.try_get::<_, Option<f64>>(3)?,
                            row.try_get::<_, Option<f64>>(4)?,
                            row.try_get::<_, Option<f64>>(5)?,
                            row.try_get::<_, Option<f64>>(6)?,
                        ],
                    ))
                };
                let (version, at_ms, names, extent) =
                    read().map_err(pg_error(location, "reading the changes"))?;
                let layers = names
                    .iter()
                    .map(|name| {
                        Layer::parse(name).ok_or_else(|| {
                            rows::corrupt(
                                location,
                                "wangge_changes",
                                version,
                                format!("unknown layer `{name}`"),
                            )
                        })
                    })
                    .collect::<Result<Vec<_>>>()?;
                let touched = match extent {
                    [Some(x0), Some(y0), Some(x1), Some(y1)] => {
                        Some(Rect::new(coord! { x: x0, y: y0 }, coord! { x: x1, y: y1 }))
                    }
                    _ => None,
                };
                Ok(ChangeRecord {
                    version: u64::try_from(version).map_err(|_| {
                        rows::corrupt(location, "wangge_changes", version, "negative version")
                    })?,
                    at_ms,
                    layers,
                    touched,
                })
            })
            .collect()
    }

    /// Listens for changes committed by any server on this store: each committed change's data
    /// version arrives on the receiver. The listening connection is its own (not the pool's);
    /// when it drops, it reconnects with back-off and then sends the current data version, so a
    /// receiver that reloads whenever the version moves misses nothing. Listening is established
    /// before this returns. Dropping the receiver stops it.
    pub async fn subscribe(&self) -> Result<mpsc::Receiver<u64>> {
        notify::Listener {
            config: self.inner.config.clone(),
            channel: self.inner.channel.clone(),
            location: self.inner.location.clone(),
        }
        .subscribe()
        .await
    }
}

#[async_trait]
impl Store for PostgisStore {
    fn describe(&self) -> String {
        self.inner.location.clone()
    }

    async fn load(&self) -> Result<Dataset> {
        let location = self.location();
        let mut client = self.client().await?;
        // One snapshot for all layers, so that they agree with each other.
        let tx = client
            .build_transaction()
            .isolation_level(IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .await
            .map_err(pg_error(location, "starting a read"))?;
        let data = rows::load(&tx, location).await?;
        tx.commit()
            .await
            .map_err(pg_error(location, "ending a read"))?;
        Ok(data)
    }

    async fn apply(&self, changes: &ChangeSet) -> Result<Applied> {
        if changes.is_empty() && changes.audit.is_empty() {
            return Ok(Applied {
                version: self.data_version().await?,
                touched: None,
                layers: Vec::new(),
                inspections: Vec::new(),
            });
        }
        // A level configuration that cannot work is refused before anything is sent.
        if let Some(levels) = &changes.levels {
            levels.validate()?;
        }
        let location = self.location();
        let mut client = self.client().await?;
        let tx = client
            .transaction()
            .await
            .map_err(pg_error(location, "starting a write"))?;
        // On an error the transaction is dropped, which rolls it back.
        let applied = apply::apply_in(&tx, location, self.channel(), changes).await?;
        audit::append(&tx, location, &changes.audit).await?;
        // A write is acknowledged only once PostgreSQL has committed it; if the connection is
        // lost during COMMIT the outcome is unknown and the caller hears `Unavailable`.
        tx.commit()
            .await
            .map_err(pg_error(location, "committing the change"))?;
        Ok(applied)
    }

    async fn data_version(&self) -> Result<u64> {
        let location = self.location();
        let client = self.client().await?;
        let text = rows::meta(&client, location, "data_version").await?;
        rows::parse_version(location, text)
    }

    async fn in_bbox(&self, layer: Layer, bbox: Rect<f64>, page: Page) -> Result<Vec<Record>> {
        let location = self.location();
        let client = self.client().await?;
        let client = &client;
        let limit = i64::try_from(page.limit).unwrap_or(i64::MAX);
        let offset = i64::try_from(page.offset).unwrap_or(i64::MAX);
        let (x0, y0, x1, y1) = (bbox.min().x, bbox.min().y, bbox.max().x, bbox.max().y);
        let params: [&(dyn tokio_postgres::types::ToSql + Sync); 6] =
            [&x0, &y0, &x1, &y1, &limit, &offset];
        let filter = queries::FILTER_BBOX;
        Ok(match layer {
            Layer::Zones => rows::read_zones(client, location, filter, &params)
                .await?
                .into_iter()
                .map(Record::Zone)
                .collect(),
            Layer::Compounds => rows::read_compounds(client, location, filter, &params)
                .await?
                .into_iter()
                .map(Record::Compound)
                .collect(),
            Layer::Buildings => rows::read_buildings(client, location, filter, &params)
                .await?
                .into_iter()
                .map(Record::Building)
                .collect(),
            Layer::Streets => rows::read_streets(client, location, filter, &params)
                .await?
                .into_iter()
                .map(Record::Street)
                .collect(),
        })
    }

    async fn changes_since(&self, version: u64) -> Result<Vec<ChangeRecord>> {
        PostgisStore::changes_since(self, version).await
    }

    async fn subscribe(&self) -> Result<Option<mpsc::Receiver<u64>>> {
        PostgisStore::subscribe(self).await.map(Some)
    }

    async fn tier_history(&self, compound: Id) -> Result<Vec<TierChange>> {
        let client = self.client().await?;
        rows::read_tier_history(&client, self.location(), compound).await
    }

    async fn all_tier_history(&self) -> Result<Vec<TierChange>> {
        let client = self.client().await?;
        rows::read_all_tier_history(&client, self.location()).await
    }

    async fn inspections(&self, compound: Option<Id>) -> Result<Vec<Inspection>> {
        let client = self.client().await?;
        rows::read_inspections(&client, self.location(), compound).await
    }

    async fn inspection_photo(&self, inspection: Id) -> Result<Option<Photo>> {
        let client = self.client().await?;
        rows::read_inspection_photo(&client, self.location(), inspection).await
    }

    async fn zones_containing(&self, lon: f64, lat: f64) -> Result<Vec<Zone>> {
        let client = self.client().await?;
        rows::read_zones_containing(&client, self.location(), lon, lat).await
    }

    async fn plans(&self) -> Result<Vec<PlanInfo>> {
        let client = self.client().await?;
        plans::list(&client, self.location()).await
    }

    async fn plan(&self, id: Id) -> Result<Option<Plan>> {
        let location = self.location();
        let mut client = self.client().await?;
        // One snapshot, so that the plan's rows agree with each other.
        let tx = client
            .build_transaction()
            .isolation_level(IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .await
            .map_err(pg_error(location, "starting a read"))?;
        let plan = plans::read(&tx, location, id).await?;
        tx.commit()
            .await
            .map_err(pg_error(location, "ending a read"))?;
        Ok(plan)
    }

    async fn create_plan(&self, plan: &Plan, audit: &[AuditEntry]) -> Result<Id> {
        let location = self.location();
        let mut client = self.client().await?;
        let tx = client
            .transaction()
            .await
            .map_err(pg_error(location, "starting a write"))?;
        let id = plans::create(&tx, location, plan).await?;
        audit::append_for(&tx, location, audit, id).await?;
        tx.commit()
            .await
            .map_err(pg_error(location, "committing the new plan"))?;
        Ok(id)
    }

    async fn save_plan(
        &self,
        plan: &Plan,
        expected_version: u64,
        audit: &[AuditEntry],
    ) -> Result<()> {
        let location = self.location();
        let mut client = self.client().await?;
        let tx = client
            .transaction()
            .await
            .map_err(pg_error(location, "starting a write"))?;
        // On an error the transaction is dropped, which rolls it back.
        plans::lock_and_check(&tx, location, plan.info.id, expected_version).await?;
        plans::save(&tx, location, plan).await?;
        audit::append(&tx, location, audit).await?;
        tx.commit()
            .await
            .map_err(pg_error(location, "committing the plan"))
    }

    async fn publish_plan(
        &self,
        plan: &Plan,
        expected_version: u64,
        changes: &ChangeSet,
    ) -> Result<Applied> {
        let location = self.location();
        let mut client = self.client().await?;
        let tx = client
            .transaction()
            .await
            .map_err(pg_error(location, "starting a write"))?;
        // The version is checked before the change (as the GeoPackage backend does), so a stale
        // publisher hears of the conflict first. The plan's row lock first, then the data version's (in apply_in): nothing takes them
        // the other way round, so publishers and writers cannot deadlock.
        plans::lock_and_check(&tx, location, plan.info.id, expected_version).await?;
        let applied = apply::apply_in(&tx, location, self.channel(), changes).await?;
        plans::save(&tx, location, plan).await?;
        audit::append(&tx, location, &changes.audit).await?;
        // The notification is delivered, and the change acknowledged, only once this commits.
        tx.commit()
            .await
            .map_err(pg_error(location, "committing the publication"))?;
        Ok(applied)
    }

    async fn users(&self) -> Result<Vec<User>> {
        let client = self.client().await?;
        users::list(&client, self.location()).await
    }

    async fn user_by_name(&self, username: &str) -> Result<Option<User>> {
        let client = self.client().await?;
        users::by_name(&client, self.location(), username).await
    }

    async fn create_user(&self, user: &User, audit: &[AuditEntry]) -> Result<Id> {
        let location = self.location();
        let mut client = self.client().await?;
        let tx = client
            .transaction()
            .await
            .map_err(pg_error(location, "starting a write"))?;
        let id = users::create(&tx, location, user).await?;
        audit::append_for(&tx, location, audit, id).await?;
        tx.commit()
            .await
            .map_err(pg_error(location, "committing the new user"))?;
        Ok(id)
    }

    async fn update_user(&self, user: &User, audit: &[AuditEntry]) -> Result<()> {
        let location = self.location();
        let mut client = self.client().await?;
        let tx = client
            .transaction()
            .await
            .map_err(pg_error(location, "starting a write"))?;
        users::update(&tx, location, user).await?;
        audit::append(&tx, location, audit).await?;
        tx.commit()
            .await
            .map_err(pg_error(location, "committing the user"))
    }

    async fn create_session(
        &self,
        user: Id,
        token_hash: &str,
        expires_at_ms: i64,
        audit: &[AuditEntry],
    ) -> Result<()> {
        let location = self.location();
        let mut client = self.client().await?;
        let tx = client
            .transaction()
            .await
            .map_err(pg_error(location, "starting a write"))?;
        users::create_session(&tx, location, user, token_hash, expires_at_ms).await?;
        audit::append(&tx, location, audit).await?;
        tx.commit()
            .await
            .map_err(pg_error(location, "committing the session"))
    }

    async fn session_user(&self, token_hash: &str, now_ms: i64) -> Result<Option<User>> {
        let client = self.client().await?;
        users::session_user(&client, self.location(), token_hash, now_ms).await
    }

    async fn delete_session(&self, token_hash: &str, audit: &[AuditEntry]) -> Result<()> {
        let location = self.location();
        let mut client = self.client().await?;
        let tx = client
            .transaction()
            .await
            .map_err(pg_error(location, "starting a write"))?;
        users::delete_session(&tx, location, token_hash).await?;
        audit::append(&tx, location, audit).await?;
        tx.commit()
            .await
            .map_err(pg_error(location, "committing the end of the session"))
    }

    async fn add_problems(&self, problems: &[Problem], audit: &[AuditEntry]) -> Result<Vec<Id>> {
        wangge_store::problems::check_batch(problems)?;
        if problems.is_empty() && audit.is_empty() {
            return Ok(Vec::new());
        }
        let location = self.location();
        let mut client = self.client().await?;
        let tx = client
            .transaction()
            .await
            .map_err(pg_error(location, "starting a write"))?;
        let ids = if problems.is_empty() {
            Vec::new()
        } else {
            problems::add(&tx, location, problems).await?
        };
        let audit: Vec<AuditEntry> = audit
            .iter()
            .cloned()
            .enumerate()
            .map(|(i, e)| match ids.get(i) {
                Some(&id) => wangge_store::with_new_id(e, id),
                None => e,
            })
            .collect();
        audit::append(&tx, location, &audit).await?;
        tx.commit()
            .await
            .map_err(pg_error(location, "committing the problems"))?;
        Ok(ids)
    }

    async fn record_steps(&self, steps: &[ProblemStep], audit: &[AuditEntry]) -> Result<()> {
        let location = self.location();
        let mut client = self.client().await?;
        let tx = client
            .transaction()
            .await
            .map_err(pg_error(location, "starting a write"))?;
        problems::record_steps(&tx, location, steps).await?;
        audit::append(&tx, location, audit).await?;
        tx.commit()
            .await
            .map_err(pg_error(location, "committing the steps"))
    }

    async fn problems(&self, filter: &ProblemFilter) -> Result<Vec<Problem>> {
        let client = self.client().await?;
        problems::list(&client, self.location(), filter).await
    }

    async fn problem(&self, id: Id) -> Result<Option<(Problem, Vec<ProblemStep>)>> {
        let location = self.location();
        let mut client = self.client().await?;
        // One snapshot, so that the problem and its steps agree.
        let tx = client
            .build_transaction()
            .isolation_level(IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .await
            .map_err(pg_error(location, "starting a read"))?;
        let found = problems::one(&tx, location, id).await?;
        tx.commit()
            .await
            .map_err(pg_error(location, "ending a read"))?;
        Ok(found)
    }

    async fn problem_counts(&self) -> Result<ProblemCounts> {
        let client = self.client().await?;
        problems::counts(&client, self.location()).await
    }

    async fn visit_targets(&self) -> Result<Targets> {
        let client = self.client().await?;
        visits::targets(&client, self.location()).await
    }

    async fn replace_key_sites(&self, sites: &[KeySite], audit: &[AuditEntry]) -> Result<()> {
        let location = self.location();
        let mut client = self.client().await?;
        let tx = client
            .transaction()
            .await
            .map_err(pg_error(location, "starting a write"))?;
        visits::replace_key_sites(&tx, location, sites).await?;
        audit::append(&tx, location, audit).await?;
        tx.commit()
            .await
            .map_err(pg_error(location, "committing the key sites"))
    }

    async fn replace_vulnerable(
        &self,
        households: &[VulnerableHousehold],
        audit: &[AuditEntry],
    ) -> Result<Vec<VulnerableHousehold>> {
        let location = self.location();
        let mut client = self.client().await?;
        let tx = client
            .transaction()
            .await
            .map_err(pg_error(location, "starting a write"))?;
        let list = visits::replace_vulnerable(&tx, location, households).await?;
        audit::append(&tx, location, audit).await?;
        tx.commit()
            .await
            .map_err(pg_error(location, "committing the vulnerable households"))?;
        Ok(list)
    }

    async fn record_visit(&self, visit: &Visit, audit: &[AuditEntry]) -> Result<Id> {
        let location = self.location();
        let mut client = self.client().await?;
        let tx = client
            .transaction()
            .await
            .map_err(pg_error(location, "starting a write"))?;
        let id = visits::record(&tx, location, visit).await?;
        audit::append_for(&tx, location, audit, id).await?;
        tx.commit()
            .await
            .map_err(pg_error(location, "committing the visit"))?;
        Ok(id)
    }

    async fn visits(&self, chief: Option<Id>, since_ms: Option<i64>) -> Result<Vec<Visit>> {
        let client = self.client().await?;
        visits::list(&client, self.location(), chief, since_ms).await
    }

    async fn latest_visits(&self) -> Result<Vec<Visit>> {
        let client = self.client().await?;
        visits::latest(&client, self.location()).await
    }

    async fn append_audit(&self, entries: &[AuditEntry]) -> Result<()> {
        if entries.is_empty() {
            return Ok(());
        }
        let location = self.location();
        let mut client = self.client().await?;
        let tx = client
            .transaction()
            .await
            .map_err(pg_error(location, "starting a write"))?;
        audit::append(&tx, location, entries).await?;
        tx.commit()
            .await
            .map_err(pg_error(location, "committing the audit entries"))
    }

    async fn audit_log(&self, filter: &AuditFilter) -> Result<Vec<AuditEntry>> {
        let client = self.client().await?;
        audit::list(&client, self.location(), filter).await
    }
}
