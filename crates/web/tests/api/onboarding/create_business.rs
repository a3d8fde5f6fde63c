//! "Create your business" from the page with no organisation, then the welcome step, the
//! sample file, and the dashboard's checklist until the books are in.

use super::*;

/// The organisation id in `/app/{id}/welcome`.
/// The organisation whose welcome page `location` is (its pages go by its slug).
async fn org_in(app: &TestApp, location: &str) -> flowsense_storage::Organisation {
    let slug = location
        .strip_prefix("/app/")
        .and_then(|rest| rest.strip_suffix("/welcome"))
        .unwrap_or_else(|| panic!("not a welcome page: {location:?}"));
    app.state
        .store
        .org_by_slug_across_orgs(slug)
        .await
        .unwrap_or_else(|e| panic!("{slug}: {e}"))
}

async fn a_new_owner_creates_a_business_from_the_page_and_brings_the_sample_books(db: Db) {
    let app = spawn_app(db).await;
    let p = new_owner(&app, "nora@x.test").await;

    // No organisation yet: the page says how to create one, not to use the API.
    let home = p.get("/app").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(!home.body.contains("POST /api/v1/orgs"), "{}", home.body);
    assert!(home.body.contains("href=\"/app/new\""), "{}", home.body);
    assert_clean(&home.body);

    let form = p.get("/app/new").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("<option value=\"EUR\""));
    assert!(
        form.body
            .contains("<option value=\"Europe/Paris\">Europe/Paris</option>")
    );
    assert_clean(&form.body);
    let csrf = form.input("csrf_token");

    // Without the form's token nothing is created.
    let a = p
        .post(
            "/app/new",
            &[
                ("name", "Sneaky"),
                ("base_currency", "USD"),
                ("time_zone", "UTC"),
            ],
        )
        .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);

    // A bad time zone or a blank name is refused next to its field, and what was typed stays.
    let a = p
        .post(
            "/app/new",
            &[
                ("csrf_token", &csrf),
                ("name", "Northwind Coffee Roasters"),
                ("base_currency", "EUR"),
                ("time_zone", "Mars/Olympus_Mons"),
            ],
        )
        .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(a.body.contains("Choose an IANA time zone"), "{}", a.body);
    assert_eq!(a.input("name"), "Northwind Coffee Roasters");
    let a = p
        .post(
            "/app/new",
            &[
                ("csrf_token", &csrf),
                ("name", "   "),
                ("base_currency", "EUR"),
                ("time_zone", "Europe/Paris"),
            ],
        )
        .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text_of(&a.body, "name-error").is_some(), "{}", a.body);
    let user = app
        .state
        .store
        .user_by_email("nora@x.test")
        .await
        .expect("db")
        .expect("nora");
    assert!(
        app.state
            .store
            .orgs_of_user(user.id)
            .await
            .expect("db")
            .is_empty(),
        "nothing was created by the refused forms"
    );

    // Created: its slug from the name, the creator its admin, audited, then the welcome step.
    let a = p
        .post(
            "/app/new",
            &[
                ("csrf_token", &csrf),
                ("name", "Northwind Coffee Roasters"),
                ("base_currency", "USD"),
                ("time_zone", "Europe/Paris"),
            ],
        )
        .await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.body);
    assert_eq!(a.location(), "/app/northwind-coffee-roasters/welcome");
    let stored = org_in(&app, a.location()).await;
    let org = stored.id;
    assert_eq!(stored.slug, "northwind-coffee-roasters");
    assert_eq!(stored.settings.base_currency.as_str(), "USD");
    assert_eq!(stored.settings.time_zone, "Europe/Paris");
    assert_eq!(
        app.state.store.role_in(org, user.id).await.expect("db"),
        Some(Role::Admin)
    );
    let audit = app.state.store.audit_actions(org).await.expect("audit");
    assert!(audit.iter().any(|a| a == "org.created"), "{audit:?}");

    // The same name again is another business with a numbered slug.
    let a = p
        .post(
            "/app/new",
            &[
                ("csrf_token", &csrf),
                ("name", "Northwind Coffee Roasters"),
                ("base_currency", "EUR"),
                ("time_zone", "UTC"),
            ],
        )
        .await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.body);
    let second = org_in(&app, a.location()).await;
    assert_eq!(second.slug, "northwind-coffee-roasters-2");
    assert_eq!(second.settings.base_currency.as_str(), "EUR");

    let slug = &stored.slug;
    // Welcome: no provider is configured here, so only the upload and the sample are offered.
    let welcome = p.get(&format!("/app/{slug}/welcome")).await;
    assert_eq!(welcome.status, StatusCode::OK);
    assert!(welcome.body.contains("id=\"welcome-upload-form\""));
    assert!(welcome.body.contains("href=\"/assets/sample-books.csv\""));
    assert!(
        !welcome.body.contains("welcome-connect"),
        "{}",
        welcome.body
    );
    assert_clean(&welcome.body);
    let csrf = welcome.input("csrf_token");

    // Until the books are in, the dashboard lists what to do next, each step with its link.
    let dashboard = p.get(&format!("/app/{slug}")).await;
    assert_eq!(dashboard.status, StatusCode::OK);
    assert!(dashboard.body.contains("id=\"first-run\""));
    for (step, state, link) in [
        ("step-create", "done", format!("/app/{slug}/settings")),
        ("step-books", "todo", format!("/app/{slug}/welcome")),
        ("step-team", "todo", format!("/app/{slug}/members")),
        (
            "step-digest",
            "done",
            "/app/profile#notifications".to_owned(),
        ),
    ] {
        let at = dashboard
            .body
            .find(&format!("id=\"{step}\" class=\"{state}\""))
            .unwrap_or_else(|| panic!("{step} {state}: {}", dashboard.body));
        let item = &dashboard.body[at..at + dashboard.body[at..].find("</li>").expect("li")];
        assert!(item.contains(&format!("href=\"{link}\"")), "{item}");
    }
    assert_clean(&dashboard.body);

    // The sample is a download, and the importer takes all of it.
    let sample = p.get("/assets/sample-books.csv").await;
    assert_eq!(sample.status, StatusCode::OK);
    assert!(
        sample.headers["content-disposition"]
            .to_str()
            .expect("ascii")
            .starts_with("attachment"),
    );
    let rows = sample.body.lines().count() - 1;
    let a = upload_page_form(
        &p,
        &format!("/app/{slug}/integrations/import"),
        &csrf,
        "flowsense-sample-books.csv",
        sample.body.as_bytes(),
    )
    .await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.body);
    assert_eq!(
        app.transactions_in(org).await,
        i64::try_from(rows).expect("rows")
    );
    let done = p.get(a.location()).await;
    assert!(
        done.body.contains("id=\"import-to-dashboard\""),
        "{}",
        done.body
    );

    // With data in, the checklist is gone and the figures are there.
    let dashboard = p.get(&format!("/app/{slug}")).await;
    assert_eq!(dashboard.status, StatusCode::OK);
    assert!(!dashboard.body.contains("id=\"first-run\""));
    assert!(dashboard.body.contains("id=\"kpi-cash\""));
}

