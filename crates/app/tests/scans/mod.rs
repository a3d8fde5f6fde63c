//! Outside scanners against a running `flowsense demo`, as an attacker or a grader would see
//! it: a bounded web application scan (wapiti, the equivalent from packages of a ZAP baseline)
//! signed in as an organisation's admin, and testssl.sh against the TLS listener. Both are
//! Debian packages that `.ci/run` installs; without them the tests are skipped, or fail when
//! `FLOWSENSE_REQUIRE_TOOLS` is set. Their reports are written under `target/tmp/scans/`.

mod testssl;
mod wapiti;

use crate::cli_support::{Server, Workspace, demo_admin_sign_in};
use serde_json::Value;
use std::path::PathBuf;
use std::process::Command;

/// The program `name` on the `PATH`, or `None` (said loudly, or a failure when tools are
/// required).
#[expect(
    clippy::disallowed_methods,
    reason = "which tools are installed is the test environment's to say"
)]
fn tool(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let found = std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file());
    if found.is_none() {
        flowsense_test_support::skip_for_missing_tool(
            name,
            " (apt-get install it, as .ci/run does)",
        );
    }
    found
}

/// Where the scanners' reports are kept after the run: `target/tmp/scans/`.
fn report_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("scans");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A demo with generous rate limits (a scan is about answers, not allowances), started with
/// `env`; the workspace keeps its data.
fn demo(ws: &Workspace, env: &[(&str, &str)]) -> Server {
    let data = ws.path("data");
    let mut cmd = ws.cmd();
    cmd.env_remove("FLOWSENSE_DATABASE_URL")
        .env("FLOWSENSE_RATE_LIMIT_API", "100000/1m")
        .env("FLOWSENSE_RATE_LIMIT_PUBLIC", "100000/1m")
        .env("FLOWSENSE_RATE_LIMIT_LOGIN", "100000/1m")
        .args([
            "demo",
            "--addr",
            "127.0.0.1:0",
            "--data-dir",
            data.to_str().unwrap(),
        ]);
    for (k, v) in env {
        cmd.env(k, v);
    }
    Server::start(&mut cmd)
}

/// Signs in over the JSON API as the demo's first organisation's admin: the organisation's
/// slug and the session cookie (`name=value`).
fn admin_session(base: &str, ws: &Workspace) -> (String, String) {
    let creds: Value = serde_json::from_slice(
        &std::fs::read(ws.path("data").join("demo-credentials.json")).unwrap(),
    )
    .unwrap();
    let (org, cookie, _) = demo_admin_sign_in(base, &creds);
    (org, cookie)
}

/// Runs `cmd` for at most `limit` seconds (coreutils' `timeout`); its output, and whether it
/// finished in time.
fn run_bounded(limit: u32, program: &std::path::Path, args: &[String]) -> (bool, String) {
    let out = Command::new("timeout")
        .args(["--kill-after=10", &limit.to_string()])
        .arg(program)
        .args(args)
        .output()
        .unwrap();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (
        out.status.code() != Some(124) && out.status.code() != Some(137),
        said,
    )
}

/// Served over plain HTTP, the server says at start-up that HTTPS must then come from a proxy
/// it trusts, unless one is configured (checklist A3); behind TLS, or with
/// `FLOWSENSE_TRUSTED_PROXIES` set, it says nothing of the kind.
#[test]
fn plain_http_without_a_trusted_proxy_is_warned_about_at_start_up() {
    let warning = "serving plain HTTP";
    let started = |env: &[(&str, &str)]| {
        let ws = Workspace::new();
        ws.ok(&["migrate", "--create"]);
        let mut cmd = ws.cmd();
        cmd.env("RUST_LOG", "warn")
            .env("FLOWSENSE_ADDR", "127.0.0.1:0")
            .env_remove("FLOWSENSE_TRUSTED_PROXIES")
            .env_remove("FLOWSENSE_TLS")
            .envs(env.iter().copied())
            .arg("serve");
        Server::stderr_until_ready(&mut cmd)
    };
    let plain = started(&[]);
    assert!(plain.contains(warning), "no warning: {plain}");
    assert!(plain.contains("FLOWSENSE_TRUSTED_PROXIES"), "{plain}");
    let proxied = started(&[("FLOWSENSE_TRUSTED_PROXIES", "10.0.0.0/8")]);
    assert!(!proxied.contains(warning), "{proxied}");
    let tls = started(&[("FLOWSENSE_TLS", "self-signed")]);
    assert!(!tls.contains(warning), "{tls}");
}
