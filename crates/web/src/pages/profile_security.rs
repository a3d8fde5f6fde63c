//! The profile forms that touch what protects the account: enrolling and removing the second
//! factor, creating API tokens, exporting one's data, deleting the account. The sensitive ones
//! go through the step-up flow of [`super::step_up`], like the organisation's: when the session
//! is older than the step-up window, a page asks for the password (and code) and carries the
//! form on.

use super::account::Refusal;
use super::profile::{Extras, NewToken, Section, done, refuse, render};
use super::profile_forms::{DeleteAccountForm, MfaCodeForm, NewTokenForm, StepUpForm, lenient};
use super::step_up::{Pending, Proof, StepUp, proof_of_step_up, step_up};
use super::{Chrome, private, qr};
use crate::auth::session::{forget_session, session_cookie};
use crate::auth::{ClientInfo, CurrentUser};
use crate::respond::with_session;
use crate::{ApiError, AppState};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use flowsense_service::identity::IdentityError;
use flowsense_service::identity::mfa::{self, Enrolment};
use flowsense_service::identity::own_data;
use flowsense_service::identity::session::Issued;
use flowsense_service::identity::sessions;
use flowsense_service::identity::tokens::{self, NewTokenInput};
use flowsense_storage::TokenScope;

/// Goes ahead when the session is recent or the form carries the proof the step-up page asked
/// for; otherwise the answer is that page.
async fn confirm(
    state: &AppState,
    current: &CurrentUser,
    client: &ClientInfo,
    proof: Proof,
    pending: Pending,
) -> Result<StepUp, ApiError> {
    step_up(state, current, None, client, proof, pending).await
}

