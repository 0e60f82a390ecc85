//! The command line: every option is a flag or a `LOAD_*` environment
//! variable (the flag wins), with the defaults the recorded runs used.

use std::path::PathBuf;

use clap::Parser;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Self::Sqlite => "SQLite",
            Self::Postgres => "PostgreSQL",
        }
    }
}

/// What follows the steady phase.
#[derive(Clone, Debug, PartialEq)]
pub enum Ramp {
    /// A second fresh bot, stepped up from 1.25x the steady rate if the
    /// first kept up with it, else from 0.1x, stopping at the first step
    /// it does not keep up with.
    Auto,
    None,
    /// These rates, in order, stopping at the first one not kept up with.
    Rates(Vec<f64>),
}

/// The settings of one run of the tool.
#[derive(Clone, Debug)]
pub struct Options {
    pub backends: Vec<Backend>,
    pub rate: f64,
    pub seconds: f64,
    pub ramp: Ramp,
    pub step: f64,
    pub warmup: f64,
    pub idle: f64,
    pub users: usize,
    pub seed: u64,
    /// Diagnostic: the SQLite database in this folder (e.g. the tmpfs
    /// `/dev/shm`, where fsync costs nothing) instead of the temp folder.
    pub sqlite_dir: Option<PathBuf>,
    /// Diagnostic: `synchronous_commit` of the fresh PostgreSQL database
    /// (`off`: commits do not wait for the WAL flush).
    pub pg_synchronous_commit: Option<String>,
    /// Questions in the burst (0: none), each from a different person,
    /// and the seconds they are spread over.
    pub burst: usize,
    pub burst_seconds: f64,
    /// Bursts per backend, each against helpdesk then the bare bot: a
    /// burst's ratio moves from run to run on a shared machine, and the
    /// median of several is the figure to compare.
    pub burst_runs: usize,
}

/// The load bench of helpdesk: the real `helpdesk serve` binary against the
/// local Discord stand-in, on SQLite and PostgreSQL, beside a bare serenity
/// bot. Every option can also be set by the environment variable shown;
/// the flag wins.
#[derive(Debug, Parser)]
#[command(name = "helpdesk-load")]
struct Args {
    /// The backends, in order: sqlite, postgres (or both).
    #[arg(
        long,
        visible_alias = "backends",
        env = "LOAD_BACKENDS",
        default_value = "sqlite,postgres",
        value_name = "sqlite,postgres",
        value_parser = backends
    )]
    backend: Backends,
    /// New questions per second in the steady phase (above 0).
    #[arg(long, env = "LOAD_RATE", default_value = "500", value_name = "N", value_parser = parse_number)]
    rate: f64,
    /// Seconds of steady load; 0 runs only the bursts.
    #[arg(
        long,
        visible_alias = "duration",
        env = "LOAD_SECONDS",
        default_value = "30",
        value_name = "S",
        value_parser = parse_number
    )]
    seconds: f64,
    /// What follows the steady phase: auto, none, or a list of rates.
    #[arg(
        long,
        env = "LOAD_RAMP",
        default_value = "auto",
        value_name = "auto|none|R1,R2,...",
        value_parser = parse_ramp
    )]
    ramp: Ramp,
    /// Seconds per ramp step.
    #[arg(long, env = "LOAD_STEP_SECONDS", default_value = "5", value_name = "S", value_parser = parse_number)]
    step: f64,
    /// Seconds of warm-up before the steady phase or the ramp.
    #[arg(long, env = "LOAD_WARMUP_SECONDS", default_value = "2", value_name = "S", value_parser = parse_number)]
    warmup: f64,
    /// Seconds of quiet after connecting, before the idle memory is read.
    #[arg(long, env = "LOAD_IDLE_SECONDS", default_value = "5", value_name = "S", value_parser = parse_number)]
    idle: f64,
    /// Simulated users asking the questions.
    #[arg(long, env = "LOAD_USERS", default_value = "2000", value_name = "N", value_parser = users)]
    users: usize,
    /// Seed of the random stream: the same seed sends the same load.
    #[arg(long, env = "LOAD_SEED", default_value = "1", value_name = "N", value_parser = seed)]
    seed: u64,
    /// Diagnostic: the SQLite database in this folder (e.g. /dev/shm).
    #[arg(long, env = "LOAD_SQLITE_DIR", value_name = "DIR")]
    sqlite_dir: Option<PathBuf>,
    /// Diagnostic: synchronous_commit of the fresh PostgreSQL database.
    #[arg(
        long,
        env = "LOAD_PG_SYNCHRONOUS_COMMIT",
        value_name = "on|off",
        value_parser = synchronous_commit
    )]
    pg_synchronous_commit: Option<String>,
    /// Questions in the burst, each from a different person (0: no burst).
    #[arg(long, env = "LOAD_BURST", default_value = "1000", value_name = "N", value_parser = count)]
    burst: usize,
    /// Seconds the burst's questions are spread over.
    #[arg(long, env = "LOAD_BURST_SECONDS", default_value = "0.5", value_name = "S", value_parser = parse_number)]
    burst_seconds: f64,
    /// Bursts per backend (helpdesk, then the bare bot, each time); the
    /// report gives each and the median ratio.
    #[arg(long, env = "LOAD_BURST_RUNS", default_value = "3", value_name = "N", value_parser = runs)]
    burst_runs: usize,
    /// Passed by `cargo bench` to every bench binary; ignored.
    #[arg(long = "bench", hide = true)]
    _bench: bool,
}

