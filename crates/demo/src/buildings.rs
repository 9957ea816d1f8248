//! Building footprints: rows of rectangles laid out inside a convex plot, aligned with its long
//! edge, kept off its boundary by a setback and apart from each other by spacing.
//!
//! Rows run along the plot's axis; the spacing between rows grows with the height of the
//! buildings, as sunlight rules require. A rectangle is kept only where it fits entirely inside
//! the plot shrunk by the setback, so every building lies inside its plot and, plots being
//! disjoint, no two buildings overlap.

use rand::Rng;
use wangge_core::CompoundKind;

use crate::plane::{Piece, Pt, from_frame};

/// How one kind of building looks and is spaced.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Style {
    /// Floors above ground, inclusive range.
    pub floors: (u16, u16),
    /// Length along the row in metres; `length.0` is the usual minimum.
    pub length: (f64, f64),
    /// The shortest building worth placing to use up the end of a row.
    pub min_length: f64,
    /// Depth across the row in metres.
    pub depth: (f64, f64),
    /// Point towers are as long as they are deep.
    pub square: bool,
    /// Gap between neighbours in a row, in metres.
    pub gap_along: (f64, f64),
    /// Gap between rows as a multiple of building height, and its bounds in metres.
    pub row_gap: (f64, f64, f64),
    /// Most rows to lay out (0: no limit).
    pub max_rows: usize,
    /// Whether people live in it.
    pub residential: bool,
}

/// Walk-up slabs of 5–7 floors, the work-unit housing of the 1980s and 1990s.
pub(crate) const WALK_UP: Style = Style {
    floors: (5, 7),
    length: (50.0, 70.0),
    min_length: 24.0,
    depth: (11.0, 13.0),
    square: false,
    gap_along: (7.0, 12.0),
    row_gap: (1.1, 15.0, 26.0),
    max_rows: 0,
    residential: true,
};

/// Short, older walk-ups for small courtyards.
pub(crate) const OLD_WALK_UP: Style = Style {
    floors: (4, 6),
    length: (24.0, 45.0),
    min_length: 14.0,
    depth: (10.0, 12.0),
    square: false,
    gap_along: (6.0, 10.0),
    row_gap: (1.0, 12.0, 22.0),
    max_rows: 0,
    residential: true,
};

/// Mid-rise slabs (小高层) of 9–12 floors.
pub(crate) const MID_RISE: Style = Style {
    floors: (9, 12),
    length: (35.0, 50.0),
    min_length: 25.0,
    depth: (13.0, 15.0),
    square: false,
    gap_along: (12.0, 18.0),
    row_gap: (0.8, 22.0, 32.0),
    max_rows: 0,
    residential: true,
};

/// High-rise point towers of 18–33 floors.
pub(crate) const TOWER: Style = Style {
    floors: (18, 33),
    length: (25.0, 35.0),
    min_length: 25.0,
    depth: (25.0, 35.0),
    square: true,
    gap_along: (18.0, 28.0),
    row_gap: (0.5, 30.0, 42.0),
    max_rows: 0,
    residential: true,
};

/// Resettlement slabs of 6–18 floors.
pub(crate) const RESETTLEMENT: Style = Style {
    floors: (6, 18),
    length: (40.0, 60.0),
    min_length: 25.0,
    depth: (12.0, 14.0),
    square: false,
    gap_along: (10.0, 15.0),
    row_gap: (0.7, 15.0, 35.0),
    max_rows: 0,
    residential: true,
};

/// Street-front shops of 2–4 floors.
pub(crate) const SHOP: Style = Style {
    floors: (2, 4),
    length: (8.0, 28.0),
    min_length: 8.0,
    depth: (9.0, 11.0),
    square: false,
    gap_along: (1.5, 4.0),
    row_gap: (0.0, 0.0, 0.0),
    max_rows: 1,
    residential: false,
};

/// School teaching blocks.
pub(crate) const SCHOOL: Style = Style {
    floors: (4, 5),
    length: (50.0, 70.0),
    min_length: 30.0,
    depth: (14.0, 16.0),
    square: false,
    gap_along: (12.0, 20.0),
    row_gap: (1.2, 20.0, 26.0),
    max_rows: 2,
    residential: false,
};

/// A covered market hall.
pub(crate) const MARKET: Style = Style {
    floors: (1, 2),
    length: (40.0, 90.0),
    min_length: 25.0,
    depth: (25.0, 40.0),
    square: false,
    gap_along: (10.0, 14.0),
    row_gap: (0.0, 10.0, 10.0),
    max_rows: 1,
    residential: false,
};

