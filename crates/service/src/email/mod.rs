//! Every e-mail FlowSense sends is an `email.send` job: the use case enqueues a [`Message`] in the
//! transaction of the change that causes it (a sign-up, an invitation, a password change), and a
//! worker renders and delivers it. A mail server that is down delays the message; it never fails
//! the request, and a request that fails sends nothing.
//!
//! A message names only ids and counts (operators read job payloads). Whatever secret it carries
//! — a signed confirmation or reset link, an invitation token — is derived when it is sent, so no
//! secret is ever stored in the queue.

mod texts;

use crate::Context;
use crate::identity::crypto::{b64url, hmac_sha256};
use chrono::{DateTime, Utc};
use flowsense_core::{ErrorChain, OrgId, UserId};
use flowsense_jobs::{Job, JobError, KindOptions, Registry};
use flowsense_mail::Email;
use flowsense_storage::{NewJob, Revoked, StorageError};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The job kind that delivers one [`Message`].
pub const EMAIL_SEND: &str = "email.send";

/// Attempts before a message is given up. With the queue's backoff (10 s doubling, at most an
/// hour, jittered between half and all of it) the eleven waits add up to 1.7–3.4 hours, so a
/// mail server that is down for an hour or two loses nothing.
pub const EMAIL_ATTEMPTS: i64 = 12;

/// One e-mail to send, by what it is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "message", rename_all = "snake_case")]
pub enum Message {
    /// The link that confirms a new account's address.
    VerifyEmail { user: UserId },
    /// Someone tried to sign up with this account's address.
    AccountExists { user: UserId },
    /// A link to choose a new password.
    PasswordReset { user: UserId },
    /// The password was changed or reset, and what that revoked.
    PasswordChanged {
        user: UserId,
        how: PasswordEvent,
        revoked: Revoked,
    },
    /// An invitation to join an organisation.
    Invitation {
        org: OrgId,
        invitation: Uuid,
        inviter: UserId,
    },
}

/// How a password came to change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PasswordEvent {
    Changed,
    Reset,
}

impl Message {
    /// The job that sends this message, due at `now`.
    #[must_use]
    pub fn job(&self, now: DateTime<Utc>) -> NewJob {
        let org = match self {
            Message::Invitation { org, .. } => Some(*org),
            _ => None,
        };
        NewJob {
            kind: EMAIL_SEND.into(),
            org,
            payload: serde_json::to_string(self).unwrap_or_default(),
            idempotency_key: None,
            run_at: now,
            max_attempts: EMAIL_ATTEMPTS,
        }
    }
}

/// Enqueues `message` on its own (for e-mail that no write causes: a reset link, a resend).
///
/// # Errors
/// On a database failure.
pub async fn enqueue(ctx: &Context, message: &Message) -> Result<(), StorageError> {
    ctx.store
        .enqueue_job(&message.job(ctx.now()), ctx.now())
        .await?;
    Ok(())
}

/// The token mailed with an invitation: the organisation's id (so acceptance can look the
/// invitation up inside that tenant) and a MAC of the invitation's id under the instance key.
/// Only its SHA-256 is stored; the worker derives it again to send it.
#[must_use]
pub fn invitation_token(ctx: &Context, org: OrgId, invitation: Uuid) -> String {
    let mut raw = org.0.as_bytes().to_vec();
    raw.extend_from_slice(&hmac_sha256(
        &ctx.key.subkey("invitation-token"),
        &[invitation.as_bytes()],
    ));
    b64url(&raw)
}

/// Renders and delivers one message. A message whose subject has gone (a deleted account, an
/// invitation accepted or revoked meanwhile, an address confirmed meanwhile) is not sent.
///
/// # Errors
/// [`JobError::Retryable`] for a mail server or database that may recover; permanent when the
/// mail server refuses the message for good.
#[tracing::instrument(skip_all, fields(job = %job.id))]
pub async fn deliver(ctx: &Context, job: &Job) -> Result<(), JobError> {
    let message: Message = job.payload()?;
    let Some(email) = texts::compose(ctx, &message).await.map_err(|e| {
        tracing::warn!(error = %ErrorChain(&e), "an e-mail could not be composed");
        JobError::retry("the database could not be read to compose the e-mail")
    })?
    else {
        tracing::info!("nothing to send any more");
        return Ok(());
    };
    send(ctx, &email).await
}

/// Hands a composed message to the mailer, classifying its failure for the queue. The error
/// stored with the job names neither the address nor the content.
///
/// # Errors
/// As [`deliver`].
pub async fn send(ctx: &Context, email: &Email) -> Result<(), JobError> {
    ctx.mailer.send(email).await.map_err(|e| {
        tracing::warn!(error = %ErrorChain(&e), "e-mail delivery failed");
        if e.is_transient() {
            JobError::retry("the mail server did not take the message; retrying")
        } else {
            JobError::permanent("the mail server refused the message")
        }
    })
}

/// Registers [`EMAIL_SEND`].
pub fn register(registry: &mut Registry, ctx: &Context) {
    let ctx = ctx.clone();
    let options = KindOptions {
        max_attempts: EMAIL_ATTEMPTS,
        schedule: None,
    };
    registry.register(EMAIL_SEND, options, move |job: Job| {
        let ctx = ctx.clone();
        async move { deliver(&ctx, &job).await }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_payload_names_ids_and_counts_only() {
        let user = UserId(Uuid::nil());
        let message = Message::PasswordChanged {
            user,
            how: PasswordEvent::Reset,
            revoked: Revoked {
                sessions: 2,
                tokens: 1,
                pending_mfa: false,
            },
        };
        let job = message.job(Utc::now());
        assert_eq!(job.kind, EMAIL_SEND);
        assert_eq!(
            job.payload,
            r#"{"message":"password_changed","user":"00000000-0000-0000-0000-000000000000","how":"reset","revoked":{"sessions":2,"tokens":1,"pending_mfa":false}}"#
        );
        let back: Message = serde_json::from_str(&job.payload).expect("payload");
        assert_eq!(back, message);
    }
}
