//! Facts about this instance as a whole, for the trust center.

use crate::Context;
use flowsense_storage::StorageError;
use flowsense_storage::crypto::KeyStatus;

/// The master key's version, its last rotation and how many keys it wraps.
///
/// # Errors
/// A database failure, or no keyring configured.
pub async fn key_status(ctx: &Context) -> Result<KeyStatus, StorageError> {
    ctx.store.key_status().await
}

/// Why the instance cannot serve yet (what `/readyz` answers 503 for).
#[derive(Debug, thiserror::Error)]
pub enum NotReady {
    #[error("the database does not answer")]
    Database(#[source] StorageError),
    /// The database has not applied every migration this build carries (the first is named).
    #[error("the database schema is not current: {count} migration(s) pending, first {first}")]
    MigrationsPending { count: usize, first: String },
}

/// Whether the instance can serve: its database answers and has applied every migration this
/// build carries.
///
/// # Errors
/// [`NotReady`] says which of the two failed.
#[tracing::instrument(skip_all)]
pub async fn readiness(ctx: &Context) -> Result<(), NotReady> {
    let pending = ctx
        .store
        .pending_migrations()
        .await
        .map_err(NotReady::Database)?;
    match pending.first() {
        None => Ok(()),
        Some(first) => Err(NotReady::MigrationsPending {
            count: pending.len(),
            first: first.clone(),
        }),
    }
}
