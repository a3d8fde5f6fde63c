//! The outside providers this instance is registered with: one client per accounting provider
//! and the AI model, built once from the operator's configuration, `None` where none is
//! configured (then nothing can connect to it or be sent to it, and the pages say so).

use crate::ai::usage::MonthlyTokens;
use crate::billing::Billing;
use crate::connections::WebhookSecrets;
use flowsense_ai::ChatModel;
use flowsense_integrations::quickbooks::QuickBooks;
use flowsense_integrations::xero::Xero;
use std::sync::Arc;

/// The instance's provider clients. Cheap to clone.
#[derive(Clone, Default)]
pub struct Providers {
    pub quickbooks: Option<Arc<QuickBooks>>,
    pub xero: Option<Arc<Xero>>,
    /// The AI model (`None`: no provider configured; nothing is sent to any model).
    pub ai: Option<Arc<dyn ChatModel>>,
    /// Tokens each organisation may use a month (`FLOWSENSE_AI_MONTHLY_TOKENS`).
    pub ai_monthly_tokens: MonthlyTokens,
    /// The secrets that sign the providers' webhooks (none unless configured).
    pub webhooks: WebhookSecrets,
    /// Billing with Stripe (off unless `STRIPE_SECRET_KEY` is set).
    pub billing: Billing,
}

impl std::fmt::Debug for Providers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Providers")
            .field("quickbooks", &self.quickbooks.is_some())
            .field("xero", &self.xero.is_some())
            .field("ai", &self.ai.as_ref().map(|m| m.info()))
            .field("ai_monthly_tokens", &self.ai_monthly_tokens)
            .field("webhooks", &self.webhooks)
            .field("billing", &self.billing)
            .finish()
    }
}
