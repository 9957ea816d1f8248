//! Who may do what: the access rule of every route, the [`Caller`] every handler can ask for,
//! and a street chief's [`Scope`].
//!
//! Every route is declared once, in [`routes`](crate::routes), with its [`Access`]; the router and
//! the rule table are built from that one list, so a route without a rule cannot exist. The
//! [`authorize`] layer runs after routing: it finds the caller (session cookie or bearer token,
//! through a short cache) and answers 401 to anonymous callers and 403 to roles the rule does not
//! name, before the handler runs. Handlers then narrow what a patrol user (巡查员/街长) sees and
//! changes to their own area with [`Caller::scope`].

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{FromRequestParts, MatchedPath, Request, State};
use axum::http::Method;
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use wangge_core::{
    Atlas, AuditAction, AuditEntry, Compound, DutyKind, Id, Role, User, chief_level,
};

use crate::views::now_ms;
use crate::{ApiError, AppState};

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not.
    Public,
    /// Signed-in users with one of these roles. Where `Patrol` is named, the handler limits a
    /// patrol user to their own area.
    Roles(&'static [Role]),
}

impl Access {
    /// Whether a user with `role` passes this rule (before any spatial scoping).
    pub fn allows(self, role: Option<Role>) -> bool {
        match self {
            Access::Public => true,
            Access::Roles(roles) => role.is_some_and(|r| roles.contains(&r)),
        }
    }

    /// The roles named, for the API index (`public` for everyone).
    pub fn describe(self) -> Vec<&'static str> {
        match self {
            Access::Public => vec!["public"],
            Access::Roles(roles) => roles.iter().map(|r| r.as_str()).collect(),
        }
    }
}

/// Every signed-in role: patrol users only within their own area.
pub const EVERYONE: Access = Access::Roles(&[
    Role::Admin,
    Role::Planner,
    Role::Leader,
    Role::Patrol,
    Role::Viewer,
]);
/// Reads of the whole jurisdiction: everyone but patrol users, who see their own area only.
pub const READERS: Access =
    Access::Roles(&[Role::Admin, Role::Planner, Role::Leader, Role::Viewer]);
/// Boundaries, plans, assignments and tiers.
pub const PLANNERS: Access = Access::Roles(&[Role::Admin, Role::Planner]);
/// Work in the field: inspections, problems, visits (patrol users in their own area).
pub const FIELD: Access = Access::Roles(&[Role::Admin, Role::Patrol]);
/// A street chief's own things: their area, their tasks, their visits.
pub const PATROL: Access = Access::Roles(&[Role::Patrol]);
/// The audit log.
pub const AUDITORS: Access = Access::Roles(&[Role::Admin, Role::Leader]);
/// Users and settings.
pub const ADMINS: Access = Access::Roles(&[Role::Admin]);

