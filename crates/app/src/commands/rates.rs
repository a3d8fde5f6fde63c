//! `flowsense rates import FILE [--org SLUG]`: exchange rates from a file, through the same
//! rates service as the settings page and the API (`flowsense_service::rates`).

use crate::cli::RatesCommand;
use crate::settings::Settings;
use anyhow::{Result, anyhow};
use flowsense_service::rates::import_file;

pub async fn run(settings: &Settings, cmd: &RatesCommand) -> Result<()> {
    let RatesCommand::Import { file, org } = cmd;
    let store = super::open_store(settings, false).await?;
    let org = match org {
        Some(slug) => Some(
            store
                .org_by_slug_across_orgs(slug)
                .await
                .map_err(|_| anyhow!("no organisation with slug {slug:?}"))?
                .id,
        ),
        None => None,
    };
    let done = import_file(&store, file, org)
        .await
        .map_err(|e| anyhow!("{}: {e}", file.display()))?;
    let span = match (done.first_date, done.last_date) {
        (Some(first), Some(last)) => format!(" from {first} to {last}"),
        _ => String::new(),
    };
    let whose = if org.is_some() {
        "the organisation's own"
    } else {
        "reference rates for every organisation"
    };
    println!(
        "{} rates ({} layout){span} saved as {whose}",
        done.rates, done.layout
    );
    Ok(())
}
