//! Planned amounts: what an owner knows is coming (a tax bill, a hire, a loan, a big order),
//! read from a form or the API into a [`PlannedFlow`] the forecast includes. Members and admins
//! add and remove them; every role reads them. Adding or removing one moves the books version on
//! (in storage), so the cached forecast is recomputed; the audit log records who did it, never
//! the name or the amount.

use crate::Context;
use crate::audit;
use crate::field_error::FieldError;
use crate::identity::Client;
use crate::orgs::OrgAccess;
use crate::whatif::parse_amount;
use chrono::NaiveDate;
use flowsense_core::{Currency, PlainName, PlannedFlow, Repeat};
use flowsense_storage::{NewPlannedItem, PlannedItem, StorageError};
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

/// Most planned amounts one organisation keeps (each is expanded over the 13 weeks ahead).
pub const MAX_PLANNED_ITEMS: usize = 100;
/// Dates accepted: a repeating amount may have begun in the past.
const EARLIEST_YEAR: i32 = 2000;
const LATEST_YEAR: i32 = 2100;

/// A planned amount as typed in the form (or sent to the API), every field text. A field it
/// does not know is refused, as for the other inputs that write.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlannedInput {
    #[serde(default)]
    pub name: String,
    /// The first (or only) date, `YYYY-MM-DD`.
    #[serde(default)]
    pub date: String,
    #[serde(default)]
    pub amount: String,
    /// `in` or `out` (the default).
    #[serde(default)]
    pub direction: String,
    /// `none` (the default), `weekly`, `monthly`, `quarterly` or `yearly`.
    #[serde(default)]
    pub repeat: String,
    /// The last day a repeating amount may fall on, `YYYY-MM-DD`; empty for no end.
    #[serde(default)]
    pub until: String,
    /// 1 to 100; empty for 100.
    #[serde(default)]
    pub confidence: String,
}

