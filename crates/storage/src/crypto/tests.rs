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

/// Ciphertexts of every released format, computed by `scripts/golden-ciphertexts.py` with
/// another AES-GCM and HKDF (Python's `cryptography`) from the documented formats. They are
/// never regenerated: a new format adds its own vectors beside these (checklist F5).
mod golden {
    /// Data key v1 of organisation 42 (`0x40..0x60`), wrapped by master key v1 (`0xAB` × 32).
    pub(super) const WRAPPED_DATA_KEY_V1: &str = "0102030405060708090a0b0c027813d9802a03a9408a78c3b7ae5ac5b34415206c787105dd2a596aba2867ddd2ed29d59e6e6431a5ca4e7f89321a8d";
    /// `golden refresh token v1`, sealed in field format 1 under that data key for
    /// `connections.refresh_token_enc` of row `7d0f3c55-…-000000000001`.
    pub(super) const FIELD_FORMAT_1: &str = "01000000012122232425262728292a2b2c6be3498104a3cbe41f821c0ad35e398f64a48287d5c1ea7e3cea8e68a7fd17ac23cc5bc2f232b1";
    /// The key check of backup `golden-backup` under master key v1.
    pub(super) const BACKUP_KEY_CHECK_V1: &str =
        "MTIzNDU2Nzg5Ojs8EsDU8Venmtb2n7IysFlQ3q2U4nzjH7E0RgT2csv+G9qxtJbkDUDrXK6B";
    /// The whole file of backup `golden-backup`: `golden backup body v1` in one chunk.
    pub(super) const BACKUP_FILE_V1: &str = "01000000314142434445464748494a4b4c6421a801cf70909949f4b66b118dcaad597c68425c8979222f9b8db71353f0e4a19fb6dbf6";
}

#[test]
fn ciphertexts_of_every_released_format_still_open_and_only_the_newest_is_written() {
    let ring = Keyring::from_env_value(&b64(0xAB, 32)).expect("master v1");
    let scope = org();
    let row = super::keys::WrappedKeyRow {
        version: 1,
        wrapped_key: hex::decode(golden::WRAPPED_DATA_KEY_V1).expect("hex"),
        master_key_version: 1,
    };
    let bytes = super::keys::unwrap_key(&ring, scope, &row).expect("the v1 wrapped key unwraps");
    let expected: Vec<u8> = (0x40..0x60).collect();
    assert_eq!(bytes.as_slice(), expected.as_slice());
    // The same bytes under another owner or version do not unwrap.
    assert!(super::keys::unwrap_key(&ring, KeyScope::Instance, &row).is_err());

    let data_key = DataKey::from_bytes(1, &bytes);
    let field = FieldRef {
        column: "refresh_token_enc",
        ..FIELD
    };
    let sealed = hex::decode(golden::FIELD_FORMAT_1).expect("hex");
    let opened = envelope::open_field(&data_key, scope, &field, &sealed).expect("format 1 opens");
    assert_eq!(opened.as_slice(), b"golden refresh token v1");

    let backup = ring.backup_cipher(1, "golden-backup").expect("cipher");
    backup
        .verify_key_check(golden::BACKUP_KEY_CHECK_V1)
        .expect("the v1 key check verifies");
    let file = hex::decode(golden::BACKUP_FILE_V1).expect("hex");
    let mut body = Vec::new();
    backup
        .open(&mut file.as_slice(), &mut body)
        .expect("the v1 backup opens");
    assert_eq!(body, b"golden backup body v1");

    // What this build writes is the newest format: format 1 is the newest released, so a
    // fresh seal carries it (a new format must add its vectors above and move this).
    let fresh = envelope::seal_field(&data_key, scope, &field, b"x").expect("seal");
    assert_eq!(envelope::FORMAT_VERSION, sealed[0]);
    assert_eq!(fresh[0], sealed[0]);
    assert_eq!(fresh.len(), 1 + envelope::CIPHERTEXT_OVERHEAD);
}

/// `true` when `$t` implements `PartialEq` (an inherent method whose bound holds wins over the
/// trait method every type has).
macro_rules! comparable {
    ($t:ty) => {{
        struct Probe<T: ?Sized>(std::marker::PhantomData<T>);
        #[allow(dead_code)]
        trait Fallback {
            fn comparable(&self) -> bool {
                false
            }
        }
        impl<T: ?Sized> Fallback for Probe<T> {}
        #[allow(dead_code)]
        impl<T: ?Sized + PartialEq> Probe<T> {
            fn comparable(&self) -> bool {
                true
            }
        }
        Probe::<$t>(std::marker::PhantomData).comparable()
    }};
}

