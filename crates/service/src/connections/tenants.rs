//! Choosing which organisation a Xero login connects, when it reaches several: the callback
//! keeps the grant (tokens and the list of organisations, sealed with the organisation's key)
//! bound to the admin's session for as long as the OAuth state would have lasted; the admin
//! sees the organisations by name ([`pending_tenants`]) and picks one ([`choose_tenant`]),
//! which takes the grant once and saves the connection with its first sync queued. An
//! organisation already connected (and active) here is refused and the grant keeps waiting for
//! another choice; an abandoned grant expires and the hourly clean-up deletes it.

use super::oauth::{Connected, Grant, STATE_LIFETIME, save_connection, xero};
use super::{ConnectionError, Provider};
use crate::Context;
use crate::orgs::OrgAccess;
use chrono::{DateTime, Utc};
use flowsense_core::Role;
use flowsense_integrations::xero::{Connection as XeroTenant, Tokens};
use flowsense_storage::{
    GrantContents, NewPendingGrant, OAuthState, PendingGrant, PendingTenant, StorageError,
};
use std::collections::HashSet;
use uuid::Uuid;

/// How many organisations of one login are offered (a bound on the page and the sealed row).
pub const MAX_TENANTS_OFFERED: usize = 200;

/// One organisation offered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantOption {
    /// Its position in the list: what the choice sends back (never the provider's id).
    pub index: usize,
    pub name: String,
    /// Already connected (and active) in this FlowSense organisation.
    pub connected_here: bool,
}

/// The organisations a waiting grant reaches.
#[derive(Debug, Clone)]
pub struct TenantChoice {
    /// The waiting grant (bound to the session; the choice names it).
    pub grant: Uuid,
    pub provider: Provider,
    pub tenants: Vec<TenantOption>,
    pub expires_at: DateTime<Utc>,
}

fn require_admin(who: &OrgAccess) -> Result<(), ConnectionError> {
    if who.role == Role::Admin {
        Ok(())
    } else {
        Err(ConnectionError::RoleTooLow)
    }
}

/// Keeps a Xero grant that reaches several organisations for the admin who started it.
pub(super) async fn keep_for_choice(
    ctx: &Context,
    taken: &OAuthState,
    tokens: Tokens,
    tenants: Vec<XeroTenant>,
) -> Result<(), ConnectionError> {
    let now = ctx.now();
    let tenants = tenants
        .into_iter()
        .take(MAX_TENANTS_OFFERED)
        .map(|t| PendingTenant {
            name: t
                .tenant_name
                .clone()
                .filter(|n| !n.trim().is_empty())
                .unwrap_or_else(|| "Unnamed organisation".to_owned()),
            link_id: t.id,
            tenant_id: t.tenant_id,
        })
        .collect();
    ctx.store
        .create_pending_grant(&NewPendingGrant {
            id: Uuid::new_v4(),
            session_hash: taken.session_hash.clone(),
            org: taken.org,
            user: taken.user,
            provider: Provider::Xero.as_str().to_owned(),
            contents: GrantContents {
                access: tokens.access_token,
                refresh: tokens.refresh_token,
                access_expires_at: tokens.access_expires_at,
                refresh_expires_at: Some(tokens.refresh_expires_at),
                tenants,
            },
            created_at: now,
            expires_at: now + STATE_LIFETIME,
        })
        .await?;
    tracing::info!(org = %taken.org, "a Xero grant waits for the admin to choose an organisation");
    Ok(())
}

/// The active connections' tenant ids of `provider` in `who`'s organisation.
async fn connected_tenants(
    ctx: &Context,
    who: &OrgAccess,
    provider: Provider,
) -> Result<HashSet<String>, ConnectionError> {
    Ok(ctx
        .store
        .connections(who.org)
        .await?
        .into_iter()
        .filter(|c| c.provider == provider.as_str() && c.status == "active")
        .map(|c| c.tenant_id)
        .collect())
}

