//! Small, audited building blocks: random tokens, SHA-256, HMAC, constant-time comparison,
//! and the per-instance key with its purpose-bound subkeys.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

type HmacSha256 = Hmac<Sha256>;

/// `n` bytes from the operating system's CSPRNG.
///
/// # Panics
/// When the operating system has no randomness to give (nothing secure can continue then).
#[must_use]
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    getrandom::fill(&mut b).expect("the OS random number generator failed");
    b
}

#[must_use]
pub fn b64url(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

#[must_use]
pub fn b64url_decode(s: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(s.trim()).ok()
}

#[must_use]
pub fn sha256(data: &[u8]) -> Vec<u8> {
    Sha256::digest(data).to_vec()
}

#[must_use]
pub fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes keys of any length");
    for p in parts {
        mac.update(p);
    }
    mac.finalize().into_bytes().into()
}

/// Compares secrets without leaking where they first differ.
#[must_use]
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The instance's 32-byte secret. Every use gets its own subkey derived by HMAC with a label,
/// so one purpose's output can never be replayed as another's.
#[derive(Clone)]
pub struct InstanceKey([u8; 32]);

impl InstanceKey {
    #[must_use]
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// A fresh random key (tests, throwaway demos).
    #[must_use]
    pub fn generate() -> Self {
        Self(random_bytes())
    }

    pub(crate) fn subkey(&self, label: &str) -> [u8; 32] {
        hmac_sha256(&self.0, &[b"flowsense/", label.as_bytes()])
    }
}

impl std::fmt::Debug for InstanceKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("InstanceKey(..)")
    }
}
