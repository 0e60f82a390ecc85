//! Group commit: one writer task commits the writes of everything in
//! flight together, in one transaction (and so one fsync), on either
//! backend.
//!
//! A write is a closure over a connection. [`GroupCommit::write`] queues
//! it and waits; the writer takes the first write queued and whatever else
//! is queued behind it (up to [`MAX_BATCH`]), and runs them on one pooled
//! connection, in one transaction:
//!
//! ```sql
//! BEGIN; <write 1>; <write 2>; …; <last write>; COMMIT;
//! ```
//!
//! A round trip to the database is what a write costs most, on
//! PostgreSQL, and on SQLite a hand-off to its worker thread, so nothing
//! is sent between the writes. If one of them fails (rare: the writes
//! settle conflicts with `ON CONFLICT`), the transaction is rolled back
//! and the batch is run again, each write behind a savepoint so that a
//! failure is undone alone and does not abort the others (PostgreSQL would
//! otherwise refuse every later statement of the transaction):
//!
//! ```sql
//! BEGIN; SAVEPOINT w;
//!   <write 1>; RELEASE SAVEPOINT w; SAVEPOINT w;   -- it succeeded
//!   <write 2>; ROLLBACK TO SAVEPOINT w;            -- it failed: undone alone
//!   …
//!   <last write>;                                  -- it succeeded
//! COMMIT;
//! ```
//!
//! A write is therefore a closure that can run twice; its first run was
//! rolled back whole before the second. A write alone in its batch (most
//! of them, unless the bot is busy) needs neither: a failure rolls back
//! the transaction, which holds nothing else.
//!
//! Each write's caller gets its result only once `COMMIT` has returned:
//! what it then acknowledges to a person is on disk. If the transaction
//! itself fails (`BEGIN`, a savepoint, or `COMMIT`), every write of the
//! batch gets the error and none of them is acknowledged.
//!
//! A write that panics is treated as one that failed: rolled back alone,
//! its caller told, the writer still running.
//!
//! The connection is taken from the pool per batch, not held: an in-memory
//! SQLite database has a single connection, which reads share.

use std::any::Any;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use futures_util::FutureExt;
use sqlx::{Database, Executor, Pool};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use crate::operations::metric;

use super::StoreError;

/// The most writes committed in one transaction.
pub const MAX_BATCH: usize = 128;

/// A boxed, sendable future borrowing for `'a`.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

type Output = Box<dyn Any + Send>;

type Work<DB> = Box<
    dyn for<'c> Fn(
            &'c mut <DB as Database>::Connection,
        ) -> BoxFuture<'c, Result<Output, StoreError>>
        + Send,
>;

/// One queued write and where its result goes.
struct Op<DB: Database> {
    work: Work<DB>,
    reply: Reply,
}

/// How many transactions the writer committed, and how many writes they
/// held: for tests and diagnostics (the same is in the
/// `helpdesk_store_commit_batch_size` histogram).
#[derive(Debug, Default)]
pub struct CommitCounts {
    commits: AtomicU64,
    writes: AtomicU64,
    reruns: AtomicU64,
}

impl CommitCounts {
    /// Transactions committed.
    pub fn commits(&self) -> u64 {
        self.commits.load(Ordering::Relaxed)
    }

    /// Writes in the transactions committed (those that failed alone
    /// included).
    pub fn writes(&self) -> u64 {
        self.writes.load(Ordering::Relaxed)
    }

    /// Batches run again write by write, because one of their writes
    /// failed.
    pub fn reruns(&self) -> u64 {
        self.reruns.load(Ordering::Relaxed)
    }
}

/// The writer of one store: its queue and its task.
pub(super) struct GroupCommit<DB: Database> {
    queue: Mutex<Option<mpsc::UnboundedSender<Op<DB>>>>,
    task: tokio::sync::Mutex<Option<JoinHandle<()>>>,
    counts: Arc<CommitCounts>,
}

impl<DB: Database> std::fmt::Debug for GroupCommit<DB> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GroupCommit")
            .field("counts", &self.counts)
            .finish_non_exhaustive()
    }
}

/// Keeps a closure's signature higher-ranked over the connection's
/// lifetime.
fn work<C: ?Sized, F>(work: F) -> F
where
    F: for<'c> Fn(&'c mut C) -> BoxFuture<'c, Result<Output, StoreError>>,
{
    work
}

