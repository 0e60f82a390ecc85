//! The Discord front end: serenity 0.12 with poise 0.6 for the slash
//! commands.
//!
//! Events become [`crate::assistant`] calls and their results become
//! threads, embeds and components. The HTTP client is built in exactly one
//! place ([`build_http`]) from the configured API base, so production,
//! proxies and the tests' local stand-in share one code path.

mod commands;
mod components;
pub mod cooldown;
pub mod custom_id;
mod lifecycle;
mod messages;
pub mod redact;
pub mod render;
mod retry;
mod swamped;
mod triage;

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use anyhow::Context as _;
use metrics_exporter_prometheus::PrometheusHandle;

use serenity::all::{
    ChannelId, ClientBuilder, Context as SerenityContext, FullEvent, GatewayIntents, Http,
    HttpBuilder, Interaction, UserId,
};
use tracing::{error, info, warn};

use crate::assistant::Assistant;
use crate::config::Config;
use crate::knowledge::Knowledge;
use crate::operations::{self, Health};
use lifecycle::Lifecycle;

pub type Error = anyhow::Error;
pub type Context<'a> = poise::Context<'a, Data, Error>;

/// The bot's shared state, one per process.
pub struct Data {
    pub assistant: Arc<Assistant>,
    pub config: Arc<Config>,
    cooldown: cooldown::Cooldown,
    bot_id: OnceLock<UserId>,
}

impl Data {
    pub fn new(assistant: Arc<Assistant>, config: Arc<Config>) -> Self {
        Self {
            cooldown: cooldown::Cooldown::new(config.cooldown_questions, config.cooldown_window),
            assistant,
            config,
            bot_id: OnceLock::new(),
        }
    }

    fn is_watched(&self, channel: ChannelId) -> bool {
        self.config.support_channels.contains(&channel.get())
    }

    /// Re-reads the knowledge folder; on errors the old knowledge stays.
    fn reload(&self) -> Result<usize, crate::knowledge::LoadErrors> {
        let knowledge = Knowledge::load_default(self.config.knowledge.as_deref())?;
        let entries = knowledge.entries().len();
        self.assistant.reload(knowledge);
        Ok(entries)
    }
}

/// The gateway intents the bot needs: guild messages with their content
/// (privileged), and guilds for threads.
pub fn intents() -> GatewayIntents {
    GatewayIntents::GUILDS | GatewayIntents::GUILD_MESSAGES | GatewayIntents::MESSAGE_CONTENT
}

/// The one place the Discord HTTP client is built.
pub fn build_http(config: &Config) -> Http {
    let builder = HttpBuilder::new(config.token.expose());
    match &config.api_base {
        // serenity's ratelimiter ignores a proxy; the bot retries instead.
        Some(base) => builder
            .proxy(base.as_str())
            .ratelimiter_disabled(true)
            .build(),
        None => builder.build(),
    }
}

/// How long a shutdown waits for handlers in flight.
const DRAIN_LIMIT: Duration = Duration::from_secs(10);

