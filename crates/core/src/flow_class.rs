//! What kind of cash movement a transaction is: the business's own trading (operating), money
//! from or to its owners and lenders (financing), or a move between its own accounts (transfer).
//!
//! Revenue, burn, customer concentration and recurring costs read operating flows only, so an
//! owner's capital injection never reads as a customer bringing most of the revenue and a loan
//! repayment never reads as a rising cost. Cash balances and the forecast read every flow.

use serde::{Deserialize, Serialize};

/// The class of one transaction.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum FlowClass {
    /// Sales, costs, wages, taxes: the business's own trading.
    #[default]
    Operating,
    /// Owner contributions and draws, loans and their repayments, equity raised.
    Financing,
    /// Money moved between two of the organisation's own accounts.
    Transfer,
}

/// Words that mark a category or counterparty as financing, matched whole-word and ignoring case.
const FINANCING_WORDS: [&str; 14] = [
    "loan",
    "loans",
    "capital",
    "equity",
    "owner",
    "owners",
    "owner's",
    "drawings",
    "dividend",
    "dividends",
    "shareholder",
    "investor",
    "investment",
    "financing",
];

/// Category phrases that are trading despite a financing word ("Working capital fees" is not).
const OPERATING_PHRASES: [&str; 2] = ["interest", "fee"];

impl FlowClass {
    /// Every class, in the order pages list them.
    pub const ALL: [FlowClass; 3] = [
        FlowClass::Operating,
        FlowClass::Financing,
        FlowClass::Transfer,
    ];

    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            FlowClass::Operating => "operating",
            FlowClass::Financing => "financing",
            FlowClass::Transfer => "transfer",
        }
    }

    /// The words an owner reads for this class.
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            FlowClass::Operating => "Day-to-day business",
            FlowClass::Financing => "Owner money or loan",
            FlowClass::Transfer => "Between my accounts",
        }
    }

    /// Parses [`FlowClass::as_str`].
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// The class a category name implies: `Transfer` is the transfer category, names such as
    /// "Owner contribution", "Owner draw", "Loan repayment", "Capital" or "Equity" are
    /// financing, and everything else (including "Loan interest" and "Bank fees") is operating.
    #[must_use]
    pub fn of_category(category: &str) -> Self {
        if category
            .trim()
            .eq_ignore_ascii_case(crate::books::TRANSFER_CATEGORY)
        {
            return FlowClass::Transfer;
        }
        if names_financing(category) {
            FlowClass::Financing
        } else {
            FlowClass::Operating
        }
    }

    /// The class of a transaction from its category and, where the category says nothing
    /// (empty or uncategorised), its counterparty ("Seed Investor LLC", "Bank loan account").
    #[must_use]
    pub fn of_names(category: &str, counterparty: &str) -> Self {
        let by_category = Self::of_category(category);
        if by_category == FlowClass::Operating
            && is_uncategorised(category)
            && names_financing(counterparty)
        {
            return FlowClass::Financing;
        }
        by_category
    }
}

fn is_uncategorised(category: &str) -> bool {
    let c = category.trim();
    c.is_empty()
        || c.eq_ignore_ascii_case("uncategorized")
        || c.eq_ignore_ascii_case("uncategorised")
}

/// Whether `name` holds a financing word and no trading phrase.
fn names_financing(name: &str) -> bool {
    let lower = name.to_lowercase();
    let words = lower
        .split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .filter(|w| !w.is_empty());
    let mut financing = false;
    for w in words {
        if OPERATING_PHRASES.iter().any(|p| w.starts_with(p)) {
            return false;
        }
        financing |= FINANCING_WORDS.contains(&w);
    }
    financing
}

#[cfg(test)]
mod tests {
    use super::FlowClass;

    #[test]
    fn financing_categories_are_financing() {
        for name in [
            "Owner contribution",
            "Owner draw",
            "Owner's draw",
            "Owner Drawings",
            "Loan",
            "Loan repayment",
            "Loan proceeds",
            "Capital",
            "Capital injection",
            "Equity",
            "Equity raised",
            "Dividends paid",
            "Shareholder loan",
        ] {
            assert_eq!(FlowClass::of_category(name), FlowClass::Financing, "{name}");
        }
    }

    #[test]
    fn trading_categories_stay_operating() {
        for name in [
            "Sales",
            "Payroll",
            "Rent",
            "Loan interest",
            "Bank fees",
            "Car Rental",
            "Software",
            "Downloads",
            "",
        ] {
            assert_eq!(FlowClass::of_category(name), FlowClass::Operating, "{name}");
        }
    }

    #[test]
    fn the_transfer_category_is_a_transfer() {
        assert_eq!(FlowClass::of_category("Transfer"), FlowClass::Transfer);
        assert_eq!(FlowClass::of_category(" transfer "), FlowClass::Transfer);
    }

    #[test]
    fn a_counterparty_classes_only_an_uncategorised_transaction() {
        assert_eq!(
            FlowClass::of_names("Uncategorized", "Seed Investor LLC"),
            FlowClass::Financing
        );
        assert_eq!(
            FlowClass::of_names("", "First Bank Loan"),
            FlowClass::Financing
        );
        // A category the owner chose wins over the counterparty's name.
        assert_eq!(
            FlowClass::of_names("Consulting", "Capital Consulting Group"),
            FlowClass::Operating
        );
    }

    #[test]
    fn as_str_round_trips() {
        for c in FlowClass::ALL {
            assert_eq!(FlowClass::parse(c.as_str()), Some(c));
        }
        assert_eq!(FlowClass::parse("Operating"), None);
    }
}
