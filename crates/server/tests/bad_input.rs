//! Bad input over HTTP, in-process (the router called with `oneshot`, over a real GeoPackage):
//! oversized bodies, deeply nested JSON, SQL-looking strings, path traversal against the static
//! files and invalid UTF-8. Each gets a specific 4xx with a JSON `error` that says what is wrong,
//! never a 5xx or a panic; afterwards the server still answers `/health` and the data is
//! unchanged. Every request is sent as a signed-in admin, so that role checks never stand in the
//! way of the check under test.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;
use wangge_core::{ChangeSet, Role, User, hash_password};
use wangge_server::{AppState, BODY_LIMIT, ServerOptions, app};
use wangge_store::{GpkgStore, Store, contract::sample};

const PASSWORD: &str = "bad-input-admin-1";
const INDEX: &str = "<!doctype html><title>wangge test front end</title>";
const SECRET: &str = "not for the web: outside the web directory";

struct Fixture {
    state: AppState,
    token: String,
    _dir: tempfile::TempDir,
}

/// The sample data in a GeoPackage, an admin signed in, and a web directory holding only an
/// `index.html`, with a secret file and a `Cargo.toml` right beside (outside) it.
async fn fixture() -> Fixture {
    let dir = tempfile::tempdir().expect("tempdir");
    let web = dir.path().join("web");
    std::fs::create_dir(&web).expect("web dir");
    std::fs::write(web.join("index.html"), INDEX).expect("index.html");
    std::fs::write(dir.path().join("secret.txt"), SECRET).expect("secret");
    std::fs::write(dir.path().join("Cargo.toml"), SECRET).expect("Cargo.toml");
    let store = GpkgStore::open(dir.path().join("bad.gpkg")).expect("store");
    store
        .apply(&ChangeSet::insert_all(&sample()))
        .await
        .expect("insert");
    let hash = hash_password(PASSWORD).expect("hash");
    store
        .create_user(&User::new("admin", Role::Admin, None, hash), &[])
        .await
        .expect("admin");
    let store: Arc<dyn Store> = Arc::new(store);
    let options = ServerOptions {
        web_dir: Some(web),
        ..ServerOptions::default()
    };
    let state = AppState::load(store, options).await.expect("state");
    let request = Request::post("/api/session")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(format!(
            r#"{{"username": "admin", "password": "{PASSWORD}"}}"#
        )))
        .expect("request");
    let (status, body) = answer(&state, request).await;
    assert_eq!(status, StatusCode::OK, "sign-in: {body}");
    let token = body["token"].as_str().expect("token").to_string();
    Fixture {
        state,
        token,
        _dir: dir,
    }
}

/// Sends a request as it is → status and body (JSON, or the text as a JSON string).
async fn answer(state: &AppState, request: Request<Body>) -> (StatusCode, Value) {
    let response = app(state.clone()).oneshot(request).await.expect("response");
    let status = response.status();
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    let body = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
    (status, body)
}

impl Fixture {
    /// A request to `uri` carrying the admin's token.
    fn request(&self, method: Method, uri: &str) -> axum::http::request::Builder {
        Request::builder()
            .method(method)
            .uri(uri)
            .header(header::AUTHORIZATION, format!("Bearer {}", self.token))
    }

    async fn send(&self, request: Request<Body>) -> (StatusCode, Value) {
        answer(&self.state, request).await
    }

    async fn get(&self, uri: &str) -> (StatusCode, Value) {
        let request = self
            .request(Method::GET, uri)
            .body(Body::empty())
            .expect("request");
        self.send(request).await
    }

    /// A POST of `body` as JSON.
    async fn post(&self, uri: &str, body: impl Into<Body>) -> (StatusCode, Value) {
        let request = self
            .request(Method::POST, uri)
            .header(header::CONTENT_TYPE, "application/json")
            .body(body.into())
            .expect("request");
        self.send(request).await
    }

