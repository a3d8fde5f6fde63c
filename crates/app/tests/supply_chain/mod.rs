//! The software bill of materials (checklist K1): `cargo cyclonedx` (crates.io, pinned,
//! installed by `.ci/run`) describes every workspace crate offline, for every target platform
//! and with all features, and together the descriptions list exactly the crates that ship: every
//! package of `Cargo.lock` that a workspace crate depends on other than for its tests. The SBOMs
//! are kept in `target/tmp/sbom/`. Licences, bans and sources are gated by `cargo deny` in CI;
//! known advisories need the advisory database, fetched over the network, which CI lacks
//! (`scripts/advisories.sh` runs that check where it can).

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

fn repository_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The cargo that runs the tests (it says where it is), else the one on the `PATH`.
#[expect(
    clippy::disallowed_methods,
    reason = "cargo tells the tests it runs where it is through the environment"
)]
fn cargo() -> PathBuf {
    std::env::var_os("CARGO").map_or_else(|| PathBuf::from("cargo"), PathBuf::from)
}

/// Whether `cargo cyclonedx` is installed (said loudly, or a failure when tools are required).
fn cyclonedx_installed() -> bool {
    let ok = Command::new(cargo())
        .args(["cyclonedx", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        flowsense_test_support::skip_for_missing_tool(
            "cargo-cyclonedx",
            " (cargo install --locked cargo-cyclonedx@0.5.9, as .ci/run does)",
        );
    }
    ok
}

/// A copy of the repository's tracked files in `to`, so the SBOM files are written there.
fn copy_tracked_files(to: &Path) {
    let root = repository_root();
    let listed = Command::new("git")
        .arg("-C")
        .arg(&root)
        .args(["ls-files", "-z"])
        .output()
        .unwrap();
    assert!(listed.status.success(), "git ls-files failed");
    for name in listed.stdout.split(|b| *b == 0).filter(|n| !n.is_empty()) {
        let name = std::str::from_utf8(name).unwrap();
        let from = root.join(name);
        if !from.is_file() {
            continue; // deleted in the work tree, or a submodule
        }
        let dest = to.join(name);
        std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
        std::fs::copy(&from, &dest).unwrap();
    }
}

/// (name, version) of every component of an SBOM, nested ones included, and its subject.
fn components(sbom: &Value, into: &mut BTreeSet<(String, String)>) {
    fn walk(list: &Value, into: &mut BTreeSet<(String, String)>) {
        for c in list.as_array().into_iter().flatten() {
            into.insert((
                c["name"].as_str().unwrap().to_owned(),
                c["version"].as_str().unwrap_or_default().to_owned(),
            ));
            walk(&c["components"], into);
        }
    }
    let subject = &sbom["metadata"]["component"];
    into.insert((
        subject["name"].as_str().unwrap().to_owned(),
        subject["version"].as_str().unwrap_or_default().to_owned(),
    ));
    walk(&sbom["components"], into);
}

/// Crates by name and version.
type Crates = BTreeSet<(String, String)>;

/// What `cargo metadata` says ships: the workspace crates and what they depend on other than
/// as dev-dependencies, for every platform and with all features; and every package it knows
/// (those of `Cargo.lock`).
fn shipped_and_locked(dir: &Path) -> (Crates, Crates) {
    let out = Command::new(cargo())
        .current_dir(dir)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--all-features",
            "--locked",
            "--offline",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "cargo metadata: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: Value = serde_json::from_slice(&out.stdout).unwrap();
    let package: BTreeMap<&str, (String, String)> = meta["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["id"].as_str().unwrap(),
                (
                    p["name"].as_str().unwrap().to_owned(),
                    p["version"].as_str().unwrap().to_owned(),
                ),
            )
        })
        .collect();
    let nodes: BTreeMap<&str, &Value> = meta["resolve"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| (n["id"].as_str().unwrap(), n))
        .collect();
    let mut reached = BTreeSet::new();
    let mut todo: Vec<&str> = meta["workspace_members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap())
        .collect();
    while let Some(id) = todo.pop() {
        if !reached.insert(id) {
            continue;
        }
        for dep in nodes[id]["deps"].as_array().unwrap() {
            let shipped = dep["dep_kinds"]
                .as_array()
                .unwrap()
                .iter()
                .any(|k| k["kind"] != "dev");
            if shipped {
                todo.push(dep["pkg"].as_str().unwrap());
            }
        }
    }
    let shipped = reached.iter().map(|id| package[id].clone()).collect();
    (shipped, package.into_values().collect())
}

/// `name`/`version` pairs of `Cargo.lock`.
fn locked_packages(lock: &str) -> BTreeSet<(String, String)> {
    let mut found = BTreeSet::new();
    let mut name = None;
    for line in lock.lines() {
        if let Some(n) = line.strip_prefix("name = ") {
            name = Some(n.trim_matches('"').to_owned());
        } else if let Some(v) = line.strip_prefix("version = ")
            && let Some(n) = name.take()
        {
            found.insert((n, v.trim_matches('"').to_owned()));
        }
    }
    found
}

#[test]
fn the_sbom_lists_every_crate_that_ships_and_nothing_else() {
    if !cyclonedx_installed() {
        return;
    }
    let copy = tempfile::tempdir().unwrap();
    copy_tracked_files(copy.path());
    let out = Command::new(cargo())
        .current_dir(copy.path())
        .env("CARGO_NET_OFFLINE", "true")
        .args([
            "cyclonedx",
            "--format",
            "json",
            "--spec-version",
            "1.5",
            "--target",
            "all",
            "--all-features",
            "--override-filename",
            "sbom",
            "--quiet",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "cargo cyclonedx: {}",
        String::from_utf8_lossy(&out.stderr)
    );

    let kept = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("sbom");
    let _ = std::fs::remove_dir_all(&kept);
    std::fs::create_dir_all(&kept).unwrap();
    let mut listed = BTreeSet::new();
    let mut described = Vec::new();
    let crates = copy.path().join("crates");
    let mut dirs: Vec<PathBuf> = vec![crates];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.file_name().is_some_and(|n| n == "sbom.json") {
                let sbom: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
                assert_eq!(sbom["bomFormat"], "CycloneDX");
                assert_eq!(sbom["specVersion"], "1.5");
                let subject = sbom["metadata"]["component"]["name"]
                    .as_str()
                    .unwrap()
                    .to_owned();
                components(&sbom, &mut listed);
                std::fs::copy(&path, kept.join(format!("{subject}.cdx.json"))).unwrap();
                described.push(subject);
            }
        }
    }
    described.sort();
    assert!(
        described.iter().any(|d| d == "flowsense"),
        "the binary's crate has an SBOM: {described:?}"
    );

    let (shipped, known) = shipped_and_locked(copy.path());
    let lock = locked_packages(&std::fs::read_to_string(copy.path().join("Cargo.lock")).unwrap());
    assert_eq!(known, lock, "cargo metadata and Cargo.lock agree");
    let missing: Vec<_> = shipped.difference(&listed).collect();
    assert!(
        missing.is_empty(),
        "shipped but not in the SBOM: {missing:?}"
    );
    let extra: Vec<_> = listed.difference(&shipped).collect();
    assert!(extra.is_empty(), "in the SBOM but not shipped: {extra:?}");
    // What is left out is what only tests use.
    let test_only: Vec<_> = lock.difference(&shipped).map(|(n, _)| n.as_str()).collect();
    for expected in ["fantoccini", "proptest"] {
        assert!(test_only.contains(&expected), "{test_only:?}");
    }
    assert!(shipped.len() > 400, "{} crates ship", shipped.len());
}
