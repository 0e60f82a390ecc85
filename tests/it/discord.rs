//! Black-box tests of the Discord bot: the real `helpdesk serve` binary,
//! with the real serenity client, against the local Discord stand-in.
//! Every REST request the bot makes is checked against Discord's published
//! contract by the stand-in; each test ends by asserting none was refused.

use crate::common;
use crate::support;
use helpdesk::store::{AnswerId, SessionId};

use helpdesk::discord::custom_id::{Action, PREFIX};
use helpdesk::knowledge::Knowledge;
use helpdesk::store::Store;
use serde_json::json;
use support::bot::{
    ask_in, knowledge_dir, reply_text, standin, Bot, Workspace, FORUM, OTHER, ROLE, TEXT, TRIAGE,
    WAIT,
};
use support::standin::{MessageSpec, StandIn, StoredMessage, UserSpec};
use support::{
    action, actions, choose, embed_title, is_dialogue, offers, session_id, title_of, vote,
};

fn asker() -> UserSpec {
    UserSpec::new(3_000_000_000_000_000_001, "ann")
}

fn bystander() -> UserSpec {
    UserSpec::new(3_000_000_000_000_000_002, "bob")
}

fn knowledge() -> Knowledge {
    Knowledge::load_dir(&knowledge_dir()).expect("shipped knowledge")
}

fn embed_text(message: &StoredMessage) -> String {
    message
        .embeds()
        .first()
        .map(|e| e.to_string())
        .unwrap_or_default()
}

/// Every message the bot sent pings nobody, except the escalation ping
/// which allows exactly the support role.
fn assert_no_unexpected_pings(standin: &StandIn, channels: &[u64]) {
    let bot = standin.bot_user_id();
    for channel in channels {
        for message in standin
            .messages_in(*channel)
            .into_iter()
            .filter(|m| m.author_id() == bot)
        {
            let allowed = message.allowed_mentions.clone().unwrap_or_else(|| {
                panic!(
                    "bot message without allowed_mentions: {}",
                    message.content()
                )
            });
            assert_eq!(allowed["parse"], json!([]), "{allowed}");
            assert!(
                allowed["users"].as_array().is_none_or(|u| u.is_empty()),
                "{allowed}"
            );
            let roles = allowed["roles"].as_array().cloned().unwrap_or_default();
            assert!(
                roles.is_empty() || roles == [json!(ROLE.to_string())],
                "only the support role may be pinged: {allowed}"
            );
        }
    }
}

/// Posts a question in the watched channel and waits for the answer in the
/// thread started from it.
async fn ask(standin: &StandIn, user: &UserSpec, text: &str) -> (u64, StoredMessage) {
    ask_in(standin, TEXT, user, text).await
}

