//! Sealing of TOTP secrets at rest: the one place a TOTP secret is encrypted or decrypted.
//!
//! The secret belongs to a user, not to an organisation, so it is sealed with the instance data
//! key (itself wrapped by the master key), bound by associated data to
//! `users|mfa_secret_enc|<user id>`: a sealed secret moved to another user's row does not open.

use flowsense_core::UserId;
use flowsense_storage::{FieldRef, StorageError, Store};
use zeroize::Zeroizing;

fn field(row: &str) -> FieldRef<'_> {
    FieldRef {
        table: "users",
        column: "mfa_secret_enc",
        row,
    }
}

/// Encrypts a user's TOTP secret for storage in `users.mfa_secret_enc`.
#[tracing::instrument(skip_all, fields(user = %user))]
pub async fn seal_totp_secret(
    store: &Store,
    user: UserId,
    secret: &[u8],
) -> Result<Vec<u8>, StorageError> {
    store.seal_instance(&field(&user.to_string()), secret).await
}

/// Decrypts what [`seal_totp_secret`] produced for the same user.
#[tracing::instrument(skip_all, fields(user = %user))]
pub async fn open_totp_secret(
    store: &Store,
    user: UserId,
    sealed: &[u8],
) -> Result<Zeroizing<Vec<u8>>, StorageError> {
    store
        .open_instance_field(&field(&user.to_string()), sealed)
        .await
}
