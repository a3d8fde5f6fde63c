//! OAuth authorizations in flight. Only the SHA-256 of the `state` value sent to the provider
//! is stored, bound to the SHA-256 of the session that started it; a PKCE verifier is sealed
//! with the organisation's key. A state is taken once: reading it deletes it.

use crate::Store;
use crate::args::sql;
use crate::crypto::{FieldRef, KeyScope};
use crate::error::{Result, StorageError};
use chrono::{DateTime, Utc};
use flowsense_core::{OrgId, UserId};
use secrecy::{ExposeSecret, SecretString};
use uuid::Uuid;

const TABLE: &str = "oauth_states";
const VERIFIER: &str = "verifier_enc";

/// An authorization to remember until the provider sends the user back.
#[derive(Debug)]
pub struct NewOAuthState {
    /// SHA-256 of the state value (the value itself leaves only in the authorize URL).
    pub state_hash: Vec<u8>,
    /// SHA-256 of the session token that started it.
    pub session_hash: Vec<u8>,
    pub org: OrgId,
    pub user: UserId,
    /// `quickbooks` or `xero`.
    pub provider: String,
    /// The PKCE code verifier, for providers that use PKCE.
    pub pkce_verifier: Option<SecretString>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// A state taken back: what it was bound to. `Debug` does not show the verifier.
#[derive(Debug)]
pub struct OAuthState {
    pub session_hash: Vec<u8>,
    pub org: OrgId,
    pub user: UserId,
    pub provider: String,
    pub pkce_verifier: Option<SecretString>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct StateRow {
    session_hash: Vec<u8>,
    org_id: Uuid,
    user_id: Uuid,
    provider: String,
    verifier_enc: Option<Vec<u8>>,
    created_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
}

impl Store {
    /// Remembers an authorization in flight.
    ///
    /// # Errors
    /// A database or sealing failure; `Conflict` for a state hash already stored.
    pub async fn create_oauth_state(&self, new: &NewOAuthState) -> Result<()> {
        let row = hex::encode(&new.state_hash);
        let mut tx = self.scoped(new.org).await?;
        let verifier = match &new.pkce_verifier {
            Some(v) => Some(
                self.seal_in(
                    &mut tx,
                    KeyScope::Org(new.org),
                    &FieldRef::new(TABLE, VERIFIER, &row),
                    v.expose_secret().as_bytes(),
                )
                .await?,
            ),
            None => None,
        };
        tx.execute(
            sql!("oauth_states/create")
                .arg(new.state_hash.clone())
                .arg(new.session_hash.clone())
                .arg(new.org)
                .arg(new.user)
                .arg(new.provider.as_str())
                .arg(verifier)
                .arg(new.created_at)
                .arg(new.expires_at),
        )
        .await?;
        tx.commit().await
    }

    /// Takes the authorization whose state hashes to `state_hash`: it is deleted whatever
    /// happens next, so a state works once. `None` when there is none or it expired by `now`.
    /// (The callback knows the state, not the organisation: this reads across organisations.)
    ///
    /// # Errors
    /// A database failure, or a sealed verifier that does not open.
    pub async fn take_oauth_state(
        &self,
        state_hash: &[u8],
        now: DateTime<Utc>,
    ) -> Result<Option<OAuthState>> {
        let mut tx = self.system_across_orgs().await?;
        let row: Option<StateRow> = tx
            .fetch_optional(sql!("oauth_states/take").arg(state_hash.to_vec()))
            .await?;
        let Some(row) = row.filter(|r| r.expires_at > now) else {
            tx.commit().await?;
            return Ok(None);
        };
        let org = OrgId(row.org_id);
        let pkce_verifier = match &row.verifier_enc {
            Some(sealed) => {
                let opened = self
                    .open_in(
                        &mut tx,
                        KeyScope::Org(org),
                        &FieldRef::new(TABLE, VERIFIER, &hex::encode(state_hash)),
                        sealed,
                    )
                    .await?;
                let text = std::str::from_utf8(&opened)
                    .map_err(|_| StorageError::Corrupt("a PKCE verifier is not UTF-8".into()))?;
                Some(SecretString::from(text.to_owned()))
            }
            None => None,
        };
        tx.commit().await?;
        Ok(Some(OAuthState {
            session_hash: row.session_hash,
            org,
            user: UserId(row.user_id),
            provider: row.provider,
            pkce_verifier,
            created_at: row.created_at,
            expires_at: row.expires_at,
        }))
    }

    /// Deletes authorizations that expired before `now`, for every organisation (the hourly
    /// clean-up). Returns how many went.
    ///
    /// # Errors
    /// A database failure.
    pub async fn delete_expired_oauth_states_across_orgs(&self, now: DateTime<Utc>) -> Result<u64> {
        self.system_update(sql!("cleanup/expired_oauth_states").arg(now))
            .await
    }
}
