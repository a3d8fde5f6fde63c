//! Pages without a browser: assets, the trust center, security.txt, the sign-in and sign-out
//! forms with their CSRF protection, HTML error pages, and the dashboard's markup.

use crate::support::{Db, PASSWORD, spawn_app};
use flowsense_core::Role;
use flowsense_storage::NewTransaction;
use reqwest::StatusCode;
use reqwest::header::{CACHE_CONTROL, CONTENT_TYPE, ETAG, IF_NONE_MATCH, LOCATION};

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

async fn assets_security_txt_and_the_trust_center_come_from_our_origin(db: Db) {
    let app = spawn_app(db).await;
    let http = no_redirects();
    let css = http
        .get(format!("{}/assets/app.css", app.base))
        .send()
        .await
        .expect("css");
    assert_eq!(css.status(), StatusCode::OK);
    assert_eq!(css.headers()[CONTENT_TYPE], "text/css; charset=utf-8");
    assert!(
        css.headers()[CACHE_CONTROL]
            .to_str()
            .expect("ascii")
            .contains("immutable")
    );
    let etag = css.headers()[ETAG].clone();
    let again = http
        .get(format!("{}/assets/app.css", app.base))
        .header(IF_NONE_MATCH, etag)
        .send()
        .await
        .expect("css");
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);

    // Without FLOWSENSE_SECURITY_CONTACT no contact is invented (trust.rs serves one).
    let txt = http
        .get(format!("{}/.well-known/security.txt", app.base))
        .send()
        .await
        .expect("txt");
    assert_eq!(txt.status(), StatusCode::NOT_FOUND);

    let page = http
        .get(format!("{}/security", app.base))
        .send()
        .await
        .expect("page");
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.expect("body");
    for fact in [
        "Off: this instance serves plain HTTP",
        "TLS 1.3 only",
        "Signed out after 30 minutes without activity",
        "12 hours, however active",
        "None configured",
        "90 days by default",
        "AES-256-GCM",
        "Nothing leaves: no AI provider is configured",
    ] {
        assert!(html.contains(fact), "missing {fact}");
    }
    assert!(!html.contains("style="), "no inline style");
    assert!(!html.contains("<script"), "no script");
}

async fn the_login_form_signs_in_and_the_logout_form_needs_the_csrf_token(db: Db) {
    let app = spawn_app(db).await;
    let admin = app.user("ann@x.test").await;
    let org = app.org("pages", admin).await;
    let http = no_redirects();
    let base = &app.base;

    // Anonymous: the app sends you to sign in.
    let r = http
        .get(format!("{base}/app/{org}"))
        .send()
        .await
        .expect("app");
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()[LOCATION], "/login");

    // A form post from another site is refused before it is read.
    let r = http
        .post(format!("{base}/login"))
        .header("origin", "https://evil.example")
        .form(&[("email", "ann@x.test"), ("password", PASSWORD)])
        .send()
        .await
        .expect("login");
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(r.text().await.expect("body").contains("Not allowed"));

    // A wrong password re-renders the form, the same for unknown addresses.
    for email in ["ann@x.test", "nobody@x.test"] {
        let r = http
            .post(format!("{base}/login"))
            .header("origin", base.as_str())
            .form(&[("email", email), ("password", "wrong-password-here")])
            .send()
            .await
            .expect("login");
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        assert!(r.text().await.expect("body").contains("is not correct"));
    }

    let r = http
        .post(format!("{base}/login"))
        .header("origin", base.as_str())
        .form(&[("email", "ann@x.test"), ("password", PASSWORD)])
        .send()
        .await
        .expect("login");
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()[LOCATION], "/app");
    let cookie = r.headers()["set-cookie"]
        .to_str()
        .expect("cookie")
        .to_owned();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"));

    // The app opens the organisation by its slug; its id leads there too.
    let r = http.get(format!("{base}/app")).send().await.expect("app");
    assert_eq!(r.headers()[LOCATION], "/app/pages");
    let r = http
        .get(format!("{base}/app/{org}"))
        .send()
        .await
        .expect("by id");
    assert_eq!(r.status(), StatusCode::PERMANENT_REDIRECT);
    assert_eq!(r.headers()[LOCATION], "/app/pages");
    let html = http
        .get(format!("{base}/app/pages"))
        .send()
        .await
        .expect("dashboard")
        .text()
        .await
        .expect("body");
    let csrf = html
        .split("name=\"csrf_token\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the sign-out form carries the CSRF token")
        .to_owned();

    // Without the token (or with a wrong one) the sign-out form is refused.
    for form in [vec![], vec![("csrf_token", "AAAA")]] {
        let r = http
            .post(format!("{base}/logout"))
            .form(&form)
            .send()
            .await
            .expect("logout");
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
    }
    let r = http
        .post(format!("{base}/logout"))
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .expect("logout");
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()[LOCATION], "/");
    let r = http
        .get(format!("{base}/app/{org}"))
        .send()
        .await
        .expect("app");
    assert_eq!(r.headers()[LOCATION], "/login");
}

