//! One function per subcommand: resolve the arguments, open the store, call the libraries.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, Result, anyhow, bail};
use serde_json::json;
use wangge_core::{Atlas, AuditAction, ChangeSet, Dataset, Layer, Stats};
use wangge_import::{Crs, ImportOptions, InputLayer, Progress};
use wangge_server::{AppState, ServerOptions};
use wangge_store::{GpkgStore, Store};
use wangge_store_postgis::{ConnectOptions, PostgisStore};

use crate::args::{Command, Database, ExportLayer, LayerArg, UserCommand, Web};
use crate::audit::{change_counts, counts_text, entry};
use crate::problems::import_hotline;
use crate::progress::Bar;

/// Runs one subcommand.
pub async fn run(command: Command) -> Result<()> {
    match command {
        Command::Demo {
            db,
            database_url,
            addr,
            no_serve,
            web,
        } => {
            let location = match database_url {
                Some(url) => Location::Url {
                    url,
                    schema: "wangge".into(),
                },
                None => Location::File(db),
            };
            let store = demo(&location).await?;
            if no_serve {
                return Ok(());
            }
            serve(store, addr, web).await
        }
        Command::Import {
            database,
            crs,
            layer,
            fields,
            repair,
            source_layer,
            level,
            attribution,
            skip_unlocated,
            inputs,
        } => {
            let crs = crs.parse::<Crs>().map_err(|e| anyhow!(e))?;
            if layer == Some(LayerArg::Hotline) {
                return import_hotline(&Location::of(database)?, crs, skip_unlocated, &inputs)
                    .await;
            }
            if skip_unlocated {
                bail!("--skip-unlocated is for hotline work orders: add --layer hotline");
            }
            if let Some(layer @ (LayerArg::KeySites | LayerArg::Vulnerable)) = layer {
                return import_targets(&Location::of(database)?, layer, &inputs).await;
            }
            let options = ImportOptions {
                layer: layer.and_then(input_layer),
                crs,
                fields: parse_fields(&fields)?,
                repair,
                source_layer,
                zone_level: level,
                attribution,
            };
            import(&Location::of(database)?, &options, &inputs).await
        }
        Command::Stats { database, json } => stats(&Location::of(database)?, json).await,
        Command::Check { database, json } => check(&Location::of(database)?, json).await,
        Command::Partition {
            database,
            zone,
            level,
            households,
            seed,
            json,
        } => {
            partition(
                &Location::of(database)?,
                zone,
                level,
                households.as_deref(),
                seed,
                json,
            )
            .await
        }
        Command::Export {
            database,
            layer,
            out,
        } => export(&Location::of(database)?, layer, &out).await,
        Command::Serve {
            database,
            addr,
            web,
        } => {
            let store = Location::of(database)?.open(false).await?;
            serve(store, addr, web).await
        }
        Command::Board {
            database,
            compound,
            zone,
            out,
            format,
            lang,
        } => {
            board(
                &Location::of(database)?,
                compound.as_deref(),
                zone.as_deref(),
                &out,
                &format,
                &lang,
            )
            .await
        }
        Command::Render {
            database,
            zone,
            out,
            width,
            lang,
        } => {
            render(
                &Location::of(database)?,
                zone.as_deref(),
                &out,
                width,
                &lang,
            )
            .await
        }
        Command::Assign {
            database,
            zone,
            seed,
            spread,
            per_household,
            per_street_km,
            json,
        } => {
            let options = wangge_assign::AssignOptions {
                weights: wangge_assign::Weights {
                    per_household,
                    per_street_km,
                },
                spread,
                seed,
                scope: None,
            };
            assign(&Location::of(database)?, zone.as_deref(), options, json).await
        }
        Command::Reassign {
            database,
            chief,
            buildings,
            streets,
            level,
            json,
        } => {
            reassign(
                &Location::of(database)?,
                chief,
                &buildings,
                &streets,
                level.as_deref(),
                json,
            )
            .await
        }
        Command::Cadences {
            database,
            set,
            visit,
            file,
            json,
        } => {
            cadences(
                &Location::of(database)?,
                &set,
                &visit,
                file.as_deref(),
                json,
            )
            .await
        }
        Command::Levels {
            database,
            set,
            clear,
            file,
            json,
        } => {
            levels(
                &Location::of(database)?,
                &set,
                &clear,
                file.as_deref(),
                json,
            )
            .await
        }
        Command::Tier {
            database,
            compound,
            set,
            reason,
            by,
        } => tier(&Location::of(database)?, &compound, &set, &reason, by).await,
        Command::History {
            database,
            compound,
            json,
        } => history(&Location::of(database)?, &compound, json).await,
        Command::Inspect {
            database,
            compound,
            by,
            role,
            at,
            rentals,
            sanitation,
            public_order,
            fire_safety,
            epidemic,
            suggest,
            photo,
        } => {
            let findings = [
                (wangge_core::Topic::Rentals, rentals),
                (wangge_core::Topic::Sanitation, sanitation),
                (wangge_core::Topic::PublicOrder, public_order),
                (wangge_core::Topic::FireSafety, fire_safety),
                (wangge_core::Topic::Epidemic, epidemic),
            ];
            inspect(
                &Location::of(database)?,
                InspectArgs {
                    code: &compound,
                    by: &by,
                    role: &role,
                    at: at.as_deref(),
                    findings,
                    suggest: suggest.as_deref(),
                    photo: photo.as_deref(),
                },
            )
            .await
        }
        Command::Due {
            database,
            zone,
            overdue,
            json,
        } => due(&Location::of(database)?, zone.as_deref(), overdue, json).await,
        Command::Visit {
            database,
            chief,
            target,
            by,
            note,
            households_seen,
            at,
        } => {
            let draft = VisitDraft {
                chief,
                target,
                by: by.unwrap_or_default(),
                note,
                households_seen,
                at,
            };
            visit(&Location::of(database)?, draft).await
        }
        Command::Tasks {
            database,
            chief,
            date,
            summary,
            zone,
            json,
        } => {
            let location = Location::of(database)?;
            match chief {
                Some(chief) if !summary => tasks(&location, chief, date.as_deref(), json).await,
                _ => task_summary(&location, zone.as_deref(), date.as_deref(), json).await,
            }
        }
        Command::Migrate {
            from,
            database_url,
            schema,
        } => migrate(&from, &database_url, &schema).await,
        Command::User { action } => user(action).await,
        Command::Audit {
            database,
            since,
            until,
            actor,
            action,
            target,
            limit,
            newest_first,
            format,
            out,
        } => {
            let query = crate::audit::AuditQuery {
                since,
                until,
                actor,
                action,
                target,
                limit,
                newest_first,
                format,
                out,
            };
            crate::audit::audit(&Location::of(database)?, query).await
        }
        Command::Problem { action } => crate::problems::problem(action).await,
        Command::Escalate {
            database,
            now,
            limits,
            json,
        } => {
            crate::problems::escalate(&Location::of(database)?, now.as_deref(), &limits, json).await
        }
    }
}

/// Fonts with Chinese glyphs for rendered maps, tried in order after $WANGGE_FONT.
const FONT_CANDIDATES: &[&str] = &[
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Medium.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
];

/// A font for map text: $WANGGE_FONT, else the first CJK font found on the system.
fn find_font() -> Option<Arc<Vec<u8>>> {
    let from_env = std::env::var_os("WANGGE_FONT").map(PathBuf::from);
    let font = from_env
        .into_iter()
        .chain(FONT_CANDIDATES.iter().map(PathBuf::from))
        .find_map(|p| std::fs::read(&p).ok())
        .map(Arc::new);
    if font.is_none() {
        tracing::warn!(
            "no CJK font found (install fonts-noto-cjk or set WANGGE_FONT); map legends will have no text"
        );
    }
    font
}

/// The web front end: the given directory, else ./web/dist when it has been built.
fn web_dir(given: Option<PathBuf>) -> Option<PathBuf> {
    let dir = given.or_else(|| Some(PathBuf::from("web/dist")))?;
    if dir.join("index.html").is_file() {
        Some(dir)
    } else {
        eprintln!(
            "note: no web front end at {} (build it with `make web`); serving the API and a plain page",
            dir.display()
        );
        None
    }
}

async fn render(
    path: &Location,
    zone: Option<&str>,
    out: &Path,
    width: u32,
    lang: &str,
) -> Result<()> {
    let lang = match lang {
        "zh" | "zh-CN" => wangge_tiles::Lang::Zh,
        "en" => wangge_tiles::Lang::En,
        other => bail!("--lang {other}: use zh or en"),
    };
    let atlas = Atlas::new(load(path).await?);
    let (area, title) = match zone {
        Some(code) => {
            let z = atlas.zone_by_code(code).ok_or_else(|| {
                anyhow!("no zone has code {code}; `wangge export --layer zones -` lists them")
            })?;
            (
                geo::BoundingRect::bounding_rect(&z.geometry),
                z.name.clone(),
            )
        }
        None => (
            None,
            atlas
                .data()
                .main_zone()
                .map_or_else(|| "wangge".into(), |z| z.name.clone()),
        ),
    };
    let options = wangge_tiles::RenderOptions {
        width,
        font: find_font(),
        lang,
        attribution: (!atlas.data().attribution.is_empty())
            .then(|| atlas.data().attribution.join(" · ")),
    };
    let png = wangge_tiles::render_png(&atlas, area, &title, &options)?;
    std::fs::write(out, &png).with_context(|| format!("cannot write {}", out.display()))?;
    eprintln!("wrote {} ({} bytes)", out.display(), png.len());
    Ok(())
}

