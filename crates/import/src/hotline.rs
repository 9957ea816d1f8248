//! 12345 hotline work orders (工单) as CSV: each line becomes a [`Problem`] reported at its place
//! and routed like any other ([`wangge_core::problems::report`]).
//!
//! Header names are matched without regard to case, in Chinese or English: order number
//! (`工单编号`, `order`), time (`受理时间`, `time`), content (`诉求内容`, `content`) are required;
//! address (`地址`, `address`), longitude and latitude (`经度`/`lon`, `纬度`/`lat`) and category
//! (`类别`, `category`) are optional, but a file needs an address column or both coordinate
//! columns. Coordinates may be GCJ-02 or BD-09 ([`HotlineOptions::crs`]).
//!
//! # Locating a line
//!
//! A line with coordinates is reported there. A line without is located by its address: the
//! longest compound or street name of the data that the address contains wins (a compound on a
//! tie), so `青云路12号青云小区3栋` is in 青云小区, and `青云路88号` on 青云路 (the house number
//! is not used). A compound's point is its interior point; a street's is the middle of its longest
//! segment of that name. A line that can be located neither way — or whose place lies outside
//! every zone and near no building or street — is *unlocated*: the import is refused listing the
//! first such lines, unless [`HotlineOptions::skip_unlocated`] is set, when they are left out and
//! listed in [`HotlineImport::skipped`].
//!
//! Any other problem with a line (no order number, an unreadable time, an order number given
//! twice, no content) refuses the whole file, naming the line.

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

use geo::line_measures::InterpolatableLine;
use geo::{Euclidean, InteriorPoint, Length, Point};
use wangge_core::Atlas;
use wangge_core::problems::{
    Problem, ProblemCategory, ProblemLimits, ProblemSource, Report, report,
};

use crate::Input;
use crate::crs::Crs;
use crate::csvfile;
use crate::error::{ImportError, Result};

const ORDER_COLUMNS: &[&str] = &["工单编号", "工单号", "order", "order_no", "编号"];
const TIME_COLUMNS: &[&str] = &["受理时间", "time", "来电时间", "reported_at", "时间"];
const ADDRESS_COLUMNS: &[&str] = &["地址", "address", "事发地址", "诉求地址"];
const LON_COLUMNS: &[&str] = &["经度", "lon", "lng", "longitude"];
const LAT_COLUMNS: &[&str] = &["纬度", "lat", "latitude"];
const CONTENT_COLUMNS: &[&str] = &["诉求内容", "content", "内容", "description", "问题描述"];
const CATEGORY_COLUMNS: &[&str] = &["类别", "category", "诉求类别", "分类"];

/// The reporter recorded for hotline work orders.
pub const HOTLINE_REPORTER: &str = "12345";

/// How many unlocated lines an error lists.
const LISTED_LINES: usize = 10;

/// How to read a hotline file.
#[derive(Debug, Clone, Default)]
pub struct HotlineOptions {
    /// The coordinate system of the longitude/latitude columns.
    pub crs: Crs,
    /// Leave out the lines that cannot be located (listing them) instead of refusing the file.
    pub skip_unlocated: bool,
    /// The time limits that set each problem's first deadline.
    pub limits: ProblemLimits,
    /// Now, in UTC milliseconds: work orders dated more than a day later are refused.
    pub now_ms: i64,
}

/// A line that could not be located.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unlocated {
    /// The 1-based line number in the file.
    pub line: u64,
    /// The work order number.
    pub order_no: String,
    /// Why it could not be located.
    pub reason: String,
}

impl std::fmt::Display for Unlocated {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "line {} (order {}): {}",
            self.line, self.order_no, self.reason
        )
    }
}

/// What reading a hotline file gave.
#[derive(Debug, Clone, Default)]
pub struct HotlineImport {
    /// The work orders as routed problems, in file order.
    pub problems: Vec<Problem>,
    /// How many of them were located by address.
    pub by_address: usize,
    /// How many had a category this importer does not know (they are `other`).
    pub other_category: usize,
    /// The lines left out because they could not be located (with `skip_unlocated`).
    pub skipped: Vec<Unlocated>,
}

