//! The street plan: an irregular outline split recursively by streets into communities and blocks.
//!
//! Main roads cross the whole sub-district first; collector streets then split the largest pieces
//! until there are as many as there are communities; inside each community, local streets and
//! lanes split pieces until they are block-sized. Each split runs roughly across the piece's long
//! axis, turned a little and shifted from the middle, so blocks come out in different sizes, roads
//! meet at T-junctions and at varied angles, and the plan looks grown rather than ruled. Every
//! piece stays convex, and community boundaries are road centre lines, so communities tile the
//! sub-district exactly.

use std::f64::consts::PI;

use rand::Rng;
use wangge_core::StreetClass;

use crate::names::{Namer, numeral};
use crate::plane::{Crossing, EdgeTag, Line, Piece, Pt, convex_hull};
use crate::settings::DemoSettings;

/// A straight street from `a` to `b`, as drawn before it is cut into segments at its junctions.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Street {
    pub name: String,
    pub class: StreetClass,
    pub a: Pt,
    pub b: Pt,
    /// Positions along `a → b` (0 to 1) where other streets meet or cross this one.
    pub junctions: Vec<f64>,
    /// The streets this one starts or ends on.
    pub hosts: Vec<usize>,
}

impl Street {
    /// The street cut at its junctions into segments between them, each at least a metre long.
    pub fn segments(&self) -> Vec<[Pt; 2]> {
        let length = self.b.sub(self.a).len();
        let mut ts: Vec<f64> = self
            .junctions
            .iter()
            .map(|t| t.clamp(0.0, 1.0))
            .chain([0.0, 1.0])
            .collect();
        ts.sort_by(f64::total_cmp);
        let mut kept: Vec<f64> = Vec::with_capacity(ts.len());
        for t in ts {
            match kept.last() {
                Some(last) if (t - last) * length < 1.0 => {
                    // Keep the street's true end rather than a junction a few centimetres from it.
                    if t == 1.0
                        && let Some(last) = kept.last_mut()
                    {
                        *last = 1.0;
                    }
                }
                _ => kept.push(t),
            }
        }
        if kept.len() == 1 {
            kept.push(1.0);
        }
        let at = |t: f64| self.a.add(self.b.sub(self.a).scale(t));
        kept.windows(2).map(|w| [at(w[0]), at(w[1])]).collect()
    }
}

/// A block: a piece of land between street centre lines, in one community.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Block {
    pub community: usize,
    pub piece: Piece,
}

/// The whole street plan.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Plan {
    pub outline: Piece,
    pub communities: Vec<Piece>,
    pub blocks: Vec<Block>,
    pub streets: Vec<Street>,
}

/// Draws the outline, the streets, the communities and the blocks.
pub(crate) fn plan(settings: &DemoSettings, rng: &mut impl Rng, namer: &mut Namer) -> Plan {
    let s = &settings.streets;
    let mut streets: Vec<Street> = Vec::new();
    let outline = outline(settings, rng, &mut streets);

    // Main roads, each straight across the whole sub-district.
    let mut pieces = vec![outline.clone()];
    let grid_turn = rng.random_range(-0.25..0.25);
    for i in 0..s.arterials {
        let angle = grid_turn
            + PI * i as f64 / s.arterials as f64
            + rng.random_range(-1.0..1.0) * s.angle_jitter_deg.to_radians();
        let frame = outline.frame();
        let dir = Pt::unit(angle);
        let shift = rng.random_range(-1.0..1.0) * s.offset_share * frame.width;
        let line = Line {
            origin: outline.centroid().add(dir.left().scale(shift)),
            dir,
        };
        let id = streets.len();
        let tag = EdgeTag {
            street: Some(id),
            width: s.width_arterial,
        };
        let Some((_, _, ends)) = outline.split(&line, tag) else {
            continue;
        };
        let crossed = pieces
            .iter()
            .filter(|p| p.split(&line, tag).is_some())
            .count();
        if pieces.len() + crossed > settings.place.communities {
            continue;
        }
        streets.push(new_street(StreetClass::Arterial, ends));
        let mut next = Vec::with_capacity(pieces.len() * 2);
        for piece in pieces {
            match piece.split(&line, tag) {
                Some((l, r, crossings)) => {
                    note_crossings(&mut streets, id, &crossings);
                    next.push(l);
                    next.push(r);
                }
                None => next.push(piece),
            }
        }
        pieces = next;
    }

    // Collector streets split the largest pieces until there is one per community.
    let mut attempts = 0;
    while pieces.len() < settings.place.communities && attempts < 1_000 {
        attempts += 1;
        let Some(i) = (0..pieces.len()).max_by(|&a, &b| {
            let wa = pieces[a].area() * rng.random_range(0.85..1.15);
            let wb = pieces[b].area() * rng.random_range(0.85..1.15);
            wa.total_cmp(&wb)
        }) else {
            break;
        };
        let width = s.width_collector;
        if let Some((l, r)) = split_piece(
            &pieces[i],
            StreetClass::Collector,
            width,
            settings,
            rng,
            &mut streets,
        ) {
            pieces.swap_remove(i);
            pieces.push(l);
            pieces.push(r);
        }
    }
    // Communities are numbered later in reading order; keep a stable order here.
    let communities = pieces;

    // Local streets and lanes split each community into blocks.
    let mut blocks = Vec::new();
    for (c, community) in communities.iter().enumerate() {
        let mut stack = vec![(community.clone(), 0usize)];
        while let Some((piece, depth)) = stack.pop() {
            let threshold = rng.random_range(s.block_area_m2[0]..=s.block_area_m2[1]);
            if piece.area() < threshold || piece.frame().width < 45.0 || depth > 12 {
                blocks.push(Block {
                    community: c,
                    piece,
                });
                continue;
            }
            let (class, width) = if depth <= 1 || (depth == 2 && rng.random_bool(0.3)) {
                (StreetClass::Local, s.width_local)
            } else {
                (StreetClass::Lane, s.width_lane)
            };
            match split_piece(&piece, class, width, settings, rng, &mut streets) {
                Some((l, r)) => {
                    stack.push((l, depth + 1));
                    stack.push((r, depth + 1));
                }
                None => blocks.push(Block {
                    community: c,
                    piece,
                }),
            }
        }
    }

    name_streets(&mut streets, rng, namer);
    Plan {
        outline,
        communities,
        blocks,
        streets,
    }
}

