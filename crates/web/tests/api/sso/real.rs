//! Against a real, certified OpenID Provider (`oidc-provider` from npm) on loopback, through
//! its own login and consent pages.

use super::{
    CLIENT_ID, CLIENT_SECRET, account, app_with_issuer, browser, links_of, location, me, param,
    sets_session, start,
};
use crate::support::{Db, PASSWORD, TestApp, code_of};
use flowsense_core::Role;
use reqwest::StatusCode;
use serde_json::json;
use std::io::BufRead;
use std::process::{Child, Command, Stdio};

/// The provider's test accounts: the id typed into its login page, and the claims it asserts.
const ACCOUNTS: &str = r#"{
  "new-person": {"email": "new.person@example.test", "email_verified": true, "name": "New Person"},
  "existing": {"email": "existing@example.test", "email_verified": true, "name": "Existing Person"},
  "impostor": {"email": "victim@example.test", "email_verified": false, "name": "Not The Victim"},
  "unverified-new": {"email": "fresh@example.test", "email_verified": false, "name": "Fresh"},
  "acme-person": {"email": "pat@acme.example", "email_verified": true, "name": "Pat Acme"},
  "acme-admin": {"email": "boss@acme.example", "email_verified": true, "name": "Boss Acme"}
}"#;

/// The node process serving the provider; killed when dropped.
pub struct NodeProvider {
    child: Child,
    /// Kept open: the provider writes to its standard output, which must not become a broken
    /// pipe.
    _stdout: std::io::BufReader<std::process::ChildStdout>,
    _accounts: tempfile::NamedTempFile,
}

impl Drop for NodeProvider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Where `.ci/oidc-env` installed the package.
#[expect(
    clippy::disallowed_methods,
    reason = "the test reads where CI installed its tool"
)]
fn provider_dir() -> Option<std::path::PathBuf> {
    let dir = std::path::PathBuf::from(std::env::var_os("FLOWSENSE_OIDC_PROVIDER_DIR")?);
    dir.join("node_modules/oidc-provider/package.json")
        .is_file()
        .then_some(dir)
}

/// Starts the provider for `redirect`; `None` (after printing why, or failing under
/// `FLOWSENSE_REQUIRE_TOOLS`) when node or the package is missing.
fn start_provider(redirect: &str) -> Option<(String, NodeProvider)> {
    let node = Command::new("node").arg("--version").output();
    let Some(dir) = provider_dir().filter(|_| node.is_ok_and(|o| o.status.success())) else {
        flowsense_test_support::skip_for_missing_tool(
            "node with the oidc-provider package",
            " (install node, then `. .ci/oidc-env`)",
        );
        return None;
    };
    let mut accounts = tempfile::NamedTempFile::new().expect("accounts file");
    std::io::Write::write_all(&mut accounts, ACCOUNTS.as_bytes()).expect("accounts");
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../test-support/oidc/provider.mjs"
    );
    let mut child = Command::new("node")
        .arg(script)
        .arg(redirect)
        .arg(CLIENT_ID)
        .arg(CLIENT_SECRET)
        .arg(accounts.path())
        .env("FLOWSENSE_OIDC_PROVIDER_DIR", dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("node");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    let mut stdout = std::io::BufReader::new(stdout);
    stdout.read_line(&mut line).expect("provider output");
    let issuer = line
        .strip_prefix("READY ")
        .unwrap_or_else(|| panic!("the provider did not start: {line:?}"))
        .trim()
        .to_owned();
    Some((
        issuer,
        NodeProvider {
            child,
            _stdout: stdout,
            _accounts: accounts,
        },
    ))
}

async fn app(db: Db, jit: &[&str]) -> Option<(TestApp, NodeProvider)> {
    app_with_issuer(db, jit, start_provider).await
}

/// The `action` of the first form in `html`, and its hidden inputs.
fn form_of(html: &str) -> (String, Vec<(String, String)>) {
    let attr = |tag: &str, name: &str| -> Option<String> {
        let key = format!("{name}=\"");
        let start = tag.find(&key)? + key.len();
        let end = tag[start..].find('"')? + start;
        Some(tag[start..end].replace("&amp;", "&"))
    };
    let form_start = html.find("<form").expect("a form");
    let form_tag = &html[form_start..form_start + html[form_start..].find('>').expect("tag")];
    let action = attr(form_tag, "action").expect("action");
    let hidden = html[form_start..]
        .split("<input")
        .skip(1)
        .filter(|t| t.contains("type=\"hidden\""))
        .filter_map(|t| Some((attr(t, "name")?, attr(t, "value")?)))
        .collect();
    (action, hidden)
}

