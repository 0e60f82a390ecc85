//! The one implementation of [`Store`] both backends share.
//!
//! SQLite and PostgreSQL differ in their schemas (`migrations/`), in how
//! they connect (`sqlite.rs`, `postgres.rs`) and in the few driver details
//! of [`Dialect`]. The queries are written once, in the SQL both accept:
//! `$n` parameters, `TRUE`/`FALSE`, `INSERT … ON CONFLICT`, `RETURNING` and
//! `COUNT(…) FILTER (WHERE …)`, so the two cannot drift apart.

use std::future::Future;
use std::sync::Arc;
use std::time::Instant;

use async_trait::async_trait;
use sqlx::migrate::{Migrate, MigrateError, Migrator};
use sqlx::{ColumnIndex, Database, Decode, Encode, Executor, IntoArguments, Pool, Row, Type};

use crate::discord::ledger::Ledger;
use crate::language::Language;
use crate::operations::metric;

use super::coalesce::Coalesced;
use super::group::{CommitCounts, GroupCommit};
use super::{
    AnswerId, AnswerKind, AnswerRecord, Clock, DailyQuestions, DialogueSession, EntryStats, Export,
    ExportedVote, ForgetReport, LearnedExample, LearnedMarker, NewAnswer, NewLearnedExample,
    NewStaffPost, NewUnanswered, Origin, PruneReport, PurgeReport, SessionId, StaffPostRecord,
    Stats, Store, StoreError, SystemClock, Tally, ThreadRecord, Traces, UnansweredRecord,
    FORGOTTEN_USER, SECONDS_PER_DAY,
};

/// What the shared queries need to know about a backend beyond its sqlx
/// driver.
pub trait Dialect: Database + sqlx::database::HasStatementCache {
    /// The backend's schema.
    fn migrator() -> &'static Migrator;
    /// How many rows a write changed (sqlx has no common accessor).
    fn rows_affected(result: &Self::QueryResult) -> u64;
    /// Sent right after `BEGIN` where a transaction's reads would not
    /// otherwise share one snapshot.
    const SNAPSHOT: Option<&'static str>;
}

/// A [`Store`] on a sqlx pool of either backend.
#[derive(Debug, Clone)]
pub struct SqlStore<DB: Database> {
    /// Reads, and the writes that are transactions of their own.
    pool: Pool<DB>,
    /// The writes of the hot path, committed together: see `group.rs`.
    writer: Arc<GroupCommit<DB>>,
    /// Answers' message ids waiting to be written together.
    links: Arc<Coalesced<(AnswerId, String)>>,
    /// Where "now" comes from for every timestamp written.
    clock: Arc<dyn Clock>,
}

/// An owned value the queries bind and read, on backend `DB`.
pub trait Value<DB: Database>:
    for<'q> Encode<'q, DB> + for<'r> Decode<'r, DB> + Type<DB> + Send
{
}

impl<DB: Database, T> Value<DB> for T where
    T: for<'q> Encode<'q, DB> + for<'r> Decode<'r, DB> + Type<DB> + Send
{
}

/// Runs one store operation, recording how long it took.
async fn timed<T>(
    operation: &'static str,
    work: impl Future<Output = Result<T, StoreError>>,
) -> Result<T, StoreError> {
    let started = Instant::now();
    let result = work.await;
    metrics::histogram!(metric::DB_QUERY_DURATION, "operation" => operation)
        .record(started.elapsed());
    if result.is_err() {
        metrics::counter!(metric::DB_ERRORS, "operation" => operation).increment(1);
    }
    result
}

impl<DB: Dialect> SqlStore<DB>
where
    DB::Connection: Migrate,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
{
    /// The store on `pool`, and its writer's task: the backend's
    /// `connect` spawns it and hands it to [`Self::writer_started`].
    pub(super) fn new(pool: Pool<DB>) -> (Self, impl Future<Output = ()> + 'static) {
        let (writer, task) = GroupCommit::new(pool.clone());
        let store = Self {
            writer: Arc::new(writer),
            links: Arc::default(),
            pool,
            clock: Arc::new(SystemClock),
        };
        (store, task)
    }

    pub(super) fn writer_started(&self, task: tokio::task::JoinHandle<()>) {
        self.writer.started(task);
    }

    /// How many transactions the group commit made, and of how many
    /// writes.
    pub fn commit_counts(&self) -> Arc<CommitCounts> {
        self.writer.counts()
    }

    /// The same store, stamping rows with `clock`'s time: for tests that
    /// need rows older than others without waiting for the wall clock.
    pub fn with_clock(self, clock: Arc<dyn Clock>) -> Self {
        Self { clock, ..self }
    }

    /// Applies the migrations the database lacks; returns how many.
    pub(super) async fn migrate(&self) -> Result<usize, StoreError> {
        let mut conn = self.pool.acquire().await?;
        // Counted under the migrator's lock, so that another process
        // migrating at the same moment cannot skew the count. (The lock is
        // re-entrant: `run_direct` takes and releases it once more.)
        conn.lock().await?;
        let applied = async {
            conn.ensure_migrations_table().await?;
            let before = conn.list_applied_migrations().await?.len();
            DB::migrator().run_direct(&mut *conn).await?;
            let after = conn.list_applied_migrations().await?.len();
            Ok::<_, MigrateError>(after.saturating_sub(before))
        }
        .await;
        match applied {
            Ok(count) => {
                conn.unlock().await?;
                Ok(count)
            }
            Err(error) => {
                // Closing the connection releases the lock with it.
                conn.close().await.ok();
                Err(error.into())
            }
        }
    }

    /// [`Self::migrate`], then closes the pool: for `helpdesk migrate`.
    pub(super) async fn migrate_and_close(self) -> Result<usize, StoreError> {
        let applied = self.migrate().await;
        self.writer.close().await;
        self.pool.close().await;
        applied
    }
}

