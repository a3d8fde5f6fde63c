//! The `insights.narrate` job: after an import or a sync, the top insights' figures go to the
//! model in one request, and each narrative that comes back with only given numbers in it is
//! stored (sealed) for the books version it was written for. Everything else — no provider, AI
//! off, the month's allowance used, a provider failure, a malformed answer, an invented number —
//! leaves the insight its template text.

use super::number_check::invented_numbers;
use super::prompt::{MAX_NARRATED, parse_answer, request};
use super::pseudonyms::Pseudonyms;
use super::usage::{Allowance, CallRecord, allowance, record_call};
use crate::Context;
use crate::analysis::{AnalysisError, with_shown_analysis};
use crate::insights::{Figure, FigureValue, Insight, top_insights};
use chrono::{DateTime, Utc};
use flowsense_ai::Usage;
use flowsense_core::{ErrorChain, OrgId};
use flowsense_jobs::{Job, JobError, KindOptions, Registry};
use flowsense_storage::{AiOutcome, AiPurpose, NewJob, StorageError, StoredNarratives};
use serde::{Deserialize, Serialize};

/// The job kind; payload `{}`, the job's org set.
pub const NARRATE_KIND: &str = "insights.narrate";

/// The job that narrates `org`'s insights, keyed so that one is queued at a time (a burst of
/// imports and syncs collapses into one run; the key is released once a worker takes it).
#[must_use]
pub fn narrate_job(org: OrgId, now: DateTime<Utc>) -> NewJob {
    NewJob {
        kind: NARRATE_KIND.to_owned(),
        org: Some(org),
        payload: "{}".to_owned(),
        idempotency_key: Some(format!("narrate:{org}")),
        run_at: now,
        max_attempts: 3,
    }
}

