//! What the trust centre reads from the running server, gathered once per page: each claim is a
//! function of this, so a test can build one with a feature off and see its claim change.

use crate::AppState;
use crate::headers::{content_security_policy, form_targets};
use flowsense_core::Currency;
use flowsense_service::backup::manifest::{Manifest, Verified};
use flowsense_service::identity::limits::Limit;
use flowsense_service::identity::session::SessionPolicy;
use flowsense_service::sub_processors::{SubProcessor, sub_processors};
use flowsense_storage::OrgSettings;
use flowsense_storage::crypto::KeyStatus;

use super::contact::SecurityContact;

/// The running configuration, as the claims read it.
pub(crate) struct Instance {
    /// Serving HTTPS itself.
    pub tls: bool,
    pub secure_cookies: bool,
    pub session: SessionPolicy,
    pub login_limit: Limit,
    /// The configured AI provider, described; `None`: nothing goes to any model.
    pub ai_provider: Option<String>,
    /// The providers whose signed webhooks this instance accepts.
    pub webhooks: Vec<&'static str>,
    /// The master key's state; `None` when it could not be read.
    pub keys: Option<KeyStatus>,
    pub csp: String,
    /// A new organisation's settings.
    pub defaults: OrgSettings,
    pub contact: Option<SecurityContact>,
    pub sub_processors: Vec<SubProcessor>,
    /// The scheduled backups; `None`: none are configured.
    pub backups: Option<Backups>,
    /// Single sign-on: the provider's name on the sign-in button; `None`: not configured.
    pub sso: Option<String>,
    /// Passkeys are accepted (the public URL names a domain, as WebAuthn requires).
    pub passkeys: bool,
}

/// The nightly backups and the newest one a scratch restore found whole.
pub(crate) struct Backups {
    pub keep: usize,
    pub last_verified: Option<(Manifest, Verified)>,
}

impl Instance {
    /// Reads `state` (and the key status from its database).
    pub(crate) async fn read(state: &AppState) -> Self {
        let keys = match flowsense_service::instance::key_status(state).await {
            Ok(k) => Some(k),
            Err(e) => {
                tracing::warn!(error = %flowsense_core::ErrorChain(&e), "key status unavailable for the trust center");
                None
            }
        };
        let secrets = &state.providers.webhooks;
        let webhooks = [
            ("QuickBooks", secrets.quickbooks_verifier.is_some()),
            ("Xero", secrets.xero_key.is_some()),
        ]
        .into_iter()
        .filter_map(|(name, on)| on.then_some(name))
        .collect();
        let backups = match state.backups.clone() {
            None => None,
            Some(policy) => {
                let dir = policy.dir.clone();
                let last_verified = tokio::task::spawn_blocking(move || {
                    flowsense_service::backup::last_verified(&dir)
                })
                .await
                .ok()
                .flatten();
                Some(Backups {
                    keep: policy.keep,
                    last_verified,
                })
            }
        };
        Self {
            backups,
            tls: state.deployment.tls,
            secure_cookies: state.settings.secure_cookies,
            session: state.settings.session,
            login_limit: state.settings.limits.login_per_account,
            ai_provider: state.deployment.ai_provider.clone(),
            webhooks,
            keys,
            csp: content_security_policy(&form_targets(state)),
            defaults: OrgSettings::with_currency(Currency::USD),
            contact: state.deployment.security_contact.clone(),
            sub_processors: sub_processors(state),
            sso: state.sso.as_ref().map(|s| s.display_name.clone()),
            passkeys: flowsense_service::identity::passkeys::available(state),
        }
    }
}
