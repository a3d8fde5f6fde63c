//! `/app/{org}/settings/rates`: the organisation's exchange rates, what its books still lack a
//! rate for, and a form to add one (admins; the form carries the CSRF token like every form).

use super::{Chrome, private};
use crate::auth::{Admin, ClientInfo};
use crate::org_path::OrgPath;
use crate::{ApiError, AppState};
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::Query;
use axum::extract::State;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use flowsense_core::fx::MissingRate;
use flowsense_service::orgs::lifecycle;
use flowsense_service::rates::{self, RateInput, RatesError};
use flowsense_storage::StoredRate;
use serde::Deserialize;

/// The form's values, kept as typed when refused.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct RateForm {
    #[serde(default)]
    date: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    rate: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "rates.html")]
struct RatesPage {
    chrome: Chrome,
    csrf: String,
    org_id: OrgPath,
    org_name: String,
    base: String,
    f: RateForm,
    rates: Vec<StoredRate>,
    missing: Vec<MissingRate>,
    notice: Option<&'static str>,
    errors: Vec<(&'static str, String)>,
}

impl RatesPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        super::field_error(&self.errors, field)
    }
}

async fn render(
    state: &AppState,
    who: &Admin,
    form: RateForm,
    status: StatusCode,
    notice: Option<&'static str>,
    errors: Vec<(&'static str, String)>,
) -> Result<Response, ApiError> {
    let org = lifecycle::organisation(state, who).await?;
    let view = rates::view(state, who).await?;
    let chrome = Chrome::for_user(state, &who.current, Some(who.org), "settings").await?;
    let page = RatesPage {
        csrf: chrome.csrf_token.clone().unwrap_or_default(),
        chrome,
        org_id: who.path.clone(),
        org_name: org.name,
        base: view.base_currency.to_string(),
        f: form,
        rates: view.rates,
        missing: view.missing_rates,
        notice,
        errors,
    };
    Ok(private((status, page).into_response()))
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct Saved {
    #[serde(default)]
    saved: String,
}

/// `GET /app/{org}/settings/rates`.
pub(crate) async fn page(
    State(state): State<AppState>,
    who: Admin,
    query: Result<Query<Saved>, QueryRejection>,
) -> Result<Response, ApiError> {
    let notice = query
        .is_ok_and(|Query(q)| q.saved == "1")
        .then_some("Rate saved: the figures are converted again.");
    render(
        &state,
        &who,
        RateForm::default(),
        StatusCode::OK,
        notice,
        Vec::new(),
    )
    .await
}

/// `POST /app/{org}/settings/rates`: one rate; a refused field is shown beside it and nothing
/// is saved.
pub(crate) async fn save(
    State(state): State<AppState>,
    who: Admin,
    client: ClientInfo,
    form: Result<Form<RateForm>, FormRejection>,
) -> Result<Response, ApiError> {
    let Ok(Form(f)) = form else {
        let errors = vec![(
            "form",
            "The form could not be read; reload the page and try again.".to_owned(),
        )];
        let status = StatusCode::BAD_REQUEST;
        return render(&state, &who, RateForm::default(), status, None, errors).await;
    };
    let input = RateInput {
        date: f.date.clone(),
        from: f.from.clone(),
        to: f.to.clone(),
        rate: f.rate.clone(),
    };
    match rates::add(&state, &who, &input, &client).await {
        Ok(_) => Ok(private(
            Redirect::to(&format!("/app/{}/settings/rates?saved=1", who.path)).into_response(),
        )),
        Err(RatesError::Invalid(e)) => {
            let errors = vec![(e.field, super::sentence(&e.message))];
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            render(&state, &who, f, status, None, errors).await
        }
        Err(other) => Err(other.into()),
    }
}
