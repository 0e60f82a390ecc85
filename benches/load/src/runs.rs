//! One fresh bot under load: `helpdesk serve` started against a fresh
//! stand-in and a fresh database, the plan run (steady phase or ramp), and
//! what was measured collected; the bursts, against helpdesk and against
//! the bare serenity bot.

use std::time::Duration;

use helpdesk_standin::bot::{standin, Bot, Workspace, TEXT, WAIT};
use helpdesk_standin::database::TestDatabase;

use crate::bare;
use crate::measure::{cpu_seconds, examine, status_kb, summarize_log, Latencies, Verdict};
use crate::options::{Backend, Options, Ramp};
use crate::report::histogram_table;
use crate::workload::{burst, kept_up, Burst, Load, Phase};

/// What a run of a fresh bot does after start-up.
pub enum Plan {
    /// A warm-up, then the steady phase at `--rate`.
    Target,
    /// A warm-up, then these rates in order, each drained before the next,
    /// stopping after the first one the bot does not keep up with.
    Ramp(Vec<f64>),
}

/// One fresh bot (and database) under one plan.
pub struct Run {
    pub idle_rss_kb: u64,
    pub startup_hwm_kb: u64,
    /// VmHWM after the steady phase and its drain.
    pub steady_hwm_kb: u64,
    pub final_hwm_kb: u64,
    pub steady: Option<usize>,
    /// The bot's and this process's utime + stime over the steady phase
    /// and its drain, and the questions (new + follow-ups) sent in it.
    pub steady_cpu_s: f64,
    pub steady_harness_cpu_s: f64,
    pub steady_questions: u64,
    pub steady_drained: bool,
    pub drained: bool,
    pub phases: Vec<Phase>,
    pub verdict: Verdict,
    pub latencies: Latencies,
    pub histograms: String,
    pub log_lines: usize,
    pub log_summary: Vec<(usize, String)>,
}

async fn run_bot(
    backend: Backend,
    options: &Options,
    database_url: Option<String>,
    plan: &Plan,
) -> Run {
    let standin = standin()
        .validate_requests(false)
        .check_responses(false)
        .start()
        .await;
    let workspace = Workspace::new();
    let sqlite_dir = options.sqlite_dir.as_ref().map(|dir| {
        tempfile::tempdir_in(dir)
            .unwrap_or_else(|e| panic!("cannot make a folder in {}: {e}", dir.display()))
    });
    let database_url = match (database_url, &sqlite_dir) {
        (Some(url), _) => url,
        (None, Some(dir)) => format!("sqlite://{}", dir.path().join("helpdesk.db").display()),
        (None, None) => workspace.database_url(),
    };
    let bot = Bot::start(
        &standin,
        &workspace,
        &[
            ("HELPDESK_DATABASE_URL", database_url.as_str()),
            ("HELPDESK_COOLDOWN_QUESTIONS", "1000000000"),
            ("RUST_LOG", "warn"),
        ],
    )
    .await;
    standin.wait_connected(WAIT).await;
    let pid = bot.pid();
    let name = backend.name();
    let idle = match plan {
        Plan::Target => options.idle,
        Plan::Ramp(_) => options.idle.min(1.0),
    };
    eprintln!("[{name}] bot pid {pid} connected; {idle} s quiet");
    tokio::time::sleep(Duration::from_secs_f64(idle)).await;
    let idle_rss_kb = status_kb(pid, "VmRSS");
    let startup_hwm_kb = status_kb(pid, "VmHWM");

    let mut load = Load::new(&standin, pid, options);
    if options.warmup > 0.0 {
        let rate = match plan {
            Plan::Target => options.rate / 5.0,
            Plan::Ramp(rates) => rates.first().map_or(options.rate, |r| r / 2.0),
        };
        load.phase("warm-up", rate.max(1.0), options.warmup).await;
        load.drain().await;
    }

    let mut run = Run {
        idle_rss_kb,
        startup_hwm_kb,
        steady_hwm_kb: 0,
        final_hwm_kb: 0,
        steady: None,
        steady_cpu_s: 0.0,
        steady_harness_cpu_s: 0.0,
        steady_questions: 0,
        steady_drained: false,
        drained: true,
        phases: Vec::new(),
        verdict: Verdict::default(),
        latencies: Latencies::default(),
        histograms: String::new(),
        log_lines: 0,
        log_summary: Vec::new(),
    };
    match plan {
        Plan::Target => {
            let metrics_before = bot.http_get("/metrics").1;
            let pid_text = pid.to_string();
            let (cpu0, harness0) = (cpu_seconds(&pid_text), cpu_seconds("self"));
            eprintln!(
                "[{name}] steady: {} questions/s for {} s",
                options.rate, options.seconds
            );
            let steady = load.phase("steady", options.rate, options.seconds).await;
            run.steady_questions = steady.questions;
            run.steady = Some(load.phases.len() - 1);
            run.steady_drained = load.drain().await;
            run.drained = run.steady_drained;
            run.steady_cpu_s = cpu_seconds(&pid_text) - cpu0;
            run.steady_harness_cpu_s = cpu_seconds("self") - harness0;
            run.steady_hwm_kb = status_kb(pid, "VmHWM");
            run.histograms = histogram_table(&metrics_before, &bot.http_get("/metrics").1);
        }
        Plan::Ramp(rates) => {
            for (i, rate) in rates.iter().enumerate() {
                eprintln!("[{name}] ramp: {rate} questions/s");
                let phase = load
                    .phase(&format!("step {}", i + 1), *rate, options.step)
                    .await;
                let ok = kept_up(phase);
                run.drained = load.drain().await;
                if !ok {
                    break;
                }
            }
        }
    }
    // Give a doubled answer or callback the chance to show.
    tokio::time::sleep(Duration::from_secs(1)).await;
    run.final_hwm_kb = status_kb(pid, "VmHWM");
    (run.verdict, run.latencies) = examine(&load);
    (run.log_lines, run.log_summary) = summarize_log(&bot.logs());
    run.phases = load.phases.clone();
    run
}

