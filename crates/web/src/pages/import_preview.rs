//! The import page's preview step: an uploaded file is kept for its uploader while they see how
//! it would import (the columns found, how dates are read, the first rows) and correct the
//! mapping; `POST /app/{org}/integrations/import/confirm` previews it again with their
//! corrections or imports it, saving the mapping for the account when asked. Plain forms, no
//! script.

use super::{Chrome, private};
use crate::auth::{ClientInfo, Member};
use crate::error::path_id;
use crate::org_path::OrgPath;
use crate::{ApiError, AppState};
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::State;
use axum::extract::rejection::FormRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use flowsense_import::Field;
use flowsense_service::upload_preview::{HeldChoices, HeldUpload, UploadPreview, held_upload};
use flowsense_service::uploads::{self, MappingChoices};
use serde::Deserialize;

/// One field of the mapping form, and the column it is read from.
pub(crate) struct FieldChoice {
    name: &'static str,
    label: &'static str,
    column: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "import_preview.html")]
struct PreviewPage {
    chrome: Chrome,
    csrf: String,
    org_id: OrgPath,
    upload_id: String,
    preview: UploadPreview,
    is_csv: bool,
    fields: Vec<FieldChoice>,
    date_format: String,
    error: Option<String>,
}

impl PreviewPage {
    fn date_formats(&self) -> [(&'static str, &'static str); 5] {
        super::integrations::DATE_FORMATS
    }
}

fn label(field: Field) -> &'static str {
    match field {
        Field::Date => "Date",
        Field::Account => "Account",
        Field::Amount => "Amount (signed)",
        Field::Debit => "Money out",
        Field::Credit => "Money in",
        Field::Direction => "Debit/credit indicator",
        Field::Currency => "Currency",
        Field::Counterparty => "Counterparty",
        Field::Category => "Category",
        Field::Description => "Description",
        Field::Reference => "Reference",
        Field::Fee => "Processor fee",
        Field::Net => "Net amount (checks gross and fee)",
        Field::Type => "Row type",
        Field::Status => "Status",
        Field::Refunded => "Refunded",
    }
}

/// Renders the preview of a held upload.
pub(crate) async fn render(
    state: &AppState,
    who: &Member,
    held: HeldUpload,
    error: Option<String>,
) -> Result<Response, ApiError> {
    let chrome = Chrome::for_user(state, &who.current, Some(who.org), "integrations").await?;
    let preview = held.preview;
    let fields = Field::ALL
        .into_iter()
        .map(|f| FieldChoice {
            name: f.name(),
            label: label(f),
            column: preview
                .columns
                .iter()
                .find(|c| c.field == Some(f.name()))
                .map(|c| c.name.clone())
                .unwrap_or_default(),
        })
        .collect();
    let page = PreviewPage {
        csrf: chrome.csrf_token.clone().unwrap_or_default(),
        chrome,
        org_id: who.path.clone(),
        upload_id: held.id.to_string(),
        is_csv: preview.format == "CSV",
        fields,
        date_format: preview.date_format.unwrap_or_default().to_owned(),
        preview,
        error,
    };
    Ok(private((StatusCode::OK, page).into_response()))
}

/// The confirming form: the held upload, the account, the date format, the column chosen for
/// each field (`field_date=Booked`, ...), whether to save that mapping, and what to do.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ConfirmForm {
    #[serde(default)]
    upload: String,
    #[serde(default)]
    account: String,
    #[serde(default)]
    date_format: String,
    #[serde(default)]
    save_mapping: Option<String>,
    #[serde(default)]
    intent: String,
    #[serde(default)]
    field_date: String,
    #[serde(default)]
    field_account: String,
    #[serde(default)]
    field_amount: String,
    #[serde(default)]
    field_debit: String,
    #[serde(default)]
    field_credit: String,
    #[serde(default)]
    field_direction: String,
    #[serde(default)]
    field_currency: String,
    #[serde(default)]
    field_counterparty: String,
    #[serde(default)]
    field_category: String,
    #[serde(default)]
    field_description: String,
    #[serde(default)]
    field_reference: String,
}

impl ConfirmForm {
    /// `date=Booked,amount=Value`: the columns chosen (`None` when none is).
    fn map(&self) -> Option<String> {
        let chosen = [
            ("date", &self.field_date),
            ("account", &self.field_account),
            ("amount", &self.field_amount),
            ("debit", &self.field_debit),
            ("credit", &self.field_credit),
            ("direction", &self.field_direction),
            ("currency", &self.field_currency),
            ("counterparty", &self.field_counterparty),
            ("category", &self.field_category),
            ("description", &self.field_description),
            ("reference", &self.field_reference),
        ];
        let spec: Vec<String> = chosen
            .iter()
            .filter(|(_, column)| !column.trim().is_empty())
            .map(|(field, column)| format!("{field}={}", column.trim()))
            .collect();
        (!spec.is_empty()).then(|| spec.join(","))
    }

    fn choices(&self) -> HeldChoices {
        let map = self.map();
        HeldChoices {
            account: Some(self.account.trim().to_owned()).filter(|a| !a.is_empty()),
            date_format: Some(self.date_format.clone()).filter(|d| !d.is_empty()),
            mapping: MappingChoices {
                account_id: None,
                save: map.is_some() && self.save_mapping.is_some(),
                // What the form shows is what is read: the saved mapping was shown in it.
                ignore_saved: true,
                map,
            },
        }
    }
}

/// `POST /app/{org}/integrations/import/confirm` (members, CSRF): `intent=preview` shows the
/// held file again with the corrected choices; otherwise imports it and goes back to the page
/// with the outcome.
pub(crate) async fn confirm(
    State(state): State<AppState>,
    who: Member,
    client: ClientInfo,
    form: Result<Form<ConfirmForm>, FormRejection>,
) -> Result<Response, ApiError> {
    let Ok(Form(form)) = form else {
        return Err(ApiError::BadRequest(
            "the form could not be read; upload the file again".into(),
        ));
    };
    let id = path_id(&form.upload)?;
    let again = form.intent == "preview";
    let upload = held_upload(&state, &who, id, !again, form.choices()).await?;
    if again {
        return match flowsense_service::upload_preview::preview_upload(&state, &who, upload).await {
            Ok(preview) => render(&state, &who, HeldUpload { id, preview }, None).await,
            Err(e) => Err(e.into()),
        };
    }
    let name = upload.file_name.clone();
    match uploads::import_upload(&state, &who, upload, &client).await {
        Ok(done) => Ok(private(
            Redirect::to(&format!(
                "/app/{}/integrations?import={}",
                who.org, done.import_id
            ))
            .into_response(),
        )),
        Err(e) => {
            let e = ApiError::from(e);
            if e.status().is_server_error() {
                return Err(e);
            }
            let message = format!(
                "{name} was not imported: {}",
                super::sentence(&e.to_string())
            );
            super::integrations::refused(&state, &who, e.status(), message).await
        }
    }
}
