//! A PostgreSQL cluster of the test's own: `initdb` into a temp directory, started and stopped
//! with `pg_ctl` on a free loopback port, so a test may stop it under a running server without
//! touching the shared one other tests use. As root, the cluster runs as `postgres` (PostgreSQL
//! refuses to run as root).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The newest installed server's binaries, e.g. `/usr/lib/postgresql/17/bin`.
pub fn server_binaries() -> Option<PathBuf> {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(Result::ok)
        .filter_map(|e| {
            let version = e.file_name().to_str()?.parse().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin)
}

/// A running cluster; stopped (immediately) and removed when dropped.
pub struct Cluster {
    bin: PathBuf,
    data: PathBuf,
    port: u16,
    /// As root: the user the cluster's commands run as.
    run_as: Option<&'static str>,
    _dir: tempfile::TempDir,
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// A folder every user can reach, for a cluster run as `postgres`: the system's temporary
/// folder, unless it or a folder above it is closed to others (some machines keep `/tmp` at
/// 0700), then the build's own (`target/tmp`).
fn reachable_by_others() -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let open = |dir: &Path| {
        dir.ancestors()
            .all(|d| std::fs::metadata(d).is_ok_and(|m| m.permissions().mode() & 0o001 != 0))
    };
    let system = std::env::temp_dir();
    if open(&system) {
        return system;
    }
    let own = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    assert!(
        open(&own),
        "neither {} nor {} can be reached by the postgres user",
        system.display(),
        own.display()
    );
    own
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Cluster {
    /// Creates and starts a cluster with trust authentication for `postgres` on loopback.
    pub fn start(bin: &Path) -> Cluster {
        let run_as = is_root().then_some("postgres");
        let dir = match run_as {
            Some(_) => tempfile::tempdir_in(reachable_by_others()).unwrap(),
            None => tempfile::tempdir().unwrap(),
        };
        if let Some(user) = run_as {
            let status = Command::new("chown")
                .args([&format!("{user}:"), dir.path().to_str().unwrap()])
                .status()
                .unwrap();
            assert!(status.success(), "chown the cluster's directory");
        }
        let cluster = Cluster {
            bin: bin.to_owned(),
            data: dir.path().join("data"),
            port: free_port(),
            run_as,
            _dir: dir,
        };
        cluster.run(
            "initdb",
            &[
                "-D",
                cluster.data.to_str().unwrap(),
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            ],
        );
        cluster.resume();
        cluster
    }

    /// The cluster's `postgres` database as its superuser reaches it.
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// Starts the server (again), on the same port, and waits until it accepts connections.
    pub fn resume(&self) {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=60",
            self.port,
            self.data.display()
        );
        let log = self.data.with_file_name("server.log");
        self.run(
            "pg_ctl",
            &[
                "-D",
                self.data.to_str().unwrap(),
                "-o",
                &options,
                "-l",
                log.to_str().unwrap(),
                "-w",
                "-t",
                "30",
                "start",
            ],
        );
    }

    /// `pg_ctl stop -m immediate`: every backend ends at once, as in a crash.
    pub fn stop_immediately(&self) {
        self.run(
            "pg_ctl",
            &[
                "-D",
                self.data.to_str().unwrap(),
                "-m",
                "immediate",
                "-w",
                "stop",
            ],
        );
    }

    fn run(&self, tool: &str, args: &[&str]) {
        let program = self.bin.join(tool);
        let mut command = match self.run_as {
            Some(user) => {
                let mut c = Command::new("runuser");
                c.args(["-u", user, "--"]).arg(&program);
                c
            }
            None => Command::new(&program),
        };
        let out = command
            .args(args)
            .current_dir("/")
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{tool} {args:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let program = self.bin.join("pg_ctl");
        let data = self.data.to_str().unwrap_or_default();
        let args = ["-D", data, "-m", "immediate", "stop"];
        let _ = match self.run_as {
            Some(user) => Command::new("runuser")
                .args(["-u", user, "--"])
                .arg(&program)
                .args(args)
                .output(),
            None => Command::new(&program).args(args).output(),
        };
    }
}
