//! Saving a plan by writing only what changed: both backends keep a fingerprint (a
//! [`Digest`]) beside every plan zone and every recorded edit, read the fingerprints of the stored
//! plan at the start of a save, and [`writes`] tells them which rows to insert, replace or delete.
//!
//! A plan of ~700 zones with a few hundred edits is saved after every edit, and an edit touches a
//! few zones: rewriting everything each time would write megabytes of geometry. Fingerprints are
//! computed from every field, and from every coordinate to the bit, so a row is skipped only when
//! what it holds is what the plan holds (up to a 128-bit hash collision).
//!
//! # Examples
//!
//! ```
//! use wangge_core::{Dataset, Plan};
//! use wangge_store::plan_sync::{StoredPlan, writes};
//!
//! let plan = Plan::draft_of(&Dataset::default(), "p", "li", 0, None);
//! let w = writes(&StoredPlan::default(), &plan);
//! assert!(w.zones.is_empty() && w.delete_edits.is_empty());
//! ```

use std::collections::{BTreeSet, HashMap};
use std::hash::{DefaultHasher, Hash, Hasher};

use geo::{LineString, MultiPolygon};
use wangge_core::{Id, Plan, PlanEdit, Zone};

/// A 128-bit fingerprint of a plan zone or of an edit's content.
pub type Digest = [u8; 16];

/// Two independent SipHash lanes, for a 128-bit fingerprint.
struct Fingerprint {
    lanes: [DefaultHasher; 2],
    buffer: Vec<u8>,
}

impl Fingerprint {
    fn new(kind: u8) -> Self {
        let mut lanes = [DefaultHasher::new(), DefaultHasher::new()];
        for (i, lane) in lanes.iter_mut().enumerate() {
            // Different first bytes make the lanes independent hashes of the same input.
            lane.write_u8(0xA0 + i as u8);
            lane.write_u8(kind);
        }
        Self {
            lanes,
            buffer: Vec::new(),
        }
    }

    fn add<T: Hash + ?Sized>(&mut self, value: &T) {
        for lane in &mut self.lanes {
            value.hash(lane);
        }
    }

    fn ring(&mut self, ring: &LineString<f64>) {
        self.buffer.clear();
        for c in ring.coords() {
            self.buffer.extend_from_slice(&c.x.to_bits().to_le_bytes());
            self.buffer.extend_from_slice(&c.y.to_bits().to_le_bytes());
        }
        let len = self.buffer.len();
        for lane in &mut self.lanes {
            lane.write_usize(len);
            lane.write(&self.buffer);
        }
    }

    fn geometry(&mut self, geometry: &MultiPolygon<f64>) {
        self.add(&geometry.0.len());
        for polygon in &geometry.0 {
            self.ring(polygon.exterior());
            self.add(&polygon.interiors().len());
            for ring in polygon.interiors() {
                self.ring(ring);
            }
        }
    }

    fn zone(&mut self, z: &Zone) {
        self.add(&z.id);
        self.add(z.code.as_str());
        self.add(z.name.as_str());
        self.add(z.level.as_str());
        self.add(&z.parent);
        let t = z.totals;
        self.add(&[t.households, t.population, t.buildings, t.compounds]);
        self.geometry(&z.geometry);
    }

    fn finish(&self) -> Digest {
        let mut out = [0u8; 16];
        out[..8].copy_from_slice(&self.lanes[0].finish().to_le_bytes());
        out[8..].copy_from_slice(&self.lanes[1].finish().to_le_bytes());
        out
    }
}

/// The fingerprint of a zone: every field, every coordinate to the bit.
pub fn zone_digest(zone: &Zone) -> Digest {
    let mut f = Fingerprint::new(1);
    f.zone(zone);
    f.finish()
}

/// The fingerprint of what an edit recorded: its operation, summary, author, time, the zones
/// before and after and the locks before and after. Not its sequence number (the key it is stored
/// under), nor `undone` and `version`, which undo and redo change in place.
pub fn edit_digest(edit: &PlanEdit) -> Digest {
    let mut f = Fingerprint::new(2);
    f.add(edit.op.as_str());
    f.add(edit.summary.as_str());
    f.add(edit.by.as_str());
    f.add(&edit.at_ms);
    for side in [&edit.before, &edit.after] {
        f.add(&side.len());
        for z in side {
            f.zone(z);
        }
    }
    f.add(&edit.locked_before);
    f.add(&edit.locked_after);
    f.finish()
}

/// What a store holds of an edit, as far as deciding what to write goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoredEdit {
    /// The [`edit_digest`] of the stored edit.
    pub digest: Digest,
    /// Its `undone` flag.
    pub undone: bool,
    /// Its `version`.
    pub version: u64,
}

/// What a store holds of a plan before a save: the fingerprints of its zones and edits, and its
/// locks. Empty for a plan being created.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StoredPlan {
    /// The [`zone_digest`] of every stored zone, by zone id.
    pub zones: HashMap<Id, Digest>,
    /// The locked zone ids.
    pub locked: BTreeSet<Id>,
    /// Every stored edit, by sequence number.
    pub edits: HashMap<u64, StoredEdit>,
}

