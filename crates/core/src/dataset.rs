//! A whole jurisdiction's records in memory, and the change sets that stores apply atomically.

use std::collections::HashSet;

use crate::{
    Assignment, Building, Cadences, Chief, Compound, DutyKey, DutyKind, Error, Id, Inspection,
    LevelConfig, Photo, Result, StreetPartner, StreetSegment, TierChange, VisitSchedules, Zone,
};

/// The spatial layers, as named on the command line, in the API and in tiles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Layer {
    /// Zones of every level.
    Zones,
    /// Residential compounds.
    Compounds,
    /// Buildings.
    Buildings,
    /// Street segments.
    Streets,
}

impl Layer {
    /// Every spatial layer.
    pub const ALL: [Layer; 4] = [
        Layer::Zones,
        Layer::Compounds,
        Layer::Buildings,
        Layer::Streets,
    ];

    /// The layer's name, e.g. `compounds`.
    pub fn as_str(self) -> &'static str {
        match self {
            Layer::Zones => "zones",
            Layer::Compounds => "compounds",
            Layer::Buildings => "buildings",
            Layer::Streets => "streets",
        }
    }

    /// Parses a layer name.
    pub fn parse(name: &str) -> Option<Layer> {
        Layer::ALL.into_iter().find(|l| l.as_str() == name)
    }
}

impl std::fmt::Display for Layer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Every record of one jurisdiction.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Dataset {
    /// The zone levels in force.
    pub levels: LevelConfig,
    /// How often compounds of each tier are inspected.
    pub cadences: Cadences,
    /// How often street chiefs visit key sites, vulnerable households and every household.
    pub visit_schedules: VisitSchedules,
    /// Zones of all levels.
    pub zones: Vec<Zone>,
    /// Compounds.
    pub compounds: Vec<Compound>,
    /// Buildings.
    pub buildings: Vec<Building>,
    /// Street segments.
    pub streets: Vec<StreetSegment>,
    /// Street chiefs.
    pub chiefs: Vec<Chief>,
    /// Who answers for what: one chief per building or street per chief level.
    pub duties: Vec<Assignment>,
    /// Partner departments (联动部门) attached to named streets.
    pub partners: Vec<StreetPartner>,
    /// Credits the data requires wherever it is shown, e.g. `© OpenStreetMap contributors`.
    pub attribution: Vec<String>,
}

impl Dataset {
    /// An empty dataset with these levels.
    pub fn new(levels: LevelConfig) -> Self {
        Self {
            levels,
            ..Self::default()
        }
    }

    /// The zone the data is about: the single top zone, and below it as long as a zone has exactly
    /// one child (a district holding one sub-district is about the sub-district). `None` when there
    /// is no single top zone.
    pub fn main_zone(&self) -> Option<&Zone> {
        let mut tops = self.zones.iter().filter(|z| z.parent.is_none());
        let mut zone = tops.next()?;
        if tops.next().is_some() {
            return None;
        }
        loop {
            let mut children = self.zones.iter().filter(|c| c.parent == Some(zone.id));
            match (children.next(), children.next()) {
                (Some(only), None) => zone = only,
                _ => return Some(zone),
            }
        }
    }

    /// The next free identifier in each layer: (zones, compounds, buildings, streets, chiefs,
    /// partners).
    pub fn next_ids(&self) -> NextIds {
        fn next<T>(items: &[T], id: impl Fn(&T) -> Id) -> Id {
            items.iter().map(id).max().unwrap_or(0) + 1
        }
        NextIds {
            zone: next(&self.zones, |z| z.id),
            compound: next(&self.compounds, |c| c.id),
            building: next(&self.buildings, |b| b.id),
            street: next(&self.streets, |s| s.id),
            chief: next(&self.chiefs, |c| c.id),
            partner: next(&self.partners, |p| p.id),
        }
    }

