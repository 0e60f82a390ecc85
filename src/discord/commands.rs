//! Slash commands: `/ask`, `/recommend` and the staff's `/kb`.

use std::time::Instant;

use poise::CreateReply;
use serenity::all::{CreateAttachment, CreateEmbed};
use tracing::{debug, error, info, warn};

use super::cooldown::{Spend, Verdict};
use super::redact;
use super::render::{self, no_mentions, truncate};
use super::{knowledge_source, Context, Data, Error};
use crate::assistant::{DialogueStep, Reply};
use crate::language::Language;
use crate::store::{Origin, Stats};
use crate::text;

/// Every command, with its names and descriptions in every language.
pub fn all() -> Vec<poise::Command<Data, Error>> {
    let mut commands = vec![ask(), recommend(), kb()];
    super::locale::localize(&mut commands);
    commands
}

fn origin(ctx: &Context<'_>, language: Language) -> Origin {
    super::origin::origin(
        ctx.author().id,
        ctx.guild_id(),
        ctx.channel_id(),
        None,
        language,
    )
}

/// The spoken language of the person's Discord locale, if it is one.
fn locale_language(ctx: &Context<'_>) -> Option<Language> {
    ctx.locale()
        .and_then(|locale| ctx.data().assistant.language_of_locale(locale))
}

/// The language of a reply only the person sees: their locale's, else the
/// default.
fn theirs(ctx: &Context<'_>) -> Language {
    locale_language(ctx).unwrap_or_else(|| ctx.data().assistant.default_language())
}

/// The language of a conversation a command starts: the person's locale's,
/// else `question`'s own, else the server's preferred one, else the
/// default.
fn conversation_language(ctx: &Context<'_>, question: &str) -> Language {
    locale_language(ctx).unwrap_or_else(|| {
        super::locale::for_question(ctx.serenity_context(), ctx.data(), ctx.guild_id(), question)
    })
}

/// Spends a question from the person's budget ([`super::cooldown`]); over
/// it, they are told so and the command does nothing.
async fn within_budget(ctx: &Context<'_>) -> Result<bool, Error> {
    let verdict = ctx
        .data()
        .limiter
        .check(ctx.author().id.get(), Spend::Question, Instant::now());
    if verdict != Verdict::Allowed {
        ctx.send(ephemeral(&text!(theirs(ctx), "cooldown-clicks")))
            .await?;
        return Ok(false);
    }
    Ok(true)
}

/// A replayed interaction (after a gateway resume) is answered once only.
async fn first_time(ctx: &Context<'_>) -> Result<bool, Error> {
    Ok(ctx
        .data()
        .ledger
        .claim_interaction(&ctx.id().to_string())
        .await?)
}

/// Answers in watched channels and their threads are public; elsewhere
/// only the asker sees them.
async fn is_public_here(ctx: &Context<'_>) -> Result<bool, Error> {
    let data = ctx.data();
    if data.is_watched(ctx.channel_id()) {
        return Ok(true);
    }
    Ok(data
        .ledger
        .thread(&ctx.channel_id().get().to_string())
        .await?
        .is_some())
}

/// Ask the help desk a question about your email
#[poise::command(slash_command)]
pub async fn ask(
    ctx: Context<'_>,
    #[description = "Your question"]
    #[max_length = 1000]
    question: String,
) -> Result<(), Error> {
    if !first_time(&ctx).await? || !within_budget(&ctx).await? {
        return Ok(());
    }
    let public = is_public_here(&ctx).await?;
    let language = conversation_language(&ctx, &question);
    let reply = ctx
        .data()
        .assistant
        .ask(&question, origin(&ctx, language))
        .await?;
    let brain = ctx.data().assistant.brain();
    let scope = brain.knowledge_in(language).about().scope.as_deref();
    let (embed, components) = super::components::reply_for(&reply, scope, language);
    let sent = ctx
        .send(
            CreateReply::default()
                .embed(embed)
                .components(components)
                .ephemeral(!public)
                .allowed_mentions(no_mentions()),
        )
        .await?;
    if let Reply::Answer(answer) = reply {
        if let Ok(message) = sent.message().await {
            ctx.data()
                .assistant
                .link_message(answer.record.id, &message.id.get().to_string())
                .await?;
        }
    }
    Ok(())
}

