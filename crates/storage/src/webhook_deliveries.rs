//! Webhook deliveries already acted on, by provider and delivery id (an event id, or the hash
//! of a body that has none), so a replayed delivery does nothing new. Instance-wide: the ids
//! are the providers', and no organisation's data is kept here.

use crate::Store;
use crate::args::sql;
use crate::error::Result;
use chrono::{DateTime, Utc};

impl Store {
    /// Records a delivery; true the first time, false for one already recorded (a replay).
    ///
    /// # Errors
    /// A database failure.
    pub async fn record_webhook_delivery(
        &self,
        provider: &str,
        delivery_id: &str,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let inserted = self
            .system_update(
                sql!("webhook_deliveries/record")
                    .arg(provider)
                    .arg(delivery_id)
                    .arg(now),
            )
            .await?;
        Ok(inserted == 1)
    }

    /// Forgets one recorded delivery, so the provider's retry of a delivery that could not be
    /// acted on is acted on.
    ///
    /// # Errors
    /// A database failure.
    pub async fn forget_webhook_delivery(&self, provider: &str, delivery_id: &str) -> Result<()> {
        self.system_update(
            sql!("webhook_deliveries/forget")
                .arg(provider)
                .arg(delivery_id),
        )
        .await
        .map(|_| ())
    }

    /// Forgets deliveries recorded before `before` (past every provider's retry window).
    ///
    /// # Errors
    /// A database failure.
    pub async fn purge_webhook_deliveries(&self, before: DateTime<Utc>) -> Result<u64> {
        self.system_update(sql!("webhook_deliveries/purge").arg(before))
            .await
    }
}
