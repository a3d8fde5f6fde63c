//! The weekly digest's content: [`compose_digest`] turns an organisation's [`Analysis`] into a
//! typed [`Digest`] (once per organisation and week), [`render_digest`] turns it into one
//! member's [`Email`] with a text and an HTML part, the cash chart inline and a signed one-click
//! unsubscribe link ([`sign_unsubscribe`] / [`verify_unsubscribe`]). The jobs ([`register`]:
//! `digest.weekly`, `digest.send`) choose who receives it and send it; [`unsubscribe`] is what
//! the one-click link does, and [`preview`] the profile page's look at the next digest.
//!
//! [`Analysis`]: crate::analysis::Analysis
//! [`Email`]: flowsense_mail::Email

mod chart;
mod compose;
mod jobs;
mod opt_out;
mod render;
mod unsubscribe;

pub use chart::{CHART_HEIGHT, CHART_WIDTH, ChartError, cash_chart_png};
pub use compose::{
    CHART_WEEKS, CashChart, Digest, MAX_UPCOMING, UPCOMING_DAYS, USUAL_WEEKS, Upcoming,
    UpcomingKind, WeekFlows, compose_digest, with_narratives,
};
pub use jobs::{DIGEST_SCHEDULE, DIGEST_SEND, DIGEST_WEEKLY, SendPayload, register};
pub(crate) use opt_out::unsubscribe_key;
pub use opt_out::{
    DigestError, UnsubscribeTarget, preview, unsubscribe, unsubscribe_link, unsubscribe_target,
};
pub use render::{
    CHART_CONTENT_ID, DigestLinks, RenderError, digest_subject, render_digest,
    render_digest_preview,
};
pub use unsubscribe::{
    Unsubscribe, UnsubscribePurpose, sign_unsubscribe, unsubscribe_url, verify_unsubscribe,
};

use flowsense_core::{OrgId, UserId};

/// The links of `user`'s digest for `org`: the app under `public_url`, and a one-click
/// unsubscribe link signed with `unsubscribe_key`.
#[must_use]
pub fn digest_links(
    public_url: &str,
    unsubscribe_key: &[u8; 32],
    user: UserId,
    org: OrgId,
) -> DigestLinks {
    let token = sign_unsubscribe(unsubscribe_key, user, org, UnsubscribePurpose::WeeklyDigest);
    DigestLinks {
        public_url: public_url.trim_end_matches('/').to_owned(),
        unsubscribe_url: unsubscribe_url(public_url, &token),
    }
}

#[cfg(test)]
mod tests;
