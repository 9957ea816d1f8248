//! Renders the demo sub-district to a PNG, to see that it looks like a city:
//! `cargo run -p wangge-demo --example preview -- out.png [seed] [zoom]`; a zoom above 1
//! magnifies the middle of the map.
//!
//! Communities are pale fills with dark borders, streets are white with their class widths,
//! compounds are tinted by their colour tier, and buildings are grey, darker the taller they are.

use std::error::Error;

use geo::{BoundingRect, LineString, MultiPolygon};
use tiny_skia::{
    Color, FillRule, LineCap, LineJoin, Paint, PathBuilder, Pixmap, Stroke, Transform,
};
use wangge_core::{StreetClass, Tier};
use wangge_demo::{DemoSettings, generate};

/// Metres per degree of latitude, and of longitude at Kunming's latitude; close enough for a
/// picture.
const M_PER_DEG_LAT: f64 = 110_780.0;

struct View {
    lon0: f64,
    lat1: f64,
    x_scale: f64,
    px_per_m: f64,
    /// Pixels to subtract after scaling, to centre a zoomed view.
    offset: (f64, f64),
}

impl View {
    fn px(&self, lon: f64, lat: f64) -> (f32, f32) {
        let x = (lon - self.lon0) * M_PER_DEG_LAT * self.x_scale * self.px_per_m - self.offset.0;
        let y = (self.lat1 - lat) * M_PER_DEG_LAT * self.px_per_m - self.offset.1;
        (x as f32 + 20.0, y as f32 + 20.0)
    }

    fn polygon(&self, m: &MultiPolygon<f64>) -> Option<tiny_skia::Path> {
        let mut pb = PathBuilder::new();
        for p in &m.0 {
            for (i, c) in p.exterior().coords().enumerate() {
                let (x, y) = self.px(c.x, c.y);
                if i == 0 {
                    pb.move_to(x, y);
                } else {
                    pb.line_to(x, y);
                }
            }
            pb.close();
        }
        pb.finish()
    }

    fn line(&self, l: &LineString<f64>) -> Option<tiny_skia::Path> {
        let mut pb = PathBuilder::new();
        for (i, c) in l.coords().enumerate() {
            let (x, y) = self.px(c.x, c.y);
            if i == 0 {
                pb.move_to(x, y);
            } else {
                pb.line_to(x, y);
            }
        }
        pb.finish()
    }
}

