//! The Accounting API reads: `GET /api.xro/2.0/{Accounts|BankTransactions|BankTransfers|
//! Invoices|Payments}`.
//!
//! Every call needs a live bearer token and a `xero-tenant-id` the grant is connected to
//! (401 and 403 otherwise, with the gateway's problem bodies). Limits per tenant (APIS.md
//! §2.4, developer.xero.com/faq/limits): 5 calls in progress, 60 a minute, 5,000 a day; past
//! one, 429 with `X-Rate-Limit-Problem` (`concurrent`, `minute`, `day`) and `Retry-After`;
//! every answer counts down `X-MinLimit-Remaining`, `X-DayLimit-Remaining` and
//! `X-AppMinLimit-Remaining`. Reads honour `If-Modified-Since` (a UTC `yyyy-mm-ddThh:mm:ss`
//! or an HTTP date; records changed at or after it, to the second), `page` with `pageSize`
//! (default 100, at most 1,000) on the paged collections, `order=UpdatedDateUTC ASC|DESC`,
//! and `where` clauses `Field=="value"` on `Type` and `Status` joined by `AND`.

use super::ledger::{Kind, Ledger, Record, Status};
use super::oauth::{bearer_grant, unauthorized};
use super::render;
use super::{Injected, Shared, random_token};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDateTime, Utc};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

const DEFAULT_PAGE_SIZE: usize = 100;
const MAX_PAGE_SIZE: usize = 1000;
const APP_MINUTE_LIMIT: u32 = 10_000;
const DAY: Duration = Duration::from_secs(24 * 3600);

/// A call in progress for one tenant; counted until dropped.
struct InFlight(Arc<Shared>, usize);

impl Drop for InFlight {
    fn drop(&mut self) {
        let mut inner = self.0.lock();
        if let Some(org) = inner.orgs.get_mut(self.1) {
            org.in_flight = org.in_flight.saturating_sub(1);
        }
    }
}

fn problem(status: StatusCode, title: &str, detail: &str) -> Response {
    let body = json!({"Type": null, "Title": title, "Status": status.as_u16(),
                      "Detail": detail, "Instance": random_token(), "Extensions": {}});
    (status, Json(body)).into_response()
}

fn throttled(problem_name: &str, wait: Duration) -> Response {
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    let mut r = (
        StatusCode::TOO_MANY_REQUESTS,
        "You have exceeded the rate limit for this organisation.",
    )
        .into_response();
    let h = r.headers_mut();
    h.insert(
        "x-rate-limit-problem",
        HeaderValue::from_static(match problem_name {
            "day" => "day",
            "concurrent" => "concurrent",
            _ => "minute",
        }),
    );
    if let Ok(v) = HeaderValue::from_str(&secs.max(1).to_string()) {
        h.insert(header::RETRY_AFTER, v);
    }
    r
}

fn validation(message: &str) -> Response {
    let body = json!({"ErrorNumber": 10, "Type": "ValidationException",
                      "Message": "A validation exception occurred",
                      "Elements": [{"ValidationErrors": [{"Message": message}]}]});
    (StatusCode::BAD_REQUEST, Json(body)).into_response()
}

