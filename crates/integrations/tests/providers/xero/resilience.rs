//! Minute, concurrency and day limits; server errors and slow answers; the outbound policy.

use crate::xero::support::{connect, env, env_with, quick_retries, read, two_organisations};
use flowsense_fakes::{Injected, XeroFakeConfig};
use flowsense_integrations::xero::{
    Endpoints, Loopback, RateLimitProblem, RetryPolicy, Xero, XeroConfig, XeroError,
};
use std::time::Duration;

#[tokio::test]
async fn a_429_storm_is_ridden_out_by_waiting_as_told() {
    let env = env(3_000).await;
    let (tokens, connections) = connect(&env).await;
    let tenant = &connections[0].tenant_id;
    let (expected, _) = read(&env, tenant, &tokens.access_token, None)
        .await
        .expect("plain");
    env.fake.set_minute_limit(2, Duration::from_secs(1));
    let before = env.fake.request_count();
    let (changes, summary) = read(&env, tenant, &tokens.access_token, None)
        .await
        .expect("throttled read completes");
    assert_eq!(changes, expected);
    let served = &env.fake.served()[before..];
    let throttled: Vec<usize> = (0..served.len())
        .filter(|&i| served[i].status == 429)
        .collect();
    assert!(!throttled.is_empty(), "the storm happened");
    assert_eq!(served.len() - throttled.len(), summary.requests);
    for i in throttled {
        if let Some(next) = served.get(i + 1) {
            // Retry-After: whole seconds, obeyed.
            assert!(next.at.duration_since(served[i].at) >= Duration::from_millis(950));
        }
    }
}

#[tokio::test]
async fn more_than_five_calls_at_once_are_refused_as_concurrent_and_retried() {
    let env = env(300).await;
    let (tokens, connections) = connect(&env).await;
    let tenant = &connections[1].tenant_id;
    for _ in 0..8 {
        env.fake.inject(Injected::Delay(Duration::from_millis(300)));
    }
    let reads = (0..8).map(|_| read(&env, tenant, &tokens.access_token, None));
    let results = futures_util::future::join_all(reads).await;
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    assert!(
        env.fake.served().iter().any(|s| s.status == 429),
        "the limit was hit"
    );
}

#[tokio::test]
async fn a_day_limit_is_not_waited_out() {
    let config = XeroFakeConfig {
        day_limit: 3,
        ..XeroFakeConfig::default()
    };
    let env = env_with(two_organisations(500), config, quick_retries()).await;
    let (tokens, connections) = connect(&env).await;
    let before = env.fake.request_count();
    let read_out = read(&env, &connections[0].tenant_id, &tokens.access_token, None).await;
    match read_out {
        Err(XeroError::RateLimited {
            problem: RateLimitProblem::Day,
            retry_after,
        }) => {
            assert!(
                retry_after.is_some_and(|d| d > Duration::from_secs(3600)),
                "{retry_after:?}"
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        env.fake.request_count() - before,
        4,
        "three served, one refused, none retried"
    );
    // The other organisation has its own allowance: three calls served there too.
    read(&env, &connections[1].tenant_id, &tokens.access_token, None)
        .await
        .expect_err("four calls are more than three");
    let other = Some(connections[1].tenant_id.clone());
    let served_there = env
        .fake
        .served()
        .iter()
        .filter(|s| s.tenant == other && s.status == 200)
        .count();
    assert_eq!(served_there, 3);
}

#[tokio::test]
async fn server_errors_and_a_slow_answer_are_retried() {
    let retry = RetryPolicy {
        request_timeout: Duration::from_millis(700),
        ..quick_retries()
    };
    let env = env_with(two_organisations(2_000), XeroFakeConfig::default(), retry).await;
    let (tokens, connections) = connect(&env).await;
    let tenant = &connections[0].tenant_id;
    let (expected, _) = read(&env, tenant, &tokens.access_token, None)
        .await
        .expect("plain");
    env.fake.inject(Injected::Status(500));
    env.fake.inject(Injected::Delay(Duration::from_secs(2)));
    env.fake.inject(Injected::Status(503));
    let before = env.fake.request_count();
    let (changes, _) = read(&env, tenant, &tokens.access_token, None)
        .await
        .expect("retried");
    assert_eq!(changes, expected);
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
    let failed = read(&env, tenant, &tokens.access_token, None).await;
    assert!(
        matches!(failed, Err(XeroError::Unavailable(502))),
        "{failed:?}"
    );
    assert_eq!(
        env.fake.request_count() - before,
        4,
        "bounded by max_attempts"
    );
}

#[tokio::test]
async fn endpoints_are_the_production_paths_and_loopback_needs_an_explicit_setting() {
    let production = Endpoints::production();
    assert_eq!(
        production.token.as_str(),
        "https://identity.xero.com/connect/token"
    );
    assert_eq!(
        production.api_base.as_str(),
        "https://api.xero.com/api.xro/2.0"
    );
    let local = Endpoints::from_origin("https://xero.example").expect("endpoints");
    for (a, b) in [
        (&local.authorize, &production.authorize),
        (&local.token, &production.token),
        (&local.revoke, &production.revoke),
        (&local.connections, &production.connections),
        (&local.api_base, &production.api_base),
    ] {
        assert_eq!(a.path(), b.path());
    }
    let env = env(200).await;
    let config = XeroConfig {
        endpoints: Endpoints::from_origin(&env.fake.origin()).expect("endpoints"),
        client_id: "x".into(),
        client_secret: secrecy::SecretString::from("y".to_owned()),
        redirect_uri: crate::xero::support::REDIRECT.into(),
        loopback: Loopback::Refused,
        retry: quick_retries(),
    };
    let refused = Xero::new(config, env.clock).err();
    assert!(
        matches!(refused, Some(XeroError::Outbound(_))),
        "{refused:?}"
    );
}
