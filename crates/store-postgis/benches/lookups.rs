//! Point lookups side by side, in one run: "which zones contain this point" answered by wangge's
//! in-memory R-tree (`Atlas::zones_containing`) and by PostGIS (`ST_Covers` over a GiST index,
//! through tokio-postgres and this crate's `Store::zones_containing`). Prints both rates and the
//! ratio, after checking that both give the same answers.
//!
//! Data: the GeoPackage in `WANGGE_LOOKUP_DATA`, else the demo sub-district. Database:
//! `DATABASE_URL`, else a throwaway cluster.

use std::sync::Arc;
use std::time::Instant;

use geo::Point;
use wangge_core::{Atlas, ChangeSet, Dataset};
use wangge_store::{GpkgStore, Store};
use wangge_store_postgis::testing::TestSchema;

fn points(data: &Dataset, n: usize) -> Vec<Point<f64>> {
    let atlas = Atlas::new(data.clone());
    let rect = data
        .main_zone()
        .and_then(|z| geo::BoundingRect::bounding_rect(&z.geometry))
        .or_else(|| atlas.extent())
        .expect("data with an extent");
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    (0..n)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let fx = (state % 1_000_003) as f64 / 1_000_003.0;
            let fy = ((state >> 21) % 1_000_003) as f64 / 1_000_003.0;
            Point::new(
                rect.min().x + fx * rect.width(),
                rect.min().y + fy * rect.height(),
            )
        })
        .collect()
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let data = match std::env::var_os("WANGGE_LOOKUP_DATA") {
        Some(path) => GpkgStore::open_existing(&path)
            .expect("open the data")
            .load()
            .await
            .expect("load"),
        None => wangge_demo::generate(&wangge_demo::DemoSettings::builtin()),
    };
    if data.zones.is_empty() {
        println!(
            "point lookups: this data has no zones, so there is nothing to look up (try the demo)"
        );
        return;
    }
    let schema = TestSchema::new();
    let store = Arc::new(schema.connect().await);
    store
        .apply(&ChangeSet::insert_all(&data))
        .await
        .expect("load into PostGIS");
    let probes = points(&data, 20_000);
    let atlas = Atlas::new(data);

    let started = Instant::now();
    let mut found = 0usize;
    for p in &probes {
        found += atlas.zones_containing(*p).len();
    }
    let rtree = probes.len() as f64 / started.elapsed().as_secs_f64();
    assert!(found > 0, "the probes fall inside the zones");

    // The same answers from both, on a sample.
    for p in probes.iter().step_by(97) {
        let mut fast: Vec<i64> = atlas.zones_containing(*p).iter().map(|z| z.id).collect();
        let mut slow: Vec<i64> = store
            .zones_containing(p.x(), p.y())
            .await
            .expect("query")
            .iter()
            .map(|z| z.id)
            .collect();
        fast.sort_unstable();
        slow.sort_unstable();
        assert_eq!(fast, slow, "different zones at {p:?}");
    }

    let sequential = &probes[..2_000];
    let started = Instant::now();
    for p in sequential {
        store.zones_containing(p.x(), p.y()).await.expect("query");
    }
    let one = sequential.len() as f64 / started.elapsed().as_secs_f64();

    let concurrent = &probes[..8_000];
    let started = Instant::now();
    let mut tasks = Vec::new();
    for chunk in concurrent.chunks(concurrent.len() / 8) {
        let store = Arc::clone(&store);
        let chunk = chunk.to_vec();
        tasks.push(tokio::spawn(async move {
            for p in chunk {
                store.zones_containing(p.x(), p.y()).await.expect("query");
            }
        }));
    }
    for t in tasks {
        t.await.expect("task");
    }
    let eight = concurrent.len() as f64 / started.elapsed().as_secs_f64();

    // The bare query, ids only, prepared once: PostGIS at its cheapest.
    let (client, connection) = tokio_postgres::connect(&schema.url, tokio_postgres::NoTls)
        .await
        .expect("connect");
    tokio::spawn(connection);
    let query = client
        .prepare(&format!(
            "SELECT id FROM {}.zones WHERE ST_Covers(geom, ST_SetSRID(ST_MakePoint($1, $2), 4326))",
            schema.name
        ))
        .await
        .expect("prepare");
    let started = Instant::now();
    for p in sequential {
        client
            .query(&query, &[&p.x(), &p.y()])
            .await
            .expect("query");
    }
    let bare = sequential.len() as f64 / started.elapsed().as_secs_f64();

    println!(
        "point lookups, all levels, {} zones:",
        atlas.data().zones.len()
    );
    println!("  R-tree in memory (1 thread):          {rtree:>12.0} lookups/s");
    println!("  PostGIS ST_Covers, 1 connection:      {one:>12.0} lookups/s");
    println!("  PostGIS ST_Covers, 8 connections:     {eight:>12.0} lookups/s");
    println!(
        "  ratio R-tree / PostGIS (1 conn):      {:>12.0}x",
        rtree / one
    );
    println!("  PostGIS bare SELECT id, 1 connection:  {bare:>12.0} lookups/s");
    println!(
        "  ratio R-tree / bare SELECT id:        {:>12.0}x",
        rtree / bare
    );
    println!(
        "  ratio R-tree / PostGIS (8 conns):     {:>12.0}x",
        rtree / eight
    );
}
