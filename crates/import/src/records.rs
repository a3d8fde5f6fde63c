//! A small CSV record reader that knows the true line of every record.
//!
//! (The csv crate reports the position of the end of the previous record, which is off
//! by the number of blank lines before a record; users need the real line.)
//! Rules: records end at `\n` (`\r\n` too) outside quotes; blank lines are skipped; a field
//! that starts with `"` (after optional spaces) is quoted, `""` inside it is one `"`, and
//! text after its closing quote is kept as written; other quotes are literal.

use crate::error::ErrorReason;
use std::io::{self, BufRead};

/// A record's fields as byte ranges of one buffer.
#[derive(Debug, Default)]
pub(crate) struct Fields {
    pub bytes: Vec<u8>,
    pub ends: Vec<usize>,
}

impl Fields {
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &[u8]> {
        self.ends.iter().enumerate().map(|(i, &end)| {
            let start = if i == 0 { 0 } else { self.ends[i - 1] };
            &self.bytes[start..end]
        })
    }
}

/// The line ended inside a quoted field.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Unclosed;

/// Splits one record (without its line terminator) into `out`.
pub(crate) fn split_record(line: &[u8], delimiter: u8, out: &mut Fields) -> Result<(), Unclosed> {
    out.bytes.clear();
    out.ends.clear();
    let n = line.len();
    let mut i = 0;
    loop {
        let mut j = i;
        while j < n && matches!(line[j], b' ' | b'\t') && line[j] != delimiter {
            j += 1;
        }
        if j < n && line[j] == b'"' {
            i = j + 1;
            loop {
                let Some(q) = memchr::memchr(b'"', &line[i..]).map(|p| p + i) else {
                    return Err(Unclosed);
                };
                out.bytes.extend_from_slice(&line[i..q]);
                if line.get(q + 1) == Some(&b'"') {
                    out.bytes.push(b'"');
                    i = q + 2;
                } else {
                    i = q + 1;
                    break;
                }
            }
        }
        let end = memchr::memchr(delimiter, &line[i..]).map_or(n, |p| p + i);
        out.bytes.extend_from_slice(&line[i..end]);
        out.ends.push(out.bytes.len());
        if end >= n {
            return Ok(());
        }
        i = end + 1;
    }
}

/// Where a record stands under [`split_record`]'s rules, byte by byte: enough to tell, as
/// lines are added to a record, whether a quoted field is still open without splitting the
/// whole record again (which made a long quoted record cost its length squared).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Quoting {
    /// At a field's start, before anything but spaces.
    FieldStart,
    /// In unquoted text, or in the text after a closing quote (kept as written).
    Plain,
    Quoted,
    /// Just after a `"` inside a quoted field: `""` or the closing quote.
    QuoteInQuoted,
}

pub(crate) struct QuoteScan {
    state: Quoting,
    delimiter: u8,
}

impl QuoteScan {
    pub fn new(delimiter: u8) -> Self {
        Self {
            state: Quoting::FieldStart,
            delimiter,
        }
    }

    pub fn feed(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.state = match (self.state, b) {
                (Quoting::FieldStart, b' ' | b'\t') if b != self.delimiter => Quoting::FieldStart,
                (Quoting::FieldStart, b'"') | (Quoting::QuoteInQuoted, b'"') => Quoting::Quoted,
                (Quoting::Quoted, b'"') => Quoting::QuoteInQuoted,
                (Quoting::Quoted, _) => Quoting::Quoted,
                (_, b) if b == self.delimiter => Quoting::FieldStart,
                _ => Quoting::Plain,
            };
        }
    }

    /// Whether the bytes so far end inside a quoted field. (A `"` just read closes the
    /// field if the record ends there, and the next byte of a record is always `\n`.)
    pub fn open(&self) -> bool {
        self.state == Quoting::Quoted
    }
}

/// Reads records from a line-limited reader, tracking physical lines.
pub(crate) struct RecordReader<R> {
    inner: R,
    delimiter: u8,
    max_record: usize,
    /// Physical lines consumed so far.
    lines: u64,
    line: Vec<u8>,
    record: Vec<u8>,
}

impl<R: BufRead> RecordReader<R> {
    pub fn new(inner: R, delimiter: u8, max_record: usize) -> Self {
        Self {
            inner,
            delimiter,
            max_record,
            lines: 0,
            line: Vec::new(),
            record: Vec::new(),
        }
    }

    pub fn get_ref(&self) -> &R {
        &self.inner
    }

    /// Physical lines read so far.
    pub fn lines(&self) -> u64 {
        self.lines
    }

    /// Reads one physical line without its terminator; `false` at the end.
    fn read_line(&mut self) -> io::Result<bool> {
        self.line.clear();
        if self.inner.read_until(b'\n', &mut self.line)? == 0 {
            return Ok(false);
        }
        self.lines += 1;
        if self.line.last() == Some(&b'\n') {
            self.line.pop();
            if self.line.last() == Some(&b'\r') {
                self.line.pop();
            }
        }
        Ok(true)
    }

