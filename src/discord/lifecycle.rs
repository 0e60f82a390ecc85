//! Every gateway event passes through here on its way to poise (or, for a
//! question's message, straight to the handler poise would call): the
//! shard states behind `/readyz`, one tracing span per handled event
//! (guild, channel, user, and the entry once known), the handler latency
//! histogram, the bookkeeping that lets a shutdown finish the handlers in
//! flight, and the bound on them (`HELPDESK_MAX_IN_FLIGHT`).
//!
//! A flood makes the bot slower, never silent. Messages that can never be
//! questions (from a bot, a webhook or Discord itself, empty, or of a kind
//! other than a plain message or a reply) are dropped first, before they
//! take a slot, a place in the queue or a database call; so are messages
//! from a server not served, and chatter in a plain channel that is
//! neither watched nor mentions the bot ([`super::messages::worth_a_look`]). A question that
//! finds every slot taken waits its turn, oldest first, however long that
//! takes: it has no deadline, and a late answer is still an answer. What
//! waits is bounded by memory, not by slots: `HELPDESK_MAX_QUEUED` events
//! (default 20,000). Even past that bound a question is not dropped: it is
//! recorded as unanswered for the support team, and its asker is told so
//! in a thread ([`super::swamped`]); `helpdesk_busy_total{event="message"}`
//! counts them.
//!
//! A click, a modal or a slash command waits for a slot for at most
//! [`INTERACTION_WAIT`] (a burst of clicks is served, not refused), then is
//! told that the bot is busy (`helpdesk_busy_total{event}`): Discord gives
//! it 3 seconds in all, and the person can simply click again. It does not
//! wait behind the queued questions: those take turns in a line of their
//! own, and only the first in that line competes with clicks for the next
//! free slot. A waiting click is not acknowledged early with a deferred
//! response instead: its handlers send the interaction's one callback
//! themselves (a vote updates the answer's message, a dialogue step
//! replaces the step, "Suggest an improvement" opens a modal, poise
//! answers a command), and a callback sent before them would turn each of
//! those into a follow-up or an edit, a different flow for every handler.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use async_trait::async_trait;
use serenity::all::{
    Client, ConnectionStage, Context as SerenityContext, CreateInteractionResponse,
    CreateInteractionResponseMessage, FullEvent, Interaction, Message,
};
use serenity::framework::Framework;
use tokio::sync::{Mutex, Notify, Semaphore, SemaphorePermit};
use tracing::{field, warn, Instrument};

use super::catch_up;
use super::messages::{self, could_be_a_question};
use super::redact;
use super::render::no_mentions;
use super::swamped;
use super::{Data, Error};
use crate::operations::{metric, Health};

/// How long a click, modal or command may wait for a slot, of the 3
/// seconds Discord gives it.
pub const INTERACTION_WAIT: Duration = Duration::from_secs(1);

/// Whether the process still takes events, and how many it is handling.
#[derive(Debug)]
pub struct Lifecycle {
    stopping: AtomicBool,
    in_flight: AtomicUsize,
    idle: Notify,
    /// One permit per question, click or command handled at once.
    slots: Semaphore,
    /// Where questions wait their turn for a slot. tokio's `Mutex` and
    /// `Semaphore` are both fair (first come, first served), so questions
    /// are answered oldest first, and a click waits behind at most the
    /// one question at the head of the line.
    line: Mutex<()>,
    /// Events waiting for a slot, and how many may.
    waiting: AtomicUsize,
    max_queued: usize,
}

/// Held while one event is handled.
pub struct InFlight<'a>(&'a Lifecycle);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        if self.0.in_flight.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.0.idle.notify_waiters();
        }
    }
}

/// A place among the events waiting for a slot, given up when dropped
/// (also when the wait is cut short).
struct Waiting<'a>(&'a Lifecycle);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        let waiting = self.0.waiting.fetch_sub(1, Ordering::SeqCst) - 1;
        metrics::gauge!(metric::WAITING).set(waiting as f64);
    }
}

