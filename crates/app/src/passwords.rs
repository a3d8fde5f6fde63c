//! Password hashing (argon2id) and generated passwords.

use anyhow::{Context, Result};
use argon2::Argon2;
use argon2::password_hash::PasswordHasher;

/// Hashes a password into a PHC string (argon2id with the crate's OWASP-minimum defaults and a
/// random salt from the operating system).
pub fn hash_password(password: &str) -> Result<String> {
    Ok(Argon2::default()
        .hash_password(password.as_bytes())
        .map_err(|e| anyhow::anyhow!("hashing a password: {e}"))?
        .to_string())
}

/// A random password of 20 characters from an unambiguous alphabet (~114 bits).
pub fn generate_password() -> Result<String> {
    const ALPHABET: &[u8] = b"abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut out = String::with_capacity(20);
    while out.len() < 20 {
        let mut b = [0u8; 32];
        getrandom::fill(&mut b).context("reading the system random number generator")?;
        // Rejection sampling keeps every character equally likely.
        let limit = 256 - (256 % ALPHABET.len());
        out.extend(
            b.iter()
                .filter(|&&x| (x as usize) < limit)
                .map(|&x| ALPHABET[x as usize % ALPHABET.len()] as char)
                .take(20 - out.len()),
        );
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::PasswordVerifier;
    use argon2::password_hash::phc::PasswordHash;

    #[test]
    fn hashes_verify_and_generated_passwords_differ() {
        let p = generate_password().unwrap();
        assert_eq!(p.len(), 20);
        assert_ne!(p, generate_password().unwrap());
        let h = hash_password(&p).unwrap();
        assert!(h.starts_with("$argon2id$"));
        let parsed = PasswordHash::new(&h).unwrap();
        assert!(
            Argon2::default()
                .verify_password(p.as_bytes(), &parsed)
                .is_ok()
        );
        assert!(
            Argon2::default()
                .verify_password(b"wrong", &parsed)
                .is_err()
        );
    }
}
