//! The parallel fast path for the canonical books CSV.
//!
//! The buffer is split at newlines into a few chunks parsed on rayon; each chunk interns its
//! names locally and the tables are merged in chunk order, so ids come out in first-seen order
//! exactly as the streaming path assigns them. Anything unusual (quoted newlines, lone `\r`,
//! non-UTF-8, NUL bytes, a non-canonical header, too many rows) goes to the streaming path,
//! which is the reference behaviour.

use crate::books_csv::books_from_reader;
use crate::csv_import::SNIFF_BYTES;
use crate::error::{ErrorReason, ImportError};
use crate::records::{Fields, split_record};
use crate::row::{check_width, parse_canonical};
use crate::text::{Encoding, UTF8_BOM, sniff_encoding, trim_field};
use crate::{ImportOptions, normalise_header};
use flowsense_core::books::{Books, TRANSFER_CATEGORY, TXN_CSV_HEADER, Txn};
use flowsense_core::money::Currency;
use rayon::prelude::*;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// Below this size one chunk is as fast as several.
const PARALLEL_MIN_BYTES: usize = 1 << 20;
const MAX_CHUNKS: usize = 4;

/// Parses a whole books CSV held in memory into [`Books`] (transactions only).
///
/// # Errors
/// The first bad row in line order, as the streaming path reports it.
pub fn parse_books_bytes(bytes: &[u8], opts: &ImportOptions) -> Result<Books, ImportError> {
    parse_books_bytes_in(bytes, opts, default_chunks(bytes.len()))
}

fn default_chunks(len: usize) -> usize {
    if len < PARALLEL_MIN_BYTES {
        1
    } else {
        rayon::current_num_threads().clamp(2, MAX_CHUNKS)
    }
}

/// [`parse_books_bytes`] with a chosen number of chunks (for tests and benchmarks).
///
/// # Errors
/// As [`parse_books_bytes`].
#[doc(hidden)]
pub fn parse_books_bytes_in(
    bytes: &[u8],
    opts: &ImportOptions,
    chunks: usize,
) -> Result<Books, ImportError> {
    match parse_chunks(bytes, opts, chunks.max(1)) {
        Some(outs) => merge(outs, opts),
        None => books_from_reader(bytes, opts),
    }
}

/// As [`parse_books_bytes`], freeing the file buffer before the chunks are merged, which
/// keeps the peak near the size of the file plus the transactions.
pub(crate) fn parse_books_owned(
    bytes: Vec<u8>,
    opts: &ImportOptions,
) -> Result<Books, ImportError> {
    match parse_chunks(&bytes, opts, default_chunks(bytes.len())) {
        Some(outs) => {
            drop(bytes);
            merge(outs, opts)
        }
        None => books_from_reader(bytes.as_slice(), opts),
    }
}

/// Parses the chunks in parallel; `None` when the file needs the streaming path.
fn parse_chunks(bytes: &[u8], opts: &ImportOptions, chunks: usize) -> Option<Vec<Chunk>> {
    if !opts.column_map.is_empty() || opts.delimiter.is_some_and(|d| d != b',') {
        return None;
    }
    // The streaming path decides the encoding from the first bytes; only plain UTF-8 comes here.
    let sniffed = sniff_encoding(&bytes[..bytes.len().min(SNIFF_BYTES)]);
    if sniffed != Ok(Encoding::Utf8) || memchr::memchr(0, bytes).is_some() {
        return None;
    }
    let bytes = bytes.strip_prefix(UTF8_BOM).unwrap_or(bytes);
    let header_end = memchr::memchr(b'\n', bytes)?;
    let header = std::str::from_utf8(&bytes[..header_end]).ok()?;
    let header = header.strip_suffix('\r').unwrap_or(header);
    if header.contains(['"', '\r']) || !header.split(',').map(normalise_header).eq(TXN_CSV_HEADER) {
        return None;
    }
    let body = &bytes[header_end + 1..];
    let outs: Vec<Chunk> = split_at_newlines(body, chunks)
        .par_iter()
        .map(|piece| parse_chunk(piece, opts))
        .collect::<Option<Vec<_>>>()?;
    let total_rows: u64 = outs.iter().map(|c| c.rows).sum();
    (total_rows <= opts.max_rows).then_some(outs)
}

/// Merges chunk results in order: global ids in first-seen order, lines made absolute.
fn merge(outs: Vec<Chunk>, opts: &ImportOptions) -> Result<Books, ImportError> {
    // Line 1 is the header; each chunk counted its own lines from 0.
    let mut first_line = 2u64;
    let mut books = Books::new(opts.base_currency);
    let total: usize = outs.iter().map(|c| c.txns.len()).sum();
    for mut chunk in outs {
        let offset = first_line;
        first_line += chunk.newlines;
        if let Some(mut err) = chunk.error {
            err.line += offset;
            return Err(err);
        }
        let accounts = chunk.accounts.remap(&mut books.accounts);
        let categories = chunk.categories.remap(&mut books.categories);
        let counterparties = chunk.counterparties.remap(&mut books.counterparties);
        let id_offset = i64::try_from(offset).unwrap_or(0);
        for t in &mut chunk.txns {
            t.id += id_offset;
            t.account = accounts[t.account as usize];
            t.category = categories[t.category as usize];
            t.counterparty = counterparties[t.counterparty as usize];
        }
        if books.txns.is_empty() {
            // Reuse the first chunk's vector: growing it is a realloc, not a second copy.
            books.txns = chunk.txns;
            books.txns.reserve_exact(total - books.txns.len());
        } else {
            books.txns.append(&mut chunk.txns);
        }
    }
    Ok(books)
}

