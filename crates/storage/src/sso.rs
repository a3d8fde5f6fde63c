//! OpenID Connect single sign-on: sign-ins in flight, the provider accounts linked to users, and
//! each organisation's policy (a domain for just-in-time membership; SSO required).
//!
//! A state is stored only as the SHA-256 of the value sent to the provider, bound to the SHA-256
//! of the pre-login browser cookie that started it, and is taken once: reading it deletes it.

use crate::Store;
use crate::args::sql;
use crate::error::{Result, StorageError};
use chrono::{DateTime, Utc};
use flowsense_core::{OrgId, UserId};
use uuid::Uuid;

/// A provider account linked to a user (their own export lists them).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct LinkedIdentity {
    pub issuer: String,
    pub subject: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: DateTime<Utc>,
}

/// A sign-in sent to the identity provider.
#[derive(Debug)]
pub struct NewSsoState {
    /// SHA-256 of the state value (the value itself leaves only in the authorize URL).
    pub state_hash: Vec<u8>,
    /// SHA-256 of the pre-login cookie of the browser that started it.
    pub browser_hash: Vec<u8>,
    /// Where to go once signed in (a checked relative path, or empty).
    pub next_path: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// A state taken back: what it was bound to.
#[derive(Debug, sqlx::FromRow)]
pub struct SsoState {
    pub browser_hash: Vec<u8>,
    pub next_path: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// An organisation's single sign-on policy.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct OrgSsoPolicy {
    /// People whose verified e-mail address is at this domain join as viewers on their first
    /// single sign-on.
    pub domain: Option<String>,
    /// Members may not sign in with a password.
    pub required: bool,
}

impl Store {
    /// Remembers a sign-in sent to the provider.
    ///
    /// # Errors
    /// A database failure; `Conflict` for a state hash already stored.
    pub async fn create_sso_state(&self, new: &NewSsoState) -> Result<()> {
        let mut tx = self.begin().await?;
        tx.execute(
            sql!("sso/create_state")
                .arg(new.state_hash.clone())
                .arg(new.browser_hash.clone())
                .arg(new.next_path.as_str())
                .arg(new.created_at)
                .arg(new.expires_at),
        )
        .await?;
        tx.commit().await
    }

    /// Takes the sign-in whose state hashes to `state_hash`: deleted whatever happens next, so
    /// a state works once. `None` when there is none or it expired by `now`.
    ///
    /// # Errors
    /// A database failure.
    pub async fn take_sso_state(
        &self,
        state_hash: &[u8],
        now: DateTime<Utc>,
    ) -> Result<Option<SsoState>> {
        let mut tx = self.begin().await?;
        let row: Option<SsoState> = tx
            .fetch_optional(sql!("sso/take_state").arg(state_hash.to_vec()))
            .await?;
        tx.commit().await?;
        Ok(row.filter(|r| r.expires_at > now))
    }

    /// Deletes sign-ins that expired by `now` (the hourly clean-up). Returns how many went.
    ///
    /// # Errors
    /// A database failure.
    pub async fn purge_sso_states(&self, now: DateTime<Utc>) -> Result<u64> {
        let mut tx = self.begin().await?;
        let n = tx.execute(sql!("sso/purge_states").arg(now)).await?;
        tx.commit().await?;
        Ok(n)
    }

    /// The user a provider account (`iss`, `sub`) is linked to, if any; records the use.
    ///
    /// # Errors
    /// A database failure.
    pub async fn user_of_identity(
        &self,
        issuer: &str,
        subject: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<UserId>> {
        let mut tx = self.begin().await?;
        let row: Option<(Uuid,)> = tx
            .fetch_optional(sql!("sso/identity_user").arg(issuer).arg(subject))
            .await?;
        if row.is_some() {
            tx.execute(sql!("sso/touch_identity").arg(issuer).arg(subject).arg(now))
                .await?;
        }
        tx.commit().await?;
        Ok(row.map(|(id,)| UserId(id)))
    }

    /// Links a provider account to `user`.
    ///
    /// # Errors
    /// `Conflict` when that provider account is linked already; a database failure.
    pub async fn link_identity(
        &self,
        issuer: &str,
        subject: &str,
        user: UserId,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        tx.execute(
            sql!("sso/link_identity")
                .arg(issuer)
                .arg(subject)
                .arg(user)
                .arg(now),
        )
        .await?;
        tx.commit().await
    }

    /// The provider accounts linked to `user`, oldest first.
    ///
    /// # Errors
    /// A database failure.
    pub async fn identities_of_user(&self, user: UserId) -> Result<Vec<LinkedIdentity>> {
        let mut tx = self.begin_read().await?;
        let rows = tx
            .fetch_all(sql!("sso/identities_of_user").arg(user))
            .await?;
        tx.commit().await?;
        Ok(rows)
    }

    /// The organisation whose just-in-time domain is `domain`, if any (across organisations:
    /// the person signing in is not a member yet).
    ///
    /// # Errors
    /// A database failure.
    pub async fn org_for_sso_domain(&self, domain: &str) -> Result<Option<OrgId>> {
        let mut tx = self.system_read_across_orgs().await?;
        let row: Option<(Uuid,)> = tx
            .fetch_optional(sql!("sso/org_for_domain").arg(domain))
            .await?;
        tx.commit().await?;
        Ok(row.map(|(id,)| OrgId(id)))
    }

    /// Whether any organisation `user` belongs to requires single sign-on.
    ///
    /// # Errors
    /// A database failure.
    pub async fn sso_required_for_user(&self, user: UserId) -> Result<bool> {
        // The user's own memberships, across their organisations (row-level security lets a
        // user-scoped transaction see them).
        let mut tx = self.scoped_user_read(user).await?;
        let (n,): (i64,) = tx
            .fetch_one(sql!("sso/orgs_requiring_sso").arg(user))
            .await?;
        tx.commit().await?;
        Ok(n > 0)
    }

    /// An organisation's single sign-on policy.
    ///
    /// # Errors
    /// `NotFound` for no such organisation; a database failure.
    pub async fn org_sso_policy(&self, org: OrgId) -> Result<OrgSsoPolicy> {
        let mut tx = self.scoped_read(org).await?;
        let (domain, required): (Option<String>, bool) =
            tx.fetch_one(sql!("sso/org_policy").arg(org)).await?;
        tx.commit().await?;
        Ok(OrgSsoPolicy { domain, required })
    }

    /// Replaces an organisation's single sign-on policy.
    ///
    /// # Errors
    /// `Conflict` when another organisation has the domain; `NotFound` for no such
    /// organisation; a database failure.
    pub async fn set_org_sso_policy(&self, org: OrgId, policy: &OrgSsoPolicy) -> Result<()> {
        let mut tx = self.scoped(org).await?;
        let n = tx
            .execute(
                sql!("sso/set_org_policy")
                    .arg(org)
                    .arg(policy.domain.clone())
                    .arg(policy.required),
            )
            .await?;
        if n == 0 {
            return Err(StorageError::NotFound);
        }
        tx.commit().await
    }
}
