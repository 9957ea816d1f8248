//! Throwaway PostgreSQL clusters for tests (feature `testing`): `initdb` in a temporary folder,
//! `pg_ctl start` on a free port of 127.0.0.1, PostGIS created, and everything stopped and deleted
//! when done — even when the test process dies, because a small watchdog process waits for it.
//!
//! Tests use [`database_url`]: `DATABASE_URL` when it is set, otherwise one cluster shared by the
//! whole test process. Each test takes a fresh schema with [`TestSchema::new`] (or
//! [`fresh_store`]), so tests run in parallel without seeing each other. A test that must stop
//! or restart PostgreSQL starts its own [`TestCluster`].
//!
//! The binaries are found in `$PG_BIN`, else in the newest `/usr/lib/postgresql/<version>/bin`
//! whose version has PostGIS installed, else on `PATH`. `initdb` refuses to run as root, so when
//! the tests run as root the cluster is created and run as the `postgres` OS user.

use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use wangge_store::Store;

use crate::{ConnectOptions, PostgisStore};

/// A PostgreSQL cluster of its own, stopped and deleted when dropped.
#[derive(Debug)]
pub struct TestCluster {
    bin: PathBuf,
    dir: PathBuf,
    port: u16,
    /// True when the cluster runs as the `postgres` OS user because this process is root.
    as_postgres: bool,
}

fn other(message: impl Into<String>) -> io::Error {
    io::Error::other(message.into())
}

