//! Opening a store: URL → pool, migrations, and the PostgreSQL role that row-level security
//! applies to.

use crate::args::{Sql, bind_args, sql, sql_text};
use crate::auth_view::SqliteEpochReader;
use crate::crypto::{KeyCache, Keyring};
use crate::error::{Result, StorageError};
use crate::scope::{BothRow, ReadTx, Tx, safe};
use flowsense_core::{OrgId, UserId};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{ConnectOptions, Connection, Executor};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;
use zeroize::Zeroizing;

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// How long a PostgreSQL query waits for a connection (reconnecting meanwhile when the server
/// went away) before failing as unavailable: short, so requests fail fast while the server is
/// down and the same pool serves again once it is back. (sqlx's default is 30 s.)
const POSTGRES_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(3);

/// Which database engine a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// How to open a store.
#[derive(Debug, Clone)]
pub struct OpenOptions {
    /// Create the SQLite file (and nothing else) when it does not exist. Off by default so a
    /// mistyped path is an error rather than a new empty database.
    pub create_if_missing: bool,
    pub max_connections: u32,
    /// On PostgreSQL, keep every connection of the pool open, reopening any that is closed for
    /// its age or idleness at once: for a long-running server, whose first burst of requests
    /// would otherwise wait while the pool opens them (a connection and its TLS handshake each).
    /// Off for commands that run once. (A SQLite connection is a file handle, opened in
    /// microseconds: its pool grows as asked, and each connection's page cache is only spent
    /// when used.)
    pub keep_open: bool,
    /// The master keys. Without them the store opens, but sealing or opening an encrypted field
    /// fails with `CryptoError::NoKeyring` (only tools such as `flowsense migrate` should do that).
    /// With them, opening checks they unwrap the stored keys, refusing a wrong master key.
    pub keyring: Option<Keyring>,
    /// Encrypt the whole SQLite file with SQLCipher (needs the `sqlcipher` feature and a keyring).
    pub encrypt_sqlite_file: bool,
    /// How many values one data key may seal before it is rotated (SECURITY-CHECKLIST F3):
    /// [`DEFAULT_SEALS_PER_DATA_KEY`] unless a test needs to reach the cap.
    pub seals_per_data_key: u64,
}

impl OpenOptions {
    /// The connections the pool keeps open: all of them when [`OpenOptions::keep_open`].
    fn min_connections(&self) -> u32 {
        if self.keep_open {
            self.max_connections.max(1)
        } else {
            0
        }
    }
}

/// Seals per data key before rotation: 2^30, well below the 2^32 that random 96-bit nonces allow
/// under one AES-GCM key (NIST SP 800-38D §8.3).
pub const DEFAULT_SEALS_PER_DATA_KEY: u64 = 1 << 30;

impl Default for OpenOptions {
    fn default() -> Self {
        Self {
            create_if_missing: false,
            max_connections: 8,
            keep_open: false,
            keyring: None,
            encrypt_sqlite_file: false,
            seals_per_data_key: DEFAULT_SEALS_PER_DATA_KEY,
        }
    }
}

#[derive(Clone)]
pub(crate) enum Pool {
    Sqlite(SqlitePool),
    Pg(PgPool),
}

/// The database behind FlowSense. Cheap to clone (pools are shared).
#[derive(Clone)]
pub struct Store {
    pub(crate) pool: Pool,
    pub(crate) crypto: Option<Arc<crate::crypto::keys::Crypto>>,
    /// Woken when this process commits a job, so its workers need not wait for their next poll.
    pub(crate) jobs_enqueued: Arc<tokio::sync::Notify>,
    /// The PostgreSQL database as its owner reaches it (backups); `None` on SQLite.
    pub(crate) postgres: Option<crate::backup::postgres::PgDatabase>,
    /// What signed-in requests read, kept while the sign-in epoch stands ([`crate::AuthView`]).
    pub(crate) auth_cache: Arc<crate::auth_view::AuthCache>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Store({:?})", self.backend())
    }
}

