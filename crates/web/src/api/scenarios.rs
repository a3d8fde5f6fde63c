//! `/api/v1/orgs/{org}/scenarios`: what-if scenarios saved by name, and a saved scenario's
//! forecast beside the baseline. Every role lists, reads and forecasts them; members and admins
//! save and remove them. The same use cases, validation and bounds as the forecast page's forms.

use super::Body;
use crate::auth::{ClientInfo, Member, Viewer};
use crate::error::path_id;
use crate::{ApiError, AppState};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use flowsense_service::whatif::WhatIfInput;
use flowsense_service::whatif::saved::{self, Outcome, Saved, outcome};
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

/// A saved scenario as the API shows it: the what-if form's fields as they were saved.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct ScenarioJson {
    id: Uuid,
    name: String,
    inputs: WhatIfInput,
}

impl From<Saved> for ScenarioJson {
    fn from(s: Saved) -> Self {
        Self {
            id: s.id,
            name: s.name,
            inputs: s.input,
        }
    }
}

/// The body of a new scenario: its `name` and the what-if form's fields, as text, each
/// optional (see [`WhatIfInput`]). Unknown fields are refused.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewScenario {
    #[serde(default)]
    name: String,
    #[serde(default)]
    oneoff_amount: String,
    #[serde(default)]
    oneoff_direction: String,
    #[serde(default)]
    oneoff_date: String,
    #[serde(default)]
    monthly_amount: String,
    #[serde(default)]
    monthly_kind: String,
    #[serde(default)]
    monthly_from: String,
    #[serde(default)]
    delay_days: String,
    #[serde(default)]
    drop: String,
}

impl NewScenario {
    fn inputs(self) -> (String, WhatIfInput) {
        let inputs = WhatIfInput {
            oneoff_amount: self.oneoff_amount,
            oneoff_direction: self.oneoff_direction,
            oneoff_date: self.oneoff_date,
            monthly_amount: self.monthly_amount,
            monthly_kind: self.monthly_kind,
            monthly_from: self.monthly_from,
            delay_days: self.delay_days,
            drop: self.drop,
        };
        (self.name, inputs)
    }
}

#[utoipa::path(get, path = "/api/v1/orgs/{org}/scenarios", tag = "forecast", responses((status = 200, body = Vec<ScenarioJson>)))]
pub(crate) async fn list(
    State(state): State<AppState>,
    who: Viewer,
) -> Result<Json<Vec<ScenarioJson>>, ApiError> {
    let saved = saved::list(&state, &who).await?;
    Ok(Json(saved.into_iter().map(Into::into).collect()))
}

/// 201 with the scenario; 422 naming the field that does not read against the books, or when
/// the organisation already keeps the most scenarios it may.
#[utoipa::path(post, path = "/api/v1/orgs/{org}/scenarios", tag = "forecast", request_body = NewScenario, responses((status = 201, body = ScenarioJson)))]
pub(crate) async fn create(
    State(state): State<AppState>,
    who: Member,
    client: ClientInfo,
    Body(new): Body<NewScenario>,
) -> Result<Response, ApiError> {
    let (name, inputs) = new.inputs();
    let s = saved::save(&state, &who, &name, &inputs, &client).await?;
    Ok((StatusCode::CREATED, Json(ScenarioJson::from(s))).into_response())
}

/// 404 when the organisation has no such scenario.
#[utoipa::path(get, path = "/api/v1/orgs/{org}/scenarios/{id}", tag = "forecast", responses((status = 200, body = ScenarioJson)))]
pub(crate) async fn get(
    State(state): State<AppState>,
    who: Viewer,
    Path((_, id)): Path<(String, String)>,
) -> Result<Json<ScenarioJson>, ApiError> {
    Ok(Json(saved::get(&state, &who, path_id(&id)?).await?.into()))
}

/// 204; 404 when the organisation has no such scenario.
#[utoipa::path(delete, path = "/api/v1/orgs/{org}/scenarios/{id}", tag = "forecast", responses((status = 204, description = "Done")))]
pub(crate) async fn delete(
    State(state): State<AppState>,
    who: Member,
    client: ClientInfo,
    Path((_, id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    saved::remove(&state, &who, path_id(&id)?, &client).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The forecast with the scenario applied beside the baseline: both forecasts (the JSON of
/// `reports/forecast`), the changes the scenario makes in words, and each one summed up
/// (lowest cash and its day, cash at the last week, the week cash runs out) with the
/// differences. 422 naming the field when the scenario no longer applies to the books.
#[utoipa::path(get, path = "/api/v1/orgs/{org}/scenarios/{id}/forecast", tag = "forecast", responses((status = 200, body = serde_json::Value, description = "`scenario`, `changes`, `currency`, `as_of`, `summary` (`baseline`, `with_scenario`, `difference`), and both forecasts: `baseline` and `with_scenario`")))]
pub(crate) async fn forecast(
    State(state): State<AppState>,
    who: Viewer,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let c = saved::compare_with_baseline(&state, &who, path_id(&id)?).await?;
    let (base, with) = (outcome(&c.baseline), outcome(&c.with_scenario));
    let summary = |o: &Outcome| {
        json!({
            "lowest_cash_minor": o.lowest,
            "lowest_cash_on": o.lowest_on,
            "last_week_cash_minor": o.last_week,
            "runs_out_on": o.runs_out_on,
        })
    };
    let body = json!({
        "scenario": ScenarioJson::from(c.saved),
        "changes": c.changes,
        "currency": c.baseline.currency,
        "as_of": c.baseline.as_of,
        "summary": {
            "baseline": summary(&base),
            "with_scenario": summary(&with),
            "difference": {
                "lowest_cash_minor": with.lowest - base.lowest,
                "last_week_cash_minor": with.last_week - base.last_week,
            },
        },
        "baseline": c.baseline,
        "with_scenario": c.with_scenario,
    });
    Ok(super::books::private_json(body.to_string()))
}
