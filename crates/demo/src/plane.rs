//! Convex polygons in a local metric plane: splitting by lines, insetting by half-planes, and the
//! projection from that plane to WGS-84 longitude/latitude.
//!
//! The generator works in metres east (x) and north (y) of the settings' centre, because widths,
//! setbacks and spacings are all given in metres. Every polygon stays convex and counter-clockwise,
//! so clipping by a half-plane (Sutherland–Hodgman against one line) is exact and cheap, and no
//! general Boolean operation is needed.

use geo::{Coord, LineString, MultiPolygon, Polygon};

/// A point or vector in the local plane, in metres.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Pt {
    pub x: f64,
    pub y: f64,
}

impl Pt {
    pub fn new(x: f64, y: f64) -> Self {
        Self { x, y }
    }

    pub fn add(self, o: Pt) -> Pt {
        Pt::new(self.x + o.x, self.y + o.y)
    }

    pub fn sub(self, o: Pt) -> Pt {
        Pt::new(self.x - o.x, self.y - o.y)
    }

    pub fn scale(self, k: f64) -> Pt {
        Pt::new(self.x * k, self.y * k)
    }

    pub fn dot(self, o: Pt) -> f64 {
        self.x * o.x + self.y * o.y
    }

    /// The z component of the cross product: positive when `o` lies to the left of `self`.
    pub fn cross(self, o: Pt) -> f64 {
        self.x * o.y - self.y * o.x
    }

    pub fn len(self) -> f64 {
        self.dot(self).sqrt()
    }

    /// The unit vector at `angle` radians from the x axis.
    pub fn unit(angle: f64) -> Pt {
        Pt::new(angle.cos(), angle.sin())
    }

    /// This vector turned a quarter to the left.
    pub fn left(self) -> Pt {
        Pt::new(-self.y, self.x)
    }
}

/// What lies along one edge of a polygon: the street whose centre line it is (if any), and that
/// street's full width in metres.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct EdgeTag {
    pub street: Option<usize>,
    pub width: f64,
}

impl EdgeTag {
    /// An edge with no street along it, such as a wall between two compounds.
    pub const NONE: EdgeTag = EdgeTag {
        street: None,
        width: 0.0,
    };
}

/// A convex, counter-clockwise polygon whose edge `i` runs from `pts[i]` to `pts[i + 1]` and
/// carries `tags[i]`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Piece {
    pub pts: Vec<Pt>,
    pub tags: Vec<EdgeTag>,
}

/// A directed line through `origin` along `dir`; its left side is where `dir.cross(p - origin)` is
/// positive.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Line {
    pub origin: Pt,
    pub dir: Pt,
}

impl Line {
    fn side(&self, p: Pt) -> f64 {
        self.dir.cross(p.sub(self.origin))
    }
}

/// Where a splitting line crossed a polygon's boundary, and the tag of the edge it crossed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Crossing {
    pub at: Pt,
    pub host: EdgeTag,
}

/// The oriented box around a piece that has the least area: the piece's "long axis" is the
/// direction of its longer side.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Frame {
    /// Unit vector along the longer side.
    pub long: Pt,
    /// Extent along `long`.
    pub length: f64,
    /// Extent across `long`.
    pub width: f64,
}

impl Piece {
    /// A piece from counter-clockwise points, every edge tagged alike.
    pub fn new(pts: Vec<Pt>, tag: EdgeTag) -> Self {
        let tags = vec![tag; pts.len()];
        Self { pts, tags }
    }

    /// Shoelace area in square metres (positive for counter-clockwise pieces).
    pub fn area(&self) -> f64 {
        let n = self.pts.len();
        (0..n)
            .map(|i| self.pts[i].cross(self.pts[(i + 1) % n]))
            .sum::<f64>()
            / 2.0
    }

    /// The area centroid; the vertex mean for degenerate pieces.
    pub fn centroid(&self) -> Pt {
        let n = self.pts.len();
        let mut a = 0.0;
        let mut c = Pt::new(0.0, 0.0);
        for i in 0..n {
            let (p, q) = (self.pts[i], self.pts[(i + 1) % n]);
            let w = p.cross(q);
            a += w;
            c = c.add(p.add(q).scale(w));
        }
        if a.abs() < 1e-9 {
            let sum = self.pts.iter().fold(Pt::new(0.0, 0.0), |s, p| s.add(*p));
            return sum.scale(1.0 / n.max(1) as f64);
        }
        c.scale(1.0 / (3.0 * a))
    }

