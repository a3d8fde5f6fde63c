//! The connect flow: PKCE, one organisation connected at once, a choice among two, the state
//! and the choice bound to one session and used once, members refused, a login with no
//! organisation refused.

use super::support::{
    SERVICES, TRADING, XeroEnv, approved_callback, books, consent, session, xero_env,
};
use chrono::Duration;
use flowsense_core::clock::Clock;
use flowsense_service::connections::{
    ConnectionError, Finished, Provider, begin_connect, choose_tenant, finish_connect,
    pending_tenants,
};
use flowsense_storage::Store;
use secrecy::ExposeSecret;

fn query_value(url: &str, key: &str) -> Option<String> {
    let query = url.split_once('?')?.1;
    form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
}

async fn sync_jobs(env: &XeroEnv) -> usize {
    env.ctx
        .store
        .list_jobs_across_orgs(None, Some(flowsense_service::sync::SYNC_KIND), 1000)
        .await
        .expect("jobs")
        .len()
}

async fn one_organisation_connects_at_once_with_pkce(store: &Store) {
    let env = xero_env(store, &books(600, false)).await;
    let started = begin_connect(&env.ctx, &env.admin, Provider::Xero, Some(&session(1)))
        .await
        .expect("begin");
    let url = &started.authorize_url;
    assert!(url.starts_with(&env.fake.origin()), "{url}");
    assert_eq!(
        query_value(url, "code_challenge_method").as_deref(),
        Some("S256")
    );
    let challenge = query_value(url, "code_challenge").expect("a challenge");
    assert_eq!(challenge.len(), 43);
    assert_eq!(query_value(url, "state").expect("state").len(), 43);
    let scope = query_value(url, "scope").expect("scopes");
    assert!(scope.contains("offline_access") && !scope.contains("accounting.transactions "));
    let query = consent(url, true).await;
    let done = finish_connect(
        &env.ctx,
        Provider::Xero,
        Some(&session(1)),
        &query,
        "10.0.0.1",
    )
    .await
    .expect("connected");
    let Finished::Connected(connected) = done else {
        panic!("one organisation needs no choice");
    };
    let c = &connected.connection;
    assert_eq!(connected.org, env.org);
    assert_eq!((c.provider.as_str(), c.status.as_str()), ("xero", "active"));
    assert_eq!(c.tenant_id, env.fake.tenant_ids()[0]);
    assert_eq!(c.tenant_name.as_deref(), Some(TRADING));
    // Xero's refresh token lasts 60 days unused.
    assert_eq!(
        c.refresh_expires_at,
        Some(super::support::start_time() + Duration::days(60))
    );
    let tokens = store
        .connection_tokens(env.org, c.id)
        .await
        .expect("tokens")
        .expect("sealed tokens");
    assert!(!tokens.refresh.expose_secret().is_empty());
    assert_eq!(sync_jobs(&env).await, 1, "the first sync is queued");
    // The code was exchanged with the verifier of the challenge sent: the fake checks PKCE,
    // and its token endpoint answered once, successfully.
    let token_calls: Vec<_> = env
        .fake
        .served()
        .into_iter()
        .filter(|s| s.path == "/connect/token")
        .collect();
    assert_eq!(token_calls.len(), 1);
    assert_eq!(token_calls[0].status, 200);
}

async fn a_state_works_once_and_only_in_its_own_session(store: &Store) {
    let env = xero_env(store, &books(300, false)).await;
    // Another session's callback is refused, and spends the state.
    let query = approved_callback(&env, 1).await;
    let other = finish_connect(&env.ctx, Provider::Xero, Some(&session(2)), &query, "ip")
        .await
        .expect_err("another session");
    assert!(matches!(other.error, ConnectionError::InvalidState));
    assert_eq!(other.org, None, "nothing is said about the organisation");
    let replay = finish_connect(&env.ctx, Provider::Xero, Some(&session(1)), &query, "ip")
        .await
        .expect_err("spent");
    assert!(matches!(replay.error, ConnectionError::InvalidState));
    // Without a session, or for the other provider, it is refused alike.
    let query = approved_callback(&env, 1).await;
    let none = finish_connect(&env.ctx, Provider::Xero, None, &query, "ip")
        .await
        .expect_err("no session");
    assert!(matches!(none.error, ConnectionError::InvalidState));
    // The right session: connected once, then the same callback replayed is refused.
    let query = approved_callback(&env, 1).await;
    finish_connect(&env.ctx, Provider::Xero, Some(&session(1)), &query, "ip")
        .await
        .expect("connected");
    let replay = finish_connect(&env.ctx, Provider::Xero, Some(&session(1)), &query, "ip")
        .await
        .expect_err("replayed");
    assert!(matches!(replay.error, ConnectionError::InvalidState));
    // Cancel on the consent page stores nothing.
    let started = begin_connect(&env.ctx, &env.admin, Provider::Xero, Some(&session(1)))
        .await
        .expect("begin");
    let denied = consent(&started.authorize_url, false).await;
    let refused = finish_connect(&env.ctx, Provider::Xero, Some(&session(1)), &denied, "ip")
        .await
        .expect_err("denied");
    assert!(matches!(
        refused.error,
        ConnectionError::Denied(Provider::Xero)
    ));
    assert_eq!(refused.org, Some(env.org));
    assert_eq!(store.connections(env.org).await.expect("list").len(), 1);
}