/// Signs in at the provider as `account` from where `authorize` leads (its login page, then its
/// consent page), and returns the app's callback URL the provider sends the browser to —
/// without visiting it.
async fn through_provider(
    app: &TestApp,
    b: &reqwest::Client,
    authorize: &str,
    account: &str,
) -> String {
    let callback = format!("{}/login/sso/callback", app.base);
    let mut url = authorize.to_owned();
    for _ in 0..20 {
        let r = b.get(&url).send().await.expect("provider");
        if r.status().is_redirection() {
            url = location(&url, &r);
            if url.starts_with(&callback) {
                return url;
            }
            continue;
        }
        assert_eq!(r.status(), StatusCode::OK, "provider page {url}");
        // A page with a form: the login page (prompt=login) or the consent page.
        let page = r.text().await.expect("html");
        let (action, hidden) = form_of(&page);
        let action = reqwest::Url::parse(&url)
            .and_then(|u| u.join(&action))
            .expect("action")
            .to_string();
        let mut fields = hidden;
        if fields.iter().any(|(k, v)| k == "prompt" && v == "login") {
            fields.push(("login".into(), account.into()));
            fields.push(("password".into(), "any password".into()));
        }
        let r = b.post(&action).form(&fields).send().await.expect("submit");
        assert!(
            r.status().is_redirection(),
            "after {action}: {}",
            r.status()
        );
        url = location(&action, &r);
        if url.starts_with(&callback) {
            return url;
        }
    }
    panic!("the provider never sent the browser back");
}

/// The whole sign-in: start, provider, callback. The callback's response.
async fn sign_in(app: &TestApp, b: &reqwest::Client, account: &str) -> reqwest::Response {
    let authorize = start(app, b).await;
    let back = through_provider(app, b, &authorize, account).await;
    b.get(&back).send().await.expect("callback")
}