/// `wangge board`: the gate notice board of one compound, or of every compound in a zone.
async fn board(
    path: &Location,
    compound: Option<&str>,
    zone: Option<&str>,
    out: &Path,
    format: &str,
    lang: &str,
) -> Result<()> {
    let lang = match lang {
        "zh" | "zh-CN" => wangge_tiles::Lang::Zh,
        "en" => wangge_tiles::Lang::En,
        other => bail!("--lang {other}: use zh or en"),
    };
    let store = path.open(false).await?;
    let atlas = Atlas::new(store.load().await?);
    let inspections = store.inspections(None).await?;
    let cadences = atlas.data().cadences;
    let now = jiff::Timestamp::now().as_millisecond();
    let write = |c: &wangge_core::Compound, file: &Path, png: bool| -> Result<usize> {
        let board = wangge_server::board::board_of(&atlas, c, &inspections, &cadences, now)?;
        let bytes = if png {
            let font = find_font();
            wangge_tiles::board_png(&board, font.as_deref().map(Vec::as_slice), lang)?
        } else {
            wangge_tiles::board_html(&board, lang).into_bytes()
        };
        std::fs::write(file, &bytes).with_context(|| format!("cannot write {}", file.display()))?;
        Ok(bytes.len())
    };
    match (compound, zone) {
        (Some(code), _) => {
            let c = atlas.compound_by_code(code).ok_or_else(|| {
                anyhow!(
                    "no compound has code {code}; `wangge export --layer compounds -` lists them"
                )
            })?;
            let png = match out.extension().and_then(|e| e.to_str()) {
                Some("png") => true,
                Some("html" | "htm") => false,
                _ => bail!("--out {}: name a .html or a .png file", out.display()),
            };
            let n = write(c, out, png)?;
            eprintln!("wrote {} ({n} bytes)", out.display());
        }
        (None, Some(code)) => {
            let png = match format {
                "png" => true,
                "html" => false,
                other => bail!("--format {other}: use html or png"),
            };
            let z = atlas.zone_by_code(code).ok_or_else(|| {
                anyhow!("no zone has code {code}; `wangge export --layer zones -` lists them")
            })?;
            std::fs::create_dir_all(out)
                .with_context(|| format!("cannot create the directory {}", out.display()))?;
            let mut written = 0;
            for c in &atlas.data().compounds {
                let inside = geo::InteriorPoint::interior_point(&c.geometry)
                    .is_some_and(|p| geo::Covers::covers(&z.geometry, &p));
                if inside {
                    let file = out.join(format!("{}.{}", c.code, if png { "png" } else { "html" }));
                    write(c, &file, png)?;
                    written += 1;
                }
            }
            eprintln!(
                "wrote {written} boards of {} into {}",
                z.name,
                out.display()
            );
        }
        (None, None) => bail!("name a compound (--compound CODE) or a zone (--zone CODE)"),
    }
    Ok(())
}

/// The importer's layer; hotline work orders are not a layer of the dataset (`None`).
fn input_layer(layer: LayerArg) -> Option<InputLayer> {
    Some(match layer {
        LayerArg::Buildings => InputLayer::Buildings,
        LayerArg::Streets => InputLayer::Streets,
        LayerArg::Compounds => InputLayer::Compounds,
        LayerArg::Communities => InputLayer::Communities,
        LayerArg::Households => InputLayer::Households,
        LayerArg::Chiefs => InputLayer::Chiefs,
        LayerArg::Partners => InputLayer::Partners,
        LayerArg::Hotline | LayerArg::KeySites | LayerArg::Vulnerable => return None,
    })
}

fn parse_fields(fields: &[String]) -> Result<Vec<(String, String)>> {
    fields
        .iter()
        .map(|f| match f.split_once('=') {
            Some((target, source)) if !target.trim().is_empty() && !source.trim().is_empty() => {
                Ok((target.trim().to_string(), source.trim().to_string()))
            }
            _ => bail!("--field {f}: write TARGET=SOURCE, e.g. --field households=HH_CNT"),
        })
        .collect()
}

/// Where the data lives, resolved from the arguments.
#[derive(Debug, Clone)]
pub(crate) enum Location {
    /// A GeoPackage file.
    File(PathBuf),
    /// A PostGIS database and the schema in it.
    Url { url: String, schema: String },
}

impl Location {
    pub(crate) fn of(database: Database) -> Result<Location> {
        match (database.db, database.database_url) {
            (Some(path), _) => Ok(Location::File(path)),
            (None, Some(url)) => Ok(Location::Url {
                url,
                schema: database.schema,
            }),
            (None, None) => bail!(
                "say where the data is: --db FILE.gpkg or --database-url postgres://… (or DATABASE_URL)"
            ),
        }
    }

    /// Opens the store; a missing file is created only when `create` is set.
    pub(crate) async fn open(&self, create: bool) -> Result<Arc<dyn Store>> {
        match self {
            Location::File(path) if create => Ok(Arc::new(GpkgStore::open(path)?)),
            Location::File(path) => Ok(Arc::new(GpkgStore::open_existing(path).with_context(|| {
                format!(
                    "cannot open {}; create it with `wangge import --db {} FILE…` or `wangge demo --db {}`",
                    path.display(),
                    path.display(),
                    path.display()
                )
            })?)),
            Location::Url { url, schema } => {
                let options = ConnectOptions { schema: schema.clone(), ..ConnectOptions::default() };
                Ok(Arc::new(PostgisStore::connect(url, options).await?))
            }
        }
    }
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Location::File(path) => write!(f, "{}", path.display()),
            Location::Url { url, schema } => {
                write!(f, "{} (schema {schema})", wangge_store_postgis::redact(url))
            }
        }
    }
}

async fn load(location: &Location) -> Result<Dataset> {
    Ok(location.open(false).await?.load().await?)
}

