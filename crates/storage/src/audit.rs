//! The audit log of security events (SPEC §5). Holds who, what and when — never secrets.

use crate::Store;
use crate::args::Sql;
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
#[derive(Debug, Clone, Serialize)]
pub struct AuditEvent {
    pub id: i64,
    pub actor: Option<UserId>,
    pub action: String,
    pub target: String,
    pub ip: String,
    pub details: serde_json::Value,
    pub created_at: DateTime<Utc>,
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

impl Store {
    /// Appends an event to the organisation's audit log.
    ///
    /// # Errors
    /// On a database failure.
    pub async fn record_audit(&self, org: OrgId, e: &NewAuditEvent) -> Result<()> {
        let mut tx = self.scoped(org).await?;
        tx.execute(
            Sql::new(
                "INSERT INTO audit_events (org_id, actor_user_id, action, target, ip, details, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .arg(org)
            .arg(e.actor.map(|u| u.0))
            .arg(e.action.as_str())
            .arg(e.target.as_str())
            .arg(e.ip.as_str())
            .arg(e.details.to_string())
            .arg(Utc::now()),
        )
        .await?;
        tx.commit().await
    }

    /// The newest `limit` events of the organisation.
    ///
    /// # Errors
    /// On a database failure.
    pub async fn audit_events(&self, org: OrgId, limit: u32) -> Result<Vec<AuditEvent>> {
        let mut tx = self.scoped(org).await?;
        let rows: Vec<AuditRow> = tx
            .fetch_all(
                Sql::new(
                    "SELECT id, actor_user_id, action, target, ip, details, created_at FROM audit_events \
                     WHERE org_id = $1 ORDER BY id DESC LIMIT $2",
                )
                .arg(org)
                .arg(i64::from(limit.clamp(1, 1000))),
            )
            .await?;
        tx.commit().await?;
        Ok(rows.into_iter().map(AuditEvent::from).collect())
    }
}