impl<DB: Database> GroupCommit<DB>
where
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
{
    /// The writer on `pool`, and its task, for the caller to spawn
    /// (where the backend is known: that the task is `Send` is proven for
    /// each backend, not for every one) and hand back to [`Self::started`].
    pub(super) fn new(pool: Pool<DB>) -> (Self, impl Future<Output = ()> + 'static) {
        let (sender, receiver) = mpsc::unbounded_channel();
        let counts = Arc::new(CommitCounts::default());
        let writer = Self {
            queue: Mutex::new(Some(sender)),
            task: tokio::sync::Mutex::new(None),
            counts: counts.clone(),
        };
        (writer, run(pool, receiver, counts))
    }

    /// Keeps the writer's spawned task, for [`Self::close`] to wait on.
    pub(super) fn started(&self, task: JoinHandle<()>) {
        if let Ok(mut slot) = self.task.try_lock() {
            *slot = Some(task);
        }
    }

    pub(super) fn counts(&self) -> Arc<CommitCounts> {
        self.counts.clone()
    }

    /// Runs `work` in the next group commit; its result once that
    /// committed. `work` may run twice (see the module's documentation):
    /// it clones what its statements take.
    pub(super) async fn write<T, F>(&self, work_on: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: for<'c> Fn(&'c mut DB::Connection) -> BoxFuture<'c, Result<T, StoreError>>
            + Send
            + 'static,
    {
        let (reply, result) = oneshot::channel();
        let op = Op {
            work: Box::new(work(move |conn: &mut DB::Connection| {
                let written = work_on(conn);
                Box::pin(async move { written.await.map(|value| Box::new(value) as Output) })
            })),
            reply,
        };
        let sent = match &*self.queue.lock().unwrap_or_else(|e| e.into_inner()) {
            Some(queue) => queue.send(op).is_ok(),
            None => false,
        };
        if !sent {
            return Err(StoreError::Database(sqlx::Error::PoolClosed));
        }
        let output = result
            .await
            .map_err(|_| StoreError::Database(sqlx::Error::PoolClosed))??;
        Ok(*output
            .downcast::<T>()
            .expect("a write's result has the type it was queued with"))
    }

    /// Stops taking writes, and waits until those queued are committed.
    pub(super) async fn close(&self) {
        drop(self.queue.lock().unwrap_or_else(|e| e.into_inner()).take());
        if let Some(task) = self.task.lock().await.take() {
            task.await.ok();
        }
    }
}

/// The writer task: batch after batch until the queue is closed and empty.
async fn run<DB: Database>(
    pool: Pool<DB>,
    mut queue: mpsc::UnboundedReceiver<Op<DB>>,
    counts: Arc<CommitCounts>,
) where
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
{
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while queue.recv_many(&mut batch, MAX_BATCH).await > 0 {
        metrics::histogram!(metric::STORE_COMMIT_BATCH_SIZE).record(batch.len() as f64);
        commit(&pool, std::mem::take(&mut batch), &counts).await;
    }
}

/// Runs one batch in one transaction and hands out the results once it
/// committed.
async fn commit<DB: Database>(pool: &Pool<DB>, ops: Vec<Op<DB>>, counts: &CommitCounts)
where
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
{
    let ops = if ops.len() > 1 {
        match all_at_once(pool, ops).await {
            AllAtOnce::Committed(done) => return committed(done, counts),
            AllAtOnce::Failed(ops, error) => {
                return fail(ops.into_iter().map(|op| op.reply), &error)
            }
            AllAtOnce::AWriteFailed(ops) => {
                counts.reruns.fetch_add(1, Ordering::Relaxed);
                metrics::counter!(metric::STORE_BATCH_RERUNS).increment(1);
                ops
            }
        }
    } else {
        ops
    };
    one_by_one(pool, ops, counts).await
}

/// How running a batch with nothing between its writes went.
enum AllAtOnce<DB: Database> {
    Committed(Vec<(Reply, Result<Output, StoreError>)>),
    /// The transaction failed (`BEGIN` or `COMMIT`): nothing is committed.
    Failed(Vec<Op<DB>>, sqlx::Error),
    /// A write failed, and the transaction was rolled back: the batch is
    /// to be run again, write by write.
    AWriteFailed(Vec<Op<DB>>),
}

type Reply = oneshot::Sender<Result<Output, StoreError>>;

/// Runs every write of a batch in one transaction with no savepoint
/// between them: how a batch goes when none of its writes fails.
async fn all_at_once<DB: Database>(pool: &Pool<DB>, ops: Vec<Op<DB>>) -> AllAtOnce<DB>
where
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
{
    let mut tx = match pool.begin().await {
        Ok(tx) => tx,
        Err(error) => return AllAtOnce::Failed(ops, error),
    };
    let mut outputs = Vec::with_capacity(ops.len());
    for index in 0..ops.len() {
        let written = run_write::<DB>(&ops[index].work, &mut *tx);
        match written.await {
            Ok(output) => outputs.push(output),
            Err(_) => {
                // If the rollback itself fails, the connection is closed,
                // which rolls back too.
                tx.rollback().await.ok();
                return AllAtOnce::AWriteFailed(ops);
            }
        }
    }
    match tx.commit().await {
        Ok(()) => AllAtOnce::Committed(
            ops.into_iter()
                .zip(outputs)
                .map(|(op, output)| (op.reply, Ok(output)))
                .collect(),
        ),
        Err(error) => AllAtOnce::Failed(ops, error),
    }
}

