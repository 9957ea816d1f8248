//! Reading and writing the rows of each table: one reader and one writer per layer, with every
//! conversion between wangge's types and PostgreSQL's checked and named by table and row.
//!
//! Writes are pipelined: a batch of statements is sent before the first answer is awaited, so a
//! large import does not pay one network round trip per row.

use std::future::Future;
use std::pin::Pin;

use deadpool_postgres::{GenericClient, Transaction};
use futures_util::future::try_join_all;
use tokio_postgres::Row;
use tokio_postgres::types::{FromSql, ToSql};
use wangge_core::{
    Assignment, Building, ChangeSet, Chief, ChiefLevel, ChiefRole, Compound, CompoundKind, Dataset,
    Department, DutyKind, Finding, Findings, Id, Inspection, InspectorRole, Level, LevelConfig,
    Management, Photo, PhotoInfo, PhotoType, StreetClass, StreetPartner, StreetSegment, Tier,
    TierChange, Topic, Totals, Zone,
};
use wangge_store::{Error, Result};

use crate::connect::pg_error;
use crate::{geom, queries};

/// How many statements are sent ahead of their answers.
const PIPELINE_DEPTH: usize = 256;

/// A problem with one row: its id and what is wrong.
pub(crate) type Problem = (i64, String);

/// A row whose value cannot be understood, or a value that cannot be stored.
pub(crate) fn corrupt(location: &str, table: &str, id: i64, problem: impl ToString) -> Error {
    Error::Corrupt {
        location: location.into(),
        table: table.into(),
        id,
        problem: problem.to_string(),
    }
}

/// One pipelined statement: boxed, so that no closure type is held across an await (which trips
/// the compiler's proof that the store's futures are `Send`).
pub(crate) type Pending<'a> = Pin<Box<dyn Future<Output = Result<u64>> + Send + 'a>>;

/// Runs statements a batch at a time, each batch pipelined on the connection, stopping at the
/// first error (the statements after a failed one fail too, as the transaction is then aborted).
pub(crate) async fn pipelined(mut pending: Vec<Pending<'_>>) -> Result<()> {
    while !pending.is_empty() {
        let batch: Vec<Pending<'_>> = pending.drain(..pending.len().min(PIPELINE_DEPTH)).collect();
        try_join_all(batch).await?;
    }
    Ok(())
}

/// Runs a query with its statement cached on the connection.
pub(crate) async fn query<C: GenericClient>(
    client: &C,
    location: &str,
    context: &str,
    sql: &str,
    params: &[&(dyn ToSql + Sync)],
) -> Result<Vec<Row>> {
    let statement = client
        .prepare_cached(sql)
        .await
        .map_err(pg_error(location, context))?;
    client
        .query(&statement, params)
        .await
        .map_err(pg_error(location, context))
}

/// Reads a column, naming it and the row when its value does not convert.
pub(crate) fn get<'r, T: FromSql<'r>>(row: &'r Row, index: usize, id: i64) -> Result<T, Problem> {
    row.try_get(index).map_err(|e| {
        let name = row.columns().get(index).map_or("?", |c| c.name());
        (id, format!("column {name}: {e}"))
    })
}

/// The id in a row's first column.
pub(crate) fn id_of(row: &Row) -> Result<i64, Problem> {
    row.try_get(0).map_err(|e| (0, format!("column id: {e}")))
}

/// Converts a stored integer into the narrower or unsigned type the domain uses.
pub(crate) fn fits<T: TryFrom<i64>>(id: i64, column: &str, value: i64) -> Result<T, Problem> {
    T::try_from(value).map_err(|_| (id, format!("{column} {value} is out of range")))
}

/// Parses a vocabulary value, reporting the row on failure.
fn parse<T>(id: i64, text: &str, f: impl Fn(&str) -> wangge_core::Result<T>) -> Result<T, Problem> {
    f(text).map_err(|e| (id, e.to_string()))
}

/// Maps every row, turning conversion problems into errors that name the table and row.
pub(crate) fn map_rows<T>(
    location: &str,
    table: &str,
    rows: &[Row],
    map: impl Fn(&Row) -> Result<T, Problem>,
) -> Result<Vec<T>> {
    rows.iter()
        .map(|row| map(row).map_err(|(id, problem)| corrupt(location, table, id, problem)))
        .collect()
}

