//! The button/select/modal custom id parser on any text, and encoding then
//! parsing any action.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| helpdesk_fuzz::custom_id(data));
