//! The analytics every page of the books shows, computed once per organisation and books
//! version and shared by the dashboard, the analysis pages, the JSON reports and the warm-up
//! (kept in the [`AnalyticsCache`]).

use crate::analytics_cache::{AnalyticsCache, BooksKey};
use chrono::{NaiveDate, TimeDelta};
use flowsense_core::analytics::anomalies::AnomaliesReport;
use flowsense_core::analytics::{
    AgingReport, CashflowReport, ForecastReport, RecurringReport, Report, ReportBody, ReportKind,
    ReportOptions, RunwayReport, default_as_of, run_report, runway, to_compact_json,
};
use flowsense_core::{Books, Currency};
use flowsense_storage::{Organisation, StorageError, Store};
use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// Why an analysis could not be had.
#[derive(Debug, thiserror::Error)]
pub enum AnalysisError {
    #[error("the books could not be loaded: {0}")]
    Storage(#[from] StorageError),
    /// The computation panicked or was cancelled.
    #[error("the analysis stopped unexpectedly")]
    Interrupted(#[source] tokio::task::JoinError),
}

/// One organisation's books at one version, and the reports computed from them on demand.
pub struct Analysis {
    pub books: Books,
    /// The reports' "today": the last transaction's date (1970-01-01 for empty books).
    pub as_of: NaiveDate,
    reports: [OnceLock<Report>; ReportKind::ALL.len()],
    /// The default-option reports as served, serialised (and compressed) once.
    report_json: [OnceLock<ReportDocument>; ReportKind::ALL.len()],
    runway_month_ago: OnceLock<RunwayReport>,
    /// What the pages derive from the reports (see [`Analysis::view`]).
    views: Views,
}

/// One slot per view: the slot is made under the lock, the view computed outside it, once.
type ViewSlot = Arc<OnceLock<Arc<dyn Any + Send + Sync>>>;

/// The views derived from one analysis, by name and type.
#[derive(Default)]
struct Views(Mutex<HashMap<(&'static str, TypeId), ViewSlot>>);

impl Views {
    fn slot(&self, key: (&'static str, TypeId)) -> ViewSlot {
        // Each step under the lock is one lookup or insert: a poisoned map is still whole.
        let mut map = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        map.entry(key).or_default().clone()
    }
}

impl std::fmt::Debug for Analysis {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Financial data stays out of logs and panics.
        f.debug_struct("Analysis")
            .field("as_of", &self.as_of)
            .field("transactions", &self.books.txns.len())
            .finish_non_exhaustive()
    }
}

/// A report document as served: its JSON, and the same compressed with gzip when it is large
/// enough to gain from it (a cash-flow report of a few years is a few hundred kilobytes, its
/// gzip about a sixth of that). Both are shared bytes: serving either copies nothing.
#[derive(Clone, Debug)]
pub struct ReportDocument {
    pub json: bytes::Bytes,
    /// `None` for a document under [`ReportDocument::COMPRESS_FROM`] bytes.
    pub gzip: Option<bytes::Bytes>,
}

impl ReportDocument {
    /// Documents smaller than this are served as they are: their gzip would save less than a
    /// network packet.
    pub const COMPRESS_FROM: usize = 1400;

    /// `json` and, when large enough, its gzip. CPU work: call it off the async threads.
    #[must_use]
    pub fn of(json: Vec<u8>) -> Self {
        Self::plain(json).compressed()
    }

    /// `json` alone, for an answer made for one request.
    #[must_use]
    pub fn plain(json: Vec<u8>) -> Self {
        Self {
            json: json.into(),
            gzip: None,
        }
    }

    /// The same with its gzip, when it is large enough and has none yet. CPU work: call it off
    /// the async threads.
    #[must_use]
    pub fn compressed(mut self) -> Self {
        if self.gzip.is_none() && self.json.len() >= Self::COMPRESS_FROM {
            self.gzip = Some(gzip(&self.json).into());
        }
        self
    }
}

/// `bytes` compressed with gzip at the default level (about 3 ms for 200 kB).
fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(
        Vec::with_capacity(bytes.len() / 8),
        flate2::Compression::default(),
    );
    // Writing to a Vec cannot fail.
    let _ = encoder.write_all(bytes);
    encoder.finish().unwrap_or_default()
}

fn kind_index(kind: ReportKind) -> usize {
    ReportKind::ALL
        .iter()
        .position(|k| *k == kind)
        .unwrap_or_default()
}

impl Analysis {
    #[must_use]
    pub fn new(books: Books) -> Self {
        Self {
            as_of: default_as_of(&books).unwrap_or_default(),
            books,
            reports: std::array::from_fn(|_| OnceLock::new()),
            report_json: std::array::from_fn(|_| OnceLock::new()),
            runway_month_ago: OnceLock::new(),
            views: Views::default(),
        }
    }

    #[must_use]
    pub fn currency(&self) -> Currency {
        self.books.currency
    }

    #[must_use]
    pub fn has_data(&self) -> bool {
        !self.books.txns.is_empty()
    }

    /// The report of `kind` with default options: exactly what
    /// `GET /api/v1/orgs/{org}/reports/{kind}` and `flowsense report KIND` return. CPU work on
    /// first use: call it off the async threads.
    #[must_use]
    pub fn report(&self, kind: ReportKind) -> &Report {
        self.reports[kind_index(kind)]
            .get_or_init(|| run_report(&self.books, kind, &ReportOptions::default()))
    }

    /// The report for `options` as served: for the defaults, serialised and compressed once per
    /// books version and shared; for any other options, computed afresh, uncompressed (see
    /// [`ReportDocument::compressed`]).
    #[must_use]
    pub fn report_json(&self, kind: ReportKind, options: &ReportOptions) -> ReportDocument {
        if *options == ReportOptions::default() {
            self.report_json[kind_index(kind)]
                .get_or_init(|| ReportDocument::of(to_compact_json(self.report(kind))))
                .clone()
        } else {
            ReportDocument::plain(to_compact_json(&run_report(&self.books, kind, options)))
        }
    }

    /// The report for `options` when it is ready without CPU work (the defaults' report, once
    /// serialised): an answer that needs no trip to the blocking pool.
    #[must_use]
    pub fn ready_report_json(
        &self,
        kind: ReportKind,
        options: &ReportOptions,
    ) -> Option<ReportDocument> {
        if *options == ReportOptions::default() {
            self.report_json[kind_index(kind)].get().cloned()
        } else {
            None
        }
    }

    /// What a page derives from these books, computed by `compute` on first use and then
    /// shared by every request for the same books version; a newer version is a new
    /// [`Analysis`], so the view is recomputed after every import, sync, edit or purge.
    /// Callers that ask at the same time wait for the one computation (they run on the
    /// blocking pool, see [`with_analysis`]). `name` tells apart views of the same type.
    ///
    /// `compute` must depend on the books only (not on the request or the clock).
    pub fn view<T: Any + Send + Sync>(
        &self,
        name: &'static str,
        compute: impl FnOnce(&Analysis) -> T,
    ) -> Arc<T> {
        let slot = self.views.slot((name, TypeId::of::<T>()));
        let any = slot
            .get_or_init(|| Arc::new(compute(self)) as Arc<dyn Any + Send + Sync>)
            .clone();
        // The slot is keyed by `T`'s type, so the value is a `T`.
        any.downcast::<T>()
            .unwrap_or_else(|_| unreachable!("a view of the type it is keyed by"))
    }

    #[must_use]
    pub fn cashflow(&self) -> &CashflowReport {
        match &self.report(ReportKind::Cashflow).report {
            ReportBody::Cashflow(r) => r,
            _ => unreachable!("a cashflow report"),
        }
    }

    #[must_use]
    pub fn forecast(&self) -> &ForecastReport {
        match &self.report(ReportKind::Forecast).report {
            ReportBody::Forecast(r) => r,
            _ => unreachable!("a forecast report"),
        }
    }

    #[must_use]
    pub fn runway(&self) -> &RunwayReport {
        match &self.report(ReportKind::Runway).report {
            ReportBody::Runway(r) => r,
            _ => unreachable!("a runway report"),
        }
    }

    #[must_use]
    pub fn anomalies(&self) -> &AnomaliesReport {
        match &self.report(ReportKind::Anomalies).report {
            ReportBody::Anomalies(r) => r,
            _ => unreachable!("an anomalies report"),
        }
    }

    #[must_use]
    pub fn recurring(&self) -> &RecurringReport {
        match &self.report(ReportKind::Recurring).report {
            ReportBody::Recurring(r) => r,
            _ => unreachable!("a recurring report"),
        }
    }

    /// The counterparties of the recurring payments still going on: the names a what-if may
    /// drop.
    #[must_use]
    pub fn active_recurring_names(&self) -> Vec<String> {
        self.recurring()
            .items
            .iter()
            .filter(|i| i.active)
            .map(|i| i.counterparty.clone())
            .collect()
    }

    #[must_use]
    pub fn aging(&self) -> &AgingReport {
        match &self.report(ReportKind::Aging).report {
            ReportBody::Aging(r) => r,
            _ => unreachable!("an aging report"),
        }
    }

    /// Runway as it stood 30 days before `as_of`, to say how it changed.
    #[must_use]
    pub fn runway_month_ago(&self) -> &RunwayReport {
        self.runway_month_ago.get_or_init(|| {
            // Books at the very start of the calendar have no month before them.
            let month_ago = self
                .as_of
                .checked_sub_signed(TimeDelta::days(30))
                .unwrap_or(NaiveDate::MIN);
            runway(&self.books, month_ago)
        })
    }

    /// Computes every report the dashboard and the analysis pages show. CPU work: call it off
    /// the async threads.
    pub fn compute_all(&self) {
        for kind in ReportKind::ALL {
            let _ = self.report_json(kind, &ReportOptions::default());
        }
        let _ = self.runway_month_ago();
    }

    /// Every report is computed: a page finds them ready.
    #[must_use]
    pub fn is_complete(&self) -> bool {
        self.reports.iter().all(|r| r.get().is_some())
            && self.report_json.iter().all(|r| r.get().is_some())
            && self.runway_month_ago.get().is_some()
    }
}

/// The analysis of `org`'s books at their current version: from `cache`, or loaded from `store`
/// (once, however many callers ask at the same time) and kept. All of the history: what the
/// organisation's plan shows is [`shown_analysis`].
///
/// # Errors
/// A database failure while loading the books.
pub async fn analysis(
    store: &Store,
    cache: &AnalyticsCache,
    org: &Organisation,
) -> Result<Arc<Analysis>, AnalysisError> {
    analysis_from(store, cache, org, None).await
}

/// The analysis of `org`'s books with history from `shown_from` on only
/// ([`flowsense_core::Books::hide_before`]); `None` shows everything.
async fn analysis_from(
    store: &Store,
    cache: &AnalyticsCache,
    org: &Organisation,
    shown_from: Option<NaiveDate>,
) -> Result<Arc<Analysis>, AnalysisError> {
    let key = BooksKey {
        version: org.books_version,
        currency: org.settings.base_currency,
        shown_from,
    };
    let cell = cache.cell(org.id, key);
    // Whether this call loaded the books (one that waited for another's load did not).
    let loaded_here = std::sync::atomic::AtomicBool::new(false);
    let loaded = if let Some(ready) = cell.get() {
        ready.clone()
    } else {
        // Boxed: loading the books is a large future, which the common case (the books in
        // memory) would otherwise carry inline and copy each time the request's future moves.
        Box::pin(cell.get_or_try_init(|| async {
            loaded_here.store(true, std::sync::atomic::Ordering::Relaxed);
            cache.count_load();
            let mut books = store.load_books(org.id).await?;
            if let Some(start) = shown_from {
                books.hide_before(start);
            }
            Ok::<_, AnalysisError>(Arc::new(Analysis::new(books)))
        }))
        .await?
        .clone()
    };
    if !loaded_here.load(std::sync::atomic::Ordering::Relaxed) {
        cache.count_hit();
    }
    cache.settle(
        org.id,
        key,
        loaded.books.txns.len() + loaded.books.documents.len(),
    );
    Ok(loaded)
}

/// The analysis of `org`'s books as its plan shows them: every report, page, export and
/// answer that shows history goes through here, so none shows months the plan hides (they are
/// kept, and shown again once the plan allows). Also returns the first day shown, when the
/// plan limits history.
///
/// # Errors
/// A database failure.
pub async fn shown_analysis(
    ctx: &crate::Context,
    org: &Organisation,
) -> Result<(Arc<Analysis>, Option<NaiveDate>), AnalysisError> {
    let shown_from = crate::billing::history_start(ctx, org.id).await?;
    let a = analysis_from(&ctx.store, &ctx.analytics, org, shown_from).await?;
    Ok((a, shown_from))
}

/// Runs `f` over the organisation's analysis on the blocking pool (the engine is CPU work).
/// All of the history; what the plan shows is [`with_shown_analysis`].
///
/// # Errors
/// A database failure while loading the books; a panic inside `f`.
pub async fn with_analysis<T: Send + 'static>(
    store: &Store,
    cache: &AnalyticsCache,
    org: &Organisation,
    f: impl FnOnce(&Analysis) -> T + Send + 'static,
) -> Result<T, AnalysisError> {
    let a = analysis(store, cache, org).await?;
    run_blocking(a, f).await
}

/// Runs `f` over the organisation's analysis as its plan shows it ([`shown_analysis`]), on
/// the blocking pool.
///
/// # Errors
/// A database failure while loading the books; a panic inside `f`.
pub async fn with_shown_analysis<T: Send + 'static>(
    ctx: &crate::Context,
    org: &Organisation,
    f: impl FnOnce(&Analysis) -> T + Send + 'static,
) -> Result<T, AnalysisError> {
    let (a, _) = shown_analysis(ctx, org).await?;
    run_blocking(a, f).await
}

/// Runs `f` over `a` on the blocking pool (the engine is CPU work).
///
/// # Errors
/// A panic inside `f`.
pub async fn run_blocking<T: Send + 'static>(
    a: Arc<Analysis>,
    f: impl FnOnce(&Analysis) -> T + Send + 'static,
) -> Result<T, AnalysisError> {
    tokio::task::spawn_blocking(move || f(&a))
        .await
        .map_err(AnalysisError::Interrupted)
}

