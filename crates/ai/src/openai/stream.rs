//! Streamed chat completions (APIS.md §5): `data: {chunk}` events ending with `data: [DONE]`.
//! Text comes as `delta.content`; tool calls as `delta.tool_calls[{index, id?, function:
//! {name?, arguments}}]` fragments, joined per index and handed over whole once the choice
//! finishes; usage in a last chunk with no choices (asked for with `stream_options`). A chunk
//! carrying `error` ends the stream with it.

use super::wire::{ErrorDetail, WireUsage, arguments, call_id, stop_reason};
use crate::chat::{StopReason, StreamEvent, Usage};
use crate::error::AiError;
use crate::sse::{Decoder, Flow};
use serde::Deserialize;
use serde_json::Value;
use std::collections::{BTreeMap, VecDeque};

#[derive(Default)]
struct PartialCall {
    id: Option<String>,
    name: String,
    arguments: String,
}

#[derive(Default)]
pub(crate) struct CompletionsDecoder {
    model_told: bool,
    calls: BTreeMap<u64, PartialCall>,
    stop: Option<StopReason>,
    usage: Usage,
}

#[derive(Deserialize)]
struct FunctionDelta {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    arguments: Option<String>,
}

#[derive(Deserialize)]
struct CallDelta {
    #[serde(default)]
    index: u64,
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    function: Option<FunctionDelta>,
}

#[derive(Deserialize, Default)]
struct Delta {
    #[serde(default)]
    content: Option<String>,
    #[serde(default)]
    tool_calls: Vec<CallDelta>,
}

#[derive(Deserialize)]
struct ChunkChoice {
    #[serde(default)]
    delta: Delta,
    #[serde(default)]
    finish_reason: Option<String>,
}

#[derive(Deserialize)]
struct Chunk {
    #[serde(default)]
    model: Option<String>,
    #[serde(default)]
    choices: Vec<ChunkChoice>,
    #[serde(default)]
    usage: Option<WireUsage>,
    #[serde(default)]
    error: Option<ErrorDetail>,
}

impl CompletionsDecoder {
    fn finish(&mut self, finish: &str, out: &mut VecDeque<StreamEvent>) -> Result<(), AiError> {
        let calls = std::mem::take(&mut self.calls);
        let has_calls = !calls.is_empty();
        for (index, call) in calls {
            out.push_back(StreamEvent::ToolCall {
                id: call_id(call.id, index),
                name: call.name,
                input: arguments(Value::String(call.arguments))?,
            });
        }
        self.stop = Some(stop_reason(Some(finish), has_calls));
        Ok(())
    }

    fn end(&mut self, out: &mut VecDeque<StreamEvent>) -> Result<(), AiError> {
        let stop = self.stop.take().ok_or(AiError::MalformedAnswer(
            "the stream ended before the choice finished",
        ))?;
        out.push_back(StreamEvent::Usage(self.usage));
        out.push_back(StreamEvent::Stop(stop));
        Ok(())
    }
}

impl Decoder for CompletionsDecoder {
    fn on_event(
        &mut self,
        _name: &str,
        data: &str,
        out: &mut VecDeque<StreamEvent>,
    ) -> Result<Flow, AiError> {
        if data.trim() == "[DONE]" {
            self.end(out)?;
            return Ok(Flow::Done);
        }
        let chunk: Chunk = serde_json::from_str(data)
            .map_err(|_| AiError::MalformedAnswer("a chunk is not a chat completion chunk"))?;
        if let Some(error) = chunk.error {
            return Err(error.into_error(200));
        }
        if let Some(model) = chunk.model
            && !self.model_told
        {
            self.model_told = true;
            out.push_back(StreamEvent::Model(model));
        }
        if let Some(usage) = chunk.usage {
            self.usage = usage.usage();
        }
        // One choice is asked for; others, if a server sends them, are not read.
        if let Some(choice) = chunk.choices.into_iter().next() {
            if let Some(text) = choice.delta.content.filter(|t| !t.is_empty()) {
                out.push_back(StreamEvent::TextDelta(text));
            }
            for d in choice.delta.tool_calls {
                let call = self.calls.entry(d.index).or_default();
                if let Some(id) = d.id.filter(|i| !i.is_empty()) {
                    call.id = Some(id);
                }
                if let Some(f) = d.function {
                    if let Some(name) = f.name {
                        call.name.push_str(&name);
                    }
                    if let Some(args) = f.arguments {
                        call.arguments.push_str(&args);
                    }
                }
            }
            if let Some(finish) = choice.finish_reason {
                self.finish(&finish, out)?;
            }
        }
        Ok(Flow::Continue)
    }

    /// Some servers close without `[DONE]`: the answer stands if its choice finished.
    fn on_end(&mut self, out: &mut VecDeque<StreamEvent>) -> Result<(), AiError> {
        self.end(out)
    }
}
