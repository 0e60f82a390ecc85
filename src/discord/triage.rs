//! Escalation to the support team (posts for staff carry the controls of
//! [`super::staff`]) and forum tags.

use serenity::all::{
    ChannelId, Context as SerenityContext, CreateActionRow, CreateMessage, EditThread, ForumTagId,
    Message, MessageId,
};
use tracing::warn;

use super::redact;
use super::render::{self, no_mentions, only_role, truncate};
use super::retry::with_retry;
use super::{link, Data};
use crate::assistant::{StaffPost, StaffSubject};
use crate::language::Language;
use crate::operations::metric;
use crate::store::Traces;
use crate::text;

/// Quoted question text shown to staff is kept short (escaped, see
/// [`render::for_staff`]).
const QUOTE_CHARS: usize = 500;

/// What an escalation is about.
pub struct Escalation<'a> {
    pub guild: Option<u64>,
    pub thread: u64,
    /// Whose question it is: quoted to staff, and found by forget-me.
    pub asker: u64,
    pub question: &'a str,
    /// The entry shown, if someone asked for a human after an answer.
    pub entry: Option<&'a str>,
    /// Its one post for staff, ever.
    pub subject: StaffSubject,
    /// Whether the support role may be pinged in `thread`: only in the
    /// bot's own threads and watched channels, never where the reply was
    /// private.
    pub ping_in_thread: bool,
    /// The conversation's language, which the ping in its thread speaks
    /// (the post for staff speaks theirs).
    pub language: Language,
}

/// What came of an escalation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Told {
    /// The support role was pinged or triage told.
    Staff,
    /// This was escalated before: nobody is pinged again.
    Already,
    /// No support role or triage channel here, or Discord refused both.
    Nobody,
}

/// Pings the support role in the thread (only that role) and posts to the
/// triage channel of the question's own server, once per subject.
pub async fn escalate(ctx: &SerenityContext, data: &Data, escalation: &Escalation<'_>) -> Told {
    let guild = escalation.guild.map(|g| g.to_string());
    let thread = escalation.thread.to_string();
    let claimed = data
        .assistant
        .claim_staff_post(
            &escalation.subject,
            &escalation.asker.to_string(),
            guild.as_deref(),
            Some(&thread),
        )
        .await;
    let post = match claimed {
        Ok(Some(post)) => post,
        Ok(None) => return Told::Already,
        Err(error) => {
            warn!(error = %redact::chain(&error), "could not record the escalation");
            return Told::Nobody;
        }
    };
    metrics::counter!(metric::ESCALATIONS).increment(1);
    let mut told = false;
    if let Some(role) = data
        .config
        .support_role
        .filter(|_| escalation.ping_in_thread)
    {
        let message = CreateMessage::new()
            .content(text!(
                escalation.language,
                "escalation-ping",
                role = role.to_string()
            ))
            .allowed_mentions(only_role(role));
        let sent = with_retry("POST /channels/{channel_id}/messages", || {
            ChannelId::new(escalation.thread).send_message(&ctx.http, message.clone())
        })
        .await;
        told |= sent.is_ok();
    }
    if let Some(triage) = triage_channel_for(ctx, data, escalation.guild).await {
        let controls = controls(data, post, Some(escalation.question), &escalation.subject);
        let text = triage_text(escalation, super::locale::for_staff(data));
        if let Some(sent) = post_for_staff(ctx, triage, text, controls).await {
            told = true;
            remember_post(data, post, triage, sent).await;
        }
    }
    if told {
        return Told::Staff;
    }
    if let Err(error) = data.assistant.unclaim_staff_post(post).await {
        warn!(error = %redact::chain(&error), "could not release an escalation nobody saw");
    }
    Told::Nobody
}

/// The triage post of an escalation, in the staff's `language`: who,
/// about what, where, and the question quoted (escaped, see
/// [`render::quote_for_staff`]).
fn triage_text(escalation: &Escalation<'_>, language: Language) -> String {
    let asker = escalation.asker.to_string();
    let link = link(escalation.guild, escalation.thread);
    let about = match escalation.entry {
        Some(entry) => text!(
            language,
            "triage-human",
            asker = asker,
            entry = entry,
            link = link
        ),
        None => text!(language, "triage-no-answer", asker = asker, link = link),
    };
    let quote = render::quote_for_staff(&escalation.question.replace('\n', " "), QUOTE_CHARS);
    truncate(&format!("{about}\n{quote}"), render::MAX_CONTENT)
}

