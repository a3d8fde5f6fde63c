//! OpenAI-compatible chat completions JSON (APIS.md §5): the request built from a
//! [`ChatRequest`] (system text as one system message, tools as functions, tool results as
//! `tool` messages after the assistant turn that asked for them), the answer read back, and
//! error bodies into [`AiError`]s. Local servers are lenient writers, so the reading is
//! defensive: missing call ids are made up, arguments may be a string or an object, but
//! arguments that are not JSON are an error.

use crate::chat::{Block, ChatRequest, ChatResponse, Role, StopReason, Usage};
use crate::error::{AiError, safe_kind};
use crate::retry::RetryHint;
use serde::Deserialize;
use serde_json::{Value, json};

fn message_values(m: &crate::chat::Message, out: &mut Vec<Value>) {
    match m.role {
        Role::User => {
            let mut text = String::new();
            for b in &m.content {
                match b {
                    Block::ToolResult {
                        tool_use_id,
                        content,
                        is_error,
                    } => {
                        let content = if *is_error {
                            format!("Error: {content}")
                        } else {
                            content.clone()
                        };
                        out.push(
                            json!({"role": "tool", "tool_call_id": tool_use_id, "content": content}),
                        );
                    }
                    Block::Text(t) => text.push_str(t),
                    Block::ToolUse { .. } => {}
                }
            }
            if !text.is_empty() {
                out.push(json!({"role": "user", "content": text}));
            }
        }
        Role::Assistant => {
            let mut text = String::new();
            let mut calls = Vec::new();
            for b in &m.content {
                match b {
                    Block::Text(t) => text.push_str(t),
                    Block::ToolUse { id, name, input } => calls.push(json!({
                        "id": id, "type": "function",
                        "function": {"name": name, "arguments": input.to_string()}
                    })),
                    Block::ToolResult { .. } => {}
                }
            }
            let mut v = json!({
                "role": "assistant",
                "content": if text.is_empty() { Value::Null } else { Value::String(text) },
            });
            if !calls.is_empty() {
                v["tool_calls"] = Value::Array(calls);
            }
            out.push(v);
        }
    }
}

/// The request body.
pub(crate) fn request_body(model: &str, r: &ChatRequest, stream: bool) -> Vec<u8> {
    let mut messages = Vec::with_capacity(r.messages.len() + 1);
    if !r.system.is_empty() {
        messages.push(json!({"role": "system", "content": r.system.join("\n\n")}));
    }
    for m in &r.messages {
        message_values(m, &mut messages);
    }
    let mut body = json!({
        "model": model,
        "messages": messages,
        "max_tokens": r.max_tokens,
        "stream": stream,
    });
    if let Some(t) = r.temperature {
        body["temperature"] = json!(t);
    }
    if stream {
        body["stream_options"] = json!({"include_usage": true});
    }
    if !r.tools.is_empty() {
        body["tools"] = r
            .tools
            .iter()
            .map(|t| {
                json!({"type": "function", "function": {
                    "name": t.name, "description": t.description, "parameters": t.input_schema
                }})
            })
            .collect();
        body["tool_choice"] = json!("auto");
    }
    serde_json::to_vec(&body).unwrap_or_default()
}

#[derive(Deserialize, Default, Clone, Copy)]
pub(crate) struct PromptDetails {
    #[serde(default)]
    cached_tokens: u64,
}

#[derive(Deserialize, Default, Clone, Copy)]
pub(crate) struct WireUsage {
    #[serde(default)]
    prompt_tokens: u64,
    #[serde(default)]
    completion_tokens: u64,
    #[serde(default)]
    prompt_tokens_details: Option<PromptDetails>,
}

impl WireUsage {
    pub(crate) fn usage(&self) -> Usage {
        let cached = self
            .prompt_tokens_details
            .map_or(0, |d| d.cached_tokens)
            .min(self.prompt_tokens);
        Usage {
            input_tokens: self.prompt_tokens - cached,
            output_tokens: self.completion_tokens,
            cache_read_tokens: cached,
            cache_write_tokens: 0,
        }
    }
}

