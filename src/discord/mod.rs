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
mod messages;
pub mod render;
mod retry;
mod triage;

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use serenity::all::{
    ChannelId, ClientBuilder, Context as SerenityContext, FullEvent, GatewayIntents, Http,
    HttpBuilder, Interaction, UserId,
};
use tracing::{error, info};

use crate::assistant::Assistant;
use crate::config::Config;
use crate::knowledge::Knowledge;

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

/// Runs the bot until the gateway closes or the process is told to stop.
pub async fn serve(config: Config, assistant: Arc<Assistant>) -> anyhow::Result<()> {
    let config = Arc::new(config);
    let http = build_http(&config);
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
    let mut client = ClientBuilder::new_with_http(http, intents())
        .framework(framework)
        .await?;
    let shards = Arc::clone(&client.shard_manager);
    tokio::spawn(async move {
        shutdown_signal().await;
        info!("shutting down");
        shards.shutdown_all().await;
    });
    client.start().await?;
    Ok(())
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
        error!(error = %format!("{failure:#}"), "event handler failed");
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
