//! The JSON API against its own OpenAPI document, on a running `flowsense demo` (SQLite): the
//! document validates as OpenAPI 3.1 (openapi-spec-validator), and a bounded schemathesis run,
//! signed in with an API token of a demo organisation's owner, finds no server error and no
//! answer that disagrees with the document (status, content type, headers, body schema).
//! Both tools come from PyPI through `.ci/schemathesis-env`; without them the test is skipped,
//! or fails when `FLOWSENSE_REQUIRE_TOOLS` is set. `scripts/api-fuzz.sh` runs the same for longer.

use crate::cli_support::{Server, Workspace, demo_admin_sign_in, http};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::process::Command;

/// Where `.ci/schemathesis-env` put the tools, or `None` (said loudly) when it was not sourced.
#[expect(
    clippy::disallowed_methods,
    reason = "where the test tools are is the test environment's to say (.ci/schemathesis-env)"
)]
fn tools() -> Option<PathBuf> {
    let venv = std::env::var_os("FLOWSENSE_SCHEMATHESIS_VENV").map(PathBuf::from);
    match venv.filter(|v| v.join("bin/st").exists()) {
        Some(v) => Some(v),
        None => {
            flowsense_test_support::skip_for_missing_tool(
                "schemathesis",
                " (source .ci/schemathesis-env first)",
            );
            None
        }
    }
}

/// The demo's first organisation's slug, and a write token of its owner (made in a session
/// just signed in, so the step-up the token route needs holds).
fn owner_token(base: &str, creds: &Value) -> (String, String) {
    let (org, cookie, body) = demo_admin_sign_in(base, creds);
    let csrf = serde_json::from_str::<Value>(&body).unwrap()["csrf_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, _, body) = http::request(
        "POST",
        &format!("{base}/api/v1/me/tokens"),
        &[
            ("Content-Type", "application/json"),
            ("Cookie", &cookie),
            ("X-CSRF-Token", &csrf),
        ],
        &json!({"name": "api fuzz", "scope": "write", "expires_in_days": 1}).to_string(),
    );
    assert_eq!(status, 201, "{body}");
    let token = serde_json::from_str::<Value>(&body).unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    (org, token)
}

/// Runs openapi-spec-validator on `file`: whether it passed, and what it said.
fn validate(venv: &std::path::Path, file: &std::path::Path) -> (bool, String) {
    let out = Command::new(venv.join("bin/python"))
        .args(["-m", "openapi_spec_validator"])
        .arg(file)
        .output()
        .unwrap();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), said)
}

#[test]
fn the_api_keeps_to_its_openapi_document_under_fuzzing() {
    let Some(venv) = tools() else { return };
    let ws = Workspace::new();
    let data = ws.path("data");
    let server = Server::start(
        ws.cmd()
            .env_remove("FLOWSENSE_DATABASE_URL")
            // The run is about answers, not allowances: high limits, so requests reach handlers.
            .env("FLOWSENSE_RATE_LIMIT_API", "100000/1m")
            .env("FLOWSENSE_RATE_LIMIT_PUBLIC", "100000/1m")
            .args([
                "demo",
                "--addr",
                "127.0.0.1:0",
                "--data-dir",
                data.to_str().unwrap(),
            ]),
    );
    let base = server.url.trim_end_matches('/').to_owned();
    let creds: Value =
        serde_json::from_slice(&std::fs::read(data.join("demo-credentials.json")).unwrap())
            .unwrap();

    // Public, no session needed.
    let (status, headers, document) = http::get(&format!("{base}/api/v1/openapi.json"));
    assert_eq!(status, 200, "{document}");
    assert!(
        headers
            .iter()
            .any(|(k, v)| k == "content-type" && v.starts_with("application/json"))
    );
    let doc: Value = serde_json::from_str(&document).unwrap();
    assert_eq!(doc["openapi"], "3.1.0");

    // A real validator accepts it, and refuses it once broken (so it can refuse).
    let file = ws.path("openapi.json");
    std::fs::write(&file, &document).unwrap();
    let (valid, said) = validate(&venv, &file);
    assert!(valid, "openapi-spec-validator refused the document: {said}");
    let mut broken = doc;
    broken["paths"]["/api/v1/me"]["get"]["responses"] = json!({"200": {"content": 5}});
    let broken_file = ws.path("broken.json");
    std::fs::write(&broken_file, broken.to_string()).unwrap();
    assert!(!validate(&venv, &broken_file).0, "a broken document passed");

    let (org, token) = owner_token(&base, &creds);
    let config = ws.path("schemathesis.toml");
    std::fs::write(&config, format!("[parameters]\n\"path.org\" = \"{org}\"\n")).unwrap();
    let out = Command::new(venv.join("bin/st"))
        .arg("--config-file")
        .arg(&config)
        .args(["run", &format!("{base}/api/v1/openapi.json")])
        .args(["--header", &format!("Authorization: Bearer {token}")])
        .args([
            "--checks",
            "not_a_server_error,status_code_conformance,content_type_conformance,\
             response_headers_conformance,response_schema_conformance",
            "--phases",
            "examples,coverage,fuzzing",
            "--max-examples",
            "12",
            "--max-time",
            "60",
            // One worker: CPython 3.11's `ast` keeps its recursion depth per interpreter, not
            // per thread, so two workers parsing at once can stop the run with "AST constructor
            // recursion depth mismatch" (hypothesis parses lambdas to describe strategies).
            "--workers",
            "1",
            "--seed",
            "19",
            "--request-timeout",
            "20",
            "--generation-database",
            "none",
            "--no-color",
        ])
        .env("SCHEMATHESIS_HOOKS", "")
        .current_dir(ws.path(""))
        .output()
        .unwrap();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    println!("{said}");
    assert!(out.status.success(), "schemathesis found problems:\n{said}");
    drop(server);
}
