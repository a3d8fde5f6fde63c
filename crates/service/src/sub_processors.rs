//! The outside services this instance sends data to, read from what it is actually wired to
//! (the AI model, the accounting providers, Stripe for billing, the mail relay), never from a list kept by hand. The
//! trust centre shows the list, and every organisation export carries it.

use crate::Context;
use serde::Serialize;

/// One outside service that receives data from this instance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct SubProcessor {
    /// A stable key: `ai`, `quickbooks`, `xero`, `stripe` or `smtp`.
    pub kind: &'static str,
    /// Who it is, as configured (provider, model and host where known).
    pub name: String,
    /// What this instance sends it.
    pub data_sent: &'static str,
    /// Where an organisation, a user or the operator stops it.
    pub turn_off: &'static str,
}

/// Every outside service `ctx` sends data to; empty when it sends nothing anywhere.
#[must_use]
pub fn sub_processors(ctx: &Context) -> Vec<SubProcessor> {
    let mut list = Vec::new();
    if let Some(model) = &ctx.providers.ai {
        let info = model.info();
        let who = match info.provider {
            "anthropic" => "Anthropic",
            _ => "OpenAI-compatible model server",
        };
        list.push(SubProcessor {
            kind: "ai",
            name: format!("{who}, model {}, at {}", info.model, info.host),
            data_sent: "Computed figures for insight narratives; an assistant question with the \
                        results of tools scoped to the asker's organisation and role (counterparty \
                        names as pseudonyms when the organisation asks)",
            turn_off: "An organisation: the AI switch in its settings. The operator: \
                       FLOWSENSE_AI_PROVIDER=none",
        });
    }
    if ctx.providers.quickbooks.is_some() {
        list.push(SubProcessor {
            kind: "quickbooks",
            name: "Intuit QuickBooks Online".to_owned(),
            data_sent: "For a connected organisation only: the OAuth grant and read requests for \
                        its accounts and transactions; nothing is written back",
            turn_off: "An organisation: Disconnect on its Integrations page. The operator: unset \
                       QUICKBOOKS_CLIENT_ID",
        });
    }
    if ctx.providers.xero.is_some() {
        list.push(SubProcessor {
            kind: "xero",
            name: "Xero".to_owned(),
            data_sent: "For a connected organisation only: the OAuth grant and read requests for \
                        its accounts and transactions; nothing is written back",
            turn_off: "An organisation: Disconnect on its Integrations page. The operator: unset \
                       XERO_CLIENT_ID",
        });
    }
    if ctx.providers.billing.enabled() {
        list.push(SubProcessor {
            kind: "stripe",
            name: "Stripe (payments)".to_owned(),
            data_sent: "For an organisation that subscribes: its id and name and the plan it \
                        chooses; card details are typed on Stripe's own pages and never pass \
                        through this instance",
            turn_off: "An organisation: cancel in the billing portal (the free plan keeps every \
                       row). The operator: unset STRIPE_SECRET_KEY",
        });
    }
    if let Some(host) = ctx.mailer.relay_host() {
        list.push(SubProcessor {
            kind: "smtp",
            name: format!("The SMTP relay at {host}"),
            data_sent: "Recipients' e-mail addresses and names, sign-in and invitation links, and \
                        the weekly digest's figures",
            turn_off: "A user: the weekly digest switch under Notifications in their profile. The \
                       operator: unset FLOWSENSE_SMTP_URL (messages then stay in the local outbox)",
        });
    }
    list
}
