//! The route registry: every route's method, path and required permission in one list. The
//! router is built from it and nothing else, and the authorization-matrix test walks it.

mod auth;
mod books;
mod imports;
mod me;
mod orgs;
mod own_data;

pub(crate) use own_data::own_data_download;

use crate::auth::session::Issued;
use crate::auth::session::session_cookie;
use crate::{ApiError, AppState, health, pages};
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderValue, Method, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodFilter, MethodRouter, on};
use axum::{Json, Router};
use serde::de::DeserializeOwned;

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone (rate-limited where it matters).
    Public,
    /// Any signed-in user (session or API token).
    User,
    /// At least this role in the `{org}` of the path.
    Viewer,
    Member,
    Admin,
}

/// One route as the outside sees it.
#[derive(Debug, Clone)]
pub struct RouteSpec {
    pub method: Method,
    pub path: &'static str,
    pub access: Access,
    /// Needs recent authentication (password within the step-up window) in a session.
    pub step_up: bool,
    /// An HTML page or form target: errors render as pages, and a caller who is not signed in
    /// is redirected to `/login` instead of answered 401.
    pub page: bool,
}

struct Route {
    spec: RouteSpec,
    handler: MethodRouter<AppState>,
}

macro_rules! route {
    (page $method:ident $path:literal, $access:ident, $handler:expr) => {
        route!(@make $method $path, $access, false, true, $handler)
    };
    (page $method:ident $path:literal, $access:ident + step_up, $handler:expr) => {
        route!(@make $method $path, $access, true, true, $handler)
    };
    ($method:ident $path:literal, $access:ident, $handler:expr) => {
        route!(@make $method $path, $access, false, false, $handler)
    };
    ($method:ident $path:literal, $access:ident + step_up, $handler:expr) => {
        route!(@make $method $path, $access, true, false, $handler)
    };
    (@make $method:ident $path:literal, $access:ident, $step:expr, $page:expr, $handler:expr) => {
        Route {
            spec: RouteSpec {
                method: Method::$method,
                path: $path,
                access: Access::$access,
                step_up: $step,
                page: $page,
            },
            handler: on(MethodFilter::$method, $handler),
        }
    };
}