pub(crate) fn zone(r: &Row) -> Result<Zone, Problem> {
    let id = id_of(r)?;
    Ok(Zone {
        id,
        code: get(r, 1, id)?,
        name: get(r, 2, id)?,
        level: get(r, 3, id)?,
        parent: get(r, 4, id)?,
        totals: Totals {
            households: fits(id, "households", get(r, 5, id)?)?,
            population: fits(id, "population", get(r, 6, id)?)?,
            buildings: fits(id, "buildings", get(r, 7, id)?)?,
            compounds: fits(id, "compounds", get(r, 8, id)?)?,
        },
        geometry: geom::decode_multipolygon(get(r, 9, id)?).map_err(|p| (id, p))?,
    })
}

fn compound(r: &Row) -> Result<Compound, Problem> {
    let id = id_of(r)?;
    let stars: Option<i16> = get(r, 6, id)?;
    Ok(Compound {
        id,
        code: get(r, 1, id)?,
        name: get(r, 2, id)?,
        kind: parse(id, get(r, 3, id)?, CompoundKind::parse)?,
        management: parse(id, get(r, 4, id)?, Management::parse)?,
        tier: parse(id, get(r, 5, id)?, Tier::parse)?,
        stars: stars.map(|s| fits(id, "stars", i64::from(s))).transpose()?,
        source_id: get(r, 7, id)?,
        geometry: geom::decode_multipolygon(get(r, 8, id)?).map_err(|p| (id, p))?,
    })
}

fn building(r: &Row) -> Result<Building, Problem> {
    let id = id_of(r)?;
    Ok(Building {
        id,
        source_id: get(r, 1, id)?,
        name: get(r, 2, id)?,
        address: get(r, 3, id)?,
        compound: get(r, 4, id)?,
        floors: fits(id, "floors", i64::from(get::<i32>(r, 5, id)?))?,
        units: fits(id, "units", i64::from(get::<i32>(r, 6, id)?))?,
        households: fits(id, "households", get(r, 7, id)?)?,
        population: fits(id, "population", get(r, 8, id)?)?,
        height_m: get(r, 9, id)?,
        estimated: get(r, 10, id)?,
        geometry: geom::decode_multipolygon(get(r, 11, id)?).map_err(|p| (id, p))?,
    })
}

fn street(r: &Row) -> Result<StreetSegment, Problem> {
    let id = id_of(r)?;
    Ok(StreetSegment {
        id,
        source_id: get(r, 1, id)?,
        name: get(r, 2, id)?,
        class: parse(id, get(r, 3, id)?, StreetClass::parse)?,
        geometry: geom::decode_linestring(get(r, 4, id)?).map_err(|p| (id, p))?,
    })
}

fn chief(r: &Row) -> Result<Chief, Problem> {
    let id = id_of(r)?;
    let level: Option<&str> = get(r, 5, id)?;
    Ok(Chief {
        id,
        name: get(r, 1, id)?,
        role: parse(id, get(r, 2, id)?, ChiefRole::parse)?,
        phone: get(r, 3, id)?,
        community: get(r, 4, id)?,
        level: level.map(|l| parse(id, l, ChiefLevel::parse)).transpose()?,
    })
}

fn duty(r: &Row) -> Result<Assignment, Problem> {
    let target: i64 = get(r, 0, 0)?;
    let kind: &str = get(r, 1, target)?;
    Ok(Assignment {
        kind: DutyKind::parse(kind)
            .ok_or_else(|| (target, format!("unknown duty kind `{kind}`")))?,
        target,
        level: parse(target, get(r, 2, target)?, ChiefLevel::parse)?,
        chief: get(r, 3, target)?,
        fixed: get(r, 4, target)?,
    })
}

fn partner(r: &Row) -> Result<StreetPartner, Problem> {
    let id = id_of(r)?;
    Ok(StreetPartner {
        id,
        street: get(r, 1, id)?,
        department: parse(id, get(r, 2, id)?, Department::parse)?,
        department_name: get(r, 3, id)?,
        contact: get(r, 4, id)?,
        phone: get(r, 5, id)?,
        note: get(r, 6, id)?,
    })
}

