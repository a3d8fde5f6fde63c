//! What can go wrong with keys and ciphertexts. No message ever carries key material or
//! plaintext; they name the setting or file to fix instead.

use thiserror::Error;

/// A key or ciphertext problem.
#[derive(Debug, Error)]
pub enum CryptoError {
    /// The master key setting or file is unusable (the message names it and says why).
    #[error("{0}")]
    MasterKeyConfig(String),
    /// A wrapped key needs a master key version that was not loaded.
    #[error(
        "master key version v{0} is needed to unwrap stored keys but is not loaded; add it to FLOWSENSE_MASTER_KEY or FLOWSENSE_MASTER_KEY_FILE"
    )]
    MasterKeyVersionMissing(u32),
    /// The loaded master key cannot unwrap the keys stored in this database.
    #[error(
        "the master key does not match this database: master key version v{0} cannot unwrap its stored keys (check FLOWSENSE_MASTER_KEY or FLOWSENSE_MASTER_KEY_FILE)"
    )]
    MasterKeyMismatch(u32),
    /// The store was opened without a keyring, so nothing can be sealed or opened.
    #[error("no master key loaded: set FLOWSENSE_MASTER_KEY or FLOWSENSE_MASTER_KEY_FILE")]
    NoKeyring,
    /// The data key this ciphertext names does not exist (destroyed with its organisation, or
    /// never created).
    #[error("the data key v{0} for this value no longer exists")]
    DataKeyGone(u32),
    /// The ciphertext is malformed, tampered with, or bound to another row, column or owner.
    #[error("a stored value failed to decrypt")]
    Undecryptable,
    /// The ciphertext format version is not one this build reads.
    #[error("unsupported ciphertext format version {0}")]
    UnsupportedFormat(u8),
    /// A master key version is still in use and cannot be retired.
    #[error(
        "master key version v{version} still wraps {keys} key(s); run `flowsense keys rotate` first"
    )]
    MasterKeyInUse { version: u32, keys: u64 },
    /// The current master key version cannot be retired.
    #[error("master key version v{0} is the current version and cannot be retired")]
    RetireCurrent(u32),
    /// A data key reached its cap of seals and a fresh one would reach it too: the owner has
    /// more values than the cap allows one key to seal.
    #[error(
        "a data key has sealed its cap of {cap} values even after rotation; raise the seal cap (OpenOptions::seals_per_data_key)"
    )]
    SealCapReached { cap: u64 },
    /// An [`OrgSealer`](super::OrgSealer) sealed as many values as it reserved.
    #[error("this sealer has sealed the {0} values it reserved; take a new one")]
    SealerReservationSpent(u64),
    /// The operating system's random number generator failed.
    #[error("the operating system random number generator failed")]
    Random,
}
