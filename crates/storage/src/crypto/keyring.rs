//! The master keys (key-encryption keys), versioned. Several versions can be loaded at once; the
//! highest is current and wraps new keys, older ones only unwrap until rotation moves everything.
//!
//! Format (env value or file): entries `v<N>:<base64 of 32 bytes>` separated by new lines,
//! spaces or commas; `#` starts a comment line. A single bare base64 key means `v1`.

use super::envelope::{DataKey, KEY_LEN};
use super::error::CryptoError;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use zeroize::Zeroizing;

/// The environment variable that can hold the master key(s).
pub const MASTER_KEY_ENV: &str = "FLOWSENSE_MASTER_KEY";
/// The environment variable that names a file holding the master key(s).
pub const MASTER_KEY_FILE_ENV: &str = "FLOWSENSE_MASTER_KEY_FILE";

#[derive(zeroize::ZeroizeOnDrop)]
pub(super) struct MasterKey {
    bytes: Zeroizing<[u8; KEY_LEN]>,
    cipher: DataKey,
}

/// The loaded master key versions. Cheap to clone; `Debug` shows versions only.
#[derive(Clone)]
pub struct Keyring {
    keys: Arc<BTreeMap<u32, MasterKey>>,
}

impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Keyring(versions {:?}, current v{}, [REDACTED])",
            self.versions(),
            self.current_version()
        )
    }
}

fn config_error(source: &str, why: &str) -> CryptoError {
    CryptoError::MasterKeyConfig(format!("{source}: {why}"))
}

fn random_key() -> Result<Zeroizing<[u8; KEY_LEN]>, CryptoError> {
    let mut key = Zeroizing::new([0u8; KEY_LEN]);
    getrandom::fill(key.as_mut_slice()).map_err(|_| CryptoError::Random)?;
    Ok(key)
}

fn entry_line(version: u32, key: &[u8; KEY_LEN]) -> Zeroizing<String> {
    Zeroizing::new(format!("v{version}:{}\n", STANDARD.encode(key)))
}

impl Keyring {
    fn from_map(map: BTreeMap<u32, Zeroizing<[u8; KEY_LEN]>>) -> Self {
        let keys = map
            .into_iter()
            .map(|(v, bytes)| {
                let cipher = DataKey::from_bytes(v, &bytes);
                (v, MasterKey { bytes, cipher })
            })
            .collect();
        Self {
            keys: Arc::new(keys),
        }
    }

    /// Parses the value of `FLOWSENSE_MASTER_KEY`.
    ///
    /// # Errors
    /// `MasterKeyConfig` naming the variable when it is empty, not base64, not 32 bytes, or
    /// repeats a version.
    pub fn from_env_value(value: &str) -> Result<Self, CryptoError> {
        Self::parse(value, MASTER_KEY_ENV)
    }

    fn parse(text: &str, source: &str) -> Result<Self, CryptoError> {
        let entries: Vec<&str> = text
            .lines()
            .filter(|l| !l.trim_start().starts_with('#'))
            .flat_map(|l| l.split([' ', '\t', ',']))
            .filter(|e| !e.is_empty())
            .collect();
        if entries.is_empty() {
            return Err(config_error(
                source,
                "is empty; it must hold a base64 32-byte key",
            ));
        }
        let mut map = BTreeMap::new();
        for (n, entry) in entries.iter().enumerate() {
            let (version, b64) = match entry.split_once(':') {
                Some((v, k)) => {
                    let version = v
                        .strip_prefix('v')
                        .and_then(|d| d.parse::<u32>().ok())
                        .filter(|d| *d > 0)
                        .ok_or_else(|| {
                            config_error(
                                source,
                                &format!("entry {} has no version like v1:", n + 1),
                            )
                        })?;
                    (version, k)
                }
                None if entries.len() == 1 => (1, *entry),
                None => {
                    return Err(config_error(
                        source,
                        "holds several keys; write each as v<N>:<base64>",
                    ));
                }
            };
            let decoded = Zeroizing::new(STANDARD.decode(b64.trim()).map_err(|_| {
                config_error(source, &format!("key v{version} is not valid base64"))
            })?);
            let bytes: [u8; KEY_LEN] = decoded.as_slice().try_into().map_err(|_| {
                config_error(
                    source,
                    &format!(
                        "key v{version} is {} bytes; it must be 32 bytes (base64 of 32 random bytes)",
                        decoded.len()
                    ),
                )
            })?;
            if map.insert(version, Zeroizing::new(bytes)).is_some() {
                return Err(config_error(
                    source,
                    &format!("key v{version} appears twice"),
                ));
            }
        }
        Ok(Self::from_map(map))
    }

