//! Load bench of the Discord bot: the real `helpdesk serve` binary, with the
//! real serenity client, against the local Discord stand-in
//! (`tests/support/standin/`), once on SQLite and once on PostgreSQL.
//!
//! ```sh
//! cargo bench --bench load                       # both backends, defaults
//! cargo bench --bench load -- --backend sqlite --rate 600 --seconds 60
//! ```
//!
//! Simulated users ask held-out questions (`tests/data/heldout.jsonl`) in a
//! watched channel at a fixed rate (open loop: the next question never
//! waits for an answer) and react to the answers after a think time of 0.5
//! to 2 s: votes, "Help me choose" and a dialogue step, follow-up questions
//! in the thread. A steady phase at `--rate` is followed by a ramp of
//! higher rates that stops at the first step the bot cannot keep up with.
//!
//! Reported per backend: questions per second, bot-side latency (the
//! stand-in dispatching an event → the stand-in having received the bot's
//! first REST request about it), idle and peak resident memory, CPU seconds
//! per 1,000 questions, errors, and lost or doubled answers and callbacks.
//! The stand-in runs with request validation and response checking off, and
//! in this process: on a 2-core machine it competes with the bot for CPU.
//!
//! Options (after `--`, or the environment variable in brackets):
//! `--backend sqlite,postgres` (LOAD_BACKENDS), `--rate 500` questions per
//! second (LOAD_RATE), `--seconds 30` of steady load (LOAD_SECONDS),
//! `--ramp 750,1000,1250,1500` or `none` (LOAD_RAMP), `--step 5` seconds per
//! ramp step (LOAD_STEP_SECONDS), `--warmup 2` (LOAD_WARMUP_SECONDS),
//! `--idle 5` (LOAD_IDLE_SECONDS), `--users 2000` (LOAD_USERS), `--seed 1`
//! (LOAD_SEED). PostgreSQL: a fresh database is created on the server
//! `HELPDESK_TEST_POSTGRES_URL` names (default
//! `postgres://postgres@127.0.0.1:5432/test`) and dropped afterwards.

// The support code's unit tests are compiled here without the test harness
// that would run them, so their `use super::*` goes unused.
#[allow(unused_imports)]
#[path = "../tests/support/mod.rs"]
mod support;

use std::cmp::Ordering;
use std::collections::{BTreeMap, BinaryHeap, HashMap};
use std::fmt::Write as _;
use std::path::Path;
use std::time::{Duration, Instant, SystemTime};

use support::bot::{standin, Bot, Workspace, TEXT, WAIT};
use support::database::TestDatabase;
use support::standin::{MessageSpec, StandIn, StoredMessage, UserSpec};

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
    /// Up from the steady rate if the bot kept up with it (1.5x, 2x, 2.5x,
    /// 3x, stopping at the first step it does not keep up with), else down
    /// (0.75x … 0.1x, stopping at the first step it keeps up with).
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
}

const USAGE: &str = "cargo bench --bench load -- [--backend sqlite,postgres] [--rate N] \
[--seconds S] [--ramp auto|none|R1,R2,...] [--step S] [--warmup S] [--idle S] [--users N] \
[--seed N] [--sqlite-dir DIR] [--pg-synchronous-commit on|off]";

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
    /// Questions and follow-ups not yet answered when the phase ended.
    backlog: u64,
    rss_max_kb: u64,
}

