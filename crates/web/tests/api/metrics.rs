//! `GET /metrics`: off without a token (404), 401 without the right bearer token (a session
//! or a personal API token counts for nothing), and with it the job queue by kind and state and
//! the wait of the oldest due job, read from the database, naming no tenant; the requests and
//! their latencies by route template (unknown paths under one label), the analytics cache's
//! hits and loads, the syncs and the AI tokens.

use crate::on_both_backends;
use crate::support::{Db, TestApp, spawn_app, spawn_with_state};
use chrono::TimeDelta;
use flowsense_core::clock::Clock;
use flowsense_service::identity::limits::RateLimits;
use flowsense_storage::{AiCall, AiOutcome, AiPurpose, NewJob, NewTransaction};
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

/// The sum of every sample of `name` whose labels contain all of `labels`.
fn total(text: &str, name: &str, labels: &[&str]) -> i64 {
    text.lines()
        .filter_map(|line| {
            let rest = line.strip_prefix(name)?.strip_prefix('{')?;
            let (series, value) = rest.rsplit_once("} ")?;
            labels
                .iter()
                .all(|l| series.split(',').any(|s| s == *l))
                .then(|| value.parse::<i64>().ok())?
        })
        .sum()
}

fn txn(amount_minor: i64) -> NewTransaction {
    NewTransaction {
        account: "Operating".into(),
        posted_on: chrono::NaiveDate::from_ymd_opt(2026, 1, 5).expect("date"),
        amount_minor,
        currency: "USD".into(),
        original_amount_minor: amount_minor,
        original_currency: "USD".into(),
        counterparty: "Initech".into(),
        description: "Invoice 77".into(),
        category: "Sales".into(),
        is_transfer: false,
        external_id: format!("x-{amount_minor}"),
    }
}

