//! The insights as the pages, the API and the digest show them: each with the model's
//! narrative when one was written for the books as they are now, else its template text, and
//! what the AI state of the organisation is (who wrote them, or why templates are shown).

use super::narrate::StoredSet;
use super::usage::{Allowance, allowance};
use crate::Context;
use crate::insights::Insight;
use chrono::{DateTime, NaiveDate, Utc};
use flowsense_storage::{Organisation, StorageError};

/// Where an insight's text comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextSource {
    Model,
    Template,
}

impl TextSource {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            TextSource::Model => "model",
            TextSource::Template => "template",
        }
    }
}

/// One insight with the text to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShownInsight {
    pub insight: Insight,
    /// The narrative, or the template's detail.
    pub text: String,
    pub source: TextSource,
}

/// Who wrote the narratives shown, and for which books.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrittenBy {
    pub provider: String,
    pub model: String,
    pub books_version: i64,
    pub written_at: DateTime<Utc>,
}

/// The insights to show, with the organisation's AI state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShownInsights {
    pub items: Vec<ShownInsight>,
    /// Set when at least one narrative of the current books is shown.
    pub written_by: Option<WrittenBy>,
    /// Set when this month's AI allowance is used: the day it renews.
    pub allowance_renews_on: Option<NaiveDate>,
}

impl ShownInsights {
    /// The sentence the pages show when the allowance is used.
    #[must_use]
    pub fn allowance_message(&self) -> Option<String> {
        self.allowance_renews_on.map(Allowance::message)
    }
}

/// `insights` (computed from `org`'s books at `org.books_version`) with the narratives written
/// for that version. Narratives of older books, of an organisation that turned AI off, or of
/// an instance without a provider are not shown.
///
/// # Errors
/// A database failure, or stored narratives that do not open.
pub async fn shown_insights(
    ctx: &Context,
    org: &Organisation,
    insights: Vec<Insight>,
) -> Result<ShownInsights, StorageError> {
    let ai_on = ctx.providers.ai.is_some() && org.settings.ai_enabled;
    let stored = if ai_on {
        ctx.store
            .narratives(org.id)
            .await?
            .filter(|s| s.books_version == org.books_version)
    } else {
        None
    };
    let set: Option<StoredSet> = stored
        .as_ref()
        .and_then(|s| serde_json::from_slice(&s.content).ok());
    let mut any = false;
    let items = insights
        .into_iter()
        .enumerate()
        .map(|(i, insight)| {
            let narrative = set
                .as_ref()
                .and_then(|s| s.items.get(i))
                .filter(|item| item.kind == insight.kind && item.title == insight.title)
                .and_then(|item| item.text.clone());
            any |= narrative.is_some();
            match narrative {
                Some(text) => ShownInsight {
                    insight,
                    text,
                    source: TextSource::Model,
                },
                None => ShownInsight {
                    text: insight.detail.clone(),
                    insight,
                    source: TextSource::Template,
                },
            }
        })
        .collect();
    let written_by = stored.filter(|_| any).map(|s| WrittenBy {
        provider: s.provider,
        model: s.model,
        books_version: s.books_version,
        written_at: s.written_at,
    });
    let allowance_renews_on = if ai_on {
        match allowance(ctx, org.id).await? {
            Allowance::Used { renews_on } => Some(renews_on),
            Allowance::Available { .. } => None,
        }
    } else {
        None
    };
    Ok(ShownInsights {
        items,
        written_by,
        allowance_renews_on,
    })
}
