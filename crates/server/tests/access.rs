//! Who may do what, route by route: every route of the server × every role (and nobody), with a
//! street chief asking both inside and outside their own area. The table must name every route
//! the server has; a route added without a case here fails the test.

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;
use wangge_core::{ChangeSet, Role, User, hash_password, token_hash};
use wangge_server::{Access, AppState, app, routes};
use wangge_store::{GpkgStore, Store, contract::sample};

/// The users of the test, one per role, each with a session token `token-<role>`. The patrol
/// user is street chief 1: compound C0 (buildings 1000–1002) and street 500 are theirs; compound
/// C1, buildings 1003–1004 and street 501 are chief 2's.
async fn state() -> (AppState, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = GpkgStore::open(dir.path().join("access.gpkg")).expect("store");
    store
        .apply(&ChangeSet::insert_all(&sample()))
        .await
        .expect("insert");
    let hash = hash_password("correct horse").expect("hash");
    for &role in Role::ALL {
        let chief = (role == Role::Patrol).then_some(1);
        let id = store
            .create_user(&User::new(role.as_str(), role, chief, hash.clone()), &[])
            .await
            .expect("user");
        store
            .create_session(id, &token_hash(&token(role)), i64::MAX, &[])
            .await
            .expect("session");
    }
    let store: Arc<dyn Store> = Arc::new(store);
    let state = AppState::load(store, wangge_server::ServerOptions::default())
        .await
        .expect("state");
    (state, dir)
}

fn token(role: Role) -> String {
    format!("token-{}", role.as_str())
}

async fn call(
    state: &AppState,
    method: &Method,
    uri: &str,
    role: Option<Role>,
    body: Option<&str>,
) -> (StatusCode, Value) {
    let mut request = Request::builder().method(method.clone()).uri(uri);
    if let Some(role) = role {
        request = request.header(header::AUTHORIZATION, format!("Bearer {}", token(role)));
    }
    let request = match body {
        Some(b) => request
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(b.to_string())),
        None => request.body(Body::empty()),
    }
    .expect("request");
    let response = app(state.clone()).oneshot(request).await.expect("response");
    let status = response.status();
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    (status, body)
}

/// Where a case's target lies for the patrol user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    /// Nothing of one chief's area: the route's role rule decides.
    Anywhere,
    /// The patrol user's own area.
    Own,
    /// Another chief's area: 403 for the patrol user even where the role may call the route.
    Other,
}

struct Case {
    method: Method,
    /// The route pattern, as the server declares it.
    pattern: &'static str,
    uri: String,
    body: Option<String>,
    place: Place,
}

fn case(
    method: Method,
    pattern: &'static str,
    uri: &str,
    body: Option<&str>,
    place: Place,
) -> Case {
    Case {
        method,
        pattern,
        uri: uri.to_string(),
        body: body.map(str::to_string),
        place,
    }
}

