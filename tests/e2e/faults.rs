//! Faults: `kill -9` of an import and of a server in the middle of a publish, and PostgreSQL
//! stopped and started again under load. After each, the database is consistent (`wangge check`
//! passes, SQLite's own integrity and foreign key checks too), an import is all there or not at
//! all, a plan is published with its zones live or still a draft with the live zones unchanged,
//! and nothing that was acknowledged is missing.
//!
//! Every request signs in as an admin (a bearer token), so that these tests hold whatever the
//! routes require.

use std::collections::BTreeSet;
use std::fs::File;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use wangge_e2e::{binary, demo_db, free_port, text, wangge};

const ADMIN: &str = "fault-admin";
const PASSWORD: &str = "fault-password-1";

// ---------------------------------------------------------------------------------------------
// Helpers: an admin user, a server process that can be killed, requests with a bearer token.

/// Adds the admin user to a database (`--db FILE` or `--database-url URL`).
fn add_admin(database: &[&str]) {
    let mut args = vec!["user", "add"];
    args.extend_from_slice(database);
    args.extend_from_slice(&["--name", ADMIN, "--role", "admin", "--password-stdin"]);
    let mut child = Command::new(binary())
        .args(&args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run wangge user add");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(format!("{PASSWORD}\n").as_bytes())
        .expect("write the password");
    let out = child.wait_with_output().expect("wait for wangge user add");
    assert!(out.status.success(), "user add: {:?}", text(&out));
}

/// A `wangge serve` process, killed with SIGKILL when asked or dropped; its standard error goes
/// to a log file, quoted when it fails to start.
#[derive(Debug)]
struct Serve {
    child: Child,
    addr: String,
}

impl Serve {
    fn start(database: &[&str], log: &Path) -> Serve {
        let addr = format!("127.0.0.1:{}", free_port());
        let child = Command::new(binary())
            .arg("serve")
            .args(database)
            .args(["--addr", &addr])
            .stdout(Stdio::null())
            .stderr(File::create(log).expect("a log file"))
            .spawn()
            .expect("start wangge serve");
        let mut server = Serve { child, addr };
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(Some(status)) = server.child.try_wait() {
                let log = std::fs::read_to_string(log).unwrap_or_default();
                panic!("wangge serve exited early with {status}: {log}");
            }
            if matches!(
                call(&server.addr, "GET", "/health", None, None),
                Ok((200, _))
            ) {
                return server;
            }
            assert!(
                Instant::now() < deadline,
                "wangge serve did not answer on {} within 60 s",
                server.addr
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// SIGKILL; whether the process was still running when it got it.
    fn kill9(&mut self) -> bool {
        let running = matches!(self.child.try_wait(), Ok(None));
        let _ = self.child.kill();
        let _ = self.child.wait();
        running
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        self.kill9();
    }
}

/// The longest any single request may take in these tests before it counts as a hang.
const REQUEST_BOUND: Duration = Duration::from_secs(20);

/// One HTTP/1.1 request (`Connection: close`) with an optional bearer token and JSON body →
/// status and body text. Connecting, writing and each read are bounded by [`REQUEST_BOUND`].
fn call(
    addr: &str,
    method: &str,
    path: &str,
    token: Option<&str>,
    json: Option<&str>,
) -> std::io::Result<(u16, String)> {
    let socket: SocketAddr = addr
        .parse()
        .map_err(|e| std::io::Error::other(format!("{addr}: {e}")))?;
    let mut stream = TcpStream::connect_timeout(&socket, REQUEST_BOUND)?;
    stream.set_read_timeout(Some(REQUEST_BOUND))?;
    stream.set_write_timeout(Some(REQUEST_BOUND))?;
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    if let Some(token) = token {
        head.push_str(&format!("Authorization: Bearer {token}\r\n"));
    }
    let body = json.unwrap_or_default();
    if json.is_some() {
        head.push_str(&format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n",
            body.len()
        ));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    stream.write_all(body.as_bytes())?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|i| i + 4)
        .ok_or_else(|| std::io::Error::other("the answer ended before its headers did"))?;
    let status = String::from_utf8_lossy(&raw[..end])
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other("no status line"))?;
    Ok((status, String::from_utf8_lossy(&raw[end..]).into_owned()))
}

/// A request that must be answered: (status, body).
fn must(addr: &str, method: &str, path: &str, token: &str, json: Option<&str>) -> (u16, String) {
    call(addr, method, path, Some(token), json)
        .unwrap_or_else(|e| panic!("{method} {path} on {addr}: {e}"))
}

fn parse(body: &str) -> Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"))
}