/// The rates of the ramp after `target`, the run of the steady phase:
/// `--ramp`'s list, none, or (auto) steps up from the steady rate if the
/// bot kept up with it, else up from a tenth of it.
pub fn ramp_rates(options: &Options, target: &Run) -> Option<Vec<f64>> {
    let steady = target.steady.map(|i| &target.phases[i]);
    let steady_kept_up = target.steady_drained && steady.is_some_and(kept_up);
    match &options.ramp {
        Ramp::None => None,
        Ramp::Rates(rates) => Some(rates.clone()),
        Ramp::Auto => {
            let factors: &[f64] = if steady_kept_up {
                &[1.25, 1.5, 2.0, 2.5, 3.0]
            } else {
                &[0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6, 0.75, 0.9]
            };
            Some(
                factors
                    .iter()
                    .map(|f| (options.rate * f).round().max(1.0))
                    .collect(),
            )
        }
    }
}

/// A run on a fresh database: a new SQLite file, or a new PostgreSQL
/// database on `HELPDESK_TEST_POSTGRES_URL`'s server, dropped afterwards
/// (also if the run panics).
pub async fn run_on_fresh_database(backend: Backend, options: &Options, plan: &Plan) -> Run {
    match backend {
        Backend::Sqlite => run_bot(backend, options, None, plan).await,
        Backend::Postgres => {
            let database = TestDatabase::create().await;
            let url = database.url().to_owned();
            if let Some(setting) = &options.pg_synchronous_commit {
                set_synchronous_commit(&url, setting).await;
            }
            let run = run_bot(backend, options, Some(url), plan).await;
            database.drop_database().await;
            run
        }
    }
}

/// Diagnostic: sets `synchronous_commit` for every later session of the
/// database at `url` (the bot connects after this).
async fn set_synchronous_commit(url: &str, setting: &str) {
    use sqlx::Connection;
    let name = url
        .split('?')
        .next()
        .and_then(|base| base.rsplit('/').next())
        .unwrap_or_default()
        .to_owned();
    let mut connection = sqlx::PgConnection::connect(url)
        .await
        .unwrap_or_else(|e| panic!("cannot connect to {url}: {e}"));
    sqlx::query(&format!(
        "ALTER DATABASE \"{name}\" SET synchronous_commit = '{setting}'"
    ))
    .execute(&mut connection)
    .await
    .unwrap_or_else(|e| panic!("cannot set synchronous_commit: {e}"));
    let _ = connection.close().await;
}

/// The burst against a fresh helpdesk with its default settings, on a
/// fresh database.
pub async fn helpdesk_burst(backend: Backend, options: &Options) -> Burst {
    let database = match backend {
        Backend::Sqlite => None,
        Backend::Postgres => Some(TestDatabase::create().await),
    };
    let standin = standin()
        .validate_requests(false)
        .check_responses(false)
        .start()
        .await;
    let workspace = Workspace::new();
    let database_url = database
        .as_ref()
        .map_or_else(|| workspace.database_url(), |d| d.url().to_owned());
    let bot = Bot::start(
        &standin,
        &workspace,
        &[
            ("HELPDESK_DATABASE_URL", database_url.as_str()),
            ("RUST_LOG", "warn"),
        ],
    )
    .await;
    standin.wait_connected(WAIT).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let name = format!("helpdesk, {}", backend.name());
    eprintln!(
        "[{name}] burst: {} questions in {} s",
        options.burst, options.burst_seconds
    );
    let mut result = burst(
        &standin,
        &name,
        options.burst,
        options.burst_seconds,
        options.seed,
    )
    .await;
    result.hwm_kb = status_kb(bot.pid(), "VmHWM");
    drop(bot);
    if let Some(database) = database {
        database.drop_database().await;
    }
    result
}

/// The burst against the bare serenity bot ([`bare`]), in a process of
/// its own as helpdesk is.
pub async fn bare_burst(options: &Options) -> Burst {
    let standin = standin()
        .validate_requests(false)
        .check_responses(false)
        .start()
        .await;
    let mut child = std::process::Command::new(std::env::current_exe().expect("the bench binary"))
        .env(bare::API_BASE, standin.base_url())
        .env(bare::CHANNEL, TEXT.to_string())
        .stdin(std::process::Stdio::null())
        .spawn()
        .expect("the bare bot starts");
    standin.wait_connected(WAIT).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    eprintln!(
        "[bare serenity bot] burst: {} questions in {} s",
        options.burst, options.burst_seconds
    );
    let mut result = burst(
        &standin,
        "bare serenity bot",
        options.burst,
        options.burst_seconds,
        options.seed,
    )
    .await;
    result.hwm_kb = status_kb(child.id(), "VmHWM");
    let _ = child.kill();
    let _ = child.wait();
    result
}
