//! Outgoing e-mail behind one trait. The file implementation writes `.eml` files to an outbox
//! directory (the default, and what tests read); an SMTP implementation can come later.

use std::path::PathBuf;

/// A plain-text message.
#[derive(Clone)]
pub struct Email {
    pub to: String,
    pub subject: String,
    pub body: String,
}

/// Bodies carry single-use links; keep them out of logs.
impl std::fmt::Debug for Email {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Email")
            .field("subject", &self.subject)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, thiserror::Error)]
#[error("could not send e-mail")]
pub struct MailError(#[source] pub Box<dyn std::error::Error + Send + Sync>);

/// Something that delivers e-mail. Blocking; callers run it off the async threads.
pub trait Mailer: Send + Sync + 'static {
    /// # Errors
    /// When the message cannot be handed over.
    fn send(&self, email: &Email) -> Result<(), MailError>;
}

/// Writes each message as an RFC 5322 `.eml` file into a directory.
#[derive(Debug, Clone)]
pub struct FileMailer {
    dir: PathBuf,
    from: String,
}

impl FileMailer {
    /// # Errors
    /// When the directory cannot be created.
    pub fn new(dir: impl Into<PathBuf>, from: impl Into<String>) -> std::io::Result<Self> {
        let dir = dir.into();
        std::fs::create_dir_all(&dir)?;
        // Messages carry sign-in and reset links: the outbox is its owner's alone.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700))?;
        }
        Ok(Self {
            dir,
            from: from.into(),
        })
    }
}

/// A header value cannot carry a line break (header injection).
fn header_safe(s: &str) -> String {
    s.chars().filter(|c| *c != '\r' && *c != '\n').collect()
}

impl Mailer for FileMailer {
    fn send(&self, email: &Email) -> Result<(), MailError> {
        let now = chrono::Utc::now();
        let id = uuid::Uuid::new_v4();
        let text = format!(
            "From: {}\r\nTo: {}\r\nSubject: {}\r\nDate: {}\r\nMessage-ID: <{id}@flowsense>\r\n\
             MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\
             Content-Transfer-Encoding: 8bit\r\n\r\n{}\r\n",
            header_safe(&self.from),
            header_safe(&email.to),
            header_safe(&email.subject),
            now.to_rfc2822(),
            email.body.replace('\n', "\r\n"),
        );
        let name = format!("{}-{id}.eml", now.format("%Y%m%dT%H%M%S%.6fZ"));
        let tmp = self.dir.join(format!(".{name}.tmp"));
        write_private(&tmp, text.as_bytes()).map_err(|e| MailError(Box::new(e)))?;
        std::fs::rename(&tmp, self.dir.join(name)).map_err(|e| MailError(Box::new(e)))
    }
}

/// Writes a new file that only its owner can read (mode 0600).
fn write_private(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
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
