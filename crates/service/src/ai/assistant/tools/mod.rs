//! The tools the assistant's model may call. Each reads the asker's organisation only (the
//! organisation is never an input), through the same analysis and storage services as the
//! pages, validates its JSON input strictly (unknown fields, bad dates and ranges are an error
//! result the model reads, never a panic), and returns a bounded JSON document: at most
//! [`MAX_ROWS`] rows per list, with `truncated` saying when more were left out. Text from the
//! books only ever travels inside JSON string values.

mod aging;
mod breakdown;
mod cash_flow;
mod forecast;
mod recurring;
mod runway;
mod search;

use super::names::Names;
use crate::Context;
use crate::analysis::{Analysis, AnalysisError, with_shown_analysis};
use chrono::NaiveDate;
use flowsense_ai::ToolSpec;
use flowsense_core::Currency;
use flowsense_core::money::format_minor;
use flowsense_storage::{Organisation, StorageError};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

/// Most rows any list in a tool's result holds.
pub const MAX_ROWS: usize = 25;
/// Longest date range a tool reads, in days (about three years).
pub const MAX_RANGE_DAYS: i64 = 1_096;

/// What a tool gave back.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolOutput {
    /// The JSON document sent to the model.
    pub content: String,
    /// The input was refused or the tool is unknown: the content says why.
    pub is_error: bool,
    /// Transaction rows in it (for the record of what went out).
    pub rows: usize,
    /// Aggregate figures in it.
    pub figures: usize,
}

/// A failure that is not the model's fault: the question fails.
#[derive(Debug, thiserror::Error)]
pub enum ToolFailure {
    #[error(transparent)]
    Analysis(#[from] AnalysisError),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// A tool's answer before it is wrapped: its data and what it holds.
pub(crate) struct Data {
    pub value: Value,
    pub rows: usize,
    pub figures: usize,
}

/// A refused input, in words for the model.
pub(crate) struct Refused(pub String);

/// Every tool, in the order the model is told about them.
#[must_use]
pub fn specs() -> Vec<ToolSpec> {
    vec![
        cash_flow::spec(),
        breakdown::spec(),
        forecast::spec(),
        search::spec(),
        aging::spec(),
        recurring::spec(),
        runway::spec(),
    ]
}

/// Runs the tool `name` with `input` for `org` (the asker's organisation, whose role was
/// checked before the question was taken).
///
/// # Errors
/// A database or analysis failure; anything wrong with the call itself is an error *result*.
pub async fn run(
    ctx: &Context,
    org: &Organisation,
    names: &mut Names,
    name: &str,
    input: &Value,
) -> Result<ToolOutput, ToolFailure> {
    let result = match name {
        cash_flow::NAME => analysed(ctx, org, names, input, cash_flow::run).await?,
        breakdown::NAME => analysed(ctx, org, names, input, breakdown::run).await?,
        forecast::NAME => analysed(ctx, org, names, input, forecast::run).await?,
        aging::NAME => analysed(ctx, org, names, input, aging::run).await?,
        recurring::NAME => analysed(ctx, org, names, input, recurring::run).await?,
        runway::NAME => analysed(ctx, org, names, input, runway::run).await?,
        search::NAME => match parse(input) {
            Ok(i) => search::run(ctx, org, names, i).await?,
            Err(e) => Err(e),
        },
        _ => Err(Refused(format!(
            "There is no tool named {:?}. The tools are: {}.",
            name.chars().take(64).collect::<String>(),
            specs()
                .iter()
                .map(|s| s.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    };
    Ok(match result {
        Ok(data) => ToolOutput {
            content: json!({ "tool": name, "data": data.value }).to_string(),
            is_error: false,
            rows: data.rows,
            figures: data.figures,
        },
        Err(Refused(why)) => ToolOutput {
            content: json!({ "error": why }).to_string(),
            is_error: true,
            rows: 0,
            figures: 0,
        },
    })
}

/// Parses `input` strictly into a tool's input type.
pub(crate) fn parse<T: DeserializeOwned>(input: &Value) -> Result<T, Refused> {
    if !input.is_object() {
        return Err(Refused("The input must be a JSON object.".into()));
    }
    serde_json::from_value(input.clone())
        .map_err(|e| Refused(format!("The input does not fit the tool's schema: {e}.")))
}

/// Parses the input, then runs `compute` over the organisation's analysis on the blocking pool
/// (the engine is CPU work), names going out through `names`.
async fn analysed<I: DeserializeOwned + Send + 'static>(
    ctx: &Context,
    org: &Organisation,
    names: &mut Names,
    input: &Value,
    compute: fn(&Analysis, &mut Names, I) -> Result<Data, Refused>,
) -> Result<Result<Data, Refused>, ToolFailure> {
    let input: I = match parse(input) {
        Ok(i) => i,
        Err(e) => return Ok(Err(e)),
    };
    let mut lent = std::mem::replace(names, Names::plain());
    let (result, back) = with_shown_analysis(ctx, org, move |a| {
        let result = compute(a, &mut lent, input);
        (result, lent)
    })
    .await?;
    *names = back;
    Ok(result)
}

/// An amount as a plain decimal in the currency's units (`-1234.50`).
pub(crate) fn amount(minor: i64, currency: Currency) -> String {
    format_minor(minor, currency.exponent())
}

/// Checks a `from`–`to` range: in order and at most [`MAX_RANGE_DAYS`] long.
pub(crate) fn check_range(from: NaiveDate, to: NaiveDate) -> Result<(), Refused> {
    if from > to {
        return Err(Refused(format!(
            "from ({from}) is after to ({to}): give the earlier date first."
        )));
    }
    if (to - from).num_days() > MAX_RANGE_DAYS {
        return Err(Refused(format!(
            "The range is longer than {MAX_RANGE_DAYS} days: ask for a shorter one."
        )));
    }
    Ok(())
}

/// The first `MAX_ROWS` of `items`, and whether any were left out.
pub(crate) fn capped<T>(items: impl IntoIterator<Item = T>) -> (Vec<T>, bool) {
    let mut it = items.into_iter();
    let kept: Vec<T> = it.by_ref().take(MAX_ROWS).collect();
    let more = it.next().is_some();
    (kept, more)
}

/// The JSON Schema of a date property.
pub(crate) fn date_schema(description: &str) -> Value {
    json!({ "type": "string", "format": "date", "description": description })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_tool_has_a_distinct_name_and_an_object_schema_without_extras() {
        let specs = specs();
        let mut names: Vec<&str> = specs.iter().map(|s| s.name.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), 7);
        for s in &specs {
            assert_eq!(s.input_schema["type"], "object", "{}", s.name);
            assert_eq!(s.input_schema["additionalProperties"], false, "{}", s.name);
            assert!(!s.description.is_empty());
        }
    }

    #[test]
    fn ranges_are_checked_and_lists_capped() {
        let d = |s: &str| s.parse::<NaiveDate>().expect("date");
        assert!(check_range(d("2026-01-01"), d("2026-01-01")).is_ok());
        assert!(check_range(d("2026-02-01"), d("2026-01-01")).is_err());
        assert!(check_range(d("2020-01-01"), d("2026-01-01")).is_err());
        let (kept, more) = capped(0..100);
        assert_eq!((kept.len(), more), (MAX_ROWS, true));
        let (kept, more) = capped(0..MAX_ROWS);
        assert_eq!((kept.len(), more), (MAX_ROWS, false));
    }
}
