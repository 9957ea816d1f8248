//! Reaching PostgreSQL: connection options, URLs with the password hidden, the pool, waiting for a
//! server that is still starting, and turning driver errors into the store's errors.

use std::time::Duration;

use deadpool_postgres::{
    Manager, ManagerConfig, Object, Pool, PoolError, RecyclingMethod, Runtime, Timeouts,
};
use tokio::time::Instant;
use tokio_postgres::NoTls;
use wangge_store::{Error, Result};

/// How a [`PostgisStore`](crate::PostgisStore) connects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectOptions {
    /// The PostgreSQL schema that holds the store's tables (default `wangge`): lowercase ASCII
    /// letters, digits and `_`, starting with a letter or `_`, at most 48 characters. Several
    /// stores can share one database in different schemas; tests use this to isolate.
    pub schema: String,
    /// How long [`connect`](crate::PostgisStore::connect) keeps retrying a server that is down
    /// or still starting before it gives up (default 30 s).
    pub connect_timeout: Duration,
    /// The most connections the pool opens (default 8). Subscriptions use one more each.
    pub max_connections: usize,
}

impl Default for ConnectOptions {
    fn default() -> Self {
        Self {
            schema: "wangge".into(),
            connect_timeout: Duration::from_secs(30),
            max_connections: 8,
        }
    }
}

/// The longest a single connection attempt may take, so that a server that does not answer at
/// all (a black-holed address) is given up on instead of holding a request for minutes.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);
/// The first pause between connection attempts; it doubles after every failure.
const FIRST_BACKOFF: Duration = Duration::from_millis(100);
/// The longest pause between connection attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// The next pause after `delay`: doubled, at most [`MAX_BACKOFF`].
pub(crate) fn next_backoff(delay: Duration) -> Duration {
    (delay * 2).min(MAX_BACKOFF)
}

/// The first pause of a back-off sequence.
pub(crate) fn first_backoff() -> Duration {
    FIRST_BACKOFF
}

/// A connection URL or key/value string with its password replaced by `***`, fit for logs and
/// messages: `postgres://user:secret@host:5432/db` becomes `postgres://user:***@host:5432/db`,
/// and `host=h password=secret` becomes `host=h password=***`.
///
/// # Examples
///
/// ```
/// use wangge_store_postgis::redact;
///
/// assert_eq!(
///     redact("postgres://wangge:s3cret@db.example:5432/grid"),
///     "postgres://wangge:***@db.example:5432/grid"
/// );
/// assert_eq!(redact("host=db password='a b' user=x"), "host=db password=*** user=x");
/// ```
pub fn redact(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return redact_key_values(url);
    };
    let rest_start = scheme_end + 3;
    let rest = &url[rest_start..];
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    let mut out = url[..rest_start].to_string();
    match authority.rfind('@') {
        Some(at) => {
            let userinfo = &authority[..at];
            match userinfo.find(':') {
                Some(colon) => {
                    out.push_str(&userinfo[..colon]);
                    out.push_str(":***");
                }
                None => out.push_str(userinfo),
            }
            out.push_str(&authority[at..]);
        }
        None => out.push_str(authority),
    }
    let tail = &rest[authority_end..];
    match tail.split_once('?') {
        Some((path, query)) => {
            out.push_str(path);
            out.push('?');
            let params: Vec<String> = query
                .split('&')
                .map(|param| match param.split_once('=') {
                    Some((key, _)) if key.eq_ignore_ascii_case("password") => {
                        format!("{key}=***")
                    }
                    _ => param.to_string(),
                })
                .collect();
            out.push_str(&params.join("&"));
        }
        None => out.push_str(tail),
    }
    out
}

/// Hides the value of `password` in a libpq key/value connection string.
fn redact_key_values(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while !rest.is_empty() {
        // Copy white space and the key up to `=`.
        let Some(eq) = rest.find('=') else {
            out.push_str(rest);
            break;
        };
        let key = &rest[..eq];
        out.push_str(key);
        out.push('=');
        let after = rest[eq + 1..].trim_start();
        out.push_str(&rest[eq + 1..eq + 1 + (rest.len() - eq - 1 - after.len())]);
        // A value is quoted ('…', with \' and \\ escapes) or runs to the next white space.
        let value_len = if let Some(quoted) = after.strip_prefix('\'') {
            let mut escaped = false;
            let mut end = after.len();
            for (i, c) in quoted.char_indices() {
                match c {
                    _ if escaped => escaped = false,
                    '\\' => escaped = true,
                    '\'' => {
                        end = i + 2;
                        break;
                    }
                    _ => {}
                }
            }
            end
        } else {
            after.find(char::is_whitespace).unwrap_or(after.len())
        };
        if key.trim().eq_ignore_ascii_case("password") {
            out.push_str("***");
        } else {
            out.push_str(&after[..value_len]);
        }
        rest = &after[value_len..];
    }
    out
}

