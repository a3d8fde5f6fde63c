//! The small JSON answers several handlers share, typed so the OpenAPI document describes
//! exactly what is sent.

use flowsense_core::FlowClass;
use flowsense_service::identity::UserView;
use flowsense_storage::Rule;
use serde::Serialize;
use utoipa::ToSchema;

/// What happened, when nothing else is to be said.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct StatusAnswer {
    /// `check_your_email` (sign-up, reset request: an e-mail is on its way if the address is
    /// known), `verified` or `password_changed`.
    #[schema(pattern = "^(check_your_email|verified|password_changed)$")]
    pub status: &'static str,
}

/// A new session: its cookie is set, and state-changing calls made with it carry this token in
/// `X-CSRF-Token`.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct SignedInAnswer {
    pub csrf_token: String,
    pub user: UserView,
}

/// A renewed session (its cookie is set again) and its CSRF token.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct CsrfAnswer {
    pub csrf_token: String,
}

/// Two-factor authentication is on: the one-time recovery codes (shown once) and the renewed
/// session's CSRF token.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct RecoveryCodesAnswer {
    pub recovery_codes: Vec<String>,
    pub csrf_token: String,
}

/// How many sessions were ended.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct RevokedAnswer {
    pub revoked: u64,
}

/// Where to send the admin's browser (the same browser session) to give consent.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct AuthorizeUrlAnswer {
    pub authorize_url: String,
}

/// The job that was queued.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct JobAnswer {
    pub job_id: i64,
}

/// A corrected transaction as the reports now see it, the source's own values beside it, and
/// the rule made of the correction (with `always`).
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct CorrectedAnswer {
    pub id: i64,
    pub category: String,
    pub counterparty: String,
    pub class: FlowClass,
    pub source_category: String,
    pub source_counterparty: String,
    pub rule: Option<Rule>,
    pub past_transactions_changed: u64,
}

/// A new rule and how many earlier transactions it changed.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct RuleCreatedAnswer {
    pub rule: Rule,
    pub past_transactions_changed: u64,
}