/// The columns a hotline file uses.
struct Columns {
    order: usize,
    time: usize,
    content: usize,
    address: Option<usize>,
    lon: Option<usize>,
    lat: Option<usize>,
    category: Option<usize>,
}

fn find_columns(headers: &[String]) -> std::result::Result<Columns, String> {
    let find = |names: &[&str]| {
        names
            .iter()
            .find_map(|n| headers.iter().position(|h| h.to_lowercase() == *n))
    };
    let required = |what: &str, names: &[&str]| {
        find(names).ok_or_else(|| {
            format!(
                "has no {what} column ({}); its columns are: {}",
                names.join(", "),
                headers.join(", ")
            )
        })
    };
    let columns = Columns {
        order: required("work order number", ORDER_COLUMNS)?,
        time: required("time", TIME_COLUMNS)?,
        content: required("content", CONTENT_COLUMNS)?,
        address: find(ADDRESS_COLUMNS),
        lon: find(LON_COLUMNS),
        lat: find(LAT_COLUMNS),
        category: find(CATEGORY_COLUMNS),
    };
    if columns.lon.is_some() != columns.lat.is_some() {
        return Err(format!(
            "has a {} column but no {} column; give both coordinates or neither",
            if columns.lon.is_some() {
                "longitude"
            } else {
                "latitude"
            },
            if columns.lon.is_some() {
                "latitude (纬度, lat)"
            } else {
                "longitude (经度, lon)"
            }
        ));
    }
    if columns.address.is_none() && columns.lon.is_none() {
        return Err(format!(
            "has neither an address column ({}) nor coordinate columns (经度/lon and 纬度/lat), \
             so no work order can be located; its columns are: {}",
            ADDRESS_COLUMNS.join(", "),
            headers.join(", ")
        ));
    }
    Ok(columns)
}

/// Reads a time as written in work orders: RFC 3339 with an offset, or a civil time in
/// Asia/Shanghai (`2026-04-10 09:30:00`, `2026/4/10 9:30`, `2026-04-10`).
pub fn parse_time(text: &str) -> Option<i64> {
    let text = text.trim();
    if let Ok(t) = text.parse::<jiff::Timestamp>() {
        return Some(t.as_millisecond());
    }
    let (date, time) = match text.split_once([' ', 'T']) {
        Some((d, t)) => (d, t.trim()),
        None => (text, "0:00"),
    };
    let mut ymd = date.split(['-', '/', '.']).map(|p| p.trim().parse::<i64>());
    let (y, m, d) = (ymd.next()?.ok()?, ymd.next()?.ok()?, ymd.next()?.ok()?);
    if ymd.next().is_some() {
        return None;
    }
    let mut hms = time.split(':').map(|p| p.trim().parse::<f64>());
    let h = hms.next()?.ok()?;
    let min = hms.next().transpose().ok()?.unwrap_or(0.0);
    let s = hms.next().transpose().ok()?.unwrap_or(0.0);
    if hms.next().is_some() {
        return None;
    }
    let civil = jiff::civil::DateTime::new(
        i16::try_from(y).ok()?,
        i8::try_from(m).ok()?,
        i8::try_from(d).ok()?,
        h as i8,
        min as i8,
        s.trunc() as i8,
        0,
    )
    .ok()?;
    civil
        .to_zoned(wangge_core::inspections::shanghai())
        .ok()
        .map(|z| z.timestamp().as_millisecond())
}

/// Place names of the data, longest first, each with the point an address naming it is put at.
struct Gazetteer {
    /// (name, point, is a compound).
    names: Vec<(String, Point<f64>, bool)>,
}

