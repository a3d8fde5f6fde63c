//! Disconnecting a Xero connection: its organisation's link is removed at Xero, and the grant
//! revoked when it reaches nothing else; our tokens are deleted either way.

use super::support::{books, connect, xero_env};
use chrono::Duration;
use flowsense_integrations::xero::XeroError;
use flowsense_service::connections::{self, ConnectionError};
use flowsense_storage::Store;

async fn disconnecting_the_only_organisation_revokes_the_grant(store: &Store) {
    let env = xero_env(store, &books(300, false)).await;
    let connection = connect(&env, 1, 0).await;
    let tokens = store
        .connection_tokens(env.org, connection)
        .await
        .expect("tokens")
        .expect("saved");
    let refused = connections::disconnect(&env.ctx, &env.member, connection, "ip").await;
    assert!(matches!(refused, Err(ConnectionError::RoleTooLow)));
    // The access token has expired: it is refreshed to say goodbye.
    env.clock.advance(Duration::minutes(45));
    let before = env.fake.request_count();
    let done = connections::disconnect(&env.ctx, &env.admin, connection, "ip")
        .await
        .expect("disconnected");
    assert_eq!(done.status, "disconnected");
    assert!(
        store
            .connection_tokens(env.org, connection)
            .await
            .expect("tokens")
            .is_none()
    );
    let calls: Vec<(String, String, u16)> = env
        .fake
        .served()
        .into_iter()
        .skip(before)
        .map(|s| (s.method, s.path, s.status))
        .collect();
    let paths: Vec<&str> = calls.iter().map(|(_, p, _)| p.as_str()).collect();
    assert_eq!(
        paths[..2],
        ["/connect/token", "/connections"],
        "refreshed, then the links listed: {calls:?}"
    );
    assert!(
        calls
            .iter()
            .any(|(m, p, s)| m == "DELETE" && p.starts_with("/connections/") && *s == 204)
    );
    assert!(
        calls
            .iter()
            .any(|(m, p, s)| m == "POST" && p == "/connect/revocation" && *s == 200)
    );
    // The grant is gone at Xero: even the old refresh token is refused.
    assert!(matches!(
        env.xero.refresh(&tokens.refresh).await,
        Err(XeroError::ConnectionDead(_))
    ));
}

async fn disconnecting_one_of_two_organisations_removes_only_its_link(store: &Store) {
    let env = xero_env(store, &books(300, true)).await;
    let connection = connect(&env, 1, 0).await;
    let tokens = store
        .connection_tokens(env.org, connection)
        .await
        .expect("tokens")
        .expect("saved");
    let before = env.fake.request_count();
    connections::disconnect(&env.ctx, &env.admin, connection, "ip")
        .await
        .expect("disconnected");
    let served: Vec<_> = env.fake.served().into_iter().skip(before).collect();
    assert!(
        served
            .iter()
            .any(|s| s.method == "DELETE" && s.status == 204)
    );
    assert!(
        served.iter().all(|s| s.path != "/connect/revocation"),
        "revoking would end the login's other organisation too"
    );
    // The login still reaches the other organisation, and only it.
    let left = env.xero.connections(&tokens.access).await.expect("links");
    let tenants: Vec<_> = left.iter().map(|c| c.tenant_id.clone()).collect();
    assert_eq!(tenants, [env.fake.tenant_ids()[1].clone()]);
    assert!(
        store
            .connection_tokens(env.org, connection)
            .await
            .expect("tokens")
            .is_none()
    );
}

crate::on_both_backends!(
    disconnecting_the_only_organisation_revokes_the_grant,
    disconnecting_one_of_two_organisations_removes_only_its_link,
);
