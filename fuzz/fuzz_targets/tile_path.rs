//! The tile route's parsing: `/tiles/{layer}/{z}/{x}/{file}` as the router hands the segments to
//! `wangge_server::tiles::parse_tile_path` (the input is split at its first three `/`). A refusal
//! must be a 400 or 404 with a message; an accepted tile must be one that exists, with the layer
//! and numbers the path gave, and bounds on the Web Mercator square that cover it.

#![no_main]

use axum::response::IntoResponse;
use libfuzzer_sys::fuzz_target;
use wangge_server::tiles::parse_tile_path;
use wangge_tiles::{MAX_ZOOM, TileId, TileLayer};

/// The latitude of Web Mercator's north and south edges, with room for rounding.
const MAX_LAT: f64 = 85.0512;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut parts = text.splitn(4, '/');
    let mut next = || parts.next().unwrap_or_default();
    let (layer, z, x, file) = (next(), next(), next(), next());
    match parse_tile_path(layer, z, x, file) {
        Ok((parsed, id)) => {
            assert_eq!(TileLayer::parse(parsed.as_str()).ok(), Some(parsed));
            assert_eq!(TileLayer::parse(layer).ok(), Some(parsed));
            let y = file
                .strip_suffix(".mvt")
                .or_else(|| file.strip_suffix(".pbf"))
                .expect("an accepted tile file ends in .mvt or .pbf");
            let numbers = (z.parse::<u32>(), x.parse::<u32>(), y.parse::<u32>());
            assert_eq!(
                numbers,
                (Ok(u32::from(id.z)), Ok(id.x), Ok(id.y)),
                "{text:?}"
            );
            assert!(id.z <= MAX_ZOOM);
            assert_eq!(TileId::new(u32::from(id.z), id.x, id.y).ok(), Some(id));
            let b = id.bounds();
            let (min, max) = (b.min(), b.max());
            assert!(
                min.x < max.x && min.y < max.y,
                "tile {id} has an empty box: {b:?}"
            );
            assert!(
                min.x >= -180.0 && max.x <= 180.0 && min.y >= -MAX_LAT && max.y <= MAX_LAT,
                "tile {id} lies off the map: {b:?}"
            );
            assert!(
                TileId::covering(b, id.z).any(|t| t == id),
                "tile {id} is not among the tiles covering its own box"
            );
        }
        Err(e) => {
            let message = e.to_string();
            let status = e.into_response().status().as_u16();
            assert!(
                status == 400 || status == 404,
                "{text:?} answered {status}: {message}"
            );
            assert!(!message.is_empty(), "{text:?} refused without a word");
        }
    }
});
