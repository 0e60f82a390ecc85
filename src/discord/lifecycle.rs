//! Every gateway event passes through here on its way to poise: the shard
//! states behind `/readyz`, one tracing span per handled event (guild,
//! channel, user, and the entry once known), the handler latency histogram,
//! the bookkeeping that lets a shutdown finish the handlers in flight, and
//! the bound on them (`HELPDESK_MAX_IN_FLIGHT`) that keeps a flood from
//! growing a backlog without end.
//!
//! Over the bound, a click, a modal or a slash command waits for a slot
//! for at most [`INTERACTION_WAIT`] (a burst of clicks is served, not
//! refused), then is told that the bot is busy: Discord gives it 3 seconds
//! in all, and the person can simply click again. A question waits for a
//! free slot as long as it takes: it has no deadline, and a late answer is
//! still an answer. What waits is bounded, [`QUEUED_PER_SLOT`] events per
//! slot; past that a click is told at once, and a question is dropped
//! with a warning and a count in `helpdesk_shed_total`, not
//! answered with a "busy" message: such a reply would cost the REST calls
//! the flood is starving (and Discord's per-channel rate limit would hold
//! most of them back anyway), and the dropped question was never stored,
//! so nothing half-done is left behind.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use serenity::all::{
    Client, ConnectionStage, Context as SerenityContext, CreateInteractionResponse,
    CreateInteractionResponseMessage, FullEvent, Interaction,
};
use serenity::framework::Framework;
use tokio::sync::{Notify, Semaphore, SemaphorePermit};
use tracing::{field, warn, Instrument};

use super::redact;
use super::render::no_mentions;
use super::{Data, Error};
use crate::operations::{metric, Health};

/// Events that may wait for a slot, per slot.
pub const QUEUED_PER_SLOT: usize = 4;

/// How long a click, modal or command may wait for a slot, of the 3
/// seconds Discord gives it.
pub const INTERACTION_WAIT: Duration = Duration::from_secs(1);

const BUSY: &str = "I'm busy, please try again in a moment.";

/// Whether the process still takes events, and how many it is handling.
#[derive(Debug)]
pub struct Lifecycle {
    stopping: AtomicBool,
    in_flight: AtomicUsize,
    idle: Notify,
    /// One permit per question, click or command handled at once.
    slots: Semaphore,
    /// Events waiting for a slot, and how many may.
    queued: AtomicUsize,
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

impl Lifecycle {
    /// At most `max_in_flight` questions, clicks and commands at once.
    pub fn new(max_in_flight: usize) -> Self {
        let max_in_flight = max_in_flight.max(1);
        Self {
            stopping: AtomicBool::new(false),
            in_flight: AtomicUsize::new(0),
            idle: Notify::new(),
            slots: Semaphore::new(max_in_flight),
            queued: AtomicUsize::new(0),
            max_queued: max_in_flight.saturating_mul(QUEUED_PER_SLOT),
        }
    }

    /// A slot at once, or `None` if all are taken.
    pub fn try_slot(&self) -> Option<SemaphorePermit<'_>> {
        self.slots.try_acquire().ok()
    }

    /// A slot once one is free (within `limit`, if given), or `None` if
    /// the queue is full or the time is up.
    pub async fn queue_for_slot(&self, limit: Option<Duration>) -> Option<SemaphorePermit<'_>> {
        if let Some(slot) = self.try_slot() {
            return Some(slot);
        }
        if self.queued.fetch_add(1, Ordering::SeqCst) >= self.max_queued {
            self.queued.fetch_sub(1, Ordering::SeqCst);
            return None;
        }
        let slot = match limit {
            None => self.slots.acquire().await.ok(),
            Some(limit) => tokio::time::timeout(limit, self.slots.acquire())
                .await
                .ok()
                .and_then(Result::ok),
        };
        self.queued.fetch_sub(1, Ordering::SeqCst);
        slot
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
    pub inner: poise::Framework<Data, Error>,
    pub lifecycle: Arc<Lifecycle>,
    pub health: Arc<Health>,
}

#[async_trait]
impl Framework for TrackedFramework {
    async fn init(&mut self, client: &Client) {
        self.inner.init(client).await;
    }