/// The rule of every (method, route pattern), built from [`routes`](crate::routes).
#[derive(Debug, Default)]
pub(crate) struct Rules(HashMap<(Method, &'static str), Access>);

impl Rules {
    pub(crate) fn insert(&mut self, method: Method, path: &'static str, access: Access) {
        self.0.insert((method, path), access);
    }

    fn get(&self, method: &Method, path: &str) -> Option<Access> {
        // HEAD is answered by the GET route.
        let method = if method == Method::HEAD {
            &Method::GET
        } else {
            method
        };
        self.0.get(&(method.clone(), path)).copied()
    }

    /// Whether some method of this route pattern has a rule (the route exists).
    fn has_path(&self, path: &str) -> bool {
        self.0.keys().any(|(_, p)| *p == path)
    }
}

/// How long a looked-up session is trusted before the store is asked again. A sign-out in this
/// server takes effect at once; one in another server on the same database within this time.
const SESSION_CACHE: Duration = Duration::from_secs(10);
/// Sessions kept in the cache at most; beyond it the cache starts over.
const SESSION_CACHE_ENTRIES: usize = 10_000;
/// While the store is unavailable, a session looked up at most this long ago still stands, so
/// that what is answered from memory (maps, lists, summaries) stays answered through a database
/// restart. Nobody can sign out or change a role meanwhile: those need the store too.
const SESSION_OUTAGE_GRACE: Duration = Duration::from_secs(15 * 60);

/// Recently looked-up sessions by token hash, so that a map's dozens of tile requests do not each
/// ask the store.
#[derive(Debug, Default)]
pub(crate) struct SessionCache {
    entries: Mutex<HashMap<String, Cached>>,
}

/// A looked-up session: its user (`None`: no such session) and when it was looked up.
type Cached = (Option<Arc<User>>, Instant);

impl SessionCache {
    fn get(&self, hash: &str) -> Option<Option<Arc<User>>> {
        let entries = self.entries.lock().ok()?;
        let (user, at) = entries.get(hash)?;
        (at.elapsed() < SESSION_CACHE).then(|| user.clone())
    }

    /// A looked-up session however recent, within `grace`: for when the store cannot be asked.
    fn stale(&self, hash: &str, grace: Duration) -> Option<Option<Arc<User>>> {
        let entries = self.entries.lock().ok()?;
        let (user, at) = entries.get(hash)?;
        (at.elapsed() < grace).then(|| user.clone())
    }

    fn put(&self, hash: String, user: Option<Arc<User>>) {
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= SESSION_CACHE_ENTRIES {
                entries.clear();
            }
            entries.insert(hash, (user, Instant::now()));
        }
    }

    /// Forgets one session (signed out) or every session of a user (password or role changed).
    pub(crate) fn forget(&self, hash: Option<&str>, user: Option<Id>) {
        if let Ok(mut entries) = self.entries.lock() {
            if let Some(hash) = hash {
                entries.remove(hash);
            }
            if let Some(id) = user {
                entries.retain(|_, (u, _)| u.as_ref().is_none_or(|u| u.id != id));
            }
        }
    }
}

/// The user a token belongs to, through the cache.
pub(crate) async fn session_user(
    state: &AppState,
    token: &str,
) -> Result<Option<Arc<User>>, ApiError> {
    let hash = wangge_core::token_hash(token);
    if let Some(user) = state.sessions().get(&hash) {
        return Ok(user);
    }
    let user = match state.store().session_user(&hash, now_ms()).await {
        Ok(user) => user.map(Arc::new),
        Err(wangge_store::Error::Unavailable(message)) => {
            return state
                .sessions()
                .stale(&hash, SESSION_OUTAGE_GRACE)
                .ok_or(ApiError::Unavailable(message));
        }
        Err(e) => return Err(e.into()),
    };
    state.sessions().put(hash, user.clone());
    Ok(user)
}

/// The caller of a request: who is signed in, if anyone. Handlers take it as an extractor.
#[derive(Debug, Clone, Default)]
pub(crate) struct Caller {
    user: Option<Arc<User>>,
}

impl Caller {
    /// The signed-in user, if any.
    pub(crate) fn user(&self) -> Option<&User> {
        self.user.as_deref()
    }

    /// The signed-in user, or 401.
    pub(crate) fn signed_in(&self) -> Result<&User, ApiError> {
        self.user()
            .ok_or_else(|| ApiError::Unauthorized("not signed in: sign in first".into()))
    }

    /// The caller's role, if signed in.
    pub(crate) fn role(&self) -> Option<Role> {
        self.user().map(|u| u.role)
    }

    /// Whether the caller has one of `roles`.
    pub(crate) fn is(&self, roles: &[Role]) -> bool {
        self.role().is_some_and(|r| roles.contains(&r))
    }

    /// The chief a patrol user is; `None` for every other caller.
    pub(crate) fn patrol_chief(&self) -> Option<Id> {
        self.user()
            .filter(|u| u.role == Role::Patrol)
            .and_then(|u| u.chief)
    }

    /// Who the audit log names: the username, or `anonymous`.
    pub(crate) fn actor(&self) -> String {
        self.user()
            .map_or_else(|| "anonymous".to_string(), |u| u.username.clone())
    }

    /// The name an author field takes: the display name, else the username (401 when nobody is
    /// signed in).
    pub(crate) fn author(&self) -> Result<String, ApiError> {
        let u = self.signed_in()?;
        Ok(if u.display_name.trim().is_empty() {
            u.username.clone()
        } else {
            u.display_name.clone()
        })
    }

    /// An audit entry by this caller, now.
    pub(crate) fn audit(&self, action: AuditAction, target: impl Into<String>) -> AuditEntry {
        AuditEntry::new(now_ms(), self.actor(), action, target)
    }

    /// A patrol user's own area; `None` for callers who see the whole jurisdiction.
    pub(crate) fn scope(&self, atlas: &Atlas) -> Option<Scope> {
        self.patrol_chief().map(|chief| Scope::of(atlas, chief))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(parts
            .extensions
            .get::<Caller>()
            .cloned()
            .unwrap_or_default())
    }
}

/// What a street chief answers for, on their own chief level: their buildings and street
/// segments, and the compounds those buildings stand in.
#[derive(Debug, Clone, Default)]
pub(crate) struct Scope {
    pub(crate) chief: Id,
    pub(crate) compounds: HashSet<Id>,
    pub(crate) buildings: HashSet<Id>,
    pub(crate) streets: HashSet<Id>,
}

impl Scope {
    /// The scope of `chief` in `atlas` (empty for a chief who no longer exists).
    pub(crate) fn of(atlas: &Atlas, chief: Id) -> Self {
        let mut scope = Scope {
            chief,
            ..Scope::default()
        };
        let Some(level) = atlas.chief(chief).map(chief_level) else {
            return scope;
        };
        for duty in atlas
            .data()
            .duties
            .iter()
            .filter(|d| d.chief == chief && d.level == level)
        {
            match duty.kind {
                DutyKind::Building => {
                    scope.buildings.insert(duty.target);
                    if let Some(c) = atlas.building(duty.target).and_then(|b| b.compound) {
                        scope.compounds.insert(c);
                    }
                }
                DutyKind::Street => {
                    scope.streets.insert(duty.target);
                }
            }
        }
        scope
    }

    fn outside(&self, what: &str) -> ApiError {
        ApiError::Forbidden(format!(
            "{what} is outside your area (street chief {}): a street chief sees and records only \
             their own compounds, buildings and streets",
            self.chief
        ))
    }

    /// 403 unless the compound is in the area.
    pub(crate) fn compound(&self, c: &Compound) -> Result<(), ApiError> {
        if self.compounds.contains(&c.id) {
            Ok(())
        } else {
            Err(self.outside(&format!("compound {}", c.code)))
        }
    }

    /// 403 unless the building is the chief's.
    pub(crate) fn building(&self, id: Id) -> Result<(), ApiError> {
        if self.buildings.contains(&id) {
            Ok(())
        } else {
            Err(self.outside(&format!("building {id}")))
        }
    }

    /// 403 unless the street segment is the chief's.
    pub(crate) fn street(&self, id: Id) -> Result<(), ApiError> {
        if self.streets.contains(&id) {
            Ok(())
        } else {
            Err(self.outside(&format!("street segment {id}")))
        }
    }

    /// 403 unless the chief is this one.
    pub(crate) fn chief(&self, id: Id) -> Result<(), ApiError> {
        if id == self.chief {
            Ok(())
        } else {
            Err(ApiError::Forbidden(format!(
                "a street chief sees only their own (chief {}), not chief {id}'s",
                self.chief
            )))
        }
    }
}

/// Checks a compound against the caller's scope: anyone but a patrol user passes.
pub(crate) fn check_compound(caller: &Caller, atlas: &Atlas, c: &Compound) -> Result<(), ApiError> {
    match caller.scope(atlas) {
        Some(scope) => scope.compound(c),
        None => Ok(()),
    }
}

/// The layer in front of every route: finds the caller and applies the route's rule.
pub(crate) async fn authorize(
    State(state): State<AppState>,
    matched: Option<MatchedPath>,
    mut request: Request,
    next: Next,
) -> Response {
    let access = matched
        .as_ref()
        .and_then(|m| state.rules().get(request.method(), m.as_str()));
    let Some(access) = access else {
        // A method the route does not have reaches no handler: axum answers 405.
        if matched
            .as_ref()
            .is_some_and(|m| state.rules().has_path(m.as_str()))
        {
            return next.run(request).await;
        }
        // Every route is declared with a rule; reaching here is a bug. Refuse rather than serve.
        return ApiError::Internal(format!(
            "no access rule for {} {}",
            request.method(),
            matched.as_ref().map_or("?", |m| m.as_str())
        ))
        .into_response();
    };
    let user = match crate::session::token(request.headers()) {
        Some(token) => match session_user(&state, &token).await {
            Ok(user) => user,
            Err(e) => return e.into_response(),
        },
        None => None,
    };
    let caller = Caller { user };
    if access != Access::Public {
        let Some(user) = caller.user() else {
            return ApiError::Unauthorized(
                "not signed in: sign in with POST /api/session (or send a bearer token)".into(),
            )
            .into_response();
        };
        if !access.allows(Some(user.role)) {
            return ApiError::Forbidden(format!(
                "{} is a {} user ({}); this needs one of: {}",
                user.username,
                user.role.as_str(),
                user.role.name_zh(),
                access.describe().join(", ")
            ))
            .into_response();
        }
    }
    request.extensions_mut().insert(caller);
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_past_the_cache_time_stands_only_within_the_outage_grace() {
        let cache = SessionCache::default();
        let looked_up = Instant::now()
            .checked_sub(Duration::from_secs(60))
            .expect("an instant a minute ago");
        cache
            .entries
            .lock()
            .expect("the cache's lock")
            .insert("hash".into(), (None, looked_up));
        assert!(cache.get("hash").is_none(), "older than the cache trusts");
        assert!(matches!(
            cache.stale("hash", SESSION_OUTAGE_GRACE),
            Some(None)
        ));
        assert!(cache.stale("hash", Duration::from_secs(30)).is_none());
        assert!(cache.stale("other", SESSION_OUTAGE_GRACE).is_none());
    }
}
