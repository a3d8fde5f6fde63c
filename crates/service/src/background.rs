//! Every job kind FlowSense runs, with its handler: the one registry that `serve`, `flowsense
//! worker` and the tests build, so any worker can run any job.
//!
//! | kind | when | what |
//! |---|---|---|
//! | `cleanup.expired` | hourly | expired sessions, tokens, invitations, cron nonces, old finished jobs, AI call records past 13 months |
//! | `backup.nightly` | nightly, 02:00 UTC, when `FLOWSENSE_BACKUP_DIR` is set | a sealed backup, verified by a scratch restore; the oldest beyond the kept count removed ([`crate::backup`]) |
//! | `retention.purge` | nightly, 03:00 UTC | every organisation's audit hash chain verified (a break logged as a `flowsense::audit` security event), then each organisation's transactions past its retention, conversations past 90 days and audit events past two years |
//! | `email.send` | on demand | one e-mail ([`crate::email::Message`]) |
//! | `digest.weekly` | Monday 08:00, each organisation's time zone | one `digest.send` per recipient |
//! | `digest.send` | on demand | one member's digest of one organisation |
//! | `connection.sync` | on demand (connect, webhook, poll) | one connection's books read into storage |
//! | `connection.poll` | hourly | one `connection.sync` per active connection |
//! | `billing.delete_customer` | on demand (an organisation deleted with billing on) | its Stripe customer deleted at Stripe, retried until it is ([`crate::billing::delete_org_and_its_customer`]) |
//! | `search.index` | on demand (after an import or sync page of more than 10,000 rows; one queued per organisation) | those rows taken into the word-search index, 10,000 per transaction ([`flowsense_storage::search_index`]) |
//! | `insights.narrate` | on demand (after each import and finished sync; one queued per organisation) | the top insights' narratives from their figures ([`crate::ai::narrate`]) |

use crate::{Context, ai, backup, billing, digest, email, retention, sync};
use flowsense_core::ErrorChain;
use flowsense_jobs::{Job, JobError, KindOptions, Period, Registry, Schedule, builtin};
use flowsense_storage::search_index::SEARCH_INDEX_KIND;

/// The nightly backup (when the instance has a backup directory).
pub const BACKUP_NIGHTLY: &str = "backup.nightly";

/// The nightly purge of what each organisation's retention setting no longer keeps (SPEC §6).
pub const RETENTION_PURGE: &str = "retention.purge";

/// The registry of every kind, its handlers running against `ctx`.
#[must_use]
pub fn registry(ctx: &Context) -> Registry {
    let mut registry = Registry::new();
    builtin::register_cleanup(
        &mut registry,
        ctx.store.clone(),
        ctx.clock.clone(),
        ctx.session_policy.idle_timeout,
    );
    register_retention(&mut registry, ctx);
    register_backup(&mut registry, ctx);
    email::register(&mut registry, ctx);
    digest::register(&mut registry, ctx.clone());
    sync::register(&mut registry, ctx);
    ai::narrate::register(&mut registry, ctx);
    billing::register(&mut registry, ctx);
    register_search_index(&mut registry, ctx);
    registry
}

/// Registers [`SEARCH_INDEX_KIND`]: an organisation's search backlog taken into the index. A
/// killed run resumes where it stopped (each chunk is its own transaction).
fn register_search_index(registry: &mut Registry, ctx: &Context) {
    let options = KindOptions {
        max_attempts: 5,
        schedule: None,
    };
    let store = ctx.store.clone();
    registry.register(SEARCH_INDEX_KIND, options, move |job: Job| {
        let store = store.clone();
        async move {
            let org = job
                .org
                .ok_or_else(|| JobError::permanent("a search index job needs its organisation"))?;
            let rows = store.index_search_backlog(org).await.map_err(|e| {
                tracing::warn!(error = %ErrorChain(&e), "the search index could not take its backlog");
                JobError::retry("the search index could not take its backlog")
            })?;
            tracing::info!(rows, "search backlog indexed");
            Ok(())
        }
    });
}

/// Registers [`RETENTION_PURGE`]: once a night for the instance, at 03:00 UTC, after verifying
/// the audit chains; each
/// organisation's cutoff is computed in its own time zone. A killed run resumes where it
/// stopped (each batch is its own transaction).
fn register_retention(registry: &mut Registry, ctx: &Context) {
    let options = KindOptions {
        max_attempts: 5,
        schedule: Some(Schedule {
            period: Period::Nightly {
                hour: retention::NIGHTLY_PURGE_HOUR_UTC,
            },
            per_org: false,
        }),
    };
    let ctx = ctx.clone();
    registry.register(RETENTION_PURGE, options, move |_job: Job| {
        let ctx = ctx.clone();
        async move {
            // The audit chains are walked before the purge removes their oldest events, so a
            // break among those is reported before it goes. A break is logged as a security
            // event; it does not stop the purge.
            if let Err(e) = crate::audit::verify_chains(&ctx.store).await {
                tracing::error!(error = %ErrorChain(&e), "the audit chains could not be verified");
            }
            let summary = retention::purge_all_orgs(&ctx.store, ctx.now())
                .await
                .map_err(|e| {
                    tracing::error!(error = %ErrorChain(&e), "the retention purge failed");
                    JobError::retry("the database refused the retention purge")
                })?;
            if summary.orgs_failed > 0 {
                return Err(JobError::retry(format!(
                    "{} organisations could not be purged",
                    summary.orgs_failed
                )));
            }
            Ok(())
        }
    });
}

/// Registers [`BACKUP_NIGHTLY`] when `ctx` has a backup policy: once a night for the instance,
/// before the retention purge, a backup taken, then verified by restoring it into a scratch
/// database (the trust center shows the last verified one).
fn register_backup(registry: &mut Registry, ctx: &Context) {
    let Some(policy) = ctx.backups.clone() else {
        return;
    };
    let options = KindOptions {
        max_attempts: 3,
        schedule: Some(Schedule {
            period: Period::Nightly {
                hour: backup::NIGHTLY_BACKUP_HOUR_UTC,
            },
            per_org: false,
        }),
    };
    let ctx = ctx.clone();
    registry.register(BACKUP_NIGHTLY, options, move |_job: Job| {
        let (ctx, policy) = (ctx.clone(), policy.clone());
        async move {
            let fail = |e: backup::BackupError| {
                tracing::error!(error = %ErrorChain(&e), "the nightly backup failed");
                JobError::retry("the nightly backup failed")
            };
            let created = backup::create(&ctx.store, &policy, ctx.now())
                .await
                .map_err(fail)?;
            let keyring = ctx
                .store
                .keyring()
                .ok_or_else(|| fail(backup::BackupError::NoKeyring))?;
            backup::verify(
                keyring,
                &created.path,
                ctx.store.postgres_database(),
                ctx.now(),
            )
            .await
            .map_err(fail)?;
            Ok(())
        }
    });
}
