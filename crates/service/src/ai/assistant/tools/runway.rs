//! `runway`: cash now, the average monthly burn or net inflow, and how many months the cash
//! lasts at that pace.

use super::{Data, Refused, amount};
use crate::ai::assistant::names::Names;
use crate::analysis::Analysis;
use flowsense_ai::ToolSpec;
use flowsense_core::analytics::RunwayStatus;
use serde::Deserialize;
use serde_json::json;

pub(super) const NAME: &str = "runway";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Input {}

pub(super) fn spec() -> ToolSpec {
    ToolSpec {
        name: NAME.into(),
        description: "Runway: cash now, the average monthly burn over the last three months, \
how many months of cash are left and when it runs out."
            .into(),
        input_schema: json!({ "type": "object", "properties": {}, "additionalProperties": false }),
    }
}

pub(super) fn run(a: &Analysis, _names: &mut Names, _input: Input) -> Result<Data, Refused> {
    let r = a.runway();
    let c = a.currency();
    let status = match &r.status {
        RunwayStatus::Burning {
            average_monthly_burn,
            months_of_runway,
            cash_runs_out_on,
        } => json!({
            "status": "burning",
            "average_monthly_burn": amount(*average_monthly_burn, c),
            "months_of_runway": format!("{months_of_runway:.1}"),
            "cash_runs_out_on": cash_runs_out_on,
        }),
        RunwayStatus::OutOfCash {
            average_monthly_burn,
        } => {
            json!({ "status": "out_of_cash", "average_monthly_burn": amount(*average_monthly_burn, c) })
        }
        RunwayStatus::NotBurning {
            average_monthly_net_inflow,
        } => json!({
            "status": "not_burning",
            "average_monthly_net_inflow": amount(*average_monthly_net_inflow, c),
        }),
        RunwayStatus::InsufficientHistory => json!({ "status": "insufficient_history" }),
    };
    let months: Vec<_> = r
        .months
        .iter()
        .map(|m| json!({ "month": m.month, "in": amount(m.inflow, c), "out": amount(m.outflow, c), "net": amount(m.net, c) }))
        .collect();
    let figures = 3 + months.len() * 3;
    Ok(Data {
        value: json!({
            "currency": c.as_str(),
            "as_of": r.as_of,
            "cash_now": amount(r.cash_now, c),
            "runway": status,
            "months_averaged": months,
        }),
        rows: 0,
        figures,
    })
}
