//! The sample file the welcome step offers is what the generator writes for its settings, so
//! it stays realistic as the generator improves (regenerate it when this fails).

use flowsense_synth::{GenConfig, generate, write_csv};

/// Six months of a coffee roaster's bank account.
fn sample_config() -> GenConfig {
    GenConfig::new(7, 1_200)
}

#[test]
fn the_sample_books_are_the_generators_output() {
    let books = generate(&sample_config()).expect("books");
    let mut csv = Vec::new();
    write_csv(&books, &mut csv).expect("csv");
    let committed = include_str!("../../../assets/sample-books.csv");
    assert_eq!(sample_config().effective_months(), 6);
    assert!(
        String::from_utf8(csv).expect("utf-8") == committed,
        "crates/web/assets/sample-books.csv is not what the generator writes: regenerate it with \
         `cargo run -p flowsense-synth --example gen -- 1200 crates/web/assets/sample-books.csv 7` \
         (and delete the .documents.csv and .journal files it writes beside it)"
    );
}
