//! Questions asked in messages: where to answer, and the answer itself.
//!
//! A message in a watched text channel gets a thread started from it; a
//! post in a watched forum is answered in its own thread; a message that
//! mentions the bot elsewhere gets a thread too; a later message of the
//! asker in a thread the bot answered in is a follow-up question.

use std::time::Instant;

use serenity::all::{
    AutoArchiveDuration, ChannelId, Context as SerenityContext, CreateMessage, CreateThread,
    Message, MessageType,
};
use tracing::{info, warn};

use super::cooldown::Verdict;
use super::lifecycle::record_entry;
use super::render::{self, no_mentions};
use super::retry::{discord_code, with_retry};
use super::triage::{self, Escalation};
use super::{Data, Error};
use crate::assistant::Reply;
use crate::store::{Origin, Tally, ThreadRecord};

/// Discord's error code when a message already has a thread.
const THREAD_ALREADY_CREATED: isize = 160_004;

/// Where a question gets its answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    /// Start a thread from the question's message.
    NewThread,
    /// Answer inside an existing thread (a forum post or a follow-up).
    Thread { forum: Option<u64> },
}

pub async fn on_message(
    ctx: &SerenityContext,
    data: &Data,
    message: &Message,
) -> Result<(), Error> {
    let bot = data.bot_id.get().copied();
    let from_a_person = !message.author.bot
        && !message.author.system
        && message.webhook_id.is_none()
        && Some(message.author.id) != bot
        && matches!(
            message.kind,
            MessageType::Regular | MessageType::InlineReply
        );
    if !from_a_person || message.content.trim().is_empty() {
        return Ok(());
    }
    let Some((place, question)) = place_of(ctx, data, message, bot).await? else {
        return Ok(());
    };
    match data.cooldown.check(message.author.id.get(), Instant::now()) {
        Verdict::Allowed => {}
        Verdict::Quiet => return Ok(()),
        Verdict::Notify => {
            let notice = CreateMessage::new()
                .content("You're asking faster than I can keep up. Please wait a minute, then ask again.")
                .reference_message(message)
                .allowed_mentions(no_mentions());
            let _ = with_retry("POST /channels/{channel_id}/messages", || {
                message.channel_id.send_message(&ctx.http, notice.clone())
            })
            .await;
            return Ok(());
        }
    }
    answer(ctx, data, message, place, &question).await
}

/// Decides whether and where to answer a message.
async fn place_of(
    ctx: &SerenityContext,
    data: &Data,
    message: &Message,
    bot: Option<serenity::all::UserId>,
) -> Result<Option<(Place, String)>, Error> {
    let question = message.content.clone();
    if data.is_watched(message.channel_id) {
        return Ok(Some((Place::NewThread, question)));
    }
    // A forum post's starter message shares its thread's id.
    if message.id.get() == message.channel_id.get() {
        if let Ok(channel) = message.channel_id.to_channel(&ctx.http).await {
            if let Some(thread) = channel.guild() {
                if let Some(parent) = thread.parent_id.filter(|p| data.is_watched(*p)) {
                    let question = format!("{}\n{}", thread.name, message.content);
                    return Ok(Some((
                        Place::Thread {
                            forum: Some(parent.get()),
                        },
                        question,
                    )));
                }
            }
        }
    }
    let store = data.assistant.store();
    if let Some(thread) = store.thread(&message.channel_id.get().to_string()).await? {
        if thread.asker_id == message.author.id.get().to_string() {
            let forum = thread.forum_id.and_then(|id| id.parse().ok());
            return Ok(Some((Place::Thread { forum }, question)));
        }
        return Ok(None);
    }
    let mentions_bot = bot.is_some_and(|bot| message.mentions.iter().any(|user| user.id == bot));
    Ok(mentions_bot.then_some((Place::NewThread, question)))
}