/// Key types wipe themselves when dropped, print nothing of their material (see
/// `debug_output_never_shows_key_material`) and cannot be compared with `==`, which would not
/// run in constant time (checklist F9).
#[test]
fn key_types_are_wiped_on_drop_and_cannot_be_compared() {
    fn wiped_on_drop<T: zeroize::ZeroizeOnDrop>() {}
    wiped_on_drop::<DataKey>();
    wiped_on_drop::<super::keyring::MasterKey>();
    wiped_on_drop::<super::BackupCipher>();
    wiped_on_drop::<zeroize::Zeroizing<[u8; 32]>>();

    // The probe itself tells the two cases apart.
    assert!(comparable!(u32) && comparable!([u8; 32]) && comparable!(FieldRef<'static>));
    assert!(!comparable!(DataKey));
    assert!(!comparable!(super::keyring::MasterKey));
    assert!(!comparable!(Keyring));
    assert!(!comparable!(super::BackupCipher));
    assert!(!comparable!(super::OrgSealer));
    assert!(!comparable!(secrecy::SecretString));
    assert!(!comparable!(secrecy::SecretBox<[u8]>));
}

/// Every `.rs` file under `dir`, recursively.
fn rust_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("readable source directory") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The string literal that follows each `marker` in `text` (`marker` ends just before a `"`).
fn literals_after<'a>(text: &'a str, marker: &str) -> Vec<&'a str> {
    text.split(marker)
        .skip(1)
        .filter_map(|rest| rest.strip_prefix('"')?.split('"').next())
        .collect()
}

/// The key labels the product's code uses: master-key derivation purposes, instance-key
/// subkey labels, instance secret names and data key scopes.
fn key_labels_in_code(root: &std::path::Path) -> std::collections::BTreeSet<String> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(root.join("crates")).expect("crates") {
        let src = entry.expect("crate").path().join("src");
        if src.is_dir() {
            rust_files(&src, &mut files);
        }
    }
    let mut labels = std::collections::BTreeSet::new();
    for file in files {
        // Unit tests derive what they like; the product's keys are what matters.
        if file.ends_with("crypto/tests.rs") {
            continue;
        }
        let text = std::fs::read_to_string(&file).expect("source");
        let code = text.split("#[cfg(test)]").next().unwrap_or_default();
        for marker in ["PURPOSE: &str = ", "subkey(", "instance_secret("] {
            labels.extend(literals_after(code, marker).into_iter().map(str::to_owned));
        }
        for scope in ["KeyScope::Org", "KeyScope::Instance"] {
            if code.contains(scope) {
                labels.insert(scope.to_owned());
            }
        }
    }
    labels
}

/// The crypto inventory names every key the code derives or holds, and nothing the code no
/// longer has (checklist F10).
#[test]
fn every_key_and_derivation_is_in_the_crypto_inventory() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let inventory =
        std::fs::read_to_string(root.join("docs/crypto-inventory.md")).expect("the inventory");
    let in_code = key_labels_in_code(&root);
    for expected in [
        "flowsense/backup/v1",
        "csrf",
        "web-signing-key",
        "KeyScope::Org",
        "KeyScope::Instance",
    ] {
        assert!(in_code.contains(expected), "the scan misses {expected}");
    }
    // Backticked names in the inventory's table rows, in their first column.
    let listed: std::collections::BTreeSet<String> = inventory
        .lines()
        .filter(|l| l.starts_with("| `") || l.contains("(`KeyScope::"))
        .flat_map(|l| {
            let first = l.split('|').nth(1).unwrap_or_default();
            first
                .split('`')
                .skip(1)
                .step_by(2)
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .collect();
    let missing: Vec<_> = in_code.difference(&listed).collect();
    assert!(
        missing.is_empty(),
        "keys the code uses but docs/crypto-inventory.md does not list: {missing:?}"
    );
    let labels_in_docs: Vec<_> = listed
        .iter()
        .filter(|l| {
            !l.chars().next().is_some_and(|c| c.is_ascii_uppercase()) || l.starts_with("KeyScope::")
        })
        .filter(|l| !in_code.contains(*l))
        .collect();
    assert!(
        labels_in_docs.is_empty(),
        "docs/crypto-inventory.md lists keys the code no longer has: {labels_in_docs:?}"
    );
}
