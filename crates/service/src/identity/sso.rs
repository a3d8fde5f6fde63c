//! Single sign-on through the instance's OpenID Connect provider (`FLOWSENSE_OIDC_*`).
//!
//! [`start`] sends the browser to the provider with a new `state` bound to a pre-login cookie of
//! that browser, a `nonce` and a PKCE challenge. The state is stored only as its SHA-256; the
//! nonce and the PKCE verifier are HMACs of the state under instance subkeys, so they are not
//! stored at all and only this instance can make them again. [`finish`] takes the state once
//! (a replayed or unknown state, or one started by another browser, is refused), exchanges the
//! code, validates the ID token (`flowsense_integrations::oidc`) and signs the person in:
//!
//! - a provider account linked before signs in to its FlowSense account;
//! - otherwise an account with the same e-mail address is linked — only when the provider says
//!   `email_verified: true`; otherwise the sign-in is refused and nothing is merged;
//! - otherwise a new account is made, with the provider's verified address and no password
//!   (password reset is then not offered to it);
//! - a verified address at a domain the instance allows (`FLOWSENSE_OIDC_JIT_DOMAINS`) and an
//!   organisation has claimed for itself joins that organisation as a viewer, never more.
//!
//! Each outcome is written to the audit log of the user's organisations.

use super::crypto::{b64url, hmac_sha256, random_bytes, sha256};
use super::limits::Bucket;
use super::session::{Issued, issue_session};
use super::{Client, IdentityError, UserView};
use crate::{Context, FieldError, audit};
use flowsense_core::{OrgId, Role, UserId};
pub use flowsense_integrations::oidc::OidcError;
use flowsense_integrations::oidc::{OidcClient, VerifiedIdentity};
use flowsense_storage::{
    NO_PASSWORD, NewSsoState, NewUser, OrgSsoPolicy, StorageError, User, constraint,
};
use serde_json::json;
use std::sync::Arc;

/// How long a sign-in may stay at the provider.
pub const STATE_LIFETIME: chrono::TimeDelta = chrono::TimeDelta::minutes(10);

/// The instance's single sign-on: the provider client and its policy.
#[derive(Debug)]
pub struct Sso {
    pub client: OidcClient,
    /// Shown on the sign-in button: "Sign in with {display_name}".
    pub display_name: String,
    /// E-mail domains (lower case) whose people may join an organisation that claimed the
    /// domain, as viewers, on their first sign-in.
    pub jit_domains: Vec<String>,
}

