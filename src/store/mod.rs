//! Storage: answers shown, votes, unanswered questions, dialogue sessions.
//!
//! [`Store`] is the small interface every backend implements; the use cases
//! in [`crate::assistant`] only ever talk to it. [`open`] picks the backend
//! from the database URL: [`SqliteStore`] (one file, the default) or
//! [`PostgresStore`] (several bot processes sharing one database).
//!
//! Both backends are one implementation (`sql.rs`) of queries written in
//! the SQL both dialects speak; `sqlite.rs` and `postgres.rs` hold only how
//! each connects. Their schemas are the migrations in `migrations/sqlite/`
//! and `migrations/postgres/`, applied on open (or by [`migrate`]).
//!
//! Writes that must not double (an answer per source message, a vote per
//! person per answer, an interaction per id) are enforced by unique
//! constraints in the schema and written as `INSERT … ON CONFLICT`, never
//! read-then-write, so they hold with several processes writing at once.
//! The writes of the hot path (answers and their messages, votes and
//! comments, unanswered questions and escalations, dialogue sessions,
//! posts for staff, and the Discord front end's threads and interactions)
//! go through a group commit (`group.rs`): one writer task commits
//! whatever writes are in flight in one transaction, one fsync for many,
//! and each caller gets its result only once that transaction committed,
//! so what it acknowledges to a person is on disk. Answers' message links,
//! which nobody waits for, are also written many to a statement
//! (`coalesce.rs`). Reads, and the rare
//! writes that are transactions of their own (forgetting, retention,
//! pruning, learned examples), use the pool.
//!
//! Every [`Store`] method records its duration in the
//! `helpdesk_db_query_duration_seconds` histogram, labelled `operation`,
//! and a failure also in `helpdesk_db_errors_total`.

mod coalesce;
mod group;
mod postgres;
mod sql;
mod sqlite;

use std::sync::Arc;

use async_trait::async_trait;

use crate::discord::ledger::Ledger;
use crate::language::Language;
use serde::Serialize;

pub use group::{CommitCounts, MAX_BATCH};
pub use postgres::PostgresStore;
pub use sqlite::SqliteStore;

/// The user id that [`Store::forget_user`] leaves in place of a person's.
pub const FORGOTTEN_USER: &str = "forgotten";

/// Where a question came from.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Origin {
    /// `terminal` or `discord`.
    pub front_end: &'static str,
    pub guild_id: Option<String>,
    pub channel_id: Option<String>,
    pub user_id: String,
    /// The message that asked, where there is one: an event replayed after
    /// a reconnect finds the answer already stored.
    pub source_message_id: Option<String>,
    /// The language the conversation is in: stored with its answers and
    /// dialogues, so what follows in it speaks the same.
    pub language: Language,
}

impl Origin {
    pub fn terminal(user: &str) -> Self {
        Self {
            front_end: "terminal",
            user_id: user.to_owned(),
            ..Self::default()
        }
    }
}

/// An answer shown (an entry, or a dialogue's recommendation), as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, sqlx::Type)]
#[serde(transparent)]
#[sqlx(transparent)]
pub struct AnswerId(pub i64);

/// A recommendation dialogue's session, as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, sqlx::Type)]
#[serde(transparent)]
#[sqlx(transparent)]
pub struct SessionId(pub i64);

impl std::fmt::Display for AnswerId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::fmt::Display for SessionId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AnswerKind {
    /// A knowledge entry matched to a question.
    Entry,
    /// A dialogue's recommendation.
    Recommendation,
}

impl AnswerKind {
    fn as_str(self) -> &'static str {
        match self {
            Self::Entry => "entry",
            Self::Recommendation => "recommendation",
        }
    }

    fn parse(text: &str) -> Self {
        if text == "recommendation" {
            Self::Recommendation
        } else {
            Self::Entry
        }
    }
}

