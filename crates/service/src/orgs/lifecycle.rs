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

#[derive(Debug, Serialize, utoipa::ToSchema)]
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
    Ok(match &current.view {
        Some(view) => Vec::clone(&*view.orgs_of_user(current.id()).await?),
        None => ctx.store.orgs_of_user(current.id()).await?,
    })
}

/// One organisation of the caller, with its settings.
///
/// # Errors
/// A database failure.
#[tracing::instrument(skip_all, fields(org = %who.org, user = %who.user))]
pub async fn organisation(ctx: &Context, who: &OrgAccess) -> Result<Organisation, OrgError> {
    Ok(ctx.store.org(who.org).await?)
}

/// The organisation `who` reads, as its access check read it in this request (no second
/// read), or afresh when the check did not keep it. For answers that only read: a page shown
/// after a change to the organisation takes [`organisation`] instead.
///
/// # Errors
/// A database failure.
pub async fn organisation_as_checked(
    ctx: &Context,
    who: &OrgAccess,
) -> Result<Organisation, StorageError> {
    match &who.checked {
        Some(org) => Ok(Organisation::clone(org)),
        None => ctx.store.org(who.org).await,
    }
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOrgInput {
    pub name: String,
    /// The organisation's slug; absent or blank, one is made from the name (see [`slug_from_name`]),
    /// with a number added when that is taken.
    #[serde(default)]
    pub slug: Option<String>,
    pub base_currency: String,
    /// An IANA time zone (`Europe/Paris`); UTC when absent or blank.
    #[serde(default)]
    pub time_zone: Option<String>,
}

/// How many numbered variants of a name's slug (`acme-2` … `acme-99`) are tried before the
/// name is refused as taken.
const SLUG_VARIANTS: u32 = 99;

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
    let currency = Currency::parse(input.base_currency.trim()).map_err(|_| {
        FieldError::new(
            "base_currency",
            "enter a three-letter ISO 4217 code such as USD or EUR",
        )
    })?;
    let mut settings = OrgSettings::with_currency(currency);
    if let Some(tz) = input.time_zone.as_deref().map(str::trim)
        && !tz.is_empty()
    {
        if !super::settings::is_time_zone(tz) {
            return Err(FieldError::new(
                "time_zone",
                "choose an IANA time zone such as Europe/London",
            )
            .into());
        }
        tz.clone_into(&mut settings.time_zone);
    }
    let chosen = input.slug.as_deref().filter(|s| !s.trim().is_empty());
    let Some(chosen) = chosen else {
        return create_with_slug_from_name(store, name, settings).await;
    };
    let slug = parse_slug(chosen).map_err(|message| FieldError::new("slug", message))?;
    insert_org(store, slug, name, settings).await
}

/// Tries the slug made from the name, then its numbered variants, until one is free.
async fn create_with_slug_from_name(
    store: &Store,
    name: String,
    settings: OrgSettings,
) -> Result<Organisation, OrgError> {
    let base = slug_from_name(&name);
    for n in 1..=SLUG_VARIANTS {
        let slug = if n == 1 {
            base.clone()
        } else {
            format!("{base}-{n}")
        };
        match insert_org(store, slug, name.clone(), settings.clone()).await {
            Err(OrgError::SlugTaken) => {}
            done => return done,
        }
    }
    Err(OrgError::SlugTaken)
}

async fn insert_org(
    store: &Store,
    slug: String,
    name: String,
    settings: OrgSettings,
) -> Result<Organisation, OrgError> {
    store
        .create_org(&NewOrg {
            slug,
            name,
            settings,
        })
        .await
        .map_err(|e| match e {
            StorageError::Conflict(c) if c == constraint::ORGANISATION_SLUG => OrgError::SlugTaken,
            other => other.into(),
        })
}

/// Longest slug made from a name, leaving room for a `-99` suffix within the 40 allowed.
const NAME_SLUG_MAX: usize = 36;

/// A valid slug made from an organisation's name: lower-case ASCII letters and digits, accents
/// dropped, anything else one dash (`"Café Zoë & Co."` → `cafe-zoe-co`); a name that does
/// not start with a letter, or is too short, is filled out with `org`.
#[must_use]
pub fn slug_from_name(name: &str) -> String {
    let mut slug = String::new();
    for c in name.chars().flat_map(fold_accent) {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
        if slug.len() >= NAME_SLUG_MAX {
            break;
        }
    }
    let mut slug = slug.trim_end_matches('-').to_owned();
    if !slug.starts_with(|c: char| c.is_ascii_lowercase()) {
        slug = if slug.is_empty() {
            "org".to_owned()
        } else {
            format!("org-{slug}")
        };
    }
    if slug.len() < 3 {
        slug.push_str("-org");
    }
    slug.truncate(NAME_SLUG_MAX);
    slug.trim_end_matches('-').to_owned()
}

/// The unaccented letters of a Latin letter (`é` → `e`, `ß` → `ss`); other characters as they are.
fn fold_accent(c: char) -> Vec<char> {
    let plain = match c {
        'à'..='å' | 'À'..='Å' | 'ā' | 'ă' | 'ą' => 'a',
        'ç' | 'Ç' | 'ć' | 'č' => 'c',
        'ď' | 'đ' => 'd',
        'è'..='ë' | 'È'..='Ë' | 'ē' | 'ę' | 'ě' => 'e',
        'ğ' => 'g',
        'ì'..='ï' | 'Ì'..='Ï' | 'ı' => 'i',
        'ł' | 'Ł' | 'ľ' => 'l',
        'ñ' | 'Ñ' | 'ń' | 'ň' => 'n',
        'ò'..='ö' | 'ø' | 'Ò'..='Ö' | 'Ø' | 'ő' => 'o',
        'ř' => 'r',
        'ś' | 'š' | 'ş' | 'Š' | 'Ś' => 's',
        'ť' | 'ţ' => 't',
        'ù'..='ü' | 'Ù'..='Ü' | 'ů' | 'ű' => 'u',
        'ý' | 'ÿ' | 'Ý' => 'y',
        'ź' | 'ż' | 'ž' | 'Ž' => 'z',
        'ß' => return vec!['s', 's'],
        'æ' | 'Æ' => return vec!['a', 'e'],
        'œ' | 'Œ' => return vec!['o', 'e'],
        other => other,
    };
    vec![plain]
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
    use super::{parse_slug, slug_from_name};

    #[test]
    fn a_name_makes_a_valid_slug() {
        for (name, slug) in [
            ("Northwind Coffee Roasters", "northwind-coffee-roasters"),
            ("  Café Zoë & Co. ", "cafe-zoe-co"),
            ("Straße Bäckerei", "strasse-backerei"),
            ("7-Eleven Franchise #42", "org-7-eleven-franchise-42"),
            ("AB", "ab-org"),
            ("東京", "org"),
            ("---", "org"),
        ] {
            assert_eq!(slug_from_name(name), slug, "{name}");
            assert!(parse_slug(&slug_from_name(name)).is_ok(), "{name}");
        }
        let long = slug_from_name(&"Very Long Business Name ".repeat(10));
        assert!(
            long.len() <= 36 && parse_slug(&format!("{long}-99")).is_ok(),
            "{long}"
        );
    }

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
