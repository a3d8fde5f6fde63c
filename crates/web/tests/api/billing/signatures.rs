//! `Stripe-Signature` checked against Stripe's own Python library (`stripe` from PyPI, put on
//! `FLOWSENSE_STRIPE_PYTHON` by `.ci/stripe-env`): a delivery it signs is accepted; one signed
//! with another secret, too long ago, over another body, or sent a second time is refused with
//! 400 and changes nothing; a redelivery of the same event with a fresh signature is accepted and
//! does nothing new; during a secret roll any matching `v1` will do. The fake's own deliveries
//! pass Stripe's library too.

use super::{env, post_webhook};
use crate::support::Db;
use flowsense_core::clock::Clock;
use flowsense_fakes::stripe::{Delivery, signature_header};
use reqwest::StatusCode;
use std::io::Write;
use std::process::{Command, Stdio};

const SCRIPT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/api/billing/stripe_signature.py"
);

/// Python with the `stripe` package, or `None` (the test is skipped, loudly; required in CI).
fn stripe_python() -> Option<String> {
    let python = std::env::var("FLOWSENSE_STRIPE_PYTHON").ok();
    if python.is_none() {
        flowsense_test_support::skip_for_missing_tool(
            "Stripe's Python library",
            " (source .ci/stripe-env to install it)",
        );
    }
    python
}

/// Runs the oracle: `(exit code 0, its output line)`.
fn oracle(python: &str, args: &[&str], body: &[u8]) -> (bool, String) {
    let mut child = Command::new(python)
        .arg(SCRIPT)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(body)
        .expect("body");
    let out = child.wait_with_output().expect("python ends");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).trim().to_owned(),
    )
}

fn stripe_signs(python: &str, secret: &str, t: i64, body: &[u8]) -> String {
    let (ok, header) = oracle(python, &["sign", secret, &t.to_string()], body);
    assert!(ok, "{header}");
    header
}

async fn deliveries_are_accepted_exactly_when_stripes_library_signs_them(db: Db) {
    let Some(python) = stripe_python() else {
        return;
    };
    let e = env(db).await;
    e.stripe.set_delivery(Delivery::Held);
    let sub = e.upgrade().await;
    let held = e.stripe.take_held();
    let kinds: Vec<_> = held
        .iter()
        .map(|h| h["type"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        kinds,
        [
            "checkout.session.completed",
            "customer.subscription.created",
            "invoice.paid"
        ]
    );
    let secret = e.stripe.config().webhook_secrets[0].clone();
    let body = held[0].to_string().into_bytes();
    let now = e.app.clock.now().timestamp();

    // The fake signs byte for byte as Stripe's library does.
    assert_eq!(
        stripe_signs(&python, &secret, now, &body),
        signature_header(std::slice::from_ref(&secret), now, &body)
    );

    // Refused with 400, and nothing changed: the organisation is still on no subscription and
    // Stripe was not asked about one.
    let before = e
        .billing()
        .await
        .expect("the customer was recorded at checkout");
    assert_eq!(
        (before.plan.as_str(), before.status.as_str()),
        ("free", "none")
    );
    let fetches = || {
        e.stripe
            .served()
            .iter()
            .filter(|s| s.path.starts_with("/v1/subscriptions/"))
            .count()
    };
    let mut tampered = body.clone();
    let at = tampered.len() / 2;
    tampered[at] ^= 0x01;
    let reserialised = serde_json::to_vec_pretty(&held[0]).expect("json");
    let refusals = [
        (
            "a re-serialised body",
            stripe_signs(&python, &secret, now, &body),
            reserialised,
        ),
        (
            "another secret",
            stripe_signs(&python, "whsec_not_ours", now, &body),
            body.clone(),
        ),
        (
            "301 seconds old",
            stripe_signs(&python, &secret, now - 301, &body),
            body.clone(),
        ),
        (
            "a tampered body",
            stripe_signs(&python, &secret, now, &body),
            tampered,
        ),
        ("no v1", format!("t={now}"), body.clone()),
    ];
    for (what, header, sent) in &refusals {
        assert_eq!(
            post_webhook(&e.app, Some(header), sent).await,
            StatusCode::BAD_REQUEST,
            "{what}"
        );
        let (accepted, said) = oracle(&python, &["verify", &secret, header], sent);
        assert!(!accepted, "Stripe's library refuses {what} too: {said}");
    }
    assert_eq!(
        post_webhook(&e.app, None, &body).await,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(e.billing().await.as_ref(), Some(&before));
    assert_eq!(fetches(), 0);

    // Accepted: signed by Stripe's library. The subscription is fetched and recorded.
    let good = stripe_signs(&python, &secret, now, &body);
    let (accepted, id) = oracle(&python, &["verify", &secret, &good], &body);
    assert!(accepted && id == held[0]["id"], "{id}");
    assert_eq!(
        post_webhook(&e.app, Some(&good), &body).await,
        StatusCode::OK
    );
    let after = e.billing().await.expect("billing");
    assert_eq!(
        (after.plan.as_str(), after.status.as_str()),
        ("team", "active")
    );
    assert_eq!(fetches(), 1);

    // Replayed as captured: refused, nothing changed.
    e.app.advance(chrono::TimeDelta::seconds(30));
    assert_eq!(
        post_webhook(&e.app, Some(&good), &body).await,
        StatusCode::BAD_REQUEST
    );
    // Stripe's own redelivery of the event (a fresh signature): accepted, nothing new done.
    let now = e.app.clock.now().timestamp();
    let again = stripe_signs(&python, &secret, now, &body);
    assert_eq!(
        post_webhook(&e.app, Some(&again), &body).await,
        StatusCode::OK
    );
    assert_eq!(fetches(), 1);
    assert_eq!(e.billing().await.as_ref(), Some(&after));

    // While the endpoint secret is rolled, a v1 under the old secret next to one under ours.
    let body = held[1].to_string().into_bytes();
    let old = stripe_signs(&python, "whsec_rolled_away", now, &body);
    let ours = stripe_signs(&python, &secret, now, &body);
    let both = format!("{old},{}", ours.split_once(',').expect("t,v1").1);
    assert_eq!(
        post_webhook(&e.app, Some(&both), &body).await,
        StatusCode::OK
    );
    assert_eq!(fetches(), 2);

    // The fake's own deliveries pass Stripe's library, and the app.
    e.stripe.set_delivery(Delivery::InOrder);
    e.stripe.renew(&sub, true).await.expect("renew");
    for d in e.deliveries(2).await {
        assert_eq!(d.status, Some(200), "{}", d.event_type);
        let (accepted, said) = oracle(&python, &["verify", &secret, &d.signature], &d.body);
        assert!(accepted, "{said}");
    }
}

crate::on_both_backends!(deliveries_are_accepted_exactly_when_stripes_library_signs_them);
