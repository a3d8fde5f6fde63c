//! Password hashing (argon2id) off the async threads and behind a semaphore, and the strength
//! rules: 12–128 characters and a zxcvbn score of at least 3 given the user's own details.

use super::crypto::{b64url, random_bytes};
use crate::FieldError;
use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use std::sync::Arc;
use tokio::sync::Semaphore;

pub const MIN_PASSWORD_CHARS: usize = 12;
pub const MAX_PASSWORD_CHARS: usize = 128;
/// Words of this product a guesser tries first, beside zxcvbn's own lists (the most common
/// passwords of public breaches, English words and names, keyboard patterns).
const PRODUCT_WORDS: [&str; 4] = ["flowsense", "flow", "sense", "cashflow"];

/// Hashes and verifies passwords, at most `permits` at a time (each takes ~19 MiB and tens of
/// milliseconds), so a burst of sign-ins cannot exhaust memory or starve the runtime.
/// A password hash could not be computed or checked (the machine, not the password).
#[derive(Debug, thiserror::Error)]
#[error("password hashing failed")]
pub struct PasswordError(#[source] Box<dyn std::error::Error + Send + Sync>);

#[derive(Clone)]
pub struct Passwords {
    permits: Arc<Semaphore>,
    /// A real argon2id hash of a random string, verified against when the user does not exist,
    /// so unknown and known e-mail addresses cost the same.
    dummy_phc: Arc<str>,
    /// The offline breached-password set new passwords are looked up in, when configured.
    breached: Option<Arc<super::breached::BreachedPasswords>>,
}

impl std::fmt::Debug for Passwords {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Passwords(..)")
    }
}

fn hash_blocking(password: &[u8]) -> Result<String, PasswordError> {
    Argon2::default()
        .hash_password(password)
        .map(|h| h.to_string())
        .map_err(|e| PasswordError(format!("argon2: {e}").into()))
}

impl Passwords {
    /// # Errors
    /// When the dummy hash cannot be computed.
    pub fn new(concurrency: usize) -> Result<Self, PasswordError> {
        let dummy = hash_blocking(b64url(&random_bytes::<24>()).as_bytes())?;
        Ok(Self {
            permits: Arc::new(Semaphore::new(concurrency.max(1))),
            dummy_phc: dummy.into(),
            breached: None,
        })
    }

    /// The same hasher refusing new passwords found in `set`.
    #[must_use]
    pub fn with_breached(mut self, set: super::breached::BreachedPasswords) -> Self {
        self.breached = Some(Arc::new(set));
        self
    }

    /// Refuses a new password found in the breached-password set (when one is configured),
    /// on the `password` field and without quoting it.
    ///
    /// # Errors
    /// The refusal; the set could not be read (a failure of the machine, not the password).
    pub(crate) async fn refuse_breached(
        &self,
        password: &str,
    ) -> Result<Result<(), FieldError>, PasswordError> {
        let Some(set) = self.breached.clone() else {
            return Ok(Ok(()));
        };
        let password = password.to_owned();
        let found = self
            .run(move || set.contains(&password))
            .await?
            .map_err(|e| PasswordError(Box::new(e)))?;
        Ok(if found {
            Err(FieldError::new(
                "password",
                "this password appears in a known data breach; choose another",
            ))
        } else {
            Ok(())
        })
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, PasswordError> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|e| PasswordError(Box::new(e)))?;
        tokio::task::spawn_blocking(work)
            .await
            .map_err(|e| PasswordError(Box::new(e)))
    }

    /// A PHC string for `password`.
    pub(crate) async fn hash(&self, password: String) -> Result<String, PasswordError> {
        self.run(move || hash_blocking(password.as_bytes())).await?
    }

    /// Whether `password` matches `phc`; with no stored hash it verifies against the dummy and
    /// answers `false`, taking the same time.
    pub(crate) async fn verify(
        &self,
        password: String,
        phc: Option<String>,
    ) -> Result<bool, PasswordError> {
        let known = phc.is_some();
        let phc = phc.unwrap_or_else(|| self.dummy_phc.to_string());
        let ok = self
            .run(move || {
                Argon2::default()
                    .verify_password(password.as_bytes(), phc.as_str())
                    .is_ok()
            })
            .await?;
        Ok(ok && known)
    }
}

