//! What-if input for the forecast: the form's text, read into an engine [`Scenario`] or refused
//! with a message that says which field and why. Amounts are read exactly into minor units.

use crate::analysis::Analysis;
use chrono::{NaiveDate, TimeDelta};
use flowsense_core::analytics::forecast::HORIZON_WEEKS;
use flowsense_core::analytics::{
    FlowSide, ForecastReport, MonthlyChange, OneOff, Scenario, forecast_with,
};
use flowsense_core::format::money;
use flowsense_core::{Currency, Money, MoneyError};
use serde::{Deserialize, Serialize};

pub mod saved;

/// Largest amount accepted, in whole currency units.
pub const MAX_UNITS: i64 = 1_000_000_000;
/// Longest delay of customer payments accepted, in days.
pub const MAX_DELAY_DAYS: u32 = 180;
/// Longest text read from any field.
const MAX_FIELD_CHARS: usize = 64;

/// The what-if form as typed (every field optional; empty means "no change").
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, utoipa::ToSchema)]
pub struct WhatIfInput {
    #[serde(default)]
    pub oneoff_amount: String,
    /// `in` or `out`.
    #[serde(default)]
    pub oneoff_direction: String,
    #[serde(default)]
    pub oneoff_date: String,
    #[serde(default)]
    pub monthly_amount: String,
    /// `costs_up`, `costs_down`, `revenue_up` or `revenue_down`.
    #[serde(default)]
    pub monthly_kind: String,
    #[serde(default)]
    pub monthly_from: String,
    #[serde(default)]
    pub delay_days: String,
    /// A recurring payment's counterparty, or empty.
    #[serde(default)]
    pub drop: String,
}

/// A refused input: the field it concerns and what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct WhatIfError {
    pub field: &'static str,
    pub message: String,
}

fn refuse(field: &'static str, message: impl Into<String>) -> WhatIfError {
    WhatIfError {
        field,
        message: message.into(),
    }
}

/// A read scenario and a sentence for each change it makes.
#[derive(Debug, Clone)]
pub struct WhatIf {
    pub scenario: Scenario,
    pub changes: Vec<String>,
}

/// What the reader needs to know about the books.
pub struct Context<'a> {
    pub as_of: NaiveDate,
    pub currency: Currency,
    /// Counterparties of the active recurring payments.
    pub recurring: &'a [String],
    /// Formats minor units for the sentences.
    pub money: &'a dyn Fn(i64) -> String,
}

impl WhatIfInput {
    /// True when every field is empty (or a default).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        [
            &self.oneoff_amount,
            &self.oneoff_date,
            &self.monthly_amount,
            &self.monthly_from,
            &self.drop,
        ]
        .iter()
        .all(|f| f.trim().is_empty())
            && matches!(self.delay_days.trim(), "" | "0")
    }
}

/// Text for a message: trimmed and cut short.
fn shown(s: &str) -> String {
    let t = s.trim();
    let mut out: String = t.chars().take(24).collect();
    if t.chars().count() > 24 {
        out.push('…');
    }
    out
}

/// Reads a positive amount exactly (through [`Money::parse`]): digits with optional thousands
/// separators and at most the currency's decimals, an optional currency symbol in front.
///
/// # Errors
/// Anything that is not such an amount, zero, or more than [`MAX_UNITS`].
pub fn parse_amount(field: &'static str, s: &str, currency: Currency) -> Result<i64, WhatIfError> {
    let not_amount = || {
        refuse(
            field,
            format!(
                "“{}” is not an amount: use digits, like 2500 or 1,250.50.",
                shown(s)
            ),
        )
    };
    let t = s.trim();
    if t.chars().count() > MAX_FIELD_CHARS {
        return Err(not_amount());
    }
    // The direction (in or out, up or down) carries the sign; separators and a sign in front
    // are only read past.
    let t = t.trim_start_matches(['$', '€', '£', '¥']).trim();
    if t.starts_with(['-', '+']) {
        return Err(not_amount());
    }
    let plain: String = t
        .chars()
        .filter(|c| !matches!(c, ',' | ' ' | '_'))
        .collect();
    let too_large = || {
        refuse(
            field,
            format!("Amounts above {MAX_UNITS} are not accepted: check the number of digits."),
        )
    };
    let minor = match Money::parse(&plain, currency) {
        Ok(m) => m.minor,
        Err(MoneyError::TooPrecise(places)) => {
            return Err(refuse(
                field,
                format!(
                    "“{}” has more decimals than {} allows ({places}).",
                    shown(s),
                    currency.as_str()
                ),
            ));
        }
        Err(MoneyError::Overflow) => return Err(too_large()),
        Err(_) => return Err(not_amount()),
    };
    if minor > MAX_UNITS.saturating_mul(10i64.pow(currency.exponent())) {
        return Err(too_large());
    }
    if minor == 0 {
        return Err(refuse(field, "Give an amount above zero."));
    }
    Ok(minor)
}

fn parse_day(field: &'static str, s: &str) -> Result<Option<NaiveDate>, WhatIfError> {
    let t = s.trim();
    if t.is_empty() {
        return Ok(None);
    }
    NaiveDate::parse_from_str(t, "%Y-%m-%d")
        .map(Some)
        .map_err(|_| refuse(field, format!("“{}” is not a date (YYYY-MM-DD).", shown(s))))
}

