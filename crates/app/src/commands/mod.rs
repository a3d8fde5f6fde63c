//! One module per command.

mod audit;
mod background;
mod backup;
mod cron;
mod demo;
mod gen_books;
mod import;
mod jobs;
mod keys;
mod migrate;
mod org;
mod rates;
mod report;
mod sandbox;
mod serve;
mod user;

use crate::cli::{Cli, Command};
use crate::settings::{MasterKeySource, Overrides, Settings, sqlite_file};
use anyhow::{Context, Result};
use flowsense_storage::{Keyring, OpenOptions, Store};

pub async fn run(cli: Cli) -> Result<()> {
    let overrides = |addr: Option<String>, default_database_url: Option<String>| Overrides {
        config: cli.global.config.clone(),
        database_url: cli.global.database_url.clone(),
        addr,
        default_database_url,
    };
    match cli.command {
        Command::Demo(args) => {
            let default_db = format!("sqlite://{}/flowsense.db", args.data_dir.display());
            let settings = Settings::load(&overrides(args.addr.clone(), Some(default_db)))?;
            demo::run(&settings, &args).await
        }
        Command::Serve(args) => serve::run(&Settings::load(&overrides(args.addr, None))?).await,
        Command::Migrate(args) => {
            migrate::run(&Settings::load(&overrides(None, None))?, &args).await
        }
        Command::Import(args) => import::run(&Settings::load(&overrides(None, None))?, &args).await,
        Command::Report(args) => {
            report::run(&args, || Settings::load(&overrides(None, None))).await
        }
        Command::Gen(args) => gen_books::run(&args),
        Command::Rates(cmd) => rates::run(&Settings::load(&overrides(None, None))?, &cmd).await,
        Command::Keys(cmd) => keys::run(&Settings::load(&overrides(None, None))?, &cmd).await,
        Command::Backup(cmd) => backup::run(&Settings::load(&overrides(None, None))?, &cmd).await,
        Command::User(cmd) => user::run(&Settings::load(&overrides(None, None))?, &cmd).await,
        Command::Org(cmd) => org::run(&Settings::load(&overrides(None, None))?, &cmd).await,
        Command::Worker(args) => {
            background::run_worker(&Settings::load(&overrides(None, None))?, &args).await
        }
        Command::Jobs(cmd) => jobs::run(&Settings::load(&overrides(None, None))?, &cmd).await,
        Command::Cron(cmd) => cron::run(&Settings::load(&overrides(None, None))?, &cmd),
        Command::Audit(cmd) => audit::run(&Settings::load(&overrides(None, None))?, &cmd).await,
        Command::Sandbox(args) => {
            sandbox::run(&args, Settings::load(&overrides(None, None))?.public_url).await
        }
    }
}

/// Opens the configured database with the master keys. The built-in default SQLite file (and
/// its directory) is created on first use; any other path must already exist, so a typo is an
/// error.
pub(crate) async fn open_store(settings: &Settings, create: bool) -> Result<Store> {
    open(settings, create, false).await
}

/// [`open_store`] for a process that serves until stopped (`serve`, `demo`, `worker`): its
/// pool keeps every connection open, so a burst of requests never waits for one to be made.
pub(crate) async fn open_server_store(settings: &Settings, create: bool) -> Result<Store> {
    open(settings, create, true).await
}

async fn open(settings: &Settings, create: bool, keep_open: bool) -> Result<Store> {
    let create = create || settings.database_is_default;
    if create
        && let Some(path) = sqlite_file(&settings.database_url)
        && let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
    {
        create_private_dir(dir)?;
    }
    let keyring = load_keyring(settings, true)?;
    Store::open(
        &settings.database_url,
        &OpenOptions {
            create_if_missing: create,
            keyring: Some(keyring),
            keep_open,
            ..OpenOptions::default()
        },
    )
    .await
    .context("opening the database")
}

/// The master keys the settings name; the data directory's key file is created on first use
/// only when `create` (a restore must not invent a key).
pub(crate) fn load_keyring(settings: &Settings, create: bool) -> Result<Keyring> {
    Ok(match &settings.master_key {
        MasterKeySource::Env(value) => Keyring::from_env_value(value)?,
        MasterKeySource::File(path) => Keyring::from_file(path)?,
        MasterKeySource::DataDir(path) if create => {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                create_private_dir(dir)?;
            }
            Keyring::load_or_create(path)?
        }
        MasterKeySource::DataDir(path) => Keyring::from_file(path)?,
    })
}

/// Creates a directory readable by its owner only.
pub(crate) fn create_private_dir(dir: &std::path::Path) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
            .with_context(|| format!("restricting {}", dir.display()))?;
    }
    Ok(())
}

/// Resolves when the process is asked to stop (Ctrl-C or SIGTERM).
pub(crate) async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { () = ctrl_c => {}, () = term => {} }
    tracing::info!("shutting down");
}
