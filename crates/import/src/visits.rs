//! Visit targets as CSV: key sites (重点场所) and vulnerable households (重点户). Each file is the
//! whole list and replaces the one in the store; every problem names the file and the line, and
//! nothing is returned until every line has been read.
//!
//! **Key sites**: a compound (`compound`, `compound_code`, `小区编码`, `小区代码`, `小区`: its code, or
//! its name when only one compound has it) or a building (`building`, `building_id`, `楼栋编号`,
//! `楼栋`: its id) — one of the two per line — and a reason (`reason`, `原因`, `理由`, `重点原因`).
//!
//! **Vulnerable households**: the building, by id (`building`, `building_id`, `楼栋编号`) or by its
//! address or name (`address`, `地址`, `楼栋地址`, `楼栋名称`, `name`); the door (`door`, `room`,
//! `门牌`, `房号`, `户号`, `室`); the category (`category`, `类别`, `类型`, `人员类别`: 独居老人,
//! 残疾人, 低保, 留守儿童, 其他 or the English words); a contact (`contact`, `联系方式`, `联系人`,
//! `电话`), optional. The contact is personal data: no message ever quotes it.

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

use wangge_core::{Dataset, Id, KeyPlace, KeySite, VulnerableCategory, VulnerableHousehold};

use crate::Input;
use crate::csvfile;
use crate::error::{ImportError, Result};

const COMPOUND: &[&str] = &["compound", "compound_code", "小区编码", "小区代码", "小区"];
const BUILDING: &[&str] = &["building", "building_id", "楼栋编号", "楼栋"];
const REASON: &[&str] = &["reason", "原因", "理由", "重点原因", "说明"];
const ADDRESS: &[&str] = &["address", "地址", "楼栋地址", "楼栋名称", "name"];
const DOOR: &[&str] = &["door", "room", "门牌", "房号", "户号", "室"];
const CATEGORY: &[&str] = &["category", "类别", "类型", "人员类别"];
const CONTACT: &[&str] = &["contact", "联系方式", "联系人", "电话"];

fn column(headers: &[String], names: &[&str]) -> Option<usize> {
    headers
        .iter()
        .position(|h| names.iter().any(|n| h.eq_ignore_ascii_case(n)))
}

fn squeeze(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

struct Csv<'a> {
    file: String,
    reader: csvfile::Reader<'a>,
    headers: Vec<String>,
}

fn open<'a>(path: &Path, input: Input<'a>, what: &str) -> Result<Csv<'a>> {
    let file = path.display().to_string();
    let line = |line: u64, message: String| ImportError::TargetsLine {
        file: file.clone(),
        line,
        message,
    };
    let (reader, headers) = csvfile::open(input.open(&file)?, what, line)?;
    Ok(Csv {
        file,
        reader,
        headers,
    })
}

impl Csv<'_> {
    fn whole(&self, message: String) -> ImportError {
        ImportError::Targets {
            file: self.file.clone(),
            message,
        }
    }

    /// Every non-empty line with its number.
    fn lines(&mut self, what: &str) -> Result<Vec<(u64, csv::StringRecord)>> {
        let file = self.file.clone();
        let mut lines = Vec::new();
        for record in self.reader.records() {
            let record = record.map_err(|e| {
                csvfile::line_error(what, &e, |line, message| ImportError::TargetsLine {
                    file: file.clone(),
                    line,
                    message,
                })
            })?;
            if record.iter().all(str::is_empty) {
                continue;
            }
            let line = record.position().map_or(0, |p| p.line());
            lines.push((line, record));
        }
        Ok(lines)
    }
}

fn cell(record: &csv::StringRecord, column: Option<usize>) -> Option<&str> {
    column.and_then(|c| record.get(c)).filter(|v| !v.is_empty())
}

/// Reads a list of key sites against the dataset's compounds and buildings.
pub fn read_key_sites(path: &Path, data: &Dataset) -> Result<Vec<KeySite>> {
    key_sites(open(path, Input::Path(path), "key-site list")?, data)
}

