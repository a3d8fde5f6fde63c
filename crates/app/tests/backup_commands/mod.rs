//! `flowsense backup` in a terminal, on both databases: a backup taken, verified and restored
//! into a new database whose cash-flow report equals the original's; refused with another
//! master key and into a database that already has tables, with words a person can act on.

use super::*;
use flowsense_test_support::{EmptyPgDb, postgres_url};

/// Runs the whole round trip with the instance's database at `url` and restores to `to` (which
/// FlowSense then opens as `to_url`).
fn round_trip(ws: &Workspace, url: &str, to: &str, to_url: &str) {
    let run = |args: &[&str], db: &str| {
        ws.cmd()
            .env("FLOWSENSE_DATABASE_URL", db)
            .args(args)
            .output()
            .unwrap()
    };
    let ok = |args: &[&str], db: &str| {
        let out = run(args, db);
        assert!(
            out.status.success(),
            "{args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    ok(&["migrate", "--create"], url);
    ok(&["org", "create", "--slug", "kept", "--name", "Kept"], url);
    ok(
        &[
            "gen",
            "--transactions",
            "4000",
            "--end",
            "2026-11-30",
            "--out",
            "books.csv",
        ],
        url,
    );
    ok(&["import", "--org", "kept", "books.csv"], url);
    let report = ["report", "cashflow", "--org", "kept", "--format", "json"];
    let before = ok(&report, url);

    let backups = ws.path("backups");
    let backups = backups.to_str().unwrap();
    let created = ok(&["backup", "create", "--dir", backups], url);
    assert!(
        created.contains("Keep the master key apart from the backups"),
        "{created}"
    );
    assert!(
        !created.contains("postgres://"),
        "no URL printed: {created}"
    );
    let verified = ok(&["backup", "verify", "--dir", backups], url);
    assert!(
        verified.contains("restored into a scratch database"),
        "{verified}"
    );
    let backup = std::fs::read_dir(ws.path("backups"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("flowsense-")
        })
        .unwrap();
    let backup = backup.to_str().unwrap();

    // Another master key: refused, saying so, and nothing written.
    let out = ws
        .cmd()
        .env("FLOWSENSE_DATABASE_URL", url)
        .env(
            "FLOWSENSE_MASTER_KEY",
            "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
        )
        .args(["backup", "restore", backup, "--to", to])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("made with another master key"), "{err}");

    let restored = ok(&["backup", "restore", backup, "--to", to], url);
    assert!(restored.contains("Restored flowsense-"), "{restored}");
    assert!(
        !restored.contains("postgres://"),
        "no URL printed: {restored}"
    );
    // The restored database, opened with the same key, reports the same books.
    assert_eq!(ok(&report, to_url), before);
    // Restoring again never overwrites.
    let out = run(&["backup", "restore", backup, "--to", to], url);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("already exists") || err.contains("already has tables"),
        "{err}"
    );
}

#[test]
fn a_sqlite_backup_is_taken_verified_and_restored_from_the_command_line() {
    let ws = Workspace::new();
    let to = ws.path("restored.db");
    let to = to.to_str().unwrap();
    round_trip(&ws, &ws.db_url(), to, &format!("sqlite://{to}"));
}

#[test]
fn a_postgres_backup_is_taken_verified_and_restored_from_the_command_line() {
    let Some(server) = postgres_url() else {
        flowsense_test_support::announce_postgres_skipped(
            "a_postgres_backup_is_taken_verified_and_restored_from_the_command_line",
        );
        return;
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (live, target) =
        rt.block_on(async { (EmptyPgDb::new(&server).await, EmptyPgDb::new(&server).await) });
    let ws = Workspace::new();
    round_trip(&ws, &live.url, &target.url, &target.url);
    drop(rt);
}
