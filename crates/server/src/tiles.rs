//! Tile serving: `/tiles/{layer}/{z}/{x}/{y}.mvt`, TileJSON, and the cache of encoded tiles.
//!
//! The cache keeps every encoded tile until a change touches its area: `AppState::apply` drops
//! exactly the tiles whose bounds (plus the encoder's buffer) meet the box the change touched, in
//! the same step as it installs the new atlas. The next request re-encodes them. Browsers get an
//! ETag per tile and `Cache-Control: no-cache`, so they revalidate and get 304 while a tile is
//! unchanged.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::io::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use geo::{Intersects, Rect, coord};
use serde::Deserialize;
use serde_json::{Value, json};
use wangge_core::Id;
use wangge_tiles::{Extras, TileId, TileLayer};

use crate::access::Caller;
use crate::{ApiError, AppState};

/// The fraction of a tile's width that the encoder's buffer adds on each side (64 of 4096).
const BUFFER_FRACTION: f64 = 64.0 / 4096.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Key {
    layer: TileLayer,
    /// The chief a `patrol` tile is for.
    chief: Option<Id>,
    z: u8,
    x: u32,
    y: u32,
}

/// One encoded tile, raw and gzipped, with its ETag.
#[derive(Debug)]
pub struct Encoded {
    raw: Vec<u8>,
    gzip: Vec<u8>,
    etag: u64,
    last_used: AtomicU64,
}

#[derive(Debug, Default)]
struct Entries {
    map: HashMap<Key, std::sync::Arc<Encoded>>,
    /// The data version the cache holds tiles of; an encode from an older version is not kept.
    version: u64,
}

/// Encoded tiles, kept until a change touches them.
#[derive(Debug)]
pub struct TileCache {
    entries: Mutex<Entries>,
    capacity: usize,
    clock: AtomicU64,
    hits: AtomicU64,
    misses: AtomicU64,
}

/// Counters of the tile cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CacheStats {
    /// Tiles held.
    pub entries: usize,
    /// Requests served from the cache.
    pub hits: u64,
    /// Requests that encoded a tile.
    pub misses: u64,
}

