//! Password reset pages: asking for a link, and choosing a new password from it. The token
//! travels from the link's query string into a hidden field, so a link scanner that fetches
//! the URL never uses it up.

use super::account::{
    Link, NextQuery, Refusal, TokenForm, link_incomplete, notice, query, sign_in_link,
};
use super::{Chrome, private};
use crate::auth::ClientInfo;
use crate::{ApiError, AppState};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Form, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use flowsense_service::identity::{IdentityError, passwords};
use serde::Deserialize;

#[derive(Template, WebTemplate)]
#[template(path = "reset_password.html")]
struct ResetPassword {
    chrome: Chrome,
    token: Option<String>,
    email: String,
    error: Option<String>,
}

/// `GET /reset-password`: asks for the address; with `?token=` asks for the new password.
pub(crate) async fn reset_form(q: Result<Query<NextQuery>, QueryRejection>) -> Response {
    let q = query(q);
    let token = Some(q.token).filter(|t| !t.trim().is_empty());
    private(
        ResetPassword {
            chrome: Chrome::anonymous("reset"),
            token,
            email: String::new(),
            error: None,
        }
        .into_response(),
    )
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct EmailForm {
    #[serde(default)]
    email: String,
}

/// `POST /reset-password`: mails a link when the address has an account; says the same anyway.
pub(crate) async fn reset_request(
    State(state): State<AppState>,
    client: ClientInfo,
    form: Result<Form<EmailForm>, FormRejection>,
) -> Result<Response, ApiError> {
    let email = form.map(|Form(f)| f.email).unwrap_or_default();
    match passwords::request_password_reset(&state, &email, &client).await {
        Ok(()) => Ok(notice(
            Chrome::anonymous("reset"),
            StatusCode::OK,
            "reset-sent",
            "Check your inbox",
            vec![
                format!(
                    "If {} belongs to an account, we sent it a link to choose a new password. The link works once, within an hour.",
                    email.trim()
                ),
                super::account::nothing_arrived(&state).to_owned(),
            ],
            None,
        )),
        Err(e) => {
            let refusal = Refusal::of(e)?;
            let page = ResetPassword {
                chrome: Chrome::anonymous("reset"),
                token: None,
                email,
                error: Some(refusal.message.clone()),
            };
            Ok(refusal.respond(page.into_response()))
        }
    }
}

/// `POST /reset-password/confirm`: sets the new password; every session is signed out.
pub(crate) async fn reset_confirm(
    State(state): State<AppState>,
    client: ClientInfo,
    form: Result<Form<TokenForm>, FormRejection>,
) -> Result<Response, ApiError> {
    let form = form.map(|Form(f)| f).unwrap_or_default();
    if form.token.trim().is_empty() {
        return Ok(link_incomplete(
            Chrome::anonymous("reset"),
            "reset-incomplete",
        ));
    }
    let token = form.token.trim().to_owned();
    let input = passwords::ResetConfirm {
        token: token.clone(),
        new_password: form.new_password,
    };
    match passwords::confirm_password_reset(&state, input, &client).await {
        Ok(()) => Ok(notice(
            Chrome::anonymous("reset"),
            StatusCode::OK,
            "password-reset",
            "Your password has been changed",
            vec![
                "Every session of your account was signed out. Sign in with the new password."
                    .into(),
            ],
            sign_in_link(""),
        )),
        Err(IdentityError::InvalidLink) => Ok(notice(
            Chrome::anonymous("reset"),
            StatusCode::BAD_REQUEST,
            "reset-failed",
            "This link is invalid or has expired",
            vec!["A reset link works once, within an hour. Ask for a new one.".into()],
            Some(Link {
                href: "/reset-password".into(),
                label: "Ask for a new link",
            }),
        )),
        Err(e) => {
            let refusal = Refusal::of(e)?;
            let page = ResetPassword {
                chrome: Chrome::anonymous("reset"),
                token: Some(token),
                email: String::new(),
                error: Some(refusal.message.clone()),
            };
            Ok(refusal.respond(page.into_response()))
        }
    }
}
