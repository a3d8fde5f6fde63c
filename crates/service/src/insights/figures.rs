//! The named figures an insight rests on: aggregates only (amounts, percentages, counts,
//! months, dates, the names of the counterparties concerned), never a list of transactions.
//! They are what a model may write about, and every number it writes must be one of them.

use chrono::NaiveDate;
use flowsense_core::Currency;
use flowsense_core::format::{money, share};
use serde::{Deserialize, Serialize};

/// One named figure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Figure {
    /// What it is, in `snake_case` (`average_monthly_burn`).
    pub name: String,
    #[serde(flatten)]
    pub value: FigureValue,
}

/// A figure's value, exact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FigureValue {
    Money {
        minor: i64,
        #[serde(with = "currency_code")]
        currency: Currency,
    },
    /// A percentage in basis points (1250 = 12.5%).
    Percent {
        bp: i64,
    },
    Count {
        n: i64,
    },
    /// Months in tenths (34 = 3.4 months).
    Months {
        tenths: i64,
    },
    Date {
        date: NaiveDate,
    },
    /// A counterparty's or a person's name (pseudonymised when the organisation asks).
    Name {
        who: String,
    },
    /// A word from the engine (a cadence, a category).
    Label {
        text: String,
    },
}

impl Figure {
    pub fn money(name: &str, minor: i64, currency: Currency) -> Self {
        Self::new(name, FigureValue::Money { minor, currency })
    }
    pub fn percent(name: &str, bp: i64) -> Self {
        Self::new(name, FigureValue::Percent { bp })
    }
    pub fn count(name: &str, n: i64) -> Self {
        Self::new(name, FigureValue::Count { n })
    }
    /// Months, rounded to tenths as the pages show them.
    pub fn months(name: &str, months: f64) -> Self {
        #[expect(
            clippy::cast_possible_truncation,
            reason = "runway months are small; tenths of them fit an i64"
        )]
        let tenths = (months * 10.0).round() as i64;
        Self::new(name, FigureValue::Months { tenths })
    }
    pub fn date(name: &str, date: NaiveDate) -> Self {
        Self::new(name, FigureValue::Date { date })
    }
    pub fn name(name: &str, who: &str) -> Self {
        Self::new(
            name,
            FigureValue::Name {
                who: who.to_owned(),
            },
        )
    }
    pub fn label(name: &str, text: &str) -> Self {
        Self::new(
            name,
            FigureValue::Label {
                text: text.to_owned(),
            },
        )
    }

    fn new(name: &str, value: FigureValue) -> Self {
        Self {
            name: name.to_owned(),
            value,
        }
    }

    /// The kind, as the JSON spells it (`money`, `percent`, …).
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self.value {
            FigureValue::Money { .. } => "money",
            FigureValue::Percent { .. } => "percent",
            FigureValue::Count { .. } => "count",
            FigureValue::Months { .. } => "months",
            FigureValue::Date { .. } => "date",
            FigureValue::Name { .. } => "name",
            FigureValue::Label { .. } => "label",
        }
    }

    /// As the pages write it: `-$1,234.56`, `12.5%`, `3.4`, `2026-04-15`, a name.
    #[must_use]
    pub fn display(&self) -> String {
        match &self.value {
            FigureValue::Money { minor, currency } => money(*minor, *currency),
            FigureValue::Percent { bp } => share(*bp),
            FigureValue::Count { n } => n.to_string(),
            FigureValue::Months { tenths } => {
                format!(
                    "{}{}.{}",
                    if *tenths < 0 { "-" } else { "" },
                    tenths.unsigned_abs() / 10,
                    tenths.unsigned_abs() % 10
                )
            }
            FigureValue::Date { date } => date.format("%Y-%m-%d").to_string(),
            FigureValue::Name { who } => who.clone(),
            FigureValue::Label { text } => text.clone(),
        }
    }
}

mod currency_code {
    use flowsense_core::Currency;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(c: &Currency, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(c.as_str())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Currency, D::Error> {
        let code = String::deserialize(d)?;
        Currency::parse(&code).map_err(serde::de::Error::custom)
    }
}
