//! Sealing and opening field values: the store-level API and its in-transaction forms.

use super::envelope::{self, FieldRef, KeyScope, OrgSealer};
use crate::Store;
use crate::error::Result;
use crate::scope::{Reads, Tx};
use flowsense_core::OrgId;
use zeroize::Zeroizing;

impl Store {
    pub(crate) async fn seal_in(
        &self,
        tx: &mut Tx,
        scope: KeyScope,
        field: &FieldRef<'_>,
        plaintext: &[u8],
    ) -> Result<Vec<u8>> {
        let key = self.data_key_for_sealing(tx, scope, 1).await?;
        Ok(envelope::seal_field(&key, scope, field, plaintext)?)
    }

    pub(crate) async fn open_in(
        &self,
        tx: &mut impl Reads,
        scope: KeyScope,
        field: &FieldRef<'_>,
        ciphertext: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>> {
        let version = envelope::key_version_of(ciphertext)?;
        let key = self.data_key_version(tx, scope, version).await?;
        Ok(envelope::open_field(&key, scope, field, ciphertext)?)
    }

    /// Seals `plaintext` for one field of `org` with the organisation's current data key.
    ///
    /// # Errors
    /// `Crypto(NoKeyring)` without a keyring, `Crypto(DataKeyGone)` for a deleted organisation,
    /// or a database failure.
    pub async fn seal(
        &self,
        org: OrgId,
        field: &FieldRef<'_>,
        plaintext: &[u8],
    ) -> Result<Vec<u8>> {
        let mut tx = self.scoped(org).await?;
        let sealed = self
            .seal_in(&mut tx, KeyScope::Org(org), field, plaintext)
            .await?;
        tx.commit().await?;
        Ok(sealed)
    }

    /// Opens a value sealed for one field of `org`.
    ///
    /// # Errors
    /// `Crypto(Undecryptable)` when it was tampered with or belongs to another row, column or
    /// organisation; `Crypto(DataKeyGone)` when its key was destroyed.
    pub async fn open_field(
        &self,
        org: OrgId,
        field: &FieldRef<'_>,
        ciphertext: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>> {
        let mut tx = self.scoped_read(org).await?;
        let plain = self
            .open_in(&mut tx, KeyScope::Org(org), field, ciphertext)
            .await?;
        tx.commit().await?;
        Ok(plain)
    }

    /// Seals a value that belongs to no organisation (e.g. a TOTP secret) with the instance key.
    ///
    /// # Errors
    /// As [`Store::seal`].
    pub async fn seal_instance(&self, field: &FieldRef<'_>, plaintext: &[u8]) -> Result<Vec<u8>> {
        let mut tx = self.begin().await?;
        let sealed = self
            .seal_in(&mut tx, KeyScope::Instance, field, plaintext)
            .await?;
        tx.commit().await?;
        Ok(sealed)
    }

    /// Opens a value sealed with [`Store::seal_instance`].
    ///
    /// # Errors
    /// As [`Store::open_field`].
    pub async fn open_instance_field(
        &self,
        field: &FieldRef<'_>,
        ciphertext: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>> {
        let mut tx = self.begin_read().await?;
        let plain = self
            .open_in(&mut tx, KeyScope::Instance, field, ciphertext)
            .await?;
        tx.commit().await?;
        Ok(plain)
    }

    /// A sealer holding `org`'s current data key, for bulk writes without a key lookup per
    /// value. It may seal up to `seals` values, counted against the key now (rotating it first
    /// when they would pass its cap). Do not keep it across a data-key rotation.
    ///
    /// # Errors
    /// As [`Store::seal`].
    pub async fn org_sealer(&self, org: OrgId, seals: u64) -> Result<OrgSealer> {
        let mut tx = self.scoped(org).await?;
        let key = self
            .data_key_for_sealing(&mut tx, KeyScope::Org(org), seals)
            .await?;
        tx.commit().await?;
        Ok(OrgSealer {
            org,
            key,
            reserved: seals,
            left: std::sync::Arc::new(std::sync::atomic::AtomicU64::new(seals)),
        })
    }
}
