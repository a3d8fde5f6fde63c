//! Sealing of TOTP secrets at rest.
//!
//! Encryption: replaced by the keyring. Every encrypt/decrypt of a TOTP secret goes through
//! `seal_totp_secret` / `open_totp_secret` below and nowhere else. Today they use AES-256-GCM
//! under a subkey of the instance key; the keyring (per-organisation data keys wrapped by the
//! master key) replaces the body of these two functions, keeping their signatures.
//!
//! Stored form: `version (1 byte) | nonce (12) | ciphertext+tag`, with associated data
//! `users|mfa_secret_enc|<user id>` so a sealed secret cannot be moved to another user's row.

use super::crypto::{InstanceKey, random_bytes};
use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use flowsense_core::UserId;

const VERSION: u8 = 1;

#[derive(Debug, thiserror::Error)]
#[error("the stored TOTP secret cannot be opened")]
pub struct SealError;

fn cipher(key: &InstanceKey) -> Aes256Gcm {
    let k = key.subkey("totp-secret-seal");
    #[allow(clippy::expect_used)]
    Aes256Gcm::new_from_slice(&k).expect("32-byte key")
}

fn aad(user: UserId) -> Vec<u8> {
    format!("users|mfa_secret_enc|{user}").into_bytes()
}

/// Encrypts a user's TOTP secret for storage in `users.mfa_secret_enc`.
// Encryption: replaced by the keyring
pub fn seal_totp_secret(
    key: &InstanceKey,
    user: UserId,
    secret: &[u8],
) -> Result<Vec<u8>, SealError> {
    let nonce_bytes: [u8; 12] = random_bytes();
    let ct = cipher(key)
        .encrypt(
            &Nonce::from(nonce_bytes),
            Payload {
                msg: secret,
                aad: &aad(user),
            },
        )
        .map_err(|_| SealError)?;
    let mut out = Vec::with_capacity(1 + 12 + ct.len());
    out.push(VERSION);
    out.extend_from_slice(&nonce_bytes);
    out.extend_from_slice(&ct);
    Ok(out)
}

/// Decrypts what [`seal_totp_secret`] produced for the same user.
// Encryption: replaced by the keyring
pub fn open_totp_secret(
    key: &InstanceKey,
    user: UserId,
    sealed: &[u8],
) -> Result<Vec<u8>, SealError> {
    if sealed.len() < 1 + 12 + 16 || sealed[0] != VERSION {
        return Err(SealError);
    }
    let nonce: [u8; 12] = sealed[1..13].try_into().map_err(|_| SealError)?;
    cipher(key)
        .decrypt(
            &Nonce::from(nonce),
            Payload {
                msg: &sealed[13..],
                aad: &aad(user),
            },
        )
        .map_err(|_| SealError)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_is_bound_to_the_user() {
        let key = InstanceKey::generate();
        let (a, b) = (UserId::new(), UserId::new());
        let sealed = seal_totp_secret(&key, a, b"0123456789abcdefghij").unwrap();
        assert_eq!(
            open_totp_secret(&key, a, &sealed).unwrap(),
            b"0123456789abcdefghij"
        );
        assert!(
            open_totp_secret(&key, b, &sealed).is_err(),
            "another user's row"
        );
        assert!(open_totp_secret(&InstanceKey::generate(), a, &sealed).is_err());
        let mut tampered = sealed.clone();
        *tampered.last_mut().unwrap() ^= 1;
        assert!(open_totp_secret(&key, a, &tampered).is_err());
        assert!(!sealed.windows(20).any(|w| w == b"0123456789abcdefghij"));
    }
}
