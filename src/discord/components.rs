//! Buttons, selects and modals: votes, "Help me choose", "Talk to a
//! human", "Did you mean…", the dialogue's steps and the improvement modal.
//!
//! Every component carries a versioned custom id ([`Action`]); its state
//! lives in the store, so a click after a restart carries on. A stale,
//! unknown or forged id gets a polite ephemeral reply and a log line.

use std::ops::Deref;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use serenity::all::{
    ActionRowComponent, ComponentInteraction, ComponentInteractionDataKind,
    Context as SerenityContext, CreateEmbed, CreateInteractionResponse,
    CreateInteractionResponseFollowup, CreateInteractionResponseMessage, EditMessage, MessageFlags,
    ModalInteraction,
};
use tracing::{info, warn};

use super::cooldown::{Spend, Verdict};
use super::custom_id::{Action, ParseError, TriageAct};
use super::in_hand::StepInFlight;
use super::lifecycle::record_entry;
use super::origin;
use super::redact;
use super::render::{self, no_mentions};
use super::retry::{discord_code, with_retry};
use super::staff::{self, Used};
use super::triage::{self, Escalation, Told};
use super::{Data, Error};
use crate::assistant::{
    DialogueEvent, DialogueFailure, DialogueStep, DialogueView, Offered, Reply, StaffSubject,
};
use crate::language::Language;
use crate::store::{AnswerId, AnswerRecord, SessionId};
use crate::text;

/// Discord's error code for a second callback to one interaction.
const ALREADY_ACKNOWLEDGED: isize = 40_060;

/// Why a click or a submit is refused, in words for its person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Refusal {
    /// The conversation moved on (or the id is from an older version).
    Stale,
    /// Someone else's dialogue.
    NotYours,
    /// Something failed on the bot's side.
    TryAgain,
}

impl Refusal {
    fn text(self, language: Language) -> String {
        match self {
            Self::Stale => text!(language, "error-stale"),
            Self::NotYours => text!(language, "error-not-yours"),
            Self::TryAgain => text!(language, "error-try-again"),
        }
    }
}

fn ephemeral(text: &str) -> CreateInteractionResponse {
    CreateInteractionResponse::Message(
        CreateInteractionResponseMessage::new()
            .content(text)
            .ephemeral(true)
            .allowed_mentions(no_mentions()),
    )
}

/// A component interaction being handled, and whether its one callback
/// has been sent: Discord refuses a second callback (40060), so once it is
/// acknowledged anything more the person should see goes as a follow-up.
struct Click<'a> {
    interaction: &'a ComponentInteraction,
    acknowledged: AtomicBool,
}

impl<'a> Click<'a> {
    fn new(interaction: &'a ComponentInteraction) -> Self {
        Self {
            interaction,
            acknowledged: AtomicBool::new(false),
        }
    }

    fn is_acknowledged(&self) -> bool {
        self.acknowledged.load(Ordering::SeqCst)
    }
}

impl Deref for Click<'_> {
    type Target = ComponentInteraction;

    fn deref(&self) -> &ComponentInteraction {
        self.interaction
    }
}

/// Sends the interaction's callback (the only way handlers send one).
async fn respond(
    ctx: &SerenityContext,
    interaction: &Click<'_>,
    response: CreateInteractionResponse,
) -> Result<(), Error> {
    with_retry(
        "POST /interactions/{interaction_id}/{interaction_token}/callback",
        || interaction.create_response(&ctx.http, response.clone()),
    )
    .await?;
    interaction.acknowledged.store(true, Ordering::SeqCst);
    Ok(())
}

/// Tells the person their click failed, in `language`: as the callback if
/// none was sent yet, else (or if Discord says one was, its reply lost on
/// the way) as an ephemeral follow-up. Never a second callback.
async fn apologise(ctx: &SerenityContext, interaction: &Click<'_>, language: Language) {
    let sorry = Refusal::TryAgain.text(language);
    if !interaction.is_acknowledged() {
        match interaction
            .create_response(&ctx.http, ephemeral(&sorry))
            .await
        {
            Ok(()) => return,
            Err(error) if discord_code(&error) == Some(ALREADY_ACKNOWLEDGED) => {}
            Err(error) => {
                warn!(error = %redact::chain(&error), "could not tell the person their click failed");
                return;
            }
        }
    }
    let followup = CreateInteractionResponseFollowup::new()
        .content(sorry)
        .ephemeral(true)
        .allowed_mentions(no_mentions());
    if let Err(error) = interaction.create_followup(&ctx.http, followup).await {
        warn!(error = %redact::chain(&error), "could not tell the person their click failed");
    }
}

