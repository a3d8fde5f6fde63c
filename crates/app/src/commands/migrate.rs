//! `flowsense migrate`: apply migrations (also done at every start).

use crate::cli::MigrateArgs;
use crate::settings::Settings;
use anyhow::Result;

pub async fn run(settings: &Settings, args: &MigrateArgs) -> Result<()> {
    let store = super::open_store(settings, args.create).await?;
    let applied = store.applied_migrations().await?;
    println!(
        "database is up to date ({:?}, {} migrations applied: {})",
        store.backend(),
        applied.len(),
        applied.join(", ")
    );
    store.close().await;
    Ok(())
}
