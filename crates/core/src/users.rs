//! People who sign in: [`User`]s with a [`Role`], their passwords (argon2id, PHC strings), the
//! rules for names and passwords, and the lockout after repeated failed sign-ins.
//!
//! Users are not geography: they are not part of the [`Dataset`](crate::Dataset) and travel in no
//! change set. A patrol user (巡查员/街长) is one of the street chiefs and names that chief; no other
//! role does. Session tokens are never stored as given: [`token_hash`] is what a store keeps.
//!
//! # Examples
//!
//! ```
//! use wangge_core::{LockoutRule, Role, User, hash_password, verify_password};
//!
//! let hash = hash_password("correct horse").expect("a valid password");
//! assert!(verify_password(&hash, "correct horse"));
//! assert!(!verify_password(&hash, "wrong horse"));
//!
//! let mut user = User::new("wang", Role::Patrol, Some(7), hash);
//! assert!(user.validate().is_ok());
//! let rule = LockoutRule::default();
//! for _ in 0..rule.max_failures {
//!     rule.record_failure(&mut user, 1_000);
//! }
//! assert!(rule.is_locked(&user, 1_000));
//! assert!(!rule.is_locked(&user, 1_000 + rule.lock_ms));
//! ```

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::model::Id;

/// The fewest characters a password may have.
pub const MIN_PASSWORD_CHARS: usize = 8;
/// The most characters a password may have (argon2 takes any length; this bounds the work).
pub const MAX_PASSWORD_CHARS: usize = 1024;
/// The most characters a username may have.
pub const MAX_USERNAME_CHARS: usize = 64;

/// What a user may do. Keys are stored; Chinese names are shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 管理员: manages users and everything else.
    Admin,
    /// 规划员: draws and publishes grid plans.
    Planner,
    /// 领导: reads everything, signs off.
    Leader,
    /// 巡查员/街长: a street chief on patrol; sees their own round.
    Patrol,
    /// 只读: reads only.
    Viewer,
}

/// Every accepted spelling, for messages.
const ROLE_SPELLINGS: &str =
    "admin, planner, leader, patrol, viewer (管理员, 规划员, 领导, 巡查员/街长, 只读)";

impl Role {
    /// Every role, from most to least powerful.
    pub const ALL: &'static [Role] = &[
        Role::Admin,
        Role::Planner,
        Role::Leader,
        Role::Patrol,
        Role::Viewer,
    ];

    /// The canonical key used in storage and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Planner => "planner",
            Role::Leader => "leader",
            Role::Patrol => "patrol",
            Role::Viewer => "viewer",
        }
    }

    /// The label shown in the Chinese interface.
    pub fn name_zh(self) -> &'static str {
        match self {
            Role::Admin => "管理员",
            Role::Planner => "规划员",
            Role::Leader => "领导",
            Role::Patrol => "巡查员/街长",
            Role::Viewer => "只读",
        }
    }

    /// Parses a key or a Chinese name (巡查员, 街长 and 巡查员/街长 are all patrol), ignoring case
    /// and surrounding white space.
    pub fn parse(text: &str) -> Result<Self> {
        let t = text.trim().to_lowercase();
        let role = match t.as_str() {
            "admin" | "管理员" => Role::Admin,
            "planner" | "规划员" => Role::Planner,
            "leader" | "领导" => Role::Leader,
            "patrol" | "巡查员" | "街长" | "巡查员/街长" => Role::Patrol,
            "viewer" | "只读" => Role::Viewer,
            _ => {
                return Err(Error::UnknownValue {
                    what: "role",
                    value: text.to_string(),
                    expected: ROLE_SPELLINGS,
                });
            }
        };
        Ok(role)
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A person who signs in. Deliberately not `Serialize`: the password hash must never reach a
/// wire format by accident.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// The store's id (ignored when a user is created).
    pub id: Id,
    /// What the person types to sign in: 1–64 characters, no white space, unique.
    pub username: String,
    /// The name shown in the interface.
    pub display_name: String,
    /// What the user may do.
    pub role: Role,
    /// The street chief a patrol user is; `None` for every other role.
    pub chief: Option<Id>,
    /// The argon2id PHC string of the password (see [`hash_password`]).
    pub password_hash: String,
    /// Failed sign-ins since the last success or lock.
    pub failed_attempts: u32,
    /// Locked until this instant (UTC milliseconds), if locked.
    pub locked_until_ms: Option<i64>,
    /// A disabled user cannot sign in.
    pub disabled: bool,
}

impl User {
    /// A new, enabled user with no failed sign-ins, shown under their username.
    pub fn new(
        username: impl Into<String>,
        role: Role,
        chief: Option<Id>,
        password_hash: String,
    ) -> Self {
        let username = username.into();
        Self {
            id: 0,
            display_name: username.clone(),
            username,
            role,
            chief,
            password_hash,
            failed_attempts: 0,
            locked_until_ms: None,
            disabled: false,
        }
    }

