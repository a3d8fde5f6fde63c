//! The investment transactions (`<INVTRANLIST>` of an `<INVSTMTRS>`) whose cash side the
//! specification defines: their `<TOTAL>` is the signed cash that moved (negative for a buy,
//! positive for a sale or income). Cash movements that are not trades (`<INVBANKTRAN>`) hold
//! an ordinary `<STMTTRN>`.
//!
//! Not read, because no cash enters or leaves the account: `REINVEST` (income bought back into
//! the security), `TRANSFER` and `SPLIT` (securities only), `JRNLFUND` and `JRNLSEC` (moves
//! between sub-accounts), `CLOSUREOPT` (an option expiring or exercised into a separate trade).

/// Which cash-moving investment transaction, for its label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CashKind {
    Buy,
    Sell,
    Income(IncomeType),
    Expense,
    MarginInterest,
    ReturnOfCapital,
}

/// `<INCOMETYPE>` of an `<INCOME>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IncomeType {
    Unknown,
    Dividend,
    Interest,
    CapitalGain,
    Other,
}

impl CashKind {
    /// The kind an aggregate opens, if it is one with a cash side; with its tag as a
    /// `'static` name.
    pub fn of_tag(tag: &str) -> Option<(&'static str, CashKind)> {
        const TAGS: [(&str, CashKind); 14] = [
            ("BUYDEBT", CashKind::Buy),
            ("BUYMF", CashKind::Buy),
            ("BUYOPT", CashKind::Buy),
            ("BUYOTHER", CashKind::Buy),
            ("BUYSTOCK", CashKind::Buy),
            ("SELLDEBT", CashKind::Sell),
            ("SELLMF", CashKind::Sell),
            ("SELLOPT", CashKind::Sell),
            ("SELLOTHER", CashKind::Sell),
            ("SELLSTOCK", CashKind::Sell),
            ("INCOME", CashKind::Income(IncomeType::Unknown)),
            ("INVEXPENSE", CashKind::Expense),
            ("MARGININTEREST", CashKind::MarginInterest),
            ("RETOFCAP", CashKind::ReturnOfCapital),
        ];
        TAGS.iter().find(|(t, _)| *t == tag).copied()
    }

    /// Notes an `<INCOME>`'s `<INCOMETYPE>` (`DIV`, `INTEREST`, `CGLONG`, `CGSHORT`, `MISC`).
    pub fn income_type(&mut self, value: &str) {
        if let CashKind::Income(kind) = self {
            *kind = match value.trim().to_ascii_uppercase().as_str() {
                "DIV" => IncomeType::Dividend,
                "INTEREST" => IncomeType::Interest,
                "CGLONG" | "CGSHORT" => IncomeType::CapitalGain,
                _ => IncomeType::Other,
            };
        }
    }

    /// The counterparty the transaction is shown with.
    pub fn label(self) -> &'static str {
        match self {
            CashKind::Buy => "Investment purchase",
            CashKind::Sell => "Investment sale",
            CashKind::Income(IncomeType::Dividend) => "Dividend",
            CashKind::Income(IncomeType::Interest) => "Interest",
            CashKind::Income(IncomeType::CapitalGain) => "Capital gain distribution",
            CashKind::Income(IncomeType::Unknown | IncomeType::Other) => "Investment income",
            CashKind::Expense => "Investment expense",
            CashKind::MarginInterest => "Margin interest",
            CashKind::ReturnOfCapital => "Return of capital",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_and_labels() {
        assert_eq!(CashKind::of_tag("SELLMF"), Some(("SELLMF", CashKind::Sell)));
        assert_eq!(CashKind::of_tag("REINVEST"), None);
        assert_eq!(CashKind::of_tag("STMTTRN"), None);
        let (_, mut income) = CashKind::of_tag("INCOME").expect("income");
        assert_eq!(income.label(), "Investment income");
        income.income_type("div");
        assert_eq!(income.label(), "Dividend");
        let mut buy = CashKind::Buy;
        buy.income_type("DIV");
        assert_eq!(buy, CashKind::Buy);
    }
}
