//! The SQLite store, in memory and on disk: writes that must not double
//! don't, votes replace votes, and acknowledged writes survive a reopen.

use std::path::Path;

use super::*;

async fn memory() -> SqliteStore {
    SqliteStore::open("sqlite::memory:").await.unwrap()
}

fn origin(user: &str, source: Option<&str>) -> Origin {
    Origin {
        front_end: "discord",
        guild_id: Some("guild-1".to_owned()),
        channel_id: Some("channel-1".to_owned()),
        user_id: user.to_owned(),
        source_message_id: source.map(str::to_owned),
    }
}

fn new_answer(entry: &str, source: Option<&str>) -> NewAnswer {
    NewAnswer {
        kind: AnswerKind::Entry,
        entry: entry.to_owned(),
        question: Some(format!("a question about {entry}")),
        confidence: 0.8,
        origin: origin("asker", source),
    }
}

fn unanswered(question: &str, source: Option<&str>) -> NewUnanswered {
    NewUnanswered {
        question: question.to_owned(),
        confidence: 0.1,
        origin: origin("asker", source),
    }
}

fn tally(helpful: u64, not_helpful: u64) -> Tally {
    Tally {
        helpful,
        not_helpful,
    }
}

/// The comment stored with a vote, read straight from the database file.
async fn comment_on(path: &Path, answer: AnswerId, user: &str) -> Option<String> {
    let pool =
        sqlx::SqlitePool::connect_with(sqlx::sqlite::SqliteConnectOptions::new().filename(path))
            .await
            .unwrap();
    let comment =
        sqlx::query_scalar("SELECT comment FROM votes WHERE answer_id = ? AND user_id = ?")
            .bind(answer)
            .bind(user)
            .fetch_one(&pool)
            .await
            .unwrap();
    pool.close().await;
    comment
}

#[tokio::test]
async fn an_answer_is_stored_once_per_source_message() {
    let store = memory().await;
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
    assert_eq!(store.stats().await.unwrap().answers, 2);

    let found = store.answer_for_source("m1").await.unwrap().unwrap();
    assert_eq!(found.id, first.id);
    assert!(store.answer_for_source("m3").await.unwrap().is_none());
}

#[tokio::test]
async fn answers_without_a_source_message_are_all_stored() {
    let store = memory().await;
    let a = store.record_answer(new_answer("imap", None)).await.unwrap();
    let b = store.record_answer(new_answer("imap", None)).await.unwrap();
    assert!(a.created && b.created);
    assert_ne!(a.id, b.id);
    assert_eq!(store.stats().await.unwrap().answers, 2);
}

#[tokio::test]
async fn attached_messages_are_read_back() {
    let store = memory().await;
    let answer = store
        .record_answer(new_answer("pop", Some("m1")))
        .await
        .unwrap();
    assert_eq!(answer.message_id, None);
    store.attach_message(answer.id, "reply-1").await.unwrap();
    let stored = store.answer(answer.id).await.unwrap().unwrap();
    assert_eq!(stored.message_id.as_deref(), Some("reply-1"));
    assert!(!stored.created);
    assert!(store.answer(answer.id + 100).await.unwrap().is_none());
}

#[tokio::test]
async fn one_vote_per_person_per_answer_and_a_later_vote_replaces() {
    let store = memory().await;
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

#[tokio::test]
async fn comments_attach_to_the_vote_and_a_changed_vote_drops_them() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("votes.db");
    let store = SqliteStore::open(path.to_str().unwrap()).await.unwrap();
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
        comment_on(&path, answer, "u1").await.as_deref(),
        Some("too long")
    );

    // The same vote again keeps the comment that explains it.
    store.record_vote(answer, "u1", false).await.unwrap();
    assert_eq!(
        comment_on(&path, answer, "u1").await.as_deref(),
        Some("too long")
    );

    // A changed vote drops it.
    assert_eq!(
        store.record_vote(answer, "u1", true).await.unwrap(),
        tally(1, 0)
    );
    assert_eq!(comment_on(&path, answer, "u1").await, None);

    // A comment on a helpful vote attaches to it without changing it.
    let after = store
        .record_comment(answer, "u1", "great, but add a link")
        .await
        .unwrap();
    assert_eq!(after, tally(1, 0));
    assert_eq!(
        comment_on(&path, answer, "u1").await.as_deref(),
        Some("great, but add a link")
    );
}

#[tokio::test]
async fn a_comment_without_a_vote_records_not_helpful() {
    let store = memory().await;
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
    let stats = store.stats().await.unwrap();
    assert_eq!(stats.votes, tally(0, 1));
}

