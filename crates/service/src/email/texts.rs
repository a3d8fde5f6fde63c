//! The wording of each [`Message`], as a notice rendered twice: plain text and HTML (escaped by
//! the template), the action as a link in the one and a button in the other.

use super::{Message, PasswordEvent, invitation_token};
use crate::Context;
use crate::identity::links::{LinkPurpose, sign_link};
use askama::Template;
use flowsense_mail::Email;
use flowsense_storage::{Revoked, StorageError, User};

/// A message's content before it is rendered.
struct Notice {
    subject: String,
    before: Vec<String>,
    action: Option<Action>,
    after: Vec<String>,
}

struct Action {
    label: &'static str,
    url: String,
}

#[derive(Template)]
#[template(path = "email/notice.txt")]
struct TextPart<'a> {
    n: &'a Notice,
}

#[derive(Template)]
#[template(path = "email/notice.html")]
struct HtmlPart<'a> {
    n: &'a Notice,
}

/// The e-mail for `message`, or `None` when there is no longer anything to send.
///
/// # Errors
/// On a database failure.
pub(super) async fn compose(
    ctx: &Context,
    message: &Message,
) -> Result<Option<Email>, StorageError> {
    let Some((to, notice)) = notice(ctx, message).await? else {
        return Ok(None);
    };
    let text = TextPart { n: &notice }.render();
    let html = HtmlPart { n: &notice }.render();
    match (text, html) {
        (Ok(text), Ok(html)) => Ok(Some(Email::text(to, notice.subject, text).with_html(html))),
        (Err(e), _) | (_, Err(e)) => Err(StorageError::Corrupt(format!(
            "an e-mail template failed: {e}"
        ))),
    }
}

/// A user who still exists.
async fn user(ctx: &Context, id: flowsense_core::UserId) -> Result<Option<User>, StorageError> {
    match ctx.store.user(id).await {
        Ok(user) => Ok(Some(user)),
        Err(StorageError::NotFound) => Ok(None),
        Err(e) => Err(e),
    }
}

async fn notice(
    ctx: &Context,
    message: &Message,
) -> Result<Option<(String, Notice)>, StorageError> {
    let url = &ctx.public_url;
    Ok(Some(match message {
        Message::VerifyEmail { user: id } => {
            let Some(user) = user(ctx, *id)
                .await?
                .filter(|u| u.email_verified_at.is_none())
            else {
                return Ok(None);
            };
            let token = sign_link(ctx, &user, LinkPurpose::VerifyEmail);
            let notice = Notice {
                subject: "Confirm your e-mail address for FlowSense".into(),
                before: vec![format!(
                    "Hello {},\n\nConfirm your address by opening this link (valid 48 hours).",
                    user.display_name
                )],
                action: Some(Action {
                    label: "Confirm my address",
                    url: ctx.page_link("/verify-email", &token),
                }),
                after: vec!["If you did not sign up, ignore this message.".into()],
            };
            (user.email, notice)
        }
        Message::AccountExists { user: id } => {
            let Some(user) = user(ctx, *id).await? else {
                return Ok(None);
            };
            let notice = Notice {
                subject: "You already have a FlowSense account".into(),
                before: vec![
                    "Someone tried to sign up with this address, which already has an account."
                        .into(),
                    format!("If it was you, sign in at {url}/login, or choose a new password:"),
                ],
                action: Some(Action {
                    label: "Reset my password",
                    url: format!("{url}/reset-password"),
                }),
                after: vec!["If it was not you, no action is needed.".into()],
            };
            (user.email, notice)
        }
        Message::PasswordReset { user: id } => {
            let Some(user) = user(ctx, *id).await? else {
                return Ok(None);
            };
            let token = sign_link(ctx, &user, LinkPurpose::ResetPassword);
            let notice = Notice {
                subject: "Reset your FlowSense password".into(),
                before: vec![
                    "Open this link within an hour to choose a new password (it works once)."
                        .into(),
                ],
                action: Some(Action {
                    label: "Choose a new password",
                    url: ctx.page_link("/reset-password", &token),
                }),
                after: vec![
                    "If you did not ask for this, ignore this message; your password is unchanged."
                        .into(),
                ],
            };
            (user.email, notice)
        }
        Message::PasswordChanged {
            user: id,
            how,
            revoked,
        } => {
            let Some(user) = user(ctx, *id).await? else {
                return Ok(None);
            };
            let how = match how {
                PasswordEvent::Changed => "changed",
                PasswordEvent::Reset => "reset",
            };
            let notice = Notice {
                subject: format!("Your FlowSense password was {how}"),
                before: vec![
                    format!(
                        "Hello {},\n\nThe password of your FlowSense account was {how}. To keep the account safe:",
                        user.display_name
                    ),
                    what_was_revoked(revoked),
                    format!("Your profile lists your sessions and tokens: {url}/app/profile"),
                ],
                action: None,
                after: vec![format!(
                    "If this was not you, reset your password now at {url}/reset-password and tell your organisation's admin."
                )],
            };
            (user.email, notice)
        }
        Message::Invitation {
            org,
            invitation,
            inviter,
        } => {
            let inv = match ctx.store.invitation(*org, *invitation).await {
                Ok(inv) if inv.accepted_at.is_none() && inv.expires_at > ctx.now() => inv,
                Ok(_) | Err(StorageError::NotFound) => return Ok(None),
                Err(e) => return Err(e),
            };
            let org_name = ctx.store.org(*org).await?.name;
            let inviter = user(ctx, *inviter)
                .await?
                .map_or_else(|| "An admin".to_owned(), |u| u.display_name);
            let days = (inv.expires_at - inv.created_at).num_days();
            let notice = Notice {
                subject: format!("You are invited to {org_name} on FlowSense"),
                before: vec![format!(
                    "{inviter} invited you to join {org_name} as {}.\nAccept within {days} days, signed in with this address.",
                    inv.role
                )],
                action: Some(Action {
                    label: "Accept the invitation",
                    url: ctx.page_link(
                        "/invitations/accept",
                        &invitation_token(ctx, *org, *invitation),
                    ),
                }),
                after: vec!["If you did not expect this, ignore this message.".into()],
            };
            (inv.email, notice)
        }
    }))
}

fn what_was_revoked(revoked: &Revoked) -> String {
    let mut lines = vec![format!(
        "- {} signed out (every browser and device has to sign in again)",
        plural(revoked.sessions, "session"),
    )];
    lines.push(if revoked.tokens > 0 {
        format!(
            "- {} revoked (scripts using them must get new ones)",
            plural(revoked.tokens, "personal API token")
        )
    } else {
        "- no personal API tokens were revoked".to_owned()
    });
    if revoked.pending_mfa {
        lines.push("- an unfinished two-factor set-up was cancelled".to_owned());
    }
    lines.join("\n")
}

fn plural(n: u64, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}
