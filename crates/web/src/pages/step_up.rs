//! Step-up on pages, the one flow for every form that needs recent authentication: in an
//! organisation (role change, removal, ownership transfer, export, deletion) and in the profile
//! (turning MFA off, creating an API token, exporting one's data, deleting the account). The
//! action proceeds at once when the session proved the password recently; otherwise the same
//! request answers with a page asking for the password (and code), whose form posts the
//! pending action back to where it came from. Once the password checks out the session is
//! rotated (new cookie) and the action carries on.

use super::{Chrome, private, split_code};
use crate::auth::{ClientInfo, OrgAccess};
use crate::{ApiError, AppState};
use askama::Template;
use askama_web::WebTemplate;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use flowsense_core::OrgId;
use flowsense_service::identity::passwords::{self, Reauthenticate};
use flowsense_service::identity::session::Issued;
use flowsense_service::identity::{Caller, IdentityError, RecentAuth};
use serde::Deserialize;

/// The password and code a step-up form sends along with the action's own fields.
#[derive(Debug, Default, Clone, Deserialize)]
pub(crate) struct Proof {
    #[serde(default)]
    pub step_up_password: String,
    #[serde(default)]
    pub step_up_code: String,
}

/// The action waiting for the password: where its form posts, what it does (in words), and
/// its fields (never a secret: they travel in hidden inputs).
pub(crate) struct Pending {
    pub action: String,
    pub what: &'static str,
    pub cancel: String,
    pub fields: Vec<(&'static str, String)>,
}

/// Whether to go ahead (with the rotated session to hand the browser, if there was a step-up).
pub(crate) enum StepUp {
    Proceed(Option<Issued>),
    Ask(Response),
}

#[derive(Template, WebTemplate)]
#[template(path = "confirm.html")]
struct ConfirmPage {
    chrome: Chrome,
    csrf: String,
    what: &'static str,
    action: String,
    cancel: String,
    fields: Vec<(&'static str, String)>,
    mfa: bool,
    window_minutes: i64,
    error: Option<&'static str>,
}

/// [`step_up`] for a form of `who`'s organisation pages.
pub(crate) async fn step_up_in_org(
    state: &AppState,
    who: &OrgAccess,
    client: &ClientInfo,
    proof: Proof,
    pending: Pending,
) -> Result<StepUp, ApiError> {
    step_up(state, &who.current, Some(who.org), client, proof, pending).await
}

/// Goes ahead when the session is recent or the proof checks out; otherwise answers with the
/// password page (200 when asking, 401 after a wrong password, 429 when limited). `org` is the
/// organisation whose pages the action belongs to (`None` for the profile).
pub(crate) async fn step_up(
    state: &AppState,
    current: &Caller,
    org: Option<OrgId>,
    client: &ClientInfo,
    proof: Proof,
    pending: Pending,
) -> Result<StepUp, ApiError> {
    if RecentAuth::check(state, current).is_ok() {
        return Ok(StepUp::Proceed(None));
    }
    let (status, error) = if proof.step_up_password.is_empty() {
        (StatusCode::OK, None)
    } else {
        let (totp, recovery_code) = split_code(Some(proof.step_up_code.trim().to_owned()));
        let input = Reauthenticate {
            password: proof.step_up_password,
            totp,
            recovery_code,
            passkey: None,
        };
        match passwords::reauthenticate(state, current, input, client).await {
            Ok(issued) => return Ok(StepUp::Proceed(Some(issued))),
            Err(IdentityError::InvalidCredentials | IdentityError::SecondFactorRequired) => (
                StatusCode::UNAUTHORIZED,
                Some("The password or code is not correct."),
            ),
            Err(IdentityError::RateLimited(_)) => (
                StatusCode::TOO_MANY_REQUESTS,
                Some("Too many attempts. Wait a moment and try again."),
            ),
            Err(e) => return Err(e.into()),
        }
    };
    let chrome = Chrome::for_user(state, current, org, "confirm").await?;
    let page = ConfirmPage {
        csrf: chrome.csrf_token.clone().unwrap_or_default(),
        chrome,
        what: pending.what,
        action: pending.action,
        cancel: pending.cancel,
        fields: pending.fields,
        mfa: current.user.mfa_enabled,
        window_minutes: state.session_policy.recent_auth_window.num_minutes(),
        error,
    };
    Ok(StepUp::Ask(private((status, page).into_response())))
}

/// The proof of recent authentication a [`StepUp::Proceed`] stands for: the renewed session
/// when there was a step-up, or the session's own recent sign-in when there was none.
pub(crate) fn proof_of_step_up(
    state: &AppState,
    current: &Caller,
    renewed: Option<&Issued>,
) -> Result<RecentAuth, ApiError> {
    match renewed {
        Some(issued) => Ok(RecentAuth::after_step_up(issued)),
        None => Ok(RecentAuth::check(state, current)?),
    }
}
