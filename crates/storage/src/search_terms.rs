//! What a transactions search (`q=`) looks for, parsed from the owner's text into plain words,
//! and written out in each engine's full-text syntax.
//!
//! The rule: every word of the text must appear as a whole word in the description, the
//! counterparty or the category; a word followed by `*` also matches words that start with it
//! (`rent*` finds "Rent" and "Rental"), and rows where every such word matched whole rank first.
//! So `rent` finds rent payments and not "Car Rental".
//!
//! Words are runs of letters and digits, lower-cased; everything else (quotes, `-`, `:`, brackets,
//! `NEAR`, `OR` as operators) only separates words, and each word is quoted in the engine's
//! syntax, so a search text can never be read as a query operator or a column filter. The text
//! is bounded: its first [`MAX_TEXT_CHARS`] characters, at most [`MAX_WORDS`] words, each cut to
//! [`MAX_WORD_CHARS`].

/// Characters of the search text that are read; the rest is ignored.
pub const MAX_TEXT_CHARS: usize = 200;
/// Words that are looked for; later words are ignored.
pub const MAX_WORDS: usize = 8;
/// Characters kept of one word.
pub const MAX_WORD_CHARS: usize = 64;
/// Shortest word that `*` makes a prefix (a one-letter prefix would match nearly every row).
const MIN_PREFIX_CHARS: usize = 2;

#[derive(Debug, Clone, PartialEq, Eq)]
struct Term {
    word: String,
    prefix: bool,
}

/// The words of one search text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SearchTerms(Vec<Term>);

impl SearchTerms {
    /// The words of `text`; `None` when it holds none (only spaces or punctuation).
    pub fn parse(text: &str) -> Option<Self> {
        let mut terms: Vec<Term> = Vec::new();
        let mut word = String::new();
        let mut chars = text.chars().take(MAX_TEXT_CHARS).peekable();
        while let Some(c) = chars.next() {
            if c.is_alphanumeric() {
                if word.chars().count() < MAX_WORD_CHARS {
                    word.extend(c.to_lowercase());
                }
                if chars.peek().is_some_and(|n| n.is_alphanumeric()) {
                    continue;
                }
                let prefix = chars.peek() == Some(&'*');
                let term = Term {
                    prefix: prefix && word.chars().count() >= MIN_PREFIX_CHARS,
                    word: std::mem::take(&mut word),
                };
                if !terms.contains(&term) {
                    terms.push(term);
                }
                if terms.len() == MAX_WORDS {
                    break;
                }
            }
        }
        (!terms.is_empty()).then_some(SearchTerms(terms))
    }

    /// Whether some word is a prefix, so that rows can rank below the whole-word matches.
    pub fn has_prefix(&self) -> bool {
        self.0.iter().any(|t| t.prefix)
    }

    /// The FTS5 query of rows where every word matches whole.
    pub fn fts5_whole(&self) -> String {
        self.fts5(true)
    }

    /// The FTS5 query of rows found through a prefix and not by every word whole.
    pub fn fts5_prefix_only(&self) -> String {
        format!("({}) NOT ({})", self.fts5(false), self.fts5(true))
    }

    /// The `to_tsquery` text of rows where every word matches whole.
    pub fn tsquery_whole(&self) -> String {
        self.tsquery(true)
    }

    /// The `to_tsquery` text of rows found through a prefix and not by every word whole.
    pub fn tsquery_prefix_only(&self) -> String {
        format!("({}) & !({})", self.tsquery(false), self.tsquery(true))
    }

    /// An FTS5 query: every word as a quoted string, `*` after a prefix; `whole` drops the `*`s.
    fn fts5(&self, whole: bool) -> String {
        self.0
            .iter()
            .map(|t| {
                let star = if t.prefix && !whole { "*" } else { "" };
                // Words hold no `"`; quoting makes NEAR, AND, OR, NOT and `col:` plain words.
                format!("\"{}\"{star}", t.word)
            })
            .collect::<Vec<_>>()
            .join(" AND ")
    }

    /// A PostgreSQL `to_tsquery` text: every word quoted, `:*` after a prefix; `whole` drops them.
    fn tsquery(&self, whole: bool) -> String {
        self.0
            .iter()
            .map(|t| {
                let star = if t.prefix && !whole { ":*" } else { "" };
                // Words hold no `'` or `\`, the only characters special inside the quotes.
                format!("'{}'{star}", t.word)
            })
            .collect::<Vec<_>>()
            .join(" & ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<(String, bool)> {
        SearchTerms::parse(text)
            .map(|t| t.0.into_iter().map(|t| (t.word, t.prefix)).collect())
            .unwrap_or_default()
    }

    #[test]
    fn words_are_lower_cased_letters_and_digits() {
        assert_eq!(
            words("Rent  OFFICE-42"),
            [
                ("rent".into(), false),
                ("office".into(), false),
                ("42".into(), false)
            ]
        );
        assert_eq!(words("Café*"), [("café".into(), true)]);
        assert_eq!(
            words("r* rent rent"),
            [("r".into(), false), ("rent".into(), false)]
        );
    }

    #[test]
    fn operators_and_quotes_are_only_separators() {
        let t = SearchTerms::parse("\"rent\" NEAR(a b) description:x -y OR z^ 'q'").unwrap();
        assert_eq!(
            t.fts5(false),
            "\"rent\" AND \"near\" AND \"a\" AND \"b\" AND \"description\" AND \"x\" AND \"y\" AND \"or\""
        );
        assert_eq!(
            SearchTerms::parse("o'brien* \\x").unwrap().tsquery(false),
            "'o' & 'brien':* & 'x'"
        );
        assert_eq!(
            SearchTerms::parse("o'brien* \\x").unwrap().tsquery(true),
            "'o' & 'brien' & 'x'"
        );
        assert!(SearchTerms::parse(" %_*\"' -- ").is_none());
    }

    #[test]
    fn prefix_only_matches_leave_out_the_whole_word_ones() {
        let t = SearchTerms::parse("rent* office").unwrap();
        assert_eq!(
            t.fts5_prefix_only(),
            "(\"rent\"* AND \"office\") NOT (\"rent\" AND \"office\")"
        );
        assert_eq!(
            t.tsquery_prefix_only(),
            "('rent':* & 'office') & !('rent' & 'office')"
        );
        assert_eq!(t.fts5_whole(), "\"rent\" AND \"office\"");
    }

    #[test]
    fn huge_texts_are_bounded() {
        let t = SearchTerms::parse(&"abc ".repeat(100_000)).unwrap();
        assert_eq!(t.0.len(), 1);
        let t = SearchTerms::parse(
            &(0..100_000)
                .map(|n| format!("w{n}"))
                .collect::<Vec<_>>()
                .join(" "),
        )
        .unwrap();
        assert_eq!(t.0.len(), MAX_WORDS);
        let t = SearchTerms::parse(&"x".repeat(1_000_000)).unwrap();
        assert_eq!(t.0[0].word.len(), MAX_WORD_CHARS);
    }
}