/// Answer a few quick questions and get IMAP or POP recommended
#[poise::command(slash_command)]
pub async fn recommend(ctx: Context<'_>) -> Result<(), Error> {
    if !first_time(&ctx).await? || !within_budget(&ctx).await? {
        return Ok(());
    }
    let public = is_public_here(&ctx).await?;
    let language = conversation_language(&ctx, "");
    let none = || ephemeral(&text!(language, "dialogue-none"));
    let brain = ctx.data().assistant.brain();
    let Some(dialogue) = brain.knowledge.dialogues().first().map(|d| d.id.clone()) else {
        ctx.send(none()).await?;
        return Ok(());
    };
    let view = ctx
        .data()
        .assistant
        .start_dialogue(&dialogue, origin(&ctx, language), &Default::default())
        .await?;
    let Some(view) = view else {
        ctx.send(none()).await?;
        return Ok(());
    };
    let (embed, components) = render::dialogue_message(&view);
    let sent = ctx
        .send(
            CreateReply::default()
                .embed(embed)
                .components(components)
                .ephemeral(!public)
                .allowed_mentions(no_mentions()),
        )
        .await?;
    if let DialogueStep::Done { answer_id, .. } = view.step {
        if let Ok(message) = sent.message().await {
            ctx.data()
                .assistant
                .link_message(answer_id, &message.id.get().to_string())
                .await?;
        }
    }
    Ok(())
}

fn ephemeral(text: &str) -> CreateReply {
    CreateReply::default()
        .content(truncate(text, render::MAX_CONTENT))
        .ephemeral(true)
        .allowed_mentions(no_mentions())
}

/// An embed only the caller sees.
fn ephemeral_embed(embed: CreateEmbed) -> CreateReply {
    CreateReply::default()
        .embed(embed)
        .ephemeral(true)
        .allowed_mentions(no_mentions())
}

/// The help desk's knowledge and statistics; forget-me for everyone
#[poise::command(
    slash_command,
    subcommands(
        "stats",
        "unanswered",
        "gaps",
        "show",
        "reload",
        "learned",
        "unlearn",
        "forget_me"
    )
)]
pub async fn kb(_ctx: Context<'_>) -> Result<(), Error> {
    Ok(())
}

/// `/kb` stays visible to everyone because `forget-me` belongs to everyone
/// (Discord's command permissions cover a command with all its
/// subcommands), so the staff subcommands check for themselves
/// ([`staff_only`]): the support role or Manage Server, in the server the
/// command is run in, whose data (and only whose) they then show.
fn staff_server(ctx: &Context<'_>) -> Option<String> {
    let member = match ctx {
        poise::Context::Application(app) => app.interaction.member.as_deref(),
        poise::Context::Prefix(_) => None,
    };
    ctx.guild_id()
        .filter(|_| ctx.data().is_staff(member))
        .map(|g| g.get().to_string())
}

/// A staff command run by someone who is not staff there.
#[derive(Debug, thiserror::Error)]
#[error("this command is for the support team of the server it is run in")]
struct NotStaff;

/// The check on the staff subcommands; [`on_error`] tells the person.
async fn staff_only(ctx: Context<'_>) -> Result<bool, Error> {
    match staff_server(&ctx) {
        Some(_) => Ok(true),
        None => Err(NotStaff.into()),
    }
}

/// How often each answer was shown and how people voted, with a chart
#[poise::command(slash_command, check = "staff_only")]
pub async fn stats(ctx: Context<'_>) -> Result<(), Error> {
    let Some(server) = staff_server(&ctx) else {
        return Ok(()); // `staff_only` has refused it already.
    };
    let assistant = &ctx.data().assistant;
    let stats = assistant.stats(Some(&server)).await?;
    let days = assistant.questions_per_day(Some(&server)).await?;
    let language = theirs(&ctx);
    let text = stats_text(&stats, language);
    let mut embed = CreateEmbed::new()
        .title(text!(language, "kb-stats-title"))
        .description(truncate(&text, render::MAX_EMBED_DESCRIPTION));
    let mut reply = CreateReply::default()
        .ephemeral(true)
        .allowed_mentions(no_mentions());
    // Drawing is CPU work: off the async workers. Without a chart, the
    // text still goes out.
    let drawn = tokio::task::spawn_blocking(move || crate::chart::render(&stats, &days)).await;
    match drawn {
        Ok(Ok(png)) => {
            embed = embed.image(format!("attachment://{STATS_CHART}"));
            reply = reply.attachment(CreateAttachment::bytes(png, STATS_CHART));
        }
        Ok(Err(error)) => error!(error = %error, "could not draw the statistics chart"),
        Err(error) => error!(error = %error, "drawing the statistics chart failed"),
    }
    ctx.send(reply.embed(embed)).await?;
    Ok(())
}

