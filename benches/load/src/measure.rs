//! What is measured: a process's resident memory and CPU time and the
//! machine's from `/proc`, latency percentiles, the bot's own histograms
//! from `/metrics`, and what the stand-in saw of a run (answers and
//! callbacks owed and received, errors, latencies per phase and event);
//! the bot's log, grouped.

use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, SystemTime};

use helpdesk_standin::bot::TEXT;

use crate::workload::{Kind, Load};

/// A `/proc/PID/status` figure in kB (`VmRSS`, `VmHWM`).
pub fn status_kb(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// utime + stime of a process, in seconds.
pub fn cpu_seconds(pid: &str) -> f64 {
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
pub fn machine_ticks() -> (u64, u64, u64) {
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

pub fn clock_ticks() -> f64 {
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

pub fn mb(kb: u64) -> f64 {
    kb as f64 / 1024.0
}

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

// ----- latency statistics -----------------------------------------------------

#[derive(Clone, Copy, Debug, Default)]
pub struct Stats {
    pub count: usize,
    pub missing: usize,
    pub p50: f64,
    pub p95: f64,
    pub p99: f64,
    pub max: f64,
}

impl Stats {
    /// Nearest-rank percentiles of latencies in milliseconds.
    pub fn of(mut values: Vec<f64>, missing: usize) -> Self {
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

    pub fn row(&self, label: &str) -> String {
        format!(
            "| {label} | {} | {:.2} | {:.2} | {:.2} | {:.2} | {} |",
            self.count, self.p50, self.p95, self.p99, self.max, self.missing
        )
    }
}

#[derive(Clone, Debug, Default)]
pub struct Histogram {
    /// (upper bound in seconds, cumulative count)
    pub buckets: Vec<(f64, f64)>,
    pub sum: f64,
    pub count: f64,
}

/// Every `helpdesk_*_seconds` histogram of a Prometheus text page, by
/// name and labels (without `le`).
pub fn parse_histograms(text: &str) -> BTreeMap<String, Histogram> {
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
    pub fn minus(&self, before: Option<&Histogram>) -> Histogram {
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
    pub fn quantile_ms(&self, q: f64) -> f64 {
        let target = q * self.count;
        let mut buckets = self.buckets.clone();
        buckets.sort_by(|a, b| a.0.partial_cmp(&b.0).unwrap_or(Ordering::Equal));
        buckets
            .iter()
            .find(|(_, n)| *n >= target)
            .map_or(f64::INFINITY, |(le, _)| le * 1000.0)
    }
}

// ----- what the stand-in saw --------------------------------------------------

#[derive(Debug, Default)]
pub struct Verdict {
    pub answers_expected: u64,
    pub answers_received: u64,
    pub threads_missing_answers: u64,
    pub threads_with_extra_answers: u64,
    /// Bot messages in the watched channel itself: the apology the bot
    /// posts when it cannot store a question (or a cooldown notice).
    pub apologies: u64,
    pub clicks: u64,
    pub clicks_without_callback: u64,
    pub clicks_with_second_callback: u64,
    /// Non-2xx responses, by "METHOD template status".
    pub errors: BTreeMap<String, u64>,
    pub requests: u64,
    pub violations: usize,
}

/// Latencies (ms) per phase and kind, plus the question → answer-post time.
#[derive(Default)]
pub struct Latencies {
    pub first: BTreeMap<(usize, Kind), Stats>,
    pub answer: BTreeMap<usize, Stats>,
    /// Questions whose first request came by the phase's end.
    pub started_in_phase: BTreeMap<usize, u64>,
}

pub fn numeric_segments(path: &str) -> impl Iterator<Item = u64> + '_ {
    path.split('/').filter_map(|s| s.parse::<u64>().ok())
}

pub fn examine(load: &Load<'_>) -> (Verdict, Latencies) {
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

/// The bot's log lines grouped: timestamps dropped, numbers as `#`.
pub fn summarize_log(log: &str) -> (usize, Vec<(usize, String)>) {
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
