//! Server-rendered pages (SPEC §9): askama templates, no inline script or style, forms that
//! post to handlers calling the same services as the JSON API.

pub(crate) mod account;
mod aging;
mod app;
pub(crate) mod assets;
pub(crate) mod assistant;
pub(crate) mod audit;
pub(crate) mod billing;
mod cashflow;
mod charts;
pub(crate) mod corrections;
mod dashboard;
pub(crate) mod digest;
pub(crate) mod errors;
pub(crate) mod exports;
mod forecast;
pub(crate) mod forecast_forms;
pub(crate) mod form_csrf;
pub(crate) mod import_preview;
pub(crate) mod integrations;
pub(crate) mod invitation;
pub(crate) mod members;
pub(crate) mod new_org;
pub(crate) mod password_reset;
pub(crate) mod profile;
pub(crate) mod profile_actions;
mod profile_forms;
pub(crate) mod profile_security;
mod qr;
pub(crate) mod rates;
mod recurring;
pub(crate) mod settings;
pub(crate) mod sso;
mod step_up;
pub(crate) mod tenant_choice;
pub(crate) mod trust;
pub(crate) mod welcome;

pub(crate) use aging::aging;
pub(crate) use app::{app_home, dashboard, transactions};
pub(crate) use assistant::assistant;
pub(crate) use cashflow::cashflow;
pub(crate) use forecast::forecast;
pub(crate) use recurring::recurring;
pub(crate) use trust::{privacy, security, security_txt};

use crate::auth::session::forget_session;
use crate::auth::{AuthMethod, ClientInfo, CurrentUser};
use crate::org_path::OrgPath;
use crate::{ApiError, AppState};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Form, extract::rejection::FormRejection};
use flowsense_core::OrgId;
use flowsense_service::identity::accounts::{self, LoginInput};
use flowsense_service::identity::limits::RateLimited;
use flowsense_service::identity::{Caller, IdentityError};
use flowsense_service::orgs::lifecycle;
use serde::Deserialize;

/// A link to one of the user's organisations in the top bar.
pub(crate) struct NavOrg {
    pub path: OrgPath,
    pub name: String,
    pub current: bool,
}

/// What the signed-in user may do in the organisation being shown, so pages only offer the
/// buttons the role allows (the server still checks every request).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Can {
    /// Member or admin: import files, start a sync, ask the assistant.
    pub write: bool,
    /// Admin: members, settings, audit log, connections, billing, export and deletion.
    pub admin: bool,
    /// Admin on an instance with billing on: the billing page.
    pub billing: bool,
}

impl Can {
    pub(crate) fn of(role: flowsense_core::Role) -> Self {
        use flowsense_core::Role;
        Self {
            write: matches!(role, Role::Admin | Role::Member),
            admin: role == Role::Admin,
            billing: false,
        }
    }
}

/// What the layout needs on every page: who is signed in, their organisations, the CSRF token
/// for the sign-out form, and the stylesheet's version.
pub(crate) struct Chrome {
    pub signed_in: bool,
    pub user_name: String,
    pub csrf_token: Option<String>,
    pub orgs: Vec<NavOrg>,
    /// The organisation shown, as its pages' addresses name it.
    pub current_org: Option<OrgPath>,
    /// The user's rights in `current_org`.
    pub can: Can,
    pub section: &'static str,
    pub css_version: &'static str,
    /// On a page of the books' history, the first day the plan shows, when it hides older
    /// months (`YYYY-MM-DD`).
    pub history_from: Option<String>,
}

/// The sections that show the books' history, which a plan's history limit applies to.
const HISTORY_SECTIONS: [&str; 5] = [
    "dashboard",
    "transactions",
    "cashflow",
    "recurring",
    "forecast",
];

/// The pages under each menu of the organisation's navigation (the others are links of their
/// own): the books' detail, and running the organisation.
const BOOKS_SECTIONS: [&str; 5] = [
    "transactions",
    "recurring",
    "aging",
    "integrations",
    "welcome",
];
const SETTINGS_SECTIONS: [&str; 4] = ["settings", "members", "audit", "billing"];

impl Chrome {
    /// The name of the organisation shown, for the top bar's switcher.
    pub(crate) fn current_org_name(&self) -> Option<&str> {
        self.orgs
            .iter()
            .find(|o| o.current)
            .map(|o| o.name.as_str())
    }

