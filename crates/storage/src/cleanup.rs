//! Removing what has expired: sessions, API tokens, invitations. Run by the hourly
//! `cleanup.expired` job.

use crate::Store;
use crate::args::sql;
use crate::error::Result;
use chrono::{DateTime, Utc};
use flowsense_core::OrgId;

impl Store {
    /// Deletes sessions past their absolute lifetime (`absolute_expires_at < now`) or idle since
    /// before `idle_cutoff`, for every user. Returns how many went.
    ///
    /// # Errors
    /// On a database failure.
    pub async fn delete_expired_sessions_across_orgs(
        &self,
        now: DateTime<Utc>,
        idle_cutoff: DateTime<Utc>,
    ) -> Result<u64> {
        self.system_update(sql!("cleanup/expired_sessions").arg(now).arg(idle_cutoff))
            .await
    }

    /// Deletes personal API tokens that expired before `now`, for every user.
    ///
    /// # Errors
    /// On a database failure.
    pub async fn delete_expired_api_tokens_across_orgs(&self, now: DateTime<Utc>) -> Result<u64> {
        self.system_update(sql!("cleanup/expired_api_tokens").arg(now))
            .await
    }

    /// Deletes `org`'s invitations that expired unaccepted before `now`.
    ///
    /// # Errors
    /// On a database failure.
    pub async fn delete_expired_invitations(&self, org: OrgId, now: DateTime<Utc>) -> Result<u64> {
        let mut tx = self.scoped(org).await?;
        let deleted = tx
            .execute(sql!("cleanup/expired_invitations").arg(org).arg(now))
            .await?;
        tx.commit().await?;
        Ok(deleted)
    }
}
