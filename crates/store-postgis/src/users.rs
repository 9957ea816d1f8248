//! Users and sessions: the `users` and `sessions` tables of schema 5, as in the GeoPackage.

use deadpool_postgres::{GenericClient, Transaction};
use tokio_postgres::Row;
use tokio_postgres::error::SqlState;
use wangge_core::{Id, User};
use wangge_store::{Result, users};

use crate::connect::pg_error;
use crate::queries;
use crate::rows::{corrupt, get, query};

fn user_from_row(location: &str, row: &Row) -> Result<User> {
    let id: i64 = get(row, 0, 0).map_err(|(id, p)| corrupt(location, "users", id, p))?;
    let read = || -> Result<(User, String), (i64, String)> {
        let failed: i64 = get(row, 6, id)?;
        Ok((
            User {
                id,
                username: get(row, 1, id)?,
                display_name: get(row, 2, id)?,
                role: wangge_core::Role::Viewer,
                chief: get(row, 4, id)?,
                password_hash: get(row, 5, id)?,
                failed_attempts: u32::try_from(failed).unwrap_or(u32::MAX),
                locked_until_ms: get(row, 7, id)?,
                disabled: get(row, 8, id)?,
            },
            get(row, 3, id)?,
        ))
    };
    let (mut user, role) = read().map_err(|(id, p)| corrupt(location, "users", id, p))?;
    user.role = users::parse_role(location, id, &role)?;
    Ok(user)
}

/// Every user, by username.
pub(crate) async fn list<C: GenericClient>(client: &C, location: &str) -> Result<Vec<User>> {
    query(
        client,
        location,
        "reading users",
        queries::SELECT_USERS,
        &[],
    )
    .await?
    .iter()
    .map(|row| user_from_row(location, row))
    .collect()
}

/// One user by exact username.
pub(crate) async fn by_name<C: GenericClient>(
    client: &C,
    location: &str,
    username: &str,
) -> Result<Option<User>> {
    query(
        client,
        location,
        "reading a user",
        queries::SELECT_USER_BY_NAME,
        &[&username],
    )
    .await?
    .first()
    .map(|row| user_from_row(location, row))
    .transpose()
}

async fn exists(tx: &Transaction<'_>, location: &str, sql: &str, id: Id) -> Result<bool> {
    let rows = query(tx, location, "looking up a reference", sql, &[&id]).await?;
    Ok(rows
        .first()
        .and_then(|r| r.try_get(0).ok())
        .unwrap_or(false))
}

/// Refuses a username held by a user other than `id`, and a chief that does not exist.
async fn check_references(
    tx: &Transaction<'_>,
    location: &str,
    user: &User,
    id: Option<Id>,
) -> Result<()> {
    let holder: Option<Id> = query(
        tx,
        location,
        "looking up the username",
        queries::USER_ID_BY_NAME,
        &[&user.username],
    )
    .await?
    .first()
    .and_then(|r| r.try_get(0).ok());
    if holder.is_some_and(|holder| Some(holder) != id) {
        return Err(users::duplicate_username(&user.username));
    }
    if let Some(chief) = user.chief
        && !exists(tx, location, queries::CHIEF_EXISTS, chief).await?
    {
        return Err(users::no_such_chief(&user.username, chief));
    }
    Ok(())
}

/// Maps a failed write of a user; a unique violation is a username taken at the same moment.
fn write_error(
    location: &str,
    user: &User,
) -> impl FnOnce(tokio_postgres::Error) -> wangge_store::Error {
    let location = location.to_string();
    let username = user.username.clone();
    move |error| {
        if error.code() == Some(&SqlState::UNIQUE_VIOLATION) {
            users::duplicate_username(&username)
        } else {
            pg_error(&location, format!("writing user `{username}`"))(error)
        }
    }
}

/// Stores a new user and returns its id.
pub(crate) async fn create(tx: &Transaction<'_>, location: &str, user: &User) -> Result<Id> {
    users::check(user)?;
    check_references(tx, location, user, None).await?;
    let row = tx
        .query_one(
            queries::INSERT_USER,
            &[
                &user.username,
                &user.display_name,
                &user.role.as_str(),
                &user.chief,
                &user.password_hash,
                &i64::from(user.failed_attempts),
                &user.locked_until_ms,
                &user.disabled,
            ],
        )
        .await
        .map_err(write_error(location, user))?;
    row.try_get(0)
        .map_err(pg_error(location, "reading the new user's id"))
}

/// Replaces a stored user.
pub(crate) async fn update(tx: &Transaction<'_>, location: &str, user: &User) -> Result<()> {
    users::check(user)?;
    check_references(tx, location, user, Some(user.id)).await?;
    let changed = tx
        .execute(
            queries::UPDATE_USER,
            &[
                &user.id,
                &user.username,
                &user.display_name,
                &user.role.as_str(),
                &user.chief,
                &user.password_hash,
                &i64::from(user.failed_attempts),
                &user.locked_until_ms,
                &user.disabled,
            ],
        )
        .await
        .map_err(write_error(location, user))?;
    if changed == 0 {
        return Err(users::no_such_user(user.id));
    }
    Ok(())
}

/// Starts a session.
pub(crate) async fn create_session(
    tx: &Transaction<'_>,
    location: &str,
    user: Id,
    token_hash: &str,
    expires_at_ms: i64,
) -> Result<()> {
    if !exists(tx, location, queries::USER_EXISTS, user).await? {
        return Err(users::no_such_user(user));
    }
    tx.execute(
        queries::INSERT_SESSION,
        &[&token_hash, &user, &expires_at_ms],
    )
    .await
    .map_err(pg_error(location, "starting a session"))?;
    Ok(())
}

/// The enabled user of a live session.
pub(crate) async fn session_user<C: GenericClient>(
    client: &C,
    location: &str,
    token_hash: &str,
    now_ms: i64,
) -> Result<Option<User>> {
    query(
        client,
        location,
        "reading a session",
        queries::SESSION_USER,
        &[&token_hash, &now_ms],
    )
    .await?
    .first()
    .map(|row| user_from_row(location, row))
    .transpose()
}

/// Ends a session.
pub(crate) async fn delete_session(
    tx: &Transaction<'_>,
    location: &str,
    token_hash: &str,
) -> Result<()> {
    tx.execute(queries::DELETE_SESSION, &[&token_hash])
        .await
        .map_err(pg_error(location, "ending a session"))?;
    Ok(())
}