/// Why a single sign-on did not happen.
#[derive(Debug, thiserror::Error)]
pub enum SsoError {
    #[error("single sign-on is not configured on this instance")]
    NotConfigured,
    /// Missing, unknown, expired, already used, or started in another browser.
    #[error("this sign-in link has expired or was already used; start again")]
    InvalidState,
    /// The person cancelled, or the provider refused them.
    #[error("the identity provider did not sign you in")]
    Denied,
    /// The provider's e-mail address belongs to an account, and the provider does not say it
    /// has verified it: the accounts are not merged.
    #[error(
        "an account with this e-mail address exists, but your identity provider has not confirmed the address, so the accounts cannot be linked; sign in with your password"
    )]
    UnverifiedEmailTakeover,
    /// A new account needs an address the provider has verified.
    #[error("your identity provider has not confirmed your e-mail address")]
    UnverifiedEmail,
    #[error("sign-up is closed on this instance")]
    SignupClosed,
    /// The provider's answer failed validation (a forged, expired or misdirected ID token, a
    /// refused or replayed code).
    #[error(transparent)]
    Provider(#[from] OidcError),
    #[error(transparent)]
    Identity(#[from] IdentityError),
}

impl From<StorageError> for SsoError {
    fn from(e: StorageError) -> Self {
        SsoError::Identity(e.into())
    }
}

fn sso(ctx: &Context) -> Result<&Arc<Sso>, SsoError> {
    ctx.sso.as_ref().ok_or(SsoError::NotConfigured)
}

/// The nonce of a state: an HMAC under an instance subkey, never stored.
fn nonce_for(ctx: &Context, state: &str) -> String {
    b64url(&hmac_sha256(
        &ctx.key.subkey("sso-nonce"),
        &[state.as_bytes()],
    ))
}

/// The PKCE verifier of a state (43 characters of base64url, as RFC 7636 asks).
fn pkce_verifier_for(ctx: &Context, state: &str) -> String {
    b64url(&hmac_sha256(
        &ctx.key.subkey("sso-pkce"),
        &[state.as_bytes()],
    ))
}

/// A sign-in sent to the provider.
#[derive(Debug)]
pub struct Started {
    /// The provider's authorization URL.
    pub redirect: String,
    /// The pre-login cookie value the browser must present on its way back.
    pub browser: String,
}

/// Starts a sign-in: a new state bound to the browser's pre-login cookie (`browser`, or a new
/// one), stored for [`STATE_LIFETIME`]; `next` is where to go afterwards (already checked to be
/// a relative path by the caller).
///
/// # Errors
/// Not configured; too many attempts from the client; the provider's discovery failed.
#[tracing::instrument(skip_all)]
pub async fn start(
    ctx: &Context,
    browser: Option<&str>,
    next: &str,
    client: &Client,
) -> Result<Started, SsoError> {
    let sso = sso(ctx)?;
    ctx.limiters
        .take(Bucket::LoginIp, &client.ip)
        .await
        .map_err(IdentityError::from)?;
    let browser = browser
        .filter(|b| (32..=128).contains(&b.len()))
        .map_or_else(|| b64url(&random_bytes::<32>()), str::to_owned);
    let state = b64url(&random_bytes::<32>());
    let redirect = sso
        .client
        .authorize_url(
            &state,
            &nonce_for(ctx, &state),
            &pkce_verifier_for(ctx, &state),
        )
        .await?;
    let now = ctx.now();
    ctx.store
        .create_sso_state(&NewSsoState {
            state_hash: sha256(state.as_bytes()),
            browser_hash: sha256(browser.as_bytes()),
            next_path: next.to_owned(),
            created_at: now,
            expires_at: now + STATE_LIFETIME,
        })
        .await?;
    Ok(Started { redirect, browser })
}

/// A finished single sign-on: the new session, who, and where to go.
pub struct SignedInBySso {
    pub issued: Issued,
    pub user: UserView,
    pub next: String,
    /// The account was made by this sign-in.
    pub created: bool,
}

/// The provider's answer as the callback receives it.
#[derive(Debug, Default, serde::Deserialize)]
pub struct Callback {
    #[serde(default)]
    pub state: Option<String>,
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub error: Option<String>,
    /// The issuer of the answer (RFC 9207), when the provider names it.
    #[serde(default)]
    pub iss: Option<String>,
}

/// Finishes a sign-in: the state (once, from the same browser), the code exchanged, the ID
/// token validated, the account found, linked or made, just-in-time membership, and a new
/// session replacing any the browser presented.
///
/// # Errors
/// [`SsoError`]; each refusal is audited where there is an account to audit it for.
#[tracing::instrument(skip_all)]
pub async fn finish(
    ctx: &Context,
    browser: Option<&str>,
    callback: Callback,
    client: &Client,
) -> Result<SignedInBySso, SsoError> {
    let sso = sso(ctx)?;
    ctx.limiters
        .take(Bucket::LoginIp, &client.ip)
        .await
        .map_err(IdentityError::from)?;
    let now = ctx.now();
    let state = callback
        .state
        .filter(|s| !s.is_empty() && s.len() <= 128)
        .ok_or(SsoError::InvalidState)?;
    let taken = ctx
        .store
        .take_sso_state(&sha256(state.as_bytes()), now)
        .await?
        .ok_or(SsoError::InvalidState)?;
    let same_browser =
        browser.is_some_and(|b| super::crypto::ct_eq(&sha256(b.as_bytes()), &taken.browser_hash));
    if !same_browser {
        return Err(SsoError::InvalidState);
    }
    // An answer that names another issuer is another provider's (a mix-up attack, RFC 9207):
    // its code is never sent to ours.
    if callback
        .iss
        .as_deref()
        .is_some_and(|iss| iss != sso.client.issuer())
    {
        return Err(SsoError::Denied);
    }
    if callback.error.is_some() {
        return Err(SsoError::Denied);
    }
    let code = callback
        .code
        .filter(|c| !c.is_empty() && c.len() <= 2048)
        .ok_or(SsoError::Denied)?;
    let identity = sso
        .client
        .sign_in(
            &code,
            &pkce_verifier_for(ctx, &state),
            &nonce_for(ctx, &state),
            now,
        )
        .await?;
    let (user, created) = account_for(ctx, sso, &identity, client).await?;
    if user.disabled_at.is_some() {
        return Err(SsoError::Denied);
    }
    join_by_domain(ctx, sso, &user, &identity, client).await?;
    let issued = issue_session(
        ctx,
        user.id,
        client.presented_session.as_deref(),
        now,
        None,
        client,
    )
    .await?;
    audit::in_users_orgs(
        ctx,
        user.id,
        "auth.sign_in",
        &client.ip,
        json!({"method": "sso", "issuer": identity.issuer}),
    )
    .await?;
    Ok(SignedInBySso {
        issued,
        user: UserView::from(&user),
        next: taken.next_path,
        created,
    })
}

/// The account of a validated identity: linked before, linked now by a verified address, or
/// made now.
async fn account_for(
    ctx: &Context,
    sso: &Sso,
    identity: &VerifiedIdentity,
    client: &Client,
) -> Result<(User, bool), SsoError> {
    let now = ctx.now();
    if let Some(id) = ctx
        .store
        .user_of_identity(&identity.issuer, &identity.subject, now)
        .await?
    {
        return Ok((ctx.store.user(id).await?, false));
    }
    let email = identity
        .email
        .as_deref()
        .map(super::accounts::parse_email)
        .transpose()
        .map_err(|_| SsoError::UnverifiedEmail)?
        .ok_or(SsoError::UnverifiedEmail)?;
    if let Some(existing) = ctx.store.user_by_email(&email).await? {
        if !identity.email_verified {
            audit::in_users_orgs(
                ctx,
                existing.id,
                "auth.sso_link_refused",
                &client.ip,
                json!({"issuer": identity.issuer, "reason": "email_not_verified"}),
            )
            .await?;
            return Err(SsoError::UnverifiedEmailTakeover);
        }
        link(ctx, identity, existing.id).await?;
        if existing.email_verified_at.is_none() {
            ctx.store.mark_email_verified(existing.id, now).await?;
        }
        audit::in_users_orgs(
            ctx,
            existing.id,
            "auth.sso_linked",
            &client.ip,
            json!({"issuer": identity.issuer}),
        )
        .await?;
        return Ok((ctx.store.user(existing.id).await?, false));
    }
    if !identity.email_verified {
        return Err(SsoError::UnverifiedEmail);
    }
    if !ctx.signup.is_open() && !domain_allowed(sso, &email) {
        return Err(SsoError::SignupClosed);
    }
    let display_name = identity
        .name
        .as_deref()
        .and_then(|n| super::accounts::parse_name(n).ok())
        .or_else(|| {
            email
                .split('@')
                .next()
                .and_then(|l| super::accounts::parse_name(l).ok())
        })
        .ok_or_else(|| {
            SsoError::Identity(
                FieldError::new("display_name", "the provider sent no usable name").into(),
            )
        })?
        .into_string();
    let user = ctx
        .store
        .create_user(&NewUser {
            email,
            display_name,
            password_hash: NO_PASSWORD.to_owned(),
        })
        .await
        .map_err(|e| match e {
            StorageError::Conflict(c) if c == constraint::USER_EMAIL => {
                SsoError::Identity(IdentityError::EmailTaken)
            }
            other => other.into(),
        })?;
    ctx.store.mark_email_verified(user.id, now).await?;
    link(ctx, identity, user.id).await?;
    Ok((ctx.store.user(user.id).await?, true))
}

async fn link(ctx: &Context, identity: &VerifiedIdentity, user: UserId) -> Result<(), SsoError> {
    ctx.store
        .link_identity(&identity.issuer, &identity.subject, user, ctx.now())
        .await?;
    Ok(())
}

fn email_domain(email: &str) -> Option<&str> {
    email.rsplit_once('@').map(|(_, d)| d)
}

fn domain_allowed(sso: &Sso, email: &str) -> bool {
    email_domain(email).is_some_and(|d| sso.jit_domains.iter().any(|a| a == d))
}

/// Just-in-time membership: a verified address at an allowed domain that an organisation
/// claimed joins it as a viewer (an existing membership is left as it is).
async fn join_by_domain(
    ctx: &Context,
    sso: &Sso,
    user: &User,
    identity: &VerifiedIdentity,
    client: &Client,
) -> Result<(), SsoError> {
    if !identity.email_verified || !domain_allowed(sso, &user.email) {
        return Ok(());
    }
    let Some(domain) = email_domain(&user.email) else {
        return Ok(());
    };
    let Some(org) = ctx.store.org_for_sso_domain(domain).await? else {
        return Ok(());
    };
    if ctx.store.role_in(org, user.id).await?.is_some() {
        return Ok(());
    }
    ctx.store.set_membership(org, user.id, Role::Viewer).await?;
    audit::in_org(
        ctx,
        org,
        Some(user.id),
        "member.joined_by_sso",
        format!("user:{}", user.id),
        &client.ip,
        json!({"role": Role::Viewer.as_str(), "domain": domain}),
    )
    .await?;
    Ok(())
}

/// An organisation's single sign-on policy, as its admins set it.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PolicyInput {
    /// The e-mail domain whose people join as viewers; empty or absent for none.
    #[serde(default)]
    pub domain: Option<String>,
    #[serde(default)]
    pub required: bool,
}

