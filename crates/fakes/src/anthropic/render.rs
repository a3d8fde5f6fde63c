//! The Messages API's answers as the fake writes them: a message, the SSE event sequence, and
//! error bodies `{"type":"error","error":{"type","message"},"request_id"}` by status.

use super::AnthropicShared;
use crate::llm::{
    Reply, Script, Stop, Tool, Turn, brain, fragments, stalled_body, streamed_body, tokens,
    within_tokens,
};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::fmt::Write as _;

/// The input side of a call's usage.
#[derive(Debug, Clone, Copy)]
pub(crate) struct InputUsage {
    pub input: u64,
    pub cache_read: u64,
    pub cache_write: u64,
}

fn error_type(status: u16) -> &'static str {
    match status {
        401 => "authentication_error",
        402 => "billing_error",
        403 => "permission_error",
        404 => "not_found_error",
        413 => "request_too_large",
        429 => "rate_limit_error",
        500 => "api_error",
        504 => "timeout_error",
        529 => "overloaded_error",
        s if s >= 500 => "api_error",
        _ => "invalid_request_error",
    }
}

fn default_message(kind: &str) -> &'static str {
    match kind {
        "authentication_error" => "invalid x-api-key",
        "rate_limit_error" => "Number of requests has exceeded your rate limit",
        "overloaded_error" => "Overloaded",
        "timeout_error" => "Request timed out",
        "api_error" => "Internal server error",
        _ => "Invalid request",
    }
}

fn request_id() -> String {
    format!(
        "req_fake{}",
        crate::quickbooks::random_token().get(..24).unwrap_or("0")
    )
}

/// An error answer: `status`, its body, and `headers` (`retry-after`, …).
pub(crate) fn error(status: u16, message: &str, headers: &[(String, String)]) -> Response {
    let kind = error_type(status);
    let message = if message.is_empty() {
        default_message(kind)
    } else {
        message
    };
    let id = request_id();
    let body =
        json!({"type": "error", "error": {"type": kind, "message": message}, "request_id": id});
    let mut response = (
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response();
    let h = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&id) {
        h.insert("request-id", v);
    }
    for (name, value) in headers {
        if let (Ok(n), Ok(v)) = (
            HeaderName::try_from(name.as_str()),
            HeaderValue::from_str(value),
        ) {
            h.insert(n, v);
        }
    }
    response
}

fn stop_name(stop: &Stop) -> &str {
    match stop {
        Stop::EndTurn => "end_turn",
        Stop::ToolUse => "tool_use",
        Stop::MaxTokens => "max_tokens",
        Stop::Other(s) => s,
    }
}

fn usage_json(u: InputUsage, output: u64) -> Value {
    json!({
        "input_tokens": u.input,
        "output_tokens": output,
        "cache_creation_input_tokens": u.cache_write,
        "cache_read_input_tokens": u.cache_read,
        "cache_creation": {"ephemeral_5m_input_tokens": u.cache_write, "ephemeral_1h_input_tokens": 0},
        "service_tier": "standard",
    })
}

struct Rendered<'a> {
    id: String,
    call_id: String,
    model: &'a str,
    reply: Reply,
    usage: InputUsage,
    output: u64,
}

fn message(r: &Rendered<'_>) -> Response {
    let mut content = Vec::new();
    if !r.reply.text.is_empty() {
        content.push(json!({"type": "text", "text": r.reply.text}));
    }
    if let Some((name, input)) = &r.reply.call {
        content.push(json!({"type": "tool_use", "id": r.call_id, "name": name, "input": input}));
    }
    let body = json!({
        "id": r.id, "type": "message", "role": "assistant", "model": r.model,
        "content": content, "stop_reason": stop_name(&r.reply.stop), "stop_sequence": null,
        "usage": usage_json(r.usage, r.output),
    });
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

fn event(out: &mut String, name: &str, data: &Value) {
    let _ = write!(out, "event: {name}\ndata: {data}\n\n");
}

fn sse(body: String, chunk: Option<usize>) -> Response {
    let mut response = streamed_body(body, chunk).into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/event-stream; charset=utf-8"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if let Ok(v) = HeaderValue::from_str(&request_id()) {
        h.insert("request-id", v);
    }
    response
}

/// Pieces of at most 24 bytes (whole characters), as text deltas come.
fn text_pieces(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        let mut cut = rest.len().min(24);
        while !rest.is_char_boundary(cut) {
            cut += 1;
        }
        let (piece, tail) = rest.split_at(cut);
        out.push(piece);
        rest = tail;
    }
    out
}

/// `message_start` and the first `ping`, as every stream begins.
fn stream_start(out: &mut String, r: &Rendered<'_>, unknown: bool) {
    event(
        out,
        "message_start",
        &json!({"type": "message_start", "message": {
        "id": r.id, "type": "message", "role": "assistant", "model": r.model, "content": [],
        "stop_reason": null, "stop_sequence": null, "usage": usage_json(r.usage, 1)}}),
    );
    event(out, "ping", &json!({"type": "ping"}));
    if unknown {
        event(
            out,
            "content_block_flourish",
            &json!({"type": "content_block_flourish", "index": 0}),
        );
    }
}

