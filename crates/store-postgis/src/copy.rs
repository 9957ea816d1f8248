//! Moving a jurisdiction from another store (a GeoPackage, say) into an empty PostGIS schema in
//! one transaction, and proving the copy exact: per layer, the record counts and a checksum of
//! the records in id order, computed the same way from what the source gave and what the target
//! reads back before it commits.

use std::fmt::{self, Debug, Write as _};

use std::collections::BTreeSet;

use wangge_core::{
    AuditEntry, ChangeSet, Dataset, Id, Inspection, Plan, PlanEdit, PlanInfo, Problem, ProblemStep,
    Targets, TierChange, Visit, Zone,
};
use wangge_store::{AuditFilter, Error, ProblemFilter, Result, Store};

use crate::connect::pg_error;
use crate::{PostgisStore, apply, audit, plans, problems, queries, rows, visits};

/// One layer's check after a migration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayerCheck {
    /// What was compared: `levels`, `zones`, `compounds`, `buildings`, `streets`, `chiefs`,
    /// `duties`, `partners` (partner departments), `attribution`, `tier_changes`, `inspections`, `plans` (each plan's info and locks),
    /// `plan_zones` (every zone of every plan), `plan_edits` (every edit of every plan, with
    /// the zones it replaced and put in place), `problems`, `problem_steps` (every step of every
    /// problem, in order), `key_sites`, `vulnerable_households`, `visits` or `audit` (every
    /// entry of the audit log, by id).
    pub name: &'static str,
    /// Records the source gave.
    pub source_count: usize,
    /// Records the target holds.
    pub target_count: usize,
    /// The checksum of the source's records in id order.
    pub source_checksum: u64,
    /// The checksum of the target's records in id order, computed the same way.
    pub target_checksum: u64,
}

impl LayerCheck {
    /// True when counts and checksums agree.
    pub fn matches(&self) -> bool {
        self.source_count == self.target_count && self.source_checksum == self.target_checksum
    }
}

/// What [`migrate_from`] copied, with the evidence that the copy is exact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationReport {
    /// The source store, as it describes itself.
    pub source: String,
    /// The target, as it describes itself (password hidden).
    pub target: String,
    /// The source's data version when it was read.
    pub source_version: u64,
    /// The target's data version after the copy.
    pub target_version: u64,
    /// One check per layer.
    pub layers: Vec<LayerCheck>,
}

impl MigrationReport {
    /// True when every layer's counts and checksums agree.
    pub fn is_exact(&self) -> bool {
        self.layers.iter().all(LayerCheck::matches)
    }
}

impl fmt::Display for MigrationReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "copied {} (version {}) into {} (version {})",
            self.source, self.source_version, self.target, self.target_version
        )?;
        writeln!(
            f,
            "{:<21} {:>8} {:>8}  {:<16}  {:<16}",
            "layer", "source", "target", "source checksum", "target checksum"
        )?;
        for l in &self.layers {
            writeln!(
                f,
                "{:<21} {:>8} {:>8}  {:016x}  {:016x}{}",
                l.name,
                l.source_count,
                l.target_count,
                l.source_checksum,
                l.target_checksum,
                if l.matches() { "" } else { "  MISMATCH" }
            )?;
        }
        Ok(())
    }
}

/// A 64-bit FNV-1a hash: simple, stable across builds and platforms, and enough to notice a
/// record that changed on the way.
fn fnv1a(hash: u64, bytes: &[u8]) -> u64 {
    bytes.iter().fold(hash, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01B3)
    })
}

/// The count and checksum of records: the hash of each one's `Debug` text, which spells every
/// field, and every float in the shortest form that reads back to the same bits, so two records
/// hash alike exactly when they are equal. A 0xFF byte (never in UTF-8) ends each record.
fn checksum<T: Debug>(records: &[T]) -> (usize, u64) {
    let mut hash = 0xCBF2_9CE4_8422_2325;
    let mut text = String::new();
    for record in records {
        text.clear();
        // Writing to a String cannot fail.
        let _ = write!(text, "{record:?}");
        hash = fnv1a(hash, text.as_bytes());
        hash = fnv1a(hash, &[0xFF]);
    }
    (records.len(), hash)
}