/// Reads an organisation's policy.
///
/// # Errors
/// A database failure.
pub async fn policy(ctx: &Context, org: OrgId) -> Result<OrgSsoPolicy, IdentityError> {
    Ok(ctx.store.org_sso_policy(org).await?)
}

/// Replaces an organisation's policy. Requiring SSO needs SSO configured on the instance (or
/// nobody could sign in); the domain must be one the instance allows for just-in-time
/// membership and not claimed by another organisation.
///
/// # Errors
/// What is wrong, on the `domain` or `required` field; a database failure.
pub async fn set_policy(
    ctx: &Context,
    org: OrgId,
    actor: UserId,
    input: PolicyInput,
    client: &Client,
) -> Result<OrgSsoPolicy, IdentityError> {
    let configured = ctx.sso.as_ref();
    if input.required && configured.is_none() {
        return Err(FieldError::new(
            "required",
            "single sign-on is not configured on this instance",
        )
        .into());
    }
    let domain = input
        .domain
        .map(|d| d.trim().trim_start_matches('@').to_lowercase())
        .filter(|d| !d.is_empty());
    if let Some(d) = &domain
        && !configured.is_some_and(|s| s.jit_domains.iter().any(|a| a == d))
    {
        return Err(FieldError::new(
            "domain",
            "this domain is not one the instance allows for single sign-on membership",
        )
        .into());
    }
    let policy = OrgSsoPolicy {
        domain,
        required: input.required,
    };
    ctx.store
        .set_org_sso_policy(org, &policy)
        .await
        .map_err(|e| match e {
            StorageError::Conflict(_) => IdentityError::Invalid(FieldError::new(
                "domain",
                "another organisation has claimed this domain",
            )),
            other => other.into(),
        })?;
    audit::in_org(
        ctx,
        org,
        Some(actor),
        "org.sso_policy_changed",
        format!("org:{org}"),
        &client.ip,
        json!({"domain": policy.domain, "required": policy.required}),
    )
    .await?;
    Ok(policy)
}
