//! Which column holds what: found from the header by name, or given by the user with `--map`.

use crate::error::ErrorReason;
use crate::layouts::KnownLayout;
use flowsense_core::books::TXN_CSV_HEADER;

/// A value the importer reads from a CSV column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    Date,
    Account,
    /// Signed amount (positive is money in).
    Amount,
    /// Money out, written as a positive number in its own column.
    Debit,
    /// Money in, written as a positive number in its own column.
    Credit,
    /// A `DR`/`CR` (debit/credit) indicator for an unsigned amount column.
    Direction,
    Currency,
    Counterparty,
    Category,
    Description,
    Reference,
    /// A payment processor's fee on the row's gross amount (becomes its own cost row).
    Fee,
    /// The amount after the fee: checks the gross and the fee add up.
    Net,
    /// The kind of row (`payout`, `charge`, `General Withdrawal`): a known layout's transfers.
    Type,
    /// The row's state (`Completed`, `Pending`): a known layout keeps only finished rows.
    Status,
    /// How much of a payment was given back (a payments export's `Amount Refunded`): the
    /// refund becomes its own outflow row beside the sale.
    Refunded,
}

pub(crate) const FIELD_COUNT: usize = 16;

impl Field {
    pub const ALL: [Field; FIELD_COUNT] = [
        Field::Date,
        Field::Account,
        Field::Amount,
        Field::Debit,
        Field::Credit,
        Field::Direction,
        Field::Currency,
        Field::Counterparty,
        Field::Category,
        Field::Description,
        Field::Reference,
        Field::Fee,
        Field::Net,
        Field::Type,
        Field::Status,
        Field::Refunded,
    ];

    #[must_use]
    pub fn name(self) -> &'static str {
        self.aliases()[0]
    }

    /// Header names (normalised: lower case, single spaces) in order of preference, in the
    /// languages of the bank exports met most (English, French, German, Dutch, Spanish,
    /// Italian). Columns no field names (a running balance: `Balance`, `Solde`, `Saldo`) are
    /// left alone.
    fn aliases(self) -> &'static [&'static str] {
        match self {
            Field::Date => &[
                "date",
                "transaction date",
                "trans date",
                "trans. date",
                "booking date",
                "posting date",
                "posted date",
                "date posted",
                "posted",
                "processed date",
                "date processed",
                "datetime",
                "transactiedatum",
                "date opération",
                "date operation",
                "date d'opération",
                "date de l'opération",
                "date comptable",
                "buchungstag",
                "buchungsdatum",
                "datum",
                "boekdatum",
                "fecha",
                "fecha operación",
                "fecha de operación",
                "f. operación",
                "data",
                "data operazione",
                "data contabile",
                "value date",
                "date de valeur",
                "valutadatum",
                "fecha valor",
                "data valuta",
            ],
            Field::Account => &["account", "account name", "account number", "konto"],
            Field::Amount => &[
                "amount",
                "amt",
                "transaction amount",
                "gross",
                "gross amount",
                "betrag",
                "umsatz",
                "bedrag",
                "importe",
                "importo",
                "montant",
                "cad$",
            ],
            Field::Debit => &[
                "debit",
                "debits",
                "debit amount",
                "withdrawal",
                "withdrawals",
                "withdrawal amount",
                "money out",
                "paid out",
                "spent",
                "outflow",
                "débit",
                "montant débit",
                "soll",
                "lastschrift",
                "cargo",
                "cargos",
                "dare",
                "addebiti",
                "uscite",
            ],
            Field::Credit => &[
                "credit",
                "credits",
                "credit amount",
                "deposit",
                "deposits",
                "deposit amount",
                "money in",
                "paid in",
                "received",
                "inflow",
                "crédit",
                "montant crédit",
                "haben",
                "gutschrift",
                "abono",
                "abonos",
                "avere",
                "accrediti",
                "entrate",
            ],
            Field::Direction => &[
                "direction",
                "credit/debit",
                "debit/credit",
                "dr/cr",
                "cr/dr",
                "d/c",
                "c/d",
                "creditdebet",
                "credit/debet",
                "af bij",
                "soll/haben",
                "transaction type",
            ],
            Field::Currency => &[
                "currency",
                "ccy",
                "curr",
                "currency code",
                "devise",
                "währung",
                "waehrung",
                "munt",
                "valutacode",
                "divisa",
            ],
            Field::Counterparty => &[
                "counterparty",
                "payee",
                "name",
                "merchant",
                "merchant name",
                "beneficiary",
                "payer",
                "payee name",
                "counterparty name",
                "payee/payer",
                "auftraggeber/empfänger",
                "empfänger/auftraggeber",
                "beguenstigter/zahlungspflichtiger",
                "begünstigter/zahlungspflichtiger",
                "auftraggeber / begünstigter",
                "zahlungsempfänger",
                "empfänger",
                "naam tegenpartij",
                "tegenrekeninghouder",
                "naam / omschrijving",
                "tegenpartij",
                "beneficiario",
            ],
            Field::Category => &[
                "category",
                "catégorie",
                "kategorie",
                "categorie",
                "categoría",
                "categoria",
            ],
            Field::Description => &[
                "description",
                "memo",
                "details",
                "narrative",
                "transaction description",
                "transaction details",
                "particulars",
                "label",
                "remarque",
                "notification text",
                "avisierungstext",
                "memo/description",
                "description 1",
                "libellé",
                "libelle",
                "libellé de l'opération",
                "libellé opération",
                "verwendungszweck",
                "buchungstext",
                "omschrijving",
                "mededelingen",
                "concepto",
                "descripción",
                "descripcion",
                "descrizione",
                "causale",
                "text",
                "notes",
            ],
            Field::Reference => &[
                "reference",
                "id",
                "transaction id",
                "fitid",
                "ref",
                "reference number",
                "transaction reference",
                "référence",
                "referenz",
                "referentie",
            ],
            Field::Fee => &["fee", "fees", "fee amount"],
            Field::Net => &["net", "net amount"],
            Field::Type => &["type"],
            Field::Status => &["status", "info"],
            Field::Refunded => &["refunded", "amount refunded", "refunded amount"],
        }
    }

    /// The field named in a `--map` entry (its name or any header alias).
    #[must_use]
    pub fn from_name(name: &str) -> Option<Field> {
        let n = normalise_header(name);
        Field::ALL
            .into_iter()
            .find(|f| f.aliases().contains(&n.as_str()))
    }
}

