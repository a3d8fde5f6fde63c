//! The OAuth round trip: [`begin_connect`] sends an admin's browser to the provider with a fresh
//! `state` bound to their session (and, for Xero, a PKCE challenge whose verifier is kept sealed
//! with the state); [`finish_connect`] takes that state back exactly once, exchanges the code
//! and saves the connection with its first sync queued — or, when a Xero login reaches several
//! organisations, keeps the grant for the admin to choose one ([`super::tenants`]).

use super::errors::ProviderFailure;
use super::{ConnectionError, Provider};
use crate::Context;
use crate::identity::crypto::{b64url, random_bytes, sha256};
use crate::orgs::OrgAccess;
use crate::sync::sync_job;
use chrono::{DateTime, TimeDelta, Utc};
use flowsense_core::{ErrorChain, OrgId, Role, UserId};
use flowsense_integrations::oauth_callback::{
    self, CallbackGrant, CallbackQuery, CallbackRefusal, IssuedState,
};
use flowsense_integrations::quickbooks::{self, QuickBooks};
use flowsense_integrations::xero::{self, Pkce, Xero};
use flowsense_storage::{Connection, NewConnection, NewOAuthState, OAuthState};
use secrecy::SecretString;
use std::sync::Arc;

/// How long a user has to approve at the provider (and then to choose a Xero organisation).
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

/// What a callback that worked did.
#[derive(Debug, Clone)]
pub enum Finished {
    /// The connection is saved, its first sync queued.
    Connected(Box<Connected>),
    /// The Xero login reaches several organisations: the grant waits for the admin to choose
    /// one of `org`'s (see [`super::tenants`]).
    ChooseTenant { org: OrgId },
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

pub(super) fn xero(ctx: &Context) -> Result<&Arc<Xero>, ConnectionError> {
    ctx.providers
        .xero
        .as_ref()
        .ok_or(ConnectionError::NotConfigured(Provider::Xero))
}

pub(super) fn xero_failure(e: xero::XeroError) -> ConnectionError {
    ConnectionError::Provider(Provider::Xero, ProviderFailure::Xero(e))
}

/// Starts connecting `provider` for `who`'s organisation: a 256-bit state, stored only as its
/// hash and bound to the presented `session` (the hash of the session token), and the
/// provider's authorize URL carrying it. For Xero, a PKCE pair too: the verifier is stored
/// sealed with the state, the S256 challenge goes in the URL.
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
    crate::billing::check_can_add_connection::<ConnectionError>(ctx, who.org).await?;
    let state = b64url(&random_bytes::<32>());
    let (authorize_url, pkce_verifier) = match provider {
        Provider::QuickBooks => (quickbooks(ctx)?.authorize_url(&state).to_string(), None),
        Provider::Xero => {
            let client = xero(ctx)?;
            let pkce = Pkce::generate().map_err(xero_failure)?;
            let url = client.authorize_url(&state, &pkce.challenge).to_string();
            (url, Some(pkce.verifier))
        }
    };
    let now = ctx.now();
    ctx.store
        .create_oauth_state(&NewOAuthState {
            state_hash: sha256(state.as_bytes()),
            session_hash: session.to_vec(),
            org: who.org,
            user: who.user,
            provider: provider.as_str().to_owned(),
            pkce_verifier,
            created_at: now,
            expires_at: now + STATE_LIFETIME,
        })
        .await?;
    Ok(Started { authorize_url })
}