fn paint(r: u8, g: u8, b: u8, a: u8) -> Paint<'static> {
    let mut p = Paint::default();
    p.set_color(Color::from_rgba8(r, g, b, a));
    p.anti_alias = true;
    p
}

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let out = args.next().unwrap_or_else(|| "demo.png".into());
    let mut settings = DemoSettings::builtin();
    if let Some(seed) = args.next() {
        settings.seed = seed.parse()?;
    }
    let zoom: f64 = args.next().map(|z| z.parse()).transpose()?.unwrap_or(1.0);
    let started = std::time::Instant::now();
    let data = generate(&settings);
    let elapsed = started.elapsed();

    let sub = data
        .zones
        .iter()
        .find(|z| z.level == "subdistrict")
        .ok_or("no sub-district")?;
    let rect = sub.geometry.bounding_rect().ok_or("empty sub-district")?;
    let x_scale = rect.center().y.to_radians().cos();
    let width_m = rect.width() * M_PER_DEG_LAT * x_scale;
    let height_m = rect.height() * M_PER_DEG_LAT;
    let fit = 1800.0 / width_m.max(height_m);
    let px_per_m = fit * zoom;
    let (w, h) = ((width_m * fit) as u32 + 40, (height_m * fit) as u32 + 40);
    let view = View {
        lon0: rect.min().x,
        lat1: rect.max().y,
        x_scale,
        px_per_m,
        offset: (
            (width_m * px_per_m - width_m * fit) / 2.0,
            (height_m * px_per_m - height_m * fit) / 2.0,
        ),
    };
    let mut pix = Pixmap::new(w, h).ok_or("image size")?;
    pix.fill(Color::from_rgba8(250, 250, 247, 255));
    let id = Transform::identity();

    // Land: the sub-district in a road grey, communities in pale colours on top.
    if let Some(path) = view.polygon(&sub.geometry) {
        pix.fill_path(
            &path,
            &paint(200, 200, 196, 255),
            FillRule::Winding,
            id,
            None,
        );
    }
    let pale = [
        (236, 231, 216),
        (226, 236, 222),
        (230, 226, 238),
        (238, 226, 224),
        (224, 234, 238),
    ];
    let communities: Vec<_> = data
        .zones
        .iter()
        .filter(|z| z.level == "community")
        .collect();
    for (i, z) in communities.iter().enumerate() {
        let (r, g, b) = pale[i % pale.len()];
        if let Some(path) = view.polygon(&z.geometry) {
            pix.fill_path(&path, &paint(r, g, b, 255), FillRule::Winding, id, None);
        }
    }
    // Streets, widest last so main roads sit on top.
    for class in [
        StreetClass::Lane,
        StreetClass::Local,
        StreetClass::Collector,
        StreetClass::Arterial,
    ] {
        let width_m = match class {
            StreetClass::Arterial => 30.0,
            StreetClass::Collector => 16.0,
            StreetClass::Local => 12.0,
            _ => 5.0,
        };
        let stroke = Stroke {
            width: (width_m * px_per_m) as f32,
            line_cap: LineCap::Butt,
            line_join: LineJoin::Round,
            ..Stroke::default()
        };
        let colour = if class == StreetClass::Arterial {
            paint(255, 236, 190, 255)
        } else {
            paint(255, 255, 255, 255)
        };
        for s in data.streets.iter().filter(|s| s.class == class) {
            if let Some(path) = view.line(&s.geometry) {
                pix.stroke_path(&path, &colour, &stroke, id, None);
            }
        }
    }
    for c in &data.compounds {
        let (r, g, b) = match c.tier {
            Tier::Green => (46, 157, 72),
            Tier::Yellow => (242, 194, 0),
            Tier::Red => (215, 38, 61),
        };
        if let Some(path) = view.polygon(&c.geometry) {
            pix.fill_path(&path, &paint(r, g, b, 60), FillRule::Winding, id, None);
            let edge = Stroke {
                width: 1.0,
                ..Stroke::default()
            };
            pix.stroke_path(&path, &paint(r, g, b, 200), &edge, id, None);
        }
    }
    for b in &data.buildings {
        let shade = 150u8.saturating_sub((b.floors.min(33) * 3) as u8);
        let colour = if b.households == 0 {
            paint(shade, shade / 2 + 40, shade / 3 + 30, 255)
        } else {
            paint(shade / 2 + 20, shade / 2 + 30, shade / 2 + 60, 255)
        };
        if let Some(path) = view.polygon(&b.geometry) {
            pix.fill_path(&path, &colour, FillRule::Winding, id, None);
        }
    }
    let border = Stroke {
        width: 3.0,
        dash: tiny_skia::StrokeDash::new(vec![10.0, 6.0], 0.0),
        ..Stroke::default()
    };
    for z in &communities {
        if let Some(path) = view.polygon(&z.geometry) {
            pix.stroke_path(&path, &paint(120, 40, 120, 220), &border, id, None);
        }
    }
    pix.save_png(&out)?;
    let households: u64 = data.buildings.iter().map(|b| u64::from(b.households)).sum();
    let residents: u64 = data.buildings.iter().map(|b| u64::from(b.population)).sum();
    let nominal: u64 = data
        .buildings
        .iter()
        .filter(|b| b.households > 0)
        .map(|b| u64::from(b.units) * u64::from(b.floors) * 2)
        .sum();
    let homes = data.buildings.iter().filter(|b| b.households > 0).count();
    for class in StreetClass::ALL {
        let n = data.streets.iter().filter(|s| s.class == *class).count();
        let names: std::collections::BTreeSet<_> = data
            .streets
            .iter()
            .filter(|s| s.class == *class)
            .map(|s| s.name.clone())
            .collect();
        println!("{class}: {n} segments, {} streets", names.len());
    }
    for tier in Tier::ALL {
        for m in wangge_core::Management::ALL {
            let n = data
                .compounds
                .iter()
                .filter(|c| c.tier == *tier && c.management == *m)
                .count();
            print!("{tier}/{m}: {n}  ");
        }
        println!();
    }
    for kind in wangge_core::CompoundKind::ALL {
        let n = data.compounds.iter().filter(|c| c.kind == *kind).count();
        print!("{kind}: {n}  ");
    }
    println!(
        "sub-district {:.3} km²",
        wangge_core::area_m2(&sub.geometry) / 1e6
    );
    println!(
        "{homes} residential buildings, {households} households ({nominal} nominal), {residents} residents"
    );
    println!(
        "{out}: {} communities, {} compounds, {} buildings, {} streets, {} chiefs; generated in {:.0} ms",
        communities.len(),
        data.compounds.len(),
        data.buildings.len(),
        data.streets.len(),
        data.chiefs.len(),
        elapsed.as_secs_f64() * 1000.0
    );
    Ok(())
}