impl TileCache {
    /// A cache holding at most `capacity` tiles of data at `version`; a capacity of 0 keeps
    /// nothing, so that every request encodes its tile (for measurements).
    pub fn new(capacity: usize, version: u64) -> Self {
        Self {
            entries: Mutex::new(Entries {
                map: HashMap::new(),
                version,
            }),
            capacity,
            clock: AtomicU64::new(0),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Entries> {
        match self.entries.lock() {
            Ok(e) => e,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// Counters, for `/health` and tests.
    pub fn stats(&self) -> CacheStats {
        CacheStats {
            entries: self.lock().map.len(),
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
        }
    }

    fn get(&self, key: &Key) -> Option<std::sync::Arc<Encoded>> {
        let found = self.lock().map.get(key).cloned();
        match &found {
            Some(e) => {
                e.last_used.store(
                    self.clock.fetch_add(1, Ordering::Relaxed),
                    Ordering::Relaxed,
                );
                self.hits.fetch_add(1, Ordering::Relaxed);
            }
            None => {
                self.misses.fetch_add(1, Ordering::Relaxed);
            }
        }
        found
    }

    /// Keeps a tile encoded from data of `version`, unless the data has changed meanwhile.
    fn put(&self, key: Key, version: u64, tile: std::sync::Arc<Encoded>) {
        if self.capacity == 0 {
            return;
        }
        let mut entries = self.lock();
        if entries.version != version {
            return;
        }
        if entries.map.len() >= self.capacity {
            // Drop the least recently used tenth.
            let mut ages: Vec<(u64, Key)> = entries
                .map
                .iter()
                .map(|(k, e)| (e.last_used.load(Ordering::Relaxed), *k))
                .collect();
            ages.sort_unstable_by_key(|(age, _)| *age);
            for (_, k) in ages.iter().take(self.capacity / 10 + 1) {
                entries.map.remove(k);
            }
        }
        tile.last_used.store(
            self.clock.fetch_add(1, Ordering::Relaxed),
            Ordering::Relaxed,
        );
        entries.map.insert(key, tile);
    }

    /// Under the cache's lock: runs `install` (which swaps in the new atlas), records the new
    /// version and drops every tile whose area meets `touched`.
    pub(crate) fn swap(&self, version: u64, touched: Option<Rect<f64>>, install: impl FnOnce()) {
        let mut entries = self.lock();
        install();
        entries.version = version;
        if let Some(touched) = touched {
            entries
                .map
                .retain(|key, _| !tile_area(key).intersects(&touched));
        }
    }

    /// Drops the tiles of `layers` whose area meets `touched`.
    pub(crate) fn drop_in(&self, layers: &[TileLayer], touched: Rect<f64>) {
        self.lock()
            .map
            .retain(|key, _| !layers.contains(&key.layer) || !tile_area(key).intersects(&touched));
    }

    /// Drops every tile.
    pub fn clear(&self) {
        self.lock().map.clear();
    }
}

/// A tile's bounds grown by the encoder's buffer: a change anywhere in it can alter the tile.
fn tile_area(key: &Key) -> Rect<f64> {
    let Ok(id) = TileId::new(u32::from(key.z), key.x, key.y) else {
        return Rect::new(coord! { x: -180.0, y: -90.0 }, coord! { x: 180.0, y: 90.0 });
    };
    let b = id.bounds();
    let (dx, dy) = (b.width() * BUFFER_FRACTION, b.height() * BUFFER_FRACTION);
    Rect::new(
        coord! { x: b.min().x - dx, y: b.min().y - dy },
        coord! { x: b.max().x + dx, y: b.max().y + dy },
    )
}

fn etag_of(bytes: &[u8]) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    bytes.hash(&mut h);
    h.finish()
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(
        Vec::with_capacity(bytes.len() / 2 + 64),
        flate2::Compression::fast(),
    );
    // Writing into a Vec cannot fail.
    let _ = encoder.write_all(bytes);
    encoder.finish().unwrap_or_default()
}

fn parse_layer(name: &str) -> Result<TileLayer, ApiError> {
    TileLayer::parse(name).map_err(|e| ApiError::NotFound(e.to_string()))
}

fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|part| {
            let mut bits = part.trim().split(';');
            let name = bits.next().unwrap_or_default().trim();
            let refused = bits.any(|q| q.trim().replace(' ', "") == "q=0");
            (name == "gzip" || name == "*") && !refused
        })
}

fn matches(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|t| {
            let t = t.trim();
            t == "*" || t.trim_start_matches("W/") == etag
        })
}

/// `?chief=` of a `patrol` tile.
#[derive(Debug, Deserialize)]
pub(crate) struct TileQuery {
    chief: Option<String>,
}

/// The chief a `patrol` tile is for: a signed-in street chief's own (asking for another chief's
/// is refused), or `?chief=` for other users.
fn patrol_chief(caller: &Caller, asked: Option<&str>) -> Result<Id, ApiError> {
    let asked = asked
        .map(|text| {
            text.parse::<Id>().map_err(|_| {
                ApiError::BadRequest(format!("chief `{text}` is not a chief id (a number)"))
            })
        })
        .transpose()?;
    match (caller.patrol_chief(), asked) {
        (Some(own), Some(asked)) if own != asked => Err(ApiError::Forbidden(format!(
            "a street chief sees only their own patrol tiles (chief {own}), not chief {asked}'s"
        ))),
        (Some(own), _) => Ok(own),
        (None, Some(asked)) => Ok(asked),
        (None, None) => Err(ApiError::BadRequest(
            "patrol tiles are for one chief: sign in as a street chief, or add ?chief=ID".into(),
        )),
    }
}

/// A street chief's tiles carry their own area's details only: the `patrol` layer, over the
/// `streets` layer (names and classes of the public street network, nothing personal).
fn check_layer(caller: &Caller, layer: TileLayer) -> Result<(), ApiError> {
    match caller.patrol_chief() {
        Some(own) if !matches!(layer, TileLayer::Patrol | TileLayer::Streets) => {
            Err(ApiError::Forbidden(format!(
                "a street chief (chief {own}) sees the patrol and streets tiles only, not {}",
                layer.as_str()
            )))
        }
        _ => Ok(()),
    }
}