pub async fn on_component(
    ctx: &SerenityContext,
    data: &Data,
    interaction: &ComponentInteraction,
) -> Result<(), Error> {
    let interaction = &Click::new(interaction);
    // Until the conversation is known: the person's own language.
    let theirs = super::locale::personal(data, &interaction.locale, None);
    let custom_id = interaction.data.custom_id.as_str();
    let action = match Action::parse(custom_id) {
        Ok(action) => action,
        Err(problem) => {
            // Debug-formatted: a forged id's newlines and escapes stay
            // visible as escapes, so it cannot forge log lines.
            warn!(?custom_id, user = interaction.user.id.get(), %problem, "unusable component id");
            let text = match problem {
                ParseError::ForeignVersion => Refusal::Stale.text(theirs),
                ParseError::Malformed => text!(theirs, "error-unknown-button"),
            };
            return respond(ctx, interaction, ephemeral(&text)).await;
        }
    };
    if data
        .limiter
        .check(interaction.user.id.get(), spend_of(&action), Instant::now())
        != Verdict::Allowed
    {
        let slow_down = text!(theirs, "cooldown-clicks");
        return respond(ctx, interaction, ephemeral(&slow_down)).await;
    }
    match data
        .ledger
        .claim_interaction(&interaction.id.get().to_string())
        .await
    {
        Ok(true) => {}
        Ok(false) => {
            metrics::counter!(crate::operations::metric::REPLAYS, "event" => "component")
                .increment(1);
            info!(
                interaction = interaction.id.get(),
                "interaction replayed; already handled"
            );
            return Ok(());
        }
        Err(error) => {
            warn!(error = %redact::chain(&error), "could not record the interaction");
            let sorry = Refusal::TryAgain.text(theirs);
            return respond(ctx, interaction, ephemeral(&sorry)).await;
        }
    }
    let result = act(ctx, data, interaction, action).await;
    if let Err(error) = &result {
        warn!(error = %redact::chain(error.as_ref()), "component failed");
        apologise(ctx, interaction, theirs).await;
    }
    Ok(())
}

/// What a click spends of its person's budget: asking for something
/// (a dialogue, a human, another answer) counts as a question.
fn spend_of(action: &Action) -> Spend {
    match action {
        Action::Choose { .. } | Action::Human { .. } | Action::Alternative { .. } => {
            Spend::Question
        }
        Action::Vote { .. }
        | Action::Improve { .. }
        | Action::DialogueAnswer { .. }
        | Action::DialogueBack { .. }
        | Action::DialogueRestart { .. }
        | Action::Triage { .. } => Spend::Click,
    }
}

/// Carries out a click that was claimed.
async fn act(
    ctx: &SerenityContext,
    data: &Data,
    interaction: &Click<'_>,
    action: Action,
) -> Result<(), Error> {
    match action {
        Action::Vote { answer, helpful } => vote(ctx, data, interaction, answer, helpful).await,
        Action::Choose { answer } => choose(ctx, data, interaction, answer).await,
        Action::Human { answer } => human(ctx, data, interaction, answer).await,
        Action::Alternative { answer } => alternative(ctx, data, interaction, answer).await,
        Action::Improve { .. } => refuse(ctx, data, interaction, Refusal::Stale, None).await,
        Action::DialogueAnswer {
            session,
            slot,
            value,
        } => {
            let event = DialogueEvent::Answer { slot, value };
            step(ctx, data, interaction, session, event).await
        }
        Action::DialogueBack { session } => {
            step(ctx, data, interaction, session, DialogueEvent::Back).await
        }
        Action::DialogueRestart { session } => {
            step(ctx, data, interaction, session, DialogueEvent::Restart).await
        }
        Action::Triage { post, act } => {
            staff::on_control(ctx, data, Used::Component(interaction), post, act).await
        }
    }
}