/// Checks a schema name: it is put into SQL text and the notification channel name, so only
/// plain lowercase identifiers are accepted.
pub(crate) fn check_schema(schema: &str) -> Result<()> {
    let mut chars = schema.chars();
    let ok = schema.len() <= 48
        && chars
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if ok {
        Ok(())
    } else {
        Err(Error::Task(format!(
            "`{schema}` cannot be a wangge schema name: use lowercase ASCII letters, digits and `_`, starting with a letter or `_`, at most 48 characters"
        )))
    }
}

/// Quotes an identifier for SQL text.
pub(crate) fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Parses a connection URL (or key/value string) and sets what every wangge connection needs.
pub(crate) fn parse_config(url: &str, location: &str) -> Result<tokio_postgres::Config> {
    let mut config: tokio_postgres::Config = url.parse().map_err(|e| {
        Error::Task(format!(
            "{location} is not a PostgreSQL connection URL ({e}); expected postgres://user:password@host:port/database"
        ))
    })?;
    if config.get_application_name().is_none() {
        config.application_name("wangge");
    }
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(ATTEMPT_TIMEOUT);
    }
    // Keepalives notice a server that vanished without closing the connection (a network
    // partition), so that a listening connection reconnects instead of waiting forever.
    config.keepalives(true);
    config.keepalives_idle(Duration::from_secs(30));
    Ok(config)
}

/// The configuration with the search path set to the store's schema, then PostGIS's schema.
pub(crate) fn with_search_path(
    config: &tokio_postgres::Config,
    schema: &str,
    postgis: &str,
) -> tokio_postgres::Config {
    let mut config = config.clone();
    let existing = config.get_options().unwrap_or_default().to_string();
    // The schema is a checked plain identifier; PostGIS's comes from the catalogue and is quoted
    // unless it is plain too. In libpq's options string a backslash escapes a space or itself.
    let plain = postgis
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    let postgis = if plain {
        postgis.to_string()
    } else {
        quote_ident(postgis)
            .replace('\\', "\\\\")
            .replace(' ', "\\ ")
    };
    let path = format!("{schema},{postgis}");
    config.options(format!("{existing} -c search_path={path}").trim());
    config
}

/// A pool of connections for `config`.
pub(crate) fn pool(
    config: tokio_postgres::Config,
    options: &ConnectOptions,
    location: &str,
) -> Result<Pool> {
    let manager = Manager::from_config(
        config,
        NoTls,
        ManagerConfig {
            // A connection is checked with a round trip before it is handed out, so the first
            // request after PostgreSQL restarted gets a fresh connection instead of a dead one.
            recycling_method: RecyclingMethod::Verified,
        },
    );
    let attempt = options.connect_timeout.min(ATTEMPT_TIMEOUT);
    Pool::builder(manager)
        .max_size(options.max_connections.max(1))
        .runtime(Runtime::Tokio1)
        .timeouts(Timeouts {
            wait: Some(options.connect_timeout),
            create: Some(attempt),
            recycle: Some(attempt),
        })
        .build()
        .map_err(|e| Error::Task(format!("{location}: building the connection pool: {e}")))
}

