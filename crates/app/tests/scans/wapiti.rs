//! A bounded web application scan of the signed-in demo (checklist K3, with A7, I2 and I7):
//! wapiti crawls the pages an organisation's admin sees and runs its header, CSP, cookie,
//! CSRF and injection modules against them, bounded to about two minutes. Any anomaly (a 500
//! or a time-out it provoked), any finding of medium or higher severity that
//! `wapiti-rules.tsv` does not accept by name and place, and any low finding it does not accept
//! fails the test; the accepted ones are printed. The report is kept in
//! `target/tmp/scans/wapiti.json`. wapiti comes from PyPI through `.ci/wapiti-env`.

use super::{admin_session, demo, report_dir, run_bounded};
use crate::cli_support::Workspace;
use serde_json::{Value, json};
use std::path::PathBuf;

/// Where `.ci/wapiti-env` put wapiti, or `None` (said loudly) when it was not sourced.
#[expect(
    clippy::disallowed_methods,
    reason = "where the test tools are is the test environment's to say (.ci/wapiti-env)"
)]
fn wapiti() -> Option<PathBuf> {
    let venv = std::env::var_os("FLOWSENSE_WAPITI_VENV").map(PathBuf::from);
    match venv.map(|v| v.join("bin/wapiti")).filter(|w| w.exists()) {
        Some(w) => Some(w),
        None => {
            flowsense_test_support::skip_for_missing_tool(
                "wapiti",
                " (source .ci/wapiti-env first)",
            );
            None
        }
    }
}

/// The modules run: passive checks of every answer, and the injection and redirect attacks.
/// Left out: those that need the internet (ssrf, wapp, nikto's database), the brute-force
/// ones (buster, brute_login_form, backup), and blind time-based SQL (minutes of sleeps).
const MODULES: &str =
    "http_headers,csp,cookieflags,csrf,methods,xss,permanentxss,sql,exec,file,crlf,redirect";

/// Forms that would end the scan's session or the organisation itself: the scanner must not
/// submit them. Everything else it may post to, with its payloads.
const EXCLUDED: &[&str] = &[
    "/logout",
    "/api/v1/auth/logout",
    "/app/profile/delete",
    "/app/profile/password",
    "/app/profile/mfa/*",
    "/app/profile/sessions/*",
    "/app/{org}/settings/delete",
    "/app/{org}/members/*",
];

/// Severity names of wapiti's levels.
fn severity(level: i64) -> &'static str {
    match level {
        0 => "info",
        1 => "low",
        2 => "medium",
        3 => "high",
        _ => "critical",
    }
}

/// One row of `wapiti-rules.tsv`.
struct Rule {
    category: String,
    contains: String,
    fails: bool,
}

fn rules() -> Vec<Rule> {
    include_str!("wapiti-rules.tsv")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let cols: Vec<&str> = l.split('\t').collect();
            assert!(
                cols.len() == 4 && (cols[2] == "FAIL" || cols[2] == "ACCEPT"),
                "wapiti-rules.tsv: {l}"
            );
            Rule {
                category: cols[0].to_owned(),
                contains: cols[1].to_owned(),
                fails: cols[2] == "FAIL",
            }
        })
        .collect()
}

/// Whether a finding fails the scan: anomalies always; a medium or worse finding unless a row
/// names where it is (its path or its text, never `*`); a low one unless a row accepts it.
fn finding_fails(rules: &[Rule], anomaly: bool, level: i64, category: &str, at: &str) -> bool {
    if anomaly {
        return true;
    }
    let rule = rules.iter().find(|r| {
        r.category == category
            && (r.contains == "*" && level < 2 || r.contains != "*" && at.contains(&r.contains))
    });
    rule.is_none_or(|r| r.fails)
}

/// Findings as `(anomaly, level, category, "METHOD path parameter: info")`.
fn findings(report: &Value) -> Vec<(bool, i64, String, String)> {
    let mut all = Vec::new();
    for (section, anomaly) in [("vulnerabilities", false), ("anomalies", true)] {
        for (category, list) in report[section].as_object().into_iter().flatten() {
            for f in list.as_array().into_iter().flatten() {
                let level = f["level"]
                    .as_i64()
                    .or_else(|| f["level"].as_str().and_then(|l| l.parse().ok()))
                    .unwrap_or(4);
                let at = format!(
                    "{} {} {}: {}",
                    f["method"].as_str().unwrap_or_default(),
                    f["path"].as_str().unwrap_or_default(),
                    f["parameter"].as_str().unwrap_or_default(),
                    f["info"].as_str().unwrap_or_default(),
                );
                all.push((anomaly, level, category.clone(), at));
            }
        }
    }
    all
}