    /// Whether the page shown is under `menu` (`books` or `settings`), so the menu is marked.
    pub(crate) fn in_menu(&self, menu: &str) -> bool {
        match menu {
            "books" => BOOKS_SECTIONS.contains(&self.section),
            "settings" => SETTINGS_SECTIONS.contains(&self.section),
            _ => false,
        }
    }

    pub(crate) fn anonymous(section: &'static str) -> Self {
        Self {
            signed_in: false,
            user_name: String::new(),
            csrf_token: None,
            orgs: Vec::new(),
            current_org: None,
            can: Can::default(),
            section,
            css_version: assets::css_version(),
            history_from: None,
        }
    }

    /// The chrome for a signed-in user, with `current` highlighted.
    pub(crate) async fn for_user(
        state: &AppState,
        user: &Caller,
        current: Option<OrgId>,
        section: &'static str,
    ) -> Result<Self, ApiError> {
        let memberships = lifecycle::organisations_of(state, user).await?;
        let can = memberships
            .iter()
            .find(|o| Some(o.id) == current)
            .map(|o| Can {
                billing: o.role == flowsense_core::Role::Admin && state.providers.billing.enabled(),
                ..Can::of(o.role)
            })
            .unwrap_or_default();
        let history_from = match current {
            Some(org) if HISTORY_SECTIONS.contains(&section) => {
                flowsense_service::billing::history_start(state, org)
                    .await?
                    .map(|d| d.to_string())
            }
            _ => None,
        };
        let orgs: Vec<NavOrg> = memberships
            .into_iter()
            .map(|o| NavOrg {
                current: Some(o.id) == current,
                path: OrgPath::of(o.id, &o.slug),
                name: o.name,
            })
            .collect();
        let current_org = orgs.iter().find(|o| o.current).map(|o| o.path.clone());
        Ok(Self {
            signed_in: true,
            user_name: user.user.display_name.clone(),
            csrf_token: match &user.via {
                AuthMethod::Session { csrf_token, .. } => Some(csrf_token.clone()),
                AuthMethod::Token { .. } | AuthMethod::Local => None,
            },
            orgs,
            current_org,
            can,
            section,
            css_version: assets::css_version(),
            history_from,
        })
    }

    /// Chrome for public pages: signed in when the request carries a live session.
    pub(crate) async fn optional(
        state: &AppState,
        user: Result<CurrentUser, ApiError>,
        section: &'static str,
    ) -> Self {
        match user {
            Ok(u) => Self::for_user(state, &u, None, section)
                .await
                .unwrap_or_else(|_| Self::anonymous(section)),
            Err(_) => Self::anonymous(section),
        }
    }
}

/// Percent-encodes a query value.
/// The message for `field` among a refused form's `(field, message)` errors.
pub(crate) fn field_error<'a>(
    errors: &'a [(&'static str, String)],
    field: &str,
) -> Option<&'a str> {
    errors
        .iter()
        .find(|(f, _)| *f == field)
        .map(|(_, m)| m.as_str())
}

pub(crate) fn encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

pub(crate) use crate::respond::{private, sentence};

#[derive(Template, WebTemplate)]
#[template(path = "landing.html")]
struct Landing {
    chrome: Chrome,
}

/// `GET /`.
pub(crate) async fn landing(
    State(state): State<AppState>,
    user: Result<CurrentUser, ApiError>,
) -> Response {
    let chrome = Chrome::optional(&state, user, "home").await;
    private(Landing { chrome }.into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "login.html")]
struct Login {
    chrome: Chrome,
    email: String,
    error: Option<String>,
    ask_code: bool,
    /// Where to go after signing in (a safe local path, or empty).
    next: String,
    /// Absent when this instance would not take a sign-up from here (`FLOWSENSE_SIGNUP`).
    signup_link: Option<String>,
    /// "Sign in with {name}" when single sign-on is configured, and where it starts.
    sso: Option<sso::SsoButton>,
    /// This instance accepts passkeys (its public URL names a domain).
    passkeys: bool,
    passkeys_js_version: &'static str,
}

impl Login {
    fn new(
        state: &AppState,
        email: String,
        error: Option<String>,
        ask_code: bool,
        next: &str,
    ) -> Self {
        Self {
            chrome: Chrome::anonymous("login"),
            email,
            error,
            ask_code,
            next: account::safe_next(next).unwrap_or_default().to_owned(),
            signup_link: account::signup_link(state.settings.signup, next),
            sso: sso::button(state, next),
            passkeys: flowsense_service::identity::passkeys::available(state),
            passkeys_js_version: assets::passkeys_js_version(),
        }
    }
}

