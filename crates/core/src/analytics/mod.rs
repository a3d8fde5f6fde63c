//! The analytics engine: pure functions from [`crate::Books`] to serialisable reports.
//!
//! Money stays exact: every sum runs in `i128` and is narrowed (saturating) to `i64` minor
//! units only in the result. Averages and forecasts may use `f64` inside and round once.
//! No function here panics, whatever the books hold.

pub mod aging;
pub mod anomalies;
mod anomaly_rules;
pub mod backtest;
pub mod cash_position;
pub mod cashflow;
mod cashflow_accumulate;
mod cashflow_parts;
mod category_spikes;
pub mod dates;
mod doc_matching;
pub mod forecast;
mod forecast_baseline;
mod forecast_calibration;
mod forecast_known;
pub mod forecast_methods;
pub mod forecast_model;
pub mod forecast_whatif;
pub mod recurring;
pub mod recurring_schedule;
pub mod render;
pub mod report;
pub mod runway;
pub mod stats;
pub mod tabulate;

pub use aging::{AgingReport, aging};
pub use anomalies::{Anomaly, AnomalyKind, Severity, anomalies};
pub use backtest::{Backtest, backtest};
pub use cash_position::{CashPosition, cash_at, cash_position, rollup_day};
pub use cashflow::{CashflowReport, Flow, FlowShare, cashflow, cashflow_of_parts, flow_shares};
pub use cashflow_parts::CashflowParts;
pub use dates::{Period, default_as_of};
pub use forecast::{Band, ForecastReport, ForecastWeek, forecast, forecast_with};
pub use forecast_baseline::Stream as ForecastStream;
pub use forecast_model::{ForecastModel, MethodError, StreamModel};
pub use forecast_whatif::{FlowSide, MonthlyChange, OneOff, Scenario};
pub use recurring::{Cadence, RecurringItem, RecurringReport, recurring};
pub use recurring_schedule::Schedule;
pub use render::{defuse_formula, to_compact_json, to_csv, to_json, to_table};
pub use report::{
    Report, ReportBody, ReportKind, ReportOptions, cashflow_parts, cashflow_report, run_report,
};
pub use runway::{RunwayReport, RunwayStatus, runway};
