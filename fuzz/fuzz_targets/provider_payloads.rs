//! An answer of QuickBooks Online or Xero as the sync reads it; see
//! `flowsense_integrations::fuzz_checks::check_provider_payload`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    flowsense_integrations::fuzz_checks::check_provider_payload(data);
});
