//! Storage: answers shown, votes, unanswered questions, dialogue sessions.
//!
//! [`Store`] is the small interface every backend implements; the use cases
//! in [`crate::assistant`] only ever talk to it. Writes that must not double
//! (an answer per source message, a vote per person per answer, an
//! interaction per id) are enforced by unique constraints in the schema,
//! not by the callers.

mod sqlite;

use std::sync::Arc;

use async_trait::async_trait;
use serde::Serialize;

pub use sqlite::SqliteStore;

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

pub type AnswerId = i64;

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
    pub id: i64,
    pub dialogue: String,
    pub user_id: String,
    pub guild_id: Option<String>,
    pub channel_id: Option<String>,
    /// The serialised [`crate::dialogue::DialogueState`].
    pub state: String,
    pub finished: bool,
    pub result_answer_id: Option<AnswerId>,
}

/// A thread the bot answers in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThreadRecord {
    pub thread_id: String,
    pub asker_id: String,
    /// The forum the thread is a post of, if it is one.
    pub forum_id: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct EntryStats {
    pub entry: String,
    pub shown: u64,
    pub helpful: u64,
    pub not_helpful: u64,
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

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("database migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("unsupported database url `{0}` (use sqlite://PATH or a file path)")]
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
    async fn recent_unanswered(&self, limit: u32) -> Result<Vec<UnansweredRecord>, StoreError>;
    async fn stats(&self) -> Result<Stats, StoreError>;
    async fn create_dialogue(
        &self,
        dialogue: &str,
        origin: &Origin,
        state: &str,
    ) -> Result<DialogueSession, StoreError>;
    async fn dialogue_session(&self, id: i64) -> Result<Option<DialogueSession>, StoreError>;
    async fn update_dialogue(
        &self,
        id: i64,
        state: &str,
        finished: bool,
        result_answer_id: Option<AnswerId>,
    ) -> Result<(), StoreError>;
    /// Remembers a thread the bot answers in and who asked there.
    async fn record_thread(&self, thread: &ThreadRecord) -> Result<(), StoreError>;
    async fn thread(&self, thread_id: &str) -> Result<Option<ThreadRecord>, StoreError>;
    /// Claims an interaction id; false if it was claimed before.
    async fn claim_interaction(&self, interaction_id: &str) -> Result<bool, StoreError>;
    /// Checks the database answers.
    async fn ping(&self) -> Result<(), StoreError>;
}

/// Opens the store named by a database URL: `sqlite://PATH`, `sqlite::memory:`
/// or a plain file path.
pub async fn open(url: &str) -> Result<Arc<dyn Store>, StoreError> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Err(StoreError::UnsupportedUrl(url.to_owned()));
    }
    Ok(Arc::new(SqliteStore::open(url).await?))
}

/// Seconds since the Unix epoch.
fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests;
