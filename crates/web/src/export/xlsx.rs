//! XLSX: one worksheet per table, a bold header row, money as numbers with the currency's
//! number format (so sums in the spreadsheet are the page's), dates as real dates, text as
//! text (a cell of text is never run as a formula in XLSX, so nothing needs defusing).

use super::{Download, is_money_column};
use chrono::Datelike;
use flowsense_core::analytics::tabulate::{Cell, Table};
use flowsense_core::money::format_minor;
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook, Worksheet, XlsxError};

/// Longest sheet name Excel accepts.
const MAX_SHEET_NAME: usize = 31;

pub(super) fn render(d: &Download) -> Result<Vec<u8>, XlsxError> {
    let formats = Formats::for_download(d);
    let mut book = Workbook::new();
    let mut names: Vec<String> = Vec::new();
    for table in &d.tables {
        let name = sheet_name(&table.title, &names);
        let sheet = book.add_worksheet();
        sheet.set_name(&name)?;
        names.push(name);
        write_table(sheet, table, d, &formats)?;
    }
    if d.tables.is_empty() {
        book.add_worksheet();
    }
    book.save_to_buffer()
}

struct Formats {
    header: Format,
    money: Format,
    date: Format,
    number: Format,
}

impl Formats {
    fn for_download(d: &Download) -> Self {
        let decimals = "0".repeat(d.currency.exponent() as usize);
        let point = if decimals.is_empty() { "" } else { "." };
        let code = d.currency.as_str();
        Self {
            header: Format::new().set_bold(),
            money: Format::new().set_num_format(format!(
                "#,##0{point}{decimals} \"{code}\";-#,##0{point}{decimals} \"{code}\""
            )),
            date: Format::new().set_num_format("yyyy-mm-dd"),
            number: Format::new().set_num_format("0.00"),
        }
    }
}

/// A sheet name Excel accepts: without `[]:*?/\`, at most 31 characters, unique in the book.
fn sheet_name(title: &str, taken: &[String]) -> String {
    let clean: String = title
        .chars()
        .map(|c| if "[]:*?/\\'".contains(c) { ' ' } else { c })
        .take(MAX_SHEET_NAME)
        .collect();
    let clean = clean.trim().to_owned();
    let base = if clean.is_empty() {
        "Table".to_owned()
    } else {
        clean
    };
    let mut name = base.clone();
    let mut n = 2;
    while taken.iter().any(|t| t.eq_ignore_ascii_case(&name)) {
        let suffix = format!(" {n}");
        let keep = MAX_SHEET_NAME - suffix.len();
        name = format!("{}{suffix}", base.chars().take(keep).collect::<String>());
        n += 1;
    }
    name
}

fn write_table(
    sheet: &mut Worksheet,
    table: &Table,
    d: &Download,
    f: &Formats,
) -> Result<(), XlsxError> {
    for (c, h) in table.headers.iter().enumerate() {
        let col = column(c)?;
        let title = if is_money_column(table, c) {
            format!("{h} ({})", d.currency)
        } else {
            (*h).to_owned()
        };
        sheet.write_string_with_format(0, col, title, &f.header)?;
        sheet.set_column_width(col, 14)?;
    }
    for (r, row) in table.rows.iter().enumerate() {
        let at = u32::try_from(r + 1).map_err(|_| XlsxError::RowColumnLimitError)?;
        for (c, value) in row.iter().enumerate() {
            let col = column(c)?;
            match value {
                Cell::Text(s) => {
                    sheet.write_string(at, col, s)?;
                }
                Cell::Money(m) => match money_cell(*m, d.currency.exponent()) {
                    MoneyCell::Number(x) => {
                        sheet.write_number_with_format(at, col, x, &f.money)?;
                    }
                    MoneyCell::Text(exact) => {
                        sheet.write_string_with_format(at, col, exact, &f.money)?;
                    }
                },
                Cell::Int(n) => {
                    // Counts and days: far below 2^53, so exact as a number.
                    sheet.write_number(at, col, count_number(*n))?;
                }
                Cell::Num(x) => {
                    sheet.write_number_with_format(at, col, *x, &f.number)?;
                }
                Cell::Date(day) => match excel_date(*day) {
                    Some(x) => {
                        sheet.write_datetime_with_format(at, col, &x, &f.date)?;
                    }
                    None => {
                        sheet.write_string(at, col, day.to_string())?;
                    }
                },
                Cell::Empty => {}
            }
        }
    }
    Ok(())
}

