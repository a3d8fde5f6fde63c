//! What the sync engine reads from: a provider's books as pages of [`BookChange`]s, each with
//! the cursor that resumes after it. A provider implements [`Source`] once (QuickBooks and
//! Xero); the engine applies each page with its cursor in one transaction.

use flowsense_core::synced::BookChange;
use flowsense_storage::FullRead;
use futures_util::future::BoxFuture;
use secrecy::SecretString;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::time::Duration;

/// How far before a run's start the next incremental run looks back (providers compare to the
/// second; a change seen twice is applied twice, which changes nothing).
pub const OVERLAP_SECONDS: i64 = 60;

/// A source's stored cursor, read back (`None`: never synced).
///
/// # Errors
/// [`SourceError::Permanent`] for a cursor this source did not write.
pub fn decode_cursor<C: DeserializeOwned>(stored: Option<&str>) -> Result<Option<C>, SourceError> {
    stored
        .map(serde_json::from_str::<C>)
        .transpose()
        .map_err(|_| SourceError::Permanent("the stored sync cursor is unreadable".into()))
}

/// A source's cursor, to store with the page it follows.
///
/// # Errors
/// [`SourceError::Permanent`] when it does not serialise.
pub fn encode_cursor<C: Serialize>(cursor: &C) -> Result<String, SourceError> {
    serde_json::to_string(cursor)
        .map_err(|_| SourceError::Permanent("the sync cursor does not serialise".into()))
}

/// One page read from a provider.
#[derive(Debug, Clone)]
pub struct Page {
    pub changes: Vec<BookChange>,
    /// Where the next read starts, stored with this page's changes. The source's own format
    /// (only that source reads it back).
    pub cursor: String,
    /// Set on the pages of a full read of the books (a backfill, or a re-read when changes can
    /// no longer be asked for): the page that completes it removes the rows it did not see.
    pub full_read: Option<FullReadPage>,
}

/// A page's place in a full read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FullReadPage {
    /// The read's name: when it began, the same on every page and after a resumption.
    pub run: String,
    /// The read is complete with this page.
    pub complete: bool,
}

impl FullReadPage {
    /// The read begun at `started`, complete or not.
    #[must_use]
    pub fn of_read_begun(started: chrono::DateTime<chrono::Utc>, complete: bool) -> Self {
        Self {
            run: started.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
            complete,
        }
    }

    /// As storage takes it.
    #[must_use]
    pub fn as_storage(&self) -> FullRead<'_> {
        FullRead {
            run: &self.run,
            complete: self.complete,
        }
    }
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
