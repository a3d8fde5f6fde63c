//! The envelope and the keyring on their own (no database).

use super::envelope::{self, DataKey, FieldRef, KeyScope};
use super::{CryptoError, Keyring};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use flowsense_core::OrgId;
use proptest::prelude::*;
use std::collections::HashSet;

const FIELD: FieldRef<'static> = FieldRef {
    table: "connections",
    column: "access_token_enc",
    row: "7d0f3c55-0000-4000-8000-000000000001",
};

fn key(version: u32) -> DataKey {
    DataKey::from_bytes(version, &[7u8; 32])
}

fn org() -> KeyScope {
    KeyScope::Org(OrgId(uuid::Uuid::from_u128(42)))
}

#[test]
fn a_sealed_value_opens_to_the_same_bytes_and_carries_its_header() {
    let k = key(3);
    let sealed = envelope::seal_field(&k, org(), &FIELD, b"refresh-token-abc").expect("seal");
    assert_eq!(sealed[0], envelope::FORMAT_VERSION);
    assert_eq!(&sealed[1..5], &3u32.to_be_bytes());
    assert_eq!(sealed.len(), 17 + envelope::CIPHERTEXT_OVERHEAD);
    let opened = envelope::open_field(&k, org(), &FIELD, &sealed).expect("open");
    assert_eq!(opened.as_slice(), b"refresh-token-abc");
    assert!(envelope::open_field(&k, org(), &FIELD, &sealed[..10]).is_err());
    assert!(envelope::open_field(&k, org(), &FIELD, b"").is_err());
}

#[test]
fn a_value_moved_to_another_row_column_owner_or_key_does_not_open() {
    let k = key(1);
    let sealed = envelope::seal_field(&k, org(), &FIELD, b"secret").expect("seal");
    let other_row = FieldRef {
        row: "7d0f3c55-0000-4000-8000-000000000002",
        ..FIELD
    };
    let other_column = FieldRef {
        column: "refresh_token_enc",
        ..FIELD
    };
    let other_table = FieldRef {
        table: "org_secrets",
        ..FIELD
    };
    let other_org = KeyScope::Org(OrgId(uuid::Uuid::from_u128(43)));
    for (scope, field) in [
        (org(), other_row),
        (org(), other_column),
        (org(), other_table),
        (other_org, FIELD),
        (KeyScope::Instance, FIELD),
    ] {
        assert!(matches!(
            envelope::open_field(&k, scope, &field, &sealed),
            Err(CryptoError::Undecryptable)
        ));
    }
    let other_key = DataKey::from_bytes(1, &[8u8; 32]);
    assert!(envelope::open_field(&other_key, org(), &FIELD, &sealed).is_err());
}

