//! A usable access token for a sync: the stored one while it lives five more minutes,
//! otherwise a refreshed one — refreshed by exactly one worker per connection at a time (the
//! storage lease), the rotated tokens saved by compare-and-swap before they are used. A worker
//! that finds the lease taken waits for the holder and uses the tokens it saved.

use super::source::SourceError;
use crate::Context;
use chrono::{DateTime, Duration, Utc};
use flowsense_core::OrgId;
use flowsense_integrations::quickbooks::QuickBooks;
use flowsense_integrations::xero::Xero;
use flowsense_storage::{ConnectionTokens, StorageError};
use futures_util::future::BoxFuture;
use secrecy::SecretString;
use std::sync::Arc;
use uuid::Uuid;

/// An access token that expires within this is refreshed before use.
pub const REFRESH_MARGIN_MINUTES: i64 = 5;
/// How long one refresh may hold the connection's lease.
const LEASE_SECONDS: i64 = 30;
/// How often a waiting worker looks for the lease holder's tokens, and how many times.
const WAIT_STEP: std::time::Duration = std::time::Duration::from_millis(50);
const WAIT_STEPS: u32 = 800;

/// What a refresh gives back: the new tokens, and until when the new refresh token works when
/// the provider says (QuickBooks' rolling `x_refresh_token_expires_in`; Xero's 60 days unused,
/// counted from this refresh), shown to admins.
pub struct Rotated {
    pub tokens: ConnectionTokens,
    pub refresh_expires_at: Option<DateTime<Utc>>,
}

/// Exchanges a refresh token for new tokens at the provider.
pub trait Refresher: Send + Sync {
    /// # Errors
    /// [`SourceError::Dead`] when the refresh token is refused (`invalid_grant`).
    fn refresh<'a>(
        &'a self,
        refresh_token: &'a SecretString,
    ) -> BoxFuture<'a, Result<Rotated, SourceError>>;
}

impl Rotated {
    /// What both providers' token endpoints answer: a new access token with its expiry, and a
    /// new refresh token with its own.
    fn new(
        access: SecretString,
        refresh: SecretString,
        access_expires_at: DateTime<Utc>,
        refresh_expires_at: DateTime<Utc>,
    ) -> Self {
        Self {
            tokens: ConnectionTokens {
                access,
                refresh,
                expires_at: Some(access_expires_at),
            },
            refresh_expires_at: Some(refresh_expires_at),
        }
    }
}

/// A provider failure met while refreshing, as the engine treats it: as a read's, except that
/// a token endpoint refusing the request without `invalid_grant` (the app's own credentials)
/// will refuse it again.
fn refresh_failure(e: SourceError) -> SourceError {
    match e {
        SourceError::ReauthNeeded => {
            SourceError::Permanent("the provider's token endpoint refused the app".into())
        }
        e => e,
    }
}

/// QuickBooks' token endpoint as a [`Refresher`] (the refresh token's rolling expiry is
/// QuickBooks' `x_refresh_token_expires_in`).
pub struct QuickBooksRefresher(pub Arc<QuickBooks>);

impl Refresher for QuickBooksRefresher {
    fn refresh<'a>(
        &'a self,
        refresh_token: &'a SecretString,
    ) -> BoxFuture<'a, Result<Rotated, SourceError>> {
        Box::pin(async move {
            let t = self
                .0
                .refresh(refresh_token)
                .await
                .map_err(|e| refresh_failure(super::quickbooks::source_error(e)))?;
            Ok(Rotated::new(
                t.access_token,
                t.refresh_token,
                t.access_expires_at,
                t.refresh_expires_at,
            ))
        })
    }
}

/// Xero's token endpoint as a [`Refresher`]. Xero rotates the refresh token on every refresh
/// (the old one works 30 more minutes); the new one expires after 60 days unused (APIS.md §2.1).
pub struct XeroRefresher(pub Arc<Xero>);

impl Refresher for XeroRefresher {
    fn refresh<'a>(
        &'a self,
        refresh_token: &'a SecretString,
    ) -> BoxFuture<'a, Result<Rotated, SourceError>> {
        Box::pin(async move {
            let t = self
                .0
                .refresh(refresh_token)
                .await
                .map_err(|e| refresh_failure(super::xero::source_error(e)))?;
            Ok(Rotated::new(
                t.access_token,
                t.refresh_token,
                t.access_expires_at,
                t.refresh_expires_at,
            ))
        })
    }
}

/// Why no access token could be had.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error(transparent)]
    Source(#[from] SourceError),
    #[error("the connection has no tokens")]
    NoTokens,
    #[error("another worker kept the token refresh too long")]
    Busy,
    #[error("storage failed")]
    Storage(#[from] StorageError),
}

/// The connection's tokens with the version they were read at.
pub struct Usable {
    pub tokens: ConnectionTokens,
    pub version: i64,
}

/// A token to read with. `refused`: the version of a token the provider just refused (401),
/// which must be refreshed even if it looks unexpired.
///
/// # Errors
/// [`TokenError`]: a dead refresh token, a refresh that failed, no tokens, storage.
pub async fn usable_token(
    ctx: &Context,
    org: OrgId,
    connection: Uuid,
    refresher: &dyn Refresher,
    refused: Option<i64>,
) -> Result<Usable, TokenError> {
    for _ in 0..WAIT_STEPS {
        let stored = ctx.store.sync_tokens(org, connection).await?;
        let tokens = stored.tokens.ok_or(TokenError::NoTokens)?;
        let now = ctx.now();
        let fresh = tokens
            .expires_at
            .is_some_and(|e| e > now + Duration::minutes(REFRESH_MARGIN_MINUTES));
        if fresh && refused != Some(stored.version) {
            return Ok(Usable {
                tokens,
                version: stored.version,
            });
        }
        let owner = Uuid::new_v4().to_string();
        let leased = ctx
            .store
            .lease_token_refresh(
                org,
                connection,
                stored.version,
                &owner,
                now + Duration::seconds(LEASE_SECONDS),
                now,
            )
            .await?;
        if !leased {
            tokio::time::sleep(WAIT_STEP).await;
            continue;
        }
        let Rotated {
            tokens: rotated,
            refresh_expires_at,
        } = match refresher.refresh(&tokens.refresh).await {
            Ok(t) => t,
            Err(e) => {
                ctx.store
                    .release_token_refresh(org, connection, &owner)
                    .await?;
                return Err(e.into());
            }
        };
        if ctx
            .store
            .save_rotated_tokens(
                org,
                connection,
                stored.version,
                &owner,
                &rotated,
                refresh_expires_at,
            )
            .await?
        {
            tracing::info!(%connection, "rotated the connection's tokens");
            return Ok(Usable {
                tokens: rotated,
                version: stored.version + 1,
            });
        }
        // The lease ran out before the save: the stored refresh token is now spent at the
        // provider, but these tokens work for this run.
        tracing::error!(%connection, "rotated tokens could not be saved: the refresh lease ran out");
        return Ok(Usable {
            tokens: rotated,
            version: stored.version,
        });
    }
    Err(TokenError::Busy)
}
