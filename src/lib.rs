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
//!   vocabulary, compiling every phrase once, and each language's
//!   translation of them (`knowledge/de/`, `knowledge/es/`); the shipped
//!   set is built in.
//! - [`language`]: the languages spoken (English, German, Spanish), read
//!   from Discord locales, and telling a question's language from its text.
//! - [`i18n`]: every piece of text people see, from the Fluent files in
//!   `assets/locales/`, in their language, falling back to English.
//! - [`matcher`]: normalises a question, ranks the entries (BM25F with typo
//!   tolerance and the authors' phrases), says "no entry" when unsure, and
//!   picks dialogue answers out of the question; one per language, with
//!   that language's stemmer and words.
//! - [`learned`]: writes the examples staff taught into a knowledge folder
//!   (`helpdesk learned --write`), for review in git.
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
//! - [`chart`]: the statistics chart (questions a day, helpful share and
//!   votes per entry) drawn as a PNG, for `/kb stats` and `helpdesk stats
//!   --chart`.
//! - [`store`]: the storage interface and its SQLite and PostgreSQL
//!   backends (migrations in `migrations/`).
//! - [`config`]: the settings, as one clap definition: each a flag that
//!   reads its environment key, with `serve --config FILE` (TOML) under
//!   both; the global flags every command shares, and `serve`'s typed
//!   [`config::Config`].
//! - [`discord`]: the Discord front end (serenity + poise): threads, embeds,
//!   buttons, the dialogue in a thread, votes, escalation, the staff
//!   controls on posts for staff (answer from triage, not in scope, claim,
//!   resolved), `/kb`; its own
//!   bookkeeping (threads answered in, interactions handled) behind
//!   [`discord::ledger::Ledger`], which the store implements. Discord's
//!   limits are in `discord::render`, component ids in
//!   `discord::custom_id`, the bound on events in flight in
//!   `discord::lifecycle`, retries of REST calls in `discord::retry`.
//! - [`operations`]: metrics (names in [`operations::metric`]), the
//!   `/healthz`, `/readyz`, `/metrics` endpoints `serve` exposes, and the
//!   hourly upkeep's schedule.
//! - [`terminal`]: the terminal front end (`chat`, `ask`, `recommend`,
//!   `stats`, `gaps`, `check`, `export`).
//!
//! The binary (`src/main.rs`) parses the command line, opens the store,
//! builds the [`assistant::Assistant`] and hands it to a front end. The
//! front ends reach the store only through the assistant, the knowledge
//! does not know the matcher, and no function in `discord` runs past 60
//! lines: `tests/it/layout.rs` checks these on the sources.
//!
//! Outside `src/`: `knowledge/` is the shipped knowledge, `tests/` the
//! black-box tests (one test binary, `tests/it/`, with a module per area;
//! `tests/standin/` the local Discord stand-in they run the bot against,
//! with the harness that spawns the binary and the PostgreSQL test
//! databases, a crate of the workspace; `tests/data/` the held-out
//! questions the matcher is measured on), `benches/` the criterion benches
//! and the load tool (`benches/load/`, a crate), `deploy/` the files to run
//! it as a service.

pub mod assistant;
pub mod chart;
pub mod config;
pub mod dialogue;
pub mod discord;
pub mod evaluation;
pub mod gaps;
pub mod i18n;
pub mod knowledge;
pub mod language;
pub mod learned;
pub mod matcher;
pub mod operations;
pub mod phrase;
pub mod store;
pub mod terminal;
