use super::stream::MessagesDecoder;
use super::wire;
use crate::chat::{
    Block, ChatRequest, Message, StopReason, StreamEvent, ToolSpec, Usage, collect_stream,
};
use crate::error::AiError;
use crate::sse::decode_bytes;
use bytes::Bytes;
use futures_util::StreamExt;
use serde_json::{Value, json};

/// A recorded-shape tool-use stream with a ping, an unknown event and non-ASCII text.
const TOOL_STREAM: &str = concat!(
    "event: message_start\n",
    "data: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-sonnet-4-6\",\"content\":[],\"stop_reason\":null,\"usage\":{\"input_tokens\":120,\"output_tokens\":1,\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":2048}}}\n\n",
    "event: ping\ndata: {\"type\":\"ping\"}\n\n",
    "event: content_block_start\n",
    "data: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n",
    "event: content_block_delta\n",
    "data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Caf\u{e9} cash \u{2014} \u{20ac}1\u{a0}200 \u{1f4b6}\"}}\n\n",
    "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n",
    "event: some_future_event\ndata: {\"type\":\"some_future_event\",\"x\":1}\n\n",
    "event: content_block_start\n",
    "data: {\"type\":\"content_block_start\",\"index\":1,\"content_block\":{\"type\":\"tool_use\",\"id\":\"toolu_1\",\"name\":\"cash_flow\",\"input\":{}}}\n\n",
    "event: content_block_delta\n",
    "data: {\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"\"}}\n\n",
    "event: content_block_delta\n",
    "data: {\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"peri\"}}\n\n",
    "event: content_block_delta\n",
    "data: {\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"od\\\": \\\"2026-0\"}}\n\n",
    "event: ping\ndata: {\"type\":\"ping\"}\n\n",
    "event: content_block_delta\n",
    "data: {\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"6\\\"}\"}}\n\n",
    "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":1}\n\n",
    "event: message_delta\n",
    "data: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"tool_use\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":41}}\n\n",
    "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n",
);

fn chunked(
    text: &str,
    size: usize,
) -> impl futures_util::Stream<Item = Result<Bytes, AiError>> + Send + 'static {
    let chunks: Vec<Result<Bytes, AiError>> = text
        .as_bytes()
        .chunks(size)
        .map(|c| Ok(Bytes::copy_from_slice(c)))
        .collect();
    futures_util::stream::iter(chunks)
}

#[tokio::test]
async fn a_stream_cut_every_seven_bytes_reads_whole() {
    let stream = decode_bytes(chunked(TOOL_STREAM, 7), MessagesDecoder::default());
    let answer = collect_stream(stream).await.unwrap();
    assert_eq!(answer.model, "claude-sonnet-4-6");
    assert_eq!(answer.stop, StopReason::ToolUse);
    assert_eq!(
        answer.text(),
        "Caf\u{e9} cash \u{2014} \u{20ac}1\u{a0}200 \u{1f4b6}"
    );
    let calls: Vec<_> = answer.tool_calls().collect();
    assert_eq!(
        calls,
        [("toolu_1", "cash_flow", &json!({"period": "2026-06"}))]
    );
    assert_eq!(
        answer.usage,
        Usage {
            input_tokens: 120,
            output_tokens: 41,
            cache_read_tokens: 2048,
            cache_write_tokens: 0
        }
    );
}

#[tokio::test]
async fn a_stream_cut_short_or_with_an_error_event_fails_typed() {
    let cut = &TOOL_STREAM[..TOOL_STREAM.find("event: message_delta").unwrap()];
    let events: Vec<_> = decode_bytes(chunked(cut, 64), MessagesDecoder::default())
        .collect()
        .await;
    assert!(
        matches!(events.last(), Some(Err(AiError::MalformedAnswer(_)))),
        "{events:?}"
    );

    let overloaded = format!(
        "{}event: error\ndata: {{\"type\":\"error\",\"error\":{{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}}}\n\n",
        &TOOL_STREAM[..TOOL_STREAM.find("event: content_block_stop").unwrap()]
    );
    let events: Vec<_> = decode_bytes(chunked(&overloaded, 5), MessagesDecoder::default())
        .collect()
        .await;
    assert!(matches!(events.first(), Some(Ok(StreamEvent::Model(_)))));
    assert!(
        events
            .iter()
            .any(|e| matches!(e, Ok(StreamEvent::TextDelta(_))))
    );
    assert!(
        matches!(events.last(), Some(Err(AiError::Overloaded))),
        "{events:?}"
    );

    let bad_json = TOOL_STREAM.replace("6\\\"}", "6\\\"");
    assert_ne!(bad_json, TOOL_STREAM);
    let events: Vec<_> = decode_bytes(chunked(&bad_json, 9), MessagesDecoder::default())
        .collect()
        .await;
    assert!(
        matches!(events.last(), Some(Err(AiError::MalformedAnswer(m))) if m.contains("not valid JSON")),
        "{events:?}"
    );
}

#[test]
fn caching_marks_the_last_tool_and_system_block_and_tool_results_lead_their_turn() {
    let mut request = ChatRequest::new(
        vec![
            Message::user("How is cash?"),
            Message::assistant(vec![
                Block::Text(String::new()),
                Block::ToolUse {
                    id: "toolu_1".into(),
                    name: "cash_flow".into(),
                    input: json!({}),
                },
            ]),
            Message {
                role: crate::chat::Role::User,
                content: vec![
                    Block::Text("and?".into()),
                    Block::ToolResult {
                        tool_use_id: "toolu_1".into(),
                        content: "{\"net\":\"12.00\"}".into(),
                        is_error: false,
                    },
                ],
            },
        ],
        512,
    );
    request.system = vec!["rules".into(), "more rules".into()];
    request.tools = ["cash_flow", "runway"]
        .iter()
        .map(|n| ToolSpec {
            name: (*n).into(),
            description: "d".into(),
            input_schema: json!({"type": "object", "properties": {}}),
        })
        .collect();
    let body: Value = serde_json::from_slice(&wire::request_body("m", &request, true)).unwrap();
    let ephemeral = json!({"type": "ephemeral"});
    assert_eq!(body["system"][0].get("cache_control"), None);
    assert_eq!(body["system"][1]["cache_control"], ephemeral);
    assert_eq!(body["tools"][0].get("cache_control"), None);
    assert_eq!(body["tools"][1]["cache_control"], ephemeral);
    assert_eq!(body["stream"], true);
    assert_eq!(body["messages"][1]["content"].as_array().unwrap().len(), 1);
    assert_eq!(body["messages"][2]["content"][0]["type"], "tool_result");
    assert_eq!(body["messages"][2]["content"][1]["type"], "text");
}
