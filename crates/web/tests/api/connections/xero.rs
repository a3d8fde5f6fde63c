//! Connecting Xero over HTTP against the real Xero fake with two organisations: Connect, the
//! consent page, the callback that leads to the choice of organisation, the choice page (admins
//! only, this session only, a CSRF-protected form naming no provider id, a strict CSP), and the
//! connection saved with its name.

use super::{Hops, XERO_KEY, sync_jobs};
use crate::support::{Db, spawn_with_state};
use chrono::Utc;
use flowsense_core::Role;
use flowsense_core::clock::ManualClock;
use flowsense_fakes::{XeroFake, XeroFakeConfig};
use flowsense_integrations::xero::{Endpoints, Loopback, RetryPolicy, Xero, XeroConfig};
use flowsense_service::Providers;
use flowsense_service::connections::WebhookSecrets;
use flowsense_service::identity::limits::RateLimits;
use flowsense_synth::{GenConfig, Profile, generate};
use reqwest::StatusCode;
use secrecy::SecretString;
use std::sync::Arc;

pub(super) async fn start_fake() -> XeroFake {
    let books: Vec<_> = [
        ("Demo Trading Ltd", Profile::CoffeeRoaster),
        ("Demo Services Ltd", Profile::DentalPractice),
    ]
    .iter()
    .enumerate()
    .map(|(i, (name, profile))| {
        generate(&GenConfig {
            business_name: (*name).into(),
            profile: *profile,
            ..GenConfig::new(40 + i as u64, 200)
        })
        .expect("books")
    })
    .collect();
    XeroFake::start(
        &books,
        XeroFakeConfig::default(),
        Arc::new(ManualClock::new(Utc::now())),
    )
    .await
    .expect("fake")
}

/// Presses Allow on the fake Xero's consent page; the callback URL it sends the browser to.
pub(super) async fn allow_at_fake(b: &Hops, authorize_url: &str) -> String {
    let (status, _, page) = b.get(authorize_url).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("Demo Services Ltd"), "{page}");
    let consent = page
        .split("name=\"consent\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a consent id");
    let origin = authorize_url.split("/identity/").next().expect("origin");
    let r = b
        .http
        .post(format!("{origin}/identity/connect/authorize/decision"))
        .form(&[("consent", consent), ("decision", "approve")])
        .send()
        .await
        .expect("decision");
    assert!(r.status().is_redirection(), "{}", r.status());
    r.headers()["location"]
        .to_str()
        .expect("location")
        .to_owned()
}

pub(super) fn between<'a>(text: &'a str, start: &str, end: &str) -> &'a str {
    let from = text.find(start).expect("marker") + start.len();
    let len = text[from..].find(end).expect("end marker");
    &text[from..from + len]
}

