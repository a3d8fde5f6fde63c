//! Downloads of the tables a page shows, as CSV or XLSX, for the accountant: the page's own
//! figures (the same report over the same range), as typed cells ([`Table`]) rendered by
//! [`csv`] or [`xlsx`]. Each page's download route builds its tables in `pages::exports`.

mod csv;
mod xlsx;

use crate::ApiError;
use crate::respond::attachment;
use axum::body::Body;
use axum::response::Response;
use chrono::NaiveDate;
use flowsense_core::Currency;
use flowsense_core::analytics::tabulate::{Cell, Table};

/// The file format asked for with `?format=`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    Csv,
    Xlsx,
}

impl Format {
    /// Reads `format=csv|xlsx`.
    ///
    /// # Errors
    /// Any other value, as a 400 that names the choices.
    pub fn parse(raw: &str) -> Result<Self, ApiError> {
        match raw.trim() {
            "csv" => Ok(Format::Csv),
            "xlsx" => Ok(Format::Xlsx),
            _ => Err(ApiError::BadRequest("format must be csv or xlsx".into())),
        }
    }
}

/// The tables of one download, and what names the file.
pub(crate) struct Download {
    /// The organisation's slug, the table's name and the date of the figures name the file.
    pub org_slug: String,
    pub what: &'static str,
    pub as_of: NaiveDate,
    /// Every `Cell::Money` is in minor units of this currency.
    pub currency: Currency,
    pub tables: Vec<Table>,
}

impl Download {
    /// `{org}-{what}-{date}.{ext}`, kept to letters, digits, `-` and `.` whatever the slug holds.
    fn file_name(&self, extension: &str) -> String {
        let stem: String = format!("{}-{}-{}", self.org_slug, self.what, self.as_of)
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .take(120)
            .collect();
        format!("{stem}.{extension}")
    }

    /// The file as a download: never cached, saved under a safe name.
    ///
    /// # Errors
    /// A failure of the XLSX writer (a 500).
    pub fn respond(&self, format: Format) -> Result<Response, ApiError> {
        Ok(match format {
            Format::Csv => attachment(
                Body::from(csv::render(self)),
                &self.file_name("csv"),
                "text/csv; charset=utf-8",
            ),
            Format::Xlsx => attachment(
                Body::from(xlsx::render(self).map_err(ApiError::internal)?),
                &self.file_name("xlsx"),
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ),
        })
    }
}

/// Whether any row of `table` has money in column `c`.
fn is_money_column(table: &Table, c: usize) -> bool {
    table
        .rows
        .iter()
        .any(|r| matches!(r.get(c), Some(Cell::Money(_))))
}
