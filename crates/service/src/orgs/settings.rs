//! An organisation's settings: name, base currency, time zone, retention, AI, redaction, MFA,
//! digests. Every value is checked before anything is written, so a refused change keeps
//! everything as it was.

use super::{OrgAccess, OrgError};
use crate::identity::Client;
use crate::{Context, audit};
use flowsense_core::Currency;
use flowsense_storage::{OrgSettings, Organisation};
use serde::Deserialize;
use serde_json::json;

/// Raw transactions are kept at least a day and at most ten years.
pub const RETENTION_DAYS: std::ops::RangeInclusive<i64> = 1..=3650;

/// The organisation with its settings.
#[tracing::instrument(skip_all, fields(org = %who.org, user = %who.user))]
pub async fn settings(ctx: &Context, who: &OrgAccess) -> Result<Organisation, OrgError> {
    Ok(ctx.store.org(who.org).await?)
}

/// Whether the base currency may still change: only while there are no transactions, whose
/// amounts are stored in it.
#[tracing::instrument(skip_all, fields(org = %who.org, user = %who.user))]
pub async fn currency_is_locked(ctx: &Context, who: &OrgAccess) -> Result<bool, OrgError> {
    Ok(ctx.store.count_transactions(who.org).await? > 0)
}

/// Fields to change; absent ones stay as they are.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SettingsPatch {
    pub name: Option<String>,
    pub base_currency: Option<String>,
    pub time_zone: Option<String>,
    pub retention_days: Option<i64>,
    pub keep_monthly_rollups: Option<bool>,
    pub ai_enabled: Option<bool>,
    pub redact_names: Option<bool>,
    pub mfa_required: Option<bool>,
    pub digests_enabled: Option<bool>,
}

/// What was wrong with a patch: `(field, message)` for each refused value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid(pub Vec<(&'static str, String)>);

impl Invalid {
    /// Every refusal in one line, each named by its field: `time_zone: choose …; name: …`.
    #[must_use]
    pub fn summary(&self) -> String {
        self.0
            .iter()
            .map(|(f, m)| format!("{f}: {m}"))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// A settings change that did not happen.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("{}", .0.summary())]
    Invalid(Invalid),
    #[error(transparent)]
    Failed(#[from] OrgError),
}

impl From<flowsense_storage::StorageError> for SettingsError {
    fn from(e: flowsense_storage::StorageError) -> Self {
        SettingsError::Failed(e.into())
    }
}

/// Whether `tz` names an IANA time zone (`Europe/Paris`, `UTC`).
#[must_use]
pub fn is_time_zone(tz: &str) -> bool {
    tz.len() <= 64 && tz.parse::<chrono_tz::Tz>().is_ok()
}

/// Every IANA time zone name, for the settings form.
pub fn time_zones() -> impl Iterator<Item = &'static str> {
    chrono_tz::TZ_VARIANTS.iter().map(|tz| tz.name())
}

/// Changes the organisation's settings (admins only): all checked first, then written at once.
///
/// # Errors
/// [`SettingsError::Invalid`] naming each refused field; nothing is changed then.
#[tracing::instrument(skip_all, fields(org = %who.org, user = %who.user))]
pub async fn update_settings(
    ctx: &Context,
    who: &OrgAccess,
    patch: SettingsPatch,
    client: &Client,
) -> Result<Organisation, SettingsError> {
    let org = ctx.store.org(who.org).await?;
    let mut name = org.name.clone();
    let mut s = org.settings.clone();
    let mut invalid = Vec::new();
    if let Some(n) = patch.name {
        match super::lifecycle::parse_org_name(&n) {
            Ok(n) => name = n.into_string(),
            Err(message) => invalid.push(("name", message)),
        }
    }
    if let Some(code) = patch.base_currency {
        match Currency::parse(&code) {
            Ok(c) if c == s.base_currency => {}
            Ok(c) => {
                if currency_is_locked(ctx, who).await? {
                    invalid.push((
                        "base_currency",
                        "the base currency cannot change once the organisation has transactions"
                            .into(),
                    ));
                } else {
                    s.base_currency = c;
                }
            }
            Err(_) => invalid.push((
                "base_currency",
                "enter a three-letter ISO 4217 code such as USD or EUR".into(),
            )),
        }
    }
    if let Some(tz) = patch.time_zone {
        let tz = tz.trim();
        if is_time_zone(tz) {
            tz.clone_into(&mut s.time_zone);
        } else {
            invalid.push((
                "time_zone",
                "choose an IANA time zone such as Europe/London".into(),
            ));
        }
    }
    if let Some(d) = patch.retention_days {
        if RETENTION_DAYS.contains(&d) {
            s.retention_days = d;
        } else {
            invalid.push((
                "retention_days",
                format!(
                    "keep transactions {} to {} days",
                    RETENTION_DAYS.start(),
                    RETENTION_DAYS.end()
                ),
            ));
        }
    }
    if patch.mfa_required == Some(true) && !s.mfa_required && !who.current.user.mfa_enabled {
        // Requiring MFA without having it would lock the admin out of their own organisation.
        invalid.push((
            "mfa_required",
            "enable two-factor authentication on your own account first".into(),
        ));
    }
    if !invalid.is_empty() {
        return Err(SettingsError::Invalid(Invalid(invalid)));
    }
    for (value, field) in [
        (patch.keep_monthly_rollups, &mut s.keep_monthly_rollups),
        (patch.ai_enabled, &mut s.ai_enabled),
        (patch.redact_names, &mut s.redact_names),
        (patch.mfa_required, &mut s.mfa_required),
        (patch.digests_enabled, &mut s.digests_enabled),
    ] {
        if let Some(v) = value {
            *field = v;
        }
    }
    let changed = changed_fields(&org, &name, &s);
    if changed.is_empty() {
        return Ok(org);
    }
    ctx.store
        .update_org_name_and_settings(who.org, &name, &s)
        .await?;
    audit::in_org(
        ctx,
        who.org,
        Some(who.user),
        "org.settings_changed",
        format!("org:{}", who.org),
        &client.ip,
        json!({"fields": changed}),
    )
    .await?;
    Ok(ctx.store.org(who.org).await?)
}

/// The names of the fields that differ (the audit log says what changed, not to what).
fn changed_fields(old: &Organisation, name: &str, new: &OrgSettings) -> Vec<&'static str> {
    let o = &old.settings;
    [
        ("name", old.name != name),
        ("base_currency", o.base_currency != new.base_currency),
        ("time_zone", o.time_zone != new.time_zone),
        ("retention_days", o.retention_days != new.retention_days),
        (
            "keep_monthly_rollups",
            o.keep_monthly_rollups != new.keep_monthly_rollups,
        ),
        ("ai_enabled", o.ai_enabled != new.ai_enabled),
        ("redact_names", o.redact_names != new.redact_names),
        ("mfa_required", o.mfa_required != new.mfa_required),
        ("digests_enabled", o.digests_enabled != new.digests_enabled),
    ]
    .into_iter()
    .filter_map(|(f, differs)| differs.then_some(f))
    .collect()
}
