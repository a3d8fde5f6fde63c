//! `flowsense org …`: operator tasks on organisations.

use crate::cli::OrgCommand;
use crate::settings::Settings;
use anyhow::{Result, anyhow, bail};
use flowsense_service::orgs::lifecycle::{self, NewOrgInput};

pub async fn run(settings: &Settings, command: &OrgCommand) -> Result<()> {
    match command {
        OrgCommand::Create(args) => {
            let store = super::open_store(settings, false).await?;
            let input = NewOrgInput {
                name: args.name.clone(),
                slug: Some(args.slug.clone()),
                base_currency: args.currency.clone(),
                time_zone: None,
            };
            let created = lifecycle::create_without_members(&store, &input).await;
            store.close().await;
            let org = created.map_err(|e| match e.field() {
                // The flags are the form here: say which one was refused.
                Some(field) => anyhow!("--{}: {e}", flag_of(field)),
                None => anyhow::Error::new(e).context("could not create the organisation"),
            })?;
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
                .map_err(|_| anyhow!("no organisation with slug {slug:?}"))?;
            // Billing on: its Stripe customer's deletion is queued for the workers first.
            let ctx = super::background::headless_context(settings, store.clone()).await?;
            flowsense_service::billing::delete_org_and_its_customer(&ctx, org.id).await?;
            store.close().await;
            println!(
                "deleted organisation {} ({slug}); its data key was destroyed first",
                org.name
            );
            Ok(())
        }
    }
}

/// The command-line flag that carries a form field of [`NewOrgInput`].
fn flag_of(field: &str) -> &str {
    match field {
        "base_currency" => "currency",
        other => other,
    }
}