async fn members_cannot_connect_or_choose(store: &Store) {
    let env = xero_env(store, &books(300, true)).await;
    let refused = begin_connect(&env.ctx, &env.member, Provider::Xero, Some(&session(3))).await;
    assert!(matches!(refused, Err(ConnectionError::RoleTooLow)));
    // A grant waiting for the admin is not the member's to see or choose, even in the admin's
    // session.
    let query = approved_callback(&env, 1).await;
    let done = finish_connect(&env.ctx, Provider::Xero, Some(&session(1)), &query, "ip")
        .await
        .expect("waiting");
    assert!(matches!(done, Finished::ChooseTenant { org } if org == env.org));
    let seen = pending_tenants(&env.ctx, &env.member, Provider::Xero, Some(&session(1))).await;
    assert!(matches!(seen, Err(ConnectionError::RoleTooLow)));
    let choice = pending_tenants(&env.ctx, &env.admin, Provider::Xero, Some(&session(1)))
        .await
        .expect("choice");
    let chosen = choose_tenant(
        &env.ctx,
        &env.member,
        Provider::Xero,
        Some(&session(1)),
        choice.grant,
        0,
        "ip",
    )
    .await;
    assert!(matches!(chosen, Err(ConnectionError::RoleTooLow)));
    assert!(store.connections(env.org).await.expect("list").is_empty());
}

async fn two_organisations_wait_for_the_admins_choice(store: &Store) {
    let env = xero_env(store, &books(400, true)).await;
    let query = approved_callback(&env, 1).await;
    let done = finish_connect(&env.ctx, Provider::Xero, Some(&session(1)), &query, "ip")
        .await
        .expect("waiting");
    assert!(matches!(done, Finished::ChooseTenant { org } if org == env.org));
    assert!(store.connections(env.org).await.expect("list").is_empty());
    assert_eq!(sync_jobs(&env).await, 0);
    let choice = pending_tenants(&env.ctx, &env.admin, Provider::Xero, Some(&session(1)))
        .await
        .expect("choice");
    let names: Vec<_> = choice.tenants.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, [TRADING, SERVICES]);
    assert!(choice.tenants.iter().all(|t| !t.connected_here));
    // Another session sees nothing and cannot choose.
    let other = pending_tenants(&env.ctx, &env.admin, Provider::Xero, Some(&session(2))).await;
    assert!(matches!(other, Err(ConnectionError::InvalidState)));
    let other = choose_tenant(
        &env.ctx,
        &env.admin,
        Provider::Xero,
        Some(&session(2)),
        choice.grant,
        1,
        "ip",
    )
    .await;
    assert!(matches!(other, Err(ConnectionError::InvalidState)));
    // An index outside the list is refused and the grant keeps waiting.
    let outside = choose_tenant(
        &env.ctx,
        &env.admin,
        Provider::Xero,
        Some(&session(1)),
        choice.grant,
        2,
        "ip",
    )
    .await;
    assert!(matches!(outside, Err(ConnectionError::NotFound)));
    let connected = choose_tenant(
        &env.ctx,
        &env.admin,
        Provider::Xero,
        Some(&session(1)),
        choice.grant,
        1,
        "ip",
    )
    .await
    .expect("chosen");
    let c = &connected.connection;
    assert_eq!(c.tenant_id, env.fake.tenant_ids()[1]);
    assert_eq!(c.tenant_name.as_deref(), Some(SERVICES));
    assert_eq!(c.status, "active");
    assert_eq!(sync_jobs(&env).await, 1, "the first sync is queued");
    // Used once.
    let again = choose_tenant(
        &env.ctx,
        &env.admin,
        Provider::Xero,
        Some(&session(1)),
        choice.grant,
        0,
        "ip",
    )
    .await;
    assert!(matches!(again, Err(ConnectionError::InvalidState)));

    // Connecting again: the organisation already here is marked, and refused if chosen; the
    // grant keeps waiting for the other one.
    let query = approved_callback(&env, 1).await;
    finish_connect(&env.ctx, Provider::Xero, Some(&session(1)), &query, "ip")
        .await
        .expect("waiting");
    let choice = pending_tenants(&env.ctx, &env.admin, Provider::Xero, Some(&session(1)))
        .await
        .expect("choice");
    assert_eq!(
        choice
            .tenants
            .iter()
            .map(|t| t.connected_here)
            .collect::<Vec<_>>(),
        [false, true]
    );
    let twice = choose_tenant(
        &env.ctx,
        &env.admin,
        Provider::Xero,
        Some(&session(1)),
        choice.grant,
        1,
        "ip",
    )
    .await;
    match twice {
        Err(e @ ConnectionError::AlreadyConnected(_)) => {
            assert!(e.to_string().contains(SERVICES), "{e}");
        }
        other => panic!("{other:?}"),
    }
    let first = choose_tenant(
        &env.ctx,
        &env.admin,
        Provider::Xero,
        Some(&session(1)),
        choice.grant,
        0,
        "ip",
    )
    .await
    .expect("the other one");
    assert_eq!(first.connection.tenant_name.as_deref(), Some(TRADING));
    assert_eq!(store.connections(env.org).await.expect("list").len(), 2);
}