async fn a_new_person_signs_in_through_the_provider_and_gets_an_account_without_a_password(db: Db) {
    let Some((app, _provider)) = app(db, &[]).await else {
        return;
    };
    // The sign-in page offers the provider.
    let page = reqwest::get(format!("{}/login", app.base))
        .await
        .expect("login page")
        .text()
        .await
        .expect("html");
    assert!(page.contains("Sign in with Test Provider"), "{page}");

    let b = browser();
    let authorize = start(&app, &b).await;
    // Code flow with PKCE (S256), a state and a nonce, to the provider's own endpoint.
    assert_eq!(param(&authorize, "response_type").as_deref(), Some("code"));
    assert_eq!(
        param(&authorize, "code_challenge_method").as_deref(),
        Some("S256")
    );
    assert!(param(&authorize, "code_challenge").is_some_and(|c| c.len() == 43));
    assert!(param(&authorize, "state").is_some_and(|s| s.len() >= 43));
    assert!(param(&authorize, "nonce").is_some_and(|s| s.len() >= 43));
    let back = through_provider(&app, &b, &authorize, "new-person").await;
    let r = b.get(&back).send().await.expect("callback");
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(sets_session(&r));
    assert_eq!(location(&back, &r), format!("{}/app", app.base));
    assert_eq!(
        me(&app, &b).await.as_deref(),
        Some("new.person@example.test")
    );

    let user = account(&app, "new.person@example.test")
        .await
        .expect("made");
    assert!(!user.has_password(), "an SSO account has no password");
    assert!(user.email_verified_at.is_some());
    assert_eq!(links_of(&app, "new.person@example.test").await, 1);
    // The person's own export lists the linked provider account.
    let export: serde_json::Value = b
        .get(format!("{}/api/v1/me/export", app.base))
        .send()
        .await
        .expect("export")
        .json()
        .await
        .expect("json");
    let linked = export["sign_in_identities"].as_array().expect("listed");
    assert_eq!(linked.len(), 1, "{export}");
    assert!(
        linked[0]["issuer"]
            .as_str()
            .is_some_and(|i| i.starts_with("http")),
        "{export}"
    );
    // No password to sign in with, and none to reset: no e-mail goes out.
    let mut api = app.browser();
    let (status, _) = api.login("new.person@example.test", "").await;
    assert_ne!(status, StatusCode::OK);
    let (status, _) = api
        .post(
            "/api/v1/auth/password-reset",
            json!({"email": "new.person@example.test"}),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(
        app.emails().await,
        0,
        "no reset e-mail for an account without a password"
    );

    // The same person again: the same account, through the link.
    let again = browser();
    let r = sign_in(&app, &again, "new-person").await;
    assert!(sets_session(&r));
    assert_eq!(links_of(&app, "new.person@example.test").await, 1);
}

async fn an_existing_account_is_linked_when_the_provider_verified_the_address(db: Db) {
    let Some((app, _provider)) = app(db, &[]).await else {
        return;
    };
    let id = app.user("existing@example.test").await;
    let b = browser();
    let r = sign_in(&app, &b, "existing").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(sets_session(&r));
    assert_eq!(me(&app, &b).await.as_deref(), Some("existing@example.test"));
    let user = account(&app, "existing@example.test").await.expect("user");
    assert_eq!(user.id, id, "linked, not a second account");
    assert!(user.has_password(), "the password is kept");
    assert_eq!(links_of(&app, "existing@example.test").await, 1);
}

async fn an_unverified_address_never_takes_over_an_existing_account(db: Db) {
    let Some((app, _provider)) = app(db, &[]).await else {
        return;
    };
    let victim = app.user("victim@example.test").await;
    let org = app.org("victims-books", victim).await;
    let b = browser();
    let r = sign_in(&app, &b, "impostor").await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(!sets_session(&r));
    let page = r.text().await.expect("html");
    assert!(
        page.contains("has not confirmed that the address is yours"),
        "{page}"
    );
    assert_eq!(me(&app, &b).await, None);
    assert_eq!(
        links_of(&app, "victim@example.test").await,
        0,
        "nothing merged"
    );
    // The refusal is in the victim's organisation's audit log.
    let refused = app
        .state
        .store
        .count_audit_actions_since(org, "auth.sso_link_refused", chrono::DateTime::UNIX_EPOCH)
        .await
        .expect("audit");
    assert_eq!(refused, 1);

    // An unverified address makes no new account either.
    let b = browser();
    let r = sign_in(&app, &b, "unverified-new").await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(account(&app, "fresh@example.test").await.is_none());
}

async fn a_replayed_callback_or_code_and_another_browsers_state_are_refused(db: Db) {
    let Some((app, _provider)) = app(db, &[]).await else {
        return;
    };
    // A callback taken to another browser (a login-CSRF or a stolen link) does not sign it in,
    // and it uses up the state.
    let victim = browser();
    let attacker = browser();
    let authorize = start(&app, &attacker).await;
    let back = through_provider(&app, &attacker, &authorize, "new-person").await;
    let r = victim.get(&back).send().await.expect("callback");
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(!sets_session(&r));
    let r = attacker.get(&back).send().await.expect("callback");
    assert_eq!(r.status(), StatusCode::BAD_REQUEST, "the state works once");

    // A good sign-in, then the same callback again: the state is gone.
    let b = browser();
    let authorize = start(&app, &b).await;
    let back = through_provider(&app, &b, &authorize, "new-person").await;
    let first = b.get(&back).send().await.expect("callback");
    assert!(sets_session(&first));
    let replay = b.get(&back).send().await.expect("replay");
    assert_eq!(replay.status(), StatusCode::BAD_REQUEST);
    assert!(!sets_session(&replay));

    // The used code with a fresh, valid state: the provider refuses the code.
    let code = param(&back, "code").expect("code");
    let fresh = start(&app, &b).await;
    let state = param(&fresh, "state").expect("state");
    let url = reqwest::Url::parse_with_params(
        &format!("{}/login/sso/callback", app.base),
        &[("state", state.as_str()), ("code", code.as_str())],
    )
    .expect("url");
    let r = b.get(url).send().await.expect("replayed code");
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert!(!sets_session(&r));

    // An answer naming another issuer (RFC 9207's mix-up defence): refused before its code
    // goes anywhere.
    let mixed = browser();
    let authorize = start(&app, &mixed).await;
    let back = through_provider(&app, &mixed, &authorize, "new-person").await;
    let url = reqwest::Url::parse_with_params(
        &format!("{}/login/sso/callback", app.base),
        &[
            ("state", param(&back, "state").expect("state").as_str()),
            ("code", param(&back, "code").expect("code").as_str()),
            ("iss", "https://other-provider.example"),
        ],
    )
    .expect("url");
    let r = mixed.get(url).send().await.expect("mixed-up answer");
    assert!(r.status().is_client_error(), "{}", r.status());
    assert!(!sets_session(&r));

    // An unknown state, and none at all.
    for query in ["?state=made-up-state-value&code=x", "?code=x", ""] {
        let r = b
            .get(format!("{}/login/sso/callback{query}", app.base))
            .send()
            .await
            .expect("callback");
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{query}");
    }
}

async fn an_organisation_that_requires_sso_refuses_its_members_passwords(db: Db) {
    let Some((app, _provider)) = app(db, &["acme.example"]).await else {
        return;
    };
    let admin = app.user("boss@acme.example").await;
    let org = app.org("acme", admin).await;
    app.user("outsider@example.test").await;
    let mut b = app.signed_in("boss@acme.example").await;
    // The admin sets it on the settings page (recently signed in: no password asked again). A
    // domain the instance does not allow is refused in words, and nothing changes.
    let settings = format!("{}/app/{org}/settings", app.base);
    let html = b
        .http
        .get(&settings)
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(
        html.contains("Members can sign in with Test Provider"),
        "{html}"
    );
    let (http, csrf) = (b.http.clone(), b.csrf.clone().expect("csrf"));
    let post = |domain: &'static str| {
        http.post(format!("{settings}/sso"))
            .form(&[
                ("csrf_token", csrf.clone()),
                ("domain", domain.to_owned()),
                ("required", "on".to_owned()),
            ])
            .send()
    };
    let refused = post("elsewhere.example").await.expect("form");
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused
            .text()
            .await
            .expect("html")
            .contains("not one the instance allows"),
    );
    let (_, body) = b.get(&format!("/api/v1/orgs/{org}/sso")).await;
    assert_eq!(body["required"], false, "nothing changed: {body}");
    let saved = post("acme.example").await.expect("form");
    // Back on the settings page, which says so.
    assert_eq!(saved.status(), StatusCode::OK);
    assert!(
        saved
            .text()
            .await
            .expect("html")
            .contains("Settings saved.")
    );
    let (_, body) = b.get(&format!("/api/v1/orgs/{org}/sso")).await;
    assert_eq!(
        (&body["required"], &body["domain"]),
        (&json!(true), &json!("acme.example")),
        "{body}"
    );

    // The admin's own password no longer works, with a message pointing to SSO (API and page).
    let mut api = app.browser();
    let (status, body) = api.login("boss@acme.example", PASSWORD).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(code_of(&body), "sso_required");
    let page = app
        .browser()
        .http
        .post(format!("{}/login", app.base))
        .header("origin", &app.base)
        .form(&[("email", "boss@acme.example"), ("password", PASSWORD)])
        .send()
        .await
        .expect("form");
    assert_eq!(page.status(), StatusCode::FORBIDDEN);
    assert!(
        page.text()
            .await
            .expect("html")
            .contains("requires single sign-on")
    );
    // A wrong password still answers as any wrong password does (nothing revealed).
    let (status, body) = api
        .login("boss@acme.example", "wrong-password-123456")
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    // Someone outside the organisation signs in with a password as before.
    assert_eq!(
        api.login("outsider@example.test", PASSWORD).await.0,
        StatusCode::OK
    );

    // Through the provider, the admin signs in (linked by the verified address).
    let sso = browser();
    let r = sign_in(&app, &sso, "acme-admin").await;
    assert!(sets_session(&r));
    assert_eq!(me(&app, &sso).await.as_deref(), Some("boss@acme.example"));
}

