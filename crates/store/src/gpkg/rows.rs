//! Reading and writing the rows of each table: one reader and one writer per layer.

use geo::Geometry;
use rusqlite::{Connection, Params, Row, Transaction, params};
use wangge_core::{
    Assignment, Building, ChangeSet, Chief, ChiefLevel, ChiefRole, Compound, CompoundKind,
    Department, DutyKind, Finding, Findings, Id, Inspection, InspectorRole, Management, Photo,
    PhotoInfo, PhotoType, StreetClass, StreetPartner, StreetSegment, Tier, TierChange, Topic,
    Totals, Zone,
};

use super::{geom, sql_error};
use crate::{Error, Result};

/// A row read back whose value cannot be understood.
pub(crate) fn corrupt(location: &str, table: &str, id: i64, problem: impl ToString) -> Error {
    Error::Corrupt {
        location: location.into(),
        table: table.into(),
        id,
        problem: problem.to_string(),
    }
}

/// Runs a SELECT with a filter and maps every row, turning conversion problems into errors that
/// name the table and row.
pub(crate) fn read<T>(
    conn: &Connection,
    location: &str,
    table: &str,
    columns: &str,
    filter: &str,
    args: impl Params,
    map: impl Fn(&Row<'_>) -> rusqlite::Result<std::result::Result<T, (i64, String)>>,
) -> Result<Vec<T>> {
    let sql = format!("SELECT {columns} FROM {table} {filter}");
    let mut stmt = conn
        .prepare_cached(&sql)
        .map_err(sql_error(location, format!("reading {table}")))?;
    let rows = stmt
        .query_map(args, |r| map(r))
        .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>())
        .map_err(sql_error(location, format!("reading {table}")))?;
    rows.into_iter()
        .map(|r| r.map_err(|(id, problem)| corrupt(location, table, id, problem)))
        .collect()
}

/// Converts a stored count, which SQLite holds as a signed integer.
fn count(id: i64, value: i64) -> std::result::Result<u64, (i64, String)> {
    u64::try_from(value).map_err(|_| (id, format!("negative count {value}")))
}

/// Parses a vocabulary value, reporting the row on failure.
fn parse<T>(
    id: i64,
    text: String,
    f: impl Fn(&str) -> wangge_core::Result<T>,
) -> std::result::Result<T, (i64, String)> {
    f(&text).map_err(|e| (id, e.to_string()))
}

/// The zone columns, in the order [`zone_from`] reads them; plan tables name the zone id `id` too.
pub(crate) const ZONE_COLUMNS: &str =
    "id, code, name, level, parent_id, households, population, buildings, compounds, geom";

/// Reads a zone from the [`ZONE_COLUMNS`] of a row, starting at column `at`.
pub(crate) fn zone_from(
    r: &Row<'_>,
    at: usize,
) -> rusqlite::Result<std::result::Result<Zone, (i64, String)>> {
    let id: i64 = r.get(at)?;
    let blob: Vec<u8> = r.get(at + 9)?;
    let build = || -> std::result::Result<Zone, (i64, String)> {
        let e = |e: rusqlite::Error| (id, e.to_string());
        Ok(Zone {
            id,
            code: r.get(at + 1).map_err(e)?,
            name: r.get(at + 2).map_err(e)?,
            level: r.get(at + 3).map_err(e)?,
            parent: r.get(at + 4).map_err(e)?,
            totals: Totals {
                households: count(id, r.get(at + 5).map_err(e)?)?,
                population: count(id, r.get(at + 6).map_err(e)?)?,
                buildings: count(id, r.get(at + 7).map_err(e)?)?,
                compounds: count(id, r.get(at + 8).map_err(e)?)?,
            },
            geometry: geom::decode_multipolygon(&blob).map_err(|e| (id, e))?,
        })
    };
    Ok(build())
}

pub(crate) fn read_zones(
    conn: &Connection,
    location: &str,
    filter: &str,
    args: impl Params,
) -> Result<Vec<Zone>> {
    read(conn, location, "zones", ZONE_COLUMNS, filter, args, |r| {
        zone_from(r, 0)
    })
}

