//! Load bench of the Discord bot: the real `helpdesk serve` binary, with the
//! real serenity client, against the local Discord stand-in
//! (`tests/standin/`), on SQLite and on PostgreSQL.
//!
//! ```sh
//! cargo bench --bench load                       # both backends, defaults
//! cargo bench --bench load -- --backend sqlite --rate 300 --seconds 60
//! ```
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
//! bot's, and the question → answer latency. `--seconds 0` runs only the
//! bursts.
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
//! 0.5` (LOAD_BURST_SECONDS). PostgreSQL: a fresh database per run on the
//! server `HELPDESK_TEST_POSTGRES_URL` names (default
//! `postgres://postgres@127.0.0.1:5432/test`), dropped afterwards.
//! Diagnostics, to tell disk waits from CPU: `--sqlite-dir /dev/shm` puts
//! the SQLite file on tmpfs (LOAD_SQLITE_DIR); `--pg-synchronous-commit
//! off` sets it on the fresh database (LOAD_PG_SYNCHRONOUS_COMMIT).

use std::cmp::Ordering;
use std::collections::{BTreeMap, BinaryHeap, HashMap};
use std::fmt::Write as _;
use std::path::Path;
use std::time::{Duration, Instant, SystemTime};

use helpdesk_standin::bot::{standin, Bot, Workspace, TEXT, WAIT};
use helpdesk_standin::database::TestDatabase;
use helpdesk_standin::{MessageSpec, StandIn, StoredMessage, UserSpec};

// ----- options ----------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    fn name(self) -> &'static str {
        match self {
            Self::Sqlite => "SQLite",
            Self::Postgres => "PostgreSQL",
        }
    }
}

/// What follows the steady phase.
#[derive(Clone, Debug, PartialEq)]
enum Ramp {
    /// A second fresh bot, stepped up from 1.25x the steady rate if the
    /// first kept up with it, else from 0.1x, stopping at the first step
    /// it does not keep up with.
    Auto,
    None,
    /// These rates, in order, stopping at the first one not kept up with.
    Rates(Vec<f64>),
}

#[derive(Clone, Debug)]
struct Options {
    backends: Vec<Backend>,
    rate: f64,
    seconds: f64,
    ramp: Ramp,
    step: f64,
    warmup: f64,
    idle: f64,
    users: usize,
    seed: u64,
    /// Diagnostic: the SQLite database in this folder (e.g. the tmpfs
    /// `/dev/shm`, where fsync costs nothing) instead of the temp folder.
    sqlite_dir: Option<std::path::PathBuf>,
    /// Diagnostic: `synchronous_commit` of the fresh PostgreSQL database
    /// (`off`: commits do not wait for the WAL flush).
    pg_synchronous_commit: Option<String>,
    /// Questions in the burst (0: none), each from a different person,
    /// and the seconds they are spread over.
    burst: usize,
    burst_seconds: f64,
}

const USAGE: &str = "cargo bench --bench load -- [--backend sqlite,postgres] [--rate N] \
[--seconds S] [--ramp auto|none|R1,R2,...] [--step S] [--warmup S] [--idle S] [--users N] \
[--seed N] [--sqlite-dir DIR] [--pg-synchronous-commit on|off] [--burst N] [--burst-seconds S]";

/// A phase is kept up with if, at its end, fewer questions wait for their
/// answer than arrive in this many seconds.
const KEPT_UP_SECONDS: f64 = 0.25;

fn kept_up(phase: &Phase) -> bool {
    phase.backlog as f64 <= phase.rate * KEPT_UP_SECONDS
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

fn parse_number(key: &str, text: &str) -> Result<f64, String> {
    text.trim()
        .parse::<f64>()
        .ok()
        .filter(|n| n.is_finite() && *n >= 0.0)
        .ok_or_else(|| format!("{key}: {text:?} is not a non-negative number"))
}

fn parse_ramp(text: &str) -> Result<Ramp, String> {
    match text.trim().to_ascii_lowercase().as_str() {
        "auto" => Ok(Ramp::Auto),
        "none" | "" => Ok(Ramp::None),
        list => list
            .split(',')
            .map(|r| parse_number("--ramp", r))
            .filter(|r| !matches!(r, Ok(n) if *n == 0.0))
            .collect::<Result<Vec<_>, _>>()
            .map(Ramp::Rates),
    }
}

fn options() -> Result<Options, String> {
    let env = |key: &str| std::env::var(key).ok();
    let mut o = Options {
        backends: vec![Backend::Sqlite, Backend::Postgres],
        rate: 500.0,
        seconds: 30.0,
        ramp: Ramp::Auto,
        step: 5.0,
        warmup: 2.0,
        idle: 5.0,
        users: 2000,
        seed: 1,
        sqlite_dir: None,
        pg_synchronous_commit: None,
        burst: 1000,
        burst_seconds: 0.5,
    };
    let mut settings: Vec<(String, String)> = [
        ("--backend", "LOAD_BACKENDS"),
        ("--rate", "LOAD_RATE"),
        ("--seconds", "LOAD_SECONDS"),
        ("--ramp", "LOAD_RAMP"),
        ("--step", "LOAD_STEP_SECONDS"),
        ("--warmup", "LOAD_WARMUP_SECONDS"),
        ("--idle", "LOAD_IDLE_SECONDS"),
        ("--users", "LOAD_USERS"),
        ("--seed", "LOAD_SEED"),
        ("--sqlite-dir", "LOAD_SQLITE_DIR"),
        ("--pg-synchronous-commit", "LOAD_PG_SYNCHRONOUS_COMMIT"),
        ("--burst", "LOAD_BURST"),
        ("--burst-seconds", "LOAD_BURST_SECONDS"),
    ]
    .into_iter()
    .filter_map(|(flag, var)| env(var).map(|value| (flag.to_owned(), value)))
    .collect();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        // `cargo bench` passes `--bench` to every bench binary.
        if arg == "--bench" {
            continue;
        }
        if arg == "--help" || arg == "-h" {
            println!("{USAGE}");
            std::process::exit(0);
        }
        let (flag, value) = match arg.split_once('=') {
            Some((flag, value)) => (flag.to_owned(), value.to_owned()),
            None => {
                let value = args.next().ok_or_else(|| format!("{arg} needs a value"))?;
                (arg, value)
            }
        };
        settings.push((flag, value));
    }
    for (flag, value) in settings {
        match flag.as_str() {
            "--backend" | "--backends" => o.backends = parse_backends(&value)?,
            "--rate" => o.rate = parse_number(&flag, &value)?,
            "--seconds" | "--duration" => o.seconds = parse_number(&flag, &value)?,
            "--ramp" => o.ramp = parse_ramp(&value)?,
            "--step" => o.step = parse_number(&flag, &value)?,
            "--warmup" => o.warmup = parse_number(&flag, &value)?,
            "--idle" => o.idle = parse_number(&flag, &value)?,
            "--users" => o.users = parse_number(&flag, &value)?.max(1.0) as usize,
            "--seed" => o.seed = parse_number(&flag, &value)? as u64,
            "--sqlite-dir" => o.sqlite_dir = Some(value.into()),
            "--burst" => o.burst = parse_number(&flag, &value)? as usize,
            "--burst-seconds" => o.burst_seconds = parse_number(&flag, &value)?,
            "--pg-synchronous-commit" => {
                let value = value.trim().to_ascii_lowercase();
                if !["on", "off", "local", "remote_write", "remote_apply"].contains(&value.as_str())
                {
                    return Err(format!(
                        "--pg-synchronous-commit: {value:?} is not a setting"
                    ));
                }
                o.pg_synchronous_commit = Some(value);
            }
            other => return Err(format!("unknown argument {other}\nusage: {USAGE}")),
        }
    }
    if o.rate <= 0.0 {
        return Err("--rate must be above 0".to_owned());
    }
    Ok(o)
}

