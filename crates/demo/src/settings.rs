//! The generator's settings: read from TOML, checked once, and compiled in from `data/demo.toml`.

use serde::Deserialize;

use crate::error::{DemoError, Result};

/// The settings text shipped with the crate, `data/demo.toml`.
pub const BUILTIN_TOML: &str = include_str!("../../../data/demo.toml");

/// Everything that shapes the generated sub-district. `data/demo.toml` documents each number and
/// where it comes from.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoSettings {
    /// The random seed: the same seed gives the same dataset.
    pub seed: u64,
    /// Where the sub-district lies, how large it is, and its names and codes.
    pub place: PlaceSettings,
    /// How many people live there.
    pub people: PeopleSettings,
    /// Compounds, their management, tiers and types.
    pub compounds: CompoundSettings,
    /// The street network and the size of blocks.
    pub streets: StreetSettings,
    /// How the land between the streets is used.
    pub land: LandSettings,
    /// Street chiefs.
    pub chiefs: ChiefSettings,
}

/// Location, size, names and codes.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlaceSettings {
    /// Longitude of the centre, WGS-84 degrees.
    pub centre_lon: f64,
    /// Latitude of the centre, WGS-84 degrees.
    pub centre_lat: f64,
    /// Area of the sub-district in km².
    pub area_km2: f64,
    /// Corners of the outline before it is made convex.
    pub outline_vertices: usize,
    /// Range of the outline's length-to-width ratio.
    pub outline_aspect: [f64; 2],
    /// The (fictional) district's name.
    pub district_name: String,
    /// The district's six-digit administrative code.
    pub district_code: String,
    /// The sub-district's name.
    pub subdistrict_name: String,
    /// The sub-district's three digits after the district code.
    pub subdistrict_code: String,
    /// How many communities the sub-district holds.
    pub communities: usize,
}

/// Population.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PeopleSettings {
    /// Registered residents to aim for.
    pub residents: u32,
    /// Average persons per household.
    pub persons_per_household: f64,
}

/// Compounds.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompoundSettings {
    /// How many compounds to generate.
    pub count: usize,
    /// Compounds with full property management.
    pub full: usize,
    /// Compounds with partial management.
    pub partial: usize,
    /// Compounds that nobody manages.
    pub none: usize,
    /// Tier shares `[green, yellow, red]` under full management.
    pub tiers_full: [f64; 3],
    /// Tier shares under partial management.
    pub tiers_partial: [f64; 3],
    /// Tier shares without management.
    pub tiers_none: [f64; 3],
    /// Type weights `[commercial, resettlement, work-unit, mixed]` under full management.
    pub kinds_full: [f64; 4],
    /// Type weights under partial management.
    pub kinds_partial: [f64; 4],
    /// Type weights without management.
    pub kinds_none: [f64; 4],
}

/// Streets and blocks.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StreetSettings {
    /// Main roads drawn across the whole sub-district.
    pub arterials: usize,
    /// Width of a main road in metres.
    pub width_arterial: f64,
    /// Width of a collector street in metres.
    pub width_collector: f64,
    /// Width of a local street in metres.
    pub width_local: f64,
    /// Width of a lane in metres.
    pub width_lane: f64,
    /// Largest turn of a new street away from square to its piece's long axis, in degrees.
    pub angle_jitter_deg: f64,
    /// Largest shift of a new street from the middle of its piece, as a share of its length.
    pub offset_share: f64,
    /// Range of the area (m²) below which a block is not split further.
    pub block_area_m2: [f64; 2],
}

/// Land use.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LandSettings {
    /// Share of parcel area that is not housing.
    pub non_residential_share: f64,
    /// Schools.
    pub schools: usize,
    /// Markets.
    pub markets: usize,
    /// Parks.
    pub parks: usize,
    /// Hospitals.
    pub hospitals: usize,
    /// Share of housing parcels on bigger streets that get a row of street-front shops.
    pub shop_strip_share: f64,
    /// Depth of a row of street-front shops, in metres.
    pub shop_depth_m: f64,
}