/// Reads `input` against the analysed books: their "today", currency and recurring payments.
///
/// # Errors
/// As [`read`].
pub fn read_against(a: &Analysis, input: &WhatIfInput) -> Result<WhatIf, WhatIfError> {
    let names = a.active_recurring_names();
    let c = a.currency();
    let money_of = |v: i64| money(v, c);
    read(
        input,
        &Context {
            as_of: a.as_of,
            currency: c,
            recurring: &names,
            money: &money_of,
        },
    )
}

/// The forecast of the analysed books with `input` applied, and a sentence for each change.
///
/// # Errors
/// As [`read`].
pub fn forecast_of(
    a: &Analysis,
    input: &WhatIfInput,
) -> Result<(ForecastReport, Vec<String>), WhatIfError> {
    let w = read_against(a, input)?;
    Ok((forecast_with(&a.books, a.as_of, &w.scenario), w.changes))
}

/// Reads the form into a scenario for the forecast made as of `ctx.as_of`: dates must fall in
/// the 13 weeks it covers.
///
/// # Errors
/// The first field that cannot be read, with a message naming it.
pub fn read(input: &WhatIfInput, ctx: &Context<'_>) -> Result<WhatIf, WhatIfError> {
    // Books dated at the very end of the calendar have no 13 weeks after them: the horizon
    // stops at the last date there is, and nothing fits it.
    let first = ctx
        .as_of
        .checked_add_signed(TimeDelta::days(1))
        .unwrap_or(NaiveDate::MAX);
    let last = ctx
        .as_of
        .checked_add_signed(TimeDelta::weeks(i64::try_from(HORIZON_WEEKS).unwrap_or(13)))
        .unwrap_or(NaiveDate::MAX);
    let in_horizon = |field: &'static str, d: NaiveDate| {
        if d < first || d > last {
            Err(refuse(
                field,
                format!(
                    "Choose a date from {} to {}: the 13 weeks the forecast covers.",
                    first.format("%-d %b %Y"),
                    last.format("%-d %b %Y")
                ),
            ))
        } else {
            Ok(d)
        }
    };
    let day = |d: NaiveDate| d.format("%-d %b %Y").to_string();
    let mut w = WhatIf {
        scenario: Scenario::default(),
        changes: Vec::new(),
    };

    let amount = input.oneoff_amount.trim();
    let date = parse_day("oneoff_date", &input.oneoff_date)?;
    match (amount.is_empty(), date) {
        (true, None) => {}
        (true, Some(_)) => return Err(refuse("oneoff_amount", "Give the one-off amount.")),
        (false, None) => {
            return Err(refuse(
                "oneoff_date",
                "Give the date of the one-off amount.",
            ));
        }
        (false, Some(d)) => {
            let d = in_horizon("oneoff_date", d)?;
            let size = parse_amount("oneoff_amount", amount, ctx.currency)?;
            let (amount, words) = match input.oneoff_direction.trim() {
                "" | "out" => (-size, "out"),
                "in" => (size, "in"),
                _ => return Err(refuse("oneoff_direction", "Choose money in or money out.")),
            };
            w.scenario.one_offs.push(OneOff { date: d, amount });
            w.changes
                .push(format!("{} money {words} on {}", (ctx.money)(size), day(d)));
        }
    }

    let amount = input.monthly_amount.trim();
    if amount.is_empty() {
        if !input.monthly_from.trim().is_empty() {
            return Err(refuse("monthly_amount", "Give the monthly amount."));
        }
    } else {
        let size = parse_amount("monthly_amount", amount, ctx.currency)?;
        let from = match parse_day("monthly_from", &input.monthly_from)? {
            Some(d) => in_horizon("monthly_from", d)?,
            None => first,
        };
        let (side, sign, words) = match input.monthly_kind.trim() {
            "" | "costs_up" => (FlowSide::Outflow, -1, "Costs rise by"),
            "costs_down" => (FlowSide::Outflow, 1, "Costs fall by"),
            "revenue_up" => (FlowSide::Inflow, 1, "Revenue rises by"),
            "revenue_down" => (FlowSide::Inflow, -1, "Revenue falls by"),
            _ => return Err(refuse("monthly_kind", "Choose what changes each month.")),
        };
        w.scenario.monthly_changes.push(MonthlyChange {
            from,
            amount: sign * size,
            side,
        });
        w.changes.push(format!(
            "{words} {} a month from {}",
            (ctx.money)(size),
            day(from)
        ));
    }

    let delay = input.delay_days.trim();
    if !delay.is_empty() {
        let days: u32 = delay
            .parse()
            .ok()
            .filter(|_| delay.len() <= 6)
            .ok_or_else(|| {
                refuse(
                    "delay_days",
                    format!("“{}” is not a number of days.", shown(delay)),
                )
            })?;
        if days > MAX_DELAY_DAYS {
            return Err(refuse(
                "delay_days",
                format!("Delay customer payments by 0 to {MAX_DELAY_DAYS} days."),
            ));
        }
        if days > 0 {
            w.scenario.customer_delay_days = days;
            w.changes
                .push(format!("Customers pay their invoices {days} days later"));
        }
    }

    let drop = input.drop.trim();
    if !drop.is_empty() {
        let known = ctx.recurring.iter().find(|name| name.as_str() == drop);
        let name = known.ok_or_else(|| {
            refuse(
                "drop",
                format!("“{}” is not one of the recurring payments.", shown(drop)),
            )
        })?;
        w.scenario.drop_recurring.push(name.clone());
        w.changes.push(format!("No more payments to {name}"));
    }
    Ok(w)
}

#[cfg(test)]
mod tests;
