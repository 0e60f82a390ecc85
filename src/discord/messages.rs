//! Questions asked in messages: where to answer, and the answer itself.
//!
//! A message in a watched text channel gets a thread started from it; a
//! post in a watched forum is answered in its own thread; a message that
//! mentions the bot elsewhere gets a thread too; a later message of the
//! asker in a thread the bot answered in is a follow-up question.

use std::time::Instant;

use serenity::all::{
    AutoArchiveDuration, ChannelId, Context as SerenityContext, CreateMessage, CreateThread,
    GetMessages, Message, MessageType,
};
use tracing::{debug, info, warn};

use super::cooldown::{Spend, Verdict};
use super::lifecycle::record_entry;
use super::redact;
use super::render::{self, no_mentions};
use super::retry::{discord_code, with_retry};
use super::triage::{self, Escalation, Told};
use super::{Data, Error};
use crate::assistant::{Answer, NoAnswer, Reply, StaffSubject};
use crate::language::Language;
use crate::store::{Tally, ThreadRecord};
use crate::text;

/// Discord's error code when a message already has a thread.
const THREAD_ALREADY_CREATED: isize = 160_004;

/// Where a question gets its answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Place {
    /// Start a thread from the question's message.
    NewThread,
    /// Answer inside an existing thread (a forum post or a follow-up);
    /// `language` is the one a thread the bot answered in keeps.
    Thread {
        forum: Option<u64>,
        language: Option<Language>,
    },
}

/// The language a question is answered in: its thread's, if the bot
/// answers in it already; else the question's own, the server's preferred
/// one, or the default ([`super::locale::for_question`]).
pub(super) fn language_of(
    ctx: &SerenityContext,
    data: &Data,
    message: &Message,
    place: Place,
    question: &str,
) -> Language {
    match place {
        Place::Thread {
            language: Some(language),
            ..
        } => language,
        _ => super::locale::for_question(ctx, data, message.guild_id, question),
    }
}

