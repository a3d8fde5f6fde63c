//! What every browser test needs: the `flowsense demo` binary on a free port, Debian's chromium
//! driven by chromedriver over WebDriver (fantoccini), and helpers that read the page, wait for
//! navigation, check the CSP held and the console stayed clean, and save screenshots to
//! `target/e2e/`.

use crate::cli_support::{self, Workspace, http};
use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use std::future::Future;
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

/// Where a demo keeps its data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    /// A fresh database of its own on the server at `FLOWSENSE_TEST_POSTGRES_URL`.
    Postgres,
}

/// A running `flowsense demo` (SQLite in its own data directory, or a PostgreSQL database of
/// its own) and its credentials file.
pub struct Demo {
    pub base: String,
    pub creds: Value,
    /// The demo's data directory (database, mail outbox, credentials file).
    #[allow(dead_code, reason = "for tests that read the mail outbox")]
    pub data: PathBuf,
    _server: cli_support::Server,
    /// `flowsense sandbox`, when the demo was started against it.
    _sandbox: Option<cli_support::Server>,
    _ws: Workspace,
    /// Dropped after the server (fields drop in order): the PostgreSQL database, if any.
    _database: Option<flowsense_test_support::EmptyPgDb>,
}

impl Demo {
    /// Starts the demo, or returns `None` (saying so loudly) when chromium is not installed and
    /// the tools are not required. In CI (`FLOWSENSE_REQUIRE_TOOLS`) a missing browser fails.
    pub fn start() -> Option<Demo> {
        Self::start_with(false)
    }

    /// Starts `flowsense sandbox` (the fake QuickBooks Online and Xero), then the demo with the
    /// environment the sandbox printed, so Connect reaches the fakes' consent pages.
    pub fn start_with_sandbox() -> Option<Demo> {
        Self::start_with(true)
    }

    /// [`Demo::start_with_sandbox`] on `backend`; `None` also when PostgreSQL is asked for and
    /// `FLOWSENSE_TEST_POSTGRES_URL` is unset (said loudly, naming `test`).
    pub fn start_with_sandbox_on(backend: Backend, test: &str) -> Option<Demo> {
        let database = match backend {
            Backend::Sqlite => None,
            Backend::Postgres => {
                let Some(server) = flowsense_test_support::postgres_url() else {
                    flowsense_test_support::announce_postgres_skipped(test);
                    return None;
                };
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                Some(runtime.block_on(flowsense_test_support::EmptyPgDb::new(&server)))
            }
        };
        let env = database
            .iter()
            .map(|db| ("FLOWSENSE_DATABASE_URL".to_owned(), db.url.clone()))
            .collect();
        let mut demo = Self::launch(true, "127.0.0.1:0".to_owned(), env)?;
        demo._database = database;
        Some(demo)
    }

