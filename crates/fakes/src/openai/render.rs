//! Chat completions answers as the fake writes them: a completion, the `data:` chunk stream
//! ending in `[DONE]`, and error bodies `{"error":{"message","type","param","code"}}`.

use super::OpenAiShared;
use crate::llm::{
    Reply, Script, Stop, Tool, Turn, brain, fragments, stalled_body, streamed_body, tokens,
    within_tokens,
};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::fmt::Write as _;

/// An error answer.
pub(crate) fn error(
    status: u16,
    message: &str,
    code: Option<&str>,
    headers: &[(String, String)],
) -> Response {
    let kind = match status {
        429 => "rate_limit_exceeded",
        s if s >= 500 => "server_error",
        _ => "invalid_request_error",
    };
    let message = if message.is_empty() {
        match status {
            429 => "Rate limit reached",
            503 | 529 => "The server is overloaded",
            s if s >= 500 => "The server had an error while processing your request",
            _ => "Invalid request",
        }
    } else {
        message
    };
    let body = json!({"error": {"message": message, "type": kind, "param": null, "code": code}});
    let mut response = (
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response();
    for (name, value) in headers {
        if let (Ok(n), Ok(v)) = (
            HeaderName::try_from(name.as_str()),
            HeaderValue::from_str(value),
        ) {
            response.headers_mut().insert(n, v);
        }
    }
    response
}

fn finish_reason(reply: &Reply) -> &str {
    match &reply.stop {
        _ if reply.call.is_some() => "tool_calls",
        Stop::EndTurn | Stop::ToolUse => "stop",
        Stop::MaxTokens => "length",
        Stop::Other(s) if s == "refusal" => "content_filter",
        Stop::Other(s) => s,
    }
}

fn usage(prompt: u64, completion: u64) -> Value {
    json!({"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion})
}

fn data(out: &mut String, chunk: &Value) {
    let _ = write!(out, "data: {chunk}\n\n");
}

fn sse(body: String, chunk: Option<usize>) -> Response {
    let mut response = streamed_body(body, chunk).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/event-stream"),
    );
    response
}

/// The answer to a valid request.
pub(crate) fn respond(
    shared: &OpenAiShared,
    script: Option<Script>,
    tools: &[Tool],
    turns: &[Turn],
    body: &Value,
    prompt_tokens: u64,
) -> Response {
    let n = shared.next();
    let id = format!("chatcmpl-fake{n:012}");
    let model = body["model"].as_str().unwrap_or_default();
    let streamed = body["stream"].as_bool().unwrap_or(false);
    let include_usage = body["stream_options"]["include_usage"]
        .as_bool()
        .unwrap_or(false);
    let chunk_size = shared.lock().chunk_size;
    let created = chrono::Utc::now().timestamp();
    let chunk = |delta: Value, finish: Option<&str>| {
        json!({"id": id, "object": "chat.completion.chunk", "created": created, "model": model,
               "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]})
    };
    let reply = match script {
        Some(Script::Status { status, headers }) => return error(status, "", None, &headers),
        Some(Script::MidStreamError(_)) if !streamed => return error(500, "", None, &[]),
        Some(Script::MidStreamError(kind)) => {
            let mut out = String::new();
            data(
                &mut out,
                &chunk(json!({"role": "assistant", "content": "Looking at"}), None),
            );
            data(
                &mut out,
                &json!({"error": {"message": "The server had an error", "type": kind, "code": null}}),
            );
            return sse(out, chunk_size);
        }
        Some(Script::MalformedJson) if streamed => {
            return sse(
                "data: {\"id\":\"chatcmpl-fake\",\"choices\":[{\n\n".into(),
                chunk_size,
            );
        }
        Some(Script::MalformedJson) => {
            return (
                StatusCode::OK,
                [(header::CONTENT_TYPE, "application/json")],
                "{\"id\":\"chatcmpl-fake\",\"choices\":[",
            )
                .into_response();
        }
        Some(Script::Stall) => {
            let first = if streamed { ": keep-alive\n\n" } else { "{" };
            let mut response = stalled_body(first.into()).into_response();
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
        Some(Script::Text { text, stop_reason }) => {
            let stop = if stop_reason == "end_turn" {
                Stop::EndTurn
            } else {
                Stop::Other(stop_reason)
            };
            Reply {
                text,
                call: None,
                stop,
            }
        }
        Some(Script::ToolCall { name, input }) => Reply {
            text: String::new(),
            call: Some((name, input)),
            stop: Stop::ToolUse,
        },
        None => {
            let mut reply = brain::reply(tools, turns);
            let max = body["max_tokens"].as_u64().unwrap_or(u64::MAX);
            let (text, cut) = within_tokens(&reply.text, max);
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
    let call_id = format!("call_fake{n:012}");
    let arguments = reply.call.as_ref().map(|(_, input)| input.to_string());
    let completion = tokens(reply.text.len() + arguments.as_ref().map_or(0, String::len)).max(1);
    let finish = finish_reason(&reply);
    if !streamed {
        let tool_calls: Vec<Value> = reply.call.iter().zip(&arguments).map(|((name, _), args)| {
            json!({"id": call_id, "type": "function", "function": {"name": name, "arguments": args}})
        }).collect();
        let mut message = json!({"role": "assistant", "content": if reply.text.is_empty() { Value::Null } else { json!(reply.text) }});
        if !tool_calls.is_empty() {
            message["tool_calls"] = Value::Array(tool_calls);
        }
        let body = json!({"id": id, "object": "chat.completion", "created": created, "model": model,
            "choices": [{"index": 0, "message": message, "finish_reason": finish}],
            "usage": usage(prompt_tokens, completion)});
        return (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json")],
            body.to_string(),
        )
            .into_response();
    }
    let mut out = String::new();
    data(
        &mut out,
        &chunk(json!({"role": "assistant", "content": ""}), None),
    );
    let mut rest = reply.text.as_str();
    while !rest.is_empty() {
        let mut cut = rest.len().min(24);
        while !rest.is_char_boundary(cut) {
            cut += 1;
        }
        let (piece, tail) = rest.split_at(cut);
        data(&mut out, &chunk(json!({"content": piece}), None));
        rest = tail;
    }
    if let (Some((name, _)), Some(args)) = (&reply.call, &arguments) {
        data(
            &mut out,
            &chunk(
                json!({"tool_calls": [{"index": 0, "id": call_id, "type": "function", "function": {"name": name, "arguments": ""}}]}),
                None,
            ),
        );
        for piece in fragments(args, n) {
            data(
                &mut out,
                &chunk(
                    json!({"tool_calls": [{"index": 0, "function": {"arguments": piece}}]}),
                    None,
                ),
            );
        }
    }
    data(&mut out, &chunk(json!({}), Some(finish)));
    if include_usage {
        data(
            &mut out,
            &json!({"id": id, "object": "chat.completion.chunk", "created": created, "model": model,
            "choices": [], "usage": usage(prompt_tokens, completion)}),
        );
    }
    out.push_str("data: [DONE]\n\n");
    sse(out, chunk_size)
}
