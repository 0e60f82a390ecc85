//! The assistant's use cases end to end, through the public API, on an
//! in-memory store: answers, unanswered questions, dialogues, votes, reload.

use crate::common;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use helpdesk::assistant::{
    Assistant, Brain, DialogueEvent, DialogueFailure, DialogueStep, DialogueView, Offered, Reply,
};
use helpdesk::knowledge::Knowledge;
use helpdesk::language::Language;
use helpdesk::matcher::DEFAULT_THRESHOLD;
use helpdesk::store::{self, AnswerKind, Origin, Store, Tally};
use helpdesk::store::{AnswerId, SessionId};

const DIALOGUE: &str = "which-protocol";

async fn assistant() -> Assistant {
    assistant_with_store().await.0
}

/// The assistant, and its store for checks the front ends cannot make.
async fn assistant_with_store() -> (Assistant, std::sync::Arc<dyn store::Store>) {
    let store = store::open("sqlite::memory:").await.unwrap();
    let assistant = Assistant::new(
        Brain::new(Knowledge::builtin().unwrap(), DEFAULT_THRESHOLD),
        store.clone(),
    );
    (assistant, store)
}

fn user(id: &str) -> Origin {
    Origin::terminal(id)
}

fn from_message(user_id: &str, message: &str) -> Origin {
    Origin {
        front_end: "discord",
        guild_id: Some("g".to_owned()),
        channel_id: Some("c".to_owned()),
        user_id: user_id.to_owned(),
        source_message_id: Some(message.to_owned()),
        language: Language::English,
    }
}

fn answer(slot: &str, value: &str) -> DialogueEvent {
    DialogueEvent::Answer {
        slot: slot.to_owned(),
        value: value.to_owned(),
    }
}

/// The slot asked and its number, or a panic naming what was shown.
fn asking(view: &DialogueView) -> (&str, usize) {
    match &view.step {
        DialogueStep::Ask { question, number } => (question.slot.as_str(), *number),
        DialogueStep::Done { recommendation, .. } => {
            panic!("expected a question, got {}", recommendation.outcome)
        }
    }
}

fn done(view: &DialogueView) -> (&str, AnswerId) {
    match &view.step {
        DialogueStep::Done {
            recommendation,
            answer_id,
        } => (recommendation.outcome.as_str(), *answer_id),
        DialogueStep::Ask { question, .. } => {
            panic!("expected a result, was asked {}", question.slot)
        }
    }
}

#[tokio::test]
async fn a_question_is_answered_and_recorded() {
    let assistant = assistant().await;
    let question = "should i use imap or pop3 for my new account";
    let Reply::Answer(answer) = assistant.ask(question, user("u1")).await.unwrap() else {
        panic!("no answer for {question:?}");
    };
    assert_eq!(answer.entry.id, "which-protocol");
    assert_eq!(answer.found.entry.as_deref(), Some("which-protocol"));
    assert!(answer.record.created);
    assert_eq!(answer.record.entry, answer.entry.id);
    assert_eq!(answer.record.kind, AnswerKind::Entry);
    assert_eq!(answer.record.question.as_deref(), Some(question));
    for (id, _) in &answer.close_alternatives {
        let alternative = answer
            .found
            .alternatives
            .iter()
            .find(|a| &a.entry == id)
            .unwrap();
        assert!(alternative.confidence >= 0.75 * answer.found.confidence);
        assert_ne!(id, &answer.entry.id);
    }

    let stored = assistant.answer(answer.record.id).await.unwrap().unwrap();
    assert_eq!(stored.entry, "which-protocol");
    assert_eq!(stored.user_id, "u1");
    let stats = assistant.stats(None).await.unwrap();
    assert_eq!((stats.answers, stats.unanswered), (1, 0));
    assert_eq!(stats.entries[0].entry, "which-protocol");
    assert_eq!(stats.entries[0].shown, 1);
}

#[tokio::test]
async fn a_replayed_message_is_answered_once() {
    let assistant = assistant().await;
    let question = "my mailbox is full";
    let first = assistant
        .ask(question, from_message("u1", "m1"))
        .await
        .unwrap();
    let again = assistant
        .ask(question, from_message("u1", "m1"))
        .await
        .unwrap();
    let (Reply::Answer(first), Reply::Answer(again)) = (first, again) else {
        panic!("no answer for {question:?}");
    };
    assert!(first.record.created);
    assert!(!again.record.created);
    assert_eq!(first.record.id, again.record.id);
    assert_eq!(assistant.stats(None).await.unwrap().answers, 1);
}