async fn a_verified_address_at_a_claimed_domain_joins_as_a_viewer(db: Db) {
    let Some((app, _provider)) = app(db, &["acme.example"]).await else {
        return;
    };
    let admin = app.user("owner@acme.example").await;
    let org = app.org("acme", admin).await;
    // A domain the instance does not allow cannot be claimed.
    let mut b = app.signed_in("owner@acme.example").await;
    let (status, body) = b
        .send(
            reqwest::Method::PUT,
            &format!("/api/v1/orgs/{org}/sso"),
            Some(json!({"domain": "example.test"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (status, _) = b
        .send(
            reqwest::Method::PUT,
            &format!("/api/v1/orgs/{org}/sso"),
            Some(json!({"domain": "ACME.example"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);

    let person = browser();
    let r = sign_in(&app, &person, "acme-person").await;
    assert!(sets_session(&r));
    let user = account(&app, "pat@acme.example").await.expect("made");
    assert_eq!(
        app.state.store.role_in(org, user.id).await.expect("role"),
        Some(Role::Viewer),
        "just-in-time membership is as a viewer"
    );
    let joined = app
        .state
        .store
        .count_audit_actions_since(org, "member.joined_by_sso", chrono::DateTime::UNIX_EPOCH)
        .await
        .expect("audit");
    assert_eq!(joined, 1);
    // Someone at another domain joins nothing.
    let other = browser();
    assert!(sets_session(&sign_in(&app, &other, "new-person").await));
    let stranger = account(&app, "new.person@example.test")
        .await
        .expect("made");
    assert_eq!(
        app.state
            .store
            .role_in(org, stranger.id)
            .await
            .expect("role"),
        None
    );
}

crate::on_both_backends!(
    a_new_person_signs_in_through_the_provider_and_gets_an_account_without_a_password,
    an_existing_account_is_linked_when_the_provider_verified_the_address,
    an_unverified_address_never_takes_over_an_existing_account,
    a_replayed_callback_or_code_and_another_browsers_state_are_refused,
    an_organisation_that_requires_sso_refuses_its_members_passwords,
    a_verified_address_at_a_claimed_domain_joins_as_a_viewer,
);
