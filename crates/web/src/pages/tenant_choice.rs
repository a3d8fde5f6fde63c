//! `/app/{org}/integrations/{provider}/tenants`: when a Xero login reaches several
//! organisations, the admin who connected chooses one here (the service keeps the grant bound
//! to this session; the form names the grant and the organisation's position in the list,
//! never the provider's ids). A choice that is no longer waiting goes back to the integrations
//! page saying so.

use super::{Chrome, private};
use crate::auth::{Admin, ClientInfo, RecentAuth};
use crate::org_path::OrgPath;
use crate::{ApiError, AppState};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use flowsense_service::connections::{self, ConnectionError, Provider, TenantChoice, TenantOption};
use flowsense_service::orgs::lifecycle;
use serde::Deserialize;
use uuid::Uuid;

#[derive(Template, WebTemplate)]
#[template(path = "tenant_choice.html")]
struct TenantChoicePage {
    chrome: Chrome,
    csrf: String,
    org_id: OrgPath,
    org_name: String,
    provider_name: &'static str,
    provider_slug: &'static str,
    grant: Uuid,
    tenants: Vec<TenantOption>,
    expires: String,
    error: Option<String>,
}

fn back_to_integrations(org: &OrgPath, outcome: &str) -> Response {
    private(Redirect::to(&format!("/app/{org}/integrations?connection={outcome}")).into_response())
}

fn provider_of(raw: &str) -> Result<Provider, ApiError> {
    match raw.parse() {
        Ok(Provider::Xero) => Ok(Provider::Xero),
        _ => Err(ApiError::NotFound),
    }
}

async fn render(
    state: &AppState,
    who: &Admin,
    status: StatusCode,
    choice: TenantChoice,
    error: Option<String>,
) -> Result<Response, ApiError> {
    let chrome = Chrome::for_user(state, &who.current, Some(who.org), "integrations").await?;
    let org_name = lifecycle::organisation(state, who).await?.name;
    let page = TenantChoicePage {
        csrf: chrome.csrf_token.clone().unwrap_or_default(),
        chrome,
        org_id: who.path.clone(),
        org_name,
        provider_name: choice.provider.display_name(),
        provider_slug: choice.provider.as_str(),
        grant: choice.grant,
        tenants: choice.tenants,
        expires: choice.expires_at.format("%H:%M UTC").to_string(),
        error,
    };
    Ok(private((status, page).into_response()))
}

/// `GET`: the organisations the waiting grant reaches (admins, this session only).
pub(crate) async fn page(
    State(state): State<AppState>,
    who: Admin,
    client: ClientInfo,
    Path((_, provider)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let provider = provider_of(&provider)?;
    match connections::pending_tenants(&state, &who, provider, client.presented_session.as_deref())
        .await
    {
        Ok(choice) => render(&state, &who, StatusCode::OK, choice, None).await,
        // Nothing waits for this session (or there is no session: an API token).
        Err(ConnectionError::InvalidState | ConnectionError::SessionRequired) => {
            Ok(back_to_integrations(&who.path, "expired"))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct ChoiceForm {
    #[serde(default)]
    grant: String,
    #[serde(default)]
    tenant: String,
}

/// `POST` (admins, CSRF, recent sign-in): connects the organisation chosen.
pub(crate) async fn choose(
    State(state): State<AppState>,
    who: Admin,
    _: RecentAuth,
    client: ClientInfo,
    Path((_, provider)): Path<(String, String)>,
    form: Result<Form<ChoiceForm>, FormRejection>,
) -> Result<Response, ApiError> {
    let provider = provider_of(&provider)?;
    let form = form.map(|Form(f)| f).unwrap_or_default();
    let session = client.presented_session.as_deref();
    let (Ok(grant), Ok(index)) = (form.grant.parse::<Uuid>(), form.tenant.parse::<usize>()) else {
        return Ok(back_to_integrations(&who.path, "expired"));
    };
    let refusal =
        match connections::choose_tenant(&state, &who, provider, session, grant, index, &client.ip)
            .await
        {
            Ok(_) => return Ok(back_to_integrations(&who.path, "connected")),
            Err(ConnectionError::InvalidState) => {
                return Ok(back_to_integrations(&who.path, "expired"));
            }
            Err(e @ ConnectionError::AlreadyConnected(_)) => (StatusCode::CONFLICT, e.to_string()),
            Err(ConnectionError::NotFound) => (
                StatusCode::BAD_REQUEST,
                "Choose one of the organisations listed.".to_owned(),
            ),
            Err(e) => return Err(e.into()),
        };
    let choice = match connections::pending_tenants(&state, &who, provider, session).await {
        Ok(choice) => choice,
        Err(ConnectionError::InvalidState) => {
            return Ok(back_to_integrations(&who.path, "expired"));
        }
        Err(e) => return Err(e.into()),
    };
    let (status, message) = refusal;
    render(
        &state,
        &who,
        status,
        choice,
        Some(super::sentence(&message)),
    )
    .await
}
