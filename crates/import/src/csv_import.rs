//! The streaming CSV importer: an iterator of transactions that stops at the first bad row.

use crate::amount::{DecimalMode, DecimalSeparator};
use crate::bounds::MAX_COLUMNS;
use crate::columns::Layout;
use crate::error::{ErrorReason, ImportError};
use crate::headerless;
use crate::limit::{LineLimitReader, limit_exceeded};
use crate::notes::ImportNotes;
use crate::records::{Fields, RecordError, RecordReader};
use crate::row::{RowOutcome, RowParser};
use crate::text::{Encoding, UTF8_BOM, decode, sniff_encoding, trim_field};
use crate::{ImportOptions, ImportedTxn};
use std::collections::VecDeque;
use std::io::{self, BufReader, Chain, Cursor, Read};

/// Bytes looked at to decide encoding and delimiter.
pub(crate) const SNIFF_BYTES: usize = 64 << 10;
/// Rows held back while a file has not yet shown whether it writes DD/MM or MM/DD.
const MAX_PENDING_ROWS: usize = 100_000;
/// Fields in those rows: a held-back field costs a `String` (24 bytes and more), so wide
/// rows of empty fields would otherwise grow memory far past the file's size.
const MAX_PENDING_FIELDS: usize = 2_000_000;

type Source<R> = BufReader<Chain<Cursor<Vec<u8>>, LineLimitReader<R>>>;

/// Reads transactions from a CSV stream, one record at a time.
///
/// Yields `Err` once, at the first bad row, and then ends. Rows whose date could be
/// either DD/MM or MM/DD are held back until a later row settles the order.
pub struct CsvImporter<R: Read> {
    reader: RecordReader<Source<R>>,
    opts: ImportOptions,
    encoding: Encoding,
    header: Vec<String>,
    rows: RowParser,
    record: Fields,
    row_count: u64,
    pending: VecDeque<(u64, Vec<String>)>,
    pending_fields: usize,
    ready: VecDeque<Result<ImportedTxn, ImportError>>,
    done: bool,
    notes: ImportNotes,
}

impl<R: Read> CsvImporter<R> {
    /// Reads the header and works out the layout.
    ///
    /// # Errors
    /// Empty file, binary data, overlong header line, or a header without the needed columns.
    pub fn new(reader: R, opts: ImportOptions) -> Result<Self, ImportError> {
        let mut limited = LineLimitReader::new(reader, opts.max_line_bytes);
        let mut prefix = Vec::with_capacity(SNIFF_BYTES);
        (&mut limited)
            .take(SNIFF_BYTES as u64)
            .read_to_end(&mut prefix)
            .map_err(|e| io_error(&opts, &e))?;
        let encoding =
            sniff_encoding(&prefix).map_err(|(line, reason)| opts.error(line, reason))?;
        if prefix.starts_with(UTF8_BOM) {
            prefix.drain(..UTF8_BOM.len());
        }
        let delimiter = opts.delimiter.unwrap_or_else(|| detect_delimiter(&prefix));
        let source = BufReader::with_capacity(64 << 10, Cursor::new(prefix).chain(limited));
        let mut reader = RecordReader::new(source, delimiter, opts.max_line_bytes);
        let mut record = Fields::default();
        let decimal = match opts.decimal {
            Some(sep) => DecimalMode::Fixed(sep),
            None if delimiter == b';' => DecimalMode::Auto {
                default: DecimalSeparator::Comma,
            },
            None => DecimalMode::Auto {
                default: DecimalSeparator::Dot,
            },
        };
        let found = find_header(&mut reader, &mut record, encoding, &opts, decimal)?;
        let mut notes = ImportNotes {
            layout: found.layout.name().to_owned(),
            columns: found.layout.describe(&found.header),
            preamble_lines: found.preamble_lines,
            ..ImportNotes::default()
        };
        if found.layout.canonical {
            notes.columns.clear();
        }
        let rows = RowParser::new(found.layout, &opts, decimal);
        let mut importer = Self {
            reader,
            opts,
            encoding,
            header: found.header,
            rows,
            record,
            row_count: 0,
            pending: VecDeque::new(),
            pending_fields: 0,
            ready: VecDeque::new(),
            done: false,
            notes,
        };
        // A file without a header: the rows its columns were guessed from are its first rows.
        for (line, fields) in found.data {
            if importer.done {
                break;
            }
            importer.count_row(line);
            if !importer.done {
                importer.process(line, fields);
            }
        }
        Ok(importer)
    }

