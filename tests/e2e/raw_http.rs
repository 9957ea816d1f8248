//! `wangge serve` over a real socket, sent bytes no well-behaved client sends: a request line that
//! is not UTF-8, headers beyond the server's limits, a body shorter than its `Content-Length`, a
//! body over the 8 MiB limit. Each is answered with a 4xx, and the server goes on serving
//! signed-in requests afterwards with the data unchanged.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream};
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::Value;
use wangge_e2e::{Server, binary, demo_db, http_post, text};

const PASSWORD: &str = "raw-http-admin-1";

/// Writes `bytes` (then half-closes the connection when `close` is set) and reads the answer to
/// its end → (status, the whole answer as text). Status 0 when there was no answer. A write the
/// server cut short is not an error: the server may answer before reading everything.
fn raw(addr: &str, bytes: &[u8], close: bool) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    let _ = stream.write_all(bytes);
    if close {
        let _ = stream.shutdown(Shutdown::Write);
    }
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let status = answer
        .strip_prefix("HTTP/1.1 ")
        .and_then(|rest| rest.get(..3))
        .and_then(|code| code.parse().ok())
        .unwrap_or(0);
    (status, answer)
}

/// The JSON body of an answer.
fn json_body(answer: &str) -> Value {
    let body = answer.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    serde_json::from_str(body).unwrap_or(Value::Null)
}

/// `GET path` with the bearer token → (status, answer).
fn get(addr: &str, path: &str, token: &str) -> (u16, String) {
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\
         Connection: close\r\n\r\n"
    );
    raw(addr, request.as_bytes(), false)
}

/// The server answers `/health` and a signed-in request, with the data as it was.
fn still_serving(server: &Server, token: &str, stats: &Value) {
    let (status, health) = server.get("/health");
    assert_eq!(status, 200, "{health}");
    let (status, answer) = get(&server.addr, "/api/stats", token);
    assert_eq!(status, 200, "{answer}");
    assert_eq!(&json_body(&answer), stats, "the data changed");
}

#[test]
fn raw_bad_requests_get_a_4xx_and_the_server_keeps_serving() {
    let (_dir, db) = demo_db("raw.gpkg");
    let mut child = Command::new(binary())
        .args([
            "user",
            "add",
            "--db",
            &db,
            "--name",
            "rawadmin",
            "--role",
            "admin",
            "--password-stdin",
        ])
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
        .expect("password");
    let out = child.wait_with_output().expect("wait");
    assert!(out.status.success(), "user add: {:?}", text(&out));
    let server = Server::start(&["serve", "--db", &db]);
    let addr = server.addr.as_str();
    let (status, body) = http_post(
        addr,
        "/api/session",
        &format!(r#"{{"username": "rawadmin", "password": "{PASSWORD}"}}"#),
    )
    .expect("sign in");
    assert_eq!(status, 200, "{body}");
    let session: Value = serde_json::from_str(&body).expect("JSON");
    let token = session["token"].as_str().expect("token").to_string();
    let (status, answer) = get(addr, "/api/stats", &token);
    assert_eq!(status, 200, "{answer}");
    let stats = json_body(&answer);

    // A request line that is not UTF-8: refused by the HTTP parser.
    let mut line = b"GET /api/compounds/".to_vec();
    line.extend_from_slice(&[0xFF, 0xFE, 0xC3, 0x28]);
    line.extend_from_slice(b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    let (status, answer) = raw(addr, &line, false);
    assert_eq!(status, 400, "a request line that is not UTF-8: {answer}");
    still_serving(&server, &token, &stats);

    // The same bytes percent-encoded reach the router, which names what is wrong, in JSON.
    let (status, answer) = get(addr, "/api/compounds/%FF%FE%C3%28", &token);
    assert_eq!(status, 400, "{answer}");
    let error = json_body(&answer)["error"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(error.contains("UTF-8"), "{answer}");

    // More headers than the server takes, and one header bigger than its whole buffer.
    let mut many = format!("GET /health HTTP/1.1\r\nHost: {addr}\r\n");
    for i in 0..200 {
        many.push_str(&format!("X-Filler-{i}: {i}\r\n"));
    }
    many.push_str("Connection: close\r\n\r\n");
    let (status, answer) = raw(addr, many.as_bytes(), false);
    assert_eq!(status, 431, "200 headers: {answer}");
    still_serving(&server, &token, &stats);
    let huge = format!(
        "GET /health HTTP/1.1\r\nHost: {addr}\r\nX-Huge: {}\r\nConnection: close\r\n\r\n",
        "a".repeat(1024 * 1024)
    );
    let (status, answer) = raw(addr, huge.as_bytes(), false);
    assert_eq!(
        status,
        431,
        "a 1 MiB header: {}",
        &answer[..answer.len().min(300)]
    );
    still_serving(&server, &token, &stats);

    // A body shorter than its Content-Length, the connection then half-closed: the handler's
    // read fails and it says so.
    let truncated = format!(
        "POST /api/problems HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: 200\r\nConnection: close\r\n\r\n\
         {{\"lon\": 102.7"
    );
    let (status, answer) = raw(addr, truncated.as_bytes(), true);
    assert_eq!(status, 400, "a truncated body: {answer}");
    assert!(json_body(&answer)["error"].is_string(), "{answer}");
    still_serving(&server, &token, &stats);

    // A body over the limit, announced by its length: refused before it is read.
    let over = format!(
        "POST /api/problems HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        9 * 1024 * 1024
    );
    let (status, answer) = raw(addr, over.as_bytes(), false);
    assert_eq!(status, 413, "{answer}");
    let error = json_body(&answer)["error"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(error.contains("8 MiB"), "{answer}");
    still_serving(&server, &token, &stats);
}
