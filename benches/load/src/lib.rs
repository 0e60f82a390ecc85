//! Load bench of the Discord bot: the real `helpdesk serve` binary, with the
//! real serenity client, against the local Discord stand-in
//! (`tests/standin/`), on SQLite and on PostgreSQL.
//!
//! ```sh
//! cargo bench --bench load                       # both backends, defaults
//! cargo bench --bench load -- --backend sqlite --rate 300 --seconds 60
//! cargo build --release --bin helpdesk && cargo run --release -p helpdesk-load -- --help
//! ```
//!
//! `cargo bench --bench load` (the thin `benches/load.rs` of the helpdesk
//! package) builds the helpdesk binary it measures; `cargo run -p
//! helpdesk-load` does not, so build it first in the same profile. The
//! tool looks for `helpdesk` beside its own executable (or one folder up,
//! from `target/<profile>/deps/`).
//!
//! Simulated users ask held-out questions (`tests/data/heldout.jsonl`) in a
//! watched channel at a fixed rate (open loop: the next question never
//! waits for an answer) and react to the answers after a think time of 0.5
//! to 2 s: votes, "Help me choose" and a dialogue step, follow-up questions
//! in the thread.
//!
//! Per backend, a fresh bot and database take a steady phase at `--rate`;
//! then a second fresh bot and database take a ramp of rates (up from the
//! steady rate if the first kept up with it, else up from a tenth of it),
//! each step drained before the next, stopping at the first step the bot
//! does not keep up with: the step before is the sustained maximum.
//!
//! Per backend, before that, a burst: `--burst` questions (default 1,000)
//! from as many different people, spread over `--burst-seconds` (default
//! 0.5), against a fresh bot with its default settings; then the same
//! burst against a bare serenity bot (a thread and one reply per message,
//! no matching, no storage, in a process of its own like the real one) on
//! a fresh stand-in. Reported: answers, replies that set the question
//! aside, questions with no reply, answers per second from the first
//! question to the last answer, helpdesk's rate as a share of the bare
//! bot's, and the question → answer latency. The pair is run
//! `--burst-runs` times (default 3), and the report gives each ratio and
//! their median: on a shared machine one burst's ratio moves by a fifth
//! from run to run. `--seconds 0` runs only the bursts.
//!
//! Reported: questions per second, bot-side latency (the stand-in
//! dispatching an event → the stand-in having received the bot's first REST
//! request about it), idle and peak resident memory, CPU seconds per 1,000
//! questions, errors, and lost or doubled answers and callbacks (the
//! stand-in counts them). The stand-in runs with request validation and
//! response checking off, in this process: on a 2-core machine it competes
//! with the bot for CPU, and the report says how much it used.
//!
//! Options (after `--`, or the environment variable in brackets):
//! `--backend sqlite,postgres` (LOAD_BACKENDS), `--rate 500` new questions
//! per second (LOAD_RATE), `--seconds 30` of steady load (LOAD_SECONDS),
//! `--ramp auto`, `none` or a list of rates (LOAD_RAMP), `--step 5` seconds
//! per ramp step (LOAD_STEP_SECONDS), `--warmup 2` (LOAD_WARMUP_SECONDS),
//! `--idle 5` (LOAD_IDLE_SECONDS), `--users 2000` (LOAD_USERS), `--seed 1`
//! (LOAD_SEED), `--burst 1000` (LOAD_BURST; 0: none), `--burst-seconds
//! 0.5` (LOAD_BURST_SECONDS), `--burst-runs 3` (LOAD_BURST_RUNS).
//! PostgreSQL: a fresh database per run on the server
//! `HELPDESK_TEST_POSTGRES_URL` names (default
//! `postgres://postgres@127.0.0.1:5432/test`), dropped afterwards.
//! Diagnostics, to tell disk waits from CPU: `--sqlite-dir /dev/shm` puts
//! the SQLite file on tmpfs (LOAD_SQLITE_DIR); `--pg-synchronous-commit
//! off` sets it on the fresh database (LOAD_PG_SYNCHRONOUS_COMMIT).
//!
//! Modules: [`options`] (the command line), [`workload`] (the questions,
//! the simulated users, the phases, the burst), [`measure`] (memory, CPU,
//! latencies, what the stand-in saw), [`runs`] (one fresh bot under load),
//! [`report`] (the printed tables and ratios), [`bare`] (the bare serenity
//! bot).

pub mod bare;
pub mod measure;
pub mod options;
pub mod report;
pub mod runs;
pub mod workload;

use options::options;
use report::{burst_table, render, variant_name};
use runs::{bare_burst, helpdesk_burst, run_on_fresh_database, Plan};
use workload::Burst;

/// Runs the tool: the bare bot if the environment asks for it (see
/// [`bare`]), else the bench the command line describes, printing its
/// report on stdout and its progress on stderr.
pub fn main() {
    bare::run_if_asked();
    let options = options();
    eprintln!("load bench: {options:?}");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let mut rows = Vec::new();
    let mut bursts = Vec::new();
    for backend in options.backends.clone() {
        if options.burst > 0 {
            let runs: Vec<(Burst, Burst)> = (0..options.burst_runs)
                .map(|_| {
                    runtime.block_on(async {
                        let helpdesk = helpdesk_burst(backend, &options).await;
                        (helpdesk, bare_burst(&options).await)
                    })
                })
                .collect();
            let pairs: Vec<(&Burst, &Burst)> = runs.iter().map(|(h, b)| (h, b)).collect();
            let mut out = format!("## {}\n\n", variant_name(backend, &options));
            burst_table(&mut out, &options, &pairs);
            println!("{out}");
            bursts.extend(runs);
        }
        if options.seconds <= 0.0 {
            continue;
        }
        let (target, ramp) = runtime.block_on(async {
            let target = run_on_fresh_database(backend, &options, &Plan::Target).await;
            let ramp = match runs::ramp_rates(&options, &target) {
                Some(rates) => {
                    Some(run_on_fresh_database(backend, &options, &Plan::Ramp(rates)).await)
                }
                None => None,
            };
            (target, ramp)
        });
        let variant = variant_name(backend, &options);
        println!("{}", render(&variant, &options, &target, ramp.as_ref()));
        rows.push((variant, target, ramp));
    }

    if !bursts.is_empty() {
        let mut out = String::new();
        let pairs: Vec<(&Burst, &Burst)> = bursts.iter().map(|(h, b)| (h, b)).collect();
        burst_table(&mut out, &options, &pairs);
        println!("## Bursts, all backends\n\n{out}");
    }
    if !rows.is_empty() {
        report::print_summary(&options, &rows);
    }
}