/// Authentication, the tenant, the limits and injected faults: what every read passes.
/// Returns the tenant's index, the in-flight guard and the remaining-call headers.
async fn gate(
    shared: &Arc<Shared>,
    headers: &HeaderMap,
) -> Result<(usize, InFlight, [(&'static str, String); 3]), Response> {
    let remaining;
    let (org, guard) = {
        let mut inner = shared.lock();
        let Some(grant) = bearer_grant(shared, &inner, headers) else {
            return Err(unauthorized());
        };
        let tenant = headers
            .get("xero-tenant-id")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        let connected = inner.grants[grant]
            .connections
            .iter()
            .map(|c| c.org)
            .find(|&o| inner.orgs[o].id == tenant);
        let Some(org) = connected else {
            return Err(problem(
                StatusCode::FORBIDDEN,
                "Forbidden",
                "AuthenticationUnsuccessful",
            ));
        };
        let (limit, window) = inner.minute_limit;
        let (max_concurrent, day_limit) = (shared.config.max_concurrent, shared.config.day_limit);
        let o = &mut inner.orgs[org];
        if o.in_flight >= max_concurrent {
            return Err(throttled("concurrent", Duration::from_secs(1)));
        }
        let t = Instant::now();
        if t.duration_since(o.day_started) >= DAY {
            o.day_started = t;
            o.day_count = 0;
        }
        if o.day_count >= day_limit {
            return Err(throttled(
                "day",
                DAY.saturating_sub(t.duration_since(o.day_started)),
            ));
        }
        while o
            .recent
            .front()
            .is_some_and(|&r| t.duration_since(r) >= window)
        {
            o.recent.pop_front();
        }
        if o.recent.len() >= usize::try_from(limit).unwrap_or(usize::MAX) {
            let wait = o
                .recent
                .front()
                .map_or(window, |&r| window.saturating_sub(t.duration_since(r)));
            return Err(throttled("minute", wait));
        }
        o.recent.push_back(t);
        o.day_count += 1;
        o.in_flight += 1;
        let used = u32::try_from(o.recent.len()).unwrap_or(u32::MAX);
        remaining = [
            (
                "x-minlimit-remaining",
                limit.saturating_sub(used).to_string(),
            ),
            (
                "x-daylimit-remaining",
                day_limit.saturating_sub(o.day_count).to_string(),
            ),
            (
                "x-appminlimit-remaining",
                APP_MINUTE_LIMIT.saturating_sub(used).to_string(),
            ),
        ];
        (org, InFlight(shared.clone(), org))
    };
    let injected = shared.lock().injected.pop_front();
    match injected {
        Some(Injected::Delay(d)) => tokio::time::sleep(d).await,
        Some(Injected::Hang) => std::future::pending::<()>().await,
        Some(Injected::Status(code)) => {
            let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let body = json!({"ErrorNumber": code, "Type": "UnknownErrorException",
                              "Message": "An error occurred in Xero. Check the API Status page http://status.developer.xero.com for current service status."});
            return Err((status, Json(body)).into_response());
        }
        None => {}
    }
    Ok((org, guard, remaining))
}

/// `If-Modified-Since`: Xero's `yyyy-mm-ddThh:mm:ss` (UTC) or an HTTP date.
fn modified_since(headers: &HeaderMap) -> Result<Option<DateTime<Utc>>, &'static str> {
    let Some(v) = headers.get(header::IF_MODIFIED_SINCE) else {
        return Ok(None);
    };
    let text = v.to_str().unwrap_or_default().trim();
    NaiveDateTime::parse_from_str(text.trim_end_matches('Z'), "%Y-%m-%dT%H:%M:%S%.f")
        .map(|t| t.and_utc())
        .or_else(|_| DateTime::parse_from_rfc2822(text).map(|t| t.with_timezone(&Utc)))
        .map(Some)
        .map_err(|_| "If-Modified-Since is not a valid date")
}

/// `where`: `Field=="value"` clauses on `Type` and `Status`, joined by `AND`.
fn filters(text: &str) -> Result<Vec<(&str, &str)>, &'static str> {
    text.split(" AND ")
        .filter(|c| !c.trim().is_empty())
        .map(|clause| {
            let (field, value) = clause.split_once("==").ok_or("Unsupported where clause")?;
            let field = field.trim();
            let value = value.trim().trim_matches('"');
            if field == "Type" || field == "Status" {
                Ok((field, value))
            } else {
                Err("Unsupported where clause")
            }
        })
        .collect()
}

fn kind_of(collection: &str) -> Option<Kind> {
    match collection.to_ascii_lowercase().as_str() {
        "banktransactions" => Some(Kind::BankTransaction),
        "invoices" => Some(Kind::Invoice),
        "payments" => Some(Kind::Payment),
        _ => None,
    }
}

fn visible(r: &Record, since: Option<DateTime<Utc>>, wh: &[(&str, &str)]) -> bool {
    since.is_none_or(|s| r.updated.timestamp() >= s.timestamp())
        && wh.iter().all(|&(f, v)| match f {
            "Type" => r.txn_type == v,
            _ => r.status.wire() == v,
        })
}

