//! Every gateway event passes through here on its way to poise: the shard
//! states behind `/readyz`, one tracing span per handled event (guild,
//! channel, user, and the entry once known), the handler latency histogram,
//! and the bookkeeping that lets a shutdown finish the handlers in flight.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use serenity::all::{Client, ConnectionStage, Context as SerenityContext, FullEvent, Interaction};
use serenity::framework::Framework;
use tokio::sync::Notify;
use tracing::{field, Instrument};

use super::{Data, Error};
use crate::operations::{metric, Health};

/// Whether the process still takes events, and how many it is handling.
#[derive(Debug, Default)]
pub struct Lifecycle {
    stopping: AtomicBool,
    in_flight: AtomicUsize,
    idle: Notify,
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
        let lifecycle = Lifecycle::default();
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
}
