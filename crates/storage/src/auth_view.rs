//! What every signed-in request reads — its session or token, its user, their memberships —
//! served from memory while none of it has changed, without giving up immediate revocation.
//!
//! The database keeps a sign-in epoch (`auth_epoch`, migration 0032): triggers move it on, in
//! the same transaction, with every change to sessions (but their last-seen time), API tokens
//! (but their last-used time), users, memberships and organisations. A request reads the epoch
//! once ([`Store::auth_view`]), by a read that started after the request arrived, and an entry
//! cached here is used only when it was read at that same epoch. So a sign-out, a disabled user
//! or a changed role, committed by any process on the database, is seen by the next request that
//! arrives after it, exactly as when every request read everything.
//!
//! Requests that arrive while no epoch read has started share the next one: under load one
//! read serves a whole batch of requests, where each used to make two to four of its own. A
//! round lets the other runnable tasks run once before its read starts, so the requests that are
//! under way at that moment join it.

use crate::Store;
use crate::args::{sql, sql_text};
use crate::error::{Result, StorageError};
use crate::members::UserOrg;
use crate::orgs::Organisation;
use crate::sessions::Session;
use crate::tokens::ApiToken;
use crate::users::User;
use chrono::{DateTime, Utc};
use flowsense_core::{OrgId, Role, UserId};
use futures_util::FutureExt;
use futures_util::future::{BoxFuture, Shared};
use std::collections::HashMap;
use std::hash::Hash;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use zeroize::Zeroizing;

/// Entries kept per kind. Past it, entries of older epochs go first, then all: only a request
/// with a valid session or token adds one, so this bounds memory, not the number of users.
const MAX_ENTRIES: usize = 10_000;

/// Sign-in data as one request sees it: the epoch read after the request arrived, and the
/// cached reads made at it. Cloning is cheap.
#[derive(Clone)]
pub struct AuthView {
    store: Store,
    epoch: i64,
}

impl std::fmt::Debug for AuthView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthView")
            .field("epoch", &self.epoch)
            .finish_non_exhaustive()
    }
}

/// The per-database cache behind [`AuthView`], shared by every clone of a [`Store`].
#[derive(Default)]
pub(crate) struct AuthCache {
    epoch: EpochReads,
    /// SQLite's epoch reader; `None` on PostgreSQL, whose reads go through the pool.
    sqlite_epoch: Option<SqliteEpochReader>,
    sessions: Entries<Vec<u8>, (Session, User)>,
    tokens: Entries<Vec<u8>, ApiToken>,
    users: Entries<UserId, User>,
    memberships: Entries<(OrgId, UserId), (Role, Arc<Organisation>)>,
    orgs_of_user: Entries<UserId, Arc<Vec<UserOrg>>>,
}

impl AuthCache {
    pub(crate) fn new(sqlite_epoch: Option<SqliteEpochReader>) -> Self {
        Self {
            sqlite_epoch,
            ..Self::default()
        }
    }
}

impl Store {
    /// The sign-in data as of now: the epoch, read by a statement that starts after this call
    /// (shared with the other callers waiting for one).
    ///
    /// # Errors
    /// On a database failure.
    pub async fn auth_view(&self) -> Result<AuthView> {
        let store = self.clone();
        let epoch = self
            .auth_cache
            .epoch
            .fresh(move || async move { store.read_auth_epoch().await }.boxed())
            .await?;
        Ok(AuthView {
            store: self.clone(),
            epoch,
        })
    }

    async fn read_auth_epoch(&self) -> Result<i64> {
        let in_place = self.auth_cache.sqlite_epoch.as_ref().and_then(|reader| {
            reader
                .read()
                // The code only: a message could quote a statement.
                .inspect_err(|e| tracing::debug!(code = ?e.sqlite_error_code(), "the sign-in epoch is read through the pool"))
                .ok()
        });
        let value = match in_place {
            Some(read) => read,
            None => self
                .read_optional::<(i64,)>(sql!("auth_epoch/read"))
                .await?
                .map(|(value,)| value),
        };
        value.ok_or_else(|| StorageError::Corrupt("the sign-in epoch row is missing".into()))
    }

    /// Closes the connection of the SQLite epoch reads (see [`Store::close`]).
    pub(crate) fn close_auth_cache(&self) {
        if let Some(reader) = &self.auth_cache.sqlite_epoch {
            reader.close();
        }
    }
}

