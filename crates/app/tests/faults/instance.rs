//! `flowsense serve` processes on one PostgreSQL database, and a small HTTP/1.1 client with
//! timeouts that measures each answer.

use crate::cli_support::{Server, Workspace};
use std::io::{Read, Write};
use std::net::{IpAddr, SocketAddr, TcpStream};
use std::time::{Duration, Instant};

/// The users' password is printed once by `flowsense user create`.
pub struct Books {
    pub ws: Workspace,
    pub database_url: String,
    pub email: String,
    pub password: String,
}

impl Books {
    /// An organisation `cafe` with one admin, made by the operator commands on `database_url`.
    /// Every process started from here shares the workspace's data directory, hence its
    /// generated master key.
    pub fn new(database_url: &str) -> Books {
        let ws = Workspace::new();
        let books = Books {
            ws,
            database_url: database_url.to_owned(),
            email: "ann@cafe.test".into(),
            password: String::new(),
        };
        books.ok(&["org", "create", "--slug", "cafe", "--name", "Cafe"]);
        let out = books.ok(&[
            "user",
            "create",
            "--email",
            books.email.as_str(),
            "--name",
            "Ann",
            "--org",
            "cafe",
            "--role",
            "admin",
        ]);
        let password = out
            .split("with password ")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .expect("the printed password")
            .to_owned();
        Books { password, ..books }
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.command().args(args).output().unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// The binary, run in the workspace against the database.
    pub fn command(&self) -> std::process::Command {
        let mut c = self.ws.cmd();
        c.env("FLOWSENSE_DATABASE_URL", &self.database_url)
            .env_remove("FLOWSENSE_REDIS_URL")
            .env_remove("ANTHROPIC_API_KEY");
        c
    }

    /// `flowsense serve` on a free port with `env` added.
    pub fn serve(&self, env: &[(&str, &str)]) -> Server {
        let mut c = self.command();
        c.env("FLOWSENSE_ADDR", "127.0.0.1:0")
            .envs(env.iter().copied())
            .arg("serve");
        Server::start(&mut c)
    }
}

/// One answer, and how long it took from connecting to the last byte.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
    pub took: Duration,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|_| panic!("json: {}", self.body))
    }
}

/// One request over a new connection (`Connection: close`); `Err` when the server could not be
/// reached or did not finish answering within `timeout`.
pub fn send(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: &str,
    timeout: Duration,
) -> Result<Answer, String> {
    send_from(None, method, url, headers, body, timeout)
}

/// [`send`] from `source`, an address of this machine (another loopback address such as
/// `127.8.9.2`): a client with an address of its own, as a proxy in front sees it.
pub fn send_from(
    source: Option<IpAddr>,
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: &str,
    timeout: Duration,
) -> Result<Answer, String> {
    let started = Instant::now();
    let rest = url.strip_prefix("http://").expect("an http URL");
    let (host, path) = rest
        .split_once('/')
        .map_or((rest, "/".to_owned()), |(h, p)| (h, format!("/{p}")));
    let address = host
        .parse::<SocketAddr>()
        .map_err(|e| format!("{host}: {e}"))?;
    let mut s = match source {
        None => TcpStream::connect_timeout(&address, timeout),
        Some(source) => connect_from(source, address, timeout),
    }
    .map_err(|e| e.to_string())?;
    s.set_read_timeout(Some(timeout)).unwrap();
    s.set_write_timeout(Some(timeout)).unwrap();
    let extra: String = headers
        .iter()
        .map(|(k, v)| format!("{k}: {v}\r\n"))
        .collect();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nContent-Length: {}\r\n{extra}\r\n{body}",
        body.len()
    )
    .map_err(|e| e.to_string())?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw)
        .map_err(|e| format!("after {:?}: {e}", started.elapsed()))?;
    let took = started.elapsed();
    let raw = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = raw.split_once("\r\n\r\n").ok_or("no header end")?;
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .ok_or("no status line")?;
    let headers = lines
        .filter_map(|l| l.split_once(": "))
        .map(|(k, v)| (k.to_ascii_lowercase(), v.to_owned()))
        .collect();
    Ok(Answer {
        status,
        headers,
        body: body.to_owned(),
        took,
    })
}

/// A connection to `address` bound to `source` first (the standard library connects from
/// whichever address the kernel picks).
fn connect_from(
    source: IpAddr,
    address: SocketAddr,
    timeout: Duration,
) -> std::io::Result<TcpStream> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let socket = tokio::net::TcpSocket::new_v4()?;
        socket.bind(SocketAddr::new(source, 0))?;
        let stream = tokio::time::timeout(timeout, socket.connect(address))
            .await
            .map_err(|_| std::io::Error::from(std::io::ErrorKind::TimedOut))??;
        let stream = stream.into_std()?;
        stream.set_nonblocking(false)?;
        Ok(stream)
    })
}

/// How long any single request may take in these tests before it counts as hanging.
pub const PATIENCE: Duration = Duration::from_secs(15);

pub fn get(url: &str, headers: &[(&str, &str)]) -> Answer {
    send("GET", url, headers, "", PATIENCE).unwrap_or_else(|e| panic!("GET {url}: {e}"))
}

/// A signed-in browser session: its cookie and CSRF token, usable on any instance.
#[derive(Clone)]
pub struct Session {
    pub cookie: String,
    pub csrf: String,
}

impl Session {
    pub fn sign_in(base: &str, email: &str, password: &str) -> Session {
        let body = serde_json::json!({"email": email, "password": password}).to_string();
        let a = send(
            "POST",
            &format!("{base}/api/v1/auth/login"),
            &[("Content-Type", "application/json")],
            &body,
            PATIENCE,
        )
        .unwrap();
        assert_eq!(a.status, 200, "sign in: {}", a.body);
        let cookie = a
            .header("set-cookie")
            .and_then(|v| v.split(';').next())
            .expect("a session cookie")
            .to_owned();
        let csrf = a.json()["csrf_token"].as_str().unwrap().to_owned();
        Session { cookie, csrf }
    }

    pub fn get(&self, url: &str) -> Answer {
        get(url, &[("Cookie", self.cookie.as_str())])
    }

    pub fn try_get(&self, url: &str, timeout: Duration) -> Result<Answer, String> {
        send("GET", url, &[("Cookie", self.cookie.as_str())], "", timeout)
    }

    pub fn post(&self, url: &str, body: &str) -> Answer {
        send(
            "POST",
            url,
            &[
                ("Cookie", self.cookie.as_str()),
                ("X-CSRF-Token", self.csrf.as_str()),
                ("Content-Type", "application/json"),
            ],
            body,
            PATIENCE,
        )
        .unwrap_or_else(|e| panic!("POST {url}: {e}"))
    }
}
