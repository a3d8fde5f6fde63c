//! The query string of `GET /oauth/{provider}/callback`, where QuickBooks or Xero sends the
//! admin's browser back, and the check that it answers a state this server issued. Pure (no
//! I/O): the server looks the state up by [`state_hash`] and hands the record it took to
//! [`verify_callback`]; the fuzz target `oauth_callback` reaches both without a server.
//!
//! A state is issued as 32 random bytes in base64url (43 characters), stored only as its
//! SHA-256 and bound to the hash of the browser session that asked, for one provider.

use sha2::{Digest, Sha256};

/// Longer states were never issued (ours are 43 characters); they are refused unhashed.
pub const MAX_STATE_LEN: usize = 128;

/// The parameters a provider's redirect carries (each at most once).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallbackQuery {
    pub state: Option<String>,
    pub code: Option<String>,
    /// QuickBooks' company id (`realmId`).
    pub realm_id: Option<String>,
    /// Set when the user pressed Cancel (`access_denied`) or the provider refused.
    pub error: Option<String>,
}

/// What an accepted callback grants: the code to exchange, and for QuickBooks the company.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallbackGrant {
    QuickBooks { code: String, realm_id: String },
    Xero { code: String },
}

/// Why a callback was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallbackRefusal {
    /// No state, a state of another session or provider, or one never issued.
    #[error("the callback does not answer a sign-in this session started")]
    NotIssued,
    /// The same parameter twice: a provider never sends that.
    #[error("the callback repeats {0}")]
    Repeated(&'static str),
    /// The user (or the provider) refused; the provider's error code.
    #[error("the provider refused: {0}")]
    Denied(String),
    #[error("the callback lacks {0}")]
    Missing(&'static str),
}

/// The record kept when a state was issued (its hash, the session's hash, the provider).
#[derive(Debug, Clone, Copy)]
pub struct IssuedState<'a> {
    pub state_hash: &'a [u8],
    pub session_hash: &'a [u8],
    /// `quickbooks` or `xero`.
    pub provider: &'a str,
}

impl CallbackQuery {
    /// Reads the query string (`application/x-www-form-urlencoded`); other parameters are
    /// ignored. It allocates no more than the query's length.
    ///
    /// # Errors
    /// [`CallbackRefusal::Repeated`] when `state`, `code`, `realmId` or `error` comes twice.
    pub fn parse(query: &str) -> Result<Self, CallbackRefusal> {
        let mut q = Self::default();
        for (k, v) in form_urlencoded::parse(query.as_bytes()) {
            let (slot, name) = match &*k {
                "state" => (&mut q.state, "state"),
                "code" => (&mut q.code, "code"),
                "realmId" => (&mut q.realm_id, "realmId"),
                "error" => (&mut q.error, "error"),
                _ => continue,
            };
            if slot.is_some() {
                return Err(CallbackRefusal::Repeated(name));
            }
            *slot = Some(v.into_owned());
        }
        Ok(q)
    }
}

/// The SHA-256 under which the query's state would have been stored, when it has a state of
/// a length this server issues.
#[must_use]
pub fn state_hash(query: &CallbackQuery) -> Option<[u8; 32]> {
    let state = query.state.as_deref()?;
    if state.is_empty() || state.len() > MAX_STATE_LEN {
        return None;
    }
    Some(Sha256::digest(state.as_bytes()).into())
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Accepts `query` for `provider` from the browser whose session hashes to `session` only when
/// its state is the one `issued` was kept for, for that session and that provider (compared in
/// constant time); then a refusal is [`CallbackRefusal::Denied`], and an approval must carry
/// its code (and for QuickBooks its `realmId`).
///
/// # Errors
/// A [`CallbackRefusal`].
pub fn verify_callback(
    provider: &str,
    query: &CallbackQuery,
    session: Option<&[u8]>,
    issued: &IssuedState<'_>,
) -> Result<CallbackGrant, CallbackRefusal> {
    let hash = state_hash(query).ok_or(CallbackRefusal::NotIssued)?;
    let same_state = constant_time_eq(&hash, issued.state_hash);
    let same_session = session.is_some_and(|s| constant_time_eq(s, issued.session_hash));
    if !(same_state && same_session && provider == issued.provider) {
        return Err(CallbackRefusal::NotIssued);
    }
    if let Some(error) = &query.error {
        return Err(CallbackRefusal::Denied(error.clone()));
    }
    let code = query.code.clone().ok_or(CallbackRefusal::Missing("code"))?;
    match provider {
        "quickbooks" => Ok(CallbackGrant::QuickBooks {
            code,
            realm_id: query
                .realm_id
                .clone()
                .ok_or(CallbackRefusal::Missing("realmId"))?,
        }),
        "xero" => Ok(CallbackGrant::Xero { code }),
        _ => Err(CallbackRefusal::NotIssued),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STATE: &str = "the-state-this-server-issued-for-the-callback";

    fn issued<'a>(hash: &'a [u8; 32], provider: &'a str) -> IssuedState<'a> {
        IssuedState {
            state_hash: hash,
            session_hash: b"session",
            provider,
        }
    }

    #[test]
    fn only_the_issued_state_of_this_session_and_provider_is_accepted() {
        let hash: [u8; 32] = Sha256::digest(STATE.as_bytes()).into();
        let good = CallbackQuery::parse(&format!("code=c1&state={STATE}&realmId=9")).unwrap();
        assert_eq!(
            verify_callback(
                "quickbooks",
                &good,
                Some(b"session"),
                &issued(&hash, "quickbooks")
            ),
            Ok(CallbackGrant::QuickBooks {
                code: "c1".into(),
                realm_id: "9".into()
            })
        );
        for (provider, session, kept_for) in [
            ("quickbooks", Some(&b"another"[..]), "quickbooks"),
            ("quickbooks", None, "quickbooks"),
            ("xero", Some(&b"session"[..]), "quickbooks"),
        ] {
            assert_eq!(
                verify_callback(provider, &good, session, &issued(&hash, kept_for)),
                Err(CallbackRefusal::NotIssued)
            );
        }
        let other = CallbackQuery::parse("code=c1&state=another&realmId=9").unwrap();
        assert_eq!(
            verify_callback(
                "quickbooks",
                &other,
                Some(b"session"),
                &issued(&hash, "quickbooks")
            ),
            Err(CallbackRefusal::NotIssued)
        );
        let long = CallbackQuery::parse(&format!("code=c&state={}", "a".repeat(129))).unwrap();
        assert_eq!(state_hash(&long), None);
    }

    #[test]
    fn refusals_repeats_and_missing_parameters_are_told_apart() {
        let hash: [u8; 32] = Sha256::digest(STATE.as_bytes()).into();
        let denied = CallbackQuery::parse(&format!("error=access_denied&state={STATE}")).unwrap();
        assert_eq!(
            verify_callback("xero", &denied, Some(b"session"), &issued(&hash, "xero")),
            Err(CallbackRefusal::Denied("access_denied".into()))
        );
        let no_realm = CallbackQuery::parse(&format!("code=c&state={STATE}")).unwrap();
        assert_eq!(
            verify_callback(
                "quickbooks",
                &no_realm,
                Some(b"session"),
                &issued(&hash, "quickbooks")
            ),
            Err(CallbackRefusal::Missing("realmId"))
        );
        assert_eq!(
            verify_callback("xero", &no_realm, Some(b"session"), &issued(&hash, "xero")),
            Ok(CallbackGrant::Xero { code: "c".into() })
        );
        assert_eq!(
            CallbackQuery::parse(&format!("state={STATE}&state=x")),
            Err(CallbackRefusal::Repeated("state"))
        );
    }
}
