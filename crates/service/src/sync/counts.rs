//! How many syncs this instance ran to their end, by provider and outcome, for the metrics.
//! Counted in memory where a sync ends ([`super::sync_connection`]): storage keeps each
//! connection's last result only, not one row per run. Every instance counts its own runs
//! (Prometheus sums them); the labels are fixed lists, never a connection or an organisation.

use super::{SyncError, SyncReport};
use std::sync::atomic::{AtomicU64, Ordering};

/// The providers a sync can be of, as labelled (`other`: a provider name storage would refuse).
pub const SYNC_PROVIDERS: [&str; 3] = ["quickbooks", "xero", "other"];

/// How a sync can end, as labelled: `ok` (read to the end), `skipped` (the connection was dead
/// or disconnected, nothing read), `retry` (left to the job queue's retry), `permanent` (will
/// fail again), `dead` (the provider refused the refresh token), `storage` (the database
/// failed).
pub const SYNC_OUTCOMES: [&str; 6] = ["ok", "skipped", "retry", "permanent", "dead", "storage"];

/// The counters, one per provider and outcome.
#[derive(Debug, Default)]
pub struct SyncCounts {
    runs: [[AtomicU64; SYNC_OUTCOMES.len()]; SYNC_PROVIDERS.len()],
}

impl SyncCounts {
    /// Counts one sync of `provider` that ended with `result`.
    pub fn count(&self, provider: &str, result: &Result<SyncReport, SyncError>) {
        let outcome = match result {
            Ok(report) if report.skipped => "skipped",
            Ok(_) => "ok",
            Err(SyncError::Retry(_)) => "retry",
            Err(SyncError::Permanent(_)) => "permanent",
            Err(SyncError::Dead) => "dead",
            Err(SyncError::Storage(_)) => "storage",
        };
        let index = |labels: &[&str], label: &str| labels.iter().position(|l| *l == label);
        let p = index(&SYNC_PROVIDERS, provider)
            .filter(|p| SYNC_PROVIDERS[*p] != "other")
            .unwrap_or(SYNC_PROVIDERS.len() - 1);
        let o = index(&SYNC_OUTCOMES, outcome).unwrap_or_default();
        self.runs[p][o].fetch_add(1, Ordering::Relaxed);
    }

    /// Every counter: provider, outcome, syncs.
    pub fn snapshot(&self) -> impl Iterator<Item = (&'static str, &'static str, u64)> + '_ {
        SYNC_PROVIDERS
            .iter()
            .enumerate()
            .flat_map(move |(p, provider)| {
                SYNC_OUTCOMES.iter().enumerate().map(move |(o, outcome)| {
                    (*provider, *outcome, self.runs[p][o].load(Ordering::Relaxed))
                })
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_run_lands_under_its_provider_and_outcome() {
        let counts = SyncCounts::default();
        counts.count("xero", &Ok(SyncReport::default()));
        counts.count("xero", &Err(SyncError::Retry("503".into())));
        counts.count(
            "quickbooks",
            &Ok(SyncReport {
                skipped: true,
                ..SyncReport::default()
            }),
        );
        counts.count("sage", &Err(SyncError::Dead));
        let seen: Vec<_> = counts.snapshot().filter(|(_, _, n)| *n > 0).collect();
        assert_eq!(
            seen,
            [
                ("quickbooks", "skipped", 1),
                ("xero", "ok", 1),
                ("xero", "retry", 1),
                ("other", "dead", 1),
            ]
        );
    }
}
