//! The exports FlowSense recognises by their header: one table, read top to bottom, the first
//! layout whose signature columns are all present wins. A layout names the columns its
//! export calls differently from the general header aliases ([`crate::Field`]), and the few
//! rules that make its rows right: which statuses are finished, which row types are transfers,
//! how a processor's fee becomes its own cost row.
//!
//! Bank exports in any of the supported languages need no entry of their own: the general
//! aliases find their columns. They are listed so the import summary can say what was read.

use crate::columns::Field;

/// What the importer knows about one kind of export.
#[derive(Debug, PartialEq, Eq)]
pub struct KnownLayout {
    /// Shown in the import summary ("Stripe balance history").
    pub name: &'static str,
    /// Normalised header names that must all be present; `a|b` accepts either.
    pub signature: &'static [&'static str],
    /// Columns found by these names before the general aliases (normalised header names).
    pub columns: &'static [(Field, &'static str)],
    /// `-1` when the export writes money leaving the account as a positive amount.
    pub amount_sign: i64,
    /// Rows kept by their status (lower case); empty keeps every row.
    pub kept_statuses: &'static [&'static str],
    /// Row types (lower case) that move money between the business's own accounts.
    pub transfer_types: &'static [&'static str],
    /// Every row is such a transfer (a payouts export).
    pub all_transfers: bool,
    /// Row types (lower case) that are the platform's fees.
    pub fee_types: &'static [&'static str],
    /// A row with no amount at all is a summary line, skipped (otherwise refused).
    pub skips_rows_without_amount: bool,
    /// The payee of the fee rows split off gross amounts, and of the fee-type rows.
    pub fee_payee: &'static str,
}

/// Statuses of rows not booked yet, left out by layouts without a list of their own
/// (lower case, in the languages of [`crate::Field`]'s aliases).
const PENDING_STATUSES: &[&str] = &[
    "pending",
    "umsatz vorgemerkt",
    "vorgemerkt",
    "en attente",
    "pendiente",
    "in sospeso",
    "in behandeling",
];

/// The category of a processor's fees, split off a gross amount or written as their own rows.
pub const FEE_CATEGORY: &str = "Payment processing fees";

const BANK: KnownLayout = KnownLayout {
    name: "bank statement",
    signature: &[],
    columns: &[],
    amount_sign: 1,
    kept_statuses: &[],
    transfer_types: &[],
    all_transfers: false,
    fee_types: &[],
    skips_rows_without_amount: false,
    fee_payee: "",
};

const STRIPE_TRANSFERS: &[&str] = &[
    "payout",
    "payout_cancel",
    "payout_failure",
    "payout_reversal",
    "transfer",
    "transfer_cancel",
    "transfer_failure",
    "transfer_refund",
    "transfer_reversal",
];

