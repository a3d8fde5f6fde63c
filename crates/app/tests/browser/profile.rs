//! A newcomer's whole account life in the browser: signs up through the form, confirms the
//! address from the link in the demo's outbox, signs in, enrols MFA by reading the secret off
//! the page (the test computes the codes), signs out and in again with a code, signs out another
//! session, creates and revokes an API token, exports their data and deletes the account.

use super::harness::{
    Demo, assert_csp_clean, click, console, fill, path, shot, sign_in, sign_out, text, totp,
    wait_for, wait_for_url, with_browser,
};
use crate::cli_support::http;
use fantoccini::{Client, Locator};
use serde_json::{Value, json};
use std::path::Path;

const EMAIL: &str = "robin.newcomer@example.org";
const PASSWORD: &str = "saffron-glacier-58-bicycle";

/// The token in the newest link to `path` mailed to `to` (the demo's outbox is a directory of
/// `.eml` files). E-mail goes out from the job queue, so it may take a moment to arrive.
pub(super) fn mailed_token(outbox: &Path, to: &str, path: &str) -> String {
    for _ in 0..100 {
        if let Some(token) = newest_token(outbox, to, path) {
            return token;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    panic!("no {path} link mailed to {to}")
}

fn newest_token(outbox: &Path, to: &str, path: &str) -> Option<String> {
    let mut mails: Vec<_> = std::fs::read_dir(outbox)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "eml"))
        .collect();
    mails.sort();
    let needle = format!("{path}?token=");
    mails
        .iter()
        .rev()
        .map(|p| std::fs::read(p).unwrap())
        .filter_map(|raw| {
            // Parsed as a mail client would: the transfer encoding may wrap a long link.
            let message = mail_parser::MessageParser::default().parse(&raw)?;
            let to_them = message
                .to()
                .and_then(|list| list.first())
                .and_then(|a| a.address())
                .is_some_and(|a| a.eq_ignore_ascii_case(to));
            to_them.then(|| message.body_text(0).unwrap_or_default().into_owned())
        })
        .find_map(|text| {
            let at = text.find(&needle)? + needle.len();
            text[at..].split_whitespace().next().map(str::to_owned)
        })
}

/// Signs in through the API from outside the browser (another device); returns its cookie.
fn sign_in_elsewhere(base: &str, recovery_code: &str) -> String {
    let body =
        serde_json::json!({"email": EMAIL, "password": PASSWORD, "recovery_code": recovery_code})
            .to_string();
    let (status, headers, text) = http::request(
        "POST",
        &format!("{base}/api/v1/auth/login"),
        &[
            ("Content-Type", "application/json"),
            (
                "User-Agent",
                "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Safari/604.1",
            ),
        ],
        &body,
    );
    assert_eq!(status, 200, "{text}");
    headers
        .iter()
        .find(|(k, _)| k == "set-cookie")
        .map(|(_, v)| v.split(';').next().unwrap().to_owned())
        .unwrap()
}

fn status_with(base: &str, path: &str, header: (&str, &str)) -> u16 {
    http::request("GET", &format!("{base}{path}"), &[header], "").0
}

async fn open_profile(c: &Client, base: &str) {
    c.goto(&format!("{base}/app/profile")).await.unwrap();
    wait_for(c, "#delete-account").await;
}

