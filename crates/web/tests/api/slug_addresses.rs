//! The pages name an organisation by its slug (`/app/northwind/…`), as every CLI command does:
//! the links they render use it; an id still works, and a page asked for by id is redirected
//! (308) to its slug address; another tenant's slug or id is not found exactly like a missing
//! one; the JSON API keeps its ids.

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

    // The JSON API keeps its ids: there a slug names nothing.
    let mut api = app.signed_in("ada@x.test").await;
    let (status, _) = api.get(&format!("/api/v1/orgs/{northwind}/settings")).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = api.get("/api/v1/orgs/northwind/settings").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

crate::on_both_backends!(pages_go_by_slug_and_an_id_is_redirected_to_it,);
