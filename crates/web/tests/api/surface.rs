//! The HTTP surface as a scanner probes it: the headers of every answer (the authorization matrix
//! calls [`assert_answer_headers`] on each of its thousands of requests), methods no route uses,
//! other origins, and the files and tools a careless deployment exposes.

use crate::support::{Db, spawn_app, spawn_with_state};
use flowsense_web::routes::route_table;
use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use std::collections::{BTreeMap, BTreeSet};

/// The security headers every answer carries, whatever its status (checklist A5, I2, I3, I4).
/// `credentialed`: the request carried a session cookie or a token, so nothing of the answer may
/// be stored by a browser or a shared cache, except the static assets, which are the same for
/// everyone.
pub fn assert_answer_headers(label: &str, credentialed: bool, path: &str, headers: &HeaderMap) {
    let get = |name: &str| {
        headers
            .get(name)
            .map(|v| v.to_str().expect("an ASCII header value").to_owned())
    };
    assert_csp(
        label,
        &get("content-security-policy").unwrap_or_else(|| panic!("{label}: no CSP")),
    );
    assert_eq!(
        get("x-content-type-options").as_deref(),
        Some("nosniff"),
        "{label}"
    );
    assert_eq!(get("x-frame-options").as_deref(), Some("DENY"), "{label}");
    let referrer = get("referrer-policy").unwrap_or_default();
    assert!(
        [
            "no-referrer",
            "same-origin",
            "strict-origin",
            "strict-origin-when-cross-origin"
        ]
        .contains(&referrer.as_str()),
        "{label}: Referrer-Policy {referrer:?}"
    );
    if let Some(t) = get("content-type")
        && t.starts_with("text/")
    {
        assert!(
            t.to_ascii_lowercase().contains("charset=utf-8"),
            "{label}: {t} without a charset"
        );
    }
    for leak in [
        "access-control-allow-origin",
        "access-control-allow-credentials",
        "x-powered-by",
        "server",
    ] {
        assert!(get(leak).is_none(), "{label}: {leak}: {:?}", get(leak));
    }
    let asset = path.starts_with("/assets/") || path == "/favicon.ico";
    if credentialed && !asset {
        assert_eq!(
            get("cache-control").as_deref(),
            Some("no-store"),
            "{label}: an answer to a signed-in caller may be cached"
        );
    }
}

/// Parses a Content-Security-Policy and holds it to checklist I2: nothing loads by default, no
/// inline or evaluated script, no plugins, no `<base>`, no framing, forms only to known places.
fn assert_csp(label: &str, policy: &str) {
    let mut directives: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for part in policy.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        let mut words = part.split_ascii_whitespace();
        let name = words.next().expect("a directive name").to_ascii_lowercase();
        let values: Vec<String> = words.map(str::to_owned).collect();
        assert!(
            directives.insert(name.clone(), values).is_none(),
            "{label}: {name} twice in {policy}"
        );
    }
    let values = |name: &str| directives.get(name).cloned();
    let none = Some(vec!["'none'".to_owned()]);
    assert_eq!(values("default-src"), none, "{label}: {policy}");
    assert_eq!(values("base-uri"), none, "{label}: {policy}");
    assert_eq!(values("frame-ancestors"), none, "{label}: {policy}");
    // Without its own directive, object-src falls back to default-src 'none'.
    assert!(
        values("object-src").is_none_or(|v| v == ["'none'"]),
        "{label}: {policy}"
    );
    // Without their own directives, script-src falls back to default-src 'none'; forms may go
    // nowhere, or to this origin first.
    let script = values("script-src").unwrap_or_else(|| vec!["'none'".to_owned()]);
    for bad in [
        "'unsafe-inline'",
        "'unsafe-eval'",
        "*",
        "data:",
        "http:",
        "https:",
    ] {
        assert!(
            !script.iter().any(|s| s == bad),
            "{label}: script-src allows {bad}"
        );
    }
    // A page reaches no other host: no trackers, analytics, fonts or scripts from elsewhere
    // (checklist J3). Forms are the one exception, below.
    for name in [
        "script-src",
        "style-src",
        "img-src",
        "connect-src",
        "font-src",
        "frame-src",
        "media-src",
        "worker-src",
    ] {
        // Keywords ('self', 'none', and 'unsafe-inline' for the styles of an e-mail's
        // preview) and data: images only: no host, scheme or wildcard.
        for v in values(name).unwrap_or_default() {
            assert!(
                v.starts_with('\'') || v == "data:",
                "{label}: {name} allows {v}"
            );
        }
    }
    let forms = values("form-action").unwrap_or_else(|| panic!("{label}: no form-action"));
    assert!(
        forms
            .first()
            .is_some_and(|f| f == "'self'" || f == "'none'")
            && !forms.iter().any(|f| f == "*"),
        "{label}: form-action {forms:?}"
    );
}

