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

/// The bearer token of the administrator every `state()` has: requests sent without a cookie or
/// token of their own carry it.
const ADMIN_TOKEN: &str = "admin-token-of-the-api-tests";

async fn state() -> (AppState, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = GpkgStore::open(dir.path().join("api.gpkg")).expect("store");
    store
        .apply(&ChangeSet::insert_all(&sample()))
        .await
        .expect("insert");
    let hash = wangge_core::hash_password("admin password").expect("hash");
    let admin = store
        .create_user(
            &wangge_core::User::new("admin", wangge_core::Role::Admin, None, hash),
            &[],
        )
        .await
        .expect("admin");
    store
        .create_session(admin, &wangge_core::token_hash(ADMIN_TOKEN), i64::MAX, &[])
        .await
        .expect("session");
    let store: Arc<dyn Store> = Arc::new(store);
    (
        AppState::load(store, wangge_server::ServerOptions::default())
            .await
            .expect("state"),
        dir,
    )
}

async fn get(state: &AppState, uri: &str) -> (StatusCode, Value) {
    let response = raw(
        state,
        Request::builder()
            .uri(uri)
            .body(Body::empty())
            .expect("request"),
    )
    .await;
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

// ---- Tiles, caching, tier changes, summaries, styles, maps ----

use axum::http::header;
use std::io::Read;

/// Sends a request; one without a cookie or token of its own goes as the administrator.
async fn raw(state: &AppState, mut request: Request<Body>) -> axum::response::Response {
    let headers = request.headers_mut();
    if !headers.contains_key(header::AUTHORIZATION) && !headers.contains_key(header::COOKIE) {
        headers.insert(
            header::AUTHORIZATION,
            format!("Bearer {ADMIN_TOKEN}").parse().expect("header"),
        );
    }
    app(state.clone()).oneshot(request).await.expect("response")
}

/// Sends a request with no cookie and no token.
async fn anonymous(state: &AppState, request: Request<Body>) -> axum::response::Response {
    app(state.clone()).oneshot(request).await.expect("response")
}

async fn bytes(response: axum::response::Response) -> Vec<u8> {
    response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes()
        .to_vec()
}

/// The `tier` of every feature of the `compounds` MVT layer, by compound id.
fn tiers_in_tile(tile: Vec<u8>) -> std::collections::BTreeMap<u64, String> {
    let reader = mvt_reader::Reader::new(tile).expect("a valid MVT");
    let names = reader.get_layer_names().expect("layer names");
    let index = names
        .iter()
        .position(|n| n == "compounds")
        .expect("a compounds layer");
    reader
        .get_features(index)
        .expect("features")
        .into_iter()
        .map(|f| {
            let tier = match f.properties.as_ref().and_then(|p| p.get("tier")) {
                Some(mvt_reader::feature::Value::String(s)) => s.clone(),
                other => panic!("tier is {other:?}"),
            };
            (f.id.expect("feature id"), tier)
        })
        .collect()
}

/// The z16 tile holding compound C0 (id 100) of the sample, and one far from it.
fn tiles_near_and_far() -> (String, String) {
    let c0 = sample().compounds[0].geometry.clone();
    let rect = geo::BoundingRect::bounding_rect(&c0).expect("bounds");
    let t = wangge_tiles::TileId::covering(rect, 16)
        .next()
        .expect("a tile");
    let far = wangge_tiles::TileId::covering(
        geo::Rect::new(
            geo::coord! { x: 102.7195, y: 25.0490 },
            geo::coord! { x: 102.7196, y: 25.0491 },
        ),
        16,
    )
    .next()
    .expect("a tile");
    (
        format!("/tiles/compounds/16/{}/{}.mvt", t.x, t.y),
        format!("/tiles/zones/16/{}/{}.mvt", far.x, far.y),
    )
}

#[tokio::test]
async fn a_tier_change_shows_in_the_very_next_tile_and_only_nearby_tiles_are_dropped() {
    let (state, _dir) = state().await;
    let (near, far) = tiles_near_and_far();
    let response = raw(
        &state,
        Request::get(&near).body(Body::empty()).expect("request"),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()[header::CONTENT_TYPE],
        "application/vnd.mapbox-vector-tile"
    );
    let before = tiers_in_tile(bytes(response).await);
    assert_eq!(before.get(&100).map(String::as_str), Some("green"));
    // Warm a tile far away too.
    assert_eq!(
        raw(
            &state,
            Request::get(&far).body(Body::empty()).expect("request")
        )
        .await
        .status(),
        StatusCode::OK
    );
    assert_eq!(state.tiles().stats().entries, 2);

    let change = Request::post("/api/compounds/C0/tier")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(
            r#"{"tier": "red", "reason": "发现群租", "by": "张网格员"}"#,
        ))
        .expect("request");
    let response = raw(&state, change).await;
    assert_eq!(response.status(), StatusCode::OK);
    let answer: Value = serde_json::from_slice(&bytes(response).await).expect("json");
    assert_eq!(answer["compound"]["properties"]["tier"], "red");
    assert_eq!(answer["change"]["from"], "green");
    // The near tile was dropped, the far one kept.
    assert_eq!(state.tiles().stats().entries, 1);
    let after = tiers_in_tile(
        bytes(
            raw(
                &state,
                Request::get(&near).body(Body::empty()).expect("request"),
            )
            .await,
        )
        .await,
    );
    assert_eq!(after.get(&100).map(String::as_str), Some("red"));
    let others_before: Vec<_> = before.iter().filter(|(id, _)| **id != 100).collect();
    let others_after: Vec<_> = after.iter().filter(|(id, _)| **id != 100).collect();
    assert_eq!(others_before, others_after);

    let (status, history) = get(&state, "/api/compounds/C0/history").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(history["history"][0]["reason"], "发现群租");
    assert_eq!(history["history"][0]["to"], "red");
    let (_, summary) = get(&state, "/api/zones/530102001/summary").await;
    let red_before = sample()
        .compounds
        .iter()
        .filter(|c| c.tier == wangge_core::Tier::Red)
        .count();
    assert_eq!(summary["tiers"]["red"], red_before as u64 + 1);
}

#[tokio::test]
async fn tier_changes_without_a_reason_or_to_nowhere_are_refused() {
    let (state, _dir) = state().await;
    for (uri, body, status, text) in [
        (
            "/api/compounds/C0/tier",
            r#"{"tier": "red", "reason": "  "}"#,
            StatusCode::BAD_REQUEST,
            "reason",
        ),
        (
            "/api/compounds/C0/tier",
            r#"{"tier": "blue", "reason": "x"}"#,
            StatusCode::BAD_REQUEST,
            "blue",
        ),
        (
            "/api/compounds/C0/tier",
            r#"{"tier": "green", "reason": "x"}"#,
            StatusCode::BAD_REQUEST,
            "already",
        ),
        (
            "/api/compounds/C0/tier",
            r#"{"tier": "red"}"#,
            StatusCode::BAD_REQUEST,
            "reason",
        ),
        (
            "/api/compounds/C0/tier",
            r#"{"tier": "red", "reason": "x", "extra": 1}"#,
            StatusCode::BAD_REQUEST,
            "extra",
        ),
        (
            "/api/compounds/C0/tier",
            "not json",
            StatusCode::BAD_REQUEST,
            "",
        ),
        (
            "/api/compounds/NOPE/tier",
            r#"{"tier": "red", "reason": "x"}"#,
            StatusCode::NOT_FOUND,
            "NOPE",
        ),
    ] {
        let request = Request::post(uri)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body))
            .expect("request");
        let response = raw(&state, request).await;
        assert_eq!(response.status(), status, "{body}");
        let answer: Value = serde_json::from_slice(&bytes(response).await).unwrap_or(Value::Null);
        assert!(
            answer["error"].as_str().unwrap_or_default().contains(text),
            "{body}: {answer}"
        );
    }
    assert_eq!(
        state.store().data_version().await.expect("version"),
        1,
        "nothing was written"
    );
}