/// The rule set fails what it must: a medium finding no row names, an unaccepted low one, an
/// anomaly; and accepts only what a row names.
#[test]
fn the_scan_rules_fail_medium_findings_anomalies_and_unaccepted_low_ones() {
    let rules = rules();
    let report = json!({
        "vulnerabilities": {
            "Cross Site Scripting": [{"level": 2, "method": "GET", "path": "/app/x/transactions",
                "parameter": "q", "info": "XSS vulnerability found via injection in the parameter q"}],
            "Cross Site Request Forgery": [
                {"level": 2, "method": "POST", "path": "/unsubscribe/abc", "parameter": "",
                 "info": "Lack of anti CSRF token"},
                {"level": 2, "method": "POST", "path": "/app/x/settings", "parameter": "",
                 "info": "Lack of anti CSRF token"}],
            "HTTP Secure Headers": [
                {"level": 1, "method": "GET", "path": "/", "parameter": "",
                 "info": "X-XSS-Protection is not set"},
                {"level": 1, "method": "GET", "path": "/", "parameter": "",
                 "info": "X-Frame-Options is not set"}],
        },
        "anomalies": {"Internal Server Error": [{"level": 3, "method": "GET", "path": "/app",
            "parameter": "", "info": "The server responded with a 500 HTTP error code"}]},
    });
    let verdicts: Vec<(String, bool)> = findings(&report)
        .into_iter()
        .map(|(anomaly, level, category, at)| {
            let fails = finding_fails(&rules, anomaly, level, &category, &at);
            (at, fails)
        })
        .collect();
    let fails = |needle: &str| {
        verdicts
            .iter()
            .find(|(at, _)| at.contains(needle))
            .unwrap_or_else(|| panic!("{needle}: {verdicts:?}"))
            .1
    };
    assert!(fails("parameter q"));
    assert!(!fails("/unsubscribe/abc"), "RFC 8058 one-click unsubscribe");
    assert!(fails("/app/x/settings"));
    assert!(!fails("X-XSS-Protection"));
    assert!(fails("X-Frame-Options"));
    assert!(fails("500 HTTP error"));
}

#[test]
fn a_bounded_scan_of_the_signed_in_demo_finds_nothing_of_medium_severity_or_worse() {
    let Some(wapiti) = wapiti() else { return };
    let ws = Workspace::new();
    let server = demo(&ws, &[]);
    let base = server.url.trim_end_matches('/').to_owned();
    let (org, cookie) = admin_session(&base, &ws);
    let (name, value) = cookie.split_once('=').unwrap();
    let host = base
        .trim_start_matches("http://")
        .split(':')
        .next()
        .unwrap();
    let cookies = ws.path("cookies.json");
    std::fs::write(
        &cookies,
        json!({host: {"/": {name: {
            "value": value, "expires": null, "secure": false, "port": null, "version": 0
        }}}})
        .to_string(),
    )
    .unwrap();
    let report = report_dir().join("wapiti.json");
    let _ = std::fs::remove_file(&report);
    let mut args: Vec<String> = vec![
        "--url".into(),
        format!("{base}/"),
        "--start".into(),
        format!("{base}/app/{org}"),
        "--start".into(),
        format!("{base}/app/{org}/settings"),
        "--start".into(),
        format!("{base}/app/profile"),
        "--scope".into(),
        "folder".into(),
        "--cookie-value".into(),
        cookie,
        "--module".into(),
        MODULES.into(),
        "--depth".into(),
        "3".into(),
        "--max-links-per-page".into(),
        "30".into(),
        "--max-files-per-dir".into(),
        "20".into(),
        "--max-scan-time".into(),
        "45".into(),
        "--max-attack-time".into(),
        "5".into(),
        "--timeout".into(),
        "10".into(),
        "--flush-session".into(),
        "--store-session".into(),
        ws.path("wapiti-session").display().to_string(),
        "--store-config".into(),
        ws.path("wapiti-config").display().to_string(),
        "--format".into(),
        "json".into(),
        "--output".into(),
        report.display().to_string(),
        "--verbose".into(),
        "1".into(),
        "--no-bugreport".into(),
    ];
    for path in EXCLUDED {
        args.push("--exclude".into());
        args.push(format!("{base}{}", path.replace("{org}", &org)));
    }
    let (in_time, said) = run_bounded(170, &wapiti, &args);
    assert!(in_time, "the scan ran over its time:\n{said}");
    let report_text = std::fs::read_to_string(&report)
        .unwrap_or_else(|e| panic!("no report ({e}); wapiti said:\n{said}"));
    let found: Value = serde_json::from_str(&report_text).unwrap();

    // The scan reached the signed-in pages and ran its attacks (else it proves nothing).
    let crawled = found["infos"]["crawled_pages_nbr"].as_u64().unwrap_or(0);
    assert!(
        crawled >= 30 && said.contains(&format!("/app/{org}/transactions")),
        "the scan did not reach the organisation's pages ({crawled} crawled):\n{said}"
    );
    for module in ["csp", "csrf", "xss", "sql", "redirect", "permanentxss"] {
        assert!(
            said.contains(&format!("Launching module {module}")),
            "{module} did not run:\n{said}"
        );
    }

    let rules = rules();
    let mut failures = Vec::new();
    let mut warnings = Vec::new();
    for (anomaly, level, category, at) in findings(&found) {
        let line = format!("[{}] {category}: {at}", severity(level));
        if finding_fails(&rules, anomaly, level, &category, &at) {
            failures.push(line);
        } else {
            warnings.push(line);
        }
    }
    for w in &warnings {
        println!("scan (accepted by wapiti-rules.tsv): {w}");
    }
    assert!(
        failures.is_empty(),
        "the scan found (report: {}):\n{}",
        report.display(),
        failures.join("\n")
    );
    drop(server);
}
