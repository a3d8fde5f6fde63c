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