/// Finishes a connection from the provider's redirect: the state is taken (so it works once),
/// must belong to the presented `session` and to `provider`, and not have expired; a refusal
/// (`error=access_denied`) stores nothing; a code is exchanged (with the PKCE verifier kept for
/// it, for Xero), the connection saved with its sealed tokens and its first sync queued in the
/// same transaction, and the event audited. A Xero login that reaches several organisations
/// leaves its grant waiting for the admin's choice instead ([`Finished::ChooseTenant`]).
/// The query's reading and the state's check are the pure
/// [`flowsense_integrations::oauth_callback`] (fuzzed).
///
/// # Errors
/// A [`CallbackFailure`] naming the organisation only once the state proved the caller's.
pub async fn finish_connect(
    ctx: &Context,
    provider: Provider,
    session: Option<&[u8]>,
    query: &str,
    ip: &str,
) -> Result<Finished, CallbackFailure> {
    let fail = |org, e| CallbackFailure::new(org, e);
    let query =
        CallbackQuery::parse(query).map_err(|_| fail(None, ConnectionError::InvalidState))?;
    let hash = oauth_callback::state_hash(&query)
        .ok_or_else(|| fail(None, ConnectionError::InvalidState))?;
    let taken = ctx
        .store
        .take_oauth_state(&hash, ctx.now())
        .await
        .map_err(|e| fail(None, e.into()))?
        .ok_or_else(|| fail(None, ConnectionError::InvalidState))?;
    let issued = IssuedState {
        // The record was found by this hash: it is the issued state's.
        state_hash: &hash,
        session_hash: &taken.session_hash,
        provider: &taken.provider,
    };
    let verified = oauth_callback::verify_callback(provider.as_str(), &query, session, &issued);
    if verified == Err(CallbackRefusal::NotIssued) {
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
    let finished = match verified {
        Ok(CallbackGrant::QuickBooks { code, realm_id }) => {
            finish_quickbooks(ctx, &taken, &code, realm_id, ip)
                .await
                .map(|c| Finished::Connected(Box::new(c)))
        }
        Ok(CallbackGrant::Xero { code }) => finish_xero(ctx, taken, &code, ip).await,
        Err(CallbackRefusal::Denied(_)) => Err(ConnectionError::Denied(provider)),
        Err(_) => Err(ConnectionError::InvalidState),
    };
    finished.map_err(|e| fail(Some(org), e))
}

async fn finish_quickbooks(
    ctx: &Context,
    taken: &OAuthState,
    code: &str,
    realm_id: String,
    ip: &str,
) -> Result<Connected, ConnectionError> {
    let provider = Provider::QuickBooks;
    let client = quickbooks(ctx)?;
    let tokens = client
        .exchange_code(code)
        .await
        .map_err(|e| ConnectionError::Provider(provider, ProviderFailure::QuickBooks(e)))?;
    let tenant_name = quickbooks_company_name(ctx, client, taken.org, &realm_id, &tokens).await;
    save_connection(
        ctx,
        taken.org,
        taken.user,
        Grant {
            provider,
            tenant_id: realm_id,
            tenant_name,
            access: tokens.access_token,
            refresh: tokens.refresh_token,
            access_expires_at: tokens.access_expires_at,
            refresh_expires_at: Some(tokens.refresh_expires_at),
        },
        ip,
    )
    .await
}

async fn quickbooks_company_name(
    ctx: &Context,
    client: &QuickBooks,
    org: OrgId,
    realm_id: &str,
    tokens: &quickbooks::Tokens,
) -> Option<String> {
    let home = match ctx.store.org(org).await {
        Ok(o) => o.settings.base_currency,
        Err(e) => {
            tracing::warn!(error = %ErrorChain(&e), "the organisation could not be read for the company name");
            return None;
        }
    };
    match client
        .company(realm_id, &tokens.access_token, home)
        .company_name()
        .await
    {
        Ok(name) => Some(name),
        Err(e) => {
            tracing::warn!(error = %ErrorChain(&e), "QuickBooks did not give the company name");
            None
        }
    }
}

async fn finish_xero(
    ctx: &Context,
    taken: OAuthState,
    code: &str,
    ip: &str,
) -> Result<Finished, ConnectionError> {
    let provider = Provider::Xero;
    let client = xero(ctx)?;
    let verifier = taken
        .pkce_verifier
        .as_ref()
        .ok_or(ConnectionError::InvalidState)?;
    let tokens = client
        .exchange_code(code, verifier)
        .await
        .map_err(xero_failure)?;
    let mut tenants: Vec<xero::Connection> = client
        .connections(&tokens.access_token)
        .await
        .map_err(xero_failure)?
        .into_iter()
        .filter(|c| c.tenant_type == "ORGANISATION")
        .collect();
    match tenants.len() {
        0 => Err(ConnectionError::NoTenants(provider)),
        1 => {
            let tenant = tenants.remove(0);
            let connected = save_connection(
                ctx,
                taken.org,
                taken.user,
                Grant {
                    provider,
                    tenant_id: tenant.tenant_id,
                    tenant_name: tenant.tenant_name,
                    access: tokens.access_token,
                    refresh: tokens.refresh_token,
                    access_expires_at: tokens.access_expires_at,
                    refresh_expires_at: Some(tokens.refresh_expires_at),
                },
                ip,
            )
            .await?;
            Ok(Finished::Connected(Box::new(connected)))
        }
        _ => {
            super::tenants::keep_for_choice(ctx, &taken, tokens, tenants).await?;
            Ok(Finished::ChooseTenant { org: taken.org })
        }
    }
}

/// A grant to save as a connection.
pub(super) struct Grant {
    pub provider: Provider,
    pub tenant_id: String,
    pub tenant_name: Option<String>,
    pub access: SecretString,
    pub refresh: SecretString,
    pub access_expires_at: DateTime<Utc>,
    pub refresh_expires_at: Option<DateTime<Utc>>,
}

/// Saves `grant` as `org`'s connection (a new one, or the same tenant's reactivated) with its
/// first sync queued in the same transaction, and audits it.
pub(super) async fn save_connection(
    ctx: &Context,
    org: OrgId,
    user: UserId,
    grant: Grant,
    ip: &str,
) -> Result<Connected, ConnectionError> {
    let provider = grant.provider;
    let now = ctx.now();
    let connection = ctx
        .store
        .connect(
            org,
            &NewConnection {
                provider: provider.as_str().to_owned(),
                tenant_id: grant.tenant_id,
                tenant_name: grant.tenant_name,
                access: grant.access,
                refresh: grant.refresh,
                access_expires_at: Some(grant.access_expires_at),
                refresh_expires_at: grant.refresh_expires_at,
                connected_by: user,
                at: now,
            },
            |id| vec![sync_job(org, id, now)],
        )
        .await?;
    crate::audit::in_org(
        ctx,
        org,
        Some(user),
        "connection.connect",
        format!("connection:{}", connection.id),
        ip,
        // The tenant id is the provider's customer identifier: it stays out of what browsers read.
        serde_json::json!({ "provider": provider.as_str() }),
    )
    .await?;
    tracing::info!(provider = %provider, connection = %connection.id, "connected");
    Ok(Connected { org, connection })
}