const ANSWER_COLUMNS: &str =
    "id, kind, entry, question, confidence, user_id, guild_id, channel_id, message_id, language";

const UNANSWERED_COLUMNS: &str =
    "id, question, user_id, guild_id, channel_id, escalated, created_at";

const STAFF_POST_COLUMNS: &str =
    "id, subject, user_id, guild_id, channel_id, message_id, thread_id";

const LEARNED_COLUMNS: &str = "id, text, normalized, entry, taught_by, taught_at, guild_id";

const SESSION_COLUMNS: &str =
    "id, dialogue, user_id, guild_id, channel_id, state, finished, result_answer_id, language";

/// Helpful and not helpful votes per entry, all and the askers' own, most
/// shown first; of one server's answers (`$1`), or of all when `$1` is NULL.
const ENTRY_STATS: &str = "SELECT a.entry AS entry, COUNT(DISTINCT a.id) AS shown, \
     COUNT(v.answer_id) FILTER (WHERE v.helpful) AS helpful, \
     COUNT(v.answer_id) FILTER (WHERE NOT v.helpful) AS not_helpful, \
     COUNT(v.answer_id) FILTER (WHERE v.helpful AND v.user_id = a.user_id) AS asker_helpful, \
     COUNT(v.answer_id) FILTER (WHERE NOT v.helpful AND v.user_id = a.user_id) \
     AS asker_not_helpful \
     FROM answers a LEFT JOIN votes v ON v.answer_id = a.id \
     WHERE CAST($1 AS TEXT) IS NULL OR a.guild_id = $1 \
     GROUP BY a.entry ORDER BY shown DESC, a.entry";

/// Rows of one server (`$1`), or all when `$1` is NULL.
const OF_GUILD: &str = "(CAST($1 AS TEXT) IS NULL OR guild_id = $1)";