#[tokio::test]
async fn a_question_set_aside_is_listed_unanswered_once_even_if_it_has_an_answer() {
    let assistant = assistant().await;
    // A question the knowledge answers: set aside, it is not matched.
    let question = "my mailbox is full";
    let first = assistant
        .set_aside(question, from_message("u1", "m1"), None)
        .await
        .unwrap();
    let again = assistant
        .set_aside(question, from_message("u1", "m1"), None)
        .await
        .unwrap();
    assert!(first.created);
    assert!(!again.created, "a replay is recorded once");
    assert_eq!(first.id, again.id);
    let listed = assistant.recent_unanswered(None, 10).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].question.as_deref(), Some(question));
    assert_eq!(listed[0].user_id, "u1");
    let stats = assistant.stats(None).await.unwrap();
    assert_eq!((stats.answers, stats.unanswered), (0, 1));
}

#[tokio::test]
async fn an_unanswerable_question_is_recorded_as_unanswered() {
    let assistant = assistant().await;
    let question = "sourdough starter hydration ratio for rye flour";
    let Reply::NoAnswer(none) = assistant
        .ask(question, from_message("u1", "m1"))
        .await
        .unwrap()
    else {
        panic!("{question:?} got an answer");
    };
    assert_eq!(none.found.entry, None);
    assert!(none.record.created);
    assert_eq!(none.record.question.as_deref(), Some(question));
    // A replay does not count twice.
    let Reply::NoAnswer(again) = assistant
        .ask(question, from_message("u1", "m1"))
        .await
        .unwrap()
    else {
        panic!("{question:?} got an answer the second time");
    };
    assert_eq!(again.record.id, none.record.id);

    let stats = assistant.stats(None).await.unwrap();
    assert_eq!((stats.answers, stats.unanswered), (0, 1));
    let recent = assistant.recent_unanswered(None, 5).await.unwrap();
    assert_eq!(recent.len(), 1);
    assert_eq!(recent[0].question.as_deref(), Some(question));
}

#[tokio::test]
async fn slots_in_the_question_prefill_the_dialogue() {
    let (assistant, store) = assistant_with_store().await;
    let question = "I read mail on my phone and laptop, pop or imap?";
    let Reply::Answer(answer) = assistant.ask(question, user("u1")).await.unwrap() else {
        panic!("no answer for {question:?}");
    };
    assert_eq!(
        answer.found.slots.get("devices").map(String::as_str),
        Some("several"),
        "{:?}",
        answer.found.slots
    );
    assert_eq!(
        answer.entry.dialogue.as_deref(),
        Some(DIALOGUE),
        "{question:?} matched `{}`, which offers no dialogue",
        answer.entry.id
    );
    let view = assistant
        .start_dialogue(DIALOGUE, user("u1"), &answer.found.slots)
        .await
        .unwrap()
        .expect("the dialogue exists");
    let (outcome, result) = done(&view);
    assert_eq!(outcome, "imap");
    assert_eq!(view.state.asked(), 0);
    assert!(view.state.answers.iter().all(|a| a.prefilled));

    let recorded = assistant.answer(result).await.unwrap().unwrap();
    assert_eq!(recorded.kind, AnswerKind::Recommendation);
    assert_eq!(recorded.entry, "which-protocol:imap");
    let session = store
        .dialogue_session(view.session_id)
        .await
        .unwrap()
        .unwrap();
    assert!(session.finished);
    assert_eq!(session.result_answer_id, Some(result));
}

#[tokio::test]
async fn an_unknown_dialogue_does_not_start() {
    let assistant = assistant().await;
    let view = assistant
        .start_dialogue("no-such-dialogue", user("u1"), &BTreeMap::new())
        .await
        .unwrap();
    assert!(view.is_none());
}

