//! Fault tests of the Discord bot: the real `helpdesk serve` binary against
//! the local Discord stand-in, killed with SIGKILL, cut off from its
//! database, from the gateway, and flooded with 5xx and 429 responses.
//! Each asserts that nothing acknowledged is lost and nothing is doubled.

use crate::support;

use std::collections::{BTreeMap, BTreeSet};
use std::str::FromStr;
use std::time::{Duration, SystemTime};

use helpdesk::discord::custom_id::Action;
use helpdesk::store::AnswerId;
use helpdesk::store::Store;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Connection, PgConnection, SqliteConnection};
use support::bot::{ask_in, standin, Bot, Workspace, FORUM, OTHER, TEXT, WAIT};
use support::database::{admin_url, TestDatabase};
use support::standin::{MessageSpec, SentInteraction, StandIn, StoredMessage, UserSpec};
use support::{actions, choose, offers, session_id, vote};

const MESSAGES: &str = "POST /channels/{channel_id}/messages";
/// The store's failed operations, on `/metrics`.
const DB_ERRORS: &str = "helpdesk_db_errors_total";
const THREADS: &str = "POST /channels/{channel_id}/messages/{message_id}/threads";
const CALLBACK: &str = "POST /interactions/{interaction_id}/{interaction_token}/callback";

/// What the bot says when it cannot store a question.
const TRY_AGAIN: &str = "try again in a moment";

fn asker() -> UserSpec {
    UserSpec::new(3_000_000_000_000_000_021, "ann")
}

fn voter(i: u64) -> UserSpec {
    UserSpec::new(3_100_000_000_000_000_000 + i, &format!("voter{i}"))
}

/// The bot's answers (messages with an embed) in `channel`.
fn answers_in(standin: &StandIn, channel: u64) -> Vec<StoredMessage> {
    let bot = standin.bot_user_id();
    standin
        .messages_in(channel)
        .into_iter()
        .filter(|m| m.author_id() == bot && !m.embeds().is_empty())
        .collect()
}

/// The bot's "try again" reply to question `question`, in the thread
/// started from it (the thread comes before anything is stored).
async fn wait_try_again(standin: &StandIn, question: u64) -> StoredMessage {
    let bot = standin.bot_user_id();
    standin
        .wait_message_in(
            question,
            |m| m.author_id() == bot && m.content().contains(TRY_AGAIN),
            WAIT,
        )
        .await
}