/// A profile action waiting for the password; `section` is where Cancel goes back to.
fn pending(
    action: &str,
    what: &'static str,
    section: &str,
    fields: Vec<(&'static str, String)>,
) -> Pending {
    Pending {
        action: action.to_owned(),
        what,
        cancel: format!("/app/profile#{section}"),
        fields,
    }
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
    renewed: Option<Issued>,
) -> Result<Response, ApiError> {
    let mut chrome = Chrome::for_user(state, current, None, "profile").await?;
    if let Some(issued) = &renewed {
        chrome.csrf_token = Some(issued.csrf_token.clone());
    }
    let page = EnrolPage {
        csrf: chrome.csrf_token.clone().unwrap_or_default(),
        chrome,
        qr_svg: qr::svg(&enrolment.otpauth_uri, "mfa-qr")
            .ok_or_else(|| ApiError::Internal("cannot draw the QR code".into()))?,
        secret: grouped(&enrolment.secret),
        error: refusal.map(|r| r.message.clone()),
    }
    .into_response();
    let page = match refusal {
        Some(r) => r.respond(page),
        None => private(page),
    };
    Ok(with_session(state, renewed.as_ref(), page))
}

/// `POST /app/profile/mfa/enrol` (step-up): a new secret, shown as a QR code and as text.
pub(crate) async fn mfa_enrol(
    State(state): State<AppState>,
    current: CurrentUser,
    client: ClientInfo,
    form: Result<Form<StepUpForm>, FormRejection>,
) -> Result<Response, ApiError> {
    let StepUpForm { proof } = lenient(form);
    let waiting = pending(
        "/app/profile/mfa/enrol",
        "set up two-factor authentication",
        "mfa",
        Vec::new(),
    );
    let issued = match confirm(&state, &current, &client, proof, waiting).await? {
        StepUp::Proceed(issued) => issued,
        StepUp::Ask(page) => return Ok(page),
    };
    let recent = proof_of_step_up(&state, &current, issued.as_ref())?;
    match mfa::enrol(&state, &current, &recent).await {
        Ok(enrolment) => enrol_page(&state, &current, &enrolment, None, issued).await,
        Err(e) => {
            let r = Refusal::of(e)?;
            let x = Extras {
                issued,
                ..Extras::default()
            };
            refuse(&state, &current, Section::Mfa, &r, x).await
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
    form: Result<Form<MfaCodeForm>, FormRejection>,
) -> Result<Response, ApiError> {
    let MfaCodeForm { code, proof } = lenient(form);
    let waiting = pending(
        "/app/profile/mfa/confirm",
        "turn two-factor authentication on",
        "mfa",
        vec![("code", code.clone())],
    );
    let stepped_up = match confirm(&state, &current, &client, proof, waiting).await? {
        StepUp::Proceed(issued) => issued,
        StepUp::Ask(page) => return Ok(page),
    };
    let recent = proof_of_step_up(&state, &current, stepped_up.as_ref())?;
    let verified = mfa::verify(&state, &current, &code, &recent, &client).await;
    // Turning MFA on renews the session once more; the step-up's own session is not needed.
    if let (Ok(_), Some(step)) = (&verified, &stepped_up) {
        sessions::discard(&state, step).await?;
    }
    match verified {
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
                Some(enrolment) => {
                    enrol_page(&state, &current, &enrolment, Some(&r), stepped_up).await
                }
                None => {
                    let x = Extras {
                        issued: stepped_up,
                        ..Extras::default()
                    };
                    refuse(&state, &current, Section::Mfa, &r, x).await
                }
            }
        }
    }
}

/// `POST /app/profile/mfa/disable` (step-up).
pub(crate) async fn mfa_disable(
    State(state): State<AppState>,
    current: CurrentUser,
    client: ClientInfo,
    form: Result<Form<StepUpForm>, FormRejection>,
) -> Result<Response, ApiError> {
    let StepUpForm { proof } = lenient(form);
    let waiting = pending(
        "/app/profile/mfa/disable",
        "turn two-factor authentication off",
        "mfa",
        Vec::new(),
    );
    let issued = match confirm(&state, &current, &client, proof, waiting).await? {
        StepUp::Proceed(issued) => issued,
        StepUp::Ask(page) => return Ok(page),
    };
    let recent = proof_of_step_up(&state, &current, issued.as_ref())?;
    match mfa::disable(&state, &current, &recent, &client).await {
        Ok(()) => Ok(done(&state, "mfa-off", issued.as_ref())),
        Err(e) => {
            let r = Refusal::of(e)?;
            let x = Extras {
                issued,
                ..Extras::default()
            };
            refuse(&state, &current, Section::Mfa, &r, x).await
        }
    }
}

/// `POST /app/profile/tokens` (step-up): the new token is shown this once.
pub(crate) async fn create_token(
    State(state): State<AppState>,
    current: CurrentUser,
    client: ClientInfo,
    form: Result<Form<NewTokenForm>, FormRejection>,
) -> Result<Response, ApiError> {
    let NewTokenForm {
        name,
        scope,
        expires_in_days,
        proof,
    } = lenient(form);
    let mut x = Extras {
        token_name: name,
        token_scope: scope,
        token_days: expires_in_days,
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
    let waiting = pending(
        "/app/profile/tokens",
        "create an API token",
        "tokens",
        vec![
            ("name", x.token_name.clone()),
            ("scope", x.token_scope.clone()),
            ("expires_in_days", x.token_days.clone()),
        ],
    );
    x.issued = match confirm(&state, &current, &client, proof, waiting).await? {
        StepUp::Proceed(issued) => issued,
        StepUp::Ask(page) => return Ok(page),
    };
    let input = NewTokenInput {
        name: x.token_name.clone(),
        scope,
        expires_in_days: Some(days),
    };
    let outcome = tokens::create(&state, &current, input, &client).await;
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

/// `POST /app/profile/delete` (step-up): the typed e-mail address confirms it; then the account
/// goes, the browser forgets the session and lands on the start page.
pub(crate) async fn delete_account(
    State(state): State<AppState>,
    current: CurrentUser,
    client: ClientInfo,
    form: Result<Form<DeleteAccountForm>, FormRejection>,
) -> Result<Response, ApiError> {
    let DeleteAccountForm {
        confirm_email,
        proof,
    } = lenient(form);
    let mut x = Extras {
        delete_email: confirm_email,
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
        let r = Refusal::of(IdentityError::SoleAdmin)?;
        return refuse(&state, &current, Section::Delete, &r, x).await;
    }
    let waiting = pending(
        "/app/profile/delete",
        "delete your account",
        "delete",
        vec![("confirm_email", x.delete_email.clone())],
    );
    x.issued = match confirm(&state, &current, &client, proof, waiting).await? {
        StepUp::Proceed(issued) => issued,
        StepUp::Ask(page) => return Ok(page),
    };
    let outcome = own_data::delete_account(&state, &current, &client).await;
    match outcome {
        Ok(()) => Ok(private(forget_session(
            &state,
            Redirect::to("/").into_response(),
        ))),
        Err(e) => {
            let r = Refusal::of(e)?;
            refuse(&state, &current, Section::Delete, &r, x).await
        }
    }
}

/// `POST /app/profile/export` (step-up): everything held about the user, as a download.
pub(crate) async fn export(
    State(state): State<AppState>,
    current: CurrentUser,
    client: ClientInfo,
    form: Result<Form<StepUpForm>, FormRejection>,
) -> Result<Response, ApiError> {
    let StepUpForm { proof } = lenient(form);
    let waiting = pending(
        "/app/profile/export",
        "download all of your data",
        "data",
        Vec::new(),
    );
    let issued = match confirm(&state, &current, &client, proof, waiting).await? {
        StepUp::Proceed(issued) => issued,
        StepUp::Ask(page) => return Ok(page),
    };
    let download = crate::respond::own_data_download(&state, &current, &client).await?;
    Ok(with_session(&state, issued.as_ref(), private(download)))
}

#[cfg(test)]
mod tests {
    #[test]
    fn secrets_are_shown_in_groups_of_four() {
        assert_eq!(super::grouped("ABCDEFGHIJ"), "ABCD EFGH IJ");
    }
}
