//! A signed webhook delivery (Stripe, QuickBooks, Xero); see
//! `flowsense_webhooks::fuzz_checks::check_webhook`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    flowsense_webhooks::fuzz_checks::check_webhook(data);
});
