//! The parallel fast path for the canonical books CSV.
//!
//! The buffer is split at newlines into a few chunks parsed on rayon; each chunk interns its
//! names locally and the tables are merged in chunk order, so ids come out in first-seen order
//! exactly as the streaming path assigns them. Anything unusual (quoted newlines, lone `\r`,
//! non-UTF-8, NUL bytes, a non-canonical header, too many rows) goes to the streaming path,
//! which is the reference behaviour.

use crate::books_csv::books_from_reader;
use crate::csv_import::SNIFF_BYTES;
use crate::error::ImportError;
use crate::fast_chunk::{Chunk, parse_chunk};
use crate::text::{Encoding, UTF8_BOM, sniff_encoding};
use crate::{ImportOptions, normalise_header};
use flowsense_core::books::{Books, Interner, TXN_CSV_HEADER, Txn};
use rayon::prelude::*;

/// Below this size one chunk is as fast as several.
const PARALLEL_MIN_BYTES: usize = 1 << 20;
/// Chunks per thread, so a thread that finishes early can take another.
pub(crate) const CHUNKS_PER_THREAD: usize = 2;
/// Bytes of the body looked at to guess the average row length.
const ROW_SAMPLE_BYTES: usize = 64 << 10;

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
        rayon::current_num_threads().max(1) * CHUNKS_PER_THREAD
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

/// Parses the chunks in parallel; `None` when the file needs the streaming path.
fn parse_chunks(bytes: &[u8], opts: &ImportOptions, chunks: usize) -> Option<Vec<Chunk<Vec<Txn>>>> {
    let start = body_start(bytes, opts)?;
    let body = &bytes[start..];
    let row_bytes = average_row_bytes(body);
    let outs: Vec<Chunk<Vec<Txn>>> = split_at_newlines(body, chunks)
        .par_iter()
        .map(|piece| {
            parse_chunk(
                piece,
                opts,
                Vec::with_capacity(piece.len() / row_bytes + 16),
            )
        })
        .collect::<Option<Vec<_>>>()?;
    within_row_limit(outs, opts)
}

/// Where the rows start, after a canonical header; `None` when the file needs the streaming
/// path. `bytes` must hold the first `SNIFF_BYTES` of the file, or all of it.
pub(crate) fn body_start(bytes: &[u8], opts: &ImportOptions) -> Option<usize> {
    if !opts.column_map.is_empty() || opts.delimiter.is_some_and(|d| d != b',') {
        return None;
    }
    // The streaming path decides the encoding from the first bytes; only plain UTF-8 comes here.
    // NUL bytes and invalid UTF-8 further on send a chunk (and so the file) there too.
    let sniffed = sniff_encoding(&bytes[..bytes.len().min(SNIFF_BYTES)]);
    if sniffed != Ok(Encoding::Utf8) {
        return None;
    }
    let bom = if bytes.starts_with(UTF8_BOM) {
        UTF8_BOM.len()
    } else {
        0
    };
    let header_end = bom + memchr::memchr(b'\n', &bytes[bom..])?;
    let header = std::str::from_utf8(&bytes[bom..header_end]).ok()?;
    let header = header.strip_suffix('\r').unwrap_or(header);
    if header.contains(['"', '\r']) || !header.split(',').map(normalise_header).eq(TXN_CSV_HEADER) {
        return None;
    }
    Some(header_end + 1)
}

/// The chunks, unless there are more rows than allowed (the streaming path reports that).
pub(crate) fn within_row_limit<S>(
    outs: Vec<Chunk<S>>,
    opts: &ImportOptions,
) -> Option<Vec<Chunk<S>>> {
    let total_rows: u64 = outs.iter().map(|c| c.rows).sum();
    (total_rows <= opts.max_rows).then_some(outs)
}

/// Bytes per row in the first rows, rounded down a little so vectors rarely grow.
pub(crate) fn average_row_bytes(body: &[u8]) -> usize {
    let sample = &body[..body.len().min(ROW_SAMPLE_BYTES)];
    let rows = memchr::memchr_iter(b'\n', sample).count().max(1);
    (sample.len() / rows * 15 / 16).max(1)
}

/// Merges chunk results in order: global ids in first-seen order, lines made absolute.
pub(crate) fn merge(
    mut outs: Vec<Chunk<Vec<Txn>>>,
    opts: &ImportOptions,
) -> Result<Books, ImportError> {
    let mut books = Books::new(opts.base_currency);
    let plans = merge_names(&mut outs, &mut books)?;
    // Remapped straight into the final vector, from all threads at once: an indexed
    // parallel iterator writes each element in place, so there is no serial copy.
    let starts: Vec<usize> = outs
        .iter()
        .scan(0, |next, c| {
            let start = *next;
            *next += c.txns.len();
            Some(start)
        })
        .collect();
    let total: usize = outs.iter().map(|c| c.txns.len()).sum();
    books.txns.reserve_exact(total);
    books
        .txns
        .par_extend((0..total).into_par_iter().with_min_len(1 << 14).map(|i| {
            let c = starts.partition_point(|&s| s <= i) - 1;
            plans[c].apply(outs[c].txns[i - starts[c]])
        }));
    books.class_by_names();
    Ok(books)
}

/// Interns the chunks' names into `books` in chunk order and returns how each chunk's ids
/// and lines become the file's; or the first bad row, its line made absolute.
pub(crate) fn merge_names<S>(
    outs: &mut [Chunk<S>],
    books: &mut Books,
) -> Result<Vec<Remap>, ImportError> {
    // Line 1 is the header; each chunk counted its own lines from 0.
    let mut first_line = 2u64;
    let mut plans = Vec::with_capacity(outs.len());
    for chunk in outs {
        let offset = first_line;
        first_line += chunk.newlines;
        if let Some(mut err) = chunk.error.take() {
            err.line += offset;
            return Err(err);
        }
        plans.push(Remap {
            id_offset: i64::try_from(offset).unwrap_or(0),
            accounts: remap(&chunk.accounts, &mut books.accounts),
            categories: remap(&chunk.categories, &mut books.categories),
            counterparties: remap(&chunk.counterparties, &mut books.counterparties),
        });
    }
    Ok(plans)
}

/// Global ids for a chunk's local ids, interning new names in local order.
fn remap(names: &[String], global: &mut Interner) -> Vec<u32> {
    names.iter().map(|n| global.intern(n)).collect()
}

/// How one chunk's ids and lines become the file's.
pub(crate) struct Remap {
    id_offset: i64,
    pub accounts: Vec<u32>,
    pub categories: Vec<u32>,
    pub counterparties: Vec<u32>,
}

impl Remap {
    fn apply(&self, t: Txn) -> Txn {
        Txn {
            id: t.id + self.id_offset,
            account: self.accounts[t.account as usize],
            category: self.categories[t.category as usize],
            counterparty: self.counterparties[t.counterparty as usize],
            ..t
        }
    }
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
