//! `/app/profile`: the signed-in person's own account — password, two-factor authentication,
//! sessions, API tokens, notifications, their data and deleting the account. This module
//! renders the page and handles the plain forms; `profile_security` handles the ones that
//! need recent authentication (through the step-up page) or show a secret once.

use super::account::Refusal;
use super::{Chrome, private};
use crate::auth::session::session_cookie;
use crate::auth::{AuthMethod, CurrentUser};
use crate::{ApiError, AppState};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Utc};
use flowsense_service::identity::notifications::{self, OrgNotifications};
use flowsense_service::identity::session::Issued;
use flowsense_service::identity::{own_data, passkeys, sessions, tokens};
use serde::Deserialize;

/// Which form a message belongs to, so it shows next to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Section {
    Account,
    Password,
    Mfa,
    Sessions,
    Tokens,
    Delete,
}

impl Section {
    fn name(self) -> &'static str {
        match self {
            Section::Account => "account",
            Section::Password => "password",
            Section::Mfa => "mfa",
            Section::Sessions => "sessions",
            Section::Tokens => "tokens",
            Section::Delete => "delete",
        }
    }
}

/// A token just created: its secret is shown this once.
pub(crate) struct NewToken {
    pub name: String,
    pub secret: String,
}

/// What a re-rendered page carries besides the stored state.
#[derive(Default)]
pub(crate) struct Extras {
    pub notice: Option<&'static str>,
    pub error: Option<(Section, String)>,
    pub new_token: Option<NewToken>,
    /// The token form as typed (a refused form keeps it).
    pub token_name: String,
    pub token_scope: String,
    pub token_days: String,
    pub delete_email: String,
    /// The session was renewed while handling the form: a new cookie and CSRF token.
    pub issued: Option<Issued>,
}

pub(crate) struct SessionRow {
    id: String,
    device: String,
    user_agent: String,
    ip: String,
    created: String,
    last_seen: String,
    current: bool,
}

pub(crate) struct PasskeyRow {
    id: String,
    name: String,
    created: String,
    last_used: String,
    synced: &'static str,
}

pub(crate) struct TokenRow {
    id: String,
    name: String,
    scope: &'static str,
    created: String,
    expires: String,
    last_used: String,
    status: &'static str,
    live: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "profile.html")]
pub(crate) struct ProfilePage {
    chrome: Chrome,
    /// The session's CSRF token for the forms (empty under an API token: forms are refused).
    csrf: String,
    name: String,
    email: String,
    email_verified: bool,
    mfa_enabled: bool,
    recovery_codes_left: i64,
    /// A browser session (forms work) rather than an API token.
    is_session: bool,
    sessions: Vec<SessionRow>,
    tokens: Vec<TokenRow>,
    /// The user's passkeys, and whether this instance accepts them at all.
    passkeys: Vec<PasskeyRow>,
    passkeys_available: bool,
    has_password: bool,
    passkeys_js_version: &'static str,
    notifications: Vec<OrgNotifications>,
    blockers: Vec<String>,
    x: Extras,
}

impl ProfilePage {
    /// The message for the form of `section` (by name), if it was refused.
    fn error_for(&self, section: &str) -> Option<&str> {
        match &self.x.error {
            Some((s, m)) if s.name() == section => Some(m),
            _ => None,
        }
    }
}

/// A moment as people read it.
pub(crate) fn when(t: DateTime<Utc>) -> String {
    t.format("%-d %b %Y, %H:%M UTC").to_string()
}

/// "Firefox on Linux" from a user agent (the raw string is shown beside it).
fn device(ua: &str) -> String {
    let browser = [
        ("Edg/", "Edge"),
        ("OPR/", "Opera"),
        ("Firefox/", "Firefox"),
        ("Chrome/", "Chrome"),
        ("Safari/", "Safari"),
        ("curl/", "curl"),
        ("reqwest", "a program"),
    ]
    .iter()
    .find(|(k, _)| ua.contains(k))
    .map_or("A browser", |(_, n)| n);
    let system = [
        ("Android", "Android"),
        ("iPhone", "iOS"),
        ("iPad", "iPadOS"),
        ("Windows", "Windows"),
        ("Mac OS", "macOS"),
        ("CrOS", "ChromeOS"),
        ("Linux", "Linux"),
    ]
    .iter()
    .find(|(k, _)| ua.contains(k))
    .map(|(_, n)| *n);
    match (ua.is_empty(), system) {
        (true, _) => "Unknown device".to_owned(),
        (false, Some(os)) => format!("{browser} on {os}"),
        (false, None) => browser.to_owned(),
    }
}

