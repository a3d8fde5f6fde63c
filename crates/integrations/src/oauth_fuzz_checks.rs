//! What the `oauth_callback` fuzz target (`fuzz/fuzz_targets/oauth_callback.rs`) checks on
//! every input, kept here so that the inputs it found are replayed by the ordinary `cargo test`
//! (the test below reads `fuzz/regressions/oauth_callback/` and `fuzz/seeds/oauth_callback/`)
//! without cargo-fuzz.
//!
//! An input is a byte, then the query string of `/oauth/{provider}/callback` as a browser
//! brings it back. The byte's lowest bit picks the provider called back (QuickBooks or Xero),
//! the next whether the browser presents the session the state was issued to, the next whether
//! the state was issued for the other provider. Checked, besides not panicking:
//! - the query reads the same way twice, into no more bytes than it holds;
//! - a callback is accepted only with exactly the issued state, from its session, for its
//!   provider; never with an `error`; and what it grants is the query's own code (and realm).
//!
//! Compiled for tests and fuzzing builds only (`cfg(fuzzing)` is set by cargo-fuzz).

use crate::oauth_callback::{
    CallbackGrant, CallbackQuery, CallbackRefusal, IssuedState, verify_callback,
};
use sha2::{Digest, Sha256};

/// The state the server issued (as `begin_connect` makes them: 32 random bytes, base64url).
pub const ISSUED_STATE: &str = "the-state-this-server-issued-for-the-callback";
const SESSION: &[u8] = b"the hash of the session that started it";

/// Checks one input.
///
/// # Panics
/// When a property above does not hold.
pub fn check_oauth_callback(data: &[u8]) {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let query = String::from_utf8_lossy(rest);
    let provider = if pick & 1 == 0 { "quickbooks" } else { "xero" };
    let own_session = pick & 2 == 0;
    let issued_for = if pick & 4 == 0 {
        provider
    } else if provider == "xero" {
        "quickbooks"
    } else {
        "xero"
    };
    let parsed = CallbackQuery::parse(&query);
    assert_eq!(parsed, CallbackQuery::parse(&query), "not deterministic");
    let Ok(parsed) = parsed else {
        return;
    };
    let held: usize = [&parsed.state, &parsed.code, &parsed.realm_id, &parsed.error]
        .iter()
        .map(|v| v.as_ref().map_or(0, String::len))
        .sum();
    assert!(held <= query.len(), "read into more than the query holds");

    let hash: [u8; 32] = Sha256::digest(ISSUED_STATE.as_bytes()).into();
    let issued = IssuedState {
        state_hash: &hash,
        session_hash: SESSION,
        provider: issued_for,
    };
    let other_session = b"another session".as_slice();
    let session = Some(if own_session { SESSION } else { other_session });
    let verdict = verify_callback(provider, &parsed, session, &issued);
    let answers_issued = parsed.state.as_deref() == Some(ISSUED_STATE);
    if !(answers_issued && own_session && issued_for == provider) {
        assert_eq!(verdict, Err(CallbackRefusal::NotIssued), "{query}");
        return;
    }
    match verdict {
        Ok(grant) => {
            assert!(parsed.error.is_none(), "accepted a refusal");
            match grant {
                CallbackGrant::QuickBooks { code, realm_id } => {
                    assert_eq!(provider, "quickbooks");
                    assert_eq!(Some(&code), parsed.code.as_ref());
                    assert_eq!(Some(&realm_id), parsed.realm_id.as_ref());
                }
                CallbackGrant::Xero { code } => {
                    assert_eq!(provider, "xero");
                    assert_eq!(Some(&code), parsed.code.as_ref());
                }
            }
        }
        Err(CallbackRefusal::Denied(e)) => assert_eq!(Some(e), parsed.error),
        Err(CallbackRefusal::Missing(_)) => assert!(parsed.error.is_none()),
        Err(other) => panic!("the issued state was refused: {other:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::check_oauth_callback;

    #[test]
    fn oauth_callback_regressions_and_seeds_pass() {
        flowsense_test_support::fuzz_inputs::replay_fuzz_target(
            "oauth_callback",
            check_oauth_callback,
        );
    }
}
