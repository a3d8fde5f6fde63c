//! `forecast`: the 13-week cash forecast (ending cash with its likely range each week), and,
//! given a what-if, the same forecast with the change applied. The what-if is read by the same
//! reader as the forecast page's form, with its limits.

use super::{Data, Refused, amount};
use crate::ai::assistant::names::Names;
use crate::analysis::Analysis;
use crate::whatif::{self, WhatIfInput};
use flowsense_ai::ToolSpec;
use flowsense_core::Currency;
use flowsense_core::analytics::{ForecastReport, forecast_with};
use flowsense_core::format::money;
use serde::Deserialize;
use serde_json::{Value, json};

pub(super) const NAME: &str = "forecast";

/// A what-if, as the forecast page's form takes it (every field optional).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct WhatIfIn {
    oneoff_amount: Option<String>,
    oneoff_direction: Option<String>,
    oneoff_date: Option<String>,
    monthly_amount: Option<String>,
    monthly_kind: Option<String>,
    monthly_from: Option<String>,
    delay_days: Option<u32>,
    drop: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Input {
    what_if: Option<WhatIfIn>,
}

pub(super) fn spec() -> ToolSpec {
    let text = |d: &str| json!({ "type": "string", "maxLength": 64, "description": d });
    ToolSpec {
        name: NAME.into(),
        description: "Cash forecast for the next 13 weeks: expected ending cash each week with \
a likely low and high. With what_if, the forecast again under a change: a one-off payment in \
or out, a monthly change of costs or revenue, customers paying later, or a recurring payment \
dropped."
            .into(),
        input_schema: json!({
            "type": "object",
            "properties": {
                "what_if": {
                    "type": "object",
                    "properties": {
                        "oneoff_amount": text("Amount of a one-off payment, e.g. 2500"),
                        "oneoff_direction": { "type": "string", "enum": ["in", "out"] },
                        "oneoff_date": text("Its date, YYYY-MM-DD, within the 13 weeks"),
                        "monthly_amount": text("Amount of a monthly change, e.g. 1200"),
                        "monthly_kind": { "type": "string", "enum": ["costs_up", "costs_down", "revenue_up", "revenue_down"] },
                        "monthly_from": text("First month of the change, YYYY-MM-DD"),
                        "delay_days": { "type": "integer", "minimum": 0, "maximum": 180 },
                        "drop": text("Counterparty of a recurring payment to stop")
                    },
                    "additionalProperties": false
                }
            },
            "additionalProperties": false
        }),
    }
}

fn weeks(r: &ForecastReport, c: Currency) -> Vec<Value> {
    r.weeks
        .iter()
        .map(|w| {
            json!({
                "week_ending": w.end,
                "ending_cash": amount(w.ending_cash.p50, c),
                "likely_low": amount(w.ending_cash.p10, c),
                "likely_high": amount(w.ending_cash.p90, c),
            })
        })
        .collect()
}

pub(super) fn run(a: &Analysis, names: &mut Names, input: Input) -> Result<Data, Refused> {
    let c = a.currency();
    let baseline = a.forecast();
    let mut value = json!({
        "currency": c.as_str(),
        "as_of": baseline.as_of,
        "starting_cash": amount(baseline.starting_cash, c),
        "weeks": weeks(baseline, c),
    });
    let mut figures = 1 + baseline.weeks.len() * 3;
    if let Some(w) = input.what_if {
        let form = WhatIfInput {
            oneoff_amount: w.oneoff_amount.unwrap_or_default(),
            oneoff_direction: w.oneoff_direction.unwrap_or_default(),
            oneoff_date: w.oneoff_date.unwrap_or_default(),
            monthly_amount: w.monthly_amount.unwrap_or_default(),
            monthly_kind: w.monthly_kind.unwrap_or_default(),
            monthly_from: w.monthly_from.unwrap_or_default(),
            delay_days: w.delay_days.map(|d| d.to_string()).unwrap_or_default(),
            // The model names the payment as it was told it: put the real name back.
            drop: names.back(&w.drop.unwrap_or_default()),
        };
        if !form.is_empty() {
            let recurring = a.active_recurring_names();
            let money_of = |v: i64| money(v, c);
            let reader = whatif::Context {
                as_of: a.as_of,
                currency: c,
                recurring: &recurring,
                money: &money_of,
            };
            let read = whatif::read(&form, &reader)
                .map_err(|e| Refused(format!("what_if.{}: {}", e.field, e.message)))?;
            let changed = forecast_with(&a.books, a.as_of, &read.scenario);
            let changes: Vec<String> = read
                .changes
                .iter()
                .map(|s| {
                    let mut s = s.clone();
                    for n in &read.scenario.drop_recurring {
                        s = names.out_in(&s, n);
                    }
                    s
                })
                .collect();
            figures += changed.weeks.len() * 3;
            value["what_if"] = json!({
                "changes": changes,
                "weeks": weeks(&changed, c),
            });
        }
    }
    Ok(Data {
        value,
        rows: 0,
        figures,
    })
}
