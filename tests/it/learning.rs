//! Staff answering from the triage channel, and the bot learning from it:
//! the controls under a post for staff, the answer in the asker's thread,
//! the learned example reaching this process at once, a restarted one,
//! and another process on the same PostgreSQL database; "Not in scope",
//! `/kb unlearn`, and `helpdesk learned --write`.

use std::process::Command;

use helpdesk::discord::custom_id::{Action, TriageAct};
use helpdesk::knowledge::Knowledge;
use helpdesk::matcher::TAUGHT_OUT_OF_SCOPE;
use helpdesk::store::{NewLearnedExample, Store};
use serde_json::json;

use crate::common;
use crate::support;
use support::bot::{
    ask_in, knowledge_dir, reply_text, standin, Bot, Workspace, FORUM, ROLE, TEXT, TRIAGE, WAIT,
};
use support::database::TestDatabase;
use support::standin::{MessageSpec, StandIn, StoredMessage, UserSpec};
use support::{embed_title, title_of};

/// Nothing in the shipped knowledge answers it: it reaches triage.
const UNANSWERED: &str = "how do I set up DKIM and SPF records for my domain?";
/// The entry staff answer it with in these tests.
const ENTRY: &str = "mailbox-quota";

fn asker() -> UserSpec {
    UserSpec::new(3_000_000_000_000_000_101, "ann")
}

fn another_asker() -> UserSpec {
    UserSpec::new(3_000_000_000_000_000_102, "cai")
}

fn staff() -> UserSpec {
    UserSpec::new(3_000_000_000_000_000_103, "sam").with_roles(&[ROLE])
}

/// The id of the staff control `act` on a post for staff.
fn control(post: &StoredMessage, act: TriageAct) -> String {
    support::action(
        post,
        |a| matches!(a, Action::Triage { act: found, .. } if *found == act),
    )
    .encode()
}

/// Asks `question` in the watched channel and waits for the post for staff
/// about it: (the question's thread, the post).
async fn ask_unanswered(
    standin: &StandIn,
    user: &UserSpec,
    question: &str,
) -> (u64, StoredMessage) {
    let thread = standin.send_message(MessageSpec::new(TEXT, user, question));
    let post = standin
        .wait_message_in(TRIAGE, |m| m.content().contains(&thread.to_string()), WAIT)
        .await;
    (thread, post)
}

/// Staff pick `entry` in the post's "Answer with…": the answer in the
/// thread.
async fn answer_from_triage(
    standin: &StandIn,
    post: &StoredMessage,
    thread: u64,
    entry: &str,
) -> StoredMessage {
    let select = control(post, TriageAct::Answer);
    let picked = standin.select(
        &staff(),
        standin.guild_id(),
        TRIAGE,
        post.id,
        &select,
        &[entry],
    );
    let title = title_of(entry);
    let answer = standin
        .wait_message_in(thread, |m| embed_title(m) == title, WAIT)
        .await;
    let reply = standin.wait_interaction_response(picked.id, WAIT).await;
    assert!(reply.is_ephemeral(), "{:?}", reply.data);
    answer
}

/// How many posts for staff the triage channel holds.
fn triage_posts(standin: &StandIn) -> usize {
    standin.messages_in(TRIAGE).len()
}