fn column(c: usize) -> Result<u16, XlsxError> {
    u16::try_from(c).map_err(|_| XlsxError::RowColumnLimitError)
}

/// How an amount goes into a cell: a spreadsheet number holds a double, which keeps any decimal
/// of at most 15 significant digits exactly (C's `DBL_DIG`: read as the nearest double, it
/// prints back as the same digits). Amounts of fewer minor units than 10^15 (ten trillion in a
/// two-decimal currency) are written as numbers; larger ones as their exact decimal text, never
/// rounded.
#[derive(Debug, PartialEq)]
enum MoneyCell {
    Number(f64),
    Text(String),
}

/// Minor units from which an amount has more significant digits than a double keeps.
const EXACT_IN_A_DOUBLE: u64 = 1_000_000_000_000_000;

/// Minor units as the cell holds them. A number is the exact decimal text (`1234.56`) read as the
/// nearest double, which the file writes back as that same shortest text.
fn money_cell(minor: i64, exponent: u32) -> MoneyCell {
    let exact = format_minor(minor, exponent);
    if minor.unsigned_abs() >= EXACT_IN_A_DOUBLE {
        return MoneyCell::Text(exact);
    }
    match exact.parse() {
        Ok(x) => MoneyCell::Number(x),
        Err(_) => MoneyCell::Text(exact),
    }
}

fn count_number(n: i64) -> f64 {
    n.to_string().parse().unwrap_or(f64::NAN)
}

/// A date Excel can hold (years 1900 to 9999).
fn excel_date(day: chrono::NaiveDate) -> Option<ExcelDateTime> {
    let year = u16::try_from(day.year()).ok()?;
    let month = u8::try_from(day.month()).ok()?;
    let dom = u8::try_from(day.day()).ok()?;
    ExcelDateTime::from_ymd(year, month, dom).ok()
}

#[cfg(test)]
mod tests {
    use super::{EXACT_IN_A_DOUBLE, MoneyCell, money_cell};
    use flowsense_core::money::format_minor;

    #[test]
    fn amounts_a_double_holds_are_numbers_that_print_back_exactly() {
        let below = i64::try_from(EXACT_IN_A_DOUBLE).unwrap() - 1;
        for (minor, exponent) in [
            (0, 2),
            (-1, 2),
            (123_456, 2),
            (100_000, 0),
            (below, 2),
            (-below, 0),
            (7, 3),
        ] {
            let MoneyCell::Number(x) = money_cell(minor, exponent) else {
                panic!("{minor} should be a number");
            };
            // The file writes a double as its shortest text: the same decimal as the books'.
            let printed = format!("{x}");
            let expected = format_minor(minor, exponent);
            let expected = if expected.contains('.') {
                expected.trim_end_matches('0').trim_end_matches('.')
            } else {
                &expected
            };
            assert_eq!(printed, expected, "{minor} e{exponent}");
        }
    }

    #[test]
    fn amounts_beyond_a_double_are_exact_text() {
        let at = i64::try_from(EXACT_IN_A_DOUBLE).unwrap();
        assert_eq!(
            money_cell(at + 1, 2),
            MoneyCell::Text("10000000000000.01".to_owned())
        );
        // Past 2^53 minor units even whole amounts would round.
        assert_eq!(
            money_cell((1 << 53) + 1, 2),
            MoneyCell::Text("90071992547409.93".to_owned())
        );
        assert_eq!(
            money_cell(i64::MIN, 2),
            MoneyCell::Text(format_minor(i64::MIN, 2))
        );
        assert_eq!(
            money_cell(-(at + 1), 0),
            MoneyCell::Text("-1000000000000001".to_owned())
        );
    }
}