/// An irregular convex outline of the configured area, centred on the origin. Its edges are
/// boundary roads, mostly main roads and some collectors, as sub-district boundaries usually are.
fn outline(settings: &DemoSettings, rng: &mut impl Rng, streets: &mut Vec<Street>) -> Piece {
    let p = &settings.place;
    let k = p.outline_vertices;
    let aspect = rng.random_range(p.outline_aspect[0]..=p.outline_aspect[1]);
    let turn = rng.random_range(0.0..PI);
    let raw: Vec<Pt> = (0..k)
        .map(|i| {
            let theta = 2.0 * PI * (i as f64 + rng.random_range(-0.3..0.3)) / k as f64;
            let r = rng.random_range(0.72..1.2);
            let (x, y) = (r * theta.cos() * aspect, r * theta.sin());
            Pt::new(
                x * turn.cos() - y * turn.sin(),
                x * turn.sin() + y * turn.cos(),
            )
        })
        .collect();
    let hull = Piece::new(convex_hull(raw), EdgeTag::NONE);
    let scale = (p.area_km2 * 1e6 / hull.area()).sqrt();
    let centre = hull.centroid();
    let pts: Vec<Pt> = hull
        .pts
        .iter()
        .map(|q| q.sub(centre).scale(scale))
        .collect();
    let n = pts.len();
    let mut tags = Vec::with_capacity(n);
    for i in 0..n {
        let class = if rng.random_bool(0.6) {
            StreetClass::Arterial
        } else {
            StreetClass::Collector
        };
        let width = width_of(class, settings);
        tags.push(EdgeTag {
            street: Some(streets.len()),
            width,
        });
        streets.push(Street {
            name: String::new(),
            class,
            a: pts[i],
            b: pts[(i + 1) % n],
            junctions: Vec::new(),
            hosts: Vec::new(),
        });
    }
    Piece { pts, tags }
}

fn width_of(class: StreetClass, settings: &DemoSettings) -> f64 {
    let s = &settings.streets;
    match class {
        StreetClass::Arterial => s.width_arterial,
        StreetClass::Collector => s.width_collector,
        StreetClass::Local => s.width_local,
        StreetClass::Lane | StreetClass::Footway => s.width_lane,
    }
}

