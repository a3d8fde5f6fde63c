//! Exchange rates: typed in the settings page or sent to the API (admins), imported from a
//! rates file (`flowsense rates import`), and read back with what the books still lack a rate
//! for. Storage moves the books version on with every write, so the analysis is converted again.

use crate::Context;
use crate::analysis::{AnalysisError, with_analysis};
use crate::audit;
use crate::field_error::FieldError;
use crate::identity::Client;
use crate::orgs::OrgAccess;
use chrono::NaiveDate;
use flowsense_core::fx::{MissingRate, Rate, parse_rate};
use flowsense_core::{Currency, OrgId};
use flowsense_import::{RatesFileError, RatesLayout, parse_rates_file};
use flowsense_storage::{RateSource, StorageError, Store, StoredRate};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::path::Path;

/// The most rates a list shows (newest first).
pub const LISTED_RATES: i64 = 500;
/// The largest rates file read (the ECB's whole history is about 2 MB).
pub const MAX_RATES_FILE_BYTES: u64 = 64 << 20;

/// A rate as typed in the form or sent to the API, every field text. A field it does not know
/// is refused.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RateInput {
    /// `YYYY-MM-DD`.
    #[serde(default)]
    pub date: String,
    /// The currency converted from (`EUR`).
    #[serde(default)]
    pub from: String,
    /// The currency converted to (`USD`).
    #[serde(default)]
    pub to: String,
    /// Units of `to` per unit of `from`, a plain decimal (`1.0834`).
    #[serde(default)]
    pub rate: String,
}

impl RateInput {
    /// Reads the input.
    ///
    /// # Errors
    /// The first field that cannot be read, named, with what to do.
    pub fn read(&self) -> Result<Rate, FieldError> {
        let date = NaiveDate::parse_from_str(self.date.trim(), "%Y-%m-%d")
            .ok()
            .filter(|d| (1990..=2100).contains(&chrono::Datelike::year(d)))
            .ok_or_else(|| FieldError::new("date", "Give the date as YYYY-MM-DD."))?;
        let currency = |field: &'static str, text: &str| {
            Currency::parse(text).map_err(|_| {
                FieldError::new(field, "Give a three-letter currency code such as USD.")
            })
        };
        let from = currency("from", &self.from)?;
        let to = currency("to", &self.to)?;
        if from == to {
            return Err(FieldError::new("to", "Choose two different currencies."));
        }
        let rate = parse_rate(&self.rate).map_err(|e| FieldError::new("rate", e.to_string()))?;
        Ok(Rate {
            date,
            from,
            to,
            rate,
        })
    }
}

/// Why rates could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum RatesError {
    #[error(transparent)]
    Invalid(#[from] FieldError),
    #[error("the rates file was refused: {0}")]
    File(#[from] RatesFileError),
    #[error("the rates file could not be read: {0}")]
    Io(#[source] std::io::Error),
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error(transparent)]
    Analysis(#[from] AnalysisError),
}

/// The organisation's own rates and what its books lack a rate for.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RatesView {
    pub base_currency: Currency,
    /// Newest first, at most [`LISTED_RATES`].
    pub rates: Vec<StoredRate>,
    /// Currencies of amounts the figures leave out for want of a rate.
    pub missing_rates: Vec<MissingRate>,
}

/// What `who`'s organisation holds: its rates and what still lacks one.
///
/// # Errors
/// A database failure.
pub async fn view(ctx: &Context, who: &OrgAccess) -> Result<RatesView, RatesError> {
    let org = ctx.store.org(who.org).await?;
    let rates = ctx.store.org_rates(who.org, LISTED_RATES).await?;
    let missing_rates = with_analysis(&ctx.store, &ctx.analytics, &org, |a| {
        a.books.missing_rates.clone()
    })
    .await?;
    Ok(RatesView {
        base_currency: org.settings.base_currency,
        rates,
        missing_rates,
    })
}

/// Saves one rate typed by an admin (the route lets admins only), replacing the organisation's
/// rate of the same date and pair.
///
/// # Errors
/// A refused field; a database failure.
#[tracing::instrument(skip_all, fields(org = %who.org, user = %who.user))]
pub async fn add(
    ctx: &Context,
    who: &OrgAccess,
    input: &RateInput,
    client: &Client,
) -> Result<Rate, RatesError> {
    let rate = input.read()?;
    ctx.store
        .save_rates(who.org, &[rate], RateSource::Manual)
        .await?;
    audit::in_org(
        ctx,
        who.org,
        Some(who.user),
        "rate.saved",
        format!("org:{}", who.org),
        &client.ip,
        json!({ "from": rate.from.as_str(), "to": rate.to.as_str() }),
    )
    .await?;
    Ok(rate)
}

/// What a rates file import did.
#[derive(Debug, Clone, Serialize)]
pub struct RatesImported {
    pub layout: &'static str,
    pub rates: usize,
    pub first_date: Option<NaiveDate>,
    pub last_date: Option<NaiveDate>,
}

/// Reads a rates file ([`parse_rates_file`]) off the async threads and saves its rates: as
/// `org`'s own when given, else as the installation's reference rates (every organisation's
/// books then convert with them, where it has no rate of its own).
///
/// # Errors
/// A file too large, unreadable or refused at a line; a database failure (nothing is kept).
pub async fn import_file(
    store: &Store,
    path: &Path,
    org: Option<OrgId>,
) -> Result<RatesImported, RatesError> {
    let path = path.to_path_buf();
    let parsed = tokio::task::spawn_blocking(move || -> Result<_, RatesError> {
        let size = std::fs::metadata(&path).map_err(RatesError::Io)?.len();
        if size > MAX_RATES_FILE_BYTES {
            return Err(RatesError::File(RatesFileError {
                line: 0,
                reason: format!("larger than {} MB", MAX_RATES_FILE_BYTES >> 20),
            }));
        }
        let text = std::fs::read_to_string(&path).map_err(RatesError::Io)?;
        Ok(parse_rates_file(&text)?)
    })
    .await
    .map_err(|e| RatesError::Io(std::io::Error::other(e.to_string())))??;
    let (layout, rates) = parsed;
    match org {
        Some(org) => store.save_rates(org, &rates, RateSource::File).await?,
        None => store.save_reference_rates_across_orgs(&rates).await?,
    };
    Ok(RatesImported {
        layout: match layout {
            RatesLayout::Ecb => "ecb",
            RatesLayout::Pairs => "date,from,to,rate",
        },
        rates: rates.len(),
        first_date: rates.iter().map(|r| r.date).min(),
        last_date: rates.iter().map(|r| r.date).max(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_typed_rate_is_read_exactly_and_each_bad_field_is_named() {
        let input = |date: &str, from: &str, to: &str, rate: &str| RateInput {
            date: date.into(),
            from: from.into(),
            to: to.into(),
            rate: rate.into(),
        };
        let r = input("2026-03-31", "eur", "USD", "1.0834")
            .read()
            .expect("valid");
        assert_eq!((r.from, r.to), (Currency::EUR, Currency::USD));
        assert_eq!(r.rate.to_string(), "1.0834");
        let field = |i: RateInput| i.read().expect_err("refused").field;
        assert_eq!(field(input("31/03/2026", "EUR", "USD", "1")), "date");
        assert_eq!(field(input("2026-03-31", "E", "USD", "1")), "from");
        assert_eq!(field(input("2026-03-31", "EUR", "EUR", "1")), "to");
        assert_eq!(field(input("2026-03-31", "EUR", "USD", "0")), "rate");
        assert_eq!(field(input("2026-03-31", "EUR", "USD", "1e3")), "rate");
    }
}
