//! The matcher, built once from the shipped knowledge, on any text.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| helpdesk_fuzz::matcher(data));
