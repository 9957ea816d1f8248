//! Geometry checks shared by every format: what is refused, what is repaired with a warning, and
//! the conversion to WGS-84 once a geometry is known to be sound.
//!
//! Refused: coordinates outside longitude/latitude range or not finite, rings with fewer than four
//! positions, rings that enclose no area, self-intersecting polygons (unless repair is asked for)
//! and lines with fewer than two distinct points. Repaired with a warning: unclosed rings and
//! repeated consecutive points. Repaired silently: ring orientation (RFC 7946 wants exteriors
//! counter-clockwise, which is also what geo's algorithms assume).

use geo::algorithm::validation::{InvalidPolygon, RingRole};
use geo::line_intersection::{LineIntersection, line_intersection};
use geo::orient::Direction;
use geo::{
    Coord, Line, LineString, MakeValid, MapCoords, MultiPolygon, Orient, Polygon, Validation,
};

use crate::crs::Crs;
use crate::error::{At, FeatureProblem};

/// A ring or line as read from a file, before any check: longitude/latitude pairs.
pub(crate) type Path = Vec<[f64; 2]>;

/// How to treat geometries: whether to repair invalid polygons, and which system the
/// longitude/latitude pairs are in.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Checks {
    /// Repair self-intersecting polygons with geo's `MakeValid` instead of refusing them.
    pub repair: bool,
    /// The system of the input coordinates; the output is WGS-84.
    pub crs: Crs,
}

/// Checks, repairs and converts the polygons of one feature. `notes` receives a sentence for
/// every repair made.
pub(crate) fn polygons(
    parts: Vec<Vec<Path>>,
    checks: Checks,
    notes: &mut Vec<String>,
) -> Result<MultiPolygon<f64>, FeatureProblem> {
    let many = parts.len() > 1;
    let mut out = Vec::with_capacity(parts.len());
    for (p, rings) in parts.into_iter().enumerate() {
        let prefix = if many {
            format!("polygon {p} ")
        } else {
            "polygon ".to_string()
        };
        out.extend(polygon(rings, &prefix, checks, notes)?);
    }
    if out.is_empty() {
        return Err(FeatureProblem::TooFewPositions {
            part: "the polygon".into(),
            count: 0,
        });
    }
    Ok(MultiPolygon(out).map_coords(|c| to_wgs84(checks.crs, c)))
}

/// Checks, cleans and converts the lines of one feature; a multi-line yields one line per part.
pub(crate) fn lines(
    parts: Vec<Path>,
    checks: Checks,
    notes: &mut Vec<String>,
) -> Result<Vec<LineString<f64>>, FeatureProblem> {
    let many = parts.len() > 1;
    if parts.is_empty() {
        return Err(FeatureProblem::TooFewPoints {
            part: "the line".into(),
        });
    }
    let mut out = Vec::with_capacity(parts.len());
    for (l, line) in parts.into_iter().enumerate() {
        let part = if many {
            format!("line {l}")
        } else {
            "the line".to_string()
        };
        check_coordinates(&line, &part)?;
        let (line, dropped) = drop_repeats(line);
        if dropped > 0 {
            notes.push(format!(
                "{part} had {dropped} repeated consecutive point(s); dropped them"
            ));
        }
        if line.len() < 2 {
            return Err(FeatureProblem::TooFewPoints { part });
        }
        let line: LineString<f64> = line.into_iter().map(|[x, y]| Coord { x, y }).collect();
        out.push(line.map_coords(|c| to_wgs84(checks.crs, c)));
    }
    Ok(out)
}

fn to_wgs84(crs: Crs, c: Coord<f64>) -> Coord<f64> {
    let (x, y) = crs.to_wgs84(c.x, c.y);
    Coord { x, y }
}