// ----- small tools ------------------------------------------------------------

/// splitmix64: a deterministic stream, so two runs send the same load.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }
}

/// A `/proc/PID/status` figure in kB (`VmRSS`, `VmHWM`).
fn status_kb(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// utime + stime of a process, in seconds.
fn cpu_seconds(pid: &str) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name (which may hold spaces) start at field 3.
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0)
    };
    // utime is field 14, stime 15: indexes 11 and 12 after the name.
    (ticks(11) + ticks(12)) as f64 / clock_ticks()
}

/// The whole machine's CPU time from `/proc/stat`, in ticks: (busy,
/// iowait, total). Busy excludes idle and iowait.
fn machine_ticks() -> (u64, u64, u64) {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let fields: Vec<u64> = stat
        .lines()
        .find(|l| l.starts_with("cpu "))
        .map(|l| {
            l.split_whitespace()
                .skip(1)
                .filter_map(|f| f.parse().ok())
                .collect()
        })
        .unwrap_or_default();
    // user nice system idle iowait irq softirq steal (guest time is in user)
    let total: u64 = fields.iter().take(8).sum();
    let idle = fields.get(3).copied().unwrap_or(0);
    let iowait = fields.get(4).copied().unwrap_or(0);
    (total - idle - iowait, iowait, total)
}

fn clock_ticks() -> f64 {
    static TICKS: std::sync::OnceLock<f64> = std::sync::OnceLock::new();
    *TICKS.get_or_init(|| {
        std::process::Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|o| String::from_utf8(o.stdout).ok())
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(100.0)
    })
}

fn mb(kb: u64) -> f64 {
    kb as f64 / 1024.0
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The held-out questions the matcher is measured on: realistic wording,
/// in and out of scope.
fn heldout_questions() -> Vec<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/heldout.jsonl");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    text.lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            let value: serde_json::Value = serde_json::from_str(line).expect("a JSON line");
            value["question"].as_str().expect("a question").to_owned()
        })
        .collect()
}

// ----- latency statistics -----------------------------------------------------

#[derive(Clone, Copy, Debug, Default)]
struct Stats {
    count: usize,
    missing: usize,
    p50: f64,
    p95: f64,
    p99: f64,
    max: f64,
}

impl Stats {
    /// Nearest-rank percentiles of latencies in milliseconds.
    fn of(mut values: Vec<f64>, missing: usize) -> Self {
        if values.is_empty() {
            return Self {
                missing,
                ..Self::default()
            };
        }
        values.sort_by(|a, b| a.partial_cmp(b).unwrap_or(Ordering::Equal));
        let at =
            |q: f64| values[((q * values.len() as f64).ceil() as usize).clamp(1, values.len()) - 1];
        Self {
            count: values.len(),
            missing,
            p50: at(0.50),
            p95: at(0.95),
            p99: at(0.99),
            max: values[values.len() - 1],
        }
    }

    fn row(&self, label: &str) -> String {
        format!(
            "| {label} | {} | {:.2} | {:.2} | {:.2} | {:.2} | {} |",
            self.count, self.p50, self.p95, self.p99, self.max, self.missing
        )
    }
}

// ----- the bot's own histograms (/metrics) ------------------------------------

#[derive(Clone, Debug, Default)]
struct Histogram {
    /// (upper bound in seconds, cumulative count)
    buckets: Vec<(f64, f64)>,
    sum: f64,
    count: f64,
}

/// Every `helpdesk_*_seconds` histogram of a Prometheus text page, by
/// name and labels (without `le`).
fn parse_histograms(text: &str) -> BTreeMap<String, Histogram> {
    let mut out: BTreeMap<String, Histogram> = BTreeMap::new();
    for line in text.lines().filter(|l| l.starts_with("helpdesk_")) {
        let Some((series, value)) = line.rsplit_once(' ') else {
            continue;
        };
        let Ok(value) = value.parse::<f64>() else {
            continue;
        };
        let (name, labels) = series.split_once('{').unwrap_or((series, "}"));
        let labels = labels.trim_end_matches('}');
        let mut le = None;
        let rest: Vec<&str> = labels
            .split(',')
            .filter(|l| !l.is_empty())
            .filter(|l| match l.strip_prefix("le=") {
                Some(bound) => {
                    le = bound
                        .trim_matches('"')
                        .parse::<f64>()
                        .ok()
                        .or(Some(f64::INFINITY));
                    false
                }
                None => true,
            })
            .collect();
        let (base, part) = if let Some(base) = name.strip_suffix("_bucket") {
            (base, "bucket")
        } else if let Some(base) = name.strip_suffix("_sum") {
            (base, "sum")
        } else if let Some(base) = name.strip_suffix("_count") {
            (base, "count")
        } else {
            continue;
        };
        if !base.ends_with("_seconds") {
            continue;
        }
        let key = format!("{base}{{{}}}", rest.join(","));
        let h = out.entry(key).or_default();
        match part {
            "bucket" => h.buckets.push((le.unwrap_or(f64::INFINITY), value)),
            "sum" => h.sum = value,
            _ => h.count = value,
        }
    }
    out
}

impl Histogram {
    fn minus(&self, before: Option<&Histogram>) -> Histogram {
        let Some(before) = before else {
            return self.clone();
        };
        let buckets = self
            .buckets
            .iter()
            .map(|(le, n)| {
                let old = before
                    .buckets
                    .iter()
                    .find(|(l, _)| l == le)
                    .map_or(0.0, |(_, n)| *n);
                (*le, n - old)
            })
            .collect();
        Histogram {
            buckets,
            sum: self.sum - before.sum,
            count: self.count - before.count,
        }
    }

    /// The upper bound of the bucket holding quantile `q`, in ms.
    fn quantile_ms(&self, q: f64) -> f64 {
        let target = q * self.count;
        let mut buckets = self.buckets.clone();
        buckets.sort_by(|a, b| a.0.partial_cmp(&b.0).unwrap_or(Ordering::Equal));
        buckets
            .iter()
            .find(|(_, n)| *n >= target)
            .map_or(f64::INFINITY, |(le, _)| le * 1000.0)
    }
}

fn histogram_table(before: &str, after: &str) -> String {
    let before = parse_histograms(before);
    let after = parse_histograms(after);
    let mut out = String::from(
        "| histogram (steady phase) | count | mean ms | p50 ≤ ms | p99 ≤ ms | total s |\n|---|---|---|---|---|---|\n",
    );
    for (key, h) in &after {
        let d = h.minus(before.get(key));
        if d.count < 1.0 {
            continue;
        }
        let _ = writeln!(
            out,
            "| `{key}` | {} | {:.3} | {} | {} | {:.2} |",
            d.count,
            d.sum / d.count * 1000.0,
            d.quantile_ms(0.5),
            d.quantile_ms(0.99),
            d.sum
        );
    }
    out
}