/// The triage channel, if it belongs to `guild`: one server's questions
/// and comments never reach another server's staff (and direct messages
/// reach no server's).
async fn triage_channel_for(
    ctx: &SerenityContext,
    data: &Data,
    guild: Option<u64>,
) -> Option<ChannelId> {
    let triage = ChannelId::new(data.config.triage_channel?);
    let guild = guild?;
    (home_server(ctx, data).await? == Some(guild)).then_some(triage)
}

/// The server of the triage channel (`Some(None)` if none is configured),
/// looked up once; `None` if it cannot be looked up now.
async fn home_server(ctx: &SerenityContext, data: &Data) -> Option<Option<u64>> {
    let Some(triage) = data.config.triage_channel else {
        return Some(None);
    };
    let home = data
        .triage_guild
        .get_or_try_init(|| async {
            let channel = ChannelId::new(triage).to_channel(ctx).await?;
            Ok::<_, serenity::Error>(channel.guild().map(|c| c.guild_id.get()))
        })
        .await;
    match home {
        Ok(home) => Some(Some(home.unwrap_or_default())),
        Err(error) => {
            warn!(error = %redact::chain(&error), "could not look up the triage channel's server");
            None
        }
    }
}

/// Whether `server` may change what every server shares (the knowledge):
/// the triage channel's server, or any when there is no triage channel.
pub async fn is_home(ctx: &SerenityContext, data: &Data, server: &str) -> bool {
    match home_server(ctx, data).await {
        Some(Some(home)) => home.to_string() == server,
        Some(None) => true,
        None => false,
    }
}

/// A stored id, if it is one (ids are never 0).
fn nonzero(id: &str) -> Option<std::num::NonZeroU64> {
    id.parse().ok()
}

/// What [`remove_traces`] removed.
#[derive(Debug, Default, Clone, Copy)]
pub struct Removed {
    pub staff_posts: u64,
    pub threads: u64,
}

/// Deletes the posts for staff that quoted a forgotten person and renames
/// the threads named after their questions ("Email question", in
/// `language`). Best effort: what Discord refuses (a post a moderator
/// already deleted, an archived thread) is logged and skipped.
pub async fn remove_traces(ctx: &SerenityContext, traces: &Traces, language: Language) -> Removed {
    let forgotten_name = text!(language, "thread-name-forgotten");
    let mut removed = Removed::default();
    for (channel, message) in &traces.staff_posts {
        let (Some(channel), Some(message)) = (nonzero(channel), nonzero(message)) else {
            continue;
        };
        let (channel, message) = (ChannelId::from(channel), MessageId::from(message));
        let deleted = with_retry(
            "DELETE /channels/{channel_id}/messages/{message_id}",
            || channel.delete_message(&ctx.http, message),
        )
        .await;
        match deleted {
            Ok(()) => removed.staff_posts += 1,
            Err(error) => {
                warn!(error = %redact::chain(&error), "could not delete a post for staff")
            }
        }
    }
    for thread in &traces.named_threads {
        let Some(thread) = nonzero(thread).map(ChannelId::from) else {
            continue;
        };
        let renamed = with_retry("PATCH /channels/{channel_id}", || {
            thread.edit_thread(&ctx.http, EditThread::new().name(forgotten_name.as_str()))
        })
        .await;
        match renamed {
            Ok(_) => removed.threads += 1,
            Err(error) => warn!(error = %redact::chain(&error), "could not rename a thread"),
        }
    }
    removed
}

/// The staff controls under a post ([`super::staff`]): the entries the
/// matcher suggests for `question` first.
fn controls(
    data: &Data,
    post: StaffPost,
    question: Option<&str>,
    subject: &StaffSubject,
) -> Vec<CreateActionRow> {
    let entries = data.assistant.suggestions(question.unwrap_or_default());
    render::staff_controls(&render::StaffControls {
        post: post.id(),
        entries: &entries,
        comment: matches!(subject, StaffSubject::Comment { .. }),
        language: super::locale::for_staff(data),
    })
}