/// Lower case, `_` as space, single spaces, no leading `*` (a required column in an
/// accounting template) and no trailing currency note (`Amount (EUR)`, `Credit in CHF`).
#[must_use]
pub fn normalise_header(name: &str) -> String {
    let mut s = crate::text::trim_field(name)
        .trim_start_matches('*')
        .to_lowercase()
        .replace('_', " ");
    if s.ends_with(')')
        && let Some(open) = s.rfind('(')
        && open > 0
    {
        s.truncate(open);
    }
    let mut words: Vec<&str> = s.split_whitespace().collect();
    if let [.., rest, "in", code] = words.as_slice()
        && !rest.is_empty()
        && code.len() == 3
        && code.chars().all(|c| c.is_ascii_alphabetic())
    {
        words.truncate(words.len() - 2);
    }
    words.join(" ")
}

/// A user's explicit column mapping (`--map date=Posted,amount=Amt,description=Memo`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ColumnMap {
    entries: Vec<(Field, String)>,
}

impl ColumnMap {
    /// Parses `field=Header` pairs separated by commas. Fields: date, account, amount, debit,
    /// credit, direction, currency, counterparty, category, description, reference (or an alias
    /// such as `payee` or `memo`). Header names match case-insensitively.
    ///
    /// # Errors
    /// A message naming the bad entry.
    pub fn parse(spec: &str) -> Result<Self, String> {
        let mut entries: Vec<(Field, String)> = Vec::new();
        for entry in spec.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let Some((field, column)) = entry.split_once('=') else {
                return Err(format!("{entry:?} is not field=column"));
            };
            let Some(field) = Field::from_name(field) else {
                let names: Vec<&str> = Field::ALL.iter().map(|f| f.name()).collect();
                return Err(format!(
                    "unknown field {:?} (expected one of {})",
                    field.trim(),
                    names.join(", ")
                ));
            };
            let column = column.trim();
            if column.is_empty() {
                return Err(format!("no column given for {}", field.name()));
            }
            if entries.iter().any(|(f, _)| *f == field) {
                return Err(format!("{} is mapped twice", field.name()));
            }
            entries.push((field, column.to_owned()));
        }
        Ok(Self { entries })
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn entries(&self) -> impl Iterator<Item = (Field, &str)> {
        self.entries.iter().map(|(f, c)| (*f, c.as_str()))
    }
}

/// Column positions resolved against one file's header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    columns: [Option<usize>; FIELD_COUNT],
    /// Number of header fields.
    pub width: usize,
    /// Fields a record needs: the header's, less unnamed ones at its end (a trailing
    /// delimiter on the header line that the rows leave off).
    pub min_width: usize,
    /// The header is exactly the canonical FlowSense header (strict ISO dates, plain amounts).
    pub canonical: bool,
    /// The export the header was recognised as.
    pub known: &'static KnownLayout,
    /// The file has no header row: the columns were guessed from its values.
    pub guessed: bool,
}

