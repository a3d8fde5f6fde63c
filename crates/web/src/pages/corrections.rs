//! `/app/{org}/transactions/{id}`: correcting one transaction — its category, the name shown
//! for its counterparty and its kind (day-to-day, owner money or loan, between own accounts) —
//! and, when asked, a rule that does the same for every transaction of that counterparty. For
//! members and admins; the same use case as `PATCH /api/v1/orgs/{org}/transactions/{id}`.

use super::{Chrome, private, sentence};
use crate::auth::{ClientInfo, Member};
use crate::error::path_id;
use crate::org_path::OrgPath;
use crate::{ApiError, AppState};
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use flowsense_core::FlowClass;
use flowsense_service::corrections::{self, MAX_NAME_CHARS, TxnPatch};
use flowsense_service::orgs::OrgError;
use flowsense_storage::TxnNames;
use serde::Deserialize;

/// The form's values, as sent (kept when refused).
#[derive(Debug, Default, Deserialize)]
pub(crate) struct CorrectionForm {
    #[serde(default)]
    category: String,
    #[serde(default)]
    counterparty: String,
    #[serde(default)]
    class: String,
    /// A checkbox: present when ticked.
    always: Option<String>,
    apply_to_past: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "correction.html")]
struct CorrectionPage {
    chrome: Chrome,
    csrf: String,
    org_id: OrgPath,
    id: i64,
    /// The counterparty as the bank or provider wrote it (what a rule matches).
    source_counterparty: String,
    source_category: String,
    f: CorrectionForm,
    classes: Vec<(&'static str, &'static str)>,
    max_chars: usize,
    /// `(field, message)`; `form` for what belongs to no one field.
    errors: Vec<(&'static str, String)>,
}

impl CorrectionPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        super::field_error(&self.errors, field)
    }
}

fn form_of(names: &TxnNames) -> CorrectionForm {
    CorrectionForm {
        category: names.effective_category().to_owned(),
        counterparty: names.effective_counterparty().to_owned(),
        class: names.effective_class().as_str().to_owned(),
        always: None,
        apply_to_past: None,
    }
}

async fn render(
    state: &AppState,
    who: &Member,
    names: &TxnNames,
    f: CorrectionForm,
    status: StatusCode,
    errors: Vec<(&'static str, String)>,
) -> Result<Response, ApiError> {
    let chrome = Chrome::for_user(state, &who.current, Some(who.org), "transactions").await?;
    let page = CorrectionPage {
        csrf: chrome.csrf_token.clone().unwrap_or_default(),
        chrome,
        org_id: who.path.clone(),
        id: names.id,
        source_counterparty: names.counterparty.clone(),
        source_category: names.category.clone(),
        f,
        classes: FlowClass::ALL
            .iter()
            .map(|c| (c.as_str(), c.label()))
            .collect(),
        max_chars: MAX_NAME_CHARS,
        errors,
    };
    Ok(private((status, page).into_response()))
}

/// `GET /app/{org}/transactions/{id}`: the form, filled with what the reports use now.
pub(crate) async fn form(
    State(state): State<AppState>,
    who: Member,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let names = corrections::transaction_names(&state, &who, path_id(&id)?).await?;
    let f = form_of(&names);
    render(&state, &who, &names, f, StatusCode::OK, Vec::new()).await
}

/// `POST /app/{org}/transactions/{id}`: saves, then back to the transactions of that
/// counterparty; a refused value comes back with the form and its message.
pub(crate) async fn save(
    State(state): State<AppState>,
    who: Member,
    client: ClientInfo,
    Path((_, id)): Path<(String, String)>,
    form: Result<Form<CorrectionForm>, FormRejection>,
) -> Result<Response, ApiError> {
    let id = path_id(&id)?;
    let names = corrections::transaction_names(&state, &who, id).await?;
    let Ok(Form(f)) = form else {
        let errors = vec![(
            "form",
            "The form could not be read; reload the page and try again.".to_owned(),
        )];
        let f = form_of(&names);
        return render(&state, &who, &names, f, StatusCode::BAD_REQUEST, errors).await;
    };
    let patch = TxnPatch {
        category: Some(f.category.clone()),
        counterparty: Some(f.counterparty.clone()),
        class: Some(f.class.clone()),
        always: f.always.is_some(),
        apply_to_past: f.always.is_some() && f.apply_to_past.is_some(),
    };
    match corrections::correct_transaction(&state, &who, id, &patch, &client).await {
        Ok(done) => {
            let shown = done.names.effective_counterparty();
            Ok(private(
                Redirect::to(&format!(
                    "/app/{}/transactions?counterparty={}&saved=1",
                    who.path,
                    super::encode(shown)
                ))
                .into_response(),
            ))
        }
        Err(OrgError::Invalid(e)) => {
            let errors = vec![(e.field, sentence(&e.message))];
            render(
                &state,
                &who,
                &names,
                f,
                StatusCode::UNPROCESSABLE_ENTITY,
                errors,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}