async fn post_for_staff(
    ctx: &SerenityContext,
    triage: ChannelId,
    content: String,
    controls: Vec<CreateActionRow>,
) -> Option<Message> {
    let message = CreateMessage::new()
        .content(truncate(&content, render::MAX_CONTENT))
        .components(controls)
        .allowed_mentions(no_mentions());
    with_retry("POST /channels/{channel_id}/messages", || {
        triage.send_message(&ctx.http, message.clone())
    })
    .await
    .ok()
}

/// Records where a post for staff went, so forget-me can delete it.
async fn remember_post(data: &Data, post: StaffPost, triage: ChannelId, sent: Message) {
    let stored = data
        .assistant
        .posted_for_staff(post, &triage.get().to_string(), &sent.id.get().to_string())
        .await;
    if let Err(error) = stored {
        warn!(error = %redact::chain(&error), "could not record a post for staff");
    }
}

/// What a post for staff made by [`notify_staff`] is about.
pub struct About<'a> {
    pub guild: Option<u64>,
    /// Where the question was answered.
    pub thread: u64,
    pub subject: &'a StaffSubject,
    /// Whose text the post quotes.
    pub author: u64,
    /// The question, for the suggested entries.
    pub question: Option<&'a str>,
}

/// Posts `text` (any user text in it through [`render::for_staff`]) to
/// the triage channel of the question's server, with the staff controls,
/// once per subject: a person's repeated comment on one answer reaches
/// staff once.
pub async fn notify_staff(ctx: &SerenityContext, data: &Data, about: &About<'_>, text: &str) {
    let Some(triage) = triage_channel_for(ctx, data, about.guild).await else {
        return;
    };
    let guild_id = about.guild.map(|g| g.to_string());
    let thread = about.thread.to_string();
    let claimed = data
        .assistant
        .claim_staff_post(
            about.subject,
            &about.author.to_string(),
            guild_id.as_deref(),
            Some(&thread),
        )
        .await;
    let post = match claimed {
        Ok(Some(post)) => post,
        Ok(None) => return,
        Err(error) => {
            warn!(error = %redact::chain(&error), "could not record a post for staff");
            return;
        }
    };
    let controls = controls(data, post, about.question, about.subject);
    match post_for_staff(ctx, triage, text.to_owned(), controls).await {
        Some(sent) => remember_post(data, post, triage, sent).await,
        None => {
            let _ = data.assistant.unclaim_staff_post(post).await;
        }
    }
}

/// Adds the forum's existing tags named in `names` (case-insensitive) to a
/// forum post, keeping its current tags and Discord's limit of 5.
pub async fn add_forum_tags(ctx: &SerenityContext, forum: u64, thread: u64, names: &[&str]) {
    if names.is_empty() {
        return;
    }
    let forum_channel = match ChannelId::new(forum).to_channel(&ctx.http).await {
        Ok(channel) => channel.guild(),
        Err(error) => {
            warn!(forum, error = %redact::chain(&error), "could not read the forum's tags");
            return;
        }
    };
    let Some(forum_channel) = forum_channel else {
        return;
    };
    let wanted: Vec<ForumTagId> = forum_channel
        .available_tags
        .iter()
        .filter(|tag| {
            names
                .iter()
                .any(|name| name.eq_ignore_ascii_case(&tag.name))
        })
        .map(|tag| tag.id)
        .collect();
    if wanted.is_empty() {
        return;
    }
    let current = match ChannelId::new(thread).to_channel(&ctx.http).await {
        Ok(channel) => channel.guild().map(|c| c.applied_tags).unwrap_or_default(),
        Err(error) => {
            warn!(thread, error = %redact::chain(&error), "could not read the post's tags");
            return;
        }
    };
    let mut tags = current.clone();
    for tag in wanted {
        if !tags.contains(&tag) && tags.len() < render::MAX_FORUM_TAGS {
            tags.push(tag);
        }
    }
    if tags == current {
        return;
    }
    let _ = with_retry("PATCH /channels/{channel_id}", || {
        ChannelId::new(thread).edit_thread(&ctx.http, EditThread::new().applied_tags(tags.clone()))
    })
    .await;
}
