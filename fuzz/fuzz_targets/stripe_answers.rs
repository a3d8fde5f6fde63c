//! An answer of Stripe's API as the billing client reads it; see
//! `flowsense_integrations::stripe::fuzz_checks::check_stripe_answer`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    flowsense_integrations::stripe::fuzz_checks::check_stripe_answer(data);
});