/// The rows a save writes so that the store holds exactly `plan`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PlanWrites<'a> {
    /// Zones to insert or replace, with their fingerprints, by id.
    pub zones: Vec<(&'a Zone, Digest)>,
    /// Zone ids to delete, ascending.
    pub delete_zones: Vec<Id>,
    /// Zone ids to lock, ascending.
    pub lock: Vec<Id>,
    /// Zone ids to unlock, ascending.
    pub unlock: Vec<Id>,
    /// Edits to insert, or to replace together with their before/after zones, with their
    /// fingerprints, oldest first.
    pub edits: Vec<(&'a PlanEdit, Digest)>,
    /// Edits whose content is stored already but whose `undone` or `version` changed.
    pub edit_flags: Vec<&'a PlanEdit>,
    /// Sequence numbers of edits to delete (with their zones), ascending.
    pub delete_edits: Vec<u64>,
}

/// Compares `plan` with what is `stored` and lists the rows to write. Duplicate zone ids or edit
/// sequence numbers in `plan` are listed as they come; the store's keys refuse them.
pub fn writes<'a>(stored: &StoredPlan, plan: &'a Plan) -> PlanWrites<'a> {
    let mut out = PlanWrites::default();
    let mut kept_zones = BTreeSet::new();
    for z in &plan.zones {
        kept_zones.insert(z.id);
        let digest = zone_digest(z);
        if stored.zones.get(&z.id) != Some(&digest) {
            out.zones.push((z, digest));
        }
    }
    out.delete_zones = stored
        .zones
        .keys()
        .copied()
        .filter(|id| !kept_zones.contains(id))
        .collect();
    out.delete_zones.sort_unstable();
    out.lock = plan.locked.difference(&stored.locked).copied().collect();
    out.unlock = stored.locked.difference(&plan.locked).copied().collect();
    let mut kept_edits = BTreeSet::new();
    for e in &plan.history {
        kept_edits.insert(e.seq);
        let digest = edit_digest(e);
        match stored.edits.get(&e.seq) {
            Some(s) if s.digest == digest => {
                if s.undone != e.undone || s.version != e.version {
                    out.edit_flags.push(e);
                }
            }
            _ => out.edits.push((e, digest)),
        }
    }
    out.delete_edits = stored
        .edits
        .keys()
        .copied()
        .filter(|seq| !kept_edits.contains(seq))
        .collect();
    out.delete_edits.sort_unstable();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::polygon;
    use wangge_core::{Dataset, Totals};

    fn zone(id: Id, x: f64) -> Zone {
        Zone {
            id,
            code: format!("z{id}"),
            name: format!("zone {id}"),
            level: "grid".into(),
            parent: None,
            geometry: MultiPolygon(vec![
                polygon![(x: x, y: 0.0), (x: x + 1.0, y: 0.0), (x: x + 1.0, y: 1.0), (x: x, y: 0.0)],
            ]),
            totals: Totals::default(),
        }
    }

    fn stored(plan: &Plan) -> StoredPlan {
        StoredPlan {
            zones: plan.zones.iter().map(|z| (z.id, zone_digest(z))).collect(),
            locked: plan.locked.clone(),
            edits: plan
                .history
                .iter()
                .map(|e| {
                    (
                        e.seq,
                        StoredEdit {
                            digest: edit_digest(e),
                            undone: e.undone,
                            version: e.version,
                        },
                    )
                })
                .collect(),
        }
    }

    #[test]
    fn digests_see_the_last_bit_and_every_field() {
        let a = zone(1, 0.1 + 0.2);
        let mut b = a.clone();
        b.geometry = zone(1, 0.3).geometry;
        assert_ne!(zone_digest(&a), zone_digest(&b));
        assert_eq!(zone_digest(&a), zone_digest(&a.clone()));
        let mut c = a.clone();
        c.totals.population = 1;
        assert_ne!(zone_digest(&a), zone_digest(&c));
        let mut d = a.clone();
        d.parent = Some(0);
        assert_ne!(zone_digest(&a), zone_digest(&d));
        // Strings are delimited: moving a character between fields changes the digest.
        let mut e = a.clone();
        e.code = "z1z".into();
        e.name = "one 1".into();
        let mut f = a.clone();
        f.code = "z1".into();
        f.name = "zone 1".into();
        assert_ne!(zone_digest(&e), zone_digest(&f));
    }

    #[test]
    fn only_what_changed_is_written() {
        let data = Dataset {
            zones: vec![zone(1, 0.0), zone(2, 1.0), zone(3, 2.0)],
            ..Dataset::default()
        };
        let mut plan = Plan::draft_of(&data, "p", "li", 0, None);
        let fresh = writes(&StoredPlan::default(), &plan);
        assert_eq!(fresh.zones.len(), 3);
        let mut saved = stored(&plan);
        let zones = vec![zone(1, 0.0), zone(2, 5.0), zone(4, 3.0)];
        plan.record("{}", "one", "li", 1, zones, BTreeSet::from([4]));
        let w = writes(&saved, &plan);
        let ids: Vec<Id> = w.zones.iter().map(|(z, _)| z.id).collect();
        assert_eq!(ids, vec![2, 4]);
        assert_eq!(w.delete_zones, vec![3]);
        assert_eq!((w.lock.clone(), w.unlock.clone()), (vec![4], vec![]));
        assert_eq!(w.edits.len(), 1);
        saved = stored(&plan);
        plan.undo("li", 2).expect("undo");
        let w = writes(&saved, &plan);
        assert!(w.edits.is_empty());
        assert_eq!(w.edit_flags.len(), 1);
        assert_eq!((w.lock.clone(), w.unlock.clone()), (vec![], vec![4]));
        saved = stored(&plan);
        // A new edit takes the undone edit's sequence number with other content.
        plan.record("{}", "two", "li", 3, vec![zone(1, 9.0)], BTreeSet::new());
        let w = writes(&saved, &plan);
        assert_eq!(w.edits.len(), 1);
        assert_eq!(w.edits[0].0.seq, 1);
        assert!(w.delete_edits.is_empty());
        let saved = stored(&plan);
        plan.history.clear();
        assert_eq!(writes(&saved, &plan).delete_edits, vec![1]);
    }
}
