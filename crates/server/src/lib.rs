//! The HTTP server: axum routes over the in-memory [`Atlas`](wangge_core::Atlas) and a
//! [`Store`](wangge_store::Store).
//!
//! `app(state)` builds the router; tests call it with `oneshot` and no open port. Handlers return
//! [`ApiError`] so that they can use `?`; server-side details are logged, never sent.

pub mod access;
mod api;
pub mod audit;
pub mod board;
mod chiefs;
pub mod dashboard;
mod error;
mod inspections;
mod plans;
mod problems;
mod session;
mod state;
pub mod tiles;
mod views;
mod visits;
pub mod wire;

use std::net::SocketAddr;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::handler::Handler;
use axum::http::Method;
use axum::middleware;
use axum::routing::{self, MethodRouter};
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::services::{ServeDir, ServeFile};
use tower_http::trace::TraceLayer;

pub use access::Access;
pub use error::ApiError;
pub use problems::ClockRun;
pub use state::{AppState, DEFAULT_TILE_CACHE, ServerOptions, Snapshot, StateError};

/// The largest request body the server accepts.
pub const BODY_LIMIT: usize = 8 * 1024 * 1024;

/// One route: its method, path pattern, access rule and handler.
struct Route {
    method: Method,
    path: &'static str,
    access: Access,
    handler: MethodRouter<AppState>,
}

/// A route answering `method` (GET also answers HEAD).
fn on<H: Handler<T, AppState>, T: 'static>(
    method: Method,
    path: &'static str,
    access: Access,
    h: H,
) -> Route {
    let filter = routing::MethodFilter::try_from(method.clone())
        .unwrap_or_else(|_| unreachable!("the route table names GET, POST and DELETE only"));
    Route {
        method,
        path,
        access,
        handler: routing::on(filter, h),
    }
}

fn get<H: Handler<T, AppState>, T: 'static>(path: &'static str, access: Access, h: H) -> Route {
    on(Method::GET, path, access, h)
}

fn post<H: Handler<T, AppState>, T: 'static>(path: &'static str, access: Access, h: H) -> Route {
    on(Method::POST, path, access, h)
}

fn delete<H: Handler<T, AppState>, T: 'static>(path: &'static str, access: Access, h: H) -> Route {
    on(Method::DELETE, path, access, h)
}

/// Every route, once, with who may call it. The router and the access rules are both built from
/// this list (see [`access`]).
fn route_table() -> Vec<Route> {
    use access::{ADMINS, AUDITORS, EVERYONE, FIELD, PATROL, PLANNERS, READERS};
    let public = Access::Public;
    vec![
        get("/health", public, api::health),
        get("/api", public, api::index),
        get("/api/session", public, session::whoami),
        post("/api/session", public, session::sign_in),
        delete("/api/session", public, session::sign_out),
        post("/api/session/password", EVERYONE, session::change_password),
        get("/api/users", ADMINS, session::users),
        post("/api/users", ADMINS, session::add_user),
        post("/api/users/{name}", ADMINS, session::change_user),
        get("/api/audit", AUDITORS, audit::log),
        get("/api/meta", READERS, views::meta),
        get("/api/summary", READERS, views::summary),
        get("/api/zones/{code}/summary", READERS, views::zone_summary),
        post("/api/compounds/{code}/tier", PLANNERS, views::set_tier),
        get(
            "/api/compounds/{code}/history",
            EVERYONE,
            views::tier_history,
        ),
        get(
            "/api/compounds/{code}/inspections",
            EVERYONE,
            inspections::list,
        ),
        post(
            "/api/compounds/{code}/inspections",
            FIELD,
            inspections::record,
        ),
        get("/api/inspections/{id}/photo", EVERYONE, inspections::photo),
        get("/api/due", EVERYONE, inspections::due),
        get("/api/dashboard", READERS, dashboard::dashboard),
        get("/api/problems", EVERYONE, problems::list),
        post("/api/problems", FIELD, problems::report_problem),
        get("/api/problems/summary", READERS, problems::summary),
        get("/api/problems/heat", READERS, problems::heat),
        get("/api/problems/{id}", EVERYONE, problems::get),
        post("/api/problems/{id}/steps", FIELD, problems::step),
        get("/api/me/area", PATROL, session::my_area),
        get("/api/me/tasks", PATROL, visits::my_tasks),
        get("/api/chiefs/{id}/tasks", EVERYONE, visits::chief_tasks),
        post("/api/visits", PATROL, visits::record),
        get("/api/chiefs", READERS, chiefs::list),
        get("/api/chiefs/{id}", EVERYONE, chiefs::get),
        post("/api/duties", PLANNERS, chiefs::post),
        get("/api/plans", READERS, plans::list),
        post("/api/plans", PLANNERS, plans::create),
        get("/api/plans/compare", READERS, plans::compare_plans),
        get("/api/plans/as-of", READERS, plans::as_of),
        get("/api/plans/{id}", READERS, plans::get),
        get("/api/plans/{id}/zones", READERS, plans::zones),
        get("/api/plans/{id}/balance", READERS, plans::balance),
        post("/api/plans/{id}/edits", PLANNERS, plans::edit),
        post("/api/plans/{id}/undo", PLANNERS, plans::undo),
        post("/api/plans/{id}/redo", PLANNERS, plans::redo),
        post("/api/plans/{id}/publish", PLANNERS, plans::publish),
        post("/api/plans/{id}/discard", PLANNERS, plans::discard),
        get("/tiles/{file}", EVERYONE, tiles::tilejson),
        get("/tiles/{layer}/{z}/{x}/{file}", EVERYONE, tiles::tile),
        // Styles name tile sources and colours, no data.
        get("/styles/{file}", public, views::style),
        get("/render/{file}", READERS, views::render),
        get("/boards/{file}", EVERYONE, board::board),
        get("/api/stats", READERS, api::stats),
        get("/api/levels", READERS, api::levels),
        get("/api/locate", READERS, api::locate),
        get("/api/zones", READERS, api::zones),
        get("/api/zones/{code}", READERS, api::zone),
        get("/api/compounds", EVERYONE, api::compounds),
        get("/api/compounds/{code}", EVERYONE, api::compound),
        get("/api/buildings", EVERYONE, api::buildings),
        get("/api/buildings/{id}", EVERYONE, api::building),
        get("/api/streets", EVERYONE, api::streets),
        get("/api/streets/{id}", EVERYONE, api::street),
        // Unknown API paths answer JSON, never the front end's page.
        get("/api/{*rest}", public, api::not_found),
    ]
}