#[tokio::test]
async fn a_dialogue_runs_to_a_recommendation_through_events() {
    let (assistant, store) = assistant_with_store().await;
    let owner = user("owner");
    let view = assistant
        .start_dialogue(DIALOGUE, owner.clone(), &BTreeMap::new())
        .await
        .unwrap()
        .unwrap();
    let session = view.session_id;
    assert_eq!(asking(&view), ("devices", 1));

    // Someone else clicking is refused and changes nothing.
    let stranger = assistant
        .dialogue_event(session, user("stranger"), answer("devices", "several"))
        .await;
    assert!(
        matches!(stranger, Err(DialogueFailure::NotYours)),
        "{stranger:?}"
    );

    // A click on a question that is not the current one is stale.
    let stale = assistant
        .dialogue_event(session, owner.clone(), answer("backups", "no"))
        .await;
    assert!(matches!(stale, Err(DialogueFailure::Stale)), "{stale:?}");
    let invalid = assistant
        .dialogue_event(session, owner.clone(), answer("devices", "three"))
        .await;
    assert!(
        matches!(invalid, Err(DialogueFailure::Invalid(_))),
        "{invalid:?}"
    );
    let unknown = assistant
        .dialogue_event(
            SessionId(session.0 + 99),
            owner.clone(),
            DialogueEvent::Back,
        )
        .await;
    assert!(
        matches!(unknown, Err(DialogueFailure::Unknown)),
        "{unknown:?}"
    );

    let view = assistant
        .dialogue_event(session, owner.clone(), answer("devices", "one"))
        .await
        .unwrap();
    let (second, number) = asking(&view);
    assert_eq!(number, 2);
    assert_ne!(second, "devices");
    // The same click again, e.g. a double click, is stale now.
    let replay = assistant
        .dialogue_event(session, owner.clone(), answer("devices", "one"))
        .await;
    assert!(matches!(replay, Err(DialogueFailure::Stale)), "{replay:?}");

    let view = assistant
        .dialogue_event(session, owner.clone(), DialogueEvent::Back)
        .await
        .unwrap();
    assert_eq!(asking(&view), ("devices", 1));

    // One device, offline, safe storage and backups: POP.
    let answers = BTreeMap::from([
        ("devices", "one"),
        ("offline", "yes"),
        ("quota", "no"),
        ("storage", "no"),
        ("backups", "yes"),
    ]);
    let mut view = view;
    let mut steps = 0;
    let (outcome, result) = loop {
        let slot = match &view.step {
            DialogueStep::Done {
                recommendation,
                answer_id,
            } => break (recommendation.outcome.clone(), *answer_id),
            DialogueStep::Ask { question, .. } => question.slot.clone(),
        };
        steps += 1;
        assert!(steps <= 5, "more than 5 questions");
        view = assistant
            .dialogue_event(
                session,
                owner.clone(),
                answer(&slot, answers[slot.as_str()]),
            )
            .await
            .unwrap();
    };
    assert_eq!(outcome, "pop");
    let recorded = assistant.answer(result).await.unwrap().unwrap();
    assert_eq!(recorded.entry, "which-protocol:pop");
    assert_eq!(recorded.user_id, "owner");
    let stored = store.dialogue_session(session).await.unwrap().unwrap();
    assert!(stored.finished);
    assert_eq!(stored.result_answer_id, Some(result));

    // A finished dialogue only restarts.
    let late = assistant
        .dialogue_event(session, owner.clone(), answer("devices", "one"))
        .await;
    assert!(matches!(late, Err(DialogueFailure::Stale)), "{late:?}");
    let late = assistant
        .dialogue_event(session, owner.clone(), DialogueEvent::Back)
        .await;
    assert!(matches!(late, Err(DialogueFailure::Stale)), "{late:?}");
    let view = assistant
        .dialogue_event(session, owner.clone(), DialogueEvent::Restart)
        .await
        .unwrap();
    assert_eq!(asking(&view), ("devices", 1));
    assert!(view.state.answers.is_empty());
    assert!(
        !store
            .dialogue_session(session)
            .await
            .unwrap()
            .unwrap()
            .finished
    );

    // The recommendation takes votes like any answer.
    assert_eq!(
        assistant.vote(result, "owner", false).await.unwrap(),
        Tally {
            helpful: 0,
            not_helpful: 1
        }
    );
    assert_eq!(
        assistant.comment(result, "someone", "   ").await.unwrap(),
        Tally {
            helpful: 0,
            not_helpful: 1
        },
        "a blank comment was stored as a vote"
    );
    assert_eq!(
        assistant
            .comment(result, "owner", "more detail")
            .await
            .unwrap(),
        Tally {
            helpful: 0,
            not_helpful: 1
        }
    );
    assert_eq!(
        assistant.vote(result, "owner", true).await.unwrap(),
        Tally {
            helpful: 1,
            not_helpful: 0
        }
    );
}

