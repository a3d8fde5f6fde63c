//! People and their memberships in organisations.

use crate::Store;
use crate::args::sql;
use crate::error::{Result, StorageError};
use chrono::{DateTime, Utc};
use flowsense_core::{OrgId, Role, UserId};
use serde::Serialize;
use uuid::Uuid;

/// A person who can sign in. The password hash never leaves storage through `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct User {
    pub id: UserId,
    pub email: String,
    pub display_name: String,
    pub password_hash: String,
    pub mfa_enabled: bool,
    pub email_verified_at: Option<DateTime<Utc>>,
    /// Consecutive failed sign-ins since the last success.
    pub failed_logins: i64,
    pub locked_until: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    /// Set while an operator has disabled the account: no session, token or sign-in works.
    pub disabled_at: Option<DateTime<Utc>>,
}

/// The `password_hash` of an account that has no password (created by single sign-on): not a
/// PHC string, so no password ever verifies against it, and password reset is not offered.
pub const NO_PASSWORD: &str = "!no-password";

impl User {
    /// Whether the account has a password at all.
    #[must_use]
    pub fn has_password(&self) -> bool {
        // An empty hash could never verify either.
        self.password_hash != NO_PASSWORD && !self.password_hash.is_empty()
    }
}

impl std::fmt::Debug for User {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("User")
            .field("id", &self.id)
            .field("mfa_enabled", &self.mfa_enabled)
            .finish_non_exhaustive()
    }
}

/// What it takes to create a user. `password_hash` is a PHC string (argon2id).
#[derive(Clone)]
pub struct NewUser {
    pub email: String,
    pub display_name: String,
    pub password_hash: String,
}

/// A user's role in one organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Membership {
    pub org_id: OrgId,
    pub user_id: UserId,
    pub role: Role,
}

#[derive(sqlx::FromRow)]
pub(crate) struct UserRow {
    id: Uuid,
    email: String,
    display_name: String,
    password_hash: String,
    mfa_enabled: bool,
    email_verified_at: Option<DateTime<Utc>>,
    failed_logins: i64,
    locked_until: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    disabled_at: Option<DateTime<Utc>>,
}

impl From<UserRow> for User {
    fn from(r: UserRow) -> Self {
        User {
            id: UserId(r.id),
            email: r.email,
            display_name: r.display_name,
            password_hash: r.password_hash,
            mfa_enabled: r.mfa_enabled,
            email_verified_at: r.email_verified_at,
            failed_logins: r.failed_logins,
            locked_until: r.locked_until,
            created_at: r.created_at,
            disabled_at: r.disabled_at,
        }
    }
}

#[derive(sqlx::FromRow)]
struct MembershipRow {
    org_id: Uuid,
    user_id: Uuid,
    role: String,
}

impl TryFrom<MembershipRow> for Membership {
    type Error = StorageError;
    fn try_from(r: MembershipRow) -> Result<Self> {
        Ok(Membership {
            org_id: OrgId(r.org_id),
            user_id: UserId(r.user_id),
            role: r
                .role
                .parse()
                .map_err(|e: flowsense_core::role::UnknownRole| {
                    StorageError::Corrupt(e.to_string())
                })?,
        })
    }
}

/// E-mail addresses are compared case-insensitively; they are stored lower-cased.
pub(crate) fn normalise_email(email: &str) -> String {
    email.trim().to_lowercase()
}

impl Store {
    /// Creates a user.
    ///
    /// # Errors
    /// `Conflict` when the e-mail address is taken.
    pub async fn create_user(&self, new: &NewUser) -> Result<User> {
        self.create_user_then(new, |_| Vec::new()).await
    }

    /// Creates a user and, in the same transaction, the jobs `then` makes for them (the
    /// confirmation e-mail of a sign-up exists if and only if the account does).
    ///
    /// # Errors
    /// `Conflict` when the e-mail address is taken.
    pub async fn create_user_then(
        &self,
        new: &NewUser,
        then: impl FnOnce(&User) -> Vec<crate::NewJob> + Send,
    ) -> Result<User> {
        let id = UserId::new();
        let now = Utc::now();
        let mut tx = self.begin().await?;
        tx.execute(
            sql!("users/create")
                .arg(id)
                .arg(normalise_email(&new.email))
                .arg(new.display_name.as_str())
                .arg(new.password_hash.as_str())
                .arg(now),
        )
        .await?;
        let user: User = tx
            .fetch_one::<UserRow>(sql!("users/by_id").arg(id))
            .await?
            .into();
        crate::jobs::enqueue_all_in(&mut tx, &then(&user), now).await?;
        tx.commit().await?;
        self.jobs_committed();
        Ok(user)
    }