// The bounds below say "DB runs queries on a pool or a transaction and
// binds and reads the column types used here"; both backends meet them.
impl<DB> SqlStore<DB>
where
    DB: Dialect,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    for<'a> &'a str: ColumnIndex<DB::Row> + Encode<'a, DB> + Type<DB>,
    i64: Value<DB>,
    f64: Value<DB>,
    bool: Value<DB>,
    String: Value<DB>,
    Option<i64>: Value<DB>,
    Option<String>: Value<DB>,
    AnswerId: Value<DB>,
    SessionId: Value<DB>,
    Option<AnswerId>: Value<DB>,
{
    async fn answer_where(
        &self,
        column: &str,
        value: impl Value<DB>,
    ) -> Result<Option<AnswerRecord>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        Self::answer_where_on(&mut conn, column, value).await
    }

    async fn answer_where_on(
        conn: &mut DB::Connection,
        column: &str,
        value: impl Value<DB>,
    ) -> Result<Option<AnswerRecord>, StoreError> {
        let sql = format!("SELECT {ANSWER_COLUMNS} FROM answers WHERE {column} = $1");
        let row = sqlx::query(&sql)
            .bind(value)
            .fetch_optional(&mut *conn)
            .await?;
        row.map(|row| Self::answer_from_row(&row, false))
            .transpose()
    }

    /// Remembers the thread a reply goes to, if any; one remembered
    /// before is kept as it was.
    async fn remember_thread_on(
        conn: &mut DB::Connection,
        thread: Option<ThreadRecord>,
        now: i64,
    ) -> Result<(), StoreError> {
        let Some(thread) = thread else {
            return Ok(());
        };
        sqlx::query(
            "INSERT INTO threads (thread_id, asker_id, forum_id, created_at, language) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (thread_id) DO NOTHING",
        )
        .bind(thread.thread_id)
        .bind(thread.asker_id)
        .bind(thread.forum_id)
        .bind(now)
        .bind(thread.language.code())
        .execute(&mut *conn)
        .await?;
        Ok(())
    }

    async fn tally_of(&self, answer: AnswerId) -> Result<Tally, StoreError> {
        let mut conn = self.pool.acquire().await?;
        Self::tally_on(&mut conn, answer).await
    }

    async fn tally_on(conn: &mut DB::Connection, answer: AnswerId) -> Result<Tally, StoreError> {
        let row = sqlx::query(
            "SELECT COUNT(*) FILTER (WHERE helpful) AS helpful, \
             COUNT(*) FILTER (WHERE NOT helpful) AS not_helpful \
             FROM votes WHERE answer_id = $1",
        )
        .bind(answer)
        .fetch_one(&mut *conn)
        .await?;
        Ok(Tally {
            helpful: count(row.try_get("helpful")?),
            not_helpful: count(row.try_get("not_helpful")?),
        })
    }

    /// Runs an upsert of a vote whose values come from `SELECT … FROM
    /// answers WHERE id = $1` (no row is written for an unknown answer),
    /// then reads the answer's tally, in the group commit.
    async fn upsert_vote<V: Value<DB> + Clone + 'static>(
        &self,
        sql: &'static str,
        answer: AnswerId,
        user_id: &str,
        value: V,
    ) -> Result<Tally, StoreError> {
        let user_id = user_id.to_owned();
        let now = self.clock.now();
        self.writer
            .write(move |conn| {
                let (user_id, value) = (user_id.clone(), value.clone());
                Box::pin(async move {
                    let result = sqlx::query(sql)
                        .bind(answer)
                        .bind(user_id)
                        .bind(value)
                        .bind(now)
                        .execute(&mut *conn)
                        .await?;
                    if DB::rows_affected(&result) == 0 {
                        return Err(StoreError::NoSuchAnswer(answer));
                    }
                    Self::tally_on(conn, answer).await
                })
            })
            .await
    }

    /// Runs one statement in the group commit, for its effect alone.
    async fn write_statement(
        &self,
        sql: &'static str,
        bind: impl for<'c> Fn(
                sqlx::query::Query<'c, DB, DB::Arguments<'c>>,
            ) -> sqlx::query::Query<'c, DB, DB::Arguments<'c>>
            + Send
            + 'static,
    ) -> Result<DB::QueryResult, StoreError> {
        self.writer
            .write(move |conn| {
                let query = bind(sqlx::query(sql));
                Box::pin(async move { Ok(query.execute(&mut *conn).await?) })
            })
            .await
    }

    /// Links answers to their messages: several in one statement, and
    /// one by one only if that fails, so that a link that cannot be
    /// written fails alone.
    async fn write_links(&self, links: Vec<(AnswerId, String)>) -> Vec<Result<(), StoreError>> {
        if links.len() > 1 {
            let rows: Vec<String> = (0..links.len())
                .map(|row| format!("(${}, ${})", 2 * row + 1, 2 * row + 2))
                .collect();
            let sql = format!(
                "UPDATE answers SET message_id = v.column2 FROM (VALUES {}) AS v \
                 WHERE answers.id = v.column1",
                rows.join(", ")
            );
            let all = links.clone();
            let written = self
                .writer
                .write(move |conn| {
                    let (sql, all) = (sql.clone(), all.clone());
                    Box::pin(async move {
                        // Not kept prepared: each number of rows is a
                        // statement of its own.
                        let mut query = sqlx::query(&sql).persistent(false);
                        for (answer, message_id) in all {
                            query = query.bind(answer).bind(message_id);
                        }
                        query.execute(&mut *conn).await?;
                        Ok(())
                    })
                })
                .await;
            if written.is_ok() {
                return links.iter().map(|_| Ok(())).collect();
            }
        }
        let each = links.into_iter().map(|(answer, message_id)| {
            let write = self.write_statement(
                "UPDATE answers SET message_id = $1 WHERE id = $2",
                move |query| query.bind(message_id.clone()).bind(answer),
            );
            async move { write.await.map(drop) }
        });
        futures_util::future::join_all(each).await
    }

    /// The stats, read on `conn` (a snapshot transaction).
    async fn stats_on(conn: &mut DB::Connection, guild: Option<&str>) -> Result<Stats, StoreError> {
        let entries = Self::entry_stats_on(&mut *conn, guild).await?;
        let sql = format!(
            "SELECT (SELECT COUNT(*) FROM answers WHERE {OF_GUILD}) AS answers, \
             (SELECT COUNT(*) FROM unanswered WHERE {OF_GUILD}) AS unanswered, \
             (SELECT COUNT(*) FROM unanswered WHERE escalated AND {OF_GUILD}) AS escalated"
        );
        let totals = sqlx::query(&sql)
            .bind(guild.map(str::to_owned))
            .fetch_one(&mut *conn)
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

    async fn entry_stats_on(
        conn: &mut DB::Connection,
        guild: Option<&str>,
    ) -> Result<Vec<EntryStats>, StoreError> {
        let rows = sqlx::query(ENTRY_STATS)
            .bind(guild.map(str::to_owned))
            .fetch_all(&mut *conn)
            .await?;
        rows.iter()
            .map(|row| {
                Ok::<_, StoreError>(EntryStats {
                    entry: row.try_get("entry")?,
                    shown: count(row.try_get("shown")?),
                    helpful: count(row.try_get("helpful")?),
                    not_helpful: count(row.try_get("not_helpful")?),
                    asker_helpful: count(row.try_get("asker_helpful")?),
                    asker_not_helpful: count(row.try_get("asker_not_helpful")?),
                })
            })
            .collect()
    }

    /// Rows of `table` per day since `since` (Unix seconds), of one server
    /// or all: (day, count) pairs.
    async fn count_per_day(
        conn: &mut DB::Connection,
        table: &str,
        guild: Option<&str>,
        since: i64,
    ) -> Result<Vec<(i64, u64)>, StoreError> {
        let sql = format!(
            "SELECT created_at / {SECONDS_PER_DAY} AS day, COUNT(*) AS questions FROM {table} \
             WHERE {OF_GUILD} AND created_at >= $2 GROUP BY created_at / {SECONDS_PER_DAY}"
        );
        let rows = sqlx::query(&sql)
            .bind(guild.map(str::to_owned))
            .bind(since)
            .fetch_all(&mut *conn)
            .await?;
        rows.iter()
            .map(|row| Ok((row.try_get("day")?, count(row.try_get("questions")?))))
            .collect()
    }

    /// Begins a transaction whose reads all see one snapshot.
    async fn begin_snapshot(&self) -> Result<sqlx::Transaction<'static, DB>, StoreError> {
        let mut tx = self.pool.begin().await?;
        if let Some(statement) = DB::SNAPSHOT {
            sqlx::query(statement).execute(&mut *tx).await?;
        }
        Ok(tx)
    }

    fn answer_from_row(row: &DB::Row, created: bool) -> Result<AnswerRecord, StoreError> {
        Ok(AnswerRecord {
            id: row.try_get("id")?,
            kind: AnswerKind::parse(&row.try_get::<String, _>("kind")?),
            entry: row.try_get("entry")?,
            question: row.try_get("question")?,
            confidence: row.try_get::<f64, _>("confidence")? as f32,
            user_id: row.try_get("user_id")?,
            guild_id: row.try_get("guild_id")?,
            channel_id: row.try_get("channel_id")?,
            message_id: row.try_get("message_id")?,
            language: language_from_row(row)?,
            created,
        })
    }

    fn unanswered_from_row(row: &DB::Row, created: bool) -> Result<UnansweredRecord, StoreError> {
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

    fn learned_from_row(row: &DB::Row) -> Result<LearnedExample, StoreError> {
        Ok(LearnedExample {
            id: row.try_get("id")?,
            text: row.try_get("text")?,
            normalized: row.try_get("normalized")?,
            entry: row.try_get("entry")?,
            taught_by: row.try_get("taught_by")?,
            taught_at: row.try_get("taught_at")?,
            guild_id: row.try_get("guild_id")?,
        })
    }

    fn session_from_row(row: &DB::Row) -> Result<DialogueSession, StoreError> {
        Ok(DialogueSession {
            id: row.try_get("id")?,
            dialogue: row.try_get("dialogue")?,
            user_id: row.try_get("user_id")?,
            guild_id: row.try_get("guild_id")?,
            channel_id: row.try_get("channel_id")?,
            state: row.try_get("state")?,
            finished: row.try_get("finished")?,
            result_answer_id: row.try_get("result_answer_id")?,
            language: language_from_row(row)?,
        })
    }
}