async fn answer(
    ctx: &SerenityContext,
    data: &Data,
    message: &Message,
    place: Place,
    question: &str,
) -> Result<(), Error> {
    let origin = Origin {
        front_end: "discord",
        guild_id: message.guild_id.map(|g| g.get().to_string()),
        channel_id: Some(message.channel_id.get().to_string()),
        user_id: message.author.id.get().to_string(),
        source_message_id: Some(message.id.get().to_string()),
    };
    let reply = match data.assistant.ask(question, origin).await {
        Ok(reply) => reply,
        Err(error) => {
            warn!(%error, "could not store the question");
            let sorry = CreateMessage::new()
                .content("Sorry, I can't answer right now. Please try again in a moment.")
                .reference_message(message)
                .allowed_mentions(no_mentions());
            let _ = message.channel_id.send_message(&ctx.http, sorry).await;
            return Ok(());
        }
    };
    if let Reply::Answer(answer) = &reply {
        record_entry(&answer.entry.id);
    }
    // A replayed event (after a gateway resume) finds its answer stored.
    let replayed = match &reply {
        Reply::Answer(answer) => !answer.record.created && answer.record.message_id.is_some(),
        Reply::NoAnswer(none) => !none.record.created,
    };
    if replayed {
        info!(message = message.id.get(), "question already answered");
        return Ok(());
    }
    let thread = match place {
        Place::Thread { .. } => message.channel_id,
        Place::NewThread => open_thread(ctx, message, question).await,
    };
    let forum = match place {
        Place::Thread { forum } => forum,
        Place::NewThread => None,
    };
    let store = data.assistant.store();
    if thread != message.channel_id || forum.is_some() {
        store
            .record_thread(&ThreadRecord {
                thread_id: thread.get().to_string(),
                asker_id: message.author.id.get().to_string(),
                forum_id: forum.map(|f| f.to_string()),
            })
            .await?;
    }
    match reply {
        Reply::Answer(answer) => {
            let create = CreateMessage::new()
                .embed(render::answer_embed(&answer, Tally::default()))
                .components(render::answer_components(&answer))
                .allowed_mentions(no_mentions());
            let sent = with_retry("POST /channels/{channel_id}/messages", || {
                thread.send_message(&ctx.http, create.clone())
            })
            .await?;
            store
                .attach_message(answer.record.id, &sent.id.get().to_string())
                .await?;
            info!(entry = %answer.entry.id, confidence = answer.found.confidence, "answered");
            if let Some(forum) = forum {
                let tags: Vec<&str> = answer.entry.tags.iter().map(String::as_str).collect();
                triage::add_forum_tags(ctx, forum, thread.get(), &tags).await;
            }
        }
        Reply::NoAnswer(none) => {
            let escalates =
                data.config.support_role.is_some() || data.config.triage_channel.is_some();
            let create = CreateMessage::new()
                .embed(render::no_answer_embed(escalates))
                .allowed_mentions(no_mentions());
            with_retry("POST /channels/{channel_id}/messages", || {
                thread.send_message(&ctx.http, create.clone())
            })
            .await?;
            info!(confidence = none.found.confidence, "no answer");
            let told = triage::escalate(
                ctx,
                data,
                &Escalation {
                    guild: message.guild_id.map(|g| g.get()),
                    thread: thread.get(),
                    asker: message.author.id.get(),
                    question,
                    entry: None,
                },
            )
            .await;
            if told {
                store.mark_escalated(none.record.id).await?;
            }
            if let Some(forum) = forum {
                triage::add_forum_tags(
                    ctx,
                    forum,
                    thread.get(),
                    &[data.config.escalation_tag.as_str()],
                )
                .await;
            }
        }
    }
    Ok(())
}

/// Starts a public thread from the question's message. A thread that
/// already exists (a replayed event) has the message's id; if no thread can
/// be started at all, the answer goes to the channel itself.
async fn open_thread(ctx: &SerenityContext, message: &Message, question: &str) -> ChannelId {
    let builder = CreateThread::new(render::thread_name(question, &message.author.name))
        .auto_archive_duration(AutoArchiveDuration::OneDay);
    let created = with_retry(
        "POST /channels/{channel_id}/messages/{message_id}/threads",
        || {
            message
                .channel_id
                .create_thread_from_message(&ctx.http, message.id, builder.clone())
        },
    )
    .await;
    match created {
        Ok(thread) => thread.id,
        Err(error) if discord_code(&error) == Some(THREAD_ALREADY_CREATED) => {
            ChannelId::new(message.id.get())
        }
        Err(error) => {
            warn!(%error, "could not start a thread; answering in the channel");
            message.channel_id
        }
    }
}
