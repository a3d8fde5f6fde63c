//! The sample books a new owner can download to try FlowSense: six months of a made-up coffee
//! roaster's bank accounts ending today, opening balances first, generated on request so the
//! first dashboard is current whatever day it is.

use chrono::NaiveDate;
use flowsense_synth::{GenConfig, generate_ending, write_csv_with_opening_balances};

/// Fixed, so the same day always gives the same file.
const SAMPLE_SEED: u64 = 7;
/// About six months of a small roaster's bank lines.
const SAMPLE_TRANSACTIONS: usize = 1_200;

/// The sample's generator settings.
#[must_use]
pub fn sample_books_config() -> GenConfig {
    GenConfig::new(SAMPLE_SEED, SAMPLE_TRANSACTIONS)
}

/// The sample books ending on `today`, as CSV (the same bytes for the same day).
///
/// # Errors
/// Never for the fixed settings; a generator refusal would be a bug, reported as such.
pub fn sample_books_csv(today: NaiveDate) -> Result<Vec<u8>, SampleError> {
    let books = generate_ending(&sample_books_config(), today)?;
    let mut csv = Vec::with_capacity(96 * SAMPLE_TRANSACTIONS);
    write_csv_with_opening_balances(&books, &mut csv)?;
    Ok(csv)
}

/// The sample for the context's today, generated on the blocking pool (a few milliseconds).
///
/// # Errors
/// A generator failure or an interrupted task.
pub async fn todays_sample_books(ctx: &crate::Context) -> Result<Vec<u8>, SampleError> {
    let today = ctx.now().date_naive();
    tokio::task::spawn_blocking(move || sample_books_csv(today))
        .await
        .map_err(SampleError::Interrupted)?
}

/// Why the sample could not be written.
#[derive(Debug, thiserror::Error)]
pub enum SampleError {
    #[error("generating the sample books")]
    Generate(#[from] flowsense_synth::GenError),
    #[error("writing the sample books")]
    Write(#[from] std::io::Error),
    #[error("the sample books task was interrupted")]
    Interrupted(#[source] tokio::task::JoinError),
}