impl Lifecycle {
    /// At most `max_in_flight` questions, clicks and commands at once, and
    /// at most `max_queued` waiting for their turn.
    pub fn new(max_in_flight: usize, max_queued: usize) -> Self {
        Self {
            stopping: AtomicBool::new(false),
            in_flight: AtomicUsize::new(0),
            idle: Notify::new(),
            slots: Semaphore::new(max_in_flight.max(1)),
            line: Mutex::new(()),
            waiting: AtomicUsize::new(0),
            max_queued,
        }
    }

    /// A slot at once, or `None` if all are taken.
    pub fn try_slot(&self) -> Option<SemaphorePermit<'_>> {
        self.slots.try_acquire().ok()
    }

    /// A place in the queue, or `None` if it is full.
    fn wait(&self) -> Option<Waiting<'_>> {
        let waiting = self.waiting.fetch_add(1, Ordering::SeqCst);
        let place = Waiting(self);
        if waiting >= self.max_queued {
            return None;
        }
        metrics::gauge!(metric::WAITING).set((waiting + 1) as f64);
        Some(place)
    }

    /// A slot for a question once it is its turn, however long that
    /// takes, or `None` at once if the queue is full.
    pub async fn slot_for_question(&self) -> Option<SemaphorePermit<'_>> {
        // The line is free only when nobody waits in it (a released
        // `Mutex` passes straight to the next waiter), so a question that
        // takes a free slot here overtakes nobody.
        if let Ok(_turn) = self.line.try_lock() {
            if let Some(slot) = self.try_slot() {
                return Some(slot);
            }
        }
        let _place = self.wait()?;
        let _turn = self.line.lock().await;
        self.slots.acquire().await.ok()
    }

    /// A slot for a click, modal or command within `limit`, or `None` if
    /// the queue is full or the time is up.
    pub async fn slot_for_interaction(&self, limit: Duration) -> Option<SemaphorePermit<'_>> {
        if let Some(slot) = self.try_slot() {
            return Some(slot);
        }
        let _place = self.wait()?;
        tokio::time::timeout(limit, self.slots.acquire())
            .await
            .ok()
            .and_then(Result::ok)
    }

    /// Starts handling an event, unless the process is stopping.
    pub fn enter(&self) -> Option<InFlight<'_>> {
        self.in_flight.fetch_add(1, Ordering::SeqCst);
        let guard = InFlight(self);
        // Checked after counting, so `drain` never misses a handler that
        // slipped in while it was starting.
        (!self.stopping.load(Ordering::SeqCst)).then_some(guard)
    }

    /// Refuses events from now on.
    pub fn stop(&self) {
        self.stopping.store(true, Ordering::SeqCst);
    }

    pub fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::SeqCst)
    }

    /// Waits until no handler runs, for at most `limit`; false on timeout.
    pub async fn drain(&self, limit: Duration) -> bool {
        tokio::time::timeout(limit, async {
            loop {
                let idle = self.idle.notified();
                if self.in_flight() == 0 {
                    return;
                }
                idle.await;
            }
        })
        .await
        .is_ok()
    }
}

/// poise's framework, wrapped.
pub struct TrackedFramework {
    inner: poise::Framework<Data, Error>,
    lifecycle: Arc<Lifecycle>,
    health: Arc<Health>,
    /// Whether some command is invoked by a message: only then does poise
    /// do more with a message than hand it to [`super::on_event`].
    messages_to_poise: bool,
}

#[async_trait]
impl Framework for TrackedFramework {
    async fn init(&mut self, client: &Client) {
        self.inner.init(client).await;
    }

    // Not an `async fn`: the future made here is allocated for every event
    // as it arrives, and a flood's questions all hold theirs while they
    // wait for a slot. A `FullEvent` takes about 4 KB whatever it holds,
    // and an `async fn` would keep it twice (the argument, then the local
    // it is moved to); the future holds a boxed message or event instead,
    // and an ignored event (the bot's own replies among them) none at all.
    fn dispatch<'life0, 'async_trait>(
        &'life0 self,
        ctx: SerenityContext,
        event: FullEvent,
    ) -> Pin<Box<dyn Future<Output = ()> + Send + 'async_trait>>
    where
        'life0: 'async_trait,
        Self: 'async_trait,
    {
        self.track_shards(&ctx, &event);
        if let FullEvent::Ready { data_about_bot } = &event {
            let shard = data_about_bot.shard;
            return Box::pin(self.begin_session(ctx, event, shard));
        }
        let held = Held::new(event);
        if matches!(load_of(&held), Load::Ignored) {
            return Box::pin(std::future::ready(()));
        }
        Box::pin(self.handle(ctx, held))
    }
}