/// Runs one write. One that panics (a bug) fails like one that errs: the
/// writer lives on for everyone else. (The future does not borrow the
/// write, so that a batch's writes need not be `Sync`.)
fn run_write<'c, DB: Database>(
    work: &Work<DB>,
    conn: &'c mut DB::Connection,
) -> BoxFuture<'c, Result<Output, StoreError>> {
    let written = work(conn);
    Box::pin(async move {
        match AssertUnwindSafe(written).catch_unwind().await {
            Ok(result) => result,
            Err(_) => {
                tracing::error!("a write panicked in the group commit; it was rolled back");
                Err(StoreError::Database(sqlx::Error::Protocol(
                    "the write panicked and was rolled back".to_owned(),
                )))
            }
        }
    })
}

/// Runs a batch in one transaction, each write behind a savepoint so that
/// one that fails is undone alone (a write alone needs none: if it fails,
/// the transaction, which holds nothing else, is rolled back).
async fn one_by_one<DB: Database>(pool: &Pool<DB>, ops: Vec<Op<DB>>, counts: &CommitCounts)
where
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
{
    let mut tx = match pool.begin().await {
        Ok(tx) => tx,
        Err(error) => {
            fail(ops.into_iter().map(|op| op.reply), &error);
            return;
        }
    };
    let alone = ops.len() == 1;
    if !alone {
        if let Err(error) = tx.execute("SAVEPOINT w").await {
            fail(ops.into_iter().map(|op| op.reply), &error);
            return;
        }
    }
    let mut done = Vec::with_capacity(ops.len());
    let mut ops = ops.into_iter();
    while let Some(Op { work, reply }) = ops.next() {
        let result = run_write::<DB>(&work, &mut *tx).await;
        if alone && result.is_err() {
            // Nothing of it stays: if the rollback itself fails, the
            // connection is closed, which rolls back too.
            tx.rollback().await.ok();
            reply.send(result).ok();
            return;
        }
        let next = match (result.is_ok(), ops.len()) {
            (true, 0) => None, // the last: COMMIT follows
            (true, _) => Some("RELEASE SAVEPOINT w; SAVEPOINT w"),
            (false, _) => Some("ROLLBACK TO SAVEPOINT w"),
        };
        let moved_on = match next {
            Some(next) => tx.execute(next).await.map(drop),
            None => Ok(()),
        };
        if let Err(error) = moved_on {
            // The transaction is lost (the connection, most likely): none
            // of the batch is committed.
            let replies = done.into_iter().map(|(reply, _)| reply);
            let rest = ops.map(|op| op.reply);
            fail(replies.chain([reply]).chain(rest), &error);
            return;
        }
        done.push((reply, result));
    }
    match tx.commit().await {
        Ok(()) => committed(done, counts),
        Err(error) => fail(done.into_iter().map(|(reply, _)| reply), &error),
    }
}

/// Counts a committed transaction, then hands out its writes' results.
fn committed(done: Vec<(Reply, Result<Output, StoreError>)>, counts: &CommitCounts) {
    // Counted before anyone is answered, so that a caller reads counts
    // that include its own write.
    counts.commits.fetch_add(1, Ordering::Relaxed);
    counts
        .writes
        .fetch_add(done.len() as u64, Ordering::Relaxed);
    for (reply, result) in done {
        // The caller may have stopped waiting; the write stands.
        reply.send(result).ok();
    }
}

/// Tells every write of a batch that it was not committed.
fn fail(replies: impl Iterator<Item = Reply>, error: &sqlx::Error) {
    for reply in replies {
        reply.send(Err(StoreError::Database(copy(error)))).ok();
    }
}