async fn an_admin_connects_xero_and_chooses_one_of_two_organisations(db: Db) {
    let fake = start_fake().await;
    let origin = fake.origin();
    let app = spawn_with_state(
        db,
        RateLimits::generous(),
        |_| {},
        |mut state| {
            let config = XeroConfig {
                endpoints: Endpoints::from_origin(&origin).expect("endpoints"),
                client_id: fake.config().client_id.clone(),
                client_secret: SecretString::from(fake.config().client_secret.clone()),
                redirect_uri: format!("{}/oauth/xero/callback", state.settings.public_url),
                loopback: Loopback::Allowed,
                retry: RetryPolicy::default(),
            };
            let client = Xero::new(config, state.clock.clone()).expect("client");
            state.services = state.services.clone().with_providers(Providers {
                xero: Some(Arc::new(client)),
                webhooks: WebhookSecrets {
                    xero_key: Some(SecretString::from(XERO_KEY.to_owned())),
                    ..WebhookSecrets::default()
                },
                ..Providers::default()
            });
            state
        },
    )
    .await;
    fake.allow_redirect_uri(&format!("{}/oauth/xero/callback", app.base));
    let admin_id = app.user("admin@acme.test").await;
    let org = app.org("acme", admin_id).await;
    app.member(org, "member@acme.test", Role::Member).await;
    let admin = Hops::signed_in(&app, "admin@acme.test").await;

    // The integrations page offers Connect Xero, and its forms may lead to Xero's consent page.
    let r = admin
        .http
        .get(format!("{}/app/acme/integrations", app.base))
        .send()
        .await
        .expect("page");
    let csp = r.headers()["content-security-policy"]
        .to_str()
        .expect("csp")
        .to_owned();
    assert!(
        csp.contains(&format!("form-action 'self' {origin};")),
        "{csp}"
    );
    let page = r.text().await.expect("html");
    assert!(page.contains("Connect Xero"), "{page}");

    let (status, authorize) = admin.form("/app/acme/integrations/connect/xero").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(authorize.starts_with(&origin), "{authorize}");
    assert!(
        authorize.contains("code_challenge_method=S256"),
        "{authorize}"
    );
    let callback = allow_at_fake(&admin, &authorize).await;
    assert!(callback.starts_with(&format!("{}/oauth/xero/callback?", app.base)));
    let (status, next, _) = admin.get(&callback).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let choice_path = "/app/acme/integrations/xero/tenants".to_owned();
    assert_eq!(next, choice_path);

    // The choice page: both organisations by name, no provider id, a strict policy.
    let r = admin
        .http
        .get(format!("{}{choice_path}", app.base))
        .send()
        .await
        .expect("choice page");
    assert_eq!(r.status(), StatusCode::OK);
    let csp = r.headers()["content-security-policy"]
        .to_str()
        .expect("csp")
        .to_owned();
    assert!(csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"));
    let page = r.text().await.expect("html");
    assert!(page.contains("Demo Trading Ltd") && page.contains("Demo Services Ltd"));
    for tenant in fake.tenant_ids() {
        assert!(!page.contains(&tenant), "a tenant id reached the browser");
    }
    let grant = between(&page, "name=\"grant\" value=\"", "\"").to_owned();

    // Not for members, nor for another session of the same admin.
    let member = Hops::signed_in(&app, "member@acme.test").await;
    let (status, _, _) = member.get(&format!("{}{choice_path}", app.base)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let elsewhere = Hops::signed_in(&app, "admin@acme.test").await;
    let (status, back, _) = elsewhere.get(&format!("{}{choice_path}", app.base)).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(back.ends_with("?connection=expired"), "{back}");
    // Without the form's CSRF token the choice is refused.
    let r = admin
        .http
        .post(format!("{}{choice_path}", app.base))
        .form(&[("grant", grant.as_str()), ("tenant", "1")])
        .send()
        .await
        .expect("forged");
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(
        app.state
            .store
            .connections(org)
            .await
            .expect("list")
            .is_empty()
    );

    let r = admin
        .http
        .post(format!("{}{choice_path}", app.base))
        .form(&[
            ("csrf_token", admin.csrf.as_str()),
            ("grant", grant.as_str()),
            ("tenant", "1"),
        ])
        .send()
        .await
        .expect("choice");
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        r.headers()["location"].to_str().expect("location"),
        "/app/acme/integrations?connection=connected"
    );
    let connections = app.state.store.connections(org).await.expect("list");
    assert_eq!(connections.len(), 1);
    let c = &connections[0];
    assert_eq!((c.provider.as_str(), c.status.as_str()), ("xero", "active"));
    assert_eq!(c.tenant_name.as_deref(), Some("Demo Services Ltd"));
    assert_eq!(c.tenant_id, fake.tenant_ids()[1]);
    assert_eq!(sync_jobs(&app).await.len(), 1);
    let (_, _, page) = admin
        .get(&format!("{}/app/acme/integrations", app.base))
        .await;
    assert!(page.contains("Demo Services Ltd"), "{page}");
    // Used once: the page now sends the admin back.
    let (status, back, _) = admin.get(&format!("{}{choice_path}", app.base)).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(back.ends_with("?connection=expired"), "{back}");
}

crate::on_both_backends!(an_admin_connects_xero_and_chooses_one_of_two_organisations,);