/// Copies a GeoPackage into an empty PostGIS database and verifies every layer.
async fn migrate(from: &Path, url: &str, schema: &str) -> Result<()> {
    let source = GpkgStore::open_existing(from)
        .with_context(|| format!("cannot open {}", from.display()))?;
    let options = ConnectOptions {
        schema: schema.to_string(),
        ..ConnectOptions::default()
    };
    let target = PostgisStore::connect(url, options).await?;
    let started = Instant::now();
    let source_version = source.data_version().await?;
    let migrated = entry(AuditAction::Change, format!("store:{schema}"))
        .summary(format!(
            "copied {} (data version {source_version}) into this store",
            from.display()
        ))
        .after(json!({
            "source": source.describe(),
            "source_version": source_version,
            "schema": schema,
        }));
    let report = wangge_store_postgis::migrate_from(&source, &target, &[migrated]).await?;
    println!("{report}");
    if !report.is_exact() {
        bail!(
            "the copy in {} differs from {}; see the table above",
            target.describe(),
            from.display()
        );
    }
    eprintln!(
        "copied {} into {} in {:.1} s; every layer's count and checksum match",
        from.display(),
        target.describe(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Creates the demo database when it is missing or empty; returns the store to serve.
async fn demo(path: &Location) -> Result<Arc<dyn Store>> {
    let store = path.open(true).await?;
    if store.load().await?.zones.is_empty() {
        let started = Instant::now();
        let data = wangge_demo::generate(&wangge_demo::DemoSettings::builtin());
        // The demo ships with its grids: secondary grids and micro-grids, split by the same
        // machinery as `wangge partition`, and checked.
        let bar = Bar::for_stderr();
        let (data, _) = tokio::task::block_in_place(|| {
            wangge_partition::partition_levels(
                &data,
                &wangge_partition::Targets::from(&data.levels),
                1,
                &mut |level, done, total| bar.split_step(level, done, total),
            )
        })?;
        bar.finish();
        let check = wangge_partition::check(&data);
        if !check.is_ok() {
            bail!("the demo's generated grids break an invariant (a bug): {check}");
        }
        // And with its chiefs' duties, assigned as `wangge assign` assigns them.
        let mut data = data;
        let assigned = tokio::task::block_in_place(|| {
            wangge_assign::assign(&data, &[], &wangge_assign::AssignOptions::default())
        })?;
        data.duties = assigned.assignments;
        let stats = Stats::of(&data);
        let changes = ChangeSet::insert_all(&data);
        let counts = change_counts(&Dataset::default(), &changes);
        let created = entry(AuditAction::Import, "dataset:demo")
            .summary(format!(
                "the demo sub-district created: {}",
                counts_text(&counts)
            ))
            .after(json!({ "changes": counts }));
        store.apply(&changes.audited(created)).await?;
        // And with key sites and vulnerable households for the chiefs' visit tasks.
        let targets = wangge_demo::visit_targets(&data, &wangge_demo::DemoSettings::builtin());
        let sites = entry(AuditAction::Import, "layer:key_sites")
            .summary(format!("{} demo key sites", targets.key_sites.len()))
            .after(json!({ "key_sites": targets.key_sites.len() }));
        store
            .replace_key_sites(&targets.key_sites, &[sites])
            .await?;
        let households = entry(AuditAction::Import, "layer:vulnerable")
            .summary(format!(
                "{} demo vulnerable households",
                targets.vulnerable.len()
            ))
            .after(json!({ "vulnerable_households": targets.vulnerable.len() }));
        let vulnerable = store
            .replace_vulnerable(&targets.vulnerable, &[households])
            .await?;
        eprintln!(
            "created the demo sub-district in {} ({} communities, {} secondary grids, {} micro-grids, {} compounds, {} buildings, {} street segments, {} chiefs, {} households, {} key sites, {} vulnerable households) in {:.1} s",
            path,
            stats.zones_by_level.get("community").copied().unwrap_or(0),
            stats.zones_by_level.get("secondary").copied().unwrap_or(0),
            stats.zones_by_level.get("micro").copied().unwrap_or(0),
            stats.layers["compounds"],
            stats.layers["buildings"],
            stats.layers["streets"],
            stats.layers["chiefs"],
            stats.households,
            targets.key_sites.len(),
            vulnerable.len(),
            started.elapsed().as_secs_f64()
        );
        demo_users(store.as_ref(), &data).await?;
    } else {
        eprintln!(
            "using the existing database {path}; sign in with its users (`wangge user list`, \
             `wangge user passwd` to set a password)"
        );
    }
    Ok(store)
}

/// One user of each role for a new demo, each with a random password printed once: nothing can
/// be seen on the map without signing in. The patrol user is the resident chief with the most
/// buildings.
async fn demo_users(store: &dyn Store, data: &wangge_core::Dataset) -> Result<()> {
    use rand::Rng;
    use wangge_core::{DutyKind, Role, User};
    let mut buildings: std::collections::HashMap<wangge_core::Id, usize> = Default::default();
    for d in data
        .duties
        .iter()
        .filter(|d| d.kind == DutyKind::Building && d.level == wangge_core::ChiefLevel::Resident)
    {
        *buildings.entry(d.chief).or_default() += 1;
    }
    let busiest = buildings
        .iter()
        .max_by_key(|&(id, n)| (*n, std::cmp::Reverse(*id)))
        .map(|(id, _)| *id);
    const LETTERS: &[u8] = b"abcdefghijkmnpqrstuvwxyz23456789";
    let mut rng = rand::rng();
    let mut lines = Vec::new();
    for &role in Role::ALL {
        let chief = if role == Role::Patrol {
            match busiest {
                Some(id) => Some(id),
                None => continue,
            }
        } else {
            None
        };
        let password: String = (0..12)
            .map(|_| char::from(LETTERS[rng.random_range(0..LETTERS.len())]))
            .collect();
        let hash = wangge_core::hash_password(&password)?;
        let mut user = User::new(role.as_str(), role, chief, hash);
        user.display_name = format!("演示{}", role.name_zh());
        let added = crate::audit::entry(
            wangge_core::AuditAction::User,
            format!("user:{}", user.username),
        )
        .summary(format!("demo user {} ({})", user.username, role.as_str()))
        .after(
            serde_json::json!({ "username": user.username, "role": role.as_str(), "chief": chief }),
        );
        store.create_user(&user, &[added]).await?;
        lines.push(format!(
            "  {:<8} {:<12} {password}{}",
            role.as_str(),
            role.name_zh(),
            chief.map_or(String::new(), |c| format!("   (street chief {c})"))
        ));
    }
    eprintln!(
        "demo users — sign in as one of them; the passwords are shown only now (change one with \
         `wangge user passwd --name NAME --password-stdin`):\n{}",
        lines.join("\n")
    );
    Ok(())
}

async fn import(location: &Location, options: &ImportOptions, inputs: &[PathBuf]) -> Result<()> {
    let Location::File(path) = location else {
        return import_into(location, options, inputs).await;
    };
    let existed = path.exists();
    let result = import_into(location, options, inputs).await;
    if result.is_err() && !existed {
        // The file was created for this import only; leave nothing behind.
        for suffix in ["", "-wal", "-shm"] {
            let mut name = path.as_os_str().to_owned();
            name.push(suffix);
            let _ = std::fs::remove_file(PathBuf::from(name));
        }
    }
    result
}

async fn import_into(path: &Location, options: &ImportOptions, inputs: &[PathBuf]) -> Result<()> {
    let store = path.open(true).await?;
    let before = store.load().await?;
    let started = Instant::now();
    let progress = Bar::for_stderr();
    let mut data = before.clone();
    let mut warnings = 0;
    for input in inputs {
        let imported = tokio::task::block_in_place(|| {
            wangge_import::import_path(input, &data, options, &progress)
        })
        .map_err(|e| anyhow!("{e}\nnothing was imported"))?;
        eprintln!("{}", imported.report);
        warnings += imported.report.warnings.len();
        data = imported.data;
    }
    let changes = ChangeSet::diff(&before, &data);
    // A street chief who signs in as a patrol user cannot be removed under them: say who, and
    // what to do, rather than let the store refuse a reference.
    if !changes.delete_chiefs.is_empty() {
        let stranded: Vec<String> = store
            .users()
            .await?
            .into_iter()
            .filter_map(|u| {
                let chief = u.chief.filter(|c| changes.delete_chiefs.contains(c))?;
                let name = before
                    .chiefs
                    .iter()
                    .find(|c| c.id == chief)
                    .map_or(String::new(), |c| format!(" ({})", c.name));
                Some(format!(
                    "user `{}` is street chief {chief}{name}",
                    u.username
                ))
            })
            .collect();
        if !stranded.is_empty() {
            bail!(
                "the import removes street chiefs that users sign in as: {}; give each such user \
                 another chief (`wangge user role --name NAME --role patrol --chief ID`) or keep \
                 the chief in the roster, then import again; nothing was imported",
                stranded.join("; ")
            );
        }
    }
    let counts = change_counts(&before, &changes);
    let layer = match options.layer {
        Some(layer) => layer.to_string(),
        None => counts
            .as_object()
            .map(|m| m.keys().cloned().collect::<Vec<_>>().join(","))
            .filter(|names| !names.is_empty())
            .unwrap_or_else(|| "none".into()),
    };
    let files: Vec<String> = inputs.iter().map(|p| p.display().to_string()).collect();
    let imported = entry(AuditAction::Import, format!("layer:{layer}"))
        .summary(format!("{}: {}", files.join(", "), counts_text(&counts)))
        .after(json!({ "files": files, "changes": counts, "warnings": warnings }));
    let applied = store
        .apply(&changes.audited(imported))
        .await
        .context("writing the import; nothing was imported")?;
    eprintln!(
        "imported {} file(s) into {} in {:.1} s: data version {}, {} warning(s)",
        inputs.len(),
        path,
        started.elapsed().as_secs_f64(),
        applied.version,
        warnings
    );
    Ok(())
}

async fn stats(path: &Location, json: bool) -> Result<()> {
    let data = load(path).await?;
    let stats = Stats::of(&data);
    let mut out = std::io::stdout().lock();
    if json {
        serde_json::to_writer_pretty(&mut out, &stats)?;
        writeln!(out)?;
        return Ok(());
    }
    writeln!(out, "{path}")?;
    writeln!(out, "layers:")?;
    for (layer, n) in &stats.layers {
        writeln!(out, "  {layer:<12} {n:>8}")?;
    }
    writeln!(out, "zones by level:")?;
    for level in &data.levels.levels {
        let n = stats.zones_by_level.get(&level.key).copied().unwrap_or(0);
        writeln!(out, "  {:<12} {n:>8}  {}", level.key, level.name_zh)?;
    }
    writeln!(out, "compounds by tier:")?;
    for tier in wangge_core::Tier::ALL {
        writeln!(
            out,
            "  {:<12} {:>8}  {}",
            tier.as_str(),
            stats.compounds_by_tier[tier.as_str()],
            tier.name_zh()
        )?;
    }
    writeln!(out, "households   {:>10}", stats.households)?;
    writeln!(out, "population   {:>10}", stats.population)?;
    if stats.estimated_buildings > 0 {
        writeln!(
            out,
            "({} buildings have estimated households)",
            stats.estimated_buildings
        )?;
    }
    Ok(())
}

/// Prints the invariant report; any violation makes the command fail, so scripts see it.
async fn check(path: &Location, json: bool) -> Result<()> {
    let data = load(path).await?;
    let report = wangge_partition::check(&data);
    let mut out = std::io::stdout().lock();
    if json {
        serde_json::to_writer_pretty(&mut out, &report)?;
        writeln!(out)?;
    } else {
        writeln!(out, "{path}")?;
        writeln!(out, "{report}")?;
    }
    if !report.is_ok() {
        bail!(
            "{path}: {} zone invariants are violated",
            report.violations.len()
        );
    }
    Ok(())
}

/// `MIN..MAX` households.
fn parse_bounds(text: &str) -> Result<wangge_partition::Bounds> {
    let parsed = text
        .split_once("..")
        .and_then(|(a, b)| Some((a.trim().parse::<u64>().ok()?, b.trim().parse::<u64>().ok()?)));
    match parsed {
        Some((min, max)) if min <= max && max > 0 => Ok(wangge_partition::Bounds { min, max }),
        _ => bail!("--households {text}: write MIN..MAX with MIN ≤ MAX, e.g. 300..500"),
    }
}

/// Splits zones into grids (one level, or every level with a target), writes them in one
/// transaction, reports their quality, and refuses to leave the store with any invariant broken.
async fn partition(
    location: &Location,
    zone: Option<String>,
    level: Option<String>,
    households: Option<&str>,
    seed: u64,
    json: bool,
) -> Result<()> {
    if households.is_some() && level.is_none() {
        bail!(
            "--households sets the range of one level; say which with --level (e.g. --level secondary)"
        );
    }
    let store = location.open(false).await?;
    let before = store.load().await?;
    // The targets are the store's level configuration (see `wangge levels`).
    let targets = wangge_partition::Targets::from(&before.levels);
    let levels: Vec<String> = match level {
        Some(level) => vec![level],
        None => before
            .levels
            .levels
            .iter()
            .filter(|l| targets.of(&l.key).is_some())
            .map(|l| l.key.clone())
            .collect(),
    };
    let mut data = before.clone();
    let mut reports = Vec::new();
    for level in levels {
        let bounds = match households {
            Some(text) => parse_bounds(text)?,
            None => targets.of(&level).ok_or_else(|| {
                anyhow::anyhow!(
                    "level `{level}` has no household target; give --households MIN..MAX, or \
                     set one with `wangge levels --set {level}=MIN..MAX`"
                )
            })?,
        };
        let request = wangge_partition::PartitionRequest {
            level: level.clone(),
            scope: zone.clone(),
            options: wangge_partition::SplitOptions {
                bounds,
                seed,
                ..Default::default()
            },
        };
        let bar = Bar::for_stderr();
        let result = tokio::task::block_in_place(|| {
            wangge_partition::partition_observed(
                &data,
                &request,
                &std::collections::HashSet::new(),
                &mut |done, total| bar.split_step(&level, done, total),
            )
        })?;
        bar.finish();
        data = result.data;
        reports.push(result.report);
    }
    // Check before writing: a plan that breaks an invariant is never stored.
    let check = wangge_partition::check(&data);
    if !check.is_ok() {
        bail!(
            "the plan breaks {} zone invariants; nothing was written\n{check}",
            check.violations.len()
        );
    }
    let changes = ChangeSet::diff(&before, &data);
    let counts = change_counts(&before, &changes);
    let levels: Vec<&str> = reports.iter().map(|r| r.level.as_str()).collect();
    let partitioned = entry(
        AuditAction::Change,
        format!("zone:{}", zone.as_deref().unwrap_or("all")),
    )
    .summary(format!(
        "grids of {} (seed {seed}): {}",
        levels.join(", "),
        counts_text(&counts)
    ))
    .after(json!({ "levels": levels, "seed": seed, "households": households, "changes": counts }));
    let applied = store.apply(&changes.audited(partitioned)).await?;
    let mut out = std::io::stdout().lock();
    if json {
        // One level: its report (as before); several: a list.
        if reports.len() == 1 {
            serde_json::to_writer_pretty(&mut out, &reports[0])?;
        } else {
            serde_json::to_writer_pretty(&mut out, &reports)?;
        }
        writeln!(out)?;
    } else {
        for report in &reports {
            writeln!(out, "{report}")?;
        }
    }
    eprintln!(
        "wrote the plan to {location}: data version {}; every invariant holds",
        applied.version
    );
    Ok(())
}

async fn export(path: &Location, layer: ExportLayer, out: &Path) -> Result<()> {
    let layer = match layer {
        ExportLayer::Zones => Layer::Zones,
        ExportLayer::Compounds => Layer::Compounds,
        ExportLayer::Buildings => Layer::Buildings,
        ExportLayer::Streets => Layer::Streets,
        ExportLayer::Duties => {
            let atlas = Atlas::new(load(path).await?);
            let count = atlas.data().duties.len();
            write_out(out, |w| write_duties_csv(&atlas, w))?;
            if out != Path::new("-") {
                eprintln!("wrote {count} duties to {}", out.display());
            }
            return Ok(());
        }
        ExportLayer::Partners => {
            let data = load(path).await?;
            let count = data.partners.len();
            write_out(out, |w| write_partners_csv(&data, w))?;
            if out != Path::new("-") {
                eprintln!("wrote {count} partner departments to {}", out.display());
            }
            return Ok(());
        }
    };
    let atlas = Atlas::new(load(path).await?);
    let collection = wangge_server::wire::layer_collection(&atlas, layer);
    let count = collection["features"].as_array().map_or(0, Vec::len);
    write_out(out, |w| {
        serde_json::to_writer(&mut *w, &collection)?;
        writeln!(w)?;
        Ok(())
    })?;
    if out != Path::new("-") {
        eprintln!("wrote {count} {layer} to {}", out.display());
    }
    Ok(())
}

/// Writes to stdout (`-`) or to a file, beside the target and renamed at the end, so that a
/// failed export never leaves half a file.
pub(crate) fn write_out(
    out: &Path,
    write: impl FnOnce(&mut dyn Write) -> Result<()>,
) -> Result<()> {
    if out == Path::new("-") {
        let mut stdout = std::io::stdout().lock();
        return write(&mut stdout);
    }
    let mut partial = out.as_os_str().to_owned();
    partial.push(".partial");
    let partial = PathBuf::from(partial);
    let file = std::fs::File::create(&partial)
        .with_context(|| format!("cannot create {}", partial.display()))?;
    let mut writer = std::io::BufWriter::new(file);
    write(&mut writer)?;
    writer.flush()?;
    drop(writer);
    std::fs::rename(&partial, out).with_context(|| format!("cannot write {}", out.display()))?;
    Ok(())
}

/// The duties as CSV, one line per building or street and chief level, with what a person needs
/// to read it: the building's or street's name, its compound, the chief's name and phone.
fn write_duties_csv(atlas: &Atlas, out: &mut dyn Write) -> Result<()> {
    use wangge_core::DutyKind;
    let data = atlas.data();
    let buildings: std::collections::HashMap<_, _> =
        data.buildings.iter().map(|b| (b.id, b)).collect();
    let streets: std::collections::HashMap<_, _> = data.streets.iter().map(|s| (s.id, s)).collect();
    let mut duties = data.duties.clone();
    duties.sort_by_key(wangge_core::Assignment::key);
    let mut csv = csv::Writer::from_writer(out);
    csv.write_record([
        "kind",
        "target",
        "name",
        "compound",
        "level",
        "level_name",
        "chief_id",
        "chief_name",
        "chief_phone",
        "community",
        "fixed",
    ])?;
    for d in &duties {
        let (name, compound) = match d.kind {
            DutyKind::Building => {
                let b = buildings.get(&d.target);
                (
                    b.and_then(|b| b.name.clone().or_else(|| b.address.clone())),
                    b.and_then(|b| b.compound)
                        .and_then(|c| atlas.compound(c))
                        .map(|c| c.code.clone()),
                )
            }
            DutyKind::Street => (streets.get(&d.target).and_then(|s| s.name.clone()), None),
        };
        let chief = atlas.chief(d.chief);
        let community = chief
            .and_then(|c| c.community)
            .and_then(|z| atlas.zone(z))
            .map(|z| z.code.clone());
        csv.write_record([
            d.kind.key().to_string(),
            d.target.to_string(),
            name.unwrap_or_default(),
            compound.unwrap_or_default(),
            d.level.as_str().to_string(),
            d.level.name_zh().to_string(),
            d.chief.to_string(),
            chief.map(|c| c.name.clone()).unwrap_or_default(),
            chief.map(|c| c.phone.clone()).unwrap_or_default(),
            community.unwrap_or_default(),
            d.fixed.to_string(),
        ])?;
    }
    csv.flush()?;
    Ok(())
}

/// The partner departments as CSV, by street and department, in the columns `wangge import
/// --layer partners` reads back (plus the department's key and Chinese label, and the id).
fn write_partners_csv(data: &wangge_core::Dataset, out: &mut dyn Write) -> Result<()> {
    let mut partners: Vec<&wangge_core::StreetPartner> = data.partners.iter().collect();
    partners.sort_by(|a, b| {
        (&a.street, a.department, a.display_name(), a.id).cmp(&(
            &b.street,
            b.department,
            b.display_name(),
            b.id,
        ))
    });
    let mut csv = csv::Writer::from_writer(out);
    csv.write_record([
        "street",
        "department",
        "department_name_zh",
        "department_name",
        "contact",
        "phone",
        "note",
        "id",
    ])?;
    for p in partners {
        csv.write_record([
            p.street.as_str(),
            p.department.as_str(),
            p.department.name_zh(),
            p.department_name.as_deref().unwrap_or_default(),
            p.contact.as_str(),
            p.phone.as_str(),
            p.note.as_deref().unwrap_or_default(),
            &p.id.to_string(),
        ])?;
    }
    csv.flush()?;
    Ok(())
}

async fn serve(store: Arc<dyn Store>, addr: std::net::SocketAddr, web: Web) -> Result<()> {
    let description = store.describe();
    let options = ServerOptions {
        web_dir: web_dir(web.web),
        font: find_font(),
        tile_cache_entries: Some(web.tile_cache),
        problem_limits: wangge_core::ProblemLimits::default(),
        escalation_every: Some(std::time::Duration::from_secs(60)),
        secure_cookies: web.secure_cookies,
    };
    let state = AppState::load(store, options).await?;
    let snapshot = state.snapshot();
    eprintln!(
        "serving {description} (data version {}, {} compounds) on http://{addr}/ — Ctrl-C stops",
        snapshot.version,
        snapshot.atlas.data().compounds.len()
    );
    wangge_server::serve(state, addr).await?;
    Ok(())
}

/// Changes a compound's tier through the store (servers on a shared PostGIS hear of it).
async fn tier(
    location: &Location,
    code: &str,
    set: &str,
    reason: &str,
    by: Option<String>,
) -> Result<()> {
    let to = wangge_core::Tier::parse(set)?;
    let by = by
        .or_else(|| std::env::var("USER").ok())
        .unwrap_or_default();
    let store = location.open(false).await?;
    let data = store.load().await?;
    let at_ms = jiff::Timestamp::now().as_millisecond();
    let changes = wangge_core::tier_change(&data, code, to, reason, &by, at_ms)?;
    let from = changes.tier_changes[0].from;
    let changed = entry(AuditAction::Tier, format!("compound:{code}"))
        .summary(format!("{} → {}: {reason}", from.name_zh(), to.name_zh()))
        .before(json!({ "tier": from.as_str() }))
        .after(json!({ "tier": to.as_str(), "reason": reason, "by": by }));
    let applied = store.apply(&changes.audited(changed)).await?;
    eprintln!(
        "compound {code}: {} → {} ({} → {}), data version {}",
        from.as_str(),
        to.as_str(),
        from.name_zh(),
        to.name_zh(),
        applied.version
    );
    Ok(())
}

/// Assigns buildings and streets to chiefs, writes the duties in one transaction and reports.
async fn assign(
    location: &Location,
    zone: Option<&str>,
    mut options: wangge_assign::AssignOptions,
    json: bool,
) -> Result<()> {
    let store = location.open(false).await?;
    let data = store.load().await?;
    if data.chiefs.is_empty() {
        bail!(
            "{} has no street chiefs; import the roster first: wangge import --layer chiefs roster.csv",
            store.describe()
        );
    }
    if let Some(code) = zone {
        let found = data.zones.iter().find(|z| z.code == code);
        options.scope = Some(
            found
                .ok_or_else(|| {
                    anyhow!("no zone with code {code}; `wangge stats` lists the levels")
                })?
                .id,
        );
    }
    let assigned =
        tokio::task::block_in_place(|| wangge_assign::assign(&data, &data.duties, &options))?;
    let new = Dataset {
        duties: assigned.assignments.clone(),
        ..data.clone()
    };
    let changes = ChangeSet::diff(&data, &new);
    let counts = change_counts(&data, &changes);
    let target = zone.map_or_else(|| "duties:all".to_string(), |code| format!("zone:{code}"));
    let assigned_entry = entry(AuditAction::Assign, target)
        .summary(format!(
            "{} duties written, {} removed",
            changes.duties.len(),
            changes.delete_duties.len()
        ))
        .before(json!({ "duties": data.duties.len() }))
        .after(json!({
            "duties": new.duties.len(),
            "changes": counts,
            "seed": options.seed,
            "spread": options.spread,
        }));
    let changes = changes.audited(assigned_entry);
    let applied = store.apply(&changes).await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&assigned.report)?);
    } else {
        print!("{}", assigned.report);
    }
    eprintln!(
        "{} duties written, {} removed, data version {}",
        changes.duties.len(),
        changes.delete_duties.len(),
        applied.version
    );
    Ok(())
}

