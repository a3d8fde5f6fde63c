//! An organisation's data as a whole (SPEC §6): the admin's complete JSON export, streamed so a
//! million transactions never sit in memory, and the deletion of everything with its key.

use super::{OrgAccess, OrgError};
use crate::identity::Client;
use crate::sub_processors::{SubProcessor, sub_processors};
use crate::{Context, FieldError, audit};
use bytes::Bytes;
use chrono::{DateTime, Utc};
use flowsense_core::{OrgId, UserId};
use flowsense_storage::{
    ExportedTransaction, MemberDetail, OrgSettings, OrgTables, Rule, StorageError, Store,
};
use futures_util::Stream;
use serde::{Deserialize, Serialize};
use serde_json::json;

/// Transactions per chunk of the streamed export.
const EXPORT_BATCH_ROWS: usize = 2_000;

/// Names the document's shape; bump the version when a field changes meaning.
pub const ORG_EXPORT_FORMAT: &str = "flowsense-organisation-export";
pub const ORG_EXPORT_VERSION: u32 = 1;

/// What the export deliberately leaves out, stated in the document itself.
const NOT_INCLUDED: [&str; 1] = [
    "secrets: password hashes, session, API token and invitation token hashes, TOTP secrets, \
     OAuth tokens and the providers' tenant ids, data keys",
];

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ExportedOrg {
    pub id: OrgId,
    pub slug: String,
    pub name: String,
    pub created_at: DateTime<Utc>,
}

