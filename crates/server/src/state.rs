//! The server's shared state: the store, the current in-memory atlas, the tile cache, and the
//! write path that keeps the three in step.

use std::path::PathBuf;
use std::sync::{Arc, RwLock};

use wangge_core::{Atlas, ChangeSet};
use wangge_store::{Applied, Store};

use wangge_tiles::{ChiefMap, TileLayer};

use crate::tiles::TileCache;

/// How many encoded tiles the cache keeps when the options do not say.
pub const DEFAULT_TILE_CACHE: usize = 20_000;

/// Failure to build the state at start-up or to reload it.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// The store could not be read.
    #[error("cannot load {location}: {source}")]
    Load {
        /// The store's description.
        location: String,
        /// Why.
        #[source]
        source: wangge_store::Error,
    },
}

/// How the server is set up beyond its store.
#[derive(Debug, Clone, Default)]
pub struct ServerOptions {
    /// The built web front end (`web/dist`); `None` serves a plain landing page at `/`.
    pub web_dir: Option<PathBuf>,
    /// A font (TTF/OTF/TTC bytes) for text in rendered PNG maps; `None` draws legends without text.
    pub font: Option<Arc<Vec<u8>>>,
    /// How many encoded tiles the cache keeps at most: `None` for the default (20 000), `Some(0)`
    /// for no cache at all (every request encodes its tile; for measuring the encoder).
    pub tile_cache_entries: Option<usize>,
    /// The time limit of each escalation level for problems.
    pub problem_limits: wangge_core::ProblemLimits,
    /// How often the escalation clock runs in the background; `None` runs it never (tests run
    /// it by hand with [`AppState::run_escalation_clock`]). `wangge serve` runs it every minute.
    pub escalation_every: Option<std::time::Duration>,
    /// Marks the session cookie `Secure` on every answer (the server is reached over HTTPS, by a
    /// TLS-terminating proxy that does not send `X-Forwarded-Proto`).
    pub secure_cookies: bool,
}

/// Shared by every request: cheap to clone.
#[derive(Debug, Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    store: Arc<dyn Store>,
    current: RwLock<Snapshot>,
    tiles: TileCache,
    options: ServerOptions,
    /// Writers take this so that each change is applied to the newest atlas.
    writer: tokio::sync::Mutex<()>,
    /// Plan writers take this, so that two edits in this server do not race on one draft (the
    /// store's version check still guards against other servers).
    plans: tokio::sync::Mutex<()>,
    /// The chiefs' areas of one data version, drawn when a `chiefs` or `patrol` tile first asks
    /// for that version (see [`AppState::chief_map`]).
    chief_map: tokio::sync::Mutex<Option<(Snapshot, Arc<ChiefMap>)>>,
    /// Who may call which route.
    rules: crate::access::Rules,
    /// Recently looked-up sessions.
    sessions: crate::access::SessionCache,
}

/// An atlas together with the data version it was built from.
#[derive(Debug, Clone)]
pub struct Snapshot {
    /// The indexed data.
    pub atlas: Arc<Atlas>,
    /// The store's data version when it was loaded.
    pub version: u64,
}

impl AppState {
    /// Loads the store into memory and indexes it.
    pub async fn load(store: Arc<dyn Store>, options: ServerOptions) -> Result<Self, StateError> {
        let snapshot = read(store.as_ref()).await?;
        let capacity = options.tile_cache_entries.unwrap_or(DEFAULT_TILE_CACHE);
        let version = snapshot.version;
        let feed = store.subscribe().await.map_err(|source| StateError::Load {
            location: store.describe(),
            source,
        })?;
        let state = Self {
            inner: Arc::new(Inner {
                store,
                current: RwLock::new(snapshot),
                tiles: TileCache::new(capacity, version),
                options,
                writer: tokio::sync::Mutex::new(()),
                plans: tokio::sync::Mutex::new(()),
                chief_map: tokio::sync::Mutex::new(None),
                rules: crate::rules(),
                sessions: crate::access::SessionCache::default(),
            }),
        };
        if let Some(feed) = feed {
            tokio::spawn(follow(state.clone(), feed));
        }
        if let Some(every) = state.options().escalation_every {
            tokio::spawn(crate::problems::clock(state.clone(), every));
        }
        Ok(state)
    }