/// Refuses passwords that are too short, too long, or guessable (zxcvbn score < 3), judged with
/// the user's own e-mail address and name as known inputs.
///
/// # Errors
/// What is wrong with the password, on the `password` field (never quoting it).
pub fn check_password_strength(password: &str, email: &str, name: &str) -> Result<(), FieldError> {
    let n = password.chars().count();
    if n < MIN_PASSWORD_CHARS {
        return Err(FieldError::new(
            "password",
            format!("the password must have at least {MIN_PASSWORD_CHARS} characters"),
        ));
    }
    if n > MAX_PASSWORD_CHARS {
        return Err(FieldError::new(
            "password",
            format!("the password must have at most {MAX_PASSWORD_CHARS} characters"),
        ));
    }
    let local = email.split('@').next().unwrap_or("");
    let joined: String = name.split_whitespace().collect();
    let mut inputs = vec![email, local, name, joined.as_str()];
    inputs.extend(PRODUCT_WORDS);
    inputs.extend(name.split_whitespace());
    inputs.extend(local.split(['.', '_', '-', '+']));
    let entropy = zxcvbn::zxcvbn(password, &inputs);
    if u8::from(entropy.score()) < 3 {
        // zxcvbn's feedback is a fixed sentence about the kind of weakness (never the password).
        let feedback = entropy
            .feedback()
            .map(|f| {
                let mut parts: Vec<String> =
                    f.warning().map(|w| w.to_string()).into_iter().collect();
                parts.extend(f.suggestions().iter().map(ToString::to_string));
                parts.join(" ")
            })
            .filter(|t| !t.is_empty())
            .unwrap_or_else(|| "Try a longer passphrase of unrelated words.".to_owned());
        return Err(FieldError::new(
            "password",
            format!("the password is too easy to guess. {feedback}"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weak_common_and_personal_passwords_are_refused() {
        for bad in [
            "short",
            "password1234",
            "qwertyuiop12",
            "anna.smith@example.com",
            "annasmith2024!",
        ] {
            assert!(
                check_password_strength(bad, "anna.smith@example.com", "Anna Smith").is_err(),
                "{bad}"
            );
        }
        assert!(check_password_strength(&"x".repeat(129), "a@b.c", "A").is_err());
        let Err(FieldError { message: why, .. }) =
            check_password_strength("password1234", "anna.smith@example.com", "Anna Smith")
        else {
            panic!("a common password is refused")
        };
        assert!(why.contains("too easy to guess. "), "{why}");
        assert!(why.contains("common password"), "zxcvbn's warning: {why}");
        assert!(
            !why.contains("password1234"),
            "the password is never echoed"
        );
        assert!(
            check_password_strength(
                "violet-tundra-47-marmalade",
                "anna.smith@example.com",
                "Anna Smith"
            )
            .is_ok()
        );
    }

    #[test]
    fn the_product_name_does_not_make_a_password() {
        for bad in ["FlowSense2025!", "flowsense2026", "Flowsense!2025"] {
            assert!(
                check_password_strength(bad, "anna.smith@example.com", "Anna Smith").is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn lowercase_passphrases_and_any_script_are_welcome() {
        for good in [
            "violet tundra marmalade quixotic",
            "четыре ветра над тихой рекой",
            "雨の日は図書館で古い地図を読む",
        ] {
            assert!(
                check_password_strength(good, "anna.smith@example.com", "Anna Smith").is_ok(),
                "{good}"
            );
        }
        // Length is counted in characters, not bytes: 128 emoji are allowed, 129 are not.
        let emoji: String = (0..128)
            .filter_map(|i| char::from_u32(0x1F300 + (i * 37) % 256))
            .collect();
        assert_eq!(emoji.chars().count(), MAX_PASSWORD_CHARS);
        assert!(check_password_strength(&emoji, "a@b.c", "A").is_ok());
        assert!(check_password_strength(&format!("{emoji}\u{1F380}"), "a@b.c", "A").is_err());
    }

    #[tokio::test]
    async fn a_long_unicode_password_is_verified_exactly_as_typed() {
        let passwords = Passwords::new(1).expect("hasher");
        let typed = "雨の日は図書館で古い地図を読む🔥".repeat(7);
        let phc = passwords.hash(typed.clone()).await.expect("hash");
        assert!(
            passwords
                .verify(typed.clone(), Some(phc.clone()))
                .await
                .expect("verify")
        );
        // No truncation: one more character, one fewer, or another normal form is refused.
        for other in [
            format!("{typed}x"),
            typed.chars().take(typed.chars().count() - 1).collect(),
            typed.replace('の', "ノ"),
        ] {
            assert!(
                !passwords
                    .verify(other, Some(phc.clone()))
                    .await
                    .expect("verify")
            );
        }
    }
}
