//! `/api/v1/orgs/{org}/rates`: the organisation's exchange rates and what its books still lack a
//! rate for. Every role reads them; admins add one (it replaces the organisation's rate of the
//! same date and pair).

use super::Body;
use crate::auth::{Admin, ClientInfo, Viewer};
use crate::{ApiError, AppState};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use flowsense_core::fx::Rate;
use flowsense_service::rates::{self, RateInput, RatesView};

/// 200 with `{base_currency, rates: [{date, from, to, rate, source}], missing_rates:
/// [{currency, first_date, last_date, count}]}`; rates are exact decimals written as strings.
#[utoipa::path(get, path = "/api/v1/orgs/{org}/rates", tag = "books", responses((status = 200, body = RatesView)))]
pub(crate) async fn list(
    State(state): State<AppState>,
    who: Viewer,
) -> Result<Json<RatesView>, ApiError> {
    Ok(Json(rates::view(&state, &who).await?))
}

/// 201 with the rate. The body: `date` (YYYY-MM-DD), `from`, `to` (currency codes) and `rate`
/// (units of `to` per unit of `from`, a decimal string such as `"1.0834"`).
#[utoipa::path(post, path = "/api/v1/orgs/{org}/rates", tag = "books", request_body = RateInput, responses((status = 201, body = Rate)))]
pub(crate) async fn create(
    State(state): State<AppState>,
    who: Admin,
    client: ClientInfo,
    Body(input): Body<RateInput>,
) -> Result<Response, ApiError> {
    let rate: Rate = rates::add(&state, &who, &input, &client).await?;
    Ok((StatusCode::CREATED, Json(rate)).into_response())
}
