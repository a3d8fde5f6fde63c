//! Which importer a file needs, decided from its content rather than its extension.

use crate::csv_import::CsvImporter;
use crate::error::{ErrorReason, ImportError};
use crate::ofx::{find_ofx_start, parse_ofx};
use crate::qif::parse_qif;
use crate::{ImportNotes, ImportOptions, ImportedTxn};
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

/// Bytes looked at to tell OFX and QIF from CSV.
const DETECT_BYTES: usize = 8 << 10;

/// The kind of statement file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    Csv,
    /// OFX 1.x/2.x, including QFX.
    Ofx,
    /// Quicken Interchange Format.
    Qif,
}

impl FileFormat {
    /// How the format is named to people.
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            FileFormat::Csv => "CSV",
            FileFormat::Ofx => "OFX",
            FileFormat::Qif => "QIF",
        }
    }
}

/// Tells OFX (an `OFXHEADER:` header or an `<OFX>` element near the start) and QIF (a first
/// line `!Type:`, `!Account` or `!Option:`) from CSV.
#[must_use]
pub fn detect_format(prefix: &[u8]) -> FileFormat {
    let head = &prefix[..prefix.len().min(DETECT_BYTES)];
    let head = head.strip_prefix(crate::text::UTF8_BOM).unwrap_or(head);
    let trimmed = head.trim_ascii_start();
    // QIF files may open with `#` comment lines.
    let first_statement = trimmed
        .split(|&b| b == b'\n')
        .map(<[u8]>::trim_ascii)
        .find(|line| !line.is_empty() && !line.starts_with(b"#"))
        .unwrap_or_default();
    let starts_with =
        |tag: &[u8]| trimmed.len() >= tag.len() && trimmed[..tag.len()].eq_ignore_ascii_case(tag);
    if starts_with(b"OFXHEADER:") {
        return FileFormat::Ofx;
    }
    let qif_header = |tag: &[u8]| {
        first_statement.len() >= tag.len() && first_statement[..tag.len()].eq_ignore_ascii_case(tag)
    };
    if qif_header(b"!Type:") || qif_header(b"!Account") || qif_header(b"!Option:") {
        return FileFormat::Qif;
    }
    let text = String::from_utf8_lossy(head);
    if find_ofx_start(&text).is_some() {
        FileFormat::Ofx
    } else {
        FileFormat::Csv
    }
}

/// What [`open_path`] reads from: the sniffed prefix, then the rest of the file.
pub type FileSource = std::io::Chain<std::io::Cursor<Vec<u8>>, BufReader<File>>;

/// Transactions from any supported file: streamed for CSV, parsed whole for OFX and QIF.
pub enum Importer<R: Read> {
    Csv(Box<CsvImporter<R>>),
    /// An OFX or QIF file, read whole and found good.
    Parsed(FileFormat, std::vec::IntoIter<ImportedTxn>),
}

impl<R: Read> Importer<R> {
    #[must_use]
    pub fn format(&self) -> FileFormat {
        match self {
            Importer::Csv(_) => FileFormat::Csv,
            Importer::Parsed(format, _) => *format,
        }
    }

    /// What the file was read as, and every decision taken in reading it (complete once the
    /// last row has been returned).
    #[must_use]
    pub fn notes(&self) -> ImportNotes {
        match self {
            Importer::Csv(csv) => csv.notes().clone(),
            Importer::Parsed(format, _) => ImportNotes {
                layout: match format {
                    FileFormat::Qif => "QIF file",
                    _ => "OFX statement",
                }
                .into(),
                ..ImportNotes::default()
            },
        }
    }
}

impl<R: Read> Iterator for Importer<R> {
    type Item = Result<ImportedTxn, ImportError>;

    fn next(&mut self) -> Option<Self::Item> {
        match self {
            Importer::Csv(csv) => csv.next(),
            Importer::Parsed(_, txns) => txns.next().map(Ok),
        }
    }
}

/// Opens a statement file of any format. The source name in errors is the path as given.
///
/// # Errors
/// An unreadable file, or what [`CsvImporter::new`], [`parse_ofx`] or the QIF reader refuse.
pub fn open_path(path: &Path, opts: &ImportOptions) -> Result<Importer<FileSource>, ImportError> {
    let opts = opts.clone().with_source_name(path.display().to_string());
    let io_err = |e: &std::io::Error| ImportError::io(&opts.source_name, e);
    let file = File::open(path).map_err(|e| io_err(&e))?;
    let mut reader = BufReader::new(file);
    let mut prefix = Vec::with_capacity(DETECT_BYTES);
    (&mut reader)
        .take(DETECT_BYTES as u64)
        .read_to_end(&mut prefix)
        .map_err(|e| io_err(&e))?;
    match detect_format(&prefix) {
        FileFormat::Csv => {
            let chained = std::io::Cursor::new(prefix).chain(reader);
            Ok(Importer::Csv(Box::new(CsvImporter::new(chained, opts)?)))
        }
        format @ (FileFormat::Ofx | FileFormat::Qif) => {
            let mut bytes = prefix;
            reader
                .take(opts.max_file_bytes + 1)
                .read_to_end(&mut bytes)
                .map_err(|e| io_err(&e))?;
            if bytes.len() as u64 > opts.max_file_bytes {
                return Err(opts.error(0, ErrorReason::TooLarge(opts.max_file_bytes)));
            }
            let txns = parse_whole(format, &bytes, &opts)?;
            Ok(Importer::Parsed(format, txns.into_iter()))
        }
    }
}

/// Parses a whole uploaded file of any format, stopping at the first error.
///
/// # Errors
/// The first bad row, with its line.
pub fn import_bytes(bytes: &[u8], opts: &ImportOptions) -> Result<Vec<ImportedTxn>, ImportError> {
    match detect_format(bytes) {
        FileFormat::Csv => CsvImporter::new(bytes, opts.clone())?.collect(),
        format => parse_whole(format, bytes, opts),
    }
}

fn parse_whole(
    format: FileFormat,
    bytes: &[u8],
    opts: &ImportOptions,
) -> Result<Vec<ImportedTxn>, ImportError> {
    match format {
        FileFormat::Qif => parse_qif(bytes, opts),
        _ => parse_ofx(bytes, opts),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_by_content() {
        assert_eq!(
            detect_format(b"OFXHEADER:100\nDATA:OFXSGML\n"),
            FileFormat::Ofx
        );
        assert_eq!(
            detect_format(b"\xEF\xBB\xBF<?xml version=\"1.0\"?>\n<?OFX OFXHEADER=\"200\"?>\n<OFX>"),
            FileFormat::Ofx
        );
        assert_eq!(detect_format(b"Date,Description,Amount\n"), FileFormat::Csv);
        assert_eq!(detect_format(b"!Type:Bank\r\nD1/2/24\r\n"), FileFormat::Qif);
        assert_eq!(
            detect_format(b"\xEF\xBB\xBF\n!type:CCard\n"),
            FileFormat::Qif
        );
        assert_eq!(detect_format(b"!Account\nNChecking\n^\n"), FileFormat::Qif);
        assert_eq!(detect_format(b"Date,!Type:Bank\n"), FileFormat::Csv);
        assert_eq!(detect_format(b"### notes\n\n!Type:Cash\n"), FileFormat::Qif);
        assert_eq!(detect_format(b"# a,b\n1,2\n"), FileFormat::Csv);
        assert_eq!(detect_format(b""), FileFormat::Csv);
        assert_eq!(detect_format(b"\0\x01\x02"), FileFormat::Csv);
    }
}
