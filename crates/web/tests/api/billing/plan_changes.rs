//! Plan changes in the audit log (checkout completed, a failed renewal, the grace period
//! running out, a cancellation), and a deleted organisation's Stripe customer deleted at
//! Stripe by a retried job — an outage at Stripe never holds back the deletion of the data.

use super::env;
use crate::support::Db;
use chrono::TimeDelta;
use flowsense_service::billing::{DELETE_CUSTOMER, GRACE_ENDED};
use flowsense_storage::{AuditEvent, JobState};
use reqwest::{Method, StatusCode};
use serde_json::json;

/// The organisation's plan changes in its audit log (`billing.*` but the admin's own
/// `billing.checkout_started`), oldest first.
async fn plan_events(e: &super::Env) -> Vec<AuditEvent> {
    let mut events: Vec<AuditEvent> = e
        .app
        .state
        .store
        .audit_events(e.org, 200)
        .await
        .expect("audit")
        .into_iter()
        .filter(|a| a.action.starts_with("billing.") && a.action != "billing.checkout_started")
        .collect();
    events.reverse();
    events
}

fn summary(a: &AuditEvent) -> (String, String, String) {
    let text = |k: &str| a.details[k].as_str().unwrap_or_default().to_owned();
    (a.action.clone(), text("plan"), text("status"))
}

async fn every_plan_change_is_in_the_audit_log(db: Db) {
    let mut e = env(db).await;
    assert!(plan_events(&e).await.is_empty());

    // Checkout completed: free → team, recorded once however many of its events arrive.
    let sub = e.upgrade().await;
    let events = plan_events(&e).await;
    assert_eq!(events.len(), 1, "{events:?}");
    let (action, plan, status) = summary(&events[0]);
    assert_eq!((plan.as_str(), status.as_str()), ("team", "active"));
    assert!(
        [
            "billing.checkout_session_completed",
            "billing.subscription_created",
            "billing.invoice_paid"
        ]
        .contains(&action.as_str()),
        "{action}"
    );
    assert_eq!(events[0].details["plan_before"], "free");
    assert_eq!(events[0].target, format!("subscription:{sub}"));
    assert!(events[0].actor.is_none());

    // A failed renewal: still team, now past due.
    e.stripe.renew(&sub, false).await.expect("failed renewal");
    let events = plan_events(&e).await;
    assert_eq!(events.len(), 2, "{events:?}");
    assert_eq!(
        (
            summary(&events[1]).1.as_str(),
            summary(&events[1]).2.as_str()
        ),
        ("team", "past_due")
    );

    // The grace period runs out with no event from Stripe: recorded once, when first seen.
    e.app.advance(TimeDelta::days(8));
    e.admin = e.app.signed_in("admin@acme.test").await;
    for _ in 0..3 {
        let page = e.billing_page().await;
        assert!(page.contains("id=\"plan-name\">Free<"), "{page}");
        let cashflow = e
            .admin
            .request(Method::GET, &format!("/app/{}/cashflow", e.org))
            .send()
            .await
            .expect("page");
        assert_eq!(cashflow.status(), StatusCode::OK);
    }
    let events = plan_events(&e).await;
    let ended: Vec<_> = events.iter().filter(|a| a.action == GRACE_ENDED).collect();
    assert_eq!(ended.len(), 1, "{events:?}");
    assert_eq!(ended[0].details["plan_before"], "team");
    assert_eq!(ended[0].details["plan"], "free");

    // Cancelled in the portal: the subscription's deletion.
    let portal = e
        .admin
        .request(Method::POST, &format!("/app/{}/billing/portal", e.org))
        .send()
        .await
        .expect("portal");
    let at = portal.url().clone();
    e.admin
        .http
        .post(format!("{}{}/cancel", e.stripe.origin(), at.path()))
        .send()
        .await
        .expect("cancel");
    let events = plan_events(&e).await;
    let last = events.last().expect("an event");
    assert_eq!(
        summary(last),
        (
            "billing.subscription_deleted".to_owned(),
            "free".to_owned(),
            "canceled".to_owned()
        )
    );
    // No amount, card or secret in any of them.
    for a in &events {
        let text = a.details.to_string();
        assert!(
            !text.contains("amount") && !text.contains("whsec"),
            "{text}"
        );
    }
}

async fn a_deleted_organisations_stripe_customer_is_deleted_at_stripe(db: Db) {
    let e = env(db).await;
    let sub = e.upgrade().await;
    let customer = e
        .billing()
        .await
        .and_then(|r| r.stripe_customer_id)
        .expect("a customer");
    assert!(e.stripe.has_customer(&customer));
    let name = e.app.state.store.org(e.org).await.expect("org").name;

    // Stripe is down: the organisation's data goes all the same.
    e.stripe.fail_next(1_000);
    let mut admin = e.app.signed_in("admin@acme.test").await;
    let (s, body) = admin
        .send(
            Method::DELETE,
            &format!("/api/v1/orgs/{}", e.org),
            Some(json!({"confirm": name})),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{body}");
    assert!(matches!(
        e.app.state.store.org(e.org).await,
        Err(flowsense_storage::StorageError::NotFound)
    ));
    e.app.run_jobs().await;
    assert!(e.stripe.has_customer(&customer), "Stripe was down");
    let jobs = e
        .app
        .state
        .store
        .list_jobs_across_orgs(None, Some(DELETE_CUSTOMER), 10)
        .await
        .expect("jobs");
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].state, JobState::Queued, "retried later");
    assert!(
        jobs[0]
            .last_error
            .as_deref()
            .is_some_and(|m| m.contains("Stripe")),
        "{:?}",
        jobs[0].last_error
    );

    // Stripe is back: the retry deletes the customer, which ends its subscription at once.
    e.stripe.fail_next(0);
    e.app.advance(TimeDelta::hours(1));
    e.app.run_jobs().await;
    assert!(!e.stripe.has_customer(&customer));
    assert_eq!(
        e.stripe.subscription(&sub).expect("kept")["status"],
        "canceled"
    );
    let deletes: Vec<_> = e
        .stripe
        .served()
        .into_iter()
        .filter(|s| s.method == "DELETE" && s.path == format!("/v1/customers/{customer}"))
        .collect();
    assert_eq!(deletes.last().map(|d| d.status), Some(200));
    assert!(
        deletes
            .iter()
            .all(|d| d.stripe_version.as_deref()
                == Some(flowsense_integrations::stripe::API_VERSION))
    );
    let jobs = e
        .app
        .state
        .store
        .list_jobs_across_orgs(None, Some(DELETE_CUSTOMER), 10)
        .await
        .expect("jobs");
    assert_eq!(jobs[0].state, JobState::Succeeded);
}

crate::on_both_backends!(
    every_plan_change_is_in_the_audit_log,
    a_deleted_organisations_stripe_customer_is_deleted_at_stripe
);
