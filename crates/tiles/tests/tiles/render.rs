//! The static map: it decodes as a PNG of the width asked for, its height follows the area's
//! shape, the map shows compounds in each of the three tier colours, and text, language and
//! attribution change what is drawn when a font is given.

use geo::{Rect, coord};
use tiny_skia::Pixmap;
use wangge_core::{Atlas, Dataset, LevelConfig, Tier};
use wangge_tiles::{Lang, RenderOptions, TileError, render_png};

use crate::demo;

/// Debian's `fonts-noto-cjk`, where installed.
const NOTO_CJK: &str = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc";

fn decode(png: &[u8]) -> Pixmap {
    Pixmap::decode_png(png).expect("render_png returns a PNG")
}

fn hex(tier: Tier) -> [u8; 3] {
    let h = tier.colour().trim_start_matches('#');
    let c = |i: usize| u8::from_str_radix(&h[i..i + 2], 16).expect("hex colour");
    [c(0), c(2), c(4)]
}

/// Pixels of exactly `colour` (±2 per channel) in rows `rows` of the picture.
fn count(pixmap: &Pixmap, colour: [u8; 3], rows: std::ops::Range<u32>) -> usize {
    let w = pixmap.width();
    rows.flat_map(|y| (0..w).map(move |x| (x, y)))
        .filter_map(|(x, y)| pixmap.pixel(x, y))
        .filter(|p| {
            let c = p.demultiply();
            [c.red(), c.green(), c.blue()]
                .iter()
                .zip(colour)
                .all(|(&a, b)| a.abs_diff(b) <= 2)
        })
        .count()
}

#[test]
fn the_map_has_the_width_asked_for_and_every_tier_colour() {
    let options = RenderOptions {
        width: 900,
        ..RenderOptions::default()
    };
    let pixmap = decode(&render_png(demo(), None, "翠华街道", &options).expect("renders"));
    assert_eq!(pixmap.width(), 900);
    assert!(pixmap.height() > 300);
    // The upper 60 % of the picture holds map, not legend (which sits at the bottom left), so
    // these pixels are the compounds themselves.
    let rows = 0..pixmap.height() * 6 / 10;
    for tier in [Tier::Green, Tier::Yellow, Tier::Red] {
        let n = count(&pixmap, hex(tier), rows.clone());
        assert!(n > 200, "{tier}: only {n} pixels of {}", tier.colour());
    }
}

#[test]
fn height_follows_the_area() {
    let options = RenderOptions {
        width: 600,
        ..RenderOptions::default()
    };
    let c = coord! { x: 102.705, y: 25.043 };
    let wide = Rect::new(
        coord! { x: c.x - 0.02, y: c.y - 0.005 },
        coord! { x: c.x + 0.02, y: c.y + 0.005 },
    );
    let tall = Rect::new(
        coord! { x: c.x - 0.005, y: c.y - 0.02 },
        coord! { x: c.x + 0.005, y: c.y + 0.02 },
    );
    let wide = decode(&render_png(demo(), Some(wide), "", &options).expect("wide"));
    let tall = decode(&render_png(demo(), Some(tall), "", &options).expect("tall"));
    assert_eq!((wide.width(), tall.width()), (600, 600));
    // 4:1 and 1:4 in Web Mercator: the tall map's frame is sixteen times the wide one's height.
    assert!(wide.height() < 300, "{}", wide.height());
    assert!(tall.height() > 1800, "{}", tall.height());
}

#[test]
fn bad_input_is_refused_with_a_reason() {
    let empty = Atlas::new(Dataset::new(LevelConfig::default()));
    let e = render_png(&empty, None, "", &RenderOptions::default()).expect_err("nothing to draw");
    assert!(matches!(e, TileError::EmptyArea { .. }), "{e}");

    let narrow = RenderOptions {
        width: 20,
        ..RenderOptions::default()
    };
    let e = render_png(demo(), None, "", &narrow).expect_err("too narrow");
    assert!(e.to_string().contains("20"), "{e}");

    let not_a_font = RenderOptions {
        font: Some(std::sync::Arc::new(b"not a font".to_vec())),
        ..RenderOptions::default()
    };
    let e = render_png(demo(), None, "", &not_a_font).expect_err("bad font");
    assert!(matches!(e, TileError::Font { size: 10, .. }), "{e}");
}

#[test]
fn text_follows_the_font_language_and_attribution() {
    // The project's test set-up installs fonts-noto-cjk; without it this test must fail, not pass
    // unchecked.
    let font = std::fs::read(NOTO_CJK).unwrap_or_else(|e| {
        panic!("{NOTO_CJK}: {e} (apt-get install fonts-noto-cjk; tests/setup.sh does)")
    });
    let base = RenderOptions {
        width: 800,
        font: Some(std::sync::Arc::new(font)),
        ..RenderOptions::default()
    };
    let render = |options: &RenderOptions, title: &str| {
        decode(&render_png(demo(), None, title, options).expect("renders"))
    };
    let plain = render(
        &RenderOptions {
            font: None,
            ..base.clone()
        },
        "翠华街道",
    );
    let zh = render(&base, "翠华街道");
    let en = render(
        &RenderOptions {
            lang: Lang::En,
            ..base.clone()
        },
        "翠华街道",
    );
    let credited = render(
        &RenderOptions {
            attribution: Some("© OpenStreetMap contributors".into()),
            ..base.clone()
        },
        "翠华街道",
    );
    let h = zh.height();
    let differs = |a: &Pixmap, b: &Pixmap, rows: std::ops::Range<u32>| {
        rows.flat_map(|y| (0..a.width()).map(move |x| (x, y)))
            .filter(|&(x, y)| a.pixel(x, y) != b.pixel(x, y))
            .count()
    };
    // The title band: empty without a font, lettered with one.
    assert!(differs(&plain, &zh, 0..20) > 50, "no title was drawn");
    // The legend's words at the bottom left differ between the languages.
    assert!(
        differs(&zh, &en, h / 2..h) > 200,
        "the language changed nothing"
    );
    // The attribution sits in the band below the map.
    assert!(
        differs(&zh, &credited, h - 20..h) > 50,
        "no attribution was drawn"
    );
    assert_eq!(
        differs(&zh, &credited, 0..h - 30),
        0,
        "the attribution moved the map"
    );
}
