//! `wangge serve` as a process: health, the JSON API, and refusing what it cannot serve.

use serde_json::Value;
use wangge_e2e::{Server, temp_db, text, wangge};

#[test]
fn serve_answers_the_api_over_http() {
    let (_dir, db) = temp_db("demo.gpkg");
    let db = db.as_str();
    let out = wangge(&["demo", "--db", db, "--no-serve"]);
    assert!(out.status.success(), "{:?}", text(&out));
    let server = Server::start(&["serve", "--db", db]);
    let (status, body) = server.get("/health");
    assert_eq!(status, 200, "{body}");
    let (status, body) = server.get("/api/stats");
    assert_eq!(status, 200);
    let stats: Value = serde_json::from_str(&body).expect("stats");
    let red = stats["compounds_by_tier"]["red"].as_u64().expect("red");
    let (_, body) = server.get("/api/compounds?tier=red&limit=1000");
    let page: Value = serde_json::from_str(&body).expect("page");
    assert_eq!(page["total"].as_u64(), Some(red));
    assert_eq!(
        page["features"].as_array().map(Vec::len),
        Some(red as usize)
    );
    let (status, body) = server.get("/api/compounds?bbox=oops");
    assert_eq!(status, 400, "{body}");
    let (status, _) = server.get("/");
    assert_eq!(status, 200);
}

#[test]
fn serve_refuses_a_missing_database_with_advice() {
    let out = wangge(&[
        "serve",
        "--db",
        "/nonexistent/x.gpkg",
        "--addr",
        "127.0.0.1:1",
    ]);
    assert!(!out.status.success());
    let (_, stderr) = text(&out);
    assert!(
        stderr.contains("x.gpkg") && stderr.contains("wangge demo"),
        "{stderr}"
    );
}
