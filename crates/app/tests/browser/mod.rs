//! End to end in a real browser: the `flowsense demo` binary, Debian's chromium driven by
//! chromedriver over WebDriver (fantoccini). Signs in through the form, reads the dashboard,
//! filters transactions, reads the trust center, is refused another organisation, signs out,
//! and saves a screenshot of each page to `target/e2e/`.

use crate::cli_support::{self, Workspace, http};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";

/// chromedriver on a free loopback port; ready once it says so on stdout.
struct Driver {
    child: Child,
    url: String,
}

impl Driver {
    fn start() -> Driver {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        loop {
            let line = lines
                .next()
                .expect("chromedriver exited before it was ready")
                .unwrap();
            if line.contains("started successfully") {
                break;
            }
        }
        std::thread::spawn(move || for _ in lines {});
        Driver {
            child,
            url: format!("http://127.0.0.1:{port}"),
        }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn screenshots_dir() -> PathBuf {
    // target/tmp → target/e2e
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .unwrap()
        .join("e2e");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

async fn shot(c: &Client, name: &str) {
    let png = c.screenshot().await.unwrap();
    assert!(png.starts_with(b"\x89PNG"), "{name} is a PNG");
    std::fs::write(screenshots_dir().join(format!("{name}.png")), png).unwrap();
}

async fn text(c: &Client, css: &str) -> String {
    c.find(Locator::Css(css))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

async fn path(c: &Client) -> String {
    c.current_url().await.unwrap().path().to_owned()
}

/// Waits (up to 15 s) until the browser's URL satisfies `done`: a form submission returns
/// before the next page has loaded.
async fn wait_for_url(c: &Client, what: &str, done: impl Fn(&str) -> bool) {
    for _ in 0..300 {
        if done(c.current_url().await.unwrap().as_str()) {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for {what}");
}

async fn wait_for(c: &Client, css: &str) {
    if let Err(e) = c
        .wait()
        .at_most(std::time::Duration::from_secs(15))
        .for_element(Locator::Css(css))
        .await
    {
        let url = c
            .current_url()
            .await
            .map(|u| u.to_string())
            .unwrap_or_default();
        let source = c.source().await.unwrap_or_default();
        panic!("waiting for {css} at {url}: {e}\n{source}");
    }
}

/// No inline style or script anywhere (the CSP would block them), and the stylesheet applied.
async fn assert_csp_clean(c: &Client, page: &str) {
    let v = c
        .execute(
            "return [document.querySelectorAll('[style]').length, \
                     document.querySelectorAll('script:not([src])').length, \
                     getComputedStyle(document.querySelector('.topbar')).backgroundColor];",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(v[0], json!(0), "{page}: elements with inline style");
    assert_eq!(v[1], json!(0), "{page}: inline scripts");
    assert_eq!(v[2], json!("rgb(15, 27, 45)"), "{page}: app.css applied");
}

async fn sign_in(c: &Client, base: &str, email: &str, password: &str) {
    c.goto(&format!("{base}/login")).await.unwrap();
    c.find(Locator::Id("email"))
        .await
        .unwrap()
        .send_keys(email)
        .await
        .unwrap();
    c.find(Locator::Id("password"))
        .await
        .unwrap()
        .send_keys(password)
        .await
        .unwrap();
    c.find(Locator::Css("form[action='/login'] button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

/// The id of a user's (only) organisation, through the JSON API.
fn org_id_of(base: &str, email: &str, password: &str) -> String {
    let body = json!({"email": email, "password": password}).to_string();
    let (status, headers, text) = http::request(
        "POST",
        &format!("{base}/api/v1/auth/login"),
        &[("Content-Type", "application/json")],
        &body,
    );
    assert_eq!(status, 200, "{text}");
    let cookie = headers
        .iter()
        .find(|(k, _)| k == "set-cookie")
        .map(|(_, v)| v.split(';').next().unwrap().to_owned())
        .unwrap();
    let (_, _, me) = http::request(
        "GET",
        &format!("{base}/api/v1/me"),
        &[("Cookie", &cookie)],
        "",
    );
    let me: Value = serde_json::from_str(&me).unwrap();
    me["organisations"][0]["id"].as_str().unwrap().to_owned()
}

fn user<'a>(creds: &'a Value, org: &str, role: &str) -> (&'a str, &'a str) {
    let u = creds["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["org"] == org && u["role"] == role)
        .unwrap();
    (
        u["email"].as_str().unwrap(),
        u["password"].as_str().unwrap(),
    )
}

#[test]
fn a_viewer_signs_in_reads_the_dashboard_filters_transactions_and_signs_out() {
    if !std::path::Path::new(CHROMEDRIVER).exists() || !std::path::Path::new(CHROMIUM).exists() {
        assert!(
            std::env::var_os("FLOWSENSE_REQUIRE_TOOLS").is_none(),
            "chromium and chromium-driver are required (FLOWSENSE_REQUIRE_TOOLS is set)"
        );
        println!("SKIPPED: chromium-driver not installed");
        return;
    }
    let ws = Workspace::new();
    let data = ws.path("data");
    let server = cli_support::Server::start(ws.cmd().env_remove("FLOWSENSE_DATABASE_URL").args([
        "demo",
        "--addr",
        "127.0.0.1:0",
        "--data-dir",
        data.to_str().unwrap(),
    ]));
    let base = server.url.clone();
    let creds: Value =
        serde_json::from_slice(&std::fs::read(data.join("demo-credentials.json")).unwrap())
            .unwrap();
    let (h_email, h_password) = user(&creds, "harbor-dental", "admin");
    let other_org = org_id_of(&base, h_email, h_password);
    let (email, password) = user(&creds, "northwind", "viewer");
    let (email, password) = (email.to_owned(), password.to_owned());
    let driver = Driver::start();
    let profile = tempfile::tempdir().unwrap();

    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async move {
            let mut caps = serde_json::Map::new();
            caps.insert(
                "goog:chromeOptions".into(),
                json!({
                    "binary": CHROMIUM,
                    "args": [
                        "--headless", "--no-sandbox", "--disable-gpu",
                        "--disable-background-networking", "--disable-component-update",
                        "--disable-sync", "--no-first-run", "--window-size=1366,1000",
                        format!("--user-data-dir={}", profile.path().display()),
                    ]
                }),
            );
            // Only aws-lc-rs is meant to be linked; say so in case another provider is too.
            let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
            let mut builder = ClientBuilder::rustls().expect("tls");
            builder.capabilities(caps);
            let c = builder
                .connect(&driver.url)
                .await
                .expect("chromedriver session");

            // Landing, then the sign-in form.
            c.goto(&base).await.unwrap();
            assert_csp_clean(&c, "landing").await;
            shot(&c, "landing").await;
            c.goto(&format!("{base}/login")).await.unwrap();
            shot(&c, "login").await;

            // A wrong password keeps us on the form with a message.
            sign_in(&c, &base, &email, "definitely-not-the-password").await;
            wait_for(&c, "#login-error").await;
            assert_eq!(path(&c).await, "/login");
            assert!(text(&c, "#login-error").await.contains("not correct"));

            // Signing in lands on the organisation's dashboard.
            sign_in(&c, &base, &email, &password).await;
            wait_for(&c, "#runway-status").await;
            let dash = path(&c).await;
            assert!(dash.starts_with("/app/"), "{dash}");
            let runway = text(&c, "#runway-status").await;
            assert!(
                ["months of runway", "Not burning cash", "Out of cash", "Not enough history"]
                    .iter()
                    .any(|p| runway.contains(p)),
                "runway text: {runway}"
            );
            for css in [
                "svg#cash-chart path.series-line",
                "svg#cash-chart title",
                "svg#forecast-chart path.band",
                "svg#forecast-chart path.median",
            ] {
                c.find(Locator::Css(css)).await.unwrap_or_else(|_| panic!("{css}"));
            }
            assert!(text(&c, "h1").await.contains("Northwind Coffee Roasters"));
            assert_csp_clean(&c, "dashboard").await;
            shot(&c, "dashboard").await;
            c.execute("window.scrollTo(0, document.body.scrollHeight);", vec![])
                .await
                .unwrap();
            shot(&c, "dashboard-insights").await;

            // Transactions: filter by the counterparty of the first row.
            c.find(Locator::LinkText("Transactions")).await.unwrap().click().await.unwrap();
            wait_for(&c, "form.filters").await;
            assert!(path(&c).await.ends_with("/transactions"));
            shot(&c, "transactions-all").await;
            let first = text(&c, "#transactions tbody tr td:nth-child(2)").await;
            c.find(Locator::Id("counterparty"))
                .await
                .unwrap()
                .send_keys(&first)
                .await
                .unwrap();
            c.find(Locator::Css("form.filters button[type=submit]"))
                .await
                .unwrap()
                .click()
                .await
                .unwrap();
            wait_for_url(&c, "the filtered list", |u| u.contains("counterparty=")).await;
            wait_for(&c, "#transactions").await;
            let names = c
                .execute(
                    "return Array.from(document.querySelectorAll('#transactions tbody tr td:nth-child(2)')).map(td => td.textContent);",
                    vec![],
                )
                .await
                .unwrap();
            let names = names.as_array().unwrap();
            assert!(!names.is_empty());
            assert!(
                names.iter().all(|n| n.as_str().unwrap().contains(first.as_str())),
                "{names:?}"
            );
            assert_csp_clean(&c, "transactions").await;
            shot(&c, "transactions").await;

            // Another organisation's dashboard is a plain 404 page.
            c.goto(&format!("{base}/app/{other_org}")).await.unwrap();
            assert!(text(&c, "h1").await.contains("Page not found"));
            let source = c.source().await.unwrap();
            assert!(!source.contains("Harbor Dental"));
            shot(&c, "not-found").await;

            // The trust center states this instance's configuration.
            c.goto(&format!("{base}/security")).await.unwrap();
            assert!(text(&c, "#fact-tls").await.starts_with("Off"));
            assert!(text(&c, "#fact-tls-version").await.contains("TLS 1.3 only"));
            assert!(text(&c, "#fact-ai").await.contains("None configured"));
            assert!(text(&c, "#fact-idle").await.contains("30 minutes"));
            assert!(text(&c, "#fact-absolute").await.contains("12 hours"));
            assert!(text(&c, "#fact-master-key").await.starts_with('v'));
            assert_csp_clean(&c, "security").await;
            shot(&c, "security").await;

            // Sign out through the form; the app then asks to sign in again.
            c.find(Locator::Css("form[action='/logout'] button"))
                .await
                .unwrap()
                .click()
                .await
                .unwrap();
            wait_for_url(&c, "the start page", |u| u == format!("{base}/")).await;
            c.goto(&format!("{base}/app")).await.unwrap();
            assert_eq!(path(&c).await, "/login");
            c.close().await.unwrap();
        });
}