#[derive(Debug, Clone)]
pub struct NewAnswer {
    pub kind: AnswerKind,
    pub entry: String,
    pub question: Option<String>,
    pub confidence: f32,
    pub origin: Origin,
    /// The thread the answer goes to, remembered in the same commit (as
    /// [`Ledger::record_thread`] would): the question and its thread are
    /// on disk together or not at all.
    pub thread: Option<ThreadRecord>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AnswerRecord {
    pub id: AnswerId,
    pub kind: AnswerKind,
    pub entry: String,
    pub question: Option<String>,
    pub confidence: f32,
    pub user_id: String,
    pub guild_id: Option<String>,
    pub channel_id: Option<String>,
    pub message_id: Option<String>,
    /// The language it was shown in.
    pub language: Language,
    /// False when the same source message had been answered before.
    pub created: bool,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    pub helpful: u64,
    pub not_helpful: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewUnanswered {
    pub question: String,
    pub confidence: f32,
    pub origin: Origin,
    /// As [`NewAnswer::thread`].
    pub thread: Option<ThreadRecord>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnansweredRecord {
    pub id: i64,
    pub question: Option<String>,
    pub user_id: String,
    pub guild_id: Option<String>,
    pub channel_id: Option<String>,
    pub escalated: bool,
    pub created_at: i64,
    /// False when the same source message had been recorded before.
    #[serde(skip)]
    pub created: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DialogueSession {
    pub id: SessionId,
    pub dialogue: String,
    pub user_id: String,
    pub guild_id: Option<String>,
    pub channel_id: Option<String>,
    /// The serialised [`crate::dialogue::DialogueState`].
    pub state: String,
    pub finished: bool,
    pub result_answer_id: Option<AnswerId>,
    pub language: Language,
}

/// A thread the bot answers in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThreadRecord {
    pub thread_id: String,
    pub asker_id: String,
    /// The forum the thread is a post of, if it is one.
    pub forum_id: Option<String>,
    /// The language its first answer was in, which the thread keeps.
    pub language: Language,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct EntryStats {
    pub entry: String,
    pub shown: u64,
    /// Every vote, the asker's and bystanders'.
    pub helpful: u64,
    pub not_helpful: u64,
    /// The askers' own verdicts on the answers to their questions: the
    /// surest sign an answer worked (or not), apart from bystanders.
    pub asker_helpful: u64,
    pub asker_not_helpful: u64,
}

impl EntryStats {
    /// Helpful votes as a share of all votes, if there are any.
    pub fn helpful_percent(&self) -> Option<f64> {
        let votes = self.helpful + self.not_helpful;
        (votes > 0).then(|| 100.0 * self.helpful as f64 / votes as f64)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Stats {
    pub answers: u64,
    pub unanswered: u64,
    pub escalated: u64,
    pub votes: Tally,
    pub entries: Vec<EntryStats>,
}

/// Questions of one day (UTC): those answered and those nobody had an
/// answer for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct DailyQuestions {
    /// Days since the Unix epoch (`created_at / 86400`).
    pub day: i64,
    /// Answers shown that day (entries and recommendations).
    pub answered: u64,
    pub unanswered: u64,
}

/// Seconds in a day: the store's days are UTC days of Unix time.
pub const SECONDS_PER_DAY: i64 = 86_400;

/// What [`Store::forget_user`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ForgetReport {
    /// Votes deleted, with their comments.
    pub votes: u64,
    /// Questions whose text was erased: answered and unanswered ones.
    pub questions: u64,
    /// Dialogue sessions deleted.
    pub dialogues: u64,
    /// Threads whose asker was anonymised.
    pub threads: u64,
    /// What the front end still has to remove where it posted: the posts
    /// for staff that quoted the person, and the threads it named after
    /// their questions.
    #[serde(skip)]
    pub traces: Traces,
}

/// Messages and thread names outside the database that carry a person's
/// text, for forget-me to remove.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Traces {
    /// (channel id, message id) of each post for staff.
    pub staff_posts: Vec<(String, String)>,
    /// Threads started from (and named after) the person's questions.
    pub named_threads: Vec<String>,
}

/// A post for staff about to be made: see [`Store::claim_staff_post`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewStaffPost {
    /// What it is about, unique: one post per subject, ever.
    pub subject: String,
    /// Whose text it quotes.
    pub user_id: String,
    pub guild_id: Option<String>,
    /// The thread the post is about, where staff may answer from triage.
    pub thread_id: Option<String>,
}

/// A post for staff, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffPostRecord {
    pub id: i64,
    pub subject: String,
    pub user_id: String,
    pub guild_id: Option<String>,
    /// Where the post was made, once it was.
    pub channel_id: Option<String>,
    pub message_id: Option<String>,
    pub thread_id: Option<String>,
}

/// A question staff answered from the triage channel, to be kept as an
/// example: see [`Store::learn_example`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLearnedExample {
    pub text: String,
    /// The text as the matcher reads it: one learned example per text.
    pub normalized: String,
    /// The entry it is an example of; `None`: not in scope.
    pub entry: Option<String>,
    pub taught_by: String,
    /// Whose question it was, for forget-me.
    pub asked_by: Option<String>,
    pub guild_id: Option<String>,
}

