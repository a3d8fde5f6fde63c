//! The invitation page: what an invitation offers the signed-in user, and accepting it.

use super::account::{NextQuery, Refusal, TokenForm, link_incomplete, query, with_next};
use super::encode;
use super::{Chrome, private};
use crate::auth::{ClientInfo, CurrentUser};
use crate::org_path::OrgPath;
use crate::{ApiError, AppState};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Form, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use flowsense_service::orgs::invitations::{self, InvitationPreview};
use flowsense_service::orgs::members;

struct PreviewView {
    org_name: String,
    role: String,
    expires: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "invitation.html")]
struct InvitationPage {
    chrome: Chrome,
    token: String,
    preview: Option<PreviewView>,
    error: Option<String>,
    login_link: String,
    /// Absent on an instance that takes no sign-up at all.
    signup_link: Option<String>,
}

fn invitation_page(
    state: &AppState,
    chrome: Chrome,
    token: &str,
    preview: Option<InvitationPreview>,
    error: Option<String>,
) -> InvitationPage {
    let back = format!("/invitations/accept?token={}", encode(token.trim()));
    InvitationPage {
        chrome,
        token: token.trim().to_owned(),
        preview: preview.map(|p| PreviewView {
            org_name: p.org_name,
            role: p.role.to_string(),
            expires: p.expires_at.format("%-d %B %Y, %H:%M UTC").to_string(),
        }),
        error,
        login_link: with_next("/login", &back),
        signup_link: super::account::signup_link(state.settings.signup, &back),
    }
}

/// `GET /invitations/accept?token=…`: signed in, the organisation and role with an Accept
/// button; signed out, how to sign in (or up) and come back here.
pub(crate) async fn invitation(
    State(state): State<AppState>,
    user: Result<CurrentUser, ApiError>,
    q: Result<Query<NextQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let token = query(q).token;
    let Ok(current) = user else {
        if token.trim().is_empty() {
            return Ok(link_incomplete(
                Chrome::anonymous("invitation"),
                "invitation-incomplete",
            ));
        }
        let page = invitation_page(&state, Chrome::anonymous("invitation"), &token, None, None);
        return Ok(private(page.into_response()));
    };
    let chrome = Chrome::for_user(&state, &current, None, "invitation").await?;
    if token.trim().is_empty() {
        return Ok(link_incomplete(chrome, "invitation-incomplete"));
    }
    match invitations::preview(&state, &current, &token).await {
        Ok(p) => Ok(private(
            invitation_page(&state, chrome, &token, Some(p), None).into_response(),
        )),
        Err(e) => {
            let refusal = Refusal::of(e)?;
            let page = invitation_page(
                &state,
                chrome,
                &token,
                None,
                Some(invitation_message(&refusal)),
            );
            Ok(refusal.respond(page.into_response()))
        }
    }
}

fn invitation_message(r: &Refusal) -> String {
    if r.status == StatusCode::NOT_FOUND {
        "This invitation does not exist. Ask the person who invited you to send a new one.".into()
    } else {
        r.message.clone()
    }
}

/// `POST /invitations/accept`: joins the organisation and opens its dashboard.
pub(crate) async fn accept_invitation(
    State(state): State<AppState>,
    current: CurrentUser,
    client: ClientInfo,
    form: Result<Form<TokenForm>, FormRejection>,
) -> Result<Response, ApiError> {
    let token = form.map(|Form(f)| f.token).unwrap_or_default();
    match members::accept(&state, &current, &token, &client).await {
        Ok(accepted) => {
            let org = OrgPath::for_caller(&state, &current, accepted.org_id).await?;
            Ok(private(
                Redirect::to(&format!("/app/{org}")).into_response(),
            ))
        }
        Err(e) => {
            let refusal = Refusal::of(e)?;
            let chrome = Chrome::for_user(&state, &current, None, "invitation").await?;
            let page = invitation_page(
                &state,
                chrome,
                &token,
                None,
                Some(invitation_message(&refusal)),
            );
            Ok(refusal.respond(page.into_response()))
        }
    }
}
