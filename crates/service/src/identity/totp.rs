//! RFC 6238 codes (SHA-1, 6 digits, 30 s steps, ±1 step of skew) and recovery codes.

use super::crypto::{hmac_sha256, random_bytes};
use crate::Context;
use flowsense_core::UserId;
use totp_rs::{Algorithm, Builder, Totp};

pub const RECOVERY_CODES: usize = 10;
const ISSUER: &str = "FlowSense";

/// A fresh 160-bit secret.
#[must_use]
pub fn new_secret() -> Vec<u8> {
    random_bytes::<20>().to_vec()
}

fn totp(secret: &[u8], account: &str) -> Option<Totp> {
    Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(6)
        .with_skew(1)
        .with_step_duration(30)
        .with_secret(secret.to_vec())
        .with_account_name(account)
        .with_issuer(Some(ISSUER))
        .build()
        .ok()
}

/// The `otpauth://` URI authenticator apps read (as a QR code or pasted).
#[must_use]
pub fn otpauth_uri(secret: &[u8], account: &str) -> Option<String> {
    totp(secret, account)?.to_url().ok()
}

/// The secret in the base32 form apps accept when typed.
#[must_use]
pub fn secret_base32(secret: &[u8]) -> String {
    totp_rs::Secret::from(secret.to_vec()).to_base32()
}

/// The time step `code` belongs to, if it is valid at `unix_time` within ±1 step.
#[must_use]
pub fn matching_step(secret: &[u8], code: &str, unix_time: u64) -> Option<i64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    totp(secret, "x")?
        .check(&code, unix_time)
        .and_then(|step| i64::try_from(step).ok())
}

const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";

/// Ten new recovery codes, `xxxxx-xxxxx` (50 bits each).
#[must_use]
pub fn new_recovery_codes() -> Vec<String> {
    (0..RECOVERY_CODES)
        .map(|_| {
            let bytes = random_bytes::<10>();
            let chars: String = bytes
                .iter()
                .map(|b| ALPHABET[usize::from(b & 31)] as char)
                .collect();
            format!("{}-{}", &chars[..5], &chars[5..])
        })
        .collect()
}

/// The stored form of a recovery code: keyed, so a leaked table cannot be brute-forced offline.
#[must_use]
pub fn recovery_code_hash(ctx: &Context, user: UserId, code: &str) -> Vec<u8> {
    let normal: String = code
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    hmac_sha256(
        &ctx.key.subkey("recovery-codes"),
        &[user.0.as_bytes(), normal.as_bytes()],
    )
    .to_vec()
}