/// An organisation's whole export: everything it holds but secrets, the transactions last.
// Its JSON Schema is generated from this type. The transactions are streamed: the rest is
// written with none, then they follow.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OrganisationExport {
    /// Where this document's JSON Schema is served.
    #[serde(rename = "$schema")]
    pub schema: String,
    pub format: String,
    pub version: u32,
    pub exported_at: DateTime<Utc>,
    pub exported_by: UserId,
    pub organisation: ExportedOrg,
    pub settings: OrgSettings,
    pub members: Vec<MemberDetail>,
    #[serde(flatten)]
    pub tables: OrgTables,
    /// What the owner expects to come in or go out, as the forecast page keeps them.
    pub planned_items: Vec<ExportedPlanned>,
    /// The what-ifs kept to compare, with the form's inputs.
    pub saved_scenarios: Vec<ExportedScenario>,
    /// The owner's rules that name or classify matching transactions.
    pub category_rules: Vec<Rule>,
    /// The outside services this instance sends data to, as the trust centre lists them.
    pub sub_processors: Vec<SubProcessor>,
    pub not_included: Vec<String>,
    /// Every transaction, oldest id first.
    // Must stay the last field: it is streamed.
    pub transactions: Vec<ExportedTransaction>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ExportedPlanned {
    pub id: uuid::Uuid,
    pub name: String,
    #[serde(flatten)]
    pub flow: flowsense_core::planned::PlannedFlow,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ExportedScenario {
    pub id: uuid::Uuid,
    pub name: String,
    /// The inputs as saved (JSON).
    pub inputs: serde_json::Value,
    pub created_at: DateTime<Utc>,
}

/// A streamed export: a file name for the download and the JSON document's bytes.
pub struct Export {
    pub file_name: String,
    pub body: Box<dyn Stream<Item = Result<Bytes, std::io::Error>> + Send + Unpin>,
}

/// The organisation's complete export (admins, with recent authentication). Audited before the
/// first byte leaves.
///
/// # Errors
/// When the organisation cannot be read; a failure later in the stream aborts the download
/// (the document is then visibly incomplete JSON).
#[tracing::instrument(skip_all, fields(org = %who.org, user = %who.user))]
pub async fn export(ctx: &Context, who: &OrgAccess, client: &Client) -> Result<Export, OrgError> {
    audit::in_org(
        ctx,
        who.org,
        Some(who.user),
        "org.exported",
        format!("org:{}", who.org),
        &client.ip,
        json!({"format": "json"}),
    )
    .await?;
    let org = ctx.store.org(who.org).await?;
    let members = ctx.store.member_details(who.org).await?;
    let tables = ctx.store.export_org_tables(who.org).await?;
    let planned_items = ctx
        .store
        .planned_items(who.org)
        .await?
        .into_iter()
        .map(|p| ExportedPlanned {
            id: p.id,
            name: p.name,
            flow: p.flow,
            created_at: p.created_at,
        })
        .collect();
    let saved_scenarios = ctx
        .store
        .saved_scenarios(who.org)
        .await?
        .into_iter()
        .map(|s| ExportedScenario {
            id: s.id,
            name: s.name,
            inputs: serde_json::from_slice(&s.inputs).unwrap_or(serde_json::Value::Null),
            created_at: s.created_at,
        })
        .collect();
    let category_rules = ctx.store.rules(who.org).await?;
    let now = ctx.now();
    let head = OrganisationExport {
        schema: format!(
            "{}{}",
            ctx.public_url,
            crate::export_schema::ORG_EXPORT_SCHEMA_PATH
        ),
        format: ORG_EXPORT_FORMAT.to_owned(),
        version: ORG_EXPORT_VERSION,
        exported_at: now,
        exported_by: who.user,
        organisation: ExportedOrg {
            id: org.id,
            slug: org.slug.clone(),
            name: org.name.clone(),
            created_at: org.created_at,
        },
        settings: org.settings.clone(),
        members,
        tables,
        planned_items,
        saved_scenarios,
        category_rules,
        sub_processors: sub_processors(ctx),
        not_included: NOT_INCLUDED.map(str::to_owned).to_vec(),
        transactions: Vec::new(),
    };
    let mut first = serde_json::to_vec(&head).map_err(OrgError::Export)?;
    // Reopen the transactions array, written empty and last, to stream them into it.
    if !first.ends_with(b"\"transactions\":[]}") {
        return Err(OrgError::Export(serde::ser::Error::custom(
            "the transactions are not the export's last field",
        )));
    }
    first.truncate(first.len() - 2);
    Ok(Export {
        file_name: format!("flowsense-{}-{}.json", org.slug, now.format("%Y%m%d")),
        body: Box::new(transactions_after(ctx.store.clone(), who.org, first)),
    })
}

/// `head`, then the transactions as JSON array elements, then the closing `]}`.
fn transactions_after(
    store: Store,
    org: OrgId,
    head: Vec<u8>,
) -> impl Stream<Item = Result<Bytes, std::io::Error>> + Send + Unpin {
    type Batch = Result<Vec<ExportedTransaction>, StorageError>;
    let (tx, rx) = tokio::sync::mpsc::channel::<Batch>(2);
    tokio::spawn(async move {
        // An empty batch marks the end, so a reader that stops early is told apart from one
        // that finished.
        let end = match store.stream_transactions(org, EXPORT_BATCH_ROWS, &tx).await {
            Ok(_) => Ok(Vec::new()),
            Err(e) => Err(e),
        };
        let _ = tx.send(end).await;
    });
    struct State {
        head: Option<Vec<u8>>,
        rx: tokio::sync::mpsc::Receiver<Batch>,
        first_row: bool,
        done: bool,
    }
    let state = State {
        head: Some(head),
        rx,
        first_row: true,
        done: false,
    };
    Box::pin(futures_util::stream::unfold(state, |mut s| async move {
        if let Some(head) = s.head.take() {
            return Some((Ok(Bytes::from(head)), s));
        }
        if s.done {
            return None;
        }
        let chunk = match s.rx.recv().await {
            Some(Ok(batch)) if batch.is_empty() => {
                s.done = true;
                Ok(Bytes::from_static(b"]}"))
            }
            Some(Ok(batch)) => {
                let mut buf = Vec::with_capacity(batch.len() * 256);
                for t in &batch {
                    if !s.first_row {
                        buf.push(b',');
                    }
                    s.first_row = false;
                    if let Err(e) = serde_json::to_writer(&mut buf, t) {
                        s.done = true;
                        return Some((Err(std::io::Error::other(e)), s));
                    }
                }
                Ok(Bytes::from(buf))
            }
            Some(Err(e)) => {
                tracing::error!(error = %flowsense_core::ErrorChain(&e), "the organisation export failed while streaming");
                s.done = true;
                Err(std::io::Error::other("the export failed"))
            }
            None => {
                tracing::error!("the organisation export stopped before its end");
                s.done = true;
                Err(std::io::Error::other("the export stopped"))
            }
        };
        Some((chunk, s))
    }))
}

/// The confirmation a deletion needs: the organisation's name, typed.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeleteInput {
    pub confirm: String,
}

