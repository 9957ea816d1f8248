//! HTTP tests: the router called with `oneshot`, no open port, over a real GeoPackage store.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;
use wangge_core::ChangeSet;
use wangge_server::{AppState, app};
use wangge_store::{GpkgStore, Store, contract::sample};

async fn state() -> (AppState, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = GpkgStore::open(dir.path().join("api.gpkg")).expect("store");
    store
        .apply(&ChangeSet::insert_all(&sample()))
        .await
        .expect("insert");
    let store: Arc<dyn Store> = Arc::new(store);
    (AppState::load(store).await.expect("state"), dir)
}

async fn get(state: &AppState, uri: &str) -> (StatusCode, Value) {
    let response = app(state.clone())
        .oneshot(
            Request::builder()
                .uri(uri)
                .body(Body::empty())
                .expect("request"),
        )
        .await
        .expect("response");
    let status = response.status();
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    let body = serde_json::from_slice(&bytes)
        .unwrap_or(Value::String(String::from_utf8_lossy(&bytes).into()));
    (status, body)
}

fn ids(body: &Value) -> Vec<i64> {
    body["features"]
        .as_array()
        .expect("features")
        .iter()
        .map(|f| f["id"].as_i64().expect("id"))
        .collect()
}

#[tokio::test]
async fn health_names_the_store_and_version() {
    let (state, _dir) = state().await;
    let (status, body) = get(&state, "/health").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["status"], "ok");
    assert_eq!(body["data_version"], 1);
    assert!(body["store"].as_str().expect("store").contains("api.gpkg"));
}

#[tokio::test]
async fn lists_filter_by_tier_level_and_box() {
    let (state, _dir) = state().await;
    let (status, body) = get(&state, "/api/compounds?tier=red").await;
    assert_eq!(status, StatusCode::OK);
    let red: Vec<i64> = sample()
        .compounds
        .iter()
        .filter(|c| c.tier == wangge_core::Tier::Red)
        .map(|c| c.id)
        .collect();
    assert_eq!(ids(&body), red);
    assert!(
        body["features"]
            .as_array()
            .expect("features")
            .iter()
            .all(|f| f["properties"]["tier"] == "red")
    );
    assert_eq!(body["features"][0]["properties"]["households"], 72);

    let (_, body) = get(&state, "/api/zones?level=community").await;
    assert_eq!(ids(&body), vec![10, 11, 12, 13]);
    assert_eq!(
        body["features"][0]["properties"]["parent_code"],
        "530102001"
    );

    let (_, body) = get(
        &state,
        "/api/buildings?bbox=102.700,25.030,102.7035,25.040&limit=1000",
    )
    .await;
    assert_eq!(ids(&body), vec![1000, 1001, 1002]);

    let (_, body) = get(&state, "/api/buildings?offset=20&limit=3").await;
    assert_eq!(ids(&body), vec![1020, 1021, 1022]);
    assert_eq!(body["total"], 24);
    assert_eq!(body["next"], 23);
    let (_, body) = get(&state, "/api/buildings?offset=21&limit=3").await;
    assert_eq!(body["next"], Value::Null);
}

#[tokio::test]
async fn single_records_and_point_lookup() {
    let (state, _dir) = state().await;
    let (status, body) = get(&state, "/api/compounds/C2").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["properties"]["name"], "小区2");
    assert_eq!(body["properties"]["buildings"], 3);
    let (_, body) = get(&state, "/api/buildings/1004").await;
    assert_eq!(body["properties"]["compound_code"], "C1");
    let (status, body) = get(&state, "/api/locate?lon=102.715&lat=25.045").await;
    assert_eq!(status, StatusCode::OK);
    let codes: Vec<&str> = body["zones"]
        .as_array()
        .expect("zones")
        .iter()
        .map(|z| z["properties"]["code"].as_str().expect("code"))
        .collect();
    assert_eq!(codes, vec!["530102001", "530102001002"]);
    // Streets run at 25.033, 25.040 and 25.047; the last is 0.002° (≈ 220 m) away.
    assert_eq!(body["nearest_street"]["id"], 502);
    let d = body["nearest_street"]["distance_m"]
        .as_f64()
        .expect("distance");
    assert!((200.0..240.0).contains(&d), "{d}");
}

#[tokio::test]
async fn bad_requests_get_a_clear_4xx() {
    let (state, _dir) = state().await;
    let cases = [
        (
            "/api/compounds?bbox=1,2,3",
            StatusCode::BAD_REQUEST,
            "four numbers",
        ),
        (
            "/api/compounds?bbox=a,b,c,d",
            StatusCode::BAD_REQUEST,
            "not a number",
        ),
        (
            "/api/compounds?bbox=3,2,1,4",
            StatusCode::BAD_REQUEST,
            "minimum above",
        ),
        (
            "/api/compounds?bbox=0,0,200,1",
            StatusCode::BAD_REQUEST,
            "outside",
        ),
        (
            "/api/compounds?limit=0",
            StatusCode::BAD_REQUEST,
            "between 1 and",
        ),
        (
            "/api/compounds?limit=many",
            StatusCode::BAD_REQUEST,
            "must be a number",
        ),
        (
            "/api/compounds?tier=purple",
            StatusCode::BAD_REQUEST,
            "purple",
        ),
        (
            "/api/compounds?colour=red",
            StatusCode::BAD_REQUEST,
            "unknown parameter `colour`",
        ),
        ("/api/zones?level=ward", StatusCode::BAD_REQUEST, "ward"),
        (
            "/api/zones/999",
            StatusCode::NOT_FOUND,
            "no zone has code 999",
        ),
        (
            "/api/buildings/abc",
            StatusCode::BAD_REQUEST,
            "not a number",
        ),
        ("/api/buildings/77", StatusCode::NOT_FOUND, "no building"),
        ("/api/locate?lon=1", StatusCode::BAD_REQUEST, "both"),
        (
            "/api/locate?lon=500&lat=1",
            StatusCode::BAD_REQUEST,
            "not a longitude",
        ),
        ("/no/such/thing", StatusCode::NOT_FOUND, "GET /api"),
        ("/api/compounds?tier=%FF", StatusCode::BAD_REQUEST, ""),
    ];
    for (uri, want, text) in cases {
        let (status, body) = get(&state, uri).await;
        assert_eq!(status, want, "{uri}: {body}");
        let message = body["error"].as_str().unwrap_or_default();
        assert!(message.contains(text), "{uri}: {message}");
    }
}

#[tokio::test]
async fn a_reload_shows_changes_made_in_the_store() {
    let (state, _dir) = state().await;
    let mut data = sample();
    let before = data.clone();
    data.compounds[0].tier = wangge_core::Tier::Red;
    state
        .store()
        .apply(&ChangeSet::diff(&before, &data))
        .await
        .expect("apply");
    assert_eq!(state.reload().await.expect("reload"), 2);
    let (_, body) = get(&state, "/api/compounds/C0").await;
    assert_eq!(body["properties"]["tier"], "red");
}
