//! `GET /metrics` for a monitoring system, in the Prometheus text format (version 0.0.4).
//!
//! Two kinds of series. Read from the database at each scrape, so every instance answers for
//! the whole deployment: the job queue, the AI calls and tokens on record. Counted in this
//! instance's memory since it started, so Prometheus sums them across instances: requests and
//! latencies by route template, the analytics cache's hits and loads, the provider syncs its
//! workers ended.
//!
//! 404 when no `FLOWSENSE_METRICS_TOKEN` is configured (like the cron route without its
//! secret); 401 unless the request carries `Authorization: Bearer <token>`, compared in
//! constant time. The output names route templates, job kinds, providers, purposes, models and
//! counts only: no organisation, user, raw path, payload or amount.

use crate::{ApiError, AppState, ErrorCode};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use flowsense_service::identity::crypto::{ct_eq, sha256};
use flowsense_storage::{AiTokenSum, JobQueueGauges, QUEUE_GAUGE_STATES};
use secrecy::{ExposeSecret, SecretString};
use std::fmt::Write;

/// The content type Prometheus scrapes.
const PROMETHEUS_TEXT: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Whether `headers` carry `Authorization: Bearer <token>`. Both sides are hashed first, so the
/// comparison takes the same time whatever the length or content of what was sent.
fn bearer_matches(headers: &HeaderMap, token: &SecretString) -> bool {
    let sent = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    let expected = sha256(token.expose_secret().as_bytes());
    ct_eq(&sha256(sent.trim().as_bytes()), &expected)
}

pub(crate) async fn metrics(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let Some(token) = state.metrics_token.as_deref() else {
        return Err(ApiError::NotFound);
    };
    if !bearer_matches(&headers, token) {
        return Err(ApiError::Unauthorized(ErrorCode::Unauthenticated));
    }
    let now = state.now();
    let gauges = state
        .store
        .job_queue_gauges_across_orgs(now)
        .await
        .map_err(ApiError::internal)?;
    let ai_calls = state
        .store
        .ai_call_counts_across_orgs()
        .await
        .map_err(ApiError::internal)?;
    let ai_tokens = state
        .store
        .ai_token_sums_across_orgs()
        .await
        .map_err(ApiError::internal)?;
    let mut text = render(&gauges, now);
    render_ai_calls(&mut text, &ai_calls);
    render_ai_tokens(&mut text, &ai_tokens);
    render_instance_counters(&mut text, &state);
    state.request_metrics.render(&mut text);
    let mut r = text.into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(PROMETHEUS_TEXT),
    );
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(r)
}

/// The gauges in the text format. Every state of every kind seen is written, zeros included,
/// so a series does not vanish when its last job leaves that state.
fn render(gauges: &JobQueueGauges, now: chrono::DateTime<chrono::Utc>) -> String {
    let mut out = String::new();
    out.push_str(
        "# HELP flowsense_jobs Jobs in the queue by kind and state (queued: waiting for a first attempt; retrying: waiting after a failed one; running; dead: out of attempts).\n\
         # TYPE flowsense_jobs gauge\n",
    );
    let mut kinds: Vec<&str> = gauges.jobs.iter().map(|(k, _, _)| k.as_str()).collect();
    kinds.dedup();
    for kind in kinds {
        for state in QUEUE_GAUGE_STATES {
            let jobs = gauges
                .jobs
                .iter()
                .find(|(k, s, _)| k == kind && *s == state)
                .map_or(0, |(_, _, n)| *n);
            let _ = writeln!(
                out,
                "flowsense_jobs{{kind=\"{}\",state=\"{state}\"}} {jobs}",
                label(kind)
            );
        }
    }
    let waited = gauges
        .oldest_due
        .map_or(0, |due| (now - due).num_seconds().max(0));
    out.push_str(
        "# HELP flowsense_jobs_oldest_due_seconds How long the queued job that became due first has waited for a worker (0 when none waits).\n\
         # TYPE flowsense_jobs_oldest_due_seconds gauge\n",
    );
    let _ = writeln!(out, "flowsense_jobs_oldest_due_seconds {waited}");
    out
}