#[tokio::test]
async fn a_dialogue_survives_a_restarted_assistant() {
    // Two assistants on one database stand for a bot before and after a
    // restart: the second carries on from the stored state.
    let dir = tempfile::tempdir().unwrap();
    let url = dir.path().join("helpdesk.db").display().to_string();
    let open = || async {
        let store: Arc<dyn Store> = store::open(&url).await.unwrap();
        Assistant::new(
            Brain::new(Knowledge::builtin().unwrap(), DEFAULT_THRESHOLD),
            store,
        )
    };
    let owner = user("owner");
    let before = open().await;
    let view = before
        .start_dialogue(DIALOGUE, owner.clone(), &BTreeMap::new())
        .await
        .unwrap()
        .unwrap();
    let view = before
        .dialogue_event(view.session_id, owner.clone(), answer("devices", "one"))
        .await
        .unwrap();
    let (next, _) = asking(&view);
    let next = next.to_owned();
    drop(before);

    let after = open().await;
    let view = after
        .dialogue_event(view.session_id, owner.clone(), answer(&next, "unsure"))
        .await
        .unwrap();
    assert_eq!(view.state.value("devices"), Some("one"));
    assert_eq!(view.state.value(&next), Some("unsure"));
}

#[tokio::test]
async fn a_chosen_entry_is_shown_and_recorded() {
    let assistant = assistant().await;
    let shown = assistant
        .answer_with("pop", "did you mean pop", user("u1"))
        .await
        .unwrap()
        .expect("pop exists");
    assert_eq!(shown.entry.id, "pop");
    assert_eq!(shown.found.entry.as_deref(), Some("pop"));
    assert_eq!(shown.record.entry, "pop");
    assert_eq!(
        shown.record.question, None,
        "the question is kept once, with the first answer, not copied"
    );
    assert!(assistant
        .answer_with("no-such-entry", "x", user("u1"))
        .await
        .unwrap()
        .is_none());
    assert_eq!(assistant.stats(None).await.unwrap().answers, 1);
}

#[tokio::test]
async fn a_chosen_entry_with_a_dialogue_keeps_what_the_question_answered() {
    let assistant = assistant().await;
    let question = "mail on my phone and my laptop, not sure what to pick";
    let chosen = assistant
        .answer_with("which-protocol", question, user("u1"))
        .await
        .unwrap()
        .expect("which-protocol exists");
    assert_eq!(chosen.entry.dialogue.as_deref(), Some(DIALOGUE));
    assert_eq!(
        chosen.found.slots.get("devices").map(String::as_str),
        Some("several"),
        "{:?}",
        chosen.found
    );
    // An entry with no dialogue has nothing to fill in.
    let plain = assistant
        .answer_with("pop", question, user("u1"))
        .await
        .unwrap()
        .expect("pop exists");
    assert!(plain.entry.dialogue.is_none());
    assert!(plain.found.slots.is_empty(), "{:?}", plain.found);
}

#[tokio::test]
async fn reload_swaps_the_knowledge() {
    let store = store::open("sqlite::memory:").await.unwrap();
    let assistant = Assistant::new(Brain::new(Knowledge::builtin().unwrap(), 0.5), store);
    let question = "what hydration should my sourdough starter have";
    assert!(matches!(
        assistant.ask(question, user("u1")).await.unwrap(),
        Reply::NoAnswer(_)
    ));
    let old_brain = assistant.brain();

    let baking = Knowledge::from_files(
        Path::new("baking"),
        vec![common::entry_file(
            "sourdough",
            "Feeding a sourdough starter",
            &["sourdough", "starter", "hydration", "levain"],
            &[
                "how do i feed my sourdough starter",
                "what hydration for a starter",
                "my levain smells like acetone",
                "sourdough starter not rising",
                "how often to feed a starter",
                "starter hydration 100 percent",
                "can i keep my starter in the fridge",
                "why is my sourdough flat",
            ],
            "Feed it equal weights of flour and water.",
        )],
    )
    .unwrap();
    assistant.reload(baking);

    let brain = assistant.brain();
    assert_eq!(brain.matcher.threshold(), 0.5, "reload lost the threshold");
    assert_eq!(brain.knowledge.entries().len(), 1);
    assert!(brain.knowledge.dialogue(DIALOGUE).is_none());
    // A question in flight keeps the brain it started with.
    assert!(old_brain.knowledge.entry("imap").is_some());

    let Reply::Answer(answer) = assistant.ask(question, user("u1")).await.unwrap() else {
        panic!("the reloaded knowledge did not answer {question:?}");
    };
    assert_eq!(answer.entry.id, "sourdough");
    assert!(matches!(
        assistant.ask("what is imap", user("u1")).await.unwrap(),
        Reply::NoAnswer(_)
    ));
    let view = assistant
        .start_dialogue(DIALOGUE, user("u1"), &BTreeMap::new())
        .await
        .unwrap();
    assert!(view.is_none(), "the old dialogue outlived the reload");
}