    /// Checks the references between records: zone parents, building compounds, chief communities,
    /// duties, partner departments' streets, and that zone levels exist and identifiers are
    /// unique.
    pub fn check_references(&self) -> Result<()> {
        self.levels.validate()?;
        self.cadences
            .validate()
            .map_err(|e| Error::Invalid(format!("inspection cadences: {e}")))?;
        self.visit_schedules
            .validate()
            .map_err(|e| Error::Invalid(format!("visit schedules: {e}")))?;
        let zone_ids = unique_ids("zone", self.zones.iter().map(|z| z.id))?;
        let compound_ids = unique_ids("compound", self.compounds.iter().map(|c| c.id))?;
        unique_ids("building", self.buildings.iter().map(|b| b.id))?;
        unique_ids("street", self.streets.iter().map(|s| s.id))?;
        unique_ids("chief", self.chiefs.iter().map(|c| c.id))?;
        unique_ids("partner", self.partners.iter().map(|p| p.id))?;
        for zone in &self.zones {
            self.levels.index_of(&zone.level)?;
            if let Some(parent) = zone.parent.filter(|p| !zone_ids.contains(p)) {
                return Err(Error::DanglingReference {
                    from: format!("zone {} ({})", zone.code, zone.id),
                    to: format!("parent zone {parent}"),
                });
            }
        }
        for building in &self.buildings {
            if let Some(compound) = building.compound.filter(|c| !compound_ids.contains(c)) {
                return Err(Error::DanglingReference {
                    from: format!("building {}", building.id),
                    to: format!("compound {compound}"),
                });
            }
        }
        for chief in &self.chiefs {
            if let Some(zone) = chief.community.filter(|z| !zone_ids.contains(z)) {
                return Err(Error::DanglingReference {
                    from: format!("chief {} ({})", chief.name, chief.id),
                    to: format!("community zone {zone}"),
                });
            }
        }
        crate::duty::validate_assignments(self, &self.duties)?;
        crate::partners::validate_partners(self, &self.partners)
    }

    /// Applies a change set in memory, the way a store applies it on disk.
    pub fn apply(&mut self, changes: &ChangeSet) {
        fn upsert<T: Clone>(items: &mut Vec<T>, new: &[T], id: impl Fn(&T) -> Id) {
            let incoming: HashSet<Id> = new.iter().map(&id).collect();
            items.retain(|item| !incoming.contains(&id(item)));
            items.extend_from_slice(new);
        }
        fn delete<T>(items: &mut Vec<T>, gone: &[Id], id: impl Fn(&T) -> Id) {
            let gone: HashSet<Id> = gone.iter().copied().collect();
            items.retain(|item| !gone.contains(&id(item)));
        }
        if let Some(levels) = &changes.levels {
            self.levels = levels.clone();
        }
        if let Some(cadences) = changes.cadences {
            self.cadences = cadences;
        }
        if let Some(schedules) = changes.visit_schedules {
            self.visit_schedules = schedules;
        }
        if let Some(attribution) = &changes.attribution {
            self.attribution = attribution.clone();
        }
        delete(&mut self.zones, &changes.delete_zones, |z| z.id);
        delete(&mut self.compounds, &changes.delete_compounds, |c| c.id);
        delete(&mut self.buildings, &changes.delete_buildings, |b| b.id);
        delete(&mut self.streets, &changes.delete_streets, |s| s.id);
        delete(&mut self.chiefs, &changes.delete_chiefs, |c| c.id);
        delete(&mut self.partners, &changes.delete_partners, |p| p.id);
        // Duties go with their chief, building or street, and are replaced by key.
        let gone_chiefs: HashSet<Id> = changes.delete_chiefs.iter().copied().collect();
        let gone_buildings: HashSet<Id> = changes.delete_buildings.iter().copied().collect();
        let gone_streets: HashSet<Id> = changes.delete_streets.iter().copied().collect();
        let gone_duties: HashSet<DutyKey> = changes
            .delete_duties
            .iter()
            .copied()
            .chain(changes.duties.iter().map(Assignment::key))
            .collect();
        self.duties.retain(|d| {
            !gone_chiefs.contains(&d.chief)
                && !gone_duties.contains(&d.key())
                && !match d.kind {
                    DutyKind::Building => gone_buildings.contains(&d.target),
                    DutyKind::Street => gone_streets.contains(&d.target),
                }
        });
        self.duties.extend_from_slice(&changes.duties);
        upsert(&mut self.zones, &changes.zones, |z| z.id);
        upsert(&mut self.compounds, &changes.compounds, |c| c.id);
        upsert(&mut self.buildings, &changes.buildings, |b| b.id);
        upsert(&mut self.streets, &changes.streets, |s| s.id);
        upsert(&mut self.chiefs, &changes.chiefs, |c| c.id);
        upsert(&mut self.partners, &changes.partners, |p| p.id);
    }
}

fn unique_ids(what: &str, ids: impl Iterator<Item = Id>) -> Result<HashSet<Id>> {
    let mut seen = HashSet::new();
    for id in ids {
        if !seen.insert(id) {
            return Err(Error::DanglingReference {
                from: format!("{what} {id}"),
                to: format!("a unique identifier (another {what} has id {id})"),
            });
        }
    }
    Ok(seen)
}

