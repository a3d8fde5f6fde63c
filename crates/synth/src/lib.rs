//! Deterministic synthetic books for a small business: the engine behind `flowsense gen`
//! and the `flowsense demo` data.
//!
//! [`generate`] turns a [`GenConfig`] into [`GeneratedBooks`]: bank accounts with opening
//! balances, a year or more of transactions with weekly and yearly seasonality, invoices and
//! bills, and a [`Truth`] listing what was planted (a duplicated payment, a large one-off
//! purchase, a subscription price increase, recurring series, late-paying customers and one
//! abnormal month) so analytics can be scored for precision and recall.
//! The same config always yields byte-identical output.
//!
//! [`generate_ending`] writes an exact number of lines ending on a chosen day (the CLI and the
//! demo use it), and [`write_csv_with_opening_balances`] a file that imports on its own.
//!
//! [`GenConfig::profile`] picks the kind of business ([`Profile::CoffeeRoaster`], the default,
//! or [`Profile::DentalPractice`]); every profile plants the same kinds of truth.

mod categories;
mod config;
mod convert;
mod currencies;
mod ending;
mod generate;
mod journal;
mod model;
mod names;
mod profiles;
mod trades;
mod writers;

pub use categories::is_income_category;
pub use config::{GenConfig, GenError, MAX_MONTHS, MAX_TRANSACTIONS};
pub use convert::to_books;
pub use currencies::{
    CurrenciesError, MonthRate, account_name, parse_currencies, spread_currencies, write_rates_csv,
};
pub use ending::generate_ending;
pub use generate::generate;
pub use journal::{account_segment, write_journal};
pub use model::{
    AbnormalMonth, AccountKind, Cadence, DocKind, DuplicatePayment, GenAccount, GenDoc, GenTxn,
    GeneratedBooks, LargePurchase, LatePayer, PriceIncrease, RecurringSeries, Truth,
};
pub use profiles::{Profile, UnknownProfile};
pub use writers::{
    OPENING_BALANCE, write_csv, write_csv_with_opening_balances, write_documents_csv,
};