/// SQLite's epoch reads: made on the calling thread, through rusqlite, on a connection of their
/// own. Through sqlx every read was a round trip to a connection's worker thread (a channel and
/// two thread switches) for a statement SQLite answers from its page cache in microseconds; under
/// load those switches were a tenth of a signed-in request's time (bench/README.md).
///
/// The connection never waits for a lock: its busy timeout is zero, and it only reads
/// (`query_only`). A read it cannot make at once (the file busy with a WAL recovery, a checkpoint
/// that truncates, any error) is made through the pool instead, which waits its turn on
/// sqlx's thread; the connection is then dropped, and the next read opens another with the
/// file's key.
pub(crate) struct SqliteEpochReader {
    path: PathBuf,
    /// The value of `PRAGMA key` for an encrypted file (as the pool's options hold it).
    key: Option<Zeroizing<String>>,
    /// One read at a time runs anyway ([`EpochReads`]): the lock is never waited for.
    conn: Mutex<Option<rusqlite::Connection>>,
}

impl SqliteEpochReader {
    pub(crate) fn new(path: PathBuf, key: Option<Zeroizing<String>>) -> Self {
        Self {
            path,
            key,
            conn: Mutex::new(None),
        }
    }

    /// The epoch, or why it could not be read here at once.
    fn read(&self) -> rusqlite::Result<Option<i64>> {
        use rusqlite::OptionalExtension;
        let mut kept = self.conn.lock().unwrap_or_else(PoisonError::into_inner);
        let conn = match kept.take() {
            Some(conn) => conn,
            None => self.open()?,
        };
        let read = conn
            .prepare_cached(sql_text!("auth_epoch/read"))
            .and_then(|mut statement| statement.query_row([], |row| row.get(0)).optional())?;
        *kept = Some(conn);
        Ok(read)
    }

    fn open(&self) -> rusqlite::Result<rusqlite::Connection> {
        use rusqlite::OpenFlags;
        // The pool made the file and set its WAL mode, which is kept in the file.
        let conn = rusqlite::Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        if let Some(key) = &self.key {
            conn.execute_batch(&Zeroizing::new(format!("PRAGMA key = {};", key.as_str())))?;
        }
        conn.busy_timeout(std::time::Duration::ZERO)?;
        conn.pragma_update(None, "query_only", true)?;
        Ok(conn)
    }

    fn close(&self) {
        self.conn
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
    }
}

impl AuthView {
    /// The epoch this view reads at: it moves on with every change that a view must see.
    #[must_use]
    pub fn epoch(&self) -> i64 {
        self.epoch
    }

    fn cache(&self) -> &AuthCache {
        &self.store.auth_cache
    }

    /// The session whose token hashes to `id_hash` and its user ([`Store::session_with_user`]).
    ///
    /// # Errors
    /// On a database failure.
    pub async fn session_with_user(&self, id_hash: &[u8]) -> Result<Option<(Session, User)>> {
        let sessions = &self.cache().sessions;
        read_through(sessions, id_hash, self.epoch, || {
            self.store.session_with_user(id_hash)
        })
        .await
    }

    /// As [`AuthView::session_with_user`], read from the database whatever is cached: for a
    /// session that looks expired by a last-seen time another instance may have moved on.
    ///
    /// # Errors
    /// On a database failure.
    pub async fn session_with_user_afresh(
        &self,
        id_hash: &[u8],
    ) -> Result<Option<(Session, User)>> {
        let found = self.store.session_with_user(id_hash).await?;
        if let Some(found) = &found {
            self.cache()
                .sessions
                .put(id_hash.to_vec(), self.epoch, found.clone());
        }
        Ok(found)
    }

    /// Notes in memory that the session was seen at `at` (its last-seen write is the caller's).
    pub fn session_seen(&self, id_hash: &[u8], at: DateTime<Utc>) {
        self.cache()
            .sessions
            .update(id_hash, |(s, _)| s.last_seen_at = at);
    }

    /// The token whose secret hashes to `hash` ([`Store::api_token_by_hash`]).
    ///
    /// # Errors
    /// On a database failure.
    pub async fn api_token(&self, hash: &[u8]) -> Result<Option<ApiToken>> {
        let tokens = &self.cache().tokens;
        read_through(tokens, hash, self.epoch, || {
            self.store.api_token_by_hash(hash)
        })
        .await
    }

    /// Notes in memory that the token was used at `at` (its last-used write is the caller's).
    pub fn token_used(&self, hash: &[u8], at: DateTime<Utc>) {
        self.cache()
            .tokens
            .update(hash, |t| t.last_used_at = Some(at));
    }

    /// A user ([`Store::user`]).
    ///
    /// # Errors
    /// `NotFound` when there is no such user; a database failure.
    pub async fn user(&self, user: UserId) -> Result<User> {
        let read = || async { self.store.user(user).await.map(Some) };
        read_through(&self.cache().users, &user, self.epoch, read)
            .await?
            .ok_or(StorageError::NotFound)
    }

