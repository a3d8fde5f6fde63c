//! The pages name an organisation by its slug (`/app/northwind/…`), as every CLI command does:
//! the links they render use it; an id still works, and a page asked for by id is redirected
//! (308) to its slug address; another tenant's slug or id is not found exactly like a missing
//! one; the JSON API takes either.

use crate::forms::{Person, assert_clean};
use crate::support::{Db, PASSWORD, spawn_app};
use flowsense_core::OrgId;
use reqwest::StatusCode;

/// The page without its request id (quoted on error pages, different each time).
fn without_request_id(html: &str) -> String {
    match html.split_once("<code id=\"request-id\">") {
        Some((before, after)) => {
            let rest = after.split_once("</code>").map_or("", |(_, r)| r);
            format!("{before}{rest}")
        }
        None => html.to_owned(),
    }
}

async fn pages_go_by_slug_and_an_id_is_redirected_to_it(db: Db) {
    let app = spawn_app(db).await;
    let ada = app.user("ada@x.test").await;
    let northwind = app.org("northwind", ada).await;
    let bob = app.user("bob@x.test").await;
    let harbor = app.org("harbor-dental", bob).await;

    // Signed out: to the sign-in page, whatever the organisation.
    let anonymous = Person::new(&app);
    for path in ["/app/northwind", "/app/harbor-dental/cashflow"] {
        let a = anonymous.get(path).await;
        assert!(a.status.is_redirection(), "{path}: {}", a.status);
        assert_eq!(a.location(), "/login", "{path}");
    }

    let p = Person::new(&app);
    p.sign_in("ada@x.test", PASSWORD).await;
    assert_eq!(p.get("/app").await.location(), "/app/northwind");

    // By slug, with every link by slug.
    for path in [
        "/app/northwind",
        "/app/northwind/cashflow",
        "/app/northwind/forecast",
        "/app/northwind/settings",
    ] {
        let page = p.get(path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}: {}", page.body);
        assert!(
            page.body.contains("href=\"/app/northwind/transactions\""),
            "{path}"
        );
        assert!(
            !page.body.contains(&format!("/app/{northwind}")),
            "{path}: a link by id"
        );
        assert_clean(&page.body);
    }

    // By id: a permanent redirect to the same page by slug, its query kept.
    let by_id = p
        .get(&format!("/app/{northwind}/transactions?q=rent"))
        .await;
    assert_eq!(by_id.status, StatusCode::PERMANENT_REDIRECT);
    assert_eq!(by_id.location(), "/app/northwind/transactions?q=rent");
    let by_id = p.get(&format!("/app/{northwind}")).await;
    assert_eq!(by_id.status, StatusCode::PERMANENT_REDIRECT);
    assert_eq!(by_id.location(), "/app/northwind");
    // A form sent to an address by id is answered, not redirected.
    let csrf = p.csrf().await;
    let posted = p
        .post(
            &format!("/app/{northwind}/members/invite"),
            &[("csrf_token", csrf.as_str()), ("email", "not an address")],
        )
        .await;
    assert!(
        posted.status != StatusCode::PERMANENT_REDIRECT && posted.status != StatusCode::NOT_FOUND,
        "{}",
        posted.status
    );

    // Another tenant's slug or id is the same page as one that does not exist.
    let missing = p.get("/app/nowhere-at-all").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    let missing_page = without_request_id(&missing.body);
    for path in [
        "/app/harbor-dental".to_owned(),
        format!("/app/{harbor}"),
        format!("/app/{}", OrgId::new()),
        "/app/harbor-dental/cashflow".to_owned(),
        format!("/app/{harbor}/cashflow"),
    ] {
        let page = p.get(&path).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(page.location(), "", "{path}");
        if !path.ends_with("/cashflow") {
            assert_eq!(without_request_id(&page.body), missing_page, "{path}");
        }
        assert!(!page.body.contains("harbor"), "{path}");
    }
}

/// The JSON API takes the id or the slug in `{org}`, answering the same either way and never
/// redirecting; another tenant's organisation, by slug or by id, is answered exactly like one
/// that does not exist.
async fn the_api_takes_an_id_or_a_slug(db: Db) {
    let app = spawn_app(db).await;
    let ada = app.user("ada@x.test").await;
    let northwind = app.org("northwind", ada).await;
    // An organisation whose slug is the name of a page of its own under `/app/`.
    let new = app.org("new", ada).await;
    let bob = app.user("bob@x.test").await;
    let harbor = app.org("harbor-dental", bob).await;

    let mut api = app.signed_in("ada@x.test").await;
    for (id, slug) in [(northwind, "northwind"), (new, "new")] {
        for tail in ["settings", "members", "transactions?limit=5", "rules"] {
            let (by_id, body_by_id) = api.get(&format!("/api/v1/orgs/{id}/{tail}")).await;
            let (by_slug, body_by_slug) = api.get(&format!("/api/v1/orgs/{slug}/{tail}")).await;
            assert_eq!(by_id, StatusCode::OK, "{id}/{tail}: {body_by_id}");
            assert_eq!(by_slug, StatusCode::OK, "{slug}/{tail}: {body_by_slug}");
            assert_eq!(body_by_id, body_by_slug, "{slug}/{tail}");
        }
    }
    // A change by slug lands on the organisation the slug names, and only there.
    let (status, body) = api
        .send(
            reqwest::Method::PATCH,
            "/api/v1/orgs/northwind/settings",
            Some(serde_json::json!({"name": "Northwind Coffee"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["id"], northwind.to_string());
    let (_, settings) = api.get(&format!("/api/v1/orgs/{new}/settings")).await;
    assert_eq!(settings["name"], "new");

    // Missing, malformed, or another tenant's, by slug or by id: one answer.
    let (status, missing) = api.get("/api/v1/orgs/nowhere-at-all/settings").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    for segment in [
        "harbor-dental".to_owned(),
        harbor.to_string(),
        OrgId::new().to_string(),
        "Northwind".to_owned(),
        "north%20wind".to_owned(),
    ] {
        for method in [reqwest::Method::GET, reqwest::Method::PATCH] {
            let body = (method == reqwest::Method::PATCH).then(|| serde_json::json!({"name": "x"}));
            let (status, answer) = api
                .send(
                    method.clone(),
                    &format!("/api/v1/orgs/{segment}/settings"),
                    body,
                )
                .await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{method} {segment}");
            assert_eq!(answer, missing, "{method} {segment}");
        }
    }
    let (_, theirs) = app
        .signed_in("bob@x.test")
        .await
        .get("/api/v1/orgs/harbor-dental/settings")
        .await;
    assert_eq!(
        theirs["name"], "harbor-dental",
        "unchanged, and theirs by slug"
    );
}

crate::on_both_backends!(
    pages_go_by_slug_and_an_id_is_redirected_to_it,
    the_api_takes_an_id_or_a_slug,
);
