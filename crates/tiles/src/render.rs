//! Static maps: a PNG of an area that a leader can print — compounds in their tier colours,
//! buildings, streets by class, zone boundaries by level, with a title, a legend with counts, a
//! scale bar, a north arrow and the caller's attribution.
//!
//! Drawing uses tiny-skia; text uses ab_glyph with font bytes the caller supplies (the server
//! reads them from disk, so that an offline intranet needs no font service). Without a font the
//! map is drawn with all its symbols and no text.

use std::fmt;

use ab_glyph::{Font, FontRef, PxScale, ScaleFont, point};
use geo::{BoundingRect, Coord, LineString, MultiPolygon, Rect, coord};
use tiny_skia::{
    Color, FillRule, LineCap, LineJoin, Paint, Path, PathBuilder, Pixmap, PixmapPaint, Stroke,
    StrokeDash, Transform,
};
use wangge_core::{Atlas, Layer, StreetClass, Tier};

use crate::label::Labeller;
use crate::project::{EARTH_CIRCUMFERENCE_M, world_x, world_y};
use crate::{Result, TileError};

/// The language of the map's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    /// Chinese, the default.
    #[default]
    Zh,
    /// English.
    En,
}

/// How to draw a static map.
#[derive(Clone, PartialEq, Eq)]
pub struct RenderOptions {
    /// Image width in pixels, 200 to 8192; the height follows the area's shape.
    pub width: u32,
    /// TrueType / OpenType font bytes (a collection such as `NotoSansCJK-Regular.ttc` is read at
    /// face 0) for the title, legend and labels; `None` draws the symbols without text.
    pub font: Option<std::sync::Arc<Vec<u8>>>,
    /// The language of the legend and scale.
    pub lang: Lang,
    /// A credit drawn at the bottom right, such as `© OpenStreetMap contributors`; the caller
    /// knows which data needs one.
    pub attribution: Option<String>,
}

impl Default for RenderOptions {
    fn default() -> Self {
        Self {
            width: 1600,
            font: None,
            lang: Lang::Zh,
            attribution: None,
        }
    }
}

impl fmt::Debug for RenderOptions {
    // A CJK font is tens of megabytes; its length says enough.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RenderOptions")
            .field("width", &self.width)
            .field(
                "font",
                &self.font.as_ref().map(|b| format!("{} bytes", b.len())),
            )
            .field("lang", &self.lang)
            .field("attribution", &self.attribution)
            .finish()
    }
}

/// The narrowest image drawn.
pub const MIN_WIDTH: u32 = 200;
/// The widest (and tallest) image drawn.
pub const MAX_SIZE: u32 = 8192;

/// Draws a map of `area` (longitude/latitude; `None` for everything in the atlas) titled `title`,
/// and returns it as PNG bytes.
///
/// With no area, the map shows the compounds, buildings, streets and zones from the community
/// level down (or, when there are none, the zones above), so that a district boundary around one
/// sub-district's data does not push the sub-district into a corner.
///
/// The picture has `options.width` pixels across; its height follows the area's aspect ratio in
/// Web Mercator, plus a band for the title and one for the attribution.
///
/// # Examples
///
/// ```
/// use wangge_core::Atlas;
/// use wangge_demo::{DemoSettings, generate};
/// use wangge_tiles::{RenderOptions, render_png};
///
/// let atlas = Atlas::new(generate(&DemoSettings::builtin()));
/// let options = RenderOptions { width: 400, ..RenderOptions::default() };
/// let png = render_png(&atlas, None, "翠华街道", &options)?;
/// assert_eq!(&png[1..4], b"PNG");
/// # Ok::<(), wangge_tiles::TileError>(())
/// ```
pub fn render_png(
    atlas: &Atlas,
    area: Option<Rect<f64>>,
    title: &str,
    options: &RenderOptions,
) -> Result<Vec<u8>> {
    let area = match area {
        Some(area) => area,
        None => content_extent(atlas).ok_or_else(|| TileError::EmptyArea {
            what: "an empty atlas: there is no data and no area was given".into(),
        })?,
    };
    let font = match &options.font {
        Some(bytes) => {
            Some(
                FontRef::try_from_slice_and_index(bytes, 0).map_err(|e| TileError::Font {
                    size: bytes.len(),
                    reason: e.to_string(),
                })?,
            )
        }
        None => None,
    };
    let layout = Layout::new(area, options.width)?;
    let too_big = || TileError::TooTall {
        width: layout.width,
        height: layout.height,
        max: MAX_SIZE,
    };
    let mut canvas = Pixmap::new(layout.width, layout.height).ok_or_else(too_big)?;
    canvas.fill(Color::WHITE);

    let mut map = Pixmap::new(layout.view.width, layout.view.height).ok_or_else(too_big)?;
    let text = font.as_ref().map(|font| Text {
        font,
        scale: layout.s,
    });
    let counts = draw_map(&mut map, atlas, &layout, text.as_ref());
    canvas.draw_pixmap(
        layout.view.left as i32,
        layout.view.top as i32,
        map.as_ref(),
        &PixmapPaint::default(),
        Transform::identity(),
        None,
    );
    draw_frame(&mut canvas, &layout);
    draw_north_arrow(&mut canvas, &layout, text.as_ref(), options.lang);
    draw_scale_bar(&mut canvas, &layout, text.as_ref(), options.lang);
    draw_legend(
        &mut canvas,
        &layout,
        text.as_ref(),
        options.lang,
        &counts,
        atlas,
    );
    if let Some(text) = &text {
        let s = layout.s;
        if !title.is_empty() {
            text.draw(
                &mut canvas,
                title,
                layout.view.left,
                layout.view.top - 22.0 * s,
                34.0 * s,
                ink(),
                None,
            );
        }
        if let Some(attribution) = options.attribution.as_deref().filter(|a| !a.is_empty()) {
            let size = 15.0 * s;
            let w = text.width(attribution, size);
            text.draw(
                &mut canvas,
                attribution,
                layout.view.right() - w,
                layout.view.bottom() + 22.0 * s,
                size,
                rgb(0x55, 0x55, 0x55),
                None,
            );
        }
    }
    canvas.encode_png().map_err(|e| TileError::Png {
        reason: e.to_string(),
    })
}