    /// The next non-blank record and the line it starts on; `None` at the end.
    ///
    /// # Errors
    /// `Err(Ok(reason))` for an unterminated or overlong quoted record at its line;
    /// `Err(Err(io))` when reading fails.
    pub fn next_record(&mut self, out: &mut Fields) -> Result<Option<u64>, RecordError> {
        loop {
            if !self.read_line().map_err(RecordError::Io)? {
                return Ok(None);
            }
            if !self.line.is_empty() {
                break;
            }
        }
        let start_line = self.lines;
        if split_record(&self.line, self.delimiter, out).is_ok() {
            return Ok(Some(start_line));
        }
        // A quoted field runs on: follow the quoting line by line and split once it closes.
        let mut quoting = QuoteScan::new(self.delimiter);
        quoting.feed(&self.line);
        self.record.clear();
        self.record.extend_from_slice(&self.line);
        loop {
            if !self.read_line().map_err(RecordError::Io)? {
                return Err(RecordError::At(start_line, ErrorReason::UnclosedQuote));
            }
            self.record.push(b'\n');
            self.record.extend_from_slice(&self.line);
            if self.record.len() > self.max_record {
                return Err(RecordError::At(
                    start_line,
                    ErrorReason::RecordTooLong(self.max_record),
                ));
            }
            quoting.feed(b"\n");
            quoting.feed(&self.line);
            if !quoting.open() && split_record(&self.record, self.delimiter, out).is_ok() {
                return Ok(Some(start_line));
            }
        }
    }
}

/// Why [`RecordReader::next_record`] failed.
#[derive(Debug)]
pub(crate) enum RecordError {
    At(u64, ErrorReason),
    Io(io::Error),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(line: &str) -> Vec<String> {
        let mut f = Fields::default();
        split_record(line.as_bytes(), b',', &mut f).unwrap();
        f.iter()
            .map(|b| String::from_utf8(b.to_vec()).unwrap())
            .collect()
    }

    #[test]
    fn splits_like_csv() {
        assert_eq!(
            split(r#"a,"b,c","say ""hi""",,"#),
            ["a", "b,c", r#"say "hi""#, "", ""]
        );
        assert_eq!(split(r#"a,b"c, "d" ,"e"f"#), ["a", r#"b"c"#, "d ", "ef"]);
        assert_eq!(split(""), [""]);
        let mut f = Fields::default();
        assert_eq!(split_record(b"\"open,x", b',', &mut f), Err(Unclosed));
    }

    /// Every short text over the bytes that matter, for a few delimiters: the scan says a
    /// quote is open exactly when splitting says so, whole or fed in pieces.
    #[test]
    fn quote_scan_agrees_with_split_record() {
        const ALPHABET: &[u8] = b"\", \ta\n;";
        let mut fields = Fields::default();
        for delimiter in [b',', b';', b' ', b'"'] {
            let mut text = Vec::new();
            for len in 0..=6u32 {
                for mut n in 0..ALPHABET.len().pow(len) {
                    text.clear();
                    for _ in 0..len {
                        text.push(ALPHABET[n % ALPHABET.len()]);
                        n /= ALPHABET.len();
                    }
                    let split = split_record(&text, delimiter, &mut fields).is_ok();
                    let mut whole = QuoteScan::new(delimiter);
                    whole.feed(&text);
                    let mut pieces = QuoteScan::new(delimiter);
                    text.chunks(2).for_each(|piece| pieces.feed(piece));
                    let shown = String::from_utf8_lossy(&text);
                    assert_eq!(!whole.open(), split, "{shown:?} split by {delimiter}");
                    assert_eq!(whole.open(), pieces.open(), "{shown:?}");
                }
            }
        }
    }

    #[test]
    fn lines_are_physical() {
        let data = "h1,h2\n\na,b\r\nc,d\r\n\r\n\ne,f\n\"x\ny\",z\ng,h";
        let mut r = RecordReader::new(data.as_bytes(), b',', 100);
        let mut f = Fields::default();
        let mut lines = Vec::new();
        while let Some(line) = r.next_record(&mut f).unwrap() {
            lines.push((line, f.iter().len()));
        }
        assert_eq!(lines, [(1, 2), (3, 2), (4, 2), (7, 2), (8, 2), (10, 2)]);
    }

    #[test]
    fn unclosed_quote_is_reported_at_its_line() {
        let mut r = RecordReader::new("a\n\"b\nc\n".as_bytes(), b',', 100);
        let mut f = Fields::default();
        assert_eq!(r.next_record(&mut f).unwrap(), Some(1));
        assert!(matches!(
            r.next_record(&mut f),
            Err(RecordError::At(2, ErrorReason::UnclosedQuote))
        ));
        let long = format!("a\n\"b\n{}\n", "c\n".repeat(100));
        let mut r = RecordReader::new(long.as_bytes(), b',', 50);
        r.next_record(&mut f).unwrap();
        assert!(matches!(
            r.next_record(&mut f),
            Err(RecordError::At(2, ErrorReason::RecordTooLong(50)))
        ));
    }
}