    /// Starts the demo reached as `http://localhost:<port>`: a host name, as WebAuthn (passkeys)
    /// requires of the relying party.
    pub fn start_at_localhost() -> Option<Demo> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let url = format!("http://localhost:{port}");
        let mut demo = Self::launch(
            false,
            format!("127.0.0.1:{port}"),
            vec![("FLOWSENSE_PUBLIC_URL".to_owned(), url.clone())],
        )?;
        demo.base = url;
        Some(demo)
    }

    fn start_with(sandbox: bool) -> Option<Demo> {
        Self::launch(sandbox, "127.0.0.1:0".to_owned(), Vec::new())
    }

    fn launch(sandbox: bool, addr: String, env: Vec<(String, String)>) -> Option<Demo> {
        if !std::path::Path::new(CHROMEDRIVER).exists() || !std::path::Path::new(CHROMIUM).exists()
        {
            flowsense_test_support::skip_for_missing_tool("chromium-driver", "");
            return None;
        }
        let ws = Workspace::new();
        let data = ws.path("data");
        let (mut addr, mut env) = (addr, env);
        let sandbox = sandbox.then(|| {
            // The fakes accept redirects to where the demo will listen, so pick its port first.
            let port = std::net::TcpListener::bind("127.0.0.1:0")
                .unwrap()
                .local_addr()
                .unwrap()
                .port();
            addr = format!("127.0.0.1:{port}");
            let env_file = ws.path("sandbox.env");
            let server = cli_support::Server::start(ws.cmd().args([
                "sandbox",
                "--public-url",
                &format!("http://{addr}"),
                "--transactions",
                "3000",
                "--env-file",
                env_file.to_str().unwrap(),
            ]));
            env = std::fs::read_to_string(&env_file)
                .unwrap()
                .lines()
                .filter_map(|l| l.split_once('='))
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect();
            server
        });
        let server = cli_support::Server::start(
            ws.cmd()
                .env_remove("FLOWSENSE_DATABASE_URL")
                .envs(env)
                .args([
                    "demo",
                    "--addr",
                    &addr,
                    "--data-dir",
                    data.to_str().unwrap(),
                ]),
        );
        let creds: Value =
            serde_json::from_slice(&std::fs::read(data.join("demo-credentials.json")).unwrap())
                .unwrap();
        Some(Demo {
            base: server.url.clone(),
            creds,
            data,
            _server: server,
            _sandbox: sandbox,
            _ws: ws,
            _database: None,
        })
    }

    /// E-mail and password of the demo user with `role` in the organisation `org` (its slug).
    pub fn user(&self, org: &str, role: &str) -> (String, String) {
        let u = self.creds["users"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["org"] == org && u["role"] == role)
            .unwrap();
        (
            u["email"].as_str().unwrap().to_owned(),
            u["password"].as_str().unwrap().to_owned(),
        )
    }

    /// The id of the organisation `org` (its slug), read through the JSON API as its admin.
    pub fn org_id(&self, org: &str) -> String {
        let (email, password) = self.user(org, "admin");
        let body = json!({"email": email, "password": password}).to_string();
        let (status, headers, text) = http::request(
            "POST",
            &format!("{}/api/v1/auth/login", self.base),
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
            &format!("{}/api/v1/me", self.base),
            &[("Cookie", &cookie)],
            "",
        );
        let me: Value = serde_json::from_str(&me).unwrap();
        me["organisations"][0]["id"].as_str().unwrap().to_owned()
    }
}

/// Runs `test` with a fresh headless chromium (its own profile, console logging on) and closes
/// the browser afterwards.
pub fn with_browser<F, Fut>(test: F)
where
    F: FnOnce(Client) -> Fut,
    Fut: Future<Output = Client>,
{
    let driver = Driver::start();
    let driver_url = driver.url.clone();
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
            caps.insert("goog:loggingPrefs".into(), json!({"browser": "ALL"}));
            // Only aws-lc-rs is meant to be linked; say so in case another provider is too.
            let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
            let mut builder = ClientBuilder::rustls().expect("tls");
            builder.capabilities(caps);
            let c = builder
                .connect(&driver_url)
                .await
                .expect("chromedriver session");
            let c = test(c).await;
            c.close().await.unwrap();
        });
    drop(driver);
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

/// Saves a screenshot of the page as `target/e2e/{name}.png`.
pub async fn shot(c: &Client, name: &str) {
    let png = c.screenshot().await.unwrap();
    assert!(png.starts_with(b"\x89PNG"), "{name} is a PNG");
    std::fs::write(screenshots_dir().join(format!("{name}.png")), png).unwrap();
}

/// The text of the first element matching `css`.
pub async fn text(c: &Client, css: &str) -> String {
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .text()
        .await
        .unwrap()
}

/// The path of the current URL.
pub async fn path(c: &Client) -> String {
    c.current_url().await.unwrap().path().to_owned()
}

/// Fills the field with id `id` (clearing it first).
pub async fn fill(c: &Client, id: &str, value: &str) {
    let field = c
        .find(Locator::Id(id))
        .await
        .unwrap_or_else(|e| panic!("#{id}: {e}"));
    field.clear().await.unwrap();
    field.send_keys(value).await.unwrap();
}

/// Clicks the first element matching `css`.
pub async fn click(c: &Client, css: &str) {
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .click()
        .await
        .unwrap();
}