/// Gives buildings or streets to a chief by hand and prints the live workloads of the chiefs
/// concerned.
async fn reassign(
    location: &Location,
    chief: i64,
    buildings: &[i64],
    streets: &[i64],
    level: Option<&str>,
    json: bool,
) -> Result<()> {
    use wangge_core::{ChiefLevel, DutyKind};
    if buildings.is_empty() == streets.is_empty() {
        bail!("name buildings (--building ID) or streets (--street ID), one kind at a time");
    }
    let store = location.open(false).await?;
    let data = store.load().await?;
    let to =
        data.chiefs.iter().find(|c| c.id == chief).ok_or_else(|| {
            anyhow!("no chief {chief}; `wangge export --layer duties -` lists them")
        })?;
    let level = match level {
        Some(text) => ChiefLevel::parse(text)?,
        None => wangge_core::chief_level(to),
    };
    let (kind, targets) = if buildings.is_empty() {
        (DutyKind::Street, streets)
    } else {
        (DutyKind::Building, buildings)
    };
    let before: Vec<i64> = data
        .duties
        .iter()
        .filter(|d| d.kind == kind && d.level == level && targets.contains(&d.target))
        .map(|d| d.chief)
        .collect();
    let duties = wangge_assign::reassign(&data, &data.duties, kind, targets, level, chief)?;
    let new = Dataset {
        duties,
        ..data.clone()
    };
    let reassigned = entry(AuditAction::Assign, format!("chief:{chief}"))
        .summary(format!(
            "{} {} to chief {chief} ({}), fixed",
            targets.len(),
            kind.key(),
            to.name
        ))
        .before(json!({ "chiefs": crate::audit::previous_chiefs(&before) }))
        .after(json!({
            "chief": chief,
            "kind": kind.key(),
            "targets": targets,
            "level": level.as_str(),
        }));
    let applied = store
        .apply(&ChangeSet::diff(&data, &new).audited(reassigned))
        .await?;
    let weights = wangge_assign::Weights::default();
    let loads: Vec<wangge_assign::ChiefLoad> =
        wangge_assign::workloads(&new, &new.duties, level, &weights, 0.25)
            .into_iter()
            .filter(|l| l.chief == chief || before.contains(&l.chief))
            .collect();
    if json {
        println!("{}", serde_json::to_string_pretty(&loads)?);
    } else {
        for l in &loads {
            println!(
                "{} ({}): {} buildings, {} streets, {} households, {:.0} m of street, workload {:.0} ({:+.0} % of the mean){}",
                l.name,
                l.chief,
                l.buildings,
                l.streets,
                l.households,
                l.street_m,
                l.workload,
                l.deviation * 100.0,
                if l.within_band {
                    ""
                } else {
                    " — outside ±25 %"
                }
            );
        }
    }
    eprintln!(
        "{} {} now answered for by chief {chief} (fixed), data version {}",
        targets.len(),
        kind.key(),
        applied.version
    );
    Ok(())
}

