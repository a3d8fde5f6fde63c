//! Connect, deny, refresh with rotation, expiry, revocation.

use crate::quickbooks::support::{REDIRECT, connect, consent, env};
use chrono::Duration;
use flowsense_core::Currency;
use flowsense_core::clock::Clock;
use flowsense_integrations::quickbooks::{
    Callback, CallbackError, EntityType, QuickBooksError, parse_callback,
};
use secrecy::ExposeSecret;

#[tokio::test]
async fn connecting_returns_tokens_for_the_realm_and_a_denial_returns_access_denied() {
    let env = env(2_000).await;
    let url = env.qb.authorize_url("s1");
    let q: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    assert!(q.contains(&("scope".into(), "com.intuit.quickbooks.accounting".into())));
    assert!(q.contains(&("redirect_uri".into(), REDIRECT.into())));

    let (tokens, realm) = connect(&env).await;
    assert_eq!(realm, env.fake.config().realm_id);
    let now = env.clock.now();
    assert_eq!(tokens.access_expires_at, now + Duration::seconds(3600));
    assert_eq!(
        tokens.refresh_expires_at,
        now + Duration::seconds(8_726_400)
    );
    assert!(
        tokens
            .refresh_hard_expires_at
            .is_some_and(|t| t > tokens.refresh_expires_at)
    );
    let company = env.qb.company(&realm, &tokens.access_token, Currency::USD);
    let mut accounts = 0;
    company
        .read_all(EntityType::Account, None, |page| accounts += page.len())
        .await
        .expect("accounts");
    assert!(accounts >= 4);

    let denied = consent(env.qb.authorize_url("s2").as_str(), false).await;
    assert_eq!(
        parse_callback(&denied, "s2"),
        Ok(Callback::Refused {
            error: "access_denied".into()
        })
    );
    assert_eq!(
        parse_callback(&denied, "another"),
        Err(CallbackError::StateMismatch)
    );
}

#[tokio::test]
async fn a_code_works_once() {
    let env = env(500).await;
    let query = consent(env.qb.authorize_url("s").as_str(), true).await;
    let Ok(Callback::Approved { code, .. }) = parse_callback(&query, "s") else {
        panic!("{query}");
    };
    env.qb.exchange_code(&code).await.expect("first use");
    let again = env.qb.exchange_code(&code).await;
    assert!(matches!(again, Err(QuickBooksError::OAuth(_))), "{again:?}");
}

#[tokio::test]
async fn refresh_rotates_the_refresh_token_and_the_old_one_is_refused() {
    let env = env(500).await;
    let (first, realm) = connect(&env).await;
    env.clock.advance(Duration::seconds(3601));
    let stale = env.qb.company(&realm, &first.access_token, Currency::USD);
    let expired = stale.read_all(EntityType::Account, None, |_| {}).await;
    assert!(
        matches!(expired, Err(QuickBooksError::ReauthNeeded)),
        "{expired:?}"
    );

    let second = env.qb.refresh(&first.refresh_token).await.expect("refresh");
    assert_ne!(
        second.refresh_token.expose_secret(),
        first.refresh_token.expose_secret()
    );
    let reused = env.qb.refresh(&first.refresh_token).await;
    assert!(
        matches!(reused, Err(QuickBooksError::ConnectionDead(_))),
        "{reused:?}"
    );
    let fresh = env.qb.company(&realm, &second.access_token, Currency::USD);
    fresh
        .read_all(EntityType::Account, None, |_| {})
        .await
        .expect("reads again");
    env.qb
        .refresh(&second.refresh_token)
        .await
        .expect("the new one works");
}

#[tokio::test]
async fn a_revoked_grant_is_a_dead_connection() {
    let env = env(500).await;
    let (tokens, realm) = connect(&env).await;
    env.qb.revoke(&tokens.refresh_token).await.expect("revoke");
    let company = env.qb.company(&realm, &tokens.access_token, Currency::USD);
    let read = company.read_all(EntityType::Purchase, None, |_| {}).await;
    assert!(
        matches!(read, Err(QuickBooksError::ReauthNeeded)),
        "{read:?}"
    );
    let refresh = env.qb.refresh(&tokens.refresh_token).await;
    assert!(
        matches!(refresh, Err(QuickBooksError::ConnectionDead(_))),
        "{refresh:?}"
    );
}

#[tokio::test]
async fn an_expired_refresh_token_is_a_dead_connection() {
    let env = env(500).await;
    let (tokens, _) = connect(&env).await;
    env.clock.advance(Duration::seconds(8_726_401));
    let refresh = env.qb.refresh(&tokens.refresh_token).await;
    assert!(
        matches!(refresh, Err(QuickBooksError::ConnectionDead(_))),
        "{refresh:?}"
    );
}