/// Refuses a click, in its person's language (`stored`: the
/// conversation's, if known).
async fn refuse(
    ctx: &SerenityContext,
    data: &Data,
    interaction: &Click<'_>,
    refusal: Refusal,
    stored: Option<Language>,
) -> Result<(), Error> {
    let language = super::locale::personal(data, &interaction.locale, stored);
    respond(ctx, interaction, ephemeral(&refusal.text(language))).await
}

/// Loads the answer a component points at, or tells the user it is stale.
async fn load_answer(
    ctx: &SerenityContext,
    data: &Data,
    interaction: &Click<'_>,
    answer: AnswerId,
) -> Result<Option<AnswerRecord>, Error> {
    let record = data.assistant.answer(answer).await?;
    match &record {
        Some(record) => record_entry(&record.entry),
        None => {
            warn!(answer = answer.0, "component for an unknown answer");
            refuse(ctx, data, interaction, Refusal::Stale, None).await?;
        }
    }
    Ok(record)
}

fn is_ephemeral(interaction: &ComponentInteraction) -> bool {
    interaction
        .message
        .flags
        .is_some_and(|flags| flags.contains(MessageFlags::EPHEMERAL))
}

async fn vote(
    ctx: &SerenityContext,
    data: &Data,
    interaction: &Click<'_>,
    answer: AnswerId,
    helpful: bool,
) -> Result<(), Error> {
    let Some(record) = load_answer(ctx, data, interaction, answer).await? else {
        return Ok(());
    };
    let user = interaction.user.id.get().to_string();
    let tally = data.assistant.vote(answer, &user, helpful).await?;
    // The vote is stored: acknowledge it before anything else can fail.
    let theirs = super::locale::personal(data, &interaction.locale, Some(record.language));
    let response = if helpful {
        ephemeral(&text!(theirs, "vote-thanks"))
    } else {
        CreateInteractionResponse::Modal(render::improvement_modal(answer, theirs))
    };
    respond(ctx, interaction, response).await?;
    if !is_ephemeral(interaction) {
        if let Some(embed) = interaction.message.embeds.first() {
            let embed = CreateEmbed::from(embed.clone());
            let embed = render::with_tally(embed, tally, record.language);
            let edit = EditMessage::new().embed(embed);
            let _ = with_retry("PATCH /channels/{channel_id}/messages/{message_id}", || {
                interaction
                    .channel_id
                    .edit_message(&ctx.http, interaction.message.id, edit.clone())
            })
            .await;
        }
    }
    if helpful && record.user_id == user {
        tag_forum_post(ctx, data, interaction, &data.config.solved_tag).await?;
    }
    Ok(())
}

/// Adds a tag to the forum post the interaction happened in, if it is one
/// the bot answered.
async fn tag_forum_post(
    ctx: &SerenityContext,
    data: &Data,
    interaction: &ComponentInteraction,
    tag: &str,
) -> Result<(), Error> {
    let channel = interaction.channel_id.get();
    let thread = data.ledger.thread(&channel.to_string()).await?;
    if let Some(forum) = thread
        .and_then(|t| t.forum_id)
        .and_then(|id| id.parse().ok())
    {
        triage::add_forum_tags(ctx, forum, channel, &[tag]).await;
    }
    Ok(())
}

async fn choose(
    ctx: &SerenityContext,
    data: &Data,
    interaction: &Click<'_>,
    answer: AnswerId,
) -> Result<(), Error> {
    // The dialogue speaks the answer's language, whoever clicks.
    let origin = origin::of_click(interaction, data.assistant.default_language());
    let view = match data
        .assistant
        .start_offered_dialogue(answer, origin)
        .await?
    {
        Offered::Started(view) => *view,
        Offered::NotYours => {
            return refuse(ctx, data, interaction, Refusal::NotYours, None).await;
        }
        Offered::Nothing => {
            warn!(
                answer = answer.0,
                "Help me choose for an answer without a dialogue"
            );
            return refuse(ctx, data, interaction, Refusal::Stale, None).await;
        }
    };
    let (embed, components) = render::dialogue_message(&view);
    let result = match view.step {
        DialogueStep::Done { answer_id, .. } => Some(answer_id),
        DialogueStep::Ask { .. } => None,
    };
    reply_with(ctx, data, interaction, embed, components, result).await
}