/// A learned example, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LearnedExample {
    pub id: i64,
    pub text: String,
    #[serde(skip)]
    pub normalized: String,
    /// `None`: not in scope.
    pub entry: Option<String>,
    pub taught_by: String,
    /// Unix seconds.
    pub taught_at: i64,
    pub guild_id: Option<String>,
}

/// A cheap summary of the learned examples that changes whenever one is
/// added or removed: a process polls it to learn what another taught.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LearnedMarker {
    pub max_id: i64,
    pub count: i64,
}

/// What [`Store::prune`] deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct PruneReport {
    pub interactions: u64,
    pub dialogues: u64,
}

/// What [`Store::purge_texts_before`] erased: texts, not rows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct PurgeReport {
    /// Questions of answers shown.
    pub answers: u64,
    /// Comments on votes.
    pub comments: u64,
    /// Unanswered questions.
    pub unanswered: u64,
}

/// One vote, as [`Store::export`] gives it. Who voted is not serialised:
/// `helpdesk export` writes it only when asked (`--with-user-ids`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExportedVote {
    pub answer_id: AnswerId,
    /// Who voted: a Discord user id, or `terminal:NAME`.
    #[serde(skip)]
    pub user_id: String,
    /// The entry (or `<dialogue>:<outcome>`) of the answer voted on.
    pub entry: String,
    pub helpful: bool,
    pub comment: Option<String>,
    /// When the vote (or its comment) was last changed, in Unix seconds.
    pub voted_at: i64,
}

/// Everything `helpdesk export` writes, read as one consistent snapshot.
/// Each field is a flat table, so it serialises to CSV as well as JSON.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Export {
    /// Per-entry counts, as in [`Stats::entries`].
    pub entries: Vec<EntryStats>,
    /// Every vote, by answer.
    pub votes: Vec<ExportedVote>,
    /// Every unanswered question, oldest first.
    pub unanswered: Vec<UnansweredRecord>,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("database migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    /// Holds only the URL's scheme: the rest may carry a password.
    #[error(
        "unsupported database url scheme `{0}` (use sqlite://PATH, a file path, \
         or postgres://USER@HOST/DATABASE)"
    )]
    UnsupportedUrl(String),
    #[error("no answer with id {0}")]
    NoSuchAnswer(AnswerId),
}

