//! The controls under a post for staff in the triage channel: "Answer
//! with…" (and its "Search…"), "Not in scope", "Claim", "Resolved" and,
//! for a comment, "Edit entry".
//!
//! Only staff ([`Data::is_staff`]) may use them. An answer chosen here is
//! posted in the asker's thread as any answer is, and the question becomes
//! a learned example of the entry ([`crate::assistant::Assistant::teach`]);
//! "Not in scope" teaches that the question has no entry. Each act is
//! written on the post (who, what, when); once the question is settled its
//! controls go.

use serenity::all::{
    ActionRowComponent, ChannelId, ComponentInteraction, ComponentInteractionDataKind,
    Context as SerenityContext, CreateActionRow, CreateInteractionResponse,
    CreateInteractionResponseMessage, CreateMessage, EditInteractionResponse, EditMessage, Member,
    Message, MessageFlags, MessageId, ModalInteraction, User,
};
use tracing::warn;

use super::custom_id::TriageAct;
use super::redact;
use super::render::{self, no_mentions, truncate};
use super::retry::with_retry;
use super::{triage, Data, Error};
use crate::assistant::{Lesson, StaffCase, StaffSubject, TeachFailure};
use crate::language::Language;
use crate::store::Origin;
use crate::text;

/// The interaction a staff control came with: a click or select on the
/// post (or on a search's results), or the search modal's submit.
#[derive(Clone, Copy)]
pub(super) enum Used<'a> {
    Component(&'a ComponentInteraction),
    Modal(&'a ModalInteraction),
}

impl Used<'_> {
    fn member(&self) -> Option<&Member> {
        match self {
            Self::Component(c) => c.member.as_ref(),
            Self::Modal(m) => m.member.as_ref(),
        }
    }

    fn user(&self) -> &User {
        match self {
            Self::Component(c) => &c.user,
            Self::Modal(m) => &m.user,
        }
    }

    /// The Discord locale of the person who used it.
    fn locale(&self) -> &str {
        match self {
            Self::Component(c) => &c.locale,
            Self::Modal(m) => &m.locale,
        }
    }

    /// The message the control was on, if any.
    fn message(&self) -> Option<&Message> {
        match self {
            Self::Component(c) => Some(&c.message),
            Self::Modal(m) => m.message.as_deref(),
        }
    }

    async fn respond(
        &self,
        ctx: &SerenityContext,
        response: CreateInteractionResponse,
    ) -> Result<(), Error> {
        with_retry(
            "POST /interactions/{interaction_id}/{interaction_token}/callback",
            || async {
                match self {
                    Self::Component(c) => c.create_response(&ctx.http, response.clone()).await,
                    Self::Modal(m) => m.create_response(&ctx.http, response.clone()).await,
                }
            },
        )
        .await?;
        Ok(())
    }

    /// Replaces the deferred reply's "thinking" with `text`.
    async fn finish(&self, ctx: &SerenityContext, text: &str) -> Result<(), Error> {
        let edit = EditInteractionResponse::new()
            .content(truncate(text, render::MAX_CONTENT))
            .allowed_mentions(no_mentions());
        with_retry(
            "PATCH /webhooks/{application_id}/{interaction_token}/messages/@original",
            || async {
                match self {
                    Self::Component(c) => c.edit_response(&ctx.http, edit.clone()).await,
                    Self::Modal(m) => m.edit_response(&ctx.http, edit.clone()).await,
                }
            },
        )
        .await?;
        Ok(())
    }
}

fn ephemeral(text: &str) -> CreateInteractionResponse {
    CreateInteractionResponse::Message(
        CreateInteractionResponseMessage::new()
            .content(truncate(text, render::MAX_CONTENT))
            .ephemeral(true)
            .allowed_mentions(no_mentions()),
    )
}

/// A private "thinking…" reply: teaching rebuilds the matcher, which may
/// take longer than Discord waits for a first reply.
fn deferred() -> CreateInteractionResponse {
    CreateInteractionResponse::Defer(CreateInteractionResponseMessage::new().ephemeral(true))
}

