//! Passwords are never expired by age (checklist B2): only evidence of compromise (a reset)
//! forces a change.

use crate::support::{Db, PASSWORD, spawn_app};
use chrono::TimeDelta;
use reqwest::StatusCode;

async fn a_password_years_old_still_signs_in_with_no_demand_to_change_it(db: Db) {
    let app = spawn_app(db).await;
    app.user("old@x.test").await;
    app.advance(TimeDelta::days(5 * 366));

    let mut b = app.browser();
    let (s, body) = b.login("old@x.test", PASSWORD).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let said = body.to_string().to_lowercase();
    for hint in ["expire", "change", "rotate", "too old"] {
        assert!(
            !said.contains(hint),
            "the sign-in answer says {hint:?}: {body}"
        );
    }
    let (s, me) = b.get("/api/v1/me").await;
    assert_eq!(s, StatusCode::OK, "{me}");

    // The form sign-in goes on into the app, not to a password-change page.
    let raw = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let form = raw
        .post(format!("{}/login", app.base))
        .header("origin", app.base.as_str())
        .form(&[("email", "old@x.test"), ("password", PASSWORD)])
        .send()
        .await
        .expect("form sign-in");
    assert_eq!(form.status(), StatusCode::SEE_OTHER);
    let to = form
        .headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(to.starts_with("/app") && !to.contains("password"), "{to}");

    // Nothing records a password's age that a rule could expire it by: the users table's
    // only password column is its hash (every column is classified, so none hides).
    let classes = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/data-classification.toml"
    ))
    .expect("classification");
    let users = classes
        .split("[tables.users]")
        .nth(1)
        .and_then(|rest| rest.split("\n[").next())
        .expect("the users table");
    let about_passwords: Vec<&str> = users
        .split('"')
        .skip(1)
        .step_by(2)
        .filter(|column| column.contains("password"))
        .collect();
    assert_eq!(about_passwords, ["password_hash"], "{users}");
}

crate::on_both_backends!(a_password_years_old_still_signs_in_with_no_demand_to_change_it);
