//! `/app/{org}/welcome`: the step after creating a business — bring the books in. Connect
//! QuickBooks or Xero (only those this instance is configured for), or upload a bank file, with
//! a sample file to try first. The forms post to the integrations page's own targets.

use super::integrations::{Provider, provider_cards};
use super::{Chrome, private};
use crate::auth::Member;
use crate::org_path::OrgPath;
use crate::uploads::MAX_UPLOAD_BYTES;
use crate::{ApiError, AppState};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use flowsense_service::orgs::lifecycle;

#[derive(Template, WebTemplate)]
#[template(path = "welcome.html")]
struct WelcomePage {
    chrome: Chrome,
    csrf: String,
    org_id: OrgPath,
    org_name: String,
    max_mb: u64,
    /// The accounting providers configured on this instance (none: only the upload is offered).
    providers: Vec<Provider>,
}

/// `GET /app/{org}/welcome` (members and admins: viewers bring no books in).
pub(crate) async fn page(State(state): State<AppState>, who: Member) -> Result<Response, ApiError> {
    let org = lifecycle::organisation(&state, &who).await?;
    let chrome = Chrome::for_user(&state, &who.current, Some(who.org), "welcome").await?;
    let page = WelcomePage {
        csrf: chrome.csrf_token.clone().unwrap_or_default(),
        chrome,
        org_id: who.path.clone(),
        org_name: org.name,
        max_mb: MAX_UPLOAD_BYTES >> 20,
        providers: provider_cards(&state)
            .into_iter()
            .filter(|p| p.configured)
            .collect(),
    };
    Ok(private(page.into_response()))
}
