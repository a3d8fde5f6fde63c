//! The Accounting API reads: `GET /v3/company/{realmId}/query?query=…`,
//! `GET /v3/company/{realmId}/cdc?entities=…&changedSince=…` and
//! `GET /v3/company/{realmId}/companyinfo/{realmId}`.
//!
//! Shapes (Intuit "Data queries" and "Change data capture", scraped in
//! Petrus-Han/finance_plugins `learn/explore-the-quickbooks-online-api/data-queries.md` and
//! `api-reference/changedatacapture.md`): a query answers
//! `{"QueryResponse":{"<Entity>":[…],"startPosition":n,"maxResults":rows},"time"}` (an empty
//! result is `"QueryResponse":{}`), `COUNT(*)` answers `{"QueryResponse":{"totalCount":n}}`;
//! CDC answers `{"CDCResponse":[{"QueryResponse":[{"<Entity>":[…],…}, …]}],"time"}` with one
//! element per entity type, deleted objects last as `{"status":"Deleted"}` stubs, at most 1,000
//! objects, and a look-back of at most 30 days. Limits (Intuit "API throttling", blog
//! 2016-08-08; APIS.md §1.7): 500 requests a minute per realm, then 429 — whose `Retry-After`
//! the fake sends although Intuit does not document one; more than 10 requests in progress at
//! once per realm are refused the same way. The error code for a CDC window older
//! than 30 days is not documented; the fake answers a `ValidationFault` 400.

use super::fault::{Fault, respond, wants_json, with_tid};
use super::ledger::{Entity, Kind, Status};
use super::query::{self, Literal, Op, Prop, Query as Statement};
use super::render::{self, envelope_time};
use super::{Injected, Inner, Shared};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Duration, Utc};
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Instant;

/// The CDC look-back limit.
pub const CDC_MAX_DAYS: i64 = 30;
/// Most objects one CDC answer holds.
pub const CDC_MAX_OBJECTS: usize = 1000;

