//! The record of AI calls: what is kept per call, the month's token sum, the clean-up past 13
//! months, one organisation's records invisible to another, gone with their organisation; and
//! the narrative job's key released once a worker takes it.

use crate::support::sealed::{org, user};
use chrono::{DateTime, TimeDelta, Utc};
use flowsense_core::OrgId;
use flowsense_storage::{AiCall, AiOutcome, AiPurpose, AiTokenSum, NewJob, Store};
use uuid::Uuid;

fn call(org: OrgId, at: DateTime<Utc>, tokens: i64, outcome: AiOutcome) -> AiCall {
    AiCall {
        id: Uuid::new_v4(),
        org,
        user: None,
        purpose: AiPurpose::Narrative,
        provider: "anthropic".into(),
        model: "claude-sonnet-4-6".into(),
        tools: Vec::new(),
        figures_sent: 12,
        rows_sent: 0,
        input_tokens: tokens,
        output_tokens: 10,
        outcome,
        created_at: at,
    }
}

pub async fn ai_calls_are_recorded_summed_per_month_and_purged(store: &Store) {
    let (a, b) = (org(store, "alpha").await, org(store, "bravo").await);
    let asker = user(store, "ann@example.com").await;
    let now = "2026-12-04T17:00:00Z".parse::<DateTime<Utc>>().unwrap();
    let month = "2026-12-01T00:00:00Z".parse::<DateTime<Utc>>().unwrap();
    let mut assistant = call(a, now, 700, AiOutcome::Ok);
    assistant.purpose = AiPurpose::Assistant;
    assistant.user = Some(asker);
    assistant.tools = vec!["cash_flow".into(), "runway".into()];
    assistant.rows_sent = 25;
    store.record_ai_call(&assistant).await.unwrap();
    store
        .record_ai_call(&call(
            a,
            now - TimeDelta::hours(1),
            300,
            AiOutcome::InventedNumber,
        ))
        .await
        .unwrap();
    // Last month's call counts for last month only.
    let old = call(a, month - TimeDelta::seconds(1), 5_000, AiOutcome::Ok);
    store.record_ai_call(&old).await.unwrap();
    // Fourteen months ago: past what is kept.
    let ancient = call(a, now - TimeDelta::days(430), 1, AiOutcome::Failed);
    store.record_ai_call(&ancient).await.unwrap();
    store
        .record_ai_call(&call(b, now, 9_999, AiOutcome::Ok))
        .await
        .unwrap();

    assert_eq!(
        store.ai_tokens_since(a, month).await.unwrap(),
        700 + 10 + 300 + 10
    );
    assert_eq!(store.ai_tokens_since(b, month).await.unwrap(), 9_999 + 10);
    let recent = store.recent_ai_calls(a, 10).await.unwrap();
    assert_eq!(recent.len(), 4);
    assert_eq!(recent[0], assistant, "newest first, read back whole");
    assert!(recent.iter().all(|c| c.org == a));
    let counts = store.ai_call_counts_across_orgs().await.unwrap();
    assert!(counts.contains(&("narrative".into(), "invented_number".into(), 1)));
    assert!(counts.contains(&("assistant".into(), "ok".into(), 1)));
    // Tokens summed by purpose and model across organisations (the metrics).
    let tokens = store.ai_token_sums_across_orgs().await.unwrap();
    let sum = |purpose: &str, input_tokens, output_tokens| AiTokenSum {
        purpose: purpose.into(),
        model: "claude-sonnet-4-6".into(),
        input_tokens,
        output_tokens,
    };
    assert_eq!(
        tokens,
        [
            sum("assistant", 700, 10),
            sum("narrative", 300 + 5_000 + 1 + 9_999, 40)
        ]
    );

    let cutoff = now.checked_sub_months(chrono::Months::new(13)).unwrap();
    assert_eq!(store.purge_ai_calls_across_orgs(cutoff).await.unwrap(), 1);
    let left: Vec<Uuid> = store
        .recent_ai_calls(a, 10)
        .await
        .unwrap()
        .iter()
        .map(|c| c.id)
        .collect();
    assert!(!left.contains(&ancient.id) && left.contains(&old.id));

    // Negative counts are refused by the table; nothing is stored.
    let mut bad = call(a, now, -1, AiOutcome::Ok);
    bad.input_tokens = -1;
    assert!(store.record_ai_call(&bad).await.is_err());
    assert_eq!(store.recent_ai_calls(a, 10).await.unwrap().len(), 3);

    // Gone with their organisation; the other's stay.
    store.delete_org(a).await.unwrap();
    assert!(store.recent_ai_calls(a, 10).await.unwrap().is_empty());
    assert_eq!(store.recent_ai_calls(b, 10).await.unwrap().len(), 1);
}

pub async fn the_narrative_key_is_released_once_a_worker_takes_the_job(store: &Store) {
    let a = org(store, "keyed").await;
    let now = Utc::now();
    let job = NewJob {
        kind: "insights.narrate".into(),
        org: Some(a),
        payload: "{}".into(),
        idempotency_key: Some(format!("narrate:{a}")),
        run_at: now,
        max_attempts: 3,
    };
    let first = store.enqueue_job(&job, now).await.unwrap();
    let second = store.enqueue_job(&job, now).await.unwrap();
    assert_eq!((first.id, second.newly_created), (second.id, false));
    let claimed = store
        .claim_jobs_across_orgs("w", 1, TimeDelta::seconds(60), now)
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1);
    let third = store.enqueue_job(&job, now).await.unwrap();
    assert!(
        third.newly_created,
        "new books may queue a run while one runs"
    );
}
