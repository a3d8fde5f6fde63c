//! Reads that every signed-in request makes (its session, its user, the caller's role in an
//! organisation and their list of organisations, the organisation), kept in memory for a short while so that a request answered
//! from memory does not wait for the database four times.
//!
//! What keeps them correct:
//! - On this instance, every transaction that changed rows bumps a counter when it commits
//!   ([`Tx::commit`](crate::scope::Tx)); a read remembers the counter as it was *before* it asked
//!   the database, and is used only while the counter has not moved. So a sign-out, a revoked
//!   session, a disabled user, a role change or a removed member is seen by the very next request.
//! - A write this instance did not make (another instance on the same PostgreSQL, an operator
//!   command on the same SQLite file) is seen within [`RECENT_FOR`]: nothing is used longer.
//!   [`Store::forget_recent_reads`](crate::Store::forget_recent_reads) drops everything at once.
//!
//! Only what was found is kept (an unknown session token is asked for every time, so guessing
//! fills nothing), and each kind holds at most [`MAX_ENTRIES`].

use crate::error::{Result, StorageError};
use crate::{Organisation, Session, Store, User, UserOrg};
use flowsense_core::{OrgId, Role, UserId};
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::RwLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// How long a read is used at most: the bound on seeing another instance's write.
pub const RECENT_FOR: Duration = Duration::from_secs(1);

/// Entries per kind before the stale ones are dropped (and, if all are fresh, all of them).
const MAX_ENTRIES: usize = 10_000;

struct Entry<V> {
    value: V,
    /// The write counter before the read.
    generation: u64,
    at: Instant,
}

struct Kind<K, V> {
    entries: RwLock<HashMap<K, Entry<V>>>,
}

impl<K: Eq + Hash, V: Clone> Kind<K, V> {
    fn new() -> Self {
        Self {
            entries: RwLock::new(HashMap::new()),
        }
    }

    fn get(&self, key: &K, generation: u64, now: Instant) -> Option<V> {
        let entries = self.entries.read().unwrap_or_else(|e| e.into_inner());
        entries
            .get(key)
            .filter(|e| e.generation == generation && now.duration_since(e.at) < RECENT_FOR)
            .map(|e| e.value.clone())
    }

    fn put(&self, key: K, value: V, generation: u64, now: Instant) {
        let mut entries = self.entries.write().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= MAX_ENTRIES {
            entries
                .retain(|_, e| e.generation == generation && now.duration_since(e.at) < RECENT_FOR);
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
        }
        entries.insert(
            key,
            Entry {
                value,
                generation,
                at: now,
            },
        );
    }

    fn clear(&self) {
        self.entries
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }
}

/// The recent reads of one store (shared by its clones).
pub(crate) struct RecentReads {
    /// Bumped after every commit that changed rows.
    writes: AtomicU64,
    sessions: Kind<Vec<u8>, Session>,
    users: Kind<UserId, User>,
    roles: Kind<(OrgId, UserId), Role>,
    orgs: Kind<OrgId, Organisation>,
    orgs_of_user: Kind<UserId, Vec<UserOrg>>,
}

impl Default for RecentReads {
    fn default() -> Self {
        Self {
            writes: AtomicU64::new(0),
            sessions: Kind::new(),
            users: Kind::new(),
            roles: Kind::new(),
            orgs: Kind::new(),
            orgs_of_user: Kind::new(),
        }
    }
}

impl RecentReads {
    /// A transaction that changed rows committed: nothing read before it is used again.
    pub(crate) fn written(&self) {
        self.writes.fetch_add(1, Ordering::SeqCst);
    }

    /// The counter to tag a read with, taken before the read.
    pub(crate) fn generation(&self) -> u64 {
        self.writes.load(Ordering::SeqCst)
    }

    /// Drops every entry and moves the counter (a read under way is not kept either).
    pub(crate) fn forget(&self) {
        self.written();
        self.sessions.clear();
        self.users.clear();
        self.roles.clear();
        self.orgs.clear();
        self.orgs_of_user.clear();
    }
}

impl Store {
    /// [`Store::session_by_hash`], from memory when this instance read it within [`RECENT_FOR`]
    /// and wrote nothing since.
    ///
    /// # Errors
    /// On a database failure.
    pub async fn recent_session_by_hash(&self, id_hash: &[u8]) -> Result<Option<Session>> {
        let r = &self.recent;
        recent_or(
            r,
            &r.sessions,
            id_hash.to_vec(),
            self.session_by_hash(id_hash),
        )
        .await
    }

