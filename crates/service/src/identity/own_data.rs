//! A person's own data (SPEC §6): everything held about them as one JSON document, and the
//! deletion of their account.

use super::notifications::{self, OrgNotifications};
use super::{AuthMethod, Caller, Client, IdentityError};
use crate::{Context, audit};
use chrono::{DateTime, Utc};
use flowsense_core::{OrgId, Role, UserId};
use flowsense_storage::{ApiToken, StorageError, UserOrg};
use serde::Serialize;
use serde_json::{Value, json};
use uuid::Uuid;

/// Names the document's shape; bump the version when a field changes meaning.
pub const EXPORT_FORMAT: &str = "flowsense.user-export";
pub const EXPORT_VERSION: u32 = 1;

/// Everything FlowSense holds about one person. Secrets are left out by construction: no
/// password hash, session or token hash, TOTP secret or recovery code has a field here.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Export {
    /// Where this document's JSON Schema is served.
    #[serde(rename = "$schema")]
    pub schema: String,
    pub format: &'static str,
    pub version: u32,
    pub exported_at: DateTime<Utc>,
    pub profile: Profile,
    pub memberships: Vec<MembershipExport>,
    pub sessions: Vec<SessionExport>,
    pub api_tokens: Vec<ApiToken>,
    pub mfa: MfaExport,
    /// The passkeys registered to the account (never their keys).
    pub passkeys: Vec<PasskeyExport>,
    /// The identity-provider accounts linked for single sign-on.
    pub sign_in_identities: Vec<flowsense_storage::LinkedIdentity>,
    pub notification_preferences: Vec<OrgNotifications>,
    pub assistant_conversations: Vec<ConversationExport>,
    /// Events in the audit logs of the person's organisations that they did or that were done
    /// to them. The IP address is theirs only on their own actions; others' are left out.
    pub audit_events: Vec<AuditExport>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Profile {
    pub id: UserId,
    pub email: String,
    pub display_name: String,
    pub email_verified_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    /// Failed sign-ins since the last successful one, and any backoff they caused.
    pub failed_sign_ins: i64,
    pub locked_until: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MembershipExport {
    pub org_id: OrgId,
    pub org_slug: String,
    pub org_name: String,
    pub role: Role,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SessionExport {
    pub id: Uuid,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub authenticated_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub user_agent: String,
    pub ip: String,
    pub live: bool,
    pub current: bool,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PasskeyExport {
    pub id: uuid::Uuid,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    /// Whether the authenticator may sync it elsewhere, and has.
    pub backup_eligible: bool,
    pub backed_up: bool,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MfaExport {
    pub enabled: bool,
    pub recovery_codes_left: i64,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ConversationExport {
    pub org_id: OrgId,
    pub id: Uuid,
    pub title: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub messages: Vec<MessageExport>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MessageExport {
    pub author: &'static str,
    pub content: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AuditExport {
    pub org_id: OrgId,
    pub at: DateTime<Utc>,
    pub action: String,
    pub target: String,
    pub by_you: bool,
    pub ip: Option<String>,
    pub details: Value,
}

/// The export of the signed-in user, recorded in each of their organisations' audit logs.
#[tracing::instrument(skip_all, fields(user = %current.id()))]
pub async fn export(
    ctx: &Context,
    current: &Caller,
    client: &Client,
) -> Result<Export, IdentityError> {
    let store = &ctx.store;
    let id = current.id();
    let user = store.user(id).await?;
    let now = ctx.now();
    let orgs = store.orgs_of_user(id).await?;
    let policy = ctx.session_policy;
    let this_session = match &current.via {
        AuthMethod::Session { public_id, .. } => Some(*public_id),
        AuthMethod::Token { .. } | AuthMethod::Local => None,
    };
    let sessions = store
        .sessions_of_user(id)
        .await?
        .into_iter()
        .map(|s| SessionExport {
            id: s.public_id,
            created_at: s.created_at,
            last_seen_at: s.last_seen_at,
            authenticated_at: s.authenticated_at,
            expires_at: s
                .absolute_expires_at
                .min(s.last_seen_at + policy.idle_timeout),
            live: policy.is_live(&s, now),
            current: Some(s.public_id) == this_session,
            user_agent: s.user_agent,
            ip: s.ip,
        })
        .collect();
    let mut conversations = Vec::new();
    let mut events = Vec::new();
    for org in &orgs {
        for c in store.conversations_of_user(org.id, id).await? {
            let messages = store
                .conversation_messages(org.id, c.id)
                .await?
                .into_iter()
                .map(|m| MessageExport {
                    author: m.author.as_str(),
                    content: m.content,
                    created_at: m.created_at,
                })
                .collect();
            conversations.push(ConversationExport {
                org_id: org.id,
                id: c.id,
                title: c.title,
                created_at: c.created_at,
                updated_at: c.updated_at,
                messages,
            });
        }
        for e in store.audit_events_about_user(org.id, id).await? {
            let by_you = e.actor == Some(id);
            events.push(AuditExport {
                org_id: org.id,
                at: e.created_at,
                action: e.action,
                target: e.target,
                by_you,
                ip: by_you.then_some(e.ip),
                details: e.details,
            });
        }
    }
    let export = Export {
        schema: format!(
            "{}{}",
            ctx.public_url,
            crate::export_schema::USER_EXPORT_SCHEMA_PATH
        ),
        format: EXPORT_FORMAT,
        version: EXPORT_VERSION,
        exported_at: now,
        profile: Profile {
            id,
            email: user.email.clone(),
            display_name: user.display_name.clone(),
            email_verified_at: user.email_verified_at,
            created_at: user.created_at,
            failed_sign_ins: user.failed_logins,
            locked_until: user.locked_until,
        },
        memberships: orgs
            .iter()
            .map(|o| MembershipExport {
                org_id: o.id,
                org_slug: o.slug.clone(),
                org_name: o.name.clone(),
                role: o.role,
            })
            .collect(),
        sessions,
        api_tokens: store.api_tokens_of(id).await?,
        mfa: MfaExport {
            enabled: user.mfa_enabled,
            recovery_codes_left: store.recovery_codes_left(id).await?,
        },
        passkeys: store
            .passkeys_of_user(id)
            .await?
            .into_iter()
            .map(|p| PasskeyExport {
                id: p.id,
                name: p.name,
                created_at: p.created_at,
                last_used_at: p.last_used_at,
                backup_eligible: p.backup_eligible,
                backed_up: p.backup_state,
            })
            .collect(),
        sign_in_identities: store.identities_of_user(id).await?,
        notification_preferences: notifications::list(ctx, current).await?,
        assistant_conversations: conversations,
        audit_events: events,
    };
    audit::in_users_orgs(ctx, id, "account.exported", &client.ip, json!({})).await?;
    Ok(export)
}

/// The organisations that stop the user from deleting their account: they are the only admin
/// and others are members, so someone else must be made admin first.
#[tracing::instrument(skip_all, fields(user = %user))]
pub async fn deletion_blockers(ctx: &Context, user: UserId) -> Result<Vec<UserOrg>, IdentityError> {
    let blocking = ctx.store.account_footprint(user).await?.sole_admin_of;
    Ok(ctx
        .store
        .orgs_of_user(user)
        .await?
        .into_iter()
        .filter(|o| blocking.contains(&o.id))
        .collect())
}

/// Deletes the signed-in user's account (the handler demands recent authentication): the
/// organisations where they are the only member go first, with their keys; then the user and
/// every row that is theirs. Refused with 409 while they are the only admin of an organisation
/// that has other members. The organisations they leave record it in their audit logs.
#[tracing::instrument(skip_all, fields(user = %current.id()))]
pub async fn delete_account(
    ctx: &Context,
    current: &Caller,
    client: &Client,
) -> Result<(), IdentityError> {
    let id = current.id();
    let footprint = ctx.store.account_footprint(id).await?;
    if !footprint.sole_admin_of.is_empty() {
        return Err(IdentityError::SoleAdmin);
    }
    for org in &footprint.sole_member_of {
        crate::connections::revoke_all_of_org(ctx, *org).await?;
        match crate::billing::delete_org_and_its_customer(ctx, *org).await {
            Ok(()) | Err(StorageError::NotFound) => {}
            Err(e) => return Err(e.into()),
        }
    }
    ctx.store
        .delete_user_keeping_admins(id)
        .await
        .map_err(|e| match e {
            StorageError::Conflict(_) => IdentityError::SoleAdmin,
            other => other.into(),
        })?;
    for org in &footprint.member_of {
        audit::in_org(
            ctx,
            *org,
            Some(id),
            "account.deleted",
            format!("user:{id}"),
            &client.ip,
            json!({}),
        )
        .await?;
    }
    tracing::info!(
        user = %id,
        organisations_deleted = footprint.sole_member_of.len(),
        organisations_left = footprint.member_of.len(),
        "account deleted"
    );
    Ok(())
}

/// What the profile page shows of the account as stored now.
pub struct ProfileFacts {
    pub user: flowsense_storage::User,
    pub recovery_codes_left: i64,
}

/// The account as stored now, and its unused recovery codes.
///
/// # Errors
/// A database failure.
#[tracing::instrument(skip_all, fields(user = %current.id()))]
pub async fn profile(ctx: &Context, current: &Caller) -> Result<ProfileFacts, IdentityError> {
    let user = ctx.store.user(current.id()).await?;
    let recovery_codes_left = ctx.store.recovery_codes_left(user.id).await?;
    Ok(ProfileFacts {
        user,
        recovery_codes_left,
    })
}