impl TrackedFramework {
    pub fn new(
        inner: poise::Framework<Data, Error>,
        lifecycle: Arc<Lifecycle>,
        health: Arc<Health>,
    ) -> Self {
        let messages_to_poise = invoked_by_messages(&inner.options().commands);
        Self {
            inner,
            lifecycle,
            health,
            messages_to_poise,
        }
    }

    /// One event the bot acts on: bounded by the slots and the queue
    /// (questions and interactions), then handed on ([`Self::hand_over`]).
    async fn handle(&self, ctx: SerenityContext, held: Held) {
        let load = load_of(&held);
        let asker_data = match load {
            Load::Question(message) => {
                let data = self.inner.user_data().await;
                if !messages::worth_a_look(&ctx, data, message) {
                    return;
                }
                Some(data)
            }
            _ => None,
        };
        let Some(_in_flight) = self.lifecycle.enter() else {
            return;
        };
        let tracked = handler_span(&held);
        // Every branch that does more than wait is boxed, so that the
        // future of an event waiting for a slot holds the wait alone.
        let _slot = match load {
            Load::Ignored | Load::Light => None,
            Load::Question(message) => match self.lifecycle.slot_for_question().await {
                Some(slot) => Some(slot),
                None => {
                    let Some(data) = asker_data else { return };
                    let span = tracked.map_or_else(tracing::Span::none, |(_, span)| span);
                    Box::pin(swamped::set_aside(&ctx, data, message))
                        .instrument(span)
                        .await;
                    return;
                }
            },
            Load::Interaction(interaction) => {
                match self.lifecycle.slot_for_interaction(INTERACTION_WAIT).await {
                    Some(slot) => Some(slot),
                    None => {
                        let data = self.inner.user_data().await;
                        Box::pin(busy(&ctx, data, interaction)).await;
                        return;
                    }
                }
            }
        };
        let handled = self.hand_over(ctx, held, asker_data);
        let Some((kind, span)) = tracked else {
            handled.await;
            return;
        };
        let started = Instant::now();
        handled.instrument(span).await;
        metrics::histogram!(metric::HANDLER_DURATION, "event" => kind)
            .record(started.elapsed().as_secs_f64());
    }

    /// poise's dispatch of an event; for a question's message, when no
    /// command is invoked by messages, [`super::on_event`] straight away:
    /// all that poise would do with it, without poise's future (about 36 KB,
    /// most of it room for running commands) for each question in flight.
    fn hand_over<'a>(
        &'a self,
        ctx: SerenityContext,
        held: Held,
        asker_data: Option<&'a Data>,
    ) -> Pin<Box<dyn Future<Output = ()> + Send + 'a>> {
        match (held, asker_data) {
            (Held::Message(message), Some(data)) if !self.messages_to_poise => {
                Box::pin(async move {
                    let event = FullEvent::Message {
                        new_message: *message,
                    };
                    super::on_event(&ctx, &event, data).await;
                })
            }
            (held, _) => self.inner.dispatch(ctx, held.into_event()),
        }
    }

    /// A new session (READY): poise's own handling, then the questions the
    /// session missed ([`catch_up`]).
    async fn begin_session(
        &self,
        ctx: SerenityContext,
        ready: FullEvent,
        shard: Option<serenity::all::ShardInfo>,
    ) {
        // What was posted before this moment did not reach this session;
        // what comes after arrives over the gateway.
        let began = SystemTime::now();
        Box::pin(self.inner.dispatch(ctx.clone(), ready)).await;
        let data = self.inner.user_data().await;
        Box::pin(catch_up::catch_up(&ctx, data, shard, began)).await;
        // Connecting and reading back leave parsed payloads freed behind.
        crate::operations::return_free_memory();
    }

    fn track_shards(&self, ctx: &SerenityContext, event: &FullEvent) {
        match event {
            FullEvent::Ready { data_about_bot } => {
                let total = data_about_bot.shard.map_or(1, |shard| shard.total);
                self.health.shard_ready(ctx.shard_id.0, total);
            }
            FullEvent::ShardStageUpdate { event } => {
                if event.new == ConnectionStage::Connected {
                    self.health.shard_connected(event.shard_id.0);
                } else {
                    self.health.shard_disconnected(event.shard_id.0);
                }
            }
            _ => {}
        }
    }
}