/// A data request in progress; counted until dropped.
pub struct InFlight(Arc<Shared>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

fn throttled(wait: std::time::Duration, now: DateTime<Utc>) -> Response {
    // Throttling answers XML whatever was asked, as reported of the real service.
    let mut response = respond(&Fault::throttled(), false, now);
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    if let Ok(v) = HeaderValue::from_str(&secs.max(1).to_string()) {
        response.headers_mut().insert(header::RETRY_AFTER, v);
    }
    response
}

/// The concurrency limit, injected faults, authentication, then the rate limit — what every
/// data read passes. The returned guard counts the request as in progress.
async fn gate(
    shared: &Arc<Shared>,
    realm: &str,
    headers: &HeaderMap,
) -> Result<InFlight, Response> {
    let json = wants_json(headers);
    let guard = InFlight(shared.clone());
    if shared.in_flight.fetch_add(1, Ordering::SeqCst) >= shared.config.max_concurrent {
        return Err(throttled(std::time::Duration::from_secs(1), shared.now()));
    }
    let injected = shared.lock().injected.pop_front();
    match injected {
        Some(Injected::Delay(d)) => tokio::time::sleep(d).await,
        Some(Injected::Hang) => std::future::pending::<()>().await,
        Some(Injected::Status(code)) => {
            let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            return Err(respond(&Fault::server(status), json, shared.now()));
        }
        None => {}
    }
    let now = shared.now();
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    let mut inner = shared.lock();
    let authorized = inner.access.get(bearer).is_some_and(|t| {
        !t.spent && t.expires > now && !inner.grants[usize::try_from(t.grant).unwrap_or(0)].revoked
    });
    if !authorized {
        drop(inner);
        return Err(respond(
            &Fault::unauthorized("Token expired or invalid"),
            json,
            now,
        ));
    }
    if realm != shared.config.realm_id {
        drop(inner);
        let mut f = Fault::unauthorized("The token is not valid for this company");
        f.status = StatusCode::FORBIDDEN;
        f.code = "3100";
        f.message =
            "message=ApplicationAuthorizationFailed; errorCode=003100; statusCode=403".into();
        return Err(respond(&f, json, now));
    }
    let window = shared.config.throttle_window;
    let t = Instant::now();
    while inner
        .recent
        .front()
        .is_some_and(|&r| t.duration_since(r) >= window)
    {
        inner.recent.pop_front();
    }
    let limit = shared.throttle_limit.load(Ordering::Relaxed);
    if inner.recent.len() >= usize::try_from(limit).unwrap_or(usize::MAX) {
        let wait = inner
            .recent
            .front()
            .map_or(window, |&r| window.saturating_sub(t.duration_since(r)));
        drop(inner);
        return Err(throttled(wait, now));
    }
    inner.recent.push_back(t);
    Ok(guard)
}

fn matches(e: &Entity, filters: &[(Prop, Op, Literal)]) -> bool {
    filters.iter().all(|&(p, op, lit)| {
        let ord = match (p, lit) {
            (Prop::Id, Literal::Id(v)) => e.id.cmp(&v),
            (Prop::LastUpdated, Literal::Time(t)) => e.updated.cmp(&t),
            (Prop::Created, Literal::Time(t)) => e.created.cmp(&t),
            _ => return false,
        };
        match op {
            Op::Eq => ord.is_eq(),
            Op::Lt => ord.is_lt(),
            Op::Gt => ord.is_gt(),
            Op::Le => ord.is_le(),
            Op::Ge => ord.is_ge(),
        }
    })
}

fn answer_query(inner: &Inner, q: &Statement, now: DateTime<Utc>) -> Value {
    let mut body = Map::new();
    let ledger = &inner.ledger;
    let rows: Vec<Value> = if q.kind == Kind::Account {
        let balances = ledger.balances();
        let accounts = ledger.accounts.iter().filter(|a| {
            q.filters
                .iter()
                .all(|f| matches!(f, (Prop::Id, Op::Eq, Literal::Id(v)) if *v == a.id))
        });
        if q.count {
            body.insert("totalCount".into(), json!(accounts.count()));
            return json!({"QueryResponse": body, "time": envelope_time(now)});
        }
        accounts
            .skip(q.start - 1)
            .take(q.max)
            .map(|a| render::account(ledger, a, balances.get(&a.id).copied().unwrap_or(0)))
            .collect()
    } else {
        let mut hits: Vec<&Entity> = ledger
            .entities
            .iter()
            .filter(|e| e.kind == q.kind && e.status != Status::Deleted && matches(e, &q.filters))
            .collect();
        if q.count {
            body.insert("totalCount".into(), json!(hits.len()));
            return json!({"QueryResponse": body, "time": envelope_time(now)});
        }
        if let Some((p, desc)) = q.order {
            hits.sort_by(|a, b| {
                let o = match p {
                    Prop::Id => a.id.cmp(&b.id),
                    Prop::LastUpdated => a.updated.cmp(&b.updated).then(a.id.cmp(&b.id)),
                    Prop::Created => a.created.cmp(&b.created).then(a.id.cmp(&b.id)),
                };
                if desc { o.reverse() } else { o }
            });
        }
        hits.into_iter()
            .skip(q.start - 1)
            .take(q.max)
            .map(|e| render::entity(ledger, e))
            .collect()
    };
    if !rows.is_empty() {
        body.insert("startPosition".into(), json!(q.start));
        body.insert("maxResults".into(), json!(rows.len()));
        body.insert(q.kind.name().into(), Value::Array(rows));
    }
    json!({"QueryResponse": body, "time": envelope_time(now)})
}

/// `GET /v3/company/{realmId}/query?query=<statement>`.
pub async fn query(
    State(shared): State<Arc<Shared>>,
    Path(realm): Path<String>,
    headers: HeaderMap,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let _in_flight = match gate(&shared, &realm, &headers).await {
        Ok(g) => g,
        Err(r) => return r,
    };
    let now = shared.now();
    let statement = params.get("query").map(String::as_str).unwrap_or_default();
    let q = match query::parse(statement) {
        Ok(q) => q,
        Err(e) => {
            let f = Fault::validation(
                "4000",
                "Error parsing query",
                format!("QueryParserError: {}", e.0),
            );
            return respond(&f, wants_json(&headers), now);
        }
    };
    let body = answer_query(&shared.lock(), &q, now);
    with_tid(Json(body).into_response())
}

/// `GET /v3/company/{realmId}/companyinfo/{realmId}`: `{"CompanyInfo":{…},"time"}`. Any other
/// id is an unknown object (Intuit's `ValidationFault` 610, "Object Not Found").
pub async fn company_info(
    State(shared): State<Arc<Shared>>,
    Path((realm, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let _in_flight = match gate(&shared, &realm, &headers).await {
        Ok(g) => g,
        Err(r) => return r,
    };
    let now = shared.now();
    if id != realm {
        let f = Fault::validation(
            "610",
            "Object Not Found",
            format!(
                "Object Not Found : Something you're trying to use has been made inactive or is not found: {id}"
            ),
        );
        return respond(&f, wants_json(&headers), now);
    }
    let info = render::company_info(&shared.lock().ledger);
    let body = json!({"CompanyInfo": info, "time": envelope_time(now)});
    with_tid(Json(body).into_response())
}

/// `GET /v3/company/{realmId}/cdc?entities=A,B&changedSince=<RFC 3339>`.
pub async fn cdc(
    State(shared): State<Arc<Shared>>,
    Path(realm): Path<String>,
    headers: HeaderMap,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let _in_flight = match gate(&shared, &realm, &headers).await {
        Ok(g) => g,
        Err(r) => return r,
    };
    let now = shared.now();
    let json = wants_json(&headers);
    let bad = |detail: String| {
        respond(
            &Fault::validation("2020", "Required param missing or invalid", detail),
            json,
            now,
        )
    };
    let Some(since) = params
        .get("changedSince")
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|t| t.with_timezone(&Utc))
    else {
        return bad("changedSince must be an ISO 8601 date-time".into());
    };
    if since < now - Duration::days(CDC_MAX_DAYS) {
        return bad(format!(
            "changedSince may be at most {CDC_MAX_DAYS} days in the past"
        ));
    }
    let mut kinds = Vec::new();
    for name in params
        .get("entities")
        .map(String::as_str)
        .unwrap_or_default()
        .split(',')
    {
        match Kind::parse(name.trim()) {
            Some(k) => kinds.push(k),
            None => return bad(format!("entity {name} is not supported by CDC")),
        }
    }
    let inner = shared.lock();
    let ledger = &inner.ledger;
    let mut budget = CDC_MAX_OBJECTS;
    let mut groups = Vec::new();
    for kind in kinds {
        let mut rows: Vec<Value> = Vec::new();
        if kind == Kind::Account {
            if ledger.created > since {
                let balances = ledger.balances();
                rows.extend(ledger.accounts.iter().take(budget).map(|a| {
                    render::account(ledger, a, balances.get(&a.id).copied().unwrap_or(0))
                }));
            }
        } else {
            let mut changed: Vec<&Entity> = ledger
                .entities
                .iter()
                .filter(|e| e.kind == kind && e.updated > since)
                .collect();
            changed.sort_by_key(|e| (e.status == Status::Deleted, e.updated, e.id));
            rows.extend(changed.into_iter().take(budget).map(|e| {
                if e.status == Status::Deleted {
                    render::deleted_stub(e)
                } else {
                    render::entity(ledger, e)
                }
            }));
        }
        budget -= rows.len();
        let mut g = Map::new();
        if !rows.is_empty() {
            g.insert("startPosition".into(), json!(1));
            g.insert("maxResults".into(), json!(rows.len()));
            g.insert("totalCount".into(), json!(rows.len()));
            g.insert(kind.name().into(), Value::Array(rows));
        }
        groups.push(Value::Object(g));
    }
    drop(inner);
    let body = json!({"CDCResponse": [{"QueryResponse": groups}], "time": envelope_time(now)});
    with_tid(Json(body).into_response())
}