    /// `user`'s role in `org` and the organisation ([`Store::role_and_org`]).
    ///
    /// # Errors
    /// On a database failure.
    pub async fn role_and_org(
        &self,
        org: OrgId,
        user: UserId,
    ) -> Result<Option<(Role, Arc<Organisation>)>> {
        let read = || async {
            let found = self.store.role_and_org(org, user).await?;
            Ok(found.map(|(role, o)| (role, Arc::new(o))))
        };
        read_through(&self.cache().memberships, &(org, user), self.epoch, read).await
    }

    /// The organisations `user` belongs to ([`Store::orgs_of_user`]).
    ///
    /// # Errors
    /// On a database failure.
    pub async fn orgs_of_user(&self, user: UserId) -> Result<Arc<Vec<UserOrg>>> {
        let read = || async { Ok(Some(Arc::new(self.store.orgs_of_user(user).await?))) };
        let found = read_through(&self.cache().orgs_of_user, &user, self.epoch, read).await?;
        Ok(found.unwrap_or_default())
    }
}

/// The entry of `key` in `entries` when it was read at `epoch`; else what `read` finds, kept
/// for the requests after this one at the same epoch (nothing is kept of a miss).
///
/// The database read is made, and boxed, only on a miss: a query's future is large, and every
/// request's future would otherwise carry it and copy it each time it moves.
async fn read_through<K, Q, V, F>(
    entries: &Entries<K, V>,
    key: &Q,
    epoch: i64,
    read: impl FnOnce() -> F,
) -> Result<Option<V>>
where
    K: Eq + Hash + std::borrow::Borrow<Q>,
    Q: Eq + Hash + ToOwned<Owned = K> + ?Sized,
    V: Clone,
    F: Future<Output = Result<Option<V>>>,
{
    if let Some(found) = entries.get(key, epoch) {
        return Ok(Some(found));
    }
    let found = Box::pin(read()).await?;
    if let Some(found) = &found {
        entries.put(key.to_owned(), epoch, found.clone());
    }
    Ok(found)
}

/// Cached reads of one kind, each with the epoch it was read at.
struct Entries<K, V> {
    map: Mutex<HashMap<K, (i64, V)>>,
}

impl<K, V> Default for Entries<K, V> {
    fn default() -> Self {
        Self {
            map: Mutex::new(HashMap::new()),
        }
    }
}

impl<K: Eq + Hash, V: Clone> Entries<K, V> {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<K, (i64, V)>> {
        // A panic while holding the lock leaves at worst a stale entry, which the epoch rules out.
        self.map.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn get<Q>(&self, key: &Q, epoch: i64) -> Option<V>
    where
        K: std::borrow::Borrow<Q>,
        Q: Eq + Hash + ?Sized,
    {
        self.lock()
            .get(key)
            .filter(|(at, _)| *at == epoch)
            .map(|(_, v)| v.clone())
    }

    fn put(&self, key: K, epoch: i64, value: V) {
        let mut map = self.lock();
        if map.len() >= MAX_ENTRIES && !map.contains_key(&key) {
            map.retain(|_, (at, _)| *at >= epoch);
            if map.len() >= MAX_ENTRIES {
                map.clear();
            }
        }
        // A slower request may bring an older read: never replace a newer one with it.
        if map.get(&key).is_none_or(|(at, _)| *at <= epoch) {
            map.insert(key, (epoch, value));
        }
    }

