//! The record each call to an AI model leaves: who asked, why, which model, which tools ran,
//! how many figures and transaction rows went out, the tokens in and out and how it ended —
//! never what was said. Read by the monthly token budget, the admin's activity list and the
//! metrics; kept 13 months.

use crate::Store;
use crate::args::sql;
use crate::error::{Result, StorageError};
use chrono::{DateTime, Utc};
use flowsense_core::{OrgId, UserId};
use uuid::Uuid;

/// Why a model was called.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AiPurpose {
    /// Insight narratives, written by a job (no user).
    Narrative,
    /// A member's question to the assistant.
    Assistant,
}

impl AiPurpose {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            AiPurpose::Narrative => "narrative",
            AiPurpose::Assistant => "assistant",
        }
    }

    fn parse(s: &str) -> Result<Self> {
        match s {
            "narrative" => Ok(AiPurpose::Narrative),
            "assistant" => Ok(AiPurpose::Assistant),
            other => Err(StorageError::Corrupt(format!(
                "unknown AI purpose {other:?}"
            ))),
        }
    }
}

/// How a call ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AiOutcome {
    Ok,
    /// The answer held a number that was not among the figures sent; it was not used.
    InventedNumber,
    /// The provider failed, or its answer could not be read.
    Failed,
    /// Not sent: the organisation's monthly token allowance was used.
    OverBudget,
}

impl AiOutcome {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            AiOutcome::Ok => "ok",
            AiOutcome::InventedNumber => "invented_number",
            AiOutcome::Failed => "failed",
            AiOutcome::OverBudget => "over_budget",
        }
    }

    fn parse(s: &str) -> Result<Self> {
        match s {
            "ok" => Ok(AiOutcome::Ok),
            "invented_number" => Ok(AiOutcome::InventedNumber),
            "failed" => Ok(AiOutcome::Failed),
            "over_budget" => Ok(AiOutcome::OverBudget),
            other => Err(StorageError::Corrupt(format!(
                "unknown AI outcome {other:?}"
            ))),
        }
    }
}

/// One call, as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AiCall {
    pub id: Uuid,
    pub org: OrgId,
    /// Who asked; `None` for a job.
    pub user: Option<UserId>,
    pub purpose: AiPurpose,
    /// `anthropic` or `openai-compatible`.
    pub provider: String,
    pub model: String,
    /// The names of the tools that ran, in order.
    pub tools: Vec<String>,
    /// Named figures sent.
    pub figures_sent: i64,
    /// Transaction rows sent (0 for narratives).
    pub rows_sent: i64,
    /// Every input token, cached or not.
    pub input_tokens: i64,
    pub output_tokens: i64,
    pub outcome: AiOutcome,
    pub created_at: DateTime<Utc>,
}

/// The tokens of every call of one purpose and model (all organisations together).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AiTokenSum {
    /// [`AiPurpose::as_str`].
    pub purpose: String,
    pub model: String,
    pub input_tokens: i64,
    pub output_tokens: i64,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: Uuid,
    org_id: Uuid,
    user_id: Option<Uuid>,
    purpose: String,
    provider: String,
    model: String,
    tools: String,
    figures_sent: i64,
    rows_sent: i64,
    input_tokens: i64,
    output_tokens: i64,
    outcome: String,
    created_at: DateTime<Utc>,
}

impl TryFrom<Row> for AiCall {
    type Error = StorageError;
    fn try_from(r: Row) -> Result<Self> {
        Ok(AiCall {
            id: r.id,
            org: OrgId(r.org_id),
            user: r.user_id.map(UserId),
            purpose: AiPurpose::parse(&r.purpose)?,
            provider: r.provider,
            model: r.model,
            tools: serde_json::from_str(&r.tools)
                .map_err(|_| StorageError::Corrupt("an AI call's tools do not read".into()))?,
            figures_sent: r.figures_sent,
            rows_sent: r.rows_sent,
            input_tokens: r.input_tokens,
            output_tokens: r.output_tokens,
            outcome: AiOutcome::parse(&r.outcome)?,
            created_at: r.created_at,
        })
    }
}

impl Store {
    /// Records one call of `call.org`.
    ///
    /// # Errors
    /// A database failure, or negative counts (refused by the table).
    pub async fn record_ai_call(&self, call: &AiCall) -> Result<()> {
        let tools = serde_json::to_string(&call.tools)
            .map_err(|_| StorageError::Corrupt("tool names do not serialise".into()))?;
        let mut tx = self.scoped(call.org).await?;
        tx.execute(
            sql!("ai_calls/record")
                .arg(call.id)
                .arg(call.org)
                .arg(call.user.map(|u| u.0))
                .arg(call.purpose.as_str())
                .arg(call.provider.as_str())
                .arg(call.model.as_str())
                .arg(tools)
                .arg(call.figures_sent)
                .arg(call.rows_sent)
                .arg(call.input_tokens)
                .arg(call.output_tokens)
                .arg(call.outcome.as_str())
                .arg(call.created_at),
        )
        .await?;
        tx.commit().await
    }

    /// Tokens in and out of `org`'s calls recorded from `since` on.
    ///
    /// # Errors
    /// A database failure.
    pub async fn ai_tokens_since(&self, org: OrgId, since: DateTime<Utc>) -> Result<i64> {
        let mut tx = self.scoped_read(org).await?;
        let (tokens,): (i64,) = tx
            .fetch_one(sql!("ai_calls/tokens_since").arg(org).arg(since))
            .await?;
        tx.commit().await?;
        Ok(tokens)
    }

    /// `org`'s latest calls, newest first, at most `limit`.
    ///
    /// # Errors
    /// A database failure, or a record that does not read back.
    pub async fn recent_ai_calls(&self, org: OrgId, limit: i64) -> Result<Vec<AiCall>> {
        let mut tx = self.scoped_read(org).await?;
        let rows: Vec<Row> = tx
            .fetch_all(sql!("ai_calls/recent").arg(org).arg(limit))
            .await?;
        tx.commit().await?;
        rows.into_iter().map(AiCall::try_from).collect()
    }

    /// How many calls every organisation made, by purpose and outcome, over the records kept
    /// (for the metrics).
    ///
    /// # Errors
    /// A database failure.
    pub async fn ai_call_counts_across_orgs(&self) -> Result<Vec<(String, String, i64)>> {
        #[derive(sqlx::FromRow)]
        struct Count {
            purpose: String,
            outcome: String,
            calls: i64,
        }
        let mut tx = self.system_read_across_orgs().await?;
        let rows: Vec<Count> = tx.fetch_all(sql!("ai_calls/counts")).await?;
        tx.commit().await?;
        Ok(rows
            .into_iter()
            .map(|r| (r.purpose, r.outcome, r.calls))
            .collect())
    }

    /// The tokens every organisation's calls took in and gave out, by purpose and model, over
    /// the records kept (for the metrics).
    ///
    /// # Errors
    /// A database failure.
    pub async fn ai_token_sums_across_orgs(&self) -> Result<Vec<AiTokenSum>> {
        let mut tx = self.system_read_across_orgs().await?;
        let rows: Vec<AiTokenSum> = tx.fetch_all(sql!("ai_calls/tokens")).await?;
        tx.commit().await?;
        Ok(rows)
    }

    /// Deletes every organisation's call records made before `cutoff` (the hourly clean-up).
    /// Returns how many went.
    ///
    /// # Errors
    /// A database failure.
    pub async fn purge_ai_calls_across_orgs(&self, cutoff: DateTime<Utc>) -> Result<u64> {
        self.system_update(sql!("cleanup/old_ai_calls").arg(cutoff))
            .await
    }
}
