//! Personal API tokens. Only the SHA-256 of a token is stored.

use crate::Store;
use crate::args::sql;
use crate::error::{Result, StorageError};
use chrono::{DateTime, Utc};
use flowsense_core::UserId;
use serde::Serialize;
use uuid::Uuid;

/// What a token may do: `read` tokens may only use safe methods.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum TokenScope {
    Read,
    Write,
}

impl TokenScope {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            TokenScope::Read => "read",
            TokenScope::Write => "write",
        }
    }
}

/// A token to store.
#[derive(Clone)]
pub struct NewApiToken {
    pub id: Uuid,
    pub user: UserId,
    pub name: String,
    pub token_hash: Vec<u8>,
    pub scope: TokenScope,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// A stored token, without its hash.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ApiToken {
    pub id: Uuid,
    #[serde(skip)]
    pub user: UserId,
    pub name: String,
    pub scope: TokenScope,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

#[derive(sqlx::FromRow)]
struct TokenRow {
    id: Uuid,
    user_id: Uuid,
    name: String,
    scope: String,
    created_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    last_used_at: Option<DateTime<Utc>>,
    revoked_at: Option<DateTime<Utc>>,
}

impl TryFrom<TokenRow> for ApiToken {
    type Error = StorageError;
    fn try_from(r: TokenRow) -> Result<Self> {
        let scope = match r.scope.as_str() {
            "read" => TokenScope::Read,
            "write" => TokenScope::Write,
            other => return Err(StorageError::Corrupt(format!("token scope {other:?}"))),
        };
        Ok(ApiToken {
            id: r.id,
            user: UserId(r.user_id),
            name: r.name,
            scope,
            created_at: r.created_at,
            expires_at: r.expires_at,
            last_used_at: r.last_used_at,
            revoked_at: r.revoked_at,
        })
    }
}

impl Store {
    /// Stores a new token.
    ///
    /// # Errors
    /// On a database failure.
    pub async fn create_api_token(&self, t: &NewApiToken) -> Result<()> {
        let mut tx = self.begin().await?;
        tx.execute(
            sql!("tokens/create")
                .arg(t.id)
                .arg(t.user)
                .arg(t.name.as_str())
                .arg(t.token_hash.clone())
                .arg(t.scope.as_str())
                .arg(t.created_at)
                .arg(t.expires_at),
        )
        .await?;
        tx.commit().await
    }

    /// The token whose secret hashes to `hash` (revoked and expired ones included: the caller
    /// decides).
    ///
    /// # Errors
    /// On a database failure.
    pub async fn api_token_by_hash(&self, hash: &[u8]) -> Result<Option<ApiToken>> {
        let mut tx = self.begin_read().await?;
        let row: Option<TokenRow> = tx
            .fetch_optional(sql!("tokens/by_hash").arg(hash.to_vec()))
            .await?;
        tx.commit().await?;
        row.map(ApiToken::try_from).transpose()
    }

    /// A user's tokens, newest first.
    ///
    /// # Errors
    /// On a database failure.
    pub async fn api_tokens_of(&self, user: UserId) -> Result<Vec<ApiToken>> {
        let mut tx = self.begin_read().await?;
        let rows: Vec<TokenRow> = tx.fetch_all(sql!("tokens/of_user").arg(user)).await?;
        tx.commit().await?;
        rows.into_iter().map(ApiToken::try_from).collect()
    }

    /// Revokes one of the user's tokens; `false` when the user has no such live token.
    ///
    /// # Errors
    /// On a database failure.
    pub async fn revoke_api_token(
        &self,
        user: UserId,
        id: Uuid,
        at: DateTime<Utc>,
    ) -> Result<bool> {
        let mut tx = self.begin().await?;
        let n = tx
            .execute(sql!("tokens/revoke").arg(user).arg(id).arg(at))
            .await?;
        tx.commit().await?;
        Ok(n > 0)
    }

    /// Records that a token was used.
    ///
    /// # Errors
    /// On a database failure.
    pub async fn touch_api_token(&self, id: Uuid, at: DateTime<Utc>) -> Result<()> {
        let mut tx = self.begin().await?;
        tx.execute(sql!("tokens/touch").arg(id).arg(at)).await?;
        tx.commit().await
    }
}
