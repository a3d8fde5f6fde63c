//! What the `envelope` fuzz target (`fuzz/fuzz_targets/envelope.rs`) checks on every input, kept
//! here so that the inputs it found are replayed by the ordinary `cargo test` (the test below
//! reads `fuzz/regressions/envelope/` and `fuzz/seeds/envelope/`) without cargo-fuzz.
//!
//! An input is a byte, then the rest: with an even first byte the rest is a stored value, which
//! is read (its header) and opened under a fixed data key; with an odd one the rest is a
//! plaintext, sealed under that key and opened again. Checked, besides not panicking:
//! - a stored value that opens names the key's version and is exactly the plaintext plus the
//!   envelope's overhead long, and the same value with any one byte changed does not open;
//! - a sealed plaintext opens to the same bytes, for its own row only, and not with one byte
//!   of it changed.
//!
//! Compiled for tests and fuzzing builds only (`cfg(fuzzing)` is set by cargo-fuzz).

use super::envelope::{self, CIPHERTEXT_OVERHEAD, DataKey, FieldRef, KeyScope};

const KEY_VERSION: u32 = 1;

fn field(row: &str) -> FieldRef<'_> {
    FieldRef::new("connections", "refresh_token_enc", row)
}

/// A byte of `value` picked from its contents, changed.
fn with_one_byte_changed(value: &[u8]) -> Vec<u8> {
    let mut changed = value.to_vec();
    let at = value.iter().map(|b| usize::from(*b)).sum::<usize>() % value.len();
    changed[at] ^= 0x01;
    changed
}

/// Checks one input.
///
/// # Panics
/// When a property above does not hold.
pub fn check_envelope(data: &[u8]) {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let key = DataKey::from_bytes(KEY_VERSION, &[0x42; 32]);
    let scope = KeyScope::Instance;
    if pick % 2 == 0 {
        let version = envelope::key_version_of(rest).ok();
        assert_eq!(
            version,
            envelope::key_version_of(rest).ok(),
            "not deterministic"
        );
        if let Ok(plain) = envelope::open_field(&key, scope, &field("1"), rest) {
            assert_eq!(version, Some(KEY_VERSION));
            assert_eq!(rest.len(), plain.len() + CIPHERTEXT_OVERHEAD);
            let changed = with_one_byte_changed(rest);
            assert!(envelope::open_field(&key, scope, &field("1"), &changed).is_err());
        }
    } else {
        let sealed = envelope::seal_field(&key, scope, &field("1"), rest).expect("seal");
        assert_eq!(sealed.len(), rest.len() + CIPHERTEXT_OVERHEAD);
        assert_eq!(envelope::key_version_of(&sealed).ok(), Some(KEY_VERSION));
        let opened = envelope::open_field(&key, scope, &field("1"), &sealed).expect("open");
        assert_eq!(opened.as_slice(), rest, "a round trip changed the value");
        assert!(envelope::open_field(&key, scope, &field("2"), &sealed).is_err());
        let changed = with_one_byte_changed(&sealed);
        assert!(envelope::open_field(&key, scope, &field("1"), &changed).is_err());
    }
}

#[cfg(test)]
mod tests {
    use super::check_envelope;

    #[test]
    fn fuzz_regressions_and_seeds_pass() {
        flowsense_test_support::fuzz_inputs::replay_fuzz_target("envelope", check_envelope);
    }
}
