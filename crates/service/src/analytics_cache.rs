//! The bounded per-organisation cache of [`Analysis`].
//!
//! The cache is keyed by the organisation and its `books_version`, which storage moves on in the
//! same transaction as every write to the books; the version is read before the books are
//! loaded, so an entry never holds books older than its key. Entries are bounded by count and by
//! the transactions they hold, least recently used first out. Each instance keeps its own cache;
//! since the version lives in the database, instances behind a load balancer stay correct.

use crate::analysis::Analysis;
use chrono::NaiveDate;
use flowsense_core::{Currency, OrgId};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// Organisations kept by default.
pub const DEFAULT_MAX_ORGS: usize = 64;
/// Transactions kept across all entries by default (about 40 bytes each, plus reports).
pub const DEFAULT_MAX_TRANSACTIONS: usize = 4_000_000;

/// What an entry was computed from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BooksKey {
    pub(crate) version: i64,
    pub(crate) currency: Currency,
    /// The first day of history shown, when the plan limits it
    /// ([`flowsense_core::Books::hide_before`]).
    pub(crate) shown_from: Option<NaiveDate>,
}

struct Slot {
    key: BooksKey,
    cell: Arc<tokio::sync::OnceCell<Arc<Analysis>>>,
    last_used: u64,
    /// Transactions held once loaded (0 while loading).
    weight: usize,
}

#[derive(Default)]
struct Slots {
    entries: HashMap<OrgId, Slot>,
    clock: u64,
}

/// The bounded per-organisation cache of [`Analysis`].
pub struct AnalyticsCache {
    slots: Mutex<Slots>,
    max_orgs: usize,
    max_transactions: usize,
    /// Books loaded from the database since start (each version of each organisation once,
    /// however many requests and warm-ups asked for it at the same time).
    loads: AtomicU64,
    /// Analyses served from the cache without loading the books (a request that waited for
    /// another's load of the same version counts here: it loaded nothing).
    hits: AtomicU64,
}

impl std::fmt::Debug for AnalyticsCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AnalyticsCache")
            .field("max_orgs", &self.max_orgs)
            .field("max_transactions", &self.max_transactions)
            .finish_non_exhaustive()
    }
}

impl Default for AnalyticsCache {
    fn default() -> Self {
        Self::new(DEFAULT_MAX_ORGS, DEFAULT_MAX_TRANSACTIONS)
    }
}