/// The box of what a map of "everything" should show: compounds, buildings, streets and the
/// zones from the community level down. Zones above the community level count only when there is
/// nothing else, because a district boundary drawn around one sub-district's data would otherwise
/// shrink the map to a corner of the picture.
fn content_extent(atlas: &Atlas) -> Option<Rect<f64>> {
    let data = atlas.data();
    let levels = &data.levels;
    let community = levels.community_key().and_then(|k| levels.index_of(k).ok());
    let local_zones =
        data.zones
            .iter()
            .filter(|z| match (community, levels.index_of(&z.level).ok()) {
                (Some(c), Some(l)) => l >= c,
                _ => true,
            });
    let boxes = local_zones
        .filter_map(|z| z.geometry.bounding_rect())
        .chain(
            data.compounds
                .iter()
                .filter_map(|c| c.geometry.bounding_rect()),
        )
        .chain(
            data.buildings
                .iter()
                .filter_map(|b| b.geometry.bounding_rect()),
        )
        .chain(
            data.streets
                .iter()
                .filter_map(|s| s.geometry.bounding_rect()),
        );
    let merged = boxes.reduce(|a, b| {
        Rect::new(
            coord! { x: a.min().x.min(b.min().x), y: a.min().y.min(b.min().y) },
            coord! { x: a.max().x.max(b.max().x), y: a.max().y.max(b.max().y) },
        )
    });
    merged.or_else(|| atlas.extent())
}

/// Near-black for text and strokes.
pub(crate) fn ink() -> Color {
    rgb(0x22, 0x22, 0x22)
}

pub(crate) fn rgb(r: u8, g: u8, b: u8) -> Color {
    Color::from_rgba8(r, g, b, 0xff)
}

/// A tier's colour, and the darker one for its outlines.
pub(crate) fn tier_colours(tier: Tier) -> (Color, Color) {
    let hex = tier.colour().trim_start_matches('#');
    let channel = |i: usize| {
        hex.get(i..i + 2)
            .and_then(|h| u8::from_str_radix(h, 16).ok())
            .unwrap_or(0x80)
    };
    let (r, g, b) = (channel(0), channel(2), channel(4));
    let dark = |c: u8| (f32::from(c) * 0.62) as u8;
    (rgb(r, g, b), rgb(dark(r), dark(g), dark(b)))
}

pub(crate) fn tier_label(tier: Tier, lang: Lang) -> &'static str {
    match (tier, lang) {
        (Tier::Green, Lang::Zh) => "绿色·宽管级",
        (Tier::Yellow, Lang::Zh) => "黄色·关注级",
        (Tier::Red, Lang::Zh) => "红色·禁止级",
        (Tier::Green, Lang::En) => "Green · light control",
        (Tier::Yellow, Lang::En) => "Yellow · watch",
        (Tier::Red, Lang::En) => "Red · prohibited",
    }
}

/// A rectangle of the picture in pixels.
#[derive(Debug, Clone, Copy)]
struct Frame {
    left: f32,
    top: f32,
    width: u32,
    height: u32,
}

impl Frame {
    fn right(&self) -> f32 {
        self.left + self.width as f32
    }
    fn bottom(&self) -> f32 {
        self.top + self.height as f32
    }
}