/// Shows the zone levels with their household targets; with `--set`, `--clear` or `--file`
/// changes them in one transaction first.
/// `wangge cadences`: shows the inspection cadences, or sets them (one change, in the store).
async fn cadences(
    location: &Location,
    set: &[String],
    visit: &[String],
    file: Option<&Path>,
    json: bool,
) -> Result<()> {
    let store = location.open(false).await?;
    let data = store.load().await?;
    let mut cadences = match file {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("{}: cannot read the cadence file", path.display()))?;
            let toml = path.extension().and_then(|e| e.to_str()) == Some("toml");
            let read = if toml {
                toml::from_str::<wangge_core::Cadences>(&text).map_err(|e| e.to_string())
            } else {
                serde_json::from_str::<wangge_core::Cadences>(&text).map_err(|e| e.to_string())
            };
            read.map_err(|e| {
                anyhow!(
                    "{}: not a cadence file ({e}); write e.g. {{\"green\": {{\"quarters\": 1}}, \
                     \"yellow\": {{\"months\": 1}}, \"red\": {{\"weeks\": 1}}}}",
                    path.display()
                )
            })?
        }
        None => data.cadences,
    };
    for spec in set {
        let (tier, every) = spec
            .split_once('=')
            .ok_or_else(|| anyhow!("`{spec}`: write TIER=EVERY, e.g. red=3d or green=1q"))?;
        let tier = wangge_core::Tier::parse(tier.trim()).map_err(|e| anyhow!("`{spec}`: {e}"))?;
        let every = wangge_core::Every::parse(every).ok_or_else(|| {
            anyhow!(
                "`{spec}`: `{every}` is not a cadence; write a count and d, w, m or q (3d, 2w, \
                 1m, 1q) or daily, weekly, monthly, quarterly"
            )
        })?;
        match tier {
            wangge_core::Tier::Green => cadences.green = every,
            wangge_core::Tier::Yellow => cadences.yellow = every,
            wangge_core::Tier::Red => cadences.red = every,
        }
    }
    cadences
        .validate()
        .map_err(|e| anyhow!("the cadences cannot be used: {e}"))?;
    let mut schedules = data.visit_schedules;
    for spec in visit {
        let (kind, every) = spec.split_once('=').ok_or_else(|| {
            anyhow!("`{spec}`: write KIND=EVERY, e.g. vulnerable=2w or key_sites=1d")
        })?;
        let every = wangge_core::Every::parse(every).ok_or_else(|| {
            anyhow!("`{spec}`: `{every}` is not a cadence; write a count and d, w, m or q")
        })?;
        match kind.trim() {
            "key_sites" | "key-sites" | "重点场所" => schedules.key_sites = every,
            "vulnerable" | "重点户" => schedules.vulnerable = every,
            "households" | "every_household" | "遍访" => schedules.households = every,
            other => bail!(
                "`{spec}`: `{other}` is not a kind of visit; say key_sites, vulnerable or households"
            ),
        }
    }
    if cadences != data.cadences || schedules != data.visit_schedules {
        let changes = wangge_core::ChangeSet {
            cadences: (cadences != data.cadences).then_some(cadences),
            visit_schedules: (schedules != data.visit_schedules).then_some(schedules),
            ..wangge_core::ChangeSet::default()
        };
        let settings = |c: &wangge_core::Cadences, v: &wangge_core::VisitSchedules| json!({ "inspections": c, "visits": v });
        let changed = entry(AuditAction::Change, "setting:cadences")
            .summary(format!(
                "inspections: green {}, yellow {}, red {}; visits: key sites {}, vulnerable {}, every household {}",
                cadences.green,
                cadences.yellow,
                cadences.red,
                schedules.key_sites,
                schedules.vulnerable,
                schedules.households
            ))
            .before(settings(&data.cadences, &data.visit_schedules))
            .after(settings(&cadences, &schedules));
        let applied = store.apply(&changes.audited(changed)).await?;
        eprintln!("set, data version {}", applied.version);
    }
    if json {
        let mut value = serde_json::to_value(cadences)?;
        value["visits"] = serde_json::to_value(schedules)?;
        println!("{}", serde_json::to_string_pretty(&value)?);
    } else {
        for tier in wangge_core::Tier::ALL {
            println!(
                "{} ({}): {}",
                tier.as_str(),
                tier.name_zh(),
                cadences.of(*tier)
            );
        }
        println!("visits to key sites (重点场所): {}", schedules.key_sites);
        println!(
            "visits to vulnerable households (重点户): {}",
            schedules.vulnerable
        );
        println!("visits to every household (遍访): {}", schedules.households);
    }
    Ok(())
}