/// The layer and tile of `/tiles/{layer}/{z}/{x}/{file}`, the segments as the router decoded
/// them: an unknown layer or a file not ending in `.mvt` (or `.pbf`) is a 404, a number that is
/// not one or a tile outside its zoom's range a 400.
pub fn parse_tile_path(
    layer: &str,
    z: &str,
    x: &str,
    file: &str,
) -> Result<(TileLayer, TileId), ApiError> {
    let layer = parse_layer(layer)?;
    let Some(y) = file
        .strip_suffix(".mvt")
        .or_else(|| file.strip_suffix(".pbf"))
    else {
        return Err(ApiError::NotFound(format!(
            "tiles end in .mvt: /tiles/{}/{z}/{x}/{{y}}.mvt",
            layer.as_str()
        )));
    };
    let number = |name: &str, text: &str| -> Result<u32, ApiError> {
        text.parse().map_err(|_| {
            ApiError::BadRequest(format!("tile {name} `{text}` is not a whole number"))
        })
    };
    let id = TileId::new(number("z", z)?, number("x", x)?, number("y", y)?)
        .map_err(|e| ApiError::BadRequest(e.to_string()))?;
    Ok((layer, id))
}

/// `GET /tiles/{layer}/{z}/{x}/{y}.mvt` (`?chief=ID` for `patrol`).
pub(crate) async fn tile(
    State(state): State<AppState>,
    Path((layer, z, x, file)): Path<(String, String, String, String)>,
    Query(query): Query<TileQuery>,
    caller: Caller,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let (layer, id) = parse_tile_path(&layer, &z, &x, &file)?;
    check_layer(&caller, layer)?;
    let y = id.y;
    let chief = match layer {
        TileLayer::Patrol => Some(patrol_chief(&caller, query.chief.as_deref())?),
        _ => None,
    };
    if let Some(chief) = chief
        && state.snapshot().atlas.chief(chief).is_none()
    {
        return Err(ApiError::NotFound(format!("no chief has id {chief}")));
    }
    // Chiefs' areas first: drawing them drops the cached tiles they make stale.
    let (snapshot, chiefs) = if layer.needs_chiefs() {
        let (snapshot, map) = state.chief_map().await?;
        (snapshot, Some(map))
    } else {
        (state.snapshot(), None)
    };
    let key = Key {
        layer,
        chief,
        z: id.z,
        x: id.x,
        y: id.y,
    };
    let encoded = match state.tiles().get(&key) {
        Some(hit) => hit,
        None => {
            let atlas = std::sync::Arc::clone(&snapshot.atlas);
            let encoded = tokio::task::spawn_blocking(move || {
                let extras = Extras {
                    chiefs: chiefs.as_deref(),
                    patrol: chief,
                };
                let raw = wangge_tiles::encode_with(&atlas, extras, layer, id);
                let gzip = gzip(&raw);
                Encoded {
                    etag: etag_of(&raw),
                    raw,
                    gzip,
                    last_used: AtomicU64::new(0),
                }
            })
            .await
            .map_err(|e| ApiError::Internal(format!("encoding tile {layer:?} {z}/{x}/{y}: {e}")))?;
            let encoded = std::sync::Arc::new(encoded);
            state
                .tiles()
                .put(key, snapshot.version, std::sync::Arc::clone(&encoded));
            encoded
        }
    };
    let gz = accepts_gzip(&headers);
    let etag = if gz {
        format!("\"{:016x}-gz\"", encoded.etag)
    } else {
        format!("\"{:016x}\"", encoded.etag)
    };
    let mut response = if matches(&headers, &etag) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let body = if gz {
            encoded.gzip.clone()
        } else {
            encoded.raw.clone()
        };
        let mut r = Response::new(Body::from(body));
        if gz {
            r.headers_mut()
                .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        }
        r
    };
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/vnd.mapbox-vector-tile"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    Ok(response)
}

/// The scheme and host the client used, for absolute URLs in TileJSON and styles.
pub(crate) fn base_url(headers: &HeaderMap) -> String {
    let host = headers
        .get("x-forwarded-host")
        .or_else(|| headers.get(header::HOST))
        .and_then(|v| v.to_str().ok())
        .filter(|h| {
            h.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-.:[]".contains(c))
        })
        .unwrap_or("127.0.0.1");
    let scheme = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .filter(|p| *p == "https")
        .unwrap_or("http");
    format!("{scheme}://{host}")
}

