//! The API routes: authenticated with the secret key, form-encoded bodies, idempotency keys
//! replayed, JSON answers and Stripe's error body.

use super::{Inner, Portal, Served, Session, Shared};
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;

type Params = Vec<(String, String)>;

fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

pub(crate) fn error(status: StatusCode, kind: &str, message: &str) -> (u16, String) {
    (
        status.as_u16(),
        json!({"error": {"type": kind, "message": message}}).to_string(),
    )
}

fn respond((status, body): (u16, String)) -> Response {
    (
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        [("content-type", "application/json")],
        body,
    )
        .into_response()
}

fn param<'p>(params: &'p Params, key: &str) -> Option<&'p str> {
    params
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

/// Authenticates, parses the form, replays an idempotency key's first answer (or refuses a key
/// reused with other parameters), runs `act` and records the request.
fn call(
    shared: &Shared,
    method: &str,
    path: &str,
    headers: &HeaderMap,
    body: &[u8],
    act: impl FnOnce(&mut Inner, &Params) -> (u16, String),
) -> Response {
    let mut inner = shared.lock();
    let version = header(headers, "stripe-version");
    let key = header(headers, "idempotency-key");
    let authorised = header(headers, "authorization")
        .is_some_and(|a| a == format!("Bearer {}", shared.config.secret_key));
    let params: Params = form_urlencoded::parse(body).into_owned().collect();
    let signature = String::from_utf8_lossy(body).into_owned();
    let answer = if inner.failing > 0 {
        inner.failing -= 1;
        error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "api_error",
            "An unknown error occurred",
        )
    } else if !authorised {
        error(
            StatusCode::UNAUTHORIZED,
            "invalid_request_error",
            "Invalid API Key provided.",
        )
    } else if let Some((sent, status, stored)) = key.as_ref().and_then(|k| inner.idempotent.get(k))
    {
        if *sent == signature {
            (*status, stored.clone())
        } else {
            error(
                StatusCode::BAD_REQUEST,
                "idempotency_error",
                "Keys for idempotent requests can only be used with the same parameters they were first used with.",
            )
        }
    } else {
        let answer = act(&mut inner, &params);
        if let Some(k) = &key
            && method == "POST"
        {
            inner
                .idempotent
                .insert(k.clone(), (signature, answer.0, answer.1.clone()));
        }
        answer
    };
    inner.served.push(Served {
        method: method.to_owned(),
        path: path.to_owned(),
        status: answer.0,
        stripe_version: version,
        idempotency_key: key,
    });
    respond(answer)
}

fn metadata(params: &Params, prefix: &str) -> Value {
    let map: serde_json::Map<String, Value> = params
        .iter()
        .filter_map(|(k, v)| {
            k.strip_prefix(prefix)
                .and_then(|rest| rest.strip_prefix('['))
                .and_then(|rest| rest.strip_suffix(']'))
                .map(|name| (name.to_owned(), Value::String(v.clone())))
        })
        .collect();
    Value::Object(map)
}

fn missing(name: &str) -> (u16, String) {
    error(
        StatusCode::BAD_REQUEST,
        "invalid_request_error",
        &format!("Missing required param: {name}."),
    )
}

pub(crate) async fn create_customer(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let now = shared.now().timestamp();
    call(
        &shared,
        "POST",
        "/v1/customers",
        &headers,
        &body,
        |inner, p| {
            let id = inner.id("cus");
            let customer = json!({
                "id": id, "object": "customer", "created": now, "livemode": false,
                "name": param(p, "name"), "email": param(p, "email"),
                "metadata": metadata(p, "metadata"),
            });
            inner.customers.insert(id, customer.clone());
            (200, customer.to_string())
        },
    )
}

pub(crate) async fn create_checkout_session(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let now = shared.now().timestamp();
    let origin = shared.origin();
    let prices = shared.config.prices.clone();
    call(
        &shared,
        "POST",
        "/v1/checkout/sessions",
        &headers,
        &body,
        |inner, p| {
            if param(p, "mode") != Some("subscription") {
                return error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request_error",
                    "This fake only sells subscriptions: mode must be subscription.",
                );
            }
            let Some(success_url) = param(p, "success_url") else {
                return missing("success_url");
            };
            let Some(price) = param(p, "line_items[0][price]") else {
                return missing("line_items[0][price]");
            };
            let Some(price) = prices.iter().find(|x| x.id == price) else {
                return error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request_error",
                    &format!("No such price: '{price}'"),
                );
            };
            let customer = param(p, "customer");
            if let Some(c) = customer
                && !inner.customers.contains_key(c)
            {
                return error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request_error",
                    &format!("No such customer: '{c}'"),
                );
            }
            let id = inner.id("cs_test");
            let object = json!({
                "id": id, "object": "checkout.session", "mode": "subscription",
                "status": "open", "payment_status": "unpaid",
                "url": format!("{origin}/c/pay/{id}"),
                "customer": customer, "customer_email": param(p, "customer_email"),
                "client_reference_id": param(p, "client_reference_id"),
                "metadata": metadata(p, "metadata"),
                "subscription_metadata": metadata(p, "subscription_data[metadata]"),
                "subscription": null, "invoice": null,
                "amount_total": price.amount_minor, "currency": price.currency,
                "success_url": success_url, "cancel_url": param(p, "cancel_url"),
                "created": now, "expires_at": now + 24 * 3600, "livemode": false,
                "ui_mode": "hosted_page",
            });
            inner.sessions.insert(
                id,
                Session {
                    object: object.clone(),
                    price: price.id.clone(),
                },
            );
            let mut public = object;
            if let Some(o) = public.as_object_mut() {
                o.remove("subscription_metadata");
            }
            (200, public.to_string())
        },
    )
}

