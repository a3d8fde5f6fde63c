//! Settings, loaded once: defaults, then `flowsense.toml`, then `FLOWSENSE_*` environment
//! variables, then flags. Each bad value stops start-up with a message naming the variable.

use anyhow::{Context, Result, bail};
use flowsense_mail::SmtpConfig;
use flowsense_service::identity::limits::{Limit, RateLimits};
use flowsense_service::identity::signup_policy::SignupPolicy;
use flowsense_web::SecurityContact;
use flowsense_web::auth::TrustedProxies;
use secrecy::SecretString;
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

pub const DEFAULT_DATABASE_URL: &str = "sqlite://./flowsense-data/flowsense.db";
pub const DEFAULT_ADDR: &str = "127.0.0.1:8080";

/// Where the master key (the key-encryption key) comes from.
#[derive(Clone)]
pub enum MasterKeySource {
    /// `FLOWSENSE_MASTER_KEY`: base64, or `v1:<base64> v2:<base64>` for several versions.
    Env(String),
    /// `FLOWSENSE_MASTER_KEY_FILE`.
    File(PathBuf),
    /// Generated on first run in the data directory (mode 0600).
    DataDir(PathBuf),
}

impl std::fmt::Debug for MasterKeySource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MasterKeySource::Env(_) => f.write_str("Env([REDACTED])"),
            MasterKeySource::File(p) => write!(f, "File({})", p.display()),
            MasterKeySource::DataDir(p) => write!(f, "DataDir({})", p.display()),
        }
    }
}

/// How the server speaks HTTP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TlsMode {
    Off,
    /// `FLOWSENSE_TLS_CERT` and `FLOWSENSE_TLS_KEY` (PEM files).
    Files {
        cert: PathBuf,
        key: PathBuf,
    },
    /// `FLOWSENSE_TLS=self-signed`: a certificate made at start, for local use.
    SelfSigned,
}