/// Known exports, most specific first; the last entry matches any header.
pub static LAYOUTS: &[KnownLayout] = &[
    KnownLayout {
        name: "Stripe balance change from activity report",
        signature: &[
            "balance transaction id",
            "created utc|created",
            "gross",
            "fee",
            "net",
        ],
        columns: &[
            (Field::Date, "created utc"),
            (Field::Date, "created"),
            (Field::Amount, "gross"),
            (Field::Type, "reporting category"),
            (Field::Reference, "balance transaction id"),
        ],
        transfer_types: STRIPE_TRANSFERS,
        fee_payee: "Stripe",
        ..BANK
    },
    KnownLayout {
        name: "Stripe balance history",
        signature: &["id", "type", "amount", "fee", "net", "created"],
        columns: &[(Field::Date, "created"), (Field::Amount, "amount")],
        transfer_types: STRIPE_TRANSFERS,
        fee_types: &["stripe_fee", "application_fee", "tax_fee"],
        fee_payee: "Stripe",
        ..BANK
    },
    KnownLayout {
        name: "Stripe payments",
        signature: &[
            "id",
            "created",
            "amount",
            "amount refunded",
            "fee",
            "status",
        ],
        columns: &[
            (Field::Date, "created"),
            (Field::Amount, "amount"),
            (Field::Refunded, "amount refunded"),
        ],
        // A refunded payment was paid first: the sale, its fee and the refund all happened.
        kept_statuses: &["paid", "refunded", "partially refunded"],
        fee_payee: "Stripe",
        ..BANK
    },
    KnownLayout {
        name: "Stripe payouts",
        signature: &["id", "amount", "arrival date", "status"],
        columns: &[(Field::Date, "arrival date"), (Field::Amount, "amount")],
        amount_sign: -1,
        kept_statuses: &["paid"],
        all_transfers: true,
        fee_payee: "Stripe",
        ..BANK
    },
    KnownLayout {
        name: "PayPal activity",
        signature: &["date", "name", "type", "status", "gross", "fee", "net"],
        columns: &[
            (Field::Amount, "gross"),
            (Field::Counterparty, "name"),
            (Field::Description, "item title"),
        ],
        kept_statuses: &["completed"],
        transfer_types: &[
            "bank deposit to pp account",
            "general withdrawal",
            "general withdrawal - bank account",
            "withdraw funds to bank account",
            "user initiated withdrawal",
        ],
        fee_payee: "PayPal",
        ..BANK
    },
    KnownLayout {
        name: "Amazon seller settlement report",
        signature: &[
            "settlement-id",
            "transaction-type",
            "amount-type",
            "amount-description",
            "amount",
        ],
        columns: &[
            (Field::Date, "posted-date"),
            (Field::Type, "amount-type"),
            (Field::Description, "amount-description"),
        ],
        fee_types: &["itemfees", "itemrelatedfees"],
        skips_rows_without_amount: true,
        fee_payee: "Amazon",
        ..BANK
    },
    KnownLayout {
        // Seller Central's "Date Range Report" (transaction view), one row per transaction
        // with its net total, headers in the marketplace's language: amazon.com/.co.uk and
        // amazon.de (`Datum/Uhrzeit`, `Gesamt`).
        name: "Amazon date range transaction report",
        signature: &[
            "date/time|datum/uhrzeit",
            "settlement id|abrechnungsnummer",
            "type|typ",
            "total|gesamt",
        ],
        columns: &[
            (Field::Date, "date/time"),
            (Field::Date, "datum/uhrzeit"),
            (Field::Amount, "total"),
            (Field::Amount, "gesamt"),
            (Field::Type, "typ"),
            (Field::Description, "beschreibung"),
        ],
        transfer_types: &["transfer", "übertrag"],
        fee_types: &[
            "service fee",
            "servicegebühr",
            "fba inventory fee",
            "lagergebühr",
        ],
        fee_payee: "Amazon",
        ..BANK
    },
    KnownLayout {
        name: "QuickBooks Online bank register",
        signature: &["date", "ref no.", "payee", "payment", "deposit"],
        columns: &[
            (Field::Debit, "payment"),
            (Field::Credit, "deposit"),
            (Field::Reference, "ref no."),
            (Field::Category, "account"),
        ],
        ..BANK
    },
    KnownLayout {
        name: "QuickBooks Online transaction list",
        signature: &["date", "transaction type", "num", "name", "amount"],
        columns: &[
            (Field::Description, "memo/description"),
            (Field::Category, "split"),
        ],
        ..BANK
    },
    KnownLayout {
        name: "Xero bank statement",
        signature: &[
            "date",
            "amount",
            "payee",
            "description",
            "reference",
            "check number",
        ],
        ..BANK
    },
    KnownLayout {
        name: "Xero account transactions",
        signature: &[
            "date",
            "source",
            "description",
            "reference",
            "debit",
            "credit",
        ],
        ..BANK
    },
    KnownLayout {
        name: "Bank of America account activity",
        signature: &["date", "description", "amount", "running bal."],
        skips_rows_without_amount: true,
        ..BANK
    },
    KnownLayout {
        name: "RBC Royal Bank transactions",
        signature: &[
            "account type",
            "transaction date",
            "description 1",
            "cad$",
            "usd$",
        ],
        ..BANK
    },
    KnownLayout {
        name: "French bank statement",
        signature: &["libellé|libelle|libellé de l'opération|libellé opération"],
        ..BANK
    },
    KnownLayout {
        name: "German bank statement",
        signature: &["buchungstag|buchungsdatum|valutadatum"],
        ..BANK
    },
    KnownLayout {
        name: "Dutch bank statement",
        signature: &["datum", "bedrag|af bij"],
        ..BANK
    },
    KnownLayout {
        name: "Spanish bank statement",
        signature: &["fecha|fecha operación|fecha de operación|f. operación"],
        ..BANK
    },
    KnownLayout {
        name: "Italian bank statement",
        signature: &["data|data operazione|data contabile"],
        ..BANK
    },
    BANK,
];

