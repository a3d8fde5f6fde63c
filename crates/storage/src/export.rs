//! Reading everything an organisation holds, for its admin's export (SPEC §6). Secrets stay
//! out by construction: no query here selects a hash, a token or a provider's ids. The insight
//! narratives, sealed at rest, are opened and exported as text. Assistant conversations are
//! not here: each belongs to the member who asked, and is in that member's own export.

use crate::Store;
use crate::args::{Sql, sql, sql_text};
use crate::audit::AuditEntry;
use crate::error::Result;
use crate::import_history::ImportRecord;
use crate::invitations::Invitation;
use crate::scope::Tx;
use chrono::{DateTime, NaiveDate, Utc};
use flowsense_core::OrgId;
use futures_util::TryStreamExt;
use serde::Serialize;
use uuid::Uuid;

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct ExportedAccount {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub currency: String,
    pub opening_balance_minor: i64,
    pub external_id: Option<String>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct ExportedLedgerAccount {
    pub code: String,
    pub name: String,
    pub kind: String,
    pub external_id: Option<String>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct ExportedDocument {
    pub id: i64,
    pub kind: String,
    pub number: String,
    pub counterparty: String,
    pub issue_date: NaiveDate,
    pub due_date: NaiveDate,
    pub paid_date: Option<NaiveDate>,
    pub amount_minor: i64,
    pub currency: String,
    pub source: String,
    pub external_id: String,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct ExportedRollup {
    pub month: NaiveDate,
    pub category: String,
    pub inflow_minor: i64,
    pub outflow_minor: i64,
    pub txn_count: i64,
}

/// Monthly totals of transactions purged by retention.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct ExportedFlowRollup {
    pub month: NaiveDate,
    pub account: String,
    pub category: String,
    pub counterparty: String,
    pub is_transfer: bool,
    pub inflow_minor: i64,
    pub outflow_minor: i64,
    pub inflow_count: i64,
    pub outflow_count: i64,
}

/// Weekly totals per counterparty of transactions purged by retention.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct ExportedWeekRollup {
    pub week: NaiveDate,
    pub counterparty: String,
    /// The transactions' own currency ('' for weeks rolled up before currencies were kept).
    pub currency: String,
    pub inflow_minor: i64,
    pub outflow_minor: i64,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct ExportedInsight {
    pub id: i64,
    pub kind: String,
    pub severity: String,
    pub title: String,
    /// The computed figures, as the JSON text they were stored as.
    pub figures: String,
    pub narrative: String,
    pub narrative_source: String,
    pub created_at: DateTime<Utc>,
}

/// A connection without its tokens or the provider's tenant id.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct ExportedConnection {
    pub id: Uuid,
    pub provider: String,
    pub status: String,
    pub last_synced_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// One transaction with everything stored about it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct ExportedTransaction {
    pub id: i64,
    pub account: String,
    pub posted_on: NaiveDate,
    pub amount_minor: i64,
    pub currency: String,
    pub original_amount_minor: i64,
    pub original_currency: String,
    pub counterparty: String,
    pub description: String,
    pub category: String,
    pub is_transfer: bool,
    pub source: String,
    pub external_id: String,
    pub import_id: Option<i64>,
    /// The owner's corrections (`None` where they changed nothing); reports read these first.
    pub category_override: Option<String>,
    pub counterparty_override: Option<String>,
    /// `operating`, `financing` or `transfer`.
    pub class_override: Option<String>,
}

/// The record of one call to an AI model (never its content).
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct ExportedAiCall {
    pub id: Uuid,
    pub user_id: Option<Uuid>,
    pub purpose: String,
    pub provider: String,
    pub model: String,
    /// The names of the tools that ran, as the JSON array stored.
    pub tools: String,
    pub figures_sent: i64,
    pub rows_sent: i64,
    pub input_tokens: i64,
    pub output_tokens: i64,
    pub outcome: String,
    pub created_at: DateTime<Utc>,
}

/// The latest insight narratives, opened.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ExportedNarratives {
    pub books_version: i64,
    pub provider: String,
    pub model: String,
    /// Each narrated insight with its text and figures.
    pub narratives: serde_json::Value,
    pub written_at: DateTime<Utc>,
}

/// Everything of an organisation except its transactions (which are streamed).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OrgTables {
    pub bank_accounts: Vec<ExportedAccount>,
    pub ledger_accounts: Vec<ExportedLedgerAccount>,
    pub documents: Vec<ExportedDocument>,
    pub monthly_rollups: Vec<ExportedRollup>,
    pub monthly_flow_rollups: Vec<ExportedFlowRollup>,
    pub weekly_counterparty_rollups: Vec<ExportedWeekRollup>,
    pub insights: Vec<ExportedInsight>,
    pub connections: Vec<ExportedConnection>,
    /// The organisation's own exchange rates (the installation's reference rates are no
    /// organisation's data).
    pub exchange_rates: Vec<crate::rates::StoredRate>,
    /// Column mappings saved for its bank accounts.
    pub mapping_presets: Vec<crate::MappingPreset>,
    pub imports: Vec<ImportRecord>,
    pub invitations: Vec<Invitation>,
    pub audit_events: Vec<AuditEntry>,
    pub ai_calls: Vec<ExportedAiCall>,
    pub insight_narratives: Option<ExportedNarratives>,
}

