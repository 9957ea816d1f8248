//! The audit log (审计日志): every change — an import, a plan edit, a publish, an assignment, a
//! tier change, an inspection, a problem step, a sign-in — recorded as who, when, what, and the
//! record before and after.
//!
//! Entries are written in the same transaction as the change they describe (a change set carries
//! its own, [`ChangeSet::audit`](crate::ChangeSet::audit)), so a change is never without its
//! entry. Stores keep the log append-only: an entry can be added and read, never edited or
//! deleted.
//!
//! # Examples
//!
//! ```
//! use serde_json::json;
//! use wangge_core::{AuditAction, AuditEntry};
//!
//! let entry = AuditEntry::new(1_700_000_000_000, "wang", AuditAction::Tier, "compound:CM-001")
//!     .summary("绿 → 黄: 群租")
//!     .before(json!({ "tier": "green" }))
//!     .after(json!({ "tier": "yellow" }));
//! assert_eq!(entry.action.as_str(), "tier");
//! assert_eq!(AuditAction::parse("tier").unwrap(), AuditAction::Tier);
//! assert_eq!(entry.after.unwrap()["tier"], "yellow");
//! ```

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{Error, Result};
use crate::model::Id;

/// What kind of change an entry records. Keys are stored; Chinese names are shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    /// 导入: data imported into the store (a layer, a register, a roster, 12345 orders …).
    Import,
    /// 数据修改: other direct changes to the data (cadences, settings, a migration).
    Change,
    /// 新建方案: a plan created.
    PlanCreate,
    /// 方案编辑: a plan edited, undone or redone.
    PlanEdit,
    /// 发布方案: a plan published.
    Publish,
    /// 废弃方案: a plan discarded.
    Discard,
    /// 分配: duties given to street chiefs.
    Assign,
    /// 调整分色: a compound's tier changed.
    Tier,
    /// 检查: an inspection recorded.
    Inspection,
    /// 上报问题: a problem reported.
    Problem,
    /// 问题处置: a problem's step (accepted, started, resolved, closed, escalated).
    ProblemStep,
    /// 走访: a visit recorded, or the visit targets replaced.
    Visit,
    /// 登录: a successful sign-in.
    SignIn,
    /// 登录失败: a failed sign-in (wrong password, locked, disabled).
    SignInFailed,
    /// 退出: a sign-out.
    SignOut,
    /// 用户: a user added, or their role, chief or state changed.
    User,
    /// 修改密码: a password set or changed.
    Password,
}

impl AuditAction {
    /// Every action.
    pub const ALL: &'static [AuditAction] = &[
        AuditAction::Import,
        AuditAction::Change,
        AuditAction::PlanCreate,
        AuditAction::PlanEdit,
        AuditAction::Publish,
        AuditAction::Discard,
        AuditAction::Assign,
        AuditAction::Tier,
        AuditAction::Inspection,
        AuditAction::Problem,
        AuditAction::ProblemStep,
        AuditAction::Visit,
        AuditAction::SignIn,
        AuditAction::SignInFailed,
        AuditAction::SignOut,
        AuditAction::User,
        AuditAction::Password,
    ];

    /// The key kept in the store and used in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::Import => "import",
            AuditAction::Change => "change",
            AuditAction::PlanCreate => "plan_create",
            AuditAction::PlanEdit => "plan_edit",
            AuditAction::Publish => "publish",
            AuditAction::Discard => "discard",
            AuditAction::Assign => "assign",
            AuditAction::Tier => "tier",
            AuditAction::Inspection => "inspection",
            AuditAction::Problem => "problem",
            AuditAction::ProblemStep => "problem_step",
            AuditAction::Visit => "visit",
            AuditAction::SignIn => "sign_in",
            AuditAction::SignInFailed => "sign_in_failed",
            AuditAction::SignOut => "sign_out",
            AuditAction::User => "user",
            AuditAction::Password => "password",
        }
    }

    /// The label shown in the Chinese interface.
    pub fn name_zh(self) -> &'static str {
        match self {
            AuditAction::Import => "导入",
            AuditAction::Change => "数据修改",
            AuditAction::PlanCreate => "新建方案",
            AuditAction::PlanEdit => "方案编辑",
            AuditAction::Publish => "发布方案",
            AuditAction::Discard => "废弃方案",
            AuditAction::Assign => "分配",
            AuditAction::Tier => "调整分色",
            AuditAction::Inspection => "检查",
            AuditAction::Problem => "上报问题",
            AuditAction::ProblemStep => "问题处置",
            AuditAction::Visit => "走访",
            AuditAction::SignIn => "登录",
            AuditAction::SignInFailed => "登录失败",
            AuditAction::SignOut => "退出",
            AuditAction::User => "用户",
            AuditAction::Password => "修改密码",
        }
    }

    /// Parses a key ([`as_str`](Self::as_str)).
    pub fn parse(text: &str) -> Result<Self> {
        let t = text.trim();
        Self::ALL
            .iter()
            .copied()
            .find(|a| a.as_str() == t)
            .ok_or_else(|| Error::UnknownValue {
                what: "audit action",
                value: text.to_string(),
                expected: "import, change, plan_create, plan_edit, publish, discard, assign, \
                           tier, inspection, problem, problem_step, visit, sign_in, \
                           sign_in_failed, sign_out, user, password",
            })
    }
}

