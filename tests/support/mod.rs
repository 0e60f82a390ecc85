//! Shared support for the black-box Discord tests: the local Discord
//! stand-in, and a harness that runs `helpdesk serve` against it.
#![allow(dead_code)]

pub mod bot;
pub mod database;
pub mod standin;