pub(crate) async fn create_portal_session(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let now = shared.now().timestamp();
    let origin = shared.origin();
    call(
        &shared,
        "POST",
        "/v1/billing_portal/sessions",
        &headers,
        &body,
        |inner, p| {
            let Some(customer) = param(p, "customer") else {
                return missing("customer");
            };
            if !inner.customers.contains_key(customer) {
                return error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request_error",
                    &format!("No such customer: '{customer}'"),
                );
            }
            let return_url = param(p, "return_url").unwrap_or_default().to_owned();
            let id = inner.id("bps");
            inner.portals.insert(
                id.clone(),
                Portal {
                    customer: customer.to_owned(),
                    return_url: return_url.clone(),
                },
            );
            (
                200,
                json!({
                    "id": id, "object": "billing_portal.session", "customer": customer,
                    "url": format!("{origin}/p/session/{id}"), "return_url": return_url,
                    "configuration": "bpc_fake", "created": now, "livemode": false, "flow": null,
                })
                .to_string(),
            )
        },
    )
}

pub(crate) async fn subscription(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let path = format!("/v1/subscriptions/{id}");
    call(
        &shared,
        "GET",
        &path,
        &headers,
        b"",
        |inner, _| match inner.subscriptions.get(&id) {
            Some(s) => (200, s.to_string()),
            None => error(
                StatusCode::NOT_FOUND,
                "invalid_request_error",
                &format!("No such subscription: '{id}'"),
            ),
        },
    )
}

pub(crate) async fn invoices(
    State(shared): State<Arc<Shared>>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    call(&shared, "GET", "/v1/invoices", &headers, b"", |inner, _| {
        let data: Vec<&Value> = inner
            .invoices
            .iter()
            .filter(|i| {
                query
                    .get("customer")
                    .is_none_or(|c| i["customer"] == c.as_str())
                    && query.get("subscription").is_none_or(|s| {
                        i["parent"]["subscription_details"]["subscription"] == s.as_str()
                    })
            })
            .rev()
            .collect();
        (
            200,
            json!({"object": "list", "url": "/v1/invoices", "has_more": false, "data": data})
                .to_string(),
        )
    })
}

/// A subscription of one unit of `price` for `customer`, active for a month from `now`.
pub(crate) fn new_subscription(
    inner: &mut Inner,
    customer: &str,
    price: &str,
    metadata: &Value,
    now: i64,
) -> Value {
    let id = inner.id("sub");
    let item = inner.id("si");
    json!({
        "id": id, "object": "subscription", "customer": customer, "status": "active",
        "cancel_at_period_end": false, "cancel_at": null, "canceled_at": null,
        "ended_at": null, "trial_end": null, "created": now, "latest_invoice": null,
        "metadata": metadata, "livemode": false,
        "items": {"object": "list", "data": [{
            "id": item, "object": "subscription_item", "quantity": 1,
            "price": {"id": price, "object": "price", "recurring": {"interval": "month"}},
            "current_period_start": now, "current_period_end": now + 30 * 86400,
        }]},
    })
}

/// An invoice of `subscription` for `amount`, paid or open after a failed attempt.
pub(crate) fn new_invoice(
    inner: &mut Inner,
    subscription: &Value,
    amount: i64,
    currency: &str,
    paid: bool,
    reason: &str,
    now: i64,
) -> Value {
    let id = inner.id("in");
    let invoice = json!({
        "id": id, "object": "invoice", "customer": subscription["customer"],
        "status": if paid { "paid" } else { "open" },
        "amount_due": amount, "amount_paid": if paid { amount } else { 0 },
        "currency": currency, "attempt_count": 1,
        "next_payment_attempt": if paid { Value::Null } else { json!(now + 3 * 86400) },
        "billing_reason": reason, "created": now,
        "hosted_invoice_url": null,
        "parent": {"type": "subscription_details", "subscription_details": {
            "subscription": subscription["id"], "metadata": subscription["metadata"],
        }},
    });
    inner.invoices.push(invoice.clone());
    invoice
}