/// `GET /tiles/{layer}.json`: TileJSON 3.0.
pub(crate) async fn tilejson(
    State(state): State<AppState>,
    Path(file): Path<String>,
    Query(query): Query<TileQuery>,
    caller: Caller,
    headers: HeaderMap,
) -> Result<axum::Json<Value>, ApiError> {
    let Some(name) = file.strip_suffix(".json") else {
        return Err(ApiError::NotFound(format!(
            "nothing at /tiles/{file}; TileJSON is at /tiles/{{layer}}.json"
        )));
    };
    let layer = parse_layer(name)?;
    check_layer(&caller, layer)?;
    let snapshot = state.snapshot();
    let data = snapshot.atlas.data();
    let base = base_url(&headers);
    let extent = snapshot.atlas.extent();
    let bounds = extent.map_or([-180.0, -85.0511, 180.0, 85.0511], |r| {
        [r.min().x, r.min().y, r.max().x, r.max().y]
    });
    let center = extent.map_or([0.0, 0.0, 1.0], |r| [r.center().x, r.center().y, 14.0]);
    let name = data.main_zone().map_or("wangge", |z| z.name.as_str());
    // A patrol tile set for one chief keeps the chief in its tile URLs.
    let chief = match (layer, query.chief.as_deref()) {
        (TileLayer::Patrol, Some(text)) => {
            let id: Id = text.parse().map_err(|_| {
                ApiError::BadRequest(format!("chief `{text}` is not a chief id (a number)"))
            })?;
            format!("?chief={id}")
        }
        _ => String::new(),
    };
    let vector_layers: Vec<Value> = wangge_tiles::vector_layers(layer)
        .into_iter()
        .map(|l| serde_json::to_value(l).unwrap_or(Value::Null))
        .collect();
    Ok(axum::Json(json!({
        "tilejson": "3.0.0",
        "name": format!("{name} · {}", layer.as_str()),
        "scheme": "xyz",
        "tiles": [format!("{base}/tiles/{}/{{z}}/{{x}}/{{y}}.mvt{chief}", layer.as_str())],
        "minzoom": wangge_tiles::MIN_ZOOM,
        "maxzoom": wangge_tiles::MAX_ZOOM,
        "bounds": bounds,
        "center": center,
        "attribution": data.attribution.join(" · "),
        "vector_layers": vector_layers,
        "version": snapshot.version.to_string(),
    })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gzip_negotiation_follows_the_header() {
        let mut h = HeaderMap::new();
        assert!(!accepts_gzip(&h));
        h.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_static("br, gzip;q=0.8"),
        );
        assert!(accepts_gzip(&h));
        h.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_static("gzip;q=0"),
        );
        assert!(!accepts_gzip(&h));
    }

    #[test]
    fn if_none_match_accepts_lists_and_weak_tags() {
        let mut h = HeaderMap::new();
        h.insert(
            header::IF_NONE_MATCH,
            HeaderValue::from_static("\"a\", W/\"b\""),
        );
        assert!(matches(&h, "\"b\""));
        assert!(!matches(&h, "\"c\""));
    }

    fn encoded(bytes: &[u8]) -> std::sync::Arc<Encoded> {
        std::sync::Arc::new(Encoded {
            raw: bytes.to_vec(),
            gzip: gzip(bytes),
            etag: etag_of(bytes),
            last_used: AtomicU64::new(0),
        })
    }

    #[test]
    fn a_cache_of_capacity_zero_keeps_nothing_and_counts_every_miss() {
        let key = Key {
            layer: TileLayer::All,
            chief: None,
            z: 14,
            x: 1,
            y: 2,
        };
        let off = TileCache::new(0, 3);
        off.put(key, 3, encoded(b"tile"));
        assert!(off.get(&key).is_none());
        assert!(off.get(&key).is_none());
        assert_eq!(
            off.stats(),
            CacheStats {
                entries: 0,
                hits: 0,
                misses: 2
            }
        );
        // A cache of one keeps the newest tile only.
        let one = TileCache::new(1, 3);
        let other = Key { x: 2, ..key };
        one.put(key, 3, encoded(b"a"));
        one.put(other, 3, encoded(b"b"));
        assert!(one.get(&key).is_none());
        assert_eq!(one.get(&other).map(|e| e.raw.clone()), Some(b"b".to_vec()));
    }

    #[test]
    fn the_tile_area_grows_by_the_buffer() {
        let key = Key {
            layer: TileLayer::All,
            chief: None,
            z: 1,
            x: 0,
            y: 0,
        };
        let area = tile_area(&key);
        assert!(area.min().x < -180.0 && area.max().x > 0.0);
    }
}