/// One polygon (exterior first, then holes). Returns several polygons only when a repair split it.
fn polygon(
    rings: Vec<Path>,
    prefix: &str,
    checks: Checks,
    notes: &mut Vec<String>,
) -> Result<Vec<Polygon<f64>>, FeatureProblem> {
    if rings.is_empty() {
        return Err(FeatureProblem::TooFewPositions {
            part: format!("{prefix}ring 0"),
            count: 0,
        });
    }
    let mut cleaned = Vec::with_capacity(rings.len());
    for (r, ring) in rings.into_iter().enumerate() {
        let part = format!("{prefix}ring {r}");
        check_coordinates(&ring, &part)?;
        let (mut ring, dropped) = drop_repeats(ring);
        if dropped > 0 {
            notes.push(format!(
                "{part} had {dropped} repeated consecutive point(s); dropped them"
            ));
        }
        if let (Some(first), Some(last)) = (ring.first().copied(), ring.last().copied())
            && first != last
        {
            ring.push(first);
            notes.push(format!("{part} was not closed; closed it"));
        }
        if ring.len() < 4 {
            return Err(FeatureProblem::TooFewPositions {
                part,
                count: ring.len(),
            });
        }
        if encloses_no_area(&ring) {
            return Err(FeatureProblem::ZeroArea { part });
        }
        cleaned.push(LineString::from(
            ring.into_iter()
                .map(|[x, y]| Coord { x, y })
                .collect::<Vec<_>>(),
        ));
    }
    let exterior = cleaned.remove(0);
    let polygon = Polygon::new(exterior, cleaned).orient(Direction::Default);
    let Some(problem) = polygon.validation_errors().into_iter().next() else {
        return Ok(vec![polygon]);
    };
    let problem = describe(&polygon, prefix, &problem);
    if !checks.repair {
        return Err(problem);
    }
    let repaired = polygon
        .make_valid()
        .map_err(|e| FeatureProblem::RepairFailed {
            message: e.to_string(),
        })?;
    if repaired.0.is_empty() {
        return Err(FeatureProblem::RepairFailed {
            message: "nothing with an area was left".into(),
        });
    }
    let what = problem
        .to_string()
        .trim_end_matches("; fix it or pass --repair")
        .to_string();
    notes.push(format!(
        "{what}; repaired it into {} polygon(s)",
        repaired.0.len()
    ));
    Ok(repaired
        .0
        .into_iter()
        .map(|p| p.orient(Direction::Default))
        .collect())
}

/// Turns geo's validation finding into a message naming the ring and, for a crossing, where.
fn describe(polygon: &Polygon<f64>, prefix: &str, problem: &InvalidPolygon) -> FeatureProblem {
    match problem {
        InvalidPolygon::SelfIntersection(role) => {
            let (index, ring) = match role {
                RingRole::Exterior => (0, polygon.exterior()),
                RingRole::Interior(i) => (i + 1, &polygon.interiors()[*i]),
            };
            let near = crossing(ring)
                .map(|c| format!(" near {}", At(c.x, c.y)))
                .unwrap_or_default();
            FeatureProblem::SelfIntersection {
                part: format!("{prefix}ring {index}"),
                near,
            }
        }
        other => FeatureProblem::InvalidPolygon {
            message: other.to_string(),
        },
    }
}

/// The first place where two non-neighbouring edges of a closed ring meet. Only called for rings
/// already known to be invalid, so the quadratic scan costs nothing on good data.
pub(crate) fn crossing(ring: &LineString<f64>) -> Option<Coord<f64>> {
    let edges: Vec<Line<f64>> = ring.lines().collect();
    let n = edges.len();
    for i in 0..n {
        for j in (i + 2)..n {
            // The first and last edges of a closed ring are neighbours too.
            if i == 0 && j == n - 1 {
                continue;
            }
            match line_intersection(edges[i], edges[j]) {
                Some(LineIntersection::SinglePoint { intersection, .. }) => {
                    return Some(intersection);
                }
                Some(LineIntersection::Collinear { intersection }) => {
                    return Some(intersection.start);
                }
                None => {}
            }
        }
    }
    None
}

