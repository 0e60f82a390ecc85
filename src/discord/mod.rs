//! The Discord front end: serenity 0.12 with poise 0.6 for the slash
//! commands.
//!
//! Events become [`crate::assistant`] calls and their results become
//! threads, embeds and components. The HTTP client is built in exactly one
//! place ([`build_http`]) from the configured API base, so production,
//! proxies and the tests' local stand-in share one code path.

mod catch_up;
mod commands;
mod components;
pub mod cooldown;
pub mod custom_id;
mod in_hand;
pub mod ledger;
mod lifecycle;
mod locale;
mod messages;
mod origin;
pub mod redact;
pub mod render;
mod retry;
mod staff;
mod swamped;
mod triage;

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use anyhow::Context as _;
use metrics_exporter_prometheus::PrometheusHandle;

use serenity::all::{
    ChannelId, ClientBuilder, Context as SerenityContext, FullEvent, GatewayIntents, Guild,
    GuildId, Http, HttpBuilder, Interaction, Permissions, UserId,
};
use tracing::{debug, error, info, warn};

use crate::assistant::Assistant;
use crate::config::Config;
use crate::knowledge::Knowledge;
use crate::operations::{self, Health};
use ledger::Ledger;
use lifecycle::Lifecycle;

pub type Error = anyhow::Error;
pub type Context<'a> = poise::Context<'a, Data, Error>;

/// The bot's shared state, one per process.
pub struct Data {
    pub assistant: Arc<Assistant>,
    /// Threads answered in and interactions handled.
    ledger: Arc<dyn Ledger>,
    pub config: Arc<Config>,
    /// One budget per person for every path: messages, commands, clicks
    /// and modals.
    limiter: cooldown::Cooldown,
    bot_id: OnceLock<UserId>,
    /// The server the triage channel belongs to, once looked up.
    triage_guild: tokio::sync::OnceCell<Option<u64>>,
    /// Questions being answered here, against replays.
    in_hand: in_hand::Questions,
    /// Dialogue clicks being handled here, against double clicks.
    steps: in_hand::Steps,
}

impl Data {
    pub fn new(assistant: Arc<Assistant>, ledger: Arc<dyn Ledger>, config: Arc<Config>) -> Self {
        Self {
            ledger,
            limiter: cooldown::Cooldown::new(config.cooldown_questions, config.cooldown_window),
            assistant,
            config,
            bot_id: OnceLock::new(),
            triage_guild: tokio::sync::OnceCell::new(),
            in_hand: in_hand::Questions::default(),
            steps: in_hand::Steps::default(),
        }
    }

    /// Whether a member is staff here: the support role, or Manage Server.
    pub(crate) fn is_staff(&self, member: Option<&serenity::all::Member>) -> bool {
        member.is_some_and(|member| {
            let manages = member.permissions.is_some_and(|p| {
                p.contains(Permissions::MANAGE_GUILD) || p.contains(Permissions::ADMINISTRATOR)
            });
            let supports = self
                .config
                .support_role
                .is_some_and(|role| member.roles.iter().any(|r| r.get() == role));
            manages || supports
        })
    }

