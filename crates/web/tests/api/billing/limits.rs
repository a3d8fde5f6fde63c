//! Who sees billing, and the plan's limits where they bite. Only admins reach the billing
//! routes (members and viewers 403, and see no billing link); with billing off they are not
//! found and nothing is limited. A downgrade deletes nothing: connections, members and old
//! transactions stay, but no more can be added and older history is not shown.

use super::env;
use crate::support::{Db, spawn_app};
use chrono::{NaiveDate, TimeDelta};
use flowsense_core::Role;
use flowsense_core::clock::Clock;
use flowsense_storage::NewTransaction;
use reqwest::{Method, StatusCode};
use serde_json::json;

fn transaction(on: NaiveDate, description: &str) -> NewTransaction {
    NewTransaction {
        account: "Operating".into(),
        posted_on: on,
        amount_minor: -12_345,
        currency: "USD".into(),
        original_amount_minor: -12_345,
        original_currency: "USD".into(),
        counterparty: "Landlord".into(),
        description: description.into(),
        category: "Rent".into(),
        is_transfer: false,
        external_id: description.into(),
    }
}

async fn listed(b: &mut crate::support::Browser, org: flowsense_core::OrgId) -> usize {
    let (s, page) = b.get(&format!("/api/v1/orgs/{org}/transactions")).await;
    assert_eq!(s, StatusCode::OK, "{page}");
    page["items"].as_array().map_or(0, Vec::len)
}