/// The language of what only the staff member who used a control sees:
/// theirs if spoken, else the staff's.
fn theirs(data: &Data, used: &Used<'_>) -> Language {
    super::locale::personal(data, used.locale(), Some(super::locale::for_staff(data)))
}

/// Carries out a staff control, after the person and the post are checked:
/// anyone else is refused and nothing changes.
pub(super) async fn on_control(
    ctx: &SerenityContext,
    data: &Data,
    used: Used<'_>,
    post: i64,
    act: TriageAct,
) -> Result<(), Error> {
    let language = theirs(data, &used);
    let gone = || ephemeral(&text!(language, "staff-gone"));
    if !data.is_staff(used.member()) {
        return used
            .respond(ctx, ephemeral(&text!(language, "staff-only")))
            .await;
    }
    let Some(case) = data.assistant.staff_case(post).await? else {
        warn!(post, "staff control for an unknown post");
        return used.respond(ctx, gone()).await;
    };
    let staff = used.user().id.get().to_string();
    let (when, on_post) = (now_markup(), super::locale::for_staff(data));
    match act {
        TriageAct::Answer => match chosen_entry(&used) {
            Some(entry) if entry == render::SEARCH_OPTION => {
                let modal = render::search_modal(post, language);
                used.respond(ctx, CreateInteractionResponse::Modal(modal))
                    .await
            }
            Some(entry) => answer_with(ctx, data, used, &case, &entry).await,
            None => used.respond(ctx, gone()).await,
        },
        TriageAct::Search => search(ctx, data, used, &case).await,
        TriageAct::OutOfScope => out_of_scope(ctx, data, used, &case).await,
        TriageAct::Claim => {
            let line = text!(on_post, "staff-claimed", staff = staff, when = when);
            let line = format!("{CLAIM_MARK} {line}");
            mark_post(ctx, data, used, &case, &line, false).await;
            let reply = text!(language, "staff-claimed-reply");
            used.respond(ctx, ephemeral(&reply)).await
        }
        TriageAct::Resolve => {
            let line = text!(on_post, "staff-resolved", staff = staff, when = when);
            mark_post(ctx, data, used, &case, &format!("☑️ {line}"), true).await;
            let reply = text!(language, "staff-resolved-reply");
            used.respond(ctx, ephemeral(&reply)).await
        }
        TriageAct::EditEntry => edit_entry(ctx, data, used, &case).await,
    }
}

/// The entry picked in an "Answer with…" select, or typed in the search
/// modal as an exact id.
fn chosen_entry(used: &Used<'_>) -> Option<String> {
    match used {
        Used::Component(c) => match &c.data.kind {
            ComponentInteractionDataKind::StringSelect { values } => values.first().cloned(),
            _ => None,
        },
        Used::Modal(_) => None,
    }
}

/// The words typed into the search modal.
fn search_text(modal: &ModalInteraction) -> String {
    modal
        .data
        .components
        .iter()
        .flat_map(|row| &row.components)
        .find_map(|component| match component {
            ActionRowComponent::InputText(input) if input.custom_id == render::SEARCH_FIELD => {
                input.value.clone()
            }
            _ => None,
        })
        .unwrap_or_default()
}

