//! Street-chief rosters (小巷管家 / 街长名册) as CSV: the file is the whole roster, and replaces the
//! chiefs in the dataset.
//!
//! Header names are matched without regard to case, in English or Chinese: name (`name`, `姓名`),
//! phone (`phone`, `电话`, `手机`, `联系电话`) and role (`role`, `身份`, `角色`) are required;
//! community (`community`, `社区`, `所属社区`), level (`level`, `层级`, `街长层级`) and id (`id`,
//! `chief_id`, `编号`) are optional. The user's field mapping can name others (targets `name`,
//! `phone`, `role`, `community`, `chief_level` — or `level` — and `id`).
//!
//! A line matches a chief already in the dataset by id when it gives one, else by name and phone
//! (compared without white space, and the phone by its digits only). Matched chiefs keep their id,
//! so their duties stay; new chiefs get fresh ids. Chiefs the file does not list are removed with
//! their duties, and so are the duties of a chief whose level changed. Where the file has no
//! community or level column at all, matched chiefs keep theirs; an empty cell clears it.
//!
//! Every problem names the line; nothing is changed until every line has been read.

use std::collections::{HashMap, HashSet};

use wangge_core::{Chief, ChiefLevel, ChiefRole, Dataset, Id, Zone, chief_level};

use crate::csvfile;
use crate::error::{ImportError, Result};
use crate::fields::Fields;
use crate::{ImportOptions, Input, Progress, RosterCounts};

pub(crate) const ID_COLUMNS: &[&str] = &["id", "chief_id", "编号"];
pub(crate) const NAME_COLUMNS: &[&str] = &["name", "姓名"];
pub(crate) const PHONE_COLUMNS: &[&str] = &["phone", "电话", "手机", "联系电话"];
pub(crate) const ROLE_COLUMNS: &[&str] = &["role", "身份", "角色"];
pub(crate) const COMMUNITY_COLUMNS: &[&str] = &["community", "社区", "所属社区"];
pub(crate) const LEVEL_COLUMNS: &[&str] = &["level", "层级", "街长层级"];

/// How many known communities an error about an unknown one lists.
const LISTED_COMMUNITIES: usize = 5;

/// The columns a roster uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Columns {
    id: Option<usize>,
    name: usize,
    phone: usize,
    role: usize,
    community: Option<usize>,
    level: Option<usize>,
}

/// One line of the roster, read.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Row {
    name: String,
    phone: String,
    role: ChiefRole,
    /// `None` when the file has no community column: a matched chief keeps theirs.
    community: Option<Option<Id>>,
    /// `None` when the file has no level column: a matched chief keeps theirs.
    level: Option<Option<ChiefLevel>>,
    /// The index in `data.chiefs` of the chief the line matches, if any.
    matched: Option<usize>,
}