fn tier_change(r: &Row) -> Result<TierChange, Problem> {
    let id = id_of(r)?;
    Ok(TierChange {
        compound: get(r, 1, id)?,
        from: parse(id, get(r, 2, id)?, Tier::parse)?,
        to: parse(id, get(r, 3, id)?, Tier::parse)?,
        reason: get(r, 4, id)?,
        by: get(r, 5, id)?,
        at_ms: get(r, 6, id)?,
    })
}

/// Reads zones: `filter` is appended to the select (a `WHERE`, an `ORDER BY`, a `LIMIT`).
pub(crate) async fn read_zones<C: GenericClient>(
    client: &C,
    location: &str,
    filter: &str,
    params: &[&(dyn ToSql + Sync)],
) -> Result<Vec<Zone>> {
    let sql = format!("{}{filter}", queries::SELECT_ZONES);
    let rows = query(client, location, "reading zones", &sql, params).await?;
    map_rows(location, "zones", &rows, zone)
}

/// Reads compounds; see [`read_zones`].
pub(crate) async fn read_compounds<C: GenericClient>(
    client: &C,
    location: &str,
    filter: &str,
    params: &[&(dyn ToSql + Sync)],
) -> Result<Vec<Compound>> {
    let sql = format!("{}{filter}", queries::SELECT_COMPOUNDS);
    let rows = query(client, location, "reading compounds", &sql, params).await?;
    map_rows(location, "compounds", &rows, compound)
}

/// Reads buildings; see [`read_zones`].
pub(crate) async fn read_buildings<C: GenericClient>(
    client: &C,
    location: &str,
    filter: &str,
    params: &[&(dyn ToSql + Sync)],
) -> Result<Vec<Building>> {
    let sql = format!("{}{filter}", queries::SELECT_BUILDINGS);
    let rows = query(client, location, "reading buildings", &sql, params).await?;
    map_rows(location, "buildings", &rows, building)
}

/// Reads street segments; see [`read_zones`].
pub(crate) async fn read_streets<C: GenericClient>(
    client: &C,
    location: &str,
    filter: &str,
    params: &[&(dyn ToSql + Sync)],
) -> Result<Vec<StreetSegment>> {
    let sql = format!("{}{filter}", queries::SELECT_STREETS);
    let rows = query(client, location, "reading streets", &sql, params).await?;
    map_rows(location, "streets", &rows, street)
}

/// Reads every chief, in id order.
pub(crate) async fn read_chiefs<C: GenericClient>(
    client: &C,
    location: &str,
) -> Result<Vec<Chief>> {
    let rows = query(
        client,
        location,
        "reading chiefs",
        queries::SELECT_CHIEFS,
        &[],
    )
    .await?;
    map_rows(location, "chiefs", &rows, chief)
}

/// Reads every chief duty.
pub(crate) async fn read_duties<C: GenericClient>(
    client: &C,
    location: &str,
) -> Result<Vec<Assignment>> {
    let rows = query(
        client,
        location,
        "reading duties",
        queries::SELECT_DUTIES,
        &[],
    )
    .await?;
    map_rows(location, "duties", &rows, duty)
}

/// Deletes duties by key and those of deleted chiefs, buildings and streets, then writes
/// `changes.duties`.
pub(crate) async fn write_duties(
    tx: &Transaction<'_>,
    location: &str,
    changes: &ChangeSet,
) -> Result<()> {
    let gone = !changes.delete_duties.is_empty()
        || !changes.delete_chiefs.is_empty()
        || !changes.delete_buildings.is_empty()
        || !changes.delete_streets.is_empty();
    if gone {
        let kinds: Vec<&str> = changes.delete_duties.iter().map(|d| d.0.key()).collect();
        let targets: Vec<Id> = changes.delete_duties.iter().map(|d| d.1).collect();
        let levels: Vec<&str> = changes.delete_duties.iter().map(|d| d.2.as_str()).collect();
        tx.execute(
            queries::DELETE_DUTIES,
            &[
                &kinds,
                &targets,
                &levels,
                &changes.delete_chiefs,
                &changes.delete_buildings,
                &changes.delete_streets,
            ],
        )
        .await
        .map_err(pg_error(location, "deleting duties"))?;
    }
    if changes.duties.is_empty() {
        return Ok(());
    }
    let statement = prepare(tx, location, queries::UPSERT_DUTY, "writing duties").await?;
    let statement = &statement;
    pipelined(
        changes
            .duties
            .iter()
            .map(|d| -> Pending<'_> {
                Box::pin(async move {
                    tx.execute(
                        statement,
                        &[
                            &d.kind.key(),
                            &d.target,
                            &d.level.as_str(),
                            &d.chief,
                            &d.fixed,
                        ],
                    )
                    .await
                    .map_err(pg_error(
                        location,
                        format!(
                            "writing the {} duty for {} {} (chief {})",
                            d.level.as_str(),
                            d.kind.key(),
                            d.target,
                            d.chief
                        ),
                    ))
                })
            })
            .collect(),
    )
    .await
}