/// Every path of the route table with its methods, placeholders filled in.
pub fn paths_and_methods(org: &str, user: &str) -> BTreeMap<String, BTreeSet<String>> {
    let mut templates: BTreeMap<&'static str, BTreeSet<String>> = BTreeMap::new();
    for spec in route_table() {
        templates
            .entry(spec.path)
            .or_default()
            .insert(spec.method.as_str().to_owned());
    }
    templates
        .into_iter()
        .map(|(template, methods)| {
            let path = template
                .replace("{org}", org)
                .replace("{user}", user)
                .replace("{id}", &uuid::Uuid::new_v4().to_string())
                .replace("{provider}", "quickbooks")
                .replace("{kind}", "runway")
                .replace("{job}", "cleanup.expired")
                .replace("{token}", "a-token");
            assert!(!path.contains('{'), "a placeholder left in {path}");
            (path, methods)
        })
        .collect()
}

/// TRACE, TRACK, WebDAV and every method a path does not use are refused with 405 before any
/// handler runs, for the signed-in admin as for anyone (checklist A4); a GET of a path that only
/// changes state is refused too (I5). Nothing is echoed back.
async fn unused_methods_are_refused_on_every_path(db: Db) {
    let app = spawn_app(db).await;
    let admin = app.user("admin@a.test").await;
    let org = app.org("alpha", admin).await;
    let signed_in = app.signed_in("admin@a.test").await;
    let anonymous = app.browser();
    let mut tried = 0;
    for (path, used) in paths_and_methods(&org.to_string(), &admin.to_string()) {
        for method in [
            "TRACE", "TRACK", "PROPFIND", "MKCOL", "OPTIONS", "GET", "POST", "PUT", "PATCH",
            "DELETE",
        ] {
            if used.contains(method) {
                continue;
            }
            let m = Method::from_bytes(method.as_bytes()).expect("method");
            for caller in [&signed_in, &anonymous] {
                let resp = caller
                    .request(m.clone(), &path)
                    .header("x-probe", "echo-me-if-you-trace")
                    .send()
                    .await
                    .expect("request");
                let status = resp.status();
                let headers = resp.headers().clone();
                let body = resp.text().await.expect("body");
                assert!(
                    status == StatusCode::METHOD_NOT_ALLOWED
                        || status == StatusCode::NOT_IMPLEMENTED,
                    "{method} {path}: {status} {body}"
                );
                assert!(
                    !body.contains("echo-me-if-you-trace"),
                    "{method} {path} echoed"
                );
                assert_answer_headers(&format!("{method} {path}"), false, &path, &headers);
                tried += 1;
            }
        }
    }
    assert!(tried > 500, "only {tried} probes");
}

/// Another site's page gets no CORS grant: no `Access-Control-Allow-Origin` on a signed-in read,
/// and a preflight for a write is refused (checklist I4).
async fn other_origins_get_no_cors_grant(db: Db) {
    let app = spawn_app(db).await;
    let admin = app.user("admin@a.test").await;
    let org = app.org("alpha", admin).await;
    let b = app.signed_in("admin@a.test").await;
    for path in [
        "/api/v1/me".to_owned(),
        format!("/api/v1/orgs/{org}/members"),
        format!("/api/v1/orgs/{org}/reports/runway"),
    ] {
        let read = b
            .request(Method::GET, &path)
            .header("origin", "https://evil.example")
            .send()
            .await
            .expect("read");
        assert_eq!(read.status(), StatusCode::OK, "{path}");
        assert_answer_headers(&format!("GET {path}"), true, &path, read.headers());
        let preflight = b
            .request(Method::OPTIONS, &path)
            .header("origin", "https://evil.example")
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "x-csrf-token, content-type",
            )
            .send()
            .await
            .expect("preflight");
        assert_eq!(preflight.status(), StatusCode::METHOD_NOT_ALLOWED, "{path}");
        assert_answer_headers(&format!("OPTIONS {path}"), true, &path, preflight.headers());
    }
}

