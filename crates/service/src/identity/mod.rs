//! Identity: accounts, sign-in, passwords, sessions, API tokens, MFA, a user's own data, and the
//! primitives they stand on (hashing, the instance key, signed links, TOTP, rate limits).
//!
//! The callers are described by plain values ([`Caller`], [`Client`], [`RecentAuth`]) that the
//! web crate's extractors build from a request, and a worker or the CLI builds from its own.

pub mod accounts;
pub mod breached;
pub mod crypto;
pub mod limits;
pub mod links;
pub mod mfa;
pub mod notifications;
pub mod own_data;
pub mod passkeys;
pub mod password;
pub mod passwords;
pub mod session;
pub mod sessions;
pub mod setup;
pub mod shared_limits;
pub mod signup_policy;
pub mod sso;
pub mod tokens;
pub mod totp;
pub mod totp_seal;

use crate::FieldError;
use chrono::{DateTime, Utc};
use flowsense_core::UserId;
use flowsense_mail::MailError;
use flowsense_storage::{AuthView, StorageError, TokenScope, User};
use limits::RateLimited;
use password::PasswordError;
use serde::Serialize;
use uuid::Uuid;

/// Why an identity use case did not happen. The web crate maps each to its HTTP answer.
#[derive(Debug, thiserror::Error)]
pub enum IdentityError {
    #[error("the e-mail address, password or code is not correct")]
    InvalidCredentials,
    #[error("enter the code from your authenticator app")]
    SecondFactorRequired,
    #[error("this action needs a browser session, not an API token")]
    SessionRequired,
    #[error("verify your e-mail address first")]
    EmailNotVerified,
    #[error("your e-mail address is already confirmed")]
    EmailAlreadyVerified,
    #[error("confirm your password to continue")]
    ReauthenticationRequired,
    #[error("two-factor authentication is already enabled")]
    MfaAlreadyEnabled,
    #[error("start the enrolment first")]
    MfaNotPending,
    /// The user is the only admin of an organisation that has other members.
    #[error("the account is the only admin of an organisation with other members")]
    SoleAdmin,
    /// An e-mailed link that is malformed, expired, or no longer matches its user.
    #[error("the link is invalid or has expired")]
    InvalidLink,
    /// A setup token that is wrong, used, expired, or offered once the instance has a user.
    #[error("the setup token is invalid, expired or already used")]
    InvalidSetupToken,
    /// The e-mail address already has an account.
    #[error("the e-mail address is taken")]
    EmailTaken,
    /// `FLOWSENSE_SIGNUP=closed`.
    #[error("sign-up is closed on this instance")]
    SignupClosed,
    /// `FLOWSENSE_SIGNUP=invite-only` and no usable invitation for the address came with it.
    #[error("sign-up on this instance needs an invitation sent to your address")]
    InvitationRequired,
    #[error("not found")]
    NotFound,
    /// An organisation the user belongs to requires single sign-on: no password sign-in.
    #[error(
        "your organisation requires single sign-on: use the sign-in button of your identity provider"
    )]
    SsoRequired,
    #[error(transparent)]
    Invalid(#[from] FieldError),
    #[error(transparent)]
    RateLimited(#[from] RateLimited),
    #[error("cannot build the otpauth URI")]
    OtpauthUri,
    #[error(transparent)]
    Password(#[from] PasswordError),
    #[error(transparent)]
    Mail(#[from] MailError),
    #[error(transparent)]
    Storage(StorageError),
}

impl From<StorageError> for IdentityError {
    fn from(e: StorageError) -> Self {
        match e {
            StorageError::NotFound => IdentityError::NotFound,
            other => IdentityError::Storage(other),
        }
    }
}

/// How a caller proved who it is.
#[derive(Clone, Debug)]
pub enum AuthMethod {
    Session {
        id_hash: Vec<u8>,
        public_id: Uuid,
        authenticated_at: DateTime<Utc>,
        csrf_token: String,
    },
    Token {
        id: Uuid,
        scope: TokenScope,
    },
    /// A command or job on this machine acting for the user (the CLI, a worker): no session,
    /// never recently authenticated.
    Local,
}

/// A signed-in user and how they signed in.
#[derive(Clone, Debug)]
pub struct Caller {
    pub user: User,
    pub via: AuthMethod,
    /// The sign-in data as this request found it when it arrived, which the checks of its
    /// organisation and the list of the user's organisations read through. Only for requests
    /// that change nothing: a request that writes reads afresh after its own change. `None`
    /// reads the database.
    pub view: Option<AuthView>,
}

impl Caller {
    /// `user`, as a command or job on this machine acts for them.
    #[must_use]
    pub fn local(user: User) -> Self {
        Self {
            user,
            via: AuthMethod::Local,
            view: None,
        }
    }

    #[must_use]
    pub fn id(&self) -> UserId {
        self.user.id
    }

    /// Refused until the user has confirmed their address. Until then an account can read and
    /// accept the invitations sent to it, manage its own profile, and nothing more: no
    /// organisations, imports, invitations or API tokens — so a throwaway sign-up cannot relay
    /// mail or load the server.
    ///
    /// # Errors
    /// [`IdentityError::EmailNotVerified`].
    pub fn require_verified_email(&self) -> Result<(), IdentityError> {
        if self.user.email_verified_at.is_some() {
            Ok(())
        } else {
            Err(IdentityError::EmailNotVerified)
        }
    }

    /// The session's token hash; refused for token-authenticated calls.
    ///
    /// # Errors
    /// [`IdentityError::SessionRequired`].
    pub fn session_hash(&self) -> Result<&[u8], IdentityError> {
        match &self.via {
            AuthMethod::Session { id_hash, .. } => Ok(id_hash),
            AuthMethod::Token { .. } | AuthMethod::Local => Err(IdentityError::SessionRequired),
        }
    }

    /// Whether this is a session whose user proved who they are (password, and code when
    /// enrolled) within `window` before `now`. API tokens never qualify.
    #[must_use]
    pub fn authenticated_within(&self, now: DateTime<Utc>, window: chrono::TimeDelta) -> bool {
        match self.via {
            AuthMethod::Session {
                authenticated_at, ..
            } => now - authenticated_at <= window,
            AuthMethod::Token { .. } | AuthMethod::Local => false,
        }
    }

    /// The public id of the session this call came with, if it came with one.
    #[must_use]
    pub fn session_public_id(&self) -> Option<Uuid> {
        match self.via {
            AuthMethod::Session { public_id, .. } => Some(public_id),
            AuthMethod::Token { .. } | AuthMethod::Local => None,
        }
    }
}

/// Where a call comes from: the client's address and user agent (for sessions, limits and
/// audit), and the session it presented, if any (rotated out at sign-in).
#[derive(Clone, Debug)]
pub struct Client {
    pub ip: String,
    pub user_agent: String,
    pub presented_session: Option<Vec<u8>>,
}

impl Client {
    /// A caller on this machine without a network address (the CLI, a job worker).
    #[must_use]
    pub fn local(name: &str) -> Self {
        Self {
            ip: name.to_owned(),
            user_agent: name.to_owned(),
            presented_session: None,
        }
    }
}

/// Proof that the caller authenticated (password, and code when enrolled) within the session
/// policy's window. Only [`RecentAuth::check`] and a step-up make one.
#[derive(Clone, Debug)]
pub struct RecentAuth(());

impl RecentAuth {
    /// The proof, when `caller` authenticated recently enough.
    ///
    /// # Errors
    /// [`IdentityError::ReauthenticationRequired`].
    pub fn check(ctx: &crate::Context, caller: &Caller) -> Result<Self, IdentityError> {
        if caller.authenticated_within(ctx.now(), ctx.session_policy.recent_auth_window) {
            Ok(RecentAuth(()))
        } else {
            Err(IdentityError::ReauthenticationRequired)
        }
    }

    /// The proof a step-up gave: the session was just renewed by
    /// [`passwords::reauthenticate`].
    #[must_use]
    pub fn after_step_up(_renewed: &session::Issued) -> Self {
        RecentAuth(())
    }
}

/// The profile a user sees of themselves.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UserView {
    pub id: UserId,
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