/// Follows the organisation's navigation link `link` as a person would: a link in one of the
/// menus (Books, Settings) is reached by opening that menu first. Then waits for `ready`.
pub async fn follow_nav(c: &Client, link: &str, ready: &str) {
    let menu = c
        .execute(
            "const a = Array.from(document.querySelectorAll('.subnav-wide a'))\
               .find(a => a.textContent.trim() === arguments[0]);\
             const d = a && a.closest('details');\
             return d && !d.open ? d.id : null;",
            vec![json!(link)],
        )
        .await
        .unwrap();
    if let Some(id) = menu.as_str() {
        click(c, &format!("#{id} > summary")).await;
    }
    c.find(Locator::Css(".subnav-wide"))
        .await
        .unwrap()
        .find(Locator::LinkText(link))
        .await
        .unwrap_or_else(|e| panic!("the {link} link: {e}"))
        .click()
        .await
        .unwrap();
    wait_for(c, ready).await;
}

/// Waits (up to 15 s) until the browser's URL satisfies `done`: a form submission returns
/// before the next page has loaded.
pub async fn wait_for_url(c: &Client, what: &str, done: impl Fn(&str) -> bool) {
    for _ in 0..300 {
        if done(c.current_url().await.unwrap().as_str()) {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for {what}");
}

/// Waits (up to 15 s) for an element; on failure prints where the browser is and what it shows.
pub async fn wait_for(c: &Client, css: &str) {
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

/// No inline style or script anywhere (the CSP would block them), the stylesheet applied, and
/// nothing on the console since the last check: no CSP violation, no failed load, no error.
pub async fn assert_csp_clean(c: &Client, page: &str) {
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
    let problems = console(c).await;
    assert!(problems.is_empty(), "{page}: console says {problems:#?}");
}

/// The console messages since the last call that are warnings or errors (chromedriver's log
/// buffer empties on each read). A CSP violation is logged here as an error.
pub async fn console(c: &Client) -> Vec<String> {
    let entries = c
        .issue_cmd(SessionPost {
            path: "se/log",
            body: r#"{"type":"browser"}"#.to_owned(),
        })
        .await
        .unwrap();
    entries
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|e| matches!(e["level"].as_str(), Some("SEVERE" | "WARNING")))
                .map(|e| e["message"].as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// A POST to a path of the browser session that fantoccini has no method for: chromedriver's
/// console log (`se/log`, outside the W3C set) and WebDriver's WebAuthn extension.
#[derive(Debug)]
struct SessionPost {
    path: &'static str,
    body: String,
}

impl WebDriverCompatibleCommand for SessionPost {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/{}",
            session_id.unwrap_or_default(),
            self.path
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (::http::Method, Option<String>) {
        (::http::Method::POST, Some(self.body.clone()))
    }
}

/// Gives the browser a virtual platform authenticator (WebDriver's WebAuthn extension): it
/// keeps discoverable credentials and verifies its user, like a laptop's passkey store.
pub async fn add_virtual_authenticator(c: &Client) {
    c.issue_cmd(SessionPost {
        path: "webauthn/authenticator",
        body: json!({
            "protocol": "ctap2",
            "transport": "internal",
            "hasResidentKey": true,
            "hasUserVerification": true,
            "isUserVerified": true,
        })
        .to_string(),
    })
    .await
    .unwrap();
}

/// The TOTP code for `secret` (base32, as the page shows it) `ahead` steps from now.
pub fn totp(secret: &str, ahead: u64) -> String {
    let secret: String = secret.split_whitespace().collect();
    let key = totp_rs::Secret::try_from_base32(&secret).unwrap();
    let t = totp_rs::Builder::new()
        .with_secret(key.as_bytes().to_vec())
        .with_account_name("test")
        .build()
        .unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    t.generate(now + 30 * ahead).to_string()
}

/// Signs in through the form (and does not wait for the next page).
pub async fn sign_in(c: &Client, base: &str, email: &str, password: &str) {
    c.goto(&format!("{base}/login")).await.unwrap();
    fill(c, "email", email).await;
    fill(c, "password", password).await;
    click(c, "form[action='/login'] button[type=submit]").await;
}

/// Signs out through the top bar's form and waits for the start page.
pub async fn sign_out(c: &Client, base: &str) {
    click(c, "form[action='/logout'] button").await;
    wait_for_url(c, "the start page", |u| u == format!("{base}/")).await;
}
