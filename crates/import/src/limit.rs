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

/// Reads a whole file in large blocks into one buffer, without zero-filling it.
///
/// `Ok(None)` as soon as a line longer than `max_line` bytes (not counting its `\n`) has
/// been read, so a huge file without newlines is not buffered whole; reading also stops
/// once more than `max_bytes` are in (the caller checks the length).
pub(crate) fn read_whole(
    mut reader: impl Read,
    size_hint: u64,
    max_bytes: u64,
    max_line: usize,
) -> io::Result<Option<Vec<u8>>> {
    const BLOCK: u64 = 16 << 20;
    let capacity = usize::try_from(size_hint.min(max_bytes)).unwrap_or(0);
    let mut bytes = Vec::with_capacity(capacity);
    let mut line_start = 0;
    loop {
        let n = (&mut reader).take(BLOCK).read_to_end(&mut bytes)?;
        if !lines_within(&bytes, &mut line_start, max_line) {
            return Ok(None);
        }
        if n == 0 || bytes.len() as u64 > max_bytes {
            return Ok(Some(bytes));
        }
    }
}

/// Checks the lines from `*line_start` on, jumping a whole `max_line` window at a time
/// (a window with a newline in it holds no overlong line before that newline). Leaves
/// `*line_start` at the start of the last, possibly unfinished, line.
pub(crate) fn lines_within(bytes: &[u8], line_start: &mut usize, max_line: usize) -> bool {
    loop {
        let window_end = line_start
            .saturating_add(max_line.saturating_add(1))
            .min(bytes.len());
        match memchr::memrchr(b'\n', &bytes[*line_start..window_end]) {
            Some(pos) => *line_start += pos + 1,
            None => return window_end - *line_start <= max_line,
        }
    }
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
    fn whole_reads_stop_at_a_long_line() {
        let read = |data: &[u8], limit| read_whole(data, 0, u64::MAX, limit).unwrap();
        assert_eq!(read(b"abc\ndef\n", 3), Some(b"abc\ndef\n".to_vec()));
        assert_eq!(read(b"abc\ndefg", 3), None);
        assert_eq!(read(b"abcd\nd\n", 3), None);
        assert_eq!(read(b"", 3), Some(Vec::new()));
        let mut start = 0;
        assert!(lines_within(b"ab\ncd\nef", &mut start, 2));
        assert_eq!(start, 6);
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
