//! `flowsense serve`: the production server.

use crate::settings::{Settings, TlsMode};
use anyhow::{Context, Result};
use flowsense_jobs::{Registry, Scheduler, run_background};
use flowsense_service::warm_up::warm_all_in_background;
use flowsense_storage::Store;
use flowsense_web::api::CronEndpoint;
use flowsense_web::{AppState, AuthSettings, Deployment};
use secrecy::ExposeSecret;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

pub async fn run(settings: &Settings) -> Result<()> {
    let store = super::open_server_store(settings, false).await?;
    // Where it listens (FLOWSENSE_ADDR may ask for port 0), for whoever started it.
    serve_store(settings, store, |url| {
        println!("FlowSense is running at {url}");
    })
    .await
}

/// Binds, reports the URL through `on_ready`, and serves until a shutdown signal.
pub(crate) async fn serve_store(
    settings: &Settings,
    store: Store,
    on_ready: impl FnOnce(&str),
) -> Result<()> {
    let tls = tls_config(settings)?;
    let listener = std::net::TcpListener::bind(settings.addr)
        .with_context(|| format!("cannot listen on {} (FLOWSENSE_ADDR)", settings.addr))?;
    let bound = listener.local_addr()?;
    let url = super::background::public_url(settings, bound);
    let internal = bind_internal(settings)?;
    let (key, mailer) = super::background::key_and_mailer(settings, &store).await?;
    let mut auth = AuthSettings::new(url.clone());
    auth.session.idle_timeout = chrono::TimeDelta::minutes(settings.session_idle_minutes);
    auth.session.absolute_lifetime = chrono::TimeDelta::hours(settings.session_absolute_hours);
    auth.trusted_proxies = settings.trusted_proxies.clone();
    auth.signup = settings.signup;
    auth.breached_passwords = settings
        .breached_passwords
        .as_deref()
        .map(flowsense_service::identity::breached::BreachedPasswords::open)
        .transpose()
        .context("FLOWSENSE_BREACHED_PASSWORDS_FILE")?;
    auth.limits = settings.limits.clone();
    let ai = settings.ai.build()?;
    let state = AppState::new(store, key, mailer, auth).context("preparing the server")?;
    let state = match &settings.redis_url {
        Some(url) => state
            .with_shared_limits(url.expose_secret())
            .context("FLOWSENSE_REDIS_URL")?,
        None => state,
    };
    let state = state.with_deployment(Deployment {
        tls: tls.is_some(),
        // The trust center and the assistant page name the provider that is configured.
        ai_provider: ai.as_ref().map(|m| crate::ai::describe(&m.info())),
        security_contact: settings.security_contact.clone(),
    });
    let mut providers = settings.providers.build(&url, state.clock.clone())?;
    providers.ai = ai;
    providers.ai_monthly_tokens =
        flowsense_service::ai::usage::MonthlyTokens(settings.ai_monthly_tokens);
    let mut services = state.services.clone().with_providers(providers);
    if let Some(policy) = settings.backup_policy() {
        services = services.with_backups(policy);
    }
    if let Some(sso) = &settings.sso {
        services = services.with_sso(sso.build(&url)?);
    }
    let mut state = state;
    state.services = services;
    let registry = Arc::new(flowsense_service::background::registry(&state.services));
    let state = with_cron_endpoint(state, settings, &registry);
    let state = match &settings.metrics_token {
        Some(token) => state.with_metrics_token(token.clone()),
        None => state,
    };
    tracing::info!(%url, tls = tls.is_some(), workers = settings.workers, "serving");
    if internal.is_none() && !settings.cron_secrets.is_empty() {
        // Checklist G6: the cron trigger belongs off the public ingress.
        tracing::warn!(
            "FLOWSENSE_CRON_SECRET is set without FLOWSENSE_INTERNAL_ADDR: POST /api/cron/{{job}} \
             is served on the public listener (FLOWSENSE_ADDR); set FLOWSENSE_INTERNAL_ADDR to \
             an internal address to serve it (and /metrics) only there"
        );
    }
    if tls.is_none() && settings.trusted_proxies.is_empty() {
        // Checklist A3: HTTPS everywhere. Without TLS here, only a proxy in front can give it,
        // and none is configured.
        tracing::warn!(
            "serving plain HTTP with no trusted proxy: set FLOWSENSE_TLS_CERT and \
             FLOWSENSE_TLS_KEY, or put a TLS-terminating proxy in front and name it in \
             FLOWSENSE_TRUSTED_PROXIES"
        );
    }
    // The first dashboard of each organisation should not wait for its figures.
    warm_all_in_background(&state.store, &state.analytics);
    let stop_background = CancellationToken::new();
    let mut background = run_background(
        &state.store,
        &registry,
        &state.clock,
        settings.workers,
        settings.job_lease,
        &stop_background,
    );
    let stop_serving = CancellationToken::new();
    let internal = match internal {
        Some(listener) => {
            let operator_state = state.clone();
            let stop = stop_serving.clone();
            listener.set_nonblocking(true)?;
            let listener = tokio::net::TcpListener::from_std(listener)?;
            Some(tokio::spawn(flowsense_web::serve_operator(
                listener,
                operator_state,
                stop.cancelled_owned(),
            )))
        }
        None => None,
    };
    let state = if internal.is_some() {
        // The public listener answers 404 for what the internal one serves.
        state.without_operator_routes()
    } else {
        state
    };
    on_ready(&url);
    let signalled = stop_serving.clone();
    let stop_on_signal = stop_background.clone();
    tokio::spawn(async move {
        super::shutdown_signal().await;
        signalled.cancel();
        stop_on_signal.cancel();
    });
    let shutdown = stop_serving.clone().cancelled_owned();
    let served = match tls {
        Some(config) => flowsense_web::serve_tls(listener, state, config, shutdown).await,
        None => {
            listener.set_nonblocking(true)?;
            let listener = tokio::net::TcpListener::from_std(listener)?;
            flowsense_web::serve(listener, state, shutdown).await
        }
    };
    stop_serving.cancel();
    let internal_served = match internal {
        Some(task) => task.await.context("the internal listener stopped")?,
        None => Ok(()),
    };
    // Running jobs finish within their grace period, or go back to the queue.
    stop_background.cancel();
    while background.join_next().await.is_some() {}
    served.context("server failed")?;
    internal_served.context("internal listener failed (FLOWSENSE_INTERNAL_ADDR)")
}

