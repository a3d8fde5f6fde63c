//! Delivery over SMTP with lettre: `FLOWSENSE_SMTP_URL` names the server, the security and the
//! login. `smtp://` requires STARTTLS, `smtps://` speaks TLS from the first byte, both TLS 1.3
//! unless `?tls_min=1.2`; plaintext (`?tls=none`) is accepted for a relay on this machine only.

use crate::{Email, MailError, MailErrorKind, Mailer, SendFuture};
use lettre::message::Mailbox;
use lettre::transport::smtp::PoolConfig;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters, TlsVersion};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use secrecy::{ExposeSecret, SecretString};
use std::net::IpAddr;
use std::time::Duration;

/// The variable that configures SMTP delivery.
pub const SMTP_URL_VAR: &str = "FLOWSENSE_SMTP_URL";

/// A reply must come within this long for every SMTP command (and the connection).
const COMMAND_TIMEOUT: Duration = Duration::from_secs(30);

/// How the connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpSecurity {
    /// Plain connection upgraded with STARTTLS, refused when the server does not offer it.
    StartTls,
    /// TLS from the first byte (`smtps://`, port 465).
    ImplicitTls,
    /// No encryption: only to a loopback relay.
    None,
}

/// Why `FLOWSENSE_SMTP_URL` was refused. The text names the variable and never repeats the
/// URL (it may hold a password).
#[derive(Debug, thiserror::Error)]
pub enum SmtpConfigError {
    #[error("{SMTP_URL_VAR} is not a URL")]
    NotAUrl,
    #[error("{SMTP_URL_VAR} must start with smtp:// (STARTTLS) or smtps:// (TLS)")]
    Scheme,
    #[error("{SMTP_URL_VAR} has no host")]
    NoHost,
    #[error("{SMTP_URL_VAR}: tls=none is allowed only for localhost or a loopback address")]
    PlaintextNotLoopback,
    #[error("{SMTP_URL_VAR}: tls=none needs smtp://")]
    PlaintextWithSmtps,
    #[error("{SMTP_URL_VAR}: unknown or malformed option {0:?} (known: tls=none, tls_min=1.2)")]
    Option(String),
    #[error("{SMTP_URL_VAR}: the user name or password is not valid UTF-8 after decoding")]
    Credentials,
    #[error("the SMTP server's extra root certificate is not usable")]
    RootCertificate(#[source] lettre::transport::smtp::Error),
    #[error("the SMTP TLS settings are not usable")]
    Tls(#[source] lettre::transport::smtp::Error),
    #[error("the sender is not an e-mail address")]
    From,
    /// The connection pool runs as a task: the mailer is made inside the runtime it sends on.
    #[error("the SMTP mailer must be created inside a Tokio runtime")]
    NoRuntime,
}

/// Parsed `FLOWSENSE_SMTP_URL`. `Debug` never shows the password.
#[derive(Clone)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub security: SmtpSecurity,
    pub username: Option<String>,
    password: Option<SecretString>,
    /// Accept TLS 1.2 too (for a relay that has no TLS 1.3).
    pub allow_tls12: bool,
    /// Roots trusted besides the platform's, e.g. a private CA (DER).
    extra_roots: Vec<Vec<u8>>,
    pub timeout: Duration,
}

impl std::fmt::Debug for SmtpConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "[REDACTED]"))
            .field("allow_tls12", &self.allow_tls12)
            .finish_non_exhaustive()
    }
}

