//! `POST /api/v1/orgs/{org}/assistant/messages`: a member's or admin's question (viewers 403,
//! another organisation 404), answered as server-sent events — `text` (a piece of the answer),
//! `tool` (a tool ran; its name only), then `done` (the conversation's id and the tokens used)
//! or `error` (a code and a message) — or, when the client accepts only JSON, as one JSON
//! document once the answer is whole.

use crate::api::Body;
use crate::auth::extract::Member;
use crate::respond::private;
use crate::{ApiError, AppState};
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use flowsense_core::ErrorChain;
use flowsense_service::ai::assistant::{self, AssistantEvent, Done, Question, Stopped};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::convert::Infallible;
use tokio::sync::mpsc;
use uuid::Uuid;

/// The request body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct AskBody {
    question: String,
    conversation_id: Option<Uuid>,
}

/// Whether the client asked for JSON rather than a stream.
fn wants_json(headers: &HeaderMap) -> bool {
    let accept = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    accept.contains("application/json") && !accept.contains("text/event-stream")
}

/// The whole answer: the `done` event's data, and the JSON answer.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct AnswerJson {
    conversation_id: Uuid,
    answer: String,
    /// The tools that ran, in order.
    tools: Vec<String>,
    usage: UsageJson,
}

/// What answering cost.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct UsageJson {
    input_tokens: u64,
    output_tokens: u64,
    /// Calls made to the model.
    rounds: usize,
}

/// The `done` event's and the JSON answer's fields.
pub(crate) fn done_json(d: &Done) -> Value {
    serde_json::to_value(AnswerJson {
        conversation_id: d.conversation,
        answer: d.answer.clone(),
        tools: d.tools.clone(),
        usage: UsageJson {
            input_tokens: d.input_tokens,
            output_tokens: d.output_tokens,
            rounds: d.rounds,
        },
    })
    .unwrap_or_default()
}

fn stopped_json(s: &Stopped) -> Value {
    json!({ "code": s.code(), "message": s.message() })
}

/// What a stopped answer is as a JSON status.
pub(crate) fn stopped_status(s: &Stopped) -> StatusCode {
    match s {
        Stopped::AllowanceUsed { .. } => StatusCode::TOO_MANY_REQUESTS,
        Stopped::ModelFailed => StatusCode::BAD_GATEWAY,
    }
}

fn sse_event(e: &AssistantEvent) -> Event {
    let (name, data) = match e {
        AssistantEvent::Text(t) => ("text", json!({ "text": t })),
        AssistantEvent::ToolRan(t) => ("tool", json!({ "tool": t })),
        AssistantEvent::Done(d) => ("done", done_json(d)),
        AssistantEvent::Stopped(s) => ("error", stopped_json(s)),
    };
    Event::default().event(name).data(data.to_string())
}

/// `POST /api/v1/orgs/{org}/assistant/messages`.
#[utoipa::path(post, path = "/api/v1/orgs/{org}/assistant/messages", tag = "assistant", request_body = AskBody, responses((status = 200, description = "Server-sent events (`text`, `tool`, then `done` or `error`), or the whole answer as JSON when only JSON is accepted", content((AnswerJson = "application/json"), (String = "text/event-stream")))))]
pub(crate) async fn ask(
    State(state): State<AppState>,
    access: Member,
    headers: HeaderMap,
    Body(body): Body<AskBody>,
) -> Result<Response, ApiError> {
    let prepared = assistant::prepare(
        &state,
        &access,
        Question {
            text: body.question,
            conversation: body.conversation_id,
        },
    )
    .await?;
    if wants_json(&headers) {
        return Ok(match assistant::answer(&state, prepared).await? {
            AssistantEvent::Done(d) => private(Json(done_json(&d)).into_response()),
            AssistantEvent::Stopped(s) => private(
                (
                    stopped_status(&s),
                    Json(json!({ "error": stopped_json(&s) })),
                )
                    .into_response(),
            ),
            AssistantEvent::Text(_) | AssistantEvent::ToolRan(_) => {
                return Err(ApiError::Unavailable);
            }
        });
    }
    let (tx, rx) = mpsc::channel::<AssistantEvent>(64);
    let ctx = state.services.clone();
    tokio::spawn(async move {
        let report = tx.clone();
        if let Err(e) = assistant::run(&ctx, prepared, tx).await {
            tracing::error!(error = %ErrorChain(&e), "the assistant failed");
            let _ = report
                .send(AssistantEvent::Stopped(Stopped::ModelFailed))
                .await;
        }
    });
    let events = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv()
            .await
            .map(|e| (Ok::<_, Infallible>(sse_event(&e)), rx))
    });
    let mut response = Sse::new(events)
        .keep_alive(KeepAlive::default())
        .into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static("text/event-stream; charset=utf-8"),
    );
    // Proxies must hand each event on as it comes.
    response.headers_mut().insert(
        "x-accel-buffering",
        axum::http::HeaderValue::from_static("no"),
    );
    Ok(private(response))
}