/// Where everything goes: the picture's size, the map's frame inside it, and the projection of
/// longitude/latitude onto the map's own pixels.
#[derive(Debug, Clone, Copy)]
struct Layout {
    width: u32,
    height: u32,
    /// The map frame in the picture.
    view: Frame,
    /// Size factor for strokes and text: 1 at 1600 px wide.
    s: f32,
    /// World coordinates of the map's north-west corner, and map pixels per world unit.
    origin: [f64; 2],
    k: f64,
    /// Ground metres per map pixel at the map's middle latitude.
    metres_per_px: f64,
    /// The area drawn, with its margin, in longitude/latitude.
    query: Rect<f64>,
}

impl Layout {
    fn new(area: Rect<f64>, width: u32) -> Result<Self> {
        let (min, max) = (area.min(), area.max());
        if ![min.x, min.y, max.x, max.y].iter().all(|v| v.is_finite()) {
            return Err(TileError::EmptyArea {
                what: format!("the area {min:?} – {max:?}, which is not finite"),
            });
        }
        if !(MIN_WIDTH..=MAX_SIZE).contains(&width) {
            return Err(TileError::InvalidWidth {
                width,
                min: MIN_WIDTH,
                max: MAX_SIZE,
            });
        }
        // Strokes and text scale with the width, so that a map looks the same at any resolution;
        // small pictures keep text big enough to read.
        let s = (width as f32 / 1600.0).max(0.6);
        let margin = (28.0 * s).round();
        let header = (64.0 * s).round();
        let footer = (34.0 * s).round();
        let map_width = width - 2 * margin as u32;

        // World coordinates of the area, grown to at least ~100 m so that a point still gives a
        // map, then padded by 4 % on each side so that nothing touches the frame.
        let mut w = [world_x(min.x), world_y(max.y)];
        let mut e = [world_x(max.x), world_y(min.y)];
        let least = 100.0 / EARTH_CIRCUMFERENCE_M;
        for axis in 0..2 {
            let grow = ((least - (e[axis] - w[axis])) / 2.0).max(0.0);
            w[axis] -= grow;
            e[axis] += grow;
            let pad = 0.04 * (e[axis] - w[axis]);
            w[axis] -= pad;
            e[axis] += pad;
        }
        let k = f64::from(map_width) / (e[0] - w[0]);
        let map_height = ((e[1] - w[1]) * k).round().max(1.0);
        let height = map_height + f64::from(header) + f64::from(footer);
        if height > f64::from(MAX_SIZE) {
            return Err(TileError::TooTall {
                width,
                height: height.min(f64::from(u32::MAX)) as u32,
                max: MAX_SIZE,
            });
        }
        let map_height = map_height as u32;
        let lat = crate::project::lat_of(0.5 * (w[1] + e[1]));
        let metres_per_px = EARTH_CIRCUMFERENCE_M * lat.to_radians().cos() / k;
        let query = Rect::new(
            coord! { x: crate::project::lon_of(w[0]), y: crate::project::lat_of(e[1]) },
            coord! { x: crate::project::lon_of(e[0]), y: crate::project::lat_of(w[1]) },
        );
        Ok(Self {
            width,
            height: height as u32,
            view: Frame {
                left: margin,
                top: header,
                width: map_width,
                height: map_height,
            },
            s,
            origin: w,
            k,
            metres_per_px,
            query,
        })
    }

    /// The map pixel of a longitude/latitude.
    #[inline]
    fn px(&self, c: Coord<f64>) -> (f32, f32) {
        (
            ((world_x(c.x) - self.origin[0]) * self.k) as f32,
            ((world_y(c.y) - self.origin[1]) * self.k) as f32,
        )
    }

    fn polygon(&self, geometry: &MultiPolygon<f64>) -> Option<Path> {
        let mut pb = PathBuilder::new();
        for polygon in &geometry.0 {
            for ring in std::iter::once(polygon.exterior()).chain(polygon.interiors()) {
                self.trace(&mut pb, ring);
                pb.close();
            }
        }
        pb.finish()
    }

    fn line(&self, line: &LineString<f64>) -> Option<Path> {
        let mut pb = PathBuilder::new();
        self.trace(&mut pb, line);
        pb.finish()
    }

    fn trace(&self, pb: &mut PathBuilder, line: &LineString<f64>) {
        for (i, &c) in line.0.iter().enumerate() {
            let (x, y) = self.px(c);
            if i == 0 {
                pb.move_to(x, y);
            } else {
                pb.line_to(x, y);
            }
        }
    }

    /// A stroke width in pixels for a width on the ground, never thinner than `least` pixels.
    fn ground(&self, metres: f64, least: f32) -> f32 {
        ((metres / self.metres_per_px) as f32).max(least * self.s)
    }
}

pub(crate) fn paint(color: Color) -> Paint<'static> {
    let mut p = Paint::default();
    p.set_color(color);
    p.anti_alias = true;
    p
}