/// The folder holding `initdb`, `pg_ctl` and `psql`.
fn find_bin() -> io::Result<PathBuf> {
    if let Some(dir) = std::env::var_os("PG_BIN") {
        return Ok(PathBuf::from(dir));
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version: u32 = entry.file_name().to_str()?.parse().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .collect();
    versions.sort_by_key(|(version, _)| std::cmp::Reverse(*version));
    let with_postgis = versions.iter().find(|(version, _)| {
        Path::new(&format!(
            "/usr/share/postgresql/{version}/extension/postgis.control"
        ))
        .exists()
    });
    if let Some((_, bin)) = with_postgis.or(versions.first()) {
        return Ok(bin.clone());
    }
    std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .find(|dir| dir.join("initdb").exists())
        .ok_or_else(|| {
            other(
                "initdb was not found (looked in $PG_BIN, /usr/lib/postgresql/*/bin and PATH): install postgresql-15 and postgresql-15-postgis-3, or set DATABASE_URL to a PostgreSQL with PostGIS",
            )
        })
}

/// True when this process runs as root.
fn is_root() -> bool {
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

/// A port on 127.0.0.1 that nothing listens on right now.
pub fn free_port() -> io::Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}

impl TestCluster {
    /// Creates and starts a cluster with PostGIS in its `postgres` database.
    pub fn start() -> io::Result<Self> {
        let bin = find_bin()?;
        let as_postgres = is_root();
        // The postgres user must be able to reach the folder, so as root it goes under /tmp
        // (TMPDIR might be a folder only root can enter).
        let base = if as_postgres {
            PathBuf::from("/tmp")
        } else {
            std::env::temp_dir()
        };
        let dir = tempfile::Builder::new()
            .prefix("wangge-pg-")
            .tempdir_in(base)?
            .keep();
        let mut cluster = Self {
            bin,
            dir,
            port: 0,
            as_postgres,
        };
        if as_postgres {
            cluster.run(
                "chown",
                &["-R", "postgres:postgres", &cluster.path("")],
                false,
            )?;
        }
        cluster.watch()?;
        let data = cluster.path("data");
        cluster.pg(
            "initdb",
            &[
                "-D",
                &data,
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--locale=C",
                "-N",
            ],
        )?;
        // Another process may take the free port between choosing and binding it: try again.
        let mut last = None;
        for _ in 0..5 {
            cluster.port = free_port()?;
            match cluster.resume() {
                Ok(()) => {
                    last = None;
                    break;
                }
                Err(e) => last = Some(e),
            }
        }
        if let Some(error) = last {
            return Err(error);
        }
        let psql = cluster.bin.join("psql");
        cluster.run(
            &psql.to_string_lossy(),
            &[
                "-X",
                "-q",
                "-v",
                "ON_ERROR_STOP=1",
                "-h",
                "127.0.0.1",
                "-p",
                &cluster.port.to_string(),
                "-U",
                "postgres",
                "-d",
                "postgres",
                "-c",
                "CREATE EXTENSION IF NOT EXISTS postgis",
            ],
            false,
        )?;
        Ok(cluster)
    }

    /// The URL of the cluster's `postgres` database (user `postgres`, no password).
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Stops the server (fast shutdown: sessions are ended, committed data is kept).
    pub fn stop(&self) -> io::Result<()> {
        let data = self.path("data");
        self.pg("pg_ctl", &["-D", &data, "-m", "fast", "-w", "stop"])
    }

    /// Starts the server again after [`stop`](Self::stop), on the same port.
    pub fn resume(&self) -> io::Result<()> {
        let data = self.path("data");
        let log = self.path("log");
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c max_connections=300",
            self.port,
            self.path("")
        );
        self.pg(
            "pg_ctl",
            &[
                "-D", &data, "-l", &log, "-w", "-t", "60", "-o", &options, "start",
            ],
        )
        .map_err(|e| {
            let log = std::fs::read_to_string(self.dir.join("log")).unwrap_or_default();
            other(format!("{e}\nserver log:\n{log}"))
        })
    }

    /// Restarts the server with `pg_ctl restart` (fast shutdown, then start on the same port).
    pub fn restart(&self) -> io::Result<()> {
        let data = self.path("data");
        self.pg("pg_ctl", &["-D", &data, "-m", "fast", "-w", "restart"])
    }

    fn path(&self, name: &str) -> String {
        self.dir.join(name).to_string_lossy().into_owned()
    }

    /// Runs one of PostgreSQL's programs, as the postgres user when we are root.
    fn pg(&self, program: &str, args: &[&str]) -> io::Result<()> {
        let program = self.bin.join(program);
        self.run(&program.to_string_lossy(), args, self.as_postgres)
    }

    /// Runs a program and waits for it; a failure carries its output. Output is captured in files,
    /// not pipes, because `pg_ctl start` leaves a server running that must not hold our pipes.
    fn run(&self, program: &str, args: &[&str], as_postgres: bool) -> io::Result<()> {
        let mut command = if as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--", program]);
            c
        } else {
            Command::new(program)
        };
        let output = tempfile::tempfile()?;
        let status = command
            .args(args)
            .stdin(Stdio::null())
            .stdout(output.try_clone()?)
            .stderr(output.try_clone()?)
            .status()?;
        if status.success() {
            return Ok(());
        }
        use std::io::{Read, Seek};
        let mut output = output;
        let mut text = String::new();
        output.rewind()?;
        output.read_to_string(&mut text)?;
        Err(other(format!(
            "`{program} {}` failed ({status}):\n{text}",
            args.join(" ")
        )))
    }

    /// Starts a watchdog that stops the server and deletes the folder once this process has
    /// exited, however it exits; dropping the cluster does the same sooner.
    fn watch(&self) -> io::Result<()> {
        let script = r#"while kill -0 "$1" 2>/dev/null; do sleep 0.3; done
if [ -f "$2/data/postmaster.pid" ]; then $4 "$3/pg_ctl" -D "$2/data" -m immediate -w stop >/dev/null 2>&1; fi
rm -rf "$2""#;
        let runner = if self.as_postgres {
            "runuser -u postgres --"
        } else {
            ""
        };
        Command::new("sh")
            .args([
                "-c",
                script,
                "wangge-pg-watchdog",
                &std::process::id().to_string(),
                &self.path(""),
                &self.bin.to_string_lossy(),
                runner,
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        Ok(())
    }
}

impl Drop for TestCluster {
    fn drop(&mut self) {
        let data = self.path("data");
        if self.dir.join("data/postmaster.pid").exists() {
            let _ = self.pg("pg_ctl", &["-D", &data, "-m", "immediate", "-w", "stop"]);
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Where the tests' database is: given from outside, or a cluster of this process.
#[derive(Debug)]
enum Shared {
    External(String),
    Local(TestCluster),
}

static SHARED: OnceLock<Shared> = OnceLock::new();

fn shared() -> &'static Shared {
    SHARED.get_or_init(|| match std::env::var("DATABASE_URL") {
        Ok(url) if !url.trim().is_empty() => Shared::External(url),
        _ => Shared::Local(TestCluster::start().unwrap_or_else(|e| {
            panic!("cannot start a throwaway PostgreSQL for the tests (or set DATABASE_URL): {e}")
        })),
    })
}

/// The URL of the tests' database: `DATABASE_URL` when set, otherwise the process-wide
/// throwaway cluster's, started on first use.
pub fn database_url() -> String {
    match shared() {
        Shared::External(url) => url.clone(),
        Shared::Local(cluster) => cluster.url(),
    }
}

/// A schema of its own for one test. On an outside database (`DATABASE_URL`) it is dropped
/// when the value is; a throwaway cluster is deleted whole at the end instead.
#[derive(Debug)]
pub struct TestSchema {
    /// The database URL.
    pub url: String,
    /// The schema name, unique to this test.
    pub name: String,
    external: bool,
}

impl TestSchema {
    /// A new, unused schema name in the tests' database.
    pub fn new() -> Self {
        Self::on(database_url(), matches!(shared(), Shared::External(_)))
    }

    /// A new, unused schema name in the database at `url` (e.g. an own [`TestCluster`]'s).
    pub fn in_database(url: &str) -> Self {
        Self::on(url.to_string(), false)
    }

    fn on(url: String, external: bool) -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        Self {
            url,
            name: format!("test_{}_{n}_{nanos}", std::process::id()),
            external,
        }
    }

    /// Options for a store in this schema, giving up on an unreachable server after 10 s.
    pub fn options(&self) -> ConnectOptions {
        ConnectOptions {
            schema: self.name.clone(),
            connect_timeout: Duration::from_secs(10),
            ..ConnectOptions::default()
        }
    }

    /// Connects a store to this schema (creating it), panicking with the reason on failure.
    pub async fn connect(&self) -> PostgisStore {
        PostgisStore::connect(&self.url, self.options())
            .await
            .unwrap_or_else(|e| panic!("cannot open a test store in {}: {e}", self.name))
    }
}

impl Default for TestSchema {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for TestSchema {
    fn drop(&mut self) {
        if !self.external {
            return;
        }
        // Drop runs inside the test's runtime, which cannot be blocked on, so the schema is
        // dropped from a thread with a runtime of its own.
        let url = self.url.clone();
        let sql = format!("DROP SCHEMA IF EXISTS {} CASCADE", self.name);
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            runtime.block_on(async {
                let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
                    .await
                    .ok()?;
                tokio::spawn(connection);
                client.batch_execute(&sql).await.ok()
            })
        });
        let _ = dropped.join();
    }
}

/// A fresh, empty store in a schema of its own, with the guard that keeps (and on an outside
/// database, finally drops) the schema: what `wangge_store::contract_tests!` needs.
pub async fn fresh_store() -> (Arc<dyn Store>, TestSchema) {
    let schema = TestSchema::new();
    let store = schema.connect().await;
    (Arc::new(store), schema)
}
