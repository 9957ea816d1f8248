//! Importing real data: the Lujiazui buildings (1,450 features, 1,321 buildings) and the Hangzhou
//! compounds (2,112), read, validated and derived into a dataset. Writing to a store is not part of
//! this measure.

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

criterion_group!(benches, imports);
criterion_main!(benches);