async fn levels(
    location: &Location,
    set: &[String],
    clear: &[String],
    file: Option<&Path>,
    json: bool,
) -> Result<()> {
    let store = location.open(false).await?;
    let data = store.load().await?;
    let mut levels = match file {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("{}: cannot read the level file", path.display()))?;
            let levels: Vec<wangge_core::Level> =
                serde_json::from_str(&text).with_context(|| {
                    format!(
                        "{}: not a JSON list of levels (each with key, name_zh, name_en, \
                     code_digits and optional households {{\"min\": …, \"max\": …}})",
                        path.display()
                    )
                })?;
            wangge_core::LevelConfig { levels }
        }
        None => data.levels.clone(),
    };
    for spec in set {
        let (key, range) = spec
            .split_once('=')
            .ok_or_else(|| anyhow!("`{spec}`: write LEVEL=MIN..MAX, e.g. primary=1000..2000"))?;
        let range = wangge_core::HouseholdRange::parse(range).ok_or_else(|| {
            anyhow!("`{spec}`: the range must be MIN..MAX with MIN ≤ MAX, e.g. 300..500")
        })?;
        let keys = levels.keys();
        let level = levels
            .levels
            .iter_mut()
            .find(|l| l.key == key.trim())
            .ok_or_else(|| anyhow!("`{spec}`: no level `{key}`; the levels are {keys}"))?;
        level.households = Some(range);
    }
    for key in clear {
        let keys = levels.keys();
        let level = levels
            .levels
            .iter_mut()
            .find(|l| l.key == key.trim())
            .ok_or_else(|| anyhow!("--clear {key}: no such level; the levels are {keys}"))?;
        level.households = None;
    }
    levels.validate()?;
    // Zones must keep their level, and codes their length.
    for zone in &data.zones {
        let Ok(new) = levels.get(&zone.level) else {
            bail!(
                "zone {} is on level `{}`, which the new configuration drops; keep the level",
                zone.code,
                zone.level
            );
        };
        let old = data.levels.get(&zone.level)?;
        if new.code_digits != old.code_digits {
            bail!(
                "level `{}` has zones (e.g. {}) whose codes use {} digits; keep code_digits = {}",
                zone.level,
                zone.code,
                old.code_digits,
                old.code_digits
            );
        }
    }
    if levels != data.levels {
        let changed = entry(AuditAction::Change, "setting:levels")
            .summary(format!("zone levels {}", levels.keys()))
            .before(serde_json::to_value(&data.levels.levels)?)
            .after(serde_json::to_value(&levels.levels)?);
        let applied = store
            .apply(
                &ChangeSet {
                    levels: Some(levels.clone()),
                    ..ChangeSet::default()
                }
                .audited(changed),
            )
            .await?;
        eprintln!("levels changed, data version {}", applied.version);
    }
    if json {
        println!("{}", serde_json::to_string_pretty(&levels.levels)?);
        return Ok(());
    }
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "{:<14} {:<10} {:<16} {:>6}  households",
        "key", "名称", "name", "digits"
    )?;
    for l in &levels.levels {
        let target = l
            .households
            .map_or_else(|| "—".to_string(), |h| h.to_string());
        writeln!(
            out,
            "{:<14} {:<10} {:<16} {:>6}  {target}",
            l.key, l.name_zh, l.name_en, l.code_digits
        )?;
    }
    Ok(())
}

/// Prints a compound's tier history.
async fn history(location: &Location, code: &str, json: bool) -> Result<()> {
    let store = location.open(false).await?;
    let data = store.load().await?;
    let compound = data
        .compounds
        .iter()
        .find(|c| c.code == code)
        .ok_or_else(|| anyhow!("no compound has code {code}"))?;
    let history = store.tier_history(compound.id).await?;
    let mut out = std::io::stdout().lock();
    if json {
        let entries: Vec<serde_json::Value> = history
            .iter()
            .map(|c| {
                serde_json::json!({
                    "from": c.from.as_str(),
                    "to": c.to.as_str(),
                    "reason": c.reason,
                    "by": c.by,
                    "at": iso(c.at_ms),
                })
            })
            .collect();
        let body = serde_json::json!({
            "code": code,
            "name": compound.name,
            "tier": compound.tier.as_str(),
            "history": entries,
        });
        serde_json::to_writer_pretty(&mut out, &body)?;
        writeln!(out)?;
        return Ok(());
    }
    writeln!(
        out,
        "{} {} — now {} {}",
        code,
        compound.name,
        compound.tier.as_str(),
        compound.tier.name_zh()
    )?;
    if history.is_empty() {
        writeln!(out, "(no tier changes recorded)")?;
    }
    for c in &history {
        writeln!(
            out,
            "{}  {:>6} → {:<6}  {}  ({})",
            iso(c.at_ms),
            c.from.as_str(),
            c.to.as_str(),
            c.reason,
            c.by
        )?;
    }
    Ok(())
}

/// A time as RFC 3339 in UTC, as the HTTP API shows it.
pub(crate) fn iso(at_ms: i64) -> String {
    jiff::Timestamp::from_millisecond(at_ms)
        .map(|t| t.to_string())
        .unwrap_or_else(|_| at_ms.to_string())
}

/// Parses a finding as typed: `ok`, `problem`, either followed by `:NOTE`.
fn parse_finding(topic: wangge_core::Topic, text: &str) -> Result<wangge_core::Finding> {
    let (state, note) = text.split_once(':').unwrap_or((text, ""));
    let ok = match state.trim().to_lowercase().as_str() {
        "ok" | "good" | "正常" | "合格" => true,
        "problem" | "bad" | "问题" | "有问题" | "不合格" => false,
        other => bail!(
            "--{} `{other}`: write ok, problem, ok:NOTE or problem:NOTE",
            topic.as_str().replace('_', "-")
        ),
    };
    Ok(wangge_core::Finding {
        ok,
        note: note.trim().to_string(),
    })
}

/// `wangge inspect` as typed, after the store.
struct InspectArgs<'a> {
    code: &'a str,
    by: &'a str,
    role: &'a str,
    at: Option<&'a str>,
    findings: [(wangge_core::Topic, Option<String>); 5],
    suggest: Option<&'a str>,
    photo: Option<&'a Path>,
}

