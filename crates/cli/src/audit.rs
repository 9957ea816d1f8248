//! The audit log on the command line: the entries every writing command records (actor
//! `cli:<account>`), and `wangge audit`, which lists them as a table or exports them as CSV or
//! JSON lines.

use std::collections::{HashMap, HashSet};
use std::hash::Hash;
use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result, anyhow, bail};
use serde_json::{Value, json};
use wangge_core::{AuditAction, AuditEntry, ChangeSet, Dataset, Id, cli_actor};
use wangge_store::{AuditFilter, Store};

use crate::args::AuditFormat;
use crate::commands::{Location, write_out};

/// An entry by the command line's actor, now.
pub(crate) fn entry(action: AuditAction, target: impl Into<String>) -> AuditEntry {
    AuditEntry::new(
        jiff::Timestamp::now().as_millisecond(),
        cli_actor(),
        action,
        target,
    )
}

/// Added, replaced and deleted records of one kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Counts {
    added: usize,
    replaced: usize,
    deleted: usize,
}

impl Counts {
    fn of<T, K: Eq + Hash>(
        before: &[T],
        upserts: &[T],
        deleted: usize,
        key: impl Fn(&T) -> K,
    ) -> Self {
        let known: HashSet<K> = before.iter().map(&key).collect();
        let replaced = upserts.iter().filter(|t| known.contains(&key(t))).count();
        Self {
            added: upserts.len() - replaced,
            replaced,
            deleted,
        }
    }

    fn is_empty(self) -> bool {
        self == Self::default()
    }
}

/// What a change set does to each kind of record, as counts (never the records themselves):
/// `{"compounds": {"added": 18, "replaced": 0, "deleted": 0}, …}`, only kinds it touches, plus
/// `"levels"`, `"cadences"`, `"visit_schedules"` and `"attribution": true` when it sets them.
pub(crate) fn change_counts(before: &Dataset, changes: &ChangeSet) -> Value {
    let kinds = [
        (
            "zones",
            Counts::of(
                &before.zones,
                &changes.zones,
                changes.delete_zones.len(),
                |z| z.id,
            ),
        ),
        (
            "compounds",
            Counts::of(
                &before.compounds,
                &changes.compounds,
                changes.delete_compounds.len(),
                |c| c.id,
            ),
        ),
        (
            "buildings",
            Counts::of(
                &before.buildings,
                &changes.buildings,
                changes.delete_buildings.len(),
                |b| b.id,
            ),
        ),
        (
            "streets",
            Counts::of(
                &before.streets,
                &changes.streets,
                changes.delete_streets.len(),
                |s| s.id,
            ),
        ),
        (
            "chiefs",
            Counts::of(
                &before.chiefs,
                &changes.chiefs,
                changes.delete_chiefs.len(),
                |c| c.id,
            ),
        ),
        (
            "duties",
            Counts::of(
                &before.duties,
                &changes.duties,
                changes.delete_duties.len(),
                wangge_core::Assignment::key,
            ),
        ),
        (
            "partners",
            Counts::of(
                &before.partners,
                &changes.partners,
                changes.delete_partners.len(),
                |p| p.id,
            ),
        ),
    ];
    let mut out = serde_json::Map::new();
    for (name, counts) in kinds {
        if !counts.is_empty() {
            out.insert(
                name.into(),
                json!({
                    "added": counts.added,
                    "replaced": counts.replaced,
                    "deleted": counts.deleted,
                }),
            );
        }
    }
    for (name, set) in [
        ("levels", changes.levels.is_some()),
        ("cadences", changes.cadences.is_some()),
        ("visit_schedules", changes.visit_schedules.is_some()),
        ("attribution", changes.attribution.is_some()),
    ] {
        if set {
            out.insert(name.into(), Value::Bool(true));
        }
    }
    Value::Object(out)
}