impl SmtpConfig {
    /// Parses `smtp[s]://[user[:password]@]host[:port][?tls=none|tls_min=1.2]`; the user and
    /// password are percent-decoded.
    ///
    /// # Errors
    /// A wrong scheme, no host, an unknown option, or plaintext to anything but loopback.
    pub fn parse(text: &str) -> Result<Self, SmtpConfigError> {
        let url = url::Url::parse(text.trim()).map_err(|_| SmtpConfigError::NotAUrl)?;
        let mut security = match url.scheme() {
            "smtp" => SmtpSecurity::StartTls,
            "smtps" => SmtpSecurity::ImplicitTls,
            _ => return Err(SmtpConfigError::Scheme),
        };
        let host = match url.host() {
            Some(url::Host::Ipv6(ip)) => ip.to_string(),
            Some(host) => host.to_string(),
            None => return Err(SmtpConfigError::NoHost),
        };
        if host.is_empty() {
            return Err(SmtpConfigError::NoHost);
        }
        let mut allow_tls12 = false;
        for (key, value) in url.query_pairs() {
            match (key.as_ref(), value.as_ref()) {
                ("tls", "none") if security == SmtpSecurity::StartTls => {
                    security = SmtpSecurity::None;
                }
                ("tls", "none") => return Err(SmtpConfigError::PlaintextWithSmtps),
                ("tls_min", "1.2") => allow_tls12 = true,
                ("tls_min", "1.3") => allow_tls12 = false,
                _ => return Err(SmtpConfigError::Option(key.into_owned())),
            }
        }
        if security == SmtpSecurity::None && !is_loopback(&host) {
            return Err(SmtpConfigError::PlaintextNotLoopback);
        }
        let decode = |s: &str| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8()
                .map(std::borrow::Cow::into_owned)
                .map_err(|_| SmtpConfigError::Credentials)
        };
        let username = match url.username() {
            "" => None,
            user => Some(decode(user)?),
        };
        let password = match url.password() {
            Some(p) => Some(SecretString::from(decode(p)?)),
            None => None,
        };
        let default_port = match security {
            SmtpSecurity::StartTls => 587,
            SmtpSecurity::ImplicitTls => 465,
            SmtpSecurity::None => 25,
        };
        Ok(Self {
            host,
            port: url.port().unwrap_or(default_port),
            security,
            username,
            password,
            allow_tls12,
            extra_roots: Vec::new(),
            timeout: COMMAND_TIMEOUT,
        })
    }

    /// Trusts the certificates in `pem` besides the platform's roots (a private CA).
    ///
    /// # Errors
    /// When `pem` holds no usable certificate.
    pub fn add_root_certificate_pem(&mut self, pem: &[u8]) -> Result<(), SmtpConfigError> {
        Certificate::from_pem(pem).map_err(SmtpConfigError::RootCertificate)?;
        self.extra_roots.push(pem.to_vec());
        Ok(())
    }

    fn tls_parameters(&self) -> Result<TlsParameters, SmtpConfigError> {
        let mut builder =
            TlsParameters::builder(self.host.clone()).set_min_tls_version(if self.allow_tls12 {
                TlsVersion::Tlsv12
            } else {
                TlsVersion::Tlsv13
            });
        for pem in &self.extra_roots {
            builder = builder.add_root_certificate(
                Certificate::from_pem(pem).map_err(SmtpConfigError::RootCertificate)?,
            );
        }
        builder.build_rustls().map_err(SmtpConfigError::Tls)
    }
}

fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Delivers over SMTP, reusing a few pooled connections across messages.
#[derive(Clone)]
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    host: String,
}

impl std::fmt::Debug for SmtpMailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpMailer")
            .field("from", &self.from.email.to_string())
            .finish_non_exhaustive()
    }
}

impl SmtpMailer {
    /// A mailer for `config`, sending as `from`. Nothing connects until the first message.
    ///
    /// # Errors
    /// When `from` is not an address, the TLS settings cannot be built, or there is no Tokio
    /// runtime to run the connection pool on.
    pub fn new(config: &SmtpConfig, from: &str) -> Result<Self, SmtpConfigError> {
        if tokio::runtime::Handle::try_current().is_err() {
            return Err(SmtpConfigError::NoRuntime);
        }
        let from: Mailbox = from.parse().map_err(|_| SmtpConfigError::From)?;
        let tls = match config.security {
            SmtpSecurity::StartTls => Tls::Required(config.tls_parameters()?),
            SmtpSecurity::ImplicitTls => Tls::Wrapper(config.tls_parameters()?),
            SmtpSecurity::None => Tls::None,
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&config.host)
            .port(config.port)
            .tls(tls)
            .timeout(Some(config.timeout))
            .pool_config(
                PoolConfig::new()
                    .max_size(4)
                    .idle_timeout(Duration::from_secs(60)),
            );
        if let Some(user) = &config.username {
            let password = config
                .password
                .as_ref()
                .map(|p| p.expose_secret().to_owned())
                .unwrap_or_default();
            builder = builder.credentials(Credentials::new(user.clone(), password));
        }
        Ok(Self {
            transport: builder.build(),
            from,
            host: config.host.clone(),
        })
    }
}

