//! Field encryption (SPEC §5): a versioned master key (key-encryption key) wraps one random
//! 256-bit data key per organisation, plus one instance data key for secrets that belong to no
//! organisation (TOTP secrets). Fields are sealed with AES-256-GCM under a fresh random nonce,
//! with associated data binding each ciphertext to its owner, table, column and row.
//!
//! Deleting an organisation destroys its data keys first (crypto-shredding).

mod backup_cipher;
#[cfg(any(test, fuzzing))]
pub mod backup_fuzz_checks;
mod data_key_rotation;
mod envelope;
mod error;
mod fields;
#[cfg(any(test, fuzzing))]
pub mod fuzz_checks;
mod key_file;
mod keyring;
pub(crate) mod keys;
mod rotation;
mod sealing;
#[cfg(feature = "sqlcipher")]
pub(crate) mod sqlcipher;

pub use backup_cipher::{BACKUP_CHUNK_BYTES, BackupCipher, BackupCipherError};
pub use envelope::{CIPHERTEXT_OVERHEAD, FORMAT_VERSION, FieldRef, OrgSealer};
pub use error::CryptoError;
pub use keyring::{Keyring, MASTER_KEY_ENV, MASTER_KEY_FILE_ENV};
pub use rotation::{
    InstanceKeyRotation, KeyStatus, MasterRotation, OrgKeyRotation, RotationProgress,
};

pub(crate) use envelope::KeyScope;
pub(crate) use keys::KeyCache;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod wycheproof;
