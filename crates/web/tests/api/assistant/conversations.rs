//! The conversations: the page without script (a form post answered whole) and its history,
//! sealed at rest, in the organisation's export, and purged by the retention job after 90
//! days at most.

use super::{ask_json, spawn_assistant};
use crate::analysis_pages::{coffee_books, import_generated};
use crate::on_both_backends;
use crate::support::{Browser, Db, TestApp};
use chrono::TimeDelta;
use flowsense_core::clock::Clock;
use flowsense_core::{OrgId, Role};
use flowsense_service::retention::purge_all_orgs;
use reqwest::StatusCode;
use serde_json::Value;
use sqlx::Connection;

const CANARY: &str = "CANARY-QUESTION-5521";

async fn books(app: &TestApp) -> OrgId {
    let ann = app.user("ann@x.test").await;
    let org = app.org("roasters", ann).await;
    app.member(org, "mia@x.test", Role::Member).await;
    app.member(org, "vic@x.test", Role::Viewer).await;
    import_generated(app, org, &coffee_books(1_000)).await;
    org
}

async fn page(b: &Browser, path: &str) -> (StatusCode, String) {
    let r = b
        .http
        .get(format!("{}{path}", b.base))
        .send()
        .await
        .expect("page");
    (r.status(), r.text().await.expect("html"))
}

async fn post_form(b: &Browser, path: &str, fields: &[(&str, &str)]) -> (StatusCode, String) {
    let mut pairs: Vec<(&str, &str)> = fields.to_vec();
    pairs.push(("csrf_token", b.csrf.as_deref().expect("csrf")));
    let r = b
        .http
        .post(format!("{}{path}", b.base))
        .form(&pairs)
        .send()
        .await
        .expect("post");
    (r.status(), r.text().await.expect("html"))
}

