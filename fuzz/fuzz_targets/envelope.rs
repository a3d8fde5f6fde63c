//! A stored value as the field-encryption envelope reads it, and a plaintext sealed and opened
//! again; see `flowsense_storage::crypto::fuzz_checks::check_envelope`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    flowsense_storage::crypto::fuzz_checks::check_envelope(data);
});
