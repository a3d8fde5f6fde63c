//! What a digest's reader can do with it outside the job: follow its one-click unsubscribe link
//! (no sign-in; the signed token is the authority) and, signed in, preview the next one.
//!
//! Unsubscribing turns off that member's weekly digest from that one organisation, exactly as
//! unticking it on the profile page does (where it can be turned back on); their digests from
//! other organisations go on.

use super::{
    DigestLinks, RenderError, UnsubscribePurpose, compose_digest, digest_links,
    render_digest_preview, verify_unsubscribe, with_narratives,
};
use crate::Context;
use crate::analysis::{AnalysisError, with_shown_analysis};
use crate::orgs::OrgAccess;
use flowsense_core::{OrgId, UserId};
use flowsense_storage::{NotificationPrefs, StorageError};

/// Why an unsubscribe link or a preview could not be served.
#[derive(Debug, thiserror::Error)]
pub enum DigestError {
    /// Tampered with, truncated, or signed by another instance.
    #[error("the unsubscribe link is not valid")]
    InvalidLink,
    /// The member left the organisation, or it was deleted.
    #[error("not found")]
    NotFound,
    #[error(transparent)]
    Storage(StorageError),
    #[error(transparent)]
    Analysis(#[from] AnalysisError),
    #[error(transparent)]
    Render(#[from] RenderError),
}

impl From<StorageError> for DigestError {
    fn from(e: StorageError) -> Self {
        match e {
            StorageError::NotFound => DigestError::NotFound,
            other => DigestError::Storage(other),
        }
    }
}

/// The key unsubscribe tokens are signed with: the instance key's own subkey for them.
pub(crate) fn unsubscribe_key(ctx: &Context) -> [u8; 32] {
    ctx.key.subkey("unsubscribe")
}

/// The one-click unsubscribe link that `user`'s digests from `org` carry.
#[must_use]
pub fn unsubscribe_link(ctx: &Context, user: UserId, org: OrgId) -> String {
    digest_links(&ctx.public_url, &unsubscribe_key(ctx), user, org).unsubscribe_url
}

/// Whom a link unsubscribes from what, as its page shows it.
#[derive(Debug, Clone)]
pub struct UnsubscribeTarget {
    pub org_name: String,
    /// The address, partly hidden (`a•••@example.com`): enough for its owner to recognise.
    pub email_hint: String,
    /// Whether the digest is still on (before the change, for [`unsubscribe`]).
    pub subscribed: bool,
}

/// Who and what `token` unsubscribes, changing nothing.
///
/// # Errors
/// [`DigestError::InvalidLink`] for a token not signed here; [`DigestError::NotFound`] when
/// its member has left the organisation or it is gone.
#[tracing::instrument(skip_all)]
pub async fn unsubscribe_target(
    ctx: &Context,
    token: &str,
) -> Result<UnsubscribeTarget, DigestError> {
    let (user, org) = verified(ctx, token)?;
    target(ctx, user, org).await
}

/// Turns off the weekly digest that `token` was mailed with (RFC 8058 one-click: no session,
/// no CSRF token; the signature is the authority). Doing it twice changes nothing more.
///
/// # Errors
/// As [`unsubscribe_target`]; nothing is changed then.
#[tracing::instrument(skip_all)]
pub async fn unsubscribe(ctx: &Context, token: &str) -> Result<UnsubscribeTarget, DigestError> {
    let (user, org) = verified(ctx, token)?;
    let before = target(ctx, user, org).await?;
    let off = NotificationPrefs {
        weekly_digest: false,
    };
    ctx.store
        .set_notification_prefs(org, user, off, ctx.now())
        .await?;
    tracing::info!(%org, %user, "unsubscribed from the weekly digest");
    Ok(before)
}

async fn target(ctx: &Context, user: UserId, org: OrgId) -> Result<UnsubscribeTarget, DigestError> {
    let prefs = ctx.store.notification_prefs(org, user).await?;
    let org_name = ctx.store.org(org).await?.name;
    let email = ctx.store.user(user).await?.email;
    Ok(UnsubscribeTarget {
        org_name,
        email_hint: hint(&email),
        subscribed: prefs.weekly_digest,
    })
}

fn verified(ctx: &Context, token: &str) -> Result<(UserId, OrgId), DigestError> {
    let t = verify_unsubscribe(&unsubscribe_key(ctx), token).ok_or(DigestError::InvalidLink)?;
    match t.purpose {
        UnsubscribePurpose::WeeklyDigest => Ok((t.user, t.org)),
    }
}

/// `ana@example.com` → `a•••@example.com`.
fn hint(email: &str) -> String {
    match email.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}•••@{domain}")
        }
        None => "•••".to_owned(),
    }
}

/// The HTML part of the digest `who` would receive from their organisation now, standalone (the
/// chart as a `data:` URI), rendered by the same templates as the message.
///
/// # Errors
/// A database failure; a template or chart that fails to render.
#[tracing::instrument(skip_all, fields(org = %who.org, user = %who.user))]
pub async fn preview(ctx: &Context, who: &OrgAccess) -> Result<String, DigestError> {
    let org = ctx.store.org(who.org).await?;
    let (id, slug, name) = (org.id, org.slug.clone(), org.name.clone());
    let digest =
        with_shown_analysis(ctx, &org, move |a| compose_digest(a, id, &slug, &name)).await?;
    let digest = with_narratives(ctx, &org, digest).await?;
    let links: DigestLinks = digest_links(&ctx.public_url, &unsubscribe_key(ctx), who.user, id);
    Ok(render_digest_preview(&digest, &links)?)
}

#[cfg(test)]
mod tests {
    #[test]
    fn addresses_are_hinted_not_shown() {
        assert_eq!(super::hint("ana@example.com"), "a•••@example.com");
        assert_eq!(super::hint("élise@exemple.fr"), "é•••@exemple.fr");
        assert_eq!(super::hint("nobody"), "•••");
    }
}