/// What handling an event costs.
enum Load<'a> {
    /// Nothing the bot acts on: dropped before anything else.
    Ignored,
    /// Not bounded: quick, or needed to stay connected.
    Light,
    /// A person's message, maybe a question.
    Question(&'a Message),
    /// A click, modal or slash command: answered within 3 seconds or not
    /// at all.
    Interaction(&'a Interaction),
}

/// Whether any of `commands` (or their subcommands) runs from a message.
fn invoked_by_messages(commands: &[poise::Command<Data, Error>]) -> bool {
    commands
        .iter()
        .any(|command| command.prefix_action.is_some() || invoked_by_messages(&command.subcommands))
}

/// An event waiting for its turn, on the heap: a message alone (a third
/// of a `FullEvent`), or the whole event.
enum Held {
    Message(Box<Message>),
    Other(Box<FullEvent>),
}

impl Held {
    fn new(event: FullEvent) -> Self {
        match event {
            FullEvent::Message { new_message } => Self::Message(Box::new(new_message)),
            other => Self::Other(Box::new(other)),
        }
    }

    fn into_event(self) -> FullEvent {
        match self {
            Self::Message(message) => FullEvent::Message {
                new_message: *message,
            },
            Self::Other(event) => *event,
        }
    }
}

fn load_of(held: &Held) -> Load<'_> {
    match held {
        Held::Message(message) if could_be_a_question(message) => Load::Question(message),
        Held::Message(_) => Load::Ignored,
        Held::Other(event) => match &**event {
            FullEvent::InteractionCreate { interaction } => match interaction {
                Interaction::Command(_) | Interaction::Component(_) | Interaction::Modal(_) => {
                    Load::Interaction(interaction)
                }
                _ => Load::Light,
            },
            _ => Load::Light,
        },
    }
}

/// Tells the person at once, in their language, that the bot is too busy
/// for their click, modal or command: one attempt, no store, no retry.
async fn busy(ctx: &SerenityContext, data: &Data, interaction: &Interaction) {
    let locale = match interaction {
        Interaction::Command(command) => command.locale.as_str(),
        Interaction::Component(component) => component.locale.as_str(),
        Interaction::Modal(modal) => modal.locale.as_str(),
        _ => "",
    };
    let language = super::locale::personal(data, locale, None);
    let (kind, response) = (
        match interaction {
            Interaction::Command(_) => "command",
            Interaction::Component(_) => "component",
            _ => "modal",
        },
        CreateInteractionResponse::Message(
            CreateInteractionResponseMessage::new()
                .content(crate::text!(language, "busy"))
                .ephemeral(true)
                .allowed_mentions(no_mentions()),
        ),
    );
    metrics::counter!(metric::BUSY, "event" => kind).increment(1);
    let sent = match interaction {
        Interaction::Command(command) => command.create_response(&ctx.http, response).await,
        Interaction::Component(component) => component.create_response(&ctx.http, response).await,
        Interaction::Modal(modal) => modal.create_response(&ctx.http, response).await,
        _ => Ok(()),
    };
    if let Err(error) = sent {
        warn!(error = %redact::chain(&error), kind, "could not say the bot is busy");
    } else {
        warn!(
            kind,
            "too many events in flight; told the person to try again"
        );
    }
}