pub(crate) fn read_compounds(
    conn: &Connection,
    location: &str,
    filter: &str,
    args: impl Params,
) -> Result<Vec<Compound>> {
    read(
        conn,
        location,
        "compounds",
        "id, code, name, kind, management, tier, stars, source_id, geom",
        filter,
        args,
        |r| {
            let id: i64 = r.get(0)?;
            let blob: Vec<u8> = r.get(8)?;
            let build = || -> std::result::Result<Compound, (i64, String)> {
                let e = |e: rusqlite::Error| (id, e.to_string());
                Ok(Compound {
                    id,
                    code: r.get(1).map_err(e)?,
                    name: r.get(2).map_err(e)?,
                    kind: parse(id, r.get(3).map_err(e)?, CompoundKind::parse)?,
                    management: parse(id, r.get(4).map_err(e)?, Management::parse)?,
                    tier: parse(id, r.get(5).map_err(e)?, Tier::parse)?,
                    stars: r.get(6).map_err(e)?,
                    source_id: r.get(7).map_err(e)?,
                    geometry: geom::decode_multipolygon(&blob).map_err(|e| (id, e))?,
                })
            };
            Ok(build())
        },
    )
}

pub(crate) fn read_buildings(
    conn: &Connection,
    location: &str,
    filter: &str,
    args: impl Params,
) -> Result<Vec<Building>> {
    read(
        conn,
        location,
        "buildings",
        "id, source_id, name, address, compound_id, floors, units, households, population, height_m, estimated, geom",
        filter,
        args,
        |r| {
            let id: i64 = r.get(0)?;
            let blob: Vec<u8> = r.get(11)?;
            let build = || -> std::result::Result<Building, (i64, String)> {
                let e = |e: rusqlite::Error| (id, e.to_string());
                Ok(Building {
                    id,
                    source_id: r.get(1).map_err(e)?,
                    name: r.get(2).map_err(e)?,
                    address: r.get(3).map_err(e)?,
                    compound: r.get(4).map_err(e)?,
                    floors: r.get(5).map_err(e)?,
                    units: r.get(6).map_err(e)?,
                    households: r.get(7).map_err(e)?,
                    population: r.get(8).map_err(e)?,
                    height_m: r.get(9).map_err(e)?,
                    estimated: r.get(10).map_err(e)?,
                    geometry: geom::decode_multipolygon(&blob).map_err(|e| (id, e))?,
                })
            };
            Ok(build())
        },
    )
}

pub(crate) fn read_streets(
    conn: &Connection,
    location: &str,
    filter: &str,
    args: impl Params,
) -> Result<Vec<StreetSegment>> {
    read(
        conn,
        location,
        "streets",
        "id, source_id, name, class, geom",
        filter,
        args,
        |r| {
            let id: i64 = r.get(0)?;
            let blob: Vec<u8> = r.get(4)?;
            let build = || -> std::result::Result<StreetSegment, (i64, String)> {
                let e = |e: rusqlite::Error| (id, e.to_string());
                Ok(StreetSegment {
                    id,
                    source_id: r.get(1).map_err(e)?,
                    name: r.get(2).map_err(e)?,
                    class: parse(id, r.get(3).map_err(e)?, StreetClass::parse)?,
                    geometry: geom::decode_linestring(&blob).map_err(|e| (id, e))?,
                })
            };
            Ok(build())
        },
    )
}

pub(crate) fn read_chiefs(conn: &Connection, location: &str) -> Result<Vec<Chief>> {
    read(
        conn,
        location,
        "chiefs",
        "id, name, role, phone, community_id, level",
        "ORDER BY id",
        [],
        |r| {
            let id: i64 = r.get(0)?;
            let build = || -> std::result::Result<Chief, (i64, String)> {
                let e = |e: rusqlite::Error| (id, e.to_string());
                let level: Option<String> = r.get(5).map_err(e)?;
                Ok(Chief {
                    id,
                    name: r.get(1).map_err(e)?,
                    role: parse(id, r.get(2).map_err(e)?, ChiefRole::parse)?,
                    phone: r.get(3).map_err(e)?,
                    community: r.get(4).map_err(e)?,
                    level: level.map(|l| parse(id, l, ChiefLevel::parse)).transpose()?,
                })
            };
            Ok(build())
        },
    )
}

