//! What imports an organisation has run: the history shown next to the upload form.

use crate::Store;
use crate::args::sql;
use crate::error::Result;
use chrono::{DateTime, Utc};
use flowsense_core::OrgId;
use serde::Serialize;

/// One committed import (a failed one leaves no record: it rolled back whole).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct ImportRecord {
    pub id: i64,
    pub file_name: String,
    pub format: String,
    pub rows_read: i64,
    pub rows_added: i64,
    pub created_at: DateTime<Utc>,
    /// Who uploaded it; absent for operator imports and deleted accounts.
    pub created_by_email: Option<String>,
}

impl Store {
    /// The organisation's newest imports, at most `limit`.
    ///
    /// # Errors
    /// On a database failure.
    pub async fn recent_imports(&self, org: OrgId, limit: u32) -> Result<Vec<ImportRecord>> {
        let mut tx = self.scoped_read(org).await?;
        let rows = tx
            .fetch_all(
                sql!("import_history/recent")
                    .arg(org)
                    .arg(i64::from(limit.clamp(1, 1000))),
            )
            .await?;
        tx.commit().await?;
        Ok(rows)
    }

    /// One import of the organisation; `None` for another organisation's id, like a missing one.
    ///
    /// # Errors
    /// On a database failure.
    pub async fn import_record(&self, org: OrgId, id: i64) -> Result<Option<ImportRecord>> {
        let mut tx = self.scoped_read(org).await?;
        let row = tx
            .fetch_optional(sql!("import_history/one").arg(org).arg(id))
            .await?;
        tx.commit().await?;
        Ok(row)
    }
}