    /// A user by e-mail address (case-insensitive), if any.
    ///
    /// # Errors
    /// On a database failure.
    pub async fn user_by_email(&self, email: &str) -> Result<Option<User>> {
        let mut tx = self.begin_read().await?;
        let row: Option<UserRow> = tx
            .fetch_optional(sql!("users/by_email").arg(normalise_email(email)))
            .await?;
        tx.commit().await?;
        Ok(row.map(User::from))
    }

    /// A user by id.
    ///
    /// # Errors
    /// `NotFound` when there is no such user.
    pub async fn user(&self, user: UserId) -> Result<User> {
        let row: UserRow = self
            .read_optional(sql!("users/by_id").arg(user))
            .await?
            .ok_or(StorageError::NotFound)?;
        Ok(row.into())
    }

    /// How many users the instance has (a fresh database has none: no account ships).
    ///
    /// # Errors
    /// On a database failure.
    pub async fn count_users(&self) -> Result<i64> {
        let mut tx = self.begin_read().await?;
        let (n,): (i64,) = tx.fetch_one(sql!("users/count")).await?;
        tx.commit().await?;
        Ok(n)
    }

    /// Disables `user` (`Some(time)`) or enables them again (`None`). Disabling ends every
    /// session of theirs in the same transaction; their API tokens are refused while the account
    /// is disabled. Returns how many sessions ended.
    ///
    /// # Errors
    /// `NotFound` when there is no such user; a database failure.
    pub async fn set_user_disabled(
        &self,
        user: UserId,
        disabled_at: Option<DateTime<Utc>>,
    ) -> Result<u64> {
        let mut tx = self.begin().await?;
        let n = tx
            .execute(
                sql!("users/set_disabled")
                    .arg(user)
                    .arg(disabled_at)
                    .arg(Utc::now()),
            )
            .await?;
        if n == 0 {
            return Err(StorageError::NotFound);
        }
        let ended = if disabled_at.is_some() {
            tx.execute(sql!("sessions/delete_all_of_user").arg(user))
                .await?
        } else {
            0
        };
        tx.commit().await?;
        Ok(ended)
    }

    /// Gives `user` a role in `org` (replacing any previous role).
    ///
    /// # Errors
    /// On a database failure, or when the organisation or user does not exist.
    pub async fn set_membership(&self, org: OrgId, user: UserId, role: Role) -> Result<()> {
        let mut tx = self.scoped(org).await?;
        tx.execute(
            sql!("users/set_membership")
                .arg(org)
                .arg(user)
                .arg(role.as_str())
                .arg(Utc::now()),
        )
        .await?;
        tx.commit().await
    }

    /// The role of `user` in `org`, or `None` when they are not a member.
    ///
    /// # Errors
    /// On a database failure.
    pub async fn role_in(&self, org: OrgId, user: UserId) -> Result<Option<Role>> {
        let row: Option<MembershipRow> = self
            .read_scoped_optional(org, sql!("users/role_in").arg(org).arg(user))
            .await?;
        row.map(Membership::try_from)
            .transpose()
            .map(|m| m.map(|m| m.role))
    }

    /// `user`'s role in `org` and the organisation, in one statement (what every request
    /// about an organisation checks); `None` when `user` is not a member.
    ///
    /// # Errors
    /// On a database failure.
    pub async fn role_and_org(
        &self,
        org: OrgId,
        user: UserId,
    ) -> Result<Option<(Role, crate::Organisation)>> {
        #[derive(sqlx::FromRow)]
        struct RoleAndOrgRow {
            role: String,
            #[sqlx(flatten)]
            org: crate::orgs::OrgRow,
        }
        let row: Option<RoleAndOrgRow> = self
            .read_scoped_optional(org, sql!("users/role_and_org").arg(org).arg(user))
            .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let role = row
            .role
            .parse()
            .map_err(|e: flowsense_core::role::UnknownRole| StorageError::Corrupt(e.to_string()))?;
        Ok(Some((role, row.org.try_into()?)))
    }

    /// Every membership of one organisation.
    ///
    /// # Errors
    /// On a database failure.
    pub async fn members(&self, org: OrgId) -> Result<Vec<Membership>> {
        let mut tx = self.scoped_read(org).await?;
        let rows: Vec<MembershipRow> = tx.fetch_all(sql!("users/members").arg(org)).await?;
        tx.commit().await?;
        rows.into_iter().map(Membership::try_from).collect()
    }

    /// Every organisation a user belongs to.
    ///
    /// # Errors
    /// On a database failure.
    pub async fn memberships_of(&self, user: UserId) -> Result<Vec<Membership>> {
        let mut tx = self.scoped_user_read(user).await?;
        let rows: Vec<MembershipRow> = tx.fetch_all(sql!("users/memberships_of").arg(user)).await?;
        tx.commit().await?;
        rows.into_iter().map(Membership::try_from).collect()
    }
}
