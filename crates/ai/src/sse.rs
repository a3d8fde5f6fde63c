//! Server-sent events into [`StreamEvent`]s: the answer's bytes, capped in total and with a
//! deadline between chunks, are split into events by `eventsource-stream`, and a provider's
//! [`Decoder`] turns each event into what the caller sees.

use crate::chat::{ChatStream, StreamEvent};
use crate::error::AiError;
use crate::http::transport_error;
use bytes::Bytes;
use eventsource_stream::{EventStreamError, Eventsource};
use futures_util::stream::{self, BoxStream, Stream, StreamExt};
use std::collections::VecDeque;
use std::time::Duration;

/// Whether a stream goes on after an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flow {
    Continue,
    /// The answer is complete; nothing after it is read.
    Done,
}

/// A provider's reading of its event stream.
pub(crate) trait Decoder: Send + 'static {
    /// One event (`name` is `message` when the server sent none); what it means goes to `out`.
    fn on_event(
        &mut self,
        name: &str,
        data: &str,
        out: &mut VecDeque<StreamEvent>,
    ) -> Result<Flow, AiError>;

    /// The server closed the stream before [`Flow::Done`].
    fn on_end(&mut self, out: &mut VecDeque<StreamEvent>) -> Result<(), AiError>;
}

/// The bytes of an answer, with a deadline between chunks and a cap on the total.
fn bounded_bytes(
    response: reqwest::Response,
    idle: Duration,
    limit: usize,
) -> impl Stream<Item = Result<Bytes, AiError>> + Send {
    stream::unfold(Some((response, 0usize)), move |state| async move {
        let (mut response, seen) = state?;
        match tokio::time::timeout(idle, response.chunk()).await {
            Err(_) => Some((Err(AiError::Timeout), None)),
            Ok(Err(e)) => Some((Err(transport_error(&e)), None)),
            Ok(Ok(None)) => None,
            Ok(Ok(Some(chunk))) => {
                let seen = seen + chunk.len();
                if seen > limit {
                    Some((Err(AiError::AnswerTooLarge { limit }), None))
                } else {
                    Some((Ok(chunk), Some((response, seen))))
                }
            }
        }
    })
}

/// Decodes any byte stream of SSE with `decoder` (the clients pass an HTTP answer; tests can
/// pass chunks of their choosing).
pub(crate) fn decode_bytes<S, D>(bytes: S, decoder: D) -> ChatStream
where
    S: Stream<Item = Result<Bytes, AiError>> + Send + 'static,
    D: Decoder,
{
    struct State<D> {
        events: BoxStream<'static, Result<eventsource_stream::Event, AiError>>,
        decoder: D,
        pending: VecDeque<StreamEvent>,
        finished: bool,
    }
    let events = bytes
        .eventsource()
        .map(|e| {
            e.map_err(|e| match e {
                EventStreamError::Transport(e) => e,
                EventStreamError::Utf8(_) => {
                    AiError::MalformedAnswer("the event stream is not valid UTF-8")
                }
                EventStreamError::Parser(_) => {
                    AiError::MalformedAnswer("the event stream could not be parsed")
                }
            })
        })
        .boxed();
    let state = State {
        events,
        decoder,
        pending: VecDeque::new(),
        finished: false,
    };
    stream::unfold(state, |mut s| async move {
        loop {
            if let Some(event) = s.pending.pop_front() {
                return Some((Ok(event), s));
            }
            if s.finished {
                return None;
            }
            let outcome = match s.events.next().await {
                None => {
                    s.finished = true;
                    s.decoder.on_end(&mut s.pending)
                }
                Some(Err(e)) => Err(e),
                Some(Ok(event)) => s
                    .decoder
                    .on_event(&event.event, &event.data, &mut s.pending)
                    .map(|flow| s.finished = flow == Flow::Done),
            };
            if let Err(e) = outcome {
                s.finished = true;
                s.pending.clear();
                return Some((Err(e), s));
            }
        }
    })
    .boxed()
}

/// Decodes an HTTP answer's event stream.
pub(crate) fn decode_response<D: Decoder>(
    response: reqwest::Response,
    idle: Duration,
    limit: usize,
    decoder: D,
) -> ChatStream {
    decode_bytes(bounded_bytes(response, idle, limit), decoder)
}
