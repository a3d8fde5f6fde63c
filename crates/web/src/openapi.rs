//! `GET /api/v1/openapi.json`: the JSON API described as an OpenAPI 3.1 document. Each handler
//! carries its method, path, body and answers (`#[utoipa::path]`) and the bodies are the
//! handlers' own types (`ToSchema`); what the route table says of a route — who may call it,
//! whether it needs a recent sign-in, its path parameters — is added from the table itself, as
//! are the error answer every route can give and the ways to authenticate. Public: it holds no
//! data.

use crate::routes::{Access, RouteSpec, route_table};
use crate::{AppState, api};
use axum::extract::State;
use axum::http::{HeaderValue, Method, header};
use axum::response::{IntoResponse, Response};
use flowsense_core::analytics::ReportKind;
use std::sync::OnceLock;
use utoipa::OpenApi;
use utoipa::openapi::path::{Operation, ParameterBuilder, ParameterIn, PathItem};
use utoipa::openapi::security::{
    ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme,
};
use utoipa::openapi::{
    Content, Ref, RefOr, Required, ResponseBuilder, Schema, extensions::Extensions,
};

/// Where every JSON API route lives.
pub const API_PREFIX: &str = "/api/v1/";

/// The document's own route.
pub const DOCUMENT_PATH: &str = "/api/v1/openapi.json";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "FlowSense API",
        description = "The JSON API of a FlowSense instance. Errors answer \
            `{\"error\": {\"code\", \"message\"}}`. `{org}` is an organisation's id or slug. \
            Each operation says who may call it in `x-flowsense-access` (`public`, `user`: any \
            signed-in user, or the least role in `{org}`: `viewer`, `member`, `admin`) and \
            whether it needs a recent sign-in in `x-flowsense-step-up` (a browser session \
            whose password or passkey was confirmed within the step-up window; API tokens \
            never qualify)."
    ),
    paths(
        document,
        organisation_export_schema,
        user_export_schema,
        api::auth::signup,
        api::auth::setup,
        api::auth::verify_email,
        api::auth::login,
        api::auth::logout,
        api::auth::change_password,
        api::auth::request_reset,
        api::auth::confirm_reset,
        api::auth::reauthenticate,
        api::passkeys::sign_in_options,
        api::passkeys::sign_in,
        api::passkeys::second_factor_options,
        api::passkeys::step_up_options,
        api::passkeys::step_up,
        api::passkeys::list,
        api::passkeys::register_options,
        api::passkeys::register,
        api::passkeys::revoke,
        api::passkeys::remove_password,
        api::me::me,
        api::me::mfa_enrol,
        api::me::mfa_verify,
        api::me::mfa_disable,
        api::me::sessions,
        api::me::revoke_other_sessions,
        api::me::revoke_session,
        api::me::create_token,
        api::me::tokens,
        api::me::revoke_token,
        api::orgs::create,
        api::orgs::members,
        api::orgs::change_role,
        api::orgs::remove_member,
        api::orgs::end_member_sessions,
        api::orgs::transfer_ownership,
        api::orgs::invite,
        api::orgs::invitations,
        api::orgs::revoke_invitation,
        api::orgs::accept_invitation,
        api::orgs::settings,
        api::orgs::update_settings,
        api::orgs::audit,
        api::orgs::export,
        api::orgs::delete,
        api::orgs::sso_policy,
        api::orgs::set_sso_policy,
        api::books::report,
        api::books::transactions,
        api::books::insights,
        api::corrections::correct,
        api::corrections::list,
        api::corrections::create,
        api::corrections::delete,
        api::assistant::ask,
        api::planned::list,
        api::planned::create,
        api::planned::delete,
        api::scenarios::list,
        api::scenarios::create,
        api::scenarios::get,
        api::scenarios::delete,
        api::scenarios::forecast,
        api::rates::list,
        api::rates::create,
        api::own_data::notifications,
        api::own_data::update_notifications,
        api::own_data::export,
        api::own_data::delete_account,
        api::connections::list,
        api::connections::connect,
        api::connections::one,
        api::connections::disconnect,
        api::connections::sync,
        api::imports::upload,
    ),
    components(schemas(crate::error::ErrorBody))
)]
struct ApiDoc;

/// `GET /api/v1/openapi.json`.
#[utoipa::path(
    get,
    path = "/api/v1/openapi.json",
    tag = "meta",
    responses((status = 200, description = "This document", body = serde_json::Value))
)]
pub(crate) async fn document(State(state): State<AppState>) -> Response {
    let secure = crate::auth::session::cookie_name(&state) == crate::auth::session::SECURE_COOKIE;
    let mut r = document_json(secure).into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    r
}