fn stroke(width: f32) -> Stroke {
    Stroke {
        width,
        line_cap: LineCap::Round,
        line_join: LineJoin::Round,
        ..Stroke::default()
    }
}

fn with_alpha(mut c: Color, alpha: f32) -> Color {
    c.set_alpha(alpha);
    c
}

/// How many compounds of each tier the map shows (green, yellow, red).
type TierCounts = [usize; 3];

fn tier_slot(tier: Tier) -> usize {
    match tier {
        Tier::Green => 0,
        Tier::Yellow => 1,
        Tier::Red => 2,
    }
}

/// Draws the map itself into its own pixmap, which clips everything to the frame. Returns the
/// tier counts of the compounds whose label point is inside the area.
fn draw_map(map: &mut Pixmap, atlas: &Atlas, layout: &Layout, text: Option<&Text>) -> TierCounts {
    let data = atlas.data();
    let s = layout.s;
    let id = Transform::identity();
    map.fill(rgb(0xe6, 0xe8, 0xea));

    // The jurisdiction: community-level zones (or the deepest level present) as paper.
    let zones = atlas.in_box(Layer::Zones, layout.query);
    let levels = &data.levels;
    let level_of = |key: &str| levels.index_of(key).ok();
    let community = levels.community_key().and_then(|k| levels.index_of(k).ok());
    let paper_level = community.or_else(|| {
        zones
            .iter()
            .filter_map(|&i| level_of(&data.zones[i].level))
            .max()
    });
    for &i in &zones {
        let zone = &data.zones[i];
        if level_of(&zone.level) == paper_level
            && let Some(path) = layout.polygon(&zone.geometry)
        {
            map.fill_path(
                &path,
                &paint(rgb(0xf2, 0xef, 0xe9)),
                FillRule::EvenOdd,
                id,
                None,
            );
        }
    }

    // Streets: a grey casing under a light fill, widths true to the ground where that is wider
    // than the least legible width. Footways are thin dashes.
    let streets = atlas.in_box(Layer::Streets, layout.query);
    let style = |class: StreetClass| -> (f64, f32, Color) {
        match class {
            StreetClass::Arterial => (26.0, 3.2, rgb(0xff, 0xe3, 0x9a)),
            StreetClass::Collector => (18.0, 2.4, rgb(0xff, 0xff, 0xff)),
            StreetClass::Local => (11.0, 1.6, rgb(0xff, 0xff, 0xff)),
            StreetClass::Lane => (6.0, 1.0, rgb(0xff, 0xff, 0xff)),
            StreetClass::Footway => (3.0, 0.8, rgb(0xb0, 0xa8, 0x98)),
        }
    };
    let order = [
        StreetClass::Footway,
        StreetClass::Lane,
        StreetClass::Local,
        StreetClass::Collector,
        StreetClass::Arterial,
    ];
    for casing in [true, false] {
        for class in order {
            let (metres, least, fill) = style(class);
            let width = layout.ground(metres, least);
            for &i in &streets {
                let street = &data.streets[i];
                if street.class != class {
                    continue;
                }
                let Some(path) = layout.line(&street.geometry) else {
                    continue;
                };
                if class == StreetClass::Footway {
                    if !casing {
                        let mut st = stroke(width.min(2.0 * s));
                        st.line_cap = LineCap::Butt;
                        st.dash = StrokeDash::new(vec![4.0 * s, 3.0 * s], 0.0);
                        map.stroke_path(&path, &paint(fill), &st, id, None);
                    }
                } else if casing {
                    map.stroke_path(
                        &path,
                        &paint(rgb(0xb4, 0xb0, 0xa8)),
                        &stroke(width + 1.6 * s),
                        id,
                        None,
                    );
                } else {
                    map.stroke_path(&path, &paint(fill), &stroke(width), id, None);
                }
            }
        }
    }

    // Compounds in their tier colours, solid as on the printed boards; red last, so that the
    // compounds that matter most are never hidden under others.
    let mut counts: TierCounts = [0; 3];
    let mut labeller = Labeller::default();
    let mut compounds = atlas.in_box(Layer::Compounds, layout.query);
    compounds.sort_by_key(|&i| data.compounds[i].tier);
    let mut outlines = Vec::with_capacity(compounds.len());
    for &i in &compounds {
        let compound = &data.compounds[i];
        let Some(path) = layout.polygon(&compound.geometry) else {
            continue;
        };
        let (colour, dark) = tier_colours(compound.tier);
        map.fill_path(&path, &paint(colour), FillRule::EvenOdd, id, None);
        outlines.push((path, dark));
        if labeller
            .point(&compound.geometry)
            .is_some_and(|p| contains(layout, p))
        {
            counts[tier_slot(compound.tier)] += 1;
        }
    }

    // Buildings: inside a compound a darker shade of its colour, elsewhere light grey. Below
    // about 8 m a pixel they would be specks, and the compounds say it all.
    if layout.metres_per_px < 8.0 {
        let loose = paint(rgb(0xd4, 0xd0, 0xc8));
        let loose_edge = paint(rgb(0xa9, 0xa4, 0x9a));
        let shade = paint(Color::from_rgba8(0, 0, 0, 0x38));
        let shade_edge = paint(Color::from_rgba8(0, 0, 0, 0x50));
        for i in atlas.in_box(Layer::Buildings, layout.query) {
            let building = &data.buildings[i];
            let Some(path) = layout.polygon(&building.geometry) else {
                continue;
            };
            let (fill, edge) = if building.compound.is_some() {
                (&shade, &shade_edge)
            } else {
                (&loose, &loose_edge)
            };
            map.fill_path(&path, fill, FillRule::EvenOdd, id, None);
            map.stroke_path(&path, edge, &stroke(0.6 * s), id, None);
        }
    }
    for (path, dark) in &outlines {
        map.stroke_path(path, &paint(*dark), &stroke(1.3 * s), id, None);
    }

    // Zone boundaries, lower levels first so that the heavier lines of higher levels lie on top.
    let mut by_level: Vec<(usize, usize)> = zones
        .iter()
        .filter_map(|&i| level_of(&data.zones[i].level).map(|l| (l, i)))
        .collect();
    by_level.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let community = community.unwrap_or(usize::MAX);
    for &(level, i) in &by_level {
        let Some(path) = layout.polygon(&data.zones[i].geometry) else {
            continue;
        };
        let (width, colour, dash) = boundary_style(level, community, s);
        if level <= community {
            // A white halo keeps the boundary legible over coloured compounds.
            map.stroke_path(
                &path,
                &paint(with_alpha(Color::WHITE, 0.8)),
                &stroke(width + 3.0 * s),
                id,
                None,
            );
        }
        let mut st = stroke(width);
        st.dash = dash;
        map.stroke_path(&path, &paint(colour), &st, id, None);
    }

    // Community names, where a font is given.
    if let Some(text) = text {
        for &(level, i) in &by_level {
            if level != community {
                continue;
            }
            let zone = &data.zones[i];
            let Some(at) = labeller.point(&zone.geometry) else {
                continue;
            };
            let (x, y) = layout.px(at);
            let size = 22.0 * s;
            let w = text.width(&zone.name, size);
            text.draw(
                map,
                &zone.name,
                x - w / 2.0,
                y + size / 3.0,
                size,
                rgb(0x3b, 0x2f, 0x63),
                Some(Color::WHITE),
            );
        }
    }
    counts
}