/// The profile page with `x`, answered with `status`.
pub(crate) async fn render(
    state: &AppState,
    current: &CurrentUser,
    x: Extras,
    status: StatusCode,
) -> Result<Response, ApiError> {
    let own_data::ProfileFacts {
        user,
        recovery_codes_left,
    } = own_data::profile(state, current).await?;
    let now = state.now();
    let mut chrome = Chrome::for_user(state, current, None, "profile").await?;
    let renewed = x.issued.is_some();
    if let Some(issued) = &x.issued {
        chrome.csrf_token = Some(issued.csrf_token.clone());
    }
    let sessions = sessions::list(state, current)
        .await?
        .into_iter()
        .map(|s| SessionRow {
            id: s.id.to_string(),
            device: device(&s.user_agent),
            ip: s.ip,
            created: when(s.created_at),
            last_seen: when(s.last_seen_at),
            // After a renewal the listed "current" session is the one just replaced.
            current: s.current && !renewed,
            user_agent: s.user_agent,
        })
        .collect();
    let tokens = tokens::list(state, current)
        .await?
        .into_iter()
        .map(|t| {
            let (status, live) = match t.revoked_at {
                Some(_) => ("Revoked", false),
                None if t.expires_at <= now => ("Expired", false),
                None => ("Active", true),
            };
            TokenRow {
                id: t.id.to_string(),
                name: t.name,
                scope: match t.scope {
                    flowsense_storage::TokenScope::Read => "Read only",
                    flowsense_storage::TokenScope::Write => "Read and write",
                },
                created: when(t.created_at),
                expires: when(t.expires_at),
                last_used: t.last_used_at.map_or_else(|| "Never".to_owned(), when),
                status,
                live,
            }
        })
        .collect();
    let passkeys = passkeys::list(state, current)
        .await?
        .into_iter()
        .map(|p| PasskeyRow {
            id: p.id.to_string(),
            name: p.name,
            created: when(p.created_at),
            last_used: p.last_used_at.map_or_else(|| "Never".to_owned(), when),
            synced: match (p.backup_eligible, p.backed_up) {
                (true, true) => "Synced",
                (true, false) => "Can sync",
                (false, _) => "This device only",
            },
        })
        .collect();
    let page = ProfilePage {
        csrf: chrome.csrf_token.clone().unwrap_or_default(),
        chrome,
        name: user.display_name.clone(),
        email: user.email.clone(),
        email_verified: user.email_verified_at.is_some(),
        mfa_enabled: user.mfa_enabled,
        recovery_codes_left,
        is_session: matches!(current.via, AuthMethod::Session { .. }),
        sessions,
        tokens,
        passkeys,
        passkeys_available: passkeys::available(state),
        has_password: user.has_password(),
        passkeys_js_version: super::assets::passkeys_js_version(),
        notifications: notifications::list(state, current).await?,
        blockers: own_data::deletion_blockers(state, user.id)
            .await?
            .into_iter()
            .map(|o| o.name)
            .collect(),
        x,
    };
    let issued = page
        .x
        .issued
        .as_ref()
        .map(|i| session_cookie(state, &i.token));
    let mut r = (status, page).into_response();
    if let Some(cookie) = issued {
        r.headers_mut()
            .insert(axum::http::header::SET_COOKIE, cookie);
    }
    Ok(private(r))
}

/// The page again with `refusal` shown next to `section`'s form.
pub(crate) async fn refuse(
    state: &AppState,
    current: &CurrentUser,
    section: Section,
    refusal: &Refusal,
    mut x: Extras,
) -> Result<Response, ApiError> {
    x.error = Some((section, refusal.message.clone()));
    let page = render(state, current, x, refusal.status).await?;
    Ok(refusal.respond(page))
}

/// Back to the page after a change (post/redirect/get), with a fixed notice and, when the
/// session was renewed, its new cookie.
pub(crate) fn done(state: &AppState, notice: &str, issued: Option<&Issued>) -> Response {
    let mut r = Redirect::to(&format!("/app/profile?done={notice}")).into_response();
    if let Some(i) = issued {
        r.headers_mut().insert(
            axum::http::header::SET_COOKIE,
            session_cookie(state, &i.token),
        );
    }
    private(r)
}

fn notice_text(key: &str) -> Option<&'static str> {
    Some(match key {
        "password" => "Your password was changed. Every other session was signed out.",
        "session" => "That session was signed out.",
        "sessions" => "Every other session was signed out.",
        "token-revoked" => "The token was revoked; it no longer works.",
        "mfa-off" => "Two-factor authentication is off.",
        "passkey-added" => {
            "Your passkey was registered. You can sign in with it on the sign-in page."
        }
        "passkey-revoked" => "The passkey was revoked; it no longer signs you in.",
        "notifications" => "Your notification preferences were saved.",
        "verification-sent" => "We sent you a new confirmation link; it works for 48 hours.",
        _ => return None,
    })
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct DoneQuery {
    #[serde(default)]
    done: String,
}

/// `GET /app/profile`.
pub(crate) async fn show(
    State(state): State<AppState>,
    current: CurrentUser,
    q: Result<Query<DoneQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let done = q.map(|Query(q)| q.done).unwrap_or_default();
    let x = Extras {
        notice: notice_text(&done),
        ..Extras::default()
    };
    render(&state, &current, x, StatusCode::OK).await
}

#[cfg(test)]
mod tests {
    use super::device;

    #[test]
    fn devices_are_named_from_user_agents() {
        assert_eq!(
            device(
                "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"
            ),
            "Chrome on Linux"
        );
        assert_eq!(
            device("Mozilla/5.0 (Windows NT 10.0; rv:121.0) Gecko/20100101 Firefox/121.0"),
            "Firefox on Windows"
        );
        assert_eq!(device(""), "Unknown device");
        assert_eq!(device("curl/8.5.0"), "curl");
    }
}