impl AnalyticsCache {
    #[must_use]
    pub fn new(max_orgs: usize, max_transactions: usize) -> Self {
        Self {
            slots: Mutex::new(Slots::default()),
            max_orgs: max_orgs.max(1),
            max_transactions,
            loads: AtomicU64::new(0),
            hits: AtomicU64::new(0),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Slots> {
        // The map stays consistent whatever a panicking holder did (each step is one insert or
        // remove), so a poisoned lock is taken over rather than failing every later request.
        self.slots
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The cell for `org` at `key`: the cached one when it is at least that version, else a new
    /// empty one replacing it.
    pub(crate) fn cell(
        &self,
        org: OrgId,
        key: BooksKey,
    ) -> Arc<tokio::sync::OnceCell<Arc<Analysis>>> {
        let mut slots = self.lock();
        slots.clock += 1;
        let now = slots.clock;
        match slots.entries.get_mut(&org) {
            // A newer entry than asked for holds books at least as fresh: serve it.
            Some(slot)
                if slot.key.currency == key.currency
                    && slot.key.shown_from == key.shown_from
                    && slot.key.version >= key.version =>
            {
                slot.last_used = now;
                slot.cell.clone()
            }
            _ => {
                let cell = Arc::new(tokio::sync::OnceCell::new());
                slots.entries.insert(
                    org,
                    Slot {
                        key,
                        cell: cell.clone(),
                        last_used: now,
                        weight: 0,
                    },
                );
                cell
            }
        }
    }

    /// Records the size of `org`'s loaded entry and evicts the least recently used others
    /// until the bounds hold again.
    pub(crate) fn settle(&self, org: OrgId, key: BooksKey, weight: usize) {
        let mut slots = self.lock();
        if let Some(slot) = slots.entries.get_mut(&org)
            && slot.key == key
        {
            slot.weight = weight;
        }
        loop {
            let total: usize = slots.entries.values().map(|s| s.weight).sum();
            if slots.entries.len() <= self.max_orgs && total <= self.max_transactions {
                break;
            }
            let victim = slots
                .entries
                .iter()
                .filter(|(id, _)| **id != org)
                .min_by_key(|(_, s)| s.last_used)
                .map(|(id, _)| *id);
            match victim {
                Some(id) => {
                    slots.entries.remove(&id);
                }
                None => break,
            }
        }
    }

    /// Forgets an organisation (after its deletion, say). Never needed for correctness: a new
    /// books version replaces the entry.
    pub fn forget(&self, org: OrgId) {
        self.lock().entries.remove(&org);
    }

    /// How many organisations the cache keeps at most.
    #[must_use]
    pub fn max_orgs(&self) -> usize {
        self.max_orgs
    }

    /// How many organisations are cached.
    #[must_use]
    pub fn len(&self) -> usize {
        self.lock().entries.len()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The books version of `org` whose every report is computed and cached, if any: what a
    /// warm-up leaves behind.
    #[must_use]
    pub fn complete_version(&self, org: OrgId) -> Option<i64> {
        let slots = self.lock();
        let slot = slots.entries.get(&org)?;
        let analysis = slot.cell.get()?;
        analysis.is_complete().then_some(slot.key.version)
    }

    /// Counts one load of books from the database.
    pub(crate) fn count_load(&self) {
        self.loads.fetch_add(1, Ordering::Relaxed);
    }

    /// How many times books were loaded from the database since start.
    #[must_use]
    pub fn loads(&self) -> u64 {
        self.loads.load(Ordering::Relaxed)
    }

    /// Counts one analysis served without loading the books.
    pub(crate) fn count_hit(&self) {
        self.hits.fetch_add(1, Ordering::Relaxed);
    }

    /// How many analyses were served from the cache since start (for the metrics).
    #[must_use]
    pub fn hits(&self) -> u64 {
        self.hits.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flowsense_core::Books;

    fn key(version: i64) -> BooksKey {
        BooksKey {
            version,
            currency: Currency::USD,
            shown_from: None,
        }
    }

    fn fill(cache: &AnalyticsCache, org: OrgId, k: BooksKey, weight: usize) -> bool {
        let cell = cache.cell(org, k);
        let fresh = cell
            .set(Arc::new(Analysis::new(Books::new(Currency::USD))))
            .is_ok();
        cache.settle(org, k, weight);
        fresh
    }

    #[test]
    fn a_new_version_replaces_the_entry_and_an_older_one_is_served_the_newer() {
        let cache = AnalyticsCache::new(4, 1_000);
        let org = OrgId::new();
        assert!(fill(&cache, org, key(1), 10));
        assert!(!fill(&cache, org, key(1), 10), "same version: cached");
        assert!(fill(&cache, org, key(2), 10), "new version: recomputed");
        assert!(
            !fill(&cache, org, key(1), 10),
            "a late reader gets the newer books"
        );
        let eur = BooksKey {
            version: 2,
            currency: Currency::EUR,
            shown_from: None,
        };
        assert!(fill(&cache, org, eur, 10), "another currency: recomputed");
        let limited = BooksKey {
            shown_from: chrono::NaiveDate::from_ymd_opt(2026, 1, 1),
            ..eur
        };
        assert!(
            fill(&cache, org, limited, 10),
            "history limited by the plan: recomputed"
        );
        assert!(
            fill(&cache, org, eur, 10),
            "all of the history again: recomputed"
        );
        assert_eq!(cache.len(), 1);
    }

    #[test]
    fn a_version_counts_as_complete_once_every_report_is_computed() {
        let cache = AnalyticsCache::new(4, 1_000);
        let org = OrgId::new();
        assert_eq!(cache.complete_version(org), None, "nothing cached");
        fill(&cache, org, key(3), 0);
        assert_eq!(cache.complete_version(org), None, "loaded, not computed");
        let analysis = cache.cell(org, key(3)).get().cloned().expect("loaded");
        let _ = analysis.cashflow();
        assert_eq!(cache.complete_version(org), None, "one report is not all");
        analysis.compute_all();
        assert_eq!(cache.complete_version(org), Some(3));
        fill(&cache, org, key(4), 0);
        assert_eq!(cache.complete_version(org), None, "a newer version is cold");
    }

    #[test]
    fn the_cache_is_bounded_by_count_and_by_transactions_least_recently_used_first() {
        let cache = AnalyticsCache::new(3, 100);
        let orgs: Vec<OrgId> = (0..4).map(|_| OrgId::new()).collect();
        for org in &orgs[..3] {
            fill(&cache, *org, key(1), 10);
        }
        // Touch the first, then add a fourth: the second (least recently used) goes.
        assert!(!fill(&cache, orgs[0], key(1), 10));
        fill(&cache, orgs[3], key(1), 10);
        assert_eq!(cache.len(), 3);
        assert!(
            fill(&cache, orgs[1], key(1), 10),
            "evicted, so loaded again"
        );
        // One large organisation pushes the others out but stays itself.
        let big = OrgId::new();
        fill(&cache, big, key(1), 95);
        assert_eq!(cache.len(), 1);
        assert!(!fill(&cache, big, key(1), 95));
        cache.forget(big);
        assert!(cache.is_empty());
    }
}