// ---------------------------------------------------------------- languages

fn in_language(user_id: &str, language: Language) -> Origin {
    Origin {
        language,
        ..Origin::terminal(user_id)
    }
}

#[tokio::test]
async fn a_question_is_answered_from_its_language_s_knowledge_and_keeps_it() {
    let (assistant, store) = assistant_with_store().await;
    let question = "Soll ich für meine E-Mails POP oder IMAP verwenden? Ich lese sie auf dem Handy und dem Laptop.";
    let language = assistant.language_for(question, &[]);
    assert_eq!(language, Language::German);
    let Reply::Answer(answer) = assistant
        .ask(question, in_language("u1", language))
        .await
        .unwrap()
    else {
        panic!("no answer for {question:?}");
    };
    let german = Knowledge::builtin().unwrap();
    let german = german.in_language(Language::German);
    assert_eq!(answer.entry.id, "which-protocol");
    assert_eq!(
        answer.entry.title,
        german.entry("which-protocol").unwrap().title
    );
    assert_eq!(answer.shown_in, Language::German);
    assert_eq!(answer.record.language, Language::German);
    // The phone and the laptop were read in German: the dialogue, started
    // by anyone's click, runs in German with that answer filled in.
    assert_eq!(
        answer.found.slots.get("devices").map(String::as_str),
        Some("several")
    );
    let Offered::Started(view) = assistant
        .start_offered_dialogue(answer.record.id, user("u1"))
        .await
        .unwrap()
    else {
        panic!("the dialogue did not start");
    };
    assert_eq!(view.language, Language::German);
    assert_eq!(
        view.dialogue.title,
        german.dialogue(DIALOGUE).unwrap().title
    );
    let (outcome, result) = done(&view);
    assert_eq!(outcome, "imap");
    let recorded = assistant.answer(result).await.unwrap().unwrap();
    assert_eq!(recorded.language, Language::German);
    let session = store
        .dialogue_session(view.session_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(session.language, Language::German);
}

#[tokio::test]
async fn a_language_is_told_from_the_text_else_from_the_hints_else_the_default() {
    let store = store::open("sqlite::memory:").await.unwrap();
    let brain = Brain::new(Knowledge::builtin().unwrap(), DEFAULT_THRESHOLD);
    let assistant = Assistant::new(brain, store).with_default_language(Language::Spanish);
    assert_eq!(assistant.default_language(), Language::Spanish);
    let english = "My mailbox is full and people say their mail bounces, what can I do?";
    assert_eq!(
        assistant.language_for(english, &[Some(Language::German)]),
        Language::English
    );
    assert_eq!(
        assistant.language_for("imap?", &[Some(Language::German)]),
        Language::German
    );
    assert_eq!(assistant.language_for("imap?", &[None]), Language::Spanish);
    assert_eq!(
        assistant.language_of_locale("es-419"),
        Some(Language::Spanish)
    );
    assert_eq!(assistant.language_of_locale("fr"), None);
}

#[tokio::test]
async fn a_disabled_language_is_neither_told_nor_spoken() {
    let store = store::open("sqlite::memory:").await.unwrap();
    let brain = Brain::speaking(
        Knowledge::builtin().unwrap(),
        DEFAULT_THRESHOLD,
        &[Language::English, Language::Spanish],
    );
    assert_eq!(brain.languages(), [Language::English, Language::Spanish]);
    let assistant = Assistant::new(brain, store).with_default_language(Language::German);
    assert_eq!(
        assistant.default_language(),
        Language::English,
        "German is not spoken"
    );
    let german = "Soll ich für meine E-Mails POP oder IMAP verwenden? Ich lese sie auf dem Handy.";
    assert_ne!(assistant.language_for(german, &[]), Language::German);
    assert_eq!(assistant.language_of_locale("de"), None);
}

/// English knowledge with a German translation that lacks `pop`.
fn half_translated() -> Knowledge {
    let entry =
        |folder: &str, id: &str, title: &str, keywords: &[&str], examples: &[&str], body: &str| {
            let mut file = common::entry_file(id, title, keywords, examples, body);
            file.path = Path::new(folder).join(file.path);
            file
        };
    let files = vec![
        entry(
            "",
            "imap",
            "What is IMAP?",
            &["imap", "sync", "server"],
            &[
                "what is imap",
                "how does imap work",
                "imap explained",
                "does imap sync my folders",
                "imap keeps mail on the server?",
                "what does imap stand for",
                "is imap better",
                "imap meaning",
            ],
            "IMAP keeps your mail on the server.",
        ),
        entry(
            "",
            "pop",
            "What is POP?",
            &["pop", "pop3", "download"],
            &[
                "what is pop3",
                "how does pop work",
                "pop explained",
                "does pop delete mail from the server",
                "pop3 downloads my mail?",
                "what does pop stand for",
                "is pop old",
                "pop meaning",
            ],
            "POP downloads your mail.",
        ),
        entry(
            "de",
            "imap",
            "Was ist IMAP?",
            &["imap", "synchronisieren", "server"],
            &[
                "was ist imap",
                "wie funktioniert imap",
                "imap erklärt",
                "synchronisiert imap meine ordner",
                "bleiben die mails bei imap auf dem server?",
                "wofür steht imap",
                "ist imap besser",
                "imap bedeutung",
            ],
            "IMAP lässt deine Mails auf dem Server.",
        ),
    ];
    Knowledge::from_files(Path::new("kb"), files).unwrap()
}

#[tokio::test]
async fn an_entry_a_language_lacks_is_answered_in_english() {
    let store = store::open("sqlite::memory:").await.unwrap();
    let assistant = Assistant::new(Brain::new(half_translated(), DEFAULT_THRESHOLD), store);
    let Reply::Answer(translated) = assistant
        .ask(
            "wie funktioniert imap eigentlich",
            in_language("u1", Language::German),
        )
        .await
        .unwrap()
    else {
        panic!("no German answer");
    };
    assert_eq!(translated.entry.title, "Was ist IMAP?");
    assert_eq!(translated.shown_in, Language::German);

    let Reply::Answer(untranslated) = assistant
        .ask(
            "was macht pop3 mit meinen mails",
            in_language("u1", Language::German),
        )
        .await
        .unwrap()
    else {
        panic!("the English entry did not answer");
    };
    assert_eq!(untranslated.entry.id, "pop");
    assert_eq!(untranslated.entry.title, "What is POP?");
    assert_eq!(untranslated.shown_in, Language::English);
    assert_eq!(
        untranslated.record.language,
        Language::German,
        "the conversation stays German"
    );
}

#[tokio::test]
async fn a_taught_question_teaches_the_matcher_of_its_language() {
    use helpdesk::assistant::{Lesson, TeachFailure};
    let (assistant, _store) = assistant_with_store().await;
    let lesson = |question| Lesson {
        question,
        entry: Some("mailbox-quota"),
        taught_by: "staff",
        asked_by: None,
        guild: None,
    };
    let question = "Wie richte ich DKIM und SPF für meine eigene Domain bei Strato ein?";
    let german = in_language("u1", Language::German);
    assert!(matches!(
        assistant.ask(question, german.clone()).await.unwrap(),
        Reply::NoAnswer(_)
    ));
    assistant.teach(lesson(question)).await.unwrap();
    let Reply::Answer(answer) = assistant.ask(question, german).await.unwrap() else {
        panic!("the German matcher did not learn {question:?}");
    };
    assert_eq!(answer.entry.id, "mailbox-quota");
    assert_eq!(answer.shown_in, Language::German);

    // A German knowledge example stands for its entry already.
    let example = Knowledge::builtin()
        .unwrap()
        .in_language(Language::German)
        .entry("pop")
        .unwrap()
        .examples[0]
        .clone();
    let refused = assistant.teach(lesson(&example)).await;
    assert!(
        matches!(refused, Err(TeachFailure::Conflict(ref why)) if why.contains("`pop`")),
        "{refused:?}"
    );
}
