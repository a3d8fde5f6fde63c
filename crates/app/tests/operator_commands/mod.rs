//! Operators' commands: master-key rotation, organisation deletion, users and MFA resets with an audit trail.

use super::*;

#[test]
fn master_key_rotation_and_organisation_deletion_from_the_command_line() {
    let ws = Workspace::new();
    ws.ok(&["migrate", "--create"]);
    ws.ok(&["org", "create", "--slug", "one", "--name", "One"]);
    ws.ok(&["org", "create", "--slug", "two", "--name", "Two"]);
    // The slug is refused by the flag that carried it, with the same words as the API's field error.
    let taken = ws.fails(&["org", "create", "--slug", "two", "--name", "Another"]);
    assert!(
        taken.contains("--slug: that organisation slug is taken"),
        "{taken}"
    );
    let odd = ws.fails(&["org", "create", "--slug", "2nd", "--name", "Another"]);
    assert!(odd.contains("--slug: the slug is 3 to 40"), "{odd}");
    let key_file = ws.path("master.key");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&key_file).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    let status = ws.ok(&["keys", "status"]);
    assert!(
        status.contains("current v1") && status.contains("Organisations: 2"),
        "{status}"
    );
    let rotated = ws.ok(&["keys", "rotate"]);
    assert!(
        rotated.contains("v2") && rotated.contains("2 organisation keys"),
        "{rotated}"
    );
    let status = ws.ok(&["keys", "status"]);
    assert!(
        status.contains("current v2") && status.contains("re-wrap: 0"),
        "{status}"
    );
    // v1 wraps nothing now: it can go, and the database still opens with v2 alone.
    ws.ok(&["keys", "retire", "1"]);
    assert!(!std::fs::read_to_string(&key_file).unwrap().contains("v1:"));
    let status = ws.ok(&["keys", "status"]);
    assert!(
        status.contains("Master keys loaded: v2 (current v2)"),
        "{status}"
    );
    let err = ws.fails(&["keys", "retire", "2"]);
    assert!(err.contains("current"), "{err}");
    // A wrong master key is refused at start, naming the variable.
    let out = ws
        .cmd()
        .env(
            "FLOWSENSE_MASTER_KEY",
            "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
        )
        .args(["keys", "status"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("FLOWSENSE_MASTER_KEY"));
    // Deletion needs --yes, then takes the organisation and nothing else.
    let err = ws.fails(&["org", "delete", "--slug", "one"]);
    assert!(err.contains("--yes"), "{err}");
    ws.ok(&["org", "delete", "--slug", "one", "--yes"]);
    assert_eq!(ws.sql("SELECT COUNT(*) FROM organisations"), "1");
    assert_eq!(ws.sql("SELECT slug FROM organisations"), "two");
}

#[test]
fn operators_create_users_and_reset_mfa_with_an_audit_trail() {
    let ws = Workspace::new();
    ws.ok(&["migrate", "--create"]);
    ws.ok(&["org", "create", "--slug", "acme", "--name", "Acme"]);
    let out = ws.ok(&[
        "user",
        "create",
        "--email",
        "Ops@Example.com",
        "--name",
        "Ops",
        "--org",
        "acme",
        "--role",
        "admin",
    ]);
    assert!(
        out.contains("created ops@example.com with password "),
        "{out}"
    );
    let password = out
        .lines()
        .next()
        .unwrap()
        .rsplit(' ')
        .next()
        .unwrap()
        .to_owned();
    assert_eq!(password.len(), 20);
    assert_eq!(ws.sql("SELECT role FROM memberships"), "admin");
    let err = ws.fails(&[
        "user",
        "create",
        "--email",
        "ops@example.com",
        "--name",
        "Again",
    ]);
    assert!(err.contains("already exists"), "{err}");
    let err = ws.fails(&[
        "user",
        "create",
        "--email",
        "x@example.com",
        "--name",
        "X",
        "--org",
        "acme",
        "--role",
        "owner",
    ]);
    assert!(err.contains("--role"), "{err}");
    let out = ws.ok(&["user", "reset-mfa", "--email", "ops@example.com"]);
    assert!(out.contains("MFA is off"), "{out}");
    assert_eq!(
        ws.sql("SELECT COUNT(*) FROM audit_events WHERE action = 'mfa.reset_by_operator'"),
        "1"
    );
    assert_eq!(
        ws.sql("SELECT COUNT(*) FROM audit_events WHERE action = 'member.added_by_operator'"),
        "1"
    );
    // The password never reaches the audit log.
    assert_eq!(
        ws.sql(&format!(
            "SELECT COUNT(*) FROM audit_events WHERE details LIKE '%{password}%'"
        )),
        "0"
    );
}

