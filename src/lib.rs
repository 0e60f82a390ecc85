//! helpdesk: a Discord support assistant that answers email questions
//! (POP or IMAP, vanished mail, full mailboxes) from a knowledge base.
//!
//! # Map
//!
//! - [`phrase`]: the phrase language authors write (`mailbox [is] full`,
//!   `{device}`, `..`) and its compiler into the sets the matcher runs;
//!   neither the knowledge nor the matcher is known to it.
//! - [`knowledge`]: loads and validates entries (`knowledge/*.md`),
//!   dialogues (`knowledge/dialogues/*.toml`), out-of-scope topics and the
//!   vocabulary, compiling every phrase once; the shipped set is built in;
//!   merges learned examples into a folder (`helpdesk learned --write`).
//! - [`matcher`]: normalises a question, ranks the entries (BM25F with typo
//!   tolerance and the authors' phrases), says "no entry" when unsure, and
//!   picks dialogue answers out of the question.
//! - [`dialogue`]: the recommendation dialogue as a pure state machine.
//! - [`gaps`]: unanswered questions grouped by similarity, biggest first,
//!   with the entry that came nearest: what to write next.
//! - [`evaluation`]: the real-question corpus's format and scores, shared
//!   by `helpdesk check` and the quality tests.
//! - [`assistant`]: the use cases every front end shares, and the front
//!   ends' only way to the store: answer, run a dialogue (the one an answer
//!   offers, or a step again after a restart), vote, comment, escalate once,
//!   record what had no answer, stats and unanswered per server, export,
//!   forget a person, the hourly upkeep; learn from the questions staff
//!   answer (the matcher rebuilt with them, here at once and in every
//!   process on the same database within seconds).
//! - [`store`]: the storage interface and its SQLite and PostgreSQL
//!   backends (migrations in `migrations/`).
//! - [`config`]: typed configuration for `serve`, from the environment and
//!   an optional TOML file.
//! - [`discord`]: the Discord front end (serenity + poise): threads, embeds,
//!   buttons, the dialogue in a thread, votes, escalation, the staff
//!   controls on posts for staff (answer from triage, not in scope, claim,
//!   resolved), `/kb`; its own
//!   bookkeeping (threads answered in, interactions handled) behind
//!   [`discord::ledger::Ledger`], which the store implements.
//! - [`operations`]: metrics and the `/healthz`, `/readyz`, `/metrics`
//!   endpoints `serve` exposes.
//! - [`terminal`]: the terminal front end (`chat`, `ask`, `recommend`,
//!   `stats`, `check`).
//!
//! Outside `src/`: `knowledge/` is the shipped knowledge, `tests/` the
//! black-box tests (one test binary, `tests/it/`, with a module per area;
//! `tests/standin/` the local Discord stand-in they run the bot against, a
//! crate of the workspace; `tests/data/` the held-out questions the matcher
//! is measured on), `benches/` the criterion benches, `deploy/` the files to
//! run it as a service.

pub mod assistant;
pub mod config;
pub mod dialogue;
pub mod discord;
pub mod evaluation;
pub mod gaps;
pub mod knowledge;
pub mod matcher;
pub mod operations;
pub mod phrase;
pub mod store;
pub mod terminal;
