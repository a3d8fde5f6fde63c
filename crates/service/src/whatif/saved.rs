//! What-if scenarios saved by name, to compare later beside the baseline. A saved scenario keeps
//! the form's inputs (sealed in storage), not figures: it is read again and forecast afresh
//! whenever it is shown, so it follows the books. [`outcome`] sums a forecast up for the
//! comparison: its lowest cash (today's included) and when, cash at the last week, and the
//! first week cash runs out.

use super::{WhatIfInput, forecast_of, read_against};
use crate::Context;
use crate::analysis::{AnalysisError, read_org_analysis};
use crate::audit;
use crate::field_error::FieldError;
use crate::identity::Client;
use crate::orgs::OrgAccess;
use chrono::NaiveDate;
use flowsense_core::PlainName;
use flowsense_core::analytics::ForecastReport;
use flowsense_storage::StorageError;
use serde_json::json;
use uuid::Uuid;

/// Most scenarios one organisation keeps.
pub const MAX_SAVED_SCENARIOS: usize = 20;

/// A saved scenario, its inputs read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Saved {
    pub id: Uuid,
    pub name: String,
    pub input: WhatIfInput,
}

/// Why a scenario could not be saved, listed or removed.
#[derive(Debug, thiserror::Error)]
pub enum SavedError {
    #[error(transparent)]
    Invalid(#[from] FieldError),
    #[error("an organisation keeps at most {MAX_SAVED_SCENARIOS} scenarios: remove one first")]
    TooMany,
    #[error("not found")]
    NotFound,
    #[error(transparent)]
    Storage(StorageError),
    #[error(transparent)]
    Analysis(AnalysisError),
}

impl From<StorageError> for SavedError {
    fn from(e: StorageError) -> Self {
        match e {
            StorageError::NotFound => SavedError::NotFound,
            other => SavedError::Storage(other),
        }
    }
}

impl From<AnalysisError> for SavedError {
    fn from(e: AnalysisError) -> Self {
        match e {
            AnalysisError::Storage(s) => s.into(),
            other => SavedError::Analysis(other),
        }
    }
}

/// A forecast summed up for the comparison table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    /// The lowest cash from today (included) to the last forecast week, and its day.
    pub lowest: i64,
    pub lowest_on: NaiveDate,
    /// Expected cash at the end of the last forecast week.
    pub last_week: i64,
    /// The end of the first week whose expected cash is below zero.
    pub runs_out_on: Option<NaiveDate>,
}

/// Sums up `r` (expected, P50, figures).
#[must_use]
pub fn outcome(r: &ForecastReport) -> Outcome {
    let mut lowest = (r.starting_cash, r.as_of);
    for w in &r.weeks {
        if w.ending_cash.p50 < lowest.0 {
            lowest = (w.ending_cash.p50, w.end);
        }
    }
    Outcome {
        lowest: lowest.0,
        lowest_on: lowest.1,
        last_week: r
            .weeks
            .last()
            .map_or(r.starting_cash, |w| w.ending_cash.p50),
        runs_out_on: r
            .weeks
            .iter()
            .find(|w| w.ending_cash.p50 < 0)
            .map(|w| w.end),
    }
}

/// The saved scenarios of `who`'s organisation, oldest first. One whose inputs no longer parse
/// (saved by an older version) is left out.
///
/// # Errors
/// A database failure.
pub async fn list(ctx: &Context, who: &OrgAccess) -> Result<Vec<Saved>, SavedError> {
    Ok(ctx
        .store
        .saved_scenarios(who.org)
        .await?
        .into_iter()
        .filter_map(|s| {
            let input = serde_json::from_slice(&s.inputs).ok()?;
            Some(Saved {
                id: s.id,
                name: s.name,
                input,
            })
        })
        .collect())
}

/// One of the organisation's saved scenarios.
///
/// # Errors
/// [`SavedError::NotFound`] when the organisation has no such scenario (or its inputs no
/// longer parse); a database failure.
pub async fn get(ctx: &Context, who: &OrgAccess, id: Uuid) -> Result<Saved, SavedError> {
    list(ctx, who)
        .await?
        .into_iter()
        .find(|s| s.id == id)
        .ok_or(SavedError::NotFound)
}

/// A saved scenario's forecast beside the baseline, both from the books as they are now.
#[derive(Debug, Clone)]
pub struct Comparison {
    pub saved: Saved,
    pub baseline: ForecastReport,
    pub with_scenario: ForecastReport,
    /// A sentence for each change the scenario makes.
    pub changes: Vec<String>,
}

