//! Organisations: creation, settings, the audit log, and "who am I".

use super::{UserView, audit};
use crate::auth::{Admin, AuthMethod, ClientInfo, CurrentUser};
use crate::{ApiError, AppState, ErrorCode};
use flowsense_core::{Currency, NameError, PlainName, Role};
use flowsense_storage::{
    AuditFilter, AuditPage, NewOrg, OrgSettings, Organisation, StorageError, UserOrg,
};
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

/// An organisation's name ([`PlainName`]), or what is wrong with it in the form's words.
pub(crate) fn parse_org_name(raw: &str) -> Result<PlainName, String> {
    PlainName::parse(raw).map_err(|e| match e {
        NameError::Length => "name the organisation in 1 to 100 characters".to_owned(),
        other => other.to_string(),
    })
}

/// Creates an organisation whose first admin is its creator.
pub async fn create(
    state: &AppState,
    current: &CurrentUser,
    input: NewOrgInput,
    client: &ClientInfo,
) -> Result<Organisation, ApiError> {
    current.require_verified_email()?;
    let name = parse_org_name(&input.name)
        .map_err(ApiError::Unprocessable)?
        .into_string();
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
            StorageError::Conflict(_) => ApiError::Conflict(ErrorCode::SlugTaken),
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

/// One page of the audit log, newest first (admins only).
pub async fn audit_log(
    state: &AppState,
    who: &Admin,
    filter: &AuditFilter,
) -> Result<AuditPage, ApiError> {
    Ok(state.store.audit_page(who.org, filter).await?)
}

/// The actions the organisation's audit log holds, for its filter.
pub async fn audit_actions(state: &AppState, who: &Admin) -> Result<Vec<String>, ApiError> {
    Ok(state.store.audit_actions(who.org).await?)
}
