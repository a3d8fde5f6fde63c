//! The pages a customer sees on Stripe: Checkout (pay, which completes the session and sends the
//! browser to `success_url`) and the Billing Portal (cancel the subscription, or go back).
//! Plain forms, no script: the fake takes no card details, paying always succeeds.

use super::Shared;
use super::api::{new_invoice, new_subscription};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde_json::{Value, json};
use std::sync::Arc;

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn page(title: &str, body: &str) -> Html<String> {
    Html(format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title></head>\
         <body><main>{body}</main></body></html>",
        escape(title)
    ))
}

pub(crate) async fn checkout(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
) -> Response {
    let inner = shared.lock();
    let Some(session) = inner.sessions.get(&id) else {
        return (StatusCode::NOT_FOUND, "no such checkout session").into_response();
    };
    if session.object["status"] != "open" {
        return (StatusCode::GONE, "this checkout session is no longer open").into_response();
    }
    let price = shared.config.prices.iter().find(|p| p.id == session.price);
    let (name, amount, currency) = price.map_or(("?".into(), 0, String::new()), |p| {
        (
            p.product_name.clone(),
            p.amount_minor,
            p.currency.to_uppercase(),
        )
    });
    page(
        "Checkout",
        &format!(
            "<h1>Subscribe to {}</h1><p>{}.{:02} {} a month</p>\
             <form method=\"post\" action=\"/c/pay/{}\"><button type=\"submit\">Pay and subscribe</button></form>\
             <p><a href=\"{}\">Cancel</a></p>",
            escape(&name),
            amount / 100,
            amount % 100,
            escape(&currency),
            escape(&id),
            escape(session.object["cancel_url"].as_str().unwrap_or("/")),
        ),
    )
    .into_response()
}

/// Completes `id`: a subscription and its first invoice, paid; the session `complete`. Returns
/// the events (`checkout.session.completed`, `customer.subscription.created`, `invoice.paid`)
/// and the success URL with `{CHECKOUT_SESSION_ID}` filled in.
pub(crate) fn complete(shared: &Shared, id: &str) -> Result<(Vec<Value>, String), String> {
    let now = shared.now().timestamp();
    let mut inner = shared.lock();
    let session = inner
        .sessions
        .get(id)
        .ok_or_else(|| format!("no checkout session {id}"))?;
    if session.object["status"] != "open" {
        return Err(format!("{id} is not open"));
    }
    let price = session.price.clone();
    let metadata = session.object["subscription_metadata"].clone();
    let success = session.object["success_url"]
        .as_str()
        .unwrap_or_default()
        .replace("{CHECKOUT_SESSION_ID}", id);
    let customer = match session.object["customer"].as_str() {
        Some(c) => c.to_owned(),
        None => {
            let c = inner.id("cus");
            let email = inner.sessions[id].object["customer_email"].clone();
            inner.customers.insert(
                c.clone(),
                json!({"id": c, "object": "customer", "email": email, "created": now}),
            );
            c
        }
    };
    let mut sub = new_subscription(&mut inner, &customer, &price, &metadata, now);
    let amount = shared
        .config
        .prices
        .iter()
        .find(|p| p.id == price)
        .map_or((0, "usd".to_owned()), |p| {
            (p.amount_minor, p.currency.clone())
        });
    let invoice = new_invoice(
        &mut inner,
        &sub,
        amount.0,
        &amount.1,
        true,
        "subscription_create",
        now,
    );
    sub["latest_invoice"] = invoice["id"].clone();
    let sub_id = sub["id"].as_str().unwrap_or_default().to_owned();
    inner.subscriptions.insert(sub_id.clone(), sub.clone());
    let session = inner
        .sessions
        .get_mut(id)
        .ok_or_else(|| format!("no checkout session {id}"))?;
    let o = &mut session.object;
    o["status"] = json!("complete");
    o["payment_status"] = json!("paid");
    o["customer"] = json!(customer);
    o["subscription"] = json!(sub_id);
    o["invoice"] = invoice["id"].clone();
    let mut completed = o.clone();
    if let Some(map) = completed.as_object_mut() {
        map.remove("subscription_metadata");
    }
    let events = vec![
        super::webhooks::event(
            &mut inner,
            "checkout.session.completed",
            &completed,
            None,
            now,
        ),
        super::webhooks::event(&mut inner, "customer.subscription.created", &sub, None, now),
        super::webhooks::event(&mut inner, "invoice.paid", &invoice, None, now),
    ];
    Ok((events, success))
}

/// Paying on the Checkout page: completes the session, sends its events (the first attempt
/// before answering, so the customer comes back to a provisioned account; failures are retried
/// in the background), and sends the browser to the success URL.
pub(crate) async fn pay(State(shared): State<Arc<Shared>>, Path(id): Path<String>) -> Response {
    match complete(&shared, &id) {
        Ok((events, success)) => {
            super::webhooks::send(&shared, events).await;
            Redirect::to(&success).into_response()
        }
        Err(e) => (StatusCode::BAD_REQUEST, e).into_response(),
    }
}

pub(crate) async fn portal(State(shared): State<Arc<Shared>>, Path(id): Path<String>) -> Response {
    let inner = shared.lock();
    let Some(portal) = inner.portals.get(&id) else {
        return (StatusCode::NOT_FOUND, "no such portal session").into_response();
    };
    let mut subs: Vec<&Value> = inner
        .subscriptions
        .values()
        .filter(|s| s["customer"] == portal.customer.as_str() && s["status"] != "canceled")
        .collect();
    subs.sort_by_key(|s| s["created"].as_i64());
    let current = subs.last().map_or_else(
        || "<p>No current subscription.</p>".to_owned(),
        |s| {
            format!(
                "<p>Subscription {} is {}.</p><form method=\"post\" action=\"/p/session/{}/cancel\">\
                 <button type=\"submit\">Cancel subscription</button></form>",
                escape(s["id"].as_str().unwrap_or_default()),
                escape(s["status"].as_str().unwrap_or_default()),
                escape(&id)
            )
        },
    );
    page(
        "Billing portal",
        &format!(
            "<h1>Manage your subscription</h1>{current}<p><a href=\"{}\">Return</a></p>",
            escape(&portal.return_url)
        ),
    )
    .into_response()
}

pub(crate) async fn portal_cancel(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
) -> Response {
    let found = {
        let inner = shared.lock();
        inner.portals.get(&id).map(|p| {
            let mut subs: Vec<&Value> = inner
                .subscriptions
                .values()
                .filter(|s| s["customer"] == p.customer.as_str() && s["status"] != "canceled")
                .collect();
            subs.sort_by_key(|s| s["created"].as_i64());
            (
                subs.last()
                    .and_then(|s| s["id"].as_str())
                    .map(str::to_owned),
                p.return_url.clone(),
            )
        })
    };
    let Some((sub, return_url)) = found else {
        return (StatusCode::NOT_FOUND, "no such portal session").into_response();
    };
    if let Some(sub) = sub
        && let Ok(events) = super::api::cancel(&shared, &sub)
    {
        super::webhooks::send(&shared, events).await;
    }
    Redirect::to(&return_url).into_response()
}