/// Street chiefs.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChiefSettings {
    /// How many chiefs.
    pub count: usize,
    /// Of them, chiefs at the sub-district level.
    pub subdistrict_level: usize,
}

impl DemoSettings {
    /// Reads and checks settings written in TOML, in the layout of `data/demo.toml`.
    ///
    /// # Examples
    ///
    /// ```
    /// use wangge_demo::{DemoError, DemoSettings};
    /// let text = wangge_demo::BUILTIN_TOML.replace("full = 66", "full = 65");
    /// let err = DemoSettings::from_toml(&text).expect_err("66 + 123 + 78 = 267, not 266");
    /// assert!(matches!(err, DemoError::Invalid { field: "compounds", .. }));
    /// ```
    pub fn from_toml(text: &str) -> Result<Self> {
        let settings: DemoSettings = toml::from_str(text)?;
        settings.validate()?;
        Ok(settings)
    }

    /// The settings shipped with the crate (`data/demo.toml`).
    pub fn builtin() -> Self {
        Self::from_toml(BUILTIN_TOML)
            .expect("data/demo.toml is compiled in and a unit test proves it is valid")
    }

    /// Checks that the generator can work with these numbers.
    pub fn validate(&self) -> Result<()> {
        fn invalid(field: &'static str, reason: impl Into<String>) -> Result<()> {
            Err(DemoError::Invalid {
                field,
                reason: reason.into(),
            })
        }
        let p = &self.place;
        if !(-180.0..=180.0).contains(&p.centre_lon) || !(-80.0..=80.0).contains(&p.centre_lat) {
            return invalid(
                "place.centre_lon",
                format!(
                    "({}, {}) is not a longitude/latitude between ±180° and ±80°",
                    p.centre_lon, p.centre_lat
                ),
            );
        }
        if !(0.1..=100.0).contains(&p.area_km2) {
            return invalid(
                "place.area_km2",
                format!("{} is not between 0.1 and 100", p.area_km2),
            );
        }
        if !(4..=32).contains(&p.outline_vertices) {
            return invalid("place.outline_vertices", "use 4 to 32");
        }
        if !(p.outline_aspect[0] >= 1.0 && p.outline_aspect[0] <= p.outline_aspect[1]) {
            return invalid(
                "place.outline_aspect",
                "use [low, high] with 1 ≤ low ≤ high",
            );
        }
        if p.district_code.len() != 6 || !p.district_code.bytes().all(|b| b.is_ascii_digit()) {
            return invalid(
                "place.district_code",
                format!("`{}` is not six digits", p.district_code),
            );
        }
        if p.subdistrict_code.len() != 3 || !p.subdistrict_code.bytes().all(|b| b.is_ascii_digit())
        {
            return invalid(
                "place.subdistrict_code",
                format!("`{}` is not three digits", p.subdistrict_code),
            );
        }
        if !(1..=60).contains(&p.communities) {
            return invalid("place.communities", "use 1 to 60");
        }
        if self.people.residents == 0 {
            return invalid("people.residents", "must be positive");
        }
        if !(1.0..=6.0).contains(&self.people.persons_per_household) {
            return invalid("people.persons_per_household", "use 1 to 6");
        }
        let c = &self.compounds;
        if c.count == 0 || c.full + c.partial + c.none != c.count {
            return invalid(
                "compounds",
                format!(
                    "full + partial + none = {} + {} + {} = {}, but count = {}",
                    c.full,
                    c.partial,
                    c.none,
                    c.full + c.partial + c.none,
                    c.count
                ),
            );
        }
        let density = c.count as f64 / p.area_km2;
        // Up to 150 compounds per km² (Huashan has 67), the land has room for all of them.
        if !(5.0..=150.0).contains(&density) {
            return invalid(
                "compounds.count",
                format!("{density:.0} compounds per km² is outside 5–150"),
            );
        }
        for (field, shares) in [
            ("compounds.tiers_full", &c.tiers_full[..]),
            ("compounds.tiers_partial", &c.tiers_partial[..]),
            ("compounds.tiers_none", &c.tiers_none[..]),
            ("compounds.kinds_full", &c.kinds_full[..]),
            ("compounds.kinds_partial", &c.kinds_partial[..]),
            ("compounds.kinds_none", &c.kinds_none[..]),
        ] {
            if shares.iter().any(|s| s.is_nan() || *s < 0.0) || shares.iter().sum::<f64>() <= 0.0 {
                return invalid(field, "use weights ≥ 0 that are not all zero");
            }
        }
        let s = &self.streets;
        for (field, w) in [
            ("streets.width_arterial", s.width_arterial),
            ("streets.width_collector", s.width_collector),
            ("streets.width_local", s.width_local),
            ("streets.width_lane", s.width_lane),
        ] {
            if !(1.0..=80.0).contains(&w) {
                return invalid(field, format!("{w} m is not between 1 and 80"));
            }
        }
        if !(0.0..=45.0).contains(&s.angle_jitter_deg) {
            return invalid("streets.angle_jitter_deg", "use 0 to 45");
        }
        if !(0.0..=0.4).contains(&s.offset_share) {
            return invalid("streets.offset_share", "use 0 to 0.4");
        }
        if !(s.block_area_m2[0] >= 2_000.0 && s.block_area_m2[0] <= s.block_area_m2[1]) {
            return invalid(
                "streets.block_area_m2",
                "use [low, high] with 2000 ≤ low ≤ high",
            );
        }
        let l = &self.land;
        if !(0.0..=0.8).contains(&l.non_residential_share) {
            return invalid("land.non_residential_share", "use 0 to 0.8");
        }
        if !(0.0..=1.0).contains(&l.shop_strip_share) {
            return invalid("land.shop_strip_share", "use 0 to 1");
        }
        if !(6.0..=30.0).contains(&l.shop_depth_m) {
            return invalid("land.shop_depth_m", "use 6 to 30");
        }
        if self.chiefs.count > 5_000 {
            // Phone numbers have four free digits; half of them is plenty.
            return invalid("chiefs.count", "use at most 5000");
        }
        if self.chiefs.subdistrict_level + p.communities > self.chiefs.count {
            return invalid(
                "chiefs.count",
                format!(
                    "{} chiefs cannot cover {} at the sub-district level and one per community",
                    self.chiefs.count, self.chiefs.subdistrict_level
                ),
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_settings_parse_and_carry_the_huashan_numbers() {
        let s = DemoSettings::from_toml(BUILTIN_TOML).expect("data/demo.toml is valid");
        assert_eq!(s.place.communities, 10);
        assert_eq!(s.compounds.count, 267);
        assert_eq!(
            (s.compounds.full, s.compounds.partial, s.compounds.none),
            (66, 123, 78)
        );
        assert_eq!(s.people.residents, 60_600);
        assert_eq!(s.chiefs.count, 143);
        assert!((s.place.area_km2 - 3.98).abs() < 1e-9);
        assert_eq!(DemoSettings::builtin(), s);
    }

    #[test]
    fn bad_settings_name_the_field() {
        let bad = BUILTIN_TOML.replace("district_code = \"530199\"", "district_code = \"5301\"");
        match DemoSettings::from_toml(&bad) {
            Err(DemoError::Invalid { field, reason }) => {
                assert_eq!(field, "place.district_code");
                assert!(reason.contains("5301"), "{reason}");
            }
            other => panic!("expected an invalid district code, got {other:?}"),
        }
        let typo = BUILTIN_TOML.replace("arterials = 2", "arterial = 2");
        let message = DemoSettings::from_toml(&typo)
            .expect_err("unknown field")
            .to_string();
        assert!(message.contains("arterial"), "{message}");
    }
}
