//! Request limits by route, read from the route table: every public route per client address
//! (the health checks, static assets and webhooks excepted: webhooks count per sender in the
//! service), and per signed-in user the API, the assistant and uploads. A request over its
//! allowance is answered `429` with `Retry-After`, before its handler runs. The counts live in
//! memory, or in Redis when `FLOWSENSE_REDIS_URL` is set (see
//! `flowsense_service::identity::limits`). The client address is the TCP peer unless the peer
//! is a trusted proxy (`FLOWSENSE_TRUSTED_PROXIES`).

use crate::auth::{ClientInfo, CurrentUser};
use crate::routes::{Access, RouteSpec};
use crate::uploads::MAX_UPLOAD_REQUEST_BYTES;
use crate::{ApiError, AppState};
use axum::extract::{FromRequestParts, MatchedPath, Request};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use flowsense_service::identity::limits::Bucket;

/// What a request counts against, before knowing who sends it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Counted {
    /// Not limited here.
    Nothing,
    /// The client address.
    Address,
    /// The signed-in user, in these buckets (the address when nobody is signed in).
    User {
        upload: bool,
        assistant: bool,
        api: bool,
    },
}

fn counted(spec: Option<&RouteSpec>, method: &Method) -> Counted {
    let Some(spec) = spec else {
        // No route: a 404 (scanners); counted per address.
        return Counted::Address;
    };
    let safe = matches!(*method, Method::GET | Method::HEAD);
    match spec.access {
        // Health checks, stylesheets, icons: answered from memory, asked for by load balancers.
        // (The API's public document is counted per address, as the API's other public routes.)
        Access::Public if !spec.page && safe && !spec.path.starts_with("/api/") => Counted::Nothing,
        // Counted per sender by the webhook service itself.
        Access::Public if spec.path.starts_with("/webhooks/") => Counted::Nothing,
        Access::Public => Counted::Address,
        // Callers holding the instance's own secret (the metrics scraper, the scheduler).
        Access::Signed => Counted::Nothing,
        Access::User | Access::Viewer | Access::Member | Access::Admin => Counted::User {
            upload: spec.body_limit == MAX_UPLOAD_REQUEST_BYTES,
            // The assistant's page itself is a page like any other; asking is what costs.
            assistant: spec.path.contains("/assistant") && !(spec.page && safe),
            api: spec.path.starts_with("/api/"),
        },
    }
}

/// The middleware: takes the request's allowances, or answers 429.
pub(crate) async fn limit_requests<F: Future<Output = Response>>(
    state: &AppState,
    req: Request,
    next: impl FnOnce(Request) -> F,
) -> Response {
    let spec = req
        .extensions()
        .get::<MatchedPath>()
        .and_then(|p| crate::routes::spec_of(p.as_str()));
    let counted = counted(spec, req.method());
    if counted == Counted::Nothing {
        return next(req).await;
    }
    let (mut parts, body) = req.into_parts();
    let outcome = match counted {
        Counted::User {
            upload,
            assistant,
            api,
        } => match CurrentUser::from_request_parts(&mut parts, state).await {
            // Resolved once: the handler finds the user in the request's extensions.
            Ok(user) => {
                let id = user.id().to_string();
                let buckets = [
                    (upload, Bucket::UploadUser),
                    (assistant, Bucket::AssistantUser),
                    (api, Bucket::ApiUser),
                ];
                take_all(state, &buckets, &id).await
            }
            // The database is unreachable: say so now rather than wait for it again in the
            // handler.
            Err(e) if e.status() == StatusCode::SERVICE_UNAVAILABLE => return e.into_response(),
            // Nobody signed in: the handler answers 401 or the sign-in page; the address pays.
            Err(_) => take_address(state, &mut parts).await,
        },
        _ => take_address(state, &mut parts).await,
    };
    match outcome {
        Ok(()) => next(Request::from_parts(parts, body)).await,
        Err(e) => ApiError::from(e).into_response(),
    }
}

async fn take_all(
    state: &AppState,
    buckets: &[(bool, Bucket)],
    key: &str,
) -> Result<(), flowsense_service::identity::limits::RateLimited> {
    for (applies, bucket) in buckets {
        if *applies {
            state.take_limit(*bucket, key).await?;
        }
    }
    Ok(())
}

async fn take_address(
    state: &AppState,
    parts: &mut axum::http::request::Parts,
) -> Result<(), flowsense_service::identity::limits::RateLimited> {
    let ip = ClientInfo::from_request_parts(parts, state)
        .await
        .map_or_else(|_| "unknown".to_owned(), |c| c.0.ip);
    state.take_limit(Bucket::PublicIp, &ip).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routes::route_table;

    fn of(method: &Method, path: &str) -> Counted {
        let table = route_table();
        let spec = table.iter().find(|s| s.path == path && s.method == *method);
        assert!(spec.is_some(), "{method} {path} is a route");
        counted(spec, method)
    }

    #[test]
    fn each_route_counts_against_what_it_costs() {
        assert_eq!(of(&Method::GET, "/healthz"), Counted::Nothing);
        assert_eq!(of(&Method::GET, "/assets/app.css"), Counted::Nothing);
        assert_eq!(of(&Method::POST, "/webhooks/xero"), Counted::Nothing);
        assert_eq!(of(&Method::POST, "/login"), Counted::Address);
        assert_eq!(of(&Method::GET, "/api/v1/openapi.json"), Counted::Address);
        assert_eq!(of(&Method::GET, "/signup"), Counted::Address);
        assert_eq!(
            of(&Method::POST, "/api/v1/auth/password-reset"),
            Counted::Address
        );
        assert_eq!(
            of(&Method::GET, "/app/{org}"),
            Counted::User {
                upload: false,
                assistant: false,
                api: false
            }
        );
        assert_eq!(
            of(&Method::GET, "/app/{org}/assistant"),
            Counted::User {
                upload: false,
                assistant: false,
                api: false
            }
        );
        assert_eq!(
            of(&Method::POST, "/api/v1/orgs/{org}/imports"),
            Counted::User {
                upload: true,
                assistant: false,
                api: true
            }
        );
        assert_eq!(
            of(&Method::POST, "/app/{org}/integrations/import"),
            Counted::User {
                upload: true,
                assistant: false,
                api: false
            }
        );
        assert_eq!(counted(None, &Method::GET), Counted::Address);
    }
}
