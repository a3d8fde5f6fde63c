//! Signed, expiring links sent by e-mail (verify address, reset password). Nothing is stored:
//! the MAC binds the link to the user, its purpose, its expiry and — for resets — the current
//! password hash, so a reset link stops working once used (the hash changes).

use super::crypto::{b64url, b64url_decode, ct_eq, hmac_sha256, sha256};
use crate::Context;
use chrono::{DateTime, TimeDelta, Utc};
use flowsense_core::UserId;
use flowsense_storage::User;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum LinkPurpose {
    VerifyEmail = 1,
    ResetPassword = 2,
}

impl LinkPurpose {
    #[must_use]
    pub fn lifetime(self) -> TimeDelta {
        match self {
            LinkPurpose::VerifyEmail => TimeDelta::hours(48),
            LinkPurpose::ResetPassword => TimeDelta::hours(1),
        }
    }
}

const PAYLOAD_LEN: usize = 1 + 16 + 8;

fn binding(user: &User, purpose: LinkPurpose) -> Vec<u8> {
    match purpose {
        LinkPurpose::VerifyEmail => user.email.as_bytes().to_vec(),
        LinkPurpose::ResetPassword => sha256(user.password_hash.as_bytes()),
    }
}

fn mac(ctx: &Context, payload: &[u8], user: &User, purpose: LinkPurpose) -> [u8; 32] {
    hmac_sha256(
        &ctx.key.subkey("email-links"),
        &[payload, &binding(user, purpose)],
    )
}

/// A link token for `user`, valid for the purpose's lifetime from now.
#[must_use]
pub fn sign_link(ctx: &Context, user: &User, purpose: LinkPurpose) -> String {
    let expires = (ctx.now() + purpose.lifetime()).timestamp();
    let mut payload = Vec::with_capacity(PAYLOAD_LEN + 32);
    payload.push(purpose as u8);
    payload.extend_from_slice(user.id.0.as_bytes());
    payload.extend_from_slice(&expires.to_be_bytes());
    let m = mac(ctx, &payload, user, purpose);
    payload.extend_from_slice(&m);
    b64url(&payload)
}

/// The user a link names, if it is well formed, for this purpose, and not expired. The MAC is
/// checked by [`check_link`] once the user is loaded.
#[must_use]
pub fn link_subject(token: &str, purpose: LinkPurpose, now: DateTime<Utc>) -> Option<UserId> {
    let raw = b64url_decode(token)?;
    if raw.len() != PAYLOAD_LEN + 32 || raw[0] != purpose as u8 {
        return None;
    }
    let id = uuid::Uuid::from_slice(&raw[1..17]).ok()?;
    let expires = i64::from_be_bytes(raw[17..25].try_into().ok()?);
    (now.timestamp() < expires).then_some(UserId(id))
}

/// Whether the link's MAC matches `user` as stored now.
#[must_use]
pub fn check_link(ctx: &Context, token: &str, user: &User, purpose: LinkPurpose) -> bool {
    let Some(raw) = b64url_decode(token) else {
        return false;
    };
    raw.len() == PAYLOAD_LEN + 32
        && ct_eq(
            &raw[PAYLOAD_LEN..],
            &mac(ctx, &raw[..PAYLOAD_LEN], user, purpose),
        )
}
