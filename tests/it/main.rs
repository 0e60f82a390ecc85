//! The black-box tests, in one binary (one link instead of one per file):
//! each module is what used to be a test file of its own, and runs alone
//! with `cargo test --test it <module>::`.
//!
//! - `cli`: the command-line tools; `deploy`: the deployment files;
//!   `layout`: the code's shape (which module may use which, function
//!   lengths in the Discord front end);
//!   `engine`: the assistant through its library API; `store`: both storage
//!   backends (PostgreSQL included); `matcher_quality`: the held-out
//!   figures; `properties`: the fuzz targets' invariants under proptest.
//! - `discord`, `faults`, `hostile`, `languages`, `learning`,
//!   `operations`, `staff_stats`: the real
//!   `helpdesk serve` against the local Discord stand-in (`tests/standin/`,
//!   the `helpdesk-standin` crate); `learning` is staff answering from the
//!   triage channel and the bot learning from it; `languages` the bot
//!   speaking German and Spanish beside English.
//!
//! Shared: `common` (knowledge and held-out data), `support` (the stand-in's
//! harness, and the bot's component ids read and written with its own
//! codec).

mod common;
mod support;

mod cli;
mod deploy;
mod discord;
mod engine;
mod faults;
mod hostile;
mod languages;
mod layout;
mod learning;
mod matcher_quality;
mod operations;
mod properties;
mod staff_stats;
mod store;
