//! Running the bot as a service: Prometheus metrics and the HTTP endpoints
//! operators and orchestrators poll (`/healthz`, `/readyz`, `/metrics`).
//!
//! Metrics are recorded through the `metrics` facade wherever the event
//! happens (the use cases, the Discord handlers, the store); without an
//! installed recorder (the terminal commands, unit tests) recording costs
//! next to nothing. `serve` installs the Prometheus recorder and renders it
//! on `/metrics`.

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;
use metrics_exporter_prometheus::{BuildError, Matcher, PrometheusBuilder, PrometheusHandle};

use crate::assistant::Assistant;

/// Metric names, in one place so dashboards and code agree.
pub mod metric {
    pub const QUESTIONS_RECEIVED: &str = "helpdesk_questions_received_total";
    /// Label `entry`.
    pub const ANSWERS: &str = "helpdesk_answers_total";
    pub const UNANSWERED: &str = "helpdesk_unanswered_total";
    pub const ESCALATIONS: &str = "helpdesk_escalations_total";
    /// Label `dialogue`.
    pub const DIALOGUE_STEPS: &str = "helpdesk_dialogue_steps_total";
    /// Labels `dialogue`, `recommendation`.
    pub const DIALOGUE_COMPLETIONS: &str = "helpdesk_dialogue_completions_total";
    /// Labels `entry`, `value` (`helpful` or `not_helpful`).
    pub const VOTES: &str = "helpdesk_votes_total";
    /// Labels `route`, `status`.
    pub const DISCORD_REST_ERRORS: &str = "helpdesk_discord_rest_errors_total";
    /// Discord calls given up on: failed for good, or out of retries.
    /// Label `route`.
    pub const DISCORD_REST_GAVE_UP: &str = "helpdesk_discord_rest_gave_up_total";
    /// Retention purges run (hourly, unless retention is off).
    pub const RETENTION_PURGES: &str = "helpdesk_retention_purges_total";
    /// Label `event`.
    pub const HANDLER_DURATION: &str = "helpdesk_handler_duration_seconds";
    /// Label `operation`.
    pub const DB_QUERY_DURATION: &str = "helpdesk_db_query_duration_seconds";
    /// Store operations that failed. Label `operation`.
    pub const DB_ERRORS: &str = "helpdesk_db_errors_total";
    /// Writes committed together in one transaction by the store's group
    /// commit (a histogram: one sample per transaction).
    pub const STORE_COMMIT_BATCH_SIZE: &str = "helpdesk_store_commit_batch_size";
    /// Batches of the group commit run a second time, write by write,
    /// because one of their writes failed.
    pub const STORE_BATCH_RERUNS: &str = "helpdesk_store_batch_reruns_total";
    /// Events Discord delivered again (a gateway resume's replay) and the
    /// bot had handled already. Label `event`.
    pub const REPLAYS: &str = "helpdesk_replays_total";
    /// Messages read back from watched channels on a new session
    /// (`discord::catch_up`), whether or not they needed an answer.
    pub const CAUGHT_UP: &str = "helpdesk_caught_up_messages_total";
    /// Events the bot was too busy to handle itself: clicks and commands
    /// told to try again, questions set aside for the support team. Label
    /// `event`.
    pub const BUSY: &str = "helpdesk_busy_total";
    /// Questions, clicks and commands waiting for a slot (a gauge).
    pub const WAITING: &str = "helpdesk_waiting_events";
}

/// Histogram buckets (seconds) from half a millisecond to five seconds.
const LATENCY_BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];

/// Histogram buckets of the group commit's batch sizes, up to its most.
const BATCH_SIZE_BUCKETS: &[f64] = &[1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0];

/// What `/readyz` says when the database does not answer.
pub const DATABASE_UNAVAILABLE: &str = "database unavailable";

/// How long `/readyz` waits for the database before calling it unreachable.
const DATABASE_PROBE_TIMEOUT: Duration = Duration::from_secs(2);