/// The newest bot message in `channel` carrying one of the bot's
/// components.
async fn wait_component(standin: &StandIn, channel: u64, after: u64) -> StoredMessage {
    let bot = standin.bot_user_id();
    standin
        .wait_message_in(
            channel,
            |m| m.author_id() == bot && m.id > after && !actions(m).is_empty(),
            WAIT,
        )
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_question_in_a_watched_channel_is_answered_in_a_thread_from_it() {
    let standin = standin().start().await;
    let workspace = Workspace::new();
    let _bot = support::InProcess::start(&standin, &workspace, &[]).await;
    let question = "hey, my mailbox is full and people get bounce backs saying 552 mailbox full when they email me. what do i do?";
    let (message_id, answer) = ask(&standin, &asker(), question).await;

    let thread = standin
        .channel(message_id)
        .expect("a thread started from the question");
    assert!(thread.is_thread());
    let name = thread.name.clone();
    assert!(!name.is_empty() && name.chars().count() <= 100, "{name}");
    assert!(name.starts_with("hey, my mailbox is full"), "{name}");
    assert_eq!(
        answer.channel_id, message_id,
        "the answer is inside the thread"
    );
    assert_eq!(embed_title(&answer), title_of("mailbox-quota"));
    let ids = actions(&answer);
    let has = |wanted: fn(&Action) -> bool| ids.iter().any(wanted);
    assert!(
        has(|a| matches!(a, Action::Vote { helpful: true, .. })),
        "{ids:?}"
    );
    assert!(
        has(|a| matches!(a, Action::Vote { helpful: false, .. })),
        "{ids:?}"
    );
    assert!(has(|a| matches!(a, Action::Human { .. })), "{ids:?}");
    assert!(answer.content().chars().count() <= 2000);

    let store = workspace.store().await;
    // The answer is linked to its message right after it is sent.
    let deadline = std::time::Instant::now() + WAIT;
    let stored = loop {
        let stored = store
            .answer_for_source(&message_id.to_string())
            .await
            .unwrap()
            .expect("the answer is stored");
        if stored.message_id.is_some() || std::time::Instant::now() > deadline {
            break stored;
        }
        // Polled: the database tells nobody when it changes.
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    };
    assert_eq!(stored.entry, "mailbox-quota");
    assert_eq!(stored.message_id, Some(answer.id.to_string()));
    assert_no_unexpected_pings(&standin, &[message_id]);
    standin.assert_no_violations();
}

/// Clicks the dialogue button for `value` on the current step and returns
/// the next step's message.
async fn answer_step(
    standin: &StandIn,
    user: &UserSpec,
    thread: u64,
    step: &StoredMessage,
    slot: &str,
    value: &str,
) -> StoredMessage {
    let custom_id = Action::DialogueAnswer {
        session: session_id(step),
        slot: slot.to_owned(),
        value: value.to_owned(),
    }
    .encode();
    let click = standin.click_button(user, standin.guild_id(), thread, step.id, &custom_id);
    let response = standin.wait_interaction_response(click.id, WAIT).await;
    assert_eq!(
        response.kind, 7,
        "an answered step is updated in place: {:?}",
        response.data
    );
    assert!(
        response.data["components"]
            .as_array()
            .is_none_or(|c| c.is_empty()),
        "answered steps lose their buttons"
    );
    wait_component(standin, thread, step.id).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dialogue_runs_by_buttons_and_only_for_the_asker() {
    let standin = standin().start().await;
    let workspace = Workspace::new();
    let _bot = support::InProcess::start(&standin, &workspace, &[]).await;
    let (thread, answer) = ask(
        &standin,
        &asker(),
        "Should I use POP or IMAP for my account?",
    )
    .await;
    assert_eq!(embed_title(&answer), title_of("which-protocol"));

    // Someone else cannot start the asker's dialogue.
    let choose = choose(&answer);
    let refused =
        standin.click_button(&bystander(), standin.guild_id(), thread, answer.id, &choose);
    let refused = standin.wait_interaction_response(refused.id, WAIT).await;
    assert!(refused.is_ephemeral());
    assert!(refused.content().unwrap_or_default().contains("/recommend"));

    let click = standin.click_button(&asker(), standin.guild_id(), thread, answer.id, &choose);
    let response = standin.wait_interaction_response(click.id, WAIT).await;
    assert_eq!(response.kind, 4);
    let first = standin
        .original_response(click.id)
        .expect("the first step is a message");
    let offers_devices = |wanted: &str| {
        offers(&first, |a| {
            matches!(a, Action::DialogueAnswer { slot, value, .. }
                if slot == "devices" && value == wanted)
        })
    };
    assert!(offers_devices("one"), "{:?}", first.custom_ids());
    assert!(offers_devices("unsure"));
    assert!(offers(&first, |a| matches!(
        a,
        Action::DialogueRestart { .. }
    )));

    // A second user's click on the step is refused politely.
    let other = standin.click_button(
        &bystander(),
        standin.guild_id(),
        thread,
        first.id,
        &action(&first, is_dialogue).encode(),
    );
    let other = standin.wait_interaction_response(other.id, WAIT).await;
    assert!(other.is_ephemeral() && other.content().unwrap_or_default().contains("/recommend"));

    let mut step = answer_step(&standin, &asker(), thread, &first, "devices", "one").await;
    for (slot, value) in [
        ("offline", "yes"),
        ("quota", "no"),
        ("storage", "no"),
        ("backups", "yes"),
    ] {
        if offers(&step, is_dialogue) {
            step = answer_step(&standin, &asker(), thread, &step, slot, value).await;
        }
    }
    let result = step;
    let title = embed_title(&result);
    assert!(title.contains("POP"), "{title}");
    let dialogue = knowledge().dialogue("which-protocol").unwrap().clone();
    let offline_reason = dialogue
        .rules
        .iter()
        .find(|r| r.when.get("offline").map(String::as_str) == Some("yes") && r.outcome == "pop")
        .expect("an offline rule")
        .reason
        .clone();
    let text = embed_text(&result);
    assert!(
        text.contains(&offline_reason[..40.min(offline_reason.len())]),
        "reasons follow the clicks: {text}"
    );
    assert!(
        text.contains(&dialogue.warnings[0][..30]),
        "the mixing warning is shown: {text}"
    );
    assert!(offers(&result, |a| matches!(a, Action::Vote { .. })));
    assert_no_unexpected_pings(&standin, &[thread]);
    standin.assert_no_violations();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_bot_continues_the_dialogue() {
    let standin = standin().start().await;
    let workspace = Workspace::new();
    let mut bot = Bot::start(&standin, &workspace, &[]).await;
    let (thread, answer) = ask(&standin, &asker(), "pop or imap, which one should I pick?").await;
    let click = standin.click_button(
        &asker(),
        standin.guild_id(),
        thread,
        answer.id,
        &choose(&answer),
    );
    standin.wait_interaction_response(click.id, WAIT).await;
    let first = standin.original_response(click.id).expect("first step");
    let second = answer_step(&standin, &asker(), thread, &first, "devices", "one").await;

    bot.kill();
    let _bot = Bot::start(&standin, &workspace, &[]).await;
    let third = answer_step(&standin, &asker(), thread, &second, "offline", "no").await;
    let text = embed_text(&third);
    assert!(
        text.contains("question 3") || text.contains("recommendation"),
        "continues after the restart: {text}"
    );
    assert!(
        !offers(&third, |a| matches!(
            a,
            Action::DialogueAnswer { slot, .. } if slot == "devices"
        )),
        "devices is not asked again"
    );
    standin.assert_no_violations();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_vote_can_change_and_carries_an_improvement_comment() {
    let standin = standin().start().await;
    let workspace = Workspace::new();
    let _bot = support::InProcess::start(&standin, &workspace, &[]).await;
    let (thread, answer) = ask(&standin, &asker(), "what is imap and how does it work?").await;
    let up = vote(&answer, true);
    let down = vote(&answer, false);

    let click = standin.click_button(&asker(), standin.guild_id(), thread, answer.id, &up);
    let ack = standin.wait_interaction_response(click.id, WAIT).await;
    assert!(ack.is_ephemeral(), "a vote is acknowledged ephemerally");
    standin
        .wait_until_true("the tally 👍 1 · 👎 0", WAIT, |s| {
            embed_text(&s.message(answer.id).unwrap()).contains("👍 1 · 👎 0")
        })
        .await;

    let click = standin.click_button(&asker(), standin.guild_id(), thread, answer.id, &down);
    let modal = standin.wait_interaction_response(click.id, WAIT).await;
    assert_eq!(modal.kind, 9, "not helpful opens the improvement modal");
    let modal_id = modal.custom_id().expect("modal id").to_owned();
    standin
        .wait_until_true("the tally 👍 0 · 👎 1", WAIT, |s| {
            embed_text(&s.message(answer.id).unwrap()).contains("👍 0 · 👎 1")
        })
        .await;
    let submit = standin.submit_modal(
        &asker(),
        standin.guild_id(),
        thread,
        &modal_id,
        &[(
            "comment",
            "It should mention <@&123> and @everyone in Outlook",
        )],
    );
    let thanks = standin.wait_interaction_response(submit.id, WAIT).await;
    assert!(thanks.is_ephemeral());

    let store = workspace.store().await;
    let record = store
        .answer_for_source(&thread.to_string())
        .await
        .unwrap()
        .unwrap();
    let tally = store.tally(record.id).await.unwrap();
    assert_eq!(
        (tally.helpful, tally.not_helpful),
        (0, 1),
        "one vote per person, the latest wins"
    );
    let stats = store.stats(None).await.unwrap();
    assert_eq!(stats.votes.not_helpful, 1);
    let triage = standin
        .wait_message_in(
            TRIAGE,
            |m| m.content().contains("Improvement suggestion"),
            WAIT,
        )
        .await;
    assert!(triage.content().contains("It should mention"));
    assert_no_unexpected_pings(&standin, &[thread, TRIAGE]);
    standin.assert_no_violations();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unanswerable_question_is_recorded_and_escalated_to_the_role_only() {
    let standin = standin().start().await;
    let workspace = Workspace::new();
    let _bot = support::InProcess::start(&standin, &workspace, &[]).await;
    let question =
        "how do I set up DKIM and SPF records for my domain? @everyone <@3000000000000000002>";
    let message_id = standin.send_message(MessageSpec::new(TEXT, &asker(), question));
    let honest = standin
        .wait_message_in(
            message_id,
            |m| embed_title(m).contains("don't have an answer"),
            WAIT,
        )
        .await;
    assert!(!offers(&honest, |a| matches!(a, Action::Vote { .. })));
    let ping = standin
        .wait_message_in(
            message_id,
            |m| m.content().contains(&format!("<@&{ROLE}>")),
            WAIT,
        )
        .await;
    let allowed = ping.allowed_mentions.clone().unwrap();
    assert_eq!(allowed["roles"], json!([ROLE.to_string()]));
    assert_eq!(allowed["parse"], json!([]));
    let triage = standin
        .wait_message_in(TRIAGE, |m| m.content().contains("no answer"), WAIT)
        .await;
    assert!(
        triage.content().contains(&message_id.to_string()),
        "links the thread: {}",
        triage.content()
    );

    let store = workspace.store().await;
    standin
        .wait_until_true("nothing", std::time::Duration::from_millis(1), |_| true)
        .await;
    let recent = store.recent_unanswered(None, 5).await.unwrap();
    assert_eq!(recent.len(), 1);
    assert_eq!(recent[0].question.as_deref(), Some(question));
    assert!(store.stats(None).await.unwrap().escalated <= 1);
    assert_no_unexpected_pings(&standin, &[message_id, TRIAGE]);
    standin.assert_no_violations();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_pings_no_bots_and_forged_buttons_get_a_polite_reply() {
    let standin = standin().start().await;
    let workspace = Workspace::new();
    let _bot = support::InProcess::start(&standin, &workspace, &[]).await;
    let robot = UserSpec::new(3_000_000_000_000_000_009, "otherbot").bot();
    let from_bot = standin.send_message(MessageSpec::new(
        TEXT,
        &robot,
        "my mailbox is full, what do I do?",
    ));
    let (thread, answer) = ask(
        &standin,
        &asker(),
        "@everyone @here my emails disappeared from my phone after I set up outlook!!",
    )
    .await;
    assert_eq!(embed_title(&answer), title_of("missing-email"));
    assert!(
        standin.channel(from_bot).is_none(),
        "a bot's message gets no thread"
    );
    assert!(standin.messages_in(from_bot).is_empty());

    let unknown_answer = Action::Vote {
        answer: AnswerId(999_999),
        helpful: true,
    }
    .encode();
    let old_version = Action::Vote {
        answer: AnswerId(1),
        helpful: true,
    }
    .encode()
    .replacen(PREFIX, "hd0", 1);
    let session_not_a_number = Action::DialogueAnswer {
        session: SessionId(1),
        slot: "x".to_owned(),
        value: "y".to_owned(),
    }
    .encode()
    .replace(":1:", ":abc:");
    for forged in [
        unknown_answer.as_str(),
        &old_version,
        &session_not_a_number,
        "totally-made-up",
    ] {
        let click =
            standin.click_forged_button(&asker(), standin.guild_id(), thread, answer.id, forged);
        let reply = standin.wait_interaction_response(click.id, WAIT).await;
        assert!(reply.is_ephemeral(), "{forged}");
        assert!(!reply.content().unwrap_or_default().is_empty(), "{forged}");
    }
    assert_no_unexpected_pings(&standin, &[thread, TEXT]);
    standin.assert_no_violations();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gateway_reconnect_loses_and_doubles_nothing() {
    let standin = standin().start().await;
    let workspace = Workspace::new();
    let _bot = support::InProcess::start(&standin, &workspace, &[]).await;
    let (first, _) = ask(&standin, &asker(), "what is pop3?").await;
    standin.reconnect();
    let second = standin.send_message(MessageSpec::new(
        TEXT,
        &asker(),
        "can I use imap on my phone and pop on my laptop?",
    ));
    standin
        .wait_until_true("a resume", WAIT, |s| s.resume_count() >= 1)
        .await;
    let third = standin.send_message(MessageSpec::new(
        TEXT,
        &bystander(),
        "how do i back up my emails",
    ));
    for question in [second, third] {
        standin
            .wait_message_in(
                question,
                |m| m.author_id() == standin.bot_user_id() && !m.embeds().is_empty(),
                WAIT,
            )
            .await;
    }
    // Give any duplicate a chance to appear, then count.
    standin
        .wait_quiet(std::time::Duration::from_millis(500), WAIT)
        .await;
    for question in [first, second, third] {
        let answers = standin
            .messages_in(question)
            .into_iter()
            .filter(|m| m.author_id() == standin.bot_user_id() && !m.embeds().is_empty())
            .count();
        assert_eq!(answers, 1, "question {question} answered once");
    }
    assert_eq!(
        workspace.store().await.stats(None).await.unwrap().answers,
        3
    );
    standin.assert_no_violations();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limits_and_server_errors_are_retried_without_losing_the_answer() {
    let standin = standin().start().await;
    let workspace = Workspace::new();
    let _bot = support::InProcess::start(&standin, &workspace, &[]).await;
    standin.fail_next("POST /channels/{channel_id}/messages", 429, Some(0.2), 1);
    let (thread, _) = ask(&standin, &asker(), "is my mail backed up if i use imap").await;
    let answers = |s: &StandIn, channel: u64| {
        s.messages_in(channel)
            .into_iter()
            .filter(|m| m.author_id() == s.bot_user_id() && !m.embeds().is_empty())
            .count()
    };
    assert_eq!(answers(&standin, thread), 1, "delivered once after the 429");

    standin.fail_next("POST /channels/{channel_id}/messages", 500, None, 2);
    let (second, _) = ask(
        &standin,
        &asker(),
        "how can I read my email offline on a plane?",
    )
    .await;
    assert_eq!(answers(&standin, second), 1);
    let failed = standin
        .requests_to("POST", "/channels/{channel_id}/messages")
        .into_iter()
        .filter(|r| r.status >= 429)
        .count();
    assert_eq!(failed, 3, "the injected failures were really hit");
    assert_eq!(
        workspace.store().await.stats(None).await.unwrap().answers,
        2
    );
    standin.assert_no_violations();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_reload_keeps_the_old_knowledge_and_shows_the_errors() {
    let standin = standin().start().await;
    let workspace = Workspace::new();
    let knowledge = workspace.path().join("knowledge");
    common::copy_dir(&knowledge_dir(), &knowledge);
    let folder = knowledge.display().to_string();
    let _bot =
        support::InProcess::start(&standin, &workspace, &[("HELPDESK_KNOWLEDGE", &folder)]).await;

    std::fs::write(
        knowledge.join("broken.md"),
        "+++\nid = \"broken\"\ntitle = \"x\"\nkeywords = 3\n+++\nbody\n",
    )
    .unwrap();
    let manager = UserSpec::new(3_000_000_000_000_000_007, "mod").manager();
    let command = standin.slash_command(
        &manager,
        standin.guild_id(),
        OTHER,
        "kb",
        json!([{"name": "reload", "type": 1, "options": []}]),
    );
    let reply = standin.wait_interaction_response(command.id, WAIT).await;
    let text = reply_text(&standin, command.id, &reply.data);
    assert!(
        text.contains("broken.md:4"),
        "the error names file and line: {text}"
    );
    assert!(text.contains("kept the previous"), "{text}");

    let member = bystander();
    let refused = standin.slash_command(
        &member,
        standin.guild_id(),
        OTHER,
        "kb",
        json!([{"name": "reload", "type": 1, "options": []}]),
    );
    let refused_reply = standin.wait_interaction_response(refused.id, WAIT).await;
    assert!(reply_text(&standin, refused.id, &refused_reply.data).contains("Manage Server"));

    let (_, answer) = ask(&standin, &asker(), "what does pop do with my mail?").await;
    assert_eq!(
        embed_title(&answer),
        title_of("pop"),
        "the old knowledge still answers"
    );
    standin.assert_no_violations();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forum_posts_are_answered_in_their_thread_and_tagged() {
    let standin = standin().start().await;
    let workspace = Workspace::new();
    let _bot = support::InProcess::start(&standin, &workspace, &[]).await;
    let post = standin.create_forum_post(
        FORUM,
        &asker(),
        "Mailbox full",
        "thunderbird says quota exceeded and mail bounces",
    );
    let answer = standin
        .wait_message_in(
            post.thread_id,
            |m| m.author_id() == standin.bot_user_id() && !m.embeds().is_empty(),
            WAIT,
        )
        .await;
    assert_eq!(embed_title(&answer), title_of("mailbox-quota"));
    let quota = standin.tag_id(FORUM, "Quota");
    standin
        .wait_until_true("the Quota tag", WAIT, |s| {
            s.channel(post.thread_id)
                .is_some_and(|c| c.applied_tags.contains(&quota))
        })
        .await;
    let up = vote(&answer, true);
    standin.click_button(&asker(), standin.guild_id(), post.thread_id, answer.id, &up);
    let solved = standin.tag_id(FORUM, "Solved");
    standin
        .wait_until_true("the Solved tag", WAIT, |s| {
            s.channel(post.thread_id)
                .is_some_and(|c| c.applied_tags.contains(&solved))
        })
        .await;
    standin.assert_no_violations();
}

/// The text of an interaction reply, whether sent in the callback or as a
/// follow-up after a deferral.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mention_elsewhere_and_slash_ask_are_answered() {
    let standin = standin().start().await;
    let workspace = Workspace::new();
    let _bot = support::InProcess::start(&standin, &workspace, &[]).await;
    let mut spec = MessageSpec::new(
        OTHER,
        &asker(),
        "<@1100000000000000001> what is the difference between pop and imap?",
    );
    spec.mentions = vec![standin.bot_user()];
    let mentioned = standin.send_message(spec);
    let answer = standin
        .wait_message_in(
            mentioned,
            |m| m.author_id() == standin.bot_user_id() && !m.embeds().is_empty(),
            WAIT,
        )
        .await;
    assert_eq!(
        answer.channel_id, mentioned,
        "answered in a thread started from the mention"
    );
    let unrelated =
        standin.send_message(MessageSpec::new(OTHER, &bystander(), "my mailbox is full"));

    let command = standin.slash_command(&asker(), standin.guild_id(), OTHER, "ask", json!([{"name": "question", "type": 3, "value": "how do I read my mail offline on a plane?"}]));
    let reply = standin.wait_interaction_response(command.id, WAIT).await;
    assert!(
        reply.is_ephemeral(),
        "/ask outside watched channels is private"
    );
    assert!(reply_text(&standin, command.id, &reply.data).contains(&title_of("offline-access")));
    assert!(
        standin.channel(unrelated).is_none(),
        "unwatched channels are left alone"
    );
    standin.assert_no_violations();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cooldown_sends_one_polite_notice() {
    let standin = standin().start().await;
    let workspace = Workspace::new();
    let _bot = support::InProcess::start(
        &standin,
        &workspace,
        &[("HELPDESK_COOLDOWN_QUESTIONS", "1")],
    )
    .await;
    ask(&standin, &asker(), "what is imap?").await;
    let second = standin.send_message(MessageSpec::new(TEXT, &asker(), "what is pop?"));
    let third = standin.send_message(MessageSpec::new(TEXT, &asker(), "and what about quotas?"));
    let notice = standin
        .wait_message_in(
            TEXT,
            |m| m.author_id() == standin.bot_user_id() && m.content().contains("wait a minute"),
            WAIT,
        )
        .await;
    assert!(notice.allowed_mentions.is_some());
    standin
        .wait_quiet(std::time::Duration::from_millis(500), WAIT)
        .await;
    let notices = standin
        .messages_in(TEXT)
        .into_iter()
        .filter(|m| m.author_id() == standin.bot_user_id() && m.content().contains("wait a minute"))
        .count();
    assert_eq!(notices, 1, "one notice, not one per message");
    assert!(
        standin.channel(second).is_none() && standin.channel(third).is_none(),
        "over the budget: no answers"
    );
    standin.assert_no_violations();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forget_me_deletes_the_callers_votes_and_question_texts_only() {
    let standin = standin().start().await;
    let workspace = Workspace::new();
    let _bot = support::InProcess::start(&standin, &workspace, &[]).await;
    let (thread, answer) = ask(&standin, &asker(), "what is imap and how does it work?").await;
    let (other_thread, other_answer) = ask(
        &standin,
        &bystander(),
        "my mailbox is full and mail bounces",
    )
    .await;
    for (user, thread, answer) in [
        (asker(), thread, &answer),
        (bystander(), other_thread, &other_answer),
    ] {
        let up = vote(answer, true);
        let click = standin.click_button(&user, standin.guild_id(), thread, answer.id, &up);
        standin.wait_interaction_response(click.id, WAIT).await;
    }

    let command = standin.slash_command(
        &asker(),
        standin.guild_id(),
        OTHER,
        "kb",
        json!([{"name": "forget-me", "type": 1, "options": []}]),
    );
    let reply = standin.wait_interaction_response(command.id, WAIT).await;
    assert!(
        reply.is_ephemeral(),
        "only the caller sees the confirmation"
    );
    let text = reply_text(&standin, command.id, &reply.data);
    assert!(text.contains("deleted 1 vote"), "{text}");
    assert!(text.contains("1 question"), "{text}");

    let store = workspace.store().await;
    let mine = store
        .answer_for_source(&thread.to_string())
        .await
        .unwrap()
        .expect("the answer row stays for the counts");
    assert_eq!(mine.question, None, "the question's text is gone");
    assert_eq!(store.tally(mine.id).await.unwrap().helpful, 0);
    let theirs = store
        .answer_for_source(&other_thread.to_string())
        .await
        .unwrap()
        .unwrap();
    assert!(theirs.question.is_some(), "other people's data stays");
    assert_eq!(store.tally(theirs.id).await.unwrap().helpful, 1);
    let stats = store.stats(None).await.unwrap();
    assert_eq!((stats.answers, stats.votes.helpful), (2, 1), "{stats:?}");
    standin.assert_no_violations();
}

/// The permissions integer of the README's invite URL.
fn invite_permissions() -> u64 {
    let readme =
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
            .expect("README.md");
    let key = "&permissions=";
    let start = readme
        .find(key)
        .expect("README.md gives an invite URL with permissions")
        + key.len();
    readme[start..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .expect("a permissions integer")
}

const ELSEWHERE: u64 = 2_300_000_000_000_000_001;
const ELSEWHERE_TEXT: u64 = 2_300_000_000_000_000_002;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bot_leaves_a_server_not_on_its_list_and_ignores_it_meanwhile() {
    const ADMINISTRATOR: u64 = 1 << 3;
    const MENTION_EVERYONE: u64 = 1 << 17;
    let invited = invite_permissions();
    assert_eq!(
        invited & MENTION_EVERYONE,
        0,
        "the invite asks for Mention Everyone"
    );
    assert_eq!(
        invited & ADMINISTRATOR,
        0,
        "the invite asks for Administrator"
    );

    let standin = standin()
        .text_channel_in_guild(ELSEWHERE, ELSEWHERE_TEXT)
        .start()
        .await;
    let home = standin.guild_id();
    let workspace = Workspace::new();
    // The other server's channel is watched too: only the server list keeps
    // the bot out of it.
    let (guilds, channels) = (home.to_string(), format!("{TEXT},{FORUM},{ELSEWHERE_TEXT}"));
    let bot = Bot::start(
        &standin,
        &workspace,
        &[
            ("HELPDESK_GUILDS", &guilds),
            ("HELPDESK_SUPPORT_CHANNELS", &channels),
        ],
    )
    .await;

    // The bot holds exactly the invite's permissions in both servers.
    standin.send_guild_create(home, "home", invited);
    standin.send_guild_create(
        ELSEWHERE,
        "elsewhere\n2030-01-01T00:00:00Z  INFO helpdesk: forged line",
        invited,
    );
    // Events from the other server before the bot has left it.
    let stray = standin.send_message(MessageSpec::new(
        ELSEWHERE_TEXT,
        &asker(),
        "my mailbox is full, what do I do?",
    ));
    let command = standin.slash_command(
        &asker(),
        ELSEWHERE,
        ELSEWHERE_TEXT,
        "ask",
        json!([{"name": "question", "type": 3, "value": "how do I read my mail offline on a plane?"}]),
    );
    standin.wait_left_guild(ELSEWHERE, WAIT).await;

    let question = "hey, my mailbox is full and people get bounce backs saying 552 mailbox full when they email me. what do i do?";
    let (message_id, answer) = ask(&standin, &asker(), question).await;
    assert_eq!(embed_title(&answer), title_of("mailbox-quota"));
    assert!(standin.channel(message_id).is_some_and(|t| t.is_thread()));

    assert_eq!(
        standin.left_guilds(),
        [ELSEWHERE],
        "left the server not on the list, once, and no other"
    );
    assert!(
        standin.channel(stray).is_none() && standin.messages_in(stray).is_empty(),
        "no thread for a question from the other server"
    );
    assert!(
        standin.interaction_response(command.id).is_none(),
        "no answer to a command from the other server"
    );
    assert!(
        standin
            .messages_in(ELSEWHERE_TEXT)
            .iter()
            .all(|m| m.author_id() != standin.bot_user_id()),
        "nothing posted in the other server"
    );
    // The server's name is logged when the bot leaves it: escaped, so its
    // line break starts no line of its own.
    let logs = bot.logs();
    assert!(
        !logs.lines().any(|line| line.starts_with("2030-01-01")),
        "the server's name forged a log line:\n{logs}"
    );
    standin.assert_no_violations();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_in_process_answers_then_stops_when_told() {
    let standin = standin().start().await;
    let workspace = Workspace::new();
    let bot = support::InProcess::start(&standin, &workspace, &[]).await;
    let (_, answer) = ask_in(&standin, TEXT, &asker(), "my mailbox is full, what now?").await;
    assert_eq!(embed_title(&answer), title_of("mailbox-quota"));
    bot.stop().await.expect("serve ends without an error");
    standin
        .wait_until_true("the gateway to be closed", WAIT, |s| !s.is_connected())
        .await;
    standin.assert_no_violations();
}
