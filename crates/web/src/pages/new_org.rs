//! `/app/new`: "Create your business" — a name, a base currency and a time zone; the slug is
//! made from the name. The same use case as `POST /api/v1/orgs` (checks, audit, the creator
//! as its admin); then on to the welcome step that brings the books in.

use super::{Chrome, private, sentence};
use crate::auth::{ClientInfo, CurrentUser};
use crate::org_path::OrgPath;
use crate::{ApiError, AppState};
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::State;
use axum::extract::rejection::FormRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use flowsense_service::orgs::OrgError;
use flowsense_service::orgs::lifecycle::{self, NewOrgInput};
use flowsense_service::orgs::settings::time_zones;
use serde::Deserialize;

/// The currencies the form offers: those with a European Central Bank reference rate, so the
/// ECB file that `flowsense rates import` reads converts between all of them. (The API and
/// the settings page take any ISO 4217 code.)
const OFFERED_CURRENCIES: [(&str, &str); 31] = [
    ("USD", "US dollar"),
    ("EUR", "Euro"),
    ("GBP", "Pound sterling"),
    ("CAD", "Canadian dollar"),
    ("AUD", "Australian dollar"),
    ("NZD", "New Zealand dollar"),
    ("CHF", "Swiss franc"),
    ("JPY", "Japanese yen"),
    ("SEK", "Swedish krona"),
    ("NOK", "Norwegian krone"),
    ("DKK", "Danish krone"),
    ("PLN", "Polish złoty"),
    ("CZK", "Czech koruna"),
    ("HUF", "Hungarian forint"),
    ("RON", "Romanian leu"),
    ("BGN", "Bulgarian lev"),
    ("ISK", "Icelandic króna"),
    ("TRY", "Turkish lira"),
    ("BRL", "Brazilian real"),
    ("MXN", "Mexican peso"),
    ("CNY", "Chinese yuan"),
    ("HKD", "Hong Kong dollar"),
    ("SGD", "Singapore dollar"),
    ("INR", "Indian rupee"),
    ("IDR", "Indonesian rupiah"),
    ("ILS", "Israeli new shekel"),
    ("KRW", "South Korean won"),
    ("MYR", "Malaysian ringgit"),
    ("PHP", "Philippine peso"),
    ("THB", "Thai baht"),
    ("ZAR", "South African rand"),
];

/// The form's values, as sent (kept when refused).
#[derive(Debug, Deserialize)]
pub(crate) struct NewOrgForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    base_currency: String,
    #[serde(default)]
    time_zone: String,
}

impl Default for NewOrgForm {
    fn default() -> Self {
        Self {
            name: String::new(),
            base_currency: "USD".into(),
            time_zone: "UTC".into(),
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "new_org.html")]
struct NewOrgPage {
    chrome: Chrome,
    csrf: String,
    f: NewOrgForm,
    /// Until the address is confirmed no organisation can be created (SPEC §3).
    email_to_confirm: Option<String>,
    currencies: &'static [(&'static str, &'static str)],
    zones: Vec<&'static str>,
    /// `(field, message)`; `form` for what belongs to no one field.
    errors: Vec<(&'static str, String)>,
}

impl NewOrgPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        super::field_error(&self.errors, field)
    }
}

async fn render(
    state: &AppState,
    current: &CurrentUser,
    status: StatusCode,
    f: NewOrgForm,
    errors: Vec<(&'static str, String)>,
) -> Result<Response, ApiError> {
    let chrome = Chrome::for_user(state, current, None, "new-org").await?;
    let page = NewOrgPage {
        csrf: chrome.csrf_token.clone().unwrap_or_default(),
        chrome,
        f,
        email_to_confirm: current
            .user
            .email_verified_at
            .is_none()
            .then(|| current.user.email.clone()),
        currencies: &OFFERED_CURRENCIES,
        zones: time_zones().collect(),
        errors,
    };
    Ok(private((status, page).into_response()))
}

/// `GET /app/new`.
pub(crate) async fn form(
    State(state): State<AppState>,
    current: CurrentUser,
) -> Result<Response, ApiError> {
    render(
        &state,
        &current,
        StatusCode::OK,
        NewOrgForm::default(),
        Vec::new(),
    )
    .await
}

/// `POST /app/new`: creates the organisation with the caller as its admin, then the welcome
/// step. A refused field re-renders the form with the reason next to it.
pub(crate) async fn create(
    State(state): State<AppState>,
    current: CurrentUser,
    client: ClientInfo,
    form: Result<Form<NewOrgForm>, FormRejection>,
) -> Result<Response, ApiError> {
    let Ok(Form(f)) = form else {
        let errors = vec![(
            "form",
            "The form could not be read; reload the page and try again.".to_owned(),
        )];
        return render(
            &state,
            &current,
            StatusCode::BAD_REQUEST,
            NewOrgForm::default(),
            errors,
        )
        .await;
    };
    let input = NewOrgInput {
        name: f.name.clone(),
        slug: None,
        base_currency: f.base_currency.clone(),
        time_zone: Some(f.time_zone.clone()),
    };
    match lifecycle::create(&state, &current, input, &client).await {
        Ok(org) => Ok(private(
            Redirect::to(&format!("/app/{}/welcome", OrgPath::of(org.id, &org.slug)))
                .into_response(),
        )),
        Err(OrgError::EmailNotVerified) => {
            // The page explains it and offers the link again.
            render(&state, &current, StatusCode::FORBIDDEN, f, Vec::new()).await
        }
        Err(OrgError::SlugTaken) => {
            let message = "Too many organisations have this name already; choose another.";
            let errors = vec![("name", message.to_owned())];
            render(&state, &current, StatusCode::CONFLICT, f, errors).await
        }
        Err(e) => {
            let field = e.field().unwrap_or("form");
            let e = ApiError::from(e);
            let status = e.status();
            if !status.is_client_error() {
                return Err(e);
            }
            let errors = vec![(field, sentence(&e.to_string()))];
            render(&state, &current, status, f, errors).await
        }
    }
}