// ----- the simulated users ----------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Kind {
    Question,
    FollowUp,
    Vote,
    Choose,
    DialogueStep,
}

impl Kind {
    const ALL: [Kind; 5] = [
        Kind::Question,
        Kind::FollowUp,
        Kind::Vote,
        Kind::Choose,
        Kind::DialogueStep,
    ];

    fn label(self) -> &'static str {
        match self {
            Self::Question => "question (MESSAGE_CREATE → thread start)",
            Self::FollowUp => "follow-up in the thread (MESSAGE_CREATE → answer post)",
            Self::Vote => "vote click (INTERACTION_CREATE → callback)",
            Self::Choose => "\"Help me choose\" click (→ callback)",
            Self::DialogueStep => "dialogue step click (→ callback)",
        }
    }

    fn is_click(self) -> bool {
        matches!(self, Self::Vote | Self::Choose | Self::DialogueStep)
    }
}

/// One event the stand-in dispatched for a simulated user.
struct Event {
    kind: Kind,
    /// The message id (questions, follow-ups) or interaction id (clicks).
    key: u64,
    /// The thread it belongs to (the question's id).
    thread: u64,
    t0: SystemTime,
    phase: usize,
}

struct Thread {
    asker: usize,
    /// Answers the bot owes in this thread: 1, plus 1 per follow-up.
    expected: u32,
    /// Answers seen so far (bot messages with an embed, not interaction
    /// responses).
    seen: u32,
}

enum Action {
    FollowUp {
        thread: u64,
        asker: usize,
    },
    Click {
        kind: Kind,
        user: usize,
        channel: u64,
        message: u64,
        custom_id: String,
    },
}

struct Pending {
    due: Instant,
    seq: u64,
    action: Action,
}

impl PartialEq for Pending {
    fn eq(&self, other: &Self) -> bool {
        (self.due, self.seq) == (other.due, other.seq)
    }
}

impl Eq for Pending {}

impl PartialOrd for Pending {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Pending {
    /// Reversed: the earliest due action is the heap's top.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.due, other.seq).cmp(&(self.due, self.seq))
    }
}

#[derive(Clone, Debug)]
struct Phase {
    name: String,
    rate: f64,
    seconds: f64,
    end: SystemTime,
    /// This phase's questions and follow-ups not yet answered when it
    /// ended.
    backlog: u64,
    rss_max_kb: u64,
    /// Questions and follow-ups sent in the phase.
    questions: u64,
    /// Every event sent in the phase (questions and reactions).
    events: u64,
    /// utime + stime during the phase: the bot's, and this process's (the
    /// stand-in and the simulated users).
    bot_cpu_s: f64,
    harness_cpu_s: f64,
    /// Share of the machine's CPU time busy, and waiting for the disk,
    /// during the phase (every process: bot, harness, PostgreSQL, others).
    machine_busy: f64,
    machine_iowait: f64,
}

/// How users react to an answer.
const VOTE_SHARE: f64 = 0.4;
const HELPFUL_SHARE: f64 = 0.85;
const CHOOSE_SHARE: f64 = 0.5;
const FOLLOW_UP_SHARE: f64 = 0.1;
/// How long to wait, at most, for the last answers and callbacks after a
/// phase; and how long without any progress before what is left is
/// counted as lost.
const DRAIN: Duration = Duration::from_secs(180);
const STALLED: Duration = Duration::from_secs(10);
const SCAN_EVERY: Duration = Duration::from_millis(20);
const SAMPLE_EVERY: Duration = Duration::from_millis(100);

struct Load<'a> {
    standin: &'a StandIn,
    pid: u32,
    guild: u64,
    bot_id: u64,
    users: Vec<UserSpec>,
    questions: Vec<String>,
    rng: Rng,
    events: Vec<Event>,
    threads: HashMap<u64, Thread>,
    /// "Help me choose" interactions → the asker, to click the first step.
    chooses: HashMap<u64, usize>,
    pending: BinaryHeap<Pending>,
    seq: u64,
    last_seen: u64,
    /// Answers owed and not seen yet.
    outstanding: u64,
    /// Clicks without a callback seen yet (checked while draining).
    open_clicks: Vec<u64>,
    reacting: bool,
    phases: Vec<Phase>,
}

impl<'a> Load<'a> {
    fn new(standin: &'a StandIn, pid: u32, options: &Options) -> Self {
        let users = (0..options.users as u64)
            .map(|i| UserSpec::new(4_000_000_000_000_000_000 + i, &format!("user{i}")))
            .collect();
        Self {
            standin,
            pid,
            guild: standin.guild_id(),
            bot_id: standin.bot_user_id(),
            users,
            questions: heldout_questions(),
            rng: Rng(options.seed),
            events: Vec::new(),
            threads: HashMap::new(),
            chooses: HashMap::new(),
            pending: BinaryHeap::new(),
            seq: 0,
            last_seen: 0,
            outstanding: 0,
            open_clicks: Vec::new(),
            reacting: true,
            phases: Vec::new(),
        }
    }

    fn question(&mut self) -> &str {
        let i = self.rng.below(self.questions.len());
        &self.questions[i]
    }

    /// A new question in the watched channel.
    fn ask(&mut self, phase: usize) {
        let asker = self.rng.below(self.users.len());
        let text = self.question().to_owned();
        let spec = MessageSpec::new(TEXT, &self.users[asker], &text);
        let t0 = SystemTime::now();
        let id = self.standin.send_message(spec);
        self.events.push(Event {
            kind: Kind::Question,
            key: id,
            thread: id,
            t0,
            phase,
        });
        self.threads.insert(
            id,
            Thread {
                asker,
                expected: 1,
                seen: 0,
            },
        );
        self.outstanding += 1;
    }

    fn perform(&mut self, action: Action, phase: usize) {
        match action {
            Action::FollowUp { thread, asker } => {
                let text = self.question().to_owned();
                let spec = MessageSpec::new(thread, &self.users[asker], &text);
                let t0 = SystemTime::now();
                let id = self.standin.send_message(spec);
                self.events.push(Event {
                    kind: Kind::FollowUp,
                    key: id,
                    thread,
                    t0,
                    phase,
                });
                if let Some(t) = self.threads.get_mut(&thread) {
                    t.expected += 1;
                }
                self.outstanding += 1;
            }
            Action::Click {
                kind,
                user,
                channel,
                message,
                custom_id,
            } => {
                let t0 = SystemTime::now();
                let sent = self.standin.click_button(
                    &self.users[user],
                    self.guild,
                    channel,
                    message,
                    &custom_id,
                );
                self.events.push(Event {
                    kind,
                    key: sent.id,
                    thread: channel,
                    t0,
                    phase,
                });
                if kind == Kind::Choose {
                    self.chooses.insert(sent.id, user);
                }
                self.open_clicks.push(sent.id);
            }
        }
    }

    fn schedule(&mut self, action: Action) {
        let think = Duration::from_secs_f64(0.5 + 1.5 * self.rng.unit());
        self.seq += 1;
        self.pending.push(Pending {
            due: Instant::now() + think,
            seq: self.seq,
            action,
        });
    }

