//! Inspections of compounds and the due dates they set: who looked, when, what they found, and
//! when each compound must be looked at next under its tier's cadence, in the Asia/Shanghai
//! calendar.
//!
//! # The due-date rules
//!
//! - Dates are calendar dates in Asia/Shanghai, whatever the server's own time zone: an
//!   inspection at 2026-12-31T16:30Z was made on 2027-01-01.
//! - The next due date is the date of the latest inspection plus the tier's cadence ([`Every`]):
//!   days and weeks add days; months add calendar months and clamp to the end of a shorter month
//!   (Jan 31 + 1 month = Feb 28, or Feb 29 in a leap year); a quarter is three months, added at
//!   once (Nov 30 + 1 quarter = Feb 28).
//! - The cadence is the tier the compound has *now*: a compound turned red yesterday is due a week
//!   after its last inspection, not a quarter.
//! - An inspection on the due date is on time; a compound is overdue from the day after, and
//!   `days_overdue` counts the days from the due date to today.
//! - A compound never inspected is due today and not overdue: the records cannot say since when it
//!   should have been inspected (compounds carry no creation date), and calling every newly
//!   imported compound overdue would drown the ones that really are.

use std::collections::HashMap;

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Span, Timestamp};
use serde::{Deserialize, Serialize};

use crate::{ChangeSet, Dataset, Id, InspectorRole, Photo, PhotoError, PhotoInfo, Tier, Topic};

/// What an inspector found on one topic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// True when the topic is in order.
    pub ok: bool,
    /// What was seen (may be empty).
    pub note: String,
}

/// Findings per topic; a topic not looked at is `None`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Findings {
    /// 出租: rented homes.
    pub rentals: Option<Finding>,
    /// 卫生: sanitation.
    pub sanitation: Option<Finding>,
    /// 治安: public order.
    pub public_order: Option<Finding>,
    /// 消防: fire safety.
    pub fire_safety: Option<Finding>,
    /// 防疫: epidemic control.
    pub epidemic: Option<Finding>,
}

impl Findings {
    /// The finding on one topic.
    pub fn get(&self, topic: Topic) -> Option<&Finding> {
        match topic {
            Topic::Rentals => self.rentals.as_ref(),
            Topic::Sanitation => self.sanitation.as_ref(),
            Topic::PublicOrder => self.public_order.as_ref(),
            Topic::FireSafety => self.fire_safety.as_ref(),
            Topic::Epidemic => self.epidemic.as_ref(),
        }
    }

    /// Sets (or, with `None`, clears) the finding on one topic.
    pub fn set(&mut self, topic: Topic, finding: Option<Finding>) {
        let slot = match topic {
            Topic::Rentals => &mut self.rentals,
            Topic::Sanitation => &mut self.sanitation,
            Topic::PublicOrder => &mut self.public_order,
            Topic::FireSafety => &mut self.fire_safety,
            Topic::Epidemic => &mut self.epidemic,
        };
        *slot = finding;
    }

    /// Every topic with its finding, in [`Topic::ALL`] order.
    pub fn iter(&self) -> impl Iterator<Item = (Topic, Option<&Finding>)> + '_ {
        Topic::ALL.iter().map(|t| (*t, self.get(*t)))
    }

    /// True when every recorded finding is in order; `None` when nothing was recorded.
    pub fn all_ok(&self) -> Option<bool> {
        let mut recorded = self.iter().filter_map(|(_, f)| f).peekable();
        recorded.peek()?;
        Some(recorded.all(|f| f.ok))
    }
}

