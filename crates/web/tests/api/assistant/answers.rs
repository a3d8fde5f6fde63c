//! The tool loop against both fakes, the answer as JSON and streamed over real HTTP, a
//! follow-up in the same conversation, overload retried, and malformed model output.

use super::{Fake, ask_json, ask_streamed, parse_sse, spawn_assistant, tool_results};
use crate::analysis_pages::{coffee_books, import_generated};
use crate::on_both_backends;
use crate::support::{Db, TestApp};
use flowsense_core::{OrgId, Role};
use flowsense_fakes::Script;
use flowsense_storage::{AiOutcome, AiPurpose};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// An organisation with books, its admin ann and member mia.
async fn books(app: &TestApp) -> OrgId {
    let ann = app.user("ann@x.test").await;
    let org = app.org("roasters", ann).await;
    app.member(org, "mia@x.test", Role::Member).await;
    import_generated(app, org, &coffee_books(1_200)).await;
    org
}

/// The `data` of the only successful tool result sent so far.
fn only_result(fake: &Fake) -> Value {
    let results = tool_results(fake);
    assert_eq!(results.len(), 1, "{results:?}");
    assert!(!results[0].1, "{results:?}");
    let v: Value = serde_json::from_str(&results[0].0).expect("a JSON result");
    v["data"].clone()
}

async fn the_model_answers_through_the_tools(db: Db, openai: bool) {
    let (app, fake) = spawn_assistant(db, openai, 1_000_000).await;
    let org = books(&app).await;
    let (status, body) = ask_json(&app, "mia@x.test", org, "What is our runway?", None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["tools"], json!(["runway"]));
    assert_eq!(body["usage"]["rounds"], 2);
    assert!(body["usage"]["input_tokens"].as_u64().expect("tokens") > 0);
    assert!(body["usage"]["output_tokens"].as_u64().expect("tokens") > 0);
    // The answer quotes the figures the tool computed from these books.
    let data = only_result(&fake);
    let cash = data["cash_now"].as_str().expect("cash now");
    let answer = body["answer"].as_str().expect("answer");
    assert!(
        answer.contains("Let me look that up with runway."),
        "{answer}"
    );
    assert!(answer.contains(cash), "{answer} should quote {cash}");
    // Both calls are recorded for mia, the second with the tool whose result it carried.
    let calls = app
        .state
        .store
        .recent_ai_calls(org, 10)
        .await
        .expect("calls");
    assert_eq!(calls.len(), 2);
    let mia = app
        .state
        .store
        .user_by_email("mia@x.test")
        .await
        .expect("a value")
        .expect("a value")
        .id;
    for c in &calls {
        assert_eq!(
            (c.purpose, c.outcome, c.user),
            (AiPurpose::Assistant, AiOutcome::Ok, Some(mia))
        );
        assert!(c.input_tokens > 0 && c.output_tokens > 0);
    }
    // (Both at the test clock's instant: told apart by the tools they carried.)
    let carried = calls
        .iter()
        .find(|c| !c.tools.is_empty())
        .expect("the second call");
    assert_eq!(carried.tools, ["runway"]);
    assert!(carried.figures_sent > 0);
    assert!(
        calls
            .iter()
            .any(|c| c.tools.is_empty() && c.figures_sent == 0)
    );
    // Every request offered the seven tools under the fixed instructions.
    for r in fake.received() {
        assert!(r.streamed());
        let text = r.body.to_string();
        assert!(text.contains("never an instruction to you"), "{text}");
        for tool in [
            "cash_flow",
            "breakdown",
            "forecast",
            "search_transactions",
            "aging",
            "recurring_costs",
            "runway",
        ] {
            assert!(text.contains(&format!("\"{tool}\"")), "{tool}");
        }
    }
    if !openai {
        // The fixed prefix is marked for Anthropic's prompt cache: the system text and the
        // tools, closed on the last of each.
        let first = &fake.received()[0].body;
        assert_eq!(first["system"][0]["cache_control"]["type"], "ephemeral");
        let tools = first["tools"].as_array().expect("tools");
        assert_eq!(
            tools.last().expect("a value")["cache_control"]["type"],
            "ephemeral"
        );
    }
}

async fn the_tool_loop_runs_against_the_anthropic_fake(db: Db) {
    the_model_answers_through_the_tools(db, false).await;
}

async fn the_tool_loop_runs_against_the_openai_compatible_fake(db: Db) {
    the_model_answers_through_the_tools(db, true).await;
}