/// Replies with a new message (private where the clicked one was), and
/// links `answer`, if any, to it.
async fn reply_with(
    ctx: &SerenityContext,
    data: &Data,
    interaction: &Click<'_>,
    embed: CreateEmbed,
    components: Vec<serenity::all::CreateActionRow>,
    answer: Option<AnswerId>,
) -> Result<(), Error> {
    let message = CreateInteractionResponseMessage::new()
        .embed(embed)
        .components(components)
        .ephemeral(is_ephemeral(interaction))
        .allowed_mentions(no_mentions());
    respond(
        ctx,
        interaction,
        CreateInteractionResponse::Message(message),
    )
    .await?;
    if let Some(answer) = answer {
        attach_original(ctx, data, interaction, answer).await;
    }
    Ok(())
}

/// Links an answer to the message that shows it.
async fn attach_original(
    ctx: &SerenityContext,
    data: &Data,
    interaction: &ComponentInteraction,
    answer: AnswerId,
) {
    if let Ok(message) = interaction.get_response(&ctx.http).await {
        let _ = data
            .assistant
            .link_message(answer, &message.id.get().to_string())
            .await;
    }
}

async fn human(
    ctx: &SerenityContext,
    data: &Data,
    interaction: &Click<'_>,
    answer: AnswerId,
) -> Result<(), Error> {
    let Some(record) = load_answer(ctx, data, interaction, answer).await? else {
        return Ok(());
    };
    let clicker = interaction.user.id.get();
    let is_asker = record.user_id == clicker.to_string();
    let theirs = super::locale::personal(data, &interaction.locale, Some(record.language));
    if !is_asker && !data.is_staff(interaction.member.as_ref()) {
        let refusal = text!(theirs, "human-only-asker-or-staff");
        return respond(ctx, interaction, ephemeral(&refusal)).await;
    }
    // The role is pinged only where the bot answers in public: never in a
    // channel where the answer was private to the asker.
    let channel = interaction.channel_id;
    let public_here = !is_ephemeral(interaction)
        && (data.is_watched(channel)
            || data
                .ledger
                .thread(&channel.get().to_string())
                .await?
                .is_some());
    let not_kept = text!(super::locale::for_staff(data), "triage-text-not-kept");
    let told = triage::escalate(
        ctx,
        data,
        &Escalation {
            guild: interaction.guild_id.map(|g| g.get()),
            thread: channel.get(),
            asker: record.user_id.parse().unwrap_or(clicker),
            question: record.question.as_deref().unwrap_or(&not_kept),
            entry: Some(&record.entry),
            subject: StaffSubject::Human(answer),
            ping_in_thread: public_here,
            language: record.language,
        },
    )
    .await;
    let text = match told {
        Told::Staff => text!(theirs, "human-asked"),
        Told::Already => text!(theirs, "human-already"),
        Told::Nobody => text!(theirs, "human-nobody"),
    };
    respond(ctx, interaction, ephemeral(&text)).await?;
    if told == Told::Staff {
        tag_forum_post(ctx, data, interaction, &data.config.escalation_tag).await?;
    }
    Ok(())
}

async fn alternative(
    ctx: &SerenityContext,
    data: &Data,
    interaction: &Click<'_>,
    answer: AnswerId,
) -> Result<(), Error> {
    let Some(record) = load_answer(ctx, data, interaction, answer).await? else {
        return Ok(());
    };
    let stale = Refusal::Stale;
    let language = Some(record.language);
    let ComponentInteractionDataKind::StringSelect { values } = &interaction.data.kind else {
        return refuse(ctx, data, interaction, stale, language).await;
    };
    let Some(entry) = values.first() else {
        return refuse(ctx, data, interaction, stale, language).await;
    };
    if record.user_id != interaction.user.id.get().to_string() {
        let theirs = super::locale::personal(data, &interaction.locale, language);
        let refusal = text!(theirs, "error-not-your-question");
        return respond(ctx, interaction, ephemeral(&refusal)).await;
    }
    // The other answer speaks the conversation's language.
    let origin = origin::of_click(interaction, record.language);
    let question = record.question.as_deref().unwrap_or_default();
    let Some(chosen) = data.assistant.answer_with(entry, question, origin).await? else {
        return refuse(ctx, data, interaction, stale, language).await;
    };
    let embed = render::answer_embed(&chosen, Default::default());
    let components = render::answer_components(&chosen);
    reply_with(
        ctx,
        data,
        interaction,
        embed,
        components,
        Some(chosen.record.id),
    )
    .await?;
    Ok(())
}