/// Replaces `data`'s chiefs with the roster in `input`; returns what changed.
pub(crate) fn import(
    input: Input<'_>,
    file: &str,
    data: &mut Dataset,
    options: &ImportOptions,
    progress: &dyn Progress,
) -> Result<RosterCounts> {
    let roster_error = |message: String| ImportError::Roster {
        file: file.to_string(),
        message,
    };
    let fields = Fields::new(&options.fields, file)?;
    let line_error = |line: u64, message: String| ImportError::RosterLine {
        file: file.to_string(),
        line,
        message,
    };
    let (mut reader, headers) = csvfile::open(input.open(file)?, "roster", line_error)?;
    let columns = find_columns(&headers, &fields).map_err(roster_error)?;
    let communities = Communities::new(data);

    let mut by_id: HashMap<Id, usize> = HashMap::new();
    let mut by_person: HashMap<(String, String), Vec<usize>> = HashMap::new();
    for (i, chief) in data.chiefs.iter().enumerate() {
        by_id.insert(chief.id, i);
        by_person
            .entry(person_key(&chief.name, &chief.phone))
            .or_default()
            .push(i);
    }

    progress.begin(&format!("{file}: street-chief roster"), None);
    let mut rows: Vec<Row> = Vec::new();
    let mut lines_by_person: HashMap<(String, String), u64> = HashMap::new();
    let mut lines_by_id: HashMap<Id, u64> = HashMap::new();
    let mut lines_by_chief: HashMap<usize, u64> = HashMap::new();
    for record in reader.records() {
        let record = record.map_err(|e| csvfile::line_error("roster", &e, line_error))?;
        let line = record.position().map_or(0, |p| p.line());
        let line_error = |message: String| ImportError::RosterLine {
            file: file.to_string(),
            line,
            message,
        };
        if record.iter().all(str::is_empty) {
            continue;
        }
        let cell = |column: usize| record.get(column).filter(|v| !v.is_empty());
        let column_name = |column: usize| {
            format!(
                "column {} (`{}`)",
                column + 1,
                headers.get(column).map_or("", String::as_str)
            )
        };
        let required = |column: usize, what: &str| {
            cell(column).ok_or_else(|| {
                line_error(format!(
                    "has no {what} in {}; fill it in or delete the line",
                    column_name(column)
                ))
            })
        };
        let name = required(columns.name, "name")?.to_string();
        let phone = required(columns.phone, "phone")?.to_string();
        check_phone(&phone)
            .map_err(|reason| line_error(format!("{}: {reason}", column_name(columns.phone))))?;
        let role_text = required(columns.role, "role")?;
        let role = parse_role(role_text)
            .map_err(|reason| line_error(format!("{}: {reason}", column_name(columns.role))))?;
        let level = match columns.level {
            None => None,
            Some(c) => Some(match cell(c) {
                None => None,
                Some(text) => Some(
                    parse_level(text)
                        .map_err(|reason| line_error(format!("{}: {reason}", column_name(c))))?,
                ),
            }),
        };
        let community = match columns.community {
            None => None,
            Some(c) => Some(match cell(c) {
                None => None,
                Some(text) => Some(
                    communities
                        .find(text)
                        .map_err(|reason| line_error(format!("{}: {reason}", column_name(c))))?,
                ),
            }),
        };
        let id = match columns.id.and_then(|c| cell(c).map(|text| (c, text))) {
            None => None,
            Some((c, text)) => Some(parse_id(text).ok_or_else(|| {
                line_error(format!(
                    "{}: `{text}` is not a chief id (a whole number); leave it empty for a new \
                     chief",
                    column_name(c)
                ))
            })?),
        };

        let person = person_key(&name, &phone);
        if let Some(first) = lines_by_person.insert(person.clone(), line) {
            return Err(line_error(format!(
                "{name} ({phone}) is already on line {first}; delete one of the two lines"
            )));
        }
        if let Some(id) = id
            && let Some(first) = lines_by_id.insert(id, line)
        {
            return Err(line_error(format!(
                "chief id {id} is already on line {first}; one chief has one line, so delete \
                 one of the two lines or correct the id"
            )));
        }
        let matched = match id {
            Some(id) => Some(by_id.get(&id).copied().ok_or_else(|| {
                line_error(format!(
                    "chief id {id} matches no chief in the data; the id column is for chiefs \
                     already imported, so leave it empty for a new chief"
                ))
            })?),
            None => match by_person.get(&person).map(Vec::as_slice) {
                None | Some([]) => None,
                Some([one]) => Some(*one),
                Some(many) => {
                    return Err(line_error(format!(
                        "{name} ({phone}) matches {} chiefs (ids {}); give the chief's id in an \
                         id column",
                        many.len(),
                        many.iter()
                            .map(|&i| data.chiefs[i].id.to_string())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )));
                }
            },
        };
        if let Some(i) = matched
            && let Some(first) = lines_by_chief.insert(i, line)
        {
            let chief = &data.chiefs[i];
            return Err(line_error(format!(
                "matches chief {} ({}, {}) as line {first} does; one chief has one line, so \
                 delete one of the two lines or correct the id",
                chief.id, chief.name, chief.phone
            )));
        }
        rows.push(Row {
            name,
            phone,
            role,
            community,
            level,
            matched,
        });
        progress.advance(1);
    }
    progress.finish();
    if rows.is_empty() {
        return Err(roster_error(format!(
            "lists no chiefs; a roster replaces all chiefs, so an empty one would remove all {} \
             and their duties: add the chiefs' lines",
            data.chiefs.len()
        )));
    }

    // Nothing is changed until every line has been read, so a bad line leaves the data untouched.
    let mut counts = RosterCounts::default();
    let mut next_id = data.next_ids().chief;
    let mut chiefs: Vec<Chief> = Vec::with_capacity(rows.len());
    let mut level_changed: HashSet<Id> = HashSet::new();
    for row in rows {
        let chief = match row.matched.map(|i| &data.chiefs[i]) {
            Some(old) => {
                let new = Chief {
                    id: old.id,
                    name: row.name,
                    role: row.role,
                    phone: row.phone,
                    community: row.community.unwrap_or(old.community),
                    level: row.level.unwrap_or(old.level),
                };
                if new == *old {
                    counts.unchanged += 1;
                } else {
                    counts.updated += 1;
                }
                if chief_level(&new) != chief_level(old) {
                    level_changed.insert(new.id);
                }
                new
            }
            None => {
                counts.added += 1;
                let id = next_id;
                next_id += 1;
                Chief {
                    id,
                    name: row.name,
                    role: row.role,
                    phone: row.phone,
                    community: row.community.flatten(),
                    level: row.level.flatten(),
                }
            }
        };
        chiefs.push(chief);
    }
    counts.removed = data.chiefs.len() - (counts.updated + counts.unchanged);
    let kept: HashSet<Id> = chiefs.iter().map(|c| c.id).collect();
    let duties = data.duties.len();
    data.duties
        .retain(|d| kept.contains(&d.chief) && !level_changed.contains(&d.chief));
    counts.duties_dropped = duties - data.duties.len();
    chiefs.sort_by_key(|c| c.id);
    data.chiefs = chiefs;
    Ok(counts)
}