impl Gazetteer {
    fn new(atlas: &Atlas) -> Gazetteer {
        let data = atlas.data();
        let mut names: Vec<(String, Point<f64>, bool)> = Vec::new();
        let mut compounds: Vec<_> = data.compounds.iter().collect();
        compounds.sort_by_key(|c| c.id);
        for c in compounds {
            let name = c.name.trim();
            if name.chars().count() >= 2
                && !names.iter().any(|(n, _, _)| n == name)
                && let Some(p) = c.geometry.interior_point()
            {
                names.push((name.to_string(), p, true));
            }
        }
        // A street's point is the middle of its longest segment of that name.
        let mut streets: HashMap<&str, (f64, i64, Point<f64>)> = HashMap::new();
        for s in &data.streets {
            let Some(name) = s
                .name
                .as_deref()
                .map(str::trim)
                .filter(|n| n.chars().count() >= 2)
            else {
                continue;
            };
            let length = Euclidean.length(&s.geometry);
            let Some(middle) = s.geometry.point_at_ratio_from_start(&Euclidean, 0.5) else {
                continue;
            };
            let better = streets
                .get(name)
                .is_none_or(|(l, id, _)| (length, -s.id) > (*l, -*id));
            if better {
                streets.insert(name, (length, s.id, middle));
            }
        }
        let mut street_names: Vec<(&str, Point<f64>)> =
            streets.into_iter().map(|(n, (_, _, p))| (n, p)).collect();
        street_names.sort_by(|a, b| a.0.cmp(b.0));
        for (name, p) in street_names {
            if !names.iter().any(|(n, _, _)| n == name) {
                names.push((name.to_string(), p, false));
            }
        }
        // Longest first; a compound before a street of the same length; then by name.
        names.sort_by(|a, b| {
            b.0.chars()
                .count()
                .cmp(&a.0.chars().count())
                .then(b.2.cmp(&a.2))
                .then(a.0.cmp(&b.0))
        });
        Gazetteer { names }
    }

    fn locate(&self, address: &str) -> Option<Point<f64>> {
        self.names
            .iter()
            .find(|(name, _, _)| address.contains(name.as_str()))
            .map(|(_, p, _)| *p)
    }
}

/// Reads the work orders in `path` and routes each on `atlas`. Nothing is written.
pub fn read_hotline(path: &Path, atlas: &Atlas, options: &HotlineOptions) -> Result<HotlineImport> {
    read(path, Input::Path(path), atlas, options)
}

/// Like [`read_hotline`], but reads the file's bytes from `reader`; `path` only names the file in
/// messages.
pub fn read_hotline_from(
    path: &Path,
    reader: impl Read,
    atlas: &Atlas,
    options: &HotlineOptions,
) -> Result<HotlineImport> {
    read(path, Input::Reader(Box::new(reader)), atlas, options)
}