fn check<T: Debug>(name: &'static str, source: &[T], target: &[T]) -> LayerCheck {
    let (source_count, source_checksum) = checksum(source);
    let (target_count, target_checksum) = checksum(target);
    LayerCheck {
        name,
        source_count,
        target_count,
        source_checksum,
        target_checksum,
    }
}

/// Everything a migration copies, as read from one store.
struct Snapshot {
    data: Dataset,
    history: Vec<TierChange>,
    inspections: Vec<Inspection>,
    /// Every plan, by id.
    plans: Vec<Plan>,
    /// Every problem with its steps (oldest first), by problem id.
    problems: Vec<(Problem, Vec<ProblemStep>)>,
    /// The key sites (by place) and the vulnerable households (by id).
    targets: Targets,
    /// Every visit, by id.
    visits: Vec<Visit>,
    /// Every audit entry, by id.
    audit: Vec<AuditEntry>,
}

impl Snapshot {
    /// Each plan's info and locks, by plan id.
    fn plan_infos(&self) -> Vec<(&PlanInfo, &BTreeSet<Id>)> {
        self.plans.iter().map(|p| (&p.info, &p.locked)).collect()
    }

    /// Every zone of every plan, by plan id and then as the plan holds them.
    fn plan_zones(&self) -> Vec<(Id, &Zone)> {
        self.plans
            .iter()
            .flat_map(|p| p.zones.iter().map(move |z| (p.info.id, z)))
            .collect()
    }

    /// Every edit of every plan, by plan id and then oldest first.
    fn plan_edits(&self) -> Vec<(Id, &PlanEdit)> {
        self.plans
            .iter()
            .flat_map(|p| p.history.iter().map(move |e| (p.info.id, e)))
            .collect()
    }

    /// Every problem, by id.
    fn problem_list(&self) -> Vec<&Problem> {
        self.problems.iter().map(|(p, _)| p).collect()
    }

    /// Every step of every problem, by problem id and then oldest first.
    fn problem_steps(&self) -> Vec<&ProblemStep> {
        self.problems.iter().flat_map(|(_, steps)| steps).collect()
    }
}

/// Compares two snapshots layer by layer, each sorted by id.
fn compare(source: &Snapshot, target: &Snapshot) -> Vec<LayerCheck> {
    // The target numbers inspections itself, so they are compared without their ids.
    let unnumbered = |list: &[Inspection]| -> Vec<Inspection> {
        list.iter()
            .map(|i| Inspection { id: 0, ..i.clone() })
            .collect()
    };
    let s = normalised(source.data.clone());
    let t = normalised(target.data.clone());
    vec![
        check("levels", &s.levels.levels, &t.levels.levels),
        check("zones", &s.zones, &t.zones),
        check("compounds", &s.compounds, &t.compounds),
        check("buildings", &s.buildings, &t.buildings),
        check("streets", &s.streets, &t.streets),
        check("chiefs", &s.chiefs, &t.chiefs),
        check("duties", &s.duties, &t.duties),
        check("partners", &s.partners, &t.partners),
        check("attribution", &s.attribution, &t.attribution),
        check("cadences", &[s.cadences], &[t.cadences]),
        check(
            "visit_schedules",
            &[s.visit_schedules],
            &[t.visit_schedules],
        ),
        check("tier_changes", &source.history, &target.history),
        check(
            "inspections",
            &unnumbered(&source.inspections),
            &unnumbered(&target.inspections),
        ),
        check("plans", &source.plan_infos(), &target.plan_infos()),
        check("plan_zones", &source.plan_zones(), &target.plan_zones()),
        check("plan_edits", &source.plan_edits(), &target.plan_edits()),
        check("problems", &source.problem_list(), &target.problem_list()),
        check(
            "problem_steps",
            &source.problem_steps(),
            &target.problem_steps(),
        ),
        check(
            "key_sites",
            &source.targets.key_sites,
            &target.targets.key_sites,
        ),
        check(
            "vulnerable_households",
            &source.targets.vulnerable,
            &target.targets.vulnerable,
        ),
        check("visits", &source.visits, &target.visits),
        check("audit", &source.audit, &target.audit),
    ]
}

/// Sorts every layer by id, so that datasets from different backends compare alike.
fn normalised(mut data: Dataset) -> Dataset {
    data.zones.sort_by_key(|z| z.id);
    data.compounds.sort_by_key(|c| c.id);
    data.buildings.sort_by_key(|b| b.id);
    data.streets.sort_by_key(|s| s.id);
    data.chiefs.sort_by_key(|c| c.id);
    data.duties.sort_by_key(wangge_core::Assignment::key);
    data.partners.sort_by_key(|p| p.id);
    data
}

