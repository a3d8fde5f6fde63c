//! Stripe's events arrive out of order and more than once. The app never trusts an event's
//! snapshot: it fetches the subscription's current state, so any order ends in the state Stripe
//! holds, and each event id is acted on once. A failed renewal keeps the plan for the grace
//! period, then the free plan's limits apply, until a payment goes through.

use super::env;
use crate::support::Db;
use chrono::TimeDelta;
use flowsense_fakes::stripe::Delivery;
use reqwest::StatusCode;
use serde_json::json;

async fn out_of_order_and_duplicated_events_end_in_the_state_stripe_holds(db: Db) {
    let e = env(db).await;
    let fetches = || {
        e.stripe
            .served()
            .iter()
            .filter(|s| s.path.starts_with("/v1/subscriptions/"))
            .count()
    };

    // Checkout's events newest first: invoice.paid before the subscription and the session.
    e.stripe.set_delivery(Delivery::Reversed);
    let sub = e.upgrade().await;
    let kinds: Vec<_> = e
        .deliveries(3)
        .await
        .iter()
        .map(|d| d.event_type.clone())
        .collect();
    assert_eq!(
        kinds,
        [
            "invoice.paid",
            "customer.subscription.created",
            "checkout.session.completed"
        ]
    );
    assert!(e.stripe.delivered().iter().all(|d| d.status == Some(200)));
    let r = e.billing().await.expect("billing");
    assert_eq!(
        (
            r.plan.as_str(),
            r.status.as_str(),
            r.stripe_subscription_id.as_deref()
        ),
        ("team", "active", Some(sub.as_str()))
    );
    assert!(r.current_period_end.is_some());
    assert_eq!(fetches(), 3);

    // Every event twice: all accepted, each acted on once (one fetch per event).
    e.stripe.set_delivery(Delivery::Duplicated);
    e.stripe.renew(&sub, true).await.expect("renew");
    let twice = &e.deliveries(7).await[3..];
    assert_eq!(twice.len(), 4);
    assert_eq!(twice[0].event_id, twice[1].event_id);
    assert!(twice.iter().all(|d| d.status == Some(200)));
    assert_eq!(fetches(), 5);

    // A failed renewal, then a paid one, delivered newest first: the stale `past_due` snapshot
    // arrives last and must not win.
    e.stripe.set_delivery(Delivery::Held);
    e.stripe.renew(&sub, false).await.expect("failed renewal");
    e.stripe.renew(&sub, true).await.expect("paid renewal");
    e.stripe.set_delivery(Delivery::InOrder);
    e.stripe.release_held(true).await;
    let released = &e.deliveries(11).await[7..];
    assert_eq!(
        released.last().map(|d| d.event_type.as_str()),
        Some("invoice.payment_failed")
    );
    assert!(released.iter().all(|d| d.status == Some(200)));
    let r = e.billing().await.expect("billing");
    assert_eq!((r.plan.as_str(), r.status.as_str()), ("team", "active"));
    assert_eq!(r.payment_failing_since, None);

    // Cancelled in the portal while an older `updated` is still on its way: it ends cancelled.
    e.stripe.set_delivery(Delivery::Held);
    e.stripe.renew(&sub, true).await.expect("renewal");
    e.stripe.cancel(&sub).await.expect("cancel");
    e.stripe.set_delivery(Delivery::InOrder);
    e.stripe.release_held(true).await;
    let r = e.billing().await.expect("billing");
    assert_eq!((r.plan.as_str(), r.status.as_str()), ("free", "canceled"));
    assert!(e.billing_page().await.contains("id=\"plan-name\">Free<"));
}

async fn a_failed_payment_keeps_the_plan_for_the_grace_period_then_the_free_limits_apply(db: Db) {
    let mut e = env(db).await;
    let sub = e.upgrade().await;
    e.stripe.renew(&sub, false).await.expect("failed renewal");
    let r = e.billing().await.expect("billing");
    assert_eq!((r.plan.as_str(), r.status.as_str()), ("team", "past_due"));
    let failing_since = r.payment_failing_since.expect("grace starts");
    let page = e.billing_page().await;
    assert!(
        page.contains("id=\"plan-name\">Team<") && page.contains("id=\"payment-failing\""),
        "{page}"
    );
    let invite = |n: u32| json!({"email": format!("new{n}@acme.test"), "role": "viewer"});
    let path = format!("/api/v1/orgs/{}/invitations", e.org);
    let (s, body) = e.admin.post(&path, invite(1)).await;
    assert_eq!(s, StatusCode::CREATED, "{body}");

    // Stripe retries and fails again: the grace still runs from the first failure.
    e.app.advance(TimeDelta::days(3));
    e.stripe.renew(&sub, false).await.expect("failed again");
    assert_eq!(
        e.billing().await.expect("billing").payment_failing_since,
        Some(failing_since)
    );

    // Past the grace period: the free plan's limits (3 members) apply; nothing is deleted.
    e.app.advance(TimeDelta::days(5));
    e.admin = e.app.signed_in("admin@acme.test").await;
    let (s, body) = e.admin.post(&path, invite(2)).await;
    assert_eq!(s, StatusCode::PAYMENT_REQUIRED, "{body}");
    assert_eq!(body["error"]["code"], "plan_limit");
    let message = body["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("Free plan allows 3 members") && message.contains("billing page"),
        "{message}"
    );
    assert_eq!(
        e.app
            .state
            .store
            .open_invitations(e.org)
            .await
            .expect("db")
            .len(),
        1
    );
    assert!(e.billing_page().await.contains("id=\"plan-name\">Free<"));

    // The card is fixed: paid again, the plan is back.
    e.stripe.renew(&sub, true).await.expect("paid");
    let (s, body) = e.admin.post(&path, invite(3)).await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    assert_eq!(
        e.billing().await.expect("billing").payment_failing_since,
        None
    );
}

crate::on_both_backends!(
    out_of_order_and_duplicated_events_end_in_the_state_stripe_holds,
    a_failed_payment_keeps_the_plan_for_the_grace_period_then_the_free_limits_apply
);