/// Reads every partner department, in id order.
pub(crate) async fn read_partners<C: GenericClient>(
    client: &C,
    location: &str,
) -> Result<Vec<StreetPartner>> {
    let rows = query(
        client,
        location,
        "reading partner departments",
        queries::SELECT_PARTNERS,
        &[],
    )
    .await?;
    map_rows(location, "street_partners", &rows, partner)
}

/// Deletes partner departments by id, then writes `changes.partners`; when partners or streets
/// changed, checks that every partner's street still has a segment and that no street has one
/// department twice, refusing the change otherwise (streets are matched by name, so no foreign
/// key can say it).
pub(crate) async fn write_partners(
    tx: &Transaction<'_>,
    location: &str,
    changes: &ChangeSet,
) -> Result<()> {
    if !changes.delete_partners.is_empty() {
        let sql = queries::DELETE_ROWS.replace("{table}", "street_partners");
        tx.execute(&sql, &[&changes.delete_partners])
            .await
            .map_err(pg_error(location, "deleting partner departments"))?;
    }
    if !changes.partners.is_empty() {
        let statement = prepare(
            tx,
            location,
            queries::UPSERT_PARTNER,
            "writing partner departments",
        )
        .await?;
        let statement = &statement;
        pipelined(
            changes
                .partners
                .iter()
                .map(|p| -> Pending<'_> {
                    Box::pin(async move {
                        tx.execute(
                            statement,
                            &[
                                &p.id,
                                &p.street,
                                &p.department.as_str(),
                                &p.department_name,
                                &p.contact,
                                &p.phone,
                                &p.note,
                            ],
                        )
                        .await
                        .map_err(pg_error(
                            location,
                            format!("writing partner department {} of street {}", p.id, p.street),
                        ))
                    })
                })
                .collect(),
        )
        .await?;
    }
    let touched = !changes.partners.is_empty()
        || !changes.delete_partners.is_empty()
        || !changes.streets.is_empty()
        || !changes.delete_streets.is_empty();
    if !touched {
        return Ok(());
    }
    let rows = query(
        tx,
        location,
        "checking the partner departments' streets",
        queries::PARTNER_STREETS_MISSING,
        &[],
    )
    .await?;
    let missing = rows
        .iter()
        .map(|r| r.try_get::<_, String>(0))
        .collect::<std::result::Result<std::collections::HashSet<String>, _>>()
        .map_err(pg_error(
            location,
            "checking the partner departments' streets",
        ))?;
    let partners = read_partners(tx, location).await?;
    wangge_core::check_partners(|street| !missing.contains(street), &partners)?;
    Ok(())
}

/// Reads the zones covering a point, top level first, then by id.
pub(crate) async fn read_zones_containing<C: GenericClient>(
    client: &C,
    location: &str,
    lon: f64,
    lat: f64,
) -> Result<Vec<Zone>> {
    let rows = query(
        client,
        location,
        "finding the zones at a point",
        queries::ZONES_CONTAINING,
        &[&lon, &lat],
    )
    .await?;
    map_rows(location, "zones", &rows, zone)
}

