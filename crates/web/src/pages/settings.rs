//! `/app/{org}/settings`: the organisation's settings form, what was sent to the AI provider
//! lately, and the danger zone — export the organisation, delete it (admins only; both ask for
//! a recent password).

use super::step_up::{Pending, Proof, StepUp, step_up_in_org};
use super::{Chrome, private};
use crate::auth::{Admin, ClientInfo};
use crate::org_path::OrgPath;
use crate::respond::with_session;
use crate::{ApiError, AppState};
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use flowsense_service::ai::usage;
use flowsense_service::identity::{IdentityError, sso};
use flowsense_service::orgs::data::{self, DeleteInput};
use flowsense_service::orgs::lifecycle;
use flowsense_service::orgs::settings::{
    self, Invalid, RETENTION_DAYS, SettingsError, SettingsPatch, time_zones,
};
use flowsense_service::retention;
use flowsense_storage::{AiCall, AiOutcome, AiPurpose, Organisation};
use serde::Deserialize;

/// The form's values: from the organisation, or as submitted when refused.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct SettingsForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    base_currency: String,
    #[serde(default)]
    time_zone: String,
    #[serde(default)]
    retention_days: String,
    // Checkboxes: present when ticked.
    #[serde(default)]
    keep_monthly_rollups: Option<String>,
    #[serde(default)]
    ai_enabled: Option<String>,
    #[serde(default)]
    redact_names: Option<String>,
    #[serde(default)]
    mfa_required: Option<String>,
    #[serde(default)]
    digests_enabled: Option<String>,
}

impl SettingsForm {
    fn of(org: &Organisation) -> Self {
        let s = &org.settings;
        let on = |b: bool| b.then(|| "on".to_owned());
        Self {
            name: org.name.clone(),
            base_currency: s.base_currency.as_str().to_owned(),
            time_zone: s.time_zone.clone(),
            retention_days: s.retention_days.to_string(),
            keep_monthly_rollups: on(s.keep_monthly_rollups),
            ai_enabled: on(s.ai_enabled),
            redact_names: on(s.redact_names),
            mfa_required: on(s.mfa_required),
            digests_enabled: on(s.digests_enabled),
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "settings.html")]
struct SettingsPage {
    chrome: Chrome,
    csrf: String,
    org_id: OrgPath,
    org_name: String,
    f: SettingsForm,
    currency_locked: bool,
    admin_has_mfa: bool,
    zones: Vec<&'static str>,
    retention_min: i64,
    retention_max: i64,
    /// The last nightly purge, in words.
    last_purge: String,
    notice: Option<&'static str>,
    errors: Vec<(&'static str, String)>,
    danger_error: Option<String>,
    /// The latest calls to the AI provider: what was sent, never the content.
    ai_calls: Vec<AiCallRow>,
    /// The organisation's single sign-on policy, when the instance has a provider.
    sso: Option<SsoSection>,
    sso_error: Option<String>,
    passkeys: bool,
}

/// The single sign-on form's values.
struct SsoSection {
    provider: String,
    domain: String,
    required: bool,
    /// The domains the instance allows, joined for reading.
    allowed_domains: String,
}

/// One call to the AI provider, in words.
struct AiCallRow {
    at: String,
    purpose: &'static str,
    by: &'static str,
    model: String,
    tools: String,
    figures: i64,
    rows: i64,
    tokens_in: i64,
    tokens_out: i64,
    outcome: &'static str,
}

/// Calls the settings page lists.
const AI_CALLS_SHOWN: i64 = 20;

fn ai_call_row(c: &AiCall) -> AiCallRow {
    AiCallRow {
        at: c.created_at.format("%Y-%m-%d %H:%M UTC").to_string(),
        purpose: match c.purpose {
            AiPurpose::Narrative => "Insight narratives",
            AiPurpose::Assistant => "Assistant",
        },
        by: if c.user.is_some() {
            "a member"
        } else {
            "a job"
        },
        model: format!("{}/{}", c.provider, c.model),
        tools: if c.tools.is_empty() {
            "none".to_owned()
        } else {
            c.tools.join(", ")
        },
        figures: c.figures_sent,
        rows: c.rows_sent,
        tokens_in: c.input_tokens,
        tokens_out: c.output_tokens,
        outcome: match c.outcome {
            AiOutcome::Ok => "used",
            AiOutcome::InventedNumber => "not used: a number not among the figures",
            AiOutcome::Failed => "failed",
            AiOutcome::OverBudget => "not sent: monthly allowance used",
        },
    }
}

impl SettingsPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        super::field_error(&self.errors, field)
    }
}

