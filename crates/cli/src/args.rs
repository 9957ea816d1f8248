//! The command line as typed: clap definitions, nothing resolved yet.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// 网格 wangge — grid governance for sub-districts: grids, compounds, street chiefs, colour tiers.
#[derive(Debug, Parser)]
#[command(name = "wangge", version, about, long_about = None)]
pub struct Cli {
    /// Log what happens (also: WANGGE_LOG=debug).
    #[arg(long, short, global = true)]
    pub verbose: bool,
    #[command(subcommand)]
    pub command: Command,
}

/// Where the data lives: a GeoPackage file, or a PostgreSQL + PostGIS database.
#[derive(Debug, Clone, Args)]
pub struct Database {
    /// The embedded database file (a GeoPackage; QGIS and GDAL open it too).
    #[arg(long, value_name = "FILE.gpkg")]
    pub db: Option<PathBuf>,
    /// A PostgreSQL + PostGIS database, e.g. postgres://user:pass@host/db (also $DATABASE_URL);
    /// --db wins when both are given.
    #[arg(long, value_name = "URL", env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
    /// The PostgreSQL schema that holds wangge's tables.
    #[arg(long, value_name = "NAME", default_value = "wangge")]
    pub schema: String,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create the demo sub-district (if the database is empty) and serve it.
    Demo {
        /// The database file to create or reuse.
        #[arg(long, value_name = "FILE.gpkg", default_value = "demo.gpkg")]
        db: PathBuf,
        /// Use a PostgreSQL + PostGIS database instead of the file (also $DATABASE_URL).
        #[arg(long, value_name = "URL", env = "DATABASE_URL", hide_env_values = true)]
        database_url: Option<String>,
        /// Where to listen.
        #[arg(long, default_value = "127.0.0.1:8080")]
        addr: SocketAddr,
        /// Create the database and stop, without serving.
        #[arg(long)]
        no_serve: bool,
        #[command(flatten)]
        web: Web,
    },
    /// Import GeoJSON, OSM PBF, GeoPackage, a CSV household register or roster, or 12345 hotline
    /// work orders (`--layer hotline`); all files or nothing.
    Import {
        #[command(flatten)]
        database: Database,
        /// The coordinate system of the input: wgs84 (also CGCS2000), gcj02 (Amap, Tencent), bd09 (Baidu).
        #[arg(long, default_value = "wgs84")]
        crs: String,
        /// What the input holds; inferred per feature when not given.
        #[arg(long, value_enum)]
        layer: Option<LayerArg>,
        /// Read a property under another name: TARGET=SOURCE, e.g. households=HH_CNT (repeatable).
        #[arg(long = "field", value_name = "TARGET=SOURCE")]
        fields: Vec<String>,
        /// Repair self-intersecting polygons (with a warning) instead of refusing the file.
        #[arg(long)]
        repair: bool,
        /// For GeoPackage input: the table to read.
        #[arg(long, value_name = "TABLE")]
        source_layer: Option<String>,
        /// For boundaries: the zone level they become (default community), or OSM admin_level
        /// mapping like 6=district,8=subdistrict,10=community.
        #[arg(long, value_name = "LEVEL")]
        level: Option<String>,
        /// A credit the data requires wherever it is shown (repeatable); OpenStreetMap's is
        /// added by itself for OSM data.
        #[arg(long, value_name = "TEXT")]
        attribution: Vec<String>,
        /// For hotline work orders: import the orders that can be located and list the others,
        /// instead of refusing the file.
        #[arg(long)]
        skip_unlocated: bool,
        /// The files to import.
        #[arg(required = true, value_name = "INPUT")]
        inputs: Vec<PathBuf>,
    },
    /// Counts per layer, per zone level and per tier.
    Stats {
        #[command(flatten)]
        database: Database,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Check the zone invariants: each level tiles its parent, every building lies in exactly one
    /// zone per level, every zone is one piece, every grid lies in one community. Exits non-zero
    /// on any violation.
    Check {
        #[command(flatten)]
        database: Database,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Write one layer as GeoJSON (RFC 7946); `-` writes to standard output.
    Export {
        #[command(flatten)]
        database: Database,
        /// The layer to write.
        #[arg(long, value_enum)]
        layer: ExportLayer,
        /// The output file (GeoJSON; CSV for `--layer duties` and `--layer partners`), or `-` for
        /// stdout.
        #[arg(value_name = "OUT.geojson")]
        out: PathBuf,
    },
    /// Serve the map and the API.
    Serve {
        #[command(flatten)]
        database: Database,
        /// Where to listen.
        #[arg(long, default_value = "127.0.0.1:8080")]
        addr: SocketAddr,
        #[command(flatten)]
        web: Web,
    },
    /// Copy an embedded database into an empty PostGIS database, and check that nothing was lost.
    Migrate {
        /// The GeoPackage to copy.
        #[arg(long, value_name = "FILE.gpkg")]
        from: PathBuf,
        /// The PostGIS database to copy into (also $DATABASE_URL).
        #[arg(long, value_name = "URL", env = "DATABASE_URL", hide_env_values = true)]
        database_url: String,
        /// The PostgreSQL schema that will hold wangge's tables.
        #[arg(long, value_name = "NAME", default_value = "wangge")]
        schema: String,
    },
    /// Split zones into grids balanced by households, along streets, never cutting a compound.
    Partition {
        #[command(flatten)]
        database: Database,
        /// Only split this zone (or the zones under it); everything by default.
        #[arg(long, value_name = "CODE")]
        zone: Option<String>,
        /// The level to create; its parent level is the one above it. Without it, every level
        /// with a household target is split, top down (secondary grids, then micro-grids).
        #[arg(long, value_name = "NAME")]
        level: Option<String>,
        /// Households per grid, MIN..MAX (default: the level's target, secondary 300..500,
        /// micro 30..80).
        #[arg(long, value_name = "MIN..MAX")]
        households: Option<String>,
        /// The seed of the search: the same seed gives the same plan.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Print the quality report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Assign every building and street to one street chief per chief level: balanced workloads,
    /// compact walkable areas, chiefs in their home community; a re-run moves as little as it can.
    Assign {
        #[command(flatten)]
        database: Database,
        /// Only (re)assign the buildings and streets in this zone; the rest stay as they are.
        #[arg(long, value_name = "CODE")]
        zone: Option<String>,
        /// The seed: the same seed gives the same assignment.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// The balance band: every chief within ± this share of their community's mean workload.
        #[arg(long, default_value_t = 0.25, value_name = "SHARE")]
        spread: f64,
        /// Workload per household.
        #[arg(long, default_value_t = 1.0, value_name = "W")]
        per_household: f64,
        /// Workload per kilometre of street (100: a kilometre weighs like 100 households).
        #[arg(long, default_value_t = 100.0, value_name = "W")]
        per_street_km: f64,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Give buildings or streets to another chief by hand (fixed: `assign` will not move them).
    Reassign {
        #[command(flatten)]
        database: Database,
        /// The chief's id.
        #[arg(long)]
        chief: i64,
        /// Building ids; repeatable.
        #[arg(long = "building", value_name = "ID")]
        buildings: Vec<i64>,
        /// Street segment ids; repeatable.
        #[arg(long = "street", value_name = "ID")]
        streets: Vec<i64>,
        /// The chief level (default: the chief's own).
        #[arg(long)]
        level: Option<String>,
        /// Print the chiefs' workloads as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Show the zone levels and their household targets, or change them.
    /// Show or set how often compounds of each tier are inspected (green quarterly, yellow
    /// monthly, red weekly unless set) and how often chiefs visit (key sites daily, vulnerable
    /// households weekly, every household monthly unless set).
    Cadences {
        #[command(flatten)]
        database: Database,
        /// Set a tier's cadence, TIER=EVERY: e.g. red=3d, yellow=2w, green=1q (d, w, m, q;
        /// or daily, weekly, monthly, quarterly); repeatable.
        #[arg(long = "set", value_name = "TIER=EVERY")]
        set: Vec<String>,
        /// Set how often street chiefs visit, KIND=EVERY: key_sites (default daily), vulnerable
        /// (weekly) or households (monthly), e.g. vulnerable=2w; repeatable.
        #[arg(long = "visit", value_name = "KIND=EVERY")]
        visit: Vec<String>,
        /// Replace all three from a JSON or TOML file, e.g. `{"green": {"quarters": 1},
        /// "yellow": {"months": 1}, "red": {"weeks": 1}}`; a tier left out keeps its default.
        #[arg(long, value_name = "FILE")]
        file: Option<PathBuf>,
        /// Print the cadences as JSON.
        #[arg(long)]
        json: bool,
    },
    Levels {
        #[command(flatten)]
        database: Database,
        /// Give a grid level a household target, LEVEL=MIN..MAX (e.g. primary=1000..2000 for a
        /// city that draws primary grids inside its communities); repeatable.
        #[arg(long = "set", value_name = "LEVEL=MIN..MAX")]
        set: Vec<String>,
        /// Take a level's household target away: its grids then copy their parent.
        #[arg(long = "clear", value_name = "LEVEL")]
        clear: Vec<String>,
        /// Replace the whole level configuration with this JSON file (a list of levels with
        /// key, name_zh, name_en, code_digits and optional households {min, max}). Levels that
        /// zones use must stay, with their code digits.
        #[arg(long, value_name = "FILE")]
        file: Option<PathBuf>,
        /// Print the levels as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Change a compound's colour tier, with a reason; the history keeps it.
    Tier {
        #[command(flatten)]
        database: Database,
        /// The compound's code.
        #[arg(long)]
        compound: String,
        /// The new tier: green, yellow or red (绿色, 黄色, 红色 also work).
        #[arg(long = "set", value_name = "TIER")]
        set: String,
        /// Why (required).
        #[arg(long)]
        reason: String,
        /// Who decides; defaults to $USER.
        #[arg(long)]
        by: Option<String>,
    },
    /// A compound's tier history, oldest first.
    History {
        #[command(flatten)]
        database: Database,
        /// The compound's code.
        #[arg(long)]
        compound: String,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Record an inspection of a compound: who, when, and what was found per topic.
    ///
    /// Each finding is `ok`, `ok:NOTE`, `problem` or `problem:NOTE` (正常 / 问题 also work); a
    /// topic left out was not looked at.
    Inspect {
        #[command(flatten)]
        database: Database,
        /// The compound's code.
        #[arg(long)]
        compound: String,
        /// Who inspected, by name.
        #[arg(long)]
        by: String,
        /// In what capacity: grid_worker (网格员), floating_population_officer (流动人口专管员),
        /// community_police (社区民警) or chief (小巷管家).
        #[arg(long)]
        role: String,
        /// When, in RFC 3339 (e.g. 2026-04-10T09:30:00+08:00); now when not given.
        #[arg(long, value_name = "RFC3339")]
        at: Option<String>,
        /// Rentals (出租).
        #[arg(long, value_name = "ok|problem[:NOTE]")]
        rentals: Option<String>,
        /// Sanitation (卫生).
        #[arg(long, value_name = "ok|problem[:NOTE]")]
        sanitation: Option<String>,
        /// Public order (治安).
        #[arg(long, value_name = "ok|problem[:NOTE]")]
        public_order: Option<String>,
        /// Fire safety (消防).
        #[arg(long, value_name = "ok|problem[:NOTE]")]
        fire_safety: Option<String>,
        /// Epidemic control (防疫).
        #[arg(long, value_name = "ok|problem[:NOTE]")]
        epidemic: Option<String>,
        /// A tier to suggest (a planner or leader confirms it with `wangge tier`).
        #[arg(long, value_name = "TIER")]
        suggest: Option<String>,
        /// A photo to keep with the inspection: a JPEG, PNG or WebP file of at most 5 MiB.
        #[arg(long, value_name = "FILE")]
        photo: Option<PathBuf>,
    },
    /// Record a visit (走访) of a key site, a vulnerable household or a building's households.
    Visit {
        #[command(flatten)]
        database: Database,
        /// The chief who visited (or for whom the visit is recorded), by id.
        #[arg(long)]
        chief: i64,
        /// What was visited: compound:CODE or site:BUILDING_ID (a key site), household:ID (a
        /// vulnerable household), building:ID (the monthly round of a building's households).
        #[arg(long)]
        target: String,
        /// Who went, by name; the chief when not given.
        #[arg(long)]
        by: Option<String>,
        /// What was seen.
        #[arg(long, default_value = "")]
        note: String,
        /// For a building's round: how many households were seen.
        #[arg(long, value_name = "N")]
        households_seen: Option<u32>,
        /// When, in RFC 3339 (e.g. 2026-04-10T09:30:00+08:00); now when not given.
        #[arg(long, value_name = "RFC3339")]
        at: Option<String>,
    },
    /// A chief's visit tasks (key sites daily, vulnerable households weekly, every household
    /// monthly): overdue first, then due today, then later; or, with --summary, every chief's
    /// counts.
    Tasks {
        #[command(flatten)]
        database: Database,
        /// The chief, by id.
        #[arg(long, required_unless_present = "summary", conflicts_with = "summary")]
        chief: Option<i64>,
        /// The day (Asia/Shanghai), YYYY-MM-DD; today when not given.
        #[arg(long, value_name = "YYYY-MM-DD")]
        date: Option<String>,
        /// Per chief: targets, due today, overdue.
        #[arg(long)]
        summary: bool,
        /// With --summary: only the chiefs whose home community lies in this zone (or is it).
        #[arg(long, value_name = "CODE", requires = "summary")]
        zone: Option<String>,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Every compound with its tier, last inspection, next due date (Asia/Shanghai) and whether it
    /// is overdue; the soonest due first. Green is due quarterly, yellow monthly, red weekly.
    Due {
        #[command(flatten)]
        database: Database,
        /// Only the compounds whose interior point lies in this zone.
        #[arg(long, value_name = "CODE")]
        zone: Option<String>,
        /// Only the overdue compounds.
        #[arg(long)]
        overdue: bool,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Draw a printable PNG map of a zone (or everything) in tier colours, with a legend.
    /// Print the notice board for compounds' gates (分色管理公示牌): name, tier colour and
    /// meaning, the street chief and phone, the last inspection's findings, the next due date.
    Board {
        #[command(flatten)]
        database: Database,
        /// One compound, by code.
        #[arg(long, value_name = "CODE", conflicts_with = "zone")]
        compound: Option<String>,
        /// Every compound whose interior point lies in this zone (`--out` is then a directory).
        #[arg(long, value_name = "CODE")]
        zone: Option<String>,
        /// Where to write: a `.html` or `.png` file for one compound, a directory for a zone.
        #[arg(long, value_name = "PATH")]
        out: PathBuf,
        /// For a zone: html or png (one file per compound, named by its code).
        #[arg(long, default_value = "html")]
        format: String,
        /// Language: zh or en.
        #[arg(long, default_value = "zh")]
        lang: String,
    },
    Render {
        #[command(flatten)]
        database: Database,
        /// The zone's code; the whole area when not given.
        #[arg(long)]
        zone: Option<String>,
        /// The PNG file to write.
        #[arg(long, value_name = "map.png")]
        out: PathBuf,
        /// Width in pixels.
        #[arg(long, default_value_t = 1600)]
        width: u32,
        /// Language of the legend: zh or en.
        #[arg(long, default_value = "zh")]
        lang: String,
    },
    /// Manage the people who sign in: add, change password, change role, list.
    User {
        #[command(subcommand)]
        action: UserCommand,
    },
    /// Problems (问题/事件) reported at a place: report, act on, list, show.
    Problem {
        #[command(subcommand)]
        action: ProblemCommand,
    },
    /// The audit log (审计日志): who changed what, when, with the record before and after; as a
    /// table, or exported as CSV or JSON lines. Oldest first.
    Audit {
        #[command(flatten)]
        database: Database,
        /// Only entries on or after this day (Asia/Shanghai), e.g. 2026-04-01.
        #[arg(long, value_name = "YYYY-MM-DD")]
        since: Option<String>,
        /// Only entries on or before this day (Asia/Shanghai, the whole day included).
        #[arg(long, value_name = "YYYY-MM-DD")]
        until: Option<String>,
        /// Only entries by this actor: a username, `cli:ACCOUNT` or `system`.
        #[arg(long, value_name = "NAME")]
        actor: Option<String>,
        /// Only entries of this action: import, change, plan_create, plan_edit, publish, discard,
        /// assign, tier, inspection, problem, problem_step, visit, sign_in, sign_in_failed,
        /// sign_out, user or password.
        #[arg(long, value_name = "ACTION")]
        action: Option<String>,
        /// Only entries whose target starts with this text, e.g. `compound:` or `user:wang`.
        #[arg(long, value_name = "PREFIX")]
        target: Option<String>,
        /// At most this many entries (all when not given).
        #[arg(long, value_name = "N")]
        limit: Option<u64>,
        /// The newest entries first (with --limit: the latest N).
        #[arg(long)]
        newest_first: bool,
        /// table (for people), csv (a header row, RFC 4180, before/after as JSON text) or json
        /// (one JSON object per line).
        #[arg(long, value_enum, default_value = "table")]
        format: AuditFormat,
        /// Write to this file instead of standard output (`-`).
        #[arg(long, value_name = "FILE", default_value = "-")]
        out: PathBuf,
    },
    /// Run the escalation clock once: every open problem past its level's time limit goes up a
    /// level (chief → grid → community → sub-district), each step recorded.
    Escalate {
        #[command(flatten)]
        database: Database,
        /// The time to run the clock at, RFC 3339 (e.g. 2026-04-12T09:00:00+08:00); now when
        /// not given.
        #[arg(long, value_name = "RFC3339")]
        now: Option<String>,
        #[command(flatten)]
        limits: Limits,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

/// The time limits of the escalation levels.
#[derive(Debug, Clone, Args)]
pub struct Limits {
    /// A JSON file of time limits in hours, e.g. {"chief_hours": 24, "grid_hours": 48,
    /// "community_hours": 72, "subdistrict_hours": 120} (those are the defaults).
    #[arg(long, value_name = "FILE.json")]
    pub limits: Option<PathBuf>,
}

/// `wangge problem …`.
#[derive(Debug, Subcommand)]
pub enum ProblemCommand {
    /// Report a problem at a point: it is routed to the chief of the place and its zones.
    Report {
        #[command(flatten)]
        database: Database,
        /// Longitude (WGS-84).
        #[arg(long, allow_hyphen_values = true)]
        lon: f64,
        /// Latitude (WGS-84).
        #[arg(long, allow_hyphen_values = true)]
        lat: f64,
        /// sanitation (环境卫生), public_order (治安), fire_safety (消防安全), facilities
        /// (设施维修), illegal_construction (违章搭建), noise (噪声扰民), traffic (交通停车),
        /// property (物业管理), dispute (邻里纠纷) or other (其他).
        #[arg(long)]
        category: String,
        /// What is wrong.
        #[arg(long)]
        text: String,
        /// The address, where known.
        #[arg(long)]
        address: Option<String>,
        /// Who reports; defaults to $USER.
        #[arg(long)]
        by: Option<String>,
        #[command(flatten)]
        limits: Limits,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Act on a problem: accept, start, resolve, close, reopen or escalate it.
    Step {
        #[command(flatten)]
        database: Database,
        /// The problem's id.
        #[arg(long)]
        id: i64,
        /// accept (受理), start (处置), resolve (办结), close (关闭), reopen (重新打开) or
        /// escalate (升级, pass it up a level by hand).
        #[arg(long)]
        action: String,
        /// Who acts; defaults to $USER.
        #[arg(long)]
        by: Option<String>,
        /// A note.
        #[arg(long, default_value = "")]
        note: String,
        #[command(flatten)]
        limits: Limits,
    },
    /// List problems, optionally by state or zone.
    List {
        #[command(flatten)]
        database: Database,
        /// Only problems in this state: reported, accepted, in_progress, resolved, closed, or
        /// `open` for the first three.
        #[arg(long)]
        state: Option<String>,
        /// Only problems in this zone (a zone code; its grids are included).
        #[arg(long, value_name = "CODE")]
        zone: Option<String>,
        /// Only problems routed to this chief.
        #[arg(long, value_name = "ID")]
        chief: Option<i64>,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// One problem with its history.
    Show {
        #[command(flatten)]
        database: Database,
        /// The problem's id.
        #[arg(long)]
        id: i64,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

/// Where the web front end and fonts are.
#[derive(Debug, Clone, Args)]
pub struct Web {
    /// The built web front end; defaults to $WANGGE_WEB, else ./web/dist when it exists.
    #[arg(long, value_name = "DIR", env = "WANGGE_WEB")]
    pub web: Option<PathBuf>,
    /// How many encoded tiles to keep in memory (least recently used go first); 0 keeps none,
    /// so that every request encodes its tile (for measuring the encoder, not for production).
    #[arg(long, value_name = "N", default_value_t = wangge_server::DEFAULT_TILE_CACHE)]
    pub tile_cache: usize,
    /// Mark the session cookie `Secure`: say this when users reach the server over HTTPS through
    /// a proxy that does not send `X-Forwarded-Proto: https` (with it, the cookie is Secure
    /// anyway).
    #[arg(long)]
    pub secure_cookies: bool,
}

/// `--layer` of import.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LayerArg {
    /// Building footprints.
    Buildings,
    /// Street centre lines.
    Streets,
    /// Residential compounds.
    Compounds,
    /// Community (or other zone) boundaries.
    Communities,
    /// A CSV household register joined to buildings.
    Households,
    /// The street-chief roster (CSV): the file is the roster; chiefs not in it leave.
    #[value(alias = "roster")]
    Chiefs,
    /// Partner departments of named streets (CSV, 联动部门): the file is the whole list.
    Partners,
    /// 12345 hotline work orders (CSV): each becomes a problem routed to its place's chief.
    Hotline,
    /// Key sites (CSV, 重点场所: compound code or building id, reason): the whole list.
    KeySites,
    /// Vulnerable households (CSV, 重点户: building id or address, door, category, contact): the
    /// whole list.
    Vulnerable,
}

/// `--format` of `wangge audit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AuditFormat {
    /// Aligned columns, times in Asia/Shanghai, actions by their Chinese names.
    Table,
    /// Comma-separated values with a header row (RFC 4180 quoting).
    Csv,
    /// One JSON object per line (JSON Lines).
    Json,
}

/// `--layer` of export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportLayer {
    /// Zones of every level.
    Zones,
    /// Compounds.
    Compounds,
    /// Buildings.
    Buildings,
    /// Street segments.
    Streets,
    /// Chief duties as CSV: who answers for each building and street, per chief level.
    Duties,
    /// Partner departments of named streets as CSV (the columns `--layer partners` imports).
    Partners,
}

/// `wangge user …`: the people who sign in. Passwords are read from standard input, never from
/// the command line (which other users of the machine can see).
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a user; the password (at least 8 characters) is read from standard input.
    Add {
        #[command(flatten)]
        database: Database,
        /// The username: 1–64 characters, no white space.
        #[arg(long, value_name = "NAME")]
        name: String,
        /// admin, planner, leader, patrol or viewer (or 管理员, 规划员, 领导, 巡查员/街长, 只读).
        #[arg(long, value_name = "ROLE")]
        role: String,
        /// The street chief a patrol user is (required for patrol, refused for other roles).
        #[arg(long, value_name = "ID")]
        chief: Option<i64>,
        /// The name shown in the interface; the username when not given.
        #[arg(long, value_name = "TEXT")]
        display_name: Option<String>,
        /// Read the password from standard input (one line). Required: passwords are never
        /// taken from the command line.
        #[arg(long, required = true)]
        password_stdin: bool,
    },
    /// Set a user's password, read from standard input; also clears a lockout.
    Passwd {
        #[command(flatten)]
        database: Database,
        /// The username.
        #[arg(long, value_name = "NAME")]
        name: String,
        /// Read the password from standard input (one line). Required.
        #[arg(long, required = true)]
        password_stdin: bool,
    },
    /// Change a user's role (and the chief, for patrol users).
    Role {
        #[command(flatten)]
        database: Database,
        /// The username.
        #[arg(long, value_name = "NAME")]
        name: String,
        /// The new role.
        #[arg(long, value_name = "ROLE")]
        role: String,
        /// The street chief, for the patrol role.
        #[arg(long, value_name = "ID")]
        chief: Option<i64>,
    },
    /// List the users (never their password hashes).
    List {
        #[command(flatten)]
        database: Database,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
}