/// Finds the columns by the user's mapping, else by the known header names.
fn find_columns(headers: &[String], fields: &Fields) -> std::result::Result<Columns, String> {
    let find = |targets: &[&str], names: &[&str]| -> std::result::Result<Option<usize>, String> {
        if let Some((target, mapped)) = targets
            .iter()
            .find_map(|t| fields.mapped(t).map(|m| (*t, m)))
        {
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
    let required = |target: &str, names: &[&str]| -> std::result::Result<usize, String> {
        find(&[target], names)?.ok_or_else(|| {
            format!(
                "has no {target} column ({}); its columns are: {}; rename one or map it with \
                 --field {target}=COLUMN",
                names.join(", "),
                headers.join(", ")
            )
        })
    };
    Ok(Columns {
        id: find(&["id"], ID_COLUMNS)?,
        name: required("name", NAME_COLUMNS)?,
        phone: required("phone", PHONE_COLUMNS)?,
        role: required("role", ROLE_COLUMNS)?,
        community: find(&["community"], COMMUNITY_COLUMNS)?,
        // `--field level=COLUMN` means the OSM admin level elsewhere; in a roster it can only mean
        // the chief level.
        level: find(&["chief_level", "admin_level"], LEVEL_COLUMNS)?,
    })
}

/// The community zones, found by code or name.
struct Communities<'d> {
    zones: Vec<&'d Zone>,
    /// The level key, when the levels have a community level.
    level: Option<&'d str>,
}

impl<'d> Communities<'d> {
    fn new(data: &'d Dataset) -> Self {
        let level = data.levels.community_key();
        let zones = data
            .zones
            .iter()
            .filter(|z| Some(z.level.as_str()) == level)
            .collect();
        Communities { zones, level }
    }

    /// The community a cell names, by code, by name, or by name without the `社区` suffix.
    fn find(&self, text: &str) -> std::result::Result<Id, String> {
        let Some(level) = self.level else {
            return Err(format!(
                "`{text}` cannot be placed: the zone levels have no `community` level; leave the \
                 column empty"
            ));
        };
        let by_code: Vec<&Zone> = self
            .zones
            .iter()
            .copied()
            .filter(|z| !z.code.is_empty() && z.code == text)
            .collect();
        if let [zone] = by_code[..] {
            return Ok(zone.id);
        }
        let wanted = squeeze(text);
        let named = |suffix: &str| -> Vec<&Zone> {
            self.zones
                .iter()
                .copied()
                .filter(|z| squeeze(&z.name) == format!("{wanted}{suffix}"))
                .collect()
        };
        let mut found = named("");
        if found.is_empty() {
            found = named("社区");
        }
        match found[..] {
            [zone] => Ok(zone.id),
            [] => Err(self.unknown(text, level)),
            _ => Err(format!(
                "`{text}` names {} communities ({}); give the community's code instead",
                found.len(),
                found
                    .iter()
                    .map(|z| describe_zone(z))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        }
    }

    fn unknown(&self, text: &str, level: &str) -> String {
        if self.zones.is_empty() {
            return format!(
                "unknown community `{text}`: there are no `{level}` zones yet; import the \
                 community boundaries first (--layer communities), or leave the column empty"
            );
        }
        let mut known: Vec<String> = self
            .zones
            .iter()
            .take(LISTED_COMMUNITIES)
            .map(|z| describe_zone(z))
            .collect();
        if self.zones.len() > LISTED_COMMUNITIES {
            known.push(format!(
                "and {} more",
                self.zones.len() - LISTED_COMMUNITIES
            ));
        }
        format!(
            "unknown community `{text}`; give a community's name or code, e.g. {}",
            known.join(", ")
        )
    }
}

fn describe_zone(zone: &Zone) -> String {
    if zone.code.is_empty() {
        zone.name.clone()
    } else {
        format!("{} ({})", zone.name, zone.code)
    }
}

/// A role by its key, Chinese or English label.
fn parse_role(text: &str) -> std::result::Result<ChiefRole, String> {
    ChiefRole::parse(text).map_err(|_| {
        format!(
            "unknown role `{text}`; use one of {}; fix the value",
            ChiefRole::ALL
                .iter()
                .map(|r| format!("{} ({})", r.name_zh(), r.as_str()))
                .collect::<Vec<_>>()
                .join(", ")
        )
    })
}

/// A level by its key, Chinese or English label, or the Chinese label without `街长` (`社区`).
fn parse_level(text: &str) -> std::result::Result<ChiefLevel, String> {
    ChiefLevel::parse(text)
        .or_else(|_| ChiefLevel::parse(&format!("{}街长", text.trim())))
        .map_err(|_| {
            format!(
                "unknown chief level `{text}`; use one of {}, or leave it empty for a chief \
                 without a level",
                ChiefLevel::ALL
                    .iter()
                    .map(|l| format!("{} ({})", l.name_zh(), l.as_str()))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })
}

/// A chief id as a whole number; `12.0` is accepted because spreadsheets write it so.
fn parse_id(text: &str) -> Option<Id> {
    let text = text.trim();
    text.parse::<Id>().ok().or_else(|| {
        text.parse::<f64>()
            .ok()
            .filter(|x| x.fract() == 0.0 && x.abs() < 1e15)
            .map(|x| x as Id)
    })
}

/// Refuses phone values that cannot be a phone number: no digits at all, or a long number a
/// spreadsheet wrote in scientific notation (`1.38E+10`), which has lost its last digits.
fn check_phone(phone: &str) -> std::result::Result<(), String> {
    if !phone.chars().any(|c| c.is_ascii_digit()) {
        return Err(format!(
            "`{phone}` is not a phone number; give the chief's phone"
        ));
    }
    let lower = phone.to_ascii_lowercase();
    if lower.contains("e+") && phone.parse::<f64>().is_ok() {
        return Err(format!(
            "`{phone}` is a number the spreadsheet shortened; format the column as text, type the \
             number again and save the file as CSV"
        ));
    }
    Ok(())
}

/// What identifies a person on the roster: the name without white space (`王 芳` is `王芳`), and
/// the phone's digits (`138-0000-0000` is `13800000000`).
fn person_key(name: &str, phone: &str) -> (String, String) {
    (
        squeeze(name),
        phone.chars().filter(char::is_ascii_digit).collect(),
    )
}

/// Text without white space, in lower case.
fn squeeze(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::NoProgress;
    use geo::{LineString, MultiPolygon};
    use wangge_core::{
        Assignment, Building, DutyKind, LevelConfig, StreetClass, StreetSegment, Totals,
        validate_assignments,
    };

    fn zone(id: Id, code: &str, name: &str, level: &str, parent: Option<Id>) -> Zone {
        Zone {
            id,
            code: code.into(),
            name: name.into(),
            level: level.into(),
            parent,
            geometry: MultiPolygon(Vec::new()),
            totals: Totals::default(),
        }
    }

    fn chief(id: Id, name: &str, phone: &str, role: ChiefRole, level: ChiefLevel) -> Chief {
        Chief {
            id,
            name: name.into(),
            role,
            phone: phone.into(),
            community: Some(2),
            level: Some(level),
        }
    }

    fn duty(kind: DutyKind, target: Id, level: ChiefLevel, chief: Id) -> Assignment {
        Assignment {
            kind,
            target,
            level,
            chief,
            fixed: false,
        }
    }

    /// Two communities, two buildings, a street, three chiefs and their duties.
    fn data() -> Dataset {
        let mut data = Dataset::new(LevelConfig::default());
        data.zones = vec![
            zone(1, "530102001", "华山街道", "subdistrict", None),
            zone(2, "530102001001", "青云社区", "community", Some(1)),
            zone(3, "530102001002", "华山社区", "community", Some(1)),
        ];
        for id in [10, 11] {
            data.buildings.push(Building {
                id,
                source_id: None,
                name: None,
                address: None,
                compound: None,
                floors: 6,
                units: 2,
                households: 24,
                population: 60,
                height_m: None,
                estimated: false,
                geometry: MultiPolygon(Vec::new()),
            });
        }
        data.streets.push(StreetSegment {
            id: 20,
            source_id: None,
            name: None,
            class: StreetClass::Lane,
            geometry: LineString::new(Vec::new()),
        });
        data.chiefs = vec![
            chief(
                1,
                "王芳",
                "13800000000",
                ChiefRole::Volunteer,
                ChiefLevel::Resident,
            ),
            chief(
                2,
                "李强",
                "13800000001",
                ChiefRole::GridWorker,
                ChiefLevel::Community,
            ),
            chief(
                3,
                "张伟",
                "13800000002",
                ChiefRole::BuildingHead,
                ChiefLevel::Resident,
            ),
        ];
        data.duties = vec![
            duty(DutyKind::Building, 10, ChiefLevel::Resident, 1),
            duty(DutyKind::Building, 11, ChiefLevel::Resident, 3),
            duty(DutyKind::Building, 10, ChiefLevel::Community, 2),
            duty(DutyKind::Street, 20, ChiefLevel::Community, 2),
        ];
        validate_assignments(&data, &data.duties).expect("valid duties");
        data
    }

    /// Imports `text` as a roster into a copy of `data`.
    fn run(data: &Dataset, text: &str) -> Result<(Dataset, RosterCounts)> {
        let dir = tempfile::tempdir().expect("temporary directory");
        let path = dir.path().join("roster.csv");
        std::fs::write(&path, text).expect("write the roster");
        let mut data = data.clone();
        let counts = import(
            Input::Path(&path),
            "roster.csv",
            &mut data,
            &ImportOptions::default(),
            &NoProgress,
        )?;
        Ok((data, counts))
    }

    fn refused(data: &Dataset, text: &str) -> String {
        match run(data, text) {
            Ok((_, counts)) => panic!("accepted: {counts}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn columns_are_found_in_either_language_or_by_mapping() {
        let headers: Vec<String> = ["编号", "姓名", "联系电话", "身份", "所属社区", "街长层级"]
            .map(String::from)
            .to_vec();
        let columns = find_columns(&headers, &Fields::default()).expect("columns");
        assert_eq!(
            columns,
            Columns {
                id: Some(0),
                name: 1,
                phone: 2,
                role: 3,
                community: Some(4),
                level: Some(5),
            }
        );
        let mapped = Fields::new(
            &[
                ("phone".into(), "Tel".into()),
                ("level".into(), "Tier".into()),
            ],
            "r.csv",
        )
        .expect("fields");
        let headers: Vec<String> = ["Name", "tel", "Role", "tier"].map(String::from).to_vec();
        let columns = find_columns(&headers, &mapped).expect("mapped");
        assert_eq!(
            (columns.phone, columns.level, columns.community),
            (1, Some(3), None)
        );
        let message = find_columns(
            &["姓名".to_string(), "身份".to_string()],
            &Fields::default(),
        )
        .expect_err("no phone");
        assert!(
            message.contains("has no phone column") && message.contains("联系电话"),
            "{message}"
        );
    }

    #[test]
    fn values_are_read_as_people_write_them() {
        assert_eq!(parse_role(" 网格员 "), Ok(ChiefRole::GridWorker));
        assert_eq!(parse_role("Grid Worker"), Ok(ChiefRole::GridWorker));
        assert!(
            parse_role("队长")
                .expect_err("unknown")
                .contains("保安队长 (security_chief)")
        );
        assert_eq!(parse_level("社区街长"), Ok(ChiefLevel::Community));
        assert_eq!(parse_level("街道"), Ok(ChiefLevel::SubDistrict));
        assert_eq!(parse_level("resident"), Ok(ChiefLevel::Resident));
        assert_eq!(parse_id("12.0"), Some(12));
        assert_eq!(parse_id("A12"), None);
        assert!(check_phone("0871-6512 3456").is_ok());
        assert!(check_phone("1.38E+10").is_err());
        assert!(check_phone("无").is_err());
        assert_eq!(
            person_key("王 芳", "138-0000-0000"),
            person_key("王芳", "13800000000")
        );
    }

    #[test]
    fn lines_match_by_id_or_by_name_and_phone_and_the_rest_are_removed() {
        let before = data();
        let (after, counts) = run(
            &before,
            "\u{feff}编号,姓名,手机,角色,社区,街长层级\n\
             1,王芳芳,13800000000,志愿者,青云,居民街长\n\
             \n\
             ,李 强,138-0000-0001,网格员,530102001002,社区街长\n\
             ,,,,,\n\
             ,赵敏,13800000009,楼长,华山社区,\n",
        )
        .expect("import");
        assert_eq!(
            counts,
            RosterCounts {
                added: 1,
                updated: 2,
                unchanged: 0,
                removed: 1,
                duties_dropped: 1,
            }
        );
        let summary: Vec<(Id, &str, Option<Id>, Option<ChiefLevel>)> = after
            .chiefs
            .iter()
            .map(|c| (c.id, c.name.as_str(), c.community, c.level))
            .collect();
        assert_eq!(
            summary,
            vec![
                (1, "王芳芳", Some(2), Some(ChiefLevel::Resident)),
                (2, "李 强", Some(3), Some(ChiefLevel::Community)),
                (4, "赵敏", Some(3), None),
            ]
        );
        // 张伟 (3) is gone, and so is the building he answered for; the others keep theirs.
        assert_eq!(after.duties, {
            let mut kept = before.duties.clone();
            kept.remove(1);
            kept
        });
        validate_assignments(&after, &after.duties).expect("still valid");
    }

    #[test]
    fn a_changed_level_drops_that_chiefs_duties_and_missing_columns_keep_attributes() {
        let before = data();
        let (after, counts) = run(
            &before,
            "name,phone,role,level\n\
             王芳,13800000000,volunteer,resident\n\
             李强,13800000001,grid_worker,居民\n\
             张伟,13800000002,building head,\n",
        )
        .expect("import");
        // 李强 is now a resident chief: his two community-level duties go. 张伟's level cell is
        // empty, so he has no level, which works as resident: his duty stays.
        assert_eq!(
            (counts.updated, counts.unchanged, counts.duties_dropped),
            (2, 1, 2)
        );
        assert_eq!(
            after.duties,
            vec![before.duties[0], before.duties[1]],
            "{counts}"
        );
        // No community column: everyone keeps their community.
        assert!(after.chiefs.iter().all(|c| c.community == Some(2)));
        assert_eq!(after.chiefs[2].level, None);
    }

    #[test]
    fn bad_lines_are_refused_with_their_line() {
        let data = data();
        let head = "编号,姓名,电话,身份,社区\n";
        let cases = [
            (
                format!("{head}9,王芳,13800000000,志愿者,\n"),
                "line 2: chief id 9 matches no chief in the data",
            ),
            (
                format!("{head}1,王芳,13800000000,志愿者,\n1,李强,13800000001,网格员,\n"),
                "line 3: chief id 1 is already on line 2",
            ),
            (
                format!("{head}1,王芳芳,13800000000,志愿者,\n,王芳,13800000000,志愿者,\n"),
                "line 3: matches chief 1 (王芳, 13800000000) as line 2 does",
            ),
            (
                format!("{head},王芳,1.38E+10,志愿者,\n"),
                "line 2: column 3 (`电话`): `1.38E+10` is a number the spreadsheet shortened",
            ),
            (
                format!("{head},王芳,13800000000,志愿者,东风\n"),
                "line 2: column 5 (`社区`): unknown community `东风`; give a community's name \
                 or code, e.g. 青云社区 (530102001001), 华山社区 (530102001002)",
            ),
            (
                format!("{head},王芳,13800000000,,\n"),
                "line 2: has no role in column 4 (`身份`); fill it in or delete the line",
            ),
            (head.to_string(), "roster.csv: lists no chiefs"),
        ];
        for (text, expected) in cases {
            let message = refused(&data, &text);
            assert!(
                message.contains(expected),
                "{message}\nexpected: {expected}"
            );
            assert!(message.starts_with("roster.csv: "), "{message}");
        }
    }

    #[test]
    fn ambiguous_community_names_ask_for_the_code() {
        let mut data = data();
        data.zones[2].name = "青云社区".into();
        let message = refused(
            &data,
            "姓名,电话,身份,社区\n王芳,13800000000,志愿者,青云社区\n",
        );
        assert!(
            message.contains("names 2 communities") && message.contains("530102001002"),
            "{message}"
        );
        let (after, _) = run(
            &data,
            "姓名,电话,身份,社区\n王芳,13800000000,志愿者,530102001002\n",
        )
        .expect("by code");
        assert_eq!(after.chiefs[0].community, Some(3));
    }
}
