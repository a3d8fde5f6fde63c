//! The OAuth round trip over HTTP, and disconnecting and syncing afterwards.

use super::{Hops, env, sync_jobs};
use crate::support::Db;
use chrono::TimeDelta;
use reqwest::{Method, StatusCode};
use serde_json::json;

/// The admin presses Connect, approves on the fake's consent page, and lands back on the
/// integrations page: the connection is active with sealed tokens and its first sync queued.
async fn an_admin_connects_quickbooks_through_the_consent_page(db: Db) {
    let e = env(db).await;
    let admin = Hops::signed_in(&e.app, "admin@acme.test").await;
    let (status, authorize) = admin
        .form(&format!("/app/{}/integrations/connect/quickbooks", e.org))
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(
        authorize.starts_with(&e.fake.authorize_url()),
        "{authorize}"
    );
    // The state is 256 bits (43 base64url characters); only its hash is stored.
    let state = authorize
        .split("state=")
        .nth(1)
        .and_then(|s| s.split('&').next())
        .expect("a state");
    assert_eq!(state.len(), 43);
    let callback = admin.decide_at_fake(&authorize, true).await;
    assert!(callback.starts_with(&format!("{}/oauth/quickbooks/callback?", e.app.base)));
    let (status, back, _) = admin.get(&callback).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(back, "/app/acme/integrations?connection=connected");
    let (status, _, page) = admin.get(&format!("{}{back}", e.app.base)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("Connected. The first sync is queued."),
        "{page}"
    );
    // The realm id (the provider's customer identifier) never reaches the browser; the company's
    // name, read from QuickBooks' CompanyInfo, names the connection.
    assert!(!page.contains(&e.fake.config().realm_id));
    let company = e.fake.ledger().company_name;
    assert!(page.contains(&company), "{page}");

    let connections = e.app.state.store.connections(e.org).await.expect("list");
    assert_eq!(connections.len(), 1);
    let c = &connections[0];
    assert_eq!(
        (c.provider.as_str(), c.status.as_str()),
        ("quickbooks", "active")
    );
    assert_eq!(c.tenant_id, e.fake.config().realm_id);
    assert_eq!(c.tenant_name.as_deref(), Some(company.as_str()));
    assert!(c.refresh_expires_at.is_some());
    assert!(
        e.app
            .state
            .store
            .connection_tokens(e.org, c.id)
            .await
            .expect("tokens")
            .is_some()
    );
    let jobs = sync_jobs(&e.app).await;
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].org, Some(e.org));
    assert_eq!(jobs[0].payload, json!({"connection": c.id}).to_string());
    // The API shows it to every role; the refresh expiry only to admins.
    let mut viewer = e.app.signed_in("viewer@acme.test").await;
    let (s, list) = viewer
        .get(&format!("/api/v1/orgs/{}/connections", e.org))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(list[0]["status"], "active");
    assert_eq!(list[0]["tenant_name"], company.as_str());
    assert!(list[0]["refresh_expires_at"].is_null());
    assert!(!list.to_string().contains(&e.fake.config().realm_id));
    let mut api_admin = e.app.signed_in("admin@acme.test").await;
    let (s, one) = api_admin
        .get(&format!("/api/v1/orgs/{}/connections/{}", e.org, c.id))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(one["refresh_expires_at"].is_string());
    // The audit log says who connected what.
    let (_, audit) = api_admin
        .get(&format!("/api/v1/orgs/{}/audit", e.org))
        .await;
    assert!(audit.to_string().contains("connection.connect"), "{audit}");
}

