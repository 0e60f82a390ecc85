//! The PostgreSQL backend, for several bot processes sharing one database
//! (one per group of Discord shards). Their writes can race; the unique
//! constraints and `INSERT … ON CONFLICT` of the shared queries settle
//! every race in the database.

use std::str::FromStr;
use std::time::Duration;

use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions, PgQueryResult};
use sqlx::Postgres;

use super::sql::{Dialect, SqlStore};
use super::StoreError;

/// The [`Store`](super::Store) on a PostgreSQL database.
pub type PostgresStore = SqlStore<Postgres>;

static MIGRATOR: Migrator = sqlx::migrate!("./migrations/postgres");

/// Connections per process: a bot's writes are short, and several
/// processes share the server's connection limit (100 by default).
const MAX_CONNECTIONS: u32 = 8;

/// How long an operation waits for a connection before failing: while the
/// server is unreachable, operations fail after this rather than hang, and
/// early enough that the person still gets a "try again" within Discord's
/// 3-second interaction deadline.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(2);

impl Dialect for Postgres {
    fn migrator() -> &'static Migrator {
        &MIGRATOR
    }

    fn rows_affected(result: &PgQueryResult) -> u64 {
        result.rows_affected()
    }

    // Read committed, the default, takes a new snapshot per statement.
    const SNAPSHOT: Option<&'static str> =
        Some("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
}

impl SqlStore<Postgres> {
    /// Connects to and migrates the database at `url`
    /// (`postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?OPTIONS]`).
    /// Processes opening the same database at once migrate it once: the
    /// migrator holds an advisory lock.
    pub async fn open(url: &str) -> Result<Self, StoreError> {
        let store = Self::connect(url).await?;
        store.migrate().await?;
        Ok(store)
    }

    /// Connects to the database at `url`, unmigrated.
    pub(super) async fn connect(url: &str) -> Result<Self, StoreError> {
        let options = PgConnectOptions::from_str(url)?.application_name("helpdesk");
        let pool = PgPoolOptions::new()
            .max_connections(MAX_CONNECTIONS)
            .min_connections(0)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            // A connection the server dropped (restart, failover) is found
            // and replaced before use, so the pool recovers by itself.
            .test_before_acquire(true)
            .connect_with(options)
            .await?;
        let (store, writer) = Self::new(pool);
        store.writer_started(tokio::spawn(writer));
        Ok(store)
    }
}
