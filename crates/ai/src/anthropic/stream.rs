//! The Messages API's event stream (APIS.md §4.3): `message_start`, then per content block
//! `content_block_start`, `content_block_delta`s and `content_block_stop`, then
//! `message_delta` (stop reason, cumulative usage) and `message_stop`. `ping` and unknown
//! events are ignored; an `error` event (which can come after a 200) ends the stream with the
//! error it names. Tool input arrives as `input_json_delta` fragments, parsed at block stop.

use super::wire::{ErrorBody, InUsage, says_too_long, stop_reason, tool_input};
use crate::chat::{StopReason, StreamEvent, Usage};
use crate::error::AiError;
use crate::sse::{Decoder, Flow};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::collections::{HashMap, VecDeque};

enum Open {
    Text,
    Tool {
        id: String,
        name: String,
        json: String,
    },
    /// A block this client does not read (thinking, server tools, …).
    Skipped,
}

#[derive(Default)]
pub(crate) struct MessagesDecoder {
    usage: Usage,
    blocks: HashMap<u64, Open>,
    stop: Option<StopReason>,
}

#[derive(Deserialize)]
struct StartedMessage {
    #[serde(default)]
    model: String,
    #[serde(default)]
    usage: InUsage,
}

#[derive(Deserialize)]
struct MessageStart {
    message: StartedMessage,
}

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum StartedBlock {
    Text {
        #[serde(default)]
        text: String,
    },
    ToolUse {
        id: String,
        name: String,
    },
    #[serde(other)]
    Other,
}

#[derive(Deserialize)]
struct BlockStart {
    index: u64,
    content_block: StartedBlock,
}

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Piece {
    TextDelta {
        text: String,
    },
    InputJsonDelta {
        partial_json: String,
    },
    #[serde(other)]
    Other,
}

#[derive(Deserialize)]
struct BlockDelta {
    index: u64,
    delta: Piece,
}

#[derive(Deserialize)]
struct BlockStop {
    index: u64,
}

#[derive(Deserialize)]
struct StopDelta {
    stop_reason: Option<String>,
}

#[derive(Deserialize)]
struct MessageDelta {
    delta: StopDelta,
    #[serde(default)]
    usage: InUsage,
}

fn parse<T: DeserializeOwned>(data: &str) -> Result<T, AiError> {
    serde_json::from_str(data)
        .map_err(|_| AiError::MalformedAnswer("an event's data is not as documented"))
}

impl Decoder for MessagesDecoder {
    fn on_event(
        &mut self,
        name: &str,
        data: &str,
        out: &mut VecDeque<StreamEvent>,
    ) -> Result<Flow, AiError> {
        match name {
            "message_start" => {
                let m: MessageStart = parse(data)?;
                self.usage = m.message.usage.over(self.usage);
                out.push_back(StreamEvent::Model(m.message.model));
            }
            "content_block_start" => {
                let b: BlockStart = parse(data)?;
                let open = match b.content_block {
                    StartedBlock::Text { text } => {
                        if !text.is_empty() {
                            out.push_back(StreamEvent::TextDelta(text));
                        }
                        Open::Text
                    }
                    StartedBlock::ToolUse { id, name } => Open::Tool {
                        id,
                        name,
                        json: String::new(),
                    },
                    StartedBlock::Other => Open::Skipped,
                };
                if self.blocks.insert(b.index, open).is_some() {
                    return Err(AiError::MalformedAnswer(
                        "a content block was started twice",
                    ));
                }
            }
            "content_block_delta" => {
                let d: BlockDelta = parse(data)?;
                let block = self
                    .blocks
                    .get_mut(&d.index)
                    .ok_or(AiError::MalformedAnswer(
                        "a delta for a block never started",
                    ))?;
                match (block, d.delta) {
                    (Open::Text, Piece::TextDelta { text }) => {
                        out.push_back(StreamEvent::TextDelta(text));
                    }
                    (Open::Tool { json, .. }, Piece::InputJsonDelta { partial_json }) => {
                        json.push_str(&partial_json);
                    }
                    (Open::Skipped, _) | (_, Piece::Other) => {}
                    _ => return Err(AiError::MalformedAnswer("a delta of the wrong kind")),
                }
            }
            "content_block_stop" => {
                let s: BlockStop = parse(data)?;
                match self.blocks.remove(&s.index) {
                    None => {
                        return Err(AiError::MalformedAnswer(
                            "a block stopped that never started",
                        ));
                    }
                    Some(Open::Tool { id, name, json }) => {
                        let input = if json.trim().is_empty() {
                            Value::Object(serde_json::Map::new())
                        } else {
                            serde_json::from_str(&json).map_err(|_| {
                                AiError::MalformedAnswer("a tool call's input is not valid JSON")
                            })?
                        };
                        out.push_back(StreamEvent::ToolCall {
                            id,
                            name,
                            input: tool_input(input)?,
                        });
                    }
                    Some(Open::Text | Open::Skipped) => {}
                }
            }
            "message_delta" => {
                let d: MessageDelta = parse(data)?;
                self.usage = d.usage.over(self.usage);
                if let Some(reason) = d.delta.stop_reason {
                    self.stop = Some(stop_reason(&reason));
                }
            }
            "message_stop" => {
                let stop = self.stop.take().ok_or(AiError::MalformedAnswer(
                    "the message stopped without a stop reason",
                ))?;
                out.push_back(StreamEvent::Usage(self.usage));
                out.push_back(StreamEvent::Stop(stop));
                return Ok(Flow::Done);
            }
            "error" => {
                let e: ErrorBody = parse(data)?;
                if e.error.kind == "invalid_request_error" && says_too_long(&e.error) {
                    return Err(AiError::ContextTooLong);
                }
                return Err(AiError::from_error_type(200, &e.error.kind));
            }
            // `ping`, and events newer than this client.
            _ => {}
        }
        Ok(Flow::Continue)
    }

    fn on_end(&mut self, _out: &mut VecDeque<StreamEvent>) -> Result<(), AiError> {
        Err(AiError::MalformedAnswer(
            "the stream ended before message_stop",
        ))
    }
}