/// Runs the bot until the gateway closes or the process is told to stop
/// (SIGTERM or Ctrl-C): then it takes no new events, finishes the handlers
/// in flight, closes the gateway, the endpoints and the database.
pub async fn serve(
    config: Config,
    assistant: Arc<Assistant>,
    prometheus: Option<PrometheusHandle>,
) -> anyhow::Result<()> {
    let config = Arc::new(config);
    let store = Arc::clone(assistant.store());
    let shards_here = config
        .shards
        .map(|range| u32::from(range.last - range.first) + 1);
    let health = Arc::new(Health::new(Arc::clone(&store), shards_here));
    let lifecycle = Arc::new(Lifecycle::new(config.max_in_flight, config.max_queued));

    // The endpoints start first, so probes answer while the gateway connects.
    let listener = tokio::net::TcpListener::bind(config.http_addr)
        .await
        .with_context(|| format!("listening on HELPDESK_HTTP_ADDR {}", config.http_addr))?;
    info!(address = %listener.local_addr()?, "health and metrics endpoints listening");
    let (stop_http, http_stopped) = tokio::sync::oneshot::channel::<()>();
    let http = tokio::spawn(operations::serve_http(
        listener,
        operations::router(Arc::clone(&health), prometheus.clone()),
        async move {
            let _ = http_stopped.await;
        },
    ));
    let upkeep = prometheus.map(|handle| tokio::spawn(operations::metrics_upkeep(handle)));
    match config.retention {
        Some(keep) => info!(
            days = keep.as_secs() / 86_400,
            "retention: question texts and comments older than this are purged hourly"
        ),
        None => info!("retention off: question texts and comments are kept"),
    }
    let retention = config
        .retention
        .map(|keep| tokio::spawn(operations::retention(Arc::clone(&store), keep)));

    let http_client = build_http(&config);
    let data = Data::new(assistant, Arc::clone(&config));
    let framework = poise::Framework::builder()
        .options(poise::FrameworkOptions {
            commands: commands::all(),
            allowed_mentions: Some(render::no_mentions()),
            initialize_owners: false,
            on_error: |failure| Box::pin(commands::on_error(failure)),
            event_handler: |ctx, event, _framework, data| Box::pin(on_event(ctx, event, data)),
            ..Default::default()
        })
        .setup(move |ctx, ready, framework| {
            Box::pin(async move {
                poise::builtins::register_globally(ctx, &framework.options().commands).await?;
                let _ = data.bot_id.set(ready.user.id);
                info!(user = %ready.user.name, guilds = ready.guilds.len(), "connected to Discord");
                Ok(data)
            })
        })
        .build();
    let framework = lifecycle::TrackedFramework {
        inner: framework,
        lifecycle: Arc::clone(&lifecycle),
        health: Arc::clone(&health),
    };
    let mut client = ClientBuilder::new_with_http(http_client, intents())
        .framework(framework)
        .await?;
    let shard_manager = Arc::clone(&client.shard_manager);
    {
        let (health, lifecycle) = (Arc::clone(&health), Arc::clone(&lifecycle));
        tokio::spawn(async move {
            shutdown_signal().await;
            info!("shutting down: taking no new events");
            health.stopping();
            lifecycle.stop();
            shard_manager.shutdown_all().await;
        });
    }
    let outcome = match config.shards {
        Some(range) => {
            info!(
                first = range.first,
                last = range.last,
                total = range.total,
                "running a shard range"
            );
            // serenity's range end is inclusive, despite the `Range` type.
            let shards = u32::from(range.first)..u32::from(range.last);
            client
                .start_shard_range(shards, u32::from(range.total))
                .await
        }
        None => client.start_autosharded().await,
    };

    health.stopping();
    lifecycle.stop();
    if !lifecycle.drain(DRAIN_LIMIT).await {
        warn!(
            in_flight = lifecycle.in_flight(),
            "handlers still running at shutdown"
        );
    }
    let _ = stop_http.send(());
    if let Ok(Err(error)) = http.await {
        warn!(error = %redact::chain(&error), "the endpoints stopped with an error");
    }
    for task in [upkeep, retention].into_iter().flatten() {
        task.abort();
    }
    store.close().await;
    info!("stopped");
    Ok(outcome?)
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        if let Ok(mut terminate) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = terminate.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

async fn on_event(ctx: &SerenityContext, event: &FullEvent, data: &Data) -> Result<(), Error> {
    let outcome = match event {
        FullEvent::Ready { data_about_bot } => {
            let _ = data.bot_id.set(data_about_bot.user.id);
            Ok(())
        }
        FullEvent::Message { new_message } => messages::on_message(ctx, data, new_message).await,
        FullEvent::InteractionCreate {
            interaction: Interaction::Component(component),
        } => components::on_component(ctx, data, component).await,
        FullEvent::InteractionCreate {
            interaction: Interaction::Modal(modal),
        } => components::on_modal(ctx, data, modal).await,
        _ => Ok(()),
    };
    if let Err(failure) = &outcome {
        error!(error = %redact::chain(failure.as_ref()), "event handler failed");
    }
    Ok(())
}

/// A link to a message or channel, for staff.
fn link(guild: Option<u64>, channel: u64) -> String {
    match guild {
        Some(guild) => format!("https://discord.com/channels/{guild}/{channel}"),
        None => format!("https://discord.com/channels/@me/{channel}"),
    }
}

/// The knowledge folder `/kb reload` re-reads, for messages.
fn knowledge_source(config: &Config) -> String {
    config
        .knowledge
        .clone()
        .unwrap_or_else(|| PathBuf::from("knowledge"))
        .display()
        .to_string()
}
