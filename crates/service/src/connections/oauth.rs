//! The OAuth round trip: [`begin_connect`] sends an admin's browser to the provider with a fresh
//! `state` bound to their session; [`finish_connect`] takes that state back exactly once,
//! exchanges the code and saves the connection with its first sync queued.

use super::{ConnectionError, Provider};
use crate::Context;
use crate::identity::crypto::{b64url, ct_eq, random_bytes, sha256};
use crate::orgs::OrgAccess;
use crate::sync::sync_job;
use chrono::TimeDelta;
use flowsense_core::{OrgId, Role};
use flowsense_integrations::quickbooks::{Callback, QuickBooks, parse_callback};
use flowsense_storage::{Connection, NewConnection, NewOAuthState};
use std::sync::Arc;

/// How long a user has to approve at the provider.
pub const STATE_LIFETIME: TimeDelta = TimeDelta::minutes(15);

/// Where to send the admin's browser.
#[derive(Debug, Clone)]
pub struct Started {
    pub authorize_url: String,
}

/// A connection saved by a callback.
#[derive(Debug, Clone)]
pub struct Connected {
    pub org: OrgId,
    pub connection: Connection,
}

/// A callback that connected nothing: why, and the organisation it was for when that is known
/// and the caller was bound to it.
#[derive(Debug)]
pub struct CallbackFailure {
    pub org: Option<OrgId>,
    pub error: ConnectionError,
}

impl CallbackFailure {
    fn new(org: Option<OrgId>, error: impl Into<ConnectionError>) -> Self {
        Self {
            org,
            error: error.into(),
        }
    }
}

fn quickbooks(ctx: &Context) -> Result<&Arc<QuickBooks>, ConnectionError> {
    ctx.providers
        .quickbooks
        .as_ref()
        .ok_or(ConnectionError::NotConfigured(Provider::QuickBooks))
}

/// Starts connecting `provider` for `who`'s organisation: a 256-bit state, stored only as its
/// hash and bound to the presented `session` (the hash of the session token), and the
/// provider's authorize URL carrying it.
///
/// # Errors
/// [`ConnectionError::RoleTooLow`] for non-admins, [`ConnectionError::SessionRequired`]
/// without a session, [`ConnectionError::NotConfigured`], a database failure.
pub async fn begin_connect(
    ctx: &Context,
    who: &OrgAccess,
    provider: Provider,
    session: Option<&[u8]>,
) -> Result<Started, ConnectionError> {
    if who.role != Role::Admin {
        return Err(ConnectionError::RoleTooLow);
    }
    let session = session.ok_or(ConnectionError::SessionRequired)?;
    let client = match provider {
        Provider::QuickBooks => quickbooks(ctx)?,
        Provider::Xero => return Err(ConnectionError::NotConfigured(Provider::Xero)),
    };
    let state = b64url(&random_bytes::<32>());
    let now = ctx.now();
    ctx.store
        .create_oauth_state(&NewOAuthState {
            state_hash: sha256(state.as_bytes()),
            session_hash: session.to_vec(),
            org: who.org,
            user: who.user,
            provider: provider.as_str().to_owned(),
            pkce_verifier: None,
            created_at: now,
            expires_at: now + STATE_LIFETIME,
        })
        .await?;
    Ok(Started {
        authorize_url: client.authorize_url(&state).to_string(),
    })
}

fn state_of(query: &str) -> Option<String> {
    form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "state")
        .map(|(_, v)| v.into_owned())
}

/// Finishes a connection from the provider's redirect: the state is taken (so it works once),
/// must belong to the presented `session` and to `provider`, and not have expired; a refusal
/// (`error=access_denied`) stores nothing; a code is exchanged, the connection saved with its
/// sealed tokens and its first sync queued in the same transaction, and the event audited.
///
/// # Errors
/// A [`CallbackFailure`] naming the organisation only once the state proved the caller's.
pub async fn finish_connect(
    ctx: &Context,
    provider: Provider,
    session: Option<&[u8]>,
    query: &str,
    ip: &str,
) -> Result<Connected, CallbackFailure> {
    let fail = |org, e| CallbackFailure::new(org, e);
    let state = state_of(query).ok_or_else(|| fail(None, ConnectionError::InvalidState))?;
    let taken = ctx
        .store
        .take_oauth_state(&sha256(state.as_bytes()), ctx.now())
        .await
        .map_err(|e| fail(None, e.into()))?
        .ok_or_else(|| fail(None, ConnectionError::InvalidState))?;
    let same_session = session.is_some_and(|s| ct_eq(s, &taken.session_hash));
    if !same_session || taken.provider != provider.as_str() {
        tracing::warn!(provider = %provider, "refused an OAuth callback of another session or provider");
        return Err(fail(None, ConnectionError::InvalidState));
    }
    let org = taken.org;
    let role = ctx
        .store
        .role_in(org, taken.user)
        .await
        .map_err(|e| fail(Some(org), e.into()))?;
    if role != Some(Role::Admin) {
        return Err(fail(None, ConnectionError::RoleTooLow));
    }
    let client = match provider {
        Provider::QuickBooks => quickbooks(ctx).map_err(|e| fail(Some(org), e))?,
        Provider::Xero => return Err(fail(Some(org), ConnectionError::NotConfigured(provider))),
    };
    let (code, realm_id) = match parse_callback(query, &state) {
        Ok(Callback::Approved { code, realm_id }) => (code, realm_id),
        Ok(Callback::Refused { .. }) => {
            return Err(fail(Some(org), ConnectionError::Denied(provider)));
        }
        Err(_) => return Err(fail(Some(org), ConnectionError::InvalidState)),
    };
    let tokens = client
        .exchange_code(&code)
        .await
        .map_err(|e| fail(Some(org), ConnectionError::Provider(provider, e)))?;
    let now = ctx.now();
    let connection = ctx
        .store
        .connect(
            org,
            &NewConnection {
                provider: provider.as_str().to_owned(),
                tenant_id: realm_id,
                tenant_name: None,
                access: tokens.access_token,
                refresh: tokens.refresh_token,
                access_expires_at: Some(tokens.access_expires_at),
                refresh_expires_at: Some(tokens.refresh_expires_at),
                connected_by: taken.user,
                at: now,
            },
            |id| vec![sync_job(org, id, now)],
        )
        .await
        .map_err(|e| fail(Some(org), e.into()))?;
    crate::audit::in_org(
        ctx,
        org,
        Some(taken.user),
        "connection.connect",
        format!("connection:{}", connection.id),
        ip,
        // The realm id is the provider's customer identifier: it stays out of what browsers read.
        serde_json::json!({ "provider": provider.as_str() }),
    )
    .await
    .map_err(|e| fail(Some(org), e.into()))?;
    tracing::info!(provider = %provider, connection = %connection.id, "connected");
    Ok(Connected { org, connection })
}
