//! QIF text to records: one per `^`, with the account and section it belongs to.

use crate::ImportOptions;
use crate::error::{ErrorReason, ImportError, Quoted};

/// A field with the line it was read on.
pub(super) type Located = Option<(String, u64)>;

/// One split line (`S` category, `E` memo, `$` amount).
#[derive(Debug, Default)]
pub(super) struct Split {
    pub category: String,
    pub amount: Located,
}

/// One transaction record, as written.
#[derive(Debug, Default)]
pub(super) struct Record {
    /// The line of its first field.
    pub line: u64,
    /// The account named by the `!Account` block before it, if any.
    pub account: Option<String>,
    pub date: Located,
    /// `T`, else `U` (the same amount in later Quicken versions).
    pub amount: Located,
    pub payee: String,
    pub memo: String,
    pub category: String,
    pub splits: Vec<Split>,
}

/// What the lines under a `!` header are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Section {
    /// Before any header.
    None,
    /// Transactions of a bank, card, cash or other asset/liability account.
    Transactions,
    /// The account the next transactions belong to.
    Account,
    /// Lists with no transactions (categories, classes, memorised payees, securities, prices).
    Skipped,
}

/// The `!Type:` sections read as transactions.
const TRANSACTION_TYPES: [&str; 5] = ["bank", "ccard", "cash", "oth a", "oth l"];
/// The `!Type:` sections that hold no bank transactions and are passed over.
const LIST_TYPES: [&str; 7] = [
    "cat",
    "class",
    "memorized",
    "security",
    "prices",
    "invitem",
    "template",
];

/// Splits QIF text into records. At most `opts.max_rows` transaction records.
pub(super) fn read_records(text: &str, opts: &ImportOptions) -> Result<Vec<Record>, ImportError> {
    let mut section = Section::None;
    let mut account: Option<String> = None;
    let mut pending_account: Option<String> = None;
    let mut records = Vec::new();
    let mut record = Record::default();
    let mut has_fields = false;
    for (index, raw) in text.lines().enumerate() {
        let line = index as u64 + 1;
        let raw = raw.trim_end();
        // Comment lines before the first header, as some programs write them.
        if raw.trim_start().is_empty() || (section == Section::None && raw.starts_with('#')) {
            continue;
        }
        if let Some(header) = raw.strip_prefix('!') {
            if has_fields && section == Section::Transactions {
                record.account.clone_from(&account);
                push(&mut records, std::mem::take(&mut record), opts)?;
            }
            if section == Section::Account {
                account = pending_account.take().or(account);
            }
            has_fields = false;
            record = Record::default();
            section = header_section(header).map_err(|r| opts.error(line, r))?;
            continue;
        }
        let mut chars = raw.chars();
        let code = chars.next().unwrap_or(' ');
        let value = chars.as_str().trim();
        match section {
            Section::None => return Err(opts.error(line, ErrorReason::NotQif)),
            Section::Skipped => {}
            Section::Account => match code {
                'N' => pending_account = Some(value.to_owned()),
                '^' => account = pending_account.take().or(account),
                _ => {}
            },
            Section::Transactions => {
                if code == '^' {
                    if has_fields {
                        record.account.clone_from(&account);
                        push(&mut records, std::mem::take(&mut record), opts)?;
                    }
                    has_fields = false;
                    continue;
                }
                if !has_fields {
                    record.line = line;
                    has_fields = true;
                }
                field(&mut record, code, value, line);
            }
        }
    }
    if has_fields && section == Section::Transactions {
        record.account.clone_from(&account);
        push(&mut records, record, opts)?;
    }
    Ok(records)
}

fn push(
    records: &mut Vec<Record>,
    record: Record,
    opts: &ImportOptions,
) -> Result<(), ImportError> {
    if records.len() as u64 >= opts.max_rows {
        return Err(opts.error(record.line, ErrorReason::TooManyRows(opts.max_rows)));
    }
    records.push(record);
    Ok(())
}

fn header_section(header: &str) -> Result<Section, ErrorReason> {
    let header = header.trim();
    let lower = header.to_ascii_lowercase();
    if lower == "account" {
        return Ok(Section::Account);
    }
    if lower.starts_with("option:") || lower.starts_with("clear:") {
        return Ok(Section::Skipped);
    }
    let Some(kind) = lower.strip_prefix("type:").map(str::trim) else {
        return Err(ErrorReason::QifSection(Quoted::new(header)));
    };
    if TRANSACTION_TYPES.contains(&kind) {
        Ok(Section::Transactions)
    } else if LIST_TYPES.contains(&kind) {
        Ok(Section::Skipped)
    } else {
        Err(ErrorReason::QifSection(Quoted::new(header)))
    }
}

fn field(record: &mut Record, code: char, value: &str, line: u64) {
    let located = || Some((value.to_owned(), line));
    match code {
        // Some programs date split lines too; the record's own date comes first.
        'D' if record.splits.is_empty() => record.date = located(),
        'T' => record.amount = located(),
        'U' if record.amount.is_none() => record.amount = located(),
        'P' => value.clone_into(&mut record.payee),
        'M' => value.clone_into(&mut record.memo),
        'L' => value.clone_into(&mut record.category),
        'S' => record.splits.push(Split {
            category: value.to_owned(),
            amount: None,
        }),
        '$' => {
            if let Some(split) = record.splits.last_mut() {
                split.amount = located();
            }
        }
        // Cleared status, check number, address, split memos, reimbursable flags, ...
        _ => {}
    }
}
