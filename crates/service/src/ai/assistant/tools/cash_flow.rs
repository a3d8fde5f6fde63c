//! `cash_flow`: money in, out and net over a date range, in total and per day, week or month.

use super::{Data, Refused, amount, capped, check_range, date_schema};
use crate::ai::assistant::names::Names;
use crate::analysis::Analysis;
use chrono::NaiveDate;
use flowsense_ai::ToolSpec;
use flowsense_core::analytics::{Period, cashflow};
use serde::Deserialize;
use serde_json::{Value, json};

pub(super) const NAME: &str = "cash_flow";

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(super) enum PeriodIn {
    Day,
    Week,
    Month,
}

impl From<PeriodIn> for Period {
    fn from(p: PeriodIn) -> Self {
        match p {
            PeriodIn::Day => Period::Day,
            PeriodIn::Week => Period::Week,
            PeriodIn::Month => Period::Month,
        }
    }
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Input {
    from: NaiveDate,
    to: NaiveDate,
    period: Option<PeriodIn>,
}

pub(super) fn spec() -> ToolSpec {
    ToolSpec {
        name: NAME.into(),
        description: "Cash flow for a period: money in, money out and net between two dates \
(inclusive), in total and per day, week or month (at most 25 periods listed). Amounts are \
decimals in the books' currency."
            .into(),
        input_schema: json!({
            "type": "object",
            "properties": {
                "from": date_schema("First day, YYYY-MM-DD"),
                "to": date_schema("Last day, YYYY-MM-DD"),
                "period": { "type": "string", "enum": ["month", "week", "day"] }
            },
            "required": ["from", "to"],
            "additionalProperties": false
        }),
    }
}

pub(super) fn flow(f: &flowsense_core::analytics::Flow, c: flowsense_core::Currency) -> Value {
    json!({
        "in": amount(f.inflow, c),
        "out": amount(f.outflow, c),
        "net": amount(f.net, c),
        "transactions": f.count,
    })
}

pub(super) fn run(a: &Analysis, _names: &mut Names, input: Input) -> Result<Data, Refused> {
    check_range(input.from, input.to)?;
    let period: Period = input.period.unwrap_or(PeriodIn::Month).into();
    let report = cashflow(&a.books, Some(input.from), Some(input.to), period);
    let c = a.currency();
    let (periods, truncated) = capped(
        report
            .periods
            .iter()
            .map(|p| json!({ "start": p.start, "end": p.end, "flow": flow(&p.flow, c) })),
    );
    let figures = 3 + periods.len() * 3;
    Ok(Data {
        value: json!({
            "currency": c.as_str(),
            "from": input.from,
            "to": input.to,
            "period": period.as_str(),
            "total": flow(&report.total, c),
            "periods": periods,
            "truncated": truncated,
        }),
        rows: 0,
        figures,
    })
}