/// The batch's error, for each of its writes (`sqlx::Error` is not
/// `Clone`): the pool's own errors as they are, others as their message.
fn copy(error: &sqlx::Error) -> sqlx::Error {
    match error {
        sqlx::Error::PoolTimedOut => sqlx::Error::PoolTimedOut,
        sqlx::Error::PoolClosed => sqlx::Error::PoolClosed,
        sqlx::Error::WorkerCrashed => sqlx::Error::WorkerCrashed,
        other => sqlx::Error::Protocol(format!("the group commit failed: {other}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::SqliteConnection;

    type Written = Result<(), StoreError>;

    /// Keeps a test write's signature higher-ranked over the connection.
    fn op<F>(work: F) -> F
    where
        F: for<'c> Fn(&'c mut SqliteConnection) -> BoxFuture<'c, Written> + Send + 'static,
    {
        work
    }

    fn insert(
        n: i64,
    ) -> impl for<'c> Fn(&'c mut SqliteConnection) -> BoxFuture<'c, Written> + Send + 'static {
        op(move |conn| {
            Box::pin(async move {
                sqlx::query("INSERT INTO t (n) VALUES ($1)")
                    .bind(n)
                    .execute(&mut *conn)
                    .await?;
                Ok(())
            })
        })
    }

    /// A writer on a fresh in-memory database made by `schema`.
    async fn writer_on(schema: &str) -> (sqlx::SqlitePool, GroupCommit<sqlx::Sqlite>) {
        let pool = sqlx::sqlite::SqlitePoolOptions::new()
            .max_connections(1)
            .connect("sqlite::memory:")
            .await
            .unwrap();
        sqlx::query(schema).execute(&pool).await.unwrap();
        let (writer, task) = GroupCommit::new(pool.clone());
        writer.started(tokio::spawn(task));
        (pool, writer)
    }

    #[tokio::test]
    async fn a_write_alone_that_fails_leaves_nothing_and_the_next_one_commits() {
        let (pool, writer) = writer_on("CREATE TABLE t (n INTEGER CHECK (n < 10))").await;
        // One after the other: each write is alone in its batch.
        writer.write(insert(1)).await.unwrap();
        let half = op(|conn| {
            Box::pin(async move {
                sqlx::query("INSERT INTO t (n) VALUES (2)")
                    .execute(&mut *conn)
                    .await?;
                sqlx::query("INSERT INTO t (n) VALUES (99)")
                    .execute(&mut *conn)
                    .await?;
                Ok(())
            })
        });
        assert!(writer.write(half).await.is_err());
        writer.write(insert(3)).await.unwrap();
        let rows: Vec<i64> = sqlx::query_scalar("SELECT n FROM t ORDER BY n")
            .fetch_all(&pool)
            .await
            .unwrap();
        assert_eq!(rows, [1, 3], "the failed write left nothing");
        assert_eq!(writer.counts().commits(), 2);
        writer.close().await;
    }

    #[tokio::test]
    async fn a_batch_commits_once_and_is_run_again_write_by_write_only_when_a_write_fails() {
        let (pool, writer) = writer_on("CREATE TABLE t (n INTEGER CHECK (n < 10))").await;
        // Queued together before the writer runs: one batch each time.
        let (first, second) = tokio::join!(writer.write(insert(1)), writer.write(insert(2)));
        first.unwrap();
        second.unwrap();
        assert_eq!(writer.counts().commits(), 1);
        assert_eq!(writer.counts().reruns(), 0, "nothing failed: one run");

        let (before, failed, after) = tokio::join!(
            writer.write(insert(3)),
            writer.write(insert(99)),
            writer.write(insert(4))
        );
        assert!(before.is_ok() && after.is_ok(), "{before:?} {after:?}");
        assert!(failed.is_err());
        assert_eq!(writer.counts().commits(), 2);
        assert_eq!(writer.counts().reruns(), 1);
        let rows: Vec<i64> = sqlx::query_scalar("SELECT n FROM t ORDER BY n")
            .fetch_all(&pool)
            .await
            .unwrap();
        // Each write counted once: the first run was rolled back whole.
        assert_eq!(rows, [1, 2, 3, 4]);
        writer.close().await;
    }

    #[tokio::test]
    async fn a_write_that_panics_fails_alone_and_the_writer_lives_on() {
        let (pool, writer) = writer_on("CREATE TABLE t (n INTEGER)").await;
        let panics = op(|conn| {
            Box::pin(async move {
                sqlx::query("INSERT INTO t (n) VALUES (99)")
                    .execute(&mut *conn)
                    .await?;
                panic!("a bug in a write");
            })
        });
        let (first, panicked, last) = tokio::join!(
            writer.write(insert(1)),
            writer.write(panics),
            writer.write(insert(2))
        );
        assert!(first.is_ok() && last.is_ok(), "{first:?} {last:?}");
        assert!(panicked.is_err());
        // Later writes still go through.
        writer.write(insert(3)).await.unwrap();
        let rows: Vec<i64> = sqlx::query_scalar("SELECT n FROM t ORDER BY n")
            .fetch_all(&pool)
            .await
            .unwrap();
        assert_eq!(rows, [1, 2, 3], "the panicking write left nothing");
        writer.close().await;
    }
}