    /// Whether events from `guild` are handled (`HELPDESK_GUILDS`); direct
    /// messages have no guild and are.
    pub fn serves(&self, guild: Option<GuildId>) -> bool {
        self.config.serves(guild.map(GuildId::get))
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

/// How often a process looks for examples another process learned: one
/// cheap query (the highest id and the count) each time.
const LEARNED_POLL: Duration = Duration::from_secs(2);

/// How long a shutdown waits for handlers in flight.
const DRAIN_LIMIT: Duration = Duration::from_secs(10);

/// Runs the bot until the gateway closes or `shutdown` completes (the
/// binary passes [`shutdown_signal`]: SIGTERM or Ctrl-C): then it takes no
/// new events, finishes the handlers in flight, closes the gateway, the
/// endpoints (served on `listener`) and the database. Nothing in it is
/// process-wide, so tests run it in their own process.
pub async fn serve(
    config: Config,
    assistant: Arc<Assistant>,
    ledger: Arc<dyn Ledger>,
    prometheus: Option<PrometheusHandle>,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let config = Arc::new(config);
    let shards_here = config
        .shards
        .map(|range| u32::from(range.last - range.first) + 1);
    let health = Arc::new(Health::new(Arc::clone(&assistant), shards_here));
    let lifecycle = Arc::new(Lifecycle::new(config.max_in_flight, config.max_queued));
    // The endpoints start first, so probes answer while the gateway connects.
    let endpoints = Endpoints::start(listener, &health, prometheus)?;
    log_policies(&config);
    let jobs = background_jobs(&assistant, &config).await;

    let data = Data::new(Arc::clone(&assistant), ledger, Arc::clone(&config));
    let framework = lifecycle::TrackedFramework::new(
        framework(data),
        Arc::clone(&lifecycle),
        Arc::clone(&health),
    );
    let mut client = ClientBuilder::new_with_http(build_http(&config), intents())
        .framework(framework)
        .await?;
    let shard_manager = Arc::clone(&client.shard_manager);
    {
        let (health, lifecycle) = (Arc::clone(&health), Arc::clone(&lifecycle));
        tokio::spawn(async move {
            shutdown.await;
            info!("shutting down: taking no new events");
            health.stopping();
            lifecycle.stop();
            shard_manager.shutdown_all().await;
        });
    }
    let outcome = run_shards(&mut client, &config).await;

    health.stopping();
    lifecycle.stop();
    if !lifecycle.drain(DRAIN_LIMIT).await {
        warn!(
            in_flight = lifecycle.in_flight(),
            "handlers still running at shutdown"
        );
    }
    endpoints.stop().await;
    jobs.iter().for_each(tokio::task::JoinHandle::abort);
    assistant.close().await;
    info!("stopped");
    Ok(outcome?)
}

/// The hourly upkeep, and the learning: what staff taught before this
/// start, then whatever any process teaches.
async fn background_jobs(
    assistant: &Arc<Assistant>,
    config: &Config,
) -> [tokio::task::JoinHandle<()>; 2] {
    let upkeep = tokio::spawn(operations::upkeep(
        Arc::clone(assistant),
        config.retention,
        config.dialogue_idle,
    ));
    if let Err(error) = assistant.refresh_learned().await {
        warn!(error = %redact::chain(&error), "could not read the learned examples; trying again shortly");
    }
    let learning = tokio::spawn(Arc::clone(assistant).follow_learned(LEARNED_POLL));
    [upkeep, learning]
}

/// The health and metrics endpoints, and the metrics' own upkeep.
struct Endpoints {
    stop: tokio::sync::oneshot::Sender<()>,
    http: tokio::task::JoinHandle<std::io::Result<()>>,
    metrics_upkeep: Option<tokio::task::JoinHandle<()>>,
}

impl Endpoints {
    fn start(
        listener: tokio::net::TcpListener,
        health: &Arc<Health>,
        prometheus: Option<PrometheusHandle>,
    ) -> anyhow::Result<Self> {
        info!(address = %listener.local_addr()?, "health and metrics endpoints listening");
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let http = tokio::spawn(operations::serve_http(
            listener,
            operations::router(Arc::clone(health), prometheus.clone()),
            async move {
                let _ = stopped.await;
            },
        ));
        let metrics_upkeep =
            prometheus.map(|handle| tokio::spawn(operations::metrics_upkeep(handle)));
        Ok(Self {
            stop,
            http,
            metrics_upkeep,
        })
    }

    async fn stop(self) {
        let _ = self.stop.send(());
        if let Ok(Err(error)) = self.http.await {
            warn!(error = %redact::chain(&error), "the endpoints stopped with an error");
        }
        if let Some(task) = self.metrics_upkeep {
            task.abort();
        }
    }
}

/// Says at start-up what is kept and where the bot serves.
fn log_policies(config: &Config) {
    match config.retention {
        Some(keep) => info!(
            days = keep.as_secs() / 86_400,
            "retention: question texts and comments older than this are purged hourly"
        ),
        None => info!("retention off: question texts and comments are kept"),
    }
    if config.guilds.is_empty() {
        info!("serving any server the bot is added to (HELPDESK_GUILDS is not set)");
    } else {
        info!(guilds = ?config.guilds, "serving only these servers; leaving any other");
    }
}

/// poise with the commands, the event handler and the bot's state.
fn framework(data: Data) -> poise::Framework<Data, Error> {
    poise::Framework::builder()
        .options(poise::FrameworkOptions {
            commands: commands::all(),
            allowed_mentions: Some(render::no_mentions()),
            initialize_owners: false,
            // Slash commands run inside poise, before `on_event` sees them.
            command_check: Some(|ctx| {
                Box::pin(async move { Ok(ctx.data().serves(ctx.guild_id())) })
            }),
            on_error: |failure| Box::pin(commands::on_error(failure)),
            event_handler: |ctx, event, _framework, data| {
                Box::pin(async move {
                    on_event(ctx, event, data).await;
                    Ok(())
                })
            },
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
        .build()
}

/// Runs this process's shards until the gateway closes or shutdown.
async fn run_shards(client: &mut serenity::Client, config: &Config) -> Result<(), serenity::Error> {
    match config.shards {
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
    }
}

/// Completes on SIGTERM (systemd, Kubernetes) or Ctrl-C.
pub async fn shutdown_signal() {
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

/// Every event poise hands on, and the messages that go around poise
/// ([`lifecycle::TrackedFramework`]). A failure is logged here: poise has
/// nothing to add to it.
async fn on_event(ctx: &SerenityContext, event: &FullEvent, data: &Data) {
    let guild = guild_of(event);
    if !data.serves(guild) {
        debug!(
            guild = guild.map(GuildId::get),
            "event from a server not on HELPDESK_GUILDS; ignored"
        );
        return;
    }
    let outcome = match event {
        FullEvent::Ready { data_about_bot } => {
            let _ = data.bot_id.set(data_about_bot.user.id);
            Ok(())
        }
        FullEvent::GuildCreate { guild, .. } => leave_unless_served(ctx, data, guild).await,
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
}

/// The server a message or interaction comes from; None for direct
/// messages and for every other event.
fn guild_of(event: &FullEvent) -> Option<GuildId> {
    match event {
        FullEvent::Message { new_message } => new_message.guild_id,
        FullEvent::InteractionCreate { interaction } => interaction.guild_id(),
        _ => None,
    }
}

/// Leaves a server that is not on `HELPDESK_GUILDS` as soon as Discord
/// announces it (on joining, and at each connection).
async fn leave_unless_served(
    ctx: &SerenityContext,
    data: &Data,
    guild: &Guild,
) -> Result<(), Error> {
    if data.serves(Some(guild.id)) {
        return Ok(());
    }
    // The name is the server's choice: Debug-formatted, it cannot forge a
    // log line.
    warn!(
        guild = guild.id.get(),
        name = ?guild.name,
        "added to a server not on HELPDESK_GUILDS; leaving it"
    );
    retry::with_retry("DELETE /users/@me/guilds/{guild_id}", || {
        guild.id.leave(&ctx.http)
    })
    .await
    .with_context(|| format!("leaving server {}", guild.id))?;
    info!(
        guild = guild.id.get(),
        "left a server not on HELPDESK_GUILDS"
    );
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