#[test]
fn nonces_do_not_repeat_over_100k_seals() {
    let k = key(1);
    let mut seen = HashSet::new();
    for _ in 0..100_000 {
        let sealed = envelope::seal_field(&k, org(), &FIELD, b"same plaintext").expect("seal");
        assert!(seen.insert(sealed[5..17].to_vec()), "nonce repeated");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Flip any bit of any byte — format version, key version, nonce, body or tag — and the value
    /// no longer opens.
    #[test]
    fn flipping_any_bit_of_a_ciphertext_is_detected(
        plaintext in proptest::collection::vec(any::<u8>(), 0..200),
        position in any::<prop::sample::Index>(),
        bit in 0u8..8,
    ) {
        let k = key(1);
        let mut sealed = envelope::seal_field(&k, org(), &FIELD, &plaintext).expect("seal");
        let i = position.index(sealed.len());
        sealed[i] ^= 1 << bit;
        prop_assert!(envelope::open_field(&k, org(), &FIELD, &sealed).is_err());
    }

    #[test]
    fn every_plaintext_round_trips(plaintext in proptest::collection::vec(any::<u8>(), 0..2000)) {
        let k = key(9);
        let sealed = envelope::seal_field(&k, org(), &FIELD, &plaintext).expect("seal");
        let opened = envelope::open_field(&k, org(), &FIELD, &sealed).expect("open");
        prop_assert_eq!(opened.as_slice(), plaintext.as_slice());
    }
}

fn b64(byte: u8, len: usize) -> String {
    STANDARD.encode(vec![byte; len])
}

#[test]
fn keyring_values_parse_with_versions_and_bad_ones_name_the_variable() {
    let single = Keyring::from_env_value(&b64(1, 32)).expect("bare key");
    assert_eq!(single.versions(), vec![1]);
    let multi = Keyring::from_env_value(&format!("v1:{}\n# note\nv2:{}", b64(1, 32), b64(2, 32)))
        .expect("two versions");
    assert_eq!(multi.versions(), vec![1, 2]);
    assert_eq!(multi.current_version(), 2);
    let commas = Keyring::from_env_value(&format!("v3:{}, v7:{}", b64(1, 32), b64(2, 32)))
        .expect("comma separated");
    assert_eq!(commas.current_version(), 7);

    for bad in [
        String::new(),
        "   \n".to_owned(),
        b64(1, 31),
        "not base64!".to_owned(),
        format!("v1:{} v1:{}", b64(1, 32), b64(2, 32)),
        format!("{} {}", b64(1, 32), b64(2, 32)),
        format!("x1:{}", b64(1, 32)),
    ] {
        let err = Keyring::from_env_value(&bad)
            .expect_err("must be refused")
            .to_string();
        assert!(err.starts_with("FLOWSENSE_MASTER_KEY:"), "{err}");
        assert!(
            !err.contains(&b64(1, 32)),
            "an error must not echo key material: {err}"
        );
    }
}

#[test]
fn debug_output_never_shows_key_material() {
    let ring = Keyring::from_env_value(&b64(0xAB, 32)).expect("key");
    let shown = format!("{ring:?}");
    assert!(
        shown.contains("REDACTED") && shown.contains("v1"),
        "{shown}"
    );
    assert!(!shown.contains(&b64(0xAB, 32)) && !shown.to_lowercase().contains("abab"));
    let data_key = format!("{:?}", key(1));
    assert_eq!(data_key, "DataKey(v1, [REDACTED])");
}

#[cfg(unix)]
#[test]
fn key_files_are_created_0600_and_refused_when_open_to_others_or_empty() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("data").join("master.key");
    let created = Keyring::load_or_create(&path).expect("created");
    let mode = std::fs::metadata(&path).expect("meta").permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    assert_eq!(created.versions(), vec![1]);
    let again = Keyring::load_or_create(&path).expect("loaded");
    assert_eq!(format!("{again:?}"), format!("{created:?}"));

    assert_eq!(
        Keyring::add_generated_version_to_file(&path).expect("v2"),
        2
    );
    assert_eq!(
        Keyring::from_file(&path).expect("two").versions(),
        vec![1, 2]
    );
    Keyring::remove_version_from_file(&path, 1).expect("remove v1");
    assert_eq!(Keyring::from_file(&path).expect("one").versions(), vec![2]);
    assert!(matches!(
        Keyring::remove_version_from_file(&path, 2),
        Err(CryptoError::RetireCurrent(2))
    ));
    let mode = std::fs::metadata(&path).expect("meta").permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "a rewritten key file stays private");

    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let err = Keyring::from_file(&path)
        .expect_err("0644 refused")
        .to_string();
    assert!(
        err.contains("FLOWSENSE_MASTER_KEY_FILE") && err.contains("0644"),
        "{err}"
    );
    assert!(
        Keyring::load_or_create(&path).is_err(),
        "an existing 0644 file is not replaced"
    );

    let empty = dir.path().join("empty.key");
    std::fs::write(&empty, b"").expect("write");
    std::fs::set_permissions(&empty, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    let err = Keyring::from_file(&empty)
        .expect_err("empty refused")
        .to_string();
    assert!(err.contains("is empty"), "{err}");
    let short = dir.path().join("short.key");
    std::fs::write(&short, format!("v1:{}\n", b64(3, 16))).expect("write");
    std::fs::set_permissions(&short, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    let err = Keyring::from_file(&short)
        .expect_err("16 bytes refused")
        .to_string();
    assert!(
        err.contains("32 bytes") && err.contains("short.key"),
        "{err}"
    );
    let missing = Keyring::from_file(&dir.path().join("nope.key")).expect_err("missing");
    assert!(missing.to_string().contains("nope.key"));
}