async fn step(
    ctx: &SerenityContext,
    data: &Data,
    interaction: &Click<'_>,
    session: SessionId,
    event: DialogueEvent,
) -> Result<(), Error> {
    let answered = match &event {
        DialogueEvent::Answer { slot, value } => Some((slot.clone(), value.clone())),
        _ => None,
    };
    let Some(in_flight) = data.steps.enter(session) else {
        // A double click: the first click of the two is being handled.
        info!(
            session = session.0,
            "dialogue click while another is handled"
        );
        return refuse(ctx, data, interaction, Refusal::Stale, None).await;
    };
    let view = match apply_step(data, interaction, session, event, &in_flight).await {
        Ok(Ok(view)) => view,
        // The guard goes before any refusal is sent: the refused click must
        // not hold the session once its sender can see the refusal.
        Ok(Err(refusal)) => {
            drop(in_flight);
            return refuse(ctx, data, interaction, refusal, None).await;
        }
        Err(error) => {
            drop(in_flight);
            return Err(error);
        }
    };
    let (embed, components) = render::dialogue_message(&view);
    let Some((slot, value)) = answered else {
        // Back and Restart redraw the step in place.
        let update = CreateInteractionResponseMessage::new()
            .embed(embed)
            .components(components);
        let update = CreateInteractionResponse::UpdateMessage(update);
        return respond(ctx, interaction, update).await;
    };
    // An answered step keeps its question and the choice, without buttons,
    // and the next step (or the result) follows as a message of its own.
    let question = view.dialogue.question(&slot);
    let prompt = question.map(|q| q.prompt.clone()).unwrap_or_default();
    let label = match question {
        Some(question) => render::option_label(question, &value, view.language),
        None => crate::dialogue::answer_label(&view.dialogue, &slot, &value).to_owned(),
    };
    let update = CreateInteractionResponseMessage::new()
        .embed(render::answered_step(&prompt, &label))
        .components(Vec::new());
    let update = CreateInteractionResponse::UpdateMessage(update);
    respond(ctx, interaction, update).await?;
    in_flight.acknowledge(&slot, &value);
    // Released before the next step is posted: a click on that step is no
    // double click of this one (which the acknowledgement now tells).
    drop(in_flight);
    post_next_step(ctx, data, interaction, &view, embed, components).await
}

/// The dialogue event of a click: the view it leads to, or the refusal
/// to show. A click again on the step it answered is shown that step's
/// outcome again if its first acknowledgement was lost (see
/// [`crate::assistant::Assistant::replayed_step`]).
async fn apply_step(
    data: &Data,
    interaction: &Click<'_>,
    session: SessionId,
    event: DialogueEvent,
    in_flight: &StepInFlight<'_>,
) -> Result<Result<DialogueView, Refusal>, Error> {
    let answered = match &event {
        DialogueEvent::Answer { slot, value } => Some((slot.clone(), value.clone())),
        _ => None,
    };
    // The session keeps the language it started in.
    let origin = origin::of_click(interaction, data.assistant.default_language());
    match data.assistant.dialogue_event(session, origin, event).await {
        Ok(view) => {
            in_flight.forget();
            Ok(Ok(view))
        }
        Err(DialogueFailure::NotYours) => Ok(Err(Refusal::NotYours)),
        Err(DialogueFailure::Stale) if answered.is_some() => {
            let (slot, value) = answered.unwrap_or_default();
            let replayed = if in_flight.acknowledged(&slot, &value) {
                None // A double click: this process answered the first.
            } else {
                let user = interaction.user.id.get().to_string();
                data.assistant
                    .replayed_step(session, &user, &slot, &value)
                    .await?
            };
            if replayed.is_some() {
                info!(
                    session = session.0,
                    "dialogue click again after an unacknowledged one"
                );
            } else {
                warn!(session = session.0, "stale dialogue click");
            }
            Ok(replayed.ok_or(Refusal::Stale))
        }
        Err(DialogueFailure::Stale | DialogueFailure::Unknown | DialogueFailure::Invalid(_)) => {
            warn!(session = session.0, "stale dialogue click");
            Ok(Err(Refusal::Stale))
        }
        Err(DialogueFailure::Store(error)) => Err(error.into()),
    }
}

