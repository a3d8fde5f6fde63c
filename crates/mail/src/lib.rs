//! Outgoing e-mail behind one trait. [`Email`] is a message to one recipient: a plain-text part,
//! optionally an HTML alternative with inline PNG images and one-click unsubscribe headers.
//! [`SmtpMailer`] delivers over SMTP (`FLOWSENSE_SMTP_URL`; STARTTLS or implicit TLS, TLS 1.3 by
//! default); [`FileMailer`] writes `.eml` files into an outbox directory when no server is
//! configured (and is what tests and the benchmark read).
//!
//! [`Mailer::send`] is async: messages are sent by the job workers, which run on tokio, and an
//! SMTP exchange is network I/O. A failure says whether it is worth retrying
//! ([`MailError::is_transient`]) so one refused recipient fails only its own message.

mod email;
mod file;
mod smtp;

pub use email::{Email, InlineImage, ListUnsubscribe};
pub use file::FileMailer;
pub use lettre::message::Mailbox;
pub use smtp::{SMTP_URL_VAR, SmtpConfig, SmtpConfigError, SmtpMailer, SmtpSecurity};

use std::future::Future;
use std::pin::Pin;

/// Whether sending again later may succeed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailErrorKind {
    /// A 4xx reply, a connection, TLS or timeout failure: retry with backoff.
    Transient,
    /// A 5xx reply (the recipient was refused), or a message that cannot be built: retrying
    /// the same message fails the same way.
    Permanent,
}

/// Why a message was not handed over. Its text carries no message content, no amounts and no
/// credentials; SMTP replies are kept as the server wrote them.
#[derive(Debug, thiserror::Error)]
#[error("could not send e-mail ({})", match .kind { MailErrorKind::Transient => "transient", MailErrorKind::Permanent => "permanent" })]
pub struct MailError {
    kind: MailErrorKind,
    #[source]
    source: Box<dyn std::error::Error + Send + Sync>,
}

impl MailError {
    pub fn new(
        kind: MailErrorKind,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        Self {
            kind,
            source: source.into(),
        }
    }

    pub(crate) fn permanent(reason: &'static str) -> Self {
        Self::new(MailErrorKind::Permanent, reason)
    }

    pub(crate) fn permanent_because(
        reason: &'static str,
        cause: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        Self::new(
            MailErrorKind::Permanent,
            Because {
                reason,
                cause: Box::new(cause),
            },
        )
    }

    #[must_use]
    pub fn kind(&self) -> MailErrorKind {
        self.kind
    }

    /// Sending the same message later may succeed.
    #[must_use]
    pub fn is_transient(&self) -> bool {
        self.kind == MailErrorKind::Transient
    }
}

/// A reason with its cause, so an error chain reads "reason: cause".
#[derive(Debug, thiserror::Error)]
#[error("{reason}")]
struct Because {
    reason: &'static str,
    #[source]
    cause: Box<dyn std::error::Error + Send + Sync>,
}

/// The future [`Mailer::send`] returns (boxed so that `dyn Mailer` works).
pub type SendFuture<'a> = Pin<Box<dyn Future<Output = Result<(), MailError>> + Send + 'a>>;

/// Something that delivers e-mail.
pub trait Mailer: Send + Sync + 'static {
    /// Hands `email` over for delivery.
    ///
    /// # Errors
    /// When the message cannot be built or handed over; see [`MailError::is_transient`].
    fn send<'a>(&'a self, email: &'a Email) -> SendFuture<'a>;

    /// Whether messages reach people's inboxes (SMTP), or stay on this machine (the outbox
    /// directory): pages say "check your spam folder" only when it can be true.
    fn reaches_inboxes(&self) -> bool {
        true
    }

    /// The host of the outside relay messages are handed to (`None`: no outside service sees
    /// them), for the trust centre's list of sub-processors.
    fn relay_host(&self) -> Option<&str> {
        None
    }
}