    /// The minimum-area oriented bounding box, which for a convex polygon has a side along one of
    /// its edges. Cutting across the long side of this box keeps new streets roughly parallel or
    /// perpendicular to the old ones, as in a real street plan.
    pub fn frame(&self) -> Frame {
        let n = self.pts.len();
        let mut best: Option<(f64, Frame)> = None;
        for i in 0..n {
            let e = self.pts[(i + 1) % n].sub(self.pts[i]);
            let l = e.len();
            if l < 1e-9 {
                continue;
            }
            let u = e.scale(1.0 / l);
            let v = u.left();
            let (mut u0, mut u1, mut v0, mut v1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
            for p in &self.pts {
                let (a, b) = (p.dot(u), p.dot(v));
                u0 = u0.min(a);
                u1 = u1.max(a);
                v0 = v0.min(b);
                v1 = v1.max(b);
            }
            let (du, dv) = (u1 - u0, v1 - v0);
            let frame = if du >= dv {
                Frame {
                    long: u,
                    length: du,
                    width: dv,
                }
            } else {
                Frame {
                    long: v,
                    length: dv,
                    width: du,
                }
            };
            if best.as_ref().is_none_or(|(area, _)| du * dv < *area) {
                best = Some((du * dv, frame));
            }
        }
        best.map(|(_, f)| f).unwrap_or(Frame {
            long: Pt::new(1.0, 0.0),
            length: 0.0,
            width: 0.0,
        })
    }

    /// The index of the longest edge.
    pub fn longest_edge(&self) -> usize {
        let n = self.pts.len();
        (0..n)
            .max_by(|&a, &b| {
                let la = self.pts[(a + 1) % n].sub(self.pts[a]).len();
                let lb = self.pts[(b + 1) % n].sub(self.pts[b]).len();
                la.total_cmp(&lb)
            })
            .unwrap_or(0)
    }

    /// Splits the piece by a line into its left and right parts; the new edges along the line get
    /// `cut`. Also returns where the line crossed the boundary. Both halves compute each crossing
    /// from the same edge with the same arithmetic, so they share it bit for bit and tile the
    /// original exactly. Returns `None` when the line misses the piece.
    pub fn split(&self, line: &Line, cut: EdgeTag) -> Option<(Piece, Piece, [Crossing; 2])> {
        let n = self.pts.len();
        let side: Vec<f64> = self.pts.iter().map(|p| line.side(*p)).collect();
        let mut left = Piece {
            pts: Vec::with_capacity(n + 2),
            tags: Vec::with_capacity(n + 2),
        };
        let mut right = left.clone();
        let mut crossings = Vec::with_capacity(2);
        for i in 0..n {
            let j = (i + 1) % n;
            let (a, b, tag) = (self.pts[i], self.pts[j], self.tags[i]);
            let (a_left, b_left) = (side[i] >= 0.0, side[j] >= 0.0);
            if a_left {
                left.push(a, tag);
            } else {
                right.push(a, tag);
            }
            if a_left != b_left {
                let t = side[i] / (side[i] - side[j]);
                let x = a.add(b.sub(a).scale(t));
                crossings.push(Crossing { at: x, host: tag });
                if a_left {
                    // Leaving the left side: the left part runs along the cut from here, the right
                    // part resumes the original edge.
                    left.push(x, cut);
                    right.push(x, tag);
                } else {
                    left.push(x, tag);
                    right.push(x, cut);
                }
            }
        }
        if crossings.len() != 2 || left.pts.len() < 3 || right.pts.len() < 3 {
            return None;
        }
        let left = left.cleaned();
        let right = right.cleaned();
        if left.area() < 1.0 || right.area() < 1.0 {
            return None;
        }
        Some((left, right, [crossings[0], crossings[1]]))
    }

    /// The part of the piece on the left of `line`, or `None` if nothing is left.
    pub fn keep_left(&self, line: &Line, cut: EdgeTag) -> Option<Piece> {
        let side: Vec<f64> = self.pts.iter().map(|p| line.side(*p)).collect();
        if side.iter().all(|s| *s >= 0.0) {
            return Some(self.clone());
        }
        if side.iter().all(|s| *s < 0.0) {
            return None;
        }
        self.split(line, cut).map(|(left, _, _)| left)
    }

    /// Shrinks the piece: edge `i` moves inwards by `inset(i)` metres. For a convex polygon this is
    /// the intersection of the shifted half-planes, so clipping by each in turn is exact. Edges keep
    /// their tags, so an inset parcel still knows which street it fronts.
    pub fn inset(&self, inset: impl Fn(&EdgeTag) -> f64) -> Option<Piece> {
        let n = self.pts.len();
        let mut out = self.clone();
        for i in 0..n {
            let d = inset(&self.tags[i]);
            if d <= 0.0 {
                continue;
            }
            let (a, b) = (self.pts[i], self.pts[(i + 1) % n]);
            let e = b.sub(a);
            let l = e.len();
            if l < 1e-9 {
                continue;
            }
            let dir = e.scale(1.0 / l);
            let line = Line {
                origin: a.add(dir.left().scale(d)),
                dir,
            };
            out = out.keep_left(&line, self.tags[i])?;
        }
        (out.area() > 1.0).then_some(out)
    }

    /// Drops vertices closer than a centimetre to the previous one, which a cut through a vertex
    /// would otherwise duplicate.
    fn cleaned(mut self) -> Piece {
        let mut pts = Vec::with_capacity(self.pts.len());
        let mut tags = Vec::with_capacity(self.pts.len());
        for (p, t) in self.pts.drain(..).zip(self.tags.drain(..)) {
            if pts.last().is_some_and(|q: &Pt| q.sub(p).len() < 0.01) {
                // The zero-length edge from the previous vertex disappears; the previous vertex
                // takes over the tag of the edge that leaves this one.
                if let Some(last) = tags.last_mut() {
                    *last = t;
                }
                continue;
            }
            pts.push(p);
            tags.push(t);
        }
        while pts.len() > 3 && pts[0].sub(pts[pts.len() - 1]).len() < 0.01 {
            pts.pop();
            tags.pop();
        }
        Piece { pts, tags }
    }

    fn push(&mut self, p: Pt, tag: EdgeTag) {
        self.pts.push(p);
        self.tags.push(tag);
    }

    /// The interval `[lo, hi]` of `u` where the horizontal line `v = c` meets the piece, the piece
    /// being given in a frame where `u` and `v` are its coordinates. `None` if the line misses.
    pub fn cross_section(&self, c: f64) -> Option<(f64, f64)> {
        let n = self.pts.len();
        let (mut lo, mut hi) = (f64::MAX, f64::MIN);
        for i in 0..n {
            let (a, b) = (self.pts[i], self.pts[(i + 1) % n]);
            let (v0, v1) = (a.y.min(b.y), a.y.max(b.y));
            if c < v0 || c > v1 {
                continue;
            }
            if (b.y - a.y).abs() < 1e-12 {
                lo = lo.min(a.x.min(b.x));
                hi = hi.max(a.x.max(b.x));
            } else {
                let x = a.x + (b.x - a.x) * (c - a.y) / (b.y - a.y);
                lo = lo.min(x);
                hi = hi.max(x);
            }
        }
        (lo <= hi).then_some((lo, hi))
    }

    /// The piece in the frame whose x axis is `u` (a unit vector), with `origin` at zero.
    pub fn to_frame(&self, origin: Pt, u: Pt) -> Piece {
        let v = u.left();
        Piece {
            pts: self
                .pts
                .iter()
                .map(|p| {
                    let d = p.sub(origin);
                    Pt::new(d.dot(u), d.dot(v))
                })
                .collect(),
            tags: self.tags.clone(),
        }
    }

    /// The smallest and largest `y` of the piece.
    pub fn y_range(&self) -> (f64, f64) {
        self.pts.iter().fold((f64::MAX, f64::MIN), |(lo, hi), p| {
            (lo.min(p.y), hi.max(p.y))
        })
    }

    /// True when `p` lies inside or on the piece.
    #[cfg(test)]
    pub fn contains(&self, p: Pt) -> bool {
        let n = self.pts.len();
        (0..n).all(|i| {
            let (a, b) = (self.pts[i], self.pts[(i + 1) % n]);
            b.sub(a).cross(p.sub(a)) >= -1e-9
        })
    }
}

/// Maps a point from a frame (see [`Piece::to_frame`]) back into the plane.
pub(crate) fn from_frame(p: Pt, origin: Pt, u: Pt) -> Pt {
    origin.add(u.scale(p.x)).add(u.left().scale(p.y))
}

/// The convex hull of some points, counter-clockwise (Andrew's monotone chain).
pub(crate) fn convex_hull(mut pts: Vec<Pt>) -> Vec<Pt> {
    pts.sort_by(|a, b| a.x.total_cmp(&b.x).then(a.y.total_cmp(&b.y)));
    if pts.len() < 3 {
        return pts;
    }
    let mut hull: Vec<Pt> = Vec::with_capacity(pts.len() * 2);
    for pass in 0..2 {
        let start = hull.len();
        let iter: Box<dyn Iterator<Item = &Pt>> = if pass == 0 {
            Box::new(pts.iter())
        } else {
            Box::new(pts.iter().rev())
        };
        for &p in iter {
            while hull.len() >= start + 2 {
                let (a, b) = (hull[hull.len() - 2], hull[hull.len() - 1]);
                if b.sub(a).cross(p.sub(a)) <= 0.0 {
                    hull.pop();
                } else {
                    break;
                }
            }
            hull.push(p);
        }
        hull.pop();
    }
    hull
}

/// The equirectangular mapping between the local plane and longitude/latitude around a centre,
/// with the WGS-84 lengths of a degree at that latitude. Over a few kilometres its error is far
/// below a metre, and being affine it keeps every containment the generator builds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Projection {
    lon0: f64,
    lat0: f64,
    m_per_deg_lon: f64,
    m_per_deg_lat: f64,
}

