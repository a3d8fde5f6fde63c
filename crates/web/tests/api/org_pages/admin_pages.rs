//! Admin pages answer each role, refuse forms without the token, and the audit log names who did what.

use super::*;

async fn admin_pages_answer_each_role_and_refuse_forms_without_the_token(db: Db) {
    let t = team(db).await;
    let (app, org) = (&t.app, t.org);
    let admin = app.signed_in("ada@x.test").await;
    let member = app.signed_in("mo@x.test").await;
    let viewer = app.signed_in("vi@x.test").await;
    let outsider = app.signed_in("oz@y.test").await;
    for (section, needle) in [
        ("members", "mo@x.test"),
        ("settings", "Danger zone"),
        ("audit", "auth.sign_in"),
    ] {
        let path = format!("/app/{org}/{section}");
        let (s, html) = page(&admin, &path).await;
        assert_eq!(s, StatusCode::OK, "{path}");
        assert!(html.contains(needle), "{path} shows {needle}");
        assert!(
            !html.contains("style=") && !html.contains("<script"),
            "{path}"
        );
        for (who, b) in [("member", &member), ("viewer", &viewer)] {
            let (s, html) = page(b, &path).await;
            assert_eq!(s, StatusCode::FORBIDDEN, "{who} {path}");
            assert!(html.contains("Not allowed"));
            assert!(!html.contains("Danger zone") && !html.contains("mo@x.test"));
        }
        let (s, html) = page(&outsider, &path).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "another organisation's admin");
        assert!(html.contains("Page not found"));
        let (s, _) = page(&admin, &format!("/app/{}/{section}", t.other)).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
    }
    let (s, _) = page(&member, &format!("/app/{org}/integrations")).await;
    assert_eq!(s, StatusCode::OK, "members import");
    let (s, _) = page(&viewer, &format!("/app/{org}/integrations")).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "viewers do not");
    // Viewers and members are offered no admin links.
    let (_, dash) = page(&member, &format!("/app/{org}")).await;
    assert!(dash.contains("Import &amp; connections") && !dash.contains(">Members<"));
    let (_, dash) = page(&viewer, &format!("/app/{org}")).await;
    assert!(!dash.contains("Import &amp; connections") && !dash.contains(">Settings<"));

    // Every form of these pages is refused without the session's token, and changes nothing.
    let before = app.state.store.org(org).await.expect("org");
    let bare = without_csrf(&admin);
    let invitation = {
        let mut a = app.signed_in("ada@x.test").await;
        let (_, inv) = a
            .post(
                &format!("/api/v1/orgs/{org}/invitations"),
                json!({"email": "new@x.test", "role": "viewer"}),
            )
            .await;
        inv["id"].as_str().expect("id").to_owned()
    };
    for (path, fields) in [
        (
            format!("/app/{org}/members/invite"),
            vec![("email", "z@x.test"), ("role", "admin")],
        ),
        (
            format!("/app/{org}/members/{}/role", t.member),
            vec![("role", "viewer")],
        ),
        (format!("/app/{org}/members/{}/remove", t.member), vec![]),
        (format!("/app/{org}/members/transfer"), vec![("user", "x")]),
        (
            format!("/app/{org}/invitations/{invitation}/revoke"),
            vec![],
        ),
        (
            format!("/app/{org}/settings"),
            vec![("name", "Hijacked"), ("retention_days", "5")],
        ),
        (format!("/app/{org}/settings/export"), vec![]),
        (
            format!("/app/{org}/settings/delete"),
            vec![("confirm_name", "alpha")],
        ),
    ] {
        for fields in [
            fields.clone(),
            [fields.clone(), vec![("csrf_token", "AAAA")]].concat(),
        ] {
            let (s, html) = form(&bare, &path, &fields).await;
            assert_eq!(s, StatusCode::FORBIDDEN, "{path}");
            assert!(html.contains("Not allowed"), "{path}");
        }
    }
    assert_eq!(app.state.store.org(org).await.expect("org"), before);
    assert_eq!(role_of(app, org, t.member).await, Some(Role::Member));
    let open = app
        .state
        .store
        .open_invitations(org)
        .await
        .expect("invitations");
    assert_eq!(open.len(), 1, "only the API's invitation, still open");
}

async fn the_audit_log_pages_filters_and_names_who_did_what(db: Db) {
    let t = team(db).await;
    let (app, org) = (&t.app, t.org);
    let mut a = app.signed_in("ada@x.test").await;
    for i in 0..55 {
        let (s, _) = a
            .post(
                &format!("/api/v1/orgs/{org}/invitations"),
                json!({"email": format!("p{i}@x.test"), "role": "viewer"}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED);
    }
    let path = format!("/app/{org}/audit");
    let (s, html) = page(&a, &path).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        html.matches("<tr><td class=\"date\">").count(),
        50,
        "a page of 50"
    );
    assert!(html.contains("ada@x.test") && html.contains("127.0.0.1"));
    assert!(html.contains("role: viewer"), "details as text");
    assert!(!html.contains("argon2"), "no password hashes");
    let next = html
        .split("id=\"older-events\" href=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("a link to older events")
        .replace("&amp;", "&")
        .replace("&#38;", "&");
    let (s, older) = page(&a, &next).await;
    assert_eq!(s, StatusCode::OK);
    // 55 invitations, a sign-in: the second page holds the rest.
    assert_eq!(older.matches("<tr><td class=\"date\">").count(), 6);
    assert!(older.contains("auth.sign_in") && older.contains("Newest events"));

    let (s, filtered) = page(&a, &format!("{path}?action=auth.sign_in")).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(filtered.matches("<tr><td class=\"date\">").count(), 1);
    assert!(!filtered.contains("invitation.created</code>"));
    // An action the log does not hold is no filter; a broken cursor starts from the newest.
    let (s, _) = page(&a, &format!("{path}?action=%3Cscript%3E&cursor=zz")).await;
    assert_eq!(s, StatusCode::OK);

    // The JSON API pages the same way.
    let api = format!("/api/v1/orgs/{org}/audit");
    let (s, first) = a
        .get(&format!("{api}?limit=20&action=invitation.created"))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(first["items"].as_array().expect("items").len(), 20);
    assert_eq!(first["items"][0]["actor_email"], "ada@x.test");
    let cursor = first["next_cursor"].as_str().expect("cursor");
    let (_, second) = a
        .get(&format!(
            "{api}?limit=50&action=invitation.created&cursor={cursor}"
        ))
        .await;
    assert_eq!(second["items"].as_array().expect("items").len(), 35);
    assert!(second["next_cursor"].is_null());
    let (s, body) = a.get(&format!("{api}?cursor=abc")).await;
    assert_eq!(
        (s, code_of(&body)),
        (StatusCode::BAD_REQUEST, "bad_request")
    );
}

crate::on_both_backends!(
    admin_pages_answer_each_role_and_refuse_forms_without_the_token,
    the_audit_log_pages_filters_and_names_who_did_what,
);
