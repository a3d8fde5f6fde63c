// Shared by both check crates' build scripts, `include!`d after their `URL_VAR` and `OTHER`:
// writes one `sqlx::query_file_unchecked!` per statement file of `crates/storage/sql/`, skipping
// the other engine's `<engine>-only/` folder. `_unchecked` still prepares the statement against
// the database (so a wrong table, column or syntax fails the build) and checks that it takes as
// many parameters as its highest `$N`; the argument types are left to the run-time contract tests.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Where the shared statements live, as seen from a check crate's manifest directory.
const SQL_DIR: &str = "../../storage/sql";

#[expect(
    clippy::disallowed_methods,
    reason = "a build script reads the folders cargo gives it through the environment"
)]
fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let root = manifest.join(SQL_DIR);
    println!("cargo:rerun-if-changed={}", root.display());
    println!("cargo:rerun-if-changed=../statements.rs");
    println!("cargo:rerun-if-changed=sqlx.toml");
    // The query macros read these; rebuilding here makes the crate re-expand them.
    for var in [URL_VAR, "SQLX_OFFLINE", "SQLX_OFFLINE_DIR"] {
        println!("cargo:rerun-if-env-changed={var}");
    }

    let mut files = Vec::new();
    list_sql(&root, &root, &mut files);
    files.sort();

    let mut out = String::from(
        "/// Never called: compiling it prepares every statement against the database.\n\
         pub fn statements() {\n",
    );
    for rel in &files {
        let text = std::fs::read_to_string(root.join(rel)).expect("read a statement file");
        let args = ", 0_i64".repeat(highest_placeholder(&text));
        writeln!(out, "    let _ = sqlx::query_file_unchecked!(\"{SQL_DIR}/{rel}\"{args});")
            .expect("write to a String");
    }
    out.push_str("}\n");
    let dest = PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR")).join("statements.rs");
    std::fs::write(dest, out).expect("write the generated checks");
}

/// Every `.sql` file under `dir` (paths relative to `root`, with `/`), but the other engine's.
fn list_sql(root: &Path, dir: &Path, files: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).expect("read the sql folder") {
        let path = entry.expect("a folder entry").path();
        let rel = path.strip_prefix(root).expect("under the sql folder");
        let rel = rel.to_str().expect("a UTF-8 path").replace('\\', "/");
        if path.is_dir() {
            if rel != OTHER {
                list_sql(root, &path, files);
            }
        } else if rel.ends_with(".sql") {
            assert!(!rel.contains('"'), "a statement file name with a quote: {rel}");
            files.push(rel);
        }
    }
}

/// The highest `$N` in a statement (0 when it takes no parameters). `--` comments are skipped.
fn highest_placeholder(text: &str) -> usize {
    let mut highest = 0;
    for line in text.lines() {
        let code = line.split("--").next().unwrap_or_default();
        let mut rest = code;
        while let Some(at) = rest.find('$') {
            rest = &rest[at + 1..];
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            if let Ok(n) = digits.parse::<usize>() {
                highest = highest.max(n);
            }
        }
    }
    highest
}
