//! The storage suite, run on both backends. Each test body takes a fresh,
//! empty database and uses only the public API (`helpdesk::store`);
//! `on_both_backends!` runs it once on SQLite (a file in a temporary
//! folder) and once on PostgreSQL (a database of its own, see
//! `tests/standin/src/database.rs`): writes that must not double don't,
//! even from two processes at once, votes replace votes, acknowledged
//! writes survive a reopen, forgetting and retention erase texts but keep
//! counts.
//! PostgreSQL must be running; see `tests/standin/src/database.rs`.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::support::database::{self, TestDatabase};
use helpdesk::discord::ledger::Ledger;
use helpdesk::language::Language;
use helpdesk::store::{
    self, AnswerId, AnswerKind, EntryStats, ForgetReport, NewAnswer, NewUnanswered, Origin,
    PurgeReport, SessionId, Stats, Store, StoreError, Tally, ThreadRecord, Traces, FORGOTTEN_USER,
};
use sqlx::{Connection, PgConnection};
use tempfile::TempDir;

/// The store and the Discord front end's bookkeeping, one object on one
/// database, as `serve` opens them.
trait StoreAndLedger: Store + Ledger {}

impl<T: Store + Ledger> StoreAndLedger for T {}

/// A fresh, empty database of one backend, removed when dropped.
enum Fresh {
    Sqlite { _dir: TempDir, url: String },
    Postgres(TestDatabase),
}

impl Fresh {
    async fn sqlite() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("helpdesk.db").display());
        Self::Sqlite { _dir: dir, url }
    }

    async fn postgres() -> Self {
        Self::Postgres(TestDatabase::create().await)
    }

    fn url(&self) -> &str {
        match self {
            Self::Sqlite { url, .. } => url,
            Self::Postgres(database) => database.url(),
        }
    }

    fn migrations(&self) -> &'static str {
        match self {
            Self::Sqlite { .. } => "sqlite",
            Self::Postgres(_) => "postgres",
        }
    }

    /// Opens the database as one more process would: with a pool of its
    /// own.
    async fn open(&self) -> Arc<dyn StoreAndLedger> {
        self.open_with_clock(Arc::new(store::SystemClock)).await
    }

    /// [`Self::open`], with the counts of its group commit.
    async fn open_counted(&self) -> (Arc<dyn StoreAndLedger>, Arc<store::CommitCounts>) {
        match self {
            Self::Sqlite { url, .. } => {
                let store = store::SqliteStore::open(url).await.expect("opens");
                let counts = store.commit_counts();
                (Arc::new(store), counts)
            }
            Self::Postgres(database) => {
                let store = store::PostgresStore::open(database.url())
                    .await
                    .expect("opens");
                let counts = store.commit_counts();
                (Arc::new(store), counts)
            }
        }
    }

    /// [`Self::open`], stamping rows with `clock`'s time.
    async fn open_with_clock(&self, clock: Arc<dyn store::Clock>) -> Arc<dyn StoreAndLedger> {
        match self {
            Self::Sqlite { url, .. } => Arc::new(
                store::SqliteStore::open(url)
                    .await
                    .expect("opens")
                    .with_clock(clock),
            ),
            Self::Postgres(database) => Arc::new(
                store::PostgresStore::open(database.url())
                    .await
                    .expect("opens")
                    .with_clock(clock),
            ),
        }
    }
}

/// Runs each listed `async fn(Fresh)` on both backends, as
/// `sqlite::NAME` and `postgres::NAME`.
macro_rules! on_both_backends {
    ($($test:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $test() {
                    super::$test(super::Fresh::sqlite().await).await;
                }
            )*
        }

        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $test() {
                    super::$test(super::Fresh::postgres().await).await;
                }
            )*
        }
    };
}

on_both_backends! {
    stats_and_unanswered_are_per_server_and_tell_the_askers_verdict,
    questions_per_day_count_answered_and_unanswered_per_server,
    a_post_for_staff_is_claimed_once_per_subject,
    upkeep_prunes_old_interactions_and_idle_dialogues,
    an_answer_is_stored_once_per_source_message,
    answers_without_a_source_message_are_all_stored,
    links_made_at_once_are_each_read_back_and_a_taken_message_fails_alone,
    attached_messages_are_read_back,
    one_vote_per_person_per_answer_and_a_later_vote_replaces,
    comments_attach_to_the_vote_and_a_changed_vote_drops_them,
    a_comment_without_a_vote_records_not_helpful,
    voting_on_an_unknown_answer_is_an_error,
    unanswered_questions_are_recorded_once_per_source_message,
    escalation_is_counted,
    stats_count_per_entry_and_in_total,
    an_empty_store_has_empty_stats_and_export,
    dialogue_sessions_round_trip_and_update,
    an_interaction_is_claimed_once,
    a_thread_is_recorded_once,
    a_question_and_its_thread_are_one_commit_both_or_neither,
    acknowledged_writes_survive_closing_and_reopening,
    migrating_applies_each_migration_once,
    forgetting_a_person_erases_their_traces_and_keeps_the_counts,
    purging_erases_texts_before_the_cutoff_and_keeps_the_counts,
    the_export_has_entries_votes_and_unanswered_questions,
    every_operation_records_its_duration_once,
    two_processes_answering_one_message_store_one_answer,
    two_processes_recording_one_vote_store_one_vote,
    two_processes_claiming_one_interaction_claim_it_once,
    learned_examples_are_kept_once_per_text_listed_per_server_and_unlearned,
    a_lesson_reaches_another_process_through_the_marker,
    a_post_for_staff_is_read_back_with_its_thread_and_question,
    writes_at_once_are_committed_together,
    a_failing_write_does_not_fail_the_others_committed_with_it,
    a_write_is_acknowledged_only_once_committed,
    closing_commits_the_writes_queued_before_it,
}

fn origin(user: &str, source: Option<&str>) -> Origin {
    Origin {
        front_end: "discord",
        guild_id: Some("guild-1".to_owned()),
        channel_id: Some("channel-1".to_owned()),
        user_id: user.to_owned(),
        source_message_id: source.map(str::to_owned),
        // Not the default, so that every answer and session read back
        // shows the language column round-trips.
        language: Language::Spanish,
    }
}

fn answer_for(user: &str, entry: &str, source: Option<&str>) -> NewAnswer {
    NewAnswer {
        kind: AnswerKind::Entry,
        entry: entry.to_owned(),
        question: Some(format!("a question about {entry}")),
        confidence: 0.8,
        origin: origin(user, source),
        thread: None,
    }
}

fn new_answer(entry: &str, source: Option<&str>) -> NewAnswer {
    answer_for("asker", entry, source)
}

fn unanswered_for(user: &str, question: &str, source: Option<&str>) -> NewUnanswered {
    NewUnanswered {
        question: question.to_owned(),
        confidence: 0.1,
        origin: origin(user, source),
        thread: None,
    }
}

fn unanswered(question: &str, source: Option<&str>) -> NewUnanswered {
    unanswered_for("asker", question, source)
}

fn staff_post(subject: &str, user: &str) -> store::NewStaffPost {
    store::NewStaffPost {
        subject: subject.to_owned(),
        user_id: user.to_owned(),
        guild_id: Some("guild-1".to_owned()),
        thread_id: None,
    }
}

fn tally(helpful: u64, not_helpful: u64) -> Tally {
    Tally {
        helpful,
        not_helpful,
    }
}

/// The comment stored with the (only) vote on `answer`.
async fn comment_on(store: &dyn Store, answer: AnswerId) -> Option<String> {
    let export = store.export().await.unwrap();
    let mut votes = export.votes.into_iter().filter(|v| v.answer_id == answer);
    let vote = votes.next().expect("a vote on the answer");
    assert!(votes.next().is_none(), "one vote expected");
    vote.comment
}

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        .try_into()
        .unwrap()
}

/// A clock the test sets: rows are as old as the test says, at once.
#[derive(Debug)]
struct ManualClock(std::sync::atomic::AtomicI64);

impl ManualClock {
    fn at(now: i64) -> Arc<Self> {
        Arc::new(Self(std::sync::atomic::AtomicI64::new(now)))
    }

    fn set(&self, now: i64) {
        self.0.store(now, std::sync::atomic::Ordering::SeqCst);
    }
}

impl store::Clock for ManualClock {
    fn now(&self) -> i64 {
        self.0.load(std::sync::atomic::Ordering::SeqCst)
    }
}

