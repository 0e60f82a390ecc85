//! The embedded SQLite backend: one file, WAL, fully synchronous commits so
//! an acknowledged vote survives a crash or power loss.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::migrate::Migrator;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteQueryResult,
    SqliteSynchronous,
};
use sqlx::Sqlite;

use super::sql::{Dialect, SqlStore};
use super::StoreError;

/// The [`Store`](super::Store) on a SQLite database.
pub type SqliteStore = SqlStore<Sqlite>;

static MIGRATOR: Migrator = sqlx::migrate!("./migrations/sqlite");

impl Dialect for Sqlite {
    fn migrator() -> &'static Migrator {
        &MIGRATOR
    }

    fn rows_affected(result: &SqliteQueryResult) -> u64 {
        result.rows_affected()
    }

    // In WAL mode a read transaction keeps the snapshot of its first read.
    const SNAPSHOT: Option<&'static str> = None;
}

impl SqlStore<Sqlite> {
    /// Opens (creating if needed) and migrates the database at `url`:
    /// `sqlite://PATH`, `sqlite::memory:` or a plain path.
    pub async fn open(url: &str) -> Result<Self, StoreError> {
        let store = Self::connect(url).await?;
        store.migrate().await?;
        Ok(store)
    }

    /// Opens (creating if needed) the database at `url`, unmigrated. A new
    /// database file is created readable by its owner only (0600 on Unix);
    /// SQLite gives its `-wal` and `-shm` files the same mode.
    pub(super) async fn connect(url: &str) -> Result<Self, StoreError> {
        let memory = url.contains(":memory:") || url.contains("mode=memory");
        let options = if url.starts_with("sqlite:") {
            SqliteConnectOptions::from_str(url)?
        } else {
            SqliteConnectOptions::new().filename(url)
        };
        if !memory {
            create_private(options.get_filename()).map_err(sqlx::Error::Io)?;
        }
        let options = options
            .create_if_missing(true)
            .journal_mode(if memory {
                SqliteJournalMode::Memory
            } else {
                SqliteJournalMode::Wal
            })
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            // Short enough that a person still gets a "try again" within
            // Discord's 3-second interaction deadline.
            .busy_timeout(Duration::from_secs(2));
        let pool = SqlitePoolOptions::new()
            // An in-memory database lives in one connection.
            .max_connections(if memory { 1 } else { 4 })
            .min_connections(if memory { 1 } else { 0 })
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(options)
            .await?;
        let (store, writer) = Self::new(pool);
        store.writer_started(tokio::spawn(writer));
        Ok(store)
    }
}

/// Creates an empty file (which SQLite takes for a new database) with mode
/// 0600, unless the file exists: an existing database keeps the mode its
/// operator gave it.
fn create_private(path: &Path) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(error) => Err(error),
    }
}
