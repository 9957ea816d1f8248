//! Property tests: clipped geometry never leaves the tile's extent plus buffer; encoding then
//! decoding gives the input back within simplification and quantisation; `TileId::new` accepts
//! exactly the tiles that exist; `TileId::covering` equals testing every tile.

use geo::{Coord, Geometry, Intersects, LineString, MultiPolygon, Polygon, Rect, coord};
use proptest::prelude::*;
use wangge_core::{
    Atlas, Compound, CompoundKind, Dataset, LevelConfig, Management, StreetClass, StreetSegment,
    Tier,
};
use wangge_tiles::mvt::{BUFFER, EXTENT, tolerance};
use wangge_tiles::project::{lat_of, lon_of};
use wangge_tiles::{MAX_ZOOM, TileId, TileLayer, encode};

use crate::{coords, decode, layer};

/// The longitude/latitude of a pixel of `tile` (pixels may lie outside the tile).
fn lonlat(tile: TileId, p: [f64; 2]) -> Coord<f64> {
    let n = f64::from(1u32 << tile.z);
    let e = f64::from(EXTENT);
    coord! {
        x: lon_of((f64::from(tile.x) + p[0] / e) / n),
        y: lat_of((f64::from(tile.y) + p[1] / e) / n),
    }
}

fn compound(id: i64, ring: Vec<Coord<f64>>) -> Compound {
    Compound {
        id,
        code: format!("C{id}"),
        name: format!("compound {id}"),
        kind: CompoundKind::Mixed,
        management: Management::Partial,
        tier: Tier::Green,
        stars: None,
        source_id: None,
        geometry: MultiPolygon(vec![Polygon::new(LineString(ring), vec![])]),
    }
}

fn street(id: i64, line: Vec<Coord<f64>>) -> StreetSegment {
    StreetSegment {
        id,
        source_id: None,
        name: Some(format!("street {id}")),
        // Arterials show from z10, so at every zoom these tests use.
        class: StreetClass::Arterial,
        geometry: LineString(line),
    }
}

/// A star-shaped, hence simple, polygon around `centre` in pixels: vertices at increasing angles,
/// each at a fraction of `radius`.
fn star(centre: [f64; 2], radius: f64, spikes: &[(f64, f64)]) -> Vec<[f64; 2]> {
    let mut angles: Vec<(f64, f64)> = spikes.to_vec();
    angles.sort_by(|a, b| a.0.total_cmp(&b.0));
    angles.dedup_by(|a, b| (a.0 - b.0).abs() < 1e-3);
    angles
        .iter()
        .map(|&(angle, fraction)| {
            let r = radius * fraction;
            [centre[0] + r * angle.cos(), centre[1] + r * angle.sin()]
        })
        .collect()
}