    /// What the file was read as, and every decision taken in reading it (complete once the
    /// importer has returned its last row).
    pub fn notes(&self) -> &ImportNotes {
        &self.notes
    }

    /// The header fields as read (trimmed).
    pub fn header(&self) -> &[String] {
        &self.header
    }

    /// The resolved column layout.
    pub fn layout(&self) -> &Layout {
        &self.rows.layout
    }

    /// The day/month order the file has proven so far (`None` while its dates need none).
    pub fn date_order(&self) -> Option<crate::SlashOrder> {
        self.rows.date_order
    }

    /// Bytes read from the source so far (a little ahead of the records returned; for progress bars).
    pub fn bytes_read(&self) -> u64 {
        self.reader.get_ref().get_ref().get_ref().1.bytes_read()
    }

    /// Physical lines read so far.
    pub fn lines_read(&self) -> u64 {
        self.reader.lines()
    }

    fn fail(&mut self, err: ImportError) {
        self.pending.clear();
        self.pending_fields = 0;
        self.ready.push_back(Err(err));
        self.done = true;
    }

    /// Parses one record, or holds it back while the date order is unknown.
    fn process(&mut self, line: u64, fields: Vec<String>) {
        if !self.pending.is_empty() {
            let proof = self.rows.proves_order(&fields);
            self.hold_back(line, fields);
            if let Some(order) = proof {
                self.rows.date_order = Some(order);
                self.flush_pending();
            } else if self.pending.len() > MAX_PENDING_ROWS
                || self.pending_fields > MAX_PENDING_FIELDS
            {
                self.settle_ambiguity();
            }
            return;
        }
        match self.rows.parse(line, &fields) {
            Ok(RowOutcome::Ambiguous) => self.hold_back(line, fields),
            Ok(outcome) => self.take(outcome),
            Err(reason) => {
                let err = self.opts.error(line, reason);
                self.fail(err);
            }
        }
    }

    /// Queues a parsed row's transactions, or counts it as left out.
    fn take(&mut self, outcome: RowOutcome) {
        match outcome {
            RowOutcome::Txn(txn) => self.ready.push_back(Ok(txn)),
            RowOutcome::Split { sale, fee, refund } => {
                self.ready.push_back(Ok(sale));
                if let Some(fee) = fee {
                    self.notes.fee_rows += 1;
                    self.ready.push_back(Ok(*fee));
                }
                if let Some(refund) = refund {
                    self.notes.refund_rows += 1;
                    self.ready.push_back(Ok(*refund));
                }
            }
            RowOutcome::Skipped(skip) => self.notes.count_skip(skip),
            RowOutcome::Ambiguous => unreachable_ambiguity(),
        }
    }

    fn hold_back(&mut self, line: u64, fields: Vec<String>) {
        self.pending_fields += fields.len();
        self.pending.push_back((line, fields));
    }

    fn flush_pending(&mut self) {
        self.pending_fields = 0;
        while let Some((line, fields)) = self.pending.pop_front() {
            match self.rows.parse(line, &fields) {
                Ok(outcome) => self.take(outcome),
                Err(reason) => {
                    let err = self.opts.error(line, reason);
                    return self.fail(err);
                }
            }
        }
    }

    /// No row has told the day/month order: the organisation's usual order when known,
    /// said in the notes; otherwise the file is refused.
    fn settle_ambiguity(&mut self) {
        match self.opts.usual_date_order {
            Some(order) => {
                self.rows.date_order = Some(order);
                self.notes.assumed_date_order = Some(order);
                self.flush_pending();
            }
            None => self.fail_ambiguous(),
        }
    }

