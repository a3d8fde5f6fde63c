//! `flowsense serve`: the production server.

use crate::settings::Settings;
use anyhow::{Context, Result};
use flowsense_storage::Store;
use flowsense_web::AppState;

pub async fn run(settings: &Settings) -> Result<()> {
    let store = super::open_store(settings, false).await?;
    serve_store(settings, store, |_| {}).await
}

/// Binds, reports the URL through `on_ready`, and serves until a shutdown signal.
pub(crate) async fn serve_store(
    settings: &Settings,
    store: Store,
    on_ready: impl FnOnce(&str),
) -> Result<()> {
    let listener = tokio::net::TcpListener::bind(settings.addr)
        .await
        .with_context(|| format!("cannot listen on {} (FLOWSENSE_ADDR)", settings.addr))?;
    let bound = listener.local_addr()?;
    let url = settings
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{bound}"));
    tracing::info!(%url, backend = ?store.backend(), "serving");
    on_ready(&url);
    flowsense_web::serve(listener, AppState::new(store), super::shutdown_signal())
        .await
        .context("server failed")
}