async fn an_answer_is_stored_once_per_source_message(fresh: Fresh) {
    let store = fresh.open().await;
    let first = store
        .record_answer(new_answer("imap", Some("m1")))
        .await
        .unwrap();
    assert!(first.created);
    assert_eq!(first.entry, "imap");
    assert_eq!(first.kind, AnswerKind::Entry);
    assert_eq!(first.question.as_deref(), Some("a question about imap"));
    assert_eq!(first.user_id, "asker");
    assert_eq!(first.guild_id.as_deref(), Some("guild-1"));
    assert_eq!(first.channel_id.as_deref(), Some("channel-1"));
    assert!((first.confidence - 0.8).abs() < 1e-6);

    let replay = store
        .record_answer(new_answer("pop", Some("m1")))
        .await
        .unwrap();
    assert!(!replay.created);
    assert_eq!(replay.id, first.id);
    assert_eq!(
        replay.entry, "imap",
        "the replay overwrote the first answer"
    );

    let other = store
        .record_answer(new_answer("imap", Some("m2")))
        .await
        .unwrap();
    assert!(other.created);
    assert_ne!(other.id, first.id);
    assert_eq!(store.stats(None).await.unwrap().answers, 2);

    let found = store.answer_for_source("m1").await.unwrap().unwrap();
    assert_eq!(found.id, first.id);
    assert!(store.answer_for_source("m3").await.unwrap().is_none());
}

async fn answers_without_a_source_message_are_all_stored(fresh: Fresh) {
    let store = fresh.open().await;
    let a = store.record_answer(new_answer("imap", None)).await.unwrap();
    let b = store.record_answer(new_answer("imap", None)).await.unwrap();
    assert!(a.created && b.created);
    assert_ne!(a.id, b.id);
    assert_eq!(store.stats(None).await.unwrap().answers, 2);
}

async fn attached_messages_are_read_back(fresh: Fresh) {
    let store = fresh.open().await;
    let answer = store
        .record_answer(new_answer("pop", Some("m1")))
        .await
        .unwrap();
    assert_eq!(answer.message_id, None);
    store.attach_message(answer.id, "reply-1").await.unwrap();
    let stored = store.answer(answer.id).await.unwrap().unwrap();
    assert_eq!(stored.message_id.as_deref(), Some("reply-1"));
    assert_eq!(
        stored.language,
        Language::Spanish,
        "the conversation's language"
    );
    assert!(!stored.created);
    assert!(store
        .answer(AnswerId(answer.id.0 + 100))
        .await
        .unwrap()
        .is_none());
}

/// Links made while others are being written go out together (one
/// statement for many); each is still its own answer's, and a message id
/// already taken fails that link alone.
async fn links_made_at_once_are_each_read_back_and_a_taken_message_fails_alone(fresh: Fresh) {
    let (store, counts) = fresh.open_counted().await;
    let mut answers = Vec::new();
    for n in 0..40 {
        let source = format!("m{n}");
        let answer = store.record_answer(new_answer("pop", Some(&source))).await;
        answers.push(answer.unwrap().id);
    }
    let replies: Vec<String> = (0..answers.len()).map(|n| format!("reply-{n}")).collect();
    let writes_before = counts.writes();
    let linked = futures_util::future::join_all(
        answers
            .iter()
            .zip(&replies)
            .map(|(&answer, reply)| store.attach_message(answer, reply)),
    )
    .await;
    assert!(linked.iter().all(Result::is_ok), "{linked:?}");
    // The first link alone, the 39 queued behind it in one statement.
    let writes = counts.writes() - writes_before;
    assert!(writes <= 3, "{writes} writes for 40 links");

    let late = store
        .record_answer(new_answer("pop", Some("m-late")))
        .await
        .unwrap()
        .id;
    let (taken, fresh_link) = tokio::join!(
        store.attach_message(late, "reply-7"),
        store.attach_message(answers[0], "reply-0-edited"),
    );
    assert!(taken.is_err(), "reply-7 is answer 7's");
    fresh_link.unwrap();

    for (n, &answer) in answers.iter().enumerate() {
        let stored = store.answer(answer).await.unwrap().unwrap();
        let expected = if n == 0 {
            "reply-0-edited".to_owned()
        } else {
            format!("reply-{n}")
        };
        assert_eq!(stored.message_id, Some(expected));
    }
    let late = store.answer(late).await.unwrap().unwrap();
    assert_eq!(late.message_id, None);
}

async fn one_vote_per_person_per_answer_and_a_later_vote_replaces(fresh: Fresh) {
    let store = fresh.open().await;
    let answer = store
        .record_answer(new_answer("imap", None))
        .await
        .unwrap()
        .id;
    assert_eq!(store.tally(answer).await.unwrap(), tally(0, 0));
    assert_eq!(
        store.record_vote(answer, "u1", true).await.unwrap(),
        tally(1, 0)
    );
    assert_eq!(
        store.record_vote(answer, "u1", true).await.unwrap(),
        tally(1, 0)
    );
    assert_eq!(
        store.record_vote(answer, "u1", false).await.unwrap(),
        tally(0, 1)
    );
    assert_eq!(
        store.record_vote(answer, "u2", false).await.unwrap(),
        tally(0, 2)
    );
    assert_eq!(
        store.record_vote(answer, "u2", true).await.unwrap(),
        tally(1, 1)
    );
    assert_eq!(store.tally(answer).await.unwrap(), tally(1, 1));

    // Votes on another answer are counted apart.
    let other = store
        .record_answer(new_answer("pop", None))
        .await
        .unwrap()
        .id;
    assert_eq!(
        store.record_vote(other, "u1", true).await.unwrap(),
        tally(1, 0)
    );
    assert_eq!(store.tally(answer).await.unwrap(), tally(1, 1));
}

async fn comments_attach_to_the_vote_and_a_changed_vote_drops_them(fresh: Fresh) {
    let store = fresh.open().await;
    let answer = store
        .record_answer(new_answer("imap", None))
        .await
        .unwrap()
        .id;

    store.record_vote(answer, "u1", false).await.unwrap();
    let after_comment = store
        .record_comment(answer, "u1", "too long")
        .await
        .unwrap();
    assert_eq!(after_comment, tally(0, 1), "a comment added a second vote");
    assert_eq!(
        comment_on(&*store, answer).await.as_deref(),
        Some("too long")
    );

    // The same vote again keeps the comment that explains it.
    store.record_vote(answer, "u1", false).await.unwrap();
    assert_eq!(
        comment_on(&*store, answer).await.as_deref(),
        Some("too long")
    );

    // A changed vote drops it.
    assert_eq!(
        store.record_vote(answer, "u1", true).await.unwrap(),
        tally(1, 0)
    );
    assert_eq!(comment_on(&*store, answer).await, None);

    // A comment on a helpful vote attaches to it without changing it.
    let after = store
        .record_comment(answer, "u1", "great, but add a link")
        .await
        .unwrap();
    assert_eq!(after, tally(1, 0));
    assert_eq!(
        comment_on(&*store, answer).await.as_deref(),
        Some("great, but add a link")
    );
}

async fn a_comment_without_a_vote_records_not_helpful(fresh: Fresh) {
    let store = fresh.open().await;
    let answer = store
        .record_answer(new_answer("pop", None))
        .await
        .unwrap()
        .id;
    assert_eq!(
        store
            .record_comment(answer, "u1", "wrong answer")
            .await
            .unwrap(),
        tally(0, 1)
    );
    assert_eq!(store.tally(answer).await.unwrap(), tally(0, 1));
    let stats = store.stats(None).await.unwrap();
    assert_eq!(stats.votes, tally(0, 1));
}

async fn voting_on_an_unknown_answer_is_an_error(fresh: Fresh) {
    let store = fresh.open().await;
    let known = store
        .record_answer(new_answer("imap", None))
        .await
        .unwrap()
        .id;
    let missing = AnswerId(known.0 + 1000);
    assert!(matches!(
        store.record_vote(missing, "u1", true).await,
        Err(StoreError::NoSuchAnswer(id)) if id == missing
    ));
    assert!(matches!(
        store.record_comment(missing, "u1", "hm").await,
        Err(StoreError::NoSuchAnswer(id)) if id == missing
    ));
    assert_eq!(store.stats(None).await.unwrap().votes, tally(0, 0));
}

async fn unanswered_questions_are_recorded_once_per_source_message(fresh: Fresh) {
    let store = fresh.open().await;
    let first = store
        .record_unanswered(unanswered("what is the meaning of life", Some("m1")))
        .await
        .unwrap();
    assert!(first.created);
    assert_eq!(
        first.question.as_deref(),
        Some("what is the meaning of life")
    );
    assert_eq!(first.user_id, "asker");
    assert_eq!(first.guild_id.as_deref(), Some("guild-1"));
    assert!(!first.escalated);
    let replay = store
        .record_unanswered(unanswered("what is the meaning of life", Some("m1")))
        .await
        .unwrap();
    assert!(!replay.created);
    assert_eq!(replay.id, first.id);

    store
        .record_unanswered(unanswered("pizza?", None))
        .await
        .unwrap();
    store
        .record_unanswered(unanswered("pizza?", None))
        .await
        .unwrap();
    assert_eq!(store.stats(None).await.unwrap().unanswered, 3);

    let recent = store.recent_unanswered(None, 10).await.unwrap();
    assert_eq!(recent.len(), 3);
    assert_eq!(
        recent[0].question.as_deref(),
        Some("pizza?"),
        "newest first"
    );
    assert_eq!(recent[2].id, first.id);
    assert_eq!(store.recent_unanswered(None, 1).await.unwrap().len(), 1);
}

