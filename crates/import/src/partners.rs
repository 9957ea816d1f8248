//! Partner departments of the street-chief system (联动部门 / 共建单位) as CSV: the file is the
//! whole list, and replaces the partner departments in the dataset.
//!
//! Header names are matched without regard to case, in English or Chinese: street (`street`,
//! `街道名称`, `道路名称`, `路名`, `街巷`), department (`department`, `部门`, `联动部门`, `职能部门`),
//! contact (`contact`, `联系人`) and phone (`phone`, `电话`, `联系电话`, `手机`) are required;
//! the department's own name (`department_name`, `部门名称`, `单位名称`) and a note (`note`, `备注`)
//! are optional. The user's field mapping can name others (targets `street`, `department`,
//! `department_name`, `contact`, `phone`, `note`).
//!
//! A department is read from its key or label (`市场监管`, `police`) or found in a full name
//! (`雨城区市场监督管理局` is market supervision, and keeps its full name); anything else is
//! `其他` with a name. A street is a name some street segment carries, compared without white
//! space. A line matches a partner already in the dataset by street and department (and, for
//! `other`, by name): matched partners keep their id. Partners the file does not list are removed.
//!
//! Every problem names the line; nothing is changed until every line has been read.

use std::collections::{BTreeSet, HashMap};

use wangge_core::{Dataset, Department, PartnerKey, StreetPartner};

use crate::csvfile;
use crate::error::{ImportError, Result};
use crate::fields::Fields;
use crate::{ImportOptions, Input, PartnerCounts, Progress};

pub(crate) const STREET_COLUMNS: &[&str] = &[
    "street",
    "street_name",
    "街道名称",
    "道路名称",
    "路名",
    "街巷名称",
    "街巷",
];
pub(crate) const DEPARTMENT_COLUMNS: &[&str] = &["department", "部门", "联动部门", "职能部门"];
pub(crate) const DEPARTMENT_NAME_COLUMNS: &[&str] =
    &["department_name", "部门名称", "单位名称", "单位"];
pub(crate) const CONTACT_COLUMNS: &[&str] = &["contact", "联系人", "负责人"];
pub(crate) const NOTE_COLUMNS: &[&str] = &["note", "备注", "说明"];

/// How many street names an error about an unknown street lists.
const LISTED_STREETS: usize = 5;

/// Words that place a department's full name in the vocabulary, tried in order.
const DEPARTMENT_WORDS: &[(&str, Department)] = &[
    ("市场监", Department::MarketSupervision),
    ("执法", Department::LawEnforcement),
    ("城管", Department::LawEnforcement),
    ("城市管理", Department::LawEnforcement),
    ("公安", Department::Police),
    ("派出所", Department::Police),
    ("警", Department::Police),
    ("消防", Department::FireRescue),
    ("住建", Department::Housing),
    ("住房", Department::Housing),
    ("环卫", Department::Sanitation),
    ("环境", Department::Sanitation),
    ("卫健", Department::Health),
    ("卫生", Department::Health),
    ("疾控", Department::Health),
    ("应急", Department::Emergency),
];

/// The columns a partner list uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Columns {
    street: usize,
    department: usize,
    department_name: Option<usize>,
    contact: usize,
    phone: usize,
    note: Option<usize>,
}