impl Projection {
    pub fn new(lon0: f64, lat0: f64) -> Self {
        let phi = lat0.to_radians();
        // Standard series for the WGS-84 ellipsoid.
        let m_per_deg_lat = 111_132.92 - 559.82 * (2.0 * phi).cos() + 1.175 * (4.0 * phi).cos();
        let m_per_deg_lon = 111_412.84 * phi.cos() - 93.5 * (3.0 * phi).cos();
        Self {
            lon0,
            lat0,
            m_per_deg_lon,
            m_per_deg_lat,
        }
    }

    pub fn coord(&self, p: Pt) -> Coord<f64> {
        Coord {
            x: self.lon0 + p.x / self.m_per_deg_lon,
            y: self.lat0 + p.y / self.m_per_deg_lat,
        }
    }

    pub fn polygon(&self, piece: &Piece) -> MultiPolygon<f64> {
        let mut ring: Vec<Coord<f64>> = piece.pts.iter().map(|p| self.coord(*p)).collect();
        if let Some(first) = ring.first().copied() {
            ring.push(first);
        }
        MultiPolygon(vec![Polygon::new(LineString(ring), vec![])])
    }

    pub fn line(&self, pts: &[Pt]) -> LineString<f64> {
        LineString(pts.iter().map(|p| self.coord(*p)).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square(size: f64) -> Piece {
        Piece::new(
            vec![
                Pt::new(0.0, 0.0),
                Pt::new(size, 0.0),
                Pt::new(size, size),
                Pt::new(0.0, size),
            ],
            EdgeTag {
                street: Some(7),
                width: 10.0,
            },
        )
    }

    #[test]
    fn a_split_tiles_the_piece_and_tags_the_cut() {
        let sq = square(100.0);
        let line = Line {
            origin: Pt::new(30.0, 0.0),
            dir: Pt::unit(1.4),
        };
        let cut = EdgeTag {
            street: Some(9),
            width: 5.0,
        };
        let (l, r, crossings) = sq.split(&line, cut).expect("the line crosses");
        assert!((l.area() + r.area() - 10_000.0).abs() < 1e-6);
        assert!(l.area() > 0.0 && r.area() > 0.0);
        assert_eq!(l.tags.iter().filter(|t| **t == cut).count(), 1);
        assert_eq!(r.tags.iter().filter(|t| **t == cut).count(), 1);
        for c in crossings {
            assert_eq!(c.host.street, Some(7));
            assert!(l.pts.contains(&c.at) && r.pts.contains(&c.at));
        }
    }

    #[test]
    fn a_line_that_misses_does_not_split() {
        let line = Line {
            origin: Pt::new(-10.0, 0.0),
            dir: Pt::new(0.0, 1.0),
        };
        assert!(square(10.0).split(&line, EdgeTag::NONE).is_none());
    }

    #[test]
    fn inset_moves_each_edge_by_its_own_distance() {
        let sq = square(100.0);
        let mut tags = sq.tags.clone();
        tags[0].width = 30.0;
        let sq = Piece { tags, ..sq };
        let inner = sq.inset(|t| t.width / 2.0).expect("not empty");
        let (y0, y1) = inner.y_range();
        assert!((y0 - 15.0).abs() < 1e-9 && (y1 - 95.0).abs() < 1e-9);
        assert!((inner.area() - 80.0 * 90.0).abs() < 1e-6);
        assert!(square(8.0).inset(|_| 5.0).is_none());
    }

    #[test]
    fn frame_finds_the_long_axis_of_a_rotated_rectangle() {
        let u = Pt::unit(0.3);
        let v = u.left();
        let corners = [(0.0, 0.0), (200.0, 0.0), (200.0, 50.0), (0.0, 50.0)];
        let pts = corners
            .iter()
            .map(|(a, b)| u.scale(*a).add(v.scale(*b)))
            .collect();
        let f = Piece::new(pts, EdgeTag::NONE).frame();
        assert!((f.length - 200.0).abs() < 1e-6 && (f.width - 50.0).abs() < 1e-6);
        assert!(f.long.dot(u).abs() > 0.999_999);
    }

    #[test]
    fn hull_is_counter_clockwise_and_drops_inner_points() {
        let hull = convex_hull(vec![
            Pt::new(0.0, 0.0),
            Pt::new(1.0, 1.0),
            Pt::new(2.0, 0.0),
            Pt::new(2.0, 2.0),
            Pt::new(0.0, 2.0),
        ]);
        assert_eq!(hull.len(), 4);
        assert!(Piece::new(hull, EdgeTag::NONE).area() > 0.0);
    }
}
