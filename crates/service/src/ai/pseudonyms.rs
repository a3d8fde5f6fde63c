//! Names replaced by stable pseudonyms before figures leave for a model, and put back in its
//! answer (the `redact_names` organisation setting). A name's pseudonym is `Counterparty 7F3A`:
//! hex of a keyed hash of the name under a key of the organisation's own (derived from the
//! instance key and the organisation's id), so a name always gets the same pseudonym within
//! its organisation, and another organisation's pseudonym of it differs.

use crate::identity::crypto::{InstanceKey, hmac_sha256};
use flowsense_core::OrgId;
use std::collections::BTreeMap;

const PREFIX: &str = "Counterparty ";
/// Hex digits of a pseudonym; more are taken only when two names of one set would collide.
const SHORT: usize = 4;

/// The pseudonyms of one request's names.
pub struct Pseudonyms {
    key: [u8; 32],
    /// Real name → pseudonym.
    by_name: BTreeMap<String, String>,
    /// Pseudonym → real name.
    by_token: BTreeMap<String, String>,
}

impl std::fmt::Debug for Pseudonyms {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pseudonyms")
            .field("names", &self.by_name.len())
            .finish_non_exhaustive()
    }
}

impl Pseudonyms {
    /// The pseudonyms of `org`, keyed from the instance's secret.
    #[must_use]
    pub fn for_org(instance: &InstanceKey, org: OrgId) -> Self {
        let key = hmac_sha256(&instance.subkey("pseudonyms"), &[org.0.as_bytes()]);
        Self {
            key,
            by_name: BTreeMap::new(),
            by_token: BTreeMap::new(),
        }
    }

    /// The pseudonym of `name` (the same one each time it is asked).
    pub fn pseudonym(&mut self, name: &str) -> String {
        if let Some(token) = self.by_name.get(name) {
            return token.clone();
        }
        let digest = hex::encode_upper(hmac_sha256(&self.key, &[name.as_bytes()]));
        let mut len = SHORT;
        let token = loop {
            let candidate = format!("{PREFIX}{}", &digest[..len]);
            if !self.by_token.contains_key(&candidate) || len == digest.len() {
                break candidate;
            }
            // Another name of this request has the same short pseudonym: use more digits.
            len += 2;
        };
        self.by_name.insert(name.to_owned(), token.clone());
        self.by_token.insert(token.clone(), name.to_owned());
        token
    }

    /// The pseudonyms handed out.
    #[must_use]
    pub fn tokens(&self) -> Vec<String> {
        self.by_token.keys().cloned().collect()
    }

    /// `text` with every pseudonym handed out replaced by its real name. A pseudonym counts
    /// only as a whole word: `Counterparty 7F3AB2` is not `Counterparty 7F3A` followed by `B2`.
    #[must_use]
    pub fn restore(&self, text: &str) -> String {
        let mut tokens: Vec<(&String, &String)> = self.by_token.iter().collect();
        tokens.sort_by_key(|(t, _)| std::cmp::Reverse(t.len()));
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        let mut previous: Option<char> = None;
        'scan: while let Some(c) = rest.chars().next() {
            if previous.is_none_or(|p| !p.is_alphanumeric()) {
                for (token, name) in &tokens {
                    if let Some(after) = rest.strip_prefix(token.as_str())
                        && after.chars().next().is_none_or(|n| !n.is_alphanumeric())
                    {
                        out.push_str(name);
                        previous = token.chars().last();
                        rest = after;
                        continue 'scan;
                    }
                }
            }
            out.push(c);
            previous = Some(c);
            rest = &rest[c.len_utf8()..];
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn org(n: u128) -> OrgId {
        OrgId(Uuid::from_u128(n))
    }

    #[test]
    fn names_go_out_as_pseudonyms_and_come_back() {
        let key = InstanceKey::generate();
        let mut p = Pseudonyms::for_org(&key, org(1));
        let acme = p.pseudonym("Acme Ltd");
        let bolt = p.pseudonym("Bolt & Co");
        assert!(acme.starts_with("Counterparty ") && !acme.contains("Acme"));
        assert_ne!(acme, bolt);
        let answer = format!("{acme} pays late; {bolt} raised prices, as {acme} did.");
        assert_eq!(
            p.restore(&answer),
            "Acme Ltd pays late; Bolt & Co raised prices, as Acme Ltd did."
        );
    }

    #[test]
    fn a_name_keeps_its_pseudonym_within_an_organisation_only() {
        let key = InstanceKey::generate();
        let first = Pseudonyms::for_org(&key, org(1)).pseudonym("Acme Ltd");
        let again = Pseudonyms::for_org(&key, org(1)).pseudonym("Acme Ltd");
        let elsewhere = Pseudonyms::for_org(&key, org(2)).pseudonym("Acme Ltd");
        assert_eq!(first, again);
        assert_ne!(first, elsewhere);
    }

    #[test]
    fn a_collision_gets_a_longer_pseudonym_and_both_restore() {
        let key = InstanceKey::generate();
        let mut p = Pseudonyms::for_org(&key, org(1));
        // Find two names whose short pseudonyms collide (1 in 65,536 per pair).
        let mut seen = BTreeMap::new();
        let (a, b) = (0u32..)
            .find_map(|i| {
                let name = format!("Supplier {i}");
                let short = Pseudonyms::for_org(&key, org(1)).pseudonym(&name);
                seen.insert(short, name.clone())
                    .map(|earlier| (earlier, name))
            })
            .expect("a collision within the search");
        let ta = p.pseudonym(&a);
        let tb = p.pseudonym(&b);
        assert_ne!(ta, tb);
        assert!(
            tb.starts_with(&ta),
            "the later name gets more digits of the same hash"
        );
        let text = format!("{tb} then {ta}.");
        assert_eq!(p.restore(&text), format!("{b} then {a}."));
    }

    #[test]
    fn only_whole_pseudonyms_are_restored() {
        let key = InstanceKey::generate();
        let mut p = Pseudonyms::for_org(&key, org(1));
        let t = p.pseudonym("Acme Ltd");
        let text = format!("{t}X, X{t}, {t}9 and {t}.");
        assert_eq!(p.restore(&text), format!("{t}X, X{t}, {t}9 and Acme Ltd."));
    }
}