/// The storage interface shared by every backend.
#[async_trait]
pub trait Store: Send + Sync + std::fmt::Debug {
    /// Stores an answer shown. With a source message id, storing the same
    /// message again returns the first record (`created == false`).
    async fn record_answer(&self, answer: NewAnswer) -> Result<AnswerRecord, StoreError>;
    /// Links an answer to the message that shows it.
    async fn attach_message(&self, answer: AnswerId, message_id: &str) -> Result<(), StoreError>;
    async fn answer(&self, id: AnswerId) -> Result<Option<AnswerRecord>, StoreError>;
    async fn answer_for_source(
        &self,
        source_message_id: &str,
    ) -> Result<Option<AnswerRecord>, StoreError>;
    /// Stores a vote, replacing the person's earlier vote on that answer
    /// (and its comment), and returns the answer's new tally.
    async fn record_vote(
        &self,
        answer: AnswerId,
        user_id: &str,
        helpful: bool,
    ) -> Result<Tally, StoreError>;
    /// Attaches an improvement comment to the person's vote, recording a
    /// "not helpful" vote if they had none.
    async fn record_comment(
        &self,
        answer: AnswerId,
        user_id: &str,
        comment: &str,
    ) -> Result<Tally, StoreError>;
    async fn tally(&self, answer: AnswerId) -> Result<Tally, StoreError>;
    async fn record_unanswered(
        &self,
        question: NewUnanswered,
    ) -> Result<UnansweredRecord, StoreError>;
    async fn mark_escalated(&self, unanswered_id: i64) -> Result<(), StoreError>;
    /// The latest unanswered questions of one server (`None`: of every
    /// server and direct messages, for the operator).
    async fn recent_unanswered(
        &self,
        guild: Option<&str>,
        limit: u32,
    ) -> Result<Vec<UnansweredRecord>, StoreError>;
    /// Counts of one server (`None`: of all of them, for the operator).
    async fn stats(&self, guild: Option<&str>) -> Result<Stats, StoreError>;
    /// Questions a day of one server (`None`: of all of them) over the
    /// last `days` days, today included: one row per day, oldest first,
    /// days without questions as zeros.
    async fn questions_per_day(
        &self,
        guild: Option<&str>,
        days: u32,
    ) -> Result<Vec<DailyQuestions>, StoreError>;
    /// Claims the one post for staff about `post.subject`: its id, or
    /// `None` if it was claimed before (the post is made, or being made).
    async fn claim_staff_post(&self, post: &NewStaffPost) -> Result<Option<i64>, StoreError>;
    /// Records where a claimed post was made.
    async fn attach_staff_post(
        &self,
        id: i64,
        channel_id: &str,
        message_id: &str,
    ) -> Result<(), StoreError>;
    /// Gives a claim back when nobody could be told, so it may be tried again.
    async fn release_staff_post(&self, id: i64) -> Result<(), StoreError>;
    /// A post for staff by id.
    async fn staff_post(&self, id: i64) -> Result<Option<StaffPostRecord>, StoreError>;
    /// An unanswered question by id.
    async fn unanswered(&self, id: i64) -> Result<Option<UnansweredRecord>, StoreError>;
    /// The comment a person left with their vote on an answer.
    async fn comment(&self, answer: AnswerId, user_id: &str) -> Result<Option<String>, StoreError>;
    /// Keeps a learned example, once per normalised text: the stored one
    /// and whether it is new (`false`: that text was learned before, maybe
    /// for another entry, and is returned as it stands).
    async fn learn_example(
        &self,
        example: &NewLearnedExample,
    ) -> Result<(LearnedExample, bool), StoreError>;
    /// The learned examples of one server (`None`: all), oldest first.
    async fn learned_examples(
        &self,
        guild: Option<&str>,
    ) -> Result<Vec<LearnedExample>, StoreError>;
    /// Removes a learned example of one server (`None`: of any); the one
    /// removed, if there was one.
    async fn unlearn_example(
        &self,
        id: i64,
        guild: Option<&str>,
    ) -> Result<Option<LearnedExample>, StoreError>;
    /// Changes whenever a learned example is added or removed.
    async fn learned_marker(&self) -> Result<LearnedMarker, StoreError>;
    /// Deletes handled interactions recorded before `interactions_before`
    /// (past any replay) and dialogue sessions not changed since
    /// `dialogues_before`, in Unix seconds.
    async fn prune(
        &self,
        interactions_before: i64,
        dialogues_before: i64,
    ) -> Result<PruneReport, StoreError>;
    async fn create_dialogue(
        &self,
        dialogue: &str,
        origin: &Origin,
        state: &str,
    ) -> Result<DialogueSession, StoreError>;
    async fn dialogue_session(&self, id: SessionId) -> Result<Option<DialogueSession>, StoreError>;
    async fn update_dialogue(
        &self,
        id: SessionId,
        state: &str,
        finished: bool,
        result_answer_id: Option<AnswerId>,
    ) -> Result<(), StoreError>;
    /// Checks the database answers.
    async fn ping(&self) -> Result<(), StoreError>;
    /// Waits for the operations in flight and closes the connections; for
    /// a clean shutdown.
    async fn close(&self);
    /// Forgets a person, on their request (`/kb forget-me`), in one
    /// transaction:
    ///
    /// - their votes are deleted, with their comments, so tallies and
    ///   stats drop them;
    /// - the text of their questions (answers shown and unanswered ones) is
    ///   erased and the user id replaced by [`FORGOTTEN_USER`], so counts
    ///   of answers and unanswered questions stay; the Discord message ids
    ///   stay too (they carry no text, and keep a replayed event from being
    ///   answered twice);
    /// - their dialogue sessions are deleted: a session's state is their
    ///   answers, and nothing counts sessions (the recommendations they led
    ///   to are answers, anonymised as above); a dialogue they still had
    ///   open ends;
    /// - in threads they asked in, the asker becomes [`FORGOTTEN_USER`]: the
    ///   bot keeps answering there, but their later messages no longer
    ///   count as the asker's follow-ups;
    /// - the questions of theirs that staff taught as examples are
    ///   unlearned;
    /// - the records of posts for staff about them are deleted, and
    ///   returned with the threads named after their questions in
    ///   [`ForgetReport::traces`], for the front end to remove.
    ///
    /// Forgetting someone twice finds nothing the second time.
    async fn forget_user(&self, user_id: &str) -> Result<ForgetReport, StoreError>;
    /// Retention: erases the question texts (of answers and unanswered
    /// questions) recorded before `cutoff` and the vote comments last
    /// changed before it, in Unix seconds. Rows, and so all counts, stay;
    /// a second run with the same cut-off erases nothing more.
    async fn purge_texts_before(&self, cutoff: i64) -> Result<PurgeReport, StoreError>;
    /// Per-entry stats, every vote and every unanswered question, for
    /// `helpdesk export`.
    async fn export(&self) -> Result<Export, StoreError>;
}