fn routes() -> Vec<Route> {
    vec![
        route!(GET "/healthz", Public, health::healthz),
        route!(GET "/readyz", Public, health::readyz),
        route!(GET "/assets/app.css", Public, pages::assets::app_css),
        route!(GET "/assets/icon.svg", Public, pages::assets::icon),
        route!(GET "/favicon.ico", Public, pages::assets::icon),
        route!(GET "/.well-known/security.txt", Public, pages::security_txt),
        route!(page GET "/", Public, pages::landing),
        route!(page GET "/security", Public, pages::security),
        route!(page GET "/login", Public, pages::login_form),
        route!(page POST "/login", Public, pages::login_submit),
        route!(page POST "/logout", User, pages::logout),
        route!(page GET "/app", User, pages::app_home),
        // Account pages: sign-up, verification, reset, invitations, profile.
        route!(page GET "/signup", Public, pages::account::signup_form),
        route!(page POST "/signup", Public, pages::account::signup_submit),
        route!(page GET "/verify-email", Public, pages::account::verify_form),
        route!(page POST "/verify-email", Public, pages::account::verify_submit),
        route!(page GET "/reset-password", Public, pages::account::reset_form),
        route!(page POST "/reset-password", Public, pages::account::reset_request),
        route!(page POST "/reset-password/confirm", Public, pages::account::reset_confirm),
        route!(page GET "/invitations/accept", Public, pages::account::invitation),
        route!(page POST "/invitations/accept", User, pages::account::accept_invitation),
        route!(page GET "/app/profile", User, pages::profile::show),
        route!(page POST "/app/profile/password", User, pages::profile::change_password),
        route!(page POST "/app/profile/verify-email", User, pages::profile::resend_verification),
        route!(page POST "/app/profile/mfa/enrol", User + step_up, pages::profile_security::mfa_enrol),
        route!(page POST "/app/profile/mfa/confirm", User + step_up, pages::profile_security::mfa_confirm),
        route!(page POST "/app/profile/mfa/disable", User + step_up, pages::profile_security::mfa_disable),
        route!(page POST "/app/profile/sessions/revoke", User, pages::profile::revoke_session),
        route!(page POST "/app/profile/sessions/revoke-others", User, pages::profile::revoke_other_sessions),
        route!(page POST "/app/profile/tokens", User + step_up, pages::profile_security::create_token),
        route!(page POST "/app/profile/tokens/revoke", User, pages::profile::revoke_token),
        route!(page POST "/app/profile/notifications", User, pages::profile::notifications),
        route!(page POST "/app/profile/export", User + step_up, pages::profile_security::export),
        route!(page POST "/app/profile/delete", User + step_up, pages::profile_security::delete_account),
        // The books.
        route!(page GET "/app/{org}", Viewer, pages::dashboard),
        route!(page GET "/app/{org}/transactions", Viewer, pages::transactions),
        route!(page GET "/app/{org}/assistant", Member, pages::assistant),
        route!(page GET "/app/{org}/cashflow", Viewer, pages::cashflow),
        route!(page GET "/app/{org}/recurring", Viewer, pages::recurring),
        route!(page GET "/app/{org}/aging", Viewer, pages::aging),
        route!(page GET "/app/{org}/forecast", Viewer, pages::forecast),
        // Running the organisation: import and connections, members, settings, audit.
        route!(page GET "/app/{org}/integrations", Member, pages::integrations::page),
        route!(page POST "/app/{org}/integrations/import", Member, pages::integrations::import),
        route!(page GET "/app/{org}/members", Admin, pages::members::page),
        route!(page POST "/app/{org}/members/invite", Admin, pages::members::invite),
        route!(page POST "/app/{org}/members/transfer", Admin + step_up, pages::members::transfer),
        route!(page POST "/app/{org}/members/{user}/role", Admin + step_up, pages::members::change_role),
        route!(page POST "/app/{org}/members/{user}/remove", Admin + step_up, pages::members::remove),
        route!(page POST "/app/{org}/invitations/{id}/revoke", Admin, pages::members::revoke_invitation),
        route!(page GET "/app/{org}/settings", Admin, pages::settings::page),
        route!(page POST "/app/{org}/settings", Admin, pages::settings::save),
        route!(page POST "/app/{org}/settings/export", Admin + step_up, pages::settings::export),
        route!(page POST "/app/{org}/settings/delete", Admin + step_up, pages::settings::delete),
        route!(page GET "/app/{org}/audit", Admin, pages::audit::page),
        route!(POST "/api/v1/auth/signup", Public, auth::signup),
        route!(POST "/api/v1/auth/verify-email", Public, auth::verify_email),
        route!(POST "/api/v1/auth/login", Public, auth::login),
        route!(POST "/api/v1/auth/logout", User, auth::logout),
        route!(POST "/api/v1/auth/password", User, auth::change_password),
        route!(POST "/api/v1/auth/password-reset", Public, auth::request_reset),
        route!(POST "/api/v1/auth/password-reset/confirm", Public, auth::confirm_reset),
        route!(POST "/api/v1/auth/reauthenticate", User, auth::reauthenticate),
        route!(GET "/api/v1/me", User, me::me),
        route!(POST "/api/v1/me/mfa/enrol", User + step_up, me::mfa_enrol),
        route!(POST "/api/v1/me/mfa/verify", User + step_up, me::mfa_verify),
        route!(DELETE "/api/v1/me/mfa", User + step_up, me::mfa_disable),
        route!(GET "/api/v1/me/sessions", User, me::sessions),
        route!(DELETE "/api/v1/me/sessions", User, me::revoke_other_sessions),
        route!(DELETE "/api/v1/me/sessions/{id}", User, me::revoke_session),
        route!(POST "/api/v1/me/tokens", User + step_up, me::create_token),
        route!(GET "/api/v1/me/tokens", User, me::tokens),
        route!(DELETE "/api/v1/me/tokens/{id}", User, me::revoke_token),
        route!(POST "/api/v1/orgs", User, orgs::create),
        route!(GET "/api/v1/orgs/{org}/members", Viewer, orgs::members),
        route!(PATCH "/api/v1/orgs/{org}/members/{user}", Admin + step_up, orgs::change_role),
        route!(DELETE "/api/v1/orgs/{org}/members/{user}", Admin + step_up, orgs::remove_member),
        route!(POST "/api/v1/orgs/{org}/ownership", Admin + step_up, orgs::transfer_ownership),
        route!(POST "/api/v1/orgs/{org}/invitations", Admin, orgs::invite),
        route!(GET "/api/v1/orgs/{org}/invitations", Admin, orgs::invitations),
        route!(DELETE "/api/v1/orgs/{org}/invitations/{id}", Admin, orgs::revoke_invitation),
        route!(POST "/api/v1/invitations/accept", User, orgs::accept_invitation),
        route!(GET "/api/v1/orgs/{org}/settings", Viewer, orgs::settings),
        route!(PATCH "/api/v1/orgs/{org}/settings", Admin, orgs::update_settings),
        route!(GET "/api/v1/orgs/{org}/audit", Admin, orgs::audit),
        route!(GET "/api/v1/orgs/{org}/reports/{kind}", Viewer, books::report),
        route!(GET "/api/v1/orgs/{org}/transactions", Viewer, books::transactions),
        // Own data: export and account deletion.
        route!(GET "/api/v1/me/notifications", User, own_data::notifications),
        route!(PATCH "/api/v1/me/notifications", User, own_data::update_notifications),
        route!(GET "/api/v1/me/export", User + step_up, own_data::export),
        route!(DELETE "/api/v1/me", User + step_up, own_data::delete_account),
        // Organisation data: imports.
        route!(POST "/api/v1/orgs/{org}/imports", Member, imports::upload),
        route!(GET "/api/v1/orgs/{org}/export", Admin + step_up, orgs::export),
        route!(DELETE "/api/v1/orgs/{org}", Admin + step_up, orgs::delete),
    ]
}

