//! The latest narratives written for an organisation's insights, sealed with its key (they are
//! its books in words), with the books version they were written for and who wrote them. One
//! set per organisation; each run replaces the last.

use crate::Store;
use crate::args::sql;
use crate::crypto::{FieldRef, KeyScope};
use crate::error::Result;
use chrono::{DateTime, Utc};
use flowsense_core::OrgId;
use uuid::Uuid;

const TABLE: &str = "insight_narratives";
const COLUMN: &str = "narratives_enc";

/// A set of narratives. `content` is opaque here (the service's JSON), stored sealed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredNarratives {
    pub org: OrgId,
    pub books_version: i64,
    pub provider: String,
    pub model: String,
    pub content: Vec<u8>,
    pub written_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct Row {
    org_id: Uuid,
    books_version: i64,
    provider: String,
    model: String,
    narratives_enc: Vec<u8>,
    written_at: DateTime<Utc>,
}

impl Store {
    /// Replaces the narratives of `n.org`.
    ///
    /// # Errors
    /// A database or sealing failure (the earlier set stays then).
    pub async fn save_narratives(&self, n: &StoredNarratives) -> Result<()> {
        let id = n.org.0.to_string();
        let mut tx = self.scoped(n.org).await?;
        let sealed = self
            .seal_in(
                &mut tx,
                KeyScope::Org(n.org),
                &FieldRef::new(TABLE, COLUMN, &id),
                &n.content,
            )
            .await?;
        tx.execute(
            sql!("narratives/save")
                .arg(n.org)
                .arg(n.books_version)
                .arg(n.provider.as_str())
                .arg(n.model.as_str())
                .arg(sealed)
                .arg(n.written_at),
        )
        .await?;
        tx.commit().await
    }

    /// The latest narratives of `org`, opened; `None` before the first run.
    ///
    /// # Errors
    /// A database failure, or a sealed value that does not open.
    pub async fn narratives(&self, org: OrgId) -> Result<Option<StoredNarratives>> {
        let id = org.0.to_string();
        let mut tx = self.scoped_read(org).await?;
        let row: Option<Row> = tx.fetch_optional(sql!("narratives/get").arg(org)).await?;
        let out = match row {
            Some(r) => {
                let plain = self
                    .open_in(
                        &mut tx,
                        KeyScope::Org(org),
                        &FieldRef::new(TABLE, COLUMN, &id),
                        &r.narratives_enc,
                    )
                    .await?;
                Some(StoredNarratives {
                    org: OrgId(r.org_id),
                    books_version: r.books_version,
                    provider: r.provider,
                    model: r.model,
                    content: plain.to_vec(),
                    written_at: r.written_at,
                })
            }
            None => None,
        };
        tx.commit().await?;
        Ok(out)
    }
}