/// One line for people from [`change_counts`]: `compounds +18 ~2 −0, buildings +3 ~0 −1`, or
/// `no change`.
pub(crate) fn counts_text(counts: &Value) -> String {
    let Some(map) = counts.as_object().filter(|m| !m.is_empty()) else {
        return "no change".into();
    };
    map.iter()
        .map(|(name, c)| match c {
            Value::Object(_) => format!(
                "{name} +{} ~{} −{}",
                c["added"], c["replaced"], c["deleted"]
            ),
            _ => format!("{name} set"),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// `wangge audit` as typed.
pub(crate) struct AuditQuery {
    pub since: Option<String>,
    pub until: Option<String>,
    pub actor: Option<String>,
    pub action: Option<String>,
    pub target: Option<String>,
    pub limit: Option<u64>,
    pub newest_first: bool,
    pub format: AuditFormat,
    pub out: std::path::PathBuf,
}

/// The first millisecond of a day in Asia/Shanghai given as YYYY-MM-DD; `next` for the day after
/// it (the end of an inclusive `--until`).
fn day_start(flag: &str, text: &str, next: bool) -> Result<i64> {
    let date = text.trim().parse::<jiff::civil::Date>().with_context(|| {
        format!("--{flag} `{text}` is not a date; write YYYY-MM-DD, e.g. 2026-04-10")
    })?;
    let date = if next {
        date.tomorrow()
            .with_context(|| format!("--{flag} `{text}` is the last day there is"))?
    } else {
        date
    };
    Ok(date
        .to_zoned(wangge_core::inspections::shanghai())
        .with_context(|| format!("--{flag} `{text}` has no start in Asia/Shanghai"))?
        .timestamp()
        .as_millisecond())
}

/// Lists or exports the audit log.
pub(crate) async fn audit(location: &Location, query: AuditQuery) -> Result<()> {
    let since_ms = query
        .since
        .as_deref()
        .map(|t| day_start("since", t, false))
        .transpose()?;
    let until_ms = query
        .until
        .as_deref()
        .map(|t| day_start("until", t, true))
        .transpose()?;
    if let (Some(since), Some(until)) = (since_ms, until_ms)
        && since >= until
    {
        bail!(
            "--since {} is after --until {}: nothing can match; swap them",
            query.since.unwrap_or_default(),
            query.until.unwrap_or_default()
        );
    }
    let action = query
        .action
        .as_deref()
        .map(AuditAction::parse)
        .transpose()
        .map_err(|e| anyhow!("--action: {e}"))?;
    let store = location.open(false).await?;
    let entries = read_all(
        store.as_ref(),
        AuditFilter {
            since_ms,
            until_ms,
            actor: query.actor,
            action,
            target_prefix: query.target,
            newest_first: query.newest_first,
            ..AuditFilter::default()
        },
        query.limit,
    )
    .await?;
    let count = entries.len();
    write_out(&query.out, |w| match query.format {
        AuditFormat::Table => write_table(w, &entries),
        AuditFormat::Csv => write_csv(w, &entries),
        AuditFormat::Json => write_json_lines(w, &entries),
    })?;
    if query.out != Path::new("-") {
        eprintln!(
            "wrote {count} audit log entries from {location} to {}",
            query.out.display()
        );
    }
    Ok(())
}

/// Every entry passing `filter`, page by page, at most `limit`.
async fn read_all(
    store: &dyn Store,
    mut filter: AuditFilter,
    limit: Option<u64>,
) -> Result<Vec<AuditEntry>> {
    let mut entries: Vec<AuditEntry> = Vec::new();
    loop {
        let left = limit.map_or(u64::MAX, |l| l - entries.len() as u64);
        if left == 0 {
            break;
        }
        filter.limit = left.min(AuditFilter::DEFAULT_LIMIT);
        let page = store.audit_log(&filter).await?;
        let Some(last) = page.last() else {
            break;
        };
        if filter.newest_first {
            filter.before_id = Some(last.id);
        } else {
            filter.after_id = Some(last.id);
        }
        let full = page.len() as u64 == filter.limit;
        entries.extend(page);
        if !full {
            break;
        }
    }
    Ok(entries)
}

/// A time in Asia/Shanghai: `2026-04-10 09:30:00` for the table.
fn local_time(at_ms: i64) -> String {
    jiff::Timestamp::from_millisecond(at_ms).map_or_else(
        |_| at_ms.to_string(),
        |t| {
            t.to_zoned(wangge_core::inspections::shanghai())
                .strftime("%Y-%m-%d %H:%M:%S")
                .to_string()
        },
    )
}

/// How many columns a text takes in a terminal: East Asian wide characters take two.
fn width(text: &str) -> usize {
    text.chars()
        .map(|c| match c as u32 {
            0x1100..=0x115F
            | 0x2E80..=0x303E
            | 0x3041..=0x33FF
            | 0x3400..=0x4DBF
            | 0x4E00..=0x9FFF
            | 0xA000..=0xA4CF
            | 0xAC00..=0xD7A3
            | 0xF900..=0xFAFF
            | 0xFE30..=0xFE4F
            | 0xFF00..=0xFF60
            | 0xFFE0..=0xFFE6
            | 0x20000..=0x3FFFD => 2,
            _ => 1,
        })
        .sum()
}

/// `text` padded with spaces to `columns`.
fn pad(text: &str, columns: usize) -> String {
    format!("{text}{}", " ".repeat(columns.saturating_sub(width(text))))
}

/// One line of the table per entry: id, time, actor, action, target, summary; before and after are
/// in the CSV and JSON exports.
fn write_table(out: &mut dyn Write, entries: &[AuditEntry]) -> Result<()> {
    let header = ["id", "time (Asia/Shanghai)", "actor", "action", "target"];
    let rows: Vec<[String; 5]> = entries
        .iter()
        .map(|e| {
            [
                e.id.to_string(),
                local_time(e.at_ms),
                e.actor.clone(),
                e.action.name_zh().to_string(),
                e.target.clone(),
            ]
        })
        .collect();
    let mut widths = header.map(width);
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(width(cell));
        }
    }
    let line = |cells: [&str; 5], summary: &str| {
        let mut text = String::new();
        for (cell, w) in cells.iter().zip(widths) {
            text.push_str(&pad(cell, w));
            text.push_str("  ");
        }
        text.push_str(summary);
        text.trim_end().to_string()
    };
    writeln!(out, "{}", line(header, "summary"))?;
    for (row, e) in rows.iter().zip(entries) {
        let cells = [
            row[0].as_str(),
            row[1].as_str(),
            row[2].as_str(),
            row[3].as_str(),
            row[4].as_str(),
        ];
        writeln!(out, "{}", line(cells, &e.summary.replace('\n', " ")))?;
    }
    writeln!(out, "{} entries", entries.len())?;
    Ok(())
}

/// CSV with a header row; before and after as JSON text (empty when there is none).
fn write_csv(out: &mut dyn Write, entries: &[AuditEntry]) -> Result<()> {
    out.write_all(&wangge_server::audit::csv(entries)?)?;
    Ok(())
}

/// One JSON object per line, as `GET /api/audit` gives each entry.
fn write_json_lines(out: &mut dyn Write, entries: &[AuditEntry]) -> Result<()> {
    for e in entries {
        serde_json::to_writer(&mut *out, &wangge_server::audit::entry_json(e))?;
        writeln!(out)?;
    }
    Ok(())
}

/// Duties by target before a change, for `reassign`'s entry: the chiefs who answered before.
pub(crate) fn previous_chiefs(before: &[i64]) -> Value {
    let mut counts: HashMap<i64, usize> = HashMap::new();
    for c in before {
        *counts.entry(*c).or_default() += 1;
    }
    let mut list: Vec<(Id, usize)> = counts.into_iter().collect();
    list.sort_unstable();
    Value::Array(
        list.into_iter()
            .map(|(chief, n)| json!({ "chief": chief, "targets": n }))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vec<AuditEntry> {
        vec![
            AuditEntry {
                id: 7,
                ..AuditEntry::new(
                    1_775_791_800_123,
                    "王芳",
                    AuditAction::Tier,
                    "compound:CM-1",
                )
                .summary("绿 → 黄：群租, \"隐患\"\n第二行")
                .before(json!({ "tier": "green" }))
                .after(json!({ "tier": "yellow", "reason": "群租, \"隐患\"" }))
            },
            AuditEntry {
                id: 8,
                ..AuditEntry::new(0, "cli:root", AuditAction::Import, "layer:compounds")
            },
        ]
    }

    #[test]
    fn csv_quotes_as_rfc_4180_and_reads_back() {
        let mut out = Vec::new();
        write_csv(&mut out, &sample()).expect("csv");
        let text = String::from_utf8(out).expect("utf-8");
        assert!(
            text.starts_with("id,at,at_ms,actor,action,action_zh,target,summary,before,after\n")
        );
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let rows: Vec<csv::StringRecord> =
            reader.records().collect::<Result<_, _>>().expect("rows");
        assert_eq!(rows.len(), 2);
        assert_eq!(&rows[0][1], "2026-04-10T11:30:00.123+08:00");
        assert_eq!(&rows[0][5], "调整分色");
        assert_eq!(&rows[0][7], "绿 → 黄：群租, \"隐患\"\n第二行");
        let after: Value = serde_json::from_str(&rows[0][9]).expect("JSON");
        assert_eq!(after["reason"], "群租, \"隐患\"");
        assert_eq!(&rows[1][8], "");
        assert_eq!(&rows[1][1], "1970-01-01T08:00:00.000+08:00");
    }

    #[test]
    fn json_lines_hold_one_entry_each() {
        let mut out = Vec::new();
        write_json_lines(&mut out, &sample()).expect("json");
        let text = String::from_utf8(out).expect("utf-8");
        let lines: Vec<Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).expect("a JSON object per line"))
            .collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0]["id"], 7);
        assert_eq!(lines[0]["action"], "tier");
        assert_eq!(lines[0]["before"]["tier"], "green");
        assert_eq!(lines[1]["after"], Value::Null);
    }

    #[test]
    fn the_table_aligns_chinese_text_and_keeps_one_line_per_entry() {
        let mut out = Vec::new();
        write_table(&mut out, &sample()).expect("table");
        let text = String::from_utf8(out).expect("utf-8");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 4, "{text}");
        assert!(lines[1].contains("2026-04-10 11:30:00"), "{text}");
        assert!(
            lines[1].contains("调整分色") && lines[1].contains("第二行"),
            "{text}"
        );
        // The target column starts at the same terminal column on every line.
        let column = |line: &str, needle: &str| width(&line[..line.find(needle).expect(needle)]);
        assert_eq!(
            column(lines[1], "compound:"),
            column(lines[2], "layer:"),
            "{text}"
        );
        assert_eq!(lines[3], "2 entries");
    }

    #[test]
    fn days_are_shanghai_days() {
        assert_eq!(
            day_start("since", "2026-04-10", false).expect("a day"),
            1_775_750_400_000
        );
        assert_eq!(
            day_start("until", "2026-04-10", true).expect("a day"),
            1_775_750_400_000 + 86_400_000
        );
        let error = day_start("since", "10/04/2026", false).expect_err("not a date");
        assert!(error.to_string().contains("YYYY-MM-DD"), "{error}");
    }

    #[test]
    fn counts_say_what_was_added_replaced_and_deleted() {
        let before = Dataset::default();
        let changes = ChangeSet {
            delete_zones: vec![1, 2],
            cadences: Some(wangge_core::Cadences::default()),
            ..ChangeSet::default()
        };
        let counts = change_counts(&before, &changes);
        assert_eq!(
            counts,
            json!({ "zones": { "added": 0, "replaced": 0, "deleted": 2 }, "cadences": true })
        );
        assert_eq!(counts_text(&counts), "cadences set, zones +0 ~0 −2");
        assert_eq!(counts_text(&json!({})), "no change");
    }
}
