//! The forms of the forecast page, for members and admins: add or remove a planned amount,
//! save the what-if shown by name or remove a saved scenario. The same use cases as
//! `/api/v1/orgs/{org}/planned-items` and `/api/v1/orgs/{org}/scenarios`. Each answers with a
//! redirect back to the page; a refused value comes back on the page with its message.

use super::forecast::{ForecastQuery, FormState, render};
use super::private;
use super::sentence;
use crate::auth::{ClientInfo, Member};
use crate::error::path_id;
use crate::{ApiError, AppState};
use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use flowsense_service::planned::{self, PlannedError, PlannedInput};
use flowsense_service::whatif::WhatIfInput;
use flowsense_service::whatif::saved::{self, SavedError};
use serde::Deserialize;

/// The planned-amount form as sent (its hidden CSRF field is read by the CSRF layer).
#[derive(Debug, Default, Deserialize)]
pub(crate) struct PlannedForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    direction: String,
    #[serde(default)]
    repeat: String,
    #[serde(default)]
    until: String,
    #[serde(default)]
    confidence: String,
}

impl From<PlannedForm> for PlannedInput {
    fn from(f: PlannedForm) -> Self {
        PlannedInput {
            name: f.name,
            date: f.date,
            amount: f.amount,
            direction: f.direction,
            repeat: f.repeat,
            until: f.until,
            confidence: f.confidence,
        }
    }
}

/// The save-scenario form: a name, and the what-if shown, as hidden fields.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ScenarioForm {
    #[serde(default)]
    name: String,
    #[serde(flatten)]
    w: WhatIfInput,
}

fn back(who: &Member, rest: &str) -> Response {
    private(Redirect::to(&format!("/app/{}/forecast{rest}", who.path)).into_response())
}

/// The page again, with what was sent and why it was refused.
async fn again(
    state: &AppState,
    who: &Member,
    query: ForecastQuery,
    f: FormState,
    status: StatusCode,
) -> Result<Response, ApiError> {
    render(state, who, &who.path, query, false, f, status).await
}

const UNREADABLE: &str = "The form could not be read; reload the page and try again.";

/// `POST /app/{org}/forecast/planned`.
pub(crate) async fn add_planned(
    State(state): State<AppState>,
    who: Member,
    client: ClientInfo,
    form: Result<Form<PlannedForm>, FormRejection>,
) -> Result<Response, ApiError> {
    let Ok(Form(form)) = form else {
        let f = FormState {
            planned_error: Some(("form", UNREADABLE.to_owned())),
            ..FormState::default()
        };
        return again(
            &state,
            &who,
            ForecastQuery::default(),
            f,
            StatusCode::BAD_REQUEST,
        )
        .await;
    };
    let input = PlannedInput::from(form);
    let (field, message, status) = match planned::add(&state, &who, &input, &client).await {
        Ok(_) => return Ok(back(&who, "?planned=added#planned")),
        Err(PlannedError::Invalid(e)) => (
            e.field,
            sentence(&e.message),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        Err(e @ PlannedError::TooMany) => ("form", sentence(&e.to_string()), StatusCode::CONFLICT),
        Err(e) => return Err(e.into()),
    };
    let f = FormState {
        planned: input,
        planned_error: Some((field, message)),
        ..FormState::default()
    };
    again(&state, &who, ForecastQuery::default(), f, status).await
}

/// `POST /app/{org}/forecast/planned/{id}/delete`.
pub(crate) async fn remove_planned(
    State(state): State<AppState>,
    who: Member,
    client: ClientInfo,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    planned::remove(&state, &who, path_id(&id)?, &client).await?;
    Ok(back(&who, "?planned=removed#planned"))
}

/// `POST /app/{org}/forecast/scenarios`: saves the what-if shown, then shows it saved.
pub(crate) async fn save_scenario(
    State(state): State<AppState>,
    who: Member,
    client: ClientInfo,
    form: Result<Form<ScenarioForm>, FormRejection>,
) -> Result<Response, ApiError> {
    let Ok(Form(form)) = form else {
        let f = FormState {
            scenario_error: Some(UNREADABLE.to_owned()),
            ..FormState::default()
        };
        return again(
            &state,
            &who,
            ForecastQuery::default(),
            f,
            StatusCode::BAD_REQUEST,
        )
        .await;
    };
    let (message, status) = match saved::save(&state, &who, &form.name, &form.w, &client).await {
        Ok(s) => return Ok(back(&who, &format!("?scenario={}#scenarios", s.id))),
        Err(SavedError::Invalid(e)) => (sentence(&e.message), StatusCode::UNPROCESSABLE_ENTITY),
        Err(e @ SavedError::TooMany) => (sentence(&e.to_string()), StatusCode::CONFLICT),
        Err(e) => return Err(e.into()),
    };
    let f = FormState {
        scenario_name: form.name,
        scenario_error: Some(message),
        ..FormState::default()
    };
    let query = ForecastQuery {
        w: form.w,
        ..ForecastQuery::default()
    };
    again(&state, &who, query, f, status).await
}

/// `POST /app/{org}/forecast/scenarios/{id}/delete`.
pub(crate) async fn remove_scenario(
    State(state): State<AppState>,
    who: Member,
    client: ClientInfo,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    saved::remove(&state, &who, path_id(&id)?, &client).await?;
    Ok(back(&who, "#scenarios"))
}
