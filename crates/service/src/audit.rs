//! Recording security events. Details hold ids, names and counts — never a password, token,
//! secret, code or amount.

use crate::Context;
use flowsense_core::{OrgId, UserId};
use flowsense_storage::{ChainBreak, ChainReport, NewAuditEvent, StorageError, Store};
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
    log_event(actor, action, &target, ip, &details);
    record(ctx, org, actor, action, target, ip, details).await
}

/// The outcome an action's name states.
fn outcome(action: &str) -> &'static str {
    if action.contains("failed") || action.contains("denied") || action.contains("refused") {
        "failure"
    } else {
        "success"
    }
}

/// The event in the structured log (checklist H1): who, what, on what, from where, and how it
/// ended; the log line carries the time (UTC). Details hold no secret (see above).
fn log_event(actor: Option<UserId>, action: &str, object: &str, ip: &str, details: &Value) {
    tracing::info!(
        target: "flowsense::audit",
        action,
        actor = %actor.map_or_else(|| "none".to_owned(), |u| u.to_string()),
        object,
        ip,
        outcome = outcome(action),
        details = %details,
        "security event"
    );
}

async fn record(
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
    log_event(Some(user), action, &format!("user:{user}"), ip, &details);
    for org in ctx.store.orgs_of_user(user).await? {
        record(
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

/// Walks every organisation's audit hash chain (SECURITY-CHECKLIST H3) and logs each break as a
/// `flowsense::audit` security event (the organisation, the event's id and what is wrong; never
/// a field's value). Returns every organisation's report.
///
/// # Errors
/// A database failure.
pub async fn verify_chains(store: &Store) -> Result<Vec<ChainReport>, StorageError> {
    let reports = store.verify_audit_chains_across_orgs().await?;
    for report in &reports {
        if let Some(broken) = &report.broken {
            log_break(broken);
        }
    }
    Ok(reports)
}

/// The security event of a broken chain.
pub fn log_break(broken: &ChainBreak) {
    tracing::error!(
        target: "flowsense::audit",
        action = "audit.chain_broken",
        org = %broken.org,
        event_id = broken.event_id,
        kind = broken.kind.as_str(),
        detail = broken.detail,
        outcome = "failure",
        "security event: the audit log's hash chain does not verify"
    );
}