    /// What must not change: every compound as the API lists it, the statistics, and the
    /// compounds, tier history and problems in the store.
    async fn data(&self) -> Value {
        let (status, compounds) = self.get("/api/compounds?limit=1000").await;
        assert_eq!(status, StatusCode::OK, "{compounds}");
        let (status, stats) = self.get("/api/stats").await;
        assert_eq!(status, StatusCode::OK, "{stats}");
        let (status, problems) = self.get("/api/problems").await;
        assert_eq!(status, StatusCode::OK, "{problems}");
        let stored = self.state.store().load().await.expect("load");
        assert_eq!(stored.compounds.len(), sample().compounds.len());
        serde_json::json!({ "compounds": compounds, "stats": stats, "problems": problems })
    }

    /// The server still answers `/health`, and the data is `before`.
    async fn still_serving(&self, before: &Value) {
        let (status, health) = self.get("/health").await;
        assert_eq!(status, StatusCode::OK, "{health}");
        assert_eq!(health["status"], "ok");
        assert_eq!(&self.data().await, before, "the data changed");
    }
}

/// Asserts `status` is `want` and the JSON `error` contains every one of `needles` (ignoring
/// case); `what` names the request in failure messages.
fn refused(what: &str, (status, body): &(StatusCode, Value), want: StatusCode, needles: &[&str]) {
    assert_eq!(*status, want, "{what}: {body}");
    let message = body["error"]
        .as_str()
        .unwrap_or_else(|| panic!("{what}: no JSON `error`: {body}"))
        .to_lowercase();
    for needle in needles {
        assert!(
            message.contains(&needle.to_lowercase()),
            "{what}: `{needle}` not in `{message}`"
        );
    }
}

#[tokio::test]
async fn a_body_over_the_limit_is_refused_with_413() {
    let f = fixture().await;
    let before = f.data().await;
    let big = vec![b' '; BODY_LIMIT + 1];
    // As browsers and most clients send it: with its length, refused before any handler runs.
    for uri in [
        "/api/problems",
        "/api/compounds/C1/inspections",
        "/api/plans",
    ] {
        let request = f
            .request(Method::POST, uri)
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::CONTENT_LENGTH, big.len())
            .body(Body::from(big.clone()))
            .expect("request");
        let answer = f.send(request).await;
        refused(
            uri,
            &answer,
            StatusCode::PAYLOAD_TOO_LARGE,
            &["larger than", "8 MiB"],
        );
    }
    // Without a length (chunked): the handler's read stops at the limit, and the answer is the
    // same 413, not the handler's 400 about a failed read.
    for uri in ["/api/problems", "/api/compounds/C1/tier", "/api/session"] {
        let answer = f.post(uri, big.clone()).await;
        refused(
            uri,
            &answer,
            StatusCode::PAYLOAD_TOO_LARGE,
            &["larger than", "8 MiB"],
        );
    }
    // Just under the limit is read, and refused for what it is: not JSON.
    let answer = f.post("/api/problems", vec![b' '; BODY_LIMIT - 1]).await;
    refused(
        "a body under the limit",
        &answer,
        StatusCode::BAD_REQUEST,
        &["json"],
    );
    f.still_serving(&before).await;
}

#[tokio::test]
async fn deeply_nested_json_is_refused_with_400() {
    let f = fixture().await;
    let before = f.data().await;
    let arrays = "[".repeat(100_000);
    let objects = r#"{"a":"#.repeat(100_000);
    let in_a_field = format!(
        r#"{{"lon": 102.71, "lat": 25.04, "category": "other", "description": {}"#,
        "[".repeat(100_000)
    );
    let posts = [
        "/api/problems",
        "/api/problems/1/steps",
        "/api/compounds/C1/tier",
        "/api/compounds/C1/inspections",
        "/api/session",
        "/api/duties",
        "/api/plans",
    ];
    for uri in posts {
        for body in [&arrays, &objects, &in_a_field] {
            let answer = f.post(uri, body.clone()).await;
            refused(uri, &answer, StatusCode::BAD_REQUEST, &["json"]);
        }
    }
    // Where the parser must descend (a plan edit is any JSON value until it is read as an
    // edit), serde_json stops at its depth limit.
    let deep_edit = format!(
        r#"{{"version": 0, "by": "x", "edit": {}"#,
        "[".repeat(100_000)
    );
    let answer = f.post("/api/plans/1/edits", deep_edit).await;
    refused(
        "a deep edit",
        &answer,
        StatusCode::BAD_REQUEST,
        &["json", "recursion"],
    );
    f.still_serving(&before).await;
}