/// Asks again and waits for the bot's reply in the new thread.
async fn ask_again(standin: &StandIn, user: &UserSpec, question: &str) -> (u64, StoredMessage) {
    ask_in(standin, TEXT, user, question).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_answer_from_triage_and_the_question_is_answered_so_from_then_on() {
    let standin = standin().start().await;
    let workspace = Workspace::new();
    let bot = support::InProcess::start(&standin, &workspace, &[]).await;
    let (thread, post) = ask_unanswered(&standin, &asker(), UNANSWERED).await;
    let offered = support::actions(&post);
    for act in [
        TriageAct::Answer,
        TriageAct::OutOfScope,
        TriageAct::Claim,
        TriageAct::Resolve,
    ] {
        assert!(
            offered
                .iter()
                .any(|a| matches!(a, Action::Triage { act: found, .. } if *found == act)),
            "{act:?} on {offered:?}"
        );
    }

    // A member without the role is refused, and nothing changes.
    let in_thread = standin.messages_in(thread).len();
    let select = control(&post, TriageAct::Answer);
    let refused = standin.select(
        &asker(),
        standin.guild_id(),
        TRIAGE,
        post.id,
        &select,
        &[ENTRY],
    );
    let reply = standin.wait_interaction_response(refused.id, WAIT).await;
    assert!(reply.is_ephemeral());
    assert!(
        reply.content().unwrap_or_default().contains("support team"),
        "{:?}",
        reply.data
    );
    let claim = control(&post, TriageAct::Claim);
    let refused = standin.click_button(&asker(), standin.guild_id(), TRIAGE, post.id, &claim);
    assert!(standin
        .wait_interaction_response(refused.id, WAIT)
        .await
        .is_ephemeral());
    assert_eq!(standin.messages_in(thread).len(), in_thread, "nothing sent");
    assert_eq!(standin.message(post.id).unwrap().content(), post.content());

    // Claimed, then answered by staff: the answer is in the asker's thread,
    // as the bot answers anywhere, and the post says who, with what, when.
    let claimed = standin.click_button(&staff(), standin.guild_id(), TRIAGE, post.id, &claim);
    standin.wait_interaction_response(claimed.id, WAIT).await;
    standin
        .wait_until_true("the post to show the claim", WAIT, |s| {
            s.message(post.id)
                .unwrap()
                .content()
                .contains("Claimed by <@3000000000000000103>")
        })
        .await;
    let answer = answer_from_triage(&standin, &post, thread, ENTRY).await;
    assert!(support::offers(&answer, |a| matches!(
        a,
        Action::Vote { .. }
    )));
    standin
        .wait_until_true("the post to show the answer", WAIT, |s| {
            s.message(post.id)
                .unwrap()
                .content()
                .contains("Answered by")
        })
        .await;
    let marked = standin.message(post.id).unwrap();
    assert!(
        marked
            .content()
            .contains("Answered by <@3000000000000000103>"),
        "{}",
        marked.content()
    );
    assert!(marked.content().contains(&format!("`{ENTRY}`")));
    assert!(marked.content().contains("<t:"), "{}", marked.content());
    assert!(
        support::actions(&marked).is_empty(),
        "a settled post keeps no controls"
    );

    // Someone else asks the same: the learned entry answers, nobody is called.
    let posts = triage_posts(&standin);
    let (_, again) = ask_again(&standin, &another_asker(), UNANSWERED).await;
    assert_eq!(embed_title(&again), title_of(ENTRY));
    // And after a restart.
    bot.stop().await.expect("a clean stop");
    let _bot = support::InProcess::start(&standin, &workspace, &[]).await;
    let (_, after_restart) = ask_again(&standin, &asker(), UNANSWERED).await;
    assert_eq!(embed_title(&after_restart), title_of(ENTRY));
    assert_eq!(triage_posts(&standin), posts, "no new post for staff");
    standin.assert_no_violations();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn not_in_scope_is_learned_without_a_ping_and_kb_unlearn_undoes_it() {
    let standin = standin().start().await;
    let workspace = Workspace::new();
    let _bot = support::InProcess::start(&standin, &workspace, &[]).await;
    let question = "who won the football match last night?";
    let (_, post) = ask_unanswered(&standin, &asker(), question).await;
    let out = control(&post, TriageAct::OutOfScope);
    let marked = standin.click_button(&staff(), standin.guild_id(), TRIAGE, post.id, &out);
    let reply = standin.wait_interaction_response(marked.id, WAIT).await;
    assert!(reply.is_ephemeral());
    standin
        .wait_until_true("the post to say not in scope", WAIT, |s| {
            s.message(post.id)
                .unwrap()
                .content()
                .contains("Not in scope")
        })
        .await;

    // The same question again: "no entry", and nobody is pinged or told.
    let posts = triage_posts(&standin);
    let (thread, reply) = ask_again(&standin, &another_asker(), question).await;
    assert!(
        embed_title(&reply).contains("don't have an answer"),
        "{}",
        embed_title(&reply)
    );
    standin
        .wait_quiet(std::time::Duration::from_millis(500), WAIT)
        .await;
    let role_ping = format!("<@&{ROLE}>");
    assert!(
        standin
            .messages_in(thread)
            .iter()
            .all(|m| !m.content().contains(&role_ping)),
        "no ping"
    );
    assert_eq!(triage_posts(&standin), posts, "no post for staff");

    // /kb learned lists it; /kb unlearn undoes it: the next time, staff are
    // called again.
    let listed = standin.slash_command(
        &staff(),
        standin.guild_id(),
        TEXT,
        "kb",
        json!([{"name": "learned", "type": 1, "options": []}]),
    );
    let listing = standin.wait_interaction_response(listed.id, WAIT).await;
    let text = reply_text(&standin, listed.id, &listing.data);
    assert!(
        text.contains("not in scope") && text.contains("#1"),
        "{text}"
    );
    let refused = standin.slash_command(
        &another_asker(),
        standin.guild_id(),
        TEXT,
        "kb",
        json!([{"name": "unlearn", "type": 1, "options": [{"name": "id", "type": 4, "value": 1}]}]),
    );
    let refusal = standin.wait_interaction_response(refused.id, WAIT).await;
    assert!(reply_text(&standin, refused.id, &refusal.data).contains("Manage Server"));
    let unlearn = standin.slash_command(
        &staff(),
        standin.guild_id(),
        TEXT,
        "kb",
        json!([{"name": "unlearn", "type": 1, "options": [{"name": "id", "type": 4, "value": 1}]}]),
    );
    let done = standin.wait_interaction_response(unlearn.id, WAIT).await;
    assert!(reply_text(&standin, unlearn.id, &done.data).contains("Unlearned #1"));
    let (thread, _) = ask_unanswered(&standin, &asker(), question).await;
    standin
        .wait_message_in(thread, |m| m.content().contains(&role_ping), WAIT)
        .await;
    standin.assert_no_violations();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_one_process_learns_another_on_the_same_database_answers_within_seconds() {
    let database = TestDatabase::create().await;
    let url = database.url().to_owned();
    let teaching = standin().start().await;
    let answering = standin().start().await;
    let (first, second) = (Workspace::new(), Workspace::new());
    let _teacher = Bot::start(&teaching, &first, &[("HELPDESK_DATABASE_URL", &url)]).await;
    let _other = Bot::start(&answering, &second, &[("HELPDESK_DATABASE_URL", &url)]).await;
    let (thread, post) = ask_unanswered(&teaching, &asker(), UNANSWERED).await;
    answer_from_triage(&teaching, &post, thread, ENTRY).await;

    // The other process looks for new lessons every couple of seconds: it
    // is asked until it answers, and must within a few.
    let taught = std::time::Instant::now();
    let title = title_of(ENTRY);
    // A new person each time: one person asking over and over would be
    // told to slow down.
    for person in 3_000_000_000_000_000_200u64.. {
        let asker = UserSpec::new(person, "asker");
        let (_, answer) = ask_again(&answering, &asker, UNANSWERED).await;
        if embed_title(&answer) == title {
            break;
        }
        assert!(
            taught.elapsed() < std::time::Duration::from_secs(10),
            "the other process has not learned the question within 10 s"
        );
    }
    eprintln!(
        "another process answered with the learned entry {:.1} s after it was taught",
        taught.elapsed().as_secs_f64()
    );
    teaching.assert_no_violations();
    answering.assert_no_violations();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn learned_write_merges_the_examples_into_knowledge_that_check_accepts() {
    let workspace = Workspace::new();
    let store = workspace.store().await;
    let learned = [
        ("my inbox says it is stuffed, what now", Some(ENTRY)),
        ("can you recommend a good pizza place?", None),
    ];
    for (text, entry) in learned {
        store
            .learn_example(&NewLearnedExample {
                text: text.to_owned(),
                normalized: helpdesk::matcher::normalize(text),
                entry: entry.map(str::to_owned),
                taught_by: "3000000000000000103".to_owned(),
                asked_by: None,
                guild_id: None,
            })
            .await
            .unwrap();
    }
    store.close().await;
    let folder = workspace.path().join("knowledge");
    common::copy_dir(&knowledge_dir(), &folder);
    let helpdesk = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_helpdesk"))
            .args(args)
            .args(["--database", &workspace.database_url()])
            .output()
            .expect("helpdesk runs")
    };
    let listed = helpdesk(&["learned", "--json"]);
    assert!(listed.status.success());
    assert_eq!(String::from_utf8_lossy(&listed.stdout).lines().count(), 2);

    let folder_arg = folder.display().to_string();
    let written = helpdesk(&["learned", "--write", &folder_arg]);
    assert!(
        written.status.success(),
        "{}",
        String::from_utf8_lossy(&written.stderr)
    );
    let checked = helpdesk(&["check", &folder_arg]);
    assert!(
        checked.status.success(),
        "{}",
        String::from_utf8_lossy(&checked.stdout)
    );
    let knowledge = Knowledge::load_dir(&folder).expect("the merged knowledge loads");
    let examples = &knowledge.entry(ENTRY).unwrap().examples;
    assert_eq!(examples.last().map(String::as_str), Some(learned[0].0));
    let taught = knowledge
        .out_of_scope()
        .iter()
        .find(|topic| topic.id == TAUGHT_OUT_OF_SCOPE)
        .expect("the taught out-of-scope topic");
    assert_eq!(taught.examples, [learned[1].0]);

    // Merging again adds nothing twice.
    let again = helpdesk(&["learned", "--write", &folder_arg]);
    assert!(again.status.success());
    let reloaded = Knowledge::load_dir(&folder).unwrap();
    assert_eq!(
        reloaded.entry(ENTRY).unwrap().examples.len(),
        examples.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forum_post_answered_from_triage_gets_the_entrys_tags() {
    let standin = standin().start().await;
    let workspace = Workspace::new();
    let _bot = support::InProcess::start(&standin, &workspace, &[]).await;
    let forum_post = standin.create_forum_post(FORUM, &asker(), "DKIM", UNANSWERED);
    let thread = forum_post.thread_id;
    let post = standin
        .wait_message_in(TRIAGE, |m| m.content().contains(&thread.to_string()), WAIT)
        .await;
    answer_from_triage(&standin, &post, thread, ENTRY).await;
    let quota = standin.tag_id(FORUM, "Quota");
    standin
        .wait_until_true("the entry's Quota tag", WAIT, |s| {
            s.channel(thread)
                .is_some_and(|c| c.applied_tags.contains(&quota))
        })
        .await;
    standin.assert_no_violations();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_comments_post_offers_edit_entry_with_the_file_and_the_comment() {
    let standin = standin().start().await;
    let workspace = Workspace::new();
    let _bot = support::InProcess::start(&standin, &workspace, &[]).await;
    let (thread, answer) = ask_in(&standin, TEXT, &asker(), "what is pop3?").await;
    let down = support::vote(&answer, false);
    let voted = standin.click_button(&asker(), standin.guild_id(), thread, answer.id, &down);
    let modal = standin.wait_interaction_response(voted.id, WAIT).await;
    assert_eq!(modal.kind, 9, "the improvement modal");
    let improve = Action::Improve {
        answer: support::answer_id(&answer),
    }
    .encode();
    standin.submit_modal(
        &asker(),
        standin.guild_id(),
        thread,
        &improve,
        &[("comment", "it never says which port to use")],
    );
    let post = standin
        .wait_message_in(
            TRIAGE,
            |m| m.content().contains("Improvement suggestion"),
            WAIT,
        )
        .await;
    let edit = control(&post, TriageAct::EditEntry);
    let refused = standin.click_button(&asker(), standin.guild_id(), TRIAGE, post.id, &edit);
    let refusal = standin.wait_interaction_response(refused.id, WAIT).await;
    assert!(!refusal.content().unwrap_or_default().contains("knowledge/"));
    let clicked = standin.click_button(&staff(), standin.guild_id(), TRIAGE, post.id, &edit);
    let reply = standin.wait_interaction_response(clicked.id, WAIT).await;
    assert!(reply.is_ephemeral());
    let text = reply.content().unwrap_or_default();
    assert!(text.contains("knowledge/pop.md"), "{text}");
    assert!(text.contains("which port to use"), "{text}");
    standin.assert_no_violations();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_more_entries_than_a_select_holds_staff_search_for_one() {
    let workspace = Workspace::new();
    let folder = workspace.path().join("knowledge");
    common::copy_dir(&knowledge_dir(), &folder);
    // Enough entries about houseplants that the select cannot list them all.
    for n in 0..20 {
        let examples: Vec<String> = (0..8).map(|i| format!("plant {n} question {i}")).collect();
        let examples: Vec<&str> = examples.iter().map(String::as_str).collect();
        let file = crate::common::entry_file(
            &format!("plant-{n}"),
            &format!("Houseplant care {n}"),
            &["houseplant", "watering", "fern"],
            &examples,
            "Water it.",
        );
        std::fs::write(folder.join(&file.path), file.text).unwrap();
    }
    let standin = standin().start().await;
    let folder_text = folder.display().to_string();
    let _bot = support::InProcess::start(
        &standin,
        &workspace,
        &[("HELPDESK_KNOWLEDGE", &folder_text)],
    )
    .await;
    let (thread, post) = ask_unanswered(&standin, &asker(), UNANSWERED).await;
    let select = control(&post, TriageAct::Answer);
    let opened = standin.select(
        &staff(),
        standin.guild_id(),
        TRIAGE,
        post.id,
        &select,
        &[helpdesk::discord::render::SEARCH_OPTION],
    );
    let modal = standin.wait_interaction_response(opened.id, WAIT).await;
    assert_eq!(modal.kind, 9, "the search modal: {:?}", modal.data);
    let search = Action::Triage {
        post: match support::action(&post, |a| matches!(a, Action::Triage { .. })) {
            Action::Triage { post, .. } => post,
            _ => unreachable!(),
        },
        act: TriageAct::Search,
    }
    .encode();
    let searched = standin.submit_modal(
        &staff(),
        standin.guild_id(),
        TRIAGE,
        &search,
        &[(helpdesk::discord::render::SEARCH_FIELD, ENTRY)],
    );
    standin.wait_interaction_response(searched.id, WAIT).await;
    let title = title_of(ENTRY);
    standin
        .wait_message_in(thread, |m| embed_title(m) == title, WAIT)
        .await;
    standin.assert_no_violations();
}

#[tokio::test]
async fn a_question_that_stands_for_another_entry_is_not_taught() {
    use helpdesk::assistant::{Assistant, Brain, Lesson, Reply, TeachFailure};
    use helpdesk::store::Origin;
    let store = helpdesk::store::open("sqlite::memory:").await.unwrap();
    let knowledge = Knowledge::load_dir(&knowledge_dir()).unwrap();
    let assistant = Assistant::new(Brain::new(knowledge, 0.35), store);
    let lesson = |question, entry| Lesson {
        question,
        entry,
        taught_by: "staff",
        asked_by: None,
        guild: None,
    };
    let entry_of = |reply: Reply| match reply {
        Reply::Answer(answer) => Some(answer.entry.id),
        Reply::NoAnswer(_) => None,
    };
    // A written example of `pop`, however it is capitalised.
    let refused = assistant
        .teach(lesson("HOW does POP work?", Some("imap")))
        .await;
    assert!(
        matches!(refused, Err(TeachFailure::Conflict(ref why)) if why.contains("`pop`")),
        "{refused:?}"
    );
    let unknown = assistant
        .teach(lesson("anything", Some("no-such-entry")))
        .await;
    assert!(matches!(unknown, Err(TeachFailure::UnknownEntry(_))));

    let taught = assistant
        .teach(lesson(UNANSWERED, Some(ENTRY)))
        .await
        .unwrap();
    let asked = assistant
        .ask(UNANSWERED, Origin::terminal("ann"))
        .await
        .unwrap();
    assert_eq!(entry_of(asked).as_deref(), Some(ENTRY));
    // Taught once, it cannot be taught as something else.
    let again = assistant.teach(lesson(UNANSWERED, None)).await;
    assert!(matches!(again, Err(TeachFailure::Conflict(_))), "{again:?}");
    // Unlearned, it is unanswered again.
    assistant
        .unlearn(taught.example.id, None)
        .await
        .unwrap()
        .unwrap();
    let asked = assistant
        .ask(UNANSWERED, Origin::terminal("bob"))
        .await
        .unwrap();
    assert_eq!(entry_of(asked), None);
}

#[tokio::test]
async fn taught_questions_outlive_a_reload_of_the_knowledge() {
    use helpdesk::assistant::{Assistant, Brain, Lesson, Reply};
    use helpdesk::language::Language;
    use helpdesk::store::Origin;
    let store = helpdesk::store::open("sqlite::memory:").await.unwrap();
    let knowledge = Knowledge::load_dir(&knowledge_dir()).unwrap();
    let assistant = Assistant::new(Brain::new(knowledge.clone(), 0.35), store);
    let german = "Wie richte ich die Zwei-Faktor-Anmeldung für mein Postfach ein?";
    for question in [UNANSWERED, german] {
        let lesson = Lesson {
            question,
            entry: Some(ENTRY),
            taught_by: "staff",
            asked_by: None,
            guild: None,
        };
        assistant.teach(lesson).await.unwrap();
    }
    assistant.reload(knowledge);
    for (question, language) in [(UNANSWERED, Language::English), (german, Language::German)] {
        let mut origin = Origin::terminal("ann");
        origin.language = language;
        match assistant.ask(question, origin).await.unwrap() {
            Reply::Answer(answer) => assert_eq!(answer.entry.id, ENTRY, "{question}"),
            Reply::NoAnswer(_) => panic!("forgotten after the reload: {question}"),
        }
    }
}