/// Why a planned amount could not be added or removed.
#[derive(Debug, thiserror::Error)]
pub enum PlannedError {
    #[error(transparent)]
    Invalid(#[from] FieldError),
    #[error("an organisation keeps at most {MAX_PLANNED_ITEMS} planned amounts: remove one first")]
    TooMany,
    #[error("not found")]
    NotFound,
    #[error(transparent)]
    Storage(StorageError),
}

impl From<StorageError> for PlannedError {
    fn from(e: StorageError) -> Self {
        match e {
            StorageError::NotFound => PlannedError::NotFound,
            other => PlannedError::Storage(other),
        }
    }
}

fn parse_date(field: &'static str, s: &str) -> Result<Option<NaiveDate>, FieldError> {
    let t = s.trim();
    if t.is_empty() {
        return Ok(None);
    }
    NaiveDate::parse_from_str(t, "%Y-%m-%d")
        .ok()
        .filter(|d| (EARLIEST_YEAR..=LATEST_YEAR).contains(&chrono::Datelike::year(d)))
        .map(Some)
        .ok_or_else(|| {
            FieldError::new(
                field,
                format!("Give a date between {EARLIEST_YEAR} and {LATEST_YEAR} as YYYY-MM-DD."),
            )
        })
}

impl PlannedInput {
    /// Reads the input for an organisation keeping its books in `currency`.
    ///
    /// # Errors
    /// The first field that cannot be read, named, with what to do.
    pub fn read(&self, currency: Currency) -> Result<(PlainName, PlannedFlow), FieldError> {
        let name =
            PlainName::parse(&self.name).map_err(|e| FieldError::new("name", e.to_string()))?;
        let first = parse_date("date", &self.date)?
            .ok_or_else(|| FieldError::new("date", "Give the date it is due."))?;
        if self.amount.trim().is_empty() {
            return Err(FieldError::new("amount", "Give the amount."));
        }
        let size = parse_amount("amount", &self.amount, currency)
            .map_err(|e| FieldError::new(e.field, e.message))?;
        let amount = match self.direction.trim() {
            "" | "out" => -size,
            "in" => size,
            _ => {
                return Err(FieldError::new(
                    "direction",
                    "Choose money in or money out.",
                ));
            }
        };
        let repeat = match self.repeat.trim() {
            "" => Repeat::None,
            other => Repeat::parse(other)
                .ok_or_else(|| FieldError::new("repeat", "Choose how often it comes back."))?,
        };
        let until = parse_date("until", &self.until)?;
        if let Some(u) = until {
            if repeat == Repeat::None {
                return Err(FieldError::new(
                    "until",
                    "An end date is for an amount that repeats: choose how often, or leave it empty.",
                ));
            }
            if u < first {
                return Err(FieldError::new(
                    "until",
                    "The end comes before the first date.",
                ));
            }
        }
        let confidence = self.confidence.trim().trim_end_matches('%').trim();
        let confidence_percent = if confidence.is_empty() {
            100
        } else {
            confidence
                .parse::<u8>()
                .ok()
                .filter(|c| (1..=100).contains(c))
                .ok_or_else(|| {
                    FieldError::new("confidence", "Give how sure you are, from 1 to 100 (%).")
                })?
        };
        Ok((
            name,
            PlannedFlow {
                first,
                amount,
                repeat,
                until,
                confidence_percent,
            },
        ))
    }
}

/// The planned amounts of `who`'s organisation, by date.
///
/// # Errors
/// A database failure.
pub async fn list(ctx: &Context, who: &OrgAccess) -> Result<Vec<PlannedItem>, PlannedError> {
    Ok(ctx.store.planned_items(who.org).await?)
}

/// Adds a planned amount to `who`'s organisation (the route lets members and admins only).
///
/// # Errors
/// A refused field, too many planned amounts already, a database failure.
#[tracing::instrument(skip_all, fields(org = %who.org, user = %who.user))]
pub async fn add(
    ctx: &Context,
    who: &OrgAccess,
    input: &PlannedInput,
    client: &Client,
) -> Result<PlannedItem, PlannedError> {
    let org = ctx.store.org(who.org).await?;
    let (name, flow) = input.read(org.settings.base_currency)?;
    if ctx.store.planned_items(who.org).await?.len() >= MAX_PLANNED_ITEMS {
        return Err(PlannedError::TooMany);
    }
    let item = ctx
        .store
        .add_planned_item(
            who.org,
            &NewPlannedItem {
                name: name.as_str().to_owned(),
                flow,
                created_by: Some(who.user),
            },
        )
        .await?;
    audit::in_org(
        ctx,
        who.org,
        Some(who.user),
        "planned.add",
        format!("planned:{}", item.id),
        &client.ip,
        json!({ "repeat": flow.repeat.as_str() }),
    )
    .await?;
    Ok(item)
}

/// Removes one of the organisation's planned amounts.
///
/// # Errors
/// [`PlannedError::NotFound`] when the organisation has no such item; a database failure.
#[tracing::instrument(skip_all, fields(org = %who.org, user = %who.user))]
pub async fn remove(
    ctx: &Context,
    who: &OrgAccess,
    id: Uuid,
    client: &Client,
) -> Result<(), PlannedError> {
    ctx.store.delete_planned_item(who.org, id).await?;
    audit::in_org(
        ctx,
        who.org,
        Some(who.user),
        "planned.remove",
        format!("planned:{id}"),
        &client.ip,
        json!({}),
    )
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(amount: &str) -> PlannedInput {
        PlannedInput {
            name: "Sales tax".into(),
            date: "2027-01-15".into(),
            amount: amount.into(),
            ..PlannedInput::default()
        }
    }

    #[test]
    fn a_form_reads_into_an_exact_planned_flow() {
        let mut i = input("12,500.10");
        i.repeat = "quarterly".into();
        i.until = "2027-12-31".into();
        i.confidence = "90%".into();
        let (name, flow) = i.read(Currency::USD).expect("valid");
        assert_eq!(name.as_str(), "Sales tax");
        assert_eq!(flow.amount, -1_250_010);
        assert_eq!(flow.repeat, Repeat::Quarterly);
        assert_eq!(flow.confidence_percent, 90);
        let mut i = input("400");
        i.direction = "in".into();
        let yen = Currency::parse("JPY").expect("a currency");
        let (_, flow) = i.read(yen).expect("valid");
        assert_eq!(
            (flow.amount, flow.confidence_percent, flow.until),
            (400, 100, None)
        );
    }

    #[test]
    fn every_bad_field_is_named() {
        let field = |i: PlannedInput| i.read(Currency::USD).expect_err("refused").field;
        let mut i = input("10");
        i.name = "  ".into();
        assert_eq!(field(i), "name");
        let mut i = input("10");
        i.date = "15/01/2027".into();
        assert_eq!(field(i), "date");
        let mut i = input("10");
        i.date = "1999-12-31".into();
        assert_eq!(field(i), "date");
        assert_eq!(field(input("")), "amount");
        assert_eq!(field(input("-5")), "amount");
        assert_eq!(field(input("0")), "amount");
        assert_eq!(field(input("1.234")), "amount");
        let mut i = input("10");
        i.direction = "sideways".into();
        assert_eq!(field(i), "direction");
        let mut i = input("10");
        i.repeat = "daily".into();
        assert_eq!(field(i), "repeat");
        let mut i = input("10");
        i.until = "2027-12-31".into();
        assert_eq!(field(i), "until", "an end without a repeat");
        let mut i = input("10");
        i.repeat = "monthly".into();
        i.until = "2026-12-31".into();
        assert_eq!(field(i), "until", "an end before the start");
        for bad in ["0", "101", "ninety", "-5"] {
            let mut i = input("10");
            i.confidence = bad.into();
            assert_eq!(field(i), "confidence", "{bad}");
        }
    }
}