/// Office slabs and towers.
pub(crate) const OFFICE: Style = Style {
    floors: (8, 24),
    length: (30.0, 50.0),
    min_length: 20.0,
    depth: (18.0, 24.0),
    square: false,
    gap_along: (15.0, 25.0),
    row_gap: (0.4, 25.0, 35.0),
    max_rows: 2,
    residential: false,
};

/// Hospital wards.
pub(crate) const HOSPITAL: Style = Style {
    floors: (6, 14),
    length: (40.0, 70.0),
    min_length: 25.0,
    depth: (15.0, 20.0),
    square: false,
    gap_along: (12.0, 18.0),
    row_gap: (0.6, 20.0, 30.0),
    max_rows: 0,
    residential: false,
};

/// The sub-district office.
pub(crate) const GOVERNMENT: Style = Style {
    floors: (4, 8),
    length: (40.0, 60.0),
    min_length: 20.0,
    depth: (14.0, 18.0),
    square: false,
    gap_along: (15.0, 20.0),
    row_gap: (1.0, 18.0, 24.0),
    max_rows: 2,
    residential: false,
};

/// Pavilions and toilets in a park.
pub(crate) const PAVILION: Style = Style {
    floors: (1, 1),
    length: (8.0, 14.0),
    min_length: 8.0,
    depth: (8.0, 14.0),
    square: true,
    gap_along: (60.0, 120.0),
    row_gap: (0.0, 80.0, 120.0),
    max_rows: 2,
    residential: false,
};

/// Old one- to three-storey courtyard houses (平房 and 老院落), one family or a few to a house.
pub(crate) const LOW_HOUSE: Style = Style {
    floors: (1, 3),
    length: (12.0, 22.0),
    min_length: 8.0,
    depth: (8.0, 11.0),
    square: false,
    gap_along: (3.0, 6.0),
    row_gap: (0.0, 6.0, 10.0),
    max_rows: 0,
    residential: true,
};

/// Bicycle sheds and storerooms (车棚, 储藏室) between the rows of older compounds.
pub(crate) const SHED: Style = Style {
    floors: (1, 1),
    length: (10.0, 24.0),
    min_length: 8.0,
    depth: (5.0, 5.0),
    square: false,
    gap_along: (4.0, 8.0),
    row_gap: (0.0, 0.0, 0.0),
    max_rows: 1,
    residential: false,
};

/// A small building at the end of a row: the management office, a boiler or power room
/// (物业用房, 配电房).
pub(crate) const ANNEX: Style = Style {
    floors: (1, 2),
    length: (8.0, 16.0),
    min_length: 8.0,
    depth: (7.0, 9.0),
    square: false,
    gap_along: (5.0, 8.0),
    row_gap: (0.0, 0.0, 0.0),
    max_rows: 1,
    residential: false,
};

/// The small buildings a layout adds besides its rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Extras {
    /// A row of sheds in wide gaps between rows, sometimes.
    pub sheds: bool,
    /// A small annex where a row has room left at its end.
    pub annexes: bool,
}

/// The styles of the rows of a compound, cycled row by row, chosen by its type and area.
pub(crate) fn compound_styles(kind: CompoundKind, area: f64) -> &'static [Style] {
    match kind {
        CompoundKind::WorkUnit if area < 2_500.0 => &[LOW_HOUSE],
        CompoundKind::WorkUnit if area < 3_500.0 => &[OLD_WALK_UP],
        CompoundKind::WorkUnit if area < 9_000.0 => &[WALK_UP],
        CompoundKind::WorkUnit => &[WALK_UP, WALK_UP, LOW_HOUSE],
        CompoundKind::Commercial if area >= 10_000.0 => &[TOWER],
        CompoundKind::Commercial if area >= 4_000.0 => &[MID_RISE],
        CompoundKind::Commercial => &[OLD_WALK_UP],
        CompoundKind::Resettlement if area >= 3_000.0 => &[RESETTLEMENT],
        CompoundKind::Resettlement => &[OLD_WALK_UP],
        CompoundKind::Mixed if area >= 12_000.0 => &[WALK_UP, TOWER],
        CompoundKind::Mixed if area >= 4_000.0 => &[WALK_UP, LOW_HOUSE, MID_RISE],
        CompoundKind::Mixed => &[OLD_WALK_UP, LOW_HOUSE],
    }
}

