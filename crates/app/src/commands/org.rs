//! `flowsense org …`: operator tasks on organisations.

use crate::cli::OrgCommand;
use crate::settings::Settings;
use anyhow::{Result, bail};
use flowsense_core::Currency;
use flowsense_storage::{NewOrg, OrgSettings, StorageError};

pub async fn run(settings: &Settings, command: &OrgCommand) -> Result<()> {
    match command {
        OrgCommand::Create(args) => {
            if !valid_slug(&args.slug) {
                bail!(
                    "--slug must be 2–48 lower-case letters, digits or dashes, starting with a letter"
                );
            }
            let name = flowsense_core::PlainName::parse(&args.name)
                .map_err(|e| anyhow::anyhow!("--name: {e}"))?;
            let currency =
                Currency::parse(&args.currency).map_err(|e| anyhow::anyhow!("--currency: {e}"))?;
            let store = super::open_store(settings, false).await?;
            let org = store
                .create_org(&NewOrg {
                    slug: args.slug.clone(),
                    name: name.into_string(),
                    settings: OrgSettings::with_currency(currency),
                })
                .await
                .map_err(|e| match e {
                    StorageError::Conflict(_) => {
                        anyhow::anyhow!("an organisation with slug {:?} already exists", args.slug)
                    }
                    other => other.into(),
                })?;
            store.close().await;
            println!(
                "created organisation {} ({}) in {}",
                org.name, org.slug, org.settings.base_currency
            );
            Ok(())
        }
        OrgCommand::Delete { slug, yes } => {
            if !yes {
                bail!("deleting {slug:?} removes all of its data for good; add --yes to confirm");
            }
            let store = super::open_store(settings, false).await?;
            let org = store
                .org_by_slug_across_orgs(slug)
                .await
                .map_err(|_| anyhow::anyhow!("no organisation with slug {slug:?}"))?;
            store.delete_org(org.id).await?;
            store.close().await;
            println!(
                "deleted organisation {} ({slug}); its data key was destroyed first",
                org.name
            );
            Ok(())
        }
    }
}

/// Slugs appear in URLs and commands: keep them boring.
pub(crate) fn valid_slug(slug: &str) -> bool {
    (2..=48).contains(&slug.len())
        && slug.starts_with(|c: char| c.is_ascii_lowercase())
        && slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !slug.ends_with('-')
}
