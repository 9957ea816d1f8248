//! Signing in and out: `POST /api/session` checks a username and password (argon2id, with the
//! lockout rule) and answers with an HttpOnly, SameSite cookie; scripts may send the same token as
//! `Authorization: Bearer …`. Only the token's SHA-256 is stored. `GET /api/session` says who the
//! caller is; `DELETE /api/session` signs out.

use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rand::Rng;
use serde::Deserialize;
use serde_json::{Value, json};
use wangge_core::{LockoutRule, SignInError, User, token_hash};

use crate::views::now_ms;
use crate::{ApiError, AppState};

/// The session cookie's name.
pub const COOKIE: &str = "wangge_session";

/// How long a session lasts: a working day and a night.
const SESSION_MS: i64 = 16 * 3600 * 1000;

/// The body of `POST /api/session`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SignIn {
    username: String,
    password: String,
}

/// The token the request carries: the session cookie, or a bearer token.
fn token(headers: &HeaderMap) -> Option<String> {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| t.trim().to_string());
    bearer.or_else(|| {
        headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(name, _)| *name == COOKIE)
            .map(|(_, value)| value.to_string())
    })
}

/// The signed-in user of a request, if any.
pub(crate) async fn current_user(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<Option<User>, ApiError> {
    let Some(token) = token(headers) else {
        return Ok(None);
    };
    Ok(state
        .store()
        .session_user(&token_hash(&token), now_ms())
        .await?)
}

/// What the client may know of a user: never the hash.
fn user_json(state: &AppState, user: &User) -> Value {
    let atlas = state.snapshot().atlas;
    let chief = user.chief.and_then(|id| atlas.chief(id));
    json!({
        "username": user.username,
        "display_name": user.display_name,
        "role": user.role.as_str(),
        "role_name": user.role.name_zh(),
        "chief": user.chief,
        "chief_name": chief.map(|c| c.name.as_str()),
    })
}

fn cookie(value: &str, max_age_s: i64) -> Result<HeaderValue, ApiError> {
    HeaderValue::from_str(&format!(
        "{COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_s}"
    ))
    .map_err(|e| ApiError::Internal(e.to_string()))
}

/// `POST /api/session`: signs in. A wrong username and a wrong password get the same answer.
pub(crate) async fn sign_in(
    State(state): State<AppState>,
    body: Result<Json<SignIn>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(request) = body.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let wrong = || ApiError::Unauthorized("wrong username or password".into());
    let Some(mut user) = state.store().user_by_name(request.username.trim()).await? else {
        return Err(wrong());
    };
    let now = now_ms();
    let rule = LockoutRule::default();
    let outcome = {
        let password = request.password.clone();
        let mut checked = user.clone();
        // argon2id takes tens of milliseconds on purpose: off the async threads.
        tokio::task::spawn_blocking(move || {
            let outcome = rule.sign_in(&mut checked, &password, now);
            (checked, outcome)
        })
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
    };
    let (checked, outcome) = outcome;
    if checked != user {
        user = checked;
        state.store().update_user(&user, &[]).await?;
    }
    match outcome {
        Ok(()) => {}
        Err(SignInError::WrongPassword) => return Err(wrong()),
        Err(SignInError::Locked { .. }) => {
            return Err(ApiError::Unauthorized(
                "too many failed sign-ins: this user is locked for a while; try again later or \
                 ask an administrator to reset the password"
                    .into(),
            ));
        }
        Err(other) => return Err(ApiError::Unauthorized(other.to_string())),
    }
    let mut bytes = [0u8; 32];
    rand::rng().fill(&mut bytes);
    let token: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let expires = now + SESSION_MS;
    state
        .store()
        .create_session(user.id, &token_hash(&token), expires, &[])
        .await?;
    let mut response = Json(json!({
        "user": user_json(&state, &user),
        "token": token,
        "expires_at": crate::views::iso(expires),
    }))
    .into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, cookie(&token, SESSION_MS / 1000)?);
    Ok(response)
}

/// `GET /api/session`: who the caller is (401 when nobody).
pub(crate) async fn whoami(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    match current_user(&state, &headers).await? {
        Some(user) => Ok(Json(json!({ "user": user_json(&state, &user) }))),
        None => Err(ApiError::Unauthorized("not signed in".into())),
    }
}

/// `DELETE /api/session`: signs out (the session ends in the store, the cookie is cleared).
pub(crate) async fn sign_out(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    if let Some(token) = token(&headers) {
        state
            .store()
            .delete_session(&token_hash(&token), &[])
            .await?;
    }
    let mut response = StatusCode::NO_CONTENT.into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, cookie("", 0)?);
    Ok(response)
}

/// `GET /api/me/area`: the signed-in street chief's own area (what the patrol view shows):
/// 401 when nobody is signed in, 403 for a user who is not a street chief.
pub(crate) async fn my_area(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let user = current_user(&state, &headers)
        .await?
        .ok_or_else(|| ApiError::Unauthorized("not signed in".into()))?;
    let chief = user
        .chief
        .filter(|_| user.role == wangge_core::Role::Patrol)
        .ok_or_else(|| {
            ApiError::Forbidden(format!(
                "{} is a {} user, not a street chief: there is no own area to show",
                user.username,
                user.role.as_str()
            ))
        })?;
    let atlas = state.snapshot().atlas;
    let mut area = crate::chiefs::area(&atlas, chief)?;
    area["user"] = user_json(&state, &user);
    Ok(Json(area))
}
