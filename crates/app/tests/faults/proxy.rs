//! HAProxy from the shipped `deploy/haproxy.cfg`, with only its addresses changed, in front of
//! `flowsense serve` processes whose logs are kept, so a test can tell which instance answered.

use super::instance::Books;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The example's own addresses: the proxy's, then its three instances'.
const SHIPPED_FRONT: &str = "127.0.0.1:8080";
const SHIPPED_BACKENDS: [&str; 3] = ["127.0.0.1:8081", "127.0.0.1:8082", "127.0.0.1:8083"];

/// `haproxy` on the `PATH` or in the system directories Debian installs it to.
pub fn haproxy_binary() -> Option<PathBuf> {
    std::env::split_paths(&search_path())
        .chain(["/usr/sbin".into(), "/usr/local/sbin".into()])
        .map(|dir| dir.join("haproxy"))
        .find(|p| p.is_file())
}

#[expect(clippy::disallowed_methods, reason = "where the test looks for a tool")]
fn search_path() -> std::ffi::OsString {
    std::env::var_os("PATH").unwrap_or_default()
}

/// A `flowsense serve` whose stderr goes to a file, its log lines in JSON.
pub struct LoggedServer {
    child: Child,
    pub url: String,
    log: PathBuf,
}

impl LoggedServer {
    /// `flowsense serve` of `books` on a free port with `env` added, logging to `log`.
    pub fn start(books: &Books, env: &[(&str, &str)], log: PathBuf) -> LoggedServer {
        let file = std::fs::File::create(&log).expect("the instance's log");
        let mut child = books
            .command()
            .env("FLOWSENSE_ADDR", "127.0.0.1:0")
            .envs(env.iter().copied())
            .args(["--log-format", "json", "serve"])
            .stdout(Stdio::piped())
            .stderr(file)
            .spawn()
            .expect("flowsense serve");
        let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
        let url = loop {
            let line = lines
                .next()
                .unwrap_or_else(|| panic!("the server exited: {}", read(&log)))
                .expect("a line");
            if let Some(rest) = line.split("running at ").nth(1) {
                break rest.split_whitespace().next().expect("a URL").to_owned();
            }
        };
        std::thread::spawn(move || for _ in lines {});
        LoggedServer { child, url, log }
    }

    /// `HOST:PORT`.
    pub fn address(&self) -> &str {
        self.url.trim_start_matches("http://")
    }

    /// The requests to `route` this instance finished, from its log.
    pub fn served(&self, route: &str) -> usize {
        read(&self.log)
            .lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter(|l| {
                l["fields"]["message"] == "finished processing request"
                    && l["span"]["route"] == route
            })
            .count()
    }

    /// SIGKILL.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for LoggedServer {
    fn drop(&mut self) {
        self.kill();
    }
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

/// A running HAProxy; killed when dropped.
pub struct Haproxy {
    child: Child,
    pub url: String,
    /// What it wrote to stderr (its warnings, such as a server going down).
    said: Arc<Mutex<Vec<String>>>,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

impl Haproxy {
    /// `deploy/haproxy.cfg` with its listening address on a free port and its three servers
    /// at `backends`, run in the foreground from `dir`; returns once it answers.
    pub fn start(binary: &Path, dir: &Path, backends: [&str; 3]) -> Haproxy {
        let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy/haproxy.cfg");
        let mut config = std::fs::read_to_string(&shipped).expect("deploy/haproxy.cfg");
        let front = format!("127.0.0.1:{}", free_port());
        for (from, to) in std::iter::once((SHIPPED_FRONT, front.as_str()))
            .chain(SHIPPED_BACKENDS.into_iter().zip(backends))
        {
            assert_eq!(
                config.matches(from).count(),
                1,
                "deploy/haproxy.cfg names {from} once"
            );
            config = config.replace(from, to);
        }
        let file = dir.join("haproxy.cfg");
        std::fs::write(&file, config).expect("the proxy's configuration");
        let mut child = Command::new(binary)
            .args(["-db", "-f"])
            .arg(&file)
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("haproxy");
        let said = Arc::new(Mutex::new(Vec::new()));
        let lines = BufReader::new(child.stderr.take().expect("stderr")).lines();
        let keep = said.clone();
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                keep.lock().expect("the proxy's lines").push(line);
            }
        });
        let proxy = Haproxy {
            child,
            url: format!("http://{front}"),
            said,
        };
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let probe = super::instance::send(
                "GET",
                &format!("{}/healthz", proxy.url),
                &[],
                "",
                Duration::from_secs(2),
            );
            if probe.is_ok_and(|a| a.status == 200) {
                break proxy;
            }
            assert!(
                Instant::now() < deadline,
                "haproxy did not start: {:?}",
                proxy.said()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub fn said(&self) -> Vec<String> {
        self.said.lock().expect("the proxy's lines").clone()
    }
}

impl Drop for Haproxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