/// Members and viewers cannot start a connection, by form or by API.
async fn members_and_viewers_cannot_connect(db: Db) {
    let e = env(db).await;
    for email in ["member@acme.test", "viewer@acme.test"] {
        let b = Hops::signed_in(&e.app, email).await;
        let (status, _) = b
            .form(&format!("/app/{}/integrations/connect/quickbooks", e.org))
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{email}");
        let mut api = e.app.signed_in(email).await;
        let (status, _) = api
            .post(
                &format!("/api/v1/orgs/{}/connections", e.org),
                json!({"provider": "quickbooks"}),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{email}");
    }
    // An admin through the API gets the provider URL to open.
    let mut admin = e.app.signed_in("admin@acme.test").await;
    let (status, body) = admin
        .post(
            &format!("/api/v1/orgs/{}/connections", e.org),
            json!({"provider": "quickbooks"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert!(
        body["authorize_url"]
            .as_str()
            .is_some_and(|u| u.starts_with(&e.fake.authorize_url()))
    );
    assert!(
        e.fake
            .served()
            .iter()
            .all(|s| s.path != "/oauth2/v1/tokens/bearer")
    );
}

/// A callback works once, for the session that started it, before it expires; a refusal at the
/// provider stores nothing.
async fn a_callback_is_refused_when_replayed_from_another_session_denied_or_expired(db: Db) {
    let e = env(db).await;
    let admin = Hops::signed_in(&e.app, "admin@acme.test").await;
    let connect = format!("/app/{}/integrations/connect/quickbooks", e.org);

    // Another session of the same admin cannot use it, and the state is spent for everyone.
    let (_, authorize) = admin.form(&connect).await;
    let callback = admin.decide_at_fake(&authorize, true).await;
    let other = Hops::signed_in(&e.app, "admin@acme.test").await;
    let (status, _, _) = other.get(&callback).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _, _) = admin.get(&callback).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // A QuickBooks state at another provider's callback (a mix-up) is refused before any token
    // request, and spent.
    let (_, authorize) = admin.form(&connect).await;
    let callback = admin.decide_at_fake(&authorize, true).await;
    let mixed_up = callback.replace("/oauth/quickbooks/", "/oauth/xero/");
    let (status, _, _) = admin.get(&mixed_up).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _, _) = admin.get(&callback).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        e.fake
            .served()
            .iter()
            .all(|s| s.path != "/oauth2/v1/tokens/bearer")
    );

    // Replay of a callback that worked.
    let (_, authorize) = admin.form(&connect).await;
    let callback = admin.decide_at_fake(&authorize, true).await;
    let (status, _, _) = admin.get(&callback).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, _, page) = admin.get(&callback).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains("not valid or has expired"), "{page}");
    assert_eq!(sync_jobs(&e.app).await.len(), 1);
    let id = e.app.state.store.connections(e.org).await.expect("list")[0].id;
    e.app
        .state
        .store
        .disconnect(e.org, id)
        .await
        .expect("disconnect");

    // Cancel on the consent page.
    let (_, authorize) = admin.form(&connect).await;
    let callback = admin.decide_at_fake(&authorize, false).await;
    assert!(callback.contains("error=access_denied"));
    let (status, back, _) = admin.get(&callback).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(back, "/app/acme/integrations?connection=denied");

    // Too late.
    let (_, authorize) = admin.form(&connect).await;
    let callback = admin.decide_at_fake(&authorize, true).await;
    e.app.advance(TimeDelta::minutes(16));
    let (status, _, _) = admin.get(&callback).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // None of these stored anything: the one connection stays disconnected, one sync job.
    let connections = e.app.state.store.connections(e.org).await.expect("list");
    assert_eq!(connections.len(), 1);
    assert_eq!(connections[0].status, "disconnected");
    assert_eq!(sync_jobs(&e.app).await.len(), 1);
}