/// Reads the level configuration; a store that has never been given levels uses the default
/// hierarchy, as the GeoPackage backend does.
pub(crate) async fn read_levels<C: GenericClient>(
    client: &C,
    location: &str,
) -> Result<LevelConfig> {
    let rows = query(
        client,
        location,
        "reading zone levels",
        queries::SELECT_LEVELS,
        &[],
    )
    .await?;
    let levels = rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let row = i as i64 + 1;
            Ok(Level {
                key: get(r, 0, row)?,
                name_zh: get(r, 1, row)?,
                name_en: get(r, 2, row)?,
                code_digits: fits(row, "code_digits", i64::from(get::<i16>(r, 3, row)?))?,
                households: match (
                    get::<Option<i64>>(r, 4, row)?,
                    get::<Option<i64>>(r, 5, row)?,
                ) {
                    (Some(min), Some(max)) => Some(wangge_core::HouseholdRange {
                        min: fits(row, "households_min", min)?,
                        max: fits(row, "households_max", max)?,
                    }),
                    _ => None,
                },
            })
        })
        .collect::<Result<Vec<_>, Problem>>()
        .map_err(|(row, problem)| corrupt(location, "zone_levels", row, problem))?;
    Ok(if levels.is_empty() {
        LevelConfig::default()
    } else {
        LevelConfig { levels }
    })
}

fn inspection(r: &Row) -> Result<Inspection, Problem> {
    let id = id_of(r)?;
    let mut findings = Findings::default();
    for (k, topic) in Topic::ALL.iter().enumerate() {
        let ok: Option<bool> = get(r, 5 + 2 * k, id)?;
        let note: Option<String> = get(r, 6 + 2 * k, id)?;
        findings.set(
            *topic,
            ok.map(|ok| Finding {
                ok,
                note: note.unwrap_or_default(),
            }),
        );
    }
    let suggested: Option<&str> = get(r, 15, id)?;
    let photo = match (
        get::<Option<&str>>(r, 16, id)?,
        get::<Option<i64>>(r, 17, id)?,
        get::<Option<String>>(r, 18, id)?,
    ) {
        (Some(mime), Some(size), Some(sha256)) => Some(PhotoInfo {
            mime: PhotoType::from_mime(mime)
                .ok_or_else(|| (id, format!("unknown photo type `{mime}`")))?,
            size: u64::try_from(size).map_err(|_| (id, format!("photo size {size}")))?,
            sha256,
        }),
        _ => None,
    };
    Ok(Inspection {
        id,
        compound: get(r, 1, id)?,
        inspector: get(r, 2, id)?,
        role: parse(id, get(r, 3, id)?, InspectorRole::parse)?,
        at_ms: get(r, 4, id)?,
        findings,
        suggested_tier: suggested.map(|t| parse(id, t, Tier::parse)).transpose()?,
        photo,
    })
}

/// Writes the photos of a change set's inspections, given the ids the inspections were given
/// (the photos were checked by [`wangge_store::check_inspection_photos`]).
pub(crate) async fn write_inspection_photos(
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
        let size = i64::try_from(info.size).unwrap_or(i64::MAX);
        tx.execute(
            queries::INSERT_INSPECTION_PHOTO,
            &[&id, &info.mime.mime(), &photo.bytes, &size, &info.sha256],
        )
        .await
        .map_err(pg_error(
            location,
            format!("writing the photo of inspection {id}"),
        ))?;
    }
    Ok(())
}

/// The photo of an inspection with its bytes, if it has one.
pub(crate) async fn read_inspection_photo<C: GenericClient>(
    client: &C,
    location: &str,
    inspection: Id,
) -> Result<Option<Photo>> {
    let rows = query(
        client,
        location,
        "reading an inspection photo",
        queries::INSPECTION_PHOTO,
        &[&inspection],
    )
    .await?;
    let photos = map_rows(location, "inspection_photos", &rows, |r| {
        let id = id_of(r)?;
        let mime: &str = get(r, 1, id)?;
        Ok(Photo {
            mime: PhotoType::from_mime(mime)
                .ok_or_else(|| (id, format!("unknown photo type `{mime}`")))?,
            bytes: get(r, 2, id)?,
        })
    })?;
    Ok(photos.into_iter().next())
}

/// Reads the inspections of one compound, or of all, oldest first.
pub(crate) async fn read_inspections<C: GenericClient>(
    client: &C,
    location: &str,
    compound: Option<Id>,
) -> Result<Vec<Inspection>> {
    let rows = query(
        client,
        location,
        "reading inspections",
        queries::INSPECTIONS,
        &[&compound],
    )
    .await?;
    map_rows(location, "inspections", &rows, inspection)
}

