//! The profile's forms, typed: each page action reads its own struct, leniently, so that a
//! missing field becomes a message on the page rather than a rejection.

use super::step_up::Proof;
use axum::Form;
use axum::extract::rejection::FormRejection;
use serde::Deserialize;

/// A form read leniently: a missing or malformed field is an empty value (and so a message on
/// the page), never a rejection.
pub(crate) fn lenient<T: Default>(form: Result<Form<T>, FormRejection>) -> T {
    form.map(|Form(f)| f).unwrap_or_default()
}

/// The password change form.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct PasswordForm {
    pub(crate) current_password: String,
    pub(crate) new_password: String,
    /// `on` when the box to revoke every API token too was ticked.
    pub(crate) revoke_tokens: Option<String>,
}

/// A form naming one of the user's sessions (by its public id) or tokens.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct SessionChoice {
    pub(crate) session: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct TokenChoice {
    pub(crate) token: String,
}

/// The notifications form: for each organisation it showed, `shown-<org>`, and `digest-<org>`
/// when its box was ticked.
#[derive(Debug, Default, Deserialize)]
#[serde(transparent)]
pub(crate) struct DigestChoices(Vec<(String, String)>);

impl DigestChoices {
    fn has(&self, key: &str) -> bool {
        self.0.iter().any(|(k, _)| k == key)
    }

    /// `Some(wanted)` for an organisation the form showed, `None` for one it did not.
    pub(crate) fn weekly_digest(&self, org: flowsense_core::OrgId) -> Option<bool> {
        self.has(&format!("shown-{org}"))
            .then(|| self.has(&format!("digest-{org}")))
    }
}

/// A profile form whose only fields are the step-up's (MFA enrolment and removal, the export).
#[derive(Debug, Default, Deserialize)]
pub(crate) struct StepUpForm {
    #[serde(flatten)]
    pub(crate) proof: Proof,
}

/// The first code from the authenticator app, which turns MFA on.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct MfaCodeForm {
    #[serde(default)]
    pub(crate) code: String,
    #[serde(flatten)]
    pub(crate) proof: Proof,
}

/// A new API token: its name, scope (`read` or `write`) and lifetime in days, as typed.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct NewTokenForm {
    #[serde(default)]
    pub(crate) name: String,
    #[serde(default)]
    pub(crate) scope: String,
    #[serde(default)]
    pub(crate) expires_in_days: String,
    #[serde(flatten)]
    pub(crate) proof: Proof,
}

/// Deleting the account: the address typed again to confirm.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct DeleteAccountForm {
    #[serde(default)]
    pub(crate) confirm_email: String,
    #[serde(flatten)]
    pub(crate) proof: Proof,
}
