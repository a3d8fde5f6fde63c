//! A statement file uploaded for import; see `flowsense_import::fuzz_checks::check_ofx`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    flowsense_import::fuzz_checks::check_ofx(data);
});