#[derive(Deserialize)]
pub(crate) struct LoginQuery {
    #[serde(default)]
    next: String,
}

/// `GET /login`: the form, or straight on (to `next`, or the app) when already signed in.
pub(crate) async fn login_form(
    State(state): State<AppState>,
    user: Result<CurrentUser, ApiError>,
    query: Result<Query<LoginQuery>, QueryRejection>,
) -> Response {
    let next = query.map(|Query(q)| q.next).unwrap_or_default();
    if user.is_ok() {
        return Redirect::to(account::safe_next(&next).unwrap_or("/app")).into_response();
    }
    private(Login::new(&state, String::new(), None, false, &next).into_response())
}

#[derive(Deserialize)]
pub(crate) struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    totp: Option<String>,
    #[serde(default)]
    next: String,
}

/// `POST /login`: signs in through the same service as the API, sets the session cookie and
/// goes to the app. Cross-site posts never get here (the Origin check runs first).
pub(crate) async fn login_submit(
    State(state): State<AppState>,
    client: ClientInfo,
    form: Result<Form<LoginForm>, FormRejection>,
) -> Response {
    let Ok(Form(form)) = form else {
        return login_failed(
            &state,
            String::new(),
            StatusCode::BAD_REQUEST,
            "Enter your e-mail address and password.",
            false,
            "",
        );
    };
    let (totp, recovery_code) = split_code(form.totp);
    let input = LoginInput {
        email: form.email.clone(),
        password: form.password,
        totp,
        recovery_code,
        passkey: None,
    };
    match accounts::login(&state, input, &client).await {
        Ok(signed_in) => {
            let mut r =
                Redirect::to(account::safe_next(&form.next).unwrap_or("/app")).into_response();
            r.headers_mut().insert(
                header::SET_COOKIE,
                crate::auth::session::session_cookie(&state, &signed_in.issued.token),
            );
            private(r)
        }
        Err(IdentityError::SsoRequired) => login_failed(
            &state,
            form.email,
            StatusCode::FORBIDDEN,
            "Your organisation requires single sign-on: use the button below to sign in with your identity provider.",
            false,
            &form.next,
        ),
        Err(IdentityError::SecondFactorRequired) => login_failed(
            &state,
            form.email,
            StatusCode::UNAUTHORIZED,
            "Enter the code from your authenticator app.",
            true,
            &form.next,
        ),
        Err(IdentityError::RateLimited(RateLimited { retry_after_secs })) => {
            let mut r = login_failed(
                &state,
                form.email,
                StatusCode::TOO_MANY_REQUESTS,
                "Too many attempts. Wait a few minutes and try again.",
                false,
                &form.next,
            );
            if let Ok(v) = HeaderValue::from_str(&retry_after_secs.max(1).to_string()) {
                r.headers_mut().insert(header::RETRY_AFTER, v);
            }
            r
        }
        Err(IdentityError::InvalidCredentials | IdentityError::Invalid(_)) => login_failed(
            &state,
            form.email,
            StatusCode::UNAUTHORIZED,
            "The e-mail address, password or code is not correct.",
            false,
            &form.next,
        ),
        Err(e) => ApiError::from(e).into_response(),
    }
}

/// One "code" field takes either a TOTP code (digits) or a recovery code.
pub(crate) fn split_code(code: Option<String>) -> (Option<String>, Option<String>) {
    match code.filter(|c| !c.trim().is_empty()) {
        Some(c) if c.trim().chars().all(|ch| ch.is_ascii_digit()) => (Some(c), None),
        Some(c) => (None, Some(c)),
        None => (None, None),
    }
}

pub(crate) fn login_failed(
    state: &AppState,
    email: String,
    status: StatusCode,
    message: &str,
    ask_code: bool,
    next: &str,
) -> Response {
    let page = Login::new(state, email, Some(message.to_owned()), ask_code, next);
    private((status, page).into_response())
}

/// `POST /logout`: ends the session (the form carries its CSRF token) and forgets the cookie.
pub(crate) async fn logout(
    State(state): State<AppState>,
    current: CurrentUser,
    client: ClientInfo,
) -> Result<Response, ApiError> {
    accounts::logout(&state, &current, &client).await?;
    Ok(private(forget_session(
        &state,
        Redirect::to("/").into_response(),
    )))
}
