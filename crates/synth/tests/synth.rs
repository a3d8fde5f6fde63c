//! The integration tests of flowsense-synth (one binary).

#[path = "synth/books.rs"]
mod books_tests;
#[path = "synth/ending.rs"]
mod ending;
mod engine_vs_truth;
#[path = "synth/forecast.rs"]
mod forecast;
#[path = "synth/ledger_tools.rs"]
mod ledger_tools;
#[path = "synth/planted.rs"]
mod planted;
#[path = "synth/profiles.rs"]
mod profiles;

use flowsense_synth::{GenConfig, GeneratedBooks, Profile, generate};

/// Coffee roaster books (the default profile).
pub fn books(seed: u64, transactions: usize) -> GeneratedBooks {
    generate(&GenConfig::new(seed, transactions)).expect("a valid config")
}

/// Books of the given profile, everything else at its default.
pub fn books_for(profile: Profile, seed: u64, transactions: usize) -> GeneratedBooks {
    let config = GenConfig {
        profile,
        business_name: profile.default_business_name().to_owned(),
        ..GenConfig::new(seed, transactions)
    };
    generate(&config).expect("a valid config")
}

pub fn csv_bytes(books: &GeneratedBooks) -> Vec<u8> {
    let mut out = Vec::new();
    flowsense_synth::write_csv(books, &mut out).expect("writing to a Vec");
    out
}

/// Runs `check` on the books of every profile; a failure's captured output names the profile.
pub fn each_profile(seed: u64, transactions: usize, mut check: impl FnMut(&GeneratedBooks)) {
    for profile in Profile::ALL {
        eprintln!("profile {profile}, seed {seed}, {transactions} transactions");
        check(&books_for(profile, seed, transactions));
    }
}
