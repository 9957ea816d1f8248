//! Helpers for the end-to-end tests: find the built `wangge` binary, run it, start a server on a
//! free port and talk HTTP to it with nothing but the standard library.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The shared real data beside the checkout (`../shared/data`).
pub fn shared_data(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/data")
        .join(relative)
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
        let mut server = Server { child, addr };
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
                return server;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("wangge did not answer on {} within 60 s", server.addr);
    }

    /// `GET path` → (status, body).
    pub fn get(&self, path: &str) -> (u16, String) {
        http_get(&self.addr, path).unwrap_or((0, String::new()))
    }

    /// The raw bytes of `GET path` after the headers (for tiles).
    pub fn get_bytes(&self, path: &str) -> Vec<u8> {
        let Ok(mut stream) = TcpStream::connect(&self.addr) else {
            return Vec::new();
        };
        let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
        if write!(
            stream,
            "GET {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
            self.addr
        )
        .is_err()
        {
            return Vec::new();
        }
        let mut raw = Vec::new();
        let _ = stream.read_to_end(&mut raw);
        match raw.windows(4).position(|w| w == b"\r\n\r\n") {
            Some(i) => raw[i + 4..].to_vec(),
            None => Vec::new(),
        }
    }

    /// `POST path` with a JSON body → (status, body).
    pub fn post(&self, path: &str, json: &str) -> (u16, String) {
        http_post(&self.addr, path, json).unwrap_or((0, String::new()))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A minimal HTTP/1.1 POST of a JSON body with `Connection: close`.
pub fn http_post(addr: &str, path: &str, json: &str) -> std::io::Result<(u16, String)> {
    let mut stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    write!(
        stream,
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{json}",
        json.len()
    )?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    let text = String::from_utf8_lossy(&raw);
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    Ok((status, body))
}

/// A minimal HTTP/1.1 GET with `Connection: close`.
pub fn http_get(addr: &str, path: &str) -> std::io::Result<(u16, String)> {
    let mut stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    let text = String::from_utf8_lossy(&raw);
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    Ok((status, body))
}
