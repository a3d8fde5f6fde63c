//! The analytics engine scored against what the generator planted: precision and recall of
//! anomalies, recurring series and the price change on both profiles and several seeds and
//! sizes, and the engine's monthly cash flow per bank account against hledger's.
//!
//! `cargo test -p flowsense-synth --test synth engine_vs_truth -- --nocapture` prints the tables.
//! `FLOWSENSE_SHOW_MISSES=1` also lists every false positive and miss.

mod hledger;
mod score;
