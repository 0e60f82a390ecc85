//! The bot speaks the asker's language (German and Spanish beside
//! English): the real `helpdesk serve`, in this process, against the local
//! Discord stand-in. What people see is compared with the shipped Fluent
//! messages (`assets/locales/`) and the knowledge in each language, never
//! spelled out here.

use crate::support;

use helpdesk::discord::custom_id::Action;
use helpdesk::knowledge::Knowledge;
use helpdesk::language::Language;
use serde_json::{json, Value};
use support::bot::{ask_in, knowledge_dir, standin, Workspace, TEXT, WAIT};
use support::standin::{MessageSpec, StandIn, StoredMessage, UserSpec};
use support::{action, choose, embed_title, is_dialogue, offers, vote};

/// What INVITE_PERMISSIONS in the README's invite URL grants: what the bot
/// needs once serenity checks its permissions from a cached server.
const INVITE_PERMISSIONS: u64 = 326_417_599_488;

fn asker() -> UserSpec {
    UserSpec::new(3_100_000_000_000_000_001, "ana")
}

fn bystander() -> UserSpec {
    UserSpec::new(3_100_000_000_000_000_002, "ben")
}

/// A shipped message in `language`, without arguments.
fn text(language: Language, id: &str) -> String {
    let text = helpdesk::i18n::translations()
        .format(language, id, None)
        .unwrap_or_else(|| panic!("{language} has no message {id}"));
    assert!(!text.is_empty());
    text
}

/// The shipped knowledge, which must speak `language`.
fn knowledge_in(language: Language) -> Knowledge {
    let knowledge = Knowledge::load_dir(&knowledge_dir()).expect("shipped knowledge");
    assert!(
        knowledge.languages().contains(&language),
        "the shipped knowledge has no {language} folder (knowledge/{language}/)"
    );
    knowledge
}

/// The title of `entry` in `language`'s knowledge.
fn title_in(language: Language, entry: &str) -> String {
    let knowledge = knowledge_in(language);
    let translated = knowledge.in_language(language);
    assert_eq!(translated.language(), language);
    translated
        .entry(entry)
        .unwrap_or_else(|| panic!("no {language} entry {entry}"))
        .title
        .clone()
}

/// Every label of a message's buttons, in order.
fn labels(message: &StoredMessage) -> Vec<String> {
    fn walk(value: &Value, into: &mut Vec<String>) {
        match value {
            Value::Array(items) => items.iter().for_each(|item| walk(item, into)),
            Value::Object(object) => {
                if let Some(label) = object.get("label").and_then(Value::as_str) {
                    into.push(label.to_owned());
                }
                if let Some(components) = object.get("components") {
                    walk(components, into);
                }
            }
            _ => {}
        }
    }
    let mut found = Vec::new();
    walk(&json!(message.components()), &mut found);
    found
}

fn footer(message: &StoredMessage) -> String {
    message
        .embeds()
        .first()
        .and_then(|embed| embed["footer"]["text"].as_str())
        .unwrap_or_default()
        .to_owned()
}

fn description(message: &StoredMessage) -> String {
    message
        .embeds()
        .first()
        .and_then(|embed| embed["description"].as_str())
        .unwrap_or_default()
        .to_owned()
}

/// The entry the answer to the question `message` was stored as.
async fn stored_entry(workspace: &Workspace, message: u64) -> String {
    use helpdesk::store::Store;
    let store = workspace.store().await;
    store
        .answer_for_source(&message.to_string())
        .await
        .unwrap()
        .expect("the answer is stored")
        .entry
}

/// An answer in `language`: the knowledge's title, the buttons and the
/// footer from that language's messages.
fn assert_answer_in(language: Language, answer: &StoredMessage, entry: &str) {
    assert_eq!(embed_title(answer), title_in(language, entry), "{language}");
    let labels = labels(answer);
    for id in [
        "answer-button-helpful",
        "answer-button-not-helpful",
        "answer-button-human",
    ] {
        assert!(
            labels.contains(&text(language, id)),
            "{language} {id}: {labels:?}"
        );
    }
    let zero = helpdesk::text!(language, "answer-footer", helpful = 0, not_helpful = 0);
    assert_eq!(footer(answer), zero);
}