/// One building's footprint and size, before it gets its households.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Footprint {
    /// Corners, counter-clockwise.
    pub corners: [Pt; 4],
    /// Floors above ground.
    pub floors: u16,
    /// Length along the row in metres.
    pub length: f64,
    /// Whether people live in it.
    pub residential: bool,
}

/// Lays out rows of buildings in `plot` along `axis`, `setback` metres off its boundary, taking
/// each row's style from `styles` in turn, plus the `extras`.
pub(crate) fn layout(
    plot: &Piece,
    axis: Pt,
    setback: f64,
    styles: &[Style],
    extras: Extras,
    rng: &mut impl Rng,
) -> Vec<Footprint> {
    let origin = plot.centroid();
    let Some(inner) = plot.to_frame(origin, axis).inset(|_| setback) else {
        return Vec::new();
    };
    let (v_min, v_max) = inner.y_range();
    // Plan the rows first (depth, floors and the gap after each), then centre them in the plot.
    let mut rows: Vec<(f64, f64, u16, Style)> = Vec::new();
    let mut v = v_min;
    let mut k = 0;
    while let Some(style) = styles.get(k % styles.len().max(1)).copied() {
        if style.max_rows > 0 && rows.len() >= style.max_rows {
            break;
        }
        let depth = rng.random_range(style.depth.0..=style.depth.1);
        if v + depth > v_max {
            break;
        }
        let floors = rng.random_range(style.floors.0..=style.floors.1);
        rows.push((v, depth, floors, style));
        let height = f64::from(floors) * 3.0;
        let gap =
            (style.row_gap.0 * height).clamp(style.row_gap.1, style.row_gap.2.max(style.row_gap.1));
        v += depth + gap;
        k += 1;
    }
    let used = rows.last().map(|(v, d, _, _)| v + d).unwrap_or(v_min);
    let shift = (v_max - used) / 2.0;
    let mut out = Vec::new();
    for (i, &(v, depth, floors, style)) in rows.iter().enumerate() {
        let (v0, v1) = (v + shift, v + shift + depth);
        fill_row(
            &inner,
            v0,
            v1,
            floors,
            &style,
            extras.annexes,
            origin,
            axis,
            rng,
            &mut out,
        );
        // Sheds stand in the middle of a wide gap before the next row, clear of both rows.
        if let Some(&(next, _, _, _)) = rows.get(i + 1) {
            let gap = next - (v + depth);
            if extras.sheds && gap >= 16.0 && rng.random_bool(0.6) {
                let mid = v1 + gap / 2.0;
                let (s0, s1) = (mid - SHED.depth.0 / 2.0, mid + SHED.depth.0 / 2.0);
                fill_row(&inner, s0, s1, 1, &SHED, false, origin, axis, rng, &mut out);
            }
        }
    }
    out
}

/// Fills the band `v0..v1` of the framed plot `inner` with buildings of one style, left to right,
/// then centres them; with `annex`, a small building uses up a long enough remainder.
#[allow(clippy::too_many_arguments)]
fn fill_row(
    inner: &Piece,
    v0: f64,
    v1: f64,
    floors: u16,
    style: &Style,
    annex: bool,
    origin: Pt,
    axis: Pt,
    rng: &mut impl Rng,
    out: &mut Vec<Footprint>,
) {
    let (Some((a0, b0)), Some((a1, b1))) = (inner.cross_section(v0), inner.cross_section(v1))
    else {
        return;
    };
    // A convex plot's left boundary is convex and its right boundary concave, so the widest
    // interval that fits the whole band is set by its two edges.
    let (lo, hi) = (a0.max(a1) + 0.01, b0.min(b1) - 0.01);
    // (start, length, depth, floors, residential)
    let mut pieces: Vec<(f64, f64, f64, u16, bool)> = Vec::new();
    let mut u = lo;
    let depth = v1 - v0;
    loop {
        let want = if style.square {
            depth
        } else {
            rng.random_range(style.length.0..=style.length.1)
        };
        let room = hi - u;
        let length = if room >= want {
            want
        } else if room >= style.min_length && !style.square {
            room
        } else {
            break;
        };
        let f = if style.residential {
            floors
        } else {
            rng.random_range(style.floors.0..=style.floors.1)
        };
        pieces.push((u, length, depth, f, style.residential));
        u += length + rng.random_range(style.gap_along.0..=style.gap_along.1);
    }
    if annex && !pieces.is_empty() {
        let room = hi - u;
        if room >= ANNEX.min_length {
            let length = room.min(rng.random_range(ANNEX.length.0..=ANNEX.length.1));
            let d = depth.min(rng.random_range(ANNEX.depth.0..=ANNEX.depth.1));
            let f = rng.random_range(ANNEX.floors.0..=ANNEX.floors.1);
            pieces.push((u, length, d, f, false));
        }
    }
    let end = pieces.last().map(|(u, l, ..)| u + l).unwrap_or(lo);
    let slack = (hi - end) / 2.0;
    for (u, length, d, floors, residential) in pieces {
        let (u0, u1) = (u + slack, u + slack + length);
        let corners = [(u0, v0), (u1, v0), (u1, v0 + d), (u0, v0 + d)]
            .map(|(x, y)| from_frame(Pt::new(x, y), origin, axis));
        out.push(Footprint {
            corners,
            floors,
            length,
            residential,
        });
    }
}

