//! Helpers for the end-to-end tests: find the built `wangge` binary, run it, start a server on a
//! free port and talk HTTP to it with nothing but the standard library.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The shared real data beside the checkout (`../shared/data`). The checkout is taken from
/// cargo's run-time `CARGO_MANIFEST_DIR` (the compile-time one can name another clone when
/// several share a build cache).
pub fn shared_data(relative: &str) -> PathBuf {
    let manifest = std::env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from);
    manifest.join("../../shared/data").join(relative)
}

/// The `wangge` binary built in the same target directory as this test (`make e2e` builds it).
pub fn binary() -> PathBuf {
    if let Some(path) = std::env::var_os("WANGGE_BIN") {
        return PathBuf::from(path);
    }
    let exe = std::env::current_exe().expect("the test binary has a path");
    // target/<profile>/deps/e2e-<hash> → target/<profile>/wangge
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile>/deps");
    let path = profile_dir.join(format!("wangge{}", std::env::consts::EXE_SUFFIX));
    assert!(
        path.exists(),
        "{} is missing: run `cargo build --bin wangge` first (make e2e does)",
        path.display()
    );
    path
}

/// A database path `name` in a fresh temporary folder, which lives as long as the returned guard.
pub fn temp_db(name: &str) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let path = dir
        .path()
        .join(name)
        .to_str()
        .expect("a UTF-8 temporary path")
        .to_string();
    (dir, path)
}

/// A fresh demo database (`wangge demo --no-serve`) in a temporary folder.
pub fn demo_db(name: &str) -> (tempfile::TempDir, String) {
    let (dir, path) = temp_db(name);
    let out = wangge(&["demo", "--db", &path, "--no-serve"]);
    assert!(out.status.success(), "wangge demo failed: {:?}", text(&out));
    (dir, path)
}

/// Runs `wangge ARGS…` to completion.
pub fn wangge(args: &[&str]) -> Output {
    Command::new(binary())
        .args(args)
        .output()
        .expect("run wangge")
}

/// Standard output and error of a finished command, for assertion messages.
pub fn text(output: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// A free TCP port on the loopback interface.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// A running `wangge serve`, stopped when dropped.
#[derive(Debug)]
pub struct Server {
    child: Child,
    /// `127.0.0.1:PORT`.
    pub addr: String,
    /// The bearer token of the administrator `e2e-admin`, whom `start` adds and signs in: what
    /// `get` and `post` send.
    pub token: Option<String>,
}

/// The administrator every started server has, and their password.
pub const ADMIN: (&str, &str) = ("e2e-admin", "e2e admin password");

/// Adds the administrator to the database that `args` (of `serve`) name, unless they are there.
fn add_admin(args: &[&str]) {
    let mut location = Vec::new();
    let mut rest = args.iter();
    while let Some(&arg) = rest.next() {
        if matches!(arg, "--db" | "--database-url" | "--schema")
            && let Some(&value) = rest.next()
        {
            location.extend([arg, value]);
        }
    }
    let mut child = Command::new(binary())
        .args([
            "user",
            "add",
            "--name",
            ADMIN.0,
            "--role",
            "admin",
            "--password-stdin",
        ])
        .args(&location)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run wangge user add");
    if let Some(mut stdin) = child.stdin.take() {
        let _ = writeln!(stdin, "{}", ADMIN.1);
    }
    let out = child.wait_with_output().expect("wangge user add");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() || err.contains("already exists"),
        "wangge user add: {err}"
    );
}

impl Server {
    /// Starts `wangge ARGS… --addr 127.0.0.1:PORT` and waits until `/health` answers.
    pub fn start(args: &[&str]) -> Server {
        let addr = format!("127.0.0.1:{}", free_port());
        let child = Command::new(binary())
            .args(args)
            .args(["--addr", &addr])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start wangge");
        let mut server = Server {
            child,
            addr,
            token: None,
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = server.child.try_wait() {
                let mut err = String::new();
                if let Some(mut e) = server.child.stderr.take() {
                    let _ = e.read_to_string(&mut err);
                }
                panic!("wangge exited early with {status}: {err}");
            }
            if server.get("/health").0 == 200 {
                add_admin(args);
                let body = format!(
                    r#"{{"username": "{}", "password": "{}"}}"#,
                    ADMIN.0, ADMIN.1
                );
                let (status, answer) = server.post("/api/session", &body);
                assert_eq!(status, 200, "signing the administrator in: {answer}");
                let token = answer
                    .split("\"token\":\"")
                    .nth(1)
                    .and_then(|rest| rest.split('"').next())
                    .expect("a token in the sign-in answer");
                server.token = Some(token.to_string());
                return server;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("wangge did not answer on {} within 60 s", server.addr);
    }

    /// `GET path` → (status, body).
    pub fn get(&self, path: &str) -> (u16, String) {
        self.send("GET", path, None)
    }

    /// `METHOD path` (with a JSON body) as the administrator → (status, body text).
    pub fn send(&self, method: &str, path: &str, json: Option<&str>) -> (u16, String) {
        request_as(&self.addr, method, path, json, self.token.as_deref())
            .map(|(status, body)| (status, String::from_utf8_lossy(&body).into_owned()))
            .unwrap_or((0, String::new()))
    }

    /// The raw bytes of `GET path` after the headers (for tiles).
    pub fn get_bytes(&self, path: &str) -> Vec<u8> {
        request_as(&self.addr, "GET", path, None, self.token.as_deref())
            .map(|(_, body)| body)
            .unwrap_or_default()
    }

    /// `POST path` with a JSON body → (status, body).
    pub fn post(&self, path: &str, json: &str) -> (u16, String) {
        self.send("POST", path, Some(json))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One HTTP/1.1 request with `Connection: close` (and a JSON body when given) → status and the
/// raw body bytes.
pub fn request(
    addr: &str,
    method: &str,
    path: &str,
    json: Option<&str>,
) -> std::io::Result<(u16, Vec<u8>)> {
    request_as(addr, method, path, json, None)
}

/// [`request`] with `Authorization: Bearer TOKEN` when a token is given.
pub fn request_as(
    addr: &str,
    method: &str,
    path: &str,
    json: Option<&str>,
    token: Option<&str>,
) -> std::io::Result<(u16, Vec<u8>)> {
    let mut stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n"
    )?;
    if let Some(token) = token {
        write!(stream, "Authorization: Bearer {token}\r\n")?;
    }
    match json {
        Some(body) => write!(
            stream,
            "Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )?,
        None => write!(stream, "\r\n")?,
    }
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    let head_end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map_or(raw.len(), |i| i + 4);
    let head = String::from_utf8_lossy(&raw[..head_end]);
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    Ok((status, raw[head_end..].to_vec()))
}

/// A POST of a JSON body → status and body text.
pub fn http_post(addr: &str, path: &str, json: &str) -> std::io::Result<(u16, String)> {
    request(addr, "POST", path, Some(json))
        .map(|(status, body)| (status, String::from_utf8_lossy(&body).into_owned()))
}

/// A GET → status and body text.
pub fn http_get(addr: &str, path: &str) -> std::io::Result<(u16, String)> {
    request(addr, "GET", path, None)
        .map(|(status, body)| (status, String::from_utf8_lossy(&body).into_owned()))
}