    fn fail_ambiguous(&mut self) {
        let Some((line, fields)) = self.pending.front() else {
            return;
        };
        let date = self
            .rows
            .layout
            .column(crate::Field::Date)
            .and_then(|c| fields.get(c))
            .map_or("", String::as_str);
        let err = self
            .opts
            .error(*line, ErrorReason::AmbiguousDate(crate::Quoted::new(date)));
        self.fail(err);
    }

    /// Counts a data row, failing past the row limit.
    fn count_row(&mut self, line: u64) {
        self.row_count += 1;
        if self.row_count > self.opts.max_rows {
            let err = self
                .opts
                .error(line, ErrorReason::TooManyRows(self.opts.max_rows));
            self.fail(err);
        }
    }

    fn read_next(&mut self) {
        match self.reader.next_record(&mut self.record) {
            Ok(Some(line)) => {
                self.count_row(line);
                if self.done {
                    return;
                }
                // Before decoding, which would make a `String` of every field.
                if self.record.iter().len() > MAX_COLUMNS {
                    let err = self
                        .opts
                        .error(line, ErrorReason::TooManyColumns(MAX_COLUMNS));
                    return self.fail(err);
                }
                match decode_record(&self.record, self.encoding) {
                    Some(fields) => self.process(line, fields),
                    None => {
                        let err = self.opts.error(line, ErrorReason::NotText);
                        self.fail(err);
                    }
                }
            }
            Ok(None) => {
                self.done = true;
                if !self.pending.is_empty() {
                    self.settle_ambiguity();
                }
            }
            Err(e) => {
                let err = record_error(&self.opts, e);
                self.fail(err);
            }
        }
    }
}

/// Rows are only held back while no order is known, and flushed once one is.
fn unreachable_ambiguity() {
    debug_assert!(false, "a date stayed ambiguous after the order was decided");
}

impl<R: Read> Iterator for CsvImporter<R> {
    type Item = Result<ImportedTxn, ImportError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(item) = self.ready.pop_front() {
                return Some(item);
            }
            if self.done {
                return None;
            }
            self.read_next();
        }
    }
}

/// Lines before the header passed over at most (a bank's title, account and balance lines).
const MAX_PREAMBLE_LINES: u64 = 30;

/// Where a file's rows start, and how its columns are read.
struct FoundHeader {
    header: Vec<String>,
    layout: Layout,
    preamble_lines: u64,
    /// Data rows already read (a file without a header row), with their lines.
    data: Vec<(u64, Vec<String>)>,
}

/// Reads the header: the first line whose names give a date and an amount column, past up
/// to [`MAX_PREAMBLE_LINES`] lines before it; or, when the first line is data, the columns
/// guessed from the first rows.
fn find_header<R: std::io::BufRead>(
    reader: &mut RecordReader<R>,
    record: &mut Fields,
    encoding: Encoding,
    opts: &ImportOptions,
    decimal: DecimalMode,
) -> Result<FoundHeader, ImportError> {
    let mut first_refusal: Option<ImportError> = None;
    let mut preamble_lines = 0;
    loop {
        let Some((line, fields)) = read_decoded(reader, record, encoding, opts)? else {
            return Err(first_refusal.unwrap_or_else(|| opts.error(0, ErrorReason::EmptyFile)));
        };
        let reason = match Layout::resolve(&fields, &opts.column_map) {
            Ok(layout) => {
                return Ok(FoundHeader {
                    header: fields,
                    layout,
                    preamble_lines,
                    data: Vec::new(),
                });
            }
            Err(reason) => reason,
        };
        if first_refusal.is_none()
            && opts.column_map.is_empty()
            && headerless::looks_like_data(&fields, decimal)
        {
            let mut data = vec![(line, fields)];
            while data.len() < headerless::SAMPLE_ROWS
                && let Some(row) = read_decoded(reader, record, encoding, opts)?
            {
                data.push(row);
            }
            let sample: Vec<Vec<String>> = data.iter().map(|(_, f)| f.clone()).collect();
            let layout =
                headerless::guess(&sample, decimal).map_err(|reason| opts.error(line, reason))?;
            return Ok(FoundHeader {
                header: Vec::new(),
                layout,
                preamble_lines: 0,
                data,
            });
        }
        let reason = match reason {
            ErrorReason::MissingColumns(missing) => ErrorReason::UnrecognisedHeader(missing),
            other => other,
        };
        first_refusal.get_or_insert_with(|| opts.error(line, reason));
        preamble_lines += 1;
        if preamble_lines > MAX_PREAMBLE_LINES {
            return Err(first_refusal.unwrap_or_else(|| opts.error(0, ErrorReason::EmptyFile)));
        }
    }
}

