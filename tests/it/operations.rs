//! Black-box tests of running the bot as a service: the endpoints, logs,
//! shutdown, retention, and two processes sharing one PostgreSQL database
//! by Discord shard. Each runs the real `helpdesk serve` binary against the
//! local Discord stand-in.

use crate::support;

use std::time::Duration;

use helpdesk::discord::custom_id::Action;
use helpdesk::store::AnswerId;
use helpdesk::store::{NewAnswer, NewUnanswered, Origin, Store};
use serde_json::{json, Value};
use support::bot::{ask_in, reply_text, standin, Bot, Workspace, TEXT, WAIT};
use support::database::TestDatabase;
use support::standin::{StandIn, UserSpec};
use support::{action, choose, offers, vote};

const TOKEN: &str = "standin-secret-token";

fn asker() -> UserSpec {
    UserSpec::new(3_000_000_000_000_000_011, "ann")
}

/// Polls the bot's endpoint until it answers `status`.
async fn wait_status(bot: &Bot, path: &str, status: u16) -> String {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let (got, body) = bot.http_get(path);
        if got == status {
            return body;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{path} still answers {got} ({body:?}), not {status}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Polls `/metrics` until `ready` holds (a handler records its duration
/// only when it returns, after its last message was sent).
async fn wait_metrics(bot: &Bot, ready: impl Fn(&str) -> bool) -> String {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let (status, metrics) = bot.http_get("/metrics");
        if status == 200 && ready(&metrics) {
            return metrics;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "/metrics never got there: {metrics}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The value of one sample line of a Prometheus text page, e.g.
/// `helpdesk_answers_total{entry="pop"}`.
fn sample(metrics: &str, series: &str) -> Option<f64> {
    metrics.lines().find_map(|line| {
        let (name, value) = line.rsplit_once(' ')?;
        (name == series).then(|| value.parse().ok()).flatten()
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_endpoints_report_health_readiness_and_metrics() {
    let standin = standin().start().await;
    let workspace = Workspace::new();
    let bot = Bot::start(&standin, &workspace, &[]).await;
    assert_eq!(bot.http_get("/healthz"), (200, "ok\n".to_owned()));
    wait_status(&bot, "/readyz", 200).await;

    let (_, answer) = ask_in(
        &standin,
        TEXT,
        &asker(),
        "thunderbird keeps saying my mailbox is over quota and mail bounces",
    )
    .await;
    assert!(!answer.embeds().is_empty());
    let metrics = wait_metrics(&bot, |m| {
        m.contains("helpdesk_handler_duration_seconds_count")
    })
    .await;
    assert_eq!(
        sample(&metrics, "helpdesk_questions_received_total"),
        Some(1.0),
        "{metrics}"
    );
    assert_eq!(
        sample(&metrics, "helpdesk_answers_total{entry=\"mailbox-quota\"}"),
        Some(1.0),
        "{metrics}"
    );
    assert!(
        metrics.contains("helpdesk_handler_duration_seconds_bucket{event=\"message\""),
        "{metrics}"
    );
    assert!(
        metrics.contains("helpdesk_db_query_duration_seconds_bucket{operation=\"record_answer\""),
        "{metrics}"
    );
    standin.assert_no_violations();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_stops_taking_events_and_exits_cleanly() {
    let standin = standin().start().await;
    let workspace = Workspace::new();
    let mut bot = Bot::start(&standin, &workspace, &[]).await;
    wait_status(&bot, "/readyz", 200).await;
    // Killed by the signal, the exit status would not be a success.
    let status = bot.terminate();
    assert!(status.success(), "exit status {status:?}");
    assert!(
        std::net::TcpStream::connect_timeout(&bot.http_addr, Duration::from_secs(1)).is_err(),
        "the endpoints are closed"
    );
    standin
        .wait_until_true("the gateway connection to close", WAIT, |s| {
            s.connection_count() == 0
        })
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_logs_carry_the_ids_and_never_the_token() {
    let standin = standin().start().await;
    let workspace = Workspace::new();
    let mut bot = Bot::start(
        &standin,
        &workspace,
        &[("HELPDESK_LOG_FORMAT", "json"), ("RUST_LOG", "trace")],
    )
    .await;
    let (question, _) = ask_in(
        &standin,
        TEXT,
        &asker(),
        "why did my emails vanish from my phone after setting up pop on the laptop?",
    )
    .await;
    bot.terminate();
    let logs = bot.logs();
    assert!(!logs.is_empty());
    for line in logs.lines() {
        assert!(!line.contains(TOKEN), "the token leaked: {line}");
        serde_json::from_str::<Value>(line)
            .unwrap_or_else(|e| panic!("not a JSON log line ({e}): {line}"));
    }
    let asker_id = asker().id.to_string();
    let with_ids = logs
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .find(|line| {
            line["spans"].as_array().is_some_and(|spans| {
                spans.iter().any(|span| {
                    span["name"] == "event"
                        && span["user"].to_string().contains(&asker_id)
                        && span["channel"].to_string().contains(&TEXT.to_string())
                        && span["guild"]
                            .to_string()
                            .contains(&standin.guild_id().to_string())
                        && span["entry"].is_string()
                })
            })
        });
    assert!(
        with_ids.is_some(),
        "no log line of question {question} carries guild, channel, user and entry"
    );
}

/// Interaction tokens are credentials (for 15 minutes, anyone holding one
/// can answer as the bot): none reaches the logs, even at `trace` and
/// when calls carrying them fail.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn interaction_tokens_never_reach_the_logs() {
    const CALLBACK: &str = "POST /interactions/{interaction_id}/{interaction_token}/callback";
    let standin = standin().start().await;
    let workspace = Workspace::new();
    let mut bot = Bot::start(&standin, &workspace, &[("RUST_LOG", "trace")]).await;
    let guild = standin.guild_id();
    let (thread, answer) = ask_in(&standin, TEXT, &asker(), "should I use pop or imap?").await;
    let mut tokens = Vec::new();
    // A vote, then "help me choose" and a step (a follow-up on the
    // interaction's webhook), then a click whose callback keeps failing.
    let up = vote(&answer, true);
    let click = standin.click_button(&asker(), guild, thread, answer.id, &up);
    standin.wait_interaction_response(click.id, WAIT).await;
    tokens.push(click.token);
    let click = standin.click_button(&asker(), guild, thread, answer.id, &choose(&answer));
    standin.wait_interaction_response(click.id, WAIT).await;
    tokens.push(click.token);
    let bot_id = standin.bot_user_id();
    let is_choice = |a: &Action| matches!(a, Action::DialogueAnswer { .. });
    let step = standin
        .wait_message_in(
            thread,
            |m| m.author_id() == bot_id && offers(m, is_choice),
            WAIT,
        )
        .await;
    let set = action(&step, is_choice).encode();
    let click = standin.click_button(&asker(), guild, thread, step.id, &set);
    standin.wait_interaction_response(click.id, WAIT).await;
    standin
        .wait_until_true("the next step as a follow-up", WAIT, |s| {
            s.requests_to("POST", "/webhooks/{webhook_id}/{webhook_token}")
                .iter()
                .any(|r| r.path.contains(&click.token))
        })
        .await;
    tokens.push(click.token);
    standin.fail_next(CALLBACK, 500, None, 100);
    let click = standin.click_button(&asker(), guild, thread, answer.id, &up);
    let deadline = tokio::time::Instant::now() + WAIT;
    while !bot
        .logs()
        .contains("could not tell the person their click failed")
    {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the failed click is never given up"
        );
        // Polled: the log is a file.
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokens.push(click.token);
    standin.clear_faults();
    bot.terminate();

    let logs = bot.logs();
    assert!(
        logs.contains("discord call failed"),
        "the failure is logged"
    );
    for token in &tokens {
        let leaked = logs.lines().find(|line| line.contains(token.as_str()));
        assert!(
            leaked.is_none(),
            "an interaction token in the log: {leaked:?}"
        );
    }
}

/// Back-dates every stored row by `days`.
async fn age_rows(database_url: &str, days: i64) {
    use sqlx::Connection;
    let mut connection = sqlx::SqliteConnection::connect(database_url)
        .await
        .expect("database opens");
    for table in ["answers", "unanswered"] {
        sqlx::query(&format!("UPDATE {table} SET created_at = created_at - ?"))
            .bind(days * 86_400)
            .execute(&mut connection)
            .await
            .expect("rows aged");
    }
    sqlx::query("UPDATE votes SET updated_at = updated_at - ?")
        .bind(days * 86_400)
        .execute(&mut connection)
        .await
        .expect("votes aged");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retention_purges_old_texts_and_keeps_the_counts() {
    let workspace = Workspace::new();
    let store = workspace.store().await;
    let origin = Origin::terminal("someone");
    let old = store
        .record_answer(NewAnswer {
            kind: helpdesk::store::AnswerKind::Entry,
            entry: "pop".into(),
            question: Some("what is pop".into()),
            confidence: 0.9,
            origin: origin.clone(),
            thread: None,
        })
        .await
        .unwrap();
    store
        .record_comment(old.id, "someone", "too long, make it shorter")
        .await
        .unwrap();
    store
        .record_unanswered(NewUnanswered {
            question: "how do I set up dkim".into(),
            confidence: 0.1,
            origin: origin.clone(),
            thread: None,
        })
        .await
        .unwrap();
    age_rows(&workspace.database_url(), 40).await;
    let recent = store
        .record_answer(NewAnswer {
            kind: helpdesk::store::AnswerKind::Entry,
            entry: "imap".into(),
            question: Some("what is imap".into()),
            confidence: 0.9,
            origin,
            thread: None,
        })
        .await
        .unwrap();

    let standin = standin().start().await;
    let _bot =
        support::InProcess::start(&standin, &workspace, &[("HELPDESK_RETENTION_DAYS", "30")]).await;
    let deadline = tokio::time::Instant::now() + WAIT;
    while store
        .answer(old.id)
        .await
        .unwrap()
        .unwrap()
        .question
        .is_some()
    {
        assert!(
            tokio::time::Instant::now() < deadline,
            "old text not purged"
        );
        // Polled: the database tells nobody when it changes.
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let kept = store.answer(recent.id).await.unwrap().unwrap();
    assert_eq!(kept.question.as_deref(), Some("what is imap"));
    let stats = store.stats(None).await.unwrap();
    assert_eq!((stats.answers, stats.unanswered), (2, 1), "counts are kept");
    assert_eq!(
        stats.votes.not_helpful, 1,
        "the vote stays, its comment goes"
    );
    let export = store.export().await.unwrap();
    let exported = serde_json::to_string(&export).unwrap();
    assert!(!exported.contains("too long"), "{exported}");
    assert!(!exported.contains("dkim"), "{exported}");
}

/// One old question text (100 days), for the retention tests: its id.
async fn old_answer(workspace: &Workspace) -> AnswerId {
    let store = workspace.store().await;
    let answer = store
        .record_answer(NewAnswer {
            kind: helpdesk::store::AnswerKind::Entry,
            entry: "pop".into(),
            question: Some("what is pop".into()),
            confidence: 0.9,
            origin: Origin::terminal("someone"),
            thread: None,
        })
        .await
        .unwrap();
    age_rows(&workspace.database_url(), 100).await;
    answer.id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retention_is_90_days_by_default_and_off_keeps_texts() {
    let standin = standin().start().await;

    // Nothing set: texts older than 90 days go.
    let workspace = Workspace::new();
    let old = old_answer(&workspace).await;
    let bot = Bot::start(&standin, &workspace, &[]).await;
    let store = workspace.store().await;
    let deadline = tokio::time::Instant::now() + WAIT;
    while store.answer(old).await.unwrap().unwrap().question.is_some() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "a 100-day-old text is kept by default:\n{}",
            bot.logs()
        );
        // Polled: the database tells nobody when it changes.
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(support::counter(&bot, "helpdesk_retention_purges_total", "") >= 1);
    drop(bot);

    // `off`: no purge runs at all.
    let workspace = Workspace::new();
    let old = old_answer(&workspace).await;
    let bot = Bot::start(&standin, &workspace, &[("HELPDESK_RETENTION_DAYS", "off")]).await;
    let store = workspace.store().await;
    let kept = store.answer(old).await.unwrap().unwrap();
    assert_eq!(kept.question.as_deref(), Some("what is pop"));
    assert_eq!(
        support::counter(&bot, "helpdesk_retention_purges_total", ""),
        0,
        "no purge ran"
    );
}

/// Two guilds whose events go to different shards of two.
const GUILD_ON_SHARD_0: u64 = 1_000 << 22;
const GUILD_ON_SHARD_1: u64 = 1_001 << 22;
const TEXT_ON_SHARD_1: u64 = 2_100_000_000_000_000_101;

async fn stats_text(standin: &StandIn, guild: u64, channel: u64) -> String {
    let manager = UserSpec::new(3_000_000_000_000_000_017, "mod").manager();
    let command = standin.slash_command(
        &manager,
        guild,
        channel,
        "kb",
        json!([{"name": "stats", "type": 1, "options": []}]),
    );
    let reply = standin.wait_interaction_response(command.id, WAIT).await;
    reply_text(standin, command.id, &reply.data)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_split_the_shards_and_share_one_postgres_database() {
    let database = TestDatabase::create().await;
    let standin = standin()
        .guild(GUILD_ON_SHARD_0)
        .text_channel_in_guild(GUILD_ON_SHARD_1, TEXT_ON_SHARD_1)
        .start()
        .await;
    let workspace = Workspace::new();
    let url = database.url().to_owned();
    let channels = format!("{TEXT},{TEXT_ON_SHARD_1}");
    let process = |shards: &str| {
        Bot::spawn(
            &standin,
            &workspace,
            &[
                ("HELPDESK_DATABASE_URL", &url),
                ("HELPDESK_SUPPORT_CHANNELS", &channels),
                ("HELPDESK_SHARDS", shards),
            ],
        )
    };
    let one = process("0-0/2");
    let two = process("1-1/2");
    standin
        .wait_until_true("both shards to connect", WAIT, |s| {
            let mut live = s.live_shards();
            live.sort_unstable();
            live == [[0, 2], [1, 2]]
        })
        .await;
    wait_status(&one, "/readyz", 200).await;
    wait_status(&two, "/readyz", 200).await;

    let (_, on_shard_0) = ask_in(
        &standin,
        TEXT,
        &asker(),
        "should i use pop or imap? i have outlook on my pc and mail on my phone",
    )
    .await;
    let (_, on_shard_1) = ask_in(
        &standin,
        TEXT_ON_SHARD_1,
        &asker(),
        "my inbox is full and people get bounces, what can I do",
    )
    .await;
    for (bot, shard) in [(&one, 0), (&two, 1)] {
        let metrics = wait_status(bot, "/metrics", 200).await;
        assert_eq!(
            sample(&metrics, "helpdesk_questions_received_total"),
            Some(1.0),
            "shard {shard}'s process answered its own guild's question: {metrics}"
        );
    }

    for (guild, answer) in [
        (GUILD_ON_SHARD_0, &on_shard_0),
        (GUILD_ON_SHARD_1, &on_shard_1),
    ] {
        let up = vote(answer, true);
        let click = standin.click_button(&asker(), guild, answer.channel_id, answer.id, &up);
        standin.wait_interaction_response(click.id, WAIT).await;
    }

    let store = helpdesk::store::open(database.url())
        .await
        .expect("postgres");
    let stats = store.stats(None).await.unwrap();
    assert_eq!(stats.answers, 2, "{stats:?}");
    assert_eq!(
        stats.votes.helpful, 2,
        "votes from both processes: {stats:?}"
    );
    for (guild, channel) in [
        (GUILD_ON_SHARD_0, TEXT),
        (GUILD_ON_SHARD_1, TEXT_ON_SHARD_1),
    ] {
        // Each server's staff see their own server's answer and vote.
        let text = stats_text(&standin, guild, channel).await;
        assert!(text.contains("**1** answers shown"), "{text}");
        assert!(text.contains("👍 1 · 👎 0"), "{text}");
    }
    standin.assert_no_violations();
    drop((one, two));
    database.drop_database().await;
}
