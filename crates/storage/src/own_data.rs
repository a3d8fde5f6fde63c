//! What a person's own-data requests need (SPEC §6): the audit events and assistant
//! conversations about them in one organisation, where they stand before their account is
//! deleted, and the deletion itself.

use crate::Store;
use crate::args::sql;
use crate::audit::{AuditEvent, AuditRow};
use crate::crypto::{FieldRef, KeyScope};
use crate::error::{Result, StorageError};
use crate::scope::{Reads, Tx};
use chrono::{DateTime, Utc};
use flowsense_core::{OrgId, UserId};
use uuid::Uuid;

/// The most events one organisation contributes to a person's export.
const MAX_EVENTS_PER_ORG: i64 = 50_000;

/// Where a user stands in their organisations, for deleting their account.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccountFootprint {
    /// Organisations where they are the only admin and others are members: deleting the account
    /// would leave those without an admin, so it is refused until someone else is made admin.
    pub sole_admin_of: Vec<OrgId>,
    /// Organisations where they are the only member: deleted with the account (and their keys).
    pub sole_member_of: Vec<OrgId>,
    /// Every other organisation they belong to: they leave it.
    pub member_of: Vec<OrgId>,
}

/// An assistant conversation, decrypted.
#[derive(Clone, PartialEq, Eq)]
pub struct ConversationSummary {
    pub id: Uuid,
    pub title: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl std::fmt::Debug for ConversationSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConversationSummary")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

#[derive(sqlx::FromRow)]
struct Counts {
    admins: i64,
    members: i64,
}

/// How many admins and members `org` has. PostgreSQL: the transaction must see `org`.
async fn counts(tx: &mut impl Reads, org: OrgId) -> Result<Counts> {
    tx.fetch_one(sql!("own_data/member_counts").arg(org)).await
}

#[derive(sqlx::FromRow)]
struct MembershipRow {
    org_id: Uuid,
    role: String,
}

async fn memberships(tx: &mut impl Reads, user: UserId) -> Result<Vec<MembershipRow>> {
    tx.fetch_all(sql!("own_data/memberships").arg(user)).await
}

/// PostgreSQL only: lets the rest of the transaction see `org` (row-level security), the same
/// `set_config` a scoped transaction starts with. SQLite has no row-level security.
async fn see_org(tx: &mut Tx, org: OrgId) -> Result<()> {
    if let Tx::Pg(_) = tx {
        tx.execute(sql!("postgres-only/scope/org").arg(org.to_string()))
            .await?;
    }
    Ok(())
}

impl Store {
    /// The events of `org`'s audit log that `user` did or that were done to them, oldest first.
    ///
    /// # Errors
    /// On a database failure.
    pub async fn audit_events_about_user(
        &self,
        org: OrgId,
        user: UserId,
    ) -> Result<Vec<AuditEvent>> {
        let mut tx = self.scoped_read(org).await?;
        let rows: Vec<AuditRow> = tx
            .fetch_all(
                sql!("own_data/audit_events_about_user")
                    .arg(org)
                    .arg(user)
                    .arg(format!("user:{user}"))
                    .arg(MAX_EVENTS_PER_ORG),
            )
            .await?;
        tx.commit().await?;
        Ok(rows.into_iter().map(AuditEvent::from).collect())
    }

    /// `user`'s assistant conversations in `org`, titles decrypted, oldest first.
    ///
    /// # Errors
    /// `Crypto(..)` when a title does not decrypt.
    pub async fn conversations_of_user(
        &self,
        org: OrgId,
        user: UserId,
    ) -> Result<Vec<ConversationSummary>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            id: Uuid,
            title_enc: Vec<u8>,
            created_at: DateTime<Utc>,
            updated_at: DateTime<Utc>,
        }
        let mut tx = self.scoped_read(org).await?;
        let rows: Vec<Row> = tx
            .fetch_all(sql!("own_data/conversations_of_user").arg(org).arg(user))
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let row = r.id.to_string();
            let title = self
                .open_in(
                    &mut tx,
                    KeyScope::Org(org),
                    &FieldRef::new("conversations", "title_enc", &row),
                    &r.title_enc,
                )
                .await?;
            out.push(ConversationSummary {
                id: r.id,
                title: String::from_utf8(title.to_vec())
                    .map_err(|_| StorageError::Corrupt("a decrypted title is not UTF-8".into()))?,
                created_at: r.created_at,
                updated_at: r.updated_at,
            });
        }
        tx.commit().await?;
        Ok(out)
    }

    /// Sorts `user`'s organisations by what deleting the account would do to each.
    ///
    /// # Errors
    /// On a database failure.
    pub async fn account_footprint(&self, user: UserId) -> Result<AccountFootprint> {
        let mine = {
            let mut tx = self.scoped_user_read(user).await?;
            let rows = memberships(&mut tx, user).await?;
            tx.commit().await?;
            rows
        };
        let mut out = AccountFootprint::default();
        for m in mine {
            let org = OrgId(m.org_id);
            let mut tx = self.scoped_read(org).await?;
            let c = counts(&mut tx, org).await?;
            tx.commit().await?;
            if c.members <= 1 {
                out.sole_member_of.push(org);
            } else if m.role == "admin" && c.admins <= 1 {
                out.sole_admin_of.push(org);
            } else {
                out.member_of.push(org);
            }
        }
        Ok(out)
    }

    /// Deletes a user with everything that is theirs alone — memberships, sessions, API tokens,
    /// second factor and recovery codes, notification preferences, assistant conversations — by
    /// cascade, in one transaction that refuses (and deletes nothing) when the user is, at that
    /// moment, the only admin of an organisation that has other members. Organisations where
    /// they are the only member are the caller's to delete first (`delete_org`, which destroys
    /// the keys); any left are then simply without members.
    ///
    /// # Errors
    /// `NotFound` when there is no such user; `Conflict("last admin")` as above.
    pub async fn delete_user_keeping_admins(&self, user: UserId) -> Result<()> {
        let mut tx = self.scoped_user(user).await?;
        for m in memberships(&mut tx, user).await? {
            if m.role != "admin" {
                continue;
            }
            let org = OrgId(m.org_id);
            see_org(&mut tx, org).await?;
            if let Tx::Pg(_) = tx {
                // PostgreSQL only (SQLite runs one writer at a time): two admins deleting their
                // accounts at once are serialised here, so the second sees the first gone.
                tx.execute(sql!("postgres-only/orgs/lock").arg(org)).await?;
            }
            let c = counts(&mut tx, org).await?;
            if c.admins <= 1 && c.members > 1 {
                return Err(StorageError::Conflict("last admin"));
            }
        }
        let n = tx.execute(sql!("own_data/delete_user").arg(user)).await?;
        if n == 0 {
            return Err(StorageError::NotFound);
        }
        tx.commit().await
    }
}
