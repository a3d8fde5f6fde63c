//! What a statement says about its transactions: their account and default currency.

use flowsense_core::money::Currency;

/// The kind of account a statement is for, from its aggregate and `<ACCTTYPE>`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) enum AccountKind {
    #[default]
    Account,
    Checking,
    Savings,
    MoneyMarket,
    CreditLine,
    Cd,
    CreditCard,
    Investment,
}

impl AccountKind {
    /// A bank account's `<ACCTTYPE>`.
    pub fn bank(acct_type: &str) -> Self {
        match acct_type.trim().to_ascii_uppercase().as_str() {
            "CHECKING" => AccountKind::Checking,
            "SAVINGS" => AccountKind::Savings,
            "MONEYMRKT" => AccountKind::MoneyMarket,
            "CREDITLINE" => AccountKind::CreditLine,
            "CD" => AccountKind::Cd,
            _ => AccountKind::Account,
        }
    }

    fn label(self) -> &'static str {
        match self {
            AccountKind::Account => "Account",
            AccountKind::Checking => "Checking",
            AccountKind::Savings => "Savings",
            AccountKind::MoneyMarket => "Money market",
            AccountKind::CreditLine => "Credit line",
            AccountKind::Cd => "CD",
            AccountKind::CreditCard => "Credit card",
            AccountKind::Investment => "Investment",
        }
    }
}

#[derive(Default)]
pub(super) struct Statement {
    pub currency: Option<Currency>,
    pub kind: AccountKind,
    pub account_id: Option<String>,
}

impl Statement {
    pub fn of_kind(kind: AccountKind) -> Self {
        Self {
            kind,
            ..Self::default()
        }
    }

    pub fn account_label(&self, default: &str) -> String {
        let Some(id) = self.account_id.as_deref().filter(|s| !s.is_empty()) else {
            return default.to_owned();
        };
        // From the end: the label is made per transaction, and an id can be long.
        let last4 = id.char_indices().rev().nth(3).map_or(0, |(i, _)| i);
        format!("{} ••{}", self.kind.label(), &id[last4..])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_account_ids() {
        let s = Statement {
            kind: AccountKind::bank("checking"),
            account_id: Some("000123451234".into()),
            ..Statement::default()
        };
        assert_eq!(s.account_label("x"), "Checking ••1234");
        assert_eq!(Statement::default().account_label("Imported"), "Imported");
        let short = Statement {
            account_id: Some("é9".into()),
            ..Statement::of_kind(AccountKind::CreditCard)
        };
        assert_eq!(short.account_label("x"), "Credit card ••é9");
        let long = Statement {
            account_id: Some(format!("{}€123", "9".repeat(100_000))),
            ..Statement::default()
        };
        assert_eq!(long.account_label("x"), "Account ••€123");
        let invest = Statement {
            account_id: Some("X0001234".into()),
            ..Statement::of_kind(AccountKind::Investment)
        };
        assert_eq!(invest.account_label("x"), "Investment ••1234");
    }
}
