//! An offline breached-password set: a file of upper-case SHA-1 hashes, one a line and sorted,
//! each optionally followed by `:count` — the format of Have I Been Pwned's downloadable
//! "Pwned Passwords" (`FLOWSENSE_BREACHED_PASSWORDS_FILE`). A new password is looked up by binary
//! search over the file's bytes, so a file of a billion lines costs about thirty short reads
//! and is never loaded into memory; nothing leaves the server.

use sha1::{Digest, Sha1};
use std::cmp::Ordering;
use std::fs::File;
use std::io::{BufRead, BufReader, Seek, SeekFrom};
use std::path::{Path, PathBuf};

/// A sorted file of SHA-1 hashes of breached passwords.
#[derive(Debug, Clone)]
pub struct BreachedPasswords {
    path: PathBuf,
}

/// The set could not be read.
#[derive(Debug, thiserror::Error)]
#[error("the breached-password file {path} cannot be read")]
pub struct BreachedFileError {
    path: String,
    #[source]
    source: std::io::Error,
}

impl BreachedPasswords {
    /// The set in `path`, which must be a readable, non-empty file.
    ///
    /// # Errors
    /// When the file is missing, unreadable or empty.
    pub fn open(path: &Path) -> Result<Self, BreachedFileError> {
        let error = |source| BreachedFileError {
            path: path.display().to_string(),
            source,
        };
        let len = std::fs::metadata(path).map_err(error)?.len();
        if len == 0 {
            return Err(error(std::io::Error::other("the file is empty")));
        }
        File::open(path).map_err(error)?;
        Ok(Self {
            path: path.to_owned(),
        })
    }

    /// Whether `password`'s SHA-1 is in the set (blocking file reads).
    ///
    /// # Errors
    /// When the file cannot be read.
    pub fn contains(&self, password: &str) -> Result<bool, BreachedFileError> {
        let wanted = hex::encode_upper(Sha1::digest(password.as_bytes()));
        search(&self.path, wanted.as_bytes()).map_err(|source| BreachedFileError {
            path: self.path.display().to_string(),
            source,
        })
    }
}

/// The first line that starts at or after byte `at`: its hash part, and where the next line
/// starts. `None` past the end.
fn line_from(
    reader: &mut BufReader<File>,
    at: u64,
) -> std::io::Result<Option<(u64, Vec<u8>, u64)>> {
    let mut start = at;
    reader.seek(SeekFrom::Start(at.saturating_sub(1)))?;
    let mut skipped = Vec::new();
    if at > 0 {
        // Finish the line that byte `at - 1` belongs to (nothing when it was a line end).
        start = at - 1 + reader.read_until(b'\n', &mut skipped)? as u64;
    }
    let mut line = Vec::new();
    let n = reader.read_until(b'\n', &mut line)?;
    if n == 0 {
        return Ok(None);
    }
    let hash: Vec<u8> = line
        .iter()
        .copied()
        .take_while(|b| *b != b':' && *b != b'\n' && *b != b'\r')
        .map(|b| b.to_ascii_uppercase())
        .collect();
    Ok(Some((start, hash, start + n as u64)))
}

fn search(path: &Path, wanted: &[u8]) -> std::io::Result<bool> {
    let file = File::open(path)?;
    let len = file.metadata()?.len();
    let mut reader = BufReader::with_capacity(256, file);
    // Invariant: a matching line, if any, starts in [lo, hi).
    let (mut lo, mut hi) = (0_u64, len);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        let Some((start, hash, next)) = line_from(&mut reader, mid)? else {
            hi = mid;
            continue;
        };
        if start >= hi {
            hi = mid;
            continue;
        }
        match hash.as_slice().cmp(wanted) {
            Ordering::Equal => return Ok(true),
            Ordering::Less => lo = next,
            Ordering::Greater => hi = mid,
        }
    }
    Ok(false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn sha1_upper(p: &str) -> String {
        hex::encode_upper(Sha1::digest(p.as_bytes()))
    }

    #[test]
    fn every_listed_password_is_found_and_no_other() {
        let listed: Vec<String> = (0..500).map(|i| format!("breached password {i}")).collect();
        let mut lines: Vec<String> = listed
            .iter()
            .enumerate()
            .map(|(i, p)| format!("{}:{}", sha1_upper(p), i * 7 + 1))
            .collect();
        lines.sort();
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("pwned.txt");
        let mut f = File::create(&path).expect("file");
        // Windows line ends, as the downloaded file has them.
        for l in &lines {
            write!(f, "{l}\r\n").expect("write");
        }
        drop(f);
        let set = BreachedPasswords::open(&path).expect("open");
        for p in &listed {
            assert!(set.contains(p).expect("read"), "{p}");
        }
        for i in 0..500 {
            assert!(
                !set.contains(&format!("a fine passphrase {i}"))
                    .expect("read")
            );
        }
        // A one-line file, and bare hashes without a count.
        let one = dir.path().join("one.txt");
        std::fs::write(&one, format!("{}\n", sha1_upper("only this one"))).expect("write");
        let set = BreachedPasswords::open(&one).expect("open");
        assert!(set.contains("only this one").expect("read"));
        assert!(!set.contains("not this one").expect("read"));
        let empty = dir.path().join("empty.txt");
        File::create(&empty).expect("file");
        assert!(BreachedPasswords::open(&empty).is_err());
        assert!(BreachedPasswords::open(&dir.path().join("missing.txt")).is_err());
    }
}
