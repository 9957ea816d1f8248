//! Estimates for buildings that arrive without registered figures: floors from height, households
//! and residents from footprint × floors, and which building uses house nobody.

/// Storey height assumed when only a building's height is known, in metres (a common residential
/// storey of 2.8–3.0 m plus slab, rounded).
pub const STOREY_HEIGHT_M: f64 = 3.0;

/// Floors assumed when a building gives neither levels nor height: the six-storey walk-up (多层住宅)
/// that makes up most compounds in the case reports. Such buildings are marked estimated.
pub const DEFAULT_FLOORS: u16 = 6;

/// Share of gross floor area that is usable dwelling space (得房率); Chinese residential blocks
/// typically give 70–80 %, so 75 % is used.
pub const USABLE_SHARE: f64 = 0.75;

/// Usable floor area of one household in square metres: the 90 m² benchmark dwelling of national
/// housing policy (the "90/70" rule).
pub const M2_PER_HOUSEHOLD: f64 = 90.0;

/// Residents per household: Xibeijie sub-district (Jiuquan) registers 32,691 people in 14,268
/// households (DOMAIN.md), 2.29 per household.
pub const RESIDENTS_PER_HOUSEHOLD: f64 = 32_691.0 / 14_268.0;

/// Households per floor of one unit (一梯两户, two flats per landing), for estimating units.
pub const HOUSEHOLDS_PER_LANDING: f64 = 2.0;

/// Estimates a residential building's households and residents from its footprint and floors.
///
/// households = round(footprint × floors × [`USABLE_SHARE`] / [`M2_PER_HOUSEHOLD`]),
/// residents = round(households × [`RESIDENTS_PER_HOUSEHOLD`]).
///
/// # Examples
///
/// ```
/// // A 6-storey walk-up of 600 m²: 3,600 m² gross, 2,700 m² usable, 30 flats, 69 residents.
/// assert_eq!(wangge_import::estimate_households(600.0, 6), (30, 69));
/// assert_eq!(wangge_import::estimate_households(0.0, 6), (0, 0));
/// ```
pub fn estimate_households(footprint_m2: f64, floors: u16) -> (u32, u32) {
    let gross = footprint_m2.max(0.0) * f64::from(floors);
    let households = round_u32(gross * USABLE_SHARE / M2_PER_HOUSEHOLD);
    (households, residents_of(households))
}

/// Residents of `households` households at [`RESIDENTS_PER_HOUSEHOLD`].
pub fn residents_of(households: u32) -> u32 {
    round_u32(f64::from(households) * RESIDENTS_PER_HOUSEHOLD)
}

/// Households of `residents` residents at [`RESIDENTS_PER_HOUSEHOLD`].
pub fn households_of(residents: u32) -> u32 {
    round_u32(f64::from(residents) / RESIDENTS_PER_HOUSEHOLD)
}

/// Floors of a building `height_m` tall at [`STOREY_HEIGHT_M`] a storey; at least one.
pub fn floors_from_height(height_m: f64) -> u16 {
    let floors = (height_m / STOREY_HEIGHT_M).round();
    if floors.is_finite() && floors >= 1.0 {
        floors.min(f64::from(u16::MAX)) as u16
    } else {
        1
    }
}

/// Units (单元, stairwells) of a residential building: households over floors × two flats per
/// landing, at least one.
pub fn units_of(households: u32, floors: u16) -> u16 {
    let per_unit = f64::from(floors.max(1)) * HOUSEHOLDS_PER_LANDING;
    let units = (f64::from(households) / per_unit).ceil();
    units.clamp(1.0, f64::from(u16::MAX)) as u16
}

/// True when a building use (an OSM `building=*` value, a Tilezen `kind_detail`, a Geofabrik
/// `type`) houses nobody, so the building gets no households. Unknown and generic values
/// (`yes`, empty) count as residential, since most buildings of a compound are dwellings.
pub fn is_non_residential(building_use: &str) -> bool {
    const NON_RESIDENTIAL: &[&str] = &[
        "commercial",
        "office",
        "retail",
        "industrial",
        "warehouse",
        "school",
        "university",
        "college",
        "kindergarten",
        "hospital",
        "hotel",
        "church",
        "cathedral",
        "chapel",
        "temple",
        "mosque",
        "shrine",
        "synagogue",
        "place_of_worship",
        "religious",
        "public",
        "civic",
        "government",
        "train_station",
        "transportation",
        "parking",
        "garage",
        "garages",
        "carport",
        "shed",
        "roof",
        "service",
        "kiosk",
        "supermarket",
        "mall",
        "shop",
        "bank",
        "sports_hall",
        "sports_centre",
        "stadium",
        "grandstand",
        "pavilion",
        "construction",
        "bridge",
        "tower",
        "communications_tower",
        "water_tower",
        "attraction",
        "embassy",
        "arts_centre",
        "museum",
        "theatre",
        "cinema",
        "library",
        "fire_station",
        "police",
        "toilets",
        "barn",
        "cowshed",
        "stable",
        "farm_auxiliary",
        "greenhouse",
        "hangar",
        "power",
        "substation",
        "transformer_tower",
        "factory",
        "manufacture",
        "ruins",
        "military",
        "bunker",
        "gatehouse",
        "guardhouse",
        "boathouse",
        "storage_tank",
        "silo",
        "digester",
        "tech_cab",
        "utility",
        "education",
        "healthcare",
        "hall",
        "conference_centre",
        "exhibition_centre",
        "商业",
        "办公",
        "工业",
        "学校",
        "医院",
        "酒店",
        "仓库",
        "车库",
        "厂房",
    ];
    let value = building_use.trim().to_lowercase();
    NON_RESIDENTIAL.contains(&value.as_str())
}

fn round_u32(value: f64) -> u32 {
    if value.is_finite() && value > 0.0 {
        value.round().min(f64::from(u32::MAX)) as u32
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xibeijie_ratio_is_used_for_residents() {
        assert!((RESIDENTS_PER_HOUSEHOLD - 2.2912).abs() < 1e-4);
        assert_eq!(residents_of(14_268), 32_691);
        assert_eq!(households_of(32_691), 14_268);
    }

    #[test]
    fn floors_units_and_uses() {
        assert_eq!(floors_from_height(20.0), 7);
        assert_eq!(floors_from_height(0.5), 1);
        assert_eq!(floors_from_height(f64::NAN), 1);
        assert_eq!(units_of(30, 6), 3);
        assert_eq!(units_of(0, 6), 1);
        assert!(is_non_residential("Office"));
        assert!(!is_non_residential("apartments"));
        assert!(!is_non_residential("yes"));
    }

    #[test]
    fn estimates_grow_with_floor_area() {
        let (small, _) = estimate_households(300.0, 6);
        let (tall, _) = estimate_households(300.0, 18);
        assert_eq!(small, 15);
        assert_eq!(tall, 45);
    }
}
