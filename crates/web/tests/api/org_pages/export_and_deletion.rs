//! An organisation's export holds everything and no secret; its deletion removes its rows only.

use super::*;

async fn the_export_holds_every_transaction_and_no_secret(db: Db) {
    let t = team(db).await;
    let (app, org) = (&t.app, t.org);
    app.import_rows(org, &rows("alpha", 2_500)).await;
    app.import_rows(t.other, &rows("bravo", 10)).await;
    // What the owner added by hand goes with the books: a planned amount, a kept what-if, a
    // rule that renames a counterparty's category (applied to its transactions already there).
    let store = &app.state.store;
    store
        .add_planned_item(
            org,
            &flowsense_storage::NewPlannedItem {
                name: "Quarterly tax".into(),
                flow: flowsense_core::PlannedFlow {
                    first: chrono::NaiveDate::from_ymd_opt(2026, 1, 15).expect("date"),
                    amount: -1_250_000,
                    repeat: flowsense_core::Repeat::Quarterly,
                    until: None,
                    confidence_percent: 90,
                },
                created_by: None,
            },
        )
        .await
        .expect("planned");
    store
        .save_scenario(org, None, "Hire in March", br#"{"hires":1}"#)
        .await
        .expect("scenario");
    store
        .save_rule(
            org,
            &flowsense_storage::NewRule {
                counterparty: "Counterparty 3".into(),
                category: Some("Rent".into()),
                counterparty_name: None,
                class: None,
                apply_to_past: true,
                created_by: None,
            },
        )
        .await
        .expect("rule");
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
    let planned = &doc["planned_items"][0];
    assert_eq!(
        (&planned["name"], &planned["amount"], &planned["repeat"]),
        (
            &json!("Quarterly tax"),
            &json!(-1_250_000),
            &json!("quarterly")
        )
    );
    let scenario = &doc["saved_scenarios"][0];
    assert_eq!(
        (&scenario["name"], &scenario["inputs"]["hires"]),
        (&json!("Hire in March"), &json!(1))
    );
    assert_eq!(doc["category_rules"][0]["counterparty"], "Counterparty 3");
    let corrected = doc["transactions"]
        .as_array()
        .expect("transactions")
        .iter()
        .filter(|t| t["category_override"] == "Rent")
        .count();
    assert_eq!(corrected, (0..2_500).filter(|i| i % 17 == 3).count());
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
    the_export_holds_every_transaction_and_no_secret,
    deleting_an_organisation_removes_its_rows_and_only_its_rows,
);