fn check_coordinates(path: &Path, part: &str) -> Result<(), FeatureProblem> {
    for (index, &[x, y]) in path.iter().enumerate() {
        if !x.is_finite() || !y.is_finite() {
            return Err(FeatureProblem::NotFinite {
                part: part.to_string(),
                index,
            });
        }
        if !(-180.0..=180.0).contains(&x) || !(-90.0..=90.0).contains(&y) {
            return Err(FeatureProblem::OutOfRange { at: At(x, y) });
        }
    }
    Ok(())
}

/// Drops points equal to their predecessor; returns the path and how many were dropped.
fn drop_repeats(path: Path) -> (Path, usize) {
    let before = path.len();
    let mut out: Path = Vec::with_capacity(before);
    for p in path {
        if out.last() != Some(&p) {
            out.push(p);
        }
    }
    let dropped = before - out.len();
    (out, dropped)
}

/// True when a ring encloses no area: all its points lie on one line. (A signed-area test would
/// also catch a symmetric bowtie, whose two lobes cancel; that one is a self-intersection.)
fn encloses_no_area(ring: &Path) -> bool {
    let Some(&[ax, ay]) = ring.first() else {
        return true;
    };
    let distance2 = |&[x, y]: &[f64; 2]| (x - ax).powi(2) + (y - ay).powi(2);
    let Some(&[bx, by]) = ring
        .iter()
        .max_by(|p, q| distance2(p).total_cmp(&distance2(q)))
    else {
        return true;
    };
    let extent2 = (bx - ax).powi(2) + (by - ay).powi(2);
    // The cross product is twice the area of the triangle a, b, p. Relative to the squared
    // extent the test means the same in degrees and metres; 1e-9 leaves room for the rounding of
    // differences between coordinates near 121° (about 1e-14 each) while still meaning "a sliver
    // a thousand-millionth as wide as it is long".
    ring.iter()
        .all(|&[px, py]| ((bx - ax) * (py - ay) - (by - ay) * (px - ax)).abs() <= 1e-9 * extent2)
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{Area, Winding};

    const WGS: Checks = Checks {
        repair: false,
        crs: Crs::Wgs84,
    };

    fn square() -> Path {
        vec![
            [121.0, 31.0],
            [121.001, 31.0],
            [121.001, 31.001],
            [121.0, 31.001],
            [121.0, 31.0],
        ]
    }

    fn bowtie() -> Path {
        vec![
            [121.0, 31.0],
            [121.001, 31.001],
            [121.001, 31.0],
            [121.0, 31.001],
            [121.0, 31.0],
        ]
    }

    #[test]
    fn a_good_square_passes_unchanged_and_counter_clockwise() {
        let mut notes = Vec::new();
        let mut cw = square();
        cw.reverse();
        let mp = polygons(vec![vec![cw]], WGS, &mut notes).expect("valid");
        assert!(notes.is_empty(), "{notes:?}");
        assert!(mp.0[0].exterior().is_ccw());
        assert!((mp.unsigned_area() - 1e-6).abs() < 1e-12);
    }

    #[test]
    fn unclosed_rings_and_repeats_are_repaired_with_notes() {
        let mut notes = Vec::new();
        let ring = vec![
            [121.0, 31.0],
            [121.001, 31.0],
            [121.001, 31.0],
            [121.001, 31.001],
            [121.0, 31.001],
        ];
        let mp = polygons(vec![vec![ring]], WGS, &mut notes).expect("repaired");
        assert_eq!(mp.0[0].exterior().0.len(), 5);
        assert_eq!(notes.len(), 2, "{notes:?}");
        assert!(
            notes[0].contains("1 repeated consecutive point"),
            "{notes:?}"
        );
        assert_eq!(notes[1], "polygon ring 0 was not closed; closed it");
    }

    #[test]
    fn a_bowtie_is_refused_with_its_crossing_unless_repaired() {
        let mut notes = Vec::new();
        let problem = polygons(vec![vec![bowtie()]], WGS, &mut notes).expect_err("bowtie");
        assert_eq!(
            problem.to_string(),
            "polygon ring 0 crosses itself near (121.00050, 31.00050); fix it or pass --repair"
        );
        let repair = Checks {
            repair: true,
            ..WGS
        };
        let mp = polygons(vec![vec![bowtie()]], repair, &mut notes).expect("repaired");
        assert!(mp.is_valid());
        assert!(mp.unsigned_area() > 0.0);
        assert!(notes[0].contains("repaired"), "{notes:?}");
    }

    #[test]
    fn degenerate_rings_and_bad_coordinates_are_refused() {
        let mut notes = Vec::new();
        let short = vec![[121.0, 31.0], [121.001, 31.0], [121.0, 31.0]];
        assert!(matches!(
            polygons(vec![vec![short]], WGS, &mut notes),
            Err(FeatureProblem::TooFewPositions { count: 3, .. })
        ));
        let flat = vec![
            [121.0, 31.0],
            [121.001, 31.001],
            [121.002, 31.002],
            [121.0, 31.0],
        ];
        assert!(matches!(
            polygons(vec![vec![flat]], WGS, &mut notes),
            Err(FeatureProblem::ZeroArea { .. })
        ));
        let projected = vec![[13_468_932.0, 3_663_542.0], [13_469_000.0, 3_663_542.0]];
        let message = lines(vec![projected], WGS, &mut notes)
            .expect_err("projected")
            .to_string();
        assert!(message.contains("EPSG:3857"), "{message}");
        let nan = vec![[121.0, 31.0], [f64::NAN, 31.0]];
        assert!(matches!(
            lines(vec![nan], WGS, &mut notes),
            Err(FeatureProblem::NotFinite { index: 1, .. })
        ));
        let dot = vec![[121.0, 31.0], [121.0, 31.0]];
        assert!(matches!(
            lines(vec![dot], WGS, &mut notes),
            Err(FeatureProblem::TooFewPoints { .. })
        ));
    }

    #[test]
    fn shifted_input_is_converted_after_the_checks() {
        let mut notes = Vec::new();
        let gcj = Checks {
            repair: false,
            crs: Crs::Gcj02,
        };
        let line = vec![[121.5, 31.2], [121.51, 31.21]];
        let out = lines(vec![line], gcj, &mut notes).expect("line");
        let (x, y) = coordtransform::wgs84_to_gcj02(out[0].0[0].x, out[0].0[0].y);
        assert!((x - 121.5).abs() < 1e-9 && (y - 31.2).abs() < 1e-9);
        assert!(
            (out[0].0[0].x - 121.5).abs() > 1e-3,
            "the shift was applied"
        );
    }

    proptest::proptest! {
        /// Any star-shaped ring (a simple polygon), in either orientation, starting anywhere,
        /// closed or not, comes out valid, counter-clockwise and with its area.
        #[test]
        fn simple_rings_pass_with_their_area(
            radii in proptest::collection::vec(0.2f64..1.0, 3..24),
            start in 0usize..24,
            reverse: bool,
            close: bool,
        ) {
            let n = radii.len();
            let mut ring: Path = (0..n)
                .map(|i| {
                    let angle = std::f64::consts::TAU * i as f64 / n as f64;
                    [121.5 + 0.001 * radii[i] * angle.cos(), 31.2 + 0.001 * radii[i] * angle.sin()]
                })
                .collect();
            ring.rotate_left(start % n);
            if reverse {
                ring.reverse();
            }
            let expected = {
                let line: LineString<f64> = ring.iter().map(|&[x, y]| Coord { x, y }).collect();
                Polygon::new(line, vec![]).unsigned_area()
            };
            if close {
                ring.push(ring[0]);
            }
            let mut notes = Vec::new();
            let mp = polygons(vec![vec![ring]], WGS, &mut notes).expect("a simple ring");
            proptest::prop_assert_eq!(mp.0.len(), 1);
            proptest::prop_assert!(mp.is_valid());
            proptest::prop_assert!(mp.0[0].exterior().is_ccw());
            proptest::prop_assert!((mp.unsigned_area() - expected).abs() <= 1e-12 * expected);
            proptest::prop_assert_eq!(notes.len(), usize::from(!close));
        }
    }
}