/// One inspection of a compound. Inspections are kept forever, like tier history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inspection {
    /// Identifier, assigned by the store when the inspection is recorded (the value in a
    /// [`ChangeSet`] is ignored).
    pub id: Id,
    /// The compound inspected.
    pub compound: Id,
    /// Who inspected, by name.
    pub inspector: String,
    /// In what capacity.
    pub role: InspectorRole,
    /// When, in milliseconds since the Unix epoch (UTC).
    pub at_ms: i64,
    /// What was found, per topic.
    pub findings: Findings,
    /// The tier the inspector suggests; a planner or leader confirms it with a tier change.
    pub suggested_tier: Option<Tier>,
    /// The photo's type, size and digest when it has one, filled in by the store when reading
    /// (the value in a [`ChangeSet`] is ignored: the bytes travel in
    /// [`ChangeSet::inspection_photos`], and are read on demand only).
    pub photo: Option<PhotoInfo>,
}

/// How often: a count of days, weeks, calendar months or quarters. In TOML `{ months = 1 }`, in
/// JSON `{"months": 1}`. A count of 0 counts as 1, so that a due date always lies after the
/// inspection that set it ([`Cadences::validate`] refuses it in configuration).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Every {
    /// Every `n` days.
    Days(u32),
    /// Every `n` weeks of seven days.
    Weeks(u32),
    /// Every `n` calendar months, clamped to the end of a shorter month.
    Months(u32),
    /// Every `n` quarters of three calendar months.
    Quarters(u32),
}

impl Every {
    /// Reads a cadence as a person writes it: `1w`, `2 weeks`, `3d`, `1m`, `1q`, `weekly`,
    /// `monthly`, `quarterly`, `daily`, or in Chinese `每天`, `每周`, `每月`, `每季度`. `None` for
    /// anything else, and for a count of 0.
    ///
    /// # Examples
    ///
    /// ```
    /// use wangge_core::Every;
    /// assert_eq!(Every::parse("2w"), Some(Every::Weeks(2)));
    /// assert_eq!(Every::parse("every 3 days"), Some(Every::Days(3)));
    /// assert_eq!(Every::parse("quarterly"), Some(Every::Quarters(1)));
    /// assert_eq!(Every::parse("每月"), Some(Every::Months(1)));
    /// assert_eq!(Every::parse("0w"), None);
    /// assert_eq!(Every::parse("sometimes"), None);
    /// ```
    pub fn parse(text: &str) -> Option<Every> {
        let t = text.trim().to_lowercase();
        let t = t.strip_prefix("every").unwrap_or(&t).trim();
        let word = match t {
            "daily" | "day" | "每天" | "每日" => Some(Every::Days(1)),
            "weekly" | "week" | "每周" => Some(Every::Weeks(1)),
            "monthly" | "month" | "每月" => Some(Every::Months(1)),
            "quarterly" | "quarter" | "每季度" | "每季" => Some(Every::Quarters(1)),
            _ => None,
        };
        if word.is_some() {
            return word;
        }
        let digits: String = t.chars().take_while(char::is_ascii_digit).collect();
        let n: u32 = digits.parse().ok().filter(|n| *n > 0)?;
        let unit = t[digits.len()..].trim();
        match unit {
            "d" | "day" | "days" => Some(Every::Days(n)),
            "w" | "week" | "weeks" => Some(Every::Weeks(n)),
            "m" | "month" | "months" => Some(Every::Months(n)),
            "q" | "quarter" | "quarters" => Some(Every::Quarters(n)),
            _ => None,
        }
    }

    /// The count, at least 1.
    fn count(self) -> i64 {
        let n = match self {
            Every::Days(n) | Every::Weeks(n) | Every::Months(n) | Every::Quarters(n) => n,
        };
        i64::from(n.max(1))
    }

    /// The date one period after `date`.
    pub(crate) fn after(self, date: Date) -> Result<Date, DueError> {
        let n = self.count();
        let span = match self {
            Every::Days(_) => Span::new().try_days(n),
            Every::Weeks(_) => Span::new().try_weeks(n),
            Every::Months(_) => Span::new().try_months(n),
            Every::Quarters(_) => Span::new().try_months(n.saturating_mul(3)),
        };
        // jiff clamps a day past the end of the target month to its last day, which is the rule.
        span.and_then(|s| date.checked_add(s))
            .map_err(|_| DueError::OutOfRange(format!("{date} + {self}")))
    }
}

