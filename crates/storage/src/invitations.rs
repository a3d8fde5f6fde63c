//! Invitations to join an organisation. Only the SHA-256 of an invitation token is stored.

use crate::Store;
use crate::args::sql;
use crate::error::{Result, StorageError};
use chrono::{DateTime, Utc};
use flowsense_core::{OrgId, Role, UserId};
use serde::Serialize;
use uuid::Uuid;

/// An invitation to store.
#[derive(Clone)]
pub struct NewInvitation {
    pub id: Uuid,
    pub email: String,
    pub role: Role,
    pub token_hash: Vec<u8>,
    pub invited_by: UserId,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// A stored invitation, without its token hash.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Invitation {
    pub id: Uuid,
    pub org_id: OrgId,
    pub email: String,
    pub role: Role,
    pub invited_by: Option<UserId>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub accepted_at: Option<DateTime<Utc>>,
}

#[derive(sqlx::FromRow)]
struct InvitationRow {
    id: Uuid,
    org_id: Uuid,
    email: String,
    role: String,
    invited_by: Option<Uuid>,
    created_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    accepted_at: Option<DateTime<Utc>>,
}

impl TryFrom<InvitationRow> for Invitation {
    type Error = StorageError;
    fn try_from(r: InvitationRow) -> Result<Self> {
        Ok(Invitation {
            id: r.id,
            org_id: OrgId(r.org_id),
            email: r.email,
            role: r
                .role
                .parse()
                .map_err(|e: flowsense_core::role::UnknownRole| {
                    StorageError::Corrupt(e.to_string())
                })?,
            invited_by: r.invited_by.map(UserId),
            created_at: r.created_at,
            expires_at: r.expires_at,
            accepted_at: r.accepted_at,
        })
    }
}

impl Store {
    /// Stores an invitation to `org` and, in the same transaction, `jobs` (its e-mail).
    ///
    /// # Errors
    /// On a database failure, or when the organisation does not exist.
    pub async fn create_invitation(
        &self,
        org: OrgId,
        new: &NewInvitation,
        jobs: &[crate::NewJob],
    ) -> Result<Invitation> {
        let mut tx = self.scoped(org).await?;
        tx.execute(
            sql!("invitations/create")
                .arg(new.id)
                .arg(org)
                .arg(crate::users::normalise_email(&new.email))
                .arg(new.role.as_str())
                .arg(new.token_hash.clone())
                .arg(new.invited_by)
                .arg(new.expires_at)
                .arg(new.created_at),
        )
        .await?;
        let row: InvitationRow = tx
            .fetch_one(sql!("invitations/by_id").arg(org).arg(new.id))
            .await?;
        crate::jobs::enqueue_all_in(&mut tx, jobs, new.created_at).await?;
        tx.commit().await?;
        self.jobs_committed();
        row.try_into()
    }

    /// One invitation of `org`, used or not.
    ///
    /// # Errors
    /// `NotFound` when `org` has no such invitation.
    pub async fn invitation(&self, org: OrgId, id: Uuid) -> Result<Invitation> {
        let mut tx = self.scoped_read(org).await?;
        let row: Option<InvitationRow> = tx
            .fetch_optional(sql!("invitations/by_id").arg(org).arg(id))
            .await?;
        tx.commit().await?;
        row.ok_or(StorageError::NotFound)?.try_into()
    }

    /// The invitation of `org` whose token hashes to `token_hash`, used or not.
    ///
    /// # Errors
    /// On a database failure.
    pub async fn invitation_by_token(
        &self,
        org: OrgId,
        token_hash: &[u8],
    ) -> Result<Option<Invitation>> {
        let mut tx = self.scoped_read(org).await?;
        let row: Option<InvitationRow> = tx
            .fetch_optional(
                sql!("invitations/by_token")
                    .arg(org)
                    .arg(token_hash.to_vec()),
            )
            .await?;
        tx.commit().await?;
        row.map(Invitation::try_from).transpose()
    }

    /// Marks the invitation used and makes `user` a member with its role, atomically. Someone
    /// already in the organisation keeps their current role.
    ///
    /// # Errors
    /// `Conflict` when the invitation was already used.
    pub async fn accept_invitation(
        &self,
        org: OrgId,
        id: Uuid,
        user: UserId,
        at: DateTime<Utc>,
    ) -> Result<Role> {
        let mut tx = self.scoped(org).await?;
        let n = tx
            .execute(sql!("invitations/mark_accepted").arg(org).arg(id).arg(at))
            .await?;
        if n == 0 {
            return Err(StorageError::Conflict("invitation already used"));
        }
        tx.execute(
            sql!("invitations/add_member")
                .arg(org)
                .arg(id)
                .arg(user)
                .arg(at),
        )
        .await?;
        #[derive(sqlx::FromRow)]
        struct RoleRow {
            role: String,
        }
        let r: RoleRow = tx
            .fetch_one(sql!("invitations/member_role").arg(org).arg(user))
            .await?;
        tx.commit().await?;
        r.role
            .parse()
            .map_err(|e: flowsense_core::role::UnknownRole| StorageError::Corrupt(e.to_string()))
    }
}

impl Store {
    /// The invitations of `org` not yet accepted (expired ones included, so an admin can see
    /// and clear them), newest first.
    ///
    /// # Errors
    /// On a database failure.
    pub async fn open_invitations(&self, org: OrgId) -> Result<Vec<Invitation>> {
        let mut tx = self.scoped_read(org).await?;
        let rows: Vec<InvitationRow> = tx.fetch_all(sql!("invitations/open").arg(org)).await?;
        tx.commit().await?;
        rows.into_iter().map(Invitation::try_from).collect()
    }

    /// Every invitation of `org`, accepted or not, oldest first (for the organisation's export).
    ///
    /// # Errors
    /// On a database failure.
    pub async fn all_invitations(&self, org: OrgId) -> Result<Vec<Invitation>> {
        let mut tx = self.scoped_read(org).await?;
        let rows: Vec<InvitationRow> = tx.fetch_all(sql!("invitations/all").arg(org)).await?;
        tx.commit().await?;
        rows.into_iter().map(Invitation::try_from).collect()
    }

    /// Deletes an invitation that has not been accepted, so its token no longer works, and
    /// returns what it was.
    ///
    /// # Errors
    /// `NotFound` when `org` has no such open invitation (another organisation's included).
    pub async fn revoke_invitation(&self, org: OrgId, id: Uuid) -> Result<Invitation> {
        let mut tx = self.scoped(org).await?;
        let row: InvitationRow = tx
            .fetch_one(sql!("invitations/open_by_id").arg(org).arg(id))
            .await?;
        tx.execute(sql!("invitations/revoke").arg(org).arg(id))
            .await?;
        tx.commit().await?;
        row.try_into()
    }
}
