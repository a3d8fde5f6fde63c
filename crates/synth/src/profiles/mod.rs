//! Business profiles: what kind of business the books belong to.
//!
//! A profile is data — account names, the revenue and spending mix, seasonality, counterparty
//! vocabulary, categories — plus a calendar of recurring payments. The machinery that turns
//! it into books (streams, documents, planting, cash balancing, finishing) is shared, so every
//! profile gives the same [`Truth`](crate::Truth) guarantees.

mod coffee;
mod dental;

use crate::categories::Cat;
use crate::generate::Gen;
use crate::trades::{Trade, Who};
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The kind of business whose books are generated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Profile {
    /// A coffee roaster with a cafe counter, markets, an online shop and wholesale accounts.
    #[default]
    CoffeeRoaster,
    /// A dental practice: patient card payments, insurance reimbursements, supplies, labs.
    DentalPractice,
}

impl Profile {
    /// Every profile, in declaration order.
    pub const ALL: [Profile; 2] = [Profile::CoffeeRoaster, Profile::DentalPractice];

    /// The serde name: `coffee_roaster` or `dental_practice`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Profile::CoffeeRoaster => "coffee_roaster",
            Profile::DentalPractice => "dental_practice",
        }
    }

    /// A business name that fits the profile.
    #[must_use]
    pub fn default_business_name(self) -> &'static str {
        match self {
            Profile::CoffeeRoaster => "Northwind Coffee Roasters",
            Profile::DentalPractice => "Harbor Dental Studio",
        }
    }

    pub(crate) fn spec(self) -> &'static Spec {
        match self {
            Profile::CoffeeRoaster => &coffee::SPEC,
            Profile::DentalPractice => &dental::SPEC,
        }
    }
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The profile name was not recognised.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown business profile {0:?} (expected coffee_roaster or dental_practice)")]
pub struct UnknownProfile(pub String);

impl FromStr for Profile {
    type Err = UnknownProfile;

    /// Accepts the serde names, with `-` for `_`, and the short forms `coffee` and `dental`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().replace('-', "_").as_str() {
            "coffee_roaster" | "coffee" => Ok(Profile::CoffeeRoaster),
            "dental_practice" | "dental" => Ok(Profile::DentalPractice),
            _ => Err(UnknownProfile(s.to_owned())),
        }
    }
}

/// How the monthly bank lines split between streams, and what a card sale looks like.
pub(crate) struct Mix {
    /// Bank lines per month that do not grow with the business (fees, payouts, payroll...).
    pub fixed_per_month: f64,
    /// Variable bank lines per month of a "small business" (scale 1).
    pub small_variable_per_month: f64,
    /// Shares of the variable lines: card sales, card spend, other checking spend,
    /// invoices, bills.
    pub sales: f64,
    pub card: f64,
    pub misc: f64,
    pub invoices: f64,
    pub bills: f64,
    /// Card sale amounts are drawn as `lo + (hi - lo) * u^3` cents.
    pub sale_lo: f64,
    pub sale_hi: f64,
    /// Share of revenue from card sales (the rest is invoiced).
    pub retail_share: f64,
}

/// Card sales through the payment processor.
pub(crate) struct Sales {
    /// Customers at scale 1 (grows with the square root of the scale).
    pub customers: f64,
    pub category: Cat,
    pub processor: &'static str,
    /// Descriptions; the last one is drawn 80% of the time.
    pub channels: [&'static str; 3],
    pub fee_desc: &'static str,
    pub payout_desc: &'static str,
    /// Processing fee: per mille of the day's takings plus cents per sale.
    pub fee_permille: i64,
    pub fee_fixed: i64,
}

/// Invoiced revenue: who is invoiced and how they pay.
pub(crate) struct Invoices {
    pub customers: Who,
    pub category: Cat,
    /// Chance that a customer (after the first two) is very late, and late at all.
    pub late_odds: (f64, f64),
    pub prefix: &'static str,
    /// Bank line description, followed by the document number.
    pub desc: &'static str,
}

/// One kind of supplier bill.
pub(crate) struct BillKind {
    pub category: Cat,
    pub who: Who,
    /// Suppliers at scale 1 (grows with the square root of the scale).
    pub suppliers: f64,
    /// Share of bills by count, and share of revenue.
    pub count_share: f64,
    pub revenue_share: f64,
    pub terms: u64,
}

/// Everyday spending: (category, trade, weight by count, low and high amount in cents,
/// description).
pub(crate) type Kind = (Cat, Trade, f64, f64, f64, &'static str);

/// Everything the shared machinery needs to know about a kind of business.
pub(crate) struct Spec {
    /// Checking, savings, credit card, processor clearing.
    pub accounts: [&'static str; 4],
    pub mix: Mix,
    /// Relative activity by month of year.
    pub month_factor: [f64; 12],
    /// Relative card sales by date (0 when closed).
    pub weekday_factor: fn(NaiveDate) -> f64,
    pub sales: Sales,
    pub invoices: Invoices,
    pub bills: [BillKind; 3],
    pub card_kinds: &'static [Kind],
    pub checking_kinds: &'static [Kind],
    /// Shares of revenue spent through the card and checking spend streams.
    pub card_share: f64,
    pub checking_share: f64,
    /// The card kind (by category) that gets one abnormal month, and its description.
    pub abnormal: (Cat, &'static str),
    /// Who sells the large one-off purchase (never seen elsewhere), and its description.
    pub large_purchase: (Who, &'static str),
    /// Pushes the recurring calendar: payroll, rent, subscriptions, utilities, taxes...
    pub calendar: fn(&mut Gen),
}

impl Spec {
    pub(crate) fn month_factor(&self, date: NaiveDate) -> f64 {
        self.month_factor[date.month0() as usize]
    }

    pub(crate) fn weekday_factor(&self, date: NaiveDate) -> f64 {
        (self.weekday_factor)(date)
    }
}