/// Disconnecting revokes the grant at the provider and deletes our tokens; Sync now queues a
/// sync of an active connection only.
async fn disconnect_revokes_at_the_provider_and_sync_now_queues_a_sync(db: Db) {
    let e = env(db).await;
    let admin = Hops::signed_in(&e.app, "admin@acme.test").await;
    let (_, authorize) = admin
        .form(&format!("/app/{}/integrations/connect/quickbooks", e.org))
        .await;
    let callback = admin.decide_at_fake(&authorize, true).await;
    admin.get(&callback).await;
    let id = e.app.state.store.connections(e.org).await.expect("list")[0].id;

    // Members may not press Sync now or Disconnect.
    let mut member = e.app.signed_in("member@acme.test").await;
    let sync_path = format!("/api/v1/orgs/{}/connections/{id}/sync", e.org);
    let (s, _) = member.post(&sync_path, json!({})).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let one = format!("/api/v1/orgs/{}/connections/{id}", e.org);
    let (s, _) = member.send(Method::DELETE, &one, None).await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    e.app.advance(TimeDelta::minutes(2));
    let mut api = e.app.signed_in("admin@acme.test").await;
    let (s, body) = api.post(&sync_path, json!({})).await;
    assert_eq!(s, StatusCode::ACCEPTED, "{body}");
    // The first sync is still queued: Sync now answers with it rather than queueing another.
    assert_eq!(sync_jobs(&e.app).await.len(), 1);

    let (s, body) = api.send(Method::DELETE, &one, None).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "disconnected");
    assert!(
        e.fake
            .served()
            .iter()
            .any(|r| r.path == "/v2/oauth2/tokens/revoke" && r.status == 200),
        "the fake saw no revoke"
    );
    assert!(
        e.app
            .state
            .store
            .connection_tokens(e.org, id)
            .await
            .expect("tokens")
            .is_none()
    );
    // Nothing left to sync.
    let (s, _) = api.post(&sync_path, json!({})).await;
    assert_eq!(s, StatusCode::CONFLICT);
    // Another organisation's admin sees none of it.
    let rival_admin = e.app.user("admin@rival.test").await;
    let rival = e.app.org("rival", rival_admin).await;
    let mut other = e.app.signed_in("admin@rival.test").await;
    let (s, _) = other
        .get(&format!("/api/v1/orgs/{rival}/connections/{id}"))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = other
        .post(
            &format!("/api/v1/orgs/{rival}/connections/{id}/sync"),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

/// The provider's company is bound to the connection on the server (checklist C7): another
/// organisation's admin who names this connection by its id, through their own organisation or
/// this one, gets 404 for every action, the provider receives no call, no sync is queued and the
/// connection keeps its tokens; a company named in a request body is refused.
async fn another_organisations_admin_reaches_neither_the_connection_nor_the_provider(db: Db) {
    let e = env(db).await;
    let admin = Hops::signed_in(&e.app, "admin@acme.test").await;
    let (_, authorize) = admin
        .form(&format!("/app/{}/integrations/connect/quickbooks", e.org))
        .await;
    let callback = admin.decide_at_fake(&authorize, true).await;
    admin.get(&callback).await;
    let id = e.app.state.store.connections(e.org).await.expect("list")[0].id;
    let jobs_before = sync_jobs(&e.app).await.len();
    let calls_before = e.fake.request_count();

    let rival_admin = e.app.user("admin@rival.test").await;
    let rival = e.app.org("rival", rival_admin).await;
    let mut other = e.app.signed_in("admin@rival.test").await;
    for org in [rival.to_string(), e.org.to_string()] {
        let one = format!("/api/v1/orgs/{org}/connections/{id}");
        let (s, _) = other.get(&one).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "GET {one}");
        let (s, _) = other.post(&format!("{one}/sync"), json!({})).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "sync {one}");
        let (s, _) = other.send(Method::DELETE, &one, None).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "DELETE {one}");
    }
    let (s, body) = other
        .post(
            &format!("/api/v1/orgs/{rival}/connections"),
            json!({"provider": "quickbooks", "realm_id": "another-company"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");

    assert_eq!(
        e.fake.request_count(),
        calls_before,
        "the provider was called"
    );
    assert_eq!(
        sync_jobs(&e.app).await.len(),
        jobs_before,
        "a sync was queued"
    );
    assert!(
        e.app
            .state
            .store
            .connection_tokens(e.org, id)
            .await
            .expect("tokens")
            .is_some(),
        "the connection lost its tokens"
    );
    assert!(
        e.app
            .state
            .store
            .connections(rival)
            .await
            .expect("list")
            .is_empty()
    );
}

crate::on_both_backends!(
    another_organisations_admin_reaches_neither_the_connection_nor_the_provider,
    an_admin_connects_quickbooks_through_the_consent_page,
    members_and_viewers_cannot_connect,
    a_callback_is_refused_when_replayed_from_another_session_denied_or_expired,
    disconnect_revokes_at_the_provider_and_sync_now_queues_a_sync,
);