/// Installs the process-wide Prometheus recorder and describes the metrics.
pub fn install_prometheus() -> Result<PrometheusHandle, BuildError> {
    let handle = PrometheusBuilder::new()
        .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), LATENCY_BUCKETS)?
        .set_buckets_for_metric(
            Matcher::Full(metric::STORE_COMMIT_BATCH_SIZE.into()),
            BATCH_SIZE_BUCKETS,
        )?
        .install_recorder()?;
    describe_metrics();
    Ok(handle)
}

fn describe_metrics() {
    use metrics::{describe_counter, describe_gauge, describe_histogram, Unit};
    describe_counter!(metric::QUESTIONS_RECEIVED, "Questions received");
    describe_counter!(metric::ANSWERS, "Questions answered, by entry");
    describe_counter!(metric::UNANSWERED, "Questions with no entry");
    describe_counter!(metric::ESCALATIONS, "Questions passed to the support team");
    describe_counter!(metric::DIALOGUE_STEPS, "Dialogue questions asked");
    describe_counter!(
        metric::DIALOGUE_COMPLETIONS,
        "Dialogues finished, by recommendation"
    );
    describe_counter!(metric::VOTES, "Votes, by entry and value");
    describe_counter!(
        metric::DISCORD_REST_ERRORS,
        "Failed Discord REST calls, by route and status"
    );
    describe_counter!(
        metric::DISCORD_REST_GAVE_UP,
        "Discord REST calls given up on (failed for good or out of retries), by route"
    );
    describe_counter!(
        metric::RETENTION_PURGES,
        "Retention purges of old question texts and comments"
    );
    describe_counter!(
        metric::BUSY,
        "Events the bot was too busy for: clicks told to try again, questions set aside for people"
    );
    describe_gauge!(metric::WAITING, "Events waiting for a slot");
    describe_counter!(
        metric::DB_ERRORS,
        "Store operations that failed, by operation"
    );
    describe_counter!(
        metric::REPLAYS,
        "Events delivered again and handled already, by event"
    );
    describe_counter!(
        metric::STORE_BATCH_RERUNS,
        "Group-commit batches run again write by write after a write failed"
    );
    describe_counter!(
        metric::CAUGHT_UP,
        "Messages read back from watched channels on a new session"
    );
    describe_histogram!(
        metric::HANDLER_DURATION,
        Unit::Seconds,
        "Time to handle one Discord event"
    );
    describe_histogram!(
        metric::DB_QUERY_DURATION,
        Unit::Seconds,
        "Time of one database operation"
    );
    describe_histogram!(
        metric::STORE_COMMIT_BATCH_SIZE,
        Unit::Count,
        "Writes committed together in one transaction"
    );
}

/// Hands the memory the allocator holds free back to the system. Building
/// a matcher allocates several times what it keeps, and glibc keeps the
/// freed memory in each thread's arena: at start, 1.5 MB of a 28 MB bot.
/// Called after the knowledge is built or rebuilt, and after a session's
/// start (connecting, reading back what was missed); a no-op elsewhere
/// than on glibc.
pub fn return_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim takes each arena's lock as malloc does; it only
    // returns pages that hold no allocation.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// What `/readyz` reports on: the gateway shards of this process and the
/// database.
#[derive(Debug)]
pub struct Health {
    assistant: Arc<Assistant>,
    connected_shards: Mutex<BTreeSet<u32>>,
    expected_shards: Mutex<Option<u32>>,
    stopping: AtomicBool,
}

impl Health {
    /// `expected_shards`: how many shards this process runs, if known now
    /// (automatic sharding learns it from the first READY).
    pub fn new(assistant: Arc<Assistant>, expected_shards: Option<u32>) -> Self {
        Self {
            assistant,
            connected_shards: Mutex::new(BTreeSet::new()),
            expected_shards: Mutex::new(expected_shards),
            stopping: AtomicBool::new(false),
        }
    }

    /// READY on a shard; with automatic sharding it also tells how many
    /// shards there are.
    pub fn shard_ready(&self, shard: u32, total: u32) {
        lock(&self.expected_shards).get_or_insert(total);
        self.shard_connected(shard);
    }

    pub fn shard_connected(&self, shard: u32) {
        lock(&self.connected_shards).insert(shard);
    }

