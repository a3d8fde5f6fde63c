//! Every test function of the workspace, read from its sources: a function under `#[test]`,
//! `#[tokio::test]` (any flavour) or `#[sqlx::test]`, and every body named in an
//! [`on_both_backends!`](crate::on_both_backends) list. Documents that cite tests (the trust
//! centre's claims) are checked against it, so a renamed or deleted test breaks the build.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// A test as cited: `crates/web/tests/api/tls.rs::a_tls12_client_is_refused…`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct TestName {
    /// The file, relative to the workspace root, with `/` separators.
    pub path: String,
    pub function: String,
}

impl std::fmt::Display for TestName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}::{}", self.path, self.function)
    }
}

/// The tests declared in the `.rs` files under `root/crates`.
///
/// # Panics
/// When a directory under `crates` cannot be read.
#[must_use]
pub fn workspace_tests(root: &Path) -> BTreeSet<TestName> {
    let mut files = Vec::new();
    rust_files(&root.join("crates"), &mut files);
    let mut found = BTreeSet::new();
    for file in files {
        let Ok(source) = std::fs::read_to_string(&file) else {
            continue;
        };
        let path = file
            .strip_prefix(root)
            .unwrap_or(&file)
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/");
        for function in tests_in(&source) {
            found.insert(TestName {
                path: path.clone(),
                function,
            });
        }
    }
    found
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        if path.is_dir() {
            if name != "target" && !name.to_string_lossy().starts_with('.') {
                rust_files(&path, out);
            }
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn is_test_attribute(line: &str) -> bool {
    let line = line.trim();
    line == "#[test]" || line.starts_with("#[tokio::test") || line.starts_with("#[sqlx::test")
}

/// The identifier after `fn ` on `line`, when it declares a function.
fn declared_fn(line: &str) -> Option<String> {
    let words = line.split_whitespace().collect::<Vec<_>>();
    let at = words.iter().position(|w| *w == "fn")?;
    let name: String = words
        .get(at + 1)?
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect();
    (!name.is_empty()).then_some(name)
}

/// The plain identifiers of a comma-separated list.
fn identifiers(list: &str) -> impl Iterator<Item = String> + '_ {
    list.split(',')
        .map(str::trim)
        .filter(|w| !w.is_empty() && w.chars().all(|c| c.is_alphanumeric() || c == '_'))
        .map(str::to_owned)
}

/// The test functions declared in one file's `source`.
#[must_use]
pub fn tests_in(source: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut under_attribute = false;
    let mut in_backends_list = false;
    for line in source.lines() {
        let trimmed = line.trim();
        if in_backends_list {
            if trimmed.starts_with(')') {
                in_backends_list = false;
            } else if !trimmed.starts_with("#[") && !trimmed.starts_with("//") {
                found.extend(identifiers(trimmed));
            }
            continue;
        }
        if let Some((_, rest)) = trimmed.split_once("on_both_backends!(")
            && !trimmed.starts_with("//")
        {
            let (names, closed) = rest
                .split_once(')')
                .map_or((rest, false), |(n, _)| (n, true));
            found.extend(identifiers(names));
            in_backends_list = !closed;
            continue;
        }
        if is_test_attribute(trimmed) {
            under_attribute = true;
            continue;
        }
        if under_attribute {
            if trimmed.starts_with("#[") || trimmed.starts_with("//") || trimmed.is_empty() {
                continue;
            }
            if let Some(name) = declared_fn(trimmed) {
                found.push(name);
            }
            under_attribute = false;
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::tests_in;

    #[test]
    fn attributes_and_backend_lists_declare_tests_and_helpers_do_not() {
        let source = r#"
fn helper() {}

#[test]
fn plain() {}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "slow"]
async fn async_one() {}

async fn body(db: Db) {}
async fn other_body(db: Db) {}

on_both_backends!(one_liner);
crate::on_both_backends!(
    body,
    #[ignore = "x"]
    other_body,
);
"#;
        assert_eq!(
            tests_in(source),
            ["plain", "async_one", "one_liner", "body", "other_body"]
        );
    }
}