async fn only_admins_see_billing_and_a_downgrade_limits_without_deleting(db: Db) {
    let e = env(db).await;
    let org = e.org;
    let store = &e.app.state.store;

    // Stripe is listed among the instance's sub-processors, on the trust centre.
    let trust = e
        .app
        .browser()
        .request(Method::GET, "/security")
        .send()
        .await
        .expect("page");
    assert!(
        trust
            .text()
            .await
            .expect("page")
            .contains("Stripe (payments)")
    );

    // Members and viewers: no billing link, 403 on every billing route.
    for who in ["member@acme.test", "viewer@acme.test"] {
        let b = e.app.signed_in(who).await;
        let home = b
            .request(Method::GET, &format!("/app/{org}"))
            .send()
            .await
            .expect("home")
            .text()
            .await
            .expect("page");
        assert!(!home.contains("billing-link"), "{who}");
        for (method, path) in [
            (Method::GET, format!("/app/{org}/billing")),
            (Method::POST, format!("/app/{org}/billing/checkout")),
            (Method::POST, format!("/app/{org}/billing/portal")),
        ] {
            let mut r = b.request(method.clone(), &path);
            if method == Method::POST {
                r = r.form(&[("plan", "team")]);
            }
            let s = r.send().await.expect("send").status();
            assert_eq!(s, StatusCode::FORBIDDEN, "{who} {method} {path}");
        }
    }
    let home = e
        .admin
        .request(Method::GET, &format!("/app/{org}"))
        .send()
        .await
        .expect("home")
        .text()
        .await
        .expect("page");
    assert!(home.contains("billing-link"));

    // On Team: three connections, five members with invitations, two years of books.
    let sub = e.upgrade().await;
    for tenant in ["realm-1", "realm-2", "realm-3"] {
        crate::connections::connected(store, org, "quickbooks", tenant).await;
    }
    let invitations = format!("/api/v1/orgs/{org}/invitations");
    let mut admin = e.app.signed_in("admin@acme.test").await;
    for n in 1..=2 {
        let (s, body) = admin
            .post(
                &invitations,
                json!({"email": format!("p{n}@acme.test"), "role": "viewer"}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{body}");
    }
    let today = e.app.clock.now().date_naive();
    let old = today - TimeDelta::days(700);
    e.app
        .import_rows(
            org,
            &[transaction(old, "Old rent"), transaction(today, "New rent")],
        )
        .await;
    assert_eq!(listed(&mut admin, org).await, 2);

    // Cancelled in Stripe's portal: Manage billing, Cancel, back on the billing page.
    let portal = e
        .admin
        .request(Method::POST, &format!("/app/{org}/billing/portal"))
        .send()
        .await
        .expect("portal");
    let at = portal.url().clone();
    assert!(at.as_str().starts_with(&e.stripe.origin()), "{at}");
    let back = e
        .admin
        .http
        .post(format!("{}{}/cancel", e.stripe.origin(), at.path()))
        .send()
        .await
        .expect("cancel");
    assert!(back.url().path().ends_with("/billing"), "{}", back.url());
    let page = back.text().await.expect("page");
    assert!(page.contains("id=\"plan-name\">Free<"), "{page}");
    assert!(page.contains("(over the limit)"), "{page}");
    let r = e.billing().await.expect("billing");
    assert_eq!(
        (r.status.as_str(), r.stripe_subscription_id),
        ("canceled", Some(sub))
    );

    // Nothing was deleted.
    let active = store.connections(org).await.expect("db");
    assert_eq!(active.iter().filter(|c| c.status == "active").count(), 3);
    assert_eq!(store.member_details(org).await.expect("db").len(), 3);
    assert_eq!(store.open_invitations(org).await.expect("db").len(), 2);
    assert_eq!(e.app.transactions_in(org).await, 2);

    // But the free plan's limits hold: one year of history shown, no more invitations or
    // connections, each refused with what the plan allows and where to upgrade.
    assert_eq!(listed(&mut admin, org).await, 1);
    let (s, body) = admin
        .post(
            &invitations,
            json!({"email": "p3@acme.test", "role": "viewer"}),
        )
        .await;
    assert_eq!(
        (s, body["error"]["code"].as_str()),
        (StatusCode::PAYMENT_REQUIRED, Some("plan_limit"))
    );
    let (s, body) = admin
        .post(
            &format!("/api/v1/orgs/{org}/connections"),
            json!({"provider": "quickbooks"}),
        )
        .await;
    assert_eq!(s, StatusCode::PAYMENT_REQUIRED, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("1 accounting connections"),
        "{body}"
    );
    let refused = e
        .admin
        .request(Method::POST, &format!("/app/{org}/members/invite"))
        .form(&[("email", "p4@acme.test"), ("role", "viewer")])
        .send()
        .await
        .expect("invite");
    assert_eq!(refused.status(), StatusCode::PAYMENT_REQUIRED);
    let page = refused.text().await.expect("page");
    assert!(
        page.contains(&format!("href=\"/app/{org}/billing\" id=\"upgrade-link\"")),
        "{page}"
    );
}

async fn with_billing_off_there_is_no_billing_and_no_limit(db: Db) {
    let app = spawn_app(db).await;
    let admin_id = app.user("admin@solo.test").await;
    let org = app.org("solo", admin_id).await;
    for n in 0..4 {
        app.member(org, &format!("m{n}@solo.test"), Role::Viewer)
            .await;
    }
    let trust = app
        .browser()
        .request(Method::GET, "/security")
        .send()
        .await
        .expect("page");
    assert!(
        !trust
            .text()
            .await
            .expect("page")
            .contains("Stripe (payments)")
    );
    let mut admin = app.signed_in("admin@solo.test").await;
    let (s, _) = admin.get(&format!("/app/{org}/billing")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, body) = admin
        .post(
            &format!("/api/v1/orgs/{org}/invitations"),
            json!({"email": "sixth@solo.test", "role": "viewer"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    let body = br#"{"id":"evt_1","object":"event","type":"invoice.paid","data":{"object":{}}}"#;
    assert_eq!(
        super::post_webhook(&app, Some("t=1,v1=00"), body).await,
        StatusCode::NOT_FOUND
    );
}

crate::on_both_backends!(
    only_admins_see_billing_and_a_downgrade_limits_without_deleting,
    with_billing_off_there_is_no_billing_and_no_limit
);
