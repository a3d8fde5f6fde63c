//! Telling the provider that a connection ends (on disconnect).
//!
//! - QuickBooks: revoking the refresh token ends the app's access to that company (APIS.md §1.1).
//! - Xero (§2.1): one login's tokens reach every organisation the login connected to the app,
//!   and revoking them "removes all the user's connections for the app" — organisations another
//!   FlowSense connection may be reading. So the connection of this organisation alone is
//!   removed (`DELETE /connections/{id}`), and the refresh token is revoked only when the grant
//!   then reaches nothing else. An expired access token is refreshed first (the rotated tokens
//!   are not kept: ours are deleted next).

use super::Provider;
use crate::Context;
use chrono::Duration;
use flowsense_core::ErrorChain;
use flowsense_integrations::xero::{Xero, XeroError};
use flowsense_storage::ConnectionTokens;
use secrecy::SecretString;
use uuid::Uuid;

/// Asks the provider to end the grant behind `tokens` (for `tenant_id`). True when it
/// confirmed; a failure is logged and answered false (our copy is deleted anyway).
pub(super) async fn revoke_at_provider(
    ctx: &Context,
    connection: Uuid,
    provider: Provider,
    tenant_id: &str,
    tokens: &ConnectionTokens,
) -> bool {
    let outcome = match (provider, &ctx.providers.quickbooks, &ctx.providers.xero) {
        (Provider::QuickBooks, Some(client), _) => client
            .revoke(&tokens.refresh)
            .await
            .map_err(|e| ErrorChain(&e).to_string()),
        (Provider::Xero, _, Some(client)) => end_xero_connection(ctx, client, tenant_id, tokens)
            .await
            .map_err(|e| ErrorChain(&e).to_string()),
        _ => {
            tracing::warn!(
                %connection,
                provider = %provider,
                "no client for this provider to revoke with; our copy is deleted anyway"
            );
            return false;
        }
    };
    match outcome {
        Ok(()) => true,
        Err(error) => {
            tracing::warn!(
                %connection,
                %error,
                "the provider did not confirm the revocation; our copy is deleted anyway"
            );
            false
        }
    }
}

async fn end_xero_connection(
    ctx: &Context,
    xero: &Xero,
    tenant_id: &str,
    tokens: &ConnectionTokens,
) -> Result<(), XeroError> {
    let fresh = tokens
        .expires_at
        .is_some_and(|e| e > ctx.now() + Duration::minutes(1));
    let (access, refresh): (SecretString, SecretString) = if fresh {
        (tokens.access.clone(), tokens.refresh.clone())
    } else {
        let t = xero.refresh(&tokens.refresh).await?;
        (t.access_token, t.refresh_token)
    };
    let links = xero.connections(&access).await?;
    let mut others = 0;
    for link in &links {
        if link.tenant_id == tenant_id {
            xero.disconnect_tenant(&access, &link.id).await?;
        } else {
            others += 1;
        }
    }
    if others == 0 {
        xero.revoke(&refresh).await?;
    }
    Ok(())
}

/// Asks the providers to end every grant `org` holds (before the organisation is deleted with
/// its key, which makes our copies unreadable anyway). Failures are logged and do not stop the
/// deletion. Returns how many grants the providers confirmed ended.
///
/// # Errors
/// A database failure reading the connections or their tokens.
pub async fn revoke_all_of_org(
    ctx: &Context,
    org: flowsense_core::OrgId,
) -> Result<usize, flowsense_storage::StorageError> {
    let mut confirmed = 0;
    for c in ctx.store.connections(org).await? {
        let Ok(provider) = c.provider.parse::<Provider>() else {
            continue;
        };
        if let Some(tokens) = ctx.store.connection_tokens(org, c.id).await?
            && revoke_at_provider(ctx, c.id, provider, &c.tenant_id, &tokens).await
        {
            confirmed += 1;
        }
    }
    Ok(confirmed)
}
