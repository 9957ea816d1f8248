//! The HTTP server: axum routes over the in-memory [`Atlas`](wangge_core::Atlas) and a
//! [`Store`](wangge_store::Store).
//!
//! `app(state)` builds the router; tests call it with `oneshot` and no open port. Handlers return
//! [`ApiError`] so that they can use `?`; server-side details are logged, never sent.

mod api;
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
use axum::routing::{get, post};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::services::{ServeDir, ServeFile};
use tower_http::trace::TraceLayer;

pub use error::ApiError;
pub use problems::ClockRun;
pub use state::{AppState, DEFAULT_TILE_CACHE, ServerOptions, Snapshot, StateError};

/// The largest request body the server accepts.
pub const BODY_LIMIT: usize = 8 * 1024 * 1024;

/// Builds the router.
pub fn app(state: AppState) -> Router {
    let web = state
        .options()
        .web_dir
        .clone()
        .filter(|d| d.join("index.html").is_file());
    let router = Router::new()
        .route("/health", get(api::health))
        .route("/api/meta", get(views::meta))
        .route("/api/summary", get(views::summary))
        .route("/api/zones/{code}/summary", get(views::zone_summary))
        .route("/api/compounds/{code}/tier", post(views::set_tier))
        .route("/api/compounds/{code}/history", get(views::tier_history))
        .route(
            "/api/compounds/{code}/inspections",
            get(inspections::list).post(inspections::record),
        )
        .route("/api/inspections/{id}/photo", get(inspections::photo))
        .route("/api/due", get(inspections::due))
        .route("/api/dashboard", get(dashboard::dashboard))
        .route(
            "/api/problems",
            get(problems::list).post(problems::report_problem),
        )
        .route("/api/problems/summary", get(problems::summary))
        .route("/api/problems/heat", get(problems::heat))
        .route("/api/problems/{id}", get(problems::get))
        .route("/api/problems/{id}/steps", post(problems::step))
        .route(
            "/api/session",
            get(session::whoami)
                .post(session::sign_in)
                .delete(session::sign_out),
        )
        .route("/api/me/area", get(session::my_area))
        .route("/api/me/tasks", get(visits::my_tasks))
        .route("/api/chiefs/{id}/tasks", get(visits::chief_tasks))
        .route("/api/visits", post(visits::record))
        .route("/api/chiefs", get(chiefs::list))
        .route("/api/chiefs/{id}", get(chiefs::get))
        .route("/api/duties", post(chiefs::post))
        .route("/api/plans", get(plans::list).post(plans::create))
        .route("/api/plans/compare", get(plans::compare_plans))
        .route("/api/plans/as-of", get(plans::as_of))
        .route("/api/plans/{id}", get(plans::get))
        .route("/api/plans/{id}/zones", get(plans::zones))
        .route("/api/plans/{id}/balance", get(plans::balance))
        .route("/api/plans/{id}/edits", post(plans::edit))
        .route("/api/plans/{id}/undo", post(plans::undo))
        .route("/api/plans/{id}/redo", post(plans::redo))
        .route("/api/plans/{id}/publish", post(plans::publish))
        .route("/api/plans/{id}/discard", post(plans::discard))
        .route("/tiles/{file}", get(tiles::tilejson))
        .route("/tiles/{layer}/{z}/{x}/{file}", get(tiles::tile))
        .route("/styles/{file}", get(views::style))
        .route("/render/{file}", get(views::render))
        .route("/boards/{file}", get(board::board))
        .route("/api", get(api::index))
        .route("/api/stats", get(api::stats))
        .route("/api/levels", get(api::levels))
        .route("/api/locate", get(api::locate))
        .route("/api/zones", get(api::zones))
        .route("/api/zones/{code}", get(api::zone))
        .route("/api/compounds", get(api::compounds))
        .route("/api/compounds/{code}", get(api::compound))
        .route("/api/buildings", get(api::buildings))
        .route("/api/buildings/{id}", get(api::building))
        .route("/api/streets", get(api::streets))
        .route("/api/streets/{id}", get(api::street))
        // Unknown API paths answer JSON, never the front end's page.
        .route("/api/{*rest}", get(api::not_found));
    // The built front end when there is one; otherwise a plain page that lists the API.
    let router = match web {
        Some(dir) => router
            .fallback_service(ServeDir::new(&dir).fallback(ServeFile::new(dir.join("index.html")))),
        None => router
            .route("/", get(api::landing))
            .fallback(api::not_found),
    };
    router
        .layer(CompressionLayer::new())
        .layer(RequestBodyLimitLayer::new(BODY_LIMIT))
        // axum's extractors have their own default limit of 2 MB, below the server's: an
        // inspection's photo (up to 5 MiB, as base64 in JSON) needs the server's.
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(CatchPanicLayer::custom(error::panic_response))
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
