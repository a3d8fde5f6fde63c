//! The audit log of security events (SPEC §5). Holds who, what and when — never secrets.

use crate::Store;
use crate::args::{Sql, sql};
use crate::error::Result;
use chrono::{DateTime, Utc};
use flowsense_core::{OrgId, UserId};
use serde::Serialize;
use uuid::Uuid;

/// An event to record.
#[derive(Debug, Clone)]
pub struct NewAuditEvent {
    pub actor: Option<UserId>,
    /// A dotted name such as `auth.sign_in` or `member.role_changed`.
    pub action: String,
    pub target: String,
    pub ip: String,
    /// Non-secret context.
    pub details: serde_json::Value,
}

/// A recorded event.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AuditEvent {
    pub id: i64,
    pub actor: Option<UserId>,
    pub action: String,
    pub target: String,
    pub ip: String,
    pub details: serde_json::Value,
    pub created_at: DateTime<Utc>,
}

/// Which events to list: newest first, optionally one action only, continuing before an id.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub action: Option<String>,
    /// Continue with events older than this id (a previous page's `next_cursor`).
    pub before: Option<i64>,
    pub limit: u32,
}

/// A recorded event with the actor's e-mail address (absent once the account is deleted).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AuditEntry {
    #[serde(flatten)]
    pub event: AuditEvent,
    pub actor_email: Option<String>,
}

/// One page of the audit log.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AuditPage {
    pub items: Vec<AuditEntry>,
    pub next_cursor: Option<String>,
}

#[derive(sqlx::FromRow)]
pub(crate) struct AuditRow {
    id: i64,
    actor_user_id: Option<Uuid>,
    action: String,
    target: String,
    ip: String,
    details: String,
    created_at: DateTime<Utc>,
}

impl From<AuditRow> for AuditEvent {
    fn from(r: AuditRow) -> Self {
        AuditEvent {
            id: r.id,
            actor: r.actor_user_id.map(UserId),
            action: r.action,
            target: r.target,
            ip: r.ip,
            details: serde_json::from_str(&r.details).unwrap_or(serde_json::Value::Null),
            created_at: r.created_at,
        }
    }
}

#[derive(sqlx::FromRow)]
struct AuditEntryRow {
    #[sqlx(flatten)]
    event: AuditRow,
    actor_email: Option<String>,
}

impl Store {
    /// Appends an event to the organisation's audit log (its hash chain, see
    /// [`crate::audit_chain`]).
    ///
    /// # Errors
    /// On a database failure.
    pub async fn record_audit(&self, org: OrgId, e: &NewAuditEvent) -> Result<()> {
        self.record_audit_at(org, e, Utc::now()).await
    }

    /// The newest `limit` events of the organisation.
    ///
    /// # Errors
    /// On a database failure.
    pub async fn audit_events(&self, org: OrgId, limit: u32) -> Result<Vec<AuditEvent>> {
        let mut tx = self.scoped_read(org).await?;
        let rows: Vec<AuditRow> = tx
            .fetch_all(
                sql!("audit/newest")
                    .arg(org)
                    .arg(i64::from(limit.clamp(1, 1000))),
            )
            .await?;
        tx.commit().await?;
        Ok(rows.into_iter().map(AuditEvent::from).collect())
    }

    /// One page of the organisation's audit log, newest first, with each actor's e-mail.
    ///
    /// # Errors
    /// On a database failure.
    pub async fn audit_page(&self, org: OrgId, f: &AuditFilter) -> Result<AuditPage> {
        let limit = f.limit.clamp(1, 500);
        let mut sql = Sql::new("");
        let mut text = String::from(
            "SELECT e.id, e.actor_user_id, e.action, e.target, e.ip, e.details, e.created_at, \
             u.email AS actor_email FROM audit_events e LEFT JOIN users u ON u.id = e.actor_user_id \
             WHERE e.org_id = ",
        );
        text += &sql.push_arg(org);
        if let Some(action) = f.action.as_deref().filter(|a| !a.is_empty()) {
            text += &format!(" AND e.action = {}", sql.push_arg(action));
        }
        if let Some(before) = f.before {
            text += &format!(" AND e.id < {}", sql.push_arg(before));
        }
        text += &format!(
            " ORDER BY e.id DESC LIMIT {}",
            sql.push_arg(i64::from(limit) + 1)
        );
        sql.text = text.into();
        let mut tx = self.scoped_read(org).await?;
        let mut rows: Vec<AuditEntryRow> = tx.fetch_all(sql).await?;
        tx.commit().await?;
        let next_cursor = if rows.len() > limit as usize {
            rows.truncate(limit as usize);
            rows.last().map(|r| r.event.id.to_string())
        } else {
            None
        };
        Ok(AuditPage {
            items: rows
                .into_iter()
                .map(|r| AuditEntry {
                    event: r.event.into(),
                    actor_email: r.actor_email,
                })
                .collect(),
            next_cursor,
        })
    }

    /// The distinct actions in the organisation's audit log, for filtering.
    ///
    /// # Errors
    /// On a database failure.
    pub async fn audit_actions(&self, org: OrgId) -> Result<Vec<String>> {
        let mut tx = self.scoped_read(org).await?;
        let rows: Vec<(String,)> = tx.fetch_all(sql!("audit/actions").arg(org)).await?;
        tx.commit().await?;
        Ok(rows.into_iter().map(|(a,)| a).collect())
    }

    /// How many `action` events `org` recorded since `since` (the durable count behind
    /// per-organisation daily limits, such as invitations).
    ///
    /// # Errors
    /// On a database failure.
    pub async fn count_audit_actions_since(
        &self,
        org: OrgId,
        action: &str,
        since: DateTime<Utc>,
    ) -> Result<i64> {
        let mut tx = self.scoped_read(org).await?;
        let (n,): (i64,) = tx
            .fetch_one(sql!("audit/count_since").arg(org).arg(action).arg(since))
            .await?;
        tx.commit().await?;
        Ok(n)
    }
}