#[async_trait]
impl<DB> Store for SqlStore<DB>
where
    DB: Dialect,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    for<'a> &'a str: ColumnIndex<DB::Row> + Encode<'a, DB> + Type<DB>,
    i64: Value<DB>,
    f64: Value<DB>,
    bool: Value<DB>,
    String: Value<DB>,
    Option<i64>: Value<DB>,
    Option<String>: Value<DB>,
    AnswerId: Value<DB>,
    SessionId: Value<DB>,
    Option<AnswerId>: Value<DB>,
{
    async fn record_answer(&self, answer: NewAnswer) -> Result<AnswerRecord, StoreError> {
        let now = self.clock.now();
        let write = self.writer.write(move |conn| {
            let answer = answer.clone();
            Box::pin(async move {
                let Origin {
                    front_end,
                    guild_id,
                    channel_id,
                    user_id,
                    source_message_id,
                    language,
                } = answer.origin;
                let sql = format!(
                    "INSERT INTO answers (kind, entry, question, confidence, origin, guild_id, \
                 channel_id, user_id, source_message_id, created_at, language) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
                 ON CONFLICT (source_message_id) DO NOTHING RETURNING {ANSWER_COLUMNS}"
                );
                let inserted = sqlx::query(&sql)
                    .bind(answer.kind.as_str())
                    .bind(answer.entry)
                    .bind(answer.question)
                    .bind(f64::from(answer.confidence))
                    .bind(front_end)
                    .bind(guild_id)
                    .bind(channel_id)
                    .bind(user_id)
                    .bind(source_message_id.clone())
                    .bind(now)
                    .bind(language.code())
                    .fetch_optional(&mut *conn)
                    .await?;
                Self::remember_thread_on(conn, answer.thread, now).await?;
                // Not inserted: the source message was answered before, maybe
                // by another process a moment ago; its answer is committed.
                match (inserted, source_message_id) {
                    (Some(row), _) => Self::answer_from_row(&row, true),
                    (None, Some(source)) => {
                        Self::answer_where_on(conn, "source_message_id", source)
                            .await?
                            .ok_or(StoreError::Database(sqlx::Error::RowNotFound))
                    }
                    (None, None) => Err(StoreError::Database(sqlx::Error::RowNotFound)),
                }
            })
        });
        timed("record_answer", write).await
    }

    async fn attach_message(&self, answer: AnswerId, message_id: &str) -> Result<(), StoreError> {
        let link = (answer, message_id.to_owned());
        let write = self.links.write(link, |links| self.write_links(links));
        timed("attach_message", write).await
    }

    async fn answer(&self, id: AnswerId) -> Result<Option<AnswerRecord>, StoreError> {
        timed("answer", self.answer_where("id", id)).await
    }

    async fn answer_for_source(
        &self,
        source_message_id: &str,
    ) -> Result<Option<AnswerRecord>, StoreError> {
        timed(
            "answer_for_source",
            self.answer_where("source_message_id", source_message_id.to_owned()),
        )
        .await
    }

    async fn record_vote(
        &self,
        answer: AnswerId,
        user_id: &str,
        helpful: bool,
    ) -> Result<Tally, StoreError> {
        // A changed vote drops the comment that explained the old one.
        let sql = "INSERT INTO votes (answer_id, user_id, helpful, comment, updated_at) \
             SELECT id, $2, $3, NULL, $4 FROM answers WHERE id = $1 \
             ON CONFLICT (answer_id, user_id) DO UPDATE SET \
             comment = CASE WHEN votes.helpful = excluded.helpful THEN votes.comment END, \
             helpful = excluded.helpful, updated_at = excluded.updated_at";
        timed(
            "record_vote",
            self.upsert_vote(sql, answer, user_id, helpful),
        )
        .await
    }

    async fn record_comment(
        &self,
        answer: AnswerId,
        user_id: &str,
        comment: &str,
    ) -> Result<Tally, StoreError> {
        let sql = "INSERT INTO votes (answer_id, user_id, helpful, comment, updated_at) \
             SELECT id, $2, FALSE, $3, $4 FROM answers WHERE id = $1 \
             ON CONFLICT (answer_id, user_id) DO UPDATE SET \
             comment = excluded.comment, updated_at = excluded.updated_at";
        timed(
            "record_comment",
            self.upsert_vote(sql, answer, user_id, comment.to_owned()),
        )
        .await
    }

    async fn tally(&self, answer: AnswerId) -> Result<Tally, StoreError> {
        timed("tally", self.tally_of(answer)).await
    }

    async fn record_unanswered(
        &self,
        question: NewUnanswered,
    ) -> Result<UnansweredRecord, StoreError> {
        let now = self.clock.now();
        let write = self.writer.write(move |conn| {
            let question = question.clone();
            Box::pin(async move {
                let origin = question.origin;
                let sql = format!(
                    "INSERT INTO unanswered (question, confidence, origin, guild_id, channel_id, \
                 user_id, source_message_id, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                 ON CONFLICT (source_message_id) DO NOTHING RETURNING {UNANSWERED_COLUMNS}"
                );
                let inserted = sqlx::query(&sql)
                    .bind(question.question)
                    .bind(f64::from(question.confidence))
                    .bind(origin.front_end)
                    .bind(origin.guild_id)
                    .bind(origin.channel_id)
                    .bind(origin.user_id)
                    .bind(origin.source_message_id.clone())
                    .bind(now)
                    .fetch_optional(&mut *conn)
                    .await?;
                Self::remember_thread_on(conn, question.thread, now).await?;
                if let Some(row) = inserted {
                    return Self::unanswered_from_row(&row, true);
                }
                let sql = format!(
                    "SELECT {UNANSWERED_COLUMNS} FROM unanswered WHERE source_message_id = $1"
                );
                let row = sqlx::query(&sql)
                    .bind(origin.source_message_id)
                    .fetch_one(&mut *conn)
                    .await?;
                Self::unanswered_from_row(&row, false)
            })
        });
        timed("record_unanswered", write).await
    }

    async fn mark_escalated(&self, unanswered_id: i64) -> Result<(), StoreError> {
        let write = self.write_statement(
            "UPDATE unanswered SET escalated = TRUE WHERE id = $1",
            move |query| query.bind(unanswered_id),
        );
        timed("mark_escalated", async move { write.await.map(drop) }).await
    }

    async fn recent_unanswered(
        &self,
        guild: Option<&str>,
        limit: u32,
    ) -> Result<Vec<UnansweredRecord>, StoreError> {
        timed("recent_unanswered", async move {
            let sql = format!(
                "SELECT {UNANSWERED_COLUMNS} FROM unanswered WHERE {OF_GUILD} \
                 ORDER BY created_at DESC, id DESC LIMIT $2"
            );
            let rows = sqlx::query(&sql)
                .bind(guild.map(str::to_owned))
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await?;
            rows.iter()
                .map(|row| Self::unanswered_from_row(row, false))
                .collect()
        })
        .await
    }

    async fn stats(&self, guild: Option<&str>) -> Result<Stats, StoreError> {
        timed("stats", async move {
            let mut tx = self.begin_snapshot().await?;
            let stats = Self::stats_on(&mut tx, guild).await?;
            tx.commit().await?;
            Ok(stats)
        })
        .await
    }

    async fn create_dialogue(
        &self,
        dialogue: &str,
        origin: &Origin,
        state: &str,
    ) -> Result<DialogueSession, StoreError> {
        let (dialogue, origin, state) = (dialogue.to_owned(), origin.clone(), state.to_owned());
        let now = self.clock.now();
        let write = self.writer.write(move |conn| {
            let (dialogue, origin, state) = (dialogue.clone(), origin.clone(), state.clone());
            Box::pin(async move {
                let sql = format!(
                "INSERT INTO dialogue_sessions (dialogue, user_id, origin, guild_id, channel_id, \
                 state, created_at, updated_at, language) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8) \
                 RETURNING {SESSION_COLUMNS}"
            );
                let row = sqlx::query(&sql)
                    .bind(dialogue)
                    .bind(origin.user_id)
                    .bind(origin.front_end)
                    .bind(origin.guild_id)
                    .bind(origin.channel_id)
                    .bind(state)
                    .bind(now)
                    .bind(origin.language.code())
                    .fetch_one(&mut *conn)
                    .await?;
                Self::session_from_row(&row)
            })
        });
        timed("create_dialogue", write).await
    }

    async fn dialogue_session(&self, id: SessionId) -> Result<Option<DialogueSession>, StoreError> {
        timed("dialogue_session", async move {
            let sql = format!("SELECT {SESSION_COLUMNS} FROM dialogue_sessions WHERE id = $1");
            let row = sqlx::query(&sql)
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
            row.map(|row| Self::session_from_row(&row)).transpose()
        })
        .await
    }

    async fn update_dialogue(
        &self,
        id: SessionId,
        state: &str,
        finished: bool,
        result_answer_id: Option<AnswerId>,
    ) -> Result<(), StoreError> {
        let state = state.to_owned();
        let now = self.clock.now();
        let write = self.write_statement(
            "UPDATE dialogue_sessions SET state = $1, finished = $2, result_answer_id = $3, \
             updated_at = $4 WHERE id = $5",
            move |query| {
                query
                    .bind(state.clone())
                    .bind(finished)
                    .bind(result_answer_id)
                    .bind(now)
                    .bind(id)
            },
        );
        timed("update_dialogue", async move { write.await.map(drop) }).await
    }

    async fn questions_per_day(
        &self,
        guild: Option<&str>,
        days: u32,
    ) -> Result<Vec<DailyQuestions>, StoreError> {
        timed("questions_per_day", async move {
            let today = self.clock.now().div_euclid(SECONDS_PER_DAY);
            let first = today - i64::from(days) + 1;
            let mut tx = self.begin_snapshot().await?;
            let since = first * SECONDS_PER_DAY;
            let answered = Self::count_per_day(&mut tx, "answers", guild, since).await?;
            let unanswered = Self::count_per_day(&mut tx, "unanswered", guild, since).await?;
            tx.commit().await?;
            let on = |rows: &[(i64, u64)], day| {
                rows.iter().filter(|(d, _)| *d == day).map(|(_, n)| n).sum()
            };
            Ok((first..=today)
                .map(|day| DailyQuestions {
                    day,
                    answered: on(&answered, day),
                    unanswered: on(&unanswered, day),
                })
                .collect())
        })
        .await
    }

    async fn claim_staff_post(&self, post: &NewStaffPost) -> Result<Option<i64>, StoreError> {
        let post = post.clone();
        let now = self.clock.now();
        let write = self.writer.write(move |conn| {
            let post = post.clone();
            Box::pin(async move {
                let row = sqlx::query(
                    "INSERT INTO staff_posts (subject, user_id, guild_id, thread_id, created_at) \
                     VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING id",
                )
                .bind(post.subject)
                .bind(post.user_id)
                .bind(post.guild_id)
                .bind(post.thread_id)
                .bind(now)
                .fetch_optional(&mut *conn)
                .await?;
                row.map(|row| row.try_get("id"))
                    .transpose()
                    .map_err(Into::into)
            })
        });
        timed("claim_staff_post", write).await
    }

    async fn attach_staff_post(
        &self,
        id: i64,
        channel_id: &str,
        message_id: &str,
    ) -> Result<(), StoreError> {
        let (channel_id, message_id) = (channel_id.to_owned(), message_id.to_owned());
        let write = self.write_statement(
            "UPDATE staff_posts SET channel_id = $2, message_id = $3 WHERE id = $1",
            move |query| {
                query
                    .bind(id)
                    .bind(channel_id.clone())
                    .bind(message_id.clone())
            },
        );
        timed("attach_staff_post", async move { write.await.map(drop) }).await
    }

    async fn release_staff_post(&self, id: i64) -> Result<(), StoreError> {
        let write = self.write_statement("DELETE FROM staff_posts WHERE id = $1", move |query| {
            query.bind(id)
        });
        timed("release_staff_post", async move { write.await.map(drop) }).await
    }

    async fn staff_post(&self, id: i64) -> Result<Option<StaffPostRecord>, StoreError> {
        timed("staff_post", async move {
            let sql = format!("SELECT {STAFF_POST_COLUMNS} FROM staff_posts WHERE id = $1");
            let row = sqlx::query(&sql)
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
            row.map(|row| {
                Ok::<_, StoreError>(StaffPostRecord {
                    id: row.try_get("id")?,
                    subject: row.try_get("subject")?,
                    user_id: row.try_get("user_id")?,
                    guild_id: row.try_get("guild_id")?,
                    channel_id: row.try_get("channel_id")?,
                    message_id: row.try_get("message_id")?,
                    thread_id: row.try_get("thread_id")?,
                })
            })
            .transpose()
        })
        .await
    }

    async fn unanswered(&self, id: i64) -> Result<Option<UnansweredRecord>, StoreError> {
        timed("unanswered", async move {
            let sql = format!("SELECT {UNANSWERED_COLUMNS} FROM unanswered WHERE id = $1");
            let row = sqlx::query(&sql)
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
            row.map(|row| Self::unanswered_from_row(&row, false))
                .transpose()
        })
        .await
    }

    async fn comment(&self, answer: AnswerId, user_id: &str) -> Result<Option<String>, StoreError> {
        timed("comment", async move {
            let row =
                sqlx::query("SELECT comment FROM votes WHERE answer_id = $1 AND user_id = $2")
                    .bind(answer)
                    .bind(user_id.to_owned())
                    .fetch_optional(&self.pool)
                    .await?;
            Ok(row
                .map(|row| row.try_get::<Option<String>, _>("comment"))
                .transpose()?
                .flatten())
        })
        .await
    }

    async fn learn_example(
        &self,
        example: &NewLearnedExample,
    ) -> Result<(LearnedExample, bool), StoreError> {
        timed("learn_example", async move {
            let sql = format!(
                "INSERT INTO learned_examples \
                 (text, normalized, entry, taught_by, taught_at, guild_id, asked_by) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) \
                 ON CONFLICT (normalized) DO NOTHING RETURNING {LEARNED_COLUMNS}"
            );
            let inserted = sqlx::query(&sql)
                .bind(example.text.clone())
                .bind(example.normalized.clone())
                .bind(example.entry.clone())
                .bind(example.taught_by.clone())
                .bind(self.clock.now())
                .bind(example.guild_id.clone())
                .bind(example.asked_by.clone())
                .fetch_optional(&self.pool)
                .await?;
            if let Some(row) = inserted {
                return Ok((Self::learned_from_row(&row)?, true));
            }
            let sql =
                format!("SELECT {LEARNED_COLUMNS} FROM learned_examples WHERE normalized = $1");
            let row = sqlx::query(&sql)
                .bind(example.normalized.clone())
                .fetch_one(&self.pool)
                .await?;
            Ok((Self::learned_from_row(&row)?, false))
        })
        .await
    }

    async fn learned_examples(
        &self,
        guild: Option<&str>,
    ) -> Result<Vec<LearnedExample>, StoreError> {
        timed("learned_examples", async move {
            let sql = format!(
                "SELECT {LEARNED_COLUMNS} FROM learned_examples WHERE {OF_GUILD} ORDER BY id"
            );
            let rows = sqlx::query(&sql)
                .bind(guild.map(str::to_owned))
                .fetch_all(&self.pool)
                .await?;
            rows.iter().map(Self::learned_from_row).collect()
        })
        .await
    }

    async fn unlearn_example(
        &self,
        id: i64,
        guild: Option<&str>,
    ) -> Result<Option<LearnedExample>, StoreError> {
        timed("unlearn_example", async move {
            let sql = format!(
                "DELETE FROM learned_examples WHERE id = $2 AND {OF_GUILD} \
                 RETURNING {LEARNED_COLUMNS}"
            );
            let row = sqlx::query(&sql)
                .bind(guild.map(str::to_owned))
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
            row.map(|row| Self::learned_from_row(&row)).transpose()
        })
        .await
    }

    async fn learned_marker(&self) -> Result<LearnedMarker, StoreError> {
        timed("learned_marker", async move {
            let row = sqlx::query(
                "SELECT COALESCE(MAX(id), 0) AS max_id, COUNT(*) AS count FROM learned_examples",
            )
            .fetch_one(&self.pool)
            .await?;
            Ok(LearnedMarker {
                max_id: row.try_get("max_id")?,
                count: row.try_get("count")?,
            })
        })
        .await
    }

    async fn prune(
        &self,
        interactions_before: i64,
        dialogues_before: i64,
    ) -> Result<PruneReport, StoreError> {
        timed("prune", async move {
            let interactions = sqlx::query("DELETE FROM interactions WHERE created_at < $1")
                .bind(interactions_before)
                .execute(&self.pool)
                .await?;
            let dialogues = sqlx::query("DELETE FROM dialogue_sessions WHERE updated_at < $1")
                .bind(dialogues_before)
                .execute(&self.pool)
                .await?;
            Ok(PruneReport {
                interactions: DB::rows_affected(&interactions),
                dialogues: DB::rows_affected(&dialogues),
            })
        })
        .await
    }

    async fn ping(&self) -> Result<(), StoreError> {
        timed("ping", async move {
            sqlx::query("SELECT 1").execute(&self.pool).await?;
            Ok(())
        })
        .await
    }

    async fn close(&self) {
        // The writes queued are committed (and their callers answered)
        // before the pool closes.
        self.writer.close().await;
        self.pool.close().await;
    }

    async fn forget_user(&self, user_id: &str) -> Result<ForgetReport, StoreError> {
        timed("forget_user", async move {
            let mut tx = self.pool.begin().await?;
            let votes = sqlx::query("DELETE FROM votes WHERE user_id = $1")
                .bind(user_id.to_owned())
                .execute(&mut *tx)
                .await?;
            let mut questions = 0;
            for table in ["answers", "unanswered"] {
                let sql =
                    format!("UPDATE {table} SET question = NULL, user_id = $1 WHERE user_id = $2");
                let erased = sqlx::query(&sql)
                    .bind(FORGOTTEN_USER.to_owned())
                    .bind(user_id.to_owned())
                    .execute(&mut *tx)
                    .await?;
                questions += DB::rows_affected(&erased);
            }
            let dialogues = sqlx::query("DELETE FROM dialogue_sessions WHERE user_id = $1")
                .bind(user_id.to_owned())
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM learned_examples WHERE asked_by = $1")
                .bind(user_id.to_owned())
                .execute(&mut *tx)
                .await?;
            let mut staff_posts: Vec<(String, String)> = sqlx::query(
                "DELETE FROM staff_posts WHERE user_id = $1 RETURNING channel_id, message_id",
            )
            .bind(user_id.to_owned())
            .fetch_all(&mut *tx)
            .await?
            .iter()
            .filter_map(|row| {
                let channel: Option<String> = row.try_get("channel_id").ok()?;
                let message: Option<String> = row.try_get("message_id").ok()?;
                Some((channel?, message?))
            })
            .collect();
            staff_posts.sort();
            // Threads started from a message are named after its question;
            // a forum post's thread was named by its author.
            let named_threads = sqlx::query(
                "SELECT thread_id FROM threads WHERE asker_id = $1 AND forum_id IS NULL \
                 ORDER BY thread_id",
            )
            .bind(user_id.to_owned())
            .fetch_all(&mut *tx)
            .await?
            .iter()
            .map(|row| row.try_get("thread_id"))
            .collect::<Result<_, _>>()?;
            let threads = sqlx::query("UPDATE threads SET asker_id = $1 WHERE asker_id = $2")
                .bind(FORGOTTEN_USER.to_owned())
                .bind(user_id.to_owned())
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(ForgetReport {
                votes: DB::rows_affected(&votes),
                questions,
                dialogues: DB::rows_affected(&dialogues),
                threads: DB::rows_affected(&threads),
                traces: Traces {
                    staff_posts,
                    named_threads,
                },
            })
        })
        .await
    }

    async fn purge_texts_before(&self, cutoff: i64) -> Result<PurgeReport, StoreError> {
        timed("purge_texts_before", async move {
            // `IS NOT NULL` makes a rerun change (and count) nothing, and
            // matches the partial indexes the purge reads.
            let mut erased = [0; 3];
            let mut tx = self.pool.begin().await?;
            for (sql, erased) in [
                "UPDATE answers SET question = NULL WHERE created_at < $1 AND question IS NOT NULL",
                "UPDATE votes SET comment = NULL WHERE updated_at < $1 AND comment IS NOT NULL",
                "UPDATE unanswered SET question = NULL \
                 WHERE created_at < $1 AND question IS NOT NULL",
            ]
            .into_iter()
            .zip(&mut erased)
            {
                let result = sqlx::query(sql).bind(cutoff).execute(&mut *tx).await?;
                *erased = DB::rows_affected(&result);
            }
            tx.commit().await?;
            let [answers, comments, unanswered] = erased;
            Ok(PurgeReport {
                answers,
                comments,
                unanswered,
            })
        })
        .await
    }

    async fn export(&self) -> Result<Export, StoreError> {
        timed("export", async move {
            let mut tx = self.begin_snapshot().await?;
            let entries = Self::entry_stats_on(&mut tx, None).await?;
            let votes = sqlx::query(
                "SELECT v.answer_id AS answer_id, a.entry AS entry, v.helpful AS helpful, \
                 v.comment AS comment, v.updated_at AS voted_at, v.user_id AS user_id \
                 FROM votes v JOIN answers a ON a.id = v.answer_id \
                 ORDER BY v.answer_id, v.user_id",
            )
            .fetch_all(&mut *tx)
            .await?
            .iter()
            .map(|row| {
                Ok(ExportedVote {
                    answer_id: row.try_get("answer_id")?,
                    entry: row.try_get("entry")?,
                    helpful: row.try_get("helpful")?,
                    comment: row.try_get("comment")?,
                    voted_at: row.try_get("voted_at")?,
                    user_id: row.try_get("user_id")?,
                })
            })
            .collect::<Result<_, StoreError>>()?;
            let sql =
                format!("SELECT {UNANSWERED_COLUMNS} FROM unanswered ORDER BY created_at, id");
            let unanswered = sqlx::query(&sql)
                .fetch_all(&mut *tx)
                .await?
                .iter()
                .map(|row| Self::unanswered_from_row(row, false))
                .collect::<Result<_, _>>()?;
            tx.commit().await?;
            Ok(Export {
                entries,
                votes,
                unanswered,
            })
        })
        .await
    }
}

