//! The embedded SQLite backend: one file, WAL, fully synchronous commits so
//! an acknowledged vote survives a crash or power loss.

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow,
    SqliteSynchronous,
};
use sqlx::Row;

use super::{
    now, AnswerId, AnswerKind, AnswerRecord, DialogueSession, EntryStats, NewAnswer, NewUnanswered,
    Origin, Stats, Store, StoreError, Tally, ThreadRecord, UnansweredRecord,
};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    /// Opens (creating if needed) and migrates the database at `url`:
    /// `sqlite://PATH`, `sqlite::memory:` or a plain path.
    pub async fn open(url: &str) -> Result<Self, StoreError> {
        let memory = url.contains(":memory:");
        let options = if url.starts_with("sqlite:") {
            SqliteConnectOptions::from_str(url)?
        } else {
            SqliteConnectOptions::new().filename(url)
        };
        let options = options
            .create_if_missing(true)
            .journal_mode(if memory {
                SqliteJournalMode::Memory
            } else {
                SqliteJournalMode::Wal
            })
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5));
        let pool = SqlitePoolOptions::new()
            // An in-memory database lives in one connection.
            .max_connections(if memory { 1 } else { 4 })
            .min_connections(if memory { 1 } else { 0 })
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(options)
            .await?;
        MIGRATOR.run(&pool).await?;
        Ok(Self { pool })
    }

    async fn answer_where(
        &self,
        column: &str,
        value: &str,
    ) -> Result<Option<AnswerRecord>, StoreError> {
        let sql = format!("SELECT {ANSWER_COLUMNS} FROM answers WHERE {column} = ?");
        let row = sqlx::query(&sql)
            .bind(value)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|row| answer_from_row(&row, false)).transpose()
    }
}

const ANSWER_COLUMNS: &str =
    "id, kind, entry, question, confidence, user_id, guild_id, channel_id, message_id";

fn answer_from_row(row: &SqliteRow, created: bool) -> Result<AnswerRecord, StoreError> {
    Ok(AnswerRecord {
        id: row.try_get("id")?,
        kind: AnswerKind::parse(row.try_get("kind")?),
        entry: row.try_get("entry")?,
        question: row.try_get("question")?,
        confidence: row.try_get::<f64, _>("confidence")? as f32,
        user_id: row.try_get("user_id")?,
        guild_id: row.try_get("guild_id")?,
        channel_id: row.try_get("channel_id")?,
        message_id: row.try_get("message_id")?,
        created,
    })
}

const UNANSWERED_COLUMNS: &str =
    "id, question, user_id, guild_id, channel_id, escalated, created_at";

fn unanswered_from_row(row: &SqliteRow, created: bool) -> Result<UnansweredRecord, StoreError> {
    Ok(UnansweredRecord {
        id: row.try_get("id")?,
        question: row.try_get("question")?,
        user_id: row.try_get("user_id")?,
        guild_id: row.try_get("guild_id")?,
        channel_id: row.try_get("channel_id")?,
        escalated: row.try_get("escalated")?,
        created_at: row.try_get("created_at")?,
        created,
    })
}

fn session_from_row(row: &SqliteRow) -> Result<DialogueSession, StoreError> {
    Ok(DialogueSession {
        id: row.try_get("id")?,
        dialogue: row.try_get("dialogue")?,
        user_id: row.try_get("user_id")?,
        guild_id: row.try_get("guild_id")?,
        channel_id: row.try_get("channel_id")?,
        state: row.try_get("state")?,
        finished: row.try_get("finished")?,
        result_answer_id: row.try_get("result_answer_id")?,
    })
}

#[async_trait]
impl Store for SqliteStore {
    async fn record_answer(&self, answer: NewAnswer) -> Result<AnswerRecord, StoreError> {
        let Origin {
            front_end,
            guild_id,
            channel_id,
            user_id,
            source_message_id,
        } = &answer.origin;
        let sql = format!(
            "INSERT INTO answers (kind, entry, question, confidence, origin, guild_id, channel_id, \
             user_id, source_message_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) \
             ON CONFLICT (source_message_id) DO NOTHING RETURNING {ANSWER_COLUMNS}"
        );
        let inserted = sqlx::query(&sql)
            .bind(answer.kind.as_str())
            .bind(&answer.entry)
            .bind(&answer.question)
            .bind(f64::from(answer.confidence))
            .bind(*front_end)
            .bind(guild_id)
            .bind(channel_id)
            .bind(user_id)
            .bind(source_message_id)
            .bind(now())
            .fetch_optional(&self.pool)
            .await?;
        match (inserted, source_message_id) {
            (Some(row), _) => answer_from_row(&row, true),
            (None, Some(source)) => self
                .answer_where("source_message_id", source)
                .await?
                .ok_or(StoreError::Database(sqlx::Error::RowNotFound)),
            (None, None) => Err(StoreError::Database(sqlx::Error::RowNotFound)),
        }
    }

