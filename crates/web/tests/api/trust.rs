//! The trust center, the privacy page and `security.txt` over real HTTP: what they say follows
//! the running configuration, the sub-processors they list are the ones the organisation export
//! carries, and without a security contact none is invented.

use crate::support::{Db, TestApp, spawn_app, spawn_with_state};
use flowsense_ai::{Anthropic, AnthropicConfig, ChatModel, Loopback, Url};
use flowsense_mail::{SmtpConfig, SmtpMailer};
use flowsense_service::backup::BackupPolicy;
use flowsense_service::connections::WebhookSecrets;
use flowsense_service::identity::limits::RateLimits;
use flowsense_web::{AppState, Deployment, SecurityContact};
use reqwest::{Method, StatusCode};
use secrecy::SecretString;
use serde_json::Value;
use std::sync::Arc;

/// An Anthropic client that is never called (the pages only name it).
fn idle_model() -> Arc<dyn ChatModel> {
    let mut config = AnthropicConfig::new(SecretString::from("sk-test"), "claude-sonnet-4-6");
    config.base_url = Url::parse("http://127.0.0.1:9").expect("url");
    config.loopback = Loopback::Allowed;
    Arc::new(Anthropic::new(config).expect("client"))
}

/// Every feature the trust center reports on turned on: TLS, an AI provider, both webhooks,
/// an SMTP relay and a security contact.
fn everything_on(mut state: AppState) -> AppState {
    let mut providers = state.services.providers.clone();
    providers.ai = Some(idle_model());
    providers.webhooks = WebhookSecrets {
        quickbooks_verifier: Some(SecretString::from("verifier")),
        xero_key: Some(SecretString::from("xero-key")),
    };
    let smtp = SmtpConfig::parse("smtp://mail.example.com").expect("smtp url");
    let mailer = SmtpMailer::new(&smtp, "FlowSense <noreply@example.com>").expect("mailer");
    state.services = state
        .services
        .clone()
        .with_providers(providers)
        .with_mailer(Arc::new(mailer))
        .with_backups(BackupPolicy {
            dir: std::env::temp_dir().join("flowsense-trust-test-no-backups-yet"),
            keep: 3,
        });
    state.with_deployment(Deployment {
        tls: true,
        ai_provider: Some("Anthropic Claude (model claude-sonnet-4-6) at 127.0.0.1:9".into()),
        security_contact: Some(SecurityContact::parse("security@example.com").expect("valid")),
    })
}

async fn page(app: &TestApp, path: &str) -> String {
    let r = reqwest::get(format!("{}{path}", app.base))
        .await
        .expect("get");
    assert_eq!(r.status(), StatusCode::OK, "{path}");
    let html = r.text().await.expect("body");
    assert!(
        !html.contains("style=") && !html.contains("<script"),
        "{path} under the CSP"
    );
    html
}

/// The text of the element `id` (its first text, up to the next tag).
fn text_of<'a>(html: &'a str, id: &str) -> &'a str {
    let at = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id}"));
    let rest = &html[at..];
    let start = rest.find('>').expect("tag end") + 1;
    let end = rest[start..].find('<').expect("next tag");
    rest[start..start + end].trim()
}

async fn the_trust_centre_states_what_this_instance_runs(db: Db) {
    let off = spawn_app(db).await;
    let html = page(&off, "/security").await;
    for (id, says) in [
        ("fact-tls", "Off: this instance serves plain HTTP"),
        (
            "fact-ai",
            "None configured: nothing is sent to any AI provider",
        ),
        (
            "fact-webhooks",
            "No webhooks are configured on this instance",
        ),
        ("fact-contact", "None configured on this instance"),
        (
            "fact-backups",
            "No scheduled backups are configured on this instance",
        ),
        (
            "fact-sub-processors",
            "None: this instance sends data to no outside service",
        ),
        (
            "sub-processors-none",
            "None: this instance sends your data to no outside service.",
        ),
    ] {
        assert!(
            text_of(&html, id).starts_with(says),
            "#{id}: {}",
            text_of(&html, id)
        );
    }
    assert!(text_of(&html, "report-contact").starts_with("No security contact is configured"));
    assert!(
        !html.contains("security@127.0.0.1"),
        "no contact is derived from the host"
    );
    let build = format!("FlowSense {}, commit", env!("CARGO_PKG_VERSION"));
    assert!(
        text_of(&html, "build").starts_with(&build),
        "{}",
        text_of(&html, "build")
    );
    assert!(html.contains("crates/web/tests/api/tls.rs::a_tls12_client_is_refused_and_a_tls13_client_is_served_with_hsts"));
    assert!(
        html.contains("<code>crates/storage/tests/retention/mod.rs</code>"),
        "the suites are listed"
    );

    let on = spawn_with_state(db, RateLimits::generous(), |_| {}, everything_on).await;
    let html = page(&on, "/security").await;
    for (id, says) in [
        ("fact-tls", "On: this server terminates HTTPS itself"),
        ("fact-ai", "Anthropic Claude (model claude-sonnet-4-6)"),
        (
            "fact-webhooks",
            "QuickBooks and Xero webhooks accepted only with a valid HMAC-SHA256",
        ),
        ("fact-contact", "security@example.com"),
        (
            "fact-backups",
            "Nightly at 02:00 UTC, sealed with AES-256-GCM",
        ),
    ] {
        assert!(
            text_of(&html, id).starts_with(says),
            "#{id}: {}",
            text_of(&html, id)
        );
    }
    for kind in ["ai", "smtp"] {
        assert!(
            html.contains(&format!("data-kind=\"{kind}\"")),
            "{kind} listed"
        );
    }
    assert!(text_of(&html, "fact-backups").ends_with("None verified yet."));
    assert!(html.contains("The SMTP relay at mail.example.com"));
    assert!(html.contains("Anthropic, model claude-sonnet-4-6, at 127.0.0.1"));
    assert!(!html.contains("sub-processors-none"));
    assert!(html.contains("href=\"mailto:security@example.com\""));
}

