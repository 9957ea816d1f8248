//! Household registers (户籍/住户台账) as CSV: households and residents per building, joined to
//! buildings already in the dataset by building id or by address.
//!
//! Header names are matched without regard to case, in English or Chinese: a building id column
//! (`building_id`, `id`, `osm_id`, `source_id`, `楼栋编号`) or an address column (`address`, `地址`),
//! and `households`/`户数` and/or `population`/`人口`. The user's field mapping can name others. A
//! building id matches a building's source id, else its wangge id. Every problem names the line.

use std::collections::HashMap;

use wangge_core::Dataset;

use crate::csvfile;
use crate::error::{ImportError, Result};
use crate::estimate::{households_of, residents_of};
use crate::fields::Fields;
use crate::{ImportOptions, Input, Progress};

const ID_COLUMNS: &[&str] = &[
    "building_id",
    "id",
    "osm_id",
    "source_id",
    "楼栋编号",
    "楼栋id",
];
const ADDRESS_COLUMNS: &[&str] = &["address", "地址"];
const HOUSEHOLD_COLUMNS: &[&str] = &["households", "户数"];
const POPULATION_COLUMNS: &[&str] = &["population", "人口", "人数"];

/// The columns a register uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Columns {
    id: Option<usize>,
    address: Option<usize>,
    households: Option<usize>,
    population: Option<usize>,
}

/// Joins the register in `input` to `data`'s buildings; returns how many lines were joined.
pub(crate) fn join(
    input: Input<'_>,
    file: &str,
    data: &mut Dataset,
    options: &ImportOptions,
    progress: &dyn Progress,
) -> Result<usize> {
    let register_error = |message: String| ImportError::Register {
        file: file.to_string(),
        message,
    };
    let fields = Fields::new(&options.fields, file)?;
    let line_error = |line: u64, message: String| ImportError::RegisterLine {
        file: file.to_string(),
        line,
        message,
    };
    let (mut reader, headers) = csvfile::open(input.open(file)?, "register", line_error)?;
    let columns = find_columns(&headers, &fields).map_err(register_error)?;

    let mut by_source: HashMap<&str, Vec<usize>> = HashMap::new();
    let mut by_id: HashMap<i64, usize> = HashMap::new();
    let mut by_address: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, b) in data.buildings.iter().enumerate() {
        if let Some(source) = &b.source_id {
            by_source.entry(source.as_str()).or_default().push(i);
        }
        by_id.insert(b.id, i);
        if let Some(address) = &b.address {
            by_address.entry(normalise(address)).or_default().push(i);
        }
    }

    progress.begin(&format!("{file}: household register"), None);
    let mut updates: Vec<(usize, u32, u32)> = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| csvfile::line_error("register", &e, line_error))?;
        let line = record.position().map_or(0, |p| p.line());
        let line_error = |message: String| ImportError::RegisterLine {
            file: file.to_string(),
            line,
            message,
        };
        if record.iter().all(str::is_empty) {
            continue;
        }
        let cell =
            |column: Option<usize>| column.and_then(|c| record.get(c)).filter(|v| !v.is_empty());
        let found = match (cell(columns.id), cell(columns.address)) {
            (Some(id), _) => {
                let matches: Vec<usize> = match by_source.get(id) {
                    Some(found) => found.clone(),
                    None => id
                        .parse::<i64>()
                        .ok()
                        .and_then(|n| by_id.get(&n))
                        .map(|&i| vec![i])
                        .unwrap_or_default(),
                };
                pick(matches, &format!("building id `{id}`"), data).map_err(line_error)?
            }
            (None, Some(address)) => {
                let matches = by_address
                    .get(&normalise(address))
                    .cloned()
                    .unwrap_or_default();
                pick(matches, &format!("address `{address}`"), data).map_err(line_error)?
            }
            (None, None) => {
                return Err(line_error(format!(
                    "gives neither a building id nor an address (columns {}); fill one in",
                    describe(&headers, &[columns.id, columns.address])
                )));
            }
        };
        let number = |column: Option<usize>| -> Result<Option<u32>> {
            let Some(c) = column else { return Ok(None) };
            let Some(text) = record.get(c).filter(|v| !v.is_empty()) else {
                return Ok(None);
            };
            parse_count(text).map(Some).ok_or_else(|| {
                line_error(format!(
                    "column {} (`{}`): `{text}` is not a whole number; fix the value",
                    c + 1,
                    headers.get(c).map_or("", String::as_str)
                ))
            })
        };
        let (households, population) =
            match (number(columns.households)?, number(columns.population)?) {
                (Some(h), Some(p)) => (h, p),
                (Some(h), None) => (h, residents_of(h)),
                (None, Some(p)) => (households_of(p), p),
                (None, None) => {
                    return Err(line_error(
                        "gives neither households nor population; fill one in or delete the line"
                            .into(),
                    ));
                }
            };
        updates.push((found, households, population));
        progress.advance(1);
    }
    progress.finish();
    // Nothing is changed until every line has been read, so a bad line leaves the data untouched.
    let joined = updates.len();
    for (i, households, population) in updates {
        let building = &mut data.buildings[i];
        building.households = households;
        building.population = population;
        building.estimated = false;
    }
    Ok(joined)
}

