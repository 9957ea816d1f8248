//! The store contract, run against the embedded GeoPackage backend.

use std::sync::Arc;

use wangge_store::{GpkgStore, Store};

async fn fresh() -> (Arc<dyn Store>, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = GpkgStore::open(dir.path().join("contract.gpkg")).expect("create store");
    (Arc::new(store), dir)
}

wangge_store::contract_tests!(fresh());
