//! The ciphertext format and the AES-256-GCM primitives behind it.
//!
//! A sealed field is `format (1) ‖ data key version (4, big-endian) ‖ nonce (12) ‖ body ‖ tag (16)`.
//! The associated data is the header plus a length-prefixed encoding of the owner (organisation
//! id or "instance"), table, column and row, so a ciphertext moved anywhere else, or with any
//! header byte changed, fails to decrypt.

use super::error::CryptoError;
use aes_gcm::aead::{AeadInOut, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce, Tag};
use flowsense_core::OrgId;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use zeroize::Zeroizing;

/// The only ciphertext format this build writes (and reads).
pub const FORMAT_VERSION: u8 = 1;
const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;
const HEADER_LEN: usize = 1 + 4 + NONCE_LEN;
/// Bytes a sealed value adds to its plaintext.
pub const CIPHERTEXT_OVERHEAD: usize = HEADER_LEN + TAG_LEN;
pub(crate) const KEY_LEN: usize = 32;

/// Which value a ciphertext belongs to: the table, the column and the row's id as text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldRef<'a> {
    pub table: &'a str,
    pub column: &'a str,
    pub row: &'a str,
}

impl<'a> FieldRef<'a> {
    #[must_use]
    pub fn new(table: &'a str, column: &'a str, row: &'a str) -> Self {
        Self { table, column, row }
    }
}

/// Whose data key a value is sealed under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum KeyScope {
    Org(OrgId),
    Instance,
}

impl KeyScope {
    fn encode_into(self, out: &mut Vec<u8>) {
        match self {
            KeyScope::Org(org) => push_part(out, org.0.as_bytes()),
            KeyScope::Instance => push_part(out, b"instance"),
        }
    }
}

fn push_part(out: &mut Vec<u8>, part: &[u8]) {
    let len = u32::try_from(part.len()).unwrap_or(u32::MAX);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(part);
}

/// An unwrapped data key (or master key). The cipher's round keys are wiped on drop and nothing
/// of it is ever printed.
#[derive(zeroize::ZeroizeOnDrop)]
pub(crate) struct DataKey {
    pub(crate) version: u32,
    cipher: Aes256Gcm,
}

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DataKey(v{}, [REDACTED])", self.version)
    }
}

impl DataKey {
    pub(crate) fn from_bytes(version: u32, bytes: &[u8; KEY_LEN]) -> Self {
        // A 32-byte slice is always a valid AES-256 key.
        let cipher = Aes256Gcm::new_from_slice(bytes).unwrap_or_else(|_| unreachable!());
        Self { version, cipher }
    }

