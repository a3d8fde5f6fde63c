//! The route table: every route's method, path, required permission, whether its errors render
//! as pages, and its body limit, in one list. The router is built from it and nothing else; the
//! body limit and the HTML-or-JSON choice for errors are read from it by the matched route; the
//! authorization-matrix test walks it.

use crate::uploads::MAX_UPLOAD_REQUEST_BYTES as UPLOAD_BODY_LIMIT;
use crate::webhooks::MAX_WEBHOOK_BODY as WEBHOOK_BODY_LIMIT;
use crate::{AppState, api, health, metrics, oauth, openapi, pages, webhooks};
use axum::Router;
use axum::http::Method;
use axum::routing::{MethodFilter, MethodRouter, on};
use std::collections::HashMap;
use std::sync::OnceLock;

/// The body limit of every route but the uploads.
pub const DEFAULT_BODY_LIMIT: usize = 25 << 20;

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone (rate-limited where it matters).
    Public,
    /// Whoever presents a shared secret of the instance (an outside scheduler's signed cron
    /// call, a monitoring system's metrics token); a session or a personal API token counts for
    /// nothing, and a request without the secret is 401.
    Signed,
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
    /// The largest request body it takes, in bytes.
    pub body_limit: usize,
}

struct Route {
    spec: RouteSpec,
    handler: MethodRouter<AppState>,
}

macro_rules! route {
    (page upload $method:ident $path:literal, $access:ident, $handler:expr) => {
        route!(@make $method $path, $access, false, true, UPLOAD_BODY_LIMIT, $handler)
    };
    (webhook $method:ident $path:literal, $access:ident, $handler:expr) => {
        route!(@make $method $path, $access, false, false, WEBHOOK_BODY_LIMIT, $handler)
    };
    (upload $method:ident $path:literal, $access:ident, $handler:expr) => {
        route!(@make $method $path, $access, false, false, UPLOAD_BODY_LIMIT, $handler)
    };
    (page $method:ident $path:literal, $access:ident, $handler:expr) => {
        route!(@make $method $path, $access, false, true, DEFAULT_BODY_LIMIT, $handler)
    };
    (page $method:ident $path:literal, $access:ident + step_up, $handler:expr) => {
        route!(@make $method $path, $access, true, true, DEFAULT_BODY_LIMIT, $handler)
    };
    ($method:ident $path:literal, $access:ident, $handler:expr) => {
        route!(@make $method $path, $access, false, false, DEFAULT_BODY_LIMIT, $handler)
    };
    ($method:ident $path:literal, $access:ident + step_up, $handler:expr) => {
        route!(@make $method $path, $access, true, false, DEFAULT_BODY_LIMIT, $handler)
    };
    (@make $method:ident $path:literal, $access:ident, $step:expr, $page:expr, $limit:expr, $handler:expr) => {
        Route {
            spec: RouteSpec {
                method: Method::$method,
                path: $path,
                access: Access::$access,
                step_up: $step,
                page: $page,
                body_limit: $limit,
            },
            handler: on(MethodFilter::$method, $handler),
        }
    };
}

