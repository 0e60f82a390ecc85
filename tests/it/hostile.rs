//! Hostile input, fed to the real `helpdesk serve` through the Discord
//! stand-in: floods of characters, invisible and direction-changing
//! characters, markup and mention injection, broken JSON escapes, forged
//! modals and buttons, replayed interactions.
//!
//! For every input: no panic, no unexpected ping (the `allowed_mentions` of
//! every request the bot sent are checked), no doubled vote, and a clear
//! reply where the user needs one.

use crate::support;
use helpdesk::store::{AnswerId, SessionId};

use std::time::Duration;

use helpdesk::discord::custom_id::{Action, PREFIX};
use helpdesk::store::Store;
use serde_json::{json, Value};
use support::bot::{standin, Bot, Workspace, ROLE, TEXT, TRIAGE, WAIT};
use support::standin::{
    InteractionCallback, MessageSpec, RecordedRequest, StandIn, StoredMessage, UserSpec,
};
use support::{action, answer_id, embed_title, is_dialogue, offers, vote};

/// How a hostile text is built.
#[derive(Clone, Copy, Debug)]
enum Text {
    /// Sent as it is.
    Plain(&'static str),
    /// `head`, then `unit` over and over, cut to exactly `chars` characters.
    Flood {
        head: &'static str,
        unit: &'static str,
        chars: usize,
    },
}

impl Text {
    fn build(self) -> String {
        match self {
            Self::Plain(text) => text.to_owned(),
            Self::Flood { head, unit, chars } => head
                .chars()
                .chain(unit.chars().cycle())
                .take(chars)
                .collect(),
        }
    }
}

/// What the bot must reply, besides replying at all.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Expect {
    /// This entry: the hostile wrapping must not hide the question.
    Entry(&'static str),
    /// The honest "I don't have an answer" reply, escalated.
    NoAnswer,
    /// Either, as long as it is one of them.
    AnyReply,
}

/// The support role and a member, spelled out in the texts below (checked
/// against [`ROLE`] by the test).
const ROLE_MENTION: &str = "<@&2200000000000000001>";

/// Hostile questions, each posted by its own member in the watched channel
/// (so the cooldown stays out of the way), all to one bot process.
const HOSTILE_QUESTIONS: &[(&str, Text, Expect)] = &[
    (
        "2000 characters, Discord's limit",
        Text::Flood {
            head: "my mailbox is full and mail bounces with 552. ",
            unit: "please help, it is urgent! ",
            chars: 2000,
        },
        Expect::Entry("mailbox-quota"),
    ),
    (
        "4000 characters, a Nitro member's limit",
        Text::Flood {
            head: "my emails disappeared from my phone after I set up outlook. ",
            unit: "where did they go? ",
            chars: 4000,
        },
        Expect::Entry("missing-email"),
    ),
    (
        "one 2000-character word",
        Text::Flood {
            head: "",
            unit: "a",
            chars: 2000,
        },
        Expect::NoAnswer,
    ),
    (
        "zero-width characters inside the words",
        Text::Plain("my\u{200B} mail\u{200C}box\u{200D} is\u{2060} full\u{FEFF} and mail bounces"),
        Expect::Entry("mailbox-quota"),
    ),
    (
        "nothing but zero-width characters",
        Text::Plain("\u{200B}\u{200C}\u{200D}\u{2060}\u{FEFF}\u{200B}"),
        Expect::NoAnswer,
    ),
    (
        "bidi overrides and isolates",
        Text::Plain(
            "\u{202E}lluf si xobliam ym\u{202C} \u{2066}my mailbox is full\u{2069} \u{202D}help\u{200F}",
        ),
        Expect::Entry("mailbox-quota"),
    ),
    (
        "a combining-mark flood",
        Text::Flood {
            head: "my mailbox is full ",
            unit: "\u{0336}\u{0301}\u{0300}\u{0352}\u{0489}\u{0323}",
            chars: 2000,
        },
        Expect::Entry("mailbox-quota"),
    ),
    (
        "an emoji flood with ZWJ sequences and flags",
        Text::Flood {
            head: "my mailbox is full ",
            unit: "👩\u{200D}👩\u{200D}👧\u{200D}👦🏳\u{FE0F}\u{200D}🌈📬🇺🇳",
            chars: 2000,
        },
        Expect::Entry("mailbox-quota"),
    ),
    (
        "markdown injection",
        Text::Plain(
            "# HEADING\n-# subtext\n**my** __mailbox__ ~~is~~ `full` ||spoiler|| \
             [click here](https://evil.example/phish) > quote\n> more\n1. list",
        ),
        Expect::Entry("mailbox-quota"),
    ),
    (
        "code-block injection, unbalanced fences",
        Text::Plain(
            "```\n@everyone\n``` my emails vanished ``` <@&2200000000000000001> ```\n```rust\nfn main() {",
        ),
        Expect::Entry("missing-email"),
    ),
    (
        "@everyone, @here, a role and users in a question",
        Text::Plain(
            "@everyone @here <@&2200000000000000001> <@3000000000000000002> <@!3000000000000000002> \
             my mailbox is full, what do I do?",
        ),
        Expect::Entry("mailbox-quota"),
    ),
    (
        "mentions and nothing else",
        Text::Plain("@everyone <@&2200000000000000001> <@3000000000000000002> @here"),
        Expect::NoAnswer,
    ),
    (
        "regex metacharacters",
        Text::Plain(
            r"(a+)+$ ^.*?[^\]]{1,99999}\d\\ | (?i)(?P<x>imap) \Q.*\E (.*) $1 \1 [[:alpha:]] \p{L}+ what is imap?",
        ),
        Expect::Entry("imap"),
    ),
    (
        "SQL and format-string injection",
        Text::Plain(
            "'; DROP TABLE answers; -- \" OR 1=1 %s %n %x {} {0} ${HOME} $(reboot) `id` my mailbox is full",
        ),
        Expect::Entry("mailbox-quota"),
    ),
    (
        "control characters and NUL",
        Text::Plain("my\u{0000} mailbox\u{0007} is\u{001B}[31m full\r\n\t\u{0085}\u{0008}"),
        // Answered today, but close to the matcher's threshold.
        Expect::AnyReply,
    ),
    (
        "a newline flood",
        Text::Flood {
            head: "my mailbox is full",
            unit: "\n",
            chars: 1500,
        },
        Expect::Entry("mailbox-quota"),
    ),
    (
        "right-to-left and CJK scripts",
        Text::Plain("صندوق بريدي ممتلئ 我的邮箱满了 תיבת הדואר שלי מלאה"),
        // The knowledge is English today; an answer would be fine too.
        Expect::AnyReply,
    ),
];

/// Raw JSON for a message's `content`, written verbatim into the gateway
/// frame: lone surrogate escapes that no JSON encoder produces. serenity
/// cannot parse such a frame; the bot must skip it and carry on.
const RAW_CONTENTS: &[(&str, &str)] = &[
    ("a lone leading surrogate", r#""\ud800 my mailbox is full""#),
    (
        "a lone trailing surrogate",
        r#""my mailbox is full \udfff""#,
    ),
    (
        "a leading surrogate before a non-surrogate escape",
        r#""\ud83d\u0041 my mailbox is full""#,
    ),
];
/// 📧 as a surrogate-pair escape: valid JSON, must be answered.
const RAW_PAIR: &str = r#""\ud83d\udce7 my mailbox is full, mail bounces""#;

const NO_ANSWER_TITLE: &str = "I don't have an answer";

fn member(n: u64) -> UserSpec {
    UserSpec::new(3_100_000_000_000_000_000 + n, &format!("member{n}"))
}

fn asker() -> UserSpec {
    UserSpec::new(3_000_000_000_000_000_001, "ann")
}

fn bystander() -> UserSpec {
    UserSpec::new(3_000_000_000_000_000_002, "bob")
}

fn is_bot_reply(standin: &StandIn, message: &StoredMessage) -> bool {
    message.author_id() == standin.bot_user_id() && !message.embeds().is_empty()
}

/// Characters that change text direction or hide themselves.
fn is_direction_or_invisible(c: char) -> bool {
    matches!(c, '\u{200B}' | '\u{2060}' | '\u{FEFF}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// A thread name fits Discord's limit, is one line, and shows something:
/// no control characters, no direction overrides, not only invisible
/// characters.
fn assert_clean_thread_name(case: &str, name: &str) {
    let chars = name.chars().count();
    assert!(
        (1..=100).contains(&chars),
        "{case}: thread name of {chars} characters: {name:?}"
    );
    assert!(
        !name.chars().any(char::is_control),
        "{case}: control characters in the thread name {name:?}"
    );
    assert!(
        !name.chars().any(is_direction_or_invisible),
        "{case}: direction overrides or invisible characters in the thread name {name:?}"
    );
    assert!(
        name.chars().any(|c| !c.is_whitespace()
            && !c.is_control()
            && !is_direction_or_invisible(c)
            && !matches!(c, '\u{200C}' | '\u{200D}' | '\u{FE00}'..='\u{FE0F}')),
        "{case}: the thread name shows nothing: {name:?}"
    );
}

/// The message-like objects of a request body, and whether each creates a
/// message (and so must say whom it may ping).
fn message_bodies(request: &RecordedRequest) -> Vec<(&Value, bool)> {
    let Some(body) = request.body.as_ref() else {
        return Vec::new();
    };
    let template = request.template.as_deref().unwrap_or_default();
    let method = request.method.to_ascii_uppercase();
    match (method.as_str(), template) {
        ("POST", "/channels/{channel_id}/messages")
        | ("POST", "/webhooks/{application_id}/{interaction_token}") => vec![(body, true)],
        ("POST", "/interactions/{interaction_id}/{interaction_token}/callback") => {
            // 4: a new message; 7: an update of the clicked one.
            match body["type"].as_u64() {
                Some(4) => vec![(&body["data"], true)],
                Some(7) => vec![(&body["data"], false)],
                _ => Vec::new(),
            }
        }
        ("POST", "/channels/{channel_id}/threads") if body["message"].is_object() => {
            vec![(&body["message"], true)]
        }
        ("POST" | "PATCH", _) => vec![(body, false)],
        _ => Vec::new(),
    }
}

/// `allowed_mentions` that ping nobody, or only the support role in a
/// message that names it.
fn assert_safe_mentions(request: &RecordedRequest, message: &Value) {
    let allowed = &message["allowed_mentions"];
    let content = message["content"].as_str().unwrap_or_default();
    let is_empty = |v: &Value| v.is_null() || v.as_array().is_some_and(Vec::is_empty);
    assert!(
        is_empty(&allowed["parse"]),
        "{request}: allowed_mentions.parse must be empty: {allowed}"
    );
    assert!(
        is_empty(&allowed["users"]),
        "{request}: no user may be pinged: {allowed}"
    );
    assert!(
        allowed["replied_user"] != Value::Bool(true),
        "{request}: the replied-to user may not be pinged: {allowed}"
    );
    if !is_empty(&allowed["roles"]) {
        assert_eq!(
            allowed["roles"],
            serde_json::json!([ROLE.to_string()]),
            "{request}: only the support role may be pinged"
        );
        assert!(
            content.starts_with(&format!("<@&{ROLE}>")),
            "{request}: the role is pinged only by the escalation: {content:?}"
        );
    }
}

/// Checks every POST and PATCH the bot sent: what may be pinged, and
/// Discord's lengths. Returns how many message-creating bodies it checked.
fn assert_requests_are_safe(requests: &[RecordedRequest]) -> usize {
    let mut created = 0;
    for request in requests {
        if request.is(
            "POST",
            "/channels/{channel_id}/messages/{message_id}/threads",
        ) {
            let name = request.body.as_ref().map(|b| &b["name"]);
            let name = name.and_then(Value::as_str).unwrap_or_default();
            assert_clean_thread_name(&request.to_string(), name);
        }
        for (message, creates) in message_bodies(request) {
            let content = message["content"].as_str().unwrap_or_default();
            assert!(
                content.chars().count() <= 2000,
                "{request}: content of {} characters",
                content.chars().count()
            );
            for embed in message["embeds"].as_array().into_iter().flatten() {
                let length = |key: &str| embed[key].as_str().unwrap_or_default().chars().count();
                assert!(length("title") <= 256, "{request}: embed title {embed}");
                assert!(
                    length("description") <= 4096,
                    "{request}: embed description of {} characters",
                    length("description")
                );
            }
            let says_something = !content.is_empty();
            if creates || says_something {
                assert!(
                    message["allowed_mentions"].is_object(),
                    "{request}: a message without allowed_mentions pings whatever it names: {message}"
                );
            }
            if message["allowed_mentions"].is_object() {
                assert_safe_mentions(request, message);
            }
            created += usize::from(creates);
        }
    }
    created
}

/// As Discord resolved them: the bot's visible messages in `channels` ping
/// nobody, except the support role in the escalation.
fn assert_no_one_pinged(standin: &StandIn, channels: &[u64]) {
    for channel in channels {
        for message in standin
            .messages_in(*channel)
            .into_iter()
            .filter(|m| m.author_id() == standin.bot_user_id())
        {
            let json = &message.json;
            assert_eq!(json["mention_everyone"], Value::Bool(false), "{json}");
            assert!(
                json["mentions"].as_array().is_none_or(Vec::is_empty),
                "users pinged: {json}"
            );
            let roles = json["mention_roles"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            assert!(
                roles.is_empty() || roles == [Value::String(ROLE.to_string())],
                "roles pinged: {json}"
            );
        }
    }
}

/// The process is alive and sane: ready, and it never panicked.
fn assert_alive_and_calm(bot: &Bot) {
    let (status, body) = bot.http_get("/readyz");
    assert_eq!(status, 200, "/readyz: {body}");
    let logs = bot.logs();
    assert!(!logs.contains("panicked"), "the bot panicked:\n{logs}");
}

/// Waits until `condition` holds for the bot's log (polled).
async fn wait_for_log(bot: &Bot, what: &str, condition: impl Fn(&str) -> bool) {
    let deadline = tokio::time::Instant::now() + WAIT;
    while !condition(&bot.logs()) {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what} in the bot's log"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_questions_get_a_reply_and_ping_nobody() {
    assert!(HOSTILE_QUESTIONS
        .iter()
        .any(|(_, text, _)| text.build().contains(ROLE_MENTION)));
    assert_eq!(ROLE_MENTION, format!("<@&{ROLE}>"));
    assert_eq!(
        bystander().id.to_string(),
        "3000000000000000002",
        "the member named in the texts"
    );
    let standin = standin().start().await;
    let workspace = Workspace::new();
    let bot = Bot::start(&standin, &workspace, &[]).await;

    // Everything at once, as a raid would.
    let mut sent = Vec::new();
    for (n, (case, text, expect)) in HOSTILE_QUESTIONS.iter().enumerate() {
        let user = member(n as u64);
        let text = text.build();
        let id = standin.send_message(MessageSpec::new(TEXT, &user, &text));
        sent.push((*case, user, text, *expect, id));
    }
    let mut unreadable = Vec::new();
    for (n, (case, raw)) in RAW_CONTENTS.iter().enumerate() {
        let user = member(100 + n as u64);
        let spec = MessageSpec::new(TEXT, &user, "\u{FFFD} my mailbox is full");
        unreadable.push((*case, standin.send_message_raw(spec, raw)));
    }
    let pair = standin.send_message_raw(
        MessageSpec::new(TEXT, &member(200), "📧 my mailbox is full, mail bounces"),
        RAW_PAIR,
    );
    let store = workspace.store().await;

    let mut threads = vec![TEXT, TRIAGE];
    for (case, user, text, expect, id) in &sent {
        let reply = standin
            .wait_message_in(*id, |m| is_bot_reply(&standin, m), WAIT)
            .await;
        let thread = standin
            .channel(*id)
            .unwrap_or_else(|| panic!("{case}: no thread from the question"));
        assert!(thread.is_thread(), "{case}");
        assert_clean_thread_name(case, &thread.name);
        threads.push(*id);

        let title = embed_title(&reply);
        let answered = !title.starts_with(NO_ANSWER_TITLE);
        if answered {
            let record = store
                .answer_for_source(&id.to_string())
                .await
                .unwrap()
                .unwrap_or_else(|| panic!("{case}: the answer is not stored"));
            assert_eq!(record.question.as_deref(), Some(text.as_str()), "{case}");
            assert!(
                offers(&reply, |a| matches!(a, Action::Vote { .. })),
                "{case}: an answer can be voted on"
            );
            match expect {
                Expect::Entry(entry) => assert_eq!(&record.entry, entry, "{case}"),
                Expect::NoAnswer => panic!("{case}: answered with {}", record.entry),
                Expect::AnyReply => {}
            }
        } else {
            assert!(
                !matches!(expect, Expect::Entry(_)),
                "{case}: expected {expect:?}, got no answer"
            );
            let stored = store.recent_unanswered(None, 100).await.unwrap();
            let record = stored
                .iter()
                .find(|r| r.user_id == user.id.to_string())
                .unwrap_or_else(|| panic!("{case}: the unanswered question is not stored"));
            assert_eq!(record.question.as_deref(), Some(text.as_str()), "{case}");
            let role = format!("<@&{ROLE}>");
            standin
                .wait_message_in(*id, |m| m.content().starts_with(&role), WAIT)
                .await;
            standin
                .wait_message_in(TRIAGE, |m| m.content().contains(&id.to_string()), WAIT)
                .await;
        }
        eprintln!("{case}: {title:?} in thread {:?}", thread.name);
    }
    standin
        .wait_message_in(pair, |m| is_bot_reply(&standin, m), WAIT)
        .await;
    threads.push(pair);

    // The bot still answers afterwards, on the same gateway session.
    let last = standin.send_message(MessageSpec::new(
        TEXT,
        &asker(),
        "how do I back up my emails?",
    ));
    standin
        .wait_message_in(last, |m| is_bot_reply(&standin, m), WAIT)
        .await;
    threads.push(last);
    standin.wait_quiet(Duration::from_millis(500), WAIT).await;

    for (case, id) in &unreadable {
        assert!(
            standin.channel(*id).is_none() && standin.messages_in(*id).is_empty(),
            "{case}: serenity cannot read the frame, so there is nothing to answer"
        );
    }
    let refused = bot.logs().matches("Err deserializing text").count();
    assert_eq!(
        refused,
        RAW_CONTENTS.len(),
        "each unreadable frame is logged and skipped"
    );
    assert_eq!(standin.identify_count(), 1, "no reconnect was needed");
    for (case, _, _, _, id) in &sent {
        let replies = standin
            .messages_in(*id)
            .into_iter()
            .filter(|m| is_bot_reply(&standin, m))
            .count();
        assert_eq!(replies, 1, "{case}: one reply");
    }

    let checked = assert_requests_are_safe(&standin.requests());
    assert!(
        checked > HOSTILE_QUESTIONS.len(),
        "{checked} messages checked"
    );
    assert_no_one_pinged(&standin, &threads);
    assert_alive_and_calm(&bot);
    standin.assert_no_violations();
}

/// `id` as another version of the bot would have written it (`hd0:…`).
fn from_version(version: &str, id: &str) -> String {
    let rest = id.strip_prefix(PREFIX).expect("an id of this version");
    format!("{version}{rest}")
}

/// A vote id whose answer is `answer`, whatever it is: the encoder's own
/// output with the answer replaced.
fn vote_on(answer: &str) -> String {
    Action::Vote {
        answer: AnswerId(1),
        helpful: true,
    }
    .encode()
    .replace(":1:", &format!(":{answer}:"))
}

fn callbacks_to(standin: &StandIn, interaction: u64) -> usize {
    let path = format!("/interactions/{interaction}/");
    standin
        .requests_to(
            "POST",
            "/interactions/{interaction_id}/{interaction_token}/callback",
        )
        .iter()
        .filter(|r| r.path.starts_with(&path))
        .count()
}

fn assert_polite(case: &str, reply: &InteractionCallback, wording: &str) {
    assert!(reply.is_ephemeral(), "{case}: private: {:?}", reply.data);
    let text = reply.content().unwrap_or_default();
    assert!(
        text.contains(wording),
        "{case}: expected {wording:?} in {text:?}"
    );
}

const STALE: &str = "moved on";
const UNKNOWN: &str = "don't recognise";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_and_replayed_interactions_are_refused_politely_and_count_once() {
    let standin = standin().start().await;
    let workspace = Workspace::new();
    let bot = Bot::start(&standin, &workspace, &[]).await;
    let guild = standin.guild_id();
    let (thread, answer) = support::bot::ask_in(
        &standin,
        TEXT,
        &asker(),
        "Should I use POP or IMAP for my account?",
    )
    .await;
    let id = answer_id(&answer);
    let store = workspace.store().await;
    let tally_shown = |s: &StandIn, line: &str| {
        s.message(answer.id)
            .is_some_and(|m| m.embeds().iter().any(|e| e.to_string().contains(line)))
    };

    // A vote replayed with the same interaction id counts once: 👍, then
    // 👎, then the 👍 again from a gateway replay must change nothing.
    let up = vote(&answer, true);
    let down = vote(&answer, false);
    let first = standin.click_button(&asker(), guild, thread, answer.id, &up);
    assert_polite(
        "helpful",
        &standin.wait_interaction_response(first.id, WAIT).await,
        "Thanks",
    );
    standin
        .wait_until_true("👍 1 · 👎 0", WAIT, |s| tally_shown(s, "👍 1 · 👎 0"))
        .await;
    let second = standin.click_button(&asker(), guild, thread, answer.id, &down);
    let modal = standin.wait_interaction_response(second.id, WAIT).await;
    assert_eq!(modal.kind, 9, "not helpful opens the modal");
    let modal_id = modal.custom_id().expect("modal id").to_owned();
    standin
        .wait_until_true("👍 0 · 👎 1", WAIT, |s| tally_shown(s, "👍 0 · 👎 1"))
        .await;
    standin.replay_interaction(first.id);
    let replays = || support::counter(&bot, "helpdesk_replays_total", "event=\"component\"");
    let deadline = tokio::time::Instant::now() + WAIT;
    while replays() == 0 && callbacks_to(&standin, first.id) == 1 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for the replay to be handled"
        );
        // Polled: /metrics tells nobody when it changes.
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    standin.wait_quiet(Duration::from_millis(300), WAIT).await;
    assert_eq!(
        callbacks_to(&standin, first.id),
        1,
        "the replay is not answered again"
    );
    assert_eq!(standin.interaction(first.id).unwrap().rejected_callbacks, 0);
    let tally = store.tally(id).await.unwrap();
    assert_eq!(
        (tally.helpful, tally.not_helpful),
        (0, 1),
        "the replay changed the vote"
    );
    let votes = |export: helpdesk::store::Export| {
        export
            .votes
            .into_iter()
            .filter(|v| v.answer_id == id)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        votes(store.export().await.unwrap()).len(),
        1,
        "one vote row"
    );
    assert!(tally_shown(&standin, "👍 0 · 👎 1"));

    // A forged submit of 4000 characters, pings and fences included, where
    // the modal allows 1000: stored cut, passed on pinging nobody.
    let comment = Text::Flood {
        head: "",
        unit: "@everyone @here <@&2200000000000000001> <@3000000000000000002>\n```\n> ",
        chars: 4000,
    }
    .build();
    let submit = standin.submit_forged_modal(
        &asker(),
        guild,
        thread,
        Some(answer.id),
        &modal_id,
        &[("comment", &comment)],
    );
    assert_polite(
        "4000-character comment",
        &standin.wait_interaction_response(submit.id, WAIT).await,
        "Thanks",
    );
    let triage = standin
        .wait_message_in(
            TRIAGE,
            |m| m.content().contains("Improvement suggestion"),
            WAIT,
        )
        .await;
    assert!(triage.content().chars().count() <= 2000);
    assert!(
        triage.content().contains("@\u{200B}everyone"),
        "quoted, neither pinged nor highlighted"
    );
    assert_renders_as_text("4000-character comment", comment_lines(triage.content()));
    let stored = votes(store.export().await.unwrap());
    assert_eq!(stored.len(), 1, "a comment is no second vote");
    let stored_comment = stored[0].comment.clone().expect("the comment is stored");
    assert!(
        stored_comment.chars().count() <= 1000,
        "stored {} characters",
        stored_comment.chars().count()
    );
    assert!(comment.starts_with(&stored_comment));
    // The same submit again, as a gateway replay: passed on once.
    standin.replay_interaction(submit.id);
    standin.wait_quiet(Duration::from_millis(500), WAIT).await;
    let suggestions = standin
        .messages_in(TRIAGE)
        .into_iter()
        .filter(|m| m.content().contains("Improvement suggestion"))
        .count();
    assert_eq!(suggestions, 1, "a replayed submit is passed on once");
    assert_eq!(callbacks_to(&standin, submit.id), 1);
    assert_eq!(votes(store.export().await.unwrap()).len(), 1);

    // Modal ids from elsewhere.
    for (case, custom_id, wording) in [
        (
            "modal of an old version",
            from_version("hd0", &Action::Improve { answer: id }.encode()),
            STALE,
        ),
        (
            "modal of an unknown answer",
            Action::Improve {
                answer: AnswerId(999_999),
            }
            .encode(),
            STALE,
        ),
        ("modal from a button id", up.clone(), STALE),
    ] {
        let submit = standin.submit_forged_modal(
            &asker(),
            guild,
            thread,
            None,
            &custom_id,
            &[("comment", "@everyone <@&2200000000000000001>")],
        );
        let reply = standin.wait_interaction_response(submit.id, WAIT).await;
        assert_polite(case, &reply, wording);
    }

    // A click on another member's dialogue.
    let choose = Action::Choose { answer: id }.encode();
    let click = standin.click_button(&asker(), guild, thread, answer.id, &choose);
    standin.wait_interaction_response(click.id, WAIT).await;
    let bot_id = standin.bot_user_id();
    let step = standin
        .wait_message_in(
            thread,
            |m| m.author_id() == bot_id && m.id > answer.id && offers(m, is_dialogue),
            WAIT,
        )
        .await;
    let set = action(&step, |a| matches!(a, Action::DialogueAnswer { .. })).encode();
    let restart = action(&step, |a| matches!(a, Action::DialogueRestart { .. })).encode();
    for custom_id in [&set, &restart] {
        let click = standin.click_button(&bystander(), guild, thread, step.id, custom_id);
        let reply = standin.wait_interaction_response(click.id, WAIT).await;
        assert_polite("another member's dialogue", &reply, "/recommend");
    }
    let untouched = standin.message(step.id).unwrap();
    assert_eq!(
        untouched.edits, 0,
        "the step is not changed by someone else"
    );
    assert_eq!(untouched.custom_ids(), step.custom_ids());
    let click = standin.click_button(&asker(), guild, thread, step.id, &set);
    let own = standin.wait_interaction_response(click.id, WAIT).await;
    assert_eq!(own.kind, 7, "the asker's click still works: {:?}", own.data);

    // Custom ids from other versions, or made up.
    let edits_before = standin.message(answer.id).unwrap().edits;
    let long = format!("{up}{}", ":x".repeat(60));
    let devices_one = Action::DialogueAnswer {
        session: SessionId(1),
        slot: "devices".to_owned(),
        value: "one".to_owned(),
    }
    .encode();
    let unicode_slot = Action::DialogueAnswer {
        session: SessionId(1),
        slot: "dévices".to_owned(),
        value: "ｏｎｅ".to_owned(),
    }
    .encode();
    for (case, custom_id, wording) in [
        ("old version vote", from_version("hd0", &up), STALE),
        (
            "old version dialogue",
            from_version("hd0", &devices_one),
            STALE,
        ),
        ("newer version", from_version("hd2", &up), STALE),
        (
            "no version",
            up[PREFIX.len()..].trim_start_matches(':').to_owned(),
            STALE,
        ),
        ("empty", String::new(), STALE),
        (
            "improve as a button",
            Action::Improve { answer: id }.encode(),
            STALE,
        ),
        (
            "unknown answer",
            Action::Vote {
                answer: AnswerId(999_999),
                helpful: true,
            }
            .encode(),
            STALE,
        ),
        ("extra part", format!("{up}:again"), UNKNOWN),
        ("leading zero", vote_on(&format!("0{id}")), UNKNOWN),
        ("negative", vote_on(&format!("-{id}")), UNKNOWN),
        ("overflow", vote_on("99999999999999999999"), UNKNOWN),
        ("over 100 characters", long, UNKNOWN),
        ("unicode slot", unicode_slot, UNKNOWN),
        (
            "mentions in the id",
            format!("{} @everyone", vote_on("<@&2200000000000000001>")),
            UNKNOWN,
        ),
    ] {
        let click = standin.click_forged_button(&asker(), guild, thread, answer.id, &custom_id);
        let reply = standin.wait_interaction_response(click.id, WAIT).await;
        assert_polite(case, &reply, wording);
    }
    let tally = store.tally(id).await.unwrap();
    assert_eq!(
        (tally.helpful, tally.not_helpful),
        (0, 1),
        "forged clicks vote nothing"
    );
    assert_eq!(votes(store.export().await.unwrap()).len(), 1);
    assert_eq!(standin.message(answer.id).unwrap().edits, edits_before);

    let checked = assert_requests_are_safe(&standin.requests());
    assert!(checked > 20, "{checked} messages checked");
    assert_no_one_pinged(&standin, &[TEXT, TRIAGE, thread]);
    assert_alive_and_calm(&bot);
    standin.assert_no_violations();
}

/// The lines of a triage post after its first: the person's text.
fn comment_lines(content: &str) -> &str {
    content.split_once('\n').map_or("", |(_, rest)| rest)
}

/// Whether the character at `index` is escaped by the backslashes before it.
fn escaped(chars: &[char], index: usize) -> bool {
    chars[..index]
        .iter()
        .rev()
        .take_while(|c| **c == '\\')
        .count()
        % 2
        == 1
}

/// User text as staff see it renders as the text it is: no masked link, no
/// mention, no emphasis, code or spoiler, no heading, quote or list of its
/// own (a `> ` quote prefix of the bot's is allowed), and every URL shown
/// whole in `<…>`, so that it gets no preview.
fn assert_renders_as_text(case: &str, text: &str) {
    let chars: Vec<char> = text.chars().collect();
    let mut in_url = false;
    for (i, c) in chars.iter().enumerate() {
        if in_url {
            in_url = *c != '>';
            continue;
        }
        if escaped(&chars, i) {
            continue;
        }
        let rest: String = chars[i..].iter().take(8).collect();
        match c {
            '<' if rest.starts_with("<http") => in_url = true,
            '<' | '>' if i > 0 && chars[i - 1] != '\n' => {
                panic!("{case}: a bare `{c}` at {i}: {text}")
            }
            '*' | '_' | '`' | '|' | '~' | '[' | ']' | '#' => {
                panic!("{case}: unescaped `{c}` at {i}: {text}")
            }
            'h' if rest.to_lowercase().starts_with("http") => {
                panic!("{case}: a URL outside <…> at {i}: {text}")
            }
            _ => {}
        }
    }
    assert!(
        !text.contains("@everyone") && !text.contains("@here"),
        "{case}: {text}"
    );
    for line in text.lines() {
        let body = line.strip_prefix("> ").unwrap_or(line).trim_start();
        let digits = body.chars().take_while(char::is_ascii_digit).count();
        let numbered = digits > 0 && body[digits..].starts_with(['.', ')']);
        assert!(
            !numbered && !body.starts_with(['>', '-', '+', '#', '*']),
            "{case}: a line renders as markup: {line:?}"
        );
    }
}

/// A comment, an escalated question and `/kb unanswered` carry people's
/// text to staff: there it reads as what it says, never as a link that
/// hides its address, a heading, or a mention.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn user_text_reaches_staff_escaped() {
    const MASKED: &str = "[Verify your staff account](https://evil.example/x)";
    const SHOWN: &str = r"\[Verify your staff account\](<https://evil.example/x>)";
    let standin = standin().start().await;
    let workspace = Workspace::new();
    let _bot = support::InProcess::start(&standin, &workspace, &[]).await;
    let guild = standin.guild_id();

    // The 👎 comment, posted to triage.
    let (thread, answer) = support::bot::ask_in(
        &standin,
        TEXT,
        &asker(),
        "what is imap and how does it work?",
    )
    .await;
    let down = vote(&answer, false);
    let click = standin.click_button(&asker(), guild, thread, answer.id, &down);
    let modal = standin.wait_interaction_response(click.id, WAIT).await;
    let modal_id = modal.custom_id().expect("the improvement modal").to_owned();
    let comment = format!(
        "{MASKED}\n# heading\n-# small print\n> quoted\n- item\n1. first\n\
         <@3000000000000000002> <@&{ROLE}> @everyone ||spoiler|| **bold** `code` \
         https://evil.example/embed"
    );
    let submit = standin.submit_modal(&asker(), guild, thread, &modal_id, &[("comment", &comment)]);
    standin.wait_interaction_response(submit.id, WAIT).await;
    let posted = standin
        .wait_message_in(
            TRIAGE,
            |m| m.content().contains("Improvement suggestion"),
            WAIT,
        )
        .await;
    let content = posted.content();
    eprintln!("{content}");
    assert!(content.contains(SHOWN), "{content}");
    assert!(!content.contains(MASKED), "{content}");
    for line in [
        r"> \# heading",
        r"> \-\# small print",
        r"> \> quoted",
        r"> \- item",
        r"> 1\. first",
    ] {
        assert!(content.lines().any(|l| l == line), "{line:?} in {content}");
    }
    assert!(content.contains(r"\<@3000000000000000002\>"), "{content}");
    assert!(
        content.contains("<https://evil.example/embed>"),
        "{content}"
    );
    assert_renders_as_text("comment", comment_lines(content));

    // A question with no answer, escalated to triage.
    let question = format!("# Staff notice {MASKED} how do I set up DKIM for my domain?");
    let asked = standin.send_message(MessageSpec::new(TEXT, &bystander(), &question));
    let escalated = standin
        .wait_message_in(TRIAGE, |m| m.content().contains(&asked.to_string()), WAIT)
        .await;
    let content = escalated.content();
    assert!(content.contains(SHOWN), "{content}");
    assert!(content.contains(r"\# Staff notice"), "{content}");
    assert_renders_as_text("escalation", comment_lines(content));

    // `/kb unanswered`, an embed, where masked links would render too.
    let manager = UserSpec::new(3_000_000_000_000_000_017, "mod").manager();
    let command = standin.slash_command(
        &manager,
        guild,
        TEXT,
        "kb",
        json!([{"name": "unanswered", "type": 1, "options": []}]),
    );
    let reply = standin.wait_interaction_response(command.id, WAIT).await;
    let description = reply.data["embeds"][0]["description"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let listed = description
        .lines()
        .find(|line| line.contains("Staff notice"))
        .unwrap_or_else(|| panic!("the question in {description}"));
    assert!(listed.contains(SHOWN), "{listed}");
    let (text, _) = listed
        .strip_prefix("• ")
        .and_then(|l| l.rsplit_once(" in <#"))
        .expect("• text in <#channel>");
    assert_renders_as_text("/kb unanswered", text);
    standin.assert_no_violations();
}

/// A forged custom id is logged escaped (Debug-formatted): its newlines
/// cannot start a log line of their own that reads like the bot's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_custom_ids_are_logged_escaped() {
    const FORGED_LINE: &str = "2030-01-01T00:00:00.000000Z  INFO helpdesk: forged";
    let standin = standin().start().await;
    let workspace = Workspace::new();
    let bot = Bot::start(&standin, &workspace, &[]).await;
    let guild = standin.guild_id();
    let (thread, answer) = support::bot::ask_in(
        &standin,
        TEXT,
        &asker(),
        "what is imap and how does it work?",
    )
    .await;
    let modal_id = format!(
        "{}\n{FORGED_LINE} modal\u{1b}[2K",
        Action::Improve {
            answer: AnswerId(1)
        }
        .encode()
    );
    let submit = standin.submit_forged_modal(
        &asker(),
        guild,
        thread,
        Some(answer.id),
        &modal_id,
        &[("comment", "hi")],
    );
    let reply = standin.wait_interaction_response(submit.id, WAIT).await;
    assert_polite("forged modal id", &reply, STALE);
    let button_id = format!("{}\n{FORGED_LINE} button", vote_on("1"));
    let click = standin.click_forged_button(&asker(), guild, thread, answer.id, &button_id);
    let reply = standin.wait_interaction_response(click.id, WAIT).await;
    assert_polite("forged button id", &reply, UNKNOWN);
    wait_for_log(&bot, "both forged ids", |logs| {
        logs.contains("unusable modal id") && logs.contains("unusable component id")
    })
    .await;
    let logs = bot.logs();
    for line in logs.lines() {
        assert!(
            !line.contains("\u{1b}[2K"),
            "a raw escape sequence: {line:?}"
        );
        assert!(
            !line.starts_with(FORGED_LINE),
            "a forged log line: {line:?}"
        );
    }
    for kind in ["modal", "button"] {
        let escaped = format!("\\n{FORGED_LINE} {kind}");
        assert!(
            logs.contains(&escaped),
            "{escaped:?} not in the log:\n{logs}"
        );
    }
}

/// The rendering check catches what it is there for.
#[test]
fn the_rendering_check_catches_markup() {
    assert_renders_as_text(
        "fine",
        "> \\# a \\[b\\](<https://x.example>) \\<@1\\>\n> 1\\. ok",
    );
    for text in [
        "[b](https://x.example)",
        "https://x.example",
        "<@1>",
        "# heading",
        "> \\a\n> - item",
        "2. second",
        "**bold**",
        "@everyone",
    ] {
        let caught = std::panic::catch_unwind(|| assert_renders_as_text("caught", text));
        assert!(caught.is_err(), "not caught: {text}");
    }
}

fn recorded(method: &str, template: &str, body: Value) -> RecordedRequest {
    RecordedRequest {
        method: method.to_owned(),
        path: "/recorded".to_owned(),
        query: None,
        template: Some(template.to_owned()),
        body: Some(body),
        status: 200,
        at: std::time::SystemTime::now(),
    }
}

/// The request checks can fail: each of these bodies is caught.
#[test]
fn the_request_checks_catch_pings_and_overlong_text() {
    const MESSAGES: &str = "/channels/{channel_id}/messages";
    const CALLBACK: &str = "/interactions/{interaction_id}/{interaction_token}/callback";
    const FOLLOWUP: &str = "/webhooks/{application_id}/{interaction_token}";
    const THREAD: &str = "/channels/{channel_id}/messages/{message_id}/threads";
    let none = json!({ "parse": [], "users": [], "roles": [] });
    let fine = [
        recorded(
            "POST",
            MESSAGES,
            json!({ "content": "@everyone", "allowed_mentions": none }),
        ),
        recorded(
            "POST",
            MESSAGES,
            json!({
                "content": format!("<@&{ROLE}> this question needs a human."),
                "allowed_mentions": { "parse": [], "roles": [ROLE.to_string()] },
            }),
        ),
        recorded(
            "POST",
            CALLBACK,
            json!({ "type": 9, "data": { "custom_id": "x" } }),
        ),
        recorded("POST", THREAD, json!({ "name": "my mail\u{200d}box" })),
    ];
    assert_eq!(assert_requests_are_safe(&fine), 2);
    let caught = [
        recorded("POST", MESSAGES, json!({ "content": "@everyone" })),
        recorded(
            "POST",
            MESSAGES,
            json!({ "embeds": [{ "title": "no content" }] }),
        ),
        recorded(
            "POST",
            MESSAGES,
            json!({ "content": "x", "allowed_mentions": { "parse": ["everyone"] } }),
        ),
        recorded(
            "POST",
            FOLLOWUP,
            json!({ "content": "<@1>", "allowed_mentions": { "parse": [], "users": ["1"] } }),
        ),
        recorded(
            "POST",
            MESSAGES,
            json!({ "content": "<@&5>", "allowed_mentions": { "parse": [], "roles": ["5"] } }),
        ),
        recorded(
            "POST",
            MESSAGES,
            json!({ "content": "hi", "allowed_mentions": { "parse": [], "roles": [ROLE.to_string()] } }),
        ),
        recorded(
            "POST",
            MESSAGES,
            json!({ "content": "x", "allowed_mentions": { "parse": [], "replied_user": true } }),
        ),
        recorded(
            "POST",
            MESSAGES,
            json!({ "content": "x".repeat(2001), "allowed_mentions": none }),
        ),
        recorded(
            "POST",
            MESSAGES,
            json!({ "embeds": [{ "description": "x".repeat(4097) }], "allowed_mentions": none }),
        ),
        recorded(
            "POST",
            CALLBACK,
            json!({ "type": 4, "data": { "content": "thanks" } }),
        ),
        recorded(
            "PATCH",
            "/channels/{channel_id}/messages/{message_id}",
            json!({ "content": "@here" }),
        ),
        recorded("POST", THREAD, json!({ "name": "\u{202E}lluf si xobliam" })),
        recorded("POST", THREAD, json!({ "name": "\u{200B}\u{200D}" })),
        recorded("POST", THREAD, json!({ "name": "x".repeat(101) })),
    ];
    for request in caught {
        let body = request.body.clone().unwrap_or_default();
        let outcome = std::panic::catch_unwind(|| assert_requests_are_safe(&[request]));
        assert!(outcome.is_err(), "not caught: {body}");
    }
}

// A public server: escalation that cannot be abused, one server's data
// kept to that server, one budget for every path, forget-me on Discord too.

/// The stand-in, a workspace and the bot started on them with `extra`
/// settings.
async fn with_bot(extra: &[(&str, &str)]) -> (StandIn, Workspace, support::InProcess) {
    let standin = standin().start().await;
    let workspace = Workspace::new();
    let bot = support::InProcess::start(&standin, &workspace, extra).await;
    (standin, workspace, bot)
}

fn staff_member() -> UserSpec {
    UserSpec::new(3_000_000_000_000_000_031, "helper").with_roles(&[ROLE])
}

fn human_button(answer: &StoredMessage) -> String {
    helpdesk::discord::custom_id::Action::Human {
        answer: answer_id(answer),
    }
    .encode()
}

/// A staff command's embed description (or its text, if it has none).
async fn kb_reply(
    standin: &StandIn,
    user: &UserSpec,
    guild: u64,
    channel: u64,
    sub: &str,
) -> String {
    let command = standin.slash_command(
        user,
        guild,
        channel,
        "kb",
        json!([{"name": sub, "type": 1, "options": []}]),
    );
    let reply = standin.wait_interaction_response(command.id, WAIT).await;
    reply.data["embeds"][0]["description"]
        .as_str()
        .map(str::to_owned)
        .or_else(|| reply.content().map(str::to_owned))
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn talk_to_a_human_is_the_askers_or_staffs_and_pings_once() {
    let (standin, _workspace, _bot) = with_bot(&[]).await;
    let guild = standin.guild_id();
    let (thread, answer) = support::bot::ask_in(
        &standin,
        TEXT,
        &asker(),
        "Should I use POP or IMAP for my account?",
    )
    .await;
    let human = human_button(&answer);
    let role_pings = |s: &StandIn| {
        s.messages_in(thread)
            .iter()
            .filter(|m| m.content().contains(&format!("<@&{ROLE}>")))
            .count()
    };
    let triage_posts = |s: &StandIn| {
        s.messages_in(TRIAGE)
            .iter()
            .filter(|m| m.content().contains("asked for a human"))
            .count()
    };

    let stranger = standin.click_button(&bystander(), guild, thread, answer.id, &human);
    assert_polite(
        "a stranger's click",
        &standin.wait_interaction_response(stranger.id, WAIT).await,
        "Only the person who asked",
    );
    for click in 1..=3 {
        let sent = standin.click_button(&asker(), guild, thread, answer.id, &human);
        let wording = if click == 1 {
            "I've asked the support team"
        } else {
            "already been asked"
        };
        assert_polite(
            &format!("the asker's click {click}"),
            &standin.wait_interaction_response(sent.id, WAIT).await,
            wording,
        );
    }
    let by_staff = standin.click_button(&staff_member(), guild, thread, answer.id, &human);
    assert_polite(
        "staff's click",
        &standin.wait_interaction_response(by_staff.id, WAIT).await,
        "already been asked",
    );
    assert_eq!(role_pings(&standin), 1, "one ping in all");
    assert_eq!(triage_posts(&standin), 1, "one triage post in all");
    standin.assert_no_violations();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_servers_staff_see_nothing_of_anothers() {
    const GUILD_2: u64 = 2_300_000_000_000_000_001;
    const TEXT_2: u64 = 2_300_000_000_000_000_002;
    let standin = standin()
        .text_channel_in_guild(GUILD_2, TEXT_2)
        .start()
        .await;
    let workspace = Workspace::new();
    let _bot = support::InProcess::start(&standin, &workspace, &[]).await;
    let guild = standin.guild_id();
    let manager_here = UserSpec::new(3_000_000_000_000_000_041, "mod").manager();
    let manager_there = UserSpec::new(3_000_000_000_000_000_042, "other-mod").manager();

    // A question with no answer in the first server reaches its triage.
    let asked = standin.send_message(MessageSpec::new(
        TEXT,
        &asker(),
        "how do I set up DKIM signing for my domain?",
    ));
    standin
        .wait_message_in(TRIAGE, |m| m.content().contains(&asked.to_string()), WAIT)
        .await;
    // One with no answer in the second server, asked with /ask there.
    let there = standin.slash_command(
        &bystander(),
        GUILD_2,
        TEXT_2,
        "ask",
        json!([{"name": "question", "type": 3, "value": "how do I set up SPF records for my domain?"}]),
    );
    standin.wait_interaction_response(there.id, WAIT).await;

    let unanswered_there = kb_reply(&standin, &manager_there, GUILD_2, TEXT_2, "unanswered").await;
    assert!(unanswered_there.contains("SPF"), "{unanswered_there}");
    assert!(!unanswered_there.contains("DKIM"), "{unanswered_there}");
    let unanswered_here = kb_reply(&standin, &manager_here, guild, TEXT, "unanswered").await;
    assert!(unanswered_here.contains("DKIM"), "{unanswered_here}");
    assert!(!unanswered_here.contains("SPF"), "{unanswered_here}");
    let gaps_there = kb_reply(&standin, &manager_there, GUILD_2, TEXT_2, "gaps").await;
    assert!(gaps_there.contains("**1×**"), "{gaps_there}");
    assert!(
        gaps_there.contains("SPF") && !gaps_there.contains("DKIM"),
        "{gaps_there}"
    );
    let stats_there = kb_reply(&standin, &manager_there, GUILD_2, TEXT_2, "stats").await;
    assert!(
        stats_there.contains("**0** answers shown, **1** unanswered, **0** escalated"),
        "{stats_there}"
    );
    // Nothing of the second server reaches the first one's staff, and the
    // shared knowledge is reloaded only from the first.
    assert!(standin
        .messages_in(TRIAGE)
        .iter()
        .all(|m| !m.content().contains("SPF")));
    let reload_there = kb_reply(&standin, &manager_there, GUILD_2, TEXT_2, "reload").await;
    assert!(reload_there.contains("home server"), "{reload_there}");
    let reload_here = kb_reply(&standin, &manager_here, guild, TEXT, "reload").await;
    assert!(reload_here.contains("Reloaded"), "{reload_here}");
    // A member with neither the role nor Manage Server sees nothing.
    let refused = kb_reply(&standin, &bystander(), guild, TEXT, "unanswered").await;
    assert!(refused.contains("support role"), "{refused}");
    assert!(!refused.contains("DKIM"), "{refused}");
    standin.assert_no_violations();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ask_spam_is_limited_like_messages() {
    let (standin, workspace, _bot) = with_bot(&[("HELPDESK_COOLDOWN_QUESTIONS", "3")]).await;
    let guild = standin.guild_id();
    let mut replies = Vec::new();
    for n in 0..5 {
        let sent = standin.slash_command(
            &asker(),
            guild,
            TEXT,
            "ask",
            json!([{"name": "question", "type": 3, "value": format!("is my mailbox full {n}?")}]),
        );
        replies.push(standin.wait_interaction_response(sent.id, WAIT).await);
    }
    let limited: Vec<bool> = replies
        .iter()
        .map(|r| {
            r.content()
                .is_some_and(|text| text.contains("faster than I can keep up"))
        })
        .collect();
    assert_eq!(limited, [false, false, false, true, true]);
    let store = workspace.store().await;
    let stats = store.stats(None).await.unwrap();
    assert_eq!(
        stats.answers + stats.unanswered,
        3,
        "a limited question is not stored"
    );
    // Someone else is not held back.
    let other = standin.slash_command(
        &bystander(),
        guild,
        TEXT,
        "ask",
        json!([{"name": "question", "type": 3, "value": "is my mailbox full?"}]),
    );
    let reply = standin.wait_interaction_response(other.id, WAIT).await;
    assert!(!reply.content().unwrap_or_default().contains("faster"));
    standin.assert_no_violations();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forget_me_deletes_the_triage_post_and_renames_the_thread() {
    let (standin, _workspace, _bot) = with_bot(&[]).await;
    let guild = standin.guild_id();
    let asked = standin.send_message(MessageSpec::new(
        TEXT,
        &asker(),
        "how do I set up DKIM signing for my domain?",
    ));
    let post = standin
        .wait_message_in(TRIAGE, |m| m.content().contains(&asked.to_string()), WAIT)
        .await;
    let others = standin.send_message(MessageSpec::new(
        TEXT,
        &bystander(),
        "how do I set up SPF records for my domain?",
    ));
    let others_post = standin
        .wait_message_in(TRIAGE, |m| m.content().contains(&others.to_string()), WAIT)
        .await;
    let thread_name = |s: &StandIn, id| s.channel(id).map(|c| c.name).unwrap_or_default();
    assert!(thread_name(&standin, asked).contains("DKIM"));

    let reply = kb_reply(&standin, &asker(), guild, TEXT, "forget-me").await;
    assert!(reply.contains("deleted 1 post"), "{reply}");
    standin
        .wait_until_true("the triage post to be deleted", WAIT, |s| {
            s.message(post.id).is_some_and(|m| m.deleted)
        })
        .await;
    assert_eq!(thread_name(&standin, asked), "Email question");
    assert!(
        standin.message(others_post.id).is_some_and(|m| !m.deleted),
        "someone else's post stays"
    );
    assert!(thread_name(&standin, others).contains("SPF"));
    standin.assert_no_violations();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn did_you_mean_is_the_askers_and_copies_no_question() {
    let (standin, workspace, _bot) = with_bot(&[]).await;
    let guild = standin.guild_id();
    let (thread, answer) = support::bot::ask_in(
        &standin,
        TEXT,
        &asker(),
        "pop or imap for my phone and laptop",
    )
    .await;
    let select = helpdesk::discord::custom_id::Action::Alternative {
        answer: answer_id(&answer),
    }
    .encode();
    let store = workspace.store().await;
    let answers = || async { store.stats(None).await.unwrap().answers };
    assert_eq!(answers().await, 1);

    let stranger = standin.select(
        &bystander(),
        guild,
        thread,
        answer.id,
        &select,
        &["mixing-protocols"],
    );
    assert_polite(
        "a stranger's pick",
        &standin.wait_interaction_response(stranger.id, WAIT).await,
        "for the person who asked",
    );
    assert_eq!(answers().await, 1, "nothing recorded for the stranger");

    let own = standin.select(
        &asker(),
        guild,
        thread,
        answer.id,
        &select,
        &["mixing-protocols"],
    );
    let reply = standin.wait_interaction_response(own.id, WAIT).await;
    let shown = reply.data["embeds"][0]["title"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        !shown.is_empty(),
        "the chosen entry is shown: {:?}",
        reply.data
    );
    assert_eq!(answers().await, 2);
    let export = store.export().await.unwrap();
    assert_eq!(export.entries.iter().map(|e| e.shown).sum::<u64>(), 2);
    let newest = store
        .answer(AnswerId(2))
        .await
        .unwrap()
        .expect("the chosen answer");
    assert_eq!(newest.entry, "mixing-protocols");
    assert_eq!(newest.question, None, "the question is not copied");
    standin.assert_no_violations();
}

/// The lookups of "is this a thread the bot answers in?" so far.
fn thread_lookups(bot: &Bot) -> u64 {
    let (_, metrics) = bot.http_get("/metrics");
    metrics
        .lines()
        .find(|line| {
            line.starts_with("helpdesk_db_query_duration_seconds_count")
                && line.contains("operation=\"thread\"")
        })
        .and_then(|line| line.rsplit(' ').next()?.parse().ok())
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chatter_in_other_channels_costs_no_database_lookup() {
    /// What the README's invite URL grants.
    const INVITE_PERMISSIONS: u64 = 326_417_599_488;
    // The binary: the count is read from its /metrics.
    let standin = standin().start().await;
    let workspace = Workspace::new();
    let bot = Bot::start(&standin, &workspace, &[]).await;
    let chat = |n: u64| {
        standin.send_message(MessageSpec::new(
            support::bot::OTHER,
            &member(n),
            "anyone watching the match tonight?",
        ));
    };
    // Events of one shard are handled in order of arrival as far as the
    // cache goes: once a later question is answered, the earlier events
    // have been seen.
    let ann = asker();
    let answered = |text: &'static str| support::bot::ask_in(&standin, TEXT, &ann, text);

    // Before Discord has described the server, a channel is unknown: a
    // message there costs a lookup.
    chat(1);
    chat(2);
    let deadline = std::time::Instant::now() + WAIT;
    while thread_lookups(&bot) < 2 {
        assert!(
            std::time::Instant::now() < deadline,
            "a message in an unknown channel is looked up"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    answered("is my mailbox full?").await;
    let unknown = thread_lookups(&bot);
    assert_eq!(unknown, 2);

    standin.send_guild_create(standin.guild_id(), "help desk", INVITE_PERMISSIONS);
    answered("should I use pop or imap?").await;
    for n in 3..8 {
        chat(n);
    }
    answered("where did my email go?").await;
    assert_eq!(
        thread_lookups(&bot),
        unknown,
        "messages in a known plain channel are dropped before any lookup"
    );
    assert!(
        standin
            .messages_in(support::bot::OTHER)
            .iter()
            .all(|m| m.author_id() != standin.bot_user_id()),
        "and not answered"
    );
    standin.assert_no_violations();
}
