//! `flowsense keys status | rotate | retire`: the master key (key-encryption key) life cycle.

use crate::cli::KeysCommand;
use crate::settings::{MasterKeySource, Settings};
use anyhow::{Context as _, Result, bail};
use flowsense_storage::Keyring;
use indicatif::{ProgressBar, ProgressStyle};

pub async fn run(settings: &Settings, command: &KeysCommand) -> Result<()> {
    match command {
        KeysCommand::Status => status(settings).await,
        KeysCommand::Rotate => rotate(settings).await,
        KeysCommand::Retire { version } => retire(settings, *version).await,
    }
}

async fn status(settings: &Settings) -> Result<()> {
    let store = super::open_store(settings, false).await?;
    let s = store.key_status().await?;
    store.close().await;
    let list = |m: &std::collections::BTreeMap<u32, u64>| {
        m.iter()
            .map(|(v, n)| format!("v{v}: {n}"))
            .collect::<Vec<_>>()
            .join("  ")
    };
    println!(
        "Master keys loaded: {} (current v{})",
        s.loaded_master_versions
            .iter()
            .map(|v| format!("v{v}"))
            .collect::<Vec<_>>()
            .join(", "),
        s.current_master_version
    );
    println!(
        "Organisation keys:  {}",
        list(&s.org_keys_by_master_version)
    );
    println!(
        "Instance keys:      {}",
        list(&s.instance_keys_by_master_version)
    );
    println!(
        "Organisations: {}   Keys needing re-wrap: {}   Last rotation: {}",
        s.organisations,
        s.keys_needing_rewrap(),
        s.last_master_rotation
            .map_or_else(|| "never".to_owned(), |t| t.to_rfc3339())
    );
    Ok(())
}

/// The key file, when the keys live in one (they cannot be added to an environment variable).
fn key_file(settings: &Settings) -> Option<&std::path::Path> {
    match &settings.master_key {
        MasterKeySource::File(p) | MasterKeySource::DataDir(p) => Some(p),
        MasterKeySource::Env(_) => None,
    }
}

async fn rotate(settings: &Settings) -> Result<()> {
    // Resume first: if keys still wait for the current version, finish that rotation.
    let store = super::open_store(settings, false).await?;
    let pending = store.key_status().await?.keys_needing_rewrap();
    store.close().await;
    if pending == 0 {
        match key_file(settings) {
            Some(path) => {
                let v = Keyring::add_generated_version_to_file(path)?;
                println!("Added master key v{v} to {}", path.display());
            }
            None => bail!(
                "every key is already under the current master version; add a new version to FLOWSENSE_MASTER_KEY (e.g. \"v1:<old> v2:<new>\") and run again"
            ),
        }
    }
    let store = super::open_store(settings, false).await?;
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("Re-wrapping {bar:30} {pos}/{len} organisations")
            .context("progress template")?,
    );
    let done = store
        .rotate_master_key(|p| {
            bar.set_length(p.orgs_total);
            bar.set_position(p.orgs_done);
        })
        .await?;
    bar.finish_and_clear();
    store.close().await;
    println!(
        "Done: {} organisations under master key v{}; {} organisation keys and {} instance keys re-wrapped.",
        done.organisations,
        done.master_version,
        done.org_keys_rewrapped,
        done.instance_keys_rewrapped
    );
    println!(
        "Old versions stay loaded until `flowsense keys retire N` (after your backup window)."
    );
    Ok(())
}

async fn retire(settings: &Settings, version: u32) -> Result<()> {
    let store = super::open_store(settings, false).await?;
    store.retire_master_key_version(version).await?;
    store.close().await;
    match key_file(settings) {
        Some(path) => {
            Keyring::remove_version_from_file(path, version)?;
            println!(
                "Retired master key v{version} and removed it from {}",
                path.display()
            );
        }
        None => println!(
            "Retired master key v{version}: nothing uses it now; remove it from FLOWSENSE_MASTER_KEY"
        ),
    }
    Ok(())
}
