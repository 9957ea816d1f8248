//! Tile sizes: no tile of layer `all` over 500 KB at any zoom from 0 to 16, for the demo
//! sub-district, for 64 copies of it side by side (17,000 compounds and 130,000 buildings, a
//! district and more at city-centre density), and for every residential compound of the Hangzhou
//! region. The largest tile of each zoom is printed (`--nocapture`) for the record.

use std::collections::BTreeSet;

use geo::{BoundingRect, Coord, MapCoords, Rect, coord};
use wangge_core::{Atlas, Dataset, LevelConfig};
use wangge_import::{ImportOptions, NoProgress, import_path};
use wangge_tiles::{TileId, TileLayer, encode};

use crate::{compounds_extent, demo, demo_data};

/// The most bytes one tile may have.
const LIMIT: usize = 500 * 1000;

/// Encodes every tile in `tiles` and returns the largest's size and id.
fn largest(atlas: &Atlas, tiles: impl Iterator<Item = TileId>) -> (usize, Option<TileId>, usize) {
    let mut max = (0, None, 0);
    for tile in tiles {
        let size = encode(atlas, TileLayer::All, tile).len();
        max.2 += 1;
        if size > max.0 {
            max = (size, Some(tile), max.2);
        }
    }
    max
}

/// Checks zooms 0–16; `tiles(z)` lists the tiles to encode at zoom `z`.
fn check_sizes<I: Iterator<Item = TileId>>(what: &str, atlas: &Atlas, tiles: impl Fn(u8) -> I) {
    let mut report = format!("largest `all` tile per zoom, {what}:");
    for z in 0..=16u8 {
        let (size, tile, count) = largest(atlas, tiles(z));
        report.push_str(&format!(
            "\n  z{z:<2} {size:>7} bytes  ({} of {count} tiles)",
            tile.map_or("-".to_string(), |t| t.to_string())
        ));
        assert!(
            size <= LIMIT,
            "{what}: tile {} is {size} bytes, over {LIMIT}",
            tile.map_or("-".to_string(), |t| t.to_string())
        );
    }
    eprintln!("{report}");
}

#[test]
fn demo_tiles_stay_small() {
    let atlas = demo();
    let extent = atlas.extent().expect("not empty");
    check_sizes("the demo sub-district", atlas, |z| {
        TileId::covering(extent, z)
    });
}

/// `n` × `n` copies of the demo, side by side, with distinct ids and codes (one district).
fn copies(n: i64) -> Dataset {
    let demo = demo_data();
    let r = compounds_extent(&demo);
    let (w, h) = (r.width(), r.height());
    let mut out = Dataset::new(demo.levels.clone());
    for i in 0..n {
        for j in 0..n {
            let k = i * n + j;
            let (dx, dy) = (i as f64 * w, j as f64 * h);
            let shift = |c: Coord<f64>| coord! { x: c.x + dx, y: c.y + dy };
            let offset = k * 100_000;
            for z in &demo.zones {
                if z.level == "district" && k > 0 {
                    continue;
                }
                let mut z = z.clone();
                z.id += offset;
                z.parent = z.parent.map(|p| p + offset);
                z.code = format!("{}{k:02}", z.code);
                z.geometry = z.geometry.map_coords(shift);
                out.zones.push(z);
            }
            for c in &demo.compounds {
                let mut c = c.clone();
                c.id += offset;
                c.code = format!("{}{k:02}", c.code);
                c.geometry = c.geometry.map_coords(shift);
                out.compounds.push(c);
            }
            for b in &demo.buildings {
                let mut b = b.clone();
                b.id += offset;
                b.compound = b.compound.map(|c| c + offset);
                b.geometry = b.geometry.map_coords(shift);
                out.buildings.push(b);
            }
            for s in &demo.streets {
                let mut s = s.clone();
                s.id += offset;
                s.geometry = s.geometry.map_coords(shift);
                out.streets.push(s);
            }
        }
    }
    out
}

#[test]
fn tiles_of_a_city_of_64_sub_districts_stay_small() {
    let data = copies(8);
    assert_eq!(data.compounds.len(), 64 * 267);
    let atlas = Atlas::new(data);
    let extent = atlas.extent().expect("not empty");
    // Every tile up to z13; from z14 on, the tiles over one copy in the middle, which are as full
    // as any (the copies are alike) and keep the test quick.
    let demo = compounds_extent(&demo_data());
    let (dx, dy) = (4.0 * demo.width(), 4.0 * demo.height());
    let middle = Rect::new(
        coord! { x: demo.min().x + dx, y: demo.min().y + dy },
        coord! { x: demo.max().x + dx, y: demo.max().y + dy },
    );
    check_sizes("64 demo sub-districts side by side", &atlas, |z| {
        TileId::covering(if z <= 13 { extent } else { middle }, z)
    });
}

#[test]
fn hangzhou_tiles_stay_small() {
    let path = std::path::PathBuf::from(
        std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"),
    )
    .join("../../../shared/data/hangzhou/residential-compounds.geojson");
    let imported = import_path(
        &path,
        &Dataset::new(LevelConfig::default()),
        &ImportOptions::default(),
        &NoProgress,
    )
    .unwrap_or_else(|e| panic!("import of {} failed: {e}", path.display()));
    let atlas = Atlas::new(imported.data);
    assert!(atlas.data().compounds.len() > 2000);
    // Only the tiles that hold a compound: the region is 100 km across, mostly countryside.
    let boxes: Vec<Rect<f64>> = atlas
        .data()
        .compounds
        .iter()
        .filter_map(|c| c.geometry.bounding_rect())
        .collect();
    check_sizes("the Hangzhou region's 2,112 compounds", &atlas, |z| {
        let tiles: BTreeSet<TileId> = boxes.iter().flat_map(|&b| TileId::covering(b, z)).collect();
        tiles.into_iter()
    });
}
