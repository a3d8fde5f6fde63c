//! Organisations: creation, settings, the audit log, and "who am I".

use super::{OrgAccess, OrgError};
use crate::identity::{AuthMethod, Caller, Client, UserView};
use crate::{Context, FieldError, audit};
use flowsense_core::{Currency, NameError, PlainName, Role};
use flowsense_storage::{
    AuditFilter, AuditPage, NewOrg, OrgSettings, Organisation, StorageError, Store, UserOrg,
    constraint,
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
#[tracing::instrument(skip_all, fields(user = %current.id()))]
pub async fn me(ctx: &Context, current: &Caller) -> Result<Me, OrgError> {
    Ok(Me {
        user: UserView::from(&current.user),
        organisations: ctx.store.orgs_of_user(current.id()).await?,
        csrf_token: match &current.via {
            AuthMethod::Session { csrf_token, .. } => Some(csrf_token.clone()),
            AuthMethod::Token { .. } | AuthMethod::Local => None,
        },
    })
}

/// The organisations `current` belongs to, with their role in each, by name.
///
/// # Errors
/// A database failure.
#[tracing::instrument(skip_all, fields(user = %current.id()))]
pub async fn organisations_of(ctx: &Context, current: &Caller) -> Result<Vec<UserOrg>, OrgError> {
    Ok(ctx.store.orgs_of_user(current.id()).await?)
}

/// One organisation of the caller, with its settings.
///
/// # Errors
/// A database failure.
#[tracing::instrument(skip_all, fields(org = %who.org, user = %who.user))]
pub async fn organisation(ctx: &Context, who: &OrgAccess) -> Result<Organisation, OrgError> {
    Ok(ctx.store.org(who.org).await?)
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
///
/// # Errors
/// An unconfirmed e-mail address; [`OrgError::Invalid`] or [`OrgError::SlugTaken`] on a form
/// field; a database failure.
#[tracing::instrument(skip_all, fields(user = %current.id()))]
pub async fn create(
    ctx: &Context,
    current: &Caller,
    input: NewOrgInput,
    client: &Client,
) -> Result<Organisation, OrgError> {
    current.require_verified_email()?;
    let org = create_without_members(&ctx.store, &input).await?;
    ctx.store
        .set_membership(org.id, current.id(), Role::Admin)
        .await?;
    audit::in_org(
        ctx,
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

/// Creates an organisation with no members yet (the operator's `flowsense org create`; the
/// first admin is invited or added afterwards), with the same checks as [`create`].
///
/// # Errors
/// [`OrgError::Invalid`] or [`OrgError::SlugTaken`] on a form field; a database failure.
#[tracing::instrument(skip_all)]
pub async fn create_without_members(
    store: &Store,
    input: &NewOrgInput,
) -> Result<Organisation, OrgError> {
    let name = parse_org_name(&input.name)
        .map_err(|message| FieldError::new("name", message))?
        .into_string();
    let slug = parse_slug(&input.slug).map_err(|message| FieldError::new("slug", message))?;
    let currency = Currency::parse(input.base_currency.trim())
        .map_err(|e| FieldError::new("base_currency", e.to_string()))?;
    store
        .create_org(&NewOrg {
            slug,
            name,
            settings: OrgSettings::with_currency(currency),
        })
        .await
        .map_err(|e| match e {
            StorageError::Conflict(c) if c == constraint::ORGANISATION_SLUG => OrgError::SlugTaken,
            other => other.into(),
        })
}

/// An organisation's slug: it appears in URLs and commands, so it stays boring — 3 to 40
/// lower-case letters, digits or dashes, starting with a letter and not ending with a dash.
fn parse_slug(raw: &str) -> Result<String, &'static str> {
    let slug = raw.trim();
    let boring = (3..=40).contains(&slug.len())
        && slug.starts_with(|c: char| c.is_ascii_lowercase())
        && !slug.ends_with('-')
        && slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if boring {
        Ok(slug.to_owned())
    } else {
        Err("the slug is 3 to 40 lower-case letters, digits or dashes, starting with a letter")
    }
}

/// One page of the audit log, newest first (admins only).
#[tracing::instrument(skip_all, fields(org = %who.org, user = %who.user))]
pub async fn audit_log(
    ctx: &Context,
    who: &OrgAccess,
    filter: &AuditFilter,
) -> Result<AuditPage, OrgError> {
    Ok(ctx.store.audit_page(who.org, filter).await?)
}

/// The actions the organisation's audit log holds, for its filter.
#[tracing::instrument(skip_all, fields(org = %who.org, user = %who.user))]
pub async fn audit_actions(ctx: &Context, who: &OrgAccess) -> Result<Vec<String>, OrgError> {
    Ok(ctx.store.audit_actions(who.org).await?)
}

#[cfg(test)]
mod tests {
    use super::parse_slug;

    #[test]
    fn a_slug_is_boring_or_refused() {
        for good in ["acme", "harbor-dental", "a2b", "abc-9"] {
            assert_eq!(parse_slug(&format!(" {good} ")).as_deref(), Ok(good));
        }
        let too_long = "a".repeat(41);
        for bad in [
            "ab", "2nd-org", "-acme", "acme-", "Acme", "acme co", "café", &too_long,
        ] {
            assert!(parse_slug(bad).is_err(), "{bad}");
        }
    }
}