/// `GET /api/v1/schemas/organisation-export.json`: the JSON Schema (draft 2020-12) of the
/// organisation export, which names it in its `$schema`. Public: it holds no data.
#[utoipa::path(
    get,
    path = "/api/v1/schemas/organisation-export.json",
    tag = "meta",
    responses((status = 200, description = "The organisation export's JSON Schema", body = serde_json::Value, content_type = "application/schema+json"))
)]
pub(crate) async fn organisation_export_schema() -> Response {
    static DOC: OnceLock<String> = OnceLock::new();
    schema_response(
        DOC.get_or_init(|| {
            flowsense_service::export_schema::organisation_export_schema().to_string()
        }),
    )
}

/// `GET /api/v1/schemas/user-export.json`: the JSON Schema (draft 2020-12) of a person's own
/// export, which names it in its `$schema`. Public: it holds no data.
#[utoipa::path(
    get,
    path = "/api/v1/schemas/user-export.json",
    tag = "meta",
    responses((status = 200, description = "The own-data export's JSON Schema", body = serde_json::Value, content_type = "application/schema+json"))
)]
pub(crate) async fn user_export_schema() -> Response {
    static DOC: OnceLock<String> = OnceLock::new();
    schema_response(
        DOC.get_or_init(|| flowsense_service::export_schema::user_export_schema().to_string()),
    )
}

fn schema_response(doc: &'static str) -> Response {
    let mut r = doc.into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/schema+json"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    r
}

/// The document as served, built once: `secure` names the session cookie as it is behind TLS
/// (`__Host-` prefixed).
#[must_use]
pub fn document_json(secure: bool) -> &'static str {
    static DOCS: OnceLock<[String; 2]> = OnceLock::new();
    let docs = DOCS.get_or_init(|| {
        [false, true].map(|secure| {
            let cookie = if secure {
                crate::auth::session::SECURE_COOKIE
            } else {
                crate::auth::session::PLAIN_COOKIE
            };
            serde_json::to_string(&build(cookie)).unwrap_or_default()
        })
    });
    &docs[usize::from(secure)]
}

/// The handlers' document completed from the route table.
fn build(cookie: &str) -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.info.version = env!("CARGO_PKG_VERSION").to_owned();
    let components = doc.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        "bearer",
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .bearer_format("fs_pat_…")
                .description(Some(
                    "A personal API token (`POST /api/v1/me/tokens`). A `read` token may only \
                     use GET; no token can take a step-up action.",
                ))
                .build(),
        ),
    );
    components.add_security_scheme(
        "session",
        SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
            cookie,
            "The browser session set by `POST /api/v1/auth/login`.",
        ))),
    );
    components.add_security_scheme(
        "csrf",
        SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
            "X-CSRF-Token",
            "With the session cookie, every request but GET, HEAD and OPTIONS carries the \
             session's CSRF token (the `csrf_token` of the sign-in answer).",
        ))),
    );
    for spec in route_table() {
        if !spec.path.starts_with(API_PREFIX) {
            continue;
        }
        if let Some(op) = doc
            .paths
            .paths
            .get_mut(spec.path)
            .and_then(|item| operation_mut(item, &spec.method))
        {
            complete(op, &spec);
        }
    }
    doc
}

/// The operation of `item` for `method`.
pub(crate) fn operation_mut<'a>(
    item: &'a mut PathItem,
    method: &Method,
) -> Option<&'a mut Operation> {
    match *method {
        Method::GET => item.get.as_mut(),
        Method::POST => item.post.as_mut(),
        Method::PUT => item.put.as_mut(),
        Method::PATCH => item.patch.as_mut(),
        Method::DELETE => item.delete.as_mut(),
        _ => None,
    }
}

fn access_name(access: Access) -> &'static str {
    match access {
        Access::Public => "public",
        Access::Signed => "signed",
        Access::User => "user",
        Access::Viewer => "viewer",
        Access::Member => "member",
        Access::Admin => "admin",
    }
}

