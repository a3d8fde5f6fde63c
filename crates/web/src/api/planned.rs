//! `/api/v1/orgs/{org}/planned-items`: the amounts an owner expects, which the forecast
//! includes. Every role lists them; members and admins add and remove them.

use super::Body;
use crate::auth::{ClientInfo, Member, Viewer};
use crate::error::path_id;
use crate::{ApiError, AppState};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use flowsense_core::Repeat;
use flowsense_service::planned::{self, PlannedInput};
use flowsense_storage::PlannedItem;
use serde::Serialize;
use uuid::Uuid;

/// One planned amount as the API shows it: amounts in minor units (negative: money out).
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct PlannedItemJson {
    id: Uuid,
    name: String,
    date: NaiveDate,
    amount_minor: i64,
    repeat: Repeat,
    until: Option<NaiveDate>,
    confidence_percent: u8,
    /// What the forecast counts for each occurrence: the confident share of the amount.
    expected_minor: i64,
}

impl From<PlannedItem> for PlannedItemJson {
    fn from(i: PlannedItem) -> Self {
        Self {
            id: i.id,
            name: i.name,
            date: i.flow.first,
            amount_minor: i.flow.amount,
            repeat: i.flow.repeat,
            until: i.flow.until,
            confidence_percent: i.flow.confidence_percent,
            expected_minor: i.flow.expected_amount(),
        }
    }
}

#[utoipa::path(get, path = "/api/v1/orgs/{org}/planned-items", tag = "forecast", responses((status = 200, body = Vec<PlannedItemJson>)))]
pub(crate) async fn list(
    State(state): State<AppState>,
    who: Viewer,
) -> Result<Json<Vec<PlannedItemJson>>, ApiError> {
    let items = planned::list(&state, &who).await?;
    Ok(Json(items.into_iter().map(Into::into).collect()))
}

/// 201 with the item. The body has the form's fields as text: `name`, `date` (YYYY-MM-DD),
/// `amount` (e.g. `"1250.00"`), `direction` (`in` or `out`), `repeat`, `until`, `confidence`.
#[utoipa::path(post, path = "/api/v1/orgs/{org}/planned-items", tag = "forecast", request_body = PlannedInput, responses((status = 201, body = PlannedItemJson)))]
pub(crate) async fn create(
    State(state): State<AppState>,
    who: Member,
    client: ClientInfo,
    Body(input): Body<PlannedInput>,
) -> Result<Response, ApiError> {
    let item = planned::add(&state, &who, &input, &client).await?;
    Ok((StatusCode::CREATED, Json(PlannedItemJson::from(item))).into_response())
}

/// 204; 404 when the organisation has no such item.
#[utoipa::path(delete, path = "/api/v1/orgs/{org}/planned-items/{id}", tag = "forecast", responses((status = 204, description = "Done")))]
pub(crate) async fn delete(
    State(state): State<AppState>,
    who: Member,
    client: ClientInfo,
    Path((_, id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let id: Uuid = path_id(&id)?;
    planned::remove(&state, &who, id, &client).await?;
    Ok(StatusCode::NO_CONTENT)
}
