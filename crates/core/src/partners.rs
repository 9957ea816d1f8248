//! Partner departments of the street-chief system (联动部门 / 共建单位): under 街长制 a named street
//! has, besides its three levels of chiefs, departments that report for duty when the community
//! calls — market supervision, law enforcement, the police … — each with a contact person.
//!
//! A partner is attached to a street by its name, as the street's segments carry it
//! ([`StreetSegment::name`](crate::StreetSegment::name)): a street is made of many segments, and
//! the department answers for all of them.

use std::collections::{HashMap, HashSet};

use crate::model::{Department, Id};
use crate::{Dataset, Error, Result};

/// One partner department on one named street, with who to call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreetPartner {
    /// Identifier.
    pub id: Id,
    /// The street's name, exactly as its segments carry it, e.g. `和平南路`.
    pub street: String,
    /// Which department.
    pub department: Department,
    /// The department's own name, e.g. `雨城区市场监督管理局青江所`; required for
    /// [`Department::Other`].
    pub department_name: Option<String>,
    /// The contact person.
    pub contact: String,
    /// The contact's phone.
    pub phone: String,
    /// A note, e.g. when the department patrols.
    pub note: Option<String>,
}

/// What identifies a partner on a street: the street, the department and, for `other`, the
/// department's name in lower case without white space (two different partner units may both be
/// `other`).
pub type PartnerKey = (String, Department, String);

impl StreetPartner {
    /// The partner's key: one department of a kind per street.
    pub fn key(&self) -> PartnerKey {
        let name = match self.department {
            Department::Other => squeeze(self.department_name.as_deref().unwrap_or_default()),
            _ => String::new(),
        };
        (self.street.clone(), self.department, name)
    }

    /// The name to show: the department's own name where given, else the vocabulary's Chinese
    /// label.
    pub fn display_name(&self) -> &str {
        self.department_name
            .as_deref()
            .unwrap_or(self.department.name_zh())
    }

    fn describe(&self) -> String {
        format!(
            "partner department {} ({}) of street `{}`",
            self.display_name(),
            self.id,
            self.street
        )
    }
}