/// Takes a first connection from a new pool, retrying with exponential back-off while the
/// server is down or starting, for at most `timeout`. Each failed attempt is logged with the URL
/// (password hidden); the final error names it too.
pub(crate) async fn first_connection(
    pool: &Pool,
    location: &str,
    timeout: Duration,
) -> Result<Object> {
    let start = Instant::now();
    let deadline = start + timeout;
    let mut delay = FIRST_BACKOFF;
    let mut attempt = 0u32;
    loop {
        attempt += 1;
        let remaining = deadline.saturating_duration_since(Instant::now());
        let problem = match tokio::time::timeout(remaining, pool.get()).await {
            Ok(Ok(client)) => {
                if attempt > 1 {
                    tracing::info!(url = location, attempt, "connected to PostgreSQL");
                }
                return Ok(client);
            }
            Ok(Err(error)) => {
                if let Some(permanent) = permanent(&error) {
                    return Err(Error::Unavailable(format!(
                        "cannot use PostgreSQL at {location}: {permanent}"
                    )));
                }
                error.to_string()
            }
            Err(_) => "no answer".to_string(),
        };
        let now = Instant::now();
        if now + delay >= deadline {
            return Err(Error::Unavailable(format!(
                "cannot connect to PostgreSQL at {location}: gave up after {attempt} attempts in {:.1} s (the limit is {} s): {problem}",
                now.duration_since(start).as_secs_f64(),
                timeout.as_secs_f64(),
            )));
        }
        tracing::warn!(
            url = location,
            attempt,
            retry_in_ms = delay.as_millis() as u64,
            error = problem,
            "PostgreSQL is not reachable yet; retrying"
        );
        tokio::time::sleep(delay).await;
        delay = next_backoff(delay);
    }
}

/// A connection failure that waiting will not cure (bad password, missing database), described.
fn permanent(error: &PoolError) -> Option<String> {
    let PoolError::Backend(error) = error else {
        return None;
    };
    let code = error.code()?.code();
    // Class 28: invalid authorisation; 3D: the database does not exist; 42501: not allowed.
    (code.starts_with("28") || code.starts_with("3D") || code == "42501").then(|| {
        error
            .as_db_error()
            .map_or_else(|| error.to_string(), ToString::to_string)
    })
}

/// True when an error means the server cannot be reached or the connection was lost, so the
/// request may succeed later: the server answers 503 for those.
pub(crate) fn is_connection_problem(error: &tokio_postgres::Error) -> bool {
    if error.is_closed() {
        return true;
    }
    if let Some(code) = error.code() {
        let code = code.code();
        // 08: connection exceptions; 57P: the server is shutting down or starting;
        // 53300: too many connections.
        return code.starts_with("08") || code.starts_with("57P") || code == "53300";
    }
    // Not a database error: an I/O failure or a timeout while talking to the server.
    std::error::Error::source(error).is_some_and(|source| source.is::<std::io::Error>())
}

/// Describes a driver error: the server's message with its detail and hint where it has them.
fn describe(error: &tokio_postgres::Error) -> String {
    match error.as_db_error() {
        Some(db) => db.to_string(),
        None => error.to_string(),
    }
}

/// Maps a driver error met while doing `context` into the store's error: `Unavailable` when the
/// connection is the problem, otherwise a failure that names the URL and what was being done.
pub(crate) fn pg_error(
    location: &str,
    context: impl Into<String>,
) -> impl FnOnce(tokio_postgres::Error) -> Error {
    let location = location.to_string();
    let context = context.into();
    move |error| {
        if is_connection_problem(&error) {
            Error::Unavailable(format!("{location}: {context}: {}", describe(&error)))
        } else {
            Error::Task(format!("{location}: {context}: {}", describe(&error)))
        }
    }
}

/// Maps a failure to get a pooled connection: always `Unavailable`, naming the URL.
pub(crate) fn pool_error(location: &str, error: PoolError) -> Error {
    let detail = match &error {
        PoolError::Backend(e) => describe(e),
        other => other.to_string(),
    };
    Error::Unavailable(format!("{location}: no connection to PostgreSQL: {detail}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_hidden_in_every_spelling() {
        assert_eq!(
            redact("postgres://u:p@h:5432/db"),
            "postgres://u:***@h:5432/db"
        );
        assert_eq!(
            redact("postgresql://u@h/db?sslmode=disable&password=p"),
            "postgresql://u@h/db?sslmode=disable&password=***"
        );
        assert_eq!(redact("postgres://h:5432/db"), "postgres://h:5432/db");
        assert_eq!(
            redact("postgres://u:p%40ss@h:5432"),
            "postgres://u:***@h:5432"
        );
        assert_eq!(
            redact("host=h password=p user=u"),
            "host=h password=*** user=u"
        );
        assert_eq!(
            redact(r"host=h password = 'it\'s x' dbname=d"),
            "host=h password = *** dbname=d"
        );
    }

    #[test]
    fn schema_names_are_plain_identifiers() {
        assert!(check_schema("wangge").is_ok());
        assert!(check_schema("_t1_2").is_ok());
        assert!(check_schema("Wangge").is_err());
        assert!(check_schema("a-b").is_err());
        assert!(check_schema("").is_err());
        assert!(check_schema(&"x".repeat(49)).is_err());
    }
}
