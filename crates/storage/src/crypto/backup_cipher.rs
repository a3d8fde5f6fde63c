//! Backups sealed under a key derived from the master key (HKDF-SHA256, purpose
//! `flowsense/backup/v1`, the same derivation as the SQLCipher file key): the file is cut into
//! 1 MiB chunks, each sealed with AES-256-GCM under a fresh random nonce, with associated data
//! binding it to the backup's id, its position and whether it is the last one, so chunks cannot
//! be reordered, dropped, swapped between backups or cut off at the end unnoticed. A key check
//! value, sealed the same way, tells "made with another master key" apart from "damaged"
//! before any data is read.

use super::envelope::DataKey;
use super::error::CryptoError;
use super::keyring::Keyring;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use std::io::{Read, Write};

/// Plaintext bytes per sealed chunk.
pub const BACKUP_CHUNK_BYTES: usize = 1 << 20;
const PURPOSE: &str = "flowsense/backup/v1";
const KEY_CHECK: &[u8] = b"flowsense backup key check";
/// nonce (12) + tag (16).
const SEAL_OVERHEAD: usize = 28;

/// Why a backup could not be sealed or opened.
#[derive(Debug, thiserror::Error)]
pub enum BackupCipherError {
    #[error("reading or writing the backup failed")]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    /// The key check does not open: the master key loaded here is not the one the backup was
    /// made with.
    #[error(
        "this backup was made with another master key: master key version v{0} loaded here does not open it. Restoring needs the master key of the instance that made the backup (FLOWSENSE_MASTER_KEY or FLOWSENSE_MASTER_KEY_FILE)"
    )]
    KeyMismatch(u32),
    /// The key is right but a chunk does not open, or the file ends early.
    #[error("the backup is damaged: {0}")]
    Damaged(&'static str),
}

/// Seals and opens one backup's file.
#[derive(zeroize::ZeroizeOnDrop)]
pub struct BackupCipher {
    key: DataKey,
    master_version: u32,
    backup_id: String,
}

impl std::fmt::Debug for BackupCipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "BackupCipher(master v{}, {}, [REDACTED])",
            self.master_version, self.backup_id
        )
    }
}

impl Keyring {
    /// The cipher of backup `backup_id` under master key `master_version`.
    ///
    /// # Errors
    /// `MasterKeyVersionMissing` when that version is not loaded.
    pub fn backup_cipher(
        &self,
        master_version: u32,
        backup_id: &str,
    ) -> Result<BackupCipher, BackupCipherError> {
        let bytes = match self.derive(master_version, PURPOSE) {
            Ok(b) => b,
            // A version this keyring never had: for a restore, that is another master key.
            Err(CryptoError::MasterKeyVersionMissing(_)) => {
                return Err(BackupCipherError::KeyMismatch(self.current_version()));
            }
            Err(e) => return Err(e.into()),
        };
        Ok(BackupCipher {
            key: DataKey::from_bytes(master_version, &bytes),
            master_version,
            backup_id: backup_id.to_owned(),
        })
    }
}

fn part(aad: &mut Vec<u8>, bytes: &[u8]) {
    aad.extend_from_slice(&u32::try_from(bytes.len()).unwrap_or(u32::MAX).to_be_bytes());
    aad.extend_from_slice(bytes);
}

impl BackupCipher {
    fn aad(&self, what: &[u8], index: u64, last: bool) -> Vec<u8> {
        let mut aad = Vec::with_capacity(64);
        part(&mut aad, what);
        part(&mut aad, self.backup_id.as_bytes());
        aad.extend_from_slice(&index.to_be_bytes());
        aad.push(u8::from(last));
        aad
    }

    /// The master key version the key derives from.
    #[must_use]
    pub fn master_version(&self) -> u32 {
        self.master_version
    }

    /// A value only this key opens, for the manifest.
    ///
    /// # Errors
    /// No randomness for the nonce.
    pub fn key_check(&self) -> Result<String, BackupCipherError> {
        let mut out = Vec::new();
        self.key
            .seal_raw(&self.aad(b"key-check", 0, true), KEY_CHECK, &mut out)?;
        Ok(STANDARD.encode(out))
    }

    /// Whether `check` (from a manifest) was made with this key.
    ///
    /// # Errors
    /// [`BackupCipherError::KeyMismatch`] when it was not.
    pub fn verify_key_check(&self, check: &str) -> Result<(), BackupCipherError> {
        let sealed = STANDARD
            .decode(check)
            .map_err(|_| BackupCipherError::Damaged("the manifest's key check is not base64"))?;
        match self.key.open_raw(&self.aad(b"key-check", 0, true), &sealed) {
            Ok(plain) if plain.as_slice() == KEY_CHECK => Ok(()),
            _ => Err(BackupCipherError::KeyMismatch(self.master_version)),
        }
    }

    /// Seals everything `from` reads into `to`. Returns the plaintext bytes.
    ///
    /// # Errors
    /// Reading, writing, or no randomness.
    pub fn seal(
        &self,
        from: &mut impl Read,
        to: &mut impl Write,
    ) -> Result<u64, BackupCipherError> {
        let mut current = read_chunk(from)?;
        let mut index = 0u64;
        let mut total = 0u64;
        let mut sealed = Vec::with_capacity(BACKUP_CHUNK_BYTES + SEAL_OVERHEAD);
        loop {
            let next = if current.len() == BACKUP_CHUNK_BYTES {
                read_chunk(from)?
            } else {
                Vec::new()
            };
            let last = next.is_empty();
            sealed.clear();
            self.key
                .seal_raw(&self.aad(b"chunk", index, last), &current, &mut sealed)?;
            to.write_all(&[u8::from(last)])?;
            to.write_all(
                &u32::try_from(sealed.len())
                    .unwrap_or(u32::MAX)
                    .to_be_bytes(),
            )?;
            to.write_all(&sealed)?;
            total += current.len() as u64;
            if last {
                return Ok(total);
            }
            current = next;
            index += 1;
        }
    }