fn price_of(shared: &Shared, subscription: &Value) -> (i64, String) {
    let price = subscription["items"]["data"][0]["price"]["id"]
        .as_str()
        .unwrap_or_default();
    shared
        .config
        .prices
        .iter()
        .find(|p| p.id == price)
        .map_or((0, "usd".into()), |p| (p.amount_minor, p.currency.clone()))
}

/// The next period of `id`: its invoice paid, or failed (`past_due`).
pub(crate) fn renew(shared: &Shared, id: &str, paid: bool) -> Result<Vec<Value>, String> {
    let now = shared.now().timestamp();
    let mut inner = shared.lock();
    let sub = inner
        .subscriptions
        .get(id)
        .cloned()
        .ok_or_else(|| format!("no subscription {id}"))?;
    if sub["status"] == "canceled" {
        return Err(format!("{id} has ended"));
    }
    let (amount, currency) = price_of(shared, &sub);
    let invoice = new_invoice(
        &mut inner,
        &sub,
        amount,
        &currency,
        paid,
        "subscription_cycle",
        now,
    );
    let previous = sub["status"].clone();
    let mut updated = sub;
    updated["status"] = json!(if paid { "active" } else { "past_due" });
    updated["latest_invoice"] = invoice["id"].clone();
    if paid {
        updated["items"]["data"][0]["current_period_start"] = json!(now);
        updated["items"]["data"][0]["current_period_end"] = json!(now + 30 * 86400);
    }
    inner.subscriptions.insert(id.to_owned(), updated.clone());
    let kind = if paid {
        "invoice.paid"
    } else {
        "invoice.payment_failed"
    };
    Ok(vec![
        super::webhooks::event(&mut inner, kind, &invoice, None, now),
        super::webhooks::event(
            &mut inner,
            "customer.subscription.updated",
            &updated,
            Some(json!({"status": previous})),
            now,
        ),
    ])
}

/// Ends `id` at once.
/// `DELETE /v1/customers/{id}` (Stripe API reference, "Delete a customer"): permanently
/// deletes the customer and at once cancels its subscriptions that have not ended; answers
/// `{"id","object":"customer","deleted":true}`. An unknown or already deleted customer is
/// Stripe's 404 `resource_missing`. Each cancelled subscription is announced as
/// `customer.subscription.deleted`, and the customer as `customer.deleted`.
pub(crate) async fn delete_customer(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let now = shared.now().timestamp();
    let path = format!("/v1/customers/{id}");
    let mut events = Vec::new();
    let response = call(&shared, "DELETE", &path, &headers, b"", |inner, _| {
        let Some(customer) = inner.customers.remove(&id) else {
            let mut e = json!({"error": {"type": "invalid_request_error", "code": "resource_missing",
                                         "param": "id", "message": format!("No such customer: '{id}'")}});
            e["error"]["doc_url"] = json!("https://stripe.com/docs/error-codes/resource-missing");
            return (StatusCode::NOT_FOUND.as_u16(), e.to_string());
        };
        let mut ended = Vec::new();
        for sub in inner.subscriptions.values_mut() {
            if sub["customer"] == id.as_str()
                && !matches!(
                    sub["status"].as_str(),
                    Some("canceled" | "incomplete_expired")
                )
            {
                sub["status"] = json!("canceled");
                sub["canceled_at"] = json!(now);
                sub["ended_at"] = json!(now);
                ended.push(sub.clone());
            }
        }
        for sub in &ended {
            let e = super::webhooks::event(inner, "customer.subscription.deleted", sub, None, now);
            events.push(e);
        }
        events.push(super::webhooks::event(
            inner,
            "customer.deleted",
            &customer,
            None,
            now,
        ));
        (
            200,
            json!({"id": id, "object": "customer", "deleted": true}).to_string(),
        )
    });
    super::webhooks::send(&shared, events).await;
    response
}

pub(crate) fn cancel(shared: &Shared, id: &str) -> Result<Vec<Value>, String> {
    let now = shared.now().timestamp();
    let mut inner = shared.lock();
    let sub = inner
        .subscriptions
        .get_mut(id)
        .ok_or_else(|| format!("no subscription {id}"))?;
    sub["status"] = json!("canceled");
    sub["canceled_at"] = json!(now);
    sub["ended_at"] = json!(now);
    let ended = sub.clone();
    Ok(vec![super::webhooks::event(
        &mut inner,
        "customer.subscription.deleted",
        &ended,
        None,
        now,
    )])
}
