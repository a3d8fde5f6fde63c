//! Faithful local fakes of the outside services FlowSense talks to (the accounting providers,
//! the AI providers and Stripe), for tests and the `flowsense sandbox` command. Each binds 127.0.0.1
//! on a free port and serves the real wire format: the accounting fakes from generated books,
//! the model fakes from a deterministic model that calls tools.

pub mod anthropic;
mod books_fx;
mod consent;
mod identity;
mod llm;
pub mod openai;
pub mod quickbooks;
mod server;
pub mod stripe;
pub mod xero;

pub use anthropic::{AnthropicFake, AnthropicFakeConfig};
pub use consent::{Decided, decide_consent, decide_on_consent_page};
pub use llm::{Received, Script};
pub use openai::{OpenAiFake, OpenAiFakeConfig};

pub use quickbooks::{
    Delivered, FakeConfig, Injected, QuickBooksFake, Served, WebhookEvent, sign_webhook,
};
pub use stripe::{StripeFake, StripeFakeConfig};
pub use xero::{XeroFake, XeroFakeConfig};