/// `flowsense user disable` against a running server: the user's live session and API token
/// are refused (401) on their next request, sign-in answers exactly as a wrong password does,
/// both are audited, and `enable` lets them sign in again.
#[test]
fn a_disabled_user_is_signed_out_and_refused_until_enabled() {
    use crate::cli_support::Server;
    use crate::faults::instance::{PATIENCE, Session, send};
    let ws = Workspace::new();
    ws.ok(&["migrate", "--create"]);
    ws.ok(&["org", "create", "--slug", "acme", "--name", "Acme"]);
    let password_of = |out: &str| {
        out.split("with password ")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .expect("the printed password")
            .to_owned()
    };
    let create = |email: &str| {
        password_of(&ws.ok(&[
            "user", "create", "--email", email, "--name", "Someone", "--org", "acme", "--role",
            "admin",
        ]))
    };
    let dana = create("dana@acme.test");
    let eve = create("eve@acme.test");
    let server = Server::start(
        ws.cmd()
            .env("FLOWSENSE_ADDR", "127.0.0.1:0")
            .env_remove("FLOWSENSE_REDIS_URL")
            .arg("serve"),
    );
    let base = server.url.clone();
    let session = Session::sign_in(&base, "dana@acme.test", &dana);
    let other = Session::sign_in(&base, "eve@acme.test", &eve);
    let created = session.post(
        &format!("{base}/api/v1/me/tokens"),
        r#"{"name": "script", "scope": "write"}"#,
    );
    assert_eq!(created.status, 201, "{}", created.body);
    let token = created.json()["token"].as_str().unwrap().to_owned();
    let bearer = format!("Bearer {token}");
    let me = |headers: &[(&str, &str)]| {
        send("GET", &format!("{base}/api/v1/me"), headers, "", PATIENCE).unwrap()
    };
    let login = |email: &str, password: &str| {
        send(
            "POST",
            &format!("{base}/api/v1/auth/login"),
            &[("Content-Type", "application/json")],
            &serde_json::json!({"email": email, "password": password}).to_string(),
            PATIENCE,
        )
        .unwrap()
    };
    assert_eq!(me(&[("Cookie", session.cookie.as_str())]).status, 200);
    assert_eq!(me(&[("Authorization", bearer.as_str())]).status, 200);

    let out = ws.ok(&["user", "disable", "--email", "Dana@acme.test"]);
    assert!(out.contains("1 sessions were ended"), "{out}");
    // The next request of the live session and of the API token: 401, as a stranger's.
    let by_cookie = me(&[("Cookie", session.cookie.as_str())]);
    assert_eq!(by_cookie.status, 401, "{}", by_cookie.body);
    assert_eq!(by_cookie.json()["error"]["code"], "unauthenticated");
    let by_token = me(&[("Authorization", bearer.as_str())]);
    assert_eq!(by_token.status, 401, "{}", by_token.body);
    assert_eq!(by_token.json()["error"]["code"], "unauthenticated");
    // A write with the token is refused the same way, and wrote nothing.
    let write = send(
        "POST",
        &format!("{base}/api/v1/me/tokens"),
        &[
            ("Authorization", bearer.as_str()),
            ("Content-Type", "application/json"),
        ],
        r#"{"name": "more", "scope": "read"}"#,
        PATIENCE,
    )
    .unwrap();
    assert_eq!(write.status, 401, "{}", write.body);
    assert_eq!(ws.sql("SELECT COUNT(*) FROM api_tokens"), "1");
    // Sign-in with the right password answers exactly as a wrong one does.
    let right = login("dana@acme.test", &dana);
    let wrong = login("dana@acme.test", "not the password at all");
    assert_eq!(right.status, 401, "{}", right.body);
    assert_eq!((right.status, &right.body), (wrong.status, &wrong.body));
    assert!(right.header("set-cookie").is_none());
    // Everyone else is untouched.
    assert_eq!(me(&[("Cookie", other.cookie.as_str())]).status, 200);
    assert_eq!(
        ws.sql(
            "SELECT COUNT(*) FROM audit_events WHERE action = 'user.disabled_by_operator' \
             AND details LIKE '%\"sessions_ended\":1%'"
        ),
        "1"
    );
    // An unknown address is an error that names the problem.
    let err = ws.fails(&["user", "disable", "--email", "nobody@acme.test"]);
    assert!(err.contains("no user with that e-mail address"), "{err}");

    ws.ok(&["user", "enable", "--email", "dana@acme.test"]);
    assert_eq!(
        ws.sql("SELECT COUNT(*) FROM audit_events WHERE action = 'user.enabled_by_operator'"),
        "1"
    );
    // The ended session stays ended; a new sign-in works, and so does the unexpired token.
    assert_eq!(me(&[("Cookie", session.cookie.as_str())]).status, 401);
    assert_eq!(login("dana@acme.test", &dana).status, 200);
    assert_eq!(me(&[("Authorization", bearer.as_str())]).status, 200);
}