/// Whether a longitude/latitude lies inside the drawn area.
fn contains(layout: &Layout, c: Coord<f64>) -> bool {
    let (min, max) = (layout.query.min(), layout.query.max());
    c.x >= min.x && c.x <= max.x && c.y >= min.y && c.y <= max.y
}

/// Width, colour and dash of a zone boundary: heavy and solid above the community level, dashed
/// at it, thin below it.
fn boundary_style(level: usize, community: usize, s: f32) -> (f32, Color, Option<StrokeDash>) {
    if level < community {
        (4.0 * s, rgb(0x3b, 0x2f, 0x63), None)
    } else if level == community {
        (
            2.4 * s,
            rgb(0x5b, 0x4a, 0x8f),
            StrokeDash::new(vec![10.0 * s, 5.0 * s], 0.0),
        )
    } else {
        let depth = (level - community).min(4) as f32;
        (
            (1.6 - 0.3 * depth).max(0.6) * s,
            rgb(0x7d, 0x72, 0xa8),
            None,
        )
    }
}

fn draw_frame(canvas: &mut Pixmap, layout: &Layout) {
    let v = layout.view;
    if let Some(rect) = tiny_skia::Rect::from_xywh(v.left, v.top, v.width as f32, v.height as f32) {
        let path = PathBuilder::from_rect(rect);
        canvas.stroke_path(
            &path,
            &paint(rgb(0x70, 0x70, 0x70)),
            &Stroke {
                width: 1.0,
                ..Stroke::default()
            },
            Transform::identity(),
            None,
        );
    }
}

/// A white panel with a thin border, for the legend and the scale bar.
fn panel(canvas: &mut Pixmap, x: f32, y: f32, w: f32, h: f32, s: f32) {
    if let Some(rect) = tiny_skia::Rect::from_xywh(x, y, w, h) {
        let path = PathBuilder::from_rect(rect);
        let id = Transform::identity();
        canvas.fill_path(
            &path,
            &paint(with_alpha(Color::WHITE, 0.92)),
            FillRule::Winding,
            id,
            None,
        );
        canvas.stroke_path(
            &path,
            &paint(rgb(0x9a, 0x9a, 0x9a)),
            &stroke(1.0 * s),
            id,
            None,
        );
    }
}

