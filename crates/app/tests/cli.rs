//! The `flowsense` binary tried as a person would: in a terminal, with real files, a real
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test
//! database and a real server.

mod browser;
mod cli_support;

use cli_support::{Workspace, flowsense, http};
use std::io::Write;

#[test]
fn every_command_has_help() {
    for args in [
        vec!["--help"],
        vec!["demo", "--help"],
        vec!["serve", "--help"],
        vec!["migrate", "--help"],
        vec!["import", "--help"],
        vec!["report", "--help"],
        vec!["gen", "--help"],
        vec!["org", "--help"],
        vec!["org", "create", "--help"],
    ] {
        let out = flowsense().args(&args).output().unwrap();
        assert!(out.status.success(), "{args:?}");
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("Usage:"),
            "{args:?}"
        );
    }
}

#[test]
fn bad_settings_stop_start_up_with_a_message_naming_the_variable() {
    let ws = Workspace::new();
    for (var, value, expected) in [
        ("FLOWSENSE_ADDR", "not-an-address", "FLOWSENSE_ADDR"),
        (
            "FLOWSENSE_DATABASE_URL",
            "mysql://localhost/x",
            "FLOWSENSE_DATABASE_URL",
        ),
        ("FLOWSENSE_PUBLIC_URL", "ftp://x", "FLOWSENSE_PUBLIC_URL"),
        (
            "FLOWSENSE_SESSION_IDLE_MINUTES",
            "0",
            "FLOWSENSE_SESSION_IDLE_MINUTES",
        ),
        (
            "FLOWSENSE_SESSION_ABSOLUTE_HOURS",
            "forever",
            "FLOWSENSE_SESSION_ABSOLUTE_HOURS",
        ),
        ("FLOWSENSE_TLS", "maybe", "FLOWSENSE_TLS"),
        (
            "FLOWSENSE_TLS_CERT",
            "/nonexistent.pem",
            "FLOWSENSE_TLS_KEY",
        ),
    ] {
        let out = ws.cmd().env(var, value).arg("serve").output().unwrap();
        assert!(!out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(expected), "{var}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
    }
    // A mistyped database path is an error, not a new empty database.
    let typo = ws.dir.path().join("typo.db");
    let out = ws
        .cmd()
        .env(
            "FLOWSENSE_DATABASE_URL",
            format!("sqlite://{}", typo.display()),
        )
        .arg("serve")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("does not exist"));
    assert!(!typo.exists());
}

#[test]
fn gen_is_deterministic_and_every_report_runs_in_every_format() {
    let ws = Workspace::new();
    let a = ws.path("a.csv");
    let b = ws.path("b.csv");
    for out in [&a, &b] {
        ws.ok(&[
            "gen",
            "--transactions",
            "3000",
            "--seed",
            "9",
            "--out",
            out.to_str().unwrap(),
        ]);
    }
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
    assert!(ws.path("a.documents.csv").exists());
    for kind in [
        "cashflow",
        "forecast",
        "runway",
        "anomalies",
        "recurring",
        "aging",
    ] {
        for format in ["table", "json", "csv"] {
            let out = ws.ok(&[
                "report",
                kind,
                "--input",
                a.to_str().unwrap(),
                "--format",
                format,
            ]);
            assert!(!out.trim().is_empty(), "{kind} {format}");
            if format == "json" {
                let v: serde_json::Value =
                    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{kind}: {e}"));
                assert_eq!(v["kind"], kind);
            }
        }
    }
    let err = ws.fails(&["report", "bogus", "--input", a.to_str().unwrap()]);
    assert!(err.contains("unknown report"), "{err}");
    let err = ws.fails(&[
        "report",
        "runway",
        "--input",
        a.to_str().unwrap(),
        "--from",
        "2024-13-01",
    ]);
    assert!(err.contains("--from"), "{err}");
}