/// Polls `condition` (for state outside the stand-in: logs, the
/// database) until it holds.
async fn poll(what: &str, mut condition: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + WAIT;
    while !condition() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out after {WAIT:?} waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A read-only connection to the bot's SQLite database.
async fn open_sqlite(workspace: &Workspace) -> SqliteConnection {
    SqliteConnectOptions::from_str(&workspace.database_url())
        .expect("sqlite url")
        .busy_timeout(WAIT)
        .connect()
        .await
        .expect("the bot's database opens")
}

/// Every vote stored on `answer`: user id → (helpful, rows for that user).
async fn votes_on(workspace: &Workspace, answer: AnswerId) -> BTreeMap<String, (bool, i64)> {
    let mut db = open_sqlite(workspace).await;
    let rows: Vec<(String, i64, i64)> = sqlx::query_as(
        "SELECT user_id, MAX(helpful), COUNT(*) FROM votes WHERE answer_id = ? GROUP BY user_id",
    )
    .bind(answer)
    .fetch_all(&mut db)
    .await
    .expect("votes read");
    db.close().await.expect("closed");
    rows.into_iter()
        .map(|(user, helpful, rows)| (user, (helpful == 1, rows)))
        .collect()
}

// ----- kill -9 ---------------------------------------------------------------

const VOTERS: u64 = 100;

/// Two in three voters find the answer helpful.
fn finds_helpful(i: u64) -> bool {
    i % 3 != 0
}

/// The voters (by index) whose click the stand-in got a callback for.
fn acknowledged(standin: &StandIn, clicks: &[(u64, SentInteraction)]) -> BTreeSet<u64> {
    clicks
        .iter()
        .filter(|(_, click)| standin.interaction_response(click.id).is_some())
        .map(|(i, _)| *i)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kill_during_a_burst_of_votes_keeps_every_acknowledged_vote_exactly_once() {
    let standin = standin().start().await;
    let workspace = Workspace::new();
    let mut bot = Bot::start(&standin, &workspace, &[]).await;
    let (thread, answer) = ask_in(
        &standin,
        TEXT,
        &asker(),
        "what is imap and how does it work?",
    )
    .await;
    let up = vote(&answer, true);
    let down = up.replace(":up", ":down");
    let answer_id = support::answer_id(&answer);
    let vote_id = |i: u64| if finds_helpful(i) { &up } else { &down };

    let clicks: Vec<(u64, SentInteraction)> = (0..VOTERS)
        .map(|i| {
            let click =
                standin.click_button(&voter(i), standin.guild_id(), thread, answer.id, vote_id(i));
            (i, click)
        })
        .collect();
    standin
        .wait_until_true("the first votes to be acknowledged", WAIT, |s| {
            acknowledged(s, &clicks).len() >= 3
        })
        .await;
    bot.kill();

    // The clicks the killed process never got to are gone, as on Discord:
    // a new session does not replay them.
    let mut bot = Bot::start(&standin, &workspace, &[]).await;
    let acked = acknowledged(&standin, &clicks);
    assert!(
        acked.len() < VOTERS as usize,
        "the kill came in the middle of the burst: {} of {VOTERS} acknowledged",
        acked.len()
    );
    let stored = votes_on(&workspace, answer_id).await;
    for i in &acked {
        let user = voter(*i).id.to_string();
        assert_eq!(
            stored.get(&user),
            Some(&(finds_helpful(*i), 1)),
            "voter {i}'s acknowledged vote is stored once"
        );
    }
    for (user, (_, rows)) in &stored {
        assert_eq!(*rows, 1, "{user} voted once");
        assert!(
            (0..VOTERS).any(|i| voter(i).id.to_string() == *user),
            "{user} never voted"
        );
    }
    eprintln!(
        "killed with {} of {VOTERS} votes acknowledged and {} stored",
        acked.len(),
        stored.len()
    );

    // Discord told the others "This interaction failed": they click again,
    // and a vote stored but never acknowledged is not doubled.
    let retried: Vec<(u64, SentInteraction)> = (0..VOTERS)
        .filter(|i| !acked.contains(i))
        .map(|i| {
            let click =
                standin.click_button(&voter(i), standin.guild_id(), thread, answer.id, vote_id(i));
            (i, click)
        })
        .collect();
    standin
        .wait_until_true("every retried vote to be acknowledged", WAIT, |s| {
            acknowledged(s, &retried).len() == retried.len()
        })
        .await;
    let stored = votes_on(&workspace, answer_id).await;
    assert_eq!(stored.len(), VOTERS as usize, "one vote per voter");
    for i in 0..VOTERS {
        assert_eq!(
            stored.get(&voter(i).id.to_string()),
            Some(&(finds_helpful(i), 1)),
            "voter {i}"
        );
    }
    let helpful = (0..VOTERS).filter(|i| finds_helpful(*i)).count() as u64;
    let tally = workspace.store().await.tally(answer_id).await.unwrap();
    assert_eq!(
        (tally.helpful, tally.not_helpful),
        (helpful, VOTERS - helpful)
    );
    assert!(!bot.has_exited());
    standin.assert_no_violations();
}

/// Clicks the dialogue button `slot`/`value` of `step`.
fn click_step(
    standin: &StandIn,
    thread: u64,
    step: &StoredMessage,
    slot: &str,
    value: &str,
) -> SentInteraction {
    let custom_id = Action::DialogueAnswer {
        session: session_id(step),
        slot: slot.to_owned(),
        value: value.to_owned(),
    }
    .encode();
    standin.click_button(&asker(), standin.guild_id(), thread, step.id, &custom_id)
}

/// After a step's click: the step is updated in place, and the next step
/// (a new message with components) follows.
async fn next_step_after(
    standin: &StandIn,
    thread: u64,
    step: &StoredMessage,
    click: &SentInteraction,
) -> StoredMessage {
    let response = standin.wait_interaction_response(click.id, WAIT).await;
    assert_eq!(
        response.kind, 7,
        "the answered step is updated in place: {:?}",
        response.data
    );
    let bot = standin.bot_user_id();
    standin
        .wait_message_in(
            thread,
            |m| m.author_id() == bot && m.id > step.id && !actions(m).is_empty(),
            WAIT,
        )
        .await
}

/// The helpful votes the bot has stored for an answer.
async fn helpful_votes(workspace: &Workspace, answer_id: AnswerId) -> u64 {
    workspace
        .store()
        .await
        .tally(answer_id)
        .await
        .unwrap()
        .helpful
}

/// Asks the question that offers the dialogue and starts it: the thread
/// and the first step's message.
async fn open_dialogue(standin: &StandIn) -> (u64, StoredMessage) {
    let (thread, answer) = ask_in(
        standin,
        TEXT,
        &asker(),
        "pop or imap, which one should I pick?",
    )
    .await;
    let choose = standin.click_button(
        &asker(),
        standin.guild_id(),
        thread,
        answer.id,
        &choose(&answer),
    );
    standin.wait_interaction_response(choose.id, WAIT).await;
    let first = standin.original_response(choose.id).expect("first step");
    (thread, first)
}

/// The burst's questions that have at least one reply from the bot in
/// their thread.
fn replied(standin: &StandIn, questions: &[u64]) -> usize {
    questions
        .iter()
        .filter(|q| !bot_messages_in(standin, **q).is_empty())
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kill_during_a_burst_of_questions_loses_no_vote_and_the_restart_answers_the_rest() {
    const BURST: u64 = 60;
    const IN_FLIGHT: usize = 2;
    let standin = standin().start().await;
    let workspace = Workspace::new();
    let in_flight = IN_FLIGHT.to_string();
    let settings = [
        ("HELPDESK_COOLDOWN_QUESTIONS", "1000"),
        ("HELPDESK_MAX_IN_FLIGHT", in_flight.as_str()),
    ];
    let mut bot = Bot::start(&standin, &workspace, &settings).await;
    let (thread, answer) = ask_in(
        &standin,
        TEXT,
        &asker(),
        "what is imap and how does it work?",
    )
    .await;
    let questions: Vec<u64> = (0..BURST)
        .map(|i| {
            let text = format!("how do i back up my emails ({i})");
            standin.send_message(MessageSpec::new(TEXT, &voter(200 + i), &text))
        })
        .collect();
    let click = standin.click_button(
        &asker(),
        standin.guild_id(),
        thread,
        answer.id,
        &vote(&answer, true),
    );
    standin
        .wait_until_true("the vote acknowledged and the burst under way", WAIT, |s| {
            s.interaction_response(click.id).is_some() && replied(s, &questions) >= 3
        })
        .await;
    bot.kill();
    let before = replied(&standin, &questions);
    assert!(
        before < questions.len(),
        "the kill came in the middle of the burst: {before} of {BURST} answered"
    );

    // The new session reads back what the killed one had taken but not
    // answered (Discord would not send it again).
    let _bot = Bot::start(&standin, &workspace, &settings).await;
    standin
        .wait_until_true("every question of the burst to be answered", WAIT, |s| {
            replied(s, &questions) == questions.len()
        })
        .await;
    standin.wait_quiet(Duration::from_millis(300), WAIT).await;
    let mut doubled = 0;
    for question in &questions {
        let said = bot_messages_in(&standin, *question);
        assert!(
            said.iter().all(|m| !m.embeds().is_empty()),
            "question {question} got its answer: {said:?}"
        );
        doubled += usize::from(said.len() > 1);
    }
    // A question in hand at the kill whose answer was sent but not yet
    // linked to it finds that answer in its thread: none is sent twice.
    assert_eq!(doubled, 0, "questions answered twice");
    let store = workspace.store().await;
    assert!(store.recent_unanswered(None, 100).await.unwrap().is_empty());
    let tally = store.tally(support::answer_id(&answer)).await.unwrap();
    assert_eq!(tally.helpful, 1, "the acknowledged vote is kept");
    eprintln!("killed with {before} of {BURST} questions answered");
    standin.assert_no_violations();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kill_while_a_dialogue_click_is_handled_lets_the_click_again_continue() {
    let standin = standin().start().await;
    let workspace = Workspace::new();
    let mut bot = Bot::start(&standin, &workspace, &[]).await;
    let (thread, first) = open_dialogue(&standin).await;
    let click = click_step(&standin, thread, &first, "devices", "one");
    let second = next_step_after(&standin, thread, &first, &click).await;

    // The bot stores the answer, then cannot acknowledge the click (Discord
    // answers 500s), and is killed while it waits to retry: the answer is
    // stored, the click never acknowledged, the step keeps its buttons.
    let failed_before = failed_requests(&standin, CALLBACK);
    standin.fail_next(CALLBACK, 500, None, 100);
    let lost = click_step(&standin, thread, &second, "offline", "no");
    standin
        .wait_until_true("the bot to try to acknowledge the click", WAIT, |s| {
            failed_requests(s, CALLBACK) > failed_before
        })
        .await;
    bot.kill();
    standin.clear_faults();
    assert!(standin.interaction_response(lost.id).is_none());

    // The person clicks the same button again, as Discord invites them to.
    let bot = Bot::start(&standin, &workspace, &[]).await;
    let again = click_step(&standin, thread, &second, "offline", "no");
    let third = next_step_after(&standin, thread, &second, &again).await;
    let text = third
        .embeds()
        .first()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        !offers(&third, |a| matches!(
            a,
            Action::DialogueAnswer { slot, .. } if slot == "offline" || slot == "devices"
        )),
        "the dialogue moved on past the answered questions: {:?}",
        third.custom_ids()
    );
    assert!(
        text.contains("question 3") || text.contains("recommendation"),
        "continues: {text}"
    );
    // The next click continues from there; a double click on it shows the
    // step after it once.
    if let Some((slot, value)) = actions(&third).into_iter().find_map(|a| match a {
        Action::DialogueAnswer { slot, value, .. } => Some((slot, value)),
        _ => None,
    }) {
        let click = click_step(&standin, thread, &third, &slot, &value);
        let double = click_step(&standin, thread, &third, &slot, &value);
        let mut kinds = Vec::new();
        for sent in [&click, &double] {
            let reply = standin.wait_interaction_response(sent.id, WAIT).await;
            kinds.push((reply.kind, reply.is_ephemeral()));
        }
        kinds.sort_unstable();
        assert_eq!(
            kinds,
            [(4, true), (7, false)],
            "one click answers the step, the other is told it moved on"
        );
        let bot_id = standin.bot_user_id();
        standin
            .wait_message_in(thread, |m| m.author_id() == bot_id && m.id > third.id, WAIT)
            .await;
        standin.wait_quiet(Duration::from_millis(300), WAIT).await;
        let steps_after = standin
            .messages_in(thread)
            .into_iter()
            .filter(|m| m.author_id() == bot_id && m.id > third.id)
            .count();
        assert_eq!(steps_after, 1, "a double click shows the next step once");
    }
    assert!(!bot.logs().contains("panicked"));
    standin.assert_no_violations();
}

// ----- the database goes away ------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_locked_sqlite_database_gets_a_try_again_and_recovers_by_itself() {
    let standin = standin().start().await;
    let workspace = Workspace::new();
    let bot = Bot::start(&standin, &workspace, &[]).await;
    let (thread, answer) = ask_in(&standin, TEXT, &asker(), "what is pop3?").await;
    let up = vote(&answer, true);
    let answer_id = support::answer_id(&answer);

    // Another connection holds SQLite's write lock: the bot's writes fail
    // after its busy timeout (reads go on, as WAL allows). A read-only
    // file would not do: tests run as root, which permissions do not stop,
    // and the bot's pool keeps its files open.
    let mut blocker = open_sqlite(&workspace).await;
    sqlx::query("BEGIN EXCLUSIVE")
        .execute(&mut blocker)
        .await
        .expect("write lock taken");
    let question = standin.send_message(MessageSpec::new(
        TEXT,
        &voter(1),
        "how do i back up my emails",
    ));
    let clicked = SystemTime::now();
    let vote = standin.click_button(&voter(2), standin.guild_id(), thread, answer.id, &up);
    let sorry = wait_try_again(&standin, question).await;
    assert!(sorry.content().chars().count() <= 200, "short");
    let reply = standin.wait_interaction_response(vote.id, WAIT).await;
    eprintln!(
        "sqlite: the vote was answered {:.2} s after the click (Discord allows 3 s)",
        seconds_between(clicked, reply.at)
    );
    assert!(reply.is_ephemeral());
    assert!(
        reply.content().unwrap_or_default().contains(TRY_AGAIN),
        "{:?}",
        reply.data
    );
    poll("the failed write to be counted", || {
        support::counter(&bot, DB_ERRORS, r#"operation="record_answer""#) >= 1
    })
    .await;
    assert!(answers_in(&standin, question).is_empty(), "no answer");

    // The database is back: no restart, the next question and vote work.
    sqlx::query("ROLLBACK")
        .execute(&mut blocker)
        .await
        .expect("lock released");
    blocker.close().await.unwrap();
    let (again, _) = ask_in(
        &standin,
        TEXT,
        &voter(1),
        "how do i back up my emails, please",
    )
    .await;
    let vote = standin.click_button(&voter(2), standin.guild_id(), thread, answer.id, &up);
    let reply = standin.wait_interaction_response(vote.id, WAIT).await;
    assert!(
        !reply.content().unwrap_or_default().contains(TRY_AGAIN),
        "{:?}",
        reply.data
    );
    let store = workspace.store().await;
    assert!(store
        .answer_for_source(&again.to_string())
        .await
        .unwrap()
        .is_some());
    assert!(
        store
            .answer_for_source(&question.to_string())
            .await
            .unwrap()
            .is_none(),
        "the question it said sorry for was not stored"
    );
    assert_eq!(store.tally(answer_id).await.unwrap().helpful, 1);
    assert_eq!(answers_in(&standin, again).len(), 1);
    standin.assert_no_violations();
}

/// Lets a PostgreSQL database take connections, or not: with `false`,
/// refuses new ones and ends those it has, as a server going down would
/// (for this one database only: the server is shared with other tests).
async fn allow_connections(database_url: &str, allow: bool) {
    let name = database_url
        .split('?')
        .next()
        .and_then(|base| base.rsplit('/').next())
        .expect("a database name");
    let mut admin = PgConnection::connect(&admin_url()).await.expect("admin");
    sqlx::query(&format!(
        "ALTER DATABASE \"{name}\" ALLOW_CONNECTIONS {allow}"
    ))
    .execute(&mut admin)
    .await
    .expect("connections switched");
    if !allow {
        sqlx::query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1")
            .bind(name)
            .fetch_all(&mut admin)
            .await
            .expect("connections ended");
    }
    admin.close().await.ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_postgres_database_gets_a_try_again_and_recovers_by_itself() {
    let database = TestDatabase::create().await;
    let url = database.url().to_owned();
    let standin = standin().start().await;
    let workspace = Workspace::new();
    let bot = Bot::start(&standin, &workspace, &[("HELPDESK_DATABASE_URL", &url)]).await;
    let (thread, answer) = ask_in(&standin, TEXT, &asker(), "what is pop3?").await;
    let up = vote(&answer, true);
    let answer_id = support::answer_id(&answer);

    allow_connections(&url, false).await;
    let question = standin.send_message(MessageSpec::new(
        TEXT,
        &voter(1),
        "how do i back up my emails",
    ));
    let clicked = SystemTime::now();
    let vote = standin.click_button(&voter(2), standin.guild_id(), thread, answer.id, &up);
    wait_try_again(&standin, question).await;
    let reply = standin.wait_interaction_response(vote.id, WAIT).await;
    eprintln!(
        "postgres: the vote was answered {:.2} s after the click (Discord allows 3 s)",
        seconds_between(clicked, reply.at)
    );
    assert!(reply.is_ephemeral());
    assert!(
        reply.content().unwrap_or_default().contains(TRY_AGAIN),
        "{:?}",
        reply.data
    );
    poll("the failed write to be counted", || {
        support::counter(&bot, DB_ERRORS, r#"operation="record_answer""#) >= 1
    })
    .await;

    // The database is back: no restart, the next question and vote work.
    allow_connections(&url, true).await;
    let (again, _) = ask_in(
        &standin,
        TEXT,
        &voter(1),
        "how do i back up my emails, please",
    )
    .await;
    let vote = standin.click_button(&voter(2), standin.guild_id(), thread, answer.id, &up);
    let reply = standin.wait_interaction_response(vote.id, WAIT).await;
    assert!(
        !reply.content().unwrap_or_default().contains(TRY_AGAIN),
        "{:?}",
        reply.data
    );
    let store = helpdesk::store::open(&url).await.expect("postgres");
    assert!(store
        .answer_for_source(&again.to_string())
        .await
        .unwrap()
        .is_some());
    assert!(store
        .answer_for_source(&question.to_string())
        .await
        .unwrap()
        .is_none());
    assert_eq!(store.tally(answer_id).await.unwrap().helpful, 1);
    assert_eq!(answers_in(&standin, again).len(), 1);
    standin.assert_no_violations();
    drop(bot);
    drop(store);
    database.drop_database().await;
}

// ----- the gateway drops ---------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_or_invalidated_gateway_session_is_recovered_and_answers_the_next_question() {
    let standin = standin().start().await;
    let workspace = Workspace::new();
    let bot = support::InProcess::start(&standin, &workspace, &[]).await;
    let mut questions = vec![ask_in(&standin, TEXT, &asker(), "what is pop3?").await.0];

    // The socket closes without a close frame; a question arrives while the
    // bot is away (Discord keeps it for the resumed session).
    let (identifies, resumes) = (standin.identify_count(), standin.resume_count());
    assert_eq!(standin.drop_connection(), 1);
    questions.push(standin.send_message(MessageSpec::new(
        TEXT,
        &voter(1),
        "can I use imap on my phone and pop on my laptop?",
    )));
    standin
        .wait_until_true("the bot back on the gateway", WAIT, |s| {
            s.is_connected() && (s.resume_count() > resumes || s.identify_count() > identifies)
        })
        .await;
    for question in &questions {
        standin
            .wait_message_in(
                *question,
                |m| m.author_id() == standin.bot_user_id() && !m.embeds().is_empty(),
                WAIT,
            )
            .await;
    }

    // INVALID_SESSION: not resumable, the bot must identify anew;
    // resumable, it may resume or identify.
    for resumable in [false, true] {
        let (identifies, resumes) = (standin.identify_count(), standin.resume_count());
        assert_eq!(standin.invalid_session(resumable), 1);
        standin
            .wait_until_true("the bot back on the gateway", WAIT, |s| {
                s.is_connected()
                    && (s.identify_count() > identifies
                        || (resumable && s.resume_count() > resumes))
            })
            .await;
        if !resumable {
            assert!(standin.identify_count() > identifies, "re-identified");
        }
        let text = format!("how do i back up my emails ({resumable})");
        questions.push(ask_in(&standin, TEXT, &voter(2), &text).await.0);
    }

    // Give any duplicate a chance to appear, then count.
    standin.wait_quiet(Duration::from_millis(300), WAIT).await;
    for question in &questions {
        assert_eq!(
            answers_in(&standin, *question).len(),
            1,
            "question {question} answered once"
        );
    }
    let stats = workspace.store().await.stats(None).await.unwrap();
    assert_eq!(stats.answers, questions.len() as u64);
    bot.stop().await.expect("serve ends without an error");
    standin.assert_no_violations();
}

// ----- 5xx and 429 storms ----------------------------------------------------

/// Requests to `route` ("METHOD /template") the stand-in failed.
fn failed_requests(standin: &StandIn, route: &str) -> usize {
    let (method, template) = route.split_once(' ').unwrap();
    standin
        .requests_to(method, template)
        .iter()
        .filter(|r| r.status >= 400)
        .count()
}

/// How many calls to `route` the bot gave up on, by its `/metrics`.
fn gave_up(bot: &Bot, route: &str) -> usize {
    let route = format!("route=\"{route}\"");
    support::counter(bot, "helpdesk_discord_rest_gave_up_total", &route) as usize
}

fn seconds_between(earlier: SystemTime, later: SystemTime) -> f64 {
    later
        .duration_since(earlier)
        .unwrap_or_default()
        .as_secs_f64()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limits_are_retried_a_bounded_number_of_times_with_growing_waits() {
    let standin = standin().start().await;
    let workspace = Workspace::new();
    let mut bot = Bot::start(&standin, &workspace, &[]).await;

    // Three 429s, then success: one answer, after four attempts.
    standin.fail_next(MESSAGES, 429, Some(0.3), 3);
    let (thread, _) = ask_in(&standin, TEXT, &asker(), "what is pop3?").await;
    assert_eq!(answers_in(&standin, thread).len(), 1, "answered once");
    let attempts: Vec<SystemTime> = standin
        .requests_to("POST", "/channels/{channel_id}/messages")
        .iter()
        .filter(|r| r.path == format!("/channels/{thread}/messages"))
        .map(|r| r.at)
        .collect();
    assert_eq!(attempts.len(), 4, "three 429s and the success");
    let waits: Vec<f64> = attempts
        .windows(2)
        .map(|w| seconds_between(w[0], w[1]))
        .collect();
    eprintln!("waits between attempts after 429 (retry_after 0.3 s): {waits:?}");
    // Exponential backoff from 250 ms. serenity 0.12 drops the body's
    // `retry_after` (and the headers), so the bot cannot see the 0.3 s.
    for (i, wait) in waits.iter().enumerate() {
        let floor = 0.25 * f64::from(1u32 << i);
        assert!(*wait >= floor * 0.95, "wait {i} is {wait} s, under {floor}");
    }

    // A storm longer than the retry budget: the bot gives up after four
    // attempts, says so in its log, and answers again once it is over.
    standin.fail_next(MESSAGES, 429, Some(0.3), 1000);
    let failed_before = failed_requests(&standin, MESSAGES);
    let question = standin.send_message(MessageSpec::new(TEXT, &voter(1), "what is imap?"));
    poll("the bot to give up", || gave_up(&bot, MESSAGES) == 1).await;
    // In the thread it started, the bot then tries once to say sorry.
    poll("the apology to be tried", || {
        failed_requests(&standin, MESSAGES) - failed_before == 4 + 1
    })
    .await;
    assert_eq!(
        failed_requests(&standin, MESSAGES) - failed_before,
        4 + 1,
        "bounded: one attempt and three retries, and one apology"
    );
    standin.clear_faults();
    assert!(answers_in(&standin, question).is_empty());
    assert!(!bot.has_exited(), "no crash");
    let (after, _) = ask_in(&standin, TEXT, &voter(2), "how do i back up my emails").await;
    assert_eq!(answers_in(&standin, after).len(), 1);
    standin.assert_no_violations();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_storm_of_server_errors_and_rate_limits_leaves_memory_bounded_and_no_crash() {
    const QUESTIONS: u64 = 50;
    // Every question: four failed thread creations, then four failed
    // answers in the channel.
    const FAILED_CALLS: usize = QUESTIONS as usize * 8;
    let standin = standin().start().await;
    let workspace = Workspace::new();
    let mut bot = Bot::start(
        &standin,
        &workspace,
        &[("HELPDESK_COOLDOWN_QUESTIONS", "1000")],
    )
    .await;
    ask_in(&standin, TEXT, &asker(), "what is pop3?").await;
    let rss_before = bot.rss_kib();

    standin.fail_next(THREADS, 503, None, 10_000);
    for _ in 0..QUESTIONS * 2 {
        standin.fail_next(MESSAGES, 500, None, 1);
        standin.fail_next(MESSAGES, 429, Some(0.05), 1);
    }
    let failed_before = failed_requests(&standin, MESSAGES) + failed_requests(&standin, THREADS);
    let questions: Vec<u64> = (0..QUESTIONS)
        .map(|i| {
            let text = format!("my mailbox is full, what do I do? ({i})");
            standin.send_message(MessageSpec::new(TEXT, &asker(), &text))
        })
        .collect();
    poll("the bot to give up on every call", || {
        gave_up(&bot, THREADS) == QUESTIONS as usize
            && gave_up(&bot, MESSAGES) == QUESTIONS as usize
    })
    .await;
    let failed =
        failed_requests(&standin, MESSAGES) + failed_requests(&standin, THREADS) - failed_before;
    assert_eq!(failed, FAILED_CALLS, "each call tried four times, no more");
    assert!(!bot.has_exited(), "no crash");
    let rss_after = bot.rss_kib();
    eprintln!("VmRSS before the storm {rss_before} KiB, after {rss_after} KiB");
    assert!(
        rss_after < rss_before + 64 * 1024,
        "memory stays bounded: {rss_before} KiB before, {rss_after} KiB after"
    );
    assert_eq!(bot.http_get("/healthz").0, 200);

    standin.clear_faults();
    let (after, _) = ask_in(&standin, TEXT, &asker(), "how do i back up my emails").await;
    assert_eq!(answers_in(&standin, after).len(), 1);
    for question in questions {
        assert!(answers_in(&standin, question).is_empty());
    }
    standin.assert_no_violations();
}

// ----- a failure after the reply was started ---------------------------------

/// Runs `sql` on the bot's SQLite database: the tests' fault seam. A
/// trigger that raises makes exactly one kind of write fail, a renamed
/// table every statement on it, while everything else goes on working.
async fn break_sqlite(workspace: &Workspace, sql: &str) {
    let mut db = open_sqlite(workspace).await;
    sqlx::query(sql)
        .execute(&mut db)
        .await
        .unwrap_or_else(|error| panic!("{sql}: {error}"));
    db.close().await.expect("closed");
}

/// Asserts the interaction got one callback, none refused, and an
/// ephemeral follow-up saying "try again" (and pinging nobody); returns
/// the callback's type.
async fn assert_try_again_follows_the_callback(standin: &StandIn, interaction: u64) -> u8 {
    let callback = standin.wait_interaction_response(interaction, WAIT).await;
    standin
        .wait_until_true("a follow-up to the interaction", WAIT, |s| {
            s.interaction(interaction)
                .is_some_and(|r| !r.followup_ids.is_empty())
        })
        .await;
    // Give a second callback (the bug) a chance to arrive.
    standin.wait_quiet(Duration::from_millis(300), WAIT).await;
    let record = standin.interaction(interaction).expect("the interaction");
    assert_eq!(
        record.rejected_callbacks, 0,
        "one callback per interaction, no second one for the apology"
    );
    let sorry: Vec<StoredMessage> = record
        .followup_ids
        .iter()
        .filter_map(|id| standin.message(*id))
        .filter(|m| m.content().contains(TRY_AGAIN))
        .collect();
    assert_eq!(sorry.len(), 1, "one apology: {:?}", record.followup_ids);
    assert!(sorry[0].ephemeral, "only the clicker sees it");
    let allowed = sorry[0].allowed_mentions.clone().expect("allowed_mentions");
    assert_eq!(allowed["parse"], serde_json::json!([]), "{allowed}");
    callback.kind
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_failure_after_a_vote_was_acknowledged_is_told_in_a_follow_up() {
    let standin = standin().start().await;
    let workspace = Workspace::new();
    let _bot = support::InProcess::start(&standin, &workspace, &[]).await;
    let (thread, answer) = ask_in(&standin, TEXT, &asker(), "what is pop3?").await;
    let up = vote(&answer, true);
    let answer_id = support::answer_id(&answer);

    // The asker's 👍 is stored and acknowledged, then the bot looks up the
    // thread (to tag a forum post) and the database fails.
    break_sqlite(&workspace, "ALTER TABLE threads RENAME TO threads_gone").await;
    let vote = standin.click_button(&asker(), standin.guild_id(), thread, answer.id, &up);
    let kind = assert_try_again_follows_the_callback(&standin, vote.id).await;
    assert_eq!(kind, 4, "the callback thanked for the vote");
    let callback = standin.interaction_response(vote.id).unwrap();
    assert!(
        !callback.content().unwrap_or_default().contains(TRY_AGAIN),
        "{:?}",
        callback.data
    );
    assert_eq!(helpful_votes(&workspace, answer_id).await, 1);
    standin.assert_no_violations();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dialogue_step_whose_next_step_cannot_be_sent_is_told_in_a_follow_up() {
    let standin = standin().start().await;
    let workspace = Workspace::new();
    let _bot = support::InProcess::start(&standin, &workspace, &[]).await;
    let (thread, first) = open_dialogue(&standin).await;

    // The click updates the step in place (the callback), then the next
    // step, a follow-up, fails every attempt.
    standin.fail_next("POST /webhooks/", 500, None, 4);
    let click = click_step(&standin, thread, &first, "devices", "one");
    let kind = assert_try_again_follows_the_callback(&standin, click.id).await;
    assert_eq!(kind, 7, "the callback updated the step");
    standin.assert_no_violations();
}

/// The bot's messages in `thread`.
fn bot_messages_in(standin: &StandIn, thread: u64) -> Vec<StoredMessage> {
    let bot = standin.bot_user_id();
    standin
        .messages_in(thread)
        .into_iter()
        .filter(|m| m.author_id() == bot)
        .collect()
}

/// Sends question `question`'s MESSAGE_CREATE again, as a gateway resume
/// replays it (or a read-back hands it over again).
fn dispatch_again(standin: &StandIn, question: u64) {
    let mut event = standin.message(question).expect("the question").json;
    event["guild_id"] = serde_json::json!(standin.guild_id().to_string());
    standin.dispatch("MESSAGE_CREATE", Some(standin.guild_id()), event);
}

/// [`dispatch_again`], then waits until the bot has handled it as a
/// replay.
async fn replay_question(standin: &StandIn, bot: &Bot, question: u64) {
    let handled = || support::counter(bot, "helpdesk_replays_total", r#"event="message""#);
    let before = handled();
    dispatch_again(standin, question);
    poll("the replay to be handled", || handled() > before).await;
}

/// The bot's reply (a message with an embed) in `thread`, once there.
async fn wait_reply(standin: &StandIn, thread: u64) -> StoredMessage {
    let bot = standin.bot_user_id();
    standin
        .wait_message_in(
            thread,
            |m| m.author_id() == bot && !m.embeds().is_empty(),
            WAIT,
        )
        .await
}

/// Asks `question`, replays it, and checks its thread holds exactly one
/// message from the bot: the answer.
async fn answered_once_despite_a_replay(
    standin: &StandIn,
    bot: &Bot,
    asker: &UserSpec,
    question: &str,
) {
    let (message, _) = ask_in(standin, TEXT, asker, question).await;
    replay_question(standin, bot, message).await;
    standin.wait_quiet(Duration::from_millis(300), WAIT).await;
    let said = bot_messages_in(standin, message);
    assert_eq!(said.len(), 1, "one message in the thread: {said:?}");
    assert!(!said[0].embeds().is_empty(), "the answer");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_started_thread_gets_the_answer_or_an_apology_once_whatever_fails() {
    let standin = standin().start().await;
    let workspace = Workspace::new();
    let mut bot = Bot::start(
        &standin,
        &workspace,
        &[("HELPDESK_COOLDOWN_QUESTIONS", "1000")],
    )
    .await;

    // The question is stored with its thread, in one commit, after the
    // thread was started. When that commit fails (threads refused here),
    // nothing of the question is stored and its thread gets one apology.
    break_sqlite(
        &workspace,
        "CREATE TRIGGER no_threads BEFORE INSERT ON threads \
         BEGIN SELECT RAISE(ABORT, 'injected: threads unavailable'); END",
    )
    .await;
    let bot_id = standin.bot_user_id();
    let first = standin.send_message(MessageSpec::new(TEXT, &voter(1), "what is pop3?"));
    let sorry = standin
        .wait_message_in(first, |m| m.author_id() == bot_id, WAIT)
        .await;
    assert!(sorry.content().contains(TRY_AGAIN), "{}", sorry.content());
    assert!(sorry.embeds().is_empty());
    assert!(support::counter(&bot, DB_ERRORS, r#"operation="record_answer""#) >= 1);
    let store = workspace.store().await;
    let stored = store.answer_for_source(&first.to_string()).await.unwrap();
    assert_eq!(stored, None, "nothing half stored");
    // Repaired, the question read back (as a restart reads it) is
    // answered in the same thread.
    break_sqlite(&workspace, "DROP TRIGGER no_threads").await;
    dispatch_again(&standin, first);
    let answer = wait_reply(&standin, first).await;
    assert_eq!(answer.channel_id, first, "in the thread started first");
    assert_eq!(
        bot_messages_in(&standin, first).len(),
        2,
        "the apology, then the answer"
    );

    // Nor can the answer be linked to its message: still one answer, also
    // after a replay (the store cannot tell it was answered).
    break_sqlite(
        &workspace,
        "CREATE TRIGGER no_links BEFORE UPDATE OF message_id ON answers \
         BEGIN SELECT RAISE(ABORT, 'injected: answers unavailable'); END",
    )
    .await;
    answered_once_despite_a_replay(&standin, &bot, &voter(2), "how do i back up my emails").await;
    assert!(support::counter(&bot, DB_ERRORS, r#"operation="attach_message""#) >= 1);

    // The answer itself cannot be sent (every attempt fails): the thread
    // gets a short apology instead, pinging nobody.
    standin.fail_next(MESSAGES, 500, None, 4);
    let third = standin.send_message(MessageSpec::new(TEXT, &voter(3), "what is imap?"));
    let sorry = standin
        .wait_message_in(third, |m| m.author_id() == bot_id, WAIT)
        .await;
    standin.wait_quiet(Duration::from_millis(300), WAIT).await;
    assert_eq!(bot_messages_in(&standin, third).len(), 1, "one message");
    assert_eq!(
        sorry.content(),
        "Sorry, I can't answer right now. Please try again in a moment."
    );
    assert!(sorry.embeds().is_empty());
    let allowed = sorry.allowed_mentions.clone().expect("allowed_mentions");
    assert_eq!(allowed["parse"], serde_json::json!([]), "{allowed}");
    assert!(sorry.mentioned_user_ids().is_empty());
    assert!(!bot.has_exited());
    standin.assert_no_violations();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unanswered_question_whose_reply_never_went_out_gets_it_after_a_restart() {
    let standin = standin().start().await;
    let workspace = Workspace::new();
    let mut bot = Bot::start(&standin, &workspace, &[]).await;
    // The question is recorded unanswered, but every attempt at its reply
    // fails: the thread gets the apology only.
    standin.fail_next(MESSAGES, 500, None, 4);
    let question = standin.send_message(MessageSpec::new(
        TEXT,
        &asker(),
        "how do I set up DKIM and SPF records for my domain?",
    ));
    let bot_id = standin.bot_user_id();
    let sorry = standin
        .wait_message_in(question, |m| m.author_id() == bot_id, WAIT)
        .await;
    assert!(sorry.embeds().is_empty(), "an apology, not the reply");
    let store = workspace.store().await;
    assert_eq!(store.recent_unanswered(None, 10).await.unwrap().len(), 1);
    bot.kill();

    // The new session reads the question back with its thread: the
    // apology there is not the reply, so the reply is sent now, once.
    let bot = Bot::start(&standin, &workspace, &[]).await;
    let reply = wait_reply(&standin, question).await;
    assert!(
        support::embed_title(&reply).contains("don't have an answer"),
        "{reply:?}"
    );
    standin.wait_quiet(Duration::from_millis(300), WAIT).await;
    assert_eq!(answers_in(&standin, question).len(), 1, "one reply");
    assert_eq!(store.recent_unanswered(None, 10).await.unwrap().len(), 1);

    // Read back once more (another restart), it is left alone.
    drop(bot);
    let _bot = Bot::start(&standin, &workspace, &[]).await;
    standin.wait_quiet(Duration::from_millis(500), WAIT).await;
    assert_eq!(answers_in(&standin, question).len(), 1, "still one reply");
    standin.assert_no_violations();
}

// ----- overload ----------------------------------------------------------------

/// What the bot tells an asker whose question it set aside.
const SWAMPED: &str = "a person from the support team will look at this";

/// Watched channels for the overload tests: `OTHER` too, so a question
/// there can hold a slot with faults that touch no other channel.
fn other_watched_too() -> String {
    format!("{TEXT},{FORUM},{OTHER}")
}

/// Asks a question in `OTHER` that holds a slot for about 3.5 seconds
/// (four failed attempts to start its thread, then three failed ones to
/// answer in the channel before the fourth gets through), and returns
/// once the bot is working on it.
async fn hold_a_slot(standin: &StandIn) -> u64 {
    let route = format!("/channels/{OTHER}/messages");
    let failed = |s: &StandIn| {
        s.requests()
            .iter()
            .filter(|r| r.path.starts_with(&route) && r.status >= 400)
            .count()
    };
    let before = failed(standin);
    standin.fail_next(route.as_str(), 500, None, 7);
    let slow = standin.send_message(MessageSpec::new(OTHER, &voter(1), "what is imap?"));
    standin
        .wait_until_true("the slow question to hold the slot", WAIT, |s| {
            failed(s) > before
        })
        .await;
    slow
}

/// The bot's one reply to each of `questions` (in the thread started
/// from it), once every one has one.
async fn one_reply_each(standin: &StandIn, questions: &[u64]) -> Vec<StoredMessage> {
    standin
        .wait_until_true("every question to get a reply", WAIT, |s| {
            questions.iter().all(|q| !bot_messages_in(s, *q).is_empty())
        })
        .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    questions
        .iter()
        .map(|q| {
            let said = bot_messages_in(standin, *q);
            assert_eq!(said.len(), 1, "one reply to question {q}: {said:?}");
            said.into_iter().next().unwrap()
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_the_in_flight_bound_clicks_are_told_busy_and_every_question_gets_a_reply() {
    let standin = standin().start().await;
    let workspace = Workspace::new();
    let bot = Bot::start(
        &standin,
        &workspace,
        &[
            ("HELPDESK_SUPPORT_CHANNELS", &other_watched_too()),
            ("HELPDESK_COOLDOWN_QUESTIONS", "1000"),
            ("HELPDESK_MAX_IN_FLIGHT", "1"),
            ("HELPDESK_MAX_QUEUED", "4"),
        ],
    )
    .await;
    let (thread, answer) = ask_in(&standin, TEXT, &asker(), "what is pop3?").await;
    let up = vote(&answer, true);
    let answer_id = support::answer_id(&answer);

    // A click waits a second for the slot, then is told to try again,
    // well within Discord's 3 seconds; nothing is stored.
    let slow = hold_a_slot(&standin).await;
    let vote = standin.click_button(&voter(2), standin.guild_id(), thread, answer.id, &up);
    let busy = standin.wait_interaction_response(vote.id, WAIT).await;
    assert_eq!(busy.kind, 4);
    assert!(busy.is_ephemeral());
    assert!(
        busy.content().unwrap_or_default().contains("busy"),
        "{:?}",
        busy.data
    );
    assert!(
        bot_messages_in(&standin, OTHER).is_empty(),
        "told while the slot was still held"
    );
    assert_eq!(helpful_votes(&workspace, answer_id).await, 0);
    let bot_id = standin.bot_user_id();
    standin
        .wait_message_in(OTHER, |m| m.author_id() == bot_id, WAIT)
        .await;
    assert!(
        standin.channel(slow).is_none(),
        "the slow one had no thread"
    );

    // Seven questions while the slot is held again: four wait (the queue's
    // bound) and are answered; the other three are set aside for the
    // support team, and their askers told so at once.
    hold_a_slot(&standin).await;
    let burst: Vec<(u64, String)> = (0..7)
        .map(|i| {
            let text = format!("how do i back up my emails ({i})");
            let id = standin.send_message(MessageSpec::new(TEXT, &voter(10 + i), &text));
            (id, text)
        })
        .collect();
    let questions: Vec<u64> = burst.iter().map(|(id, _)| *id).collect();
    let replies = one_reply_each(&standin, &questions).await;
    let mut answered = BTreeSet::new();
    let mut set_aside = BTreeSet::new();
    for ((question, text), reply) in burst.iter().zip(&replies) {
        if reply.embeds().is_empty() {
            assert!(reply.content().contains(SWAMPED), "{:?}", reply.content());
            assert!(reply.content().chars().count() <= 200, "short");
            let allowed = reply.allowed_mentions.clone().expect("allowed_mentions");
            assert_eq!(allowed["parse"], serde_json::json!([]), "{allowed}");
            assert!(reply.mentioned_user_ids().is_empty());
            set_aside.insert(text.clone());
        } else {
            answered.insert(text.clone());
            assert!(
                support::answer_id(reply) > AnswerId(0),
                "question {question} got a real answer"
            );
        }
    }
    assert_eq!((answered.len(), set_aside.len()), (4, 3));

    // The three are listed as unanswered for triage, and only they.
    let store = workspace.store().await;
    let listed: BTreeSet<String> = store
        .recent_unanswered(None, 50)
        .await
        .unwrap()
        .into_iter()
        .filter_map(|u| u.question)
        .collect();
    assert_eq!(listed, set_aside);
    for (question, text) in &burst {
        let stored = store
            .answer_for_source(&question.to_string())
            .await
            .unwrap();
        assert_eq!(stored.is_some(), answered.contains(text), "{text}");
    }

    // With the slot free again, the same click counts.
    let vote = standin.click_button(&voter(2), standin.guild_id(), thread, answer.id, &up);
    let thanks = standin.wait_interaction_response(vote.id, WAIT).await;
    assert!(
        !thanks.content().unwrap_or_default().contains("busy"),
        "{:?}",
        thanks.data
    );
    assert_eq!(helpful_votes(&workspace, answer_id).await, 1);
    let metrics = bot.http_get("/metrics").1;
    assert!(
        metrics.contains("helpdesk_busy_total{event=\"message\"} 3"),
        "{metrics}"
    );
    standin.assert_no_violations();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_past_the_in_flight_bound_within_the_queue_bound_is_answered_in_full() {
    const BURST: u64 = 40;
    let standin = standin().start().await;
    let workspace = Workspace::new();
    let _bot = support::InProcess::start(
        &standin,
        &workspace,
        &[
            ("HELPDESK_SUPPORT_CHANNELS", &other_watched_too()),
            ("HELPDESK_COOLDOWN_QUESTIONS", "1000"),
            ("HELPDESK_MAX_IN_FLIGHT", "1"),
        ],
    )
    .await;
    // Every question of the burst arrives while the only slot is taken,
    // so all of them wait: ten times the old bound of four per slot.
    hold_a_slot(&standin).await;
    let questions: Vec<u64> = (0..BURST)
        .map(|i| {
            let text = format!("how do i back up my emails ({i})");
            standin.send_message(MessageSpec::new(TEXT, &voter(100 + i), &text))
        })
        .collect();
    let replies = one_reply_each(&standin, &questions).await;
    for (question, reply) in questions.iter().zip(&replies) {
        assert!(
            !reply.embeds().is_empty(),
            "question {question} got {:?}",
            reply.content()
        );
    }
    let store = workspace.store().await;
    assert!(store.recent_unanswered(None, 50).await.unwrap().is_empty());
    // The burst, and the question that held the slot.
    // None set aside: a question set aside is recorded unanswered.
    assert_eq!(store.stats(None).await.unwrap().answers, BURST + 1);
    standin.assert_no_violations();
}