    /// Opens what [`seal`](Self::seal) wrote, from `from` into `to`. Returns the plaintext bytes.
    ///
    /// # Errors
    /// [`BackupCipherError::Damaged`] for a chunk that does not open, a missing end or bytes
    /// after it.
    pub fn open(
        &self,
        from: &mut impl Read,
        to: &mut impl Write,
    ) -> Result<u64, BackupCipherError> {
        let mut index = 0u64;
        let mut total = 0u64;
        loop {
            let mut header = [0u8; 5];
            if let Err(e) = from.read_exact(&mut header) {
                return Err(if e.kind() == std::io::ErrorKind::UnexpectedEof {
                    BackupCipherError::Damaged("the file ends before its last chunk")
                } else {
                    e.into()
                });
            }
            let last = match header[0] {
                0 => false,
                1 => true,
                _ => return Err(BackupCipherError::Damaged("a chunk header is invalid")),
            };
            let len = u32::from_be_bytes([header[1], header[2], header[3], header[4]]) as usize;
            if len > BACKUP_CHUNK_BYTES + SEAL_OVERHEAD {
                return Err(BackupCipherError::Damaged(
                    "a chunk is larger than any sealed",
                ));
            }
            // Read up to the length the header claims, so a short file costs what it holds,
            // not the megabyte a header can name.
            let mut sealed = Vec::new();
            from.take(len as u64).read_to_end(&mut sealed)?;
            if sealed.len() != len {
                return Err(BackupCipherError::Damaged("the file ends inside a chunk"));
            }
            let plain = self
                .key
                .open_raw(&self.aad(b"chunk", index, last), &sealed)
                .map_err(|_| {
                    BackupCipherError::Damaged(
                        "a chunk does not open (altered, moved or from another backup)",
                    )
                })?;
            to.write_all(&plain)?;
            total += plain.len() as u64;
            if last {
                let mut extra = [0u8; 1];
                if from.read(&mut extra)? != 0 {
                    return Err(BackupCipherError::Damaged("bytes follow the last chunk"));
                }
                return Ok(total);
            }
            index += 1;
        }
    }
}

/// Up to one chunk from `from` (shorter only at its end).
fn read_chunk(from: &mut impl Read) -> std::io::Result<Vec<u8>> {
    let mut chunk = Vec::with_capacity(BACKUP_CHUNK_BYTES);
    from.take(BACKUP_CHUNK_BYTES as u64)
        .read_to_end(&mut chunk)?;
    Ok(chunk)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(len: usize) {
        let keyring = Keyring::generate().expect("keyring");
        let cipher = keyring.backup_cipher(1, "b1").expect("cipher");
        let plain: Vec<u8> = (0..len)
            .map(|i| u8::try_from(i % 251).expect("under 251"))
            .collect();
        let mut sealed = Vec::new();
        assert_eq!(
            cipher
                .seal(&mut plain.as_slice(), &mut sealed)
                .expect("seal"),
            len as u64
        );
        if len >= 64 {
            assert!(
                !sealed.windows(64).any(|w| w == &plain[..64]),
                "no plaintext shows"
            );
        }
        let mut back = Vec::new();
        cipher
            .open(&mut sealed.as_slice(), &mut back)
            .expect("open");
        assert_eq!(back, plain, "{len} bytes");
    }

    #[test]
    fn files_of_any_length_round_trip() {
        for len in [
            0,
            1,
            BACKUP_CHUNK_BYTES - 1,
            BACKUP_CHUNK_BYTES,
            2 * BACKUP_CHUNK_BYTES + 7,
        ] {
            round_trip(len);
        }
    }

    #[test]
    fn another_master_key_is_refused_and_damage_is_detected() {
        let keyring = Keyring::generate().expect("keyring");
        let cipher = keyring.backup_cipher(1, "b1").expect("cipher");
        let check = cipher.key_check().expect("check");
        cipher.verify_key_check(&check).expect("own key");
        let other = Keyring::generate().expect("keyring");
        let wrong = other.backup_cipher(1, "b1").expect("cipher");
        assert!(matches!(
            wrong.verify_key_check(&check),
            Err(BackupCipherError::KeyMismatch(1))
        ));
        assert!(matches!(
            other.backup_cipher(2, "b1"),
            Err(BackupCipherError::KeyMismatch(1))
        ));

        let plain = vec![7u8; BACKUP_CHUNK_BYTES + 10];
        let mut sealed = Vec::new();
        cipher
            .seal(&mut plain.as_slice(), &mut sealed)
            .expect("seal");
        let mut flipped = sealed.clone();
        flipped[100] ^= 1;
        let cut = &sealed[..sealed.len() - 40];
        let mut longer = sealed.clone();
        longer.push(0);
        let elsewhere = keyring.backup_cipher(1, "b2").expect("cipher");
        for (what, bytes, c) in [
            ("a flipped bit", flipped.as_slice(), &cipher),
            ("a cut end", cut, &cipher),
            ("a byte added", longer.as_slice(), &cipher),
            ("another backup's id", sealed.as_slice(), &elsewhere),
        ] {
            let r = c.open(&mut &bytes[..], &mut Vec::new());
            assert!(
                matches!(r, Err(BackupCipherError::Damaged(_))),
                "{what}: {r:?}"
            );
        }
    }
}