/// The next record as text, refused when too wide or not text.
fn read_decoded<R: std::io::BufRead>(
    reader: &mut RecordReader<R>,
    record: &mut Fields,
    encoding: Encoding,
    opts: &ImportOptions,
) -> Result<Option<(u64, Vec<String>)>, ImportError> {
    match reader.next_record(record) {
        Ok(Some(line)) if record.iter().len() > MAX_COLUMNS => {
            Err(opts.error(line, ErrorReason::TooManyColumns(MAX_COLUMNS)))
        }
        Ok(Some(line)) => decode_record(record, encoding)
            .map(|fields| Some((line, fields)))
            .ok_or_else(|| opts.error(line, ErrorReason::NotText)),
        Ok(None) => Ok(None),
        Err(e) => Err(record_error(opts, e)),
    }
}

fn decode_record(record: &Fields, encoding: Encoding) -> Option<Vec<String>> {
    record
        .iter()
        .map(|field| decode(field, encoding).map(|s| trim_field(&s).to_owned()))
        .collect()
}

pub(crate) fn io_error(opts: &ImportOptions, err: &io::Error) -> ImportError {
    match limit_exceeded(err) {
        Some(l) => opts.error(l.line, ErrorReason::LineTooLong(l.limit)),
        None => ImportError::io(&opts.source_name, err),
    }
}

pub(crate) fn record_error(opts: &ImportOptions, err: RecordError) -> ImportError {
    match err {
        RecordError::At(line, reason) => opts.error(line, reason),
        RecordError::Io(e) => io_error(opts, &e),
    }
}

/// Lines looked at to find one with a delimiter.
const DELIMITER_LINES: usize = 20;

/// The delimiter used most (outside quotes) on the first line that has any: `,`, `;`, tab
/// or `|`. A title line before the header (which has none) does not decide.
pub(crate) fn detect_delimiter(prefix: &[u8]) -> u8 {
    let candidates = [b',', b';', b'\t', b'|'];
    let lines = prefix
        .split(|&b| b == b'\n')
        .filter(|l| !l.trim_ascii().is_empty())
        .take(DELIMITER_LINES);
    for line in lines {
        let mut counts = [0usize; 4];
        let mut in_quotes = false;
        for &b in line {
            if b == b'"' {
                in_quotes = !in_quotes;
            } else if !in_quotes && let Some(i) = candidates.iter().position(|&c| c == b) {
                counts[i] += 1;
            }
        }
        let best = (0..4)
            .max_by_key(|&i| (counts[i], std::cmp::Reverse(i)))
            .unwrap_or(0);
        if counts[best] > 0 {
            return candidates[best];
        }
    }
    b','
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delimiter_from_the_header() {
        assert_eq!(detect_delimiter(b"Date,Description,Amount\n"), b',');
        assert_eq!(
            detect_delimiter(b"Booking date;Amount;Text\n1;2,50;x\n"),
            b';'
        );
        assert_eq!(detect_delimiter(b"Date\tAmount\n"), b'\t');
        assert_eq!(detect_delimiter(b"\"a;b\",c\n"), b',');
        assert_eq!(detect_delimiter(b"single\n"), b',');
        assert_eq!(
            detect_delimiter(b"Statement\nParam;first\n\ndate;amount;memo\n2025/06/07;-1,5;x\n"),
            b';',
            "a title line without a delimiter does not decide"
        );
    }
}
