//! Correcting the books: `PATCH /api/v1/orgs/{org}/transactions/{id}` and the rules under
//! `/api/v1/orgs/{org}/rules`.

use super::Body;
use super::answers::{CorrectedAnswer, RuleCreatedAnswer};
use crate::auth::{ClientInfo, Member, Viewer};
use crate::error::path_id;
use crate::{ApiError, AppState};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use flowsense_service::corrections::{self, RuleInput, TxnPatch};
use flowsense_storage::Rule;

/// `PATCH /api/v1/orgs/{org}/transactions/{id}`: the transaction as the reports now see it,
/// with the source's values beside it and the rule made of it (with `always`).
#[utoipa::path(patch, path = "/api/v1/orgs/{org}/transactions/{id}", tag = "books", request_body = flowsense_service::corrections::TxnPatch, responses((status = 200, body = super::answers::CorrectedAnswer)))]
pub(crate) async fn correct(
    State(state): State<AppState>,
    who: Member,
    client: ClientInfo,
    Path((_, id)): Path<(String, String)>,
    Body(patch): Body<TxnPatch>,
) -> Result<Response, ApiError> {
    let id = path_id(&id)?;
    let done = corrections::correct_transaction(&state, &who, id, &patch, &client).await?;
    let n = &done.names;
    Ok(Json(CorrectedAnswer {
        id: n.id,
        category: n.effective_category().to_owned(),
        counterparty: n.effective_counterparty().to_owned(),
        class: n.effective_class(),
        source_category: n.category.clone(),
        source_counterparty: n.counterparty.clone(),
        rule: done.rule,
        past_transactions_changed: done.past_changed,
    })
    .into_response())
}

/// `GET /api/v1/orgs/{org}/rules`.
#[utoipa::path(get, path = "/api/v1/orgs/{org}/rules", tag = "books", responses((status = 200, body = Vec<Rule>)))]
pub(crate) async fn list(
    State(state): State<AppState>,
    who: Viewer,
) -> Result<Json<Vec<Rule>>, ApiError> {
    Ok(Json(corrections::rules(&state, &who).await?))
}

/// `POST /api/v1/orgs/{org}/rules`: 201 with the rule and how many earlier transactions it
/// changed.
#[utoipa::path(post, path = "/api/v1/orgs/{org}/rules", tag = "books", request_body = flowsense_service::corrections::RuleInput, responses((status = 201, body = super::answers::RuleCreatedAnswer)))]
pub(crate) async fn create(
    State(state): State<AppState>,
    who: Member,
    client: ClientInfo,
    Body(input): Body<RuleInput>,
) -> Result<Response, ApiError> {
    let (rule, past) = corrections::save_rule(&state, &who, &input, &client).await?;
    Ok((
        StatusCode::CREATED,
        Json(RuleCreatedAnswer {
            rule,
            past_transactions_changed: past,
        }),
    )
        .into_response())
}

/// `DELETE /api/v1/orgs/{org}/rules/{id}`.
#[utoipa::path(delete, path = "/api/v1/orgs/{org}/rules/{id}", tag = "books", responses((status = 204, description = "Done")))]
pub(crate) async fn delete(
    State(state): State<AppState>,
    who: Member,
    client: ClientInfo,
    Path((_, id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    corrections::delete_rule(&state, &who, path_id(&id)?, &client).await?;
    Ok(StatusCode::NO_CONTENT)
}