fn paged_rows(
    ledger: &Ledger,
    kind: Kind,
    since: Option<DateTime<Utc>>,
    wh: &[(&str, &str)],
    params: &HashMap<String, String>,
) -> (Vec<Value>, Option<Value>) {
    let mut hits: Vec<&Record> = ledger
        .records
        .iter()
        .filter(|r| r.kind == kind && visible(r, since, wh))
        .collect();
    match params.get("order").map(|o| o.to_ascii_lowercase()) {
        Some(o) if o.starts_with("updateddateutc desc") => {
            hits.sort_by_key(|r| std::cmp::Reverse(r.updated));
        }
        Some(o) if o.starts_with("updateddateutc") => hits.sort_by_key(|r| r.updated),
        _ => {}
    }
    let page = params.get("page").and_then(|p| p.parse::<usize>().ok());
    let Some(page) = page.filter(|&p| p >= 1) else {
        return (
            hits.iter().map(|r| render::record(ledger, r)).collect(),
            None,
        );
    };
    let size = params
        .get("pageSize")
        .and_then(|p| p.parse::<usize>().ok())
        .unwrap_or(DEFAULT_PAGE_SIZE)
        .clamp(1, MAX_PAGE_SIZE);
    let items = hits.len();
    let rows = hits
        .into_iter()
        .skip((page - 1).saturating_mul(size))
        .take(size)
        .map(|r| render::record(ledger, r))
        .collect();
    let pagination = json!({"page": page, "pageSize": size, "pageCount": items.div_ceil(size),
                            "itemCount": items});
    (rows, Some(pagination))
}

/// `GET /api.xro/2.0/{collection}`.
pub async fn collection(
    State(shared): State<Arc<Shared>>,
    Path(collection): Path<String>,
    headers: HeaderMap,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let (org, _in_flight, remaining) = match gate(&shared, &headers).await {
        Ok(g) => g,
        Err(r) => return r,
    };
    let since = match modified_since(&headers) {
        Ok(s) => s,
        Err(message) => return validation(message),
    };
    let wh_text = params.get("where").cloned().unwrap_or_default();
    let wh = match filters(&wh_text) {
        Ok(w) => w,
        Err(message) => return validation(message),
    };
    let now = shared.now();
    let inner = shared.lock();
    let ledger = &inner.orgs[org].ledger;
    let name = collection.to_ascii_lowercase();
    let (key, rows, pagination) = if name == "accounts" {
        let rows = ledger
            .accounts
            .iter()
            .filter(|_| since.is_none_or(|s| ledger.created.timestamp() >= s.timestamp()))
            .filter(|a| {
                wh.iter().all(|&(f, v)| {
                    f == "Type" && a.account_type == v || f == "Status" && v == "ACTIVE"
                })
            })
            .map(|a| render::account(ledger, a))
            .collect();
        ("Accounts", rows, None)
    } else if name == "banktransfers" {
        let rows = ledger
            .transfers
            .iter()
            .filter(|t| {
                let from = &ledger.records[t.from];
                from.status != Status::Deleted
                    && since.is_none_or(|s| from.created.timestamp() >= s.timestamp())
            })
            .map(|t| render::bank_transfer(ledger, t))
            .collect();
        ("BankTransfers", rows, None)
    } else if let Some(kind) = kind_of(&name) {
        let (rows, pagination) = paged_rows(ledger, kind, since, &wh, &params);
        let key = match kind {
            Kind::BankTransaction => "BankTransactions",
            Kind::Invoice => "Invoices",
            Kind::Payment => "Payments",
        };
        (key, rows, pagination)
    } else {
        drop(inner);
        return problem(
            StatusCode::NOT_FOUND,
            "Not Found",
            "The resource was not found",
        );
    };
    let mut body = render::envelope(
        &super::ledger::guid(now.timestamp_millis().unsigned_abs(), 7),
        now,
        key,
        rows,
    );
    drop(inner);
    if let Some(p) = pagination {
        body.insert("pagination".into(), p);
    }
    let mut response = Json(Value::Object(body)).into_response();
    for (name, value) in remaining {
        if let Ok(v) = HeaderValue::from_str(&value) {
            response.headers_mut().insert(name, v);
        }
    }
    response
}
