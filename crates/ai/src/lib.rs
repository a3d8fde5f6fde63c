//! The AI providers FlowSense can use, behind one trait, [`ChatModel`]: Claude over
//! Anthropic's Messages API ([`Anthropic`]) and any OpenAI-compatible chat completions server
//! ([`OpenAiCompatible`]: Ollama, vLLM, llama.cpp's server), so a business can keep its figures
//! on its own hardware. Both do tool use and streaming, retry what is worth retrying, read at
//! most a bounded answer, and fail with typed errors that never carry the prompt or the key.
//! All HTTP goes through `flowsense-outbound`.

pub mod anthropic;
mod chat;
mod error;
mod http;
pub mod openai;
mod retry;
mod sse;

pub use anthropic::{Anthropic, AnthropicConfig};
pub use chat::{
    Block, ChatModel, ChatRequest, ChatResponse, ChatStream, Message, ModelInfo, Role, StopReason,
    StreamEvent, ToolSpec, Usage, collect_stream,
};
pub use error::AiError;
pub use flowsense_outbound::{BreakerPolicy, Loopback};
pub use http::Limits;
pub use openai::{OpenAiCompatible, OpenAiConfig, Reach};
pub use reqwest::Url;
pub use retry::RetryPolicy;
