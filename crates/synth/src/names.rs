//! Plausible, unique, journal-safe counterparty names (letters, digits, spaces, `&`, `.`, `'`).

pub(crate) use crate::trades::{Trade, Who};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use std::collections::HashSet;
use std::sync::Arc;

const FIRST: &[&str] = &[
    "Ava", "Liam", "Mia", "Noah", "Emma", "Lucas", "Olivia", "Ethan", "Sofia", "Mason", "Chloe",
    "Logan", "Grace", "Owen", "Ruby", "Caleb", "Nora", "Isaac", "Hazel", "Leo", "Iris", "Miles",
    "Clara", "Jonah", "Maya", "Felix", "Stella", "Adrian", "Elena", "Hugo", "Priya", "Ravi",
    "Aisha", "Omar", "Mei", "Kenji", "Sana", "Diego", "Lucia", "Mateo", "Ingrid", "Lars", "Freya",
    "Tomas", "Anya", "Ivan", "Zoe", "Theo", "June", "Silas", "Alma", "Rosa", "Wes", "Dana",
    "Quinn", "Reed", "Tessa", "Vera", "Nico", "Paige",
];

const LAST: &[&str] = &[
    "Smith",
    "Garcia",
    "Nguyen",
    "Patel",
    "Kim",
    "Okafor",
    "Rossi",
    "Novak",
    "Larsen",
    "Kowalski",
    "Chen",
    "Murphy",
    "Silva",
    "Haddad",
    "Tanaka",
    "Schmidt",
    "Dubois",
    "Moreau",
    "Jensen",
    "Fischer",
    "Brennan",
    "Walsh",
    "Ortega",
    "Reyes",
    "Santos",
    "Costa",
    "Ahmed",
    "Khan",
    "Singh",
    "Ibrahim",
    "Mensah",
    "Adeyemi",
    "Holm",
    "Berg",
    "Lindqvist",
    "Horvat",
    "Petrov",
    "Ivanova",
    "Castillo",
    "Vargas",
    "Fontaine",
    "Marsh",
    "Hollis",
    "Whitaker",
    "Pruitt",
    "Calloway",
    "Everett",
    "Sterling",
    "Harlow",
    "Beckett",
    "Quinlan",
    "Ashford",
    "Thornton",
    "Kessler",
    "Delgado",
    "Ferreira",
    "Yamada",
    "Sato",
    "Ali",
    "Cohen",
];

const PLACE: &[&str] = &[
    "Harbor",
    "Cedar",
    "Maple",
    "Summit",
    "Riverside",
    "Oakridge",
    "Pinecrest",
    "Granite",
    "Lakeside",
    "Northgate",
    "Bayview",
    "Willow",
    "Aspen",
    "Hillcrest",
    "Meadow",
    "Ironwood",
    "Copper",
    "Silverline",
    "Golden Gate",
    "Redwood",
    "Elmwood",
    "Birchwood",
    "Stonebridge",
    "Brookside",
    "Foxglove",
    "Heron",
    "Juniper",
    "Sparrow",
    "Beacon",
    "Prairie",
    "Canyon",
    "Coastal",
    "Evergreen",
    "Highland",
    "Union",
    "Liberty",
    "Millbrook",
    "Parkside",
    "Westfield",
    "Eastbank",
    "Southport",
    "Kingsley",
    "Fairview",
    "Glenwood",
    "Lantern",
    "Bluebird",
    "Old Mill",
    "Twin Oaks",
    "Crescent",
    "Driftwood",
];

const COINED_HEAD: &[&str] = &[
    "Ledg", "Clo", "Sync", "Task", "Mail", "Shop", "Stack", "Pay", "Form", "Desk", "Zen", "Note",
    "Plan", "Chat", "Data", "Flow", "Pix", "Cal", "Ship", "Loop", "Brew", "Tally", "Quill",
    "Orbit",
];