#[test]
fn import_is_all_or_nothing_reports_line_and_reason_and_never_duplicates() {
    let ws = Workspace::new();
    ws.ok(&["migrate", "--create"]);
    ws.ok(&["org", "create", "--slug", "acme", "--name", "Acme Ltd"]);
    let books = ws.path("books.csv");
    ws.ok(&[
        "gen",
        "--transactions",
        "2000",
        "--out",
        books.to_str().unwrap(),
    ]);
    let first = ws.ok(&[
        "import",
        "--org",
        "acme",
        "--quiet",
        books.to_str().unwrap(),
    ]);
    assert!(first.contains("added"), "{first}");
    let before = ws.counts();
    assert!(before.transactions > 1500, "{before:?}");
    let again = ws.ok(&[
        "import",
        "--org",
        "acme",
        "--quiet",
        books.to_str().unwrap(),
    ]);
    assert!(again.contains(" 0 added"), "{again}");
    assert_eq!(ws.counts().transactions, before.transactions);
    let before = ws.counts();

    let good = "2026-01-02,Operating,10.00,USD,Shop,Sales,ok,r1\n";
    let header = "date,account,amount,currency,counterparty,category,description,reference\n";
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "columns.csv",
            format!("{header}{good}2026-01-03,Operating,10.00,USD\n").into_bytes(),
            "columns.csv:3:",
        ),
        (
            "date.csv",
            format!("{header}{good}2026-13-45,Operating,1.00,USD,A,B,C,r2\n").into_bytes(),
            "date.csv:3: bad date",
        ),
        (
            "amount.csv",
            format!("{header}{good}2026-01-03,Operating,\"12,3.4\",USD,A,B,C,r2\n").into_bytes(),
            "amount.csv:3: bad amount",
        ),
        ("empty.csv", Vec::new(), "empty.csv"),
        (
            "junk.csv",
            vec![0u8, 159, 146, 150, 0, 1, 2, 255, 254, 10, 0, 0],
            "junk.csv",
        ),
    ];
    for (name, bytes, expected) in cases {
        let path = ws.path(name);
        std::fs::write(&path, bytes).unwrap();
        let err = ws.fails(&["import", "--org", "acme", "--quiet", path.to_str().unwrap()]);
        assert!(err.contains(expected), "{name}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "{name}: one line: {err}");
        assert!(
            !err.contains("Shop"),
            "{name}: other rows' content leaked: {err}"
        );
        assert_eq!(ws.counts(), before, "{name} left something behind");
    }
    // A 200 MB line is refused after reading about a megabyte of it.
    let huge = ws.path("huge.csv");
    {
        let mut f = std::io::BufWriter::new(std::fs::File::create(&huge).unwrap());
        f.write_all(header.as_bytes()).unwrap();
        f.write_all(good.as_bytes()).unwrap();
        let chunk = vec![b'x'; 1 << 20];
        for _ in 0..200 {
            f.write_all(&chunk).unwrap();
        }
        f.write_all(b"\n").unwrap();
    }
    let err = ws.fails(&["import", "--org", "acme", "--quiet", huge.to_str().unwrap()]);
    assert!(
        err.contains("huge.csv:3") && err.contains("longer than"),
        "{err}"
    );
    assert_eq!(ws.counts(), before);
    // Unknown organisation.
    let err = ws.fails(&["import", "--org", "nope", books.to_str().unwrap()]);
    assert!(err.contains("no organisation"), "{err}");
}

