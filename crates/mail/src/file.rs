//! The outbox: each message as an RFC 5322 `.eml` file in a directory only its owner can read
//! (messages carry sign-in and reset links and financial figures).

use crate::{Email, MailError, MailErrorKind, Mailer, SendFuture};
use lettre::message::Mailbox;
use std::path::{Path, PathBuf};

/// Writes each message as an `.eml` file into a directory (mode 0700, files 0600), the
/// default when no SMTP server is configured.
#[derive(Debug, Clone)]
pub struct FileMailer {
    dir: PathBuf,
    from: Mailbox,
}

impl FileMailer {
    /// An outbox in `dir` (created if missing) for messages sent as `from`
    /// (`FlowSense <noreply@example.com>`).
    ///
    /// # Errors
    /// When the directory cannot be created, or `from` is not an address
    /// (`ErrorKind::InvalidInput`).
    pub fn new(dir: impl Into<PathBuf>, from: impl AsRef<str>) -> std::io::Result<Self> {
        let from: Mailbox = from.as_ref().parse().map_err(|_| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "the sender is not an e-mail address",
            )
        })?;
        let dir = dir.into();
        std::fs::create_dir_all(&dir)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700))?;
        }
        Ok(Self { dir, from })
    }

    #[must_use]
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Writes `email` now, on the calling thread (for callers outside an async runtime).
    ///
    /// # Errors
    /// A permanent error when the message cannot be built; a transient one when the file
    /// cannot be written.
    pub fn write(&self, email: &Email) -> Result<(), MailError> {
        let bytes = email.to_message(&self.from)?.formatted();
        write_into(&self.dir, &bytes)
    }
}

impl Mailer for FileMailer {
    fn send<'a>(&'a self, email: &'a Email) -> SendFuture<'a> {
        Box::pin(async move {
            let bytes = email.to_message(&self.from)?.formatted();
            let dir = self.dir.clone();
            tokio::task::spawn_blocking(move || write_into(&dir, &bytes))
                .await
                .map_err(|e| MailError::new(MailErrorKind::Transient, e))?
        })
    }

    fn reaches_inboxes(&self) -> bool {
        false
    }
}

/// Writes under a hidden temporary name and renames, so a reader never sees half a message.
fn write_into(dir: &Path, bytes: &[u8]) -> Result<(), MailError> {
    let now = chrono::Utc::now();
    let id = uuid::Uuid::new_v4();
    let name = format!("{}-{id}.eml", now.format("%Y%m%dT%H%M%S%.6fZ"));
    let tmp = dir.join(format!(".{name}.tmp"));
    let io = |e| MailError::new(MailErrorKind::Transient, e);
    write_private(&tmp, bytes).map_err(io)?;
    std::fs::rename(&tmp, dir.join(name)).map_err(io)
}

/// Writes a new file that only its owner can read (mode 0600).
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write as _;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)?.write_all(bytes)
}