impl Layout {
    /// Maps a header to fields: explicit `--map` entries first, then the columns of the
    /// export the header is recognised as, then known header names.
    ///
    /// # Errors
    /// A mapped column missing from the header, or no date or amount column.
    pub fn resolve(header: &[String], map: &ColumnMap) -> Result<Self, ErrorReason> {
        let names: Vec<String> = header.iter().map(|h| normalise_header(h)).collect();
        let canonical = map.is_empty() && names.iter().map(String::as_str).eq(TXN_CSV_HEADER);
        let known = KnownLayout::recognise(&names);
        let mut columns = [None; FIELD_COUNT];
        let mut taken = vec![false; names.len()];
        for (field, column) in map.entries() {
            let wanted = normalise_header(column);
            let Some(pos) = names.iter().position(|n| *n == wanted) else {
                return Err(ErrorReason::UnknownMappedColumn(
                    column.chars().take(40).collect(),
                ));
            };
            columns[field as usize] = Some(pos);
            taken[pos] = true;
        }
        let by_layout = known.columns.iter().copied();
        let by_alias = Field::ALL
            .into_iter()
            .flat_map(|f| f.aliases().iter().map(move |a| (f, *a)));
        for (field, name) in by_layout.chain(by_alias) {
            if columns[field as usize].is_some() {
                continue;
            }
            if let Some(pos) = (0..names.len()).find(|&i| !taken[i] && names[i] == name) {
                columns[field as usize] = Some(pos);
                taken[pos] = true;
            }
        }
        let layout = Self {
            columns,
            width: names.len(),
            min_width: names
                .iter()
                .rposition(|n| !n.is_empty())
                .map_or(0, |i| i + 1),
            canonical,
            known,
            guessed: false,
        };
        layout.check().map(|()| layout)
    }

    /// A layout for a file without a header row, from columns guessed by their values.
    pub(crate) fn guessed(found: &[(Field, usize)], width: usize) -> Result<Self, ErrorReason> {
        let mut columns = [None; FIELD_COUNT];
        for &(field, pos) in found {
            columns[field as usize] = Some(pos);
        }
        let layout = Self {
            columns,
            width,
            min_width: width,
            canonical: false,
            known: KnownLayout::recognise(&[]),
            guessed: true,
        };
        layout.check().map(|()| layout)
    }

    fn check(&self) -> Result<(), ErrorReason> {
        let mut missing = Vec::new();
        if self.column(Field::Date).is_none() {
            missing.push("date");
        }
        if self.column(Field::Amount).is_none()
            && self.column(Field::Debit).is_none()
            && self.column(Field::Credit).is_none()
        {
            missing.push("amount (or debit/credit)");
        }
        if missing.is_empty() {
            Ok(())
        } else {
            Err(ErrorReason::MissingColumns(missing.join(", ")))
        }
    }

    #[must_use]
    pub fn column(&self, field: Field) -> Option<usize> {
        self.columns[field as usize]
    }

    /// What the file was read as, for the import summary.
    #[must_use]
    pub fn name(&self) -> &'static str {
        if self.canonical {
            "FlowSense books CSV"
        } else if self.guessed {
            "no header row: columns guessed from the values"
        } else {
            self.known.name
        }
    }

    /// `date=Posted Date, amount=Amount, ...` for the import summary (`column 3` for a file
    /// without a header row).
    #[must_use]
    pub fn describe(&self, header: &[String]) -> String {
        Field::ALL
            .iter()
            .filter_map(|&f| {
                let col = self.column(f)?;
                let name = match header.get(col) {
                    Some(name) if !self.guessed => name.clone(),
                    _ => format!("column {}", col + 1),
                };
                Some(format!("{}={name}", f.name()))
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn card_export_prefers_transaction_date() {
        let h = header(&[
            "Transaction Date",
            "Post Date",
            "Description",
            "Category",
            "Type",
            "Amount",
        ]);
        let l = Layout::resolve(&h, &ColumnMap::default()).unwrap();
        assert_eq!(l.column(Field::Date), Some(0));
        assert_eq!(l.column(Field::Amount), Some(5));
        assert_eq!(l.column(Field::Category), Some(3));
        assert!(!l.canonical);
    }

    #[test]
    fn canonical_header_is_recognised() {
        let l = Layout::resolve(&header(&TXN_CSV_HEADER), &ColumnMap::default()).unwrap();
        assert!(l.canonical);
    }

    #[test]
    fn missing_columns_are_named() {
        let err = Layout::resolve(&header(&["Description", "Memo"]), &ColumnMap::default());
        assert_eq!(
            err,
            Err(ErrorReason::MissingColumns(
                "date, amount (or debit/credit)".into()
            ))
        );
    }

    #[test]
    fn explicit_map_wins() {
        let map = ColumnMap::parse("date=Posted, amount=Amt, description=Memo, payee=Who").unwrap();
        let h = header(&["Date", "Posted", "Amt", "Memo", "Who"]);
        let l = Layout::resolve(&h, &map).unwrap();
        assert_eq!(l.column(Field::Date), Some(1));
        assert_eq!(l.column(Field::Counterparty), Some(4));
        assert!(ColumnMap::parse("when=Posted").is_err());
        assert!(ColumnMap::parse("date").is_err());
        assert!(ColumnMap::parse("date=A,date=B").is_err());
        let bad = ColumnMap::parse("date=Nope").unwrap();
        assert!(matches!(
            Layout::resolve(&h, &bad),
            Err(ErrorReason::UnknownMappedColumn(_))
        ));
    }
}
