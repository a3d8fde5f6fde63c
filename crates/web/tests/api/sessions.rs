//! Sessions: idle and absolute expiry on the fake clock, rotation, revocation, cookie flags.

use crate::support::{Db, NEW_PASSWORD, PASSWORD, code_of, spawn_app, spawn_with};
use chrono::TimeDelta;
use flowsense_core::Role;
use flowsense_service::identity::limits::RateLimits;
use reqwest::{Method, StatusCode};
use serde_json::json;

async fn idle_and_absolute_expiry(db: Db) {
    let app = spawn_app(db).await;
    app.user("ana@x.test").await;
    let mut b = app.signed_in("ana@x.test").await;
    app.advance(TimeDelta::minutes(29));
    assert_eq!(
        b.get("/api/v1/me").await.0,
        StatusCode::OK,
        "activity within the idle timeout"
    );
    app.advance(TimeDelta::minutes(29));
    assert_eq!(
        b.get("/api/v1/me").await.0,
        StatusCode::OK,
        "the idle timer restarted"
    );
    app.advance(TimeDelta::minutes(31));
    let (s, body) = b.get("/api/v1/me").await;
    assert_eq!(
        (s, code_of(&body)),
        (StatusCode::UNAUTHORIZED, "unauthenticated")
    );

    // Always active, still signed out after the absolute lifetime.
    let mut b = app.signed_in("ana@x.test").await;
    for _ in 0..28 {
        app.advance(TimeDelta::minutes(25));
        assert_eq!(b.get("/api/v1/me").await.0, StatusCode::OK);
    }
    app.advance(TimeDelta::minutes(25));
    assert_eq!(
        b.get("/api/v1/me").await.0,
        StatusCode::UNAUTHORIZED,
        "12 h after sign-in"
    );
}

fn session_cookie(resp: &reqwest::Response) -> String {
    let c = resp
        .headers()
        .get("set-cookie")
        .expect("set-cookie")
        .to_str()
        .expect("ascii")
        .to_owned();
    c.split(';').next().expect("pair").to_owned()
}

async fn login_rotates_and_cookie_flags(db: Db) {
    let app = spawn_app(db).await;
    app.user("bo@x.test").await;
    let raw = reqwest::Client::new();
    let login = |cookie: Option<String>| {
        let mut r = raw
            .post(format!("{}/api/v1/auth/login", app.base))
            .json(&json!({"email": "bo@x.test", "password": PASSWORD}));
        if let Some(c) = cookie {
            r = r.header("cookie", c);
        }
        r.send()
    };
    let first = login(None).await.expect("login");
    let header = first
        .headers()
        .get("set-cookie")
        .expect("cookie")
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(header.starts_with("flowsense_session="), "{header}");
    for flag in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=43200"] {
        assert!(header.contains(flag), "{flag} missing in {header}");
    }
    assert!(!header.contains("Secure"), "no TLS in tests: {header}");
    let old = session_cookie(&first);
    let second = login(Some(old.clone())).await.expect("login again");
    let new = session_cookie(&second);
    assert_ne!(old, new);
    let me = |c: String| {
        raw.get(format!("{}/api/v1/me", app.base))
            .header("cookie", c)
            .send()
    };
    assert_eq!(
        me(old).await.expect("me").status(),
        StatusCode::UNAUTHORIZED,
        "the old cookie died at sign-in"
    );
    assert_eq!(me(new).await.expect("me").status(), StatusCode::OK);

    // Under TLS: the __Host- prefix and Secure.
    let tls = spawn_with(db, RateLimits::generous(), |s| s.secure_cookies = true).await;
    tls.user("bo@x.test").await;
    let resp = raw
        .post(format!("{}/api/v1/auth/login", tls.base))
        .json(&json!({"email": "bo@x.test", "password": PASSWORD}))
        .send()
        .await
        .expect("login");
    let header = resp
        .headers()
        .get("set-cookie")
        .expect("cookie")
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(
        header.starts_with("__Host-flowsense_session=") && header.contains("; Secure"),
        "{header}"
    );
}