impl std::fmt::Display for Every {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (n, unit) = match *self {
            Every::Days(n) => (n, "day"),
            Every::Weeks(n) => (n, "week"),
            Every::Months(n) => (n, "month"),
            Every::Quarters(n) => (n, "quarter"),
        };
        if n == 1 {
            write!(f, "every {unit}")
        } else {
            write!(f, "every {n} {unit}s")
        }
    }
}

/// The inspection cadence of each tier: configuration, with the reports' rules as defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Cadences {
    /// 绿色 · 宽管级: once a quarter by default.
    pub green: Every,
    /// 黄色 · 关注级: once a month by default.
    pub yellow: Every,
    /// 红色 · 禁止级: the reports give none; weekly by default.
    pub red: Every,
}

impl Default for Cadences {
    fn default() -> Self {
        Self {
            green: Every::Quarters(1),
            yellow: Every::Months(1),
            red: Every::Weeks(1),
        }
    }
}

impl Cadences {
    /// The cadence of a tier.
    pub fn of(&self, tier: Tier) -> Every {
        match tier {
            Tier::Green => self.green,
            Tier::Yellow => self.yellow,
            Tier::Red => self.red,
        }
    }

    /// Refuses a cadence with a count of 0, which configuration can hold but cannot mean.
    pub fn validate(&self) -> Result<(), DueError> {
        for tier in Tier::ALL {
            let every = self.of(*tier);
            if matches!(
                every,
                Every::Days(0) | Every::Weeks(0) | Every::Months(0) | Every::Quarters(0)
            ) {
                return Err(DueError::ZeroCadence(*tier));
            }
        }
        Ok(())
    }
}

/// Why a due date could not be computed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DueError {
    /// A time or date outside the calendar's range (years -9999 to 9999).
    #[error("{0} is outside the calendar's range")]
    OutOfRange(String),
    /// A cadence with a count of 0.
    #[error("the {0} tier's cadence must be at least 1")]
    ZeroCadence(Tier),
}

/// The time zone every due date is reckoned in: Asia/Shanghai from the tz database bundled into
/// the binary, so nothing depends on the machine's zoneinfo files.
pub fn shanghai() -> TimeZone {
    // China has kept UTC+8 without daylight saving since 1991, so the fixed offset is the same
    // calendar for every inspection the system can hold, should the lookup ever fail.
    TimeZone::get("Asia/Shanghai").unwrap_or_else(|_| TimeZone::fixed(jiff::tz::offset(8)))
}

/// The calendar date in `tz` of a time in milliseconds since the Unix epoch.
pub fn local_date(at_ms: i64, tz: &TimeZone) -> Result<Date, DueError> {
    Timestamp::from_millisecond(at_ms)
        .map(|t| t.to_zoned(tz.clone()).date())
        .map_err(|_| DueError::OutOfRange(format!("{at_ms} ms")))
}

/// The date a compound of `tier` is next due, given the time of its latest inspection: that
/// inspection's date in `tz` plus the tier's cadence. `None` when it was never inspected, which
/// means due at once (see the [module rules](self)).
///
/// # Examples
///
/// ```
/// use jiff::civil::date;
/// use wangge_core::{Cadences, Tier, inspections::{next_due, shanghai}};
/// let tz = shanghai();
/// let cadences = Cadences::default();
/// // 2028-01-31 10:00 in Shanghai; yellow is monthly, and February 2028 has 29 days.
/// let last = jiff::Timestamp::from_second(1_832_896_800).expect("a time").as_millisecond();
/// assert_eq!(next_due(Some(last), Tier::Yellow, &cadences, &tz), Ok(Some(date(2028, 2, 29))));
/// assert_eq!(next_due(Some(last), Tier::Green, &cadences, &tz), Ok(Some(date(2028, 4, 30))));
/// assert_eq!(next_due(Some(last), Tier::Red, &cadences, &tz), Ok(Some(date(2028, 2, 7))));
/// assert_eq!(next_due(None, Tier::Red, &cadences, &tz), Ok(None));
/// ```
pub fn next_due(
    last: Option<i64>,
    tier: Tier,
    cadences: &Cadences,
    tz: &TimeZone,
) -> Result<Option<Date>, DueError> {
    last.map(|at_ms| cadences.of(tier).after(local_date(at_ms, tz)?))
        .transpose()
}

