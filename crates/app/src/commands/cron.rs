//! `flowsense cron sign JOB`: a ready `curl` line for an outside scheduler, signed with the
//! first `FLOWSENSE_CRON_SECRET` (see `flowsense_jobs::cron` for the signature).

use crate::cli::CronCommand;
use crate::settings::Settings;
use anyhow::{Result, bail};
use flowsense_jobs::cron::{
    NONCE_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, new_cron_nonce, sign_cron_request,
};

pub fn run(settings: &Settings, command: &CronCommand) -> Result<()> {
    let CronCommand::Sign { job, url } = command;
    let Some(secret) = settings.cron_secrets.first() else {
        bail!("FLOWSENSE_CRON_SECRET is not set, so the server refuses cron requests");
    };
    if job.is_empty()
        || !job
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
    {
        bail!("JOB is a job kind such as cleanup.expired (lower-case letters, digits, . _ -)");
    }
    // The internal listener serves the cron route when there is one (the public one is 404).
    let base = url
        .clone()
        .or_else(|| settings.internal_addr.map(|a| format!("http://{a}")))
        .or_else(|| settings.public_url.clone())
        .unwrap_or_else(|| format!("http://{}", settings.addr));
    if !(base.starts_with("http://") || base.starts_with("https://")) || base.contains('\'') {
        bail!("--url must be an http:// or https:// URL");
    }
    let path = format!("/api/cron/{job}");
    let timestamp = chrono::Utc::now().timestamp();
    let nonce = new_cron_nonce();
    let signature = sign_cron_request(secret, "POST", &path, timestamp, &nonce);
    println!(
        "curl -fsS -X POST -H '{TIMESTAMP_HEADER}: {timestamp}' -H '{NONCE_HEADER}: {nonce}' -H '{SIGNATURE_HEADER}: {signature}' '{}{path}'",
        base.trim_end_matches('/')
    );
    Ok(())
}
