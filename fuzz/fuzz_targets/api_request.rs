//! An arbitrary request driven through the whole router in-process, against a GeoPackage holding
//! the sample dataset and one admin user (created once per process in a temporary folder). The
//! server must never answer 5xx and never panic (a panic in a handler is a 500 too).
//!
//! Input: byte 0 the method, byte 1 flags, byte 2 picks a path prefix from [`PREFIXES`], then
//! the rest of the path, `\n`, the query, `\n`, the body. Bytes a URI cannot hold are
//! percent-encoded (so the server sees `%FF` and the like); `%` is passed as it is. Most inputs
//! carry the admin's bearer token, so that the fuzzer gets past sign-in. With
//! `WANGGE_FUZZ_VERBOSE` set, each request and the start of its answer are printed to stderr.

#![no_main]

use std::sync::{Arc, OnceLock};

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, header};
use http_body_util::BodyExt;
use libfuzzer_sys::fuzz_target;
use tower::ServiceExt;
use wangge_core::{ChangeSet, Role, User, hash_password};
use wangge_server::{AppState, ServerOptions, app};
use wangge_store::{GpkgStore, Store};

/// Path prefixes, so that the fuzzer reaches every route from the start.
const PREFIXES: &[&str] = &[
    "/",
    "/health",
    "/api",
    "/api/",
    "/api/meta",
    "/api/summary",
    "/api/zones/",
    "/api/compounds/",
    "/api/compounds/C1/",
    "/api/inspections/",
    "/api/due",
    "/api/dashboard",
    "/api/problems",
    "/api/problems/",
    "/api/session",
    "/api/me/",
    "/api/chiefs/",
    "/api/visits",
    "/api/duties",
    "/api/plans",
    "/api/plans/",
    "/api/plans/1/",
    "/tiles/",
    "/tiles/all/",
    "/tiles/patrol/",
    "/styles/",
    "/render/",
    "/boards/",
    "/api/stats",
    "/api/levels",
    "/api/locate",
    "/api/zones",
    "/api/compounds",
    "/api/buildings",
    "/api/buildings/",
    "/api/streets",
    "/api/streets/",
    "/api/users",
    "/api/audit",
];

const PASSWORD: &str = "fuzz-admin-password";

struct Server {
    runtime: tokio::runtime::Runtime,
    router: Router,
    token: String,
    _dir: tempfile::TempDir,
}

fn server() -> &'static Server {
    static SERVER: OnceLock<Server> = OnceLock::new();
    SERVER.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a tokio runtime");
        let dir = tempfile::tempdir().expect("a temporary folder");
        let (router, token) = runtime.block_on(async {
            let store = GpkgStore::open(dir.path().join("fuzz.gpkg")).expect("a GeoPackage");
            store
                .apply(&ChangeSet::insert_all(wangge_fuzz::sample()))
                .await
                .expect("the sample data");
            let hash = hash_password(PASSWORD).expect("a hash");
            store
                .create_user(&User::new("fuzzadmin", Role::Admin, None, hash), &[])
                .await
                .expect("an admin");
            let store: Arc<dyn Store> = Arc::new(store);
            let state = AppState::load(store, ServerOptions::default())
                .await
                .expect("the server state");
            let router = app(state);
            let request = Request::post("/api/session")
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(format!(
                    r#"{{"username": "fuzzadmin", "password": "{PASSWORD}"}}"#
                )))
                .expect("a sign-in request");
            let response = router.clone().oneshot(request).await.expect("an answer");
            assert!(
                response.status().is_success(),
                "sign-in: {}",
                response.status()
            );
            let body = response
                .into_body()
                .collect()
                .await
                .expect("a body")
                .to_bytes();
            let json: serde_json::Value = serde_json::from_slice(&body).expect("JSON");
            let token = json["token"].as_str().expect("a token").to_string();
            (router, token)
        });
        Server {
            runtime,
            router,
            token,
            _dir: dir,
        }
    })
}

/// Percent-encodes what a URI cannot hold; `keep` lists what stays as it is besides letters and
/// digits.
fn encode(bytes: &[u8], keep: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for &b in bytes {
        if b.is_ascii_alphanumeric() || keep.contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fuzz_target!(|data: &[u8]| {
    let [method, flags, prefix, rest @ ..] = data else {
        return;
    };
    let method = match method % 16 {
        0..=8 => Method::GET,
        9..=11 => Method::POST,
        12 => Method::DELETE,
        13 => Method::PUT,
        14 => Method::HEAD,
        _ => Method::PATCH,
    };
    let mut parts = rest.splitn(3, |&b| b == b'\n');
    let (suffix, query, body) = (
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
    );
    let path = format!(
        "{}{}",
        PREFIXES[usize::from(*prefix) % PREFIXES.len()],
        encode(suffix, b"-._~!$&'()*+,;=:@/%")
    );
    let uri = if query.is_empty() {
        path
    } else {
        format!("{path}?{}", encode(query, b"-._~!$&'()*+,;=:@/?%"))
    };
    let server = server();
    let mut request = Request::builder().method(method.clone()).uri(&uri);
    // Signing out would end the session every later input relies on.
    let signs_out = method == Method::DELETE && uri.starts_with("/api/session");
    match (flags & 7, signs_out) {
        (_, true) | (0, _) => {}
        (1, _) => request = request.header(header::AUTHORIZATION, "Bearer not-a-token"),
        (2, _) => {
            request = request.header(header::COOKIE, format!("wangge_session={}", server.token));
        }
        _ => {
            request = request.header(header::AUTHORIZATION, format!("Bearer {}", server.token));
        }
    }
    if flags & 8 != 0 {
        request = request.header(header::CONTENT_TYPE, "application/json");
    }
    if flags & 16 != 0 {
        request = request.header(header::ACCEPT_ENCODING, "gzip");
    }
    if flags & 32 != 0 {
        request = request.header(header::IF_NONE_MATCH, "*");
    }
    // A URI the http crate refuses never reaches a server: hyper answers 400 itself.
    let Ok(request) = request.body(Body::from(body.to_vec())) else {
        return;
    };
    let (status, answer) = server.runtime.block_on(async {
        let response = server
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("the router is infallible");
        let status = response.status();
        let answer = response
            .into_body()
            .collect()
            .await
            .map(|b| b.to_bytes())
            .unwrap_or_default();
        (status, answer)
    });
    if std::env::var_os("WANGGE_FUZZ_VERBOSE").is_some() {
        eprintln!(
            "{method} {uri} → {status}: {}",
            String::from_utf8_lossy(&answer[..answer.len().min(200)])
        );
    }
    assert!(
        !status.is_server_error(),
        "{method} {uri} answered {status}: {}",
        String::from_utf8_lossy(&answer)
    );
});