/// Signs the admin in; the bearer token.
fn sign_in(addr: &str) -> String {
    let credentials = json!({"username": ADMIN, "password": PASSWORD}).to_string();
    let (status, body) = call(addr, "POST", "/api/session", None, Some(&credentials))
        .unwrap_or_else(|e| panic!("sign in on {addr}: {e}"));
    assert_eq!(status, 200, "sign in: {body}");
    parse(&body)["token"]
        .as_str()
        .expect("a token in the answer")
        .to_string()
}

/// The codes of the first `n` compounds.
fn compound_codes(addr: &str, token: &str, n: usize) -> Vec<String> {
    let (status, body) = must(
        addr,
        "GET",
        &format!("/api/compounds?limit={n}"),
        token,
        None,
    );
    assert_eq!(status, 200, "{body}");
    parse(&body)["features"]
        .as_array()
        .expect("features")
        .iter()
        .map(|f| f["properties"]["code"].as_str().expect("code").to_string())
        .collect()
}

/// What a writer sent, and what it heard back.
#[derive(Debug, Clone)]
struct Write1 {
    code: String,
    reason: String,
    /// The status, or `None` when no answer came (the server died, or the request timed out).
    status: Option<u16>,
    took: Duration,
}

/// Threads changing the tier of one compound each, as fast as they are answered, until stopped
/// or until their server stops answering (`stop_on_error`).
struct Writers {
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<Vec<Write1>>>,
}

impl Writers {
    fn start(addr: &str, token: &str, codes: &[String], tag: &str, stop_on_error: bool) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let threads = codes
            .iter()
            .map(|code| {
                let (addr, token, code, tag) = (
                    addr.to_string(),
                    token.to_string(),
                    code.clone(),
                    tag.to_string(),
                );
                let stop = stop.clone();
                std::thread::spawn(move || {
                    let mut done = Vec::new();
                    let mut n = 0;
                    // The compound's tier as the writer knows it: read once (the compound's
                    // page reads its inspections from the store, so it may answer 503), then
                    // followed through the answers, so that writing goes on while the store is
                    // down and every attempt is answered 200 or 503.
                    let mut tier: Option<String> = None;
                    while !stop.load(Ordering::Relaxed) {
                        let Some(current) = tier.clone() else {
                            match call(
                                &addr,
                                "GET",
                                &format!("/api/compounds/{code}"),
                                Some(&token),
                                None,
                            ) {
                                Ok((200, body)) => {
                                    tier = parse(&body)["properties"]["tier"]
                                        .as_str()
                                        .map(str::to_string);
                                }
                                Ok((503, _)) => std::thread::sleep(Duration::from_millis(50)),
                                Ok((status, body)) => {
                                    panic!("GET compound {code}: {status} {body}")
                                }
                                Err(_) if stop_on_error => break,
                                Err(e) => panic!("GET compound {code}: {e}"),
                            }
                            continue;
                        };
                        let next = match current.as_str() {
                            "green" => "yellow",
                            "yellow" => "red",
                            _ => "green",
                        };
                        n += 1;
                        let reason = format!("{tag} {code} #{n}");
                        let body = json!({"tier": next, "reason": reason}).to_string();
                        let started = Instant::now();
                        let answer = call(
                            &addr,
                            "POST",
                            &format!("/api/compounds/{code}/tier"),
                            Some(&token),
                            Some(&body),
                        );
                        let took = started.elapsed();
                        let status = answer.as_ref().ok().map(|(s, _)| *s);
                        match &answer {
                            Ok((200, _)) => tier = Some(next.to_string()),
                            Ok((503, _)) => std::thread::sleep(Duration::from_millis(50)),
                            // A change answered 503 was made after all (the commit went
                            // through, its answer did not): read the tier again.
                            Ok((400, body)) if body.contains("already") => tier = None,
                            Ok((status, body)) => panic!("a tier change answered {status}: {body}"),
                            Err(_) => tier = None,
                        }
                        done.push(Write1 {
                            code: code.clone(),
                            reason,
                            status,
                            took,
                        });
                        if status.is_none() && stop_on_error {
                            break;
                        }
                    }
                    done
                })
            })
            .collect();
        Writers { stop, threads }
    }

    fn stop(self) -> Vec<Write1> {
        self.stop.store(true, Ordering::Relaxed);
        self.threads
            .into_iter()
            .flat_map(|t| t.join().expect("a writer thread"))
            .collect()
    }
}

