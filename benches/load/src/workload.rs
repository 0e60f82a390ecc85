//! The simulated users: the held-out questions they ask, the phases they
//! ask them in (open loop, at a fixed rate), how they react to answers
//! (votes, "Help me choose" and a dialogue step, follow-ups), the drain
//! after each phase, and the burst.

use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashMap, HashSet};
use std::path::Path;
use std::time::{Duration, Instant, SystemTime};

use helpdesk::discord::custom_id::Action;
use helpdesk_standin::bot::TEXT;
use helpdesk_standin::rng::Rng;
use helpdesk_standin::{MessageSpec, StandIn, StoredMessage, UserSpec};

use crate::measure::{cpu_seconds, machine_ticks, ms, numeric_segments, status_kb, Stats};
use crate::options::Options;

/// A phase is kept up with if, at its end, fewer questions wait for their
/// answer than arrive in this many seconds.
pub const KEPT_UP_SECONDS: f64 = 0.25;

pub fn kept_up(phase: &Phase) -> bool {
    phase.backlog as f64 <= phase.rate * KEPT_UP_SECONDS
}

/// The held-out questions the matcher is measured on: realistic wording,
/// in and out of scope.
pub fn heldout_questions() -> Vec<String> {
    let path = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/data/heldout.jsonl"
    ));
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    text.lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            let value: serde_json::Value = serde_json::from_str(line).expect("a JSON line");
            value["question"].as_str().expect("a question").to_owned()
        })
        .collect()
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Question,
    FollowUp,
    Vote,
    Choose,
    DialogueStep,
}

impl Kind {
    pub const ALL: [Kind; 5] = [
        Kind::Question,
        Kind::FollowUp,
        Kind::Vote,
        Kind::Choose,
        Kind::DialogueStep,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Self::Question => "question (MESSAGE_CREATE → thread start)",
            Self::FollowUp => "follow-up in the thread (MESSAGE_CREATE → answer post)",
            Self::Vote => "vote click (INTERACTION_CREATE → callback)",
            Self::Choose => "\"Help me choose\" click (→ callback)",
            Self::DialogueStep => "dialogue step click (→ callback)",
        }
    }

    pub fn is_click(self) -> bool {
        matches!(self, Self::Vote | Self::Choose | Self::DialogueStep)
    }
}

/// One event the stand-in dispatched for a simulated user.
pub struct Event {
    pub kind: Kind,
    /// The message id (questions, follow-ups) or interaction id (clicks).
    pub key: u64,
    /// The thread it belongs to (the question's id).
    pub thread: u64,
    pub t0: SystemTime,
    pub phase: usize,
}

pub struct Thread {
    pub asker: usize,
    /// Answers the bot owes in this thread: 1, plus 1 per follow-up.
    pub expected: u32,
    /// Answers seen so far (bot messages with an embed, not interaction
    /// responses).
    pub seen: u32,
}