/// Every route with a concrete request. Writes carry bodies that pass the door but are refused
/// by validation (4xx other than 401/403), so that the table changes nothing as it goes — except
/// problem reports, which need a real point to be placed in or out of an area.
fn cases(
    own_problem: i64,
    other_problem: i64,
    plan: i64,
    own_inspection: i64,
    other_inspection: i64,
) -> Vec<Case> {
    use Method as M;
    use Place::{Anywhere as Any, Other, Own};
    let own_report = r#"{"lon": 102.7014, "lat": 25.0347, "category": "消防安全", "description": "楼道堆放杂物", "reporter": "王芳"}"#;
    let other_report = r#"{"lon": 102.7039, "lat": 25.0347, "category": "消防安全", "description": "楼道堆放杂物", "reporter": "王芳"}"#;
    let tile = |layer: &str| format!("/tiles/{layer}/14/13058/7149.mvt");
    vec![
        case(M::GET, "/health", "/health", None, Any),
        case(M::GET, "/api", "/api", None, Any),
        case(M::GET, "/api/session", "/api/session", None, Any),
        case(M::POST, "/api/session", "/api/session", Some("{}"), Any),
        case(
            M::POST,
            "/api/session/password",
            "/api/session/password",
            Some(r#"{"current_password": "x", "new_password": "short"}"#),
            Any,
        ),
        case(M::GET, "/api/users", "/api/users", None, Any),
        case(
            M::POST,
            "/api/users",
            "/api/users",
            Some(r#"{"username": "x", "role": "emperor", "password": "correct horse"}"#),
            Any,
        ),
        case(
            M::POST,
            "/api/users/{name}",
            "/api/users/viewer",
            Some(r#"{"password": "short"}"#),
            Any,
        ),
        case(M::GET, "/api/audit", "/api/audit", None, Any),
        case(M::GET, "/api/meta", "/api/meta", None, Any),
        case(M::GET, "/api/summary", "/api/summary", None, Any),
        case(
            M::GET,
            "/api/zones/{code}/summary",
            "/api/zones/530102001/summary",
            None,
            Any,
        ),
        case(
            M::POST,
            "/api/compounds/{code}/tier",
            "/api/compounds/C0/tier",
            Some(r#"{"tier": "purple"}"#),
            Any,
        ),
        case(
            M::GET,
            "/api/compounds/{code}/history",
            "/api/compounds/C0/history",
            None,
            Own,
        ),
        case(
            M::GET,
            "/api/compounds/{code}/history",
            "/api/compounds/C1/history",
            None,
            Other,
        ),
        case(
            M::GET,
            "/api/compounds/{code}/inspections",
            "/api/compounds/C0/inspections",
            None,
            Own,
        ),
        case(
            M::GET,
            "/api/compounds/{code}/inspections",
            "/api/compounds/C1/inspections",
            None,
            Other,
        ),
        case(
            M::POST,
            "/api/compounds/{code}/inspections",
            "/api/compounds/C0/inspections",
            Some("{}"),
            Own,
        ),
        case(
            M::POST,
            "/api/compounds/{code}/inspections",
            "/api/compounds/C1/inspections",
            Some("{}"),
            Other,
        ),
        case(
            M::GET,
            "/api/inspections/{id}/photo",
            &format!("/api/inspections/{own_inspection}/photo"),
            None,
            Own,
        ),
        case(
            M::GET,
            "/api/inspections/{id}/photo",
            &format!("/api/inspections/{other_inspection}/photo"),
            None,
            Other,
        ),
        case(M::GET, "/api/due", "/api/due", None, Own),
        case(M::GET, "/api/dashboard", "/api/dashboard", None, Any),
        case(M::GET, "/api/problems", "/api/problems", None, Own),
        case(
            M::GET,
            "/api/problems",
            "/api/problems?chief=2",
            None,
            Other,
        ),
        case(
            M::POST,
            "/api/problems",
            "/api/problems",
            Some(own_report),
            Own,
        ),
        case(
            M::POST,
            "/api/problems",
            "/api/problems",
            Some(other_report),
            Other,
        ),
        case(
            M::GET,
            "/api/problems/summary",
            "/api/problems/summary",
            None,
            Any,
        ),
        case(
            M::GET,
            "/api/problems/heat",
            "/api/problems/heat",
            None,
            Any,
        ),
        case(
            M::GET,
            "/api/problems/{id}",
            &format!("/api/problems/{own_problem}"),
            None,
            Own,
        ),
        case(
            M::GET,
            "/api/problems/{id}",
            &format!("/api/problems/{other_problem}"),
            None,
            Other,
        ),
        case(
            M::POST,
            "/api/problems/{id}/steps",
            &format!("/api/problems/{own_problem}/steps"),
            Some("{}"),
            Own,
        ),
        case(
            M::POST,
            "/api/problems/{id}/steps",
            &format!("/api/problems/{other_problem}/steps"),
            Some("{}"),
            Other,
        ),
        case(M::GET, "/api/me/area", "/api/me/area", None, Own),
        case(M::GET, "/api/me/tasks", "/api/me/tasks", None, Own),
        case(
            M::GET,
            "/api/chiefs/{id}/tasks",
            "/api/chiefs/1/tasks",
            None,
            Own,
        ),
        case(
            M::GET,
            "/api/chiefs/{id}/tasks",
            "/api/chiefs/2/tasks",
            None,
            Other,
        ),
        case(M::POST, "/api/visits", "/api/visits", Some("{}"), Own),
        case(M::GET, "/api/chiefs", "/api/chiefs", None, Any),
        case(M::GET, "/api/chiefs/{id}", "/api/chiefs/1", None, Own),
        case(M::GET, "/api/chiefs/{id}", "/api/chiefs/2", None, Other),
        case(M::POST, "/api/duties", "/api/duties", Some("{}"), Any),
        case(M::GET, "/api/plans", "/api/plans", None, Any),
        case(M::POST, "/api/plans", "/api/plans", Some("{}"), Any),
        case(
            M::GET,
            "/api/plans/compare",
            "/api/plans/compare",
            None,
            Any,
        ),
        case(M::GET, "/api/plans/as-of", "/api/plans/as-of", None, Any),
        case(
            M::GET,
            "/api/plans/{id}",
            &format!("/api/plans/{plan}"),
            None,
            Any,
        ),
        case(
            M::GET,
            "/api/plans/{id}/zones",
            &format!("/api/plans/{plan}/zones"),
            None,
            Any,
        ),
        case(
            M::GET,
            "/api/plans/{id}/balance",
            &format!("/api/plans/{plan}/balance"),
            None,
            Any,
        ),
        case(
            M::POST,
            "/api/plans/{id}/edits",
            &format!("/api/plans/{plan}/edits"),
            Some("{}"),
            Any,
        ),
        case(
            M::POST,
            "/api/plans/{id}/undo",
            &format!("/api/plans/{plan}/undo"),
            Some("{}"),
            Any,
        ),
        case(
            M::POST,
            "/api/plans/{id}/redo",
            &format!("/api/plans/{plan}/redo"),
            Some("{}"),
            Any,
        ),
        case(
            M::POST,
            "/api/plans/{id}/publish",
            &format!("/api/plans/{plan}/publish"),
            Some("{}"),
            Any,
        ),
        case(
            M::POST,
            "/api/plans/{id}/discard",
            &format!("/api/plans/{plan}/discard"),
            Some("{}"),
            Any,
        ),
        case(
            M::GET,
            "/tiles/{file}",
            "/tiles/compounds.json",
            None,
            Other,
        ),
        case(M::GET, "/tiles/{file}", "/tiles/patrol.json", None, Own),
        case(
            M::GET,
            "/tiles/{layer}/{z}/{x}/{file}",
            &tile("compounds"),
            None,
            Other,
        ),
        case(
            M::GET,
            "/tiles/{layer}/{z}/{x}/{file}",
            &tile("chiefs"),
            None,
            Other,
        ),
        case(
            M::GET,
            "/tiles/{layer}/{z}/{x}/{file}",
            &tile("patrol"),
            None,
            Own,
        ),
        case(
            M::GET,
            "/tiles/{layer}/{z}/{x}/{file}",
            &format!("{}?chief=2", tile("patrol")),
            None,
            Other,
        ),
        case(
            M::GET,
            "/tiles/{layer}/{z}/{x}/{file}",
            &tile("streets"),
            None,
            Own,
        ),
        case(M::GET, "/styles/{file}", "/styles/leader.json", None, Any),
        case(M::GET, "/render/{file}", "/render/map.png", None, Any),
        case(M::GET, "/boards/{file}", "/boards/C0.html", None, Own),
        case(M::GET, "/boards/{file}", "/boards/C1.html", None, Other),
        case(M::GET, "/api/stats", "/api/stats", None, Any),
        case(M::GET, "/api/levels", "/api/levels", None, Any),
        case(
            M::GET,
            "/api/locate",
            "/api/locate?lon=102.7014&lat=25.0347",
            None,
            Any,
        ),
        case(M::GET, "/api/zones", "/api/zones", None, Any),
        case(
            M::GET,
            "/api/zones/{code}",
            "/api/zones/530102001",
            None,
            Any,
        ),
        case(M::GET, "/api/compounds", "/api/compounds", None, Own),
        case(
            M::GET,
            "/api/compounds/{code}",
            "/api/compounds/C0",
            None,
            Own,
        ),
        case(
            M::GET,
            "/api/compounds/{code}",
            "/api/compounds/C1",
            None,
            Other,
        ),
        case(M::GET, "/api/buildings", "/api/buildings", None, Own),
        case(
            M::GET,
            "/api/buildings/{id}",
            "/api/buildings/1000",
            None,
            Own,
        ),
        case(
            M::GET,
            "/api/buildings/{id}",
            "/api/buildings/1003",
            None,
            Other,
        ),
        case(M::GET, "/api/streets", "/api/streets", None, Own),
        case(M::GET, "/api/streets/{id}", "/api/streets/500", None, Own),
        case(M::GET, "/api/streets/{id}", "/api/streets/501", None, Other),
        case(M::GET, "/api/{*rest}", "/api/nothing-here", None, Any),
        // Last: signing out ends the session the rest of the table uses.
        case(M::DELETE, "/api/session", "/api/session", None, Any),
    ]
}

/// The policy, written out here independently of the server's declaration: who may call each
/// route (A admin, P planner, L leader, R patrol, V viewer; `*` anyone, signed in or not).
fn policy(method: &Method, pattern: &str) -> &'static str {
    match (method.as_str(), pattern) {
        ("GET", "/health" | "/api" | "/api/session" | "/styles/{file}" | "/api/{*rest}")
        | ("POST" | "DELETE", "/api/session") => "*",
        ("POST", "/api/session/password") => "APLRV",
        (_, "/api/users" | "/api/users/{name}") => "A",
        ("GET", "/api/audit") => "AL",
        ("POST", "/api/compounds/{code}/tier" | "/api/duties") => "AP",
        ("POST", p) if p.starts_with("/api/plans") => "AP",
        (
            "POST",
            "/api/compounds/{code}/inspections" | "/api/problems" | "/api/problems/{id}/steps",
        ) => "AR",
        (_, "/api/me/area" | "/api/me/tasks" | "/api/visits") => "R",
        (
            "GET",
            "/api/compounds/{code}/history"
            | "/api/compounds/{code}/inspections"
            | "/api/inspections/{id}/photo"
            | "/api/due"
            | "/api/problems"
            | "/api/problems/{id}"
            | "/api/chiefs/{id}/tasks"
            | "/api/chiefs/{id}"
            | "/tiles/{file}"
            | "/tiles/{layer}/{z}/{x}/{file}"
            | "/boards/{file}"
            | "/api/compounds"
            | "/api/compounds/{code}"
            | "/api/buildings"
            | "/api/buildings/{id}"
            | "/api/streets"
            | "/api/streets/{id}",
        ) => "APLRV",
        ("GET", _) => "APLV",
        _ => "",
    }
}

#[test]
fn the_declared_rules_are_the_policy() {
    for (method, pattern, access) in routes() {
        let want = policy(&method, pattern);
        let got = match access {
            Access::Public => "*".to_string(),
            Access::Roles(roles) => [
                (Role::Admin, 'A'),
                (Role::Planner, 'P'),
                (Role::Leader, 'L'),
                (Role::Patrol, 'R'),
                (Role::Viewer, 'V'),
            ]
            .iter()
            .filter(|(r, _)| roles.contains(r))
            .map(|(_, c)| *c)
            .collect(),
        };
        assert_eq!(got, want, "{method} {pattern}");
    }
}

/// What a role must get: `None` = neither 401 nor 403 (the handler's own answer), or the
/// status.
fn expected(access: Access, role: Option<Role>, place: Place) -> Option<StatusCode> {
    match role {
        None if access == Access::Public => None,
        None => Some(StatusCode::UNAUTHORIZED),
        Some(role) if !access.allows(Some(role)) => Some(StatusCode::FORBIDDEN),
        Some(Role::Patrol) if place == Place::Other => Some(StatusCode::FORBIDDEN),
        Some(_) => None,
    }
}

#[tokio::test]
async fn every_route_answers_every_role_as_its_rule_says() {
    let (state, _dir) = state().await;
    // Something to point at: a problem on each chief's side, a plan, an inspection in each
    // compound (as the administrator).
    let admin = Some(Role::Admin);
    let mut problems = Vec::new();
    for lon in ["102.7014", "102.7039"] {
        let body = format!(
            r#"{{"lon": {lon}, "lat": 25.0347, "category": "消防安全", "description": "x", "reporter": "王芳"}}"#
        );
        let (status, answer) =
            call(&state, &Method::POST, "/api/problems", admin, Some(&body)).await;
        assert_eq!(status, StatusCode::CREATED, "{answer}");
        problems.push(answer["problem"]["id"].as_i64().expect("id"));
    }
    let (status, answer) = call(
        &state,
        &Method::POST,
        "/api/plans",
        admin,
        Some(r#"{"name": "草案"}"#),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    let plan = answer["id"].as_i64().expect("plan id");
    let mut inspections = Vec::new();
    for code in ["C0", "C1"] {
        let (status, answer) = call(
            &state,
            &Method::POST,
            &format!("/api/compounds/{code}/inspections"),
            admin,
            Some(r#"{"inspector": "李网格", "role": "网格员", "findings": {"sanitation": {"ok": true}}}"#),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{answer}");
        inspections.push(answer["inspection"]["id"].as_i64().expect("inspection id"));
    }
    let table = cases(
        problems[0],
        problems[1],
        plan,
        inspections[0],
        inspections[1],
    );

    // The table covers every route the server has, and nothing else.
    let declared: BTreeSet<(String, &str)> = routes()
        .iter()
        .map(|(m, p, _)| (m.to_string(), *p))
        .collect();
    let covered: BTreeSet<(String, &str)> = table
        .iter()
        .map(|c| (c.method.to_string(), c.pattern))
        .collect();
    assert_eq!(
        declared, covered,
        "a route without a case, or a case without a route"
    );
    let access = |c: &Case| {
        routes()
            .into_iter()
            .find(|(m, p, _)| *m == c.method && *p == c.pattern)
            .map(|(_, _, a)| a)
            .expect("declared")
    };

    let mut failures = Vec::new();
    let mut checked = 0;
    let callers: Vec<Option<Role>> = std::iter::once(None)
        .chain(Role::ALL.iter().copied().map(Some))
        .collect();
    for &role in &callers {
        for c in &table {
            let (status, body) = call(&state, &c.method, &c.uri, role, c.body.as_deref()).await;
            checked += 1;
            let who = role.map_or("nobody", |r| r.as_str());
            if status.is_server_error() {
                failures.push(format!("{who} {} {}: {status} {body}", c.method, c.uri));
                continue;
            }
            // "Who am I?" is public, and tells nobody that they are not signed in.
            let want = if role.is_none() && c.method == Method::GET && c.pattern == "/api/session" {
                Some(StatusCode::UNAUTHORIZED)
            } else {
                expected(access(c), role, c.place)
            };
            match want {
                Some(want) if status != want => {
                    failures.push(format!(
                        "{who} {} {}: {status}, want {want}: {body}",
                        c.method, c.uri
                    ));
                }
                None if status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN => {
                    failures.push(format!(
                        "{who} {} {}: {status}, want allowed: {body}",
                        c.method, c.uri
                    ));
                }
                Some(_) if !body["error"].is_string() => {
                    failures.push(format!(
                        "{who} {} {}: {status} without a message",
                        c.method, c.uri
                    ));
                }
                _ => {}
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {checked} answers are wrong:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(checked, callers.len() * table.len());
}

#[tokio::test]
async fn a_street_chiefs_lists_hold_their_own_area_only() {
    let (state, _dir) = state().await;
    let patrol = Some(Role::Patrol);
    let codes = |body: &Value| -> Vec<String> {
        body["features"]
            .as_array()
            .expect("features")
            .iter()
            .map(|f| {
                f["properties"]["code"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string()
            })
            .collect()
    };
    let ids = |body: &Value| -> Vec<i64> {
        body["features"]
            .as_array()
            .expect("features")
            .iter()
            .map(|f| f["id"].as_i64().expect("id"))
            .collect()
    };
    let (_, all) = call(
        &state,
        &Method::GET,
        "/api/compounds",
        Some(Role::Leader),
        None,
    )
    .await;
    assert_eq!(all["total"], 8);
    let (_, mine) = call(&state, &Method::GET, "/api/compounds", patrol, None).await;
    assert_eq!(codes(&mine), ["C0"]);
    let (_, mine) = call(&state, &Method::GET, "/api/buildings", patrol, None).await;
    assert_eq!(ids(&mine), [1000, 1001, 1002]);
    let (_, mine) = call(&state, &Method::GET, "/api/streets", patrol, None).await;
    assert_eq!(ids(&mine), [500]);
    let (_, due) = call(&state, &Method::GET, "/api/due", patrol, None).await;
    let due_codes: Vec<&str> = due["compounds"]
        .as_array()
        .expect("compounds")
        .iter()
        .filter_map(|c| c["code"].as_str())
        .collect();
    assert_eq!(due_codes, ["C0"]);

    // Problems: a chief lists those routed to them, whatever the filter asks.
    for lon in ["102.7014", "102.7039"] {
        let body = format!(
            r#"{{"lon": {lon}, "lat": 25.0347, "category": "消防安全", "description": "x", "reporter": "王芳"}}"#
        );
        let (status, _) = call(
            &state,
            &Method::POST,
            "/api/problems",
            Some(Role::Admin),
            Some(&body),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED);
    }
    let (_, all) = call(
        &state,
        &Method::GET,
        "/api/problems",
        Some(Role::Leader),
        None,
    )
    .await;
    assert_eq!(all["total"], 2);
    assert!(
        all["problems"][0]["reporter"].is_null(),
        "leaders see problems without reporters"
    );
    let (_, mine) = call(&state, &Method::GET, "/api/problems", patrol, None).await;
    assert_eq!(mine["total"], 1);
    assert_eq!(mine["problems"][0]["routing"]["chief"]["id"], 1);
    assert_eq!(mine["problems"][0]["reporter"], "王芳");
}

#[tokio::test]
async fn a_password_is_changed_with_the_current_one_and_users_are_managed_by_admins() {
    let (state, _dir) = state().await;
    let sign_in = |password: &'static str| {
        let state = state.clone();
        async move {
            let body = format!(r#"{{"username": "viewer", "password": "{password}"}}"#);
            call(&state, &Method::POST, "/api/session", None, Some(&body))
                .await
                .0
        }
    };
    assert_eq!(sign_in("correct horse").await, StatusCode::OK);
    let change = |body: &'static str| {
        let state = state.clone();
        async move {
            call(
                &state,
                &Method::POST,
                "/api/session/password",
                Some(Role::Viewer),
                Some(body),
            )
            .await
        }
    };
    let (status, body) =
        change(r#"{"current_password": "wrong horse", "new_password": "battery staple"}"#).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, body) =
        change(r#"{"current_password": "correct horse", "new_password": "short"}"#).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(
        sign_in("correct horse").await,
        StatusCode::OK,
        "a refused change changes nothing"
    );
    let (status, body) =
        change(r#"{"current_password": "correct horse", "new_password": "battery staple"}"#).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    assert_eq!(sign_in("correct horse").await, StatusCode::UNAUTHORIZED);
    assert_eq!(sign_in("battery staple").await, StatusCode::OK);

    // An administrator adds a user, changes their role, disables them; never a hash in sight.
    let admin = Some(Role::Admin);
    let (status, body) = call(
        &state,
        &Method::POST,
        "/api/users",
        admin,
        Some(r#"{"username": "zhang", "role": "patrol", "chief": 2, "password": "correct horse", "display_name": "张街长"}"#),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["chief"], 2);
    let (status, body) = call(
        &state,
        &Method::POST,
        "/api/users",
        admin,
        Some(r#"{"username": "zhang", "role": "viewer", "password": "correct horse"}"#),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "a taken name: {body}");
    let (status, body) = call(
        &state,
        &Method::POST,
        "/api/users",
        admin,
        Some(r#"{"username": "wu", "role": "patrol", "password": "correct horse"}"#),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a patrol user names their chief: {body}"
    );
    let (status, body) = call(
        &state,
        &Method::POST,
        "/api/users/zhang",
        admin,
        Some(r#"{"role": "leader"}"#),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["role"], "leader");
    assert!(body["chief"].is_null());
    let (_, list) = call(&state, &Method::GET, "/api/users", admin, None).await;
    assert_eq!(
        list["users"].as_array().map(Vec::len),
        Some(Role::ALL.len() + 1)
    );
    assert!(!list.to_string().contains("argon2"), "{list}");

    // A disabled user's session ends at once (the session cache is told).
    let (status, _) = call(
        &state,
        &Method::GET,
        "/api/session",
        Some(Role::Planner),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = call(
        &state,
        &Method::POST,
        "/api/users/planner",
        admin,
        Some(r#"{"disabled": true}"#),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, _) = call(
        &state,
        &Method::GET,
        "/api/session",
        Some(Role::Planner),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_session_cookie_is_secure_behind_https() {
    let (state, _dir) = state().await;
    let sign_in = |proto: Option<&'static str>| {
        let state = state.clone();
        async move {
            let mut request =
                Request::post("/api/session").header(header::CONTENT_TYPE, "application/json");
            if let Some(proto) = proto {
                request = request.header("x-forwarded-proto", proto);
            }
            let request = request
                .body(Body::from(
                    r#"{"username": "leader", "password": "correct horse"}"#,
                ))
                .expect("request");
            let response = app(state.clone()).oneshot(request).await.expect("response");
            assert_eq!(response.status(), StatusCode::OK);
            response.headers()[header::SET_COOKIE]
                .to_str()
                .expect("ascii")
                .to_string()
        }
    };
    let plain = sign_in(None).await;
    assert!(
        plain.contains("HttpOnly") && plain.contains("SameSite=Lax"),
        "{plain}"
    );
    assert!(!plain.contains("Secure"), "{plain}");
    let secure = sign_in(Some("https")).await;
    assert!(secure.contains("; Secure"), "{secure}");
}

#[tokio::test]
async fn every_change_is_in_the_audit_log_which_admins_and_leaders_read_and_export() {
    let (state, _dir) = state().await;
    let (admin, planner, patrol) = (Some(Role::Admin), Some(Role::Planner), Some(Role::Patrol));
    let post = |role: Option<Role>, uri: &'static str, body: &'static str| {
        let state = state.clone();
        async move { call(&state, &Method::POST, uri, role, Some(body)).await }
    };
    // A tier change (planner), an inspection and a problem with a step (patrol, own area), a
    // reassignment (planner), a failed and a good sign-in, a user added (admin).
    let (status, body) = post(
        planner,
        "/api/compounds/C0/tier",
        r#"{"tier": "red", "reason": "群租"}"#,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = post(
        patrol,
        "/api/compounds/C0/inspections",
        r#"{"inspector": "街长0", "role": "chief", "findings": {"sanitation": {"ok": true}}}"#,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, body) = post(
        patrol,
        "/api/problems",
        r#"{"lon": 102.7014, "lat": 25.0347, "category": "消防安全", "description": "楼道堆放杂物", "reporter": "王芳"}"#,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let problem = body["problem"]["id"].as_i64().expect("id");
    let uri: &'static str = Box::leak(format!("/api/problems/{problem}/steps").into_boxed_str());
    let (status, body) = post(patrol, uri, r#"{"action": "accept"}"#).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, body) = post(
        planner,
        "/api/duties",
        r#"{"kind": "building", "targets": [1003], "chief": 1}"#,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, _) = post(
        None,
        "/api/session",
        r#"{"username": "viewer", "password": "wrong horse"}"#,
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = post(
        None,
        "/api/session",
        r#"{"username": "nobody-at-all", "password": "wrong horse"}"#,
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = post(
        None,
        "/api/session",
        r#"{"username": "viewer", "password": "correct horse"}"#,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = post(
        admin,
        "/api/users",
        r#"{"username": "zhang", "role": "viewer", "password": "correct horse"}"#,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    // A refused change leaves no entry.
    let (status, _) = post(
        planner,
        "/api/compounds/C1/tier",
        r#"{"tier": "red", "reason": ""}"#,
    )
    .await;
    assert!(status.is_client_error());

    let (status, log) = call(
        &state,
        &Method::GET,
        "/api/audit?order=oldest&limit=1000",
        Some(Role::Leader),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{log}");
    let entries = log["entries"].as_array().expect("entries");
    let seen: Vec<(String, String, String)> = entries
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap_or_default().to_string(),
                e["actor"].as_str().unwrap_or_default().to_string(),
                e["target"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    let has = |action: &str, actor: &str, target: &str| {
        seen.iter()
            .any(|(a, b, c)| a == action && b == actor && c == target)
    };
    assert!(has("tier", "planner", "compound:C0"), "{seen:?}");
    assert!(has("inspection", "patrol", "compound:C0"), "{seen:?}");
    assert!(
        has("problem", "patrol", &format!("problem:{problem}")),
        "{seen:?}"
    );
    assert!(
        has("problem_step", "patrol", &format!("problem:{problem}")),
        "{seen:?}"
    );
    assert!(has("assign", "planner", "chief:1"), "{seen:?}");
    assert!(has("sign_in_failed", "viewer", "user:viewer"), "{seen:?}");
    assert!(
        has("sign_in_failed", "nobody-at-all", "user:nobody-at-all"),
        "{seen:?}"
    );
    assert!(has("sign_in", "viewer", "user:viewer"), "{seen:?}");
    assert!(has("user", "admin", "user:zhang"), "{seen:?}");
    assert!(
        !seen
            .iter()
            .any(|(a, _, c)| a == "tier" && c == "compound:C1"),
        "a refused change was logged"
    );
    // Before and after say what changed; no password, hash or token anywhere.
    let tier = entries
        .iter()
        .find(|e| e["action"] == "tier")
        .expect("tier entry");
    assert_eq!(tier["before"]["tier"], "green");
    assert_eq!(tier["after"]["tier"], "red");
    assert_eq!(tier["after"]["reason"], "群租");
    let assign = entries
        .iter()
        .find(|e| e["action"] == "assign")
        .expect("assign entry");
    assert_eq!(assign["before"]["duties"][0]["chief"], 2);
    let text = log.to_string();
    assert!(
        !text.contains("argon2") && !text.contains("correct horse") && !text.contains("token-"),
        "{text}"
    );

    // Filters, the newest first by default, and a CSV export.
    let (_, mine) = call(&state, &Method::GET, "/api/audit?actor=patrol", admin, None).await;
    let mine = mine["entries"].as_array().expect("entries");
    assert_eq!(mine.len(), 3, "{mine:?}");
    assert!(
        mine[0]["id"].as_i64() > mine[2]["id"].as_i64(),
        "newest first"
    );
    let (status, body) = call(
        &state,
        &Method::GET,
        "/api/audit?action=teleport",
        admin,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let request = Request::get("/api/audit?format=csv&order=oldest")
        .header(
            header::AUTHORIZATION,
            format!("Bearer {}", token(Role::Admin)),
        )
        .body(Body::empty())
        .expect("request");
    let response = app(state.clone()).oneshot(request).await.expect("response");
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()[header::CONTENT_TYPE]
            .to_str()
            .expect("ascii")
            .starts_with("text/csv")
    );
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    let mut reader = csv::Reader::from_reader(&bytes[..]);
    assert_eq!(
        reader.headers().expect("header").iter().collect::<Vec<_>>(),
        wangge_server::audit::CSV_COLUMNS
    );
    let rows: Vec<csv::StringRecord> = reader
        .records()
        .collect::<Result<_, _>>()
        .expect("CSV rows");
    assert_eq!(rows.len(), entries.len());
    assert!(
        rows.iter()
            .any(|r| &r[4] == "tier" && r[7] == *tier["summary"].as_str().expect("summary"))
    );
    // Planners, viewers and street chiefs do not read it.
    for role in [Role::Planner, Role::Viewer, Role::Patrol] {
        let (status, _) = call(&state, &Method::GET, "/api/audit", Some(role), None).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{role}");
    }
}
