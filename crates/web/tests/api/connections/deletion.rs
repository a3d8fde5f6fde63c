//! Deleting an organisation ends its grants at the providers (SECURITY-CHECKLIST J6): through
//! the real deletion route, the QuickBooks fake sees the grant revoked and the Xero fake the
//! organisation's link removed, and the tokens the organisation held no longer reach its books.

use super::{Hops, VERIFIER, XERO_KEY, start_fake as start_quickbooks, xero};
use crate::support::{Db, spawn_with_state};
use flowsense_fakes::{QuickBooksFake, XeroFake};
use flowsense_integrations::{quickbooks, xero as xero_client};
use flowsense_service::Providers;
use flowsense_service::connections::WebhookSecrets;
use flowsense_service::identity::limits::RateLimits;
use flowsense_web::AppState;
use reqwest::{Method, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;
use std::sync::Arc;

/// `state` with both providers' clients pointed at their fakes.
fn with_both_fakes(mut state: AppState, qb: &QuickBooksFake, xero: &XeroFake) -> AppState {
    let qb_config = quickbooks::QuickBooksConfig {
        endpoints: quickbooks::Endpoints::parse(
            &qb.authorize_url(),
            &qb.token_url(),
            &qb.revoke_url(),
            &qb.api_base_url(),
        )
        .expect("endpoints"),
        client_id: qb.config().client_id.clone(),
        client_secret: SecretString::from(qb.config().client_secret.clone()),
        redirect_uri: format!("{}/oauth/quickbooks/callback", state.settings.public_url),
        loopback: quickbooks::Loopback::Allowed,
        retry: quickbooks::RetryPolicy::default(),
    };
    let xero_config = xero_client::XeroConfig {
        endpoints: xero_client::Endpoints::from_origin(&xero.origin()).expect("endpoints"),
        client_id: xero.config().client_id.clone(),
        client_secret: SecretString::from(xero.config().client_secret.clone()),
        redirect_uri: format!("{}/oauth/xero/callback", state.settings.public_url),
        loopback: xero_client::Loopback::Allowed,
        retry: xero_client::RetryPolicy::default(),
    };
    let clock = state.clock.clone();
    state.services = state.services.clone().with_providers(Providers {
        quickbooks: Some(Arc::new(
            quickbooks::QuickBooks::new(qb_config, clock.clone()).expect("client"),
        )),
        xero: Some(Arc::new(
            xero_client::Xero::new(xero_config, clock).expect("client"),
        )),
        webhooks: WebhookSecrets {
            quickbooks_verifier: Some(SecretString::from(VERIFIER.to_owned())),
            xero_key: Some(SecretString::from(XERO_KEY.to_owned())),
        },
        ..Providers::default()
    });
    state
}

fn served_ok(served: &[flowsense_fakes::Served], method: &str, path: &str) -> bool {
    served
        .iter()
        .any(|s| s.method == method && s.path == path && s.status == 200)
}

async fn deleting_an_organisation_revokes_its_quickbooks_and_xero_grants(db: Db) {
    let qb = start_quickbooks().await;
    let xero = xero::start_fake().await;
    let app = spawn_with_state(
        db,
        RateLimits::generous(),
        |_| {},
        |state| with_both_fakes(state, &qb, &xero),
    )
    .await;
    qb.allow_redirect_uri(&format!("{}/oauth/quickbooks/callback", app.base));
    xero.allow_redirect_uri(&format!("{}/oauth/xero/callback", app.base));
    let admin_id = app.user("admin@acme.test").await;
    let org = app.org("acme", admin_id).await;
    let admin = Hops::signed_in(&app, "admin@acme.test").await;

    // QuickBooks, through the consent page and the callback.
    let (_, authorize) = admin
        .form("/app/acme/integrations/connect/quickbooks")
        .await;
    let callback = admin.decide_at_fake(&authorize, true).await;
    admin.get(&callback).await;
    // Xero, through the consent page, the callback and the choice of organisation.
    let (_, authorize) = admin.form("/app/acme/integrations/connect/xero").await;
    let callback = xero::allow_at_fake(&admin, &authorize).await;
    admin.get(&callback).await;
    let choice = format!("{}/app/acme/integrations/xero/tenants", app.base);
    let (_, _, page) = admin.get(&choice).await;
    let grant = xero::between(&page, "name=\"grant\" value=\"", "\"").to_owned();
    let r = admin
        .http
        .post(&choice)
        .form(&[
            ("csrf_token", admin.csrf.as_str()),
            ("grant", grant.as_str()),
            ("tenant", "1"),
        ])
        .send()
        .await
        .expect("choice");
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let store = &app.state.store;
    let connections = store.connections(org).await.expect("list");
    let mut providers: Vec<_> = connections.iter().map(|c| c.provider.as_str()).collect();
    providers.sort_unstable();
    assert_eq!(providers, ["quickbooks", "xero"]);
    let mut held = Vec::new();
    for c in &connections {
        let tokens = store
            .connection_tokens(org, c.id)
            .await
            .expect("tokens")
            .expect("held");
        held.push((c.provider.clone(), tokens));
    }
    let tokens_of = |provider: &str| {
        held.iter()
            .find(|(p, _)| p == provider)
            .map(|(_, t)| t)
            .expect("tokens of the provider")
    };
    let http = reqwest::Client::new();
    let xero_links = |access: &SecretString| {
        http.get(format!("{}/connections", xero.origin()))
            .bearer_auth(access.expose_secret())
            .send()
    };
    assert_eq!(
        xero_links(&tokens_of("xero").access)
            .await
            .expect("links")
            .status(),
        StatusCode::OK,
        "the grant works before the deletion"
    );

    // The admin deletes the organisation through the API.
    let mut api = app.signed_in("admin@acme.test").await;
    let (s, body) = api
        .send(
            Method::DELETE,
            &format!("/api/v1/orgs/{org}"),
            Some(json!({"confirm": "acme"})),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{body}");
    assert!(store.connections(org).await.unwrap_or_default().is_empty());

    // QuickBooks was asked to revoke, and the refresh token no longer refreshes.
    assert!(
        served_ok(&qb.served(), "POST", "/v2/oauth2/tokens/revoke"),
        "the QuickBooks fake saw no revocation"
    );
    let r = http
        .post(qb.token_url())
        .basic_auth(&qb.config().client_id, Some(&qb.config().client_secret))
        .form(&[
            ("grant_type", "refresh_token"),
            (
                "refresh_token",
                tokens_of("quickbooks").refresh.expose_secret(),
            ),
        ])
        .send()
        .await
        .expect("refresh");
    assert_eq!(
        r.status(),
        StatusCode::BAD_REQUEST,
        "a revoked grant refreshes"
    );
    // Xero: the organisation's link is removed at Xero, so the grant no longer reaches the
    // Xero organisation it read; the login's other Xero organisation, which it also consented
    // to, keeps its link (revoking the grant would end that too; with nothing else reached the
    // grant itself is revoked, `crates/service/tests/worker/xero/disconnect.rs`).
    let served = xero.served();
    assert!(
        served.iter().any(|s| s.method == "DELETE"
            && s.path.starts_with("/connections/")
            && s.status == 204),
        "the Xero fake saw no disconnection"
    );
    let links: serde_json::Value = xero_links(&tokens_of("xero").access)
        .await
        .expect("links")
        .json()
        .await
        .expect("json");
    let reached: Vec<_> = links
        .as_array()
        .expect("a list")
        .iter()
        .filter_map(|l| l["tenantId"].as_str())
        .collect();
    assert_eq!(reached, [xero.tenant_ids()[0].as_str()], "{links}");
}

crate::on_both_backends!(deleting_an_organisation_revokes_its_quickbooks_and_xero_grants);
