//! One call to the model, streamed: text deltas restored and handed on as they settle, tool
//! calls collected, the usage read.

use super::ask::{AssistantEvent, emit};
use super::names::{Names, StreamRestorer};
use flowsense_ai::{Block, ChatModel, ChatRequest, StreamEvent, Usage};
use flowsense_core::ErrorChain;
use futures_util::StreamExt;
use tokio::sync::mpsc;

/// Between the texts of two rounds.
pub(super) const PARAGRAPH: &str = "\n\n";

/// One round's answer, its text restored.
pub(super) struct Round {
    pub content: Vec<Block>,
    pub text: String,
    pub usage: Usage,
}

/// Streams one call: text deltas restored and handed on as they settle (after a paragraph
/// break when `separate`: an earlier round wrote text), tool calls collected. `Ok(None)` when
/// the asker went away.
pub(super) async fn ask_once(
    model: &dyn ChatModel,
    request: &ChatRequest,
    names: &Names,
    events: &mpsc::Sender<AssistantEvent>,
    separate: bool,
) -> Result<Option<Round>, (Usage, String)> {
    let mut pending_break = separate;
    let hand_on = async |text: &str, pending_break: &mut bool| {
        let out = if std::mem::take(pending_break) {
            format!("{PARAGRAPH}{text}")
        } else {
            text.to_owned()
        };
        emit(events, AssistantEvent::Text(out)).await
    };
    let mut stream = model
        .stream(request)
        .await
        .map_err(|e| (Usage::default(), ErrorChain(&e).to_string()))?;
    let mut restorer = StreamRestorer::default();
    let mut content: Vec<Block> = Vec::new();
    let mut text = String::new();
    let mut usage = Usage::default();
    while let Some(event) = stream.next().await {
        match event.map_err(|e| (usage, ErrorChain(&e).to_string()))? {
            StreamEvent::Model(_) => {}
            StreamEvent::TextDelta(delta) => {
                match content.last_mut() {
                    Some(Block::Text(t)) => t.push_str(&delta),
                    _ => content.push(Block::Text(delta.clone())),
                }
                let settled = restorer.push(names, &delta);
                if !settled.is_empty() {
                    text.push_str(&settled);
                    if !hand_on(&settled, &mut pending_break).await {
                        return Ok(None);
                    }
                }
            }
            StreamEvent::ToolCall { id, name, input } => {
                content.push(Block::ToolUse { id, name, input });
            }
            StreamEvent::Usage(u) => usage = u,
            StreamEvent::Stop(_) => {
                let rest = restorer.finish(names);
                if !rest.is_empty() {
                    text.push_str(&rest);
                    if !hand_on(&rest, &mut pending_break).await {
                        return Ok(None);
                    }
                }
                return Ok(Some(Round {
                    content,
                    text,
                    usage,
                }));
            }
        }
    }
    Err((usage, "the stream ended without a stop reason".into()))
}