/// What a careless deployment serves by accident is not there: the repository, environment
/// files, debuggers, API explorers, server status, and `/metrics` while no token enables it
/// (checklist I7). Each is the plain 404 of any unknown path, signed in or not.
async fn nothing_private_is_served_by_accident(db: Db) {
    let app = spawn_app(db).await;
    let admin = app.user("admin@a.test").await;
    app.org("alpha", admin).await;
    let signed_in = app.signed_in("admin@a.test").await;
    let anonymous = app.browser();
    for path in [
        "/.git/HEAD",
        "/.git/config",
        "/.env",
        "/flowsense.toml",
        "/master.key",
        "/flowsense-data/flowsense.db",
        "/debug",
        "/debug/pprof",
        "/swagger",
        "/swagger-ui/",
        "/api/docs",
        "/server-status",
        "/metrics",
        "/actuator/health",
        "/assets/../Cargo.toml",
        "/assets/%2e%2e/Cargo.toml",
        "/admin",
    ] {
        for (caller, credentialed) in [(&signed_in, true), (&anonymous, false)] {
            let resp = caller
                .request(Method::GET, path)
                .send()
                .await
                .expect("probe");
            let status = resp.status();
            let headers = resp.headers().clone();
            let body = resp.text().await.expect("body");
            assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {body}");
            assert!(
                !body.contains("[core]")
                    && !body.contains("ref: refs/")
                    && !body.contains("[package]"),
                "{path} served a file"
            );
            assert_answer_headers(path, credentialed, path, &headers);
        }
    }
}

/// Where a finder reports a weakness, and what an operator does with a breach (checklist A11):
/// `/.well-known/security.txt` is served with a contact and an expiry, and the repository keeps
/// `SECURITY.md` and the incident runbook with the providers' contacts and the WAF requirement.
async fn the_security_contacts_are_published(db: Db) {
    let app = spawn_with_state(
        db,
        flowsense_service::identity::limits::RateLimits::generous(),
        |_| {},
        |state| {
            state.with_deployment(flowsense_web::Deployment {
                security_contact: Some(
                    flowsense_web::SecurityContact::parse("https://example.com/report")
                        .expect("valid"),
                ),
                ..flowsense_web::Deployment::default()
            })
        },
    )
    .await;
    let resp = app
        .browser()
        .request(Method::GET, "/.well-known/security.txt")
        .send()
        .await
        .expect("security.txt");
    assert_eq!(resp.status(), StatusCode::OK);
    let text = resp.text().await.expect("body");
    for field in ["Contact: ", "Expires: ", "Canonical: ", "Policy: "] {
        assert!(
            text.lines().any(|l| l.starts_with(field)),
            "{field}: {text}"
        );
    }
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let read =
        |p: &str| std::fs::read_to_string(root.join(p)).unwrap_or_else(|e| panic!("{p}: {e}"));
    let policy = read("SECURITY.md");
    assert!(policy.contains("Report a vulnerability") && policy.contains("security.txt"));
    assert!(policy.contains("WAF") && policy.contains("docs/incident-runbook.md"));
    let runbook = read("docs/incident-runbook.md");
    for needle in [
        "api@xero.com",
        "Intuit",
        "developer.intuit.com",
        "72 hours",
        "flowsense keys rotate",
    ] {
        assert!(runbook.contains(needle), "the runbook lacks {needle}");
    }
}

crate::on_both_backends!(
    unused_methods_are_refused_on_every_path,
    other_origins_get_no_cors_grant,
    nothing_private_is_served_by_accident,
    the_security_contacts_are_published,
);
