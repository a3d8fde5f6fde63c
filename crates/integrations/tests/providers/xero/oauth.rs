//! Connect with PKCE, deny, tenants, refresh with rotation and its grace period, expiry,
//! revocation, withdrawn consent, and disconnecting one tenant.

use crate::xero::support::{
    REDIRECT, approved_code, client_for, connect, consent, env, quick_retries, read,
};
use chrono::Duration;
use flowsense_core::clock::Clock;
use flowsense_integrations::xero::{
    Callback, CallbackError, Pkce, SCOPES, XeroError, parse_callback,
};
use secrecy::{ExposeSecret, SecretString};

#[tokio::test]
async fn connecting_with_pkce_reaches_both_tenants_and_a_wrong_verifier_is_refused() {
    let env = env(1_000).await;
    let pkce = Pkce::generate().expect("pkce");
    assert_eq!(pkce.verifier.expose_secret().len(), 43);
    assert_eq!(
        pkce.challenge,
        Pkce::challenge_of(pkce.verifier.expose_secret())
    );
    let url = env.xero.authorize_url("s1", &pkce.challenge);
    let q: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    let scope = &q.iter().find(|(k, _)| k == "scope").expect("scope").1;
    assert_eq!(scope, &SCOPES.join(" "));
    assert!(scope.contains("offline_access") && scope.contains("accounting.banktransactions.read"));
    assert!(
        !scope
            .split(' ')
            .any(|s| s == "accounting.transactions" || s == "accounting.transactions.read")
    );
    assert!(q.contains(&("code_challenge_method".into(), "S256".into())));
    assert!(q.contains(&("redirect_uri".into(), REDIRECT.into())));

    // The consent page lists the scopes and both organisations.
    let (query, page) = consent(url.as_str(), true).await;
    for b in &env.books {
        assert!(page.contains(&b.business_name), "{page}");
    }
    assert!(page.contains("accounting.invoices.read"), "{page}");
    let Ok(Callback::Approved { code }) = parse_callback(&query, "s1") else {
        panic!("{query}");
    };
    let wrong = SecretString::from(
        Pkce::generate()
            .expect("pkce")
            .verifier
            .expose_secret()
            .to_owned(),
    );
    let refused = env.xero.exchange_code(&code, &wrong).await;
    assert!(matches!(refused, Err(XeroError::OAuth(_))), "{refused:?}");
    // A refused code is spent: a new consent, with the right verifier, works.
    let again = env.xero.exchange_code(&code, &pkce.verifier).await;
    assert!(matches!(again, Err(XeroError::OAuth(_))), "{again:?}");

    let (tokens, connections) = connect(&env).await;
    let now = env.clock.now();
    assert_eq!(tokens.access_expires_at, now + Duration::minutes(30));
    assert_eq!(tokens.refresh_expires_at, now + Duration::days(60));
    assert_eq!(tokens.scope, SCOPES.join(" "));
    assert_eq!(connections.len(), 2);
    let ids: Vec<String> = connections.iter().map(|c| c.tenant_id.clone()).collect();
    assert_eq!(ids, env.fake.tenant_ids());
    for (c, b) in connections.iter().zip(&env.books) {
        assert_eq!(c.tenant_type, "ORGANISATION");
        assert_eq!(c.tenant_name.as_deref(), Some(b.business_name.as_str()));
        assert!(c.auth_event_id.is_some());
    }
}

#[tokio::test]
async fn a_denial_comes_back_as_access_denied_and_an_unregistered_redirect_gets_no_redirect() {
    let env = env(500).await;
    let pkce = Pkce::generate().expect("pkce");
    let (denied, _) = consent(
        env.xero.authorize_url("s2", &pkce.challenge).as_str(),
        false,
    )
    .await;
    assert_eq!(
        parse_callback(&denied, "s2"),
        Ok(Callback::Refused {
            error: "access_denied".into()
        })
    );
    assert_eq!(
        parse_callback(&denied, "other"),
        Err(CallbackError::StateMismatch)
    );

    let mut url = env.xero.authorize_url("s3", &pkce.challenge);
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .into_owned()
        .map(|(k, v)| {
            if k == "redirect_uri" {
                (k, "https://evil.example/cb".into())
            } else {
                (k, v)
            }
        })
        .collect();
    url.query_pairs_mut().clear().extend_pairs(pairs);
    #[expect(
        clippy::disallowed_methods,
        reason = "a browser, not one of our clients"
    )]
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("browser");
    let answer = browser.get(url.as_str()).send().await.expect("page");
    assert_eq!(answer.status().as_u16(), 400);
    assert!(answer.headers().get("location").is_none());

    // An app created since March 2026 asking for a legacy broad scope: invalid_scope.
    let mut legacy = env.xero.authorize_url("s4", &pkce.challenge);
    let pairs: Vec<(String, String)> = legacy
        .query_pairs()
        .into_owned()
        .map(|(k, v)| {
            if k == "scope" {
                (k, "offline_access accounting.transactions.read".into())
            } else {
                (k, v)
            }
        })
        .collect();
    legacy.query_pairs_mut().clear().extend_pairs(pairs);
    let answer = browser.get(legacy.as_str()).send().await.expect("redirect");
    let location = answer.headers()["location"]
        .to_str()
        .expect("location")
        .to_owned();
    assert!(location.starts_with(REDIRECT), "{location}");
    let query = location.split_once('?').map(|(_, q)| q).unwrap_or_default();
    assert_eq!(
        parse_callback(query, "s4"),
        Ok(Callback::Refused {
            error: "invalid_scope".into()
        })
    );
}