async fn waiting(
    ctx: &Context,
    who: &OrgAccess,
    provider: Provider,
    session: Option<&[u8]>,
) -> Result<PendingGrant, ConnectionError> {
    require_admin(who)?;
    if provider != Provider::Xero {
        return Err(ConnectionError::NotFound);
    }
    let session = session.ok_or(ConnectionError::SessionRequired)?;
    let grant = ctx
        .store
        .pending_grant(who.org, session, provider.as_str(), ctx.now())
        .await?
        .ok_or(ConnectionError::InvalidState)?;
    if grant.user != who.user {
        return Err(ConnectionError::InvalidState);
    }
    Ok(grant)
}

/// The organisations the grant waiting for this session reaches, by name.
///
/// # Errors
/// [`ConnectionError::RoleTooLow`] for non-admins; [`ConnectionError::InvalidState`] when no
/// grant of this session and admin waits (never started, chosen, expired);
/// [`ConnectionError::SessionRequired`]; a database failure.
pub async fn pending_tenants(
    ctx: &Context,
    who: &OrgAccess,
    provider: Provider,
    session: Option<&[u8]>,
) -> Result<TenantChoice, ConnectionError> {
    let grant = waiting(ctx, who, provider, session).await?;
    let here = connected_tenants(ctx, who, provider).await?;
    Ok(TenantChoice {
        grant: grant.id,
        provider,
        tenants: grant
            .contents
            .tenants
            .iter()
            .enumerate()
            .map(|(index, t)| TenantOption {
                index,
                name: t.name.clone(),
                connected_here: here.contains(&t.tenant_id),
            })
            .collect(),
        expires_at: grant.expires_at,
    })
}

/// Connects the organisation at `index` of the waiting grant `grant_id`: the grant is taken (so
/// it is used once) and saved as the connection, with its first sync queued, and audited.
///
/// # Errors
/// [`ConnectionError::AlreadyConnected`] (the grant keeps waiting) for an organisation already
/// connected here; [`ConnectionError::NotFound`] for an index outside the list;
/// [`ConnectionError::InvalidState`] for a grant not waiting for this session and admin;
/// [`ConnectionError::RoleTooLow`]; a database failure.
pub async fn choose_tenant(
    ctx: &Context,
    who: &OrgAccess,
    provider: Provider,
    session: Option<&[u8]>,
    grant_id: Uuid,
    index: usize,
    ip: &str,
) -> Result<Connected, ConnectionError> {
    let grant = waiting(ctx, who, provider, session).await?;
    if grant.id != grant_id {
        return Err(ConnectionError::InvalidState);
    }
    let chosen = grant
        .contents
        .tenants
        .get(index)
        .ok_or(ConnectionError::NotFound)?;
    if connected_tenants(ctx, who, provider)
        .await?
        .contains(&chosen.tenant_id)
    {
        return Err(ConnectionError::AlreadyConnected(chosen.name.clone()));
    }
    crate::billing::check_can_add_connection::<ConnectionError>(ctx, who.org).await?;
    let session = session.ok_or(ConnectionError::SessionRequired)?;
    let taken = match ctx
        .store
        .take_pending_grant(who.org, grant_id, session, ctx.now())
        .await
    {
        Ok(Some(t)) => t,
        Ok(None) | Err(StorageError::NotFound) => return Err(ConnectionError::InvalidState),
        Err(e) => return Err(e.into()),
    };
    // Xero must still be configured to sync what is saved.
    xero(ctx)?;
    let Some(tenant) = taken.contents.tenants.into_iter().nth(index) else {
        return Err(ConnectionError::InvalidState);
    };
    save_connection(
        ctx,
        who.org,
        who.user,
        Grant {
            provider,
            tenant_id: tenant.tenant_id,
            tenant_name: Some(tenant.name),
            access: taken.contents.access,
            refresh: taken.contents.refresh,
            access_expires_at: taken.contents.access_expires_at,
            refresh_expires_at: taken.contents.refresh_expires_at,
        },
        ip,
    )
    .await
}