/// The search modal: an exact entry id answers with it; words get the
/// entries they find, to pick from privately.
async fn search(
    ctx: &SerenityContext,
    data: &Data,
    used: Used<'_>,
    case: &StaffCase,
) -> Result<(), Error> {
    let language = theirs(data, &used);
    let Used::Modal(modal) = used else {
        return used
            .respond(ctx, ephemeral(&text!(language, "staff-gone")))
            .await;
    };
    let typed = search_text(modal);
    let typed = typed.trim();
    let brain = data.assistant.brain();
    if brain.knowledge.entry(typed).is_some() {
        return answer_with(ctx, data, used, case, typed).await;
    }
    let found: Vec<(String, String)> = brain
        .matcher
        .suggestions(typed)
        .into_iter()
        .filter_map(|id| {
            let (entry, _) = brain.entry_in(super::locale::for_staff(data), &id)?;
            Some((id.clone(), entry.title.clone()))
        })
        .collect();
    let text = if found.is_empty() {
        let typed = truncate(&typed.replace('`', "'"), 100);
        text!(language, "staff-no-match", typed = typed)
    } else {
        text!(language, "staff-pick-entry")
    };
    let message = CreateInteractionResponseMessage::new()
        .content(text)
        .components(render::search_results(case.post.id, &found, language))
        .ephemeral(true)
        .allowed_mentions(no_mentions());
    used.respond(ctx, CreateInteractionResponse::Message(message))
        .await
}

/// Answers the question with `entry` in the asker's thread, learns it, and
/// writes on the post who answered with what.
async fn answer_with(
    ctx: &SerenityContext,
    data: &Data,
    used: Used<'_>,
    case: &StaffCase,
    entry: &str,
) -> Result<(), Error> {
    let language = theirs(data, &used);
    let (Some(question), Some(thread)) = (case.question.as_deref(), thread_of(case)) else {
        let refusal = if case.question.is_none() {
            text!(language, "staff-text-gone")
        } else {
            text!(language, "staff-no-thread")
        };
        return used.respond(ctx, ephemeral(&refusal)).await;
    };
    used.respond(ctx, deferred()).await?;
    let staff = used.user().id.get().to_string();
    if let Err(refusal) = teach(data, case, question, Some(entry), &staff, language).await? {
        return used.finish(ctx, &refusal).await;
    }
    let language_there = conversation_language(data, thread, question).await;
    let origin = asker_in(case, thread, language_there);
    let Some(answer) = data.assistant.answer_with(entry, question, origin).await? else {
        return used.finish(ctx, &text!(language, "staff-gone")).await;
    };
    let create = CreateMessage::new()
        .embed(render::answer_embed(&answer, Default::default()))
        .components(render::answer_components(&answer))
        .allowed_mentions(no_mentions());
    let sent = with_retry("POST /channels/{channel_id}/messages", || {
        thread.send_message(&ctx.http, create.clone())
    })
    .await?;
    data.assistant
        .link_message(answer.record.id, &sent.id.get().to_string())
        .await?;
    tag_forum_post(ctx, data, thread, &answer.entry.tags).await;
    let (on_post, when) = (super::locale::for_staff(data), now_markup());
    let line = text!(
        on_post,
        "staff-answered",
        staff = staff,
        entry = entry,
        when = when
    );
    mark_post(ctx, data, used, case, &format!("✅ {line}"), true).await;
    let text = text!(
        language,
        "staff-answered-reply",
        thread = thread.get().to_string(),
        title = answer.entry.title.as_str(),
    );
    used.finish(ctx, &text).await
}

/// The asker of a case, in their thread, in its language.
fn asker_in(case: &StaffCase, thread: ChannelId, language: Language) -> Origin {
    Origin {
        front_end: "discord",
        guild_id: case.post.guild_id.clone(),
        channel_id: Some(thread.get().to_string()),
        user_id: case.asker.clone(),
        source_message_id: None,
        language,
    }
}

/// The language of the asker's thread: the one it keeps, else the
/// question's own.
async fn conversation_language(data: &Data, thread: ChannelId, question: &str) -> Language {
    match data.ledger.thread(&thread.get().to_string()).await {
        Ok(Some(record)) => record.language,
        Ok(None) => data.assistant.language_for(question, &[]),
        Err(error) => {
            warn!(error = %redact::chain(&error), "could not look up the thread");
            data.assistant.language_for(question, &[])
        }
    }
}