/// Posts the next step, or the recommendation (linked to its message, so
/// its votes are counted).
async fn post_next_step(
    ctx: &SerenityContext,
    data: &Data,
    interaction: &Click<'_>,
    view: &DialogueView,
    embed: CreateEmbed,
    components: Vec<serenity::all::CreateActionRow>,
) -> Result<(), Error> {
    let followup = CreateInteractionResponseFollowup::new()
        .embed(embed)
        .components(components)
        .ephemeral(is_ephemeral(interaction))
        .allowed_mentions(no_mentions());
    let sent = with_retry(
        "POST /webhooks/{application_id}/{interaction_token}",
        || interaction.create_followup(&ctx.http, followup.clone()),
    )
    .await?;
    if let DialogueStep::Done {
        answer_id,
        recommendation,
    } = &view.step
    {
        info!(outcome = %recommendation.outcome, "dialogue finished");
        data.assistant
            .link_message(*answer_id, &sent.id.get().to_string())
            .await?;
    }
    Ok(())
}

pub async fn on_modal(
    ctx: &SerenityContext,
    data: &Data,
    modal: &ModalInteraction,
) -> Result<(), Error> {
    let action = Action::parse(&modal.data.custom_id);
    if !matches!(
        action,
        Ok(Action::Improve { .. }
            | Action::Triage {
                act: TriageAct::Search,
                ..
            })
    ) {
        // Debug-formatted, as for components: escaped, never raw.
        warn!(custom_id = ?modal.data.custom_id, "unusable modal id");
        let theirs = super::locale::personal(data, &modal.locale, None);
        respond_modal(ctx, modal, &Refusal::Stale.text(theirs)).await;
        return Ok(());
    }
    if !admit_modal(ctx, data, modal).await {
        return Ok(());
    }
    match action {
        Ok(Action::Triage { post, act }) => {
            let result = staff::on_control(ctx, data, Used::Modal(modal), post, act).await;
            if let Err(error) = &result {
                warn!(error = %redact::chain(error.as_ref()), "staff search failed");
                let theirs = super::locale::personal(data, &modal.locale, None);
                respond_modal(ctx, modal, &Refusal::TryAgain.text(theirs)).await;
            }
            Ok(())
        }
        Ok(Action::Improve { answer }) => improve(ctx, data, modal, answer).await,
        _ => Ok(()),
    }
}

async fn respond_modal(ctx: &SerenityContext, modal: &ModalInteraction, text: &str) {
    let _ = with_retry(
        "POST /interactions/{interaction_id}/{interaction_token}/callback",
        || modal.create_response(&ctx.http, ephemeral(text)),
    )
    .await;
}

/// Whether a modal submit is handled: within its person's budget, and not
/// handled before (a replay is dropped without a word).
async fn admit_modal(ctx: &SerenityContext, data: &Data, modal: &ModalInteraction) -> bool {
    let theirs = super::locale::personal(data, &modal.locale, None);
    if data
        .limiter
        .check(modal.user.id.get(), Spend::Click, Instant::now())
        != Verdict::Allowed
    {
        respond_modal(ctx, modal, &text!(theirs, "cooldown-clicks")).await;
        return false;
    }
    // Nothing has answered the submit yet: a failing store gets the
    // apology as the callback, not silence.
    match data
        .ledger
        .claim_interaction(&modal.id.get().to_string())
        .await
    {
        Ok(claimed) => claimed,
        Err(error) => {
            warn!(error = %redact::chain(&error), "could not record the modal submit");
            respond_modal(ctx, modal, &Refusal::TryAgain.text(theirs)).await;
            false
        }
    }
}

/// The improvement modal: the comment is stored with the vote and passed
/// on to staff.
async fn improve(
    ctx: &SerenityContext,
    data: &Data,
    modal: &ModalInteraction,
    answer: AnswerId,
) -> Result<(), Error> {
    let comment = comment_of(modal);
    let record = match store_comment(data, answer, modal.user.id.get(), &comment).await {
        Ok(record) => record,
        Err(refusal) => {
            let theirs = super::locale::personal(data, &modal.locale, None);
            respond_modal(ctx, modal, &refusal.text(theirs)).await;
            return Ok(());
        }
    };
    let theirs = super::locale::personal(data, &modal.locale, Some(record.language));
    if comment.trim().is_empty() {
        respond_modal(ctx, modal, &text!(theirs, "improve-thanks-vote")).await;
        return Ok(());
    }
    respond_modal(ctx, modal, &text!(theirs, "improve-thanks-comment")).await;
    pass_on_comment(ctx, data, modal, &record, &comment).await;
    Ok(())
}

