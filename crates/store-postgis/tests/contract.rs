//! The store contract — the very suite the GeoPackage backend runs — against PostgreSQL + PostGIS,
//! each check in a fresh schema of a throwaway cluster (or of `DATABASE_URL`), followed by the
//! checks only this backend has (`contract/backend.rs`). One test binary, one shared cluster.

#[path = "contract/backend.rs"]
mod backend;

wangge_store::contract_tests!(wangge_store_postgis::testing::fresh_store());