async fn without_script_the_form_answers_whole_and_the_page_keeps_the_history(db: Db) {
    let (app, _fake) = spawn_assistant(db, false, 1_000_000).await;
    let org = books(&app).await;
    let mia = app.signed_in("mia@x.test").await;
    let path = format!("/app/{org}/assistant");
    let (s, html) = page(&mia, &path).await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("id=\"assistant-form\""), "{html}");
    assert!(html.contains("<script src=\"/assets/assistant.js?v="));
    assert!(!html.contains("<script>"), "no inline script");
    let (s, html) = post_form(
        &mia,
        &path,
        &[("question", "What is our runway?"), ("conversation_id", "")],
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{html}");
    assert!(html.contains("What is our runway?"));
    assert!(html.contains("Let me look that up with runway."), "{html}");
    // The conversation is listed, and opening it shows the same messages.
    let id = html
        .split("name=\"conversation_id\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the open conversation in the form")
        .to_owned();
    assert_eq!(id.len(), 36, "{id}");
    let (s, again) = page(&mia, &format!("{path}?c={id}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(again.contains("Let me look that up with runway."));
    assert!(again.contains(&format!("href=\"/app/roasters/assistant?c={id}\"")));
    // A follow-up joins it.
    let (s, html) = post_form(
        &mia,
        &path,
        &[("question", "And the forecast?"), ("conversation_id", &id)],
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("What is our runway?") && html.contains("And the forecast?"));
    // An empty question is refused on the page; a viewer may not post; nor see another's talk.
    let (s, html) = post_form(&mia, &path, &[("question", " "), ("conversation_id", "")]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Type a question first."));
    let vic = app.signed_in("vic@x.test").await;
    let (s, _) = post_form(
        &vic,
        &path,
        &[("question", "Runway?"), ("conversation_id", "")],
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let ann = app.signed_in("ann@x.test").await;
    let (s, _) = page(&ann, &format!("{path}?c={id}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // The script is served from our origin, fingerprinted.
    let r = mia
        .http
        .get(format!("{}/assets/assistant.js", mia.base))
        .send()
        .await
        .expect("js");
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .expect("a value")
            .starts_with("text/javascript")
    );
}

/// Every value of `column` in `table` as the database holds it.
async fn raw(app: &TestApp, sql: &str) -> Vec<Vec<u8>> {
    if app.db.url.starts_with("sqlite:") {
        let mut c = sqlx::SqliteConnection::connect(&app.db.url)
            .await
            .expect("sqlite");
        sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned()))
            .fetch_all(&mut c)
            .await
            .expect("read")
    } else {
        let mut c = sqlx::PgConnection::connect(&app.db.url)
            .await
            .expect("postgres");
        sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned()))
            .fetch_all(&mut c)
            .await
            .expect("read")
    }
}

async fn conversations_are_sealed_at_rest_exported_and_purged_after_ninety_days(db: Db) {
    let (app, _fake) = spawn_assistant(db, false, 1_000_000).await;
    let org = books(&app).await;
    let question = format!("{CANARY}: what is our runway?");
    let (s, body) = ask_json(&app, "mia@x.test", org, &question, None).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let id = body["conversation_id"].as_str().expect("id").to_owned();
    // At rest: neither the title nor a message holds the words.
    let titles = raw(&app, "SELECT title_enc FROM conversations").await;
    let messages = raw(&app, "SELECT content_enc FROM conversation_messages").await;
    assert_eq!((titles.len(), messages.len()), (1, 2));
    for value in titles.iter().chain(&messages) {
        assert!(
            !value.windows(CANARY.len()).any(|w| w == CANARY.as_bytes()),
            "plain text at rest"
        );
        assert!(
            !value.windows(6).any(|w| w == b"runway"),
            "plain text at rest"
        );
    }
    // The organisation's export holds the calls that answered it, never the words: the
    // conversation is the asker's, in their own export.
    let ann = app.signed_in("ann@x.test").await;
    let r = ann
        .request(reqwest::Method::GET, &format!("/api/v1/orgs/{org}/export"))
        .send()
        .await
        .expect("export");
    assert_eq!(r.status(), StatusCode::OK);
    let text = r.text().await.expect("body");
    assert!(
        !text.contains(CANARY),
        "a member's question in the org export"
    );
    assert!(!text.contains(body["answer"].as_str().expect("answer")));
    let doc: Value = serde_json::from_str(&text).expect("JSON");
    assert!(doc.get("assistant_conversations").is_none(), "{doc}");
    let calls = doc["ai_calls"].as_array().expect("calls");
    assert_eq!(calls.len(), 2);
    assert!(
        calls
            .iter()
            .all(|c| c["purpose"] == "assistant" && c["outcome"] == "ok")
    );
    assert!(doc.get("insight_narratives").is_some(), "{doc}");
    // The retention job keeps it 89 days, and deletes it past 90.
    app.advance(TimeDelta::days(89));
    purge_all_orgs(&app.state.store, app.clock.now())
        .await
        .expect("purge");
    let mia = app
        .state
        .store
        .user_by_email("mia@x.test")
        .await
        .expect("a value")
        .expect("a value")
        .id;
    assert_eq!(
        app.state
            .store
            .conversations_of_user(org, mia)
            .await
            .expect("a value")
            .len(),
        1
    );
    app.advance(TimeDelta::days(2));
    let summary = purge_all_orgs(&app.state.store, app.clock.now())
        .await
        .expect("purge");
    assert!(summary.conversations_purged >= 1, "{summary:?}");
    assert!(
        app.state
            .store
            .conversations_of_user(org, mia)
            .await
            .expect("a value")
            .is_empty()
    );
    assert!(
        raw(&app, "SELECT content_enc FROM conversation_messages")
            .await
            .is_empty()
    );
    let browser = app.signed_in("mia@x.test").await;
    let (s, _) = page(&browser, &format!("/app/{org}/assistant?c={id}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

on_both_backends!(
    without_script_the_form_answers_whole_and_the_page_keeps_the_history,
    conversations_are_sealed_at_rest_exported_and_purged_after_ninety_days,
);