    /// Reads a key file (`FLOWSENSE_MASTER_KEY_FILE`), which must exist, be non-empty, be
    /// readable by its owner only and lie outside any git work tree.
    ///
    /// # Errors
    /// `MasterKeyConfig` naming the file when it is missing, unreadable, readable by group or
    /// others, inside a git work tree, empty or malformed.
    pub fn from_file(path: &Path) -> Result<Self, CryptoError> {
        let source = format!("{MASTER_KEY_FILE_ENV} ({})", path.display());
        let meta = std::fs::metadata(path)
            .map_err(|e| config_error(&source, &format!("cannot be read: {e}")))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = meta.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                return Err(config_error(
                    &source,
                    &format!(
                        "is readable by group or others (mode {mode:04o}); run `chmod 600 {}`",
                        path.display()
                    ),
                ));
            }
        }
        super::key_file::refuse_in_git_work_tree(path, &source)?;
        if meta.len() == 0 {
            return Err(config_error(&source, "is empty"));
        }
        let text = Zeroizing::new(
            std::fs::read_to_string(path)
                .map_err(|e| config_error(&source, &format!("cannot be read: {e}")))?,
        );
        Self::parse(&text, &source)
    }

    /// Loads the key file at `path`, or, when it does not exist yet, creates it (mode 0600) with
    /// one random key `v1`. This is the embedded default: the file lives in the data directory.
    ///
    /// # Errors
    /// As [`Keyring::from_file`], or when the file cannot be created.
    pub fn load_or_create(path: &Path) -> Result<Self, CryptoError> {
        super::key_file::refuse_in_git_work_tree(path, &key_file_source(path))?;
        if !path.exists() {
            let key = random_key()?;
            write_new_key_file(path, &entry_line(1, &key))?;
        }
        Self::from_file(path)
    }

    /// Appends a new random master key version to the key file at `path` and returns its
    /// number; the next start (or [`Keyring::from_file`]) loads it as current. Follow with
    /// `Store::rotate_master_key`.
    ///
    /// # Errors
    /// As [`Keyring::from_file`], or when the file cannot be written.
    pub fn add_generated_version_to_file(path: &Path) -> Result<u32, CryptoError> {
        let current = Self::from_file(path)?;
        let version = current.current_version() + 1;
        let key = random_key()?;
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .open(path)
            .map_err(|e| {
                config_error(&key_file_source(path), &format!("cannot be written: {e}"))
            })?;
        file.write_all(entry_line(version, &key).as_bytes())
            .and_then(|()| file.sync_all())
            .map_err(|e| {
                config_error(&key_file_source(path), &format!("cannot be written: {e}"))
            })?;
        Ok(version)
    }

    /// Rewrites the key file at `path` without master key `version`. Call it only after
    /// `Store::retire_master_key_version` succeeded, and only once backups older than the
    /// rotation have expired (SECURITY-CHECKLIST N3).
    ///
    /// # Errors
    /// As [`Keyring::from_file`]; `RetireCurrent` for the current version.
    pub fn remove_version_from_file(path: &Path, version: u32) -> Result<(), CryptoError> {
        let ring = Self::from_file(path)?;
        if version == ring.current_version() {
            return Err(CryptoError::RetireCurrent(version));
        }
        let mut text = Zeroizing::new(String::new());
        for (v, key) in ring.keys.iter().filter(|(v, _)| **v != version) {
            text.push_str(&entry_line(*v, &key.bytes));
        }
        let tmp = path.with_extension("rewrite");
        let _ = std::fs::remove_file(&tmp);
        write_new_key_file(&tmp, &text)?;
        std::fs::rename(&tmp, path)
            .map_err(|e| config_error(&key_file_source(path), &format!("cannot be replaced: {e}")))
    }

    /// One random key `v1`, held in memory only (tests, the sandbox).
    ///
    /// # Errors
    /// When the operating system's random number generator fails.
    pub fn generate() -> Result<Self, CryptoError> {
        let mut map = BTreeMap::new();
        map.insert(1, random_key()?);
        Ok(Self::from_map(map))
    }

    /// This keyring plus a new random version above the current one (tests, in-memory rotation).
    ///
    /// # Errors
    /// When the operating system's random number generator fails.
    pub fn with_generated_version(&self) -> Result<Self, CryptoError> {
        let mut map: BTreeMap<u32, Zeroizing<[u8; KEY_LEN]>> = self
            .keys
            .iter()
            .map(|(v, k)| (*v, k.bytes.clone()))
            .collect();
        map.insert(self.current_version() + 1, random_key()?);
        Ok(Self::from_map(map))
    }

    /// This keyring without `version` (tests of a missing or destroyed master key).
    #[must_use]
    pub fn without_version(&self, version: u32) -> Self {
        let map = self
            .keys
            .iter()
            .filter(|(v, _)| **v != version)
            .map(|(v, k)| (*v, k.bytes.clone()))
            .collect();
        Self::from_map(map)
    }

    /// The highest loaded version; it wraps every new key.
    #[must_use]
    pub fn current_version(&self) -> u32 {
        self.keys.keys().next_back().copied().unwrap_or(0)
    }

    /// Every loaded version, ascending.
    #[must_use]
    pub fn versions(&self) -> Vec<u32> {
        self.keys.keys().copied().collect()
    }

    pub(crate) fn master(&self, version: u32) -> Result<&DataKey, CryptoError> {
        self.keys
            .get(&version)
            .map(|k| &k.cipher)
            .ok_or(CryptoError::MasterKeyVersionMissing(version))
    }

    /// Key material derived from master `version` for one purpose (HKDF-SHA256), e.g. the
    /// SQLCipher file key.
    pub(crate) fn derive(
        &self,
        version: u32,
        purpose: &str,
    ) -> Result<Zeroizing<[u8; KEY_LEN]>, CryptoError> {
        let master = self
            .keys
            .get(&version)
            .ok_or(CryptoError::MasterKeyVersionMissing(version))?;
        let hk = hkdf::Hkdf::<sha2::Sha256>::new(Some(b"flowsense"), master.bytes.as_slice());
        let mut out = Zeroizing::new([0u8; KEY_LEN]);
        hk.expand(purpose.as_bytes(), out.as_mut_slice())
            .map_err(|_| CryptoError::Random)?;
        Ok(out)
    }
}

fn key_file_source(path: &Path) -> String {
    format!("{MASTER_KEY_FILE_ENV} ({})", path.display())
}

fn write_new_key_file(path: &Path, contents: &str) -> Result<(), CryptoError> {
    let source = key_file_source(path);
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| config_error(&source, &format!("its directory cannot be created: {e}")))?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .map_err(|e| config_error(&source, &format!("cannot be created: {e}")))?;
    file.write_all(contents.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|e| config_error(&source, &format!("cannot be written: {e}")))
}