    /// Looks at the bot's new messages: counts answers and lets users react.
    fn scan(&mut self) {
        for message in self.standin.messages_after(self.last_seen) {
            self.last_seen = self.last_seen.max(message.id);
            if message.author_id() != self.bot_id || message.deleted {
                continue;
            }
            match message.interaction_id {
                None if !message.embeds().is_empty() => {
                    let Some(thread) = self.threads.get_mut(&message.channel_id) else {
                        continue;
                    };
                    thread.seen += 1;
                    if thread.seen <= thread.expected {
                        self.outstanding = self.outstanding.saturating_sub(1);
                    }
                    let (first, asker) = (thread.seen == 1, thread.asker);
                    if first && self.reacting {
                        self.react_to_answer(&message, asker);
                    }
                }
                Some(interaction) => {
                    if let Some(asker) = self.chooses.remove(&interaction) {
                        let step = message
                            .custom_ids()
                            .into_iter()
                            .find(|id| id.starts_with("hd1:dlg:") && id.contains(":set:"));
                        if let (Some(custom_id), true) = (step, self.reacting) {
                            self.schedule(Action::Click {
                                kind: Kind::DialogueStep,
                                user: asker,
                                channel: message.channel_id,
                                message: message.id,
                                custom_id,
                            });
                        }
                    }
                }
                None => {}
            }
        }
    }

    fn react_to_answer(&mut self, answer: &StoredMessage, asker: usize) {
        let ids = answer.custom_ids();
        let vote = ids.iter().find(|id| id.starts_with("hd1:vote:")).cloned();
        if let Some(vote) = &vote {
            if self.rng.chance(VOTE_SHARE) {
                let helpful = self.rng.chance(HELPFUL_SHARE);
                let base = vote.trim_end_matches(":up").trim_end_matches(":down");
                let custom_id = format!("{base}:{}", if helpful { "up" } else { "down" });
                self.schedule(Action::Click {
                    kind: Kind::Vote,
                    user: asker,
                    channel: answer.channel_id,
                    message: answer.id,
                    custom_id,
                });
            }
        }
        if let Some(choose) = ids.iter().find(|id| id.starts_with("hd1:choose:")) {
            if self.rng.chance(CHOOSE_SHARE) {
                self.schedule(Action::Click {
                    kind: Kind::Choose,
                    user: asker,
                    channel: answer.channel_id,
                    message: answer.id,
                    custom_id: choose.clone(),
                });
            }
        }
        // Follow-ups only after real answers: an unanswered question's
        // escalation posts in the thread too, and would blur the latency.
        if vote.is_some() && self.rng.chance(FOLLOW_UP_SHARE) {
            self.schedule(Action::FollowUp {
                thread: answer.channel_id,
                asker,
            });
        }
    }

    /// Sends questions at `rate` per second for `seconds`, open loop, and
    /// the users' reactions as they fall due.
    async fn phase(&mut self, name: &str, rate: f64, seconds: f64) -> &Phase {
        let index = self.phases.len();
        let total = (rate * seconds).round() as u64;
        let pid = self.pid.to_string();
        let (bot_cpu, harness_cpu) = (cpu_seconds(&pid), cpu_seconds("self"));
        let machine = machine_ticks();
        let (outstanding_before, events_before) = (self.outstanding, self.events.len());
        let start = Instant::now();
        let end = start + Duration::from_secs_f64(seconds);
        self.phases.push(Phase {
            name: name.to_owned(),
            rate,
            seconds,
            end: SystemTime::now(),
            backlog: 0,
            rss_max_kb: 0,
            questions: 0,
            events: 0,
            bot_cpu_s: 0.0,
            harness_cpu_s: 0.0,
            machine_busy: 0.0,
            machine_iowait: 0.0,
        });
        self.reacting = true;
        let due = |n: u64| start + Duration::from_secs_f64(n as f64 / rate);
        let (mut sent, mut next_scan, mut next_sample) = (0u64, start, start);
        loop {
            let now = Instant::now();
            if sent >= total && now >= end {
                break;
            }
            while sent < total && due(sent) <= now {
                self.ask(index);
                sent += 1;
            }
            while self.pending.peek().is_some_and(|p| p.due <= now) {
                let pending = self.pending.pop().expect("peeked");
                self.perform(pending.action, index);
            }
            if now >= next_scan {
                self.scan();
                next_scan = now + SCAN_EVERY;
            }
            if now >= next_sample {
                let rss = status_kb(self.pid, "VmRSS");
                let phase = &mut self.phases[index];
                phase.rss_max_kb = phase.rss_max_kb.max(rss);
                next_sample = now + SAMPLE_EVERY;
            }
            let mut wake = next_scan.min(next_sample).min(end);
            if sent < total {
                wake = wake.min(due(sent));
            }
            if let Some(p) = self.pending.peek() {
                wake = wake.min(p.due);
            }
            if wake > Instant::now() {
                tokio::time::sleep_until(wake.into()).await;
            } else {
                tokio::task::yield_now().await;
            }
        }
        self.scan();
        // Answers still owed from before (lost ones) are not this phase's.
        let backlog = self.outstanding.saturating_sub(outstanding_before);
        let new = &self.events[events_before..];
        let questions = new
            .iter()
            .filter(|e| matches!(e.kind, Kind::Question | Kind::FollowUp))
            .count() as u64;
        let events = new.len() as u64;
        let phase = &mut self.phases[index];
        phase.end = SystemTime::now();
        phase.backlog = backlog;
        phase.questions = questions;
        phase.events = events;
        phase.bot_cpu_s = cpu_seconds(&pid) - bot_cpu;
        phase.harness_cpu_s = cpu_seconds("self") - harness_cpu;
        let now = machine_ticks();
        let total = now.2.saturating_sub(machine.2).max(1) as f64;
        phase.machine_busy = now.0.saturating_sub(machine.0) as f64 / total;
        phase.machine_iowait = now.1.saturating_sub(machine.1) as f64 / total;
        phase
    }