/// Every acknowledged tier change is in its compound's history, read from the store.
fn assert_acknowledged_are_kept(addr: &str, token: &str, writes: &[Write1]) -> usize {
    let codes: BTreeSet<&str> = writes.iter().map(|w| w.code.as_str()).collect();
    let mut kept = 0;
    for code in codes {
        let (status, body) = must(
            addr,
            "GET",
            &format!("/api/compounds/{code}/history"),
            token,
            None,
        );
        assert_eq!(status, 200, "{body}");
        let history = parse(&body);
        let reasons: BTreeSet<&str> = history["history"]
            .as_array()
            .expect("history")
            .iter()
            .filter_map(|c| c["reason"].as_str())
            .collect();
        for w in writes
            .iter()
            .filter(|w| w.code == code && w.status == Some(200))
        {
            assert!(
                reasons.contains(w.reason.as_str()),
                "the acknowledged tier change `{}` of {code} is missing from its history",
                w.reason
            );
            kept += 1;
        }
    }
    kept
}

/// `wangge check` passes, and SQLite finds the file intact with every foreign key satisfied.
fn assert_consistent(db: &str) {
    let out = wangge(&["check", "--db", db]);
    assert!(out.status.success(), "wangge check: {:?}", text(&out));
    let conn = rusqlite::Connection::open(db).expect("open the database");
    let integrity: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .expect("integrity_check");
    assert_eq!(integrity, "ok", "{db}");
    let broken: i64 = conn
        .query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
            r.get(0)
        })
        .expect("foreign_key_check");
    assert_eq!(broken, 0, "{db}: rows break a foreign key");
}

fn count(db: &str, sql: &str) -> i64 {
    rusqlite::Connection::open(db)
        .and_then(|c| c.query_row(sql, [], |r| r.get(0)))
        .unwrap_or_else(|e| panic!("{sql} on {db}: {e}"))
}

// ---------------------------------------------------------------------------------------------
// kill -9 during an import.

/// When to kill an import.
#[derive(Debug, Clone, Copy)]
enum KillAt {
    Never,
    /// After this long (while the file is read and routed, before anything is written).
    After(Duration),
    /// Once the write-ahead log has grown past this many bytes (during the one transaction).
    WalAbove(u64),
}

#[derive(Debug)]
struct ImportRun {
    /// Whether the import was still running when killed; `false` when it finished first.
    killed: bool,
    /// When the write-ahead log first held a frame (the transaction began writing).
    writing_from: Option<Duration>,
    wal_max: u64,
    succeeded: bool,
}

/// Runs `wangge import --layer hotline` into `db`, watching its write-ahead log, and kills it
/// with SIGKILL at `at`.
fn import_until(db: &Path, csv: &Path, at: KillAt) -> ImportRun {
    let wal = PathBuf::from(format!("{}-wal", db.display()));
    let mut child = Command::new(binary())
        .args(["import", "--db"])
        .arg(db)
        .args(["--layer", "hotline"])
        .arg(csv)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("run wangge import");
    let started = Instant::now();
    let (mut writing_from, mut wal_max) = (None, 0);
    loop {
        if let Some(status) = child.try_wait().expect("wait for the import") {
            return ImportRun {
                killed: false,
                writing_from,
                wal_max,
                succeeded: status.success(),
            };
        }
        // 32 bytes are the log's header; frames follow.
        let size = std::fs::metadata(&wal).map_or(0, |m| m.len());
        if size > 32 && writing_from.is_none() {
            writing_from = Some(started.elapsed());
        }
        wal_max = wal_max.max(size);
        let now = match at {
            KillAt::Never => false,
            KillAt::After(t) => started.elapsed() >= t,
            KillAt::WalAbove(bytes) => size > bytes,
        };
        if now {
            let killed = matches!(child.try_wait(), Ok(None));
            let _ = child.kill();
            let _ = child.wait();
            return ImportRun {
                killed,
                writing_from,
                wal_max,
                succeeded: false,
            };
        }
        assert!(
            started.elapsed() < Duration::from_secs(300),
            "the import ran for 5 minutes"
        );
        std::thread::sleep(Duration::from_micros(200));
    }
}