async fn requests_are_counted_by_route_template_and_the_cache_syncs_and_tokens_shown(db: Db) {
    let app = spawn_with_metrics(db).await;
    let bearer = format!("Bearer {TOKEN}");
    let admin = app.user("ada@x.test").await;
    let org = app.org("zebra-secret-holdings", admin).await;
    app.import_rows(org, &[txn(987_654_321)]).await;
    let mut call = AiCall {
        id: uuid::Uuid::new_v4(),
        org,
        user: Some(admin),
        purpose: AiPurpose::Assistant,
        provider: "anthropic".into(),
        model: "claude-test-1".into(),
        tools: vec!["runway".into()],
        figures_sent: 3,
        rows_sent: 1,
        input_tokens: 1_200,
        output_tokens: 34,
        outcome: AiOutcome::Ok,
        created_at: app.clock.now(),
    };
    app.state.store.record_ai_call(&call).await.expect("record");
    call.id = uuid::Uuid::new_v4();
    call.outcome = AiOutcome::InventedNumber;
    app.state.store.record_ai_call(&call).await.expect("record");

    let (status, _, before) = scrape(&app, Some(&bearer)).await;
    assert_eq!(status, StatusCode::OK, "{before}");
    let hits = |text: &str| sample(text, "flowsense_analytics_cache_hits_total");
    let loads = |text: &str| sample(text, "flowsense_analytics_cache_loads_total");
    assert_eq!(
        (hits(&before), loads(&before)),
        (Some(0), Some(0)),
        "{before}"
    );

    // A sign-in, the same report twice, the report without a session (401), two paths no
    // route has (404) and a scrape with a wrong token (401).
    let mut admin_browser = app.signed_in("ada@x.test").await;
    let report = format!("/api/v1/orgs/{org}/reports/runway");
    for _ in 0..2 {
        let (status, body) = admin_browser.get(&report).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let (status, _) = app.browser().get(&report).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    for path in [
        "/wp-admin/setup-config.php".to_owned(),
        format!("/no-such-page/{org}"),
    ] {
        let (status, _) = admin_browser.get(&path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
    let (status, _, _) = scrape(&app, Some("Bearer not-the-token")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    let (status, _, text) = scrape(&app, Some(&bearer)).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    assert!(text.contains("# TYPE flowsense_http_requests_total counter"));
    assert!(text.contains("# TYPE flowsense_http_request_duration_seconds histogram"));
    let reports = r#"route="/api/v1/orgs/{org}/reports/{kind}""#;
    let requests = "flowsense_http_requests_total";
    for (labels, expected) in [
        (vec![reports, r#"method="GET""#, r#"status="2xx""#], 2),
        (vec![reports, r#"method="GET""#, r#"status="4xx""#], 1),
        (vec![reports], 3),
        (
            vec![
                r#"route="/api/v1/auth/login""#,
                r#"method="POST""#,
                r#"status="2xx""#,
            ],
            1,
        ),
        (
            vec![r#"route="unmatched""#, r#"method="GET""#, r#"status="4xx""#],
            2,
        ),
        (vec![r#"route="unmatched""#], 2),
        // The scrape before (200) and the refused one (401); this one is counted once answered.
        (vec![r#"route="/metrics""#, r#"status="2xx""#], 1),
        (vec![r#"route="/metrics""#, r#"status="4xx""#], 1),
    ] {
        assert_eq!(
            total(&text, requests, &labels),
            expected,
            "{labels:?} in\n{text}"
        );
    }
    // Per template, the histogram counts every request once: `_count` and the `+Inf` bucket
    // equal the requests, and the buckets never decrease.
    let mut routes: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with(requests))
        .filter_map(|l| l.split(r#"route=""#).nth(1)?.split('"').next())
        .collect();
    routes.dedup();
    assert_eq!(
        routes,
        [
            "/metrics",
            "/api/v1/auth/login",
            "/api/v1/orgs/{org}/reports/{kind}",
            "unmatched"
        ]
    );
    let known: Vec<&str> = flowsense_web::routes::route_table()
        .iter()
        .map(|r| r.path)
        .collect();
    for route in routes {
        assert!(
            route == "unmatched" || known.contains(&route),
            "{route} is not a template"
        );
        let label = format!(r#"route="{route}""#);
        let answered = total(&text, requests, &[&label]);
        let count = total(
            &text,
            "flowsense_http_request_duration_seconds_count",
            &[&label],
        );
        let infinite = total(
            &text,
            "flowsense_http_request_duration_seconds_bucket",
            &[&label, r#"le="+Inf""#],
        );
        assert_eq!((count, infinite), (answered, answered), "{route}");
        let buckets: Vec<i64> = text
            .lines()
            .filter(|l| {
                l.starts_with("flowsense_http_request_duration_seconds_bucket{")
                    && l.contains(&label)
            })
            .filter_map(|l| l.rsplit_once(' ')?.1.parse().ok())
            .collect();
        assert_eq!(buckets.len(), 15, "{route}");
        assert!(
            buckets.windows(2).all(|w| w[0] <= w[1]),
            "{route}: {buckets:?}"
        );
        assert!(text.contains(&format!(
            "flowsense_http_request_duration_seconds_sum{{{label}}} "
        )));
    }

    // The second report came from the cache: the first loaded the books once.
    assert_eq!(loads(&text), Some(1), "{text}");
    assert!(hits(&text) >= Some(1), "{text}");
    assert_eq!(
        hits(&text),
        i64::try_from(app.state.analytics.hits()).ok(),
        "the instance's own counter"
    );

    // Every provider and outcome of sync is written, zeros included (none ran here).
    assert_eq!(
        sample(
            &text,
            r#"flowsense_syncs_total{provider="xero",outcome="ok"}"#
        ),
        Some(0)
    );
    assert_eq!(total(&text, "flowsense_syncs_total", &[]), 0);
    assert_eq!(text.matches("flowsense_syncs_total{").count(), 18);
    // AI tokens by purpose and model, over both calls.
    let tokens = r#"flowsense_ai_tokens{purpose="assistant",model="claude-test-1""#;
    assert_eq!(
        sample(&text, &format!(r#"{tokens},direction="input"}}"#)),
        Some(2_400)
    );
    assert_eq!(
        sample(&text, &format!(r#"{tokens},direction="output"}}"#)),
        Some(68)
    );

    // No raw path, id, name or amount.
    for secret in [
        org.to_string(),
        admin.to_string(),
        "zebra".to_owned(),
        "wp-admin".to_owned(),
        "no-such-page".to_owned(),
        "reports/runway".to_owned(),
        "987654321".to_owned(),
        "ada@x.test".to_owned(),
    ] {
        assert!(
            !text.to_lowercase().contains(&secret.to_lowercase()),
            "{secret} leaked:\n{text}"
        );
    }
}

/// Two servers in one process count their own requests.
async fn each_instance_counts_its_own_requests(db: Db) {
    let (one, other) = (spawn_with_metrics(db).await, spawn_with_metrics(db).await);
    for _ in 0..3 {
        let (status, _) = one.browser().get("/healthz").await;
        assert_eq!(status, StatusCode::OK);
    }
    let bearer = format!("Bearer {TOKEN}");
    let (_, _, first) = scrape(&one, Some(&bearer)).await;
    let (_, _, second) = scrape(&other, Some(&bearer)).await;
    let healthz = [r#"route="/healthz""#];
    assert_eq!(total(&first, "flowsense_http_requests_total", &healthz), 3);
    assert_eq!(total(&second, "flowsense_http_requests_total", &healthz), 0);
}

on_both_backends!(
    without_a_token_the_metrics_route_is_off,
    metrics_need_the_token_and_count_the_queue_without_tenant_data,
    requests_are_counted_by_route_template_and_the_cache_syncs_and_tokens_shown,
    each_instance_counts_its_own_requests,
);