async fn the_dashboard_and_transactions_render_the_books_and_errors_are_pages(db: Db) {
    let app = spawn_app(db).await;
    let admin = app.user("ann@x.test").await;
    let org = app.org("dash", admin).await;
    let other_admin = app.user("bob@y.test").await;
    let other = app.org("other", other_admin).await;
    app.member(org, "vic@x.test", Role::Viewer).await;
    let today = chrono::Utc::now().date_naive();
    let rows: Vec<NewTransaction> = (0..400i64)
        .map(|n| NewTransaction {
            account: "Operating".into(),
            posted_on: today - chrono::TimeDelta::days(n),
            amount_minor: if n % 7 == 0 {
                900_000
            } else {
                -120_000 - n * 10
            },
            currency: "USD".into(),
            original_amount_minor: 0,
            original_currency: "USD".into(),
            counterparty: if n % 7 == 0 {
                "Café <Customer>"
            } else {
                "Supplier"
            }
            .into(),
            description: format!("line {n}"),
            category: if n % 7 == 0 { "Sales" } else { "Supplies" }.into(),
            is_transfer: false,
            external_id: format!("t{n}"),
        })
        .collect();
    app.import_rows(org, &rows).await;

    let mut viewer = app.signed_in("vic@x.test").await;
    let http = viewer.http.clone();
    let base = &app.base;
    let _ = viewer.get("/api/v1/me").await;
    let dash = http
        .get(format!("{base}/app/{org}"))
        .send()
        .await
        .expect("dash");
    assert_eq!(dash.status(), StatusCode::OK);
    assert_eq!(dash.headers()[CACHE_CONTROL], "no-store");
    let html = dash.text().await.expect("body");
    for needle in [
        "id=\"runway-status\"",
        "<svg class=\"chart\" id=\"cash-chart\"",
        "<title id=\"cash-chart-title\">",
        "class=\"band\"",
        "class=\"median\"",
        "Recurring costs",
    ] {
        assert!(html.contains(needle), "missing {needle}");
    }
    assert!(!html.contains("style="));
    assert!(!html.contains("<script"));

    // Filters and paging; names are escaped.
    let page = http
        .get(format!(
            "{base}/app/{org}/transactions?counterparty=Caf%C3%A9+%3CCustomer%3E"
        ))
        .send()
        .await
        .expect("list")
        .text()
        .await
        .expect("body");
    assert!(page.contains("Café &#60;Customer&#62;") || page.contains("Café &lt;Customer&gt;"));
    assert!(!page.contains("Supplier</td>"));
    let page = http
        .get(format!("{base}/app/{org}/transactions"))
        .send()
        .await
        .expect("list")
        .text()
        .await
        .expect("body");
    assert_eq!(page.matches("<td class=\"date\">").count(), 50);
    let next = page
        .split("id=\"next-page\" href=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("next page link")
        .replace("&amp;", "&")
        .replace("&#38;", "&");
    let second = http
        .get(format!("{base}{next}"))
        .send()
        .await
        .expect("page 2");
    assert_eq!(second.status(), StatusCode::OK);
    let second = second.text().await.expect("body");
    assert!(
        second.contains("line 50<"),
        "the second page starts where the first ended"
    );
    let bad = http
        .get(format!("{base}/app/{org}/transactions?from=yesterday"))
        .send()
        .await
        .expect("bad date")
        .text()
        .await
        .expect("body");
    assert!(bad.contains("is not a date"));

    // Another organisation, a missing page: HTML 404 that names nothing; the API keeps JSON.
    for path in [format!("/app/{other}"), "/no-such-page".to_owned()] {
        let r = http.get(format!("{base}{path}")).send().await.expect("404");
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        assert!(
            r.headers()[CONTENT_TYPE]
                .to_str()
                .expect("ct")
                .starts_with("text/html")
        );
        assert!(
            r.headers()["content-security-policy"]
                .to_str()
                .expect("csp")
                .contains("script-src 'self'")
        );
        let body = r.text().await.expect("body");
        assert!(body.contains("Page not found"));
        assert!(!body.contains(&other.to_string()));
    }
    let r = http
        .get(format!("{base}/api/v1/orgs/{other}/settings"))
        .send()
        .await
        .expect("api");
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert!(r.text().await.expect("body").contains("\"not_found\""));
}

async fn the_assistant_page_says_how_to_turn_ai_on_and_refuses_viewers(db: Db) {
    let app = spawn_app(db).await;
    let admin = app.user("ann@x.test").await;
    let org = app.org("ask", admin).await;
    let other_admin = app.user("bob@y.test").await;
    let other = app.org("other", other_admin).await;
    app.member(org, "mia@x.test", Role::Member).await;
    app.member(org, "vic@x.test", Role::Viewer).await;
    let base = &app.base;

    let member = app.signed_in("mia@x.test").await;
    let r = member
        .http
        .get(format!("{base}/app/{org}/assistant"))
        .send()
        .await
        .expect("page");
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.expect("body");
    assert!(html.contains("No AI provider is configured"), "{html}");
    assert!(html.contains("FLOWSENSE_AI_PROVIDER=anthropic"));
    assert!(html.contains("href=\"/app/"), "the sub-navigation is there");
    assert!(!html.contains("style="));

    let viewer = app.signed_in("vic@x.test").await;
    let r = viewer
        .http
        .get(format!("{base}/app/{org}/assistant"))
        .send()
        .await
        .expect("page");
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let dash = viewer
        .http
        .get(format!("{base}/app/{org}"))
        .send()
        .await
        .expect("dash")
        .text()
        .await
        .expect("body");
    assert!(
        !dash.contains("/assistant\""),
        "a viewer is not offered the assistant"
    );

    let r = member
        .http
        .get(format!("{base}/app/{other}/assistant"))
        .send()
        .await
        .expect("page");
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

crate::on_both_backends!(
    assets_security_txt_and_the_trust_center_come_from_our_origin,
    the_login_form_signs_in_and_the_logout_form_needs_the_csrf_token,
    the_dashboard_and_transactions_render_the_books_and_errors_are_pages,
    the_assistant_page_says_how_to_turn_ai_on_and_refuses_viewers,
);
