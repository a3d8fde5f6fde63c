//! Renderers: JSON (pretty for the command line, compact for the API), an aligned text table, and CSV safe to open in a
//! spreadsheet.

use super::report::Report;
use super::tabulate::{Cell, Table, tables};
use crate::money::{Currency, format_minor};
use std::fmt::Write as _;

/// The report as pretty JSON (what `--format json` prints for a person to read).
#[must_use]
pub fn to_json(report: &Report) -> String {
    // Serialising plain structs with string keys cannot fail.
    serde_json::to_string_pretty(report).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
}

/// The report as compact JSON: what the API serves. The same document as [`to_json`] without
/// the indentation, which was 40 % of a large cash-flow report's bytes.
#[must_use]
pub fn to_compact_json(report: &Report) -> Vec<u8> {
    serde_json::to_vec(report).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}").into_bytes())
}

/// The report as aligned text tables; money columns name the currency.
#[must_use]
pub fn to_table(report: &Report) -> String {
    let mut out = String::new();
    for (i, table) in tables(report).iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        render_text(&mut out, table, report.currency);
    }
    out
}

/// The report as CSV: each table as a header row and data rows, tables separated by a blank
/// line. Money is a plain decimal; text that a spreadsheet would run as a formula is defused.
#[must_use]
pub fn to_csv(report: &Report) -> String {
    let mut out = String::new();
    for (i, table) in tables(report).iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let headers: Vec<String> = table.headers.iter().map(|h| csv_text(h)).collect();
        out.push_str(&headers.join(","));
        out.push('\n');
        for row in &table.rows {
            let cells: Vec<String> = row.iter().map(|c| csv_cell(c, report.currency)).collect();
            out.push_str(&cells.join(","));
            out.push('\n');
        }
    }
    out
}

fn plain(cell: &Cell, currency: Currency) -> String {
    match cell {
        Cell::Text(s) => s.clone(),
        Cell::Money(m) => format_minor(*m, currency.exponent()),
        Cell::Int(n) => n.to_string(),
        Cell::Num(x) => format!("{x:.2}"),
        Cell::Date(d) => d.to_string(),
        Cell::Empty => String::new(),
    }
}

fn render_text(out: &mut String, table: &Table, currency: Currency) {
    let money_columns: Vec<bool> = (0..table.headers.len())
        .map(|c| {
            table
                .rows
                .iter()
                .any(|r| matches!(r.get(c), Some(Cell::Money(_))))
        })
        .collect();
    let headers: Vec<String> = table
        .headers
        .iter()
        .zip(&money_columns)
        .map(|(h, &money)| {
            if money {
                format!("{h} ({currency})")
            } else {
                (*h).to_owned()
            }
        })
        .collect();
    let rows: Vec<Vec<String>> = table
        .rows
        .iter()
        .map(|r| {
            r.iter()
                .map(|c| sanitize_text(&plain(c, currency)))
                .collect()
        })
        .collect();
    let widths: Vec<usize> = (0..headers.len())
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .chain(std::iter::once(&headers[c]))
                .map(|s| s.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    // Once per column, not per cell: a long report would otherwise take quadratic time.
    let columns = table
        .rows
        .iter()
        .map(Vec::len)
        .chain([headers.len()])
        .max()
        .unwrap_or(0);
    let numeric: Vec<bool> = (0..columns)
        .map(|c| {
            table.rows.iter().all(|r| {
                matches!(
                    r.get(c),
                    Some(Cell::Money(_) | Cell::Int(_) | Cell::Num(_) | Cell::Empty) | None
                )
            })
        })
        .collect();
    let _ = writeln!(out, "{}", table.title);
    let line = |cells: &[String], out: &mut String| {
        let parts: Vec<String> = cells
            .iter()
            .enumerate()
            .map(|(c, s)| {
                let w = widths.get(c).copied().unwrap_or(0);
                if numeric.get(c).copied().unwrap_or(false) {
                    format!("{s:>w$}")
                } else {
                    format!("{s:<w$}")
                }
            })
            .collect();
        let _ = writeln!(out, "{}", parts.join("  ").trim_end());
    };
    line(&headers, out);
    let rule: Vec<String> = widths.iter().map(|&w| "-".repeat(w)).collect();
    let _ = writeln!(out, "{}", rule.join("  "));
    for row in &rows {
        line(row, out);
    }
    if table.rows.is_empty() {
        let _ = writeln!(out, "(none)");
    }
}

/// Control characters from the books must not move a terminal's cursor.
fn sanitize_text(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

fn csv_cell(cell: &Cell, currency: Currency) -> String {
    match cell {
        Cell::Text(s) => csv_text(s),
        other => plain(other, currency),
    }
}

/// Text a spreadsheet would run as a formula (it starts with `=`, `+`, `-`, `@`, a tab or a
/// carriage return), defused with a leading `'`; other text as it is.
#[must_use]
pub fn defuse_formula(s: &str) -> std::borrow::Cow<'_, str> {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}").into()
    } else {
        s.into()
    }
}

/// Quotes a text field when needed and defuses spreadsheet formulas with a leading `'`.
pub(crate) fn csv_text(s: &str) -> String {
    let defused = defuse_formula(s);
    if defused.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", defused.replace('"', "\"\""))
    } else {
        defused.into_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::csv_text;

    #[test]
    fn csv_text_is_quoted_and_defused() {
        assert_eq!(csv_text("plain"), "plain");
        assert_eq!(csv_text("a,b"), "\"a,b\"");
        assert_eq!(csv_text("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_text("=SUM(A1)"), "'=SUM(A1)");
        assert_eq!(csv_text("-2+3"), "'-2+3");
        assert_eq!(csv_text("@cmd,x"), "\"'@cmd,x\"");
    }
}
