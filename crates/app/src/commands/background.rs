//! `flowsense worker`: job workers and the scheduler without the web server (`serve` runs the
//! same inside itself unless `FLOWSENSE_WORKERS=0`). The job kinds and their handlers are
//! `flowsense_service::background::registry`, the same in every process.

use crate::cli::WorkerArgs;
use crate::settings::{Settings, TlsMode};
use anyhow::{Context as _, Result};
use flowsense_jobs::run_background;
use flowsense_mail::{FileMailer, Mailer, SmtpMailer};
use flowsense_service::identity::crypto::InstanceKey;
use flowsense_service::{Context, ContextSettings};
use flowsense_storage::Store;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

/// The key that signs e-mailed links and derives CSRF tokens (created once, sealed in the
/// database, the same for every instance), and the mailer `FLOWSENSE_SMTP_URL` chooses: what
/// every process that sends e-mail needs.
pub(crate) async fn key_and_mailer(
    settings: &Settings,
    store: &Store,
) -> Result<(InstanceKey, Arc<dyn Mailer>)> {
    let key = InstanceKey::from_bytes(*store.instance_secret("web-signing-key").await?);
    let mailer: Arc<dyn Mailer> = match &settings.smtp {
        Some(smtp) => Arc::new(
            SmtpMailer::new(smtp, &settings.mail_from)
                .context("preparing SMTP delivery (FLOWSENSE_SMTP_URL, FLOWSENSE_MAIL_FROM)")?,
        ),
        None => Arc::new(
            FileMailer::new(settings.data_dir.join("outbox"), &settings.mail_from)
                .context("creating the e-mail outbox (FLOWSENSE_MAIL_FROM)")?,
        ),
    };
    Ok((key, mailer))
}

/// Where users reach the product: `FLOWSENSE_PUBLIC_URL`, or the listening address.
pub(crate) fn public_url(settings: &Settings, bound: SocketAddr) -> String {
    let scheme = if matches!(settings.tls, TlsMode::Off) {
        "http"
    } else {
        "https"
    };
    settings
        .public_url
        .clone()
        .unwrap_or_else(|| format!("{scheme}://{bound}"))
}

/// The use cases' context over `store` for a process without the web server (a worker, an
/// operator's command), with the providers the settings configure (AI aside).
pub(crate) async fn headless_context(settings: &Settings, store: Store) -> Result<Context> {
    let (key, mailer) = key_and_mailer(settings, &store).await?;
    let mut services = ContextSettings::new(&public_url(settings, settings.addr));
    services.session.idle_timeout = chrono::TimeDelta::minutes(settings.session_idle_minutes);
    // Such a process hashes no passwords.
    services.hash_concurrency = 1;
    let ctx = Context::new(store, key, mailer, &services).context("preparing the services")?;
    let providers = settings
        .providers
        .build(&public_url(settings, settings.addr), ctx.clock.clone())?;
    Ok(ctx.with_providers(providers))
}

pub async fn run_worker(settings: &Settings, args: &WorkerArgs) -> Result<()> {
    let store = super::open_server_store(settings, false).await?;
    let ctx = headless_context(settings, store).await?;
    let mut providers = ctx.providers.clone();
    // Workers write the insight narratives, so they reach the model too.
    providers.ai = settings.ai.build()?;
    providers.ai_monthly_tokens =
        flowsense_service::ai::usage::MonthlyTokens(settings.ai_monthly_tokens);
    let mut ctx = ctx.with_providers(providers);
    if let Some(policy) = settings.backup_policy() {
        ctx = ctx.with_backups(policy);
    }
    let registry = Arc::new(flowsense_service::background::registry(&ctx));
    let concurrency = args.concurrency.unwrap_or(settings.workers).max(1);
    let shutdown = CancellationToken::new();
    let mut tasks = run_background(
        &ctx.store,
        &registry,
        &ctx.clock,
        concurrency,
        settings.job_lease,
        &shutdown,
    );
    tracing::info!(concurrency, kinds = ?registry, "worker running");
    super::shutdown_signal().await;
    shutdown.cancel();
    while tasks.join_next().await.is_some() {}
    ctx.store.close().await;
    Ok(())
}