    /// [`Store::user`], from memory as [`Store::recent_session_by_hash`].
    ///
    /// # Errors
    /// `NotFound` when there is no such user.
    pub async fn recent_user(&self, user: UserId) -> Result<User> {
        let r = &self.recent;
        let read = async {
            match self.user(user).await {
                Ok(u) => Ok(Some(u)),
                Err(StorageError::NotFound) => Ok(None),
                Err(e) => Err(e),
            }
        };
        recent_or(r, &r.users, user, read)
            .await?
            .ok_or(StorageError::NotFound)
    }

    /// [`Store::role_in`], from memory as [`Store::recent_session_by_hash`].
    ///
    /// # Errors
    /// On a database failure.
    pub async fn recent_role_in(&self, org: OrgId, user: UserId) -> Result<Option<Role>> {
        let r = &self.recent;
        recent_or(r, &r.roles, (org, user), self.role_in(org, user)).await
    }

    /// [`Store::org`], from memory as [`Store::recent_session_by_hash`]: its books version too,
    /// so an import on this instance is seen at once.
    ///
    /// # Errors
    /// `NotFound` when it does not exist.
    pub async fn recent_org(&self, org: OrgId) -> Result<Organisation> {
        let r = &self.recent;
        let read = async {
            match self.org(org).await {
                Ok(o) => Ok(Some(o)),
                Err(StorageError::NotFound) => Ok(None),
                Err(e) => Err(e),
            }
        };
        recent_or(r, &r.orgs, org, read)
            .await?
            .ok_or(StorageError::NotFound)
    }

    /// [`Store::orgs_of_user`], from memory as [`Store::recent_session_by_hash`].
    ///
    /// # Errors
    /// On a database failure.
    pub async fn recent_orgs_of_user(&self, user: UserId) -> Result<Vec<UserOrg>> {
        let r = &self.recent;
        let read = async { self.orgs_of_user(user).await.map(Some) };
        Ok(recent_or(r, &r.orgs_of_user, user, read)
            .await?
            .unwrap_or_default())
    }

    /// Drops every recent read: for a write made around this store (an operator's SQL).
    pub fn forget_recent_reads(&self) {
        self.recent.forget();
    }
}

/// `kind`'s entry for `key` if still usable, else `read` (from the database), kept when found.
async fn recent_or<K, V, F>(
    recent: &RecentReads,
    kind: &Kind<K, V>,
    key: K,
    read: F,
) -> Result<Option<V>>
where
    K: Eq + Hash,
    V: Clone,
    F: Future<Output = Result<Option<V>>>,
{
    // Both taken before the read: what it finds is at least as new as this moment.
    let generation = recent.generation();
    let asked = Instant::now();
    if let Some(v) = kind.get(&key, generation, asked) {
        return Ok(Some(v));
    }
    let found = read.await?;
    if let Some(v) = &found {
        kind.put(key, v.clone(), generation, asked);
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_lasts_until_a_write_or_its_time_is_up() {
        let kind: Kind<u32, &str> = Kind::new();
        let t0 = Instant::now();
        kind.put(1, "one", 7, t0);
        assert_eq!(kind.get(&1, 7, t0), Some("one"));
        assert_eq!(
            kind.get(&1, 7, t0 + RECENT_FOR - Duration::from_millis(1)),
            Some("one")
        );
        assert_eq!(kind.get(&1, 7, t0 + RECENT_FOR), None, "too old");
        assert_eq!(kind.get(&1, 8, t0), None, "a write since");
        assert_eq!(kind.get(&2, 7, t0), None);
    }

    #[test]
    fn the_entries_stay_bounded() {
        let kind: Kind<usize, usize> = Kind::new();
        let t0 = Instant::now();
        for i in 0..MAX_ENTRIES {
            kind.put(i, i, 1, t0);
        }
        // All fresh: the next one makes room by dropping them all.
        kind.put(MAX_ENTRIES, 0, 1, t0);
        assert_eq!(kind.entries.read().expect("lock").len(), 1);
        // Stale ones go first.
        for i in 0..MAX_ENTRIES - 1 {
            kind.put(i, i, 1, t0);
        }
        kind.put(usize::MAX, 0, 2, t0);
        let entries = kind.entries.read().expect("lock");
        assert_eq!(entries.len(), 1);
        assert!(entries.contains_key(&usize::MAX));
    }
}