/// The file name of the chart `/kb stats` attaches.
const STATS_CHART: &str = "helpdesk-stats.png";

/// The statistics as text, in `language`: totals, then a table of entries.
fn stats_text(stats: &Stats, language: Language) -> String {
    let asked = stats.answers + stats.unanswered;
    let answered_share = if asked == 0 {
        "-".to_owned()
    } else {
        format!(
            "{:.0}%",
            100.0 * (asked - stats.escalated) as f64 / asked as f64
        )
    };
    let totals = text!(
        language,
        "kb-stats-totals",
        answers = stats.answers,
        unanswered = stats.unanswered,
        escalated = stats.escalated,
    );
    let share = text!(language, "kb-stats-share", share = answered_share);
    let votes = text!(
        language,
        "kb-stats-votes",
        helpful = stats.votes.helpful,
        not_helpful = stats.votes.not_helpful,
    );
    let mut text = format!("{totals}\n{share}\n{votes}\n\n");
    // The asker's own verdict, apart from bystanders' votes.
    text.push_str(&format!("`{}`\n", text!(language, "kb-stats-header")));
    for entry in &stats.entries {
        let percent = entry
            .helpful_percent()
            .map_or_else(|| "-".to_owned(), |p| format!("{p:.0}%"));
        text.push_str(&format!(
            "`{:<26} {:>5} {:>4} {:>4} {:>8}  {:>11}`\n",
            truncate(&entry.entry, 26),
            entry.shown,
            entry.helpful,
            entry.not_helpful,
            percent,
            format!("{}/{}", entry.asker_helpful, entry.asker_not_helpful),
        ));
    }
    text
}

/// Recent questions nobody had an answer for
#[poise::command(slash_command, check = "staff_only")]
pub async fn unanswered(ctx: Context<'_>) -> Result<(), Error> {
    let Some(server) = staff_server(&ctx) else {
        return Ok(()); // `staff_only` has refused it already.
    };
    let recent = ctx
        .data()
        .assistant
        .recent_unanswered(Some(&server), 15)
        .await?;
    let language = theirs(&ctx);
    let mut text = String::new();
    for question in &recent {
        let line = match &question.question {
            Some(asked) => render::for_staff(&asked.replace('\n', " "), 200),
            None => text!(language, "kb-unanswered-removed"),
        };
        let place = question
            .channel_id
            .as_deref()
            .map(|c| format!(" {}", text!(language, "kb-unanswered-in", channel = c)))
            .unwrap_or_default();
        text.push_str(&format!("• {line}{place}\n"));
    }
    if text.is_empty() {
        text.push_str(&text!(language, "kb-nothing-unanswered"));
    }
    let embed = CreateEmbed::new()
        .title(text!(language, "kb-unanswered-title"))
        .description(truncate(&text, render::MAX_EMBED_DESCRIPTION));
    ctx.send(ephemeral_embed(embed)).await?;
    Ok(())
}

/// Unanswered questions grouped by similarity: what to write next
#[poise::command(slash_command, check = "staff_only")]
pub async fn gaps(ctx: Context<'_>) -> Result<(), Error> {
    let Some(server) = staff_server(&ctx) else {
        return Ok(()); // `staff_only` has refused it already.
    };
    let gaps = ctx.data().assistant.gaps(Some(&server)).await?;
    let language = theirs(&ctx);
    let mut text = String::new();
    for gap in gaps.iter().take(10) {
        let nearest = gap.nearest.as_ref().map_or_else(
            || text!(language, "kb-gaps-none-near"),
            |n| {
                let confidence = format!("{:.2}", n.confidence);
                text!(
                    language,
                    "kb-gaps-nearest",
                    entry = n.entry.as_str(),
                    confidence = confidence
                )
            },
        );
        let group = text!(
            language,
            "kb-gaps-group",
            count = gap.count,
            nearest = nearest
        );
        text.push_str(&format!("{group}\n"));
        for sample in &gap.samples {
            let sample = render::for_staff(&sample.replace('\n', " "), 150);
            text.push_str(&format!("> {sample}\n"));
        }
    }
    if text.is_empty() {
        text.push_str(&text!(language, "kb-nothing-unanswered"));
    }
    let embed = CreateEmbed::new()
        .title(text!(language, "kb-gaps-title"))
        .description(truncate(&text, render::MAX_EMBED_DESCRIPTION));
    ctx.send(ephemeral_embed(embed)).await?;
    Ok(())
}

