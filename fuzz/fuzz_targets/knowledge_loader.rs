//! The knowledge loader (front matter, body, dialogues, out-of-scope
//! topics) on any folder: the shipped one edited, plus arbitrary files.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: helpdesk_fuzz::LoaderInput| helpdesk_fuzz::loader(input));