/// Stores a comment with its author's vote: the answer it is about, or
/// what to tell the author.
async fn store_comment(
    data: &Data,
    answer: AnswerId,
    user: u64,
    comment: &str,
) -> Result<AnswerRecord, Refusal> {
    let record = match data.assistant.answer(answer).await {
        Ok(Some(record)) => record,
        Ok(None) => return Err(Refusal::Stale),
        Err(error) => {
            warn!(error = %redact::chain(&error), "could not load the answer of a modal submit");
            return Err(Refusal::TryAgain);
        }
    };
    let stored = data
        .assistant
        .comment(answer, &user.to_string(), comment)
        .await;
    if let Err(error) = stored {
        warn!(error = %redact::chain(&error), "could not store the comment");
        return Err(Refusal::TryAgain);
    }
    Ok(record)
}

/// The improvement comment typed into the modal, cut to its limit (a
/// forged submit may carry more).
fn comment_of(modal: &ModalInteraction) -> String {
    let comment = modal
        .data
        .components
        .iter()
        .flat_map(|row| &row.components)
        .find_map(|component| match component {
            ActionRowComponent::InputText(input) if input.custom_id == render::COMMENT_FIELD => {
                input.value.clone()
            }
            _ => None,
        })
        .unwrap_or_default();
    comment
        .chars()
        .take(usize::from(render::MAX_COMMENT))
        .collect()
}

/// Posts a comment to the triage channel, escaped, once per person and
/// answer.
async fn pass_on_comment(
    ctx: &SerenityContext,
    data: &Data,
    modal: &ModalInteraction,
    record: &AnswerRecord,
    comment: &str,
) {
    let user = modal.user.id.get();
    let guild = modal.guild_id.map(|g| g.get());
    let staff = super::locale::for_staff(data);
    let mut text = text!(
        staff,
        "triage-comment",
        entry = record.entry.as_str(),
        user = user.to_string(),
        link = super::link(guild, modal.channel_id.get()),
    );
    text.push('\n');
    let room = render::MAX_CONTENT.saturating_sub(text.chars().count());
    text.push_str(&render::quote_for_staff(comment.trim(), room));
    let subject = StaffSubject::Comment {
        answer: record.id,
        user_id: user.to_string(),
    };
    let about = triage::About {
        guild,
        thread: modal.channel_id.get(),
        subject: &subject,
        author: user,
        question: record.question.as_deref(),
    };
    triage::notify_staff(ctx, data, &about, &text).await;
}

/// Replies to a slash command's answer are rendered like message answers;
/// `scope` is what the help desk says it can help with, in `language`.
pub fn reply_for(
    reply: &Reply,
    scope: Option<&str>,
    language: Language,
) -> (CreateEmbed, Vec<serenity::all::CreateActionRow>) {
    match reply {
        Reply::Answer(answer) => (
            render::answer_embed(answer, Default::default()),
            render::answer_components(answer),
        ),
        Reply::NoAnswer(_) => (render::no_answer_embed(false, scope, language), Vec::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn asking_for_something_spends_a_question_and_the_rest_a_click() {
        for action in [
            Action::Choose {
                answer: AnswerId(1),
            },
            Action::Human {
                answer: AnswerId(1),
            },
            Action::Alternative {
                answer: AnswerId(1),
            },
        ] {
            assert_eq!(spend_of(&action), Spend::Question, "{action:?}");
        }
        for action in [
            Action::Vote {
                answer: AnswerId(1),
                helpful: false,
            },
            Action::DialogueBack {
                session: SessionId(1),
            },
            Action::DialogueAnswer {
                session: SessionId(1),
                slot: "devices".to_owned(),
                value: "one".to_owned(),
            },
        ] {
            assert_eq!(spend_of(&action), Spend::Click, "{action:?}");
        }
    }
}