/// Binds `FLOWSENSE_INTERNAL_ADDR` when it is set, and says where it listens (before the
/// public "running at" line, so whoever started the server can read both).
fn bind_internal(settings: &Settings) -> Result<Option<std::net::TcpListener>> {
    let Some(addr) = settings.internal_addr else {
        return Ok(None);
    };
    let listener = std::net::TcpListener::bind(addr)
        .with_context(|| format!("cannot listen on {addr} (FLOWSENSE_INTERNAL_ADDR)"))?;
    let bound = listener.local_addr()?;
    println!("FlowSense operator routes (cron, metrics) are at http://{bound}");
    tracing::info!(%bound, "serving the operator routes on the internal listener");
    Ok(Some(listener))
}

/// Answers `POST /api/cron/{job}` for the registry's periodic kinds when a secret is set.
fn with_cron_endpoint(state: AppState, settings: &Settings, registry: &Arc<Registry>) -> AppState {
    if settings.cron_secrets.is_empty() {
        return state;
    }
    let scheduler = Scheduler::new(state.store.clone(), registry.clone(), state.clock.clone());
    state.with_cron(CronEndpoint {
        secrets: settings.cron_secrets.clone(),
        scheduler: Arc::new(scheduler),
    })
}

fn tls_config(settings: &Settings) -> Result<Option<rustls::ServerConfig>> {
    Ok(match &settings.tls {
        TlsMode::Off => None,
        TlsMode::Files { cert, key } => {
            let cert_pem = std::fs::read(cert)
                .with_context(|| format!("FLOWSENSE_TLS_CERT: cannot read {}", cert.display()))?;
            let key_pem =
                zeroize::Zeroizing::new(std::fs::read(key).with_context(|| {
                    format!("FLOWSENSE_TLS_KEY: cannot read {}", key.display())
                })?);
            Some(
                flowsense_web::tls_config(&cert_pem, &key_pem)
                    .context("FLOWSENSE_TLS_CERT / FLOWSENSE_TLS_KEY")?,
            )
        }
        TlsMode::SelfSigned => {
            let host = settings.addr.ip().to_string();
            let names = vec!["localhost".to_owned(), host];
            Some(
                flowsense_web::self_signed_tls_config(&names)
                    .context("FLOWSENSE_TLS=self-signed")?
                    .config,
            )
        }
    })
}
