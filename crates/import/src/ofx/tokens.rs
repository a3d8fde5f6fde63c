//! A tolerant tag tokenizer for both OFX 1.x (SGML: leaf elements have no end tags) and
//! OFX 2.x (XML). It does not build a tree; the statement reader pairs tags itself.

/// One piece of the markup, with the 1-based line it starts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Token {
    Start(String, u64),
    End(String, u64),
    /// Non-blank text between tags, trimmed and with entities decoded.
    Text(String, u64),
}

pub(crate) struct Tokenizer<'a> {
    text: &'a str,
    pos: usize,
    line: u64,
    /// An end tag owed by a self-closing `<TAG/>`.
    pending_end: Option<(String, u64)>,
}

impl<'a> Tokenizer<'a> {
    /// `text` should start at `<OFX>`; `line` is the line it starts on.
    pub fn new(text: &'a str, line: u64) -> Self {
        Self {
            text,
            pos: 0,
            line,
            pending_end: None,
        }
    }

    fn advance(&mut self, to: usize) {
        self.line += memchr::memchr_iter(b'\n', &self.text.as_bytes()[self.pos..to]).count() as u64;
        self.pos = to;
    }
}

impl Iterator for Tokenizer<'_> {
    type Item = Token;

    fn next(&mut self) -> Option<Token> {
        if let Some((name, line)) = self.pending_end.take() {
            return Some(Token::End(name, line));
        }
        loop {
            let rest = &self.text[self.pos..];
            if rest.is_empty() {
                return None;
            }
            let line = self.line;
            if !rest.starts_with('<') {
                let end = rest.find('<').map_or(self.text.len(), |p| self.pos + p);
                let raw = &self.text[self.pos..end];
                self.advance(end);
                let value = raw.trim();
                if value.is_empty() {
                    continue;
                }
                return Some(Token::Text(unescape(value), line));
            }
            if rest.starts_with("<!--") {
                let end = rest
                    .find("-->")
                    .map_or(self.text.len(), |p| self.pos + p + 3);
                self.advance(end);
                continue;
            }
            let Some(close) = rest.find('>') else {
                self.advance(self.text.len());
                return None;
            };
            let inner = &rest[1..close];
            self.advance(self.pos + close + 1);
            if inner.starts_with('?') || inner.starts_with('!') {
                continue;
            }
            if let Some(name) = inner.strip_prefix('/') {
                return Some(Token::End(tag_name(name), line));
            }
            let name = tag_name(inner.strip_suffix('/').unwrap_or(inner));
            if name.is_empty() {
                continue;
            }
            if inner.ends_with('/') {
                self.pending_end = Some((name.clone(), line));
            }
            return Some(Token::Start(name, line));
        }
    }
}

/// The element name, upper-cased, without attributes.
fn tag_name(inner: &str) -> String {
    inner
        .split_whitespace()
        .next()
        .unwrap_or("")
        .to_ascii_uppercase()
}

/// Longest entity name looked for between `&` and `;` (`#x10FFFF` and the like).
const MAX_ENTITY_CHARS: usize = 10;

/// Decodes the XML/SGML character entities OFX files use; unknown ones stay as written.
pub(crate) fn unescape(text: &str) -> String {
    if !text.contains('&') {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        // Only a short way on: a search to the end for each `&` made a text of many `&`
        // without `;` cost its length squared.
        let window = &after.as_bytes()[..after.len().min(MAX_ENTITY_CHARS + 1)];
        let decoded = memchr::memchr(b';', window).and_then(|semi| {
            let entity = &after[..semi];
            let c = match entity {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                "nbsp" => Some('\u{A0}'),
                _ => entity
                    .strip_prefix("#x")
                    .or_else(|| entity.strip_prefix("#X"))
                    .and_then(|h| u32::from_str_radix(h, 16).ok())
                    .or_else(|| entity.strip_prefix('#').and_then(|d| d.parse().ok()))
                    .and_then(char::from_u32),
            }?;
            Some((c, semi))
        });
        match decoded {
            Some((c, semi)) => {
                out.push(c);
                rest = &after[semi + 1..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sgml_and_xml_tokens() {
        let toks: Vec<Token> =
            Tokenizer::new("<OFX>\n<NAME>A &amp; B\n<MEMO>x</MEMO><X/></OFX>", 1).collect();
        assert_eq!(
            toks,
            vec![
                Token::Start("OFX".into(), 1),
                Token::Start("NAME".into(), 2),
                Token::Text("A & B".into(), 2),
                Token::Start("MEMO".into(), 3),
                Token::Text("x".into(), 3),
                Token::End("MEMO".into(), 3),
                Token::Start("X".into(), 3),
                Token::End("X".into(), 3),
                Token::End("OFX".into(), 3),
            ]
        );
    }

    #[test]
    fn entities() {
        assert_eq!(unescape("a&lt;b&#65;&#x42;&zz;&"), "a<bAB&zz;&");
        // Ten characters between `&` and `;` at most, as before.
        assert_eq!(unescape("&#000000065;&#0000000065;"), "A&#0000000065;");
        assert_eq!(unescape("é&amp;é&"), "é&é&");
    }
}
