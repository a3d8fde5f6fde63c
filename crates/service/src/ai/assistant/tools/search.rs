//! `search_transactions`: the organisation's transactions whose description or counterparty
//! holds a text, newest first, at most [`super::MAX_ROWS`]. Descriptions are the books' own
//! words: they go out as JSON string values, to be read as data.

use super::{Data, MAX_ROWS, Refused, ToolFailure, amount, check_range, date_schema};
use crate::Context;
use crate::ai::assistant::names::Names;
use chrono::NaiveDate;
use flowsense_ai::ToolSpec;
use flowsense_storage::{Organisation, TxnFilter};
use serde::Deserialize;
use serde_json::json;

pub(super) const NAME: &str = "search_transactions";
/// Longest search text.
const MAX_TEXT_CHARS: usize = 64;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Input {
    text: String,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    limit: Option<u32>,
}

pub(super) fn spec() -> ToolSpec {
    ToolSpec {
        name: NAME.into(),
        description: "Search transactions whose description or counterparty contains a text, \
newest first (at most 25), optionally between two dates."
            .into(),
        input_schema: json!({
            "type": "object",
            "properties": {
                "text": { "type": "string", "minLength": 1, "maxLength": MAX_TEXT_CHARS },
                "from": date_schema("First day, YYYY-MM-DD"),
                "to": date_schema("Last day, YYYY-MM-DD"),
                "limit": { "type": "integer", "minimum": 1, "maximum": MAX_ROWS }
            },
            "required": ["text"],
            "additionalProperties": false
        }),
    }
}

pub(super) async fn run(
    ctx: &Context,
    org: &Organisation,
    names: &mut Names,
    input: Input,
) -> Result<Result<Data, Refused>, ToolFailure> {
    let text = names.back(input.text.trim());
    if text.is_empty() || text.chars().count() > MAX_TEXT_CHARS {
        return Ok(Err(Refused(format!(
            "text must be 1 to {MAX_TEXT_CHARS} characters."
        ))));
    }
    if let (Some(from), Some(to)) = (input.from, input.to)
        && let Err(e) = check_range(from, to)
    {
        return Ok(Err(e));
    }
    let limit = input
        .limit
        .unwrap_or(u32::try_from(MAX_ROWS).unwrap_or(25))
        .clamp(1, u32::try_from(MAX_ROWS).unwrap_or(25));
    let page = ctx
        .store
        .list_transactions(
            org.id,
            &TxnFilter {
                from: input.from,
                to: input.to,
                text: Some(text),
                limit,
                ..TxnFilter::default()
            },
        )
        .await?;
    let c = org.settings.base_currency;
    let rows: Vec<_> = page
        .items
        .iter()
        .map(|t| {
            json!({
                "date": t.posted_on,
                "amount": amount(t.amount_minor, c),
                "counterparty": names.out(&t.counterparty),
                "description": names.out_in(&t.description, &t.counterparty),
                "category": t.category,
            })
        })
        .collect();
    let count = rows.len();
    Ok(Ok(Data {
        value: json!({
            "currency": c.as_str(),
            "transactions": rows,
            "truncated": page.next_cursor.is_some(),
        }),
        rows: count,
        figures: 0,
    }))
}