/// Appends inspections, each with the data version that records it, and returns the ids
/// PostgreSQL gave them, in order. One round trip each: inspections come a few at a time.
pub(crate) async fn write_inspections(
    tx: &Transaction<'_>,
    location: &str,
    inspections: &[Inspection],
    version: i64,
) -> Result<Vec<Id>> {
    if inspections.is_empty() {
        return Ok(Vec::new());
    }
    let statement = prepare(
        tx,
        location,
        queries::INSERT_INSPECTION,
        "writing inspections",
    )
    .await?;
    let mut ids = Vec::with_capacity(inspections.len());
    for i in inspections {
        let context = || format!("recording an inspection of compound {}", i.compound);
        let finding = |t: Topic| i.findings.get(t);
        let (ok, note): (Vec<Option<bool>>, Vec<Option<&str>>) = Topic::ALL
            .iter()
            .map(|t| {
                (
                    finding(*t).map(|f| f.ok),
                    finding(*t).map(|f| f.note.as_str()),
                )
            })
            .unzip();
        let suggested = i.suggested_tier.map(Tier::as_str);
        let row = tx
            .query_one(
                &statement,
                &[
                    &i.compound,
                    &i.inspector,
                    &i.role.as_str(),
                    &i.at_ms,
                    &ok[0],
                    &note[0],
                    &ok[1],
                    &note[1],
                    &ok[2],
                    &note[2],
                    &ok[3],
                    &note[3],
                    &ok[4],
                    &note[4],
                    &suggested,
                    &version,
                ],
            )
            .await
            .map_err(pg_error(location, context()))?;
        ids.push(row.try_get(0).map_err(pg_error(location, context()))?);
    }
    Ok(ids)
}

/// Reads a compound's tier changes, oldest first.
pub(crate) async fn read_tier_history<C: GenericClient>(
    client: &C,
    location: &str,
    compound: i64,
) -> Result<Vec<TierChange>> {
    let rows = query(
        client,
        location,
        "reading tier history",
        queries::TIER_HISTORY,
        &[&compound],
    )
    .await?;
    map_rows(location, "tier_changes", &rows, tier_change)
}

/// Reads every tier change, by compound and then oldest first.
pub(crate) async fn read_all_tier_history<C: GenericClient>(
    client: &C,
    location: &str,
) -> Result<Vec<TierChange>> {
    let rows = query(
        client,
        location,
        "reading tier history",
        queries::ALL_TIER_HISTORY,
        &[],
    )
    .await?;
    map_rows(location, "tier_changes", &rows, tier_change)
}

/// Reads one fact about the store from `wangge_meta`.
pub(crate) async fn meta<C: GenericClient>(
    client: &C,
    location: &str,
    key: &str,
) -> Result<Option<String>> {
    let rows = query(
        client,
        location,
        &format!("reading {key}"),
        queries::META_GET,
        &[&key],
    )
    .await?;
    rows.first()
        .map(|r| {
            r.try_get(0)
                .map_err(|e| corrupt(location, "wangge_meta", 0, format!("{key}: {e}")))
        })
        .transpose()
}

/// Parses the data version as `wangge_meta` holds it.
pub(crate) fn parse_version(location: &str, text: Option<String>) -> Result<u64> {
    let text = text.unwrap_or_else(|| "0".into());
    text.parse().map_err(|_| {
        corrupt(
            location,
            "wangge_meta",
            0,
            format!("data_version `{text}` is not a number"),
        )
    })
}

/// Reads everything, with the layers in id order. Run inside one transaction, so that the layers
/// agree with each other; the reads are pipelined.
pub(crate) async fn load<C: GenericClient>(client: &C, location: &str) -> Result<Dataset> {
    let (
        levels,
        zones,
        compounds,
        buildings,
        streets,
        chiefs,
        duties,
        partners,
        attribution,
        cadences,
        schedules,
    ) = tokio::try_join!(
        read_levels(client, location),
        read_zones(client, location, queries::FILTER_ALL, &[]),
        read_compounds(client, location, queries::FILTER_ALL, &[]),
        read_buildings(client, location, queries::FILTER_ALL, &[]),
        read_streets(client, location, queries::FILTER_ALL, &[]),
        read_chiefs(client, location),
        read_duties(client, location),
        read_partners(client, location),
        meta(client, location, "attribution"),
        meta(client, location, "cadences"),
        meta(client, location, "visit_schedules"),
    )?;
    Ok(Dataset {
        levels,
        cadences: wangge_store::setting_of(location, "inspection cadences", cadences)?,
        visit_schedules: wangge_store::setting_of(location, "visit schedules", schedules)?,
        zones,
        compounds,
        buildings,
        streets,
        chiefs,
        duties,
        partners,
        // One credit per line, empty lines dropped, exactly as the GeoPackage backend reads it.
        attribution: attribution
            .map(|text| {
                text.lines()
                    .map(str::to_owned)
                    .filter(|l| !l.is_empty())
                    .collect()
            })
            .unwrap_or_default(),
    })
}