/// Clicks 👍 on `answer` as `user` and returns what only they see.
async fn thumbs_up(
    standin: &StandIn,
    user: &UserSpec,
    thread: u64,
    answer: &StoredMessage,
) -> String {
    let click = standin.click_button(
        user,
        standin.guild_id(),
        thread,
        answer.id,
        &vote(answer, true),
    );
    let response = standin.wait_interaction_response(click.id, WAIT).await;
    assert!(response.is_ephemeral(), "{:?}", response.data);
    response.content().unwrap_or_default().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_german_question_gets_its_answer_buttons_and_thanks_in_german() {
    let german = Language::German;
    let standin = standin().start().await;
    let workspace = Workspace::new();
    let _bot = support::InProcess::start(&standin, &workspace, &[]).await;
    let question = "Mein Postfach ist voll und E-Mails an mich kommen als unzustellbar zurück. Was soll ich jetzt tun?";
    let (thread, answer) = ask_in(&standin, TEXT, &asker(), question).await;

    let name = standin.channel(thread).expect("a thread").name;
    assert!(name.starts_with("Mein Postfach ist voll"), "{name}");
    assert_eq!(stored_entry(&workspace, thread).await, "mailbox-quota");
    assert_answer_in(german, &answer, "mailbox-quota");

    let thanks = thumbs_up(&standin, &asker().with_locale("de"), thread, &answer).await;
    assert_eq!(thanks, text(german, "vote-thanks"));
    // A bystander whose Discord speaks English is thanked in English; the
    // tally under the answer stays in the conversation's language.
    let thanks = thumbs_up(&standin, &bystander().with_locale("en-GB"), thread, &answer).await;
    assert_eq!(thanks, text(Language::English, "vote-thanks"));
    let two = helpdesk::text!(german, "answer-footer", helpful = 2, not_helpful = 0);
    standin
        .wait_until_true("the German tally", WAIT, |s| {
            s.message(answer.id).is_some_and(|m| footer(&m) == two)
        })
        .await;

    // A follow-up too short to tell its language keeps the thread's.
    standin.send_message(MessageSpec::new(thread, &asker(), "und IMAP?"));
    let bot = standin.bot_user_id();
    let follow_up = standin
        .wait_message_in(
            thread,
            |m| m.author_id() == bot && m.id > answer.id && !m.embeds().is_empty(),
            WAIT,
        )
        .await;
    let german_reply = footer(&follow_up).starts_with(&text(german, "answer-footer")[..10])
        || embed_title(&follow_up) == text(german, "no-answer-title");
    assert!(german_reply, "{:?}", follow_up.embeds());
    standin.assert_no_violations();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spanish_question_gets_its_answer_buttons_and_thanks_in_spanish() {
    let spanish = Language::Spanish;
    let standin = standin().start().await;
    let workspace = Workspace::new();
    let _bot = support::InProcess::start(&standin, &workspace, &[]).await;
    let question =
        "Mi buzón de correo está lleno y los mensajes que me envían rebotan. ¿Qué tengo que hacer?";
    let (thread, answer) = ask_in(&standin, TEXT, &asker(), question).await;

    let name = standin.channel(thread).expect("a thread").name;
    assert!(name.starts_with("Mi buzón de correo"), "{name}");
    assert_eq!(stored_entry(&workspace, thread).await, "mailbox-quota");
    assert_answer_in(spanish, &answer, "mailbox-quota");

    let thanks = thumbs_up(&standin, &asker().with_locale("es-ES"), thread, &answer).await;
    assert_eq!(thanks, text(spanish, "vote-thanks"));

    // 👎 opens the improvement modal in the clicker's language.
    let click = standin.click_button(
        &bystander().with_locale("es-419"),
        standin.guild_id(),
        thread,
        answer.id,
        &vote(&answer, false),
    );
    let modal = standin.wait_interaction_response(click.id, WAIT).await;
    assert_eq!(modal.kind, 9, "{:?}", modal.data);
    assert_eq!(modal.data["title"], json!(text(spanish, "improve-title")));
    standin.assert_no_violations();
}

/// Clicks the first option of a dialogue step and returns the next step
/// (or the recommendation).
async fn first_option(
    standin: &StandIn,
    user: &UserSpec,
    thread: u64,
    step: &StoredMessage,
) -> StoredMessage {
    let option = action(
        step,
        |a| matches!(a, Action::DialogueAnswer { value, .. } if value != "unsure"),
    );
    let click = standin.click_button(user, standin.guild_id(), thread, step.id, &option.encode());
    let response = standin.wait_interaction_response(click.id, WAIT).await;
    assert_eq!(response.kind, 7, "{:?}", response.data);
    let bot = standin.bot_user_id();
    standin
        .wait_message_in(
            thread,
            |m| m.author_id() == bot && m.id > step.id && !m.custom_ids().is_empty(),
            WAIT,
        )
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dialogue_runs_in_german_to_its_recommendation() {
    let german = Language::German;
    let standin = standin().start().await;
    let workspace = Workspace::new();
    let _bot = support::InProcess::start(&standin, &workspace, &[]).await;
    let question = "Soll ich für mein E-Mail-Konto lieber POP oder IMAP verwenden? Was ist besser?";
    let (thread, answer) = ask_in(&standin, TEXT, &asker(), question).await;
    assert_eq!(stored_entry(&workspace, thread).await, "which-protocol");
    assert_answer_in(german, &answer, "which-protocol");
    assert!(labels(&answer).contains(&text(german, "answer-button-choose")));

    let click = standin.click_button(
        &asker(),
        standin.guild_id(),
        thread,
        answer.id,
        &choose(&answer),
    );
    standin.wait_interaction_response(click.id, WAIT).await;
    let mut step = standin.original_response(click.id).expect("the first step");
    let knowledge = knowledge_in(german);
    let dialogue = knowledge
        .in_language(german)
        .dialogue("which-protocol")
        .expect("the German dialogue")
        .clone();
    let first_title = helpdesk::text!(
        german,
        "dialogue-step-title",
        title = dialogue.title.as_str(),
        number = 1
    );
    assert_eq!(embed_title(&step), first_title);
    let step_labels = labels(&step);
    for id in ["dialogue-not-sure", "dialogue-restart"] {
        assert!(
            step_labels.contains(&text(german, id)),
            "{id}: {step_labels:?}"
        );
    }
    let prompts: Vec<&str> = dialogue
        .questions
        .iter()
        .map(|q| q.prompt.as_str())
        .collect();
    for _ in 0..dialogue.questions.len() {
        if !offers(&step, is_dialogue) {
            break;
        }
        let asked = description(&step);
        assert!(
            prompts.iter().any(|p| asked.contains(p)),
            "a German prompt: {asked}"
        );
        step = first_option(&standin, &asker(), thread, &step).await;
    }
    assert!(
        !offers(&step, is_dialogue),
        "the dialogue ends: {:?}",
        step.custom_ids()
    );
    let recommended = helpdesk::text!(german, "dialogue-recommendation", label = "");
    let title = embed_title(&step);
    assert!(title.starts_with(recommended.trim_end()), "{title}");
    let labels_of_outcomes: Vec<&str> = dialogue
        .outcomes
        .values()
        .map(|o| o.label.as_str())
        .collect();
    assert!(
        labels_of_outcomes
            .iter()
            .any(|label| title.ends_with(label)),
        "{title}"
    );
    assert!(description(&step).contains(&text(german, "dialogue-why")));
    assert!(labels(&step).contains(&text(german, "answer-button-helpful")));
    standin.assert_no_violations();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_english_question_stays_english_in_a_german_server() {
    let standin = standin().guild_locale("de").start().await;
    let workspace = Workspace::new();
    let _bot = support::InProcess::start(&standin, &workspace, &[]).await;
    standin.send_guild_create(standin.guild_id(), "Hilfe", INVITE_PERMISSIONS);
    let question = "Should I use POP or IMAP for my account? I read my mail on a laptop.";
    let (thread, answer) = ask_in(&standin, TEXT, &asker(), question).await;
    assert_eq!(stored_entry(&workspace, thread).await, "which-protocol");
    assert_answer_in(Language::English, &answer, "which-protocol");

    // A question with no words of its own speaks the server's language,
    // thread name included.
    let bot = standin.bot_user_id();
    let bare = standin.send_message(MessageSpec {
        mentions: vec![standin.bot_user()],
        ..MessageSpec::new(TEXT, &bystander(), &format!("<@{bot}>"))
    });
    let reply = standin
        .wait_message_in(
            bare,
            |m| m.author_id() == bot && !m.embeds().is_empty(),
            WAIT,
        )
        .await;
    assert_eq!(
        embed_title(&reply),
        text(Language::German, "no-answer-title")
    );
    let name = standin.channel(bare).expect("a thread").name;
    assert_eq!(
        name,
        helpdesk::text!(Language::German, "thread-name-fallback", asker = "ben")
    );
    standin.assert_no_violations();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slash_commands_speak_the_persons_locale() {
    let german = Language::German;
    let standin = standin().start().await;
    let workspace = Workspace::new();
    let _bot = support::InProcess::start(&standin, &workspace, &[]).await;

    let ask = standin
        .commands()
        .into_iter()
        .find(|c| c.name() == "ask")
        .expect("/ask is registered");
    assert_eq!(
        ask.json["name_localizations"]["de"],
        json!(text(german, "cmd-ask"))
    );
    assert_eq!(
        ask.json["description_localizations"]["es-ES"],
        json!(text(Language::Spanish, "cmd-ask-description"))
    );

    let command = standin.slash_command(
        &asker().with_locale("de"),
        standin.guild_id(),
        TEXT,
        "ask",
        json!([{"name": "question", "type": 3, "value": "my mailbox is full and mail bounces"}]),
    );
    let reply = standin.wait_interaction_response(command.id, WAIT).await;
    let embed = &reply.data["embeds"][0];
    assert_eq!(
        embed["title"],
        json!(title_in(german, "mailbox-quota")),
        "{:?}",
        reply.data
    );
    let zero = helpdesk::text!(german, "answer-footer", helpful = 0, not_helpful = 0);
    assert_eq!(embed["footer"]["text"], json!(zero));
    standin.assert_no_violations();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_entry_not_yet_translated_is_shown_in_english_with_a_note() {
    let german = Language::German;
    let folder = tempfile::tempdir().expect("a scratch folder");
    crate::common::copy_dir(&knowledge_dir(), folder.path());
    let german_folder = folder.path().join("de");
    std::fs::remove_file(german_folder.join("mailbox-quota.md")).expect("the German entry");
    // Other German entries still name it as related: a translation may
    // relate to an entry only English has.
    let knowledge = folder.path().to_str().expect("a UTF-8 path").to_owned();
    let standin = standin().start().await;
    let workspace = Workspace::new();
    let _bot =
        support::InProcess::start(&standin, &workspace, &[("HELPDESK_KNOWLEDGE", &knowledge)])
            .await;
    // Someone whose Discord speaks German asks in English words the German
    // knowledge does not know: the English entry answers, with a note.
    let command = standin.slash_command(
        &asker().with_locale("de"),
        standin.guild_id(),
        TEXT,
        "ask",
        json!([{"name": "question", "type": 3, "value": "my mailbox is full and mail bounces"}]),
    );
    let reply = standin.wait_interaction_response(command.id, WAIT).await;
    let answer = standin.original_response(command.id).expect("the answer");
    assert_eq!(
        embed_title(&answer),
        title_in(Language::English, "mailbox-quota"),
        "{:?}",
        reply.data
    );
    assert!(
        description(&answer).starts_with(&format!("*{}*", text(german, "answer-untranslated"))),
        "{}",
        description(&answer)
    );
    // Everything else still speaks the conversation's language.
    assert!(labels(&answer).contains(&text(german, "answer-button-helpful")));
    let zero = helpdesk::text!(german, "answer-footer", helpful = 0, not_helpful = 0);
    assert_eq!(footer(&answer), zero);
    standin.assert_no_violations();
}
