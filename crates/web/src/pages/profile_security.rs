//! The profile forms that touch what protects the account: enrolling and removing the second
//! factor, creating API tokens, deleting the account. Sensitive ones need recent
//! authentication: when the session is older than the step-up window, the form carries the
//! password (and code) and is re-authenticated through the same service as the API's
//! `/auth/reauthenticate` before the action runs.

use super::account::Refusal;
use super::profile::{Extras, Fields, NewToken, Section, done, field, fields, refuse, render};
use super::{Chrome, private, qr, split_code};
use crate::auth::session::{Issued, clearing_cookie, session_cookie};
use crate::auth::{ClientInfo, CurrentUser};
use crate::service::mfa::{self, Enrolment};
use crate::service::own_data;
use crate::service::passwords::{self, Reauthenticate};
use crate::service::tokens::{self, NewTokenInput};
use crate::{ApiError, AppState};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use flowsense_storage::TokenScope;

/// Proves the user again from the form's `password` (and `code`), unless the session already
/// did so recently. `Some` is the renewed session the answer must hand to the browser.
async fn step_up(
    state: &AppState,
    current: &CurrentUser,
    client: &ClientInfo,
    f: &Fields,
) -> Result<Option<Issued>, ApiError> {
    if current.authenticated_recently(state) {
        return Ok(None);
    }
    reauthenticate(state, current, client, f).await.map(Some)
}

async fn reauthenticate(
    state: &AppState,
    current: &CurrentUser,
    client: &ClientInfo,
    f: &Fields,
) -> Result<Issued, ApiError> {
    let password = field(f, "password");
    if password.is_empty() {
        return Err(ApiError::Forbidden("reauthentication_required"));
    }
    let (totp, recovery_code) = split_code(Some(field(f, "code")));
    let input = Reauthenticate {
        password,
        totp,
        recovery_code,
    };
    passwords::reauthenticate(state, current, input, client).await
}

#[derive(Template, WebTemplate)]
#[template(path = "mfa_enrol.html")]
struct EnrolPage {
    chrome: Chrome,
    csrf: String,
    qr_svg: String,
    secret: String,
    error: Option<String>,
}

