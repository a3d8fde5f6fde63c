use thiserror::Error;

/// What went wrong in storage. `NotFound` is never the same as a database failure.
#[derive(Debug, Error)]
pub enum StorageError {
    #[error("not found")]
    NotFound,
    /// A write broke a uniqueness rule: a database constraint, named as PostgreSQL names it on
    /// both backends (see [`constraint`]), or a rule storage checks itself (`"last admin"`).
    #[error("already exists: {0}")]
    Conflict(&'static str),
    #[error("bad configuration: {0}")]
    Config(String),
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
    #[error("database error")]
    Database(#[source] sqlx::Error),
    #[error(transparent)]
    Crypto(#[from] crate::crypto::CryptoError),
    #[error("migration failed")]
    Migrate(#[source] sqlx::migrate::MigrateError),
    /// One failure answered to every caller that shared the read (the sign-in epoch's).
    #[error(transparent)]
    Shared(std::sync::Arc<StorageError>),
}

impl From<sqlx::Error> for StorageError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::RowNotFound => StorageError::NotFound,
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                StorageError::Conflict(constraint::violated(db.as_ref()))
            }
            _ => StorageError::Database(e),
        }
    }
}

impl From<sqlx::migrate::MigrateError> for StorageError {
    fn from(e: sqlx::migrate::MigrateError) -> Self {
        StorageError::Migrate(e)
    }
}

pub type Result<T, E = StorageError> = std::result::Result<T, E>;

impl StorageError {
    /// Whether the database could not be reached: down, restarting, refusing connections, or no
    /// connection free within the pool's acquire timeout. Such a failure is worth retrying
    /// shortly (a 503), unlike a bug or bad data.
    #[must_use]
    pub fn is_unavailable(&self) -> bool {
        match self {
            StorageError::Database(e) => sqlx_unavailable(e),
            StorageError::Migrate(sqlx::migrate::MigrateError::Execute(e)) => sqlx_unavailable(e),
            StorageError::Shared(e) => e.is_unavailable(),
            _ => false,
        }
    }
}

/// Whether anything in `error`'s cause chain is the database being unreachable (a
/// [`StorageError`] or an `sqlx` error that says so), however many layers wrap it.
#[must_use]
pub fn database_unavailable(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut next = Some(error);
    while let Some(e) = next {
        if let Some(s) = e.downcast_ref::<StorageError>() {
            if s.is_unavailable() {
                return true;
            }
        } else if let Some(s) = e.downcast_ref::<sqlx::Error>()
            && sqlx_unavailable(s)
        {
            return true;
        }
        next = e.source();
    }
    false
}

fn sqlx_unavailable(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::WorkerCrashed => true,
        // PostgreSQL's connection exceptions (class 08), a server shutting down or starting up
        // (57P01 admin_shutdown, 57P02 crash_shutdown, 57P03 cannot_connect_now), and no
        // connection slot left (53300).
        sqlx::Error::Database(db) => db
            .code()
            .is_some_and(|c| c.starts_with("08") || c.starts_with("57P0") || c == "53300"),
        _ => false,
    }
}

/// The schema's unique constraints, by the names PostgreSQL gives them (`<table>_<columns>_key`),
/// so a service can tell which rule a conflicting write broke on either backend.
pub mod constraint {
    pub const ORGANISATION_SLUG: &str = "organisations_slug_key";
    pub const USER_EMAIL: &str = "users_email_key";
    pub const API_TOKEN_HASH: &str = "api_tokens_token_hash_key";
    pub const INVITATION_TOKEN_HASH: &str = "invitations_token_hash_key";
    pub const SESSION_PUBLIC_ID: &str = "sessions_public_id_key";
    pub const CONNECTION_TENANT: &str = "connections_org_id_provider_tenant_id_key";
    pub const BANK_ACCOUNT_NAME: &str = "bank_accounts_org_id_name_key";
    pub const LEDGER_ACCOUNT_CODE: &str = "ledger_accounts_org_id_code_key";
    pub const TRANSACTION_EXTERNAL_ID: &str = "transactions_org_id_external_id_key";
    pub const DOCUMENT_EXTERNAL_ID: &str = "documents_org_id_kind_external_id_key";
    pub const JOB_DEDUPE_KEY: &str = "jobs_dedupe_key_key";
    /// Any other unique key (a primary key, say).
    pub const OTHER: &str = "a row with the same unique key";

    const KNOWN: [&str; 11] = [
        ORGANISATION_SLUG,
        USER_EMAIL,
        API_TOKEN_HASH,
        INVITATION_TOKEN_HASH,
        SESSION_PUBLIC_ID,
        CONNECTION_TENANT,
        BANK_ACCOUNT_NAME,
        LEDGER_ACCOUNT_CODE,
        TRANSACTION_EXTERNAL_ID,
        DOCUMENT_EXTERNAL_ID,
        JOB_DEDUPE_KEY,
    ];

    /// The constraint a unique violation broke. PostgreSQL names it; SQLite names the columns
    /// in its message (`UNIQUE constraint failed: organisations.slug`), from which the
    /// PostgreSQL name is built.
    pub(crate) fn violated(db: &dyn sqlx::error::DatabaseError) -> &'static str {
        let name = match db.constraint() {
            Some(name) => name.to_owned(),
            None => sqlite_name(db.message()).unwrap_or_default(),
        };
        KNOWN.into_iter().find(|k| *k == name).unwrap_or(OTHER)
    }

    /// `UNIQUE constraint failed: t.a, t.b` → `t_a_b_key`.
    fn sqlite_name(message: &str) -> Option<String> {
        let columns = message.strip_prefix("UNIQUE constraint failed: ")?;
        let mut table = None;
        let mut names = Vec::new();
        for qualified in columns.split(", ") {
            let (t, column) = qualified.trim().split_once('.')?;
            table.get_or_insert(t);
            names.push(column);
        }
        Some(format!("{}_{}_key", table?, names.join("_")))
    }

    #[cfg(test)]
    mod tests {
        #[test]
        fn sqlite_messages_name_the_postgresql_constraint() {
            assert_eq!(
                super::sqlite_name("UNIQUE constraint failed: organisations.slug").as_deref(),
                Some(super::ORGANISATION_SLUG)
            );
            assert_eq!(
                super::sqlite_name(
                    "UNIQUE constraint failed: bank_accounts.org_id, bank_accounts.name"
                )
                .as_deref(),
                Some(super::BANK_ACCOUNT_NAME)
            );
            assert_eq!(super::sqlite_name("NOT NULL constraint failed: x.y"), None);
        }
    }
}