/// What the route table knows of one operation: who may call it and how they authenticate,
/// whether it needs a recent sign-in, its path parameters, and the error answer.
fn complete(op: &mut Operation, spec: &RouteSpec) {
    let safe = spec.method == Method::GET;
    let session = if safe {
        SecurityRequirement::new("session", Vec::<String>::new())
    } else {
        SecurityRequirement::new("session", Vec::<String>::new()).add("csrf", Vec::<String>::new())
    };
    let bearer = SecurityRequirement::new("bearer", Vec::<String>::new());
    op.security = match spec.access {
        Access::Public | Access::Signed => Some(vec![SecurityRequirement::default()]),
        // A step-up needs a session: tokens never count as a recent sign-in.
        _ if spec.step_up => Some(vec![session]),
        _ => Some(vec![bearer, session]),
    };
    let mut who = match spec.access {
        Access::Public => "Anyone may call it.".to_owned(),
        Access::Signed => "Signed with the instance's secret.".to_owned(),
        Access::User => "Any signed-in user.".to_owned(),
        role => format!(
            "At least the {} role in `{{org}}`; anything else, or an organisation that does \
             not exist, is 404 alike.",
            access_name(role)
        ),
    };
    if spec.step_up {
        who.push_str(
            " Needs a recent sign-in in a browser session (step-up, `POST \
             /api/v1/auth/reauthenticate`); otherwise 403 `reauthentication_required`.",
        );
    }
    op.description = Some(match op.description.take() {
        Some(d) if !d.is_empty() => format!("{d}\n\n{who}"),
        _ => who,
    });
    // Unique by construction: one operation per method and path.
    op.operation_id = Some(operation_id(&spec.method, spec.path));
    let extensions = op.extensions.get_or_insert_with(Extensions::default);
    extensions.insert(
        "x-flowsense-access".to_owned(),
        access_name(spec.access).into(),
    );
    extensions.insert("x-flowsense-step-up".to_owned(), spec.step_up.into());
    extensions.insert("x-flowsense-body-limit".to_owned(), spec.body_limit.into());
    let params = op.parameters.get_or_insert_with(Vec::new);
    for name in path_parameters(spec.path) {
        let named = params.iter().any(|p| match p {
            RefOr::T(p) => p.name == name && p.parameter_in == ParameterIn::Path,
            RefOr::Ref(_) => false,
        });
        if !named {
            params.push(RefOr::T(path_parameter(name)));
        }
    }
    // OpenAPI requires a description of every answer.
    for (status, response) in &mut op.responses.responses {
        if let RefOr::T(r) = response
            && r.description.is_empty()
        {
            r.description = match status.as_str() {
                "201" => "Created",
                "202" => "Accepted",
                "204" => "Done",
                _ => "OK",
            }
            .to_owned();
        }
    }
    op.responses.responses.insert(
        "default".to_owned(),
        RefOr::T(
            ResponseBuilder::new()
                .description(
                    "An error: 400 malformed, 401 not signed in, 403 not allowed (CSRF, \
                     read-only token, step-up), 404 not found, 409 conflict, 413 too large, 422 \
                     refused, 429 too many requests (with `Retry-After`), 5xx.",
                )
                .content(
                    "application/json",
                    Content::new(Some(RefOr::<Schema>::Ref(Ref::from_schema_name(
                        "ErrorBody",
                    )))),
                )
                .build(),
        ),
    );
}

/// `get_orgs_org_connections_id` for `GET /api/v1/orgs/{org}/connections/{id}`.
fn operation_id(method: &Method, path: &str) -> String {
    let rest = path.strip_prefix(API_PREFIX).unwrap_or(path);
    let words: Vec<String> = rest
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect();
    format!(
        "{}_{}",
        method.as_str().to_ascii_lowercase(),
        words.join("_")
    )
}

/// The `{name}` segments of a route's path, in order.
pub(crate) fn path_parameters(path: &str) -> impl Iterator<Item = &str> {
    path.split('/')
        .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
}

fn path_parameter(name: &str) -> utoipa::openapi::path::Parameter {
    let string = |pattern: Option<String>| {
        let mut b = utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .min_length(Some(1));
        if let Some(p) = pattern {
            b = b.pattern(Some(p));
        }
        Schema::Object(b.build())
    };
    let (description, schema) = match name {
        "org" => ("The organisation's id or slug.".to_owned(), string(None)),
        "kind" => {
            let kinds: Vec<&str> = ReportKind::ALL.iter().map(|k| k.as_str()).collect();
            (
                format!("The report: {}.", kinds.join(", ")),
                string(Some(format!("^({})$", kinds.join("|")))),
            )
        }
        "user" => ("A member's user id.".to_owned(), string(None)),
        _ => (format!("The {name} of the item."), string(None)),
    };
    ParameterBuilder::new()
        .name(name)
        .parameter_in(ParameterIn::Path)
        .required(Required::True)
        .description(Some(description))
        .schema(Some(schema))
        .build()
}
