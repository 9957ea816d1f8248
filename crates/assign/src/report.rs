//! What an assignment run did: per chief, per territory and per level figures, every move with
//! its reason, and what could not be assigned. `Display` gives a text table; `Serialize` the same
//! for `--json`.

use std::fmt;

use serde::Serialize;
use wangge_core::{ChiefLevel, DutyKind, Id};

use crate::Weights;

/// One chief's workload, as [`workloads`](crate::workloads) computes it live.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChiefLoad {
    /// The chief's id.
    pub chief: Id,
    /// The chief's name.
    pub name: String,
    /// The level the chief works at.
    pub level: ChiefLevel,
    /// The code of the chief's home zone (community), if any.
    pub community: Option<String>,
    /// The code of the territory the chief works in (`*` for the whole area).
    pub territory: String,
    /// Buildings the chief answers for.
    pub buildings: usize,
    /// Street segments the chief answers for.
    pub streets: usize,
    /// Households in those buildings.
    pub households: u64,
    /// Length of those street segments, m.
    pub street_m: f64,
    /// Workload: households × per-household weight + street km × per-km weight.
    pub workload: f64,
    /// The mean workload the band is centred on: that of the chiefs of the same territory and
    /// level, leaving out items heavier than the band's top with one chief each (an indivisible
    /// building cannot be balanced; without such items it is the plain mean).
    pub mean: f64,
    /// (workload − mean) / mean; 0 when the mean is 0.
    pub deviation: f64,
    /// True when the workload lies within the band: |deviation| ≤ spread.
    pub within_band: bool,
    /// True when the chief holds an item heavier than the band's top (a building no assignment
    /// can balance).
    pub oversized: bool,
}

/// One chief in the report of a run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChiefReport {
    /// Workload figures.
    #[serde(flatten)]
    pub load: ChiefLoad,
    /// Connected pieces of the chief's items in the walking graph (1 = one walkable area; 0 =
    /// nothing assigned).
    pub pieces: usize,
    /// Compactness of the chief's items: (2/3)·√(hull area / π) ÷ mean distance to their
    /// centre — 1 for items spread evenly over a disc, lower for strips and scattered items;
    /// 1 for fewer than three items.
    pub compactness: f64,
    /// Mean distance of the chief's items (building interior points, street midpoints) to their
    /// centre, m.
    pub mean_distance_m: f64,
    /// Items given to this chief although they lie outside the chief's territory (a community
    /// with no chief of this level).
    pub outside_home: usize,
    /// Items held by a fixed assignment.
    pub fixed: usize,
    /// Why the chief is outside the band, when they are.
    pub note: Option<String>,
}

/// One territory: the chiefs of one level working in one zone.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TerritoryReport {
    /// The chief level.
    pub level: ChiefLevel,
    /// The zone's code (`*` for chiefs without a home, over the whole area).
    pub code: String,
    /// The zone's name.
    pub name: String,
    /// Chiefs working here.
    pub chiefs: usize,
    /// Buildings and street segments they answer for.
    pub items: usize,
    /// Their total workload.
    pub workload: f64,
    /// The mean workload the band is centred on (see [`ChiefLoad::mean`]).
    pub mean: f64,
    /// Smallest workload.
    pub min: f64,
    /// Largest workload.
    pub max: f64,
    /// max / min; `None` when a chief has no work.
    pub spread: Option<f64>,
    /// Chiefs within the band.
    pub within_band: usize,
    /// Chiefs holding an item heavier than the band's top.
    pub oversized: usize,
    /// Items that lie outside this territory (a community without chiefs of this level).
    pub outside_home: usize,
    /// Connected pieces of the territory's own items in the walking graph: a territory in `p`
    /// pieces makes at least `p − 1` extra chief pieces, whatever the assignment.
    pub pieces: usize,
    /// Items that changed hands here in this run.
    pub moves: usize,
}