impl Store {
    /// Connects to `url` (`sqlite://…` or `postgres://…`), applies pending migrations and returns
    /// a ready store.
    ///
    /// # Errors
    /// A URL of another scheme, a missing SQLite file without `create_if_missing`, an unreachable
    /// database or a failed migration.
    pub async fn open(url: &str, options: &OpenOptions) -> Result<Store> {
        let (pool, postgres, auth_cache) = if url.starts_with("sqlite:") {
            let (pool, epoch) = Self::open_sqlite(url, options).await?;
            (pool, None, crate::auth_view::AuthCache::new(Some(epoch)))
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            if options.encrypt_sqlite_file {
                return Err(StorageError::Config(
                    "whole-file encryption applies to SQLite only; PostgreSQL relies on volume encryption".into(),
                ));
            }
            let database = crate::backup::postgres::PgDatabase::parse(url)?;
            let pool = Self::open_postgres(url, options).await?;
            (pool, Some(database), crate::auth_view::AuthCache::new(None))
        } else {
            return Err(StorageError::Config(
                "FLOWSENSE_DATABASE_URL must start with sqlite:// or postgres://".into(),
            ));
        };
        let store = Store {
            pool,
            crypto: options.keyring.clone().map(|keyring| {
                Arc::new(crate::crypto::keys::Crypto {
                    keyring,
                    cache: KeyCache::default(),
                    seals_per_key: options.seals_per_data_key,
                })
            }),
            jobs_enqueued: Arc::default(),
            postgres,
            auth_cache: Arc::new(auth_cache),
        };
        if store.crypto.is_some()
            && let Err(e) = store.prepare_keys().await
        {
            store.close().await;
            return Err(e);
        }
        Ok(store)
    }

    /// The pool, and the sign-in epoch's reader on a connection of its own.
    async fn open_sqlite(url: &str, options: &OpenOptions) -> Result<(Pool, SqliteEpochReader)> {
        let connect = SqliteConnectOptions::from_str(url)
            .map_err(|_| {
                StorageError::Config("FLOWSENSE_DATABASE_URL is not a valid SQLite URL".into())
            })?
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            .pragma("temp_store", "memory")
            .pragma("cache_size", "-65536")
            .create_if_missing(options.create_if_missing);
        let path = connect.get_filename().to_path_buf();
        if !options.create_if_missing && !path.exists() {
            return Err(StorageError::Config(format!(
                "the SQLite database {} does not exist (check FLOWSENSE_DATABASE_URL, or create it with `flowsense migrate --create`)",
                path.display()
            )));
        }
        if options.create_if_missing {
            create_private_file(&path)?;
        }
        restrict_to_owner(&path)?;
        let key = Self::sqlite_file_key(&connect, options).await?;
        let connect = match &key {
            Some(key) => connect.pragma("key", key.to_string()),
            None => connect,
        };
        // No ping before handing out a connection: a connection to a local file does not go
        // stale, and each ping is a round trip to the connection's worker thread (two thread
        // switches), paid by every read of every request.
        let pool = SqlitePoolOptions::new()
            .max_connections(options.max_connections.max(1))
            .test_before_acquire(false)
            .connect_with(connect)
            .await?;
        SQLITE_MIGRATIONS.run(&pool).await?;
        Ok((Pool::Sqlite(pool), SqliteEpochReader::new(path, key)))
    }

    /// The value of `PRAGMA key` for an encrypted file; `None` for a plain one.
    #[cfg(feature = "sqlcipher")]
    async fn sqlite_file_key(
        connect: &SqliteConnectOptions,
        options: &OpenOptions,
    ) -> Result<Option<Zeroizing<String>>> {
        if !options.encrypt_sqlite_file {
            return Ok(None);
        }
        let keyring = options.keyring.as_ref().ok_or_else(|| {
            StorageError::Config(
                "SQLite file encryption needs FLOWSENSE_MASTER_KEY or FLOWSENSE_MASTER_KEY_FILE"
                    .into(),
            )
        })?;
        crate::crypto::sqlcipher::file_key(connect, keyring)
            .await
            .map(Some)
    }

