//! The import API is all or nothing, and a re-import adds nothing.

use super::*;

async fn the_api_imports_all_or_nothing_and_a_reimport_adds_nothing(db: Db) {
    let app = spawn_app(db).await;
    let admin = app.user("ada@x.test").await;
    let org = app.org("roastery", admin).await;
    app.member(org, "mo@x.test", Role::Member).await;
    app.member(org, "vi@x.test", Role::Viewer).await;
    let other_admin = app.user("oz@y.test").await;
    app.org("elsewhere", other_admin).await;
    let path = format!("/api/v1/orgs/{org}/imports");
    let member = app.signed_in("mo@x.test").await;

    let (s, first) = upload(
        &member,
        &path,
        &[("file", Some("bank.csv"), GOOD.as_bytes())],
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{first}");
    assert_eq!(first["rows_read"], 4);
    assert_eq!(
        first["rows_added"], 4,
        "two equal rows are two transactions"
    );
    assert_eq!(first["duplicates_skipped"], 0);
    assert_eq!(first["file_name"], "bank.csv");
    // The answer says what the file was read as, column by column.
    assert_eq!(first["layout"], "bank statement");
    assert_eq!(
        first["columns"],
        "date=date, account=account, amount=amount, description=description"
    );
    assert_eq!(
        first["notes"][0],
        "Read as: bank statement (date=date, account=account, amount=amount, description=description)"
    );
    assert_eq!(count(&app, org).await, 4);

    let (s, again) = upload(
        &member,
        &path,
        &[("file", Some("bank.csv"), GOOD.as_bytes())],
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{again}");
    assert_eq!(
        (
            again["rows_added"].as_u64(),
            again["duplicates_skipped"].as_u64()
        ),
        (Some(0), Some(4))
    );
    assert_eq!(count(&app, org).await, 4);

    // The first bad row stops the file: its line and reason, nothing kept, not even the good rows.
    let (s, bad) = upload(
        &member,
        &path,
        &[("file", Some("feb.csv"), BAD_DATE.as_bytes())],
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    let message = bad["error"]["message"].as_str().expect("message");
    assert!(message.starts_with("line 4: bad date"), "{message}");
    assert!(
        !message.contains("Good row"),
        "other rows never appear: {message}"
    );
    assert_eq!(count(&app, org).await, 4);

    // OFX, with an account name and a date format chosen in the form.
    let (s, ofx) = upload(
        &member,
        &path,
        &[
            ("account", None, b"Checking"),
            ("date_format", None, b"auto"),
            ("file", Some("statement.ofx"), OFX),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{ofx}");
    assert!(ofx["rows_added"].as_u64().expect("added") > 0);
    let after_ofx = count(&app, org).await;

    // Not a file upload at all, an empty file, an unknown date format, a foreign currency.
    let mut json_caller = app.signed_in("mo@x.test").await;
    let (s, body) = json_caller
        .post(&path, serde_json::json!({"file": "x"}))
        .await;
    assert_eq!(
        (s, code_of(&body)),
        (StatusCode::BAD_REQUEST, "bad_request")
    );
    let (s, body) = upload(&member, &path, &[("file", Some("empty.csv"), b"")]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .expect("m")
            .contains("choose a CSV")
    );
    let (s, body) = upload(
        &member,
        &path,
        &[
            ("date_format", None, b"lunar"),
            ("file", Some("a.csv"), GOOD.as_bytes()),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    // A row in another currency than the existing account it names is refused, whole.
    let euros = "date,description,amount,currency,account\n\
                 2026-03-01,Paris,10.00,EUR,Euro account\n\
                 2026-03-02,Lyon,12.00,EUR,Operating\n";
    let (s, body) = upload(
        &member,
        &path,
        &[("file", Some("eur.csv"), euros.as_bytes())],
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .expect("m")
            .starts_with("line 3: account")
            && body["error"]["message"]
                .as_str()
                .expect("m")
                .contains("is held in USD, this row is in EUR"),
        "{body}"
    );
    assert_eq!(count(&app, org).await, after_ofx);
    // Into an account of its own currency, it is kept as written.
    let euros =
        "date,description,amount,currency,account\n2026-03-01,Paris,10.00,EUR,Euro account\n";
    let (s, body) = upload(
        &member,
        &path,
        &[("file", Some("eur.csv"), euros.as_bytes())],
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(body["rows_added"], 1);
    assert_eq!(count(&app, org).await, after_ofx + 1);

    // Viewers may not import; another organisation's id is not found; a read-only token is refused.
    let viewer = app.signed_in("vi@x.test").await;
    let (s, _) = upload(
        &viewer,
        &path,
        &[("file", Some("bank.csv"), GOOD.as_bytes())],
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let outsider = app.signed_in("oz@y.test").await;
    let (s, body) = upload(
        &outsider,
        &path,
        &[("file", Some("bank.csv"), GOOD.as_bytes())],
    )
    .await;
    assert_eq!((s, code_of(&body)), (StatusCode::NOT_FOUND, "not_found"));
    let mut a = app.signed_in("ada@x.test").await;
    let (_, token) = a
        .post(
            "/api/v1/me/tokens",
            serde_json::json!({"name": "r", "scope": "read"}),
        )
        .await;
    let reader = Browser::with_token(&app.base, token["token"].as_str().expect("token"));
    let (s, _) = upload(
        &reader,
        &path,
        &[("file", Some("bank.csv"), GOOD.as_bytes())],
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    // Without the CSRF header a cookie session cannot upload.
    let mut no_csrf = app.signed_in("mo@x.test").await;
    no_csrf.csrf = None;
    let (s, body) = upload(
        &no_csrf,
        &path,
        &[("file", Some("bank.csv"), GOOD.as_bytes())],
    )
    .await;
    assert_eq!((s, code_of(&body)), (StatusCode::FORBIDDEN, "csrf"));
    assert_eq!(count(&app, org).await, after_ofx + 1);

    // The outcomes are audited, without the file's content.
    let (_, log) = a
        .get(&format!("/api/v1/orgs/{org}/audit?action=import.completed"))
        .await;
    assert_eq!(log["items"].as_array().expect("items").len(), 4, "{log}");
    let (_, log) = a
        .get(&format!("/api/v1/orgs/{org}/audit?action=import.refused"))
        .await;
    let refused = log["items"].as_array().expect("items");
    assert!(refused.iter().any(|e| e["details"]["line"] == 4), "{log}");
    assert!(!log.to_string().contains("Impossible day"));
}

crate::on_both_backends!(the_api_imports_all_or_nothing_and_a_reimport_adds_nothing,);
