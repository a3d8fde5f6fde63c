//! A mapping chosen once for a bank account: previewed through the API (`dry_run`) and the
//! import page (two plain forms), saved with the import for the account, used for its later
//! files; another organisation's account id is not found, and viewers cannot upload.

use super::*;

/// Headers no built-in name matches, day-first dates.
const UNMAPPED: &str = "Booked,What,Value\n03/01/2026,Coffee,-4.50\n25/01/2026,Client,100.00\n";
const NEXT_MONTH: &str = "Booked,What,Value\n14/02/2026,Rent,-900.00\n";

async fn a_mapping_is_previewed_saved_for_the_account_and_used_again_through_the_api(db: Db) {
    let app = spawn_app(db).await;
    let admin = app.user("ada@x.test").await;
    let org = app.org("roastery", admin).await;
    app.member(org, "vi@x.test", Role::Viewer).await;
    let other_admin = app.user("oz@y.test").await;
    let other = app.org("elsewhere", other_admin).await;
    let path = format!("/api/v1/orgs/{org}/imports");
    let owner = app.signed_in("ada@x.test").await;

    // A dry run writes nothing and says what is missing, with the header to map.
    let (s, preview) = upload(
        &owner,
        &path,
        &[
            ("file", Some("jan.csv"), UNMAPPED.as_bytes()),
            ("account", None, b"Checking"),
            ("dry_run", None, b"true"),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{preview}");
    assert_eq!(preview["format"], "CSV");
    assert_eq!(preview["columns"][0]["name"], "Booked");
    assert!(
        preview["refusal"]
            .as_str()
            .is_some_and(|r| r.contains("name them with --map")),
        "{preview}"
    );
    let map = "date=Booked,amount=Value,description=What";
    let (s, preview) = upload(
        &owner,
        &path,
        &[
            ("file", Some("jan.csv"), UNMAPPED.as_bytes()),
            ("account", None, b"Checking"),
            ("map", None, map.as_bytes()),
            ("dry_run", None, b"1"),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{preview}");
    assert_eq!(preview["refusal"], Value::Null, "{preview}");
    assert_eq!(preview["date_format"], "DD/MM/YYYY");
    assert_eq!(preview["columns"][0]["field"], "date");
    assert_eq!(preview["rows"][1]["amount"], "100.00");
    assert_eq!(preview["rows"][1]["date"], "2026-01-25");
    assert_eq!(preview["mapping"], map);
    assert_eq!(count(&app, org).await, 0, "a dry run writes nothing");

    // Imported with the mapping and saved for the account ...
    let (s, done) = upload(
        &owner,
        &path,
        &[
            ("file", Some("jan.csv"), UNMAPPED.as_bytes()),
            ("account", None, b"Checking"),
            ("map", None, map.as_bytes()),
            ("save_mapping", None, b"true"),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{done}");
    assert_eq!(done["rows_added"], 2);
    assert_eq!(done["mapping_saved_for"], "Checking");
    let account_id = app
        .state
        .store
        .bank_accounts(org)
        .await
        .expect("accounts")
        .into_iter()
        .find(|a| a.name == "Checking")
        .expect("the account")
        .id;

    // ... so the next file of that account, named by id, needs no mapping.
    let id = account_id.to_string();
    let (s, preview) = upload(
        &owner,
        &path,
        &[
            ("file", Some("feb.csv"), NEXT_MONTH.as_bytes()),
            ("account_id", None, id.as_bytes()),
            ("dry_run", None, b"true"),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{preview}");
    assert_eq!(preview["mapping_used_of"], "Checking");
    assert_eq!(preview["rows"][0]["amount"], "-900.00");
    let (s, done) = upload(
        &owner,
        &path,
        &[
            ("file", Some("feb.csv"), NEXT_MONTH.as_bytes()),
            ("account_id", None, id.as_bytes()),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{done}");
    assert_eq!(
        (
            done["rows_added"].as_u64(),
            done["mapping_used_of"].as_str()
        ),
        (Some(1), Some("Checking"))
    );
    // `no_preset` reads the header alone.
    let (s, _) = upload(
        &owner,
        &path,
        &[
            ("file", Some("feb.csv"), NEXT_MONTH.as_bytes()),
            ("account_id", None, id.as_bytes()),
            ("no_preset", None, b"true"),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(count(&app, org).await, 3);

    // Another organisation's account id is answered as a missing one, to preview or import.
    let theirs = app
        .state
        .store
        .ensure_bank_account(other, "Theirs", flowsense_core::Currency::USD, 0)
        .await
        .expect("their account")
        .to_string();
    for dry in [&b"true"[..], b"false"] {
        let (s, body) = upload(
            &owner,
            &path,
            &[
                ("file", Some("feb.csv"), NEXT_MONTH.as_bytes()),
                ("account_id", None, theirs.as_bytes()),
                ("map", None, map.as_bytes()),
                ("save_mapping", None, b"true"),
                ("dry_run", None, dry),
            ],
        )
        .await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{body}");
    }
    assert_eq!(count(&app, org).await, 3);
    assert_eq!(count(&app, other).await, 0);
    let theirs_id = theirs.parse().expect("an id");
    assert_eq!(
        app.state
            .store
            .mapping_preset(other, theirs_id)
            .await
            .expect("read"),
        None
    );

    // Viewers can neither preview nor import.
    let viewer = app.signed_in("vi@x.test").await;
    let (s, _) = upload(
        &viewer,
        &path,
        &[
            ("file", Some("feb.csv"), NEXT_MONTH.as_bytes()),
            ("dry_run", None, b"true"),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    // A malformed choice is named.
    let (s, body) = upload(
        &owner,
        &path,
        &[
            ("file", Some("feb.csv"), NEXT_MONTH.as_bytes()),
            ("map", None, b"when=Booked"),
            ("dry_run", None, b"true"),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
}

async fn the_import_page_previews_a_file_and_imports_it_with_the_corrected_mapping(db: Db) {
    let app = spawn_app(db).await;
    let admin = app.user("ada@x.test").await;
    let org = app.org("roastery", admin).await;
    app.member(org, "mo@x.test", Role::Member).await;
    let action = format!("/app/{org}/integrations/import");
    let confirm = format!("/app/{org}/integrations/import/confirm");
    let mut member = app.signed_in("mo@x.test").await;
    let csrf = member.csrf.clone().expect("csrf");
    member.csrf = None;

    let (s, body) = upload(
        &member,
        &action,
        &[
            ("csrf_token", None, csrf.as_bytes()),
            ("file", Some("jan.csv"), UNMAPPED.as_bytes()),
            ("account", None, b"Checking"),
            ("intent", None, b"preview"),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let html = body.as_str().expect("html").to_owned();
    assert!(html.contains("id=\"confirm-import-form\""), "{html}");
    assert!(html.contains("would not be imported"), "{html}");
    assert!(
        html.contains("<option value=\"Booked\">Booked</option>"),
        "{html}"
    );
    assert!(!html.contains("<script"), "no script on the page");
    assert_eq!(count(&app, org).await, 0);
    let id = between(&html, "name=\"upload\" value=\"", "\"");

    // Preview again with the columns chosen, then import; the form is CSRF-protected.
    let fields = |intent: &str, token: &str| {
        vec![
            ("csrf_token", token.to_owned()),
            ("upload", id.clone()),
            ("account", "Checking".to_owned()),
            ("field_date", "Booked".to_owned()),
            ("field_amount", "Value".to_owned()),
            ("field_description", "What".to_owned()),
            ("date_format", String::new()),
            ("save_mapping", "on".to_owned()),
            ("intent", intent.to_owned()),
        ]
    };
    let post = |form: Vec<(&'static str, String)>| {
        let http = member.http.clone();
        let url = format!("{}{confirm}", app.base);
        async move {
            let r = http.post(url).form(&form).send().await.expect("confirm");
            (r.status(), r.text().await.expect("body"))
        }
    };
    let (s, html) = post(fields("preview", &csrf)).await;
    assert_eq!(s, StatusCode::OK, "{html}");
    assert!(html.contains("DD/MM/YYYY"), "the order the file proves");
    assert!(html.contains("100.00 USD"), "{html}");
    assert!(!html.contains("would not be imported"), "{html}");
    let (s, _) = post(fields("import", "not-the-token")).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(count(&app, org).await, 0);
    let (s, html) = post(fields("import", &csrf)).await;
    assert_eq!(s, StatusCode::OK, "{html}");
    assert!(html.contains("Imported jan.csv: 2 rows added"), "{html}");
    assert_eq!(count(&app, org).await, 2);
    // Taken once.
    let (s, html) = post(fields("import", &csrf)).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    assert_eq!(count(&app, org).await, 2);

    // The next file of the account is previewed with the saved mapping.
    let (s, body) = upload(
        &member,
        &action,
        &[
            ("csrf_token", None, csrf.as_bytes()),
            ("file", Some("feb.csv"), NEXT_MONTH.as_bytes()),
            ("account", None, b"Checking"),
            ("intent", None, b"preview"),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let html = body.as_str().expect("html");
    assert!(
        html.contains("Using the mapping saved for account Checking"),
        "{html}"
    );
    assert!(html.contains("-900.00 USD"), "{html}");
}

fn between(text: &str, start: &str, end: &str) -> String {
    let from = text.find(start).expect("start") + start.len();
    let to = text[from..].find(end).expect("end") + from;
    text[from..to].to_owned()
}

crate::on_both_backends!(
    a_mapping_is_previewed_saved_for_the_account_and_used_again_through_the_api,
    the_import_page_previews_a_file_and_imports_it_with_the_corrected_mapping,
);
