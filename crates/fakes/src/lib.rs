//! Faithful local fakes of the outside services FlowSense reads, for tests and (later) the
//! `flowsense sandbox` command. Each binds 127.0.0.1 on a free port and serves the real wire
//! format from generated books.

pub mod quickbooks;
pub mod xero;

pub use quickbooks::{
    Delivered, FakeConfig, Injected, QuickBooksFake, Served, WebhookEvent, sign_webhook,
};
pub use xero::{XeroFake, XeroFakeConfig};