pub(crate) fn read_duties(conn: &Connection, location: &str) -> Result<Vec<Assignment>> {
    read(
        conn,
        location,
        "duties",
        "target, kind, level, chief_id, fixed",
        "ORDER BY kind, target, level",
        [],
        |r| {
            let target: i64 = r.get(0)?;
            let build = || -> std::result::Result<Assignment, (i64, String)> {
                let e = |e: rusqlite::Error| (target, e.to_string());
                let kind: String = r.get(1).map_err(e)?;
                Ok(Assignment {
                    kind: DutyKind::parse(&kind)
                        .ok_or_else(|| (target, format!("unknown duty kind `{kind}`")))?,
                    target,
                    level: parse(target, r.get(2).map_err(e)?, ChiefLevel::parse)?,
                    chief: r.get(3).map_err(e)?,
                    fixed: r.get::<_, i64>(4).map_err(e)? != 0,
                })
            };
            Ok(build())
        },
    )
}

pub(crate) fn read_partners(conn: &Connection, location: &str) -> Result<Vec<StreetPartner>> {
    read(
        conn,
        location,
        "street_partners",
        "id, street, department, department_name, contact, phone, note",
        "ORDER BY id",
        [],
        |r| {
            let id: i64 = r.get(0)?;
            let build = || -> std::result::Result<StreetPartner, (i64, String)> {
                let e = |e: rusqlite::Error| (id, e.to_string());
                Ok(StreetPartner {
                    id,
                    street: r.get(1).map_err(e)?,
                    department: parse(id, r.get(2).map_err(e)?, Department::parse)?,
                    department_name: r.get(3).map_err(e)?,
                    contact: r.get(4).map_err(e)?,
                    phone: r.get(5).map_err(e)?,
                    note: r.get(6).map_err(e)?,
                })
            };
            Ok(build())
        },
    )
}

/// Deletes partner departments by id, then writes `changes.partners`; when partners or streets
/// changed, checks that every partner's street still has a segment and that no street has one
/// department twice, refusing the change otherwise (streets are matched by name, so no foreign
/// key can say it).
pub(crate) fn write_partners(
    tx: &Transaction<'_>,
    location: &str,
    changes: &ChangeSet,
) -> Result<()> {
    let error = |what: String| sql_error(location, what);
    for &id in &changes.delete_partners {
        tx.execute("DELETE FROM street_partners WHERE id = ?1", [id])
            .map_err(error(format!("deleting partner department {id}")))?;
    }
    let mut stmt = tx
        .prepare_cached(
            "INSERT OR REPLACE INTO street_partners \
             (id, street, department, department_name, contact, phone, note) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )
        .map_err(error("preparing to write partner departments".into()))?;
    for p in &changes.partners {
        stmt.execute(params![
            p.id,
            p.street,
            p.department.as_str(),
            p.department_name,
            p.contact,
            p.phone,
            p.note
        ])
        .map_err(error(format!(
            "writing partner department {} of street {}",
            p.id, p.street
        )))?;
    }
    let touched = !changes.partners.is_empty()
        || !changes.delete_partners.is_empty()
        || !changes.streets.is_empty()
        || !changes.delete_streets.is_empty();
    if !touched {
        return Ok(());
    }
    let mut missing = tx
        .prepare_cached(
            "SELECT DISTINCT p.street FROM street_partners p \
             WHERE NOT EXISTS (SELECT 1 FROM streets s WHERE s.name = p.street)",
        )
        .map_err(error("checking the partner departments' streets".into()))?;
    let missing: std::collections::HashSet<String> = missing
        .query_map([], |r| r.get(0))
        .and_then(|rows| rows.collect())
        .map_err(error("checking the partner departments' streets".into()))?;
    let partners = read_partners(tx, location)?;
    wangge_core::check_partners(|street| !missing.contains(street), &partners)?;
    Ok(())
}

/// Writes a row whether or not it exists yet: an UPDATE, then an INSERT when no row matched.
///
/// SQLite's `INSERT … ON CONFLICT DO UPDATE` would impose its conflict policy on the GeoPackage
/// R-tree triggers (whose `INSERT OR REPLACE` then fails), so the two steps are spelt out.
struct Upsert<'t> {
    update: rusqlite::CachedStatement<'t>,
    insert: rusqlite::CachedStatement<'t>,
}