/// Distance from `p` to the polyline `line` (closed back to its start when `closed`).
fn distance_to(p: [f64; 2], line: &[[f64; 2]], closed: bool) -> f64 {
    let n = line.len();
    let segments = if closed { n } else { n.saturating_sub(1) };
    (0..segments)
        .map(|i| {
            let (a, b) = (line[i], line[(i + 1) % n]);
            let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
            let len2 = dx * dx + dy * dy;
            let t = if len2 == 0.0 {
                0.0
            } else {
                (((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len2).clamp(0.0, 1.0)
            };
            ((a[0] + t * dx - p[0]).powi(2) + (a[1] + t * dy - p[1]).powi(2)).sqrt()
        })
        .fold(f64::INFINITY, f64::min)
}

fn pixels(coords: &[Coord<i32>]) -> Vec<[f64; 2]> {
    coords
        .iter()
        .map(|c| [f64::from(c.x), f64::from(c.y)])
        .collect()
}

/// Twice the signed area of a ring in tile pixels; positive is clockwise on screen (y down).
fn area2(ring: &[Coord<i32>]) -> i64 {
    let n = ring.len();
    (0..n)
        .map(|i| {
            let (a, b) = (ring[i], ring[(i + 1) % n]);
            i64::from(a.x) * i64::from(b.y) - i64::from(b.x) * i64::from(a.y)
        })
        .sum()
}

fn zoom() -> impl Strategy<Value = TileId> {
    // Tiles over Kunming at several zooms, on both sides of the tolerance change at z14.
    prop_oneof![Just(12u8), Just(13), Just(14), Just(16), Just(18)].prop_map(|z| {
        let c = coord! { x: 102.705, y: 25.043 };
        TileId::covering(Rect::new(c, c), z)
            .next()
            .expect("Kunming is on the map")
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    /// Polygons and lines reaching far beyond the tile come back clipped to the extent plus the
    /// buffer, on every side.
    #[test]
    fn clipped_geometry_never_leaves_extent_plus_buffer(
        tile in zoom(),
        polygons in prop::collection::vec(
            ((-3000.0f64..7000.0, -3000.0f64..7000.0), 10.0f64..6000.0,
             prop::collection::vec((0.0f64..std::f64::consts::TAU, 0.2f64..1.0), 3..24)),
            1..6),
        lines in prop::collection::vec(
            prop::collection::vec((-4000.0f64..8000.0, -4000.0f64..8000.0), 2..12), 1..6),
    ) {
        let mut data = Dataset::new(LevelConfig::default());
        for (i, (centre, radius, spikes)) in polygons.iter().enumerate() {
            let ring = star([centre.0, centre.1], *radius, spikes);
            data.compounds.push(compound(i as i64 + 1, ring.iter().map(|&p| lonlat(tile, p)).collect()));
        }
        for (i, line) in lines.iter().enumerate() {
            data.streets.push(street(i as i64 + 1, line.iter().map(|&(x, y)| lonlat(tile, [x, y])).collect()));
        }
        let bytes = encode(&Atlas::new(data), TileLayer::All, tile);
        let (lo, hi) = (-(BUFFER as i32), (EXTENT + BUFFER) as i32);
        for l in decode(&bytes) {
            for f in &l.features {
                for c in coords(&f.geometry) {
                    prop_assert!(c.x >= lo && c.x <= hi && c.y >= lo && c.y <= hi,
                        "{} feature {:?} has ({}, {}) outside [{lo}, {hi}]", l.name, f.id, c.x, c.y);
                }
            }
        }
    }

    /// A polygon and a line inside the tile come back as they went in, up to the simplification
    /// tolerance plus half a pixel's diagonal of rounding, with MVT 2.1 winding.
    #[test]
    fn decode_of_encode_is_the_input_within_a_pixel(
        tile in zoom(),
        centre in (600.0f64..3500.0, 600.0f64..3500.0),
        radius in 30.0f64..550.0,
        spikes in prop::collection::vec((0.0f64..0.8, 0.3f64..1.0), 3..40),
        line in prop::collection::vec((0.0f64..4096.0, 0.0f64..4096.0), 2..30),
    ) {
        // Vertices spread around the centre (each jittered within its share of the turn), so that
        // the polygon is a real area and not a sliver that rightly vanishes.
        let n = spikes.len() as f64;
        let spread: Vec<(f64, f64)> = spikes
            .iter()
            .enumerate()
            .map(|(i, &(jitter, fraction))| ((i as f64 + jitter) * std::f64::consts::TAU / n, fraction))
            .collect();
        let ring = star([centre.0, centre.1], radius, &spread);
        let mut data = Dataset::new(LevelConfig::default());
        data.compounds.push(compound(1, ring.iter().map(|&p| lonlat(tile, p)).collect()));
        data.streets.push(street(1, line.iter().map(|&(x, y)| lonlat(tile, [x, y])).collect()));
        let bytes = encode(&Atlas::new(data), TileLayer::All, tile);
        let layers = decode(&bytes);
        let bound = tolerance(tile.z) + std::f64::consts::FRAC_1_SQRT_2 + 1e-6;

        let polygons = layer(&layers, "compounds");
        prop_assert_eq!(polygons.features.len(), 1);
        // mvt-reader returns every polygon feature as a multipolygon.
        let p = match &polygons.features[0].geometry {
            Geometry::Polygon(p) => p.clone(),
            Geometry::MultiPolygon(m) if m.0.len() == 1 => m.0[0].clone(),
            other => return Err(TestCaseError::fail(format!("not one polygon: {other:?}"))),
        };
        prop_assert!(p.interiors().is_empty());
        let mut out: Vec<Coord<i32>> = p.exterior().0.clone();
        out.pop(); // The decoder repeats the first point.
        prop_assert!(area2(&out) > 0, "the exterior ring must be clockwise on screen");
        let out = pixels(&out);
        for &q in &out {
            let d = distance_to(q, &ring, true);
            prop_assert!(d <= bound, "decoded vertex {q:?} is {d} px from the input");
        }
        for &q in &ring {
            let d = distance_to(q, &out, true);
            prop_assert!(d <= bound, "input vertex {q:?} is {d} px from the output");
        }

        let input: Vec<[f64; 2]> = line.iter().map(|&(x, y)| [x, y]).collect();
        let length: f64 = input.windows(2).map(|w| ((w[1][0] - w[0][0]).powi(2) + (w[1][1] - w[0][1]).powi(2)).sqrt()).sum();
        prop_assume!(length > 2.0);
        let lines = layer(&layers, "streets");
        prop_assert_eq!(lines.features.len(), 1);
        let Geometry::LineString(l) = &lines.features[0].geometry else {
            return Err(TestCaseError::fail(format!("not one line: {:?}", lines.features[0].geometry)));
        };
        let out = pixels(&l.0);
        for &q in &out {
            let d = distance_to(q, &input, false);
            prop_assert!(d <= bound, "decoded vertex {q:?} is {d} px from the input line");
        }
        for &q in &input {
            let d = distance_to(q, &out, false);
            prop_assert!(d <= bound, "input vertex {q:?} is {d} px from the output line");
        }
    }

    /// `TileId::new` accepts a tile exactly when it exists, and names the bad value otherwise.
    #[test]
    fn tile_ids_are_checked(
        z in 0u32..40,
        x in prop_oneof![0u32..16, any::<u32>()],
        y in prop_oneof![0u32..16, any::<u32>()],
    ) {
        let exists = z <= u32::from(MAX_ZOOM) && u64::from(x) < 1u64 << z && u64::from(y) < 1u64 << z;
        match TileId::new(z, x, y) {
            Ok(tile) => {
                prop_assert!(exists, "{z}/{x}/{y} was accepted");
                prop_assert_eq!((u32::from(tile.z), tile.x, tile.y), (z, x, y));
            }
            Err(e) => {
                prop_assert!(!exists, "{z}/{x}/{y} was refused: {e}");
                let message = e.to_string();
                let named = if z > u32::from(MAX_ZOOM) { z } else if u64::from(x) >= 1u64 << z { x } else { y };
                prop_assert!(message.contains(&named.to_string()) && message.contains("use 0 to"), "{message}");
            }
        }
    }

    /// `TileId::covering` returns exactly the tiles whose bounds intersect the box, in row order,
    /// including boxes whose edges lie exactly on tile edges.
    #[test]
    fn covering_equals_brute_force(
        z in 0u8..=6,
        a in (-200.0f64..200.0, -89.0f64..89.0),
        b in (-200.0f64..200.0, -89.0f64..89.0),
        snap in any::<(bool, bool)>(),
    ) {
        let mut rect = Rect::new(coord! { x: a.0, y: a.1 }, coord! { x: b.0, y: b.1 });
        if snap.0 || snap.1 {
            // Move a corner onto the nearest tile corner, where off-by-one errors live.
            let n = 1u32 << z;
            let cx = ((a.0 + 180.0) / 360.0 * f64::from(n)).round().clamp(0.0, f64::from(n - 1)) as u32;
            let cy = ((90.0 - a.1) / 180.0 * f64::from(n)).round().clamp(0.0, f64::from(n - 1)) as u32;
            let corner = TileId::new(u32::from(z), cx, cy).expect("clamped").bounds();
            let c = if snap.0 { corner.min() } else { corner.max() };
            rect = Rect::new(c, coord! { x: b.0, y: b.1 });
        }
        let fast: Vec<TileId> = TileId::covering(rect, z).collect();
        let n = 1u32 << z;
        let slow: Vec<TileId> = (0..n)
            .flat_map(|y| (0..n).map(move |x| TileId { z, x, y }))
            .filter(|t| t.bounds().intersects(&rect))
            .collect();
        prop_assert_eq!(fast, slow);
    }
}
