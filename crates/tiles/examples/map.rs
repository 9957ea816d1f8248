//! Draws the demo sub-district as a printable PNG, to look at what `render_png` makes:
//! `cargo run -p wangge-tiles --example map -- out.png [font.ttc|-] [width] [zh|en] [zoom]`;
//! a zoom above 1 draws only the middle of the sub-district, magnified.

use std::error::Error;

use geo::{BoundingRect, Rect, coord};
use wangge_core::Atlas;
use wangge_demo::{DemoSettings, generate};
use wangge_tiles::{Lang, RenderOptions, render_png};

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let out = args.next().unwrap_or_else(|| "map.png".into());
    let font = match args.next().as_deref() {
        None => Some("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc".to_string()),
        Some("-") => None,
        Some(path) => Some(path.to_string()),
    };
    let width: u32 = args.next().map(|w| w.parse()).transpose()?.unwrap_or(1600);
    let lang = match args.next().as_deref() {
        Some("en") => Lang::En,
        _ => Lang::Zh,
    };
    let zoom: f64 = args.next().map(|z| z.parse()).transpose()?.unwrap_or(1.0);

    let atlas = Atlas::new(generate(&DemoSettings::builtin()));
    let compounds = atlas
        .data()
        .compounds
        .iter()
        .filter_map(|c| c.geometry.bounding_rect());
    let extent = compounds
        .reduce(|a, b| {
            Rect::new(
                coord! { x: a.min().x.min(b.min().x), y: a.min().y.min(b.min().y) },
                coord! { x: a.max().x.max(b.max().x), y: a.max().y.max(b.max().y) },
            )
        })
        .ok_or("the demo has no compounds")?;
    let area = (zoom > 1.0).then(|| {
        let c = extent.center();
        let (hw, hh) = (extent.width() / zoom / 2.0, extent.height() / zoom / 2.0);
        Rect::new(
            coord! { x: c.x - hw, y: c.y - hh },
            coord! { x: c.x + hw, y: c.y + hh },
        )
    });
    let options = RenderOptions {
        width,
        font: font
            .map(std::fs::read)
            .transpose()?
            .map(std::sync::Arc::new),
        lang,
        attribution: Some("© OpenStreetMap contributors".into()),
    };
    let title = match lang {
        Lang::Zh => "云华区翠华街道 小区分色管理图",
        Lang::En => "Cuihua sub-district: compound tiers",
    };
    let started = std::time::Instant::now();
    let png = render_png(&atlas, area, title, &options)?;
    eprintln!("{} bytes in {:?}", png.len(), started.elapsed());
    std::fs::write(out, png)?;
    Ok(())
}