async fn an_abandoned_choice_expires_and_is_purged(store: &Store) {
    let env = xero_env(store, &books(300, true)).await;
    let query = approved_callback(&env, 1).await;
    finish_connect(&env.ctx, Provider::Xero, Some(&session(1)), &query, "ip")
        .await
        .expect("waiting");
    let choice = pending_tenants(&env.ctx, &env.admin, Provider::Xero, Some(&session(1)))
        .await
        .expect("choice");
    env.clock.advance(Duration::minutes(16));
    let late = pending_tenants(&env.ctx, &env.admin, Provider::Xero, Some(&session(1))).await;
    assert!(matches!(late, Err(ConnectionError::InvalidState)));
    let late = choose_tenant(
        &env.ctx,
        &env.admin,
        Provider::Xero,
        Some(&session(1)),
        choice.grant,
        0,
        "ip",
    )
    .await;
    assert!(matches!(late, Err(ConnectionError::InvalidState)));
    assert!(store.connections(env.org).await.expect("list").is_empty());
    // The expired grant is deleted by the hourly clean-up.
    assert_eq!(
        store
            .delete_expired_pending_grants_across_orgs(env.clock.now())
            .await
            .expect("clean-up"),
        1
    );
    // So is one abandoned in another session.
    let query = approved_callback(&env, 2).await;
    finish_connect(&env.ctx, Provider::Xero, Some(&session(2)), &query, "ip")
        .await
        .expect("waiting");
    env.clock.advance(Duration::minutes(16));
    assert_eq!(
        store
            .delete_expired_pending_grants_across_orgs(env.clock.now())
            .await
            .expect("clean-up"),
        1
    );
}

async fn a_login_without_organisations_is_refused(store: &Store) {
    let env = xero_env(store, &[]).await;
    let query = approved_callback(&env, 1).await;
    let refused = finish_connect(&env.ctx, Provider::Xero, Some(&session(1)), &query, "ip")
        .await
        .expect_err("no organisation");
    assert!(matches!(
        refused.error,
        ConnectionError::NoTenants(Provider::Xero)
    ));
    assert!(refused.error.to_string().contains("no organisation"));
    assert!(store.connections(env.org).await.expect("list").is_empty());
}

crate::on_both_backends!(
    one_organisation_connects_at_once_with_pkce,
    a_state_works_once_and_only_in_its_own_session,
    members_cannot_connect_or_choose,
    two_organisations_wait_for_the_admins_choice,
    an_abandoned_choice_expires_and_is_purged,
    a_login_without_organisations_is_refused,
);
