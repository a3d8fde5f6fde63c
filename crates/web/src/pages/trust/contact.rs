//! Where security reports go (`FLOWSENSE_SECURITY_CONTACT`): an e-mail address or an `https:`
//! URL, checked when the server starts. Without one, the trust centre says so and
//! `/.well-known/security.txt` is not served (RFC 9116 requires a `Contact`).

use flowsense_service::identity::accounts::parse_email;

/// A validated contact, as the URI that `security.txt` and the page link to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecurityContact(String);

/// Why a contact was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error(
    "FLOWSENSE_SECURITY_CONTACT must be an e-mail address (security@example.com, or mailto:…) or an https:// URL"
)]
pub struct BadSecurityContact;

impl SecurityContact {
    /// Reads `raw`: `security@example.com`, `mailto:security@example.com` or
    /// `https://example.com/security`.
    ///
    /// # Errors
    /// Anything else, including `http:` URLs.
    pub fn parse(raw: &str) -> Result<Self, BadSecurityContact> {
        let raw = raw.trim();
        if let Some(rest) = raw.strip_prefix("https://") {
            let host = rest.split(['/', '?', '#']).next().unwrap_or("");
            let clean = !raw
                .chars()
                .any(|c| c.is_whitespace() || c.is_control() || c == '"');
            if clean && !host.is_empty() && !host.contains('@') {
                return Ok(Self(raw.to_owned()));
            }
            return Err(BadSecurityContact);
        }
        let address = raw.strip_prefix("mailto:").unwrap_or(raw);
        let address = parse_email(address).map_err(|_| BadSecurityContact)?;
        Ok(Self(format!("mailto:{address}")))
    }

    /// The URI: `mailto:…` or `https://…`.
    #[must_use]
    pub fn uri(&self) -> &str {
        &self.0
    }

    /// What a reader sees: the address without `mailto:`, or the URL.
    #[must_use]
    pub fn text(&self) -> &str {
        self.0.trim_start_matches("mailto:")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_become_mailto_and_only_https_urls_are_taken() {
        for (raw, uri) in [
            ("Security@Example.com", "mailto:security@example.com"),
            ("mailto:sec@example.org", "mailto:sec@example.org"),
            (" https://example.com/report ", "https://example.com/report"),
        ] {
            assert_eq!(SecurityContact::parse(raw).map(|c| c.0), Ok(uri.to_owned()));
        }
        for bad in [
            "",
            "security",
            "http://example.com/report",
            "https://",
            "https://user@host/",
            "https://example.com/a b",
            "mailto:",
            "javascript:alert(1)",
        ] {
            assert_eq!(
                SecurityContact::parse(bad),
                Err(BadSecurityContact),
                "{bad}"
            );
        }
    }
}
