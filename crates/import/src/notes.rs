//! What an import should tell the person who ran it, beyond the rows: which layout the file
//! was read as, which column is what, and every decision taken for them (lines passed over,
//! rows left out, a day/month order assumed).

use crate::date::SlashOrder;
use crate::error::Quoted;
use crate::row::Skip;
use std::collections::BTreeMap;

/// Distinct skip reasons counted one by one; further statuses are counted together.
const MAX_SKIP_REASONS: usize = 20;

/// What a file was read as, and how.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportNotes {
    /// "Stripe balance history", "French bank statement", "OFX statement", ...
    pub layout: String,
    /// Which column is what: `date=Created (UTC), amount=Amount, ...` (empty for OFX).
    pub columns: String,
    /// Lines before the header that were passed over (a bank's title and balance lines).
    pub preamble_lines: u64,
    /// The day/month order assumed because no date in the file could tell.
    pub assumed_date_order: Option<SlashOrder>,
    /// Fee rows split off gross amounts.
    pub fee_rows: u64,
    /// Refunds of payments written as their own outflow rows.
    pub refund_rows: u64,
    /// Rows left out, by reason.
    pub skipped: BTreeMap<Skip, u64>,
}

impl ImportNotes {
    pub(crate) fn count_skip(&mut self, skip: Skip) {
        let skip = match skip {
            Skip::Status(s) if self.skipped.len() >= MAX_SKIP_REASONS => {
                if self.skipped.contains_key(&Skip::Status(s.clone())) {
                    Skip::Status(s)
                } else {
                    Skip::Status("other".into())
                }
            }
            Skip::Status(s) => Skip::Status(Quoted::new(&s).as_str().to_owned()),
            other => other,
        };
        *self.skipped.entry(skip).or_insert(0) += 1;
    }

    /// Rows left out in all.
    #[must_use]
    pub fn rows_skipped(&self) -> u64 {
        self.skipped.values().sum()
    }

    /// The notes as sentences for a summary, the layout first.
    #[must_use]
    pub fn lines(&self) -> Vec<String> {
        let mut lines = Vec::new();
        if self.columns.is_empty() {
            lines.push(format!("Read as: {}", self.layout));
        } else {
            lines.push(format!("Read as: {} ({})", self.layout, self.columns));
        }
        if self.preamble_lines > 0 {
            lines.push(format!(
                "Passed over {} line(s) before the header",
                self.preamble_lines
            ));
        }
        if let Some(order) = self.assumed_date_order {
            lines.push(format!(
                "Dates read {}: the file could not tell; pass --date-format to override",
                order.label()
            ));
        }
        if self.fee_rows > 0 {
            lines.push(format!(
                "Split {} fee(s) off gross amounts into their own rows ({})",
                self.fee_rows,
                crate::FEE_CATEGORY
            ));
        }
        if self.refund_rows > 0 {
            lines.push(format!(
                "Wrote {} refund(s) as their own rows beside the payments they return, dated with the payment (the export gives no refund date)",
                self.refund_rows
            ));
        }
        if !self.skipped.is_empty() {
            let reasons: Vec<String> = self
                .skipped
                .iter()
                .map(|(skip, n)| match skip {
                    Skip::Status(s) => format!("status {s} ({n})"),
                    Skip::NoAmount => format!("summary lines without an amount ({n})"),
                    Skip::NotARow => format!("section and note lines ({n})"),
                    Skip::BalanceLine => format!("balance and total lines ({n})"),
                })
                .collect();
            lines.push(format!(
                "Skipped {} row(s): {}",
                self.rows_skipped(),
                reasons.join(", ")
            ));
        }
        lines
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn says_every_decision() {
        let mut notes = ImportNotes {
            layout: "PayPal activity".into(),
            columns: "date=Date, amount=Gross".into(),
            preamble_lines: 2,
            assumed_date_order: Some(SlashOrder::DayFirst),
            fee_rows: 3,
            refund_rows: 0,
            skipped: BTreeMap::new(),
        };
        notes.count_skip(Skip::Status("Pending".into()));
        notes.count_skip(Skip::Status("Pending".into()));
        notes.count_skip(Skip::NoAmount);
        assert_eq!(
            notes.lines(),
            vec![
                "Read as: PayPal activity (date=Date, amount=Gross)",
                "Passed over 2 line(s) before the header",
                "Dates read day-first: the file could not tell; pass --date-format to override",
                "Split 3 fee(s) off gross amounts into their own rows (Payment processing fees)",
                "Skipped 3 row(s): status Pending (2), summary lines without an amount (1)",
            ]
        );
    }

    #[test]
    fn skip_reasons_are_bounded() {
        let mut notes = ImportNotes::default();
        for i in 0..100 {
            notes.count_skip(Skip::Status(format!("s{i}")));
        }
        assert!(notes.skipped.len() <= MAX_SKIP_REASONS + 1);
        assert_eq!(notes.rows_skipped(), 100);
    }
}
