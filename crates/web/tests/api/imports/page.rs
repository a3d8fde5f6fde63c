//! The import page uploads with its form token and shows the outcome.

use super::*;

async fn the_import_page_uploads_with_its_form_token_and_shows_the_outcome(db: Db) {
    let app = spawn_app(db).await;
    let admin = app.user("ada@x.test").await;
    let org = app.org("roastery", admin).await;
    app.member(org, "mo@x.test", Role::Member).await;
    app.member(org, "vi@x.test", Role::Viewer).await;
    let page = format!("/app/{org}/integrations");
    let action = format!("/app/{org}/integrations/import");
    let mut member = app.signed_in("mo@x.test").await;
    let csrf = member.csrf.clone().expect("csrf");
    // A browser form: no CSRF header, the token as the first field.
    member.csrf = None;

    let html = member
        .http
        .get(format!("{}{page}", app.base))
        .send()
        .await
        .expect("page");
    assert_eq!(html.status(), StatusCode::OK);
    let html = html.text().await.expect("html");
    assert!(html.contains("enctype=\"multipart/form-data\""));
    assert!(html.contains("No accounts yet"));
    assert!(html.contains("Not configured on this instance"));
    assert!(
        !html.contains("QUICKBOOKS_CLIENT_ID"),
        "members are not shown the operator's settings"
    );

    let (s, body) = upload(
        &member,
        &action,
        &[
            ("csrf_token", None, csrf.as_bytes()),
            ("file", Some("bank.csv"), GOOD.as_bytes()),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::OK, "the upload lands back on the page");
    let text = body.as_str().expect("html");
    assert!(
        text.contains("Imported bank.csv: 4 rows added, 0 already present"),
        "{text}"
    );
    assert!(text.contains("<td>Operating</td>"), "the account is listed");
    assert!(text.contains(">4</td>"), "with its transaction count");
    assert_eq!(count(&app, org).await, 4);

    // A bad file re-renders the form with the line, and the choices made.
    let (s, body) = upload(
        &member,
        &action,
        &[
            ("csrf_token", None, csrf.as_bytes()),
            ("account", None, b"Savings"),
            ("file", Some("feb.csv"), BAD_DATE.as_bytes()),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let text = body.as_str().expect("html");
    assert!(
        text.contains("feb.csv was not imported: Line 4: bad date"),
        "{text}"
    );
    assert!(
        text.contains("value=\"Savings\""),
        "the account name is kept"
    );
    assert_eq!(count(&app, org).await, 4);

    // No token, or a token that is not the first field: refused before anything is read.
    for fields in [
        vec![("file", Some("bank.csv"), BAD_DATE.as_bytes())],
        vec![
            ("file", Some("bank.csv"), BAD_DATE.as_bytes()),
            ("csrf_token", None, csrf.as_bytes()),
        ],
        vec![
            ("csrf_token", None, b"not-the-token".as_slice()),
            ("file", Some("b.csv"), BAD_DATE.as_bytes()),
        ],
    ] {
        let (s, body) = upload(&member, &action, &fields).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        assert!(body.as_str().expect("html").contains("Not allowed"));
    }
    // Viewers get the 403 page for the page and its form.
    let mut viewer = app.signed_in("vi@x.test").await;
    let viewer_csrf = viewer.csrf.clone().expect("csrf");
    let (s, _) = viewer.get(&page).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    viewer.csrf = None;
    let (s, _) = upload(
        &viewer,
        &action,
        &[
            ("csrf_token", None, viewer_csrf.as_bytes()),
            ("file", Some("bank.csv"), GOOD.as_bytes()),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(count(&app, org).await, 4);

    // Admins see what an operator sets to enable the providers.
    let admin_page = app
        .signed_in("ada@x.test")
        .await
        .http
        .get(format!("{}{page}", app.base))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    for name in [
        "QUICKBOOKS_CLIENT_ID",
        "XERO_CLIENT_ID",
        "XERO_CLIENT_SECRET",
        "Recent imports",
        "bank.csv",
    ] {
        assert!(admin_page.contains(name), "{name}");
    }
    assert!(!admin_page.contains("not available in this version"));
}

crate::on_both_backends!(the_import_page_uploads_with_its_form_token_and_shows_the_outcome,);
