//! `flowsense audit verify`: walks the audit log's hash chains (SECURITY-CHECKLIST H3).

use crate::cli::AuditCommand;
use crate::settings::Settings;
use anyhow::{Result, anyhow, bail};
use flowsense_storage::ChainReport;

pub async fn run(settings: &Settings, command: &AuditCommand) -> Result<()> {
    let AuditCommand::Verify { org } = command;
    let store = super::open_store(settings, false).await?;
    let reports = match org {
        Some(slug) => {
            let org = store
                .org_by_slug_across_orgs(slug)
                .await
                .map_err(|_| anyhow!("no organisation with slug {slug:?}"))?;
            let report = store.verify_audit_chain(org.id).await?;
            if let Some(broken) = &report.broken {
                flowsense_service::audit::log_break(broken);
            }
            vec![report]
        }
        None => flowsense_service::audit::verify_chains(&store).await?,
    };
    store.close().await;
    let mut broken = 0;
    for report in &reports {
        print_report(report);
        broken += usize::from(report.broken.is_some());
    }
    if broken > 0 {
        bail!(
            "{broken} of {} organisations' audit chains are broken",
            reports.len()
        );
    }
    println!("{} audit chains verify", reports.len());
    Ok(())
}

fn print_report(report: &ChainReport) {
    match &report.broken {
        None => println!(
            "ok      org {}: {} events verified, {} recorded before the chain began",
            report.org, report.verified, report.unsealed
        ),
        Some(b) => println!(
            "BROKEN  org {}: event {} {}: {}",
            b.org,
            b.event_id,
            b.kind.as_str(),
            b.detail
        ),
    }
}