#[derive(Deserialize)]
struct Function {
    #[serde(default)]
    name: String,
    #[serde(default)]
    arguments: Value,
}

#[derive(Deserialize)]
struct ToolCall {
    #[serde(default)]
    id: Option<String>,
    function: Function,
}

#[derive(Deserialize)]
struct AnswerMessage {
    #[serde(default)]
    content: Option<String>,
    #[serde(default)]
    tool_calls: Vec<ToolCall>,
}

#[derive(Deserialize)]
struct Choice {
    message: AnswerMessage,
    #[serde(default)]
    finish_reason: Option<String>,
}

#[derive(Deserialize)]
struct Response {
    #[serde(default)]
    model: String,
    choices: Vec<Choice>,
    #[serde(default)]
    usage: WireUsage,
}

/// A call's arguments: a JSON string holding an object (or, from some servers, the object).
pub(crate) fn arguments(raw: Value) -> Result<Value, AiError> {
    let parsed = match raw {
        Value::String(s) if s.trim().is_empty() => Value::Object(serde_json::Map::new()),
        Value::String(s) => serde_json::from_str(&s)
            .map_err(|_| AiError::MalformedAnswer("a tool call's arguments are not valid JSON"))?,
        Value::Null => Value::Object(serde_json::Map::new()),
        other => other,
    };
    if parsed.is_object() {
        Ok(parsed)
    } else {
        Err(AiError::MalformedAnswer(
            "a tool call's arguments are not an object",
        ))
    }
}

/// A call id, made up from its position when the server sent none.
pub(crate) fn call_id(id: Option<String>, index: u64) -> String {
    id.filter(|i| !i.trim().is_empty())
        .unwrap_or_else(|| format!("call_{index}"))
}

/// `finish_reason`, given whether tool calls came (some servers say `stop` with them).
pub(crate) fn stop_reason(finish: Option<&str>, has_calls: bool) -> StopReason {
    match finish {
        _ if has_calls => StopReason::ToolUse,
        None | Some("stop") => StopReason::EndTurn,
        Some("length") => StopReason::MaxTokens,
        Some("tool_calls" | "function_call") => StopReason::ToolUse,
        Some("content_filter") => StopReason::Refusal,
        Some(other) => StopReason::Other(safe_kind(other)),
    }
}

/// Reads a whole answer.
pub(crate) fn parse_response(body: &[u8]) -> Result<ChatResponse, AiError> {
    let r: Response = serde_json::from_slice(body)
        .map_err(|_| AiError::MalformedAnswer("the answer is not a chat completion"))?;
    let choice = r
        .choices
        .into_iter()
        .next()
        .ok_or(AiError::MalformedAnswer("the answer has no choices"))?;
    let mut content = Vec::new();
    if let Some(text) = choice.message.content.filter(|t| !t.is_empty()) {
        content.push(Block::Text(text));
    }
    let has_calls = !choice.message.tool_calls.is_empty();
    for (i, call) in (0u64..).zip(choice.message.tool_calls) {
        content.push(Block::ToolUse {
            id: call_id(call.id, i),
            name: call.function.name,
            input: arguments(call.function.arguments)?,
        });
    }
    Ok(ChatResponse {
        content,
        stop: stop_reason(choice.finish_reason.as_deref(), has_calls),
        usage: r.usage.usage(),
        model: r.model,
    })
}

#[derive(Deserialize, Default)]
pub(crate) struct ErrorDetail {
    #[serde(default)]
    pub message: String,
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    #[serde(default)]
    pub code: Option<Value>,
}

impl ErrorDetail {
    pub(crate) fn code(&self) -> &str {
        self.code.as_ref().and_then(Value::as_str).unwrap_or("")
    }

    pub(crate) fn says_too_long(&self) -> bool {
        let m = self.message.to_ascii_lowercase();
        self.code() == "context_length_exceeded"
            || m.contains("context length")
            || m.contains("maximum context")
    }