#[tokio::test]
async fn sql_looking_strings_are_refused_and_the_compounds_stay() {
    let f = fixture().await;
    let before = f.data().await;
    let drop = "%27;%20DROP%20TABLE%20compounds;%20--";
    let or = "1%20OR%201=1";
    // In path segments: nothing has that code or id.
    for (uri, want, needle) in [
        (
            format!("/api/compounds/{drop}"),
            StatusCode::NOT_FOUND,
            "no compound",
        ),
        (
            format!("/api/compounds/{or}"),
            StatusCode::NOT_FOUND,
            "no compound",
        ),
        (
            format!("/api/zones/{drop}"),
            StatusCode::NOT_FOUND,
            "no zone",
        ),
        (
            format!("/api/compounds/{drop}/history"),
            StatusCode::NOT_FOUND,
            "compound",
        ),
        (
            format!("/api/buildings/{or}"),
            StatusCode::BAD_REQUEST,
            "not a number",
        ),
        (format!("/api/problems/{drop}"), StatusCode::BAD_REQUEST, ""),
        (format!("/api/chiefs/{or}"), StatusCode::BAD_REQUEST, ""),
        (
            format!("/tiles/{drop}/14/0/0.mvt"),
            StatusCode::NOT_FOUND,
            "layer",
        ),
        (
            format!("/tiles/all/{or}/0/0.mvt"),
            StatusCode::BAD_REQUEST,
            "whole number",
        ),
    ] {
        let answer = f.get(&uri).await;
        refused(&uri, &answer, want, &[needle]);
    }
    // In query values.
    for (uri, needle) in [
        (format!("/api/compounds?tier={drop}"), "tier"),
        (format!("/api/compounds?limit={or}"), "number"),
        (format!("/api/zones?level={drop}"), "level"),
        (format!("/api/buildings?bbox={or},1,2,3"), "number"),
        (format!("/api/locate?lon={or}&lat=25.04"), ""),
        (format!("/api/problems?state={drop}"), ""),
    ] {
        let answer = f.get(&uri).await;
        refused(&uri, &answer, StatusCode::BAD_REQUEST, &[needle]);
    }
    // In JSON fields: refused for what they are, a tier or a category that does not exist, a
    // compound that is not there; and no sign-in for a username that is SQL.
    let drop = "'; DROP TABLE compounds; --";
    let answer = f
        .post(
            "/api/compounds/C1/tier",
            format!(r#"{{"tier": "{drop}", "reason": "x", "by": "y"}}"#),
        )
        .await;
    refused("a tier", &answer, StatusCode::BAD_REQUEST, &["tier"]);
    let answer = f
        .post(
            "/api/problems",
            format!(
                r#"{{"lon": 102.71, "lat": 25.04, "category": "{drop}", "description": "d",
                    "reporter": "r"}}"#
            ),
        )
        .await;
    refused("a category", &answer, StatusCode::BAD_REQUEST, &["categor"]);
    let answer = f
        .post(
            "/api/compounds/C1%27%20OR%201=1--/tier",
            r#"{"tier": "red", "reason": "x", "by": "y"}"#,
        )
        .await;
    refused(
        "a compound code",
        &answer,
        StatusCode::NOT_FOUND,
        &["no compound"],
    );
    for username in [drop, "admin' --", "' OR 1=1 --"] {
        let body = serde_json::json!({ "username": username, "password": "' OR '1'='1" });
        let request = Request::post("/api/session")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .expect("request");
        let answer = f.send(request).await;
        refused(username, &answer, StatusCode::UNAUTHORIZED, &["wrong"]);
    }
    f.still_serving(&before).await;
}