async fn security_txt_has_the_fields_rfc_9116_requires_or_is_not_served(db: Db) {
    let off = spawn_app(db).await;
    let r = reqwest::get(format!("{}/.well-known/security.txt", off.base))
        .await
        .expect("get");
    assert_eq!(
        r.status(),
        StatusCode::NOT_FOUND,
        "no contact, no security.txt"
    );

    let on = spawn_with_state(db, RateLimits::generous(), |_| {}, everything_on).await;
    let r = reqwest::get(format!("{}/.well-known/security.txt", on.base))
        .await
        .expect("get");
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "text/plain; charset=utf-8");
    let txt = r.text().await.expect("body");
    // RFC 9116 §2.5: "field-name: value" lines; Contact (§2.5.3) at least once, Expires
    // (§2.5.5) exactly once, in the future and under a year away, Canonical (§2.5.2) the
    // URI it was fetched from; Policy and Preferred-Languages at most once.
    let mut fields: Vec<(&str, &str)> = Vec::new();
    for line in txt.lines().filter(|l| !l.is_empty() && !l.starts_with('#')) {
        let (name, value) = line
            .split_once(": ")
            .unwrap_or_else(|| panic!("not a field: {line}"));
        fields.push((name, value));
    }
    let all = |name: &str| -> Vec<&str> {
        fields
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| *v)
            .collect()
    };
    assert_eq!(all("Contact"), ["mailto:security@example.com"]);
    let expires = all("Expires");
    assert_eq!(expires.len(), 1);
    let expires = chrono::DateTime::parse_from_rfc3339(expires[0]).expect("RFC 3339 (§2.5.5)");
    let now = on.state.now();
    let ahead = expires.with_timezone(&chrono::Utc) - now;
    assert!(
        ahead > chrono::TimeDelta::days(364) && ahead <= chrono::TimeDelta::days(365),
        "{ahead}"
    );
    assert_eq!(
        all("Canonical"),
        [format!("{}/.well-known/security.txt", on.base).as_str()]
    );
    assert_eq!(
        all("Policy"),
        [format!("{}/security#h-report", on.base).as_str()]
    );
    assert_eq!(all("Preferred-Languages"), ["en"]);
    for (name, _) in &fields {
        assert!(
            [
                "Contact",
                "Expires",
                "Canonical",
                "Policy",
                "Preferred-Languages"
            ]
            .contains(name),
            "unexpected field {name}"
        );
    }
}

async fn the_export_lists_the_sub_processors_the_page_lists(db: Db) {
    let app = spawn_with_state(db, RateLimits::generous(), |_| {}, everything_on).await;
    let admin = app.user("ada@x.test").await;
    let org = app.org("alpha", admin).await;
    let a = app.signed_in("ada@x.test").await;
    let r = a
        .request(Method::GET, &format!("/api/v1/orgs/{org}/export"))
        .send()
        .await
        .expect("export");
    assert_eq!(r.status(), StatusCode::OK);
    let doc: Value = serde_json::from_str(&r.text().await.expect("body")).expect("json");
    let listed: Vec<&str> = doc["sub_processors"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|s| s["kind"].as_str().expect("kind"))
        .collect();
    assert_eq!(listed, ["ai", "smtp"]);
    let html = page(&app, "/security").await;
    for s in doc["sub_processors"].as_array().expect("a list") {
        let name = s["name"].as_str().expect("name");
        assert!(html.contains(name), "{name} is on the page too");
        assert!(!s["turn_off"].as_str().expect("turn_off").is_empty());
    }

    let plain = spawn_app(db).await;
    let admin = plain.user("ada@x.test").await;
    let org = plain.org("alpha", admin).await;
    let a = plain.signed_in("ada@x.test").await;
    let r = a
        .request(Method::GET, &format!("/api/v1/orgs/{org}/export"))
        .send()
        .await
        .expect("export");
    let doc: Value = serde_json::from_str(&r.text().await.expect("body")).expect("json");
    assert_eq!(doc["sub_processors"], serde_json::json!([]));
}

async fn the_privacy_page_links_each_right_to_where_it_is_exercised(db: Db) {
    let app = spawn_app(db).await;
    let html = page(&app, "/privacy").await;
    for (id, link) in [
        ("right-access", "/app/profile#data"),
        ("right-rectification", "/app"),
        ("right-erasure", "/app/profile#delete"),
        ("right-objection", "/app/profile#notifications"),
        ("right-no-sale", "/security#h-sub-processors"),
    ] {
        let at = html
            .find(&format!("id=\"{id}\""))
            .unwrap_or_else(|| panic!("no #{id}"));
        assert!(
            html[at..].contains(&format!("href=\"{link}\"")),
            "{id} links to {link}"
        );
    }
    assert!(html.contains("We do not sell or share personal information"));
    assert!(html.contains("No AI provider is configured on this instance"));
    let on = spawn_with_state(db, RateLimits::generous(), |_| {}, everything_on).await;
    let html = page(&on, "/privacy").await;
    assert!(html.contains("turn AI off in its settings"));
}

crate::on_both_backends!(
    the_trust_centre_states_what_this_instance_runs,
    security_txt_has_the_fields_rfc_9116_requires_or_is_not_served,
    the_export_lists_the_sub_processors_the_page_lists,
    the_privacy_page_links_each_right_to_where_it_is_exercised,
);