/// "Not in scope": the question is learned as having no entry, so the
/// next time it is asked it gets "no entry" without calling anyone.
async fn out_of_scope(
    ctx: &SerenityContext,
    data: &Data,
    used: Used<'_>,
    case: &StaffCase,
) -> Result<(), Error> {
    let language = theirs(data, &used);
    let Some(question) = case.question.as_deref() else {
        let refusal = text!(language, "staff-text-gone");
        return used.respond(ctx, ephemeral(&refusal)).await;
    };
    used.respond(ctx, deferred()).await?;
    let staff = used.user().id.get().to_string();
    if let Err(refusal) = teach(data, case, question, None, &staff, language).await? {
        return used.finish(ctx, &refusal).await;
    }
    let (on_post, when) = (super::locale::for_staff(data), now_markup());
    let line = text!(on_post, "staff-out-of-scope", staff = staff, when = when);
    mark_post(ctx, data, used, case, &format!("🚫 {line}"), true).await;
    used.finish(ctx, &text!(language, "staff-out-of-scope-reply"))
        .await
}

/// Teaches the matcher; `Ok(Err(text))` is a refusal to show staff, in
/// `language`.
async fn teach(
    data: &Data,
    case: &StaffCase,
    question: &str,
    entry: Option<&str>,
    staff: &str,
    language: Language,
) -> Result<Result<(), String>, Error> {
    let lesson = Lesson {
        question,
        entry,
        taught_by: staff,
        asked_by: Some(&case.asker),
        guild: case.post.guild_id.as_deref(),
    };
    match data.assistant.teach(lesson).await {
        Ok(_) => Ok(Ok(())),
        Err(TeachFailure::Store(error)) => Err(error.into()),
        Err(refused) => Ok(Err(text!(
            language,
            "staff-refused",
            reason = refused.to_string()
        ))),
    }
}

/// "Edit entry": where the entry a comment is about lives, and the
/// comment.
async fn edit_entry(
    ctx: &SerenityContext,
    data: &Data,
    used: Used<'_>,
    case: &StaffCase,
) -> Result<(), Error> {
    let language = theirs(data, &used);
    let gone = || ephemeral(&text!(language, "staff-gone"));
    let StaffSubject::Comment { answer, .. } = &case.subject else {
        return used.respond(ctx, gone()).await;
    };
    let Some(shown) = data.assistant.answer(*answer).await? else {
        return used.respond(ctx, gone()).await;
    };
    let path = entry_path(data, &shown.entry, shown.language);
    let mut text = text!(language, "staff-edit-entry", path = path);
    text.push('\n');
    let room = render::MAX_CONTENT.saturating_sub(text.chars().count());
    match &case.comment {
        Some(comment) => text.push_str(&render::quote_for_staff(comment.trim(), room)),
        None => text.push_str(&text!(language, "staff-comment-gone")),
    }
    used.respond(ctx, ephemeral(&text)).await
}

/// Where the entry shown in `language` lives under `knowledge/`, without
/// `.md`: its translation's file (`de/ID`) if it was shown translated.
fn entry_path(data: &Data, entry: &str, language: Language) -> String {
    let brain = data.assistant.brain();
    match brain.entry_in(language, entry) {
        Some((_, shown_in)) if shown_in != Language::PRIMARY => {
            format!("{}/{entry}", shown_in.code())
        }
        _ => entry.to_owned(),
    }
}

fn thread_of(case: &StaffCase) -> Option<ChannelId> {
    let id: std::num::NonZeroU64 = case.post.thread_id.as_deref()?.parse().ok()?;
    Some(ChannelId::from(id))
}

/// Adds the entry's tags to the thread if it is a forum post.
async fn tag_forum_post(ctx: &SerenityContext, data: &Data, thread: ChannelId, tags: &[String]) {
    let forum = match data.ledger.thread(&thread.get().to_string()).await {
        Ok(record) => record.and_then(|t| t.forum_id?.parse::<u64>().ok()),
        Err(error) => {
            warn!(error = %redact::chain(&error), "could not look up the thread");
            None
        }
    };
    if let Some(forum) = forum {
        let tags: Vec<&str> = tags.iter().map(String::as_str).collect();
        triage::add_forum_tags(ctx, forum, thread.get(), &tags).await;
    }
}

