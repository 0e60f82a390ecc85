//! Fresh PostgreSQL databases for tests: each test gets its own, on the
//! server named by `HELPDESK_TEST_POSTGRES_URL` (default
//! `postgres://postgres@127.0.0.1:5432/test`), dropped when it is done.
//! An unreachable server fails the test rather than skipping it.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use sqlx::{Connection, PgConnection};

const DEFAULT_ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// A new, empty PostgreSQL database, dropped by [`Self::drop_database`] or,
/// failing that (a panicking test), when the value is dropped.
#[derive(Debug)]
pub struct TestDatabase {
    name: String,
    url: String,
    admin_url: String,
    dropped: bool,
}

impl TestDatabase {
    /// Creates a uniquely named database (tests run in parallel, and in
    /// several processes).
    pub async fn create() -> Self {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let admin_url = admin_url();
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .subsec_nanos();
        let name = format!(
            "helpdesk_test_{}_{}_{nanos}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        let mut admin = PgConnection::connect(&admin_url)
            .await
            .unwrap_or_else(|error| {
                panic!(
                "PostgreSQL at {admin_url} is unreachable ({error}); the storage tests need it. \
                 Start it (`pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main \
                 start`) or point HELPDESK_TEST_POSTGRES_URL at one"
            )
            });
        sqlx::query(&format!("CREATE DATABASE \"{name}\""))
            .execute(&mut admin)
            .await
            .expect("creating a test database");
        admin.close().await.ok();
        let url = with_database(&admin_url, &name);
        Self {
            name,
            url,
            admin_url,
            dropped: false,
        }
    }

    /// The new database's URL, for `helpdesk::store::open` or a bot's
    /// `HELPDESK_DATABASE_URL`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Drops the database, disconnecting whoever is still connected.
    pub async fn drop_database(mut self) {
        self.dropped = true;
        drop_named(&self.admin_url, &self.name)
            .await
            .expect("dropping the test database");
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if self.dropped {
            return;
        }
        // Best effort, on a thread of its own with its own runtime: this
        // may run inside the test's runtime, or while it panics.
        let (admin_url, name) = (self.admin_url.clone(), self.name.clone());
        let dropping = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime to drop the test database");
            runtime.block_on(drop_named(&admin_url, &name))
        });
        if let Ok(Err(error)) = dropping.join() {
            eprintln!("could not drop test database {}: {error}", self.name);
        }
    }
}

/// The server's database the tests connect to for creating and dropping
/// theirs (or for anything else no test database may do to itself).
pub fn admin_url() -> String {
    std::env::var("HELPDESK_TEST_POSTGRES_URL").unwrap_or_else(|_| DEFAULT_ADMIN_URL.to_owned())
}

async fn drop_named(admin_url: &str, name: &str) -> Result<(), sqlx::Error> {
    let mut admin = PgConnection::connect(admin_url).await?;
    sqlx::query(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
        .execute(&mut admin)
        .await?;
    admin.close().await
}

/// `url` with its database (the path) replaced by `name`, options kept.
fn with_database(url: &str, name: &str) -> String {
    let (base, options) = match url.split_once('?') {
        Some((base, options)) => (base, format!("?{options}")),
        None => (url, String::new()),
    };
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let server = match base[authority_start..].find('/') {
        Some(slash) => &base[..authority_start + slash],
        None => base,
    };
    format!("{server}/{name}{options}")
}