fn routes() -> Vec<Route> {
    vec![
        route!(GET "/healthz", Public, health::healthz),
        route!(GET "/readyz", Public, health::readyz),
        // The job queue for a monitoring system; a bearer FLOWSENSE_METRICS_TOKEN.
        route!(GET "/metrics", Signed, metrics::metrics),
        route!(GET "/assets/app.css", Public, pages::assets::app_css),
        route!(GET "/assets/icon.svg", Public, pages::assets::icon),
        route!(GET "/assets/assistant.js", Public, pages::assets::assistant_js),
        route!(GET "/assets/passkeys.js", Public, pages::assets::passkeys_js),
        route!(GET "/favicon.ico", Public, pages::assets::icon),
        // Made-up bank statement for a new business to try the upload with.
        route!(GET "/assets/sample-books.csv", Public, pages::assets::sample_books),
        route!(GET "/.well-known/security.txt", Public, pages::security_txt),
        route!(page GET "/", Public, pages::landing),
        route!(page GET "/security", Public, pages::security),
        route!(page GET "/privacy", Public, pages::privacy),
        route!(page GET "/login", Public, pages::login_form),
        route!(page POST "/login", Public, pages::login_submit),
        // Single sign-on through the instance's OpenID provider (404 when none is configured).
        route!(page GET "/login/sso", Public, pages::sso::start),
        route!(page GET "/login/sso/callback", Public, pages::sso::callback),
        route!(page POST "/logout", User, pages::logout),
        route!(page GET "/app", User, pages::app_home),
        // A new business: created by any confirmed account, which becomes its admin.
        route!(page GET "/app/new", User, pages::new_org::form),
        route!(page POST "/app/new", User, pages::new_org::create),
        // Account pages: sign-up, verification, reset, invitations, profile.
        route!(page GET "/signup", Public, pages::account::signup_form),
        route!(page POST "/signup", Public, pages::account::signup_submit),
        route!(page GET "/verify-email", Public, pages::account::verify_form),
        route!(page POST "/verify-email", Public, pages::account::verify_submit),
        route!(page GET "/reset-password", Public, pages::password_reset::reset_form),
        route!(page POST "/reset-password", Public, pages::password_reset::reset_request),
        route!(page POST "/reset-password/confirm", Public, pages::password_reset::reset_confirm),
        route!(page GET "/invitations/accept", Public, pages::invitation::invitation),
        route!(page POST "/invitations/accept", User, pages::invitation::accept_invitation),
        // The weekly digest's signed one-click unsubscribe link (RFC 8058): no session needed.
        route!(page GET "/unsubscribe/{token}", Public, pages::digest::confirm),
        route!(page POST "/unsubscribe/{token}", Public, pages::digest::one_click),
        route!(page GET "/app/profile", User, pages::profile::show),
        route!(page POST "/app/profile/password", User, pages::profile_actions::change_password),
        route!(page POST "/app/profile/verify-email", User, pages::profile_actions::resend_verification),
        route!(page POST "/app/profile/mfa/enrol", User + step_up, pages::profile_security::mfa_enrol),
        route!(page POST "/app/profile/mfa/confirm", User + step_up, pages::profile_security::mfa_confirm),
        route!(page POST "/app/profile/mfa/disable", User + step_up, pages::profile_security::mfa_disable),
        route!(page POST "/app/profile/sessions/revoke", User, pages::profile_actions::revoke_session),
        route!(page POST "/app/profile/sessions/revoke-others", User, pages::profile_actions::revoke_other_sessions),
        route!(page POST "/app/profile/tokens", User + step_up, pages::profile_security::create_token),
        route!(page POST "/app/profile/tokens/revoke", User, pages::profile_actions::revoke_token),
        route!(page POST "/app/profile/notifications", User, pages::profile_actions::notifications),
        route!(page GET "/app/profile/digest-preview/{org}", Viewer, pages::digest::preview),
        route!(page POST "/app/profile/export", User + step_up, pages::profile_security::export),
        route!(page POST "/app/profile/delete", User + step_up, pages::profile_security::delete_account),
        // The books.
        route!(page GET "/app/{org}", Viewer, pages::dashboard),
        route!(page GET "/app/{org}/welcome", Member, pages::welcome::page),
        route!(page GET "/app/{org}/transactions", Viewer, pages::transactions),
        // The tables of the pages as CSV or XLSX files (`?format=csv|xlsx`, the page's filters).
        route!(page GET "/app/{org}/transactions/export", Viewer, pages::exports::transactions),
        route!(page GET "/app/{org}/cashflow/export", Viewer, pages::exports::cashflow),
        route!(page GET "/app/{org}/aging/export", Viewer, pages::exports::aging),
        route!(page GET "/app/{org}/recurring/export", Viewer, pages::exports::recurring),
        route!(page GET "/app/{org}/forecast/export", Viewer, pages::exports::forecast),
        route!(page GET "/app/{org}/transactions/{id}", Member, pages::corrections::form),
        route!(page POST "/app/{org}/transactions/{id}", Member, pages::corrections::save),
        route!(page GET "/app/{org}/assistant", Member, pages::assistant),
        route!(page POST "/app/{org}/assistant", Member, pages::assistant::ask),
        route!(page GET "/app/{org}/cashflow", Viewer, pages::cashflow),
        route!(page GET "/app/{org}/recurring", Viewer, pages::recurring),
        route!(page GET "/app/{org}/aging", Viewer, pages::aging),
        route!(page GET "/app/{org}/forecast", Viewer, pages::forecast),
        route!(page POST "/app/{org}/forecast/planned", Member, pages::forecast_forms::add_planned),
        route!(page POST "/app/{org}/forecast/planned/{id}/delete", Member, pages::forecast_forms::remove_planned),
        route!(page POST "/app/{org}/forecast/scenarios", Member, pages::forecast_forms::save_scenario),
        route!(page POST "/app/{org}/forecast/scenarios/{id}/delete", Member, pages::forecast_forms::remove_scenario),
        // Running the organisation: import and connections, members, settings, audit.
        route!(page GET "/app/{org}/integrations", Member, pages::integrations::page),
        route!(page upload POST "/app/{org}/integrations/import", Member, pages::integrations::import),
        route!(page POST "/app/{org}/integrations/import/confirm", Member, pages::import_preview::confirm),
        route!(page POST "/app/{org}/integrations/connect/{provider}", Admin + step_up, pages::integrations::connect),
        route!(page POST "/app/{org}/integrations/connections/{id}/disconnect", Admin + step_up, pages::integrations::disconnect),
        route!(page POST "/app/{org}/integrations/connections/{id}/sync", Admin, pages::integrations::sync_now),
        // A Xero login that reaches several organisations: the admin chooses one.
        route!(page GET "/app/{org}/integrations/{provider}/tenants", Admin, pages::tenant_choice::page),
        route!(page POST "/app/{org}/integrations/{provider}/tenants", Admin + step_up, pages::tenant_choice::choose),
        // The provider sends the admin's browser back here after consent.
        route!(page GET "/oauth/{provider}/callback", User, oauth::callback),
        route!(page GET "/app/{org}/members", Admin, pages::members::page),
        route!(page POST "/app/{org}/members/invite", Admin, pages::members::invite),
        route!(page POST "/app/{org}/members/transfer", Admin + step_up, pages::members::transfer),
        route!(page POST "/app/{org}/members/{user}/role", Admin + step_up, pages::members::change_role),
        route!(page POST "/app/{org}/members/{user}/remove", Admin + step_up, pages::members::remove),
        route!(page POST "/app/{org}/members/{user}/sign-out", Admin, pages::members::sign_out),
        route!(page POST "/app/{org}/invitations/{id}/revoke", Admin, pages::members::revoke_invitation),
        route!(page GET "/app/{org}/settings", Admin, pages::settings::page),
        route!(page POST "/app/{org}/settings", Admin, pages::settings::save),
        route!(page GET "/app/{org}/settings/rates", Admin, pages::rates::page),
        route!(page POST "/app/{org}/settings/rates", Admin, pages::rates::save),
        route!(page POST "/app/{org}/settings/export", Admin + step_up, pages::settings::export),
        route!(page POST "/app/{org}/settings/delete", Admin + step_up, pages::settings::delete),
        route!(page POST "/app/{org}/settings/sso", Admin + step_up, pages::settings::save_sso),
        route!(page GET "/app/{org}/audit", Admin, pages::audit::page),
        // Billing with Stripe (not found unless STRIPE_SECRET_KEY is set).
        route!(page GET "/app/{org}/billing", Admin, pages::billing::page),
        route!(page POST "/app/{org}/billing/checkout", Admin, pages::billing::checkout),
        route!(page POST "/app/{org}/billing/portal", Admin, pages::billing::portal),
        // This API described as an OpenAPI 3.1 document.
        route!(GET "/api/v1/openapi.json", Public, openapi::document),
        // The exports' JSON Schemas, which the exports name in `$schema`.
        route!(GET "/api/v1/schemas/organisation-export.json", Public, openapi::organisation_export_schema),
        route!(GET "/api/v1/schemas/user-export.json", Public, openapi::user_export_schema),
        route!(POST "/api/v1/auth/signup", Public, api::auth::signup),
        route!(POST "/api/v1/setup", Public, api::auth::setup),
        route!(POST "/api/v1/auth/verify-email", Public, api::auth::verify_email),
        route!(POST "/api/v1/auth/login", Public, api::auth::login),
        route!(POST "/api/v1/auth/logout", User, api::auth::logout),
        route!(POST "/api/v1/auth/password", User, api::auth::change_password),
        route!(POST "/api/v1/auth/password-reset", Public, api::auth::request_reset),
        route!(POST "/api/v1/auth/password-reset/confirm", Public, api::auth::confirm_reset),
        route!(POST "/api/v1/auth/reauthenticate", User, api::auth::reauthenticate),
        // Passkeys: each ceremony is `…/options` then the browser's answer.
        route!(POST "/api/v1/auth/passkey/options", Public, api::passkeys::sign_in_options),
        route!(POST "/api/v1/auth/passkey", Public, api::passkeys::sign_in),
        route!(POST "/api/v1/auth/passkey/second-factor/options", Public, api::passkeys::second_factor_options),
        route!(POST "/api/v1/auth/reauthenticate/passkey/options", User, api::passkeys::step_up_options),
        route!(POST "/api/v1/auth/reauthenticate/passkey", User, api::passkeys::step_up),
        route!(GET "/api/v1/me/passkeys", User, api::passkeys::list),
        route!(POST "/api/v1/me/passkeys/options", User + step_up, api::passkeys::register_options),
        route!(POST "/api/v1/me/passkeys", User + step_up, api::passkeys::register),
        route!(DELETE "/api/v1/me/passkeys/{id}", User + step_up, api::passkeys::revoke),
        route!(DELETE "/api/v1/me/password", User + step_up, api::passkeys::remove_password),
        route!(GET "/api/v1/me", User, api::me::me),
        route!(POST "/api/v1/me/mfa/enrol", User + step_up, api::me::mfa_enrol),
        route!(POST "/api/v1/me/mfa/verify", User + step_up, api::me::mfa_verify),
        route!(DELETE "/api/v1/me/mfa", User + step_up, api::me::mfa_disable),
        route!(GET "/api/v1/me/sessions", User, api::me::sessions),
        route!(DELETE "/api/v1/me/sessions", User, api::me::revoke_other_sessions),
        route!(DELETE "/api/v1/me/sessions/{id}", User, api::me::revoke_session),
        route!(POST "/api/v1/me/tokens", User + step_up, api::me::create_token),
        route!(GET "/api/v1/me/tokens", User, api::me::tokens),
        route!(DELETE "/api/v1/me/tokens/{id}", User, api::me::revoke_token),
        route!(POST "/api/v1/orgs", User, api::orgs::create),
        route!(GET "/api/v1/orgs/{org}/members", Viewer, api::orgs::members),
        route!(PATCH "/api/v1/orgs/{org}/members/{user}", Admin + step_up, api::orgs::change_role),
        route!(DELETE "/api/v1/orgs/{org}/members/{user}", Admin + step_up, api::orgs::remove_member),
        route!(DELETE "/api/v1/orgs/{org}/members/{user}/sessions", Admin, api::orgs::end_member_sessions),
        route!(POST "/api/v1/orgs/{org}/ownership", Admin + step_up, api::orgs::transfer_ownership),
        route!(POST "/api/v1/orgs/{org}/invitations", Admin, api::orgs::invite),
        route!(GET "/api/v1/orgs/{org}/invitations", Admin, api::orgs::invitations),
        route!(DELETE "/api/v1/orgs/{org}/invitations/{id}", Admin, api::orgs::revoke_invitation),
        route!(POST "/api/v1/invitations/accept", User, api::orgs::accept_invitation),
        route!(GET "/api/v1/orgs/{org}/settings", Viewer, api::orgs::settings),
        route!(PATCH "/api/v1/orgs/{org}/settings", Admin, api::orgs::update_settings),
        route!(GET "/api/v1/orgs/{org}/audit", Admin, api::orgs::audit),
        // The organisation's single sign-on policy: a domain for just-in-time viewers, and
        // whether its members must use SSO instead of a password.
        route!(GET "/api/v1/orgs/{org}/sso", Admin, api::orgs::sso_policy),
        route!(PUT "/api/v1/orgs/{org}/sso", Admin + step_up, api::orgs::set_sso_policy),
        route!(GET "/api/v1/orgs/{org}/reports/{kind}", Viewer, api::books::report),
        route!(GET "/api/v1/orgs/{org}/transactions", Viewer, api::books::transactions),
        // Correcting the books: a transaction's category, name and class, and the rules.
        route!(PATCH "/api/v1/orgs/{org}/transactions/{id}", Member, api::corrections::correct),
        route!(GET "/api/v1/orgs/{org}/rules", Viewer, api::corrections::list),
        route!(POST "/api/v1/orgs/{org}/rules", Member, api::corrections::create),
        route!(DELETE "/api/v1/orgs/{org}/rules/{id}", Member, api::corrections::delete),
        route!(GET "/api/v1/orgs/{org}/insights", Viewer, api::books::insights),
        // A member's question to the assistant: server-sent events, or JSON when asked.
        route!(POST "/api/v1/orgs/{org}/assistant/messages", Member, api::assistant::ask),
        // The owner's planned amounts, which the forecast includes.
        route!(GET "/api/v1/orgs/{org}/planned-items", Viewer, api::planned::list),
        route!(POST "/api/v1/orgs/{org}/planned-items", Member, api::planned::create),
        route!(DELETE "/api/v1/orgs/{org}/planned-items/{id}", Member, api::planned::delete),
        // What-if scenarios saved by name, and one's forecast beside the baseline.
        route!(GET "/api/v1/orgs/{org}/scenarios", Viewer, api::scenarios::list),
        route!(POST "/api/v1/orgs/{org}/scenarios", Member, api::scenarios::create),
        route!(GET "/api/v1/orgs/{org}/scenarios/{id}", Viewer, api::scenarios::get),
        route!(DELETE "/api/v1/orgs/{org}/scenarios/{id}", Member, api::scenarios::delete),
        route!(GET "/api/v1/orgs/{org}/scenarios/{id}/forecast", Viewer, api::scenarios::forecast),
        // Exchange rates for books in more than one currency.
        route!(GET "/api/v1/orgs/{org}/rates", Viewer, api::rates::list),
        route!(POST "/api/v1/orgs/{org}/rates", Admin, api::rates::create),
        // Own data: export and account deletion.
        route!(GET "/api/v1/me/notifications", User, api::own_data::notifications),
        route!(PATCH "/api/v1/me/notifications", User, api::own_data::update_notifications),
        route!(GET "/api/v1/me/export", User + step_up, api::own_data::export),
        route!(DELETE "/api/v1/me", User + step_up, api::own_data::delete_account),
        // Organisation data: accounting connections.
        route!(GET "/api/v1/orgs/{org}/connections", Viewer, api::connections::list),
        route!(POST "/api/v1/orgs/{org}/connections", Admin + step_up, api::connections::connect),
        route!(GET "/api/v1/orgs/{org}/connections/{id}", Viewer, api::connections::one),
        route!(DELETE "/api/v1/orgs/{org}/connections/{id}", Admin + step_up, api::connections::disconnect),
        route!(POST "/api/v1/orgs/{org}/connections/{id}/sync", Admin, api::connections::sync),
        // Organisation data: imports.
        route!(upload POST "/api/v1/orgs/{org}/imports", Member, api::imports::upload),
        route!(GET "/api/v1/orgs/{org}/export", Admin + step_up, api::orgs::export),
        route!(DELETE "/api/v1/orgs/{org}", Admin + step_up, api::orgs::delete),
        // An outside scheduler starts a periodic job; signed with FLOWSENSE_CRON_SECRET.
        route!(POST "/api/cron/{job}", Signed, api::cron::trigger),
        // The providers' signed webhooks (raw bodies, rate-limited per address).
        route!(webhook POST "/webhooks/quickbooks", Public, webhooks::quickbooks),
        route!(webhook POST "/webhooks/xero", Public, webhooks::xero),
        route!(webhook POST "/webhooks/stripe", Public, webhooks::stripe),
    ]
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

/// The operator routes alone (every [`Access::Signed`] route), for the internal listener.
pub(crate) fn operator_router() -> Router<AppState> {
    routes()
        .into_iter()
        .filter(|r| r.spec.access == Access::Signed)
        .fold(Router::new(), |router, r| {
            router.route(r.spec.path, r.handler)
        })
}

/// The entry of a route template (`MatchedPath`), for what holds for every method of the path:
/// its body limit and whether its errors render as pages.
pub(crate) fn spec_of(template: &str) -> Option<&'static RouteSpec> {
    static BY_PATH: OnceLock<HashMap<&'static str, RouteSpec>> = OnceLock::new();
    BY_PATH
        .get_or_init(|| {
            let mut by_path = HashMap::new();
            for spec in route_table() {
                by_path.entry(spec.path).or_insert(spec);
            }
            by_path
        })
        .get(template)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `spec_of` answers per path: every method of a path must agree on what it answers for.
    #[test]
    fn the_methods_of_a_path_agree_on_pages_and_body_limits() {
        for spec in route_table() {
            let first = spec_of(spec.path).expect("every path is in the table");
            assert_eq!(
                (first.page, first.body_limit),
                (spec.page, spec.body_limit),
                "{} {}",
                spec.method,
                spec.path
            );
        }
    }

    #[test]
    fn only_the_upload_routes_take_large_bodies() {
        let large: Vec<_> = route_table()
            .into_iter()
            .filter(|s| s.body_limit > DEFAULT_BODY_LIMIT)
            .map(|s| s.path)
            .collect();
        assert_eq!(
            large,
            [
                "/app/{org}/integrations/import",
                "/api/v1/orgs/{org}/imports"
            ]
        );
    }
}
