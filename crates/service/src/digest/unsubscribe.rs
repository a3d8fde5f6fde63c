//! Signed one-click unsubscribe links (RFC 8058): a link in a digest that turns that digest
//! off without signing in. Nothing is stored: the token carries the purpose, the user and the
//! organisation, and an HMAC-SHA256 over them, so it cannot be moved to another person or
//! organisation. It does not expire (an old digest's link must keep working) and stays
//! harmless when leaked: all it can do is turn one e-mail off.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use flowsense_core::{OrgId, UserId};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use uuid::Uuid;

/// Which e-mail the link turns off. The byte is part of the signed payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum UnsubscribePurpose {
    WeeklyDigest = 1,
}

impl UnsubscribePurpose {
    fn from_byte(b: u8) -> Option<Self> {
        (b == Self::WeeklyDigest as u8).then_some(Self::WeeklyDigest)
    }
}

/// What a valid token says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unsubscribe {
    pub user: UserId,
    pub org: OrgId,
    pub purpose: UnsubscribePurpose,
}

/// Separates these MACs from any other use of the same key.
const DOMAIN: &[u8] = b"flowsense/unsubscribe/v1";
const PAYLOAD_LEN: usize = 1 + 16 + 16;
const MAC_LEN: usize = 32;
/// Longest token text looked at: anything longer is refused before decoding.
const MAX_TOKEN_CHARS: usize = 128;

fn mac(key: &[u8; 32]) -> Hmac<Sha256> {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(DOMAIN);
    mac
}

fn payload(user: UserId, org: OrgId, purpose: UnsubscribePurpose) -> [u8; PAYLOAD_LEN] {
    let mut p = [0u8; PAYLOAD_LEN];
    p[0] = purpose as u8;
    p[1..17].copy_from_slice(user.0.as_bytes());
    p[17..].copy_from_slice(org.0.as_bytes());
    p
}

/// A URL-safe token (base64url, 87 characters) that unsubscribes `user` from `purpose` mail
/// of `org`. `key` is a 32-byte secret kept for this purpose alone.
#[must_use]
pub fn sign_unsubscribe(
    key: &[u8; 32],
    user: UserId,
    org: OrgId,
    purpose: UnsubscribePurpose,
) -> String {
    let payload = payload(user, org, purpose);
    let mut m = mac(key);
    m.update(&payload);
    let tag = m.finalize().into_bytes();
    let mut token = Vec::with_capacity(PAYLOAD_LEN + MAC_LEN);
    token.extend_from_slice(&payload);
    token.extend_from_slice(&tag);
    URL_SAFE_NO_PAD.encode(token)
}

/// The user, organisation and purpose of a token signed with `key`; `None` for anything
/// tampered with, truncated or signed with another key. The MAC is compared in constant time.
#[must_use]
pub fn verify_unsubscribe(key: &[u8; 32], token: &str) -> Option<Unsubscribe> {
    if token.len() > MAX_TOKEN_CHARS {
        return None;
    }
    let bytes = URL_SAFE_NO_PAD.decode(token.trim()).ok()?;
    if bytes.len() != PAYLOAD_LEN + MAC_LEN {
        return None;
    }
    let (payload, tag) = bytes.split_at(PAYLOAD_LEN);
    let mut m = mac(key);
    m.update(payload);
    m.verify_slice(tag).ok()?;
    let uuid = |range: std::ops::Range<usize>| Uuid::from_slice(payload.get(range)?).ok();
    Some(Unsubscribe {
        purpose: UnsubscribePurpose::from_byte(payload[0])?,
        user: UserId(uuid(1..17)?),
        org: OrgId(uuid(17..PAYLOAD_LEN)?),
    })
}

/// The link a digest carries: `GET` shows a confirmation page, `POST` (with
/// `List-Unsubscribe=One-Click`, or from that page) unsubscribes.
#[must_use]
pub fn unsubscribe_url(public_url: &str, token: &str) -> String {
    format!("{}/unsubscribe/{token}", public_url.trim_end_matches('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: [u8; 32] = [7; 32];

    #[test]
    fn a_token_round_trips_and_is_url_safe() {
        let (user, org) = (UserId::new(), OrgId::new());
        let token = sign_unsubscribe(&KEY, user, org, UnsubscribePurpose::WeeklyDigest);
        assert!(
            token
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        );
        assert_eq!(
            verify_unsubscribe(&KEY, &token),
            Some(Unsubscribe {
                user,
                org,
                purpose: UnsubscribePurpose::WeeklyDigest
            })
        );
        assert_eq!(
            unsubscribe_url("https://app.example.com/", &token),
            format!("https://app.example.com/unsubscribe/{token}")
        );
    }

    #[test]
    fn tampered_truncated_or_foreign_tokens_are_refused() {
        let (user, org) = (UserId::new(), OrgId::new());
        let token = sign_unsubscribe(&KEY, user, org, UnsubscribePurpose::WeeklyDigest);
        let mut bytes = URL_SAFE_NO_PAD.decode(&token).expect("base64");
        // Point the token at another organisation, keeping the MAC.
        bytes[20] ^= 1;
        assert_eq!(
            verify_unsubscribe(&KEY, &URL_SAFE_NO_PAD.encode(&bytes)),
            None
        );
        assert_eq!(verify_unsubscribe(&KEY, &token[..token.len() - 2]), None);
        assert_eq!(verify_unsubscribe(&[8; 32], &token), None);
        assert_eq!(verify_unsubscribe(&KEY, ""), None);
        assert_eq!(verify_unsubscribe(&KEY, "not base64 at all!"), None);
        assert_eq!(verify_unsubscribe(&KEY, &"A".repeat(10_000)), None);
        let other = sign_unsubscribe(&KEY, UserId::new(), org, UnsubscribePurpose::WeeklyDigest);
        assert_ne!(other, token);
    }
}
