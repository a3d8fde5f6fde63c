//! What the `anthropic_answers` fuzz target (`fuzz/fuzz_targets/anthropic_answers.rs`) checks on
//! every input, kept here so that the inputs it found are replayed by the ordinary `cargo test`
//! (the test below reads `fuzz/regressions/anthropic_answers/` and
//! `fuzz/seeds/anthropic_answers/`) without cargo-fuzz.
//!
//! An input is a letter, then an answer of Anthropic's Messages API: an even first byte for a
//! whole answer (`M`: the body of a `200`, also read as an error body), an odd one for an event
//! stream (`S`). Checked, besides not panicking:
//! - a whole answer reads the same way twice; a tool call's input is an object; a stop reason
//!   or an error kind the app does not know is kept only as a short, plain identifier (never
//!   arbitrary text from the answer);
//! - a stream gives the same events whether its bytes come at once or in small chunks (when
//!   they are UTF-8), at most one stop, which is the last event, and nothing after an error.
//!
//! Compiled for tests and fuzzing builds only (`cfg(fuzzing)` is set by cargo-fuzz).

use super::stream::MessagesDecoder;
use super::wire::{classify, parse_response};
use crate::chat::{Block, ChatStream, StopReason, StreamEvent};
use crate::error::{AiError, safe_kind};
use crate::retry::RetryHint;
use crate::sse::decode_bytes;
use bytes::Bytes;
use futures_util::{FutureExt, StreamExt, stream};

/// Checks one input.
///
/// # Panics
/// When a property above does not hold.
pub fn check_anthropic_answer(data: &[u8]) {
    let Some((&pick, body)) = data.split_first() else {
        return;
    };
    if pick % 2 == 0 {
        whole(body);
    } else {
        streamed(body);
    }
}

fn plain_identifier(kind: &str) {
    assert_eq!(kind, safe_kind(kind), "an unsafe kind was kept: {kind:?}");
}

fn whole(body: &[u8]) {
    let read = parse_response(body);
    assert_eq!(
        format!("{read:?}"),
        format!("{:?}", parse_response(body)),
        "not deterministic"
    );
    if let Ok(answer) = read {
        for block in &answer.content {
            if let Block::ToolUse { input, .. } = block {
                assert!(input.is_object(), "a tool input that is not an object");
            }
        }
        if let StopReason::Other(kind) = &answer.stop {
            plain_identifier(kind);
        }
    }
    for status in [400, 404, 500] {
        if let AiError::BadRequest { kind, .. } = classify(status, body, &RetryHint::default()) {
            plain_identifier(&kind);
        }
    }
}

/// Every item of a stream whose bytes are all there (so it never waits).
fn drain(mut events: ChatStream) -> Vec<Result<String, String>> {
    let mut out = Vec::new();
    loop {
        match events.next().now_or_never() {
            Some(Some(item)) => out.push(item.map(|e| format!("{e:?}")).map_err(|e| e.to_string())),
            Some(None) => return out,
            None => panic!("a stream of bytes already there waited"),
        }
    }
}

fn decoded(chunks: Vec<Bytes>) -> (Vec<Result<String, String>>, Vec<bool>) {
    let stops = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = std::sync::Arc::clone(&stops);
    let events = decode_bytes(
        stream::iter(chunks.into_iter().map(Ok::<_, AiError>)),
        MessagesDecoder::default(),
    )
    .inspect(move |item| {
        if let Ok(event) = item {
            if let StreamEvent::ToolCall { input, .. } = event {
                assert!(input.is_object(), "a streamed tool input is not an object");
            }
            if let StreamEvent::Stop(StopReason::Other(kind)) = event {
                plain_identifier(kind);
            }
            if let Ok(mut s) = seen.lock() {
                s.push(matches!(event, StreamEvent::Stop(_)));
            }
        }
    })
    .boxed();
    let items = drain(events);
    let stops = stops.lock().map(|s| s.clone()).unwrap_or_default();
    (items, stops)
}

fn streamed(body: &[u8]) {
    let (at_once, stops) = decoded(vec![Bytes::copy_from_slice(body)]);
    if let Some(error) = at_once.iter().position(Result::is_err) {
        assert_eq!(error, at_once.len() - 1, "events after an error");
    }
    let stop_count = stops.iter().filter(|s| **s).count();
    assert!(stop_count <= 1, "{stop_count} stops");
    if stop_count == 1 {
        assert_eq!(stops.last(), Some(&true), "events after the stop");
    }
    if std::str::from_utf8(body).is_ok() {
        let chunks = body.chunks(7).map(Bytes::copy_from_slice).collect();
        let (chunked, _) = decoded(chunks);
        assert_eq!(at_once, chunked, "the chunking changed the answer");
    }
}

#[cfg(test)]
mod tests {
    use super::check_anthropic_answer;

    #[test]
    fn fuzz_regressions_and_seeds_pass() {
        flowsense_test_support::fuzz_inputs::replay_fuzz_target(
            "anthropic_answers",
            check_anthropic_answer,
        );
    }
}
