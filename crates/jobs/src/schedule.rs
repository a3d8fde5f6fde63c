//! Periodic jobs, enqueued exactly once per period however many instances run a scheduler.
//!
//! Each period has a key (`2026-12-02T13` for an hour, the local date for a night or a week).
//! The scheduler enqueues `kind:{org}:{period}` (or `kind:all:{period}`) with that key as the
//! job's idempotency key, so the unique index makes a second enqueue — from this instance's next
//! tick or from any other instance — a no-op. No leader election: the database decides.
//!
//! The period a tick belongs to is the latest occurrence at or before now, so an instance that
//! was down at 03:00 still runs last night's job once when it comes back.

use crate::handler::Registry;
use chrono::{DateTime, Datelike, NaiveDate, TimeDelta, Timelike, Utc, Weekday};
use chrono_tz::Tz;
use flowsense_core::clock::Clock;
use flowsense_core::{ErrorChain, OrgId};
use flowsense_storage::{JobId, StorageError, Store};
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

/// How often a kind runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    /// Every hour, on the UTC hour.
    Hourly,
    /// Every day at this local hour (0–23).
    Nightly { hour: u32 },
    /// Every week on this local weekday and hour.
    Weekly { weekday: Weekday, hour: u32 },
}

/// When and for whom a periodic kind runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schedule {
    pub period: Period,
    /// One job per organisation, in the organisation's time zone; otherwise one job for the
    /// instance, in UTC.
    pub per_org: bool,
}

impl Period {
    /// The key of the latest period that started at or before `now`, in `zone`.
    #[must_use]
    pub fn current_key(self, now: DateTime<Utc>, zone: Tz) -> String {
        let local = now.with_timezone(&zone).naive_local();
        match self {
            Period::Hourly => now.format("%Y-%m-%dT%H").to_string(),
            Period::Nightly { hour } => {
                let date = if local.hour() < hour {
                    previous_day(local.date())
                } else {
                    local.date()
                };
                date.to_string()
            }
            Period::Weekly { weekday, hour } => {
                let days_back = i64::from(
                    (7 + local.weekday().num_days_from_monday() - weekday.num_days_from_monday())
                        % 7,
                );
                let mut date = local.date() - TimeDelta::days(days_back);
                if days_back == 0 && local.hour() < hour {
                    date -= TimeDelta::days(7);
                }
                date.to_string()
            }
        }
    }
}

fn previous_day(date: NaiveDate) -> NaiveDate {
    date.pred_opt().unwrap_or(date)
}

/// An organisation's time zone, UTC when its setting is not a known IANA name.
fn zone_of(name: &str) -> Tz {
    name.parse().unwrap_or(Tz::UTC)
}

/// Enqueues what is due for every periodic kind of a registry.
pub struct Scheduler {
    store: Store,
    registry: Arc<Registry>,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for Scheduler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scheduler")
            .field("registry", &self.registry)
            .finish_non_exhaustive()
    }
}

impl Scheduler {
    #[must_use]
    pub fn new(store: Store, registry: Arc<Registry>, clock: Arc<dyn Clock>) -> Self {
        Self {
            store,
            registry,
            clock,
        }
    }

    /// Enqueues every periodic kind's job for the current period. Returns how many jobs this
    /// call created (0 when another tick or instance was first).
    ///
    /// # Errors
    /// On a database failure (kinds enqueued before it stay enqueued).
    pub async fn tick(&self) -> Result<usize, StorageError> {
        let mut created = 0;
        let kinds: Vec<String> = self
            .registry
            .schedules()
            .map(|(k, _)| k.to_owned())
            .collect();
        for kind in kinds {
            created += self
                .enqueue_current(&kind)
                .await?
                .unwrap_or_default()
                .into_iter()
                .filter(|(_, newly_created)| *newly_created)
                .count();
        }
        Ok(created)
    }

