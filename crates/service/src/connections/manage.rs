//! An organisation's connections: seeing them (every role; the refresh-token expiry only for
//! admins), disconnecting one and starting a sync (admins).

use super::{ConnectionError, Provider};
use crate::Context;
use crate::orgs::OrgAccess;
use crate::sync::sync_job;
use flowsense_core::Role;
use flowsense_storage::{Connection, Enqueued};
use uuid::Uuid;

fn as_seen_by(who: &OrgAccess, mut c: Connection) -> Connection {
    if who.role != Role::Admin {
        c.refresh_expires_at = None;
    }
    c
}

fn require_admin(who: &OrgAccess) -> Result<(), ConnectionError> {
    if who.role == Role::Admin {
        Ok(())
    } else {
        Err(ConnectionError::RoleTooLow)
    }
}

/// `who`'s organisation's connections, oldest first.
///
/// # Errors
/// A database failure.
pub async fn list(ctx: &Context, who: &OrgAccess) -> Result<Vec<Connection>, ConnectionError> {
    Ok(ctx
        .store
        .connections(who.org)
        .await?
        .into_iter()
        .map(|c| as_seen_by(who, c))
        .collect())
}

/// One of `who`'s organisation's connections.
///
/// # Errors
/// [`ConnectionError::NotFound`] for an id of no connection of this organisation.
pub async fn one(ctx: &Context, who: &OrgAccess, id: Uuid) -> Result<Connection, ConnectionError> {
    Ok(as_seen_by(who, ctx.store.connection(who.org, id).await?))
}

/// Disconnects: the provider is asked to revoke the grant ([`super::revoke`]; a failure there
/// is logged and does not keep our copy), the tokens are deleted, the connection marked `disconnected`, the event
/// audited.
///
/// # Errors
/// [`ConnectionError::RoleTooLow`], [`ConnectionError::NotFound`], a database failure.
pub async fn disconnect(
    ctx: &Context,
    who: &OrgAccess,
    id: Uuid,
    ip: &str,
) -> Result<Connection, ConnectionError> {
    require_admin(who)?;
    let connection = ctx.store.connection(who.org, id).await?;
    let provider: Provider = connection.provider.parse()?;
    let tokens = ctx.store.connection_tokens(who.org, id).await?;
    let revoked = match tokens {
        Some(tokens) => {
            super::revoke::revoke_at_provider(ctx, id, provider, &connection.tenant_id, &tokens)
                .await
        }
        None => false,
    };
    ctx.store.disconnect(who.org, id).await?;
    crate::audit::in_org(
        ctx,
        who.org,
        Some(who.user),
        "connection.disconnect",
        format!("connection:{id}"),
        ip,
        serde_json::json!({ "provider": provider.as_str(), "revoked_at_provider": revoked }),
    )
    .await?;
    Ok(as_seen_by(who, ctx.store.connection(who.org, id).await?))
}

/// Queues a sync of an active connection now (presses within one minute make one sync).
///
/// # Errors
/// [`ConnectionError::RoleTooLow`], [`ConnectionError::NotFound`],
/// [`ConnectionError::NotActive`], a database failure.
pub async fn sync_now(
    ctx: &Context,
    who: &OrgAccess,
    id: Uuid,
) -> Result<Enqueued, ConnectionError> {
    require_admin(who)?;
    let connection = ctx.store.connection(who.org, id).await?;
    if connection.status != "active" {
        return Err(ConnectionError::NotActive);
    }
    let now = ctx.now();
    Ok(ctx
        .store
        .enqueue_job(&sync_job(who.org, id, now), now)
        .await?)
}