/// Records an inspection (with its photo, if any) through the store (servers on a shared PostGIS
/// hear of it) and prints the compound's next due date.
async fn inspect(location: &Location, args: InspectArgs<'_>) -> Result<()> {
    let InspectArgs {
        code,
        by,
        role,
        at,
        findings,
        suggest,
        photo,
    } = args;
    let photo = photo
        .map(|path| -> Result<wangge_core::Photo> {
            let size = std::fs::metadata(path)
                .with_context(|| format!("--photo {}", path.display()))?
                .len();
            if size > wangge_core::MAX_PHOTO_BYTES as u64 {
                bail!(
                    "--photo {}: {}",
                    path.display(),
                    wangge_core::PhotoError::TooLarge(usize::try_from(size).unwrap_or(usize::MAX))
                );
            }
            let bytes =
                std::fs::read(path).with_context(|| format!("--photo {}", path.display()))?;
            wangge_core::Photo::from_bytes(bytes)
                .with_context(|| format!("--photo {}", path.display()))
        })
        .transpose()?;
    let role = wangge_core::InspectorRole::parse(role)?;
    let suggested_tier = suggest.map(wangge_core::Tier::parse).transpose()?;
    let now = jiff::Timestamp::now().as_millisecond();
    let at_ms = match at {
        None => now,
        Some(text) => text
            .parse::<jiff::Timestamp>()
            .with_context(|| {
                format!("--at `{text}` is not an RFC 3339 time such as 2026-04-10T09:30:00+08:00")
            })?
            .as_millisecond(),
    };
    let mut recorded = wangge_core::Findings::default();
    for (topic, text) in findings {
        if let Some(text) = text {
            recorded.set(topic, Some(parse_finding(topic, &text)?));
        }
    }
    let store = location.open(false).await?;
    let data = store.load().await?;
    let draft = wangge_core::Inspection {
        id: 0,
        compound: 0,
        inspector: by.to_string(),
        role,
        at_ms,
        findings: recorded,
        suggested_tier,
        photo: None,
    };
    let with_photo = photo.is_some();
    let changes = wangge_core::record_inspection(&data, code, draft, photo, now)?;
    let compound_id = changes.inspections[0].compound;
    let mut recorded = wangge_server::wire::inspection(&changes.inspections[0]);
    if let Some(map) = recorded.as_object_mut() {
        for key in ["id", "photo_url", "has_photo"] {
            map.remove(key);
        }
    }
    recorded["photo"] =
        changes
            .inspection_photos
            .first()
            .map_or(serde_json::Value::Null, |(_, p)| {
                let info = p.info();
                json!({ "type": info.mime.mime(), "size": info.size, "sha256": info.sha256 })
            });
    let inspected = entry(AuditAction::Inspection, format!("compound:{code}"))
        .summary(format!("by {by} ({})", role.name_zh()))
        .after(recorded);
    let applied = store.apply(&changes.audited(inspected)).await?;
    let inspections = store.inspections(Some(compound_id)).await?;
    let one = Dataset {
        compounds: data
            .compounds
            .iter()
            .filter(|c| c.id == compound_id)
            .cloned()
            .collect(),
        ..Dataset::default()
    };
    let due = wangge_core::due_list(&one, &inspections, &data.cadences, now)?;
    let next = due
        .first()
        .map_or_else(|| "?".to_string(), |d| d.next_due.to_string());
    eprintln!(
        "compound {code}: inspection {} by {by} ({}){} recorded, next due {next}, data version {}",
        applied.inspections.first().copied().unwrap_or_default(),
        role.name_zh(),
        if with_photo { " with a photo" } else { "" },
        applied.version
    );
    Ok(())
}

/// Prints every compound's place in the inspection schedule, optionally within one zone.
async fn due(
    location: &Location,
    zone: Option<&str>,
    only_overdue: bool,
    json: bool,
) -> Result<()> {
    use geo::{Covers, InteriorPoint};
    let store = location.open(false).await?;
    let data = store.load().await?;
    let inspections = store.inspections(None).await?;
    let now = jiff::Timestamp::now().as_millisecond();
    let mut subset = Dataset::default();
    match zone {
        Some(code) => {
            let zone = data
                .zones
                .iter()
                .find(|z| z.code == code)
                .ok_or_else(|| anyhow!("no zone has code {code}"))?;
            // A compound belongs to the zone its interior point lies in, as in the server.
            subset.compounds = data
                .compounds
                .iter()
                .filter(|c| {
                    c.geometry
                        .interior_point()
                        .is_some_and(|p| zone.geometry.covers(&p))
                })
                .cloned()
                .collect();
        }
        None => subset.compounds = data.compounds.clone(),
    }
    let list = wangge_core::due_list(&subset, &inspections, &data.cadences, now)?;
    let today = wangge_core::inspections::local_date(now, &wangge_core::inspections::shanghai())?;
    let overdue = list.iter().filter(|d| d.overdue).count();
    let shown: Vec<&wangge_core::Due> =
        list.iter().filter(|d| !only_overdue || d.overdue).collect();
    let mut out = std::io::stdout().lock();
    if json {
        let atlas = Atlas::new(subset);
        let body = serde_json::json!({
            "zone": zone,
            "today": today.to_string(),
            "time_zone": "Asia/Shanghai",
            "cadences": {
                "green": data.cadences.green.to_string(),
                "yellow": data.cadences.yellow.to_string(),
                "red": data.cadences.red.to_string(),
            },
            "total": list.len(),
            "overdue": overdue,
            "compounds": shown
                .iter()
                .map(|d| wangge_server::wire::due(&atlas, d))
                .collect::<Vec<_>>(),
        });
        serde_json::to_writer_pretty(&mut out, &body)?;
        writeln!(out)?;
        return Ok(());
    }
    writeln!(
        out,
        "{} compounds, {overdue} overdue, today {today} (Asia/Shanghai)",
        list.len()
    )?;
    writeln!(
        out,
        "{:<16} {:<7} {:<10} {:<10} overdue",
        "code", "tier", "last", "next due"
    )?;
    let tz = wangge_core::inspections::shanghai();
    for d in shown {
        let last = d
            .last
            .as_ref()
            .and_then(|i| wangge_core::inspections::local_date(i.at_ms, &tz).ok())
            .map_or_else(|| "never".to_string(), |date| date.to_string());
        let late = if d.overdue {
            format!("{} days", d.days_overdue)
        } else {
            "-".to_string()
        };
        writeln!(
            out,
            "{:<16} {:<7} {:<10} {:<10} {late}",
            d.code,
            d.tier.as_str(),
            last,
            d.next_due.to_string()
        )?;
    }
    Ok(())
}

/// `wangge user …`.
async fn user(action: UserCommand) -> Result<()> {
    match action {
        UserCommand::Add {
            database,
            name,
            role,
            chief,
            display_name,
            password_stdin: _,
        } => {
            let role = wangge_core::Role::parse(&role)?;
            wangge_core::check_username(&name)?;
            wangge_core::check_role_chief(role, chief)?;
            let store = Location::of(database)?.open(false).await?;
            if store.user_by_name(&name).await?.is_some() {
                bail!("a user named `{name}` already exists; choose another username");
            }
            let hash = wangge_core::hash_password(&read_password()?)?;
            let mut new = wangge_core::User::new(name.clone(), role, chief, hash);
            if let Some(display_name) = display_name {
                new.display_name = display_name;
            }
            let added = entry(AuditAction::User, format!("user:{name}"))
                .summary(format!("{name} added as {role} ({})", role.name_zh()))
                .after(json!({
                    "username": new.username,
                    "display_name": new.display_name,
                    "role": role.as_str(),
                    "chief": chief,
                }));
            let id = store.create_user(&new, &[added]).await?;
            println!("added user {name} ({}, id {id})", role.name_zh());
            Ok(())
        }
        UserCommand::Passwd {
            database,
            name,
            password_stdin: _,
        } => {
            let store = Location::of(database)?.open(false).await?;
            let mut found = find_user(store.as_ref(), &name).await?;
            found.password_hash = wangge_core::hash_password(&read_password()?)?;
            wangge_core::LockoutRule::default().record_success(&mut found);
            // Never the password or its hash: only that it was set.
            let changed = entry(AuditAction::Password, format!("user:{name}")).summary(format!(
                "password of {name} set (a lockout, if any, cleared)"
            ));
            store.update_user(&found, &[changed]).await?;
            println!("changed the password of {name}");
            Ok(())
        }
        UserCommand::Role {
            database,
            name,
            role,
            chief,
        } => {
            let role = wangge_core::Role::parse(&role)?;
            wangge_core::check_role_chief(role, chief)?;
            let store = Location::of(database)?.open(false).await?;
            let mut found = find_user(store.as_ref(), &name).await?;
            let before = json!({ "role": found.role.as_str(), "chief": found.chief });
            let was = found.role;
            found.role = role;
            found.chief = chief;
            let changed = entry(AuditAction::User, format!("user:{name}"))
                .summary(format!("{name}: {} → {}", was.name_zh(), role.name_zh()))
                .before(before)
                .after(json!({ "role": role.as_str(), "chief": chief }));
            store.update_user(&found, &[changed]).await?;
            println!("{name} is now {role} ({})", role.name_zh());
            Ok(())
        }
        UserCommand::List { database, json } => {
            let store = Location::of(database)?.open(false).await?;
            let users = store.users().await?;
            let mut out = std::io::stdout().lock();
            if json {
                let rows: Vec<serde_json::Value> = users
                    .iter()
                    .map(|u| {
                        serde_json::json!({
                            "id": u.id,
                            "username": u.username,
                            "display_name": u.display_name,
                            "role": u.role.as_str(),
                            "role_zh": u.role.name_zh(),
                            "chief": u.chief,
                            "failed_attempts": u.failed_attempts,
                            "locked_until_ms": u.locked_until_ms,
                            "disabled": u.disabled,
                        })
                    })
                    .collect();
                serde_json::to_writer_pretty(&mut out, &rows)?;
                writeln!(out)?;
            } else {
                let now_ms = jiff::Timestamp::now().as_millisecond();
                writeln!(
                    out,
                    "{:<6} {:<24} {:<10} {:<8} {:<8} name",
                    "id", "username", "role", "chief", "state"
                )?;
                for u in &users {
                    let state = if u.disabled {
                        "disabled"
                    } else if wangge_core::LockoutRule::default().is_locked(u, now_ms) {
                        "locked"
                    } else {
                        "active"
                    };
                    let chief = u.chief.map(|c| c.to_string()).unwrap_or_else(|| "-".into());
                    writeln!(
                        out,
                        "{:<6} {:<24} {:<10} {:<8} {:<8} {}",
                        u.id,
                        u.username,
                        u.role.as_str(),
                        chief,
                        state,
                        u.display_name
                    )?;
                }
                writeln!(out, "{} users", users.len())?;
            }
            Ok(())
        }
    }
}

