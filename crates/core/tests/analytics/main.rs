//! The analytics engine's integration tests: properties over random books, hand-built books
//! for each rule, and a realistic synthetic business with planted oddities.

mod anomaly_cases;
mod books_builder;
mod extreme_books;
mod extreme_cases;
mod financing_cases;
mod forecast_cases;
mod forecast_methods;
mod hidden_history;
mod ledger_cases;
mod properties;
mod recurring_cases;
mod report_cases;
mod synthetic;
mod whatif;
