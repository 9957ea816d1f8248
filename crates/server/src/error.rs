//! The one error type of every handler, and how it becomes an HTTP response.

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};

use axum::Json;
use axum::body::{Body, Bytes, HttpBody};
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http_body::{Frame, SizeHint};
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

/// The largest plain-text refusal [`plain_errors_as_json`] rewrites; axum's are a line long.
const PLAIN_ERROR_LIMIT: usize = 16 * 1024;

/// Answers in JSON the few refusals that bypass [`ApiError`] — the body limit's 413, axum's own
/// refusals of a malformed path, query or header (400, 415), a method a route does not take
/// (405), the static files' — which come as plain text or with no body at all: the caller gets
/// `{"error": …}` saying what is wrong, like from every handler. A request whose body turned out
/// larger than [`BODY_LIMIT`](crate::BODY_LIMIT) while a handler read it (one sent without a
/// `Content-Length`) is answered 413 too, whatever the handler made of the failed read. Other
/// answers pass untouched.
pub(crate) async fn plain_errors_as_json(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let over = Arc::new(AtomicBool::new(false));
    let request = request.map(|inner| {
        Body::new(Measured {
            inner,
            seen: 0,
            over: Arc::clone(&over),
        })
    });
    let response = next.run(request).await;
    let status = response.status();
    if over.load(Ordering::Relaxed) && status.is_client_error() {
        return too_large(response.into_parts().0);
    }
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !status.is_client_error() || is_json {
        return response;
    }
    let (parts, body) = response.into_parts();
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        return too_large(parts);
    }
    let text = match axum::body::to_bytes(body, PLAIN_ERROR_LIMIT).await {
        Ok(bytes) => String::from_utf8_lossy(&bytes).trim().to_string(),
        Err(_) => String::new(),
    };
    let message = match status {
        StatusCode::METHOD_NOT_ALLOWED => {
            let allowed = parts
                .headers
                .get(header::ALLOW)
                .and_then(|v| v.to_str().ok())
                .filter(|v| !v.is_empty())
                .map(|v| format!("; it takes {v}"))
                .unwrap_or_default();
            format!("{method} is not allowed on {path}{allowed}")
        }
        _ if !text.is_empty() => text,
        _ => format!(
            "{} ({method} {path})",
            status.canonical_reason().unwrap_or("refused")
        ),
    };
    json_error(parts, &message)
}

/// The 413 of a body over the limit, keeping the other headers of `parts`.
fn too_large(mut parts: axum::http::response::Parts) -> Response {
    parts.status = StatusCode::PAYLOAD_TOO_LARGE;
    let message = format!(
        "the request body is larger than the server's limit of {} MiB ({} bytes); send less",
        crate::BODY_LIMIT / (1024 * 1024),
        crate::BODY_LIMIT
    );
    json_error(parts, &message)
}

/// `{"error": message}` with the status and headers of `parts`.
fn json_error(mut parts: axum::http::response::Parts, message: &str) -> Response {
    let body = json!({ "error": message }).to_string();
    parts.headers.remove(header::CONTENT_ENCODING);
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    parts
        .headers
        .insert(header::CONTENT_LENGTH, HeaderValue::from(body.len()));
    Response::from_parts(parts, Body::from(body))
}

/// A request body that notes when more than [`BODY_LIMIT`](crate::BODY_LIMIT) bytes have gone
/// through it; the body limit below it ends the read there.
struct Measured {
    inner: Body,
    seen: usize,
    over: Arc<AtomicBool>,
}

impl HttpBody for Measured {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let this = &mut *self;
        let polled = Pin::new(&mut this.inner).poll_frame(cx);
        if let Poll::Ready(Some(Ok(frame))) = &polled
            && let Some(data) = frame.data_ref()
        {
            this.seen = this.seen.saturating_add(data.len());
            if this.seen > crate::BODY_LIMIT {
                this.over.store(true, Ordering::Relaxed);
            }
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// What is wrong with a path asked of the static files, if anything: a `..` segment (also
/// percent-encoded, or behind a backslash) would climb out of the web directory, and a path that
/// is not UTF-8 names no file. The file server would answer both with the front end's page; this
/// says what is wrong instead.
pub(crate) fn static_path_problem(path: &str) -> Option<String> {
    let bytes = percent_decode(path.as_bytes());
    let Ok(decoded) = String::from_utf8(bytes) else {
        return Some(format!(
            "the path {path} is not UTF-8 text once decoded; no file has that name"
        ));
    };
    decoded
        .split(['/', '\\'])
        .any(|segment| segment == "..")
        .then(|| {
            format!(
                "the path {path} climbs out of the web directory (`..`); no file there is served"
            )
        })
}

/// Decodes `%XX` escapes; a `%` not followed by two hex digits stays as it is.
fn percent_decode(bytes: &[u8]) -> Vec<u8> {
    let hex = |b: u8| char::from(b).to_digit(16);
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let (Some(h), Some(l)) = (
                bytes.get(i + 1).copied().and_then(hex),
                bytes.get(i + 2).copied().and_then(hex),
            )
        {
            // Two hex digits make at most 255.
            out.push(u8::try_from(h * 16 + l).unwrap_or(u8::MAX));
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    out
}

/// Refuses with a 400 a static path [`static_path_problem`] finds wrong; passes the rest on.
pub(crate) async fn refuse_bad_static_paths(request: Request, next: Next) -> Response {
    match static_path_problem(request.uri().path()) {
        Some(problem) => ApiError::BadRequest(problem).into_response(),
        None => next.run(request).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn static_paths_that_climb_out_or_are_not_utf8_are_named() {
        for path in [
            "/../../etc/passwd",
            "/%2e%2e/%2E%2E/etc/passwd",
            "/..%2f..%2fCargo.toml",
            "/web/../Cargo.toml",
            "/a/..%5c..%5cCargo.toml",
            "/..",
        ] {
            let problem = static_path_problem(path).unwrap_or_default();
            assert!(problem.contains("climbs out"), "{path}: {problem}");
        }
        let problem = static_path_problem("/%FF%FE.html").unwrap_or_default();
        assert!(problem.contains("not UTF-8"), "{problem}");
        for path in [
            "/",
            "/index.html",
            "/assets/app.js",
            "/a..b/c.js",
            "/%E7%BD%91.html",
            "/100%",
        ] {
            assert_eq!(static_path_problem(path), None, "{path}");
        }
    }
}
