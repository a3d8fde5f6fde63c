//! `GET /oauth/{provider}/callback`: where the provider sends the admin's browser back. The
//! service takes the state once and checks it belongs to this session; the browser then goes
//! back to the organisation's integrations page with what happened (or, when a Xero login
//! reaches several organisations, on to the page where the admin chooses one). A callback that cannot be
//! tied to this session's organisation gets a page saying so (400) instead.

use crate::auth::{ClientInfo, CurrentUser};
use crate::org_path::OrgPath;
use crate::pages::account::{Link, notice};
use crate::pages::{Chrome, private};
use crate::{ApiError, AppState};
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use flowsense_core::ErrorChain;
use flowsense_service::connections::{self, ConnectionError, Finished, Provider};

/// The integrations page's `?connection=` value for each outcome.
fn outcome_of(error: &ConnectionError) -> &'static str {
    match error {
        ConnectionError::Denied(_) => "denied",
        ConnectionError::InvalidState => "expired",
        ConnectionError::NotConfigured(_) => "not-configured",
        ConnectionError::NoTenants(_) => "no-tenants",
        _ => "failed",
    }
}

pub(crate) async fn callback(
    State(state): State<AppState>,
    current: CurrentUser,
    client: ClientInfo,
    Path(provider): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let provider: Provider = provider.parse().map_err(|_| ApiError::NotFound)?;
    let query = query.unwrap_or_default();
    let result = connections::finish_connect(
        &state,
        provider,
        client.presented_session.as_deref(),
        &query,
        &client.ip,
    )
    .await;
    let (org, outcome) = match result {
        Ok(Finished::Connected(done)) => (done.org, "connected"),
        Ok(Finished::ChooseTenant { org }) => {
            let org = OrgPath::for_caller(&state, &current, org).await?;
            return Ok(private(
                Redirect::to(&format!("/app/{org}/integrations/{provider}/tenants"))
                    .into_response(),
            ));
        }
        Err(failure) => {
            if matches!(
                failure.error,
                ConnectionError::Provider(..) | ConnectionError::Storage(_)
            ) {
                tracing::error!(error = %ErrorChain(&failure.error), "a connection did not complete");
            }
            match failure.org {
                Some(org) => (org, outcome_of(&failure.error)),
                None => {
                    let chrome = Chrome::for_user(&state, &current, None, "app").await?;
                    return Ok(notice(
                        chrome,
                        StatusCode::BAD_REQUEST,
                        "connection-refused",
                        "The connection was not completed",
                        vec![crate::pages::sentence(&failure.error.to_string())],
                        Some(Link {
                            href: "/app".into(),
                            label: "Back to FlowSense",
                        }),
                    ));
                }
            }
        }
    };
    let org = OrgPath::for_caller(&state, &current, org).await?;
    Ok(private(
        Redirect::to(&format!("/app/{org}/integrations?connection={outcome}")).into_response(),
    ))
}
