//! Escalation to the support team and forum tags.

use serenity::all::{ChannelId, Context as SerenityContext, CreateMessage, EditThread, ForumTagId};
use tracing::warn;

use super::redact;
use super::render::{self, no_mentions, only_role, truncate};
use super::retry::with_retry;
use super::{link, Data};
use crate::operations::metric;

/// Quoted question text shown to staff is kept short (escaped, see
/// [`render::for_staff`]).
const QUOTE_CHARS: usize = 500;

/// What an escalation is about.
pub struct Escalation<'a> {
    pub guild: Option<u64>,
    pub thread: u64,
    pub asker: u64,
    pub question: &'a str,
    /// The entry shown, if the person asked for a human after an answer.
    pub entry: Option<&'a str>,
}

/// Pings the support role in the thread (only that role) and posts to the
/// triage channel. Returns whether anyone was told.
pub async fn escalate(ctx: &SerenityContext, data: &Data, escalation: &Escalation<'_>) -> bool {
    metrics::counter!(metric::ESCALATIONS).increment(1);
    let mut told = false;
    if let Some(role) = data.config.support_role {
        let message = CreateMessage::new()
            .content(format!("<@&{role}> this question needs a human."))
            .allowed_mentions(only_role(role));
        let sent = with_retry("POST /channels/{channel_id}/messages", || {
            ChannelId::new(escalation.thread).send_message(&ctx.http, message.clone())
        })
        .await;
        told |= sent.is_ok();
    }
    if let Some(triage) = data.config.triage_channel {
        let about = match escalation.entry {
            Some(entry) => format!("asked for a human after the answer `{entry}`"),
            None => "asked a question I had no answer for".to_owned(),
        };
        let quote = render::quote_for_staff(&escalation.question.replace('\n', " "), QUOTE_CHARS);
        let content = truncate(
            &format!(
                "<@{}> {about}: {}\n{quote}",
                escalation.asker,
                link(escalation.guild, escalation.thread),
            ),
            render::MAX_CONTENT,
        );
        let message = CreateMessage::new()
            .content(content)
            .allowed_mentions(no_mentions());
        let sent = with_retry("POST /channels/{channel_id}/messages", || {
            ChannelId::new(triage).send_message(&ctx.http, message.clone())
        })
        .await;
        told |= sent.is_ok();
    }
    told
}

/// Posts text for staff in the triage channel, if there is one. Any user
/// text in it must have been through [`render::for_staff`].
pub async fn notify_staff(ctx: &SerenityContext, data: &Data, text: &str) {
    let Some(triage) = data.config.triage_channel else {
        return;
    };
    let message = CreateMessage::new()
        .content(truncate(text, render::MAX_CONTENT))
        .allowed_mentions(no_mentions());
    let _ = with_retry("POST /channels/{channel_id}/messages", || {
        ChannelId::new(triage).send_message(&ctx.http, message.clone())
    })
    .await;
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
        if !tags.contains(&tag) && tags.len() < 5 {
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