/// Like [`read_key_sites`], but reads the file's bytes from `reader`; `path` only names the file
/// in messages.
pub fn read_key_sites_from(path: &Path, reader: impl Read, data: &Dataset) -> Result<Vec<KeySite>> {
    let input = Input::Reader(Box::new(reader));
    key_sites(open(path, input, "key-site list")?, data)
}

fn key_sites(mut csv: Csv<'_>, data: &Dataset) -> Result<Vec<KeySite>> {
    let compound = column(&csv.headers, COMPOUND);
    let building = column(&csv.headers, BUILDING);
    let reason = column(&csv.headers, REASON);
    if compound.is_none() && building.is_none() {
        return Err(csv.whole(
            "has neither a compound column (小区编码) nor a building column (楼栋编号); name each \
             key site by its compound code or building id"
                .into(),
        ));
    }
    let Some(reason) = reason else {
        return Err(
            csv.whole("has no reason column (原因); say why each place is a key site".into())
        );
    };
    let by_code: HashMap<&str, Id> = data
        .compounds
        .iter()
        .map(|c| (c.code.as_str(), c.id))
        .collect();
    let mut by_name: HashMap<String, Vec<Id>> = HashMap::new();
    for c in &data.compounds {
        by_name.entry(squeeze(&c.name)).or_default().push(c.id);
    }
    let buildings: std::collections::HashSet<Id> = data.buildings.iter().map(|b| b.id).collect();
    let file = csv.file.clone();
    let mut sites = Vec::new();
    let mut first_line: HashMap<KeyPlace, u64> = HashMap::new();
    for (line, record) in csv.lines("key-site list")? {
        let error = |message: String| ImportError::TargetsLine {
            file: file.clone(),
            line,
            message,
        };
        let place = match (cell(&record, compound), cell(&record, building)) {
            (Some(_), Some(_)) => {
                return Err(error(
                    "names both a compound and a building; a line is one key site, so keep one \
                     of the two"
                        .into(),
                ));
            }
            (None, None) => {
                return Err(error(
                    "names no compound and no building; fill one in or delete the line".into(),
                ));
            }
            (Some(text), None) => match by_code.get(text) {
                Some(&id) => KeyPlace::Compound(id),
                None => match by_name.get(&squeeze(text)).map(Vec::as_slice) {
                    Some([id]) => KeyPlace::Compound(*id),
                    Some(_) => {
                        return Err(error(format!(
                            "several compounds are named `{text}`; give the compound's code"
                        )));
                    }
                    None => {
                        return Err(error(format!(
                            "no compound has the code or name `{text}`; check it against \
                             `wangge export --layer compounds`"
                        )));
                    }
                },
            },
            (None, Some(text)) => match text.parse::<Id>() {
                Ok(id) if buildings.contains(&id) => KeyPlace::Building(id),
                _ => {
                    return Err(error(format!(
                        "there is no building `{text}`; give a building id (楼栋编号)"
                    )));
                }
            },
        };
        let Some(reason) = cell(&record, Some(reason)) else {
            return Err(error(
                "has no reason; say why the place is a key site".into(),
            ));
        };
        if let Some(first) = first_line.insert(place, line) {
            return Err(error(format!(
                "the same place is already a key site on line {first}; delete one of the two lines"
            )));
        }
        sites.push(KeySite {
            place,
            reason: reason.to_string(),
        });
    }
    if sites.is_empty() {
        return Err(csv.whole(
            "lists no key sites; the file replaces the whole list, so add the key sites' lines \
             (compound code or building id, reason)"
                .into(),
        ));
    }
    Ok(sites)
}

/// Reads a list of vulnerable households against the dataset's buildings. Ids are left at 0: the
/// store keeps those of households already listed (same building and door).
pub fn read_vulnerable(path: &Path, data: &Dataset) -> Result<Vec<VulnerableHousehold>> {
    vulnerable(open(path, Input::Path(path), "household list")?, data)
}

