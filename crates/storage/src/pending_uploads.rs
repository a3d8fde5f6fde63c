//! Uploads waiting for their preview to be confirmed (the import page's two steps). The file is
//! sealed with the organisation's key, bound to its row; a pending upload belongs to the person
//! who uploaded it, is read by them alone, taken once, replaced by their next upload, and
//! expires. Any instance can confirm what another previewed.

use crate::Store;
use crate::args::sql;
use crate::crypto::{FieldRef, KeyScope};
use crate::error::Result;
use chrono::{DateTime, Utc};
use flowsense_core::{OrgId, UserId};
use uuid::Uuid;
use zeroize::Zeroizing;

const TABLE: &str = "pending_uploads";
const CONTENT: &str = "content_enc";

/// An upload to keep until it is confirmed.
pub struct NewPendingUpload<'a> {
    pub id: Uuid,
    pub org: OrgId,
    pub user: UserId,
    pub file_name: &'a str,
    pub sha256: &'a str,
    pub content: &'a [u8],
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// A pending upload read back, its file opened. `Debug` leaves the file out.
pub struct PendingUpload {
    pub id: Uuid,
    pub file_name: String,
    pub sha256: String,
    pub content: Zeroizing<Vec<u8>>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

impl std::fmt::Debug for PendingUpload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PendingUpload")
            .field("id", &self.id)
            .field("bytes", &self.content.len())
            .finish_non_exhaustive()
    }
}

#[derive(sqlx::FromRow)]
struct Row {
    id: Uuid,
    file_name: String,
    sha256: String,
    content_enc: Vec<u8>,
    created_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
}

impl Store {
    /// Keeps an upload until its uploader confirms it, replacing their earlier one in the
    /// organisation (only the latest preview counts).
    ///
    /// # Errors
    /// A database or sealing failure (nothing is stored then).
    pub async fn create_pending_upload(&self, new: &NewPendingUpload<'_>) -> Result<()> {
        let mut tx = self.scoped(new.org).await?;
        tx.execute(sql!("pending_uploads/replace").arg(new.org).arg(new.user))
            .await?;
        let sealed = self
            .seal_in(
                &mut tx,
                KeyScope::Org(new.org),
                &FieldRef::new(TABLE, CONTENT, &new.id.to_string()),
                new.content,
            )
            .await?;
        tx.execute(
            sql!("pending_uploads/create")
                .arg(new.id)
                .arg(new.org)
                .arg(new.user)
                .arg(new.file_name)
                .arg(new.sha256)
                .arg(sealed)
                .arg(new.created_at)
                .arg(new.expires_at),
        )
        .await?;
        tx.commit().await
    }

    /// `user`'s pending upload `id` in `org`, unexpired at `now`; it stays pending.
    ///
    /// # Errors
    /// A database failure, or a sealed file that does not open.
    pub async fn pending_upload(
        &self,
        org: OrgId,
        id: Uuid,
        user: UserId,
        now: DateTime<Utc>,
    ) -> Result<Option<PendingUpload>> {
        self.read_pending_upload(sql!("pending_uploads/of_user"), org, id, user, now)
            .await
    }

    /// Takes `user`'s pending upload `id` in `org`: deleted whatever happens next, so it is
    /// imported once. `None` when there is none or it expired by `now`.
    ///
    /// # Errors
    /// A database failure, or a sealed file that does not open.
    pub async fn take_pending_upload(
        &self,
        org: OrgId,
        id: Uuid,
        user: UserId,
        now: DateTime<Utc>,
    ) -> Result<Option<PendingUpload>> {
        self.read_pending_upload(sql!("pending_uploads/take"), org, id, user, now)
            .await
    }

    /// The pending upload `statement` returns, opened; in a writing transaction, since
    /// `pending_uploads/take` deletes it as it reads.
    async fn read_pending_upload(
        &self,
        statement: crate::args::Sql,
        org: OrgId,
        id: Uuid,
        user: UserId,
        now: DateTime<Utc>,
    ) -> Result<Option<PendingUpload>> {
        let mut tx = self.scoped(org).await?;
        let row: Option<Row> = tx
            .fetch_optional(statement.arg(org).arg(id).arg(user))
            .await?;
        let upload = match row.filter(|r| r.expires_at > now) {
            Some(row) => {
                let content = self
                    .open_in(
                        &mut tx,
                        KeyScope::Org(org),
                        &FieldRef::new(TABLE, CONTENT, &row.id.to_string()),
                        &row.content_enc,
                    )
                    .await?;
                Some(PendingUpload {
                    id: row.id,
                    file_name: row.file_name,
                    sha256: row.sha256,
                    content,
                    created_at: row.created_at,
                    expires_at: row.expires_at,
                })
            }
            None => None,
        };
        tx.commit().await?;
        Ok(upload)
    }

    /// Deletes pending uploads that expired before `now`, for every organisation (the hourly
    /// clean-up). Returns how many went.
    ///
    /// # Errors
    /// A database failure.
    pub async fn delete_expired_pending_uploads_across_orgs(
        &self,
        now: DateTime<Utc>,
    ) -> Result<u64> {
        self.system_update(sql!("cleanup/expired_pending_uploads").arg(now))
            .await
    }
}