/// Splits into about `n` pieces, each ending just after a newline (the last at the end).
fn split_at_newlines(body: &[u8], n: usize) -> Vec<&[u8]> {
    let mut pieces = Vec::with_capacity(n);
    let mut start = 0;
    for i in 1..n {
        let target = (body.len() * i / n).max(start);
        match memchr::memchr(b'\n', &body[target..]) {
            Some(pos) if target + pos + 1 < body.len() => {
                pieces.push(&body[start..=target + pos]);
                start = target + pos + 1;
            }
            _ => break,
        }
    }
    pieces.push(&body[start..]);
    pieces
}

/// One chunk's transactions with chunk-local name ids and chunk-relative line numbers.
struct Chunk {
    txns: Vec<Txn>,
    accounts: LocalInterner,
    categories: LocalInterner,
    counterparties: LocalInterner,
    rows: u64,
    newlines: u64,
    /// The chunk's first bad row (line relative to the chunk, 0-based).
    error: Option<ImportError>,
}

/// `None`: the chunk needs the streaming path.
fn parse_chunk(piece: &[u8], opts: &ImportOptions) -> Option<Chunk> {
    let text = std::str::from_utf8(piece).ok()?;
    let mut out = Chunk {
        txns: Vec::with_capacity(piece.len() / 80),
        accounts: LocalInterner::default(),
        categories: LocalInterner::default(),
        counterparties: LocalInterner::default(),
        rows: 0,
        newlines: 0,
        error: None,
    };
    let mut fields: Vec<&str> = Vec::with_capacity(9);
    let mut quoted = Fields::default();
    let base: Currency = opts.base_currency;
    for (index, raw) in text.split('\n').enumerate() {
        let line = index as u64;
        if raw.len() > opts.max_line_bytes {
            return None;
        }
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        if raw.contains('\r') {
            return None;
        }
        if raw.is_empty() {
            continue;
        }
        out.rows += 1;
        let result = if raw.contains('"') {
            // A quoted field running onto the next line: the streaming path handles it.
            split_record(raw.as_bytes(), b',', &mut quoted).ok()?;
            let owned: Vec<&str> = quoted
                .iter()
                .map(std::str::from_utf8)
                .collect::<Result<_, _>>()
                .ok()?;
            parse_line(&owned, base, opts, &mut out, line)
        } else {
            fields.clear();
            fields.extend(raw.split(','));
            parse_line(&fields, base, opts, &mut out, line)
        };
        if let Err(reason) = result {
            out.error = Some(opts.error(line, reason));
            break;
        }
    }
    out.newlines = memchr::memchr_iter(b'\n', piece).count() as u64;
    Some(out)
}

fn parse_line(
    fields: &[&str],
    base: Currency,
    opts: &ImportOptions,
    out: &mut Chunk,
    line: u64,
) -> Result<(), ErrorReason> {
    check_width(fields.iter().map(|f| trim_field(f)), TXN_CSV_HEADER.len())?;
    let f: [&str; 8] = std::array::from_fn(|i| trim_field(fields[i]));
    let row = parse_canonical(&f, base, &opts.default_account)?;
    if row.currency != base {
        return Err(ErrorReason::ForeignCurrency {
            found: row.currency.to_string(),
            base: base.to_string(),
        });
    }
    out.txns.push(Txn {
        id: i64::try_from(line).unwrap_or(i64::MAX),
        date: row.date,
        amount: row.amount,
        account: out.accounts.intern(row.account),
        category: out.categories.intern(row.category),
        counterparty: out.counterparties.intern(row.counterparty),
        transfer: row.category == TRANSFER_CATEGORY,
    });
    Ok(())
}

/// A chunk-local name table on a cheap hash (names are few and short).
#[derive(Default)]
struct LocalInterner {
    names: Vec<String>,
    index: HashMap<String, u32, BuildHasherDefault<FxHasher>>,
}

impl LocalInterner {
    /// Global ids for this table's local ids, interning new names in local order.
    fn remap(&self, global: &mut flowsense_core::books::Interner) -> Vec<u32> {
        self.names.iter().map(|n| global.intern(n)).collect()
    }

    fn intern(&mut self, name: &str) -> u32 {
        if let Some(&id) = self.index.get(name) {
            return id;
        }
        let id = u32::try_from(self.names.len()).unwrap_or(u32::MAX);
        self.names.push(name.to_owned());
        self.index.insert(name.to_owned(), id);
        id
    }
}

/// The rustc "Fx" hash: not DoS-resistant, which does not matter for one file's names.
#[derive(Default)]
struct FxHasher(u64);

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0x51_7c_c1_b7_27_22_0a_95;
        let mut chunks = bytes.chunks_exact(8);
        for c in chunks.by_ref() {
            let word = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
            self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(K);
        }
        for &b in chunks.remainder() {
            self.0 = (self.0.rotate_left(5) ^ u64::from(b)).wrapping_mul(K);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_end_at_newlines() {
        let body = b"aa\nbb\ncc\ndd\n";
        let pieces = split_at_newlines(body, 3);
        assert_eq!(pieces.concat(), body.to_vec());
        assert!(pieces.iter().all(|p| p.ends_with(b"\n")));
    }
}