/// The AI calls on record (the last 13 months), by purpose and outcome: `invented_number` counts
/// the narratives sent back to their template for a number that was not among their figures.
fn render_ai_calls(out: &mut String, counts: &[(String, String, i64)]) {
    out.push_str(
        "# HELP flowsense_ai_calls AI calls on record (13 months) by purpose and outcome (ok; invented_number: a narrative quoted a number that was not among its figures and was not used; failed; over_budget: not sent, the monthly allowance was used).\n\
         # TYPE flowsense_ai_calls gauge\n",
    );
    for (purpose, outcome, calls) in counts {
        let _ = writeln!(
            out,
            "flowsense_ai_calls{{purpose=\"{}\",outcome=\"{}\"}} {calls}",
            label(purpose),
            label(outcome)
        );
    }
}

/// The tokens of the AI calls on record (the last 13 months), by purpose, model and direction.
fn render_ai_tokens(out: &mut String, sums: &[AiTokenSum]) {
    out.push_str(
        "# HELP flowsense_ai_tokens Tokens of the AI calls on record (13 months) by purpose, model and direction (input: every input token, cached or not; output).\n\
         # TYPE flowsense_ai_tokens gauge\n",
    );
    for sum in sums {
        let (purpose, model) = (label(&sum.purpose), label(&sum.model));
        for (direction, tokens) in [("input", sum.input_tokens), ("output", sum.output_tokens)] {
            let _ = writeln!(
                out,
                "flowsense_ai_tokens{{purpose=\"{purpose}\",model=\"{model}\",direction=\"{direction}\"}} {tokens}"
            );
        }
    }
}

/// What this instance counted since it started: the analytics cache and the syncs its workers
/// ended (every provider and outcome, zeros included).
fn render_instance_counters(out: &mut String, state: &AppState) {
    let _ = write!(
        out,
        "# HELP flowsense_analytics_cache_hits_total Analyses served from this instance's cache without loading the books.\n\
         # TYPE flowsense_analytics_cache_hits_total counter\n\
         flowsense_analytics_cache_hits_total {}\n\
         # HELP flowsense_analytics_cache_loads_total Books loaded from the database into this instance's analytics cache.\n\
         # TYPE flowsense_analytics_cache_loads_total counter\n\
         flowsense_analytics_cache_loads_total {}\n",
        state.analytics.hits(),
        state.analytics.loads()
    );
    out.push_str(
        "# HELP flowsense_syncs_total Provider syncs this instance's workers ended, by provider and outcome (ok; skipped: the connection was dead or disconnected; retry: left to the queue's retry; permanent; dead: the refresh token was refused; storage: the database failed).\n\
         # TYPE flowsense_syncs_total counter\n",
    );
    for (provider, outcome, syncs) in state.sync_counts.snapshot() {
        let _ = writeln!(
            out,
            "flowsense_syncs_total{{provider=\"{provider}\",outcome=\"{outcome}\"}} {syncs}"
        );
    }
}

/// A label value with `\`, `"` and newlines escaped, as the text format requires.
fn label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeDelta, Utc};

    #[test]
    fn every_state_of_a_seen_kind_is_written_and_labels_are_escaped() {
        let now = Utc::now();
        let gauges = JobQueueGauges {
            jobs: vec![
                ("a\"b".into(), "dead", 2),
                ("mail.send".into(), "queued", 3),
                ("mail.send".into(), "retrying", 1),
            ],
            oldest_due: Some(now - TimeDelta::seconds(42)),
        };
        let text = render(&gauges, now);
        assert!(text.contains("flowsense_jobs{kind=\"a\\\"b\",state=\"dead\"} 2\n"));
        assert!(text.contains("flowsense_jobs{kind=\"a\\\"b\",state=\"queued\"} 0\n"));
        assert!(text.contains("flowsense_jobs{kind=\"mail.send\",state=\"running\"} 0\n"));
        assert!(text.contains("flowsense_jobs_oldest_due_seconds 42\n"));
        assert_eq!(text.matches("state=").count(), 8);
    }
}