    async fn dispatch(&self, ctx: SerenityContext, event: FullEvent) {
        self.track_shards(&ctx, &event);
        let Some(_in_flight) = self.lifecycle.enter() else {
            return;
        };
        let _slot = match load_of(&event) {
            Load::Light => None,
            Load::Question => match self.lifecycle.queue_for_slot(None).await {
                Some(slot) => Some(slot),
                None => {
                    warn!("too many questions in flight and queued; dropping one");
                    metrics::counter!(metric::SHED, "event" => "message").increment(1);
                    return;
                }
            },
            Load::Interaction(interaction) => {
                match self.lifecycle.queue_for_slot(Some(INTERACTION_WAIT)).await {
                    Some(slot) => Some(slot),
                    None => {
                        busy(&ctx, interaction).await;
                        return;
                    }
                }
            }
        };
        let Some((kind, span)) = handler_span(&event) else {
            self.inner.dispatch(ctx, event).await;
            return;
        };
        let started = Instant::now();
        self.inner.dispatch(ctx, event).instrument(span).await;
        metrics::histogram!(metric::HANDLER_DURATION, "event" => kind)
            .record(started.elapsed().as_secs_f64());
    }
}

impl TrackedFramework {
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
    /// Not bounded: quick, or needed to stay connected.
    Light,
    /// A person's message, maybe a question.
    Question,
    /// A click, modal or slash command: answered within 3 seconds or not
    /// at all.
    Interaction(&'a Interaction),
}

fn load_of(event: &FullEvent) -> Load<'_> {
    match event {
        FullEvent::Message { new_message } if !new_message.author.bot => Load::Question,
        FullEvent::InteractionCreate { interaction } => match interaction {
            Interaction::Command(_) | Interaction::Component(_) | Interaction::Modal(_) => {
                Load::Interaction(interaction)
            }
            _ => Load::Light,
        },
        _ => Load::Light,
    }
}

/// Tells the person at once that the bot is too busy for their click,
/// modal or command: one attempt, no store, no retry.
async fn busy(ctx: &SerenityContext, interaction: &Interaction) {
    let (kind, response) = (
        match interaction {
            Interaction::Command(_) => "command",
            Interaction::Component(_) => "component",
            _ => "modal",
        },
        CreateInteractionResponse::Message(
            CreateInteractionResponseMessage::new()
                .content(BUSY)
                .ephemeral(true)
                .allowed_mentions(no_mentions()),
        ),
    );
    metrics::counter!(metric::SHED, "event" => kind).increment(1);
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
fn handler_span(event: &FullEvent) -> Option<(&'static str, tracing::Span)> {
    let (kind, guild, channel, user) = match event {
        FullEvent::Message { new_message } => (
            "message",
            new_message.guild_id.map(|g| g.get()),
            new_message.channel_id.get(),
            new_message.author.id.get(),
        ),
        FullEvent::InteractionCreate { interaction } => {
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
        _ => return None,
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

    #[tokio::test]
    async fn a_stopped_lifecycle_refuses_events_and_drains_the_rest() {
        let lifecycle = Lifecycle::new(1);
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

    #[tokio::test]
    async fn slots_are_bounded_and_so_is_the_queue_for_them() {
        let lifecycle = Arc::new(Lifecycle::new(1));
        let slot = lifecycle.try_slot().expect("a free slot");
        assert!(lifecycle.try_slot().is_none(), "one slot only");
        let (got, mut served) = tokio::sync::mpsc::unbounded_channel();
        for _ in 0..QUEUED_PER_SLOT {
            let (lifecycle, got) = (Arc::clone(&lifecycle), got.clone());
            tokio::spawn(async move {
                let slot = lifecycle.queue_for_slot(None).await;
                let _ = got.send(slot.is_some());
            });
        }
        while lifecycle.queued.load(Ordering::SeqCst) < QUEUED_PER_SLOT {
            tokio::task::yield_now().await;
        }
        assert!(
            lifecycle.queue_for_slot(None).await.is_none(),
            "the queue is full"
        );
        drop(slot);
        for _ in 0..QUEUED_PER_SLOT {
            assert_eq!(served.recv().await, Some(true), "each queued one is served");
        }
    }

    #[tokio::test]
    async fn a_wait_for_a_slot_can_be_limited() {
        let lifecycle = Lifecycle::new(1);
        let _slot = lifecycle.try_slot().expect("a free slot");
        let limit = Duration::from_millis(30);
        let started = Instant::now();
        assert!(lifecycle.queue_for_slot(Some(limit)).await.is_none());
        assert!(started.elapsed() >= limit);
        assert_eq!(lifecycle.queued.load(Ordering::SeqCst), 0, "left the queue");
    }
}
