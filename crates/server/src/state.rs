//! The server's shared state: the store and the current in-memory atlas.

use std::sync::{Arc, RwLock};

use wangge_core::Atlas;
use wangge_store::Store;

/// Failure to build the state at start-up.
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

/// Shared by every request: cheap to clone.
#[derive(Debug, Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    store: Arc<dyn Store>,
    current: RwLock<Snapshot>,
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
    pub async fn load(store: Arc<dyn Store>) -> Result<Self, StateError> {
        let snapshot = read(store.as_ref()).await?;
        Ok(Self {
            inner: Arc::new(Inner {
                store,
                current: RwLock::new(snapshot),
            }),
        })
    }

    /// The store behind the server.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.inner.store
    }

    /// The current atlas and version. Requests hold this snapshot; a reload swaps it whole.
    pub fn snapshot(&self) -> Snapshot {
        match self.inner.current.read() {
            Ok(s) => s.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Re-reads the store and swaps in a new atlas.
    pub async fn reload(&self) -> Result<u64, StateError> {
        let snapshot = read(self.inner.store.as_ref()).await?;
        let version = snapshot.version;
        match self.inner.current.write() {
            Ok(mut s) => *s = snapshot,
            Err(poisoned) => *poisoned.into_inner() = snapshot,
        }
        Ok(version)
    }
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
