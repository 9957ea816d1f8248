//! How long planning units and their graph take on the demo sub-district.

use criterion::{Criterion, criterion_group, criterion_main};
use wangge_partition::{UnitGraph, planning_units};

fn demo(c: &mut Criterion) {
    let data = wangge_demo::generate(&wangge_demo::DemoSettings::builtin());
    let mut group = c.benchmark_group("demo");
    group.sample_size(10);
    group.bench_function("planning_units", |b| {
        b.iter(|| planning_units(&data, "community").expect("level exists"))
    });
    let units = planning_units(&data, "community").expect("level exists");
    group.bench_function("unit_graph", |b| {
        b.iter(|| UnitGraph::build(&units, &data.streets))
    });
    group.bench_function("units_and_graph", |b| {
        b.iter(|| {
            let units = planning_units(&data, "community").expect("level exists");
            UnitGraph::build(&units, &data.streets)
        })
    });
    group.finish();
}

criterion_group!(benches, demo);
criterion_main!(benches);