/// Replaces `data`'s partner departments with the list in `input`; returns what changed.
pub(crate) fn import(
    input: Input<'_>,
    file: &str,
    data: &mut Dataset,
    options: &ImportOptions,
    progress: &dyn Progress,
) -> Result<PartnerCounts> {
    let whole_error = |message: String| ImportError::Partners {
        file: file.to_string(),
        message,
    };
    let fields = Fields::new(&options.fields, file)?;
    let line_error = |line: u64, message: String| ImportError::PartnersLine {
        file: file.to_string(),
        line,
        message,
    };
    let (mut reader, headers) = csvfile::open(input.open(file)?, "partner list", line_error)?;
    let columns = find_columns(&headers, &fields).map_err(whole_error)?;
    let streets = Streets::new(data);

    let existing: HashMap<PartnerKey, &StreetPartner> =
        data.partners.iter().map(|p| (p.key(), p)).collect();
    let mut lines: HashMap<PartnerKey, u64> = HashMap::new();
    let mut next_id = data.next_ids().partner;
    let mut counts = PartnerCounts::default();
    let mut partners: Vec<StreetPartner> = Vec::new();

    progress.begin(&format!("{file}: partner departments"), None);
    for record in reader.records() {
        let record = record.map_err(|e| csvfile::line_error("partner list", &e, line_error))?;
        let line = record.position().map_or(0, |p| p.line());
        let line_error = |message: String| line_error(line, message);
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
        let street_text = required(columns.street, "street")?;
        let street = streets
            .find(street_text)
            .map_err(|reason| line_error(format!("{}: {reason}", column_name(columns.street))))?;
        let department_text = required(columns.department, "department")?;
        let given_name = columns.department_name.and_then(cell).map(str::to_string);
        let (department, department_name) =
            parse_department(department_text, given_name).map_err(|reason| {
                line_error(format!("{}: {reason}", column_name(columns.department)))
            })?;
        if department == Department::Other && department_name.is_none() {
            return Err(line_error(format!(
                "{}: `{department_text}` needs the unit's name; give it in a 部门名称 \
                 (department_name) column",
                column_name(columns.department)
            )));
        }
        let contact = required(columns.contact, "contact")?.to_string();
        let phone = required(columns.phone, "phone")?.to_string();
        if !phone.chars().any(|c| c.is_ascii_digit()) {
            return Err(line_error(format!(
                "{}: `{phone}` is not a phone number; give the contact's phone",
                column_name(columns.phone)
            )));
        }
        let note = columns.note.and_then(cell).map(str::to_string);

        let mut partner = StreetPartner {
            id: 0,
            street,
            department,
            department_name,
            contact,
            phone,
            note,
        };
        let key = partner.key();
        if let Some(first) = lines.insert(key, line) {
            return Err(line_error(format!(
                "{} is already listed for {} on line {first}; a street has one {} department, so \
                 delete one of the two lines",
                partner.display_name(),
                partner.street,
                partner.department.name_zh()
            )));
        }
        match existing.get(&partner.key()) {
            Some(old) => {
                partner.id = old.id;
                if partner == **old {
                    counts.unchanged += 1;
                } else {
                    counts.updated += 1;
                }
            }
            None => {
                partner.id = next_id;
                next_id += 1;
                counts.added += 1;
            }
        }
        partners.push(partner);
        progress.advance(1);
    }
    progress.finish();
    if partners.is_empty() {
        return Err(whole_error(format!(
            "lists no partner departments; the file replaces all of them, so an empty one would \
             remove all {}: add the departments' lines (street, department, contact, phone)",
            data.partners.len()
        )));
    }
    counts.removed = data.partners.len() - (counts.updated + counts.unchanged);
    partners.sort_by_key(|p| p.id);
    data.partners = partners;
    Ok(counts)
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
    let required = |target: &str, names: &[&str]| -> std::result::Result<usize, String> {
        find(target, names)?.ok_or_else(|| {
            format!(
                "has no {target} column ({}); its columns are: {}; rename one or map it with \
                 --field {target}=COLUMN",
                names.join(", "),
                headers.join(", ")
            )
        })
    };
    Ok(Columns {
        street: required("street", STREET_COLUMNS)?,
        department: required("department", DEPARTMENT_COLUMNS)?,
        department_name: find("department_name", DEPARTMENT_NAME_COLUMNS)?,
        contact: required("contact", CONTACT_COLUMNS)?,
        phone: required("phone", crate::roster::PHONE_COLUMNS)?,
        note: find("note", NOTE_COLUMNS)?,
    })
}

/// A department from a key, a label or a full name; a full name that is not a label is kept as
/// the department's name (unless a name column gives one).
fn parse_department(
    text: &str,
    name: Option<String>,
) -> std::result::Result<(Department, Option<String>), String> {
    if let Ok(department) = Department::parse(text) {
        return Ok((department, name));
    }
    if let Some(&(_, department)) = DEPARTMENT_WORDS.iter().find(|(w, _)| text.contains(w)) {
        return Ok((department, name.or_else(|| Some(text.to_string()))));
    }
    Err(format!(
        "unknown department `{text}`; use one of {}, or 其他 (other) with the unit's name in a \
         部门名称 (department_name) column",
        Department::ALL
            .iter()
            .map(|d| format!("{} ({})", d.name_zh(), d.as_str()))
            .collect::<Vec<_>>()
            .join(", ")
    ))
}

/// The street names the segments carry, found as given or without white space.
struct Streets {
    /// By name without white space, in lower case: the name as the segments carry it.
    names: HashMap<String, String>,
}

impl Streets {
    fn new(data: &Dataset) -> Self {
        let names = data
            .streets
            .iter()
            .filter_map(|s| s.name.as_deref())
            .map(|n| (squeeze(n), n.to_string()))
            .collect();
        Streets { names }
    }

    fn find(&self, text: &str) -> std::result::Result<String, String> {
        if let Some(name) = self.names.get(&squeeze(text)) {
            return Ok(name.clone());
        }
        if self.names.is_empty() {
            return Err(format!(
                "unknown street `{text}`: there are no named streets yet; import the streets \
                 first (--layer streets)"
            ));
        }
        // Suggest names that share a character with the one given, else any.
        let all: BTreeSet<&str> = self.names.values().map(String::as_str).collect();
        let mut like: Vec<&str> = all
            .iter()
            .copied()
            .filter(|n| text.chars().any(|c| !c.is_whitespace() && n.contains(c)))
            .take(LISTED_STREETS)
            .collect();
        if like.is_empty() {
            like = all.iter().copied().take(LISTED_STREETS).collect();
        }
        Err(format!(
            "unknown street `{text}`: no street segment is named so; give a street's name as the \
             map has it, e.g. {}",
            like.join(", ")
        ))
    }
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
    use crate::{ImportOptions, NoProgress};
    use geo::LineString;
    use wangge_core::{LevelConfig, StreetClass, StreetSegment};