#[tokio::test]
async fn refresh_rotates_and_the_old_token_works_only_within_the_grace_period() {
    let env = env(500).await;
    let (first, connections) = connect(&env).await;
    let tenant = &connections[0].tenant_id;
    env.clock.advance(Duration::minutes(31));
    let expired = read(&env, tenant, &first.access_token, None).await;
    assert!(
        matches!(expired, Err(XeroError::ReauthNeeded)),
        "{expired:?}"
    );

    let second = env
        .xero
        .refresh(&first.refresh_token)
        .await
        .expect("refresh");
    assert_ne!(
        second.refresh_token.expose_secret(),
        first.refresh_token.expose_secret()
    );
    read(&env, tenant, &second.access_token, None)
        .await
        .expect("reads again");
    // A lost answer: the old token still works for 30 minutes.
    env.clock.advance(Duration::minutes(29));
    let retried = env
        .xero
        .refresh(&first.refresh_token)
        .await
        .expect("within grace");
    env.clock.advance(Duration::minutes(2));
    let late = env.xero.refresh(&first.refresh_token).await;
    assert!(
        matches!(late, Err(XeroError::ConnectionDead(_))),
        "{late:?}"
    );
    let newest = env
        .xero
        .refresh(&retried.refresh_token)
        .await
        .expect("the newest works");
    read(&env, tenant, &newest.access_token, None)
        .await
        .expect("reads");
}

#[tokio::test]
async fn an_unused_refresh_token_dies_after_60_days() {
    let env = env(500).await;
    let (tokens, _) = connect(&env).await;
    env.clock.advance(Duration::days(60) + Duration::seconds(1));
    let refresh = env.xero.refresh(&tokens.refresh_token).await;
    assert!(
        matches!(refresh, Err(XeroError::ConnectionDead(_))),
        "{refresh:?}"
    );
}

#[tokio::test]
async fn a_revoked_grant_or_withdrawn_consent_is_a_dead_connection() {
    let env = env(500).await;
    let (tokens, connections) = connect(&env).await;
    env.xero
        .revoke(&tokens.refresh_token)
        .await
        .expect("revoke");
    let read_after = read(&env, &connections[0].tenant_id, &tokens.access_token, None).await;
    assert!(
        matches!(read_after, Err(XeroError::ReauthNeeded)),
        "{read_after:?}"
    );
    let refresh = env.xero.refresh(&tokens.refresh_token).await;
    assert!(
        matches!(refresh, Err(XeroError::ConnectionDead(_))),
        "{refresh:?}"
    );

    let (tokens, _) = connect(&env).await;
    env.fake.revoke_consent();
    let refresh = env.xero.refresh(&tokens.refresh_token).await;
    assert!(
        matches!(refresh, Err(XeroError::ConnectionDead(_))),
        "{refresh:?}"
    );
}

#[tokio::test]
async fn disconnecting_one_tenant_leaves_the_other_and_tenants_stay_apart() {
    let env = env(500).await;
    let (tokens, connections) = connect(&env).await;
    let (gone, kept) = (&connections[0], &connections[1]);
    env.xero
        .disconnect_tenant(&tokens.access_token, &gone.id)
        .await
        .expect("disconnect");
    let left = env
        .xero
        .connections(&tokens.access_token)
        .await
        .expect("connections");
    assert_eq!(left, vec![kept.clone()]);
    let refused = read(&env, &gone.tenant_id, &tokens.access_token, None).await;
    assert!(
        matches!(refused, Err(XeroError::Forbidden(_))),
        "{refused:?}"
    );
    read(&env, &kept.tenant_id, &tokens.access_token, None)
        .await
        .expect("the other reads");
    let unknown = env
        .xero
        .disconnect_tenant(&tokens.access_token, &gone.id)
        .await;
    assert!(
        matches!(unknown, Err(XeroError::Refused { status: 404, .. })),
        "{unknown:?}"
    );
    // A tenant no grant reaches, and a grant's code that was never asked for.
    let stranger = read(
        &env,
        "00000000-0000-4000-8000-000000000000",
        &tokens.access_token,
        None,
    )
    .await;
    assert!(
        matches!(stranger, Err(XeroError::Forbidden(_))),
        "{stranger:?}"
    );
    let (code, _) = approved_code(&env, "s").await;
    let other = client_for(&env.fake, env.clock.clone(), quick_retries());
    let no_verifier = other
        .exchange_code(&code, &SecretString::from(String::new()))
        .await;
    assert!(
        matches!(no_verifier, Err(XeroError::OAuth(_))),
        "{no_verifier:?}"
    );
}