struct Outcome {
    status: StatusCode,
    notice: Option<&'static str>,
    errors: Vec<(&'static str, String)>,
    danger_error: Option<String>,
    /// The single sign-on form refused, with what was typed.
    sso_refused: Option<(String, SsoForm)>,
}

impl Outcome {
    fn ok(notice: Option<&'static str>) -> Self {
        Self {
            status: StatusCode::OK,
            notice,
            errors: Vec::new(),
            danger_error: None,
            sso_refused: None,
        }
    }
}

async fn render(
    state: &AppState,
    who: &Admin,
    form: Option<SettingsForm>,
    outcome: Outcome,
) -> Result<Response, ApiError> {
    let org = lifecycle::organisation(state, who).await?;
    let chrome = Chrome::for_user(state, &who.current, Some(who.org), "settings").await?;
    let page = SettingsPage {
        csrf: chrome.csrf_token.clone().unwrap_or_default(),
        chrome,
        org_id: who.path.clone(),
        f: form.unwrap_or_else(|| SettingsForm::of(&org)),
        org_name: org.name,
        currency_locked: settings::currency_is_locked(state, who).await?,
        admin_has_mfa: who.current.user.mfa_enabled,
        zones: time_zones().collect(),
        retention_min: *RETENTION_DAYS.start(),
        retention_max: *RETENTION_DAYS.end(),
        last_purge: last_purge_text(state, who, &org.settings.time_zone).await?,
        notice: outcome.notice,
        errors: outcome.errors,
        danger_error: outcome.danger_error,
        ai_calls: usage::recent_calls(state, who, AI_CALLS_SHOWN)
            .await?
            .iter()
            .map(ai_call_row)
            .collect(),
        sso: sso_section(state, who, outcome.sso_refused.as_ref().map(|r| &r.1)).await?,
        sso_error: outcome.sso_refused.map(|r| r.0),
        passkeys: flowsense_service::identity::passkeys::available(state),
    };
    Ok(private((outcome.status, page).into_response()))
}

async fn sso_section(
    state: &AppState,
    who: &Admin,
    typed: Option<&SsoForm>,
) -> Result<Option<SsoSection>, ApiError> {
    let Some(configured) = state.sso.as_ref() else {
        return Ok(None);
    };
    let (domain, required) = match typed {
        Some(f) => (f.domain.clone(), f.required.is_some()),
        None => {
            let policy = sso::policy(state, who.org).await?;
            (policy.domain.unwrap_or_default(), policy.required)
        }
    };
    Ok(Some(SsoSection {
        provider: configured.display_name.clone(),
        domain,
        required,
        allowed_domains: configured.jit_domains.join(", "),
    }))
}

/// The single sign-on form.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct SsoForm {
    #[serde(default)]
    domain: String,
    /// A checkbox: present when ticked.
    #[serde(default)]
    required: Option<String>,
    #[serde(flatten)]
    proof: Proof,
}