#[tokio::test]
async fn path_traversal_never_serves_a_file_outside_the_web_directory() {
    let f = fixture().await;
    let before = f.data().await;
    for uri in [
        "/../../etc/passwd",
        "/../secret.txt",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/%2e%2e/secret.txt",
        "/..%2f..%2fCargo.toml",
        "/..%2fsecret.txt",
        "/web/../Cargo.toml",
        "/web/..%5c..%5cCargo.toml",
    ] {
        let answer = f.get(uri).await;
        let text = answer.1.to_string();
        assert!(
            !text.contains(SECRET) && !text.contains("root:"),
            "{uri} served a file outside the web directory: {text}"
        );
        refused(uri, &answer, StatusCode::BAD_REQUEST, &["climbs out"]);
    }
    // The front end itself is still served, and an unknown page gets it too.
    for uri in ["/", "/index.html", "/some/page"] {
        let (status, body) = f.get(uri).await;
        assert_eq!(status, StatusCode::OK, "{uri}");
        assert_eq!(body, Value::String(INDEX.into()), "{uri}");
    }
    f.still_serving(&before).await;
}

#[tokio::test]
async fn invalid_utf8_is_refused_with_400() {
    let f = fixture().await;
    let before = f.data().await;
    // In the path: a segment that does not decode to text.
    for uri in [
        "/api/compounds/%FF%FE",
        "/api/zones/%C3%28",
        "/api/buildings/%FF",
        "/api/compounds/%E7%BD/history",
        "/tiles/all/%FF/0/0.mvt",
        "/%FF%FE.html",
    ] {
        let answer = f.get(uri).await;
        refused(uri, &answer, StatusCode::BAD_REQUEST, &["utf-8"]);
    }
    // In the query: decoded leniently, so the value is no tier, level or number.
    for uri in [
        "/api/compounds?tier=%FF",
        "/api/zones?level=%C3%28",
        "/api/compounds?limit=%FF",
    ] {
        let answer = f.get(uri).await;
        refused(uri, &answer, StatusCode::BAD_REQUEST, &[]);
    }
    // In a JSON body: bytes that are no UTF-8, in a string and outside one.
    let mut in_a_string = br#"{"tier": "red", "reason": ""#.to_vec();
    in_a_string.extend_from_slice(&[0xFF, 0xFE, 0xC3, 0x28]);
    in_a_string.extend_from_slice(br#"", "by": "x"}"#);
    let bare = vec![b'{', 0xFF, 0xFE, b'}'];
    for uri in [
        "/api/compounds/C1/tier",
        "/api/problems",
        "/api/compounds/C1/inspections",
        "/api/session",
        "/api/plans",
    ] {
        for body in [&in_a_string, &bare] {
            let answer = f.post(uri, body.clone()).await;
            refused(uri, &answer, StatusCode::BAD_REQUEST, &["json"]);
        }
    }
    f.still_serving(&before).await;
}

#[tokio::test]
async fn refusals_that_bypass_the_handlers_are_json_too() {
    let f = fixture().await;
    // A method a route does not take.
    let request = f
        .request(Method::DELETE, "/api/compounds")
        .body(Body::empty())
        .expect("request");
    let answer = f.send(request).await;
    refused(
        "DELETE /api/compounds",
        &answer,
        StatusCode::METHOD_NOT_ALLOWED,
        &["DELETE", "not allowed", "/api/compounds"],
    );
    // A JSON body without its content type.
    let request = f
        .request(Method::POST, "/api/problems")
        .body(Body::from("{}"))
        .expect("request");
    let answer = f.send(request).await;
    refused(
        "no content type",
        &answer,
        StatusCode::BAD_REQUEST,
        &["content-type"],
    );
    // A query parameter given twice to a typed query.
    let answer = f.get("/tiles/patrol/14/0/0.mvt?chief=1&chief=2").await;
    refused("chief twice", &answer, StatusCode::BAD_REQUEST, &["chief"]);
}
