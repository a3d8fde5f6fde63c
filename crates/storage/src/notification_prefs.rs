//! A member's notification preferences in one organisation (SPEC §6: the weekly digest goes to
//! each member who has not opted out). No stored row means the defaults.

use crate::Store;
use crate::args::sql;
use crate::error::{Result, StorageError};
use chrono::{DateTime, Utc};
use flowsense_core::{OrgId, UserId};
use serde::Serialize;
use uuid::Uuid;

/// What a member wants to receive from one organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct NotificationPrefs {
    pub weekly_digest: bool,
}

impl Default for NotificationPrefs {
    fn default() -> Self {
        Self {
            weekly_digest: true,
        }
    }
}

/// A member the weekly digest goes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigestRecipient {
    pub user: UserId,
    pub email: String,
    pub display_name: String,
}

#[derive(sqlx::FromRow)]
struct RecipientRow {
    id: Uuid,
    email: String,
    display_name: String,
}

impl From<RecipientRow> for DigestRecipient {
    fn from(r: RecipientRow) -> Self {
        Self {
            user: UserId(r.id),
            email: r.email,
            display_name: r.display_name,
        }
    }
}

impl Store {
    /// `user`'s preferences in `org` (the defaults when they never chose).
    ///
    /// # Errors
    /// `NotFound` when `user` is not a member of `org`.
    pub async fn notification_prefs(&self, org: OrgId, user: UserId) -> Result<NotificationPrefs> {
        #[derive(sqlx::FromRow)]
        struct Row {
            weekly_digest: Option<bool>,
        }
        let mut tx = self.scoped_read(org).await?;
        let row: Option<Row> = tx
            .fetch_optional(sql!("notification_prefs/get").arg(org).arg(user))
            .await?;
        tx.commit().await?;
        let row = row.ok_or(StorageError::NotFound)?;
        Ok(NotificationPrefs {
            weekly_digest: row
                .weekly_digest
                .unwrap_or(NotificationPrefs::default().weekly_digest),
        })
    }

    /// Stores `user`'s preferences in `org`.
    ///
    /// # Errors
    /// `NotFound` when `user` is not a member of `org` (nothing is stored then).
    pub async fn set_notification_prefs(
        &self,
        org: OrgId,
        user: UserId,
        prefs: NotificationPrefs,
        at: DateTime<Utc>,
    ) -> Result<()> {
        let mut tx = self.scoped(org).await?;
        // The row is selected from the membership, so only a member's preferences are written.
        let n = tx
            .execute(
                sql!("notification_prefs/set")
                    .arg(org)
                    .arg(user)
                    .arg(prefs.weekly_digest)
                    .arg(at),
            )
            .await?;
        if n == 0 {
            return Err(StorageError::NotFound);
        }
        tx.commit().await
    }

    /// The members of `org` who get its weekly digest: everyone whose address is confirmed and
    /// who has not opted out (the organisation's own `digests_enabled` switch is the caller's to
    /// check).
    ///
    /// # Errors
    /// On a database failure.
    pub async fn weekly_digest_recipients(&self, org: OrgId) -> Result<Vec<DigestRecipient>> {
        let mut tx = self.scoped_read(org).await?;
        let rows: Vec<RecipientRow> = tx
            .fetch_all(sql!("notification_prefs/digest_recipients").arg(org))
            .await?;
        tx.commit().await?;
        Ok(rows.into_iter().map(DigestRecipient::from).collect())
    }

    /// `user` as a recipient of `org`'s weekly digest, when they still are one: a member of
    /// `org` with a confirmed address who has not opted out. `None` otherwise (left, opted
    /// out, unconfirmed, or never a member).
    ///
    /// # Errors
    /// On a database failure.
    pub async fn weekly_digest_recipient(
        &self,
        org: OrgId,
        user: UserId,
    ) -> Result<Option<DigestRecipient>> {
        let mut tx = self.scoped_read(org).await?;
        let row: Option<RecipientRow> = tx
            .fetch_optional(
                sql!("notification_prefs/digest_recipient")
                    .arg(org)
                    .arg(user),
            )
            .await?;
        tx.commit().await?;
        Ok(row.map(DigestRecipient::from))
    }
}