/// What must not change, and what an import adds.
#[derive(Debug, PartialEq, Eq)]
struct ImportCounts {
    problems: i64,
    steps: i64,
    earlier: i64,
    untouched: Vec<i64>,
}

fn import_counts(db: &str) -> ImportCounts {
    ImportCounts {
        problems: count(db, "SELECT count(*) FROM problems"),
        steps: count(db, "SELECT count(*) FROM problem_steps"),
        earlier: count(
            db,
            "SELECT count(*) FROM problems WHERE order_no LIKE 'GD202601%'",
        ),
        untouched: [
            "SELECT count(*) FROM compounds",
            "SELECT count(*) FROM buildings",
            "SELECT count(*) FROM zones",
            "SELECT count(*) FROM tier_changes",
            "SELECT count(*) FROM duties",
        ]
        .iter()
        .map(|sql| count(db, sql))
        .collect(),
    }
}

#[test]
fn an_import_killed_at_any_moment_leaves_all_of_it_or_none() {
    const ORDERS: usize = 4_000;
    const EARLIER: usize = 200;
    let (dir, db) = demo_db("import-kill.gpkg");
    let data = wangge_demo::generate(&wangge_demo::DemoSettings::builtin());
    // Work orders imported before (seed 1), then the big file killed part-way (seed 2).
    let earlier = dir.path().join("earlier.csv");
    std::fs::write(
        &earlier,
        wangge_demo::hotline::work_orders(&data, EARLIER, 1),
    )
    .expect("csv");
    let out = wangge(&[
        "import",
        "--db",
        &db,
        "--layer",
        "hotline",
        earlier.to_str().expect("utf-8"),
    ]);
    assert!(out.status.success(), "{:?}", text(&out));
    let big = dir.path().join("big.csv");
    std::fs::write(&big, wangge_demo::hotline::work_orders(&data, ORDERS, 2)).expect("csv");
    let before = import_counts(&db);
    assert_eq!(before.earlier, EARLIER as i64);

    // A whole run on a copy: when the transaction starts writing and how big its log gets.
    let copy = |name: &str| {
        let path = dir.path().join(name);
        std::fs::copy(&db, &path).expect("copy the database");
        path
    };
    let whole = copy("whole.gpkg");
    let run = import_until(&whole, &big, KillAt::Never);
    assert!(run.succeeded, "the import failed: {run:?}");
    let whole = whole.to_str().expect("utf-8");
    let after = import_counts(whole);
    assert_eq!(after.problems, before.problems + ORDERS as i64);
    assert!(after.steps >= before.steps + ORDERS as i64, "{after:?}");
    assert_eq!(
        (&after.untouched, after.earlier),
        (&before.untouched, before.earlier)
    );
    let writing_from = run.writing_from.expect("the import wrote through the log");
    let wal = run.wal_max;
    eprintln!("{ORDERS} orders: writing began after {writing_from:?}, the log reached {wal} bytes");

    let moments = [
        KillAt::After(writing_from / 2),
        KillAt::WalAbove(32),
        KillAt::WalAbove(wal * 4 / 10),
        KillAt::WalAbove(wal * 8 / 10),
        KillAt::WalAbove(wal * 99 / 100),
    ];
    let mut outcomes = Vec::new();
    let mut last = None;
    for (i, at) in moments.into_iter().enumerate() {
        let trial = copy(&format!("trial-{i}.gpkg"));
        let run = import_until(&trial, &big, at);
        let trial = trial.to_str().expect("utf-8").to_string();
        assert_consistent(&trial);
        let now = import_counts(&trial);
        let (none, all) = (now == before, now == after);
        assert!(
            none || all,
            "after a kill at {at:?} the database holds part of the import: {now:?}, before {before:?}"
        );
        assert!(
            run.killed || all,
            "the import ended by itself without importing: {run:?}"
        );
        outcomes.push(format!(
            "{at:?}: {}",
            match (run.killed, all) {
                (false, _) => "finished first",
                (true, true) => "killed after the commit: all",
                (true, false) => "killed: none",
            }
        ));
        if run.killed && none {
            last = Some(trial);
        }
    }
    eprintln!("import kills: {outcomes:#?}");
    let killed = outcomes.iter().filter(|o| o.contains("killed")).count();
    assert!(
        killed >= 3,
        "too few kills landed while the import ran: {outcomes:#?}"
    );
    // A database left by a kill takes the import again, whole.
    let last = last.expect("at least one kill left nothing imported");
    let out = wangge(&[
        "import",
        "--db",
        &last,
        "--layer",
        "hotline",
        big.to_str().expect("utf-8"),
    ]);
    assert!(out.status.success(), "{:?}", text(&out));
    assert_eq!(import_counts(&last), after);
    assert_consistent(&last);
}

