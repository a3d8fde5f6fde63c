//! Organisations: creation, members and invitations, settings, the audit log, export and
//! deletion. Every function acts for an [`OrgAccess`]: a user's checked standing in one
//! organisation.

pub mod data;
pub mod first_run;
pub mod invitations;
pub mod lifecycle;
pub mod members;
pub mod settings;

use crate::identity::{Caller, IdentityError};
use crate::{Context, FieldError};
use flowsense_core::{OrgId, Role, UserId};
use flowsense_mail::MailError;
use flowsense_storage::{Organisation, StorageError};
use std::sync::Arc;

/// A signed-in user's standing in one organisation, checked against their membership (the web
/// crate's `Viewer`, `Member` and `Admin` extractors build one per request).
#[derive(Clone, Debug)]
pub struct OrgAccess {
    pub org: OrgId,
    pub user: UserId,
    pub role: Role,
    pub current: Caller,
    /// The organisation as the check read it (with its membership, in one statement), for a
    /// read-only answer in the same request to use instead of reading it again; `None` when
    /// built otherwise. Anything that changes the organisation reads it afresh.
    pub checked: Option<Arc<Organisation>>,
}

impl OrgAccess {
    /// `caller`'s standing in `org`, if it allows `needed`. Any organisation the caller does not
    /// belong to — missing or someone else's — is not found alike.
    ///
    /// # Errors
    /// [`OrgError::EmailNotVerified`], [`OrgError::NotFound`], [`OrgError::MfaRequired`] when
    /// the organisation requires MFA and the caller has none, [`OrgError::RoleTooLow`].
    pub async fn check(
        ctx: &Context,
        caller: Caller,
        org: OrgId,
        needed: Role,
    ) -> Result<OrgAccess, OrgError> {
        caller.require_verified_email()?;
        let (role, organisation) = match &caller.view {
            Some(view) => view.role_and_org(org, caller.id()).await?,
            // Boxed: a request that writes reads afresh; the query's large future is not
            // carried by every read's.
            None => Box::pin(ctx.store.role_and_org(org, caller.id()))
                .await?
                .map(|(role, o)| (role, Arc::new(o))),
        }
        .ok_or(OrgError::NotFound)?;
        if !caller.user.mfa_enabled && organisation.settings.mfa_required {
            return Err(OrgError::MfaRequired);
        }
        if !role.allows(needed) {
            return Err(OrgError::RoleTooLow);
        }
        Ok(OrgAccess {
            org,
            user: caller.id(),
            role,
            current: caller,
            checked: Some(organisation),
        })
    }
}

/// Why an organisation use case did not happen. The web crate maps each to its HTTP answer.
#[derive(Debug, thiserror::Error)]
pub enum OrgError {
    #[error("not found")]
    NotFound,
    #[error(transparent)]
    Invalid(#[from] FieldError),
    /// The slug belongs to another organisation (on the `slug` field).
    #[error("that organisation slug is taken")]
    SlugTaken,
    /// The change would leave the organisation without an admin.
    #[error("an organisation must keep at least one admin")]
    LastAdmin,
    #[error("this invitation was sent to another e-mail address")]
    InvitationEmailMismatch,
    #[error("this invitation has already been used")]
    InvitationUsed,
    #[error("this invitation has expired")]
    InvitationExpired,
    #[error("verify your e-mail address first")]
    EmailNotVerified,
    #[error("this organisation requires two-factor authentication; enable it first")]
    MfaRequired,
    /// The caller's role in the organisation does not allow this.
    #[error("you are not allowed to do this")]
    RoleTooLow,
    /// The organisation sent its invitations for the day.
    #[error("too many invitations; try again later")]
    TooManyInvitations { retry_after_secs: u64 },
    /// The organisation's plan allows no more members.
    #[error(transparent)]
    PlanLimit(#[from] crate::billing::PlanLimitReached),
    #[error("could not write the export")]
    Export(#[source] serde_json::Error),
    #[error(transparent)]
    Mail(#[from] MailError),
    #[error(transparent)]
    Storage(StorageError),
    /// Any other refusal of an identity check on the way (answered as the identity use case
    /// would answer it).
    #[error(transparent)]
    Identity(IdentityError),
}

impl OrgError {
    /// The form field the refusal is about, so a page can show it there.
    #[must_use]
    pub fn field(&self) -> Option<&'static str> {
        match self {
            OrgError::Invalid(f) => Some(f.field),
            OrgError::SlugTaken => Some("slug"),
            _ => None,
        }
    }
}

impl From<StorageError> for OrgError {
    fn from(e: StorageError) -> Self {
        match e {
            StorageError::NotFound => OrgError::NotFound,
            other => OrgError::Storage(other),
        }
    }
}

impl From<IdentityError> for OrgError {
    /// Only the refusals an organisation use case can meet through an identity check.
    fn from(e: IdentityError) -> Self {
        match e {
            IdentityError::EmailNotVerified => OrgError::EmailNotVerified,
            IdentityError::NotFound => OrgError::NotFound,
            IdentityError::Invalid(f) => OrgError::Invalid(f),
            IdentityError::Storage(s) => OrgError::Storage(s),
            IdentityError::Mail(m) => OrgError::Mail(m),
            other => OrgError::Identity(other),
        }
    }
}