const COINED_TAIL: &[&str] = &[
    "ly", "ify", "io", "hub", "base", "wave", "desk", "bit", "spark", "nest", "works", "grid",
];

/// Hands out counterparty names, never the same one twice.
pub(crate) struct NameRegistry {
    names: Vec<Arc<str>>,
    taken: HashSet<Arc<str>>,
}

impl NameRegistry {
    pub(crate) fn new() -> Self {
        Self {
            names: Vec::new(),
            taken: HashSet::new(),
        }
    }

    /// Registers an exact name (an account name, a tax office); returns its id.
    pub(crate) fn fixed(&mut self, name: &str) -> u32 {
        let name: Arc<str> = Arc::from(name);
        if !self.taken.contains(&name) {
            self.taken.insert(name.clone());
        }
        self.push(name)
    }

    fn push(&mut self, name: Arc<str>) -> u32 {
        let id = u32::try_from(self.names.len()).expect("fewer than 2^32 names");
        self.names.push(name);
        id
    }

    fn try_insert(&mut self, candidate: String) -> Option<u32> {
        let name: Arc<str> = Arc::from(candidate);
        if self.taken.contains(&name) {
            return None;
        }
        self.taken.insert(name.clone());
        Some(self.push(name))
    }

    /// A person, e.g. "Maya Okafor" (falls back to a middle initial when common names run out).
    pub(crate) fn person(&mut self, rng: &mut ChaCha8Rng) -> u32 {
        for attempt in 0u32.. {
            let first = pick(rng, FIRST);
            let last = pick(rng, LAST);
            let candidate = if attempt < 8 {
                format!("{first} {last}")
            } else {
                let initial = char::from(b'A' + rng.random_range(0..26u8));
                format!("{first} {initial}. {last}")
            };
            if let Some(id) = self.try_insert(candidate) {
                return id;
            }
        }
        unreachable!("the loop only ends by returning")
    }

    /// A business of the given trade, e.g. "Juniper Espresso Bar" or "Kessler Accounting Group".
    pub(crate) fn business(&mut self, rng: &mut ChaCha8Rng, trade: Trade) -> u32 {
        for attempt in 0u32.. {
            let word = pick(rng, trade.words());
            let mut candidate = match (trade, rng.random_range(0..3u8)) {
                (Trade::Software | Trade::Payroll, _) => {
                    format!(
                        "{}{} {word}",
                        pick(rng, COINED_HEAD),
                        pick(rng, COINED_TAIL)
                    )
                }
                (Trade::Accountant | Trade::Law, 0) => {
                    format!("{} and {} {word}", pick(rng, LAST), pick(rng, LAST))
                }
                (_, 0) => format!("{} {word}", pick(rng, LAST)),
                _ => format!("{} {word}", pick(rng, PLACE)),
            };
            if attempt >= 6 {
                candidate = format!("{} {candidate}", pick(rng, PLACE));
            }
            if attempt >= 12 {
                candidate.push_str(&format!(" {}", attempt - 10));
            }
            if let Some(id) = self.try_insert(candidate) {
                return id;
            }
        }
        unreachable!("the loop only ends by returning")
    }

    /// The `i`-th counterparty of a kind: a made-up business or the `i`-th fixed name.
    pub(crate) fn who(&mut self, rng: &mut ChaCha8Rng, who: Who, i: usize) -> u32 {
        match who {
            Who::Trade(trade) => self.business(rng, trade),
            Who::Named(list) => self.fixed(list[i % list.len()]),
        }
    }

    pub(crate) fn name(&self, id: u32) -> &Arc<str> {
        &self.names[id as usize]
    }

    pub(crate) fn into_names(self) -> Vec<Arc<str>> {
        self.names
    }
}

pub(crate) fn pick<T: Copy>(rng: &mut ChaCha8Rng, items: &[T]) -> T {
    items[rng.random_range(0..items.len())]
}