fn draw_legend(
    canvas: &mut Pixmap,
    layout: &Layout,
    text: Option<&Text>,
    lang: Lang,
    counts: &TierCounts,
    atlas: &Atlas,
) {
    let s = layout.s;
    let id = Transform::identity();
    let row = 34.0 * s;
    let pad = 14.0 * s;
    let swatch = 26.0 * s;
    let size = 19.0 * s;
    let tiers = [Tier::Green, Tier::Yellow, Tier::Red];
    let levels = &atlas.data().levels;
    let community = levels.community_key().and_then(|k| levels.index_of(k).ok());
    // The boundary rows: the levels down to the community level (at most three).
    let boundary_rows: Vec<(usize, String)> = match community {
        Some(c) => levels
            .levels
            .iter()
            .enumerate()
            .take(c + 1)
            .skip((c + 1).saturating_sub(2))
            .map(|(i, l)| {
                let name = match lang {
                    Lang::Zh => format!("{}界", l.name_zh),
                    Lang::En => {
                        let mut name = l.name_en.clone();
                        if let Some(first) = name.get(..1) {
                            name.replace_range(..1, &first.to_uppercase());
                        }
                        format!("{name} boundary")
                    }
                };
                (i, name)
            })
            .collect(),
        None => Vec::new(),
    };
    let heading = match lang {
        Lang::Zh => "小区分色管理",
        Lang::En => "Compound tiers",
    };
    let total_label = match lang {
        Lang::Zh => "合计",
        Lang::En => "Total",
    };
    let (width, rows) = match text {
        Some(text) => {
            let label_w = tiers
                .iter()
                .map(|&t| text.width(tier_label(t, lang), size))
                .chain(boundary_rows.iter().map(|(_, n)| text.width(n, size)))
                .chain([text.width(heading, size * 1.1)])
                .fold(0.0f32, f32::max);
            let count_w = text.width("00000", size);
            (
                pad * 2.0 + swatch + 12.0 * s + label_w + 16.0 * s + count_w,
                // Heading, three tiers, total, boundaries.
                2 + tiers.len() + boundary_rows.len(),
            )
        }
        None => (pad * 2.0 + swatch, tiers.len() + boundary_rows.len()),
    };
    let height = pad * 2.0 + row * rows as f32;
    let x = layout.view.left + 14.0 * s;
    let y = layout.view.bottom() - 14.0 * s - height;
    panel(canvas, x, y, width, height, s);

    let mut cy = y + pad;
    if let Some(text) = text {
        text.draw(
            canvas,
            heading,
            x + pad,
            cy + row * 0.68,
            size * 1.1,
            ink(),
            None,
        );
        cy += row;
    }
    let count_right = x + width - pad;
    for tier in tiers {
        let (colour, dark) = tier_colours(tier);
        if let Some(rect) =
            tiny_skia::Rect::from_xywh(x + pad, cy + (row - swatch) / 2.0, swatch, swatch)
        {
            let path = PathBuilder::from_rect(rect);
            canvas.fill_path(&path, &paint(colour), FillRule::Winding, id, None);
            canvas.stroke_path(&path, &paint(dark), &stroke(1.5 * s), id, None);
        }
        if let Some(text) = text {
            let baseline = cy + row * 0.68;
            text.draw(
                canvas,
                tier_label(tier, lang),
                x + pad + swatch + 12.0 * s,
                baseline,
                size,
                ink(),
                None,
            );
            let n = counts[tier_slot(tier)].to_string();
            let w = text.width(&n, size);
            text.draw(canvas, &n, count_right - w, baseline, size, ink(), None);
        }
        cy += row;
    }
    if let Some(text) = text {
        let baseline = cy + row * 0.68;
        text.draw(
            canvas,
            total_label,
            x + pad + swatch + 12.0 * s,
            baseline,
            size,
            ink(),
            None,
        );
        let n = counts.iter().sum::<usize>().to_string();
        let w = text.width(&n, size);
        text.draw(canvas, &n, count_right - w, baseline, size, ink(), None);
        cy += row;
    }
    for (level, name) in &boundary_rows {
        let (width, colour, dash) = boundary_style(*level, community.unwrap_or(usize::MAX), s);
        let mid = cy + row / 2.0;
        let mut pb = PathBuilder::new();
        pb.move_to(x + pad, mid);
        pb.line_to(x + pad + swatch, mid);
        if let Some(path) = pb.finish() {
            let mut st = stroke(width);
            st.line_cap = LineCap::Butt;
            st.dash = dash.and_then(|_| StrokeDash::new(vec![7.0 * s, 4.0 * s], 0.0));
            canvas.stroke_path(&path, &paint(colour), &st, id, None);
        }
        if let Some(text) = text {
            text.draw(
                canvas,
                name,
                x + pad + swatch + 12.0 * s,
                cy + row * 0.68,
                size,
                ink(),
                None,
            );
        }
        cy += row;
    }
}

