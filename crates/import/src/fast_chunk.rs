//! One chunk of the books CSV fast path: bytes in, transactions with chunk-local name ids out.
//!
//! Plain rows (ASCII, unquoted, exactly eight fields, a date, a plain amount within the
//! accepted bound and the base currency written as it is) are parsed straight from the bytes. Every other row goes
//! through the shared row parser (`parse_canonical`), so a row is accepted or refused
//! exactly as the streaming path does it, with the same error.

use crate::ImportOptions;
use crate::bounds::max_abs_minor;
use crate::error::{ErrorReason, ImportError};
use crate::fast_fields::{
    LocalInterner, comma_positions, parse_plain_amount, parse_plain_date, trim_ascii,
};
use crate::records::{Fields, split_record};
use crate::row::{check_width, parse_canonical};
use crate::text::trim_field;
use chrono::NaiveDate;
use flowsense_core::analytics::CashflowParts;
use flowsense_core::books::{TRANSFER_CATEGORY, TXN_CSV_HEADER, Txn};
use std::borrow::Cow;

/// Where a chunk's transactions go: kept, or summed for a report that needs only totals.
pub(crate) trait TxnSink: Send {
    fn push(&mut self, txn: Txn);
}

impl TxnSink for Vec<Txn> {
    fn push(&mut self, txn: Txn) {
        Vec::push(self, txn);
    }
}

impl TxnSink for CashflowParts {
    fn push(&mut self, txn: Txn) {
        self.add(&txn);
    }
}

/// One chunk's transactions with chunk-local name ids and chunk-relative line numbers.
pub(crate) struct Chunk<S> {
    pub txns: S,
    pub accounts: Vec<String>,
    pub categories: Vec<String>,
    pub counterparties: Vec<String>,
    pub rows: u64,
    pub newlines: u64,
    /// The chunk's first bad row (line relative to the chunk, 0-based).
    pub error: Option<ImportError>,
}

/// Parses one piece of the body (whole lines) into `sink`. `None`: the file needs the
/// streaming path (NUL bytes, invalid UTF-8, a lone `\r`, an overlong line or a quoted field
/// spanning lines).
pub(crate) fn parse_chunk<S: TxnSink>(
    piece: &[u8],
    opts: &ImportOptions,
    sink: S,
) -> Option<Chunk<S>> {
    if memchr::memchr(0, piece).is_some() {
        return None;
    }
    let ascii = piece.is_ascii();
    if !ascii && std::str::from_utf8(piece).is_err() {
        return None;
    }
    let mut parser = ChunkParser::new(opts, sink);
    let mut newlines = 0u64;
    let mut start = 0;
    // The next `"` or `\r` at or after `start`: rows before it need no special care.
    let mut special = find_special(piece, 0);
    loop {
        let end = memchr::memchr(b'\n', &piece[start..]).map_or(piece.len(), |p| start + p);
        let raw = &piece[start..end];
        if raw.len() > opts.max_line_bytes {
            return None;
        }
        if parser.error.is_none() {
            // `\r` ends a line only before `\n`; a lone one, even the file's last byte, is
            // special.
            let line = if end < piece.len() {
                raw.strip_suffix(b"\r").unwrap_or(raw)
            } else {
                raw
            };
            let mut quoted = false;
            if special < end {
                if memchr::memchr(b'\r', line).is_some() {
                    return None;
                }
                quoted = memchr::memchr(b'"', line).is_some();
                special = find_special(piece, end);
            }
            if !line.is_empty() {
                parser.row(line, newlines, quoted, ascii)?;
            }
        }
        if end == piece.len() {
            break;
        }
        newlines += 1;
        start = end + 1;
    }
    Some(parser.finish(newlines))
}

fn find_special(piece: &[u8], from: usize) -> usize {
    memchr::memchr2(b'"', b'\r', &piece[from..]).map_or(usize::MAX, |p| from + p)
}

struct ChunkParser<'a, S> {
    opts: &'a ImportOptions,
    base_code: [u8; 3],
    exponent: u32,
    /// The largest accepted amount in minor units of the base currency.
    max_abs: u64,
    txns: S,
    accounts: LocalInterner,
    categories: LocalInterner,
    counterparties: LocalInterner,
    rows: u64,
    error: Option<ImportError>,
    last_date: Option<([u8; 10], NaiveDate)>,
    quoted: Fields,
}

impl<'a, S: TxnSink> ChunkParser<'a, S> {
    fn new(opts: &'a ImportOptions, sink: S) -> Self {
        Self {
            opts,
            base_code: opts
                .base_currency
                .as_str()
                .as_bytes()
                .try_into()
                .unwrap_or([0; 3]),
            exponent: opts.base_currency.exponent(),
            max_abs: max_abs_minor(opts.base_currency).unsigned_abs(),
            txns: sink,
            accounts: LocalInterner::default(),
            categories: LocalInterner::default(),
            counterparties: LocalInterner::default(),
            rows: 0,
            error: None,
            last_date: None,
            quoted: Fields::default(),
        }
    }

    fn finish(self, newlines: u64) -> Chunk<S> {
        Chunk {
            txns: self.txns,
            accounts: self.accounts.names,
            categories: self.categories.names,
            counterparties: self.counterparties.names,
            rows: self.rows,
            newlines,
            error: self.error,
        }
    }