/// Like [`read_vulnerable`], but reads the file's bytes from `reader`; `path` only names the file
/// in messages.
pub fn read_vulnerable_from(
    path: &Path,
    reader: impl Read,
    data: &Dataset,
) -> Result<Vec<VulnerableHousehold>> {
    let input = Input::Reader(Box::new(reader));
    vulnerable(open(path, input, "household list")?, data)
}

fn vulnerable(mut csv: Csv<'_>, data: &Dataset) -> Result<Vec<VulnerableHousehold>> {
    let building = column(&csv.headers, BUILDING);
    let address = column(&csv.headers, ADDRESS);
    let door = column(&csv.headers, DOOR);
    let category = column(&csv.headers, CATEGORY);
    let contact = column(&csv.headers, CONTACT);
    if building.is_none() && address.is_none() {
        return Err(csv.whole(
            "has neither a building column (楼栋编号) nor an address column (地址); name each \
             household's building"
                .into(),
        ));
    }
    let (Some(door), Some(category)) = (door, category) else {
        return Err(csv.whole(
            "needs a door column (门牌) and a category column (类别: 独居老人, 残疾人, 低保, \
             留守儿童, 其他)"
                .into(),
        ));
    };
    let ids: std::collections::HashSet<Id> = data.buildings.iter().map(|b| b.id).collect();
    let mut by_address: HashMap<String, Vec<Id>> = HashMap::new();
    for b in &data.buildings {
        for text in [&b.address, &b.name].into_iter().flatten() {
            let list = by_address.entry(squeeze(text)).or_default();
            if !list.contains(&b.id) {
                list.push(b.id);
            }
        }
    }
    let file = csv.file.clone();
    let mut households = Vec::new();
    let mut first_line: HashMap<(Id, String), u64> = HashMap::new();
    for (line, record) in csv.lines("household list")? {
        let error = |message: String| ImportError::TargetsLine {
            file: file.clone(),
            line,
            message,
        };
        let building_id = match (cell(&record, building), cell(&record, address)) {
            (Some(text), _) => match text.parse::<Id>() {
                Ok(id) if ids.contains(&id) => id,
                _ => {
                    return Err(error(format!(
                        "there is no building `{text}`; give a building id (楼栋编号)"
                    )));
                }
            },
            (None, Some(text)) => match by_address.get(&squeeze(text)).map(Vec::as_slice) {
                Some([id]) => *id,
                Some(_) => {
                    return Err(error(format!(
                        "several buildings have the address or name `{text}`; give the building id"
                    )));
                }
                None => {
                    return Err(error(format!(
                        "no building has the address or name `{text}`; give the building id"
                    )));
                }
            },
            (None, None) => {
                return Err(error(
                    "names no building; fill in its id or address, or delete the line".into(),
                ));
            }
        };
        let Some(door_text) = cell(&record, Some(door)) else {
            return Err(error(
                "has no door (门牌); a household is a door in a building".into(),
            ));
        };
        let Some(category_text) = cell(&record, Some(category)) else {
            return Err(error(
                "has no category (类别: 独居老人, 残疾人, 低保, 留守儿童, 其他)".into(),
            ));
        };
        let category = VulnerableCategory::parse(category_text).map_err(|_| {
            error(format!(
                "`{category_text}` is not a category; write 独居老人, 残疾人, 低保, 留守儿童 or \
                 其他 (or elderly_alone, disabled, low_income, left_behind_children, other)"
            ))
        })?;
        let key = (building_id, door_text.to_string());
        if let Some(first) = first_line.insert(key, line) {
            return Err(error(format!(
                "building {building_id} door {door_text} is already listed on line {first}; \
                 delete one of the two lines"
            )));
        }
        households.push(VulnerableHousehold {
            id: 0,
            building: building_id,
            door: door_text.to_string(),
            category,
            contact: cell(&record, contact).map(str::to_string),
        });
    }
    if households.is_empty() {
        return Err(csv.whole(
            "lists no households; the file replaces the whole list, so add the households' lines \
             (building, door, category)"
                .into(),
        ));
    }
    Ok(households)
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use geo::MultiPolygon;
    use wangge_core::{Building, Compound, CompoundKind, Management, Tier};

    use super::*;

    fn data() -> Dataset {
        let mut data = Dataset::default();
        data.compounds.push(Compound {
            id: 5,
            code: "C5".into(),
            name: "红旗 小区".into(),
            kind: CompoundKind::Mixed,
            management: Management::None,
            tier: Tier::Red,
            stars: None,
            source_id: None,
            geometry: MultiPolygon(vec![]),
        });
        for (id, address) in [(10, "幸福路1号"), (11, "幸福路3号")] {
            data.buildings.push(Building {
                id,
                source_id: None,
                name: None,
                address: Some(address.into()),
                compound: Some(5),
                floors: 6,
                units: 2,
                households: 24,
                population: 50,
                height_m: None,
                estimated: false,
                geometry: MultiPolygon(vec![]),
            });
        }
        data
    }

    fn file(text: &str) -> tempfile::NamedTempFile {
        let mut f = tempfile::Builder::new()
            .suffix(".csv")
            .tempfile()
            .expect("temp");
        f.write_all(text.as_bytes()).expect("write");
        f
    }

    #[test]
    fn key_sites_by_code_name_or_building() {
        let f = file("小区编码,楼栋编号,原因\nC5,,出租屋集中\n,11,在建工地\n");
        let sites = read_key_sites(f.path(), &data()).expect("read");
        assert_eq!(
            sites.iter().map(|s| s.place).collect::<Vec<_>>(),
            vec![KeyPlace::Compound(5), KeyPlace::Building(11)]
        );
        let f = file("小区,原因\n红旗小区,治安\n");
        assert_eq!(
            read_key_sites(f.path(), &data()).expect("read")[0].place,
            KeyPlace::Compound(5)
        );
        let f = file("compound,reason\nC5,a\nC9,b\n");
        let error = read_key_sites(f.path(), &data()).expect_err("bad line");
        let message = error.to_string();
        assert!(
            message.contains("line 3") && message.contains("C9"),
            "{message}"
        );
        let f = file("compound,reason\nC5,a\nC5,b\n");
        let message = read_key_sites(f.path(), &data())
            .expect_err("twice")
            .to_string();
        assert!(
            message.contains("line 3") && message.contains("line 2"),
            "{message}"
        );
    }

    #[test]
    fn vulnerable_households_by_id_or_address_without_quoting_contacts() {
        let f = file(
            "楼栋编号,地址,门牌,类别,联系方式\n10,,1-101,独居老人,王奶奶 13900000000\n,幸福路 3号,2-201,low income,\n",
        );
        let list = read_vulnerable(f.path(), &data()).expect("read");
        assert_eq!(list.len(), 2);
        assert_eq!(list[1].building, 11);
        assert_eq!(list[1].category, VulnerableCategory::LowIncome);
        assert_eq!(list[0].contact.as_deref(), Some("王奶奶 13900000000"));
        let f = file("楼栋编号,门牌,类别,联系方式\n10,1-101,孤寡,王奶奶 13900000000\n");
        let message = read_vulnerable(f.path(), &data())
            .expect_err("bad category")
            .to_string();
        assert!(
            message.contains("line 2") && message.contains("孤寡"),
            "{message}"
        );
        assert!(
            !message.contains("1390000"),
            "a contact never shows: {message}"
        );
        let f = file("楼栋编号,门牌,类别\n99,1,其他\n");
        assert!(
            read_vulnerable(f.path(), &data())
                .expect_err("no building")
                .to_string()
                .contains("line 2")
        );
    }
}
