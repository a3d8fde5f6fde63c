//! No secret in the source or in what is built (SECURITY-CHECKLIST I9): the repository scanned
//! by detect-secrets against its reviewed baseline (`.secrets.baseline`, kept by
//! `.ci/secret-baseline`), the scanner shown to catch planted secrets, and the `flowsense`
//! binary searched for live keys of the services it talks to.
//!
//! detect-secrets comes from PyPI (`.ci/detect-secrets-env` installs it); without it the
//! scans print SKIPPED, and fail when FLOWSENSE_REQUIRE_TOOLS is set (CI).

use std::path::{Path, PathBuf};
use std::process::Command;

/// What the scans leave out: query data named by a SHA-256, the lock file's checksums, and
/// the baseline itself (it holds the findings' hashes).
const EXCLUDED: &str = r"(^|/)\.sqlx/|^Cargo\.lock$|(^|/)target/|^\.secrets\.baseline$";

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn detect_secrets_installed() -> bool {
    let found = Command::new("detect-secrets")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        flowsense_test_support::skip_for_missing_tool(
            "detect-secrets",
            " (.ci/detect-secrets-env installs it); the repository's secret scan did not run",
        );
    }
    found
}

#[test]
fn the_repository_holds_no_secret_beyond_the_reviewed_baseline() {
    if !detect_secrets_installed() {
        return;
    }
    let root = repository();
    let listed = Command::new("git")
        .args(["ls-files", "-z"])
        .current_dir(&root)
        .output()
        .expect("git ls-files");
    assert!(listed.status.success(), "git ls-files failed");
    let files: Vec<String> = listed
        .stdout
        .split(|b| *b == 0)
        .filter(|f| !f.is_empty())
        .map(|f| String::from_utf8_lossy(f).into_owned())
        .collect();
    assert!(files.len() > 100, "only {} files listed", files.len());
    // The hook updates line numbers in the baseline it is given: give it a copy.
    let dir = tempfile::tempdir().unwrap();
    let baseline = dir.path().join("baseline.json");
    std::fs::copy(root.join(".secrets.baseline"), &baseline).expect("the reviewed baseline");
    let out = Command::new("detect-secrets-hook")
        .arg("--baseline")
        .arg(&baseline)
        .args(["--exclude-files", EXCLUDED])
        .args(&files)
        .current_dir(&root)
        .output()
        .expect("detect-secrets-hook");
    // 0: nothing new; 3: nothing new, but the copy's line numbers were brought up to date;
    // 1: a finding that is not in the baseline.
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        matches!(out.status.code(), Some(0 | 3)) && !said.contains("Potential secrets"),
        "a possible secret is not in the reviewed baseline (review it, then run \
         .ci/secret-baseline): {:?}\n{said}",
        out.status.code()
    );
    // Every finding in the baseline was reviewed and found not to be a secret.
    let reviewed: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root.join(".secrets.baseline")).unwrap())
            .expect("the baseline is JSON");
    let results = reviewed["results"].as_object().expect("results");
    for (file, findings) in results {
        for f in findings.as_array().expect("findings") {
            assert_eq!(
                f["is_secret"],
                serde_json::Value::Bool(false),
                "{file}:{} is not reviewed as a false positive",
                f["line_number"]
            );
        }
    }
}

/// Secrets of the kinds this product handles, built at run time so the repository holds none.
fn planted() -> Vec<(&'static str, String)> {
    let letters = |n: usize, alphabet: &[u8]| -> String {
        (0..n)
            .map(|i| char::from(alphabet[(i * 7 + 3) % alphabet.len()]))
            .collect()
    };
    let upper = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mixed = b"aB3dE5gH7jK9mN2pQ4sT6vW8yZ";
    vec![
        (
            "aws.rs",
            format!(
                "const KEY: &str = \"{}{}\";\n",
                "AK",
                "IA".to_owned() + &letters(16, upper)
            ),
        ),
        (
            "stripe.toml",
            format!(
                "secret = \"{}{}\"\n",
                "sk_",
                "live_".to_owned() + &letters(24, mixed)
            ),
        ),
        (
            "key.pem",
            format!(
                "-----BEGIN {} KEY-----\n{}\n-----END {} KEY-----\n",
                "RSA PRIVATE",
                letters(64, mixed),
                "RSA PRIVATE"
            ),
        ),
        (
            "github.env",
            format!("TOKEN={}{}\n", "gh", "p_".to_owned() + &letters(36, mixed)),
        ),
        (
            "settings.py",
            format!("password = \"{}\"\n", letters(20, mixed)),
        ),
    ]
}

#[test]
fn the_secret_scan_catches_planted_secrets() {
    if !detect_secrets_installed() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let plants = planted();
    for (name, text) in &plants {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    std::fs::write(dir.path().join("clean.rs"), "fn main() {}\n").unwrap();
    let out = Command::new("detect-secrets")
        .args(["scan", "--all-files", "."])
        .current_dir(dir.path())
        .output()
        .expect("detect-secrets scan");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    let found = report["results"].as_object().expect("results");
    for (name, _) in &plants {
        assert!(
            found.keys().any(|f| f.ends_with(name)),
            "{name} was planted and not found: {found:?}"
        );
    }
    assert!(!found.keys().any(|f| f.ends_with("clean.rs")), "{found:?}");
}

/// Live keys of the outside services (Stripe, Anthropic, AWS, GitHub, Slack) and private
/// keys, as `prefix` followed by at least `min` characters of the key's alphabet.
const LIVE_KEY_SHAPES: &[(&[u8], usize)] = &[
    (b"sk_live_", 16),
    (b"rk_live_", 16),
    (b"whsec_", 24),
    (b"sk-ant-api", 24),
    (b"sk-ant-admin", 24),
    (b"AKIA", 16),
    (b"ghp_", 36),
    (b"xoxb-", 20),
    (b"xoxp-", 20),
    (b"PRIVATE KEY-----", 0),
];

/// Every match of [`LIVE_KEY_SHAPES`] in `bytes`, as the prefix and the offset.
fn live_keys(bytes: &[u8]) -> Vec<(String, usize)> {
    let key_char = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'+' | b'/');
    let mut found = Vec::new();
    for (prefix, min) in LIVE_KEY_SHAPES {
        for at in memchr::memmem::find_iter(bytes, prefix) {
            let rest = &bytes[at + prefix.len()..];
            let run = rest.iter().take_while(|b| key_char(**b)).count();
            if run >= *min {
                found.push((String::from_utf8_lossy(prefix).into_owned(), at));
            }
        }
    }
    found
}

#[test]
fn the_binary_holds_no_live_key() {
    // The search itself finds what it is for.
    let plants = planted();
    let stripe = plants[1].1.as_bytes();
    let private = plants[2].1.as_bytes();
    assert_eq!(live_keys(stripe).len(), 1);
    assert!(!live_keys(private).is_empty());
    assert!(live_keys(b"prefix whsec_ alone, sk_live_ short").is_empty());

    let binary = std::fs::read(env!("CARGO_BIN_EXE_flowsense")).expect("the built binary");
    let found = live_keys(&binary);
    assert!(
        found.is_empty(),
        "the flowsense binary holds what looks like a live key: {:?}",
        found
            .iter()
            .map(|(p, at)| format!("{p}… at byte {at}"))
            .collect::<Vec<_>>()
    );
}
