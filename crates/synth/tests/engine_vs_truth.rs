//! The analytics engine scored against what the generator planted: precision and recall of
//! anomalies, recurring series and the price change on both profiles and several seeds and
//! sizes, and the engine's monthly cash flow per bank account against hledger's.
//!
//! `cargo test -p flowsense-synth --test engine_vs_truth -- --nocapture` prints the tables.
//! `FLOWSENSE_SHOW_MISSES=1` also lists every false positive and miss.

#[path = "engine_vs_truth/hledger.rs"]
mod hledger;
#[path = "engine_vs_truth/score.rs"]
mod score;

use flowsense_synth::{GenConfig, GeneratedBooks, Profile, generate};

/// Books of the given profile, everything else at its default.
pub fn books_for(profile: Profile, seed: u64, transactions: usize) -> GeneratedBooks {
    let config = GenConfig {
        profile,
        business_name: profile.default_business_name().to_owned(),
        ..GenConfig::new(seed, transactions)
    };
    generate(&config).expect("a valid config")
}