    #[cfg(not(feature = "sqlcipher"))]
    #[expect(
        clippy::unused_async,
        reason = "the same signature as the sqlcipher build's, which awaits"
    )]
    async fn sqlite_file_key(
        _: &SqliteConnectOptions,
        options: &OpenOptions,
    ) -> Result<Option<Zeroizing<String>>> {
        if options.encrypt_sqlite_file {
            return Err(StorageError::Config(
                "SQLite file encryption needs a build with the `sqlcipher` feature".into(),
            ));
        }
        Ok(None)
    }

    async fn open_postgres(url: &str, options: &OpenOptions) -> Result<Pool> {
        let connect = PgConnectOptions::from_str(url)
            .map_err(|_| {
                StorageError::Config("FLOWSENSE_DATABASE_URL is not a valid PostgreSQL URL".into())
            })?
            .log_statements(tracing::log::LevelFilter::Debug);
        // Migrations run as the configured user (the owner of the tables).
        let mut owner = connect.connect().await?;
        POSTGRES_MIGRATIONS.run(&mut owner).await?;
        let (can_bypass,): (bool,) =
            sqlx::query_as(sql_text!("postgres-only/roles/can_bypass_rls"))
                .fetch_one(&mut owner)
                .await?;
        owner.close().await?;
        let pool = PgPoolOptions::new()
            .max_connections(options.max_connections.max(1))
            .min_connections(options.min_connections())
            .acquire_timeout(POSTGRES_ACQUIRE_TIMEOUT)
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if can_bypass {
                        // Superusers and BYPASSRLS roles skip row-level security; drop to a role
                        // that cannot, so the policies hold for everything the pool runs.
                        conn.execute(sql_text!("postgres-only/roles/switch_to_app"))
                            .await?;
                    }
                    Ok(())
                })
            })
            .connect_with(connect)
            .await?;
        Ok(Pool::Pg(pool))
    }

    #[must_use]
    pub fn backend(&self) -> Backend {
        match self.pool {
            Pool::Sqlite(_) => Backend::Sqlite,
            Pool::Pg(_) => Backend::Postgres,
        }
    }

    /// A round trip to the database (for `/readyz`).
    ///
    /// # Errors
    /// When the database cannot be reached.
    pub async fn ping(&self) -> Result<()> {
        match &self.pool {
            Pool::Sqlite(p) => p.execute(sql_text!("db/ping")).await.map(|_| ())?,
            Pool::Pg(p) => p.execute(sql_text!("db/ping")).await.map(|_| ())?,
        }
        Ok(())
    }

    /// A digest of the migrations this build carries for `backend` (their versions and
    /// checksums): two builds with the same digest make the same schema. Tests key their
    /// migrated template databases by it.
    #[must_use]
    pub fn migrations_fingerprint(backend: Backend) -> String {
        use sha2::{Digest, Sha256};
        let migrator = match backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        let mut digest = Sha256::new();
        for m in migrator.iter() {
            digest.update(m.version.to_le_bytes());
            digest.update(&*m.checksum);
        }
        hex::encode(&digest.finalize()[..8])
    }

    /// Names of the applied migrations, in order.
    ///
    /// # Errors
    /// On a database failure.
    pub async fn applied_migrations(&self) -> Result<Vec<String>> {
        #[derive(sqlx::FromRow)]
        struct AppliedMigration {
            version: i64,
            description: String,
        }
        let mut tx = self.begin().await?;
        let rows: Vec<AppliedMigration> = tx.fetch_all(sql!("db/applied_migrations")).await?;
        tx.commit().await?;
        Ok(rows
            .into_iter()
            .map(|m| migration_name(m.version, &m.description))
            .collect())
    }

    /// The migrations this build carries that the database has not applied, by name, in order:
    /// empty when the schema is current (for `/readyz`). A database that is ahead of this build
    /// (a newer instance migrated it) counts as current: migrations only expand.
    ///
    /// # Errors
    /// When the database cannot be reached.
    pub async fn pending_migrations(&self) -> Result<Vec<String>> {
        let applied = self.applied_migrations().await?;
        let carried = match self.pool {
            Pool::Sqlite(_) => &SQLITE_MIGRATIONS,
            Pool::Pg(_) => &POSTGRES_MIGRATIONS,
        };
        Ok(carried
            .iter()
            .filter(|m| !m.migration_type.is_down_migration())
            .map(|m| migration_name(m.version, &m.description))
            .filter(|name| !applied.contains(name))
            .collect())
    }

    /// The store's own PostgreSQL pool, for the tests that check what its connections are
    /// (the role they run as, what a returned connection keeps, how many stay open): they reach
    /// around the store on
    /// purpose. `None` on SQLite. Nothing in the product calls it.
    #[doc(hidden)]
    #[must_use]
    pub fn postgres_pool_for_wall_tests(&self) -> Option<PgPool> {
        match &self.pool {
            Pool::Sqlite(_) => None,
            Pool::Pg(p) => Some(p.clone()),
        }
    }

    /// Closes every connection: the pool's, and SQLite's sign-in epoch connection.
    pub async fn close(&self) {
        self.close_auth_cache();
        match &self.pool {
            Pool::Sqlite(p) => p.close().await,
            Pool::Pg(p) => p.close().await,
        }
    }

    /// A transaction that sees no organisation (for users, organisations, sessions). On SQLite
    /// it takes the write lock as it begins (`BEGIN IMMEDIATE`), waiting up to the busy timeout
    /// for another writer: begun deferred, a transaction that reads before it writes fails at
    /// once when another connection writes in between (see [`ReadTx`]).
    pub(crate) async fn begin(&self) -> Result<Tx> {
        Ok(match &self.pool {
            Pool::Sqlite(p) => Tx::Sqlite(p.begin_with("BEGIN IMMEDIATE").await?),
            Pool::Pg(p) => Tx::Pg(p.begin().await?),
        })
    }

    /// A transaction that only reads and sees no organisation: on SQLite it waits for no
    /// writer, and no writer waits for it.
    pub(crate) async fn begin_read(&self) -> Result<ReadTx> {
        Ok(ReadTx::deferred(match &self.pool {
            Pool::Sqlite(p) => Tx::Sqlite(p.begin().await?),
            Pool::Pg(p) => Tx::Pg(p.begin().await?),
        }))
    }

    /// One statement that reads, run outside an explicit transaction (one statement is atomic
    /// on its own). `BEGIN` and `COMMIT` around it would be two more round trips to the
    /// database, paid on every request for its session, its user and its organisation. Only
    /// for statements that need no scope (on PostgreSQL, row-level security sees none).
    pub(crate) async fn read_optional<T: BothRow>(&self, sql: Sql) -> Result<Option<T>> {
        Ok(match &self.pool {
            Pool::Sqlite(p) => {
                bind_args!(sqlx::query_as::<_, T>(safe(sql.text)), sql.args)
                    .fetch_optional(p)
                    .await?
            }
            Pool::Pg(p) => {
                bind_args!(sqlx::query_as::<_, T>(safe(sql.text)), sql.args)
                    .fetch_optional(p)
                    .await?
            }
        })
    }

    /// [`Store::read_optional`] within one organisation: on PostgreSQL in a transaction that
    /// sets the organisation for row-level security; on SQLite, which has none (the statement's
    /// `WHERE org_id` is the wall), without one.
    pub(crate) async fn read_scoped_optional<T: BothRow>(
        &self,
        org: OrgId,
        sql: Sql,
    ) -> Result<Option<T>> {
        if let Pool::Pg(_) = self.pool {
            let mut tx = self.scoped_read(org).await?;
            let row = tx.fetch_optional(sql).await?;
            tx.commit().await?;
            return Ok(row);
        }
        self.read_optional(sql).await
    }

    /// A transaction scoped to one organisation.
    pub(crate) async fn scoped(&self, org: OrgId) -> Result<Tx> {
        let mut tx = self.begin().await?;
        if let Tx::Pg(_) = tx {
            tx.execute(sql!("postgres-only/scope/org").arg(org.to_string()))
                .await?;
        }
        Ok(tx)
    }

    /// A transaction that sees one user's memberships across their organisations.
    pub(crate) async fn scoped_user(&self, user: UserId) -> Result<Tx> {
        let mut tx = self.begin().await?;
        if let Tx::Pg(_) = tx {
            tx.execute(sql!("postgres-only/scope/user").arg(user.to_string()))
                .await?;
        }
        Ok(tx)
    }

    /// A transaction for work that spans organisations on purpose (the job worker, key status).
    pub(crate) async fn system_across_orgs(&self) -> Result<Tx> {
        let mut tx = self.begin().await?;
        if let Tx::Pg(_) = tx {
            tx.execute(sql!("postgres-only/scope/system")).await?;
        }
        Ok(tx)
    }

    /// [`Store::scoped`] for a transaction that only reads ([`ReadTx`]).
    pub(crate) async fn scoped_read(&self, org: OrgId) -> Result<ReadTx> {
        self.read_in_scope(|| sql!("postgres-only/scope/org").arg(org.to_string()))
            .await
    }

    /// [`Store::scoped_user`] for a transaction that only reads ([`ReadTx`]).
    pub(crate) async fn scoped_user_read(&self, user: UserId) -> Result<ReadTx> {
        self.read_in_scope(|| sql!("postgres-only/scope/user").arg(user.to_string()))
            .await
    }

    /// [`Store::system_across_orgs`] for a transaction that only reads ([`ReadTx`]).
    pub(crate) async fn system_read_across_orgs(&self) -> Result<ReadTx> {
        self.read_in_scope(|| sql!("postgres-only/scope/system"))
            .await
    }

    /// A read-only transaction; on PostgreSQL with `scope` set first (row-level security). The
    /// statement is made only there: SQLite's reads need no scope, and no argument built for it.
    async fn read_in_scope(&self, scope: impl FnOnce() -> Sql) -> Result<ReadTx> {
        let mut tx = self.begin_read().await?;
        if let Tx::Pg(_) = tx.backend() {
            tx.backend().execute(scope()).await?;
        }
        Ok(tx)
    }
}

/// Creates an empty database file readable by its owner only (mode 0600), unless it exists.
/// SQLite gives its `-wal` and `-shm` files the database file's mode, so they are private too.
fn create_private_file(path: &std::path::Path) -> Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(StorageError::Config(format!(
            "cannot create the SQLite database {}: {e}",
            path.display()
        ))),
    }
}

/// Makes a database created before files were private (and its `-wal`/`-shm`) owner-only.
fn restrict_to_owner(path: &std::path::Path) -> Result<()> {
    #[cfg(unix)]
    for suffix in ["", "-wal", "-shm"] {
        use std::os::unix::fs::PermissionsExt;
        let mut file = path.as_os_str().to_owned();
        file.push(suffix);
        let file = std::path::PathBuf::from(file);
        let Ok(meta) = std::fs::metadata(&file) else {
            continue;
        };
        if meta.permissions().mode() & 0o077 != 0 {
            std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).map_err(
                |e| StorageError::Config(format!("cannot restrict {}: {e}", file.display())),
            )?;
        }
    }
    Ok(())
}

/// A migration as `flowsense migrate` and the readiness check name it: `0003_org_keys`.
fn migration_name(version: i64, description: &str) -> String {
    format!("{version:04}_{}", description.replace(' ', "_"))
}