async fn escalation_is_counted(fresh: Fresh) {
    let store = fresh.open().await;
    let record = store
        .record_unanswered(unanswered("help", None))
        .await
        .unwrap();
    store
        .record_unanswered(unanswered("help again", None))
        .await
        .unwrap();
    store.mark_escalated(record.id).await.unwrap();
    let stats = store.stats(None).await.unwrap();
    assert_eq!((stats.unanswered, stats.escalated), (2, 1));
    let recent = store.recent_unanswered(None, 10).await.unwrap();
    let escalated: Vec<_> = recent
        .iter()
        .filter(|u| u.escalated)
        .map(|u| u.id)
        .collect();
    assert_eq!(escalated, [record.id]);
}

async fn stats_count_per_entry_and_in_total(fresh: Fresh) {
    let store = fresh.open().await;
    let imap_1 = store
        .record_answer(new_answer("imap", None))
        .await
        .unwrap()
        .id;
    let imap_2 = store
        .record_answer(new_answer("imap", None))
        .await
        .unwrap()
        .id;
    let pop = store
        .record_answer(new_answer("pop", None))
        .await
        .unwrap()
        .id;
    let mut recommendation = new_answer("which-protocol:imap", None);
    recommendation.kind = AnswerKind::Recommendation;
    recommendation.question = None;
    let rec = store.record_answer(recommendation).await.unwrap();
    assert_eq!(rec.kind, AnswerKind::Recommendation);
    assert_eq!(rec.question, None);
    // Sorted by bytes on both backends, whatever PostgreSQL's locale:
    // "Z" < "which-protocol:imap" here, and "pop" < "which-…" below.
    let capital = store
        .record_answer(new_answer("Zimbra", None))
        .await
        .unwrap();
    assert!(capital.created);

    store.record_vote(imap_1, "u1", true).await.unwrap();
    store.record_vote(imap_1, "u2", false).await.unwrap();
    store.record_vote(imap_1, "u3", true).await.unwrap();
    store.record_vote(imap_2, "u1", true).await.unwrap();
    store.record_vote(pop, "u1", false).await.unwrap();
    store
        .record_unanswered(unanswered("pizza?", None))
        .await
        .unwrap();

    let stats = store.stats(None).await.unwrap();
    assert_eq!(stats.answers, 5);
    assert_eq!(stats.unanswered, 1);
    assert_eq!(stats.escalated, 0);
    assert_eq!(stats.votes, tally(3, 2));
    let row = |entry: &str, shown, helpful, not_helpful| EntryStats {
        entry: entry.to_owned(),
        shown,
        helpful,
        not_helpful,
        ..EntryStats::default()
    };
    assert_eq!(
        stats.entries,
        [
            row("imap", 2, 3, 1),
            row("Zimbra", 1, 0, 0),
            row("pop", 1, 0, 1),
            row("which-protocol:imap", 1, 0, 0),
        ]
    );
    assert_eq!(stats.entries[0].helpful_percent(), Some(75.0));
    assert_eq!(stats.entries[1].helpful_percent(), None);
}

async fn an_empty_store_has_empty_stats_and_export(fresh: Fresh) {
    let store = fresh.open().await;
    assert_eq!(store.stats(None).await.unwrap(), Stats::default());
    assert_eq!(store.export().await.unwrap(), store::Export::default());
    assert!(store.recent_unanswered(None, 10).await.unwrap().is_empty());
}

