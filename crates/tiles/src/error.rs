//! The one error type of the crate: bad tile coordinates, unknown layer names, and what can go wrong
//! while drawing a static map.

use crate::MAX_ZOOM;

/// What can go wrong when naming a tile or drawing a map. Each message names the value at fault
/// and what would have been accepted, so that a caller can pass it on to a user unchanged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TileError {
    /// The zoom level is above [`MAX_ZOOM`].
    #[error("zoom {z} is out of range; use 0 to {MAX_ZOOM}")]
    InvalidZoom {
        /// The zoom asked for.
        z: u32,
    },
    /// The tile column does not exist at this zoom.
    #[error("tile column x = {x} is out of range at zoom {z}; use 0 to {max}")]
    InvalidColumn {
        /// The zoom.
        z: u8,
        /// The column asked for.
        x: u32,
        /// The largest column at this zoom, 2^z − 1.
        max: u32,
    },
    /// The tile row does not exist at this zoom.
    #[error("tile row y = {y} is out of range at zoom {z}; use 0 to {max}")]
    InvalidRow {
        /// The zoom.
        z: u8,
        /// The row asked for.
        y: u32,
        /// The largest row at this zoom, 2^z − 1.
        max: u32,
    },
    /// A tile layer name that is not one of the known ones.
    #[error("unknown tile layer `{name}`; use compounds, buildings, streets, zones or all")]
    UnknownLayer {
        /// The name as given.
        name: String,
    },
    /// There is nothing to draw: no area was given and the atlas is empty, or the area is empty.
    #[error("cannot draw a map of {what}")]
    EmptyArea {
        /// What was wrong with the area.
        what: String,
    },
    /// The requested image width is out of range.
    #[error("image width {width} px is out of range; use {min} to {max} px")]
    InvalidWidth {
        /// The width asked for.
        width: u32,
        /// The smallest accepted width.
        min: u32,
        /// The largest accepted width.
        max: u32,
    },
    /// The area is so tall for its width that the picture would be too big.
    #[error(
        "a map {width} px wide of this area would be {height} px tall, over {max} px; draw a wider area or a narrower image"
    )]
    TooTall {
        /// The width asked for.
        width: u32,
        /// The height the area's aspect ratio gives at that width.
        height: u32,
        /// The largest accepted height.
        max: u32,
    },
    /// The font bytes could not be read.
    #[error("cannot read the font for the map's text ({size} bytes): {reason}")]
    Font {
        /// Length of the bytes given.
        size: usize,
        /// Why they could not be read.
        reason: String,
    },
    /// The picture could not be encoded as PNG.
    #[error("cannot encode the map as PNG: {reason}")]
    Png {
        /// Why.
        reason: String,
    },
}

/// The crate's result type.
pub type Result<T> = std::result::Result<T, TileError>;
