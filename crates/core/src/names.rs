//! Names people give: an organisation's name, a user's display name. They appear in pages,
//! e-mail subjects and the audit log, so one type says what a name may hold, checked once at
//! the edge.

use std::fmt;

/// The most characters a name may have.
pub const MAX_NAME_CHARS: usize = 100;

/// A trimmed name of 1 to [`MAX_NAME_CHARS`] characters with no control characters (no line
/// breaks for a mail header to split on) and no bidirectional formatting characters (which can
/// make a name read differently from what it is, e.g. `U+202E` turning `fdp.exe` around).
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct PlainName(String);

/// Why a name was refused; the message fits a form field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("enter a name of 1 to {MAX_NAME_CHARS} characters")]
    Length,
    #[error("a name cannot hold line breaks or other control characters")]
    Control,
    #[error("a name cannot hold text-direction override characters")]
    Bidi,
}

/// `U+202A`–`U+202E` (embeddings and overrides), `U+2066`–`U+2069` (isolates), and the marks.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

impl PlainName {
    /// # Errors
    /// Empty or too long once trimmed, or holding a control or bidirectional character.
    pub fn parse(raw: &str) -> Result<Self, NameError> {
        let name = raw.trim();
        if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
            return Err(NameError::Length);
        }
        if name.chars().any(char::is_control) {
            return Err(NameError::Control);
        }
        if name.chars().any(is_bidi_control) {
            return Err(NameError::Bidi);
        }
        Ok(PlainName(name.to_owned()))
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    #[must_use]
    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for PlainName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for PlainName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_kept() {
        let n = PlainName::parse("  Northwind Coffee Roasters ").expect("name");
        assert_eq!(n.as_str(), "Northwind Coffee Roasters");
        assert!(PlainName::parse("Café Zoë — 東京").is_ok());
        assert!(PlainName::parse(&"é".repeat(MAX_NAME_CHARS)).is_ok());
    }

    #[test]
    fn bad_names_are_refused_with_a_reason() {
        assert_eq!(PlainName::parse("   "), Err(NameError::Length));
        assert_eq!(
            PlainName::parse(&"x".repeat(MAX_NAME_CHARS + 1)),
            Err(NameError::Length)
        );
        assert_eq!(
            PlainName::parse("Acme\r\nBcc: x@y"),
            Err(NameError::Control)
        );
        assert_eq!(PlainName::parse("Acme\u{0}"), Err(NameError::Control));
        assert_eq!(PlainName::parse("Acme\u{7}Ltd"), Err(NameError::Control));
        assert_eq!(
            PlainName::parse("invoice\u{202E}fdp.exe"),
            Err(NameError::Bidi)
        );
        assert_eq!(PlainName::parse("a\u{2066}b"), Err(NameError::Bidi));
    }
}
