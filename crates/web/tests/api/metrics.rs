//! `GET /metrics`: off without a token (404), 401 without the right bearer token (a session
//! or a personal API token counts for nothing), and with it the job queue by kind and state and
//! the wait of the oldest due job, read from the database, naming no tenant.

use crate::on_both_backends;
use crate::support::{Db, TestApp, spawn_app, spawn_with_state};
use chrono::TimeDelta;
use flowsense_core::clock::Clock;
use flowsense_service::identity::limits::RateLimits;
use flowsense_storage::{NewJob, NewTransaction};
use reqwest::StatusCode;
use secrecy::SecretString;

/// The token of [`spawn_with_metrics`].
const TOKEN: &str = "a metrics token that is long enough, 32+";

async fn spawn_with_metrics(db: Db) -> TestApp {
    spawn_with_state(
        db,
        RateLimits::generous(),
        |_| {},
        |state| state.with_metrics_token(SecretString::from(TOKEN)),
    )
    .await
}

/// GET /metrics with `Authorization: <authorization>` when given: status, content type, body.
async fn scrape(app: &TestApp, authorization: Option<&str>) -> (StatusCode, String, String) {
    let mut request = reqwest::Client::new().get(format!("{}/metrics", app.base));
    if let Some(value) = authorization {
        request = request.header("authorization", value);
    }
    let response = request.send().await.expect("scrape");
    let status = response.status();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    (status, content_type, response.text().await.expect("body"))
}

/// The value of the sample `series` (its name and labels exactly as written).
fn sample(text: &str, series: &str) -> Option<i64> {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

fn job(
    kind: &str,
    org: Option<flowsense_core::OrgId>,
    run_at: chrono::DateTime<chrono::Utc>,
    attempts: i64,
) -> NewJob {
    NewJob {
        kind: kind.into(),
        org,
        payload: format!(r#"{{"org_name":"Zebra Secret Holdings","note":"{kind}"}}"#),
        idempotency_key: None,
        run_at,
        max_attempts: attempts,
    }
}

async fn without_a_token_the_metrics_route_is_off(db: Db) {
    let app = spawn_app(db).await;
    let (status, _, _) = scrape(&app, Some(&format!("Bearer {TOKEN}"))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

async fn metrics_need_the_token_and_count_the_queue_without_tenant_data(db: Db) {
    let app = spawn_with_metrics(db).await;
    let store = &app.state.store;
    let admin = app.user("ada@x.test").await;
    let org = app.org("zebra-secret-holdings", admin).await;
    app.import_rows(
        org,
        &[NewTransaction {
            account: "Operating".into(),
            posted_on: chrono::NaiveDate::from_ymd_opt(2026, 1, 5).expect("date"),
            amount_minor: 987_654_321,
            currency: "USD".into(),
            original_amount_minor: 987_654_321,
            original_currency: "USD".into(),
            counterparty: "Initech".into(),
            description: "Invoice 77".into(),
            category: "Sales".into(),
            is_transfer: false,
            external_id: "x-1".into(),
        }],
    )
    .await;

    // A session of the organisation's admin, a personal token in the header, a wrong or
    // malformed token: all refused.
    let mut admin_browser = app.signed_in("ada@x.test").await;
    let (status, _) = admin_browser.get("/metrics").await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "a session is not the token"
    );
    for refused in [
        None,
        Some("Bearer not-the-token".to_owned()),
        Some(format!("Bearer {TOKEN}x")),
        Some(format!("Basic {TOKEN}")),
        Some(TOKEN.to_owned()),
    ] {
        let (status, _, body) = scrape(&app, refused.as_deref()).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{refused:?}: {body}");
        assert!(!body.contains("flowsense_jobs"));
    }

    let now = app.clock.now();
    // Queued and due for 90 s; queued for later; one that failed once and waits to retry; one
    // out of attempts (dead).
    store
        .enqueue_job(
            &job("digest.send", Some(org), now - TimeDelta::seconds(90), 3),
            now,
        )
        .await
        .expect("enqueue");
    store
        .enqueue_job(
            &job("digest.send", Some(org), now + TimeDelta::hours(1), 3),
            now,
        )
        .await
        .expect("enqueue");
    let first = now - TimeDelta::hours(2);
    store
        .enqueue_job(&job("sync.run", Some(org), first, 1), now)
        .await
        .expect("enqueue");
    store
        .enqueue_job(
            &job("sync.run", Some(org), first + TimeDelta::seconds(1), 3),
            now,
        )
        .await
        .expect("enqueue");
    let claimed = store
        .claim_jobs_across_orgs("test-worker", 2, TimeDelta::minutes(5), now)
        .await
        .expect("claim");
    assert_eq!(claimed.len(), 2, "the two oldest, both sync.run");
    for job in &claimed {
        store
            .fail_job(job, "test-worker", "the provider refused", false, now)
            .await
            .expect("fail");
    }

    let (status, content_type, text) = scrape(&app, Some(&format!("Bearer {TOKEN}"))).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    assert!(
        content_type.starts_with("text/plain; version=0.0.4"),
        "{content_type}"
    );
    let expected = [
        ("digest.send", "queued", 2),
        ("digest.send", "retrying", 0),
        ("digest.send", "running", 0),
        ("digest.send", "dead", 0),
        ("sync.run", "queued", 0),
        ("sync.run", "retrying", 1),
        ("sync.run", "running", 0),
        ("sync.run", "dead", 1),
    ];
    for (kind, state, jobs) in expected {
        let series = format!("flowsense_jobs{{kind=\"{kind}\",state=\"{state}\"}}");
        assert_eq!(sample(&text, &series), Some(jobs), "{series} in\n{text}");
    }
    assert!(text.contains("# TYPE flowsense_jobs gauge"));
    assert_eq!(
        sample(&text, "flowsense_jobs_oldest_due_seconds"),
        Some(90),
        "{text}"
    );
    // Another scrape a minute later sees the same job waiting longer.
    app.advance(TimeDelta::seconds(60));
    let (_, _, later) = scrape(&app, Some(&format!("Bearer {TOKEN}"))).await;
    assert_eq!(
        sample(&later, "flowsense_jobs_oldest_due_seconds"),
        Some(150)
    );

    // Nothing of the tenant: not its id, slug, name, payloads, amounts or counterparties.
    for secret in [
        org.to_string(),
        "zebra".to_owned(),
        "Zebra Secret Holdings".to_owned(),
        "987654321".to_owned(),
        "9,876,543.21".to_owned(),
        "Initech".to_owned(),
        "ada@x.test".to_owned(),
        "the provider refused".to_owned(),
    ] {
        assert!(
            !text.to_lowercase().contains(&secret.to_lowercase()),
            "{secret} leaked:\n{text}"
        );
    }
}

on_both_backends!(
    without_a_token_the_metrics_route_is_off,
    metrics_need_the_token_and_count_the_queue_without_tenant_data,
);
