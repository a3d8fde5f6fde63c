//! The command line (SPEC §2). Every command has `--help`.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "flowsense",
    version,
    about = "Self-hostable cash-flow insight over your own books.",
    long_about = "Self-hostable cash-flow insight over your own books.\n\n\
        Settings come from flags, then FLOWSENSE_* environment variables, then ./flowsense.toml, \
        then defaults (an embedded SQLite database under ./flowsense-data/)."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Database URL: sqlite://PATH or postgres://… [env: FLOWSENSE_DATABASE_URL]
    #[arg(long, global = true, value_name = "URL")]
    pub database_url: Option<String>,
    /// Settings file [env: FLOWSENSE_CONFIG] [default: ./flowsense.toml when present]
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Log format on stderr.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Load two demo organisations with generated books and serve them (offline, no keys).
    Demo(DemoArgs),
    /// Run the production server.
    Serve(ServeArgs),
    /// Apply database migrations.
    Migrate(MigrateArgs),
    /// Import a CSV or OFX/QFX file into an organisation (all or nothing; re-import adds nothing).
    Import(ImportArgs),
    /// Print a report over an organisation's books or straight over a CSV file.
    Report(ReportArgs),
    /// Write realistic synthetic books as CSV (and as a ledger/hledger journal).
    Gen(GenArgs),
    /// Exchange rates for books in more than one currency.
    #[command(subcommand)]
    Rates(RatesCommand),
    /// Operator tasks on organisations.
    #[command(subcommand)]
    Org(OrgCommand),
    /// Master key versions and rotation.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Sealed backups of the SQLite database: take one, verify one, restore one.
    #[command(subcommand)]
    Backup(BackupCommand),
    /// Operator tasks on user accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Run job workers and the scheduler in this process only (no web server).
    Worker(WorkerArgs),
    /// See and steer the job queue.
    #[command(subcommand)]
    Jobs(JobsCommand),
    /// Signed requests for an outside scheduler (`POST /api/cron/{job}`).
    #[command(subcommand)]
    Cron(CronCommand),
    /// The audit log's hash chains.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Start local fakes of the outside services (QuickBooks Online) on loopback and print the environment
    /// that points `serve` and `demo` at them (offline; runs until stopped).
    Sandbox(SandboxArgs),
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Walk every organisation's audit hash chain (or one's) and print the first break: exits
    /// non-zero when an event was changed, removed, inserted or reordered.
    Verify {
        /// Only this organisation (its slug).
        #[arg(long, value_name = "SLUG")]
        org: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum RatesCommand {
    /// Load exchange rates from the ECB reference-rate CSV (`Date,USD,JPY,…`, per euro) or a
    /// `date,from,to,rate` CSV: as the installation's reference rates for every organisation,
    /// or with --org as that organisation's own (which win over reference rates).
    Import {
        /// The rates file.
        file: PathBuf,
        /// The organisation's slug, to load the rates as its own.
        #[arg(long, value_name = "SLUG")]
        org: Option<String>,
    },
}

#[derive(Debug, Args)]
pub struct WorkerArgs {
    /// Jobs run at once [default: FLOWSENSE_WORKERS, at least 1]
    #[arg(long, value_name = "N")]
    pub concurrency: Option<usize>,
}

#[derive(Debug, Subcommand)]
pub enum JobsCommand {
    /// The newest jobs, with the queue's depth by state and kind.
    List {
        /// queued, running, succeeded, dead or cancelled.
        #[arg(long, value_name = "STATE")]
        state: Option<String>,
        /// Only jobs of this kind, e.g. cleanup.expired.
        #[arg(long, value_name = "KIND")]
        kind: Option<String>,
        /// At most this many jobs (up to 1000).
        #[arg(long, value_name = "N", default_value_t = 50)]
        limit: i64,
    },
    /// Everything about one job, its last error included.
    Show {
        /// The job's id.
        id: i64,
    },
    /// Queue a dead or cancelled job again, with fresh attempts.
    Retry {
        /// The job's id.
        id: i64,
    },
    /// Cancel a queued or dead job (a running job finishes its attempt).
    Cancel {
        /// The job's id.
        id: i64,
    },
}

#[derive(Debug, Subcommand)]
pub enum BackupCommand {
    /// Take a backup now: a consistent copy of the live database, sealed under a key derived
    /// from the master key, with a manifest; then remove the oldest beyond the kept count.
    Create {
        /// Where [default: FLOWSENSE_BACKUP_DIR, else backups/ beside the database]
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
        /// How many backups to keep [default: FLOWSENSE_BACKUP_KEEP, else 7]
        #[arg(long, value_name = "N")]
        keep: Option<usize>,
    },
    /// Restore a backup into a scratch database (a temporary file, or a new database on the
    /// PostgreSQL server of FLOWSENSE_DATABASE_URL) and compare every table's row count with
    /// its manifest.
    Verify {
        /// The backup's directory [default: the newest in the backup directory]
        backup: Option<PathBuf>,
        /// The backup directory to take the newest from.
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
    /// Restore a backup: a SQLite backup into a new file, a PostgreSQL one into an empty
    /// database; a backup made with another master key is refused.
    Restore {
        /// The backup's directory.
        backup: PathBuf,
        /// A new SQLite file (must not exist), or `postgres://…` naming an empty database.
        #[arg(long, value_name = "FILE|URL")]
        to: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum CronCommand {
    /// Print a ready `curl` line that starts JOB once (valid for 5 minutes).
    Sign {
        /// A periodic job kind, e.g. cleanup.expired.
        job: String,
        /// Where the server is reached [default: http://FLOWSENSE_INTERNAL_ADDR, else FLOWSENSE_PUBLIC_URL, else http://FLOWSENSE_ADDR]
        #[arg(long, value_name = "URL")]
        url: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user with a generated password (printed once), optionally with a role in an
    /// organisation.
    Create {
        #[arg(long, value_name = "EMAIL")]
        email: String,
        #[arg(long, value_name = "NAME")]
        name: String,
        /// The organisation to join.
        #[arg(long, value_name = "SLUG", requires = "role")]
        org: Option<String>,
        /// admin, member or viewer.
        #[arg(long, value_name = "ROLE", requires = "org")]
        role: Option<String>,
    },
    /// Turn MFA off for a user who lost their authenticator, and sign them out everywhere.
    ResetMfa {
        #[arg(long, value_name = "EMAIL")]
        email: String,
    },
    /// Disable a user: every session ends, their API tokens are refused and sign-in fails
    /// until they are enabled again.
    Disable {
        #[arg(long, value_name = "EMAIL")]
        email: String,
    },
    /// Enable a disabled user again (they sign in anew; their unexpired API tokens work again).
    Enable {
        #[arg(long, value_name = "EMAIL")]
        email: String,
    },
    /// On an instance with no users: print a one-time token (valid 24 hours) that creates the
    /// first account through `POST /api/v1/setup`. Only its hash is stored; a new one replaces
    /// an unused one.
    SetupToken,
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Show the loaded master key versions and what each one wraps.
    Status,
    /// Re-wrap every organisation key under a new master key version (resumes if interrupted).
    Rotate,
    /// Forget an old master key version once nothing uses it.
    Retire {
        /// The version to retire, e.g. 1.
        version: u32,
    },
}

#[derive(Debug, Subcommand)]
pub enum OrgCommand {
    /// Create an organisation.
    Create(OrgCreateArgs),
    /// Delete an organisation and all of its data; its key is destroyed first.
    Delete {
        /// The organisation's slug.
        #[arg(long, value_name = "SLUG")]
        slug: String,
        /// Confirm: there is no undo.
        #[arg(long)]
        yes: bool,
    },
}

#[derive(Debug, Args)]
pub struct OrgCreateArgs {
    /// Short name used in URLs and commands (lower-case letters, digits and dashes).
    #[arg(long, value_name = "SLUG")]
    pub slug: String,
    /// Display name.
    #[arg(long, value_name = "NAME")]
    pub name: String,
    /// Base currency (ISO 4217).
    #[arg(long, value_name = "CODE", default_value = "USD")]
    pub currency: String,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Address to serve on [env: FLOWSENSE_ADDR] [default: 127.0.0.1:8080]
    #[arg(long, value_name = "HOST:PORT")]
    pub addr: Option<String>,
    /// Directory for the embedded database and the credentials file.
    #[arg(long, value_name = "DIR", default_value = "flowsense-data")]
    pub data_dir: PathBuf,
    /// Load the demo data, write the credentials file, and exit without serving.
    #[arg(long)]
    pub no_serve: bool,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to serve on [env: FLOWSENSE_ADDR] [default: 127.0.0.1:8080]
    #[arg(long, value_name = "HOST:PORT")]
    pub addr: Option<String>,
}

#[derive(Debug, Args)]
pub struct MigrateArgs {
    /// Create the SQLite database file if it does not exist.
    #[arg(long)]
    pub create: bool,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The organisation's slug.
    #[arg(long, value_name = "SLUG")]
    pub org: String,
    /// CSV, OFX/QFX or QIF file.
    pub file: PathBuf,
    /// Column mapping, e.g. `date=Posted,amount=Amt,description=Memo`; saved for the account
    /// (--account) and used for its later CSV files.
    #[arg(long, value_name = "MAP")]
    pub map: Option<String>,
    /// Read the file by its header alone, not with the mapping saved for the account.
    #[arg(long, conflicts_with = "map")]
    pub no_preset: bool,
    /// Date format of the file when ambiguous, e.g. `%d/%m/%Y`.
    #[arg(long, value_name = "FORMAT")]
    pub date_format: Option<String>,
    /// Account name for files without an account column.
    #[arg(long, value_name = "NAME", default_value = "Operating")]
    pub account: String,
    /// Hide the progress bar.
    #[arg(long)]
    pub quiet: bool,
    /// Read the file through and print the layout it was recognised as, which column is
    /// what, the row counts and the totals; write nothing.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum OutputFormat {
    Table,
    Json,
    Csv,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum PeriodArg {
    Day,
    Week,
    Month,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// cashflow, forecast, runway, anomalies, recurring or aging.
    pub kind: String,
    /// The organisation's slug (reads the database).
    #[arg(
        long,
        value_name = "SLUG",
        conflicts_with = "input",
        required_unless_present = "input"
    )]
    pub org: Option<String>,
    /// A FlowSense CSV file (runs the engine on it directly, no database).
    #[arg(long, value_name = "FILE.csv")]
    pub input: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,
    /// First day (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    pub from: Option<String>,
    /// Last day (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    pub to: Option<String>,
    /// The day to report as of [default: the last transaction's date].
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<String>,
    /// Period of the cash-flow report.
    #[arg(long, value_enum, default_value_t = PeriodArg::Month)]
    pub period: PeriodArg,
    /// Base currency of an --input file.
    #[arg(long, value_name = "CODE", default_value = "USD")]
    pub currency: String,
}

#[derive(Debug, Args)]
pub struct GenArgs {
    /// How many transactions to write (each account's opening balance comes first, on a line
    /// of its own).
    #[arg(long, value_name = "N")]
    pub transactions: usize,
    /// The last day of the books, YYYY-MM-DD [default: today]
    #[arg(long, value_name = "DATE")]
    pub end: Option<chrono::NaiveDate>,
    /// CSV file to write (invoices and bills go to FILE.documents.csv beside it).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Seed: the same seed writes the same books.
    #[arg(long, value_name = "S", default_value_t = 42)]
    pub seed: u64,
    /// Also write the same books as an hledger/ledger journal.
    #[arg(long, value_name = "FILE")]
    pub journal: Option<PathBuf>,
    /// Books in several currencies, the base first (e.g. `USD,EUR,GBP`): each other currency
    /// gets an account of its own, and its monthly rates go to FILE.rates.csv beside the CSV
    /// (for `flowsense rates import --org`) and into the journal as `P` directives.
    #[arg(long, value_name = "CODES")]
    pub currencies: Option<String>,
}

#[derive(Debug, Args)]
pub struct SandboxArgs {
    /// Where FlowSense will be reached: the fakes accept `<URL>/oauth/{provider}/callback` as
    /// the redirect URI [default: FLOWSENSE_PUBLIC_URL, else http://127.0.0.1:8080]
    #[arg(long, value_name = "URL")]
    pub public_url: Option<String>,
    /// About how many transactions each fake company holds.
    #[arg(long, value_name = "N", default_value_t = 5000)]
    pub transactions: usize,
    /// Seed of the generated books: the same seed serves the same books.
    #[arg(long, value_name = "S", default_value_t = 7)]
    pub seed: u64,
    /// Also write the environment to FILE (`KEY=value` lines) for scripts.
    #[arg(long, value_name = "FILE")]
    pub env_file: Option<PathBuf>,
}