    fn update<Q>(&self, key: &Q, change: impl FnOnce(&mut V))
    where
        K: std::borrow::Borrow<Q>,
        Q: Eq + Hash + ?Sized,
    {
        if let Some((_, v)) = self.lock().get_mut(key) {
            change(v);
        }
    }
}

/// One read of the epoch in flight at a time, shared by the callers that arrived before it
/// started; a caller that arrives once it has started waits for the next.
#[derive(Default)]
struct EpochReads {
    rounds: Arc<Mutex<Rounds>>,
}

type Round = Shared<BoxFuture<'static, std::result::Result<i64, Arc<StorageError>>>>;

#[derive(Default)]
struct Rounds {
    /// Numbers rounds, so a round that starts takes itself, and only itself, out of `waiting`.
    count: u64,
    /// The round callers arriving now join: it has not started its read.
    waiting: Option<(u64, Round)>,
    /// The round whose read may be running: the next one starts after it ends.
    running: Option<Round>,
}

impl EpochReads {
    /// The value of a `read` that starts after this call.
    async fn fresh(
        &self,
        read: impl FnOnce() -> BoxFuture<'static, Result<i64>> + Send + 'static,
    ) -> Result<i64> {
        let round = {
            let mut rounds = self.rounds.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some((_, round)) = &rounds.waiting {
                round.clone()
            } else {
                rounds.count += 1;
                let id = rounds.count;
                // Only a read still in flight is waited for (and its failure shared).
                let before = rounds.running.clone().filter(|r| r.peek().is_none());
                let all = self.rounds.clone();
                let round = async move {
                    let before = match before {
                        Some(before) => before.await,
                        None => Ok(0),
                    };
                    // Let the requests already runnable reach this round before its read
                    // starts: they join it instead of each waiting for a read of their own.
                    // Under load the epoch reads took 21% of a JSON report's time without this,
                    // 16% with it (bench/README.md).
                    tokio::task::yield_now().await;
                    {
                        let mut rounds = all.lock().unwrap_or_else(PoisonError::into_inner);
                        if rounds.waiting.as_ref().is_some_and(|(w, _)| *w == id) {
                            rounds.running = rounds.waiting.take().map(|(_, r)| r);
                        }
                    }
                    // The read before this one failed (the database down, say): so does this
                    // one, at once, rather than wait out a second connection timeout. A failure
                    // serves nothing, so it may be older than the callers' arrival.
                    before?;
                    read().await.map_err(Arc::new)
                }
                .boxed()
                .shared();
                rounds.waiting = Some((id, round.clone()));
                round
            }
        };
        round.await.map_err(StorageError::Shared)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
    use std::time::Duration;

    /// A database stand-in: a value that moves on, and a read that sees it when it starts and
    /// answers after `delay`.
    struct Source {
        value: AtomicI64,
        reads: AtomicUsize,
    }

    fn read_of(
        source: &Arc<Source>,
        delay: Duration,
    ) -> impl FnOnce() -> BoxFuture<'static, Result<i64>> + Send + 'static {
        let source = source.clone();
        move || {
            async move {
                source.reads.fetch_add(1, Ordering::SeqCst);
                let seen = source.value.load(Ordering::SeqCst);
                tokio::time::sleep(delay).await;
                Ok(seen)
            }
            .boxed()
        }
    }

    #[tokio::test]
    async fn callers_that_arrive_together_share_one_read() {
        let reads = Arc::new(EpochReads::default());
        let source = Arc::new(Source {
            value: AtomicI64::new(7),
            reads: AtomicUsize::new(0),
        });
        let callers: Vec<_> = (0..50)
            .map(|_| {
                let (reads, read) = (reads.clone(), read_of(&source, Duration::from_millis(20)));
                tokio::spawn(async move { reads.fresh(read).await.unwrap() })
            })
            .collect();
        for c in callers {
            assert_eq!(c.await.unwrap(), 7);
        }
        // The first caller's round starts at once; everyone after it shares the next one.
        assert!(source.reads.load(Ordering::SeqCst) <= 2);
    }

    #[tokio::test]
    async fn a_caller_never_gets_a_read_that_started_before_it_arrived() {
        let reads = Arc::new(EpochReads::default());
        let source = Arc::new(Source {
            value: AtomicI64::new(1),
            reads: AtomicUsize::new(0),
        });
        // A slow read starts and sees 1.
        let early = {
            let (reads, read) = (reads.clone(), read_of(&source, Duration::from_millis(100)));
            tokio::spawn(async move { reads.fresh(read).await.unwrap() })
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        // The value moves on while it runs (a sign-out commits); a caller arriving now must see it.
        source.value.store(2, Ordering::SeqCst);
        let late = reads
            .fresh(read_of(&source, Duration::from_millis(1)))
            .await
            .unwrap();
        assert_eq!(early.await.unwrap(), 1);
        assert_eq!(late, 2, "the late caller waited for a read of its own");
        assert_eq!(source.reads.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn a_failed_read_fails_its_callers_and_the_next_one_reads_again() {
        let reads = EpochReads::default();
        let failed = reads
            .fresh(|| async { Err(StorageError::Corrupt("down".into())) }.boxed())
            .await;
        assert!(matches!(failed, Err(StorageError::Shared(_))));
        assert_eq!(reads.fresh(|| async { Ok(3) }.boxed()).await.unwrap(), 3);
    }

    #[tokio::test]
    async fn callers_waiting_behind_a_failing_read_fail_with_it_at_once() {
        let reads = Arc::new(EpochReads::default());
        let attempts = Arc::new(AtomicUsize::new(0));
        let slow_failure = |attempts: Arc<AtomicUsize>| {
            move || {
                async move {
                    attempts.fetch_add(1, Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    Err(StorageError::Corrupt("down".into()))
                }
                .boxed()
            }
        };
        let first = {
            let (reads, read) = (reads.clone(), slow_failure(attempts.clone()));
            tokio::spawn(async move { reads.fresh(read).await })
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        // Arrives while the first read runs: it does not wait out a second failing read.
        let second = reads.fresh(slow_failure(attempts.clone())).await;
        assert!(matches!(second, Err(StorageError::Shared(_))));
        assert!(first.await.unwrap().is_err());
        assert_eq!(attempts.load(Ordering::SeqCst), 1, "one read for both");
        // The next caller reads again.
        assert_eq!(reads.fresh(|| async { Ok(4) }.boxed()).await.unwrap(), 4);
    }

    #[tokio::test]
    async fn a_caller_that_gives_up_does_not_stall_the_others() {
        let reads = Arc::new(EpochReads::default());
        let source = Arc::new(Source {
            value: AtomicI64::new(5),
            reads: AtomicUsize::new(0),
        });
        // The first round's only caller stops waiting while its read runs.
        let _ = tokio::time::timeout(
            Duration::from_millis(10),
            reads.fresh(read_of(&source, Duration::from_millis(50))),
        )
        .await;
        let next = tokio::time::timeout(
            Duration::from_secs(5),
            reads.fresh(read_of(&source, Duration::from_millis(1))),
        )
        .await
        .expect("the next caller is answered");
        assert_eq!(next.unwrap(), 5);
    }

    #[tokio::test]
    async fn an_epoch_read_the_sqlite_reader_cannot_make_is_made_through_the_pool() {
        let dir = tempfile::tempdir().expect("temporary folder");
        let url = format!("sqlite://{}", dir.path().join("books.db").display());
        let options = crate::OpenOptions {
            create_if_missing: true,
            ..crate::OpenOptions::default()
        };
        let store = Store::open(&url, &options).await.expect("open");
        let reader = store
            .auth_cache
            .sqlite_epoch
            .as_ref()
            .expect("a SQLite reader");
        let read_here = reader.read().expect("the epoch read in place");
        let in_place = store.auth_view().await.expect("read in place").epoch();
        assert_eq!(read_here, Some(in_place));
        // A reader whose file is not there cannot open it: the pool answers, at the same epoch.
        let missing = dir.path().join("missing.db");
        let broken = Store {
            auth_cache: Arc::new(AuthCache::new(Some(SqliteEpochReader::new(
                missing.clone(),
                None,
            )))),
            ..store.clone()
        };
        let through_pool = broken.auth_view().await.expect("read through the pool");
        assert_eq!(through_pool.epoch(), in_place);
        assert!(!missing.exists(), "the reader never creates a file");
        store.close().await;
    }

    #[cfg(feature = "sqlcipher")]
    #[tokio::test]
    async fn the_sqlite_reader_reads_an_encrypted_file_with_its_key() {
        let dir = tempfile::tempdir().expect("temporary folder");
        let path = dir.path().join("books.db");
        let options = crate::OpenOptions {
            create_if_missing: true,
            keyring: Some(crate::Keyring::generate().expect("keyring")),
            encrypt_sqlite_file: true,
            ..crate::OpenOptions::default()
        };
        let store = Store::open(&format!("sqlite://{}", path.display()), &options)
            .await
            .expect("open");
        let reader = store
            .auth_cache
            .sqlite_epoch
            .as_ref()
            .expect("a SQLite reader");
        let read_here = reader
            .read()
            .expect("the epoch read in place, with the key");
        assert_eq!(
            read_here,
            Some(store.auth_view().await.expect("view").epoch())
        );
        let keyless = SqliteEpochReader::new(path, None);
        assert!(keyless.read().is_err(), "the file is encrypted");
        store.close().await;
    }

    #[test]
    fn entries_answer_only_at_their_epoch_and_stay_bounded() {
        let entries: Entries<u32, u32> = Entries::default();
        entries.put(1, 10, 100);
        assert_eq!(entries.get(&1, 10), Some(100));
        assert_eq!(entries.get(&1, 11), None, "read at another epoch");
        entries.put(1, 9, 99);
        assert_eq!(entries.get(&1, 10), Some(100), "an older read does not win");
        for k in 0..u32::try_from(MAX_ENTRIES).unwrap() * 2 {
            entries.put(k, 12, k);
        }
        assert!(entries.lock().len() <= MAX_ENTRIES);
        assert_eq!(
            entries.get(&(u32::try_from(MAX_ENTRIES).unwrap() * 2 - 1), 12),
            Some(u32::try_from(MAX_ENTRIES).unwrap() * 2 - 1)
        );
    }
}
