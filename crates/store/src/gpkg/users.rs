//! Users and sessions in the GeoPackage: the `users` and `sessions` tables of schema 6 (not
//! GeoPackage feature tables).

use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};
use wangge_core::{Id, User};

use super::sql_error;
use crate::{Result, users};

/// The columns a [`User`] is read from, in the order [`user_from_row`] expects.
const COLUMNS: &str = "id, username, display_name, role, chief_id, password_hash, \
                       failed_attempts, locked_until_ms, disabled";

/// A user row as stored, before its role is parsed.
type RawUser = (User, String);

fn raw_user(r: &Row<'_>) -> rusqlite::Result<RawUser> {
    let user = User {
        id: r.get(0)?,
        username: r.get(1)?,
        display_name: r.get(2)?,
        role: wangge_core::Role::Viewer,
        chief: r.get(4)?,
        password_hash: r.get(5)?,
        failed_attempts: u32::try_from(r.get::<_, i64>(6)?).unwrap_or(u32::MAX),
        locked_until_ms: r.get(7)?,
        disabled: r.get(8)?,
    };
    Ok((user, r.get(3)?))
}

fn finish(location: &str, (mut user, role): RawUser) -> Result<User> {
    user.role = users::parse_role(location, user.id, &role)?;
    Ok(user)
}

/// Every user, by username.
pub(crate) fn list(conn: &Connection, location: &str) -> Result<Vec<User>> {
    let mut stmt = conn
        .prepare_cached(&format!("SELECT {COLUMNS} FROM users ORDER BY username"))
        .map_err(sql_error(location, "reading users"))?;
    let rows = stmt
        .query_map([], raw_user)
        .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>())
        .map_err(sql_error(location, "reading users"))?;
    rows.into_iter().map(|raw| finish(location, raw)).collect()
}

/// One user by exact username.
pub(crate) fn by_name(conn: &Connection, location: &str, username: &str) -> Result<Option<User>> {
    conn.query_row(
        &format!("SELECT {COLUMNS} FROM users WHERE username = ?1"),
        [username],
        raw_user,
    )
    .optional()
    .map_err(sql_error(location, format!("reading user `{username}`")))?
    .map(|raw| finish(location, raw))
    .transpose()
}

/// Refuses a username held by a user other than `id`, and a chief that does not exist.
fn check_references(
    tx: &Transaction<'_>,
    location: &str,
    user: &User,
    id: Option<Id>,
) -> Result<()> {
    let holder: Option<Id> = tx
        .query_row(
            "SELECT id FROM users WHERE username = ?1",
            [&user.username],
            |r| r.get(0),
        )
        .optional()
        .map_err(sql_error(location, "looking up the username"))?;
    if holder.is_some_and(|holder| Some(holder) != id) {
        return Err(users::duplicate_username(&user.username));
    }
    if let Some(chief) = user.chief {
        let found: i64 = tx
            .query_row("SELECT count(*) FROM chiefs WHERE id = ?1", [chief], |r| {
                r.get(0)
            })
            .map_err(sql_error(location, "looking up the chief"))?;
        if found == 0 {
            return Err(users::no_such_chief(&user.username, chief));
        }
    }
    Ok(())
}

/// Stores a new user and returns its id.
pub(crate) fn create(tx: &Transaction<'_>, location: &str, user: &User) -> Result<Id> {
    users::check(user)?;
    check_references(tx, location, user, None)?;
    tx.execute(
        "INSERT INTO users (username, display_name, role, chief_id, password_hash, \
         failed_attempts, locked_until_ms, disabled) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            user.username,
            user.display_name,
            user.role.as_str(),
            user.chief,
            user.password_hash,
            i64::from(user.failed_attempts),
            user.locked_until_ms,
            user.disabled
        ],
    )
    .map_err(sql_error(
        location,
        format!("writing user `{}`", user.username),
    ))?;
    Ok(tx.last_insert_rowid())
}

/// Replaces a stored user.
pub(crate) fn update(tx: &Transaction<'_>, location: &str, user: &User) -> Result<()> {
    users::check(user)?;
    check_references(tx, location, user, Some(user.id))?;
    let changed = tx
        .execute(
            "UPDATE users SET username = ?2, display_name = ?3, role = ?4, chief_id = ?5, \
             password_hash = ?6, failed_attempts = ?7, locked_until_ms = ?8, disabled = ?9 \
             WHERE id = ?1",
            params![
                user.id,
                user.username,
                user.display_name,
                user.role.as_str(),
                user.chief,
                user.password_hash,
                i64::from(user.failed_attempts),
                user.locked_until_ms,
                user.disabled
            ],
        )
        .map_err(sql_error(
            location,
            format!("writing user `{}`", user.username),
        ))?;
    if changed == 0 {
        return Err(users::no_such_user(user.id));
    }
    Ok(())
}

/// Starts a session.
pub(crate) fn create_session(
    tx: &Transaction<'_>,
    location: &str,
    user: Id,
    token_hash: &str,
    expires_at_ms: i64,
) -> Result<()> {
    let found: i64 = tx
        .query_row("SELECT count(*) FROM users WHERE id = ?1", [user], |r| {
            r.get(0)
        })
        .map_err(sql_error(location, "looking up the user"))?;
    if found == 0 {
        return Err(users::no_such_user(user));
    }
    tx.execute(
        "INSERT INTO sessions (token_hash, user_id, created_at_ms, expires_at_ms) \
         VALUES (?1, ?2, CAST(round((julianday('now') - 2440587.5) * 86400000) AS INTEGER), ?3)",
        params![token_hash, user, expires_at_ms],
    )
    .map_err(sql_error(location, "starting a session"))?;
    Ok(())
}

/// The enabled user of a live session.
pub(crate) fn session_user(
    conn: &Connection,
    location: &str,
    token_hash: &str,
    now_ms: i64,
) -> Result<Option<User>> {
    conn.query_row(
        &format!(
            "SELECT {COLUMNS} FROM users WHERE disabled = 0 AND id = \
             (SELECT user_id FROM sessions WHERE token_hash = ?1 AND expires_at_ms > ?2)"
        ),
        params![token_hash, now_ms],
        raw_user,
    )
    .optional()
    .map_err(sql_error(location, "reading a session"))?
    .map(|raw| finish(location, raw))
    .transpose()
}

/// Ends a session.
pub(crate) fn delete_session(tx: &Transaction<'_>, location: &str, token_hash: &str) -> Result<()> {
    tx.execute("DELETE FROM sessions WHERE token_hash = ?1", [token_hash])
        .map_err(sql_error(location, "ending a session"))?;
    Ok(())
}
