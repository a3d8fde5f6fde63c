//! A backup's sealed file as `flowsense backup restore` opens it, and a database file sealed
//! and opened again; see `flowsense_storage::crypto::backup_fuzz_checks::check_backup_file`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    flowsense_storage::crypto::backup_fuzz_checks::check_backup_file(data);
});