/// The next free identifier in each layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NextIds {
    /// Next zone id.
    pub zone: Id,
    /// Next compound id.
    pub compound: Id,
    /// Next building id.
    pub building: Id,
    /// Next street id.
    pub street: Id,
    /// Next chief id.
    pub chief: Id,
    /// Next partner department id.
    pub partner: Id,
}

/// A set of changes that a store applies in one transaction: all of it or none of it.
///
/// Records in the `zones` … `chiefs` lists are inserted, or replace the record with the same id.
/// Deletions are applied before insertions.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChangeSet {
    /// New level configuration, if it changes.
    pub levels: Option<LevelConfig>,
    /// New inspection cadences, if they change.
    pub cadences: Option<Cadences>,
    /// New visit schedules, if they change.
    pub visit_schedules: Option<VisitSchedules>,
    /// Zones to insert or replace.
    pub zones: Vec<Zone>,
    /// Compounds to insert or replace.
    pub compounds: Vec<Compound>,
    /// Buildings to insert or replace.
    pub buildings: Vec<Building>,
    /// Streets to insert or replace.
    pub streets: Vec<StreetSegment>,
    /// Chiefs to insert or replace.
    pub chiefs: Vec<Chief>,
    /// Zone ids to delete.
    pub delete_zones: Vec<Id>,
    /// Compound ids to delete.
    pub delete_compounds: Vec<Id>,
    /// Building ids to delete.
    pub delete_buildings: Vec<Id>,
    /// Street ids to delete.
    pub delete_streets: Vec<Id>,
    /// Chief ids to delete (their duties go with them).
    pub delete_chiefs: Vec<Id>,
    /// Duties to insert or replace (by kind, target and level).
    pub duties: Vec<Assignment>,
    /// Duties to delete, by kind, target and level.
    pub delete_duties: Vec<DutyKey>,
    /// Partner departments to insert or replace (by id).
    pub partners: Vec<StreetPartner>,
    /// Partner department ids to delete.
    pub delete_partners: Vec<Id>,
    /// New attribution, if it changes.
    pub attribution: Option<Vec<String>>,
    /// Tier changes to record in the compounds' histories (the compounds themselves are written
    /// through `compounds`).
    pub tier_changes: Vec<TierChange>,
    /// Inspections to record. They are appended, never replaced; the store assigns their ids.
    pub inspections: Vec<Inspection>,
    /// Photos of inspections in `inspections`, each with its index there; written in the same
    /// transaction, at most one per inspection.
    pub inspection_photos: Vec<(usize, Photo)>,
    /// Audit entries that describe this change, written in the same transaction. They are not
    /// data: a change set that holds only entries writes them without a new data version.
    pub audit: Vec<crate::AuditEntry>,
}

impl ChangeSet {
    /// A change set that writes a whole dataset (used by imports into an empty store and by
    /// migrations between backends).
    pub fn insert_all(data: &Dataset) -> Self {
        Self {
            levels: Some(data.levels.clone()),
            cadences: Some(data.cadences),
            visit_schedules: Some(data.visit_schedules),
            zones: data.zones.clone(),
            compounds: data.compounds.clone(),
            buildings: data.buildings.clone(),
            streets: data.streets.clone(),
            chiefs: data.chiefs.clone(),
            duties: data.duties.clone(),
            partners: data.partners.clone(),
            attribution: (!data.attribution.is_empty()).then(|| data.attribution.clone()),
            ..Self::default()
        }
    }