#[test]
fn a_newcomer_signs_up_enrols_mfa_manages_sessions_and_tokens_exports_and_leaves() {
    let Some(demo) = Demo::start() else { return };
    let base = demo.base.clone();
    let outbox = demo.data.join("outbox");

    with_browser(|c| async move {
        // Sign up through the form.
        c.goto(&format!("{base}/login")).await.unwrap();
        click(&c, "#sign-up-link").await;
        wait_for(&c, "form[action='/signup']").await;
        assert_csp_clean(&c, "signup").await;
        fill(&c, "display_name", "Robin Newcomer").await;
        fill(&c, "email", EMAIL).await;
        fill(&c, "password", PASSWORD).await;
        shot(&c, "account-signup").await;
        click(&c, "form[action='/signup'] button[type=submit]").await;
        wait_for(&c, "#notice[data-notice='check-inbox']").await;
        assert_csp_clean(&c, "check your inbox").await;
        shot(&c, "account-check-inbox").await;

        // The link from the e-mail shows a button; pressing it confirms the address.
        let token = mailed_token(&outbox, EMAIL, "/verify-email");
        c.goto(&format!("{base}/verify-email?token={token}"))
            .await
            .unwrap();
        wait_for(&c, "#confirm-email").await;
        assert_csp_clean(&c, "verify e-mail").await;
        shot(&c, "account-verify-email").await;
        click(&c, "#confirm-email").await;
        wait_for(&c, "#notice[data-notice='verified']").await;
        assert_csp_clean(&c, "verified").await;
        shot(&c, "account-verified").await;

        // Sign in; the profile page is one click away (the name in the top bar).
        sign_in(&c, &base, EMAIL, PASSWORD).await;
        wait_for(&c, "a.who").await;
        click(&c, "a.who").await;
        wait_for(&c, "#delete-account").await;
        assert_eq!(path(&c).await, "/app/profile");
        assert_csp_clean(&c, "profile").await;
        shot(&c, "profile").await;

        // Enrol MFA: read the secret off the page and compute the code.
        click(&c, "#mfa-start").await;
        wait_for(&c, "svg#mfa-qr").await;
        assert!(
            c.find(Locator::Css("svg#mfa-qr title")).await.is_ok(),
            "the QR code has a text alternative"
        );
        assert_csp_clean(&c, "MFA enrolment").await;
        shot(&c, "profile-mfa-enrol").await;
        let secret = text(&c, "#mfa-secret").await;
        fill(&c, "mfa-code", &totp(&secret, 0)).await;
        click(&c, "#mfa-confirm").await;
        wait_for(&c, "#recovery-codes").await;
        assert_csp_clean(&c, "recovery codes").await;
        shot(&c, "profile-mfa-recovery-codes").await;
        let codes: Vec<String> = text(&c, "#recovery-codes")
            .await
            .split_whitespace()
            .map(str::to_owned)
            .collect();
        assert_eq!(codes.len(), 10, "{codes:?}");
        click(&c, "#recovery-done").await;
        wait_for(&c, "#mfa-disable").await;

        // Sign out, and in again: the password alone is not enough any more.
        sign_out(&c, &base).await;
        sign_in(&c, &base, EMAIL, PASSWORD).await;
        wait_for(&c, "#totp").await;
        let logged = console(&c).await; // the form asked for the code with a 401
        assert!(logged.iter().all(|m| m.contains("401")), "{logged:?}");
        shot(&c, "login-code").await;
        fill(&c, "password", PASSWORD).await;
        // The next step's code: within the accepted skew and newer than the enrolment's.
        fill(&c, "totp", &totp(&secret, 1)).await;
        click(&c, "form[action='/login'] button[type=submit]").await;
        wait_for(&c, "a.who").await;
        assert_csp_clean(&c, "signed in with a code").await;

        // Another device signs in; sign it out from the list.
        let phone = sign_in_elsewhere(&base, &codes[0]);
        assert_eq!(status_with(&base, "/api/v1/me", ("Cookie", &phone)), 200);
        open_profile(&c, &base).await;
        assert!(text(&c, "#session-list").await.contains("Safari on iOS"));
        // Badges are set in capitals by the stylesheet; the words are what matter.
        assert!(
            text(&c, "#session-list")
                .await
                .to_lowercase()
                .contains("this session")
        );
        shot(&c, "profile-sessions").await;
        click(&c, "form[action='/app/profile/sessions/revoke'] button").await;
        wait_for(&c, "#notice").await;
        assert!(text(&c, "#notice").await.contains("signed out"));
        assert_eq!(status_with(&base, "/api/v1/me", ("Cookie", &phone)), 401);
        assert!(!text(&c, "#session-list").await.contains("Safari on iOS"));
        assert_csp_clean(&c, "session revoked").await;

        // An API token: created (recent sign-in, so no password asked), shown once, revoked.
        fill(&c, "token-name", "month-end script").await;
        click(&c, "#create-token").await;
        wait_for(&c, "#new-token").await;
        let token = text(&c, "#new-token").await;
        assert!(token.starts_with("fs_pat_"), "{token}");
        let bearer = format!("Bearer {token}");
        assert_eq!(
            status_with(&base, "/api/v1/me", ("Authorization", &bearer)),
            200
        );
        assert_csp_clean(&c, "token created").await;
        shot(&c, "profile-token-created").await;
        open_profile(&c, &base).await;
        assert!(
            !c.source().await.unwrap().contains(&token),
            "shown only once"
        );
        click(&c, "form[action='/app/profile/tokens/revoke'] button").await;
        wait_for(&c, "#notice").await;
        assert!(text(&c, "#notice").await.contains("revoked"));
        assert_eq!(
            status_with(&base, "/api/v1/me", ("Authorization", &bearer)),
            401
        );
        assert!(text(&c, "#token-list").await.contains("Revoked"));

        // Export: the button posts its form (through step-up, which a recent sign-in passes at
        // once); the form is submitted here as the browser would, to read the download.
        let export = c
            .execute_async(
                "const done = arguments[arguments.length - 1];\
                 const f = document.getElementById('export-data').form;\
                 fetch(f.action, {method: 'POST', body: new URLSearchParams(new FormData(f))})\
                 .then(r => r.text().then(t => done([r.status, r.headers.get('content-disposition'), t, f.action])));",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(export[3], format!("{base}/app/profile/export"));
        assert_eq!(export[0], 200);
        assert!(export[1].as_str().unwrap().starts_with("attachment;"));
        let doc: Value = serde_json::from_str(export[2].as_str().unwrap()).unwrap();
        assert_eq!(doc["profile"]["email"], EMAIL);
        assert_eq!(doc["mfa"]["enabled"], true);
        assert_eq!(doc["api_tokens"][0]["name"], "month-end script");
        let raw = export[2].as_str().unwrap();
        assert!(!raw.contains(&token) && !raw.contains(&codes[1]) && !raw.contains(PASSWORD));
        assert!(!raw.contains(&secret.split_whitespace().collect::<String>()));
        shot(&c, "profile-data").await;

        // Nothing of it stays in the browser's storage (checklist J9): after sign-in, MFA
        // enrolment, a token shown and the export read, local and session storage hold nothing,
        // and the session cookie is out of the page's reach (HttpOnly).
        let stored = c
            .execute(
                "const all = s => Object.keys(s).map(k => k + '=' + s.getItem(k));\
                 return [all(window.localStorage), all(window.sessionStorage), document.cookie];",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(stored[0], json!([]), "localStorage: {stored}");
        assert_eq!(stored[1], json!([]), "sessionStorage: {stored}");
        assert_eq!(stored[2], "", "the page can read a cookie: {stored}");
        let stored = stored.to_string();
        for secret in [
            token.as_str(),
            codes[1].as_str(),
            PASSWORD,
            doc["profile"]["email"].as_str().unwrap(),
        ] {
            assert!(!stored.contains(secret));
        }

        // Delete the account: type the address (the sign-in is recent, so step-up passes).
        fill(&c, "delete-email", EMAIL).await;
        shot(&c, "profile-delete").await;
        click(&c, "#delete-account").await;
        wait_for_url(&c, "the start page", |u| u == format!("{base}/")).await;
        assert!(c.find(Locator::Css("a.who")).await.is_err(), "signed out");
        assert_csp_clean(&c, "after deletion").await;
        shot(&c, "account-deleted").await;

        // Gone: signing in fails like for any unknown address.
        sign_in(&c, &base, EMAIL, PASSWORD).await;
        wait_for(&c, "#login-error").await;
        let _ = console(&c).await;
        c
    });
}