    /// Checks the username rule, that the display name is not blank, and that the role and the
    /// chief agree.
    pub fn validate(&self) -> Result<()> {
        check_username(&self.username)?;
        check_role_chief(self.role, self.chief)?;
        if self.display_name.trim().is_empty() {
            return Err(Error::Invalid(format!(
                "user `{}` has an empty display name",
                self.username
            )));
        }
        Ok(())
    }
}

/// The username rule: 1–64 characters, none of them white space.
pub fn check_username(name: &str) -> Result<()> {
    let chars = name.chars().count();
    if chars == 0 {
        return Err(Error::Invalid("a username cannot be empty".into()));
    }
    if chars > MAX_USERNAME_CHARS {
        return Err(Error::Invalid(format!(
            "username `{name}` has {chars} characters; at most {MAX_USERNAME_CHARS} are allowed"
        )));
    }
    if name.chars().any(char::is_whitespace) {
        return Err(Error::Invalid(format!(
            "username `{name}` contains white space, which is not allowed"
        )));
    }
    Ok(())
}

/// A patrol user must name the street chief they are; no other role may name one.
pub fn check_role_chief(role: Role, chief: Option<Id>) -> Result<()> {
    match (role, chief) {
        (Role::Patrol, None) => Err(Error::Invalid(
            "a patrol user (巡查员/街长) must name the street chief they are (--chief ID)".into(),
        )),
        (Role::Patrol, Some(_)) | (_, None) => Ok(()),
        (other, Some(chief)) => Err(Error::Invalid(format!(
            "only patrol users name a street chief; a {other} user cannot be chief {chief}"
        ))),
    }
}

/// The password rule: at least 8 characters (and at most 1024).
pub fn check_password(password: &str) -> Result<()> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Err(Error::Invalid(format!(
            "the password is too short: {chars} characters, at least {MIN_PASSWORD_CHARS} are needed"
        )));
    }
    if chars > MAX_PASSWORD_CHARS {
        return Err(Error::Invalid(format!(
            "the password is too long: {chars} characters, at most {MAX_PASSWORD_CHARS} are allowed"
        )));
    }
    Ok(())
}

fn argon2id() -> Argon2<'static> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::default())
}

/// Checks the password rule, then hashes the password with argon2id and a fresh random salt
/// (from the operating system) into a PHC string (`$argon2id$v=19$…`).
pub fn hash_password(password: &str) -> Result<String> {
    check_password(password)?;
    let salt = SaltString::generate(&mut OsRng);
    argon2id()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| Error::Invalid(format!("the password could not be hashed: {e}")))
}

/// Whether `password` matches the PHC string `hash`. A hash that cannot be read matches nothing.
pub fn verify_password(hash: &str, password: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(parsed) => argon2id()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// The SHA-256 of a session token, in lower-case hex: what a store keeps instead of the token.
pub fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// How many failed sign-ins lock a user, and for how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockoutRule {
    /// Failed sign-ins in a row that lock the user.
    pub max_failures: u32,
    /// How long a lock lasts, in milliseconds.
    pub lock_ms: i64,
}

impl Default for LockoutRule {
    /// 5 failures lock the user for 15 minutes.
    fn default() -> Self {
        Self {
            max_failures: 5,
            lock_ms: 15 * 60 * 1000,
        }
    }
}

impl LockoutRule {
    /// Whether the user is locked at `now_ms`.
    pub fn is_locked(&self, user: &User, now_ms: i64) -> bool {
        user.locked_until_ms.is_some_and(|until| now_ms < until)
    }

    /// Counts a failed sign-in at `now_ms`; the failure that reaches `max_failures` locks the
    /// user for `lock_ms` and starts the count again.
    pub fn record_failure(&self, user: &mut User, now_ms: i64) {
        user.failed_attempts = user.failed_attempts.saturating_add(1);
        if user.failed_attempts >= self.max_failures {
            user.locked_until_ms = Some(now_ms.saturating_add(self.lock_ms));
            user.failed_attempts = 0;
        }
    }

    /// A successful sign-in clears the failures and any lock.
    pub fn record_success(&self, user: &mut User) {
        user.failed_attempts = 0;
        user.locked_until_ms = None;
    }

    /// The whole sign-in decision for a user found by name: refuses a disabled or locked user
    /// without looking at the password, then checks the password and records the outcome on
    /// `user` (which the caller stores back with the store's `update_user`).
    pub fn sign_in(&self, user: &mut User, password: &str, now_ms: i64) -> Result<(), SignInError> {
        if user.disabled {
            return Err(SignInError::Disabled);
        }
        if let Some(until_ms) = user.locked_until_ms.filter(|&until| now_ms < until) {
            return Err(SignInError::Locked { until_ms });
        }
        if verify_password(&user.password_hash, password) {
            self.record_success(user);
            Ok(())
        } else {
            self.record_failure(user, now_ms);
            Err(SignInError::WrongPassword)
        }
    }
}

