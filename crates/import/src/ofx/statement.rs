//! What a statement says about its transactions: their account and default currency.

use flowsense_core::money::Currency;

#[derive(Default)]
pub(super) struct Statement {
    pub currency: Option<Currency>,
    pub account_type: Option<String>,
    pub account_id: Option<String>,
    pub credit_card: bool,
}

impl Statement {
    pub fn account_label(&self, default: &str) -> String {
        let Some(id) = self.account_id.as_deref().filter(|s| !s.is_empty()) else {
            return default.to_owned();
        };
        let kind = if self.credit_card {
            "Credit card"
        } else {
            match self.account_type.as_deref().unwrap_or("") {
                "CHECKING" => "Checking",
                "SAVINGS" => "Savings",
                "MONEYMRKT" => "Money market",
                "CREDITLINE" => "Credit line",
                "CD" => "CD",
                _ => "Account",
            }
        };
        // From the end: the label is made per transaction, and an id can be long.
        let last4 = id.char_indices().rev().nth(3).map_or(0, |(i, _)| i);
        format!("{kind} ••{}", &id[last4..])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_account_ids() {
        let s = Statement {
            account_type: Some("CHECKING".into()),
            account_id: Some("000123451234".into()),
            ..Statement::default()
        };
        assert_eq!(s.account_label("x"), "Checking ••1234");
        assert_eq!(Statement::default().account_label("Imported"), "Imported");
        let short = Statement {
            account_id: Some("é9".into()),
            credit_card: true,
            ..Statement::default()
        };
        assert_eq!(short.account_label("x"), "Credit card ••é9");
        let long = Statement {
            account_id: Some(format!("{}€123", "9".repeat(100_000))),
            ..Statement::default()
        };
        assert_eq!(long.account_label("x"), "Account ••€123");
    }
}
