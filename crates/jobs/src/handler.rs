//! What runs a job: a [`Handler`] per kind, kept in a [`Registry`] with the kind's attempt limit
//! and, for periodic kinds, its [`Schedule`].

use crate::schedule::Schedule;
use flowsense_core::OrgId;
use flowsense_storage::{ClaimedJob, JobId, NewJob};
use futures_util::future::BoxFuture;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;

/// A claimed job as its handler sees it.
#[derive(Debug, Clone)]
pub struct Job {
    pub id: JobId,
    pub kind: String,
    pub org: Option<OrgId>,
    /// JSON text (ids and options, never secrets or amounts).
    pub payload: String,
    pub idempotency_key: Option<String>,
    /// This attempt's number, from 1.
    pub attempt: i64,
    pub max_attempts: i64,
}

impl Job {
    /// The payload decoded as `T`. A payload that does not decode never will: that is a
    /// permanent error.
    ///
    /// # Errors
    /// [`JobError::Permanent`] when the payload is not a `T`.
    pub fn payload<T: DeserializeOwned>(&self) -> Result<T, JobError> {
        serde_json::from_str(&self.payload).map_err(|_| {
            JobError::permanent(format!("the payload of a {} job is invalid", self.kind))
        })
    }
}

impl From<ClaimedJob> for Job {
    fn from(c: ClaimedJob) -> Self {
        Job {
            id: c.id,
            org: c.org(),
            kind: c.kind,
            payload: c.payload,
            idempotency_key: c.idempotency_key,
            attempt: c.attempts,
            max_attempts: c.max_attempts,
        }
    }
}

/// Why an attempt failed. The message is stored and shown to operators, so it must be safe:
/// no secrets, no amounts, no personal data beyond ids.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JobError {
    /// Worth another attempt later (a timeout, a refused connection, a locked database).
    #[error("{0}")]
    Retryable(String),
    /// Will fail again however often it runs (a bad payload, a deleted organisation).
    #[error("{0}")]
    Permanent(String),
}

impl JobError {
    pub fn retry(message: impl Into<String>) -> Self {
        JobError::Retryable(message.into())
    }

    pub fn permanent(message: impl Into<String>) -> Self {
        JobError::Permanent(message.into())
    }
}

/// Runs jobs of one kind. Handlers must be idempotent: a job whose worker died runs again.
pub trait Handler: Send + Sync + 'static {
    fn run(&self, job: Job) -> BoxFuture<'static, Result<(), JobError>>;
}

impl<F, Fut> Handler for F
where
    F: Fn(Job) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), JobError>> + Send + 'static,
{
    fn run(&self, job: Job) -> BoxFuture<'static, Result<(), JobError>> {
        Box::pin(self(job))
    }
}

/// How a kind runs.
#[derive(Debug, Clone, Copy)]
pub struct KindOptions {
    /// Attempts before a job is dead.
    pub max_attempts: i64,
    /// Run by the scheduler once per period (and allowed through `POST /api/cron/{kind}`).
    pub schedule: Option<Schedule>,
}

impl Default for KindOptions {
    fn default() -> Self {
        Self {
            max_attempts: 5,
            schedule: None,
        }
    }
}

pub(crate) struct Registered {
    pub handler: Arc<dyn Handler>,
    pub options: KindOptions,
}

/// Every kind this process can run.
#[derive(Default)]
pub struct Registry {
    kinds: BTreeMap<String, Registered>,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.kinds.keys()).finish()
    }
}

impl Registry {
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers `handler` for `kind` (a later registration of the same kind replaces it).
    pub fn register(
        &mut self,
        kind: &str,
        options: KindOptions,
        handler: impl Handler,
    ) -> &mut Self {
        self.kinds.insert(
            kind.to_owned(),
            Registered {
                handler: Arc::new(handler),
                options,
            },
        );
        self
    }

    pub(crate) fn get(&self, kind: &str) -> Option<&Registered> {
        self.kinds.get(kind)
    }

    /// The kind's options, when registered.
    #[must_use]
    pub fn options(&self, kind: &str) -> Option<KindOptions> {
        self.kinds.get(kind).map(|r| r.options)
    }

    /// The periodic kinds and their schedules.
    pub fn schedules(&self) -> impl Iterator<Item = (&str, Schedule)> {
        self.kinds
            .iter()
            .filter_map(|(kind, r)| r.options.schedule.map(|s| (kind.as_str(), s)))
    }

    /// A job of a registered `kind` with its attempt limit, due at `run_at`.
    ///
    /// # Errors
    /// [`JobError::Permanent`] for a kind not registered here or a payload that does not
    /// serialise.
    pub fn new_job(
        &self,
        kind: &str,
        org: Option<OrgId>,
        payload: &impl Serialize,
        idempotency_key: Option<String>,
        run_at: chrono::DateTime<chrono::Utc>,
    ) -> Result<NewJob, JobError> {
        let options = self
            .options(kind)
            .ok_or_else(|| JobError::permanent(format!("no handler for job kind {kind}")))?;
        let payload = serde_json::to_string(payload)
            .map_err(|_| JobError::permanent("the job payload does not serialise"))?;
        Ok(NewJob {
            kind: kind.to_owned(),
            org,
            payload,
            idempotency_key,
            run_at,
            max_attempts: options.max_attempts,
        })
    }
}