/// Forecasts the books with saved scenario `id` applied, beside the baseline.
///
/// # Errors
/// [`SavedError::NotFound`] as [`get`]; [`SavedError::Invalid`] (naming the field) when the
/// scenario no longer applies to the books (say, its date has left the 13 weeks); a database
/// failure.
pub async fn compare_with_baseline(
    ctx: &Context,
    who: &OrgAccess,
    id: Uuid,
) -> Result<Comparison, SavedError> {
    let saved = get(ctx, who, id).await?;
    let input = saved.input.clone();
    let (_, result) = read_org_analysis(ctx, who, move |a| {
        forecast_of(a, &input).map(|(report, changes)| (a.forecast().clone(), report, changes))
    })
    .await?;
    let (baseline, with_scenario, changes) = result.map_err(|e| {
        FieldError::new(
            e.field,
            format!("The scenario no longer applies: {}", e.message),
        )
    })?;
    Ok(Comparison {
        saved,
        baseline,
        with_scenario,
        changes,
    })
}

/// Saves `input` by `name` once it reads against the current books (the route lets members
/// and admins only).
///
/// # Errors
/// A refused name or input (named by field), too many saved, a database failure.
#[tracing::instrument(skip_all, fields(org = %who.org, user = %who.user))]
pub async fn save(
    ctx: &Context,
    who: &OrgAccess,
    name: &str,
    input: &WhatIfInput,
    client: &Client,
) -> Result<Saved, SavedError> {
    let name = PlainName::parse(name).map_err(|e| FieldError::new("name", e.to_string()))?;
    if input.is_empty() {
        return Err(FieldError::new("name", "Fill in a change to save first.").into());
    }
    let check = input.clone();
    let (_, read_back) =
        read_org_analysis(ctx, who, move |a| read_against(a, &check).map(|_| ())).await?;
    read_back.map_err(|e| FieldError::new(e.field, e.message))?;
    if ctx.store.saved_scenarios(who.org).await?.len() >= MAX_SAVED_SCENARIOS {
        return Err(SavedError::TooMany);
    }
    let inputs = serde_json::to_vec(input)
        .map_err(|e| SavedError::Storage(StorageError::Corrupt(format!("scenario inputs: {e}"))))?;
    let saved = ctx
        .store
        .save_scenario(who.org, Some(who.user), name.as_str(), &inputs)
        .await?;
    audit::in_org(
        ctx,
        who.org,
        Some(who.user),
        "scenario.save",
        format!("scenario:{}", saved.id),
        &client.ip,
        json!({}),
    )
    .await?;
    Ok(Saved {
        id: saved.id,
        name: saved.name,
        input: input.clone(),
    })
}

/// Removes one of the organisation's saved scenarios.
///
/// # Errors
/// [`SavedError::NotFound`] when the organisation has no such scenario; a database failure.
#[tracing::instrument(skip_all, fields(org = %who.org, user = %who.user))]
pub async fn remove(
    ctx: &Context,
    who: &OrgAccess,
    id: Uuid,
    client: &Client,
) -> Result<(), SavedError> {
    ctx.store.delete_saved_scenario(who.org, id).await?;
    audit::in_org(
        ctx,
        who.org,
        Some(who.user),
        "scenario.remove",
        format!("scenario:{id}"),
        &client.ip,
        json!({}),
    )
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use flowsense_core::analytics::{default_as_of, forecast};
    use flowsense_core::{PlannedFlow, Repeat};
    use flowsense_synth::{GenConfig, generate, to_books};

    #[test]
    fn the_outcome_counts_today_and_a_planned_amount_that_empties_the_bank() {
        let mut books = to_books(&generate(&GenConfig::new(3, 2_000)).expect("books"));
        let as_of = default_as_of(&books).expect("as of");
        let base = forecast(&books, as_of);
        let o = outcome(&base);
        assert!(o.lowest <= base.starting_cash);
        assert!(base.weeks.iter().all(|w| o.lowest <= w.ending_cash.p50));
        assert_eq!(
            o.last_week,
            base.weeks.last().expect("weeks").ending_cash.p50
        );
        if o.lowest == base.starting_cash {
            assert_eq!(o.lowest_on, as_of, "today is the lowest point");
        }

        // A certain bill bigger than all the cash there is, due in the third week.
        books.planned.push(PlannedFlow {
            first: as_of + chrono::TimeDelta::days(17),
            amount: -(base.starting_cash.abs() * 3 + 1_000_000),
            repeat: Repeat::None,
            until: None,
            confidence_percent: 100,
        });
        let hit = outcome(&forecast(&books, as_of));
        let third = base.weeks[2].end;
        let earlier = o.runs_out_on.filter(|d| *d < third);
        assert_eq!(hit.runs_out_on, earlier.or(Some(third)));
        assert!(hit.lowest < 0 && hit.lowest_on >= third);
    }
}