    /// The error as the stream or the status names it.
    pub(crate) fn into_error(self, status: u16) -> AiError {
        if self.says_too_long() {
            return AiError::ContextTooLong;
        }
        let kind = match self.code() {
            "" => self.kind.unwrap_or_default(),
            code => code.to_owned(),
        };
        AiError::from_error_type(status, &kind)
    }
}

#[derive(Deserialize)]
struct ErrorBody {
    error: ErrorDetail,
}

/// A refused answer as an error.
pub(crate) fn classify(status: u16, body: &[u8], hint: &RetryHint) -> AiError {
    let detail = serde_json::from_slice::<ErrorBody>(body)
        .map(|b| b.error)
        .unwrap_or_default();
    match status {
        401 | 403 => AiError::Auth { status },
        429 => AiError::RateLimited {
            retry_after: hint.after,
        },
        529 => AiError::Overloaded,
        408 | 504 => AiError::Timeout,
        400 | 413 if detail.says_too_long() => AiError::ContextTooLong,
        s if s >= 500 => AiError::Unavailable(format!("HTTP {s}")),
        s => {
            let kind = match detail.code() {
                "" => detail.kind.as_deref().unwrap_or(""),
                code => code,
            };
            AiError::BadRequest {
                status: s,
                kind: safe_kind(kind),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lenient_servers_are_read_and_broken_arguments_refused() {
        // Ollama: no call id, `stop` although a tool was called, arguments as an object.
        let body = br#"{"model":"llama3.1","choices":[{"index":0,"finish_reason":"stop",
            "message":{"role":"assistant","content":"","tool_calls":[
              {"function":{"name":"runway","arguments":{"scenario":"base"}}},
              {"id":"","function":{"name":"cash_flow","arguments":"{\"month\":\"2026-06\"}"}}]}}],
            "usage":{"prompt_tokens":100,"completion_tokens":20,"prompt_tokens_details":{"cached_tokens":64}}}"#;
        let r = parse_response(body).unwrap();
        assert_eq!(r.stop, StopReason::ToolUse);
        let calls: Vec<_> = r.tool_calls().map(|(id, name, _)| (id, name)).collect();
        assert_eq!(calls, [("call_0", "runway"), ("call_1", "cash_flow")]);
        assert_eq!(
            r.usage,
            Usage {
                input_tokens: 36,
                output_tokens: 20,
                cache_read_tokens: 64,
                cache_write_tokens: 0
            }
        );
        let broken = br#"{"choices":[{"finish_reason":"tool_calls","message":{"tool_calls":[
            {"id":"c","function":{"name":"runway","arguments":"{\"scenario\": "}}]}}]}"#;
        assert!(matches!(
            parse_response(broken),
            Err(AiError::MalformedAnswer(_))
        ));
        let not_object = br#"{"choices":[{"message":{"tool_calls":[
            {"id":"c","function":{"name":"runway","arguments":"[1,2]"}}]}}]}"#;
        assert!(matches!(
            parse_response(not_object),
            Err(AiError::MalformedAnswer(_))
        ));
        assert!(matches!(
            parse_response(br#"{"choices":[]}"#),
            Err(AiError::MalformedAnswer(_))
        ));
    }

    #[test]
    fn error_bodies_are_told_apart_without_keeping_their_text() {
        let hint = RetryHint::default();
        let too_long = br#"{"error":{"message":"This model's maximum context length is 8192 tokens","type":"invalid_request_error","code":"context_length_exceeded"}}"#;
        assert!(matches!(
            classify(400, too_long, &hint),
            AiError::ContextTooLong
        ));
        let other = br#"{"error":{"message":"secret prompt text here","type":"invalid_request_error","code":null}}"#;
        let e = classify(400, other, &hint);
        assert!(
            matches!(&e, AiError::BadRequest { status: 400, kind } if kind == "invalid_request_error")
        );
        assert!(!format!("{e} {e:?}").contains("secret prompt"));
        assert!(matches!(
            classify(503, b"<html>", &hint),
            AiError::Unavailable(_)
        ));
    }
}
