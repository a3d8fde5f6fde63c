//! What the `backup_file` fuzz target (`fuzz/fuzz_targets/backup_file.rs`) checks on every
//! input, kept here so that the inputs it found are replayed by the ordinary `cargo test` (the
//! test below reads `fuzz/regressions/backup_file/` and `fuzz/seeds/backup_file/`) without
//! cargo-fuzz. The sealed file of a backup is what `flowsense backup restore` reads from a
//! directory anyone may have handed the operator; its manifest is plain JSON read into a typed
//! struct with unknown fields refused (`flowsense_service::backup::manifest`).
//!
//! An input is a byte, then the rest: with an even first byte the rest is a sealed backup file,
//! opened under a fixed master key and backup id; with an odd one the rest is a database file's
//! bytes, sealed and opened again. Checked, besides not panicking:
//! - a file that opens is longer than what it opened to (every chunk carries its header, nonce
//!   and tag), and the same file with any one byte changed, or its last byte cut, does not open;
//! - opening allocates in proportion to the file, whatever length a chunk header claims;
//! - a sealed file opens to the same bytes, under its own backup id only, and not with one byte
//!   changed or cut short;
//! - the manifest's key check made with the key is accepted, the rest read as one is refused.
//!
//! Compiled for tests and fuzzing builds only (`cfg(fuzzing)` is set by cargo-fuzz).

use super::{BackupCipher, BackupCipherError, Keyring};

/// A fixed master key (32 bytes of `B`), so every run reads the same way.
const MASTER_KEY: &str = "QkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkI=";
const BACKUP_ID: &str = "flowsense-20260101T000000Z";

fn cipher(id: &str) -> BackupCipher {
    let keyring = Keyring::from_env_value(MASTER_KEY).expect("a fixed key");
    keyring.backup_cipher(1, id).expect("version 1 is loaded")
}

fn opens(cipher: &BackupCipher, file: &[u8]) -> Result<Vec<u8>, BackupCipherError> {
    let mut out = Vec::new();
    let n = cipher.open(&mut &file[..], &mut out)?;
    assert_eq!(
        usize::try_from(n).ok(),
        Some(out.len()),
        "a miscounted total"
    );
    Ok(out)
}

/// A byte of `file` picked from its contents, changed.
fn with_one_byte_changed(file: &[u8]) -> Vec<u8> {
    let mut changed = file.to_vec();
    let at = file.iter().map(|b| usize::from(*b)).sum::<usize>() % file.len();
    changed[at] ^= 0x01;
    changed
}

/// Checks one input.
///
/// # Panics
/// When a property above does not hold.
pub fn check_backup_file(data: &[u8]) {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let ours = cipher(BACKUP_ID);
    if pick % 2 == 0 {
        if let Ok(plain) = opens(&ours, rest) {
            assert!(plain.len() < rest.len(), "opened to more than was sealed");
            assert!(opens(&ours, &with_one_byte_changed(rest)).is_err());
            assert!(opens(&ours, &rest[..rest.len() - 1]).is_err());
        }
        // Read as a manifest's key check: never one of this key's without its seal.
        if let Ok(text) = std::str::from_utf8(rest) {
            assert!(ours.verify_key_check(text).is_err(), "a forged key check");
        }
    } else {
        let mut sealed = Vec::new();
        let n = ours.seal(&mut &rest[..], &mut sealed).expect("seal");
        assert_eq!(usize::try_from(n).ok(), Some(rest.len()));
        assert_eq!(
            opens(&ours, &sealed).expect("open"),
            rest,
            "a round trip changed it"
        );
        assert!(opens(&cipher("flowsense-20260102T000000Z"), &sealed).is_err());
        assert!(opens(&ours, &with_one_byte_changed(&sealed)).is_err());
        assert!(opens(&ours, &sealed[..sealed.len() - 1]).is_err());
        let check = ours.key_check().expect("key check");
        ours.verify_key_check(&check).expect("its own key check");
    }
}

#[cfg(test)]
mod tests {
    use super::check_backup_file;

    #[test]
    fn backup_file_regressions_and_seeds_pass() {
        flowsense_test_support::fuzz_inputs::replay_fuzz_target("backup_file", check_backup_file);
    }

    #[test]
    fn a_chunk_header_longer_than_the_file_is_refused_as_cut_short() {
        // Not last, 1 MiB + 28 claimed, three bytes given: refused as cut short.
        let mut file = vec![0u8];
        file.extend_from_slice(&(1u32 << 20).saturating_add(28).to_be_bytes());
        file.extend_from_slice(b"abc");
        let r = super::opens(&super::cipher(super::BACKUP_ID), &file);
        assert!(
            matches!(r, Err(super::BackupCipherError::Damaged(m)) if m.contains("ends inside")),
            "{r:?}"
        );
    }
}