/// The span and metric label of the events the bot acts on.
fn handler_span(held: &Held) -> Option<(&'static str, tracing::Span)> {
    let (kind, guild, channel, user) = match held {
        Held::Message(message) => (
            "message",
            message.guild_id.map(|g| g.get()),
            message.channel_id.get(),
            message.author.id.get(),
        ),
        Held::Other(event) => {
            let FullEvent::InteractionCreate { interaction } = &**event else {
                return None;
            };
            let kind = match interaction {
                Interaction::Command(_) => "command",
                Interaction::Component(_) => "component",
                Interaction::Modal(_) => "modal",
                Interaction::Autocomplete(_) => "autocomplete",
                _ => return None,
            };
            let (channel, user) = match interaction {
                Interaction::Command(i) | Interaction::Autocomplete(i) => (i.channel_id, &i.user),
                Interaction::Component(i) => (i.channel_id, &i.user),
                Interaction::Modal(i) => (i.channel_id, &i.user),
                _ => return None,
            };
            (
                kind,
                interaction.guild_id().map(|g| g.get()),
                channel.get(),
                user.id.get(),
            )
        }
    };
    let span = tracing::info_span!("event", kind, guild, channel, user, entry = field::Empty);
    Some((kind, span))
}

/// Names the knowledge entry the current event is about, in its span.
pub fn record_entry(entry: &str) {
    tracing::Span::current().record("entry", entry);
}

#[cfg(test)]
mod tests {
    use super::*;
    use serenity::all::MessageType;

    #[test]
    fn messages_go_to_poise_only_when_a_command_runs_from_one() {
        assert!(
            !invoked_by_messages(&crate::discord::commands::all()),
            "helpdesk's own commands are slash commands"
        );
        let from_a_message = || poise::Command::<Data, Error> {
            prefix_action: Some(|_| Box::pin(async { Ok(()) })),
            ..Default::default()
        };
        assert!(invoked_by_messages(&[from_a_message()]));
        let parent = poise::Command {
            subcommands: vec![from_a_message()],
            ..Default::default()
        };
        assert!(invoked_by_messages(&[parent]));
    }

    #[tokio::test]
    async fn a_stopped_lifecycle_refuses_events_and_drains_the_rest() {
        let lifecycle = Lifecycle::new(1, 0);
        let running = lifecycle.enter().expect("accepting");
        lifecycle.stop();
        assert!(lifecycle.enter().is_none(), "no new events after stop");
        assert_eq!(lifecycle.in_flight(), 1);
        assert!(!lifecycle.drain(Duration::from_millis(20)).await);

        let (drained, ()) = tokio::join!(lifecycle.drain(Duration::from_secs(2)), async {
            tokio::time::sleep(Duration::from_millis(20)).await;
            drop(running);
        });
        assert!(drained, "drain returns once the last handler finishes");
        assert_eq!(lifecycle.in_flight(), 0);
    }

    fn waiting(lifecycle: &Lifecycle) -> usize {
        lifecycle.waiting.load(Ordering::SeqCst)
    }

    /// Waits until `count` events wait for a slot.
    async fn until_waiting(lifecycle: &Lifecycle, count: usize) {
        while waiting(lifecycle) != count {
            tokio::task::yield_now().await;
        }
    }

    /// Queues a question (or, with `click`, a click) that reports `name`
    /// once served and then frees its slot.
    fn queue(
        lifecycle: &Arc<Lifecycle>,
        served: &tokio::sync::mpsc::UnboundedSender<&'static str>,
        name: &'static str,
        click: bool,
    ) {
        let (lifecycle, served) = (Arc::clone(lifecycle), served.clone());
        tokio::spawn(async move {
            let slot = if click {
                lifecycle
                    .slot_for_interaction(Duration::from_secs(10))
                    .await
            } else {
                lifecycle.slot_for_question().await
            };
            assert!(slot.is_some(), "{name} served");
            let _ = served.send(name);
        });
    }