#[tokio::test]
async fn tiles_are_gzipped_revalidated_and_bad_requests_refused() {
    let (state, _dir) = state().await;
    let (near, _) = tiles_near_and_far();
    let request = Request::get(&near)
        .header(header::ACCEPT_ENCODING, "gzip")
        .body(Body::empty())
        .expect("request");
    let response = raw(&state, request).await;
    assert_eq!(response.headers()[header::CONTENT_ENCODING], "gzip");
    assert_eq!(response.headers()[header::CACHE_CONTROL], "no-cache");
    let etag = response.headers()[header::ETAG]
        .to_str()
        .expect("etag")
        .to_string();
    let zipped = bytes(response).await;
    let mut plain = Vec::new();
    flate2::read::GzDecoder::new(zipped.as_slice())
        .read_to_end(&mut plain)
        .expect("gunzip");
    assert_eq!(
        tiers_in_tile(plain).get(&100).map(String::as_str),
        Some("green")
    );
    let request = Request::get(&near)
        .header(header::ACCEPT_ENCODING, "gzip")
        .header(header::IF_NONE_MATCH, &etag)
        .body(Body::empty())
        .expect("request");
    let response = raw(&state, request).await;
    assert_eq!(response.status(), StatusCode::NOT_MODIFIED);
    assert!(bytes(response).await.is_empty());
    assert!(state.tiles().stats().hits >= 1);

    for (uri, status) in [
        ("/tiles/compounds/23/0/0.mvt", StatusCode::BAD_REQUEST),
        ("/tiles/compounds/2/4/0.mvt", StatusCode::BAD_REQUEST),
        ("/tiles/compounds/2/0/-1.mvt", StatusCode::BAD_REQUEST),
        ("/tiles/compounds/a/0/0.mvt", StatusCode::BAD_REQUEST),
        ("/tiles/parks/1/0/0.mvt", StatusCode::NOT_FOUND),
        ("/tiles/compounds/1/0/0.png", StatusCode::NOT_FOUND),
        (
            "/tiles/compounds/1/0/99999999999999999999.mvt",
            StatusCode::BAD_REQUEST,
        ),
        ("/tiles/parks.json", StatusCode::NOT_FOUND),
        ("/tiles/compounds/1/0", StatusCode::NOT_FOUND),
    ] {
        let (got, body) = get(&state, uri).await;
        assert_eq!(got, status, "{uri}: {body}");
        assert!(body["error"].is_string(), "{uri}: {body}");
    }
}

#[tokio::test]
async fn tilejson_style_meta_and_summary_describe_the_map() {
    let (state, _dir) = state().await;
    let request = Request::get("/tiles/all.json")
        .header(header::HOST, "maps.example:9000")
        .body(Body::empty())
        .expect("request");
    let tilejson: Value =
        serde_json::from_slice(&bytes(raw(&state, request).await).await).expect("json");
    assert_eq!(tilejson["tilejson"], "3.0.0");
    assert_eq!(
        tilejson["tiles"][0],
        "http://maps.example:9000/tiles/all/{z}/{x}/{y}.mvt"
    );
    let ids: Vec<&str> = tilejson["vector_layers"]
        .as_array()
        .expect("layers")
        .iter()
        .filter_map(|l| l["id"].as_str())
        .collect();
    for layer in [
        "compounds",
        "compound_points",
        "buildings",
        "streets",
        "zones",
        "zone_labels",
    ] {
        assert!(ids.contains(&layer), "{ids:?}");
    }
    let bounds = tilejson["bounds"].as_array().expect("bounds");
    assert!((bounds[0].as_f64().expect("x") - 102.70).abs() < 1e-6);

    let request = Request::get("/styles/leader.json")
        .header(header::HOST, "maps.example:9000")
        .body(Body::empty())
        .expect("request");
    let style = String::from_utf8(bytes(raw(&state, request).await).await).expect("utf-8");
    assert!(!style.contains("{base}"));
    assert!(style.contains("http://maps.example:9000/tiles/"), "{style}");
    let style: Value = serde_json::from_str(&style).expect("style JSON");
    assert_eq!(style["version"], 8);
    assert!(
        style.get("glyphs").is_none(),
        "labels render locally; no glyph server is needed"
    );
    let (status, _) = get(&state, "/styles/nope.json").await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (_, meta) = get(&state, "/api/meta").await;
    assert_eq!(meta["name"], "演示街道");
    assert_eq!(meta["attribution"], serde_json::json!([]));
    let (_, summary) = get(&state, "/api/summary").await;
    assert_eq!(summary["zone"]["code"], "530102001");
    let children = summary["children"].as_array().expect("children");
    assert_eq!(children.len(), 4);
    let total: u64 = ["green", "yellow", "red"]
        .iter()
        .map(|t| summary["tiers"][*t].as_u64().expect("count"))
        .sum();
    assert_eq!(total, 8);
    let (status, _) = get(&state, "/api/zones/nope/summary").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, body) = get(&state, "/api/nothing/here").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body["error"].is_string());
}

#[tokio::test]
async fn maps_render_as_png() {
    let (state, _dir) = state().await;
    for uri in [
        "/render/all.png?width=400",
        "/render/530102001001.png?width=300&lang=en",
    ] {
        let response = raw(
            &state,
            Request::get(uri).body(Body::empty()).expect("request"),
        )
        .await;
        assert_eq!(response.status(), StatusCode::OK, "{uri}");
        assert_eq!(response.headers()[header::CONTENT_TYPE], "image/png");
        let png = bytes(response).await;
        assert_eq!(&png[1..4], b"PNG");
        let width = u32::from_be_bytes([png[16], png[17], png[18], png[19]]);
        assert!(width == 400 || width == 300, "{uri}: {width}");
    }
    for (uri, status) in [
        ("/render/nope.png", StatusCode::NOT_FOUND),
        ("/render/all.jpg", StatusCode::NOT_FOUND),
        ("/render/all.png?width=5", StatusCode::BAD_REQUEST),
        ("/render/all.png?lang=fr", StatusCode::BAD_REQUEST),
    ] {
        let (got, _) = get(&state, uri).await;
        assert_eq!(got, status, "{uri}");
    }
}