/// The secret in groups of four, as authenticator apps show and accept it.
fn grouped(secret: &str) -> String {
    secret
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

async fn enrol_page(
    state: &AppState,
    current: &CurrentUser,
    enrolment: &Enrolment,
    refusal: Option<&Refusal>,
) -> Result<Response, ApiError> {
    let chrome = Chrome::for_user(state, current, None, "profile").await?;
    let page = EnrolPage {
        csrf: chrome.csrf_token.clone().unwrap_or_default(),
        chrome,
        qr_svg: qr::svg(&enrolment.otpauth_uri, "mfa-qr")
            .ok_or_else(|| ApiError::Internal("cannot draw the QR code".into()))?,
        secret: grouped(&enrolment.secret),
        error: refusal.map(|r| r.message.clone()),
    }
    .into_response();
    Ok(match refusal {
        Some(r) => r.respond(page),
        None => private(page),
    })
}

/// `POST /app/profile/mfa/enrol`: a new secret, shown as a QR code and as text.
pub(crate) async fn mfa_enrol(
    State(state): State<AppState>,
    current: CurrentUser,
) -> Result<Response, ApiError> {
    match mfa::enrol(&state, &current).await {
        Ok(enrolment) => enrol_page(&state, &current, &enrolment, None).await,
        Err(e) => {
            let r = Refusal::of(e)?;
            refuse(&state, &current, Section::Mfa, &r, Extras::default()).await
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "mfa_recovery.html")]
struct RecoveryPage {
    chrome: Chrome,
    codes: Vec<String>,
}

/// `POST /app/profile/mfa/confirm`: the first code turns MFA on; the recovery codes are shown
/// this once, and the session is renewed (a privilege change).
pub(crate) async fn mfa_confirm(
    State(state): State<AppState>,
    current: CurrentUser,
    client: ClientInfo,
    form: Result<Form<Fields>, FormRejection>,
) -> Result<Response, ApiError> {
    let code = field(&fields(form), "code");
    match mfa::verify(&state, &current, &code, &client).await {
        Ok((codes, issued)) => {
            let mut chrome = Chrome::for_user(&state, &current, None, "profile").await?;
            chrome.csrf_token = Some(issued.csrf_token.clone());
            let mut r = RecoveryPage { chrome, codes }.into_response();
            r.headers_mut()
                .insert(header::SET_COOKIE, session_cookie(&state, &issued.token));
            Ok(private(r))
        }
        Err(e) => {
            let r = Refusal::of(e)?;
            match mfa::pending(&state, &current).await? {
                Some(enrolment) => enrol_page(&state, &current, &enrolment, Some(&r)).await,
                None => refuse(&state, &current, Section::Mfa, &r, Extras::default()).await,
            }
        }
    }
}

/// `POST /app/profile/mfa/disable` (recent authentication).
pub(crate) async fn mfa_disable(
    State(state): State<AppState>,
    current: CurrentUser,
    client: ClientInfo,
    form: Result<Form<Fields>, FormRejection>,
) -> Result<Response, ApiError> {
    let f = fields(form);
    let mut x = Extras::default();
    let outcome = match step_up(&state, &current, &client, &f).await {
        Ok(issued) => {
            x.issued = issued;
            mfa::disable(&state, &current, &client).await
        }
        Err(e) => Err(e),
    };
    match outcome {
        Ok(()) => Ok(done(&state, "mfa-off", x.issued.as_ref())),
        Err(e) => {
            let r = Refusal::of(e)?;
            refuse(&state, &current, Section::Mfa, &r, x).await
        }
    }
}

/// `POST /app/profile/tokens` (recent authentication): the new token is shown this once.
pub(crate) async fn create_token(
    State(state): State<AppState>,
    current: CurrentUser,
    client: ClientInfo,
    form: Result<Form<Fields>, FormRejection>,
) -> Result<Response, ApiError> {
    let f = fields(form);
    let mut x = Extras {
        token_name: field(&f, "name"),
        token_scope: field(&f, "scope"),
        token_days: field(&f, "expires_in_days"),
        ..Extras::default()
    };
    let scope = match x.token_scope.as_str() {
        "read" => Some(TokenScope::Read),
        "write" => Some(TokenScope::Write),
        _ => None,
    };
    let days = x.token_days.trim().parse::<i64>().ok();
    let (Some(scope), Some(days)) = (scope, days) else {
        let r = Refusal::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Choose the token's access and when it expires.",
        );
        return refuse(&state, &current, Section::Tokens, &r, x).await;
    };
    let outcome = match step_up(&state, &current, &client, &f).await {
        Ok(issued) => {
            x.issued = issued;
            let input = NewTokenInput {
                name: x.token_name.clone(),
                scope,
                expires_in_days: Some(days),
            };
            tokens::create(&state, &current, input, &client).await
        }
        Err(e) => Err(e),
    };
    match outcome {
        Ok(created) => {
            x.new_token = Some(NewToken {
                name: created.meta.name,
                secret: created.token,
            });
            x.token_name.clear();
            render(&state, &current, x, StatusCode::CREATED).await
        }
        Err(e) => {
            let r = Refusal::of(e)?;
            refuse(&state, &current, Section::Tokens, &r, x).await
        }
    }
}

/// `POST /app/profile/delete`: the typed e-mail address and the password (and code) confirm
/// it; then the account goes, the browser forgets the session and lands on the start page.
pub(crate) async fn delete_account(
    State(state): State<AppState>,
    current: CurrentUser,
    client: ClientInfo,
    form: Result<Form<Fields>, FormRejection>,
) -> Result<Response, ApiError> {
    let f = fields(form);
    let mut x = Extras {
        delete_email: field(&f, "confirm_email"),
        ..Extras::default()
    };
    if x.delete_email.trim().to_lowercase() != current.user.email {
        let r = Refusal::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Type your e-mail address exactly as it is shown above to confirm.",
        );
        return refuse(&state, &current, Section::Delete, &r, x).await;
    }
    if !own_data::deletion_blockers(&state, current.id())
        .await?
        .is_empty()
    {
        let r = Refusal::of(ApiError::Conflict("sole_admin"))?;
        return refuse(&state, &current, Section::Delete, &r, x).await;
    }
    let outcome = match reauthenticate(&state, &current, &client, &f).await {
        Ok(issued) => {
            x.issued = Some(issued);
            own_data::delete_account(&state, &current, &client).await
        }
        Err(e) => Err(e),
    };
    match outcome {
        Ok(()) => {
            let mut r = Redirect::to("/").into_response();
            r.headers_mut()
                .insert(header::SET_COOKIE, clearing_cookie(&state));
            r.headers_mut()
                .insert("clear-site-data", HeaderValue::from_static("\"cookies\""));
            Ok(private(r))
        }
        Err(e) => {
            let r = Refusal::of(e)?;
            refuse(&state, &current, Section::Delete, &r, x).await
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn secrets_are_shown_in_groups_of_four() {
        assert_eq!(super::grouped("ABCDEFGHIJ"), "ABCD EFGH IJ");
    }
}
