//! The query string of `/oauth/{provider}/callback` and the check of its state; see
//! `flowsense_integrations::oauth_fuzz_checks::check_oauth_callback`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    flowsense_integrations::oauth_fuzz_checks::check_oauth_callback(data);
});
