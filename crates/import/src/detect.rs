//! Which importer a file needs, decided from its content rather than its extension.

use crate::csv_import::CsvImporter;
use crate::error::{ErrorReason, ImportError};
use crate::ofx::{find_ofx_start, parse_ofx};
use crate::{ImportNotes, ImportOptions, ImportedTxn};
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

/// Bytes looked at to tell OFX from CSV.
const DETECT_BYTES: usize = 8 << 10;

/// The kind of statement file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    Csv,
    /// OFX 1.x/2.x, including QFX.
    Ofx,
}

/// Tells OFX (an `OFXHEADER:` header or an `<OFX>` element near the start) from CSV.
#[must_use]
pub fn detect_format(prefix: &[u8]) -> FileFormat {
    let head = &prefix[..prefix.len().min(DETECT_BYTES)];
    let head = head.strip_prefix(crate::text::UTF8_BOM).unwrap_or(head);
    let trimmed = head.trim_ascii_start();
    if trimmed.len() >= 10 && trimmed[..10].eq_ignore_ascii_case(b"OFXHEADER:") {
        return FileFormat::Ofx;
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

/// Transactions from any supported file: streamed for CSV, parsed whole for OFX.
pub enum Importer<R: Read> {
    Csv(Box<CsvImporter<R>>),
    Ofx(std::vec::IntoIter<ImportedTxn>),
}

impl<R: Read> Importer<R> {
    /// What the file was read as, and every decision taken in reading it (complete once the
    /// last row has been returned).
    #[must_use]
    pub fn notes(&self) -> ImportNotes {
        match self {
            Importer::Csv(csv) => csv.notes().clone(),
            Importer::Ofx(_) => ImportNotes {
                layout: "OFX statement".into(),
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
            Importer::Ofx(txns) => txns.next().map(Ok),
        }
    }
}

/// Opens a statement file of either format. The source name in errors is the path as given.
///
/// # Errors
/// An unreadable file, or what [`CsvImporter::new`] or [`parse_ofx`] refuse.
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
        FileFormat::Ofx => {
            let mut bytes = prefix;
            reader
                .take(opts.max_file_bytes + 1)
                .read_to_end(&mut bytes)
                .map_err(|e| io_err(&e))?;
            if bytes.len() as u64 > opts.max_file_bytes {
                return Err(opts.error(0, ErrorReason::TooLarge(opts.max_file_bytes)));
            }
            Ok(Importer::Ofx(parse_ofx(&bytes, &opts)?.into_iter()))
        }
    }
}

/// Parses a whole uploaded file of either format, stopping at the first error.
///
/// # Errors
/// The first bad row, with its line.
pub fn import_bytes(bytes: &[u8], opts: &ImportOptions) -> Result<Vec<ImportedTxn>, ImportError> {
    match detect_format(bytes) {
        FileFormat::Ofx => parse_ofx(bytes, opts),
        FileFormat::Csv => CsvImporter::new(bytes, opts.clone())?.collect(),
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
        assert_eq!(detect_format(b""), FileFormat::Csv);
        assert_eq!(detect_format(b"\0\x01\x02"), FileFormat::Csv);
    }
}