fn read(
    path: &Path,
    input: Input<'_>,
    atlas: &Atlas,
    options: &HotlineOptions,
) -> Result<HotlineImport> {
    let file = path.display().to_string();
    let whole = |message: String| ImportError::Hotline {
        file: file.clone(),
        message,
    };
    let line_error = |line: u64, message: String| ImportError::HotlineLine {
        file: file.clone(),
        line,
        message,
    };
    let (mut reader, headers) = csvfile::open(input.open(&file)?, "work orders", line_error)?;
    let columns = find_columns(&headers).map_err(whole)?;
    let gazetteer = Gazetteer::new(atlas);
    let mut result = HotlineImport::default();
    let mut unlocated: Vec<Unlocated> = Vec::new();
    let mut lines_by_order: HashMap<String, u64> = HashMap::new();
    for record in reader.records() {
        let record = record.map_err(|e| csvfile::line_error("work orders", &e, line_error))?;
        let line = record.position().map_or(0, |p| p.line());
        if record.iter().all(str::is_empty) {
            continue;
        }
        let cell = |c: usize| record.get(c).filter(|v| !v.is_empty());
        let bad = |message: String| line_error(line, message);
        let order_no = cell(columns.order)
            .ok_or_else(|| bad("has no work order number; fill it in or delete the line".into()))?
            .to_string();
        if let Some(first) = lines_by_order.insert(order_no.clone(), line) {
            return Err(bad(format!(
                "work order {order_no} is already on line {first}; delete one of the two lines"
            )));
        }
        let time_text = cell(columns.time).unwrap_or_default();
        let at_ms = parse_time(time_text).ok_or_else(|| {
            bad(format!(
                "the time `{time_text}` is not a time such as 2026-04-10 09:30:00 (Asia/Shanghai) \
                 or 2026-04-10T09:30:00+08:00"
            ))
        })?;
        let content = cell(columns.content)
            .ok_or_else(|| bad("has no content (诉求内容); fill it in or delete the line".into()))?
            .to_string();
        let category_text = columns.category.and_then(cell);
        let category = match category_text.map(ProblemCategory::parse) {
            Some(Ok(c)) => c,
            Some(Err(_)) => {
                result.other_category += 1;
                ProblemCategory::Other
            }
            None => ProblemCategory::Other,
        };
        let address = columns.address.and_then(cell).map(str::to_string);
        let coordinates = match (columns.lon.and_then(cell), columns.lat.and_then(cell)) {
            (Some(x), Some(y)) => match (x.parse::<f64>(), y.parse::<f64>()) {
                (Ok(lon), Ok(lat)) if lon.is_finite() && lat.is_finite() => {
                    Ok(Some(options.crs.to_wgs84(lon, lat)))
                }
                _ => Err(format!("the coordinates `{x}, {y}` are not numbers")),
            },
            _ => Ok(None),
        };
        let unlocated_because = |reason: String| Unlocated {
            line,
            order_no: order_no.clone(),
            reason,
        };
        let (lon, lat, by_address) = match coordinates {
            Ok(Some((lon, lat))) => (lon, lat, false),
            Err(reason) => {
                unlocated.push(unlocated_because(reason));
                continue;
            }
            Ok(None) => match address.as_deref().map(|a| (a, gazetteer.locate(a))) {
                Some((_, Some(p))) => (p.x(), p.y(), true),
                Some((a, None)) => {
                    unlocated.push(unlocated_because(format!(
                        "no coordinates, and the address `{a}` names no compound or street of \
                         the data"
                    )));
                    continue;
                }
                None => {
                    unlocated.push(unlocated_because(
                        "has neither coordinates nor an address".into(),
                    ));
                    continue;
                }
            },
        };
        let problem = report(
            atlas,
            Report {
                lon,
                lat,
                address,
                category,
                description: content,
                source: ProblemSource::Hotline,
                order_no: Some(order_no.clone()),
                at_ms,
                reporter: HOTLINE_REPORTER.into(),
            },
            options.now_ms,
            &options.limits,
        )
        .map_err(|e| bad(e.to_string()))?;
        let r = &problem.routing;
        if r.grid.is_none() && r.chief.is_none() {
            unlocated.push(unlocated_because(format!(
                "({lon:.5}, {lat:.5}) lies outside every zone and near no building or street of \
                 the data{}",
                if options.crs == Crs::Wgs84 {
                    "; if the coordinates come from Amap or Tencent, pass --crs gcj02 (Baidu: bd09)"
                } else {
                    ""
                }
            )));
            continue;
        }
        if by_address {
            result.by_address += 1;
        }
        result.problems.push(problem);
    }
    if !unlocated.is_empty() && !options.skip_unlocated {
        let listed: Vec<String> = unlocated
            .iter()
            .take(LISTED_LINES)
            .map(ToString::to_string)
            .collect();
        return Err(ImportError::Hotline {
            file,
            message: format!(
                "{} work order(s) cannot be located{}: {}; fix them, or pass --skip-unlocated to \
                 import the rest (nothing was imported)",
                unlocated.len(),
                if unlocated.len() > LISTED_LINES {
                    format!(", the first {LISTED_LINES}")
                } else {
                    String::new()
                },
                listed.join("; ")
            ),
        });
    }
    result.skipped = unlocated;
    Ok(result)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_read_in_shanghai_unless_they_carry_an_offset() {
        let utc = |t: &str| t.parse::<jiff::Timestamp>().expect("time").as_millisecond();
        assert_eq!(
            parse_time("2026-04-10 09:30:00"),
            Some(utc("2026-04-10T01:30:00Z"))
        );
        assert_eq!(
            parse_time("2026/4/10 9:30"),
            Some(utc("2026-04-10T01:30:00Z"))
        );
        assert_eq!(parse_time("2026-04-10"), Some(utc("2026-04-09T16:00:00Z")));
        assert_eq!(
            parse_time("2026-04-10T09:30:00Z"),
            Some(utc("2026-04-10T09:30:00Z"))
        );
        assert_eq!(parse_time("yesterday"), None);
        assert_eq!(parse_time("2026-13-10 09:30"), None);
        assert_eq!(parse_time("2026-04-10 25:30"), None);
    }
}
