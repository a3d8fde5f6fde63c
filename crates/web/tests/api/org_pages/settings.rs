//! Organisation settings: every value checked before anything changes.

use super::*;

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

crate::on_both_backends!(settings_are_checked_before_anything_changes,);
