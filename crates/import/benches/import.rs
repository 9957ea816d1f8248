//! Importing real data: the Lujiazui buildings (1,450 features, 1,321 buildings) and the Hangzhou
//! compounds (2,112), read, validated and derived into a dataset; and 10,000 made-up 12345 work
//! orders over the demo sub-district, read, located (four in ten by address) and routed. Writing to
//! a store is not part of this measure (`wangge import --layer hotline` prints the whole time).

use std::path::PathBuf;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use wangge_core::{Dataset, LevelConfig};
use wangge_import::{ImportOptions, InputLayer, NoProgress, import_path};

fn shared(relative: &str) -> PathBuf {
    std::path::PathBuf::from(
        std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"),
    )
    .join("../../../shared/data")
    .join(relative)
}

fn imports(c: &mut Criterion) {
    let empty = Dataset::new(LevelConfig::default());
    let mut group = c.benchmark_group("import");
    group.sample_size(20);
    for (name, file, layer, features) in [
        (
            "lujiazui_buildings",
            "shanghai-lujiazui/buildings.geojson",
            InputLayer::Buildings,
            1450,
        ),
        (
            "hangzhou_compounds",
            "hangzhou/residential-compounds.geojson",
            InputLayer::Compounds,
            2112,
        ),
    ] {
        let path = shared(file);
        let options = ImportOptions {
            layer: Some(layer),
            ..ImportOptions::default()
        };
        group.throughput(Throughput::Elements(features));
        group.bench_function(name, |b| {
            b.iter(|| {
                import_path(&path, &empty, &options, &NoProgress)
                    .expect("import")
                    .data
                    .buildings
                    .len()
            })
        });
    }
    group.finish();
}

fn hotline(c: &mut Criterion) {
    let data = wangge_demo::generate(&wangge_demo::DemoSettings::builtin());
    let dir = tempfile::tempdir().expect("a temporary folder");
    let path = dir.path().join("orders.csv");
    std::fs::write(&path, wangge_demo::hotline::work_orders(&data, 10_000, 1)).expect("write");
    let atlas = wangge_core::Atlas::new(data);
    let options = wangge_import::HotlineOptions {
        now_ms: 1_800_000_000_000,
        ..wangge_import::HotlineOptions::default()
    };
    let mut group = c.benchmark_group("import");
    group.sample_size(10);
    group.throughput(Throughput::Elements(10_000));
    group.bench_function("hotline_10k", |b| {
        b.iter(|| {
            wangge_import::read_hotline(&path, &atlas, &options)
                .expect("located")
                .problems
                .len()
        })
    });
    group.finish();
}

criterion_group!(benches, imports, hotline);
criterion_main!(benches);
