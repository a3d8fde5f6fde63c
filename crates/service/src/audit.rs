//! Recording security events. Details hold ids, names and counts — never a password, token,
//! secret, code or amount.

use crate::Context;
use flowsense_core::{OrgId, UserId};
use flowsense_storage::{NewAuditEvent, StorageError};
use serde_json::Value;

/// Records an event in `org`'s audit log.
///
/// # Errors
/// A database failure.
pub async fn in_org(
    ctx: &Context,
    org: OrgId,
    actor: Option<UserId>,
    action: &str,
    target: String,
    ip: &str,
    details: Value,
) -> Result<(), StorageError> {
    ctx.store
        .record_audit(
            org,
            &NewAuditEvent {
                actor,
                action: action.to_owned(),
                target,
                ip: ip.to_owned(),
                details,
            },
        )
        .await?;
    Ok(())
}

/// Records an event about `user` in every organisation they belong to (sign-ins, MFA changes,
/// tokens: the user's security is each organisation's business).
///
/// # Errors
/// A database failure.
pub async fn in_users_orgs(
    ctx: &Context,
    user: UserId,
    action: &str,
    ip: &str,
    details: Value,
) -> Result<(), StorageError> {
    for org in ctx.store.orgs_of_user(user).await? {
        in_org(
            ctx,
            org.id,
            Some(user),
            action,
            format!("user:{user}"),
            ip,
            details.clone(),
        )
        .await?;
    }
    Ok(())
}
