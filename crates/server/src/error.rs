//! The one error type of every handler, and how it becomes an HTTP response.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// What a request can fail with. The message of a 4xx is for the caller; a 5xx's detail is logged
/// and the caller gets a generic sentence.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The request is malformed: a bad parameter, a bad path.
    #[error("{0}")]
    BadRequest(String),
    /// Nothing exists at this path.
    #[error("{0}")]
    NotFound(String),
    /// The request is well formed but refused by a rule of the domain (422).
    #[error("{0}")]
    Refused(String),
    /// Refused by a rule, with details (422; the value carries `error`).
    #[error("{0}")]
    RefusedWith(serde_json::Value),
    /// The caller's version is stale (409; the value carries `error` and what changed).
    #[error("{0}")]
    Conflict(serde_json::Value),
    /// The caller is not signed in, or signing in failed (401).
    #[error("{0}")]
    Unauthorized(String),
    /// Signed in, but not allowed this (403).
    #[error("{0}")]
    Forbidden(String),
    /// The store is unreachable for now; retry later.
    #[error("{0}")]
    Unavailable(String),
    /// A bug or an unexpected failure.
    #[error("{0}")]
    Internal(String),
}

impl From<wangge_store::Error> for ApiError {
    fn from(e: wangge_store::Error) -> Self {
        match e {
            wangge_store::Error::Unavailable(m) => ApiError::Unavailable(m),
            wangge_store::Error::Refused(m) => ApiError::BadRequest(m.to_string()),
            e @ wangge_store::Error::StaleProblem { .. } => {
                ApiError::Conflict(json!({ "error": e.to_string() }))
            }
            e @ wangge_store::Error::NoProblem(_) => ApiError::NotFound(e.to_string()),
            other => ApiError::Internal(other.to_string()),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, message) = match self {
            ApiError::Refused(m) => (StatusCode::UNPROCESSABLE_ENTITY, m),
            ApiError::RefusedWith(v) => {
                return (StatusCode::UNPROCESSABLE_ENTITY, Json(v)).into_response();
            }
            ApiError::Conflict(v) => return (StatusCode::CONFLICT, Json(v)).into_response(),
            ApiError::BadRequest(m) => (StatusCode::BAD_REQUEST, m),
            ApiError::NotFound(m) => (StatusCode::NOT_FOUND, m),
            ApiError::Unauthorized(m) => (StatusCode::UNAUTHORIZED, m),
            ApiError::Forbidden(m) => (StatusCode::FORBIDDEN, m),
            ApiError::Unavailable(m) => {
                tracing::warn!(%m, "store unavailable");
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "the database is unavailable; try again shortly".to_string(),
                )
            }
            ApiError::Internal(m) => {
                tracing::error!(%m, "internal error");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal error; the details are in the server log".to_string(),
                )
            }
        };
        (status, Json(json!({ "error": message }))).into_response()
    }
}

/// Turns a panic inside a handler into a 500 with a JSON body; the server keeps running.
pub(crate) fn panic_response(payload: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let detail = payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_string()))
        .unwrap_or_default();
    ApiError::Internal(format!("handler panicked: {detail}")).into_response()
}
