//! Every encrypted column, so a data-key rotation can re-encrypt all of an owner's values.
//! A new encrypted column must be listed here (the rotation test reads every one back).

use super::envelope::{self, DataKey, FieldRef, KeyScope};
use crate::Store;
use crate::args::{Arg, Sql};
use crate::error::Result;
use crate::scope::Tx;
use uuid::Uuid;

/// How a table's rows are identified in associated data.
#[derive(Debug, Clone, Copy)]
pub(crate) enum RowIdKind {
    Uuid,
    Int,
    Text,
    /// A binary key (a hash), written as lower-case hex in associated data.
    HexBytes,
}

/// One encrypted column.
#[derive(Debug, Clone, Copy)]
pub(crate) struct EncryptedColumn {
    pub table: &'static str,
    pub column: &'static str,
    pub id_column: &'static str,
    pub id_kind: RowIdKind,
}

const fn col(
    table: &'static str,
    column: &'static str,
    id_column: &'static str,
    id_kind: RowIdKind,
) -> EncryptedColumn {
    EncryptedColumn {
        table,
        column,
        id_column,
        id_kind,
    }
}

/// Columns sealed with an organisation's data key (the table has an `org_id`).
pub(crate) const ORG_ENCRYPTED_COLUMNS: &[EncryptedColumn] = &[
    col("connections", "access_token_enc", "id", RowIdKind::Uuid),
    col("connections", "refresh_token_enc", "id", RowIdKind::Uuid),
    col("conversations", "title_enc", "id", RowIdKind::Uuid),
    col("conversation_messages", "content_enc", "id", RowIdKind::Int),
    col("org_secrets", "value_enc", "name", RowIdKind::Text),
    col("pending_grants", "grant_enc", "id", RowIdKind::Uuid),
    col("pending_uploads", "content_enc", "id", RowIdKind::Uuid),
    col("planned_items", "name_enc", "id", RowIdKind::Uuid),
    col("saved_scenarios", "name_enc", "id", RowIdKind::Uuid),
    col("saved_scenarios", "inputs_enc", "id", RowIdKind::Uuid),
    col(
        "insight_narratives",
        "narratives_enc",
        "org_id",
        RowIdKind::Uuid,
    ),
    col(
        "oauth_states",
        "verifier_enc",
        "state_hash",
        RowIdKind::HexBytes,
    ),
];

/// Columns sealed with the instance data key.
pub(crate) const INSTANCE_ENCRYPTED_COLUMNS: &[EncryptedColumn] = &[
    col("users", "mfa_secret_enc", "id", RowIdKind::Uuid),
    col("instance_secrets", "value_enc", "name", RowIdKind::Text),
];

#[derive(sqlx::FromRow)]
struct UuidRow {
    id: Uuid,
    ct: Vec<u8>,
}
#[derive(sqlx::FromRow)]
struct IntRow {
    id: i64,
    ct: Vec<u8>,
}
#[derive(sqlx::FromRow)]
struct BytesRow {
    id: Vec<u8>,
    ct: Vec<u8>,
}
#[derive(sqlx::FromRow)]
struct TextRow {
    id: String,
    ct: Vec<u8>,
}

/// A row id both as the bound argument and as the text in associated data.
pub(crate) struct RowId {
    pub arg: Arg,
    pub text: String,
}

async fn sealed_values(
    tx: &mut Tx,
    c: &EncryptedColumn,
    scope: KeyScope,
) -> Result<Vec<(RowId, Vec<u8>)>> {
    let EncryptedColumn {
        table,
        column,
        id_column,
        ..
    } = *c;
    let filter = match scope {
        KeyScope::Org(_) => "org_id = $1 AND ",
        KeyScope::Instance => "",
    };
    let text = format!(
        "SELECT {id_column} AS id, {column} AS ct FROM {table} WHERE {filter}{column} IS NOT NULL"
    );
    let sql = match scope {
        KeyScope::Org(org) => Sql::new(text).arg(org),
        KeyScope::Instance => Sql::new(text),
    };
    Ok(match c.id_kind {
        RowIdKind::Uuid => tx
            .fetch_all::<UuidRow>(sql)
            .await?
            .into_iter()
            .map(|r| {
                (
                    RowId {
                        arg: Arg::Uuid(r.id),
                        text: r.id.to_string(),
                    },
                    r.ct,
                )
            })
            .collect(),
        RowIdKind::Int => tx
            .fetch_all::<IntRow>(sql)
            .await?
            .into_iter()
            .map(|r| {
                (
                    RowId {
                        arg: Arg::I64(r.id),
                        text: r.id.to_string(),
                    },
                    r.ct,
                )
            })
            .collect(),
        RowIdKind::Text => tx
            .fetch_all::<TextRow>(sql)
            .await?
            .into_iter()
            .map(|r| {
                (
                    RowId {
                        text: r.id.clone(),
                        arg: Arg::Text(r.id),
                    },
                    r.ct,
                )
            })
            .collect(),
        RowIdKind::HexBytes => tx
            .fetch_all::<BytesRow>(sql)
            .await?
            .into_iter()
            .map(|r| {
                (
                    RowId {
                        text: hex::encode(&r.id),
                        arg: Arg::Bytes(r.id),
                    },
                    r.ct,
                )
            })
            .collect(),
    })
}

impl Store {
    /// Re-encrypts every value of `scope` under `new_key`, inside `tx`. Returns how many.
    pub(crate) async fn reencrypt_all_fields(
        &self,
        tx: &mut Tx,
        scope: KeyScope,
        new_key: &DataKey,
    ) -> Result<u64> {
        let columns = match scope {
            KeyScope::Org(_) => ORG_ENCRYPTED_COLUMNS,
            KeyScope::Instance => INSTANCE_ENCRYPTED_COLUMNS,
        };
        let mut count = 0;
        for c in columns {
            for (id, ct) in sealed_values(tx, c, scope).await? {
                let field = FieldRef::new(c.table, c.column, &id.text);
                let plain = self.open_in(tx, scope, &field, &ct).await?;
                let sealed = envelope::seal_field(new_key, scope, &field, &plain)?;
                let (table, column, id_column) = (c.table, c.column, c.id_column);
                let sql = match scope {
                    KeyScope::Org(org) => Sql::new(format!(
                        "UPDATE {table} SET {column} = $1 WHERE {id_column} = $2 AND org_id = $3"
                    ))
                    .arg(sealed)
                    .arg(id.arg)
                    .arg(org),
                    KeyScope::Instance => Sql::new(format!(
                        "UPDATE {table} SET {column} = $1 WHERE {id_column} = $2"
                    ))
                    .arg(sealed)
                    .arg(id.arg),
                };
                tx.execute(sql).await?;
                count += 1;
            }
        }
        Ok(count)
    }
}
