//! Signing in and out: `POST /api/session` checks a username and password (argon2id, with the
//! lockout rule) and answers with an HttpOnly, SameSite cookie; scripts may send the same token as
//! `Authorization: Bearer …`. Only the token's SHA-256 is stored. `GET /api/session` says who the
//! caller is; `DELETE /api/session` signs out.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rand::Rng;
use serde::Deserialize;
use serde_json::{Value, json};
use wangge_core::{AuditAction, AuditEntry, LockoutRule, SignInError, User, token_hash};

use crate::access::Caller;
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
pub(crate) fn token(headers: &HeaderMap) -> Option<String> {
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

/// Whether the request reached us over HTTPS: directly configured (`secure_cookies`) or through
/// a proxy that says so (`X-Forwarded-Proto: https`). The session cookie is then `Secure`.
fn over_https(state: &AppState, headers: &HeaderMap) -> bool {
    state.options().secure_cookies
        || headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("https"))
}

fn cookie(value: &str, max_age_s: i64, secure: bool) -> Result<HeaderValue, ApiError> {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_s}{secure}"
    ))
    .map_err(|e| ApiError::Internal(e.to_string()))
}

/// `POST /api/session`: signs in. A wrong username and a wrong password get the same answer.
pub(crate) async fn sign_in(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Json<SignIn>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(request) = body.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let wrong = || ApiError::Unauthorized("wrong username or password".into());
    let now = now_ms();
    let name = request.username.trim();
    // What the audit log says of an attempt: who tried, as typed (bounded), and why it failed.
    let attempt = |why: &str| {
        let who: String = name
            .chars()
            .take(wangge_core::users::MAX_USERNAME_CHARS)
            .collect();
        AuditEntry::new(
            now,
            who.clone(),
            AuditAction::SignInFailed,
            format!("user:{who}"),
        )
        .summary(why)
    };
    let Some(mut user) = state.store().user_by_name(name).await? else {
        state
            .store()
            .append_audit(&[attempt("no such user")])
            .await?;
        return Err(wrong());
    };
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
    if let Err(e) = &outcome {
        let entry = attempt(&e.to_string())
            .before(json!({ "failed_attempts": user.failed_attempts, "locked_until_ms": user.locked_until_ms }))
            .after(json!({ "failed_attempts": checked.failed_attempts, "locked_until_ms": checked.locked_until_ms }));
        if checked == user {
            state.store().append_audit(&[entry]).await?;
        } else {
            state.store().update_user(&checked, &[entry]).await?;
        }
        state.sessions().forget(None, Some(user.id));
        return Err(match e {
            SignInError::WrongPassword => wrong(),
            SignInError::Locked { .. } => ApiError::Unauthorized(
                "too many failed sign-ins: this user is locked for a while; try again later or \
                 ask an administrator to reset the password"
                    .into(),
            ),
            other => ApiError::Unauthorized(other.to_string()),
        });
    }
    if checked != user {
        user = checked;
        state.store().update_user(&user, &[]).await?;
    }
    let mut bytes = [0u8; 32];
    rand::rng().fill(&mut bytes);
    let token: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let expires = now + SESSION_MS;
    let entry = AuditEntry::new(
        now,
        user.username.clone(),
        AuditAction::SignIn,
        format!("user:{}", user.username),
    )
    .summary(format!("signed in as {}", user.role.as_str()));
    state
        .store()
        .create_session(user.id, &token_hash(&token), expires, &[entry])
        .await?;
    let mut response = Json(json!({
        "user": user_json(&state, &user),
        "token": token,
        "expires_at": crate::views::iso(expires),
    }))
    .into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        cookie(&token, SESSION_MS / 1000, over_https(&state, &headers))?,
    );
    Ok(response)
}