// ---------------------------------------------------------------------------------------------
// kill -9 of the server while it publishes a plan.

/// A draft with one merge of two neighbouring secondary grids.
#[derive(Debug)]
struct Draft {
    id: i64,
    version: u64,
    first: String,
    other: String,
    merged_households: u64,
}

/// The live zones' codes of one level.
fn live_codes(addr: &str, token: &str, level: &str) -> BTreeSet<String> {
    let (status, body) = must(
        addr,
        "GET",
        &format!("/api/zones?level={level}&limit=1000"),
        token,
        None,
    );
    assert_eq!(status, 200, "{body}");
    let features = parse(&body)["features"].clone();
    let features = features.as_array().expect("features");
    assert!(features.len() < 1000, "more {level} zones than one page");
    features
        .iter()
        .map(|f| f["properties"]["code"].as_str().expect("code").to_string())
        .collect()
}

fn households(addr: &str, token: &str, code: &str) -> Option<u64> {
    let (status, body) = must(addr, "GET", &format!("/api/zones/{code}"), token, None);
    match status {
        200 => parse(&body)["properties"]["households"].as_u64(),
        404 => None,
        _ => panic!("zone {code}: {status} {body}"),
    }
}

/// Creates a draft and merges two neighbouring secondary grids in it (trying pairs in order,
/// since grids that do not touch are refused with 422).
fn draft_with_merge(addr: &str, token: &str, name: &str) -> Draft {
    let new = json!({"name": name, "by": "规划员"}).to_string();
    let (status, body) = must(addr, "POST", "/api/plans", token, Some(&new));
    assert_eq!(status, 201, "{body}");
    let id = parse(&body)["id"].as_i64().expect("id");
    for community in live_codes(addr, token, "community") {
        let (status, body) = must(
            addr,
            "GET",
            &format!("/api/plans/{id}/balance?zone={community}&level=secondary"),
            token,
            None,
        );
        assert_eq!(status, 200, "{body}");
        let grids: Vec<(String, u64)> = parse(&body)["grids"]
            .as_array()
            .expect("grids")
            .iter()
            .map(|g| {
                (
                    g["code"].as_str().expect("code").to_string(),
                    g["households"].as_u64().expect("households"),
                )
            })
            .collect();
        let Some((first, first_households)) = grids.first() else {
            continue;
        };
        for (other, other_households) in &grids[1..] {
            let edit = json!({"version": 0, "by": "规划员", "edit": {"op": "merge", "grids": [first, other]}});
            let (status, body) = must(
                addr,
                "POST",
                &format!("/api/plans/{id}/edits"),
                token,
                Some(&edit.to_string()),
            );
            match status {
                200 => {
                    return Draft {
                        id,
                        version: parse(&body)["info"]["version"].as_u64().expect("version"),
                        first: first.clone(),
                        other: other.clone(),
                        merged_households: first_households + other_households,
                    };
                }
                422 => {}
                _ => panic!("merge {first} and {other}: {status} {body}"),
            }
        }
    }
    panic!("no two secondary grids could be merged");
}