    #[tokio::test]
    async fn questions_are_served_oldest_first_and_only_the_queue_is_bounded() {
        let lifecycle = Arc::new(Lifecycle::new(1, 3));
        let slot = lifecycle.try_slot().expect("a free slot");
        assert!(lifecycle.try_slot().is_none(), "one slot only");
        let (served, mut order) = tokio::sync::mpsc::unbounded_channel();
        for (i, name) in ["first", "second", "third"].into_iter().enumerate() {
            queue(&lifecycle, &served, name, false);
            until_waiting(&lifecycle, i + 1).await;
        }
        let started = Instant::now();
        assert!(
            lifecycle.slot_for_question().await.is_none(),
            "the queue is full"
        );
        assert!(started.elapsed() < Duration::from_secs(1), "told at once");
        assert_eq!(waiting(&lifecycle), 3, "the refused one left no place");
        drop(served);
        drop(slot);
        for expected in ["first", "second", "third"] {
            assert_eq!(order.recv().await, Some(expected));
        }
        until_waiting(&lifecycle, 0).await;
        assert!(lifecycle.try_slot().is_some(), "the slot is free again");
    }

    #[tokio::test]
    async fn a_click_waits_behind_the_first_question_in_line_only() {
        let lifecycle = Arc::new(Lifecycle::new(1, 10));
        let slot = lifecycle.try_slot().expect("a free slot");
        let (served, mut order) = tokio::sync::mpsc::unbounded_channel();
        for (i, name) in ["question 1", "question 2", "question 3"]
            .into_iter()
            .enumerate()
        {
            queue(&lifecycle, &served, name, false);
            until_waiting(&lifecycle, i + 1).await;
        }
        queue(&lifecycle, &served, "click", true);
        until_waiting(&lifecycle, 4).await;
        drop(served);
        drop(slot);
        let mut got = Vec::new();
        for _ in 0..4 {
            got.push(order.recv().await.expect("served"));
        }
        assert_eq!(got, ["question 1", "click", "question 2", "question 3"]);
    }

    #[tokio::test]
    async fn a_question_takes_a_free_slot_without_queueing_even_with_no_queue() {
        let lifecycle = Lifecycle::new(2, 0);
        let first = lifecycle.slot_for_question().await;
        let second = lifecycle.slot_for_question().await;
        assert!(first.is_some() && second.is_some());
        assert!(lifecycle.slot_for_question().await.is_none(), "no queue");
        assert_eq!(waiting(&lifecycle), 0);
    }

    #[tokio::test]
    async fn a_wait_for_a_slot_can_be_limited() {
        let lifecycle = Lifecycle::new(1, 5);
        let _slot = lifecycle.try_slot().expect("a free slot");
        let limit = Duration::from_millis(30);
        let started = Instant::now();
        assert!(lifecycle.slot_for_interaction(limit).await.is_none());
        assert!(started.elapsed() >= limit);
        assert_eq!(waiting(&lifecycle), 0, "left the queue");
    }

    #[tokio::test]
    async fn a_click_finding_the_queue_full_is_refused_at_once() {
        let lifecycle = Lifecycle::new(1, 0);
        let _slot = lifecycle.try_slot().expect("a free slot");
        let started = Instant::now();
        assert!(lifecycle
            .slot_for_interaction(Duration::from_secs(5))
            .await
            .is_none());
        assert!(started.elapsed() < Duration::from_secs(1));
    }

    #[test]
    fn only_a_persons_plain_message_or_reply_with_text_may_be_a_question() {
        let person = || {
            let mut message = Message::default();
            message.content = "how do I set up IMAP?".to_owned();
            message
        };
        assert!(could_be_a_question(&person()));
        let mut reply = person();
        reply.kind = MessageType::InlineReply;
        assert!(could_be_a_question(&reply));

        let mut from_bot = person();
        from_bot.author.bot = true;
        let mut from_system = person();
        from_system.author.system = true;
        let mut from_webhook = person();
        from_webhook.webhook_id = Some(serenity::all::WebhookId::new(7));
        let mut empty = person();
        empty.content = " \n\t".to_owned();
        let mut pinned = person();
        pinned.kind = MessageType::PinsAdd;
        let mut thread_started = person();
        thread_started.kind = MessageType::ThreadCreated;
        for (what, message) in [
            ("a bot's", from_bot),
            ("a system message", from_system),
            ("a webhook's", from_webhook),
            ("an empty one", empty),
            ("a pin notice", pinned),
            ("a thread notice", thread_started),
        ] {
            assert!(!could_be_a_question(&message), "{what}");
        }
    }
}