impl std::fmt::Display for AuditAction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One entry of the audit log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// The store's id, in the order entries were written (ignored when an entry is written).
    pub id: Id,
    /// When the change was made, in milliseconds since the Unix epoch (UTC).
    pub at_ms: i64,
    /// Who made it: a username, `cli:<account>` for the command line, `system` for the server's
    /// own work (the escalation clock).
    pub actor: String,
    /// What kind of change it was.
    pub action: AuditAction,
    /// What it changed, as `kind:key`: `compound:CM-001`, `plan:3`, `problem:17`, `user:wang`,
    /// `layer:compounds`.
    pub target: String,
    /// One line for people: what happened, in the words of the interface.
    pub summary: String,
    /// The record before the change (`None` for something new).
    pub before: Option<Value>,
    /// The record after the change (`None` for something removed).
    pub after: Option<Value>,
}

impl AuditEntry {
    /// An entry with no summary, before or after yet.
    pub fn new(
        at_ms: i64,
        actor: impl Into<String>,
        action: AuditAction,
        target: impl Into<String>,
    ) -> Self {
        Self {
            id: 0,
            at_ms,
            actor: actor.into(),
            action,
            target: target.into(),
            summary: String::new(),
            before: None,
            after: None,
        }
    }

    /// Sets the one-line summary.
    #[must_use]
    pub fn summary(mut self, text: impl Into<String>) -> Self {
        self.summary = text.into();
        self
    }

    /// Sets the record before the change.
    #[must_use]
    pub fn before(mut self, value: Value) -> Self {
        self.before = Some(value);
        self
    }

    /// Sets the record after the change.
    #[must_use]
    pub fn after(mut self, value: Value) -> Self {
        self.after = Some(value);
        self
    }
}

/// The actor of changes made on the command line: `cli:` and the account running it.
pub fn cli_actor() -> String {
    let account = std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_else(|_| "unknown".into());
    format!("cli:{account}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_round_trips_through_its_key_and_has_a_chinese_name() {
        for &action in AuditAction::ALL {
            assert_eq!(AuditAction::parse(action.as_str()).expect("parses"), action);
            assert!(!action.name_zh().is_empty());
            let json = serde_json::to_string(&action).expect("serialises");
            assert_eq!(json, format!("\"{}\"", action.as_str()));
        }
        assert!(AuditAction::parse("delete_everything").is_err());
    }

    #[test]
    fn the_command_line_actor_names_the_account() {
        assert!(cli_actor().starts_with("cli:"));
    }
}
