//! Changing a compound's tier: the rule that a tier changes only with a reason, an author and a
//! time, written once for every way in (HTTP, command line).

use crate::{ChangeSet, Compound, Dataset, Tier, TierChange};

/// Why a tier change was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TierChangeError {
    /// No compound has the code.
    #[error("no compound has code {0}")]
    UnknownCompound(String),
    /// The reason is empty or only white space.
    #[error("a tier changes only with a reason: give one")]
    ReasonRequired,
    /// The reason is longer than [`MAX_REASON_CHARS`].
    #[error("the reason is longer than {MAX_REASON_CHARS} characters")]
    ReasonTooLong,
    /// The compound has that tier already.
    #[error("compound {code} is {tier} already")]
    Unchanged {
        /// The compound's code.
        code: String,
        /// Its tier.
        tier: Tier,
    },
}

/// The longest reason accepted, in characters.
pub const MAX_REASON_CHARS: usize = 2000;

/// The change set that moves compound `code` to tier `to`, recording who, why and when.
/// `by` falls back to `anonymous` when empty.
///
/// # Examples
///
/// ```
/// use geo::MultiPolygon;
/// use wangge_core::{Compound, CompoundKind, Dataset, Management, Tier, tier_change};
/// let mut data = Dataset::default();
/// data.compounds.push(Compound {
///     id: 7, code: "C7".into(), name: "崂山二村".into(), kind: CompoundKind::Mixed,
///     management: Management::None, tier: Tier::Green, stars: None, source_id: None,
///     geometry: MultiPolygon(vec![]),
/// });
/// let changes = tier_change(&data, "C7", Tier::Red, "群租", "王主任", 0).expect("a change");
/// assert_eq!(changes.compounds[0].tier, Tier::Red);
/// assert_eq!(changes.tier_changes[0].from, Tier::Green);
/// assert!(tier_change(&data, "C7", Tier::Red, " ", "王主任", 0).is_err());
/// ```
pub fn tier_change(
    data: &Dataset,
    code: &str,
    to: Tier,
    reason: &str,
    by: &str,
    at_ms: i64,
) -> Result<ChangeSet, TierChangeError> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(TierChangeError::ReasonRequired);
    }
    if reason.chars().count() > MAX_REASON_CHARS {
        return Err(TierChangeError::ReasonTooLong);
    }
    let compound = data
        .compounds
        .iter()
        .find(|c| c.code == code)
        .ok_or_else(|| TierChangeError::UnknownCompound(code.to_string()))?;
    if compound.tier == to {
        return Err(TierChangeError::Unchanged {
            code: code.to_string(),
            tier: to,
        });
    }
    let by = by.trim();
    let change = TierChange {
        compound: compound.id,
        from: compound.tier,
        to,
        reason: reason.to_string(),
        by: if by.is_empty() {
            "anonymous".to_string()
        } else {
            by.to_string()
        },
        at_ms,
    };
    Ok(ChangeSet {
        compounds: vec![Compound {
            tier: to,
            ..compound.clone()
        }],
        tier_changes: vec![change],
        ..ChangeSet::default()
    })
}

/// A compound's tier at a moment, from its tier now and its tier changes (any order; changes of
/// other compounds are ignored): the `to` of its last change before `at_ms`, else the `from` of its
/// first change after, else its tier now.
///
/// # Examples
///
/// ```
/// use wangge_core::{Tier, TierChange, tier_at};
/// let change = |at_ms, from, to| TierChange {
///     compound: 7, from, to, reason: "群租".into(), by: "王主任".into(), at_ms,
/// };
/// let history = [change(100, Tier::Green, Tier::Red), change(200, Tier::Red, Tier::Yellow)];
/// assert_eq!(tier_at(7, Tier::Yellow, &history, 50), Tier::Green);
/// assert_eq!(tier_at(7, Tier::Yellow, &history, 150), Tier::Red);
/// assert_eq!(tier_at(7, Tier::Yellow, &history, 250), Tier::Yellow);
/// assert_eq!(tier_at(8, Tier::Green, &history, 150), Tier::Green);
/// ```
pub fn tier_at(compound: crate::Id, now: Tier, history: &[TierChange], at_ms: i64) -> Tier {
    let mut own: Vec<&TierChange> = history.iter().filter(|c| c.compound == compound).collect();
    own.sort_by_key(|c| c.at_ms);
    match own.iter().rev().find(|c| c.at_ms <= at_ms) {
        Some(last) => last.to,
        None => own.first().map_or(now, |first| first.from),
    }
}

/// Whether an inspection recorded a rental in a compound that was red (禁止级: homes there may not
/// be rented out) when it was made: such a rental is prohibited and is flagged.
///
/// # Examples
///
/// ```
/// use wangge_core::{Finding, Findings, Tier, prohibited_rental};
/// let found = Findings {
///     rentals: Some(Finding { ok: false, note: "3 户出租".into() }),
///     ..Findings::default()
/// };
/// assert!(prohibited_rental(Tier::Red, &found));
/// assert!(!prohibited_rental(Tier::Yellow, &found));
/// assert!(!prohibited_rental(Tier::Red, &Findings::default()));
/// ```
pub fn prohibited_rental(tier_then: Tier, findings: &crate::Findings) -> bool {
    tier_then == Tier::Red && findings.rentals.as_ref().is_some_and(|f| !f.ok)
}
