//! Vector tiles and printable static maps of the atlas.
//!
//! `wangge-tiles` turns an [`Atlas`] into bytes: Mapbox Vector Tiles 2.1 for the web map
//! ([`encode`]) with their TileJSON description ([`vector_layers`]), and a PNG map a leader can
//! print ([`render_png`]). It knows no storage, no HTTP, no files and no async runtime: the server
//! caches what it returns, and the caller hands in any font as bytes.
//!
//! A tile is made in one straight line per feature: an R-tree box query on the tile plus its
//! buffer, Web Mercator projection to tile pixels ([`project`]), clipping to the extent plus buffer
//! ([`clip`]), Douglas–Peucker simplification in pixels ([`simplify`]), quantisation with repeated
//! points and degenerate rings dropped and MVT 2.1 winding ([`mvt`]), and fast-mvt's encoder.
//!
//! # Examples
//!
//! ```
//! use geo::BoundingRect;
//! use wangge_core::Atlas;
//! use wangge_demo::{DemoSettings, generate};
//! use wangge_tiles::{TileId, TileLayer, encode};
//!
//! let atlas = Atlas::new(generate(&DemoSettings::builtin()));
//! let compound = &atlas.data().compounds[0];
//! let bounds = compound.geometry.bounding_rect().expect("a compound has an outline");
//! let tile = TileId::covering(bounds, 16).next().expect("the compound is on the map");
//! let bytes = encode(&atlas, TileLayer::All, tile);
//! assert!(bytes.len() > 1000);
//! ```

pub mod board;
pub mod chiefs;
pub mod clip;
pub mod error;
pub mod label;
pub mod layers;
pub mod mvt;
pub mod project;
pub mod render;
pub mod simplify;
pub mod tile_id;

use wangge_core::Atlas;

pub use board::{Board, BoardInspection, board_html, board_png};
pub use chiefs::{COLOURS, ChiefMap, ChiefShape};
pub use error::{Result, TileError};
pub use layers::{Extras, TileLayer, VectorLayer, vector_layers};
pub use render::{Lang, RenderOptions, render_png};
pub use tile_id::TileId;

/// The lowest zoom served.
pub const MIN_ZOOM: u8 = 0;
/// The highest zoom served: a tile about 10 m across, more than any building needs.
pub const MAX_ZOOM: u8 = 22;

/// Encodes one tile of `layer` as an uncompressed Mapbox Vector Tile 2.1 (extent 4096, buffer 64).
///
/// Layers with no feature in the tile are left out, so a tile with nothing in it is zero bytes
/// long — a valid, empty vector tile. See [`TileLayer::mvt_layers`] for the MVT layers of each
/// tile layer and [`vector_layers`] for their properties and zooms.
///
/// # Examples
///
/// ```
/// use geo::{MultiPolygon, polygon};
/// use wangge_core::{Atlas, Compound, CompoundKind, Dataset, LevelConfig, Management, Tier};
/// use wangge_tiles::{TileId, TileLayer, encode};
///
/// let mut data = Dataset::new(LevelConfig::default());
/// data.compounds.push(Compound {
///     id: 7,
///     code: "530199003001001".into(),
///     name: "翠湖小区".into(),
///     kind: CompoundKind::Commercial,
///     management: Management::Full,
///     tier: Tier::Yellow,
///     stars: Some(4),
///     source_id: None,
///     geometry: MultiPolygon(vec![polygon![
///         (x: 102.700, y: 25.040), (x: 102.702, y: 25.040),
///         (x: 102.702, y: 25.042), (x: 102.700, y: 25.042),
///     ]]),
/// });
/// let atlas = Atlas::new(data);
/// let extent = atlas.extent().expect("one compound");
/// let tile = TileId::covering(extent, 15).next().expect("a tile");
/// let bytes = encode(&atlas, TileLayer::Compounds, tile);
/// assert!(bytes.windows(6).any(|w| w == b"yellow"));
///
/// // Far away there is nothing.
/// let empty = encode(&atlas, TileLayer::All, TileId::new(15, 0, 0)?);
/// assert!(empty.is_empty());
/// # Ok::<(), wangge_tiles::TileError>(())
/// ```
pub fn encode(atlas: &Atlas, layer: TileLayer, tile: TileId) -> Vec<u8> {
    encode_with(atlas, Extras::default(), layer, tile)
}

/// Encodes one tile like [`encode`], drawing the `chiefs` and `patrol` layers from `extras`: the
/// chiefs' areas and, for `patrol`, the one chief the tile is for. Without them those layers are
/// empty; the other layers do not look at `extras`.
///
/// # Examples
///
/// ```
/// use geo::BoundingRect;
/// use wangge_core::{Assignment, Atlas, ChiefLevel, DutyKind};
/// use wangge_tiles::{ChiefMap, Extras, TileId, TileLayer, encode_with};
///
/// let mut data = wangge_demo::generate(&wangge_demo::DemoSettings::builtin());
/// let (chief, building) = (data.chiefs[0].id, data.buildings[0].id);
/// data.duties.push(Assignment {
///     kind: DutyKind::Building,
///     target: building,
///     level: wangge_core::chief_level(&data.chiefs[0]),
///     chief,
///     fixed: false,
/// });
/// let bounds = data.buildings[0].geometry.bounding_rect().expect("an outline");
/// let atlas = Atlas::new(data);
/// let tile = TileId::covering(bounds, 16).next().expect("a tile");
/// let map = ChiefMap::default();
/// let mine = Extras { chiefs: Some(&map), patrol: Some(chief) };
/// let bytes = encode_with(&atlas, mine, TileLayer::Patrol, tile);
/// assert!(bytes.windows(16).any(|w| w == b"patrol_buildings"));
/// // Without a chief, a patrol tile is empty.
/// assert!(encode_with(&atlas, Extras::default(), TileLayer::Patrol, tile).is_empty());
/// ```
pub fn encode_with(atlas: &Atlas, extras: Extras<'_>, layer: TileLayer, tile: TileId) -> Vec<u8> {
    let mut writer = layers::TileWriter::new(atlas, extras, tile);
    for &mvt_layer in layer.contents() {
        // The encoder fails only for an empty layer name, a ring or line without points, or more
        // than 2^32 distinct keys or values in one layer: the names are constants, the shaper
        // never hands on an empty ring or line, and no tile comes near 2^32 of anything.
        writer
            .write(mvt_layer)
            .expect("layer names are constants and shaped geometry is never empty");
    }
    writer.finish()
}
