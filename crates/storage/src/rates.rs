//! Exchange rates: an organisation's own (provider syncs, files, settings) and the
//! installation's reference rates (`flowsense rates import`). Every write moves the books
//! version on in its own transaction — an organisation's for its rates, every organisation's
//! for reference rates — so cached analytics are converted again.

use crate::Store;
use crate::args::sql;
use crate::books::books_changed;
use crate::error::{Result, StorageError};
use crate::scope::{Reads, Tx};
use chrono::{NaiveDate, Utc};
use flowsense_core::fx::{Rate, check_rate};
use flowsense_core::{Currency, OrgId};
use serde::Serialize;

/// Where an organisation's rate came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RateSource {
    Quickbooks,
    Xero,
    /// A rates file imported for the organisation.
    File,
    /// Typed in the settings page or sent to the API.
    Manual,
}

impl RateSource {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            RateSource::Quickbooks => "quickbooks",
            RateSource::Xero => "xero",
            RateSource::File => "file",
            RateSource::Manual => "manual",
        }
    }
}

/// A stored rate with where it came from (`reference` for the installation's own).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct StoredRate {
    #[serde(flatten)]
    pub rate: Rate,
    pub source: String,
}

#[derive(sqlx::FromRow)]
pub(crate) struct RateRow {
    rate_date: NaiveDate,
    from_currency: String,
    to_currency: String,
    rate: String,
    source: String,
}

impl RateRow {
    pub(crate) fn into_stored(self) -> Result<StoredRate> {
        let bad = || StorageError::Corrupt("an exchange rate".into());
        let rate = self.rate.parse().map_err(|_| bad())?;
        Ok(StoredRate {
            rate: Rate {
                date: self.rate_date,
                from: Currency::parse(&self.from_currency).map_err(|_| bad())?,
                to: Currency::parse(&self.to_currency).map_err(|_| bad())?,
                rate: check_rate(rate).map_err(|_| bad())?,
            },
            source: self.source,
        })
    }
}

/// Writes `rates` as the organisation's own, in `tx` (a sync page or an import writes them
/// with its rows); a rate already there for the same date and pair is replaced.
pub(crate) async fn save_rates_in(
    tx: &mut Tx,
    org: OrgId,
    rates: &[Rate],
    source: RateSource,
) -> Result<u64> {
    let now = Utc::now();
    let mut saved = 0;
    for r in rates {
        let rate = check_rate(r.rate).map_err(|e| StorageError::Config(e.to_string()))?;
        saved += tx
            .execute(
                sql!("rates/save")
                    .arg(org)
                    .arg(r.date)
                    .arg(r.from.as_str())
                    .arg(r.to.as_str())
                    .arg(rate.to_string())
                    .arg(source.as_str())
                    .arg(now),
            )
            .await?;
    }
    Ok(saved)
}

/// The organisation's own rates and the reference rates, for converting its books: reference
/// first, so that the organisation's own rate wins on the same date and pair.
pub(crate) async fn rates_for_books(tx: &mut impl Reads, org: OrgId) -> Result<Vec<Rate>> {
    let mut rows: Vec<RateRow> = tx.fetch_all(sql!("books/reference_rates")).await?;
    rows.extend(
        tx.fetch_all::<RateRow>(sql!("books/org_rates").arg(org))
            .await?,
    );
    rows.into_iter()
        .map(|r| r.into_stored().map(|s| s.rate))
        .collect()
}

impl Store {
    /// Saves rates as the organisation's own and moves its books version on.
    ///
    /// # Errors
    /// `Config` for a rate that is not positive or too precise, or a pair of one currency;
    /// a database failure (nothing is then kept).
    pub async fn save_rates(&self, org: OrgId, rates: &[Rate], source: RateSource) -> Result<u64> {
        if rates.iter().any(|r| r.from == r.to) {
            return Err(StorageError::Config(
                "a rate converts between two different currencies".into(),
            ));
        }
        let mut tx = self.scoped(org).await?;
        let saved = save_rates_in(&mut tx, org, rates, source).await?;
        books_changed(&mut tx, org).await?;
        tx.commit().await?;
        Ok(saved)
    }

    /// The organisation's own rates, newest first, at most `limit`.
    ///
    /// # Errors
    /// A database failure.
    pub async fn org_rates(&self, org: OrgId, limit: i64) -> Result<Vec<StoredRate>> {
        let mut tx = self.scoped_read(org).await?;
        let rows: Vec<RateRow> = tx
            .fetch_all(sql!("rates/of_org").arg(org).arg(limit))
            .await?;
        tx.commit().await?;
        rows.into_iter().map(RateRow::into_stored).collect()
    }

    /// How many rates of its own the organisation holds.
    ///
    /// # Errors
    /// A database failure.
    pub async fn org_rate_count(&self, org: OrgId) -> Result<i64> {
        let mut tx = self.scoped_read(org).await?;
        let (n,): (i64,) = tx.fetch_one(sql!("rates/count_of_org").arg(org)).await?;
        tx.commit().await?;
        Ok(n)
    }

    /// Saves reference rates for the whole installation, and moves every organisation's books
    /// version on (their conversions may change), in one transaction.
    ///
    /// # Errors
    /// As [`Store::save_rates`].
    pub async fn save_reference_rates_across_orgs(&self, rates: &[Rate]) -> Result<u64> {
        let now = Utc::now();
        let mut tx = self.begin().await?;
        let mut saved = 0;
        for r in rates {
            if r.from == r.to {
                return Err(StorageError::Config(
                    "a rate converts between two different currencies".into(),
                ));
            }
            let rate = check_rate(r.rate).map_err(|e| StorageError::Config(e.to_string()))?;
            saved += tx
                .execute(
                    sql!("rates/save_reference")
                        .arg(r.date)
                        .arg(r.from.as_str())
                        .arg(r.to.as_str())
                        .arg(rate.to_string())
                        .arg(now),
                )
                .await?;
        }
        tx.execute(sql!("rates/reference_changed_across_orgs"))
            .await?;
        tx.commit().await?;
        Ok(saved)
    }
}