/// One compound's place in the inspection schedule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Due {
    /// The compound.
    pub compound: Id,
    /// Its code.
    pub code: String,
    /// Its tier now, which sets the cadence.
    pub tier: Tier,
    /// Its latest inspection, if any.
    pub last: Option<Inspection>,
    /// The Shanghai date by which it must be inspected (today when never inspected).
    pub next_due: Date,
    /// True when today (in Shanghai) is past `next_due`.
    pub overdue: bool,
    /// Days from `next_due` to today when overdue, else 0.
    pub days_overdue: i64,
}

/// The latest inspection of each compound (the later id wins a tie in time).
pub fn latest_inspections(inspections: &[Inspection]) -> HashMap<Id, &Inspection> {
    let mut latest: HashMap<Id, &Inspection> = HashMap::new();
    for i in inspections {
        let newer = latest
            .get(&i.compound)
            .is_none_or(|seen| (i.at_ms, i.id) > (seen.at_ms, seen.id));
        if newer {
            latest.insert(i.compound, i);
        }
    }
    latest
}

/// Every compound of `data` with its tier, latest inspection, next due date and whether it is
/// overdue at `now_ms`, in the Asia/Shanghai calendar: the soonest due (the most overdue) first,
/// then by code.
pub fn due_list(
    data: &Dataset,
    inspections: &[Inspection],
    cadences: &Cadences,
    now_ms: i64,
) -> Result<Vec<Due>, DueError> {
    let tz = shanghai();
    let today = local_date(now_ms, &tz)?;
    let latest = latest_inspections(inspections);
    let mut list = data
        .compounds
        .iter()
        .map(|c| {
            let last = latest.get(&c.id).map(|i| (*i).clone());
            let next =
                next_due(last.as_ref().map(|i| i.at_ms), c.tier, cadences, &tz)?.unwrap_or(today);
            let days_overdue = if today > next {
                i64::from(
                    next.until(today)
                        .map_err(|_| DueError::OutOfRange(format!("{next} to {today}")))?
                        .get_days(),
                )
            } else {
                0
            };
            Ok(Due {
                compound: c.id,
                code: c.code.clone(),
                tier: c.tier,
                last,
                next_due: next,
                overdue: days_overdue > 0,
                days_overdue,
            })
        })
        .collect::<Result<Vec<_>, DueError>>()?;
    list.sort_by(|a, b| (a.next_due, &a.code).cmp(&(b.next_due, &b.code)));
    Ok(list)
}

