//! Recording security events. Details hold ids, names and counts — never a password, token,
//! secret or code.

use crate::{ApiError, AppState};
use flowsense_core::{OrgId, UserId};
use flowsense_storage::NewAuditEvent;
use serde_json::Value;

pub(crate) async fn in_org(
    state: &AppState,
    org: OrgId,
    actor: Option<UserId>,
    action: &str,
    target: String,
    ip: &str,
    details: Value,
) -> Result<(), ApiError> {
    state
        .store
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
pub(crate) async fn in_users_orgs(
    state: &AppState,
    user: UserId,
    action: &str,
    ip: &str,
    details: Value,
) -> Result<(), ApiError> {
    for org in state.store.orgs_of_user(user).await? {
        in_org(
            state,
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