/// The figures of one chief level.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LevelSummary {
    /// The chief level.
    pub level: ChiefLevel,
    /// Chiefs on the roster at this level.
    pub chiefs: usize,
    /// Territories they work in.
    pub territories: usize,
    /// Chiefs within the band of their territory.
    pub within_band: usize,
    /// Chiefs holding an item heavier than the band's top (outside the band whatever happens).
    pub oversized: usize,
    /// Chiefs whose items form one piece of the walking graph.
    pub one_piece: usize,
    /// Pieces of chiefs beyond one each, less those the territories themselves are in: the
    /// pieces the assignment made (0 = no chief is cut up more than their territory forces).
    pub extra_pieces: usize,
    /// The largest |deviation| from a territory mean.
    pub max_abs_deviation: f64,
    /// The largest max/min of a territory with at least two chiefs (`None` when a chief has no
    /// work, 1 when every territory has one chief).
    pub worst_spread: Option<f64>,
    /// Mean compactness of the chiefs.
    pub mean_compactness: f64,
}

/// Why an item changed hands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MoveReason {
    /// The item had no chief at this level before (a new building or street, or a first run).
    NewItem,
    /// Its chief left the roster, or now works at another level.
    ChiefLeft,
    /// It now lies in another territory than its chief (a boundary or a home changed).
    TerritoryChanged,
    /// Moved between chiefs of one territory to bring someone into the band.
    Rebalance,
}

impl MoveReason {
    /// The stable key.
    pub fn as_str(self) -> &'static str {
        match self {
            MoveReason::NewItem => "new_item",
            MoveReason::ChiefLeft => "chief_left",
            MoveReason::TerritoryChanged => "territory_changed",
            MoveReason::Rebalance => "rebalance",
        }
    }

    /// The label in the Chinese interface.
    pub fn name_zh(self) -> &'static str {
        match self {
            MoveReason::NewItem => "新增",
            MoveReason::ChiefLeft => "街长离任",
            MoveReason::TerritoryChanged => "辖区变更",
            MoveReason::Rebalance => "均衡调整",
        }
    }
}

impl fmt::Display for MoveReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One item that changed hands at one level.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Move {
    /// Building or street.
    pub kind: DutyKind,
    /// Its id.
    pub target: Id,
    /// The chief level.
    pub level: ChiefLevel,
    /// The chief before (`None` for a new item).
    pub from: Option<Id>,
    /// The chief now.
    pub to: Id,
    /// Why.
    pub reason: MoveReason,
    /// The code of the territory it is in now.
    pub territory: String,
}

/// How many moves there were, per reason.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct MoveCounts {
    /// New items.
    pub new_item: usize,
    /// Items of chiefs who left.
    pub chief_left: usize,
    /// Items whose territory changed.
    pub territory_changed: usize,
    /// Rebalancing moves.
    pub rebalance: usize,
}

impl MoveCounts {
    /// All moves.
    pub fn total(&self) -> usize {
        self.new_item + self.chief_left + self.territory_changed + self.rebalance
    }

    pub(crate) fn count(&mut self, reason: MoveReason) {
        match reason {
            MoveReason::NewItem => self.new_item += 1,
            MoveReason::ChiefLeft => self.chief_left += 1,
            MoveReason::TerritoryChanged => self.territory_changed += 1,
            MoveReason::Rebalance => self.rebalance += 1,
        }
    }
}

/// An item left without a chief at a level that has chiefs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Unassigned {
    /// Building or street.
    pub kind: DutyKind,
    /// Its id.
    pub target: Id,
    /// The chief level.
    pub level: ChiefLevel,
    /// Why.
    pub reason: String,
}

/// The report of one [`assign`](crate::assign) run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AssignReport {
    /// The workload weights used.
    pub weights: Weights,
    /// The band half-width used, as a fraction of the mean.
    pub spread: f64,
    /// The seed used.
    pub seed: u64,
    /// The code of the scope zone, when the run was limited to one.
    pub scope: Option<String>,
    /// Buildings in the data.
    pub buildings: usize,
    /// Street segments in the data.
    pub streets: usize,
    /// Figures per chief level that has chiefs.
    pub levels: Vec<LevelSummary>,
    /// Chief levels without any chief: nothing is assigned on them.
    pub skipped_levels: Vec<ChiefLevel>,
    /// Every chief of every level that has chiefs.
    pub chiefs: Vec<ChiefReport>,
    /// Every territory.
    pub territories: Vec<TerritoryReport>,
    /// Every item that changed hands (new items included).
    pub moves: Vec<Move>,
    /// The moves per reason.
    pub move_counts: MoveCounts,
    /// Items left without a chief (only possible outside the scope).
    pub unassigned: Vec<Unassigned>,
    /// Previous assignments dropped because their building or street no longer exists, or their
    /// level has no chiefs any more.
    pub dropped: usize,
    /// Wall time of the run, ms.
    pub elapsed_ms: f64,
}