/// Why an inspection was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InspectionError {
    /// No compound has the code.
    #[error("no compound has code {0}")]
    UnknownCompound(String),
    /// The inspector's name is empty or only white space.
    #[error("an inspection needs the inspector's name")]
    InspectorRequired,
    /// The inspector's name or a note is too long.
    #[error("{0} is longer than {MAX_NOTE_CHARS} characters")]
    TooLong(&'static str),
    /// The time lies more than a day ahead of now.
    #[error("the inspection time {0} lies more than a day in the future")]
    InFuture(String),
    /// The photo is not an image of a known type, or too large.
    #[error(transparent)]
    Photo(#[from] PhotoError),
}

/// The longest note or inspector name accepted, in characters.
pub const MAX_NOTE_CHARS: usize = 2000;

/// How far ahead of the clock an inspection may be dated: a day, which absorbs a phone's wrong
/// time zone or clock but refuses a mistyped year.
pub const MAX_FUTURE_MS: i64 = 86_400_000;

/// The change set that records an inspection of compound `code`, checked the same way for every
/// way in (HTTP, command line): a named inspector, notes of sane length, a time at most a day
/// after `now_ms`, a photo that is a JPEG, PNG or WebP image of at most 5 MiB. The compound and
/// the id in `inspection` are filled in; the photo goes into the same change set.
pub fn record_inspection(
    data: &Dataset,
    code: &str,
    mut inspection: Inspection,
    photo: Option<Photo>,
    now_ms: i64,
) -> Result<ChangeSet, InspectionError> {
    let compound = data
        .compounds
        .iter()
        .find(|c| c.code == code)
        .ok_or_else(|| InspectionError::UnknownCompound(code.to_string()))?;
    inspection.inspector = inspection.inspector.trim().to_string();
    if inspection.inspector.is_empty() {
        return Err(InspectionError::InspectorRequired);
    }
    if inspection.inspector.chars().count() > MAX_NOTE_CHARS {
        return Err(InspectionError::TooLong("the inspector's name"));
    }
    for (topic, finding) in inspection.findings.iter() {
        if finding.is_some_and(|f| f.note.chars().count() > MAX_NOTE_CHARS) {
            return Err(InspectionError::TooLong(topic.name_en()));
        }
    }
    if inspection.at_ms > now_ms.saturating_add(MAX_FUTURE_MS) {
        let when = Timestamp::from_millisecond(inspection.at_ms)
            .map_or_else(|_| format!("{} ms", inspection.at_ms), |t| t.to_string());
        return Err(InspectionError::InFuture(when));
    }
    if let Some(photo) = &photo {
        photo.check()?;
    }
    inspection.compound = compound.id;
    inspection.id = 0;
    inspection.photo = photo.as_ref().map(Photo::info);
    Ok(ChangeSet {
        inspections: vec![inspection],
        inspection_photos: photo.map(|p| (0, p)).into_iter().collect(),
        ..ChangeSet::default()
    })
}

#[cfg(test)]
mod tests {
    use geo::MultiPolygon;
    use jiff::civil::date;
    use proptest::prelude::*;

    use super::*;
    use crate::{Compound, CompoundKind, Management};

    /// Milliseconds of an instant written in RFC 3339.
    fn ms(text: &str) -> i64 {
        text.parse::<Timestamp>().expect("a time").as_millisecond()
    }

    fn due(last: &str, every: Every) -> Date {
        let cadences = Cadences {
            green: every,
            ..Cadences::default()
        };
        next_due(Some(ms(last)), Tier::Green, &cadences, &shanghai())
            .expect("in range")
            .expect("a date")
    }

    #[test]
    fn quarters_are_three_calendar_months() {
        assert_eq!(
            due("2026-01-15T02:00:00Z", Every::Quarters(1)),
            date(2026, 4, 15)
        );
        assert_eq!(
            due("2026-11-15T02:00:00Z", Every::Quarters(1)),
            date(2027, 2, 15)
        );
        // Added at once, not month by month: Nov 30 → Feb 28, not Feb 28 → … → Feb 28.
        assert_eq!(
            due("2025-11-30T02:00:00Z", Every::Quarters(1)),
            date(2026, 2, 28)
        );
        assert_eq!(
            due("2026-05-31T02:00:00Z", Every::Quarters(2)),
            date(2026, 11, 30)
        );
    }

    #[test]
    fn months_clamp_to_the_end_of_a_shorter_month() {
        assert_eq!(
            due("2026-01-31T02:00:00Z", Every::Months(1)),
            date(2026, 2, 28)
        );
        assert_eq!(
            due("2026-03-31T02:00:00Z", Every::Months(1)),
            date(2026, 4, 30)
        );
        assert_eq!(
            due("2026-12-15T02:00:00Z", Every::Months(1)),
            date(2027, 1, 15)
        );
        assert_eq!(
            due("2026-01-31T02:00:00Z", Every::Months(3)),
            date(2026, 4, 30)
        );
    }

    #[test]
    fn leap_years_have_a_february_29() {
        assert_eq!(
            due("2028-01-31T02:00:00Z", Every::Months(1)),
            date(2028, 2, 29)
        );
        assert_eq!(
            due("2028-02-29T02:00:00Z", Every::Months(1)),
            date(2028, 3, 29)
        );
        assert_eq!(
            due("2028-02-29T02:00:00Z", Every::Quarters(4)),
            date(2029, 2, 28)
        );
        assert_eq!(
            due("2028-02-22T02:00:00Z", Every::Weeks(1)),
            date(2028, 2, 29)
        );
        // 2100 is not a leap year.
        assert_eq!(
            due("2100-01-31T02:00:00Z", Every::Months(1)),
            date(2100, 2, 28)
        );
    }

    #[test]
    fn dates_are_shanghai_dates_not_utc_dates() {
        // 16:30 UTC on New Year's Eve is 00:30 on New Year's Day in Shanghai.
        assert_eq!(
            local_date(ms("2026-12-31T16:30:00Z"), &shanghai()),
            Ok(date(2027, 1, 1))
        );
        assert_eq!(
            due("2026-12-31T16:30:00Z", Every::Months(1)),
            date(2027, 2, 1)
        );
        // 15:59 UTC is still 23:59 the same day in Shanghai.
        assert_eq!(
            local_date(ms("2026-12-31T15:59:59Z"), &shanghai()),
            Ok(date(2026, 12, 31))
        );
        assert_eq!(
            due("2026-12-31T15:59:59Z", Every::Months(1)),
            date(2027, 1, 31)
        );
        assert_eq!(
            due("2026-12-31T15:59:59Z", Every::Weeks(1)),
            date(2027, 1, 7)
        );
        assert_eq!(
            due("2026-12-31T16:00:00Z", Every::Weeks(1)),
            date(2027, 1, 8)
        );
    }

    #[test]
    fn weeks_and_days_add_days() {
        assert_eq!(
            due("2026-03-02T02:00:00Z", Every::Weeks(1)),
            date(2026, 3, 9)
        );
        assert_eq!(
            due("2026-12-28T02:00:00Z", Every::Weeks(2)),
            date(2027, 1, 11)
        );
        assert_eq!(
            due("2026-02-27T02:00:00Z", Every::Days(3)),
            date(2026, 3, 2)
        );
        // A count of 0 counts as 1, and configuration refuses it.
        assert_eq!(
            due("2026-02-27T02:00:00Z", Every::Days(0)),
            date(2026, 2, 28)
        );
        let zero = Cadences {
            red: Every::Weeks(0),
            ..Cadences::default()
        };
        assert_eq!(zero.validate(), Err(DueError::ZeroCadence(Tier::Red)));
        assert_eq!(Cadences::default().validate(), Ok(()));
    }

    #[test]
    fn the_cadence_follows_the_tier() {
        let cadences = Cadences::default();
        let last = Some(ms("2026-03-10T02:00:00Z"));
        let tz = shanghai();
        let for_tier = |tier| next_due(last, tier, &cadences, &tz);
        assert_eq!(for_tier(Tier::Green), Ok(Some(date(2026, 6, 10))));
        assert_eq!(for_tier(Tier::Yellow), Ok(Some(date(2026, 4, 10))));
        assert_eq!(for_tier(Tier::Red), Ok(Some(date(2026, 3, 17))));
        assert_eq!(
            next_due(Some(i64::MAX), Tier::Red, &cadences, &tz),
            Err(DueError::OutOfRange(format!("{} ms", i64::MAX)))
        );
    }

    #[test]
    fn cadences_come_from_toml_and_json() {
        let toml_text = "green = { quarters = 1 }\nyellow = { months = 1 }\nred = { days = 3 }\n";
        let from_toml: Cadences = toml::from_str(toml_text).expect("toml");
        assert_eq!(from_toml.red, Every::Days(3));
        assert_eq!(from_toml.green, Every::Quarters(1));
        let from_json: Cadences = serde_json::from_str(r#"{"red": {"weeks": 2}}"#).expect("json");
        assert_eq!(
            from_json,
            Cadences {
                red: Every::Weeks(2),
                ..Cadences::default()
            }
        );
        assert!(serde_json::from_str::<Cadences>(r#"{"blue": {"weeks": 2}}"#).is_err());
        assert_eq!(Every::Weeks(2).to_string(), "every 2 weeks");
    }

    fn compound(id: Id, code: &str, tier: Tier) -> Compound {
        Compound {
            id,
            code: code.into(),
            name: code.into(),
            kind: CompoundKind::Mixed,
            management: Management::None,
            tier,
            stars: None,
            source_id: None,
            geometry: MultiPolygon(vec![]),
        }
    }

    fn inspection(id: Id, compound: Id, at: &str, ok: bool) -> Inspection {
        Inspection {
            id,
            compound,
            inspector: "李网格".into(),
            role: InspectorRole::GridWorker,
            at_ms: ms(at),
            findings: Findings {
                rentals: Some(Finding {
                    ok,
                    note: String::new(),
                }),
                ..Findings::default()
            },
            suggested_tier: None,
            photo: None,
        }
    }

    #[test]
    fn the_due_list_puts_the_most_overdue_first() {
        let data = Dataset {
            compounds: vec![
                compound(1, "A", Tier::Green),
                compound(2, "B", Tier::Red),
                compound(3, "C", Tier::Yellow),
                compound(4, "D", Tier::Yellow),
            ],
            ..Dataset::default()
        };
        let inspections = vec![
            inspection(1, 1, "2026-01-10T02:00:00Z", true),
            inspection(2, 2, "2026-03-01T02:00:00Z", true),
            inspection(3, 2, "2026-03-20T02:00:00Z", false),
            inspection(4, 3, "2026-03-25T02:00:00Z", true),
        ];
        // 2026-04-10 in Shanghai (01:00 local on the 11th would already be the 11th).
        let now = ms("2026-04-10T12:00:00Z");
        let list = due_list(&data, &inspections, &Cadences::default(), now).expect("a list");
        let view: Vec<(&str, Date, bool, i64)> = list
            .iter()
            .map(|d| (d.code.as_str(), d.next_due, d.overdue, d.days_overdue))
            .collect();
        assert_eq!(
            view,
            vec![
                ("B", date(2026, 3, 27), true, 14),
                ("A", date(2026, 4, 10), false, 0),
                // Never inspected: due today, not overdue.
                ("D", date(2026, 4, 10), false, 0),
                ("C", date(2026, 4, 25), false, 0),
            ]
        );
        assert_eq!(list[0].last.as_ref().map(|i| i.id), Some(3));
        assert_eq!(
            list[0].last.as_ref().and_then(|i| i.findings.all_ok()),
            Some(false)
        );
        assert!(list[2].last.is_none());
        // The day after the due date it is overdue by one day, on the day itself it is not.
        let next_day = ms("2026-04-10T16:00:00Z");
        let list = due_list(&data, &inspections, &Cadences::default(), next_day).expect("a list");
        let a = list.iter().find(|d| d.code == "A").expect("A");
        assert!(a.overdue && a.days_overdue == 1, "{a:?}");
    }

    #[test]
    fn recording_an_inspection_checks_it() {
        let data = Dataset {
            compounds: vec![compound(7, "C7", Tier::Green)],
            ..Dataset::default()
        };
        let now = ms("2026-04-10T12:00:00Z");
        let draft = inspection(99, 0, "2026-04-10T11:00:00Z", true);
        let changes = record_inspection(&data, "C7", draft.clone(), None, now).expect("recorded");
        assert_eq!(changes.inspections.len(), 1);
        assert_eq!(changes.inspections[0].compound, 7);
        assert_eq!(changes.inspections[0].id, 0);
        assert!(!changes.is_empty());
        assert_eq!(
            record_inspection(&data, "C8", draft.clone(), None, now),
            Err(InspectionError::UnknownCompound("C8".into()))
        );
        let nameless = Inspection {
            inspector: "  ".into(),
            ..draft.clone()
        };
        assert_eq!(
            record_inspection(&data, "C7", nameless, None, now),
            Err(InspectionError::InspectorRequired)
        );
        let tomorrow = Inspection {
            at_ms: now + MAX_FUTURE_MS,
            ..draft.clone()
        };
        assert!(record_inspection(&data, "C7", tomorrow, None, now).is_ok());
        let later = Inspection {
            at_ms: now + MAX_FUTURE_MS + 1,
            ..draft.clone()
        };
        assert!(matches!(
            record_inspection(&data, "C7", later, None, now),
            Err(InspectionError::InFuture(_))
        ));
        // A photo goes into the same change set, and one that is not an image is refused.
        let png = Photo::from_bytes(b"\x89PNG\r\n\x1a\n....".to_vec()).expect("a PNG");
        let changes =
            record_inspection(&data, "C7", draft.clone(), Some(png.clone()), now).expect("photo");
        assert_eq!(changes.inspection_photos, vec![(0, png.clone())]);
        assert_eq!(changes.inspections[0].photo, Some(png.info()));
        let gif = Photo {
            bytes: b"GIF89a....".to_vec(),
            ..png
        };
        assert!(matches!(
            record_inspection(&data, "C7", draft, Some(gif), now),
            Err(InspectionError::Photo(PhotoError::NotAnImage(_)))
        ));
    }

    #[test]
    fn findings_summarise() {
        let mut findings = Findings::default();
        assert_eq!(findings.all_ok(), None);
        findings.set(
            Topic::Sanitation,
            Some(Finding {
                ok: true,
                note: String::new(),
            }),
        );
        assert_eq!(findings.all_ok(), Some(true));
        findings.set(
            Topic::FireSafety,
            Some(Finding {
                ok: false,
                note: "通道堵塞".into(),
            }),
        );
        assert_eq!(findings.all_ok(), Some(false));
        assert_eq!(
            findings.get(Topic::FireSafety).map(|f| f.note.as_str()),
            Some("通道堵塞")
        );
        assert_eq!(
            InspectorRole::parse("社区民警").ok(),
            Some(InspectorRole::CommunityPolice)
        );
    }

    fn every() -> impl Strategy<Value = Every> {
        prop_oneof![
            (0u32..400).prop_map(Every::Days),
            (0u32..60).prop_map(Every::Weeks),
            (0u32..40).prop_map(Every::Months),
            (0u32..12).prop_map(Every::Quarters),
        ]
    }

    proptest! {
        #[test]
        fn the_next_due_date_is_always_after_the_last_inspection(
            // 1970 to 2100, in milliseconds.
            last in 0i64..4_102_444_800_000,
            every in every(),
        ) {
            let tz = shanghai();
            let cadences = Cadences { green: every, yellow: every, red: every };
            for tier in Tier::ALL {
                let next = next_due(Some(last), *tier, &cadences, &tz)
                    .expect("in range")
                    .expect("a date");
                let day = local_date(last, &tz).expect("in range");
                prop_assert!(next > day, "{every:?} after {day} gave {next}");
            }
        }

        #[test]
        fn a_later_inspection_never_moves_the_due_date_earlier(
            last in 0i64..4_102_444_800_000,
            gap in 0i64..40_000_000_000,
            every in every(),
        ) {
            let tz = shanghai();
            let cadences = Cadences { green: every, ..Cadences::default() };
            let first = next_due(Some(last), Tier::Green, &cadences, &tz).expect("in range");
            let second = next_due(Some(last + gap), Tier::Green, &cadences, &tz).expect("in range");
            prop_assert!(first <= second);
        }
    }
}
