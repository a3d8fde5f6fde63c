//! Public account pages: sign-up, e-mail confirmation, password reset and invitations. The
//! e-mails link here; tokens arrive in the query string and travel on in hidden fields, so a
//! link scanner that fetches a URL never uses one up.

use super::encode;
use super::{Chrome, private};
use crate::auth::{ClientInfo, CurrentUser};
use crate::{ApiError, AppState};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Form, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use flowsense_service::identity::IdentityError;
use flowsense_service::identity::accounts::{self, SignupInput};
use flowsense_service::identity::signup_policy::SignupPolicy;
use serde::Deserialize;

pub(crate) use crate::respond::{safe_next, sentence};

/// `?next=…` for a link to `path`, when `next` is safe.
pub(crate) fn with_next(path: &str, next: &str) -> String {
    match safe_next(next) {
        Some(n) => format!("{path}?next={}", encode(n)),
        None => path.to_owned(),
    }
}

/// A page's answer to a failed form: the status and message to show, or the error itself when
/// it is ours (5xx) and belongs on the error page.
pub(crate) struct Refusal {
    pub status: StatusCode,
    pub message: String,
    pub retry_after: Option<u64>,
}

impl Refusal {
    pub(crate) fn new(status: StatusCode, message: &str) -> Self {
        Self {
            status,
            message: message.to_owned(),
            retry_after: None,
        }
    }

    pub(crate) fn of(e: impl Into<ApiError>) -> Result<Refusal, ApiError> {
        let e: ApiError = e.into();
        let status = e.status();
        if !status.is_client_error() {
            return Err(e);
        }
        let retry_after = match &e {
            ApiError::TooManyRequests { retry_after_secs } => Some((*retry_after_secs).max(1)),
            _ => None,
        };
        let message = match e {
            ApiError::Unauthorized(_) => "The password or code is not correct.".to_owned(),
            ApiError::NotFound => "There is no such item, or it is not yours.".to_owned(),
            other => sentence(&other.to_string()),
        };
        Ok(Refusal {
            status,
            message,
            retry_after,
        })
    }

    /// `page` with this refusal's status (and `Retry-After` when rate-limited).
    pub(crate) fn respond(&self, page: Response) -> Response {
        let mut r = (self.status, page).into_response();
        if let Some(secs) = self.retry_after
            && let Ok(v) = HeaderValue::from_str(&secs.to_string())
        {
            r.headers_mut().insert(header::RETRY_AFTER, v);
        }
        private(r)
    }
}

/// What to try when an e-mailed link does not arrive, true of this instance's mailer: with
/// SMTP, the spam folder; with the outbox (no `FLOWSENSE_SMTP_URL`), the message never left
/// this machine and only its operator can read it there.
pub(crate) fn nothing_arrived(state: &AppState) -> &'static str {
    if state.mailer.reaches_inboxes() {
        "Nothing arrived? Check the address and your spam folder."
    } else {
        "This instance does not send e-mail yet: it writes each message to the outbox folder of its data directory, where its operator can open it (setting FLOWSENSE_SMTP_URL makes it send them)."
    }
}

pub(crate) struct Link {
    pub href: String,
    pub label: &'static str,
}

/// A short page that says what happened and what to do next.
#[derive(Template, WebTemplate)]
#[template(path = "notice.html")]
pub(crate) struct Notice {
    pub chrome: Chrome,
    pub kind: &'static str,
    pub heading: &'static str,
    pub lines: Vec<String>,
    pub link: Option<Link>,
}

pub(crate) fn notice(
    chrome: Chrome,
    status: StatusCode,
    kind: &'static str,
    heading: &'static str,
    lines: Vec<String>,
    link: Option<Link>,
) -> Response {
    let page = Notice {
        chrome,
        kind,
        heading,
        lines,
        link,
    };
    private((status, page).into_response())
}