impl AssignReport {
    /// The moves of one reason.
    pub fn moves_for(&self, reason: MoveReason) -> impl Iterator<Item = &Move> {
        self.moves.iter().filter(move |m| m.reason == reason)
    }

    /// The report of one chief.
    pub fn chief(&self, id: Id) -> Option<&ChiefReport> {
        self.chiefs.iter().find(|c| c.load.chief == id)
    }
}

/// How many moves the text table lists before it summarises.
const LISTED_MOVES: usize = 40;

impl fmt::Display for AssignReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "Street-chief assignment: {} buildings, {} street segments, {} chiefs; {:.0} ms",
            self.buildings,
            self.streets,
            self.chiefs.len(),
            self.elapsed_ms
        )?;
        writeln!(
            f,
            "workload = {} per household + {} per street km; band ±{:.0} % of the territory mean; seed {}{}",
            self.weights.per_household,
            self.weights.per_street_km,
            self.spread * 100.0,
            self.seed,
            self.scope
                .as_ref()
                .map_or(String::new(), |s| format!("; scope {s}"))
        )?;
        if !self.skipped_levels.is_empty() {
            let names: Vec<&str> = self.skipped_levels.iter().map(|l| l.as_str()).collect();
            writeln!(f, "no chiefs at level(s): {}", names.join(", "))?;
        }
        writeln!(f)?;
        writeln!(
            f,
            "{:<12} {:>6} {:>6} {:>8} {:>9} {:>8} {:>6} {:>10} {:>9}",
            "level",
            "chiefs",
            "areas",
            "in band",
            "oversized",
            "1 piece",
            "extra",
            "max |dev|",
            "spread"
        )?;
        for l in &self.levels {
            writeln!(
                f,
                "{:<12} {:>6} {:>6} {:>8} {:>9} {:>8} {:>6} {:>9.1}% {:>9}",
                l.level.as_str(),
                l.chiefs,
                l.territories,
                l.within_band,
                l.oversized,
                l.one_piece,
                l.extra_pieces,
                l.max_abs_deviation * 100.0,
                spread(l.worst_spread)
            )?;
        }
        writeln!(f)?;
        writeln!(f, "Territories")?;
        writeln!(
            f,
            "{:<12} {:<16} {:>6} {:>6} {:>9} {:>9} {:>9} {:>7} {:>7} {:>7} {:>6}",
            "level",
            "code",
            "chiefs",
            "items",
            "mean",
            "min",
            "max",
            "spread",
            "in band",
            "outside",
            "moves"
        )?;
        for t in &self.territories {
            writeln!(
                f,
                "{:<12} {:<16} {:>6} {:>6} {:>9.1} {:>9.1} {:>9.1} {:>7} {:>7} {:>7} {:>6} {:>6}",
                t.level.as_str(),
                t.code,
                t.chiefs,
                t.items,
                t.mean,
                t.min,
                t.max,
                spread(t.spread),
                t.within_band,
                t.outside_home,
                t.pieces,
                t.moves
            )?;
        }
        writeln!(f)?;
        writeln!(f, "Chiefs")?;
        writeln!(
            f,
            "{:>6} {:<8} {:<11} {:<16} {:>5} {:>5} {:>6} {:>8} {:>8} {:>7} {:>6} {:>7} {:>7}  note",
            "id",
            "name",
            "level",
            "community",
            "bldg",
            "str",
            "hh",
            "street m",
            "work",
            "dev",
            "pieces",
            "compact",
            "mean m"
        )?;
        for c in &self.chiefs {
            let l = &c.load;
            writeln!(
                f,
                "{:>6} {} {:<11} {:<16} {:>5} {:>5} {:>6} {:>8.0} {:>8.1} {:>6.1}% {:>6} {:>7.2} {:>7.0}  {}",
                l.chief,
                pad(&l.name, 8),
                l.level.as_str(),
                l.community.as_deref().unwrap_or("-"),
                l.buildings,
                l.streets,
                l.households,
                l.street_m,
                l.workload,
                l.deviation * 100.0,
                c.pieces,
                c.compactness,
                c.mean_distance_m,
                c.note.as_deref().unwrap_or(if l.within_band {
                    ""
                } else {
                    "outside the band"
                })
            )?;
        }
        writeln!(f)?;
        let m = &self.move_counts;
        writeln!(
            f,
            "Moves: {} (new item {}, chief left {}, territory changed {}, rebalance {})",
            m.total(),
            m.new_item,
            m.chief_left,
            m.territory_changed,
            m.rebalance
        )?;
        // New items are listed last: on a first run they are everything.
        let mut listed = self
            .moves
            .iter()
            .filter(|m| m.reason != MoveReason::NewItem)
            .chain(self.moves_for(MoveReason::NewItem));
        for mv in listed.by_ref().take(LISTED_MOVES) {
            writeln!(
                f,
                "  {} {} ({}, {}): {} → {}, {}",
                mv.kind.key(),
                mv.target,
                mv.level.as_str(),
                mv.territory,
                mv.from.map_or("-".to_string(), |c| c.to_string()),
                mv.to,
                mv.reason
            )?;
        }
        let rest = listed.count();
        if rest > 0 {
            writeln!(f, "  … and {rest} more (all of them in the JSON report)")?;
        }
        if self.unassigned.is_empty() {
            writeln!(f, "Unassigned: none")?;
        } else {
            writeln!(f, "Unassigned: {}", self.unassigned.len())?;
            for u in self.unassigned.iter().take(LISTED_MOVES) {
                writeln!(
                    f,
                    "  {} {} ({}): {}",
                    u.kind.key(),
                    u.target,
                    u.level.as_str(),
                    u.reason
                )?;
            }
        }
        if self.dropped > 0 {
            writeln!(
                f,
                "Dropped {} previous assignment(s) of items that no longer exist or levels without chiefs",
                self.dropped
            )?;
        }
        Ok(())
    }
}