async fn entry_ids<'a>(ctx: Context<'a>, partial: &'a str) -> Vec<String> {
    // Autocomplete runs no command check: the allow-list is applied here.
    if !ctx.data().serves(ctx.guild_id()) {
        return Vec::new();
    }
    let partial = partial.to_lowercase();
    ctx.data()
        .assistant
        .brain()
        .knowledge_in(theirs(&ctx))
        .entries()
        .iter()
        .filter(|e| e.id.contains(&partial) || e.title.to_lowercase().contains(&partial))
        .map(|e| e.id.clone())
        .take(25)
        .collect()
}

/// Show one knowledge entry as people see it
#[poise::command(slash_command)]
pub async fn show(
    ctx: Context<'_>,
    #[description = "The entry's id"]
    #[autocomplete = "entry_ids"]
    entry: String,
) -> Result<(), Error> {
    let brain = ctx.data().assistant.brain();
    let language = theirs(&ctx);
    let Some((found, _)) = brain.entry_in(language, &entry) else {
        let entry = truncate(&entry, 100);
        ctx.send(ephemeral(&text!(
            language,
            "kb-show-missing",
            entry = entry
        )))
        .await?;
        return Ok(());
    };
    let embed = CreateEmbed::new()
        .title(truncate(&found.title, render::MAX_EMBED_TITLE))
        .description(truncate(&found.body, render::MAX_EMBED_DESCRIPTION))
        .field(
            text!(language, "kb-show-id"),
            format!("`{}`", found.id),
            true,
        )
        .field(
            text!(language, "kb-show-tags"),
            if found.tags.is_empty() {
                "-".to_owned()
            } else {
                found.tags.join(", ")
            },
            true,
        )
        .field(
            text!(language, "kb-show-examples"),
            found.examples.len().to_string(),
            true,
        );
    ctx.send(ephemeral_embed(embed)).await?;
    Ok(())
}

/// Re-read the knowledge folder (the old knowledge stays if it is invalid)
#[poise::command(slash_command, check = "staff_only")]
pub async fn reload(ctx: Context<'_>) -> Result<(), Error> {
    let Some(server) = staff_server(&ctx) else {
        return Ok(()); // `staff_only` has refused it already.
    };
    // The knowledge is shared by every server: only the staff of the
    // server that holds the triage channel may reload it.
    let language = theirs(&ctx);
    if !super::triage::is_home(ctx.serenity_context(), ctx.data(), &server).await {
        ctx.send(ephemeral(&text!(language, "kb-reload-not-home")))
            .await?;
        return Ok(());
    }
    let text = match ctx.data().reload() {
        Ok(entries) => text!(
            language,
            "kb-reload-done",
            entries = entries,
            source = knowledge_source(&ctx.data().config),
        ),
        Err(errors) => {
            warn!(errors = errors.0.len(), "knowledge reload refused");
            let mut text = format!("{}\n```\n", text!(language, "kb-reload-errors"));
            for problem in &errors.0 {
                text.push_str(&format!("{problem}\n"));
            }
            text = truncate(&text, render::MAX_CONTENT - 4);
            text.push_str("\n```");
            text
        }
    };
    ctx.send(ephemeral(&text)).await?;
    Ok(())
}

/// Learned examples shown per page of `/kb learned`.
const LEARNED_PAGE: usize = 10;