    fn streets() -> Dataset {
        let mut data = Dataset::new(LevelConfig::default());
        for (id, name) in [(1, "和平南路"), (2, "和平南路"), (3, "正黄美食风情街")] {
            data.streets.push(StreetSegment {
                id,
                source_id: None,
                name: Some(name.into()),
                class: StreetClass::Arterial,
                geometry: LineString::from(vec![(103.0, 30.0), (103.001, 30.0)]),
            });
        }
        data
    }

    fn run(data: &mut Dataset, text: &str) -> Result<PartnerCounts> {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("partners.csv");
        std::fs::write(&path, text).expect("write");
        import(
            Input::Path(&path),
            "partners.csv",
            data,
            &ImportOptions::default(),
            &NoProgress,
        )
    }

    #[test]
    fn the_file_is_the_whole_list_and_matched_partners_keep_their_ids() {
        let mut data = streets();
        let counts = run(
            &mut data,
            "\u{feff}街道名称,部门,联系人,电话,备注\n和平南路,市场监管,刘所长,0835-2220001,\n\
             和平 南路,青江派出所,赵警官,0835-2220110,夜间巡逻\n正黄美食风情街,综合行政执法,孙队长,12345,\n",
        )
        .expect("import");
        assert_eq!((counts.added, counts.removed), (3, 0));
        data.check_references().expect("valid");
        let police = data
            .partners
            .iter()
            .find(|p| p.department == Department::Police)
            .expect("police");
        assert_eq!(police.street, "和平南路");
        assert_eq!(police.department_name.as_deref(), Some("青江派出所"));
        assert_eq!(police.note.as_deref(), Some("夜间巡逻"));
        let market = data.partners[0].id;

        // English headers; one stays, one changes, one goes.
        let counts = run(
            &mut data,
            "street,department,contact,phone\n和平南路,market_supervision,刘所长,0835-2220001\n\
             和平南路,police,钱警官,0835-2220111\n",
        )
        .expect("again");
        assert_eq!(
            (
                counts.added,
                counts.updated,
                counts.unchanged,
                counts.removed
            ),
            (0, 1, 1, 1)
        );
        assert_eq!(data.partners.len(), 2);
        assert_eq!(data.partners[0].id, market);
    }

    #[test]
    fn bad_lines_are_named_and_nothing_changes() {
        let mut data = streets();
        let before = data.clone();
        for (text, words) in [
            (
                "街道名称,部门,联系人,电话\n和平南路,市场监管,刘所长,0835-2220001\n和平北路,公安,赵警官,110\n",
                vec!["line 3", "和平北路", "和平南路"],
            ),
            (
                "街道名称,部门,联系人,电话\n和平南路,气象,刘所长,0835\n",
                vec!["line 2", "气象", "市场监管"],
            ),
            (
                "街道名称,部门,联系人,电话\n和平南路,公安,赵警官,110\n和平南路,派出所,钱警官,110\n",
                vec!["line 3", "line 2"],
            ),
            (
                "街道名称,部门,联系人,电话\n和平南路,公安,,110\n",
                vec!["line 2", "contact"],
            ),
            (
                "街道名称,部门,联系人,电话\n和平南路,其他,王老师,110\n",
                vec!["line 2", "部门名称"],
            ),
            (
                "街道名称,联系人,电话\n和平南路,王老师,110\n",
                vec!["department"],
            ),
            ("街道名称,部门,联系人,电话\n", vec!["lists no partner"]),
        ] {
            let error = run(&mut data, text).expect_err(text).to_string();
            assert!(error.starts_with("partners.csv: "), "{error}");
            for w in words {
                assert!(error.contains(w), "{error} should mention {w}");
            }
            assert_eq!(data, before);
        }
    }

    #[test]
    fn departments_are_found_in_full_names() {
        assert_eq!(
            parse_department("市场监管", None),
            Ok((Department::MarketSupervision, None))
        );
        assert_eq!(
            parse_department("雨城区市场监督管理局", None),
            Ok((
                Department::MarketSupervision,
                Some("雨城区市场监督管理局".into())
            ))
        );
        assert_eq!(
            parse_department("青江派出所", Some("青江派出所".into())),
            Ok((Department::Police, Some("青江派出所".into())))
        );
        assert_eq!(
            parse_department("其他", Some("雅安中学".into())),
            Ok((Department::Other, Some("雅安中学".into())))
        );
        let error = parse_department("气象台", None).expect_err("unknown");
        assert!(
            error.contains("气象台") && error.contains("市场监管"),
            "{error}"
        );
    }
}