/// `GET /api/session`: who the caller is (401 when nobody).
pub(crate) async fn whoami(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Value>, ApiError> {
    let user = caller.signed_in()?;
    Ok(Json(json!({ "user": user_json(&state, user) })))
}

/// `DELETE /api/session`: signs out (the session ends in the store, the cookie is cleared).
pub(crate) async fn sign_out(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    if let Some(token) = token(&headers) {
        let hash = token_hash(&token);
        // Only a session that was one is recorded as ended.
        let entries: Vec<AuditEntry> = caller
            .user()
            .map(|u| {
                caller
                    .audit(AuditAction::SignOut, format!("user:{}", u.username))
                    .summary("signed out")
            })
            .into_iter()
            .collect();
        state.store().delete_session(&hash, &entries).await?;
        state.sessions().forget(Some(&hash), None);
    }
    let mut response = StatusCode::NO_CONTENT.into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        cookie("", 0, over_https(&state, &headers))?,
    );
    Ok(response)
}

/// `GET /api/me/area`: the signed-in street chief's own area (what the patrol view shows):
/// 401 when nobody is signed in, 403 for a user who is not a street chief.
pub(crate) async fn my_area(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Value>, ApiError> {
    let user = caller.signed_in()?;
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
    area["user"] = user_json(&state, user);
    Ok(Json(area))
}

/// The body of `POST /api/session/password`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PasswordChange {
    current_password: String,
    new_password: String,
}

/// Hashes a password off the async threads (argon2id is slow on purpose).
async fn hash(password: String) -> Result<String, ApiError> {
    tokio::task::spawn_blocking(move || wangge_core::hash_password(&password))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
        .map_err(|e| ApiError::Refused(e.to_string()))
}

/// `POST /api/session/password` with `{"current_password", "new_password"}`: the signed-in user
/// changes their own password. The current one must be right; the new one follows the password
/// rule (8 to 1024 characters).
pub(crate) async fn change_password(
    State(state): State<AppState>,
    caller: Caller,
    body: Result<Json<PasswordChange>, JsonRejection>,
) -> Result<StatusCode, ApiError> {
    let Json(request) = body.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let signed_in = caller.signed_in()?;
    wangge_core::check_password(&request.new_password)
        .map_err(|e| ApiError::Refused(e.to_string()))?;
    let Some(mut user) = state.store().user_by_name(&signed_in.username).await? else {
        return Err(ApiError::Unauthorized("this user no longer exists".into()));
    };
    let (stored, current) = (user.password_hash.clone(), request.current_password.clone());
    let right =
        tokio::task::spawn_blocking(move || wangge_core::verify_password(&stored, &current))
            .await
            .map_err(|e| ApiError::Internal(e.to_string()))?;
    if !right {
        return Err(ApiError::Forbidden(
            "the current password is wrong; the password is unchanged".into(),
        ));
    }
    user.password_hash = hash(request.new_password).await?;
    let entry = caller
        .audit(AuditAction::Password, format!("user:{}", user.username))
        .summary("changed their own password");
    state.store().update_user(&user, &[entry]).await?;
    state.sessions().forget(None, Some(user.id));
    Ok(StatusCode::NO_CONTENT)
}

/// What an administrator sees of a user: never the hash.
fn admin_user_json(state: &AppState, user: &User) -> Value {
    let mut value = user_json(state, user);
    value["id"] = json!(user.id);
    value["disabled"] = json!(user.disabled);
    value["failed_attempts"] = json!(user.failed_attempts);
    value["locked"] = json!(LockoutRule::default().is_locked(user, now_ms()));
    value
}

/// A user as the audit log keeps them: role, chief, name and state, never the password hash.
fn account(user: &User) -> Value {
    json!({
        "username": user.username,
        "display_name": user.display_name,
        "role": user.role.as_str(),
        "chief": user.chief,
        "disabled": user.disabled,
    })
}

/// `GET /api/users`: every user (administrators only).
pub(crate) async fn users(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    let users = state.store().users().await?;
    let list: Vec<Value> = users.iter().map(|u| admin_user_json(&state, u)).collect();
    Ok(Json(json!({ "users": list })))
}

