//! The dialogue state machine under any sequence of events: answers
//! (valid or not), back, restart, fresh starts with prefilled answers.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: helpdesk_fuzz::DialogueInput| helpdesk_fuzz::dialogue(input));