    pub fn shard_disconnected(&self, shard: u32) {
        lock(&self.connected_shards).remove(&shard);
    }

    /// From now on the process reports itself not ready.
    pub fn stopping(&self) {
        self.stopping.store(true, Ordering::SeqCst);
    }

    pub fn gateway_ready(&self) -> bool {
        let connected = lock(&self.connected_shards).len();
        let expected = *lock(&self.expected_shards);
        !self.stopping.load(Ordering::SeqCst)
            && expected.is_some_and(|expected| connected >= expected as usize && expected > 0)
    }

    /// Ready means every shard is connected and the database answers;
    /// otherwise the reason. The reason is for whoever can reach the
    /// endpoint, so it never repeats the database's error (which can name
    /// hosts, users and schema); that is logged instead.
    pub async fn readiness(&self) -> Result<(), &'static str> {
        if !self.gateway_ready() {
            return Err("gateway not connected");
        }
        match tokio::time::timeout(DATABASE_PROBE_TIMEOUT, self.assistant.ping()).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(error)) => {
                tracing::warn!(%error, "not ready: the database does not answer");
                Err(DATABASE_UNAVAILABLE)
            }
            Err(_) => {
                tracing::warn!("not ready: the database gave no answer in 2 s");
                Err(DATABASE_UNAVAILABLE)
            }
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[derive(Clone)]
struct Endpoints {
    health: Arc<Health>,
    prometheus: Option<PrometheusHandle>,
}

/// The router of `/healthz`, `/readyz` and `/metrics`.
pub fn router(health: Arc<Health>, prometheus: Option<PrometheusHandle>) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics_text))
        .with_state(Endpoints { health, prometheus })
}

async fn readyz(State(endpoints): State<Endpoints>) -> (StatusCode, String) {
    match endpoints.health.readiness().await {
        Ok(()) => (StatusCode::OK, "ready\n".to_owned()),
        Err(reason) => (StatusCode::SERVICE_UNAVAILABLE, format!("{reason}\n")),
    }
}

async fn metrics_text(
    State(endpoints): State<Endpoints>,
) -> ([(axum::http::HeaderName, &'static str); 1], String) {
    let body = endpoints
        .prometheus
        .as_ref()
        .map(PrometheusHandle::render)
        .unwrap_or_default();
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        body,
    )
}

/// Serves the endpoints on `addr` until `shutdown` resolves.
pub async fn serve_http(
    listener: tokio::net::TcpListener,
    router: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown)
        .await
}

/// Histograms keep samples until upkeep folds them in; `serve` runs it
/// periodically so memory stays flat between scrapes.
pub async fn metrics_upkeep(handle: PrometheusHandle) {
    let mut every = tokio::time::interval(Duration::from_secs(5));
    loop {
        every.tick().await;
        handle.run_upkeep();
    }
}

/// How often the retention purge runs.
const RETENTION_PERIOD: Duration = Duration::from_secs(3600);

/// How long a handled interaction is remembered: Discord replays an
/// interaction only within its 15-minute token lifetime.
pub const INTERACTIONS_KEPT: Duration = Duration::from_secs(15 * 60);

