//! Small, audited building blocks: random tokens, SHA-256, HMAC, constant-time comparison,
//! and the per-instance key with its purpose-bound subkeys.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

type HmacSha256 = Hmac<Sha256>;

/// `n` bytes from the operating system's CSPRNG.
///
/// # Panics
/// When the operating system has no randomness to give (nothing secure can continue then).
#[must_use]
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    getrandom::fill(&mut b).expect("the OS random number generator failed");
    b
}

#[must_use]
pub fn b64url(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

#[must_use]
pub fn b64url_decode(s: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(s.trim()).ok()
}

#[must_use]
pub fn sha256(data: &[u8]) -> Vec<u8> {
    Sha256::digest(data).to_vec()
}

#[must_use]
pub fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes keys of any length");
    for p in parts {
        mac.update(p);
    }
    mac.finalize().into_bytes().into()
}

/// Compares secrets without leaking where they first differ (`subtle`; only the lengths,
/// which are public, are compared directly).
#[must_use]
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq as _;
    bool::from(a.ct_eq(b))
}

/// The instance's 32-byte secret. Every use gets its own subkey derived by HMAC with a label,
/// so one purpose's output can never be replayed as another's. Wiped on drop; no `==`.
#[derive(Clone, zeroize::ZeroizeOnDrop)]
pub struct InstanceKey([u8; 32]);

impl InstanceKey {
    #[must_use]
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// A fresh random key (tests, throwaway demos).
    #[must_use]
    pub fn generate() -> Self {
        Self(random_bytes())
    }

    pub(crate) fn subkey(&self, label: &str) -> [u8; 32] {
        hmac_sha256(&self.0, &[b"flowsense/", label.as_bytes()])
    }
}

impl std::fmt::Debug for InstanceKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("InstanceKey(..)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every product source file under `crates/*/src`, without its unit tests.
    fn product_sources() -> Vec<(std::path::PathBuf, String)> {
        fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
            for entry in std::fs::read_dir(dir).expect("source directory") {
                let path = entry.expect("entry").path();
                if path.is_dir() {
                    walk(&path, out);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    out.push(path);
                }
            }
        }
        let crates = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut files = Vec::new();
        for entry in std::fs::read_dir(&crates).expect("crates") {
            let src = entry.expect("crate").path().join("src");
            if src.is_dir() {
                walk(&src, &mut files);
            }
        }
        files
            .into_iter()
            .map(|f| {
                let text = std::fs::read_to_string(&f).expect("source");
                let code = text
                    .split("#[cfg(test)]")
                    .next()
                    .unwrap_or_default()
                    .to_owned();
                (f, code)
            })
            .collect()
    }

    /// Every secret comes from the operating system's CSPRNG with at least 128 bits, and no
    /// crate that handles secrets can reach a non-cryptographic generator (checklist F8).
    #[test]
    fn secrets_come_from_the_os_with_at_least_128_bits() {
        let mut draws = 0;
        for (file, code) in product_sources() {
            for rest in code.split("random_bytes::<").skip(1) {
                let n: usize = rest
                    .split('>')
                    .next()
                    .and_then(|n| n.parse().ok())
                    .unwrap_or_else(|| panic!("{}: a draw of unknown size", file.display()));
                draws += 1;
                // Recovery codes are 80 bits: ten of them, each used once, typed by hand and
                // throttled like the TOTP they stand in for (NIST SP 800-63B 5.1.2).
                let recovery_code = file.ends_with("identity/totp.rs") && n == 10;
                assert!(
                    n >= 16 || recovery_code,
                    "{}: random_bytes::<{n}> is under 128 bits",
                    file.display()
                );
            }
        }
        assert!(draws >= 8, "the scan found only {draws} draws");
        // And clippy (run with -D warnings in CI) refuses them by name.
        let lints = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../clippy.toml"),
        )
        .expect("clippy.toml");
        for banned in [
            "rand::random",
            "rand::thread_rng",
            "rand::rngs::SmallRng",
            "fastrand::Rng",
            "oorandom::Rand64",
        ] {
            assert!(
                lints.contains(&format!("path = \"{banned}\"")),
                "clippy.toml does not ban {banned}"
            );
        }
        let token = b64url(&random_bytes::<32>());
        assert_eq!(b64url_decode(&token).map(|b| b.len()), Some(32));
        assert_ne!(random_bytes::<16>(), random_bytes::<16>());

        // No product crate but the synthetic-data generator (seeded on purpose, so its demo
        // books repeat) depends on a non-cryptographic generator.
        let crates = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        for entry in std::fs::read_dir(&crates).expect("crates") {
            let dir = entry.expect("crate").path();
            let Ok(manifest) = std::fs::read_to_string(dir.join("Cargo.toml")) else {
                continue;
            };
            if dir.ends_with("synth") {
                continue;
            }
            for generator in [
                "rand",
                "rand_core",
                "rand_chacha",
                "rand_pcg",
                "rand_xorshift",
                "fastrand",
                "oorandom",
                "nanorand",
                "tinyrand",
                "wyrand",
            ] {
                let declared = manifest.lines().any(|l| {
                    let l = l.trim_start();
                    l.starts_with(&format!("{generator} "))
                        || l.starts_with(&format!("{generator}="))
                        || l.starts_with(&format!("{generator}."))
                });
                assert!(!declared, "{} depends on {generator}", dir.display());
            }
        }
    }

    #[test]
    fn the_instance_key_is_wiped_on_drop_printed_redacted_and_never_compared() {
        fn wiped_on_drop<T: zeroize::ZeroizeOnDrop>() {}
        wiped_on_drop::<InstanceKey>();
        struct Probe<T>(std::marker::PhantomData<T>);
        trait Fallback {
            fn comparable(&self) -> bool {
                false
            }
        }
        impl<T> Fallback for Probe<T> {}
        #[allow(dead_code)]
        impl<T: PartialEq> Probe<T> {
            fn comparable(&self) -> bool {
                true
            }
        }
        assert!(Probe::<[u8; 32]>(std::marker::PhantomData).comparable());
        assert!(!Probe::<InstanceKey>(std::marker::PhantomData).comparable());
        let key = InstanceKey::from_bytes([0xAB; 32]);
        assert_eq!(format!("{key:?}"), "InstanceKey(..)");
        assert_ne!(key.subkey("csrf"), key.subkey("email-links"));
    }
}