/// The body of `POST /api/users`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewUser {
    username: String,
    #[serde(default)]
    display_name: Option<String>,
    role: String,
    #[serde(default)]
    chief: Option<wangge_core::Id>,
    password: String,
}

fn role_of(text: &str) -> Result<wangge_core::Role, ApiError> {
    wangge_core::Role::parse(text).map_err(|e| ApiError::BadRequest(e.to_string()))
}

/// `POST /api/users` with `{"username", "role", "password", "chief"?, "display_name"?}`: adds a
/// user (administrators only).
pub(crate) async fn add_user(
    State(state): State<AppState>,
    caller: Caller,
    body: Result<Json<NewUser>, JsonRejection>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let Json(request) = body.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let role = role_of(&request.role)?;
    let refused = |e: wangge_core::Error| ApiError::Refused(e.to_string());
    wangge_core::check_username(&request.username).map_err(refused)?;
    wangge_core::check_role_chief(role, request.chief).map_err(refused)?;
    wangge_core::check_password(&request.password).map_err(refused)?;
    let mut user = User::new(
        request.username.clone(),
        role,
        request.chief,
        hash(request.password).await?,
    );
    if let Some(name) = request.display_name.filter(|n| !n.trim().is_empty()) {
        user.display_name = name;
    }
    let entry = caller
        .audit(AuditAction::User, format!("user:{}", user.username))
        .summary(format!("added {} as {}", user.username, user.role.as_str()))
        .after(account(&user));
    user.id = state.store().create_user(&user, &[entry]).await?;
    Ok((StatusCode::CREATED, Json(admin_user_json(&state, &user))))
}

/// The body of `POST /api/users/{name}`: what changes.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct UserChange {
    #[serde(default)]
    role: Option<String>,
    /// The chief a patrol user is (`null` with another role).
    #[serde(default)]
    chief: Option<wangge_core::Id>,
    #[serde(default)]
    display_name: Option<String>,
    #[serde(default)]
    disabled: Option<bool>,
    /// A new password (which also lifts a lockout).
    #[serde(default)]
    password: Option<String>,
}

/// `POST /api/users/{name}`: changes a user's role and chief, name, state or password
/// (administrators only). The user's sessions see the change at once.
pub(crate) async fn change_user(
    State(state): State<AppState>,
    caller: Caller,
    Path(name): Path<String>,
    body: Result<Json<UserChange>, JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    let Json(request) = body.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let mut user = state
        .store()
        .user_by_name(&name)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no user is named {name}")))?;
    let before = user.clone();
    if let Some(role) = request.role.as_deref() {
        user.role = role_of(role)?;
        user.chief = request.chief;
    } else if request.chief.is_some() {
        user.chief = request.chief;
    }
    wangge_core::check_role_chief(user.role, user.chief)
        .map_err(|e| ApiError::Refused(e.to_string()))?;
    if let Some(display_name) = request.display_name {
        user.display_name = display_name;
    }
    if let Some(disabled) = request.disabled {
        user.disabled = disabled;
    }
    let password = request.password.is_some();
    if let Some(password) = request.password {
        wangge_core::check_password(&password).map_err(|e| ApiError::Refused(e.to_string()))?;
        user.password_hash = hash(password).await?;
        LockoutRule::default().record_success(&mut user);
    }
    let target = format!("user:{}", user.username);
    let mut entries = vec![
        caller
            .audit(AuditAction::User, target.clone())
            .summary(format!("changed {}", user.username))
            .before(account(&before))
            .after(account(&user)),
    ];
    if password {
        entries.push(
            caller
                .audit(AuditAction::Password, target)
                .summary(format!("set the password of {}", user.username)),
        );
    }
    state.store().update_user(&user, &entries).await?;
    state.sessions().forget(None, Some(user.id));
    Ok(Json(admin_user_json(&state, &user)))
}