/// Text without white space, in lower case.
fn squeeze(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Checks partners against the data: each names a street that at least one street segment
/// carries, has a contact and a phone, names itself when it is `other`, and no street has the
/// same department twice.
pub fn validate_partners(data: &Dataset, partners: &[StreetPartner]) -> Result<()> {
    let streets: HashSet<&str> = data
        .streets
        .iter()
        .filter_map(|s| s.name.as_deref())
        .collect();
    check_partners(|name| streets.contains(name), partners)
}

/// [`validate_partners`] for a caller that knows the streets another way (a store asks its
/// database): `street_exists` says whether any street segment carries a name.
pub fn check_partners(
    street_exists: impl Fn(&str) -> bool,
    partners: &[StreetPartner],
) -> Result<()> {
    let mut seen: HashMap<PartnerKey, Id> = HashMap::new();
    for p in partners {
        if !street_exists(&p.street) {
            return Err(Error::DanglingReference {
                from: p.describe(),
                to: format!(
                    "a street segment named `{}` (the partner is attached to a street by its \
                     name; correct the name or import the street first)",
                    p.street
                ),
            });
        }
        if p.contact.trim().is_empty() {
            return Err(Error::Invalid(format!("{} has no contact", p.describe())));
        }
        if !p.phone.chars().any(|c| c.is_ascii_digit()) {
            return Err(Error::Invalid(format!(
                "{} has no phone (`{}`)",
                p.describe(),
                p.phone
            )));
        }
        if p.department == Department::Other
            && p.department_name
                .as_deref()
                .is_none_or(|n| n.trim().is_empty())
        {
            return Err(Error::Invalid(format!(
                "{} is an `other` department without a name",
                p.describe()
            )));
        }
        if let Some(first) = seen.insert(p.key(), p.id) {
            return Err(Error::Invalid(format!(
                "{} is listed twice on its street (also as partner {first})",
                p.describe()
            )));
        }
    }
    Ok(())
}

/// The partners of one street, by department in vocabulary order, then by name.
pub fn partners_of<'d>(partners: &'d [StreetPartner], street: &str) -> Vec<&'d StreetPartner> {
    let mut found: Vec<&StreetPartner> = partners.iter().filter(|p| p.street == street).collect();
    found.sort_by(|a, b| {
        (a.department, a.display_name(), a.id).cmp(&(b.department, b.display_name(), b.id))
    });
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ChangeSet, LevelConfig, StreetClass, StreetSegment};
    use geo::LineString;

    fn street(id: Id, name: &str) -> StreetSegment {
        StreetSegment {
            id,
            source_id: None,
            name: Some(name.into()),
            class: StreetClass::Arterial,
            geometry: LineString::from(vec![(103.0, 30.0), (103.001, 30.0)]),
        }
    }

    fn partner(id: Id, street: &str, department: Department) -> StreetPartner {
        StreetPartner {
            id,
            street: street.into(),
            department,
            department_name: None,
            contact: "刘所长".into(),
            phone: "0835-2220000".into(),
            note: None,
        }
    }

    fn data() -> Dataset {
        let mut data = Dataset::new(LevelConfig::default());
        data.streets = vec![
            street(1, "和平南路"),
            street(2, "和平南路"),
            street(3, "和平西路"),
        ];
        data.partners = vec![
            partner(1, "和平南路", Department::MarketSupervision),
            partner(2, "和平南路", Department::Police),
            partner(3, "和平西路", Department::MarketSupervision),
        ];
        data
    }

    #[test]
    fn departments_parse_in_both_languages() {
        assert_eq!(
            Department::parse("市场监管").expect("zh"),
            Department::MarketSupervision
        );
        assert_eq!(
            Department::parse("综合行政执法").expect("alias"),
            Department::LawEnforcement
        );
        assert_eq!(Department::parse("Police").expect("en"), Department::Police);
        for d in Department::ALL {
            assert_eq!(Department::parse(d.as_str()).expect("key"), *d);
            assert_eq!(Department::parse(d.name_zh()).expect("zh"), *d);
        }
        assert!(Department::parse("气象").is_err());
    }

    #[test]
    fn partners_on_known_streets_are_valid() {
        let data = data();
        data.check_references().expect("valid");
        let on = partners_of(&data.partners, "和平南路");
        assert_eq!(
            on.iter().map(|p| p.department).collect::<Vec<_>>(),
            vec![Department::MarketSupervision, Department::Police]
        );
        assert!(partners_of(&data.partners, "无名路").is_empty());
        let atlas = crate::Atlas::new(data.clone());
        assert_eq!(atlas.partners_of("和平南路"), on);
        assert!(atlas.partners_of("无名路").is_empty());
    }

    #[test]
    fn a_partner_of_an_unknown_street_is_refused() {
        let mut data = data();
        data.partners
            .push(partner(4, "和平东路", Department::Police));
        let message = data.check_references().expect_err("unknown").to_string();
        assert!(message.contains("和平东路"), "{message}");
        // A street with no segment left takes no partner either.
        let mut data = self::data();
        data.streets.retain(|s| s.id != 3);
        let message = data.check_references().expect_err("gone").to_string();
        assert!(message.contains("和平西路"), "{message}");
    }

    #[test]
    fn one_department_of_a_kind_per_street() {
        let mut data = data();
        data.partners
            .push(partner(4, "和平南路", Department::Police));
        let message = data.check_references().expect_err("twice").to_string();
        assert!(
            message.contains("twice") && message.contains("2"),
            "{message}"
        );

        // Two `other` partners are told apart by their names, and need one.
        let mut data = self::data();
        let mut school = partner(4, "和平南路", Department::Other);
        school.department_name = Some("雅安中学".into());
        let mut bank = partner(5, "和平南路", Department::Other);
        bank.department_name = Some("农业银行".into());
        data.partners.extend([school.clone(), bank]);
        data.check_references().expect("two named partner units");
        school.id = 6;
        school.department_name = Some(" 雅安 中学".into());
        data.partners.push(school);
        assert!(data.check_references().is_err());
        let mut data = self::data();
        data.partners
            .push(partner(4, "和平南路", Department::Other));
        let message = data.check_references().expect_err("unnamed").to_string();
        assert!(message.contains("without a name"), "{message}");
    }

    #[test]
    fn contacts_and_phones_are_required() {
        let mut data = data();
        data.partners[0].contact = " ".into();
        assert!(data.check_references().is_err());
        let mut data = self::data();
        data.partners[0].phone = "无".into();
        assert!(data.check_references().is_err());
    }

    #[test]
    fn partners_diff_and_apply_like_any_layer() {
        let old = data();
        let mut new = old.clone();
        new.partners.retain(|p| p.id != 2);
        new.partners[0].contact = "王科长".into();
        new.partners
            .push(partner(4, "和平西路", Department::Sanitation));
        let changes = ChangeSet::diff(&old, &new);
        assert_eq!(changes.delete_partners, vec![2]);
        assert_eq!(
            changes.partners.iter().map(|p| p.id).collect::<Vec<_>>(),
            vec![1, 4]
        );
        assert!(!changes.is_empty());
        let mut applied = old.clone();
        applied.apply(&changes);
        applied.partners.sort_by_key(|p| p.id);
        new.partners.sort_by_key(|p| p.id);
        assert_eq!(applied, new);
        assert!(ChangeSet::diff(&new, &new).is_empty());
        assert_eq!(ChangeSet::insert_all(&new).partners.len(), 3);
        assert_eq!(new.next_ids().partner, 5);
    }
}
