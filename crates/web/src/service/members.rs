//! Membership: listing, invitations, role changes, removal and ownership transfer. Every change
//! keeps at least one admin (409 otherwise).

use super::{audit, page_link, send_mail};
use crate::auth::crypto::{b64url, random_bytes, sha256};
use crate::auth::{Admin, ClientInfo, CurrentUser, OrgAccess};
use crate::mail::Email;
use crate::{ApiError, AppState, ErrorCode};
use chrono::TimeDelta;
use flowsense_core::{OrgId, Role, UserId};
use flowsense_storage::{Invitation, MemberDetail, NewInvitation, StorageError};
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

pub const INVITATION_DAYS: i64 = 7;

fn membership_error(e: StorageError) -> ApiError {
    match e {
        StorageError::Conflict(_) => ApiError::Conflict(ErrorCode::LastAdmin),
        other => other.into(),
    }
}

fn target(raw: &str) -> Result<UserId, ApiError> {
    raw.parse().map_err(|_| ApiError::NotFound)
}

pub async fn list(state: &AppState, who: &OrgAccess) -> Result<Vec<MemberDetail>, ApiError> {
    Ok(state.store.member_details(who.org).await?)
}

#[derive(Debug, Deserialize)]
pub struct InviteInput {
    pub email: String,
    pub role: Role,
}

/// Invites an address with a role. The token (mailed, never stored in clear) starts with the
/// organisation's id so acceptance can look it up inside that tenant. An organisation sends at
/// most `invitations_per_org_per_day` in any 24 hours (counted from the audit log, so revoking
/// and re-sending counts too): the product must not be a mail relay.
pub async fn invite(
    state: &AppState,
    who: &Admin,
    input: InviteInput,
    client: &ClientInfo,
) -> Result<Invitation, ApiError> {
    let email = super::accounts::parse_email(&input.email)?;
    let now = state.now();
    let sent_today = state
        .store
        .count_audit_actions_since(who.org, "invitation.created", now - TimeDelta::days(1))
        .await?;
    if sent_today >= state.settings.limits.invitations_per_org_per_day {
        return Err(ApiError::TooManyRequests {
            retry_after_secs: 3600,
        });
    }
    let mut raw = who.org.0.as_bytes().to_vec();
    raw.extend_from_slice(&random_bytes::<32>());
    let token = b64url(&raw);
    let inv = state
        .store
        .create_invitation(
            who.org,
            &NewInvitation {
                id: Uuid::new_v4(),
                email: email.clone(),
                role: input.role,
                token_hash: sha256(token.as_bytes()),
                invited_by: who.user,
                created_at: now,
                expires_at: now + TimeDelta::days(INVITATION_DAYS),
            },
        )
        .await?;
    let org = state.store.org(who.org).await?;
    send_mail(state, Email {
        to: email,
        subject: format!("You are invited to {} on FlowSense", org.name),
        body: format!(
            "{} invited you to join {} as {}.\nAccept within {INVITATION_DAYS} days, signed in with this address:\n{}\n",
            who.current.user.display_name,
            org.name,
            input.role,
            page_link(state, "/invitations/accept", &token)
        ),
    })
    .await?;
    audit::in_org(
        state,
        who.org,
        Some(who.user),
        "invitation.created",
        format!("invitation:{}", inv.id),
        &client.ip,
        json!({"role": input.role}),
    )
    .await?;
    Ok(inv)
}

#[derive(Debug, Serialize)]
pub struct Accepted {
    pub org_id: OrgId,
    pub role: Role,
}