/// `<t:NOW:R>`: "5 minutes ago" in every reader's own words.
fn now_markup() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    format!("<t:{now}:R>")
}

/// Writes `line` on the post (a claim replaces an earlier claim); a
/// settled post keeps only what still applies ([`render::settled_controls`]).
/// Best effort: a post a moderator deleted is logged and skipped.
fn is_ephemeral(message: &Message) -> bool {
    message
        .flags
        .is_some_and(|flags| flags.contains(MessageFlags::EPHEMERAL))
}

async fn mark_post(
    ctx: &SerenityContext,
    data: &Data,
    used: Used<'_>,
    case: &StaffCase,
    line: &str,
    settled: bool,
) {
    let stored = (
        case.post.channel_id.as_deref().and_then(|c| c.parse().ok()),
        case.post.message_id.as_deref().and_then(|m| m.parse().ok()),
    );
    let (channel, message) = match stored {
        (Some(channel), Some(message)) => (ChannelId::new(channel), MessageId::new(message)),
        // A click that came before the post's id was stored: the post is
        // the (public) message the control was on.
        _ => match used.message().filter(|seen| !is_ephemeral(seen)) {
            Some(seen) => (seen.channel_id, seen.id),
            None => return,
        },
    };
    let content = match used.message().filter(|seen| seen.id == message) {
        Some(seen) => seen.content.clone(),
        None => match channel.message(&ctx.http, message).await {
            Ok(post) => post.content,
            Err(error) => {
                warn!(error = %redact::chain(&error), "could not read a post for staff");
                return;
            }
        },
    };
    let mut edit = EditMessage::new()
        .content(with_status(&content, line))
        .allowed_mentions(no_mentions());
    if settled {
        let comment = matches!(case.subject, StaffSubject::Comment { .. });
        let language = super::locale::for_staff(data);
        let kept: Vec<CreateActionRow> = render::settled_controls(case.post.id, comment, language);
        edit = edit.components(kept);
    }
    let edited = with_retry("PATCH /channels/{channel_id}/messages/{message_id}", || {
        channel.edit_message(&ctx.http, message, edit.clone())
    })
    .await;
    if let Err(error) = edited {
        warn!(error = %redact::chain(&error), "could not mark a post for staff");
    }
}

/// The post's text with a status line added at the end; a claim replaces
/// the earlier claim. The question quoted above is cut, never the status.
fn with_status(content: &str, line: &str) -> String {
    let claim = line.starts_with(CLAIM_MARK);
    let kept: Vec<&str> = content
        .lines()
        .filter(|l| !(claim && l.starts_with(CLAIM_MARK)))
        .collect();
    let room = render::MAX_CONTENT.saturating_sub(line.chars().count() + 1);
    format!("{}\n{line}", truncate(&kept.join("\n"), room))
}

const CLAIM_MARK: &str = "🙋";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_claim_replaces_the_earlier_claim_and_the_status_always_fits() {
        let post = "<@1> asked a question\n> what";
        let claimed = with_status(post, "🙋 Claimed by <@2> <t:1:R>");
        let again = with_status(&claimed, "🙋 Claimed by <@3> <t:2:R>");
        assert_eq!(again, format!("{post}\n🙋 Claimed by <@3> <t:2:R>"));
        let done = with_status(&again, "☑️ Resolved by <@3> <t:3:R>");
        assert!(done.ends_with("🙋 Claimed by <@3> <t:2:R>\n☑️ Resolved by <@3> <t:3:R>"));
        let long = "x".repeat(render::MAX_CONTENT);
        let marked = with_status(&long, "✅ Answered");
        assert!(marked.chars().count() <= render::MAX_CONTENT);
        assert!(marked.ends_with("\n✅ Answered"));
    }
}