/// Lays out a compound's buildings, falling back to smaller buildings and a smaller setback when
/// the preferred ones do not fit, so that every compound has at least one building where at all
/// possible. Older kinds of compound get sheds between their rows.
pub(crate) fn compound_layout(
    plot: &Piece,
    axis: Pt,
    kind: CompoundKind,
    rng: &mut impl Rng,
) -> Vec<Footprint> {
    let area = plot.area();
    let setback = if area < 4_000.0 {
        rng.random_range(2.5..4.0)
    } else {
        rng.random_range(3.5..6.5)
    };
    let extras = Extras {
        sheds: kind != CompoundKind::Commercial,
        annexes: true,
    };
    let found = layout(
        plot,
        axis,
        setback,
        compound_styles(kind, area),
        extras,
        rng,
    );
    if found.iter().any(|f| f.residential) {
        return found;
    }
    for style in [OLD_WALK_UP, LOW_HOUSE] {
        for dir in [axis, axis.left()] {
            let found = layout(plot, dir, 2.0, &[style], extras, rng);
            if found.iter().any(|f| f.residential) {
                return found;
            }
        }
    }
    Vec::new()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plane::EdgeTag;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    fn contains_rect(piece: &Piece, f: &Footprint) -> bool {
        f.corners.iter().all(|c| piece.contains(*c))
    }

    #[test]
    fn rows_stay_inside_the_plot_and_apart() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let u = Pt::unit(0.4);
        let plot = Piece::new(
            vec![
                Pt::new(0.0, 0.0),
                Pt::new(180.0, 20.0),
                Pt::new(170.0, 140.0),
                Pt::new(-10.0, 110.0),
            ],
            EdgeTag::NONE,
        );
        for styles in [
            &[WALK_UP][..],
            &[TOWER],
            &[WALK_UP, LOW_HOUSE, MID_RISE],
            &[SHOP],
        ] {
            let extras = Extras {
                sheds: true,
                annexes: true,
            };
            let found = layout(&plot, u, 6.0, styles, extras, &mut rng);
            assert!(!found.is_empty());
            let shrunk = plot.inset(|_| 5.9).expect("room");
            for f in &found {
                assert!(contains_rect(&shrunk, f), "{f:?}");
            }
            for (i, a) in found.iter().enumerate() {
                let pa = Piece::new(a.corners.to_vec(), EdgeTag::NONE);
                for b in &found[i + 1..] {
                    // Two rectangles of the same orientation overlap only if a corner of one
                    // lies inside the other or they share their centre.
                    let pb = Piece::new(b.corners.to_vec(), EdgeTag::NONE);
                    assert!(!b.corners.iter().any(|c| pa.contains(*c)));
                    assert!(!pa.contains(pb.centroid()));
                }
            }
        }
    }

    #[test]
    fn a_tiny_courtyard_still_gets_a_building() {
        let mut rng = ChaCha8Rng::seed_from_u64(4);
        let plot = Piece::new(
            vec![
                Pt::new(0.0, 0.0),
                Pt::new(40.0, 0.0),
                Pt::new(40.0, 40.0),
                Pt::new(0.0, 40.0),
            ],
            EdgeTag::NONE,
        );
        let found = compound_layout(&plot, Pt::new(1.0, 0.0), CompoundKind::Commercial, &mut rng);
        assert!(!found.is_empty());
    }
}
