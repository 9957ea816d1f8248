//! Point-in-zone lookups per second over a district-sized hierarchy, and box queries.
//!
//! The zones are jittered quadrilaterals that share their corners, so every level tiles its parent
//! exactly, as real grids do: 1 sub-district, 10 × 10 communities, 40 × 40 grids and
//! 120 × 120 micro-grids (14,400), over about 0.2° × 0.2° (≈ 20 km × 22 km) near Kunming.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use geo::{Coord, LineString, MultiPolygon, Point, Polygon, Rect, coord};
use std::hint::black_box;
use wangge_core::{Atlas, Dataset, Layer, LevelConfig, Totals, Zone};

const X0: f64 = 102.60;
const Y0: f64 = 24.95;
const SIZE: f64 = 0.2;

/// A deterministic jitter in [-0.3, 0.3] of a cell, the same for a corner whoever asks.
fn jitter(i: usize, j: usize, n: usize) -> (f64, f64) {
    if i == 0 || j == 0 || i == n || j == n {
        return (0.0, 0.0);
    }
    let h = (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
        ^ (j as u64).wrapping_mul(0xC2B2_AE3D_27D4_EB4F);
    let a = ((h >> 11) % 1000) as f64 / 1000.0 - 0.5;
    let b = ((h >> 31) % 1000) as f64 / 1000.0 - 0.5;
    (a * 0.6, b * 0.6)
}

fn corner(i: usize, j: usize, n: usize) -> Coord<f64> {
    let cell = SIZE / n as f64;
    let (a, b) = jitter(i, j, n);
    coord! { x: X0 + (i as f64 + a) * cell, y: Y0 + (j as f64 + b) * cell }
}

fn level(data: &mut Dataset, key: &str, n: usize, next_id: &mut i64) {
    for i in 0..n {
        for j in 0..n {
            let ring = LineString(vec![
                corner(i, j, n),
                corner(i + 1, j, n),
                corner(i + 1, j + 1, n),
                corner(i, j + 1, n),
                corner(i, j, n),
            ]);
            data.zones.push(Zone {
                id: *next_id,
                code: format!("{key}-{i}-{j}"),
                name: String::new(),
                level: key.into(),
                parent: None,
                geometry: MultiPolygon(vec![Polygon::new(ring, vec![])]),
                totals: Totals::default(),
            });
            *next_id += 1;
        }
    }
}

fn district() -> Dataset {
    let mut data = Dataset::new(LevelConfig::default());
    let mut id = 1;
    level(&mut data, "subdistrict", 1, &mut id);
    level(&mut data, "community", 10, &mut id);
    level(&mut data, "secondary", 40, &mut id);
    level(&mut data, "micro", 120, &mut id);
    data
}

fn points(n: usize) -> Vec<Point<f64>> {
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    (0..n)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let x = (state % 1_000_000) as f64 / 1_000_000.0;
            let y = ((state >> 20) % 1_000_000) as f64 / 1_000_000.0;
            Point::new(X0 + x * SIZE, Y0 + y * SIZE)
        })
        .collect()
}

fn lookups(c: &mut Criterion) {
    let atlas = Atlas::new(district());
    let probes = points(10_000);
    let mut group = c.benchmark_group("point_in_zone");
    group.throughput(Throughput::Elements(probes.len() as u64));
    group.bench_function("all_levels_14400_micro_grids", |b| {
        b.iter(|| {
            let mut found = 0usize;
            for p in &probes {
                found += atlas.zones_containing(black_box(*p)).len();
            }
            assert!(found >= probes.len() * 4);
            found
        })
    });
    group.bench_function("one_level_micro", |b| {
        b.iter(|| {
            probes
                .iter()
                .filter(|p| atlas.zone_at("micro", black_box(**p)).is_some())
                .count()
        })
    });
    group.finish();

    let mut group = c.benchmark_group("box_query");
    // A 500 m box, the size of a z16 tile at this latitude.
    let rect = Rect::new(
        coord! { x: 102.70, y: 25.04 },
        coord! { x: 102.705, y: 25.045 },
    );
    group.bench_function("zones_500m_box", |b| {
        b.iter(|| atlas.in_box(Layer::Zones, black_box(rect)).len())
    });
    group.finish();

    c.bench_function("index_build_14501_zones", |b| {
        b.iter(|| Atlas::new(black_box(district())))
    });
}

criterion_group!(benches, lookups);
criterion_main!(benches);
