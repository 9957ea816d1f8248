//! Coordinate reference systems on the way in: everything is stored as WGS-84, so Chinese shifted
//! coordinates (GCJ-02, BD-09) and Web Mercator metres are converted when a file is read.

use std::fmt;
use std::str::FromStr;

/// The coordinate system of longitude/latitude input.
///
/// Chinese web maps publish shifted coordinates: GCJ-02 (Amap, Tencent) and BD-09 (Baidu). Surveyed
/// data in CGCS2000 equals WGS-84 at the precision that matters here, so it is read as WGS-84.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Crs {
    /// WGS-84 (or CGCS2000): stored as it is.
    #[default]
    Wgs84,
    /// GCJ-02, the "Mars" coordinates of Amap and Tencent maps.
    Gcj02,
    /// BD-09, Baidu's coordinates (GCJ-02 shifted once more).
    Bd09,
}

impl Crs {
    /// The name used on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Crs::Wgs84 => "wgs84",
            Crs::Gcj02 => "gcj02",
            Crs::Bd09 => "bd09",
        }
    }

    /// Parses `wgs84`, `gcj02` or `bd09` (also `wgs-84`, `epsg:4326`, `cgcs2000`, `gcj-02`,
    /// `bd-09`), ignoring case.
    pub fn parse(text: &str) -> Option<Crs> {
        match text.trim().to_lowercase().as_str() {
            "wgs84" | "wgs-84" | "epsg:4326" | "4326" | "cgcs2000" | "epsg:4490" | "4490" => {
                Some(Crs::Wgs84)
            }
            "gcj02" | "gcj-02" | "gcj" | "mars" => Some(Crs::Gcj02),
            "bd09" | "bd-09" | "baidu" => Some(Crs::Bd09),
            _ => None,
        }
    }

    /// Converts one longitude/latitude pair in this system to WGS-84.
    ///
    /// GCJ-02 and BD-09 use coordtransform's refined numerical inverses, which undo the forward
    /// shift to far below a millimetre; outside China the shift does not apply and the pair is
    /// returned unchanged.
    ///
    /// # Examples
    ///
    /// ```
    /// use wangge_import::Crs;
    /// let wgs = (121.4737, 31.2304);
    /// let gcj = coordtransform::wgs84_to_gcj02(wgs.0, wgs.1);
    /// let back = Crs::Gcj02.to_wgs84(gcj.0, gcj.1);
    /// assert!((back.0 - wgs.0).abs() < 1e-9 && (back.1 - wgs.1).abs() < 1e-9);
    /// ```
    pub fn to_wgs84(self, lon: f64, lat: f64) -> (f64, f64) {
        match self {
            Crs::Wgs84 => (lon, lat),
            Crs::Gcj02 => coordtransform::gcj02_to_wgs84(lon, lat),
            Crs::Bd09 => coordtransform::bd09_to_wgs84(lon, lat),
        }
    }
}

impl fmt::Display for Crs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Crs {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Crs::parse(text)
            .ok_or_else(|| format!("unknown coordinate system `{text}`; use wgs84, gcj02 or bd09"))
    }
}

/// Converts Web Mercator (EPSG:3857) metres to WGS-84 longitude/latitude with the spherical
/// Mercator formula.
pub(crate) fn web_mercator_to_wgs84(x: f64, y: f64) -> (f64, f64) {
    coordtransform::epsg3857_to_wgs84(x, y)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_in_every_spelling() {
        assert_eq!(Crs::parse("GCJ-02"), Some(Crs::Gcj02));
        assert_eq!(Crs::parse("bd09"), Some(Crs::Bd09));
        assert_eq!(Crs::parse("CGCS2000"), Some(Crs::Wgs84));
        assert_eq!(Crs::parse("utm"), None);
        let message = "utm".parse::<Crs>().expect_err("unknown");
        assert!(message.contains("gcj02"), "{message}");
    }

    #[test]
    fn web_mercator_origin_and_a_known_point() {
        assert_eq!(web_mercator_to_wgs84(0.0, 0.0), (0.0, 0.0));
        // Prague: 14.42°E 50.09°N is about (1605200, 6461600) in Web Mercator.
        let (lon, lat) = web_mercator_to_wgs84(1_605_200.0, 6_461_600.0);
        assert!(
            (lon - 14.42).abs() < 0.01 && (lat - 50.09).abs() < 0.01,
            "{lon} {lat}"
        );
    }

    #[test]
    fn shifted_coordinates_round_trip_over_china() {
        // A grid over eastern and western China: the inverse must undo the forward shift.
        for i in 0..=20 {
            for j in 0..=20 {
                let lon = 75.0 + f64::from(i) * 2.9;
                let lat = 20.0 + f64::from(j) * 1.2;
                if !coordtransform::is_in_gcj02_region(lon, lat) {
                    continue;
                }
                let gcj = coordtransform::wgs84_to_gcj02(lon, lat);
                let back = Crs::Gcj02.to_wgs84(gcj.0, gcj.1);
                assert!((back.0 - lon).abs() < 1e-6 && (back.1 - lat).abs() < 1e-6);
                let bd = coordtransform::wgs84_to_bd09(lon, lat);
                let back = Crs::Bd09.to_wgs84(bd.0, bd.1);
                assert!((back.0 - lon).abs() < 1e-6 && (back.1 - lat).abs() < 1e-6);
            }
        }
    }

    proptest::proptest! {
        /// The refined inverses undo the forward shifts anywhere in the GCJ-02 region.
        #[test]
        fn shifts_round_trip(lon in 98.0f64..123.0, lat in 21.0f64..42.0) {
            proptest::prop_assume!(coordtransform::is_in_gcj02_region(lon, lat));
            let gcj = coordtransform::wgs84_to_gcj02(lon, lat);
            let (x, y) = Crs::Gcj02.to_wgs84(gcj.0, gcj.1);
            proptest::prop_assert!((x - lon).abs() < 1e-6 && (y - lat).abs() < 1e-6);
            let bd = coordtransform::wgs84_to_bd09(lon, lat);
            let (x, y) = Crs::Bd09.to_wgs84(bd.0, bd.1);
            proptest::prop_assert!((x - lon).abs() < 1e-6 && (y - lat).abs() < 1e-6);
        }
    }
}
