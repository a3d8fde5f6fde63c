//! A reader that refuses overlong lines while they stream past, so a 200 MB file without
//! a newline fails after the first megabyte instead of being buffered whole.

use std::fmt;
use std::io::{self, Read};

/// Why [`LineLimitReader`] stopped; carried inside the `io::Error` it returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LimitExceeded {
    /// 1-based line that is too long.
    pub line: u64,
    pub limit: usize,
}

impl fmt::Display for LimitExceeded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {} longer than {} bytes", self.line, self.limit)
    }
}

impl std::error::Error for LimitExceeded {}

/// Wraps a reader and fails as soon as one line runs longer than `limit` bytes
/// (not counting its terminator). Memory stays bounded by the caller's buffer.
#[derive(Debug)]
pub struct LineLimitReader<R> {
    inner: R,
    limit: usize,
    /// Bytes since the last newline.
    run: usize,
    newlines: u64,
    total: u64,
    failed: Option<LimitExceeded>,
}

impl<R: Read> LineLimitReader<R> {
    pub fn new(inner: R, limit: usize) -> Self {
        Self {
            inner,
            limit,
            run: 0,
            newlines: 0,
            total: 0,
            failed: None,
        }
    }

    /// Bytes read through this reader so far (for progress reporting).
    pub fn bytes_read(&self) -> u64 {
        self.total
    }

    fn scan(&mut self, buf: &[u8]) -> Result<(), LimitExceeded> {
        let mut start = 0;
        for pos in memchr::memchr_iter(b'\n', buf) {
            if self.run + (pos - start) > self.limit {
                return Err(self.exceeded());
            }
            self.run = 0;
            self.newlines += 1;
            start = pos + 1;
        }
        self.run += buf.len() - start;
        if self.run > self.limit {
            return Err(self.exceeded());
        }
        Ok(())
    }

    fn exceeded(&self) -> LimitExceeded {
        LimitExceeded {
            line: self.newlines + 1,
            limit: self.limit,
        }
    }
}

impl<R: Read> Read for LineLimitReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if let Some(failed) = self.failed {
            return Err(io::Error::other(failed));
        }
        let n = self.inner.read(buf)?;
        self.total += n as u64;
        if let Err(failed) = self.scan(&buf[..n]) {
            self.failed = Some(failed);
            return Err(io::Error::other(failed));
        }
        Ok(n)
    }
}

/// The limit failure inside an `io::Error` produced by [`LineLimitReader`], if that is what it is.
#[must_use]
pub fn limit_exceeded(err: &io::Error) -> Option<LimitExceeded> {
    err.get_ref()
        .and_then(|inner| inner.downcast_ref::<LimitExceeded>())
        .copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(data: &[u8], limit: usize) -> Result<Vec<u8>, LimitExceeded> {
        let mut r = LineLimitReader::new(data, limit);
        let mut out = Vec::new();
        r.read_to_end(&mut out)
            .map(|_| out)
            .map_err(|e| limit_exceeded(&e).expect("a limit error"))
    }

    #[test]
    fn short_lines_pass() {
        assert!(read_all(b"abc\ndef\n", 3).is_ok());
        assert!(read_all(b"abc\ndefg", 3).is_err());
    }

    #[test]
    fn long_line_reports_its_line() {
        let err = read_all(b"abc\nde\nabcdefgh\nx\n", 4).unwrap_err();
        assert_eq!(err.line, 3);
    }

    #[test]
    fn huge_line_fails_without_buffering() {
        let src = io::repeat(b'a').take(200 << 20);
        let mut r = LineLimitReader::new(src, 1 << 20);
        let err = io::copy(&mut r, &mut io::sink()).unwrap_err();
        assert_eq!(limit_exceeded(&err).map(|e| e.line), Some(1));
        assert!(r.bytes_read() < 2 << 20);
    }
}
