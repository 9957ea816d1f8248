//! Label points: a point guaranteed inside an area, where its name and its dot go.
//!
//! Tiles need one for every compound and zone in view, on every request, so this is a cheap
//! single scan rather than a full interior-point search: cut the area with the horizontal line
//! through the middle of its bounding box and take the middle of the widest stretch inside. The
//! same geometry gives the same point in every tile, so a label never jumps at a tile edge.

use geo::{Coord, MultiPolygon};

/// Working space for label points, kept between features.
#[derive(Debug, Default)]
pub struct Labeller {
    crossings: Vec<f64>,
}

impl Labeller {
    /// A point inside `geometry` (on its boundary only for a degenerate area), or `None` for an
    /// empty geometry.
    pub fn point(&mut self, geometry: &MultiPolygon<f64>) -> Option<Coord<f64>> {
        let mut best: Option<(f64, Coord<f64>)> = None;
        for polygon in &geometry.0 {
            let exterior = &polygon.exterior().0;
            let Some(first) = exterior.first() else {
                continue;
            };
            let (mut lo, mut hi) = (first.y, first.y);
            for c in exterior {
                lo = lo.min(c.y);
                hi = hi.max(c.y);
            }
            let y = 0.5 * (lo + hi);
            self.crossings.clear();
            for ring in std::iter::once(polygon.exterior()).chain(polygon.interiors()) {
                for line in ring.0.windows(2) {
                    let (a, b) = (line[0], line[1]);
                    // Half-open on y, so that a vertex exactly on the line is counted once.
                    if (a.y > y) != (b.y > y) {
                        self.crossings
                            .push(a.x + (y - a.y) / (b.y - a.y) * (b.x - a.x));
                    }
                }
            }
            self.crossings.sort_unstable_by(f64::total_cmp);
            for pair in self.crossings.chunks_exact(2) {
                let width = pair[1] - pair[0];
                if best.is_none_or(|(w, _)| width > w) {
                    best = Some((
                        width,
                        Coord {
                            x: 0.5 * (pair[0] + pair[1]),
                            y,
                        },
                    ));
                }
            }
            if best.is_none() {
                // A flat or empty ring has no inside; its first vertex is as good as any.
                best = Some((-1.0, *first));
            }
        }
        best.map(|(_, c)| c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{Contains, Point, polygon};

    #[test]
    fn the_point_of_a_u_shape_is_inside_it() {
        // A U whose bounding-box centre is in the gap between the arms.
        let u = polygon![
            (x: 0.0, y: 0.0), (x: 10.0, y: 0.0), (x: 10.0, y: 10.0), (x: 8.0, y: 10.0),
            (x: 8.0, y: 2.0), (x: 2.0, y: 2.0), (x: 2.0, y: 10.0), (x: 0.0, y: 10.0),
        ];
        let geometry = MultiPolygon(vec![u.clone()]);
        let p = Labeller::default().point(&geometry).expect("not empty");
        assert!(u.contains(&Point::from(p)), "{p:?}");
    }

    #[test]
    fn holes_are_avoided() {
        let ring = polygon!(
            exterior: [(x: 0.0, y: 0.0), (x: 10.0, y: 0.0), (x: 10.0, y: 10.0), (x: 0.0, y: 10.0)],
            interiors: [[(x: 2.0, y: 2.0), (x: 7.0, y: 2.0), (x: 7.0, y: 8.0), (x: 2.0, y: 8.0)]],
        );
        let p = Labeller::default()
            .point(&MultiPolygon(vec![ring.clone()]))
            .expect("not empty");
        assert!(ring.contains(&Point::from(p)), "{p:?}");
        assert!((p.x - 8.5).abs() < 1e-9, "{p:?}");
    }
}