/// Accepts an invitation for the signed-in user, whose verified address must be the invited one.
pub async fn accept(
    state: &AppState,
    current: &CurrentUser,
    token: &str,
    client: &ClientInfo,
) -> Result<Accepted, ApiError> {
    let inv = super::invitations::find(state, token).await?;
    let org = inv.org_id;
    let now = state.now();
    if let Some(refused) = super::invitations::refusal(&inv, current, now) {
        return Err(refused);
    }
    let role = state
        .store
        .accept_invitation(org, inv.id, current.id(), now)
        .await
        .map_err(|e| match e {
            StorageError::Conflict(_) => ApiError::Conflict(ErrorCode::InvitationUsed),
            other => other.into(),
        })?;
    audit::in_org(
        state,
        org,
        Some(current.id()),
        "invitation.accepted",
        format!("invitation:{}", inv.id),
        &client.ip,
        json!({"role": role}),
    )
    .await?;
    Ok(Accepted { org_id: org, role })
}

#[derive(Debug, Deserialize)]
pub struct RoleInput {
    pub role: Role,
}

/// Changes a member's role (admins, with recent authentication).
pub async fn change_role(
    state: &AppState,
    who: &Admin,
    user: &str,
    role: Role,
    client: &ClientInfo,
) -> Result<MemberDetail, ApiError> {
    let user = target(user)?;
    state
        .store
        .change_role_keeping_an_admin(who.org, user, role)
        .await
        .map_err(membership_error)?;
    audit::in_org(
        state,
        who.org,
        Some(who.user),
        "member.role_changed",
        format!("user:{user}"),
        &client.ip,
        json!({"role": role}),
    )
    .await?;
    state
        .store
        .member_details(who.org)
        .await?
        .into_iter()
        .find(|m| m.user_id == user)
        .ok_or(ApiError::NotFound)
}

/// Removes a member (admins, with recent authentication).
pub async fn remove(
    state: &AppState,
    who: &Admin,
    user: &str,
    client: &ClientInfo,
) -> Result<(), ApiError> {
    let user = target(user)?;
    state
        .store
        .remove_member_keeping_an_admin(who.org, user)
        .await
        .map_err(membership_error)?;
    audit::in_org(
        state,
        who.org,
        Some(who.user),
        "member.removed",
        format!("user:{user}"),
        &client.ip,
        json!({}),
    )
    .await
}

#[derive(Debug, Deserialize)]
pub struct TransferInput {
    pub user: String,
    #[serde(default)]
    pub demote_self_to: Option<Role>,
}

/// Makes another member an admin and, optionally, steps the caller down.
pub async fn transfer_ownership(
    state: &AppState,
    who: &Admin,
    input: TransferInput,
    client: &ClientInfo,
) -> Result<(), ApiError> {
    let user = target(&input.user)?;
    state
        .store
        .change_role_keeping_an_admin(who.org, user, Role::Admin)
        .await
        .map_err(membership_error)?;
    if let Some(role) = input.demote_self_to.filter(|r| *r != Role::Admin) {
        state
            .store
            .change_role_keeping_an_admin(who.org, who.user, role)
            .await
            .map_err(membership_error)?;
    }
    audit::in_org(
        state,
        who.org,
        Some(who.user),
        "org.ownership_transferred",
        format!("user:{user}"),
        &client.ip,
        json!({"demoted_self_to": input.demote_self_to}),
    )
    .await
}

/// Invitations not yet accepted, newest first (expired ones too, so they can be cleared).
pub async fn open_invitations(state: &AppState, who: &Admin) -> Result<Vec<Invitation>, ApiError> {
    Ok(state.store.open_invitations(who.org).await?)
}

/// Revokes an invitation that has not been accepted: its link stops working.
pub async fn revoke_invitation(
    state: &AppState,
    who: &Admin,
    id: &str,
    client: &ClientInfo,
) -> Result<(), ApiError> {
    let id: Uuid = id.parse().map_err(|_| ApiError::NotFound)?;
    let inv = state.store.revoke_invitation(who.org, id).await?;
    audit::in_org(
        state,
        who.org,
        Some(who.user),
        "invitation.revoked",
        format!("invitation:{}", inv.id),
        &client.ip,
        json!({"role": inv.role}),
    )
    .await
}