#[test]
fn a_kill_during_a_million_row_import_leaves_the_database_as_before() {
    let ws = Workspace::new();
    ws.ok(&["migrate", "--create"]);
    ws.ok(&["org", "create", "--slug", "big", "--name", "Big Co"]);
    let small = ws.path("small.csv");
    ws.ok(&[
        "gen",
        "--transactions",
        "1000",
        "--seed",
        "3",
        "--out",
        small.to_str().unwrap(),
    ]);
    ws.ok(&["import", "--org", "big", "--quiet", small.to_str().unwrap()]);
    let before = ws.counts();

    let big = ws.path("big.csv");
    ws.ok(&[
        "gen",
        "--transactions",
        "1000000",
        "--seed",
        "4",
        "--out",
        big.to_str().unwrap(),
    ]);
    let mut child = ws
        .cmd()
        .args(["import", "--org", "big", "--quiet", big.to_str().unwrap()])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Wait until the import has written well into its transaction (the WAL grows), then kill -9.
    let wal = ws.path("flowsense.db-wal");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    while std::fs::metadata(&wal).map_or(0, |m| m.len()) < 32 << 20 {
        assert!(
            std::time::Instant::now() < deadline,
            "the import never got going"
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "the import finished before it could be killed"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    assert_eq!(ws.counts(), before, "the killed import left rows behind");
    assert_eq!(ws.sql("PRAGMA integrity_check"), "ok");
}

#[test]
fn demo_loads_two_organisations_writes_private_credentials_and_serves_health() {
    let ws = Workspace::new();
    let data = ws.path("data");
    let mut server =
        cli_support::Server::start(ws.cmd().env_remove("FLOWSENSE_DATABASE_URL").args([
            "demo",
            "--addr",
            "127.0.0.1:0",
            "--data-dir",
            data.to_str().unwrap(),
        ]));
    let url = server.url.clone();
    let get = http::get;
    for path in ["/healthz", "/readyz"] {
        let resp = get(&format!("{url}{path}"));
        assert_eq!(resp.0, 200, "{path}");
    }
    let (status, _, body) = get(&format!("{url}/api/v1/no-such-page"));
    assert_eq!(status, 404);
    assert!(body.contains("\"not_found\""), "{body}");
    let (status, headers, body) = get(&format!("{url}/no-such-page"));
    assert_eq!(status, 404);
    assert!(body.contains("Page not found"), "{body}");
    assert!(
        headers
            .iter()
            .any(|(k, v)| k == "content-security-policy" && v.contains("frame-ancestors 'none'"))
    );
    assert!(
        headers
            .iter()
            .any(|(k, v)| k == "x-content-type-options" && v == "nosniff")
    );
    let creds = data.join("demo-credentials.json");
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&creds).unwrap()).unwrap();
    // Every demo user can sign in, and sees exactly their own organisation and role.
    for user in v["users"].as_array().unwrap() {
        let body =
            serde_json::json!({"email": user["email"], "password": user["password"]}).to_string();
        let (status, headers, text) = http::request(
            "POST",
            &format!("{url}/api/v1/auth/login"),
            &[("Content-Type", "application/json")],
            &body,
        );
        assert_eq!(status, 200, "{text}");
        let cookie = headers
            .iter()
            .find(|(k, _)| k == "set-cookie")
            .map(|(_, v)| v.split(';').next().unwrap().to_owned())
            .expect("session cookie");
        let (status, _, me) = http::request(
            "GET",
            &format!("{url}/api/v1/me"),
            &[("Cookie", &cookie)],
            "",
        );
        assert_eq!(status, 200);
        let me: serde_json::Value = serde_json::from_str(&me).unwrap();
        let orgs = me["organisations"].as_array().unwrap();
        assert_eq!(orgs.len(), 1, "{me}");
        assert_eq!(orgs[0]["slug"], user["org"]);
        assert_eq!(orgs[0]["role"], user["role"]);
    }
    let (status, _, _) = http::request(
        "POST",
        &format!("{url}/api/v1/auth/login"),
        &[("Content-Type", "application/json")],
        r#"{"email":"admin@northwind.example","password":"wrong password here"}"#,
    );
    assert_eq!(status, 401);
    server.stop();

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&creds).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    let orgs: Vec<_> = v["orgs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(orgs, ["Northwind Coffee Roasters", "Harbor Dental Studio"]);
    let users = v["users"].as_array().unwrap();
    assert_eq!(users.len(), 6);
    for role in ["admin", "member", "viewer"] {
        assert_eq!(users.iter().filter(|u| u["role"] == role).count(), 2);
    }
    assert!(
        users
            .iter()
            .all(|u| u["password"].as_str().unwrap().len() >= 20)
    );
    // Both organisations have books; a second run reuses them.
    let db = format!("sqlite://{}/flowsense.db", data.display());
    for org in ["northwind", "harbor-dental"] {
        let out = ws
            .cmd()
            .env("FLOWSENSE_DATABASE_URL", &db)
            .args(["report", "runway", "--org", org, "--format", "json"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let out = ws
        .cmd()
        .env_remove("FLOWSENSE_DATABASE_URL")
        .args(["demo", "--no-serve", "--data-dir", data.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("already loaded"));
}

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