/// An account whose address is not confirmed is told so, with the link to send it again.
async fn an_unconfirmed_account_cannot_create_a_business(db: Db) {
    let app = spawn_app(db).await;
    let p = Person::new(&app);
    let a = p
        .post(
            "/signup",
            &[
                ("display_name", "Uma"),
                ("email", "uma@x.test"),
                ("password", NEW_PASSWORD),
            ],
        )
        .await;
    assert_eq!(a.status, StatusCode::OK);
    p.sign_in("uma@x.test", NEW_PASSWORD).await;
    let form = p.get("/app/new").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("id=\"confirm-first\""));
    assert!(form.body.contains("action=\"/app/profile/verify-email\""));
    assert!(!form.body.contains("id=\"new-org-form\""));
    let csrf = form.input("csrf_token");
    let a = p
        .post(
            "/app/new",
            &[
                ("csrf_token", &csrf),
                ("name", "Uma's Bakery"),
                ("base_currency", "USD"),
                ("time_zone", "UTC"),
            ],
        )
        .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN, "{}", a.body);
    assert!(a.body.contains("id=\"confirm-first\""));
    let uma = app
        .state
        .store
        .user_by_email("uma@x.test")
        .await
        .expect("db")
        .expect("uma");
    assert!(
        app.state
            .store
            .orgs_of_user(uma.id)
            .await
            .expect("db")
            .is_empty()
    );
}

crate::on_both_backends!(
    a_new_owner_creates_a_business_from_the_page_and_brings_the_sample_books,
    an_unconfirmed_account_cannot_create_a_business,
);