    /// Stops reacting and waits until every question is answered and every
    /// click called back, or nothing moved for [`STALLED`], or [`DRAIN`]
    /// passed. True if nothing is left.
    async fn drain(&mut self) -> bool {
        self.reacting = false;
        self.pending.clear();
        let start = Instant::now();
        let (mut last_progress, mut last_state) = (start, (u64::MAX, usize::MAX));
        loop {
            self.scan();
            let standin = self.standin;
            self.open_clicks
                .retain(|id| standin.interaction_response(*id).is_none());
            let state = (self.outstanding, self.open_clicks.len());
            if state == (0, 0) {
                return true;
            }
            let now = Instant::now();
            if state != last_state {
                (last_progress, last_state) = (now, state);
            }
            if now - last_progress >= STALLED || now - start >= DRAIN {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

// ----- what the stand-in saw --------------------------------------------------

#[derive(Debug, Default)]
struct Verdict {
    answers_expected: u64,
    answers_received: u64,
    threads_missing_answers: u64,
    threads_with_extra_answers: u64,
    /// Bot messages in the watched channel itself: the apology the bot
    /// posts when it cannot store a question (or a cooldown notice).
    apologies: u64,
    clicks: u64,
    clicks_without_callback: u64,
    clicks_with_second_callback: u64,
    /// Non-2xx responses, by "METHOD template status".
    errors: BTreeMap<String, u64>,
    requests: u64,
    violations: usize,
}

/// Latencies (ms) per phase and kind, plus the question → answer-post time.
#[derive(Default)]
struct Latencies {
    first: BTreeMap<(usize, Kind), Stats>,
    answer: BTreeMap<usize, Stats>,
    /// Questions whose first request came by the phase's end.
    started_in_phase: BTreeMap<usize, u64>,
}

fn numeric_segments(path: &str) -> impl Iterator<Item = u64> + '_ {
    path.split('/').filter_map(|s| s.parse::<u64>().ok())
}

fn examine(load: &Load<'_>) -> (Verdict, Latencies) {
    let standin = load.standin;
    let mut verdict = Verdict::default();

    // The first request naming each id; the first answer post in each
    // thread; the first answer post after each follow-up.
    let mut first: HashMap<u64, SystemTime> = HashMap::new();
    let mut answer_post: HashMap<u64, SystemTime> = HashMap::new();
    let follow_ups: HashMap<u64, SystemTime> = load
        .events
        .iter()
        .filter(|e| e.kind == Kind::FollowUp)
        .map(|e| (e.thread, e.t0))
        .collect();
    let mut follow_up_answer: HashMap<u64, SystemTime> = HashMap::new();
    standin.for_each_request(|r| {
        verdict.requests += 1;
        if !(200..300).contains(&r.status) {
            let route = r.template.as_deref().unwrap_or(&r.path);
            *verdict
                .errors
                .entry(format!("{} {route} → {}", r.method, r.status))
                .or_default() += 1;
        }
        for id in numeric_segments(&r.path) {
            first.entry(id).or_insert(r.at);
        }
        if r.is("POST", "/channels/{channel_id}/messages") {
            if let Some(channel) = numeric_segments(&r.path).next() {
                answer_post.entry(channel).or_insert(r.at);
                if follow_ups.get(&channel).is_some_and(|t0| r.at >= *t0) {
                    follow_up_answer.entry(channel).or_insert(r.at);
                }
            }
        }
    });
    verdict.violations = standin.violations().len();

    // Answers per thread, as the stand-in stored them.
    let mut answers: HashMap<u64, u32> = HashMap::new();
    standin.for_each_message(|m| {
        if m.author_id() != load.bot_id || m.deleted || m.interaction_id.is_some() {
            return;
        }
        if !m.embeds().is_empty() {
            *answers.entry(m.channel_id).or_default() += 1;
        } else if m.channel_id == TEXT {
            verdict.apologies += 1;
        }
    });
    for (id, thread) in &load.threads {
        let got = answers.get(id).copied().unwrap_or(0);
        verdict.answers_expected += u64::from(thread.expected);
        verdict.answers_received += u64::from(got);
        if got < thread.expected {
            verdict.threads_missing_answers += 1;
        }
        if got > thread.expected {
            verdict.threads_with_extra_answers += 1;
        }
    }

    let mut samples: BTreeMap<(usize, Kind), (Vec<f64>, usize)> = BTreeMap::new();
    let mut answer_samples: BTreeMap<usize, (Vec<f64>, usize)> = BTreeMap::new();
    let mut started_in_phase: BTreeMap<usize, u64> = BTreeMap::new();
    for event in &load.events {
        if event.kind.is_click() {
            verdict.clicks += 1;
            match standin.interaction(event.key) {
                Some(record) if record.callback.is_some() => {
                    if record.rejected_callbacks > 0 {
                        verdict.clicks_with_second_callback += 1;
                    }
                }
                _ => verdict.clicks_without_callback += 1,
            }
        }
        let seen = match event.kind {
            Kind::FollowUp => follow_up_answer.get(&event.thread),
            _ => first.get(&event.key),
        };
        let entry = samples.entry((event.phase, event.kind)).or_default();
        match seen.and_then(|at| at.duration_since(event.t0).ok()) {
            Some(latency) => entry.0.push(ms(latency)),
            None => entry.1 += 1,
        }
        if event.kind == Kind::Question {
            let answer = answer_samples.entry(event.phase).or_default();
            match answer_post
                .get(&event.key)
                .and_then(|at| at.duration_since(event.t0).ok())
            {
                Some(latency) => answer.0.push(ms(latency)),
                None => answer.1 += 1,
            }
            let phase_end = load.phases[event.phase].end;
            if seen.is_some_and(|at| *at <= phase_end) {
                *started_in_phase.entry(event.phase).or_default() += 1;
            }
        }
    }
    let latencies = Latencies {
        first: samples
            .into_iter()
            .map(|(k, (v, missing))| (k, Stats::of(v, missing)))
            .collect(),
        answer: answer_samples
            .into_iter()
            .map(|(k, (v, missing))| (k, Stats::of(v, missing)))
            .collect(),
        started_in_phase,
    };
    (verdict, latencies)
}

// ----- one bot -----------------------------------------------------------------

/// What a run of a fresh bot does after start-up.
enum Plan {
    /// A warm-up, then the steady phase at `--rate`.
    Target,
    /// A warm-up, then these rates in order, each drained before the next,
    /// stopping after the first one the bot does not keep up with.
    Ramp(Vec<f64>),
}

/// One fresh bot (and database) under one plan.
struct Run {
    idle_rss_kb: u64,
    startup_hwm_kb: u64,
    /// VmHWM after the steady phase and its drain.
    steady_hwm_kb: u64,
    final_hwm_kb: u64,
    steady: Option<usize>,
    /// The bot's and this process's utime + stime over the steady phase
    /// and its drain, and the questions (new + follow-ups) sent in it.
    steady_cpu_s: f64,
    steady_harness_cpu_s: f64,
    steady_questions: u64,
    steady_drained: bool,
    drained: bool,
    phases: Vec<Phase>,
    verdict: Verdict,
    latencies: Latencies,
    histograms: String,
    log_lines: usize,
    log_summary: Vec<(usize, String)>,
}

/// The bot's log lines grouped: timestamps dropped, numbers as `#`.
fn summarize_log(log: &str) -> (usize, Vec<(usize, String)>) {
    let mut groups: HashMap<String, usize> = HashMap::new();
    let mut total = 0;
    for line in log.lines().filter(|l| !l.trim().is_empty()) {
        total += 1;
        let mut plain = String::new();
        let mut chars = line.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '\u{1b}' {
                // An ANSI colour sequence: ESC [ ... m
                for c in chars.by_ref() {
                    if c == 'm' {
                        break;
                    }
                }
            } else {
                plain.push(c);
            }
        }
        let rest = plain
            .split_once(' ')
            .filter(|(stamp, _)| stamp.starts_with(|c: char| c.is_ascii_digit()))
            .map_or(plain.as_str(), |(_, rest)| rest)
            .trim();
        let mut key = String::new();
        let mut in_number = false;
        for c in rest.chars() {
            if c.is_ascii_digit() {
                if !in_number {
                    key.push('#');
                }
                in_number = true;
            } else {
                in_number = false;
                key.push(c);
            }
        }
        let key: String = key.chars().take(220).collect();
        *groups.entry(key).or_default() += 1;
    }
    let mut groups: Vec<(usize, String)> = groups.into_iter().map(|(k, n)| (n, k)).collect();
    groups.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    groups.truncate(8);
    (total, groups)
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

/// A run on a fresh database: a new SQLite file, or a new PostgreSQL
/// database on `HELPDESK_TEST_POSTGRES_URL`'s server, dropped afterwards
/// (also if the run panics).
async fn run_on_fresh_database(backend: Backend, options: &Options, plan: &Plan) -> Run {
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

// ----- the burst ----------------------------------------------------------------

/// How a burst went for one bot.
struct Burst {
    who: String,
    sent: u64,
    /// Questions whose thread got the bot's answer (helpdesk: an embed;
    /// the bare bot: its one reply).
    answered: u64,
    /// Questions helpdesk set aside with its "swamped" reply.
    set_aside: u64,
    /// Questions with no reply in their thread when the wait ended.
    without_reply: u64,
    /// From the first question dispatched to the last answer posted.
    seconds: f64,
    /// Question dispatched → answer posted in its thread, ms.
    latency: Stats,
    /// The bot's VmHWM after the burst (0 for the bare bot, which runs in
    /// its own process too but is not measured).
    hwm_kb: u64,
}

impl Burst {
    /// Answers per second over the whole burst.
    fn rate(&self) -> f64 {
        self.answered as f64 / self.seconds.max(f64::EPSILON)
    }
}

/// Sends `count` questions from `count` different people, evenly spread
/// over `seconds`, and waits until each has a reply in its thread (or
/// nothing moved for [`STALLED`]).
async fn burst(standin: &StandIn, who: &str, count: usize, seconds: f64, seed: u64) -> Burst {
    let questions = heldout_questions();
    let mut rng = Rng(seed);
    let bot = standin.bot_user_id();
    let mut sent: Vec<(u64, SystemTime)> = Vec::with_capacity(count);
    let start = Instant::now();
    for i in 0..count {
        let due = start + Duration::from_secs_f64(seconds * i as f64 / count.max(1) as f64);
        if due > Instant::now() {
            tokio::time::sleep_until(due.into()).await;
        }
        let user = UserSpec::new(5_000_000_000_000_000_000 + i as u64, &format!("asker{i}"));
        let text = &questions[rng.below(questions.len())];
        let t0 = SystemTime::now();
        let id = standin.send_message(MessageSpec::new(TEXT, &user, text));
        sent.push((id, t0));
    }
    let threads: std::collections::HashSet<u64> = sent.iter().map(|(id, _)| *id).collect();
    let replied = || {
        let mut replied = std::collections::HashSet::new();
        standin.for_each_message(|m| {
            if m.author_id() == bot && threads.contains(&m.channel_id) {
                replied.insert(m.channel_id);
            }
        });
        replied.len()
    };
    let (mut last, mut last_progress) = (0, Instant::now());
    loop {
        let now = replied();
        if now == count {
            break;
        }
        if now != last {
            (last, last_progress) = (now, Instant::now());
        }
        if last_progress.elapsed() >= STALLED {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Give a doubled reply the chance to show.
    tokio::time::sleep(Duration::from_millis(500)).await;

    let (mut answered, mut set_aside) = (0u64, 0u64);
    let mut with_reply = std::collections::HashSet::new();
    standin.for_each_message(|m| {
        if m.author_id() != bot || !threads.contains(&m.channel_id) {
            return;
        }
        if with_reply.insert(m.channel_id) {
            if m.content().contains("swamped") {
                set_aside += 1;
            } else {
                answered += 1;
            }
        }
    });
    let mut posted: HashMap<u64, SystemTime> = HashMap::new();
    standin.for_each_request(|r| {
        if r.is("POST", "/channels/{channel_id}/messages") && (200..300).contains(&r.status) {
            if let Some(channel) = numeric_segments(&r.path).next() {
                if threads.contains(&channel) {
                    posted.entry(channel).or_insert(r.at);
                }
            }
        }
    });
    let first = sent.first().map_or(SystemTime::now(), |(_, t0)| *t0);
    let last_post = posted.values().max().copied().unwrap_or(first);
    let (mut latencies, mut missing) = (Vec::new(), 0);
    for (id, t0) in &sent {
        match posted.get(id).and_then(|at| at.duration_since(*t0).ok()) {
            Some(latency) => latencies.push(ms(latency)),
            None => missing += 1,
        }
    }
    Burst {
        who: who.to_owned(),
        sent: count as u64,
        answered,
        set_aside,
        without_reply: count as u64 - with_reply.len() as u64,
        seconds: last_post
            .duration_since(first)
            .unwrap_or_default()
            .as_secs_f64(),
        latency: Stats::of(latencies, missing),
        hwm_kb: 0,
    }
}

/// The burst against a fresh helpdesk with its default settings, on a
/// fresh database.
async fn helpdesk_burst(backend: Backend, options: &Options) -> Burst {
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
async fn bare_burst(options: &Options) -> Burst {
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
    let result = burst(
        &standin,
        "bare serenity bot",
        options.burst,
        options.burst_seconds,
        options.seed,
    )
    .await;
    let _ = child.kill();
    let _ = child.wait();
    result
}

/// The reference: a minimal serenity 0.12 bot that starts a thread from
/// each message in the channel and posts one reply in it. No matching, no
/// storage, no bound on what it handles at once: what serenity and the
/// stand-in cost by themselves.
mod bare {
    use serenity::all::{
        AutoArchiveDuration, ChannelId, ClientBuilder, Context, CreateAllowedMentions,
        CreateMessage, CreateThread, EventHandler, GatewayIntents, HttpBuilder, Message,
    };

    /// Set in the bench's own environment to run it as the bare bot.
    pub const API_BASE: &str = "LOAD_BARE_BOT_API_BASE";
    pub const CHANNEL: &str = "LOAD_BARE_BOT_CHANNEL";

    struct Handler {
        channel: ChannelId,
    }

    #[serenity::async_trait]
    impl EventHandler for Handler {
        async fn message(&self, ctx: Context, message: Message) {
            if message.author.bot || message.channel_id != self.channel {
                return;
            }
            let name: String = message.content.chars().take(80).collect();
            let thread = CreateThread::new(if name.trim().is_empty() {
                "question".to_owned()
            } else {
                name
            })
            .auto_archive_duration(AutoArchiveDuration::OneDay);
            let Ok(thread) = message
                .channel_id
                .create_thread_from_message(&ctx.http, message.id, thread)
                .await
            else {
                return;
            };
            let reply = CreateMessage::new()
                .content("Thanks for your question!")
                .allowed_mentions(CreateAllowedMentions::new());
            let _ = thread.id.send_message(&ctx.http, reply).await;
        }
    }

    /// Runs the bare bot if the environment asks for it; never returns
    /// then.
    pub fn run_if_asked() {
        let (Ok(base), Ok(channel)) = (std::env::var(API_BASE), std::env::var(CHANNEL)) else {
            return;
        };
        let channel = ChannelId::new(channel.parse().expect("a channel id"));
        let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
        runtime.block_on(async move {
            let http = HttpBuilder::new("bare-bot-token")
                .proxy(base)
                .ratelimiter_disabled(true)
                .build();
            let intents = GatewayIntents::GUILDS
                | GatewayIntents::GUILD_MESSAGES
                | GatewayIntents::MESSAGE_CONTENT;
            let mut client = ClientBuilder::new_with_http(http, intents)
                .event_handler(Handler { channel })
                .await
                .expect("a serenity client");
            client.start().await.expect("the bare bot runs");
        });
        std::process::exit(0);
    }
}

/// Each helpdesk burst beside the bare bot's burst that followed it, and
/// the ratio of their answer rates.
fn burst_table(out: &mut String, options: &Options, pairs: &[(&Burst, &Burst)]) {
    let _ = writeln!(
        out,
        "### Burst: {} questions from {} people within {} s, default settings\n",
        options.burst, options.burst, options.burst_seconds
    );
    let _ = writeln!(
        out,
        "| bot | answered | set aside (\"swamped\") | no reply | first question → last answer | answers/s | ratio to the bare bot | answer latency p50 / p99 / max | bot VmHWM |\n|---|---|---|---|---|---|---|---|---|"
    );
    for (helpdesk, bare) in pairs {
        for b in [*helpdesk, *bare] {
            let _ = writeln!(
                out,
                "| {} | {} of {} | {} | {} | {:.2} s | {:.0} | {:.2} | {:.0} / {:.0} / {:.0} ms | {} |",
                b.who,
                b.answered,
                b.sent,
                b.set_aside,
                b.without_reply,
                b.seconds,
                b.rate(),
                b.rate() / bare.rate().max(f64::EPSILON),
                b.latency.p50,
                b.latency.p99,
                b.latency.max,
                if b.hwm_kb == 0 {
                    "–".to_owned()
                } else {
                    format!("{:.1} MB", mb(b.hwm_kb))
                }
            );
        }
    }
}

// ----- the report -------------------------------------------------------------

fn mark(ok: bool) -> &'static str {
    if ok {
        "met"
    } else {
        "**missed**"
    }
}

fn question_stats(run: &Run, phase: usize) -> Stats {
    run.latencies
        .first
        .get(&(phase, Kind::Question))
        .copied()
        .unwrap_or_default()
}

/// New questions whose first request came within the phase, per second.
fn started_per_second(run: &Run, phase: usize) -> f64 {
    run.latencies
        .started_in_phase
        .get(&phase)
        .copied()
        .unwrap_or(0) as f64
        / run.phases[phase].seconds.max(f64::EPSILON)
}

fn lost(v: &Verdict) -> u64 {
    v.threads_missing_answers + v.clicks_without_callback
}

fn doubled(v: &Verdict) -> u64 {
    v.threads_with_extra_answers + v.clicks_with_second_callback
}

fn errors(v: &Verdict) -> u64 {
    v.errors.values().sum()
}

fn phases_table(out: &mut String, run: &Run) {
    let _ = writeln!(
        out,
        "| phase | offered q/s | s | started in phase /s | backlog at end | p50 ms | p95 ms | p99 ms | max ms | max VmRSS MB | bot CPU s / 1,000 q | harness CPU s | machine busy / iowait | kept up |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
    );
    for (i, p) in run.phases.iter().enumerate() {
        let q = question_stats(run, i);
        let _ = writeln!(
            out,
            "| {} | {:.0} | {:.0} | {:.0} | {} | {:.2} | {:.2} | {:.2} | {:.2} | {:.1} | {:.2} | {:.1} | {:.0}% / {:.0}% | {} |",
            p.name,
            p.rate,
            p.seconds,
            started_per_second(run, i),
            p.backlog,
            q.p50,
            q.p95,
            q.p99,
            q.max,
            mb(p.rss_max_kb),
            p.bot_cpu_s / p.questions.max(1) as f64 * 1000.0,
            p.harness_cpu_s,
            p.machine_busy * 100.0,
            p.machine_iowait * 100.0,
            if kept_up(p) { "yes" } else { "no" }
        );
    }
}

fn verdict_line(out: &mut String, what: &str, run: &Run) {
    let v = &run.verdict;
    let _ = writeln!(
        out,
        "- {what}: answers owed {}, posted {}; threads missing an answer {} (apologies posted in the channel instead: {}), with an extra one {}; \
         clicks {}, without a callback {}, called back twice {}; non-2xx responses {} (of {} requests); \
         bot log lines at WARN or above {}; drained at the end: {}.",
        v.answers_expected,
        v.answers_received,
        v.threads_missing_answers,
        v.apologies,
        v.threads_with_extra_answers,
        v.clicks,
        v.clicks_without_callback,
        v.clicks_with_second_callback,
        errors(v),
        v.requests,
        run.log_lines,
        run.drained
    );
    for (route, n) in &v.errors {
        let _ = writeln!(out, "  - {route}: {n}");
    }
    for (n, line) in &run.log_summary {
        let _ = writeln!(out, "  - {n} × `{line}`");
    }
}

fn render(variant: &str, options: &Options, target: &Run, ramp: Option<&Run>) -> String {
    let mut out = String::new();
    let steady = target.steady.unwrap_or(0);
    let s = &target.phases[steady];
    let q = question_stats(target, steady);
    let achieved = started_per_second(target, steady);
    let cpu_per_1000 = target.steady_cpu_s / target.steady_questions.max(1) as f64 * 1000.0;
    let v = &target.verdict;
    let _ = writeln!(out, "## {variant}\n");
    let _ = writeln!(
        out,
        "### Steady phase: {:.0} new questions/s offered for {:.0} s\n",
        s.rate, s.seconds
    );
    let _ = writeln!(
        out,
        "{} events in all ({:.0}/s): questions with follow-ups {:.0}/s, the rest clicks.\n",
        s.events,
        s.events as f64 / s.seconds,
        s.questions as f64 / s.seconds,
    );
    let _ = writeln!(out, "| measure | figure | target | |\n|---|---|---|---|");
    let _ = writeln!(
        out,
        "| questions/s sustained (new questions whose thread was started within the phase) | {achieved:.0} of {:.0} offered; {} still unanswered at the phase's end | ≥ 500 | {} |",
        s.rate,
        s.backlog,
        mark(kept_up(s) && achieved >= 490.0)
    );
    let _ = writeln!(
        out,
        "| bot-side latency of questions, p50 / p95 / p99 / max | {:.2} / {:.2} / {:.2} / {:.2} ms ({} without any request) | p99 < 20 ms | {} |",
        q.p50,
        q.p95,
        q.p99,
        q.max,
        q.missing,
        mark(q.count > 0 && q.missing == 0 && q.p99 < 20.0)
    );
    let _ = writeln!(
        out,
        "| resident memory, idle (VmRSS {} s after connecting) | {:.1} MB | < 25 MB | {} |",
        options.idle,
        mb(target.idle_rss_kb),
        mark(target.idle_rss_kb < 25 * 1024)
    );
    let _ = writeln!(
        out,
        "| resident memory under load (VmHWM after the steady phase and its drain) | {:.1} MB | < 60 MB | {} |",
        mb(target.steady_hwm_kb),
        mark(target.steady_hwm_kb < 60 * 1024)
    );
    let _ = writeln!(
        out,
        "| CPU per 1,000 questions (bot utime+stime over the steady phase and its drain, clicks included) | {cpu_per_1000:.2} s ({:.1} s for {} questions) | | |",
        target.steady_cpu_s, target.steady_questions
    );
    let _ = writeln!(
        out,
        "| errors: non-2xx responses; bot log lines at WARN or above | {}; {} | 0 | {} |",
        errors(v),
        target.log_lines,
        mark(errors(v) == 0 && target.log_lines == 0)
    );
    let _ = writeln!(
        out,
        "| lost: threads missing an answer + clicks without a callback | {} + {} | 0 | {} |",
        v.threads_missing_answers,
        v.clicks_without_callback,
        mark(lost(v) == 0)
    );
    let _ = writeln!(
        out,
        "| doubled: threads with an extra answer + clicks called back twice | {} + {} | 0 | {} |",
        v.threads_with_extra_answers,
        v.clicks_with_second_callback,
        mark(doubled(v) == 0)
    );
    let _ = writeln!(
        out,
        "\nThe harness (stand-in and simulated users, in the bench process on the same 2 cores) used {:.1} CPU s over the steady phase and its drain. Bot VmHWM after start-up {:.1} MB; max sampled VmRSS in the steady phase {:.1} MB. Drained after the steady phase: {}.\n",
        target.steady_harness_cpu_s,
        mb(target.startup_hwm_kb),
        mb(s.rss_max_kb),
        target.steady_drained
    );
    let _ = writeln!(
        out,
        "Bot-side latency by event, steady phase (ms, from the stand-in dispatching the event to it having received the bot's first request about it):\n"
    );
    let _ = writeln!(
        out,
        "| event | n | p50 | p95 | p99 | max | no request |\n|---|---|---|---|---|---|---|"
    );
    for kind in Kind::ALL {
        if let Some(stats) = target.latencies.first.get(&(steady, kind)) {
            let _ = writeln!(out, "{}", stats.row(kind.label()));
        }
    }
    if let Some(stats) = target.latencies.answer.get(&steady) {
        let _ = writeln!(
            out,
            "{}",
            stats.row("question → answer posted in its thread (the second request)")
        );
    }
    let _ = writeln!(out);
    phases_table(&mut out, target);

    if let Some(ramp) = ramp {
        let _ = writeln!(
            out,
            "\n### The sustained maximum: a fresh bot and database, {:.0} s steps, each drained before the next\n",
            options.step
        );
        phases_table(&mut out, ramp);
        let best = ramp
            .phases
            .iter()
            .enumerate()
            .filter(|(_, p)| kept_up(p) && p.name != "warm-up")
            .max_by(|a, b| a.1.rate.partial_cmp(&b.1.rate).unwrap_or(Ordering::Equal));
        match best {
            Some((i, p)) => {
                let q = question_stats(ramp, i);
                let _ = writeln!(
                    out,
                    "\nHighest rate kept up with (at the step's end, fewer of its questions unanswered than arrive in {KEPT_UP_SECONDS} s): **{:.0} questions/s**, with question latency p50 {:.2} / p99 {:.2} / max {:.2} ms, max VmRSS {:.1} MB, {:.2} bot CPU s per 1,000 questions.",
                    p.rate,
                    q.p50,
                    q.p99,
                    q.max,
                    mb(p.rss_max_kb),
                    p.bot_cpu_s / p.questions.max(1) as f64 * 1000.0
                );
            }
            None => {
                let _ = writeln!(out, "\nNo step was kept up with.");
            }
        }
    }

    let _ = writeln!(out, "\n### Errors, lost and doubled\n");
    verdict_line(&mut out, "target load", target);
    if let Some(ramp) = ramp {
        verdict_line(&mut out, "ramp", ramp);
    }
    let _ = writeln!(
        out,
        "\n### The bot's own histograms (`/metrics`), steady phase and its drain\n\n{}",
        target.histograms
    );
    out
}

fn variant_name(backend: Backend, options: &Options) -> String {
    let mut name = backend.name().to_owned();
    match backend {
        Backend::Sqlite => {
            if let Some(dir) = &options.sqlite_dir {
                let _ = write!(name, " (database in {})", dir.display());
            }
        }
        Backend::Postgres => {
            if let Some(setting) = &options.pg_synchronous_commit {
                let _ = write!(name, " (synchronous_commit = {setting})");
            }
        }
    }
    name
}

fn main() {
    bare::run_if_asked();
    let options = match options() {
        Ok(options) => options,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
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
            let (helpdesk, bare) = runtime.block_on(async {
                let helpdesk = helpdesk_burst(backend, &options).await;
                (helpdesk, bare_burst(&options).await)
            });
            let mut out = format!("## {}\n\n", variant_name(backend, &options));
            burst_table(&mut out, &options, &[(&helpdesk, &bare)]);
            println!("{out}");
            bursts.push((helpdesk, bare));
        }
        if options.seconds <= 0.0 {
            continue;
        }
        let (target, ramp) = runtime.block_on(async {
            let target = run_on_fresh_database(backend, &options, &Plan::Target).await;
            let steady = target.steady.map(|i| &target.phases[i]);
            let steady_kept_up = target.steady_drained && steady.is_some_and(kept_up);
            let rates: Option<Vec<f64>> = match &options.ramp {
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
            };
            let ramp = match rates {
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
    if rows.is_empty() {
        return;
    }
    println!("## Summary against the targets\n");
    println!(
        "| backend | q/s started at {:.0} offered | highest rate kept up with | question latency p50 / p95 / p99 / max at {:.0} q/s | p99 at the highest rate kept up with | idle RSS | peak RSS at {:.0} q/s | CPU s / 1,000 q | errors | lost | doubled |\n|---|---|---|---|---|---|---|---|---|---|---|",
        options.rate, options.rate, options.rate
    );
    for (variant, target, ramp) in &rows {
        let steady = target.steady.unwrap_or(0);
        let q = question_stats(target, steady);
        let best = ramp
            .as_ref()
            .and_then(|r| {
                let i = r
                    .phases
                    .iter()
                    .enumerate()
                    .filter(|(_, p)| kept_up(p) && p.name != "warm-up")
                    .max_by(|a, b| a.1.rate.partial_cmp(&b.1.rate).unwrap_or(Ordering::Equal))?
                    .0;
                Some((r.phases[i].rate, question_stats(r, i).p99))
            })
            .or_else(|| {
                let s = &target.phases[steady];
                kept_up(s).then_some((s.rate, q.p99))
            });
        let (best_rate, best_p99) = best.map_or(("none".to_owned(), "–".to_owned()), |(r, p)| {
            (format!("{r:.0} q/s"), format!("{p:.2} ms"))
        });
        let all_runs = std::iter::once(target).chain(ramp.as_ref());
        let (mut e, mut l, mut d) = (0, 0, 0);
        for run in all_runs {
            e += errors(&run.verdict) + run.log_lines as u64;
            l += lost(&run.verdict);
            d += doubled(&run.verdict);
        }
        println!(
            "| {variant} | {:.0} | {best_rate} | {:.2} / {:.2} / {:.2} / {:.2} ms | {best_p99} | {:.1} MB | {:.1} MB | {:.2} | {e} | {l} | {d} |",
            started_per_second(target, steady),
            q.p50,
            q.p95,
            q.p99,
            q.max,
            mb(target.idle_rss_kb),
            mb(target.steady_hwm_kb),
            target.steady_cpu_s / target.steady_questions.max(1) as f64 * 1000.0,
        );
    }
}