/// The longest round length (1, 2 or 5 × 10ⁿ metres) no longer than `max` metres.
fn nice_length(max: f64) -> f64 {
    let magnitude = 10f64.powf(max.log10().floor());
    [5.0, 2.0, 1.0]
        .into_iter()
        .map(|f| f * magnitude)
        .find(|&l| l <= max)
        .unwrap_or(magnitude)
}

fn distance_label(metres: f64, lang: Lang) -> String {
    match (metres >= 1000.0, lang) {
        (true, Lang::Zh) => format!("{} 公里", metres / 1000.0),
        (true, Lang::En) => format!("{} km", metres / 1000.0),
        (false, Lang::Zh) => format!("{metres} 米"),
        (false, Lang::En) => format!("{metres} m"),
    }
}

fn draw_scale_bar(canvas: &mut Pixmap, layout: &Layout, text: Option<&Text>, lang: Lang) {
    let s = layout.s;
    let id = Transform::identity();
    let length_m = nice_length(0.22 * f64::from(layout.view.width) * layout.metres_per_px);
    let length_px = (length_m / layout.metres_per_px) as f32;
    let pad = 12.0 * s;
    let size = 17.0 * s;
    let bar = 8.0 * s;
    let label_h = if text.is_some() { size + 6.0 * s } else { 0.0 };
    let w = length_px + 2.0 * pad + 20.0 * s;
    let h = bar + label_h + 2.0 * pad;
    let x = layout.view.right() - 14.0 * s - w;
    let y = layout.view.bottom() - 14.0 * s - h;
    panel(canvas, x, y, w, h, s);
    let bx = x + pad + 10.0 * s;
    let by = y + pad + label_h;
    // Two halves, black and white, as on survey maps.
    for half in 0..2 {
        let hx = bx + half as f32 * length_px / 2.0;
        if let Some(rect) = tiny_skia::Rect::from_xywh(hx, by, length_px / 2.0, bar) {
            let path = PathBuilder::from_rect(rect);
            let fill = if half == 0 { ink() } else { Color::WHITE };
            canvas.fill_path(&path, &paint(fill), FillRule::Winding, id, None);
            canvas.stroke_path(&path, &paint(ink()), &stroke(1.0 * s), id, None);
        }
    }
    if let Some(text) = text {
        let baseline = by - 5.0 * s;
        let zero_w = text.width("0", size);
        text.draw(canvas, "0", bx - zero_w / 2.0, baseline, size, ink(), None);
        let label = distance_label(length_m, lang);
        let lw = text.width(&label, size);
        text.draw(
            canvas,
            &label,
            (bx + length_px - lw / 2.0).min(x + w - lw - 4.0 * s),
            baseline,
            size,
            ink(),
            None,
        );
    }
}

fn draw_north_arrow(canvas: &mut Pixmap, layout: &Layout, text: Option<&Text>, lang: Lang) {
    let s = layout.s;
    let cx = layout.view.right() - 36.0 * s;
    let top = layout.view.top + 18.0 * s;
    let h = 36.0 * s;
    let id = Transform::identity();
    let size = 18.0 * s;
    let arrow_top = if text.is_some() {
        top + size + 4.0 * s
    } else {
        top
    };
    let mut left = PathBuilder::new();
    left.move_to(cx, arrow_top);
    left.line_to(cx - 11.0 * s, arrow_top + h);
    left.line_to(cx, arrow_top + h * 0.72);
    left.close();
    let mut right = PathBuilder::new();
    right.move_to(cx, arrow_top);
    right.line_to(cx + 11.0 * s, arrow_top + h);
    right.line_to(cx, arrow_top + h * 0.72);
    right.close();
    if let (Some(l), Some(r)) = (left.finish(), right.finish()) {
        canvas.fill_path(&l, &paint(ink()), FillRule::Winding, id, None);
        canvas.fill_path(&r, &paint(Color::WHITE), FillRule::Winding, id, None);
        canvas.stroke_path(&r, &paint(ink()), &stroke(1.2 * s), id, None);
        canvas.stroke_path(&l, &paint(ink()), &stroke(1.2 * s), id, None);
    }
    if let Some(text) = text {
        let n = match lang {
            Lang::Zh => "北",
            Lang::En => "N",
        };
        let w = text.width(n, size);
        text.draw(
            canvas,
            n,
            cx - w / 2.0,
            top + size * 0.85,
            size,
            ink(),
            Some(Color::WHITE),
        );
    }
}

/// Text set in one font, scaled with the picture.
pub(crate) struct Text<'f> {
    pub(crate) font: &'f FontRef<'f>,
    /// The picture's size factor, for the halo's width.
    pub(crate) scale: f32,
}

