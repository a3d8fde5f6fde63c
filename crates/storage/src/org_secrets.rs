//! Per-organisation secrets (AI provider keys, webhook and signing secrets), stored only sealed
//! with the organisation's data key and bound to their name.

use crate::Store;
use crate::args::sql;
use crate::crypto::{FieldRef, KeyScope};
use crate::error::{Result, StorageError};
use chrono::Utc;
use flowsense_core::OrgId;
use secrecy::{ExposeSecret, SecretString};

const TABLE: &str = "org_secrets";
const COLUMN: &str = "value_enc";

#[derive(sqlx::FromRow)]
struct ValueRow {
    value_enc: Vec<u8>,
}

#[derive(sqlx::FromRow)]
struct NameRow {
    name: String,
}

/// Secret names are short identifiers such as `ai.anthropic_api_key` or `webhook.signing`.
fn check_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(StorageError::Config(
            "a secret name is 1-64 characters of a-z, 0-9, '.', '_' or '-'".into(),
        ))
    }
}

impl Store {
    /// Seals and stores (or replaces) the organisation's secret `name`.
    ///
    /// # Errors
    /// `Config` for a malformed name; a database failure.
    pub async fn set_org_secret(&self, org: OrgId, name: &str, value: &SecretString) -> Result<()> {
        check_name(name)?;
        let now = Utc::now();
        let mut tx = self.scoped(org).await?;
        let sealed = self
            .seal_in(
                &mut tx,
                KeyScope::Org(org),
                &FieldRef::new(TABLE, COLUMN, name),
                value.expose_secret().as_bytes(),
            )
            .await?;
        let n = tx
            .execute(
                sql!("org_secrets/update")
                    .arg(sealed.clone())
                    .arg(now)
                    .arg(org)
                    .arg(name),
            )
            .await?;
        if n == 0 {
            tx.execute(
                sql!("org_secrets/insert")
                    .arg(org)
                    .arg(name)
                    .arg(sealed)
                    .arg(now),
            )
            .await?;
        }
        tx.commit().await
    }

    /// The organisation's decrypted secret `name`, if set.
    ///
    /// # Errors
    /// `Crypto(..)` when the stored value does not decrypt.
    pub async fn org_secret(&self, org: OrgId, name: &str) -> Result<Option<SecretString>> {
        check_name(name)?;
        let mut tx = self.scoped_read(org).await?;
        let row: Option<ValueRow> = tx
            .fetch_optional(sql!("org_secrets/get").arg(org).arg(name))
            .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let plain = self
            .open_in(
                &mut tx,
                KeyScope::Org(org),
                &FieldRef::new(TABLE, COLUMN, name),
                &row.value_enc,
            )
            .await?;
        tx.commit().await?;
        let text = std::str::from_utf8(&plain)
            .map_err(|_| StorageError::Corrupt("a decrypted secret is not UTF-8".into()))?;
        Ok(Some(SecretString::from(text.to_owned())))
    }

    /// Names of the organisation's secrets (never their values), sorted.
    ///
    /// # Errors
    /// A database failure.
    pub async fn org_secret_names(&self, org: OrgId) -> Result<Vec<String>> {
        let mut tx = self.scoped_read(org).await?;
        let rows: Vec<NameRow> = tx.fetch_all(sql!("org_secrets/names").arg(org)).await?;
        tx.commit().await?;
        Ok(rows.into_iter().map(|r| r.name).collect())
    }

    /// Deletes the organisation's secret `name`; `false` when it was not set.
    ///
    /// # Errors
    /// A database failure.
    pub async fn delete_org_secret(&self, org: OrgId, name: &str) -> Result<bool> {
        let mut tx = self.scoped(org).await?;
        let n = tx
            .execute(sql!("org_secrets/delete").arg(org).arg(name))
            .await?;
        tx.commit().await?;
        Ok(n > 0)
    }
}