/// A user by name, or an error that says how to list them.
async fn find_user(store: &dyn Store, name: &str) -> Result<wangge_core::User> {
    store
        .user_by_name(name)
        .await?
        .ok_or_else(|| anyhow!("there is no user named `{name}`; see `wangge user list`"))
}

/// One password from standard input: its first line, without the line ending.
fn read_password() -> Result<String> {
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .context("reading the password from standard input")?;
    let password = line.trim_end_matches(['\n', '\r']).to_string();
    if password.is_empty() {
        bail!(
            "no password on standard input; pipe it in, e.g. `printf '%s\\n' \"$PASSWORD\" | wangge user …`"
        );
    }
    Ok(password)
}

/// Replaces the key sites or vulnerable households with the list in one CSV file.
async fn import_targets(location: &Location, layer: LayerArg, inputs: &[PathBuf]) -> Result<()> {
    let [input] = inputs else {
        bail!(
            "--layer key-sites and --layer vulnerable take one CSV file: it is the whole list \
             ({} given)",
            inputs.len()
        );
    };
    let store = location.open(false).await?;
    let data = store.load().await?;
    match layer {
        LayerArg::KeySites => {
            let sites = wangge_import::read_key_sites(input, &data)
                .map_err(|e| anyhow!("{e}\nnothing was imported"))?;
            let before = store.visit_targets().await?.key_sites.len();
            let imported = entry(AuditAction::Import, "layer:key_sites")
                .summary(format!(
                    "{}: {} key site(s), {before} before",
                    input.display(),
                    sites.len()
                ))
                .before(json!({ "key_sites": before }))
                .after(json!({ "key_sites": sites.len(), "file": input.display().to_string() }));
            store
                .replace_key_sites(&sites, &[imported])
                .await
                .context("writing the key sites; nothing was imported")?;
            eprintln!(
                "{}: {} key site(s) in {location}",
                input.display(),
                sites.len()
            );
        }
        _ => {
            let households = wangge_import::read_vulnerable(input, &data)
                .map_err(|e| anyhow!("{e}\nnothing was imported"))?;
            // Counts only: the list holds personal data.
            let before = store.visit_targets().await?.vulnerable.len();
            let imported = entry(AuditAction::Import, "layer:vulnerable")
                .summary(format!(
                    "{}: {} vulnerable household(s), {before} before",
                    input.display(),
                    households.len()
                ))
                .before(json!({ "vulnerable_households": before }))
                .after(json!({
                    "vulnerable_households": households.len(),
                    "file": input.display().to_string(),
                }));
            let stored = store
                .replace_vulnerable(&households, &[imported])
                .await
                .context("writing the vulnerable households; nothing was imported")?;
            // Counts only: the list holds personal data.
            eprintln!(
                "{}: {} vulnerable household(s) in {location}",
                input.display(),
                stored.len()
            );
        }
    }
    Ok(())
}

/// A visit as given on the command line.
struct VisitDraft {
    chief: i64,
    target: String,
    by: String,
    note: String,
    households_seen: Option<u32>,
    at: Option<String>,
}

/// The Shanghai date given as YYYY-MM-DD, or today's.
fn task_date(date: Option<&str>) -> Result<jiff::civil::Date> {
    match date {
        Some(text) => text
            .parse::<jiff::civil::Date>()
            .with_context(|| format!("--date `{text}` is not a date such as 2026-04-10")),
        None => Ok(wangge_core::inspections::local_date(
            jiff::Timestamp::now().as_millisecond(),
            &wangge_core::inspections::shanghai(),
        )?),
    }
}

async fn visit(location: &Location, draft: VisitDraft) -> Result<()> {
    let now = jiff::Timestamp::now().as_millisecond();
    let at_ms = match &draft.at {
        None => now,
        Some(text) => text
            .parse::<jiff::Timestamp>()
            .with_context(|| {
                format!("--at `{text}` is not an RFC 3339 time such as 2026-04-10T09:30:00+08:00")
            })?
            .as_millisecond(),
    };
    let store = location.open(false).await?;
    let atlas = Atlas::new(store.load().await?);
    let targets = store.visit_targets().await?;
    let target = wangge_core::VisitTarget::parse(&atlas, &targets, &draft.target)?;
    let visit = wangge_core::check_visit(
        &atlas,
        &targets,
        wangge_core::Visit {
            id: 0,
            target,
            chief: draft.chief,
            at_ms,
            by: draft.by,
            note: draft.note,
            households_seen: draft.households_seen,
        },
        now,
    )?;
    let mut recorded = wangge_server::wire::visit(&atlas, &visit);
    if let Some(map) = recorded.as_object_mut() {
        map.remove("id");
    }
    let visited = entry(
        AuditAction::Visit,
        format!("{}:{}", visit.target.kind_key(), visit.target.id()),
    )
    .summary(format!(
        "visit {}: {} by {}",
        wangge_store::NEW_ID,
        visit.target.text(&atlas),
        visit.by
    ))
    .after(recorded);
    let id = store.record_visit(&visit, &[visited]).await?;
    let today = task_date(None)?;
    let latest = store.latest_visits().await?;
    let due = wangge_core::task_list(
        &atlas,
        &targets,
        &latest,
        &atlas.data().visit_schedules,
        draft.chief,
        today,
    )?
    .into_iter()
    .find(|t| t.target == target)
    .map_or_else(
        || "not on this chief's list".to_string(),
        |t| t.due.to_string(),
    );
    eprintln!(
        "visit {id} of {} by {} recorded; next due {due}",
        target.text(&atlas),
        visit.by
    );
    Ok(())
}

async fn tasks(location: &Location, chief: i64, date: Option<&str>, json: bool) -> Result<()> {
    let today = task_date(date)?;
    let store = location.open(false).await?;
    let atlas = Atlas::new(store.load().await?);
    let targets = store.visit_targets().await?;
    let latest = store.latest_visits().await?;
    let list = wangge_core::task_list(
        &atlas,
        &targets,
        &latest,
        &atlas.data().visit_schedules,
        chief,
        today,
    )?;
    let who = atlas
        .chief(chief)
        .ok_or_else(|| anyhow!("there is no chief {chief}"))?;
    let mut out = std::io::stdout().lock();
    if json {
        let body = wangge_server::wire::task_list(&atlas, who, today, &list);
        serde_json::to_writer_pretty(&mut out, &body)?;
        writeln!(out)?;
        return Ok(());
    }
    writeln!(
        out,
        "{} ({}), {today} (Asia/Shanghai): {} task(s), {} due today, {} overdue",
        who.name,
        who.id,
        list.len(),
        list.iter().filter(|t| t.due == today).count(),
        list.iter().filter(|t| t.overdue).count()
    )?;
    for t in &list {
        let when = if t.overdue {
            format!("逾期 {} 天", t.days_overdue)
        } else if t.due == today {
            "今日".to_string()
        } else {
            t.due.to_string()
        };
        writeln!(
            out,
            "  {when:<12} {:<6} {:<24} {:<12} {}",
            t.kind.name_zh(),
            t.label,
            t.detail,
            t.target_text
        )?;
    }
    Ok(())
}

async fn task_summary(
    location: &Location,
    zone: Option<&str>,
    date: Option<&str>,
    json: bool,
) -> Result<()> {
    let today = task_date(date)?;
    let store = location.open(false).await?;
    let atlas = Atlas::new(store.load().await?);
    let targets = store.visit_targets().await?;
    let latest = store.latest_visits().await?;
    let within = match zone {
        Some(code) => Some(
            atlas
                .zone_by_code(code)
                .ok_or_else(|| {
                    anyhow!("no zone has code {code}; `wangge export --layer zones -` lists them")
                })?
                .id,
        ),
        None => None,
    };
    // A chief is in the zone when their home community is the zone or lies under it.
    let under = |mut zone: Option<i64>, top: i64| {
        while let Some(id) = zone {
            if id == top {
                return true;
            }
            zone = atlas.zone(id).and_then(|z| z.parent);
        }
        false
    };
    let chiefs: Vec<i64> = atlas
        .data()
        .chiefs
        .iter()
        .filter(|c| within.is_none_or(|top| under(c.community, top)))
        .map(|c| c.id)
        .collect();
    let summary = wangge_core::task_summaries(
        &atlas,
        &targets,
        &latest,
        &atlas.data().visit_schedules,
        &chiefs,
        today,
    )?;
    let mut out = std::io::stdout().lock();
    if json {
        let body = serde_json::json!({
            "date": today.to_string(),
            "time_zone": "Asia/Shanghai",
            "zone": zone,
            "chiefs": summary,
        });
        serde_json::to_writer_pretty(&mut out, &body)?;
        writeln!(out)?;
        return Ok(());
    }
    writeln!(out, "{today} (Asia/Shanghai)")?;
    writeln!(
        out,
        "  {:>6}  {:<12} {:>7} {:>9} {:>7}",
        "chief", "name", "targets", "due today", "overdue"
    )?;
    for s in &summary {
        writeln!(
            out,
            "  {:>6}  {:<12} {:>7} {:>9} {:>7}",
            s.chief, s.name, s.targets, s.due_today, s.overdue
        )?;
    }
    Ok(())
}
