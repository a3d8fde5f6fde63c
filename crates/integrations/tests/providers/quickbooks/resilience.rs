//! Throttling, server errors and slow answers; the outbound policy on loopback.

use crate::quickbooks::support::{books, client_for, connect, env, env_with, quick_retries};
use flowsense_core::Currency;
use flowsense_fakes::{FakeConfig, Injected};
use flowsense_integrations::BreakerPolicy;
use flowsense_integrations::quickbooks::{
    Endpoints, EntityType, Loopback, QuickBooks, QuickBooksConfig, QuickBooksError, RetryPolicy,
};
use std::time::{Duration, Instant};

async fn count_purchases(
    env: &crate::quickbooks::support::Env,
    realm: &str,
    token: &secrecy::SecretString,
) -> Result<usize, QuickBooksError> {
    let company = env.qb.company(realm, token, Currency::USD);
    let mut n = 0;
    company
        .read_all(EntityType::Purchase, None, |p| n += p.len())
        .await?;
    Ok(n)
}

#[tokio::test]
async fn a_429_storm_is_ridden_out_by_waiting_as_told() {
    let config = FakeConfig {
        throttle_window: Duration::from_secs(1),
        ..FakeConfig::default()
    };
    let env = env_with(books(4_000), config, quick_retries()).await;
    let (tokens, realm) = connect(&env).await;
    let expected = count_purchases(&env, &realm, &tokens.access_token)
        .await
        .expect("unthrottled");
    env.fake.set_throttle(1);
    let company = env.qb.company(&realm, &tokens.access_token, Currency::USD);
    let mut n = 0;
    for entity in [
        EntityType::Account,
        EntityType::Purchase,
        EntityType::Deposit,
    ] {
        company
            .read_all(entity, None, |p| {
                if entity == EntityType::Purchase {
                    n += p.len();
                }
            })
            .await
            .expect("throttled reads complete");
    }
    assert_eq!(n, expected);
    let served = env.fake.served();
    let throttled: Vec<usize> = (0..served.len())
        .filter(|&i| served[i].status == 429)
        .collect();
    assert!(!throttled.is_empty(), "the storm happened");
    for i in throttled {
        if let Some(next) = served.get(i + 1) {
            // Retry-After: 1 (whole seconds); the window had at least some of it left.
            assert!(next.at.duration_since(served[i].at) >= Duration::from_millis(200));
        }
    }
}

#[tokio::test]
async fn more_than_ten_requests_at_once_are_refused_and_retried() {
    let env = env(300).await;
    let (tokens, realm) = connect(&env).await;
    for _ in 0..14 {
        env.fake.inject(Injected::Delay(Duration::from_millis(400)));
    }
    let reads = (0..14).map(|_| {
        let company = env.qb.company(&realm, &tokens.access_token, Currency::USD);
        async move {
            let mut n = 0;
            company
                .read_all(EntityType::Account, None, |p| n += p.len())
                .await
                .map(|_| n)
        }
    });
    let counts = futures_util::future::join_all(reads).await;
    assert!(
        counts.iter().all(|c| matches!(c, Ok(n) if *n > 0)),
        "{counts:?}"
    );
    assert!(
        env.fake.served().iter().any(|s| s.status == 429),
        "the limit was hit"
    );
}

#[tokio::test]
async fn endless_throttling_gives_up_with_the_xml_fault_read() {
    let config = FakeConfig {
        throttle_window: Duration::from_secs(1),
        ..FakeConfig::default()
    };
    let retry = RetryPolicy {
        max_attempts: 2,
        ..quick_retries()
    };
    let env = env_with(books(300), config, retry).await;
    let (tokens, realm) = connect(&env).await;
    env.fake.set_throttle(0);
    match count_purchases(&env, &realm, &tokens.access_token).await {
        Err(QuickBooksError::Throttled { retry_after, fault }) => {
            assert_eq!(retry_after, Some(Duration::from_secs(1)));
            assert_eq!(
                (fault.kind.as_str(), fault.errors[0].code.as_str()),
                ("SERVICE", "3001")
            );
            assert!(fault.errors[0].message.contains("ThrottleExceeded"));
        }
        other => panic!("{other:?}"),
    }
    let served = env.fake.served();
    assert_eq!(served.iter().filter(|s| s.status == 429).count(), 2);
}