/// `text` left-aligned in `width` terminal columns, counting CJK characters as two.
fn pad(text: &str, width: usize) -> String {
    let used: usize = text.chars().map(|c| if is_wide(c) { 2 } else { 1 }).sum();
    format!("{text}{}", " ".repeat(width.saturating_sub(used)))
}

/// East Asian wide characters (the common blocks: CJK, Hangul, full-width forms).
fn is_wide(c: char) -> bool {
    matches!(u32::from(c),
        0x1100..=0x115F | 0x2E80..=0x303E | 0x3041..=0x33FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF
        | 0xA000..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF | 0xFE30..=0xFE4F
        | 0xFF00..=0xFF60 | 0xFFE0..=0xFFE6 | 0x20000..=0x3FFFD)
}

fn spread(s: Option<f64>) -> String {
    s.map_or("∞".to_string(), |s| format!("{s:.2}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_names_are_padded_by_their_width() {
        assert_eq!(pad("王芳", 6), "王芳  ");
        assert_eq!(pad("Li", 4), "Li  ");
        assert_eq!(pad("欧阳娜娜", 6), "欧阳娜娜");
    }

    #[test]
    fn move_counts_add_up() {
        let mut counts = MoveCounts::default();
        for reason in [
            MoveReason::NewItem,
            MoveReason::Rebalance,
            MoveReason::Rebalance,
            MoveReason::ChiefLeft,
        ] {
            counts.count(reason);
        }
        assert_eq!((counts.rebalance, counts.total()), (2, 4));
        assert_eq!(MoveReason::TerritoryChanged.name_zh(), "辖区变更");
    }
}