/// The validated settings the commands need.
#[derive(Debug, Clone)]
pub struct Settings {
    pub database_url: String,
    /// Whether the URL is the built-in default (which may be created on first run).
    pub database_is_default: bool,
    pub addr: SocketAddr,
    /// `FLOWSENSE_INTERNAL_ADDR`: a second listener for the operator routes only
    /// (`POST /api/cron/{job}`, `GET /metrics`), which the public listener then answers 404.
    /// None: they are served on `FLOWSENSE_ADDR` (with a start-up warning when a cron secret
    /// is set).
    pub internal_addr: Option<SocketAddr>,
    pub public_url: Option<String>,
    /// Beside the SQLite file (or `./flowsense-data` on PostgreSQL): the generated master key and
    /// the e-mail outbox live here.
    pub data_dir: PathBuf,
    pub master_key: MasterKeySource,
    pub tls: TlsMode,
    /// `FLOWSENSE_SESSION_IDLE_MINUTES` (default 30).
    pub session_idle_minutes: i64,
    /// `FLOWSENSE_SESSION_ABSOLUTE_HOURS` (default 12).
    pub session_absolute_hours: i64,
    /// `FLOWSENSE_TRUSTED_PROXIES`: addresses or networks whose `X-Forwarded-For` / `Forwarded`
    /// name the client (none by default: the TCP peer is the client).
    pub trusted_proxies: TrustedProxies,
    /// `FLOWSENSE_WORKERS`: jobs this process runs at once (default 2; 0 runs none, leaving the
    /// queue to `flowsense worker` processes).
    pub workers: usize,
    /// `FLOWSENSE_JOB_LEASE_SECONDS`: how long a worker's claim on a job lasts unless renewed
    /// (default 60, renewed every third of it while the job runs). A process killed mid-job
    /// leaves the job to another worker once this has passed.
    pub job_lease: std::time::Duration,
    /// `FLOWSENSE_SIGNUP`: who may create an account (`open` by default, `invite-only`, `closed`).
    pub signup: SignupPolicy,
    /// `FLOWSENSE_BREACHED_PASSWORDS_FILE`: a sorted file of SHA-1 hashes (Have I Been Pwned's
    /// downloadable format) that new passwords are refused from. None: no such check.
    pub breached_passwords: Option<PathBuf>,
    /// `FLOWSENSE_CRON_SECRET`: the secrets `POST /api/cron/{job}` accepts, the signing one
    /// first (two, comma-separated, during a rotation). None: the route is off.
    pub cron_secrets: Vec<SecretString>,
    /// `FLOWSENSE_METRICS_TOKEN`: the bearer token `GET /metrics` asks for. None: the route
    /// is off.
    pub metrics_token: Option<SecretString>,
    /// `FLOWSENSE_SMTP_URL`: where e-mail is delivered. None: messages are written to the
    /// outbox directory under the data directory.
    pub smtp: Option<SmtpConfig>,
    /// `FLOWSENSE_MAIL_FROM`: the sender of every message (default `FlowSense <noreply@localhost>`).
    pub mail_from: String,
    /// The accounting providers' apps and webhook secrets (`QUICKBOOKS_*`, `XERO_WEBHOOK_KEY`).
    pub providers: crate::providers::ProviderSettings,
    /// The AI provider (`FLOWSENSE_AI_*`, `ANTHROPIC_API_KEY`).
    pub ai: crate::ai::AiSettings,
    /// `FLOWSENSE_AI_MONTHLY_TOKENS`: tokens each organisation may use a month (0: no AI calls).
    pub ai_monthly_tokens: u64,
    /// The request limits, with `FLOWSENSE_RATE_LIMIT_PUBLIC`, `_API`, `_ASSISTANT` and
    /// `_UPLOADS` applied (`N/PERIOD`).
    pub limits: RateLimits,
    /// `FLOWSENSE_REDIS_URL`: where the limits are counted for every instance. None: each
    /// process counts its own.
    pub redis_url: Option<SecretString>,
    /// `FLOWSENSE_SECURITY_CONTACT`: where security reports go (an e-mail address or an https
    /// URL). None: the trust center says so and `/.well-known/security.txt` is 404.
    pub security_contact: Option<SecurityContact>,
    /// `FLOWSENSE_BACKUP_DIR`: where `serve` and `flowsense worker` write the nightly backup
    /// (and where `flowsense backup create` writes by default). None: no scheduled backups.
    pub backup_dir: Option<PathBuf>,
    /// `FLOWSENSE_BACKUP_KEEP`: how many backups are kept (default 7).
    pub backup_keep: usize,
    /// `FLOWSENSE_OIDC_*`: single sign-on through an OpenID Connect provider. None: off.
    pub sso: Option<crate::sso::SsoSettings>,
}

impl Settings {
    /// The nightly backup policy, when a backup directory is set.
    #[must_use]
    pub fn backup_policy(&self) -> Option<flowsense_service::backup::BackupPolicy> {
        self.backup_dir
            .as_ref()
            .map(|dir| flowsense_service::backup::BackupPolicy {
                dir: dir.clone(),
                keep: self.backup_keep,
            })
    }
}

/// The default limits with those the environment sets.
fn rate_limits() -> Result<RateLimits> {
    let mut limits = RateLimits::default();
    for (name, limit) in [
        ("FLOWSENSE_RATE_LIMIT_PUBLIC", &mut limits.public_per_ip),
        ("FLOWSENSE_RATE_LIMIT_API", &mut limits.api_per_user),
        (
            "FLOWSENSE_RATE_LIMIT_ASSISTANT",
            &mut limits.assistant_per_user,
        ),
        ("FLOWSENSE_RATE_LIMIT_UPLOADS", &mut limits.uploads_per_user),
    ] {
        if let Some(v) = env(name)? {
            *limit = Limit::parse(&v).map_err(|e| anyhow::anyhow!("{name}: {e}"))?;
        }
    }
    Ok(limits)
}