pub async fn on_message(
    ctx: &SerenityContext,
    data: &Data,
    message: &Message,
) -> Result<(), Error> {
    let bot = data.bot_id.get().copied();
    if !could_be_a_question(message) || Some(message.author.id) == bot {
        return Ok(());
    }
    let Some((place, question)) = place_of(ctx, data, message, bot).await? else {
        return Ok(());
    };
    match data
        .limiter
        .check(message.author.id.get(), Spend::Question, Instant::now())
    {
        Verdict::Allowed => {}
        Verdict::Quiet => return Ok(()),
        Verdict::Notify => {
            let language = language_of(ctx, data, message, place, &question);
            let notice = CreateMessage::new()
                .content(text!(language, "cooldown-questions"))
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

/// A message read back after the bot was away ([`super::catch_up`]):
/// handled as a new one, except that the asker's budget is not spent (the
/// questions were asked at the pace of their time, not of the read-back).
pub(super) async fn on_missed_message(
    ctx: &SerenityContext,
    data: &Data,
    message: &Message,
) -> Result<(), Error> {
    let bot = data.bot_id.get().copied();
    if !could_be_a_question(message) || Some(message.author.id) == bot {
        return Ok(());
    }
    match place_of(ctx, data, message, bot).await? {
        Some((place, question)) => answer(ctx, data, message, place, &question).await,
        None => Ok(()),
    }
}

/// Whether a message may be a question at all: a person's (not a bot's, a
/// webhook's or Discord's own) plain message or reply, with some text. The
/// rest is decided by where it was posted.
pub(super) fn could_be_a_question(message: &Message) -> bool {
    !message.author.bot
        && !message.author.system
        && message.webhook_id.is_none()
        && matches!(
            message.kind,
            MessageType::Regular | MessageType::InlineReply
        )
        && !message.content.trim().is_empty()
}

/// Whether a person's message is worth a slot and a database lookup: it
/// comes from a server the bot serves, and is in a watched channel,
/// mentions the bot, or is in a thread (which may be one the bot answers
/// in). A message in any other channel the cache knows is chatter, dropped
/// before any work. (A channel the cache does not know gets the lookup.)
pub(super) fn worth_a_look(ctx: &SerenityContext, data: &Data, message: &Message) -> bool {
    if !data.serves(message.guild_id) {
        return false;
    }
    if data.is_watched(message.channel_id) {
        return true;
    }
    let bot = data.bot_id.get().copied();
    if bot.is_some_and(|bot| message.mentions.iter().any(|user| user.id == bot)) {
        return true;
    }
    // A guild's cached channels hold no threads (the cache keeps them
    // apart), so a channel found there is a plain one.
    let plain_channel = message.guild_id.is_some_and(|guild| {
        ctx.cache
            .guild(guild)
            .is_some_and(|guild| guild.channels.contains_key(&message.channel_id))
    });
    !plain_channel
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
                    let place = Place::Thread {
                        forum: Some(parent.get()),
                        language: None,
                    };
                    return Ok(Some((place, question)));
                }
            }
        }
    }
    if let Some(thread) = data
        .ledger
        .thread(&message.channel_id.get().to_string())
        .await?
    {
        if thread.asker_id == message.author.id.get().to_string() {
            let place = Place::Thread {
                forum: thread.forum_id.and_then(|id| id.parse().ok()),
                language: Some(thread.language),
            };
            return Ok(Some((place, question)));
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
    // A gateway resume replays events to the same process: a question in
    // hand, or answered lately, is left before any request.
    if !data.in_hand.take(message.id.get()) {
        replayed(message);
        return Ok(());
    }
    let language = language_of(ctx, data, message, place, question);
    // The thread first, then one commit: the question with its thread. A
    // crash between the two loses nothing: the restart reads the question
    // back (`catch_up`), finds its thread and answers there.
    let mut at = settle(ctx, message, place, question, language).await;
    let origin = super::origin::of_message(message, language);
    let asked = data
        .assistant
        .ask_in_thread(question, origin, at.remember.take())
        .await;
    let reply = match asked {
        Ok(reply) => reply,
        Err(error) => {
            warn!(error = %redact::chain(&error), "could not store the question");
            data.in_hand.release(message.id.get());
            say(
                ctx,
                message,
                at.thread,
                &text!(language, "error-cannot-answer"),
            )
            .await;
            return Ok(());
        }
    };
    if let Reply::Answer(answer) = &reply {
        record_entry(&answer.entry.id);
    }
    if replied_before(ctx, data, message, &reply).await {
        replayed(message);
        return Ok(());
    }
    // From here on the asker gets the answer or, in a thread, an apology:
    // a failing store only costs bookkeeping, logged.
    match reply {
        Reply::Answer(answer) => show_answer(ctx, data, message, &at, &answer).await,
        Reply::NoAnswer(none) => show_no_answer(ctx, data, message, &at, &none, question).await,
    }
}

/// Counts and logs a question handled before.
fn replayed(message: &Message) {
    metrics::counter!(crate::operations::metric::REPLAYS, "event" => "message").increment(1);
    info!(message = message.id.get(), "question already answered");
}

/// Whether the question was replied to before: a replayed event (after a
/// gateway resume) finds its answer linked to its message, or its
/// unanswered record; a question read back after a restart (it comes with
/// its thread) finds the reply in its thread, sent by a process that died
/// before it could link it (the answer is linked now rather than sent
/// twice), or finds none and gets it now.
async fn replied_before(
    ctx: &SerenityContext,
    data: &Data,
    message: &Message,
    reply: &Reply,
) -> bool {
    let answer = match reply {
        Reply::Answer(answer) if answer.record.created => return false,
        Reply::Answer(answer) if answer.record.message_id.is_some() => return true,
        Reply::Answer(answer) => Some(answer),
        Reply::NoAnswer(none) if none.record.created => return false,
        Reply::NoAnswer(_) => None,
    };
    let (Some(thread), Some(bot)) = (&message.thread, data.bot_id.get()) else {
        // Not read back: an event delivered again that this process did
        // not have in hand. A question recorded unanswered was replied
        // to; an answer stored but not linked was not sent.
        return answer.is_none();
    };
    let Ok(said) = thread
        .id
        .messages(&ctx.http, GetMessages::new().limit(20))
        .await
    else {
        return false;
    };
    // The reply is an embed; an apology is not one.
    let Some(sent) = said
        .iter()
        .find(|m| m.author.id == *bot && !m.embeds.is_empty())
    else {
        return false;
    };
    let Some(answer) = answer else {
        return true;
    };
    let linked = data
        .assistant
        .link_message(answer.record.id, &sent.id.get().to_string())
        .await;
    if let Err(error) = linked {
        warn!(error = %redact::chain(&error), "could not link an answer sent before a restart");
    }
    true
}

/// Where the reply to a question goes.
pub(super) struct Destination {
    pub(super) thread: ChannelId,
    /// The forum, if the thread is a forum post.
    pub(super) forum: Option<u64>,
    /// False when no thread could be started and the reply goes to the
    /// question's channel.
    in_thread: bool,
    /// The conversation's language.
    pub(super) language: Language,
    /// The thread to remember with the question (the asker's next message
    /// there is a follow-up, answered in the same language); none for the
    /// question's channel or a thread remembered already. Taken when the
    /// question is stored.
    pub(super) remember: Option<ThreadRecord>,
}

/// Starts the question's thread if it needs one. Nothing is stored here:
/// the thread is remembered with the question, in the same commit.
pub(super) async fn settle(
    ctx: &SerenityContext,
    message: &Message,
    place: Place,
    question: &str,
    language: Language,
) -> Destination {
    let (thread, forum) = match place {
        Place::Thread { forum, .. } => (message.channel_id, forum),
        Place::NewThread => (open_thread(ctx, message, question, language).await, None),
    };
    let in_thread = matches!(place, Place::Thread { .. }) || thread != message.channel_id;
    let remember = (thread != message.channel_id || forum.is_some()).then(|| ThreadRecord {
        thread_id: thread.get().to_string(),
        asker_id: message.author.id.get().to_string(),
        forum_id: forum.map(|f| f.to_string()),
        language,
    });
    Destination {
        thread,
        forum,
        in_thread,
        language,
        remember,
    }
}

/// Posts `text` in `thread`, as a reply to the question if that is the
/// question's own channel, pinging nobody.
pub(super) async fn say(ctx: &SerenityContext, message: &Message, thread: ChannelId, text: &str) {
    let mut create = CreateMessage::new()
        .content(text)
        .allowed_mentions(no_mentions());
    if thread == message.channel_id && message.id.get() != message.channel_id.get() {
        create = create.reference_message(message);
    }
    let sent = with_retry("POST /channels/{channel_id}/messages", || {
        thread.send_message(&ctx.http, create.clone())
    })
    .await;
    if let Err(error) = sent {
        warn!(error = %redact::chain(&error), thread = thread.get(), "could not reply to a question");
    }
}

async fn show_answer(
    ctx: &SerenityContext,
    data: &Data,
    message: &Message,
    at: &Destination,
    answer: &Answer,
) -> Result<(), Error> {
    let create = CreateMessage::new()
        .embed(render::answer_embed(answer, Tally::default()))
        .components(render::answer_components(answer))
        .allowed_mentions(no_mentions());
    let sent = post_reply(ctx, data, message, at, &create).await?;
    // Not waited for: the asker has the answer, and a crash before this
    // commits loses nothing (a restart finds the answer in the thread,
    // `replied_before`; a replay meanwhile, `in_hand`).
    let assistant = data.assistant.clone();
    let (answer_id, message_id) = (answer.record.id, sent.id.get().to_string());
    tokio::spawn(async move {
        if let Err(error) = assistant.link_message(answer_id, &message_id).await {
            warn!(error = %redact::chain(&error), answer = answer_id.0, "could not link the answer to its message");
        }
    });
    // Counted in helpdesk_answers_total; a log line each would cost more
    // than a bare bot spends on the whole question.
    debug!(entry = %answer.entry.id, confidence = answer.found.confidence, "answered");
    if let Some(forum) = at.forum {
        let tags: Vec<&str> = answer.entry.tags.iter().map(String::as_str).collect();
        triage::add_forum_tags(ctx, forum, at.thread.get(), &tags).await;
    }
    Ok(())
}

async fn show_no_answer(
    ctx: &SerenityContext,
    data: &Data,
    message: &Message,
    at: &Destination,
    none: &NoAnswer,
    question: &str,
) -> Result<(), Error> {
    // Staff said this very question is not in scope: nobody is called.
    let settled = none.found.taught_out_of_scope;
    let escalates =
        !settled && (data.config.support_role.is_some() || data.config.triage_channel.is_some());
    let brain = data.assistant.brain();
    let scope = brain.knowledge_in(at.language).about().scope.as_deref();
    let create = CreateMessage::new()
        .embed(render::no_answer_embed(escalates, scope, at.language))
        .allowed_mentions(no_mentions());
    post_reply(ctx, data, message, at, &create).await?;
    debug!(confidence = none.found.confidence, "no answer");
    if settled {
        return Ok(());
    }
    let escalation = Escalation {
        guild: message.guild_id.map(|g| g.get()),
        thread: at.thread.get(),
        asker: message.author.id.get(),
        question,
        entry: None,
        subject: StaffSubject::Unanswered(none.record.id),
        ping_in_thread: true,
        language: at.language,
    };
    if triage::escalate(ctx, data, &escalation).await == Told::Staff {
        if let Err(error) = data.assistant.mark_escalated(none.record.id).await {
            warn!(error = %redact::chain(&error), unanswered = none.record.id, "could not mark the question escalated");
        }
    }
    if let Some(forum) = at.forum {
        let tag = data.config.escalation_tag.as_str();
        triage::add_forum_tags(ctx, forum, at.thread.get(), &[tag]).await;
    }
    Ok(())
}

/// Posts the reply to `message` in `thread`. If it cannot be sent, the
/// question is released (a replay may try again) and, in a thread, the
/// asker gets an apology instead.
async fn post_reply(
    ctx: &SerenityContext,
    data: &Data,
    message: &Message,
    at: &Destination,
    create: &CreateMessage,
) -> Result<Message, Error> {
    let Destination {
        thread,
        in_thread,
        language,
        ..
    } = *at;
    let sent = with_retry("POST /channels/{channel_id}/messages", || {
        thread.send_message(&ctx.http, create.clone())
    })
    .await;
    if sent.is_err() {
        data.in_hand.release(message.id.get());
        if in_thread {
            apologise(ctx, thread, language).await;
        }
    }
    Ok(sent?)
}

/// Says sorry, in `language`, in the thread the answer could not be sent
/// to: one attempt, as Discord just refused several.
async fn apologise(ctx: &SerenityContext, thread: ChannelId, language: Language) {
    let sorry = CreateMessage::new()
        .content(text!(language, "error-cannot-answer"))
        .allowed_mentions(no_mentions());
    if let Err(error) = thread.send_message(&ctx.http, sorry).await {
        warn!(error = %redact::chain(&error), thread = thread.get(), "could not apologise in the thread");
    }
}

/// Starts a public thread from the question's message. A thread that
/// already exists (a message read back after a restart says so; a replayed
/// event learns it from Discord's refusal) has the message's id; if no
/// thread can be started at all, the answer goes to the channel itself.
pub(super) async fn open_thread(
    ctx: &SerenityContext,
    message: &Message,
    question: &str,
    language: Language,
) -> ChannelId {
    if let Some(thread) = &message.thread {
        return thread.id;
    }
    let name = render::thread_name(question, &message.author.name, language);
    let builder = CreateThread::new(name).auto_archive_duration(AutoArchiveDuration::OneDay);
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