impl Text<'_> {
    /// The advance width of `text` at `size` pixels.
    pub(crate) fn width(&self, text: &str, size: f32) -> f32 {
        let font = self.font.as_scaled(PxScale::from(size));
        let mut w = 0.0;
        let mut prev = None;
        for c in text.chars() {
            let g = font.glyph_id(c);
            if let Some(p) = prev {
                w += font.kern(p, g);
            }
            w += font.h_advance(g);
            prev = Some(g);
        }
        w
    }

    /// Draws `text` with its baseline starting at (`x`, `y`), with a halo of `halo` around the
    /// letters where given.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn draw(
        &self,
        pixmap: &mut Pixmap,
        text: &str,
        x: f32,
        y: f32,
        size: f32,
        colour: Color,
        halo: Option<Color>,
    ) {
        if let Some(halo) = halo {
            let r = (2.0 * self.scale).max(1.0);
            for (dx, dy) in [
                (-r, 0.0),
                (r, 0.0),
                (0.0, -r),
                (0.0, r),
                (-0.7 * r, -0.7 * r),
                (0.7 * r, -0.7 * r),
                (-0.7 * r, 0.7 * r),
                (0.7 * r, 0.7 * r),
            ] {
                self.glyphs(pixmap, text, x + dx, y + dy, size, halo);
            }
        }
        self.glyphs(pixmap, text, x, y, size, colour);
    }

    fn glyphs(&self, pixmap: &mut Pixmap, text: &str, x: f32, y: f32, size: f32, colour: Color) {
        let scale = PxScale::from(size);
        let font = self.font.as_scaled(scale);
        let (width, height) = (pixmap.width() as i32, pixmap.height() as i32);
        let stride = pixmap.width() as usize;
        let rgba = colour.to_color_u8();
        let (r, g, b, a) = (
            f32::from(rgba.red()),
            f32::from(rgba.green()),
            f32::from(rgba.blue()),
            f32::from(rgba.alpha()) / 255.0,
        );
        let data = pixmap.data_mut();
        let mut pen = x;
        let mut prev = None;
        for c in text.chars() {
            let id = font.glyph_id(c);
            if let Some(p) = prev {
                pen += font.kern(p, id);
            }
            let glyph = id.with_scale_and_position(scale, point(pen, y));
            pen += font.h_advance(id);
            prev = Some(id);
            let Some(outlined) = self.font.outline_glyph(glyph) else {
                continue;
            };
            let bounds = outlined.px_bounds();
            outlined.draw(|gx, gy, coverage| {
                let px = bounds.min.x as i32 + gx as i32;
                let py = bounds.min.y as i32 + gy as i32;
                if px < 0 || py < 0 || px >= width || py >= height {
                    return;
                }
                let alpha = coverage.clamp(0.0, 1.0) * a;
                let at = (py as usize * stride + px as usize) * 4;
                // Source-over onto premultiplied pixels.
                let keep = 1.0 - alpha;
                let blend = |dst: u8, src: f32| (src * alpha + f32::from(dst) * keep) as u8;
                data[at] = blend(data[at], r);
                data[at + 1] = blend(data[at + 1], g);
                data[at + 2] = blend(data[at + 2], b);
                data[at + 3] = blend(data[at + 3], 255.0);
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scale_bars_are_round() {
        assert_eq!(nice_length(730.0), 500.0);
        assert_eq!(nice_length(1999.0), 1000.0);
        assert_eq!(nice_length(2000.0), 2000.0);
        assert_eq!(nice_length(45.0), 20.0);
        assert_eq!(distance_label(2000.0, Lang::Zh), "2 公里");
        assert_eq!(distance_label(500.0, Lang::En), "500 m");
    }

    #[test]
    fn tier_outlines_are_darker() {
        let (fill, dark) = tier_colours(Tier::Red);
        assert_eq!(fill.to_color_u8().red(), 0xd7);
        assert!(dark.to_color_u8().red() < 0xd7);
    }

    #[test]
    fn bad_sizes_and_areas_are_named() {
        let area = Rect::new(coord! { x: 102.7, y: 25.0 }, coord! { x: 102.71, y: 25.01 });
        let message = Layout::new(area, 50).expect_err("too narrow").to_string();
        assert!(message.contains("50"), "{message}");
        let tall = Rect::new(coord! { x: 102.7, y: 0.0 }, coord! { x: 102.71, y: 60.0 });
        let message = Layout::new(tall, 1600).expect_err("too tall").to_string();
        assert!(message.contains("1600 px wide"), "{message}");
        let nan = Rect::new(coord! { x: f64::NAN, y: 0.0 }, coord! { x: 1.0, y: 1.0 });
        assert!(Layout::new(nan, 1600).is_err());
    }
}
