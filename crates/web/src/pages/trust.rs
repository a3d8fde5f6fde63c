//! The trust center (`/security`) and `/.well-known/security.txt`: every claim is read from the
//! running configuration, so the page cannot drift from what the server does.

use super::{Chrome, private};
use crate::auth::CurrentUser;
use crate::headers::{content_security_policy, form_targets};
use crate::{ApiError, AppState};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use chrono::TimeDelta;
use flowsense_core::Currency;
use flowsense_service::retention;
use flowsense_storage::OrgSettings;

/// The facts the trust center states, as display text.
pub(crate) struct TrustFacts {
    tls_pill: String,
    tls: String,
    tls_version: String,
    hsts: String,
    master_version: String,
    last_rotation: String,
    org_keys: String,
    mfa: String,
    idle: String,
    absolute: String,
    recent_auth: String,
    cookies: String,
    login_limit: String,
    ai_provider: String,
    redaction: String,
    retention: String,
    purge: String,
    csp: String,
    contact: String,
    contact_text: String,
    generated: String,
}

fn duration(d: TimeDelta) -> String {
    let minutes = d.num_minutes();
    if minutes >= 60 && minutes % 60 == 0 {
        let h = minutes / 60;
        format!("{h} hour{}", if h == 1 { "" } else { "s" })
    } else {
        format!("{minutes} minute{}", if minutes == 1 { "" } else { "s" })
    }
}

/// What the nightly purge does, from the constants it runs with.
fn purge_text(default_days: i64) -> String {
    format!(
        "Scheduled every night at {:02}:00 UTC: each organisation's transactions dated before its retention period ({default_days} days unless changed, counted in the organisation's time zone) are added to monthly totals by account, category and counterparty and weekly totals by counterparty, unless the organisation turned those off, then deleted, {} at a time; assistant conversations untouched for the retention period or {} days, whichever is shorter, are deleted too. Each organisation's audit log records every purge with its cutoff and counts, and its admins see the last one in its settings.",
        retention::NIGHTLY_PURGE_HOUR_UTC,
        retention::PURGE_BATCH_ROWS,
        retention::MAX_CONVERSATION_DAYS,
    )
}

/// Where security reports go: the configured contact, or `security@` the public host.
fn contact(state: &AppState) -> String {
    if let Some(c) = &state.deployment.security_contact {
        return c.clone();
    }
    let origin = state.settings.public_origin();
    let host = origin
        .split_once("://")
        .map_or(origin, |(_, h)| h)
        .split(':')
        .next()
        .unwrap_or("localhost");
    format!("mailto:security@{host}")
}

async fn facts(state: &AppState) -> TrustFacts {
    let tls = state.deployment.tls;
    let session = &state.settings.session;
    let defaults = OrgSettings::with_currency(Currency::USD);
    let (master_version, last_rotation, org_keys) = match flowsense_service::instance::key_status(
        state,
    )
    .await
    {
        Ok(k) => (
            format!("v{}", k.current_master_version),
            k.last_master_rotation.map_or_else(
                || "Never rotated since set-up".to_owned(),
                |t| t.format("%-d %B %Y, %H:%M UTC").to_string(),
            ),
            format!(
                "{} organisation key{} wrapped by the master key; {} awaiting re-wrap",
                k.org_keys_by_master_version.values().sum::<u64>(),
                if k.org_keys_by_master_version.values().sum::<u64>() == 1 {
                    ""
                } else {
                    "s"
                },
                k.keys_needing_rewrap()
            ),
        ),
        Err(e) => {
            tracing::warn!(error = %flowsense_core::ErrorChain(&e), "key status unavailable for the trust center");
            (
                "Unavailable".to_owned(),
                "Unavailable".to_owned(),
                "Unavailable".to_owned(),
            )
        }
    };
    let login = &state.settings.limits.login_per_account;
    let contact = contact(state);
    TrustFacts {
        tls_pill: if tls { "TLS 1.3 only" } else { "TLS off on this instance" }.into(),
        tls: if tls {
            "On: this server terminates HTTPS itself".into()
        } else {
            "Off: this instance serves plain HTTP (set FLOWSENSE_TLS_CERT/FLOWSENSE_TLS_KEY or FLOWSENSE_TLS=self-signed, or put a TLS proxy in front)".into()
        },
        tls_version: "TLS 1.3 only (older versions are refused)".into(),
        hsts: if tls {
            "On (Strict-Transport-Security)".into()
        } else {
            "Sent only when serving HTTPS".into()
        },
        master_version,
        last_rotation,
        org_keys,
        mfa: "Available to every user: TOTP authenticator apps with single-use recovery codes; each organisation can require it".into(),
        idle: format!("Signed out after {} without activity", duration(session.idle_timeout)),
        absolute: format!("{}, however active", duration(session.absolute_lifetime)),
        recent_auth: duration(session.recent_auth_window),
        cookies: format!(
            "Opaque random token, only its hash stored; HttpOnly, SameSite=Lax{}",
            if state.settings.secure_cookies {
                ", Secure, __Host- prefix"
            } else {
                " (Secure when served over HTTPS)"
            }
        ),
        login_limit: format!(
            "{} per account per {} seconds, then the account backs off",
            login.burst,
            login.period.as_secs()
        ),
        ai_provider: state
            .deployment
            .ai_provider
            .clone()
            .unwrap_or_else(|| "None configured: nothing is sent to any AI provider".into()),
        redaction: format!(
            "An organisation setting: names can be replaced by stable pseudonyms before anything leaves (default {})",
            if defaults.redact_names { "on" } else { "off" }
        ),
        retention: format!(
            "{} days by default, configurable per organisation; monthly totals by category are {}",
            defaults.retention_days,
            if defaults.keep_monthly_rollups {
                "kept for forecasts unless turned off"
            } else {
                "not kept"
            }
        ),
        purge: purge_text(defaults.retention_days),
        csp: content_security_policy(&form_targets(state)),
        contact_text: contact.trim_start_matches("mailto:").to_owned(),
        contact,
        generated: state.now().format("%-d %B %Y, %H:%M UTC").to_string(),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "security.html")]
struct SecurityPage {
    chrome: Chrome,
    t: TrustFacts,
}

/// `GET /security`.
pub(crate) async fn security(
    State(state): State<AppState>,
    user: Result<CurrentUser, ApiError>,
) -> Response {
    let chrome = Chrome::optional(&state, user, "security").await;
    let t = facts(&state).await;
    private(SecurityPage { chrome, t }.into_response())
}

#[derive(Template)]
#[template(path = "security.txt")]
struct SecurityTxt {
    contact: String,
    expires: String,
    canonical: String,
    policy: String,
}

/// `GET /.well-known/security.txt` (RFC 9116), valid for one year from now.
pub(crate) async fn security_txt(State(state): State<AppState>) -> Result<Response, ApiError> {
    let base = &state.settings.public_url;
    let body = SecurityTxt {
        contact: contact(&state),
        expires: (state.now() + TimeDelta::days(365))
            .format("%Y-%m-%dT%H:%M:%SZ")
            .to_string(),
        canonical: format!("{base}/.well-known/security.txt"),
        policy: format!("{base}/security"),
    }
    .render()
    .map_err(ApiError::internal)?;
    let mut r = body.into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=86400"),
    );
    Ok(r)
}
