//! What the sync engine reads from: a provider's books as pages of [`BookChange`]s, each with
//! the cursor that resumes after it. A provider implements [`Source`] once (QuickBooks and
//! Xero); the engine applies each page with its cursor in one transaction.

use flowsense_core::synced::BookChange;
use futures_util::future::BoxFuture;
use secrecy::SecretString;
use std::time::Duration;

/// One page read from a provider.
#[derive(Debug, Clone)]
pub struct Page {
    pub changes: Vec<BookChange>,
    /// Where the next read starts, stored with this page's changes. The source's own format
    /// (only that source reads it back).
    pub cursor: String,
}

/// Why a read failed, by what the engine does about it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SourceError {
    /// The access token was refused: refresh it and read again.
    #[error("the provider refused the access token")]
    ReauthNeeded,
    /// Consent revoked or refresh token expired: only reconnecting helps; never retried.
    #[error("the connection is dead: {0}")]
    Dead(String),
    /// Throttled: read again after `retry_after` (the provider's `Retry-After`).
    #[error("the provider is throttling the reads")]
    Throttled { retry_after: Option<Duration> },
    /// A 5xx, a timeout or a network failure after the client's own retries: retry later.
    #[error("the provider is unavailable: {0}")]
    Unavailable(String),
    /// Will fail again however often it runs (a refused request, an answer we cannot read).
    #[error("the provider refused the sync: {0}")]
    Permanent(String),
}

/// A provider's books, read a page at a time from a stored cursor (`None`: never synced, a
/// backfill). One value serves one sync run.
pub trait Source: Send {
    /// The next page of this run, read with `access_token`; `None` once the run is complete
    /// (the last page's cursor is then the one the next run starts from). After an error the
    /// same call may be repeated: the source resumes from the last page it returned.
    fn next_page<'a>(
        &'a mut self,
        access_token: &'a SecretString,
    ) -> BoxFuture<'a, Result<Option<Page>, SourceError>>;

    /// Requests made to the provider so far in this run.
    fn requests(&self) -> usize;
}