/// Splits a piece by a new street across its long axis; retries a few times to avoid slivers.
fn split_piece(
    piece: &Piece,
    class: StreetClass,
    width: f64,
    settings: &DemoSettings,
    rng: &mut impl Rng,
    streets: &mut Vec<Street>,
) -> Option<(Piece, Piece)> {
    let s = &settings.streets;
    let frame = piece.frame();
    let centre = piece.centroid();
    let id = streets.len();
    let tag = EdgeTag {
        street: Some(id),
        width,
    };
    let total = piece.area();
    let mut best = None;
    for attempt in 0..6 {
        // The last attempt cuts straight through the middle, which always works for a convex
        // piece.
        let (turn, shift) = if attempt < 5 {
            (
                rng.random_range(-1.0..1.0) * s.angle_jitter_deg.to_radians(),
                rng.random_range(-1.0..1.0) * s.offset_share * frame.length,
            )
        } else {
            (0.0, 0.0)
        };
        let line = Line {
            origin: centre.add(frame.long.scale(shift)),
            dir: Pt::unit(frame.long.y.atan2(frame.long.x) + PI / 2.0 + turn),
        };
        if let Some((l, r, crossings)) = piece.split(&line, tag) {
            let balance = l.area().min(r.area()) / total;
            let narrow = l.frame().width.min(r.frame().width);
            if (balance > 0.3 && narrow > 25.0) || attempt == 5 {
                best = Some((l, r, crossings));
                break;
            }
        }
    }
    let (l, r, crossings) = best?;
    streets.push(new_street(class, crossings));
    note_crossings(streets, id, &crossings);
    Some((l, r))
}

fn new_street(class: StreetClass, ends: [Crossing; 2]) -> Street {
    Street {
        name: String::new(),
        class,
        a: ends[0].at,
        b: ends[1].at,
        junctions: Vec::new(),
        hosts: ends.iter().filter_map(|c| c.host.street).collect(),
    }
}

/// Records that street `id` meets the streets it crossed, on both sides of each junction.
fn note_crossings(streets: &mut [Street], id: usize, crossings: &[Crossing; 2]) {
    for c in crossings {
        for s in [c.host.street, Some(id)].into_iter().flatten() {
            let st = &mut streets[s];
            let d = st.b.sub(st.a);
            let len2 = d.dot(d);
            if len2 > 0.0 {
                st.junctions.push(c.at.sub(st.a).dot(d) / len2);
            }
        }
    }
}

/// Names every street: main roads and collectors `…路`, local streets `…街`, lanes `…巷`; about
/// half of the lanes are numbered after the street they branch from (`文林街二巷`), as old
/// Kunming lanes often are.
fn name_streets(streets: &mut [Street], rng: &mut impl Rng, namer: &mut Namer) {
    let mut lanes_of: Vec<usize> = vec![0; streets.len()];
    for i in 0..streets.len() {
        let name = match streets[i].class {
            StreetClass::Arterial | StreetClass::Collector => namer.with_ending("路"),
            StreetClass::Local => namer.with_ending("街"),
            StreetClass::Lane | StreetClass::Footway => {
                let host = streets[i]
                    .hosts
                    .iter()
                    .copied()
                    .find(|&h| h < i && streets[h].class != StreetClass::Lane);
                let numbered = match host {
                    Some(h) if rng.random_bool(0.5) => {
                        lanes_of[h] += 1;
                        namer.claim(format!("{}{}巷", streets[h].name, numeral(lanes_of[h])))
                    }
                    _ => None,
                };
                numbered.unwrap_or_else(|| namer.with_ending("巷"))
            }
        };
        streets[i].name = name;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn communities_and_blocks_tile_the_outline() {
        let settings = DemoSettings::builtin();
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let mut namer = Namer::new(&mut rng);
        let plan = plan(&settings, &mut rng, &mut namer);
        assert_eq!(plan.communities.len(), 10);
        let total = plan.outline.area();
        assert!((total - 3.98e6).abs() < 1.0, "{total}");
        let sum: f64 = plan.communities.iter().map(Piece::area).sum();
        assert!((sum - total).abs() < 1e-3, "{sum} vs {total}");
        let blocks: f64 = plan.blocks.iter().map(|b| b.piece.area()).sum();
        assert!((blocks - total).abs() < 1e-3, "{blocks} vs {total}");
        for b in &plan.blocks {
            assert!(b.piece.area() > 0.0);
        }
        assert!(plan.streets.iter().all(|s| !s.name.is_empty()));
    }

    #[test]
    fn segments_split_a_street_at_its_junctions() {
        let street = Street {
            name: "x".into(),
            class: StreetClass::Lane,
            a: Pt::new(0.0, 0.0),
            b: Pt::new(100.0, 0.0),
            junctions: vec![0.5, 0.0, 0.2, 0.5000001, 0.999_999],
            hosts: vec![],
        };
        let segs = street.segments();
        assert_eq!(segs.len(), 3);
        assert_eq!(segs[2][1], Pt::new(100.0, 0.0));
    }
}