/// Deletes the organisation with every row it owns, its data key first (crypto-shredding),
/// after asking QuickBooks and Xero to end its grants, and queues the deletion of its Stripe
/// customer (billing on). The organisation's own audit log goes
/// with it, so the deletion is recorded in the server
/// log (ids only) before and after. Returns the deleted organisation's name.
///
/// # Errors
/// 422 when the typed name does not match.
#[tracing::instrument(skip_all, fields(org = %who.org, user = %who.user))]
pub async fn delete(
    ctx: &Context,
    who: &OrgAccess,
    input: &DeleteInput,
) -> Result<String, OrgError> {
    let org = ctx.store.org(who.org).await?;
    if input.confirm.trim() != org.name.trim() {
        return Err(FieldError::new(
            "confirm",
            "type the organisation's name exactly as shown to confirm",
        )
        .into());
    }
    tracing::warn!(org_id = %who.org, actor = %who.user, "deleting an organisation at its admin's request");
    let revoked = crate::connections::revoke_all_of_org(ctx, who.org).await?;
    tracing::info!(org_id = %who.org, revoked, "the providers ended the organisation's grants");
    crate::billing::delete_org_and_its_customer(ctx, who.org).await?;
    tracing::warn!(org_id = %who.org, actor = %who.user, "organisation deleted with its data key");
    Ok(org.name)
}

/// Most transactions one download holds.
pub const MAX_EXPORT_TRANSACTIONS: usize = 100_000;

/// Every transaction `filter` matches (its cursor and limit aside), in the list's order, for a
/// download; `None` when more than [`MAX_EXPORT_TRANSACTIONS`] match.
///
/// # Errors
/// A database failure.
#[tracing::instrument(skip_all, fields(org = %who.org, user = %who.user))]
pub async fn transactions_to_export(
    ctx: &Context,
    who: &OrgAccess,
    filter: &flowsense_storage::TxnFilter,
) -> Result<Option<Vec<flowsense_storage::StoredTransaction>>, OrgError> {
    let mut filter = flowsense_storage::TxnFilter {
        cursor: None,
        limit: 500,
        ..filter.clone()
    };
    let mut rows = Vec::new();
    loop {
        let page = transactions(ctx, who, &filter).await?;
        rows.extend(page.items);
        if rows.len() > MAX_EXPORT_TRANSACTIONS {
            return Ok(None);
        }
        match page
            .next_cursor
            .as_deref()
            .and_then(flowsense_storage::TxnCursor::decode)
        {
            Some(c) => filter.cursor = Some(c),
            None => return Ok(Some(rows)),
        }
    }
}

/// One page of the organisation's transactions, filtered as asked, no further back than the
/// organisation's plan shows (older ones are kept).
///
/// # Errors
/// A database failure.
#[tracing::instrument(skip_all, fields(org = %who.org, user = %who.user))]
pub async fn transactions(
    ctx: &Context,
    who: &OrgAccess,
    filter: &flowsense_storage::TxnFilter,
) -> Result<flowsense_storage::TxnPage, OrgError> {
    let mut filter = filter.clone();
    if let Some(start) = crate::billing::history_start(ctx, who.org).await? {
        filter.from = Some(filter.from.map_or(start, |from| from.max(start)));
    }
    let org = super::lifecycle::organisation_as_checked(ctx, who).await?;
    Ok(ctx.store.list_transactions_of(&org, &filter).await?)
}