/// Queues a narrative run for `org` (or finds the one queued) when the instance has an AI
/// provider; without one there is nothing to write.
///
/// # Errors
/// A storage failure.
pub async fn enqueue(ctx: &Context, org: OrgId) -> Result<(), StorageError> {
    if ctx.providers.ai.is_none() {
        return Ok(());
    }
    ctx.store
        .enqueue_job(&narrate_job(org, ctx.now()), ctx.now())
        .await
        .map(|_| ())
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Narrated {
    /// The instance has no AI provider.
    NoProvider,
    /// The organisation turned AI off.
    AiOff,
    /// No insight to narrate.
    NothingToSay,
    /// The narratives stored were written for these very books.
    UpToDate,
    /// This month's allowance is used; nothing was sent.
    OverBudget,
    /// The provider failed or answered out of shape; nothing was stored.
    Failed,
    /// Stored: how many insights got a narrative, and how many went back to their template
    /// for an invented number.
    Written { narrated: usize, invented: usize },
}

/// What a run stores, sealed: each narrated insight with its narrative (or none) and figures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct StoredSet {
    pub items: Vec<StoredItem>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct StoredItem {
    pub kind: String,
    pub title: String,
    pub text: Option<String>,
    pub figures: Vec<Figure>,
}

/// Errors that make the job try again later.
#[derive(Debug, thiserror::Error)]
pub enum NarrateError {
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error(transparent)]
    Analysis(#[from] AnalysisError),
}

/// The figures as they leave: names replaced by pseudonyms when `pseudonyms` is given.
fn outgoing(figures: &[Figure], pseudonyms: Option<&mut Pseudonyms>) -> Vec<Figure> {
    let Some(p) = pseudonyms else {
        return figures.to_vec();
    };
    figures
        .iter()
        .map(|f| match &f.value {
            FigureValue::Name { who } => Figure::name(&f.name, &p.pseudonym(who)),
            _ => f.clone(),
        })
        .collect()
}

fn names(figures: &[Figure]) -> Vec<String> {
    figures
        .iter()
        .filter_map(|f| match &f.value {
            FigureValue::Name { who } => Some(who.clone()),
            _ => None,
        })
        .collect()
}

/// Narrates `org`'s top insights now.
///
/// # Errors
/// A storage or analysis failure (the job retries).
#[tracing::instrument(skip_all, fields(%org))]
pub async fn narrate_org(ctx: &Context, org: OrgId) -> Result<Narrated, NarrateError> {
    let Some(model) = ctx.providers.ai.clone() else {
        return Ok(Narrated::NoProvider);
    };
    let organisation = ctx.store.org(org).await?;
    if !organisation.settings.ai_enabled {
        return Ok(Narrated::AiOff);
    }
    let books_version = organisation.books_version;
    if ctx
        .store
        .narratives(org)
        .await?
        .is_some_and(|n| n.books_version == books_version)
    {
        return Ok(Narrated::UpToDate);
    }
    let currency = organisation.settings.base_currency;
    let mut insights = with_shown_analysis(ctx, &organisation, top_insights).await?;
    insights.truncate(MAX_NARRATED);
    if insights.is_empty() {
        return Ok(Narrated::NothingToSay);
    }
    let info = model.info();
    let record = |figures_sent: usize, usage: Usage, outcome: AiOutcome| CallRecord {
        org,
        user: None,
        purpose: AiPurpose::Narrative,
        model: info.clone(),
        tools: Vec::new(),
        figures_sent,
        rows_sent: 0,
        usage,
        outcome,
    };
    if let Allowance::Used { .. } = allowance(ctx, org).await? {
        record_call(ctx, record(0, Usage::default(), AiOutcome::OverBudget)).await?;
        return Ok(Narrated::OverBudget);
    }
    let mut pseudonyms = organisation
        .settings
        .redact_names
        .then(|| Pseudonyms::for_org(&ctx.key, org));
    let sent: Vec<(&Insight, Vec<Figure>)> = insights
        .iter()
        .map(|i| (i, outgoing(&i.figures, pseudonyms.as_mut())))
        .collect();
    let figures_sent = sent.iter().map(|(_, f)| f.len()).sum();
    let answer = match model.complete(&request(&sent, currency.as_str())).await {
        Ok(answer) => answer,
        Err(e) => {
            tracing::warn!(error = %e, "the model did not answer; insights keep their templates");
            record_call(
                ctx,
                record(figures_sent, Usage::default(), AiOutcome::Failed),
            )
            .await?;
            return Ok(Narrated::Failed);
        }
    };
    let texts = match parse_answer(&answer.text(), sent.len()) {
        Ok(texts) => texts,
        Err(e) => {
            tracing::warn!(error = %e, "the model's answer was refused; insights keep their templates");
            record_call(ctx, record(figures_sent, answer.usage, AiOutcome::Failed)).await?;
            return Ok(Narrated::Failed);
        }
    };
    let mut invented = 0;
    let mut items = Vec::with_capacity(sent.len());
    for ((insight, figures), text) in sent.iter().zip(texts) {
        let mut allowed_names = names(figures);
        allowed_names.extend(names(&insight.figures));
        let text = text.filter(|t| {
            let found = invented_numbers(t, figures, &allowed_names);
            if !found.is_empty() {
                invented += 1;
            }
            found.is_empty()
        });
        items.push(StoredItem {
            kind: insight.kind.to_owned(),
            title: insight.title.clone(),
            text: text.map(|t| match &pseudonyms {
                Some(p) => p.restore(&t),
                None => t,
            }),
            figures: insight.figures.clone(),
        });
    }
    let narrated = items.iter().filter(|i| i.text.is_some()).count();
    let content = serde_json::to_vec(&StoredSet { items })
        .map_err(|_| StorageError::Corrupt("narratives do not serialise".into()))?;
    ctx.store
        .save_narratives(&StoredNarratives {
            org,
            books_version,
            provider: info.provider.to_owned(),
            model: if answer.model.is_empty() {
                info.model.clone()
            } else {
                answer.model.clone()
            },
            content,
            written_at: ctx.now(),
        })
        .await?;
    let outcome = if invented > 0 {
        tracing::warn!(
            invented,
            "a narrative held a number that was not among its figures; its template text stays"
        );
        AiOutcome::InventedNumber
    } else {
        AiOutcome::Ok
    };
    record_call(ctx, record(figures_sent, answer.usage, outcome)).await?;
    Ok(Narrated::Written { narrated, invented })
}

/// Registers [`NARRATE_KIND`] (on demand).
pub fn register(registry: &mut Registry, ctx: &Context) {
    let ctx = ctx.clone();
    registry.register(
        NARRATE_KIND,
        KindOptions {
            max_attempts: 3,
            schedule: None,
        },
        move |job: Job| {
            let ctx = ctx.clone();
            async move {
                let org = job
                    .org
                    .ok_or_else(|| JobError::permanent("a narrative job needs its organisation"))?;
                match narrate_org(&ctx, org).await {
                    Ok(outcome) => {
                        tracing::info!(?outcome, "insight narratives run");
                        Ok(())
                    }
                    Err(NarrateError::Storage(StorageError::NotFound)) => Ok(()),
                    Err(e) => {
                        tracing::warn!(error = %ErrorChain(&e), "insight narratives failed");
                        Err(JobError::retry("the narratives could not be written"))
                    }
                }
            }
        },
    );
}
