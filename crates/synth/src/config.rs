//! What to generate, and the plan derived from it (how big the business is).

use crate::profiles::Profile;
use chrono::{Months, NaiveDate};
use flowsense_core::Currency;

/// What to generate. Same config → byte-identical output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenConfig {
    pub seed: u64,
    /// Approximate number of bank transactions wanted.
    pub transactions: usize,
    /// First day of the books.
    pub start: NaiveDate,
    /// Length of the books; derived from `transactions` when `None` (18–36 months for
    /// ordinary sizes: a bigger target means a bigger business, not a longer history).
    pub months: Option<u32>,
    pub currency: Currency,
    pub business_name: String,
    /// The kind of business; `business_name` is only a label.
    pub profile: Profile,
    /// How much of its sales (in percent) the business loses over its last six months while
    /// its costs stay: 0 for steady growth; enough of a loss makes it burn cash.
    pub sales_decline_percent: u8,
}

impl Default for GenConfig {
    fn default() -> Self {
        Self {
            seed: 42,
            transactions: 10_000,
            start: NaiveDate::from_ymd_opt(2024, 1, 1).expect("a valid constant date"),
            months: None,
            currency: Currency::USD,
            business_name: "Northwind Coffee Roasters".to_owned(),
            profile: Profile::CoffeeRoaster,
            sales_decline_percent: 0,
        }
    }
}

/// Why a configuration was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GenError {
    #[error("months must be between 1 and {MAX_MONTHS} (got {0})")]
    BadMonths(u32),
    #[error("transactions must be between 1 and {MAX_TRANSACTIONS} (got {0})")]
    BadTransactions(usize),
    #[error("the generated period does not fit in the calendar")]
    BadStart,
    #[error("the sales decline must be at most 90% (got {0}%)")]
    BadDecline(u8),
}

pub const MAX_MONTHS: u32 = 240;
pub const MAX_TRANSACTIONS: usize = 50_000_000;

impl GenConfig {
    /// A config for `transactions` rows with everything else at its default.
    #[must_use]
    pub fn new(seed: u64, transactions: usize) -> Self {
        Self {
            seed,
            transactions,
            ..Self::default()
        }
    }

    /// The number of months that will be generated.
    #[must_use]
    pub fn effective_months(&self) -> u32 {
        if let Some(m) = self.months {
            return m;
        }
        let t = u32::try_from(self.transactions).unwrap_or(u32::MAX);
        if t >= 18 * 200 {
            t.div_ceil(600).clamp(18, 36)
        } else {
            (t / 200).max(2)
        }
    }
}

/// The shape of the business, derived once from the config.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub months: u32,
    pub days: u32,
    /// 1.0 = a small business of the profile (~600 bank lines a month for the roaster).
    pub scale: f64,
    /// Average monthly revenue in cents (all amounts are planned in cents of a 2-decimal
    /// currency and multiplied by `minor_factor` at the end).
    pub revenue: f64,
    pub sales_per_day: f64,
    pub card_per_month: f64,
    pub misc_per_month: f64,
    pub invoices_per_month: f64,
    pub bills_per_month: f64,
    pub minor_factor: i64,
    /// Card sale amounts are drawn as `sale_lo + (sale_hi - sale_lo) * u^SALE_SKEW` cents.
    pub sale_lo: f64,
    pub sale_hi: f64,
    /// Share of revenue that comes from card sales (the rest is invoiced).
    pub retail_share: f64,
    /// Sales fall linearly from `decline_from` to `1 - decline` of their trend at the end.
    pub decline_from: NaiveDate,
    pub decline: f64,
}

pub(crate) const SALE_SKEW: f64 = 3.0;

/// A sales decline plays out over the books' last six months.
const DECLINE_MONTHS: u32 = 6;
const MAX_DECLINE_PERCENT: u8 = 90;

impl Plan {
    pub(crate) fn new(config: &GenConfig) -> Result<Self, GenError> {
        let months = config.effective_months();
        if months == 0 || months > MAX_MONTHS {
            return Err(GenError::BadMonths(months));
        }
        if config.transactions == 0 || config.transactions > MAX_TRANSACTIONS {
            return Err(GenError::BadTransactions(config.transactions));
        }
        if config.sales_decline_percent > MAX_DECLINE_PERCENT {
            return Err(GenError::BadDecline(config.sales_decline_percent));
        }
        let end = config
            .start
            .checked_add_months(Months::new(months))
            .ok_or(GenError::BadStart)?;
        let days =
            u32::try_from((end - config.start).num_days()).map_err(|_| GenError::BadStart)?;
        let m = f64::from(months);
        #[expect(
            clippy::cast_precision_loss,
            reason = "a requested row count, far below 2^52"
        )]
        let target = config.transactions as f64;
        let mix = &config.profile.spec().mix;
        let variable_per_month = (target / m - mix.fixed_per_month).max(20.0);
        let scale = variable_per_month / mix.small_variable_per_month;
        let sales_per_month = mix.sales * variable_per_month;
        let mean_sale = mix.sale_lo + (mix.sale_hi - mix.sale_lo) / (SALE_SKEW + 1.0);
        let revenue = sales_per_month * mean_sale / mix.retail_share;
        let e = config.currency.exponent();
        let minor_factor = if e >= 2 { 10i64.pow(e - 2) } else { 1 };
        Ok(Self {
            start: config.start,
            end,
            months,
            days,
            scale,
            revenue,
            sales_per_day: sales_per_month * 12.0 / 365.25,
            card_per_month: mix.card * variable_per_month,
            misc_per_month: mix.misc * variable_per_month,
            invoices_per_month: mix.invoices * variable_per_month,
            bills_per_month: mix.bills * variable_per_month,
            minor_factor,
            sale_lo: mix.sale_lo,
            sale_hi: mix.sale_hi,
            retail_share: mix.retail_share,
            decline_from: end
                .checked_sub_months(Months::new(DECLINE_MONTHS))
                .unwrap_or(config.start)
                .max(config.start),
            decline: f64::from(config.sales_decline_percent) / 100.0,
        })
    }

    /// The plan's date of day number `i` (0-based).
    pub(crate) fn day(&self, i: u32) -> NaiveDate {
        self.start + chrono::Days::new(u64::from(i))
    }

    /// The share of their trend that sales keep on `date`: 1 until the decline starts.
    pub(crate) fn sales_kept(&self, date: NaiveDate) -> f64 {
        if self.decline <= 0.0 || date < self.decline_from {
            return 1.0;
        }
        #[expect(clippy::cast_precision_loss, reason = "day counts, far below 2^52")]
        let progress = (date - self.decline_from).num_days() as f64
            / ((self.end - self.decline_from).num_days().max(1) as f64);
        1.0 - self.decline * progress.min(1.0)
    }

    /// Cents of `fraction` of a month's average revenue.
    pub(crate) fn share(&self, fraction: f64) -> f64 {
        self.revenue * fraction
    }
}