    /// Encrypts `plaintext` into `nonce ‖ body ‖ tag` appended to `out`.
    pub(crate) fn seal_raw(
        &self,
        aad: &[u8],
        plaintext: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<(), CryptoError> {
        let mut nonce = [0u8; NONCE_LEN];
        getrandom::fill(&mut nonce).map_err(|_| CryptoError::Random)?;
        self.seal_raw_with_nonce(nonce, aad, plaintext, out)
    }

    /// The encryption behind [`DataKey::seal_raw`] with the nonce given, so that known-answer
    /// vectors can check it; the product only ever calls it with a fresh random nonce.
    pub(super) fn seal_raw_with_nonce(
        &self,
        nonce: [u8; NONCE_LEN],
        aad: &[u8],
        plaintext: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<(), CryptoError> {
        out.extend_from_slice(&nonce);
        let start = out.len();
        out.extend_from_slice(plaintext);
        let tag = self
            .cipher
            .encrypt_inout_detached(&Nonce::from(nonce), aad, (&mut out[start..]).into())
            .map_err(|_| CryptoError::Undecryptable)?;
        out.extend_from_slice(&tag);
        Ok(())
    }

    /// Decrypts `nonce ‖ body ‖ tag`.
    pub(crate) fn open_raw(
        &self,
        aad: &[u8],
        sealed: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        if sealed.len() < NONCE_LEN + TAG_LEN {
            return Err(CryptoError::Undecryptable);
        }
        let (nonce, rest) = sealed.split_at(NONCE_LEN);
        let (body, tag) = rest.split_at(rest.len() - TAG_LEN);
        let nonce: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| CryptoError::Undecryptable)?;
        let tag: [u8; TAG_LEN] = tag.try_into().map_err(|_| CryptoError::Undecryptable)?;
        let mut plain = Zeroizing::new(body.to_vec());
        self.cipher
            .decrypt_inout_detached(
                &Nonce::from(nonce),
                aad,
                plain.as_mut_slice().into(),
                &Tag::from(tag),
            )
            .map_err(|_| CryptoError::Undecryptable)?;
        Ok(plain)
    }
}

/// The associated data of a sealed field.
fn field_aad(scope: KeyScope, field: &FieldRef<'_>, header: &[u8]) -> Vec<u8> {
    let mut aad = Vec::with_capacity(64 + field.table.len() + field.column.len() + field.row.len());
    push_part(&mut aad, b"flowsense/field");
    push_part(&mut aad, header);
    scope.encode_into(&mut aad);
    push_part(&mut aad, field.table.as_bytes());
    push_part(&mut aad, field.column.as_bytes());
    push_part(&mut aad, field.row.as_bytes());
    aad
}

/// The associated data of a wrapped data key: whose key, which version, under which master.
pub(crate) fn wrap_aad(scope: KeyScope, key_version: u32, master_version: u32) -> Vec<u8> {
    let mut aad = Vec::with_capacity(64);
    push_part(&mut aad, b"flowsense/data-key");
    scope.encode_into(&mut aad);
    push_part(&mut aad, &key_version.to_be_bytes());
    push_part(&mut aad, &master_version.to_be_bytes());
    aad
}

/// Seals one field value under `key`.
pub(crate) fn seal_field(
    key: &DataKey,
    scope: KeyScope,
    field: &FieldRef<'_>,
    plaintext: &[u8],
) -> Result<Vec<u8>, CryptoError> {
    let mut out = Vec::with_capacity(plaintext.len() + CIPHERTEXT_OVERHEAD);
    out.push(FORMAT_VERSION);
    out.extend_from_slice(&key.version.to_be_bytes());
    let aad = field_aad(scope, field, &out);
    key.seal_raw(&aad, plaintext, &mut out)?;
    Ok(out)
}

/// The data key version a ciphertext names in its header.
pub(crate) fn key_version_of(ciphertext: &[u8]) -> Result<u32, CryptoError> {
    if ciphertext.len() < CIPHERTEXT_OVERHEAD {
        return Err(CryptoError::Undecryptable);
    }
    if ciphertext[0] != FORMAT_VERSION {
        return Err(CryptoError::UnsupportedFormat(ciphertext[0]));
    }
    let mut version = [0u8; 4];
    version.copy_from_slice(&ciphertext[1..5]);
    Ok(u32::from_be_bytes(version))
}

/// Opens one field value sealed under `key` (whose version the header must name).
pub(crate) fn open_field(
    key: &DataKey,
    scope: KeyScope,
    field: &FieldRef<'_>,
    ciphertext: &[u8],
) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
    if key_version_of(ciphertext)? != key.version {
        return Err(CryptoError::Undecryptable);
    }
    let (header, sealed) = ciphertext.split_at(5);
    key.open_raw(&field_aad(scope, field, header), sealed)
}

/// Seals and opens many values of one organisation with its current data key, without a
/// database round trip per value (bulk writes such as a sync). Obtain one with
/// [`Store::org_sealer`](crate::Store::org_sealer).
/// Clones share one reservation.
#[derive(Clone)]
pub struct OrgSealer {
    pub(crate) org: OrgId,
    pub(crate) key: Arc<DataKey>,
    /// Seals counted against the key when this sealer was made, and how many are left.
    pub(crate) reserved: u64,
    pub(crate) left: Arc<AtomicU64>,
}

impl std::fmt::Debug for OrgSealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "OrgSealer({}, key v{})", self.org, self.key.version)
    }
}

impl OrgSealer {
    /// Seals `plaintext` for `field` of this organisation.
    ///
    /// # Errors
    /// `SealerReservationSpent` once it sealed as many values as it reserved; `Random` when the
    /// operating system's random number generator fails.
    pub fn seal(&self, field: &FieldRef<'_>, plaintext: &[u8]) -> Result<Vec<u8>, CryptoError> {
        self.left
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| n.checked_sub(1))
            .map_err(|_| CryptoError::SealerReservationSpent(self.reserved))?;
        seal_field(&self.key, KeyScope::Org(self.org), field, plaintext)
    }

    /// Opens a value this sealer's key version sealed for `field`.
    ///
    /// # Errors
    /// `Undecryptable` when the value was tampered with, belongs elsewhere, or is under another
    /// key version.
    pub fn open(
        &self,
        field: &FieldRef<'_>,
        ciphertext: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        open_field(&self.key, KeyScope::Org(self.org), field, ciphertext)
    }

    /// The data key version values are sealed under.
    #[must_use]
    pub fn key_version(&self) -> u32 {
        self.key.version
    }
}
