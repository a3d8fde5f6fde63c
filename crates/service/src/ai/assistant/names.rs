//! Counterparty names on their way to the model and back: as they are, or, when the
//! organisation turned `redact_names` on, as the stable pseudonyms of [`Pseudonyms`], with the
//! real names put back into the answer (also while it streams) and into the tools' input.

use crate::ai::pseudonyms::Pseudonyms;

/// The names of one question's conversation with the model.
#[derive(Debug)]
pub struct Names {
    pseudonyms: Option<Pseudonyms>,
}

/// Where every pseudonym starts (see [`Pseudonyms`]).
const PREFIX: &str = "Counterparty ";

impl Names {
    /// Names go out as they are.
    #[must_use]
    pub fn plain() -> Self {
        Self { pseudonyms: None }
    }

    /// Names go out as `pseudonyms` hands them out.
    #[must_use]
    pub fn pseudonymised(pseudonyms: Pseudonyms) -> Self {
        Self {
            pseudonyms: Some(pseudonyms),
        }
    }

    /// Whether names are replaced.
    #[must_use]
    pub fn redacted(&self) -> bool {
        self.pseudonyms.is_some()
    }

    /// `name` as the model sees it.
    pub fn out(&mut self, name: &str) -> String {
        match &mut self.pseudonyms {
            Some(p) if !name.trim().is_empty() => p.pseudonym(name),
            _ => name.to_owned(),
        }
    }

    /// `text` (a transaction's description) with `name` in it replaced as [`Names::out`] does.
    pub fn out_in(&mut self, text: &str, name: &str) -> String {
        if self.pseudonyms.is_none() || name.trim().len() < 3 || !text.contains(name) {
            return text.to_owned();
        }
        let token = self.out(name);
        text.replace(name, &token)
    }

    /// `text` with the model's pseudonyms replaced by the real names.
    #[must_use]
    pub fn back(&self, text: &str) -> String {
        match &self.pseudonyms {
            Some(p) => p.restore(text),
            None => text.to_owned(),
        }
    }

    /// How much of the end of `text` must wait for more text before it can be restored: the
    /// start of what may still grow into a pseudonym (`Count`, `Counterparty 7F`).
    #[must_use]
    pub fn unsettled_tail(&self, text: &str) -> usize {
        if self.pseudonyms.is_none() {
            return 0;
        }
        // A pseudonym is the prefix and at most 64 hex digits.
        let window = PREFIX.len() + 64;
        let start = text.len().saturating_sub(window);
        for (i, _) in text.char_indices().filter(|(i, _)| *i >= start) {
            let rest = &text[i..];
            let could_grow = if rest.len() <= PREFIX.len() {
                PREFIX.starts_with(rest)
            } else {
                rest.starts_with(PREFIX)
                    && rest[PREFIX.len()..].chars().all(|c| c.is_ascii_hexdigit())
            };
            if could_grow {
                return text.len() - i;
            }
        }
        0
    }
}

/// Text deltas restored as they stream: what can be restored is handed on, the start of a
/// possible pseudonym waits for the next delta.
#[derive(Debug, Default)]
pub struct StreamRestorer {
    pending: String,
}

impl StreamRestorer {
    /// Adds `delta`; returns the text that is settled now (possibly empty).
    pub fn push(&mut self, names: &Names, delta: &str) -> String {
        self.pending.push_str(delta);
        let keep = names.unsettled_tail(&self.pending);
        let cut = self.pending.len() - keep;
        let settled: String = self.pending.drain(..cut).collect();
        names.back(&settled)
    }

    /// The rest, at the end of the text.
    pub fn finish(&mut self, names: &Names) -> String {
        let rest = std::mem::take(&mut self.pending);
        names.back(&rest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::crypto::InstanceKey;
    use flowsense_core::OrgId;
    use uuid::Uuid;

    #[test]
    fn a_pseudonym_split_across_deltas_is_restored_whole() {
        let key = InstanceKey::generate();
        let mut names = Names::pseudonymised(Pseudonyms::for_org(&key, OrgId(Uuid::from_u128(1))));
        let token = names.out("Acme Ltd");
        let answer = format!("{token} owes the most; ask {token}.");
        for cut in 1..answer.len() {
            if !answer.is_char_boundary(cut) {
                continue;
            }
            let mut r = StreamRestorer::default();
            let mut out = r.push(&names, &answer[..cut]);
            out.push_str(&r.push(&names, &answer[cut..]));
            out.push_str(&r.finish(&names));
            assert_eq!(out, "Acme Ltd owes the most; ask Acme Ltd.", "cut at {cut}");
        }
    }

    #[test]
    fn plain_names_pass_through() {
        let mut names = Names::plain();
        assert_eq!(names.out("Acme Ltd"), "Acme Ltd");
        let mut r = StreamRestorer::default();
        assert_eq!(r.push(&names, "Count"), "Count");
        assert_eq!(r.finish(&names), "");
    }
}
