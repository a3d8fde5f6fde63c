//! Service functions: one per use case. Handlers read input, call one of these, render.

pub mod accounts;
pub(crate) mod audit;
pub mod invitations;
pub mod members;
pub mod mfa;
pub mod notifications;
pub mod org_data;
pub mod orgs;
pub mod own_data;
pub mod passwords;
pub mod sessions;
pub mod settings;
pub mod tokens;
pub mod uploads;
pub mod whatif;

use crate::mail::Email;
use crate::{ApiError, AppState};
use flowsense_storage::User;
use serde::Serialize;

/// The profile a user sees of themselves.
#[derive(Debug, Clone, Serialize)]
pub struct UserView {
    pub id: flowsense_core::UserId,
    pub email: String,
    pub display_name: String,
    pub email_verified: bool,
    pub mfa_enabled: bool,
}

impl From<&User> for UserView {
    fn from(u: &User) -> Self {
        Self {
            id: u.id,
            email: u.email.clone(),
            display_name: u.display_name.clone(),
            email_verified: u.email_verified_at.is_some(),
            mfa_enabled: u.mfa_enabled,
        }
    }
}

/// Hands a message to the mailer off the async threads.
pub(crate) async fn send_mail(state: &AppState, email: Email) -> Result<(), ApiError> {
    let mailer = state.mailer.clone();
    tokio::task::spawn_blocking(move || mailer.send(&email))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)
}

/// A link into the product's pages.
pub(crate) fn page_link(state: &AppState, path: &str, token: &str) -> String {
    format!("{}{path}?token={token}", state.settings.public_url)
}