async fn post_json(state: &AppState, uri: &str, body: &str) -> (StatusCode, Value) {
    let request = Request::post(uri)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .expect("request");
    let response = raw(state, request).await;
    let status = response.status();
    let answer = serde_json::from_slice(&bytes(response).await).unwrap_or(Value::Null);
    (status, answer)
}

#[tokio::test]
async fn an_inspection_moves_the_due_date_and_fills_the_card() {
    let (state, _dir) = state().await;
    let today = wangge_core::inspections::local_date(
        jiff::Timestamp::now().as_millisecond(),
        &wangge_core::inspections::shanghai(),
    )
    .expect("today")
    .to_string();
    // Never inspected: every compound is due today and none is overdue.
    let (status, due) = get(&state, "/api/due").await;
    assert_eq!(status, StatusCode::OK, "{due}");
    assert_eq!(due["total"], 8);
    assert_eq!(due["overdue"], 0);
    assert_eq!(due["today"], today.as_str());
    assert!(
        due["compounds"]
            .as_array()
            .expect("list")
            .iter()
            .all(|c| c["next_due"] == today.as_str() && c["last_inspection"].is_null()),
        "{due}"
    );
    let (_, card) = get(&state, "/api/compounds/C1").await;
    assert!(card["properties"]["last_inspection"].is_null(), "{card}");

    // C1 is yellow (monthly). 16:30 UTC on Jan 31 is Feb 1 in Shanghai, so it is due on Mar 1.
    let (status, answer) = post_json(
        &state,
        "/api/compounds/C1/inspections",
        r#"{"inspector": "李网格", "role": "网格员", "at": "2026-01-31T16:30:00Z",
            "findings": {"rentals": {"ok": false, "note": "群租 2 户"}, "sanitation": {"ok": true}},
            "suggested_tier": "red"}"#,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    assert_eq!(answer["next_due"], "2026-03-01");
    assert_eq!(answer["data_version"], 2);
    let inspection = &answer["inspection"];
    assert!(inspection["id"].as_i64().expect("id") > 0, "{answer}");
    assert_eq!(inspection["date"], "2026-02-01");
    assert_eq!(inspection["role"], "grid_worker");
    assert_eq!(inspection["findings"]["rentals"]["note"], "群租 2 户");
    assert!(inspection["findings"]["fire_safety"].is_null());
    assert_eq!(inspection["all_ok"], false);
    assert_eq!(inspection["suggested_tier"], "red");
    let overdue = today.as_str() > "2026-03-01";
    assert_eq!(answer["due"]["overdue"], overdue);

    let (_, card) = get(&state, "/api/compounds/C1").await;
    let last = &card["properties"]["last_inspection"];
    assert_eq!(last["date"], "2026-02-01", "{card}");
    assert_eq!(last["result"], "problem");
    assert_eq!(last["all_ok"], false);
    let (status, listed) = get(&state, "/api/compounds/C1/inspections").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(listed["inspections"].as_array().expect("list").len(), 1);
    assert_eq!(listed["due"]["next_due"], "2026-03-01");

    // An inspection now moves the next due date a month past today.
    let (status, answer) = post_json(
        &state,
        "/api/compounds/C1/inspections",
        r#"{"inspector": "王警官", "role": "community_police", "findings": {"public_order": {"ok": true}}}"#,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    assert!(answer["next_due"].as_str().expect("date") > today.as_str());
    assert_eq!(answer["due"]["overdue"], false);
    let (_, card) = get(&state, "/api/compounds/C1").await;
    assert_eq!(card["properties"]["last_inspection"]["result"], "ok");

    // The due list filters by zone (by interior point) and by overdue.
    let (_, due) = get(&state, "/api/due").await;
    let c1 = due["compounds"]
        .as_array()
        .expect("list")
        .iter()
        .find(|c| c["code"] == "C1")
        .expect("C1")
        .clone();
    assert_eq!(c1["next_due"], answer["next_due"]);
    assert_eq!(c1["last_inspection"]["inspector"], "王警官");
    let (_, zoned) = get(&state, "/api/due?zone=530102001003").await;
    let mut codes: Vec<&str> = zoned["compounds"]
        .as_array()
        .expect("list")
        .iter()
        .map(|c| c["code"].as_str().expect("code"))
        .collect();
    codes.sort_unstable();
    assert_eq!(codes, vec!["C0", "C1", "C2", "C3"], "{zoned}");
    let (_, empty) = get(&state, "/api/due?zone=530102001001").await;
    assert_eq!(empty["total"], 0);
    let (_, overdue_only) = get(&state, "/api/due?overdue=true").await;
    assert_eq!(overdue_only["compounds"].as_array().expect("list").len(), 0);
}

#[tokio::test]
async fn bad_inspections_are_refused_and_nothing_is_written() {
    let (state, _dir) = state().await;
    let in_two_days = (jiff::Timestamp::now() + jiff::SignedDuration::from_hours(49)).to_string();
    let future = format!(r#"{{"inspector": "李", "role": "chief", "at": "{in_two_days}"}}"#);
    for (uri, body, status, text) in [
        (
            "/api/compounds/C0/inspections",
            r#"{"inspector": " ", "role": "chief"}"#,
            StatusCode::BAD_REQUEST,
            "inspector",
        ),
        (
            "/api/compounds/C0/inspections",
            r#"{"inspector": "李", "role": "janitor"}"#,
            StatusCode::BAD_REQUEST,
            "janitor",
        ),
        (
            "/api/compounds/C0/inspections",
            future.as_str(),
            StatusCode::BAD_REQUEST,
            "future",
        ),
        (
            "/api/compounds/C0/inspections",
            r#"{"inspector": "李", "role": "chief", "at": "yesterday"}"#,
            StatusCode::BAD_REQUEST,
            "RFC 3339",
        ),
        (
            "/api/compounds/C0/inspections",
            r#"{"inspector": "李", "role": "chief", "findings": {"parking": {"ok": true}}}"#,
            StatusCode::BAD_REQUEST,
            "parking",
        ),
        (
            "/api/compounds/NOPE/inspections",
            r#"{"inspector": "李", "role": "chief"}"#,
            StatusCode::NOT_FOUND,
            "NOPE",
        ),
    ] {
        let (got, answer) = post_json(&state, uri, body).await;
        assert_eq!(got, status, "{body}: {answer}");
        assert!(
            answer["error"].as_str().unwrap_or_default().contains(text),
            "{body}: {answer}"
        );
    }
    assert_eq!(state.store().data_version().await.expect("version"), 1);
    let (status, _) = get(&state, "/api/due?overdue=maybe").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = get(&state, "/api/due?zone=NOPE").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = get(&state, "/api/compounds/NOPE/inspections").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn chiefs_show_their_area_and_take_buildings_by_hand() {
    let (state, _dir) = state().await;
    let (status, roster) = get(&state, "/api/chiefs").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(roster["count"], 2);
    let first = &roster["chiefs"][0];
    assert_eq!(first["id"], 1);
    assert_eq!(first["level"], "resident");
    assert_eq!(first["load"]["buildings"], 3);
    assert_eq!(first["load"]["streets"], 1);
    assert_eq!(first["load"]["households"], 72);
    let (_, none) = get(&state, "/api/chiefs?level=community").await;
    assert_eq!(none["count"], 0);

    // Chief 1's area: compound C0 (three buildings), street 500, a round over both.
    let (status, area) = get(&state, "/api/chiefs/1").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(area["chief"]["name"], "街长0");
    let compounds = area["compounds"].as_array().expect("compounds");
    assert_eq!(compounds.len(), 1);
    assert_eq!(compounds[0]["code"], "C0");
    assert_eq!(compounds[0]["buildings"], 3);
    assert_eq!(area["streets"][0]["id"], 500);
    assert_eq!(area["round"].as_array().map(Vec::len), Some(2));
    assert_eq!(area["round"][1]["order"], 2);
    let bbox = area["bbox"].as_array().expect("bbox");
    assert!(bbox[0].as_f64() < bbox[2].as_f64());
    assert_eq!(
        get(&state, "/api/chiefs/x").await.0,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(get(&state, "/api/chiefs/99").await.0, StatusCode::NOT_FOUND);

    // The planner drags building 1000 to chief 2: both chiefs' figures come back.
    let (status, moved) = post_json(
        &state,
        "/api/duties",
        r#"{"kind": "building", "targets": [1000], "chief": 2}"#,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{moved}");
    let loads: Vec<(i64, i64)> = moved["chiefs"]
        .as_array()
        .expect("chiefs")
        .iter()
        .map(|c| {
            (
                c["id"].as_i64().expect("id"),
                c["load"]["buildings"].as_i64().expect("n"),
            )
        })
        .collect();
    assert_eq!(loads, [(1, 2), (2, 3)]);
    let (_, building) = get(&state, "/api/buildings/1000").await;
    assert_eq!(building["properties"]["chief"], 2);
    let (_, area) = get(&state, "/api/chiefs/2").await;
    assert_eq!(area["compounds"].as_array().map(Vec::len), Some(2));

    for (body, status) in [
        (
            r#"{"kind": "lane", "targets": [1000], "chief": 2}"#,
            StatusCode::BAD_REQUEST,
        ),
        (
            r#"{"kind": "building", "targets": [1000], "chief": 9}"#,
            StatusCode::NOT_FOUND,
        ),
        (
            r#"{"kind": "building", "targets": [1000], "chief": 2, "level": "community"}"#,
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            r#"{"kind": "building", "targets": [424242], "chief": 2}"#,
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ] {
        let (got, answer) = post_json(&state, "/api/duties", body).await;
        assert_eq!(got, status, "{body}: {answer}");
    }
}

#[tokio::test]
async fn a_chief_signs_in_with_a_cookie_or_a_token_is_locked_out_and_signs_out() {
    use wangge_core::{Role, User, hash_password};
    let (state, _dir) = state().await;
    let hash = hash_password("correct horse").expect("hash");
    state
        .store()
        .create_user(
            &User::new("wangfang", Role::Patrol, Some(1), hash.clone()),
            &[],
        )
        .await
        .expect("patrol user");
    state
        .store()
        .create_user(&User::new("li", Role::Leader, None, hash), &[])
        .await
        .expect("leader");
    let nobody = anonymous(
        &state,
        Request::get("/api/session")
            .body(Body::empty())
            .expect("request"),
    )
    .await;
    assert_eq!(nobody.status(), StatusCode::UNAUTHORIZED);

    // Signing in answers with an HttpOnly, SameSite cookie and the user, never the hash.
    let request = Request::post("/api/session")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(
            r#"{"username": "wangfang", "password": "correct horse"}"#,
        ))
        .expect("request");
    let response = raw(&state, request).await;
    assert_eq!(response.status(), StatusCode::OK);
    let set_cookie = response.headers()[header::SET_COOKIE]
        .to_str()
        .expect("cookie")
        .to_string();
    assert!(set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Lax"));
    let body: Value = serde_json::from_slice(&bytes(response).await).expect("json");
    assert_eq!(body["user"]["role"], "patrol");
    assert_eq!(body["user"]["chief"], 1);
    assert_eq!(body["user"]["chief_name"], "街长0");
    assert!(!body.to_string().contains("argon2"), "{body}");
    let token = body["token"].as_str().expect("token").to_string();
    let cookie = set_cookie.split(';').next().expect("pair").to_string();

    let whoami = |header_name: header::HeaderName, value: String| {
        let state = state.clone();
        async move {
            let request = Request::get("/api/session")
                .header(header_name, value)
                .body(Body::empty())
                .expect("request");
            let response = raw(&state, request).await;
            let status = response.status();
            let body: Value = serde_json::from_slice(&bytes(response).await).unwrap_or_default();
            (status, body)
        }
    };
    let (status, me) = whoami(header::COOKIE, cookie.clone()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["user"]["username"], "wangfang");
    let (status, me) = whoami(header::AUTHORIZATION, format!("Bearer {token}")).await;
    assert_eq!(status, StatusCode::OK, "{me}");
    let (status, _) = whoami(header::COOKIE, "wangge_session=forged".into()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // The patrol user's own area; a leader has none.
    let area = |cookie: String| {
        let state = state.clone();
        async move {
            let request = Request::get("/api/me/area")
                .header(header::COOKIE, cookie)
                .body(Body::empty())
                .expect("request");
            let response = raw(&state, request).await;
            let status = response.status();
            let body: Value = serde_json::from_slice(&bytes(response).await).unwrap_or_default();
            (status, body)
        }
    };
    let (status, mine) = area(cookie.clone()).await;
    assert_eq!(status, StatusCode::OK, "{mine}");
    assert_eq!(mine["chief"]["id"], 1);
    assert_eq!(mine["compounds"][0]["code"], "C0");
    assert_eq!(mine["user"]["username"], "wangfang");
    assert_eq!(area(String::new()).await.0, StatusCode::UNAUTHORIZED);

    // Signing out ends the session in the store: the cookie no longer works.
    let request = Request::delete("/api/session")
        .header(header::COOKIE, cookie.clone())
        .body(Body::empty())
        .expect("request");
    assert_eq!(raw(&state, request).await.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        whoami(header::COOKIE, cookie).await.0,
        StatusCode::UNAUTHORIZED
    );

    // A leader signs in fine but has no own area.
    let (status, leader) = post_json(
        &state,
        "/api/session",
        r#"{"username": "li", "password": "correct horse"}"#,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{leader}");
    let leader_cookie = format!(
        "wangge_session={}",
        leader["token"].as_str().expect("token")
    );
    assert_eq!(area(leader_cookie).await.0, StatusCode::FORBIDDEN);

    // Wrong passwords and unknown users get the same answer; five failures lock the user out
    // even from the right password.
    let (status, wrong) = post_json(
        &state,
        "/api/session",
        r#"{"username": "li", "password": "wrong one!"}"#,
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (_, unknown) = post_json(
        &state,
        "/api/session",
        r#"{"username": "nobody", "password": "wrong one!"}"#,
    )
    .await;
    assert_eq!(wrong, unknown);
    for _ in 0..4 {
        post_json(
            &state,
            "/api/session",
            r#"{"username": "li", "password": "nope nope"}"#,
        )
        .await;
    }
    let (status, locked) = post_json(
        &state,
        "/api/session",
        r#"{"username": "li", "password": "correct horse"}"#,
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(
        locked["error"]
            .as_str()
            .is_some_and(|m| m.contains("locked")),
        "{locked}"
    );
    // A body without a password is malformed.
    let (status, _) = post_json(&state, "/api/session", r#"{"username": "li"}"#).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

/// Features of one MVT layer of a tile: (feature id, properties), empty when the layer is absent.
fn layer_features(
    tile: &[u8],
    layer: &str,
) -> Vec<(u64, std::collections::HashMap<String, String>)> {
    if tile.is_empty() {
        return Vec::new();
    }
    let reader = mvt_reader::Reader::new(tile.to_vec()).expect("a valid MVT");
    let names = reader.get_layer_names().expect("layer names");
    let Some(index) = names.iter().position(|n| n == layer) else {
        return Vec::new();
    };
    reader
        .get_features(index)
        .expect("features")
        .into_iter()
        .map(|f| {
            let properties = f
                .properties
                .unwrap_or_default()
                .into_iter()
                .map(|(k, v)| {
                    let v = match v {
                        mvt_reader::feature::Value::String(s) => s,
                        other => format!("{other:?}"),
                    };
                    (k, v)
                })
                .collect();
            (f.id.expect("feature id"), properties)
        })
        .collect()
}

async fn tile_bytes(state: &AppState, uri: &str, cookie: Option<&str>) -> (StatusCode, Vec<u8>) {
    let mut request = Request::get(uri);
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    let response = raw(state, request.body(Body::empty()).expect("request")).await;
    let status = response.status();
    (status, bytes(response).await)
}

#[tokio::test]
async fn chiefs_and_patrol_tiles_follow_the_duties() {
    use wangge_core::{Role, User, hash_password};
    let (state, _dir) = state().await;
    // The z16 tile holding building 1000 (in compound C0).
    let b = sample().buildings[0].geometry.clone();
    let rect = geo::BoundingRect::bounding_rect(&b).expect("bounds");
    let t = wangge_tiles::TileId::covering(rect, 16)
        .next()
        .expect("a tile");
    let (z, x, y) = (16, t.x, t.y);
    let chiefs = format!("/tiles/chiefs/{z}/{x}/{y}.mvt");

    // Every chief's area, named, with workload and a colour; the two chiefs' areas touch, so
    // their colours differ.
    let (status, tile) = tile_bytes(&state, &chiefs, None).await;
    assert_eq!(status, StatusCode::OK);
    let areas = layer_features(&tile, "chiefs");
    let one = areas
        .iter()
        .find(|(id, _)| *id == 1)
        .map(|(_, p)| p.clone())
        .expect("chief 1's area is in the tile");
    assert_eq!(one["name"], "街长0");
    assert_eq!(one["level"], "resident");
    assert_eq!(one["buildings"], "UInt(3)");
    let workload_before = one["workload"].clone();
    if let Some((_, two)) = areas.iter().find(|(id, _)| *id == 2) {
        assert_ne!(two["colour"], one["colour"]);
    }

    // A patrol tile is for one chief: ?chief= or the signed-in chief's own.
    let patrol = |chief: &str| format!("/tiles/patrol/{z}/{x}/{y}.mvt{chief}");
    let (status, _) = tile_bytes(&state, &patrol(""), None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        tile_bytes(&state, &patrol("?chief=99"), None).await.0,
        StatusCode::NOT_FOUND
    );
    let compounds_of = |tile: &[u8]| -> Vec<String> {
        layer_features(tile, "patrol_compounds")
            .into_iter()
            .map(|(_, p)| p["code"].clone())
            .collect()
    };
    let buildings_of = |tile: &[u8]| -> Vec<u64> {
        layer_features(tile, "patrol_buildings")
            .into_iter()
            .map(|(id, _)| id)
            .collect()
    };
    let (status, mine) = tile_bytes(&state, &patrol("?chief=1"), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(compounds_of(&mine), ["C0"]);
    assert!(buildings_of(&mine).contains(&1000));
    assert_eq!(layer_features(&mine, "patrol_area").len(), 1);
    let (_, theirs) = tile_bytes(&state, &patrol("?chief=2"), None).await;
    assert!(!buildings_of(&theirs).contains(&1000));

    // A signed-in street chief gets their own tiles and is refused another's.
    let hash = hash_password("correct horse").expect("hash");
    state
        .store()
        .create_user(&User::new("wangfang", Role::Patrol, Some(1), hash), &[])
        .await
        .expect("patrol user");
    let (_, signed) = post_json(
        &state,
        "/api/session",
        r#"{"username": "wangfang", "password": "correct horse"}"#,
    )
    .await;
    let cookie = format!(
        "wangge_session={}",
        signed["token"].as_str().expect("token")
    );
    let (status, own) = tile_bytes(&state, &patrol(""), Some(&cookie)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(own, mine);
    let (status, _) = tile_bytes(&state, &patrol("?chief=2"), Some(&cookie)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // The planner gives building 1000 to chief 2: the very next tiles show it, though the
    // change touched no geometry.
    let (status, moved) = post_json(
        &state,
        "/api/duties",
        r#"{"kind": "building", "targets": [1000], "chief": 2}"#,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{moved}");
    let (_, theirs) = tile_bytes(&state, &patrol("?chief=2"), None).await;
    assert!(buildings_of(&theirs).contains(&1000));
    assert!(compounds_of(&theirs).contains(&"C0".to_string()));
    let (_, mine) = tile_bytes(&state, &patrol("?chief=1"), None).await;
    assert!(!buildings_of(&mine).contains(&1000));
    let (_, tile) = tile_bytes(&state, &chiefs, None).await;
    let one = layer_features(&tile, "chiefs")
        .into_iter()
        .find(|(id, _)| *id == 1)
        .map(|(_, p)| p)
        .expect("chief 1 still has an area");
    assert_eq!(one["buildings"], "UInt(2)");
    assert_ne!(one["workload"], workload_before);

    // TileJSON describes both layers.
    let (status, json) = get(&state, "/tiles/patrol.json?chief=1").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        json["tiles"][0]
            .as_str()
            .is_some_and(|t| t.ends_with("/tiles/patrol/{z}/{x}/{y}.mvt?chief=1")),
        "{json}"
    );
    let (_, json) = get(&state, "/tiles/chiefs.json").await;
    assert_eq!(json["vector_layers"][0]["id"], "chiefs");
}

#[tokio::test]
async fn a_compound_board_prints_as_html_and_png() {
    let (state, _dir) = state().await;
    // An inspection with a rentals problem shows on the board.
    let (status, recorded) = post_json(
        &state,
        "/api/compounds/C0/inspections",
        r#"{"inspector": "李明", "role": "grid_worker",
            "findings": {"rentals": {"ok": false, "note": "3户违规出租"}, "sanitation": {"ok": true}}}"#,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{recorded}");
    let (status, html) = tile_bytes(&state, "/boards/C0.html", None).await;
    assert_eq!(status, StatusCode::OK);
    let html = String::from_utf8(html).expect("utf-8");
    let c0 = &sample().compounds[0];
    assert!(html.contains(&c0.name), "{html}");
    assert!(html.contains(&format!(r#"data-tier="{}""#, c0.tier.as_str())));
    // The chief answering for C0's buildings, with their phone.
    assert!(
        html.contains("街长0") && html.contains("13800000000"),
        "{html}"
    );
    assert!(html.contains("李明") && html.contains("3户违规出租"));
    assert!(html.contains(r#"<tr class="bad" data-topic="rentals">"#));
    assert!(html.contains(r#"<tr class="none" data-topic="public_order">"#));
    let (_, english) = tile_bytes(&state, "/boards/C0.html?lang=en", None).await;
    assert!(String::from_utf8_lossy(&english).contains("Last inspection"));
    let (status, png) = tile_bytes(&state, "/boards/C0.png", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(&png[1..4], b"PNG");
    for (uri, expected) in [
        ("/boards/NOPE.html", StatusCode::NOT_FOUND),
        ("/boards/C0.pdf", StatusCode::NOT_FOUND),
        ("/boards/C0.html?lang=fr", StatusCode::BAD_REQUEST),
    ] {
        assert_eq!(tile_bytes(&state, uri, None).await.0, expected, "{uri}");
    }
}

#[tokio::test]
async fn the_dashboard_counts_tiers_overdue_inspections_and_open_suggestions() {
    let (state, _dir) = state().await;
    let (status, before) = get(&state, "/api/dashboard?weeks=4").await;
    assert_eq!(status, StatusCode::OK, "{before}");
    let total: u64 = ["green", "yellow", "red"]
        .iter()
        .map(|t| before["tiers"][t].as_u64().expect("count"))
        .sum();
    assert_eq!(total, sample().compounds.len() as u64);
    assert_eq!(before["trend"].as_array().map(Vec::len), Some(4));
    assert_eq!(before["overdue"]["total"], 0);
    assert!(before["children"].as_array().is_some_and(|c| !c.is_empty()));

    // An old inspection makes C0 overdue for its chief; it suggests red, which is open until a
    // tier change confirms it.
    let (status, _) = post_json(
        &state,
        "/api/compounds/C0/inspections",
        r#"{"inspector": "李明", "role": "grid_worker", "at": "2025-01-14T08:00:00Z",
            "suggested_tier": "red"}"#,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let (_, after) = get(&state, "/api/dashboard").await;
    assert_eq!(after["overdue"]["total"], 1, "{after}");
    assert_eq!(after["overdue"]["by_chief"][0]["name"], "街长0");
    let c0_tier = sample().compounds[0].tier;
    let suggestions = after["suggestions"].as_array().expect("suggestions");
    if c0_tier == wangge_core::Tier::Red {
        assert!(suggestions.is_empty());
    } else {
        assert_eq!(suggestions.len(), 1, "{after}");
        assert_eq!(suggestions[0]["code"], "C0");
        assert_eq!(suggestions[0]["suggested"], "red");
        let (status, _) = post_json(
            &state,
            "/api/compounds/C0/tier",
            r#"{"tier": "red", "reason": "确认巡查建议", "by": "王主任"}"#,
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        let (_, confirmed) = get(&state, "/api/dashboard").await;
        assert!(
            confirmed["suggestions"]
                .as_array()
                .expect("list")
                .is_empty()
        );
        let week = confirmed["trend"]
            .as_array()
            .and_then(|t| t.last())
            .expect("week");
        assert_eq!(week["tier_changes"], 1);
    }
    // A problem reported inside the sample counts as open in the zone and in its child.
    assert_eq!(after["problems"]["open"], 0);
    let (status, reported) = post_json(
        &state,
        "/api/problems",
        r#"{"lon": 102.7014, "lat": 25.0347, "category": "消防安全",
            "description": "楼道堆放杂物", "reporter": "王芳"}"#,
    )
    .await;
    assert!(status.is_success(), "{reported}");
    let (_, with_problem) = get(&state, "/api/dashboard").await;
    assert_eq!(with_problem["problems"]["open"], 1, "{with_problem}");
    assert_eq!(with_problem["problems"]["escalated"], 0);
    let open_in_children: u64 = with_problem["children"]
        .as_array()
        .expect("children")
        .iter()
        .filter_map(|c| c["problems_open"].as_u64())
        .sum();
    assert_eq!(open_in_children, 1);
    let week = with_problem["trend"]
        .as_array()
        .and_then(|t| t.last())
        .expect("week");
    assert_eq!(week["problems"], 1);
    // The heat layer has the open problem as a point, with no personal data.
    let (status, heat) = get(&state, "/api/problems/heat").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(heat["features"].as_array().map(Vec::len), Some(1));
    assert_eq!(heat["features"][0]["properties"]["level"], "chief");
    assert_eq!(heat["features"][0]["properties"]["level_rank"], 1);
    assert!(!heat.to_string().contains("王芳"), "{heat}");
    for (uri, expected) in [
        ("/api/dashboard?zone=NOPE", StatusCode::NOT_FOUND),
        ("/api/dashboard?weeks=0", StatusCode::BAD_REQUEST),
        ("/api/dashboard?weeks=abc", StatusCode::BAD_REQUEST),
    ] {
        assert_eq!(get(&state, uri).await.0, expected, "{uri}");
    }
}

#[tokio::test]
async fn problems_are_reported_routed_stepped_and_escalated() {
    let (state, _dir) = state().await;
    // Inside building 1000 of the sample: compound 100, chief 1, the third community.
    let report = r#"{"lon": 102.7014, "lat": 25.0347, "category": "消防安全",
        "description": "楼道堆放杂物", "reporter": "王芳"}"#;
    let (status, body) = post_json(&state, "/api/problems", report).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let problem = &body["problem"];
    assert_eq!(problem["routing"]["chief"]["id"], 1);
    assert_eq!(problem["routing"]["building"], 1000);
    assert_eq!(problem["routing"]["compound"]["id"], 100);
    assert_eq!(problem["routing"]["community"]["code"], "530102001003");
    assert_eq!(problem["state"], "reported");
    assert_eq!(problem["level"], "chief");
    let id = problem["id"].as_i64().expect("id");

    for bad in [
        r#"{"lon": 999, "lat": 25.0, "category": "noise", "description": "x", "reporter": "王"}"#,
        r#"{"lon": 102.7, "lat": 25.0, "category": "purple", "description": "x", "reporter": "王"}"#,
        r#"{"lon": 102.7, "lat": 25.0, "category": "noise", "description": " ", "reporter": "王"}"#,
        r#"{"lon": 102.7, "lat": 25.0, "category": "noise", "description": "x", "reporter": "王", "source": "hotline"}"#,
        r#"{"lat": 25.0}"#,
    ] {
        let (status, body) = post_json(&state, "/api/problems", bad).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {body}");
        assert!(body["error"].is_string(), "{body}");
    }

    let steps = format!("/api/problems/{id}/steps");
    let (status, body) = post_json(
        &state,
        &steps,
        r#"{"action": "accept", "by": "街长0", "state": "reported"}"#,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["problem"]["state"], "accepted");
    // A second client that still saw it reported is told it changed.
    let (status, body) = post_json(
        &state,
        &steps,
        r#"{"action": "start", "by": "街长1", "state": "reported"}"#,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["problem"]["state"], "accepted");
    let (status, body) = post_json(&state, &steps, r#"{"action": "close", "by": "街长0"}"#).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        body["error"]
            .as_str()
            .is_some_and(|e| e.contains("cannot be closed")),
        "{body}"
    );

    let (status, body) = get(&state, &format!("/api/problems/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["steps"].as_array().map(Vec::len), Some(2));
    assert_eq!(
        get(&state, "/api/problems/abc").await.0,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        get(&state, "/api/problems/9999").await.0,
        StatusCode::NOT_FOUND
    );
    let (_, body) = get(&state, "/api/problems?zone=530102001003&open=true").await;
    assert_eq!(body["total"], 1);
    let (_, body) = get(&state, "/api/problems?zone=530102001001").await;
    assert_eq!(body["total"], 0);
    assert_eq!(
        get(&state, "/api/problems?colour=red").await.0,
        StatusCode::BAD_REQUEST
    );

    // Ten days on, the clock takes it to the sub-district; run again, it has nothing to do.
    let later = jiff::Timestamp::now().as_millisecond() + 10 * 86_400_000;
    let run = state.run_escalation_clock(later).await.expect("clock");
    assert_eq!(
        (run.open, run.escalated, run.steps, run.stale),
        (1, 1, 3, 0)
    );
    let run = state.run_escalation_clock(later).await.expect("clock");
    assert_eq!(run.steps, 0);
    let (_, body) = get(&state, "/api/problems/summary").await;
    let community = body["by_zone"]
        .as_array()
        .expect("zones")
        .iter()
        .find(|z| z["code"] == "530102001003")
        .expect("the community")
        .clone();
    assert_eq!(
        (
            &community["total"],
            &community["open"],
            &community["escalated"]
        ),
        (&Value::from(1), &Value::from(1), &Value::from(1))
    );
    assert_eq!(body["by_week"].as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn a_chief_sees_their_tasks_and_a_visit_moves_one() {
    use wangge_core::{
        KeyPlace, KeySite, Role, User, VulnerableCategory, VulnerableHousehold, hash_password,
    };
    let (state, _dir) = state().await;
    let hash = hash_password("correct horse").expect("hash");
    for (name, role, chief) in [
        ("wangfang", Role::Patrol, Some(1)),
        ("zhao", Role::Patrol, Some(2)),
        ("li", Role::Viewer, None),
    ] {
        state
            .store()
            .create_user(&User::new(name, role, chief, hash.clone()), &[])
            .await
            .expect("user");
    }
    state
        .store()
        .replace_key_sites(
            &[KeySite {
                place: KeyPlace::Compound(100),
                reason: "出租屋集中".into(),
            }],
            &[],
        )
        .await
        .expect("key sites");
    let households = state
        .store()
        .replace_vulnerable(
            &[VulnerableHousehold {
                id: 0,
                building: 1001,
                door: "1-101".into(),
                category: VulnerableCategory::ElderlyAlone,
                contact: Some("王奶奶 13900000000".into()),
            }],
            &[],
        )
        .await
        .expect("households");
    let sign_in = |username: &'static str| {
        let state = state.clone();
        async move {
            let body = format!(r#"{{"username": "{username}", "password": "correct horse"}}"#);
            let (status, answer) = post_json(&state, "/api/session", &body).await;
            assert_eq!(status, StatusCode::OK, "{answer}");
            format!(
                "wangge_session={}",
                answer["token"].as_str().expect("token")
            )
        }
    };
    let call = |method: &'static str, uri: String, cookie: String, body: Option<String>| {
        let state = state.clone();
        async move {
            let mut request = Request::builder().method(method).uri(uri);
            if !cookie.is_empty() {
                request = request.header(header::COOKIE, cookie);
            }
            let request = match body {
                Some(b) => request
                    .header(header::CONTENT_TYPE, "application/json")
                    .body(Body::from(b)),
                None => request.body(Body::empty()),
            }
            .expect("request");
            let response = anonymous(&state, request).await;
            let status = response.status();
            let body: Value = serde_json::from_slice(&bytes(response).await).unwrap_or_default();
            (status, body)
        }
    };
    let cookie = sign_in("wangfang").await;
    let (status, mine) = call("GET", "/api/me/tasks".into(), cookie.clone(), None).await;
    assert_eq!(status, StatusCode::OK, "{mine}");
    assert_eq!(mine["chief"], 1);
    let targets: Vec<&str> = mine["tasks"]
        .as_array()
        .expect("tasks")
        .iter()
        .map(|t| t["target"].as_str().expect("target"))
        .collect();
    let household = format!("household:{}", households[0].id);
    assert_eq!(
        targets,
        vec![
            "compound:C0",
            household.as_str(),
            "building:1000",
            "building:1001",
            "building:1002"
        ]
    );
    assert_eq!(mine["tasks"][1]["contact"], "王奶奶 13900000000");
    let today = mine["date"].as_str().expect("date").to_string();
    assert!(mine["tasks"][0]["due"] == today.as_str());
    // The same list by chief id, for a signed-in user; a viewer gets it without contacts.
    let (status, same) = call("GET", "/api/chiefs/1/tasks".into(), cookie.clone(), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(same["tasks"], mine["tasks"]);
    let viewer = sign_in("li").await;
    let (status, seen) = call("GET", "/api/chiefs/1/tasks".into(), viewer.clone(), None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(seen["tasks"][1]["contact"].is_null());
    assert!(!seen.to_string().contains("13900000000"));
    assert_eq!(
        call("GET", "/api/chiefs/1/tasks".into(), String::new(), None)
            .await
            .0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        call("GET", "/api/me/tasks".into(), viewer.clone(), None)
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    let other = sign_in("zhao").await;
    assert_eq!(
        call("GET", "/api/chiefs/1/tasks".into(), other.clone(), None)
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        call(
            "GET",
            "/api/chiefs/1/tasks?date=soon".into(),
            cookie.clone(),
            None
        )
        .await
        .0,
        StatusCode::BAD_REQUEST
    );

    // A visit of the key compound moves it to tomorrow.
    let (status, answer) = call(
        "POST",
        "/api/visits".into(),
        cookie.clone(),
        Some(r#"{"target": "compound:C0", "note": "通道已清理"}"#.into()),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    assert_eq!(answer["visit"]["by"], "wangfang");
    assert!(answer["task"]["due"].as_str().expect("due") > today.as_str());
    let (_, after) = call("GET", "/api/me/tasks".into(), cookie.clone(), None).await;
    let key = after["tasks"]
        .as_array()
        .expect("tasks")
        .iter()
        .find(|t| t["target"] == "compound:C0")
        .expect("the key compound");
    assert_eq!(key["due"], answer["task"]["due"]);
    assert_eq!(key["last_visit"]["note"], "通道已清理");
    // Refusals: another chief's place, an unknown target, a malformed body, nobody signed in.
    for (cookie, body, status) in [
        (
            other.clone(),
            r#"{"target": "building:1000"}"#,
            StatusCode::FORBIDDEN,
        ),
        (
            cookie.clone(),
            r#"{"target": "household:999"}"#,
            StatusCode::FORBIDDEN,
        ),
        (
            cookie.clone(),
            r#"{"target": "street:1"}"#,
            StatusCode::BAD_REQUEST,
        ),
        (
            cookie.clone(),
            r#"{"target": "compound:C0", "colour": "red"}"#,
            StatusCode::BAD_REQUEST,
        ),
        (
            String::new(),
            r#"{"target": "compound:C0"}"#,
            StatusCode::UNAUTHORIZED,
        ),
    ] {
        let (got, answer) = call("POST", "/api/visits".into(), cookie, Some(body.into())).await;
        assert_eq!(got, status, "{body}: {answer}");
        assert!(answer["error"].is_string(), "{answer}");
    }
}

#[tokio::test]
async fn a_rental_found_in_a_red_compound_is_flagged() {
    let (state, _dir) = state().await;
    let red = sample()
        .compounds
        .iter()
        .find(|c| c.tier == wangge_core::Tier::Red)
        .map(|c| c.code.clone())
        .expect("the sample has a red compound");
    let other = sample()
        .compounds
        .iter()
        .find(|c| c.tier != wangge_core::Tier::Red)
        .map(|c| c.code.clone())
        .expect("and one that is not red");
    let rentals = r#"{"inspector": "李明", "role": "grid_worker",
        "findings": {"rentals": {"ok": false, "note": "2 户出租"}}}"#;
    let (status, flagged) = post_json(
        &state,
        &format!("/api/compounds/{red}/inspections"),
        rentals,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{flagged}");
    assert_eq!(flagged["prohibited_rental"], true);
    let (_, allowed) = post_json(
        &state,
        &format!("/api/compounds/{other}/inspections"),
        rentals,
    )
    .await;
    assert_eq!(allowed["prohibited_rental"], false);
    let (_, dashboard) = get(&state, "/api/dashboard").await;
    let listed: Vec<&str> = dashboard["prohibited_rentals"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|r| r["code"].as_str())
        .collect();
    assert_eq!(listed, [red.as_str()]);
    assert_eq!(dashboard["prohibited_rentals"][0]["note"], "2 户出租");
    // A later inspection that finds no rental closes the case.
    let (status, _) = post_json(
        &state,
        &format!("/api/compounds/{red}/inspections"),
        r#"{"inspector": "李明", "role": "grid_worker", "findings": {"rentals": {"ok": true}}}"#,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let (_, dashboard) = get(&state, "/api/dashboard").await;
    assert!(
        dashboard["prohibited_rentals"]
            .as_array()
            .is_some_and(Vec::is_empty)
    );
}

#[tokio::test]
async fn an_inspection_keeps_its_photo_and_refuses_a_bad_one() {
    use base64::Engine as _;
    let (state, _dir) = state().await;
    let png = wangge_store::contract::SAMPLE_PNG;
    let data = base64::engine::general_purpose::STANDARD.encode(png);
    let body = |photo: &str| {
        format!(
            r#"{{"inspector": "李网格", "role": "grid_worker",
                "findings": {{"sanitation": {{"ok": true}}}}, "photo": {photo}}}"#
        )
    };
    let (status, answer) = post_json(
        &state,
        "/api/compounds/C1/inspections",
        &body(&format!(
            r#"{{"mime": "image/png", "data": "data:image/png;base64,{data}"}}"#
        )),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    assert_eq!(answer["has_photo"], true);
    let id = answer["inspection"]["id"].as_i64().expect("id");
    let url = format!("/api/inspections/{id}/photo");
    assert_eq!(answer["inspection"]["photo_url"], url.as_str());

    let response = raw(
        &state,
        Request::get(&url).body(Body::empty()).expect("request"),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()[header::CONTENT_TYPE], "image/png");
    assert_eq!(
        response.headers()[header::CACHE_CONTROL],
        "private, max-age=86400"
    );
    assert_eq!(bytes(response).await, png.to_vec());

    let (_, listed) = get(&state, "/api/compounds/C1/inspections").await;
    assert_eq!(
        listed["inspections"][0]["photo_url"],
        url.as_str(),
        "{listed}"
    );
    let (_, card) = get(&state, "/api/compounds/C1").await;
    assert_eq!(
        card["properties"]["last_inspection"]["photo_url"],
        url.as_str()
    );

    // Without a photo there is none to serve.
    let (status, answer) = post_json(
        &state,
        "/api/compounds/C2/inspections",
        r#"{"inspector": "李网格", "role": "grid_worker"}"#,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    assert_eq!(answer["has_photo"], false);
    assert!(answer["inspection"]["photo_url"].is_null());
    let plain = answer["inspection"]["id"].as_i64().expect("id");
    let (status, _) = get(&state, &format!("/api/inspections/{plain}/photo")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = get(&state, "/api/inspections/9999/photo").await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Bad photos are refused with the problem named, and nothing is recorded.
    let gif = base64::engine::general_purpose::STANDARD.encode(b"GIF89a\x01\x00\x01\x00");
    let mut big = vec![0xFF, 0xD8, 0xFF];
    big.resize(wangge_core::MAX_PHOTO_BYTES + 1, 0);
    let big = base64::engine::general_purpose::STANDARD.encode(big);
    for (photo, status, words) in [
        (
            format!(r#"{{"mime": "image/gif", "data": "{gif}"}}"#),
            StatusCode::UNPROCESSABLE_ENTITY,
            "image/gif",
        ),
        (
            format!(r#"{{"data": "{gif}"}}"#),
            StatusCode::UNPROCESSABLE_ENTITY,
            "not a JPEG, PNG or WebP image",
        ),
        (
            format!(r#"{{"mime": "image/jpeg", "data": "{data}"}}"#),
            StatusCode::UNPROCESSABLE_ENTITY,
            "says it is image/jpeg but its bytes are image/png",
        ),
        (
            r#"{"mime": "image/png", "data": "not base64!"}"#.to_string(),
            StatusCode::BAD_REQUEST,
            "base64",
        ),
        (
            format!(r#"{{"mime": "image/jpeg", "data": "{big}"}}"#),
            StatusCode::UNPROCESSABLE_ENTITY,
            "5 MiB",
        ),
    ] {
        let (got, answer) = post_json(&state, "/api/compounds/C3/inspections", &body(&photo)).await;
        assert_eq!(got, status, "{answer}");
        assert!(
            answer["error"].as_str().is_some_and(|e| e.contains(words)),
            "{answer}"
        );
    }
    let (_, listed) = get(&state, "/api/compounds/C3/inspections").await;
    assert!(listed["inspections"].as_array().expect("list").is_empty());
}
