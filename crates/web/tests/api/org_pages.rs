//! Running an organisation: the members, settings and audit pages, the organisation's export
//! and its deletion — roles, tenants, CSRF, step-up, validation, and what is left afterwards.

use crate::support::{Browser, Db, PASSWORD, TestApp, code_of, spawn_app};
use chrono::TimeDelta;
use flowsense_core::{OrgId, Role, UserId};
use flowsense_service::identity::crypto::{b64url, sha256};
use flowsense_storage::NewTransaction;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

fn rows(prefix: &str, n: usize) -> Vec<NewTransaction> {
    let start = chrono::NaiveDate::from_ymd_opt(2025, 1, 1).expect("date");
    (0..n)
        .map(|i| NewTransaction {
            account: if i % 3 == 0 { "Savings" } else { "Operating" }.into(),
            posted_on: start + TimeDelta::days(i64::try_from(i % 400).expect("day")),
            amount_minor: if i % 5 == 0 { 250_000 } else { -4_321 },
            currency: "USD".into(),
            original_amount_minor: 0,
            original_currency: "USD".into(),
            counterparty: format!("Counterparty {}", i % 17),
            description: format!("{prefix} row {i}"),
            category: "Supplies".into(),
            is_transfer: false,
            external_id: format!("{prefix}-{i}"),
        })
        .collect()
}

/// GET a page as the browser's cookies allow: status and HTML.
async fn page(b: &Browser, path: &str) -> (StatusCode, String) {
    let r = b
        .http
        .get(format!("{}{path}", b.base))
        .send()
        .await
        .expect("page");
    (r.status(), r.text().await.expect("html"))
}

/// POSTs a form as a browser does: the CSRF token in the `csrf_token` field, no header.
/// Redirects are followed.
async fn form(b: &Browser, path: &str, fields: &[(&str, &str)]) -> (StatusCode, String) {
    let mut all: Vec<(&str, &str)> = Vec::new();
    if let Some(c) = &b.csrf {
        all.push(("csrf_token", c.as_str()));
    }
    all.extend_from_slice(fields);
    let r = b
        .http
        .post(format!("{}{path}", b.base))
        .form(&all)
        .send()
        .await
        .expect("form");
    (r.status(), r.text().await.expect("html"))
}

/// The same browser's cookie jar without its CSRF token.
fn without_csrf(b: &Browser) -> Browser {
    Browser {
        http: b.http.clone(),
        base: b.base.clone(),
        csrf: None,
        bearer: None,
    }
}

async fn role_of(app: &TestApp, org: OrgId, user: UserId) -> Option<Role> {
    app.state.store.role_in(org, user).await.expect("role")
}

struct Team {
    app: TestApp,
    org: OrgId,
    other: OrgId,
    admin: UserId,
    member: UserId,
}

async fn team(db: Db) -> Team {
    let app = spawn_app(db).await;
    let admin = app.user("ada@x.test").await;
    let org = app.org("alpha", admin).await;
    let member = app.member(org, "mo@x.test", Role::Member).await;
    app.member(org, "vi@x.test", Role::Viewer).await;
    let other_admin = app.user("oz@y.test").await;
    let other = app.org("bravo", other_admin).await;
    Team {
        app,
        org,
        other,
        admin,
        member,
    }
}

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