impl Store {
    /// Every table of the organisation but its transactions, read in one transaction.
    ///
    /// # Errors
    /// On a database failure.
    pub async fn export_org_tables(&self, org: OrgId) -> Result<OrgTables> {
        let mut tx = self.scoped_read(org).await?;
        let q = |sql: Sql| sql.arg(org);
        let bank_accounts = tx.fetch_all(q(sql!("export/bank_accounts"))).await?;
        let ledger_accounts = tx.fetch_all(q(sql!("export/ledger_accounts"))).await?;
        let documents = tx.fetch_all(q(sql!("export/documents"))).await?;
        let monthly_rollups = tx.fetch_all(q(sql!("books/rollups"))).await?;
        let monthly_flow_rollups = tx.fetch_all(q(sql!("export/flow_rollups"))).await?;
        let weekly_counterparty_rollups = tx.fetch_all(q(sql!("books/week_rollups"))).await?;
        let insights = tx.fetch_all(q(sql!("export/insights"))).await?;
        let connections = tx.fetch_all(q(sql!("export/connections"))).await?;
        let imports = tx.fetch_all(sql!("export/imports").arg(org)).await?;
        let mapping_presets = tx.fetch_all(q(sql!("export/mapping_presets"))).await?;
        let ai_calls = tx.fetch_all(q(sql!("export/ai_calls"))).await?;
        let rates: Vec<crate::rates::RateRow> =
            tx.fetch_all(q(sql!("export/exchange_rates"))).await?;
        let exchange_rates = rates
            .into_iter()
            .map(crate::rates::RateRow::into_stored)
            .collect::<Result<_>>()?;
        tx.commit().await?;
        Ok(OrgTables {
            bank_accounts,
            ledger_accounts,
            documents,
            monthly_rollups,
            monthly_flow_rollups,
            weekly_counterparty_rollups,
            insights,
            connections,
            exchange_rates,
            mapping_presets,
            imports,
            invitations: self.all_invitations(org).await?,
            audit_events: self.all_audit_entries(org).await?,
            ai_calls,
            insight_narratives: self.exported_narratives(org).await?,
        })
    }

    /// Streams the organisation's transactions, oldest id first, in batches of `batch_rows`
    /// through `out`, from one read transaction (a consistent snapshot). Stops early, without
    /// error, when the receiver goes away. Returns how many rows were sent.
    ///
    /// # Errors
    /// On a database failure; the caller tells the receiver.
    pub async fn stream_transactions(
        &self,
        org: OrgId,
        batch_rows: usize,
        out: &tokio::sync::mpsc::Sender<Result<Vec<ExportedTransaction>>>,
    ) -> Result<u64> {
        let batch_rows = batch_rows.max(1);
        let mut tx = self.scoped_read(org).await?;
        let mut batch = Vec::with_capacity(batch_rows);
        let mut sent = 0u64;
        // The same loop on each backend: sqlx's streams are typed by database.
        macro_rules! drain {
            ($conn:expr) => {{
                let mut rows =
                    sqlx::query_as::<_, ExportedTransaction>(sql_text!("export/transactions"))
                        .bind(org.0)
                        .fetch($conn);
                while let Some(row) = rows.try_next().await? {
                    batch.push(row);
                    if batch.len() == batch_rows {
                        sent += batch.len() as u64;
                        let full = std::mem::replace(&mut batch, Vec::with_capacity(batch_rows));
                        if out.send(Ok(full)).await.is_err() {
                            return Ok(sent);
                        }
                    }
                }
            }};
        }
        match tx.backend() {
            Tx::Sqlite(t) => drain!(&mut **t),
            Tx::Pg(t) => drain!(&mut **t),
        }
        if !batch.is_empty() {
            sent += batch.len() as u64;
            if out.send(Ok(batch)).await.is_err() {
                return Ok(sent);
            }
        }
        tx.commit().await?;
        Ok(sent)
    }

    async fn exported_narratives(&self, org: OrgId) -> Result<Option<ExportedNarratives>> {
        Ok(self.narratives(org).await?.map(|n| ExportedNarratives {
            books_version: n.books_version,
            provider: n.provider,
            model: n.model,
            narratives: serde_json::from_slice(&n.content).unwrap_or(serde_json::Value::Null),
            written_at: n.written_at,
        }))
    }

    async fn all_audit_entries(&self, org: OrgId) -> Result<Vec<AuditEntry>> {
        let mut entries = Vec::new();
        let mut before = None;
        loop {
            let page = self
                .audit_page(
                    org,
                    &crate::audit::AuditFilter {
                        action: None,
                        before,
                        limit: 500,
                    },
                )
                .await?;
            entries.extend(page.items);
            match page.next_cursor.and_then(|c| c.parse().ok()) {
                Some(next) => before = Some(next),
                None => return Ok(entries),
            }
        }
    }
}