/// A fresh database has no user (no account ships); `flowsense user setup-token` prints a
/// one-time token, stored only as its hash, that creates the first account through the running
/// server once; it is recorded as used, by whom, and refused after that; and once a user
/// exists no new token is issued.
#[test]
fn the_first_account_comes_from_a_one_time_setup_token() {
    use crate::cli_support::Server;
    use crate::faults::instance::{PATIENCE, Session, send};
    let ws = Workspace::new();
    ws.ok(&["migrate", "--create"]);
    assert_eq!(ws.sql("SELECT COUNT(*) FROM users"), "0");
    let out = ws.ok(&["user", "setup-token"]);
    let token = out
        .split("setup token: ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .expect("the printed token")
        .to_owned();
    assert!(token.starts_with("fs_setup_") && token.len() > 40, "{out}");
    // A second token replaces the first, unused one.
    let out = ws.ok(&["user", "setup-token"]);
    let second = out
        .split("setup token: ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .expect("the printed token")
        .to_owned();
    assert_eq!(ws.sql("SELECT COUNT(*) FROM setup_tokens"), "1");
    // Only a SHA-256 is stored, never the token.
    assert_eq!(ws.sql("SELECT length(token_hash) FROM setup_tokens"), "32");
    assert_eq!(
        ws.sql(&format!(
            "SELECT COUNT(*) FROM setup_tokens WHERE instr(CAST(token_hash AS TEXT), '{}') > 0",
            &second[9..20]
        )),
        "0"
    );
    let server = Server::start(
        ws.cmd()
            .env("FLOWSENSE_ADDR", "127.0.0.1:0")
            .env("FLOWSENSE_SIGNUP", "closed")
            .env_remove("FLOWSENSE_REDIS_URL")
            .arg("serve"),
    );
    let base = server.url.clone();
    let setup = |token: &str, email: &str| {
        send(
            "POST",
            &format!("{base}/api/v1/setup"),
            &[("Content-Type", "application/json")],
            &serde_json::json!({
                "token": token,
                "email": email,
                "display_name": "First",
                "password": "correct horse battery staple 42",
            })
            .to_string(),
            PATIENCE,
        )
        .unwrap()
    };
    let replaced = setup(&token, "first@example.com");
    assert_eq!(replaced.status, 400, "{}", replaced.body);
    assert!(replaced.body.contains("setup token"), "{}", replaced.body);
    let created = setup(&second, "First@Example.com");
    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(created.json()["email"], "first@example.com");
    assert_eq!(ws.sql("SELECT COUNT(*) FROM users"), "1");
    assert_eq!(
        ws.sql(
            "SELECT COUNT(*) FROM setup_tokens t JOIN users u ON u.id = t.used_by \
             WHERE t.used_at IS NOT NULL AND u.email = 'first@example.com' \
             AND u.email_verified_at IS NOT NULL"
        ),
        "1",
        "recorded as used, by whom"
    );
    // The token works once.
    let again = setup(&second, "second@example.com");
    assert_eq!(again.status, 400, "{}", again.body);
    assert_eq!(ws.sql("SELECT COUNT(*) FROM users"), "1");
    // The new account signs in, and can make its organisation.
    let session = Session::sign_in(
        &base,
        "first@example.com",
        "correct horse battery staple 42",
    );
    let org = session.post(
        &format!("{base}/api/v1/orgs"),
        r#"{"name": "First Co", "slug": "first-co", "base_currency": "EUR"}"#,
    );
    assert_eq!(org.status, 201, "{}", org.body);
    // With a user, no token is issued.
    let err = ws.fails(&["user", "setup-token"]);
    assert!(err.contains("has users already"), "{err}");
}

/// `flowsense audit verify` walks every organisation's audit hash chain: it passes on the chain
/// the operator commands wrote, and once one event's details are changed in the database file
/// (around the binary, with the append-only trigger dropped) it prints the organisation, the
/// event and what is wrong, logs a `flowsense::audit` security event and exits non-zero.
#[test]
fn audit_verify_prints_the_break_and_exits_non_zero() {
    let ws = Workspace::new();
    ws.ok(&["migrate", "--create"]);
    ws.ok(&["org", "create", "--slug", "acme", "--name", "Acme"]);
    ws.ok(&["org", "create", "--slug", "other", "--name", "Other"]);
    for (email, org) in [
        ("ann@acme.test", "acme"),
        ("bob@acme.test", "acme"),
        ("cy@other.test", "other"),
    ] {
        ws.ok(&[
            "user", "create", "--email", email, "--name", "Someone", "--org", org, "--role",
            "member",
        ]);
    }
    ws.ok(&["user", "disable", "--email", "bob@acme.test"]);
    let out = ws.ok(&["audit", "verify"]);
    assert!(out.contains("2 audit chains verify"), "{out}");
    assert!(out.contains("3 events verified"), "{out}");

    // The first event: ann added to acme.
    let tampered = ws.sql("SELECT MIN(id) FROM audit_events");
    raw(&ws, "DROP TRIGGER audit_events_append_only");
    raw(
        &ws,
        &format!("UPDATE audit_events SET details = '{{}}' WHERE id = {tampered}"),
    );
    let acme = ws.sql("SELECT lower(hex(id)) FROM organisations WHERE slug = 'acme'");
    let out = ws.cmd().args(["audit", "verify"]).output().unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(!out.status.success(), "a broken chain fails: {stdout}");
    let line = stdout
        .lines()
        .find(|l| l.starts_with("BROKEN"))
        .unwrap_or_else(|| panic!("no break printed: {stdout}"));
    assert!(
        line.contains(&format!("event {tampered} changed"))
            && line.replace('-', "").contains(&acme),
        "{line}"
    );
    assert!(
        stdout.contains("ok      org") && stdout.contains("1 events verified"),
        "the other organisation still verifies: {stdout}"
    );
    assert!(
        stderr.contains("1 of 2 organisations' audit chains are broken")
            && stderr.contains("audit.chain_broken"),
        "{stderr}"
    );
    // One organisation at a time, by slug.
    ws.ok(&["audit", "verify", "--org", "other"]);
    let err = ws.fails(&["audit", "verify", "--org", "acme"]);
    assert!(err.contains("are broken"), "{err}");
}

/// Runs one statement on the database file, around the binary.
#[expect(
    clippy::disallowed_methods,
    reason = "the test tampers with the database the binary wrote, around the store"
)]
fn raw(ws: &Workspace, statement: &str) {
    let url = ws.db_url();
    let statement = statement.to_owned();
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async move {
            use sqlx::Connection;
            let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
            sqlx::query(sqlx::AssertSqlSafe(statement))
                .execute(&mut conn)
                .await
                .unwrap();
        });
}
