//! What a statement file will import as, before anything is written: for CSV its header, the
//! field each column is read as and how its dates are read; for every format its first rows as
//! they will be imported, or why it would be refused.

use crate::columns::Field;
use crate::csv_import::{SNIFF_BYTES, detect_delimiter, record_error};
use crate::date::{DateFormat, SlashOrder};
use crate::detect::{FileFormat, Importer, detect_format, open_path};
use crate::error::{ErrorReason, ImportError};
use crate::records::{Fields, RecordReader};
use crate::text::{UTF8_BOM, decode, sniff_encoding, trim_field};
use crate::{ImportOptions, ImportedTxn};
use std::fs::File;
use std::io::Read;
use std::path::Path;

/// Rows a preview shows.
pub const PREVIEW_ROWS: usize = 10;

/// A file as it would import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preview {
    pub format: FileFormat,
    /// CSV: each header column and the field it is read as (`None`: not read).
    pub columns: Vec<(String, Option<Field>)>,
    /// How dates are read where the order of day and month matters: as given, or as the first
    /// rows prove (`None`: not needed so far, or not known yet).
    pub date_format: Option<DateFormat>,
    /// The first rows, as they will be imported.
    pub rows: Vec<ImportedTxn>,
    /// Why the file would be refused as it is mapped: a missing column, a bad first row.
    pub refusal: Option<ImportError>,
}

/// The first `rows` rows of the file at `path` as they would import with `opts`.
///
/// # Errors
/// Only a file that cannot be previewed at all: unreadable, empty, not text. A file that
/// would be refused (a header without the needed columns, a bad row among the first) is
/// previewed with its [`Preview::refusal`], so that its mapping can be corrected.
pub fn preview_path(
    path: &Path,
    opts: &ImportOptions,
    rows: usize,
) -> Result<Preview, ImportError> {
    let opts = opts.clone().with_source_name(path.display().to_string());
    let prefix = read_prefix(path, &opts)?;
    let format = detect_format(&prefix);
    let mut importer = match open_path(path, &opts) {
        Ok(importer) => importer,
        Err(refusal) => {
            let columns = match format {
                FileFormat::Csv => read_header(&prefix, &opts).map_err(|_| refusal.clone())?,
                _ => Vec::new(),
            };
            return Ok(Preview {
                format,
                columns: columns.into_iter().map(|c| (c, None)).collect(),
                date_format: opts.date_format,
                rows: Vec::new(),
                refusal: Some(refusal),
            });
        }
    };
    let mut first = Vec::with_capacity(rows);
    let mut refusal = None;
    for row in importer.by_ref().take(rows) {
        match row {
            Ok(txn) => first.push(txn),
            Err(e) => {
                refusal = Some(e);
                break;
            }
        }
    }
    let (columns, proven) = match &importer {
        Importer::Csv(csv) => {
            let layout = csv.layout();
            let columns = csv
                .header()
                .iter()
                .enumerate()
                .map(|(i, name)| {
                    let field = Field::ALL
                        .into_iter()
                        .find(|&f| layout.column(f) == Some(i));
                    (name.clone(), field)
                })
                .collect();
            (columns, csv.date_order())
        }
        Importer::Parsed(..) => (Vec::new(), None),
    };
    Ok(Preview {
        format,
        columns,
        date_format: opts.date_format.or(proven.map(|order| match order {
            SlashOrder::DayFirst => DateFormat::DayFirst,
            SlashOrder::MonthFirst => DateFormat::MonthFirst,
        })),
        rows: first,
        refusal,
    })
}

fn read_prefix(path: &Path, opts: &ImportOptions) -> Result<Vec<u8>, ImportError> {
    let io_err = |e: &std::io::Error| ImportError::io(&opts.source_name, e);
    let mut prefix = Vec::with_capacity(SNIFF_BYTES);
    File::open(path)
        .map_err(|e| io_err(&e))?
        .take(SNIFF_BYTES as u64)
        .read_to_end(&mut prefix)
        .map_err(|e| io_err(&e))?;
    Ok(prefix)
}

/// The first record of a CSV file, read as the importer reads it.
fn read_header(prefix: &[u8], opts: &ImportOptions) -> Result<Vec<String>, ImportError> {
    let encoding = sniff_encoding(prefix).map_err(|(line, reason)| opts.error(line, reason))?;
    let body = prefix.strip_prefix(UTF8_BOM).unwrap_or(prefix);
    let delimiter = opts.delimiter.unwrap_or_else(|| detect_delimiter(body));
    let mut reader = RecordReader::new(body, delimiter, opts.max_line_bytes);
    let mut record = Fields::default();
    let line = reader
        .next_record(&mut record)
        .map_err(|e| record_error(opts, e))?
        .ok_or_else(|| opts.error(0, ErrorReason::EmptyFile))?;
    record
        .iter()
        .take(crate::bounds::MAX_COLUMNS)
        .map(|field| decode(field, encoding).map(|s| trim_field(&s).to_owned()))
        .collect::<Option<Vec<_>>>()
        .ok_or_else(|| opts.error(line, ErrorReason::NotText))
}