async fn dialogue_sessions_round_trip_and_update(fresh: Fresh) {
    let store = fresh.open().await;
    let who = origin("u1", Some("m1"));
    let created = store
        .create_dialogue("which-protocol", &who, r#"{"answers":[]}"#)
        .await
        .unwrap();
    assert_eq!(created.dialogue, "which-protocol");
    assert_eq!(created.user_id, "u1");
    assert_eq!(created.guild_id.as_deref(), Some("guild-1"));
    assert_eq!(created.channel_id.as_deref(), Some("channel-1"));
    assert_eq!(created.state, r#"{"answers":[]}"#);
    assert!(!created.finished);
    assert_eq!(created.result_answer_id, None);
    assert_eq!(
        store.dialogue_session(created.id).await.unwrap(),
        Some(created.clone())
    );

    let second = store
        .create_dialogue("which-protocol", &who, "{}")
        .await
        .unwrap();
    assert_ne!(second.id, created.id);

    let state = r#"{"answers":[{"slot":"devices","value":"one","prefilled":false}]}"#;
    store
        .update_dialogue(created.id, state, false, None)
        .await
        .unwrap();
    let stored = store.dialogue_session(created.id).await.unwrap().unwrap();
    assert_eq!(stored.state, state);
    assert_eq!(stored.language, Language::Spanish);
    assert!(!stored.finished);

    let result = store
        .record_answer(new_answer("which-protocol:pop", None))
        .await
        .unwrap()
        .id;
    store
        .update_dialogue(created.id, state, true, Some(result))
        .await
        .unwrap();
    let stored = store.dialogue_session(created.id).await.unwrap().unwrap();
    assert!(stored.finished);
    assert_eq!(stored.result_answer_id, Some(result));
    // The other session is untouched.
    assert_eq!(
        store
            .dialogue_session(second.id)
            .await
            .unwrap()
            .unwrap()
            .state,
        "{}"
    );
    assert_eq!(
        store
            .dialogue_session(SessionId(second.id.0 + 100))
            .await
            .unwrap(),
        None
    );
}

async fn an_interaction_is_claimed_once(fresh: Fresh) {
    let store = fresh.open().await;
    assert!(store.claim_interaction("i-1").await.unwrap());
    assert!(!store.claim_interaction("i-1").await.unwrap());
    assert!(store.claim_interaction("i-2").await.unwrap());
    assert!(!store.claim_interaction("i-2").await.unwrap());
}

async fn a_thread_is_recorded_once(fresh: Fresh) {
    let store = fresh.open().await;
    let post = ThreadRecord {
        thread_id: "t1".to_owned(),
        asker_id: "u1".to_owned(),
        forum_id: Some("forum-1".to_owned()),
        language: Language::English,
    };
    store.record_thread(&post).await.unwrap();
    // A replay (or someone else's message) does not change who asked.
    let replay = ThreadRecord {
        asker_id: "u2".to_owned(),
        ..post.clone()
    };
    store.record_thread(&replay).await.unwrap();
    assert_eq!(store.thread("t1").await.unwrap(), Some(post));

    let plain = ThreadRecord {
        thread_id: "t2".to_owned(),
        asker_id: "u2".to_owned(),
        forum_id: None,
        language: Language::German,
    };
    store.record_thread(&plain).await.unwrap();
    assert_eq!(store.thread("t2").await.unwrap(), Some(plain));
    assert_eq!(store.thread("t3").await.unwrap(), None);
}

/// Makes every insert into `threads` fail, on either backend.
async fn refuse_threads(fresh: &Fresh) {
    let statements: &[&str] = match fresh {
        Fresh::Sqlite { .. } => &["CREATE TRIGGER no_threads BEFORE INSERT ON threads \
             BEGIN SELECT RAISE(ABORT, 'injected: threads unavailable'); END"],
        Fresh::Postgres(_) => &[
            "CREATE FUNCTION no_threads() RETURNS trigger LANGUAGE plpgsql AS \
             $$ BEGIN RAISE EXCEPTION 'injected: threads unavailable'; END $$",
            "CREATE TRIGGER no_threads BEFORE INSERT ON threads \
             FOR EACH ROW EXECUTE FUNCTION no_threads()",
        ],
    };
    match fresh {
        Fresh::Sqlite { url, .. } => {
            let mut db = sqlx::SqliteConnection::connect(url).await.unwrap();
            for statement in statements {
                sqlx::query(statement).execute(&mut db).await.unwrap();
            }
        }
        Fresh::Postgres(database) => {
            let mut db = PgConnection::connect(database.url()).await.unwrap();
            for statement in statements {
                sqlx::query(statement).execute(&mut db).await.unwrap();
            }
        }
    }
}

async fn a_question_and_its_thread_are_one_commit_both_or_neither(fresh: Fresh) {
    let (store, counts) = fresh.open_counted().await;
    let thread = |id: &str, language| ThreadRecord {
        thread_id: id.to_owned(),
        asker_id: "asker".to_owned(),
        forum_id: None,
        language,
    };
    let commits = counts.commits();
    let answer = store
        .record_answer(NewAnswer {
            thread: Some(thread("t1", Language::German)),
            ..new_answer("imap", Some("m1"))
        })
        .await
        .unwrap();
    assert_eq!(counts.commits() - commits, 1, "one commit for both");
    assert_eq!(
        store.thread("t1").await.unwrap(),
        Some(thread("t1", Language::German))
    );
    // A replay finds both, and changes neither.
    let replay = store
        .record_answer(NewAnswer {
            thread: Some(thread("t1", Language::English)),
            ..new_answer("imap", Some("m1"))
        })
        .await
        .unwrap();
    assert_eq!((replay.id, replay.created), (answer.id, false));
    assert_eq!(
        store.thread("t1").await.unwrap(),
        Some(thread("t1", Language::German))
    );
    store
        .record_unanswered(NewUnanswered {
            thread: Some(thread("t2", Language::Spanish)),
            ..unanswered("how do I set up dkim", Some("m2"))
        })
        .await
        .unwrap();
    assert_eq!(
        store.thread("t2").await.unwrap(),
        Some(thread("t2", Language::Spanish))
    );

    // The thread cannot be stored: neither is the question.
    refuse_threads(&fresh).await;
    let refused = store
        .record_answer(NewAnswer {
            thread: Some(thread("t3", Language::English)),
            ..new_answer("imap", Some("m3"))
        })
        .await;
    assert!(refused.is_err());
    assert_eq!(store.answer_for_source("m3").await.unwrap(), None);
    let refused = store
        .record_unanswered(NewUnanswered {
            thread: Some(thread("t4", Language::English)),
            ..unanswered("how do I set up dkim", Some("m4"))
        })
        .await;
    assert!(refused.is_err());
    let listed = store.recent_unanswered(None, 10).await.unwrap();
    assert_eq!(listed.len(), 1, "only m2's: {listed:?}");
    // Without a thread, a question is still stored.
    store
        .record_answer(new_answer("pop", Some("m5")))
        .await
        .unwrap();
}

async fn acknowledged_writes_survive_closing_and_reopening(fresh: Fresh) {
    let (answer, session, unanswered_id) = {
        let store = fresh.open().await;
        let answer = store
            .record_answer(new_answer("imap", Some("m1")))
            .await
            .unwrap()
            .id;
        store.record_vote(answer, "u1", true).await.unwrap();
        store.record_vote(answer, "u2", false).await.unwrap();
        store
            .record_comment(answer, "u2", "needs screenshots")
            .await
            .unwrap();
        let unanswered_id = store
            .record_unanswered(unanswered("pizza?", Some("m2")))
            .await
            .unwrap()
            .id;
        assert!(store.claim_interaction("i-1").await.unwrap());
        let session = store
            .create_dialogue("which-protocol", &origin("u1", None), "{}")
            .await
            .unwrap()
            .id;
        store
            .update_dialogue(session, "{\"answers\":[]}", true, Some(answer))
            .await
            .unwrap();
        (answer, session, unanswered_id)
    };

    let store = fresh.open().await;
    let stored = store
        .answer(answer)
        .await
        .unwrap()
        .expect("the answer survived");
    assert_eq!(stored.entry, "imap");
    assert_eq!(store.tally(answer).await.unwrap(), tally(1, 1));
    let replay = store
        .record_answer(new_answer("imap", Some("m1")))
        .await
        .unwrap();
    assert!(!replay.created);
    assert_eq!(replay.id, answer);
    let replay = store
        .record_unanswered(unanswered("pizza?", Some("m2")))
        .await
        .unwrap();
    assert_eq!((replay.id, replay.created), (unanswered_id, false));
    assert!(!store.claim_interaction("i-1").await.unwrap());
    let session = store.dialogue_session(session).await.unwrap().unwrap();
    assert!(session.finished);
    assert_eq!(session.result_answer_id, Some(answer));
    let stats = store.stats(None).await.unwrap();
    assert_eq!((stats.answers, stats.unanswered), (1, 1));
    let export = store.export().await.unwrap();
    let comments: Vec<_> = export.votes.iter().map(|v| v.comment.as_deref()).collect();
    assert_eq!(comments, [None, Some("needs screenshots")]);
}

async fn migrating_applies_each_migration_once(fresh: Fresh) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(fresh.migrations());
    let migrations = std::fs::read_dir(&dir)
        .unwrap()
        .filter(|file| file.as_ref().unwrap().path().extension() == Some("sql".as_ref()))
        .count();
    assert!(migrations >= 2, "{}", dir.display());

    assert_eq!(store::migrate(fresh.url()).await.unwrap(), migrations);
    assert_eq!(store::migrate(fresh.url()).await.unwrap(), 0);
    let store = fresh.open().await;
    store.ping().await.unwrap();
    drop(store);
    assert_eq!(store::migrate(fresh.url()).await.unwrap(), 0);
}

async fn forgetting_a_person_erases_their_traces_and_keeps_the_counts(fresh: Fresh) {
    const ANN: &str = "3000000000000000011";
    const BOB: &str = "3000000000000000022";
    let store = fresh.open().await;
    let anns = store
        .record_answer(answer_for(ANN, "imap", Some("m1")))
        .await
        .unwrap();
    let bobs = store
        .record_answer(answer_for(BOB, "pop", Some("m2")))
        .await
        .unwrap();
    store.record_vote(bobs.id, ANN, true).await.unwrap();
    store
        .record_comment(bobs.id, ANN, "ann's comment")
        .await
        .unwrap();
    store.record_vote(anns.id, BOB, false).await.unwrap();
    let anns_question = store
        .record_unanswered(unanswered_for(ANN, "ann's secret question", Some("m3")))
        .await
        .unwrap();
    let bobs_question = store
        .record_unanswered(unanswered_for(BOB, "bob's question", None))
        .await
        .unwrap();
    let anns_dialogue = store
        .create_dialogue("which-protocol", &origin(ANN, None), "{}")
        .await
        .unwrap();
    let bobs_dialogue = store
        .create_dialogue("which-protocol", &origin(BOB, None), "{}")
        .await
        .unwrap();
    for (thread, asker) in [("t-ann", ANN), ("t-bob", BOB)] {
        store
            .record_thread(&ThreadRecord {
                thread_id: thread.to_owned(),
                asker_id: asker.to_owned(),
                forum_id: None,
                language: Language::English,
            })
            .await
            .unwrap();
    }
    store
        .record_thread(&ThreadRecord {
            thread_id: "t-ann-forum-post".to_owned(),
            asker_id: ANN.to_owned(),
            forum_id: Some("forum".to_owned()),
            language: Language::English,
        })
        .await
        .unwrap();
    for (subject, user, message) in [
        ("unanswered:ann", ANN, "p-ann"),
        ("comment:ann", ANN, "p-ann-comment"),
        ("unanswered:bob", BOB, "p-bob"),
    ] {
        let post = store
            .claim_staff_post(&staff_post(subject, user))
            .await
            .unwrap()
            .expect("a new subject is claimed");
        store
            .attach_staff_post(post, "triage", message)
            .await
            .unwrap();
    }
    let before = store.stats(None).await.unwrap();

    let report = store.forget_user(ANN).await.unwrap();
    assert_eq!(
        report,
        ForgetReport {
            votes: 1,
            questions: 2,
            dialogues: 1,
            threads: 2,
            traces: Traces {
                staff_posts: vec![
                    ("triage".to_owned(), "p-ann".to_owned()),
                    ("triage".to_owned(), "p-ann-comment".to_owned()),
                ],
                // A forum post's thread is named by its author, not the bot.
                named_threads: vec!["t-ann".to_owned()],
            },
        }
    );
    assert!(
        store
            .claim_staff_post(&staff_post("unanswered:bob", BOB))
            .await
            .unwrap()
            .is_none(),
        "Bob's post stays on record"
    );

    // Ann's question texts are gone, the rows (and so the counts) stay.
    let forgotten = store.answer(anns.id).await.unwrap().unwrap();
    assert_eq!(forgotten.question, None);
    assert_eq!(forgotten.user_id, FORGOTTEN_USER);
    assert_eq!(forgotten.entry, "imap");
    let recent = store.recent_unanswered(None, 10).await.unwrap();
    let by_id = |id| recent.iter().find(|u| u.id == id).unwrap();
    assert_eq!(by_id(anns_question.id).question, None);
    assert_eq!(by_id(anns_question.id).user_id, FORGOTTEN_USER);
    // Her votes are gone, Bob's vote on her answer stays.
    assert_eq!(store.tally(bobs.id).await.unwrap(), tally(0, 0));
    assert_eq!(store.tally(anns.id).await.unwrap(), tally(0, 1));
    let after = store.stats(None).await.unwrap();
    assert_eq!(
        (after.answers, after.unanswered, after.votes),
        (before.answers, before.unanswered, tally(0, 1))
    );
    assert_eq!(
        store.dialogue_session(anns_dialogue.id).await.unwrap(),
        None
    );
    assert_eq!(
        store.thread("t-ann").await.unwrap().unwrap().asker_id,
        FORGOTTEN_USER
    );
    let export = serde_json::to_string(&store.export().await.unwrap()).unwrap();
    for trace in [ANN, "ann's"] {
        assert!(!export.contains(trace), "{trace} in {export}");
    }

    // Bob is untouched.
    assert_eq!(store.answer(bobs.id).await.unwrap().unwrap(), {
        let mut same = bobs.clone();
        same.created = false;
        same
    });
    assert_eq!(
        by_id(bobs_question.id).question.as_deref(),
        Some("bob's question")
    );
    assert_eq!(
        store.dialogue_session(bobs_dialogue.id).await.unwrap(),
        Some(bobs_dialogue)
    );
    assert_eq!(store.thread("t-bob").await.unwrap().unwrap().asker_id, BOB);

    // A replayed message of hers is still recognised, and forgetting her
    // again finds nothing.
    let replay = store
        .record_answer(answer_for(ANN, "imap", Some("m1")))
        .await
        .unwrap();
    assert_eq!((replay.id, replay.created), (anns.id, false));
    assert_eq!(
        store.forget_user(ANN).await.unwrap(),
        ForgetReport::default()
    );
}

async fn purging_erases_texts_before_the_cutoff_and_keeps_the_counts(fresh: Fresh) {
    let clock = ManualClock::at(1_700_000_000);
    let store = fresh.open_with_clock(clock.clone()).await;
    let old = store
        .record_answer(new_answer("imap", Some("m1")))
        .await
        .unwrap();
    store
        .record_comment(old.id, "u1", "too long")
        .await
        .unwrap();
    let old_question = store
        .record_unanswered(unanswered("old question", None))
        .await
        .unwrap();

    let cutoff = 1_700_000_001;
    clock.set(cutoff);
    let new = store
        .record_answer(new_answer("pop", Some("m2")))
        .await
        .unwrap();
    store.record_vote(new.id, "u2", true).await.unwrap();
    store.record_comment(new.id, "u2", "fine").await.unwrap();
    let new_question = store
        .record_unanswered(unanswered("new question", None))
        .await
        .unwrap();
    assert_eq!(new_question.created_at, cutoff);
    assert_eq!(old_question.created_at, cutoff - 1);
    let before = store.stats(None).await.unwrap();

    let report = store.purge_texts_before(cutoff).await.unwrap();
    assert_eq!(
        report,
        PurgeReport {
            answers: 1,
            comments: 1,
            unanswered: 1,
        }
    );
    assert_eq!(store.answer(old.id).await.unwrap().unwrap().question, None);
    assert_eq!(
        store
            .answer(new.id)
            .await
            .unwrap()
            .unwrap()
            .question
            .as_deref(),
        Some("a question about pop")
    );
    assert_eq!(comment_on(&*store, old.id).await, None);
    assert_eq!(comment_on(&*store, new.id).await.as_deref(), Some("fine"));
    let questions: BTreeMap<_, _> = store
        .recent_unanswered(None, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|u| (u.id, u.question))
        .collect();
    assert_eq!(questions[&old_question.id], None);
    assert_eq!(questions[&new_question.id].as_deref(), Some("new question"));
    assert_eq!(store.stats(None).await.unwrap(), before, "counts are kept");

    // A rerun erases nothing more; a later cut-off erases the rest.
    assert_eq!(
        store.purge_texts_before(cutoff).await.unwrap(),
        PurgeReport::default()
    );
    assert_eq!(
        store.purge_texts_before(unix_now() + 1).await.unwrap(),
        PurgeReport {
            answers: 1,
            comments: 1,
            unanswered: 1,
        }
    );
    assert_eq!(store.stats(None).await.unwrap(), before, "counts are kept");
}

async fn the_export_has_entries_votes_and_unanswered_questions(fresh: Fresh) {
    let store = fresh.open().await;
    let imap = store.record_answer(new_answer("imap", None)).await.unwrap();
    let pop = store.record_answer(new_answer("pop", None)).await.unwrap();
    let started = unix_now();
    store.record_vote(imap.id, "u2", true).await.unwrap();
    store.record_vote(imap.id, "u1", false).await.unwrap();
    store
        .record_comment(imap.id, "u1", "add screenshots")
        .await
        .unwrap();
    store.record_vote(pop.id, "u1", true).await.unwrap();
    let first = store
        .record_unanswered(unanswered("pizza?", None))
        .await
        .unwrap();
    store.mark_escalated(first.id).await.unwrap();
    store
        .record_unanswered(unanswered("burgers?", None))
        .await
        .unwrap();

    let export = store.export().await.unwrap();
    assert_eq!(export.entries, store.stats(None).await.unwrap().entries);
    let votes: Vec<_> = export
        .votes
        .iter()
        .map(|v| {
            (
                v.answer_id,
                v.entry.as_str(),
                v.helpful,
                v.comment.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        votes,
        [
            (imap.id, "imap", false, Some("add screenshots")),
            (imap.id, "imap", true, None),
            (pop.id, "pop", true, None),
        ]
    );
    assert!(export
        .votes
        .iter()
        .all(|v| (started..=unix_now()).contains(&v.voted_at)));
    let voters: Vec<_> = export.votes.iter().map(|v| v.user_id.as_str()).collect();
    assert_eq!(voters, ["u1", "u2", "u1"], "for --with-user-ids");
    let unanswered: Vec<_> = export
        .unanswered
        .iter()
        .map(|u| (u.question.as_deref(), u.escalated))
        .collect();
    assert_eq!(
        unanswered,
        [(Some("pizza?"), true), (Some("burgers?"), false)],
        "oldest first"
    );

    let json = serde_json::to_value(&export).unwrap();
    assert_eq!(json["votes"][0]["comment"], "add screenshots");
    assert_eq!(json["entries"][0]["entry"], "imap");
    assert_eq!(json["unanswered"][1]["question"], "burgers?");
    assert!(
        json["votes"][0].get("user_id").is_none(),
        "votes are exported without who voted"
    );
}

/// Records which operations reported a duration, and how often.
#[derive(Debug, Default, Clone)]
struct DurationRecorder {
    timed: Arc<Mutex<BTreeMap<String, usize>>>,
}

#[derive(Debug)]
struct OperationHistogram {
    operation: String,
    timed: Arc<Mutex<BTreeMap<String, usize>>>,
}

impl metrics::HistogramFn for OperationHistogram {
    fn record(&self, seconds: f64) {
        assert!(seconds >= 0.0);
        *self
            .timed
            .lock()
            .unwrap()
            .entry(self.operation.clone())
            .or_default() += 1;
    }
}

impl metrics::Recorder for DurationRecorder {
    fn describe_counter(
        &self,
        _: metrics::KeyName,
        _: Option<metrics::Unit>,
        _: metrics::SharedString,
    ) {
    }
    fn describe_gauge(
        &self,
        _: metrics::KeyName,
        _: Option<metrics::Unit>,
        _: metrics::SharedString,
    ) {
    }
    fn describe_histogram(
        &self,
        _: metrics::KeyName,
        _: Option<metrics::Unit>,
        _: metrics::SharedString,
    ) {
    }

    fn register_counter(&self, _: &metrics::Key, _: &metrics::Metadata<'_>) -> metrics::Counter {
        metrics::Counter::noop()
    }

    fn register_gauge(&self, _: &metrics::Key, _: &metrics::Metadata<'_>) -> metrics::Gauge {
        metrics::Gauge::noop()
    }

    fn register_histogram(
        &self,
        key: &metrics::Key,
        _: &metrics::Metadata<'_>,
    ) -> metrics::Histogram {
        assert_eq!(key.name(), "helpdesk_db_query_duration_seconds");
        let operation = key
            .labels()
            .find(|label| label.key() == "operation")
            .expect("an operation label")
            .value()
            .to_owned();
        metrics::Histogram::from_arc(Arc::new(OperationHistogram {
            operation,
            timed: self.timed.clone(),
        }))
    }
}

async fn every_operation_records_its_duration_once(fresh: Fresh) {
    let store = fresh.open().await;
    let recorder = DurationRecorder::default();
    // The store's futures run on this thread, where the recorder is set.
    let _installed = metrics::set_default_local_recorder(&recorder);
    let answer = store
        .record_answer(new_answer("imap", Some("m1")))
        .await
        .unwrap()
        .id;
    store.attach_message(answer, "reply-1").await.unwrap();
    store.answer(answer).await.unwrap();
    store.answer_for_source("m1").await.unwrap();
    store.record_vote(answer, "u1", true).await.unwrap();
    store.record_comment(answer, "u1", "ok").await.unwrap();
    store.tally(answer).await.unwrap();
    let question = store
        .record_unanswered(unanswered("pizza?", None))
        .await
        .unwrap();
    store.mark_escalated(question.id).await.unwrap();
    store.recent_unanswered(None, 5).await.unwrap();
    store.stats(None).await.unwrap();
    store.questions_per_day(None, 30).await.unwrap();
    let session = store
        .create_dialogue("which-protocol", &origin("u1", None), "{}")
        .await
        .unwrap();
    store.dialogue_session(session.id).await.unwrap();
    store
        .update_dialogue(session.id, "{}", true, None)
        .await
        .unwrap();
    let thread = ThreadRecord {
        thread_id: "t1".to_owned(),
        asker_id: "u1".to_owned(),
        forum_id: None,
        language: Language::English,
    };
    store.record_thread(&thread).await.unwrap();
    store.thread("t1").await.unwrap();
    store.claim_interaction("i-1").await.unwrap();
    store.ping().await.unwrap();
    store.forget_user("u1").await.unwrap();
    store.purge_texts_before(0).await.unwrap();
    store.export().await.unwrap();
    // A failed operation is timed too.
    assert!(store
        .record_vote(AnswerId(answer.0 + 1000), "u1", true)
        .await
        .is_err());

    let timed = recorder.timed.lock().unwrap().clone();
    let mut expected: BTreeMap<String, usize> = [
        "record_answer",
        "attach_message",
        "answer",
        "answer_for_source",
        "record_vote",
        "record_comment",
        "tally",
        "record_unanswered",
        "mark_escalated",
        "recent_unanswered",
        "stats",
        "questions_per_day",
        "create_dialogue",
        "dialogue_session",
        "update_dialogue",
        "record_thread",
        "thread",
        "claim_interaction",
        "ping",
        "forget_user",
        "purge_texts_before",
        "export",
    ]
    .into_iter()
    .map(|operation| (operation.to_owned(), 1))
    .collect();
    expected.insert("record_vote".to_owned(), 2);
    assert_eq!(timed, expected);
}

/// Runs `work` on two stores (two pools: two processes) at the same time.
async fn at_once<T, F>(
    a: &Arc<dyn StoreAndLedger>,
    b: &Arc<dyn StoreAndLedger>,
    work: impl Fn(Arc<dyn StoreAndLedger>) -> F,
) -> (T, T)
where
    T: Send + 'static,
    F: std::future::Future<Output = T> + Send + 'static,
{
    let (first, second) =
        tokio::join!(tokio::spawn(work(a.clone())), tokio::spawn(work(b.clone())));
    (first.unwrap(), second.unwrap())
}

const RACES: usize = 20;

async fn two_processes_answering_one_message_store_one_answer(fresh: Fresh) {
    let (a, b) = (fresh.open().await, fresh.open().await);
    for round in 0..RACES {
        let source = format!("m{round}");
        let (first, second) = at_once(&a, &b, |store| {
            let answer = new_answer("imap", Some(&source));
            async move { store.record_answer(answer).await.unwrap() }
        })
        .await;
        assert_eq!(first.id, second.id, "round {round}");
        assert!(first.created != second.created, "round {round}");
    }
    assert_eq!(a.stats(None).await.unwrap().answers, RACES as u64);
}

async fn two_processes_recording_one_vote_store_one_vote(fresh: Fresh) {
    let (a, b) = (fresh.open().await, fresh.open().await);
    let answer = a.record_answer(new_answer("imap", None)).await.unwrap().id;
    for round in 0..RACES {
        let user = format!("u{round}");
        // The same person's vote, and a change of mind, from both sides.
        let helpful = round % 2 == 0;
        at_once(&a, &b, |store| {
            let user = user.clone();
            async move { store.record_vote(answer, &user, helpful).await.unwrap() }
        })
        .await;
        at_once(&a, &b, |store| {
            let user = user.clone();
            async move { store.record_vote(answer, &user, !helpful).await.unwrap() }
        })
        .await;
    }
    let votes = b.tally(answer).await.unwrap();
    assert_eq!(votes, tally(RACES as u64 / 2, RACES as u64 / 2));
    assert_eq!(b.export().await.unwrap().votes.len(), RACES);
}

async fn two_processes_claiming_one_interaction_claim_it_once(fresh: Fresh) {
    let (a, b) = (fresh.open().await, fresh.open().await);
    for round in 0..RACES {
        let id = format!("i-{round}");
        let (first, second) = at_once(&a, &b, |store| {
            let id = id.clone();
            async move { store.claim_interaction(&id).await.unwrap() }
        })
        .await;
        assert!(
            first != second,
            "round {round}: claimed {first} and {second}"
        );
    }
}

// Backend-specific: the URLs each backend is opened with, and PostgreSQL
// going away and coming back.

#[tokio::test]
async fn sqlite_opens_from_a_plain_path_a_url_or_memory() {
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("plain.db");
    let store = store::open(plain.to_str().unwrap()).await.unwrap();
    store.record_answer(new_answer("imap", None)).await.unwrap();
    drop(store);
    assert!(plain.exists());
    let url = format!("sqlite://{}", plain.display());
    assert_eq!(
        store::open(&url)
            .await
            .unwrap()
            .stats(None)
            .await
            .unwrap()
            .answers,
        1
    );

    let (memory, ledger) = store::open_with_ledger("sqlite::memory:").await.unwrap();
    memory.ping().await.unwrap();
    assert!(ledger.claim_interaction("i-1").await.unwrap());
    assert!(!ledger.claim_interaction("i-1").await.unwrap());
}

#[tokio::test]
async fn postgres_opens_from_either_url_scheme() {
    let database = TestDatabase::create().await;
    let store = store::open(database.url()).await.unwrap();
    store.record_answer(new_answer("imap", None)).await.unwrap();
    drop(store);
    let other_scheme = database.url().replacen("postgres://", "postgresql://", 1);
    assert_ne!(other_scheme, database.url());
    let store = store::open(&other_scheme).await.unwrap();
    assert_eq!(store.stats(None).await.unwrap().answers, 1);
    drop(store);
    database.drop_database().await;
}

/// `?sslmode=require` (README, deployment) works: the build has sqlx's
/// TLS, and the connection it makes is encrypted. On a server without TLS
/// (`SHOW ssl` off) the refusal must be the server's, not a build without
/// TLS.
#[tokio::test]
async fn postgres_connects_over_tls_with_sslmode_require() {
    let database = TestDatabase::create().await;
    let mut probe = PgConnection::connect(database.url()).await.unwrap();
    let ssl: String = sqlx::query_scalar("SHOW ssl")
        .fetch_one(&mut probe)
        .await
        .unwrap();
    probe.close().await.unwrap();
    let separator = if database.url().contains('?') {
        '&'
    } else {
        '?'
    };
    let url = format!("{}{separator}sslmode=require", database.url());
    let opened = store::open(&url).await;
    if ssl != "on" {
        let error = opened.expect_err("no TLS on the server").to_string();
        assert!(!error.contains("without TLS support"), "{error}");
        database.drop_database().await;
        return;
    }
    let store = opened.unwrap_or_else(|e| panic!("sslmode=require: {e}"));
    store.record_answer(new_answer("imap", None)).await.unwrap();
    drop(store);
    let mut connection = PgConnection::connect(&url).await.unwrap();
    let encrypted: bool =
        sqlx::query_scalar("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
            .fetch_one(&mut connection)
            .await
            .unwrap();
    assert!(encrypted, "the connection is not encrypted");
    connection.close().await.unwrap();
    database.drop_database().await;
}

#[tokio::test]
async fn other_schemes_are_refused() {
    assert!(matches!(
        store::open("mysql://root:secret@localhost/helpdesk").await,
        Err(StoreError::UnsupportedUrl(scheme)) if scheme == "mysql"
    ));
    assert!(matches!(
        store::migrate("redis://localhost").await,
        Err(StoreError::UnsupportedUrl(_))
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_going_away_fails_operations_promptly_and_the_pool_recovers() {
    let database = TestDatabase::create().await;
    let store = store::open(database.url()).await.unwrap();
    store.ping().await.unwrap();

    // The database goes away: its connections are cut, new ones refused.
    let name: String = sqlx::query_scalar("SELECT current_database()")
        .fetch_one(&mut PgConnection::connect(database.url()).await.unwrap())
        .await
        .unwrap();
    let mut control = PgConnection::connect(&database::admin_url()).await.unwrap();
    let allow = |allowed: bool| format!("ALTER DATABASE \"{name}\" ALLOW_CONNECTIONS {allowed}");
    sqlx::query(&allow(false))
        .execute(&mut control)
        .await
        .unwrap();
    sqlx::query("SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity WHERE datname = $1")
        .bind(&name)
        .execute(&mut control)
        .await
        .unwrap();

    let started = Instant::now();
    let outcome = tokio::time::timeout(Duration::from_secs(30), store.ping())
        .await
        .expect("an error, not a hang");
    assert!(outcome.is_err(), "the ping reached a database that is gone");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "the error took {:?}",
        started.elapsed()
    );
    assert!(store.stats(None).await.is_err());

    // Back again: the same store works without being reopened.
    sqlx::query(&allow(true))
        .execute(&mut control)
        .await
        .unwrap();
    store.ping().await.expect("the pool recovered");
    store.record_answer(new_answer("imap", None)).await.unwrap();
    assert_eq!(store.stats(None).await.unwrap().answers, 1);

    control.close().await.unwrap();
    drop(store);
    database.drop_database().await;
}

async fn stats_and_unanswered_are_per_server_and_tell_the_askers_verdict(fresh: Fresh) {
    let store = fresh.open().await;
    let in_guild = |guild: Option<&str>, mut answer: NewAnswer| {
        answer.origin.guild_id = guild.map(str::to_owned);
        answer
    };
    let here = store
        .record_answer(in_guild(Some("here"), answer_for("ann", "imap", None)))
        .await
        .unwrap();
    store
        .record_answer(in_guild(Some("there"), answer_for("bob", "pop", None)))
        .await
        .unwrap();
    store
        .record_answer(in_guild(None, answer_for("dm", "pop", None)))
        .await
        .unwrap();
    for (guild, question) in [
        (Some("here"), "here?"),
        (Some("there"), "there?"),
        (None, "dm?"),
    ] {
        let mut new = unanswered_for("someone", question, None);
        new.origin.guild_id = guild.map(str::to_owned);
        store.record_unanswered(new).await.unwrap();
    }
    // The asker finds it unhelpful; two bystanders like it.
    store.record_vote(here.id, "ann", false).await.unwrap();
    store.record_vote(here.id, "by-1", true).await.unwrap();
    store.record_vote(here.id, "by-2", true).await.unwrap();

    let stats = store.stats(Some("here")).await.unwrap();
    assert_eq!((stats.answers, stats.unanswered), (1, 1));
    assert_eq!(
        stats.entries,
        [EntryStats {
            entry: "imap".to_owned(),
            shown: 1,
            helpful: 2,
            not_helpful: 1,
            asker_helpful: 0,
            asker_not_helpful: 1,
        }]
    );
    let there = store.stats(Some("there")).await.unwrap();
    assert_eq!((there.answers, there.unanswered), (1, 1));
    assert_eq!(there.votes, tally(0, 0), "no vote of another server");
    let everywhere = store.stats(None).await.unwrap();
    assert_eq!((everywhere.answers, everywhere.unanswered), (3, 3));

    let questions = |list: Vec<store::UnansweredRecord>| {
        list.into_iter()
            .filter_map(|u| u.question)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        questions(store.recent_unanswered(Some("here"), 10).await.unwrap()),
        ["here?"]
    );
    assert_eq!(
        questions(store.recent_unanswered(Some("nowhere"), 10).await.unwrap()),
        Vec::<String>::new()
    );
    assert_eq!(
        store.recent_unanswered(None, 10).await.unwrap().len(),
        3,
        "the operator sees every server and direct messages"
    );
}

async fn questions_per_day_count_answered_and_unanswered_per_server(fresh: Fresh) {
    const DAY: i64 = store::SECONDS_PER_DAY;
    // Noon of a day, so an hour either way stays on it.
    let today = 20_000;
    let noon = today * DAY + DAY / 2;
    let clock = ManualClock::at(noon);
    let store = fresh.open_with_clock(clock.clone()).await;
    let in_guild = |guild: &str, mut answer: NewAnswer| {
        answer.origin.guild_id = Some(guild.to_owned());
        answer
    };
    let unanswered_in = |guild: &str| {
        let mut new = unanswered_for("someone", "pizza?", None);
        new.origin.guild_id = Some(guild.to_owned());
        new
    };
    // Today: two answers and one unanswered question here, one answer there.
    for _ in 0..2 {
        store
            .record_answer(in_guild("here", answer_for("ann", "imap", None)))
            .await
            .unwrap();
    }
    store
        .record_unanswered(unanswered_in("here"))
        .await
        .unwrap();
    store
        .record_answer(in_guild("there", answer_for("bob", "pop", None)))
        .await
        .unwrap();
    // Two days ago, a minute before midnight: one unanswered question here.
    clock.set((today - 1) * DAY - 60);
    store
        .record_unanswered(unanswered_in("here"))
        .await
        .unwrap();
    // Thirty days ago: outside a 30-day window, which ends today.
    clock.set((today - 30) * DAY + 60);
    store
        .record_answer(in_guild("here", answer_for("ann", "imap", None)))
        .await
        .unwrap();
    clock.set(noon + 3600);

    let here = store.questions_per_day(Some("here"), 30).await.unwrap();
    assert_eq!(here.len(), 30, "one row a day, days without questions too");
    assert_eq!(here[0].day, today - 29, "oldest first");
    let counts = |rows: &[store::DailyQuestions], day: i64| {
        rows.iter()
            .find(|r| r.day == day)
            .map(|r| (r.answered, r.unanswered))
    };
    assert_eq!(counts(&here, today), Some((2, 1)));
    assert_eq!(counts(&here, today - 2), Some((0, 1)));
    assert_eq!(counts(&here, today - 1), Some((0, 0)));
    assert_eq!(counts(&here, today - 30), None, "before the window");
    let total: u64 = here.iter().map(|r| r.answered + r.unanswered).sum();
    assert_eq!(total, 4);

    let there = store.questions_per_day(Some("there"), 30).await.unwrap();
    assert_eq!(counts(&there, today), Some((1, 0)));
    let everywhere = store.questions_per_day(None, 31).await.unwrap();
    assert_eq!(everywhere.len(), 31);
    assert_eq!(counts(&everywhere, today), Some((3, 1)));
    assert_eq!(counts(&everywhere, today - 30), Some((1, 0)));
    assert_eq!(
        store.questions_per_day(Some("nowhere"), 7).await.unwrap(),
        (today - 6..=today)
            .map(|day| store::DailyQuestions {
                day,
                answered: 0,
                unanswered: 0,
            })
            .collect::<Vec<_>>()
    );
}

async fn a_post_for_staff_is_claimed_once_per_subject(fresh: Fresh) {
    let store = fresh.open().await;
    let first = store
        .claim_staff_post(&staff_post("human:1", "ann"))
        .await
        .unwrap();
    assert!(first.is_some());
    assert_eq!(
        store
            .claim_staff_post(&staff_post("human:1", "bob"))
            .await
            .unwrap(),
        None,
        "a second claim of one subject, by anyone, fails"
    );
    assert!(store
        .claim_staff_post(&staff_post("human:2", "ann"))
        .await
        .unwrap()
        .is_some());
    // Given back when nobody could be told: it may be claimed again, and
    // survives a reopen once claimed.
    store.release_staff_post(first.unwrap()).await.unwrap();
    assert!(store
        .claim_staff_post(&staff_post("human:1", "ann"))
        .await
        .unwrap()
        .is_some());
    let reopened = fresh.open().await;
    assert_eq!(
        reopened
            .claim_staff_post(&staff_post("human:1", "ann"))
            .await
            .unwrap(),
        None
    );
}

async fn upkeep_prunes_old_interactions_and_idle_dialogues(fresh: Fresh) {
    let store = fresh.open().await;
    assert!(store.claim_interaction("i-1").await.unwrap());
    let dialogue = store
        .create_dialogue("which-protocol", &origin("ann", None), "{}")
        .await
        .unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;

    // Cut-offs in the past delete nothing recorded now.
    let report = store.prune(now - 60, now - 60).await.unwrap();
    assert_eq!(report, store::PruneReport::default());
    assert!(!store.claim_interaction("i-1").await.unwrap());
    assert!(store.dialogue_session(dialogue.id).await.unwrap().is_some());

    // Cut-offs past them delete both, once.
    let report = store.prune(now + 60, now + 60).await.unwrap();
    assert_eq!(
        report,
        store::PruneReport {
            interactions: 1,
            dialogues: 1,
        }
    );
    assert!(store.dialogue_session(dialogue.id).await.unwrap().is_none());
    assert!(
        store.claim_interaction("i-1").await.unwrap(),
        "a pruned interaction id can be claimed again"
    );
    assert_eq!(
        store.prune(now - 60, now + 60).await.unwrap(),
        store::PruneReport::default()
    );
}

fn lesson(text: &str, entry: Option<&str>, guild: &str) -> store::NewLearnedExample {
    store::NewLearnedExample {
        text: text.to_owned(),
        normalized: helpdesk::matcher::normalize(text),
        entry: entry.map(str::to_owned),
        taught_by: "staff".to_owned(),
        asked_by: Some("ann".to_owned()),
        guild_id: Some(guild.to_owned()),
    }
}

async fn learned_examples_are_kept_once_per_text_listed_per_server_and_unlearned(fresh: Fresh) {
    let store = fresh.open().await;
    let (first, created) = store
        .learn_example(&lesson("My mailbox is FULL!", Some("mailbox-quota"), "g1"))
        .await
        .unwrap();
    assert!(created);
    assert_eq!(first.entry.as_deref(), Some("mailbox-quota"));
    assert_eq!(first.text, "My mailbox is FULL!");
    // The same text once normalised is the same example, whatever it is
    // taught for the second time.
    let (again, created) = store
        .learn_example(&lesson("my mailbox is full", None, "g1"))
        .await
        .unwrap();
    assert!(!created);
    assert_eq!(again, first);
    let (other, _) = store
        .learn_example(&lesson("pizza?", None, "g2"))
        .await
        .unwrap();
    assert_eq!(other.entry, None);

    assert_eq!(
        store.learned_examples(None).await.unwrap(),
        [first.clone(), other.clone()]
    );
    assert_eq!(
        store.learned_examples(Some("g1")).await.unwrap(),
        std::slice::from_ref(&first)
    );
    // Another server's example is not this server's to remove.
    assert_eq!(
        store.unlearn_example(other.id, Some("g1")).await.unwrap(),
        None
    );
    assert_eq!(
        store.unlearn_example(first.id, Some("g1")).await.unwrap(),
        Some(first.clone())
    );
    assert_eq!(store.unlearn_example(first.id, None).await.unwrap(), None);
    assert_eq!(store.learned_examples(None).await.unwrap(), [other]);

    // Forget-me removes the questions of theirs that staff taught.
    store.forget_user("ann").await.unwrap();
    assert!(store.learned_examples(None).await.unwrap().is_empty());
}

async fn a_lesson_reaches_another_process_through_the_marker(fresh: Fresh) {
    let teacher = fresh.open().await;
    let other = fresh.open().await;
    let empty = other.learned_marker().await.unwrap();
    assert_eq!(empty, store::LearnedMarker::default());
    let (taught, _) = teacher
        .learn_example(&lesson("one", Some("pop"), "g1"))
        .await
        .unwrap();
    let after_one = other.learned_marker().await.unwrap();
    assert_ne!(after_one, empty);
    teacher
        .learn_example(&lesson("two", Some("pop"), "g1"))
        .await
        .unwrap();
    teacher.unlearn_example(taught.id, None).await.unwrap();
    // One added and one removed: the count is back to one, the marker is
    // not.
    let after_swap = other.learned_marker().await.unwrap();
    assert_eq!(after_swap.count, 1);
    assert_ne!(after_swap, after_one);
}

async fn a_post_for_staff_is_read_back_with_its_thread_and_question(fresh: Fresh) {
    let store = fresh.open().await;
    let question = store
        .record_unanswered(unanswered_for("ann", "dkim?", Some("m1")))
        .await
        .unwrap();
    let mut post = staff_post(&format!("unanswered:{}", question.id), "ann");
    post.thread_id = Some("thread-1".to_owned());
    let id = store.claim_staff_post(&post).await.unwrap().unwrap();
    store
        .attach_staff_post(id, "triage", "post-1")
        .await
        .unwrap();
    let read = store.staff_post(id).await.unwrap().unwrap();
    assert_eq!(read.subject, post.subject);
    assert_eq!(read.thread_id.as_deref(), Some("thread-1"));
    assert_eq!(read.message_id.as_deref(), Some("post-1"));
    assert_eq!(store.staff_post(id + 1).await.unwrap(), None);
    let found = store.unanswered(question.id).await.unwrap().unwrap();
    assert_eq!(found.question.as_deref(), Some("dkim?"));

    let answer = store
        .record_answer(new_answer("pop", None))
        .await
        .unwrap()
        .id;
    store
        .record_comment(answer, "bob", "say more")
        .await
        .unwrap();
    assert_eq!(
        store.comment(answer, "bob").await.unwrap().as_deref(),
        Some("say more")
    );
    assert_eq!(store.comment(answer, "ann").await.unwrap(), None);
}

/// Writes in flight at once: as many as a burst brings.
const AT_ONCE: usize = 200;

async fn writes_at_once_are_committed_together(fresh: Fresh) {
    let (store, counts) = fresh.open_counted().await;
    let answer = store
        .record_answer(new_answer("imap", None))
        .await
        .unwrap()
        .id;
    let (commits, writes) = (counts.commits(), counts.writes());

    let votes: Vec<_> = (0..AT_ONCE)
        .map(|i| {
            let store = store.clone();
            tokio::spawn(async move {
                store
                    .record_vote(answer, &format!("u{i}"), i % 2 == 0)
                    .await
            })
        })
        .collect();
    for vote in votes {
        vote.await.unwrap().expect("each vote is committed");
    }

    let (commits, writes) = (counts.commits() - commits, counts.writes() - writes);
    assert_eq!(
        writes, AT_ONCE as u64,
        "every vote went through the group commit"
    );
    assert!(
        commits < writes / 2,
        "{writes} writes at once took {commits} transactions"
    );
    assert!(commits * store::MAX_BATCH as u64 >= writes);
    let half = AT_ONCE as u64 / 2;
    assert_eq!(store.tally(answer).await.unwrap(), tally(half, half));
}

async fn a_failing_write_does_not_fail_the_others_committed_with_it(fresh: Fresh) {
    let (store, counts) = fresh.open_counted().await;
    let answer = store
        .record_answer(new_answer("imap", None))
        .await
        .unwrap()
        .id;
    let session = store
        .create_dialogue("which-protocol", &origin("u1", None), "before")
        .await
        .unwrap();
    let missing = AnswerId(answer.0 + 1000);
    let (commits, writes) = (counts.commits(), counts.writes());

    // Good writes, and among them two kinds of bad ones: a vote on an
    // answer that does not exist (refused by the store), and a dialogue
    // update naming one (refused by the database's foreign key, which
    // PostgreSQL follows by refusing the rest of the transaction unless
    // the write was rolled back alone).
    let mut good = Vec::new();
    let mut bad = Vec::new();
    for i in 0..AT_ONCE {
        let store = store.clone();
        match i % 10 {
            3 => bad.push(tokio::spawn(async move {
                store
                    .record_vote(missing, &format!("u{i}"), true)
                    .await
                    .map(drop)
            })),
            7 => bad.push(tokio::spawn(async move {
                store
                    .update_dialogue(session.id, "after", true, Some(missing))
                    .await
            })),
            _ => good.push(tokio::spawn(async move {
                store
                    .record_vote(answer, &format!("u{i}"), true)
                    .await
                    .map(drop)
            })),
        }
    }
    let good_count = good.len() as u64;
    for write in good {
        write.await.unwrap().expect("a good write is committed");
    }
    for write in bad {
        assert!(write.await.unwrap().is_err(), "a bad write is refused");
    }

    let (commits, writes) = (counts.commits() - commits, counts.writes() - writes);
    assert_eq!(writes, AT_ONCE as u64);
    assert!(
        commits < writes / 2,
        "{writes} writes took {commits} transactions"
    );
    // What the good writes did is there, and nothing of the bad ones.
    assert_eq!(store.tally(answer).await.unwrap(), tally(good_count, 0));
    assert_eq!(store.tally(missing).await.unwrap(), tally(0, 0));
    let stored = store.dialogue_session(session.id).await.unwrap().unwrap();
    assert_eq!(stored.state, "before");
    assert!(!stored.finished);
    // And the store goes on writing.
    store.record_vote(answer, "later", false).await.unwrap();
    assert_eq!(store.tally(answer).await.unwrap(), tally(good_count, 1));
}

async fn a_write_is_acknowledged_only_once_committed(fresh: Fresh) {
    let writer = fresh.open().await;
    // Another pool (another process) sees only what was committed.
    let reader = fresh.open().await;
    let answer = writer
        .record_answer(new_answer("imap", None))
        .await
        .unwrap()
        .id;

    let checks: Vec<_> = (0..AT_ONCE)
        .map(|i| {
            let (writer, reader) = (writer.clone(), reader.clone());
            tokio::spawn(async move {
                if i % 2 == 0 {
                    let source = format!("m{i}");
                    let stored = writer
                        .record_answer(new_answer("imap", Some(&source)))
                        .await
                        .unwrap();
                    let seen = reader.answer_for_source(&source).await.unwrap();
                    assert_eq!(seen.map(|seen| seen.id), Some(stored.id), "answer {i}");
                } else {
                    let user = format!("u{i}");
                    writer.record_vote(answer, &user, true).await.unwrap();
                    writer
                        .record_comment(answer, &user, "thanks")
                        .await
                        .unwrap();
                    assert_eq!(
                        reader.comment(answer, &user).await.unwrap().as_deref(),
                        Some("thanks"),
                        "vote {i}"
                    );
                }
            })
        })
        .collect();
    for check in checks {
        check.await.unwrap();
    }
}

async fn closing_commits_the_writes_queued_before_it(fresh: Fresh) {
    let store = fresh.open().await;
    let answer = store
        .record_answer(new_answer("imap", None))
        .await
        .unwrap()
        .id;
    // `join!` polls in order: the three writes are queued before the close
    // begins.
    let (first, second, third, ()) = tokio::join!(
        store.record_vote(answer, "u1", true),
        store.record_vote(answer, "u2", false),
        store.record_answer(new_answer("pop", Some("m-last"))),
        store.close(),
    );
    assert_eq!(first.unwrap(), tally(1, 0));
    assert_eq!(second.unwrap(), tally(1, 1));
    let last = third.unwrap();
    // Closed: a later write fails at once.
    assert!(store.record_vote(answer, "u3", true).await.is_err());
    drop(store);

    let reopened = fresh.open().await;
    assert_eq!(reopened.tally(answer).await.unwrap(), tally(1, 1));
    assert_eq!(
        reopened
            .answer_for_source("m-last")
            .await
            .unwrap()
            .map(|a| a.id),
        Some(last.id)
    );
}
