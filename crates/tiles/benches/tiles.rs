//! Tiles per second: every tile of zooms 12–16 over the demo sub-district, for layer `all` and
//! layer `compounds`, and the same over the Hangzhou urban core (120.10–120.22°E, 30.22–30.32°N)
//! when `shared/data` is beside the checkout. Cold encoding is what a tile request costs before
//! the server's cache holds it.
//!
//! `cargo bench -p wangge-tiles -- --warm-up-time 1 --measurement-time 3`

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use geo::{BoundingRect, Rect, coord};
use wangge_core::{Atlas, Dataset, LevelConfig};
use wangge_demo::{DemoSettings, generate};
use wangge_import::{ImportOptions, NoProgress, import_path};
use wangge_tiles::{TileId, TileLayer, encode};

/// Every tile of zooms 12 to 16 over `area`.
fn tiles(area: Rect<f64>) -> Vec<TileId> {
    (12..=16).flat_map(|z| TileId::covering(area, z)).collect()
}

fn bench_area(c: &mut Criterion, name: &str, atlas: &Atlas, area: Rect<f64>) {
    let tiles = tiles(area);
    let mut group = c.benchmark_group(name);
    group.throughput(Throughput::Elements(tiles.len() as u64));
    for layer in [TileLayer::All, TileLayer::Compounds] {
        group.bench_function(format!("{layer} z12-16 ({} tiles)", tiles.len()), |b| {
            b.iter(|| {
                let mut bytes = 0;
                for &tile in &tiles {
                    bytes += black_box(encode(atlas, layer, tile)).len();
                }
                bytes
            })
        });
    }
    group.finish();
}

fn demo(c: &mut Criterion) {
    let atlas = Atlas::new(generate(&DemoSettings::builtin()));
    let area = atlas
        .data()
        .zones
        .iter()
        .find(|z| z.level == "subdistrict")
        .and_then(|z| z.geometry.bounding_rect())
        .expect("the demo has a sub-district");
    bench_area(c, "demo", &atlas, area);
}

fn hangzhou(c: &mut Criterion) {
    let path = std::path::PathBuf::from(
        std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"),
    )
    .join("../../../shared/data/hangzhou/residential-compounds.geojson");
    let imported = match import_path(
        &path,
        &Dataset::new(LevelConfig::default()),
        &ImportOptions::default(),
        &NoProgress,
    ) {
        Ok(imported) => imported,
        Err(e) => {
            eprintln!("skipping the Hangzhou benchmark: {e}");
            return;
        }
    };
    let atlas = Atlas::new(imported.data);
    let core = Rect::new(
        coord! { x: 120.10, y: 30.22 },
        coord! { x: 120.22, y: 30.32 },
    );
    bench_area(c, "hangzhou-core", &atlas, core);
}

criterion_group!(benches, demo, hangzhou);
criterion_main!(benches);