impl Mailer for SmtpMailer {
    fn send<'a>(&'a self, email: &'a Email) -> SendFuture<'a> {
        Box::pin(async move {
            let message = email.to_message(&self.from)?;
            self.transport
                .send(message)
                .await
                .map(|_| ())
                .map_err(classify)
        })
    }

    fn relay_host(&self) -> Option<&str> {
        Some(&self.host)
    }
}

/// A 5xx reply refuses this message for good; anything else (4xx, connection, TLS, timeout)
/// may pass later.
fn classify(e: lettre::transport::smtp::Error) -> MailError {
    let kind = if e.is_permanent() {
        MailErrorKind::Permanent
    } else {
        MailErrorKind::Transient
    };
    MailError::new(kind, e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn starttls_is_the_default_and_smtps_is_implicit_tls() {
        let c = SmtpConfig::parse("smtp://mail.example.com").expect("parses");
        assert_eq!(
            (c.security, c.port, c.allow_tls12),
            (SmtpSecurity::StartTls, 587, false)
        );
        let c = SmtpConfig::parse("smtps://mail.example.com").expect("parses");
        assert_eq!((c.security, c.port), (SmtpSecurity::ImplicitTls, 465));
        let c = SmtpConfig::parse("smtp://mail.example.com:2525?tls_min=1.2").expect("parses");
        assert_eq!((c.port, c.allow_tls12), (2525, true));
    }

    #[test]
    fn plaintext_only_to_loopback() {
        for ok in [
            "smtp://localhost:25?tls=none",
            "smtp://127.0.0.1?tls=none",
            "smtp://[::1]:25?tls=none",
        ] {
            let c = SmtpConfig::parse(ok).expect(ok);
            assert_eq!(c.security, SmtpSecurity::None, "{ok}");
        }
        let e = SmtpConfig::parse("smtp://mail.example.com?tls=none").expect_err("refused");
        assert!(matches!(e, SmtpConfigError::PlaintextNotLoopback));
        assert!(e.to_string().contains(SMTP_URL_VAR));
        assert!(SmtpConfig::parse("smtp://10.0.0.1?tls=none").is_err());
        assert!(SmtpConfig::parse("smtps://localhost?tls=none").is_err());
    }

    #[test]
    fn errors_name_the_variable_and_never_the_password() {
        for bad in [
            "http://user:hunter2secret@mail.example.com",
            "smtp://user:hunter2secret@mail.example.com?tls=maybe",
            "not a url hunter2secret",
        ] {
            let e = SmtpConfig::parse(bad).expect_err(bad);
            let text = e.to_string();
            assert!(text.contains(SMTP_URL_VAR), "{text}");
            assert!(!text.contains("hunter2secret"), "{text}");
        }
    }

    #[tokio::test]
    async fn credentials_are_decoded_and_the_password_never_printed() {
        let c = SmtpConfig::parse("smtp://me%40example.com:p%40ss%3Aword@mail.example.com")
            .expect("parses");
        assert_eq!(c.username.as_deref(), Some("me@example.com"));
        assert_eq!(
            c.password
                .as_ref()
                .map(|p| p.expose_secret().to_owned())
                .as_deref(),
            Some("p@ss:word")
        );
        let debug = format!("{c:?}");
        assert!(
            !debug.contains("p@ss") && debug.contains("[REDACTED]"),
            "{debug}"
        );
        let mailer = SmtpMailer::new(&c, "FlowSense <noreply@example.com>").expect("builds");
        assert!(!format!("{mailer:?}").contains("p@ss"));
    }

    #[test]
    fn outside_a_runtime_the_mailer_is_refused_not_a_panic() {
        let c = SmtpConfig::parse("smtp://mail.example.com").expect("parses");
        let e = SmtpMailer::new(&c, "noreply@example.com").expect_err("no runtime");
        assert!(matches!(e, SmtpConfigError::NoRuntime));
    }
}
