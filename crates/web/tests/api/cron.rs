//! `POST /api/cron/{job}`: off without a secret (404); an unsigned, forged, stale or replayed
//! call is 401 and enqueues nothing; a good one is 202 with its job, once per period.

use crate::on_both_backends;
use crate::support::{Db, TestApp, spawn_app, spawn_with_state};
use chrono::TimeDelta;
use flowsense_core::clock::Clock;
use flowsense_jobs::builtin::{CLEANUP_EXPIRED, register_cleanup};
use flowsense_jobs::cron::{
    NONCE_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, new_cron_nonce, sign_cron_request,
};
use flowsense_jobs::{Registry, Scheduler};
use flowsense_service::identity::limits::RateLimits;
use flowsense_web::AppState;
use flowsense_web::api::CronEndpoint;
use reqwest::StatusCode;
use secrecy::SecretString;
use serde_json::Value;
use std::sync::Arc;

/// The secret of [`with_test_cron`].
pub const SECRET: &str = "a cron secret of a decent length, 32+";

/// `state` answering `POST /api/cron/{job}` signed with [`SECRET`], for the built-in
/// periodic kinds.
pub fn with_test_cron(state: AppState) -> AppState {
    let mut registry = Registry::new();
    register_cleanup(
        &mut registry,
        state.store.clone(),
        state.clock.clone(),
        TimeDelta::minutes(30),
    );
    let scheduler = Scheduler::new(state.store.clone(), Arc::new(registry), state.clock.clone());
    state.with_cron(CronEndpoint {
        secrets: vec![SecretString::from(SECRET)],
        scheduler: Arc::new(scheduler),
    })
}

const PATH: &str = "/api/cron/cleanup.expired";

async fn spawn_with_cron(db: Db) -> TestApp {
    spawn_with_state(db, RateLimits::generous(), |_| {}, with_test_cron).await
}

/// Sends a cron call with whichever of its headers are given.
async fn call(app: &TestApp, path: &str, headers: &[(&str, String)]) -> (StatusCode, Value) {
    let mut request = reqwest::Client::new().post(format!("{}{path}", app.base));
    for (name, value) in headers {
        request = request.header(*name, value);
    }
    let response = request.send().await.expect("cron test step");
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn signed(secret: &str, path: &str, timestamp: i64, nonce: &str) -> Vec<(&'static str, String)> {
    let signature = sign_cron_request(&SecretString::from(secret), "POST", path, timestamp, nonce);
    vec![
        (TIMESTAMP_HEADER, timestamp.to_string()),
        (NONCE_HEADER, nonce.to_owned()),
        (SIGNATURE_HEADER, signature),
    ]
}

async fn jobs_enqueued(app: &TestApp) -> usize {
    app.state
        .store
        .list_jobs_across_orgs(None, None, 100)
        .await
        .expect("cron test step")
        .len()
}

async fn without_a_secret_the_cron_route_is_off(db: Db) {
    let app = spawn_app(db).await;
    let now = app.clock.now().timestamp();
    let (status, _) = call(&app, PATH, &signed(SECRET, PATH, now, &new_cron_nonce())).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(jobs_enqueued(&app).await, 0);
}

async fn bad_cron_calls_run_nothing_and_a_good_one_enqueues_once(db: Db) {
    let app = spawn_with_cron(db).await;
    let now = app.clock.now().timestamp();
    let nonce = new_cron_nonce();
    let good = signed(SECRET, PATH, now, &nonce);
    let refused = [
        ("unsigned", vec![]),
        ("no signature", good[..2].to_vec()),
        (
            "forged",
            signed("not the secret at all, same length!!!", PATH, now, &nonce),
        ),
        (
            "another job's signature",
            signed(SECRET, "/api/cron/other", now, &nonce),
        ),
        ("stale", signed(SECRET, PATH, now - 301, &nonce)),
        ("from the future", signed(SECRET, PATH, now + 301, &nonce)),
    ];
    for (what, headers) in refused {
        let (status, body) = call(&app, PATH, &headers).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{what}: {body}");
        assert_eq!(jobs_enqueued(&app).await, 0, "{what} enqueued a job");
    }
    let (status, body) = call(&app, PATH, &good).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let ids = body["job_ids"].as_array().expect("cron test step").clone();
    assert_eq!(ids.len(), 1);
    let job = app
        .state
        .store
        .list_jobs_across_orgs(None, None, 10)
        .await
        .expect("cron test step");
    assert_eq!(
        (job.len(), job[0].id.0, job[0].kind.as_str()),
        (1, ids[0].as_i64().expect("cron test step"), CLEANUP_EXPIRED)
    );
    // The same request again is a replay.
    let (status, _) = call(&app, PATH, &good).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // A second good call in the same hour finds the same job rather than adding one.
    let (status, again) = call(&app, PATH, &signed(SECRET, PATH, now, &new_cron_nonce())).await;
    assert_eq!(
        (status, again["job_ids"].clone()),
        (StatusCode::ACCEPTED, Value::Array(ids))
    );
    assert_eq!(jobs_enqueued(&app).await, 1);
    // A job that is not a periodic kind is not found, even when signed.
    let other = "/api/cron/mail.send";
    let (status, _) = call(&app, other, &signed(SECRET, other, now, &new_cron_nonce())).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

on_both_backends!(
    without_a_secret_the_cron_route_is_off,
    bad_cron_calls_run_nothing_and_a_good_one_enqueues_once,
);
