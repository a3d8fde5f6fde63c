//! An answer of Anthropic's Messages API, whole or streamed, as the assistant reads it; see
//! `flowsense_ai::anthropic::fuzz_checks::check_anthropic_answer`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    flowsense_ai::anthropic::fuzz_checks::check_anthropic_answer(data);
});
