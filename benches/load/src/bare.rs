//! The reference: a minimal serenity 0.12 bot that starts a thread from
//! each message in the channel and posts one reply in it. No matching, no
//! storage, no bound on what it handles at once: what serenity and the
//! stand-in cost by themselves.
//!
//! It runs in a process of its own, as helpdesk does: the load tool starts
//! its own executable again with [`API_BASE`] and [`CHANNEL`] set, and
//! [`run_if_asked`] (the first thing `main` does) turns it into the bot.

use serenity::all::{
    AutoArchiveDuration, ChannelId, ClientBuilder, Context, CreateAllowedMentions, CreateMessage,
    CreateThread, EventHandler, GatewayIntents, HttpBuilder, Message,
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
