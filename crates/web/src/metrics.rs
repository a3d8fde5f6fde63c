//! `GET /metrics`: the job queue for a monitoring system, in the Prometheus text format
//! (version 0.0.4), read from the database at each scrape so every instance answers for the
//! whole queue.
//!
//! 404 when no `FLOWSENSE_METRICS_TOKEN` is configured (like the cron route without its
//! secret); 401 unless the request carries `Authorization: Bearer <token>`, compared in
//! constant time. The output names job kinds and counts only: no organisation, user, payload
//! or amount.

use crate::{ApiError, AppState, ErrorCode};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use flowsense_service::identity::crypto::{ct_eq, sha256};
use flowsense_storage::{JobQueueGauges, QUEUE_GAUGE_STATES};
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
    let mut text = render(&gauges, now);
    render_ai_calls(&mut text, &ai_calls);
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