/// Checklist H7: after three calls in a row find QuickBooks unavailable (each after its
/// retries), calls fail at once, without a request, with an error that says so and for how
/// long; after the cool-down one call goes out as a probe: failed, the breaker opens again;
/// answered, calls flow again.
#[tokio::test]
async fn repeated_failures_open_the_breaker_and_a_probe_after_the_cool_down_closes_it() {
    let retry = RetryPolicy {
        max_attempts: 2,
        ..quick_retries()
    };
    let env = env_with(books(300), FakeConfig::default(), retry).await;
    let (tokens, realm) = connect(&env).await;
    let cool_down = Duration::from_millis(800);
    let qb = client_for(&env.fake, env.clock.clone(), retry).with_breaker(BreakerPolicy {
        failures: 3,
        cool_down,
    });
    let accounts = async || {
        let mut n = 0;
        qb.company(&realm, &tokens.access_token, Currency::USD)
            .read_all(EntityType::Account, None, |p| n += p.len())
            .await
            .map(|_| n)
    };
    let expected = accounts().await.expect("healthy");

    for _ in 0..6 {
        env.fake.inject(Injected::Status(503));
    }
    for call in 0..3 {
        let failed = accounts().await;
        assert!(
            matches!(failed, Err(QuickBooksError::Unavailable(503))),
            "call {call}: {failed:?}"
        );
    }
    let before = env.fake.request_count();
    let started = Instant::now();
    let paused = accounts().await;
    let Err(QuickBooksError::Paused(retry_in)) = &paused else {
        panic!("{paused:?}")
    };
    assert!(*retry_in <= cool_down, "{retry_in:?}");
    assert!(
        started.elapsed() < Duration::from_millis(100),
        "failed fast"
    );
    assert_eq!(env.fake.request_count(), before, "no request went out");
    let said = paused.unwrap_err().to_string();
    assert!(
        said.contains("QuickBooks is unavailable") && said.contains("paused"),
        "{said}"
    );

    // The probe fails (both its attempts): open again at once.
    tokio::time::sleep(cool_down).await;
    env.fake.inject(Injected::Status(502));
    env.fake.inject(Injected::Status(502));
    let probe = accounts().await;
    assert!(
        matches!(probe, Err(QuickBooksError::Unavailable(502))),
        "{probe:?}"
    );
    assert_eq!(
        env.fake.request_count(),
        before + 2,
        "one probe, retried once"
    );
    let again = accounts().await;
    assert!(
        matches!(again, Err(QuickBooksError::Paused(_))),
        "{again:?}"
    );
    assert_eq!(env.fake.request_count(), before + 2);

    // The next probe is answered: closed, and calls flow.
    tokio::time::sleep(cool_down).await;
    assert_eq!(accounts().await.expect("the probe"), expected);
    assert_eq!(accounts().await.expect("closed"), expected);
}

#[tokio::test]
async fn server_errors_and_a_slow_answer_are_retried() {
    let retry = RetryPolicy {
        request_timeout: Duration::from_millis(700),
        ..quick_retries()
    };
    let env = env_with(books(2_000), FakeConfig::default(), retry).await;
    let (tokens, realm) = connect(&env).await;
    let expected = count_purchases(&env, &realm, &tokens.access_token)
        .await
        .expect("plain");
    env.fake.inject(Injected::Status(500));
    env.fake.inject(Injected::Delay(Duration::from_secs(2)));
    env.fake.inject(Injected::Status(503));
    let before = env.fake.request_count();
    let n = count_purchases(&env, &realm, &tokens.access_token)
        .await
        .expect("retried");
    assert_eq!(n, expected);
    // Wait for the abandoned slow request to finish and be logged.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let statuses: Vec<u16> = env.fake.served()[before..]
        .iter()
        .map(|s| s.status)
        .collect();
    assert!(
        statuses.contains(&500) && statuses.contains(&503),
        "{statuses:?}"
    );

    for _ in 0..10 {
        env.fake.inject(Injected::Status(502));
    }
    let before = env.fake.request_count();
    let failed = count_purchases(&env, &realm, &tokens.access_token).await;
    assert!(
        matches!(failed, Err(QuickBooksError::Unavailable(502))),
        "{failed:?}"
    );
    assert_eq!(
        env.fake.request_count() - before,
        4,
        "bounded by max_attempts"
    );
}

#[tokio::test]
async fn faults_arrive_parsed_from_json_and_xml() {
    let env = env(500).await;
    let (_, realm) = connect(&env).await;
    let bogus = secrecy::SecretString::from("not-a-token".to_owned());
    let company = env.qb.company(&realm, &bogus, Currency::USD);
    let read = company.read_all(EntityType::Bill, None, |_| {}).await;
    assert!(
        matches!(read, Err(QuickBooksError::ReauthNeeded)),
        "{read:?}"
    );
    let (tokens, _) = connect(&env).await;
    let wrong_realm = env.qb.company("123", &tokens.access_token, Currency::USD);
    match wrong_realm.read_all(EntityType::Bill, None, |_| {}).await {
        Err(QuickBooksError::Fault { status: 403, fault }) => {
            assert_eq!(fault.errors[0].code, "3100");
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_loopback_base_url_needs_an_explicit_setting() {
    let env = env(200).await;
    let endpoints = Endpoints::parse(
        &env.fake.authorize_url(),
        &env.fake.token_url(),
        &env.fake.revoke_url(),
        &env.fake.api_base_url(),
    )
    .expect("endpoints");
    let config = QuickBooksConfig {
        endpoints,
        client_id: "x".into(),
        client_secret: secrecy::SecretString::from("y".to_owned()),
        redirect_uri: crate::quickbooks::support::REDIRECT.into(),
        loopback: Loopback::Refused,
        retry: quick_retries(),
    };
    let refused = QuickBooks::new(config, env.clock).err();
    assert!(
        matches!(refused, Some(QuickBooksError::Outbound(_))),
        "{refused:?}"
    );
}
