//! What every test here stands on, beside the fresh database per test that
//! `flowsense-test-support` gives it: a services context over the store with a real mailer
//! writing into a temporary outbox.

use flowsense_mail::FileMailer;
use flowsense_service::identity::crypto::InstanceKey;
use flowsense_service::identity::limits::RateLimits;
use flowsense_service::{Context, ContextSettings};
use flowsense_storage::Store;
use std::sync::Arc;

/// A services context over `store`, as a worker builds one: a fresh instance key, an outbox in
/// `outbox`, limits nobody reaches.
pub(crate) fn context(store: &Store, outbox: &std::path::Path) -> Context {
    let mailer = FileMailer::new(outbox, "FlowSense <noreply@flowsense.test>").expect("outbox");
    let settings = ContextSettings {
        limits: RateLimits::generous(),
        hash_concurrency: 1,
        ..ContextSettings::new("http://flowsense.test")
    };
    Context::new(
        store.clone(),
        InstanceKey::generate(),
        Arc::new(mailer),
        &settings,
    )
    .expect("context")
}