/// How users react to an answer.
const VOTE_SHARE: f64 = 0.4;
const HELPFUL_SHARE: f64 = 0.85;
const CHOOSE_SHARE: f64 = 0.5;
const FOLLOW_UP_SHARE: f64 = 0.1;
/// How long to wait for the last answers and callbacks after a phase.
const DRAIN: Duration = Duration::from_secs(120);
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
        let start = Instant::now();
        let end = start + Duration::from_secs_f64(seconds);
        self.phases.push(Phase {
            name: name.to_owned(),
            rate,
            seconds,
            end: SystemTime::now(),
            backlog: 0,
            rss_max_kb: 0,
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
        let backlog = self.outstanding;
        let phase = &mut self.phases[index];
        phase.end = SystemTime::now();
        phase.backlog = backlog;
        phase
    }

    /// Stops reacting and waits until every question is answered and every
    /// click called back (or `timeout`). True if nothing is left.
    async fn drain(&mut self, timeout: Duration) -> bool {
        self.reacting = false;
        self.pending.clear();
        let deadline = Instant::now() + timeout;
        loop {
            self.scan();
            let standin = self.standin;
            self.open_clicks
                .retain(|id| standin.interaction_response(*id).is_none());
            if self.outstanding == 0 && self.open_clicks.is_empty() {
                return true;
            }
            if Instant::now() >= deadline {
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
    clicks: u64,
    clicks_without_callback: u64,
    clicks_with_second_callback: u64,
    /// Non-2xx responses, by "METHOD template status".
    errors: BTreeMap<String, u64>,
    requests: u64,
    violations: usize,
}

/// Latencies (ms) per phase and kind, plus the question → answer-post time.
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
        if m.author_id() == load.bot_id
            && !m.deleted
            && m.interaction_id.is_none()
            && !m.embeds().is_empty()
        {
            *answers.entry(m.channel_id).or_default() += 1;
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

// ----- one backend ------------------------------------------------------------

struct Report {
    variant: String,
    idle_rss_kb: u64,
    startup_hwm_kb: u64,
    steady_rss_max_kb: u64,
    steady_hwm_kb: u64,
    final_hwm_kb: u64,
    steady_cpu_s: f64,
    harness_cpu_s: f64,
    steady_questions: u64,
    steady_events: u64,
    steady_drained: bool,
    final_drained: bool,
    phases: Vec<Phase>,
    verdict: Verdict,
    latencies: Latencies,
    histograms: String,
    log_lines: Vec<String>,
    text: String,
}

async fn run_backend(backend: Backend, options: Options, database_url: Option<String>) -> Report {
    let standin = standin()
        .validate_requests(false)
        .check_responses(false)
        .start()
        .await;
    let workspace = Workspace::new();
    let mut variant = backend.name().to_owned();
    let sqlite_dir = options.sqlite_dir.as_ref().map(|dir| {
        tempfile::tempdir_in(dir)
            .unwrap_or_else(|e| panic!("cannot make a folder in {}: {e}", dir.display()))
    });
    let database_url = match (&database_url, &sqlite_dir) {
        (Some(url), _) => url.clone(),
        (None, Some(dir)) => {
            let _ = write!(variant, " (database in {})", dir.path().display());
            format!("sqlite://{}", dir.path().join("helpdesk.db").display())
        }
        (None, None) => workspace.database_url(),
    };
    if let (Backend::Postgres, Some(setting)) = (backend, &options.pg_synchronous_commit) {
        let _ = write!(variant, " (synchronous_commit = {setting})");
    }
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
    eprintln!(
        "[{}] bot pid {pid} connected; {} s quiet",
        backend.name(),
        options.idle
    );
    tokio::time::sleep(Duration::from_secs_f64(options.idle)).await;
    let idle_rss_kb = status_kb(pid, "VmRSS");
    let startup_hwm_kb = status_kb(pid, "VmHWM");

    let mut load = Load::new(&standin, pid, &options);
    if options.warmup > 0.0 {
        load.phase("warm-up", (options.rate / 5.0).max(1.0), options.warmup)
            .await;
        load.drain(Duration::from_secs(15)).await;
    }

    let metrics_before = bot.http_get("/metrics").1;
    let pid_text = pid.to_string();
    let (cpu0, harness0) = (cpu_seconds(&pid_text), cpu_seconds("self"));
    let events_before = load.events.len();
    eprintln!(
        "[{}] steady: {} questions/s for {} s",
        backend.name(),
        options.rate,
        options.seconds
    );
    load.phase("steady", options.rate, options.seconds).await;
    let steady_index = load.phases.len() - 1;
    let steady_drained = load.drain(DRAIN).await;
    let (cpu1, harness1) = (cpu_seconds(&pid_text), cpu_seconds("self"));
    let steady_hwm_kb = status_kb(pid, "VmHWM");
    let metrics_after = bot.http_get("/metrics").1;
    let steady_events: Vec<&Event> = load.events[events_before..]
        .iter()
        .filter(|e| e.phase == steady_index)
        .collect();
    let steady_questions = steady_events
        .iter()
        .filter(|e| matches!(e.kind, Kind::Question | Kind::FollowUp))
        .count() as u64;
    let steady_events = steady_events.len() as u64;

    // Each step starts from a drained bot; up, it stops at the first step
    // not kept up with; down, at the first one kept up with.
    let steady_kept_up = kept_up(&load.phases[steady_index]);
    let (rates, stop_when) = match &options.ramp {
        Ramp::None => (Vec::new(), false),
        Ramp::Rates(rates) => (rates.clone(), false),
        Ramp::Auto if steady_kept_up => (
            [1.5, 2.0, 2.5, 3.0]
                .iter()
                .map(|f| (options.rate * f).round())
                .collect(),
            false,
        ),
        Ramp::Auto => (
            [0.75, 0.5, 0.35, 0.25, 0.15, 0.1]
                .iter()
                .map(|f| (options.rate * f).round().max(1.0))
                .collect(),
            true,
        ),
    };
    let mut final_drained = steady_drained;
    for (i, rate) in rates.iter().enumerate() {
        eprintln!("[{}] ramp: {rate} questions/s", backend.name());
        let phase = load
            .phase(&format!("ramp {}", i + 1), *rate, options.step)
            .await;
        let ok = kept_up(phase);
        final_drained = load.drain(DRAIN).await;
        if ok == stop_when {
            break;
        }
    }
    // Give a doubled answer or callback the chance to show.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let final_hwm_kb = status_kb(pid, "VmHWM");
    let (verdict, latencies) = examine(&load);
    let log_lines: Vec<String> = bot
        .logs()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_owned)
        .collect();
    let phases = load.phases.clone();
    let steady_rss_max_kb = phases[steady_index].rss_max_kb;
    drop(load);
    drop(bot);
    let mut report = Report {
        variant,
        idle_rss_kb,
        startup_hwm_kb,
        steady_rss_max_kb,
        steady_hwm_kb,
        final_hwm_kb,
        steady_cpu_s: cpu1 - cpu0,
        harness_cpu_s: harness1 - harness0,
        steady_questions,
        steady_events,
        steady_drained,
        final_drained,
        phases,
        verdict,
        latencies,
        histograms: histogram_table(&metrics_before, &metrics_after),
        log_lines,
        text: String::new(),
    };
    report.text = render(&report, &options, steady_index);
    report
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

// ----- the report -------------------------------------------------------------

fn mark(ok: bool) -> &'static str {
    if ok {
        "met"
    } else {
        "**missed**"
    }
}

fn render(r: &Report, options: &Options, steady: usize) -> String {
    let mut out = String::new();
    let s = &r.phases[steady];
    let first = r
        .latencies
        .first
        .get(&(steady, Kind::Question))
        .copied()
        .unwrap_or_default();
    // All events of the steady phase together.
    let achieved = r
        .latencies
        .started_in_phase
        .get(&steady)
        .copied()
        .unwrap_or(0) as f64
        / s.seconds.max(f64::EPSILON);
    let questions_per_s = r.steady_questions as f64 / s.seconds.max(f64::EPSILON);
    let cpu_per_1000 = r.steady_cpu_s / (r.steady_questions.max(1) as f64) * 1000.0;
    let v = &r.verdict;
    let lost = v.threads_missing_answers + v.clicks_without_callback;
    let doubled = v.threads_with_extra_answers + v.clicks_with_second_callback;
    let errors: u64 = v.errors.values().sum();
    let _ = writeln!(out, "## {}\n", r.variant);
    let _ = writeln!(
        out,
        "Steady phase: {:.0} new questions/s offered for {:.0} s, plus the users' reactions \
         ({} events in all, {:.0}/s; questions incl. follow-ups {:.0}/s).\n",
        s.rate,
        s.seconds,
        r.steady_events,
        r.steady_events as f64 / s.seconds,
        questions_per_s
    );
    let _ = writeln!(out, "| measure | figure | target | |\n|---|---|---|---|");
    let kept = r.steady_drained && kept_up(s);
    let _ = writeln!(
        out,
        "| questions/s sustained (new questions started within the phase) | {achieved:.0} (of {:.0} offered; backlog at the end {}) | ≥ 500 | {} |",
        s.rate,
        s.backlog,
        mark(kept && achieved >= 490.0)
    );
    let _ = writeln!(
        out,
        "| question latency p50 / p95 / p99 / max (ms) | {:.2} / {:.2} / {:.2} / {:.2} | p99 < 20 | {} |",
        first.p50,
        first.p95,
        first.p99,
        first.max,
        mark(first.count > 0 && first.p99 < 20.0)
    );
    let _ = writeln!(
        out,
        "| resident memory, idle (VmRSS {} s after connecting) | {:.1} MB | < 25 MB | {} |",
        options.idle,
        mb(r.idle_rss_kb),
        mark(r.idle_rss_kb < 25 * 1024)
    );
    let _ = writeln!(
        out,
        "| resident memory, peak under load (VmHWM after the steady phase; sampled VmRSS max {:.1} MB) | {:.1} MB | < 60 MB | {} |",
        mb(r.steady_rss_max_kb),
        mb(r.steady_hwm_kb),
        mark(r.steady_hwm_kb < 60 * 1024)
    );
    let _ = writeln!(
        out,
        "| CPU seconds per 1,000 questions (bot utime+stime over the steady phase and drain, all events included) | {cpu_per_1000:.3} s ({:.1} s for {} questions) | | |",
        r.steady_cpu_s, r.steady_questions
    );
    let _ = writeln!(
        out,
        "| errors (non-2xx responses; bot log lines at WARN or above) | {errors}; {} | 0 | {} |",
        r.log_lines.len(),
        mark(errors == 0 && r.log_lines.is_empty())
    );
    let _ = writeln!(
        out,
        "| answers expected / received (all phases) | {} / {} | equal | {} |",
        v.answers_expected,
        v.answers_received,
        mark(v.answers_expected == v.answers_received)
    );
    let _ = writeln!(
        out,
        "| lost (threads missing an answer + clicks without callback) | {} + {} | 0 | {} |",
        v.threads_missing_answers,
        v.clicks_without_callback,
        mark(lost == 0)
    );
    let _ = writeln!(
        out,
        "| doubled (threads with an extra answer + clicks called back twice) | {} + {} | 0 | {} |",
        v.threads_with_extra_answers,
        v.clicks_with_second_callback,
        mark(doubled == 0)
    );
    let _ = writeln!(
        out,
        "\nHarness (stand-in + simulated users, same machine) CPU over the steady phase: {:.1} s. \
         Bot VmHWM after start-up {:.1} MB, at the end of the run {:.1} MB. {} requests, {} clicks, \
         {} contract notes (validation off).\n",
        r.harness_cpu_s,
        mb(r.startup_hwm_kb),
        mb(r.final_hwm_kb),
        v.requests,
        v.clicks,
        v.violations
    );

    let _ = writeln!(
        out,
        "Bot-side latency by event, steady phase (ms; dispatch → first REST request received):\n"
    );
    let _ = writeln!(
        out,
        "| event | n | p50 | p95 | p99 | max | no request |\n|---|---|---|---|---|---|---|"
    );
    for kind in Kind::ALL {
        if let Some(stats) = r.latencies.first.get(&(steady, kind)) {
            let _ = writeln!(out, "{}", stats.row(kind.label()));
        }
    }
    if let Some(stats) = r.latencies.answer.get(&steady) {
        let _ = writeln!(
            out,
            "{}",
            stats.row("question → answer posted in the thread (second request)")
        );
    }

    let _ = writeln!(
        out,
        "\nPhases (question latency = dispatch → thread start):\n"
    );
    let _ = writeln!(
        out,
        "| phase | offered q/s | seconds | started in phase /s | backlog at end | p50 ms | p99 ms | max ms | max VmRSS MB |\n|---|---|---|---|---|---|---|---|---|"
    );
    for (i, p) in r.phases.iter().enumerate() {
        let stats = r
            .latencies
            .first
            .get(&(i, Kind::Question))
            .copied()
            .unwrap_or_default();
        let started = r.latencies.started_in_phase.get(&i).copied().unwrap_or(0) as f64;
        let _ = writeln!(
            out,
            "| {} | {:.0} | {:.0} | {:.0} | {} | {:.2} | {:.2} | {:.2} | {:.1} |",
            p.name,
            p.rate,
            p.seconds,
            started / p.seconds.max(f64::EPSILON),
            p.backlog,
            stats.p50,
            stats.p99,
            stats.max,
            mb(p.rss_max_kb)
        );
    }
    let sustained = r
        .phases
        .iter()
        .filter(|p| kept_up(p) && p.name != "warm-up")
        .map(|p| p.rate)
        .fold(0.0, f64::max);
    let _ = writeln!(
        out,
        "\nHighest rate kept up with (at the phase's end, fewer questions waiting than arrive in {KEPT_UP_SECONDS} s): {sustained:.0} questions/s. Drained after steady: {}; after the run: {}.\n",
        r.steady_drained, r.final_drained
    );
    if !v.errors.is_empty() {
        let _ = writeln!(out, "Non-2xx responses:\n");
        for (route, n) in &v.errors {
            let _ = writeln!(out, "- {route}: {n}");
        }
        let _ = writeln!(out);
    }
    if !r.log_lines.is_empty() {
        let _ = writeln!(
            out,
            "Bot log ({} lines at WARN or above), first ones:\n",
            r.log_lines.len()
        );
        for line in r.log_lines.iter().take(5) {
            let _ = writeln!(out, "    {line}");
        }
        let _ = writeln!(out);
    }
    let _ = writeln!(
        out,
        "The bot's own histograms (`/metrics`), steady phase and drain:\n\n{}",
        r.histograms
    );
    out
}

fn main() {
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
    let mut reports = Vec::new();
    for backend in options.backends.clone() {
        let report = runtime.block_on(async {
            match backend {
                Backend::Sqlite => run_backend(backend, options.clone(), None).await,
                Backend::Postgres => {
                    // A fresh database on HELPDESK_TEST_POSTGRES_URL's
                    // server, dropped afterwards (also if the run panics).
                    let database = TestDatabase::create().await;
                    let url = database.url().to_owned();
                    if let Some(setting) = &options.pg_synchronous_commit {
                        set_synchronous_commit(&url, setting).await;
                    }
                    let report = run_backend(backend, options.clone(), Some(url)).await;
                    database.drop_database().await;
                    report
                }
            }
        });
        println!("{}", report.text);
        reports.push(report);
    }

    println!("## Summary against the targets\n");
    println!(
        "| backend | questions/s (offered) | p50 / p95 / p99 / max ms | idle RSS MB | peak RSS MB | CPU s / 1,000 q | errors | lost | doubled |\n|---|---|---|---|---|---|---|---|---|"
    );
    for r in &reports {
        let steady = r
            .phases
            .iter()
            .position(|p| p.name == "steady")
            .unwrap_or(0);
        let s = &r.phases[steady];
        let q = r
            .latencies
            .first
            .get(&(steady, Kind::Question))
            .copied()
            .unwrap_or_default();
        let achieved = r
            .latencies
            .started_in_phase
            .get(&steady)
            .copied()
            .unwrap_or(0) as f64
            / s.seconds.max(f64::EPSILON);
        let v = &r.verdict;
        println!(
            "| {} | {achieved:.0} ({:.0}) | {:.2} / {:.2} / {:.2} / {:.2} | {:.1} | {:.1} | {:.3} | {} | {} | {} |",
            r.variant,
            s.rate,
            q.p50,
            q.p95,
            q.p99,
            q.max,
            mb(r.idle_rss_kb),
            mb(r.steady_hwm_kb),
            r.steady_cpu_s / (r.steady_questions.max(1) as f64) * 1000.0,
            v.errors.values().sum::<u64>() + r.log_lines.len() as u64,
            v.threads_missing_answers + v.clicks_without_callback,
            v.threads_with_extra_answers + v.clicks_with_second_callback,
        );
    }
}