/// `POST /app/{org}/settings/sso` (step-up): the organisation's single sign-on policy.
pub(crate) async fn save_sso(
    State(state): State<AppState>,
    who: Admin,
    client: ClientInfo,
    form: Result<Form<SsoForm>, FormRejection>,
) -> Result<Response, ApiError> {
    let f = form.map(|Form(f)| f).unwrap_or_default();
    let mut fields = vec![("domain", f.domain.clone())];
    if f.required.is_some() {
        fields.push(("required", "on".to_owned()));
    }
    let pending = Pending {
        action: format!("/app/{}/settings/sso", who.path),
        what: "change how members sign in",
        cancel: format!("/app/{}/settings", who.path),
        fields,
    };
    let issued = match step_up_in_org(&state, &who, &client, f.proof.clone(), pending).await? {
        StepUp::Proceed(issued) => issued,
        StepUp::Ask(page) => return Ok(page),
    };
    let input = sso::PolicyInput {
        domain: Some(f.domain.clone()),
        required: f.required.is_some(),
    };
    match sso::set_policy(&state, who.org, who.user, input, &client).await {
        Ok(_) => Ok(with_session(
            &state,
            issued.as_ref(),
            private(Redirect::to(&format!("/app/{}/settings?saved=1", who.path)).into_response()),
        )),
        Err(IdentityError::Invalid(e)) => {
            let outcome = Outcome {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                sso_refused: Some((super::sentence(&e.message), f)),
                ..Outcome::ok(None)
            };
            let page = render(&state, &who, None, outcome).await?;
            Ok(with_session(&state, issued.as_ref(), page))
        }
        Err(e) => Err(e.into()),
    }
}

