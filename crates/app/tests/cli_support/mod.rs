//! Helpers: a temp workspace with its own database, and a server started from the binary.
#![allow(clippy::unwrap_used)] // test helpers: a failure is a test failure

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

pub fn flowsense() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_flowsense"));
    c.env_remove("FLOWSENSE_DATABASE_URL")
        .env_remove("FLOWSENSE_ADDR")
        .env_remove("FLOWSENSE_PUBLIC_URL")
        .env("RUST_LOG", "warn");
    c
}

/// A temp directory with a SQLite database URL pointing into it.
pub struct Workspace {
    pub dir: tempfile::TempDir,
}

#[derive(Debug, PartialEq, Eq)]
pub struct Counts {
    pub transactions: i64,
    pub imports: i64,
    pub accounts: i64,
    pub documents: i64,
}

impl Workspace {
    pub fn new() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn db_url(&self) -> String {
        format!("sqlite://{}", self.path("flowsense.db").display())
    }

    pub fn cmd(&self) -> Command {
        let mut c = flowsense();
        c.current_dir(self.dir.path())
            .env("FLOWSENSE_DATABASE_URL", self.db_url());
        c
    }

    /// Runs a command that must succeed; returns its stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.cmd().args(args).output().unwrap();
        assert!(
            out.status.success(),
            "{args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Runs a command that must fail; returns its stderr.
    pub fn fails(&self, args: &[&str]) -> String {
        let out = self.cmd().args(args).output().unwrap();
        assert!(!out.status.success(), "{args:?} should have failed");
        String::from_utf8_lossy(&out.stderr).into_owned()
    }

    /// The first column of the first row of `query`, read straight from the SQLite file.
    #[expect(
        clippy::disallowed_methods,
        reason = "the test reads what the binary wrote, around the store"
    )]
    pub fn sql(&self, query: &str) -> String {
        let url = self.db_url();
        let query = query.to_owned();
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(async move {
                use sqlx::{Connection, Row};
                let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
                let row = sqlx::query(sqlx::AssertSqlSafe(query))
                    .fetch_one(&mut conn)
                    .await
                    .unwrap();
                row.try_get::<String, _>(0)
                    .or_else(|_| row.try_get::<i64, _>(0).map(|n| n.to_string()))
                    .unwrap()
            })
    }

    pub fn counts(&self) -> Counts {
        let n = |t: &str| {
            self.sql(&format!("SELECT COUNT(*) FROM {t}"))
                .parse()
                .unwrap()
        };
        Counts {
            transactions: n("transactions"),
            imports: n("imports"),
            accounts: n("bank_accounts"),
            documents: n("documents"),
        }
    }
}

/// A server process whose URL was read from its own output.
pub struct Server {
    child: Child,
    pub url: String,
    /// Where the operator routes are served, when `FLOWSENSE_INTERNAL_ADDR` is set.
    pub operator_url: Option<String>,
}

impl Server {
    pub fn start(cmd: &mut Command) -> Server {
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        let mut operator_url = None;
        let url = loop {
            let line = lines
                .next()
                .expect("the server exited before it was ready")
                .unwrap();
            if let Some(rest) = line.split("operator routes (cron, metrics) are at ").nth(1) {
                operator_url = Some(rest.split_whitespace().next().unwrap().to_owned());
            }
            if let Some(rest) = line.split("running at ").nth(1) {
                break rest.split_whitespace().next().unwrap().to_owned();
            }
        };
        // Keep draining stdout so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        Server {
            child,
            url,
            operator_url,
        }
    }

    /// Starts a server, waits until it is ready, stops it, and returns what it wrote to
    /// stderr up to then (its start-up log).
    pub fn stderr_until_ready(cmd: &mut Command) -> String {
        use std::io::Read;
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stderr = child.stderr.take().unwrap();
        let collected = std::thread::spawn(move || {
            let mut said = String::new();
            let _ = stderr.read_to_string(&mut said);
            said
        });
        let stdout = child.stdout.take().unwrap();
        let ready = BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .any(|l| l.contains("running at "));
        let _ = child.kill();
        let _ = child.wait();
        let said = collected.join().unwrap();
        assert!(ready, "the server exited before it was ready: {said}");
        said
    }

    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Signs in over the JSON API as the admin of the first organisation in the demo's credentials
/// file (`demo-credentials.json`, read as `creds`): the organisation's slug, the session cookie
/// (`name=value`) and the sign-in answer's body.
pub fn demo_admin_sign_in(base: &str, creds: &serde_json::Value) -> (String, String, String) {
    let org = creds["orgs"][0]["slug"].as_str().unwrap().to_owned();
    let admin = creds["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["org"] == org.as_str() && u["role"] == "admin")
        .unwrap();
    let login =
        serde_json::json!({"email": admin["email"], "password": admin["password"]}).to_string();
    let (status, headers, body) = http::request(
        "POST",
        &format!("{base}/api/v1/auth/login"),
        &[("Content-Type", "application/json")],
        &login,
    );
    assert_eq!(status, 200, "{body}");
    let cookie = headers
        .iter()
        .find(|(k, _)| k == "set-cookie")
        .map(|(_, v)| v.split(';').next().unwrap().to_owned())
        .unwrap();
    (org, cookie, body)
}

/// A tiny blocking HTTP GET over std, so the test needs no HTTP client runtime.
pub mod http {
    use std::io::{Read, Write};

    pub type Response = (u16, Vec<(String, String)>, String);

    pub fn get(url: &str) -> Response {
        request("GET", url, &[], "")
    }

    /// One HTTP/1.1 request with extra headers and a body.
    pub fn request(method: &str, url: &str, headers: &[(&str, &str)], body: &str) -> Response {
        {
            let rest = url.strip_prefix("http://").expect("http url");
            let (host, path) = rest
                .split_once('/')
                .map_or((rest, "/".to_owned()), |(h, p)| (h, format!("/{p}")));
            let mut s = std::net::TcpStream::connect(host).expect("connect");
            let extra: String = headers
                .iter()
                .map(|(k, v)| format!("{k}: {v}\r\n"))
                .collect();
            write!(
                s,
                "{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nContent-Length: {}\r\n{extra}\r\n{body}",
                body.len()
            )
            .unwrap();
            let mut raw = String::new();
            s.read_to_string(&mut raw).unwrap();
            let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
            let mut lines = head.lines();
            let status = lines
                .next()
                .unwrap()
                .split(' ')
                .nth(1)
                .unwrap()
                .parse()
                .unwrap();
            let headers = lines
                .filter_map(|l| l.split_once(": "))
                .map(|(k, v)| (k.to_ascii_lowercase(), v.to_owned()))
                .collect();
            (status, headers, body.to_owned())
        }
    }
}