    async fn attach_message(&self, answer: AnswerId, message_id: &str) -> Result<(), StoreError> {
        sqlx::query("UPDATE answers SET message_id = ? WHERE id = ?")
            .bind(message_id)
            .bind(answer)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn answer(&self, id: AnswerId) -> Result<Option<AnswerRecord>, StoreError> {
        let sql = format!("SELECT {ANSWER_COLUMNS} FROM answers WHERE id = ?");
        let row = sqlx::query(&sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|row| answer_from_row(&row, false)).transpose()
    }

    async fn answer_for_source(
        &self,
        source_message_id: &str,
    ) -> Result<Option<AnswerRecord>, StoreError> {
        self.answer_where("source_message_id", source_message_id)
            .await
    }

    async fn record_vote(
        &self,
        answer: AnswerId,
        user_id: &str,
        helpful: bool,
    ) -> Result<Tally, StoreError> {
        self.answer(answer)
            .await?
            .ok_or(StoreError::NoSuchAnswer(answer))?;
        // A changed vote drops the comment that explained the old one.
        sqlx::query(
            "INSERT INTO votes (answer_id, user_id, helpful, comment, updated_at) \
             VALUES (?, ?, ?, NULL, ?) ON CONFLICT (answer_id, user_id) DO UPDATE SET \
             comment = CASE WHEN votes.helpful = excluded.helpful THEN votes.comment END, \
             helpful = excluded.helpful, updated_at = excluded.updated_at",
        )
        .bind(answer)
        .bind(user_id)
        .bind(helpful)
        .bind(now())
        .execute(&self.pool)
        .await?;
        self.tally(answer).await
    }

    async fn record_comment(
        &self,
        answer: AnswerId,
        user_id: &str,
        comment: &str,
    ) -> Result<Tally, StoreError> {
        self.answer(answer)
            .await?
            .ok_or(StoreError::NoSuchAnswer(answer))?;
        sqlx::query(
            "INSERT INTO votes (answer_id, user_id, helpful, comment, updated_at) \
             VALUES (?, ?, 0, ?, ?) ON CONFLICT (answer_id, user_id) DO UPDATE SET \
             comment = excluded.comment, updated_at = excluded.updated_at",
        )
        .bind(answer)
        .bind(user_id)
        .bind(comment)
        .bind(now())
        .execute(&self.pool)
        .await?;
        self.tally(answer).await
    }

    async fn tally(&self, answer: AnswerId) -> Result<Tally, StoreError> {
        let row = sqlx::query(
            "SELECT COALESCE(SUM(helpful), 0) AS helpful, COUNT(*) - COALESCE(SUM(helpful), 0) \
             AS not_helpful FROM votes WHERE answer_id = ?",
        )
        .bind(answer)
        .fetch_one(&self.pool)
        .await?;
        Ok(Tally {
            helpful: count(row.try_get("helpful")?),
            not_helpful: count(row.try_get("not_helpful")?),
        })
    }

    async fn record_unanswered(
        &self,
        question: NewUnanswered,
    ) -> Result<UnansweredRecord, StoreError> {
        let origin = &question.origin;
        let sql = format!(
            "INSERT INTO unanswered (question, confidence, origin, guild_id, channel_id, user_id, \
             source_message_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) \
             ON CONFLICT (source_message_id) DO NOTHING RETURNING {UNANSWERED_COLUMNS}"
        );
        let inserted = sqlx::query(&sql)
            .bind(&question.question)
            .bind(f64::from(question.confidence))
            .bind(origin.front_end)
            .bind(&origin.guild_id)
            .bind(&origin.channel_id)
            .bind(&origin.user_id)
            .bind(&origin.source_message_id)
            .bind(now())
            .fetch_optional(&self.pool)
            .await?;
        if let Some(row) = inserted {
            return unanswered_from_row(&row, true);
        }
        let sql =
            format!("SELECT {UNANSWERED_COLUMNS} FROM unanswered WHERE source_message_id = ?");
        let row = sqlx::query(&sql)
            .bind(&origin.source_message_id)
            .fetch_one(&self.pool)
            .await?;
        unanswered_from_row(&row, false)
    }

    async fn mark_escalated(&self, unanswered_id: i64) -> Result<(), StoreError> {
        sqlx::query("UPDATE unanswered SET escalated = 1 WHERE id = ?")
            .bind(unanswered_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn recent_unanswered(&self, limit: u32) -> Result<Vec<UnansweredRecord>, StoreError> {
        let sql = format!(
            "SELECT {UNANSWERED_COLUMNS} FROM unanswered ORDER BY created_at DESC, id DESC LIMIT ?"
        );
        let rows = sqlx::query(&sql)
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| unanswered_from_row(row, false))
            .collect()
    }

    async fn stats(&self) -> Result<Stats, StoreError> {
        let rows = sqlx::query(
            "SELECT a.entry AS entry, COUNT(DISTINCT a.id) AS shown, \
             COALESCE(SUM(v.helpful), 0) AS helpful, \
             COUNT(v.answer_id) - COALESCE(SUM(v.helpful), 0) AS not_helpful \
             FROM answers a LEFT JOIN votes v ON v.answer_id = a.id \
             GROUP BY a.entry ORDER BY shown DESC, a.entry",
        )
        .fetch_all(&self.pool)
        .await?;
        let entries = rows
            .iter()
            .map(|row| {
                Ok(EntryStats {
                    entry: row.try_get("entry")?,
                    shown: count(row.try_get("shown")?),
                    helpful: count(row.try_get("helpful")?),
                    not_helpful: count(row.try_get("not_helpful")?),
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        let totals = sqlx::query(
            "SELECT (SELECT COUNT(*) FROM answers) AS answers, \
             (SELECT COUNT(*) FROM unanswered) AS unanswered, \
             (SELECT COUNT(*) FROM unanswered WHERE escalated = 1) AS escalated",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(Stats {
            answers: count(totals.try_get("answers")?),
            unanswered: count(totals.try_get("unanswered")?),
            escalated: count(totals.try_get("escalated")?),
            votes: Tally {
                helpful: entries.iter().map(|e| e.helpful).sum(),
                not_helpful: entries.iter().map(|e| e.not_helpful).sum(),
            },
            entries,
        })
    }

    async fn create_dialogue(
        &self,
        dialogue: &str,
        origin: &Origin,
        state: &str,
    ) -> Result<DialogueSession, StoreError> {
        let row = sqlx::query(
            "INSERT INTO dialogue_sessions (dialogue, user_id, origin, guild_id, channel_id, \
             state, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING *",
        )
        .bind(dialogue)
        .bind(&origin.user_id)
        .bind(origin.front_end)
        .bind(&origin.guild_id)
        .bind(&origin.channel_id)
        .bind(state)
        .bind(now())
        .bind(now())
        .fetch_one(&self.pool)
        .await?;
        session_from_row(&row)
    }

    async fn dialogue_session(&self, id: i64) -> Result<Option<DialogueSession>, StoreError> {
        let row = sqlx::query("SELECT * FROM dialogue_sessions WHERE id = ?")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|row| session_from_row(&row)).transpose()
    }

    async fn update_dialogue(
        &self,
        id: i64,
        state: &str,
        finished: bool,
        result_answer_id: Option<AnswerId>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE dialogue_sessions SET state = ?, finished = ?, result_answer_id = ?, \
             updated_at = ? WHERE id = ?",
        )
        .bind(state)
        .bind(finished)
        .bind(result_answer_id)
        .bind(now())
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn record_thread(&self, thread: &ThreadRecord) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO threads (thread_id, asker_id, forum_id, created_at) VALUES (?, ?, ?, ?) \
             ON CONFLICT (thread_id) DO NOTHING",
        )
        .bind(&thread.thread_id)
        .bind(&thread.asker_id)
        .bind(&thread.forum_id)
        .bind(now())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn thread(&self, thread_id: &str) -> Result<Option<ThreadRecord>, StoreError> {
        let row =
            sqlx::query("SELECT thread_id, asker_id, forum_id FROM threads WHERE thread_id = ?")
                .bind(thread_id)
                .fetch_optional(&self.pool)
                .await?;
        row.map(|row| {
            Ok(ThreadRecord {
                thread_id: row.try_get("thread_id")?,
                asker_id: row.try_get("asker_id")?,
                forum_id: row.try_get("forum_id")?,
            })
        })
        .transpose()
    }

    async fn claim_interaction(&self, interaction_id: &str) -> Result<bool, StoreError> {
        let result = sqlx::query(
            "INSERT INTO interactions (id, created_at) VALUES (?, ?) ON CONFLICT DO NOTHING",
        )
        .bind(interaction_id)
        .bind(now())
        .execute(&self.pool)
        .await?;
        Ok(result.rows_affected() == 1)
    }

    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }
}

/// SQLite counts are i64 and never negative.
fn count(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}
