//! CSV: each table as a header row and its rows, tables apart by a blank line (as
//! `flowsense report --format csv` writes them). Money is a plain decimal in the organisation's
//! currency, named by a `currency` column at the end of every table that holds money; dates are
//! ISO (YYYY-MM-DD); text a spreadsheet would run as a formula is defused.

use super::{Download, is_money_column};
use flowsense_core::analytics::defuse_formula;
use flowsense_core::analytics::tabulate::{Cell, Table};
use flowsense_core::money::format_minor;

pub(super) fn render(d: &Download) -> Vec<u8> {
    let mut out = Vec::new();
    for (i, table) in d.tables.iter().enumerate() {
        if i > 0 {
            out.push(b'\n');
        }
        out = write_table(out, table, d);
    }
    out
}

fn write_table(out: Vec<u8>, table: &Table, d: &Download) -> Vec<u8> {
    let has_money = (0..table.headers.len()).any(|c| is_money_column(table, c));
    let mut w = ::csv::WriterBuilder::new().flexible(true).from_writer(out);
    let mut header: Vec<&str> = table.headers.clone();
    if has_money {
        header.push("currency");
    }
    // Writing to a Vec cannot fail.
    let _ = w.write_record(&header);
    for row in &table.rows {
        let mut cells: Vec<String> = row.iter().map(|c| cell(c, d)).collect();
        if has_money {
            cells.push(d.currency.as_str().to_owned());
        }
        let _ = w.write_record(&cells);
    }
    w.into_inner().unwrap_or_default()
}

fn cell(c: &Cell, d: &Download) -> String {
    match c {
        Cell::Text(s) => defuse_formula(s).into_owned(),
        Cell::Money(m) => format_minor(*m, d.currency.exponent()),
        Cell::Int(n) => n.to_string(),
        Cell::Num(x) => format!("{x:.2}"),
        Cell::Date(day) => day.to_string(),
        Cell::Empty => String::new(),
    }
}
