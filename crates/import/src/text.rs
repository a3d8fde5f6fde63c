//! Text sniffing: UTF-8 (with or without BOM) or Windows-1252, and refusing binary junk.

use crate::error::ErrorReason;

/// How the bytes of a text file are decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    /// Common in older bank exports; every byte maps to one character.
    Windows1252,
}

pub(crate) const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Decides the encoding from the first bytes of a file.
///
/// NUL bytes or control characters mean binary data; a prefix that is valid UTF-8 (a
/// sequence cut at the end of the prefix is allowed) is UTF-8; otherwise Windows-1252.
///
/// # Errors
/// [`ErrorReason::NotText`] or [`ErrorReason::Utf16`], with the 1-based line of the offending byte.
pub fn sniff_encoding(prefix: &[u8]) -> Result<Encoding, (u64, ErrorReason)> {
    if prefix.starts_with(b"\xFF\xFE") || prefix.starts_with(b"\xFE\xFF") {
        return Err((1, ErrorReason::Utf16));
    }
    let line_of = |pos: usize| 1 + memchr::memchr_iter(b'\n', &prefix[..pos]).count() as u64;
    if let Some(pos) = prefix.iter().position(|&b| is_binary_control(b)) {
        return Err((line_of(pos), ErrorReason::NotText));
    }
    match std::str::from_utf8(prefix) {
        Ok(_) => Ok(Encoding::Utf8),
        Err(e) if e.error_len().is_none() => Ok(Encoding::Utf8),
        Err(_) => Ok(Encoding::Windows1252),
    }
}

/// Control bytes that never appear in a text CSV (tab, CR, LF and form feed do).
fn is_binary_control(b: u8) -> bool {
    b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0C)
}

/// Decodes one field. `None` when the bytes are not text in this encoding.
#[must_use]
pub fn decode(bytes: &[u8], encoding: Encoding) -> Option<std::borrow::Cow<'_, str>> {
    if bytes.contains(&0) {
        return None;
    }
    match encoding {
        Encoding::Utf8 => std::str::from_utf8(bytes).ok().map(Into::into),
        Encoding::Windows1252 => Some(match std::str::from_utf8(bytes) {
            Ok(s) if s.is_ascii() => s.into(),
            _ => bytes
                .iter()
                .map(|&b| windows_1252_char(b))
                .collect::<String>()
                .into(),
        }),
    }
}

/// Windows-1252 as the WHATWG encoding standard defines it (0x80–0x9F differ from Latin-1).
#[must_use]
pub fn windows_1252_char(b: u8) -> char {
    const HIGH: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8D}', 'Ž',
        '\u{8F}', '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9D}',
        'ž', 'Ÿ',
    ];
    match b {
        0x80..=0x9F => HIGH[usize::from(b - 0x80)],
        _ => char::from(b),
    }
}

/// Trims ASCII and Unicode whitespace (including no-break spaces) around a field.
#[must_use]
pub fn trim_field(s: &str) -> &str {
    s.trim_matches(|c: char| c.is_whitespace() || c == '\u{FEFF}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_utf8_and_1252() {
        assert_eq!(sniff_encoding(b"date,amount\n"), Ok(Encoding::Utf8));
        assert_eq!(sniff_encoding("Café,1\n".as_bytes()), Ok(Encoding::Utf8));
        assert_eq!(sniff_encoding(b"Caf\xE9,1\n"), Ok(Encoding::Windows1252));
        assert_eq!(sniff_encoding(b"ab\xC3"), Ok(Encoding::Utf8));
    }

    #[test]
    fn refuses_binary() {
        assert_eq!(sniff_encoding(b"a\nb\0c"), Err((2, ErrorReason::NotText)));
        assert_eq!(
            sniff_encoding(b"\x7FELF\x02\x01"),
            Err((1, ErrorReason::NotText))
        );
        assert_eq!(sniff_encoding(b"\xFF\xFEd\0"), Err((1, ErrorReason::Utf16)));
    }

    #[test]
    fn decodes_1252() {
        let s = decode(b"Caf\xE9 \x80", Encoding::Windows1252).unwrap();
        assert_eq!(s, "Café €");
        assert!(decode(b"Caf\xE9", Encoding::Utf8).is_none());
    }
}