    /// The changes that turn `old` into `new`: records that are new or differ are upserted,
    /// records that are gone are deleted.
    pub fn diff(old: &Dataset, new: &Dataset) -> Self {
        fn changed<T: Clone + PartialEq>(
            old: &[T],
            new: &[T],
            id: impl Fn(&T) -> Id,
        ) -> (Vec<T>, Vec<Id>) {
            let before: std::collections::HashMap<Id, &T> =
                old.iter().map(|t| (id(t), t)).collect();
            let after: HashSet<Id> = new.iter().map(&id).collect();
            let upserts = new
                .iter()
                .filter(|t| before.get(&id(t)) != Some(t))
                .cloned()
                .collect();
            let deletes = old.iter().map(&id).filter(|i| !after.contains(i)).collect();
            (upserts, deletes)
        }
        let (zones, delete_zones) = changed(&old.zones, &new.zones, |z| z.id);
        let (compounds, delete_compounds) = changed(&old.compounds, &new.compounds, |c| c.id);
        let (buildings, delete_buildings) = changed(&old.buildings, &new.buildings, |b| b.id);
        let (streets, delete_streets) = changed(&old.streets, &new.streets, |s| s.id);
        let (chiefs, delete_chiefs) = changed(&old.chiefs, &new.chiefs, |c| c.id);
        let (partners, delete_partners) = changed(&old.partners, &new.partners, |p| p.id);
        let before: std::collections::HashMap<DutyKey, &Assignment> =
            old.duties.iter().map(|d| (d.key(), d)).collect();
        let after: HashSet<DutyKey> = new.duties.iter().map(Assignment::key).collect();
        let duties = new
            .duties
            .iter()
            .filter(|d| before.get(&d.key()) != Some(d))
            .copied()
            .collect();
        let delete_duties = old
            .duties
            .iter()
            .map(Assignment::key)
            .filter(|k| !after.contains(k))
            .collect();
        Self {
            levels: (old.levels != new.levels).then(|| new.levels.clone()),
            cadences: (old.cadences != new.cadences).then_some(new.cadences),
            visit_schedules: (old.visit_schedules != new.visit_schedules)
                .then_some(new.visit_schedules),
            zones,
            compounds,
            buildings,
            streets,
            chiefs,
            delete_zones,
            delete_compounds,
            delete_buildings,
            delete_streets,
            delete_chiefs,
            duties,
            delete_duties,
            partners,
            delete_partners,
            attribution: (old.attribution != new.attribution).then(|| new.attribution.clone()),
            tier_changes: Vec::new(),
            inspections: Vec::new(),
            inspection_photos: Vec::new(),
            audit: Vec::new(),
        }
    }

    /// True when no data would change (audit entries aside).
    pub fn is_empty(&self) -> bool {
        self.levels.is_none()
            && self.cadences.is_none()
            && self.visit_schedules.is_none()
            && self.zones.is_empty()
            && self.compounds.is_empty()
            && self.buildings.is_empty()
            && self.streets.is_empty()
            && self.chiefs.is_empty()
            && self.delete_zones.is_empty()
            && self.delete_compounds.is_empty()
            && self.delete_buildings.is_empty()
            && self.delete_streets.is_empty()
            && self.delete_chiefs.is_empty()
            && self.duties.is_empty()
            && self.delete_duties.is_empty()
            && self.partners.is_empty()
            && self.delete_partners.is_empty()
            && self.attribution.is_none()
            && self.tier_changes.is_empty()
            && self.inspections.is_empty()
            && self.inspection_photos.is_empty()
    }

    /// Adds an audit entry that describes this change.
    #[must_use]
    pub fn audited(mut self, entry: crate::AuditEntry) -> Self {
        self.audit.push(entry);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Chief, ChiefRole};

    fn chief(id: Id, name: &str) -> Chief {
        Chief {
            id,
            name: name.into(),
            role: ChiefRole::Volunteer,
            phone: "0".into(),
            community: None,
            level: None,
        }
    }

    #[test]
    fn the_main_zone_descends_through_single_children() {
        use crate::{Totals, Zone};
        let zone = |id: Id, parent: Option<Id>| Zone {
            id,
            code: id.to_string(),
            name: format!("z{id}"),
            level: "community".into(),
            parent,
            geometry: geo::MultiPolygon(vec![]),
            totals: Totals::default(),
        };
        let mut data = Dataset::default();
        assert!(data.main_zone().is_none());
        data.zones = vec![
            zone(1, None),
            zone(2, Some(1)),
            zone(3, Some(2)),
            zone(4, Some(2)),
        ];
        assert_eq!(data.main_zone().map(|z| z.id), Some(2));
        data.zones.push(zone(5, None));
        assert!(data.main_zone().is_none());
    }

    #[test]
    fn diff_then_apply_reproduces_the_new_dataset() {
        let old = Dataset {
            chiefs: vec![chief(1, "a"), chief(2, "b"), chief(3, "c")],
            ..Dataset::default()
        };
        let mut new = old.clone();
        new.chiefs.retain(|c| c.id != 2);
        new.chiefs[1].name = "c2".into();
        new.chiefs.push(chief(4, "d"));
        let changes = ChangeSet::diff(&old, &new);
        assert_eq!(changes.delete_chiefs, vec![2]);
        assert_eq!(
            changes.chiefs.iter().map(|c| c.id).collect::<Vec<_>>(),
            vec![3, 4]
        );
        assert!(changes.levels.is_none());
        let mut applied = old.clone();
        applied.apply(&changes);
        applied.chiefs.sort_by_key(|c| c.id);
        assert_eq!(applied, new);
        assert!(ChangeSet::diff(&new, &new).is_empty());
    }
}