/// Converts a count to the signed column type, refusing what does not fit instead of wrapping.
pub(crate) fn signed<T>(location: &str, table: &str, id: i64, column: &str, value: T) -> Result<i64>
where
    T: Copy + std::fmt::Display + TryInto<i64>,
{
    value.try_into().map_err(|_| {
        corrupt(
            location,
            table,
            id,
            format!("{column} {value} is too large to store"),
        )
    })
}

/// Encodes a geometry for writing, naming the row when it cannot be.
pub(crate) fn encoded(
    location: &str,
    table: &str,
    id: i64,
    hex: Result<String, String>,
) -> Result<String> {
    hex.map_err(|problem| corrupt(location, table, id, problem))
}

/// Prepares a statement on the transaction's connection, cached there.
pub(crate) async fn prepare(
    tx: &Transaction<'_>,
    location: &str,
    sql: &str,
    context: &str,
) -> Result<tokio_postgres::Statement> {
    tx.prepare_cached(sql)
        .await
        .map_err(pg_error(location, context))
}

/// Inserts or replaces zones.
pub(crate) async fn write_zones(
    tx: &Transaction<'_>,
    location: &str,
    zones: &[Zone],
) -> Result<()> {
    if zones.is_empty() {
        return Ok(());
    }
    let statement = prepare(tx, location, queries::UPSERT_ZONE, "writing zones").await?;
    let rows = zones
        .iter()
        .map(|z| {
            let t = z.totals;
            let count = |column, value| signed(location, "zones", z.id, column, value);
            Ok((
                z,
                [
                    count("households", t.households)?,
                    count("population", t.population)?,
                    count("buildings", t.buildings)?,
                    count("compounds", t.compounds)?,
                ],
                encoded(
                    location,
                    "zones",
                    z.id,
                    geom::encode_multipolygon(&z.geometry),
                )?,
            ))
        })
        .collect::<Result<Vec<_>>>()?;
    let statement = &statement;
    pipelined(
        rows.iter()
            .map(|(z, t, geometry)| -> Pending<'_> {
                Box::pin(async move {
                    tx.execute(
                        statement,
                        &[
                            &z.id, &z.code, &z.name, &z.level, &z.parent, &t[0], &t[1], &t[2],
                            &t[3], geometry,
                        ],
                    )
                    .await
                    .map_err(pg_error(
                        location,
                        format!("writing zone {} ({})", z.code, z.id),
                    ))
                })
            })
            .collect(),
    )
    .await
}

/// Inserts or replaces compounds.
pub(crate) async fn write_compounds(
    tx: &Transaction<'_>,
    location: &str,
    compounds: &[Compound],
) -> Result<()> {
    if compounds.is_empty() {
        return Ok(());
    }
    let statement = prepare(tx, location, queries::UPSERT_COMPOUND, "writing compounds").await?;
    let rows = compounds
        .iter()
        .map(|c| {
            Ok((
                c,
                c.stars.map(i16::from),
                encoded(
                    location,
                    "compounds",
                    c.id,
                    geom::encode_multipolygon(&c.geometry),
                )?,
            ))
        })
        .collect::<Result<Vec<_>>>()?;
    let statement = &statement;
    pipelined(
        rows.iter()
            .map(|(c, stars, geometry)| -> Pending<'_> {
                Box::pin(async move {
                    tx.execute(
                        statement,
                        &[
                            &c.id,
                            &c.code,
                            &c.name,
                            &c.kind.as_str(),
                            &c.management.as_str(),
                            &c.tier.as_str(),
                            stars,
                            &c.source_id,
                            geometry,
                        ],
                    )
                    .await
                    .map_err(pg_error(
                        location,
                        format!("writing compound {} ({})", c.code, c.id),
                    ))
                })
            })
            .collect(),
    )
    .await
}