/// The `language` column of a row. A code this build does not know (a
/// newer release's, on a shared database) reads as the primary language
/// rather than failing the row.
fn language_from_row<R>(row: &R) -> Result<Language, StoreError>
where
    R: Row,
    for<'a> &'a str: ColumnIndex<R>,
    String: Value<R::Database>,
{
    let code: String = row.try_get("language")?;
    Ok(code.parse().unwrap_or(Language::PRIMARY))
}

/// Counts come back as i64 and are never negative.
fn count(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

/// The Discord front end's bookkeeping, in the same database.
#[async_trait]
impl<DB> Ledger for SqlStore<DB>
where
    DB: Dialect,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    for<'a> &'a str: ColumnIndex<DB::Row> + Encode<'a, DB> + Type<DB>,
    i64: Value<DB>,
    f64: Value<DB>,
    bool: Value<DB>,
    String: Value<DB>,
    Option<i64>: Value<DB>,
    Option<String>: Value<DB>,
    AnswerId: Value<DB>,
    SessionId: Value<DB>,
    Option<AnswerId>: Value<DB>,
{
    async fn record_thread(&self, thread: &ThreadRecord) -> Result<(), StoreError> {
        let thread = thread.clone();
        let now = self.clock.now();
        let write = self
            .writer
            .write(move |conn| Box::pin(Self::remember_thread_on(conn, Some(thread.clone()), now)));
        timed("record_thread", write).await
    }

    async fn thread(&self, thread_id: &str) -> Result<Option<ThreadRecord>, StoreError> {
        timed("thread", async move {
            let row = sqlx::query(
                "SELECT thread_id, asker_id, forum_id, language FROM threads WHERE thread_id = $1",
            )
            .bind(thread_id)
            .fetch_optional(&self.pool)
            .await?;
            row.map(|row| {
                Ok::<_, StoreError>(ThreadRecord {
                    thread_id: row.try_get("thread_id")?,
                    asker_id: row.try_get("asker_id")?,
                    forum_id: row.try_get("forum_id")?,
                    language: language_from_row(&row)?,
                })
            })
            .transpose()
        })
        .await
    }

    async fn claim_interaction(&self, interaction_id: &str) -> Result<bool, StoreError> {
        let interaction_id = interaction_id.to_owned();
        let now = self.clock.now();
        let write = self.write_statement(
            "INSERT INTO interactions (id, created_at) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            move |query| query.bind(interaction_id.clone()).bind(now),
        );
        timed("claim_interaction", async move {
            Ok(DB::rows_affected(&write.await?) == 1)
        })
        .await
    }
}
