//! Membership administration that must always leave an organisation with an admin.

use crate::Store;
use crate::args::sql;
use crate::error::{Result, StorageError};
use crate::scope::Tx;
use chrono::{DateTime, Utc};
use flowsense_core::{OrgId, Role, UserId};
use serde::Serialize;
use uuid::Uuid;

/// A member with the profile fields an organisation may see.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MemberDetail {
    pub user_id: UserId,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub mfa_enabled: bool,
    pub joined_at: DateTime<Utc>,
}

/// One of a user's organisations with their role in it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UserOrg {
    pub id: OrgId,
    pub slug: String,
    pub name: String,
    pub role: Role,
    pub mfa_required: bool,
}

fn parse_role(s: &str) -> Result<Role> {
    s.parse()
        .map_err(|e: flowsense_core::role::UnknownRole| StorageError::Corrupt(e.to_string()))
}

/// Serialises admin-count checks on PostgreSQL (SQLite runs one writer at a time, and each
/// guarded statement below is a single conditional write).
async fn lock_org(tx: &mut Tx, org: OrgId) -> Result<()> {
    if let Tx::Pg(_) = tx {
        // PostgreSQL only: SQLite has no FOR UPDATE.
        tx.execute(sql!("postgres-only/orgs/lock").arg(org)).await?;
    }
    Ok(())
}

async fn is_member(tx: &mut Tx, org: OrgId, user: UserId) -> Result<bool> {
    #[derive(sqlx::FromRow)]
    struct MembershipCount {
        #[sqlx(rename = "n")]
        memberships: i64,
    }
    let found: MembershipCount = tx
        .fetch_one(sql!("members/is_member").arg(org).arg(user))
        .await?;
    Ok(found.memberships > 0)
}

impl Store {
    /// Every member of `org` with their profile.
    ///
    /// # Errors
    /// On a database failure.
    pub async fn member_details(&self, org: OrgId) -> Result<Vec<MemberDetail>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            user_id: Uuid,
            email: String,
            display_name: String,
            role: String,
            mfa_enabled: bool,
            created_at: DateTime<Utc>,
        }
        let mut tx = self.scoped_read(org).await?;
        let rows: Vec<Row> = tx.fetch_all(sql!("members/details").arg(org)).await?;
        tx.commit().await?;
        rows.into_iter()
            .map(|r| {
                Ok(MemberDetail {
                    user_id: UserId(r.user_id),
                    email: r.email,
                    display_name: r.display_name,
                    role: parse_role(&r.role)?,
                    mfa_enabled: r.mfa_enabled,
                    joined_at: r.created_at,
                })
            })
            .collect()
    }

    /// The organisations `user` belongs to, with their role in each.
    ///
    /// # Errors
    /// On a database failure.
    pub async fn orgs_of_user(&self, user: UserId) -> Result<Vec<UserOrg>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            id: Uuid,
            slug: String,
            name: String,
            role: String,
            mfa_required: bool,
        }
        let mut tx = self.scoped_user_read(user).await?;
        let rows: Vec<Row> = tx.fetch_all(sql!("members/orgs_of_user").arg(user)).await?;
        tx.commit().await?;
        rows.into_iter()
            .map(|r| {
                Ok(UserOrg {
                    id: OrgId(r.id),
                    slug: r.slug,
                    name: r.name,
                    role: parse_role(&r.role)?,
                    mfa_required: r.mfa_required,
                })
            })
            .collect()
    }

    /// Changes a member's role, refusing to demote the last admin.
    ///
    /// # Errors
    /// `NotFound` when `user` is not a member; `Conflict("last admin")` when it would leave
    /// the organisation without an admin.
    pub async fn change_role_keeping_an_admin(
        &self,
        org: OrgId,
        user: UserId,
        role: Role,
    ) -> Result<()> {
        let mut tx = self.scoped(org).await?;
        lock_org(&mut tx, org).await?;
        // A demotion carries the guard that the target is not an admin, or another admin remains.
        let update = if role == Role::Admin {
            sql!("members/promote")
        } else {
            sql!("members/change_role_keeping_an_admin")
        };
        let n = tx
            .execute(update.arg(org).arg(user).arg(role.as_str()))
            .await?;
        if n == 0 {
            return Err(if is_member(&mut tx, org, user).await? {
                StorageError::Conflict("last admin")
            } else {
                StorageError::NotFound
            });
        }
        tx.commit().await
    }

    /// Removes a member, refusing to remove the last admin.
    ///
    /// # Errors
    /// `NotFound` when `user` is not a member; `Conflict("last admin")` when it would leave
    /// the organisation without an admin.
    pub async fn remove_member_keeping_an_admin(&self, org: OrgId, user: UserId) -> Result<()> {
        let mut tx = self.scoped(org).await?;
        lock_org(&mut tx, org).await?;
        let n = tx
            .execute(sql!("members/remove_keeping_an_admin").arg(org).arg(user))
            .await?;
        if n == 0 {
            return Err(if is_member(&mut tx, org, user).await? {
                StorageError::Conflict("last admin")
            } else {
                StorageError::NotFound
            });
        }
        tx.commit().await
    }
}
