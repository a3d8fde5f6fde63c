//! A new owner's path without the API: sign up, confirm, create the business, bring the books
//! (the sample file), and the dashboard's first-run checklist; the instance's sign-up policy;
//! the error page for someone signed in.

mod create_business;
mod error_page;
mod sample_books;
mod signup_policy;

use crate::forms::{Answer, Person, assert_clean, text_of};
use crate::support::{Db, NEW_PASSWORD, TestApp, multipart, spawn_app, spawn_with};
use flowsense_core::Role;
use reqwest::StatusCode;

/// Signs up through the form, confirms the address from the e-mail, and signs in.
async fn new_owner(app: &TestApp, email: &str) -> Person {
    let p = Person::new(app);
    let a = p
        .post(
            "/signup",
            &[
                ("display_name", "Nora Owner"),
                ("email", email),
                ("password", NEW_PASSWORD),
            ],
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    app.run_jobs().await;
    let token = app.token_mailed_to(email).await;
    let a = p.post("/verify-email", &[("token", &token)]).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    p.sign_in(email, NEW_PASSWORD).await;
    p
}

/// Uploads `file` through a page's multipart form, the CSRF token its first field.
async fn upload_page_form(p: &Person, path: &str, csrf: &str, name: &str, file: &[u8]) -> Answer {
    let (content_type, body) = multipart(&[
        ("csrf_token", None, csrf.as_bytes()),
        ("file", Some(name), file),
    ]);
    let resp = p
        .http
        .post(format!("{}{path}", p.base))
        .header("origin", p.base.as_str())
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .expect("upload");
    Answer {
        status: resp.status(),
        headers: resp.headers().clone(),
        body: resp.text().await.expect("body"),
    }
}
