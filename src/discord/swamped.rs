//! A question that arrives while `HELPDESK_MAX_QUEUED` events already wait
//! for a slot: it is not dropped. It is recorded for the support team as
//! unanswered, without looking for an answer, and its asker is told so in
//! a thread started from it (or in its own thread, for a forum post or a
//! follow-up), pinging nobody. This takes no slot: a database write and
//! two or three REST calls, far less than an answer.
//!
//! It is not escalated one by one (no ping, no post in the triage
//! channel): a flood that fills the queue would flood the support team
//! too. The questions are listed with the other unanswered ones
//! (`/kb unanswered`, `helpdesk stats`), and a forum post gets the
//! escalation tag.

use std::time::Instant;

use serenity::all::{Context as SerenityContext, Message};
use tracing::{info, warn};

use super::cooldown::{Spend, Verdict};
use super::messages::{self, Place};
use super::redact;
use super::triage;
use super::Data;
use crate::operations::metric;
use crate::text;

/// Records `message`, if it is a question, for the support team and tells
/// its asker so. Nothing if it is not a question, if its asker is over
/// their question budget and was told already, or if it is a replay of a
/// question handled before.
pub async fn set_aside(ctx: &SerenityContext, data: &Data, message: &Message) {
    let bot = data.bot_id.get().copied();
    if Some(message.author.id) == bot {
        return;
    }
    let (place, question) = match messages::place_of(ctx, data, message, bot).await {
        Ok(Some(found)) => found,
        Ok(None) => return,
        Err(error) => {
            warn!(error = %redact::chain(error.as_ref()), "could not tell whether a message is a question");
            return;
        }
    };
    let spent = data
        .limiter
        .check(message.author.id.get(), Spend::Question, Instant::now());
    if spent == Verdict::Quiet {
        return;
    }
    // A thread started from the message means it was handled before: this
    // is a replay.
    if place == Place::NewThread {
        if let Ok(Some(_)) = data.ledger.thread(&message.id.get().to_string()).await {
            metrics::counter!(crate::operations::metric::REPLAYS, "event" => "message")
                .increment(1);
            info!(message = message.id.get(), "question already answered");
            return;
        }
    }
    let language = messages::language_of(ctx, data, message, place, &question);
    // As for an answer: the thread first, then the question with it in
    // one commit.
    let mut at = messages::settle(ctx, message, place, &question, language).await;
    let origin = super::origin::of_message(message, language);
    match data
        .assistant
        .set_aside(&question, origin, at.remember.take())
        .await
    {
        Ok(record) if !record.created => {
            info!(message = message.id.get(), "question already set aside");
            return;
        }
        Ok(_) => {
            metrics::counter!(metric::BUSY, "event" => "message").increment(1);
            warn!("too many questions waiting; set one aside for the support team");
        }
        Err(error) => {
            warn!(error = %redact::chain(&error), "could not store the question");
            let sorry = text!(language, "error-cannot-answer");
            messages::say(ctx, message, at.thread, &sorry).await;
            return;
        }
    }
    messages::say(ctx, message, at.thread, &text!(language, "swamped")).await;
    if let Some(forum) = at.forum {
        let tag = data.config.escalation_tag.as_str();
        triage::add_forum_tags(ctx, forum, at.thread.get(), &[tag]).await;
    }
}