    /// Enqueues `kind`'s job(s) for the current period (one per organisation for a per-org
    /// kind), or finds the ones already there. Returns each job id and whether this call
    /// created it; `None` when `kind` is not a periodic kind of the registry.
    ///
    /// # Errors
    /// On a database failure.
    pub async fn enqueue_current(
        &self,
        kind: &str,
    ) -> Result<Option<Vec<(JobId, bool)>>, StorageError> {
        let Some(schedule) = self.registry.options(kind).and_then(|o| o.schedule) else {
            return Ok(None);
        };
        let now = self.clock.now();
        let mut jobs = Vec::new();
        if schedule.per_org {
            for org in self.store.orgs_across_orgs().await? {
                let key = schedule
                    .period
                    .current_key(now, zone_of(&org.settings.time_zone));
                jobs.push(self.enqueue(kind, Some(org.id), &key, now).await?);
            }
        } else {
            let key = schedule.period.current_key(now, Tz::UTC);
            jobs.push(self.enqueue(kind, None, &key, now).await?);
        }
        Ok(Some(jobs))
    }

    async fn enqueue(
        &self,
        kind: &str,
        org: Option<OrgId>,
        period: &str,
        now: DateTime<Utc>,
    ) -> Result<(JobId, bool), StorageError> {
        let owner = org.map_or_else(|| "all".to_owned(), |o| o.to_string());
        let key = format!("{kind}:{owner}:{period}");
        let job = self
            .registry
            .new_job(
                kind,
                org,
                &serde_json::json!({ "period": period }),
                Some(key),
                now,
            )
            .map_err(|e| StorageError::Config(e.to_string()))?;
        let enqueued = self.store.enqueue_job(&job, now).await?;
        Ok((enqueued.id, enqueued.newly_created))
    }

    /// Ticks every `every` until `shutdown` is cancelled. A failed tick is logged and retried
    /// at the next one.
    pub async fn run(self, every: std::time::Duration, shutdown: CancellationToken) {
        loop {
            if let Err(e) = self.tick().await {
                tracing::error!(error = %ErrorChain(&e), "the scheduler could not enqueue its jobs");
            }
            tokio::select! {
                () = shutdown.cancelled() => return,
                () = tokio::time::sleep(every) => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, min, 0)
            .single()
            .expect("valid time")
    }

    #[test]
    fn hourly_periods_are_utc_hours() {
        assert_eq!(
            Period::Hourly.current_key(at(2026, 12, 2, 13, 59), Tz::UTC),
            "2026-12-02T13"
        );
        assert_eq!(
            Period::Hourly.current_key(at(2026, 12, 2, 14, 0), Tz::UTC),
            "2026-12-02T14"
        );
    }

    #[test]
    fn a_night_starts_at_its_local_hour() {
        let nightly = Period::Nightly { hour: 3 };
        // 01:30 UTC is 02:30 in Paris (winter): still the night that started yesterday.
        assert_eq!(
            nightly.current_key(at(2026, 12, 2, 1, 30), chrono_tz::Europe::Paris),
            "2026-12-01"
        );
        // 02:00 UTC is 03:00 in Paris: tonight's.
        assert_eq!(
            nightly.current_key(at(2026, 12, 2, 2, 0), chrono_tz::Europe::Paris),
            "2026-12-02"
        );
        // In Auckland (UTC+13 in December) it is already the 3rd at 14:00 UTC on the 2nd.
        assert_eq!(
            nightly.current_key(at(2026, 12, 2, 14, 0), chrono_tz::Pacific::Auckland),
            "2026-12-03"
        );
    }

    #[test]
    fn a_week_starts_on_its_local_weekday_and_hour() {
        let weekly = Period::Weekly {
            weekday: Weekday::Mon,
            hour: 7,
        };
        // Wednesday 2 December 2026: the week began on Monday 30 November.
        assert_eq!(
            weekly.current_key(at(2026, 12, 2, 12, 0), Tz::UTC),
            "2026-11-30"
        );
        // Monday 7 December before 07:00: still the previous week.
        assert_eq!(
            weekly.current_key(at(2026, 12, 7, 6, 59), Tz::UTC),
            "2026-11-30"
        );
        assert_eq!(
            weekly.current_key(at(2026, 12, 7, 7, 0), Tz::UTC),
            "2026-12-07"
        );
    }
}