/// The shortest cron secret accepted (a guessable one would let anyone start jobs).
const MIN_CRON_SECRET_CHARS: usize = 32;
/// The shortest metrics token accepted.
const MIN_METRICS_TOKEN_CHARS: usize = 32;

/// The optional settings file: the same names as the variables, lower case, without the prefix.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSettings {
    database_url: Option<String>,
    addr: Option<String>,
    public_url: Option<String>,
}

/// Flag values that override everything else.
#[derive(Debug, Default)]
pub struct Overrides {
    pub config: Option<PathBuf>,
    pub database_url: Option<String>,
    pub addr: Option<String>,
    /// A default database URL other than the built-in one (the demo's `--data-dir`).
    pub default_database_url: Option<String>,
}

/// Reads one variable; an empty value counts as unset.
pub(crate) fn env(name: &str) -> Result<Option<String>> {
    #[expect(
        clippy::disallowed_methods,
        reason = "settings are where configuration is read from the environment"
    )]
    let value = std::env::var(name);
    match value {
        Ok(v) if v.trim().is_empty() => Ok(None),
        Ok(v) => Ok(Some(v)),
        Err(std::env::VarError::NotPresent) => Ok(None),
        Err(std::env::VarError::NotUnicode(_)) => bail!("{name} is not valid UTF-8"),
    }
}