async fn password_change_revokes_every_session(db: Db) {
    let app = spawn_app(db).await;
    app.user("cy@x.test").await;
    let mut here = app.signed_in("cy@x.test").await;
    let mut there = app.signed_in("cy@x.test").await;
    let (s, body) = here
        .post(
            "/api/v1/auth/password",
            json!({"current_password": "wrong-password-entirely", "new_password": NEW_PASSWORD}),
        )
        .await;
    assert_eq!(
        (s, code_of(&body)),
        (StatusCode::UNAUTHORIZED, "invalid_credentials")
    );
    let (s, body) = here
        .post(
            "/api/v1/auth/password",
            json!({"current_password": PASSWORD, "new_password": "password1234"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (s, _) = here
        .post(
            "/api/v1/auth/password",
            json!({"current_password": PASSWORD, "new_password": NEW_PASSWORD}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        there.get("/api/v1/me").await.0,
        StatusCode::UNAUTHORIZED,
        "other sessions revoked"
    );
    assert_eq!(
        here.get("/api/v1/me").await.0,
        StatusCode::OK,
        "this browser got a fresh session"
    );
    assert_eq!(
        app.browser().login("cy@x.test", PASSWORD).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.browser().login("cy@x.test", NEW_PASSWORD).await.0,
        StatusCode::OK
    );

    // Reset by e-mailed link: single use, and every session revoked.
    let mut b = app.signed_in_with("cy@x.test", NEW_PASSWORD).await;
    let (s, _) = app
        .browser()
        .post("/api/v1/auth/password-reset", json!({"email": "cy@x.test"}))
        .await;
    assert_eq!(s, StatusCode::ACCEPTED);
    let token = app.token_mailed_to("cy@x.test").await;
    let confirm = json!({"token": token, "new_password": PASSWORD});
    assert_eq!(
        app.browser()
            .post("/api/v1/auth/password-reset/confirm", confirm.clone())
            .await
            .0,
        StatusCode::OK
    );
    assert_eq!(
        app.browser()
            .post("/api/v1/auth/password-reset/confirm", confirm)
            .await
            .0,
        StatusCode::BAD_REQUEST,
        "single use"
    );
    assert_eq!(b.get("/api/v1/me").await.0, StatusCode::UNAUTHORIZED);
    // Expired link.
    app.browser()
        .post("/api/v1/auth/password-reset", json!({"email": "cy@x.test"}))
        .await;
    let token = app.token_mailed_to("cy@x.test").await;
    app.advance(TimeDelta::minutes(61));
    let (s, _) = app
        .browser()
        .post(
            "/api/v1/auth/password-reset/confirm",
            json!({"token": token, "new_password": NEW_PASSWORD}),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
}

async fn users_list_and_revoke_their_sessions(db: Db) {
    let app = spawn_app(db).await;
    app.user("di@x.test").await;
    let mut a = app.signed_in("di@x.test").await;
    let mut b = app.signed_in("di@x.test").await;
    let mut c = app.signed_in("di@x.test").await;
    let (_, list) = a.get("/api/v1/me/sessions").await;
    let list = list.as_array().expect("array").clone();
    assert_eq!(list.len(), 3);
    assert_eq!(
        list.iter().filter(|s| s["current"] == json!(true)).count(),
        1
    );
    assert!(!list.iter().any(|s| s.to_string().contains("hash")));
    let (_, mine_b) = b.get("/api/v1/me/sessions").await;
    let b_id = mine_b
        .as_array()
        .expect("array")
        .iter()
        .find(|s| s["current"] == json!(true))
        .expect("current")["id"]
        .as_str()
        .expect("id")
        .to_owned();
    assert_eq!(
        a.send(Method::DELETE, &format!("/api/v1/me/sessions/{b_id}"), None)
            .await
            .0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(b.get("/api/v1/me").await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(
        a.send(Method::DELETE, &format!("/api/v1/me/sessions/{b_id}"), None)
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    let (s, body) = a.send(Method::DELETE, "/api/v1/me/sessions", None).await;
    assert_eq!((s, body["revoked"].as_u64()), (StatusCode::OK, Some(1)));
    assert_eq!(c.get("/api/v1/me").await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(
        a.get("/api/v1/me").await.0,
        StatusCode::OK,
        "the current session stays"
    );
    // Sign-out ends the session and clears the cookie.
    assert_eq!(
        a.send(Method::POST, "/api/v1/auth/logout", None).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(a.get("/api/v1/me").await.0, StatusCode::UNAUTHORIZED);
}

/// The concurrent-session limit behaves as `SECURITY.md` documents it (checklist D8): one
/// sign-in past the limit ends the oldest session on the server, and only that one; a step-up at
/// the limit ends nobody.
async fn signing_in_past_the_session_limit_ends_the_oldest_session(db: Db) {
    use flowsense_service::identity::session::MAX_SESSIONS_PER_USER;
    let limit = usize::try_from(MAX_SESSIONS_PER_USER).expect("small");
    let policy = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../SECURITY.md"))
        .expect("SECURITY.md");
    assert!(
        policy.contains(&format!("at most {limit} sessions at once"))
            && policy.contains("ends that user's oldest session"),
        "SECURITY.md documents the limit"
    );
    let app = spawn_app(db).await;
    app.user("lim@x.test").await;
    app.user("other@x.test").await;
    let mut bystander = app.signed_in("other@x.test").await;
    let mut sessions = Vec::new();
    for _ in 0..limit {
        sessions.push(app.signed_in("lim@x.test").await);
        app.advance(TimeDelta::seconds(1));
    }
    for b in &mut sessions {
        assert_eq!(b.get("/api/v1/me").await.0, StatusCode::OK);
    }
    let (s, listed) = sessions[limit - 1].get("/api/v1/me/sessions").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(listed.as_array().map(Vec::len), Some(limit), "{listed}");

    // A step-up at the limit renews one session and ends no other.
    let (s, _) = sessions[limit - 1]
        .post("/api/v1/auth/reauthenticate", json!({"password": PASSWORD}))
        .await;
    assert_eq!(s, StatusCode::OK);
    for b in &mut sessions {
        assert_eq!(
            b.get("/api/v1/me").await.0,
            StatusCode::OK,
            "a step-up ended a session"
        );
    }

    let mut newest = app.signed_in("lim@x.test").await;
    assert_eq!(newest.get("/api/v1/me").await.0, StatusCode::OK);
    assert_eq!(
        sessions[0].get("/api/v1/me").await.0,
        StatusCode::UNAUTHORIZED,
        "the oldest session outlived the limit"
    );
    for b in &mut sessions[1..] {
        assert_eq!(b.get("/api/v1/me").await.0, StatusCode::OK);
    }
    let (_, listed) = newest.get("/api/v1/me/sessions").await;
    assert_eq!(listed.as_array().map(Vec::len), Some(limit), "{listed}");
    assert_eq!(
        bystander.get("/api/v1/me").await.0,
        StatusCode::OK,
        "another user's session"
    );
}

/// A cookie captured before a step-up or a logout is dead on the server, not only forgotten by
/// the browser that held it (checklist D2, D4); the logout also asks the browser to clear what
/// the origin stored (J9).
async fn cookies_from_before_a_step_up_or_a_logout_are_refused(db: Db) {
    let app = spawn_app(db).await;
    app.user("cy@x.test").await;
    let raw = reqwest::Client::new();
    let me = |cookie: &str| {
        raw.get(format!("{}/api/v1/me", app.base))
            .header("cookie", cookie)
            .send()
    };
    let login = raw
        .post(format!("{}/api/v1/auth/login", app.base))
        .json(&json!({"email": "cy@x.test", "password": PASSWORD}))
        .send()
        .await
        .expect("login");
    let before_step_up = session_cookie(&login);
    let csrf = login.json::<serde_json::Value>().await.expect("json")["csrf_token"]
        .as_str()
        .expect("csrf")
        .to_owned();
    let step_up = raw
        .post(format!("{}/api/v1/auth/reauthenticate", app.base))
        .header("cookie", &before_step_up)
        .header("x-csrf-token", &csrf)
        .json(&json!({"password": PASSWORD}))
        .send()
        .await
        .expect("step-up");
    assert_eq!(step_up.status(), StatusCode::OK);
    let after_step_up = session_cookie(&step_up);
    assert_ne!(before_step_up, after_step_up);
    let csrf = step_up.json::<serde_json::Value>().await.expect("json")["csrf_token"]
        .as_str()
        .map_or(csrf, str::to_owned);
    assert_eq!(
        me(&before_step_up).await.expect("me").status(),
        StatusCode::UNAUTHORIZED,
        "the cookie from before the step-up still works"
    );
    assert_eq!(
        me(&after_step_up).await.expect("me").status(),
        StatusCode::OK
    );

    let logout = raw
        .post(format!("{}/api/v1/auth/logout", app.base))
        .header("cookie", &after_step_up)
        .header("x-csrf-token", &csrf)
        .send()
        .await
        .expect("logout");
    assert!(logout.status().is_success(), "{}", logout.status());
    assert_eq!(
        logout
            .headers()
            .get("clear-site-data")
            .and_then(|v| v.to_str().ok()),
        Some("\"cache\", \"cookies\", \"storage\"")
    );
    assert_eq!(
        me(&after_step_up).await.expect("me").status(),
        StatusCode::UNAUTHORIZED,
        "a cookie replayed after logout still works"
    );
}

/// The attributes of one `Set-Cookie` header (checklist D7): the `__Host-` prefix, `Secure`,
/// `HttpOnly`, `Path=/`, no `Domain`, `SameSite=Lax`, and a lifetime under a day (A12).
fn assert_host_cookie(label: &str, header: &str) {
    let mut parts = header.split(';').map(str::trim);
    let (name, _) = parts
        .next()
        .and_then(|kv| kv.split_once('='))
        .unwrap_or_else(|| panic!("{label}: no name in {header}"));
    assert_eq!(name, "__Host-flowsense_session", "{label}: {header}");
    let mut flags = std::collections::BTreeMap::new();
    for attribute in parts.filter(|p| !p.is_empty()) {
        let (k, v) = attribute.split_once('=').unwrap_or((attribute, ""));
        assert!(
            flags.insert(k.to_ascii_lowercase(), v.to_owned()).is_none(),
            "{label}: {k} twice in {header}"
        );
    }
    for flag in ["secure", "httponly"] {
        assert_eq!(
            flags.get(flag).map(String::as_str),
            Some(""),
            "{label}: {header}"
        );
    }
    assert_eq!(
        flags.get("path").map(String::as_str),
        Some("/"),
        "{label}: {header}"
    );
    assert_eq!(
        flags.get("samesite").map(String::as_str),
        Some("Lax"),
        "{label}: {header}"
    );
    assert!(!flags.contains_key("domain"), "{label}: {header}");
    assert!(
        !flags.contains_key("expires"),
        "{label}: Max-Age only: {header}"
    );
    let max_age: i64 = flags
        .get("max-age")
        .unwrap_or_else(|| panic!("{label}: no Max-Age in {header}"))
        .parse()
        .expect("a number of seconds");
    assert!((0..24 * 3600).contains(&max_age), "{label}: {header}");
}

/// Every way the server sets the cookie under TLS (sign-in by API and by form, step-up by API and
/// on the profile page, sign-out) sets only the `__Host-` session cookie with its full attributes,
/// and a cookie that lives less than a day (checklist D7, A12).
async fn every_cookie_the_server_sets_is_a_host_cookie(db: Db) {
    let app = spawn_with(db, RateLimits::generous(), |s| s.secure_cookies = true).await;
    app.user("eve@x.test").await;
    // A client without a cookie store: the cookies travel by hand, as an attacker's would.
    let raw = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let url = |path: &str| format!("{}{path}", app.base);
    let mut seen: Vec<(&str, String)> = Vec::new();
    let mut collect = |label: &'static str, resp: &reqwest::Response| -> String {
        let all: Vec<String> = resp
            .headers()
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().expect("ascii").to_owned())
            .collect();
        assert_eq!(all.len(), 1, "{label}: {all:?}");
        seen.push((label, all[0].clone()));
        all[0].split(';').next().expect("pair").to_owned()
    };

    let login = raw
        .post(url("/api/v1/auth/login"))
        .json(&json!({"email": "eve@x.test", "password": PASSWORD}))
        .send()
        .await
        .expect("login");
    assert_eq!(login.status(), StatusCode::OK);
    collect("API sign-in", &login);

    let form = raw
        .post(url("/login"))
        .header("origin", app.base.as_str())
        .form(&[("email", "eve@x.test"), ("password", PASSWORD)])
        .send()
        .await
        .expect("form sign-in");
    assert_eq!(form.status(), StatusCode::SEE_OTHER);
    let cookie = collect("form sign-in", &form);

    let profile = raw
        .get(url("/app/profile"))
        .header("cookie", &cookie)
        .send()
        .await
        .expect("profile");
    assert_eq!(profile.status(), StatusCode::OK);
    let page = profile.text().await.expect("html");
    let form_token = crate::forms::input_value(&page, "csrf_token").expect("a form token");
    app.advance(TimeDelta::minutes(11));
    let export = raw
        .post(url("/app/profile/export"))
        .header("cookie", &cookie)
        .header("origin", app.base.as_str())
        .form(&[
            ("csrf_token", form_token.as_str()),
            ("step_up_password", PASSWORD),
        ])
        .send()
        .await
        .expect("export with step-up");
    assert_eq!(export.status(), StatusCode::OK);
    let cookie = collect("profile step-up", &export);

    // The renewed session's CSRF token, as its profile page carries it.
    let profile = raw
        .get(url("/app/profile"))
        .header("cookie", &cookie)
        .send()
        .await
        .expect("profile");
    assert_eq!(profile.status(), StatusCode::OK);
    let csrf = crate::forms::input_value(&profile.text().await.expect("html"), "csrf_token")
        .expect("a form token");
    let step_up = raw
        .post(url("/api/v1/auth/reauthenticate"))
        .header("cookie", &cookie)
        .header("x-csrf-token", &csrf)
        .json(&json!({"password": PASSWORD}))
        .send()
        .await
        .expect("step-up");
    assert_eq!(step_up.status(), StatusCode::OK);
    let cookie = collect("API step-up", &step_up);
    let csrf = step_up.json::<serde_json::Value>().await.expect("json")["csrf_token"]
        .as_str()
        .map_or(csrf, str::to_owned);

    let logout = raw
        .post(url("/api/v1/auth/logout"))
        .header("cookie", &cookie)
        .header("x-csrf-token", &csrf)
        .send()
        .await
        .expect("logout");
    assert!(logout.status().is_success(), "{}", logout.status());
    collect("sign-out", &logout);

    assert_eq!(seen.len(), 5);
    for (label, header) in &seen {
        assert_host_cookie(label, header);
    }
    assert!(
        seen.last().is_some_and(|(_, h)| h.contains("Max-Age=0")),
        "sign-out clears the cookie: {seen:?}"
    );
}

/// An admin signs a member out of every session (API and members page); the member's next
/// request is 401, the admin's own and other people's sessions stay, someone who is not a
/// member of the organisation is not found, and the action is audited.
async fn admins_sign_a_member_out_everywhere(db: Db) {
    let app = spawn_app(db).await;
    let admin = app.user("ada@x.test").await;
    let org = app.org("signout", admin).await;
    let member = app.member(org, "mo@x.test", Role::Member).await;
    let outsider = app.user("out@y.test").await;
    let other_org = app.org("elsewhere", outsider).await;
    let mut a = app.signed_in("ada@x.test").await;
    let mut m1 = app.signed_in("mo@x.test").await;
    let mut m2 = app.signed_in("mo@x.test").await;
    let mut o = app.signed_in("out@y.test").await;
    let path = format!("/api/v1/orgs/{org}/members/{member}/sessions");
    assert_eq!(
        m1.send(Method::DELETE, &path, None).await.0,
        StatusCode::FORBIDDEN,
        "a member cannot"
    );
    assert_eq!(
        a.send(Method::DELETE, &path, None).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(m1.get("/api/v1/me").await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(m2.get("/api/v1/me").await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(a.get("/api/v1/me").await.0, StatusCode::OK);
    // Another organisation's member, under this organisation: not found, and still signed in.
    let (s, body) = a
        .send(
            Method::DELETE,
            &format!("/api/v1/orgs/{org}/members/{outsider}/sessions"),
            None,
        )
        .await;
    assert_eq!((s, code_of(&body)), (StatusCode::NOT_FOUND, "not_found"));
    assert_eq!(o.get("/api/v1/me").await.0, StatusCode::OK);
    let (s, _) = a
        .send(
            Method::DELETE,
            &format!("/api/v1/orgs/{other_org}/members/{outsider}/sessions"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(o.get("/api/v1/me").await.0, StatusCode::OK);
    let audit = app.state.store.audit_events(org, 50).await.expect("audit");
    assert_eq!(
        audit
            .iter()
            .filter(|e| e.action == "member.sessions_ended")
            .count(),
        1
    );
    // The members page does the same with its button.
    let mut m3 = app.signed_in("mo@x.test").await;
    let page = a
        .request(
            Method::POST,
            &format!("/app/{org}/members/{member}/sign-out"),
        )
        .form(&[("csrf_token", a.csrf.clone().unwrap_or_default())])
        .send()
        .await
        .expect("page");
    assert_eq!(page.status(), StatusCode::OK);
    assert!(
        page.text()
            .await
            .expect("body")
            .contains("signed out of every session")
    );
    assert_eq!(m3.get("/api/v1/me").await.0, StatusCode::UNAUTHORIZED);
}

crate::on_both_backends!(
    idle_and_absolute_expiry,
    every_cookie_the_server_sets_is_a_host_cookie,
    login_rotates_and_cookie_flags,
    cookies_from_before_a_step_up_or_a_logout_are_refused,
    password_change_revokes_every_session,
    users_list_and_revoke_their_sessions,
    signing_in_past_the_session_limit_ends_the_oldest_session,
    admins_sign_a_member_out_everywhere,
);
