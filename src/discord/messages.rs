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
use super::redact;
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
pub(super) enum Place {
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
pub(super) async fn place_of(
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
            warn!(error = %redact::chain(&error), "could not store the question");
            let sorry = CreateMessage::new()
                .content(SORRY)
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
    if replayed || !in_hand::take(message.id.get()) {
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
    // From here on the asker gets the answer or, in a thread, an apology:
    // a failing store only costs bookkeeping, logged.
    let in_thread = matches!(place, Place::Thread { .. }) || thread != message.channel_id;
    let store = data.assistant.store();
    if thread != message.channel_id || forum.is_some() {
        let recorded = store
            .record_thread(&ThreadRecord {
                thread_id: thread.get().to_string(),
                asker_id: message.author.id.get().to_string(),
                forum_id: forum.map(|f| f.to_string()),
            })
            .await;
        if let Err(error) = recorded {
            warn!(error = %redact::chain(&error), thread = thread.get(), "could not record the thread; answering anyway");
        }
    }
    match reply {
        Reply::Answer(answer) => {
            let create = CreateMessage::new()
                .embed(render::answer_embed(&answer, Tally::default()))
                .components(render::answer_components(&answer))
                .allowed_mentions(no_mentions());
            let sent = post_reply(ctx, message, thread, in_thread, &create).await?;
            let linked = store
                .attach_message(answer.record.id, &sent.id.get().to_string())
                .await;
            if let Err(error) = linked {
                // Only `in_hand` tells a replay of this question answered now.
                warn!(error = %redact::chain(&error), answer = answer.record.id, "could not link the answer to its message");
            }
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
            post_reply(ctx, message, thread, in_thread, &create).await?;
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
                if let Err(error) = store.mark_escalated(none.record.id).await {
                    warn!(error = %redact::chain(&error), unanswered = none.record.id, "could not mark the question escalated");
                }
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

/// Posts the reply to `message` in `thread`. If it cannot be sent, the
/// question is released (a replay may try again) and, in a thread, the
/// asker gets an apology instead.
async fn post_reply(
    ctx: &SerenityContext,
    message: &Message,
    thread: ChannelId,
    in_thread: bool,
    create: &CreateMessage,
) -> Result<Message, Error> {
    let sent = with_retry("POST /channels/{channel_id}/messages", || {
        thread.send_message(&ctx.http, create.clone())
    })
    .await;
    if sent.is_err() {
        in_hand::release(message.id.get());
        if in_thread {
            apologise(ctx, thread).await;
        }
    }
    Ok(sent?)
}

/// What the asker gets in a thread when the answer could not be sent.
const SORRY: &str = "Sorry, I can't answer right now. Please try again in a moment.";

/// Says sorry in the thread the answer could not be sent to: one attempt,
/// as Discord just refused several.
async fn apologise(ctx: &SerenityContext, thread: ChannelId) {
    let sorry = CreateMessage::new()
        .content(SORRY)
        .allowed_mentions(no_mentions());
    if let Err(error) = thread.send_message(&ctx.http, sorry).await {
        warn!(error = %redact::chain(&error), thread = thread.get(), "could not apologise in the thread");
    }
}

/// The questions this process is answering or has answered lately. The
/// store tells a replayed MESSAGE_CREATE once the answer is linked to its
/// message; this covers the rest: a replay (gateway resumes replay to the
/// same process) that arrives while the answer is being sent, or after the
/// store failed to link it. Bounded, oldest forgotten first.
mod in_hand {
    use std::collections::VecDeque;
    use std::sync::{Mutex, PoisonError};

    /// Far more than a resume replays.
    const KEPT: usize = 4096;

    static QUESTIONS: Mutex<VecDeque<u64>> = Mutex::new(VecDeque::new());

    fn questions() -> std::sync::MutexGuard<'static, VecDeque<u64>> {
        QUESTIONS.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// False if the question is in hand already.
    pub(super) fn take(question: u64) -> bool {
        let mut questions = questions();
        if questions.contains(&question) {
            return false;
        }
        if questions.len() >= KEPT {
            questions.pop_front();
        }
        questions.push_back(question);
        true
    }

    /// The question got no answer: a replay may try again.
    pub(super) fn release(question: u64) {
        questions().retain(|q| *q != question);
    }
}

/// Starts a public thread from the question's message. A thread that
/// already exists (a replayed event) has the message's id; if no thread can
/// be started at all, the answer goes to the channel itself.
pub(super) async fn open_thread(
    ctx: &SerenityContext,
    message: &Message,
    question: &str,
) -> ChannelId {
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
            warn!(error = %redact::chain(&error), "could not start a thread; answering in the channel");
            message.channel_id
        }
    }
}