#[test]
fn a_server_killed_while_publishing_loses_nothing_acknowledged() {
    let (dir, db) = demo_db("publish-kill.gpkg");
    add_admin(&["--db", &db]);
    let database = ["--db", db.as_str()];
    // The first trial publishes to the end and is killed only after the answer: it measures how
    // long a publish takes. The others kill at a fraction of that, searching for the moment of
    // the commit by bisection: later after a kill that left a draft, earlier after one that
    // found the plan published, so that most kills land around the transaction.
    const KILLS: usize = 5;
    let (mut early, mut late) = (0.0_f64, 1.0_f64);
    let mut publish_takes = Duration::ZERO;
    let mut token = None;
    let mut outcomes = Vec::new();
    for trial in 0..=KILLS {
        let fraction = (trial > 0).then_some((early + late) / 2.0);
        let log = dir.path().join(format!("serve-{trial}.log"));
        let mut server = Serve::start(&database, &log);
        let addr = server.addr.clone();
        // Sessions are stored: one sign-in serves every restart.
        let token = token.get_or_insert_with(|| sign_in(&addr)).clone();
        let draft = draft_with_merge(&addr, &token, &format!("断电测试 {trial}"));
        let live = live_codes(&addr, &token, "secondary");
        let first_before = households(&addr, &token, &draft.first);
        let codes = compound_codes(&addr, &token, 2);
        let writers = Writers::start(&addr, &token, &codes, &format!("kill {trial}"), true);
        std::thread::sleep(Duration::from_millis(100));

        let publish = {
            let (addr, token) = (addr.clone(), token.clone());
            let body = json!({"version": draft.version, "by": "规划员"}).to_string();
            let path = format!("/api/plans/{}/publish", draft.id);
            std::thread::spawn(move || {
                let started = Instant::now();
                let answer = call(&addr, "POST", &path, Some(&token), Some(&body));
                (answer, started.elapsed())
            })
        };
        let (running, publish_status) = match fraction {
            None => {
                let (answer, took) = publish.join().expect("the publish thread");
                let (status, body) = answer.expect("an answer to the publish");
                assert_eq!(status, 200, "{body}");
                publish_takes = took;
                std::thread::sleep(Duration::from_millis(100));
                (server.kill9(), Some(status))
            }
            Some(f) => {
                std::thread::sleep(publish_takes.mul_f64(f));
                let running = server.kill9();
                let (answer, _) = publish.join().expect("the publish thread");
                (running, answer.ok().map(|(status, _)| status))
            }
        };
        assert!(running, "the server had died before the kill: see {log:?}");
        let writes = writers.stop();
        assert!(
            matches!(publish_status, None | Some(200)),
            "publish answered {publish_status:?}"
        );

        // After the kill: the file is consistent, and a new server finds everything.
        assert_consistent(&db);
        let log = dir.path().join(format!("serve-{trial}-again.log"));
        let server = Serve::start(&database, &log);
        let addr = server.addr.clone();
        let (status, body) = must(
            &addr,
            "GET",
            &format!("/api/plans/{}", draft.id),
            &token,
            None,
        );
        assert_eq!(status, 200, "{body}");
        let plan = parse(&body);
        let published = match plan["info"]["status"].as_str() {
            Some("published") => true,
            Some("draft") => false,
            other => panic!("plan {} is {other:?}", draft.id),
        };
        if publish_status == Some(200) {
            assert!(published, "an acknowledged publish was lost");
        }
        let now = live_codes(&addr, &token, "secondary");
        if published {
            let mut expected = live.clone();
            expected.remove(&draft.other);
            assert_eq!(
                now, expected,
                "the plan is published but its zones are not live"
            );
            assert_eq!(
                households(&addr, &token, &draft.first),
                Some(draft.merged_households)
            );
        } else {
            assert_eq!(
                now, live,
                "the draft is still a draft but the live zones changed"
            );
            assert_eq!(households(&addr, &token, &draft.first), first_before);
        }
        let kept = assert_acknowledged_are_kept(&addr, &token, &writes);
        if let Some(f) = fraction {
            if published {
                late = f;
            } else {
                early = f;
            }
        }
        outcomes.push(format!(
            "kill at {}: publish {}, plan {}; {kept} tier changes acknowledged (and kept) of {} sent",
            fraction.map_or_else(
                || "its answer".to_string(),
                |f| format!("{:.0} % of {publish_takes:?}", f * 100.0)
            ),
            if publish_status.is_some() { "answered 200" } else { "unanswered" },
            if published { "published" } else { "still a draft" },
            writes.len()
        ));
    }
    eprintln!("publish kills: {outcomes:#?}");
    assert!(
        outcomes.iter().any(|o| o.contains("unanswered")),
        "no kill landed while a publish was unanswered: {outcomes:#?}"
    );
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL stopped and started under load.

/// The XYZ tile at zoom `z` holding a lon/lat point.
fn tile_of(lon: f64, lat: f64, z: u32) -> (u32, u32) {
    let n = f64::from(1u32 << z);
    let x = ((lon + 180.0) / 360.0 * n) as u32;
    let y = ((1.0 - lat.to_radians().tan().asinh() / std::f64::consts::PI) / 2.0 * n) as u32;
    (x, y)
}

/// What a reader asked and heard.
#[derive(Debug)]
struct Read1 {
    path: String,
    status: Option<u16>,
    took: Duration,
}

#[test]
fn postgresql_restarted_under_load_the_server_recovers_by_itself() {
    let cluster = wangge_store_postgis::testing::TestCluster::start().expect("a private cluster");
    let url = cluster.url();
    let dir = tempfile::tempdir().expect("tempdir");
    let gpkg = dir.path().join("demo.gpkg");
    let gpkg = gpkg.to_str().expect("utf-8");
    let out = wangge(&["demo", "--db", gpkg, "--no-serve"]);
    assert!(out.status.success(), "{:?}", text(&out));
    let out = wangge(&["migrate", "--from", gpkg, "--database-url", &url]);
    assert!(out.status.success(), "{:?}", text(&out));
    let database = ["--database-url", url.as_str()];
    add_admin(&database);
    let server = Serve::start(&database, &dir.path().join("serve.log"));
    let addr = server.addr.clone();
    let token = sign_in(&addr);
    let codes = compound_codes(&addr, &token, 3);
    let (status, body) = must(
        &addr,
        "GET",
        "/api/zones?level=community&limit=1",
        &token,
        None,
    );
    assert_eq!(status, 200, "{body}");
    let community = parse(&body)["features"][0]["properties"]["code"]
        .as_str()
        .expect("a community")
        .to_string();
    let (status, body) = must(&addr, "GET", "/tiles/all.json", &token, None);
    assert_eq!(status, 200, "{body}");
    let bounds = parse(&body)["bounds"].clone();
    let corner = |i: usize| bounds[i].as_f64().expect("bounds");
    let (x, y) = tile_of(
        (corner(0) + corner(2)) / 2.0,
        (corner(1) + corner(3)) / 2.0,
        15,
    );
    // Reads answered from memory (lists, summaries, tiles) and, last, two that read the store
    // too (a compound's inspections, the due list), which may answer 503 while it is down.
    let reads: Vec<String> = vec![
        "/api/compounds?tier=green&limit=20".into(),
        format!("/api/zones/{community}/summary"),
        "/api/stats".into(),
        format!("/tiles/all/15/{x}/{y}.mvt"),
        "/api/zones?level=secondary&limit=50".into(),
        format!("/api/compounds/{}", codes[2]),
        "/api/due".into(),
    ];
    let from_memory = reads.len() - 2;

    let memory_reads: BTreeSet<String> = reads[..from_memory].iter().cloned().collect();
    let stop = Arc::new(AtomicBool::new(false));
    let readers: Vec<JoinHandle<Vec<Read1>>> = (0..2)
        .map(|k| {
            let (addr, token, reads, stop) =
                (addr.clone(), token.clone(), reads.clone(), stop.clone());
            std::thread::spawn(move || {
                let mut done = Vec::new();
                let mut i = k;
                while !stop.load(Ordering::Relaxed) {
                    let path = &reads[i % reads.len()];
                    i += 1;
                    let started = Instant::now();
                    let status = call(&addr, "GET", path, Some(&token), None)
                        .ok()
                        .map(|(s, _)| s);
                    done.push(Read1 {
                        path: path.clone(),
                        status,
                        took: started.elapsed(),
                    });
                }
                done
            })
        })
        .collect();
    let writers = Writers::start(&addr, &token, &codes[..2], "pg restart", false);

    std::thread::sleep(Duration::from_secs(2));
    let stopped_at = Instant::now();
    cluster.stop().expect("stop PostgreSQL");
    // Longer than the server trusts a looked-up session without asking the store again (10 s):
    // signed-in reads from memory must outlast that too.
    std::thread::sleep(Duration::from_secs(12));
    cluster.resume().expect("start PostgreSQL again");
    let resumed_at = Instant::now();
    // Writes succeed again by themselves: wait for the writers' next acknowledged change.
    let recovered_within = Duration::from_secs(30);
    let mut probe = 0;
    let recovered = loop {
        probe += 1;
        let code = &codes[2];
        assert!(
            resumed_at.elapsed() < recovered_within,
            "writes still fail {recovered_within:?} after PostgreSQL came back"
        );
        let (status, body) = must(
            &addr,
            "GET",
            &format!("/api/compounds/{code}"),
            &token,
            None,
        );
        if status == 503 {
            std::thread::sleep(Duration::from_millis(100));
            continue;
        }
        assert_eq!(status, 200, "{body}");
        let next = if parse(&body)["properties"]["tier"] == "yellow" {
            "green"
        } else {
            "yellow"
        };
        let change = json!({"tier": next, "reason": format!("recovery probe #{probe}")});
        let (status, body) = must(
            &addr,
            "POST",
            &format!("/api/compounds/{code}/tier"),
            &token,
            Some(&change.to_string()),
        );
        if status == 200 {
            break resumed_at.elapsed();
        }
        assert_eq!(status, 503, "{body}");
        std::thread::sleep(Duration::from_millis(100));
    };
    std::thread::sleep(Duration::from_secs(2));
    stop.store(true, Ordering::Relaxed);
    let writes = writers.stop();
    let reads: Vec<Read1> = readers
        .into_iter()
        .flat_map(|t| t.join().expect("a reader thread"))
        .collect();

    // Reads never failed and never hung; writes answered 200 or 503, within the bound.
    let failed: Vec<String> = reads
        .iter()
        .filter(|r| {
            let in_memory = memory_reads.contains(&r.path);
            !(r.status == Some(200) || (!in_memory && r.status == Some(503)))
        })
        .map(|r| format!("GET {} → {:?} after {:?}", r.path, r.status, r.took))
        .collect();
    assert!(
        failed.is_empty(),
        "{} of {} reads failed while PostgreSQL restarted, e.g. {:?}",
        failed.len(),
        reads.len(),
        &failed[..failed.len().min(5)]
    );
    let slowest_read = reads.iter().map(|r| r.took).max().unwrap_or_default();
    assert!(slowest_read < REQUEST_BOUND, "a read took {slowest_read:?}");
    let reads_refused = reads.iter().filter(|r| r.status == Some(503)).count();
    let unanswered: Vec<&Write1> = writes.iter().filter(|w| w.status.is_none()).collect();
    assert!(
        unanswered.is_empty(),
        "writes went unanswered: {unanswered:?}"
    );
    let slowest_write = writes.iter().map(|w| w.took).max().unwrap_or_default();
    assert!(
        slowest_write < REQUEST_BOUND,
        "a write took {slowest_write:?}"
    );
    let refused = writes.iter().filter(|w| w.status == Some(503)).count();
    let acknowledged = writes.iter().filter(|w| w.status == Some(200)).count();
    assert!(refused > 0, "no write was refused: was PostgreSQL down?");
    let made_after_all = writes.iter().filter(|w| w.status == Some(400)).count();
    // Each writer got going again by itself: its last write was acknowledged.
    for code in &codes[..2] {
        let last = writes.iter().rev().find(|w| &w.code == code);
        assert_eq!(
            last.and_then(|w| w.status),
            Some(200),
            "the writer of {code} did not recover: {last:?}"
        );
    }
    eprintln!(
        "PostgreSQL down for {:?}: {} reads ({reads_refused} of the store's refused with 503; slowest {slowest_read:?}), {acknowledged} writes acknowledged, {refused} refused with 503 (slowest {slowest_write:?}), {made_after_all} found made after a 503; writes recovered {recovered:?} after the restart",
        resumed_at - stopped_at,
        reads.len()
    );
    drop(server);

    // A fresh server reads the database: everything acknowledged is there.
    let server = Serve::start(&database, &dir.path().join("serve-again.log"));
    let token = sign_in(&server.addr);
    let kept = assert_acknowledged_are_kept(&server.addr, &token, &writes);
    assert_eq!(kept, acknowledged);
}