/// Why a sign-in was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignInError {
    /// The user is disabled.
    #[error("this user is disabled")]
    Disabled,
    /// Too many failed sign-ins: locked until the given instant (UTC milliseconds).
    #[error("too many failed sign-ins; locked until {until_ms} (UTC ms)")]
    Locked {
        /// When the lock ends.
        until_ms: i64,
    },
    /// The password does not match.
    #[error("wrong username or password")]
    WrongPassword,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(role: Role, chief: Option<Id>) -> User {
        User::new("li", role, chief, String::new())
    }

    #[test]
    fn roles_parse_from_keys_and_chinese() {
        for &role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()).ok(), Some(role));
            assert_eq!(Role::parse(role.name_zh()).ok(), Some(role));
        }
        assert_eq!(Role::parse(" ADMIN ").ok(), Some(Role::Admin));
        assert_eq!(Role::parse("街长").ok(), Some(Role::Patrol));
        assert_eq!(Role::parse("巡查员").ok(), Some(Role::Patrol));
        let error = Role::parse("boss").expect_err("unknown");
        let message = error.to_string();
        assert!(
            message.contains("boss") && message.contains("admin"),
            "{message}"
        );
    }

    #[test]
    fn passwords_hash_and_verify() {
        let hash = hash_password("s3cret-pass").expect("hash");
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(verify_password(&hash, "s3cret-pass"));
        assert!(!verify_password(&hash, "s3cret-pasS"));
        assert!(!verify_password("not a hash", "s3cret-pass"));
        // A fresh salt every time.
        assert_ne!(hash, hash_password("s3cret-pass").expect("hash"));
    }

    #[test]
    fn short_passwords_are_refused() {
        let error = hash_password("short").expect_err("too short");
        assert!(error.to_string().contains("at least 8"), "{error}");
        assert!(check_password("八个汉字的密码啊").is_ok());
        assert!(check_password(&"x".repeat(MAX_PASSWORD_CHARS + 1)).is_err());
    }

    #[test]
    fn usernames_follow_the_rule() {
        assert!(check_username("wang.li").is_ok());
        assert!(check_username("王丽").is_ok());
        assert!(check_username(&"名".repeat(64)).is_ok());
        assert!(check_username(&"名".repeat(65)).is_err());
        assert!(check_username("").is_err());
        let error = check_username("wang li").expect_err("space");
        assert!(error.to_string().contains("white space"), "{error}");
        assert!(check_username("wang\tli").is_err());
    }

    #[test]
    fn patrol_users_and_only_they_name_a_chief() {
        assert!(user(Role::Patrol, Some(3)).validate().is_ok());
        let error = user(Role::Patrol, None).validate().expect_err("no chief");
        assert!(error.to_string().contains("must name"), "{error}");
        let error = user(Role::Admin, Some(3)).validate().expect_err("chief");
        assert!(error.to_string().contains("only patrol"), "{error}");
        assert!(user(Role::Viewer, None).validate().is_ok());
        let mut blank = user(Role::Viewer, None);
        blank.display_name = " ".into();
        assert!(blank.validate().is_err());
    }

    #[test]
    fn five_failures_lock_for_fifteen_minutes() {
        let rule = LockoutRule::default();
        let mut u = user(Role::Viewer, None);
        for i in 1..5 {
            rule.record_failure(&mut u, 0);
            assert_eq!(u.failed_attempts, i);
            assert!(!rule.is_locked(&u, 0));
        }
        rule.record_failure(&mut u, 1_000);
        assert_eq!(u.failed_attempts, 0);
        assert_eq!(u.locked_until_ms, Some(1_000 + 900_000));
        assert!(rule.is_locked(&u, 900_999));
        assert!(!rule.is_locked(&u, 901_000));
        rule.record_failure(&mut u, 2_000);
        rule.record_success(&mut u);
        assert_eq!((u.failed_attempts, u.locked_until_ms), (0, None));
    }

    #[test]
    fn sign_in_checks_disabled_lock_and_password() {
        let rule = LockoutRule {
            max_failures: 2,
            lock_ms: 100,
        };
        let mut u = user(Role::Viewer, None);
        u.password_hash = hash_password("right-password").expect("hash");
        assert_eq!(
            rule.sign_in(&mut u, "wrong", 0),
            Err(SignInError::WrongPassword)
        );
        assert_eq!(u.failed_attempts, 1);
        assert_eq!(
            rule.sign_in(&mut u, "wrong", 10),
            Err(SignInError::WrongPassword)
        );
        // Locked: even the right password is refused until the lock ends.
        assert_eq!(
            rule.sign_in(&mut u, "right-password", 50),
            Err(SignInError::Locked { until_ms: 110 })
        );
        assert_eq!(rule.sign_in(&mut u, "right-password", 110), Ok(()));
        assert_eq!(u.locked_until_ms, None);
        u.disabled = true;
        assert_eq!(
            rule.sign_in(&mut u, "right-password", 200),
            Err(SignInError::Disabled)
        );
    }

    #[test]
    fn token_hashes_are_sha256_hex() {
        assert_eq!(
            token_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