fn stream(r: &Rendered<'_>, seed: u64, unknown: bool) -> String {
    let mut out = String::new();
    stream_start(&mut out, r, unknown);
    let mut index = 0;
    if !r.reply.text.is_empty() {
        event(
            &mut out,
            "content_block_start",
            &json!({"type": "content_block_start", "index": index, "content_block": {"type": "text", "text": ""}}),
        );
        for piece in text_pieces(&r.reply.text) {
            event(
                &mut out,
                "content_block_delta",
                &json!({"type": "content_block_delta", "index": index, "delta": {"type": "text_delta", "text": piece}}),
            );
        }
        event(
            &mut out,
            "content_block_stop",
            &json!({"type": "content_block_stop", "index": index}),
        );
        index += 1;
    }
    if let Some((name, input)) = &r.reply.call {
        event(
            &mut out,
            "content_block_start",
            &json!({"type": "content_block_start", "index": index, "content_block": {"type": "tool_use", "id": r.call_id, "name": name, "input": {}}}),
        );
        let json_text = input.to_string();
        let pieces = std::iter::once("").chain(fragments(&json_text, seed));
        for (i, piece) in pieces.enumerate() {
            event(
                &mut out,
                "content_block_delta",
                &json!({"type": "content_block_delta", "index": index, "delta": {"type": "input_json_delta", "partial_json": piece}}),
            );
            if i == 2 {
                event(&mut out, "ping", &json!({"type": "ping"}));
            }
        }
        event(
            &mut out,
            "content_block_stop",
            &json!({"type": "content_block_stop", "index": index}),
        );
    }
    // Cumulative: the whole call's usage, not what came since message_start.
    let mut usage = usage_json(r.usage, r.output);
    if let Some(u) = usage.as_object_mut() {
        u.remove("cache_creation");
        u.remove("service_tier");
    }
    event(
        &mut out,
        "message_delta",
        &json!({"type": "message_delta", "delta": {"stop_reason": stop_name(&r.reply.stop), "stop_sequence": null}, "usage": usage}),
    );
    event(&mut out, "message_stop", &json!({"type": "message_stop"}));
    out
}

fn status_of(kind: &str) -> u16 {
    match kind {
        "overloaded_error" => 529,
        "rate_limit_error" => 429,
        "authentication_error" => 401,
        "invalid_request_error" => 400,
        _ => 500,
    }
}

fn stop_of(reason: &str) -> Stop {
    match reason {
        "end_turn" => Stop::EndTurn,
        "tool_use" => Stop::ToolUse,
        "max_tokens" => Stop::MaxTokens,
        other => Stop::Other(other.to_owned()),
    }
}

/// The answer to a valid request.
#[expect(
    clippy::too_many_arguments,
    reason = "one request's parts, passed through once"
)]
pub(crate) fn respond(
    shared: &AnthropicShared,
    script: Option<Script>,
    tools: &[Tool],
    turns: &[Turn],
    max_tokens: u64,
    usage: InputUsage,
    body: &Value,
    streamed: bool,
) -> Response {
    let n = shared.next();
    let model = body["model"].as_str().unwrap_or_default();
    let (chunk, unknown) = (shared.lock().chunk_size, shared.config.unknown_events);
    let reply = match script {
        Some(Script::Status { status, headers }) => return error(status, "", &headers),
        Some(Script::MidStreamError(kind)) if !streamed => {
            return error(status_of(&kind), "", &[]);
        }
        Some(Script::MidStreamError(kind)) => {
            let r = Rendered {
                id: format!("msg_fake{n:016}"),
                call_id: String::new(),
                model,
                reply: Reply {
                    text: String::new(),
                    call: None,
                    stop: Stop::EndTurn,
                },
                usage,
                output: 1,
            };
            let mut out = String::new();
            stream_start(&mut out, &r, unknown);
            event(
                &mut out,
                "content_block_start",
                &json!({"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}),
            );
            event(
                &mut out,
                "content_block_delta",
                &json!({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Looking at"}}),
            );
            let message = default_message(&kind);
            event(
                &mut out,
                "error",
                &json!({"type": "error", "error": {"type": kind, "message": message}}),
            );
            return sse(out, chunk);
        }
        Some(Script::MalformedJson) if streamed => {
            return sse(
                "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\n\n"
                    .into(),
                chunk,
            );
        }
        Some(Script::MalformedJson) => {
            return (
                StatusCode::OK,
                [(header::CONTENT_TYPE, "application/json")],
                "{\"id\":\"msg_fake\",\"type\":\"message\",\"content\":[{\"type\":\"text\",\"text\":\"unterminated",
            )
                .into_response();
        }
        Some(Script::Stall) => {
            let mut response = stalled_body(if streamed {
                "event: ping\ndata: {\"type\":\"ping\"}\n\n".into()
            } else {
                "{".into()
            })
            .into_response();
            let kind = if streamed {
                "text/event-stream"
            } else {
                "application/json"
            };
            response
                .headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
            return response;
        }
        Some(Script::Oversized(bytes)) => Reply {
            text: "x".repeat(bytes),
            call: None,
            stop: Stop::EndTurn,
        },
        Some(Script::Text { text, stop_reason }) => Reply {
            text,
            call: None,
            stop: stop_of(&stop_reason),
        },
        Some(Script::ToolCall { name, input }) => Reply {
            text: String::new(),
            call: Some((name, input)),
            stop: Stop::ToolUse,
        },
        None => {
            let mut reply = brain::reply(tools, turns);
            let (text, cut) = within_tokens(&reply.text, max_tokens);
            if cut {
                reply = Reply {
                    text,
                    call: None,
                    stop: Stop::MaxTokens,
                };
            }
            reply
        }
    };
    let output_bytes = reply.text.len()
        + reply
            .call
            .as_ref()
            .map_or(0, |(name, input)| name.len() + input.to_string().len());
    let r = Rendered {
        id: format!("msg_fake{n:016}"),
        call_id: format!("toolu_fake{n:016}"),
        model,
        reply,
        usage,
        output: tokens(output_bytes).max(1),
    };
    if streamed {
        sse(stream(&r, n, unknown), chunk)
    } else {
        message(&r)
    }
}
