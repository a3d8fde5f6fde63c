//! `flowsense jobs list|show|retry|cancel`: the operator's view of the job queue.

use crate::cli::JobsCommand;
use crate::settings::Settings;
use anyhow::{Result, bail};
use chrono::Utc;
use flowsense_storage::{JobId, JobRecord, JobState, StorageError};

pub async fn run(settings: &Settings, command: &JobsCommand) -> Result<()> {
    let store = super::open_store(settings, false).await?;
    let result = match command {
        JobsCommand::List { state, kind, limit } => {
            let state = state.as_deref().map(parse_state).transpose()?;
            for count in store.job_counts_across_orgs().await? {
                println!("{:<10} {:<28} {:>8}", count.state, count.kind, count.jobs);
            }
            println!();
            println!(
                "{:>8}  {:<10} {:<28} {:>8}  {:<25}  ORG",
                "ID", "STATE", "KIND", "ATTEMPTS", "RUN AT"
            );
            for job in store
                .list_jobs_across_orgs(state, kind.as_deref(), *limit)
                .await?
            {
                println!(
                    "{:>8}  {:<10} {:<28} {:>8}  {:<25}  {}",
                    job.id,
                    job.state,
                    job.kind,
                    format!("{}/{}", job.attempts, job.max_attempts),
                    job.run_at.to_rfc3339(),
                    job.org.map_or_else(|| "-".to_owned(), |o| o.to_string())
                );
            }
            Ok(())
        }
        JobsCommand::Show { id } => match store.job_across_orgs(JobId(*id)).await {
            Ok(job) => {
                print_job(&job);
                Ok(())
            }
            Err(StorageError::NotFound) => Err(anyhow::anyhow!("there is no job {id}")),
            Err(e) => Err(e.into()),
        },
        JobsCommand::Retry { id } => {
            if store.retry_job_across_orgs(JobId(*id), Utc::now()).await? {
                println!("job {id} is queued again");
                Ok(())
            } else {
                Err(anyhow::anyhow!(
                    "job {id} is not dead or cancelled (or does not exist)"
                ))
            }
        }
        JobsCommand::Cancel { id } => {
            if store.cancel_job_across_orgs(JobId(*id), Utc::now()).await? {
                println!("job {id} is cancelled");
                Ok(())
            } else {
                Err(anyhow::anyhow!(
                    "job {id} is not queued or dead (or does not exist)"
                ))
            }
        }
    };
    store.close().await;
    result
}

fn parse_state(text: &str) -> Result<JobState> {
    match text.parse() {
        Ok(state) => Ok(state),
        Err(_) => bail!("--state must be queued, running, succeeded, dead or cancelled"),
    }
}

fn print_job(job: &JobRecord) {
    let time =
        |t: Option<chrono::DateTime<Utc>>| t.map_or_else(|| "-".to_owned(), |t| t.to_rfc3339());
    println!("id:              {}", job.id);
    println!("kind:            {}", job.kind);
    println!("state:           {}", job.state);
    println!(
        "organisation:    {}",
        job.org.map_or_else(|| "-".to_owned(), |o| o.to_string())
    );
    println!("attempts:        {}/{}", job.attempts, job.max_attempts);
    println!("run at:          {}", job.run_at.to_rfc3339());
    println!("created:         {}", job.created_at.to_rfc3339());
    println!("finished:        {}", time(job.finished_at));
    println!(
        "lease:           {} until {}",
        job.lease_owner.as_deref().unwrap_or("-"),
        time(job.lease_expires_at)
    );
    println!(
        "idempotency key: {}",
        job.idempotency_key.as_deref().unwrap_or("-")
    );
    println!("payload:         {}", job.payload);
    println!(
        "last error:      {}",
        job.last_error.as_deref().unwrap_or("-")
    );
}