    /// One non-blank line; `None` when the file needs the streaming path.
    fn row(&mut self, line: &'a [u8], index: u64, quoted: bool, ascii: bool) -> Option<()> {
        self.rows += 1;
        if !quoted && self.plain_row(line, index, ascii).is_some() {
            return Some(());
        }
        let result = if quoted {
            // A quoted field running onto the next line: the streaming path handles it.
            split_record(line, b',', &mut self.quoted).ok()?;
            let record = std::mem::take(&mut self.quoted);
            let fields: Vec<&str> = record
                .iter()
                .map(std::str::from_utf8)
                .collect::<Result<_, _>>()
                .ok()?;
            let result = general_row(&fields, self.opts).map(|(row, names)| {
                let names = names.map(|n| Cow::Owned(n.as_bytes().to_vec()));
                self.push(index, row, names);
            });
            self.quoted = record;
            result
        } else {
            let fields: Vec<&'a str> = std::str::from_utf8(line).ok()?.split(',').collect();
            general_row(&fields, self.opts).map(|(row, names)| {
                self.push(index, row, names.map(|n| Cow::Borrowed(n.as_bytes())));
            })
        };
        if let Err(reason) = result {
            self.error = Some(self.opts.error(index, reason));
        }
        Some(())
    }

    /// The common row, parsed from bytes; `None` leaves it to [`Self::general_row`].
    fn plain_row(&mut self, line: &'a [u8], index: u64, ascii: bool) -> Option<()> {
        let mut commas = [0usize; 8];
        if comma_positions(line, &mut commas) != 7 {
            return None;
        }
        let f: [&'a [u8]; 8] = std::array::from_fn(|i| {
            let start = if i == 0 { 0 } else { commas[i - 1] + 1 };
            let end = if i == 7 { line.len() } else { commas[i] };
            trim_ascii(&line[start..end])
        });
        // Unicode spaces start and end with non-ASCII bytes: names with ASCII ends are
        // trimmed exactly as `trim_field` trims them.
        if !ascii && !line.is_ascii() && ![f[1], f[4], f[5]].iter().all(|n| ascii_ends(n)) {
            return None;
        }
        let date = self.date(f[0])?;
        if !f[3].is_empty() && <[u8; 3]>::try_from(f[3]).ok()? != self.base_code {
            return None;
        }
        let amount = parse_plain_amount(f[2], self.exponent)?;
        if amount.unsigned_abs() > self.max_abs {
            // Refused by the shared parser, with the same message as the streaming path.
            return None;
        }
        let account = if f[1].is_empty() {
            self.opts.default_account.as_bytes()
        } else {
            f[1]
        };
        let transfer = f[5].eq_ignore_ascii_case(TRANSFER_CATEGORY.as_bytes());
        let category = if transfer {
            TRANSFER_CATEGORY.as_bytes()
        } else {
            f[5]
        };
        self.push(
            index,
            (date, amount, transfer),
            [
                Cow::Borrowed(account),
                Cow::Borrowed(category),
                Cow::Borrowed(f[4]),
            ],
        );
        Some(())
    }

    fn date(&mut self, text: &[u8]) -> Option<NaiveDate> {
        let key = <[u8; 10]>::try_from(text).ok()?;
        if let Some((last, date)) = self.last_date
            && last == key
        {
            return Some(date);
        }
        let date = parse_plain_date(&key)?;
        self.last_date = Some((key, date));
        Some(date)
    }

    /// `names`: account, category, counterparty.
    fn push(&mut self, index: u64, row: RowValues, names: [Cow<'a, [u8]>; 3]) {
        let [account, category, counterparty] = names;
        let (date, amount, transfer) = row;
        self.txns.push(Txn {
            id: i64::try_from(index).unwrap_or(i64::MAX),
            date,
            amount,
            account: self.accounts.intern(&account),
            category: self.categories.intern(&category),
            counterparty: self.counterparties.intern(&counterparty),
            transfer,
            // Classed once per name when the chunks are merged.
            financing: false,
        });
    }
}

/// A row's date, amount and whether it is a transfer.
type RowValues = (NaiveDate, i64, bool);

/// Any row, through the shared parser: its values and the account, category and
/// counterparty names.
fn general_row<'s>(
    fields: &[&'s str],
    opts: &'s ImportOptions,
) -> Result<(RowValues, [&'s str; 3]), ErrorReason> {
    check_width(fields.iter().map(|f| trim_field(f)), TXN_CSV_HEADER.len())?;
    let f: [&str; 8] = std::array::from_fn(|i| trim_field(fields[i]));
    let row = parse_canonical(&f, opts.base_currency, &opts.default_account)?;
    if row.currency != opts.base_currency {
        return Err(ErrorReason::ForeignCurrency {
            found: row.currency.to_string(),
            base: opts.base_currency.to_string(),
        });
    }
    let transfer = row.category == TRANSFER_CATEGORY;
    Ok((
        (row.date, row.amount, transfer),
        [row.account, row.category, row.counterparty],
    ))
}

fn ascii_ends(name: &[u8]) -> bool {
    match (name.first(), name.last()) {
        (Some(first), Some(last)) => first.is_ascii() && last.is_ascii(),
        _ => true,
    }
}