/// The backend a database URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// `postgres://` and `postgresql://` name PostgreSQL; `sqlite:` URLs
    /// and plain paths (anything without a `scheme://`) name SQLite.
    fn of(url: &str) -> Result<Self, StoreError> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Self::Postgres)
        } else if url.starts_with("sqlite:") {
            Ok(Self::Sqlite)
        } else if let Some((scheme, _)) = url.split_once("://") {
            Err(StoreError::UnsupportedUrl(scheme.to_owned()))
        } else {
            Ok(Self::Sqlite)
        }
    }
}

/// The store and the Discord front end's bookkeeping ([`Ledger`]) of one
/// database, for `serve`.
pub async fn open_with_ledger(url: &str) -> Result<(Arc<dyn Store>, Arc<dyn Ledger>), StoreError> {
    Ok(match Backend::of(url)? {
        Backend::Sqlite => {
            let store = Arc::new(SqliteStore::open(url).await?);
            (store.clone(), store)
        }
        Backend::Postgres => {
            let store = Arc::new(PostgresStore::open(url).await?);
            (store.clone(), store)
        }
    })
}

/// Opens and migrates the store named by a database URL:
/// `postgres://…` (or `postgresql://…`) for PostgreSQL; `sqlite://PATH`,
/// `sqlite::memory:` or a plain file path for SQLite.
pub async fn open(url: &str) -> Result<Arc<dyn Store>, StoreError> {
    let store: Arc<dyn Store> = match Backend::of(url)? {
        Backend::Sqlite => Arc::new(SqliteStore::open(url).await?),
        Backend::Postgres => Arc::new(PostgresStore::open(url).await?),
    };
    Ok(store)
}

/// Brings the database named by `url` (as for [`open`]) up to the current
/// schema, returning how many migrations were newly applied: 0 when it
/// was up to date.
pub async fn migrate(url: &str) -> Result<usize, StoreError> {
    match Backend::of(url)? {
        Backend::Sqlite => SqliteStore::connect(url).await?.migrate_and_close().await,
        Backend::Postgres => PostgresStore::connect(url).await?.migrate_and_close().await,
    }
}

/// Where the store reads the time, in Unix seconds: the system clock in
/// production, a clock of their own in tests.
pub trait Clock: Send + Sync + std::fmt::Debug {
    fn now(&self) -> i64;
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> i64 {
        now()
    }
}

/// Seconds since the Unix epoch.
fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests;