/// Questions the support team answered from triage, which the bot learned
#[poise::command(slash_command, check = "staff_only")]
pub async fn learned(
    ctx: Context<'_>,
    #[description = "Page (10 per page, newest first)"]
    #[min = 1]
    page: Option<u32>,
) -> Result<(), Error> {
    let Some(server) = staff_server(&ctx) else {
        return Ok(()); // `staff_only` has refused it already.
    };
    let mut learned = ctx.data().assistant.learned(Some(&server)).await?;
    learned.reverse();
    let language = theirs(&ctx);
    let pages = learned.len().div_ceil(LEARNED_PAGE).max(1);
    let page = usize::try_from(page.unwrap_or(1))
        .unwrap_or(usize::MAX)
        .clamp(1, pages);
    let mut text = String::new();
    for example in learned
        .iter()
        .skip((page - 1) * LEARNED_PAGE)
        .take(LEARNED_PAGE)
    {
        let entry = example.entry.as_deref().map_or_else(
            || text!(language, "kb-learned-not-in-scope"),
            |e| format!("`{e}`"),
        );
        let question = render::for_staff(&example.text.replace('\n', " "), 200);
        let line = text!(
            language,
            "kb-learned-line",
            id = example.id,
            entry = entry,
            staff = example.taught_by.to_string(),
            when = format!("<t:{}:R>", example.taught_at),
        );
        text.push_str(&format!("{line}\n> {question}\n"));
    }
    if text.is_empty() {
        text.push_str(&text!(language, "kb-learned-none"));
    }
    let footer = text!(
        language,
        "kb-learned-footer",
        page = page,
        pages = pages,
        count = learned.len(),
    );
    let embed = CreateEmbed::new()
        .title(text!(language, "kb-learned-title"))
        .description(truncate(&text, render::MAX_EMBED_DESCRIPTION))
        .footer(serenity::all::CreateEmbedFooter::new(footer));
    ctx.send(ephemeral_embed(embed)).await?;
    Ok(())
}

/// Forget one learned example (its id is in /kb learned)
#[poise::command(slash_command, check = "staff_only")]
pub async fn unlearn(
    ctx: Context<'_>,
    #[description = "The learned example's id, from /kb learned"]
    #[min = 1]
    id: i64,
) -> Result<(), Error> {
    let Some(server) = staff_server(&ctx) else {
        return Ok(()); // `staff_only` has refused it already.
    };
    let language = theirs(&ctx);
    let text = match ctx.data().assistant.unlearn(id, Some(&server)).await? {
        Some(example) => {
            info!(example = example.id, "learned example removed");
            let entry = example.entry.as_deref().map_or_else(
                || text!(language, "kb-unlearned-not-in-scope"),
                |e| format!("`{e}`"),
            );
            text!(language, "kb-unlearned", id = example.id, entry = entry)
        }
        None => text!(language, "kb-unlearn-missing", id = id),
    };
    ctx.send(ephemeral(&text)).await?;
    Ok(())
}

/// Delete your stored questions, comments and votes
#[poise::command(slash_command, rename = "forget-me")]
pub async fn forget_me(ctx: Context<'_>) -> Result<(), Error> {
    if !first_time(&ctx).await? {
        return Ok(());
    }
    let user = ctx.author().id.get().to_string();
    let report = ctx.data().assistant.forget(&user).await?;
    let staff = super::locale::for_staff(ctx.data());
    let removed = super::triage::remove_traces(ctx.serenity_context(), &report.traces, staff).await;
    info!(
        votes = report.votes,
        questions = report.questions,
        staff_posts = removed.staff_posts,
        threads_renamed = removed.threads,
        "forgot a person's data on request"
    );
    let language = theirs(&ctx);
    let mut text = text!(
        language,
        "kb-forgot",
        votes = report.votes,
        questions = report.questions,
    );
    if removed.staff_posts + removed.threads > 0 {
        let traces = text!(
            language,
            "kb-forgot-traces",
            posts = removed.staff_posts,
            threads = removed.threads,
        );
        text.push_str(&format!(" {traces}"));
    }
    ctx.send(ephemeral(&text)).await?;
    Ok(())
}

/// Errors meant for people are shown; the rest are logged, and the person
/// gets a short apology.
pub async fn on_error(failure: poise::FrameworkError<'_, Data, Error>) {
    match failure {
        poise::FrameworkError::Command { error, ctx, .. } => {
            error!(command = %ctx.command().qualified_name, error = %redact::chain(error.as_ref()), "command failed");
            let sorry = text!(theirs(&ctx), "error-try-again");
            let _ = ctx.send(ephemeral(&sorry)).await;
        }
        // The only command check: the server is not on HELPDESK_GUILDS.
        poise::FrameworkError::CommandCheckFailed {
            error: Some(error),
            ctx,
            ..
        } if error.is::<NotStaff>() => {
            let _ = ctx
                .send(ephemeral(&text!(theirs(&ctx), "kb-not-staff")))
                .await;
        }
        poise::FrameworkError::CommandCheckFailed {
            error: None, ctx, ..
        } => {
            debug!(
                command = %ctx.command().qualified_name,
                guild = ctx.guild_id().map(|g| g.get()),
                "command from a server not on HELPDESK_GUILDS; ignored"
            );
        }
        other => {
            if let Err(error) = poise::builtins::on_error(other).await {
                error!(error = %redact::chain(&error), "could not report an error");
            }
        }
    }
}