/// Inserts or replaces buildings.
pub(crate) async fn write_buildings(
    tx: &Transaction<'_>,
    location: &str,
    buildings: &[Building],
) -> Result<()> {
    if buildings.is_empty() {
        return Ok(());
    }
    let statement = prepare(tx, location, queries::UPSERT_BUILDING, "writing buildings").await?;
    let rows = buildings
        .iter()
        .map(|b| {
            Ok((
                b,
                [i32::from(b.floors), i32::from(b.units)],
                [i64::from(b.households), i64::from(b.population)],
                encoded(
                    location,
                    "buildings",
                    b.id,
                    geom::encode_multipolygon(&b.geometry),
                )?,
            ))
        })
        .collect::<Result<Vec<_>>>()?;
    let statement = &statement;
    pipelined(
        rows.iter()
            .map(|(b, small, big, geometry)| -> Pending<'_> {
                Box::pin(async move {
                    tx.execute(
                        statement,
                        &[
                            &b.id,
                            &b.source_id,
                            &b.name,
                            &b.address,
                            &b.compound,
                            &small[0],
                            &small[1],
                            &big[0],
                            &big[1],
                            &b.height_m,
                            &b.estimated,
                            geometry,
                        ],
                    )
                    .await
                    .map_err(pg_error(location, format!("writing building {}", b.id)))
                })
            })
            .collect(),
    )
    .await
}

/// Inserts or replaces street segments.
pub(crate) async fn write_streets(
    tx: &Transaction<'_>,
    location: &str,
    streets: &[StreetSegment],
) -> Result<()> {
    if streets.is_empty() {
        return Ok(());
    }
    let statement = prepare(tx, location, queries::UPSERT_STREET, "writing streets").await?;
    let rows = streets
        .iter()
        .map(|s| {
            Ok((
                s,
                encoded(
                    location,
                    "streets",
                    s.id,
                    geom::encode_linestring(&s.geometry),
                )?,
            ))
        })
        .collect::<Result<Vec<_>>>()?;
    let statement = &statement;
    pipelined(
        rows.iter()
            .map(|(s, geometry)| -> Pending<'_> {
                Box::pin(async move {
                    tx.execute(
                        statement,
                        &[&s.id, &s.source_id, &s.name, &s.class.as_str(), geometry],
                    )
                    .await
                    .map_err(pg_error(location, format!("writing street {}", s.id)))
                })
            })
            .collect(),
    )
    .await
}

/// Inserts or replaces chiefs.
pub(crate) async fn write_chiefs(
    tx: &Transaction<'_>,
    location: &str,
    chiefs: &[Chief],
) -> Result<()> {
    if chiefs.is_empty() {
        return Ok(());
    }
    let statement = prepare(tx, location, queries::UPSERT_CHIEF, "writing chiefs").await?;
    let statement = &statement;
    pipelined(
        chiefs
            .iter()
            .map(|c| -> Pending<'_> {
                Box::pin(async move {
                    tx.execute(
                        statement,
                        &[
                            &c.id,
                            &c.name,
                            &c.role.as_str(),
                            &c.phone,
                            &c.community,
                            &c.level.map(|l| l.as_str()),
                        ],
                    )
                    .await
                    .map_err(pg_error(
                        location,
                        format!("writing chief {} ({})", c.name, c.id),
                    ))
                })
            })
            .collect(),
    )
    .await
}

/// Appends tier changes, each with the data version the change produced.
pub(crate) async fn write_tier_changes(
    tx: &Transaction<'_>,
    location: &str,
    changes: &[TierChange],
    version: i64,
) -> Result<()> {
    if changes.is_empty() {
        return Ok(());
    }
    let statement = prepare(
        tx,
        location,
        queries::INSERT_TIER_CHANGE,
        "writing tier changes",
    )
    .await?;
    let statement = &statement;
    pipelined(
        changes
            .iter()
            .map(|c| -> Pending<'_> {
                Box::pin(async move {
                    tx.execute(
                        statement,
                        &[
                            &c.compound,
                            &c.from.as_str(),
                            &c.to.as_str(),
                            &c.reason,
                            &c.by,
                            &c.at_ms,
                            &version,
                        ],
                    )
                    .await
                    .map_err(pg_error(
                        location,
                        format!("recording the tier change of compound {}", c.compound),
                    ))
                })
            })
            .collect(),
    )
    .await
}