impl<'t> Upsert<'t> {
    fn new(
        tx: &'t Transaction<'_>,
        location: &str,
        table: &str,
        update: &str,
        insert: &str,
    ) -> Result<Self> {
        Ok(Self {
            update: tx
                .prepare_cached(update)
                .map_err(sql_error(location, format!("writing {table}")))?,
            insert: tx
                .prepare_cached(insert)
                .map_err(sql_error(location, format!("writing {table}")))?,
        })
    }

    fn run(&mut self, args: &[&dyn rusqlite::ToSql]) -> rusqlite::Result<()> {
        if self.update.execute(args)? == 0 {
            self.insert.execute(args)?;
        }
        Ok(())
    }
}

fn encode(location: &str, table: &str, id: i64, geometry: Geometry<f64>) -> Result<Vec<u8>> {
    geom::encode(geometry).map_err(|problem| corrupt(location, table, id, problem))
}

/// A zone's geometry as GeoPackage binary and its totals as SQLite integers, for writing it to
/// `table`.
pub(crate) fn zone_values(location: &str, table: &str, z: &Zone) -> Result<(Vec<u8>, [i64; 4])> {
    let blob = encode(
        location,
        table,
        z.id,
        Geometry::MultiPolygon(z.geometry.clone()),
    )?;
    let t = z.totals;
    Ok((
        blob,
        [
            t.households as i64,
            t.population as i64,
            t.buildings as i64,
            t.compounds as i64,
        ],
    ))
}