/// The hourly upkeep, also run at start-up: deletes handled interactions
/// past [`INTERACTIONS_KEPT`] and dialogue sessions untouched for
/// `dialogue_idle`, and, with `retention`, purges question texts and
/// comments older than it. Cut-offs come from the stored timestamps, so a
/// restart loses nothing: the next run does whatever came due meanwhile,
/// and several processes at once only repeat each other's work.
pub async fn upkeep(
    assistant: Arc<Assistant>,
    retention: Option<Duration>,
    dialogue_idle: Duration,
) {
    let mut every = tokio::time::interval(RETENTION_PERIOD);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        assistant.upkeep(retention, dialogue_idle, unix_now()).await;
    }
}

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// Asks a running bot's `/healthz`: true if it answered 200. For container
/// health checks, so the image needs no HTTP client of its own.
pub fn healthcheck(addr: SocketAddr, timeout: Duration) -> std::io::Result<bool> {
    let mut stream = TcpStream::connect_timeout(&addr, timeout)?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    write!(
        stream,
        "GET /healthz HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )?;
    let mut head = [0u8; 32];
    let read = stream.read(&mut head)?;
    let status_line = String::from_utf8_lossy(&head[..read]);
    Ok(status_line.starts_with("HTTP/1.1 200") || status_line.starts_with("HTTP/1.0 200"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assistant::Brain;
    use crate::knowledge::Knowledge;
    use crate::store::SqliteStore;

    async fn health(expected: Option<u32>) -> Health {
        let store = SqliteStore::open("sqlite::memory:").await.unwrap();
        let brain = Brain::new(Knowledge::builtin().unwrap(), 0.35);
        Health::new(Arc::new(Assistant::new(brain, Arc::new(store))), expected)
    }

    #[tokio::test]
    async fn ready_only_when_every_shard_is_connected() {
        let health = health(Some(2)).await;
        assert!(health.readiness().await.is_err());
        health.shard_ready(0, 4);
        assert!(!health.gateway_ready(), "one of two shards");
        health.shard_connected(1);
        assert!(health.readiness().await.is_ok());
        health.shard_disconnected(1);
        assert_eq!(
            health.readiness().await.unwrap_err(),
            "gateway not connected"
        );
    }

    #[tokio::test]
    async fn automatic_sharding_learns_the_count_from_ready() {
        let health = health(None).await;
        health.shard_connected(0);
        assert!(!health.gateway_ready(), "the shard count comes with READY");
        health.shard_ready(0, 1);
        assert!(health.gateway_ready());
        health.stopping();
        assert!(!health.gateway_ready(), "a stopping process is not ready");
    }

    /// A log writer that keeps what it is given, for tests.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            lock(&self.0).extend_from_slice(buf);
            Ok(buf.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[tokio::test]
    async fn readiness_says_database_unavailable_and_logs_why() {
        let health = health(Some(1)).await;
        health.shard_ready(0, 1);
        assert_eq!(health.readiness().await, Ok(()));
        health.assistant.close().await;
        let detail = health.assistant.ping().await.unwrap_err().to_string();
        assert!(!detail.is_empty());

        let log = Captured::default();
        let writer = log.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .finish();
        let reason = {
            let _guard = tracing::subscriber::set_default(subscriber);
            health.readiness().await
        };
        assert_eq!(reason, Err(DATABASE_UNAVAILABLE));
        let logged = String::from_utf8(lock(&log.0).clone()).unwrap();
        assert!(logged.contains(&detail), "{detail:?} not logged: {logged}");
    }

    #[tokio::test]
    async fn the_endpoints_answer_and_healthcheck_reads_them() {
        let health = Arc::new(health(Some(1)).await);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(serve_http(
            listener,
            router(Arc::clone(&health), None),
            async move {
                let _ = stopped.await;
            },
        ));
        let probe = move || healthcheck(addr, Duration::from_secs(2));
        assert!(tokio::task::spawn_blocking(probe).await.unwrap().unwrap());

        let status = |path: &'static str| async move {
            tokio::task::spawn_blocking(move || {
                let mut stream = TcpStream::connect(addr).unwrap();
                write!(
                    stream,
                    "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                )
                .unwrap();
                let mut response = String::new();
                stream.read_to_string(&mut response).unwrap();
                response
            })
            .await
            .unwrap()
        };
        assert!(status("/readyz").await.starts_with("HTTP/1.1 503"));
        health.shard_ready(0, 1);
        assert!(status("/readyz").await.starts_with("HTTP/1.1 200"));
        let metrics = status("/metrics").await;
        assert!(metrics.contains("text/plain; version=0.0.4"), "{metrics}");
        health.assistant.close().await;
        let unready = status("/readyz").await;
        assert!(unready.starts_with("HTTP/1.1 503"), "{unready}");
        assert!(
            unready.ends_with("\r\n\r\ndatabase unavailable\n"),
            "only the reason, not the database's error: {unready}"
        );

        stop.send(()).unwrap();
        server.await.unwrap().unwrap();
        let refused = tokio::task::spawn_blocking(probe).await.unwrap();
        assert!(refused.is_err(), "the server stopped");
    }
}