/// Copies everything in `source` — levels, every layer, chiefs, their duties, partner
/// departments, attribution, each compound's
/// tier history, every inspection with its photo, every plan (with its zones, locks and history, under its
/// own id), every problem with its steps in order, the key sites, the vulnerable households and
/// every visit (problems, households and visits under their own ids, as visits name households
/// by id) — into `target` in one transaction, then reads it back inside that transaction and
/// compares counts and checksums per layer. New plans, problems, households and visits are
/// numbered after the copied ones. The target must be empty; if any layer differs nothing is
/// committed. The copy is one change: the target's data version becomes 1 (problems and visits
/// change no data version).
///
/// The audit log is copied too, every entry under its own id (new entries are numbered after
/// them), so the target's log must be empty as well. `audit` (the migration's own entries) is
/// appended after the copied log, in the same transaction, once the copy is proven exact.
pub async fn migrate_from(
    source: &dyn Store,
    target: &PostgisStore,
    audit: &[AuditEntry],
) -> Result<MigrationReport> {
    let data = source.load().await?;
    let source_version = source.data_version().await?;
    let mut compounds: Vec<_> = data.compounds.iter().map(|c| c.id).collect();
    compounds.sort_unstable();
    let mut history = Vec::new();
    for id in compounds {
        history.extend(source.tier_history(id).await?);
    }
    let inspections = source.inspections(None).await?;
    // Photos travel with their inspections; their digests are part of what the inspections
    // check compares. They are held in memory for the one transaction.
    let mut photos = Vec::new();
    for (index, inspection) in inspections.iter().enumerate() {
        if inspection.photo.is_some() {
            let photo = source.inspection_photo(inspection.id).await?.ok_or_else(|| {
                Error::Task(format!(
                    "{}: the photo of inspection {} disappeared while it was being copied; nothing was changed",
                    source.describe(),
                    inspection.id
                ))
            })?;
            photos.push((index, photo));
        }
    }
    let mut plan_ids: Vec<Id> = source.plans().await?.iter().map(|p| p.id).collect();
    plan_ids.sort_unstable();
    let mut source_plans = Vec::with_capacity(plan_ids.len());
    for id in plan_ids {
        source_plans.push(source.plan(id).await?.ok_or_else(|| {
            Error::Task(format!(
                "{}: plan {id} disappeared while it was being copied; nothing was changed",
                source.describe()
            ))
        })?);
    }
    let mut source_problems = Vec::new();
    for listed in source.problems(&ProblemFilter::default()).await? {
        source_problems.push(source.problem(listed.id).await?.ok_or_else(|| {
            Error::Task(format!(
                "{}: problem {} disappeared while it was being copied; nothing was changed",
                source.describe(),
                listed.id
            ))
        })?);
    }
    source_problems.sort_by_key(|(p, _)| p.id);
    let targets = source.visit_targets().await?;
    let mut source_visits = source.visits(None, None).await?;
    source_visits.sort_by_key(|v| v.id);
    let mut source_audit = Vec::new();
    loop {
        let page = source
            .audit_log(&AuditFilter {
                after_id: source_audit.last().map(|e: &AuditEntry| e.id),
                ..AuditFilter::default()
            })
            .await?;
        if page.is_empty() {
            break;
        }
        source_audit.extend(page);
    }
    let source_snapshot = Snapshot {
        data,
        history,
        inspections,
        plans: source_plans,
        problems: source_problems,
        targets,
        visits: source_visits,
        audit: source_audit,
    };

    let location = target.location();
    let mut client = target.client().await?;
    let tx = client
        .transaction()
        .await
        .map_err(pg_error(location, "starting the migration copy"))?;
    let version = apply::lock_version(&tx, location).await?;
    let holds_data: bool = tx
        .query_one(queries::HOLDS_DATA, &[])
        .await
        .and_then(|row| row.try_get(0))
        .map_err(pg_error(location, "checking that the target is empty"))?;
    if version != 0 || holds_data {
        return Err(Error::Task(format!(
            "{location} (schema {}) is not empty (data version {version}); migrate only into a new schema (nothing was changed)",
            target.schema()
        )));
    }
    let entries = audit::count(&tx, location).await?;
    if entries > 0 {
        return Err(Error::Task(format!(
            "{location} (schema {}) already holds {entries} audit log entries (users added before \
             the migration?); the copy keeps the source's entries under their ids, so migrate \
             into a new schema and add users afterwards (nothing was changed)",
            target.schema()
        )));
    }
    let changes = ChangeSet {
        tier_changes: source_snapshot.history.clone(),
        inspections: source_snapshot.inspections.clone(),
        inspection_photos: photos,
        ..ChangeSet::insert_all(&source_snapshot.data)
    };
    let applied = apply::apply_in(&tx, location, target.channel(), &changes).await?;
    for plan in &source_snapshot.plans {
        plans::insert_with_id(&tx, location, plan).await?;
    }
    tx.execute(queries::RESET_PLAN_IDS, &[])
        .await
        .map_err(pg_error(
            location,
            "numbering new plans after the copied ones",
        ))?;
    problems::insert_with_ids(&tx, location, &source_snapshot.problems).await?;
    visits::replace_key_sites(&tx, location, &source_snapshot.targets.key_sites).await?;
    visits::insert_with_ids(
        &tx,
        location,
        &source_snapshot.targets.vulnerable,
        &source_snapshot.visits,
    )
    .await?;
    audit::insert_with_ids(&tx, location, &source_snapshot.audit).await?;
    tx.execute(queries::RESET_COPIED_IDS, &[])
        .await
        .map_err(pg_error(
            location,
            "numbering new problems, households, visits and audit entries after the copied ones",
        ))?;

    let mut copied_plans = Vec::new();
    let mut copied_ids: Vec<Id> = plans::list(&tx, location)
        .await?
        .iter()
        .map(|p| p.id)
        .collect();
    copied_ids.sort_unstable();
    for id in copied_ids {
        copied_plans.extend(plans::read(&tx, location, id).await?);
    }
    let mut copied_problems = Vec::new();
    for listed in problems::list(&tx, location, &ProblemFilter::default()).await? {
        copied_problems.extend(problems::one(&tx, location, listed.id).await?);
    }
    let mut copied_visits = visits::list(&tx, location, None, None).await?;
    copied_visits.sort_by_key(|v| v.id);
    let mut copied_audit = Vec::new();
    loop {
        let filter = AuditFilter {
            after_id: copied_audit.last().map(|e: &AuditEntry| e.id),
            ..AuditFilter::default()
        };
        let page = audit::list(&tx, location, &filter).await?;
        if page.is_empty() {
            break;
        }
        copied_audit.extend(page);
    }
    let copied = Snapshot {
        data: rows::load(&tx, location).await?,
        history: rows::read_all_tier_history(&tx, location).await?,
        inspections: rows::read_inspections(&tx, location, None).await?,
        plans: copied_plans,
        problems: copied_problems,
        targets: visits::targets(&tx, location).await?,
        visits: copied_visits,
        audit: copied_audit,
    };
    let report = MigrationReport {
        source: source.describe(),
        target: target.describe(),
        source_version,
        target_version: applied.version,
        layers: compare(&source_snapshot, &copied),
    };
    if let Some(bad) = report.layers.iter().find(|l| !l.matches()) {
        return Err(Error::Task(format!(
            "{location}: the copy of {} does not match its source ({} records read back of {}, checksum {:016x} instead of {:016x}); nothing was committed\n{report}",
            bad.name, bad.target_count, bad.source_count, bad.target_checksum, bad.source_checksum
        )));
    }
    audit::append(&tx, location, audit).await?;
    tx.commit()
        .await
        .map_err(pg_error(location, "committing the migration copy"))?;
    tracing::info!(
        source = report.source,
        target = report.target,
        "migrated the store"
    );
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksums_tell_records_apart_to_the_last_bit() {
        let a = [1.0_f64, 0.1 + 0.2];
        let b = [1.0_f64, 0.3];
        assert_ne!(checksum(&a), checksum(&b));
        assert_eq!(checksum(&a), checksum(&[1.0, 0.1 + 0.2]));
        assert_ne!(checksum(&["ab", "c"]), checksum(&["a", "bc"]));
        assert_eq!(checksum::<u8>(&[]).0, 0);
    }
}
