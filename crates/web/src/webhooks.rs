//! `POST /webhooks/quickbooks`, `/webhooks/xero` and `/webhooks/stripe`: the providers' signed
//! deliveries, read as raw bytes (the signature covers them exactly) and handed to the service.
//! 200 with an empty body when accepted (a replay or an unknown company included), 401 changing
//! nothing for a bad signature, 404 when the instance has no signing secret for the provider, 429
//! past the per-address limit. Stripe's answers follow Stripe's convention instead: 400 for a
//! bad or stale signature and for a replayed delivery (nothing changed), 200 for an event
//! acted on or already acted on, 500 when it could not be acted on (Stripe retries).

use crate::auth::ClientInfo;
use crate::{ApiError, AppState};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use flowsense_service::billing::{STRIPE_SIGNATURE_HEADER, receive_stripe};
use flowsense_service::connections::webhooks::{
    self, QUICKBOOKS_SIGNATURE_HEADER, XERO_SIGNATURE_HEADER,
};

pub use webhooks::MAX_WEBHOOK_BODY;

fn header<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

pub(crate) async fn quickbooks(
    State(state): State<AppState>,
    client: ClientInfo,
    headers: HeaderMap,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    webhooks::receive_quickbooks(
        &state,
        &client.ip,
        header(&headers, QUICKBOOKS_SIGNATURE_HEADER),
        &body,
    )
    .await?;
    Ok(StatusCode::OK)
}

pub(crate) async fn xero(
    State(state): State<AppState>,
    client: ClientInfo,
    headers: HeaderMap,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    webhooks::receive_xero(
        &state,
        &client.ip,
        header(&headers, XERO_SIGNATURE_HEADER),
        &body,
    )
    .await?;
    Ok(StatusCode::OK)
}

pub(crate) async fn stripe(
    State(state): State<AppState>,
    client: ClientInfo,
    headers: HeaderMap,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    receive_stripe(
        &state,
        &client.ip,
        header(&headers, STRIPE_SIGNATURE_HEADER),
        &body,
    )
    .await?;
    Ok(StatusCode::OK)
}
