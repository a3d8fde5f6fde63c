//! Secrets of the installation itself, created once and sealed with the instance data key.

use crate::Store;
use crate::args::sql;
use crate::crypto::FieldRef;
use crate::error::{Result, StorageError};
use chrono::Utc;
use zeroize::Zeroizing;

impl Store {
    /// The 32-byte secret called `name`, created at random on first use. Every instance of a
    /// deployment sharing the database gets the same value.
    ///
    /// # Errors
    /// Without a keyring, or on a database failure.
    pub async fn instance_secret(&self, name: &str) -> Result<Zeroizing<[u8; 32]>> {
        let field = FieldRef {
            table: "instance_secrets",
            column: "value_enc",
            row: name,
        };
        let mut fresh = Zeroizing::new([0u8; 32]);
        getrandom::fill(fresh.as_mut_slice()).map_err(|_| {
            StorageError::Config("the system random number generator failed".into())
        })?;
        let sealed = self.seal_instance(&field, fresh.as_slice()).await?;
        let mut tx = self.begin().await?;
        // A concurrent first start may insert first; then everyone reads the winner.
        tx.execute(
            sql!("instance_secrets/insert_if_new")
                .arg(name)
                .arg(sealed)
                .arg(Utc::now()),
        )
        .await?;
        let (stored,): (Vec<u8>,) = tx.fetch_one(sql!("instance_secrets/get").arg(name)).await?;
        tx.commit().await?;
        let plain = self.open_instance_field(&field, &stored).await?;
        let mut out = Zeroizing::new([0u8; 32]);
        if plain.len() != 32 {
            return Err(StorageError::Corrupt(format!(
                "instance secret {name} has the wrong length"
            )));
        }
        out.copy_from_slice(&plain);
        Ok(out)
    }
}