/// Every route as (method, path pattern, access), in declaration order: what `GET /api` lists
/// and what the access tests walk through.
pub fn routes() -> Vec<(Method, &'static str, Access)> {
    route_table()
        .into_iter()
        .map(|r| (r.method, r.path, r.access))
        .collect()
}

/// The access rules of [`route_table`], by method and route pattern.
pub(crate) fn rules() -> access::Rules {
    let mut rules = access::Rules::default();
    for (method, path, access) in routes() {
        rules.insert(method, path, access);
    }
    rules
}

/// Builds the router.
pub fn app(state: AppState) -> Router {
    let web = state
        .options()
        .web_dir
        .clone()
        .filter(|d| d.join("index.html").is_file());
    let mut router = Router::new();
    for route in route_table() {
        router = router.route(route.path, route.handler);
    }
    let router = router.route_layer(middleware::from_fn_with_state(
        state.clone(),
        access::authorize,
    ));
    // The built front end when there is one; otherwise a plain page that lists the API.
    let router = match web {
        Some(dir) => router.fallback_service(
            // A path climbing out of the directory is refused, not answered with index.html.
            ServiceBuilder::new()
                .layer(middleware::from_fn(error::refuse_bad_static_paths))
                .service(ServeDir::new(&dir).fallback(ServeFile::new(dir.join("index.html")))),
        ),
        None => router
            .route("/", routing::get(api::landing))
            .fallback(api::not_found),
    };
    router
        .layer(RequestBodyLimitLayer::new(BODY_LIMIT))
        // axum's extractors have their own default limit of 2 MB, below the server's: an
        // inspection's photo (up to 5 MiB, as base64 in JSON) needs the server's.
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(CatchPanicLayer::custom(error::panic_response))
        // Outside the body limit, so that its 413 is answered in JSON too; inside compression,
        // so that it reads the plain text it rewrites.
        .layer(middleware::from_fn(error::plain_errors_as_json))
        .layer(CompressionLayer::new())
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Serves `app(state)` on `addr` until Ctrl-C or SIGTERM.
pub async fn serve(state: AppState, addr: SocketAddr) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr).await.map_err(|e| {
        std::io::Error::new(
            e.kind(),
            format!(
                "cannot listen on {addr}: {e} (is another server using this port? pass --addr)"
            ),
        )
    })?;
    let local = listener.local_addr()?;
    tracing::info!(%local, "serving");
    axum::serve(listener, app(state))
        .with_graceful_shutdown(shutdown())
        .await
}

async fn shutdown() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { () = ctrl_c => {}, () = term => {} }
    tracing::info!("shutting down");
}