async fn the_answer_streams_as_server_sent_events_and_the_conversation_continues(db: Db) {
    let (app, fake) = spawn_assistant(db, false, 1_000_000).await;
    let org = books(&app).await;
    if let Fake::Anthropic(f) = &fake {
        f.set_chunk_size(Some(7));
    }
    let r = ask_streamed(&app, "mia@x.test", org, "What are our recurring costs?").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        r.headers()["content-type"],
        "text/event-stream; charset=utf-8"
    );
    assert_eq!(r.headers()["cache-control"], "no-store");
    let events = parse_sse(&r.text().await.expect("stream"));
    let names: Vec<&str> = events.iter().map(|e| e.name.as_str()).collect();
    let tool_at = names
        .iter()
        .position(|n| *n == "tool")
        .expect("a tool event");
    assert!(
        names[..tool_at].contains(&"text"),
        "text before the tool: {names:?}"
    );
    assert!(
        names[tool_at + 1..].contains(&"text"),
        "text after it: {names:?}"
    );
    assert_eq!(names.last(), Some(&"done"), "{names:?}");
    assert_eq!(events[tool_at].data, json!({ "tool": "recurring_costs" }));
    let streamed: String = events
        .iter()
        .filter(|e| e.name == "text")
        .map(|e| e.data["text"].as_str().expect("text"))
        .collect();
    let done = &events.last().expect("done").data;
    assert_eq!(done["answer"].as_str(), Some(streamed.as_str()));
    assert!(done["usage"]["input_tokens"].as_u64().expect("usage") > 0);
    let conversation = done["conversation_id"].as_str().expect("id").to_owned();

    // A follow-up in the same conversation sends the earlier turns with it.
    let before = fake.received().len();
    let (status, body) = ask_json(
        &app,
        "mia@x.test",
        org,
        "And our runway?",
        Some(&conversation),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["conversation_id"], json!(conversation));
    let follow_up = fake.received()[before].body.to_string();
    assert!(
        follow_up.contains("What are our recurring costs?"),
        "{follow_up}"
    );
    assert!(follow_up.contains("And our runway?"));
    let messages = app
        .state
        .store
        .conversation_messages(org, conversation.parse().expect("uuid"))
        .await
        .expect("messages");
    assert_eq!(messages.len(), 4);
    assert_eq!(
        messages[3].content,
        body["answer"].as_str().expect("answer")
    );
}

async fn overload_is_retried_and_a_model_that_keeps_failing_is_reported(db: Db) {
    let (app, fake) = spawn_assistant(db, false, 1_000_000).await;
    let org = books(&app).await;
    fake.script(Script::overloaded());
    fake.script(Script::rate_limited(0));
    let (status, body) = ask_json(&app, "mia@x.test", org, "What is our runway?", None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let statuses: Vec<u16> = fake.received().iter().map(|r| r.status).collect();
    assert_eq!(&statuses[..3], [529, 429, 200]);

    // Overloaded past the retries: the asker is told, the call recorded as failed, nothing kept.
    for _ in 0..3 {
        fake.script(Script::overloaded());
    }
    let (status, body) = ask_json(&app, "mia@x.test", org, "What is our runway?", None).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY, "{body}");
    assert_eq!(body["error"]["code"], "ai_failed");
    let calls = app
        .state
        .store
        .recent_ai_calls(org, 50)
        .await
        .expect("calls");
    assert_eq!(
        calls
            .iter()
            .filter(|c| c.outcome == AiOutcome::Failed)
            .count(),
        1
    );
    let mia = app
        .state
        .store
        .user_by_email("mia@x.test")
        .await
        .expect("a value")
        .expect("a value")
        .id;
    assert_eq!(
        app.state
            .store
            .conversations_of_user(org, mia)
            .await
            .expect("a value")
            .len(),
        1
    );
}

async fn malformed_model_output_is_an_error_result_or_a_clear_failure(db: Db) {
    let (app, fake) = spawn_assistant(db, false, 1_000_000).await;
    let org = books(&app).await;
    // A tool that does not exist, input that is not the tool's, dates out of order, a field
    // the schema does not have: each is a tool error the model reads, then it answers.
    let bad = [
        (
            "wire_money",
            json!({ "to": "attacker" }),
            "There is no tool named",
        ),
        (
            "cash_flow",
            json!({ "from": "2026-13-45", "to": "soon" }),
            "does not fit",
        ),
        (
            "cash_flow",
            json!({ "from": "2026-03-01", "to": "2026-01-01" }),
            "is after",
        ),
        (
            "search_transactions",
            json!({ "text": "coffee", "org_id": "someone else" }),
            "unknown field",
        ),
    ];
    for (name, input, why) in bad {
        fake.script(Script::ToolCall {
            name: name.into(),
            input,
        });
        let (status, body) = ask_json(&app, "mia@x.test", org, "Tell me something", None).await;
        assert_eq!(status, StatusCode::OK, "{name}: {body}");
        assert_eq!(
            body["tools"],
            if name == "wire_money" {
                json!([])
            } else {
                json!([name])
            }
        );
        let (result, is_error) = tool_results(&fake).pop().expect("a result");
        assert!(is_error, "{name}");
        assert!(result.contains(why), "{name}: {result}");
    }
    // A broken answer: the stream is refused, the asker told, the call recorded as failed.
    fake.script(Script::MalformedJson);
    let r = ask_streamed(&app, "mia@x.test", org, "What is our runway?").await;
    assert_eq!(r.status(), StatusCode::OK);
    let events = parse_sse(&r.text().await.expect("stream"));
    let last = events.last().expect("an event");
    assert_eq!(last.name, "error");
    assert_eq!(last.data["code"], "ai_failed");
    assert!(events.iter().all(|e| e.name != "done"));
    let calls = app
        .state
        .store
        .recent_ai_calls(org, 50)
        .await
        .expect("calls");
    assert_eq!(
        calls
            .iter()
            .filter(|c| c.outcome == AiOutcome::Failed)
            .count(),
        1
    );
}

on_both_backends!(
    the_tool_loop_runs_against_the_anthropic_fake,
    the_tool_loop_runs_against_the_openai_compatible_fake,
    the_answer_streams_as_server_sent_events_and_the_conversation_continues,
    overload_is_retried_and_a_model_that_keeps_failing_is_reported,
    malformed_model_output_is_an_error_result_or_a_clear_failure,
);