/// The backends as one value (a `Vec` field would be a repeated flag).
#[derive(Clone, Debug)]
struct Backends(Vec<Backend>);

/// The options from the command line and the environment; on an error,
/// or for `--help`, prints and exits (2 on an error).
pub fn options() -> Options {
    let args = Args::parse();
    if args.rate <= 0.0 {
        Args::command_error("--rate must be above 0");
    }
    Options {
        backends: args.backend.0,
        rate: args.rate,
        seconds: args.seconds,
        ramp: args.ramp,
        step: args.step,
        warmup: args.warmup,
        idle: args.idle,
        users: args.users,
        seed: args.seed,
        sqlite_dir: args.sqlite_dir,
        pg_synchronous_commit: args.pg_synchronous_commit,
        burst: args.burst,
        burst_seconds: args.burst_seconds,
        burst_runs: args.burst_runs,
    }
}

impl Args {
    fn command_error(message: &str) -> ! {
        use clap::CommandFactory;
        Self::command()
            .error(clap::error::ErrorKind::ValueValidation, message)
            .exit()
    }
}

fn backends(text: &str) -> Result<Backends, String> {
    parse_backends(text).map(Backends)
}

fn users(text: &str) -> Result<usize, String> {
    Ok(parse_number(text)?.max(1.0) as usize)
}

fn seed(text: &str) -> Result<u64, String> {
    Ok(parse_number(text)? as u64)
}

fn count(text: &str) -> Result<usize, String> {
    Ok(parse_number(text)? as usize)
}

fn runs(text: &str) -> Result<usize, String> {
    match count(text)? {
        0 => Err("at least 1".to_owned()),
        runs => Ok(runs),
    }
}

fn synchronous_commit(text: &str) -> Result<String, String> {
    let value = text.trim().to_ascii_lowercase();
    if ["on", "off", "local", "remote_write", "remote_apply"].contains(&value.as_str()) {
        Ok(value)
    } else {
        Err(format!("{value:?} is not a setting"))
    }
}

fn parse_backends(text: &str) -> Result<Vec<Backend>, String> {
    text.split(',')
        .map(str::trim)
        .filter(|b| !b.is_empty())
        .map(|b| match b.to_ascii_lowercase().as_str() {
            "sqlite" => Ok(Backend::Sqlite),
            "postgres" | "postgresql" | "pg" => Ok(Backend::Postgres),
            "both" | "all" => Err("both".to_owned()),
            other => Err(format!("unknown backend {other:?} (sqlite, postgres)")),
        })
        .collect::<Result<Vec<_>, _>>()
        .or_else(|e| {
            if e == "both" {
                Ok(vec![Backend::Sqlite, Backend::Postgres])
            } else {
                Err(e)
            }
        })
}

fn parse_number(text: &str) -> Result<f64, String> {
    text.trim()
        .parse::<f64>()
        .ok()
        .filter(|n| n.is_finite() && *n >= 0.0)
        .ok_or_else(|| format!("{text:?} is not a non-negative number"))
}

fn parse_ramp(text: &str) -> Result<Ramp, String> {
    match text.trim().to_ascii_lowercase().as_str() {
        "auto" => Ok(Ramp::Auto),
        "none" | "" => Ok(Ramp::None),
        list => list
            .split(',')
            .map(parse_number)
            .filter(|r| !matches!(r, Ok(n) if *n == 0.0))
            .collect::<Result<Vec<_>, _>>()
            .map(Ramp::Rates),
    }
}