/// What a simulated user does after a think time.
pub enum Reaction {
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

pub struct Pending {
    pub due: Instant,
    pub seq: u64,
    pub action: Reaction,
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
pub struct Phase {
    pub name: String,
    pub rate: f64,
    pub seconds: f64,
    pub end: SystemTime,
    /// This phase's questions and follow-ups not yet answered when it
    /// ended.
    pub backlog: u64,
    pub rss_max_kb: u64,
    /// Questions and follow-ups sent in the phase.
    pub questions: u64,
    /// Every event sent in the phase (questions and reactions).
    pub events: u64,
    /// utime + stime during the phase: the bot's, and this process's (the
    /// stand-in and the simulated users).
    pub bot_cpu_s: f64,
    pub harness_cpu_s: f64,
    /// Share of the machine's CPU time busy, and waiting for the disk,
    /// during the phase (every process: bot, harness, PostgreSQL, others).
    pub machine_busy: f64,
    pub machine_iowait: f64,
}

/// How users react to an answer.
pub const VOTE_SHARE: f64 = 0.4;
pub const HELPFUL_SHARE: f64 = 0.85;
pub const CHOOSE_SHARE: f64 = 0.5;
pub const FOLLOW_UP_SHARE: f64 = 0.1;
/// How long to wait, at most, for the last answers and callbacks after a
/// phase; and how long without any progress before what is left is
/// counted as lost.
pub const DRAIN: Duration = Duration::from_secs(180);
pub const STALLED: Duration = Duration::from_secs(10);
pub const SCAN_EVERY: Duration = Duration::from_millis(20);
pub const SAMPLE_EVERY: Duration = Duration::from_millis(100);

pub struct Load<'a> {
    pub standin: &'a StandIn,
    pub pid: u32,
    pub guild: u64,
    pub bot_id: u64,
    pub users: Vec<UserSpec>,
    pub questions: Vec<String>,
    pub rng: Rng,
    pub events: Vec<Event>,
    pub threads: HashMap<u64, Thread>,
    /// "Help me choose" interactions → the asker, to click the first step.
    pub chooses: HashMap<u64, usize>,
    pub pending: BinaryHeap<Pending>,
    pub seq: u64,
    pub last_seen: u64,
    /// Answers owed and not seen yet.
    pub outstanding: u64,
    /// Clicks without a callback seen yet (checked while draining).
    pub open_clicks: Vec<u64>,
    pub reacting: bool,
    pub phases: Vec<Phase>,
}

impl<'a> Load<'a> {
    pub fn new(standin: &'a StandIn, pid: u32, options: &Options) -> Self {
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
            rng: Rng::new(options.seed),
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

    pub fn question(&mut self) -> &str {
        let i = self.rng.below(self.questions.len());
        &self.questions[i]
    }

    /// A new question in the watched channel.
    pub fn ask(&mut self, phase: usize) {
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

    pub fn perform(&mut self, action: Reaction, phase: usize) {
        match action {
            Reaction::FollowUp { thread, asker } => {
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
            Reaction::Click {
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

    pub fn schedule(&mut self, action: Reaction) {
        let think = Duration::from_secs_f64(0.5 + 1.5 * self.rng.unit());
        self.seq += 1;
        self.pending.push(Pending {
            due: Instant::now() + think,
            seq: self.seq,
            action,
        });
    }

    /// Looks at the bot's new messages: counts answers and lets users react.
    pub fn scan(&mut self) {
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
                        let step = message.custom_ids().into_iter().find(|id| {
                            matches!(Action::parse(id), Ok(Action::DialogueAnswer { .. }))
                        });
                        if let (Some(custom_id), true) = (step, self.reacting) {
                            self.schedule(Reaction::Click {
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

    pub fn react_to_answer(&mut self, answer: &StoredMessage, asker: usize) {
        let ids = answer.custom_ids();
        let actions: Vec<(&String, Action)> = ids
            .iter()
            .filter_map(|id| Some((id, Action::parse(id).ok()?)))
            .collect();
        let vote = actions.iter().find_map(|(_, action)| match action {
            Action::Vote { answer, .. } => Some(*answer),
            _ => None,
        });
        if let Some(answer_id) = vote {
            if self.rng.chance(VOTE_SHARE) {
                let helpful = self.rng.chance(HELPFUL_SHARE);
                let custom_id = Action::Vote {
                    answer: answer_id,
                    helpful,
                }
                .encode();
                self.schedule(Reaction::Click {
                    kind: Kind::Vote,
                    user: asker,
                    channel: answer.channel_id,
                    message: answer.id,
                    custom_id,
                });
            }
        }
        let choose = actions
            .iter()
            .find(|(_, action)| matches!(action, Action::Choose { .. }));
        if let Some((choose, _)) = choose {
            if self.rng.chance(CHOOSE_SHARE) {
                self.schedule(Reaction::Click {
                    kind: Kind::Choose,
                    user: asker,
                    channel: answer.channel_id,
                    message: answer.id,
                    custom_id: (*choose).clone(),
                });
            }
        }
        // Follow-ups only after real answers: an unanswered question's
        // escalation posts in the thread too, and would blur the latency.
        if vote.is_some() && self.rng.chance(FOLLOW_UP_SHARE) {
            self.schedule(Reaction::FollowUp {
                thread: answer.channel_id,
                asker,
            });
        }
    }

    /// Sends questions at `rate` per second for `seconds`, open loop, and
    /// the users' reactions as they fall due.
    pub async fn phase(&mut self, name: &str, rate: f64, seconds: f64) -> &Phase {
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
    pub async fn drain(&mut self) -> bool {
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

/// How a burst went for one bot.
pub struct Burst {
    pub who: String,
    pub sent: u64,
    /// Questions whose thread got the bot's answer (helpdesk: an embed;
    /// the bare bot: its one reply).
    pub answered: u64,
    /// Questions helpdesk set aside with its "swamped" reply.
    pub set_aside: u64,
    /// Questions with no reply in their thread when the wait ended.
    pub without_reply: u64,
    /// From the first question dispatched to the last answer posted.
    pub seconds: f64,
    /// Question dispatched → answer posted in its thread, ms.
    pub latency: Stats,
    /// The bot's VmHWM after the burst (0 for the bare bot, which runs in
    /// its own process too but is not measured).
    pub hwm_kb: u64,
}

impl Burst {
    /// Answers per second over the whole burst.
    pub fn rate(&self) -> f64 {
        self.answered as f64 / self.seconds.max(f64::EPSILON)
    }
}

/// Sends `count` questions from `count` different people, evenly spread
/// over `seconds`, and waits until each has a reply in its thread (or
/// nothing moved for [`STALLED`]).
pub async fn burst(standin: &StandIn, who: &str, count: usize, seconds: f64, seed: u64) -> Burst {
    let questions = heldout_questions();
    let mut rng = Rng::new(seed);
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
    let threads: HashSet<u64> = sent.iter().map(|(id, _)| *id).collect();
    let replied = || {
        let mut replied = HashSet::new();
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
    let mut with_reply = HashSet::new();
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
