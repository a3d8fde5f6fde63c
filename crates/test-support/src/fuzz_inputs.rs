//! Replaying the inputs a fuzz target keeps (`fuzz/regressions/<target>/`, what it found, and
//! `fuzz/seeds/<target>/`, where it starts) through the check the target runs, so the ordinary
//! `cargo test` keeps them passing without cargo-fuzz. Each fuzzed crate keeps its check in a
//! `fuzz_checks` module and calls [`replay_fuzz_target`] (or [`replay_files`]) from a test.

use std::panic::RefUnwindSafe;
use std::path::{Path, PathBuf};

/// The repository's root folder.
#[must_use]
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Runs `check` on every file of `fuzz/regressions/<target>/` and `fuzz/seeds/<target>/`.
///
/// # Panics
/// When `check` panics on a file (the message names it), or when neither folder holds a file.
pub fn replay_fuzz_target(target: &str, check: impl Fn(&[u8]) + RefUnwindSafe) {
    replay_files(
        &[
            &format!("fuzz/regressions/{target}"),
            &format!("fuzz/seeds/{target}"),
        ],
        |_| true,
        check,
    );
}

/// Runs `check` on every file that `keep` accepts in `folders` (relative to the repository's
/// root; a missing folder holds nothing), in name order. Returns how many it ran.
///
/// # Panics
/// When `check` panics on a file (the message names it), or when no file was replayed.
pub fn replay_files(
    folders: &[&str],
    keep: impl Fn(&Path) -> bool,
    check: impl Fn(&[u8]) + RefUnwindSafe,
) -> usize {
    let root = repo_root();
    let mut replayed = 0;
    for folder in folders {
        let Ok(entries) = std::fs::read_dir(root.join(folder)) else {
            continue;
        };
        let mut paths: Vec<_> = entries
            .map(|e| e.expect("a directory entry").path())
            .filter(|p| p.is_file() && keep(p))
            .collect();
        paths.sort();
        for path in paths {
            let data = std::fs::read(&path).expect("a readable input");
            let outcome = std::panic::catch_unwind(|| check(&data));
            assert!(outcome.is_ok(), "{} fails its check", path.display());
            replayed += 1;
        }
    }
    assert!(replayed > 0, "no inputs under {folders:?}");
    replayed
}
