//! The score a plan is judged by: boundary not on streets, household deviation and compactness.
//!
//! Every figure is additive over districts except the cut, which is additive over edges, so the
//! splitter can score a change by looking only at the districts it touches.

use serde::{Deserialize, Serialize};

/// How much each part of the score weighs. The unit of the score is the metre of boundary not on
/// a street; the other weights say how many such metres one household of deviation, or a whole
/// unit of lost compactness, is worth.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Weights {
    /// Score per metre of district boundary that does not run along a street.
    pub off_street_per_m: f64,
    /// Score per household of deviation from the target midpoint.
    pub per_household: f64,
    /// Score for a district of Polsby-Popper 0 (a circle scores 0).
    pub compactness: f64,
    /// Score per household outside the bounds: large, so a plan within bounds always wins.
    pub out_of_bounds_per_household: f64,
}

impl Default for Weights {
    /// A metre of boundary through a block weighs as much as two households of deviation; losing
    /// all compactness weighs as much as 300 m through blocks (about one side of a block), which
    /// keeps districts from snaking along streets just to follow them.
    fn default() -> Self {
        Self {
            off_street_per_m: 1.0,
            per_household: 0.5,
            compactness: 300.0,
            out_of_bounds_per_household: 1000.0,
        }
    }
}

/// The household bounds of one district and its target midpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bounds {
    /// The fewest households a district should hold.
    pub min: u64,
    /// The most households a district should hold.
    pub max: u64,
}

impl Bounds {
    /// The target midpoint.
    pub fn mid(&self) -> f64 {
        (self.min + self.max) as f64 / 2.0
    }

    /// True when `households` lies within the bounds.
    pub fn contains(&self, households: u64) -> bool {
        (self.min..=self.max).contains(&households)
    }

    /// How many households `households` lies outside the bounds (0 inside).
    pub fn violation(&self, households: u64) -> u64 {
        self.min.saturating_sub(households) + households.saturating_sub(self.max)
    }
}

/// Polsby-Popper compactness, 4πA/P²: 1 for a circle, near 0 for a sliver; 0 without a perimeter.
pub fn polsby_popper(area_m2: f64, perimeter_m: f64) -> f64 {
    if perimeter_m > 0.0 {
        (4.0 * std::f64::consts::PI * area_m2 / (perimeter_m * perimeter_m)).min(1.0)
    } else {
        0.0
    }
}

/// The additive figures of one district.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Shape {
    pub households: u64,
    pub area: f64,
    pub perimeter: f64,
}

impl Shape {
    /// The district's own part of the score (the cut is scored on edges).
    pub fn score(&self, bounds: Bounds, weights: &Weights) -> f64 {
        let deviation = (self.households as f64 - bounds.mid()).abs();
        weights.per_household * deviation
            + weights.compactness * (1.0 - polsby_popper(self.area, self.perimeter))
            + weights.out_of_bounds_per_household * bounds.violation(self.households) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_square_and_the_bounds() {
        // A square: 4π/16 = π/4.
        let pp = polsby_popper(100.0, 40.0);
        assert!((pp - std::f64::consts::FRAC_PI_4).abs() < 1e-12);
        assert_eq!(polsby_popper(1.0, 0.0), 0.0);
        let b = Bounds { min: 300, max: 500 };
        assert_eq!(b.mid(), 400.0);
        assert_eq!(b.violation(250), 50);
        assert_eq!(b.violation(520), 20);
        assert_eq!(b.violation(400), 0);
        let w = Weights::default();
        let inside = Shape {
            households: 400,
            area: 100.0,
            perimeter: 40.0,
        };
        let outside = Shape {
            households: 501,
            ..inside
        };
        assert!(inside.score(b, &w) < outside.score(b, &w));
    }
}