/// The organisation `who` reads, and `f` run over its analysis as its plan shows it: what
/// every analysis page and the reports API call.
///
/// No span of its own: the request's span carries the organisation and the user.
///
/// # Errors
/// A database failure; a panic inside `f`.
pub async fn read_org_analysis<T: Send + 'static>(
    ctx: &crate::Context,
    who: &crate::orgs::OrgAccess,
    f: impl FnOnce(&Analysis) -> T + Send + 'static,
) -> Result<(Organisation, T), AnalysisError> {
    let org = crate::orgs::lifecycle::organisation_as_checked(ctx, who).await?;
    let value = with_shown_analysis(ctx, &org, f).await?;
    Ok((org, value))
}

/// The organisation `who` reads and its analysis as its plan shows it, for a caller that
/// answers from what is ready ([`Analysis::ready_report_json`]) and runs anything else with
/// [`run_blocking`].
///
/// No span of its own, as [`read_org_analysis`].
///
/// # Errors
/// A database failure.
pub async fn org_analysis(
    ctx: &crate::Context,
    who: &crate::orgs::OrgAccess,
) -> Result<(Organisation, Arc<Analysis>), AnalysisError> {
    let org = crate::orgs::lifecycle::organisation_as_checked(ctx, who).await?;
    let (a, _) = shown_analysis(ctx, &org).await?;
    Ok((org, a))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn a_view_is_computed_once_however_many_ask_at_the_same_time() {
        let a = Arc::new(Analysis::new(Books::new(Currency::USD)));
        let runs = Arc::new(AtomicUsize::new(0));
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let (a, runs) = (a.clone(), runs.clone());
                std::thread::spawn(move || {
                    a.view("slow", |_| {
                        runs.fetch_add(1, Ordering::SeqCst);
                        std::thread::sleep(std::time::Duration::from_millis(50));
                        7_u32
                    })
                })
            })
            .collect();
        for t in threads {
            assert_eq!(*t.join().expect("thread"), 7);
        }
        assert_eq!(
            runs.load(Ordering::SeqCst),
            1,
            "one computation for eight callers"
        );
        // Another name, or another type under the same name, is another view.
        assert_eq!(*a.view("other", |_| 8_u32), 8);
        assert_eq!(*a.view("slow", |_| "text"), "text");
        assert_eq!(*a.view("slow", |_| 9_u32), 7, "still the first");
    }

    #[test]
    fn a_large_document_is_served_with_its_gzip_and_a_small_one_as_it_is() {
        use std::io::Read;
        let large = format!("[{}0]", "1234567,".repeat(1000));
        let body = ReportDocument::of(large.clone().into_bytes());
        let mut unzipped = String::new();
        flate2::read::GzDecoder::new(&body.gzip.expect("compressed")[..])
            .read_to_string(&mut unzipped)
            .expect("gzip");
        assert_eq!(unzipped, large);
        assert_eq!(body.json, large.as_bytes());
        let small = "x".repeat(ReportDocument::COMPRESS_FROM - 1);
        assert!(
            ReportDocument::of(small.clone().into_bytes())
                .gzip
                .is_none()
        );
        assert!(
            ReportDocument::of((small + "x").into_bytes())
                .gzip
                .is_some(),
            "from the threshold on"
        );
        assert!(ReportDocument::plain(large.into_bytes()).gzip.is_none());
    }

    #[test]
    fn the_default_report_json_is_serialised_once_and_other_options_afresh() {
        let a = Analysis::new(Books::new(Currency::USD));
        let first = a
            .report_json(ReportKind::Runway, &ReportOptions::default())
            .json;
        let again = a
            .report_json(ReportKind::Runway, &ReportOptions::default())
            .json;
        assert_eq!(first.as_ptr(), again.as_ptr(), "the same bytes, shared");
        let other = ReportOptions {
            period: flowsense_core::analytics::Period::Week,
            ..ReportOptions::default()
        };
        let fresh = a.report_json(ReportKind::Cashflow, &other).json;
        assert_ne!(
            fresh.as_ptr(),
            a.report_json(ReportKind::Cashflow, &other).json.as_ptr()
        );
        assert!(
            a.ready_report_json(ReportKind::Forecast, &ReportOptions::default())
                .is_none(),
            "not serialised yet"
        );
        assert_eq!(
            a.ready_report_json(ReportKind::Runway, &ReportOptions::default())
                .map(|b| b.json.as_ptr()),
            Some(first.as_ptr())
        );
        assert!(a.ready_report_json(ReportKind::Cashflow, &other).is_none());
        assert!(!a.is_complete());
        a.compute_all();
        assert!(a.is_complete());
    }
}
