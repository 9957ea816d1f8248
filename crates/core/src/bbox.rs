//! Bounding boxes: their union, for extents and for the area a change touched.

use geo::{Rect, coord};

/// The smallest box holding both.
///
/// # Examples
///
/// ```
/// use geo::{Rect, coord};
/// let a = Rect::new(coord! { x: 0.0, y: 0.0 }, coord! { x: 1.0, y: 1.0 });
/// let b = Rect::new(coord! { x: 2.0, y: -1.0 }, coord! { x: 3.0, y: 0.5 });
/// let u = wangge_core::union_boxes(a, b);
/// assert_eq!((u.min().x, u.min().y, u.max().x, u.max().y), (0.0, -1.0, 3.0, 1.0));
/// ```
pub fn union_boxes(a: Rect<f64>, b: Rect<f64>) -> Rect<f64> {
    Rect::new(
        coord! { x: a.min().x.min(b.min().x), y: a.min().y.min(b.min().y) },
        coord! { x: a.max().x.max(b.max().x), y: a.max().y.max(b.max().y) },
    )
}

/// The union of two optional boxes: either one alone when the other is missing.
pub fn merge_boxes(a: Option<Rect<f64>>, b: Option<Rect<f64>>) -> Option<Rect<f64>> {
    match (a, b) {
        (Some(a), Some(b)) => Some(union_boxes(a, b)),
        (a, b) => a.or(b),
    }
}