pub(crate) fn write_zones(tx: &Transaction<'_>, location: &str, zones: &[Zone]) -> Result<()> {
    let mut stmt = Upsert::new(
        tx,
        location,
        "zones",
        "UPDATE zones SET code = ?2, name = ?3, level = ?4, parent_id = ?5, households = ?6, population = ?7, buildings = ?8, compounds = ?9, geom = ?10 WHERE id = ?1",
        "INSERT INTO zones (id, code, name, level, parent_id, households, population, buildings, compounds, geom) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?;
    for z in zones {
        let (blob, t) = zone_values(location, "zones", z)?;
        stmt.run(params![
            z.id, z.code, z.name, z.level, z.parent, t[0], t[1], t[2], t[3], blob
        ])
        .map_err(sql_error(
            location,
            format!("writing zone {} ({})", z.code, z.id),
        ))?;
    }
    Ok(())
}

pub(crate) fn write_compounds(
    tx: &Transaction<'_>,
    location: &str,
    compounds: &[Compound],
) -> Result<()> {
    let mut stmt = Upsert::new(
        tx,
        location,
        "compounds",
        "UPDATE compounds SET code = ?2, name = ?3, kind = ?4, management = ?5, tier = ?6, stars = ?7, source_id = ?8, geom = ?9 WHERE id = ?1",
        "INSERT INTO compounds (id, code, name, kind, management, tier, stars, source_id, geom) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?;
    for c in compounds {
        let blob = encode(
            location,
            "compounds",
            c.id,
            Geometry::MultiPolygon(c.geometry.clone()),
        )?;
        stmt.run(params![
            c.id,
            c.code,
            c.name,
            c.kind.as_str(),
            c.management.as_str(),
            c.tier.as_str(),
            c.stars,
            c.source_id,
            blob
        ])
        .map_err(sql_error(
            location,
            format!("writing compound {} ({})", c.code, c.id),
        ))?;
    }
    Ok(())
}

pub(crate) fn write_buildings(
    tx: &Transaction<'_>,
    location: &str,
    buildings: &[Building],
) -> Result<()> {
    let mut stmt = Upsert::new(
        tx,
        location,
        "buildings",
        "UPDATE buildings SET source_id = ?2, name = ?3, address = ?4, compound_id = ?5, floors = ?6, units = ?7, households = ?8, population = ?9, height_m = ?10, estimated = ?11, geom = ?12 WHERE id = ?1",
        "INSERT INTO buildings (id, source_id, name, address, compound_id, floors, units, households, population, height_m, estimated, geom) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )?;
    for b in buildings {
        let blob = encode(
            location,
            "buildings",
            b.id,
            Geometry::MultiPolygon(b.geometry.clone()),
        )?;
        stmt.run(params![
            b.id,
            b.source_id,
            b.name,
            b.address,
            b.compound,
            b.floors,
            b.units,
            b.households,
            b.population,
            b.height_m,
            b.estimated,
            blob
        ])
        .map_err(sql_error(location, format!("writing building {}", b.id)))?;
    }
    Ok(())
}

pub(crate) fn write_streets(
    tx: &Transaction<'_>,
    location: &str,
    streets: &[StreetSegment],
) -> Result<()> {
    let mut stmt = Upsert::new(
        tx,
        location,
        "streets",
        "UPDATE streets SET source_id = ?2, name = ?3, class = ?4, geom = ?5 WHERE id = ?1",
        "INSERT INTO streets (id, source_id, name, class, geom) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    for s in streets {
        let blob = encode(
            location,
            "streets",
            s.id,
            Geometry::LineString(s.geometry.clone()),
        )?;
        stmt.run(params![s.id, s.source_id, s.name, s.class.as_str(), blob])
            .map_err(sql_error(location, format!("writing street {}", s.id)))?;
    }
    Ok(())
}

pub(crate) fn write_chiefs(tx: &Transaction<'_>, location: &str, chiefs: &[Chief]) -> Result<()> {
    let mut stmt = Upsert::new(
        tx,
        location,
        "chiefs",
        "UPDATE chiefs SET name = ?2, role = ?3, phone = ?4, community_id = ?5, level = ?6 WHERE id = ?1",
        "INSERT INTO chiefs (id, name, role, phone, community_id, level) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    for c in chiefs {
        stmt.run(params![
            c.id,
            c.name,
            c.role.as_str(),
            c.phone,
            c.community,
            c.level.map(|l| l.as_str())
        ])
        .map_err(sql_error(
            location,
            format!("writing chief {} ({})", c.name, c.id),
        ))?;
    }
    Ok(())
}

/// Deletes duties by key and those of deleted chiefs, buildings and streets, then writes `duties`.
pub(crate) fn write_duties(
    tx: &Transaction<'_>,
    location: &str,
    changes: &ChangeSet,
) -> Result<()> {
    let error = |what: String| sql_error(location, what);
    for (kind, target, level) in &changes.delete_duties {
        tx.execute(
            "DELETE FROM duties WHERE kind = ?1 AND target = ?2 AND level = ?3",
            params![kind.key(), target, level.as_str()],
        )
        .map_err(error(format!(
            "deleting the {} duty for {} {target}",
            level.as_str(),
            kind.key()
        )))?;
    }
    for &id in &changes.delete_chiefs {
        tx.execute("DELETE FROM duties WHERE chief_id = ?1", [id])
            .map_err(error(format!("deleting the duties of chief {id}")))?;
    }
    for (kind, ids) in [
        (DutyKind::Building, &changes.delete_buildings),
        (DutyKind::Street, &changes.delete_streets),
    ] {
        for &id in ids.iter() {
            tx.execute(
                "DELETE FROM duties WHERE kind = ?1 AND target = ?2",
                params![kind.key(), id],
            )
            .map_err(error(format!(
                "deleting the duties for {} {id}",
                kind.key()
            )))?;
        }
    }
    let mut stmt = tx
        .prepare_cached(
            "INSERT OR REPLACE INTO duties (kind, target, level, chief_id, fixed) \
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )
        .map_err(error("preparing to write duties".into()))?;
    for d in &changes.duties {
        stmt.execute(params![
            d.kind.key(),
            d.target,
            d.level.as_str(),
            d.chief,
            i64::from(d.fixed)
        ])
        .map_err(error(format!(
            "writing the {} duty for {} {} (chief {})",
            d.level.as_str(),
            d.kind.key(),
            d.target,
            d.chief
        )))?;
    }
    Ok(())
}

pub(crate) fn write_tier_changes(
    tx: &Transaction<'_>,
    location: &str,
    changes: &[TierChange],
    version: u64,
) -> Result<()> {
    let mut stmt = tx
        .prepare_cached(
            "INSERT INTO tier_changes (compound_id, from_tier, to_tier, reason, changed_by, at_ms, version)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )
        .map_err(sql_error(location, "writing tier changes"))?;
    for c in changes {
        stmt.execute(params![
            c.compound,
            c.from.as_str(),
            c.to.as_str(),
            c.reason,
            c.by,
            c.at_ms,
            version as i64
        ])
        .map_err(sql_error(
            location,
            format!("recording the tier change of compound {}", c.compound),
        ))?;
    }
    Ok(())
}

/// One compound's tier changes (every compound's with `None`), by compound and then oldest first.
pub(crate) fn read_tier_changes(
    conn: &Connection,
    location: &str,
    compound: Option<i64>,
) -> Result<Vec<TierChange>> {
    read(
        conn,
        location,
        "tier_changes",
        "id, compound_id, from_tier, to_tier, reason, changed_by, at_ms",
        "WHERE ?1 IS NULL OR compound_id = ?1 ORDER BY compound_id, at_ms, id",
        [compound],
        |r| {
            let id: i64 = r.get(0)?;
            let build = || -> std::result::Result<TierChange, (i64, String)> {
                let e = |e: rusqlite::Error| (id, e.to_string());
                Ok(TierChange {
                    compound: r.get(1).map_err(e)?,
                    from: parse(id, r.get(2).map_err(e)?, Tier::parse)?,
                    to: parse(id, r.get(3).map_err(e)?, Tier::parse)?,
                    reason: r.get(4).map_err(e)?,
                    by: r.get(5).map_err(e)?,
                    at_ms: r.get(6).map_err(e)?,
                })
            };
            Ok(build())
        },
    )
}

/// The inspection columns after the id, in the order the writer binds and the reader reads them.
const INSPECTION_COLUMNS: &str = "compound_id, inspector, role, at_ms, \
     rentals_ok, rentals_note, sanitation_ok, sanitation_note, public_order_ok, public_order_note, \
     fire_safety_ok, fire_safety_note, epidemic_ok, epidemic_note, suggested_tier";

/// Appends inspections, each with the data version that records it, and returns the ids SQLite
/// gave them.
pub(crate) fn write_inspections(
    tx: &Transaction<'_>,
    location: &str,
    inspections: &[Inspection],
    version: u64,
) -> Result<Vec<Id>> {
    let mut stmt = tx
        .prepare_cached(&format!(
            "INSERT INTO inspections ({INSPECTION_COLUMNS}, version)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)"
        ))
        .map_err(sql_error(location, "writing inspections"))?;
    let mut ids = Vec::with_capacity(inspections.len());
    for i in inspections {
        let mut values: Vec<rusqlite::types::Value> = vec![
            i.compound.into(),
            i.inspector.clone().into(),
            i.role.as_str().to_string().into(),
            i.at_ms.into(),
        ];
        for (_, finding) in i.findings.iter() {
            values.push(finding.map(|f| i64::from(f.ok)).into());
            values.push(finding.map(|f| f.note.clone()).into());
        }
        values.push(i.suggested_tier.map(|t| t.as_str().to_string()).into());
        values.push((version as i64).into());
        stmt.execute(rusqlite::params_from_iter(values))
            .map_err(sql_error(
                location,
                format!("recording an inspection of compound {}", i.compound),
            ))?;
        ids.push(tx.last_insert_rowid());
    }
    Ok(ids)
}

/// Reads the inspections of one compound, or of all, oldest first.
pub(crate) fn read_inspections(
    conn: &Connection,
    location: &str,
    compound: Option<Id>,
) -> Result<Vec<Inspection>> {
    read(
        conn,
        location,
        "inspections",
        &format!("id, {INSPECTION_COLUMNS}, {PHOTO_INFO_COLUMNS}"),
        "WHERE ?1 IS NULL OR compound_id = ?1 ORDER BY at_ms, id",
        [compound],
        |r| {
            let id: i64 = r.get(0)?;
            let build = || -> std::result::Result<Inspection, (i64, String)> {
                let e = |e: rusqlite::Error| (id, e.to_string());
                let mut findings = Findings::default();
                for (k, topic) in Topic::ALL.iter().enumerate() {
                    let ok: Option<bool> = r.get(5 + 2 * k).map_err(e)?;
                    let note: Option<String> = r.get(6 + 2 * k).map_err(e)?;
                    findings.set(
                        *topic,
                        ok.map(|ok| Finding {
                            ok,
                            note: note.unwrap_or_default(),
                        }),
                    );
                }
                let suggested: Option<String> = r.get(15).map_err(e)?;
                let photo = photo_info(
                    id,
                    r.get(16).map_err(e)?,
                    r.get(17).map_err(e)?,
                    r.get(18).map_err(e)?,
                )?;
                Ok(Inspection {
                    id,
                    compound: r.get(1).map_err(e)?,
                    inspector: r.get(2).map_err(e)?,
                    role: parse(id, r.get(3).map_err(e)?, InspectorRole::parse)?,
                    at_ms: r.get(4).map_err(e)?,
                    findings,
                    suggested_tier: suggested.map(|t| parse(id, t, Tier::parse)).transpose()?,
                    photo,
                })
            };
            Ok(build())
        },
    )
}

/// The type, size and digest of an inspection's photo, read beside the inspection without the
/// bytes (NULL when it has none).
const PHOTO_INFO_COLUMNS: &str = "\
     (SELECT mime FROM inspection_photos WHERE inspection_id = inspections.id), \
     (SELECT size FROM inspection_photos WHERE inspection_id = inspections.id), \
     (SELECT sha256 FROM inspection_photos WHERE inspection_id = inspections.id)";

/// A photo's type, size and digest from their columns, all NULL for none.
fn photo_info(
    id: i64,
    mime: Option<String>,
    size: Option<i64>,
    sha256: Option<String>,
) -> std::result::Result<Option<PhotoInfo>, (i64, String)> {
    let (Some(mime), Some(size), Some(sha256)) = (mime, size, sha256) else {
        return Ok(None);
    };
    let mime =
        PhotoType::from_mime(&mime).ok_or_else(|| (id, format!("unknown photo type `{mime}`")))?;
    Ok(Some(PhotoInfo {
        mime,
        size: count(id, size)?,
        sha256,
    }))
}

/// Writes the photos of a change set's inspections, given the ids the inspections were given
/// (the photos were checked by [`crate::check_inspection_photos`]).
pub(crate) fn write_inspection_photos(
    tx: &Transaction<'_>,
    location: &str,
    photos: &[(usize, Photo)],
    ids: &[Id],
) -> Result<()> {
    for (index, photo) in photos {
        let id = ids.get(*index).copied().ok_or_else(|| {
            Error::Refused(wangge_core::Error::Invalid(format!(
                "a photo belongs to inspection {index} of the change, which has only {}",
                ids.len()
            )))
        })?;
        let info = photo.info();
        tx.prepare_cached(
            "INSERT INTO inspection_photos (inspection_id, mime, bytes, size, sha256) \
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )
        .and_then(|mut stmt| {
            stmt.execute(params![
                id,
                info.mime.mime(),
                photo.bytes,
                info.size as i64,
                info.sha256
            ])
        })
        .map_err(sql_error(
            location,
            format!("writing the photo of inspection {id}"),
        ))?;
    }
    Ok(())
}

/// The photo of an inspection with its bytes, if it has one.
pub(crate) fn read_inspection_photo(
    conn: &Connection,
    location: &str,
    inspection: Id,
) -> Result<Option<Photo>> {
    let found = read(
        conn,
        location,
        "inspection_photos",
        "inspection_id, mime, bytes",
        "WHERE inspection_id = ?1",
        [inspection],
        |r| {
            let id: i64 = r.get(0)?;
            let mime: String = r.get(1)?;
            let bytes: Vec<u8> = r.get(2)?;
            Ok(PhotoType::from_mime(&mime)
                .map(|mime| Photo { mime, bytes })
                .ok_or((id, format!("unknown photo type `{mime}`"))))
        },
    )?;
    Ok(found.into_iter().next())
}