impl KnownLayout {
    /// The first layout whose signature the (normalised) header carries.
    pub(crate) fn recognise(names: &[String]) -> &'static KnownLayout {
        LAYOUTS
            .iter()
            .find(|l| {
                l.signature
                    .iter()
                    .all(|wanted| wanted.split('|').any(|alt| names.iter().any(|n| n == alt)))
            })
            .unwrap_or(&BANK)
    }

    /// Whether a row of this status is kept: one of the layout's finished statuses, or for
    /// a layout without a list, anything but a pending row (not booked yet, and often dated
    /// `Pending`).
    pub(crate) fn keeps_status(&self, status: &str) -> bool {
        if self.kept_statuses.is_empty() {
            !PENDING_STATUSES
                .iter()
                .any(|p| p.eq_ignore_ascii_case(status.trim()))
        } else {
            self.kept_statuses
                .iter()
                .any(|s| s.eq_ignore_ascii_case(status))
        }
    }

    pub(crate) fn is_transfer(&self, kind: &str) -> bool {
        self.all_transfers || self.transfer_types.iter().any(|t| same_word(t, kind))
    }

    pub(crate) fn is_fee(&self, kind: &str) -> bool {
        self.fee_types.iter().any(|t| same_word(t, kind))
    }
}

/// The same word in any case, accented letters included (`Übertrag`, `übertrag`).
fn same_word(listed: &str, written: &str) -> bool {
    listed.eq_ignore_ascii_case(written)
        || (!written.is_ascii() && written.trim().to_lowercase() == listed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::columns::normalise_header;

    fn recognise(header: &str) -> &'static str {
        let names: Vec<String> = header.split([',', ';']).map(normalise_header).collect();
        KnownLayout::recognise(&names).name
    }

    #[test]
    fn recognised_by_their_headers() {
        assert_eq!(
            recognise(
                "id,Type,Source,Amount,Fee,Net,Currency,Created (UTC),Available On (UTC),Description"
            ),
            "Stripe balance history"
        );
        assert_eq!(
            recognise(
                "balance_transaction_id,created_utc,available_on_utc,currency,gross,fee,net,reporting_category,description"
            ),
            "Stripe balance change from activity report"
        );
        assert_eq!(
            recognise("Date,Time,TimeZone,Name,Type,Status,Currency,Gross,Fee,Net,Transaction ID"),
            "PayPal activity"
        );
        assert_eq!(
            recognise("Date;Libellé;Débit;Crédit;Solde"),
            "French bank statement"
        );
        assert_eq!(recognise("Date,Description,Amount"), "bank statement");
        assert_eq!(LAYOUTS.last(), Some(&BANK), "the catch-all comes last");
    }

    #[test]
    fn statuses_and_types_ignore_case() {
        let paypal = LAYOUTS
            .iter()
            .find(|l| l.name == "PayPal activity")
            .unwrap();
        assert!(paypal.keeps_status("Completed"));
        assert!(!paypal.keeps_status("Pending"));
        assert!(paypal.is_transfer("General Withdrawal"));
        assert!(!paypal.is_transfer("Express Checkout Payment"));
        assert!(BANK.keeps_status("Posted"));
        assert!(!BANK.keeps_status("Pending"));
    }
}