/// "Last purge …" from the organisation's audit log, its time in the organisation's zone.
async fn last_purge_text(state: &AppState, who: &Admin, zone: &str) -> Result<String, ApiError> {
    let Some((at, record)) = retention::last_purge(state, who).await? else {
        return Ok("No purge has run yet.".into());
    };
    let tz: chrono_tz::Tz = zone.parse().unwrap_or(chrono_tz::UTC);
    let plural = |n: u64| if n == 1 { "" } else { "s" };
    Ok(format!(
        "Last purge {}: {} transaction{} dated before {} purged{}, {} assistant conversation{} deleted.",
        at.with_timezone(&tz).format("%-d %B %Y, %H:%M %Z"),
        record.transactions_purged,
        plural(record.transactions_purged),
        record.cutoff,
        if record.rollups_kept {
            " (kept as monthly and weekly totals)"
        } else {
            ""
        },
        record.conversations_purged,
        plural(record.conversations_purged),
    ))
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct Saved {
    #[serde(default)]
    saved: String,
}

/// `GET /app/{org}/settings`.
pub(crate) async fn page(
    State(state): State<AppState>,
    who: Admin,
    query: Result<Query<Saved>, QueryRejection>,
) -> Result<Response, ApiError> {
    let saved = query.is_ok_and(|Query(q)| q.saved == "1");
    let notice = saved.then_some("Settings saved.");
    render(&state, &who, None, Outcome::ok(notice)).await
}

/// `POST /app/{org}/settings`: every field of the form; an unticked box turns its setting off.
pub(crate) async fn save(
    State(state): State<AppState>,
    who: Admin,
    client: ClientInfo,
    form: Result<Form<SettingsForm>, FormRejection>,
) -> Result<Response, ApiError> {
    let Ok(Form(f)) = form else {
        let outcome = Outcome {
            status: StatusCode::BAD_REQUEST,
            errors: vec![(
                "form",
                "The form could not be read; reload the page and try again.".into(),
            )],
            ..Outcome::ok(None)
        };
        return render(&state, &who, None, outcome).await;
    };
    let Ok(retention_days) = f.retention_days.trim().parse::<i64>() else {
        let outcome = Outcome {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            errors: vec![("retention_days", "Enter a whole number of days.".into())],
            ..Outcome::ok(None)
        };
        return render(&state, &who, Some(f), outcome).await;
    };
    let patch = SettingsPatch {
        name: Some(f.name.clone()),
        base_currency: Some(f.base_currency.clone()),
        time_zone: Some(f.time_zone.clone()),
        retention_days: Some(retention_days),
        keep_monthly_rollups: Some(f.keep_monthly_rollups.is_some()),
        ai_enabled: Some(f.ai_enabled.is_some()),
        redact_names: Some(f.redact_names.is_some()),
        mfa_required: Some(f.mfa_required.is_some()),
        digests_enabled: Some(f.digests_enabled.is_some()),
    };
    match settings::update_settings(&state, &who, patch, &client).await {
        Ok(_) => Ok(private(
            Redirect::to(&format!("/app/{}/settings?saved=1", who.path)).into_response(),
        )),
        Err(SettingsError::Invalid(Invalid(fields))) => {
            let outcome = Outcome {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                errors: fields
                    .into_iter()
                    .map(|(field, m)| (field, super::sentence(&m)))
                    .collect(),
                ..Outcome::ok(None)
            };
            render(&state, &who, Some(f), outcome).await
        }
        Err(SettingsError::Failed(e)) => Err(e.into()),
    }
}

/// `POST /app/{org}/settings/export` (step-up): the organisation's JSON document as a download.
pub(crate) async fn export(
    State(state): State<AppState>,
    who: Admin,
    client: ClientInfo,
    form: Result<Form<Proof>, FormRejection>,
) -> Result<Response, ApiError> {
    let proof = form.map(|Form(f)| f).unwrap_or_default();
    let pending = Pending {
        action: format!("/app/{}/settings/export", who.path),
        what: "export all of the organisation’s data",
        cancel: format!("/app/{}/settings", who.path),
        fields: Vec::new(),
    };
    let issued = match step_up_in_org(&state, &who, &client, proof, pending).await? {
        StepUp::Proceed(issued) => issued,
        StepUp::Ask(page) => return Ok(page),
    };
    let export = data::export(&state, &who, &client).await?;
    Ok(with_session(
        &state,
        issued.as_ref(),
        crate::respond::org_export_download(export),
    ))
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct DeleteForm {
    #[serde(default)]
    confirm_name: String,
    #[serde(flatten)]
    proof: Proof,
}

#[derive(Template, WebTemplate)]
#[template(path = "org_deleted.html")]
struct DeletedPage {
    chrome: Chrome,
    name: String,
}

/// `POST /app/{org}/settings/delete` (step-up): deletes the organisation once its name is
/// typed, then shows what happened (the organisation, its audit log included, is gone).
pub(crate) async fn delete(
    State(state): State<AppState>,
    who: Admin,
    client: ClientInfo,
    form: Result<Form<DeleteForm>, FormRejection>,
) -> Result<Response, ApiError> {
    let form = form.map(|Form(f)| f).unwrap_or_default();
    let org = lifecycle::organisation(&state, &who).await?;
    if form.confirm_name.trim() != org.name.trim() {
        let outcome = Outcome {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            danger_error: Some(format!(
                "Nothing was deleted: type “{}” exactly to confirm.",
                org.name
            )),
            ..Outcome::ok(None)
        };
        return render(&state, &who, None, outcome).await;
    }
    let pending = Pending {
        action: format!("/app/{}/settings/delete", who.path),
        what: "delete the organisation and all of its data",
        cancel: format!("/app/{}/settings", who.path),
        fields: vec![("confirm_name", form.confirm_name.clone())],
    };
    let issued = match step_up_in_org(&state, &who, &client, form.proof, pending).await? {
        StepUp::Proceed(issued) => issued,
        StepUp::Ask(page) => return Ok(page),
    };
    let input = DeleteInput {
        confirm: form.confirm_name,
    };
    let name = data::delete(&state, &who, &input).await?;
    let page = DeletedPage {
        chrome: Chrome::for_user(&state, &who.current, None, "app").await?,
        name,
    };
    Ok(with_session(
        &state,
        issued.as_ref(),
        private(page.into_response()),
    ))
}