/// Routes that take file uploads, and so a larger body than any other.
const UPLOAD_ROUTES: [&str; 2] = [
    "/api/v1/orgs/{org}/imports",
    "/app/{org}/integrations/import",
];

/// The body limit of an upload route (by its template), `None` for every other route.
pub(crate) fn upload_limit(route: &str) -> Option<usize> {
    UPLOAD_ROUTES
        .contains(&route)
        .then_some(crate::service::uploads::MAX_UPLOAD_REQUEST_BYTES)
}

/// Every route of the router, for tests and documentation.
#[must_use]
pub fn route_table() -> Vec<RouteSpec> {
    routes().into_iter().map(|r| r.spec).collect()
}

/// The router, built from the registry alone.
pub(crate) fn router() -> Router<AppState> {
    routes().into_iter().fold(Router::new(), |router, r| {
        router.route(r.spec.path, r.handler)
    })
}

/// The largest JSON body a handler buffers (axum's default for `Json`).
const JSON_BODY_LIMIT: usize = 2 << 20;

/// A JSON body whose rejections use the API's error shape: 413 past [`JSON_BODY_LIMIT`], 422
/// for anything that is not the expected JSON.
pub(crate) struct Body<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Body<T> {
    type Rejection = ApiError;
    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        Json::<T>::from_request(req, state)
            .await
            .map(|Json(v)| Body(v))
            .map_err(|e| {
                if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                    crate::body_limit::too_large(JSON_BODY_LIMIT)
                } else {
                    ApiError::Unprocessable(e.body_text())
                }
            })
    }
}

/// A JSON answer that also hands the browser a (new) session cookie.
pub(crate) fn with_session(state: &AppState, issued: &Issued, body: serde_json::Value) -> Response {
    let mut r = Json(body).into_response();
    let h = r.headers_mut();
    h.insert(header::SET_COOKIE, session_cookie(state, &issued.token));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// The streamed export as a JSON attachment that no cache keeps.
pub(crate) fn download(export: crate::service::org_data::Export) -> Response {
    let mut r = axum::body::Body::from_stream(export.body).into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{}\"", export.file_name))
    {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    r
}