#[tokio::test]
async fn voting_on_an_unknown_answer_is_an_error() {
    let store = memory().await;
    let known = store
        .record_answer(new_answer("imap", None))
        .await
        .unwrap()
        .id;
    let missing = known + 1000;
    assert!(matches!(
        store.record_vote(missing, "u1", true).await,
        Err(StoreError::NoSuchAnswer(id)) if id == missing
    ));
    assert!(matches!(
        store.record_comment(missing, "u1", "hm").await,
        Err(StoreError::NoSuchAnswer(id)) if id == missing
    ));
    assert_eq!(store.stats().await.unwrap().votes, tally(0, 0));
}

#[tokio::test]
async fn unanswered_questions_are_recorded_once_per_source_message() {
    let store = memory().await;
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
    assert_eq!(store.stats().await.unwrap().unanswered, 3);

    let recent = store.recent_unanswered(10).await.unwrap();
    assert_eq!(recent.len(), 3);
    assert_eq!(
        recent[0].question.as_deref(),
        Some("pizza?"),
        "newest first"
    );
    assert_eq!(recent[2].id, first.id);
    assert_eq!(store.recent_unanswered(1).await.unwrap().len(), 1);
}

#[tokio::test]
async fn escalation_is_counted() {
    let store = memory().await;
    let record = store
        .record_unanswered(unanswered("help", None))
        .await
        .unwrap();
    store
        .record_unanswered(unanswered("help again", None))
        .await
        .unwrap();
    store.mark_escalated(record.id).await.unwrap();
    let stats = store.stats().await.unwrap();
    assert_eq!((stats.unanswered, stats.escalated), (2, 1));
    let recent = store.recent_unanswered(10).await.unwrap();
    let escalated: Vec<_> = recent
        .iter()
        .filter(|u| u.escalated)
        .map(|u| u.id)
        .collect();
    assert_eq!(escalated, [record.id]);
}

#[tokio::test]
async fn stats_count_per_entry_and_in_total() {
    let store = memory().await;
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

    store.record_vote(imap_1, "u1", true).await.unwrap();
    store.record_vote(imap_1, "u2", false).await.unwrap();
    store.record_vote(imap_1, "u3", true).await.unwrap();
    store.record_vote(imap_2, "u1", true).await.unwrap();
    store.record_vote(pop, "u1", false).await.unwrap();
    store
        .record_unanswered(unanswered("pizza?", None))
        .await
        .unwrap();

    let stats = store.stats().await.unwrap();
    assert_eq!(stats.answers, 4);
    assert_eq!(stats.unanswered, 1);
    assert_eq!(stats.escalated, 0);
    assert_eq!(stats.votes, tally(3, 2));
    let row = |entry: &str, shown, helpful, not_helpful| EntryStats {
        entry: entry.to_owned(),
        shown,
        helpful,
        not_helpful,
    };
    assert_eq!(
        stats.entries,
        [
            row("imap", 2, 3, 1),
            row("pop", 1, 0, 1),
            row("which-protocol:imap", 1, 0, 0),
        ]
    );
    assert_eq!(stats.entries[0].helpful_percent(), Some(75.0));
    assert_eq!(stats.entries[2].helpful_percent(), None);
}

#[tokio::test]
async fn an_empty_store_has_empty_stats() {
    let stats = memory().await.stats().await.unwrap();
    assert_eq!(stats, Stats::default());
}

#[tokio::test]
async fn dialogue_sessions_round_trip_and_update() {
    let store = memory().await;
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
    assert_eq!(store.dialogue_session(second.id + 100).await.unwrap(), None);
}

#[tokio::test]
async fn an_interaction_is_claimed_once() {
    let store = memory().await;
    assert!(store.claim_interaction("i-1").await.unwrap());
    assert!(!store.claim_interaction("i-1").await.unwrap());
    assert!(store.claim_interaction("i-2").await.unwrap());
    assert!(!store.claim_interaction("i-2").await.unwrap());
}

#[tokio::test]
async fn acknowledged_writes_survive_closing_and_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("helpdesk.db");
    let (answer, session, unanswered_id) = {
        let store = SqliteStore::open(path.to_str().unwrap()).await.unwrap();
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
        drop(store);
        (answer, session, unanswered_id)
    };

    // Reopened through the URL form this time.
    let url = format!("sqlite://{}", path.display());
    let store = SqliteStore::open(&url).await.unwrap();
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
    let stats = store.stats().await.unwrap();
    assert_eq!((stats.answers, stats.unanswered), (1, 1));
    drop(store);
    assert_eq!(
        comment_on(&path, answer, "u2").await.as_deref(),
        Some("needs screenshots")
    );
}

#[tokio::test]
async fn open_accepts_the_documented_urls_only() {
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("plain.db");
    let store = open(plain.to_str().unwrap()).await.unwrap();
    store.ping().await.unwrap();
    assert!(plain.exists());
    open("sqlite::memory:").await.unwrap().ping().await.unwrap();
    assert!(matches!(
        open("postgres://localhost/helpdesk").await,
        Err(StoreError::UnsupportedUrl(_))
    ));
}