async fn members_are_invited_changed_removed_and_an_admin_always_remains(db: Db) {
    let t = team(db).await;
    let (app, org) = (&t.app, t.org);
    let admin = app.signed_in("ada@x.test").await;
    let members = format!("/app/{org}/members");

    let (s, html) = page(&admin, &members).await;
    assert_eq!(s, StatusCode::OK);
    for needle in [
        "ada@x.test",
        "mo@x.test",
        "vi@x.test",
        "Two-factor",
        "No invitations are waiting",
    ] {
        assert!(html.contains(needle), "{needle}");
    }
    assert!(
        !html.contains("oz@y.test"),
        "nobody from another organisation"
    );

    // Invite: a bad address re-renders the form with what was typed; a good one is mailed.
    let (s, html) = form(
        &admin,
        &format!("{members}/invite"),
        &[("email", "not-an-address"), ("role", "member")],
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Enter a valid e-mail address."), "{html}");
    assert!(html.contains("value=\"not-an-address\""));
    let (s, html) = form(
        &admin,
        &format!("{members}/invite"),
        &[("email", "new@x.test"), ("role", "owner")],
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Choose a role"));
    let (s, html) = form(
        &admin,
        &format!("{members}/invite"),
        &[("email", "new@x.test"), ("role", "member")],
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("Invitation sent."));
    assert!(html.contains("<td>new@x.test</td>"));
    assert!(app.last_email_to("new@x.test").await.contains("as member"));

    // Revoke it: gone from the page, and its link no longer works.
    let inv = app.state.store.open_invitations(org).await.expect("inv");
    let token = app.token_mailed_to("new@x.test").await;
    let (s, html) = form(
        &admin,
        &format!("/app/{org}/invitations/{}/revoke", inv[0].id),
        &[],
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("Invitation revoked") && html.contains("No invitations are waiting"));
    app.user("new@x.test").await;
    let mut invitee = app.signed_in("new@x.test").await;
    let (s, _) = invitee
        .post("/api/v1/invitations/accept", json!({"token": token}))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // Another organisation's invitation is not found from this one.
    let (s, _) = form(
        &admin,
        &format!("/app/{}/invitations/{}/revoke", t.other, inv[0].id),
        &[],
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // Change a role.
    let (s, html) = form(
        &admin,
        &format!("{members}/{}/role", t.member),
        &[("role", "viewer")],
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("Role changed."));
    assert_eq!(role_of(app, org, t.member).await, Some(Role::Viewer));

    // The only admin cannot step down or leave: a clear message, nothing changed.
    for (path, fields) in [
        (
            format!("{members}/{}/role", t.admin),
            vec![("role", "member")],
        ),
        (format!("{members}/{}/remove", t.admin), vec![]),
    ] {
        let (s, html) = form(&admin, &path, &fields).await;
        assert_eq!(s, StatusCode::CONFLICT, "{path}");
        assert!(html.contains("must keep at least one admin"), "{html}");
    }
    assert_eq!(role_of(app, org, t.admin).await, Some(Role::Admin));

    // Ten minutes on, the same change asks for the password first, then proceeds.
    app.advance(TimeDelta::minutes(11));
    let path = format!("{members}/{}/role", t.member);
    let (s, html) = form(&admin, &path, &[("role", "member")]).await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("Confirm it’s you") && html.contains("name=\"step_up_password\""));
    assert!(
        html.contains("name=\"role\" value=\"member\""),
        "the pending change rides along"
    );
    assert_eq!(role_of(app, org, t.member).await, Some(Role::Viewer));
    let (s, html) = form(
        &admin,
        &path,
        &[("role", "member"), ("step_up_password", "not-my-password")],
    )
    .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert!(html.contains("not correct"));
    assert_eq!(role_of(app, org, t.member).await, Some(Role::Viewer));
    let (s, html) = form(
        &admin,
        &path,
        &[("role", "member"), ("step_up_password", PASSWORD)],
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{html}");
    assert!(html.contains("Role changed."));
    assert_eq!(role_of(app, org, t.member).await, Some(Role::Member));
    // The session was rotated: the page now carries a new token, and the old one is dead.
    let fresh = html
        .split("name=\"csrf_token\" value=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("token")
        .to_owned();
    assert_ne!(Some(fresh.as_str()), admin.csrf.as_deref());
    let admin = Browser {
        csrf: Some(fresh),
        ..without_csrf(&admin)
    };

    // Remove a member; transfer ownership and step down.
    let viewer = app
        .state
        .store
        .user_by_email("vi@x.test")
        .await
        .expect("db")
        .expect("vi");
    let (s, html) = form(&admin, &format!("{members}/{}/remove", viewer.id), &[]).await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("Member removed.") && !html.contains("vi@x.test"));
    assert_eq!(role_of(app, org, viewer.id).await, None);
    let (s, _) = form(
        &admin,
        &format!("{members}/transfer"),
        &[
            ("user", &t.member.to_string()),
            ("demote_self_to", "member"),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::OK, "lands on the dashboard");
    assert_eq!(role_of(app, org, t.member).await, Some(Role::Admin));
    assert_eq!(role_of(app, org, t.admin).await, Some(Role::Member));
    let (s, _) = page(&admin, &members).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "no longer an admin");

    // Each change is in the audit log.
    let mut new_admin = app.signed_in("mo@x.test").await;
    let (_, log) = new_admin
        .get(&format!("/api/v1/orgs/{org}/audit?limit=100"))
        .await;
    let actions: Vec<&str> = log["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    for wanted in [
        "invitation.created",
        "invitation.revoked",
        "member.role_changed",
        "member.removed",
        "org.ownership_transferred",
    ] {
        assert!(actions.contains(&wanted), "{wanted} in {actions:?}");
    }
}

async fn settings_are_checked_before_anything_changes(db: Db) {
    let t = team(db).await;
    let (app, org) = (&t.app, t.org);
    let admin = app.signed_in("ada@x.test").await;
    let path = format!("/app/{org}/settings");
    let (s, html) = page(&admin, &path).await;
    assert_eq!(s, StatusCode::OK);
    for needle in [
        "Europe/London",
        "value=\"90\"",
        "value=\"USD\"",
        "Keep monthly totals",
        "id=\"mfa-hint\"",
    ] {
        assert!(html.contains(needle), "{needle}");
    }

    // Refused values: every message at once, 422, the typed values kept, nothing changed.
    let before = app.state.store.org(org).await.expect("org");
    let (s, html) = form(
        &admin,
        &path,
        &[
            ("name", "   "),
            ("base_currency", "EURO"),
            ("time_zone", "Mars/Olympus_Mons"),
            ("retention_days", "0"),
            ("mfa_required", "on"),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    for message in [
        "Name the organisation in 1 to 100 characters.",
        "Enter a three-letter ISO 4217 code",
        "Choose an IANA time zone",
        "Keep transactions 1 to 3650 days.",
        "Enable two-factor authentication on your own account first.",
    ] {
        assert!(html.contains(message), "{message}");
    }
    assert!(html.contains("value=\"EURO\""), "what was typed is kept");
    let (s, html) = form(
        &admin,
        &path,
        &[
            ("name", "alpha"),
            ("base_currency", "USD"),
            ("time_zone", "UTC"),
            ("retention_days", "ninety"),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Enter a whole number of days."));
    assert_eq!(app.state.store.org(org).await.expect("org"), before);

    // A good change: saved, unticked boxes off, audited by field name.
    let (s, html) = form(
        &admin,
        &path,
        &[
            ("name", "Alpha Trading"),
            ("base_currency", "eur"),
            ("time_zone", "Europe/Paris"),
            ("retention_days", "30"),
            ("keep_monthly_rollups", "on"),
            ("redact_names", "on"),
            ("digests_enabled", "on"),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("Settings saved."));
    let after = app.state.store.org(org).await.expect("org");
    assert_eq!(after.name, "Alpha Trading");
    let s = &after.settings;
    assert_eq!(
        (
            s.base_currency.as_str(),
            s.time_zone.as_str(),
            s.retention_days
        ),
        ("EUR", "Europe/Paris", 30)
    );
    assert!(s.keep_monthly_rollups && s.redact_names && s.digests_enabled);
    assert!(!s.ai_enabled && !s.mfa_required);

    // Once there are transactions the currency is fixed.
    app.import_rows(org, &rows("cur", 3)).await;
    let (_, html) = page(&admin, &path).await;
    assert!(html.contains("readonly") && html.contains("already has transactions"));
    let mut api = app.signed_in("ada@x.test").await;
    let settings = format!("/api/v1/orgs/{org}/settings");
    let (s, body) = api
        .send(
            Method::PATCH,
            &settings,
            Some(json!({"base_currency": "GBP"})),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body["error"]["message"]
            .as_str()
            .expect("m")
            .contains("cannot change once")
    );
    // The JSON API: the same checks, and unknown fields are refused.
    for bad in [
        json!({"retention_days": 4000}),
        json!({"time_zone": "Europe/Atlantis"}),
        json!({"name": ""}),
        json!({"retention_days": 7, "colour": "red"}),
    ] {
        let (s, body) = api.send(Method::PATCH, &settings, Some(bad.clone())).await;
        assert_eq!(
            (s, code_of(&body)),
            (StatusCode::UNPROCESSABLE_ENTITY, "invalid"),
            "{bad}"
        );
    }
    assert_eq!(
        app.state.store.org(org).await.expect("org").settings,
        after.settings
    );
    let (s, body) = api
        .send(
            Method::PATCH,
            &settings,
            Some(json!({"ai_enabled": true, "time_zone": "Asia/Tokyo"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(body["settings"]["time_zone"], "Asia/Tokyo");

    let (_, log) = api
        .get(&format!(
            "/api/v1/orgs/{org}/audit?action=org.settings_changed"
        ))
        .await;
    let items = log["items"].as_array().expect("items");
    assert_eq!(items.len(), 2, "{log}");
    let fields = &items[1]["details"]["fields"];
    for f in [
        "name",
        "base_currency",
        "time_zone",
        "retention_days",
        "ai_enabled",
        "redact_names",
    ] {
        assert!(
            fields.as_array().expect("fields").contains(&json!(f)),
            "{f}: {fields}"
        );
    }
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

async fn the_export_holds_every_transaction_and_no_secret(db: Db) {
    let t = team(db).await;
    let (app, org) = (&t.app, t.org);
    app.import_rows(org, &rows("alpha", 2_500)).await;
    app.import_rows(t.other, &rows("bravo", 10)).await;
    let mut a = app.signed_in("ada@x.test").await;
    let mut secrets: Vec<String> = Vec::new();
    let (_, token) = a
        .post("/api/v1/me/tokens", json!({"name": "ci", "scope": "read"}))
        .await;
    let api_token = token["token"].as_str().expect("token").to_owned();
    let (_, enrol) = a.post("/api/v1/me/mfa/enrol", json!({})).await;
    secrets.push(enrol["secret"].as_str().expect("secret").to_owned());
    a.post(
        &format!("/api/v1/orgs/{org}/invitations"),
        json!({"email": "inv@x.test", "role": "member"}),
    )
    .await;
    secrets.push(app.token_mailed_to("inv@x.test").await);
    for email in ["ada@x.test", "mo@x.test", "vi@x.test"] {
        let u = app
            .state
            .store
            .user_by_email(email)
            .await
            .expect("db")
            .expect("user");
        secrets.push(u.password_hash.clone());
    }
    let hash = sha256(api_token.as_bytes());
    secrets.extend([
        api_token.clone(),
        b64url(&hash),
        hash.iter().map(|b| format!("{b:02x}")).collect(),
        a.csrf.clone().expect("csrf"),
    ]);

    let path = format!("/api/v1/orgs/{org}/export");
    let r = a.request(Method::GET, &path).send().await.expect("export");
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["cache-control"], "no-store");
    let disposition = r.headers()["content-disposition"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(
        disposition.starts_with("attachment; filename=\"flowsense-alpha-"),
        "{disposition}"
    );
    let text = r.text().await.expect("body");
    let doc: Value = serde_json::from_str(&text).expect("one JSON document");
    for s in &secrets {
        assert!(!text.contains(s.as_str()), "a secret is in the export");
    }
    for field in [
        "password_hash",
        "token_hash",
        "_enc",
        "wrapped_key",
        "argon2",
        "tenant_id",
        "bravo-",
    ] {
        assert!(!text.contains(field), "{field} is in the export");
    }
    assert_eq!(doc["format"], "flowsense-organisation-export");
    assert_eq!(doc["organisation"]["slug"], "alpha");
    assert_eq!(doc["settings"]["base_currency"], "USD");
    let exported: BTreeSet<&str> = doc["transactions"]
        .as_array()
        .expect("transactions")
        .iter()
        .map(|t| t["external_id"].as_str().expect("id"))
        .collect();
    let expected: Vec<String> = (0..2_500).map(|i| format!("alpha-{i}")).collect();
    assert_eq!(exported.len(), 2_500);
    assert!(expected.iter().all(|e| exported.contains(e.as_str())));
    assert_eq!(
        doc["transactions"][0]["amount_minor"], 250_000,
        "exact minor units"
    );
    let emails: Vec<&str> = doc["members"]
        .as_array()
        .expect("members")
        .iter()
        .filter_map(|m| m["email"].as_str())
        .collect();
    assert_eq!(emails.len(), 3);
    assert!(!emails.contains(&"oz@y.test"));
    assert_eq!(doc["bank_accounts"].as_array().expect("accounts").len(), 2);
    assert_eq!(doc["invitations"].as_array().expect("invitations").len(), 1);
    let audit = doc["audit_events"].as_array().expect("audit");
    assert!(
        audit.iter().any(|e| e["action"] == "org.exported"),
        "the export is audited"
    );

    // A token never counts as a recent sign-in; members, and other organisations, are refused.
    let (s, _) = Browser::with_token(&app.base, &api_token).get(&path).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = app.signed_in("mo@x.test").await.get(&path).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, body) = a.get(&format!("/api/v1/orgs/{}/export", t.other)).await;
    assert_eq!((s, code_of(&body)), (StatusCode::NOT_FOUND, "not_found"));
    // Ten minutes on, the password is asked again.
    app.advance(TimeDelta::minutes(11));
    let (s, body) = a.get(&path).await;
    assert_eq!(
        (s, code_of(&body)),
        (StatusCode::FORBIDDEN, "reauthentication_required")
    );
    let (s, _) = a
        .post("/api/v1/auth/reauthenticate", json!({"password": PASSWORD}))
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = a.get(&path).await;
    assert_eq!(s, StatusCode::OK);

    // The settings page's button downloads the same document (after a step-up, here).
    app.advance(TimeDelta::minutes(11));
    let (s, html) = form(&a, &format!("/app/{org}/settings/export"), &[]).await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("Confirm it’s you"));
    let r = a
        .http
        .post(format!("{}/app/{org}/settings/export", app.base))
        .form(&[
            ("csrf_token", a.csrf.as_deref().expect("csrf")),
            ("step_up_password", PASSWORD),
        ])
        .send()
        .await
        .expect("export");
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.headers().contains_key("set-cookie"),
        "the session was rotated"
    );
    let doc: Value = r.json().await.expect("JSON");
    assert_eq!(doc["transactions"].as_array().expect("t").len(), 2_500);
}

/// Rows per table that belong to `org` (every table with an `org_id`, and the organisation).
async fn rows_of(app: &TestApp, org: OrgId) -> BTreeMap<String, i64> {
    use sqlx::Connection;
    let mut counts = BTreeMap::new();
    if app.db.url.starts_with("sqlite:") {
        let mut c = sqlx::SqliteConnection::connect(&app.db.url)
            .await
            .expect("sqlite");
        let tables: Vec<(String,)> = sqlx::query_as(
            "SELECT m.name FROM sqlite_master m WHERE m.type = 'table' \
             AND EXISTS (SELECT 1 FROM pragma_table_info(m.name) p WHERE p.name = 'org_id')",
        )
        .fetch_all(&mut c)
        .await
        .expect("tables");
        for (table,) in tables {
            let sql = format!("SELECT COUNT(*) FROM {table} WHERE org_id = ?");
            let (n,): (i64,) = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(org.0)
                .fetch_one(&mut c)
                .await
                .expect("count");
            counts.insert(table, n);
        }
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM organisations WHERE id = ?")
            .bind(org.0)
            .fetch_one(&mut c)
            .await
            .expect("count");
        counts.insert("organisations".into(), n);
    } else {
        let mut c = sqlx::PgConnection::connect(&app.db.url).await.expect("pg");
        let tables: Vec<(String,)> = sqlx::query_as(
            "SELECT table_name::text FROM information_schema.columns \
             WHERE table_schema = 'public' AND column_name = 'org_id'",
        )
        .fetch_all(&mut c)
        .await
        .expect("tables");
        for (table,) in tables {
            let sql = format!("SELECT COUNT(*) FROM {table} WHERE org_id = $1");
            let (n,): (i64,) = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(org.0)
                .fetch_one(&mut c)
                .await
                .expect("count");
            counts.insert(table, n);
        }
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM organisations WHERE id = $1")
            .bind(org.0)
            .fetch_one(&mut c)
            .await
            .expect("count");
        counts.insert("organisations".into(), n);
    }
    counts
}

async fn deleting_an_organisation_removes_its_rows_and_only_its_rows(db: Db) {
    let t = team(db).await;
    let (app, org) = (&t.app, t.org);
    let third_admin = app.user("tia@z.test").await;
    let third = app.org("charlie", third_admin).await;
    for (o, admin, prefix) in [
        (org, "ada@x.test", "a"),
        (t.other, "oz@y.test", "b"),
        (third, "tia@z.test", "c"),
    ] {
        app.import_rows(o, &rows(prefix, 300)).await;
        let mut b = app.signed_in(admin).await;
        b.post(
            &format!("/api/v1/orgs/{o}/invitations"),
            json!({"email": format!("{prefix}@inv.test"), "role": "viewer"}),
        )
        .await;
        b.send(
            Method::PATCH,
            &format!("/api/v1/orgs/{o}/settings"),
            Some(json!({"retention_days": 60})),
        )
        .await;
    }
    let before = rows_of(app, org).await;
    for table in [
        "transactions",
        "bank_accounts",
        "memberships",
        "invitations",
        "audit_events",
        "imports",
        "org_keys",
    ] {
        assert!(
            before.get(table).copied().unwrap_or(0) > 0,
            "{table} has rows to delete: {before:?}"
        );
    }
    let mut a = app.signed_in("ada@x.test").await;
    let path = format!("/api/v1/orgs/{org}");
    // The name must be typed; members and other organisations' admins are refused.
    let (s, body) = a
        .send(Method::DELETE, &path, Some(json!({"confirm": "Alpha"})))
        .await;
    assert_eq!(
        (s, code_of(&body)),
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid")
    );
    let (s, _) = app
        .signed_in("mo@x.test")
        .await
        .send(Method::DELETE, &path, Some(json!({"confirm": "alpha"})))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = app
        .signed_in("oz@y.test")
        .await
        .send(Method::DELETE, &path, Some(json!({"confirm": "alpha"})))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    app.advance(TimeDelta::minutes(11));
    let (s, body) = a
        .send(Method::DELETE, &path, Some(json!({"confirm": "alpha"})))
        .await;
    assert_eq!(
        (s, code_of(&body)),
        (StatusCode::FORBIDDEN, "reauthentication_required")
    );
    let not_yet = rows_of(app, org).await;
    for table in [
        "transactions",
        "memberships",
        "invitations",
        "org_keys",
        "organisations",
    ] {
        assert_eq!(
            not_yet[table], before[table],
            "nothing deleted yet from {table}"
        );
    }
    a.post("/api/v1/auth/reauthenticate", json!({"password": PASSWORD}))
        .await;
    let other_before = rows_of(app, t.other).await;
    let third_before = rows_of(app, third).await;
    let (s, body) = a
        .send(Method::DELETE, &path, Some(json!({"confirm": "alpha"})))
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{body}");

    let after = rows_of(app, org).await;
    assert!(
        after.values().all(|n| *n == 0),
        "rows left behind: {after:?}"
    );
    assert_eq!(rows_of(app, t.other).await, other_before);
    assert_eq!(rows_of(app, third).await, third_before);
    assert!(
        app.state.store.user(t.admin).await.is_ok(),
        "people keep their accounts"
    );
    let (s, _) = a.get(&format!("/api/v1/orgs/{org}/settings")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // The page: a wrong name deletes nothing; the right one shows what happened.
    let tia = app.signed_in("tia@z.test").await;
    let third_before = rows_of(app, third).await;
    let delete_page = format!("/app/{third}/settings/delete");
    let (s, html) = form(&tia, &delete_page, &[("confirm_name", "charly")]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Nothing was deleted"));
    assert_eq!(rows_of(app, third).await, third_before);
    let (s, html) = form(&tia, &delete_page, &[("confirm_name", "charlie")]).await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("“charlie” has been deleted"));
    assert!(rows_of(app, third).await.values().all(|n| *n == 0));
    assert_eq!(rows_of(app, t.other).await, other_before);
}

crate::on_both_backends!(
    admin_pages_answer_each_role_and_refuse_forms_without_the_token,
    members_are_invited_changed_removed_and_an_admin_always_remains,
    settings_are_checked_before_anything_changes,
    the_audit_log_pages_filters_and_names_who_did_what,
    the_export_holds_every_transaction_and_no_secret,
    deleting_an_organisation_removes_its_rows_and_only_its_rows,
);