fn read_file(path: &Path, explicit: bool) -> Result<FileSettings> {
    match std::fs::read_to_string(path) {
        Ok(text) => toml::from_str(&text)
            .with_context(|| format!("{} is not a valid settings file", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !explicit => {
            Ok(FileSettings::default())
        }
        Err(e) => {
            Err(e).with_context(|| format!("cannot read the settings file {}", path.display()))
        }
    }
}

impl Settings {
    /// Loads and validates.
    ///
    /// # Errors
    /// A bad value, named by its variable.
    pub fn load(o: &Overrides) -> Result<Settings> {
        let explicit = o
            .config
            .clone()
            .or(env("FLOWSENSE_CONFIG")?.map(PathBuf::from));
        let file = read_file(
            explicit.as_deref().unwrap_or(Path::new("flowsense.toml")),
            explicit.is_some(),
        )?;

        let default_db = o
            .default_database_url
            .clone()
            .unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned());
        let database_url = o
            .database_url
            .clone()
            .or(env("FLOWSENSE_DATABASE_URL")?)
            .or(file.database_url)
            .unwrap_or_else(|| default_db.clone());
        if !(database_url.starts_with("sqlite:")
            || database_url.starts_with("postgres://")
            || database_url.starts_with("postgresql://"))
        {
            bail!("FLOWSENSE_DATABASE_URL must start with sqlite:// or postgres://");
        }

        let addr_text = o
            .addr
            .clone()
            .or(env("FLOWSENSE_ADDR")?)
            .or(file.addr)
            .unwrap_or_else(|| DEFAULT_ADDR.to_owned());
        let addr = addr_text.parse::<SocketAddr>().map_err(|_| {
            anyhow::anyhow!(
                "FLOWSENSE_ADDR {addr_text:?} is not a socket address (expected HOST:PORT, e.g. 127.0.0.1:8080)"
            )
        })?;

        let internal_addr = env("FLOWSENSE_INTERNAL_ADDR")?
            .filter(|a| !a.trim().is_empty())
            .map(|text| {
                let internal = text.trim().parse::<SocketAddr>().map_err(|_| {
                    anyhow::anyhow!(
                        "FLOWSENSE_INTERNAL_ADDR {text:?} is not a socket address (expected HOST:PORT, e.g. 127.0.0.1:9090)"
                    )
                })?;
                if internal == addr && internal.port() != 0 {
                    bail!(
                        "FLOWSENSE_INTERNAL_ADDR must differ from FLOWSENSE_ADDR ({addr}): the operator routes need a listener of their own"
                    );
                }
                Ok(internal)
            })
            .transpose()?;

        let public_url = env("FLOWSENSE_PUBLIC_URL")?.or(file.public_url);
        if let Some(u) = &public_url
            && !(u.starts_with("http://") || u.starts_with("https://"))
        {
            bail!("FLOWSENSE_PUBLIC_URL must start with http:// or https://");
        }

        let data_dir = sqlite_file(&database_url)
            .and_then(|f| f.parent().map(Path::to_path_buf))
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or_else(|| PathBuf::from("flowsense-data"));
        let master_key = if let Some(v) = env("FLOWSENSE_MASTER_KEY")? {
            MasterKeySource::Env(v)
        } else if let Some(p) = env("FLOWSENSE_MASTER_KEY_FILE")? {
            MasterKeySource::File(PathBuf::from(p))
        } else {
            MasterKeySource::DataDir(data_dir.join("master.key"))
        };
        let tls = match (
            env("FLOWSENSE_TLS")?,
            env("FLOWSENSE_TLS_CERT")?,
            env("FLOWSENSE_TLS_KEY")?,
        ) {
            (Some(mode), None, None) if mode == "self-signed" => TlsMode::SelfSigned,
            (Some(mode), _, _) if mode == "off" => TlsMode::Off,
            (Some(mode), _, _) => {
                bail!(
                    "FLOWSENSE_TLS must be self-signed or off (got {mode:?}); for a real certificate set FLOWSENSE_TLS_CERT and FLOWSENSE_TLS_KEY"
                )
            }
            (None, Some(cert), Some(key)) => TlsMode::Files {
                cert: cert.into(),
                key: key.into(),
            },
            (None, Some(_), None) => {
                bail!("FLOWSENSE_TLS_CERT is set but FLOWSENSE_TLS_KEY is not")
            }
            (None, None, Some(_)) => {
                bail!("FLOWSENSE_TLS_KEY is set but FLOWSENSE_TLS_CERT is not")
            }
            (None, None, None) => TlsMode::Off,
        };

        let session_idle_minutes = bounded_int("FLOWSENSE_SESSION_IDLE_MINUTES", 30, 1..=1440)?;
        let session_absolute_hours = bounded_int("FLOWSENSE_SESSION_ABSOLUTE_HOURS", 12, 1..=720)?;
        if session_idle_minutes > session_absolute_hours * 60 {
            bail!("FLOWSENSE_SESSION_IDLE_MINUTES cannot exceed FLOWSENSE_SESSION_ABSOLUTE_HOURS");
        }

        let trusted_proxies = match env("FLOWSENSE_TRUSTED_PROXIES")? {
            Some(list) => TrustedProxies::parse(&list)
                .map_err(|e| anyhow::anyhow!("FLOWSENSE_TRUSTED_PROXIES: {e}"))?,
            None => TrustedProxies::default(),
        };

        let workers = usize::try_from(bounded_int("FLOWSENSE_WORKERS", 2, 0..=64)?).unwrap_or(2);
        let job_lease = std::time::Duration::from_secs(
            u64::try_from(bounded_int("FLOWSENSE_JOB_LEASE_SECONDS", 60, 3..=3600)?).unwrap_or(60),
        );
        let signup = match env("FLOWSENSE_SIGNUP")? {
            Some(v) => v
                .parse::<SignupPolicy>()
                .map_err(|e| anyhow::anyhow!("FLOWSENSE_SIGNUP {e}"))?,
            None => SignupPolicy::Open,
        };
        let breached_passwords = env("FLOWSENSE_BREACHED_PASSWORDS_FILE")?
            .filter(|p| !p.trim().is_empty())
            .map(PathBuf::from);
        let cron_secrets = cron_secrets(env("FLOWSENSE_CRON_SECRET")?.as_deref())?;
        let metrics_token = env("FLOWSENSE_METRICS_TOKEN")?
            .map(|token| {
                let token = token.trim();
                if token.chars().count() < MIN_METRICS_TOKEN_CHARS {
                    bail!(
                        "FLOWSENSE_METRICS_TOKEN needs at least {MIN_METRICS_TOKEN_CHARS} characters (e.g. `openssl rand -hex 32`)"
                    );
                }
                Ok(SecretString::from(token))
            })
            .transpose()?;
        // The URL may carry a password: errors name the variable, never the value.
        let smtp = env("FLOWSENSE_SMTP_URL")?
            .map(|url| SmtpConfig::parse(&url))
            .transpose()?;
        let mail_from =
            env("FLOWSENSE_MAIL_FROM")?.unwrap_or_else(|| "FlowSense <noreply@localhost>".into());

        let providers = crate::providers::ProviderSettings::load()?;
        let ai = crate::ai::AiSettings::load()?;
        let ai_monthly_tokens = crate::ai::monthly_tokens(env)?;
        let limits = rate_limits()?;
        // The URL may carry a password: checked when the server starts, never printed.
        let redis_url = env("FLOWSENSE_REDIS_URL")?.map(SecretString::from);
        let security_contact = env("FLOWSENSE_SECURITY_CONTACT")?
            .map(|c| SecurityContact::parse(&c))
            .transpose()?;
        let backup_dir = env("FLOWSENSE_BACKUP_DIR")?.map(PathBuf::from);
        let backup_keep =
            usize::try_from(bounded_int("FLOWSENSE_BACKUP_KEEP", 7, 1..=365)?).unwrap_or(7);

        let sso = crate::sso::SsoSettings::load()?;

        Ok(Settings {
            sso,
            security_contact,
            backup_dir,
            backup_keep,
            limits,
            redis_url,
            providers,
            ai,
            ai_monthly_tokens,
            workers,
            job_lease,
            signup,
            breached_passwords,
            cron_secrets,
            metrics_token,
            smtp,
            mail_from,
            trusted_proxies,
            session_idle_minutes,
            session_absolute_hours,
            database_is_default: database_url == default_db,
            database_url,
            addr,
            internal_addr,
            public_url,
            data_dir,
            master_key,
            tls,
        })
    }
}

/// The file of a `sqlite://PATH` URL.
pub fn sqlite_file(url: &str) -> Option<PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or(rest);
    (!path.is_empty() && path != ":memory:").then(|| PathBuf::from(path))
}