/// The one building a key matches, or why not.
fn pick(matches: Vec<usize>, what: &str, data: &Dataset) -> std::result::Result<usize, String> {
    match matches[..] {
        [one] => Ok(one),
        [] => Err(format!(
            "{what} matches no building; check it against the imported buildings' ids or \
             addresses, or import the buildings first"
        )),
        _ => Err(format!(
            "{what} matches {} buildings (ids {}); use a column that tells them apart",
            matches.len(),
            matches
                .iter()
                .map(|&i| data.buildings[i].id.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// Finds the columns by the user's mapping, else by the known header names.
fn find_columns(headers: &[String], fields: &Fields) -> std::result::Result<Columns, String> {
    let find = |target: &str, names: &[&str]| -> std::result::Result<Option<usize>, String> {
        if let Some(mapped) = fields.mapped(target) {
            return headers
                .iter()
                .position(|h| h.eq_ignore_ascii_case(mapped))
                .map(Some)
                .ok_or_else(|| {
                    format!(
                        "has no column `{mapped}` (mapped to {target}); its columns are: {}",
                        headers.join(", ")
                    )
                });
        }
        Ok(names
            .iter()
            .find_map(|n| headers.iter().position(|h| h.to_lowercase() == *n)))
    };
    let columns = Columns {
        id: find("id", ID_COLUMNS)?,
        address: find("address", ADDRESS_COLUMNS)?,
        households: find("households", HOUSEHOLD_COLUMNS)?,
        population: find("population", POPULATION_COLUMNS)?,
    };
    if columns.id.is_none() && columns.address.is_none() {
        return Err(format!(
            "has no building id column ({}) or address column ({}); its columns are: {}; \
             rename one or map it with --field id=COLUMN (a street-chief roster needs --layer \
             chiefs)",
            ID_COLUMNS.join(", "),
            ADDRESS_COLUMNS.join(", "),
            headers.join(", ")
        ));
    }
    if columns.households.is_none() && columns.population.is_none() {
        return Err(format!(
            "has no households column ({}) or population column ({}); its columns are: {}; \
             rename one or map it with --field households=COLUMN",
            HOUSEHOLD_COLUMNS.join(", "),
            POPULATION_COLUMNS.join(", "),
            headers.join(", ")
        ));
    }
    Ok(columns)
}

fn describe(headers: &[String], columns: &[Option<usize>]) -> String {
    columns
        .iter()
        .flatten()
        .filter_map(|&c| headers.get(c))
        .map(|h| format!("`{h}`"))
        .collect::<Vec<_>>()
        .join(" and ")
}

/// A count as a whole number; `12.0` is accepted because spreadsheets write it so.
fn parse_count(text: &str) -> Option<u32> {
    let text = text.trim().replace(',', "");
    text.parse::<u32>().ok().or_else(|| {
        text.parse::<f64>()
            .ok()
            .filter(|x| x.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(x))
            .map(|x| x as u32)
    })
}

/// Addresses compare without white space or case: `滨江大道 2727号` equals `滨江大道2727号`.
fn normalise(address: &str) -> String {
    address
        .chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_found_in_either_language() {
        let headers: Vec<String> = ["楼栋编号", "户数", "人口"].map(String::from).to_vec();
        let columns = find_columns(&headers, &Fields::default()).expect("columns");
        assert_eq!(
            columns,
            Columns {
                id: Some(0),
                address: None,
                households: Some(1),
                population: Some(2)
            }
        );
        let mapped =
            Fields::new(&[("households".into(), "HH_CNT".into())], "r.csv").expect("fields");
        let headers: Vec<String> = ["Address", "hh_cnt"].map(String::from).to_vec();
        let columns = find_columns(&headers, &mapped).expect("mapped");
        assert_eq!((columns.address, columns.households), (Some(0), Some(1)));
        let message = find_columns(&["x".to_string()], &Fields::default()).expect_err("none");
        assert!(
            message.contains("楼栋编号") && message.contains("x"),
            "{message}"
        );
    }

    #[test]
    fn counts_and_addresses_are_read_as_people_write_them() {
        assert_eq!(parse_count("1,204"), Some(1204));
        assert_eq!(parse_count("12.0"), Some(12));
        assert_eq!(parse_count("12.5"), None);
        assert_eq!(parse_count("-3"), None);
        assert_eq!(normalise("滨江大道 2727号"), normalise("滨江大道2727号"));
    }
}
