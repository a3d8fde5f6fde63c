//! The `flowsense` binary tried as a person would: in a terminal, with real files, a real
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test
//! database and a real server.

mod api_fuzz;
mod backup_commands;
mod browser;
mod cli_support;
mod faults;
mod import_command;
mod internal_listener;
mod multi_currency;
mod operator_commands;
mod scans;
mod secrets;
mod supply_chain;

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
        ("FLOWSENSE_SIGNUP", "invite", "FLOWSENSE_SIGNUP"),
        (
            "FLOWSENSE_TLS_CERT",
            "/nonexistent.pem",
            "FLOWSENSE_TLS_KEY",
        ),
        // Half an app registration, an endpoint with a path, and loopback outside the sandbox.
        ("QUICKBOOKS_CLIENT_ID", "AB123", "QUICKBOOKS_CLIENT_SECRET"),
        (
            "QUICKBOOKS_BASE_URL",
            "https://intuit.example/v3",
            "QUICKBOOKS_BASE_URL",
        ),
        (
            "QUICKBOOKS_BASE_URL",
            "http://127.0.0.1:9",
            "QUICKBOOKS_BASE_URL",
        ),
        ("QUICKBOOKS_SANDBOX", "maybe", "QUICKBOOKS_SANDBOX"),
        // An unknown AI provider, and Claude without its key.
        ("FLOWSENSE_AI_PROVIDER", "gpt", "FLOWSENSE_AI_PROVIDER"),
        ("FLOWSENSE_AI_PROVIDER", "anthropic", "ANTHROPIC_API_KEY"),
        ("XERO_CLIENT_SECRET", "s3cret", "XERO_CLIENT_ID"),
        (
            "XERO_BASE_URL",
            "https://xero.example/api.xro",
            "XERO_BASE_URL",
        ),
        ("XERO_BASE_URL", "http://127.0.0.1:9", "XERO_SANDBOX"),
        ("XERO_SANDBOX", "perhaps", "XERO_SANDBOX"),
    ] {
        let out = ws
            .cmd()
            .env_remove("ANTHROPIC_API_KEY")
            .env(var, value)
            .arg("serve")
            .output()
            .unwrap();
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
    // Exactly the transactions asked for, after one opening balance line per account, the last
    // of them today; `--end` chooses another last day.
    let lines_of = |path: &std::path::Path| std::fs::read_to_string(path).unwrap();
    let rows = lines_of(&a);
    let openings = rows
        .lines()
        .skip(1)
        .take_while(|l| l.contains(",Opening balance,Transfer,"))
        .count();
    assert!(openings >= 2, "{}", &rows[..400]);
    assert_eq!(rows.lines().count() - 1 - openings, 3000);
    let today = chrono::Utc::now().date_naive().to_string();
    assert!(rows.lines().last().unwrap().starts_with(&today));
    let c = ws.path("c.csv");
    ws.ok(&[
        "gen",
        "--transactions",
        "1200",
        "--end",
        "2025-06-30",
        "--out",
        c.to_str().unwrap(),
    ]);
    let rows = lines_of(&c);
    assert!(rows.lines().last().unwrap().starts_with("2025-06-30"));
    let err = ws.fails(&[
        "gen",
        "--transactions",
        "10",
        "--end",
        "June",
        "--out",
        "x.csv",
    ]);
    assert!(err.contains("--end"), "{err}");
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
        // The dental practice is losing sales: its runway has a date; the roaster's has none.
        let runway: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let status = &runway["report"]["status"];
        if org == "harbor-dental" {
            assert_eq!(status, "burning", "{runway}");
            assert!(runway["report"]["cash_runs_out_on"].is_string(), "{runway}");
        } else {
            assert_eq!(status, "not_burning", "{runway}");
        }
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
