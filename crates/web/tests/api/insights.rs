//! `GET /api/v1/orgs/{org}/insights` and the dashboard's insights, with a model behind them
//! (the Anthropic fake on loopback): templates until the narrative job has run for these books,
//! then the narratives with the figures they rest on; viewers read them, another
//! organisation's members get 404, no session 401; the digest preview carries the narratives.

use crate::analysis_pages::{coffee_books, import_generated};
use crate::support::{Db, TestApp, spawn_with_state};
use flowsense_ai::{Anthropic, AnthropicConfig, Loopback, Url};
use flowsense_core::{OrgId, Role};
use flowsense_fakes::{AnthropicFake, AnthropicFakeConfig, Script};
use flowsense_service::ai::prompt::MAX_NARRATED;
use flowsense_service::identity::limits::RateLimits;
use reqwest::StatusCode;
use secrecy::SecretString;
use serde_json::{Value, json};
use std::sync::Arc;

async fn spawn_with_model(db: Db) -> (TestApp, AnthropicFake) {
    let fake = AnthropicFake::start(AnthropicFakeConfig::default())
        .await
        .expect("fake");
    let mut config = AnthropicConfig::new(
        SecretString::from(fake.config().api_key.clone()),
        "claude-sonnet-4-6",
    );
    config.base_url = Url::parse(&fake.base_url()).expect("url");
    config.loopback = Loopback::Allowed;
    let model = Arc::new(Anthropic::new(config).expect("client"));
    let app = spawn_with_state(
        db,
        RateLimits::generous(),
        |_| {},
        move |mut state| {
            let mut providers = state.services.providers.clone();
            providers.ai = Some(model);
            state.services = state.services.clone().with_providers(providers);
            state
        },
    )
    .await;
    (app, fake)
}

/// A page as `email` sees it in a browser.
async fn html(app: &TestApp, email: &str, path: &str) -> (StatusCode, String) {
    let browser = app.signed_in(email).await;
    let r = browser
        .http
        .get(format!("{}{path}", app.base))
        .send()
        .await
        .expect("page");
    (r.status(), r.text().await.expect("body"))
}

async fn insights(app: &TestApp, email: &str, org: OrgId) -> (StatusCode, Value) {
    app.signed_in(email)
        .await
        .get(&format!("/api/v1/orgs/{org}/insights"))
        .await
}

async fn insights_are_narrated_from_their_figures_for_viewers_of_the_org_only(db: Db) {
    let (app, fake) = spawn_with_model(db).await;
    let ann = app.user("ann@x.test").await;
    let org = app.org("roasters", ann).await;
    app.member(org, "vic@x.test", Role::Viewer).await;
    let oz = app.user("oz@y.test").await;
    let other = app.org("elsewhere", oz).await;
    import_generated(&app, org, &coffee_books(2_000)).await;

    // Before the job: the engine's templates, marked so.
    let (status, before) = insights(&app, "vic@x.test", org).await;
    assert_eq!(status, StatusCode::OK);
    let items = before["insights"].as_array().expect("insights").clone();
    assert!(!items.is_empty());
    assert!(items.iter().all(|i| i["source"] == "template"));
    assert_eq!(before["written_for_books_version"], Value::Null);
    assert_eq!(before["written_by"], Value::Null);

    // The job writes one narrative per top insight (no numbers: none can be invented).
    let narrated = items.len().min(MAX_NARRATED);
    let narratives: Vec<Value> = (0..narrated)
        .map(|i| json!({ "id": format!("i{}", i + 1), "text": format!("Narrative number {} in words.", ["one", "two", "three", "four"][i]) }))
        .collect();
    fake.script(Script::text(
        json!({ "narratives": narratives }).to_string(),
    ));
    flowsense_service::ai::narrate::enqueue(&app.state.services, org)
        .await
        .expect("enqueue");
    assert!(app.run_jobs().await >= 1);
    assert_eq!(fake.received().len(), 1);

    let (status, after) = insights(&app, "vic@x.test", org).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(after["written_for_books_version"], after["books_version"]);
    assert_eq!(after["written_by"]["provider"], "anthropic");
    assert!(after["written_at"].is_string());
    let items = after["insights"].as_array().expect("insights");
    assert_eq!(items[0]["source"], "model");
    assert_eq!(items[0]["text"], "Narrative number one in words.");
    for item in items {
        for key in [
            "kind",
            "tone",
            "title",
            "text",
            "source",
            "link",
            "link_text",
        ] {
            assert!(item[key].is_string(), "{key} in {item}");
        }
        assert!(
            item["link"]
                .as_str()
                .expect("link")
                .starts_with("/app/roasters")
        );
        let figures = item["figures"].as_array().expect("figures");
        assert!(!figures.is_empty());
        for f in figures {
            assert!(f["name"].is_string() && f["kind"].is_string() && f["value"].is_string());
        }
    }
    assert!(
        items
            .iter()
            .skip(narrated)
            .all(|i| i["source"] == "template")
    );

    // The dashboard shows them, marked with who wrote them, the figures on demand.
    let (status, page) = html(&app, "vic@x.test", &format!("/app/{org}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Narrative number one in words."));
    assert!(page.contains("Written by anthropic/"));
    assert!(page.contains("from these figures"));
    // The digest preview carries them too.
    let (status, preview) = html(
        &app,
        "vic@x.test",
        &format!("/app/profile/digest-preview/{org}"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(preview.contains("Narrative number one in words."));
    assert!(preview.contains("from your figures only"));

    // Another organisation's admin: 404, as a missing one; no session: 401.
    let (status, body) = insights(&app, "oz@y.test", org).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let (status, theirs) = insights(&app, "oz@y.test", other).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!theirs.to_string().contains("Narrative number"));
    let (status, _) = app
        .browser()
        .get(&format!("/api/v1/orgs/{org}/insights"))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

async fn without_a_model_the_dashboard_says_insights_come_from_templates(db: Db) {
    let app = crate::support::spawn_app(db).await;
    let ann = app.user("ann@x.test").await;
    let org = app.org("roasters", ann).await;
    import_generated(&app, org, &coffee_books(2_000)).await;
    let (status, page) = html(&app, "ann@x.test", &format!("/app/{org}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("From templates"));
    assert!(!page.contains("Written by"));
    let (status, body) = insights(&app, "ann@x.test", org).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        body["insights"]
            .as_array()
            .expect("insights")
            .iter()
            .all(|i| i["source"] == "template")
    );
}

crate::on_both_backends!(
    insights_are_narrated_from_their_figures_for_viewers_of_the_org_only,
    without_a_model_the_dashboard_says_insights_come_from_templates,
);
