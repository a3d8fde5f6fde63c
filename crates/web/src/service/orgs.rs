//! Organisations: creation, settings, the audit log, and "who am I".

use super::{UserView, audit};
use crate::auth::{Admin, AuthMethod, ClientInfo, CurrentUser, Viewer};
use crate::{ApiError, AppState};
use flowsense_core::{Currency, Role};
use flowsense_storage::{AuditEvent, NewOrg, OrgSettings, Organisation, StorageError, UserOrg};
use serde::{Deserialize, Serialize};
use serde_json::json;

#[derive(Debug, Serialize)]
pub struct Me {
    pub user: UserView,
    pub organisations: Vec<UserOrg>,
    /// Present for cookie sessions: send it as `X-CSRF-Token` on state-changing calls.
    pub csrf_token: Option<String>,
}

/// The signed-in user, their organisations and roles, and the session's CSRF token.
pub async fn me(state: &AppState, current: &CurrentUser) -> Result<Me, ApiError> {
    Ok(Me {
        user: UserView::from(&current.user),
        organisations: state.store.orgs_of_user(current.id()).await?,
        csrf_token: match &current.via {
            AuthMethod::Session { csrf_token, .. } => Some(csrf_token.clone()),
            AuthMethod::Token { .. } => None,
        },
    })
}

#[derive(Debug, Deserialize)]
pub struct NewOrgInput {
    pub name: String,
    pub slug: String,
    pub base_currency: String,
}

/// Creates an organisation whose first admin is its creator.
pub async fn create(
    state: &AppState,
    current: &CurrentUser,
    input: NewOrgInput,
    client: &ClientInfo,
) -> Result<Organisation, ApiError> {
    let name = input.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(ApiError::Unprocessable(
            "name the organisation in 1 to 100 characters".into(),
        ));
    }
    let slug = input.slug.trim().to_owned();
    if !(3..=40).contains(&slug.len())
        || !slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return Err(ApiError::Unprocessable(
            "the slug is 3 to 40 lower-case letters, digits or dashes".into(),
        ));
    }
    let currency = Currency::parse(input.base_currency.trim())
        .map_err(|e| ApiError::Unprocessable(e.to_string()))?;
    let org = state
        .store
        .create_org(&NewOrg {
            slug,
            name,
            settings: OrgSettings::with_currency(currency),
        })
        .await
        .map_err(|e| match e {
            StorageError::Conflict(_) => ApiError::Conflict("slug_taken"),
            other => other.into(),
        })?;
    state
        .store
        .set_membership(org.id, current.id(), Role::Admin)
        .await?;
    audit::in_org(
        state,
        org.id,
        Some(current.id()),
        "org.created",
        format!("org:{}", org.id),
        &client.ip,
        json!({}),
    )
    .await?;
    Ok(org)
}

/// The organisation with its settings.
pub async fn settings(state: &AppState, who: &Viewer) -> Result<Organisation, ApiError> {
    Ok(state.store.org(who.org).await?)
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SettingsPatch {
    pub retention_days: Option<i64>,
    pub ai_enabled: Option<bool>,
    pub redact_names: Option<bool>,
    pub mfa_required: Option<bool>,
    pub digests_enabled: Option<bool>,
    pub time_zone: Option<String>,
}

fn valid_time_zone(tz: &str) -> bool {
    (1..=64).contains(&tz.len())
        && tz
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'_' | b'-' | b'+'))
}

/// Changes some settings (admins only).
pub async fn update_settings(
    state: &AppState,
    who: &Admin,
    patch: SettingsPatch,
    client: &ClientInfo,
) -> Result<Organisation, ApiError> {
    if patch.mfa_required == Some(true) && !who.current.user.mfa_enabled {
        // Requiring MFA without having it would lock the admin out of their own organisation.
        return Err(ApiError::Unprocessable(
            "enable two-factor authentication on your own account first".into(),
        ));
    }
    let mut s = state.store.org(who.org).await?.settings;
    let mut changed = Vec::new();
    if let Some(d) = patch.retention_days {
        if !(1..=3650).contains(&d) {
            return Err(ApiError::Unprocessable(
                "retention_days must be 1 to 3650".into(),
            ));
        }
        s.retention_days = d;
        changed.push("retention_days");
    }
    if let Some(tz) = patch.time_zone {
        if !valid_time_zone(&tz) {
            return Err(ApiError::Unprocessable(
                "time_zone must be an IANA zone name".into(),
            ));
        }
        s.time_zone = tz;
        changed.push("time_zone");
    }
    for (value, field, name) in [
        (patch.ai_enabled, &mut s.ai_enabled, "ai_enabled"),
        (patch.redact_names, &mut s.redact_names, "redact_names"),
        (patch.mfa_required, &mut s.mfa_required, "mfa_required"),
        (
            patch.digests_enabled,
            &mut s.digests_enabled,
            "digests_enabled",
        ),
    ] {
        if let Some(v) = value {
            *field = v;
            changed.push(name);
        }
    }
    state.store.update_org_settings(who.org, &s).await?;
    audit::in_org(
        state,
        who.org,
        Some(who.user),
        "org.settings_changed",
        format!("org:{}", who.org),
        &client.ip,
        json!({"fields": changed}),
    )
    .await?;
    Ok(state.store.org(who.org).await?)
}

/// The newest audit events (admins only).
pub async fn audit_log(
    state: &AppState,
    who: &Admin,
    limit: Option<u32>,
) -> Result<Vec<AuditEvent>, ApiError> {
    Ok(state
        .store
        .audit_events(who.org, limit.unwrap_or(200))
        .await?)
}