/// `FLOWSENSE_CRON_SECRET`: one secret, or two separated by a comma during a rotation.
fn cron_secrets(value: Option<&str>) -> Result<Vec<SecretString>> {
    let Some(value) = value else {
        return Ok(Vec::new());
    };
    let secrets: Vec<&str> = value.split(',').map(str::trim).collect();
    if secrets.len() > 2 {
        bail!(
            "FLOWSENSE_CRON_SECRET takes one secret, or two separated by a comma during a rotation"
        );
    }
    if secrets
        .iter()
        .any(|s| s.chars().count() < MIN_CRON_SECRET_CHARS)
    {
        bail!(
            "FLOWSENSE_CRON_SECRET: each secret needs at least {MIN_CRON_SECRET_CHARS} characters (e.g. `openssl rand -hex 32`)"
        );
    }
    Ok(secrets.into_iter().map(SecretString::from).collect())
}

/// An integer variable within a range, or its default.
fn bounded_int(name: &str, default: i64, range: std::ops::RangeInclusive<i64>) -> Result<i64> {
    match env(name)? {
        None => Ok(default),
        Some(v) => match v.trim().parse::<i64>() {
            Ok(n) if range.contains(&n) => Ok(n),
            _ => bail!(
                "{name} must be a whole number from {} to {} (got {v:?})",
                range.start(),
                range.end()
            ),
        },
    }
}