pub(crate) fn sign_in_link(next: &str) -> Option<Link> {
    Some(Link {
        href: with_next("/login", next),
        label: "Sign in",
    })
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct NextQuery {
    #[serde(default)]
    pub(crate) next: String,
    #[serde(default)]
    pub(crate) token: String,
}

pub(crate) fn query(q: Result<Query<NextQuery>, QueryRejection>) -> NextQuery {
    q.map(|Query(q)| q).unwrap_or_default()
}

/// The invitation token in a `next` link back to an invitation (`/invitations/accept?token=…`).
pub(crate) fn invitation_in(next: &str) -> Option<&str> {
    safe_next(next)?
        .strip_prefix("/invitations/accept?token=")
        .and_then(|rest| rest.split('&').next())
        .filter(|token| !token.is_empty())
}

/// Where a "create an account" link on a page going on to `next` points: nowhere when the
/// instance would not let the person sign up from there (SPEC §3, `FLOWSENSE_SIGNUP`).
pub(crate) fn signup_link(policy: SignupPolicy, next: &str) -> Option<String> {
    let offered = match policy {
        SignupPolicy::Open => true,
        SignupPolicy::InviteOnly => invitation_in(next).is_some(),
        SignupPolicy::Closed => false,
    };
    offered.then(|| with_next("/signup", next))
}

/// The page in place of the sign-up form when the instance takes no sign-up from this visitor.
fn signup_unavailable(policy: SignupPolicy, next: &str) -> Option<Response> {
    let (kind, heading, line) = match policy {
        SignupPolicy::Open => return None,
        SignupPolicy::InviteOnly if invitation_in(next).is_some() => return None,
        SignupPolicy::InviteOnly => (
            "invitation-required",
            "Sign-up needs an invitation",
            "On this FlowSense instance, accounts are created from an invitation. Open the link in the invitation e-mail sent to you: it brings you back here to create your account.",
        ),
        SignupPolicy::Closed => (
            "signup-closed",
            "Sign-up is closed",
            "This FlowSense instance does not take new accounts. Ask its operator for one.",
        ),
    };
    Some(notice(
        Chrome::anonymous("signup"),
        StatusCode::FORBIDDEN,
        kind,
        heading,
        vec![line.to_owned()],
        sign_in_link(next),
    ))
}

#[derive(Template, WebTemplate)]
#[template(path = "signup.html")]
struct Signup {
    chrome: Chrome,
    display_name: String,
    email: String,
    next: String,
    login_link: String,
    error: Option<String>,
}

fn signup_page(form: SignupForm, error: Option<String>) -> Signup {
    Signup {
        chrome: Chrome::anonymous("signup"),
        login_link: with_next("/login", &form.next),
        display_name: form.display_name,
        email: form.email,
        next: safe_next(&form.next).unwrap_or_default().to_owned(),
        error,
    }
}

/// `GET /signup`: the form (signed-in people go on to where they were headed), or why this
/// instance takes no sign-up from here.
pub(crate) async fn signup_form(
    State(state): State<AppState>,
    user: Result<CurrentUser, ApiError>,
    q: Result<Query<NextQuery>, QueryRejection>,
) -> Response {
    let q = query(q);
    if user.is_ok() {
        return Redirect::to(safe_next(&q.next).unwrap_or("/app")).into_response();
    }
    if let Some(page) = signup_unavailable(state.settings.signup, &q.next) {
        return page;
    }
    let form = SignupForm {
        next: q.next,
        ..SignupForm::default()
    };
    private(signup_page(form, None).into_response())
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct SignupForm {
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

/// `POST /signup`: the same "check your inbox" whether or not the address had an account.
pub(crate) async fn signup_submit(
    State(state): State<AppState>,
    client: ClientInfo,
    form: Result<Form<SignupForm>, FormRejection>,
) -> Result<Response, ApiError> {
    let Ok(Form(mut form)) = form else {
        let page = signup_page(
            SignupForm::default(),
            Some("The form could not be read.".into()),
        );
        return Ok(private((StatusCode::BAD_REQUEST, page).into_response()));
    };
    let input = SignupInput {
        email: form.email.clone(),
        password: std::mem::take(&mut form.password),
        display_name: form.display_name.clone(),
        invitation: invitation_in(&form.next).map(str::to_owned),
    };
    match accounts::signup(&state, input, &client).await {
        Ok(()) => {
            let mut lines = vec![
                format!(
                    "We sent a message to {}. Open the link in it within 48 hours to confirm your address.",
                    form.email.trim()
                ),
                "If the address already has an account, the message says so and how to sign in instead.".to_owned(),
                nothing_arrived(&state).to_owned(),
            ];
            if safe_next(&form.next).is_some() {
                lines.push(
                    "Once your address is confirmed, sign in to carry on where you left off."
                        .to_owned(),
                );
            }
            Ok(notice(
                Chrome::anonymous("signup"),
                StatusCode::OK,
                "check-inbox",
                "Check your inbox",
                lines,
                sign_in_link(&form.next),
            ))
        }
        Err(e) => {
            let refusal = Refusal::of(e)?;
            let page = signup_page(form, Some(refusal.message.clone())).into_response();
            Ok(refusal.respond(page))
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "verify_email.html")]
struct VerifyEmail {
    chrome: Chrome,
    token: String,
}

pub(crate) fn link_incomplete(chrome: Chrome, kind: &'static str) -> Response {
    notice(
        chrome,
        StatusCode::BAD_REQUEST,
        kind,
        "This link is incomplete",
        vec!["Open the link from the e-mail again, or copy all of it into the address bar.".into()],
        None,
    )
}

/// `GET /verify-email?token=…`: a button, so fetching the link confirms nothing by itself.
pub(crate) async fn verify_form(
    State(state): State<AppState>,
    user: Result<CurrentUser, ApiError>,
    q: Result<Query<NextQuery>, QueryRejection>,
) -> Response {
    let q = query(q);
    let chrome = Chrome::optional(&state, user, "verify").await;
    if q.token.trim().is_empty() {
        return link_incomplete(chrome, "verify-incomplete");
    }
    private(
        VerifyEmail {
            chrome,
            token: q.token,
        }
        .into_response(),
    )
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct TokenForm {
    #[serde(default)]
    pub(crate) token: String,
    #[serde(default)]
    pub(crate) new_password: String,
}

/// `POST /verify-email`: confirms the address, then offers to sign in.
pub(crate) async fn verify_submit(
    State(state): State<AppState>,
    user: Result<CurrentUser, ApiError>,
    form: Result<Form<TokenForm>, FormRejection>,
) -> Result<Response, ApiError> {
    let signed_in = user.is_ok();
    let chrome = Chrome::optional(&state, user, "verify").await;
    let token = form.map(|Form(f)| f.token).unwrap_or_default();
    if token.trim().is_empty() {
        return Ok(link_incomplete(chrome, "verify-incomplete"));
    }
    match accounts::verify_email(&state, token.trim()).await {
        Ok(()) => Ok(notice(
            chrome,
            StatusCode::OK,
            "verified",
            "Your e-mail address is confirmed",
            vec!["Thank you. You can now accept invitations to organisations.".into()],
            Some(if signed_in {
                Link {
                    href: "/app".into(),
                    label: "Continue",
                }
            } else {
                Link {
                    href: "/login".into(),
                    label: "Sign in",
                }
            }),
        )),
        Err(IdentityError::InvalidLink) => Ok(notice(
            chrome,
            StatusCode::BAD_REQUEST,
            "verify-failed",
            "This link is invalid or has expired",
            vec![
                "Confirmation links work for 48 hours. Sign in and ask for a new one from your profile page."
                    .into(),
            ],
            Some(Link {
                href: "/app/profile".into(),
                label: "Go to your profile",
            }),
        )),
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::{safe_next, sentence, with_next};

    #[test]
    fn only_local_paths_are_followed() {
        for good in [
            "/app",
            "/invitations/accept?token=abc-_1",
            "/app/profile?done=x",
        ] {
            assert_eq!(safe_next(good), Some(good));
        }
        for bad in [
            "",
            "https://evil.example",
            "//evil.example",
            "/\\evil.example",
            "\\\\evil.example",
            "/\t/evil.example",
            "/ /x",
            "javascript:alert(1)",
            "evil.example/app",
            "/app\r\nSet-Cookie: x=1",
        ] {
            assert_eq!(safe_next(bad), None, "{bad:?}");
        }
        assert!(safe_next(&format!("/{}", "a".repeat(3000))).is_none());
        assert_eq!(
            with_next("/login", "/invitations/accept?token=a"),
            "/login?next=%2Finvitations%2Faccept%3Ftoken%3Da"
        );
        assert_eq!(with_next("/login", "//evil"), "/login");
        assert_eq!(sentence("enter a name"), "Enter a name.");
    }
}