    /// Brings the atlas up to the store's newest version after changes made elsewhere (another
    /// server on the same database): re-reads the data and drops the tiles that those changes
    /// touched. Returns the version now served.
    pub async fn catch_up(&self) -> Result<u64, StateError> {
        let _writer = self.inner.writer.lock().await;
        let current = self.snapshot().version;
        let location = self.inner.store.describe();
        let changes = self
            .inner
            .store
            .changes_since(current)
            .await
            .map_err(|source| StateError::Load {
                location: location.clone(),
                source,
            })?;
        if changes.is_empty() {
            return Ok(current);
        }
        let snapshot = read(self.inner.store.as_ref()).await?;
        let version = snapshot.version;
        let touched = changes
            .iter()
            .filter_map(|c| c.touched)
            .reduce(wangge_core::union_boxes);
        self.install(snapshot, touched);
        tracing::info!(
            from = current,
            to = version,
            changes = changes.len(),
            "caught up with changes made elsewhere"
        );
        Ok(version)
    }

    /// The store behind the server.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.inner.store
    }

    /// Who may call which route.
    pub(crate) fn rules(&self) -> &crate::access::Rules {
        &self.inner.rules
    }

    /// Recently looked-up sessions.
    pub(crate) fn sessions(&self) -> &crate::access::SessionCache {
        &self.inner.sessions
    }

    /// The server's options.
    pub fn options(&self) -> &ServerOptions {
        &self.inner.options
    }

    /// The tile cache.
    pub fn tiles(&self) -> &TileCache {
        &self.inner.tiles
    }

    /// The current atlas and version. Requests hold this snapshot; a change swaps it whole.
    pub fn snapshot(&self) -> Snapshot {
        match self.inner.current.read() {
            Ok(s) => s.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Installs a new snapshot and drops the cached tiles of the area that changed, as one step
    /// under the tile cache's lock, so that no tile encoded from the old data can be cached after.
    /// Once anyone has asked for chiefs' areas, they are redrawn for the new data at once, in the
    /// background.
    fn install(&self, snapshot: Snapshot, touched: Option<geo::Rect<f64>>) {
        self.inner.tiles.swap(snapshot.version, touched, || {
            match self.inner.current.write() {
                Ok(mut s) => *s = snapshot,
                Err(poisoned) => *poisoned.into_inner() = snapshot,
            }
        });
        let drawn = self
            .inner
            .chief_map
            .try_lock()
            .map_or(true, |m| m.is_some());
        if drawn {
            let state = self.clone();
            tokio::spawn(async move {
                if let Err(e) = state.chief_map().await {
                    tracing::warn!(%e, "could not redraw the chiefs' areas");
                }
            });
        }
    }

    /// The chiefs' areas of the current data, with the snapshot they were drawn from (encode
    /// `chiefs` and `patrol` tiles from that snapshot's atlas, and cache them under its version).
    ///
    /// Drawn once per data version (off the async threads) and kept. When a new map replaces an
    /// older one, the cached `chiefs` and `patrol` tiles of everything that differs between the
    /// two (see [`ChiefMap::changed_since`]) are dropped before the new map is handed out, so a
    /// tile request that first awaits this never finds a stale chiefs tile in the cache.
    pub async fn chief_map(&self) -> Result<(Snapshot, Arc<ChiefMap>), crate::ApiError> {
        let snapshot = self.snapshot();
        let mut held = self.inner.chief_map.lock().await;
        if let Some((drawn, map)) = held.as_ref()
            && drawn.version >= snapshot.version
        {
            return Ok((drawn.clone(), Arc::clone(map)));
        }
        let atlas = Arc::clone(&snapshot.atlas);
        let map = tokio::task::spawn_blocking(move || crate::chiefs::chief_map(&atlas))
            .await
            .map_err(|e| crate::ApiError::Internal(format!("drawing the chiefs' areas: {e}")))?;
        let map = Arc::new(map);
        let stale = match held.as_ref() {
            Some((_, older)) => map.changed_since(older),
            None => None,
        };
        if let Some(stale) = stale {
            self.inner
                .tiles
                .drop_in(&[TileLayer::Chiefs, TileLayer::Patrol], stale);
        }
        *held = Some((snapshot.clone(), Arc::clone(&map)));
        Ok((snapshot, map))
    }

    /// Applies a change set: in the store (one transaction), then in memory, then in the tile
    /// cache (only the tiles the change touched are dropped).
    pub async fn apply(&self, changes: ChangeSet) -> Result<Applied, wangge_store::Error> {
        let _writer = self.inner.writer.lock().await;
        let applied = self.inner.store.apply(&changes).await?;
        self.rebuild(changes, &applied).await?;
        Ok(applied)
    }

    /// Serialises plan writes within this server.
    pub(crate) async fn plan_lock(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.inner.plans.lock().await
    }

    /// Publishes a plan: in the store (the plan saved and the live zones replaced, one
    /// transaction, refused when the plan's version is no longer `expected`), then in memory and
    /// in the tile cache, like [`apply`](Self::apply).
    pub async fn publish(
        &self,
        plan: &wangge_core::Plan,
        expected: u64,
        changes: ChangeSet,
    ) -> Result<Applied, wangge_store::Error> {
        let _writer = self.inner.writer.lock().await;
        let applied = self
            .inner
            .store
            .publish_plan(plan, expected, &changes)
            .await?;
        self.rebuild(changes, &applied).await?;
        Ok(applied)
    }

    /// Applies an applied change set to the in-memory atlas and drops the tiles it touched.
    async fn rebuild(
        &self,
        changes: ChangeSet,
        applied: &Applied,
    ) -> Result<(), wangge_store::Error> {
        let current = self.snapshot();
        let atlas = tokio::task::spawn_blocking(move || {
            let mut data = current.atlas.data().clone();
            data.apply(&changes);
            Atlas::new(data)
        })
        .await
        .map_err(|e| wangge_store::Error::Task(e.to_string()))?;
        self.install(
            Snapshot {
                atlas: Arc::new(atlas),
                version: applied.version,
            },
            applied.touched,
        );
        Ok(())
    }

    /// Re-reads the store and swaps in a new atlas; every cached tile is dropped.
    pub async fn reload(&self) -> Result<u64, StateError> {
        let _writer = self.inner.writer.lock().await;
        let snapshot = read(self.inner.store.as_ref()).await?;
        let version = snapshot.version;
        let everything = snapshot.atlas.extent();
        self.install(snapshot, everything);
        self.inner.tiles.clear();
        Ok(version)
    }
}

/// Follows the store's change feed: every version newer than the one served triggers a catch-up.
/// After a lost connection the feed repeats the current version, so nothing is missed.
async fn follow(state: AppState, mut feed: tokio::sync::mpsc::Receiver<u64>) {
    while let Some(version) = feed.recv().await {
        if version <= state.snapshot().version {
            continue;
        }
        if let Err(e) = state.catch_up().await {
            // The next notification (at the latest the one sent after reconnecting) retries.
            tracing::warn!(%e, "could not catch up with version {version}");
        }
    }
    tracing::warn!("the store's change feed ended; changes made by other servers will not be seen");
}

async fn read(store: &dyn Store) -> Result<Snapshot, StateError> {
    let location = store.describe();
    let error = |source| StateError::Load {
        location: location.clone(),
        source,
    };
    let version = store.data_version().await.map_err(error)?;
    let data = store.load().await.map_err(error)?;
    let atlas = tokio::task::spawn_blocking(move || Atlas::new(data))
        .await
        .map_err(|e| StateError::Load {
            location: location.clone(),
            source: wangge_store::Error::Task(e.to_string()),
        })?;
    Ok(Snapshot {
        atlas: Arc::new(atlas),
        version,
    })
}
