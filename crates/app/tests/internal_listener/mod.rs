//! `FLOWSENSE_INTERNAL_ADDR` (SECURITY-CHECKLIST G6): a real `flowsense serve` with an internal
//! address serves the operator routes (the signed cron trigger and `/metrics`) only there, and
//! the public listener answers 404 for them; without one, the cron route stays on the public
//! listener and start-up warns, naming the variable.

use crate::cli_support::{Server, Workspace, http};
use flowsense_jobs::cron::{
    NONCE_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, new_cron_nonce, sign_cron_request,
};
use secrecy::SecretString;

const CRON_SECRET: &str = "a cron secret of a decent length for the internal listener";
const METRICS_TOKEN: &str = "a metrics token of a decent length for the internal listener";
const JOB_PATH: &str = "/api/cron/cleanup.expired";

fn signed(timestamp: i64, nonce: &str) -> Vec<(&'static str, String)> {
    let secret = SecretString::from(CRON_SECRET);
    vec![
        (TIMESTAMP_HEADER, timestamp.to_string()),
        (NONCE_HEADER, nonce.to_owned()),
        (
            SIGNATURE_HEADER,
            sign_cron_request(&secret, "POST", JOB_PATH, timestamp, nonce),
        ),
    ]
}

fn post(base: &str, headers: &[(&'static str, String)]) -> (u16, String) {
    let headers: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, _, body) = http::request("POST", &format!("{base}{JOB_PATH}"), &headers, "");
    (status, body)
}

fn metrics(base: &str) -> u16 {
    let bearer = format!("Bearer {METRICS_TOKEN}");
    http::request(
        "GET",
        &format!("{base}/metrics"),
        &[("Authorization", bearer.as_str())],
        "",
    )
    .0
}

#[test]
fn with_an_internal_address_the_operator_routes_answer_only_there() {
    let ws = Workspace::new();
    ws.ok(&["migrate", "--create"]);
    let server = Server::start(
        ws.cmd()
            .env("FLOWSENSE_ADDR", "127.0.0.1:0")
            .env("FLOWSENSE_INTERNAL_ADDR", "127.0.0.1:0")
            .env("FLOWSENSE_CRON_SECRET", CRON_SECRET)
            .env("FLOWSENSE_METRICS_TOKEN", METRICS_TOKEN)
            .env("FLOWSENSE_WORKERS", "0")
            .env_remove("FLOWSENSE_REDIS_URL")
            .arg("serve"),
    );
    let public = server.url.clone();
    let internal = server
        .operator_url
        .clone()
        .expect("serve prints the internal listener's address");
    assert_ne!(public, internal);
    let now = chrono::Utc::now().timestamp();

    // The public listener: 404 for a correctly signed call and for the metrics token, while
    // the rest of the application answers there.
    assert_eq!(post(&public, &signed(now, &new_cron_nonce())).0, 404);
    assert_eq!(metrics(&public), 404);
    assert_eq!(http::get(&format!("{public}/healthz")).0, 200);

    // The internal listener: the operator routes and nothing else.
    assert_eq!(http::get(&format!("{internal}/healthz")).0, 404);
    assert_eq!(http::get(&format!("{internal}/login")).0, 404);
    assert_eq!(http::get(&format!("{internal}/api/v1/me")).0, 404);
    assert_eq!(metrics(&internal), 200);
    assert_eq!(http::get(&format!("{internal}/metrics")).0, 401);
    // Unsigned, forged, stale: 401, and nothing is queued.
    assert_eq!(post(&internal, &[]).0, 401);
    let mut forged = signed(now, &new_cron_nonce());
    forged[2].1 = "00".repeat(32);
    assert_eq!(post(&internal, &forged).0, 401);
    assert_eq!(
        post(&internal, &signed(now - 301, &new_cron_nonce())).0,
        401
    );
    assert_eq!(ws.sql("SELECT COUNT(*) FROM jobs"), "0");
    // Signed: accepted once; the same request again is a replay.
    let nonce = new_cron_nonce();
    let (status, body) = post(&internal, &signed(now, &nonce));
    assert_eq!(status, 202, "{body}");
    assert_eq!(
        ws.sql("SELECT COUNT(*) FROM jobs WHERE kind = 'cleanup.expired'"),
        "1"
    );
    assert_eq!(post(&internal, &signed(now, &nonce)).0, 401);
    assert_eq!(
        ws.sql("SELECT COUNT(*) FROM jobs WHERE kind = 'cleanup.expired'"),
        "1"
    );
}

#[test]
fn without_an_internal_address_the_cron_route_stays_public_with_a_warning() {
    let started = |env: &[(&str, &str)]| {
        let ws = Workspace::new();
        ws.ok(&["migrate", "--create"]);
        let mut cmd = ws.cmd();
        cmd.env("RUST_LOG", "warn")
            .env("FLOWSENSE_ADDR", "127.0.0.1:0")
            .env_remove("FLOWSENSE_INTERNAL_ADDR")
            .env("FLOWSENSE_WORKERS", "0")
            .envs(env.iter().copied())
            .arg("serve");
        Server::stderr_until_ready(&mut cmd)
    };
    let warning = "FLOWSENSE_CRON_SECRET is set without FLOWSENSE_INTERNAL_ADDR";
    let public = started(&[("FLOWSENSE_CRON_SECRET", CRON_SECRET)]);
    assert!(public.contains(warning), "no warning: {public}");
    let internal = started(&[
        ("FLOWSENSE_CRON_SECRET", CRON_SECRET),
        ("FLOWSENSE_INTERNAL_ADDR", "127.0.0.1:0"),
    ]);
    assert!(!internal.contains(warning), "{internal}");
    let without = started(&[]);
    assert!(!without.contains(warning), "{without}");

    // Today's behaviour stays: the public listener takes a signed call.
    let ws = Workspace::new();
    ws.ok(&["migrate", "--create"]);
    let server = Server::start(
        ws.cmd()
            .env("FLOWSENSE_ADDR", "127.0.0.1:0")
            .env_remove("FLOWSENSE_INTERNAL_ADDR")
            .env("FLOWSENSE_CRON_SECRET", CRON_SECRET)
            .env("FLOWSENSE_WORKERS", "0")
            .arg("serve"),
    );
    assert_eq!(server.operator_url, None);
    let now = chrono::Utc::now().timestamp();
    assert_eq!(post(&server.url, &[]).0, 401);
    assert_eq!(post(&server.url, &signed(now, &new_cron_nonce())).0, 202);
}

#[test]
fn a_bad_internal_address_stops_start_up_naming_the_variable() {
    let ws = Workspace::new();
    ws.ok(&["migrate", "--create"]);
    for (addr, internal) in [
        ("127.0.0.1:0", "not-an-address"),
        ("127.0.0.1:18080", "127.0.0.1:18080"),
    ] {
        let out = ws
            .cmd()
            .env("FLOWSENSE_ADDR", addr)
            .env("FLOWSENSE_INTERNAL_ADDR", internal)
            .arg("serve")
            .output()
            .unwrap();
        assert!(!out.status.success(), "{internal}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("FLOWSENSE_INTERNAL_ADDR"), "{stderr}");
    }
}
