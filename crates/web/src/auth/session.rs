//! The session cookie: how a session token (issued by `flowsense_service::identity::session`)
//! travels to the browser and back.

use crate::AppState;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::Response;

pub(crate) const SECURE_COOKIE: &str = "__Host-flowsense_session";
pub(crate) const PLAIN_COOKIE: &str = "flowsense_session";

pub(crate) fn cookie_name(state: &AppState) -> &'static str {
    name_for(state, SECURE_COOKIE, PLAIN_COOKIE)
}

/// A cookie's name on this instance: `__Host-` prefixed behind TLS, plain otherwise.
pub(crate) fn name_for(
    state: &AppState,
    secure: &'static str,
    plain: &'static str,
) -> &'static str {
    if state.settings.secure_cookies {
        secure
    } else {
        plain
    }
}

/// The `Set-Cookie` value of one of this server's cookies: `HttpOnly`, `SameSite=Lax`, the
/// whole site, `Secure` behind TLS.
pub(crate) fn server_cookie(
    state: &AppState,
    name: &str,
    value: &str,
    max_age: i64,
) -> HeaderValue {
    let secure = if state.settings.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    let text = format!("{name}={value}; HttpOnly; SameSite=Lax; Path=/; Max-Age={max_age}{secure}");
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static("invalid=; Max-Age=0"))
}

fn cookie(state: &AppState, value: &str, max_age: i64) -> HeaderValue {
    server_cookie(state, cookie_name(state), value, max_age)
}

/// The `Set-Cookie` value carrying a new session token.
pub(crate) fn session_cookie(state: &AppState, token: &str) -> HeaderValue {
    cookie(
        state,
        token,
        state.session_policy.absolute_lifetime.num_seconds(),
    )
}

/// `response`, made to have the browser forget the session: the cookie is cleared, and
/// `Clear-Site-Data` drops whatever else the origin stored.
pub(crate) fn forget_session(state: &AppState, mut response: Response) -> Response {
    let h = response.headers_mut();
    h.insert(header::SET_COOKIE, cookie(state, "", 0));
    h.insert(
        "clear-site-data",
        HeaderValue::from_static("\"cache\", \"cookies\", \"storage\""),
    );
    response
}

/// The session token the request carries, if any.
pub(crate) fn session_token_from(state: &AppState, headers: &HeaderMap) -> Option<String> {
    let name = cookie_name(state);
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, v)| *k == name && !v.is_empty())
        .map(|(_, v)| v.to_owned())
}
